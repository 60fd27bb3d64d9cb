//! Linking: a charm that only names the crate gets the layer.

use charm_reactive_leadership as _;

#[test]
fn from_inventory_gets_the_layer_once() {
    let registry = charm_reactive::Registry::from_inventory().unwrap();
    let names: Vec<&str> = registry.layers().iter().map(|l| l.name()).collect();
    assert_eq!(
        names.iter().filter(|n| **n == "leadership").count(),
        1,
        "{names:?}"
    );
    // Runs after the dying layer (-10) and before endpoints and status.
    let order: Vec<i32> = registry.layers().iter().map(|l| l.order()).collect();
    assert!(order.contains(&10), "{order:?}");
}
