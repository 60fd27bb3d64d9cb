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
//! Every command and subcommand has its `--help`; `--version` prints the
//! version. Exit status: 0 on success, 1 when the store is damaged, lint found a
//! warning, or the command failed, 2 for a usage error.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context as _;
use charm_reactive::store::export::{Export, ExportValue};
use charm_reactive::store::{DiskFault, OpenOptions, Snapshot, Store, StoreError};
use clap::{Args, Parser, Subcommand, ValueEnum};
use serde::Serialize;

/// Tools for charm-reactive units: their stores, and what their charms' flags do.
#[derive(Debug, Parser)]
#[command(name = "charm-reactive", version, after_help = AFTER_HELP)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

const AFTER_HELP: &str = "\
PATH is a unit store directory ($CHARM_DIR/.unit-state.sled/<app>-<n> by default).
CHARM is a charm directory, a charm binary, or a JSON registry description.";

#[derive(Debug, Subcommand)]
enum Command {
    /// Inspect, check, back up or restore a unit store.
    #[command(subcommand)]
    Store(StoreAction),
    /// Print a charm's handler-flag graph.
    Graph {
        /// A charm directory, a charm binary, or a JSON registry description.
        #[arg(value_name = "CHARM")]
        charm: PathBuf,
        /// The output format.
        #[arg(long, value_enum, default_value_t = Format::Dot)]
        format: Format,
    },
    /// Find traps in the charms' flag flow; exit 1 when a warning is found.
    Lint {
        /// Charm directories, charm binaries, or JSON registry descriptions.
        #[arg(value_name = "CHARM", required = true)]
        charms: Vec<PathBuf>,
        /// Print the findings as JSON, one document per charm.
        #[arg(long)]
        json: bool,
        /// Accept a rule (only for handlers whose id contains HANDLER); repeatable.
        #[arg(long, value_name = "RULE[=HANDLER]")]
        allow: Vec<String>,
    },
}

/// What `store` does with the unit store.
#[derive(Debug, Subcommand)]
enum StoreAction {
    /// Print the store's flags and keys as JSON.
    Inspect(StoreArgs),
    /// Check everything; exit 1 with a report when the store is damaged.
    Verify(StoreArgs),
    /// Write a JSON backup of the store (to stdout by default).
    Export {
        #[command(flatten)]
        store: StoreArgs,
        /// Write the backup to FILE (atomically) instead of stdout.
        #[arg(short, long, value_name = "FILE")]
        output: Option<PathBuf>,
    },
    /// Restore a backup into an empty store (or, with --force, any store).
    Import {
        #[command(flatten)]
        store: StoreArgs,
        /// The export to read: a file, or - for stdin.
        #[arg(value_name = "FILE|-")]
        input: PathBuf,
        /// Replace the contents of a store that is not empty.
        #[arg(long)]
        force: bool,
    },
}

/// The store every `store` action works on, and how long to wait for its lock.
#[derive(Debug, Args)]
struct StoreArgs {
    /// The unit store directory.
    #[arg(value_name = "PATH")]
    path: PathBuf,
    /// How long to wait for the store's lock, in seconds (0 to 3600).
    #[arg(long, value_name = "SECONDS", default_value = "10",
          value_parser = parse_lock_timeout, allow_hyphen_values = true)]
    lock_timeout: Duration,
}

/// The formats `graph` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Format {
    /// Graphviz dot.
    Dot,
    /// An SVG drawing.
    Svg,
    /// The graph as JSON.
    Json,
}

/// The longest `--lock-timeout`: an hour.
const MAX_LOCK_TIMEOUT: Duration = Duration::from_secs(3600);

fn parse_lock_timeout(text: &str) -> Result<Duration, String> {
    text.parse::<f64>()
        .ok()
        .filter(|s| *s >= 0.0)
        .and_then(|s| Duration::try_from_secs_f64(s).ok())
        .filter(|d| *d <= MAX_LOCK_TIMEOUT)
        .ok_or_else(|| "needs a number of seconds from 0 to 3600".to_string())
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => usage_error(e),
    };
    match cli.command {
        Command::Store(action) => match run(&action) {
            Ok(code) => code,
            Err(e) => {
                eprintln!("charm-reactive: error: {e:#}");
                ExitCode::from(1)
            }
        },
        Command::Graph { charm, format } => graph(&charm, format),
        Command::Lint {
            charms,
            json,
            allow,
        } => {
            let allowed = allow
                .iter()
                .map(|spec| {
                    let (rule, handler) = spec.split_once('=').unwrap_or((spec, ""));
                    (rule.to_string(), handler.to_string())
                })
                .collect::<Vec<_>>();
            lint(&charms, json, &allowed)
        }
    }
}

