//! The Pebble daemon's state: layers, services (as state: a service is
//! active or inactive, with the configuration it was started with), changes
//! and their tasks, health checks and notices.

use std::collections::BTreeMap;
use std::time::{Duration, SystemTime};

use serde_json::{json, Map, Value};

use super::clock;
use super::plan::{self, Layer};

/// A failed request: HTTP status, Pebble error kind (may be empty) and message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    /// HTTP status.
    pub status: u16,
    /// Pebble's error kind, or "".
    pub kind: &'static str,
    /// The message.
    pub message: String,
}

impl ApiError {
    /// A 400 without a kind.
    pub fn bad_request(message: impl Into<String>) -> ApiError {
        ApiError {
            status: 400,
            kind: "",
            message: message.into(),
        }
    }

    /// A 404 of kind `not-found`.
    pub fn not_found(message: impl Into<String>) -> ApiError {
        ApiError {
            status: 404,
            kind: "not-found",
            message: message.into(),
        }
    }
}

#[derive(Debug, Clone)]
struct Service {
    active: bool,
    since: String,
    started_with: Option<Value>,
}

/// One task of a change.
#[derive(Debug, Clone)]
pub struct Task {
    id: String,
    kind: String,
    summary: String,
    status: &'static str,
    spawn: String,
    ready: Option<String>,
    data: Map<String, Value>,
}

/// A change.
#[derive(Debug, Clone)]
pub struct Change {
    id: String,
    kind: String,
    summary: String,
    err: Option<String>,
    spawn: String,
    ready: Option<String>,
    tasks: Vec<Task>,
}

impl Change {
    /// Whether it finished.
    pub fn is_ready(&self) -> bool {
        self.ready.is_some()
    }

    fn status(&self) -> &'static str {
        match (&self.ready, &self.err) {
            (None, _) => "Doing",
            (Some(_), Some(_)) => "Error",
            (Some(_), None) => "Done",
        }
    }

    /// The change as the API shows it.
    pub fn to_json(&self) -> Value {
        let tasks: Vec<Value> = self
            .tasks
            .iter()
            .map(|t| {
                let mut v = json!({
                    "id": t.id, "kind": t.kind, "summary": t.summary, "status": t.status,
                    "progress": {"label": "", "done": 1, "total": 1},
                    "spawn-time": t.spawn,
                });
                if let Some(r) = &t.ready {
                    v["ready-time"] = json!(r);
                }
                if !t.data.is_empty() {
                    v["data"] = Value::Object(t.data.clone());
                }
                v
            })
            .collect();
        let mut v = json!({
            "id": self.id, "kind": self.kind, "summary": self.summary,
            "status": self.status(), "tasks": tasks, "ready": self.is_ready(),
            "spawn-time": self.spawn,
        });
        if let Some(e) = &self.err {
            v["err"] = json!(e);
        }
        if let Some(r) = &self.ready {
            v["ready-time"] = json!(r);
        }
        v
    }
}

#[derive(Debug, Clone)]
struct Check {
    active: bool,
    failures: u64,
    successes: u64,
    change_id: Option<String>,
}

#[derive(Debug, Clone)]
struct Notice {
    id: String,
    user_id: Option<u32>,
    notice_type: String,
    key: String,
    first: String,
    last: String,
    last_repeated: String,
    last_repeated_at: SystemTime,
    occurrences: u64,
    data: Map<String, Value>,
    repeat_after: Option<Duration>,
}

impl Notice {
    fn to_json(&self) -> Value {
        let mut v = json!({
            "id": self.id, "user-id": self.user_id, "type": self.notice_type, "key": self.key,
            "first-occurred": self.first, "last-occurred": self.last,
            "last-repeated": self.last_repeated, "occurrences": self.occurrences,
            "expire-after": clock::go_duration(Duration::from_secs(7 * 24 * 3600)),
        });
        if !self.data.is_empty() {
            v["last-data"] = Value::Object(self.data.clone());
        }
        if let Some(r) = self.repeat_after {
            v["repeat-after"] = json!(clock::go_duration(r));
        }
        v
    }
}

/// What a scenario step did to a check: whether its status flipped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CheckTransition {
    /// It went from up to down (Juju runs `<container>-pebble-check-failed`).
    Failed,
    /// It went from down to up (`<container>-pebble-check-recovered`).
    Recovered,
    /// No change.
    Same,
}

