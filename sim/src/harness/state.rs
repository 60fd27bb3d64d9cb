//! [`State`]: everything one unit's hook can see and change, as plain data.
//!
//! A state goes into [`super::Context::run`] and a new one comes out; the input
//! is never changed. Unit flags, unit key/values and flag values are kept as the
//! unit store keeps them (charm-reactive's value codec: a format byte, then
//! postcard, which is not self-describing), so they are written and read through
//! typed helpers: [`State::with_kv`] and [`State::kv`], [`State::with_flag_value`]
//! and [`State::flag_value`]. Application values are JSON, as in leader settings.

use std::collections::{BTreeMap, BTreeSet};

use charm_reactive::app_scope::APP_FLAG_PREFIX;
use charm_reactive::backend::{GoalState, NetworkInfo, PodSpec, PortRange, Status, StatusState};
use charm_reactive::store::codec;
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{Map, Value};

use super::error::HarnessError;

/// A relation data bag.
pub type Bag = BTreeMap<String, String>;

/// The Juju version a state has unless told otherwise (as jujusim's).
pub const DEFAULT_JUJU_VERSION: &str = "2.8.0";

/// One unit's world before (or after) a hook.
#[derive(Debug, Clone, PartialEq)]
pub struct State {
    /// The unit, `<application>/<number>`.
    pub unit: String,
    /// Whether the unit is the leader.
    pub leader: bool,
    /// Charm config. With a `config.yaml` (see [`super::Context::with_config_yaml`])
    /// options not given here take their defaults.
    pub config: Map<String, Value>,
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
    /// The Juju agent's version, `major.minor[.patch]`.
    pub juju_version: String,
    /// The unit's controller-side state (`state-get`/`state-set`, Juju ≥ 2.8).
    pub unit_state: BTreeMap<String, String>,
    /// What `goal-state` prints.
    pub goal_state: GoalState,
    /// What `network-get <binding>` prints, per binding.
    pub networks: BTreeMap<String, NetworkInfo>,
}

/// One relation as the local unit sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Relation {
    /// The local endpoint (the relation's name in metadata.yaml).
    pub endpoint: String,
    /// The relation id's number (`db:3` → 3), unique in the model.
    pub id: u32,
    /// The remote application (this application for a peer relation).
    pub remote_app: String,
    /// Remote units in scope, with their bags.
    pub remote_units: BTreeMap<String, Bag>,
    /// The remote application's bag (Juju ≥ 2.7; unused for peers).
    pub remote_app_data: Bag,
    /// This unit's bag.
    pub local_unit_data: Bag,
    /// This application's bag (Juju ≥ 2.7; the shared bag of a peer relation).
    pub local_app_data: Bag,
}

fn bag<K: Into<String>, V: Into<String>>(data: impl IntoIterator<Item = (K, V)>) -> Bag {
    data.into_iter()
        .map(|(k, v)| (k.into(), v.into()))
        .collect()
}

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

/// An application flag's name without its `app:` prefix.
fn app_flag_name(flag: &str) -> &str {
    flag.strip_prefix(APP_FLAG_PREFIX).unwrap_or(flag)
}

