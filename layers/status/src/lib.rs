//! # charm-reactive-status
//!
//! layer-status (`juju-solutions/layer-status`) for charm-reactive: statuses set
//! by several handlers and layers in one hook are resolved into one, and a
//! unit that is going away never announces `blocked` or `waiting`.
//!
//! | call | effect |
//! |---|---|
//! | [`maintenance`] / [`maint`] | `status-set maintenance <msg>` **at once** (never queued) |
//! | [`blocked`], [`waiting`], [`active`] | queued; at the end of a successful hook ONE `status-set`: the first state with entries in the order **blocked > waiting > active** |
//! | several entries of that state | the charm's own calls win over layers' ([`status_set_by`]); among layers, the later in [`StatusLayer::with_layer_order`] wins; then the most recent call |
//! | [`blocked`] / [`waiting`] on a dying unit ([`DYING_FLAG`] set) | nothing is set; a WARNING `suppressed blocked status on dying unit <unit>: <msg>` is logged |
//!
//! The layer sets no flags (layer-status sets none either).
//!
//! The layer's exit step runs after every other layer's exit step
//! ([`Layer::exit_order`]), so a status another layer sets at exit is queued
//! too.
//!
//! A hook that fails applies no queued status (Juju shows the hook error);
//! maintenance statuses it set before failing stay, because `status-set` takes
//! effect at once in Juju and cannot be rolled back. When the layer is not
//! running (a registry without it, a restricted hook, or a call after its exit
//! step) a status is applied at once, as layer-status does when it is not
//! initialized or already finalized.
//!
//! ```
//! charm_reactive_status::init();
//! let registry = charm_reactive::Registry::from_inventory()?;
//! assert!(registry.layers().iter().any(|l| l.name() == "status"));
//! # Ok::<(), charm_reactive::EngineError>(())
//! ```

use std::fmt;
use std::str::FromStr;

use charm_reactive::backend::{Status, StatusState, StatusTarget};
use charm_reactive::log::Level;
use charm_reactive::{Context, EngineError, Layer, DYING_FLAG};
use serde::{Deserialize, Serialize};

/// A workload state a charm sets, in layer-status' precedence order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum WorkloadState {
    /// Busy: applied at once.
    Maintenance,
    /// Needs a human: wins over waiting and active.
    Blocked,
    /// Waits for something outside the unit: wins over active.
    Waiting,
    /// Ready.
    Active,
}

impl WorkloadState {
    /// The word `status-set` takes.
    pub fn as_str(self) -> &'static str {
        self.status_state().as_str()
    }

    fn status_state(self) -> StatusState {
        match self {
            WorkloadState::Maintenance => StatusState::Maintenance,
            WorkloadState::Blocked => StatusState::Blocked,
            WorkloadState::Waiting => StatusState::Waiting,
            WorkloadState::Active => StatusState::Active,
        }
    }
}

impl fmt::Display for WorkloadState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for WorkloadState {
    type Err = StatusError;

    /// `maintenance`, `blocked`, `waiting` or `active` (layer-status'
    /// `WorkloadState(value)`; anything else is an error).
    fn from_str(s: &str) -> Result<Self, StatusError> {
        Ok(match s {
            "maintenance" => WorkloadState::Maintenance,
            "blocked" => WorkloadState::Blocked,
            "waiting" => WorkloadState::Waiting,
            "active" => WorkloadState::Active,
            other => return Err(StatusError::InvalidState(other.to_owned())),
        })
    }
}

/// What can go wrong when setting a status.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StatusError {
    /// Not a workload state a charm can set.
    #[error(
        "{0:?} is not a valid WorkloadState (expected maintenance, blocked, waiting or active)"
    )]
    InvalidState(String),
    /// The unit store failed.
    #[error(transparent)]
    Engine(#[from] EngineError),
}

/// One queued status.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Entry {
    state: WorkloadState,
    /// The layer that set it; `None` for the charm itself.
    layer: Option<String>,
    message: String,
}

/// The hook's queued statuses, in the hook's scratch space
/// ([`Context::extension`]): dropped with the hook, so never stored. `None`
/// before the layer's start step opens the queue and after its exit step
/// finalizes it, when statuses apply at once.
#[derive(Debug, Default)]
struct Queue(Option<Vec<Entry>>);

