//! The pod-spec history kept in application scope, and the heuristic that
//! recognises a spec that changes by itself: the seed's endless replacement
//! loop.
//!
//! Every `pod-spec-set` restarts the application's pods. In a stateless podspec
//! application each new pod is a NEW unit with a fresh store, which renders the
//! spec again. A deterministic spec renders to the recorded hash and nothing
//! happens; a spec with a timestamp or a random salt renders differently, is
//! set again, replaces the pods again, and so on forever.
//!
//! Each set is recorded as a [`Render`]. A set is *unexplained* when nothing
//! but the spec itself can account for the change:
//!
//! - the charm gave the spec's inputs ([`crate::Spec::with_inputs`]) and they
//!   equal the inputs recorded with the previous spec; or
//! - without inputs on either side: the set is the first render of a unit
//!   (its store never rendered a spec) that did not make the previous set: a
//!   new unit rendering the same application state must get the same spec.
//!
//! A recorded spec is *confirmed* when it is rendered again unchanged (it is
//! stable). The layer warns when the last [`LOOP_THRESHOLD`] sets were all
//! unexplained and none of them was confirmed before being replaced. The
//! threshold tolerates a one-off template change (a charm upgrade changes the
//! spec without changing its inputs).

use serde::{Deserialize, Serialize};

/// How many sets the history keeps.
pub const HISTORY_LEN: usize = 8;

/// How many consecutive unexplained, unconfirmed sets make the layer warn.
pub const LOOP_THRESHOLD: usize = 3;

/// One `pod-spec-set`, as recorded in application scope.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Render {
    /// The spec's content hash.
    pub hash: String,
    /// The hash of its inputs, if the charm gave them.
    pub inputs: Option<String>,
    /// The unit that set it.
    pub unit: String,
    /// The hook it was set in.
    pub hook: String,
    /// Whether it was that unit's first render.
    pub first_render: bool,
    /// Whether nothing but the spec itself explains the change.
    pub unexplained: bool,
    /// Whether the spec was later rendered again unchanged.
    pub confirmed: bool,
}

impl Render {
    /// Whether `self`, set after `previous`, is unexplained.
    pub(crate) fn explain(&mut self, previous: Option<&Render>) {
        self.unexplained = match previous {
            None => false,
            Some(prev) => match (&self.inputs, &prev.inputs) {
                (Some(now), Some(before)) => now == before,
                _ => self.first_render && self.unit != prev.unit,
            },
        };
    }
}

/// The number of trailing sets that are unexplained and were never confirmed.
pub(crate) fn streak(history: &[Render]) -> usize {
    history
        .iter()
        .rev()
        .take_while(|r| r.unexplained && !r.confirmed)
        .count()
}

/// Appends `render`, keeping the last [`HISTORY_LEN`].
pub(crate) fn push(history: &mut Vec<Render>, render: Render) {
    history.push(render);
    if history.len() > HISTORY_LEN {
        history.drain(..history.len() - HISTORY_LEN);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn render(hash: &str, unit: &str, first: bool, inputs: Option<&str>) -> Render {
        Render {
            hash: hash.into(),
            inputs: inputs.map(str::to_owned),
            unit: unit.into(),
            hook: "start".into(),
            first_render: first,
            unexplained: false,
            confirmed: false,
        }
    }

    fn record(history: &mut Vec<Render>, mut r: Render) {
        r.explain(history.last());
        push(history, r);
    }

    #[test]
    fn new_units_each_setting_a_new_spec_is_the_replacement_loop() {
        let mut h = Vec::new();
        record(&mut h, render("a", "con6/0", true, None));
        assert_eq!(streak(&h), 0, "the first spec ever is explained");
        for (i, hash) in ["b", "c", "d"].iter().enumerate() {
            record(&mut h, render(hash, &format!("con6/{}", i + 1), true, None));
        }
        assert_eq!(streak(&h), 3);
    }

    #[test]
    fn a_long_lived_unit_changing_its_spec_is_explained_without_inputs() {
        let mut h = Vec::new();
        for hash in ["a", "b", "c", "d"] {
            record(&mut h, render(hash, "app/0", false, None));
        }
        assert_eq!(streak(&h), 0);
    }

    #[test]
    fn inputs_decide_when_given() {
        let mut h = Vec::new();
        record(&mut h, render("a", "app/0", false, Some("i1")));
        record(&mut h, render("b", "app/0", false, Some("i1")));
        record(&mut h, render("c", "app/0", false, Some("i1")));
        assert_eq!(streak(&h), 2);
        record(&mut h, render("d", "app/0", false, Some("i2")));
        assert_eq!(streak(&h), 0, "changed inputs explain a change");
        record(&mut h, render("e", "app/1", true, Some("i2")));
        assert_eq!(streak(&h), 1, "inputs override the first-render rule");
    }

    #[test]
    fn a_confirmed_spec_breaks_the_streak_and_history_is_bounded() {
        let mut h = Vec::new();
        record(&mut h, render("a", "app/0", false, Some("i")));
        record(&mut h, render("b", "app/0", false, Some("i")));
        h.last_mut().unwrap().confirmed = true;
        record(&mut h, render("c", "app/0", false, Some("i")));
        assert_eq!(streak(&h), 1);
        for n in 0..20 {
            record(&mut h, render(&n.to_string(), "app/0", false, Some("i")));
        }
        assert_eq!(h.len(), HISTORY_LEN);
        assert_eq!(h.last().unwrap().hash, "19");
    }
}
