//! Logging, status, config, leadership, version, network and port tools.

use serde_json::{json, Map, Value};

use super::args::Parsed;
use super::output::Format;
use super::{check_extra, parse_key_values, Step, ToolEnv, ToolError, ToolResult};
use crate::model::{Life, Status};
use crate::timeline::Kind;

const STATUSES: [&str; 4] = ["maintenance", "blocked", "waiting", "active"];

fn status_json(s: &Status) -> Value {
    json!({"status": s.status, "message": s.message, "status-data": {}})
}

impl ToolEnv<'_> {
    pub(super) fn juju_log(&mut self, p: &Parsed) -> ToolResult {
        if p.positional.is_empty() {
            return Err(ToolError::Usage("no message specified".into()));
        }
        let mut level = match p.value("l") {
            None => "INFO".to_string(),
            Some(l) => match l.to_ascii_uppercase().as_str() {
                "WARN" | "WARNING" => "WARNING".into(),
                l @ ("TRACE" | "DEBUG" | "INFO" | "ERROR" | "CRITICAL") => l.into(),
                _ => {
                    let module = format!("unit.{}.juju-log", self.ctx.unit);
                    self.emit(
                        "WARNING",
                        &module,
                        Kind::Log,
                        &format!("Specified log level of {l:?} is not valid"),
                    );
                    "INFO".into()
                }
            },
        };
        if p.flag("debug") {
            level = "DEBUG".into();
        }
        let mut msg = p.positional.join(" ");
        if let Some(rid) = self.ctx.relation_id {
            let key = self
                .model
                .relation(rid)
                .map(|r| r.key_for(&self.ctx.app))
                .unwrap_or_default();
            msg = format!("{key}: {msg}");
        }
        let module = format!("unit.{}.juju-log", self.ctx.unit);
        self.emit(&level, &module, Kind::Log, &msg);
        Ok(Step::Out(String::new()))
    }

    pub(super) fn status_set(&mut self, p: &Parsed) -> ToolResult {
        let Some(status) = p.positional.first() else {
            return Err(ToolError::Usage(
                "invalid args, require <status> [message]".into(),
            ));
        };
        if !STATUSES.contains(&status.as_str()) {
            return Err(ToolError::Usage(format!(
                "invalid status {status:?}, expected one of [{}]",
                STATUSES.join(" ")
            )));
        }
        check_extra(&p.positional, 2)?;
        let message = p.positional.get(1).cloned().unwrap_or_default();
        let st = Status {
            status: status.clone(),
            message: message.clone(),
            since_ms: self.model.clock_ms,
            set_by: "charm".into(),
        };
        if p.flag("application") {
            if !self.is_leader() {
                return Err(ToolError::Run("this unit is not the leader".into()));
            }
            if let Some(app) = self.model.applications.get_mut(&self.ctx.app) {
                app.status = Some(st);
            }
            let module = format!("application-{}.status-set", self.ctx.app);
            self.emit(
                "INFO",
                &module,
                Kind::Status,
                &format!("{status}: {message}"),
            );
        } else {
            let unit = self.ctx.unit.clone();
            if let Some(u) = self.model.unit_mut(&unit) {
                u.set_status(st);
            }
            let module = format!("unit.{unit}.status-set");
            self.emit(
                "INFO",
                &module,
                Kind::Status,
                &format!("{status}: {message}"),
            );
        }
        Ok(Step::Out(String::new()))
    }

    pub(super) fn status_get(&mut self, p: &Parsed) -> ToolResult {
        check_extra(&p.positional, 0)?;
        let format = Format::parse(p.value("format"), Format::Smart)?;
        if p.flag("application") {
            if !self.is_leader() {
                return Err(ToolError::Run(
                    "finding application status: this unit is not the leader".into(),
                ));
            }
            let now = self.model.clock_ms;
            let app_status = self
                .model
                .applications
                .get(&self.ctx.app)
                .and_then(|a| a.status.clone())
                .unwrap_or_else(|| Status::juju("unknown", "", now));
            let units: Map<String, Value> = self
                .model
                .app_units(&self.ctx.app)
                .iter()
                .map(|u| (u.name.clone(), status_json(&u.status)))
                .collect();
            let mut inner = status_json(&app_status);
            inner["units"] = Value::Object(units);
            if format == Format::Smart && !p.flag("include-data") {
                return self.output(p, Format::Smart, &Value::String(app_status.status));
            }
            return self.output(p, Format::Smart, &json!({"application-status": inner}));
        }
        let st = self
            .model
            .unit(&self.ctx.unit)
            .map(|u| u.status.clone())
            .ok_or_else(|| ToolError::Run("unit not found".into()))?;
        if format == Format::Smart && !p.flag("include-data") {
            return self.output(p, Format::Smart, &Value::String(st.status));
        }
        self.output(p, Format::Smart, &status_json(&st))
    }

    pub(super) fn config_get(&mut self, p: &Parsed) -> ToolResult {
        check_extra(&p.positional, 1)?;
        let app = self
            .model
            .applications
            .get(&self.ctx.app)
            .ok_or_else(|| ToolError::Run("application not found".into()))?;
        match p.positional.first() {
            Some(key) if p.flag("a") => Err(ToolError::Usage(format!(
                "cannot use argument --all together with key {key:?}"
            ))),
            Some(key) => {
                let cfg = app.effective_config(true);
                let v = cfg.get(key).cloned().unwrap_or(Value::Null);
                self.output(p, Format::Smart, &v)
            }
            None => {
                let cfg = app.effective_config(p.flag("a"));
                let v = Value::Object(cfg.into_iter().collect());
                self.output(p, Format::Smart, &v)
            }
        }
    }

    pub(super) fn is_leader_tool(&mut self, p: &Parsed) -> ToolResult {
        check_extra(&p.positional, 0)?;
        let l = self.is_leader();
        self.output(p, Format::Smart, &Value::Bool(l))
    }

    fn leader_settings(&mut self) -> std::collections::BTreeMap<String, String> {
        if let Some(s) = &self.ctx.leader_settings {
            return s.clone();
        }
        let s = self
            .model
            .applications
            .get(&self.ctx.app)
            .map(|a| a.leader_settings.clone())
            .unwrap_or_default();
        self.ctx.leader_settings = Some(s.clone());
        s
    }

    pub(super) fn leader_get(&mut self, p: &Parsed) -> ToolResult {
        check_extra(&p.positional, 1)?;
        let settings = self.leader_settings();
        match p.positional.first().map(String::as_str) {
            None | Some("-") => {
                let v: Map<String, Value> = settings
                    .into_iter()
                    .map(|(k, v)| (k, Value::String(v)))
                    .collect();
                self.output(p, Format::Smart, &Value::Object(v))
            }
            Some(k) if k.contains('=') => Err(ToolError::Usage(format!("invalid key {k:?}"))),
            Some(k) => {
                let v = settings.get(k).cloned().map_or(Value::Null, Value::String);
                self.output(p, Format::Smart, &v)
            }
        }
    }

    pub(super) fn leader_set(&mut self, p: &Parsed) -> ToolResult {
        let kv = parse_key_values(&p.positional)?;
        if !self.is_leader() {
            return Err(ToolError::Run(
                "cannot write leadership settings: cannot write settings: not the leader".into(),
            ));
        }
        let app = self
            .model
            .applications
            .get_mut(&self.ctx.app)
            .ok_or_else(|| ToolError::Run("application not found".into()))?;
        let before = app.leader_settings.clone();
        for (k, v) in kv {
            if v.is_empty() {
                app.leader_settings.remove(&k);
            } else {
                app.leader_settings.insert(k, v);
            }
        }
        if before != app.leader_settings {
            app.leader_settings_version += 1;
        }
        self.ctx.leader_settings = None;
        Ok(Step::Out(String::new()))
    }

    pub(super) fn application_version_set(&mut self, p: &Parsed) -> ToolResult {
        let Some(v) = p.positional.first() else {
            return Err(ToolError::Usage("no version specified".into()));
        };
        check_extra(&p.positional, 1)?;
        if let Some(app) = self.model.applications.get_mut(&self.ctx.app) {
            app.workload_version = v.clone();
        }
        Ok(Step::Out(String::new()))
    }

    pub(super) fn goal_state(&mut self, p: &Parsed) -> ToolResult {
        check_extra(&p.positional, 0)?;
        let since = crate::timeline::clock(self.model.clock_ms);
        let mut units = Map::new();
        for u in self.model.app_units(&self.ctx.app) {
            let status = match u.life {
                Life::Alive if u.uniter.started => u.status.status.clone(),
                Life::Alive => "waiting".into(),
                _ => "dying".into(),
            };
            units.insert(u.name.clone(), json!({"status": status, "since": since}));
        }
        let mut relations = Map::new();
        for r in self
            .model
            .relations
            .iter()
            .filter(|r| !r.removed && !r.dying)
        {
            let Some(ep) = r.endpoint_of(&self.ctx.app) else {
                continue;
            };
            let Some(remote) = r.remote_app(&self.ctx.app) else {
                continue;
            };
            let entry = relations
                .entry(ep.name.clone())
                .or_insert_with(|| Value::Object(Map::new()));
            if let Value::Object(m) = entry {
                if !r.is_peer() {
                    m.insert(remote.into(), json!({"status": "joined", "since": since}));
                }
                for ru in self.model.app_units(remote) {
                    if ru.name != self.ctx.unit {
                        let st = if ru.life == Life::Alive {
                            "active"
                        } else {
                            "dying"
                        };
                        m.insert(ru.name.clone(), json!({"status": st, "since": since}));
                    }
                }
            }
        }
        let v = json!({"units": units, "relations": relations});
        self.output(p, Format::Yaml, &v)
    }

    fn address(&self) -> String {
        self.model
            .unit(&self.ctx.unit)
            .map(|u| u.address.clone())
            .unwrap_or_default()
    }

    pub(super) fn network_get(&mut self, p: &Parsed) -> ToolResult {
        let Some(binding) = p.positional.first() else {
            return Err(ToolError::Usage("no arguments specified".into()));
        };
        check_extra(&p.positional, 1)?;
        let meta = &self
            .model
            .applications
            .get(&self.ctx.app)
            .ok_or_else(|| ToolError::Run("application not found".into()))?
            .charm
            .metadata;
        if meta.relation(binding).is_none() && !meta.extra_bindings.contains(binding) {
            return Err(ToolError::Run(format!(
                "no network config found for binding {binding:?}"
            )));
        }
        let addr = self.address();
        let subnet = format!("{addr}/32");
        let mut picked = Map::new();
        if p.flag("bind-address") || p.flag("primary-address") {
            picked.insert("bind-address".into(), json!(addr));
        }
        if p.flag("ingress-address") {
            picked.insert("ingress-address".into(), json!(addr));
        }
        if p.flag("egress-subnets") {
            picked.insert("egress-subnets".into(), json!([subnet]));
        }
        let v = match picked.len() {
            0 => json!({
                "bind-addresses": [{
                    "mac-address": "",
                    "interface-name": "eth0",
                    "addresses": [{"hostname": "", "value": addr, "cidr": format!("{addr}/24")}],
                }],
                "egress-subnets": [subnet],
                "ingress-addresses": [addr],
            }),
            1 => picked
                .into_iter()
                .next()
                .map(|(_, v)| v)
                .unwrap_or_default(),
            _ => Value::Object(picked),
        };
        self.output(p, Format::Smart, &v)
    }

    pub(super) fn unit_get(&mut self, p: &Parsed) -> ToolResult {
        let Some(key) = p.positional.first() else {
            return Err(ToolError::Usage("no setting specified".into()));
        };
        check_extra(&p.positional, 1)?;
        match key.as_str() {
            "private-address" | "public-address" => {
                let a = self.address();
                self.output(p, Format::Smart, &Value::String(a))
            }
            other => Err(ToolError::Usage(format!("unknown setting {other:?}"))),
        }
    }

    pub(super) fn port(&mut self, p: &Parsed, open: bool) -> ToolResult {
        let Some(spec) = p.positional.first() else {
            return Err(ToolError::Usage("no port or range specified".into()));
        };
        check_extra(&p.positional, 1)?;
        let normalized = normalize_port(spec).ok_or_else(|| {
            ToolError::Usage(format!(
                "expected <port>[/<protocol>] or <from>-<to>[/<protocol>] or icmp; got {spec:?}"
            ))
        })?;
        self.ctx.port_writes.push((open, normalized));
        Ok(Step::Out(String::new()))
    }

    pub(super) fn opened_ports(&mut self, p: &Parsed) -> ToolResult {
        check_extra(&p.positional, 0)?;
        let ports: Vec<Value> = self
            .model
            .unit(&self.ctx.unit)
            .map(|u| {
                u.ports
                    .iter()
                    .map(|s| {
                        if p.flag("endpoints") {
                            Value::String(format!("{s} (*)"))
                        } else {
                            Value::String(s.clone())
                        }
                    })
                    .collect()
            })
            .unwrap_or_default();
        self.output(p, Format::Smart, &Value::Array(ports))
    }
}

