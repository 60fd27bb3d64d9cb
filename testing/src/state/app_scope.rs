//! The application scope: application flags and values, kept by the engine in
//! leader settings in its key scheme (`charm_reactive::app_scope`: flag `F`
//! under [`flag_key`], value `K` under [`value_key`]), both ways: a state's
//! application flags and values become leader settings that gate the engine's
//! handlers, and a leader's writes come back as application flags and values.
//! Leader settings outside the scope stay raw.

use std::collections::BTreeMap;

use charm_reactive::app_scope::{
    decode_flag_value, decode_value, encode_flag_value, encode_value, flag_key, flag_of_key,
    value_key, value_of_key, APP_FLAG_PREFIX,
};
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;

use super::{decode as decode_bytes, encode as encode_bytes, Ended, Kind, Seeding, State};
use crate::error::HarnessError;

/// An application flag's name without its `app:` prefix.
fn app_flag_name(flag: &str) -> &str {
    flag.strip_prefix(APP_FLAG_PREFIX).unwrap_or(flag)
}

impl State {
    /// With an application flag set (name with or without `app:`), without value.
    pub fn with_app_flag(mut self, flag: &str) -> State {
        self.app_flags.insert(app_flag_name(flag).to_owned(), None);
        self
    }

    /// With an application flag set to a value.
    ///
    /// # Panics
    ///
    /// If the value cannot be encoded (postcard refuses sequences of unknown length).
    pub fn with_app_flag_value<T: Serialize + ?Sized>(mut self, flag: &str, value: &T) -> State {
        let bytes = encode_bytes(&format!("application flag {flag:?}"), value);
        self.app_flags
            .insert(app_flag_name(flag).to_owned(), Some(bytes));
        self
    }

    /// With an application key/value (`ctx.app()?.set`).
    ///
    /// # Panics
    ///
    /// If the value cannot be serialized as JSON (a map with non-string keys).
    pub fn with_app_value<T: Serialize + ?Sized>(
        mut self,
        key: impl Into<String>,
        value: &T,
    ) -> State {
        let key = key.into();
        let json = serde_json::to_value(value)
            .unwrap_or_else(|e| panic!("application value {key:?}: cannot encode the value: {e}"));
        self.app_kv.insert(key, json);
        self
    }

    /// With a raw leader setting.
    pub fn with_leader_setting(
        mut self,
        key: impl Into<String>,
        value: impl Into<String>,
    ) -> State {
        self.leader_settings.insert(key.into(), value.into());
        self
    }

    /// Whether an application flag is set (name with or without `app:`).
    pub fn has_app_flag(&self, flag: &str) -> bool {
        self.app_flags.contains_key(app_flag_name(flag))
    }

    /// An application flag's value: `Ok(None)` when unset or set without value.
    pub fn app_flag_value<T: DeserializeOwned>(
        &self,
        flag: &str,
    ) -> Result<Option<T>, HarnessError> {
        match self.app_flags.get(app_flag_name(flag)) {
            Some(Some(bytes)) => {
                decode_bytes(format!("application flag {flag:?}"), bytes).map(Some)
            }
            _ => Ok(None),
        }
    }

    /// An application key/value, decoded as a `T`.
    pub fn app_value<T: DeserializeOwned>(&self, key: &str) -> Result<Option<T>, HarnessError> {
        match self.app_kv.get(key) {
            Some(json) => T::deserialize(json)
                .map(Some)
                .map_err(|e| HarnessError::Decode {
                    what: format!("application value {key:?}"),
                    reason: e.to_string(),
                }),
            None => Ok(None),
        }
    }
}

/// Application flags, values and raw settings in the leader settings.
pub(super) struct AppScope;

impl Kind for AppScope {
    fn seed(&self, state: &State, world: &mut Seeding<'_>) -> Result<(), HarnessError> {
        world.model.leader_settings =
            encode(&state.app_flags, &state.app_kv, &state.leader_settings)?;
        Ok(())
    }

