//! What handlers hold: [`Endpoint`] and [`Relation`] handles on this hook's
//! endpoint state, and the [`Context`] methods that hand them out.

use std::collections::BTreeMap;

use super::state::{self, EndpointState, Endpoints, Parts, RelationState};
use super::view::DataView;
use super::{EndpointError, EndpointKind};
use crate::backend::application_of;
use crate::session::Session;
use crate::Context;

impl<'a> Context<'a> {
    /// The endpoint for the relation `name` (charms.reactive's
    /// `Endpoint.from_name`), if an interface serves it.
    pub fn endpoint(&mut self, name: &str) -> Result<Endpoint<'_>, EndpointError> {
        let index = state::split(self)
            .0
            .index(name)
            .ok_or_else(|| EndpointError::NotManaged {
                name: name.to_owned(),
            })?;
        Ok(Endpoint {
            ctx: self.reborrow(),
            index,
        })
    }

    /// The endpoint a flag names, as charms.reactive's `endpoint_from_flag`:
    /// none if the flag is not set or has no `.`; else the endpoint called by
    /// the flag's second part for `endpoint.<name>.…`, by its first part
    /// otherwise (`db.available` → `db`).
    pub fn endpoint_from_flag(&mut self, flag: &str) -> Option<Endpoint<'_>> {
        if !self.is_flag_set(flag) || !flag.contains('.') {
            return None;
        }
        let parts: Vec<&str> = flag.split('.').collect();
        let name = if parts[0] == "endpoint" {
            parts[1]
        } else {
            parts[0]
        };
        self.endpoint(name).ok()
    }

    /// The endpoint the running handler was registered for: the handler's
    /// flags contained `{endpoint_name}` (charms.reactive passes it as `self`),
    /// or this is an [`EndpointKind`] step.
    pub fn current_endpoint(&mut self) -> Result<Endpoint<'_>, EndpointError> {
        let name = state::split(self)
            .0
            .current
            .clone()
            .ok_or(EndpointError::NoCurrentEndpoint)?;
        self.endpoint(&name)
    }
}

