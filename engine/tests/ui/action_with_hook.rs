use charm_reactive::{action, hook, Context};

#[action("backup")]
#[hook("install")]
fn backup(_ctx: &mut Context<'_>) {}

fn main() {}
