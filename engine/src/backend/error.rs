//! [`BackendError`] and the mapping of Juju's error texts to its variants.

use std::time::Duration;

/// What can go wrong when the engine asks Juju for something.
///
/// Every variant names the hook tool involved, so a hook failure logged through
/// `juju-log` says which call failed and why.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BackendError {
    /// The tool is not on `PATH` (or not in the configured tool directory).
    #[error("hook tool `{tool}` not found: is this running inside a Juju hook, with the unit's tools directory on PATH?")]
    ToolMissing {
        /// The tool.
        tool: String,
    },
    /// The tool exists but this Juju version does not offer it or the option used.
    #[error("`{tool}` is not supported by Juju {juju_version}: {detail}")]
    Unsupported {
        /// The tool.
        tool: String,
        /// The running Juju version (`unknown` when `JUJU_VERSION` is unset).
        juju_version: String,
        /// What is missing, e.g. `needs Juju 2.8` or Juju's own message.
        detail: String,
    },
    /// The unit is not the leader and the operation is leader-only.
    #[error("`{tool}`: this unit is not the leader ({message})")]
    NotLeader {
        /// The tool.
        tool: String,
        /// Juju's message.
        message: String,
    },
    /// The relation id does not name a relation this unit is in.
    #[error("`{tool}`: relation {id} not found")]
    RelationNotFound {
        /// The tool.
        tool: String,
        /// The relation id as passed.
        id: String,
    },
    /// Juju refused access, e.g. a non-leader reading its own application's bag.
    #[error("`{tool}`: permission denied: {message}")]
    PermissionDenied {
        /// The tool.
        tool: String,
        /// Juju's message.
        message: String,
    },
    /// Something the tool looked up does not exist (a network binding, a
    /// unit's settings, a state key with `--strict`).
    #[error("`{tool}`: not found: {message}")]
    NotFound {
        /// The tool.
        tool: String,
        /// Juju's message.
        message: String,
    },
    /// An action tool used outside an action.
    #[error("`{tool}`: not running an action")]
    NotInAction {
        /// The tool.
        tool: String,
    },
    /// A value over a limit Juju or the OS enforces (checked before calling).
    #[error("`{tool}`: value of {key:?} is {size} bytes, over the limit of {limit} bytes")]
    ValueTooLarge {
        /// The tool.
        tool: String,
        /// The key whose value (or the key itself) is too large.
        key: String,
        /// Its size in bytes.
        size: usize,
        /// The limit in bytes.
        limit: usize,
    },
    /// Juju's quota refused the write (e.g. `state-set` over `max-charm-state-size`).
    #[error("`{tool}`: quota exceeded: {message}")]
    QuotaExceeded {
        /// The tool.
        tool: String,
        /// Juju's message.
        message: String,
    },
    /// The OS refused to start the tool: its arguments are too long (E2BIG).
    #[error("`{tool}`: arguments too long for the OS ({bytes} bytes)")]
    ArgumentsTooLong {
        /// The tool.
        tool: String,
        /// Total size of the arguments in bytes.
        bytes: usize,
    },
    /// A request the tool would reject, caught before running it.
    #[error("`{tool}`: invalid argument: {reason}")]
    InvalidArgument {
        /// The tool.
        tool: String,
        /// Why.
        reason: String,
    },
    /// The tool did not finish in time and was killed.
    #[error("`{tool}` did not finish within {after:?} and was killed")]
    Timeout {
        /// The tool.
        tool: String,
        /// The timeout.
        after: Duration,
    },
    /// The tool printed more than any hook tool's answer can be, and was killed.
    #[error(
        "`{tool}` printed more than {limit} bytes on {stream} and was killed: no hook tool's \
         answer is that large (a broken or hostile tool on PATH?)"
    )]
    OutputTooLarge {
        /// The tool.
        tool: String,
        /// `stdout` or `stderr`.
        stream: &'static str,
        /// The limit, in bytes.
        limit: usize,
    },
    /// The tool printed bytes that are not UTF-8.
    #[error("`{tool}` printed output that is not UTF-8")]
    NonUtf8 {
        /// The tool.
        tool: String,
    },
    /// The tool's output is not in the expected format.
    #[error("`{tool}` printed malformed output: {reason}")]
    Malformed {
        /// The tool.
        tool: String,
        /// What was wrong.
        reason: String,
    },
    /// The tool failed in a way not mapped to a more specific variant.
    #[error("`{tool} {}` failed ({}): {stderr}", .args.join(" "), exit_text(*.code))]
    ToolFailed {
        /// The tool.
        tool: String,
        /// Its arguments.
        args: Vec<String>,
        /// Its exit code (`None`: killed by a signal).
        code: Option<i32>,
        /// Its stderr, trimmed.
        stderr: String,
    },
    /// The tool could not be started or talked to.
    #[error("cannot run `{tool}`: {source}")]
    Io {
        /// The tool.
        tool: String,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
}

