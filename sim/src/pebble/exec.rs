//! Exec: a real process on the host, run in the container's root directory,
//! its I/O carried over the task's WebSockets as Pebble carries it (binary
//! messages for data, `{"command":"end"}` text messages to end a stream).
//! As in Pebble, the process starts once the client has connected `stdio`
//! (and `stderr` when split), within five seconds.

use std::collections::BTreeMap;
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use hyper::upgrade::Upgraded;
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::WebSocketStream;

use super::Shared;

/// A server-side WebSocket of an exec task.
pub type Socket = WebSocketStream<TokioIo<Upgraded>>;

const END: &str = r#"{"command":"end"}"#;

/// What to run.
#[derive(Debug)]
pub struct Args {
    /// Executable and arguments.
    pub command: Vec<String>,
    /// Environment.
    pub environment: BTreeMap<String, String>,
    /// Host working directory.
    pub working_dir: std::path::PathBuf,
    /// Kill after.
    pub timeout: Option<Duration>,
    /// Separate stderr WebSocket.
    pub split_stderr: bool,
}

/// An exec task waiting for its WebSockets.
#[derive(Default)]
pub struct Sockets {
    slots: Mutex<BTreeMap<String, Socket>>,
    names: Mutex<Vec<String>>,
}

impl Sockets {
    /// Whether `name` is a channel of this task not yet connected.
    pub fn accepts(&self, name: &str) -> bool {
        matches!(name, "control" | "stdio" | "stderr")
            && !self.names.lock().unwrap().iter().any(|n| n == name)
    }

    /// Claims channel `name` (before the upgrade completes).
    pub fn claim(&self, name: &str) {
        self.names.lock().unwrap().push(name.to_string());
    }

    /// Hands over a connected channel.
    pub fn put(&self, name: &str, ws: Socket) {
        self.slots.lock().unwrap().insert(name.to_string(), ws);
    }

    fn take(&self, name: &str) -> Option<Socket> {
        self.slots.lock().unwrap().remove(name)
    }

    fn has(&self, name: &str) -> bool {
        self.slots.lock().unwrap().contains_key(name)
    }
}

/// Runs the command once its streams are connected, then finishes the change.
pub async fn run(shared: Arc<Shared>, change_id: String, sockets: Arc<Sockets>, args: Args) {
    let (code, err) = match execute(&sockets, &args).await {
        Ok(code) => (code, None),
        Err(e) => (-1, Some(e)),
    };
    shared
        .state
        .lock()
        .unwrap()
        .finish_exec(&change_id, code, err);
}

async fn execute(sockets: &Sockets, args: &Args) -> Result<i64, String> {
    let connected = async {
        while !(sockets.has("stdio") && (!args.split_stderr || sockets.has("stderr"))) {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    };
    tokio::time::timeout(Duration::from_secs(5), connected)
        .await
        .map_err(|_| {
            "timeout waiting for websocket connections: context deadline exceeded".to_string()
        })?;
    let stdio = sockets.take("stdio").ok_or("stdio websocket vanished")?;
    let stderr_ws = if args.split_stderr {
        sockets.take("stderr")
    } else {
        None
    };

    let mut cmd = tokio::process::Command::new(&args.command[0]);
    cmd.args(&args.command[1..])
        .env_clear()
        .env(
            "PATH",
            std::env::var("PATH").unwrap_or_else(|_| "/usr/bin:/bin".into()),
        )
        .envs(&args.environment)
        .current_dir(&args.working_dir)
        .stdin(Stdio::piped())
        .kill_on_drop(true);
    // Combined output shares one pipe, as in Pebble, so the order of what the
    // process writes to stdout and stderr is kept.
    let combined = if args.split_stderr {
        cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
        None
    } else {
        let (reader, writer) = std::io::pipe().map_err(|e| format!("cannot make a pipe: {e}"))?;
        let second = writer
            .try_clone()
            .map_err(|e| format!("cannot make a pipe: {e}"))?;
        cmd.stdout(Stdio::from(writer)).stderr(Stdio::from(second));
        Some(reader)
    };
    let spawned = cmd.spawn();
    // The parent's copies of the pipe's write end must close for EOF.
    drop(cmd);
    let mut child = spawned.map_err(|e| format!("cannot start {:?}: {e}", args.command[0]))?;
    let mut stdin = child.stdin.take();
    let stdout: Box<dyn AsyncRead + Unpin + Send> = match combined {
        Some(reader) => Box::new(
            tokio::net::unix::pipe::Receiver::from_owned_fd(std::os::fd::OwnedFd::from(reader))
                .map_err(|e| format!("cannot read the output pipe: {e}"))?,
        ),
        None => Box::new(child.stdout.take().ok_or("no stdout pipe")?),
    };
    let stderr = child.stderr.take();

    let (stdio_tx, mut stdio_rx) = stdio.split();
    let stdio_tx = Arc::new(tokio::sync::Mutex::new(stdio_tx));
    // Input: binary messages to the process's stdin until "end" (or close).
    let input = async move {
        while let Some(Ok(msg)) = stdio_rx.next().await {
            match msg {
                Message::Binary(b) => {
                    if let Some(s) = stdin.as_mut() {
                        if s.write_all(&b).await.is_err() {
                            stdin = None;
                        }
                    }
                }
                Message::Text(t) if t.as_str().contains("\"end\"") => break,
                Message::Close(_) => break,
                _ => {}
            }
        }
        drop(stdin);
    };
    let out_tx = stdio_tx.clone();
    let output = async move { pump_raw(stdout, &out_tx).await };
    let errors = async move {
        if let (Some(ws), Some(pipe)) = (stderr_ws, stderr) {
            let (tx, _rx) = ws.split();
            let tx = tokio::sync::Mutex::new(tx);
            pump(pipe, &tx).await;
            let _ = tx.lock().await.close().await;
        }
    };
    let input_task = tokio::spawn(input);
    let streams = async { tokio::join!(output, errors) };
    let waited = async {
        streams.await;
        // The output is done: end the stdio stream.
        let _ = stdio_tx.lock().await.send(Message::text(END)).await;
        child.wait().await
    };
    let status = match args.timeout {
        Some(t) => match tokio::time::timeout(t, waited).await {
            Ok(s) => s,
            Err(_) => {
                input_task.abort();
                return Err(format!(
                    "timed out after {}: context deadline exceeded",
                    super::clock::go_duration(t)
                ));
            }
        },
        None => waited.await,
    };
    input_task.abort();
    let status = status.map_err(|e| format!("cannot wait for {:?}: {e}", args.command[0]))?;
    use std::os::unix::process::ExitStatusExt;
    Ok(status
        .code()
        .map(i64::from)
        .or_else(|| status.signal().map(|s| 128 + i64::from(s)))
        .unwrap_or(-1))
}

type Sink = futures_util::stream::SplitSink<Socket, Message>;

/// Copies a pipe to a WebSocket as binary messages, then sends "end".
async fn pump(pipe: impl AsyncRead + Unpin, tx: &tokio::sync::Mutex<Sink>) {
    pump_raw(pipe, tx).await;
    let _ = tx.lock().await.send(Message::text(END)).await;
}

async fn pump_raw(mut pipe: impl AsyncRead + Unpin, tx: &tokio::sync::Mutex<Sink>) {
    let mut buf = vec![0u8; 16 * 1024];
    loop {
        match pipe.read(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                if tx
                    .lock()
                    .await
                    .send(Message::binary(buf[..n].to_vec()))
                    .await
                    .is_err()
                {
                    break;
                }
            }
        }
    }
}
