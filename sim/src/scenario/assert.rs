//! `assert:` steps: checks on a unit, an application or a relation bag.
//!
//! ```yaml
//! - assert:
//!     unit: con6/3            # or con6/leader, con6/newest
//!     status: active          # current workload status
//!     message-contains: Pods created
//!     never-status: blocked   # in the whole status history (one or a list)
//!     ever-status: "blocked: Please add"   # held at some point (state, or state: message fragment)
//!     life: alive             # alive, dying, dead
//!     leader: false
//!     hooks: [start, leader-settings-changed, config-changed]   # the exact sequence
//!     hooks-include: [stop]   # an ordered subsequence
//!     hooks-exclude: [install]
//!     flags: {set: [consumer.configured], unset: [sse-endpoint.available]}   # or a list of set flags
//!     state: {key: value}     # state-set values (null: absent)
//!     replaced-by: con6/4
//!     log-contains: "Invoking reactive handler"
//!     action: {name: refresh, status: completed, results: {out: {code: "0"}}}
//! - assert: {app: con6, units: [con6/3], leader: con6/3, pod-spec-changes: 2, replacements: 1,
//!            app-flags: [db.ready], leader-settings: {k: v}, app-status: active}
//! - assert: {relation: "con6:sse-endpoint", unit: sse-endpoint/0, data: {base-url: '"http://b"'}}
//! ```

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use super::OneOrMany;
use crate::flags::{app_flags, unit_flags, FlagSource};
use crate::model::{Life, Model, Unit};
use crate::timeline::{clock, Timeline};

/// Expected flags: a list of set flags, or `{set: [...], unset: [...]}`.
#[derive(Clone, Debug, Deserialize)]
#[serde(untagged)]
pub enum FlagCheck {
    /// These flags are set.
    List(Vec<String>),
    /// These are set and those are not.
    Split {
        /// Must be set.
        #[serde(default)]
        set: Vec<String>,
        /// Must not be set.
        #[serde(default)]
        unset: Vec<String>,
    },
}

impl FlagCheck {
    /// The same check with charm-reactive's `app:` prefix dropped from names.
    fn without_app_prefix(&self) -> FlagCheck {
        let strip = |v: &[String]| -> Vec<String> {
            v.iter()
                .map(|f| f.strip_prefix("app:").unwrap_or(f).to_string())
                .collect()
        };
        let (set, unset) = self.parts();
        FlagCheck::Split {
            set: strip(set),
            unset: strip(unset),
        }
    }

    fn parts(&self) -> (&[String], &[String]) {
        match self {
            FlagCheck::List(v) => (v, &[]),
            FlagCheck::Split { set, unset } => (set, unset),
        }
    }
}

/// Checks on the last run of an action on a unit.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ActionCheck {
    /// Action name.
    pub name: String,
    /// `completed` or `failed`.
    #[serde(default)]
    pub status: Option<String>,
    /// Its failure message.
    #[serde(default)]
    pub message: Option<String>,
    /// Result values (nested maps for dotted keys; null = absent).
    #[serde(default)]
    pub results: BTreeMap<String, serde_json::Value>,
}

/// `leader:` for a unit (`true`/`false`) or an application (the leader's name).
#[derive(Clone, Debug, Deserialize)]
#[serde(untagged)]
pub enum LeaderCheck {
    /// The unit is (not) the leader; for an app, `false` means no leader.
    Is(bool),
    /// The application's leader.
    Unit(String),
}

