//! charm-reactive-sim: a simulated Juju controller.
//!
//! `jujusim` runs REAL charm executables, one child process per hook, with
//! Juju's hook environment and Juju's hook tools on `PATH` (one multi-call
//! executable, `jujusim-hook-tool`, behind symlinks), which talk to the
//! controller over a Unix socket. The controller follows the uniter's hook
//! ordering, leadership leases on virtual time and the Kubernetes podspec model
//! (a stateless application gets a new unit for every changed pod spec).
//!
//! The model types in [`model`] are plain data. In-process tests of a charm
//! (State in, event, State out) are the crate `charm-reactive-testing`.

#![warn(missing_docs)]

pub mod charm;
pub mod charm_archive;
pub mod controller;
pub mod flags;
pub mod hookctx;
pub mod html_report;
pub mod model;
pub mod pebble;
pub mod protocol;
pub mod report;
pub mod runner;
pub mod scenario;
pub mod server;
pub mod timeline;
pub mod tools;
/// Juju versions: the engine's one definition (`charm_reactive::juju::version`).
pub use charm_reactive::juju::version;
