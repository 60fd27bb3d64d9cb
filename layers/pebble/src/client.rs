//! The client: requests, Pebble's response envelope, and the endpoints that
//! are plain JSON (system info, changes, plan and layers, services, checks,
//! notices). Files and exec live in their own modules.

use std::path::{Path, PathBuf};
use std::time::Duration;

use hyper::Method;
use serde::de::DeserializeOwned;
use serde_json::{json, Value};

use crate::error::{Error, ErrorKind, Result};
use crate::transport::{RawResponse, Transport};
use crate::types::{Change, CheckInfo, Notice, ServiceInfo, SystemInfo};

/// Where Juju mounts a container's Pebble socket in the charm container.
pub fn default_socket(container: &str) -> PathBuf {
    PathBuf::from(format!("/charm/containers/{container}/pebble.socket"))
}

/// How long a request may take before the client gives up (ops' default too).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(5);

/// How long service actions wait for their change by default (ops' default too).
pub const DEFAULT_CHANGE_TIMEOUT: Duration = Duration::from_secs(30);

/// A successful response's parts: the `result`, and the `change` of an async one.
pub(crate) struct Envelope {
    pub result: Value,
    pub change: Option<String>,
}

/// A Pebble API client for one container.
pub struct Client {
    pub(crate) transport: Transport,
}

/// Which notices [`Client::notices`] returns.
#[derive(Debug, Clone, Default)]
pub struct NoticeFilter {
    /// Only these types (`custom`, ...).
    pub types: Vec<String>,
    /// Only these keys.
    pub keys: Vec<String>,
}

impl Client {
    /// A client of the Pebble listening at `socket`.
    pub fn new(socket: impl AsRef<Path>) -> Result<Client> {
        Ok(Client {
            transport: Transport::new(socket.as_ref(), DEFAULT_TIMEOUT)?,
        })
    }

    /// A client of container `name`'s Pebble, at the socket Juju mounts
    /// ([`default_socket`]) unless `CHARM_REACTIVE_PEBBLE_SOCKET_<NAME>` (name
    /// upper-cased, `-` as `_`) overrides it.
    pub fn for_container(name: &str) -> Result<Client> {
        let var = format!(
            "CHARM_REACTIVE_PEBBLE_SOCKET_{}",
            name.to_uppercase().replace('-', "_")
        );
        let socket = std::env::var_os(var)
            .map(PathBuf::from)
            .unwrap_or_else(|| default_socket(name));
        Client::new(socket)
    }

    /// The socket this client talks to.
    pub fn socket(&self) -> &Path {
        self.transport.socket()
    }

    /// Sends a request and unwraps Pebble's envelope: `sync`/`async` answers
    /// give their result, `error` answers become [`Error::Api`].
    pub(crate) fn call(
        &self,
        method: Method,
        path: &str,
        query: &[(&str, String)],
        body: Option<Value>,
        extra: Duration,
    ) -> Result<Envelope> {
        let target = with_query(path, query);
        let (ct, bytes) = match body {
            Some(b) => (
                Some("application/json"),
                serde_json::to_vec(&b).unwrap_or_default(),
            ),
            None => (None, Vec::new()),
        };
        let raw = self.transport.request(
            method.clone(),
            &target,
            ct,
            "application/json",
            bytes,
            extra,
        )?;
        envelope(&format!("{method} {path}"), raw)
    }

    pub(crate) fn get<T: DeserializeOwned>(
        &self,
        path: &str,
        query: &[(&str, String)],
    ) -> Result<T> {
        let env = self.call(Method::GET, path, query, None, Duration::ZERO)?;
        decode(path, env.result)
    }

    pub(crate) fn post(&self, path: &str, body: Value) -> Result<Envelope> {
        self.call(Method::POST, path, &[], Some(body), Duration::ZERO)
    }

    /// `GET /v1/system-info`.
    pub fn system_info(&self) -> Result<SystemInfo> {
        self.get("/v1/system-info", &[])
    }

    /// `GET /v1/changes/{id}`.
    pub fn change(&self, id: &str) -> Result<Change> {
        self.get(&format!("/v1/changes/{id}"), &[])
    }

