//! `jujusim run --html FILE`: the run as one self-contained HTML page.
//!
//! A lane per unit and one for the controller; each hook a block holding the
//! handlers it invoked, the flags it set and cleared and the statuses it set (in
//! colour); leadership changes, replacements, deaths and the assertions' verdicts
//! as markers. The page filters by unit, hook, handler and flag (the filters of
//! the text timeline, also readable from the URL's fragment, e.g.
//! `report.html#unit=con6&hook=*-relation-*`), and a click on a hook shows its
//! log lines. No network: the page carries its own style and script.
//!
//! Columns follow virtual time: one column per hook in the order hooks started
//! (jujusim runs one hook at a time), each labelled with its virtual time, so
//! that cross-unit order reads left to right. Markers sit in the column of the
//! next hook to start after them.

use std::collections::BTreeMap;

use minijinja::Environment;
use serde::Serialize;

use crate::scenario::RunResult;
use crate::timeline::{clock, Kind, Record};

/// The page template; minijinja escapes every value for HTML (`.html` name).
const TEMPLATE: &str = include_str!("html_report.html");

/// Renders `result` as a page titled `title`.
///
/// ```no_run
/// # fn demo(result: &charm_reactive_sim::scenario::RunResult) -> Result<(), minijinja::Error> {
/// let page = charm_reactive_sim::html_report::render(result, "sse-replacement.yaml")?;
/// std::fs::write("report.html", page).expect("writable");
/// # Ok(()) }
/// ```
pub fn render(result: &RunResult, title: &str) -> Result<String, minijinja::Error> {
    let mut env = Environment::new();
    // A handler id's function name: `src/main.rs:15:configure` -> `configure`.
    env.add_filter("handler_name", |id: String| {
        id.split(':').nth(2).map_or(id.clone(), str::to_string)
    });
    env.add_template("report.html", TEMPLATE)?;
    env.get_template("report.html")?
        .render(minijinja::context! { page => Page::of(result, title) })
}

/// Everything the template shows.
#[derive(Debug, Serialize)]
pub struct Page {
    /// Page title: the scenario's name.
    pub title: String,
    /// `Juju 2.8.0 kubernetes model`.
    pub model: String,
    /// The run's verdict line, as the text summary ends.
    pub verdict: String,
    /// Whether the run passed.
    pub ok: bool,
    /// Columns: one per hook, with its virtual time (and one for markers after the last).
    pub columns: Vec<String>,
    /// Hooks run.
    pub hooks: usize,
    /// The controller's lane first, then one per unit (by application, then number).
    pub lanes: Vec<Lane>,
    /// The assertions' verdicts.
    pub assertions: Vec<Verdict>,
    /// Unit names, for the unit filter.
    pub units: Vec<String>,
}

/// One lane: the controller or a unit.
#[derive(Debug, Serialize)]
pub struct Lane {
    /// `controller` or the unit name.
    pub name: String,
    /// The unit's application (empty for the controller).
    pub app: String,
    /// `alive`, `dying`, `dead`, or empty for the controller.
    pub life: String,
    /// The lane's blocks and markers, by column.
    pub cells: Vec<Cell>,
}

/// What one column of a lane holds.
#[derive(Debug, Default, Serialize)]
pub struct Cell {
    /// Column index.
    pub col: usize,
    /// Markers placed before the hook of this column.
    pub markers: Vec<Marker>,
    /// The hook that ran in this column, if it ran in this lane.
    pub hook: Option<HookBlock>,
}

/// One hook run.
#[derive(Debug, Default, Serialize)]
pub struct HookBlock {
    /// Index over the whole run (the `open=` of the URL fragment).
    pub id: usize,
    /// Hook name.
    pub name: String,
    /// Virtual start time, `12:01:34`.
    pub at: String,
    /// `ok`, `failed`, `missing`, or `unknown`.
    pub outcome: String,
    /// Handler ids invoked, in order.
    pub handlers: Vec<String>,
    /// Flags set, in order, without repeats.
    pub set: Vec<String>,
    /// Flags cleared, in order, without repeats.
    pub cleared: Vec<String>,
    /// Statuses set.
    pub statuses: Vec<StatusChange>,
    /// The hook's log lines, as the text timeline prints them.
    pub log: Vec<String>,
}

/// A `status-set`.
#[derive(Debug, Serialize)]
pub struct StatusChange {
    /// `active`, `blocked`, ...
    pub status: String,
    /// Its message.
    pub message: String,
}

/// Something the controller did, or an assertion's verdict.
#[derive(Debug, Serialize)]
pub struct Marker {
    /// `leader`, `replacement`, `started`, `dying`, `removed`, `pass`, `fail`, `event`.
    pub kind: &'static str,
    /// Virtual time.
    pub at: String,
    /// What happened.
    pub text: String,
}

