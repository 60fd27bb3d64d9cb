//! The engine's own records in the unit store, beside the flags: the phase
//! the last hook ended in, which `only_once` handlers ran, the hashes that
//! `when_file_changed` and `data_changed` compare against, and endpoints'
//! departed units. Written in the hook's transaction, so kept only if the hook
//! succeeds.

use std::path::PathBuf;

use charm_reactive_store::Transaction;

use crate::session::Session;
use crate::EngineError;

/// Store keys of the engine's own bookkeeping, under the store layout's
/// [`INTERNAL_PREFIX`](charm_reactive_store::layout::INTERNAL_PREFIX).
pub(crate) mod keys {
    use charm_reactive_store::layout::INTERNAL_PREFIX;

    /// The phase the last hook ended in.
    pub(crate) const PHASE: &str = "phase";
    /// `invoked/<handler id>`: an `only_once` handler ran.
    pub(crate) const INVOKED: &str = "invoked/";
    /// `data_changed/<key>`: the hash `data_changed` last recorded.
    pub(crate) const DATA_CHANGED: &str = "data_changed/";
    /// `file_hash/<path>`: a `when_file_changed` file's last hash.
    pub(crate) const FILE_HASH: &str = "file_hash/";
    /// `endpoints/departed/<endpoint>`: an endpoint's departed units
    /// (charms.reactive's `reactive.endpoints.departed.<endpoint>`).
    pub(crate) const DEPARTED: &str = "endpoints/departed/";

    /// The store key of bookkeeping entry `name` (one of the above) followed
    /// by `rest`.
    pub(crate) fn internal(name: &str, rest: impl std::fmt::Display) -> String {
        format!("{INTERNAL_PREFIX}{name}{rest}")
    }
}

/// Whether the `only_once` handler `id` ever ran to completion on this unit.
/// A store error fails the hook (and reads as "not invoked").
pub(crate) fn was_invoked(session: &mut Session, id: &str) -> bool {
    match session.tx.contains(&keys::internal(keys::INVOKED, id)) {
        Ok(v) => v,
        Err(e) => {
            session.fail(e.into());
            false
        }
    }
}

/// Records that the `only_once` handler `id` ran to completion.
pub(crate) fn mark_invoked(tx: &mut Transaction, id: &str) -> Result<(), EngineError> {
    tx.set(&keys::internal(keys::INVOKED, id), &true)?;
    Ok(())
}

/// charms.reactive's `any_file_changed`: records every file's new hash (a
/// missing file hashes to nothing) and reports whether any differed. A store
/// error fails the hook.
pub(crate) fn any_file_changed(session: &mut Session, files: &[PathBuf]) -> bool {
    let mut changed = false;
    for file in files {
        let key = keys::internal(keys::FILE_HASH, file.display());
        let new = std::fs::read(file)
            .ok()
            .map(|bytes| crate::hash::hex_sha256(&bytes));
        let old = match session.tx.get::<Option<String>>(&key) {
            Ok(v) => v.flatten(),
            Err(e) => {
                session.fail(e.into());
                return false;
            }
        };
        if old != new {
            if let Err(e) = session.tx.set(&key, &new) {
                session.fail(e.into());
            }
            changed = true;
        }
    }
    changed
}
