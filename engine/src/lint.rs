//! `charm-reactive lint`: the traps charm authors fall into, found in a charm's
//! [`Description`] (and its metadata, for hook names).
//!
//! | rule | finds |
//! |---|---|
//! | `unreachable-handler` | a handler that needs a flag no handler, trigger, layer or the engine ever sets |
//! | `flag-never-read` | a flag a handler or trigger sets that no condition, trigger, layer or handler reads |
//! | `never-together` | `#[when("a", "b")]` where every setter of one clears the other (OR was meant) |
//! | `ping-pong` | one handler sets what another clears and each re-enables the other: they alternate until the 100-iteration cap |
//! | `sticky-never-cleared` | a handler runs on an automatic flag that stays set until cleared (an endpoint's `changed`), and nothing clears it |
//! | `impossible-hook` | a `#[hook]` pattern no hook of the charm's metadata matches |
//! | `unknown-flags` | handlers name flags with computed expressions: the rules above cannot be sure, and say so |
//!
//! The flags a handler sets are those its body names literally (see
//! [`crate::FlagEffects`]); layers declare theirs. Where a computed name could be
//! the missing setter or reader, a finding is a [`Level::Note`] that says so
//! rather than a [`Level::Warning`].

use std::collections::BTreeSet;
use std::fmt;

use serde::Serialize;

use crate::describe::{ConditionDescription, Description, HandlerDescription};
use crate::metadata::Metadata;

/// How sure a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// Could be a trap: a computed flag name may explain it.
    Note,
    /// A trap, as far as the charm's literal flag names show.
    Warning,
}

/// The rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Rule {
    /// A handler no flag path can reach.
    UnreachableHandler,
    /// A flag set and never read.
    FlagNeverRead,
    /// `when_all` over flags that are never set together.
    NeverTogether,
    /// Two handlers undoing each other.
    PingPong,
    /// An automatic sticky flag no handler clears.
    StickyNeverCleared,
    /// A `#[hook]` for hooks the metadata cannot produce.
    ImpossibleHook,
    /// Flags named by computed expressions.
    UnknownFlags,
}

impl Rule {
    /// The rule's name, as printed.
    pub fn name(self) -> &'static str {
        match self {
            Rule::UnreachableHandler => "unreachable-handler",
            Rule::FlagNeverRead => "flag-never-read",
            Rule::NeverTogether => "never-together",
            Rule::PingPong => "ping-pong",
            Rule::StickyNeverCleared => "sticky-never-cleared",
            Rule::ImpossibleHook => "impossible-hook",
            Rule::UnknownFlags => "unknown-flags",
        }
    }
}

/// One finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// The rule.
    pub rule: Rule,
    /// How sure it is.
    pub level: Level,
    /// The handler concerned, if one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub handler: Option<String>,
    /// The flag concerned, if one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub flag: Option<String>,
    /// What is wrong and what to do.
    pub message: String,
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let level = match self.level {
            Level::Note => "note",
            Level::Warning => "warning",
        };
        write!(f, "{level}[{}]", self.rule.name())?;
        if let Some(h) = &self.handler {
            write!(f, " {h}")?;
        }
        write!(f, ": {}", self.message)
    }
}

/// Flags the engine sets by itself, whatever the charm registers.
const ENGINE_FLAGS: &[&str] = &[crate::SERIES_UPGRADE_FLAG];

