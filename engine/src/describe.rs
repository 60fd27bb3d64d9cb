//! A charm's registry as data: its handlers with their conditions and the
//! flags they visibly set, clear and read, its triggers, and the flags its
//! layers declare. A charm binary prints it as JSON when run with
//! [`DESCRIBE_ENV`]`=json` (no hook runs, no store is opened), so that
//! `charm-reactive graph` and `charm-reactive lint` need no source parsing.
//!
//! ```
//! use charm_reactive::{Handler, Registry, FlagEffects};
//! let registry = Registry::builder()
//!     .handler(Handler::new("src/main.rs:3:install", |_| Ok(()))
//!         .hook(["install"])
//!         .effects(FlagEffects { sets: vec!["app.installed".into()], ..FlagEffects::default() }))
//!     .build()?;
//! let d = registry.describe();
//! assert_eq!(d.handlers[0].effects.sets, ["app.installed"]);
//! # Ok::<(), charm_reactive::EngineError>(())
//! ```

use serde::{Deserialize, Serialize};

use crate::{Condition, Registry, TriggerOn};

/// The variable that makes a charm binary print its [`Description`] and exit.
pub const DESCRIBE_ENV: &str = "CHARM_REACTIVE_DESCRIBE";

/// What a handler is known to do to flags. The attribute macros fill it in from
/// the literal flag names of the handler's body; hand-built handlers say it
/// with [`crate::Handler::effects`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FlagEffects {
    /// Flags the handler sets.
    pub sets: Vec<String>,
    /// Flags the handler clears.
    pub clears: Vec<String>,
    /// Flags the handler reads besides its conditions (`is_flag_set`).
    pub reads: Vec<String>,
    /// The handler names some flag with a computed expression: its effects are
    /// not fully known.
    pub computed: bool,
}

/// Flags a layer sets or reads by itself. Names may end in `*` (any suffix) or
/// contain `{endpoint_name}`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeclaredFlags {
    /// Flags the layer sets (automatic flags).
    pub sets: Vec<String>,
    /// Flags the layer reads.
    pub reads: Vec<String>,
    /// Automatic flags the layer sets but never clears: the charm must clear
    /// them once handled (charms.reactive's endpoint `changed` flags).
    pub sticky: Vec<String>,
}

/// A charm's registry as data.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Description {
    /// Handlers in dispatch order.
    pub handlers: Vec<HandlerDescription>,
    /// Triggers.
    pub triggers: Vec<TriggerDescription>,
    /// Layers in start order.
    pub layers: Vec<LayerDescription>,
}

/// One handler.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HandlerDescription {
    /// Its id.
    pub id: String,
    /// Its conditions in test order.
    pub conditions: Vec<ConditionDescription>,
    /// What it is known to do to flags.
    pub effects: FlagEffects,
}

/// One condition: its decorator's name and arguments.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConditionDescription {
    /// `when_all`, `when_any`, `when_not`, `when_not_all`, `hook`, `only_once`,
    /// `when_file_changed`, `collect_metrics`, `meter_status_changed`, `action`.
    pub kind: String,
    /// Flags, hook patterns, paths or the action name.
    pub args: Vec<String>,
}

/// One trigger.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TriggerDescription {
    /// The flag it watches.
    pub flag: String,
    /// `set` or `cleared`.
    pub on: String,
    /// Flags it sets.
    pub sets: Vec<String>,
    /// Flags it clears.
    pub clears: Vec<String>,
}

/// One layer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LayerDescription {
    /// Its name.
    pub name: String,
    /// Its flags.
    pub flags: DeclaredFlags,
}

impl ConditionDescription {
    fn of(c: &Condition) -> ConditionDescription {
        let strings = |v: &[String]| v.to_vec();
        let (kind, args) = match c {
            Condition::WhenAll(f) => ("when_all", strings(f)),
            Condition::WhenAny(f) => ("when_any", strings(f)),
            Condition::WhenNone(f) => ("when_not", strings(f)),
            Condition::WhenNotAll(f) => ("when_not_all", strings(f)),
            Condition::Hook(p) => ("hook", strings(p)),
            Condition::OnlyOnce => ("only_once", Vec::new()),
            Condition::WhenFileChanged(p) => (
                "when_file_changed",
                p.iter().map(|p| p.display().to_string()).collect(),
            ),
            Condition::Restricted(r) => (r.hook_name(), Vec::new()),
            Condition::Action(a) => ("action", vec![a.clone()]),
        };
        ConditionDescription {
            kind: kind.replace('-', "_"),
            args,
        }
    }
}

