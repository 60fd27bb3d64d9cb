//! Open ports (`open-port`, `close-port`; applied when the hook succeeds).

use charm_reactive::backend::PortRange;

use super::{Ended, Kind, Seeding, State};
use crate::error::HarnessError;

impl State {
    /// With an open port.
    pub fn with_opened_port(mut self, port: PortRange) -> State {
        self.opened_ports.insert(port);
        self
    }
}

/// The committed open ports.
pub(super) struct Ports;

impl Kind for Ports {
    fn seed(&self, state: &State, world: &mut Seeding<'_>) -> Result<(), HarnessError> {
        world.model.opened_ports = state.opened_ports.clone();
        Ok(())
    }

    fn read(&self, ended: &Ended<'_>, out: &mut State) -> Result<(), HarnessError> {
        out.opened_ports = ended.model.opened_ports.clone();
        Ok(())
    }
}
