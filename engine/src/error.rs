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
    /// An application-scope value too large for leader-set.
    #[error("application value {key:?} is {size} bytes, over leader-set's limit of {limit} bytes; keep large data in the unit store or a resource")]
    AppValueTooLarge {
        /// The key.
        key: String,
        /// Its size as a leader-set argument.
        size: usize,
        /// The limit.
        limit: usize,
    },
    /// A write to the application scope by a unit that is not the leader.
    #[error("{what}: this unit is not the leader; only the leader writes application scope (gate the handler on leadership.is_leader)")]
    NotLeader {
        /// What was being written.
        what: String,
    },
    /// A hook tool failed.
    #[error(transparent)]
    Juju(crate::backend::BackendError),
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
    /// Two inventory registrations of one layer name, neither replacing the
    /// other (see [`crate::register_layer!`]).
    #[error("layer {0:?} is registered twice: each layer runs once per hook")]
    DuplicateLayer(String),
    /// A value could not be encoded or decoded.
    #[error("value of {what} cannot be {op}: {reason}")]
    Value {
        /// What the value is (a flag, a key).
        what: String,
        /// Which way it failed.
        op: Conversion,
        /// Why.
        reason: String,
    },
    /// The scratch directory a hook needs could not be created.
    #[error("cannot create the scratch directory of {what}: {source}")]
    Scratch {
        /// What it was for.
        what: &'static str,
        /// Why.
        #[source]
        source: std::io::Error,
    },
}

/// Which way a value failed to convert (the `op` of [`EngineError::Value`]
/// and of [`crate::endpoint::EndpointError::Value`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Conversion {
    /// From a Rust value to stored or sent bytes or text.
    Encoded,
    /// From stored or received bytes or text to a Rust value.
    Decoded,
}

impl std::fmt::Display for Conversion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Conversion::Encoded => "encoded",
            Conversion::Decoded => "decoded",
        })
    }
}

impl EngineError {
    /// [`EngineError::Value`]: `what` cannot be encoded, for `reason`.
    pub(crate) fn encoding(what: impl Into<String>, reason: impl ToString) -> EngineError {
        EngineError::Value {
            what: what.into(),
            op: Conversion::Encoded,
            reason: reason.to_string(),
        }
    }

    /// [`EngineError::Value`]: `what` cannot be decoded, for `reason`.
    pub(crate) fn decoding(what: impl Into<String>, reason: impl ToString) -> EngineError {
        EngineError::Value {
            what: what.into(),
            op: Conversion::Decoded,
            reason: reason.to_string(),
        }
    }
}

impl From<crate::backend::BackendError> for EngineError {
    fn from(e: crate::backend::BackendError) -> Self {
        EngineError::Juju(e)
    }
}
