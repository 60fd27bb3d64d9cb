//! Printing a run: the timeline, a summary, and a machine-readable result.

use std::fmt::Write;

use serde_json::{json, Value};

use crate::model::{Life, Model};
use crate::scenario::RunResult;
use crate::timeline::{clock, Filter};

/// The filtered timeline, one debug-log line per record.
pub fn timeline_text(result: &RunResult, filter: &Filter) -> String {
    let mut out = String::new();
    for r in result.timeline.records.iter().filter(|r| filter.matches(r)) {
        out.push_str(&r.render());
        out.push('\n');
    }
    out
}

/// A unit's life as `juju status` prints it.
pub(crate) fn life(l: Life) -> &'static str {
    match l {
        Life::Alive => "alive",
        Life::Dying => "dying",
        Life::Dead => "dead",
    }
}

fn leader_note(model: &Model, app: &str) -> String {
    match model.leader_of(app) {
        None => "none".into(),
        Some(l) => match model.unit(l) {
            Some(u) if u.removed => format!("{l} (removed unit: stale lease)"),
            _ => l.to_string(),
        },
    }
}

/// A human summary: units, applications, relations, assertions, verdict.
pub fn summary(result: &RunResult) -> String {
    let m = &result.model;
    let mut s = String::new();
    let state = if result.settled {
        "settled"
    } else {
        "NOT settled"
    };
    let _ = writeln!(
        s,
        "== summary: Juju {} {} model, virtual time {}, {state} ==",
        m.juju_version,
        m.kind.name(),
        clock(m.clock_ms)
    );
    for u in &m.units {
        let hooks: Vec<&str> = u.hooks.iter().map(|h| h.hook.as_str()).collect();
        let err = u
            .error_hook
            .as_ref()
            .map(|h| format!(" ERROR in {h}"))
            .unwrap_or_default();
        let _ = writeln!(
            s,
            "unit {:<14} {:<6} {} {:?}{err}\n    hooks ({}): {}",
            u.name,
            life(u.life),
            u.status.status,
            u.status.message,
            hooks.len(),
            hooks.join(", ")
        );
    }
    for (name, a) in &m.applications {
        let live: Vec<String> = m.app_units(name).iter().map(|u| u.name.clone()).collect();
        let _ = writeln!(
            s,
            "application {name}: leader {}, live units [{}], pod spec changes {}, replacements {}",
            leader_note(m, name),
            live.join(", "),
            a.pod_spec_changes,
            a.replacements
        );
    }
    for r in m.relations.iter().filter(|r| !r.removed) {
        let scope: Vec<&str> = r.scope.iter().map(String::as_str).collect();
        let _ = writeln!(
            s,
            "relation {}: {}{} in scope [{}]",
            r.id,
            r.describe(),
            if r.dying { " (dying)" } else { "" },
            scope.join(", ")
        );
    }
    if !result.assertions.is_empty() {
        let _ = writeln!(s, "== assertions ==");
    }
    for a in &result.assertions {
        if a.ok {
            let _ = writeln!(
                s,
                "PASS step {}: {} ({} checks)",
                a.step,
                a.subject,
                a.checks.len()
            );
        } else {
            for c in a.checks.iter().filter(|c| !c.ok) {
                let _ = writeln!(
                    s,
                    "FAIL step {}: {}: {}: {}",
                    a.step, a.subject, c.what, c.detail
                );
            }
        }
    }
    if let Some(e) = &result.error {
        let _ = writeln!(s, "ERROR {e}");
    }
    for e in &result.hook_errors {
        let allowed = if result.hook_errors_allowed {
            " (allowed)"
        } else {
            ""
        };
        let _ = writeln!(s, "ERROR unit left in error: {e} failed{allowed}");
    }
    let failed = result.assertions.iter().filter(|a| !a.ok).count();
    let verdict = if result.ok() { "OK" } else { "FAILED" };
    let mut notes = String::new();
    if result.error.is_some() {
        notes.push_str(", a step failed");
    }
    if !result.hook_errors.is_empty() && !result.hook_errors_allowed {
        notes.push_str(", units left in error");
    }
    let _ = writeln!(
        s,
        "== {verdict}: {} assertions, {failed} failed{notes} ==",
        result.assertions.len()
    );
    s
}

/// The machine-readable result (`--json`): verdict, model, assertions, filtered timeline.
pub fn json(result: &RunResult, filter: &Filter) -> Value {
    let timeline: Vec<Value> = result
        .timeline
        .records
        .iter()
        .filter(|r| filter.matches(r))
        .map(|r| {
            let mut v = serde_json::to_value(r).unwrap_or(Value::Null);
            v["time"] = Value::String(clock(r.at_ms));
            v["line"] = Value::String(r.render());
            v
        })
        .collect();
    json!({
        "ok": result.ok(),
        "error": result.error,
        "settled": result.settled,
        "hook_errors": result.hook_errors,
        "steps_run": result.steps_run,
        "assertions": result.assertions,
        "model": result.model,
        "timeline": timeline,
    })
}
