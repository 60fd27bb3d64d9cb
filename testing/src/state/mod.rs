//! [`State`]: everything one unit's hook can see and change, as plain data.
//!
//! A state goes into [`crate::Context::run`] and a new one comes out; the input
//! is never changed. Unit flags, unit key/values and flag values are kept as the
//! unit store keeps them (charm-reactive's value codec: a format byte, then
//! postcard, which is not self-describing), so they are written and read through
//! typed helpers: [`State::with_kv`] and [`State::kv`], [`State::with_flag_value`]
//! and [`State::flag_value`]. Application values are JSON, as in leader settings.
//!
//! Each kind of thing in the world is one module here: its fields' builders
//! and readers on [`State`], and a [`Kind`] saying how it reaches the hook
//! (the in-memory Juju or the unit store) and comes back. Adding a kind
//! (secrets, storage, containers, ...) is a new module, its fields on
//! [`State`], and one line in [`KINDS`].

use std::collections::{BTreeMap, BTreeSet};

use charm_reactive::backend::{GoalState, Model, NetworkInfo, PodSpec, PortRange, Status};
use charm_reactive::store::{codec, Store};
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{Map, Value};

use crate::check::Plan;
use crate::error::HarnessError;

mod app_scope;
mod model_info;
mod pod_spec;
mod ports;
mod relations;
mod statuses;
mod unit_state;
mod unit_store;

pub use relations::{Bag, Relation};

/// The Juju version a state has unless told otherwise (as jujusim's).
pub const DEFAULT_JUJU_VERSION: &str = "2.8.0";

/// One unit's world before (or after) a hook.
#[derive(Debug, Clone, PartialEq)]
pub struct State {
    /// The unit, `<application>/<number>`.
    pub unit: String,
    /// Whether the unit is the leader.
    pub leader: bool,
    /// Charm config. With a `config.yaml` (see [`crate::Context::with_config_yaml`])
    /// options not given here take their defaults.
    pub config: Map<String, Value>,
    /// The Juju agent's version, `major.minor[.patch]`.
    pub juju_version: String,
    /// The relations the unit is in.
    pub relations: Vec<Relation>,
    /// The unit's workload status.
    pub unit_status: Status,
    /// The application's status.
    pub app_status: Status,
    /// The last `application-version-set`.
    pub workload_version: Option<String>,
    /// Unit flags with their stored values (`None`: a flag without value;
    /// `Some`: the value codec's bytes).
    pub flags: BTreeMap<String, Option<Vec<u8>>>,
    /// The unit's key/values (`ctx.kv()`), as the value codec's bytes.
    pub kv: BTreeMap<String, Vec<u8>>,
    /// The engine's own bookkeeping in the unit store (`internal/...` keys:
    /// dispatch phase, `only_once`, `data_changed`, file hashes). Opaque; carry
    /// it from one output into the next input to chain hooks faithfully.
    pub internal: BTreeMap<String, Vec<u8>>,
    /// Application flags (names without `app:`) with their stored values.
    pub app_flags: BTreeMap<String, Option<Vec<u8>>>,
    /// Application key/values (`ctx.app()`), as JSON.
    pub app_kv: BTreeMap<String, Value>,
    /// Leader settings outside the application scope's keys.
    pub leader_settings: BTreeMap<String, String>,
    /// The application's current pod spec.
    pub pod_spec: Option<PodSpec>,
    /// Committed open ports.
    pub opened_ports: BTreeSet<PortRange>,
    /// The unit's controller-side state (`state-get`/`state-set`, Juju ≥ 2.8).
    pub unit_state: BTreeMap<String, String>,
    /// What `goal-state` prints.
    pub goal_state: GoalState,
    /// What `network-get <binding>` prints, per binding.
    pub networks: BTreeMap<String, NetworkInfo>,
}