/// Lints `d`; with `metadata`, `#[hook]` patterns are checked against the
/// hooks the charm can receive. Findings are sorted by rule, then handler.
///
/// ```
/// use charm_reactive::{describe::*, lint::{lint, Rule}};
/// let handler = |id: &str, when: &[&str], sets: &[&str]| HandlerDescription {
///     id: id.into(),
///     conditions: vec![ConditionDescription { kind: "when_all".into(), args: when.iter().map(|s| s.to_string()).collect() }],
///     effects: FlagEffects { sets: sets.iter().map(|s| s.to_string()).collect(), ..FlagEffects::default() },
/// };
/// let d = Description { handlers: vec![handler("a.rs:1:start", &["db.ready"], &[])], ..Description::default() };
/// assert_eq!(lint(&d, None)[0].rule, Rule::UnreachableHandler);
/// ```
pub fn lint(d: &Description, metadata: Option<&Metadata>) -> Vec<Finding> {
    let facts = Facts::of(d);
    let mut out = Vec::new();
    unknown_flags(&facts, &mut out);
    unreachable_handlers(d, &facts, &mut out);
    flags_never_read(d, &facts, &mut out);
    never_together(d, &mut out);
    ping_pong(d, &mut out);
    sticky_never_cleared(d, &facts, &mut out);
    if let Some(m) = metadata {
        impossible_hooks(d, m, &mut out);
    }
    out.sort_by(|a, b| (a.rule, &a.handler, &a.flag).cmp(&(b.rule, &b.handler, &b.flag)));
    out
}

/// What the whole charm sets, clears and reads, as names or patterns.
struct Facts {
    set: Vec<String>,
    cleared: Vec<String>,
    read: Vec<String>,
    /// Handlers naming flags with computed expressions.
    computed: Vec<String>,
}

impl Facts {
    fn of(d: &Description) -> Facts {
        let mut f = Facts {
            set: ENGINE_FLAGS.iter().map(|s| s.to_string()).collect(),
            cleared: Vec::new(),
            read: Vec::new(),
            computed: Vec::new(),
        };
        for h in &d.handlers {
            f.set.extend(h.effects.sets.iter().cloned());
            f.cleared.extend(h.effects.clears.iter().cloned());
            f.read.extend(h.effects.reads.iter().cloned());
            f.read.extend(
                h.conditions
                    .iter()
                    .filter(|c| is_flag_test(c))
                    .flat_map(|c| c.args.clone()),
            );
            if h.effects.computed {
                f.computed.push(h.id.clone());
            }
        }
        for t in &d.triggers {
            f.read.push(t.flag.clone());
            f.set.extend(t.sets.iter().cloned());
            f.cleared.extend(t.clears.iter().cloned());
        }
        for l in &d.layers {
            f.set.extend(l.flags.sets.iter().cloned());
            f.read.extend(l.flags.reads.iter().cloned());
        }
        f
    }

    fn level(&self) -> Level {
        if self.computed.is_empty() {
            Level::Warning
        } else {
            Level::Note
        }
    }

    fn unsure(&self) -> String {
        if self.computed.is_empty() {
            String::new()
        } else {
            format!(
                " (unless a computed flag name in {} is it)",
                self.computed.join(", ")
            )
        }
    }
}

fn is_flag_test(c: &ConditionDescription) -> bool {
    matches!(
        c.kind.as_str(),
        "when_all" | "when_any" | "when_not" | "when_not_all"
    )
}

/// Whether `flag` is one of `names`, where a name may end in `*` or hold
/// `{endpoint_name}` (any one endpoint name).
fn any_matches(names: &[String], flag: &str) -> bool {
    names.iter().any(|n| pattern_matches(n, flag))
}

/// Whether `pattern` and `flag` can name the same flag. Either side may hold
/// `{endpoint_name}`: an interface's handlers set templated flags that the
/// charm reads by their expanded names (`{endpoint_name}.changed` against
/// `sse-endpoint.changed`) when lint has no metadata to expand them with.
fn pattern_matches(pattern: &str, flag: &str) -> bool {
    const ANY_ENDPOINT: &str = "{endpoint_name}";
    let pattern = pattern.replace(ANY_ENDPOINT, "*");
    if flag.contains(ANY_ENDPOINT) {
        let flag = flag.replace(ANY_ENDPOINT, "*");
        return crate::pattern::glob(&pattern, &flag) || crate::pattern::glob(&flag, &pattern);
    }
    crate::pattern::glob(&pattern, flag)
}

