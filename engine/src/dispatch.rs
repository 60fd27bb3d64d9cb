//! The dispatch loop, exactly as charms.reactive 1.5.3's `bus.dispatch`, and
//! its state ([`Dispatch`]).
//!
//! A `hooks` phase tests every handler once (only `#[hook]` handlers can match),
//! then the `other` phase runs up to 100 iterations. Flags set by a handler take
//! effect in the next iteration; any `clear_flag` re-tests the rest of the current
//! queue. From iteration 1 on, FlagWatch lets through only handlers watching a
//! flag changed in the previous iteration, which is what makes the cost of a
//! dispatch follow the flag changes rather than iterations x handlers.

use std::collections::{HashSet, VecDeque};
use std::sync::Arc;

use charm_reactive_store::Transaction;

use crate::backend::Backend;
use crate::bookkeeping::{self, keys};
use crate::condition::Phase;
use crate::context::Dispatcher;
use crate::events::{self, Place, Step};
use crate::flag_watch::FlagWatch;
use crate::log::{Level, TraceMode};
use crate::registry::HandlerIdx;
use crate::session::Session;
use crate::tracer::Tracer;
use crate::trigger::Triggers;
use crate::{Condition, Context, EngineError, Registry};

/// charms.reactive's silent cap on main-loop iterations.
pub const MAX_ITERATIONS: usize = 100;

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

/// One hook's dispatch: which handlers are tested and run, in which phase.
pub(crate) struct Dispatch {
    registry: Arc<Registry>,
    /// charms.reactive's `reactive.dispatch.phase`: the stored one until
    /// dispatch starts (the tracer tests at start-up against it).
    phase: Option<Phase>,
    watch: FlagWatch,
    /// charms.reactive's `reactive.dispatch.removed_state`.
    removed_state: bool,
    /// Flags changed since the current queue was last tested.
    recent_changes: Vec<String>,
    triggers: Triggers,
    pub(crate) tracer: Tracer,
    /// Ids of the handlers entered, in order.
    pub(crate) invoked: Vec<String>,
    /// Each handler's hook-pattern match, computed at first test.
    hook_matches: Vec<Option<bool>>,
    /// Work counters, for benchmarks.
    pub(crate) stats: DispatchStats,
    /// The handler running now, for structured events.
    current_handler: Option<String>,
    /// Which lines the steps are logged as.
    trace: TraceMode,
}

impl Dispatch {
    /// The dispatch of `registry`, with the phase the last hook stored in `tx`,
    /// logging its steps as `trace` says.
    pub(crate) fn new(
        registry: Arc<Registry>,
        tx: &Transaction,
        trace: TraceMode,
    ) -> Result<Dispatch, EngineError> {
        let phase = tx
            .get::<String>(&keys::internal(keys::PHASE, ""))?
            .as_deref()
            .and_then(Phase::parse);
        let triggers = Triggers::load(registry.triggers())?;
        let n = registry.handlers().len();
        let mut tracer = Tracer::new(n);
        tracer.print(trace.classic());
        Ok(Dispatch {
            registry,
            phase,
            watch: FlagWatch::default(),
            removed_state: false,
            recent_changes: Vec::new(),
            triggers,
            tracer,
            invoked: Vec::new(),
            hook_matches: vec![None; n],
            stats: DispatchStats::default(),
            current_handler: None,
            trace,
        })
    }

    pub(crate) fn registry(&self) -> &Arc<Registry> {
        &self.registry
    }

    /// Forgets every trigger (see [`Triggers::clear`]).
    pub(crate) fn clear_triggers(&mut self) {
        self.triggers.clear();
    }