/// One kind of thing in a unit's world: how it reaches the hook and how it
/// comes back. Implemented by a unit struct in the kind's module.
pub(crate) trait Kind: Sync {
    /// Puts the state's part into the world the hook sees.
    fn seed(&self, state: &State, world: &mut Seeding<'_>) -> Result<(), HarnessError>;
    /// Reads the part back after the hook into `out` (a copy of the input).
    fn read(&self, ended: &Ended<'_>, out: &mut State) -> Result<(), HarnessError>;
}

/// What a kind writes into before the hook.
pub(crate) struct Seeding<'a> {
    /// The checked event.
    pub(crate) plan: &'a Plan,
    /// The in-memory Juju.
    pub(crate) model: &'a mut Model,
    /// The unit store.
    pub(crate) store: &'a Store,
}

/// What a kind reads from after the hook.
pub(crate) struct Ended<'a> {
    /// The state the hook started from.
    pub(crate) input: &'a State,
    /// The checked event.
    pub(crate) plan: &'a Plan,
    /// The in-memory Juju after the hook ended.
    pub(crate) model: &'a Model,
    /// The unit store.
    pub(crate) store: &'a Store,
    /// Whether the hook succeeded.
    pub(crate) success: bool,
}

/// Every kind, in seeding order.
pub(crate) const KINDS: &[&dyn Kind] = &[
    &app_scope::AppScope,
    &relations::Relations,
    &statuses::Statuses,
    &pod_spec::PodSpecs,
    &unit_state::UnitState,
    &ports::Ports,
    &model_info::ModelInfo,
    &unit_store::UnitStore,
];

/// Encodes a value as the unit store does.
///
/// # Panics
///
/// If postcard cannot encode the value (a sequence of unknown length): a bug in
/// the test's input, reported with the key.
fn encode<T: Serialize + ?Sized>(what: &str, value: &T) -> Vec<u8> {
    codec::encode(value).unwrap_or_else(|e| panic!("{what}: cannot encode the value: {e}"))
}

fn decode<T: DeserializeOwned>(what: String, bytes: &[u8]) -> Result<T, HarnessError> {
    codec::decode(bytes).map_err(|e| HarnessError::Decode {
        what,
        reason: e.to_string(),
    })
}

impl State {
    /// A unit with nothing set: not leader, statuses `unknown`, no relations,
    /// no flags, Juju [`DEFAULT_JUJU_VERSION`].
    pub fn new(unit: impl Into<String>) -> State {
        State {
            unit: unit.into(),
            leader: false,
            config: Map::new(),
            juju_version: DEFAULT_JUJU_VERSION.to_owned(),
            relations: Vec::new(),
            unit_status: statuses::unknown(),
            app_status: statuses::unknown(),
            workload_version: None,
            flags: BTreeMap::new(),
            kv: BTreeMap::new(),
            internal: BTreeMap::new(),
            app_flags: BTreeMap::new(),
            app_kv: BTreeMap::new(),
            leader_settings: BTreeMap::new(),
            pod_spec: None,
            opened_ports: BTreeSet::new(),
            unit_state: BTreeMap::new(),
            goal_state: GoalState::default(),
            networks: BTreeMap::new(),
        }
    }

    /// The local application (`con6` for `con6/3`).
    pub fn app(&self) -> &str {
        charm_reactive::backend::application_of(&self.unit)
    }

    /// With leadership set to `leader`.
    pub fn with_leader(mut self, leader: bool) -> State {
        self.leader = leader;
        self
    }

    /// With a config option set.
    pub fn with_config(mut self, key: impl Into<String>, value: impl Into<Value>) -> State {
        self.config.insert(key.into(), value.into());
        self
    }

    /// With the Juju agent's version (`2.7.0`).
    pub fn with_juju_version(mut self, version: impl Into<String>) -> State {
        self.juju_version = version.into();
        self
    }

    /// A fresh state for `unit` that keeps only what the application shares:
    /// application flags and values, raw leader settings, config, application
    /// status, workload version, pod spec and Juju version. What a replacement
    /// unit (a new unit name after a pod spec change) starts from.
    pub fn replacement(&self, unit: impl Into<String>) -> State {
        State {
            config: self.config.clone(),
            app_status: self.app_status.clone(),
            workload_version: self.workload_version.clone(),
            app_flags: self.app_flags.clone(),
            app_kv: self.app_kv.clone(),
            leader_settings: self.leader_settings.clone(),
            pod_spec: self.pod_spec.clone(),
            juju_version: self.juju_version.clone(),
            ..State::new(unit)
        }
    }
}
