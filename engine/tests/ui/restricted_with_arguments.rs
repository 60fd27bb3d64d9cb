use charm_reactive::{collect_metrics, meter_status_changed, only_once, Context};

#[collect_metrics("collect-metrics")]
fn metrics(_ctx: &mut Context<'_>) {}

#[only_once]
#[meter_status_changed(1)]
fn meter(_ctx: &mut Context<'_>) {}

fn main() {}
