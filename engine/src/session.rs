//! One hook's state: the store transaction, the flags, the dispatch bookkeeping
//! (phase, FlagWatch, tracer) and the log. [`crate::Context`] is a handler's view
//! of it; [`crate::dispatch`] drives it.

use std::any::{Any, TypeId};
use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::sync::Arc;

use charm_reactive_store::Transaction;

use crate::app_scope::{self, AppScope};
use crate::backend::Backend;
use crate::condition::Phase;
use crate::flags::{self, FlagState, FlagValue};
use crate::hook_env::{HookEnv, Invocation, JujuVersion, RelationContext};
use crate::log::{Level, LogRecord};
use crate::pattern::RelationSpec;
use crate::registry::HandlerIdx;
use crate::tracer::Tracer;
use crate::trigger::{TriggerOn, TriggerTable};
use crate::{Condition, Context, EngineError, Registry};

/// Store keys of the engine's own bookkeeping, under the store layout's
/// [`INTERNAL_PREFIX`](charm_reactive_store::layout::INTERNAL_PREFIX).
pub(crate) mod keys {
    use charm_reactive_store::layout::INTERNAL_PREFIX;

    /// The phase the last hook ended in.
    pub(crate) const PHASE: &str = "phase";
    /// `invoked/<handler id>`: an `only_once` handler ran.
    pub(crate) const INVOKED: &str = "invoked/";
    /// `data_changed/<key>`: the hash `data_changed` last recorded.
    pub(crate) const DATA_CHANGED: &str = "data_changed/";
    /// `file_hash/<path>`: a `when_file_changed` file's last hash.
    pub(crate) const FILE_HASH: &str = "file_hash/";
    /// `endpoints/departed/<endpoint>`: an endpoint's departed units
    /// (charms.reactive's `reactive.endpoints.departed.<endpoint>`).
    pub(crate) const DEPARTED: &str = "endpoints/departed/";

    /// The store key of bookkeeping entry `name` (one of the above) followed
    /// by `rest`.
    pub(crate) fn internal(name: &str, rest: impl std::fmt::Display) -> String {
        format!("{INTERNAL_PREFIX}{name}{rest}")
    }
}

/// Nesting depth at which a trigger cascade is declared cyclic. charms.reactive
/// recurses until Python's RecursionError (about 1000 frames).
const MAX_TRIGGER_DEPTH: usize = 256;

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
    /// Whether each dispatch step also goes to the log as one logfmt line (see
    /// [`crate::events`]). Off by default so that the log is charms.reactive's.
    pub structured_events: bool,
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
            structured_events: false,
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

/// How much work a dispatch did: what makes its cost follow flag changes
/// rather than iterations x handlers.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DispatchStats {
    /// Handler tests (FlagWatch check plus conditions), including the tracer's.
    pub tests: usize,
    /// Main-loop iterations run.
    pub iterations: usize,
    /// Real flag changes.
    pub flag_changes: usize,
}

/// charms.reactive's FlagWatch: which flags changed in the previous `_invoke`.
#[derive(Debug, Default)]
struct FlagWatch {
    iteration: usize,
    changes: HashSet<String>,
    pending: Vec<String>,
}

/// One hook in progress.
pub(crate) struct Session {
    pub(crate) registry: Arc<Registry>,
    pub(crate) tx: Transaction,
    pub(crate) flags: FlagState,
    pub(crate) hook: HookInfo,
    pub(crate) phase: Option<Phase>,
    watch: FlagWatch,
    /// charms.reactive's `reactive.dispatch.removed_state`.
    pub(crate) removed_state: bool,
    /// Flags changed since the current queue was last tested.
    pub(crate) recent_changes: Vec<String>,
    triggers: TriggerTable,
    trigger_stack: Vec<TriggerOn>,
    pub(crate) tracer: Tracer,
    /// Behind a RefCell so that `&Context` can warn (charms.reactive's `not_unless`).
    pub(crate) log: std::cell::RefCell<Vec<LogRecord>>,
    /// An error raised by an infallible call (a cyclic trigger, a bad flag name),
    /// failing the hook when the handler returns.
    pub(crate) failure: Option<EngineError>,
    pub(crate) invoked: Vec<String>,
    hook_matches: Vec<Option<bool>>,
    /// Work counters, for benchmarks.
    pub(crate) stats: DispatchStats,
    /// The handler running now, for structured events.
    pub(crate) current_handler: Option<String>,
    /// Juju, for this hook.
    pub(crate) juju: Box<dyn Backend>,
    /// The application scope (leader settings), read at first use.
    pub(crate) app: AppScope,
    /// Per-hook state of layers and modules, by type (see [`Context::extension`]).
    pub(crate) extensions: HashMap<TypeId, Box<dyn Any>>,
}

