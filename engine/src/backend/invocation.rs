//! The exact command lines for each request, and the limits checked before
//! running them. Shared by [`super::HookTools`] (which runs them) and
//! [`super::MemoryBackend`] (which records them), so both report the same calls.

use std::collections::BTreeMap;

use super::error::BackendError;
use super::types::{PortRange, RelationId, Status, StatusTarget, ToolCall};
use crate::juju::limits::StateEntryTooLarge;
use crate::log::Level;

pub use crate::juju::limits::{
    MAX_ARGUMENT_BYTES, MAX_CALL_BYTES, MAX_STATE_KEY_BYTES, MAX_STATE_VALUE_BYTES,
};

/// One hook-tool command line, with what goes to its stdin.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Invocation {
    pub(crate) tool: &'static str,
    pub(crate) args: Vec<String>,
    pub(crate) stdin: Option<String>,
}

impl Invocation {
    fn new<I, S>(tool: &'static str, args: I) -> Invocation
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Invocation {
            tool,
            args: args.into_iter().map(Into::into).collect(),
            stdin: None,
        }
    }

    fn with_stdin(mut self, stdin: String) -> Invocation {
        self.stdin = Some(stdin);
        self
    }

    /// The record of this invocation.
    pub(crate) fn to_call(&self) -> ToolCall {
        ToolCall {
            tool: self.tool.to_string(),
            args: self.args.clone(),
            stdin: self.stdin.clone(),
        }
    }

    /// A key identifying a read within one hook (tool and arguments).
    pub(crate) fn cache_key(&self) -> String {
        let mut k = self.tool.to_string();
        for a in &self.args {
            k.push('\0');
            k.push_str(a);
        }
        k
    }
}

/// `juju-log --log-level <LEVEL> -- <message>` (ops' form: `--` lets a message
/// start with `-`), one call per chunk of [`log_chunks`].
pub(crate) fn juju_log(level: Level, message: &str) -> Vec<Invocation> {
    log_chunks(message)
        .into_iter()
        .map(|chunk| Invocation::new("juju-log", ["--log-level", level.as_str(), "--", chunk]))
        .collect()
}

/// Splits a message into pieces that fit one argument, at line ends where
/// possible (ops splits long messages the same way, at a fixed size).
pub(crate) fn log_chunks(message: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = message;
    while rest.len() > MAX_ARGUMENT_BYTES {
        let mut cut = MAX_ARGUMENT_BYTES;
        while !rest.is_char_boundary(cut) {
            cut -= 1;
        }
        let cut = match rest[..cut].rfind('\n') {
            Some(nl) if nl > 0 => nl,
            _ => cut,
        };
        out.push(&rest[..cut]);
        rest = rest[cut..].strip_prefix('\n').unwrap_or(&rest[cut..]);
    }
    out.push(rest);
    out
}

/// `status-set [--application] -- <state> <message>`.
pub(crate) fn status_set(
    target: StatusTarget,
    status: &Status,
) -> Result<Invocation, BackendError> {
    if !status.state.is_settable() {
        return Err(BackendError::InvalidArgument {
            tool: "status-set".into(),
            reason: format!(
                "status {:?} cannot be set by a charm; expected one of maintenance, blocked, waiting, active",
                status.state.as_str()
            ),
        });
    }
    let mut args = Vec::new();
    if target == StatusTarget::Application {
        args.push("--application".to_string());
    }
    args.extend([
        "--".into(),
        status.state.as_str().into(),
        status.message.clone(),
    ]);
    check_arguments("status-set", "message", &args)?;
    Ok(Invocation::new("status-set", args))
}

/// `status-get [--application] --include-data --format=json`.
pub(crate) fn status_get(target: StatusTarget) -> Invocation {
    match target {
        StatusTarget::Unit => Invocation::new("status-get", ["--include-data", "--format=json"]),
        StatusTarget::Application => Invocation::new(
            "status-get",
            ["--application", "--include-data", "--format=json"],
        ),
    }
}

