//! `charm-reactive`: tools for charm-reactive units, run by operators (e.g. in
//! `juju ssh` or `kubectl exec`), never by Juju.
//!
//! ```text
//! charm-reactive store inspect PATH           flags and keys as JSON
//! charm-reactive store verify PATH            check everything; exit 1 with a report when damaged
//! charm-reactive store export PATH [-o FILE]  a JSON backup (stdout by default)
//! charm-reactive store import PATH FILE|- [--force]
//!                                             restore a backup into an empty (or, forced, any) store
//! charm-reactive graph CHARM [--format dot|svg|json]
//!                                             the charm's handler-flag graph
//! charm-reactive lint CHARM... [--json] [--allow RULE[=HANDLER]]...
//!                                             traps in the charms' flag flow; --allow
//!                                             accepts a rule (for handlers whose id
//!                                             contains HANDLER)
//! ```
//!
//! CHARM is a charm directory (its `dispatch` and metadata), a charm binary, or
//! a JSON file of what a charm binary prints with `CHARM_REACTIVE_DESCRIBE=json`.
//!
//! PATH is a unit store directory: `$CHARM_DIR/.unit-state.sled/<app>-<n>`
//! unless the charm sets `CHARM_REACTIVE_STORE`. Every command takes the store's
//! lock like a hook does (`--lock-timeout SECONDS`, 10 by default), so it never
//! reads a half-written hook and never runs beside one.
//!
//! Exit status: 0 on success, 1 when the store is damaged, lint found a
//! warning, or the command failed, 2 for a usage error.

use std::ffi::{OsStr, OsString};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context as _;
use charm_reactive::store::export::{Export, ExportValue};
use charm_reactive::store::{DiskFault, OpenOptions, Snapshot, Store, StoreError};
use serde::Serialize;

const USAGE: &str = "\
usage: charm-reactive store inspect PATH [--lock-timeout SECONDS]
       charm-reactive store verify PATH [--lock-timeout SECONDS]
       charm-reactive store export PATH [-o FILE] [--lock-timeout SECONDS]
       charm-reactive store import PATH FILE|- [--force] [--lock-timeout SECONDS]
       charm-reactive graph CHARM [--format dot|svg|json]
       charm-reactive lint CHARM... [--json] [--allow RULE[=HANDLER]]...
PATH is a unit store directory ($CHARM_DIR/.unit-state.sled/<app>-<n> by default).
CHARM is a charm directory, a charm binary, or a JSON registry description.";

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
    Import { input: PathBuf, force: bool },
}