impl Session {
    /// Loads the unit's flags and the engine's bookkeeping from `tx`.
    pub(crate) fn open(
        registry: Arc<Registry>,
        tx: Transaction,
        hook: HookInfo,
        juju: Box<dyn Backend>,
    ) -> Result<Self, (EngineError, Box<dyn Backend>)> {
        let loaded = (|| -> Result<_, EngineError> {
            let flags = FlagState::load(flags::read(&tx)?);
            let phase = tx
                .get::<String>(&keys::internal(keys::PHASE, ""))?
                .as_deref()
                .and_then(Phase::parse);
            let mut triggers = TriggerTable::default();
            for t in registry.triggers() {
                triggers.register(t.clone())?;
            }
            Ok((flags, phase, triggers))
        })();
        let (flags, phase, triggers) = match loaded {
            Ok(l) => l,
            Err(e) => return Err((e, juju)),
        };
        let n = registry.handlers().len();
        Ok(Session {
            registry,
            tx,
            flags,
            hook,
            phase,
            watch: FlagWatch::default(),
            removed_state: false,
            recent_changes: Vec::new(),
            triggers,
            trigger_stack: Vec::new(),
            tracer: Tracer::new(n),
            log: Default::default(),
            failure: None,
            invoked: Vec::new(),
            hook_matches: vec![None; n],
            stats: DispatchStats::default(),
            current_handler: None,
            juju,
            app: AppScope::default(),
            extensions: HashMap::new(),
        })
    }

    // ---- application scope ------------------------------------------------

    /// Reads leader settings (once per hook) and adds the application flags to
    /// the flag set, as flags committed by earlier hooks.
    pub(crate) fn load_app_scope(&mut self) -> Result<(), EngineError> {
        if self.app.is_loaded() {
            return Ok(());
        }
        let settings = self.juju.leader_get()?;
        self.app.load(settings);
        for (flag, value) in self.app.flags()? {
            self.flags.load_one(flag, value);
        }
        Ok(())
    }

    /// Refuses an application-scope write from a non-leader.
    pub(crate) fn check_app_write(&mut self, what: &str) -> Result<(), EngineError> {
        self.load_app_scope()?;
        if self.juju.is_leader()? {
            Ok(())
        } else {
            Err(EngineError::NotLeader {
                what: what.to_owned(),
            })
        }
    }

    /// This hook's value of type `T`, created with `T::default()` at first use.
    pub(crate) fn extension<T: Any + Default>(&mut self) -> &mut T {
        self.extensions
            .entry(TypeId::of::<T>())
            .or_insert_with(|| Box::new(T::default()))
            .downcast_mut::<T>()
            .expect("extensions are keyed by their own TypeId")
    }

    pub(crate) fn log(&self, level: Level, message: impl Into<String>) {
        self.log
            .borrow_mut()
            .push(LogRecord::new(level, message.into()));
    }

    pub(crate) fn fail(&mut self, error: EngineError) {
        if self.failure.is_none() {
            self.failure = Some(error);
        }
    }

    /// charms.reactive's `_clear_triggers` (an atexit step that runs before
    /// layer-basic's `clear_config_states`): forgets every trigger, so the
    /// layers' exit steps fire none. A trigger registered after this (by an
    /// exit step) still fires, as it would in charms.reactive.
    pub(crate) fn clear_triggers(&mut self) {
        self.triggers = TriggerTable::default();
    }

    pub(crate) fn register_trigger(&mut self, trigger: crate::Trigger) {
        if let Err(e) = self.triggers.register(trigger) {
            self.fail(e);
        }
    }

    // ---- flags ----------------------------------------------------------