    /// Runs the whole dispatch: restricted mode for the restricted hooks, an
    /// action phase for actions, else the hooks phase and the main loop.
    pub(crate) fn run(
        &mut self,
        s: &mut Session,
        juju: &mut dyn Backend,
        restricted: bool,
    ) -> Result<(), EngineError> {
        self.watch.reset();
        self.start_dispatch(s);
        if restricted {
            self.phase = Some(Phase::Restricted);
            let queue = self.test_all(s);
            self.start_phase(s, Phase::Restricted, &queue);
            return self.invoke(s, juju, queue);
        }
        let first = if s.hook.action.is_some() {
            Phase::Action
        } else {
            Phase::Hooks
        };
        self.phase = Some(first);
        let queue = self.test_all(s);
        self.start_phase(s, first, &queue);
        self.invoke(s, juju, queue)?;

        self.phase = Some(Phase::Other);
        for i in 0..MAX_ITERATIONS {
            self.watch.set_iteration(i);
            let candidates = self.watch.candidates(&self.registry);
            let queue: Vec<HandlerIdx> = candidates
                .into_iter()
                .filter(|&h| self.test(s, h))
                .collect();
            if i == 0 {
                self.start_phase(s, Phase::Other, &queue);
            }
            self.tracer.reset_active(&queue);
            if queue.is_empty() {
                break;
            }
            self.stats.iterations += 1;
            self.invoke(s, juju, queue)?;
        }
        self.watch.reset();
        Ok(())
    }

    /// charms.reactive's `Handler.test()`: the FlagWatch check, then every
    /// condition in order, with short-circuit.
    fn test(&mut self, s: &mut Session, idx: HandlerIdx) -> bool {
        self.stats.tests += 1;
        if !self.watch.lets_through(self.registry.watched(idx)) {
            return false;
        }
        let handler = &self.registry.handlers()[idx];
        handler
            .conditions()
            .iter()
            .all(|c| c.holds(self.phase, s, handler.id(), &mut self.hook_matches[idx]))
    }

    fn test_all(&mut self, s: &mut Session) -> Vec<HandlerIdx> {
        (0..self.registry.handlers().len())
            .filter(|&h| self.test(s, h))
            .collect()
    }

    fn start_dispatch(&mut self, s: &mut Session) {
        if !self.tracer.enabled() {
            return;
        }
        let flags = s.flags.sorted();
        self.tracer.emit(format_args!(
            "starting handler dispatch, {} flags set",
            flags.len()
        ));
        for f in &flags {
            self.tracer.emit(format_args!("set flag {f}"));
        }
        self.tracer.flush(&s.log);
    }

    fn start_phase(&mut self, s: &mut Session, phase: Phase, queue: &[HandlerIdx]) {
        self.step(
            s,
            Step::Phase {
                phase: phase.as_str(),
                queued: queue.len(),
            },
        );
        if !self.tracer.enabled() {
            return;
        }
        self.tracer.reset_active(queue);
        match phase {
            Phase::Other => self.tracer.emit(format_args!(
                "main dispatch loop, {} handlers queued",
                queue.len()
            )),
            p => self.tracer.emit(format_args!(
                "{} phase, {} handlers queued",
                p.as_str(),
                queue.len()
            )),
        }
        let mut ids: Vec<&str> = queue
            .iter()
            .map(|&h| self.registry.handlers()[h].id())
            .collect();
        ids.sort_unstable();
        for id in ids {
            self.tracer.emit(format_args!("++   queue handler {id}"));
        }
        self.tracer.flush(&s.log);
    }

    /// charms.reactive's `_invoke`: runs the queue in order; after a handler that
    /// called `clear_flag`, re-tests what is left of the queue and starts over.
    fn invoke(
        &mut self,
        s: &mut Session,
        juju: &mut dyn Backend,
        queue: Vec<HandlerIdx>,
    ) -> Result<(), EngineError> {
        let mut queue: VecDeque<HandlerIdx> = queue.into();
        self.recent_changes.clear();
        while !queue.is_empty() {
            self.removed_state = false;
            while let Some(h) = queue.pop_front() {
                self.run_handler(s, juju, h)?;
                if self.removed_state {
                    queue = self.retest(s, queue);
                    break;
                }
            }
        }
        self.watch.commit();
        Ok(())
    }

