//! Hostile `base-url` config values through the provider's real handlers: the
//! provider publishes the URL to every consumer, which puts it in a pod spec,
//! so it must not pass on what no consumer should accept. A refused value
//! blocks the unit with the reason and is not published; a valid one is
//! published unchanged.

use std::path::Path;
use std::sync::Arc;

use charm_reactive::backend::StatusState;
use charm_reactive::Registry;
use charm_reactive_sse_endpoint::check_base_url;
use charm_reactive_testing::{fuzz, hostile, Context, Event, Output, Relation, State};

fn provider() -> Context {
    sse_endpoint_mock::init();
    let registry = Registry::from_inventory().expect("the handlers register");
    let charm_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("charm");
    Context::from_charm_dir(Arc::new(registry), &charm_dir).expect("metadata.yaml parses")
}

/// config-changed with `base-url` set to `value`, a consumer joined.
fn configure(ctx: &Context, value: &str) -> Output {
    let consumer = Relation::new("sse-endpoint", 1, "con6")
        .with_remote_unit("con6/0", std::iter::empty::<(&str, &str)>());
    let state = State::new("sse-endpoint/0")
        .with_leader(true)
        .with_config("base-url", value)
        .with_flag("sse-endpoint.consumer.available")
        .with_relation(consumer);
    ctx.run(Event::config_changed(), state)
        .expect("a consistent state")
}

fn check(out: &Output, value: &str) -> Result<(), String> {
    if let Some(e) = &out.error {
        return Err(format!("the hook failed: {e:#}"));
    }
    let published = out.state.relations[0].local_unit_data.get("base-url");
    let status = &out.state.unit_status;
    if value.is_empty() {
        return match published {
            None => Ok(()),
            Some(p) => Err(format!("published {p:?} for an empty option")),
        };
    }
    if check_base_url(value).is_ok() {
        let Some(p) = published else {
            return Err("a valid URL was not published".into());
        };
        let sent: String = serde_json::from_str(p).unwrap_or_else(|_| p.clone());
        if sent != value {
            return Err(format!("published {sent:?} instead of {value:?}"));
        }
        if status.state != StatusState::Active {
            return Err(format!("valid but not active: {status:?}"));
        }
        return Ok(());
    }
    if let Some(p) = published {
        return Err(format!("an invalid URL was published: {p:?}"));
    }
    if status.state != StatusState::Blocked
        || !status.message.contains("not a valid URL")
        || status.message.chars().any(char::is_control)
        || status.message.len() > 300
    {
        return Err(format!("refused without a clear, safe status: {status:?}"));
    }
    Ok(())
}

#[test]
fn every_catalogued_hostile_value_is_refused_and_not_published() {
    let ctx = provider();
    for h in hostile::values() {
        let out = configure(&ctx, &h.value);
        assert!(
            check_base_url(&h.value).is_err(),
            "{}: the catalogue holds only invalid values",
            h.label
        );
        if let Err(why) = check(&out, &h.value) {
            panic!("{}: {why}", h.label);
        }
    }
}

#[test]
fn urls_with_yaml_characters_are_published_unchanged() {
    let ctx = provider();
    for url in hostile::tricky_valid_urls() {
        if let Err(why) = check(&configure(&ctx, &url), &url) {
            panic!("{url}: {why}");
        }
    }
}

#[test]
fn arbitrary_values_are_refused_or_published_unchanged() {
    let ctx = provider();
    fuzz::runner(150, 0x0e4d_901e)
        .run(&hostile::value(), |value| {
            check(&configure(&ctx, &value), &value)
                .map_err(proptest::test_runner::TestCaseError::fail)
        })
        .unwrap();
}
