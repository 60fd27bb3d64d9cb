//! `jujusim`: plays a Juju controller and runs real charm executables.
//!
//! ```text
//! jujusim run SCENARIO.yaml [--unit U] [--hook H] [--handler X] [--flag F] [--tools]
//!                           [--json] [--summary-only] [--workdir DIR] [--keep]
//!                           [--hook-tool PATH] [--html FILE]
//! ```
//! Exit status: 0 when every step ran and every assertion held, 1 when an
//! assertion failed or a step failed, 2 on usage or scenario-file errors.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{bail, Context, Result};
use charm_reactive_sim::controller::Options;
use charm_reactive_sim::scenario::{run, Scenario};
use charm_reactive_sim::timeline::Filter;
use charm_reactive_sim::{html_report, report};

const USAGE: &str = "\
usage: jujusim run SCENARIO.yaml [options]

Runs a scenario: deploys real charms, runs their hooks as Juju would, prints a
per-unit timeline in the style of `juju debug-log`, a summary and the results
of the scenario's assertions.

options:
  --unit U          show only lines of unit U (con6/3) or application U (con6); repeatable
  --hook H          show only lines of hooks named H (`*` globs: '*-relation-*'); repeatable
  --handler X       show only lines mentioning handler X (Invoking/tracer lines); repeatable
  --flag F          show only lines mentioning flag F as a whole word; repeatable
  --tools           also show every hook-tool call
  --json            print one JSON document (result, model, assertions, filtered timeline)
  --summary-only    print the summary without the timeline
  --workdir DIR     create unit charm dirs under DIR (kept); default: a temp dir
  --keep            keep the temp work dir and print its path
  --hook-tool PATH  the jujusim-hook-tool binary (default: $JUJUSIM_HOOK_TOOL, else next to jujusim)
  --html FILE       also write the run as one self-contained HTML page (lanes per unit, filters)
";

struct Args {
    scenario: PathBuf,
    filter: Filter,
    json: bool,
    summary_only: bool,
    workdir: Option<PathBuf>,
    keep: bool,
    hook_tool: Option<PathBuf>,
    html: Option<PathBuf>,
}

fn parse_args(mut argv: Vec<String>) -> Result<Args> {
    if argv.first().map(String::as_str) != Some("run") {
        bail!("expected the `run` command");
    }
    argv.remove(0);
    let mut it = argv.into_iter();
    let mut scenario = None;
    let mut a = Args {
        scenario: PathBuf::new(),
        filter: Filter::default(),
        json: false,
        summary_only: false,
        workdir: None,
        keep: false,
        hook_tool: None,
        html: None,
    };
    while let Some(arg) = it.next() {
        let (name, inline) = match arg.split_once('=') {
            Some((n, v)) if n.starts_with("--") => (n.to_string(), Some(v.to_string())),
            _ => (arg.clone(), None),
        };
        let mut value = |n: &str| -> Result<String> {
            match inline.clone() {
                Some(v) => Ok(v),
                None => it.next().with_context(|| format!("{n} needs a value")),
            }
        };
        match name.as_str() {
            "--unit" => a.filter.units.push(value("--unit")?),
            "--hook" => a.filter.hooks.push(value("--hook")?),
            "--handler" => a.filter.handlers.push(value("--handler")?),
            "--flag" => a.filter.flags.push(value("--flag")?),
            "--tools" => a.filter.show_tools = true,
            "--json" => a.json = true,
            "--summary-only" => a.summary_only = true,
            "--keep" => a.keep = true,
            "--workdir" => a.workdir = Some(value("--workdir")?.into()),
            "--hook-tool" => a.hook_tool = Some(value("--hook-tool")?.into()),
            "--html" => a.html = Some(value("--html")?.into()),
            s if s.starts_with('-') => bail!("unknown option {s}"),
            _ if scenario.is_none() => scenario = Some(PathBuf::from(arg)),
            _ => bail!("unexpected argument {arg:?}"),
        }
    }
    a.scenario = scenario.context("missing SCENARIO file")?;
    Ok(a)
}

fn hook_tool(explicit: Option<PathBuf>) -> Result<PathBuf> {
    if let Some(p) = explicit.or_else(|| std::env::var_os("JUJUSIM_HOOK_TOOL").map(PathBuf::from)) {
        return Ok(p);
    }
    let exe = std::env::current_exe().context("cannot locate the jujusim executable")?;
    let dir = exe.parent().context("jujusim has no parent dir")?;
    for cand in [
        dir.join("jujusim-hook-tool"),
        dir.join("../jujusim-hook-tool"),
    ] {
        if cand.exists() {
            return Ok(cand.canonicalize().unwrap_or(cand));
        }
    }
    bail!(
        "jujusim-hook-tool not found next to {}; build it (cargo build -p charm-reactive-sim) \
         or set JUJUSIM_HOOK_TOOL",
        exe.display()
    )
}

fn main() -> ExitCode {
    let argv: Vec<String> = std::env::args().skip(1).collect();
    if argv.is_empty() || argv.iter().any(|a| a == "--help" || a == "-h") {
        print!("{USAGE}");
        return if argv.is_empty() {
            ExitCode::from(2)
        } else {
            ExitCode::SUCCESS
        };
    }
    match real_main(argv) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("jujusim: {e:#}");
            ExitCode::from(2)
        }
    }
}

fn real_main(argv: Vec<String>) -> Result<ExitCode> {
    let args = parse_args(argv).map_err(|e| anyhow::anyhow!("{e}\n\n{USAGE}"))?;
    let scenario = Scenario::load(&args.scenario)?;
    let tool = hook_tool(args.hook_tool.clone())?;
    let mut temp = None;
    let workdir = match &args.workdir {
        Some(d) => {
            std::fs::create_dir_all(d).with_context(|| format!("creating {}", d.display()))?;
            d.canonicalize()?
        }
        None => {
            let t = tempfile::Builder::new().prefix("jujusim-work").tempdir()?;
            let p = t.path().to_path_buf();
            temp = Some(t);
            p
        }
    };
    let result = run(&scenario, Options::new(tool, workdir.clone()))?;
    if let Some(path) = &args.html {
        let title = args
            .scenario
            .file_name()
            .unwrap_or_default()
            .to_string_lossy();
        let page = html_report::render(&result, &title).context("rendering the HTML report")?;
        std::fs::write(path, page).with_context(|| format!("writing {}", path.display()))?;
    }
    if args.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&report::json(&result, &args.filter))?
        );
    } else {
        if !args.summary_only {
            print!("{}", report::timeline_text(&result, &args.filter));
        }
        print!("{}", report::summary(&result));
    }
    if let (true, Some(t)) = (args.keep, temp) {
        eprintln!("jujusim: work dir kept at {}", t.keep().display());
    }
    Ok(if result.ok() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