/// The daemon's state.
#[derive(Debug, Default)]
pub struct State {
    layers: Vec<Layer>,
    services: BTreeMap<String, Service>,
    changes: Vec<Change>,
    checks: BTreeMap<String, Check>,
    notices: Vec<Notice>,
    next_id: u64,
}

/// How a services action names its change: `Start service "a" and 2 more`.
fn summary(action: &str, names: &[String]) -> String {
    let title = format!("{}{}", action[..1].to_uppercase(), &action[1..]);
    match names {
        [] => format!("{title} - no services"),
        [one] => format!("{title} service {one:?}"),
        [first, rest @ ..] => format!("{title} service {first:?} and {} more", rest.len()),
    }
}

impl State {
    fn next(&mut self) -> String {
        self.next_id += 1;
        self.next_id.to_string()
    }

    /// The combined plan.
    pub fn plan(&self) -> Map<String, Value> {
        plan::plan(&self.layers).unwrap_or_default()
    }

    /// `POST /v1/layers` with action `add`.
    pub fn add_layer(&mut self, label: &str, yaml: &str, combine: bool) -> Result<(), ApiError> {
        if label.is_empty() {
            return Err(ApiError::bad_request("label must be set"));
        }
        let layer = plan::parse_layer(label, yaml).map_err(ApiError::bad_request)?;
        let mut layers = self.layers.clone();
        match layers.iter_mut().find(|l| l.label == label) {
            Some(existing) if combine => plan::combine(&mut existing.content, &layer.content),
            Some(_) => {
                return Err(ApiError::bad_request(format!(
                    "layer {label:?} already exists"
                )))
            }
            None => layers.push(layer),
        }
        plan::plan(&layers).map_err(ApiError::bad_request)?;
        self.layers = layers;
        self.activate_checks();
        Ok(())
    }

    /// Startup-enabled checks run as soon as the plan has them.
    fn activate_checks(&mut self) {
        let plan = self.plan();
        let wanted: Vec<(String, bool)> = plan::entries(&plan, "checks")
            .into_iter()
            .map(|(n, c)| {
                let enabled = c.get("startup").and_then(Value::as_str) != Some("disabled");
                (n.clone(), enabled)
            })
            .collect();
        for (name, enabled) in wanted {
            if self.checks.contains_key(&name) {
                continue;
            }
            let change_id = if enabled {
                Some(self.perform_check_change(&name))
            } else {
                None
            };
            self.checks.insert(
                name,
                Check {
                    active: enabled,
                    failures: 0,
                    successes: 0,
                    change_id,
                },
            );
        }
    }

    fn perform_check_change(&mut self, name: &str) -> String {
        let id = self.next();
        let task = self.next();
        let now = clock::now();
        let summary = format!("Perform HTTP check {name:?}");
        self.changes.push(Change {
            id: id.clone(),
            kind: "perform-check".into(),
            summary: summary.clone(),
            err: None,
            spawn: now.clone(),
            ready: None,
            tasks: vec![Task {
                id: task,
                kind: "perform-check".into(),
                summary,
                status: "Doing",
                spawn: now,
                ready: None,
                data: Map::new(),
            }],
        });
        id
    }

    /// `GET /v1/services`.
    pub fn services(&self, names: &[String]) -> Vec<Value> {
        let plan = self.plan();
        plan::entries(&plan, "services")
            .into_iter()
            .filter(|(n, _)| names.is_empty() || names.contains(n))
            .map(|(name, svc)| {
                let startup = match svc.get("startup").and_then(Value::as_str) {
                    Some("enabled") => "enabled",
                    _ => "disabled",
                };
                let state = self.services.get(name.as_str());
                let mut v = json!({
                    "name": name, "startup": startup,
                    "current": if state.is_some_and(|s| s.active) { "active" } else { "inactive" },
                });
                if let Some(s) = state {
                    v["current-since"] = json!(s.since);
                }
                v
            })
            .collect()
    }

