use charm_reactive::{when, Context};

struct Db;

impl Db {
    #[when("a")]
    fn on_available(&self, _ctx: &mut Context<'_>) {}
}

fn main() {
    let _ = Db;
}
