//! The HTTP side: hyper's HTTP/1 server on the Unix socket, Pebble's JSON
//! envelope, and the routes.

use std::collections::BTreeMap;
use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::header::{CONNECTION, CONTENT_TYPE, SEC_WEBSOCKET_ACCEPT, SEC_WEBSOCKET_KEY, UPGRADE};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use serde_json::{json, Map, Value};
use tokio_tungstenite::tungstenite::handshake::derive_accept_key;
use tokio_tungstenite::tungstenite::protocol::Role;
use tokio_tungstenite::WebSocketStream;

use super::files::{Attrs, FileError};
use super::state::ApiError;
use super::{clock, exec, plan, Shared};

type Reply = Response<Full<Bytes>>;

/// Accepts connections until `stopped` fires.
pub async fn serve(
    listener: std::os::unix::net::UnixListener,
    shared: Arc<Shared>,
    mut stopped: tokio::sync::oneshot::Receiver<()>,
) {
    let Ok(listener) = tokio::net::UnixListener::from_std(listener) else {
        return;
    };
    loop {
        tokio::select! {
            _ = &mut stopped => break,
            accepted = listener.accept() => {
                let Ok((stream, _)) = accepted else { continue };
                let shared = shared.clone();
                tokio::spawn(async move {
                    let service = service_fn(move |req| {
                        let shared = shared.clone();
                        async move { Ok::<_, Infallible>(handle(shared, req).await) }
                    });
                    let _ = http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .with_upgrades()
                        .await;
                });
            }
        }
    }
}

fn json_reply(status: u16, body: Value) -> Reply {
    Response::builder()
        .status(status)
        .header(CONTENT_TYPE, "application/json")
        .body(Full::new(Bytes::from(body.to_string())))
        .unwrap_or_else(|_| Response::new(Full::new(Bytes::new())))
}

fn status_text(code: u16) -> &'static str {
    StatusCode::from_u16(code)
        .ok()
        .and_then(|s| s.canonical_reason())
        .unwrap_or("")
}

fn sync(result: Value) -> Reply {
    json_reply(
        200,
        json!({"type": "sync", "status-code": 200, "status": "OK", "result": result}),
    )
}

fn accepted(change: &str, result: Value) -> Reply {
    json_reply(
        202,
        json!({"type": "async", "status-code": 202, "status": "Accepted", "change": change, "result": result}),
    )
}

fn error(e: ApiError) -> Reply {
    let mut result = json!({"message": e.message});
    if !e.kind.is_empty() {
        result["kind"] = json!(e.kind);
    }
    json_reply(
        e.status,
        json!({"type": "error", "status-code": e.status, "status": status_text(e.status), "result": result}),
    )
}

fn file_error(e: FileError, status: u16) -> Reply {
    error(ApiError {
        status,
        kind: e.kind,
        message: e.message,
    })
}

/// The query string as (key, value) pairs, percent-decoded.
fn query(req: &Request<Incoming>) -> Vec<(String, String)> {
    req.uri()
        .query()
        .unwrap_or("")
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (decode(k), decode(v))
        })
        .collect()
}

fn decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < b.len() => {
                match u8::from_str_radix(std::str::from_utf8(&b[i + 1..i + 3]).unwrap_or("zz"), 16)
                {
                    Ok(v) => {
                        out.push(v);
                        i += 2;
                    }
                    Err(_) => out.push(b'%'),
                }
            }
            c => out.push(c),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn first<'a>(q: &'a [(String, String)], key: &str) -> Option<&'a str> {
    q.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
}

/// All values of a list parameter, repeated or comma-separated.
fn list(q: &[(String, String)], key: &str) -> Vec<String> {
    q.iter()
        .filter(|(k, _)| k == key)
        .flat_map(|(_, v)| v.split(',').map(str::to_string).collect::<Vec<_>>())
        .filter(|s| !s.is_empty())
        .collect()
}

async fn body_json(req: Request<Incoming>) -> Result<Value, ApiError> {
    let bytes = req
        .into_body()
        .collect()
        .await
        .map_err(|e| ApiError::bad_request(format!("cannot read request body: {e}")))?
        .to_bytes();
    serde_json::from_slice(&bytes)
        .map_err(|e| ApiError::bad_request(format!("cannot decode request body: {e}")))
}

