//! What a handler waits for: the conditions its attributes add, and their
//! test against the unit's state (`Condition::holds`).

use std::path::PathBuf;

use crate::bookkeeping;
use crate::session::Session;

/// The dispatch phase, as charms.reactive's `reactive.dispatch.phase`.
///
/// Conditions are phase-gated exactly as in charms.reactive: `when*` conditions
/// hold only in [`Phase::Other`], `hook` only in [`Phase::Hooks`], the restricted
/// hooks only in [`Phase::Restricted`]; `only_once` and `when_file_changed` hold in
/// every phase.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Phase {
    /// The first phase: `#[hook]` handlers.
    Hooks,
    /// An action invocation: `#[action]` handlers.
    Action,
    /// The main loop: `#[when*]` handlers, up to 100 iterations.
    Other,
    /// `collect-metrics` and `meter-status-changed`.
    Restricted,
}

impl Phase {
    /// The name charms.reactive stores and prints.
    pub fn as_str(self) -> &'static str {
        match self {
            Phase::Hooks => "hooks",
            Phase::Action => "action",
            Phase::Other => "other",
            Phase::Restricted => "restricted",
        }
    }

    pub(crate) fn parse(s: &str) -> Option<Phase> {
        Some(match s {
            "hooks" => Phase::Hooks,
            "action" => Phase::Action,
            "other" => Phase::Other,
            "restricted" => Phase::Restricted,
            _ => return None,
        })
    }
}

/// The restricted hooks, in which charms.reactive runs only their own handlers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RestrictedHook {
    /// `collect-metrics`, for `#[collect_metrics]`.
    CollectMetrics,
    /// `meter-status-changed`, for `#[meter_status_changed]`.
    MeterStatusChanged,
}

impl RestrictedHook {
    /// The hook's name.
    pub fn hook_name(self) -> &'static str {
        match self {
            RestrictedHook::CollectMetrics => "collect-metrics",
            RestrictedHook::MeterStatusChanged => "meter-status-changed",
        }
    }

    /// The restricted hook called `hook`, if it is one.
    pub fn from_hook(hook: &str) -> Option<RestrictedHook> {
        match hook {
            "collect-metrics" => Some(RestrictedHook::CollectMetrics),
            "meter-status-changed" => Some(RestrictedHook::MeterStatusChanged),
            _ => None,
        }
    }
}

/// One condition of a handler. A handler runs when all of its conditions hold,
/// tested in the order they were added (with short-circuit, which matters for
/// [`Condition::WhenFileChanged`], whose test records the new hash).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Condition {
    /// `#[when_all(..)]` / `#[when(..)]`: every flag is set.
    WhenAll(Vec<String>),
    /// `#[when_any(..)]`: at least one flag is set.
    WhenAny(Vec<String>),
    /// `#[when_none(..)]` / `#[when_not(..)]`: no flag is set.
    WhenNone(Vec<String>),
    /// `#[when_not_all(..)]`: at least one flag is unset.
    WhenNotAll(Vec<String>),
    /// `#[hook(..)]`: the hook matches one of the patterns (`{a,b}` alternation).
    Hook(Vec<String>),
    /// `#[only_once]`: the handler has never run to completion on this unit.
    OnlyOnce,
    /// `#[when_file_changed(..)]`: any file's content hash differs from the last test.
    WhenFileChanged(Vec<PathBuf>),
    /// `#[collect_metrics]` / `#[meter_status_changed]`.
    Restricted(RestrictedHook),
    /// `#[action("name")]`: this is an invocation of the named Juju action.
    Action(String),
}

impl Condition {
    /// The flags this condition watches, for charms.reactive's FlagWatch.
    pub fn flags(&self) -> &[String] {
        match self {
            Condition::WhenAll(f)
            | Condition::WhenAny(f)
            | Condition::WhenNone(f)
            | Condition::WhenNotAll(f) => f,
            _ => &[],
        }
    }

    /// Whether the condition's truth can change without a flag changing, so that
    /// an incremental re-test must always evaluate it.
    pub(crate) fn is_volatile(&self) -> bool {
        matches!(self, Condition::OnlyOnce | Condition::WhenFileChanged(_))
    }

    /// charms.reactive's test of one condition of the handler `handler` in
    /// `phase`. `hook_match` caches the handler's hook-pattern match, which
    /// cannot change during a hook. `only_once` reads, and
    /// `when_file_changed` records, the engine's bookkeeping (a store error
    /// fails the hook).
    pub(crate) fn holds(
        &self,
        phase: Option<Phase>,
        session: &mut Session,
        handler: &str,
        hook_match: &mut Option<bool>,
    ) -> bool {
        let other = phase == Some(Phase::Other);
        let set = |f: &String| session.flags.contains(f);
        match self {
            Condition::WhenAll(fs) => other && fs.iter().all(set),
            Condition::WhenAny(fs) => other && fs.iter().any(set),
            Condition::WhenNone(fs) => other && !fs.iter().any(set),
            Condition::WhenNotAll(fs) => other && !fs.iter().all(set),
            Condition::Hook(patterns) => {
                phase == Some(Phase::Hooks)
                    && *hook_match.get_or_insert_with(|| {
                        crate::pattern::matches(
                            &session.hook.name,
                            patterns,
                            &session.hook.relations,
                        )
                    })
            }
            Condition::Restricted(r) => {
                phase == Some(Phase::Restricted) && session.hook.name == r.hook_name()
            }
            Condition::Action(name) => {
                phase == Some(Phase::Action) && session.hook.action.as_deref() == Some(name)
            }
            Condition::OnlyOnce => !bookkeeping::was_invoked(session, handler),
            Condition::WhenFileChanged(files) => bookkeeping::any_file_changed(session, files),
        }
    }

    /// `WhenAll` from anything that yields flag names.
    pub fn when_all<I: IntoIterator<Item = S>, S: Into<String>>(flags: I) -> Condition {
        Condition::WhenAll(flags.into_iter().map(Into::into).collect())
    }

    /// `WhenAny` from anything that yields flag names.
    pub fn when_any<I: IntoIterator<Item = S>, S: Into<String>>(flags: I) -> Condition {
        Condition::WhenAny(flags.into_iter().map(Into::into).collect())
    }

    /// `WhenNone` from anything that yields flag names.
    pub fn when_none<I: IntoIterator<Item = S>, S: Into<String>>(flags: I) -> Condition {
        Condition::WhenNone(flags.into_iter().map(Into::into).collect())
    }

    /// `WhenNotAll` from anything that yields flag names.
    pub fn when_not_all<I: IntoIterator<Item = S>, S: Into<String>>(flags: I) -> Condition {
        Condition::WhenNotAll(flags.into_iter().map(Into::into).collect())
    }

    /// `Hook` from anything that yields patterns.
    pub fn hook<I: IntoIterator<Item = S>, S: Into<String>>(patterns: I) -> Condition {
        Condition::Hook(patterns.into_iter().map(Into::into).collect())
    }
}
