//! Application scope: flags and key/values shared by every unit of the
//! application, kept in Juju's leader settings so that a replacement unit (a new
//! unit name after a pod-spec change) finds them at its first hook.
//!
//! Application flags are ordinary flags whose name starts with [`APP_FLAG_PREFIX`]
//! (`app:`): handlers gate on them with the same attributes,
//! `#[when("app:db.requested")]`. Only the leader writes them; every unit reads
//! them. The leader's changes go out in ONE `leader-set` at commit, before the
//! unit store commits.
//!
//! In leader settings, every key of this module starts with [`LEADER_PREFIX`]:
//! `charm-reactive.app.flag.<flag>` (`set`, or `v:<hex>` for a flag with a value)
//! and `charm-reactive.app.kv.<key>` (the value as JSON, readable with
//! `juju run --unit x/0 leader-get`). Tools and test harnesses that read or
//! seed leader settings use [`flag_key`], [`value_key`], [`encode_flag_value`]
//! and their inverses rather than restating the scheme.
//!
//! ```
//! use charm_reactive::app_scope::{self, decode_flag_value, encode_flag_value};
//! assert_eq!(app_scope::flag_key("db.requested"), "charm-reactive.app.flag.db.requested");
//! assert_eq!(app_scope::flag_of_key("charm-reactive.app.flag.db.requested"), Some("db.requested"));
//! assert_eq!(encode_flag_value(&None), "set");
//! assert_eq!(encode_flag_value(&Some(vec![1, 0xff])), "v:01ff");
//! assert_eq!(decode_flag_value("v:01ff"), Some(Some(vec![1, 0xff])));
//! assert_eq!(app_scope::value_key("pod-spec-hash"), "charm-reactive.app.kv.pod-spec-hash");
//! assert_eq!(app_scope::encode_value(&["a", "b"])?, r#"["a","b"]"#);
//! # Ok::<(), serde_json::Error>(())
//! ```

use std::collections::BTreeMap;

use serde::{de::DeserializeOwned, Serialize};

use crate::flags::FlagValue;
use crate::EngineError;

/// Flags in application scope start with this.
pub const APP_FLAG_PREFIX: &str = "app:";

/// Every leader-settings key of the application scope starts with this.
pub const LEADER_PREFIX: &str = "charm-reactive.app.";

const FLAG_KEY: &str = "charm-reactive.app.flag.";
const KV_KEY: &str = "charm-reactive.app.kv.";

/// Linux's limit on one argument (MAX_ARG_STRLEN); leader-set has no `--file`.
pub const MAX_ARGUMENT_BYTES: usize = 128 * 1024;

/// A conservative bound for all arguments of the one leader-set call (ARG_MAX is
/// usually 2 MiB, shared with the environment).
pub const MAX_TOTAL_BYTES: usize = 1024 * 1024;

/// Whether `flag` is an application flag.
pub fn is_app_flag(flag: &str) -> bool {
    flag.starts_with(APP_FLAG_PREFIX)
}

/// The leader-settings key of application flag `app:<name>` (`name` without
/// `app:`).
pub fn flag_key(name: &str) -> String {
    format!("{FLAG_KEY}{name}")
}

/// The flag name (without `app:`) stored under leader-settings key `key`, if
/// it is an application flag's key.
pub fn flag_of_key(key: &str) -> Option<&str> {
    key.strip_prefix(FLAG_KEY)
}

/// The leader-settings key of application value `key`.
pub fn value_key(key: &str) -> String {
    format!("{KV_KEY}{key}")
}

/// The application value's key stored under leader-settings key `key`, if it
/// is an application value's key.
pub fn value_of_key(key: &str) -> Option<&str> {
    key.strip_prefix(KV_KEY)
}

/// An application flag's value as written in leader settings: `set` for a
/// plain flag, `v:<hex>` of the value's codec bytes.
pub fn encode_flag_value(value: &FlagValue) -> String {
    match value {
        None => "set".to_owned(),
        Some(bytes) => format!("v:{}", crate::store::hex::encode(bytes)),
    }
}

/// The inverse of [`encode_flag_value`]; `None` for text it never writes.
pub fn decode_flag_value(text: &str) -> Option<FlagValue> {
    if text == "set" {
        return Some(None);
    }
    crate::store::hex::decode(text.strip_prefix("v:")?).map(Some)
}

/// An application value as written in leader settings: JSON.
pub fn encode_value<T: Serialize + ?Sized>(value: &T) -> Result<String, serde_json::Error> {
    serde_json::to_string(value)
}

/// The inverse of [`encode_value`].
pub fn decode_value<T: DeserializeOwned>(text: &str) -> Result<T, serde_json::Error> {
    serde_json::from_str(text)
}

