//! sse-consumer: the seed's consumer charm
//! (`tengu-team/layer-sse-consumer/reactive/sse-consumer.py`), ported to
//! charm-reactive with the fixes for unit replacement.
//!
//! Every changed pod spec replaces this stateless application's unit (con6/2
//! becomes con6/3). What the Python charm got wrong, and what changed here:
//!
//! * the replacement unit started without the application's state and reported
//!   "blocked: Please add relationship": the configured state is now the
//!   application flag `app:consumer.configured`, with the URL in application
//!   scope, so the new unit goes active at its first hook;
//! * the pod spec was set by whichever unit ran the handler, leader or not, and
//!   again by the new unit: [`set_pod_spec`] sets it only as the leader and only
//!   when its content differs from the one recorded in application scope;
//! * the dying unit's `relation-departed` set "blocked": handlers that announce a
//!   missing relation skip a dying unit (`charm-reactive.unit.dying`), and the
//!   status layer refuses blocked/waiting there anyway.

use charm_reactive::{register_trigger, when, when_all, when_not, Context};
use charm_reactive_podspec::{set_pod_spec, Outcome, Spec};
use charm_reactive_sse_endpoint::{check_base_url, SseEndpointRequires};
use charm_reactive_status as status;
use serde_json::json;

/// Application-scope key of the URL the pods were created with.
const BASE_URL_KEY: &str = "consumer.base-url";

/// Python l.24 `notify_relation_needed`, not on a dying unit, and not once the
/// application is configured: a replacement unit runs `start` before its
/// relation hooks.
#[when_not(
    "endpoint.sse-endpoint.joined",
    "app:consumer.configured",
    "charm-reactive.unit.dying"
)]
fn notify_relation_needed(ctx: &mut Context<'_>) -> anyhow::Result<()> {
    status::blocked(ctx, "Please add relationship to sse endpoint.")?;
    Ok(())
}

/// Python l.32 `notify_waiting`; not in the hook that received the URL (the
/// interface's handlers run after this charm's, and layer-status would let
/// this waiting beat the active status `config_consumer` sets later).
#[when("endpoint.sse-endpoint.joined")]
#[when_not(
    "sse-endpoint.available",
    "endpoint.sse-endpoint.changed.base-url",
    "app:consumer.configured",
    "charm-reactive.unit.dying"
)]
fn notify_waiting(ctx: &mut Context<'_>) -> anyhow::Result<()> {
    status::waiting(ctx, "Waiting for the sse endpoint to send its base URL.")?;
    Ok(())
}

/// Python l.35 `config_consumer`: render the pod spec for the endpoint's URL.
/// [`set_pod_spec`] is a no-op on followers and for an unchanged spec, so
/// every unit may run this. The URL comes from another application: one that is
/// not a plain http(s) URL blocks the unit and sets no pod spec (the pods keep
/// the last good one) until the endpoint sends a valid one.
#[when_all("sse-endpoint.available")]
#[when_not("consumer.configured", "charm-reactive.unit.dying")]
fn config_consumer(ctx: &mut Context<'_>) -> anyhow::Result<()> {
    let url = SseEndpointRequires::from_flag(ctx, "sse-endpoint.available")
        .map(|mut sse| sse.base_url())
        .transpose()?
        .flatten()
        .unwrap_or_default();
    let url = match check_base_url(&url) {
        Ok(url) => url,
        Err(invalid) => {
            status::blocked(ctx, &format!("{INVALID_URL_STATUS}: {invalid}"))?;
            ctx.clear_flag("sse-endpoint.changed");
            return Ok(());
        }
    };
    status::maintenance(ctx, "Configuring consumer container")?;
    if matches!(set_pod_spec(ctx, &pod_spec(url)?)?, Outcome::Set) {
        status::maintenance(ctx, "creating container")?;
    }
    ctx.set_flag("consumer.configured");
    ctx.clear_flag("sse-endpoint.changed");
    if ctx.is_leader()? {
        ctx.app()?.set(BASE_URL_KEY, url)?;
        ctx.set_flag("app:consumer.configured");
    }
    status::active(ctx, &format!("Pods created ({url})"))?;
    Ok(())
}

/// The start of the blocked status a refused base URL sets.
pub const INVALID_URL_STATUS: &str = "The sse endpoint sent an invalid base-url";

// Python l.60: a changed URL forces a new pod spec.
register_trigger!(
    when = "sse-endpoint.changed",
    clear_flag = "consumer.configured"
);

/// New: a unit of a configured application is active from application scope,
/// before (and without) its own relation hooks.
#[when("app:consumer.configured")]
#[when_not("consumer.configured", "charm-reactive.unit.dying")]
fn active_from_application_scope(ctx: &mut Context<'_>) -> anyhow::Result<()> {
    let url: String = ctx.app()?.get(BASE_URL_KEY)?.unwrap_or_default();
    status::active(ctx, &format!("Pods created ({url})"))?;
    Ok(())
}

/// The seed's `spec_template.yaml`, as data: only `BASE_URL` varies, so the
/// spec is deterministic given the URL. Built as a value and serialized by the
/// YAML crate, never spliced into YAML text, so no URL can add keys to it.
pub fn pod_spec(base_url: &str) -> anyhow::Result<Spec> {
    let spec = json!({
        "containers": [{
            "name": "sse-consumer",
            "imageDetails": {"imagePath": "tengu/sse-consumer:latest"},
            "ports": [{"containerPort": 8080, "protocol": "TCP"}],
            "config": {"BASE_URL": base_url},
            "command": ["bash", "-c"],
            "args": ["echo BASE_URL: $BASE_URL; /bin/sleep infinity"],
        }]
    });
    Ok(Spec::from_value(&spec)?.with_inputs(&base_url)?)
}

/// Links this charm's handlers and the layers it uses into the binary (their
/// registrations live with them): call before building the registry.
pub fn init() {
    charm_reactive_basic::init();
    charm_reactive_status::init();
    charm_reactive_podspec::init();
}
