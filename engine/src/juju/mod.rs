//! One vocabulary for Juju, shared by the engine, the layers, the simulator
//! and the testing crate: each of these is defined here and nowhere else.
//!
//! - [`version`]: [`JujuVersion`] and every behaviour that depends on it.
//! - [`relation`]: relation [`Role`]s and the [`RelationSpec`]s of a charm.
//! - [`metadata`]: a charm's [`Metadata`] (`metadata.yaml`, or `charmcraft.yaml`).
//! - [`limits`]: what Juju's hook tools and the OS accept in one call.

pub mod limits;
pub mod metadata;
pub mod relation;
pub mod version;

pub use metadata::{DeploymentKind, Metadata, MetadataError};
pub use relation::{RelationSpec, Role};
pub use version::{JujuVersion, VersionError};
