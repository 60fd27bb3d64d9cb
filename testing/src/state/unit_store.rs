//! The unit store's part: unit flags, key/values and the engine's bookkeeping,
//! written into a real unit store before the hook and read back from what it
//! committed, through the engine's `inspect` module.

use charm_reactive::inspect;
use serde::de::DeserializeOwned;
use serde::Serialize;

use super::{decode, encode, Ended, Kind, Seeding, State};
use crate::error::HarnessError;

impl State {
    /// With a unit flag set, without value.
    pub fn with_flag(mut self, flag: impl Into<String>) -> State {
        self.flags.insert(flag.into(), None);
        self
    }

    /// With a unit flag set to a value (`ctx.set_flag_value`).
    ///
    /// # Panics
    ///
    /// If the value cannot be encoded (postcard refuses sequences of unknown length).
    pub fn with_flag_value<T: Serialize + ?Sized>(
        mut self,
        flag: impl Into<String>,
        value: &T,
    ) -> State {
        let flag = flag.into();
        let bytes = encode(&format!("flag {flag:?}"), value);
        self.flags.insert(flag, Some(bytes));
        self
    }

    /// With a unit key/value (`ctx.kv().set`).
    ///
    /// # Panics
    ///
    /// If the value cannot be encoded (postcard refuses sequences of unknown length).
    pub fn with_kv<T: Serialize + ?Sized>(mut self, key: impl Into<String>, value: &T) -> State {
        let key = key.into();
        let bytes = encode(&format!("key {key:?}"), value);
        self.kv.insert(key, bytes);
        self
    }

    /// Whether a unit flag is set.
    pub fn has_flag(&self, flag: &str) -> bool {
        self.flags.contains_key(flag)
    }

    /// A unit flag's value: `Ok(None)` when unset or set without value.
    pub fn flag_value<T: DeserializeOwned>(&self, flag: &str) -> Result<Option<T>, HarnessError> {
        match self.flags.get(flag) {
            Some(Some(bytes)) => decode(format!("flag {flag:?}"), bytes).map(Some),
            _ => Ok(None),
        }
    }

    /// A unit key/value, decoded as a `T`.
    pub fn kv<T: DeserializeOwned>(&self, key: &str) -> Result<Option<T>, HarnessError> {
        match self.kv.get(key) {
            Some(bytes) => decode(format!("key {key:?}"), bytes).map(Some),
            None => Ok(None),
        }
    }
}

/// Unit flags, key/values and bookkeeping in the unit store.
pub(super) struct UnitStore;

impl Kind for UnitStore {
    fn seed(&self, state: &State, world: &mut Seeding<'_>) -> Result<(), HarnessError> {
        let store = world.store;
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

    fn read(&self, ended: &Ended<'_>, out: &mut State) -> Result<(), HarnessError> {
        out.flags = inspect::read_flags(ended.store)?;
        out.kv = inspect::read_kv(ended.store)?;
        out.internal = inspect::read_internal(ended.store)?;
        Ok(())
    }
}
