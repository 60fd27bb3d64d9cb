//! Endpoints: charms.reactive's `Endpoint`, the way interface crates talk over
//! relations.
//!
//! An interface crate declares which relations it serves with
//! [`register_endpoint!`](crate::register_endpoint) (an [`EndpointKind`]: a role
//! and an interface). For every relation of the charm's `metadata.yaml` with that
//! role and interface, [`EndpointLayer`] does at the start of every hook what
//! charms.reactive's `Endpoint._startup` does:
//!
//! - reads the relations (`relation-ids`, `relation-list`; string order, so
//!   `db:10` comes before `db:2` and `app/10` before `app/2`);
//! - in the endpoint's `-relation-departed` hook, remembers the departing unit
//!   (see [`Endpoint::all_departed_units`]) and forgets the relation once no unit
//!   is left in it;
//! - maintains the automatic flags: `endpoint.<name>.joined` (some unit in
//!   scope), `endpoint.<name>.departed` (set by a departed hook, cleared by a
//!   later hook while joined), `endpoint.<name>.changed` and
//!   `endpoint.<name>.changed.<key>` (a remote unit's value changed; never
//!   cleared automatically). As in charms.reactive, data is only compared in
//!   the endpoint's own relation hooks, or when `joined` was not set yet.
//!
//! Handlers reach endpoints through the [`crate::Context`]:
//! [`Context::endpoint`](crate::Context::endpoint) by name,
//! [`Context::endpoint_from_flag`](crate::Context::endpoint_from_flag) as
//! charms.reactive's `endpoint_from_flag`, and
//! [`Context::current_endpoint`](crate::Context::current_endpoint) in a handler
//! whose flags contain `{endpoint_name}` (charms.reactive's `self`).
//!
//! Writes to the local bags ([`Relation::to_publish`],
//! [`Relation::to_publish_app`]) are published at the end of a successful hook,
//! one `relation-set --file -` of the whole bag per modified bag; a failing
//! hook publishes nothing.
//!
//! `{endpoint_name}` in handler flags: a handler declared in a file
//! `<...>/<interface>/<role>.rs` (role `provides`, `requires` or `peers`; `_` in
//! the directory name stands for `-`) is registered once per relation of that
//! role and interface, with its id suffixed `:<relation name>` and
//! `{endpoint_name}` replaced by the relation name, by
//! [`Registry::expand_endpoints`](crate::Registry::expand_endpoints). This is
//! charms.reactive's rule for `hooks/relations/<interface>/<role>.py`.
//!
//! ```
//! use charm_reactive::endpoint::{EndpointKind, EndpointLayer, Role};
//! use charm_reactive::pattern::RelationSpec;
//! use charm_reactive::{Handler, Registry};
//!
//! let relations = [RelationSpec::new(Role::Requires, "db", "pgsql")];
//! let registry = Registry::builder()
//!     .layer(EndpointLayer::new([EndpointKind::requires("pgsql")]))
//!     .handler(Handler::new("relations/pgsql/requires.rs:10:joined", |ctx| {
//!         let flag = ctx.current_endpoint()?.expand_name("{endpoint_name}.connected");
//!         ctx.set_flag(&flag);
//!         Ok(())
//!     })
//!     .when_all(["endpoint.{endpoint_name}.joined"]))
//!     .build()?
//!     .expand_endpoints(&relations)?;
//! assert_eq!(registry.handlers()[0].id(), "relations/pgsql/requires.rs:10:joined:db");
//! # Ok::<(), charm_reactive::EngineError>(())
//! ```

mod expand;
mod handle;
mod json;
mod layer;
mod state;
mod view;

pub use handle::{DepartedUnit, Endpoint, RelatedUnit, Relation};
pub use layer::EndpointLayer;
pub use view::DataView;

pub(crate) use expand::expand_handler;

use crate::backend::BackendError;
use crate::pattern::RelationSpec;
use crate::{Context, EngineError};

