//! [`Context`]: what a handler gets, in place of charms.reactive's global functions.

use charm_reactive_store::layout::KV_PREFIX;
use serde::{de::DeserializeOwned, Serialize};

use crate::backend::Backend;
use crate::bookkeeping::keys;
use crate::flags::FlagValue;
use crate::log::Level;
use crate::session::{HookInfo, Session};
use crate::trigger::{self, TriggerOn, Triggers};
use crate::{EngineError, Trigger};

/// The dispatch a [`Context`] runs in, as the context sees it: told of flag
/// changes, and holding the hook's triggers. Implemented by
/// [`crate::dispatch::Dispatch`]; a trait so that this module, which handlers
/// and triggers see, does not depend on the dispatch that runs them.
pub(crate) trait Dispatcher {
    /// `clear_flag` was called, even on an unset flag: charms.reactive then
    /// re-tests the rest of the queue.
    fn clear_called(&mut self);

    /// `flag` really changed (`set`, else cleared): traced, and recorded for
    /// FlagWatch and re-tests.
    fn flag_changed(&mut self, session: &mut Session, flag: &str, set: bool);

    /// The hook's triggers.
    fn triggers(&mut self) -> &mut Triggers;
}

/// A handler's view of the hook: flags, the unit's key/value store, and the hook.
///
/// Flag changes behave exactly as in charms.reactive: they are visible at once,
/// fire triggers, and are committed with everything else only if the hook
/// succeeds.
///
/// ```
/// use charm_reactive::{Handler, Registry, Context};
/// fn configure(ctx: &mut Context<'_>) -> anyhow::Result<()> {
///     if !ctx.is_flag_set("app.configured") {
///         ctx.kv().set("port", &8080u16)?;
///         ctx.set_flag("app.configured");
///     }
///     Ok(())
/// }
/// let registry = Registry::builder()
///     .handler(Handler::new("configure", configure).when_all(["db.available"]))
///     .build()?;
/// # Ok::<(), charm_reactive::EngineError>(())
/// ```
pub struct Context<'a> {
    /// The unit's state (engine modules such as endpoints borrow its parts).
    pub(crate) session: &'a mut Session,
    /// Juju, borrowed for the hook.
    pub(crate) juju: &'a mut dyn Backend,
    dispatch: &'a mut dyn Dispatcher,
}

