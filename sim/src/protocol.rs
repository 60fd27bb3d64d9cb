//! The hook-tool protocol: JSON lines over a Unix socket.
//!
//! Like Juju's `jujuc` RPC, the client sends its context id, working directory,
//! command name (from `argv[0]`) and arguments; the server runs the command
//! against the running hook's context and answers with an exit code, stdout and
//! stderr, which the client reproduces verbatim. A command that reads `--file -`
//! (or a pod spec from stdin) gets a `needs-stdin` answer; the client then sends
//! the same request again on the same connection with its stdin attached.
//!
//! ```text
//! -> {"context_id":"con6/3-start-7","cwd":"/x","command":"status-get","args":["--format=json"]}
//! <- {"type":"done","code":0,"stdout":"{...}\n","stderr":""}
//! -> {"context_id":"...","cwd":"/x","command":"pod-spec-set","args":[]}
//! <- {"type":"needs-stdin"}
//! -> {"context_id":"...","cwd":"/x","command":"pod-spec-set","args":[],"stdin":"containers: ..."}
//! <- {"type":"done","code":0,"stdout":"","stderr":""}
//! ```

use std::io::{self, BufRead, BufReader, Write};
use std::os::unix::net::UnixStream;
use std::path::Path;

use serde::{Deserialize, Serialize};

/// Environment variable naming the simulator's socket (checked first).
pub const SOCKET_ENV: &str = "JUJUSIM_SOCKET";

/// A hook-tool invocation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Request {
    /// `JUJU_CONTEXT_ID` of the calling process.
    pub context_id: String,
    /// Absolute working directory of the caller (relative `--file` paths resolve here).
    pub cwd: String,
    /// The tool name (`relation-get`).
    pub command: String,
    /// Its arguments, without the name.
    pub args: Vec<String>,
    /// The caller's stdin, sent only after a `needs-stdin` answer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stdin: Option<String>,
}

/// The server's answer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "kebab-case")]
pub enum Response {
    /// Send the request again with stdin.
    NeedsStdin,
    /// The command ran.
    Done {
        /// Exit code for the tool.
        code: i32,
        /// Text for its stdout.
        stdout: String,
        /// Text for its stderr.
        stderr: String,
    },
}

fn send<T: Serialize>(w: &mut impl Write, v: &T) -> io::Result<()> {
    let mut line = serde_json::to_string(v).map_err(io::Error::other)?;
    line.push('\n');
    w.write_all(line.as_bytes())?;
    w.flush()
}

/// Reads one JSON line; `Ok(None)` at end of stream.
pub fn receive<T: for<'de> Deserialize<'de>>(r: &mut impl BufRead) -> io::Result<Option<T>> {
    let mut line = String::new();
    if r.read_line(&mut line)? == 0 {
        return Ok(None);
    }
    serde_json::from_str(&line)
        .map(Some)
        .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))
}

/// Writes one response line.
pub fn respond(w: &mut impl Write, resp: &Response) -> io::Result<()> {
    send(w, resp)
}

/// Client side: runs `req` against the server at `socket`, reading stdin with
/// `read_stdin` only if the server asks for it. Returns `(code, stdout, stderr)`.
pub fn call(
    socket: &Path,
    mut req: Request,
    read_stdin: impl FnOnce() -> io::Result<String>,
) -> io::Result<(i32, String, String)> {
    let stream = UnixStream::connect(socket)?;
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut writer = stream;
    send(&mut writer, &req)?;
    let mut read_stdin = Some(read_stdin);
    loop {
        match receive::<Response>(&mut reader)? {
            Some(Response::Done {
                code,
                stdout,
                stderr,
            }) => return Ok((code, stdout, stderr)),
            Some(Response::NeedsStdin) => {
                let read = read_stdin.take().ok_or_else(|| {
                    io::Error::new(io::ErrorKind::InvalidData, "server asked for stdin twice")
                })?;
                req.stdin = Some(read()?);
                send(&mut writer, &req)?;
            }
            None => {
                return Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "the simulator closed the connection",
                ))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_format_is_stable() {
        let r = Response::Done {
            code: 2,
            stdout: String::new(),
            stderr: "ERROR x\n".into(),
        };
        assert_eq!(
            serde_json::to_string(&r).unwrap(),
            r#"{"type":"done","code":2,"stdout":"","stderr":"ERROR x\n"}"#
        );
        assert_eq!(
            serde_json::to_string(&Response::NeedsStdin).unwrap(),
            r#"{"type":"needs-stdin"}"#
        );
        let q: Request =
            serde_json::from_str(r#"{"context_id":"c","cwd":"/","command":"is-leader","args":[]}"#)
                .unwrap();
        assert_eq!(q.stdin, None);
    }
}
