//! Reading and writing a unit store's flags outside a hook: for tools
//! (`reactive-replay`, the store command) and tests.

use std::collections::BTreeMap;

use crate::flags::{self, FlagValue};
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
