//! Runs one hook process and serves its hook-tool requests until it exits.

use std::io::{BufReader, Write};
use std::os::unix::net::UnixStream;
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc::RecvTimeoutError;
use std::thread;
use std::time::{Duration, Instant};

use crate::protocol::{receive, respond, Request, Response};
use crate::server::{pump_lines, Event, Server};

/// How long to wait for the output pipes to close after the hook exited
/// (a daemon it left behind may hold them open forever).
const PIPE_GRACE: Duration = Duration::from_secs(2);
/// How long a connected client may take to send its request.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// The process to run for a hook.
#[derive(Clone, Debug)]
pub struct HookProcess {
    /// The executable (`dispatch` or `hooks/<name>`).
    pub program: PathBuf,
    /// Working directory (the charm dir).
    pub cwd: PathBuf,
    /// The complete environment.
    pub env: Vec<(String, String)>,
    /// Real-time limit; the process is killed after it.
    pub timeout: Duration,
}

/// How the hook ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Exit {
    /// Exited with this code.
    Code(i32),
    /// Killed by a signal.
    Signal(i32),
    /// Could not be started.
    SpawnFailed(String),
    /// Ran past the timeout and was killed.
    TimedOut,
}

impl Exit {
    /// Exit code 0.
    pub fn success(&self) -> bool {
        *self == Exit::Code(0)
    }

    /// Juju's wording for a failed hook: `exit status 1`.
    pub fn describe(&self) -> String {
        match self {
            Exit::Code(c) => format!("exit status {c}"),
            Exit::Signal(s) => format!("signal: {s}"),
            Exit::SpawnFailed(e) => format!("cannot start hook: {e}"),
            Exit::TimedOut => "timed out: killed".into(),
        }
    }
}

/// What the controller does with requests and output while a hook runs.
pub trait HookHandler {
    /// Serves one hook-tool request (checking its context id).
    fn request(&mut self, req: &Request) -> Response;
    /// Receives one output line of the hook.
    fn line(&mut self, stderr: bool, text: &str);
}

/// What runs a hook for the controller.
///
/// [`ProcessExecutor`] starts the charm executable as a child process whose
/// hook tools reach the controller over the agent socket. An in-process
/// harness can run a charm's dispatch function instead, sending each hook-tool
/// call to `handler.request` with the `JUJU_CONTEXT_ID` from `proc.env` and
/// `stdin` always set: the tools then behave exactly as for a process.
pub trait Executor {
    /// The agent socket to name in the hook environment, if any.
    fn agent_socket(&self) -> Option<&Path>;
    /// Runs the hook described by `proc` (run number `seq`), serving its tool
    /// requests and output through `handler`, until it ends.
    fn run(&mut self, seq: u64, proc: &HookProcess, handler: &mut dyn HookHandler) -> Exit;
}

/// Runs hooks as child processes, with the hook tools served over a Unix socket.
pub struct ProcessExecutor {
    server: Server,
    _socket_dir: tempfile::TempDir,
}

impl ProcessExecutor {
    /// Binds the agent socket in a fresh, short temp dir under /tmp (socket
    /// paths are limited to about 108 bytes).
    pub fn new() -> std::io::Result<Self> {
        let dir = tempfile::Builder::new()
            .prefix("jujusim")
            .tempdir_in("/tmp")?;
        let server = Server::bind(&dir.path().join("agent.socket"))?;
        Ok(Self {
            server,
            _socket_dir: dir,
        })
    }
}

impl Executor for ProcessExecutor {
    fn agent_socket(&self) -> Option<&Path> {
        Some(self.server.path())
    }

    fn run(&mut self, seq: u64, proc: &HookProcess, handler: &mut dyn HookHandler) -> Exit {
        run_hook(&self.server, seq, proc, handler)
    }
}

/// Runs `proc` as hook run number `seq`, serving requests until it exits.
pub fn run_hook(
    server: &Server,
    seq: u64,
    proc: &HookProcess,
    handler: &mut dyn HookHandler,
) -> Exit {
    let mut cmd = Command::new(&proc.program);
    cmd.current_dir(&proc.cwd)
        .env_clear()
        .envs(proc.env.iter().map(|(k, v)| (k, v)))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = match cmd.spawn() {
        Ok(c) => c,
        Err(e) => return Exit::SpawnFailed(format!("{}: {e}", proc.program.display())),
    };
    let pid = child.id();
    let tx = server.sender();
    if let Some(out) = child.stdout.take() {
        pump_lines(seq, false, out, tx.clone());
    }
    if let Some(err) = child.stderr.take() {
        pump_lines(seq, true, err, tx.clone());
    }
    thread::spawn(move || {
        let status = child.wait();
        let _ = tx.send(Event::Exited { seq, status });
    });

    // A timeout no clock can add (scenarios cap theirs) waits a day.
    let longest = std::time::Duration::from_secs(crate::scenario::limits::MAX_HOOK_TIMEOUT);
    let deadline = Instant::now() + proc.timeout.min(longest);
    let mut exit: Option<Exit> = None;
    let mut timed_out = false;
    let mut open_pipes = 2;
    let mut grace_end: Option<Instant> = None;
    loop {
        if exit.is_some() && open_pipes == 0 {
            break;
        }
        let until = grace_end.unwrap_or(deadline);
        let wait = until.saturating_duration_since(Instant::now());
        match server.events().recv_timeout(wait) {
            Ok(Event::Connection(stream)) => serve_connection(stream, handler),
            Ok(Event::Line {
                seq: s,
                stderr,
                text,
            }) if s == seq => handler.line(stderr, &text),
            Ok(Event::Closed { seq: s }) if s == seq => open_pipes -= 1,
            Ok(Event::Exited { seq: s, status }) if s == seq => {
                exit = Some(match status {
                    Ok(st) => match (st.code(), st.signal()) {
                        (Some(c), _) => Exit::Code(c),
                        (None, Some(_)) if timed_out => Exit::TimedOut,
                        (None, Some(sig)) => Exit::Signal(sig),
                        (None, None) => Exit::Code(-1),
                    },
                    Err(e) => Exit::SpawnFailed(e.to_string()),
                });
                grace_end = Some(Instant::now() + PIPE_GRACE);
            }
            Ok(_) => {}
            Err(RecvTimeoutError::Timeout) if exit.is_some() => break,
            Err(RecvTimeoutError::Timeout) => {
                timed_out = true;
                let _ = Command::new("kill")
                    .args(["-KILL", &pid.to_string()])
                    .stderr(Stdio::null())
                    .status();
                grace_end = Some(Instant::now() + PIPE_GRACE * 5);
            }
            Err(RecvTimeoutError::Disconnected) => break,
        }
    }
    exit.unwrap_or(Exit::TimedOut)
}

/// Answers one client: a request, and its re-send with stdin when asked.
fn serve_connection(stream: UnixStream, handler: &mut dyn HookHandler) {
    let _ = stream.set_read_timeout(Some(REQUEST_TIMEOUT));
    let Ok(read_half) = stream.try_clone() else {
        return;
    };
    let mut reader = BufReader::new(read_half);
    let mut writer = stream;
    while let Ok(Some(req)) = receive::<Request>(&mut reader) {
        let resp = handler.request(&req);
        let done = matches!(resp, Response::Done { .. });
        if respond(&mut writer, &resp).is_err() || done {
            break;
        }
    }
    let _ = writer.flush();
}
