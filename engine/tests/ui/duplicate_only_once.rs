use charm_reactive::{only_once, when, Context};

#[only_once]
#[when("a")]
#[only_once]
fn twice(_ctx: &mut Context<'_>) {}

fn main() {}
