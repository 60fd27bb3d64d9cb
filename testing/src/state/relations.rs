//! Relations: [`Relation`], the data bags the unit sees, and how they reach
//! the in-memory Juju and come back.

use std::collections::BTreeMap;

use charm_reactive::backend::RelationId;

use super::{Ended, Kind, Seeding, State};
use crate::error::HarnessError;

/// A relation data bag.
pub type Bag = BTreeMap<String, String>;

/// One relation as the local unit sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Relation {
    /// The local endpoint (the relation's name in metadata.yaml).
    pub endpoint: String,
    /// The relation id's number (`db:3` → 3), unique in the model.
    pub id: u32,
    /// The remote application (this application for a peer relation).
    pub remote_app: String,
    /// Remote units in scope, with their bags.
    pub remote_units: BTreeMap<String, Bag>,
    /// The remote application's bag (Juju ≥ 2.7; unused for peers).
    pub remote_app_data: Bag,
    /// This unit's bag.
    pub local_unit_data: Bag,
    /// This application's bag (Juju ≥ 2.7; the shared bag of a peer relation).
    pub local_app_data: Bag,
}

fn bag<K: Into<String>, V: Into<String>>(data: impl IntoIterator<Item = (K, V)>) -> Bag {
    data.into_iter()
        .map(|(k, v)| (k.into(), v.into()))
        .collect()
}

impl State {
    /// With a relation added.
    pub fn with_relation(mut self, relation: Relation) -> State {
        self.relations.push(relation);
        self
    }

    /// The relation with id `id`.
    pub fn relation(&self, id: u32) -> Option<&Relation> {
        self.relations.iter().find(|r| r.id == id)
    }
}

impl Relation {
    /// A relation `endpoint:id` with `remote_app`, no units and empty bags.
    pub fn new(endpoint: impl Into<String>, id: u32, remote_app: impl Into<String>) -> Relation {
        Relation {
            endpoint: endpoint.into(),
            id,
            remote_app: remote_app.into(),
            remote_units: BTreeMap::new(),
            remote_app_data: Bag::new(),
            local_unit_data: Bag::new(),
            local_app_data: Bag::new(),
        }
    }

    /// With a remote unit in scope and its bag.
    pub fn with_remote_unit<K: Into<String>, V: Into<String>>(
        mut self,
        unit: impl Into<String>,
        data: impl IntoIterator<Item = (K, V)>,
    ) -> Relation {
        self.remote_units.insert(unit.into(), bag(data));
        self
    }

    /// With the remote application's bag.
    pub fn with_remote_app_data<K: Into<String>, V: Into<String>>(
        mut self,
        data: impl IntoIterator<Item = (K, V)>,
    ) -> Relation {
        self.remote_app_data = bag(data);
        self
    }

    /// With this unit's bag.
    pub fn with_local_unit_data<K: Into<String>, V: Into<String>>(
        mut self,
        data: impl IntoIterator<Item = (K, V)>,
    ) -> Relation {
        self.local_unit_data = bag(data);
        self
    }

    /// With this application's bag.
    pub fn with_local_app_data<K: Into<String>, V: Into<String>>(
        mut self,
        data: impl IntoIterator<Item = (K, V)>,
    ) -> Relation {
        self.local_app_data = bag(data);
        self
    }

    /// The relation id as Juju writes it, `endpoint:id`.
    pub fn relation_id(&self) -> String {
        format!("{}:{}", self.endpoint, self.id)
    }
}

/// Relations in the model: a departing unit is out of `relation-list` from its
/// relation-departed hook on, a broken relation's units from
/// relation-broken on.
pub(super) struct Relations;

impl Kind for Relations {
    fn seed(&self, state: &State, world: &mut Seeding<'_>) -> Result<(), HarnessError> {
        let plan = world.plan;
        let local_app = state.app().to_owned();
        for rel in &state.relations {
            let in_scope: Vec<&str> = rel
                .remote_units
                .keys()
                .map(String::as_str)
                .filter(|u| plan.broken != Some(rel.id) && !plan.is_leaving(rel.id, u))
                .collect();
            let relation = world.model.add_relation(
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
        Ok(())
    }

    /// A departed unit or broken relation leaves the state only if the hook
    /// succeeded: Juju retries a failed hook, so the output of a failure can be
    /// run again with the same event.
    fn read(&self, ended: &Ended<'_>, out: &mut State) -> Result<(), HarnessError> {
        let (broken, leaving) = if ended.success {
            (ended.plan.broken, ended.plan.leaving.as_ref())
        } else {
            (None, None)
        };
        out.relations = ended
            .input
            .relations
            .iter()
            .filter(|rel| broken != Some(rel.id))
            .map(|rel| read_relation(ended, leaving, rel))
            .collect();
        Ok(())
    }
}

fn read_relation(ended: &Ended<'_>, leaving: Option<&(u32, String)>, rel: &Relation) -> Relation {
    let input = ended.input;
    let rid = RelationId::new(&rel.endpoint, rel.id);
    let data = &ended.model.relations[&rid].data;
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
