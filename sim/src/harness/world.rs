//! The state's Juju side as the engine's in-memory [`Model`], and back.

use charm_reactive::backend::{ActionModel, Model, PodSpec, PodSpecRecord, RelationId, Status};
use serde_json::{Map, Value};

use super::check::Plan;
use super::error::HarnessError;
use super::leader;
use super::state::{Bag, Relation, State};

/// What the model held before the hook, to tell the hook's own records apart.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Seeded {
    versions: usize,
    pod_specs: usize,
}

/// The model a hook described by `plan` sees for `state`, with `config` as
/// `config-get --all` prints it.
pub(crate) fn model(
    state: &State,
    plan: &Plan,
    config: Map<String, Value>,
) -> Result<(Model, Seeded), HarnessError> {
    let mut model = Model::new(&state.unit);
    model.leader = state.leader;
    model.leader_settings =
        leader::encode(&state.app_flags, &state.app_kv, &state.leader_settings)?;
    model.config = config;
    let local_app = state.app().to_owned();
    for rel in &state.relations {
        let in_scope: Vec<&str> = rel
            .remote_units
            .keys()
            .map(String::as_str)
            .filter(|u| plan.broken != Some(rel.id) && !is_leaving(plan, rel.id, u))
            .collect();
        let relation = model.add_relation(
            RelationId::new(&rel.endpoint, rel.id),
            &rel.remote_app,
            &in_scope,
        );
        // Every listed unit's bag stays readable: a departed unit's settings can
        // still be read in its relation-departed hook.
        for (unit, data) in &rel.remote_units {
            relation.data.insert(unit.clone(), data.clone());
        }
        // For a peer relation both names are this application: its bag wins.
        relation
            .data
            .insert(rel.remote_app.clone(), rel.remote_app_data.clone());
        relation
            .data
            .insert(local_app.clone(), rel.local_app_data.clone());
        relation
            .data
            .insert(state.unit.clone(), rel.local_unit_data.clone());
    }
    model.unit_statuses = vec![state.unit_status.clone()];
    model.app_statuses = vec![state.app_status.clone()];
    model.application_versions = state.workload_version.iter().cloned().collect();
    model.pod_specs = state
        .pod_spec
        .iter()
        .map(|spec| PodSpecRecord {
            tool: spec.tool,
            spec: spec.spec.clone(),
            k8s_resources: spec.k8s_resources.clone(),
            by_non_leader: false,
        })
        .collect();
    model.pod_spec_requires_leader = plan.version.at_least(2, 6);
    model.state = state.unit_state.clone();
    model.opened_ports = state.opened_ports.clone();
    model.goal_state = state.goal_state.clone();
    model.networks = state.networks.clone();
    model.action = plan.action.as_ref().map(|(name, params)| ActionModel {
        name: name.clone(),
        params: params.clone(),
        ..ActionModel::default()
    });
    let seeded = Seeded {
        versions: model.application_versions.len(),
        pod_specs: model.pod_specs.len(),
    };
    Ok((model, seeded))
}

fn is_leaving(plan: &Plan, id: u32, unit: &str) -> bool {
    plan.leaving
        .as_ref()
        .is_some_and(|(rid, u)| *rid == id && u == unit)
}

/// What the hook recorded in the model.
#[derive(Debug, Default)]
pub(crate) struct Histories {
    pub(crate) unit_statuses: Vec<Status>,
    pub(crate) app_statuses: Vec<Status>,
    pub(crate) versions: Vec<String>,
    pub(crate) pod_specs: Vec<PodSpecRecord>,
}

/// The state after the hook, on the Juju side (the unit store's part is read
/// separately), and the hook's histories. A departed unit or broken relation
/// leaves the state only if the hook succeeded: Juju retries a failed hook, so
/// the output of a failure can be run again with the same event.
pub(crate) fn read(
    input: &State,
    plan: &Plan,
    model: &Model,
    seeded: Seeded,
    success: bool,
) -> (State, Histories) {
    let mut out = input.clone();
    let (broken, leaving) = if success {
        (plan.broken, plan.leaving.clone())
    } else {
        (None, None)
    };
    let split = leader::decode(&model.leader_settings);
    out.app_flags = split.app_flags;
    out.app_kv = split.app_kv;
    out.leader_settings = split.raw;
    out.relations = input
        .relations
        .iter()
        .filter(|rel| broken != Some(rel.id))
        .map(|rel| read_relation(input, leaving.as_ref(), model, rel))
        .collect();
    out.unit_status = model.unit_status();
    out.app_status = model.app_status();
    out.workload_version = model.application_versions.last().cloned();
    out.pod_spec = model.pod_specs.last().map(|r| PodSpec {
        tool: r.tool,
        spec: r.spec.clone(),
        k8s_resources: r.k8s_resources.clone(),
    });
    out.opened_ports = model.opened_ports.clone();
    out.unit_state = model.state.clone();
    let histories = Histories {
        unit_statuses: model.unit_statuses[1..].to_vec(),
        app_statuses: model.app_statuses[1..].to_vec(),
        versions: model.application_versions[seeded.versions..].to_vec(),
        pod_specs: model.pod_specs[seeded.pod_specs..].to_vec(),
    };
    (out, histories)
}

fn read_relation(
    input: &State,
    leaving: Option<&(u32, String)>,
    model: &Model,
    rel: &Relation,
) -> Relation {
    let rid = RelationId::new(&rel.endpoint, rel.id);
    let data = &model.relations[&rid].data;
    let bag = |name: &str| -> Bag { data.get(name).cloned().unwrap_or_default() };
    let peer = rel.remote_app == input.app();
    Relation {
        remote_units: rel
            .remote_units
            .keys()
            .filter(|u| leaving.is_none_or(|(id, l)| *id != rel.id || l != *u))
            .map(|u| (u.clone(), bag(u)))
            .collect(),
        remote_app_data: if peer {
            Bag::new()
        } else {
            bag(&rel.remote_app)
        },
        local_unit_data: bag(&input.unit),
        local_app_data: bag(input.app()),
        ..rel.clone()
    }
}
