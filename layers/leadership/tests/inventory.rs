//! Linking: a charm that only names the crate gets the layer.

use charm_reactive_leadership as _;

use charm_reactive_testing::unit as support;

#[test]
fn from_inventory_gets_the_layer_once() {
    let registry = charm_reactive::Registry::from_inventory().unwrap();
    support::layer_names_with_one(&registry, "leadership");
    // Runs after the dying layer (-10) and before endpoints and status.
    let order: Vec<i32> = registry.layers().iter().map(|l| l.order()).collect();
    assert!(order.contains(&10), "{order:?}");
}
