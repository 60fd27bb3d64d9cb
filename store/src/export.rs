//! Export and import of a whole store, for backups and moves: every key and
//! value as hex (so an export restores byte for byte), with a best-effort
//! decoding beside each value for people to read.
//!
//! ```
//! # fn main() -> Result<(), charm_reactive_store::StoreError> {
//! let dir = tempfile::tempdir().unwrap();
//! let store = charm_reactive_store::Store::open(dir.path().join("a"))?;
//! let mut tx = store.transaction();
//! tx.put_raw("flag/app.installed", Vec::new())?;
//! tx.set("kv/port", &8080u16)?;
//! tx.commit()?;
//! let export = store.export()?;
//! assert_eq!(export.flags.get("app.installed"), Some(&None));
//! let copy = charm_reactive_store::Store::open(dir.path().join("b"))?;
//! copy.import(&export, false)?;
//! assert_eq!(copy.transaction().get::<u16>("kv/port")?, Some(8080));
//! # Ok(()) }
//! ```

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::layout::Namespace;
use crate::{codec, hex, CommitStats, Store, StoreError, FORMAT_VERSION};

/// The version of the export format written by [`Store::export`].
pub const EXPORT_FORMAT: u32 = 1;

/// A whole store, as [`Store::export`] writes it and [`Store::import`] reads it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Export {
    /// [`EXPORT_FORMAT`].
    pub export_format: u32,
    /// The format version of the values (the store's [`FORMAT_VERSION`]).
    pub store_format: u8,
    /// The store's generation when exported (informative).
    pub generation: u64,
    /// Flags by name: `null` for a plain flag, else the flag's value.
    pub flags: BTreeMap<String, Option<ExportValue>>,
    /// The unit's key/values, by key (without `kv/`).
    pub kv: BTreeMap<String, ExportValue>,
    /// The engine's bookkeeping, by key (without `internal/`).
    pub internal: BTreeMap<String, ExportValue>,
    /// Keys outside those namespaces, or not UTF-8, kept as they are.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub other: Vec<RawEntry>,
}

/// One value of an [`Export`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExportValue {
    /// The stored bytes, in hex: what an import writes back.
    pub hex: String,
    /// A guess at what the bytes hold, for reading only (postcard does not
    /// record types); ignored by import.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decoded: Option<Guess>,
}

/// A best-effort decoding of a value: the first of these types that decodes
/// the whole value. Values of other types have none.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Guess {
    /// A non-empty string.
    String(String),
    /// A non-empty list of strings.
    Strings(Vec<String>),
    /// An unsigned integer (also how `bool`s and empty strings read).
    Unsigned(u64),
}

/// A key outside the layout, with its value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawEntry {
    /// The key's bytes, in hex.
    pub key_hex: String,
    /// The value's bytes, in hex.
    pub value_hex: String,
}

impl Store {
    /// Every key and value of the store, the store's own records excepted.
    pub fn export(&self) -> Result<Export, StoreError> {
        let mut export = Export {
            export_format: EXPORT_FORMAT,
            store_format: self.format(),
            generation: self.generation(),
            flags: BTreeMap::new(),
            kv: BTreeMap::new(),
            internal: BTreeMap::new(),
            other: Vec::new(),
        };
        for item in self.db().iter() {
            let (key, value) = item.map_err(|e| self.io("export", e))?;
            let named = Namespace::of(&key)
                .and_then(|(ns, rest)| Some((ns, std::str::from_utf8(rest).ok()?)));
            match named {
                Some((Namespace::Reserved, _)) => {}
                Some((Namespace::Flag, name)) if !name.is_empty() => {
                    let v = (!value.is_empty()).then(|| ExportValue::of(&value));
                    export.flags.insert(name.to_owned(), v);
                }
                Some((Namespace::Kv, name)) => {
                    export.kv.insert(name.to_owned(), ExportValue::of(&value));
                }
                Some((Namespace::Internal, name)) => {
                    export
                        .internal
                        .insert(name.to_owned(), ExportValue::of(&value));
                }
                _ => export.other.push(RawEntry {
                    key_hex: hex::encode(&key),
                    value_hex: hex::encode(&value),
                }),
            }
        }
        Ok(export)
    }

