//! The basic layer against the engine's MemoryBackend and a real sled store:
//! every flag rule and layer-basic's timing.

use charm_reactive_testing::unit as support;

use charm_reactive::log::Level;
use charm_reactive::{Handler, HookInfo, Registry, Trigger};
use charm_reactive_basic::{config, BasicLayer, ConfigOptions, PREVIOUS_CONFIG_KEY};
use serde_json::{json, Value};
use support::{MemoryUnit, Probe};

/// The options of the tests' charm, in config.yaml order.
fn options() -> ConfigOptions {
    ConfigOptions::new([
        ("port", json!(80)),
        ("name", Value::Null),
        ("debug", json!(false)),
        ("ratio", json!(1.0)),
    ])
}

fn live(port: Value, name: Value, debug: Value, ratio: Value) -> serde_json::Map<String, Value> {
    match json!({"port": port, "name": name, "debug": debug, "ratio": ratio}) {
        Value::Object(m) => m,
        _ => unreachable!(),
    }
}

fn unit(probe: &Probe, extra: Vec<Handler>) -> MemoryUnit {
    let mut b = Registry::builder()
        .layer(BasicLayer::with_options(options()))
        .handler(probe.at_hooks(&[
            "install",
            "config-changed",
            "update-status",
            "upgrade-charm",
        ]))
        .handler(probe.at_main());
    for h in extra {
        b = b.handler(h);
    }
    let mut u = MemoryUnit::new("app/0", b.build().unwrap());
    u.model().config = live(json!(80), Value::Null, json!(false), json!(1));
    u
}

fn config_flags(flags: &[String]) -> Vec<&str> {
    flags
        .iter()
        .map(String::as_str)
        .filter(|f| f.starts_with("config."))
        .collect()
}

#[test]
fn first_hook_sees_every_option_changed_before_the_hooks_phase() {
    let probe = Probe::default();
    let mut u = unit(&probe, vec![]);
    let ran = u.run("install").ok();
    assert_eq!(
        config_flags(&probe.take("hooks")),
        [
            "config.changed",
            "config.changed.debug",
            "config.changed.name",
            "config.changed.port",
            "config.changed.ratio",
            "config.default.debug",
            "config.default.name",
            "config.default.port",
            "config.default.ratio",
            "config.set.port",
            "config.set.ratio",
        ]
    );
    // Cleared at exit: never committed, never seen by a later hook.
    assert!(
        config_flags(&ran.final_flags).is_empty(),
        "{:?}",
        ran.final_flags
    );
    assert!(config_flags(&u.flags()).is_empty());
}

#[test]
fn flags_are_set_in_config_yaml_order_and_traced() {
    let probe = Probe::default();
    let mut u = unit(&probe, vec![]);
    let ran = u.run("install").ok();
    let set_lines: Vec<&str> = ran
        .log
        .iter()
        .flat_map(|r| r.message.lines())
        .filter(|l| l.contains("set flag config."))
        .collect();
    let first: Vec<&str> = set_lines.iter().take(3).copied().collect();
    assert!(
        first[0].ends_with("set flag config.changed"),
        "{set_lines:?}"
    );
    assert!(
        first[1].ends_with("set flag config.changed.port"),
        "{set_lines:?}"
    );
    assert!(
        first[2].ends_with("set flag config.set.port"),
        "{set_lines:?}"
    );
}

#[test]
fn an_unchanged_hook_has_no_changed_flags_but_set_and_default_are_recomputed() {
    let probe = Probe::default();
    let mut u = unit(&probe, vec![]);
    u.run("install").ok();
    probe.take("hooks");
    u.run("update-status").ok();
    assert_eq!(
        config_flags(&probe.take("hooks")),
        [
            "config.default.debug",
            "config.default.name",
            "config.default.port",
            "config.default.ratio",
            "config.set.port",
            "config.set.ratio",
        ]
    );
}

#[test]
fn one_changed_option_sets_its_flag_and_config_changed() {
    let probe = Probe::default();
    let mut u = unit(&probe, vec![]);
    u.run("install").ok();
    u.model().config = live(json!(8080), json!("web"), json!(false), json!(1));
    u.run("config-changed").ok();
    let flags = probe.take("hooks");
    let flags = config_flags(&flags);
    assert!(flags.contains(&"config.changed"));
    assert!(flags.contains(&"config.changed.port"));
    assert!(flags.contains(&"config.changed.name"));
    assert!(!flags.contains(&"config.changed.debug"));
    assert!(!flags.contains(&"config.default.port"));
    assert!(flags.contains(&"config.set.name"));
    // The next hook: nothing changed any more.
    u.run("update-status").ok();
    let flags = probe.take("hooks");
    assert!(
        !flags.iter().any(|f| f.starts_with("config.changed")),
        "{flags:?}"
    );
}