    fn read(&self, ended: &Ended<'_>, out: &mut State) -> Result<(), HarnessError> {
        let split = decode(&ended.model.leader_settings);
        out.app_flags = split.app_flags;
        out.app_kv = split.app_kv;
        out.leader_settings = split.raw;
        Ok(())
    }
}

/// Leader settings holding `raw` plus the application flags and values.
/// A raw key that a flag or value also writes is refused.
fn encode(
    app_flags: &BTreeMap<String, Option<Vec<u8>>>,
    app_kv: &BTreeMap<String, Value>,
    raw: &BTreeMap<String, String>,
) -> Result<BTreeMap<String, String>, HarnessError> {
    let mut settings = raw.clone();
    let flags = app_flags
        .iter()
        .map(|(flag, value)| (flag_key(flag), encode_flag_value(value)));
    let values = app_kv.iter().map(|(k, v)| {
        let json = encode_value(v).expect("a serde_json::Value always encodes as JSON");
        (value_key(k), json)
    });
    for (key, value) in flags.chain(values) {
        if settings.contains_key(&key) {
            return Err(HarnessError::LeaderSettingConflict(key));
        }
        settings.insert(key, value);
    }
    Ok(settings)
}

/// The application scope in leader settings.
#[derive(Debug, Default, PartialEq)]
struct Split {
    /// Application flags, names without `app:`.
    app_flags: BTreeMap<String, Option<Vec<u8>>>,
    /// Application values.
    app_kv: BTreeMap<String, Value>,
    /// Every other key, including scope keys whose values do not decode (so that
    /// nothing is lost).
    raw: BTreeMap<String, String>,
}

/// Sorts leader settings into application flags, values and raw settings.
fn decode(settings: &BTreeMap<String, String>) -> Split {
    let mut split = Split::default();
    for (key, value) in settings {
        if let Some(flag) = flag_of_key(key) {
            if let Some(decoded) = decode_flag_value(value) {
                split.app_flags.insert(flag.to_owned(), decoded);
                continue;
            }
        } else if let Some(k) = value_of_key(key) {
            if let Ok(json) = decode_value::<Value>(value) {
                split.app_kv.insert(k.to_owned(), json);
                continue;
            }
        }
        split.raw.insert(key.clone(), value.clone());
    }
    split
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_flags_values_and_raw_settings() {
        let flags = BTreeMap::from([
            ("a".to_owned(), None),
            ("b".to_owned(), Some(vec![1, 0xff])),
        ]);
        let kv = BTreeMap::from([("hash".to_owned(), Value::from("abc"))]);
        let raw = BTreeMap::from([("other".to_owned(), "x".to_owned())]);
        let settings = encode(&flags, &kv, &raw).unwrap();
        assert_eq!(settings["charm-reactive.app.flag.a"], "set");
        assert_eq!(settings["charm-reactive.app.flag.b"], "v:01ff");
        assert_eq!(settings["charm-reactive.app.kv.hash"], "\"abc\"");
        let split = decode(&settings);
        assert_eq!(
            split,
            Split {
                app_flags: flags,
                app_kv: kv,
                raw
            }
        );
    }

    #[test]
    fn conflicts_are_refused_and_garbage_stays_raw() {
        let flags = BTreeMap::from([("a".to_owned(), None)]);
        let raw = BTreeMap::from([("charm-reactive.app.flag.a".to_owned(), "set".to_owned())]);
        assert!(matches!(
            encode(&flags, &BTreeMap::new(), &raw),
            Err(HarnessError::LeaderSettingConflict(k)) if k == "charm-reactive.app.flag.a"
        ));
        let garbage = BTreeMap::from([
            ("charm-reactive.app.flag.x".to_owned(), "v:zz".to_owned()),
            ("charm-reactive.app.kv.y".to_owned(), "{not json".to_owned()),
        ]);
        assert_eq!(decode(&garbage).raw, garbage);
    }
}