/// One `assert:` step.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct Assertion {
    /// A name shown in reports.
    pub label: Option<String>,
    /// Subject: a unit (`app/N`, `app/leader`, `app/newest`).
    pub unit: Option<String>,
    /// Subject: an application.
    pub app: Option<String>,
    /// Subject: a relation bag (`app:endpoint`), with `unit` or `app` naming the bag.
    pub relation: Option<String>,
    /// Current workload status.
    pub status: Option<String>,
    /// Current status message, exactly.
    pub message: Option<String>,
    /// Current status message contains this.
    pub message_contains: Option<String>,
    /// Statuses never held.
    pub never_status: Option<OneOrMany>,
    /// A status held at some point, as `state` or `state: message fragment`
    /// (to show a failure happened, e.g. in a naive charm's run).
    pub ever_status: Option<OneOrMany>,
    /// alive, dying or dead.
    pub life: Option<String>,
    /// Leadership.
    pub leader: Option<LeaderCheck>,
    /// Exact hook sequence.
    pub hooks: Option<Vec<String>>,
    /// Ordered subsequence of hooks.
    pub hooks_include: Option<Vec<String>>,
    /// Hooks that never ran.
    pub hooks_exclude: Option<Vec<String>>,
    /// Unit flags (needs `flags-command` or `flags-file`).
    pub flags: Option<FlagCheck>,
    /// Controller-side unit state.
    pub state: Option<BTreeMap<String, Option<String>>>,
    /// The unit that replaced it.
    pub replaced_by: Option<String>,
    /// The last run of an action on the unit.
    pub action: Option<ActionCheck>,
    /// Live (not removed) units, exactly.
    pub units: Option<Vec<String>>,
    /// Number of live units.
    pub unit_count: Option<usize>,
    /// Pod spec changes committed.
    pub pod_spec_changes: Option<u32>,
    /// Unit replacements caused by pod spec changes.
    pub replacements: Option<u32>,
    /// Application-scope flags.
    pub app_flags: Option<FlagCheck>,
    /// Leader settings (null: absent).
    pub leader_settings: Option<BTreeMap<String, Option<String>>>,
    /// Application status.
    pub app_status: Option<String>,
    /// `application-version-set` value.
    pub workload_version: Option<String>,
    /// Relation bag content (null: absent).
    pub data: Option<BTreeMap<String, Option<String>>>,
    /// Some timeline line of the subject contains this.
    pub log_contains: Option<String>,
    /// No timeline line of the subject contains this.
    pub log_excludes: Option<String>,
}

/// One check of an assertion.
#[derive(Clone, Debug, Serialize)]
pub struct Check {
    /// What was checked (`status active`).
    pub what: String,
    /// Whether it held.
    pub ok: bool,
    /// What was found when it did not.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub detail: String,
}

/// The outcome of one `assert:` step.
#[derive(Clone, Debug, Serialize)]
pub struct AssertionResult {
    /// 1-based step number.
    pub step: usize,
    /// Virtual time at which it was evaluated, in ms.
    pub at_ms: u64,
    /// `unit con6/3` (resolved), or the label.
    pub subject: String,
    /// Every check.
    pub checks: Vec<Check>,
    /// All checks held.
    pub ok: bool,
}

/// What evaluation needs besides the model.
pub struct EvalContext<'a> {
    /// The model.
    pub model: &'a Model,
    /// The timeline.
    pub timeline: &'a Timeline,
    /// Flag sources per application.
    pub flag_sources: &'a BTreeMap<String, FlagSource>,
    /// Environment for flag commands.
    pub env: &'a [(String, String)],
    /// Leader-settings prefix of application flags.
    pub app_flag_prefix: &'a str,
}

struct Checks(Vec<Check>);

impl Checks {
    fn add(&mut self, what: String, ok: bool, detail: impl FnOnce() -> String) {
        let detail = if ok { String::new() } else { detail() };
        self.0.push(Check { what, ok, detail });
    }
}

fn is_subsequence(needle: &[String], hay: &[String]) -> bool {
    let mut it = hay.iter();
    needle.iter().all(|n| it.any(|h| h == n))
}

fn check_flags(
    c: &mut Checks,
    label: &str,
    want: &FlagCheck,
    have: Result<BTreeSet<String>, String>,
) {
    let (set, unset) = want.parts();
    match have {
        Err(e) => c.add(format!("{label} readable"), false, || e),
        Ok(have) => {
            for f in set {
                c.add(format!("{label} {f} set"), have.contains(f), || {
                    format!("set flags: {}", join(&have))
                });
            }
            for f in unset {
                c.add(format!("{label} {f} not set"), !have.contains(f), || {
                    format!("{f} is set")
                });
            }
        }
    }
}

fn join<'a>(items: impl IntoIterator<Item = &'a String>) -> String {
    let v: Vec<&str> = items.into_iter().map(String::as_str).collect();
    format!("[{}]", v.join(", "))
}

fn check_map(
    c: &mut Checks,
    label: &str,
    want: &BTreeMap<String, Option<String>>,
    have: &BTreeMap<String, String>,
) {
    for (k, v) in want {
        let got = have.get(k);
        c.add(
            format!(
                "{label} {k} = {}",
                v.as_deref().map_or("<absent>".into(), |s| format!("{s:?}"))
            ),
            got == v.as_ref(),
            || {
                format!(
                    "found {}",
                    got.map_or("<absent>".into(), |s| format!("{s:?}"))
                )
            },
        );
    }
}