/// Runs `f` with `name` as the current endpoint.
pub(crate) fn run_as<F>(ctx: &mut Context<'_>, name: &str, f: F) -> anyhow::Result<()>
where
    F: FnOnce(&mut Context<'_>) -> anyhow::Result<()>,
{
    let previous = state::split(ctx).0.current.replace(name.to_owned());
    let result = f(ctx);
    state::split(ctx).0.current = previous;
    result
}

fn endpoints(session: &Session) -> &Endpoints {
    session
        .extensions
        .get::<Endpoints>()
        .expect("a handle exists only once the endpoints were started")
}

/// An endpoint of this hook (charms.reactive's `Endpoint` instance): its
/// relations, their units and data, its flags.
///
/// ```
/// # fn handler(ctx: &mut charm_reactive::Context<'_>) -> anyhow::Result<()> {
/// let mut db = ctx.endpoint("db")?;
/// if db.is_joined() {
///     let host: Option<String> = db.all_joined_units_received()?.get("host")?;
///     for rid in db.relation_ids() {
///         db.relation(&rid)?.to_publish()?.set("database", "web")?;
///     }
///     db.set_flag("{endpoint_name}.connected");
/// #   let _ = host;
/// }
/// # Ok(()) }
/// ```
pub struct Endpoint<'c> {
    ctx: Context<'c>,
    index: usize,
}

impl Endpoint<'_> {
    fn state(&self) -> &EndpointState {
        &endpoints(self.ctx.session).list[self.index]
    }

    fn parts(&mut self) -> (&mut EndpointState, Parts<'_>) {
        let (endpoints, p) = state::split(&mut self.ctx);
        (&mut endpoints.list[self.index], p)
    }

    /// The relation name.
    pub fn name(&self) -> &str {
        &self.state().name
    }

    /// The interface's kind.
    pub fn kind(&self) -> EndpointKind {
        self.state().kind
    }

    /// charms.reactive's `expand_name`: `{endpoint_name}` replaced by the
    /// name, after prefixing `endpoint.{endpoint_name}.` to a flag without it
    /// (`joined` → `endpoint.db.joined`; `{endpoint_name}.ready` → `db.ready`).
    pub fn expand_name(&self, flag: &str) -> String {
        let flag = if flag.contains("{endpoint_name}") {
            flag.to_owned()
        } else {
            format!("endpoint.{{endpoint_name}}.{flag}")
        };
        flag.replace("{endpoint_name}", self.name())
    }

    /// Whether any remote unit is in scope on any relation.
    pub fn is_joined(&self) -> bool {
        self.state().relations.iter().any(|r| !r.units.is_empty())
    }

    /// The relation ids, in string order (`db:10` before `db:2`).
    pub fn relation_ids(&self) -> Vec<String> {
        self.state()
            .relations
            .iter()
            .map(|r| r.id.to_string())
            .collect()
    }

    /// The relation with id `id` (`db:3`).
    pub fn relation(&mut self, id: &str) -> Result<Relation<'_>, EndpointError> {
        let rel =
            self.state()
                .relation_index(id)
                .ok_or_else(|| EndpointError::UnknownRelation {
                    endpoint: self.name().to_owned(),
                    relation: id.to_owned(),
                })?;
        Ok(Relation {
            ctx: self.ctx.reborrow(),
            ep: self.index,
            rel,
        })
    }

    /// Every remote unit in scope, sorted by (relation id, unit name); a unit
    /// related twice appears twice (charms.reactive's `all_joined_units`).
    pub fn all_joined_units(&self) -> Vec<RelatedUnit> {
        let ep = self.state();
        ep.joined()
            .into_iter()
            .map(|(r, u)| RelatedUnit::new(&ep.relations[r], u))
            .collect()
    }

    /// A joined unit's data (charms.reactive's `unit.received`), read at first use.
    pub fn received(&mut self, unit: &RelatedUnit) -> Result<&DataView, EndpointError> {
        let r = self
            .state()
            .relation_index(&unit.relation_id)
            .ok_or_else(|| EndpointError::UnknownRelation {
                endpoint: self.name().to_owned(),
                relation: unit.relation_id.clone(),
            })?;
        let (ep, p) = self.parts();
        received(&mut ep.relations[r], p, &unit.unit_name)
    }

    /// The data of every joined unit merged, the lowest (relation id, unit
    /// name) winning a key (charms.reactive's `all_joined_units.received`).
    pub fn all_joined_units_received(&mut self) -> Result<DataView, EndpointError> {
        let (ep, p) = self.parts();
        merged(ep, p, None)
    }

    /// Units that left any relation of this endpoint, remembered from their
    /// `-relation-departed` hook until removed (charms.reactive's
    /// `all_departed_units`).
    pub fn all_departed_units(&mut self) -> Result<Vec<DepartedUnit>, EndpointError> {
        let (ep, p) = self.parts();
        Ok(ep
            .departed(p.tx)?
            .iter()
            .map(DepartedUnit::from_record)
            .collect())
    }

    /// Forgets the first departed unit called `unit_name`, returning it.
    pub fn remove_departed_unit(
        &mut self,
        unit_name: &str,
    ) -> Result<Option<DepartedUnit>, EndpointError> {
        let (ep, p) = self.parts();
        let list = ep.departed(p.tx)?;
        let Some(i) = list.iter().position(|d| d.unit_name == unit_name) else {
            return Ok(None);
        };
        let record = list.remove(i);
        ep.save_departed(p.tx)?;
        Ok(Some(DepartedUnit::from_record(&record)))
    }

    /// Forgets every departed unit.
    pub fn clear_departed_units(&mut self) -> Result<(), EndpointError> {
        let (ep, p) = self.parts();
        ep.departed(p.tx)?.clear();
        ep.save_departed(p.tx)
    }

    /// Sets the flag [`expand_name`](Self::expand_name) makes of `flag`.
    pub fn set_flag(&mut self, flag: &str) {
        let flag = self.expand_name(flag);
        self.ctx.set_flag(&flag);
    }

    /// Clears the flag [`expand_name`](Self::expand_name) makes of `flag`.
    pub fn clear_flag(&mut self, flag: &str) {
        let flag = self.expand_name(flag);
        self.ctx.clear_flag(&flag);
    }

    /// Sets or clears the flag [`expand_name`](Self::expand_name) makes of `flag`.
    pub fn toggle_flag(&mut self, flag: &str, should_set: bool) {
        let flag = self.expand_name(flag);
        self.ctx.toggle_flag(&flag, should_set);
    }

    /// Whether the flag [`expand_name`](Self::expand_name) makes of `flag` is set.
    pub fn is_flag_set(&self, flag: &str) -> bool {
        self.ctx.session.flags.contains(&self.expand_name(flag))
    }
}

/// One relation of an endpoint (charms.reactive's `Relation`).
pub struct Relation<'c> {
    ctx: Context<'c>,
    ep: usize,
    rel: usize,
}