async fn handle(shared: Arc<Shared>, req: Request<Incoming>) -> Reply {
    let path = req.uri().path().to_string();
    let segments: Vec<String> = path
        .trim_matches('/')
        .split('/')
        .map(str::to_string)
        .collect();
    let segs: Vec<&str> = segments.iter().map(String::as_str).collect();
    let method = req.method().clone();
    let q = query(&req);
    let result = match (&method, segs.as_slice()) {
        (&Method::GET, ["v1", "system-info"]) => Ok(sync(json!({
            "version": "v1.19.0-jujusim",
            "boot-id": format!("jujusim-{}", std::process::id()),
            "http-address": "",
        }))),
        (&Method::GET, ["v1", "health"]) => Ok(sync(json!({"healthy": true}))),
        (&Method::GET, ["v1", "changes"]) => {
            let st = shared.state.lock().unwrap();
            st.changes(first(&q, "select").unwrap_or("in-progress"))
                .map(|c| sync(Value::Array(c)))
        }
        (&Method::GET, ["v1", "changes", id]) => {
            let st = shared.state.lock().unwrap();
            st.change(id)
                .map(|c| sync(c.to_json()))
                .ok_or_else(|| ApiError::not_found(format!("cannot find change with id {id:?}")))
        }
        (&Method::POST, ["v1", "changes", id]) => {
            let st = shared.state.lock().unwrap();
            match st.change(id) {
                None => Err(ApiError::not_found(format!(
                    "cannot find change with id {id:?}"
                ))),
                Some(_) => Err(ApiError::bad_request(format!(
                    "cannot abort change {id} with nothing pending"
                ))),
            }
        }
        (&Method::GET, ["v1", "changes", id, "wait"]) => {
            wait_change(&shared, id, first(&q, "timeout")).await
        }
        (&Method::GET, ["v1", "plan"]) => match first(&q, "format").unwrap_or("") {
            "yaml" => Ok(sync(json!(plan::render(
                &shared.state.lock().unwrap().plan()
            )))),
            other => Err(ApiError::bad_request(format!("invalid format {other:?}"))),
        },
        (&Method::POST, ["v1", "layers"]) => post_layers(&shared, req).await,
        (&Method::GET, ["v1", "services"]) => {
            let names = list(&q, "names");
            Ok(sync(Value::Array(
                shared.state.lock().unwrap().services(&names),
            )))
        }
        (&Method::POST, ["v1", "services"]) => post_services(&shared, req).await,
        (&Method::GET, ["v1", "checks"]) => {
            let names = list(&q, "names");
            let level = first(&q, "level").filter(|l| !l.is_empty());
            Ok(sync(Value::Array(
                shared.state.lock().unwrap().checks(level, &names),
            )))
        }
        (&Method::POST, ["v1", "checks"]) => post_checks(&shared, req).await,
        (&Method::GET, ["v1", "notices"]) => {
            let types = list(&q, "types");
            let keys = list(&q, "keys");
            Ok(sync(Value::Array(
                shared.state.lock().unwrap().notices(&types, &keys),
            )))
        }
        (&Method::GET, ["v1", "notices", id]) => shared
            .state
            .lock()
            .unwrap()
            .notice(id)
            .map(sync)
            .ok_or_else(|| ApiError::not_found(format!("cannot find notice with ID {id:?}"))),
        (&Method::POST, ["v1", "notices"]) => post_notices(&shared, req).await,
        (&Method::GET, ["v1", "files"]) => Ok(get_files(&shared, &q)),
        (&Method::POST, ["v1", "files"]) => post_files(&shared, req).await,
        (&Method::POST, ["v1", "exec"]) => post_exec(&shared, req).await,
        (&Method::GET, ["v1", "tasks", task, "websocket", name]) => {
            let (task, name) = (task.to_string(), name.to_string());
            websocket(&shared, req, &task, &name)
        }
        _ => Err(ApiError {
            status: 404,
            kind: "",
            message: "not found".into(),
        }),
    };
    result.unwrap_or_else(error)
}

