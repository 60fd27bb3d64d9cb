//! The unit's controller-side state (`state-get`, `state-set`,
//! `state-delete`; Juju ≥ 2.8, applied when the hook succeeds).

use super::{Ended, Kind, Seeding, State};
use crate::error::HarnessError;

impl State {
    /// With a key of the unit's controller-side state (`state-get`).
    pub fn with_unit_state(mut self, key: impl Into<String>, value: impl Into<String>) -> State {
        self.unit_state.insert(key.into(), value.into());
        self
    }
}

/// The unit's state in Juju.
pub(super) struct UnitState;

impl Kind for UnitState {
    fn seed(&self, state: &State, world: &mut Seeding<'_>) -> Result<(), HarnessError> {
        world.model.state = state.unit_state.clone();
        Ok(())
    }

    fn read(&self, ended: &Ended<'_>, out: &mut State) -> Result<(), HarnessError> {
        out.unit_state = ended.model.state.clone();
        Ok(())
    }
}
