//! The entry point of a charm binary: Juju's environment in, one hook run,
//! juju-log out, an exit status Juju understands.

use std::path::PathBuf;
use std::sync::Arc;

use crate::backend::{Backend, HookTools};
use crate::hook_env::{HookEnv, Invocation};
use crate::log::LogRecord;
use crate::log::TraceMode;
use crate::metadata::Metadata;
use crate::store::{OpenOptions, Store};
use crate::unit_state::{StateMirror, UnitStore};
use crate::{run_hook_with, Condition, HookInfo, Registry, RunOptions};

/// Overrides where the unit store lives (a directory).
pub const STORE_ENV: &str = "CHARM_REACTIVE_STORE";

/// The older switch for the one-line events, read when
/// [`TRACE_ENV`](crate::log::TRACE_ENV) is unset: `0` means `classic`, any
/// other value `both`.
pub const EVENTS_ENV: &str = "CHARM_REACTIVE_EVENTS";

/// The trace mode of this process: [`TRACE_ENV`](crate::log::TRACE_ENV), else
/// the older [`EVENTS_ENV`], else the default.
fn trace_mode() -> Result<TraceMode, crate::log::UnknownTraceMode> {
    if std::env::var_os(crate::log::TRACE_ENV).is_none() {
        if let Ok(v) = std::env::var(EVENTS_ENV) {
            return Ok(if v == "0" {
                TraceMode::Classic
            } else {
                TraceMode::Both
            });
        }
    }
    TraceMode::from_env()
}

/// Runs the charm for the hook or action Juju invoked, and exits: 0 on success
/// (or for a hook this charm does not know), 1 when the hook failed so that Juju
/// retries it. The error is logged through `juju-log` first.
///
/// ```no_run
/// use charm_reactive::{when_not, Context};
///
/// #[when_not("app.installed")]
/// fn install(ctx: &mut Context<'_>) {
///     ctx.set_flag("app.installed");
/// }
///
/// fn main() {
///     charm_reactive::main()
/// }
/// ```
pub fn main() -> ! {
    Charm::new().main()
}

/// A charm's choices about how it runs; [`main`] is `Charm::new().main()`.
///
/// ```no_run
/// use charm_reactive::{Charm, UnitStore};
/// fn main() {
///     // Keep unit flags and key/values in Juju's unit state (Juju >= 2.8).
///     Charm::new().unit_store(UnitStore::JujuState).main()
/// }
/// ```
#[derive(Debug, Clone, Default)]
pub struct Charm {
    unit_store: UnitStore,
}

impl Charm {
    /// The defaults: the unit store in the charm dir.
    pub fn new() -> Charm {
        Charm::default()
    }

    /// Where the unit store lives.
    pub fn unit_store(mut self, unit_store: UnitStore) -> Charm {
        self.unit_store = unit_store;
        self
    }

    /// Runs the hook Juju invoked and exits (see [`main`]).
    pub fn main(self) -> ! {
        std::process::exit(run(&self))
    }
}

fn run(charm: &Charm) -> i32 {
    if let Some(code) = crate::describe::print_if_requested() {
        return code;
    }
    let env = match HookEnv::from_process() {
        Ok(env) => env,
        Err(e) => {
            eprintln!("charm-reactive: {e}");
            return 1;
        }
    };
    let juju = match HookTools::from_env() {
        Ok(j) => j,
        Err(e) => {
            eprintln!("charm-reactive: {e}");
            return 1;
        }
    };
    let mut juju = juju;
    let timeout = juju.timeout();
    match run_invocation(charm, &env, &mut juju, true) {
        Ok(code) => code,
        Err(e) => {
            // The hook's backend went with the failed run: a fresh one, with
            // the same timeout, logs.
            let message = format!("Hook error:\n{e:#}");
            if HookTools::new()
                .with_timeout(timeout)
                .log(crate::log::Level::Error, &message)
                .is_err()
            {
                eprintln!("charm-reactive: {message}");
            }
            1
        }
    }
}

/// Runs one hook described by `env` against `juju`, with the handlers of this
/// binary: what [`main`] does, without exiting. Returns the exit status.
pub fn run_with(charm: &Charm, env: &HookEnv, juju: &mut dyn Backend) -> anyhow::Result<i32> {
    run_invocation(charm, env, juju, false)
}

