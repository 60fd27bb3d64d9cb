//! `charm-reactive`: tools for charm-reactive units, run by operators (e.g. in
//! `juju ssh` or `kubectl exec`), never by Juju.
//!
//! ```text
//! charm-reactive store inspect PATH           flags and keys as JSON
//! charm-reactive store verify PATH            check everything; exit 1 with a report when damaged
//! charm-reactive store export PATH [-o FILE]  a JSON backup (stdout by default)
//! charm-reactive store import PATH FILE|- [--force]
//!                                             restore a backup into an empty (or, forced, any) store
//! ```
//!
//! PATH is a unit store directory: `$CHARM_DIR/.unit-state.sled/<app>-<n>`
//! unless the charm sets `CHARM_REACTIVE_STORE`. Every command takes the store's
//! lock like a hook does (`--lock-timeout SECONDS`, 10 by default), so it never
//! reads a half-written hook and never runs beside one.
//!
//! Exit status: 0 on success, 1 when the store is damaged or the command failed,
//! 2 for a usage error.

use std::io::{Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context as _;
use charm_reactive::store::export::{Export, ExportValue};
use charm_reactive::store::{OpenOptions, Store};
use serde::Serialize;

const USAGE: &str = "\
usage: charm-reactive store inspect PATH [--lock-timeout SECONDS]
       charm-reactive store verify PATH [--lock-timeout SECONDS]
       charm-reactive store export PATH [-o FILE] [--lock-timeout SECONDS]
       charm-reactive store import PATH FILE|- [--force] [--lock-timeout SECONDS]
PATH is a unit store directory ($CHARM_DIR/.unit-state.sled/<app>-<n> by default).";

/// A parsed command line.
#[derive(Debug)]
struct Command {
    action: Action,
    path: PathBuf,
    lock_timeout: Duration,
}

#[derive(Debug)]
enum Action {
    Inspect,
    Verify,
    Export { output: Option<PathBuf> },
    Import { input: String, force: bool },
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.iter().any(|a| a == "-h" || a == "--help") {
        println!("{USAGE}");
        return ExitCode::SUCCESS;
    }
    let command = match parse(&args) {
        Ok(c) => c,
        Err(msg) => {
            eprintln!("charm-reactive: {msg}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    match run(&command) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("charm-reactive: error: {e:#}");
            ExitCode::from(1)
        }
    }
}

/// Parses `store ACTION PATH [operands] [options]` by hand: four actions and
/// three options do not justify an argument-parsing dependency.
fn parse(args: &[String]) -> Result<Command, String> {
    let mut positional = Vec::new();
    let mut output = None;
    let mut force = false;
    let mut lock_timeout = OpenOptions::default().lock_timeout;
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--force" => force = true,
            "-o" | "--output" => output = Some(PathBuf::from(it.next().ok_or("-o needs a file")?)),
            "--lock-timeout" => {
                let secs: f64 = it
                    .next()
                    .and_then(|s| s.parse().ok())
                    .filter(|s: &f64| s.is_finite() && *s >= 0.0)
                    .ok_or("--lock-timeout needs a number of seconds")?;
                lock_timeout = Duration::from_secs_f64(secs);
            }
            s if s.starts_with('-') && s != "-" => return Err(format!("unknown option {s:?}")),
            _ => positional.push(arg.as_str()),
        }
    }
    let (action, path, rest) = match positional.as_slice() {
        ["store", action, path, rest @ ..] => (*action, PathBuf::from(path), rest),
        ["store", ..] => return Err("missing store action or PATH".into()),
        [other, ..] => return Err(format!("unknown command {other:?} (only `store` exists)")),
        [] => return Err("missing command".into()),
    };
    let only = |allowed: bool, what: &str| {
        if allowed {
            Ok(())
        } else {
            Err(format!("{what} is not an option of `store {action}`"))
        }
    };
    only(output.is_none() || action == "export", "-o")?;
    only(!force || action == "import", "--force")?;
    let action = match (action, rest) {
        ("inspect", []) => Action::Inspect,
        ("verify", []) => Action::Verify,
        ("export", []) => Action::Export { output },
        ("import", [input]) => Action::Import {
            input: (*input).to_owned(),
            force,
        },
        ("import", []) => {
            return Err("import needs the export to read (a file, or - for stdin)".into())
        }
        ("inspect" | "verify" | "export" | "import", [extra, ..]) => {
            return Err(format!("unexpected argument {extra:?}"))
        }
        (other, _) => return Err(format!("unknown store action {other:?}")),
    };
    Ok(Command {
        action,
        path,
        lock_timeout,
    })
}

fn run(command: &Command) -> anyhow::Result<ExitCode> {
    let options = OpenOptions {
        lock_timeout: command.lock_timeout,
        ..OpenOptions::default()
    };
    let path = &command.path;
    match &command.action {
        Action::Inspect => {
            let store = Store::open_existing(path, &options)?;
            print_json(&Inspection::of(&store)?)?;
        }
        Action::Verify => {
            // A store that does not even open is the first thing verify reports.
            let mut report = match Store::open_existing(path, &options) {
                Ok(store) => serde_json::to_value(store.verify()?)?,
                Err(e) => serde_json::json!({ "path": path, "error": e.to_string() }),
            };
            let problems = report["problems"].as_array().map_or(0, Vec::len);
            let ok = report.get("error").is_none() && problems == 0;
            report["ok"] = ok.into();
            print_json(&report)?;
            if !ok {
                match report.get("error").and_then(|e| e.as_str()) {
                    Some(e) => eprintln!("charm-reactive: {}: does not open: {e}", path.display()),
                    None => eprintln!(
                        "charm-reactive: {}: {problems} problems (see the report)",
                        path.display()
                    ),
                }
                return Ok(ExitCode::from(1));
            }
        }
        Action::Export { output } => {
            let export = Store::open_existing(path, &options)?.export()?;
            let json = serde_json::to_string_pretty(&export)? + "\n";
            match output {
                // Written beside the target and renamed, so a failed export never
                // leaves a truncated backup under the backup's name.
                Some(file) => write_atomically(file, json.as_bytes())?,
                None => std::io::stdout().write_all(json.as_bytes())?,
            }
        }
        Action::Import { input, force } => {
            let text = if input == "-" {
                let mut s = String::new();
                std::io::stdin()
                    .read_to_string(&mut s)
                    .context("reading the export from stdin")?;
                s
            } else {
                std::fs::read_to_string(input)
                    .with_context(|| format!("reading the export {input}"))?
            };
            let export: Export = serde_json::from_str(&text)
                .with_context(|| format!("{input} is not a charm-reactive store export"))?;
            // The one command that may create a store: restoring into a new
            // directory is how a damaged store is replaced.
            let store = Store::open_with(path, &options)?;
            let stats = store.import(&export, *force)?;
            eprintln!(
                "charm-reactive: imported {} keys into {} (removed {}, generation {})",
                stats.written,
                path.display(),
                stats.removed,
                stats.generation
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// What `inspect` prints.
#[derive(Serialize)]
struct Inspection {
    path: PathBuf,
    format: u8,
    generation: u64,
    /// Set flags: `null` for a plain flag, else the value.
    flags: std::collections::BTreeMap<String, Option<ExportValue>>,
    /// The unit's key/values.
    kv: std::collections::BTreeMap<String, ExportValue>,
    /// The engine's bookkeeping keys.
    internal: Vec<String>,
    /// Keys outside the layout, in hex.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    other: Vec<String>,
}

impl Inspection {
    fn of(store: &Store) -> anyhow::Result<Inspection> {
        let export = store.export()?;
        Ok(Inspection {
            path: store.path().to_owned(),
            format: export.store_format,
            generation: export.generation,
            flags: export.flags,
            kv: export.kv,
            internal: export.internal.into_keys().collect(),
            other: export.other.into_iter().map(|e| e.key_hex).collect(),
        })
    }
}

fn print_json<T: Serialize>(value: &T) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    serde_json::to_writer_pretty(&mut out, value)?;
    writeln!(out)?;
    Ok(())
}

fn write_atomically(file: &std::path::Path, bytes: &[u8]) -> anyhow::Result<()> {
    let dir = match file.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => std::path::Path::new("."),
    };
    let mut tmp = tempfile::NamedTempFile::new_in(dir)
        .with_context(|| format!("creating a file in {}", dir.display()))?;
    tmp.write_all(bytes)?;
    tmp.as_file().sync_all()?;
    tmp.persist(file)
        .with_context(|| format!("writing {}", file.display()))?;
    Ok(())
}
