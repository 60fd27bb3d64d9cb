//! `action-get`, `action-set`, `action-fail`, `action-log`.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use super::args::Parsed;
use super::output::Format;
use super::{check_extra, Step, ToolEnv, ToolError, ToolResult};
use crate::model::ActionRun;
use crate::timeline::Kind;

const RESERVED: [&str; 4] = ["stdout", "stdout-encoding", "stderr", "stderr-encoding"];

fn valid_segment(s: &str) -> bool {
    let b = s.as_bytes();
    let ok = |c: &u8| c.is_ascii_lowercase() || c.is_ascii_digit();
    !b.is_empty() && ok(&b[0]) && ok(&b[b.len() - 1]) && b.iter().all(|c| ok(c) || *c == b'-')
}

/// Inserts `value` at the dotted `path` of `map`, making nested maps.
fn insert_nested(map: &mut BTreeMap<String, Value>, path: &[&str], value: Value) {
    let Some((first, rest)) = path.split_first() else {
        return;
    };
    if rest.is_empty() {
        map.insert(first.to_string(), value);
        return;
    }
    let entry = map
        .entry(first.to_string())
        .or_insert_with(|| Value::Object(Map::new()));
    if !entry.is_object() {
        *entry = Value::Object(Map::new());
    }
    if let Value::Object(m) = entry {
        let mut inner: BTreeMap<String, Value> = std::mem::take(m).into_iter().collect();
        insert_nested(&mut inner, rest, value);
        *m = inner.into_iter().collect();
    }
}

impl ToolEnv<'_> {
    fn action(&mut self) -> Result<&mut ActionRun, ToolError> {
        self.ctx
            .action
            .as_mut()
            .ok_or_else(|| ToolError::Run("not running an action".into()))
    }

    pub(super) fn action_get(&mut self, p: &Parsed) -> ToolResult {
        check_extra(&p.positional, 1)?;
        let params = Value::Object(self.action()?.params.clone().into_iter().collect());
        let v = match p.positional.first() {
            None => params,
            Some(path) => path
                .split('.')
                .try_fold(&params, |v, k| v.get(k))
                .cloned()
                .unwrap_or(Value::Null),
        };
        self.output(p, Format::Smart, &v)
    }

    pub(super) fn action_set(&mut self, p: &Parsed) -> ToolResult {
        if p.positional.is_empty() {
            return Err(ToolError::Usage("no key=value pairs specified".into()));
        }
        let mut pairs = Vec::new();
        for arg in &p.positional {
            let Some((key, value)) = arg.split_once('=') else {
                return Err(ToolError::Usage(format!(
                    "argument {arg:?} must be of the form key...=value"
                )));
            };
            let segments: Vec<&str> = key.split('.').collect();
            if !segments.iter().all(|s| valid_segment(s)) {
                return Err(ToolError::Usage(format!(
                    "key {key:?} must start and end with lowercase alphanumeric, and contain only lowercase alphanumeric, hyphens and periods"
                )));
            }
            if RESERVED.contains(&segments[0]) {
                return Err(ToolError::Usage(format!(
                    "cannot set reserved action key {:?}",
                    segments[0]
                )));
            }
            pairs.push((segments, value.to_string()));
        }
        let action = self.action()?;
        for (segments, value) in pairs {
            insert_nested(&mut action.results, &segments, Value::String(value));
        }
        Ok(Step::Out(String::new()))
    }

    pub(super) fn action_fail(&mut self, p: &Parsed) -> ToolResult {
        check_extra(&p.positional, 1)?;
        let message = p.positional.first().cloned().unwrap_or_else(|| {
            "action failed without reason given, check action for errors".into()
        });
        let action = self.action()?;
        action.status = "failed".into();
        action.message = message;
        Ok(Step::Out(String::new()))
    }

    pub(super) fn action_log(&mut self, p: &Parsed) -> ToolResult {
        if p.positional.is_empty() {
            return Err(ToolError::Usage("no message specified".into()));
        }
        let msg = p.positional.join(" ");
        self.action()?.log.push(msg.clone());
        let module = format!("unit.{}.action-log", self.ctx.unit);
        self.emit("INFO", &module, Kind::Log, &msg);
        Ok(Step::Out(String::new()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nested_results_and_key_rules() {
        let mut m = BTreeMap::new();
        insert_nested(&mut m, &["a", "b"], Value::from("1"));
        insert_nested(&mut m, &["a", "c"], Value::from("2"));
        insert_nested(&mut m, &["d"], Value::from("3"));
        assert_eq!(
            serde_json::to_string(&m).unwrap(),
            r#"{"a":{"b":"1","c":"2"},"d":"3"}"#
        );
        assert!(valid_segment("out-put9"));
        assert!(!valid_segment("-x") && !valid_segment("X") && !valid_segment(""));
    }
}
