//! charms.reactive's FlagWatch: which flags changed in the previous `_invoke`,
//! so that from the main loop's second iteration on only the handlers watching
//! one of them (and those watching none) are tested.

use std::collections::HashSet;

use crate::registry::{HandlerIdx, Registry};

/// The flags changed in the previous iteration, and those changing in this one.
#[derive(Debug, Default)]
pub(crate) struct FlagWatch {
    iteration: usize,
    changes: HashSet<String>,
    pending: Vec<String>,
}

impl FlagWatch {
    /// Forgets everything (a dispatch starts or ends).
    pub(crate) fn reset(&mut self) {
        *self = FlagWatch::default();
    }

    /// The main loop enters iteration `i`.
    pub(crate) fn set_iteration(&mut self, i: usize) {
        self.iteration = i;
    }

    /// `flag` changed in this iteration.
    pub(crate) fn record(&mut self, flag: &str) {
        self.pending.push(flag.to_owned());
    }

    /// An `_invoke` ended: its changes become the previous iteration's.
    pub(crate) fn commit(&mut self) {
        self.changes = self.pending.drain(..).collect();
    }

    /// FlagWatch's check of a handler watching `watched`: always passes in
    /// iteration 0 and for a handler watching nothing.
    pub(crate) fn lets_through(&self, watched: &[String]) -> bool {
        watched.is_empty()
            || self.iteration == 0
            || watched.iter().any(|f| self.changes.contains(f))
    }

    /// The handlers FlagWatch lets through in this iteration, in registration
    /// order: all of them in iteration 0, else those watching a changed flag and
    /// those watching none.
    pub(crate) fn candidates(&self, registry: &Registry) -> Vec<HandlerIdx> {
        if self.iteration == 0 {
            return (0..registry.handlers().len()).collect();
        }
        let mut out: Vec<HandlerIdx> = registry.unwatched().to_vec();
        for f in &self.changes {
            out.extend_from_slice(registry.watchers(f));
        }
        out.sort_unstable();
        out.dedup();
        out
    }
}
