//! [`DataView`]: one relation data bag, as charms.reactive's `UnitDataView`
//! (raw strings) and `JSONUnitDataView` (JSON values) over the same data.

use std::collections::BTreeMap;

use serde::{de::DeserializeOwned, Serialize};
use serde_json::Value;

use super::{json, EndpointError};
use crate::error::Conversion;

/// A relation data bag: the raw strings Juju stores, read raw
/// ([`raw`](Self::raw), charms.reactive's `*_raw` views) or JSON-decoded
/// ([`get`](Self::get), [`value`](Self::value)).
///
/// Bags of remote units and applications are handed out as `&DataView`, so
/// only the local bags (`to_publish`, `to_publish_app`) can be written. A
/// write marks the view modified; a modified local bag is published at the
/// end of a successful hook with one `relation-set --file -` of the whole bag.
///
/// ```
/// use charm_reactive::endpoint::DataView;
/// let mut view = DataView::default();
/// view.set("port", &8080)?;
/// view.set("hosts", &["a", "b"])?;
/// view.set_raw("legacy", "plain text");
/// assert_eq!(view.raw("hosts"), Some(r#"["a", "b"]"#));
/// assert_eq!(view.get::<u16>("port")?, Some(8080));
/// assert_eq!(view.get::<String>("legacy")?.as_deref(), Some("plain text"));
/// assert!(view.modified());
/// # Ok::<(), charm_reactive::endpoint::EndpointError>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DataView {
    /// `None` is charms.reactive's `view[key] = None`: deleted on publish.
    data: BTreeMap<String, Option<String>>,
    /// What the bag held when read, to skip publishing an unchanged bag.
    loaded: BTreeMap<String, Option<String>>,
    modified: bool,
}

impl DataView {
    /// A view of a bag as read from Juju.
    pub(crate) fn loaded(data: BTreeMap<String, String>) -> DataView {
        let data: BTreeMap<String, Option<String>> =
            data.into_iter().map(|(k, v)| (k, Some(v))).collect();
        DataView {
            loaded: data.clone(),
            data,
            modified: false,
        }
    }

    /// A view of the given raw data (a departed unit's remembered bag).
    pub(crate) fn from_raw(data: BTreeMap<String, Option<String>>) -> DataView {
        DataView {
            loaded: data.clone(),
            data,
            modified: false,
        }
    }

    /// The raw value under `key`; `None` if absent or unset.
    pub fn raw(&self, key: &str) -> Option<&str> {
        self.data.get(key).and_then(Option::as_deref)
    }

    /// The value under `key` decoded as charms.reactive does: JSON if it parses,
    /// else the raw string; `None` if absent or unset.
    pub fn value(&self, key: &str) -> Option<Value> {
        self.raw(key).map(json::decode)
    }

    /// The value under `key` decoded (see [`value`](Self::value)) into a `T`;
    /// `None` if absent, unset or JSON `null`.
    pub fn get<T: DeserializeOwned>(&self, key: &str) -> Result<Option<T>, EndpointError> {
        match self.value(key) {
            None | Some(Value::Null) => Ok(None),
            Some(v) => serde_json::from_value(v)
                .map(Some)
                .map_err(|e| EndpointError::Value {
                    key: key.to_owned(),
                    op: Conversion::Decoded,
                    reason: e.to_string(),
                }),
        }
    }

    /// Whether `key` is in the bag (unset keys included).
    pub fn contains_key(&self, key: &str) -> bool {
        self.data.contains_key(key)
    }

    /// The keys, sorted.
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.data.keys().map(String::as_str)
    }

    /// The raw key/values, sorted by key, without unset keys.
    pub fn iter_raw(&self) -> impl Iterator<Item = (&str, &str)> {
        self.data
            .iter()
            .filter_map(|(k, v)| v.as_deref().map(|v| (k.as_str(), v)))
    }

    /// The number of keys.
    pub fn len(&self) -> usize {
        self.data.len()
    }

    /// Whether the bag has no keys.
    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }

    /// Whether the view was written in this hook.
    pub fn modified(&self) -> bool {
        self.modified
    }

    /// Stores `value` JSON-encoded as Python's `json.dumps(value, sort_keys=True)`
    /// (charms.reactive's `to_publish[key] = value`).
    pub fn set<T: Serialize + ?Sized>(
        &mut self,
        key: &str,
        value: &T,
    ) -> Result<(), EndpointError> {
        let value = serde_json::to_value(value).map_err(|e| EndpointError::Value {
            key: key.to_owned(),
            op: Conversion::Encoded,
            reason: e.to_string(),
        })?;
        self.write(key, Some(crate::json::python_dumps(&value)));
        Ok(())
    }

    /// Stores a raw string (charms.reactive's `to_publish_raw[key] = value`).
    pub fn set_raw(&mut self, key: &str, value: impl Into<String>) {
        self.write(key, Some(value.into()));
    }

    /// Deletes `key` on the remote side when published (charms.reactive's
    /// `to_publish_raw[key] = None`). Python's `del view[key]` has no
    /// counterpart: it dropped the key locally and left it set in Juju.
    pub fn unset(&mut self, key: &str) {
        self.write(key, None);
    }

    fn write(&mut self, key: &str, value: Option<String>) {
        self.modified = true;
        self.data.insert(key.to_owned(), value);
    }

    /// The whole bag for `relation-set`, if it must be published: modified,
    /// not empty (charms.reactive's truthiness test) and different from what
    /// was read (Juju ignores a write of identical settings, so skipping it
    /// saves a process and changes nothing).
    pub(crate) fn to_flush(&self) -> Option<&BTreeMap<String, Option<String>>> {
        (self.modified && !self.data.is_empty() && self.data != self.loaded).then_some(&self.data)
    }

    /// The raw data, unset keys included.
    pub(crate) fn raw_map(&self) -> &BTreeMap<String, Option<String>> {
        &self.data
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn loaded(pairs: &[(&str, &str)]) -> DataView {
        DataView::loaded(
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        )
    }

    #[test]
    fn reads_decode_like_json_unit_data_view() {
        let v = loaded(&[
            ("a", "true"),
            ("b", "foo"),
            ("c", "null"),
            ("d", ""),
            ("e", "\"x\""),
        ]);
        assert_eq!(v.get::<bool>("a").unwrap(), Some(true));
        assert_eq!(v.get::<String>("b").unwrap().as_deref(), Some("foo"));
        assert_eq!(v.get::<String>("c").unwrap(), None);
        assert_eq!(v.get::<String>("d").unwrap().as_deref(), Some(""));
        assert_eq!(v.get::<String>("e").unwrap().as_deref(), Some("x"));
        assert_eq!(v.get::<String>("missing").unwrap(), None);
        assert!(matches!(
            v.get::<u32>("b"),
            Err(EndpointError::Value { .. })
        ));
    }

    #[test]
    fn flush_only_when_modified_non_empty_and_changed() {
        let mut v = loaded(&[("url", "\"http://a\"")]);
        assert!(v.to_flush().is_none());
        v.set("url", "http://a").unwrap();
        assert!(v.modified());
        assert!(v.to_flush().is_none(), "same content: nothing to publish");
        v.set("url", "http://b").unwrap();
        assert_eq!(
            v.to_flush().unwrap()["url"].as_deref(),
            Some("\"http://b\"")
        );
        v.unset("url");
        assert_eq!(v.to_flush().unwrap()["url"], None);
        assert!(DataView::default().to_flush().is_none());
    }
}