    /// Re-tests the rest of a queue. A handler's test can only have changed if one
    /// of its flags changed since it was last tested, or if it has a volatile
    /// condition; the others keep their (true) result without being evaluated,
    /// which is observably the same as charms.reactive re-testing them all.
    fn retest(&mut self, s: &mut Session, queue: VecDeque<HandlerIdx>) -> VecDeque<HandlerIdx> {
        let registry = Arc::clone(&self.registry);
        let mut dirty: HashSet<HandlerIdx> = registry.volatile().iter().copied().collect();
        for f in self.recent_changes.drain(..) {
            dirty.extend(registry.watchers(&f));
        }
        queue
            .into_iter()
            .filter(|&h| !dirty.contains(&h) || self.test(s, h))
            .collect()
    }

    /// Runs a layer's start or exit step; its error, or a deferred failure,
    /// fails the hook.
    pub(crate) fn run_layer_step(
        &mut self,
        s: &mut Session,
        juju: &mut dyn Backend,
        layer: &str,
        step: &'static str,
        f: impl FnOnce(&mut Context<'_>) -> anyhow::Result<()>,
    ) -> Result<(), EngineError> {
        let result = f(&mut Context::new(s, juju, self));
        if let Some(failure) = s.failure.take() {
            return Err(failure);
        }
        result.map_err(|source| EngineError::Layer {
            layer: layer.to_owned(),
            step,
            source,
        })
    }

    fn run_handler(
        &mut self,
        s: &mut Session,
        juju: &mut dyn Backend,
        h: HandlerIdx,
    ) -> Result<(), EngineError> {
        let registry = Arc::clone(&self.registry);
        let handler = &registry.handlers()[h];
        let id = handler.id();
        if self.trace.classic() {
            s.log(Level::Info, format!("Invoking reactive handler: {id}"));
        }
        self.invoked.push(id.to_owned());
        self.step(s, Step::Invoke { handler: id });
        self.current_handler = Some(id.to_owned());
        let result = handler.run(&mut Context::new(s, juju, self));
        self.current_handler = None;
        let result = match s.failure.take() {
            Some(failure) => Err(failure),
            None => result.map_err(|source| EngineError::Handler {
                id: id.to_owned(),
                source,
            }),
        };
        if result.is_err() {
            self.step(s, Step::Failed { handler: id });
        }
        result?;
        if handler.conditions().contains(&Condition::OnlyOnce) {
            bookkeeping::mark_invoked(&mut s.tx, id)?;
        }
        Ok(())
    }

    /// Reports a step (see [`crate::events`]).
    fn step(&self, s: &Session, step: Step<'_>) {
        let place = Place {
            unit: &s.hook.unit,
            hook: &s.hook.name,
            handler: self.current_handler.as_deref(),
        };
        events::emit(step, place);
    }
}

impl Dispatcher for Dispatch {
    fn clear_called(&mut self) {
        self.removed_state = true;
    }

    fn flag_changed(&mut self, s: &mut Session, flag: &str, set: bool) {
        if self.tracer.enabled() {
            // The tracer re-tests handlers, which needs the rest of `self`.
            let mut tracer = std::mem::take(&mut self.tracer);
            let verb = if set { "set" } else { "cleared" };
            let registry = Arc::clone(&self.registry);
            tracer.report_flag(format_args!("{verb} flag {flag}"), flag, &registry, |idx| {
                self.test(s, idx)
            });
            tracer.flush(&s.log);
            self.tracer = tracer;
        }
        self.stats.flag_changes += 1;
        self.watch.record(flag);
        self.recent_changes.push(flag.to_owned());
        self.step(s, Step::Flag { flag, set });
    }

    fn triggers(&mut self) -> &mut Triggers {
        &mut self.triggers
    }
}
