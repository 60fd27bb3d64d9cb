use charm_reactive_store::StoreError;

/// What can fail in a hook run by the engine.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EngineError {
    /// A handler returned an error; the hook commits nothing.
    #[error("handler {id} failed: {source:#}")]
    Handler {
        /// The handler's id.
        id: String,
        /// Its error.
        #[source]
        source: anyhow::Error,
    },
    /// A layer's start or exit step failed; the hook commits nothing.
    #[error("layer {layer} failed in {step}: {source:#}")]
    Layer {
        /// The layer's name.
        layer: String,
        /// `at_start` or `at_exit`.
        step: &'static str,
        /// Its error.
        #[source]
        source: anyhow::Error,
    },
    /// The unit store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A flag name that cannot be stored.
    #[error("invalid flag name {flag:?}: {reason}")]
    InvalidFlag {
        /// The name.
        flag: String,
        /// Why.
        reason: &'static str,
    },
    /// Triggers that fire each other forever. charms.reactive recurses until
    /// Python's RecursionError; this engine detects the cycle instead.
    #[error("cyclic triggers: {}", .cycle.join(" -> "))]
    TriggerCycle {
        /// The transitions of the cycle, e.g. `set a`, `cleared b`, `set a`.
        cycle: Vec<String>,
    },
    /// A trigger with nothing to do.
    #[error("invalid trigger: {0}")]
    InvalidTrigger(String),
    /// Two handlers with one id.
    #[error("duplicate handler id {0:?}")]
    DuplicateHandler(String),
    /// A value could not be encoded or decoded.
    #[error("value of {what} cannot be {op}: {reason}")]
    Value {
        /// What the value is (a flag, a key).
        what: String,
        /// `encoded` or `decoded`.
        op: &'static str,
        /// Why.
        reason: String,
    },
}
