//! Running an action on a unit (`juju run-action`): the action's executable
//! runs in a hook context with `action-get/-set/-fail/-log`; its other writes
//! commit only when it exits 0.

use std::collections::BTreeMap;

use serde_json::Value;

use super::run::{Prepared, Serving};
use super::{Controller, SimError};
use crate::hookctx::HookContext;
use crate::model::ActionRun;
use crate::runner::HookProcess;
use crate::timeline::{Kind, Source};

impl Controller {
    /// Runs action `name` on `unit` with `params`; returns the run's record.
    /// An action the unit's charm does not declare is refused
    /// ([`SimError::Refused`]), as `juju run-action` refuses it.
    pub fn run_action(
        &mut self,
        unit: &str,
        name: &str,
        params: BTreeMap<String, Value>,
    ) -> Result<ActionRun, SimError> {
        let u = self
            .model
            .unit(unit)
            .filter(|u| !u.removed)
            .ok_or_else(|| SimError::UnknownUnit(unit.into()))?;
        let (app, charm_dir) = (u.app.clone(), u.charm_dir.clone());
        if let Some(charm) = self.model.applications.get(&app).map(|a| &a.charm) {
            // Juju checks the name against the charm's actions.yaml before
            // queueing anything (state.Unit.AddAction), and says so.
            if charm.actions.is_empty() {
                return Err(SimError::Refused(format!(
                    "no actions defined on charm {:?}",
                    charm.metadata.name
                )));
            }
            if !charm.actions.contains(name) {
                return Err(SimError::Refused(format!(
                    "action {name:?} not defined on unit {unit:?}"
                )));
            }
        }
        self.seq += 1;
        let id = format!(
            "{:08x}-0000-4000-8000-{:012x}",
            self.seq,
            self.model.actions.len()
        );
        let mut action = ActionRun {
            id: id.clone(),
            unit: unit.into(),
            name: name.into(),
            params,
            results: BTreeMap::new(),
            status: "running".into(),
            message: String::new(),
            log: Vec::new(),
        };
        let dispatch = charm_dir.join("dispatch");
        let program = if self.model.juju_version.dispatch() && dispatch.exists() {
            Some(dispatch)
        } else {
            Some(charm_dir.join("actions").join(name)).filter(|p| p.exists())
        };
        let src = Source::unit(unit, Some(&format!("action {name}")));
        let Some(program) = program else {
            action.status = "failed".into();
            action.message = format!("action {name:?} not implemented on unit {unit:?}");
            self.timeline.push(
                self.model.clock_ms,
                &src,
                "ERROR",
                "juju.worker.uniter.operation",
                Kind::HookEnd,
                &action.message,
            );
            self.model.actions.push(action.clone());
            return Ok(action);
        };
        let ctx_id = format!("{unit}-{name}-{}", self.seq);
        let p = Prepared::action(name, &id);
        self.timeline.push(
            self.model.clock_ms,
            &src,
            "INFO",
            "juju.worker.uniter.operation",
            Kind::HookStart,
            &format!("running action {name:?}"),
        );
        self.model.clock_ms += 1;
        let mut ctx = HookContext {
            id: ctx_id.clone(),
            unit: unit.into(),
            app,
            hook: format!("action {name}"),
            action: Some(action),
            ..HookContext::default()
        };
        let proc = HookProcess {
            program,
            cwd: charm_dir,
            env: self.hook_env(unit, &ctx_id, &p),
            timeout: self.opts.hook_timeout,
        };
        let exit = {
            let mut serving = Serving {
                model: &mut self.model,
                timeline: &mut self.timeline,
                ctx: &mut ctx,
            };
            self.executor.run(self.seq, &proc, &mut serving)
        };
        let mut action = ctx.action.take().expect("the action stays in its context");
        if exit.success() {
            self.commit(&ctx)?;
            if action.status == "running" {
                action.status = "completed".into();
            }
        } else {
            action.status = "failed".into();
            if action.message.is_empty() {
                action.message = exit.describe();
            }
        }
        let level = if action.status == "completed" {
            "INFO"
        } else {
            "ERROR"
        };
        self.hook_ended(
            &src,
            level,
            format!("ran action {name:?}: {} {}", action.status, action.message).trim_end(),
        );
        self.model.actions.push(action.clone());
        self.gc_relations();
        self.tick_leases();
        Ok(action)
    }
}
