//! Running one operation: the hook's context and environment, the child
//! process, and the commit (writes applied only when the hook exits 0).

use std::collections::BTreeMap;

use super::hookenv;
use super::uniter::Op;
use super::{Controller, SimError};
use crate::charm::{find_handler, HookHandler as Handler};
use crate::hookctx::{BagOwner, HookContext};
use crate::model::{Bag, HookRun, Life, Model, ModelType, Status};
use crate::protocol::{Request, Response, SOCKET_ENV};
use crate::runner::{Exit, HookHandler, HookProcess};
use crate::timeline::{Kind, Source, Timeline};
use crate::tools;

/// Serves a running hook: checks context ids and forwards to the tools.
pub(super) struct Serving<'a> {
    pub(super) model: &'a mut Model,
    pub(super) timeline: &'a mut Timeline,
    pub(super) ctx: &'a mut HookContext,
}

impl HookHandler for Serving<'_> {
    fn request(&mut self, req: &Request) -> Response {
        let bad = |msg: String| Response::Done {
            code: 1,
            stdout: String::new(),
            stderr: format!("error: bad request: {msg}\n"),
        };
        if req.context_id != self.ctx.id {
            return bad(format!("wrong context ID; got {:?}", req.context_id));
        }
        if !req.cwd.starts_with('/') {
            return bad("Dir is not absolute".into());
        }
        *self.ctx.tool_calls.entry(req.command.clone()).or_default() += 1;
        tools::serve(self.model, self.timeline, self.ctx, req)
    }

    fn line(&mut self, stderr: bool, text: &str) {
        let src = Source::unit(&self.ctx.unit, Some(&self.ctx.hook));
        let module = format!("unit.{}.{}", self.ctx.unit, self.ctx.hook);
        let level = if stderr { "WARNING" } else { "DEBUG" };
        self.timeline.push(
            self.model.clock_ms,
            &src,
            level,
            &module,
            Kind::Output,
            text,
        );
        self.model.clock_ms += 1;
    }
}

/// The hook an op runs, with its relation details.
#[derive(Default)]
pub(super) struct Prepared {
    hook: String,
    relation_id: Option<u32>,
    relation_key: Option<String>,
    endpoint: Option<String>,
    remote_unit: Option<String>,
    remote_app: Option<String>,
    departing: Option<String>,
    members: Option<Vec<String>>,
    /// `(name, id)` when running an action.
    action: Option<(String, String)>,
}

impl Prepared {
    /// An action run: no hook, no relation.
    pub(super) fn action(name: &str, id: &str) -> Self {
        Self {
            action: Some((name.into(), id.into())),
            ..Self::default()
        }
    }
}

impl Controller {
    /// Records the end of a hook or action run in the timeline and moves the
    /// virtual clock to the next second: each hook takes a virtual second.
    pub(super) fn hook_ended(&mut self, src: &Source, level: &str, message: &str) {
        self.timeline.push(
            self.model.clock_ms,
            src,
            level,
            "juju.worker.uniter.operation",
            Kind::HookEnd,
            message,
        );
        self.model.clock_ms = (self.model.clock_ms / 1000 + 1) * 1000;
    }

    fn prepare(&self, unit: &str, op: &Op) -> Prepared {
        let mut p = Prepared::default();
        let simple = match op {
            Op::Install => "install",
            Op::Start => "start",
            Op::LeaderElected => "leader-elected",
            Op::LeaderSettingsChanged => "leader-settings-changed",
            Op::ConfigChanged => "config-changed",
            Op::Stop => "stop",
            Op::UpdateStatus => "update-status",
            Op::Remove => "remove",
            _ => "",
        };
        if !simple.is_empty() {
            p.hook = simple.into();
            return p;
        }
        let (rid, kind, remote) = match op {
            Op::RelationCreated(r) => (*r, "created", None),
            Op::RelationJoined(r, u) => (*r, "joined", Some(u.clone())),
            Op::RelationChanged(r, u) => (*r, "changed", u.clone()),
            Op::RelationDeparted(r, u) => (*r, "departed", Some(u.clone())),
            Op::RelationBroken(r) => (*r, "broken", None),
            _ => return p,
        };
        let Some(u) = self.model.unit(unit) else {
            return p;
        };
        let Some(rel) = self.model.relation(rid) else {
            return p;
        };
        let ep = rel
            .endpoint_of(&u.app)
            .map(|e| e.name.clone())
            .unwrap_or_default();
        p.hook = format!("{ep}-relation-{kind}");
        p.relation_id = Some(rid);
        p.relation_key = Some(rel.key_for(&u.app));
        p.endpoint = Some(ep);
        p.remote_app = rel.remote_app(&u.app).map(str::to_string);
        let mut members: Vec<String> = u
            .uniter
            .relations
            .get(&rid)
            .map(|l| l.members.keys().cloned().collect())
            .unwrap_or_default();
        match op {
            Op::RelationJoined(_, x) => members.push(x.clone()),
            Op::RelationDeparted(_, x) => {
                members.retain(|m| m != x);
                if self.model.juju_version.departing_unit_env() {
                    p.departing = Some(if u.life == Life::Alive {
                        x.clone()
                    } else {
                        unit.to_string()
                    });
                }
            }
            Op::RelationBroken(_) => members.clear(),
            _ => {}
        }
        members.sort_by_key(|m| crate::model::unit_number(m));
        p.members = Some(members);
        p.remote_unit = remote;
        p
    }

