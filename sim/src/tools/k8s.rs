//! `pod-spec-set`/`k8s-spec-set` and the controller-side charm state tools.

use std::collections::BTreeMap;

use charm_reactive::juju::limits::check_state_entry;
use serde_json::Value;

use super::args::Parsed;
use super::output::Format;
use super::{check_extra, Step, ToolEnv, ToolError, ToolResult};
use crate::hookctx::PendingSpec;
use crate::timeline::Kind;

impl ToolEnv<'_> {
    /// `kind` is `pod` or `k8s`: the word Juju uses in its messages.
    pub(super) fn spec_set(&mut self, p: &Parsed, kind: &str) -> ToolResult {
        check_extra(&p.positional, 0)?;
        if let Some(res) = p.value("k8s-resources") {
            self.read_file_arg(res)?;
        }
        let text = match self.read_file_arg(p.value("file").unwrap_or("-"))? {
            Some(t) => t,
            None => return Ok(Step::NeedsStdin),
        };
        if text.trim().is_empty() {
            return Err(ToolError::Run(format!(
                "no {kind} spec specified: pipe {kind} spec to command, or specify a file with --file"
            )));
        }
        let parsed: Value = serde_saphyr::from_str(&text)
            .map_err(|e| ToolError::Run(format!("invalid {kind} spec: {e}")))?;
        if !parsed.is_object() {
            return Err(ToolError::Run(format!("invalid {kind} spec: not a map")));
        }
        let leader = self.is_leader();
        if !leader {
            let strict = self.model.juju_version.pod_spec_leader_only();
            let level = if strict { "ERROR" } else { "WARNING" };
            let msg = format!(
                "{} is not the leader but is setting application {kind} spec",
                self.ctx.unit
            );
            self.emit(level, "juju.worker.uniter.context", Kind::Controller, &msg);
            if strict {
                return Err(ToolError::Run("this unit is not the leader".into()));
            }
        }
        self.ctx.pod_spec = Some(PendingSpec {
            text,
            value: parsed,
            by_non_leader: !leader,
        });
        Ok(Step::Out(String::new()))
    }

    fn state_view(&self) -> BTreeMap<String, String> {
        let mut s = self
            .model
            .unit(&self.ctx.unit)
            .map(|u| u.state.clone())
            .unwrap_or_default();
        for (k, v) in &self.ctx.state_writes {
            match v {
                Some(v) => {
                    s.insert(k.clone(), v.clone());
                }
                None => {
                    s.remove(k);
                }
            }
        }
        s
    }

    pub(super) fn state_get(&mut self, p: &Parsed) -> ToolResult {
        check_extra(&p.positional, 1)?;
        let state = self.state_view();
        match p.positional.first().map(String::as_str) {
            None | Some("-") => {
                let v = Value::Object(
                    state
                        .into_iter()
                        .map(|(k, v)| (k, Value::String(v)))
                        .collect(),
                );
                self.output(p, Format::Smart, &v)
            }
            Some(k) => match state.get(k) {
                Some(v) => self.output(p, Format::Smart, &Value::String(v.clone())),
                None if p.flag("strict") => Err(ToolError::Run(format!("{k:?} not found"))),
                None => self.output(p, Format::Smart, &Value::Null),
            },
        }
    }

    pub(super) fn state_set(&mut self, p: &Parsed) -> ToolResult {
        let Some(writes) = self.settings_arg(p)? else {
            return Ok(Step::NeedsStdin);
        };
        for (k, v) in &writes {
            check_state_entry(k, v.as_deref().unwrap_or_default())
                .map_err(|e| ToolError::Run(e.to_string()))?;
        }
        for (k, v) in writes {
            let v = v.filter(|v| !v.is_empty());
            self.ctx.state_writes.insert(k, v);
        }
        Ok(Step::Out(String::new()))
    }

    pub(super) fn state_delete(&mut self, p: &Parsed) -> ToolResult {
        let Some(k) = p.positional.first() else {
            return Err(ToolError::Usage("no key specified".into()));
        };
        check_extra(&p.positional, 1)?;
        self.ctx.state_writes.insert(k.clone(), None);
        Ok(Step::Out(String::new()))
    }
}
