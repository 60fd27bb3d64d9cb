//! The uniter's decision procedure: the next operation for one unit, from its
//! local state and the model (juju/juju `worker/uniter/resolver.go` and
//! `relation/resolver.go`, HOOK-TOOLS.md §5).

use crate::model::{unit_number, Model, ModelType, Unit};

/// One operation of a unit's agent.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Op {
    /// `install`.
    Install,
    /// `start`.
    Start,
    /// `leader-elected`.
    LeaderElected,
    /// `leader-settings-changed`.
    LeaderSettingsChanged,
    /// `config-changed`.
    ConfigChanged,
    /// `stop`.
    Stop,
    /// `update-status`.
    UpdateStatus,
    /// `remove` (2.8+).
    Remove,
    /// `<ep>-relation-created`.
    RelationCreated(u32),
    /// `<ep>-relation-joined` for a remote unit.
    RelationJoined(u32, String),
    /// `<ep>-relation-changed` for a remote unit, or for the remote app bag (`None`).
    RelationChanged(u32, Option<String>),
    /// `<ep>-relation-departed` for a remote unit.
    RelationDeparted(u32, String),
    /// `<ep>-relation-broken`.
    RelationBroken(u32),
    /// No hook: the unit stops believing it leads (Juju has no `leader-deposed`).
    Resign,
    /// No hook: the unit enters a relation's scope (before 2.8, which had no `relation-created`).
    EnterScope(u32),
    /// No hook: the unit leaves a relation it never needs a hook for.
    DropRelation(u32),
    /// No hook: the unit is torn down and its agent stops.
    Die,
}

impl Op {
    /// Whether the op runs a hook.
    pub fn is_hook(&self) -> bool {
        !matches!(
            self,
            Op::Resign | Op::EnterScope(_) | Op::DropRelation(_) | Op::Die
        )
    }
}

fn sorted_members<'a>(names: impl Iterator<Item = &'a String>) -> Vec<String> {
    let mut v: Vec<String> = names.cloned().collect();
    v.sort_by_key(|u| unit_number(u));
    v
}

/// The next operation for `unit`, or `None` when it has nothing to do.
pub fn next_op(model: &Model, unit: &Unit) -> Option<Op> {
    if unit.removed || unit.error_hook.is_some() {
        return None;
    }
    let app = model.applications.get(&unit.app)?;
    let version = model.juju_version;
    let local = &unit.uniter;
    if unit.life != crate::model::Life::Alive {
        return teardown(model, unit);
    }
    let legacy_k8s = model.kind == ModelType::Kubernetes && !version.k8s_install_hook();
    if legacy_k8s && !local.started {
        return Some(Op::Start);
    }
    if !local.installed {
        return Some(Op::Install);
    }
    if version.relation_created_hook() {
        for r in model.relations.iter().filter(|r| !r.removed && !r.dying) {
            if r.endpoint_of(&unit.app).is_none() {
                continue;
            }
            if !local
                .relations
                .get(&r.id)
                .is_some_and(|l| l.created || l.broken)
            {
                return Some(Op::RelationCreated(r.id));
            }
        }
    }
    let remote_leader = model.is_leader(&unit.name);
    if remote_leader && !local.leader {
        return Some(Op::LeaderElected);
    }
    if !remote_leader && local.leader {
        return Some(Op::Resign);
    }
    if !local.leader && local.leader_settings_seen != Some(app.leader_settings_version) {
        return Some(Op::LeaderSettingsChanged);
    }
    if local.config_seen != Some(app.config_version) {
        return Some(Op::ConfigChanged);
    }
    if !local.started {
        return Some(Op::Start);
    }
    relation_op(model, unit).or(local.update_status_due.then_some(Op::UpdateStatus))
}

/// Relation hooks for a live unit, relation by relation in id order.
fn relation_op(model: &Model, unit: &Unit) -> Option<Op> {
    let app = model.applications.get(&unit.app)?;
    for r in model.relations.iter().filter(|r| !r.removed) {
        if r.endpoint_of(&unit.app).is_none() {
            continue;
        }
        let local = unit.uniter.relations.get(&r.id);
        if local.is_some_and(|l| l.broken) {
            continue;
        }
        let created = local.is_some_and(|l| l.created);
        let going = r.dying || app.dying;
        if !created {
            if going {
                return Some(Op::DropRelation(r.id));
            }
            return Some(Op::EnterScope(r.id));
        }
        let local = local?;
        // joined is always followed by changed for the same unit
        if let Some((u, _)) = local.members.iter().find(|(_, v)| v.is_none()) {
            return Some(Op::RelationChanged(r.id, Some(u.clone())));
        }
        let remote = if going {
            Vec::new()
        } else {
            r.remote_members(&unit.app, &unit.name)
        };
        let known = sorted_members(local.members.keys());
        if let Some(gone) = known.iter().find(|u| !remote.contains(u)) {
            return Some(Op::RelationDeparted(r.id, gone.clone()));
        }
        if going {
            return Some(Op::RelationBroken(r.id));
        }
        // An application bag change runs relation-changed with no remote unit. On a peer
        // relation every unit gets it, the leader that wrote it included (Juju 3.6's
        // resolver, juju/juju#20178); 4.0's resolver skips the leader.
        let skip_own =
            r.is_peer() && unit.uniter.leader && model.juju_version.peer_app_change_skips_leader();
        if model.juju_version.app_relation_data() && !skip_own {
            if let Some(remote_app) = r.remote_app(&unit.app) {
                let v = r.apps.get(remote_app).map_or(0, |b| b.version);
                if v > local.app_seen {
                    return Some(Op::RelationChanged(r.id, None));
                }
            }
        }
        if let Some(new) = remote.iter().find(|u| !local.members.contains_key(*u)) {
            return Some(Op::RelationJoined(r.id, new.clone()));
        }
        for u in &known {
            let current = r.units.get(u).map_or(0, |b| b.version);
            if local
                .members
                .get(u)
                .copied()
                .flatten()
                .is_some_and(|seen| seen < current)
            {
                return Some(Op::RelationChanged(r.id, Some(u.clone())));
            }
        }
    }
    None
}

/// Teardown of a dying unit: departures and breaks per relation, then `stop`,
/// then `remove` (2.8+), then the agent stops.
fn teardown(model: &Model, unit: &Unit) -> Option<Op> {
    let local = &unit.uniter;
    for (id, rl) in &local.relations {
        if rl.broken {
            continue;
        }
        if !rl.created {
            return Some(Op::DropRelation(*id));
        }
        if let Some(gone) = sorted_members(rl.members.keys()).first() {
            return Some(Op::RelationDeparted(*id, gone.clone()));
        }
        let peer = model.relation(*id).is_some_and(|r| r.is_peer());
        if peer {
            // Juju never runs relation-broken for a peer relation of a dying unit.
            return Some(Op::DropRelation(*id));
        }
        return Some(Op::RelationBroken(*id));
    }
    if local.started && !local.stopped {
        return Some(Op::Stop);
    }
    if model.juju_version.remove_hook() && local.installed && !local.remove_ran {
        return Some(Op::Remove);
    }
    Some(Op::Die)
}
