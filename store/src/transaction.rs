use std::collections::BTreeMap;
use std::ops::Bound;

use serde::{de::DeserializeOwned, Serialize};

use crate::{codec, Store, StoreError};

/// A hook's view of the store: committed data overlaid with this hook's writes.
///
/// Dropping a transaction discards its writes. [`commit`](Transaction::commit)
/// applies them all as one sled batch and flushes once.
#[derive(Debug)]
pub struct Transaction {
    store: Store,
    /// Pending writes: `Some(bytes)` to write, `None` to remove.
    overlay: BTreeMap<String, Option<Vec<u8>>>,
}

/// What a commit wrote.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CommitStats {
    /// Keys inserted or overwritten.
    pub written: usize,
    /// Keys removed.
    pub removed: usize,
    /// Bytes flushed, as sled reports them.
    pub flushed_bytes: usize,
    /// The store's generation after the commit (unchanged by an empty commit).
    pub generation: u64,
    /// Whether the generation file's update was made durable (its directory
    /// synced). The commit holds either way once `commit` returns `Ok`; when
    /// the sync failed, a power loss before the filesystem's next flush could
    /// lose the update, and the next open would then take the commit back.
    pub generation_recorded: bool,
}

impl Transaction {
    pub(crate) fn new(store: Store) -> Self {
        Transaction {
            store,
            overlay: BTreeMap::new(),
        }
    }

    /// The raw bytes stored under `key`, as this transaction sees them.
    pub fn get_raw(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        if let Some(pending) = self.overlay.get(key) {
            return Ok(pending.clone());
        }
        let value = self
            .store
            .db()
            .get(key.as_bytes())
            .map_err(|e| self.store.io("read", e))?;
        Ok(value.map(|v| v.to_vec()))
    }

    /// Whether `key` holds a value.
    pub fn contains(&self, key: &str) -> Result<bool, StoreError> {
        if let Some(pending) = self.overlay.get(key) {
            return Ok(pending.is_some());
        }
        self.store
            .db()
            .contains_key(key.as_bytes())
            .map_err(|e| self.store.io("read", e))
    }

    /// Writes raw bytes under `key` (visible to this transaction at once).
    pub fn put_raw(&mut self, key: &str, value: Vec<u8>) -> Result<(), StoreError> {
        check_key(key)?;
        self.overlay.insert(key.to_owned(), Some(value));
        Ok(())
    }

    /// Removes `key`. Removing an absent key is not an error.
    pub fn unset(&mut self, key: &str) -> Result<(), StoreError> {
        check_key(key)?;
        self.overlay.insert(key.to_owned(), None);
        Ok(())
    }

    /// Decodes the value under `key` as a `T`.
    pub fn get<T: DeserializeOwned>(&self, key: &str) -> Result<Option<T>, StoreError> {
        match self.get_raw(key)? {
            None => Ok(None),
            Some(bytes) => codec::decode(&bytes)
                .map(Some)
                .map_err(|e| StoreError::Decode {
                    path: self.store.path().to_owned(),
                    key: key.to_owned(),
                    reason: e.to_string(),
                }),
        }
    }

    /// Encodes `value` and writes it under `key`.
    pub fn set<T: Serialize + ?Sized>(&mut self, key: &str, value: &T) -> Result<(), StoreError> {
        let bytes = codec::encode(value).map_err(|reason| StoreError::Encode {
            key: key.to_owned(),
            reason,
        })?;
        self.put_raw(key, bytes)
    }

    /// Every key starting with `prefix`, with its raw value, in key order, as this
    /// transaction sees them.
    pub fn scan_prefix(&self, prefix: &str) -> Result<Vec<(String, Vec<u8>)>, StoreError> {
        let mut merged: BTreeMap<String, Vec<u8>> = BTreeMap::new();
        for item in self.store.db().scan_prefix(prefix.as_bytes()) {
            let (k, v) = item.map_err(|e| self.store.io("scan", e))?;
            let key = String::from_utf8(k.to_vec()).map_err(|_| StoreError::Decode {
                path: self.store.path().to_owned(),
                key: String::from_utf8_lossy(&k).into_owned(),
                reason: "key is not UTF-8".into(),
            })?;
            merged.insert(key, v.to_vec());
        }
        let range = self
            .overlay
            .range::<str, _>((Bound::Included(prefix), Bound::Unbounded))
            .take_while(|(k, _)| k.starts_with(prefix));
        for (k, v) in range {
            match v {
                Some(v) => merged.insert(k.clone(), v.clone()),
                None => merged.remove(k),
            };
        }
        Ok(merged.into_iter().collect())
    }

