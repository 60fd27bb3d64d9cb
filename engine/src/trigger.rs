//! Triggers: flag changes that set or clear other flags at once, inside the
//! `set_flag` / `clear_flag` call that caused them (charms.reactive's
//! `register_trigger`), and their firing, capped at a depth that declares a
//! cascade cyclic.

use std::fmt;
use std::sync::Arc;

use crate::{Context, EngineError};

/// Nesting depth at which a trigger cascade is declared cyclic. charms.reactive
/// recurses until Python's RecursionError (about 1000 frames).
const MAX_TRIGGER_DEPTH: usize = 256;

/// A callback run by a trigger, after its sets and clears.
pub type TriggerCallback = Arc<dyn Fn(&mut crate::Context<'_>) + Send + Sync>;

/// Which transition of which flag fires a trigger.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum TriggerOn {
    /// The flag goes from unset to set.
    Set(String),
    /// The flag goes from set to unset.
    Cleared(String),
}

/// A trigger: on a real transition of one flag, set flags, then clear flags, then
/// run callbacks.
///
/// ```
/// use charm_reactive::Trigger;
/// let t = Trigger::when("db.changed").set_flag("app.restart-needed");
/// let u = Trigger::when_not("db.joined").clear_flag("db.available");
/// # let _ = (t, u);
/// ```
#[derive(Clone)]
pub struct Trigger {
    pub(crate) on: TriggerOn,
    pub(crate) set: Vec<String>,
    pub(crate) clear: Vec<String>,
    pub(crate) callbacks: Vec<TriggerCallback>,
}

impl Trigger {
    /// Fires when `flag` becomes set.
    pub fn when(flag: impl Into<String>) -> Trigger {
        Trigger::on(TriggerOn::Set(flag.into()))
    }

    /// Fires when `flag` becomes unset.
    pub fn when_not(flag: impl Into<String>) -> Trigger {
        Trigger::on(TriggerOn::Cleared(flag.into()))
    }

    fn on(on: TriggerOn) -> Trigger {
        Trigger {
            on,
            set: Vec::new(),
            clear: Vec::new(),
            callbacks: Vec::new(),
        }
    }

    /// Also set `flag` when the trigger fires.
    pub fn set_flag(mut self, flag: impl Into<String>) -> Trigger {
        self.set.push(flag.into());
        self
    }

    /// Also clear `flag` when the trigger fires.
    pub fn clear_flag(mut self, flag: impl Into<String>) -> Trigger {
        self.clear.push(flag.into());
        self
    }

    /// Also run `callback` when the trigger fires.
    pub fn callback<F: Fn(&mut crate::Context<'_>) + Send + Sync + 'static>(
        mut self,
        callback: F,
    ) -> Trigger {
        self.callbacks.push(Arc::new(callback));
        self
    }

    /// The transition that fires it.
    pub fn on_transition(&self) -> &TriggerOn {
        &self.on
    }
}

impl fmt::Debug for Trigger {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Trigger")
            .field("on", &self.on)
            .field("set", &self.set)
            .field("clear", &self.clear)
            .field("callbacks", &self.callbacks.len())
            .finish()
    }
}

/// The triggers of one hook, merged per transition as charms.reactive merges them
/// (registering the same flag twice is a no-op), and the cascade firing now.
#[derive(Debug, Default)]
pub(crate) struct Triggers {
    table: std::collections::HashMap<TriggerOn, Trigger>,
    /// The transitions being fired, outermost first.
    stack: Vec<TriggerOn>,
}

impl Triggers {
    /// The registry's triggers.
    pub(crate) fn load(triggers: &[Trigger]) -> Result<Triggers, EngineError> {
        let mut out = Triggers::default();
        for t in triggers {
            out.register(t.clone())?;
        }
        Ok(out)
    }

    /// Adds `trigger`, merged with any on the same transition.
    pub(crate) fn register(&mut self, trigger: Trigger) -> Result<(), EngineError> {
        if trigger.set.is_empty() && trigger.clear.is_empty() && trigger.callbacks.is_empty() {
            return Err(EngineError::InvalidTrigger(format!(
                "trigger on {:?} has no set_flag, clear_flag or callback",
                trigger.on
            )));
        }
        let entry = self
            .table
            .entry(trigger.on.clone())
            .or_insert_with(|| Trigger::on(trigger.on.clone()));
        for f in trigger.set {
            if !entry.set.contains(&f) {
                entry.set.push(f);
            }
        }
        for f in trigger.clear {
            if !entry.clear.contains(&f) {
                entry.clear.push(f);
            }
        }
        for cb in trigger.callbacks {
            if !entry.callbacks.iter().any(|c| Arc::ptr_eq(c, &cb)) {
                entry.callbacks.push(cb);
            }
        }
        Ok(())
    }

    /// charms.reactive's `_clear_triggers` (an atexit step that runs before
    /// layer-basic's `clear_config_states`): forgets every trigger, so the
    /// layers' exit steps fire none. A trigger registered after this (by an
    /// exit step) still fires, as it would in charms.reactive.
    pub(crate) fn clear(&mut self) {
        self.table.clear();
    }

    /// Enters the cascade of `on`: its trigger, if one is registered, with `on`
    /// pushed on the cascade (pop it with [`Triggers::leave`]); an error
    /// naming the last transitions when the cascade is too deep to be anything
    /// but a cycle.
    fn enter(&mut self, on: TriggerOn) -> Result<Option<Trigger>, EngineError> {
        let Some(trigger) = self.table.get(&on).cloned() else {
            return Ok(None);
        };
        if self.stack.len() >= MAX_TRIGGER_DEPTH {
            let cycle = self.stack[self.stack.len() - 8..]
                .iter()
                .chain(std::iter::once(&on))
                .map(|t| match t {
                    TriggerOn::Set(f) => format!("set {f}"),
                    TriggerOn::Cleared(f) => format!("cleared {f}"),
                })
                .collect();
            return Err(EngineError::TriggerCycle { cycle });
        }
        self.stack.push(on);
        Ok(Some(trigger))
    }

    fn leave(&mut self) {
        self.stack.pop();
    }
}

/// Fires the trigger on `on`, if any, inside the `set_flag` / `clear_flag` that
/// made the transition: its sets, then its clears, then its callbacks, each
/// of which may fire further triggers. A cycle fails the hook.
pub(crate) fn fire(ctx: &mut Context<'_>, on: TriggerOn) {
    let trigger = match ctx.triggers().enter(on) {
        Ok(Some(trigger)) => trigger,
        Ok(None) => return,
        Err(e) => return ctx.session.fail(e),
    };
    for f in &trigger.set {
        ctx.set_flag(f);
    }
    for f in &trigger.clear {
        ctx.clear_flag(f);
    }
    for cb in &trigger.callbacks {
        cb(ctx);
    }
    ctx.triggers().leave();
}