/// The application scope as this hook sees it: leader settings as read at first
/// use, plus this hook's changes.
#[derive(Debug, Default)]
pub(crate) struct AppScope {
    /// The scope's leader-settings keys as read (None: not read yet).
    loaded: Option<BTreeMap<String, String>>,
    /// Changes: `Some(value)` to write, `None` to delete.
    pending: BTreeMap<String, Option<String>>,
}

impl AppScope {
    pub(crate) fn is_loaded(&self) -> bool {
        self.loaded.is_some()
    }

    /// Takes the leader settings read from Juju.
    pub(crate) fn load(&mut self, settings: BTreeMap<String, String>) {
        self.loaded = Some(settings);
    }

    /// Any leader setting, as this hook sees it (for layers that use leader
    /// settings directly, like layer-leadership).
    pub(crate) fn setting(&self, key: &str) -> Option<&str> {
        match self.pending.get(key) {
            Some(v) => v.as_deref(),
            None => self.loaded.as_ref()?.get(key).map(String::as_str),
        }
    }

    /// Every leader setting outside this module's prefix, as this hook sees them.
    pub(crate) fn settings(&self) -> BTreeMap<String, String> {
        let mut out: BTreeMap<String, String> = self.loaded.clone().unwrap_or_default();
        for (k, v) in &self.pending {
            match v {
                Some(v) => out.insert(k.clone(), v.clone()),
                None => out.remove(k),
            };
        }
        out.retain(|k, _| !k.starts_with(LEADER_PREFIX));
        out
    }

    /// Writes any leader setting in this hook's one leader-set (`None` deletes).
    pub(crate) fn set_setting(
        &mut self,
        key: &str,
        value: Option<String>,
    ) -> Result<(), EngineError> {
        self.write(key, key, value)
    }

    /// Records a write of `key` (`name` is what the caller called it), refusing
    /// a `key=value` argument over leader-set's limit.
    fn write(&mut self, key: &str, name: &str, value: Option<String>) -> Result<(), EngineError> {
        if let Some(v) = &value {
            let size = key.len() + 1 + v.len();
            if size >= MAX_ARGUMENT_BYTES {
                return Err(EngineError::AppValueTooLarge {
                    key: name.to_owned(),
                    size,
                    limit: MAX_ARGUMENT_BYTES,
                });
            }
        }
        self.pending.insert(key.to_owned(), value);
        Ok(())
    }

    /// The application flags stored in leader settings, with their raw values, as
    /// engine flag names (`app:<name>`).
    pub(crate) fn flags(&self) -> Result<Vec<(String, FlagValue)>, EngineError> {
        let Some(loaded) = &self.loaded else {
            return Ok(Vec::new());
        };
        loaded
            .iter()
            .filter_map(|(k, v)| flag_of_key(k).map(|f| (f, v)))
            .map(|(f, v)| {
                let flag = format!("{APP_FLAG_PREFIX}{f}");
                crate::flags::validate(&flag)?;
                Ok((flag, decode_flag(f, v)?))
            })
            .collect()
    }

    /// Records an application flag's new state (`None`: cleared).
    pub(crate) fn write_flag(&mut self, flag: &str, value: Option<&FlagValue>) {
        let name = flag.strip_prefix(APP_FLAG_PREFIX).unwrap_or(flag);
        self.pending
            .insert(flag_key(name), value.map(encode_flag_value));
    }

    /// An application value, as JSON text.
    pub(crate) fn get(&self, key: &str) -> Option<&str> {
        self.setting(&value_key(key))
    }

    pub(crate) fn set(&mut self, key: &str, json: String) -> Result<(), EngineError> {
        self.write(&value_key(key), key, Some(json))
    }

    pub(crate) fn unset(&mut self, key: &str) {
        self.pending.insert(value_key(key), None);
    }

    /// Keys of application values starting with `prefix`, sorted.
    pub(crate) fn keys(&self, prefix: &str) -> Vec<String> {
        let full = value_key(prefix);
        let mut keys: BTreeMap<&str, bool> = BTreeMap::new();
        if let Some(loaded) = &self.loaded {
            for k in loaded.keys().filter(|k| k.starts_with(&full)) {
                keys.insert(k, true);
            }
        }
        for (k, v) in self.pending.iter().filter(|(k, _)| k.starts_with(&full)) {
            keys.insert(k, v.is_some());
        }
        keys.into_iter()
            .filter(|(_, present)| *present)
            .map(|(k, _)| k[KV_KEY.len()..].to_owned())
            .collect()
    }

