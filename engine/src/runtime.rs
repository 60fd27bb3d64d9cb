//! One hook, end to end, as charms.reactive's `main()`: start-up, dispatch,
//! then one commit (or nothing at all on failure).

use std::sync::Arc;

use charm_reactive_store::Store;

use crate::condition::{Phase, RestrictedHook};
use crate::flags;
use crate::log::{Level, LogRecord};
use crate::session::{keys, HookInfo, Session};
use crate::{EngineError, Registry};

/// charms.reactive's automatic flag, set by `pre-series-upgrade` and cleared by
/// `post-series-upgrade`.
pub const SERIES_UPGRADE_FLAG: &str = "upgrade.series.in-progress";

/// What a hook did.
#[derive(Debug)]
pub struct HookOutcome {
    /// Ids of the handlers entered, in order (a failing one included).
    pub invoked: Vec<String>,
    /// The set flags when dispatch ended or failed, sorted (uncommitted on failure).
    pub final_flags: Vec<String>,
    /// Every `juju-log` record, in order.
    pub log: Vec<LogRecord>,
    /// Why the hook failed, if it did.
    pub error: Option<EngineError>,
    /// Whether the store transaction was committed.
    pub committed: bool,
}

impl HookOutcome {
    fn failed(log: Vec<LogRecord>, error: EngineError) -> HookOutcome {
        HookOutcome {
            invoked: Vec::new(),
            final_flags: Vec::new(),
            log,
            error: Some(error),
            committed: false,
        }
    }
}

/// Runs one hook against `store`: the counterpart of charms.reactive's `main()`.
///
/// On success every change (flags, key/values, bookkeeping) is committed as one
/// batch; on failure nothing is, and the outcome says why.
pub fn run_hook(registry: Arc<Registry>, store: &Store, hook: HookInfo) -> HookOutcome {
    let restricted = RestrictedHook::from_hook(&hook.name).is_some() && hook.action.is_none();
    let mut log = vec![LogRecord::new(Level::Info, format!("Reactive main running for hook {}", hook.name))];
    if restricted {
        log.push(LogRecord::new(Level::Info, "Restricted mode."));
    }
    let mut session = match Session::open(registry, store.transaction(), hook) {
        Ok(s) => s,
        Err(e) => {
            log.push(hook_error(&e));
            return HookOutcome::failed(log, e);
        }
    };
    session.log = log.into();
    let result = run_session(&mut session, restricted);
    let Session {
        invoked,
        flags,
        log,
        mut tx,
        ..
    } = session;
    let mut log = log.into_inner();
    let final_flags = flags.sorted();
    let result = result.and_then(|phase| {
        for (flag, value) in flags.diff() {
            let key = format!("{}{flag}", flags::FLAG_PREFIX);
            match value {
                Some(v) => tx.put_raw(&key, flags::encode(v))?,
                None => tx.unset(&key)?,
            }
        }
        tx.set(keys::PHASE, phase.as_str())?;
        tx.commit()?;
        Ok(())
    });
    let error = result.err();
    if let Some(e) = &error {
        log.push(hook_error(e));
    }
    HookOutcome {
        invoked,
        final_flags,
        log,
        committed: error.is_none(),
        error,
    }
}

/// Start-up, dispatch and tear-down; returns the phase to persist.
fn run_session(session: &mut Session, restricted: bool) -> Result<Phase, EngineError> {
    if restricted {
        session.dispatch(true)?;
        return Ok(Phase::Restricted);
    }
    // atstart: the LogTracer first, then the automatic flags.
    session.tracer.enable(true);
    match session.hook.name.as_str() {
        "pre-series-upgrade" => session.set_flag(SERIES_UPGRADE_FLAG, None),
        "post-series-upgrade" => session.clear_flag(SERIES_UPGRADE_FLAG),
        _ => {}
    }
    if let Some(e) = session.failure.take() {
        return Err(e);
    }
    let layers = session.registry.layers().to_vec();
    for layer in &layers {
        session.run_layer_step(layer.name(), "at_start", |ctx| layer.at_start(ctx))?;
    }
    session.dispatch(false)?;
    // atexit: charms.reactive puts the NullTracer back.
    session.tracer.enable(false);
    for layer in layers.iter().rev() {
        session.run_layer_step(layer.name(), "at_exit", |ctx| layer.at_exit(ctx))?;
    }
    Ok(Phase::Other)
}

fn hook_error(e: &EngineError) -> LogRecord {
    LogRecord::new(Level::Error, format!("Hook error:\n{e}"))
}
