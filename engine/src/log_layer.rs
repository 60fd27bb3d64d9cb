//! `tracing` to juju-log: the [`tracing_subscriber::Layer`] that makes a hook's
//! `tracing` events juju-log records, in order with the engine's own.
//!
//! [`crate::run_hook`] installs it for the hook (on the hook's thread), so a
//! handler logs with `tracing::info!("listening on {port}")` and the line goes
//! out with the hook's other records, batched into one juju-log call per run of
//! one level, as the engine's lines are. Levels map one to one (ERROR, WARN as
//! WARNING, INFO, DEBUG); TRACE is not sent. Fields follow the message as
//! ` key=value`. The engine's own step events ([`crate::events`]) take the same
//! path and become one logfmt line each when the [`TraceMode`] asks for them.
//!
//! A subscriber the program installed itself keeps receiving the events.

use std::fmt;

use tracing::field::{Field, Visit};
use tracing::{Dispatch, Event, Metadata, Subscriber};
use tracing_subscriber::layer::{Context, Layer};

use crate::events;
use crate::log::{HookLog, Level, LogRecord, TraceMode};

/// Forwards `tracing` events to a hook's juju-log records.
pub(crate) struct JujuLogLayer {
    log: HookLog,
    trace: TraceMode,
    /// The dispatcher that was the default before the hook's, if any.
    forward: Option<Dispatch>,
}

impl JujuLogLayer {
    /// A layer writing to `log`; `forward` also receives every event.
    pub(crate) fn new(log: HookLog, trace: TraceMode, forward: Option<Dispatch>) -> JujuLogLayer {
        JujuLogLayer {
            log,
            trace,
            forward,
        }
    }

    fn wanted(&self, meta: &Metadata<'_>) -> bool {
        if events::is_step(meta.target()) {
            self.trace.events()
        } else {
            level(*meta.level()).is_some()
        }
    }

    fn forwarded(&self, meta: &Metadata<'_>) -> bool {
        self.forward.as_ref().is_some_and(|d| d.enabled(meta))
    }
}

/// juju-log's level for a `tracing` level; none for TRACE.
fn level(level: tracing::Level) -> Option<Level> {
    Some(match level {
        tracing::Level::ERROR => Level::Error,
        tracing::Level::WARN => Level::Warning,
        tracing::Level::INFO => Level::Info,
        tracing::Level::DEBUG => Level::Debug,
        _ => return None,
    })
}

impl<S: Subscriber> Layer<S> for JujuLogLayer {
    fn enabled(&self, meta: &Metadata<'_>, _: Context<'_, S>) -> bool {
        self.wanted(meta) || self.forwarded(meta)
    }

    fn on_event(&self, event: &Event<'_>, _: Context<'_, S>) {
        let meta = event.metadata();
        if self.forwarded(meta) {
            if let Some(forward) = &self.forward {
                forward.event(event);
            }
        }
        if !self.wanted(meta) {
            return;
        }
        let mut fields = Fields::default();
        event.record(&mut fields);
        let record = if events::is_step(meta.target()) {
            LogRecord::new(Level::Debug, events::logfmt(&fields.message, &fields.pairs))
        } else {
            let Some(level) = level(*meta.level()) else {
                return;
            };
            let mut line = fields.message;
            for (key, value) in &fields.pairs {
                events::field(&mut line, key, value);
            }
            LogRecord::new(level, line)
        };
        self.log.push(record);
    }
}

/// An event's message and its other fields, in the order they were given.
#[derive(Default)]
struct Fields {
    message: String,
    pairs: Vec<(&'static str, String)>,
}

impl Visit for Fields {
    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "message" {
            self.message = value.to_owned();
        } else {
            self.pairs.push((field.name(), value.to_owned()));
        }
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        let text = format!("{value:?}");
        if field.name() == "message" {
            self.message = text;
        } else {
            self.pairs.push((field.name(), text));
        }
    }
}

#[cfg(test)]
mod tests {
    use tracing_subscriber::layer::SubscriberExt;

    use super::*;

    fn capture(trace: TraceMode, f: impl FnOnce()) -> Vec<LogRecord> {
        let log = HookLog::default();
        let subscriber =
            tracing_subscriber::registry().with(JujuLogLayer::new(log.clone(), trace, None));
        tracing::subscriber::with_default(subscriber, f);
        log.take()
    }

    #[test]
    fn handler_events_become_records_at_their_level_with_their_fields() {
        let records = capture(TraceMode::Classic, || {
            tracing::info!(port = 8080, "listening");
            tracing::warn!(reason = "two words", "degraded");
            tracing::error!("broken");
            tracing::debug!("detail");
            tracing::trace!("not sent");
        });
        let got: Vec<(Level, &str)> = records
            .iter()
            .map(|r| (r.level, r.message.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                (Level::Info, "listening port=8080"),
                (Level::Warning, r#"degraded reason="two words""#),
                (Level::Error, "broken"),
                (Level::Debug, "detail"),
            ]
        );
    }

    #[test]
    fn step_events_are_logged_only_when_the_mode_asks() {
        let step = || tracing::debug!(target: "charm_reactive::dispatch", unit = "a/0", hook = "start", handler = "h", "invoke");
        assert!(capture(TraceMode::Classic, step).is_empty());
        let records = capture(TraceMode::Events, step);
        assert_eq!(
            records,
            [LogRecord::new(
                Level::Debug,
                "charm-reactive event=invoke unit=a/0 hook=start handler=h"
            )]
        );
    }
}
