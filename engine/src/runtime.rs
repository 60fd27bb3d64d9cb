//! One hook, end to end, as charms.reactive's `main()`: start-up, dispatch,
//! then one commit (or nothing at all on failure).

use std::sync::Arc;

use charm_reactive_store::Store;
use tracing_subscriber::layer::SubscriberExt;

use crate::app_scope;
use crate::backend::Backend;
use crate::bookkeeping::keys;
use crate::condition::{Phase, RestrictedHook};
use crate::dispatch::{Dispatch, DispatchStats};
use crate::flags;
use crate::log::{HookLog, Level, LogRecord, TraceMode};
use crate::log_layer::JujuLogLayer;
use crate::session::{HookInfo, Session};
use crate::{Context, EngineError, Registry};

/// charms.reactive's automatic flag, set by `pre-series-upgrade` and cleared by
/// `post-series-upgrade`.
pub const SERIES_UPGRADE_FLAG: &str = "upgrade.series.in-progress";

/// What a hook did.
pub struct HookOutcome {
    /// Ids of the handlers entered, in order (a failing one included).
    pub invoked: Vec<String>,
    /// The set flags when dispatch ended or failed, sorted (uncommitted on failure).
    pub final_flags: Vec<String>,
    /// Every `juju-log` record, in order; not yet sent (see [`crate::main`]).
    pub log: Vec<LogRecord>,
    /// Why the hook failed, if it did.
    pub error: Option<EngineError>,
    /// Whether the store transaction was committed.
    pub committed: bool,
    /// How much work dispatch did.
    pub stats: DispatchStats,
}

impl HookOutcome {
    /// A hook that failed before dispatch: no handler ran, nothing committed.
    fn not_started(mut log: Vec<LogRecord>, error: EngineError) -> HookOutcome {
        log.push(hook_error(&error));
        HookOutcome {
            invoked: Vec::new(),
            final_flags: Vec::new(),
            log,
            error: Some(error),
            committed: false,
            stats: DispatchStats::default(),
        }
    }
}

impl std::fmt::Debug for HookOutcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HookOutcome")
            .field("invoked", &self.invoked)
            .field("final_flags", &self.final_flags)
            .field("error", &self.error)
            .field("committed", &self.committed)
            .finish_non_exhaustive()
    }
}

/// How to run a hook: choices of the program, not facts of the hook.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RunOptions {
    /// Which juju-log lines the dispatch steps become.
    pub trace: TraceMode,
}

/// Runs one hook against `store` and `juju`: the counterpart of
/// charms.reactive's `main()`. `juju` is borrowed for the hook; afterwards it
/// holds the hook's record of calls (see [`Backend::calls`]).
///
/// On success the application scope's changes go out in one `leader-set`, then
/// every unit change (flags, key/values, bookkeeping) is committed as one batch;
/// on failure nothing is written, and the outcome says why.
///
/// The hook's `tracing` events (a handler's `tracing::info!(..)`) become its
/// juju-log records, in order with the engine's: ERROR, WARN (as WARNING), INFO and DEBUG
/// events are sent, with their fields as ` key=value`; TRACE is not.
pub fn run_hook(
    registry: Arc<Registry>,
    store: &Store,
    hook: HookInfo,
    juju: &mut dyn Backend,
) -> HookOutcome {
    run_hook_with(registry, store, hook, juju, RunOptions::default())
}

/// [`run_hook`] with options.
pub fn run_hook_with(
    registry: Arc<Registry>,
    store: &Store,
    hook: HookInfo,
    juju: &mut dyn Backend,
    options: RunOptions,
) -> HookOutcome {
    let restricted = RestrictedHook::from_hook(&hook.name).is_some() && hook.action.is_none();
    let mut log = vec![LogRecord::new(
        Level::Info,
        format!("Reactive main running for hook {}", hook.name),
    )];
    if restricted {
        log.push(LogRecord::new(Level::Info, "Restricted mode."));
    }
    // Handlers with `{endpoint_name}` become one handler per relation they
    // serve; expanding an expanded registry changes nothing.
    let registry = if registry.has_endpoint_templates() {
        registry.expand_endpoints(&hook.relations).map(Arc::new)
    } else {
        Ok(registry)
    };
    let registry = match registry {
        Ok(r) => r,
        Err(e) => return HookOutcome::not_started(log, e),
    };
    let opened = Session::open(store.transaction(), hook)
        .and_then(|s| Ok((Dispatch::new(registry, &s.tx, options.trace)?, s)));
    let (mut dispatch, mut session) = match opened {
        Ok(opened) => opened,
        Err(e) => return HookOutcome::not_started(log, e),
    };
    session.log = HookLog::new(log);
    let forward = tracing::dispatcher::get_default(|d| {
        (!d.is::<tracing::subscriber::NoSubscriber>()).then(|| d.clone())
    });
    let layer = JujuLogLayer::new(session.log.clone(), options.trace, forward);
    let subscriber = tracing_subscriber::registry().with(layer);
    let result = tracing::subscriber::with_default(subscriber, || {
        run_session(&mut session, &mut dispatch, juju, restricted)
            .and_then(|phase| commit(&mut session, juju, phase))
    });
    let Session { flags, log, tx, .. } = session;
    let result = result.and_then(|()| Ok(tx.commit().map(drop)?));
    let mut log = log.take();
    let error = result.err();
    if let Some(e) = &error {
        log.push(hook_error(e));
    }
    HookOutcome {
        invoked: dispatch.invoked,
        final_flags: flags.sorted(),
        log,
        committed: error.is_none(),
        error,
        stats: dispatch.stats,
    }
}