/// An assertion's verdict.
#[derive(Debug, Serialize)]
pub struct Verdict {
    /// `PASS` or `FAIL`.
    pub verdict: &'static str,
    /// `step 12: con6/3 starts with ...`, and the failed checks.
    pub text: String,
}

impl Page {
    /// Builds the page's model from a run.
    pub fn of(result: &RunResult, title: &str) -> Page {
        let m = &result.model;
        let mut units: Vec<&crate::model::Unit> = m.units.iter().collect();
        units.sort_by(|a, b| (&a.app, a.number).cmp(&(&b.app, b.number)));
        let mut lanes = vec![Lane {
            name: "controller".into(),
            app: String::new(),
            life: String::new(),
            cells: Vec::new(),
        }];
        let mut lane_of = BTreeMap::new();
        for u in &units {
            lane_of.insert(u.name.clone(), lanes.len());
            lanes.push(Lane {
                name: u.name.clone(),
                app: u.app.clone(),
                life: crate::report::life(u.life).to_string(),
                cells: Vec::new(),
            });
        }
        // The model's hook history gives each run's outcome, in the order the
        // unit's hook-start records appear.
        let mut outcomes: BTreeMap<&str, std::slice::Iter<'_, crate::model::HookRun>> = units
            .iter()
            .map(|u| (u.name.as_str(), u.hooks.iter()))
            .collect();

        let mut columns: Vec<String> = Vec::new();
        let mut pending: Vec<(usize, Marker)> = Vec::new();
        let mut open: BTreeMap<usize, HookBlock> = BTreeMap::new();
        let mut next_id = 0;
        let mut assertions = result.assertions.iter().peekable();
        for r in &result.timeline.records {
            while let Some(a) = assertions.next_if(|a| a.at_ms < r.at_ms) {
                pending.push((0, assertion_marker(a)));
            }
            let lane = r.unit.as_ref().and_then(|u| lane_of.get(u)).copied();
            match (r.kind, lane) {
                (Kind::HookStart, Some(l)) => {
                    let col = columns.len();
                    columns.push(clock(r.at_ms));
                    place(&mut lanes, &mut pending, col);
                    let outcome = r
                        .unit
                        .as_deref()
                        .and_then(|u| outcomes.get_mut(u))
                        .and_then(Iterator::next)
                        .map_or("unknown".to_string(), |h| h.outcome.clone());
                    open.insert(
                        l,
                        HookBlock {
                            id: next_id,
                            name: r.hook.clone().unwrap_or_default(),
                            at: clock(r.at_ms),
                            outcome,
                            log: vec![r.render()],
                            ..HookBlock::default()
                        },
                    );
                    next_id += 1;
                }
                (Kind::HookEnd, Some(l)) => {
                    if let Some(mut block) = open.remove(&l) {
                        block.log.push(r.render());
                        let col = columns.len() - 1;
                        cell(&mut lanes[l], col).hook = Some(block);
                    }
                }
                (Kind::Controller, lane) => {
                    pending.push((lane.unwrap_or(0), controller_marker(r)));
                }
                (_, Some(l)) => {
                    if let Some(block) = open.get_mut(&l) {
                        block.absorb(r);
                    }
                }
                _ => {}
            }
        }
        for a in assertions {
            pending.push((0, assertion_marker(a)));
        }
        // Hooks still open (a run that stopped mid-hook) and trailing markers.
        for (l, block) in std::mem::take(&mut open) {
            let col = columns.len().saturating_sub(1);
            cell(&mut lanes[l], col).hook = Some(block);
        }
        if !pending.is_empty() {
            let col = columns.len();
            columns.push(clock(m.clock_ms));
            place(&mut lanes, &mut pending, col);
        }
        for lane in &mut lanes {
            lane.cells.sort_by_key(|c| c.col);
        }
        let failed = result.assertions.iter().filter(|a| !a.ok).count();
        Page {
            title: title.to_string(),
            model: format!("Juju {} {} model", m.juju_version, m.kind.name()),
            verdict: format!(
                "{}: {} assertions, {failed} failed{}",
                if result.ok() { "OK" } else { "FAILED" },
                result.assertions.len(),
                if result.hook_errors.is_empty() || result.hook_errors_allowed {
                    ""
                } else {
                    ", units left in error"
                }
            ),
            ok: result.ok(),
            hooks: next_id,
            columns,
            lanes,
            assertions: result
                .assertions
                .iter()
                .map(|a| {
                    let mut text = format!("step {}: {}", a.step, a.subject);
                    for c in a.checks.iter().filter(|c| !c.ok) {
                        text.push_str(&format!("; {}: {}", c.what, c.detail));
                    }
                    Verdict {
                        verdict: if a.ok { "PASS" } else { "FAIL" },
                        text,
                    }
                })
                .collect(),
            units: units.iter().map(|u| u.name.clone()).collect(),
        }
    }
}