    /// `GET /v1/changes?select=all|in-progress|ready`.
    pub fn changes(&self, select: &str) -> Result<Vec<Change>> {
        self.get("/v1/changes", &[("select", select.to_string())])
    }

    /// Waits for change `id` to be ready (`GET /v1/changes/{id}/wait`, in
    /// slices shorter than the request timeout) and returns it; its error, if
    /// any, is in [`Change::err`].
    pub fn wait_change(&self, id: &str, timeout: Duration) -> Result<Change> {
        let deadline = std::time::Instant::now() + timeout;
        let slice = self
            .transport
            .timeout()
            .saturating_sub(Duration::from_secs(1))
            .max(Duration::from_secs(1));
        loop {
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            if left.is_zero() {
                return Err(Error::Timeout(format!(
                    "change {id} not ready after {timeout:?}"
                )));
            }
            let this = left.min(slice);
            let query = [("timeout", format!("{:.3}s", this.as_secs_f64()))];
            match self.call(
                Method::GET,
                &format!("/v1/changes/{id}/wait"),
                &query,
                None,
                this,
            ) {
                Ok(env) => return decode("/v1/changes/{id}/wait", env.result),
                Err(Error::Api { code: 504, .. }) => continue,
                Err(e) => return Err(e),
            }
        }
    }

    /// Waits for change `id` and turns a failed change into [`Error::Change`].
    pub(crate) fn wait_ok(&self, id: &str, timeout: Duration) -> Result<Change> {
        let change = self.wait_change(id, timeout)?;
        match &change.err {
            Some(err) => Err(Error::Change {
                change_id: change.id.clone(),
                err: err.clone(),
            }),
            None => Ok(change),
        }
    }

    /// `GET /v1/plan?format=yaml`: the combined plan, as Pebble renders it.
    pub fn plan(&self) -> Result<String> {
        self.get("/v1/plan", &[("format", "yaml".to_string())])
    }

    /// `POST /v1/layers`: adds a YAML layer under `label`. With `combine`, a
    /// layer of the same label is combined with it (each service's
    /// `override: merge|replace` decides how); without, the label must be new.
    pub fn add_layer(&self, label: &str, layer_yaml: &str, combine: bool) -> Result<()> {
        self.post(
            "/v1/layers",
            json!({"action": "add", "combine": combine, "label": label, "format": "yaml", "layer": layer_yaml}),
        )?;
        Ok(())
    }

    /// `GET /v1/services`, all services or only `names`.
    pub fn services(&self, names: &[&str]) -> Result<Vec<ServiceInfo>> {
        let query: Vec<(&str, String)> = if names.is_empty() {
            vec![]
        } else {
            vec![("names", names.join(","))]
        };
        self.get("/v1/services", &query)
    }

    fn services_action(&self, action: &str, services: &[&str]) -> Result<Change> {
        let env = self.post(
            "/v1/services",
            json!({"action": action, "services": services}),
        )?;
        let id = env
            .change
            .ok_or_else(|| Error::Protocol(format!("{action} answered without a change id")))?;
        self.wait_ok(&id, DEFAULT_CHANGE_TIMEOUT)
    }

    /// Starts services and waits for the change.
    pub fn start(&self, services: &[&str]) -> Result<Change> {
        self.services_action("start", services)
    }

    /// Stops services and waits for the change.
    pub fn stop(&self, services: &[&str]) -> Result<Change> {
        self.services_action("stop", services)
    }

    /// Restarts services (starting stopped ones) and waits for the change.
    pub fn restart(&self, services: &[&str]) -> Result<Change> {
        self.services_action("restart", services)
    }

    /// Replan: restarts services whose configuration changed and starts the
    /// startup-enabled ones, and waits for the change.
    pub fn replan(&self) -> Result<Change> {
        self.services_action("replan", &[])
    }

    /// Starts the startup-enabled services and waits for the change.
    pub fn autostart(&self) -> Result<Change> {
        self.services_action("autostart", &[])
    }

    /// `GET /v1/checks`, optionally by level (`alive`/`ready`) and names.
    pub fn checks(&self, level: Option<&str>, names: &[&str]) -> Result<Vec<CheckInfo>> {
        let mut query: Vec<(&str, String)> = Vec::new();
        if let Some(level) = level {
            query.push(("level", level.to_string()));
        }
        for name in names {
            query.push(("names", name.to_string()));
        }
        self.get("/v1/checks", &query)
    }