impl State {
    /// A unit with nothing set: not leader, statuses `unknown`, no relations,
    /// no flags, Juju [`DEFAULT_JUJU_VERSION`].
    pub fn new(unit: impl Into<String>) -> State {
        State {
            unit: unit.into(),
            leader: false,
            config: Map::new(),
            relations: Vec::new(),
            unit_status: Status::new(StatusState::Unknown, ""),
            app_status: Status::new(StatusState::Unknown, ""),
            workload_version: None,
            flags: BTreeMap::new(),
            kv: BTreeMap::new(),
            internal: BTreeMap::new(),
            app_flags: BTreeMap::new(),
            app_kv: BTreeMap::new(),
            leader_settings: BTreeMap::new(),
            pod_spec: None,
            opened_ports: BTreeSet::new(),
            juju_version: DEFAULT_JUJU_VERSION.to_owned(),
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

    /// With a relation added.
    pub fn with_relation(mut self, relation: Relation) -> State {
        self.relations.push(relation);
        self
    }

    /// With the unit's status.
    pub fn with_unit_status(mut self, state: StatusState, message: impl Into<String>) -> State {
        self.unit_status = Status::new(state, message);
        self
    }

    /// With the application's status.
    pub fn with_app_status(mut self, state: StatusState, message: impl Into<String>) -> State {
        self.app_status = Status::new(state, message);
        self
    }

    /// With a workload version.
    pub fn with_workload_version(mut self, version: impl Into<String>) -> State {
        self.workload_version = Some(version.into());
        self
    }

    /// With a unit flag set, without value.
    pub fn with_flag(mut self, flag: impl Into<String>) -> State {
        self.flags.insert(flag.into(), None);
        self
    }

    /// With a unit flag set to a value (`ctx.set_flag_value`).
    ///
    /// # Panics
    ///
    /// If the value cannot be encoded (postcard refuses sequences of unknown length).
    pub fn with_flag_value<T: Serialize + ?Sized>(
        mut self,
        flag: impl Into<String>,
        value: &T,
    ) -> State {
        let flag = flag.into();
        let bytes = encode(&format!("flag {flag:?}"), value);
        self.flags.insert(flag, Some(bytes));
        self
    }

    /// With a unit key/value (`ctx.kv().set`).
    ///
    /// # Panics
    ///
    /// If the value cannot be encoded (postcard refuses sequences of unknown length).
    pub fn with_kv<T: Serialize + ?Sized>(mut self, key: impl Into<String>, value: &T) -> State {
        let key = key.into();
        let bytes = encode(&format!("key {key:?}"), value);
        self.kv.insert(key, bytes);
        self
    }

    /// With an application flag set (name with or without `app:`), without value.
    pub fn with_app_flag(mut self, flag: &str) -> State {
        self.app_flags.insert(app_flag_name(flag).to_owned(), None);
        self
    }

    /// With an application flag set to a value.
    ///
    /// # Panics
    ///
    /// If the value cannot be encoded (postcard refuses sequences of unknown length).
    pub fn with_app_flag_value<T: Serialize + ?Sized>(mut self, flag: &str, value: &T) -> State {
        let bytes = encode(&format!("application flag {flag:?}"), value);
        self.app_flags
            .insert(app_flag_name(flag).to_owned(), Some(bytes));
        self
    }

    /// With an application key/value (`ctx.app()?.set`).
    ///
    /// # Panics
    ///
    /// If the value cannot be serialized as JSON (a map with non-string keys).
    pub fn with_app_value<T: Serialize + ?Sized>(
        mut self,
        key: impl Into<String>,
        value: &T,
    ) -> State {
        let key = key.into();
        let json = serde_json::to_value(value)
            .unwrap_or_else(|e| panic!("application value {key:?}: cannot encode the value: {e}"));
        self.app_kv.insert(key, json);
        self
    }

    /// With a raw leader setting.
    pub fn with_leader_setting(
        mut self,
        key: impl Into<String>,
        value: impl Into<String>,
    ) -> State {
        self.leader_settings.insert(key.into(), value.into());
        self
    }

    /// With the application's pod spec.
    pub fn with_pod_spec(mut self, spec: impl Into<String>) -> State {
        self.pod_spec = Some(PodSpec {
            spec: spec.into(),
            ..PodSpec::default()
        });
        self
    }

    /// With an open port.
    pub fn with_opened_port(mut self, port: PortRange) -> State {
        self.opened_ports.insert(port);
        self
    }

    /// With the Juju agent's version (`2.7.0`).
    pub fn with_juju_version(mut self, version: impl Into<String>) -> State {
        self.juju_version = version.into();
        self
    }

    /// With a key of the unit's controller-side state (`state-get`).
    pub fn with_unit_state(mut self, key: impl Into<String>, value: impl Into<String>) -> State {
        self.unit_state.insert(key.into(), value.into());
        self
    }

    /// The relation with id `id`.
    pub fn relation(&self, id: u32) -> Option<&Relation> {
        self.relations.iter().find(|r| r.id == id)
    }

    /// Whether a unit flag is set.
    pub fn has_flag(&self, flag: &str) -> bool {
        self.flags.contains_key(flag)
    }

    /// A unit flag's value: `Ok(None)` when unset or set without value.
    pub fn flag_value<T: DeserializeOwned>(&self, flag: &str) -> Result<Option<T>, HarnessError> {
        match self.flags.get(flag) {
            Some(Some(bytes)) => decode(format!("flag {flag:?}"), bytes).map(Some),
            _ => Ok(None),
        }
    }

    /// A unit key/value, decoded as a `T`.
    pub fn kv<T: DeserializeOwned>(&self, key: &str) -> Result<Option<T>, HarnessError> {
        match self.kv.get(key) {
            Some(bytes) => decode(format!("key {key:?}"), bytes).map(Some),
            None => Ok(None),
        }
    }

    /// Whether an application flag is set (name with or without `app:`).
    pub fn has_app_flag(&self, flag: &str) -> bool {
        self.app_flags.contains_key(app_flag_name(flag))
    }

    /// An application flag's value: `Ok(None)` when unset or set without value.
    pub fn app_flag_value<T: DeserializeOwned>(
        &self,
        flag: &str,
    ) -> Result<Option<T>, HarnessError> {
        match self.app_flags.get(app_flag_name(flag)) {
            Some(Some(bytes)) => decode(format!("application flag {flag:?}"), bytes).map(Some),
            _ => Ok(None),
        }
    }

    /// An application key/value, decoded as a `T`.
    pub fn app_value<T: DeserializeOwned>(&self, key: &str) -> Result<Option<T>, HarnessError> {
        match self.app_kv.get(key) {
            Some(json) => T::deserialize(json)
                .map(Some)
                .map_err(|e| HarnessError::Decode {
                    what: format!("application value {key:?}"),
                    reason: e.to_string(),
                }),
            None => Ok(None),
        }
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

impl Relation {
    /// A relation `endpoint:id` with `remote_app`, no units and empty bags.
    pub fn new(endpoint: impl Into<String>, id: u32, remote_app: impl Into<String>) -> Relation {
        Relation {
            endpoint: endpoint.into(),
            id,
            remote_app: remote_app.into(),
            remote_units: BTreeMap::new(),
            remote_app_data: Bag::new(),
            local_unit_data: Bag::new(),
            local_app_data: Bag::new(),
        }
    }

    /// With a remote unit in scope and its bag.
    pub fn with_remote_unit<K: Into<String>, V: Into<String>>(
        mut self,
        unit: impl Into<String>,
        data: impl IntoIterator<Item = (K, V)>,
    ) -> Relation {
        self.remote_units.insert(unit.into(), bag(data));
        self
    }

    /// With the remote application's bag.
    pub fn with_remote_app_data<K: Into<String>, V: Into<String>>(
        mut self,
        data: impl IntoIterator<Item = (K, V)>,
    ) -> Relation {
        self.remote_app_data = bag(data);
        self
    }

    /// With this unit's bag.
    pub fn with_local_unit_data<K: Into<String>, V: Into<String>>(
        mut self,
        data: impl IntoIterator<Item = (K, V)>,
    ) -> Relation {
        self.local_unit_data = bag(data);
        self
    }

    /// With this application's bag.
    pub fn with_local_app_data<K: Into<String>, V: Into<String>>(
        mut self,
        data: impl IntoIterator<Item = (K, V)>,
    ) -> Relation {
        self.local_app_data = bag(data);
        self
    }

    /// The relation id as Juju writes it, `endpoint:id`.
    pub fn relation_id(&self) -> String {
        format!("{}:{}", self.endpoint, self.id)
    }
}