impl Assertion {
    /// Checks that the assertion names one subject and fitting checks.
    pub fn validate(&self) -> Result<(), String> {
        let unit_checks = self.status.is_some()
            || self.message.is_some()
            || self.message_contains.is_some()
            || self.never_status.is_some()
            || self.ever_status.is_some()
            || self.life.is_some()
            || self.hooks.is_some()
            || self.hooks_include.is_some()
            || self.hooks_exclude.is_some()
            || self.flags.is_some()
            || self.state.is_some()
            || self.replaced_by.is_some()
            || self.action.is_some();
        let app_checks = self.units.is_some()
            || self.unit_count.is_some()
            || self.pod_spec_changes.is_some()
            || self.replacements.is_some()
            || self.app_flags.is_some()
            || self.leader_settings.is_some()
            || self.app_status.is_some()
            || self.workload_version.is_some();
        if self.relation.is_some() {
            if self.data.is_none() {
                return Err("a relation assertion needs `data`".into());
            }
            if self.unit.is_some() == self.app.is_some() {
                return Err("a relation assertion names the bag with `unit` or `app`".into());
            }
            if unit_checks || app_checks {
                return Err("a relation assertion only checks `data`".into());
            }
            return Ok(());
        }
        if self.data.is_some() {
            return Err("`data` needs `relation`".into());
        }
        match (&self.unit, &self.app) {
            (Some(_), None) if app_checks => {
                Err("application checks need `app`, not `unit`".into())
            }
            (None, Some(_)) if unit_checks => Err("unit checks need `unit`, not `app`".into()),
            (Some(_), None) | (None, Some(_)) => Ok(()),
            _ => Err(
                "name exactly one subject: `unit`, `app`, or `relation` with `unit`/`app`".into(),
            ),
        }
    }

    /// Evaluates the assertion.
    pub fn evaluate(&self, step: usize, ctx: &EvalContext<'_>) -> AssertionResult {
        let mut c = Checks(Vec::new());
        let subject = if let Some(rel) = &self.relation {
            self.eval_relation(rel, ctx, &mut c)
        } else if let Some(u) = &self.unit {
            self.eval_unit(u, ctx, &mut c)
        } else if let Some(a) = &self.app {
            self.eval_app(a, ctx, &mut c)
        } else {
            "nothing".into()
        };
        let subject = self.label.clone().unwrap_or(subject);
        let ok = c.0.iter().all(|k| k.ok);
        AssertionResult {
            step,
            at_ms: ctx.model.clock_ms,
            subject,
            checks: c.0,
            ok,
        }
    }

    fn log_checks(&self, ctx: &EvalContext<'_>, c: &mut Checks, units: &[String]) {
        let lines = || {
            ctx.timeline
                .records
                .iter()
                .filter(|r| r.unit.as_ref().is_some_and(|u| units.contains(u)))
        };
        if let Some(s) = &self.log_contains {
            c.add(
                format!("log contains {s:?}"),
                lines().any(|r| r.message.contains(s.as_str())),
                || "no such line".into(),
            );
        }
        if let Some(s) = &self.log_excludes {
            let hit = lines().find(|r| r.message.contains(s.as_str()));
            c.add(format!("log excludes {s:?}"), hit.is_none(), || {
                hit.map(|r| r.render()).unwrap_or_default()
            });
        }
    }

