//! The requires side (`requires.py`, class `SSEEndpointRequires`), as the
//! seed deployed it: without its two `log()` calls, which the seed's log shows
//! were absent.

use charm_reactive::endpoint::{Endpoint, EndpointError, EndpointKind};
use charm_reactive::{when, when_not, Context};
use serde_json::Value;

use crate::{BASE_URL_KEY, INTERFACE};

charm_reactive::register_endpoint!(EndpointKind::requires(INTERFACE));

#[when("endpoint.{endpoint_name}.joined")]
#[when_not("{endpoint_name}.available")]
fn joined(ctx: &mut Context<'_>) -> anyhow::Result<()> {
    let mut sse = SseEndpointRequires::current(ctx)?;
    if sse.base_url()?.is_some_and(|u| !u.is_empty()) {
        sse.endpoint().set_flag("{endpoint_name}.available");
    }
    Ok(())
}

#[when_not("endpoint.{endpoint_name}.joined")]
#[when("{endpoint_name}.available")]
fn broken(ctx: &mut Context<'_>) -> anyhow::Result<()> {
    ctx.current_endpoint()?
        .clear_flag("{endpoint_name}.available");
    Ok(())
}

#[when("endpoint.{endpoint_name}.changed.base-url")]
fn base_url_changed(ctx: &mut Context<'_>) -> anyhow::Result<()> {
    let mut sse = SseEndpointRequires::current(ctx)?;
    if sse.base_url()?.is_some_and(|u| !u.is_empty()) {
        sse.endpoint().set_flag("{endpoint_name}.changed");
    } else {
        sse.endpoint().clear_flag("{endpoint_name}.available");
    }
    Ok(())
}

/// A requires endpoint of the `sse-endpoint` interface.
pub struct SseEndpointRequires<'c> {
    endpoint: Endpoint<'c>,
}

impl<'c> SseEndpointRequires<'c> {
    /// The endpoint for the relation `name`.
    pub fn from_name(
        ctx: &'c mut Context<'_>,
        name: &str,
    ) -> Result<SseEndpointRequires<'c>, EndpointError> {
        Ok(SseEndpointRequires {
            endpoint: ctx.endpoint(name)?,
        })
    }

    /// The endpoint a set flag names (charms.reactive's `endpoint_from_flag`),
    /// e.g. `sse-endpoint.available`.
    pub fn from_flag(ctx: &'c mut Context<'_>, flag: &str) -> Option<SseEndpointRequires<'c>> {
        ctx.endpoint_from_flag(flag)
            .map(|endpoint| SseEndpointRequires { endpoint })
    }

    fn current(ctx: &'c mut Context<'_>) -> Result<SseEndpointRequires<'c>, EndpointError> {
        Ok(SseEndpointRequires {
            endpoint: ctx.current_endpoint()?,
        })
    }

    /// The `base-url` the providers published, JSON-decoded; the lowest
    /// (relation id, unit) wins if they disagree (only the provider's leader
    /// should set it, or all its units had better agree). `None` if no unit
    /// published one (a non-string value reads as its JSON text).
    pub fn base_url(&mut self) -> Result<Option<String>, EndpointError> {
        Ok(
            match self
                .endpoint
                .all_joined_units_received()?
                .value(BASE_URL_KEY)
            {
                None | Some(Value::Null) => None,
                Some(Value::String(s)) => Some(s),
                Some(other) => Some(other.to_string()),
            },
        )
    }

    /// The underlying endpoint.
    pub fn endpoint(&mut self) -> &mut Endpoint<'c> {
        &mut self.endpoint
    }
}