fn exit_text(code: Option<i32>) -> String {
    match code {
        Some(c) => format!("exit code {c}"),
        None => "killed by a signal".to_string(),
    }
}

impl BackendError {
    /// The hook tool the error is about.
    pub fn tool(&self) -> &str {
        match self {
            BackendError::ToolMissing { tool }
            | BackendError::Unsupported { tool, .. }
            | BackendError::NotLeader { tool, .. }
            | BackendError::RelationNotFound { tool, .. }
            | BackendError::PermissionDenied { tool, .. }
            | BackendError::NotFound { tool, .. }
            | BackendError::NotInAction { tool }
            | BackendError::ValueTooLarge { tool, .. }
            | BackendError::QuotaExceeded { tool, .. }
            | BackendError::ArgumentsTooLong { tool, .. }
            | BackendError::InvalidArgument { tool, .. }
            | BackendError::Timeout { tool, .. }
            | BackendError::OutputTooLarge { tool, .. }
            | BackendError::NonUtf8 { tool }
            | BackendError::Malformed { tool, .. }
            | BackendError::ToolFailed { tool, .. }
            | BackendError::Io { tool, .. } => tool,
        }
    }
}

/// Maps a failed tool's exit code and stderr to the most specific variant.
///
/// Juju prints `ERROR <message>` (older juju/cmd: `error: <message>`); like ops,
/// this matches on substrings of the message, which are stable across versions.
pub(crate) fn classify(
    tool: &str,
    args: &[String],
    code: Option<i32>,
    stderr: &str,
    juju_version: Option<&str>,
) -> BackendError {
    let message = juju_message(stderr);
    let tool_s = tool.to_string();
    let has = |needle: &str| message.contains(needle);
    if has("not the leader") {
        return BackendError::NotLeader {
            tool: tool_s,
            message,
        };
    }
    // A non-leader's `relation-set --app`: Juju says only this.
    if tool == "relation-set"
        && args.iter().any(|a| a == "--app")
        && has("cannot write relation settings")
    {
        return BackendError::NotLeader {
            tool: tool_s,
            message,
        };
    }
    if has("relation not found") || has("unknown relation id") || has("invalid relation id") {
        return BackendError::RelationNotFound {
            tool: tool_s,
            id: relation_arg(args).unwrap_or_default(),
        };
    }
    if has("not running an action") {
        return BackendError::NotInAction { tool: tool_s };
    }
    if has("provided but not defined") || has("unknown command") {
        return BackendError::Unsupported {
            tool: tool_s,
            juju_version: juju_version.unwrap_or("unknown").to_string(),
            detail: message,
        };
    }
    if has("permission denied") {
        return BackendError::PermissionDenied {
            tool: tool_s,
            message,
        };
    }
    if has("max allowed") || has("quota") {
        return BackendError::QuotaExceeded {
            tool: tool_s,
            message,
        };
    }
    if has("not found") || has("no network config found") {
        return BackendError::NotFound {
            tool: tool_s,
            message,
        };
    }
    BackendError::ToolFailed {
        tool: tool_s,
        args: args.to_vec(),
        code,
        stderr: message,
    }
}

/// The message of Juju's error output: the last non-empty line, without the
/// `ERROR `/`error: ` prefix (warnings may precede it).
fn juju_message(stderr: &str) -> String {
    let line = stderr
        .lines()
        .map(str::trim)
        .rfind(|l| !l.is_empty())
        .unwrap_or("");
    line.strip_prefix("ERROR ")
        .or_else(|| line.strip_prefix("error: "))
        .unwrap_or(line)
        .to_string()
}

