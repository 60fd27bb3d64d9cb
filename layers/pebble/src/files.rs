//! Files: push (multipart upload), pull (multipart download), list, make-dir
//! and remove, each with Pebble's per-path errors.

use std::time::Duration;

use bytes::Bytes;
use hyper::Method;
use serde_json::{json, Map, Value};

use crate::client::{decode, envelope, with_query, Client};
use crate::error::{Error, ErrorKind, Result};
use crate::types::FileInfo;

/// Permissions and ownership for a pushed file or a made directory. Unset
/// fields keep Pebble's defaults (0644 files, 0755 directories, Pebble's user).
#[derive(Debug, Clone, Default)]
pub struct Ownership {
    /// Permission bits, e.g. `0o600`.
    pub permissions: Option<u32>,
    /// Owner uid.
    pub user_id: Option<u32>,
    /// Owner name.
    pub user: Option<String>,
    /// Group gid.
    pub group_id: Option<u32>,
    /// Group name.
    pub group: Option<String>,
}

impl Ownership {
    fn fields(&self, path: &str) -> Map<String, Value> {
        let mut m = Map::new();
        m.insert("path".into(), Value::String(path.to_string()));
        if let Some(p) = self.permissions {
            m.insert("permissions".into(), Value::String(format!("{p:03o}")));
        }
        if let Some(u) = self.user_id {
            m.insert("user-id".into(), json!(u));
        }
        if let Some(u) = &self.user {
            m.insert("user".into(), json!(u));
        }
        if let Some(g) = self.group_id {
            m.insert("group-id".into(), json!(g));
        }
        if let Some(g) = &self.group {
            m.insert("group".into(), json!(g));
        }
        m
    }
}

