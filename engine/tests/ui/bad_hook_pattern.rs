use charm_reactive::{hook, Context};

#[hook("{install,upgrade-charm")]
fn unclosed(_ctx: &mut Context<'_>) {}

#[hook("{peer:cluster}-relation-joined")]
fn unknown_role(_ctx: &mut Context<'_>) {}

fn main() {}