/// Start-up, dispatch and tear-down; returns the phase to persist.
fn run_session(
    session: &mut Session,
    dispatch: &mut Dispatch,
    juju: &mut dyn Backend,
    restricted: bool,
) -> Result<Phase, EngineError> {
    let registry = Arc::clone(dispatch.registry());
    if registry.uses_app_scope() {
        session.load_app_scope(juju)?;
    }
    if restricted {
        dispatch.run(session, juju, true)?;
        return Ok(Phase::Restricted);
    }
    // atstart: the LogTracer first, then the automatic flags, then layers.
    dispatch.tracer.enable(true);
    let mut ctx = Context::new(session, juju, dispatch);
    match ctx.session.hook.name.as_str() {
        "pre-series-upgrade" => ctx.set_flag(SERIES_UPGRADE_FLAG),
        "post-series-upgrade" => ctx.clear_flag(SERIES_UPGRADE_FLAG),
        _ => {}
    }
    if let Some(e) = session.failure.take() {
        return Err(e);
    }
    for layer in registry.layers() {
        dispatch.run_layer_step(session, juju, layer.name(), "at_start", |ctx| {
            layer.at_start(ctx)
        })?;
    }
    dispatch.run(session, juju, false)?;
    // atexit: charms.reactive puts the NullTracer back and clears the triggers
    // before layer-basic's `clear_config_states`, so the flags layers clear at
    // exit fire no trigger.
    dispatch.tracer.enable(false);
    dispatch.clear_triggers();
    for layer in registry.exit_layers() {
        dispatch.run_layer_step(session, juju, layer.name(), "at_exit", |ctx| {
            layer.at_exit(ctx)
        })?;
    }
    Ok(Phase::Other)
}

/// Writes the hook's changes: the application scope in one `leader-set` (which
/// Juju applies at once), then the unit's flags and bookkeeping into the store
/// transaction, which the caller commits last. A crash between the two leaves
/// leader settings ahead of the unit store; the next hook re-applies the same
/// changes, which is harmless because application writes are idempotent.
fn commit(session: &mut Session, juju: &mut dyn Backend, phase: Phase) -> Result<(), EngineError> {
    for (flag, value) in session.flags.diff() {
        if app_scope::is_app_flag(flag) {
            session.app.write_flag(flag, value);
            continue;
        }
        flags::write(&mut session.tx, flag, value)?;
    }
    let changes = session.app.changes()?;
    if !changes.is_empty() {
        juju.leader_set(&changes).map_err(EngineError::from)?;
    }
    session
        .tx
        .set(&keys::internal(keys::PHASE, ""), phase.as_str())?;
    Ok(())
}

