//! A charm registering its own `BasicLayer` (here: with options in code)
//! replaces the crate's default registration: `Registry::from_inventory` gets
//! the layer once, the charm's. Own process, as the registration is global.

use charm_reactive_testing::unit as support;

use charm_reactive::Registry;
use charm_reactive_basic::{BasicLayer, ConfigOptions};
use serde_json::json;
use support::MemoryUnit;

charm_reactive::register_layer!(BasicLayer::with_options(ConfigOptions::new([(
    "port",
    json!(80)
)])));

#[test]
fn the_charms_registration_replaces_the_crates_default() {
    let registry = Registry::from_inventory().unwrap();
    support::layer_names_with_one(&registry, "basic");

    // The charm's options are the ones used: port's default is known without
    // any config.yaml, and no other option is managed.
    let mut u = MemoryUnit::new("app/0", registry);
    u.model().config = match json!({"port": 80, "name": "x"}) {
        serde_json::Value::Object(m) => m,
        _ => unreachable!(),
    };
    let ran = u.run("install").ok();
    assert_eq!(
        ran.traced_sets(),
        [
            "config.changed",
            "config.changed.port",
            "config.set.port",
            "config.default.port"
        ]
    );
}
