//! # charm-reactive-pebble
//!
//! A Pebble client for sidecar charms. Kubernetes charms since Juju 2.9 run
//! their workload in containers managed by Pebble, configured through Pebble's
//! HTTP API on a Unix socket Juju mounts into the charm container at
//! `/charm/containers/<name>/pebble.socket` ([`default_socket`]).
//!
//! The API is synchronous (a handler is a plain function); the client runs
//! hyper's HTTP/1 client and tungstenite WebSockets on a private
//! single-threaded runtime.
//!
//! | area | calls |
//! |---|---|
//! | system | [`Client::system_info`] |
//! | changes | [`Client::change`], [`Client::changes`], [`Client::wait_change`] |
//! | plan and layers | [`Client::plan`], [`Client::add_layer`] (combine or not), [`apply_layer`] (replan only on a real change) |
//! | services | [`Client::services`], [`Client::start`], [`Client::stop`], [`Client::restart`], [`Client::replan`], [`Client::autostart`] |
//! | files | [`Client::push`], [`Client::pull`], [`Client::list_files`], [`Client::make_dir`], [`Client::remove_path`], with [`Ownership`] |
//! | exec | [`Client::exec`] with [`Exec`]: args, environment, working dir, timeout, stdin, stdout/stderr, exit code |
//! | checks | [`Client::checks`], [`Client::start_checks`], [`Client::stop_checks`] |
//! | notices | [`Client::notify`] (custom notices), [`Client::notice`], [`Client::notices`] |
//!
//! Errors are typed ([`Error`]): Pebble's error responses keep their HTTP code
//! and [`ErrorKind`] (`not-found`, `permission-denied`, `generic-file-error`,
//! ...), file errors name their path, a failed change keeps its `err`.

mod apply;
mod client;
mod error;
mod exec;
mod files;
mod transport;
mod types;

pub use apply::{apply_layer, Applied};
pub use client::{default_socket, Client, NoticeFilter, DEFAULT_CHANGE_TIMEOUT, DEFAULT_TIMEOUT};
pub use error::{Error, ErrorKind, Result};
pub use exec::{Exec, ExecOutput};
pub use files::Ownership;
pub use types::{Change, CheckInfo, FileInfo, Notice, Progress, ServiceInfo, SystemInfo, Task};