fn main() -> ExitCode {
    // Paths need not be UTF-8.
    let args: Vec<OsString> = std::env::args_os().skip(1).collect();
    if args.iter().any(|a| a == "-h" || a == "--help") {
        println!("{USAGE}");
        return ExitCode::SUCCESS;
    }
    if matches!(
        args.first().and_then(|a| a.to_str()),
        Some("graph" | "lint")
    ) {
        return match analyse(&args) {
            Ok(code) => code,
            Err(Usage(msg)) => {
                eprintln!("charm-reactive: {msg}\n{USAGE}");
                ExitCode::from(2)
            }
        };
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

/// A usage error.
struct Usage(String);

/// `graph` and `lint`: what the charms' registries say about their flags.
fn analyse(args: &[OsString]) -> Result<ExitCode, Usage> {
    use charm_reactive::describe::Description;
    let (command, rest) = args.split_first().expect("a command");
    let command = command.to_str().expect("graph or lint");
    let mut charms = Vec::new();
    let mut format = "dot".to_string();
    let mut json = false;
    let mut allowed: Vec<(String, String)> = Vec::new();
    let mut i = 0;
    let value = |i: &mut usize, what: &str| -> Result<String, Usage> {
        *i += 1;
        rest.get(*i)
            .and_then(|a| a.to_str())
            .map(str::to_owned)
            .ok_or_else(|| Usage(what.to_owned()))
    };
    while i < rest.len() {
        let arg = &rest[i];
        match arg.to_str().unwrap_or_default() {
            "--format" if command == "graph" => {
                format = value(&mut i, "--format needs dot, svg or json")?;
            }
            "--json" if command == "lint" => json = true,
            "--allow" if command == "lint" => {
                let spec = value(&mut i, "--allow needs RULE[=HANDLER]")?;
                let (rule, handler) = spec.split_once('=').unwrap_or((&spec, ""));
                allowed.push((rule.to_string(), handler.to_string()));
            }
            s if s.starts_with('-') => return Err(Usage(format!("unknown option {s:?}"))),
            _ => charms.push(PathBuf::from(arg)),
        }
        i += 1;
    }
    if charms.is_empty() || (command == "graph" && charms.len() > 1) {
        return Err(Usage(format!(
            "{command} needs one CHARM{}",
            if command == "lint" { " or more" } else { "" }
        )));
    }
    if !matches!(format.as_str(), "dot" | "svg" | "json") {
        return Err(Usage(format!(
            "unknown format {format:?}: dot, svg or json"
        )));
    }
    let mut warnings = 0;
    for charm in &charms {
        let described = match Description::of_charm(charm) {
            Ok(d) => d,
            Err(e) => {
                eprintln!("charm-reactive: {e}");
                return Ok(ExitCode::from(1));
            }
        };
        if command == "graph" {
            let graph = charm_reactive::graph::Graph::of(&described);
            let text = match format.as_str() {
                "json" => serde_json::to_string_pretty(&graph).expect("a graph serialises"),
                "svg" => match graph.svg() {
                    Ok(svg) => svg,
                    Err(e) => {
                        eprintln!("charm-reactive: cannot draw {}: {e}", charm.display());
                        return Ok(ExitCode::from(1));
                    }
                },
                _ => graph.dot(),
            };
            print_out(&text);
            continue;
        }
        let metadata_dir = if charm.is_dir() {
            Some(charm.as_path())
        } else {
            None
        };
        let metadata = match metadata_dir.map(charm_reactive::metadata::Metadata::load) {
            Some(Ok(m)) => Some(m),
            Some(Err(e)) => {
                eprintln!("charm-reactive: {e}");
                return Ok(ExitCode::from(1));
            }
            None => None,
        };
        let mut findings = charm_reactive::lint::lint(&described, metadata.as_ref());
        findings.retain(|f| {
            !allowed.iter().any(|(rule, handler)| {
                f.rule.name() == rule
                    && f.handler
                        .as_deref()
                        .unwrap_or_default()
                        .contains(handler.as_str())
            })
        });
        warnings += findings
            .iter()
            .filter(|f| f.level == charm_reactive::lint::Level::Warning)
            .count();
        if json {
            let doc = serde_json::json!({ "charm": charm, "findings": findings });
            print_out(&serde_json::to_string_pretty(&doc).expect("findings serialise"));
        } else {
            for f in &findings {
                print_out(&format!("{}: {f}", charm.display()));
            }
            eprintln!(
                "charm-reactive: {}: {} findings",
                charm.display(),
                findings.len()
            );
        }
    }
    Ok(if warnings == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// Prints a line; a closed stdout (`| head`) ends the output quietly.
fn print_out(text: &str) {
    let mut out = std::io::stdout().lock();
    if writeln!(out, "{text}").is_err() {
        std::process::exit(0);
    }
}

/// Parses `store ACTION PATH [operands] [options]` by hand: four actions and
/// three options do not justify an argument-parsing dependency.
fn parse(args: &[OsString]) -> Result<Command, String> {
    let mut positional: Vec<&OsStr> = Vec::new();
    let mut output = None;
    let mut force = false;
    let mut lock_timeout = OpenOptions::default().lock_timeout;
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        match arg.to_str() {
            Some("--force") => force = true,
            Some("-o" | "--output") => {
                output = Some(PathBuf::from(it.next().ok_or("-o needs a file")?))
            }
            Some("--lock-timeout") => {
                lock_timeout = it
                    .next()
                    .and_then(|s| s.to_str()?.parse::<f64>().ok())
                    .filter(|s| *s >= 0.0)
                    .and_then(|s| Duration::try_from_secs_f64(s).ok())
                    .filter(|d| *d <= MAX_LOCK_TIMEOUT)
                    .ok_or("--lock-timeout needs a number of seconds from 0 to 3600")?;
            }
            Some(s) if s.starts_with('-') && s != "-" => {
                return Err(format!("unknown option {s:?}"))
            }
            _ => positional.push(arg),
        }
    }
    let word = |w: &OsStr| w.to_str().map(str::to_owned);
    let (action, path, rest) = match positional.as_slice() {
        [command, action, path, rest @ ..] if word(command).as_deref() == Some("store") => (
            word(action).ok_or_else(|| format!("unknown store action {action:?}"))?,
            PathBuf::from(path),
            rest,
        ),
        [command, ..] if word(command).as_deref() == Some("store") => {
            return Err("missing store action or PATH".into())
        }
        [other, ..] => {
            return Err(format!(
                "unknown command {other:?} (commands: store, graph, lint)"
            ))
        }
        [] => return Err("missing command".into()),
    };
    let action = action.as_str();
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
            input: PathBuf::from(input),
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
            let store = Readable::open(path, &options)?;
            print_json(&Inspection::of(store.store(), path)?)?;
        }
        Action::Verify => {
            // A store that does not even open is the first thing verify reports.
            let mut report = match Readable::open(path, &options) {
                Ok(store) => {
                    let mut report = store.store().verify()?;
                    report.path = printable(path);
                    serde_json::to_value(report)?
                }
                Err(e) => serde_json::json!({ "path": printable(path), "error": e.to_string() }),
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
            let text = if input.as_os_str() == "-" {
                let mut s = String::new();
                std::io::stdin()
                    .read_to_string(&mut s)
                    .context("reading the export from stdin")?;
                s
            } else {
                std::fs::read_to_string(input)
                    .with_context(|| format!("reading the export {}", input.display()))?
            };
            let export: Export = serde_json::from_str(&text).with_context(|| {
                format!("{} is not a charm-reactive store export", input.display())
            })?;
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

/// The longest `--lock-timeout`: an hour.
const MAX_LOCK_TIMEOUT: Duration = Duration::from_secs(3600);

/// A store opened for reading: in place, or, where it cannot be (a read-only
/// filesystem: sled opens its files read-write and the lock file cannot be
/// created), from a private copy.
enum Readable {
    InPlace(Store),
    Copy(Snapshot),
}

impl Readable {
    fn open(path: &Path, options: &OpenOptions) -> Result<Readable, StoreError> {
        match Store::open_existing(path, options) {
            Err(e) if e.disk_fault() == Some(DiskFault::ReadOnly) => {
                eprintln!(
                    "charm-reactive: {} is on a read-only filesystem: reading a private copy",
                    path.display()
                );
                Snapshot::open(path, options).map(Readable::Copy)
            }
            other => other.map(Readable::InPlace),
        }
    }

    fn store(&self) -> &Store {
        match self {
            Readable::InPlace(store) => store,
            Readable::Copy(snapshot) => snapshot.store(),
        }
    }
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
    fn of(store: &Store, path: &Path) -> anyhow::Result<Inspection> {
        let export = store.export()?;
        Ok(Inspection {
            path: printable(path),
            format: export.store_format,
            generation: export.generation,
            flags: export.flags,
            kv: export.kv,
            internal: export.internal.into_keys().collect(),
            other: export.other.into_iter().map(|e| e.key_hex).collect(),
        })
    }
}

/// `path` as JSON can hold it: non-UTF-8 bytes replaced.
fn printable(path: &Path) -> PathBuf {
    PathBuf::from(path.to_string_lossy().into_owned())
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
