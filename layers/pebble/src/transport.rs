//! HTTP (hyper's HTTP/1 client) and WebSockets (tungstenite) over Pebble's
//! Unix socket. The public API stays synchronous: each client owns a
//! single-threaded tokio runtime and blocks on it, so a charm handler (a plain
//! function) can call Pebble without an async runtime of its own.

use std::path::{Path, PathBuf};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::header::{ACCEPT, CONTENT_TYPE, HOST};
use hyper::{Method, Request};
use hyper_util::rt::TokioIo;
use tokio::net::UnixStream;
use tokio_tungstenite::WebSocketStream;

use crate::error::{Error, Result};

/// A response as received: status, content type and the whole body.
pub(crate) struct RawResponse {
    pub status: u16,
    pub content_type: String,
    pub body: Bytes,
}

/// A WebSocket to one of an exec task's channels.
pub(crate) type Socket = WebSocketStream<UnixStream>;

pub(crate) struct Transport {
    socket: PathBuf,
    runtime: tokio::runtime::Runtime,
    timeout: Duration,
}

impl Transport {
    pub fn new(socket: &Path, timeout: Duration) -> Result<Transport> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_io()
            .enable_time()
            .build()
            .map_err(|e| Error::Connection {
                socket: socket.to_path_buf(),
                reason: format!("cannot start the I/O runtime: {e}"),
            })?;
        Ok(Transport {
            socket: socket.to_path_buf(),
            runtime,
            timeout,
        })
    }

    pub fn socket(&self) -> &Path {
        &self.socket
    }

    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// Runs a future on the client's runtime (for exec's concurrent streams).
    pub fn block_on<F: std::future::Future>(&self, f: F) -> F::Output {
        self.runtime.block_on(f)
    }

    fn connection_error(&self, reason: impl std::fmt::Display) -> Error {
        Error::Connection {
            socket: self.socket.clone(),
            reason: reason.to_string(),
        }
    }

    /// One HTTP request on a fresh connection; `extra` extends the timeout
    /// for long polls (the wait-change endpoint).
    pub fn request(
        &self,
        method: Method,
        path_and_query: &str,
        content_type: Option<&str>,
        accept: &str,
        body: Vec<u8>,
        extra: Duration,
    ) -> Result<RawResponse> {
        let limit = self.timeout + extra;
        self.runtime.block_on(async {
            match tokio::time::timeout(
                limit,
                self.send(method, path_and_query, content_type, accept, body),
            )
            .await
            {
                Ok(r) => r,
                Err(_) => Err(Error::Timeout(format!(
                    "no answer to {path_and_query} within {limit:?}"
                ))),
            }
        })
    }

    async fn send(
        &self,
        method: Method,
        path_and_query: &str,
        content_type: Option<&str>,
        accept: &str,
        body: Vec<u8>,
    ) -> Result<RawResponse> {
        let stream = UnixStream::connect(&self.socket)
            .await
            .map_err(|e| self.connection_error(e))?;
        let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
            .await
            .map_err(|e| self.connection_error(e))?;
        let driver = tokio::spawn(connection);
        let mut req = Request::builder()
            .method(method)
            .uri(path_and_query)
            .header(HOST, "localhost")
            .header(ACCEPT, accept);
        if let Some(ct) = content_type {
            req = req.header(CONTENT_TYPE, ct);
        }
        let req = req
            .body(Full::new(Bytes::from(body)))
            .map_err(|e| Error::Invalid(format!("bad request {path_and_query}: {e}")))?;
        let resp = sender
            .send_request(req)
            .await
            .map_err(|e| self.connection_error(e))?;
        let status = resp.status().as_u16();
        let content_type = resp
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string();
        let body = resp
            .into_body()
            .collect()
            .await
            .map_err(|e| self.connection_error(e))?
            .to_bytes();
        driver.abort();
        Ok(RawResponse {
            status,
            content_type,
            body,
        })
    }

    /// Opens the WebSocket at `path` (an exec task's control/stdio/stderr channel).
    pub async fn websocket(&self, path: &str) -> Result<Socket> {
        let stream = UnixStream::connect(&self.socket)
            .await
            .map_err(|e| self.connection_error(e))?;
        let url = format!("ws://localhost{path}");
        let (ws, _) = tokio::time::timeout(
            self.timeout,
            tokio_tungstenite::client_async(url.as_str(), stream),
        )
        .await
        .map_err(|_| Error::Timeout(format!("WebSocket handshake for {path}")))?
        .map_err(|e| self.connection_error(format!("WebSocket {path}: {e}")))?;
        Ok(ws)
    }
}