    /// Whether this transaction has writes to commit.
    pub fn is_dirty(&self) -> bool {
        !self.overlay.is_empty()
    }

    /// Applies every write as one atomic batch and flushes it to disk.
    ///
    /// On error nothing of the batch is visible: sled applies a batch entirely or
    /// not at all, and recovers it entirely or not at all after a crash.
    pub fn commit(self) -> Result<CommitStats, StoreError> {
        let mut stats = CommitStats {
            generation: self.store.generation(),
            generation_recorded: true,
            ..CommitStats::default()
        };
        if self.overlay.is_empty() {
            return Ok(stats);
        }
        let mut batch = sled::Batch::default();
        let keys = self.overlay.keys().map(|k| k.as_bytes().to_vec()).collect();
        for (k, v) in self.overlay {
            match v {
                Some(v) => {
                    stats.written += 1;
                    batch.insert(k.as_bytes(), v);
                }
                None => {
                    stats.removed += 1;
                    batch.remove(k.as_bytes());
                }
            }
        }
        let (generation, flushed, recorded) = self.store.commit_batch(batch, keys)?;
        stats.generation = generation;
        stats.flushed_bytes = flushed;
        stats.generation_recorded = recorded;
        Ok(stats)
    }
}

fn check_key(key: &str) -> Result<(), StoreError> {
    if key.is_empty() {
        return Err(StoreError::InvalidKey {
            key: key.into(),
            reason: "empty key",
        });
    }
    if Store::is_reserved(key.as_bytes()) {
        return Err(StoreError::InvalidKey {
            key: key.into(),
            reason: "keys starting with NUL are reserved for the store itself",
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::{OpenOptions, Store, StoreError};
    use std::time::Duration;

    #[test]
    fn commit_is_all_or_nothing_and_drop_discards() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s");
        {
            let store = Store::open(&path).unwrap();
            let mut tx = store.transaction();
            tx.set("a", &1u8).unwrap();
            tx.set("b", "x").unwrap();
            assert_eq!(tx.get::<u8>("a").unwrap(), Some(1));
            let stats = tx.commit().unwrap();
            assert_eq!((stats.written, stats.removed), (2, 0));
            let mut tx = store.transaction();
            tx.set("c", &3u8).unwrap();
            tx.unset("a").unwrap();
            drop(tx);
        }
        let store = Store::open(&path).unwrap();
        let tx = store.transaction();
        assert_eq!(tx.get::<u8>("a").unwrap(), Some(1));
        assert_eq!(tx.get::<String>("b").unwrap().as_deref(), Some("x"));
        assert!(!tx.contains("c").unwrap());
    }

    #[test]
    fn scan_prefix_merges_overlay() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path().join("s")).unwrap();
        let mut tx = store.transaction();
        for k in ["f/a", "f/b", "g/c"] {
            tx.set(k, &0u8).unwrap();
        }
        tx.commit().unwrap();
        let mut tx = store.transaction();
        tx.unset("f/a").unwrap();
        tx.set("f/c", &0u8).unwrap();
        let keys: Vec<_> = tx
            .scan_prefix("f/")
            .unwrap()
            .into_iter()
            .map(|(k, _)| k)
            .collect();
        assert_eq!(keys, ["f/b", "f/c"]);
    }

    #[test]
    fn second_open_is_refused_with_a_clear_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s");
        let _first = Store::open(&path).unwrap();
        let opts = OpenOptions {
            lock_timeout: Duration::from_millis(50),
            ..OpenOptions::default()
        };
        // fs2 locks are per open file description, so a second open in the same
        // process contends like a second process would.
        let err = Store::open_with(&path, &opts).unwrap_err();
        assert!(matches!(err, StoreError::Locked { .. }), "{err}");
        assert!(err.to_string().contains("locked by another process"));
    }

    #[test]
    fn type_mismatch_is_a_decode_error_naming_the_key() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path().join("s")).unwrap();
        let mut tx = store.transaction();
        tx.set("k", "a long string value").unwrap();
        let err = tx.get::<u8>("k").unwrap_err();
        assert!(
            matches!(&err, StoreError::Decode { key, .. } if key == "k"),
            "{err}"
        );
        assert!(tx.unset("").is_err());
    }
}
