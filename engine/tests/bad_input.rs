//! Bad input at the hook boundary: each is a typed error with a clear message,
//! the hook fails without committing, and what was committed before survives.

use std::any::Any;
use std::sync::Arc;

use charm_reactive::backend::{BackendError, HookTools, MemoryBackend, Model};
use charm_reactive::store::Store;
use charm_reactive::{run_hook, EngineError, Handler, HookInfo, HookOutcome, Registry};

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

fn one_handler(body: fn(&mut charm_reactive::Context<'_>) -> anyhow::Result<()>) -> Arc<Registry> {
    let handler = Handler::new("h", body).hook(["config-changed"]);
    Arc::new(Registry::builder().handler(handler).build().unwrap())
}

#[test]
fn empty_and_control_character_flag_names_fail_the_hook() {
    for (name, bad) in [("empty", ""), ("newline", "a\nb"), ("nul", "a\0b")] {
        let dir = tempfile::tempdir().unwrap();
        let store = store_with_history(&dir);
        let registry = Arc::new(
            Registry::builder()
                .handler(
                    Handler::new("h", move |ctx| {
                        ctx.set_flag("ok");
                        ctx.set_flag(bad);
                        Ok(())
                    })
                    .hook(["config-changed"]),
                )
                .build()
                .unwrap(),
        );
        let juju = Box::new(MemoryBackend::new(Model::new("app/0")));
        let outcome = run_hook(
            registry,
            &store,
            HookInfo::new("config-changed", "app/0"),
            juju,
        );
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
    let registry = one_handler(|ctx| {
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
    });
    let mut model = Model::new("app/0");
    model.leader = true;
    let juju = Box::new(MemoryBackend::new(model));
    let outcome = run_hook(
        registry,
        &store,
        HookInfo::new("config-changed", "app/0"),
        juju,
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
    let registry = one_handler(|ctx| {
        ctx.set_flag("x");
        ctx.juju().config()?;
        Ok(())
    });
    let juju = Box::new(HookTools::new().with_tool_dir(empty_tools.path()));
    let outcome = run_hook(
        registry,
        &store,
        HookInfo::new("config-changed", "app/0"),
        juju,
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
    let registry = Arc::new(
        Registry::builder()
            .handler(
                Handler::new("h", |ctx| {
                    ctx.set_flag("a");
                    Ok(())
                })
                .hook(["config-changed"]),
            )
            .trigger(charm_reactive::Trigger::when("a").clear_flag("a"))
            .trigger(charm_reactive::Trigger::when_not("a").set_flag("a"))
            .build()
            .unwrap(),
    );
    let juju = Box::new(MemoryBackend::new(Model::new("app/0")));
    let outcome = run_hook(
        registry,
        &store,
        HookInfo::new("config-changed", "app/0"),
        juju,
    );
    let err = outcome.error.as_ref().expect("the hook fails");
    assert!(matches!(err, EngineError::TriggerCycle { .. }), "{err}");
    assert!(err.to_string().contains("set a -> cleared a"), "{err}");
    assert_nothing_committed(&store, &outcome);
}
