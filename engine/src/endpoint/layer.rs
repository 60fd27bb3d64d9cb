//! [`EndpointLayer`]: charms.reactive's `Endpoint._startup` at the start of a
//! hook and `Relation._flush_data` at its end.

use anyhow::Context as _;

use super::json;
use super::state::{self, DepartedRecord, EndpointState, RelationState};
use super::{EndpointError, EndpointHook, EndpointKind};
use crate::{Context, Layer};

/// Manages the endpoints of the relations served by its [`EndpointKind`]s
/// (order 20: after the basic and leadership layers, before status).
///
/// [`crate::Registry::from_inventory`] adds one serving every kind registered
/// with [`crate::register_endpoint!`]; a registry built by hand adds it with
/// `.layer(EndpointLayer::new([...]))`.
#[derive(Debug, Clone, Default)]
pub struct EndpointLayer {
    kinds: Vec<EndpointKind>,
}

impl EndpointLayer {
    /// A layer serving `kinds`.
    pub fn new(kinds: impl IntoIterator<Item = EndpointKind>) -> EndpointLayer {
        EndpointLayer {
            kinds: kinds.into_iter().collect(),
        }
    }

    /// A layer serving every kind registered with [`crate::register_endpoint!`],
    /// if there is any.
    pub fn from_inventory() -> Option<EndpointLayer> {
        let kinds: Vec<EndpointKind> = inventory::iter::<EndpointKind>
            .into_iter()
            .copied()
            .collect();
        (!kinds.is_empty()).then(|| EndpointLayer::new(kinds))
    }

    /// The kinds served.
    pub fn kinds(&self) -> &[EndpointKind] {
        &self.kinds
    }
}

impl Layer for EndpointLayer {
    fn name(&self) -> &'static str {
        "endpoints"
    }

    fn order(&self) -> i32 {
        20
    }

    /// charms.reactive's automatic endpoint flags; `changed` and `departed`
    /// stay set until a handler clears them.
    fn declared_flags(&self) -> crate::DeclaredFlags {
        let flags = |names: &[&str]| -> Vec<String> {
            names
                .iter()
                .map(|n| format!("endpoint.{{endpoint_name}}.{n}"))
                .collect()
        };
        crate::DeclaredFlags {
            sets: flags(&["joined", "changed", "changed.*", "departed"]),
            reads: Vec::new(),
            sticky: flags(&["changed", "changed.*", "departed"]),
        }
    }

    fn at_start(&self, ctx: &mut Context<'_>) -> anyhow::Result<()> {
        let mut specs = ctx.hook().relations.clone();
        specs.sort_by(|a, b| a.name.cmp(&b.name));
        for spec in specs {
            let Some(kind) = self.kinds.iter().find(|k| k.serves(&spec)) else {
                continue;
            };
            start_endpoint(ctx, &spec.name, *kind)
                .with_context(|| format!("starting endpoint {:?}", spec.name))?;
        }
        Ok(())
    }

    fn at_exit(&self, ctx: &mut Context<'_>) -> anyhow::Result<()> {
        flush(ctx)?;
        Ok(())
    }
}

/// charms.reactive's `_startup` for one endpoint.
fn start_endpoint(ctx: &mut Context<'_>, name: &str, kind: EndpointKind) -> anyhow::Result<()> {
    {
        let (endpoints, p) = state::split(ctx);
        let mut ids = p.juju.relation_ids(name)?;
        ids.sort_by_key(|id| id.to_string());
        let relations = ids
            .into_iter()
            .map(|id| RelationState::load(&mut *p.juju, id))
            .collect::<Result<Vec<_>, _>>()?;
        let eps = &mut endpoints.list;
        let at = eps.partition_point(|e| e.name.as_str() < name);
        eps.insert(
            at,
            EndpointState {
                name: name.to_owned(),
                kind,
                relations,
                departed: None,
            },
        );
    }
    run_kind_step(ctx, name, kind.register_triggers, "register_triggers")?;
    manage_departed(ctx, name)?;
    if manage_flags(ctx, name)? {
        run_kind_step(ctx, name, kind.manage_flags, "manage_flags")?;
    }
    Ok(())
}

fn run_kind_step(
    ctx: &mut Context<'_>,
    name: &str,
    step: Option<EndpointHook>,
    what: &str,
) -> anyhow::Result<()> {
    match step {
        Some(f) => super::handle::run_as(ctx, name, f)
            .with_context(|| format!("{what} of endpoint {name:?}")),
        None => Ok(()),
    }
}

