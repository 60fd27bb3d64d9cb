//! The sse-endpoint-mock charm's hook executable: its handlers (the library)
//! and the engine's entry point.

fn main() {
    sse_endpoint_mock::init();
    charm_reactive::main()
}
