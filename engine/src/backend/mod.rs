//! Everything the engine asks of Juju, behind one trait.
//!
//! [`Backend`] is implemented by [`HookTools`], which runs Juju's hook-tool
//! executables with their exact syntax and caches reads within a hook, and by
//! [`MemoryBackend`], an in-memory model with Juju's semantics for unit tests and
//! the in-process simulator. One backend serves one hook: the engine borrows
//! it (`&mut dyn Backend`) while the hook runs.
//!
//! Both record the hook-tool invocations they make (or, in memory, would make)
//! with the same caching, so "hook-tool processes per hook" can be measured on
//! either: see [`Backend::calls`].
//!
//! ```
//! use std::collections::BTreeMap;
//! use charm_reactive::backend::{Backend, BackendError, MemoryBackend, Model};
//!
//! let mut juju = MemoryBackend::new(Model::new("con6/2"));
//! juju.model_mut().leader = false;
//! let settings = BTreeMap::from([("spec-hash".to_string(), Some("abc".to_string()))]);
//! let err = juju.leader_set(&settings).unwrap_err();
//! assert!(matches!(err, BackendError::NotLeader { .. }));
//! assert_eq!(juju.leader_get()?.len(), 0);
//! # Ok::<(), BackendError>(())
//! ```

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use crate::log::Level;

mod error;
mod hook_tools;
mod invocation;
mod memory;
mod model;
mod parse;
mod process;
mod types;

pub use error::BackendError;
pub use hook_tools::{HookTools, DEFAULT_TIMEOUT, TIMEOUT_ENV};
pub use invocation::{
    MAX_ARGUMENT_BYTES, MAX_CALL_BYTES, MAX_STATE_KEY_BYTES, MAX_STATE_VALUE_BYTES,
};
pub use memory::MemoryBackend;
pub use model::{ActionModel, LogEntry, Model, PodSpecRecord, Relation};
pub use types::{
    BindAddress, GoalState, GoalStatus, InterfaceAddress, InvalidRelationId, NetworkInfo, PodSpec,
    PortRange, Protocol, RelationId, SpecTool, Status, StatusState, StatusTarget, ToolCall,
};

/// Everything the engine asks of Juju during one hook.
///
/// Write semantics are Juju's: `status-set`, `leader-set`,
/// `application-version-set` and logs take effect at once; relation data, unit
/// state, ports and pod specs are committed by Juju only if the hook exits 0.
/// Reads see the hook's own pending writes to the unit's relation bags and state.
///
/// In maps given to [`Backend::leader_set`] and the relation setters, `None`
/// deletes a key (Juju also deletes on an empty string).
///
/// `Any` is a supertrait so that code holding only the `&mut dyn Backend` (a
/// handler's [`crate::Context::juju`]) can reach the concrete type, e.g. a
/// test changing a [`MemoryBackend`]'s model in the middle of a hook:
///
/// ```
/// use std::any::Any;
/// use charm_reactive::backend::{Backend, MemoryBackend, Model};
/// let mut memory = MemoryBackend::new(Model::new("app/0"));
/// let juju: &mut dyn Backend = &mut memory;
/// let any: &mut dyn Any = juju;
/// any.downcast_mut::<MemoryBackend>().expect("a MemoryBackend").model_mut().leader = false;
/// assert!(!memory.model().leader);
/// ```
pub trait Backend: std::any::Any {
    /// `juju-log`: one message at a level. Messages longer than one OS argument
    /// are split (one call per piece).
    fn log(&mut self, level: Level, message: &str) -> Result<(), BackendError>;

    /// Several lines in ONE `juju-log` call (joined with newlines), for tracers
    /// that batch their output. Split only if over one OS argument.
    fn log_lines(&mut self, level: Level, lines: &[String]) -> Result<(), BackendError> {
        self.log(level, &lines.join("\n"))
    }

    /// `status-set`: only maintenance, blocked, waiting and active can be set.
    /// [`StatusTarget::Application`] is leader only.
    fn status_set(&mut self, target: StatusTarget, status: &Status) -> Result<(), BackendError>;

    /// `status-get`: the current status. [`StatusTarget::Application`] is leader only.
    fn status_get(&mut self, target: StatusTarget) -> Result<Status, BackendError>;

    /// `application-version-set`.
    fn application_version_set(&mut self, version: &str) -> Result<(), BackendError>;

    /// `config-get --all`: every option, unset ones as `null`. Cached.
    fn config(&mut self) -> Result<Map<String, Value>, BackendError>;

    /// `is-leader`. Cached for the hook (Juju guarantees leadership for 30 s
    /// after a `true`, and a unit once found a minion stays one for the hook).
    fn is_leader(&mut self) -> Result<bool, BackendError>;