impl<'a> Context<'a> {
    pub(crate) fn new(
        session: &'a mut Session,
        juju: &'a mut dyn Backend,
        dispatch: &'a mut dyn Dispatcher,
    ) -> Context<'a> {
        Context {
            session,
            juju,
            dispatch,
        }
    }

    /// This context again, for a shorter time (for handles that keep one).
    pub(crate) fn reborrow(&mut self) -> Context<'_> {
        Context {
            session: &mut *self.session,
            juju: &mut *self.juju,
            dispatch: &mut *self.dispatch,
        }
    }

    pub(crate) fn triggers(&mut self) -> &mut Triggers {
        self.dispatch.triggers()
    }

    /// Per-hook state of type `T`, shared by every handler and layer step of
    /// this hook and dropped at its end: created with `T::default()` at first
    /// use. For layers that keep state between their start and exit steps.
    pub fn extension<T: std::any::Any + Default>(&mut self) -> &mut T {
        self.session.extensions.get_mut::<T>()
    }

    /// The hook being run.
    pub fn hook(&self) -> &HookInfo {
        &self.session.hook
    }

    /// Sets a flag (charms.reactive's `set_flag(flag)`), resetting its value.
    pub fn set_flag(&mut self, flag: &str) {
        self.set_flag_to(flag, None);
    }

    /// charms.reactive's `set_flag`: always stores the value; on a real change,
    /// traces it, records it for FlagWatch, then fires the flag's triggers.
    fn set_flag_to(&mut self, flag: &str, value: FlagValue) {
        if self.session.failure.is_some() {
            return;
        }
        let changes = |flags: &crate::flags::FlagState| flags.value(flag) != Some(&value);
        if let Err(e) = self
            .session
            .check_flag_write(&mut *self.juju, flag, changes)
        {
            return self.session.fail(e);
        }
        if self.session.flags.insert(flag, value) {
            self.dispatch.flag_changed(self.session, flag, true);
            trigger::fire(self, TriggerOn::Set(flag.to_owned()));
        }
    }

    /// Sets a flag with a value (charms.reactive's `set_flag(flag, value)`).
    pub fn set_flag_value<T: Serialize + ?Sized>(&mut self, flag: &str, value: &T) {
        match charm_reactive_store::codec::encode(value) {
            Ok(bytes) => self.set_flag_to(flag, Some(bytes)),
            Err(reason) => self
                .session
                .fail(EngineError::encoding(format!("flag {flag:?}"), reason)),
        }
    }

    /// A set flag's value (charms.reactive's `get_state`): `Ok(None)` when the
    /// flag is unset or was set without a value.
    pub fn flag_value<T: DeserializeOwned>(&self, flag: &str) -> Result<Option<T>, EngineError> {
        match self.session.flags.value(flag) {
            None | Some(None) => Ok(None),
            Some(Some(bytes)) => charm_reactive_store::codec::decode(bytes)
                .map(Some)
                .map_err(|e| EngineError::decoding(format!("flag {flag:?}"), e)),
        }
    }

    /// Clears a flag. Like charms.reactive, this re-tests the rest of the current
    /// queue even when the flag was not set.
    pub fn clear_flag(&mut self, flag: &str) {
        if self.session.failure.is_some() {
            return;
        }
        let changes = |flags: &crate::flags::FlagState| flags.contains(flag);
        if let Err(e) = self
            .session
            .check_flag_write(&mut *self.juju, flag, changes)
        {
            return self.session.fail(e);
        }
        self.dispatch.clear_called();
        if self.session.flags.remove(flag) {
            self.dispatch.flag_changed(self.session, flag, false);
            trigger::fire(self, TriggerOn::Cleared(flag.to_owned()));
        }
    }

    /// Sets `flag` if `should_set`, else clears it.
    pub fn toggle_flag(&mut self, flag: &str, should_set: bool) {
        if should_set {
            self.set_flag(flag)
        } else {
            self.clear_flag(flag)
        }
    }

    /// Whether `flag` is set.
    pub fn is_flag_set(&self, flag: &str) -> bool {
        self.session.flags.contains(flag)
    }

    /// Whether every flag is set (true for none).
    pub fn all_flags_set(&self, flags: &[&str]) -> bool {
        flags.iter().all(|f| self.is_flag_set(f))
    }

    /// Whether any flag is set (false for none).
    pub fn any_flags_set(&self, flags: &[&str]) -> bool {
        flags.iter().any(|f| self.is_flag_set(f))
    }

    /// Every set flag, sorted.
    pub fn get_flags(&self) -> Vec<String> {
        self.session.flags.sorted()
    }

    /// The given flags that are not set, sorted.
    pub fn get_unset_flags(&self, flags: &[&str]) -> Vec<String> {
        let mut out: Vec<String> = flags
            .iter()
            .filter(|f| !self.is_flag_set(f))
            .map(|f| (*f).to_owned())
            .collect();
        out.sort();
        out.dedup();
        out
    }

    /// Registers a trigger for the rest of this hook.
    pub fn register_trigger(&mut self, trigger: Trigger) {
        if let Err(e) = self.dispatch.triggers().register(trigger) {
            self.session.fail(e);
        }
    }

    /// Whether `value` differs from the one last passed under `key`, recording it
    /// (charms.reactive's `data_changed`). The first call for a key is `true`.
    pub fn data_changed<T: Serialize + ?Sized>(
        &mut self,
        key: &str,
        value: &T,
    ) -> Result<bool, EngineError> {
        self.compare_data(key, value, true)
    }

    /// Like [`data_changed`](Self::data_changed), without recording.
    pub fn is_data_changed<T: Serialize + ?Sized>(
        &mut self,
        key: &str,
        value: &T,
    ) -> Result<bool, EngineError> {
        self.compare_data(key, value, false)
    }

    fn compare_data<T: Serialize + ?Sized>(
        &mut self,
        key: &str,
        value: &T,
        record: bool,
    ) -> Result<bool, EngineError> {
        let hash = crate::hash::value_hash(value)
            .map_err(|e| EngineError::encoding(format!("data_changed key {key:?}"), e))?;
        let store_key = keys::internal(keys::DATA_CHANGED, key);
        let old = self.session.tx.get::<String>(&store_key)?;
        let changed = old.as_deref() != Some(hash.as_str());
        if changed && record {
            self.session.tx.set(&store_key, &hash)?;
        }
        Ok(changed)
    }

    /// Juju: status, config, relations, pod specs... (see [`Backend`]).
    pub fn juju(&mut self) -> &mut dyn Backend {
        &mut *self.juju
    }

    /// Whether this unit is the leader (cached for the hook).
    pub fn is_leader(&mut self) -> Result<bool, EngineError> {
        Ok(self.juju.is_leader()?)
    }

    /// The application scope's key/values, shared by every unit through leader
    /// settings: any unit reads, only the leader writes. Application flags are
    /// ordinary flags named `app:<name>`.
    ///
    /// ```
    /// # use charm_reactive::Context;
    /// fn remember_spec(ctx: &mut Context<'_>, hash: &str) -> Result<(), charm_reactive::EngineError> {
    ///     if ctx.app()?.get::<String>("pod-spec-hash")?.as_deref() != Some(hash) {
    ///         ctx.app()?.set("pod-spec-hash", hash)?;
    ///         ctx.set_flag("app:pod-spec.set");
    ///     }
    ///     Ok(())
    /// }
    /// ```
    pub fn app(&mut self) -> Result<AppData<'_>, EngineError> {
        self.session.load_app_scope(&mut *self.juju)?;
        Ok(AppData {
            session: &mut *self.session,
            juju: &mut *self.juju,
        })
    }

    /// The unit's key/value store (charmhelpers' `unitdata.kv()`), in this hook's
    /// transaction.
    pub fn kv(&mut self) -> Kv<'_> {
        Kv {
            tx: &mut self.session.tx,
        }
    }

    /// Logs through `juju-log` at the end of the hook (in order with the engine's
    /// own lines).
    pub fn log(&self, level: Level, message: impl Into<String>) {
        self.session.log(level, message);
    }

    /// Logs a warning (see [`log`](Self::log)).
    pub fn warn(&self, message: impl Into<String>) {
        self.session.log(Level::Warning, message);
    }
}

