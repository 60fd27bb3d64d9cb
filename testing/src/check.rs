//! The consistency checker: refuses an event and state Juju could never
//! produce, with an error that names the mistake, before anything runs.

use std::collections::HashSet;

use charm_reactive::hook_env::{JujuVersion, RelationContext};
use charm_reactive::{Condition, Registry};
use serde_json::Value;

use crate::charm::CharmSpec;
use crate::error::HarnessError;
use crate::event::{Event, RelationHook};
use crate::state::State;

/// Hooks Juju runs that are not about a relation.
const HOOKS: &[&str] = &[
    "install",
    "start",
    "stop",
    "remove",
    "config-changed",
    "upgrade-charm",
    "update-status",
    "leader-elected",
    "leader-settings-changed",
    "leader-deposed",
    "collect-metrics",
    "meter-status-changed",
    "pre-series-upgrade",
    "post-series-upgrade",
];

/// Suffixes of hooks named after a storage or container.
const HOOK_SUFFIXES: &[&str] = &["-storage-attached", "-storage-detaching", "-pebble-ready"];

/// What the checked event means for the run.
#[derive(Debug)]
pub(crate) struct Plan {
    pub(crate) version: JujuVersion,
    /// The hook's name (for an action, the action's name).
    pub(crate) hook_name: String,
    /// The action and its parameters.
    pub(crate) action: Option<(String, Value)>,
    /// The relation context of a relation hook.
    pub(crate) relation: Option<RelationContext>,
    /// A remote unit out of `relation-list` from this hook on (relation-departed).
    pub(crate) leaving: Option<(u32, String)>,
    /// A relation gone from this hook on (relation-broken).
    pub(crate) broken: Option<u32>,
}

impl Plan {
    /// Whether `unit` of relation `id` leaves it in this hook.
    pub(crate) fn is_leaving(&self, id: u32, unit: &str) -> bool {
        self.leaving
            .as_ref()
            .is_some_and(|(rid, u)| *rid == id && u == unit)
    }
}

/// Checks `state` and `event` against the charm and Juju's rules.
pub(crate) fn check(
    charm: &CharmSpec,
    registry: &Registry,
    event: &Event,
    state: &State,
) -> Result<Plan, HarnessError> {
    check_unit_name(&state.unit)?;
    let version = JujuVersion::parse(&state.juju_version)
        .filter(|_| state.juju_version.contains('.'))
        .ok_or_else(|| HarnessError::InvalidJujuVersion(state.juju_version.clone()))?;
    if let Some(flag) = state
        .flags
        .keys()
        .find(|f| charm_reactive::app_scope::is_app_flag(f))
    {
        return Err(HarnessError::AppFlagInUnitFlags(flag.clone()));
    }
    check_relations(charm, state, version)?;
    charm.config(&state.config)?;
    let mut plan = Plan {
        version,
        hook_name: String::new(),
        action: None,
        relation: None,
        leaving: None,
        broken: None,
    };
    match event {
        Event::Hook(name) => {
            check_hook(name, state, version)?;
            plan.hook_name = name.clone();
        }
        Event::Relation {
            kind,
            id,
            remote_unit,
            departing_unit,
        } => check_relation_event(&mut plan, state, *kind, *id, remote_unit, departing_unit)?,
        Event::Action { name, params } => {
            if !params.is_object() {
                return Err(HarnessError::ActionParamsNotObject {
                    name: name.clone(),
                    params: params.clone(),
                });
            }
            let known = actions(registry);
            if !known.iter().any(|a| a == name) {
                return Err(HarnessError::UnknownAction {
                    name: name.clone(),
                    known: list(&known),
                });
            }
            plan.hook_name = name.clone();
            plan.action = Some((name.clone(), params.clone()));
        }
    }
    Ok(plan)
}

fn check_unit_name(unit: &str) -> Result<(), HarnessError> {
    match unit.split_once('/') {
        Some((app, n))
            if !app.is_empty() && !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()) =>
        {
            Ok(())
        }
        _ => Err(HarnessError::InvalidUnitName(unit.to_owned())),
    }
}

fn needs(
    what: impl Into<String>,
    needs: &'static str,
    version: JujuVersion,
    ok: bool,
) -> Result<(), HarnessError> {
    if ok {
        return Ok(());
    }
    Err(HarnessError::NeedsNewerJuju {
        what: what.into(),
        needs,
        version: version.to_string(),
    })
}