    /// The version a hook observes at its start (what the local state records on success).
    pub(super) fn observed_version(&self, unit: &str, op: &Op) -> u64 {
        let Some(u) = self.model.unit(unit) else {
            return 0;
        };
        let app = self.model.applications.get(&u.app);
        match op {
            Op::LeaderElected | Op::LeaderSettingsChanged => {
                app.map_or(0, |a| a.leader_settings_version)
            }
            Op::ConfigChanged => app.map_or(0, |a| a.config_version),
            Op::RelationChanged(rid, who) => {
                let rel = self.model.relation(*rid);
                match who {
                    Some(x) => rel.and_then(|r| r.units.get(x)).map_or(0, |b| b.version),
                    None => rel
                        .and_then(|r| r.remote_app(&u.app).and_then(|a| r.apps.get(a)))
                        .map_or(0, |b| b.version),
                }
            }
            _ => 0,
        }
    }

    pub(super) fn hook_env(&self, unit: &str, ctx_id: &str, p: &Prepared) -> Vec<(String, String)> {
        let u = self.model.unit(unit).expect("unit exists");
        let app = &self.model.applications[&u.app];
        let socket = self
            .executor
            .agent_socket()
            .map(|p| p.display().to_string())
            .unwrap_or_default();
        let machine = (self.model.kind == ModelType::Iaas).then(|| u.number.to_string());
        let relation = match (&p.endpoint, &p.relation_key) {
            (Some(ep), Some(key)) => Some(hookenv::RelationVars {
                endpoint: ep,
                key,
                remote_unit: p.remote_unit.as_deref().unwrap_or(""),
                remote_app: p.remote_app.as_deref().unwrap_or(""),
                departing: p.departing.as_deref(),
            }),
            _ => None,
        };
        let vars = hookenv::HookVars {
            version: self.model.juju_version,
            tools_dir: &self.tools_dir,
            charm_dir: &u.charm_dir,
            context_id: ctx_id,
            hook: &p.hook,
            action: p.action.as_ref().map(|(n, id)| (n.as_str(), id.as_str())),
            socket: &socket,
            unit,
            model_name: &self.model.name,
            model_uuid: &self.model.uuid,
            machine_id: machine.as_deref(),
            relation,
        };
        // The caller's additions (a test's probe file) and the application's `env:`
        // add to Juju's variables; Juju's own win, and a given PATH follows the tools dir.
        let mut env: BTreeMap<String, String> = self.opts.env.iter().cloned().collect();
        env.extend(app.env.clone());
        let base_path = env.remove("PATH");
        env.extend(vars.build(base_path.as_deref()));
        env.insert(SOCKET_ENV.into(), socket);
        env.into_iter().collect()
    }

