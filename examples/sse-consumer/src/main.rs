//! The sse-consumer charm's hook executable: its handlers (the library) and
//! the engine's entry point.

fn main() {
    sse_consumer::init();
    charm_reactive::main()
}
