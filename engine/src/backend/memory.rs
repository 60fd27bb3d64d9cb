//! [`MemoryBackend`]: Juju's hook-tool semantics over an in-memory [`Model`].

use std::collections::{BTreeMap, HashSet};

use serde_json::{Map, Value};

use super::error::BackendError;
use super::hook_tools::merge;
use super::invocation::{self as inv, Invocation};
use super::model::{ActionModel, LogEntry, Model, PodSpecRecord, Relation};
use super::types::{
    GoalState, NetworkInfo, PodSpec, PortRange, RelationId, Status, StatusTarget, ToolCall,
};
use super::Backend;
use crate::log::Level;

/// Stands for the temporary file [`super::HookTools`] passes to `--k8s-resources`.
const K8S_RESOURCES_PLACEHOLDER: &str = "<k8s-resources file>";

/// An in-memory Juju for unit tests and the in-process simulator.
///
/// It follows Juju's rules: leader-only operations fail with
/// [`BackendError::NotLeader`] for a non-leader, unknown relations with
/// [`BackendError::RelationNotFound`]; `status-set`, `leader-set`, logs and
/// versions apply at once, while relation data, unit state, ports and the pod
/// spec wait for [`MemoryBackend::end_hook`] with `success = true` (reads of the
/// unit's own bags and state see them before). It records the hook-tool calls
/// [`super::HookTools`] would make, with the same read caching.
///
/// ```
/// use std::collections::BTreeMap;
/// use charm_reactive::backend::{Backend, MemoryBackend, Model, RelationId};
///
/// let mut model = Model::new("web/0");
/// let db = RelationId::new("db", 1);
/// model.add_relation(db.clone(), "postgresql", &["postgresql/0"]);
/// let mut juju = MemoryBackend::new(model);
/// let data = BTreeMap::from([("database".to_string(), Some("web".to_string()))]);
/// juju.relation_set(&db, &data)?;
/// assert_eq!(juju.relation_get(&db, "web/0")?["database"], "web");
/// juju.end_hook(true);
/// assert_eq!(juju.model().relations[&db].data["web/0"]["database"], "web");
/// # Ok::<(), charm_reactive::backend::BackendError>(())
/// ```
#[derive(Debug, Clone)]
pub struct MemoryBackend {
    model: Model,
    pending: Pending,
    /// `is-leader` as first answered in this hook (Juju's context caches it).
    leader_seen: Option<bool>,
    /// A unit found to be a minion stays one for the hook.
    minion: bool,
    /// Reads already made this hook (cache keys as HookTools would use).
    reads: HashSet<String>,
    calls: Vec<ToolCall>,
}

/// Writes Juju commits only when the hook succeeds.
#[derive(Debug, Clone, Default)]
struct Pending {
    relation: BTreeMap<(RelationId, String), BTreeMap<String, Option<String>>>,
    state: BTreeMap<String, Option<String>>,
    ports: Vec<(bool, PortRange)>,
    pod_spec: Option<PodSpecRecord>,
}

impl MemoryBackend {
    /// A backend serving `model`.
    pub fn new(model: Model) -> MemoryBackend {
        MemoryBackend {
            model,
            pending: Pending::default(),
            leader_seen: None,
            minion: false,
            reads: HashSet::new(),
            calls: Vec::new(),
        }
    }

    /// The model, with committed writes and immediate effects.
    pub fn model(&self) -> &Model {
        &self.model
    }

    /// The model, to set it up or change it between hooks.
    pub fn model_mut(&mut self) -> &mut Model {
        &mut self.model
    }

    /// The model, giving up the backend.
    pub fn into_model(self) -> Model {
        self.model
    }

