//! Hostile `base-url` values from the sse-endpoint relation, through the
//! charm's real handlers and layers: none may reach the pod spec or fail the
//! hook. A refused value blocks the unit with the reason and sets no pod spec;
//! an accepted one reaches the container's environment unchanged, in a spec
//! with exactly the template's keys (no injected `privileged: true`).

use std::path::Path;
use std::sync::Arc;

use charm_reactive::backend::StatusState;
use charm_reactive::Registry;
use charm_reactive_testing::{fuzz, hostile, Context, Event, Output, Relation, State};
use serde_json::{json, Value};

fn consumer() -> Context {
    sse_consumer::init();
    let registry = Registry::from_inventory().expect("the handlers register");
    let charm_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("charm");
    Context::from_charm_dir(Arc::new(registry), &charm_dir).expect("metadata.yaml parses")
}

/// The leader receives `base_url` from the endpoint's unit.
fn receive(ctx: &Context, base_url: &str) -> Output {
    let endpoint = Relation::new("sse-endpoint", 1, "mock")
        .with_remote_unit("mock/0", [("base-url", base_url)]);
    let state = State::new("con6/0")
        .with_leader(true)
        .with_relation(endpoint);
    ctx.run(Event::relation_changed(1, "mock/0"), state)
        .expect("a consistent state")
}

/// The pod spec the seed's template gives for `url`, written out independently
/// of the charm's code.
fn expected_spec(url: &str) -> Value {
    json!({"containers": [{
        "name": "sse-consumer",
        "imageDetails": {"imagePath": "tengu/sse-consumer:latest"},
        "ports": [{"containerPort": 8080, "protocol": "TCP"}],
        "config": {"BASE_URL": url},
        "command": ["bash", "-c"],
        "args": ["echo BASE_URL: $BASE_URL; /bin/sleep infinity"],
    }]})
}

/// What a hook given `value` must have done; `Err` says what went wrong.
fn check(out: &Output, value: &str) -> Result<(), String> {
    if let Some(e) = &out.error {
        return Err(format!("the hook failed: {e:#}"));
    }
    let status = &out.state.unit_status;
    match out.pod_spec_history.as_slice() {
        [] => {
            if status.state == StatusState::Active || out.state.has_flag("consumer.configured") {
                return Err(format!("no pod spec, yet configured: {status:?}"));
            }
            if out.state.has_app_flag("consumer.configured") {
                return Err("no pod spec, yet the application is configured".into());
            }
            if !value.is_empty() {
                if status.state != StatusState::Blocked
                    || !status.message.starts_with(sse_consumer::INVALID_URL_STATUS)
                {
                    return Err(format!("refused without saying so: {status:?}"));
                }
                if status.message.chars().any(char::is_control) || status.message.len() > 300 {
                    return Err(format!(
                        "the status message carries the raw value: {:?}",
                        status.message
                    ));
                }
            }
            Ok(())
        }
        [one] => {
            let spec: Value = serde_saphyr::from_str(&one.spec)
                .map_err(|e| format!("the spec is not YAML ({e}): {}", one.spec))?;
            if spec != expected_spec(value) {
                return Err(format!("the spec is not the template with the URL: {spec}"));
            }
            if status.state != StatusState::Active {
                return Err(format!("accepted but not active: {status:?}"));
            }
            Ok(())
        }
        more => Err(format!("{} pod specs in one hook", more.len())),
    }
}

#[test]
fn every_catalogued_hostile_value_is_refused_with_a_blocked_status_and_no_pod_spec() {
    let ctx = consumer();
    for h in hostile::values() {
        let out = receive(&ctx, &h.value);
        assert!(
            out.pod_spec_history.is_empty(),
            "{}: a pod spec was set: {:?}",
            h.label,
            out.pod_spec_history
        );
        if let Err(why) = check(&out, &h.value) {
            panic!("{}: {why}", h.label);
        }
    }
}

#[test]
fn urls_with_yaml_characters_reach_the_container_unchanged() {
    let ctx = consumer();
    for url in hostile::tricky_valid_urls() {
        let out = receive(&ctx, &url);
        assert_eq!(out.pod_spec_history.len(), 1, "{url}: {:?}", out.error);
        if let Err(why) = check(&out, &url) {
            panic!("{url}: {why}");
        }
    }
}

#[test]
fn a_refused_url_after_a_good_one_keeps_the_pods_and_blocks_until_a_good_one_comes() {
    let ctx = consumer();
    let good = receive(&ctx, "http://sse:8080");
    assert_eq!(good.pod_spec_history.len(), 1);
    let mut state = good.state;
    state.relations[0].remote_units.insert(
        "mock/0".into(),
        [(
            "base-url".into(),
            "http://sse:8080\"\n    privileged: true".into(),
        )]
        .into(),
    );
    let bad = ctx
        .run(Event::relation_changed(1, "mock/0"), state)
        .unwrap();
    assert!(bad.succeeded(), "{:?}", bad.error);
    assert!(bad.pod_spec_history.is_empty());
    assert_eq!(bad.state.unit_status.state, StatusState::Blocked);
    assert!(
        bad.state.unit_status.message.contains("not a single line"),
        "{:?}",
        bad.state.unit_status
    );
    let mut state = bad.state;
    state.relations[0].remote_units.insert(
        "mock/0".into(),
        [("base-url".into(), "http://sse:9090".into())].into(),
    );
    let fixed = ctx
        .run(Event::relation_changed(1, "mock/0"), state)
        .unwrap();
    assert_eq!(fixed.pod_spec_history.len(), 1, "{:?}", fixed.error);
    assert!(check(&fixed, "http://sse:9090").is_ok());
}

#[test]
fn arbitrary_values_are_refused_or_reach_the_container_unchanged() {
    let ctx = consumer();
    let mut runner = fuzz::runner(150, 0x55e_c0de);
    runner
        .run(&hostile::value(), |value| {
            let out = receive(&ctx, &value);
            check(&out, &value).map_err(proptest::test_runner::TestCaseError::fail)
        })
        .unwrap();
}
