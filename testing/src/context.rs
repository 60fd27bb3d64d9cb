//! [`Context`]: runs one event against a state, through the real engine.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use charm_reactive::backend::{Backend, MemoryBackend};
use charm_reactive::log::TraceMode;
use charm_reactive::store::Store;
use charm_reactive::{run_hook_with, HookInfo, Registry, RunOptions};

use crate::charm::CharmSpec;
use crate::check::{self, Plan};
use crate::error::HarnessError;
use crate::event::Event;
use crate::output::Output;
use crate::state::State;
use crate::world;

/// A charm under test: its handlers and what its metadata declares.
///
/// Each [`Context::run`] is independent: a fresh in-memory Juju
/// ([`MemoryBackend`]) and a fresh unit store (a real sled store in a temporary
/// directory) are built from the state, the engine runs the hook exactly as
/// `charm_reactive::main` would, and everything is read back into a new state.
///
/// The hook's charm directory (`HookInfo::charm_dir`, where layers such as
/// layer-basic read `config.yaml`) is the directory given to
/// [`from_charm_dir`](Context::from_charm_dir), else a temporary one holding
/// the text given to [`with_config_yaml`](Context::with_config_yaml); with
/// neither, the hook has none and layers use their own fallback.
#[derive(Clone)]
pub struct Context {
    registry: Arc<Registry>,
    charm: CharmSpec,
    /// The charm directory given by [`Context::from_charm_dir`].
    charm_dir: Option<PathBuf>,
    trace: TraceMode,
}

impl std::fmt::Debug for Context {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Context")
            .field("handlers", &self.registry.handlers().len())
            .field("charm", &self.charm)
            .field("charm_dir", &self.charm_dir)
            .field("trace", &self.trace)
            .finish()
    }
}

impl Context {
    /// A context for the handlers of `registry` and the charm described by
    /// `metadata_yaml`.
    pub fn new(registry: Arc<Registry>, metadata_yaml: &str) -> Result<Context, HarnessError> {
        Ok(Context {
            registry,
            charm: CharmSpec::parse_metadata(metadata_yaml)?,
            charm_dir: None,
            trace: TraceMode::default(),
        })
    }

    /// A context reading `metadata.yaml` and, if present, `config.yaml` from a
    /// charm directory.
    pub fn from_charm_dir(registry: Arc<Registry>, dir: &Path) -> Result<Context, HarnessError> {
        let read = |name: &str| {
            let path = dir.join(name);
            std::fs::read_to_string(&path).map_err(|e| (path, e))
        };
        let metadata = read("metadata.yaml").map_err(|(path, e)| HarnessError::CharmFile {
            file: path.display().to_string(),
            reason: e.to_string(),
        })?;
        let mut ctx = Context::new(registry, &metadata)?;
        ctx.charm_dir = Some(dir.to_owned());
        match read("config.yaml") {
            Ok(config) => ctx.charm.set_config_yaml(&config)?,
            Err((_, e)) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err((path, e)) => {
                return Err(HarnessError::CharmFile {
                    file: path.display().to_string(),
                    reason: e.to_string(),
                })
            }
        }
        Ok(ctx)
    }

    /// With the charm's `config.yaml`: config keys are checked against its
    /// options, values against their types, and unset options take defaults.
    /// The hook's charm directory is then a temporary one holding this text.
    pub fn with_config_yaml(mut self, config_yaml: &str) -> Result<Context, HarnessError> {
        self.charm.set_config_yaml(config_yaml)?;
        self.charm_dir = None;
        Ok(self)
    }

    /// With the engine's structured events (one logfmt DEBUG line per dispatch
    /// step, see `charm_reactive::events`) in the juju-log history, beside
    /// charms.reactive's lines ([`TraceMode::Both`]); off: charms.reactive's
    /// lines only (the default).
    pub fn with_structured_events(self, on: bool) -> Context {
        self.with_trace(if on {
            TraceMode::Both
        } else {
            TraceMode::Classic
        })
    }

