use std::path::PathBuf;

use crate::disk::DiskFault;

/// The remedy for a damaged store, shared by the errors that report one.
const RESTORE: &str = "the files were left as they are: stop the unit's hooks, move the \
    directory aside (keep it for diagnosis), then restore the unit's last backup into the same \
    path with `charm-reactive store import PATH BACKUP.json`, or let the unit start again with an \
    empty store; never delete a store blindly";

/// The remedy for a database sled cannot open: the damage remedy only when sled
/// found damage.
fn open_remedy(source: &sled::Error) -> String {
    match source {
        sled::Error::Corruption { .. } => format!("it is damaged: {RESTORE}"),
        _ => "check that the unit's user can read and write the directory and its files; \
              the files were left as they are"
            .to_owned(),
    }
}

/// Everything that can go wrong with a unit store.
///
/// Each variant names the store's path (or the key) and, where there is one, the
/// remedy, because these errors end up in `juju debug-log` where the operator has
/// nothing else to go on. No error path resets or rewrites a store's data.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// Another process holds the store's lock and did not release it in time.
    #[error(
        "unit store {path} is locked by another process (waited {waited_ms} ms): \
         another hook of this unit is still running, or a hung process holds {lock}; \
         Juju retries the hook later; if no hook is running, find the holder with `fuser {lock}`"
    )]
    Locked {
        /// The store's directory.
        path: PathBuf,
        /// The lock file.
        lock: PathBuf,
        /// How long the open waited for the lock.
        waited_ms: u64,
    },
    /// sled could not open the database: missing permissions, or a database it
    /// cannot even recover (a garbage or zero-length log). Only the latter gets
    /// the damage remedy.
    #[error("unit store {path} cannot be opened: {source}; {remedy}", remedy = open_remedy(source))]
    Open {
        /// The store's directory.
        path: PathBuf,
        /// What sled reported.
        #[source]
        source: sled::Error,
    },
    /// The database holds less than was committed: sled recovered a truncated or
    /// garbage log as an older (or empty) state, or the generation file is damaged.
    #[error("unit store {path} is damaged: {reason}; {RESTORE}", RESTORE = RESTORE)]
    Corrupt {
        /// The store's directory.
        path: PathBuf,
        /// What was found.
        reason: String,
    },
    /// The store was written by a newer charm-reactive whose format this one does not read.
    #[error(
        "unit store {path} has format version {found}, this charm-reactive reads up to {supported}; \
         upgrade the charm (a newer charm wrote this store; downgrading it is not supported)"
    )]
    NewerFormat {
        /// The store's directory.
        path: PathBuf,
        /// The version found on disk.
        found: u8,
        /// The newest version this build reads.
        supported: u8,
    },
    /// The store's path is taken by something that is not a directory.
    #[error(
        "unit store {path} is {found}; a unit store is a directory: move what is there \
         aside, or point CHARM_REACTIVE_STORE at a directory"
    )]
    NotADirectory {
        /// The store's path.
        path: PathBuf,
        /// What is there instead.
        found: String,
    },
    /// The directory holds no store (for tools, which never create one).
    #[error("unit store {path} does not exist (no sled database in the directory)")]
    Missing {
        /// The directory.
        path: PathBuf,
    },
    /// A value does not decode as the type asked for, or has an unknown format byte.
    #[error(
        "value of key {key:?} in unit store {path} does not decode: {reason}; the charm reads \
         it as another type than it was written with, or the value is damaged: check the store \
         with `charm-reactive store verify` and `charm-reactive store export`"
    )]
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
    /// The disk refused an operation: full, over quota, read-only or failing.
    /// Not damage: a failed commit leaves the store at its last commit.
    #[error(
        "unit store {path}: {op} failed because {fault} ({errno}): {detail}; nothing of this hook \
         was committed and the store's committed data is unchanged; {remedy}",
        errno = fault.errno(),
        remedy = fault.remedy()
    )]
    Disk {
        /// The store's directory.
        path: PathBuf,
        /// What was being done.
        op: &'static str,
        /// Which resource failed.
        fault: DiskFault,
        /// The error as first reported (naming the file where there is one).
        detail: String,
    },
    /// An earlier commit of this open store failed; the process must not use it
    /// again (sled may hold the failed batch in memory).
    #[error(
        "unit store {path}: an earlier commit in this process failed ({first}); the store is \
         left as it was before that commit; open it again in a new process"
    )]
    Failed {
        /// The store's directory.
        path: PathBuf,
        /// The first failure.
        first: String,
    },
    /// A file of the store (the lock, the generation file) could not be used.
    #[error("unit store {path}: cannot use {file}: {source}")]
    File {
        /// The store's directory.
        path: PathBuf,
        /// The file.
        file: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
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
    /// An import into a store that already holds data, without `force`.
    #[error(
        "unit store {path} already holds {keys} keys; import into an empty store, \
         or replace its contents with `charm-reactive store import --force`"
    )]
    NotEmpty {
        /// The store's directory.
        path: PathBuf,
        /// How many keys it holds.
        keys: usize,
    },
    /// An export that cannot be imported.
    #[error("invalid store export: {0}")]
    BadExport(String),
}
