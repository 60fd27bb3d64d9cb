//! The state as the world a hook sees (the engine's in-memory [`Model`] and a
//! unit store), and back: the hook-level parts here, each kind of thing through
//! its [`Kind`](crate::state::Kind) in [`KINDS`].

use charm_reactive::backend::{ActionModel, Model, PodSpecRecord, Status};
use charm_reactive::store::Store;
use serde_json::{Map, Value};

use crate::check::Plan;
use crate::error::HarnessError;
use crate::state::{Ended, Seeding, State, KINDS};

/// What the model held before the hook, to tell the hook's own records apart.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Seeded {
    versions: usize,
    pod_specs: usize,
}

/// The model a hook described by `plan` sees for `state`, with `config` as
/// `config-get --all` prints it; the state's unit store part goes into `store`.
pub(crate) fn seed(
    state: &State,
    plan: &Plan,
    config: Map<String, Value>,
    store: &Store,
) -> Result<(Model, Seeded), HarnessError> {
    let mut model = Model::new(&state.unit);
    model.leader = state.leader;
    model.config = config;
    model.pod_spec_requires_leader = plan.version.pod_spec_leader_only();
    model.action = plan.action.as_ref().map(|(name, params)| ActionModel {
        name: name.clone(),
        params: params.clone(),
        ..ActionModel::default()
    });
    let mut seeding = Seeding {
        plan,
        model: &mut model,
        store,
    };
    for kind in KINDS {
        kind.seed(state, &mut seeding)?;
    }
    let seeded = Seeded {
        versions: model.application_versions.len(),
        pod_specs: model.pod_specs.len(),
    };
    Ok((model, seeded))
}

/// What the hook recorded in the model.
#[derive(Debug, Default)]
pub(crate) struct Histories {
    pub(crate) unit_statuses: Vec<Status>,
    pub(crate) app_statuses: Vec<Status>,
    pub(crate) versions: Vec<String>,
    pub(crate) pod_specs: Vec<PodSpecRecord>,
}

/// The state after the hook and the hook's histories.
pub(crate) fn read(
    input: &State,
    plan: &Plan,
    model: &Model,
    store: &Store,
    seeded: Seeded,
    success: bool,
) -> Result<(State, Histories), HarnessError> {
    let ended = Ended {
        input,
        plan,
        model,
        store,
        success,
    };
    let mut out = input.clone();
    for kind in KINDS {
        kind.read(&ended, &mut out)?;
    }
    let histories = Histories {
        unit_statuses: model.unit_statuses[1..].to_vec(),
        app_statuses: model.app_statuses[1..].to_vec(),
        versions: model.application_versions[seeded.versions..].to_vec(),
        pod_specs: model.pod_specs[seeded.pod_specs..].to_vec(),
    };
    Ok((out, histories))
}
