//! The simulated Juju model: applications, units, relations, leadership, pod
//! specs and the virtual clock.
//!
//! The model is plain data (serialisable), owned by the controller, changed by
//! hook-tool requests and by commits. It is meant to be reused by an
//! in-process harness too, which is why it knows nothing about processes.

mod action;
mod application;
mod lease;
mod relation;
mod unit;

use std::collections::BTreeMap;

use serde::Serialize;

pub use action::ActionRun;
pub use application::{Application, PodSpec};
pub use lease::Lease;
pub use relation::{app_of, unit_number, Bag, Relation, RelationEndpoint};
pub use unit::{unit_tag, HookRun, Life, RelationLocal, Status, Unit, UniterState};

use crate::version::JujuVersion;

/// Kubernetes (podspec) or machine model.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ModelType {
    /// A Kubernetes model: podspec charms, an operator per application.
    #[default]
    Kubernetes,
    /// A machine model.
    Iaas,
}

impl ModelType {
    /// `kubernetes` or `iaas`.
    pub fn name(self) -> &'static str {
        match self {
            ModelType::Kubernetes => "kubernetes",
            ModelType::Iaas => "iaas",
        }
    }
}

/// The whole simulated model.
#[derive(Clone, Debug, Serialize)]
pub struct Model {
    /// Model name (`JUJU_MODEL_NAME`).
    pub name: String,
    /// Model UUID (`JUJU_MODEL_UUID`).
    pub uuid: String,
    /// Kubernetes or machines.
    #[serde(rename = "type")]
    pub kind: ModelType,
    /// The agent version being simulated.
    pub juju_version: JujuVersion,
    /// Virtual time in milliseconds since the start of the run.
    pub clock_ms: u64,
    /// Applications by name.
    pub applications: BTreeMap<String, Application>,
    /// Every unit ever created, in creation order (removed units stay, with their history).
    pub units: Vec<Unit>,
    /// Every relation ever created, in id order.
    pub relations: Vec<Relation>,
    /// The id the next relation gets.
    pub next_relation_id: u32,
    /// The last octet handed out as a unit address.
    pub next_address: u32,
    /// Actions run, in order.
    pub actions: Vec<ActionRun>,
}

impl Model {
    /// An empty model.
    pub fn new(juju_version: JujuVersion, kind: ModelType) -> Self {
        Self {
            name: "sim".into(),
            uuid: "5ea0cafe-0000-4000-8000-00000000d00d".into(),
            kind,
            juju_version,
            clock_ms: 0,
            applications: BTreeMap::new(),
            units: Vec::new(),
            relations: Vec::new(),
            next_relation_id: 0,
            next_address: 0,
            actions: Vec::new(),
        }
    }

    /// The unit called `name`.
    pub fn unit(&self, name: &str) -> Option<&Unit> {
        self.units.iter().find(|u| u.name == name)
    }

    /// The unit called `name`, mutably.
    pub fn unit_mut(&mut self, name: &str) -> Option<&mut Unit> {
        self.units.iter_mut().find(|u| u.name == name)
    }

    /// The relation with id `id`.
    pub fn relation(&self, id: u32) -> Option<&Relation> {
        self.relations.iter().find(|r| r.id == id)
    }

    /// The relation with id `id`, mutably.
    pub fn relation_mut(&mut self, id: u32) -> Option<&mut Relation> {
        self.relations.iter_mut().find(|r| r.id == id)
    }

    /// Units of `app` that are not yet removed, in number order.
    pub fn app_units(&self, app: &str) -> Vec<&Unit> {
        let mut v: Vec<&Unit> = self
            .units
            .iter()
            .filter(|u| u.app == app && !u.removed)
            .collect();
        v.sort_by_key(|u| u.number);
        v
    }

    /// The current leader of `app` (holder of a lease that has not expired).
    pub fn leader_of(&self, app: &str) -> Option<&str> {
        self.applications
            .get(app)
            .and_then(|a| a.lease.holder.as_deref())
    }

    /// Whether `unit` holds its application's leadership now.
    pub fn is_leader(&self, unit: &str) -> bool {
        self.unit(unit)
            .is_some_and(|u| self.leader_of(&u.app) == Some(unit))
    }

    /// Relations `app` takes part in through `endpoint`, alive or dying.
    pub fn relations_of<'a>(
        &'a self,
        app: &'a str,
        endpoint: &'a str,
    ) -> impl Iterator<Item = &'a Relation> + 'a {
        self.relations
            .iter()
            .filter(move |r| !r.removed && r.endpoint_of(app).is_some_and(|e| e.name == endpoint))
    }

    /// Hands out a fresh unit address (`10.1.0.N`).
    pub fn next_unit_address(&mut self) -> String {
        self.next_address += 1;
        format!(
            "10.1.{}.{}",
            self.next_address / 250,
            self.next_address % 250 + 2
        )
    }
}