/// `application-version-set -- <version>`.
pub(crate) fn application_version_set(version: &str) -> Result<Invocation, BackendError> {
    let args = vec!["--".to_string(), version.to_string()];
    check_arguments("application-version-set", "version", &args)?;
    Ok(Invocation::new("application-version-set", args))
}

/// `config-get --all --format=json`: every option, unset ones as null (what
/// charmhelpers' `config()` reads, so `config.set.*` flags see unset options).
pub(crate) fn config_get() -> Invocation {
    Invocation::new("config-get", ["--all", "--format=json"])
}

/// `is-leader --format=json`.
pub(crate) fn is_leader() -> Invocation {
    Invocation::new("is-leader", ["--format=json"])
}

/// `leader-get --format=json`: all settings.
pub(crate) fn leader_get() -> Invocation {
    Invocation::new("leader-get", ["--format=json"])
}

/// `leader-set k=v ...` (an empty value deletes; an empty map makes no call).
/// Values with surrounding whitespace are refused: some Juju versions trim
/// `key=value` arguments, so they would not read back. leader-set has no `--file`, so
/// each `key=value` must fit one argument; calls are split to stay under
/// [`MAX_CALL_BYTES`] (leader-set merges, so several calls write the same).
pub(crate) fn leader_set(
    settings: &BTreeMap<String, Option<String>>,
) -> Result<Vec<Invocation>, BackendError> {
    for (k, v) in settings {
        if let Some(v) = v.as_deref().filter(|v| v.trim() != *v) {
            return Err(BackendError::InvalidArgument {
                tool: "leader-set".into(),
                reason: format!(
                    "value of {k:?} has leading or trailing whitespace, which some Juju versions trim from key=value arguments ({} bytes)",
                    v.len()
                ),
            });
        }
    }
    let pairs = key_value_args(
        "leader-set",
        settings
            .iter()
            .map(|(k, v)| (k, v.as_deref().unwrap_or(""))),
    )?;
    Ok(split_calls("leader-set", pairs))
}

/// `relation-ids --format=json <endpoint>`.
pub(crate) fn relation_ids(endpoint: &str) -> Invocation {
    Invocation::new("relation-ids", ["--format=json", endpoint])
}

/// `relation-list --format=json -r <id>`.
pub(crate) fn relation_list(rid: &RelationId) -> Invocation {
    Invocation::new(
        "relation-list",
        ["--format=json".to_string(), "-r".into(), rid.to_string()],
    )
}

/// `relation-list --format=json -r <id> --app` (Juju ≥ 2.8.1): the remote application.
pub(crate) fn relation_list_app(rid: &RelationId) -> Invocation {
    Invocation::new(
        "relation-list",
        [
            "--format=json".to_string(),
            "-r".into(),
            rid.to_string(),
            "--app".into(),
        ],
    )
}

/// Whether a relation-get target is an application (unit names have a `/`).
pub(crate) fn is_app_name(target: &str) -> bool {
    !target.contains('/')
}

/// `relation-get --format=json -r <id> [--app] - <unit-or-app>`: a whole bag.
pub(crate) fn relation_get(rid: &RelationId, target: &str) -> Invocation {
    let mut args = vec!["--format=json".to_string(), "-r".into(), rid.to_string()];
    if is_app_name(target) {
        args.push("--app".into());
    }
    args.extend(["-".to_string(), target.to_string()]);
    Invocation::new("relation-get", args)
}

/// `relation-set -r <id> [--app] --file -` with a JSON map on stdin (JSON is
/// YAML; `--file` values are not whitespace-trimmed, unlike `key=value`
/// arguments, and have no size limit per argument). `None` is written as the
/// empty string, which deletes the key.
pub(crate) fn relation_set(
    rid: &RelationId,
    app: bool,
    data: &BTreeMap<String, Option<String>>,
) -> Result<Invocation, BackendError> {
    for k in data.keys() {
        check_key("relation-set", k)?;
    }
    let mut args = vec!["-r".to_string(), rid.to_string()];
    if app {
        args.push("--app".into());
    }
    args.extend(["--file".to_string(), "-".into()]);
    let map: BTreeMap<&str, &str> = data
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_deref().unwrap_or("")))
        .collect();
    Ok(Invocation::new("relation-set", args).with_stdin(json(&map)))
}

