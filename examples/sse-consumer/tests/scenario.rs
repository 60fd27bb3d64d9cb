//! The sse-consumer charm in-process, Scenario style: its real handlers and
//! layers, one event at a time, against the charm's own metadata.yaml.
//! This file is the complete example shown in `testing/README.md`.

use std::path::Path;
use std::sync::Arc;

use charm_reactive::backend::{Status, StatusState};
use charm_reactive::Registry;
use charm_reactive_testing::{Context, Event, Relation, State};

/// The charm under test: the handlers `sse_consumer::init` links in, with
/// the metadata of `charm/`.
fn consumer() -> Context {
    sse_consumer::init();
    let registry = Registry::from_inventory().expect("the handlers register");
    let charm_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("charm");
    Context::from_charm_dir(Arc::new(registry), &charm_dir).expect("metadata.yaml parses")
}

#[test]
fn a_leader_asks_for_the_relation_then_creates_pods_from_the_endpoint_url() {
    let ctx = consumer();

    // Alone, the unit asks for its relation.
    let out = ctx
        .run(Event::start(), State::new("con6/0").with_leader(true))
        .unwrap();
    assert!(out.succeeded(), "{:?}", out.error);
    assert_eq!(
        out.state.unit_status,
        Status::new(
            StatusState::Blocked,
            "Please add relationship to sse endpoint."
        )
    );

    // The endpoint joins without a URL yet: waiting.
    let endpoint = Relation::new("sse-endpoint", 1, "mock")
        .with_remote_unit("mock/0", std::iter::empty::<(&str, &str)>());
    let state = out.state.with_relation(endpoint);
    let out = ctx.run(Event::relation_joined(1, "mock/0"), state).unwrap();
    assert_eq!(
        out.state.unit_status,
        Status::new(
            StatusState::Waiting,
            "Waiting for the sse endpoint to send its base URL."
        )
    );

    // It sends its URL: the leader sets the pod spec once and records the
    // configuration in application scope.
    let mut state = out.state;
    state.relations[0].remote_units.insert(
        "mock/0".into(),
        [("base-url".into(), "http://sse:8080".into())].into(),
    );
    let out = ctx
        .run(Event::relation_changed(1, "mock/0"), state)
        .unwrap();
    assert!(out.succeeded(), "{:?}", out.error);
    assert_eq!(out.pod_spec_history.len(), 1);
    let spec: serde_json::Value =
        serde_saphyr::from_str(&out.state.pod_spec.as_ref().unwrap().spec).unwrap();
    assert_eq!(
        spec["containers"][0]["config"]["BASE_URL"],
        "http://sse:8080"
    );
    assert_eq!(
        out.state.unit_status,
        Status::new(StatusState::Active, "Pods created (http://sse:8080)")
    );
    assert!(out.state.has_app_flag("consumer.configured"));
    assert_eq!(
        out.state
            .app_value::<String>("consumer.base-url")
            .unwrap()
            .as_deref(),
        Some("http://sse:8080")
    );

    // Kubernetes replaces the pod: the new unit is active at its first hook,
    // from application scope, and sets no pod spec again.
    let out = ctx
        .run(
            Event::start(),
            out.state.replacement("con6/1").with_leader(true),
        )
        .unwrap();
    assert!(out.succeeded(), "{:?}", out.error);
    assert!(out.pod_spec_history.is_empty());
    assert_eq!(
        out.state.unit_status,
        Status::new(StatusState::Active, "Pods created (http://sse:8080)")
    );
}

#[test]
fn the_readme_shows_this_test() {
    let readme = include_str!("../../../testing/README.md");
    assert!(
        readme.contains(include_str!("scenario.rs")),
        "testing/README.md must show examples/sse-consumer/tests/scenario.rs verbatim"
    );
}
