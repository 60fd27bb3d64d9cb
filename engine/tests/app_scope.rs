//! Application scope: application flags and values in leader settings, written
//! by the leader in one leader-set per hook, refused to non-leaders, seen by a
//! replacement unit at its first hook, and safe to re-apply after a crash
//! between the leader-set and the local commit.

use std::sync::Arc;

use charm_reactive::backend::{Backend, MemoryBackend, Model};
use charm_reactive::store::Store;
use charm_reactive::{run_hook, EngineError, Handler, HookInfo, HookOutcome, Registry, DYING_FLAG};

/// The consumer's essentials: the leader records the spec it set in
/// application scope; every unit goes active from application scope alone.
fn registry() -> Arc<Registry> {
    Arc::new(
        Registry::builder()
            .handler(
                Handler::new("configure", |ctx| {
                    let url = ctx
                        .juju()
                        .config()?
                        .get("base-url")
                        .and_then(|v| v.as_str())
                        .map(str::to_owned);
                    let Some(url) = url else { return Ok(()) };
                    if ctx.is_leader()? {
                        ctx.app()?.set("base-url", &url)?;
                        ctx.set_flag("app:consumer.configured");
                    }
                    Ok(())
                })
                .hook(["config-changed"]),
            )
            .handler(
                Handler::new("active", |ctx| {
                    let url: Option<String> = ctx.app()?.get("base-url")?;
                    ctx.kv().set("seen-url", &url)?;
                    ctx.set_flag("unit.active");
                    Ok(())
                })
                .when_all(["app:consumer.configured"])
                .when_not(["unit.active"]),
            )
            .handler(
                Handler::new("relation-needed", |ctx| {
                    ctx.set_flag("unit.blocked");
                    Ok(())
                })
                .when_not(["app:consumer.configured", DYING_FLAG]),
            )
            .build()
            .unwrap(),
    )
}

fn model(unit: &str, leader: bool, settings: &std::collections::BTreeMap<String, String>) -> Model {
    let mut m = Model::new(unit);
    m.leader = leader;
    m.leader_settings = settings.clone();
    m.config.insert("base-url".into(), "http://sse/a".into());
    m
}

/// Runs a hook of `registry()`; returns the outcome, the model after the hook,
/// and how many leader-set calls the hook made.
fn run(store: &Store, hook: &str, m: Model) -> (HookOutcome, Model, usize) {
    let unit = m.unit.clone();
    let mut memory = MemoryBackend::new(m);
    let outcome = run_hook(registry(), store, HookInfo::new(hook, &unit), &mut memory);
    let sets = leader_sets(&memory);
    memory.end_hook(outcome.committed);
    (outcome, memory.into_model(), sets)
}

fn leader_sets(juju: &MemoryBackend) -> usize {
    juju.calls()
        .iter()
        .filter(|c| c.tool == "leader-set")
        .count()
}

#[test]
fn replacement_unit_rehydrates_application_flags_and_values_at_its_first_hook() {
    let dir = tempfile::tempdir().unwrap();
    let old = Store::open(dir.path().join("con6-2")).unwrap();
    let (outcome, leader_model, sets) = run(
        &old,
        "config-changed",
        model("con6/2", true, &Default::default()),
    );
    assert!(outcome.committed, "{:?}", outcome.error);
    assert_eq!(sets, 1, "one leader-set per hook");
    assert_eq!(
        leader_model.leader_settings["charm-reactive.app.flag.consumer.configured"],
        "set"
    );
    assert_eq!(
        leader_model.leader_settings["charm-reactive.app.kv.base-url"],
        "\"http://sse/a\""
    );

    // con6/3: a new unit name, an empty store, not the leader; only leader settings carry over.
    let new = Store::open(dir.path().join("con6-3")).unwrap();
    let (outcome, _, sets) = run(
        &new,
        "start",
        model("con6/3", false, &leader_model.leader_settings),
    );
    assert!(outcome.committed, "{:?}", outcome.error);
    assert_eq!(
        outcome.invoked,
        ["active"],
        "active from application scope, no relation-needed"
    );
    assert!(outcome
        .final_flags
        .contains(&"app:consumer.configured".to_owned()));
    assert!(!outcome.final_flags.contains(&"unit.blocked".to_owned()));
    assert_eq!(sets, 0);
    let seen: Option<Option<String>> = new.transaction().get("kv/seen-url").unwrap();
    assert_eq!(seen, Some(Some("http://sse/a".to_owned())));
}

