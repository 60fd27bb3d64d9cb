//! sse-endpoint-mock: the seed's provider charm
//! (`tengu-team/layer-sse-endpoint-mock/reactive/sse-endpoint.py`), ported.
//!
//! One config option, `base-url`, published over the `sse-endpoint` relation
//! to every consumer. The Python charm reported `blocked: active (<url>)`
//! because its active status was overwritten by Juju's "waiting for container"
//! (it has no pod); this port says what it does: active, serving the URL.
//! Consumers put the URL in their pod specs, so the provider checks it before
//! publishing it: an invalid one blocks with the reason and is not sent.

use charm_reactive::{when, Context};
use charm_reactive_basic::config;
use charm_reactive_sse_endpoint::{check_base_url, SseEndpointProvides};
use charm_reactive_status as status;

/// Python l.13: `@when('config.changed.base-url')`.
#[when("config.changed.base-url")]
fn consumer_active(ctx: &mut Context<'_>) -> anyhow::Result<()> {
    match base_url(ctx)? {
        Some(url) => match check_base_url(&url) {
            Ok(url) => status::active(ctx, &format!("Serving {url}"))?,
            Err(invalid) => status::blocked(
                ctx,
                &format!("The \"base-url\" config option is not a valid URL: {invalid}"),
            )?,
        },
        None => status::blocked(ctx, "Please set the \"base-url\" config option.")?,
    }
    Ok(())
}

/// Python l.28: `@when('config.set.base-url')` `@when('sse-endpoint.consumer.available')`.
#[when("config.set.base-url", "sse-endpoint.consumer.available")]
fn send_information(ctx: &mut Context<'_>) -> anyhow::Result<()> {
    let Some(url) = base_url(ctx)?.filter(|url| check_base_url(url).is_ok()) else {
        return Ok(());
    };
    if let Some(mut endpoint) =
        SseEndpointProvides::from_flag(ctx, "sse-endpoint.consumer.available")
    {
        endpoint.set_base_url(&url)?;
    }
    Ok(())
}

fn base_url(ctx: &mut Context<'_>) -> anyhow::Result<Option<String>> {
    let cfg = config(ctx)?;
    Ok(cfg
        .get("base-url")
        .and_then(|v| v.as_str())
        .filter(|s| !s.is_empty())
        .map(str::to_owned))
}

/// Links this charm's handlers and the layers it uses into the binary (their
/// registrations live with them): call before building the registry.
#[inline(never)]
pub fn init() {
    charm_reactive_basic::init();
    charm_reactive_status::init();
}