    /// Ends the hook as Juju does when the hook process exits: commits relation
    /// data, state, ports and the pod spec if `success`, discards them if not;
    /// then forgets the hook's cached reads, leadership view and calls.
    pub fn end_hook(&mut self, success: bool) {
        let pending = std::mem::take(&mut self.pending);
        if success {
            for ((rid, bag), data) in pending.relation {
                if let Some(rel) = self.model.relations.get_mut(&rid) {
                    merge(rel.data.entry(bag).or_default(), &data);
                }
            }
            merge(&mut self.model.state, &pending.state);
            for (open, port) in pending.ports {
                if open {
                    self.model.opened_ports.insert(port);
                } else {
                    self.model.opened_ports.remove(&port);
                }
            }
            self.model.pod_specs.extend(pending.pod_spec);
        }
        self.leader_seen = None;
        self.minion = false;
        self.reads.clear();
        self.calls.clear();
    }

    /// Records a call the real tool would receive.
    fn record(&mut self, call: &Invocation) {
        self.calls.push(call.to_call());
    }

    /// Serves a read: recorded unless already made this hook, and remembered
    /// only if it succeeds (HookTools caches successes only).
    fn read<T>(
        &mut self,
        call: Invocation,
        f: impl FnOnce(&mut Self) -> Result<T, BackendError>,
    ) -> Result<T, BackendError> {
        let key = call.cache_key();
        if !self.reads.contains(&key) {
            self.record(&call);
        }
        let value = f(self)?;
        self.reads.insert(key);
        Ok(value)
    }

    /// Leadership as this hook's tools see it.
    fn leader_now(&mut self) -> bool {
        let leader = self.model.leader && !self.minion;
        if !leader {
            self.minion = true;
        }
        leader
    }

    fn not_leader(tool: &str, message: &str) -> BackendError {
        BackendError::NotLeader {
            tool: tool.into(),
            message: message.into(),
        }
    }

    fn relation(&self, tool: &str, rid: &RelationId) -> Result<&Relation, BackendError> {
        self.model
            .relations
            .get(rid)
            .ok_or_else(|| BackendError::RelationNotFound {
                tool: tool.into(),
                id: rid.to_string(),
            })
    }

    fn require_action(&mut self, tool: &str) -> Result<&mut ActionModel, BackendError> {
        self.model
            .action
            .as_mut()
            .ok_or_else(|| BackendError::NotInAction { tool: tool.into() })
    }

    /// A bag as the hook sees it: committed data plus its own pending writes.
    fn bag(
        &self,
        rid: &RelationId,
        target: &str,
    ) -> Result<BTreeMap<String, String>, BackendError> {
        let tool = "relation-get";
        let rel = self.relation(tool, rid)?;
        let local_app = self.model.app();
        let known = target == self.model.unit
            || target == local_app
            || target == rel.remote_app
            || rel.units.iter().any(|u| u == target);
        let mut bag = match rel.data.get(target) {
            Some(bag) => bag.clone(),
            None if known => BTreeMap::new(),
            None if inv::is_app_name(target) => {
                return Err(BackendError::NotFound {
                    tool: tool.into(),
                    message: format!("cannot read settings for application {target:?} in relation {:?}: not found", rid.to_string()),
                })
            }
            None => {
                return Err(BackendError::NotFound {
                    tool: tool.into(),
                    message: format!(
                        "cannot read settings for unit {target:?} in relation {:?}: unit {target:?}: settings not found",
                        rid.to_string()
                    ),
                })
            }
        };
        if let Some(writes) = self
            .pending
            .relation
            .get(&(rid.clone(), target.to_string()))
        {
            merge(&mut bag, writes);
        }
        Ok(bag)
    }

    fn write_relation(
        &mut self,
        rid: &RelationId,
        app: bool,
        data: &BTreeMap<String, Option<String>>,
    ) -> Result<(), BackendError> {
        let call = inv::relation_set(rid, app, data)?;
        self.record(&call);
        self.relation(call.tool, rid)?;
        if app && !self.leader_now() {
            return Err(Self::not_leader(
                call.tool,
                "cannot write relation settings",
            ));
        }
        let bag = if app {
            self.model.app().to_string()
        } else {
            self.model.unit.clone()
        };
        let pending = self.pending.relation.entry((rid.clone(), bag)).or_default();
        pending.extend(data.iter().map(|(k, v)| (k.clone(), v.clone())));
        Ok(())
    }
}

