//! The flags of one hook, in memory: loaded once from the store, changed by
//! handlers, written back as a diff at commit.

use std::collections::{BTreeMap, HashMap, HashSet};

use charm_reactive_store::layout::FLAG_PREFIX;
use charm_reactive_store::{StoreError, Transaction};

use crate::EngineError;

/// A flag's stored value: `None` for a plain flag (charms.reactive's `null`),
/// else an encoded value (see [`charm_reactive_store::codec`]).
pub type FlagValue = Option<Vec<u8>>;

/// The set flags, with values, and which names changed since loading.
#[derive(Debug, Default)]
pub(crate) struct FlagState {
    set: HashMap<String, FlagValue>,
    touched: HashSet<String>,
}

impl FlagState {
    pub(crate) fn load(entries: impl IntoIterator<Item = (String, FlagValue)>) -> FlagState {
        FlagState {
            set: entries.into_iter().collect(),
            touched: HashSet::new(),
        }
    }

    /// Adds a flag as already committed (not a change of this hook).
    pub(crate) fn load_one(&mut self, flag: String, value: FlagValue) {
        self.set.insert(flag, value);
    }

    pub(crate) fn contains(&self, flag: &str) -> bool {
        self.set.contains_key(flag)
    }

    pub(crate) fn value(&self, flag: &str) -> Option<&FlagValue> {
        self.set.get(flag)
    }

    /// Sets `flag` (overwriting its value, as charms.reactive does); true when it
    /// was not set before.
    pub(crate) fn insert(&mut self, flag: &str, value: FlagValue) -> bool {
        self.touch(flag);
        // Re-setting a set flag is common (every handler of a wide program sets
        // the same one): replace the value without allocating a new key.
        match self.set.get_mut(flag) {
            Some(old) => {
                *old = value;
                false
            }
            None => {
                self.set.insert(flag.to_owned(), value);
                true
            }
        }
    }

    /// Clears `flag`; true when it was set.
    pub(crate) fn remove(&mut self, flag: &str) -> bool {
        let was = self.set.remove(flag).is_some();
        if was {
            self.touch(flag);
        }
        was
    }

    /// Records that `flag` changed in this hook.
    fn touch(&mut self, flag: &str) {
        if !self.touched.contains(flag) {
            self.touched.insert(flag.to_owned());
        }
    }

    /// The set flags, sorted by name.
    pub(crate) fn sorted(&self) -> Vec<String> {
        let mut v: Vec<String> = self.set.keys().cloned().collect();
        v.sort();
        v
    }

    /// The writes that bring the store to this state: `Some` to write, `None` to remove.
    pub(crate) fn diff(&self) -> BTreeMap<&str, Option<&FlagValue>> {
        self.touched
            .iter()
            .map(|f| (f.as_str(), self.set.get(f)))
            .collect()
    }
}

/// Checks a flag name: charms.reactive accepts any string, but an empty name or
/// one with control characters is always a bug, and braces break the attribute
/// syntax.
pub(crate) fn validate(flag: &str) -> Result<(), EngineError> {
    let reason = if flag.is_empty() {
        "empty flag name"
    } else if flag == crate::app_scope::APP_FLAG_PREFIX {
        "empty application flag name (nothing after `app:`; in leader settings, the key \
         `charm-reactive.app.flag.` with nothing after it)"
    } else if flag.chars().any(char::is_control) {
        "flag names cannot contain control characters"
    } else {
        return Ok(());
    };
    Err(EngineError::InvalidFlag {
        flag: flag.to_owned(),
        reason,
    })
}

/// The unit flags `tx` sees, with their values.
pub(crate) fn read(tx: &Transaction) -> Result<Vec<(String, FlagValue)>, StoreError> {
    Ok(tx
        .scan_prefix(FLAG_PREFIX)?
        .into_iter()
        .map(|(k, v)| (k[FLAG_PREFIX.len()..].to_owned(), decode(v)))
        .collect())
}

/// Writes a unit flag's new state into `tx` (`None`: cleared).
pub(crate) fn write(
    tx: &mut Transaction,
    flag: &str,
    value: Option<&FlagValue>,
) -> Result<(), StoreError> {
    let key = format!("{FLAG_PREFIX}{flag}");
    match value {
        Some(v) => tx.put_raw(&key, encode(v)),
        None => tx.unset(&key),
    }
}

/// Encodes a stored flag value: an empty vector is a plain flag.
fn encode(value: &FlagValue) -> Vec<u8> {
    value.clone().unwrap_or_default()
}

/// Decodes a stored flag value.
fn decode(bytes: Vec<u8>) -> FlagValue {
    if bytes.is_empty() {
        None
    } else {
        Some(bytes)
    }
}