async fn wait_change(shared: &Shared, id: &str, timeout: Option<&str>) -> Result<Reply, ApiError> {
    let timeout = match timeout {
        Some(t) => clock::parse_duration(t)
            .ok_or_else(|| ApiError::bad_request(format!("invalid timeout {t:?}")))?,
        None => Duration::from_secs(24 * 3600),
    };
    let deadline = tokio::time::Instant::now() + timeout;
    loop {
        {
            let st = shared.state.lock().unwrap();
            let change = st
                .change(id)
                .ok_or_else(|| ApiError::not_found(format!("cannot find change with id {id:?}")))?;
            if change.is_ready() {
                return Ok(sync(change.to_json()));
            }
        }
        if tokio::time::Instant::now() >= deadline {
            return Err(ApiError {
                status: 504,
                kind: "",
                message: format!(
                    "timed out waiting for change after {}",
                    clock::go_duration(timeout)
                ),
            });
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

async fn post_layers(shared: &Shared, req: Request<Incoming>) -> Result<Reply, ApiError> {
    let body = body_json(req).await?;
    let s = |k: &str| body.get(k).and_then(Value::as_str).unwrap_or("");
    if s("action") != "add" {
        return Err(ApiError::bad_request(format!(
            "invalid action {:?}",
            s("action")
        )));
    }
    if s("format") != "yaml" {
        return Err(ApiError::bad_request(format!(
            "invalid format {:?}",
            s("format")
        )));
    }
    let combine = body
        .get("combine")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    shared
        .state
        .lock()
        .unwrap()
        .add_layer(s("label"), s("layer"), combine)?;
    Ok(sync(json!(true)))
}

fn names(body: &Value, key: &str) -> Vec<String> {
    body.get(key)
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

async fn post_services(shared: &Shared, req: Request<Incoming>) -> Result<Reply, ApiError> {
    let body = body_json(req).await?;
    let action = body
        .get("action")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    let id = shared
        .state
        .lock()
        .unwrap()
        .services_action(&action, &names(&body, "services"))?;
    Ok(accepted(&id, Value::Null))
}

async fn post_checks(shared: &Shared, req: Request<Incoming>) -> Result<Reply, ApiError> {
    let body = body_json(req).await?;
    let action = body
        .get("action")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    let changed = shared
        .state
        .lock()
        .unwrap()
        .checks_action(&action, &names(&body, "checks"))?;
    Ok(sync(json!({"changed": changed})))
}

async fn post_notices(shared: &Shared, req: Request<Incoming>) -> Result<Reply, ApiError> {
    let body = body_json(req).await?;
    let s = |k: &str| {
        body.get(k)
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string()
    };
    if s("action") != "add" {
        return Err(ApiError::bad_request(format!(
            "invalid action {:?}",
            s("action")
        )));
    }
    let data: Map<String, Value> = body
        .get("data")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    let repeat_after = match body.get("repeat-after").and_then(Value::as_str) {
        Some(r) => Some(
            clock::parse_duration(r)
                .ok_or_else(|| ApiError::bad_request(format!("invalid repeat-after {r:?}")))?,
        ),
        None => None,
    };
    // Notices belong to the caller's user; jujusim's clients run as jujusim's
    // user, whose uid /proc/self shows.
    let uid = std::fs::metadata("/proc/self").ok().map(|m| {
        use std::os::unix::fs::MetadataExt;
        m.uid()
    });
    let id = shared
        .state
        .lock()
        .unwrap()
        .notify(&s("type"), &s("key"), data, repeat_after, uid)?;
    Ok(sync(json!({"id": id})))
}

fn get_files(shared: &Shared, q: &[(String, String)]) -> Reply {
    match first(q, "action").unwrap_or("") {
        "read" => {
            let paths: Vec<String> = q
                .iter()
                .filter(|(k, v)| k == "path" && !v.is_empty())
                .map(|(_, v)| v.clone())
                .collect();
            if paths.is_empty() {
                return error(ApiError::bad_request("must specify one or more paths"));
            }
            read_files(shared, &paths)
        }
        "list" => {
            let Some(path) = first(q, "path").filter(|p| !p.is_empty()) else {
                return error(ApiError::bad_request("must specify path"));
            };
            if !path.starts_with('/') {
                return error(ApiError::bad_request(format!(
                    "path must be absolute, got {path:?}"
                )));
            }
            let itself = match first(q, "itself").unwrap_or("false") {
                "true" => true,
                "false" | "" => false,
                _ => {
                    return error(ApiError::bad_request(
                        "itself parameter must be \"true\" or \"false\"",
                    ))
                }
            };
            match shared
                .root
                .list(path, first(q, "pattern").filter(|p| !p.is_empty()), itself)
            {
                Ok(v) => sync(Value::Array(v)),
                Err(e) => {
                    let status = match e.kind {
                        "not-found" => 404,
                        "permission-denied" => 403,
                        _ => 400,
                    };
                    file_error(e, status)
                }
            }
        }
        other => error(ApiError::bad_request(format!("invalid action {other:?}"))),
    }
}

/// The multipart answer to a read: a `files` part per file read, then the
/// `response` part with per-path errors.
fn read_files(shared: &Shared, paths: &[String]) -> Reply {
    let boundary = format!("jujusim-pebble-{:x}", std::process::id());
    let mut body = Vec::new();
    let mut result = Vec::new();
    for path in paths {
        match shared.root.read(path) {
            Ok(data) => {
                body.extend_from_slice(
                    format!(
                        "--{boundary}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"{}\"\r\nContent-Type: application/octet-stream\r\n\r\n",
                        path.replace('"', "\\\"")
                    )
                    .as_bytes(),
                );
                body.extend_from_slice(&data);
                body.extend_from_slice(b"\r\n");
                result.push(json!({"path": path}));
            }
            Err(e) => result.push(json!({"path": path, "error": e.to_json()})),
        }
    }
    let meta = json!({"type": "sync", "status-code": 200, "status": "OK", "result": result});
    body.extend_from_slice(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"response\"\r\nContent-Type: application/json\r\n\r\n{meta}\n\r\n--{boundary}--\r\n"
        )
        .as_bytes(),
    );
    Response::builder()
        .status(200)
        .header(
            CONTENT_TYPE,
            format!("multipart/form-data; boundary={boundary}"),
        )
        .body(Full::new(Bytes::from(body)))
        .unwrap_or_else(|_| Response::new(Full::new(Bytes::new())))
}

async fn post_files(shared: &Shared, req: Request<Incoming>) -> Result<Reply, ApiError> {
    let content_type = req
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    if content_type.starts_with("multipart/form-data") {
        return write_files(shared, req, &content_type).await;
    }
    if !content_type.starts_with("application/json") {
        return Err(ApiError::bad_request(format!(
            "invalid Content-Type {content_type:?}"
        )));
    }
    let body = body_json(req).await?;
    let items = |k: &str| {
        body.get(k)
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default()
    };
    let result: Vec<Value> = match body.get("action").and_then(Value::as_str).unwrap_or("") {
        "make-dirs" => items("dirs")
            .iter()
            .map(|d| {
                let path = d.get("path").and_then(Value::as_str).unwrap_or("");
                let parents = d
                    .get("make-parents")
                    .and_then(Value::as_bool)
                    .unwrap_or(false);
                per_path(
                    path,
                    shared.root.make_dir(path, parents, &Attrs::from_json(d)),
                )
            })
            .collect(),
        "remove" => items("paths")
            .iter()
            .map(|p| {
                let path = p.get("path").and_then(Value::as_str).unwrap_or("");
                let recursive = p.get("recursive").and_then(Value::as_bool).unwrap_or(false);
                per_path(path, shared.root.remove(path, recursive))
            })
            .collect(),
        "write" => {
            return Err(ApiError::bad_request(
                "must use multipart with \"write\" action",
            ))
        }
        other => return Err(ApiError::bad_request(format!("invalid action {other:?}"))),
    };
    Ok(sync(Value::Array(result)))
}

fn per_path(path: &str, r: Result<(), FileError>) -> Value {
    match r {
        Ok(()) => json!({"path": path}),
        Err(e) => json!({"path": path, "error": e.to_json()}),
    }
}

async fn write_files(
    shared: &Shared,
    req: Request<Incoming>,
    content_type: &str,
) -> Result<Reply, ApiError> {
    let boundary = multer::parse_boundary(content_type)
        .map_err(|_| ApiError::bad_request(format!("invalid boundary in {content_type:?}")))?;
    let bytes = req
        .into_body()
        .collect()
        .await
        .map_err(|e| ApiError::bad_request(format!("cannot read request body: {e}")))?
        .to_bytes();
    let stream = futures_util::stream::once(async move { Ok::<Bytes, Infallible>(bytes) });
    let mut parts = multer::Multipart::new(stream, boundary);
    let bad = |m: String| ApiError::bad_request(m);
    let first_part = parts
        .next_field()
        .await
        .map_err(|e| bad(format!("cannot read request metadata: {e}")))?
        .ok_or_else(|| bad("cannot read request metadata: EOF".into()))?;
    if first_part.name() != Some("request") {
        return Err(bad(format!(
            "metadata field name must be \"request\", got {:?}",
            first_part.name().unwrap_or("")
        )));
    }
    let meta: Value = serde_json::from_slice(
        &first_part
            .bytes()
            .await
            .map_err(|e| bad(format!("cannot read request metadata: {e}")))?,
    )
    .map_err(|e| bad(format!("cannot decode request metadata: {e}")))?;
    if meta.get("action").and_then(Value::as_str) != Some("write") {
        return Err(bad("multipart action must be \"write\"".into()));
    }
    let files = meta
        .get("files")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    if files.is_empty() {
        return Err(bad("must specify one or more files".into()));
    }
    let infos: BTreeMap<String, Value> = files
        .iter()
        .filter_map(|f| Some((f.get("path")?.as_str()?.to_string(), f.clone())))
        .collect();
    let mut outcomes: BTreeMap<String, Result<(), FileError>> = BTreeMap::new();
    while let Some(part) = parts
        .next_field()
        .await
        .map_err(|e| bad(format!("cannot read file part: {e}")))?
    {
        if part.name() != Some("files") {
            return Err(bad(format!(
                "field name must be \"files\", got {:?}",
                part.name().unwrap_or("")
            )));
        }
        let path = part.file_name().unwrap_or("").to_string();
        let info = infos
            .get(&path)
            .ok_or_else(|| bad(format!("no metadata for path {path:?}")))?;
        let data = part
            .bytes()
            .await
            .map_err(|e| bad(format!("cannot read file part: {e}")))?;
        let make_dirs = info
            .get("make-dirs")
            .and_then(Value::as_bool)
            .unwrap_or(false);
        outcomes.insert(
            path.clone(),
            shared
                .root
                .write(&path, &data, make_dirs, &Attrs::from_json(info)),
        );
    }
    let result: Vec<Value> = infos
        .keys()
        .map(|path| match outcomes.remove(path) {
            Some(r) => per_path(path, r),
            None => json!({"path": path, "error": {"kind": "generic-file-error", "message": format!("no file content for path {path:?}")}}),
        })
        .collect();
    Ok(sync(Value::Array(result)))
}

/// Whether `name` is an executable (a path, or found on PATH).
fn find_executable(name: &str) -> bool {
    use std::os::unix::fs::PermissionsExt;
    let exec = |p: &std::path::Path| {
        std::fs::metadata(p).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
    };
    if name.contains('/') {
        return exec(std::path::Path::new(name));
    }
    std::env::var("PATH")
        .unwrap_or_default()
        .split(':')
        .any(|d| exec(&std::path::Path::new(d).join(name)))
}

async fn post_exec(shared: &Arc<Shared>, req: Request<Incoming>) -> Result<Reply, ApiError> {
    let body = body_json(req).await?;
    let command: Vec<String> = names(&body, "command");
    if command.is_empty() {
        return Err(ApiError::bad_request("must specify command"));
    }
    let timeout = match body
        .get("timeout")
        .and_then(Value::as_str)
        .filter(|t| !t.is_empty())
    {
        Some(t) => Some(clock::parse_duration(t).ok_or_else(|| {
            ApiError::bad_request(format!("invalid timeout: time: invalid duration {t:?}"))
        })?),
        None => None,
    };
    if !find_executable(&command[0]) {
        return Err(ApiError::bad_request(format!(
            "cannot find executable {:?}",
            command[0]
        )));
    }
    let mut environment: BTreeMap<String, String> = BTreeMap::new();
    let mut working_dir: Option<String> = None;
    if let Some(svc) = body
        .get("service-context")
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
    {
        let plan = shared.state.lock().unwrap().plan();
        let cfg = plan
            .get("services")
            .and_then(|s| s.get(svc))
            .cloned()
            .ok_or_else(|| ApiError::bad_request(format!("context service {svc:?} not found")))?;
        if let Some(env) = cfg.get("environment").and_then(Value::as_object) {
            for (k, v) in env {
                environment.insert(k.clone(), v.as_str().unwrap_or("").to_string());
            }
        }
        working_dir = cfg
            .get("working-dir")
            .and_then(Value::as_str)
            .map(str::to_string);
    }
    if let Some(env) = body.get("environment").and_then(Value::as_object) {
        for (k, v) in env {
            environment.insert(k.clone(), v.as_str().unwrap_or("").to_string());
        }
    }
    if let Some(wd) = body
        .get("working-dir")
        .and_then(Value::as_str)
        .filter(|w| !w.is_empty())
    {
        working_dir = Some(wd.to_string());
    }
    let host_dir = match &working_dir {
        Some(wd) => shared
            .root
            .host(wd)
            .map_err(|e| ApiError::bad_request(e.message))?,
        None => shared.root.0.clone(),
    };
    let split_stderr = body
        .get("split-stderr")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let (change_id, task_id) = shared.state.lock().unwrap().exec_change(&command[0]);
    let sockets = Arc::new(exec::Sockets::default());
    shared
        .execs
        .lock()
        .unwrap()
        .insert(task_id.clone(), sockets.clone());
    let args = exec::Args {
        command,
        environment: environment.clone(),
        working_dir: host_dir,
        timeout,
        split_stderr,
    };
    let runner = shared.clone();
    let (cid, tid) = (change_id.clone(), task_id.clone());
    tokio::spawn(async move {
        exec::run(runner.clone(), cid, sockets, args).await;
        runner.execs.lock().unwrap().remove(&tid);
    });
    Ok(accepted(
        &change_id,
        json!({"task-id": task_id, "environment": environment, "working-dir": working_dir.unwrap_or_default()}),
    ))
}

fn websocket(
    shared: &Shared,
    mut req: Request<Incoming>,
    task: &str,
    name: &str,
) -> Result<Reply, ApiError> {
    let sockets = shared
        .execs
        .lock()
        .unwrap()
        .get(task)
        .cloned()
        .ok_or_else(|| ApiError::not_found(format!("cannot find task with id {task:?}")))?;
    if !sockets.accepts(name) {
        return Err(ApiError::bad_request(format!(
            "websocket {name:?} unknown or already connected"
        )));
    }
    let key = req.headers().get(SEC_WEBSOCKET_KEY).ok_or_else(|| {
        ApiError::bad_request("websocket: the client is not using the websocket protocol")
    })?;
    let accept = derive_accept_key(key.as_bytes());
    sockets.claim(name);
    let on_upgrade = hyper::upgrade::on(&mut req);
    let name = name.to_string();
    tokio::spawn(async move {
        if let Ok(upgraded) = on_upgrade.await {
            let ws =
                WebSocketStream::from_raw_socket(TokioIo::new(upgraded), Role::Server, None).await;
            sockets.put(&name, ws);
        }
    });
    Ok(Response::builder()
        .status(101)
        .header(CONNECTION, "Upgrade")
        .header(UPGRADE, "websocket")
        .header(SEC_WEBSOCKET_ACCEPT, accept)
        .body(Full::new(Bytes::new()))
        .unwrap_or_else(|_| Response::new(Full::new(Bytes::new()))))
}