    /// Writes every entry of `export` into this store in one commit.
    ///
    /// The store must be empty (the store's own records aside) unless `force`,
    /// which replaces its whole contents in the same commit. Nothing is written
    /// when the export is invalid.
    pub fn import(&self, export: &Export, force: bool) -> Result<CommitStats, StoreError> {
        let entries = export.entries()?;
        let existing: Vec<sled::IVec> = self
            .db()
            .iter()
            .keys()
            .filter(|k| !matches!(k, Ok(k) if Store::is_reserved(k)))
            .collect::<Result<_, _>>()
            .map_err(|e| self.io("scan", e))?;
        if !existing.is_empty() && !force {
            return Err(StoreError::NotEmpty {
                path: self.path().to_owned(),
                keys: existing.len(),
            });
        }
        let mut batch = sled::Batch::default();
        // Later writes to a key replace earlier ones within a batch.
        for key in &existing {
            batch.remove(key);
        }
        for (key, value) in &entries {
            batch.insert(key.as_slice(), value.as_slice());
        }
        let keys = existing
            .iter()
            .map(|k| k.to_vec())
            .chain(entries.iter().map(|(k, _)| k.clone()))
            .collect();
        let (generation, flushed_bytes, generation_recorded) = self.commit_batch(batch, keys)?;
        let kept = existing
            .iter()
            .filter(|k| entries.iter().any(|(e, _)| e == k.as_ref()))
            .count();
        Ok(CommitStats {
            written: entries.len(),
            removed: existing.len() - kept,
            flushed_bytes,
            generation,
            generation_recorded,
        })
    }
}

impl ExportValue {
    fn of(bytes: &[u8]) -> ExportValue {
        ExportValue {
            hex: hex::encode(bytes),
            decoded: guess(bytes),
        }
    }
}

/// Keys and values as bytes, in the order written.
type RawEntries = Vec<(Vec<u8>, Vec<u8>)>;

impl Export {
    /// The raw entries to write, checked.
    fn entries(&self) -> Result<RawEntries, StoreError> {
        let bad = |reason: String| StoreError::BadExport(reason);
        if self.export_format != EXPORT_FORMAT {
            return Err(bad(format!(
                "export format {} is not {EXPORT_FORMAT}, the one this charm-reactive reads",
                self.export_format
            )));
        }
        if self.store_format == 0 || self.store_format > FORMAT_VERSION {
            return Err(bad(format!(
                "its values have store format {}, this charm-reactive reads 1..={FORMAT_VERSION}; upgrade the charm",
                self.store_format
            )));
        }
        let hex = |what: &str, text: &str| {
            hex::decode(text).ok_or_else(|| bad(format!("{what}: {text:?} is not hex")))
        };
        let mut out = Vec::new();
        for (name, value) in &self.flags {
            if name.is_empty() {
                return Err(bad("a flag with an empty name".into()));
            }
            let bytes = match value {
                None => Vec::new(),
                Some(v) => hex(&format!("flag {name:?}"), &v.hex)?,
            };
            out.push((
                format!("{}{name}", Namespace::Flag.prefix()).into_bytes(),
                bytes,
            ));
        }
        for (ns, map) in [
            (Namespace::Kv, &self.kv),
            (Namespace::Internal, &self.internal),
        ] {
            for (name, value) in map {
                let key = format!("{}{name}", ns.prefix());
                out.push((key.clone().into_bytes(), hex(&key, &value.hex)?));
            }
        }
        for entry in &self.other {
            let key = hex("an other key", &entry.key_hex)?;
            if key.is_empty() || Store::is_reserved(&key) {
                return Err(bad(format!(
                    "other key {:?} is empty or reserved",
                    entry.key_hex
                )));
            }
            let value = hex(&format!("other key {:?}", entry.key_hex), &entry.value_hex)?;
            out.push((key, value));
        }
        Ok(out)
    }
}

/// Best-effort decoding of an encoded value (see [`Guess`]).
pub fn guess(bytes: &[u8]) -> Option<Guess> {
    if let Ok(s) = codec::decode::<String>(bytes) {
        if !s.is_empty() {
            return Some(Guess::String(s));
        }
    }
    if let Ok(v) = codec::decode::<Vec<String>>(bytes) {
        if !v.is_empty() {
            return Some(Guess::Strings(v));
        }
    }
    codec::decode::<u64>(bytes).ok().map(Guess::Unsigned)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guesses_common_types_and_nothing_for_the_rest() {
        let enc = |bytes: Result<Vec<u8>, String>| bytes.unwrap();
        assert_eq!(
            guess(&enc(codec::encode("base-url"))),
            Some(Guess::String("base-url".into()))
        );
        assert_eq!(
            guess(&enc(codec::encode(&vec!["a", "b"]))),
            Some(Guess::Strings(vec!["a".into(), "b".into()]))
        );
        assert_eq!(
            guess(&enc(codec::encode(&300u32))),
            Some(Guess::Unsigned(300))
        );
        assert_eq!(guess(&enc(codec::encode(&true))), Some(Guess::Unsigned(1)));
        assert_eq!(guess(&enc(codec::encode(&(-1.5f64, 7u8)))), None);
        assert_eq!(guess(&[]), None);
    }
}