impl Backend for MemoryBackend {
    fn log(&mut self, level: Level, message: &str) -> Result<(), BackendError> {
        for call in inv::juju_log(level, message) {
            self.record(&call);
            let chunk = call.args.last().cloned().unwrap_or_default();
            self.model.logs.push(LogEntry {
                level,
                message: chunk,
            });
        }
        Ok(())
    }

    fn status_set(&mut self, target: StatusTarget, status: &Status) -> Result<(), BackendError> {
        let call = inv::status_set(target, status)?;
        self.record(&call);
        match target {
            StatusTarget::Unit => self.model.unit_statuses.push(status.clone()),
            StatusTarget::Application => {
                if !self.leader_now() {
                    return Err(Self::not_leader(call.tool, "this unit is not the leader"));
                }
                self.model.app_statuses.push(status.clone());
            }
        }
        Ok(())
    }

    fn status_get(&mut self, target: StatusTarget) -> Result<Status, BackendError> {
        let call = inv::status_get(target);
        self.record(&call);
        match target {
            StatusTarget::Unit => Ok(self.model.unit_status()),
            StatusTarget::Application if self.leader_now() => Ok(self.model.app_status()),
            StatusTarget::Application => Err(Self::not_leader(
                call.tool,
                "finding application status: this unit is not the leader",
            )),
        }
    }

    fn application_version_set(&mut self, version: &str) -> Result<(), BackendError> {
        let call = inv::application_version_set(version)?;
        self.record(&call);
        self.model.application_versions.push(version.to_string());
        Ok(())
    }

    fn config(&mut self) -> Result<Map<String, Value>, BackendError> {
        self.read(inv::config_get(), |b| Ok(b.model.config.clone()))
    }

    fn is_leader(&mut self) -> Result<bool, BackendError> {
        self.read(inv::is_leader(), |b| {
            let leader = match b.leader_seen {
                Some(l) => l,
                None => b.leader_now(),
            };
            b.leader_seen = Some(leader);
            Ok(leader)
        })
    }

    fn leader_get(&mut self) -> Result<BTreeMap<String, String>, BackendError> {
        self.read(inv::leader_get(), |b| Ok(b.model.leader_settings.clone()))
    }

    fn leader_set(
        &mut self,
        settings: &BTreeMap<String, Option<String>>,
    ) -> Result<(), BackendError> {
        for call in inv::leader_set(settings)? {
            self.record(&call);
            if !self.leader_now() {
                return Err(Self::not_leader(
                    call.tool,
                    "cannot write leadership settings: cannot write settings: not the leader",
                ));
            }
            for arg in &call.args {
                let (k, v) = arg
                    .split_once('=')
                    .expect("leader-set arguments are key=value");
                let write = BTreeMap::from([(k.to_string(), Some(v.to_string()))]);
                merge(&mut self.model.leader_settings, &write);
            }
        }
        Ok(())
    }

    fn relation_ids(&mut self, endpoint: &str) -> Result<Vec<RelationId>, BackendError> {
        self.read(inv::relation_ids(endpoint), |b| {
            Ok(b.model
                .relations
                .keys()
                .filter(|r| r.endpoint == endpoint)
                .cloned()
                .collect())
        })
    }

    fn relation_list(&mut self, rid: &RelationId) -> Result<Vec<String>, BackendError> {
        self.read(inv::relation_list(rid), |b| {
            Ok(b.relation("relation-list", rid)?.units.clone())
        })
    }

    fn relation_remote_app(&mut self, rid: &RelationId) -> Result<String, BackendError> {
        self.read(inv::relation_list_app(rid), |b| {
            Ok(b.relation("relation-list", rid)?.remote_app.clone())
        })
    }

