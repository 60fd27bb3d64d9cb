//! The JSON objects of Pebble's API, as Pebble sends them.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// `GET /v1/system-info`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SystemInfo {
    /// Pebble's version.
    pub version: String,
    /// The boot id, where Pebble reports it.
    #[serde(rename = "boot-id", default, skip_serializing_if = "Option::is_none")]
    pub boot_id: Option<String>,
}

/// A task's progress.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Progress {
    /// Label.
    pub label: String,
    /// Units done.
    pub done: i64,
    /// Units in total.
    pub total: i64,
}

/// One task of a [`Change`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Task {
    /// Task id.
    pub id: String,
    /// Kind (`start`, `stop`, `exec`, ...).
    pub kind: String,
    /// Human summary.
    pub summary: String,
    /// Status (`Do`, `Doing`, `Done`, `Error`, ...).
    pub status: String,
    /// Log lines.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub log: Vec<String>,
    /// Progress.
    #[serde(default)]
    pub progress: Progress,
    /// When it was spawned (RFC 3339).
    #[serde(rename = "spawn-time")]
    pub spawn_time: String,
    /// When it became ready.
    #[serde(
        rename = "ready-time",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub ready_time: Option<String>,
    /// API data (an exec task's `exit-code`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub data: BTreeMap<String, serde_json::Value>,
}

/// A change: what an asynchronous request (services action, exec) does.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Change {
    /// Change id.
    pub id: String,
    /// Kind (`start`, `replan`, `exec`, ...).
    pub kind: String,
    /// Human summary.
    pub summary: String,
    /// Status (`Do`, `Doing`, `Done`, `Error`, ...).
    pub status: String,
    /// Its tasks.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tasks: Vec<Task>,
    /// Whether it finished.
    pub ready: bool,
    /// Its error, if it failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub err: Option<String>,
    /// When it was spawned (RFC 3339).
    #[serde(rename = "spawn-time")]
    pub spawn_time: String,
    /// When it became ready.
    #[serde(
        rename = "ready-time",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub ready_time: Option<String>,
    /// API data.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub data: BTreeMap<String, serde_json::Value>,
}

/// `GET /v1/services`: one service's state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServiceInfo {
    /// Service name.
    pub name: String,
    /// `enabled` or `disabled`.
    pub startup: String,
    /// `active`, `inactive`, `backoff` or `error`.
    pub current: String,
    /// Since when it is in that state.
    #[serde(
        rename = "current-since",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub current_since: Option<String>,
}

impl ServiceInfo {
    /// Whether the service is running.
    pub fn is_running(&self) -> bool {
        self.current == "active"
    }
}

/// `GET /v1/checks`: one health check's state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckInfo {
    /// Check name.
    pub name: String,
    /// `alive`, `ready` or absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub level: Option<String>,
    /// `enabled` or `disabled`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub startup: Option<String>,
    /// `up`, `down` or `inactive`.
    pub status: String,
    /// Consecutive successes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub successes: Option<u64>,
    /// Consecutive failures.
    #[serde(default)]
    pub failures: u64,
    /// Failures after which the check is down.
    pub threshold: u64,
    /// The change running the check.
    #[serde(rename = "change-id", default, skip_serializing_if = "Option::is_none")]
    pub change_id: Option<String>,
}

/// `GET /v1/files?action=list`: one directory entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileInfo {
    /// Full path.
    pub path: String,
    /// Base name.
    pub name: String,
    /// `file`, `directory`, `symlink`, `socket`, `named-pipe`, `device` or `unknown`.
    #[serde(rename = "type")]
    pub file_type: String,
    /// Size (regular files only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size: Option<u64>,
    /// Permission bits in octal, e.g. `"644"`.
    pub permissions: String,
    /// Modification time (RFC 3339).
    #[serde(rename = "last-modified")]
    pub last_modified: String,
    /// Owner uid.
    #[serde(rename = "user-id", default)]
    pub user_id: Option<u32>,
    /// Owner name.
    #[serde(default)]
    pub user: Option<String>,
    /// Group gid.
    #[serde(rename = "group-id", default)]
    pub group_id: Option<u32>,
    /// Group name.
    #[serde(default)]
    pub group: Option<String>,
}

impl FileInfo {
    /// The permission bits as a number (`"644"` → `0o644`).
    pub fn mode(&self) -> Option<u32> {
        u32::from_str_radix(&self.permissions, 8).ok()
    }
}

/// A notice (`GET /v1/notices`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notice {
    /// Notice id.
    pub id: String,
    /// Owner uid (`None`: public).
    #[serde(rename = "user-id", default)]
    pub user_id: Option<u32>,
    /// Type (`custom`, `change-update`, ...).
    #[serde(rename = "type")]
    pub notice_type: String,
    /// Key (`example.com/path` for custom notices).
    pub key: String,
    /// First occurrence (RFC 3339).
    #[serde(rename = "first-occurred")]
    pub first_occurred: String,
    /// Last occurrence.
    #[serde(rename = "last-occurred")]
    pub last_occurred: String,
    /// Last time it repeated (occurred after `repeat-after`).
    #[serde(rename = "last-repeated")]
    pub last_repeated: String,
    /// How many times it occurred.
    pub occurrences: u64,
    /// Data of the last occurrence.
    #[serde(
        rename = "last-data",
        default,
        skip_serializing_if = "BTreeMap::is_empty"
    )]
    pub last_data: BTreeMap<String, String>,
    /// Go duration string.
    #[serde(
        rename = "repeat-after",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub repeat_after: Option<String>,
    /// Go duration string.
    #[serde(
        rename = "expire-after",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub expire_after: Option<String>,
}