/// Prints help or version (exit 0) or a usage error (exit 2), always with the
/// usage: clap leaves it out of errors about a value (`--lock-timeout soon`).
fn usage_error(e: clap::Error) -> ! {
    use clap::error::ErrorKind;
    use clap::CommandFactory;
    if e.use_stderr()
        && !matches!(
            e.kind(),
            ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
        )
    {
        let text = e.render().to_string();
        if !text.contains("Usage:") {
            eprint!("{text}");
            eprintln!("\n{}", Cli::command().render_usage());
            std::process::exit(2);
        }
    }
    e.exit()
}

/// `graph`: the charm's handler-flag graph.
fn graph(charm: &Path, format: Format) -> ExitCode {
    let described = match charm_reactive::describe::Description::of_charm(charm) {
        Ok(d) => d,
        Err(e) => {
            eprintln!("charm-reactive: {e}");
            return ExitCode::from(1);
        }
    };
    let graph = charm_reactive::graph::Graph::of(&described);
    let text = match format {
        Format::Json => serde_json::to_string_pretty(&graph).expect("a graph serialises"),
        Format::Svg => match graph.svg() {
            Ok(svg) => svg,
            Err(e) => {
                eprintln!("charm-reactive: cannot draw {}: {e}", charm.display());
                return ExitCode::from(1);
            }
        },
        Format::Dot => graph.dot(),
    };
    print_out(&text);
    ExitCode::SUCCESS
}

/// `lint`: what the charms' registries say about their flags.
fn lint(charms: &[PathBuf], json: bool, allowed: &[(String, String)]) -> ExitCode {
    let mut warnings = 0;
    for charm in charms {
        let described = match charm_reactive::describe::Description::of_charm(charm) {
            Ok(d) => d,
            Err(e) => {
                eprintln!("charm-reactive: {e}");
                return ExitCode::from(1);
            }
        };
        let metadata_dir = if charm.is_dir() {
            Some(charm.as_path())
        } else {
            None
        };
        let metadata = match metadata_dir.map(charm_reactive::metadata::Metadata::load) {
            Some(Ok(m)) => Some(m),
            Some(Err(e)) => {
                eprintln!("charm-reactive: {e}");
                return ExitCode::from(1);
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
    if warnings == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

/// Prints a line; a closed stdout (`| head`) ends the output quietly.
fn print_out(text: &str) {
    let mut out = std::io::stdout().lock();
    if writeln!(out, "{text}").is_err() {
        std::process::exit(0);
    }
}

/// `store`: one action on one unit store.
fn run(action: &StoreAction) -> anyhow::Result<ExitCode> {
    let (StoreAction::Inspect(store)
    | StoreAction::Verify(store)
    | StoreAction::Export { store, .. }
    | StoreAction::Import { store, .. }) = action;
    let options = OpenOptions {
        lock_timeout: store.lock_timeout,
        ..OpenOptions::default()
    };
    let path = &store.path;
    match action {
        StoreAction::Inspect(_) => {
            let store = Readable::open(path, &options)?;
            print_json(&Inspection::of(store.store(), path)?)?;
        }
        StoreAction::Verify(_) => {
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
        StoreAction::Export { output, .. } => {
            let export = Store::open_existing(path, &options)?.export()?;
            let json = serde_json::to_string_pretty(&export)? + "\n";
            match output {
                // Written beside the target and renamed, so a failed export never
                // leaves a truncated backup under the backup's name.
                Some(file) => write_atomically(file, json.as_bytes())?,
                None => std::io::stdout().write_all(json.as_bytes())?,
            }
        }
        StoreAction::Import { input, force, .. } => {
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
