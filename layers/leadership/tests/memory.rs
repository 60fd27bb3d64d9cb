//! The leadership layer against the engine's MemoryBackend and a real sled
//! store: every flag rule, layer-leadership's timing, leader_set's buffering.

use charm_reactive_testing::unit as support;

use std::collections::BTreeMap;

use charm_reactive::{Handler, Registry, Trigger};
use charm_reactive_leadership::{
    leader_get, leader_get_all, leader_set, leader_set_many, LeadershipError, LeadershipLayer,
};
use support::{MemoryUnit, Probe};

fn registry(probe: &Probe, extra: Vec<Handler>) -> Registry {
    let mut b = Registry::builder()
        .layer(LeadershipLayer)
        .handler(probe.at_hooks(&[
            "start",
            "leader-elected",
            "leader-settings-changed",
            "update-status",
            "config-changed",
        ]))
        .handler(probe.at_main());
    for h in extra {
        b = b.handler(h);
    }
    b.build().unwrap()
}

fn leadership(flags: &[String]) -> Vec<&str> {
    flags
        .iter()
        .map(String::as_str)
        .filter(|f| f.starts_with("leadership."))
        .collect()
}

/// A leader handler generating `admin_password` once (layer-leadership's README).
fn generate() -> Handler {
    Handler::new("generate", |ctx| {
        leader_set(ctx, "admin_password", Some("s3cret"))?;
        Ok(())
    })
    .when_all(["leadership.is_leader"])
    .when_not(["leadership.set.admin_password"])
}