    fn relation_get(
        &mut self,
        rid: &RelationId,
        target: &str,
    ) -> Result<BTreeMap<String, String>, BackendError> {
        self.read(inv::relation_get(rid, target), |b| {
            let rel = b.relation("relation-get", rid)?;
            let own_app = target == b.model.app();
            let peer = rel.remote_app == b.model.app();
            if own_app && !peer && !b.leader_now() {
                return Err(BackendError::PermissionDenied {
                    tool: "relation-get".into(),
                    message: "permission denied".into(),
                });
            }
            b.bag(rid, target)
        })
    }

    fn relation_set(
        &mut self,
        rid: &RelationId,
        data: &BTreeMap<String, Option<String>>,
    ) -> Result<(), BackendError> {
        self.write_relation(rid, false, data)
    }

    fn relation_set_app(
        &mut self,
        rid: &RelationId,
        data: &BTreeMap<String, Option<String>>,
    ) -> Result<(), BackendError> {
        self.write_relation(rid, true, data)
    }

    fn pod_spec_set(&mut self, spec: &PodSpec) -> Result<(), BackendError> {
        let placeholder = spec
            .k8s_resources
            .as_ref()
            .map(|_| K8S_RESOURCES_PLACEHOLDER);
        let call = inv::spec_set(spec.tool.as_str(), &spec.spec, placeholder)?;
        self.record(&call);
        let leader = self.leader_now();
        if !leader && self.model.pod_spec_requires_leader {
            return Err(Self::not_leader(call.tool, "this unit is not the leader"));
        }
        self.pending.pod_spec = Some(PodSpecRecord {
            tool: spec.tool,
            spec: spec.spec.clone(),
            k8s_resources: spec.k8s_resources.clone(),
            by_non_leader: !leader,
        });
        Ok(())
    }

    fn state_get(&mut self) -> Result<BTreeMap<String, String>, BackendError> {
        self.read(inv::state_get(), |b| {
            let mut state = b.model.state.clone();
            merge(&mut state, &b.pending.state);
            Ok(state)
        })
    }

    fn state_set(&mut self, values: &BTreeMap<String, String>) -> Result<(), BackendError> {
        let call = inv::state_set(values)?;
        self.record(&call);
        self.pending
            .state
            .extend(values.iter().map(|(k, v)| (k.clone(), Some(v.clone()))));
        Ok(())
    }

    fn state_delete(&mut self, key: &str) -> Result<(), BackendError> {
        let call = inv::state_delete(key)?;
        self.record(&call);
        self.pending.state.insert(key.to_string(), None);
        Ok(())
    }

    fn goal_state(&mut self) -> Result<GoalState, BackendError> {
        self.read(inv::goal_state(), |b| Ok(b.model.goal_state.clone()))
    }

    fn network_get(
        &mut self,
        binding: &str,
        rid: Option<&RelationId>,
    ) -> Result<NetworkInfo, BackendError> {
        self.read(inv::network_get(binding, rid), |b| {
            if let Some(rid) = rid {
                b.relation("network-get", rid)?;
            }
            b.model
                .networks
                .get(binding)
                .cloned()
                .ok_or_else(|| BackendError::NotFound {
                    tool: "network-get".into(),
                    message: format!("no network config found for binding {binding:?}"),
                })
        })
    }

    fn open_port(&mut self, port: &PortRange) -> Result<(), BackendError> {
        self.record(&inv::port(true, port));
        self.pending.ports.push((true, *port));
        Ok(())
    }

    fn close_port(&mut self, port: &PortRange) -> Result<(), BackendError> {
        self.record(&inv::port(false, port));
        self.pending.ports.push((false, *port));
        Ok(())
    }

    fn opened_ports(&mut self) -> Result<Vec<PortRange>, BackendError> {
        self.record(&inv::opened_ports());
        Ok(self.model.opened_ports.iter().copied().collect())
    }

