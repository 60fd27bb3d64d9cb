//! `pod-spec-set`/`k8s-spec-set` and the controller-side charm state tools.

use std::collections::BTreeMap;

use serde_json::Value;

use super::args::Parsed;
use super::output::Format;
use super::{
    check_extra, parse_key_values, parse_settings_yaml, Step, ToolEnv, ToolError, ToolResult,
};
use crate::hookctx::PendingSpec;
use crate::timeline::Kind;

/// Juju's per-key and per-value limits for `state-set`.
const MAX_STATE_KEY: usize = 256;
const MAX_STATE_VALUE: usize = 65_536;

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
        let cli = parse_key_values(&p.positional)?;
        let mut writes = match p.value("file") {
            Some(f) => match self.read_file_arg(f)? {
                Some(text) => parse_settings_yaml(&text)?,
                None => return Ok(Step::NeedsStdin),
            },
            None => BTreeMap::new(),
        };
        writes.extend(cli.into_iter().map(|(k, v)| (k, Some(v))));
        for (k, v) in &writes {
            if k.len() > MAX_STATE_KEY {
                return Err(ToolError::Run(format!(
                    "key {k:?} exceeds the max allowed key size of {MAX_STATE_KEY} bytes"
                )));
            }
            if v.as_ref().is_some_and(|v| v.len() > MAX_STATE_VALUE) {
                return Err(ToolError::Run(format!(
                    "value for key {k:?} exceeds the max allowed value size of {MAX_STATE_VALUE} bytes"
                )));
            }
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
