//! The endpoints of one hook: their relations, units and data bags, read from
//! Juju at first use and kept in the session for the rest of the hook.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::view::DataView;
use super::{EndpointError, EndpointKind};
use crate::backend::{application_of, Backend, BackendError, RelationId};
use crate::session::HookInfo;
use crate::Context;

/// Every managed endpoint of this hook (a session extension).
#[derive(Default)]
pub(crate) struct Endpoints {
    /// Sorted by name, as charms.reactive's `_startup` visits them.
    pub(crate) list: Vec<EndpointState>,
    /// The endpoint of the running `{endpoint_name}` handler or kind hook.
    pub(crate) current: Option<String>,
}

impl Endpoints {
    pub(crate) fn index(&self, name: &str) -> Option<usize> {
        self.list.iter().position(|e| e.name == name)
    }
}

/// One endpoint (charms.reactive's `Endpoint` instance).
pub(crate) struct EndpointState {
    pub(crate) name: String,
    pub(crate) kind: EndpointKind,
    /// In string order of relation id (`db:10` before `db:2`), as charms.reactive.
    pub(crate) relations: Vec<RelationState>,
    /// Read from the store at first use.
    pub(crate) departed: Option<Vec<DepartedRecord>>,
}

/// One relation of an endpoint.
pub(crate) struct RelationState {
    pub(crate) id: RelationId,
    /// `relation-list`, in string order.
    pub(crate) units: Vec<UnitState>,
    pub(crate) to_publish: Option<DataView>,
    pub(crate) to_publish_app: Option<DataView>,
    pub(crate) received_app: Option<DataView>,
}

/// One remote unit in scope.
pub(crate) struct UnitState {
    pub(crate) name: String,
    pub(crate) received: Option<DataView>,
}

/// A departed unit as stored: charms.reactive's `RelatedUnit._serialize()`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct DepartedRecord {
    pub(crate) relation: String,
    pub(crate) unit_name: String,
    pub(crate) data: BTreeMap<String, Option<String>>,
}

/// The parts of a session endpoint code uses with the endpoints.
pub(crate) struct Parts<'s> {
    pub(crate) juju: &'s mut dyn Backend,
    pub(crate) hook: &'s HookInfo,
    pub(crate) tx: &'s mut charm_reactive_store::Transaction,
}

/// Splits a context into the endpoints and the rest (Juju, the hook, the
/// store transaction), borrowed at once.
pub(crate) fn split<'c>(ctx: &'c mut Context<'_>) -> (&'c mut Endpoints, Parts<'c>) {
    let session = &mut *ctx.session;
    let endpoints = session.extensions.get_mut::<Endpoints>();
    let rest = Parts {
        juju: &mut *ctx.juju,
        hook: &session.hook,
        tx: &mut session.tx,
    };
    (endpoints, rest)
}

impl RelationState {
    /// A relation with its units in scope (`relation-list`).
    pub(crate) fn load(
        juju: &mut dyn Backend,
        id: RelationId,
    ) -> Result<RelationState, EndpointError> {
        let mut names = juju.relation_list(&id)?;
        names.sort();
        Ok(RelationState {
            id,
            units: names
                .into_iter()
                .map(|name| UnitState {
                    name,
                    received: None,
                })
                .collect(),
            to_publish: None,
            to_publish_app: None,
            received_app: None,
        })
    }

    /// charms.reactive's `Relation.application_name`: the first unit's
    /// application, or the local one when no unit is in scope.
    pub(crate) fn application_name(&self, hook: &HookInfo) -> String {
        match self.units.first() {
            Some(u) => application_of(&u.name).to_owned(),
            None => application_of(&hook.unit).to_owned(),
        }
    }

    pub(crate) fn unit_index(&self, unit: &str) -> Option<usize> {
        self.units.iter().position(|u| u.name == unit)
    }

    /// A remote unit's bag, read at first use.
    pub(crate) fn received(
        &mut self,
        juju: &mut dyn Backend,
        unit: usize,
    ) -> Result<&DataView, EndpointError> {
        let state = &mut self.units[unit];
        if state.received.is_none() {
            state.received = Some(DataView::loaded(juju.relation_get(&self.id, &state.name)?));
        }
        Ok(state.received.as_ref().expect("just loaded"))
    }

