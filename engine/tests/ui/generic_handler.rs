use charm_reactive::{when, Context};

#[when("a")]
fn generic<T: Default>(_ctx: &mut Context<'_>) {
    let _ = T::default();
}

fn main() {}
