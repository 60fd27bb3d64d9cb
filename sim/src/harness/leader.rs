//! The application scope in leader settings, in the engine's key scheme
//! (`charm_reactive::app_scope`: flag `F` under [`flag_key`], value `K` under
//! [`value_key`]), both ways: a state's application flags and values become
//! leader settings that gate the engine's handlers, and a leader's writes come
//! back as application flags and values.

use std::collections::BTreeMap;

use charm_reactive::app_scope::{
    decode_flag_value, decode_value, encode_flag_value, encode_value, flag_key, flag_of_key,
    value_key, value_of_key,
};
use serde_json::Value;

use super::error::HarnessError;

/// Leader settings holding `raw` plus the application flags and values.
/// A raw key that a flag or value also writes is refused.
pub(crate) fn encode(
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
pub(crate) struct Split {
    /// Application flags, names without `app:`.
    pub(crate) app_flags: BTreeMap<String, Option<Vec<u8>>>,
    /// Application values.
    pub(crate) app_kv: BTreeMap<String, Value>,
    /// Every other key, including scope keys whose values do not decode (so that
    /// nothing is lost).
    pub(crate) raw: BTreeMap<String, String>,
}

/// Sorts leader settings into application flags, values and raw settings.
pub(crate) fn decode(settings: &BTreeMap<String, String>) -> Split {
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
