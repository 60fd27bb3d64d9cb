use charm_reactive::{hook, when, when_not, Context};

// charms.reactive registers this and silently never runs it.
#[hook("install")]
#[when("db.available")]
fn hook_above(_ctx: &mut Context<'_>) {}

#[when_not("app.installed")]
#[hook("install")]
fn hook_below(_ctx: &mut Context<'_>) {}

fn main() {}