fn unknown_flags(facts: &Facts, out: &mut Vec<Finding>) {
    for h in &facts.computed {
        out.push(Finding {
            rule: Rule::UnknownFlags,
            level: Level::Note,
            handler: Some(h.clone()),
            flag: None,
            message: "names a flag with a computed expression: lint cannot know which, so \
                      findings that such a flag could explain are notes"
                .into(),
        });
    }
}

fn unreachable_handlers(d: &Description, facts: &Facts, out: &mut Vec<Finding>) {
    for h in &d.handlers {
        for c in &h.conditions {
            let unset: Vec<&String> = c
                .args
                .iter()
                .filter(|f| !any_matches(&facts.set, f))
                .collect();
            let blocked = match c.kind.as_str() {
                "when_all" => !unset.is_empty(),
                "when_any" => !c.args.is_empty() && unset.len() == c.args.len(),
                _ => false,
            };
            if blocked {
                let names: Vec<&str> = unset.iter().map(|s| s.as_str()).collect();
                out.push(Finding {
                    rule: Rule::UnreachableHandler,
                    level: facts.level(),
                    handler: Some(h.id.clone()),
                    flag: unset.first().map(|f| f.to_string()),
                    message: format!(
                        "never runs: nothing sets {}{}",
                        names.join(", "),
                        facts.unsure()
                    ),
                });
            }
        }
    }
}

fn flags_never_read(d: &Description, facts: &Facts, out: &mut Vec<Finding>) {
    let mut reported = BTreeSet::new();
    let setters = d
        .handlers
        .iter()
        .flat_map(|h| h.effects.sets.iter().map(move |f| (Some(&h.id), f)))
        .chain(
            d.triggers
                .iter()
                .flat_map(|t| t.sets.iter().map(|f| (None, f))),
        );
    for (handler, flag) in setters {
        if any_matches(&facts.read, flag) || !reported.insert(flag.clone()) {
            continue;
        }
        out.push(Finding {
            rule: Rule::FlagNeverRead,
            level: facts.level(),
            handler: handler.cloned(),
            flag: Some(flag.clone()),
            message: format!(
                "sets {flag}, which no condition, trigger, layer or handler reads{}",
                facts.unsure()
            ),
        });
    }
}

/// `a` and `b` are never set together when every handler that sets one also
/// clears the other, and no layer or trigger sets either.
fn never_together(d: &Description, out: &mut Vec<Finding>) {
    let by_others = |flag: &str| {
        d.layers.iter().any(|l| any_matches(&l.flags.sets, flag))
            || d.triggers.iter().any(|t| t.sets.iter().any(|s| s == flag))
    };
    let exclusive = |a: &str, b: &str| {
        let setters: Vec<&HandlerDescription> = d
            .handlers
            .iter()
            .filter(|h| h.effects.sets.iter().any(|s| s == a))
            .collect();
        !setters.is_empty()
            && !by_others(a)
            && setters
                .iter()
                .all(|h| h.effects.clears.iter().any(|c| c == b) && !h.effects.computed)
    };
    for h in &d.handlers {
        for c in h.conditions.iter().filter(|c| c.kind == "when_all") {
            for (i, a) in c.args.iter().enumerate() {
                for b in &c.args[i + 1..] {
                    if exclusive(a, b) && exclusive(b, a) {
                        out.push(Finding {
                            rule: Rule::NeverTogether,
                            level: Level::Warning,
                            handler: Some(h.id.clone()),
                            flag: Some(a.clone()),
                            message: format!(
                                "needs {a} and {b} together, but whatever sets one clears the \
                                 other: did you mean #[when_any(\"{a}\", \"{b}\")]?"
                            ),
                        });
                    }
                }
            }
        }
    }
}

fn flags_of<'a>(h: &'a HandlerDescription, kinds: &[&str]) -> Vec<&'a String> {
    h.conditions
        .iter()
        .filter(|c| kinds.contains(&c.kind.as_str()))
        .flat_map(|c| &c.args)
        .collect()
}

