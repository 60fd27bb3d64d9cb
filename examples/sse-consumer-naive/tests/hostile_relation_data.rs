//! Hostile `base-url` values from the sse-endpoint relation through the naive
//! consumer's real handlers: naive about leadership and statuses, it must still
//! never put an unchecked value in its pod spec. A refused value blocks the unit
//! and sets no pod spec; an accepted one reaches the container unchanged.

use std::path::Path;
use std::sync::Arc;

use charm_reactive::backend::StatusState;
use charm_reactive::Registry;
use charm_reactive_testing::{fuzz, hostile, Context, Event, Output, Relation, State};
use serde_json::{json, Value};

fn naive() -> Context {
    sse_consumer_naive::init();
    let registry = Registry::from_inventory().expect("the handlers register");
    let charm_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("charm");
    Context::from_charm_dir(Arc::new(registry), &charm_dir).expect("metadata.yaml parses")
}

fn receive(ctx: &Context, base_url: &str) -> Output {
    let endpoint = Relation::new("sse-endpoint", 1, "mock")
        .with_remote_unit("mock/0", [("base-url", base_url)]);
    let state = State::new("naive/0")
        .with_leader(true)
        .with_relation(endpoint);
    ctx.run(Event::relation_changed(1, "mock/0"), state)
        .expect("a consistent state")
}

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
            if !value.is_empty()
                && (status.state != StatusState::Blocked
                    || !status.message.contains("invalid base-url")
                    || status.message.chars().any(char::is_control)
                    || status.message.len() > 300)
            {
                return Err(format!("refused without a clear, safe status: {status:?}"));
            }
            Ok(())
        }
        [one] => {
            let spec: Value = serde_saphyr::from_str(&one.spec)
                .map_err(|e| format!("the spec is not YAML ({e}): {}", one.spec))?;
            let expected = json!({"containers": [{
                "name": "sse-consumer",
                "imageDetails": {"imagePath": "tengu/sse-consumer:latest"},
                "config": {"BASE_URL": value},
            }]});
            if spec != expected {
                return Err(format!("the spec is not the template with the URL: {spec}"));
            }
            Ok(())
        }
        more => Err(format!("{} pod specs in one hook", more.len())),
    }
}

#[test]
fn every_catalogued_hostile_value_is_refused_with_a_blocked_status_and_no_pod_spec() {
    let ctx = naive();
    for h in hostile::values() {
        let out = receive(&ctx, &h.value);
        assert!(
            out.pod_spec_history.is_empty(),
            "{}: a pod spec was set",
            h.label
        );
        if let Err(why) = check(&out, &h.value) {
            panic!("{}: {why}", h.label);
        }
    }
}

#[test]
fn urls_with_yaml_characters_reach_the_container_unchanged() {
    let ctx = naive();
    for url in hostile::tricky_valid_urls() {
        let out = receive(&ctx, &url);
        assert_eq!(out.pod_spec_history.len(), 1, "{url}: {:?}", out.error);
        if let Err(why) = check(&out, &url) {
            panic!("{url}: {why}");
        }
    }
}

#[test]
fn arbitrary_values_are_refused_or_reach_the_container_unchanged() {
    let ctx = naive();
    fuzz::runner(150, 0x0a1_7e5)
        .run(&hostile::value(), |value| {
            check(&receive(&ctx, &value), &value)
                .map_err(proptest::test_runner::TestCaseError::fail)
        })
        .unwrap();
}