/// The cell of `lane` at `col`, created if needed.
fn cell(lane: &mut Lane, col: usize) -> &mut Cell {
    match lane.cells.iter().position(|c| c.col == col) {
        Some(i) => &mut lane.cells[i],
        None => {
            lane.cells.push(Cell {
                col,
                ..Cell::default()
            });
            lane.cells.last_mut().expect("just pushed")
        }
    }
}

/// Puts the pending markers into column `col` of their lanes.
fn place(lanes: &mut [Lane], pending: &mut Vec<(usize, Marker)>, col: usize) {
    for (l, marker) in pending.drain(..) {
        cell(&mut lanes[l], col).markers.push(marker);
    }
}

impl HookBlock {
    /// Takes what a record inside the hook says: handlers, flags, statuses, log.
    fn absorb(&mut self, r: &Record) {
        match r.kind {
            Kind::Status => {
                let (status, message) = r.message.split_once(": ").unwrap_or((&r.message, ""));
                self.statuses.push(StatusChange {
                    status: status.to_string(),
                    message: message.to_string(),
                });
            }
            Kind::Tool => return,
            _ => {
                for line in r.message.lines() {
                    self.step(line);
                }
            }
        }
        self.log.push(r.render());
    }

    /// Reads one log line in either of the engine's step formats: the
    /// charms.reactive tracer's (`Invoking reactive handler: X`, `tracer: set
    /// flag F`) or the one-line events (`charm-reactive event=invoke handler=X`).
    fn step(&mut self, line: &str) {
        if let Some(h) = line.strip_prefix("Invoking reactive handler: ") {
            push_new(&mut self.handlers, h.trim());
        } else if let Some(f) = line.strip_prefix("tracer: set flag ") {
            push_new(&mut self.set, f.trim());
        } else if let Some(f) = line.strip_prefix("tracer: cleared flag ") {
            push_new(&mut self.cleared, f.trim());
        } else if let Some(fields) = line.strip_prefix("charm-reactive ") {
            let field = |name: &str| {
                fields
                    .split(' ')
                    .find_map(|kv| kv.strip_prefix(name)?.strip_prefix('='))
                    .map(|v| v.trim_matches('"'))
            };
            match (field("event"), field("handler"), field("flag")) {
                (Some("invoke"), Some(h), _) => push_new(&mut self.handlers, h),
                (Some("set"), _, Some(f)) => push_new(&mut self.set, f),
                (Some("clear"), _, Some(f)) => push_new(&mut self.cleared, f),
                _ => {}
            }
        }
    }
}

fn push_new(list: &mut Vec<String>, item: &str) {
    if !item.is_empty() && !list.iter().any(|x| x == item) {
        list.push(item.to_string());
    }
}

/// Classifies a controller record by the worker that logged it.
fn controller_marker(r: &Record) -> Marker {
    let m = r.message.as_str();
    let kind = if r.module == "juju.worker.leadership" && m.contains("promoted to leadership") {
        "leader"
    } else if m.contains("replaced by a new pod") {
        "replacement"
    } else if m.ends_with("is dying") {
        "dying"
    } else if m.ends_with("removed") {
        "removed"
    } else if m.ends_with("started") {
        "started"
    } else {
        "event"
    };
    Marker {
        kind,
        at: clock(r.at_ms),
        text: m.to_string(),
    }
}

fn assertion_marker(a: &crate::scenario::AssertionResult) -> Marker {
    Marker {
        kind: if a.ok { "pass" } else { "fail" },
        at: clock(a.at_ms),
        text: format!(
            "{} step {}: {}",
            if a.ok { "PASS" } else { "FAIL" },
            a.step,
            a.subject
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_step_formats_give_the_same_block() {
        let mut classic = HookBlock::default();
        for l in [
            "Invoking reactive handler: src/main.rs:10:configure",
            "tracer: set flag app.ready",
            "tracer: cleared flag config.changed",
            "tracer: set flag app.ready",
        ] {
            classic.step(l);
        }
        let mut events = HookBlock::default();
        for l in [
            "charm-reactive event=invoke unit=a/0 hook=start handler=src/main.rs:10:configure",
            "charm-reactive event=set unit=a/0 hook=start handler=src/main.rs:10:configure flag=app.ready",
            "charm-reactive event=clear unit=a/0 hook=start flag=config.changed",
        ] {
            events.step(l);
        }
        for b in [&classic, &events] {
            assert_eq!(b.handlers, ["src/main.rs:10:configure"]);
            assert_eq!(b.set, ["app.ready"]);
            assert_eq!(b.cleared, ["config.changed"]);
        }
    }
}
