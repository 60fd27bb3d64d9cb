//! Linking and registration: a charm that only names the crate gets the layer
//! from `Registry::from_inventory`, reading `config.yaml` from the charm dir.
//! One test in its own process, because it sets `JUJU_CHARM_DIR`.

use charm_reactive_basic as _;

use charm_reactive_testing::unit as support;

use charm_reactive::Registry;
use serde_json::json;
use support::MemoryUnit;

#[test]
fn from_inventory_gets_the_layer_and_reads_config_yaml_from_the_charm_dir() {
    let registry = Registry::from_inventory().unwrap();
    support::layer_names_with_one(&registry, "basic");

    let charm = tempfile::tempdir().unwrap();
    std::fs::write(
        charm.path().join("config.yaml"),
        "options:\n  port:\n    type: int\n    default: 80\n  name:\n    type: string\n",
    )
    .unwrap();
    std::env::set_var("JUJU_CHARM_DIR", charm.path());
    let mut u = MemoryUnit::new("app/0", registry);
    u.model().config = match json!({"port": 80, "name": "x"}) {
        serde_json::Value::Object(m) => m,
        _ => unreachable!(),
    };
    // Flags are gone at exit: watch them in the tracer's lines.
    let ran = u.run("install").ok();
    let traced = ran.traced_sets();
    assert!(traced.contains(&"config.default.port"), "{traced:?}");
    assert!(traced.contains(&"config.set.name"), "{traced:?}");
    assert!(!traced.contains(&"config.default.name"), "{traced:?}");

    // Without config.yaml: the options config-get lists, defaults unknown.
    std::fs::remove_file(charm.path().join("config.yaml")).unwrap();
    let ran = u.run("update-status").ok();
    let traced = ran.traced_sets();
    assert!(traced.contains(&"config.set.port"), "{traced:?}");
    assert!(!traced.contains(&"config.default.port"), "{traced:?}");

    // A broken config.yaml fails the hook with the file named.
    std::fs::write(charm.path().join("config.yaml"), "options: [oops]\n").unwrap();
    let ran = u.run("update-status");
    assert!(!ran.committed);
    assert!(ran.error.unwrap().to_string().contains("config.yaml"));
}
