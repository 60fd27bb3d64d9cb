//! The state's unit flags, key/values and engine bookkeeping in a real unit
//! store, and back, through the engine's `inspect` module.

use charm_reactive::inspect;
use charm_reactive::store::Store;

use super::error::HarnessError;
use super::state::State;

/// Writes the state's unit flags, key/values and bookkeeping into `store`.
pub(crate) fn seed(store: &Store, state: &State) -> Result<(), HarnessError> {
    inspect::write_flags(
        store,
        state.flags.iter().map(|(f, v)| (f.as_str(), v.clone())),
    )?;
    inspect::write_kv(store, state.kv.iter().map(|(k, v)| (k.as_str(), v.clone())))?;
    inspect::write_internal(
        store,
        state.internal.iter().map(|(k, v)| (k.as_str(), v.clone())),
    )?;
    Ok(())
}

/// Reads the committed unit flags, key/values and bookkeeping into `out`.
pub(crate) fn read(store: &Store, out: &mut State) -> Result<(), HarnessError> {
    out.flags = inspect::read_flags(store)?;
    out.kv = inspect::read_kv(store)?;
    out.internal = inspect::read_internal(store)?;
    Ok(())
}
