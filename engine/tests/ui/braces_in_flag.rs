use charm_reactive::{not_unless, when, when_not, Context};

// charms.reactive: KeyError: 'bar' at import.
#[when("foo.{bar}")]
fn unknown_placeholder(_ctx: &mut Context<'_>) {}

#[when_not("endpoint.{endpoint_name}.joined")]
#[when("stray}")]
fn stray_brace(_ctx: &mut Context<'_>) {}

#[not_unless("x.{endpoint_name}")]
fn never_formatted(_ctx: &Context<'_>) {}

fn main() {}
