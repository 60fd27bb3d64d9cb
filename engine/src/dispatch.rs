//! The dispatch loop, exactly as charms.reactive 1.5.3's `bus.dispatch`.
//!
//! A `hooks` phase tests every handler once (only `#[hook]` handlers can match),
//! then the `other` phase runs up to 100 iterations. Flags set by a handler take
//! effect in the next iteration; any `clear_flag` re-tests the rest of the current
//! queue. From iteration 1 on, FlagWatch lets through only handlers watching a
//! flag changed in the previous iteration, which is what makes the cost of a
//! dispatch follow the flag changes rather than iterations x handlers.

use std::collections::{HashSet, VecDeque};
use std::sync::Arc;

use crate::condition::Phase;
use crate::events::Step;
use crate::log::Level;
use crate::registry::HandlerIdx;
use crate::session::Session;
use crate::{Condition, Context, EngineError};

/// charms.reactive's silent cap on main-loop iterations.
pub const MAX_ITERATIONS: usize = 100;

impl Session {
    /// Runs the whole dispatch: restricted mode for the restricted hooks, an
    /// action phase for actions, else the hooks phase and the main loop.
    pub(crate) fn dispatch(&mut self, restricted: bool) -> Result<(), EngineError> {
        self.watch_reset();
        self.start_dispatch();
        if restricted {
            self.phase = Some(Phase::Restricted);
            let queue = self.test_all();
            self.start_phase(Phase::Restricted, &queue);
            return self.invoke(queue);
        }
        let first = if self.hook.action.is_some() {
            Phase::Action
        } else {
            Phase::Hooks
        };
        self.phase = Some(first);
        let queue = self.test_all();
        self.start_phase(first, &queue);
        self.invoke(queue)?;

        self.phase = Some(Phase::Other);
        for i in 0..MAX_ITERATIONS {
            self.watch_iteration(i);
            let candidates = self.watch_candidates();
            let queue: Vec<HandlerIdx> = candidates.into_iter().filter(|&h| self.test(h)).collect();
            if i == 0 {
                self.start_phase(Phase::Other, &queue);
            }
            self.tracer.reset_active(&queue);
            if queue.is_empty() {
                break;
            }
            self.stats.iterations += 1;
            self.invoke(queue)?;
        }
        self.watch_reset();
        Ok(())
    }

    fn test_all(&mut self) -> Vec<HandlerIdx> {
        (0..self.registry.handlers().len())
            .filter(|&h| self.test(h))
            .collect()
    }

    fn start_dispatch(&mut self) {
        if !self.tracer.enabled() {
            return;
        }
        let flags = self.flags.sorted();
        self.tracer.emit(format_args!(
            "starting handler dispatch, {} flags set",
            flags.len()
        ));
        for f in &flags {
            self.tracer.emit(format_args!("set flag {f}"));
        }
        self.tracer.flush(self.log.get_mut());
    }

    fn start_phase(&mut self, phase: Phase, queue: &[HandlerIdx]) {
        self.step(Step::Phase {
            phase: phase.as_str(),
            queued: queue.len(),
        });
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
        self.tracer.flush(self.log.get_mut());
    }

    /// charms.reactive's `_invoke`: runs the queue in order; after a handler that
    /// called `clear_flag`, re-tests what is left of the queue and starts over.
    fn invoke(&mut self, queue: Vec<HandlerIdx>) -> Result<(), EngineError> {
        let mut queue: VecDeque<HandlerIdx> = queue.into();
        self.recent_changes.clear();
        while !queue.is_empty() {
            self.removed_state = false;
            while let Some(h) = queue.pop_front() {
                self.run_handler(h)?;
                if self.removed_state {
                    queue = self.retest(queue);
                    break;
                }
            }
        }
        self.watch_commit();
        Ok(())
    }

    /// Re-tests the rest of a queue. A handler's test can only have changed if one
    /// of its flags changed since it was last tested, or if it has a volatile
    /// condition; the others keep their (true) result without being evaluated,
    /// which is observably the same as charms.reactive re-testing them all.
    fn retest(&mut self, queue: VecDeque<HandlerIdx>) -> VecDeque<HandlerIdx> {
        let registry = Arc::clone(&self.registry);
        let mut dirty: HashSet<HandlerIdx> = registry.volatile().iter().copied().collect();
        for f in self.recent_changes.drain(..) {
            dirty.extend(registry.watchers(&f));
        }
        queue
            .into_iter()
            .filter(|&h| !dirty.contains(&h) || self.test(h))
            .collect()
    }

    /// Runs a layer's start or exit step; its error, or a deferred failure,
    /// fails the hook.
    pub(crate) fn run_layer_step(
        &mut self,
        layer: &str,
        step: &'static str,
        f: impl FnOnce(&mut Context<'_>) -> anyhow::Result<()>,
    ) -> Result<(), EngineError> {
        let result = f(&mut Context::new(self));
        if let Some(failure) = self.failure.take() {
            return Err(failure);
        }
        result.map_err(|source| EngineError::Layer {
            layer: layer.to_owned(),
            step,
            source,
        })
    }

    fn run_handler(&mut self, h: HandlerIdx) -> Result<(), EngineError> {
        let registry = Arc::clone(&self.registry);
        let handler = &registry.handlers()[h];
        let id = handler.id();
        self.log(Level::Info, format!("Invoking reactive handler: {id}"));
        self.invoked.push(id.to_owned());
        self.step(Step::Invoke { handler: id });
        self.current_handler = Some(id.to_owned());
        let result = handler.run(&mut Context::new(self));
        self.current_handler = None;
        let result = match self.failure.take() {
            Some(failure) => Err(failure),
            None => result.map_err(|source| EngineError::Handler {
                id: id.to_owned(),
                source,
            }),
        };
        if result.is_err() {
            self.step(Step::Failed { handler: id });
        }
        result?;
        if handler.conditions().contains(&Condition::OnlyOnce) {
            self.mark_invoked(h)?;
        }
        Ok(())
    }
}
