//! Reading and writing a unit store's committed state outside a hook: flags,
//! the unit's key/values ([`crate::Context::kv`]) and the engine's bookkeeping
//! (`only_once`, `data_changed`, `when_file_changed`, the last phase), for tools
//! (`reactive-replay`, the store command), test harnesses and tests.
//!
//! Key/values and bookkeeping are raw: each value is the bytes the store's
//! [`codec`](crate::store::codec) wrote, keys are without their namespace
//! prefix.
//!
//! ```
//! use charm_reactive::{inspect, store::{codec, Store}};
//! let dir = tempfile::tempdir()?;
//! let store = Store::open(dir.path().join("unit.sled"))?;
//! inspect::write_kv(&store, [("port", codec::encode(&8080u16)?)])?;
//! let kv = inspect::read_kv(&store)?;
//! assert_eq!(codec::decode::<u16>(&kv["port"]).ok(), Some(8080));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::collections::BTreeMap;

use crate::flags::{self, FlagValue};
use crate::store::layout::{INTERNAL_PREFIX, KV_PREFIX};
use crate::store::{Store, StoreError};

/// The committed flags of a store, sorted, with their raw values.
pub fn read_flags(store: &Store) -> Result<BTreeMap<String, FlagValue>, StoreError> {
    Ok(flags::read(&store.transaction())?.into_iter().collect())
}

/// Sets flags (with raw values) and commits them in one batch.
pub fn write_flags<'a>(
    store: &Store,
    set: impl IntoIterator<Item = (&'a str, FlagValue)>,
) -> Result<(), StoreError> {
    let mut tx = store.transaction();
    for (flag, value) in set {
        flags::write(&mut tx, flag, Some(&value))?;
    }
    tx.commit()?;
    Ok(())
}

/// The committed unit key/values, sorted, with their raw (codec) values.
pub fn read_kv(store: &Store) -> Result<BTreeMap<String, Vec<u8>>, StoreError> {
    read_namespace(store, KV_PREFIX)
}

/// Stores unit key/values given as raw (codec) values, and commits them in one
/// batch.
pub fn write_kv<'a>(
    store: &Store,
    set: impl IntoIterator<Item = (&'a str, Vec<u8>)>,
) -> Result<(), StoreError> {
    write_namespace(store, KV_PREFIX, set)
}

/// The committed engine bookkeeping, sorted, keys without the internal prefix
/// (e.g. `phase`, `invoked/<handler id>`), raw (codec) values.
pub fn read_internal(store: &Store) -> Result<BTreeMap<String, Vec<u8>>, StoreError> {
    read_namespace(store, INTERNAL_PREFIX)
}

/// Stores engine bookkeeping as [`read_internal`] returns it, and commits it in
/// one batch: to restore a unit's state (a test harness, a store import).
pub fn write_internal<'a>(
    store: &Store,
    set: impl IntoIterator<Item = (&'a str, Vec<u8>)>,
) -> Result<(), StoreError> {
    write_namespace(store, INTERNAL_PREFIX, set)
}

fn read_namespace(store: &Store, prefix: &str) -> Result<BTreeMap<String, Vec<u8>>, StoreError> {
    Ok(store
        .transaction()
        .scan_prefix(prefix)?
        .into_iter()
        .map(|(k, v)| (k[prefix.len()..].to_owned(), v))
        .collect())
}

fn write_namespace<'a>(
    store: &Store,
    prefix: &str,
    set: impl IntoIterator<Item = (&'a str, Vec<u8>)>,
) -> Result<(), StoreError> {
    let mut tx = store.transaction();
    for (key, value) in set {
        tx.put_raw(&format!("{prefix}{key}"), value)?;
    }
    tx.commit()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::codec;

    #[test]
    fn namespaces_round_trip_and_stay_apart() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path().join("unit.sled")).unwrap();
        write_flags(&store, [("f", None)]).unwrap();
        write_kv(&store, [("a", codec::encode(&1u8).unwrap())]).unwrap();
        write_internal(&store, [("phase", codec::encode("other").unwrap())]).unwrap();
        assert_eq!(
            read_flags(&store).unwrap().into_keys().collect::<Vec<_>>(),
            ["f"]
        );
        let kv = read_kv(&store).unwrap();
        assert_eq!(kv.keys().collect::<Vec<_>>(), ["a"]);
        assert_eq!(codec::decode::<u8>(&kv["a"]).unwrap(), 1);
        let internal = read_internal(&store).unwrap();
        assert_eq!(internal.keys().collect::<Vec<_>>(), ["phase"]);
        assert_eq!(
            codec::decode::<String>(&internal["phase"]).unwrap(),
            "other"
        );
        // Where a hook's Context::kv() and bookkeeping find them.
        let tx = store.transaction();
        assert_eq!(tx.get::<u8>("kv/a").unwrap(), Some(1));
        assert_eq!(
            tx.get::<String>("internal/phase").unwrap().as_deref(),
            Some("other")
        );
    }
}
