//! sse-consumer-naive: the seed's consumer charm ported line for line, with
//! charms.reactive's habits and none of charm-reactive's fixes: unit flags
//! only, statuses set at once (charmhelpers' `status_set`), and the pod spec set
//! by whichever unit runs the handler (layer-caas-base's `pod_spec_set`). Run
//! beside `sse-consumer` in `examples/scenarios/sse-replacement.yaml`, it shows
//! the seed's failures. What it does not copy from the seed is its YAML
//! template: the pod spec is built as data, and the URL the relation brings is
//! checked first, as every charm must.

use charm_reactive::backend::{PodSpec, SpecTool, Status, StatusState, StatusTarget};
use charm_reactive::{register_trigger, when, when_all, when_not, Context};
use charm_reactive_sse_endpoint::{check_base_url, SseEndpointRequires};
use serde_json::json;

/// Python l.24.
#[when_not("endpoint.sse-endpoint.joined")]
fn notify_relation_needed(ctx: &mut Context<'_>) -> anyhow::Result<()> {
    status_set(
        ctx,
        StatusState::Blocked,
        "Please add relationship to sse endpoint.",
    )
}

/// Python l.32.
#[when("endpoint.sse-endpoint.joined")]
#[when_not("sse-endpoint.available")]
fn notify_waiting(ctx: &mut Context<'_>) -> anyhow::Result<()> {
    status_set(
        ctx,
        StatusState::Waiting,
        "Waiting for the sse endpoint to send its base URL.",
    )
}

/// Python l.35.
#[when_all("sse-endpoint.available")]
#[when_not("consumer.configured")]
fn config_consumer(ctx: &mut Context<'_>) -> anyhow::Result<()> {
    let url = SseEndpointRequires::from_flag(ctx, "sse-endpoint.available")
        .map(|mut sse| sse.base_url())
        .transpose()?
        .flatten()
        .unwrap_or_default();
    let url = match check_base_url(&url) {
        Ok(url) => url,
        Err(invalid) => {
            return status_set(
                ctx,
                StatusState::Blocked,
                &format!("The sse endpoint sent an invalid base-url: {invalid}"),
            )
        }
    };
    status_set(
        ctx,
        StatusState::Maintenance,
        "Configuring consumer container",
    )?;
    let spec = serde_saphyr::to_string(&json!({
        "containers": [{
            "name": "sse-consumer",
            "imageDetails": {"imagePath": "tengu/sse-consumer:latest"},
            "config": {"BASE_URL": url},
        }]
    }))?;
    // layer-caas-base's pod_spec_set: returns false on failure, never asks about leadership.
    let spec = PodSpec {
        tool: SpecTool::PodSpecSet,
        spec,
        k8s_resources: None,
    };
    if ctx.juju().pod_spec_set(&spec).is_ok() {
        ctx.set_flag("consumer.configured");
        ctx.clear_flag("sse-endpoint.changed");
        status_set(ctx, StatusState::Active, &format!("Pods created ({url})"))
    } else {
        status_set(ctx, StatusState::Blocked, "k8s spec failed to deploy")
    }
}

// Python l.60.
register_trigger!(
    when = "sse-endpoint.changed",
    clear_flag = "consumer.configured"
);

fn status_set(ctx: &mut Context<'_>, state: StatusState, message: &str) -> anyhow::Result<()> {
    ctx.juju()
        .status_set(StatusTarget::Unit, &Status::new(state, message))?;
    Ok(())
}

/// Links this charm's handlers into the binary: call before building the
/// registry.
#[inline(never)]
pub fn init() {
    // The registrations live in this module, so in the object this function
    // is compiled into: referring to the function keeps both.
    std::hint::black_box(());
}