    fn eval_unit(&self, sel: &str, ctx: &EvalContext<'_>, c: &mut Checks) -> String {
        let Some(unit) = resolve_unit(ctx.model, sel) else {
            c.add(format!("unit {sel} exists"), false, || {
                describe_units(ctx.model, sel)
            });
            return format!("unit {sel}");
        };
        let subject = if unit.name == sel {
            format!("unit {sel}")
        } else {
            format!("unit {sel} ({})", unit.name)
        };
        if let Some(s) = &self.status {
            c.add(format!("status {s}"), unit.status.status == *s, || {
                format!("status is {} {:?}", unit.status.status, unit.status.message)
            });
        }
        if let Some(m) = &self.message {
            c.add(format!("message {m:?}"), unit.status.message == *m, || {
                format!("message is {:?}", unit.status.message)
            });
        }
        if let Some(m) = &self.message_contains {
            c.add(
                format!("message contains {m:?}"),
                unit.status.message.contains(m.as_str()),
                || format!("message is {:?}", unit.status.message),
            );
        }
        if let Some(never) = &self.never_status {
            for s in never.to_vec() {
                let hit = unit.status_history.iter().find(|h| h.status == s);
                c.add(format!("never status {s}"), hit.is_none(), || {
                    hit.map(|h| format!("was {s} at {} ({:?})", clock(h.since_ms), h.message))
                        .unwrap_or_default()
                });
            }
        }
        if let Some(ever) = &self.ever_status {
            for want in ever.to_vec() {
                let (state, fragment) = match want.split_once(": ") {
                    Some((s, m)) => (s.to_string(), m.to_string()),
                    None => (want.clone(), String::new()),
                };
                let hit = unit
                    .status_history
                    .iter()
                    .any(|h| h.status == state && h.message.contains(fragment.as_str()));
                c.add(format!("ever status {want}"), hit, || {
                    let seen: Vec<String> = unit
                        .status_history
                        .iter()
                        .map(|h| format!("{}: {}", h.status, h.message))
                        .collect();
                    format!("history is {seen:?}")
                });
            }
        }
        if let Some(l) = &self.life {
            let life = life_name(unit);
            c.add(format!("life {l}"), life == l, || format!("life is {life}"));
        }
        if let Some(LeaderCheck::Is(want)) = &self.leader {
            let is = ctx.model.is_leader(&unit.name);
            c.add(format!("leader {want}"), is == *want, || {
                format!("leader is {:?}", ctx.model.leader_of(&unit.app))
            });
        }
        if let Some(LeaderCheck::Unit(u)) = &self.leader {
            c.add(format!("leader {u}"), false, || {
                "`leader` of a unit is true or false".into()
            });
        }
        let hooks: Vec<String> = unit.hooks.iter().map(|h| h.hook.clone()).collect();
        if let Some(want) = &self.hooks {
            c.add(format!("hooks {}", join(want)), hooks == *want, || {
                format!("hooks were {}", join(&hooks))
            });
        }
        if let Some(want) = &self.hooks_include {
            c.add(
                format!("hooks include {}", join(want)),
                is_subsequence(want, &hooks),
                || format!("hooks were {}", join(&hooks)),
            );
        }
        if let Some(never) = &self.hooks_exclude {
            for h in never {
                c.add(format!("hook {h} never ran"), !hooks.contains(h), || {
                    format!("hooks were {}", join(&hooks))
                });
            }
        }
        if let Some(want) = &self.flags {
            let have = match ctx.flag_sources.get(&unit.app) {
                Some(src) => unit_flags(src, unit, &ctx.model.name, ctx.env),
                None => Err(format!(
                    "application {} has no flags-command or flags-file in the scenario",
                    unit.app
                )),
            };
            check_flags(c, "flag", want, have);
        }
        if let Some(want) = &self.state {
            check_map(c, "state", want, &unit.state);
        }
        if let Some(r) = &self.replaced_by {
            c.add(
                format!("replaced by {r}"),
                unit.replaced_by.as_deref() == Some(r.as_str()),
                || format!("replaced by {:?}", unit.replaced_by),
            );
        }
        if let Some(want) = &self.action {
            check_action(c, ctx.model, &unit.name, want);
        }
        self.log_checks(ctx, c, std::slice::from_ref(&unit.name));
        subject
    }

    fn eval_app(&self, name: &str, ctx: &EvalContext<'_>, c: &mut Checks) -> String {
        let subject = format!("application {name}");
        let Some(app) = ctx.model.applications.get(name) else {
            c.add(format!("application {name} exists"), false, || {
                "not deployed".into()
            });
            return subject;
        };
        let live: Vec<String> = ctx
            .model
            .app_units(name)
            .iter()
            .map(|u| u.name.clone())
            .collect();
        if let Some(want) = &self.units {
            c.add(format!("units {}", join(want)), live == *want, || {
                format!("units are {}", join(&live))
            });
        }
        if let Some(n) = self.unit_count {
            c.add(format!("{n} units"), live.len() == n, || {
                format!("units are {}", join(&live))
            });
        }
        let leader = ctx.model.leader_of(name);
        match &self.leader {
            Some(LeaderCheck::Unit(u)) => {
                c.add(format!("leader {u}"), leader == Some(u.as_str()), || {
                    format!("leader is {leader:?}")
                })
            }
            Some(LeaderCheck::Is(want)) => c.add(
                format!("has a leader: {want}"),
                leader.is_some() == *want,
                || format!("leader is {leader:?}"),
            ),
            None => {}
        }
        if let Some(n) = self.pod_spec_changes {
            c.add(
                format!("{n} pod spec changes"),
                app.pod_spec_changes == n,
                || format!("{} pod spec changes", app.pod_spec_changes),
            );
        }
        if let Some(n) = self.replacements {
            c.add(format!("{n} replacements"), app.replacements == n, || {
                format!("{} replacements", app.replacements)
            });
        }
        if let Some(want) = &self.app_flags {
            let have = app_flags(&app.leader_settings, ctx.app_flag_prefix);
            check_flags(c, "app flag", &want.without_app_prefix(), Ok(have));
        }
        if let Some(want) = &self.leader_settings {
            check_map(c, "leader setting", want, &app.leader_settings);
        }
        if let Some(s) = &self.app_status {
            let have = app.status.as_ref().map_or("unknown", |s| s.status.as_str());
            c.add(format!("app status {s}"), have == s, || {
                format!("app status is {have}")
            });
        }
        if let Some(v) = &self.workload_version {
            c.add(
                format!("workload version {v:?}"),
                app.workload_version == *v,
                || format!("workload version is {:?}", app.workload_version),
            );
        }
        let all: Vec<String> = ctx
            .model
            .units
            .iter()
            .filter(|u| u.app == name)
            .map(|u| u.name.clone())
            .collect();
        self.log_checks(ctx, c, &all);
        subject
    }

