//! Linking: a charm that only names the crate gets the layer, and with it
//! application scope read at every hook.

use charm_reactive_podspec as _;

#[test]
fn from_inventory_gets_the_layer_once_and_reads_app_scope() {
    let registry = charm_reactive::Registry::from_inventory().unwrap();
    let names: Vec<&str> = registry.layers().iter().map(|l| l.name()).collect();
    assert_eq!(
        names.iter().filter(|n| **n == "podspec").count(),
        1,
        "{names:?}"
    );
    assert!(registry.uses_app_scope());
}