    /// `leader-get`: all leader settings. Read at most once per hook; the
    /// hook's own [`Backend::leader_set`] writes are merged in.
    fn leader_get(&mut self) -> Result<BTreeMap<String, String>, BackendError>;

    /// `leader-set` (leader only; immediate, not rolled back). `None` deletes.
    /// Values must fit one OS argument ([`MAX_ARGUMENT_BYTES`]): leader-set has
    /// no `--file`. A large batch is split over several calls.
    fn leader_set(
        &mut self,
        settings: &BTreeMap<String, Option<String>>,
    ) -> Result<(), BackendError>;

    /// `relation-ids <endpoint>`. Cached per endpoint.
    fn relation_ids(&mut self, endpoint: &str) -> Result<Vec<RelationId>, BackendError>;

    /// `relation-list -r <id>`: remote units in scope. Cached per relation.
    fn relation_list(&mut self, rid: &RelationId) -> Result<Vec<String>, BackendError>;

    /// `relation-list -r <id> --app`: the remote application (Juju ≥ 2.8.1;
    /// older Juju gives [`BackendError::Unsupported`]). Cached per relation.
    fn relation_remote_app(&mut self, rid: &RelationId) -> Result<String, BackendError>;

    /// `relation-get -r <id> - <target>`: the whole bag of a unit (`app/0`) or,
    /// for a name without `/`, of an application (`--app`). Cached per
    /// (relation, target); includes this hook's writes to the local bags.
    fn relation_get(
        &mut self,
        rid: &RelationId,
        target: &str,
    ) -> Result<BTreeMap<String, String>, BackendError>;

    /// `relation-set -r <id> --file -`: writes to the local unit's bag.
    fn relation_set(
        &mut self,
        rid: &RelationId,
        data: &BTreeMap<String, Option<String>>,
    ) -> Result<(), BackendError>;

    /// `relation-set -r <id> --app --file -`: writes to the local application's
    /// bag (leader only).
    fn relation_set_app(
        &mut self,
        rid: &RelationId,
        data: &BTreeMap<String, Option<String>>,
    ) -> Result<(), BackendError>;

    /// `pod-spec-set`/`k8s-spec-set --file -` (leader only on Juju ≥ 2.6).
    fn pod_spec_set(&mut self, spec: &PodSpec) -> Result<(), BackendError>;

    /// `state-get`: the unit's controller-side state (Juju ≥ 2.8). Cached;
    /// includes this hook's writes.
    fn state_get(&mut self) -> Result<BTreeMap<String, String>, BackendError>;

    /// `state-set --file -`. Keys ≤ [`MAX_STATE_KEY_BYTES`], values ≤
    /// [`MAX_STATE_VALUE_BYTES`], checked before calling.
    fn state_set(&mut self, values: &BTreeMap<String, String>) -> Result<(), BackendError>;

    /// `state-delete <key>`.
    fn state_delete(&mut self, key: &str) -> Result<(), BackendError>;

    /// `goal-state`. Cached.
    fn goal_state(&mut self) -> Result<GoalState, BackendError>;

    /// `network-get <binding> [-r <id>]`. Cached per (binding, relation).
    fn network_get(
        &mut self,
        binding: &str,
        rid: Option<&RelationId>,
    ) -> Result<NetworkInfo, BackendError>;

    /// `open-port`.
    fn open_port(&mut self, port: &PortRange) -> Result<(), BackendError>;

    /// `close-port`.
    fn close_port(&mut self, port: &PortRange) -> Result<(), BackendError>;

    /// `opened-ports`: committed ports only (not this hook's pending changes).
    fn opened_ports(&mut self) -> Result<Vec<PortRange>, BackendError>;

    /// `action-get`: the action's parameters. Cached.
    fn action_get(&mut self) -> Result<Value, BackendError>;

    /// `action-set k=v ...`: dotted keys nest.
    fn action_set(&mut self, results: &BTreeMap<String, String>) -> Result<(), BackendError>;

    /// `action-fail`.
    fn action_fail(&mut self, message: &str) -> Result<(), BackendError>;

    /// `action-log`.
    fn action_log(&mut self, message: &str) -> Result<(), BackendError>;

    /// The hook-tool invocations attempted so far, in order (cached reads make
    /// none; a call that failed, timed out or found no tool is included).
    fn calls(&self) -> &[ToolCall];

    /// How many invocations of each tool were made.
    fn call_counts(&self) -> BTreeMap<String, usize> {
        let mut counts = BTreeMap::new();
        for c in self.calls() {
            *counts.entry(c.tool.clone()).or_insert(0) += 1;
        }
        counts
    }
}

/// The application of a unit name: `con6/3` → `con6`.
pub fn application_of(unit: &str) -> &str {
    unit.split_once('/').map_or(unit, |(app, _)| app)
}
