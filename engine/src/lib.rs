//! # charm-reactive
//!
//! Juju charms in the reactive style of Python's charms.reactive: handlers guarded
//! by conditions on named flags, run to a fixpoint on every hook, with dispatch
//! semantics identical to charms.reactive 1.5.3 and state kept in a per-unit
//! sled store, one transaction per hook.
//!
//! ```
//! use std::sync::Arc;
//! use charm_reactive::{Handler, HookInfo, Registry, run_hook};
//!
//! let registry = Registry::builder()
//!     .handler(Handler::new("install", |ctx| { ctx.set_flag("app.installed"); Ok(()) })
//!         .hook(["install"]))
//!     .handler(Handler::new("configure", |ctx| { ctx.set_flag("app.configured"); Ok(()) })
//!         .when_all(["app.installed"]).when_not(["app.configured"]))
//!     .build()?;
//! let dir = tempfile::tempdir()?;
//! let store = charm_reactive_store::Store::open(dir.path().join("unit.sled"))?;
//! let mut juju = charm_reactive::backend::MemoryBackend::new(charm_reactive::backend::Model::new("app/0"));
//! let outcome = run_hook(Arc::new(registry), &store, HookInfo::new("install", "app/0"), &mut juju);
//! assert!(outcome.committed);
//! assert_eq!(outcome.invoked, ["install", "configure"]);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! ## Modules
//!
//! A hook, from the outside in:
//!
//! - `entry`: a charm binary's `main`: Juju's environment in, one hook, exit status out.
//! - `runtime`: one hook end to end ([`run_hook`]): start-up, dispatch, one commit.
//! - `dispatch`: the dispatch loop and its state (phase, FlagWatch, re-tests, stats).
//! - `session`: the unit's state for one hook: transaction, flags, application scope, log.
//! - `context`: [`Context`], a handler's view of the hook.
//! - [`condition`]: what a handler waits for, and its test.
//! - `flag_watch`: charms.reactive's FlagWatch.
//! - `trigger`: triggers, and their firing with its cycle cap.
//! - `tracer`: charms.reactive's LogTracer lines and their incremental re-tests.
//! - [`events`]: one structured event per dispatch step.
//! - [`log`]: the juju-log records of a hook, and which lines steps become ([`log::TraceMode`]).
//! - `log_layer`: the `tracing` layer that makes a hook's events juju-log records.
//! - `bookkeeping`: the engine's own store records (phase, only_once, file hashes).
//! - `flags`: the flags of one hook, loaded once and written back as a diff.
//! - [`app_scope`]: application flags and values in leader settings.
//! - [`unit_state`]: where the unit store lives (charm dir or Juju's unit state).
//! - [`dying`]: the flag that says this unit is going away.
//!
//! What a charm declares:
//!
//! - `handler`: handlers (id, conditions, function); `handler_result`: what they return.
//! - [`registry`]: a charm's handlers, triggers and layers, with dispatch's indexes.
//! - [`layer`]: reusable parts of a charm with start and exit steps.
//! - [`endpoint`]: charms.reactive's `Endpoint`, for interface crates.
//! - [`pattern`]: hook patterns with `{a,b}` alternation and `{role:interface}`.
//!
//! Juju:
//!
//! - [`juju`]: the one Juju vocabulary of the workspace (versions, roles,
//!   metadata, limits), shared with the layers, jujusim and the testing crate.
//! - [`backend`]: everything the engine asks of Juju, behind one trait.
//! - [`hook_env`]: the hook context from Juju's environment.
//! - [`metadata`]: a charm's metadata ([`juju::metadata`]).
//! - [`names`]: Juju's name rules.
//!
//! Tools:
//!
//! - [`describe`], [`graph`], [`lint`]: a charm's registry as data, its flag graph, its traps.
//! - [`inspect`]: a unit store's committed state, outside a hook.
//! - [`replay`]: conformance programs, run against charms.reactive's.
//! - `error`: the engine's error type; [`hash`]: content hashes; [`json`]: sorted-key
//!   JSON (compact, and Python's `json.dumps`). Hex is the store's ([`store::hex`]).

#![warn(missing_docs)]

pub mod app_scope;
pub mod backend;
mod bookkeeping;
pub mod condition;
mod context;
pub mod describe;
mod dispatch;
pub mod dying;
pub mod endpoint;
mod entry;
mod error;
pub mod events;
mod flag_watch;
mod flags;
pub mod graph;
mod handler;
mod handler_result;
pub mod hash;
pub mod hook_env;
pub mod inspect;
pub mod json;
pub mod juju;
pub mod layer;
pub mod lint;
pub mod log;
mod log_layer;
pub use juju::metadata;
pub mod names;
pub mod pattern;
pub mod registry;
pub mod replay;
mod runtime;
mod session;
mod tracer;
mod trigger;
pub mod unit_state;

pub use charm_reactive_store as store;
pub use condition::{Condition, Phase, RestrictedHook};
pub use context::{AppData, Context, Kv};
pub use describe::{DeclaredFlags, Description, FlagEffects, DESCRIBE_ENV};
pub use dispatch::{DispatchStats, MAX_ITERATIONS};
pub use dying::{DyingLayer, DYING_FLAG};
pub use entry::{main, run_with, send_log, store_path, Charm, EVENTS_ENV, STORE_ENV};
pub use error::{Conversion, EngineError};
pub use flags::FlagValue;
pub use handler::{Action, Handler};
pub use handler_result::IntoHandlerResult;
pub use layer::Layer;
pub use registry::Registry;
pub use runtime::{run_hook, run_hook_with, HookOutcome, RunOptions, SERIES_UPGRADE_FLAG};
pub use session::HookInfo;
pub use trigger::{Trigger, TriggerOn};
pub use unit_state::UnitStore;

pub use charm_reactive_macros::{
    action, collect_metrics, hook, meter_status_changed, not_unless, only_once, register_trigger,
    when, when_all, when_any, when_file_changed, when_none, when_not, when_not_all,
};

/// What the macros' expansions refer to. Not a public API.
#[doc(hidden)]
pub mod __private {
    pub use anyhow;
    pub use inventory;

    /// charms.reactive's `not_unless` check: warns when a function runs before
    /// its flags are set.
    pub fn not_unless(ctx: &crate::Context<'_>, id: &str, flags: &[&str]) {
        let missing: Vec<&str> = flags
            .iter()
            .copied()
            .filter(|f| !ctx.is_flag_set(f))
            .collect();
        if !missing.is_empty() {
            let plural = if missing.len() > 1 { "s" } else { "" };
            ctx.warn(format!(
                "{id} called before flag{plural}: {}",
                missing.join(", ")
            ));
        }
    }
}