    fn checks_action(&self, action: &str, checks: &[&str]) -> Result<Vec<String>> {
        let env = self.post("/v1/checks", json!({"action": action, "checks": checks}))?;
        match env.result.get("changed") {
            Some(Value::Null) | None => Ok(vec![]),
            Some(v) => decode("/v1/checks", v.clone()),
        }
    }

    /// Starts checks; returns those that were not running.
    pub fn start_checks(&self, checks: &[&str]) -> Result<Vec<String>> {
        self.checks_action("start", checks)
    }

    /// Stops checks; returns those that were running.
    pub fn stop_checks(&self, checks: &[&str]) -> Result<Vec<String>> {
        self.checks_action("stop", checks)
    }

    /// Records a custom notice (`key` in `example.com/path` form) with `data`;
    /// returns its id. An existing notice of the same key gets one more occurrence.
    pub fn notify(
        &self,
        key: &str,
        data: &[(&str, &str)],
        repeat_after: Option<Duration>,
    ) -> Result<String> {
        let mut body = json!({"action": "add", "type": "custom", "key": key});
        if !data.is_empty() {
            let map: serde_json::Map<String, Value> = data
                .iter()
                .map(|(k, v)| (k.to_string(), Value::String(v.to_string())))
                .collect();
            body["data"] = Value::Object(map);
        }
        if let Some(d) = repeat_after {
            body["repeat-after"] = Value::String(format!("{:.3}s", d.as_secs_f64()));
        }
        let env = self.post("/v1/notices", body)?;
        env.result
            .get("id")
            .and_then(Value::as_str)
            .map(str::to_string)
            .ok_or_else(|| Error::Protocol("notice added without an id".into()))
    }

    /// `GET /v1/notices/{id}`.
    pub fn notice(&self, id: &str) -> Result<Notice> {
        self.get(&format!("/v1/notices/{id}"), &[])
    }

    /// `GET /v1/notices` with filters.
    pub fn notices(&self, filter: &NoticeFilter) -> Result<Vec<Notice>> {
        let mut query: Vec<(&str, String)> = Vec::new();
        for t in &filter.types {
            query.push(("types", t.clone()));
        }
        for k in &filter.keys {
            query.push(("keys", k.clone()));
        }
        self.get("/v1/notices", &query)
    }
}

/// Decodes a result into `T`, naming the endpoint when it does not fit.
pub(crate) fn decode<T: DeserializeOwned>(what: &str, v: Value) -> Result<T> {
    serde_json::from_value(v).map_err(|e| Error::Protocol(format!("{what}: {e}")))
}

/// Unwraps Pebble's JSON envelope.
pub(crate) fn envelope(request: &str, raw: RawResponse) -> Result<Envelope> {
    if !raw.content_type.starts_with("application/json") {
        return Err(Error::Protocol(format!(
            "{request}: expected application/json, got {:?} (HTTP {})",
            raw.content_type, raw.status
        )));
    }
    let v: Value = serde_json::from_slice(&raw.body)
        .map_err(|e| Error::Protocol(format!("{request}: invalid JSON: {e}")))?;
    let kind = v.get("type").and_then(Value::as_str).unwrap_or("");
    if kind == "error" || raw.status >= 400 {
        let result = v.get("result").cloned().unwrap_or(Value::Null);
        return Err(Error::Api {
            request: request.to_string(),
            code: raw.status,
            kind: ErrorKind::parse(result.get("kind").and_then(Value::as_str)),
            message: result
                .get("message")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string(),
        });
    }
    Ok(Envelope {
        change: v.get("change").and_then(Value::as_str).map(str::to_string),
        result: v.get("result").cloned().unwrap_or(Value::Null),
    })
}

/// `path?k=v&...` with the values percent-encoded.
pub(crate) fn with_query(path: &str, query: &[(&str, String)]) -> String {
    if query.is_empty() {
        return path.to_string();
    }
    let pairs: Vec<String> = query
        .iter()
        .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
        .collect();
    format!("{path}?{}", pairs.join("&"))
}

fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}
