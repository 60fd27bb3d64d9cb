use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::lock::LockFile;
use crate::{StoreError, Transaction, FORMAT_VERSION};

/// The key under which a store records the format version it was created with.
const FORMAT_KEY: &[u8] = b"\0charm-reactive.format";

/// How a store is opened.
#[derive(Debug, Clone)]
pub struct OpenOptions {
    /// How long to wait for another process to release the lock.
    pub lock_timeout: Duration,
    /// sled's page cache, in bytes. Hooks touch few keys: keep it small so a hook
    /// process stays small.
    pub cache_capacity: u64,
}

impl Default for OpenOptions {
    fn default() -> Self {
        OpenOptions {
            lock_timeout: Duration::from_secs(10),
            cache_capacity: 1 << 20,
        }
    }
}

/// A unit's store on disk: a sled database, locked by this process while open.
///
/// Cloning is cheap and shares the open database; the lock is released when the
/// last clone (and the last [`Transaction`]) is dropped.
#[derive(Debug, Clone)]
pub struct Store {
    inner: std::sync::Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    // Field order matters: the database closes before the lock is released.
    db: sled::Db,
    path: PathBuf,
    _lock: LockFile,
}

impl Store {
    /// Opens (or creates) the store at `path` with default [`OpenOptions`].
    pub fn open(path: impl AsRef<Path>) -> Result<Store, StoreError> {
        Store::open_with(path, &OpenOptions::default())
    }

    /// Opens (or creates) the store at `path`, waiting at most
    /// `options.lock_timeout` for another process to release it.
    pub fn open_with(path: impl AsRef<Path>, options: &OpenOptions) -> Result<Store, StoreError> {
        let path = path.as_ref().to_owned();
        std::fs::create_dir_all(&path).map_err(|source| StoreError::LockFile {
            lock: crate::lock::lock_path(&path),
            path: path.clone(),
            source,
        })?;
        let lock = LockFile::acquire(&path, options.lock_timeout)?;
        let config = sled::Config::new()
            .path(&path)
            .cache_capacity(options.cache_capacity)
            .flush_every_ms(None);
        let start = std::time::Instant::now();
        let db = loop {
            match config.open() {
                Ok(db) => break db,
                // sled's own file lock outlives a dropped `Db` for a moment while
                // its I/O threads finish; our lock says no other process has it.
                // sled reports that as `ErrorKind::Other` with this message.
                Err(sled::Error::Io(e))
                    if e.to_string().contains("could not acquire lock")
                        && start.elapsed() < options.lock_timeout =>
                {
                    std::thread::sleep(Duration::from_millis(1));
                }
                Err(source) => {
                    return Err(StoreError::Open {
                        path: path.clone(),
                        source,
                    })
                }
            }
        };
        let store = Store {
            inner: std::sync::Arc::new(Inner {
                db,
                path,
                _lock: lock,
            }),
        };
        store.check_format()?;
        Ok(store)
    }

    fn check_format(&self) -> Result<(), StoreError> {
        match self.inner.db.get(FORMAT_KEY).map_err(|e| self.io("read", e))? {
            Some(v) if v.len() == 1 && v[0] <= FORMAT_VERSION && v[0] > 0 => Ok(()),
            Some(v) if v.len() == 1 => Err(StoreError::NewerFormat {
                path: self.inner.path.clone(),
                found: v[0],
                supported: FORMAT_VERSION,
            }),
            Some(_) => Err(StoreError::Decode {
                path: self.inner.path.clone(),
                key: String::from_utf8_lossy(FORMAT_KEY).into_owned(),
                reason: "the format marker is not one byte".into(),
            }),
            None if self.inner.db.is_empty() => {
                self.inner.db
                    .insert(FORMAT_KEY, &[FORMAT_VERSION])
                    .map_err(|e| self.io("write", e))?;
                self.inner.db.flush().map_err(|e| self.io("flush", e))?;
                Ok(())
            }
            None => Err(StoreError::Decode {
                path: self.inner.path.clone(),
                key: String::from_utf8_lossy(FORMAT_KEY).into_owned(),
                reason: "the store holds data but no format marker: not a charm-reactive store".into(),
            }),
        }
    }

    /// The store's directory.
    pub fn path(&self) -> &Path {
        &self.inner.path
    }

    /// Starts a hook transaction. Reads see committed data plus the transaction's
    /// own writes; nothing reaches disk before [`Transaction::commit`].
    pub fn transaction(&self) -> Transaction {
        Transaction::new(self.clone())
    }

    /// Size of the store on disk, in bytes, as sled reports it.
    pub fn size_on_disk(&self) -> Result<u64, StoreError> {
        self.inner.db.size_on_disk().map_err(|e| self.io("size", e))
    }

    pub(crate) fn db(&self) -> &sled::Db {
        &self.inner.db
    }

    pub(crate) fn io(&self, op: &'static str, source: sled::Error) -> StoreError {
        StoreError::Io {
            path: self.inner.path.clone(),
            op,
            source,
        }
    }

    pub(crate) fn is_reserved(key: &[u8]) -> bool {
        key.first() == Some(&0)
    }
}