impl Registry {
    /// This registry as data.
    pub fn describe(&self) -> Description {
        Description {
            handlers: self
                .handlers()
                .iter()
                .map(|h| HandlerDescription {
                    id: h.id().to_string(),
                    conditions: h
                        .conditions()
                        .iter()
                        .map(ConditionDescription::of)
                        .collect(),
                    effects: h.flag_effects().clone(),
                })
                .collect(),
            triggers: self
                .triggers()
                .iter()
                .map(|t| {
                    let (flag, on) = match &t.on {
                        TriggerOn::Set(f) => (f.clone(), "set"),
                        TriggerOn::Cleared(f) => (f.clone(), "cleared"),
                    };
                    TriggerDescription {
                        flag,
                        on: on.into(),
                        sets: t.set.clone(),
                        clears: t.clear.clone(),
                    }
                })
                .collect(),
            layers: self
                .layers()
                .iter()
                .map(|l| LayerDescription {
                    name: l.name().to_string(),
                    flags: l.declared_flags(),
                })
                .collect(),
        }
    }
}

/// With [`DESCRIBE_ENV`]`=json`, prints this binary's registry as JSON on
/// stdout and returns the exit status; `None` when not requested. Handlers with
/// `{endpoint_name}` are expanded for the metadata in `$CHARM_DIR` when set.
pub(crate) fn print_if_requested() -> Option<i32> {
    let format = std::env::var_os(DESCRIBE_ENV)?;
    if format != "json" {
        eprintln!("charm-reactive: {DESCRIBE_ENV} must be `json`, not {format:?}");
        return Some(2);
    }
    match describe_this_binary() {
        Ok(json) => {
            println!("{json}");
            Some(0)
        }
        Err(e) => {
            eprintln!("charm-reactive: cannot describe the registry: {e:#}");
            Some(1)
        }
    }
}

fn describe_this_binary() -> anyhow::Result<String> {
    let mut registry = Registry::from_inventory()?;
    if let Some(dir) = std::env::var_os("CHARM_DIR") {
        let metadata = crate::metadata::Metadata::load(std::path::Path::new(&dir))?;
        registry = registry.expand_endpoints(&metadata.relations)?;
    }
    Ok(serde_json::to_string_pretty(&registry.describe())?)
}

/// Why a charm's description could not be read.
#[derive(Debug, thiserror::Error)]
pub enum DescribeError {
    /// The charm binary could not be run.
    #[error("cannot run {path} to describe it: {source}")]
    Run {
        /// The binary.
        path: std::path::PathBuf,
        /// The error.
        source: std::io::Error,
    },
    /// The binary exited non-zero.
    #[error(
        "{path} did not describe itself (exit {code:?}): {stderr}; is it a charm built with \
         charm-reactive?"
    )]
    Failed {
        /// The binary.
        path: std::path::PathBuf,
        /// Its exit code.
        code: Option<i32>,
        /// What it printed on stderr.
        stderr: String,
    },
    /// The output or the file is not a description.
    #[error("{path} is not a charm-reactive registry description: {source}")]
    Parse {
        /// The binary or file.
        path: std::path::PathBuf,
        /// The error.
        source: serde_json::Error,
    },
    /// A JSON file could not be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file.
        path: std::path::PathBuf,
        /// The error.
        source: std::io::Error,
    },
}

impl Description {
    /// The description of `charm`: a charm directory (its `dispatch` is run,
    /// with the directory as `CHARM_DIR` so that endpoint handlers expand for
    /// its metadata), a charm binary, or a `.json` file of a description.
    pub fn of_charm(charm: &std::path::Path) -> Result<Description, DescribeError> {
        let parse = |bytes: &[u8], path: &std::path::Path| {
            serde_json::from_slice(bytes).map_err(|source| DescribeError::Parse {
                path: path.to_owned(),
                source,
            })
        };
        if charm.extension().is_some_and(|e| e == "json") {
            let bytes = std::fs::read(charm).map_err(|source| DescribeError::Read {
                path: charm.to_owned(),
                source,
            })?;
            return parse(&bytes, charm);
        }
        let (binary, dir) = if charm.is_dir() {
            (charm.join("dispatch"), Some(charm))
        } else {
            (charm.to_owned(), None)
        };
        let mut command = std::process::Command::new(&binary);
        command.env(DESCRIBE_ENV, "json").env_remove("CHARM_DIR");
        if let Some(dir) = dir {
            command.env("CHARM_DIR", dir);
        }
        let out = command.output().map_err(|source| DescribeError::Run {
            path: binary.clone(),
            source,
        })?;
        if !out.status.success() {
            return Err(DescribeError::Failed {
                path: binary,
                code: out.status.code(),
                stderr: String::from_utf8_lossy(&out.stderr).trim().to_string(),
            });
        }
        parse(&out.stdout, &binary)
    }
}
