use charm_reactive::{hook, when, when_any, Context};

#[when()]
fn empty_parens(_ctx: &mut Context<'_>) {}

#[when("a")]
#[when_any]
fn bare_inner(_ctx: &mut Context<'_>) {}

#[hook]
fn no_pattern(_ctx: &mut Context<'_>) {}

fn main() {}
