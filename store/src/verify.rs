//! Verification of a whole store: every key in a known namespace, every value
//! with a readable format byte, the store's own records intact.

use std::path::PathBuf;

use serde::Serialize;

use crate::codec;
use crate::layout::{Namespace, FORMAT_KEY, GENERATION_KEY, UNDO_KEY};
use crate::{Store, StoreError};

/// What [`Store::verify`] found.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct VerifyReport {
    /// The store's directory.
    pub path: PathBuf,
    /// Its format version.
    pub format: u8,
    /// Its generation (number of commits).
    pub generation: u64,
    /// Keys read, the store's own records included.
    pub keys: usize,
    /// `flag/` keys.
    pub flags: usize,
    /// `kv/` keys.
    pub kv: usize,
    /// `internal/` keys.
    pub internal: usize,
    /// Everything wrong, in key order; empty for a sound store.
    pub problems: Vec<Problem>,
    /// Files the open moved aside ([`Store::set_aside`]): not problems, but
    /// worth knowing about.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub set_aside: Vec<PathBuf>,
}

/// One problem found by [`Store::verify`].
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Problem {
    /// The key, printable (see [`printable_key`]); empty for a problem with the
    /// database as a whole.
    pub key: String,
    /// What is wrong.
    pub problem: String,
}

impl VerifyReport {
    /// Whether nothing is wrong.
    pub fn is_ok(&self) -> bool {
        self.problems.is_empty()
    }
}

/// A key as people can read it: the UTF-8 text with control characters escaped
/// (the store's own keys start with `\0`), or `0x` and hex digits when it is not UTF-8.
pub fn printable_key(key: &[u8]) -> String {
    match std::str::from_utf8(key) {
        Ok(s) => s.escape_debug().to_string(),
        Err(_) => format!("0x{}", crate::hex::encode(key)),
    }
}

impl Store {
    /// Reads every key and value and reports what is wrong. Reading is all it
    /// does: a damaged store is reported, never repaired.
    ///
    /// An error is returned only when the report itself cannot be made; a read
    /// failure in the middle of the database is a [`Problem`].
    pub fn verify(&self) -> Result<VerifyReport, StoreError> {
        let mut report = VerifyReport {
            path: self.path().to_owned(),
            format: self.format(),
            generation: self.generation(),
            keys: 0,
            flags: 0,
            kv: 0,
            internal: 0,
            problems: Vec::new(),
            set_aside: self.set_aside().to_vec(),
        };
        for item in self.db().iter() {
            let (key, value) = match item {
                Ok(kv) => kv,
                Err(e) => {
                    report.problems.push(Problem {
                        key: String::new(),
                        problem: format!(
                            "reading the database failed after {} keys: {e}",
                            report.keys
                        ),
                    });
                    break;
                }
            };
            report.keys += 1;
            if let Some(problem) = check_entry(&mut report, &key, &value) {
                report.problems.push(Problem {
                    key: printable_key(&key),
                    problem,
                });
            }
        }
        Ok(report)
    }
}

/// Counts the entry in its namespace and returns what is wrong with it, if anything.
fn check_entry(report: &mut VerifyReport, key: &[u8], value: &[u8]) -> Option<String> {
    let Some((namespace, rest)) = Namespace::of(key) else {
        return Some("key outside the known namespaces (flag/, kv/, internal/)".into());
    };
    let value_check = match namespace {
        Namespace::Reserved => {
            return match key {
                FORMAT_KEY | GENERATION_KEY | UNDO_KEY => None,
                _ => Some("unknown reserved key (written by a newer charm-reactive?)".into()),
            }
        }
        _ if std::str::from_utf8(rest).is_err() => return Some("key is not UTF-8".into()),
        Namespace::Flag => {
            report.flags += 1;
            if rest.is_empty() {
                return Some("empty flag name".into());
            }
            // An empty value is a plain flag; anything else is an encoded value.
            if value.is_empty() {
                return None;
            }
            codec::version_of(value)
        }
        Namespace::Kv => {
            report.kv += 1;
            codec::version_of(value)
        }
        Namespace::Internal => {
            report.internal += 1;
            codec::version_of(value)
        }
    };
    value_check
        .err()
        .map(|e| format!("value does not decode: {e}"))
}
