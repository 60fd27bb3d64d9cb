use charm_reactive::{when, Context};

#[when("a")]
fn returns_a_number(_ctx: &mut Context<'_>) -> u32 {
    7
}

fn main() {}
