//! [`Model`]: the Juju world [`super::MemoryBackend`] serves, as plain public
//! data that tests and the simulator set up and inspect.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Map, Value};

use super::application_of;
use super::types::{GoalState, NetworkInfo, PortRange, RelationId, SpecTool, Status, StatusState};
use crate::log::Level;

/// What one unit sees of its model, and what its hooks have done to it.
#[derive(Debug, Clone, PartialEq)]
pub struct Model {
    /// The local unit, e.g. `con6/3`.
    pub unit: String,
    /// Whether the unit holds leadership.
    pub leader: bool,
    /// The application's leader settings.
    pub leader_settings: BTreeMap<String, String>,
    /// Charm config as `config-get --all` prints it (unset options as null).
    pub config: Map<String, Value>,
    /// The relations the unit is in.
    pub relations: BTreeMap<RelationId, Relation>,
    /// Every status the unit's hooks set, in order (the current one last).
    pub unit_statuses: Vec<Status>,
    /// Every application status set, in order.
    pub app_statuses: Vec<Status>,
    /// Every `application-version-set`, in order.
    pub application_versions: Vec<String>,
    /// Every committed pod spec, in order.
    pub pod_specs: Vec<PodSpecRecord>,
    /// Juju ≥ 2.6 refuses a non-leader's pod spec (`true`); Juju 2.5 logged a
    /// warning and applied it (`false`).
    pub pod_spec_requires_leader: bool,
    /// The unit's controller-side state (`state-get`).
    pub state: BTreeMap<String, String>,
    /// Every `juju-log` message.
    pub logs: Vec<LogEntry>,
    /// Committed open ports.
    pub opened_ports: BTreeSet<PortRange>,
    /// What `goal-state` prints.
    pub goal_state: GoalState,
    /// What `network-get <binding>` prints, per binding.
    pub networks: BTreeMap<String, NetworkInfo>,
    /// The running action, if this is an action invocation.
    pub action: Option<ActionModel>,
}

impl Model {
    /// A unit with nothing set: not leader, status `unknown`, no relations.
    pub fn new(unit: impl Into<String>) -> Model {
        Model {
            unit: unit.into(),
            leader: false,
            leader_settings: BTreeMap::new(),
            config: Map::new(),
            relations: BTreeMap::new(),
            unit_statuses: Vec::new(),
            app_statuses: Vec::new(),
            application_versions: Vec::new(),
            pod_specs: Vec::new(),
            pod_spec_requires_leader: true,
            state: BTreeMap::new(),
            logs: Vec::new(),
            opened_ports: BTreeSet::new(),
            goal_state: GoalState::default(),
            networks: BTreeMap::new(),
            action: None,
        }
    }

    /// The local application (`con6` for `con6/3`).
    pub fn app(&self) -> &str {
        application_of(&self.unit)
    }

    /// Adds a relation with remote units in scope (each with an empty bag),
    /// and empty bags for the local unit and both applications.
    pub fn add_relation(
        &mut self,
        rid: RelationId,
        remote_app: &str,
        units: &[&str],
    ) -> &mut Relation {
        let mut data = BTreeMap::new();
        for name in units
            .iter()
            .copied()
            .chain([remote_app, self.unit.as_str(), self.app()])
        {
            data.insert(name.to_string(), BTreeMap::new());
        }
        let relation = Relation {
            remote_app: remote_app.to_string(),
            units: units.iter().map(|u| u.to_string()).collect(),
            data,
        };
        self.relations.entry(rid).or_insert(relation)
    }

    /// The unit's current status (`unknown` if never set).
    pub fn unit_status(&self) -> Status {
        self.unit_statuses
            .last()
            .cloned()
            .unwrap_or_else(|| Status::new(StatusState::Unknown, ""))
    }

    /// The application's current status (`unknown` if never set).
    pub fn app_status(&self) -> Status {
        self.app_statuses
            .last()
            .cloned()
            .unwrap_or_else(|| Status::new(StatusState::Unknown, ""))
    }
}

/// One relation as the local unit sees it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Relation {
    /// The remote application (the local one for a peer relation).
    pub remote_app: String,
    /// Remote units in scope (`relation-list`).
    pub units: Vec<String>,
    /// Data bags by unit or application name, the local ones included.
    pub data: BTreeMap<String, BTreeMap<String, String>>,
}

/// The running action.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ActionModel {
    /// The action's name.
    pub name: String,
    /// Its parameters (`action-get`).
    pub params: Value,
    /// Results set with `action-set`, by dotted key.
    pub results: BTreeMap<String, String>,
    /// The `action-fail` message, if it failed.
    pub failed: Option<String>,
    /// `action-log` messages.
    pub logs: Vec<String>,
}

/// A committed pod spec.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PodSpecRecord {
    /// The tool used.
    pub tool: SpecTool,
    /// The spec text.
    pub spec: String,
    /// The `--k8s-resources` text.
    pub k8s_resources: Option<String>,
    /// Set by a unit that was not the leader (possible on Juju 2.5 only).
    pub by_non_leader: bool,
}

/// One `juju-log` message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogEntry {
    /// Its level.
    pub level: Level,
    /// The message.
    pub message: String,
}