    /// The settings the one `leader-set` of this hook must write: only real
    /// changes (`None` deletes a key). Empty when nothing changed.
    pub(crate) fn changes(&self) -> Result<BTreeMap<String, Option<String>>, EngineError> {
        let empty = BTreeMap::new();
        let loaded = self.loaded.as_ref().unwrap_or(&empty);
        let mut out = BTreeMap::new();
        for (k, v) in &self.pending {
            let old = loaded.get(k);
            match v {
                Some(v) if old != Some(v) => out.insert(k.clone(), Some(v.clone())),
                None if old.is_some() => out.insert(k.clone(), None),
                _ => None,
            };
        }
        let total: usize = out
            .iter()
            .map(|(k, v)| k.len() + v.as_ref().map_or(0, String::len) + 2)
            .sum();
        if total > MAX_TOTAL_BYTES {
            return Err(EngineError::AppValueTooLarge {
                key: "(all changes of this hook)".into(),
                size: total,
                limit: MAX_TOTAL_BYTES,
            });
        }
        Ok(out)
    }
}

/// [`decode_flag_value`], with an error naming the flag.
fn decode_flag(flag: &str, value: &str) -> Result<FlagValue, EngineError> {
    decode_flag_value(value).ok_or_else(|| {
        EngineError::decoding(
            format!("application flag {flag:?} in leader settings"),
            format!("expected \"set\" or \"v:<hex>\", found {value:?}"),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_round_trip_through_leader_settings() {
        let mut scope = AppScope::default();
        scope.load(BTreeMap::new());
        scope.write_flag("app:a", Some(&None));
        scope.write_flag("app:b", Some(&Some(vec![1, 0xff])));
        let changes = scope.changes().unwrap();
        let mut next = AppScope::default();
        let written = changes.into_iter().map(|(k, v)| (k, v.unwrap()));
        next.load(
            written
                .chain([("unrelated".to_owned(), "x".to_owned())])
                .collect(),
        );
        assert_eq!(next.settings().keys().collect::<Vec<_>>(), ["unrelated"]);
        assert_eq!(
            next.flags().unwrap(),
            [
                ("app:a".to_owned(), None),
                ("app:b".to_owned(), Some(vec![1, 0xff]))
            ]
        );
    }

    #[test]
    fn an_empty_application_flag_name_is_refused() {
        let mut scope = AppScope::default();
        scope.load([("charm-reactive.app.flag.".to_owned(), "set".to_owned())].into());
        let e = scope.flags().unwrap_err();
        assert!(
            matches!(e, EngineError::InvalidFlag { ref flag, .. } if flag == "app:"),
            "{e:?}"
        );
        assert!(e.to_string().contains("charm-reactive.app.flag."), "{e}");
        assert!(crate::flags::validate("app:").is_err());
    }

    #[test]
    fn only_real_changes_are_written_and_deletes_are_empty() {
        let mut scope = AppScope::default();
        scope.load(
            [
                ("charm-reactive.app.kv.x".to_owned(), "1".to_owned()),
                ("charm-reactive.app.kv.y".to_owned(), "2".to_owned()),
            ]
            .into_iter()
            .collect(),
        );
        scope.set("x", "1".into()).unwrap();
        scope.unset("y");
        scope.unset("never-there");
        let changes = scope.changes().unwrap();
        assert_eq!(changes.len(), 1);
        assert_eq!(changes["charm-reactive.app.kv.y"], None);
        assert_eq!(scope.keys(""), ["x"]);
    }

    #[test]
    fn oversized_values_are_refused_clearly() {
        let mut scope = AppScope::default();
        let err = scope
            .set("spec", "x".repeat(MAX_ARGUMENT_BYTES))
            .unwrap_err();
        assert!(err.to_string().contains("spec"), "{err}");
        let mut garbage = AppScope::default();
        garbage.load(
            [("charm-reactive.app.flag.f".to_owned(), "zz".to_owned())]
                .into_iter()
                .collect(),
        );
        assert!(garbage.flags().is_err());
    }

    #[test]
    fn malformed_flag_values_are_refused_not_panicked_on() {
        for text in ["", "v:", "v:0", "v:zz", "v:a\u{e9}0", "set ", "v:\u{e9}"] {
            let expected = (text == "v:").then_some(Some(Vec::new()));
            assert_eq!(decode_flag_value(text), expected, "{text:?}");
        }
        for value in [None, Some(vec![]), Some(vec![0, 0x7f, 0xff])] {
            assert_eq!(decode_flag_value(&encode_flag_value(&value)), Some(value));
        }
        assert!(FLAG_KEY.starts_with(LEADER_PREFIX) && KV_KEY.starts_with(LEADER_PREFIX));
        assert_eq!(value_of_key(&value_key("a.b")), Some("a.b"));
        assert_eq!(flag_of_key(&value_key("a")), None);
    }
}
