//! What Juju's hook tools and the OS accept in one call: the engine checks
//! these before calling, the in-memory backend and jujusim refuse past them
//! with Juju's own words.

/// Linux's limit on one argument (MAX_ARG_STRLEN, 32 pages, including the
/// terminating NUL).
pub const MAX_ARGUMENT_BYTES: usize = 128 * 1024 - 1;

/// Budget for all arguments of one call: ARG_MAX is usually 2 MiB and shared
/// with the environment, so a call carrying more is split.
pub const MAX_CALL_BYTES: usize = 1024 * 1024;

/// `state-set`'s limit on a key.
pub const MAX_STATE_KEY_BYTES: usize = 256;

/// `state-set`'s limit on a value.
pub const MAX_STATE_VALUE_BYTES: usize = 65_536;

/// A `state-set` entry past Juju's limits; displays as Juju's error.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StateEntryTooLarge {
    /// The key is longer than [`MAX_STATE_KEY_BYTES`].
    #[error("key {key:?} exceeds the max allowed key size of {MAX_STATE_KEY_BYTES} bytes")]
    Key {
        /// The key.
        key: String,
        /// Its length in bytes.
        size: usize,
    },
    /// The value is longer than [`MAX_STATE_VALUE_BYTES`].
    #[error(
        "value for key {key:?} exceeds the max allowed value size of {MAX_STATE_VALUE_BYTES} bytes"
    )]
    Value {
        /// The key.
        key: String,
        /// The value's length in bytes.
        size: usize,
    },
}

impl StateEntryTooLarge {
    /// The limit that was passed.
    pub fn limit(&self) -> usize {
        match self {
            StateEntryTooLarge::Key { .. } => MAX_STATE_KEY_BYTES,
            StateEntryTooLarge::Value { .. } => MAX_STATE_VALUE_BYTES,
        }
    }
}

/// Juju's per-key and per-value limits for `state-set` (the key is checked
/// first, as Juju does).
pub fn check_state_entry(key: &str, value: &str) -> Result<(), StateEntryTooLarge> {
    if key.len() > MAX_STATE_KEY_BYTES {
        return Err(StateEntryTooLarge::Key {
            key: key.to_owned(),
            size: key.len(),
        });
    }
    if value.len() > MAX_STATE_VALUE_BYTES {
        return Err(StateEntryTooLarge::Value {
            key: key.to_owned(),
            size: value.len(),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn state_entries_at_the_limits_pass_and_past_them_fail_in_jujus_words() {
        let key = "k".repeat(MAX_STATE_KEY_BYTES);
        let value = "v".repeat(MAX_STATE_VALUE_BYTES);
        assert_eq!(check_state_entry(&key, &value), Ok(()));
        let e = check_state_entry(&format!("{key}k"), "").unwrap_err();
        assert_eq!(e.limit(), MAX_STATE_KEY_BYTES);
        assert!(e
            .to_string()
            .ends_with("exceeds the max allowed key size of 256 bytes"));
        let e = check_state_entry("k", &format!("{value}v")).unwrap_err();
        assert_eq!(
            e.to_string(),
            "value for key \"k\" exceeds the max allowed value size of 65536 bytes"
        );
        assert_eq!(
            e,
            StateEntryTooLarge::Value {
                key: "k".into(),
                size: 65_537
            }
        );
    }
}