impl Relation<'_> {
    fn state(&self) -> &RelationState {
        &endpoints(self.ctx.session).list[self.ep].relations[self.rel]
    }

    fn parts(&mut self) -> (&mut RelationState, Parts<'_>) {
        let (endpoints, p) = state::split(&mut self.ctx);
        (&mut endpoints.list[self.ep].relations[self.rel], p)
    }

    /// The relation id, e.g. `db:3`.
    pub fn relation_id(&self) -> String {
        self.state().id.to_string()
    }

    /// The endpoint's name.
    pub fn endpoint_name(&self) -> &str {
        &endpoints(self.ctx.session).list[self.ep].name
    }

    /// The remote application: the first joined unit's, or this unit's own
    /// when none is in scope (charms.reactive's quirk for a lone peer).
    pub fn application_name(&self) -> String {
        self.state().application_name(&self.ctx.session.hook)
    }

    /// The remote units in scope, sorted by name.
    pub fn joined_units(&self) -> Vec<RelatedUnit> {
        let rel = self.state();
        (0..rel.units.len())
            .map(|u| RelatedUnit::new(rel, u))
            .collect()
    }

    /// A joined unit's data, read at first use.
    pub fn received(&mut self, unit_name: &str) -> Result<&DataView, EndpointError> {
        let (rel, p) = self.parts();
        received(rel, p, unit_name)
    }

    /// The data of this relation's joined units merged, the lowest unit name
    /// winning a key (charms.reactive's `relation.joined_units.received`).
    pub fn joined_units_received(&mut self) -> Result<DataView, EndpointError> {
        let (endpoints, p) = state::split(&mut self.ctx);
        merged(&mut endpoints.list[self.ep], p, Some(self.rel))
    }

    /// The local unit's bag, published at the end of a successful hook if
    /// modified (charms.reactive's `to_publish` and `to_publish_raw`).
    pub fn to_publish(&mut self) -> Result<&mut DataView, EndpointError> {
        let (rel, p) = self.parts();
        rel.local_bag(p.juju, p.hook)
    }

    /// The local application's bag (leader only, as Juju enforces), published
    /// at the end of a successful hook if modified (`to_publish_app`).
    pub fn to_publish_app(&mut self) -> Result<&mut DataView, EndpointError> {
        let (rel, p) = self.parts();
        rel.local_app_bag(p.juju, p.hook)
    }

    /// The remote application's bag (`received_app`).
    pub fn received_app(&mut self) -> Result<&DataView, EndpointError> {
        let (rel, p) = self.parts();
        rel.received_app(p.juju, p.hook)
    }
}

fn received<'r>(
    rel: &'r mut RelationState,
    p: Parts<'_>,
    unit_name: &str,
) -> Result<&'r DataView, EndpointError> {
    let u = rel
        .unit_index(unit_name)
        .ok_or_else(|| EndpointError::UnknownUnit {
            relation: rel.id.to_string(),
            unit: unit_name.to_owned(),
        })?;
    rel.received(p.juju, u)
}

/// The merged data of the endpoint's joined units (of one relation if `only`).
fn merged(
    ep: &mut EndpointState,
    p: Parts<'_>,
    only: Option<usize>,
) -> Result<DataView, EndpointError> {
    let mut out: BTreeMap<String, Option<String>> = BTreeMap::new();
    for (r, u) in ep.joined() {
        if only.is_some_and(|o| o != r) {
            continue;
        }
        for (k, v) in ep.relations[r].received(&mut *p.juju, u)?.raw_map() {
            out.entry(k.clone()).or_insert_with(|| v.clone());
        }
    }
    Ok(DataView::from_raw(out))
}

/// A remote unit in scope on a relation (charms.reactive's `RelatedUnit`);
/// read its data with [`Endpoint::received`] or [`Relation::received`].
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RelatedUnit {
    relation_id: String,
    unit_name: String,
}

impl RelatedUnit {
    fn new(rel: &RelationState, u: usize) -> RelatedUnit {
        RelatedUnit {
            relation_id: rel.id.to_string(),
            unit_name: rel.units[u].name.clone(),
        }
    }

    /// The relation id.
    pub fn relation_id(&self) -> &str {
        &self.relation_id
    }

    /// The unit's name, e.g. `pg/1`.
    pub fn unit_name(&self) -> &str {
        &self.unit_name
    }

    /// The unit's application, e.g. `pg`.
    pub fn application_name(&self) -> &str {
        application_of(&self.unit_name)
    }
}

/// A unit that left a relation, with the data it had when it left.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DepartedUnit {
    relation_id: String,
    unit_name: String,
    received: DataView,
}

impl DepartedUnit {
    fn from_record(record: &state::DepartedRecord) -> DepartedUnit {
        DepartedUnit {
            relation_id: record.relation.clone(),
            unit_name: record.unit_name.clone(),
            received: DataView::from_raw(record.data.clone()),
        }
    }

    /// The relation it left.
    pub fn relation_id(&self) -> &str {
        &self.relation_id
    }

    /// The unit's name.
    pub fn unit_name(&self) -> &str {
        &self.unit_name
    }

    /// The unit's application.
    pub fn application_name(&self) -> &str {
        application_of(&self.unit_name)
    }

    /// Its data as of its departed hook.
    pub fn received(&self) -> &DataView {
        &self.received
    }
}
