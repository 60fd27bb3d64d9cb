//! The unit's state for one hook: the store transaction, the flags, the
//! application scope, the log, a deferred failure and the layers' extensions.
//! [`crate::Context`] is a handler's view of it; [`crate::dispatch`] decides
//! which handlers run against it.

use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::path::PathBuf;

use charm_reactive_store::Transaction;

use crate::app_scope::{self, AppScope};
use crate::backend::Backend;
use crate::flags::{self, FlagState};
use crate::hook_env::{HookEnv, Invocation, JujuVersion, RelationContext};
use crate::log::{HookLog, Level, LogRecord};
use crate::pattern::RelationSpec;
use crate::EngineError;

/// What the engine needs to know about the hook being run.
#[derive(Debug, Clone, Default)]
pub struct HookInfo {
    /// The hook's name, e.g. `config-changed`; for an action, the action's name.
    pub name: String,
    /// The action's name, when this is an action invocation.
    pub action: Option<String>,
    /// The unit, e.g. `con6/3`.
    pub unit: String,
    /// The relation of a relation hook.
    pub relation: Option<RelationContext>,
    /// The charm directory (`JUJU_CHARM_DIR`, else `CHARM_DIR`, else the
    /// working directory, as [`HookEnv::charm_dir`]), where layers find the
    /// charm's files (`config.yaml`). `None` when the hook was not built from
    /// Juju's environment (tests, tools): layers then fall back to their own
    /// default.
    pub charm_dir: Option<PathBuf>,
    /// The Juju agent's version, when known.
    pub juju_version: Option<JujuVersion>,
    /// The charm's relations (metadata.yaml), for `{role:interface}` hook
    /// patterns and endpoints.
    pub relations: Vec<RelationSpec>,
}

impl HookInfo {
    /// A hook called `name` on `unit`, with no relation context.
    pub fn new(name: impl Into<String>, unit: impl Into<String>) -> HookInfo {
        HookInfo {
            name: name.into(),
            unit: unit.into(),
            ..HookInfo::default()
        }
    }

    /// The hook described by Juju's environment, with the charm's relations.
    ///
    /// ```
    /// use charm_reactive::{hook_env::HookEnv, HookInfo};
    /// let vars = [
    ///     ("JUJU_DISPATCH_PATH", "hooks/install"),
    ///     ("JUJU_UNIT_NAME", "web/0"),
    ///     ("JUJU_CHARM_DIR", "/var/lib/juju/agents/unit-web-0/charm"),
    /// ];
    /// let env = HookEnv::from_vars(|k| vars.iter().find(|v| v.0 == k).map(|v| v.1.into()), None)?;
    /// let hook = HookInfo::from_env(&env, Vec::new());
    /// assert_eq!(hook.name, "install");
    /// assert_eq!(hook.charm_dir.as_deref(), Some(std::path::Path::new("/var/lib/juju/agents/unit-web-0/charm")));
    /// # Ok::<(), charm_reactive::hook_env::EnvError>(())
    /// ```
    pub fn from_env(env: &HookEnv, relations: Vec<RelationSpec>) -> HookInfo {
        HookInfo {
            name: env.name().to_owned(),
            action: match &env.invocation {
                Invocation::Action(a) => Some(a.clone()),
                Invocation::Hook(_) => None,
            },
            unit: env.unit.clone(),
            relation: env.relation.clone(),
            charm_dir: Some(env.charm_dir.clone()),
            juju_version: env.juju_version,
            relations,
        }
    }

    /// Whether this unit is the one leaving the hook's relation (`JUJU_DEPARTING_UNIT`).
    pub fn is_departing_unit(&self) -> bool {
        self.relation
            .as_ref()
            .and_then(|r| r.departing_unit.as_deref())
            .is_some_and(|u| u == self.unit)
    }
}

/// Per-hook values of layers and engine modules, one per type, created with
/// `T::default()` at first use and dropped at the end of the hook.
#[derive(Default)]
pub(crate) struct Extensions(HashMap<TypeId, Box<dyn Any>>);

impl Extensions {
    /// This hook's value of type `T`, created at first use.
    pub(crate) fn get_mut<T: Any + Default>(&mut self) -> &mut T {
        self.0
            .entry(TypeId::of::<T>())
            .or_insert_with(|| Box::new(T::default()))
            .downcast_mut::<T>()
            .expect("extensions are keyed by their own TypeId")
    }

    /// This hook's value of type `T`, if it was created.
    pub(crate) fn get<T: Any>(&self) -> Option<&T> {
        self.0.get(&TypeId::of::<T>())?.downcast_ref::<T>()
    }
}

/// The unit's state while one hook runs.
pub(crate) struct Session {
    pub(crate) hook: HookInfo,
    pub(crate) tx: Transaction,
    pub(crate) flags: FlagState,
    /// The application scope (leader settings), read at first use.
    pub(crate) app: AppScope,
    /// The hook's juju-log records, shared with the `tracing` layer (and
    /// writable through `&Context`, for charms.reactive's `not_unless`).
    pub(crate) log: HookLog,
    /// An error raised by an infallible call (a cyclic trigger, a bad flag name),
    /// failing the hook when the handler returns.
    pub(crate) failure: Option<EngineError>,
    /// Per-hook state of layers and modules (see [`crate::Context::extension`]).
    pub(crate) extensions: Extensions,
}

impl Session {
    /// Loads the unit's flags from `tx`.
    pub(crate) fn open(tx: Transaction, hook: HookInfo) -> Result<Self, EngineError> {
        let flags = FlagState::load(flags::read(&tx)?);
        Ok(Session {
            hook,
            tx,
            flags,
            app: AppScope::default(),
            log: HookLog::default(),
            failure: None,
            extensions: Extensions::default(),
        })
    }

    /// Reads leader settings (once per hook) and adds the application flags to
    /// the flag set, as flags committed by earlier hooks.
    pub(crate) fn load_app_scope(&mut self, juju: &mut dyn Backend) -> Result<(), EngineError> {
        if self.app.is_loaded() {
            return Ok(());
        }
        let settings = juju.leader_get()?;
        self.app.load(settings);
        for (flag, value) in self.app.flags()? {
            self.flags.load_one(flag, value);
        }
        Ok(())
    }

    /// Refuses an application-scope write from a non-leader.
    pub(crate) fn check_app_write(
        &mut self,
        juju: &mut dyn Backend,
        what: &str,
    ) -> Result<(), EngineError> {
        self.load_app_scope(juju)?;
        if juju.is_leader()? {
            Ok(())
        } else {
            Err(EngineError::NotLeader {
                what: what.to_owned(),
            })
        }
    }

    /// Checks a flag name, and for an application flag whose state `changes`,
    /// that this unit is the leader (a non-changing write is allowed anywhere,
    /// as charms.reactive's re-set of a set flag is harmless).
    pub(crate) fn check_flag_write(
        &mut self,
        juju: &mut dyn Backend,
        flag: &str,
        changes: impl Fn(&FlagState) -> bool,
    ) -> Result<(), EngineError> {
        flags::validate(flag)?;
        if app_scope::is_app_flag(flag) {
            self.load_app_scope(juju)?;
            if changes(&self.flags) {
                self.check_app_write(juju, &format!("changing application flag {flag:?}"))?;
            }
        }
        Ok(())
    }

    pub(crate) fn log(&self, level: Level, message: impl Into<String>) {
        self.log.push(LogRecord::new(level, message.into()));
    }

    /// Records the hook's first deferred failure.
    pub(crate) fn fail(&mut self, error: EngineError) {
        if self.failure.is_none() {
            self.failure = Some(error);
        }
    }
}