#[test]
fn set_and_default_follow_python_truthiness_and_equality() {
    let probe = Probe::default();
    let mut u = unit(&probe, vec![]);
    // 0 is "not set" in Python; 1 == 1.0 and the int 80 == 80.0.
    u.model().config = live(json!(80.0), json!(""), json!(0), json!(1));
    u.run("install").ok();
    let flags = probe.take("hooks");
    let flags = config_flags(&flags);
    assert!(flags.contains(&"config.default.port"));
    assert!(flags.contains(&"config.default.ratio"));
    assert!(flags.contains(&"config.default.debug"), "0 == False");
    assert!(!flags.contains(&"config.default.name"), "'' != None");
    assert!(!flags.contains(&"config.set.name"));
    assert!(!flags.contains(&"config.set.debug"));
    assert!(flags.contains(&"config.set.port"));
}

#[test]
fn a_changed_value_that_compares_equal_in_python_is_not_a_change() {
    let probe = Probe::default();
    let mut u = unit(&probe, vec![]);
    u.run("install").ok();
    probe.take("hooks");
    u.model().config = live(json!(80.0), Value::Null, json!(0), json!(1.0));
    u.run("config-changed").ok();
    let flags = probe.take("hooks");
    assert!(
        !flags.iter().any(|f| f.starts_with("config.changed")),
        "{flags:?}"
    );
}

#[test]
fn a_failed_hook_commits_nothing_and_the_change_is_seen_again() {
    let probe = Probe::default();
    let fail = Handler::new("fail-on-change", |_ctx| anyhow::bail!("boom"))
        .when_all(["config.changed.port", "go.fail"]);
    let arm = Handler::new("arm", |ctx| {
        ctx.set_flag("go.fail");
        Ok(())
    })
    .hook(["config-changed"]);
    let mut u = unit(&probe, vec![arm, fail]);
    u.run("install").ok();
    let saved = support::kv_all(&u.store);
    u.model().config = live(json!(81), Value::Null, json!(false), json!(1));
    let ran = u.run("config-changed");
    assert!(!ran.committed);
    assert!(ran.error.unwrap().to_string().contains("boom"));
    assert_eq!(
        support::kv_all(&u.store),
        saved,
        "previous config not saved"
    );
    assert!(config_flags(&u.flags()).is_empty());
    probe.take("hooks");
    // Juju retries after the charm is fixed: the change is still a change.
    u.run("update-status").ok();
    assert!(probe
        .take("hooks")
        .contains(&"config.changed.port".to_owned()));
}

#[test]
fn triggers_fire_on_config_flags_as_with_layer_basic_atstart() {
    let probe = Probe::default();
    let mut u = MemoryUnit::new(
        "app/0",
        Registry::builder()
            .layer(BasicLayer::with_options(options()))
            .trigger(Trigger::when("config.changed.port").clear_flag("app.configured"))
            .handler(
                Handler::new("configure", |ctx| {
                    ctx.set_flag("app.configured");
                    Ok(())
                })
                .when_not(["app.configured"]),
            )
            .handler(probe.at_main())
            .build()
            .unwrap(),
    );
    u.model().config = live(json!(80), Value::Null, json!(false), json!(1));
    let first = u.run("install").ok();
    assert!(first.invoked.contains(&"configure".to_owned()));
    assert!(u.flags().contains(&"app.configured".to_owned()));
    let quiet = u.run("update-status").ok();
    assert!(!quiet.invoked.contains(&"configure".to_owned()));
    u.model().config = live(json!(81), Value::Null, json!(false), json!(1));
    let changed = u.run("config-changed").ok();
    assert!(
        changed.invoked.contains(&"configure".to_owned()),
        "the trigger cleared app.configured"
    );
}

#[test]
fn clearing_the_config_flags_at_exit_fires_no_trigger() {
    // layer-basic's clear_config_states runs after charms.reactive's
    // _clear_triggers: a when_not trigger on a config flag never sees the exit.
    let mut u = MemoryUnit::new(
        "app/0",
        Registry::builder()
            .layer(BasicLayer::with_options(options()))
            .trigger(Trigger::when_not("config.changed").set_flag("app.config-settled"))
            .trigger(Trigger::when_not("config.set.port").set_flag("app.port-unset"))
            .build()
            .unwrap(),
    );
    u.model().config = live(json!(80), Value::Null, json!(false), json!(1));
    let ran = u.run("install").ok();
    assert!(
        config_flags(&ran.final_flags).is_empty(),
        "{:?}",
        ran.final_flags
    );
    assert_eq!(u.flags(), Vec::<String>::new());
}