    fn eval_relation(&self, sel: &str, ctx: &EvalContext<'_>, c: &mut Checks) -> String {
        let (app, ep) = sel.split_once(':').unwrap_or((sel, ""));
        let rel = ctx.model.relations.iter().rev().find(|r| {
            !r.removed
                && r.endpoint_of(app)
                    .is_some_and(|e| ep.is_empty() || e.name == ep)
        });
        let owner = self.unit.clone().or(self.app.clone()).unwrap_or_default();
        let owner = if self.unit.is_some() {
            resolve_unit(ctx.model, &owner).map_or(owner, |u| u.name.clone())
        } else {
            owner
        };
        let subject = format!("relation {sel} bag of {owner}");
        let Some(rel) = rel else {
            c.add(format!("relation {sel} exists"), false, || {
                "no such relation".into()
            });
            return subject;
        };
        let empty = BTreeMap::new();
        let bag = if self.unit.is_some() {
            rel.units.get(&owner)
        } else {
            rel.apps.get(&owner)
        }
        .map_or(&empty, |b| &b.data);
        if let Some(want) = &self.data {
            check_map(c, "data", want, bag);
        }
        subject
    }
}

fn check_action(c: &mut Checks, model: &Model, unit: &str, want: &ActionCheck) {
    let run = model
        .actions
        .iter()
        .rev()
        .find(|a| a.unit == unit && a.name == want.name);
    let Some(run) = run else {
        c.add(format!("action {} ran", want.name), false, || {
            "it never ran".into()
        });
        return;
    };
    if let Some(s) = &want.status {
        c.add(
            format!("action {} {s}", want.name),
            run.status == *s,
            || format!("status {} {:?}", run.status, run.message),
        );
    }
    if let Some(m) = &want.message {
        c.add(
            format!("action {} message {m:?}", want.name),
            run.message == *m,
            || format!("message {:?}", run.message),
        );
    }
    for (k, v) in &want.results {
        let got = run
            .results
            .get(k)
            .cloned()
            .unwrap_or(serde_json::Value::Null);
        c.add(
            format!("action {} result {k} = {v}", want.name),
            got == *v,
            || format!("result {k} = {got}"),
        );
    }
}

fn life_name(u: &Unit) -> &'static str {
    match u.life {
        Life::Alive => "alive",
        Life::Dying => "dying",
        Life::Dead => "dead",
    }
}

/// `app/N`, `app/leader` (the current leader), `app/newest` (highest number).
pub fn resolve_unit<'a>(model: &'a Model, sel: &str) -> Option<&'a Unit> {
    let (app, which) = sel.split_once('/')?;
    match which {
        "leader" => model.leader_of(app).and_then(|l| model.unit(l)),
        "newest" => model
            .units
            .iter()
            .filter(|u| u.app == app)
            .max_by_key(|u| u.number),
        _ => model.unit(sel),
    }
}

fn describe_units(model: &Model, sel: &str) -> String {
    let app = sel.split('/').next().unwrap_or(sel);
    let names: Vec<String> = model
        .units
        .iter()
        .filter(|u| u.app == app)
        .map(|u| format!("{} ({})", u.name, life_name(u)))
        .collect();
    format!("units of {app}: {}", names.join(", "))
}