#[test]
fn a_non_leader_write_is_refused_at_the_call_and_nothing_is_committed() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path().join("u")).unwrap();
    let registry = Arc::new(
        Registry::builder()
            .handler(
                Handler::new("write", |ctx| {
                    ctx.kv().set("before", &1u8)?;
                    ctx.app()?.set("k", &"v")?;
                    Ok(())
                })
                .hook(["config-changed"]),
            )
            .build()
            .unwrap(),
    );
    let m = model("app/1", false, &Default::default());
    let mut memory = MemoryBackend::new(m);
    let outcome = run_hook(
        registry,
        &store,
        HookInfo::new("config-changed", "app/1"),
        &mut memory,
    );
    let err = outcome.error.as_ref().expect("the hook fails");
    assert!(
        matches!(err, EngineError::Handler { source, .. } if source.downcast_ref::<EngineError>().is_some_and(|e| matches!(e, EngineError::NotLeader { .. }))),
        "{err}"
    );
    assert!(err.to_string().contains("not the leader"), "{err}");
    assert!(!outcome.committed);
    assert_eq!(leader_sets(&memory), 0);
    assert_eq!(store.transaction().get::<u8>("kv/before").unwrap(), None);
}

#[test]
fn a_failing_handler_leaves_leader_settings_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path().join("u")).unwrap();
    let registry = Arc::new(
        Registry::builder()
            .handler(
                Handler::new("set", |ctx| {
                    ctx.set_flag("app:x");
                    Ok(())
                })
                .hook(["config-changed"]),
            )
            .handler(Handler::new("fail", |_| anyhow::bail!("boom")).when_all(["app:x"]))
            .build()
            .unwrap(),
    );
    let m = model("app/0", true, &Default::default());
    let mut memory = MemoryBackend::new(m);
    let outcome = run_hook(
        registry,
        &store,
        HookInfo::new("config-changed", "app/0"),
        &mut memory,
    );
    assert!(outcome.error.is_some() && !outcome.committed);
    assert_eq!(leader_sets(&memory), 0);
    assert!(memory.model().leader_settings.is_empty());
}

/// leader-set is applied by Juju at once; the unit store commits after it. A
/// crash in between leaves leader settings ahead of the unit store. Juju re-runs
/// the hook: the re-run must reach the same state, and re-applying the
/// application writes must be harmless.
#[test]
fn a_crash_between_leader_set_and_the_local_commit_is_harmless() {
    let dir = tempfile::tempdir().unwrap();
    // The path without a crash.
    let clean = Store::open(dir.path().join("clean")).unwrap();
    let (outcome, clean_model, sets) = run(
        &clean,
        "config-changed",
        model("app/0", true, &Default::default()),
    );
    assert!(outcome.committed);
    assert_eq!(sets, 1);
    // The crash: leader settings got the writes, the unit store did not.
    let crashed = Store::open(dir.path().join("crashed")).unwrap();
    let (retry, retry_model, sets) = run(
        &crashed,
        "config-changed",
        model("app/0", true, &clean_model.leader_settings),
    );
    assert!(retry.committed, "{:?}", retry.error);
    assert_eq!(retry_model.leader_settings, clean_model.leader_settings);
    assert_eq!(sets, 0, "the re-run finds its writes already applied");
    assert_eq!(retry.final_flags, outcome.final_flags);
    assert_eq!(
        charm_reactive::inspect::read_flags(&crashed).unwrap(),
        charm_reactive::inspect::read_flags(&clean).unwrap()
    );
}

#[test]
fn oversized_application_values_are_refused_with_the_limit() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path().join("u")).unwrap();
    let registry = Arc::new(
        Registry::builder()
            .handler(
                Handler::new("big", |ctx| {
                    ctx.app()?.set("spec", &"x".repeat(200 * 1024))?;
                    Ok(())
                })
                .hook(["install"]),
            )
            .build()
            .unwrap(),
    );
    let m = model("app/0", true, &Default::default());
    let mut memory = MemoryBackend::new(m);
    let outcome = run_hook(
        registry,
        &store,
        HookInfo::new("install", "app/0"),
        &mut memory,
    );
    let err = outcome.error.as_ref().expect("refused").to_string();
    assert!(err.contains("\"spec\"") && err.contains("131072"), "{err}");
    assert_eq!(leader_sets(&memory), 0);
}
