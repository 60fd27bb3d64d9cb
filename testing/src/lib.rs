//! charm-reactive-testing: test a charm in-process, in the spirit of ops'
//! Scenario: describe a unit's world as a [`State`], run one [`Event`] through
//! the real engine with [`Context::run`], and check the [`Output`]: the new
//! state and what the hook did (juju-log lines, status history, hook-tool calls,
//! handlers invoked).
//!
//! Nothing is mocked inside the engine: the hook runs with
//! `charm_reactive::run_hook` against an in-memory Juju
//! (`charm_reactive::backend::MemoryBackend`, Juju's hook-tool semantics) and a
//! real unit store in a temporary directory. Inputs Juju could never produce (a
//! relation of an endpoint metadata.yaml does not declare, a remote unit not in
//! the relation, an action no handler takes, ...) are refused with a
//! [`HarnessError`] before anything runs.
//!
//! ```
//! use std::sync::Arc;
//! use charm_reactive::backend::{Backend, Status, StatusState, StatusTarget};
//! use charm_reactive::{Handler, Registry};
//! use charm_reactive_testing::{Context, Event, Relation, State};
//!
//! let registry = Registry::builder()
//!     .handler(Handler::new("connect", |ctx| {
//!         let host = ctx.juju().relation_get(&"db:1".parse()?, "pg/0")?["host"].clone();
//!         ctx.kv().set("db-host", &host)?;
//!         ctx.set_flag("db.connected");
//!         ctx.juju().status_set(StatusTarget::Unit, &Status::new(StatusState::Active, "ready"))?;
//!         Ok(())
//!     }).when_all(["db.joined"]).when_not(["db.connected"]))
//!     .build()?;
//! let ctx = Context::new(Arc::new(registry), "name: web\nrequires:\n  db:\n    interface: pgsql\n")?;
//!
//! let state = State::new("web/0")
//!     .with_flag("db.joined")
//!     .with_relation(Relation::new("db", 1, "pg").with_remote_unit("pg/0", [("host", "10.0.0.9")]));
//! let out = ctx.run(Event::relation_changed(1, "pg/0"), state)?;
//!
//! assert!(out.succeeded());
//! assert!(out.state.has_flag("db.connected"));
//! assert_eq!(out.state.kv::<String>("db-host")?.as_deref(), Some("10.0.0.9"));
//! assert_eq!(out.unit_status_history, [Status::new(StatusState::Active, "ready")]);
//!
//! // An inconsistent input is refused:
//! let err = ctx.run(Event::relation_changed(1, "pg/7"), out.state).unwrap_err();
//! assert!(err.to_string().contains("remote unit \"pg/7\" is not in relation db:1"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

//!
//! Beside the Scenario-style [`Context`], [`unit`](mod@unit) runs one unit hook after
//! hook (against the in-memory Juju or the real hook-tool backend over a fake
//! hook tool), and [`fuzz`] gives property tests a seeded, bounded runner.
//!
//! Modules:
//! - `context`: [`Context`], runs one event against a state through the engine
//! - `state`: [`State`], one module per kind of thing in the unit's world
//! - `event`: [`Event`], the hook, relation hook or action to run
//! - `output`: [`Output`], the new state and what the hook did
//! - `check`: refuses inputs Juju could never produce
//! - `charm`: what metadata.yaml and config.yaml declare
//! - `world`: the state as the hook's world (in-memory Juju, unit store) and back
//! - `error`: [`HarnessError`]
//! - [`unit`](mod@unit): a unit run hook after hook, for layer and engine-level tests
//! - [`fuzz`]: the seeded proptest configuration
//! - [`hostile`]: hostile relation and config values, for the checks a charm makes

#![warn(missing_docs)]

mod charm;
mod check;
mod context;
mod error;
mod event;
pub mod fuzz;
pub mod hostile;
mod output;
mod state;
pub mod unit;
mod world;

pub use context::Context;
pub use error::HarnessError;
pub use event::{Event, RelationHook};
pub use output::Output;
pub use state::{Bag, Relation, State, DEFAULT_JUJU_VERSION};
