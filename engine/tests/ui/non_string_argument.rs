use charm_reactive::{when, Context};

const FLAG: &str = "a";

#[when(FLAG)]
fn from_const(_ctx: &mut Context<'_>) {}

#[when("a", 3)]
fn from_number(_ctx: &mut Context<'_>) {}

fn main() {}