    /// Runs a hook op for the unit at `index`.
    pub(super) fn run_op(&mut self, index: usize, op: Op) -> Result<(), SimError> {
        let unit = self.model.units[index].name.clone();
        let p = self.prepare(&unit, &op);
        let observed = self.observed_version(&unit, &op);
        self.seq += 1;
        let ctx_id = format!("{unit}-{}-{}", p.hook, self.seq);
        let app_name = self.model.units[index].app.clone();
        if op == Op::Install {
            let now = self.model.clock_ms;
            let u = &mut self.model.units[index];
            if u.status.set_by == "juju" {
                u.set_status(Status::juju("maintenance", "installing charm", now));
            }
        }
        let charm_dir = self.model.units[index].charm_dir.clone();
        let handler = find_handler(&charm_dir, &p.hook, self.model.juju_version);
        let src = Source::unit(&unit, Some(&p.hook));
        let start = self.model.clock_ms;
        let mut ctx = HookContext {
            id: ctx_id.clone(),
            unit: unit.clone(),
            app: app_name,
            hook: p.hook.clone(),
            relation_id: p.relation_id,
            remote_unit: p.remote_unit.clone(),
            remote_app: p.remote_app.clone(),
            departing_unit: p.departing.clone(),
            hook_members: p.members.clone(),
            ..HookContext::default()
        };
        let mut wall_us = 0;
        let (exit, via) = match &handler {
            Handler::Missing => (Exit::Code(0), None),
            Handler::Dispatch(path) | Handler::Hook(path) => {
                let via = if matches!(handler, Handler::Dispatch(_)) {
                    "via hook dispatching script: dispatch"
                } else {
                    "via explicit, bespoke hook script"
                };
                let remote = p
                    .remote_unit
                    .as_deref()
                    .map(|r| format!(" (remote unit {r})"))
                    .unwrap_or_default();
                self.timeline.push(
                    start,
                    &src,
                    "INFO",
                    "juju.worker.uniter.operation",
                    Kind::HookStart,
                    &format!("running {:?} hook{remote}", p.hook),
                );
                self.model.clock_ms += 1;
                let proc = HookProcess {
                    program: path.clone(),
                    cwd: charm_dir,
                    env: self.hook_env(&unit, &ctx_id, &p),
                    timeout: self.opts.hook_timeout,
                };
                let mut serving = Serving {
                    model: &mut self.model,
                    timeline: &mut self.timeline,
                    ctx: &mut ctx,
                };
                let started = std::time::Instant::now();
                let exit = self.executor.run(self.seq, &proc, &mut serving);
                wall_us = started.elapsed().as_micros() as u64;
                (exit, Some(via))
            }
        };
        let outcome = if via.is_none() {
            "missing"
        } else if exit.success() {
            "ok"
        } else {
            "failed"
        };
        self.model.units[index].hooks.push(HookRun {
            hook: p.hook.clone(),
            relation: p.relation_key.clone(),
            remote_unit: p.remote_unit.clone(),
            at_ms: start,
            outcome: outcome.into(),
            wall_us,
            tool_calls: std::mem::take(&mut ctx.tool_calls),
        });
        let end_msg = match (via, exit.success()) {
            (None, _) => format!("skipped {:?} hook (missing)", p.hook),
            (Some(via), true) => format!("ran {:?} hook ({via})", p.hook),
            (Some(via), false) => format!("hook {:?} ({via}) failed: {}", p.hook, exit.describe()),
        };
        let level = if exit.success() { "INFO" } else { "ERROR" };
        self.hook_ended(&src, level, &end_msg);
        if exit.success() {
            self.commit(&ctx)?;
            self.apply_local(&unit, &op, observed);
        } else {
            let now = self.model.clock_ms;
            let u = &mut self.model.units[index];
            u.error_hook = Some(p.hook.clone());
            u.set_status(Status::juju(
                "error",
                &format!("hook failed: {:?}", p.hook),
                now,
            ));
            self.failed_ops.insert(unit, op);
        }
        self.gc_relations();
        self.tick_leases();
        Ok(())
    }

    /// Applies a successful hook's buffered writes.
    pub(super) fn commit(&mut self, ctx: &HookContext) -> Result<(), SimError> {
        for ((rid, owner), writes) in &ctx.relation_writes {
            let Some(rel) = self.model.relation_mut(*rid) else {
                continue;
            };
            let bag = match owner {
                BagOwner::Unit(u) => rel.units.entry(u.clone()).or_default(),
                BagOwner::App(a) => rel.apps.entry(a.clone()).or_default(),
            };
            bag.apply(writes);
        }
        if let Some(u) = self.model.unit_mut(&ctx.unit) {
            for (k, v) in &ctx.state_writes {
                match v {
                    Some(v) => {
                        u.state.insert(k.clone(), v.clone());
                    }
                    None => {
                        u.state.remove(k);
                    }
                }
            }
            for (open, port) in &ctx.port_writes {
                if *open {
                    u.ports.insert(port.clone());
                } else {
                    u.ports.remove(port);
                }
            }
        }
        if let Some(spec) = &ctx.pod_spec {
            self.apply_pod_spec(&ctx.app, &ctx.unit, spec)?;
        }
        Ok(())
    }

