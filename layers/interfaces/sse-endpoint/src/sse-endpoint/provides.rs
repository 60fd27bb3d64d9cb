//! The provides side (`provides.py`, class `SSEEndpointProvides`).

use charm_reactive::endpoint::{Endpoint, EndpointError, EndpointKind};
use charm_reactive::{when, when_not, Context};

use crate::{BASE_URL_KEY, INTERFACE};

charm_reactive::register_endpoint!(EndpointKind::provides(INTERFACE));

#[when("endpoint.{endpoint_name}.joined")]
#[when_not("{endpoint_name}.consumer.available")]
fn joined(ctx: &mut Context<'_>) -> anyhow::Result<()> {
    ctx.current_endpoint()?
        .set_flag("{endpoint_name}.consumer.available");
    Ok(())
}

#[when_not("endpoint.{endpoint_name}.joined")]
#[when("{endpoint_name}.consumer.available")]
fn broken(ctx: &mut Context<'_>) -> anyhow::Result<()> {
    ctx.current_endpoint()?
        .clear_flag("{endpoint_name}.consumer.available");
    Ok(())
}

/// A provides endpoint of the `sse-endpoint` interface.
pub struct SseEndpointProvides<'c> {
    endpoint: Endpoint<'c>,
}

impl<'c> SseEndpointProvides<'c> {
    /// The endpoint for the relation `name`.
    pub fn from_name(
        ctx: &'c mut Context<'_>,
        name: &str,
    ) -> Result<SseEndpointProvides<'c>, EndpointError> {
        Ok(SseEndpointProvides {
            endpoint: ctx.endpoint(name)?,
        })
    }

    /// The endpoint a set flag names (charms.reactive's `endpoint_from_flag`),
    /// e.g. `sse-endpoint.consumer.available`.
    pub fn from_flag(ctx: &'c mut Context<'_>, flag: &str) -> Option<SseEndpointProvides<'c>> {
        ctx.endpoint_from_flag(flag)
            .map(|endpoint| SseEndpointProvides { endpoint })
    }

    /// Publishes `base_url` (JSON-encoded) to every related application;
    /// sent at the end of the hook if it changed.
    pub fn set_base_url(&mut self, base_url: &str) -> Result<(), EndpointError> {
        for rid in self.endpoint.relation_ids() {
            self.endpoint
                .relation(&rid)?
                .to_publish()?
                .set(BASE_URL_KEY, base_url)?;
        }
        Ok(())
    }

    /// The underlying endpoint.
    pub fn endpoint(&mut self) -> &mut Endpoint<'c> {
        &mut self.endpoint
    }
}