/// The unit's typed key/value store, in the hook's transaction.
pub struct Kv<'t> {
    tx: &'t mut charm_reactive_store::Transaction,
}

impl Kv<'_> {
    /// The value under `key`, decoded as a `T`.
    pub fn get<T: DeserializeOwned>(&self, key: &str) -> Result<Option<T>, EngineError> {
        Ok(self.tx.get(&format!("{KV_PREFIX}{key}"))?)
    }

    /// Stores `value` under `key`.
    pub fn set<T: Serialize + ?Sized>(&mut self, key: &str, value: &T) -> Result<(), EngineError> {
        Ok(self.tx.set(&format!("{KV_PREFIX}{key}"), value)?)
    }

    /// Removes `key` (absent keys are not an error).
    pub fn unset(&mut self, key: &str) -> Result<(), EngineError> {
        Ok(self.tx.unset(&format!("{KV_PREFIX}{key}"))?)
    }

    /// Every key starting with `prefix`, sorted.
    pub fn keys(&self, prefix: &str) -> Result<Vec<String>, EngineError> {
        let full = format!("{KV_PREFIX}{prefix}");
        Ok(self
            .tx
            .scan_prefix(&full)?
            .into_iter()
            .map(|(k, _)| k[KV_PREFIX.len()..].to_owned())
            .collect())
    }
}

/// The application scope's key/values (see [`Context::app`]). Values are JSON in
/// leader settings, so an operator can read them with `leader-get`.
pub struct AppData<'s> {
    session: &'s mut Session,
    juju: &'s mut dyn Backend,
}

impl AppData<'_> {
    /// The value under `key`, decoded as a `T`.
    pub fn get<T: DeserializeOwned>(&self, key: &str) -> Result<Option<T>, EngineError> {
        match self.session.app.get(key) {
            None => Ok(None),
            Some(json) => crate::app_scope::decode_value(json)
                .map(Some)
                .map_err(|e| EngineError::decoding(format!("application value {key:?}"), e)),
        }
    }

    /// Stores `value` under `key` (leader only; written at commit).
    pub fn set<T: Serialize + ?Sized>(&mut self, key: &str, value: &T) -> Result<(), EngineError> {
        let json = crate::app_scope::encode_value(value)
            .map_err(|e| EngineError::encoding(format!("application value {key:?}"), e))?;
        if self.session.app.get(key) == Some(json.as_str()) {
            return Ok(());
        }
        self.session.check_app_write(
            &mut *self.juju,
            &format!("setting application value {key:?}"),
        )?;
        self.session.app.set(key, json)
    }

    /// Removes `key` (leader only; absent keys are not an error).
    pub fn unset(&mut self, key: &str) -> Result<(), EngineError> {
        if self.session.app.get(key).is_none() {
            return Ok(());
        }
        self.session.check_app_write(
            &mut *self.juju,
            &format!("removing application value {key:?}"),
        )?;
        self.session.app.unset(key);
        Ok(())
    }

    /// Every key starting with `prefix`, sorted.
    pub fn keys(&self, prefix: &str) -> Vec<String> {
        self.session.app.keys(prefix)
    }

    /// A raw leader setting (charms.reactive's `leader_get(key)`), including this
    /// hook's pending writes.
    pub fn leader_setting(&self, key: &str) -> Option<&str> {
        self.session.app.setting(key)
    }

    /// Every raw leader setting, except the application scope's own keys.
    pub fn leader_settings(&self) -> std::collections::BTreeMap<String, String> {
        self.session.app.settings()
    }

    /// Writes a raw leader setting (leader only; `None` deletes) in this hook's
    /// one `leader-set`, at commit: unlike `leader-set` run by hand, it is
    /// discarded if the hook fails.
    pub fn set_leader_setting(
        &mut self,
        key: &str,
        value: Option<&str>,
    ) -> Result<(), EngineError> {
        if self.session.app.setting(key) == value {
            return Ok(());
        }
        self.session
            .check_app_write(&mut *self.juju, &format!("setting leader setting {key:?}"))?;
        self.session.app.set_setting(key, value.map(str::to_owned))
    }
}
