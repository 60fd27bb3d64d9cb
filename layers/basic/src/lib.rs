//! # charm-reactive-basic
//!
//! layer-basic's configuration flags for charm-reactive, with layer-basic's
//! timing (`lib/charms/layer/basic.py`, `init_config_states` at start and
//! `clear_config_states` at exit):
//!
//! | flag | set at the start of a hook when | cleared |
//! |---|---|---|
//! | `config.changed` | any option differs from the end of the last successful hook (every option on the unit's first hook) | at the end of the hook |
//! | `config.changed.<opt>` | `<opt>` differs | at the end of the hook |
//! | `config.set.<opt>` | `<opt>`'s value is true in Python's sense (not `null`, `false`, `0`, `0.0`, `""`, empty) | at the end of the hook |
//! | `config.default.<opt>` | `<opt>` equals its `config.yaml` default (Python `==`) | at the end of the hook |
//!
//! So every `config.*` flag exists only during the hook that computed it, and is
//! computed before the `hooks` phase, so `#[hook]` handlers and triggers see it.
//! A hook that fails commits nothing: its change is detected again on retry.
//!
//! Depending on this crate adds [`BasicLayer`] to [`Registry::from_inventory`];
//! reference the crate once so the linker keeps it:
//!
//! ```
//! charm_reactive_basic::init();
//! let registry = charm_reactive::Registry::from_inventory()?;
//! assert!(registry.layers().iter().any(|l| l.name() == "basic"));
//! # Ok::<(), charm_reactive::EngineError>(())
//! ```
//!
//! [`Registry::from_inventory`]: charm_reactive::Registry::from_inventory

mod config;
mod layer;
mod options;
pub mod pyvalue;

pub use config::{config, Config, PREVIOUS_CONFIG_KEY};
pub use layer::{init, BasicLayer, CHANGED_PREFIX, CONFIG_CHANGED, DEFAULT_PREFIX, SET_PREFIX};
pub use options::ConfigOptions;

use std::path::PathBuf;

/// What can go wrong in the basic layer.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BasicError {
    /// `config.yaml` is not YAML with an `options` map.
    #[error("{path} is not a valid config.yaml: {reason}")]
    ConfigYaml {
        /// The file.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// `config.yaml` cannot be read.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// `config-get` failed.
    #[error("cannot read the charm's configuration: {0}")]
    Juju(#[from] charm_reactive::backend::BackendError),
    /// The unit store failed.
    #[error(transparent)]
    Engine(#[from] charm_reactive::EngineError),
}
