use charm_reactive::{action, when, when_file_changed, Context};

#[when("a", "")]
fn empty_flag(_ctx: &mut Context<'_>) {}

#[when_file_changed("")]
fn empty_file(_ctx: &mut Context<'_>) {}

#[action("")]
fn empty_action(_ctx: &mut Context<'_>) {}

fn main() {}
