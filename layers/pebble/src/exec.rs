//! Exec: `POST /v1/exec` starts a command as a change; its I/O streams over
//! the task's WebSockets (`control`, `stdio`, `stderr`): binary messages carry
//! data and the text message `{"command":"end"}` ends a stream. The exit code
//! is the task's `exit-code` once the change is ready.

use std::collections::BTreeMap;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use tokio_tungstenite::tungstenite::Message;

use crate::client::Client;
use crate::error::{Error, Result};
use crate::transport::Socket;

/// What to run and how.
#[derive(Debug, Clone, Default)]
pub struct Exec {
    /// The executable and its arguments.
    pub command: Vec<String>,
    /// Extra environment variables.
    pub environment: BTreeMap<String, String>,
    /// Working directory (Pebble's default: the user's home).
    pub working_dir: Option<String>,
    /// Pebble kills the command after this long (the change then fails).
    pub timeout: Option<Duration>,
    /// Run in this service's context (its environment, user, working dir).
    pub service_context: Option<String>,
    /// Run as this uid.
    pub user_id: Option<u32>,
    /// Run as this user.
    pub user: Option<String>,
    /// Run with this gid.
    pub group_id: Option<u32>,
    /// Run with this group.
    pub group: Option<String>,
    /// Standard input, sent whole then closed.
    pub stdin: Vec<u8>,
    /// Merge standard error into standard output.
    pub combine_stderr: bool,
}

impl Exec {
    /// A command from its executable and arguments.
    pub fn new<I, S>(command: I) -> Exec
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Exec {
            command: command.into_iter().map(Into::into).collect(),
            ..Exec::default()
        }
    }

    /// Adds an environment variable.
    pub fn env(mut self, key: &str, value: &str) -> Exec {
        self.environment.insert(key.to_string(), value.to_string());
        self
    }

    /// Sets the working directory.
    pub fn working_dir(mut self, dir: &str) -> Exec {
        self.working_dir = Some(dir.to_string());
        self
    }

    /// Sets the timeout.
    pub fn timeout(mut self, timeout: Duration) -> Exec {
        self.timeout = Some(timeout);
        self
    }

    /// Sets standard input.
    pub fn stdin(mut self, input: impl Into<Vec<u8>>) -> Exec {
        self.stdin = input.into();
        self
    }
}

/// A finished command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExecOutput {
    /// Its exit code (-1 if Pebble reports none).
    pub exit_code: i64,
    /// Standard output (with standard error if combined).
    pub stdout: Vec<u8>,
    /// Standard error.
    pub stderr: Vec<u8>,
}

impl ExecOutput {
    /// Standard output as text (lossy).
    pub fn stdout_text(&self) -> String {
        String::from_utf8_lossy(&self.stdout).into_owned()
    }

    /// Standard error as text (lossy).
    pub fn stderr_text(&self) -> String {
        String::from_utf8_lossy(&self.stderr).into_owned()
    }
}

impl Client {
    /// Runs `exec` to completion and returns its output and exit code. A
    /// command Pebble cannot start, or that times out, is an error.
    pub fn exec(&self, exec: &Exec) -> Result<ExecOutput> {
        if exec.command.is_empty() {
            return Err(Error::Invalid("exec needs a command".into()));
        }
        let body = json!({
            "command": exec.command,
            "service-context": exec.service_context,
            "environment": exec.environment,
            "working-dir": exec.working_dir,
            "timeout": exec.timeout.map(|t| format!("{:.3}s", t.as_secs_f64())),
            "user-id": exec.user_id,
            "user": exec.user,
            "group-id": exec.group_id,
            "group": exec.group,
            "split-stderr": !exec.combine_stderr,
        });
        let env = self.post("/v1/exec", body)?;
        let change_id = env
            .change
            .ok_or_else(|| Error::Protocol("exec answered without a change id".into()))?;
        let task_id = env
            .result
            .get("task-id")
            .and_then(Value::as_str)
            .ok_or_else(|| Error::Protocol("exec answered without a task id".into()))?
            .to_string();
        let io = self.transport.block_on(async {
            let base = format!("/v1/tasks/{task_id}/websocket");
            let control = self.transport.websocket(&format!("{base}/control")).await?;
            let stdio = self.transport.websocket(&format!("{base}/stdio")).await?;
            let stderr = if exec.combine_stderr {
                None
            } else {
                Some(self.transport.websocket(&format!("{base}/stderr")).await?)
            };
            let (mut stdio_tx, stdio_rx) = stdio.split();
            let send = async {
                if !exec.stdin.is_empty() {
                    stdio_tx
                        .send(Message::binary(exec.stdin.clone()))
                        .await
                        .ok();
                }
                stdio_tx
                    .send(Message::text(r#"{"command":"end"}"#))
                    .await
                    .ok();
            };
            let read_err = async {
                match stderr {
                    Some(ws) => drain(ws.split().1).await,
                    None => Vec::new(),
                }
            };
            let (_, out, err) = tokio::join!(send, drain(stdio_rx), read_err);
            drop(control);
            Ok::<_, Error>((out, err))
        });
        let (stdout, stderr) = match io {
            Ok(io) => io,
            Err(e) => {
                // The change may have failed before the streams connected.
                let change = self.wait_change(&change_id, self.transport.timeout())?;
                if let Some(err) = change.err {
                    return Err(Error::Change { change_id, err });
                }
                return Err(e);
            }
        };
        let wait = exec
            .timeout
            .map(|t| t + Duration::from_secs(1))
            .unwrap_or(Duration::from_secs(24 * 3600));
        let change = self.wait_ok(&change_id, wait)?;
        let exit_code = change
            .tasks
            .first()
            .and_then(|t| t.data.get("exit-code"))
            .and_then(Value::as_i64)
            .unwrap_or(-1);
        Ok(ExecOutput {
            exit_code,
            stdout,
            stderr,
        })
    }
}

/// Reads binary messages until the `end` command (or the socket closes).
async fn drain(mut rx: futures_util::stream::SplitStream<Socket>) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(msg) = rx.next().await {
        match msg {
            Ok(Message::Binary(b)) => out.extend_from_slice(&b),
            Ok(Message::Text(t)) => {
                let end = serde_json::from_str::<Value>(t.as_str())
                    .ok()
                    .and_then(|v| v.get("command").and_then(Value::as_str).map(|c| c == "end"))
                    .unwrap_or(false);
                if end {
                    break;
                }
            }
            Ok(Message::Close(_)) | Err(_) => break,
            Ok(_) => {}
        }
    }
    out
}
