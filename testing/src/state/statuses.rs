//! Statuses and the workload version: what `status-set` and
//! `application-version-set` last left (Juju applies both at once, so a
//! failed hook's calls stay).

use charm_reactive::backend::{Status, StatusState};

use super::{Ended, Kind, Seeding, State};
use crate::error::HarnessError;

/// A status nobody set yet.
pub(super) fn unknown() -> Status {
    Status::new(StatusState::Unknown, "")
}

impl State {
    /// With the unit's status.
    pub fn with_unit_status(mut self, state: StatusState, message: impl Into<String>) -> State {
        self.unit_status = Status::new(state, message);
        self
    }

    /// With the application's status.
    pub fn with_app_status(mut self, state: StatusState, message: impl Into<String>) -> State {
        self.app_status = Status::new(state, message);
        self
    }

    /// With a workload version.
    pub fn with_workload_version(mut self, version: impl Into<String>) -> State {
        self.workload_version = Some(version.into());
        self
    }
}

/// The unit's and the application's status, and the workload version.
pub(super) struct Statuses;

impl Kind for Statuses {
    fn seed(&self, state: &State, world: &mut Seeding<'_>) -> Result<(), HarnessError> {
        world.model.unit_statuses = vec![state.unit_status.clone()];
        world.model.app_statuses = vec![state.app_status.clone()];
        world.model.application_versions = state.workload_version.iter().cloned().collect();
        Ok(())
    }

    fn read(&self, ended: &Ended<'_>, out: &mut State) -> Result<(), HarnessError> {
        out.unit_status = ended.model.unit_status();
        out.app_status = ended.model.app_status();
        out.workload_version = ended.model.application_versions.last().cloned();
        Ok(())
    }
}
