//! The application's pod spec (Kubernetes charms of the podspec era).

use charm_reactive::backend::{PodSpec, PodSpecRecord};

use super::{Ended, Kind, Seeding, State};
use crate::error::HarnessError;

impl State {
    /// With the application's pod spec.
    pub fn with_pod_spec(mut self, spec: impl Into<String>) -> State {
        self.pod_spec = Some(PodSpec {
            spec: spec.into(),
            ..PodSpec::default()
        });
        self
    }
}

/// The last committed pod spec.
pub(super) struct PodSpecs;

impl Kind for PodSpecs {
    fn seed(&self, state: &State, world: &mut Seeding<'_>) -> Result<(), HarnessError> {
        world.model.pod_specs = state
            .pod_spec
            .iter()
            .map(|spec| PodSpecRecord {
                tool: spec.tool,
                spec: spec.spec.clone(),
                k8s_resources: spec.k8s_resources.clone(),
                by_non_leader: false,
            })
            .collect();
        Ok(())
    }

    fn read(&self, ended: &Ended<'_>, out: &mut State) -> Result<(), HarnessError> {
        out.pod_spec = ended.model.pod_specs.last().map(|r| PodSpec {
            tool: r.tool,
            spec: r.spec.clone(),
            k8s_resources: r.k8s_resources.clone(),
        });
        Ok(())
    }
}