/// A step an interface runs for each of its endpoints at the start of a hook,
/// with the endpoint as [`Context::current_endpoint`](crate::Context::current_endpoint).
pub type EndpointHook = fn(&mut Context<'_>) -> anyhow::Result<()>;

pub use crate::juju::Role;

/// What an interface crate serves: every relation with this role and
/// interface becomes an endpoint (charms.reactive's `Endpoint` subclass in
/// `<interface>/<role>.py`).
///
/// ```
/// use charm_reactive::endpoint::EndpointKind;
/// fn count_units(ctx: &mut charm_reactive::Context<'_>) -> anyhow::Result<()> {
///     let n = ctx.current_endpoint()?.all_joined_units().len();
///     ctx.kv().set("units", &n)?;
///     Ok(())
/// }
/// charm_reactive::register_endpoint!(EndpointKind::requires("http").with_manage_flags(count_units));
/// ```
#[derive(Debug, Clone, Copy)]
pub struct EndpointKind {
    /// The role.
    pub role: Role,
    /// The interface name, as in `metadata.yaml`.
    pub interface: &'static str,
    /// charms.reactive's `register_triggers()`: runs before the automatic flags
    /// are updated, so triggers registered here see their changes.
    pub register_triggers: Option<EndpointHook>,
    /// charms.reactive's `manage_flags()`: runs after the automatic flags,
    /// unless charms.reactive's early return skipped data comparison.
    pub manage_flags: Option<EndpointHook>,
}

impl EndpointKind {
    /// Relations of `role` with `interface`.
    pub const fn new(role: Role, interface: &'static str) -> EndpointKind {
        EndpointKind {
            role,
            interface,
            register_triggers: None,
            manage_flags: None,
        }
    }

    /// `provides:` relations of `interface`.
    pub const fn provides(interface: &'static str) -> EndpointKind {
        EndpointKind::new(Role::Provides, interface)
    }

    /// `requires:` relations of `interface`.
    pub const fn requires(interface: &'static str) -> EndpointKind {
        EndpointKind::new(Role::Requires, interface)
    }

    /// `peers:` relations of `interface`.
    pub const fn peers(interface: &'static str) -> EndpointKind {
        EndpointKind::new(Role::Peers, interface)
    }

    /// With a `register_triggers` step.
    pub const fn with_register_triggers(mut self, hook: EndpointHook) -> EndpointKind {
        self.register_triggers = Some(hook);
        self
    }

    /// With a `manage_flags` step.
    pub const fn with_manage_flags(mut self, hook: EndpointHook) -> EndpointKind {
        self.manage_flags = Some(hook);
        self
    }

    /// Whether this kind serves the relation `spec`.
    pub fn serves(&self, spec: &RelationSpec) -> bool {
        spec.role == self.role && spec.interface == self.interface
    }
}

inventory::collect!(EndpointKind);

/// Registers an [`EndpointKind`] for [`crate::Registry::from_inventory`], which
/// then adds an [`EndpointLayer`] serving every registered kind.
///
/// ```ignore
/// charm_reactive::register_endpoint!(charm_reactive::endpoint::EndpointKind::requires("sse-endpoint"));
/// ```
#[macro_export]
macro_rules! register_endpoint {
    ($kind:expr) => {
        $crate::__private::inventory::submit! { $kind }
    };
}

/// What endpoint calls can fail with.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EndpointError {
    /// No endpoint of that name in this hook.
    #[error("no endpoint {name:?} in this hook: metadata.yaml has no relation {name:?}, no interface registered its role and interface (register_endpoint!), or this is a restricted hook")]
    NotManaged {
        /// The name asked for.
        name: String,
    },
    /// [`Context::current_endpoint`](crate::Context::current_endpoint) outside an endpoint handler.
    #[error("no current endpoint: only handlers whose flags contain {{endpoint_name}}, and endpoint kinds' steps, run for an endpoint")]
    NoCurrentEndpoint,
    /// A relation id the endpoint does not have.
    #[error("endpoint {endpoint:?} has no relation {relation:?}")]
    UnknownRelation {
        /// The endpoint.
        endpoint: String,
        /// The relation id asked for.
        relation: String,
    },
    /// A unit not in scope on the relation.
    #[error("relation {relation:?} has no joined unit {unit:?}")]
    UnknownUnit {
        /// The relation id.
        relation: String,
        /// The unit asked for.
        unit: String,
    },
    /// A relation value that cannot be encoded or decoded.
    #[error("relation value {key:?} cannot be {op}: {reason}")]
    Value {
        /// The key.
        key: String,
        /// Which way it failed.
        op: crate::error::Conversion,
        /// Why.
        reason: String,
    },
    /// A hook tool failed.
    #[error(transparent)]
    Juju(#[from] BackendError),
    /// The unit store failed.
    #[error(transparent)]
    Engine(#[from] EngineError),
}