/// The value of `-r`/`--relation` in `args`.
fn relation_arg(args: &[String]) -> Option<String> {
    let mut it = args.iter();
    while let Some(a) = it.next() {
        if a == "-r" || a == "--relation" {
            return it.next().cloned();
        }
        if let Some(v) = a
            .strip_prefix("--relation=")
            .or_else(|| a.strip_prefix("-r="))
        {
            return Some(v.to_string());
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(a: &[&str]) -> Vec<String> {
        a.iter().map(|s| s.to_string()).collect()
    }

    fn class(tool: &str, a: &[&str], code: i32, stderr: &str) -> BackendError {
        classify(tool, &args(a), Some(code), stderr, Some("2.9.42"))
    }

    #[test]
    fn juju_error_texts_map_to_variants() {
        let e = class(
            "leader-set",
            &["a=b"],
            1,
            "ERROR cannot write leadership settings: cannot write settings: not the leader\n",
        );
        assert!(matches!(e, BackendError::NotLeader { ref tool, .. } if tool == "leader-set"));
        let e = class("status-set", &[], 1, "error: this unit is not the leader\n");
        assert!(matches!(e, BackendError::NotLeader { .. }));
        let e = class(
            "relation-set",
            &["-r", "db:1", "--app", "--file", "-"],
            1,
            "ERROR cannot write relation settings\n",
        );
        assert!(matches!(e, BackendError::NotLeader { .. }));
        let e = class(
            "relation-set",
            &["-r", "db:1", "--file", "-"],
            1,
            "ERROR cannot write relation settings\n",
        );
        assert!(matches!(e, BackendError::ToolFailed { .. }));
        let e = class(
            "relation-get",
            &["--format=json", "-r", "db:9", "-", "x/0"],
            2,
            "ERROR invalid value \"db:9\" for flag -r: relation not found\n",
        );
        assert!(matches!(e, BackendError::RelationNotFound { ref id, .. } if id == "db:9"));
        let e = class(
            "relation-ids",
            &["-r", "7"],
            2,
            "error: invalid value \"7\" for flag -r: unknown relation id",
        );
        assert!(matches!(e, BackendError::RelationNotFound { ref id, .. } if id == "7"));
        let e = class("action-get", &[], 1, "ERROR not running an action\n");
        assert!(matches!(e, BackendError::NotInAction { .. }));
        let e = class(
            "relation-list",
            &["--app"],
            2,
            "ERROR option provided but not defined: --app\n",
        );
        assert!(
            matches!(e, BackendError::Unsupported { ref juju_version, ref detail, .. } if juju_version == "2.9.42" && detail.contains("--app"))
        );
        let e = class("relation-get", &[], 1, "ERROR permission denied\n");
        assert!(matches!(e, BackendError::PermissionDenied { .. }));
        let e = class(
            "state-set",
            &[],
            1,
            "ERROR value for key \"k\" exceeds the max allowed value size of 65536 bytes\n",
        );
        assert!(matches!(e, BackendError::QuotaExceeded { .. }));
        let e = class(
            "network-get",
            &["x"],
            1,
            "ERROR no network config found for binding \"x\"\n",
        );
        assert!(matches!(e, BackendError::NotFound { .. }));
        let e = class(
            "relation-get",
            &[],
            1,
            "ERROR cannot read settings for unit \"a/9\" in relation \"db:1\": unit \"a/9\": settings not found\n",
        );
        assert!(matches!(e, BackendError::NotFound { .. }));
        let e = class(
            "juju-log",
            &[],
            2,
            "warning: x\nERROR no message specified\n",
        );
        match e {
            BackendError::ToolFailed { code, stderr, .. } => {
                assert_eq!(code, Some(2));
                assert_eq!(stderr, "no message specified");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn messages_name_the_tool() {
        let e = BackendError::Timeout {
            tool: "leader-get".into(),
            after: Duration::from_secs(60),
        };
        assert_eq!(e.tool(), "leader-get");
        assert!(e.to_string().contains("`leader-get`"));
        let e = classify("config-get", &args(&["--all"]), None, "", None);
        assert!(e.to_string().contains("killed by a signal"), "{e}");
    }
}
