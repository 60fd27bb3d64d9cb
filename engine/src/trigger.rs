//! Triggers: flag changes that set or clear other flags at once, inside the
//! `set_flag` / `clear_flag` call that caused them (charms.reactive's
//! `register_trigger`).

use std::fmt;
use std::sync::Arc;

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

/// The triggers of one hook, merged per transition as charms.reactive merges them:
/// registering the same flag twice is a no-op.
#[derive(Debug, Clone, Default)]
pub(crate) struct TriggerTable {
    table: std::collections::HashMap<TriggerOn, Trigger>,
}

impl TriggerTable {
    pub(crate) fn register(&mut self, trigger: Trigger) -> Result<(), crate::EngineError> {
        if trigger.set.is_empty() && trigger.clear.is_empty() && trigger.callbacks.is_empty() {
            return Err(crate::EngineError::InvalidTrigger(format!(
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

    pub(crate) fn get(&self, on: &TriggerOn) -> Option<&Trigger> {
        self.table.get(on)
    }
}
