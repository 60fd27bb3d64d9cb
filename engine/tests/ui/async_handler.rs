use charm_reactive::{when, Context};

#[when("a")]
async fn later(_ctx: &mut Context<'_>) {}

fn main() {}