    /// Updates the uniter's local state after `op` succeeded (or was resolved).
    pub(super) fn apply_local(&mut self, unit: &str, op: &Op, observed: u64) {
        let now = self.model.clock_ms;
        let Some(u) = self.model.unit_mut(unit) else {
            return;
        };
        let mut scope_change: Option<(bool, u32)> = None;
        match op {
            Op::Install => u.uniter.installed = true,
            Op::Start => {
                u.uniter.started = true;
                u.uniter.installed = true;
                if !u.status_history.iter().any(|s| s.set_by == "charm") {
                    u.set_status(Status::juju("unknown", "", now));
                }
            }
            Op::LeaderElected => {
                u.uniter.leader = true;
                u.uniter.leader_settings_seen = Some(observed);
            }
            Op::LeaderSettingsChanged => u.uniter.leader_settings_seen = Some(observed),
            Op::ConfigChanged => u.uniter.config_seen = Some(observed),
            Op::Stop => {
                u.uniter.stopped = true;
                u.set_status(Status::juju("terminated", "", now));
            }
            Op::Remove => u.uniter.remove_ran = true,
            Op::UpdateStatus => u.uniter.update_status_due = false,
            Op::Resign => u.uniter.leader = false,
            Op::RelationCreated(rid) | Op::EnterScope(rid) => {
                u.uniter.relations.entry(*rid).or_default().created = true;
                scope_change = Some((true, *rid));
            }
            Op::RelationJoined(rid, x) => {
                let rl = u.uniter.relations.entry(*rid).or_default();
                rl.members.insert(x.clone(), None);
            }
            Op::RelationChanged(rid, Some(x)) => {
                let rl = u.uniter.relations.entry(*rid).or_default();
                if rl.members.contains_key(x) {
                    rl.members.insert(x.clone(), Some(observed));
                }
            }
            Op::RelationChanged(rid, None) => {
                u.uniter.relations.entry(*rid).or_default().app_seen = observed;
            }
            Op::RelationDeparted(rid, x) => {
                u.uniter
                    .relations
                    .entry(*rid)
                    .or_default()
                    .members
                    .remove(x);
            }
            Op::RelationBroken(rid) | Op::DropRelation(rid) => {
                u.uniter.relations.entry(*rid).or_default().broken = true;
                scope_change = Some((false, *rid));
            }
            Op::Die => {}
        }
        match scope_change {
            Some((true, rid)) => self.enter_scope(unit, rid),
            Some((false, rid)) => self.leave_scope(unit, rid),
            None => {}
        }
        if *op == Op::Die {
            self.die(unit);
        }
    }

    fn enter_scope(&mut self, unit: &str, rid: u32) {
        let address = self
            .model
            .unit(unit)
            .map(|u| u.address.clone())
            .unwrap_or_default();
        // Juju 4.0 no longer writes the legacy `private-address`.
        let private = !self.model.juju_version.is_4x();
        if let Some(rel) = self.model.relation_mut(rid) {
            rel.scope.insert(unit.to_string());
            rel.units.entry(unit.to_string()).or_insert_with(|| {
                let mut data = BTreeMap::from([
                    ("ingress-address".to_string(), address.clone()),
                    ("egress-subnets".to_string(), format!("{address}/32")),
                ]);
                if private {
                    data.insert("private-address".to_string(), address.clone());
                }
                Bag { data, version: 0 }
            });
        }
    }

    fn leave_scope(&mut self, unit: &str, rid: u32) {
        if let Some(rel) = self.model.relation_mut(rid) {
            rel.scope.remove(unit);
        }
    }

    /// The unit is dead: it leaves every scope and its agent (and, unless
    /// leases are stale, its leadership tracker) stops.
    fn die(&mut self, unit: &str) {
        let rids: Vec<u32> = self.model.relations.iter().map(|r| r.id).collect();
        for rid in rids {
            self.leave_scope(unit, rid);
        }
        let stale = self.stale_leases();
        self.tick_leases();
        if let Some(u) = self.model.unit_mut(unit) {
            u.life = Life::Dead;
            u.removed = true;
            u.has_pod = false;
            if !stale {
                u.tracker_running = false;
            }
        }
        let msg = if stale {
            format!("unit {unit:?} removed; its leadership tracker keeps running (stale lease, Juju < 2.6)")
        } else {
            format!("unit {unit:?} removed")
        };
        self.log_unit(unit, "INFO", "juju.worker.uniter", &msg);
    }
}
