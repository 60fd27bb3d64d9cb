//! The `sse-endpoint` interface: a port of `tengu-team/interface-sse-endpoint`
//! (the seed's charms), keeping its flags so that charms using it port line for
//! line.
//!
//! Linking this crate registers both sides (with
//! [`charm_reactive::register_endpoint!`]); a charm's `metadata.yaml` decides
//! which relations exist. For each relation `<name>` of interface
//! `sse-endpoint`:
//!
//! | side | flag | set when | cleared when |
//! |---|---|---|---|
//! | provides | `<name>.consumer.available` | a consumer unit joined | no unit is left |
//! | requires | `<name>.available` | a provider unit joined and published `base-url` | no unit is left, or `base-url` changed to nothing |
//! | requires | `<name>.changed` | a provider's `base-url` changed to a value | never: the charm clears it |
//!
//! As in the original, `endpoint.<name>.changed.base-url` is never cleared, so
//! the requirer's `base_url_changed` handler runs in every hook once a URL was
//! received, and clears `<name>.available` when the URL is gone (which is what
//! happens on a unit whose relation departed).
//!
//! The provider publishes with [`SseEndpointProvides::set_base_url`]; the
//! requirer reads with [`SseEndpointRequires::base_url`]. The URL comes from
//! another application: check it with [`check_base_url`] before using it.
//!
//! ```no_run
//! use charm_reactive::{when, Context};
//! use charm_reactive_sse_endpoint::SseEndpointRequires;
//!
//! #[when("sse-endpoint.available")]
//! fn configure(ctx: &mut Context<'_>) -> anyhow::Result<()> {
//!     let Some(mut sse) = SseEndpointRequires::from_flag(ctx, "sse-endpoint.available") else {
//!         return Ok(());
//!     };
//!     let base_url = sse.base_url()?.unwrap_or_default();
//!     let base_url = charm_reactive_sse_endpoint::check_base_url(&base_url)?;
//!     // ... build the pod spec (as data, not text) with base_url
//!     # let _ = base_url;
//!     Ok(())
//! }
//! ```
//!
//! Handler ids read as the original's: `src/sse-endpoint/requires.rs:<line>:joined:<name>`
//! (the `sse-endpoint/<role>.rs` path is what ties the handlers to the
//! interface's relations; see [`charm_reactive::endpoint`]).

pub mod base_url;
#[path = "sse-endpoint/provides.rs"]
pub mod provides;
#[path = "sse-endpoint/requires.rs"]
pub mod requires;

pub use base_url::{check_base_url, InvalidBaseUrl, MAX_BASE_URL_BYTES};
pub use provides::SseEndpointProvides;
pub use requires::SseEndpointRequires;

/// The interface name, as in `metadata.yaml`.
pub const INTERFACE: &str = "sse-endpoint";

/// The relation key the provider publishes (JSON-encoded).
pub const BASE_URL_KEY: &str = "base-url";