fn settings(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

#[test]
fn is_leader_follows_leadership_at_every_hook() {
    let probe = Probe::default();
    let mut u = MemoryUnit::new("app/0", registry(&probe, vec![]));
    u.model().leader = true;
    let ran = u.run("leader-elected").ok();
    assert_eq!(leadership(&probe.take("hooks")), ["leadership.is_leader"]);
    assert!(ran.logged(
        charm_reactive::log::Level::Info,
        "Initializing Leadership Layer (is leader)"
    ));
    u.model().leader = false;
    let ran = u.run("update-status").ok();
    assert!(leadership(&probe.take("hooks")).is_empty());
    assert!(ran.logged(
        charm_reactive::log::Level::Info,
        "Initializing Leadership Layer (is follower)"
    ));
    assert!(!u.flags().contains(&"leadership.is_leader".to_owned()));
}

#[test]
fn the_leader_sees_its_own_leader_set_at_once_and_writes_once_at_commit() {
    let probe = Probe::default();
    let seen_in_hook = Handler::new("use-secret", |ctx| {
        assert_eq!(
            leader_get(ctx, "admin_password")?.as_deref(),
            Some("s3cret")
        );
        ctx.set_flag("secret.used");
        Ok(())
    })
    .when_all(["leadership.changed.admin_password"]);
    let mut u = MemoryUnit::new("app/0", registry(&probe, vec![generate(), seen_in_hook]));
    u.model().leader = true;
    let ran = u.run("leader-elected").ok();
    assert!(
        ran.invoked.contains(&"use-secret".to_owned()),
        "{:?}",
        ran.invoked
    );
    assert_eq!(
        leadership(&ran.final_flags),
        [
            "leadership.changed",
            "leadership.changed.admin_password",
            "leadership.is_leader",
            "leadership.set.admin_password"
        ]
    );
    assert_eq!(ran.calls_of("leader-set"), [["admin_password=s3cret"]]);
    assert_eq!(
        u.model().leader_settings,
        settings(&[("admin_password", "s3cret")])
    );
    // changed* are not cleared at exit: they are committed...
    assert!(u
        .flags()
        .contains(&"leadership.changed.admin_password".to_owned()));
    // ...and cleared by the next hook's start, as nothing changed again.
    let ran = u.run("update-status").ok();
    assert_eq!(
        leadership(&probe.take("hooks")),
        ["leadership.is_leader", "leadership.set.admin_password"]
    );
    assert!(ran.calls_of("leader-set").is_empty());
    assert!(!ran.invoked.contains(&"generate".to_owned()));
}

#[test]
fn a_follower_sees_changes_at_its_next_hook_only_once() {
    let probe = Probe::default();
    let mut u = MemoryUnit::new("app/1", registry(&probe, vec![]));
    u.run("start").ok();
    assert!(leadership(&probe.take("hooks")).is_empty());
    u.model().leader_settings = settings(&[("munge_key", "k1"), ("other", "x")]);
    u.run("leader-settings-changed").ok();
    assert_eq!(
        leadership(&probe.take("hooks")),
        [
            "leadership.changed",
            "leadership.changed.munge_key",
            "leadership.changed.other",
            "leadership.set.munge_key",
            "leadership.set.other"
        ]
    );
    u.model().leader_settings = settings(&[("munge_key", "k2"), ("other", "x")]);
    u.run("leader-settings-changed").ok();
    assert_eq!(
        leadership(&probe.take("hooks")),
        [
            "leadership.changed",
            "leadership.changed.munge_key",
            "leadership.set.munge_key",
            "leadership.set.other"
        ]
    );
    u.run("update-status").ok();
    assert_eq!(
        leadership(&probe.take("hooks")),
        ["leadership.set.munge_key", "leadership.set.other"]
    );
}

#[test]
fn a_deleted_setting_is_a_change_and_unsets_its_set_flag() {
    let probe = Probe::default();
    let mut u = MemoryUnit::new("app/1", registry(&probe, vec![]));
    u.model().leader_settings = settings(&[("a", "1")]);
    u.run("start").ok();
    probe.take("hooks");
    u.model().leader_settings.clear();
    u.run("leader-settings-changed").ok();
    assert_eq!(
        leadership(&probe.take("hooks")),
        ["leadership.changed", "leadership.changed.a"]
    );
    u.run("update-status").ok();
    assert!(leadership(&probe.take("hooks")).is_empty());
}

#[test]
fn the_leader_deletes_with_none_or_an_empty_value() {
    let probe = Probe::default();
    let delete = Handler::new("delete", |ctx| {
        leader_set_many(ctx, [("a", None), ("b", Some(""))])?;
        assert_eq!(leader_get(ctx, "a")?, None);
        assert_eq!(leader_get(ctx, "b")?, None);
        Ok(())
    })
    .hook(["config-changed"]);
    let mut u = MemoryUnit::new("app/0", registry(&probe, vec![delete]));
    u.model().leader = true;
    u.model().leader_settings = settings(&[("a", "1"), ("b", "2"), ("c", "3")]);
    u.run("leader-elected").ok();
    let ran = u.run("config-changed").ok();
    assert_eq!(ran.calls_of("leader-set"), [["a=", "b="]]);
    assert_eq!(u.model().leader_settings, settings(&[("c", "3")]));
    let flags = leadership(&ran.final_flags);
    assert!(flags.contains(&"leadership.changed.a") && flags.contains(&"leadership.changed.b"));
    assert!(!flags.contains(&"leadership.set.a") && !flags.contains(&"leadership.set.b"));
    assert!(flags.contains(&"leadership.set.c"));
}

#[test]
fn an_unchanged_leader_set_sets_no_changed_flag_and_writes_nothing() {
    let probe = Probe::default();
    let same =
        Handler::new("same", |ctx| Ok(leader_set(ctx, "a", Some("1"))?)).hook(["config-changed"]);
    let mut u = MemoryUnit::new("app/0", registry(&probe, vec![same]));
    u.model().leader = true;
    u.model().leader_settings = settings(&[("a", "1")]);
    u.run("leader-elected").ok();
    let ran = u.run("config-changed").ok();
    assert!(ran.calls_of("leader-set").is_empty());
    assert!(!ran.final_flags.contains(&"leadership.changed.a".to_owned()));
    assert!(ran.final_flags.contains(&"leadership.set.a".to_owned()));
}

#[test]
fn a_non_leader_is_refused_clearly_and_nothing_changes() {
    let probe = Probe::default();
    let outcome = std::sync::Arc::new(std::sync::Mutex::new(None));
    let out = outcome.clone();
    let try_set = Handler::new("try-set", move |ctx| {
        let err = leader_set(ctx, "admin_password", Some("x")).unwrap_err();
        *out.lock().unwrap() = Some(err.to_string());
        assert!(matches!(err, LeadershipError::NotLeader { .. }));
        Err(err.into())
    })
    .hook(["config-changed"]);
    let mut u = MemoryUnit::new("app/1", registry(&probe, vec![try_set]));
    let ran = u.run("config-changed");
    assert!(!ran.committed);
    let message = outcome.lock().unwrap().clone().unwrap();
    assert!(
        message.contains("not the leader") && message.contains("admin_password"),
        "{message}"
    );
    assert!(ran.calls_of("leader-set").is_empty());
    assert!(u.model().leader_settings.is_empty());
    assert!(!ran
        .final_flags
        .iter()
        .any(|f| f.starts_with("leadership.changed")));
}

#[test]
fn a_failing_hook_issues_no_leader_set_and_forgets_what_it_saw() {
    let probe = Probe::default();
    let fail = Handler::new("fail", |_| anyhow::bail!("later failure"))
        .when_all(["leadership.set.admin_password"]);
    let mut u = MemoryUnit::new("app/0", registry(&probe, vec![generate(), fail]));
    u.model().leader = true;
    let ran = u.run("leader-elected");
    assert!(!ran.committed);
    assert!(ran.calls_of("leader-set").is_empty());
    assert!(u.model().leader_settings.is_empty());
    assert!(support::kv_all(&u.store).is_empty());
    assert!(u.flags().is_empty());
}

#[test]
fn application_scope_keys_are_not_leadership_settings() {
    let probe = Probe::default();
    let app = Handler::new("app", |ctx| {
        ctx.set_flag("app:ready");
        ctx.app()?.set("spec-hash", "abc")?;
        let err = leader_set(ctx, "charm-reactive.app.kv.x", Some("1")).unwrap_err();
        assert!(matches!(err, LeadershipError::InvalidKey { .. }));
        assert!(leader_get_all(ctx)?.is_empty());
        Ok(())
    })
    .hook(["leader-elected"]);
    let mut u = MemoryUnit::new("app/0", registry(&probe, vec![app]));
    u.model().leader = true;
    u.run("leader-elected").ok();
    assert!(u
        .model()
        .leader_settings
        .keys()
        .all(|k| k.starts_with("charm-reactive.app.")));
    assert_eq!(u.model().leader_settings.len(), 2);
    let mut follower = u.successor("app/1");
    follower.model().leader = false;
    follower.run("leader-settings-changed").ok();
    assert!(leadership(&probe.take("hooks")).is_empty());
}

#[test]
fn a_replacement_unit_sees_existing_settings_as_changed() {
    // layer-munge's pattern: a new unit renders the key from leader settings
    // without the leader acting again.
    let probe = Probe::default();
    let render = Handler::new("render", |ctx| {
        let key = leader_get(ctx, "munge_key")?.unwrap();
        ctx.kv().set("rendered", &key)?;
        Ok(())
    })
    .when_all(["leadership.set.munge_key", "leadership.changed.munge_key"]);
    let mut old = MemoryUnit::new("con6/2", registry(&probe, vec![render]));
    old.model().leader_settings = settings(&[("munge_key", "K")]);
    let first = old.run("start").ok();
    assert!(first.invoked.contains(&"render".to_owned()));
    let again = old.run("update-status").ok();
    assert!(!again.invoked.contains(&"render".to_owned()));
    let mut new = old.successor("con6/3");
    let fresh = new.run("start").ok();
    assert!(fresh.invoked.contains(&"render".to_owned()));
    assert_eq!(
        support::kv::<String>(&new.store, "rendered").as_deref(),
        Some("K")
    );
}

#[test]
fn triggers_on_changed_flags_fire_on_the_leader_and_on_followers() {
    let probe = Probe::default();
    let build = |probe: &Probe| {
        Registry::builder()
            .layer(LeadershipLayer)
            .trigger(Trigger::when("leadership.changed.munge_key").clear_flag("munge.configured"))
            .handler(
                Handler::new("configure", |ctx| {
                    ctx.set_flag("munge.configured");
                    Ok(())
                })
                .when_not(["munge.configured"]),
            )
            .handler(
                Handler::new("rotate", |ctx| {
                    Ok(leader_set(ctx, "munge_key", Some("K2"))?)
                })
                .hook(["config-changed"]),
            )
            .handler(probe.at_main())
            .build()
            .unwrap()
    };
    let mut leader = MemoryUnit::new("app/0", build(&probe));
    leader.model().leader = true;
    leader.run("leader-elected").ok();
    assert!(leader.flags().contains(&"munge.configured".to_owned()));
    let ran = leader.run("config-changed").ok();
    assert!(
        ran.invoked.contains(&"configure".to_owned()),
        "{:?}",
        ran.invoked
    );

    let mut follower = leader.successor("app/1");
    follower.model().leader = false;
    follower.run("start").ok();
    let quiet = follower.run("update-status").ok();
    assert!(!quiet.invoked.contains(&"configure".to_owned()));
    follower
        .model()
        .leader_settings
        .insert("munge_key".into(), "K3".into());
    let ran = follower.run("leader-settings-changed").ok();
    assert!(ran.invoked.contains(&"configure".to_owned()));
}

#[test]
fn invalid_keys_and_values_are_refused_before_anything_is_written() {
    let probe = Probe::default();
    let bad = Handler::new("bad", |ctx| {
        for (k, v) in [("", Some("x")), ("a=b", Some("x")), ("k", Some(" padded "))] {
            let err = leader_set(ctx, k, v).unwrap_err();
            assert!(
                matches!(
                    err,
                    LeadershipError::InvalidKey { .. } | LeadershipError::InvalidValue { .. }
                ),
                "{err}"
            );
        }
        assert!(leader_get(ctx, "a=b").is_err());
        Ok(())
    })
    .hook(["leader-elected"]);
    let mut u = MemoryUnit::new("app/0", registry(&probe, vec![bad]));
    u.model().leader = true;
    let ran = u.run("leader-elected").ok();
    assert!(ran.calls_of("leader-set").is_empty());
    assert!(!ran
        .final_flags
        .iter()
        .any(|f| f.starts_with("leadership.changed")));
}
