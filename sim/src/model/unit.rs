//! A unit: its life, status, the uniter's local state and its hook history.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use serde::Serialize;

/// A unit's life, as Juju models it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Life {
    /// Running normally.
    Alive,
    /// Being torn down: relation departures, `stop`, `remove`.
    Dying,
    /// Torn down; its agent has stopped.
    Dead,
}

/// A workload (or application) status.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Status {
    /// `maintenance`, `blocked`, `waiting`, `active`, `unknown`, `error`, `terminated`.
    pub status: String,
    /// Free text.
    pub message: String,
    /// Virtual time it was set.
    pub since_ms: u64,
    /// `charm` when set through `status-set`, `juju` when set by the agent.
    pub set_by: String,
}

impl Status {
    /// A status set by the agent.
    pub fn juju(status: &str, message: &str, since_ms: u64) -> Self {
        Self {
            status: status.into(),
            message: message.into(),
            since_ms,
            set_by: "juju".into(),
        }
    }
}

/// The uniter's view of one relation (its local state).
#[derive(Clone, Debug, Default, Serialize)]
pub struct RelationLocal {
    /// The unit has entered the relation (ran `relation-created` on 2.8+).
    pub created: bool,
    /// Remote units this unit knows, with the settings version it last saw
    /// (`None` between `joined` and the `changed` that always follows).
    pub members: BTreeMap<String, Option<u64>>,
    /// Version of the remote application bag last seen.
    pub app_seen: u64,
    /// `relation-broken` has run.
    pub broken: bool,
}

/// The uniter's persistent local state for a unit.
#[derive(Clone, Debug, Default, Serialize)]
pub struct UniterState {
    /// `install` ran (or, on Kubernetes before 2.8, the unit started).
    pub installed: bool,
    /// `start` ran.
    pub started: bool,
    /// `stop` ran.
    pub stopped: bool,
    /// `remove` ran (2.8+).
    pub remove_ran: bool,
    /// The update-status timer ticked and the hook has not run yet.
    pub update_status_due: bool,
    /// The unit believes it is the leader (ran `leader-elected`).
    pub leader: bool,
    /// Leader-settings version last seen (`None` before the first hook: the initial
    /// watcher event that makes a minion run `leader-settings-changed` once).
    pub leader_settings_seen: Option<u64>,
    /// Config version last seen by `config-changed`.
    pub config_seen: Option<u64>,
    /// Per relation id.
    pub relations: BTreeMap<u32, RelationLocal>,
}

/// One hook run, for history and assertions.
#[derive(Clone, Debug, Serialize)]
pub struct HookRun {
    /// Hook name, e.g. `sse-endpoint-relation-departed`.
    pub hook: String,
    /// `JUJU_RELATION_ID`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub relation: Option<String>,
    /// `JUJU_REMOTE_UNIT`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub remote_unit: Option<String>,
    /// Virtual start time.
    pub at_ms: u64,
    /// `ok`, `failed` or `missing` (no handler: skipped as Juju does).
    pub outcome: String,
    /// Real time the hook process took, from spawn to exit, in microseconds.
    pub wall_us: u64,
    /// Hook-tool calls the hook made, by tool.
    pub tool_calls: BTreeMap<String, usize>,
}

/// A unit of an application.
#[derive(Clone, Debug, Serialize)]
pub struct Unit {
    /// `app/N`.
    pub name: String,
    /// Application name.
    pub app: String,
    /// N.
    pub number: u32,
    /// Alive, dying, dead.
    pub life: Life,
    /// The agent has stopped and the unit is gone from the model (kept here for history).
    pub removed: bool,
    /// Current workload status.
    pub status: Status,
    /// Every status it had, oldest first.
    pub status_history: Vec<Status>,
    /// Its charm dir (shared with the other units of the app in the 2.5 layout).
    pub charm_dir: PathBuf,
    /// Local uniter state.
    pub uniter: UniterState,
    /// Controller-side charm state (`state-set`).
    pub state: BTreeMap<String, String>,
    /// Opened ports (`80/tcp`).
    pub ports: BTreeSet<String>,
    /// The unit has a workload pod (Kubernetes provider id).
    pub has_pod: bool,
    /// Its address (`private-address`).
    pub address: String,
    /// The hook that failed and waits for `resolve`.
    pub error_hook: Option<String>,
    /// Hooks run, oldest first.
    pub hooks: Vec<HookRun>,
    /// The unit that replaced it when its pod was replaced.
    pub replaced_by: Option<String>,
    /// Its leadership tracker runs (stops when the agent stops, except with stale leases).
    pub tracker_running: bool,
}

impl Unit {
    /// A new unit, alive, before any hook.
    pub fn new(app: &str, number: u32, charm_dir: PathBuf, address: String, now: u64) -> Self {
        let status = Status::juju("waiting", "agent initializing", now);
        Self {
            name: format!("{app}/{number}"),
            app: app.into(),
            number,
            life: Life::Alive,
            removed: false,
            status_history: vec![status.clone()],
            status,
            charm_dir,
            uniter: UniterState::default(),
            state: BTreeMap::new(),
            ports: BTreeSet::new(),
            has_pod: false,
            address,
            error_hook: None,
            hooks: Vec::new(),
            replaced_by: None,
            tracker_running: true,
        }
    }

    /// Sets the workload status and records it.
    pub fn set_status(&mut self, status: Status) {
        self.status_history.push(status.clone());
        self.status = status;
    }

    /// The tag used in debug-log lines: `unit-con6-3`.
    pub fn tag(&self) -> String {
        unit_tag(&self.name)
    }
}

/// `con6/3` → `unit-con6-3`.
pub fn unit_tag(name: &str) -> String {
    format!("unit-{}", name.replace('/', "-"))
}
