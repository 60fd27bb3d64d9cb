//! The state's unit flags, key/values and engine bookkeeping in a real unit
//! store, and back.

use charm_reactive::inspect;
use charm_reactive::store::layout::{INTERNAL_PREFIX, KV_PREFIX};
use charm_reactive::store::Store;

use super::error::HarnessError;
use super::state::State;

/// Writes the state's unit flags, key/values and bookkeeping into `store`.
pub(crate) fn seed(store: &Store, state: &State) -> Result<(), HarnessError> {
    inspect::write_flags(
        store,
        state.flags.iter().map(|(f, v)| (f.as_str(), v.clone())),
    )?;
    let mut tx = store.transaction();
    for (key, bytes) in &state.kv {
        tx.put_raw(&format!("{KV_PREFIX}{key}"), bytes.clone())?;
    }
    for (key, bytes) in &state.internal {
        tx.put_raw(&format!("{INTERNAL_PREFIX}{key}"), bytes.clone())?;
    }
    tx.commit()?;
    Ok(())
}

/// Reads the committed unit flags, key/values and bookkeeping into `out`.
pub(crate) fn read(store: &Store, out: &mut State) -> Result<(), HarnessError> {
    out.flags = inspect::read_flags(store)?;
    let tx = store.transaction();
    let strip = |prefix: &str, entries: Vec<(String, Vec<u8>)>| {
        entries
            .into_iter()
            .map(|(k, v)| (k[prefix.len()..].to_owned(), v))
            .collect()
    };
    out.kv = strip(KV_PREFIX, tx.scan_prefix(KV_PREFIX)?);
    out.internal = strip(INTERNAL_PREFIX, tx.scan_prefix(INTERNAL_PREFIX)?);
    Ok(())
}