impl Client {
    /// Writes `content` to `path` in the container (`make_dirs`: create missing parents).
    pub fn push(
        &self,
        path: &str,
        content: &[u8],
        make_dirs: bool,
        ownership: &Ownership,
    ) -> Result<()> {
        let mut info = ownership.fields(path);
        if make_dirs {
            info.insert("make-dirs".into(), Value::Bool(true));
        }
        let metadata = json!({"action": "write", "files": [info]});
        let boundary = boundary();
        let mut body = Vec::with_capacity(content.len() + 512);
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Type: application/json\r\nContent-Disposition: form-data; name=\"request\"\r\n\r\n{metadata}\r\n--{boundary}\r\nContent-Type: application/octet-stream\r\nContent-Disposition: form-data; name=\"files\"; filename=\"{}\"\r\n\r\n",
                path.replace('"', "\\\"")
            )
            .as_bytes(),
        );
        body.extend_from_slice(content);
        body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
        let raw = self.transport.request(
            Method::POST,
            "/v1/files",
            Some(&format!("multipart/form-data; boundary=\"{boundary}\"")),
            "application/json",
            body,
            Duration::ZERO,
        )?;
        let env = envelope("POST /v1/files", raw)?;
        path_result(env.result, path)
    }

    /// Reads the file at `path` in the container.
    pub fn pull(&self, path: &str) -> Result<Vec<u8>> {
        let target = with_query(
            "/v1/files",
            &[("action", "read".into()), ("path", path.to_string())],
        );
        let raw = self.transport.request(
            Method::GET,
            &target,
            None,
            "multipart/form-data",
            Vec::new(),
            Duration::ZERO,
        )?;
        if !raw.content_type.starts_with("multipart/form-data") {
            // An error response (a bad request) comes as JSON.
            envelope("GET /v1/files", raw)?;
            return Err(Error::Protocol("pull answered without multipart".into()));
        }
        let boundary = multer::parse_boundary(&raw.content_type)
            .map_err(|e| Error::Protocol(format!("pull: {e}")))?;
        let body = raw.body;
        let (files, response) = self.transport.block_on(async move {
            let stream =
                futures_util::stream::once(async move { Ok::<Bytes, std::io::Error>(body) });
            let mut parts = multer::Multipart::new(stream, boundary);
            let mut files: Vec<(String, Bytes)> = Vec::new();
            let mut response = None;
            while let Some(field) = parts
                .next_field()
                .await
                .map_err(|e| Error::Protocol(format!("pull multipart: {e}")))?
            {
                let name = field.name().unwrap_or("").to_string();
                let filename = field.file_name().map(str::to_string);
                let data = field
                    .bytes()
                    .await
                    .map_err(|e| Error::Protocol(format!("pull multipart: {e}")))?;
                match (name.as_str(), filename) {
                    ("files", Some(f)) => files.push((f, data)),
                    ("response", _) => response = Some(data),
                    (other, _) => {
                        return Err(Error::Protocol(format!("pull: unexpected part {other:?}")))
                    }
                }
            }
            Ok::<_, Error>((files, response))
        })?;
        let response = response.ok_or_else(|| Error::Protocol("pull: no response part".into()))?;
        let v: Value = serde_json::from_slice(&response)
            .map_err(|e| Error::Protocol(format!("pull response: {e}")))?;
        path_result(v.get("result").cloned().unwrap_or(Value::Null), path)?;
        match files.into_iter().find(|(f, _)| f == path) {
            Some((_, data)) => Ok(data.to_vec()),
            None => Err(Error::Protocol(format!("pull: no content for {path}"))),
        }
    }

    /// Lists the directory at `path` (or describes the file; `itself`: the
    /// directory itself), optionally only names matching the glob `pattern`.
    pub fn list_files(
        &self,
        path: &str,
        pattern: Option<&str>,
        itself: bool,
    ) -> Result<Vec<FileInfo>> {
        let mut query = vec![("action", "list".to_string()), ("path", path.to_string())];
        if let Some(p) = pattern {
            query.push(("pattern", p.to_string()));
        }
        if itself {
            query.push(("itself", "true".to_string()));
        }
        let env = self.call(Method::GET, "/v1/files", &query, None, Duration::ZERO)?;
        match env.result {
            Value::Null => Ok(vec![]),
            v => decode("GET /v1/files?action=list", v),
        }
    }

    /// Makes the directory `path` (`make_parents`: like `mkdir -p`).
    pub fn make_dir(&self, path: &str, make_parents: bool, ownership: &Ownership) -> Result<()> {
        let mut info = ownership.fields(path);
        if make_parents {
            info.insert("make-parents".into(), Value::Bool(true));
        }
        let env = self.post("/v1/files", json!({"action": "make-dirs", "dirs": [info]}))?;
        path_result(env.result, path)
    }

    /// Removes `path` (`recursive`: like `rm -rf`, and no error if it is missing).
    pub fn remove_path(&self, path: &str, recursive: bool) -> Result<()> {
        let mut info = json!({"path": path});
        if recursive {
            info["recursive"] = Value::Bool(true);
        }
        let env = self.post("/v1/files", json!({"action": "remove", "paths": [info]}))?;
        path_result(env.result, path)
    }
}

/// The per-path result of a files request: `[{"path":..,"error":{..}}]`.
fn path_result(result: Value, path: &str) -> Result<()> {
    let items = result.as_array().cloned().unwrap_or_default();
    let item = items
        .iter()
        .find(|i| i.get("path").and_then(Value::as_str) == Some(path))
        .ok_or_else(|| Error::Protocol(format!("no result for {path} in {result}")))?;
    match item.get("error") {
        Some(e) if !e.is_null() => Err(Error::Path {
            path: path.to_string(),
            kind: ErrorKind::parse(e.get("kind").and_then(Value::as_str)),
            message: e
                .get("message")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string(),
        }),
        _ => Ok(()),
    }
}

/// A multipart boundary that does not occur in typical content.
fn boundary() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    format!(
        "charm-reactive-{:x}-{:x}-{}",
        nanos,
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    )
}