    /// charms.reactive's `set_flag`: always stores the value; on a real change,
    /// traces it, records it for FlagWatch, then fires the flag's triggers.
    pub(crate) fn set_flag(&mut self, flag: &str, value: FlagValue) {
        if self.failure.is_some() {
            return;
        }
        if let Err(e) = self.check_flag_write(flag, |flags| flags.value(flag) != Some(&value)) {
            return self.fail(e);
        }
        if self.flags.insert(flag, value) {
            self.trace_flag(format_args!("set flag {flag}"), flag);
            self.record_change(flag);
            self.fire(TriggerOn::Set(flag.to_owned()));
        }
    }

    /// charms.reactive's `clear_flag`: marks the queue for re-testing even when
    /// the flag was not set.
    pub(crate) fn clear_flag(&mut self, flag: &str) {
        if self.failure.is_some() {
            return;
        }
        if let Err(e) = self.check_flag_write(flag, |flags| flags.contains(flag)) {
            return self.fail(e);
        }
        self.removed_state = true;
        if self.flags.remove(flag) {
            self.trace_flag(format_args!("cleared flag {flag}"), flag);
            self.record_change(flag);
            self.fire(TriggerOn::Cleared(flag.to_owned()));
        }
    }

    /// Checks a flag name, and for an application flag whose state `changes`,
    /// that this unit is the leader (a non-changing write is allowed anywhere,
    /// as charms.reactive's re-set of a set flag is harmless).
    fn check_flag_write(
        &mut self,
        flag: &str,
        changes: impl Fn(&FlagState) -> bool,
    ) -> Result<(), EngineError> {
        flags::validate(flag)?;
        if app_scope::is_app_flag(flag) {
            self.load_app_scope()?;
            if changes(&self.flags) {
                self.check_app_write(&format!("changing application flag {flag:?}"))?;
            }
        }
        Ok(())
    }

    fn record_change(&mut self, flag: &str) {
        self.stats.flag_changes += 1;
        self.watch.pending.push(flag.to_owned());
        self.recent_changes.push(flag.to_owned());
        self.step(crate::events::Step::Flag {
            flag,
            set: self.flags.contains(flag),
        });
    }

    fn fire(&mut self, on: TriggerOn) {
        let Some(trigger) = self.triggers.get(&on).cloned() else {
            return;
        };
        if self.trigger_stack.len() >= MAX_TRIGGER_DEPTH {
            let cycle = self.trigger_stack[self.trigger_stack.len() - 8..]
                .iter()
                .chain(std::iter::once(&on))
                .map(|t| match t {
                    TriggerOn::Set(f) => format!("set {f}"),
                    TriggerOn::Cleared(f) => format!("cleared {f}"),
                })
                .collect();
            return self.fail(EngineError::TriggerCycle { cycle });
        }
        self.trigger_stack.push(on);
        for f in &trigger.set {
            self.set_flag(f, None);
        }
        for f in &trigger.clear {
            self.clear_flag(f);
        }
        for cb in &trigger.callbacks {
            cb(&mut Context::new(self));
        }
        self.trigger_stack.pop();
    }

    // ---- handler tests ----------------------------------------------------

    /// charms.reactive's `Handler.test()`: the FlagWatch check, then every
    /// condition in order, with short-circuit.
    pub(crate) fn test(&mut self, idx: HandlerIdx) -> bool {
        self.stats.tests += 1;
        let registry = Arc::clone(&self.registry);
        let watched = registry.watched(idx);
        if !watched.is_empty()
            && self.watch.iteration != 0
            && !watched.iter().any(|f| self.watch.changes.contains(f))
        {
            return false;
        }
        registry.handlers()[idx]
            .conditions()
            .iter()
            .all(|c| self.holds(idx, c))
    }

    fn holds(&mut self, idx: HandlerIdx, condition: &Condition) -> bool {
        let other = self.phase == Some(Phase::Other);
        let set = |f: &String| self.flags.contains(f);
        match condition {
            Condition::WhenAll(fs) => other && fs.iter().all(set),
            Condition::WhenAny(fs) => other && fs.iter().any(set),
            Condition::WhenNone(fs) => other && !fs.iter().any(set),
            Condition::WhenNotAll(fs) => other && !fs.iter().all(set),
            Condition::Hook(patterns) => {
                self.phase == Some(Phase::Hooks)
                    && *self.hook_matches[idx].get_or_insert_with(|| {
                        crate::pattern::matches(&self.hook.name, patterns, &self.hook.relations)
                    })
            }
            Condition::Restricted(r) => {
                self.phase == Some(Phase::Restricted) && self.hook.name == r.hook_name()
            }
            Condition::Action(name) => {
                self.phase == Some(Phase::Action) && self.hook.action.as_deref() == Some(name)
            }
            Condition::OnlyOnce => !self.was_invoked(idx),
            Condition::WhenFileChanged(files) => self.any_file_changed(files),
        }
    }