/// [`run_with`]; `exiting`: the process exits right after, so the store need
/// not be closed.
fn run_invocation(
    charm: &Charm,
    env: &HookEnv,
    juju: &mut dyn Backend,
    exiting: bool,
) -> anyhow::Result<i32> {
    let metadata = Metadata::load(&env.charm_dir)?;
    let relations = metadata.relations;
    let registry = Registry::from_inventory()?;
    let options = RunOptions {
        trace: trace_mode()?,
    };
    if let Some(reason) = unknown(env, &relations, &registry) {
        juju.log(
            crate::log::Level::Info,
            &format!("charm-reactive: nothing to do: {reason}"),
        )?;
        return Ok(match env.invocation {
            Invocation::Action(_) => {
                juju.action_fail(&reason)?;
                1
            }
            Invocation::Hook(_) => 0,
        });
    }
    let (store, mirror) = match charm.unit_store {
        UnitStore::CharmDir => (
            Store::open_with(store_path(env), &OpenOptions::default())?,
            None,
        ),
        UnitStore::JujuState => {
            let mirror = StateMirror::load(juju)?;
            (mirror.store().clone(), Some(mirror))
        }
    };
    for file in store.set_aside() {
        juju.log(
            crate::log::Level::Warning,
            &format!(
                "unit store {}: set aside {} left by a process killed while closing the store (sled issue #1527); committed data was checked intact",
                store.path().display(),
                file.display()
            ),
        )?;
    }
    let hook = HookInfo::from_env(env, relations);
    let outcome = run_hook_with(Arc::new(registry), &store, hook, juju, options);
    if exiting && outcome.committed && mirror.is_none() {
        // The commit is durable; closing would only fsync sled's log again.
        // The process exits right after this hook, which releases the lock.
        std::mem::forget(store);
    } else {
        drop(store);
    }
    // With the unit store in Juju's state, saving it is the commit: its failure
    // fails the hook (reported by `run` through a fresh backend).
    let saved = match (mirror, outcome.committed) {
        (Some(mirror), true) => mirror.save(juju).map_err(anyhow::Error::from),
        _ => Ok(()),
    };
    let code = finish(juju, &outcome.log, env, outcome.error.as_ref());
    saved.map(|()| code)
}

/// Everything after the commit. The hook's outcome is decided by then, so
/// this returns the exit status and no error: nothing that fails here can
/// change it. A hook that committed must exit 0, because Juju keeps a
/// successful hook's changes (pod spec, relation data) and drops a failed
/// one's, and the retry of a hook that exited 1 would find the flags of a
/// commit whose Juju side was dropped. A juju-log (or action-fail) that fails
/// here goes to stderr, which Juju's unit log keeps too.
fn finish(
    juju: &mut dyn Backend,
    log: &[LogRecord],
    env: &HookEnv,
    error: Option<&crate::EngineError>,
) -> i32 {
    if let Err(e) = send_log(juju, log) {
        eprintln!("charm-reactive: juju-log failed ({e:#}); the hook's log follows");
        for record in log {
            eprintln!("{:?}: {}", record.level, record.message);
        }
    }
    let Some(error) = error else { return 0 };
    if let Invocation::Action(_) = env.invocation {
        if let Err(e) = juju.action_fail(&error.to_string()) {
            eprintln!("charm-reactive: action-fail failed: {e:#}");
        }
    }
    1
}

/// Where the unit's store lives: `$CHARM_REACTIVE_STORE`, else
/// `<charm dir>/.unit-state.sled/<unit>` with the unit name's `/` as `-`. Keyed by
/// unit name, because Juju 2.5 shared one charm dir between the units of an
/// operator pod: a replacement unit must not read its predecessor's flags.
pub fn store_path(env: &HookEnv) -> PathBuf {
    match std::env::var_os(STORE_ENV) {
        Some(p) if !p.is_empty() => PathBuf::from(p),
        _ => env
            .charm_dir
            .join(".unit-state.sled")
            .join(env.unit.replace('/', "-")),
    }
}

/// Why this invocation is not for this charm, if it is not: a relation hook of
/// an endpoint metadata.yaml does not declare, or an action no handler takes.
fn unknown(
    env: &HookEnv,
    relations: &[crate::pattern::RelationSpec],
    registry: &Registry,
) -> Option<String> {
    match &env.invocation {
        Invocation::Hook(name) => {
            let (endpoint, _) = name.split_once("-relation-")?;
            (!relations.iter().any(|r| r.name == endpoint))
                .then(|| format!("hook {name}: metadata.yaml has no relation {endpoint:?}"))
        }
        Invocation::Action(name) => {
            let handled = registry.handlers().iter().any(|h| {
                h.conditions()
                    .iter()
                    .any(|c| matches!(c, Condition::Action(a) if a == name))
            });
            (!handled).then(|| format!("no handler for action {name:?}"))
        }
    }
}

/// Sends the hook's log through juju-log: consecutive records of one level go
/// in one call (one process), lines unchanged.
pub fn send_log(juju: &mut dyn Backend, log: &[LogRecord]) -> anyhow::Result<()> {
    for group in log.chunk_by(|a, b| a.level == b.level) {
        let lines: Vec<String> = group.iter().map(|r| r.message.clone()).collect();
        juju.log_lines(group[0].level, &lines)?;
    }
    Ok(())
}