fn check_relations(
    charm: &CharmSpec,
    state: &State,
    version: JujuVersion,
) -> Result<(), HarnessError> {
    let mut ids = HashSet::new();
    for rel in &state.relations {
        if !charm.declares(&rel.endpoint) {
            return Err(HarnessError::EndpointNotInMetadata {
                endpoint: rel.endpoint.clone(),
                id: rel.id,
                declared: charm.endpoints(),
            });
        }
        if !ids.insert(rel.id) {
            return Err(HarnessError::DuplicateRelationId(rel.id));
        }
        if charm.is_peer(&rel.endpoint) {
            if rel.remote_app != state.app() {
                return Err(HarnessError::PeerRemoteApp {
                    endpoint: rel.endpoint.clone(),
                    id: rel.id,
                    remote_app: rel.remote_app.clone(),
                    local_app: state.app().to_owned(),
                });
            }
            if !rel.remote_app_data.is_empty() {
                return Err(HarnessError::PeerRemoteAppData {
                    endpoint: rel.endpoint.clone(),
                    id: rel.id,
                });
            }
        }
        let prefix = format!("{}/", rel.remote_app);
        if let Some(unit) = rel.remote_units.keys().find(|u| !u.starts_with(&prefix)) {
            return Err(HarnessError::RemoteUnitOfOtherApp {
                unit: unit.clone(),
                remote_app: rel.remote_app.clone(),
                endpoint: rel.endpoint.clone(),
                id: rel.id,
            });
        }
        let app_data = !rel.remote_app_data.is_empty() || !rel.local_app_data.is_empty();
        needs(
            format!("application data in relation {}", rel.relation_id()),
            "2.7",
            version,
            !app_data || version.at_least(2, 7),
        )?;
    }
    Ok(())
}

fn check_hook(name: &str, state: &State, version: JujuVersion) -> Result<(), HarnessError> {
    let relation_hook = ["created", "joined", "changed", "departed", "broken"]
        .iter()
        .any(|k| name.ends_with(&format!("-relation-{k}")));
    if relation_hook {
        return Err(HarnessError::RelationHookByName(name.to_owned()));
    }
    let known = HOOKS.contains(&name)
        || HOOK_SUFFIXES
            .iter()
            .any(|s| name.len() > s.len() && name.ends_with(s));
    if !known {
        return Err(HarnessError::UnknownHook(name.to_owned()));
    }
    needs(
        "the remove hook",
        "2.8",
        version,
        name != "remove" || version.at_least(2, 8),
    )?;
    let mismatch = match name {
        "leader-elected" => !state.leader,
        "leader-settings-changed" => state.leader,
        _ => false,
    };
    if mismatch {
        return Err(HarnessError::LeadershipMismatch {
            event: name.to_owned(),
            leader: state.leader,
        });
    }
    Ok(())
}

fn check_relation_event(
    plan: &mut Plan,
    state: &State,
    kind: RelationHook,
    id: u32,
    remote_unit: &Option<String>,
    departing_unit: &Option<String>,
) -> Result<(), HarnessError> {
    let version = plan.version;
    let Some(rel) = state.relation(id) else {
        let known: Vec<String> = state.relations.iter().map(|r| r.id.to_string()).collect();
        return Err(HarnessError::UnknownRelation {
            event: format!("relation-{}", kind.as_str()),
            id,
            known: list(&known),
        });
    };
    let event = format!("{}-relation-{}", rel.endpoint, kind.as_str());
    needs(
        event.clone(),
        "2.8",
        version,
        kind != RelationHook::Created || version.at_least(2, 8),
    )?;
    let unit_required = matches!(kind, RelationHook::Joined | RelationHook::Departed);
    let unit_forbidden = matches!(kind, RelationHook::Created | RelationHook::Broken);
    match remote_unit {
        None if unit_required => return Err(HarnessError::MissingRemoteUnit { event }),
        Some(_) if unit_forbidden => return Err(HarnessError::UnexpectedRemoteUnit { event }),
        Some(unit) if !rel.remote_units.contains_key(unit) => {
            let units: Vec<String> = rel.remote_units.keys().cloned().collect();
            return Err(HarnessError::RemoteUnitNotInRelation {
                event,
                unit: unit.clone(),
                endpoint: rel.endpoint.clone(),
                id,
                units: list(&units),
            });
        }
        _ => {}
    }
    if let Some(departing) = departing_unit {
        if kind != RelationHook::Departed {
            return Err(HarnessError::DepartingUnitOutsideDeparted { event });
        }
        needs(
            "JUJU_DEPARTING_UNIT",
            "2.8",
            version,
            version.at_least(2, 8),
        )?;
        let remote = remote_unit.clone().unwrap_or_default();
        if *departing != remote && *departing != state.unit {
            return Err(HarnessError::DepartingUnitNotInRelation {
                event,
                unit: departing.clone(),
                remote_unit: remote,
                local_unit: state.unit.clone(),
            });
        }
    }
    match kind {
        RelationHook::Departed => plan.leaving = remote_unit.clone().map(|u| (id, u)),
        RelationHook::Broken => plan.broken = Some(id),
        _ => {}
    }
    plan.hook_name = event;
    plan.relation = Some(RelationContext {
        name: rel.endpoint.clone(),
        id: rel.relation_id(),
        remote_unit: remote_unit.clone(),
        remote_app: Some(rel.remote_app.clone()),
        departing_unit: departing_unit.clone(),
    });
    Ok(())
}

/// The actions the registry's handlers take, sorted.
fn actions(registry: &Registry) -> Vec<String> {
    let mut names: Vec<String> = registry
        .handlers()
        .iter()
        .flat_map(|h| h.conditions())
        .filter_map(|c| match c {
            Condition::Action(a) => Some(a.clone()),
            _ => None,
        })
        .collect();
    names.sort();
    names.dedup();
    names
}

fn list(items: &[String]) -> String {
    if items.is_empty() {
        "none".to_owned()
    } else {
        items.join(", ")
    }
}
