//! The basic layer over the real HookTools backend and the engine's fake hook
//! tools: the exact config-get call, flags, the saved config, a failing tool.

use charm_reactive_testing::unit as support;

use charm_reactive::Registry;
use charm_reactive_basic::{BasicLayer, ConfigOptions};
use serde_json::json;
use support::{FakeUnit, Probe};

fn unit(probe: &Probe) -> FakeUnit {
    let registry = Registry::builder()
        .layer(BasicLayer::with_options(ConfigOptions::new([
            ("base-url", json!(null)),
            ("port", json!(8080)),
        ])))
        .handler(probe.at_hooks(&["install", "config-changed", "update-status"]))
        .build()
        .unwrap();
    FakeUnit::new("mock/0", registry)
}

#[test]
fn flags_come_from_config_get_read_once_per_hook() {
    let probe = Probe::default();
    let mut u = unit(&probe);
    u.config(json!({"base-url": null, "port": 8080}));
    let ran = u.run("install").ok();
    assert_eq!(ran.calls_of("config-get"), [["--all", "--format=json"]]);
    let flags = probe.take("hooks");
    for f in [
        "config.changed",
        "config.changed.base-url",
        "config.default.base-url",
        "config.default.port",
        "config.set.port",
    ] {
        assert!(flags.contains(&f.to_owned()), "{f} in {flags:?}");
    }
    assert!(!flags.contains(&"config.set.base-url".to_owned()));
    assert!(!u.flags().iter().any(|f| f.starts_with("config.")));

    u.config(json!({"base-url": "http://sse:8080", "port": 8080}));
    u.run("config-changed").ok();
    let flags = probe.take("hooks");
    assert!(flags.contains(&"config.changed.base-url".to_owned()));
    assert!(flags.contains(&"config.set.base-url".to_owned()));
    assert!(!flags.contains(&"config.changed.port".to_owned()));

    u.run("update-status").ok();
    let flags = probe.take("hooks");
    assert!(
        !flags.iter().any(|f| f.starts_with("config.changed")),
        "{flags:?}"
    );
    assert!(flags.contains(&"config.set.base-url".to_owned()));
}

#[test]
fn a_failing_config_get_fails_the_hook_and_commits_nothing() {
    let probe = Probe::default();
    let mut u = unit(&probe);
    u.break_tool("config-get", "ERROR permission denied\n", 1);
    let ran = u.run("install");
    assert!(!ran.committed);
    let err = ran.error.unwrap().to_string();
    assert!(
        err.contains("basic") && err.contains("permission denied"),
        "{err}"
    );
    assert!(!probe.ran("hooks"));
    assert!(u.flags().is_empty());
    assert!(support::kv_all(&u.store).is_empty());
}