/// `pod-spec-set`/`k8s-spec-set --file - [--k8s-resources <path>]`, the spec on stdin.
pub(crate) fn spec_set(
    tool: &'static str,
    spec: &str,
    k8s_resources: Option<&str>,
) -> Result<Invocation, BackendError> {
    if spec.trim().is_empty() {
        return Err(BackendError::InvalidArgument {
            tool: tool.into(),
            reason: "empty pod spec".into(),
        });
    }
    let mut args = vec!["--file".to_string(), "-".into()];
    if let Some(path) = k8s_resources {
        args.extend(["--k8s-resources".to_string(), path.to_string()]);
    }
    Ok(Invocation::new(tool, args).with_stdin(spec.to_string()))
}

/// `state-get --format=json`: all keys.
pub(crate) fn state_get() -> Invocation {
    Invocation::new("state-get", ["--format=json"])
}

/// `state-set --file -` with a JSON map on stdin, after checking Juju's limits.
pub(crate) fn state_set(values: &BTreeMap<String, String>) -> Result<Invocation, BackendError> {
    for (k, v) in values {
        check_key("state-set", k)?;
        check_state_entry(k, v)?;
    }
    Ok(Invocation::new("state-set", ["--file", "-"]).with_stdin(json(values)))
}

/// Juju's per-key and per-value limits for `state-set`.
pub(crate) fn check_state_entry(key: &str, value: &str) -> Result<(), BackendError> {
    crate::juju::limits::check_state_entry(key, value).map_err(|e| {
        let limit = e.limit();
        let (StateEntryTooLarge::Key { size, .. } | StateEntryTooLarge::Value { size, .. }) = e;
        BackendError::ValueTooLarge {
            tool: "state-set".into(),
            key: key.to_string(),
            size,
            limit,
        }
    })
}

/// `state-delete <key>`.
pub(crate) fn state_delete(key: &str) -> Result<Invocation, BackendError> {
    check_key("state-delete", key)?;
    Ok(Invocation::new("state-delete", [key]))
}

/// `goal-state --format=json`.
pub(crate) fn goal_state() -> Invocation {
    Invocation::new("goal-state", ["--format=json"])
}

/// `network-get --format=json [-r <id>] <binding>`.
pub(crate) fn network_get(binding: &str, rid: Option<&RelationId>) -> Invocation {
    let mut args = vec!["--format=json".to_string()];
    if let Some(rid) = rid {
        args.extend(["-r".to_string(), rid.to_string()]);
    }
    args.push(binding.to_string());
    Invocation::new("network-get", args)
}

/// `open-port <port>` or `close-port <port>`.
pub(crate) fn port(open: bool, port: &PortRange) -> Invocation {
    let tool = if open { "open-port" } else { "close-port" };
    Invocation::new(tool, [port.to_string()])
}

/// `opened-ports --format=json`.
pub(crate) fn opened_ports() -> Invocation {
    Invocation::new("opened-ports", ["--format=json"])
}

/// `action-get --format=json`: all parameters.
pub(crate) fn action_get() -> Invocation {
    Invocation::new("action-get", ["--format=json"])
}

/// `action-set k=v ...`: dotted keys build nested maps in the result.
pub(crate) fn action_set(
    results: &BTreeMap<String, String>,
) -> Result<Vec<Invocation>, BackendError> {
    for k in results.keys() {
        check_action_key(k)?;
    }
    let pairs = key_value_args("action-set", results.iter().map(|(k, v)| (k, v.as_str())))?;
    Ok(split_calls("action-set", pairs))
}

