//! Log records: what the engine says through `juju-log`, the hook's ordered
//! list of them, and which lines a dispatch step becomes ([`TraceMode`]).

use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};

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

/// The longest message one `juju-log` call carries, in characters: charmhelpers'
/// `SH_MAX_ARG`, just under the kernel's limit on one argument (MAX_ARG_STRLEN).
/// Longer messages are cut, exactly as charms.reactive's are.
pub const MAX_MESSAGE_CHARS: usize = 131_071;

impl LogRecord {
    /// A record; the message is cut to [`MAX_MESSAGE_CHARS`].
    pub fn new(level: Level, message: impl Into<String>) -> LogRecord {
        let mut message = message.into();
        if message.len() > MAX_MESSAGE_CHARS {
            if let Some((cut, _)) = message.char_indices().nth(MAX_MESSAGE_CHARS) {
                message.truncate(cut);
            }
        }
        LogRecord { level, message }
    }
}

/// The environment variable that chooses the [`TraceMode`]:
/// `CHARM_REACTIVE_TRACE=classic|events|both`.
pub const TRACE_ENV: &str = "CHARM_REACTIVE_TRACE";

/// Which juju-log lines a hook's dispatch steps become. Each step is logged
/// once by default.
///
/// The default is [`TraceMode::Classic`], charms.reactive's own lines: a charm
/// ported from charms.reactive logs what it logged before, line for line (the
/// conformance fixtures compare exactly these), and an operator's habits and
/// greps keep working. [`TraceMode::Events`] gives one logfmt line per step
/// instead, which `juju debug-log | grep handler=...` can filter; jujusim's
/// filters and report read either.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum TraceMode {
    /// charms.reactive's LogTracer blocks (`tracer: set flag x`, `++   queue
    /// handler h`) and `Invoking reactive handler: h`.
    #[default]
    Classic,
    /// One logfmt line per step: `charm-reactive event=invoke unit=web/0
    /// hook=start handler=h` (see [`crate::events`]).
    Events,
    /// Both: each step twice.
    Both,
}

/// A [`TRACE_ENV`] value that is not a trace mode.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{TRACE_ENV}={0:?}: expected classic, events or both")]
pub struct UnknownTraceMode(pub String);

impl TraceMode {
    /// The mode [`TRACE_ENV`] names, the default when it is unset or empty.
    pub fn from_env() -> Result<TraceMode, UnknownTraceMode> {
        match std::env::var(TRACE_ENV) {
            Ok(v) if !v.is_empty() => v.parse(),
            _ => Ok(TraceMode::default()),
        }
    }

    /// Whether charms.reactive's lines are logged.
    pub fn classic(self) -> bool {
        matches!(self, TraceMode::Classic | TraceMode::Both)
    }

    /// Whether the one-line events are logged.
    pub fn events(self) -> bool {
        matches!(self, TraceMode::Events | TraceMode::Both)
    }
}

impl std::str::FromStr for TraceMode {
    type Err = UnknownTraceMode;

    fn from_str(s: &str) -> Result<TraceMode, UnknownTraceMode> {
        match s {
            "classic" => Ok(TraceMode::Classic),
            "events" => Ok(TraceMode::Events),
            "both" => Ok(TraceMode::Both),
            other => Err(UnknownTraceMode(other.to_owned())),
        }
    }
}

/// One hook's juju-log records in the order they were made, shared by the
/// engine and the `tracing` layer that forwards handlers' events
/// ([`crate::log_layer`]).
#[derive(Debug, Clone, Default)]
pub(crate) struct HookLog(Arc<Mutex<Vec<LogRecord>>>);

impl HookLog {
    pub(crate) fn new(records: Vec<LogRecord>) -> HookLog {
        HookLog(Arc::new(Mutex::new(records)))
    }

    pub(crate) fn push(&self, record: LogRecord) {
        // A panic while pushing leaves the list whole: use it.
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(record);
    }

    /// The records so far, leaving the log empty.
    pub(crate) fn take(&self) -> Vec<LogRecord> {
        std::mem::take(&mut *self.0.lock().unwrap_or_else(PoisonError::into_inner))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_messages_are_cut_by_characters() {
        let r = LogRecord::new(Level::Debug, "é".repeat(MAX_MESSAGE_CHARS + 5));
        assert_eq!(r.message.chars().count(), MAX_MESSAGE_CHARS);
        let short = LogRecord::new(Level::Info, "x".repeat(10));
        assert_eq!(short.message.len(), 10);
    }

    #[test]
    fn trace_modes_parse_and_refuse_the_unknown() {
        assert_eq!("events".parse(), Ok(TraceMode::Events));
        assert!(TraceMode::Both.classic() && TraceMode::Both.events());
        assert!(TraceMode::default().classic() && !TraceMode::default().events());
        let err = "json".parse::<TraceMode>().unwrap_err();
        assert_eq!(
            err.to_string(),
            "CHARM_REACTIVE_TRACE=\"json\": expected classic, events or both"
        );
    }
}
