use charm_reactive::when;

#[when("a")]
struct Handler;

fn main() {}
