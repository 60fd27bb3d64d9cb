//! The agent socket: a listener thread hands each hook-tool connection to the
//! controller's thread through a channel, together with the running hook's
//! output lines and exit, so that one thread owns the model and serves
//! requests one at a time (Juju's jujuc server runs commands one at a time too).

use std::io::{self, BufRead, BufReader, Read};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};
use std::process::ExitStatus;
use std::sync::mpsc::{channel, Receiver, Sender};
use std::thread;

/// Something that happened while a hook runs.
#[derive(Debug)]
pub enum Event {
    /// A hook-tool client connected.
    Connection(UnixStream),
    /// A line the hook printed (`stderr` true for stderr), tagged with the hook's sequence number.
    Line {
        /// Which hook run produced it.
        seq: u64,
        /// From stderr.
        stderr: bool,
        /// The line, without its newline.
        text: String,
    },
    /// One of the hook's output pipes closed.
    Closed {
        /// Which hook run.
        seq: u64,
    },
    /// The hook process exited.
    Exited {
        /// Which hook run.
        seq: u64,
        /// Its status (an error if waiting failed).
        status: io::Result<ExitStatus>,
    },
}

/// The listening socket and the event channel.
pub struct Server {
    path: PathBuf,
    tx: Sender<Event>,
    rx: Receiver<Event>,
}

impl Server {
    /// Binds `path` (removing a stale socket file) and starts accepting.
    pub fn bind(path: &Path) -> io::Result<Self> {
        let _ = std::fs::remove_file(path);
        let listener = UnixListener::bind(path)?;
        let (tx, rx) = channel();
        let accept_tx = tx.clone();
        thread::spawn(move || {
            for conn in listener.incoming() {
                let Ok(stream) = conn else { continue };
                if accept_tx.send(Event::Connection(stream)).is_err() {
                    break;
                }
            }
        });
        Ok(Self {
            path: path.to_path_buf(),
            tx,
            rx,
        })
    }

    /// The socket path (for `JUJU_AGENT_SOCKET_ADDRESS`).
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// A sender for hook output and exit events.
    pub fn sender(&self) -> Sender<Event> {
        self.tx.clone()
    }

    /// The receiving end.
    pub fn events(&self) -> &Receiver<Event> {
        &self.rx
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// Forwards the lines of `pipe` as [`Event::Line`], then [`Event::Closed`].
pub fn pump_lines(seq: u64, stderr: bool, pipe: impl Read + Send + 'static, tx: Sender<Event>) {
    thread::spawn(move || {
        let reader = BufReader::new(pipe);
        for line in reader.split(b'\n') {
            let Ok(bytes) = line else { break };
            let text = String::from_utf8_lossy(&bytes)
                .trim_end_matches('\r')
                .to_string();
            if tx.send(Event::Line { seq, stderr, text }).is_err() {
                return;
            }
        }
        let _ = tx.send(Event::Closed { seq });
    });
}
