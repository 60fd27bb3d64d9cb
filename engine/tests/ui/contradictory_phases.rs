use charm_reactive::{action, collect_metrics, meter_status_changed, when, when_any, Context};

#[when("db.available")]
#[collect_metrics]
fn main_and_restricted(_ctx: &mut Context<'_>) {}

#[collect_metrics]
#[meter_status_changed]
fn two_restricted_hooks(_ctx: &mut Context<'_>) {}

#[action("backup")]
#[when_any("db.available")]
fn action_and_main(_ctx: &mut Context<'_>) {}

#[action("backup")]
#[action("restore")]
fn two_actions(_ctx: &mut Context<'_>) {}

fn main() {}
