//! A probe charm: its `dispatch` sources `probe-<hook>.sh` from the charm dir
//! when present, where `t CMD...` runs a command and records its exit code,
//! stdout and stderr in `$PROBE_OUT`. Tests read the records back.

use std::fs;
use std::path::Path;

use super::write_charm;

const DISPATCH: &str = r#"#!/bin/sh
hook=$(basename "${JUJU_DISPATCH_PATH:-$0}")
t() {
    "$@" >"$PROBE_OUT.o" 2>"$PROBE_OUT.e"
    code=$?
    {
        printf '@@ %s|%s|%s\n' "$JUJU_UNIT_NAME" "$hook" "$*"
        printf 'exit=%s\n' "$code"
        printf 'out<<\n'; cat "$PROBE_OUT.o"; printf '>>\n'
        printf 'err<<\n'; cat "$PROBE_OUT.e"; printf '>>\n'
    } >>"$PROBE_OUT"
}
if [ -f "$JUJU_CHARM_DIR/probe-$hook.sh" ]; then
    . "$JUJU_CHARM_DIR/probe-$hook.sh"
fi
exit "${PROBE_EXIT:-0}"
"#;

/// Hooks linked to `dispatch` for Juju versions without dispatch.
pub const HOOKS: &[&str] = &[
    "install",
    "start",
    "stop",
    "remove",
    "config-changed",
    "leader-elected",
    "leader-settings-changed",
    "db-relation-created",
    "db-relation-joined",
    "db-relation-changed",
    "db-relation-departed",
    "db-relation-broken",
];

/// Writes a probe charm with `metadata` and probe scripts `(hook, script)`.
pub fn probe_charm(dir: &Path, metadata: &str, config: Option<&str>, scripts: &[(&str, &str)]) {
    write_charm(dir, metadata, config, DISPATCH, HOOKS);
    for (hook, script) in scripts {
        fs::write(dir.join(format!("probe-{hook}.sh")), script).unwrap();
    }
}

/// One recorded command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Call {
    /// Unit that ran it.
    pub unit: String,
    /// Hook it ran in.
    pub hook: String,
    /// The command line.
    pub cmd: String,
    /// Exit code.
    pub exit: i32,
    /// Stdout.
    pub out: String,
    /// Stderr.
    pub err: String,
}

/// Parses `$PROBE_OUT`.
pub fn calls(path: &Path) -> Vec<Call> {
    let text = fs::read_to_string(path).unwrap_or_default();
    let mut out = Vec::new();
    let mut lines = text.split_inclusive('\n').peekable();
    while let Some(line) = lines.next() {
        let Some(head) = line.strip_prefix("@@ ") else {
            continue;
        };
        let mut parts = head.trim_end_matches('\n').splitn(3, '|');
        let unit = parts.next().unwrap_or_default().to_string();
        let hook = parts.next().unwrap_or_default().to_string();
        let cmd = parts.next().unwrap_or_default().to_string();
        let exit = lines
            .next()
            .and_then(|l| l.trim().strip_prefix("exit=").map(str::to_string))
            .and_then(|c| c.parse().ok())
            .unwrap_or(-1);
        let mut block = || {
            lines.next(); // "out<<" / "err<<"
            let mut s = String::new();
            // The end marker may follow output that has no trailing newline.
            for l in lines.by_ref() {
                if let Some(rest) = l.strip_suffix(">>\n") {
                    s.push_str(rest);
                    break;
                }
                s.push_str(l);
            }
            s
        };
        let o = block();
        let e = block();
        out.push(Call {
            unit,
            hook,
            cmd,
            exit,
            out: o,
            err: e,
        });
    }
    out
}

/// The first call whose command line is `cmd` (in `hook`, by `unit` when given).
pub fn find<'a>(calls: &'a [Call], unit: Option<&str>, hook: &str, cmd: &str) -> &'a Call {
    calls
        .iter()
        .find(|c| c.hook == hook && c.cmd == cmd && unit.is_none_or(|u| u == c.unit))
        .unwrap_or_else(|| panic!("no call {cmd:?} in {hook}; calls: {calls:#?}"))
}

/// The last call whose command line is `cmd` (in `hook`, by `unit` when given).
pub fn find_last<'a>(calls: &'a [Call], unit: Option<&str>, hook: &str, cmd: &str) -> &'a Call {
    calls
        .iter()
        .rev()
        .find(|c| c.hook == hook && c.cmd == cmd && unit.is_none_or(|u| u == c.unit))
        .unwrap_or_else(|| panic!("no call {cmd:?} in {hook}; calls: {calls:#?}"))
}
