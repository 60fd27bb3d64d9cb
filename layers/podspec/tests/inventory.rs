//! Linking: a charm that only names the crate gets the layer, and with it
//! application scope read at every hook.

use charm_reactive_podspec as _;

use charm_reactive_testing::unit as support;

#[test]
fn from_inventory_gets_the_layer_once_and_reads_app_scope() {
    let registry = charm_reactive::Registry::from_inventory().unwrap();
    support::layer_names_with_one(&registry, "podspec");
    assert!(registry.uses_app_scope());
}
