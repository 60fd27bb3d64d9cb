//! [`Output`]: the state after a hook, and what the hook did on the way.

use charm_reactive::backend::{ActionModel, PodSpecRecord, Status, ToolCall};
use charm_reactive::log::Level;
use charm_reactive::EngineError;

use crate::state::State;

/// The result of [`crate::Context::run`].
///
/// A failing hook is an output too (`error` is set, `committed` false): as in
/// Juju, its unit store, relation data, unit state, ports and pod spec are left
/// as they were, while what Juju applies at once stays applied (status-set,
/// application-version-set, juju-log, and leader-set run by hand through
/// `ctx.juju()`; the engine's own leader-set happens only on success). A
/// departed unit or broken relation stays in the state of a failed hook, so
/// that the same event can be run again, as Juju retries it.
#[derive(Debug)]
pub struct Output {
    /// The state after the hook.
    pub state: State,
    /// Every `juju-log` line, in the order Juju received them: the handlers'
    /// direct `ctx.juju().log(..)` calls during the hook, then the engine's
    /// records (`ctx.log`, tracer, `Invoking reactive handler`, `Hook error`),
    /// one entry per record (the engine batches them into fewer calls; see
    /// [`Output::tool_calls`]).
    pub juju_log: Vec<(Level, String)>,
    /// Unit statuses set by the hook, in order.
    pub unit_status_history: Vec<Status>,
    /// Application statuses set by the hook, in order.
    pub app_status_history: Vec<Status>,
    /// `application-version-set` calls, in order.
    pub workload_version_history: Vec<String>,
    /// Pod specs committed by the hook (none if it failed).
    pub pod_spec_history: Vec<PodSpecRecord>,
    /// Every hook-tool invocation the charm would have made, in order, with the
    /// real backend's read caching (cached reads make none).
    pub tool_calls: Vec<ToolCall>,
    /// Handler ids entered, in order (a failing one included).
    pub invoked: Vec<String>,
    /// Why the hook failed.
    pub error: Option<EngineError>,
    /// Whether the unit store was committed (the hook succeeded).
    pub committed: bool,
    /// The action's outcome: results (`action-set`, dotted keys), failure
    /// message (`action-fail`, also set when the hook failed), `action-log` lines.
    pub action: Option<ActionModel>,
}

impl Output {
    /// Whether the hook succeeded.
    pub fn succeeded(&self) -> bool {
        self.error.is_none()
    }

    /// Whether a juju-log line contains `needle`.
    pub fn log_contains(&self, needle: &str) -> bool {
        self.juju_log.iter().any(|(_, line)| line.contains(needle))
    }

    /// The invocations of one hook tool, in order.
    pub fn calls_of(&self, tool: &str) -> Vec<&ToolCall> {
        self.tool_calls.iter().filter(|c| c.tool == tool).collect()
    }
}