    /// `POST /v1/services`: runs the action to completion and returns its change id.
    pub fn services_action(&mut self, action: &str, names: &[String]) -> Result<String, ApiError> {
        let plan = self.plan();
        let configs: BTreeMap<String, Value> = plan::entries(&plan, "services")
            .into_iter()
            .map(|(n, v)| (n.clone(), v.clone()))
            .collect();
        let enabled: Vec<String> = configs
            .iter()
            .filter(|(_, v)| v.get("startup").and_then(Value::as_str) == Some("enabled"))
            .map(|(n, _)| n.clone())
            .collect();
        let (stops, starts): (Vec<String>, Vec<String>) = match action {
            "replan" | "autostart" if !names.is_empty() => {
                return Err(ApiError::bad_request(format!(
                    "{action} accepts no service names"
                )))
            }
            "autostart" if enabled.is_empty() => {
                return Err(ApiError {
                    status: 400,
                    kind: "no-default-services",
                    message: "no default services".into(),
                })
            }
            "autostart" => (vec![], self.inactive(&enabled)),
            "replan" => {
                let changed: Vec<String> = configs
                    .iter()
                    .filter(|(n, cfg)| {
                        self.services
                            .get(n.as_str())
                            .is_some_and(|s| s.active && s.started_with.as_ref() != Some(*cfg))
                    })
                    .map(|(n, _)| n.clone())
                    .collect();
                let mut starts = changed.clone();
                for n in self.inactive(&enabled) {
                    if !starts.contains(&n) {
                        starts.push(n);
                    }
                }
                starts.sort();
                (changed, starts)
            }
            "start" | "stop" | "restart" if names.is_empty() => {
                return Err(ApiError::bad_request(format!(
                    "must specify services for {action} action"
                )))
            }
            "start" | "stop" | "restart" => {
                if let Some(missing) = names.iter().find(|n| !configs.contains_key(*n)) {
                    return Err(ApiError::bad_request(format!(
                        "cannot {action} services: service {missing:?} does not exist"
                    )));
                }
                let active: Vec<String> = names
                    .iter()
                    .filter(|n| self.services.get(n.as_str()).is_some_and(|s| s.active))
                    .cloned()
                    .collect();
                match action {
                    "start" => (vec![], self.inactive(names)),
                    "stop" => (active, vec![]),
                    _ => (active, names.to_vec()),
                }
            }
            other => return Err(ApiError::bad_request(format!("invalid action {other:?}"))),
        };
        let now = clock::now();
        let mut tasks = Vec::new();
        for name in &stops {
            self.services.insert(
                name.clone(),
                Service {
                    active: false,
                    since: now.clone(),
                    started_with: None,
                },
            );
            tasks.push((format!("Stop service {name:?}"), "stop"));
        }
        for name in &starts {
            self.services.insert(
                name.clone(),
                Service {
                    active: true,
                    since: now.clone(),
                    started_with: configs.get(name).cloned(),
                },
            );
            tasks.push((format!("Start service {name:?}"), "start"));
        }
        let mut affected: Vec<String> = stops.iter().chain(&starts).cloned().collect();
        affected.sort();
        affected.dedup();
        let summary = match action {
            "replan" | "autostart" => summary(action, &affected),
            _ => summary(action, names),
        };
        let id = self.next();
        let tasks = tasks
            .into_iter()
            .map(|(summary, kind)| Task {
                id: self.next(),
                kind: kind.into(),
                summary,
                status: "Done",
                spawn: now.clone(),
                ready: Some(now.clone()),
                data: Map::new(),
            })
            .collect();
        self.changes.push(Change {
            id: id.clone(),
            kind: action.into(),
            summary,
            err: None,
            spawn: now.clone(),
            ready: Some(now),
            tasks,
        });
        Ok(id)
    }

    fn inactive(&self, names: &[String]) -> Vec<String> {
        names
            .iter()
            .filter(|n| !self.services.get(n.as_str()).is_some_and(|s| s.active))
            .cloned()
            .collect()
    }

    /// Whether a service is running.
    pub fn is_active(&self, name: &str) -> bool {
        self.services.get(name).is_some_and(|s| s.active)
    }

    /// A change by id.
    pub fn change(&self, id: &str) -> Option<&Change> {
        self.changes.iter().find(|c| c.id == id)
    }

