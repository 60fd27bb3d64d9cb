//! `relation-ids`, `relation-list`, `relation-get`, `relation-set`.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use super::args::Parsed;
use super::output::Format;
use super::{check_extra, Step, ToolEnv, ToolError, ToolResult};
use crate::hookctx::BagOwner;
use crate::model::{app_of, unit_number};

impl ToolEnv<'_> {
    /// The relation named by `-r`, else the hook's relation.
    fn relation_arg(&self, p: &Parsed) -> Result<Option<u32>, ToolError> {
        let Some(raw) = p.value("r") else {
            return Ok(self.ctx.relation_id);
        };
        let num = raw.rsplit(':').next().unwrap_or(raw);
        let id: u32 = num.trim().parse().map_err(|_| {
            ToolError::Usage(format!(
                "invalid value {raw:?} for option -r: invalid relation id"
            ))
        })?;
        let known = self
            .model
            .relation(id)
            .is_some_and(|r| !r.removed && r.endpoint_of(&self.ctx.app).is_some());
        if known {
            Ok(Some(id))
        } else {
            Err(ToolError::Usage(format!(
                "invalid value {raw:?} for option -r: relation not found"
            )))
        }
    }

    fn required_relation(&self, p: &Parsed) -> Result<u32, ToolError> {
        self.relation_arg(p)?
            .ok_or_else(|| ToolError::Usage("no relation id specified".into()))
    }

    pub(super) fn relation_ids(&mut self, p: &Parsed) -> ToolResult {
        check_extra(&p.positional, 1)?;
        let endpoint = match p.positional.first() {
            Some(e) => e.clone(),
            None => self
                .ctx
                .relation_id
                .and_then(|id| self.model.relation(id))
                .and_then(|r| r.endpoint_of(&self.ctx.app))
                .map(|e| e.name.clone())
                .ok_or_else(|| ToolError::Usage("no relation name specified".into()))?,
        };
        let unit = self.model.unit(&self.ctx.unit);
        let ids: Vec<Value> = self
            .model
            .relations_of(&self.ctx.app, &endpoint)
            .filter(|r| {
                let local = unit.and_then(|u| u.uniter.relations.get(&r.id));
                let broken = local.is_some_and(|l| l.broken);
                let created = local.is_some_and(|l| l.created);
                !broken && (!r.dying || created)
            })
            .map(|r| Value::String(r.key_for(&self.ctx.app)))
            .collect();
        self.output(p, Format::Smart, &Value::Array(ids))
    }

    /// Remote units of `rid` as the running hook sees them.
    fn members(&self, rid: u32) -> Vec<String> {
        if Some(rid) == self.ctx.relation_id {
            if let Some(m) = &self.ctx.hook_members {
                return m.clone();
            }
        }
        let mut v: Vec<String> = self
            .model
            .unit(&self.ctx.unit)
            .and_then(|u| u.uniter.relations.get(&rid))
            .map(|l| l.members.keys().cloned().collect())
            .unwrap_or_default();
        v.sort_by_key(|u| unit_number(u));
        v
    }

    pub(super) fn relation_list(&mut self, p: &Parsed) -> ToolResult {
        check_extra(&p.positional, 0)?;
        let rid = self.required_relation(p)?;
        if p.flag("app") {
            let remote = self
                .model
                .relation(rid)
                .and_then(|r| r.remote_app(&self.ctx.app))
                .unwrap_or_default()
                .to_string();
            return self.output(p, Format::Smart, &Value::String(remote));
        }
        let members: Vec<Value> = self.members(rid).into_iter().map(Value::String).collect();
        self.output(p, Format::Smart, &Value::Array(members))
    }

    pub(super) fn relation_get(&mut self, p: &Parsed) -> ToolResult {
        check_extra(&p.positional, 2)?;
        let rid = self.required_relation(p)?;
        let key = p.positional.first().filter(|k| *k != "-").cloned();
        let target = match p.positional.get(1) {
            Some(t) => t.clone(),
            None => match (&self.ctx.remote_unit, &self.ctx.remote_app) {
                (Some(u), _) if !p.flag("app") => u.clone(),
                (Some(u), _) => app_of(u).to_string(),
                (None, Some(a)) => a.clone(),
                (None, None) => {
                    return Err(ToolError::Usage("no unit or application specified".into()))
                }
            },
        };
        let as_app = p.flag("app") || !target.contains('/');
        let settings = if as_app {
            self.app_settings(rid, app_of(&target))?
        } else {
            self.unit_settings(rid, &target)?
        };
        let v = match key {
            Some(k) => settings.get(&k).cloned().map_or(Value::Null, Value::String),
            None => Value::Object(
                settings
                    .into_iter()
                    .map(|(k, v)| (k, Value::String(v)))
                    .collect::<Map<String, Value>>(),
            ),
        };
        self.output(p, Format::Smart, &v)
    }

    fn overlay(
        &self,
        rid: u32,
        owner: BagOwner,
        mut base: BTreeMap<String, String>,
    ) -> BTreeMap<String, String> {
        if let Some(w) = self.ctx.relation_writes.get(&(rid, owner)) {
            for (k, v) in w {
                match v {
                    Some(v) if !v.is_empty() => {
                        base.insert(k.clone(), v.clone());
                    }
                    _ => {
                        base.remove(k);
                    }
                }
            }
        }
        base
    }

    fn unit_settings(&self, rid: u32, unit: &str) -> Result<BTreeMap<String, String>, ToolError> {
        let rel = self
            .model
            .relation(rid)
            .ok_or_else(|| ToolError::Run("relation not found".into()))?;
        let committed = rel.units.get(unit).map(|b| b.data.clone());
        if unit == self.ctx.unit {
            let base = committed.unwrap_or_default();
            return Ok(self.overlay(rid, BagOwner::Unit(unit.into()), base));
        }
        committed.ok_or_else(|| {
            ToolError::Run(format!(
                "cannot read settings for unit {unit:?} in relation {:?}: unit {unit:?}: settings not found",
                rel.key_for(&self.ctx.app)
            ))
        })
    }

    fn app_settings(&mut self, rid: u32, app: &str) -> Result<BTreeMap<String, String>, ToolError> {
        let rel = self
            .model
            .relation(rid)
            .ok_or_else(|| ToolError::Run("relation not found".into()))?;
        let committed = rel
            .apps
            .get(app)
            .map(|b| b.data.clone())
            .unwrap_or_default();
        let own = app == self.ctx.app;
        if own && !rel.is_peer() {
            if !self.is_leader() {
                return Err(ToolError::Run("permission denied".into()));
            }
            return Ok(self.overlay(rid, BagOwner::App(app.into()), committed));
        }
        if own {
            return Ok(self.overlay(rid, BagOwner::App(app.into()), committed));
        }
        if rel.endpoint_of(app).is_none() {
            return Err(ToolError::Run(format!(
                "cannot read settings for application {app:?} in relation {:?}: not found",
                rel.key_for(&self.ctx.app)
            )));
        }
        Ok(committed)
    }

    pub(super) fn relation_set(&mut self, p: &Parsed) -> ToolResult {
        let rid = self.required_relation(p)?;
        let Some(writes) = self.settings_arg(p)? else {
            return Ok(Step::NeedsStdin);
        };
        let owner = if p.flag("app") {
            if !self.is_leader() {
                return Err(ToolError::Run("cannot write relation settings".into()));
            }
            BagOwner::App(self.ctx.app.clone())
        } else {
            BagOwner::Unit(self.ctx.unit.clone())
        };
        self.ctx
            .relation_writes
            .entry((rid, owner))
            .or_default()
            .extend(writes);
        Ok(Step::Out(String::new()))
    }
}
