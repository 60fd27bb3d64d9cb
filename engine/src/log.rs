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
}