/// Whether the hook is `<endpoint>-relation-*`, and whether it is `-departed`.
fn relation_hook(ctx: &Context<'_>, name: &str) -> (bool, bool) {
    let hook = &ctx.hook().name;
    let rel_hook = hook.starts_with(&format!("{name}-relation-"));
    (rel_hook, rel_hook && hook.ends_with("-departed"))
}

/// charms.reactive's `_manage_departed`: in a departed hook, remember the
/// remote unit, and drop its relation once no unit is left in it (so that it
/// is no longer joined, and its bags are not published).
fn manage_departed(ctx: &mut Context<'_>, name: &str) -> Result<(), EndpointError> {
    if !relation_hook(ctx, name).1 {
        return Ok(());
    }
    let Some(rel) = ctx.hook().relation.clone() else {
        return Ok(());
    };
    let (endpoints, p) = state::split(ctx);
    let ep = started(endpoints, name);
    let r = ep
        .relation_index(&rel.id)
        .ok_or_else(|| EndpointError::UnknownRelation {
            endpoint: name.to_owned(),
            relation: rel.id.clone(),
        })?;
    if let Some(unit) = rel.remote_unit {
        let data = state::departing_bag(&mut *p.juju, &ep.relations[r].id, &unit)?;
        ep.departed(p.tx)?.push(DepartedRecord {
            relation: rel.id,
            unit_name: unit,
            data,
        });
        ep.save_departed(p.tx)?;
    }
    if ep.relations[r].units.is_empty() {
        ep.relations.remove(r);
    }
    Ok(())
}

/// charms.reactive's `_manage_flags`. Returns whether the kind's own
/// `manage_flags` step runs: not after the early return that skips reading
/// relation data outside the endpoint's relation hooks once it is joined.
fn manage_flags(ctx: &mut Context<'_>, name: &str) -> Result<bool, EndpointError> {
    let joined = format!("endpoint.{name}.joined");
    let departed = format!("endpoint.{name}.departed");
    let changed = format!("endpoint.{name}.changed");
    let already_joined = ctx.is_flag_set(&joined);
    let (rel_hook, departed_hook) = relation_hook(ctx, name);
    let units = { started(state::split(ctx).0, name).joined() };
    let is_joined = !units.is_empty();
    ctx.toggle_flag(&joined, is_joined);
    if departed_hook {
        ctx.set_flag(&departed);
    } else if is_joined {
        ctx.clear_flag(&departed);
    }
    if already_joined && !rel_hook {
        return Ok(false);
    }
    for (r, u) in units {
        let (prefix, values) = {
            let (endpoints, p) = state::split(ctx);
            let rel = &mut started(endpoints, name).relations[r];
            let prefix = format!("endpoint.{name}.{}.{}", rel.id, rel.units[u].name);
            let values: Vec<(String, serde_json::Value)> = rel
                .received(&mut *p.juju, u)?
                .raw_map()
                .iter()
                .map(|(k, v)| {
                    (
                        k.clone(),
                        v.as_deref().map_or(serde_json::Value::Null, json::decode),
                    )
                })
                .collect();
            (prefix, values)
        };
        for (key, value) in values {
            if ctx.data_changed(&format!("{prefix}.{key}"), &value)? {
                ctx.set_flag(&changed);
                ctx.set_flag(&format!("{changed}.{key}"));
            }
        }
    }
    Ok(true)
}

/// charms.reactive's `Relation._flush_data` for every relation, last
/// registered first (atexit callbacks run in reverse): each modified local
/// bag in one `relation-set --file -` of the whole bag.
fn flush(ctx: &mut Context<'_>) -> Result<(), EndpointError> {
    let (endpoints, p) = state::split(ctx);
    for ep in endpoints.list.iter().rev() {
        for rel in ep.relations.iter().rev() {
            if let Some(data) = rel.to_publish.as_ref().and_then(|v| v.to_flush()) {
                p.juju.relation_set(&rel.id, data)?;
            }
            if let Some(data) = rel.to_publish_app.as_ref().and_then(|v| v.to_flush()) {
                p.juju.relation_set_app(&rel.id, data)?;
            }
        }
    }
    Ok(())
}

/// An endpoint `start_endpoint` created.
fn started<'e>(endpoints: &'e mut state::Endpoints, name: &str) -> &'e mut EndpointState {
    let i = endpoints
        .index(name)
        .expect("the endpoint was started this hook");
    &mut endpoints.list[i]
}