/// The layer: opens the hook's status queue at start, applies it at exit.
///
/// ```
/// use charm_reactive_status::StatusLayer;
/// // Among layers' statuses of one state, "docker-resource" wins over "http".
/// let layer = StatusLayer::with_layer_order(["http", "docker-resource"]);
/// let registry = charm_reactive::Registry::builder().layer(layer).build()?;
/// # Ok::<(), charm_reactive::EngineError>(())
/// ```
#[derive(Debug, Clone, Default)]
pub struct StatusLayer {
    layer_order: Vec<String>,
}

impl StatusLayer {
    /// The layer with no layer order: every layer ranks the same, below the
    /// charm.
    pub fn new() -> StatusLayer {
        StatusLayer::default()
    }

    /// The layer ranking layers' statuses of one state by this order (later
    /// wins; unlisted layers rank first), as layer-status ranks by `layer.yaml`
    /// `includes`. The charm's own statuses always rank last (win).
    pub fn with_layer_order<S: Into<String>>(order: impl IntoIterator<Item = S>) -> StatusLayer {
        StatusLayer {
            layer_order: order.into_iter().map(Into::into).collect(),
        }
    }

    fn rank(&self, layer: Option<&str>) -> usize {
        match layer {
            None => self.layer_order.len() + 1,
            Some(l) => self
                .layer_order
                .iter()
                .position(|o| o == l)
                .map_or(0, |i| i + 1),
        }
    }

    /// layer-status' `_finalize`: one status-set for the winning entry.
    fn finalize(&self, ctx: &mut Context<'_>, entries: Vec<Entry>) {
        let dying = ctx.is_flag_set(DYING_FLAG);
        for state in [
            WorkloadState::Blocked,
            WorkloadState::Waiting,
            WorkloadState::Active,
        ] {
            let mut of_state: Vec<&Entry> = entries
                .iter()
                .filter(|e| e.state == state && !(dying && suppressed(state)))
                .collect();
            // Stable: equal ranks keep call order, and the last one wins.
            of_state.sort_by_key(|e| self.rank(e.layer.as_deref()));
            if let Some(winner) = of_state.last() {
                apply(ctx, state, &winner.message);
                return;
            }
        }
    }
}

impl Layer for StatusLayer {
    fn name(&self) -> &'static str {
        "status"
    }

    fn order(&self) -> i32 {
        90
    }

    /// The status layer stays quiet on a dying unit.
    fn declared_flags(&self) -> charm_reactive::DeclaredFlags {
        charm_reactive::DeclaredFlags {
            reads: vec![DYING_FLAG.into()],
            ..Default::default()
        }
    }

    /// Last of all exit steps: statuses other layers set in their own exit
    /// steps are queued like any other and compete for the hook's one
    /// `status-set`, instead of being applied at once after it.
    fn exit_order(&self) -> i32 {
        i32::MAX
    }

    fn at_start(&self, ctx: &mut Context<'_>) -> anyhow::Result<()> {
        ctx.extension::<Queue>().0 = Some(Vec::new());
        Ok(())
    }

    fn at_exit(&self, ctx: &mut Context<'_>) -> anyhow::Result<()> {
        let entries = ctx.extension::<Queue>().0.take().unwrap_or_default();
        self.finalize(ctx, entries);
        Ok(())
    }
}

charm_reactive::register_layer!(default: StatusLayer::new());

/// Makes sure this crate, and so its [`StatusLayer`] registration, is linked
/// into the charm binary (the linker may drop a dependency nothing refers to).
/// Call it once, refer to any item of the crate, or write
/// `use charm_reactive_status as _;`.
#[inline(never)]
pub fn init() {
    // The registration lives in this module, so in the object this function
    // is compiled into: referring to the function keeps both.
    std::hint::black_box(());
}

/// States a dying unit must not announce: they tell the operator to act, and
/// a unit being torn down (a replaced pod, a departing unit) has nothing to ask.
fn suppressed(state: WorkloadState) -> bool {
    matches!(state, WorkloadState::Blocked | WorkloadState::Waiting)
}

/// `status-set` now, logged as layer-status logs it. A failing `status-set` is
/// logged and ignored, as layer-status ignores its exit code.
fn apply(ctx: &mut Context<'_>, state: WorkloadState, message: &str) {
    ctx.log(Level::Info, format!("status-set: {state}: {message}"));
    let status = Status::new(state.status_state(), message);
    if let Err(e) = ctx.juju().status_set(StatusTarget::Unit, &status) {
        ctx.warn(format!("status-set {state} failed: {e}"));
    }
}

