//! The leadership layer over the real HookTools backend and the engine's fake
//! hook tools: the exact is-leader / leader-get / leader-set calls, a follower,
//! a leader-set that fails at commit.

use charm_reactive_testing::unit as support;

use charm_reactive::{Handler, Registry};
use charm_reactive_leadership::{leader_get, leader_set, LeadershipLayer};
use serde_json::json;
use support::{FakeUnit, Probe};

fn unit(unit: &str, probe: &Probe) -> FakeUnit {
    let generate = Handler::new("generate", |ctx| {
        leader_set(ctx, "munge_key", Some("K1"))?;
        Ok(())
    })
    .when_all(["leadership.is_leader"])
    .when_not(["leadership.set.munge_key"]);
    let render = Handler::new("render", |ctx| {
        let key = leader_get(ctx, "munge_key")?.unwrap_or_default();
        ctx.kv().set("rendered", &key)?;
        Ok(())
    })
    .when_all(["leadership.changed.munge_key"]);
    let registry = Registry::builder()
        .layer(LeadershipLayer)
        .handler(probe.at_hooks(&["leader-elected", "leader-settings-changed", "update-status"]))
        .handler(generate)
        .handler(render)
        .build()
        .unwrap();
    FakeUnit::new(unit, registry)
}

fn rendered(u: &FakeUnit) -> Option<String> {
    support::kv(&u.store, "rendered")
}

#[test]
fn the_leader_reads_once_and_writes_once_per_hook() {
    let probe = Probe::default();
    let mut u = unit("munge/0", &probe);
    u.leader(true);
    let ran = u.run("leader-elected").ok();
    assert_eq!(ran.calls_of("is-leader"), [["--format=json"]]);
    assert_eq!(ran.calls_of("leader-get"), [["--format=json"]]);
    assert_eq!(ran.calls_of("leader-set"), [["munge_key=K1"]]);
    assert_eq!(probe.take("hooks"), ["leadership.is_leader"]);
    assert_eq!(rendered(&u).as_deref(), Some("K1"));
    assert_eq!(u.leader_settings()["munge_key"], "K1");

    let ran = u.run("update-status").ok();
    assert!(ran.calls_of("leader-set").is_empty());
    assert_eq!(
        probe.take("hooks"),
        ["leadership.is_leader", "leadership.set.munge_key"]
    );
}

#[test]
fn a_follower_gets_flags_from_leader_get_and_never_calls_leader_set() {
    let probe = Probe::default();
    let mut u = unit("munge/1", &probe);
    u.file(
        "leader-settings.json",
        &json!({"munge_key": "K9"}).to_string(),
    );
    let ran = u.run("leader-settings-changed").ok();
    assert!(ran.calls_of("leader-set").is_empty());
    assert_eq!(
        probe.take("hooks"),
        [
            "leadership.changed",
            "leadership.changed.munge_key",
            "leadership.set.munge_key"
        ]
    );
    assert_eq!(rendered(&u).as_deref(), Some("K9"));
    // Still committed after the hook (not cleared at exit)...
    assert!(u
        .flags()
        .contains(&"leadership.changed.munge_key".to_owned()));
    // ...until the next hook's start.
    u.run("update-status").ok();
    assert_eq!(probe.take("hooks"), ["leadership.set.munge_key"]);
}

#[test]
fn a_leader_set_refused_at_commit_fails_the_hook_and_is_retried() {
    let probe = Probe::default();
    let mut u = unit("munge/0", &probe);
    u.leader(true);
    u.break_tool(
        "leader-set",
        "ERROR cannot write leadership settings: cannot write settings: not the leader\n",
        1,
    );
    let ran = u.run("leader-elected");
    assert!(!ran.committed);
    assert!(ran.error.unwrap().to_string().contains("not the leader"));
    assert!(u.flags().is_empty());
    assert!(rendered(&u).is_none(), "the unit store did not commit");
    u.remove("behaviour/leader-set.stderr");
    u.remove("behaviour/leader-set.code");
    let ran = u.run("leader-elected").ok();
    assert_eq!(ran.calls_of("leader-set"), [["munge_key=K1"]]);
    assert_eq!(rendered(&u).as_deref(), Some("K1"));
}
