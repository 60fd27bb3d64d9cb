//! Pebble in jujusim: each sidecar container gets a Pebble server on a Unix
//! socket speaking Pebble's HTTP API (the subset charms use: system info,
//! changes, plan and layers, services, files, exec, checks, notices).
//! Services are state (started with a configuration, restarted by a replan
//! when it changed); exec runs real processes; the container's filesystem is a
//! directory on the host. Scenario steps fail and recover checks and send
//! custom notices through [`PebbleServer::set_check`] and [`PebbleServer::notify`].

mod clock;
mod exec;
mod files;
mod http;
mod plan;
mod state;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

pub use state::CheckTransition;
use state::State;

/// What the server threads share.
pub(crate) struct Shared {
    state: Mutex<State>,
    root: files::Root,
    execs: Mutex<std::collections::BTreeMap<String, Arc<exec::Sockets>>>,
}

/// A running Pebble server; stopped (and its socket removed) when dropped.
pub struct PebbleServer {
    socket: PathBuf,
    shared: Arc<Shared>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

/// Why a server could not start.
#[derive(Debug, thiserror::Error)]
pub enum PebbleError {
    /// The socket could not be bound.
    #[error("cannot listen on {path}: {source}")]
    Listen {
        /// The socket path.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
}

impl PebbleServer {
    /// Starts a Pebble listening at `socket`, the container's filesystem at `root`.
    pub fn start(socket: &Path, root: &Path) -> Result<PebbleServer, PebbleError> {
        let listen_err = |source| PebbleError::Listen {
            path: socket.to_path_buf(),
            source,
        };
        if let Some(dir) = socket.parent() {
            std::fs::create_dir_all(dir).map_err(listen_err)?;
        }
        std::fs::create_dir_all(root).map_err(listen_err)?;
        let _ = std::fs::remove_file(socket);
        let std_listener = std::os::unix::net::UnixListener::bind(socket).map_err(listen_err)?;
        std_listener.set_nonblocking(true).map_err(listen_err)?;
        let shared = Arc::new(Shared {
            state: Mutex::new(State::default()),
            root: files::Root(root.to_path_buf()),
            execs: Mutex::new(Default::default()),
        });
        let (stop, stopped) = tokio::sync::oneshot::channel();
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(listen_err)?;
        let served = shared.clone();
        let thread = std::thread::Builder::new()
            .name("pebble".into())
            .spawn(move || runtime.block_on(http::serve(std_listener, served, stopped)))
            .map_err(listen_err)?;
        Ok(PebbleServer {
            socket: socket.to_path_buf(),
            shared,
            stop: Some(stop),
            thread: Some(thread),
        })
    }

    /// The socket path.
    pub fn socket(&self) -> &Path {
        &self.socket
    }

    /// The container's filesystem on the host.
    pub fn root(&self) -> &Path {
        &self.shared.root.0
    }

    /// A scenario step: check `name` fails (down) or recovers (up).
    pub fn set_check(&self, name: &str, up: bool) -> Result<CheckTransition, String> {
        self.shared.state.lock().unwrap().set_check(name, up)
    }

    /// A scenario step: a custom notice from the workload; returns its id.
    pub fn notify(&self, key: &str, data: &[(&str, &str)]) -> Result<String, String> {
        let data = data
            .iter()
            .map(|(k, v)| (k.to_string(), serde_json::Value::String(v.to_string())))
            .collect();
        self.shared
            .state
            .lock()
            .unwrap()
            .notify("custom", key, data, None, None)
            .map_err(|e| e.message)
    }

    /// Whether service `name` is running.
    pub fn service_active(&self, name: &str) -> bool {
        self.shared.state.lock().unwrap().is_active(name)
    }

    /// The combined plan (YAML).
    pub fn plan_yaml(&self) -> String {
        plan::render(&self.shared.state.lock().unwrap().plan())
    }

    /// How many changes of `kind` (`replan`, `exec`, ...) Pebble has run.
    pub fn change_count(&self, kind: &str) -> usize {
        let st = self.shared.state.lock().unwrap();
        st.changes("all")
            .unwrap_or_default()
            .iter()
            .filter(|c| c["kind"] == kind)
            .count()
    }
}

impl Drop for PebbleServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
        let _ = std::fs::remove_file(&self.socket);
    }
}