/// layer-status' `status_set(state, message)`, attributed to the charm.
pub fn status_set(
    ctx: &mut Context<'_>,
    state: WorkloadState,
    message: &str,
) -> Result<(), StatusError> {
    queue(ctx, state, None, message)
}

/// [`status_set`] attributed to a layer, for precedence among statuses of one
/// state (see [`StatusLayer::with_layer_order`]): what layer-status infers
/// from the calling file, which Rust cannot.
pub fn status_set_by(
    ctx: &mut Context<'_>,
    layer: &str,
    state: WorkloadState,
    message: &str,
) -> Result<(), StatusError> {
    queue(ctx, state, Some(layer), message)
}

fn queue(
    ctx: &mut Context<'_>,
    state: WorkloadState,
    layer: Option<&str>,
    message: &str,
) -> Result<(), StatusError> {
    if state == WorkloadState::Maintenance {
        apply(ctx, state, message);
        return Ok(());
    }
    if suppressed(state) && ctx.is_flag_set(DYING_FLAG) {
        let unit = ctx.hook().unit.clone();
        ctx.warn(format!(
            "suppressed {state} status on dying unit {unit}: {message}"
        ));
        return Ok(());
    }
    let entry = Entry {
        state,
        layer: layer.map(str::to_owned),
        message: message.to_owned(),
    };
    match &mut ctx.extension::<Queue>().0 {
        Some(entries) => entries.push(entry),
        // Not initialized (no layer, restricted hook) or already finalized.
        None => apply(ctx, state, message),
    }
    Ok(())
}

/// `status-set maintenance <message>` at once.
pub fn maintenance(ctx: &mut Context<'_>, message: &str) -> Result<(), StatusError> {
    status_set(ctx, WorkloadState::Maintenance, message)
}

/// Shorthand for [`maintenance`].
pub fn maint(ctx: &mut Context<'_>, message: &str) -> Result<(), StatusError> {
    maintenance(ctx, message)
}

/// Queues `blocked` (refused on a dying unit).
///
/// ```no_run
/// use charm_reactive::{when_not, Context};
///
/// #[when_not("endpoint.sse-endpoint.joined")]
/// fn notify_relation_needed(ctx: &mut Context<'_>) -> anyhow::Result<()> {
///     // On con6/2's relation-departed this is suppressed and logged instead.
///     charm_reactive_status::blocked(ctx, "Please add relationship to sse endpoint.")?;
///     Ok(())
/// }
/// ```
pub fn blocked(ctx: &mut Context<'_>, message: &str) -> Result<(), StatusError> {
    status_set(ctx, WorkloadState::Blocked, message)
}

/// Queues `waiting` (refused on a dying unit).
pub fn waiting(ctx: &mut Context<'_>, message: &str) -> Result<(), StatusError> {
    status_set(ctx, WorkloadState::Waiting, message)
}

/// Queues `active`.
pub fn active(ctx: &mut Context<'_>, message: &str) -> Result<(), StatusError> {
    status_set(ctx, WorkloadState::Active, message)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states_parse_and_order_by_precedence() {
        for s in ["maintenance", "blocked", "waiting", "active"] {
            assert_eq!(s.parse::<WorkloadState>().unwrap().as_str(), s);
        }
        let err = "error".parse::<WorkloadState>().unwrap_err();
        assert!(err.to_string().contains("not a valid WorkloadState"));
        assert!(
            WorkloadState::Blocked < WorkloadState::Waiting
                && WorkloadState::Waiting < WorkloadState::Active
        );
    }

    #[test]
    fn the_charm_outranks_layers_and_listed_layers_outrank_unlisted() {
        let layer = StatusLayer::with_layer_order(["basic", "http", "docker-resource"]);
        assert_eq!(layer.rank(None), 4);
        assert_eq!(layer.rank(Some("docker-resource")), 3);
        assert_eq!(layer.rank(Some("basic")), 1);
        assert_eq!(layer.rank(Some("unknown")), 0);
        assert!(StatusLayer::new().rank(None) > StatusLayer::new().rank(Some("any")));
    }
}