/// Whether running `by` leaves `h`'s conditions able to hold: `by` clears
/// none of `h`'s required flags and sets none of its forbidden ones.
fn still_enabled_after(h: &HandlerDescription, by: &HandlerDescription) -> bool {
    let runs_in_main_loop = h
        .conditions
        .iter()
        .all(|c| is_flag_test(c) || c.kind == "when_file_changed");
    runs_in_main_loop
        && flags_of(h, &["when_all"])
            .iter()
            .all(|f| !by.effects.clears.contains(f))
        && flags_of(h, &["when_not"])
            .iter()
            .all(|f| !by.effects.sets.contains(f))
}

/// Whether `a` and `b` can both hold in one state as far as flags neither of
/// them changes go: neither requires a flag the other forbids.
fn compatible(a: &HandlerDescription, b: &HandlerDescription) -> bool {
    let changed = |f: &String| {
        [a, b]
            .iter()
            .any(|h| h.effects.sets.contains(f) || h.effects.clears.contains(f))
    };
    let clash = |x: &HandlerDescription, y: &HandlerDescription| {
        flags_of(x, &["when_all"])
            .iter()
            .any(|f| !changed(f) && flags_of(y, &["when_not"]).contains(f))
    };
    !clash(a, b) && !clash(b, a)
}

fn ping_pong(d: &Description, out: &mut Vec<Finding>) {
    for a in &d.handlers {
        for flag in flags_of(a, &["when_not"]) {
            if !a.effects.sets.contains(flag) {
                continue;
            }
            for b in &d.handlers {
                let wants = flags_of(b, &["when_all", "when_any"]).contains(&flag);
                if b.id != a.id
                    && wants
                    && b.effects.clears.contains(flag)
                    && compatible(a, b)
                    && still_enabled_after(a, b)
                    && still_enabled_after(b, a)
                {
                    out.push(Finding {
                        rule: Rule::PingPong,
                        level: Level::Warning,
                        handler: Some(a.id.clone()),
                        flag: Some(flag.clone()),
                        message: format!(
                            "sets {flag} and {} clears it; each re-enables the other, so they \
                             alternate until the 100-iteration cap",
                            b.id
                        ),
                    });
                }
            }
        }
    }
}

fn sticky_never_cleared(d: &Description, facts: &Facts, out: &mut Vec<Finding>) {
    let sticky: Vec<String> = d
        .layers
        .iter()
        .flat_map(|l| l.flags.sticky.iter().cloned())
        .collect();
    let mut reported = BTreeSet::new();
    for h in &d.handlers {
        for flag in flags_of(h, &["when_all", "when_any"]) {
            if !any_matches(&sticky, flag) || facts.cleared.iter().any(|c| c == flag) {
                continue;
            }
            if !reported.insert((h.id.clone(), flag.clone())) {
                continue;
            }
            out.push(Finding {
                rule: Rule::StickyNeverCleared,
                level: facts.level(),
                handler: Some(h.id.clone()),
                flag: Some(flag.clone()),
                message: format!(
                    "runs on {flag}, which stays set until a handler clears it, and none does: \
                     it runs again in every hook{}",
                    facts.unsure()
                ),
            });
        }
    }
}

/// The hooks a charm with `m` can receive.
fn possible_hooks(m: &Metadata) -> Vec<String> {
    let mut hooks: Vec<String> = crate::hook_env::STANDARD_HOOKS
        .iter()
        .map(|s| s.to_string())
        .collect();
    for r in &m.relations {
        for suffix in ["created", "joined", "changed", "departed", "broken"] {
            hooks.push(format!("{}-relation-{suffix}", r.name));
        }
    }
    for s in &m.storage {
        hooks.push(format!("{s}-storage-attached"));
        hooks.push(format!("{s}-storage-detaching"));
    }
    for c in &m.containers {
        for suffix in [
            "pebble-ready",
            "pebble-custom-notice",
            "pebble-check-failed",
            "pebble-check-recovered",
        ] {
            hooks.push(format!("{c}-{suffix}"));
        }
    }
    hooks
}

