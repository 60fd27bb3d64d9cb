//! Structured events: one line per dispatch step, with the unit, hook, handler
//! and flag as fields, so that `juju debug-log` (or jujusim's timeline) can be
//! filtered by any of them. charms.reactive's own tracer lines are multi-line and
//! carry none of these.
//!
//! Each step is emitted as a `tracing` event (targets `charm_reactive::dispatch`
//! and `charm_reactive::flags`); the hook's juju-log layer makes it one DEBUG
//! line in logfmt when the [`crate::log::TraceMode`] includes events:
//!
//! ```text
//! charm-reactive event=invoke unit=con6/3 hook=config-changed handler=src/charm.rs:40:set_pod_spec
//! charm-reactive event=set unit=con6/3 hook=config-changed handler=src/charm.rs:40:set_pod_spec flag=app:pod-spec.set
//! ```

use std::fmt::Write;

/// One step of a hook.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Step<'a> {
    /// A dispatch phase starts with `queued` handlers.
    Phase { phase: &'a str, queued: usize },
    /// A handler is invoked.
    Invoke { handler: &'a str },
    /// A handler failed.
    Failed { handler: &'a str },
    /// A flag was set (`set`) or cleared.
    Flag { flag: &'a str, set: bool },
}

/// Where a step happened: the unit, the hook, and the handler running (if any).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Place<'a> {
    pub(crate) unit: &'a str,
    pub(crate) hook: &'a str,
    pub(crate) handler: Option<&'a str>,
}

/// The targets of step events.
const TARGETS: [&str; 2] = ["charm_reactive::dispatch", "charm_reactive::flags"];

/// Whether events of `target` are the engine's step events.
pub(crate) fn is_step(target: &str) -> bool {
    TARGETS.contains(&target)
}

/// Emits `step` as a `tracing` event.
pub(crate) fn emit(step: Step<'_>, place: Place<'_>) {
    let Place {
        unit,
        hook,
        handler,
    } = place;
    match step {
        Step::Phase { phase, queued } => {
            tracing::debug!(target: "charm_reactive::dispatch", unit, hook, phase, queued, "phase")
        }
        Step::Invoke { handler } => {
            tracing::debug!(target: "charm_reactive::dispatch", unit, hook, handler, "invoke")
        }
        Step::Failed { handler } => {
            tracing::warn!(target: "charm_reactive::dispatch", unit, hook, handler, "handler failed")
        }
        Step::Flag { flag, set } => {
            tracing::debug!(target: "charm_reactive::flags", unit, hook, handler, flag, set, "flag")
        }
    }
}

/// The logfmt line of a step event with message `message` and fields
/// `fields` (in the order [`emit`] gives them).
pub(crate) fn logfmt(message: &str, fields: &[(&str, String)]) -> String {
    let set = fields
        .iter()
        .find(|(k, _)| *k == "set")
        .map(|(_, v)| v.as_str());
    let event = match (message, set) {
        ("handler failed", _) => "failed",
        ("flag", Some("true")) => "set",
        ("flag", _) => "clear",
        (other, _) => other,
    };
    let mut line = String::from("charm-reactive");
    field(&mut line, "event", event);
    for (key, value) in fields.iter().filter(|(k, _)| *k != "set") {
        field(&mut line, key, value);
    }
    line
}

/// Appends ` key=value`, quoting values that contain spaces, quotes or `=`.
pub(crate) fn field(line: &mut String, key: &str, value: &str) {
    if value.is_empty() || value.contains([' ', '"', '=', '\n']) {
        let _ = write!(line, " {key}={value:?}");
    } else {
        let _ = write!(line, " {key}={value}");
    }
}

#[cfg(test)]
mod tests {
    use super::field;

    #[test]
    fn step_events_read_as_before() {
        fn f<'a>(pairs: &[(&'a str, &str)]) -> Vec<(&'a str, String)> {
            pairs.iter().map(|(k, v)| (*k, v.to_string())).collect()
        }
        assert_eq!(
            super::logfmt(
                "flag",
                &f(&[
                    ("unit", "a/0"),
                    ("hook", "start"),
                    ("flag", "x"),
                    ("set", "false")
                ])
            ),
            "charm-reactive event=clear unit=a/0 hook=start flag=x"
        );
        assert_eq!(
            super::logfmt(
                "phase",
                &f(&[("unit", "a/0"), ("phase", "hooks"), ("queued", "2")])
            ),
            "charm-reactive event=phase unit=a/0 phase=hooks queued=2"
        );
    }

    #[test]
    fn values_with_spaces_are_quoted() {
        let mut line = String::new();
        field(&mut line, "flag", "a.b");
        field(&mut line, "msg", "two words");
        assert_eq!(line, r#" flag=a.b msg="two words""#);
    }
}
