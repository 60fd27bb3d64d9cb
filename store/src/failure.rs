//! What an open store remembers of a failed commit.
//!
//! When a commit fails (a full disk, an I/O error), sled may hold the batch in
//! memory and its log buffers may never become stable. Closing the database
//! then flushes again (`Tree::drop` → `PageCache::flush`), and with the write
//! that failed still pending, sled 0.34 waits for it forever: the hook hangs
//! while holding the unit's lock, and every later hook of the unit fails
//! "locked". So once a commit failed, the store refuses further commits, and
//! when it is dropped, the database is leaked instead of closed: nothing is
//! flushed again. The committed state on disk is the previous commit's. The
//! leaked database keeps its files open (and sled's own lock on them) until
//! the process exits, which for a hook is right away.

use std::sync::OnceLock;

/// Holds a handle on the database to leak if a commit failed.
#[derive(Debug)]
pub(crate) struct Failure {
    first: OnceLock<String>,
    db: sled::Db,
}

impl Failure {
    pub(crate) fn new(db: sled::Db) -> Failure {
        Failure {
            first: OnceLock::new(),
            db,
        }
    }

    /// Records a failed commit (the first one is kept).
    pub(crate) fn record(&self, what: String) {
        let _ = self.first.set(what);
    }

    /// The first failed commit's error, if a commit failed.
    pub(crate) fn first(&self) -> Option<&str> {
        self.first.get().map(String::as_str)
    }
}

impl Drop for Failure {
    fn drop(&mut self) {
        if self.first.get().is_some() {
            // Leaking one handle keeps sled's trees alive, so their drop never
            // runs its flush.
            std::mem::forget(self.db.clone());
        }
    }
}
