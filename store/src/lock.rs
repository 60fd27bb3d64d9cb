//! The exclusive, process-wide lock on a store.
//!
//! sled also locks its files, but its error is a bare `WouldBlock`; this lock
//! waits a bounded time first (Juju runs one hook per unit at a time, so a held
//! lock is usually a hook about to finish) and then fails with a message that
//! names the store.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use fs2::FileExt;

use crate::StoreError;

/// A held lock; released when dropped (and by the kernel if the process dies).
#[derive(Debug)]
pub(crate) struct LockFile {
    _file: File,
}

/// The lock file of the store at `path`.
pub(crate) fn lock_path(path: &Path) -> PathBuf {
    path.join("charm-reactive.lock")
}

impl LockFile {
    pub(crate) fn acquire(path: &Path, timeout: Duration) -> Result<LockFile, StoreError> {
        let lock = lock_path(path);
        let file = crate::dir::file_options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock)
            .map_err(|source| StoreError::LockFile {
                path: path.to_owned(),
                lock: lock.clone(),
                source,
            })?;
        let start = Instant::now();
        let mut pause = Duration::from_millis(2);
        loop {
            if file.try_lock_exclusive().is_ok() {
                return Ok(LockFile { _file: file });
            }
            let waited = start.elapsed();
            if waited >= timeout {
                return Err(StoreError::Locked {
                    path: path.to_owned(),
                    lock,
                    waited_ms: waited.as_millis() as u64,
                });
            }
            std::thread::sleep(pause.min(timeout - waited));
            pause = (pause * 2).min(Duration::from_millis(100));
        }
    }
}
