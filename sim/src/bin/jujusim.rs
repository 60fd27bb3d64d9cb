//! `jujusim`: plays a Juju controller and runs real charm executables.
//!
//! ```text
//! jujusim run SCENARIO.yaml [--unit U] [--hook H] [--handler X] [--flag F] [--tools]
//!                           [--json] [--summary-only] [--workdir DIR] [--keep]
//!                           [--hook-tool PATH] [--html FILE]
//! ```
//! `jujusim --help` and `jujusim run --help` describe every option; `--version`
//! prints the version. Exit status: 0 when every step ran and every assertion
//! held, 1 when an assertion failed or a step failed, 2 on usage or
//! scenario-file errors.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{bail, Context, Result};
use charm_reactive_sim::controller::Options;
use charm_reactive_sim::scenario::{run, Scenario};
use charm_reactive_sim::timeline::Filter;
use charm_reactive_sim::{html_report, report};
use clap::{CommandFactory, Parser, Subcommand};

/// Plays a Juju controller and runs real charm executables.
#[derive(Debug, Parser)]
#[command(name = "jujusim", version, arg_required_else_help = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run a scenario: deploy real charms, run their hooks as Juju would, print a
    /// per-unit timeline in the style of `juju debug-log`, a summary and the
    /// results of the scenario's assertions.
    Run(RunArgs),
}

/// `jujusim run`'s arguments.
#[derive(Debug, clap::Args)]
struct RunArgs {
    /// The scenario file.
    #[arg(value_name = "SCENARIO.yaml")]
    scenario: Option<PathBuf>,
    /// Show only lines of unit U (con6/3) or application U (con6); repeatable.
    #[arg(long = "unit", value_name = "U")]
    units: Vec<String>,
    /// Show only lines of hooks named H (`*` globs: '*-relation-*'); repeatable.
    #[arg(long = "hook", value_name = "H")]
    hooks: Vec<String>,
    /// Show only lines mentioning handler X (Invoking/tracer lines); repeatable.
    #[arg(long = "handler", value_name = "X")]
    handlers: Vec<String>,
    /// Show only lines mentioning flag F as a whole word; repeatable.
    #[arg(long = "flag", value_name = "F")]
    flags: Vec<String>,
    /// Also show every hook-tool call.
    #[arg(long)]
    tools: bool,
    /// Print one JSON document (result, model, assertions, filtered timeline).
    #[arg(long)]
    json: bool,
    /// Print the summary without the timeline.
    #[arg(long)]
    summary_only: bool,
    /// Create unit charm dirs under DIR (kept); default: a temp dir.
    #[arg(long, value_name = "DIR")]
    workdir: Option<PathBuf>,
    /// Keep the temp work dir and print its path.
    #[arg(long)]
    keep: bool,
    /// The jujusim-hook-tool binary (default: $JUJUSIM_HOOK_TOOL, else next to jujusim).
    #[arg(long, value_name = "PATH")]
    hook_tool: Option<PathBuf>,
    /// Also write the run as one self-contained HTML page (lanes per unit, filters).
    #[arg(long, value_name = "FILE")]
    html: Option<PathBuf>,
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
    let Command::Run(args) = Cli::parse().command;
    let Some(scenario) = args.scenario.clone() else {
        let mut cli = Cli::command();
        cli.build();
        cli.find_subcommand_mut("run")
            .expect("jujusim has a run command")
            .error(
                clap::error::ErrorKind::MissingRequiredArgument,
                "missing SCENARIO file",
            )
            .exit()
    };
    match real_main(&scenario, args) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("jujusim: {e:#}");
            ExitCode::from(2)
        }
    }
}

fn real_main(scenario_file: &std::path::Path, args: RunArgs) -> Result<ExitCode> {
    let filter = Filter {
        units: args.units,
        hooks: args.hooks,
        handlers: args.handlers,
        flags: args.flags,
        show_tools: args.tools,
    };
    let scenario = Scenario::load(scenario_file)?;
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
        let title = scenario_file
            .file_name()
            .unwrap_or_default()
            .to_string_lossy();
        let page = html_report::render(&result, &title).context("rendering the HTML report")?;
        std::fs::write(path, page).with_context(|| format!("writing {}", path.display()))?;
    }
    if args.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&report::json(&result, &filter))?
        );
    } else {
        if !args.summary_only {
            print!("{}", report::timeline_text(&result, &filter));
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