/// `action-fail -- <message>`.
pub(crate) fn action_fail(message: &str) -> Result<Invocation, BackendError> {
    let args = vec!["--".to_string(), message.to_string()];
    check_arguments("action-fail", "message", &args)?;
    Ok(Invocation::new("action-fail", args))
}

/// `action-log -- <message>`.
pub(crate) fn action_log(message: &str) -> Result<Invocation, BackendError> {
    let args = vec!["--".to_string(), message.to_string()];
    check_arguments("action-log", "message", &args)?;
    Ok(Invocation::new("action-log", args))
}

/// Juju's rule for action-set keys: dot-separated segments of lowercase
/// alphanumerics and hyphens, starting and ending alphanumeric.
pub(crate) fn check_action_key(key: &str) -> Result<(), BackendError> {
    let segment_ok = |s: &str| {
        let b = s.as_bytes();
        let alnum = |c: &u8| c.is_ascii_lowercase() || c.is_ascii_digit();
        !b.is_empty()
            && alnum(&b[0])
            && alnum(&b[b.len() - 1])
            && b.iter().all(|c| alnum(c) || *c == b'-')
    };
    if key.split('.').all(segment_ok) {
        Ok(())
    } else {
        Err(BackendError::InvalidArgument {
            tool: "action-set".into(),
            reason: format!(
                "key {key:?} must start and end with lowercase alphanumeric, and contain only lowercase alphanumeric, hyphens and periods"
            ),
        })
    }
}

/// A settings key Juju accepts: non-empty, no `=`, not starting with `-` (it
/// would parse as a flag).
fn check_key(tool: &str, key: &str) -> Result<(), BackendError> {
    let reason = if key.is_empty() {
        "empty key"
    } else if key.contains('=') {
        "key contains '='"
    } else if key.starts_with('-') {
        "key starts with '-'"
    } else {
        return Ok(());
    };
    Err(BackendError::InvalidArgument {
        tool: tool.into(),
        reason: format!("{reason}: {key:?}"),
    })
}

/// `key=value` arguments, each checked against the per-argument limit.
fn key_value_args<'a>(
    tool: &str,
    pairs: impl Iterator<Item = (&'a String, &'a str)>,
) -> Result<Vec<String>, BackendError> {
    pairs
        .map(|(k, v)| {
            check_key(tool, k)?;
            let arg = format!("{k}={v}");
            if arg.len() > MAX_ARGUMENT_BYTES {
                return Err(BackendError::ValueTooLarge {
                    tool: tool.into(),
                    key: k.clone(),
                    size: arg.len(),
                    limit: MAX_ARGUMENT_BYTES,
                });
            }
            Ok(arg)
        })
        .collect()
}

/// Checks free-text arguments against the per-argument limit.
fn check_arguments(tool: &str, what: &str, args: &[String]) -> Result<(), BackendError> {
    match args.iter().find(|a| a.len() > MAX_ARGUMENT_BYTES) {
        Some(a) => Err(BackendError::ValueTooLarge {
            tool: tool.into(),
            key: what.into(),
            size: a.len(),
            limit: MAX_ARGUMENT_BYTES,
        }),
        None => Ok(()),
    }
}

/// Groups arguments into calls of at most [`MAX_CALL_BYTES`]; no arguments, no
/// call (leader-set refuses to run without arguments).
fn split_calls(tool: &'static str, args: Vec<String>) -> Vec<Invocation> {
    let mut calls: Vec<Vec<String>> = Vec::new();
    let mut size = 0;
    for a in args {
        // +1: each argument is NUL-terminated in the exec block.
        let len = a.len() + 1;
        match calls.last_mut() {
            Some(current) if size + len <= MAX_CALL_BYTES => current.push(a),
            _ => {
                calls.push(vec![a]);
                size = 0;
            }
        }
        size += len;
    }
    calls
        .into_iter()
        .map(|a| Invocation::new(tool, a))
        .collect()
}