fn hook_error(e: &EngineError) -> LogRecord {
    LogRecord::new(Level::Error, format!("Hook error:\n{e}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::{MemoryBackend, Model};
    use crate::{Context, Handler, Layer, Trigger};

    /// Runs `hook` once on a fresh store.
    fn run(registry: Registry, hook: &str) -> HookOutcome {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path().join("unit.sled")).unwrap();
        let mut juju = MemoryBackend::new(Model::new("app/0"));
        run_hook(
            Arc::new(registry),
            &store,
            HookInfo::new(hook, "app/0"),
            &mut juju,
        )
    }

    /// Sets `config.changed` at start and clears it at exit, as layer-basic does.
    struct ConfigLike;

    impl Layer for ConfigLike {
        fn name(&self) -> &'static str {
            "config-like"
        }
        fn at_start(&self, ctx: &mut Context<'_>) -> anyhow::Result<()> {
            ctx.set_flag("config.changed");
            Ok(())
        }
        fn at_exit(&self, ctx: &mut Context<'_>) -> anyhow::Result<()> {
            ctx.clear_flag("config.changed");
            Ok(())
        }
    }

    #[test]
    fn the_hooks_writes_use_the_store_layouts_namespaces() {
        let registry = Registry::builder()
            .handler(
                Handler::new("once", |ctx| {
                    ctx.set_flag("f");
                    ctx.kv().set("k", &1u8)?;
                    ctx.data_changed("d", &2u8)?;
                    Ok(())
                })
                .hook(["install"])
                .condition(crate::Condition::OnlyOnce),
            )
            .build()
            .unwrap();
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path().join("unit.sled")).unwrap();
        let mut juju = MemoryBackend::new(Model::new("app/0"));
        let out = run_hook(
            Arc::new(registry),
            &store,
            HookInfo::new("install", "app/0"),
            &mut juju,
        );
        assert!(out.committed, "{:?}", out.error);
        let keys: Vec<String> = store
            .transaction()
            .scan_prefix("")
            .unwrap()
            .into_iter()
            .map(|(k, _)| k)
            .filter(|k| !k.starts_with('\0')) // the store's own
            .collect();
        // Existing stores hold these keys: they must not move.
        assert_eq!(
            keys,
            [
                "flag/f",
                "internal/data_changed/d",
                "internal/invoked/once",
                "internal/phase",
                "kv/k"
            ]
        );
    }

    #[test]
    fn handlers_log_through_tracing_and_each_step_is_logged_once() {
        let registry = || {
            Registry::builder()
                .handler(
                    Handler::new("h", |ctx| {
                        tracing::info!(port = 80, "listening");
                        ctx.set_flag("f");
                        Ok(())
                    })
                    .hook(["install"]),
                )
                .build()
                .unwrap()
        };
        let lines = |trace: TraceMode| -> Vec<(Level, String)> {
            let dir = tempfile::tempdir().unwrap();
            let store = Store::open(dir.path().join("unit.sled")).unwrap();
            let mut juju = MemoryBackend::new(Model::new("app/0"));
            let out = run_hook_with(
                Arc::new(registry()),
                &store,
                HookInfo::new("install", "app/0"),
                &mut juju,
                RunOptions { trace },
            );
            assert!(out.committed, "{:?}", out.error);
            out.log
                .into_iter()
                .flat_map(|r| {
                    let level = r.level;
                    r.message
                        .lines()
                        .map(|l| (level, l.to_owned()))
                        .collect::<Vec<_>>()
                })
                .collect()
        };
        let count = |lines: &[(Level, String)], needle: &str| {
            lines.iter().filter(|(_, l)| l.contains(needle)).count()
        };
        for trace in [TraceMode::Classic, TraceMode::Events, TraceMode::Both] {
            let got = lines(trace);
            assert!(
                got.contains(&(Level::Info, "listening port=80".to_owned())),
                "{got:?}"
            );
            let invokes = count(&got, "Invoking reactive handler: h") + count(&got, "event=invoke");
            let sets = count(&got, "tracer: set flag f") + count(&got, "event=set");
            let each = if trace == TraceMode::Both { 2 } else { 1 };
            assert_eq!((invokes, sets), (each, each), "{trace:?}: {got:?}");
        }
    }

    #[test]
    fn flags_cleared_at_exit_fire_no_trigger() {
        let registry = |clear_in_handler: bool| {
            let mut b = Registry::builder()
                .layer(ConfigLike)
                .trigger(Trigger::when_not("config.changed").set_flag("app.reconfigure"));
            if clear_in_handler {
                b = b.handler(
                    Handler::new("clear", |ctx| {
                        ctx.clear_flag("config.changed");
                        Ok(())
                    })
                    .when_all(["config.changed"]),
                );
            }
            b.build().unwrap()
        };
        let at_exit = run(registry(false), "config-changed");
        assert!(at_exit.committed, "{:?}", at_exit.error);
        assert!(!at_exit.final_flags.contains(&"config.changed".to_owned()));
        assert!(
            !at_exit.final_flags.contains(&"app.reconfigure".to_owned()),
            "the exit step's clear fired a trigger: {:?}",
            at_exit.final_flags
        );
        // The same clear during dispatch fires it.
        let in_dispatch = run(registry(true), "config-changed");
        assert_eq!(in_dispatch.final_flags, ["app.reconfigure"]);
    }
}