fn impossible_hooks(d: &Description, m: &Metadata, out: &mut Vec<Finding>) {
    let hooks = possible_hooks(m);
    let relations = &m.relations;
    for h in &d.handlers {
        for c in h.conditions.iter().filter(|c| c.kind == "hook") {
            for p in &c.args {
                let names = crate::pattern::expand(p, relations);
                if names.iter().all(|n| !hooks.contains(n)) {
                    out.push(Finding {
                        rule: Rule::ImpossibleHook,
                        level: Level::Warning,
                        handler: Some(h.id.clone()),
                        flag: None,
                        message: format!(
                            "#[hook(\"{p}\")] matches no hook {} can receive (check the \
                             relation, storage or container names in its metadata)",
                            if m.name.is_empty() {
                                "the charm"
                            } else {
                                &m.name
                            }
                        ),
                    });
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::describe::FlagEffects;

    fn handler(
        id: &str,
        conds: &[(&str, &[&str])],
        sets: &[&str],
        clears: &[&str],
    ) -> HandlerDescription {
        let v = |s: &[&str]| s.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        HandlerDescription {
            id: id.into(),
            conditions: conds
                .iter()
                .map(|(k, a)| ConditionDescription {
                    kind: k.to_string(),
                    args: v(a),
                })
                .collect(),
            effects: FlagEffects {
                sets: v(sets),
                clears: v(clears),
                ..FlagEffects::default()
            },
        }
    }

    #[test]
    fn opposite_guards_are_not_a_ping_pong() {
        // The seed interface's joined/broken pair: one needs `joined`, the other forbids it.
        let d = Description {
            handlers: vec![
                handler(
                    "a:1:joined",
                    &[("when_all", &["joined"]), ("when_not", &["available"])],
                    &["available"],
                    &[],
                ),
                handler(
                    "a:2:broken",
                    &[("when_not", &["joined"]), ("when_all", &["available"])],
                    &[],
                    &["available"],
                ),
                handler("a:3:join", &[("hook", &["install"])], &["joined"], &[]),
            ],
            ..Description::default()
        };
        assert!(
            lint(&d, None).iter().all(|f| f.rule != Rule::PingPong),
            "{:?}",
            lint(&d, None)
        );
    }

    #[test]
    fn a_computed_flag_name_turns_warnings_into_notes_that_say_why() {
        let mut maker = handler("a:1:make", &[("hook", &["install"])], &[], &[]);
        maker.effects.computed = true;
        let d = Description {
            handlers: vec![
                maker,
                handler("a:2:use", &[("when_all", &["made.x"])], &[], &[]),
            ],
            ..Description::default()
        };
        let found = lint(&d, None);
        let unreachable = found
            .iter()
            .find(|f| f.rule == Rule::UnreachableHandler)
            .unwrap();
        assert_eq!(unreachable.level, Level::Note);
        assert!(
            unreachable.message.contains("a:1:make"),
            "{}",
            unreachable.message
        );
        assert!(found.iter().any(|f| f.rule == Rule::UnknownFlags));
    }

    #[test]
    fn a_templated_flag_an_interface_sets_is_read_by_its_expanded_name() {
        // Without metadata, `{endpoint_name}` stays unexpanded in the interface's effects.
        let d = Description {
            handlers: vec![
                handler(
                    "i:1:changed",
                    &[("when_all", &["endpoint.{endpoint_name}.changed.url"])],
                    &["{endpoint_name}.changed"],
                    &["endpoint.{endpoint_name}.changed.url"],
                ),
                handler("c:2:use", &[("when_all", &["db.changed"])], &[], &[]),
            ],
            ..Description::default()
        };
        let found = lint(&d, None);
        assert!(
            found.iter().all(|f| f.rule != Rule::FlagNeverRead),
            "{found:?}"
        );
        let d = Description {
            handlers: vec![d.handlers[0].clone()],
            ..Description::default()
        };
        assert!(
            lint(&d, None).iter().any(|f| f.rule == Rule::FlagNeverRead),
            "a templated flag nobody reads is still found"
        );
    }
}
