//! The context of one running hook: who runs it, what it sees, and the writes
//! that Juju buffers until the hook exits 0.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::model::ActionRun;

/// Whose relation bag a write goes to.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum BagOwner {
    /// The unit's own bag.
    Unit(String),
    /// The application's bag (leader only).
    App(String),
}

/// A `pod-spec-set` waiting for the commit.
#[derive(Clone, Debug, PartialEq)]
pub struct PendingSpec {
    /// The spec text.
    pub text: String,
    /// Parsed form.
    pub value: Value,
    /// Set by a unit that was not the leader (Juju 2.5 let it through).
    pub by_non_leader: bool,
}

/// The context of a running hook.
#[derive(Clone, Debug, Default)]
pub struct HookContext {
    /// Hook-tool requests served in this context, by tool name.
    pub tool_calls: BTreeMap<String, usize>,
    /// `JUJU_CONTEXT_ID`; requests with another id are rejected.
    pub id: String,
    /// The unit running the hook.
    pub unit: String,
    /// Its application.
    pub app: String,
    /// Hook name.
    pub hook: String,
    /// The hook's relation id (relation hooks).
    pub relation_id: Option<u32>,
    /// `JUJU_REMOTE_UNIT`.
    pub remote_unit: Option<String>,
    /// `JUJU_REMOTE_APP`.
    pub remote_app: Option<String>,
    /// `JUJU_DEPARTING_UNIT`.
    pub departing_unit: Option<String>,
    /// Members of the hook's relation as this hook sees them (joined adds the
    /// remote unit, departed already removed it).
    pub hook_members: Option<Vec<String>>,
    /// Once `is-leader` answered false it stays false for the hook (Juju caches `isMinion`).
    pub minion: bool,
    /// Leader settings read once per hook, refreshed after the unit's own `leader-set`.
    pub leader_settings: Option<BTreeMap<String, String>>,
    /// Pending relation writes per (relation id, bag).
    pub relation_writes: BTreeMap<(u32, BagOwner), BTreeMap<String, Option<String>>>,
    /// Pending `state-set`/`state-delete`.
    pub state_writes: BTreeMap<String, Option<String>>,
    /// Pending `open-port` (true) / `close-port` (false).
    pub port_writes: Vec<(bool, String)>,
    /// Pending pod spec.
    pub pod_spec: Option<PendingSpec>,
    /// The action being run, when this context runs one.
    pub action: Option<ActionRun>,
}
