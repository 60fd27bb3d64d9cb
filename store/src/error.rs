use std::path::PathBuf;

/// Everything that can go wrong with a unit store.
///
/// Each variant names the store's path (or the key) and, where there is one, the
/// remedy, because these errors end up in `juju debug-log` where the operator has
/// nothing else to go on.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// Another process holds the store's lock and did not release it in time.
    #[error(
        "unit store {path} is locked by another process (waited {waited_ms} ms); \
         another hook of this unit is still running, or a hung process holds {lock}"
    )]
    Locked {
        /// The store's directory.
        path: PathBuf,
        /// The lock file.
        lock: PathBuf,
        /// How long the open waited for the lock.
        waited_ms: u64,
    },
    /// The store could not be opened: missing permissions, a truncated or garbage
    /// database.
    #[error(
        "unit store {path} cannot be opened: {source}; if the database is corrupt, \
         inspect it with `charm-reactive store verify` and restore an export, do not delete it blindly"
    )]
    Open {
        /// The store's directory.
        path: PathBuf,
        /// What sled reported.
        #[source]
        source: sled::Error,
    },
    /// The store was written by a newer charm-reactive whose format this one does not read.
    #[error(
        "unit store {path} has format version {found}, this charm-reactive reads up to {supported}; \
         upgrade the charm rather than downgrade it"
    )]
    NewerFormat {
        /// The store's directory.
        path: PathBuf,
        /// The version found on disk.
        found: u8,
        /// The newest version this build reads.
        supported: u8,
    },
    /// A value does not decode as the type asked for, or has an unknown format byte.
    #[error("value of key {key:?} in unit store {path} does not decode: {reason}")]
    Decode {
        /// The store's directory.
        path: PathBuf,
        /// The key whose value is bad.
        key: String,
        /// Why it does not decode.
        reason: String,
    },
    /// A value could not be encoded (a serde `Serialize` implementation failed).
    #[error("value for key {key:?} cannot be encoded: {reason}")]
    Encode {
        /// The key being written.
        key: String,
        /// Why it could not be encoded.
        reason: String,
    },
    /// A key that the store cannot hold.
    #[error("invalid store key {key:?}: {reason}")]
    InvalidKey {
        /// The offending key.
        key: String,
        /// Why it is refused.
        reason: &'static str,
    },
    /// Reading, writing or flushing failed.
    #[error("unit store {path}: {op} failed: {source}")]
    Io {
        /// The store's directory.
        path: PathBuf,
        /// What was being done.
        op: &'static str,
        /// The underlying error.
        #[source]
        source: sled::Error,
    },
    /// The lock file could not be created.
    #[error("unit store {path}: cannot create lock file {lock}: {source}")]
    LockFile {
        /// The store's directory.
        path: PathBuf,
        /// The lock file.
        lock: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
}
