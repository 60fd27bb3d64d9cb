//! Actions run on units (`juju run-action`).

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::Value;

/// One action run.
#[derive(Clone, Debug, Serialize)]
pub struct ActionRun {
    /// `JUJU_ACTION_UUID`.
    pub id: String,
    /// The unit it ran on.
    pub unit: String,
    /// Action name.
    pub name: String,
    /// Parameters (`action-get`).
    pub params: BTreeMap<String, Value>,
    /// Results (`action-set`, dotted keys nested).
    pub results: BTreeMap<String, Value>,
    /// `completed` or `failed`.
    pub status: String,
    /// `action-fail` message, or why it failed.
    pub message: String,
    /// `action-log` messages.
    pub log: Vec<String>,
}
