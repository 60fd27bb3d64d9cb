//! Linking: a charm that only names the crate gets the layer, after the dying
//! layer (so the dying flag is set before any status is queued).

use charm_reactive_status as _;

use charm_reactive_testing::unit as support;

#[test]
fn from_inventory_gets_the_layer_once_after_the_dying_layer() {
    let registry = charm_reactive::Registry::from_inventory().unwrap();
    let names = support::layer_names_with_one(&registry, "status");
    let pos = |n: &str| names.iter().position(|x| *x == n).unwrap();
    assert!(pos("dying") < pos("status"), "{names:?}");
}