    /// `GET /v1/changes?select=`.
    pub fn changes(&self, select: &str) -> Result<Vec<Value>, ApiError> {
        let keep: fn(&Change) -> bool = match select {
            "all" => |_| true,
            "in-progress" | "" => |c| !c.is_ready(),
            "ready" => |c| c.is_ready(),
            _ => {
                return Err(ApiError::bad_request(
                    "select should be one of: all,in-progress,ready",
                ))
            }
        };
        Ok(self
            .changes
            .iter()
            .filter(|c| keep(c))
            .map(Change::to_json)
            .collect())
    }

    /// A new exec change (running); returns (change id, task id).
    pub fn exec_change(&mut self, command: &str) -> (String, String) {
        let id = self.next();
        let task = self.next();
        let now = clock::now();
        let summary = format!("Execute command {command:?}");
        self.changes.push(Change {
            id: id.clone(),
            kind: "exec".into(),
            summary: summary.clone(),
            err: None,
            spawn: now.clone(),
            ready: None,
            tasks: vec![Task {
                id: task.clone(),
                kind: "exec".into(),
                summary,
                status: "Doing",
                spawn: now,
                ready: None,
                data: Map::new(),
            }],
        });
        (id, task)
    }

    /// Finishes an exec change with its exit code, or an error (a timeout).
    pub fn finish_exec(&mut self, change_id: &str, exit_code: i64, err: Option<String>) {
        let now = clock::now();
        if let Some(c) = self.changes.iter_mut().find(|c| c.id == change_id) {
            for t in &mut c.tasks {
                t.status = if err.is_some() { "Error" } else { "Done" };
                t.ready = Some(now.clone());
                t.data.insert("exit-code".into(), json!(exit_code));
            }
            c.err = err.map(|e| {
                let summary = c
                    .tasks
                    .first()
                    .map(|t| t.summary.clone())
                    .unwrap_or_default();
                format!("cannot perform the following tasks:\n- {summary} ({e})")
            });
            c.ready = Some(now);
        }
    }

    /// `GET /v1/checks`.
    pub fn checks(&self, level: Option<&str>, names: &[String]) -> Vec<Value> {
        let plan = self.plan();
        plan::entries(&plan, "checks")
            .into_iter()
            .filter(|(n, _)| names.is_empty() || names.contains(n))
            .filter(|(_, c)| level.is_none() || c.get("level").and_then(Value::as_str) == level)
            .map(|(name, cfg)| {
                let threshold = cfg.get("threshold").and_then(Value::as_u64).unwrap_or(3);
                let st = self.checks.get(name.as_str());
                let active = st.is_some_and(|c| c.active);
                let failures = st.map(|c| c.failures).unwrap_or(0);
                let status = if !active {
                    "inactive"
                } else if failures >= threshold {
                    "down"
                } else {
                    "up"
                };
                let mut v = json!({
                    "name": name,
                    "startup": cfg.get("startup").and_then(Value::as_str).unwrap_or("enabled"),
                    "status": status,
                    "failures": failures,
                    "threshold": threshold,
                    "successes": st.map(|c| c.successes).unwrap_or(0),
                });
                if let Some(l) = cfg.get("level").and_then(Value::as_str) {
                    v["level"] = json!(l);
                }
                if let Some(id) = st.and_then(|c| c.change_id.clone()) {
                    v["change-id"] = json!(id);
                }
                v
            })
            .collect()
    }

    /// `POST /v1/checks` start/stop: the names whose state changed.
    pub fn checks_action(
        &mut self,
        action: &str,
        names: &[String],
    ) -> Result<Vec<String>, ApiError> {
        if action != "start" && action != "stop" {
            return Err(ApiError::bad_request(format!("invalid action {action:?}")));
        }
        if names.is_empty() {
            return Err(ApiError::bad_request(format!(
                "must specify checks for {action} action"
            )));
        }
        let plan = self.plan();
        let known: Vec<&String> = plan::entries(&plan, "checks")
            .into_iter()
            .map(|(n, _)| n)
            .collect();
        if let Some(missing) = names.iter().find(|n| !known.contains(n)) {
            return Err(ApiError::bad_request(format!(
                "cannot {action} checks: cannot find check {missing:?}"
            )));
        }
        let mut changed = Vec::new();
        for name in names {
            let active = self.checks.get(name).is_some_and(|c| c.active);
            if (action == "start") == active {
                continue;
            }
            let change_id = (action == "start").then(|| self.perform_check_change(name));
            self.checks.insert(
                name.clone(),
                Check {
                    active: action == "start",
                    failures: 0,
                    successes: 0,
                    change_id,
                },
            );
            changed.push(name.clone());
        }
        Ok(changed)
    }