#[test]
fn handlers_read_changed_and_previous_values() {
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let log = seen.clone();
    let read = Handler::new("read", move |ctx| {
        let c = config(ctx)?;
        log.lock().unwrap().push((
            c.changed("port"),
            c.previous("port").cloned(),
            c.get("port").cloned(),
        ));
        Ok(())
    })
    .when_all(["config.changed"]);
    let probe = Probe::default();
    let mut u = unit(&probe, vec![read]);
    u.run("install").ok();
    u.model().config = live(json!(8080), Value::Null, json!(false), json!(1));
    u.run("config-changed").ok();
    assert_eq!(
        *seen.lock().unwrap(),
        [
            (true, None, Some(json!(80))),
            (true, Some(json!(80)), Some(json!(8080)))
        ]
    );
}

#[test]
fn a_removed_option_keeps_its_last_value_as_in_charmhelpers() {
    let probe = Probe::default();
    let mut u = unit(&probe, vec![]);
    u.run("install").ok();
    let mut without_name = live(json!(80), json!("x"), json!(false), json!(1));
    u.model().config = without_name.clone();
    u.run("config-changed").ok();
    without_name.remove("name");
    u.model().config = without_name;
    u.run("upgrade-charm").ok();
    let flags = probe.take("hooks");
    assert!(flags.contains(&"config.set.name".to_owned()), "{flags:?}");
    assert!(
        !flags.contains(&"config.changed.name".to_owned()),
        "{flags:?}"
    );
    let saved: String = support::kv(&u.store, PREVIOUS_CONFIG_KEY).unwrap();
    assert_eq!(serde_json::from_str::<Value>(&saved).unwrap()["name"], "x");
}

#[test]
fn restricted_hooks_neither_set_flags_nor_save() {
    let probe = Probe::default();
    let metrics = {
        let p = probe.clone();
        Handler::new("metrics", move |ctx| {
            p.record("main", ctx.get_flags());
            Ok(())
        })
        .condition(charm_reactive::Condition::Restricted(
            charm_reactive::RestrictedHook::CollectMetrics,
        ))
    };
    let mut u = unit(&probe, vec![metrics]);
    let ran = u.run("collect-metrics").ok();
    assert_eq!(ran.invoked, ["metrics"]);
    assert!(config_flags(&probe.take("main")).is_empty());
    assert_eq!(support::kv::<String>(&u.store, PREVIOUS_CONFIG_KEY), None);
}

#[test]
fn unreadable_previous_config_is_logged_and_counts_as_all_changed() {
    let probe = Probe::default();
    let mut u = unit(&probe, vec![]);
    u.run("install").ok();
    let broken = charm_reactive::store::codec::encode("{not json").unwrap();
    support::set_kv_raw(&u.store, PREVIOUS_CONFIG_KEY, broken);
    probe.take("hooks");
    let ran = u.run("update-status").ok();
    assert!(ran.logged(Level::Error, "unable to parse previous config data"));
    assert!(probe
        .take("hooks")
        .contains(&"config.changed.ratio".to_owned()));
}

#[test]
fn config_yaml_comes_from_the_hooks_charm_dir() {
    let charm = tempfile::tempdir().unwrap();
    std::fs::write(
        charm.path().join("config.yaml"),
        "options:\n  port: {type: int, default: 80}\n  name: {type: string}\n",
    )
    .unwrap();
    let probe = Probe::default();
    let registry = Registry::builder()
        .layer(BasicLayer::new())
        .handler(probe.at_hooks(&["install"]))
        .build()
        .unwrap();
    let mut u = MemoryUnit::new("app/0", registry);
    u.model().config = match json!({"port": 80, "name": "x"}) {
        Value::Object(m) => m,
        _ => unreachable!(),
    };
    let dir = charm.path().to_owned();
    u.run(support::Hook::with(move |unit| HookInfo {
        charm_dir: Some(dir),
        ..HookInfo::new("install", unit)
    }))
    .ok();
    // The defaults are known only from config.yaml: config.default.* proves it was read.
    assert_eq!(
        config_flags(&probe.take("hooks")),
        [
            "config.changed",
            "config.changed.name",
            "config.changed.port",
            "config.default.port",
            "config.set.name",
            "config.set.port",
        ]
    );
}