    /// With the dispatch steps logged as `trace` says
    /// (`CHARM_REACTIVE_TRACE` for a deployed charm).
    pub fn with_trace(mut self, trace: TraceMode) -> Context {
        self.trace = trace;
        self
    }

    /// Runs `event` on the unit described by `state` and returns the new state
    /// with the hook's histories. Refuses inconsistent inputs with a
    /// [`HarnessError`] before running anything; a failing hook is an `Ok`
    /// output whose `error` says why.
    pub fn run(&self, event: Event, state: State) -> Result<Output, HarnessError> {
        let plan = check::check(&self.charm, &self.registry, &event, &state)?;
        let config = self.charm.config(&state.config)?;
        let dir = tempfile::Builder::new()
            .prefix("charm-reactive-harness")
            .tempdir()
            .map_err(|source| HarnessError::TempDir {
                dir: std::env::temp_dir(),
                source,
            })?;
        let store = Store::open(dir.path().join("unit.sled"))?;
        let (model, seeded) = world::seed(&state, &plan, config, &store)?;
        let charm_dir = self.charm_dir(dir.path())?;

        let mut juju = MemoryBackend::new(model);
        let outcome = run_hook_with(
            Arc::clone(&self.registry),
            &store,
            self.hook_info(&state, &plan, charm_dir),
            &mut juju,
            RunOptions { trace: self.trace },
        );
        let direct_logs = juju.model().logs.len();
        // What charm_reactive::main does after run_hook: the engine's records go
        // out through juju-log, and a failed action is marked failed. The
        // in-memory backend never fails a log call.
        let _ = charm_reactive::send_log(&mut juju, &outcome.log);
        if let (Some(e), Some(_)) = (&outcome.error, &plan.action) {
            // The in-memory backend accepts action-fail in an action context.
            let _ = juju.action_fail(&e.to_string());
        }
        let tool_calls = juju.calls().to_vec();
        let success = outcome.error.is_none();
        juju.end_hook(success);
        let model = juju.into_model();

        let (new_state, histories) = world::read(&state, &plan, &model, &store, seeded, success)?;
        let juju_log = model.logs[..direct_logs]
            .iter()
            .map(|l| (l.level, l.message.clone()))
            .chain(outcome.log.iter().map(|r| (r.level, r.message.clone())))
            .collect();
        Ok(Output {
            state: new_state,
            juju_log,
            unit_status_history: histories.unit_statuses,
            app_status_history: histories.app_statuses,
            workload_version_history: histories.versions,
            pod_spec_history: histories.pod_specs,
            tool_calls,
            invoked: outcome.invoked,
            error: outcome.error,
            committed: outcome.committed,
            action: model.action,
        })
    }

    /// The hook's charm directory (see [`Context`]): a temporary one is made
    /// under `scratch`.
    fn charm_dir(&self, scratch: &Path) -> Result<Option<PathBuf>, HarnessError> {
        if let Some(dir) = &self.charm_dir {
            return Ok(Some(dir.clone()));
        }
        let Some(yaml) = &self.charm.config_yaml else {
            return Ok(None);
        };
        let dir = scratch.join("charm");
        std::fs::create_dir(&dir)
            .and_then(|()| std::fs::write(dir.join("config.yaml"), yaml))
            .map_err(|source| HarnessError::TempDir {
                dir: dir.clone(),
                source,
            })?;
        Ok(Some(dir))
    }

    fn hook_info(&self, state: &State, plan: &Plan, charm_dir: Option<PathBuf>) -> HookInfo {
        let mut hook = HookInfo::new(plan.hook_name.clone(), state.unit.clone());
        hook.charm_dir = charm_dir;
        hook.action = plan.action.as_ref().map(|(name, _)| name.clone());
        hook.relation = plan.relation.clone();
        hook.juju_version = Some(plan.version);
        hook.relations = self.charm.metadata.relations.clone();
        hook
    }
}