fn json<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_string(v).expect("a map of strings always serializes")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::types::StatusState;

    fn settings(pairs: &[(&str, Option<&str>)]) -> BTreeMap<String, Option<String>> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.map(str::to_string)))
            .collect()
    }

    #[test]
    fn log_chunks_split_at_lines_and_chars() {
        assert_eq!(log_chunks("short"), ["short"]);
        let line = "x".repeat(100_000);
        let msg = format!("{line}\n{line}\n{line}");
        let chunks = log_chunks(&msg);
        assert_eq!(chunks, [line.as_str(), line.as_str(), line.as_str()]);
        let long = "é".repeat(MAX_ARGUMENT_BYTES);
        let chunks = log_chunks(&long);
        assert!(chunks.iter().all(|c| c.len() <= MAX_ARGUMENT_BYTES));
        assert_eq!(chunks.concat(), long);
    }

    #[test]
    fn leader_set_checks_and_splits() {
        let calls = leader_set(&settings(&[("a", Some("1")), ("b", None)])).unwrap();
        assert_eq!(calls.len(), 1);
        assert_eq!(calls[0].args, ["a=1", "b="]);
        let big = "v".repeat(MAX_ARGUMENT_BYTES);
        let e = leader_set(&settings(&[("k", Some(&big))])).unwrap_err();
        assert!(
            matches!(e, BackendError::ValueTooLarge { ref key, size, limit, .. } if key == "k" && size == MAX_ARGUMENT_BYTES + 2 && limit == MAX_ARGUMENT_BYTES)
        );
        let e = leader_set(&settings(&[("a=b", Some("1"))])).unwrap_err();
        assert!(matches!(e, BackendError::InvalidArgument { .. }));
        let half = "v".repeat(100_000);
        let many: BTreeMap<String, Option<String>> = (0..25)
            .map(|i| (format!("k{i:02}"), Some(half.clone())))
            .collect();
        let calls = leader_set(&many).unwrap();
        assert_eq!(calls.len(), 3);
        assert!(calls
            .iter()
            .all(|c| c.args.iter().map(|a| a.len() + 1).sum::<usize>() <= MAX_CALL_BYTES));
        assert_eq!(calls.iter().map(|c| c.args.len()).sum::<usize>(), 25);
        assert!(leader_set(&BTreeMap::new()).unwrap().is_empty());
        let e = leader_set(&settings(&[("k", Some(" v"))])).unwrap_err();
        assert!(matches!(e, BackendError::InvalidArgument { .. }));
    }

    #[test]
    fn state_limits() {
        let ok: BTreeMap<String, String> =
            [("k".to_string(), "v".repeat(MAX_STATE_VALUE_BYTES))].into();
        assert!(state_set(&ok).is_ok());
        let big: BTreeMap<String, String> =
            [("k".to_string(), "v".repeat(MAX_STATE_VALUE_BYTES + 1))].into();
        assert!(matches!(
            state_set(&big),
            Err(BackendError::ValueTooLarge {
                limit: MAX_STATE_VALUE_BYTES,
                ..
            })
        ));
        let long_key: BTreeMap<String, String> = [("k".repeat(257), "v".to_string())].into();
        assert!(matches!(
            state_set(&long_key),
            Err(BackendError::ValueTooLarge {
                limit: MAX_STATE_KEY_BYTES,
                ..
            })
        ));
    }

    #[test]
    fn action_keys() {
        for ok in ["a", "a-b", "a.b-c.d0", "0"] {
            assert!(check_action_key(ok).is_ok(), "{ok}");
        }
        for bad in ["", "A", "a.", "-a", "a-", "a_b", "a..b"] {
            assert!(check_action_key(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn unsettable_status_is_refused() {
        let e = status_set(StatusTarget::Unit, &Status::new(StatusState::Error, "x")).unwrap_err();
        assert!(matches!(e, BackendError::InvalidArgument { .. }));
    }
}