    /// A scenario step: the check `name` fails (`up == false`: to its
    /// threshold, so it is down) or passes again.
    pub fn set_check(&mut self, name: &str, up: bool) -> Result<CheckTransition, String> {
        let plan = self.plan();
        let cfg = plan::entries(&plan, "checks")
            .into_iter()
            .find(|(n, _)| n.as_str() == name)
            .map(|(_, c)| c.clone())
            .ok_or_else(|| format!("no check {name:?} in the plan"))?;
        let threshold = cfg.get("threshold").and_then(Value::as_u64).unwrap_or(3);
        let check = self
            .checks
            .get_mut(name)
            .filter(|c| c.active)
            .ok_or_else(|| format!("check {name:?} is not running"))?;
        let was_down = check.failures >= threshold;
        if up {
            check.failures = 0;
            check.successes += 1;
        } else {
            check.failures = threshold;
            check.successes = 0;
        }
        Ok(match (was_down, up) {
            (false, false) => CheckTransition::Failed,
            (true, true) => CheckTransition::Recovered,
            _ => CheckTransition::Same,
        })
    }

    /// Records a custom notice; returns its id (an existing key's id, with one more occurrence).
    pub fn notify(
        &mut self,
        notice_type: &str,
        key: &str,
        data: Map<String, Value>,
        repeat_after: Option<Duration>,
        user_id: Option<u32>,
    ) -> Result<String, ApiError> {
        if notice_type != "custom" {
            return Err(ApiError::bad_request(format!(
                "invalid type {notice_type:?}; can only add \"custom\" notices"
            )));
        }
        if !valid_custom_key(key) {
            return Err(ApiError::bad_request(format!(
                "invalid key {key:?}: must be in \"example.com/path\" format"
            )));
        }
        let now_t = SystemTime::now();
        let now = clock::format(now_t);
        if let Some(n) = self
            .notices
            .iter_mut()
            .find(|n| n.notice_type == notice_type && n.key == key && n.user_id == user_id)
        {
            n.occurrences += 1;
            n.last = now.clone();
            n.data = data;
            n.repeat_after = repeat_after;
            let elapsed = now_t.duration_since(n.last_repeated_at).unwrap_or_default();
            if repeat_after.is_none_or(|r| elapsed >= r) {
                n.last_repeated = now;
                n.last_repeated_at = now_t;
            }
            return Ok(n.id.clone());
        }
        let id = self.next();
        self.notices.push(Notice {
            id: id.clone(),
            user_id,
            notice_type: notice_type.into(),
            key: key.into(),
            first: now.clone(),
            last: now.clone(),
            last_repeated: now,
            last_repeated_at: now_t,
            occurrences: 1,
            data,
            repeat_after,
        });
        Ok(id)
    }

    /// `GET /v1/notices/{id}`.
    pub fn notice(&self, id: &str) -> Option<Value> {
        self.notices
            .iter()
            .find(|n| n.id == id)
            .map(Notice::to_json)
    }

    /// `GET /v1/notices` with type and key filters.
    pub fn notices(&self, types: &[String], keys: &[String]) -> Vec<Value> {
        let mut found: Vec<&Notice> = self
            .notices
            .iter()
            .filter(|n| types.is_empty() || types.contains(&n.notice_type))
            .filter(|n| keys.is_empty() || keys.contains(&n.key))
            .collect();
        found.sort_by(|a, b| a.last_repeated.cmp(&b.last_repeated));
        found.into_iter().map(Notice::to_json).collect()
    }
}

/// Pebble's custom notice keys: `domain.tld/path`, lower-case words.
fn valid_custom_key(key: &str) -> bool {
    let Some((domain, path)) = key.split_once('/') else {
        return false;
    };
    let word = |s: &str| {
        !s.is_empty()
            && s.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
    };
    domain.contains('.')
        && domain.split('.').all(word)
        && path.split('/').all(|p| {
            !p.is_empty()
                && p.chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '~' | '+'))
        })
}