/// `80` → `80/tcp`, `8000-8999/UDP` → `8000-8999/udp`, `icmp`; None when invalid.
fn normalize_port(spec: &str) -> Option<String> {
    if spec == "icmp" {
        return Some(spec.into());
    }
    let (range, proto) = match spec.split_once('/') {
        Some((r, p)) => (r, p.to_ascii_lowercase()),
        None => (spec, "tcp".to_string()),
    };
    if proto != "tcp" && proto != "udp" {
        return None;
    }
    let valid = |s: &str| s.parse::<u16>().is_ok_and(|n| n > 0);
    match range.split_once('-') {
        Some((a, b)) if valid(a) && valid(b) => Some(format!("{a}-{b}/{proto}")),
        None if valid(range) => Some(format!("{range}/{proto}")),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::normalize_port;

    #[test]
    fn ports_normalize() {
        assert_eq!(normalize_port("80").as_deref(), Some("80/tcp"));
        assert_eq!(normalize_port("53/UDP").as_deref(), Some("53/udp"));
        assert_eq!(
            normalize_port("8000-8999").as_deref(),
            Some("8000-8999/tcp")
        );
        assert_eq!(normalize_port("icmp").as_deref(), Some("icmp"));
        assert_eq!(normalize_port("x"), None);
        assert_eq!(normalize_port("80/sctp"), None);
    }
}
