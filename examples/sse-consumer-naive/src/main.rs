//! The sse-consumer-naive charm's hook executable: its handlers (the library)
//! and the engine's entry point.

fn main() {
    sse_consumer_naive::init();
    charm_reactive::main()
}
