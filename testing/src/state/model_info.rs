//! What the unit is told about the model and cannot change: `goal-state`
//! and `network-get`.

use super::{Ended, Kind, Seeding, State};
use crate::error::HarnessError;

/// Goal state and network bindings: read-only, so nothing comes back.
pub(super) struct ModelInfo;

impl Kind for ModelInfo {
    fn seed(&self, state: &State, world: &mut Seeding<'_>) -> Result<(), HarnessError> {
        world.model.goal_state = state.goal_state.clone();
        world.model.networks = state.networks.clone();
        Ok(())
    }

    fn read(&self, _ended: &Ended<'_>, _out: &mut State) -> Result<(), HarnessError> {
        Ok(())
    }
}
