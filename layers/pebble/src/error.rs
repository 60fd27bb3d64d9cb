//! Typed errors, with the error kinds Pebble puts in its error responses.

use std::fmt;
use std::path::PathBuf;

/// The `kind` of a Pebble error response (`{"type":"error","result":{"kind":..}}`)
/// or of a per-path file error. Kinds this crate does not know are kept verbatim.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ErrorKind {
    /// `not-found`: a path, change, notice or service that does not exist.
    NotFound,
    /// `permission-denied`.
    PermissionDenied,
    /// `generic-file-error`: any other file error (relative path, not a regular file, ...).
    GenericFileError,
    /// `login-required`.
    LoginRequired,
    /// `no-default-services`: a replan/autostart with no service to start.
    NoDefaultServices,
    /// `system-restart` / `daemon-restart`: Pebble is restarting.
    Restart,
    /// No kind in the response (most bad requests).
    None,
    /// Any other kind, verbatim.
    Other(String),
}

impl ErrorKind {
    /// The kind named by a response's `kind` field (absent or empty: [`ErrorKind::None`]).
    pub fn parse(kind: Option<&str>) -> ErrorKind {
        match kind.unwrap_or("") {
            "" => ErrorKind::None,
            "not-found" => ErrorKind::NotFound,
            "permission-denied" => ErrorKind::PermissionDenied,
            "generic-file-error" => ErrorKind::GenericFileError,
            "login-required" => ErrorKind::LoginRequired,
            "no-default-services" => ErrorKind::NoDefaultServices,
            "system-restart" | "daemon-restart" => ErrorKind::Restart,
            other => ErrorKind::Other(other.to_string()),
        }
    }

    /// The wire name of the kind (`""` for [`ErrorKind::None`]).
    pub fn as_str(&self) -> &str {
        match self {
            ErrorKind::NotFound => "not-found",
            ErrorKind::PermissionDenied => "permission-denied",
            ErrorKind::GenericFileError => "generic-file-error",
            ErrorKind::LoginRequired => "login-required",
            ErrorKind::NoDefaultServices => "no-default-services",
            ErrorKind::Restart => "system-restart",
            ErrorKind::None => "",
            ErrorKind::Other(s) => s,
        }
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ErrorKind::None => "none",
            other => other.as_str(),
        })
    }
}

/// Everything a Pebble call can fail with.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The socket could not be reached or the connection broke (the container
    /// is not up yet, or was restarted).
    #[error("cannot reach Pebble at {socket}: {reason}")]
    Connection {
        /// The socket path.
        socket: PathBuf,
        /// Why.
        reason: String,
    },
    /// Pebble answered with an error response.
    #[error("Pebble refused {request}: {message} (HTTP {code}, kind {kind})")]
    Api {
        /// `METHOD /path` of the request.
        request: String,
        /// The HTTP status code.
        code: u16,
        /// The error's kind.
        kind: ErrorKind,
        /// Pebble's message.
        message: String,
    },
    /// A file operation failed for one path (the per-path `error` of a files response).
    #[error("{path}: {message} (kind {kind})")]
    Path {
        /// The remote path.
        path: String,
        /// The error's kind.
        kind: ErrorKind,
        /// Pebble's message.
        message: String,
    },
    /// A change (services action, exec) finished with an error.
    #[error("change {change_id} failed: {err}")]
    Change {
        /// The change's id.
        change_id: String,
        /// The change's `err`.
        err: String,
    },
    /// Waiting for a change or a response took longer than allowed.
    #[error("timed out: {0}")]
    Timeout(String),
    /// Pebble's answer was not what its API defines (bad JSON, missing field,
    /// wrong content type).
    #[error("unexpected answer from Pebble: {0}")]
    Protocol(String),
    /// A caller-side mistake found before anything was sent (an empty command,
    /// a relative path).
    #[error("invalid request: {0}")]
    Invalid(String),
}

impl Error {
    /// The Pebble error kind, for [`Error::Api`] and [`Error::Path`].
    pub fn kind(&self) -> Option<&ErrorKind> {
        match self {
            Error::Api { kind, .. } | Error::Path { kind, .. } => Some(kind),
            _ => None,
        }
    }

    /// Whether this is Pebble saying "not found" (an API 404 or a path's `not-found`).
    pub fn is_not_found(&self) -> bool {
        matches!(self, Error::Api { code: 404, .. }) || self.kind() == Some(&ErrorKind::NotFound)
    }
}

/// The result of a Pebble call.
pub type Result<T> = std::result::Result<T, Error>;