    fn invoked_key(&self, idx: HandlerIdx) -> String {
        keys::internal(keys::INVOKED, self.registry.handlers()[idx].id())
    }

    fn was_invoked(&mut self, idx: HandlerIdx) -> bool {
        let key = self.invoked_key(idx);
        match self.tx.contains(&key) {
            Ok(v) => v,
            Err(e) => {
                self.fail(e.into());
                false
            }
        }
    }

    pub(crate) fn mark_invoked(&mut self, idx: HandlerIdx) -> Result<(), EngineError> {
        let key = self.invoked_key(idx);
        self.tx.set(&key, &true)?;
        Ok(())
    }

    /// charms.reactive's `any_file_changed`: records every file's new hash (a
    /// missing file hashes to nothing) and reports whether any differed.
    fn any_file_changed(&mut self, files: &[std::path::PathBuf]) -> bool {
        let mut changed = false;
        for file in files {
            let key = keys::internal(keys::FILE_HASH, file.display());
            let new = std::fs::read(file)
                .ok()
                .map(|bytes| crate::hash::hex_sha256(&bytes));
            let old = match self.tx.get::<Option<String>>(&key) {
                Ok(v) => v.flatten(),
                Err(e) => {
                    self.fail(e.into());
                    return false;
                }
            };
            if old != new {
                if let Err(e) = self.tx.set(&key, &new) {
                    self.fail(e.into());
                }
                changed = true;
            }
        }
        changed
    }

    // ---- FlagWatch ---------------------------------------------------------

    pub(crate) fn watch_reset(&mut self) {
        self.watch = FlagWatch::default();
    }

    pub(crate) fn watch_iteration(&mut self, i: usize) {
        self.watch.iteration = i;
    }

    pub(crate) fn watch_commit(&mut self) {
        self.watch.changes = self.watch.pending.drain(..).collect();
    }

    /// The handlers FlagWatch lets through in this iteration, in registration
    /// order: all of them in iteration 0, else those watching a changed flag and
    /// those watching none.
    pub(crate) fn watch_candidates(&self) -> Vec<HandlerIdx> {
        if self.watch.iteration == 0 {
            return (0..self.registry.handlers().len()).collect();
        }
        let mut out: Vec<HandlerIdx> = self.registry.unwatched().to_vec();
        for f in &self.watch.changes {
            out.extend_from_slice(self.registry.watchers(f));
        }
        out.sort_unstable();
        out.dedup();
        out
    }

    // ---- tracer --------------------------------------------------------------

    /// LogTracer's `_flag`: the line, then the handlers whose test result changed
    /// since the last report. Only handlers watching `flag` and those with
    /// volatile conditions can have changed, so only they are re-tested.
    fn trace_flag(&mut self, line: std::fmt::Arguments<'_>, flag: &str) {
        if !self.tracer.enabled() {
            return;
        }
        self.tracer.emit(line);
        let registry = Arc::clone(&self.registry);
        let candidates: Vec<HandlerIdx> = if self.tracer.known() {
            let mut c: Vec<HandlerIdx> = registry.watchers(flag).to_vec();
            c.extend_from_slice(registry.volatile());
            c.sort_unstable();
            c.dedup();
            c
        } else {
            (0..registry.handlers().len()).collect()
        };
        let mut queued = Vec::new();
        let mut dequeued = Vec::new();
        for idx in candidates {
            let now = self.test(idx);
            if self.tracer.update(idx, now) {
                let id = registry.handlers()[idx].id();
                if now {
                    queued.push(id)
                } else {
                    dequeued.push(id)
                }
            }
        }
        self.tracer.mark_known();
        queued.sort_unstable();
        dequeued.sort_unstable();
        for id in queued {
            self.tracer.emit(format_args!("++   queue handler {id}"));
        }
        for id in dequeued {
            self.tracer.emit(format_args!("-- dequeue handler {id}"));
        }
        self.tracer.flush(self.log.get_mut());
    }
}
