use charm_reactive::{not_unless, Context};

#[not_unless("db.available")]
fn no_context(n: u32) -> u32 {
    n
}

#[not_unless("db.available")]
fn unnamed_context(_: &Context<'_>) {}

fn main() {}
