//! Running the model until nothing is left to do.

use super::uniter::next_op;

/// Juju's default `update-status-hook-interval`: 5 minutes.
pub const UPDATE_STATUS_MS: u64 = 300_000;
use super::{Controller, SimError};

impl Controller {
    /// Runs hooks until every unit is idle (or in error).
    ///
    /// Units take turns, one hook each (round robin in creation order), as the
    /// uniters of an operator pod interleave. When all are idle but a lease
    /// some live unit waits for will lapse, virtual time jumps there. With
    /// `horizon_ms`, time never jumps past `now + horizon_ms`, the clock ends
    /// there (`wait: {seconds: N}`), and every 5 virtual minutes on the way
    /// each started unit runs `update-status`.
    pub fn settle(&mut self, horizon_ms: Option<u64>) -> Result<(), SimError> {
        self.settle_replacements.clear();
        let end = horizon_ms.map(|h| self.model.clock_ms + h);
        let mut hooks = 0usize;
        let mut reached_end = false;
        loop {
            self.apply_silent_ops();
            if let Some((index, op)) = self.pick_hook() {
                hooks += 1;
                if hooks > self.opts.max_hooks {
                    return Err(SimError::NotSettled(self.opts.max_hooks));
                }
                self.cursor = index + 1;
                self.run_op(index, op)?;
                continue;
            }
            // The next thing that happens by itself: a lease lapsing, or (in a
            // timed wait only, so that `settled` terminates) an update-status tick.
            let tick = end.map(|_| (self.model.clock_ms / UPDATE_STATUS_MS + 1) * UPDATE_STATUS_MS);
            let next = match (self.next_lease_expiry(), tick) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            };
            match (next, end) {
                (Some(t), Some(e)) if t <= e => {
                    self.advance_to(t);
                    if Some(t) == tick {
                        self.update_status_tick();
                    }
                }
                (Some(t), None) => self.advance_to(t),
                (_, Some(e)) if !reached_end => {
                    reached_end = true;
                    self.advance_to(e);
                }
                _ => break,
            }
        }
        Ok(())
    }

    /// Every started live unit is due an `update-status` hook.
    fn update_status_tick(&mut self) {
        for u in self.model.units.iter_mut() {
            if !u.removed && u.life == crate::model::Life::Alive && u.uniter.started {
                u.uniter.update_status_due = true;
            }
        }
    }

    fn advance_to(&mut self, t: u64) {
        if t > self.model.clock_ms {
            self.model.clock_ms = t;
        }
        self.tick_leases();
    }

    /// Applies operations that run no hook (entering scope, resigning, dying)
    /// until none is left.
    fn apply_silent_ops(&mut self) {
        loop {
            let mut any = false;
            for i in 0..self.model.units.len() {
                let op = next_op(&self.model, &self.model.units[i]);
                if let Some(op) = op.filter(|o| !o.is_hook()) {
                    let name = self.model.units[i].name.clone();
                    self.apply_local(&name, &op, 0);
                    self.gc_relations();
                    any = true;
                }
            }
            if !any {
                break;
            }
        }
    }

    /// The next unit with a hook to run, starting after the last one that ran.
    fn pick_hook(&self) -> Option<(usize, super::Op)> {
        let n = self.model.units.len();
        (0..n)
            .map(|k| (self.cursor + k) % n)
            .find_map(|i| next_op(&self.model, &self.model.units[i]).map(|op| (i, op)))
    }
}