    /// The local unit's bag, read at first use.
    pub(crate) fn local_bag(
        &mut self,
        juju: &mut dyn Backend,
        hook: &HookInfo,
    ) -> Result<&mut DataView, EndpointError> {
        if self.to_publish.is_none() {
            self.to_publish = Some(DataView::loaded(juju.relation_get(&self.id, &hook.unit)?));
        }
        Ok(self.to_publish.as_mut().expect("just loaded"))
    }

    /// The local application's bag (leader only, as Juju enforces), read at first use.
    pub(crate) fn local_app_bag(
        &mut self,
        juju: &mut dyn Backend,
        hook: &HookInfo,
    ) -> Result<&mut DataView, EndpointError> {
        if self.to_publish_app.is_none() {
            let app = application_of(&hook.unit);
            self.to_publish_app = Some(DataView::loaded(juju.relation_get(&self.id, app)?));
        }
        Ok(self.to_publish_app.as_mut().expect("just loaded"))
    }

    /// The remote application's bag, read at first use.
    pub(crate) fn received_app(
        &mut self,
        juju: &mut dyn Backend,
        hook: &HookInfo,
    ) -> Result<&DataView, EndpointError> {
        if self.received_app.is_none() {
            let app = self.application_name(hook);
            self.received_app = Some(DataView::loaded(juju.relation_get(&self.id, &app)?));
        }
        Ok(self.received_app.as_ref().expect("just loaded"))
    }
}

impl EndpointState {
    pub(crate) fn relation_index(&self, rid: &str) -> Option<usize> {
        self.relations.iter().position(|r| r.id.to_string() == rid)
    }

    /// Every joined unit as (relation index, unit index), sorted by
    /// (relation id, unit name) as charms.reactive's `CombinedUnitsView`.
    pub(crate) fn joined(&self) -> Vec<(usize, usize)> {
        let mut out: Vec<(String, &str, usize, usize)> = Vec::new();
        for (r, rel) in self.relations.iter().enumerate() {
            for (u, unit) in rel.units.iter().enumerate() {
                out.push((rel.id.to_string(), &unit.name, r, u));
            }
        }
        out.sort();
        out.into_iter().map(|(_, _, r, u)| (r, u)).collect()
    }

    /// The departed units, read from the store at first use.
    pub(crate) fn departed<'a>(
        &'a mut self,
        tx: &charm_reactive_store::Transaction,
    ) -> Result<&'a mut Vec<DepartedRecord>, EndpointError> {
        if self.departed.is_none() {
            let stored = tx
                .get::<Vec<DepartedRecord>>(&departed_key(&self.name))
                .map_err(crate::EngineError::from)?;
            self.departed = Some(stored.unwrap_or_default());
        }
        Ok(self.departed.as_mut().expect("just loaded"))
    }

    /// Writes the departed units back (the key is removed when none are left,
    /// as charms.reactive's `CachedKeyList._save`).
    pub(crate) fn save_departed(
        &self,
        tx: &mut charm_reactive_store::Transaction,
    ) -> Result<(), EndpointError> {
        let key = departed_key(&self.name);
        let result = match self.departed.as_deref() {
            None => return Ok(()),
            Some([]) => tx.unset(&key),
            Some(list) => tx.set(&key, list),
        };
        result.map_err(|e| EndpointError::Engine(e.into()))
    }
}

fn departed_key(endpoint: &str) -> String {
    crate::bookkeeping::keys::internal(crate::bookkeeping::keys::DEPARTED, endpoint)
}

/// A departing unit's bag: still readable in its `-departed` hook on Juju; if
/// Juju no longer has it, the unit is remembered with no data.
pub(crate) fn departing_bag(
    juju: &mut dyn Backend,
    rid: &RelationId,
    unit: &str,
) -> Result<BTreeMap<String, Option<String>>, EndpointError> {
    match juju.relation_get(rid, unit) {
        Ok(bag) => Ok(bag.into_iter().map(|(k, v)| (k, Some(v))).collect()),
        Err(BackendError::NotFound { .. }) => Ok(BTreeMap::new()),
        Err(e) => Err(e.into()),
    }
}
