use charm_reactive::{when, when_any, when_not, Context};

#[when("a")]
fn no_parameter() {}

#[when_any("a")]
fn two_parameters(_ctx: &mut Context<'_>, _n: u32) {}

#[when_not("a")]
fn shared_context(_ctx: &Context<'_>) {}

#[when("a")]
fn by_value(_n: u32) {}

fn main() {}