    fn action_get(&mut self) -> Result<Value, BackendError> {
        self.read(inv::action_get(), |b| {
            Ok(b.require_action("action-get")?.params.clone())
        })
    }

    fn action_set(&mut self, results: &BTreeMap<String, String>) -> Result<(), BackendError> {
        for call in inv::action_set(results)? {
            self.record(&call);
            let action = self.require_action(call.tool)?;
            for arg in &call.args {
                let (k, v) = arg
                    .split_once('=')
                    .expect("action-set arguments are key=value");
                action.results.insert(k.to_string(), v.to_string());
            }
        }
        Ok(())
    }

    fn action_fail(&mut self, message: &str) -> Result<(), BackendError> {
        let call = inv::action_fail(message)?;
        self.record(&call);
        self.require_action(call.tool)?.failed = Some(message.to_string());
        Ok(())
    }

    fn action_log(&mut self, message: &str) -> Result<(), BackendError> {
        let call = inv::action_log(message)?;
        self.record(&call);
        self.require_action(call.tool)?
            .logs
            .push(message.to_string());
        Ok(())
    }

    fn calls(&self) -> &[ToolCall] {
        &self.calls
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::types::{SpecTool, StatusState};

    fn some(pairs: &[(&str, &str)]) -> BTreeMap<String, Option<String>> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), Some(v.to_string())))
            .collect()
    }

    fn web() -> (MemoryBackend, RelationId) {
        let mut model = Model::new("web/0");
        let db = RelationId::new("db", 1);
        model.add_relation(db.clone(), "pg", &["pg/0"]);
        model.relations.get_mut(&db).unwrap().data.insert(
            "pg/0".into(),
            [("host".to_string(), "10.0.0.1".to_string())].into(),
        );
        (MemoryBackend::new(model), db)
    }

    #[test]
    fn leader_only_operations_refuse_a_minion() {
        let (mut b, db) = web();
        assert!(matches!(
            b.leader_set(&some(&[("a", "1")])),
            Err(BackendError::NotLeader { .. })
        ));
        assert!(matches!(
            b.relation_set_app(&db, &some(&[("a", "1")])),
            Err(BackendError::NotLeader { .. })
        ));
        assert!(matches!(
            b.status_set(
                StatusTarget::Application,
                &Status::new(StatusState::Active, "")
            ),
            Err(BackendError::NotLeader { .. })
        ));
        assert!(matches!(
            b.status_get(StatusTarget::Application),
            Err(BackendError::NotLeader { .. })
        ));
        let spec = PodSpec {
            spec: "containers: []".into(),
            ..PodSpec::default()
        };
        assert!(matches!(
            b.pod_spec_set(&spec),
            Err(BackendError::NotLeader { .. })
        ));
        assert!(matches!(
            b.relation_get(&db, "web"),
            Err(BackendError::PermissionDenied { .. })
        ));
        assert!(b.model().leader_settings.is_empty());
        b.end_hook(true);
        assert!(b.model().pod_specs.is_empty());
    }

    #[test]
    fn juju_2_5_applies_a_minions_pod_spec() {
        let (mut b, _) = web();
        b.model_mut().pod_spec_requires_leader = false;
        let spec = PodSpec {
            tool: SpecTool::PodSpecSet,
            spec: "containers: []".into(),
            k8s_resources: None,
        };
        b.pod_spec_set(&spec).unwrap();
        b.end_hook(true);
        assert_eq!(b.model().pod_specs.len(), 1);
        assert!(b.model().pod_specs[0].by_non_leader);
    }

    #[test]
    fn relation_writes_wait_for_commit() {
        let (mut b, db) = web();
        b.model_mut().leader = true;
        b.relation_set(&db, &some(&[("url", "http://x")])).unwrap();
        b.relation_set_app(&db, &some(&[("v", "1")])).unwrap();
        assert_eq!(b.relation_get(&db, "web/0").unwrap()["url"], "http://x");
        assert_eq!(b.relation_get(&db, "web").unwrap()["v"], "1");
        assert_eq!(b.relation_get(&db, "pg/0").unwrap()["host"], "10.0.0.1");
        assert!(b.model().relations[&db].data["web/0"].is_empty());
        b.end_hook(false);
        assert!(b.model().relations[&db].data["web/0"].is_empty());
        b.relation_set(&db, &some(&[("url", "http://y")])).unwrap();
        b.end_hook(true);
        assert_eq!(b.model().relations[&db].data["web/0"]["url"], "http://y");
    }

    #[test]
    fn unknown_relations_and_units() {
        let (mut b, _) = web();
        let nope = RelationId::new("db", 9);
        assert!(
            matches!(b.relation_list(&nope), Err(BackendError::RelationNotFound { ref id, .. }) if id == "db:9")
        );
        assert!(matches!(
            b.relation_set(&nope, &some(&[("a", "1")])),
            Err(BackendError::RelationNotFound { .. })
        ));
        let db = RelationId::new("db", 1);
        assert!(matches!(
            b.relation_get(&db, "other/3"),
            Err(BackendError::NotFound { .. })
        ));
        assert!(b.relation_get(&db, "pg").unwrap().is_empty());
    }

    #[test]
    fn minion_stays_a_minion_for_the_hook() {
        let (mut b, _) = web();
        assert!(!b.is_leader().unwrap());
        b.model_mut().leader = true;
        assert!(!b.is_leader().unwrap());
        assert!(b.leader_set(&some(&[("a", "1")])).is_err());
        b.end_hook(true);
        assert!(b.is_leader().unwrap());
        b.leader_set(&some(&[("a", "1")])).unwrap();
        assert_eq!(b.leader_get().unwrap()["a"], "1");
    }

    #[test]
    fn state_ports_and_actions() {
        let (mut b, _) = web();
        b.model_mut().state.insert("old".into(), "x".into());
        b.state_set(&[("k".to_string(), "v".to_string())].into())
            .unwrap();
        b.state_delete("old").unwrap();
        assert_eq!(
            b.state_get().unwrap(),
            BTreeMap::from([("k".to_string(), "v".to_string())])
        );
        b.open_port(&PortRange::tcp(80)).unwrap();
        assert!(b.opened_ports().unwrap().is_empty());
        b.end_hook(true);
        assert_eq!(
            b.model().state,
            BTreeMap::from([("k".to_string(), "v".to_string())])
        );
        assert_eq!(b.opened_ports().unwrap(), [PortRange::tcp(80)]);
        assert!(matches!(
            b.action_get(),
            Err(BackendError::NotInAction { .. })
        ));
        b.model_mut().action = Some(ActionModel {
            name: "backup".into(),
            params: serde_json::json!({"target": "s3"}),
            ..Default::default()
        });
        assert_eq!(b.action_get().unwrap()["target"], "s3");
        b.action_set(&[("result.path".to_string(), "/b".to_string())].into())
            .unwrap();
        b.action_fail("disk full").unwrap();
        let action = b.model().action.as_ref().unwrap();
        assert_eq!(action.results["result.path"], "/b");
        assert_eq!(action.failed.as_deref(), Some("disk full"));
    }

    #[test]
    fn cached_reads_are_recorded_once() {
        let (mut b, db) = web();
        b.leader_get().unwrap();
        b.leader_get().unwrap();
        b.relation_get(&db, "pg/0").unwrap();
        b.relation_get(&db, "pg/0").unwrap();
        b.opened_ports().unwrap();
        b.opened_ports().unwrap();
        let counts = b.call_counts();
        assert_eq!(counts["leader-get"], 1);
        assert_eq!(counts["relation-get"], 1);
        assert_eq!(counts["opened-ports"], 2);
        b.end_hook(true);
        assert!(b.calls().is_empty());
    }
}
