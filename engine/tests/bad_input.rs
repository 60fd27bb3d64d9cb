//! Bad input at the hook boundary: each is a typed error with a clear message,
//! the hook fails without committing, and what was committed before survives.

use std::any::Any;
use std::sync::Arc;

use charm_reactive::backend::{BackendError, HookTools, MemoryBackend, Model};
use charm_reactive::store::Store;
use charm_reactive::{run_hook, EngineError, Handler, HookInfo, HookOutcome, Registry, Trigger};

/// A store holding one committed flag, `before`.
fn store_with_history(dir: &tempfile::TempDir) -> Store {
    let store = Store::open(dir.path().join("unit")).unwrap();
    charm_reactive::inspect::write_flags(&store, [("before", None)]).unwrap();
    store
}

fn assert_nothing_committed(store: &Store, outcome: &HookOutcome) {
    assert!(!outcome.committed);
    let flags: Vec<String> = charm_reactive::inspect::read_flags(store)
        .unwrap()
        .into_keys()
        .collect();
    assert_eq!(
        flags,
        ["before"],
        "the committed state survives, nothing is added"
    );
}

/// A registry of one config-changed handler `h`, and `triggers`.
fn one_handler<F>(body: F, triggers: &[Trigger]) -> Arc<Registry>
where
    F: Fn(&mut charm_reactive::Context<'_>) -> anyhow::Result<()> + Send + Sync + 'static,
{
    let handler = Handler::new("h", body).hook(["config-changed"]);
    let builder = triggers
        .iter()
        .fold(Registry::builder().handler(handler), |b, t| {
            b.trigger(t.clone())
        });
    Arc::new(builder.build().unwrap())
}

/// Runs config-changed of `registry` on `store` with an in-memory Juju.
fn config_changed(registry: Arc<Registry>, store: &Store) -> HookOutcome {
    let mut juju = MemoryBackend::new(Model::new("app/0"));
    run_hook(
        registry,
        store,
        HookInfo::new("config-changed", "app/0"),
        &mut juju,
    )
}

#[test]
fn empty_and_control_character_flag_names_fail_the_hook() {
    for (name, bad) in [("empty", ""), ("newline", "a\nb"), ("nul", "a\0b")] {
        let dir = tempfile::tempdir().unwrap();
        let store = store_with_history(&dir);
        let registry = one_handler(
            move |ctx| {
                ctx.set_flag("ok");
                ctx.set_flag(bad);
                Ok(())
            },
            &[],
        );
        let outcome = config_changed(registry, &store);
        let err = outcome
            .error
            .as_ref()
            .unwrap_or_else(|| panic!("{name}: accepted"));
        assert!(
            matches!(err, EngineError::InvalidFlag { .. }),
            "{name}: {err}"
        );
        assert!(
            err.to_string().contains("invalid flag name"),
            "{name}: {err}"
        );
        assert_nothing_committed(&store, &outcome);
    }
}

#[test]
fn leader_set_refused_at_commit_fails_the_hook_and_commits_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let store = store_with_history(&dir);
    let registry = one_handler(
        |ctx| {
            ctx.set_flag("unit.flag");
            ctx.set_flag("app:configured");
            // Leadership is lost after the write was accepted (is-leader said yes):
            // Juju will refuse the leader-set at commit.
            let juju: &mut dyn Any = ctx.juju();
            juju.downcast_mut::<MemoryBackend>()
                .unwrap()
                .model_mut()
                .leader = false;
            Ok(())
        },
        &[],
    );
    let mut model = Model::new("app/0");
    model.leader = true;
    let mut juju = MemoryBackend::new(model);
    let outcome = run_hook(
        registry,
        &store,
        HookInfo::new("config-changed", "app/0"),
        &mut juju,
    );
    let err = outcome.error.as_ref().expect("the hook fails");
    assert!(
        matches!(err, EngineError::Juju(BackendError::NotLeader { .. })),
        "{err}"
    );
    assert!(err.to_string().contains("leader-set"), "{err}");
    assert_nothing_committed(&store, &outcome);
}

#[test]
fn a_missing_hook_tool_fails_the_hook_with_its_name() {
    let dir = tempfile::tempdir().unwrap();
    let store = store_with_history(&dir);
    let empty_tools = tempfile::tempdir().unwrap();
    let registry = one_handler(
        |ctx| {
            ctx.set_flag("x");
            ctx.juju().config()?;
            Ok(())
        },
        &[],
    );
    let mut juju = HookTools::new().with_tool_dir(empty_tools.path());
    let outcome = run_hook(
        registry,
        &store,
        HookInfo::new("config-changed", "app/0"),
        &mut juju,
    );
    let err = outcome.error.as_ref().expect("the hook fails").to_string();
    assert!(err.contains("config-get"), "{err}");
    assert_nothing_committed(&store, &outcome);
}

/// charms.reactive recurses through cyclic triggers until Python's
/// RecursionError; the engine detects the cycle and fails the hook instead of
/// overflowing the stack.
#[test]
fn cyclic_triggers_fail_the_hook_instead_of_overflowing_the_stack() {
    let dir = tempfile::tempdir().unwrap();
    let store = store_with_history(&dir);
    let registry = one_handler(
        |ctx| {
            ctx.set_flag("a");
            Ok(())
        },
        &[
            Trigger::when("a").clear_flag("a"),
            Trigger::when_not("a").set_flag("a"),
        ],
    );
    let outcome = config_changed(registry, &store);
    let err = outcome.error.as_ref().expect("the hook fails");
    assert!(matches!(err, EngineError::TriggerCycle { .. }), "{err}");
    assert!(err.to_string().contains("set a -> cleared a"), "{err}");
    assert_nothing_committed(&store, &outcome);
}
