//! Reading a store that cannot be opened in place: on a read-only mount sled
//! cannot open it (it opens its files read-write) and its lock file cannot be
//! created. A private copy can be opened instead.

use std::path::{Path, PathBuf};

use crate::{OpenOptions, Store, StoreError};

/// A store opened from a private copy of another one, for inspection. The
/// copy lives in a 0700 temporary directory removed when this is dropped;
/// nothing is ever written to the original.
#[derive(Debug)]
pub struct Snapshot {
    // Field order: the store closes before its directory is removed.
    store: Store,
    _dir: tempfile::TempDir,
}

impl Snapshot {
    /// Copies the store at `path` (its regular files) and opens the copy.
    /// Fails with [`StoreError::Missing`] when `path` holds no store.
    pub fn open(path: impl AsRef<Path>, options: &OpenOptions) -> Result<Snapshot, StoreError> {
        let path = path.as_ref();
        if !path.join("db").is_file() {
            return Err(StoreError::Missing {
                path: path.to_owned(),
            });
        }
        let file_error = |file: PathBuf, source| StoreError::File {
            path: path.to_owned(),
            file,
            source,
        };
        let dir = tempfile::Builder::new()
            .prefix("charm-reactive-store-copy.")
            .tempdir()
            .map_err(|e| file_error(std::env::temp_dir(), e))?;
        let copy = dir.path().join("store");
        crate::dir::create(&copy).map_err(|e| file_error(copy.clone(), e))?;
        let entries = std::fs::read_dir(path).map_err(|e| file_error(path.to_owned(), e))?;
        for entry in entries {
            let entry = entry.map_err(|e| file_error(path.to_owned(), e))?;
            let is_file = entry
                .file_type()
                .map_err(|e| file_error(entry.path(), e))?
                .is_file();
            if is_file {
                let to = copy.join(entry.file_name());
                std::fs::copy(entry.path(), &to).map_err(|e| file_error(entry.path(), e))?;
            }
        }
        let store = Store::open_existing(&copy, options)?;
        Ok(Snapshot { store, _dir: dir })
    }

    /// The copy, opened.
    pub fn store(&self) -> &Store {
        &self.store
    }
}
