//! Log records: what the engine says through `juju-log`.

use std::fmt;

/// juju-log's levels, as charmhelpers names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Level {
    /// `DEBUG`: tracer lines.
    Debug,
    /// `INFO`: `Invoking reactive handler:` and the like.
    Info,
    /// `WARNING`.
    Warning,
    /// `ERROR`: `Hook error:`.
    Error,
}

impl Level {
    /// The name juju-log takes with `-l`.
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Debug => "DEBUG",
            Level::Info => "INFO",
            Level::Warning => "WARNING",
            Level::Error => "ERROR",
        }
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One `juju-log` call: a level and a message, possibly of several lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogRecord {
    /// The level.
    pub level: Level,
    /// The message.
    pub message: String,
}
