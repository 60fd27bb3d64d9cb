//! The application scope in leader settings, in the engine's key scheme
//! (`charm_reactive::app_scope`): flag `F` is `charm-reactive.app.flag.F` =
//! `set` (or `v:<hex of the value codec's bytes>`), value `K` is
//! `charm-reactive.app.kv.K` = its JSON.
//!
//! The engine keeps its key builders and flag codec private, so they are
//! restated here; the harness tests run a real engine against them, in both
//! directions (a state's application flags gate handlers, and a leader's writes
//! come back as application flags).

use std::collections::BTreeMap;

use serde_json::Value;

use super::error::HarnessError;

/// Leader-settings key prefix of application flags.
const FLAG_KEY: &str = "charm-reactive.app.flag.";
/// Leader-settings key prefix of application values.
const KV_KEY: &str = "charm-reactive.app.kv.";

/// Leader settings holding `raw` plus the application flags and values.
/// A raw key that a flag or value also writes is refused.
pub(crate) fn encode(
    app_flags: &BTreeMap<String, Option<Vec<u8>>>,
    app_kv: &BTreeMap<String, Value>,
    raw: &BTreeMap<String, String>,
) -> Result<BTreeMap<String, String>, HarnessError> {
    let mut settings = raw.clone();
    let flags = app_flags.iter().map(|(flag, value)| {
        let encoded = match value {
            None => "set".to_owned(),
            Some(bytes) => format!("v:{}", hex(bytes)),
        };
        (format!("{FLAG_KEY}{flag}"), encoded)
    });
    let values = app_kv
        .iter()
        .map(|(k, v)| (format!("{KV_KEY}{k}"), v.to_string()));
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
        if let Some(flag) = key.strip_prefix(FLAG_KEY) {
            if let Some(decoded) = decode_flag(value) {
                split.app_flags.insert(flag.to_owned(), decoded);
                continue;
            }
        } else if let Some(k) = key.strip_prefix(KV_KEY) {
            if let Ok(json) = serde_json::from_str::<Value>(value) {
                split.app_kv.insert(k.to_owned(), json);
                continue;
            }
        }
        split.raw.insert(key.clone(), value.clone());
    }
    split
}

fn decode_flag(value: &str) -> Option<Option<Vec<u8>>> {
    if value == "set" {
        return Some(None);
    }
    let hex = value.strip_prefix("v:")?;
    if hex.len() % 2 != 0 || !hex.is_ascii() {
        return None;
    }
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).ok())
        .collect::<Option<Vec<u8>>>()
        .map(Some)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use charm_reactive::app_scope::LEADER_PREFIX;

    #[test]
    fn keys_are_in_the_engines_namespace() {
        assert!(FLAG_KEY.starts_with(LEADER_PREFIX) && KV_KEY.starts_with(LEADER_PREFIX));
    }

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
