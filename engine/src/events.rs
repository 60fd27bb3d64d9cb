//! Structured events: one line per dispatch step, with the unit, hook, handler
//! and flag as fields, so that `juju debug-log` (or jujusim's timeline) can be
//! filtered by any of them. charms.reactive's own tracer lines are multi-line and
//! carry none of these.
//!
//! Each step is emitted as a `tracing` event (targets `charm_reactive::dispatch`
//! and `charm_reactive::flags`) and, when [`crate::HookInfo::structured_events`]
//! is on, as one `juju-log` DEBUG line in logfmt:
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

/// Emits `step` as a tracing event and, when `structured`, returns it as a
/// logfmt line for juju-log.
pub(crate) fn emit(step: Step<'_>, place: Place<'_>, structured: bool) -> Option<String> {
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
    if !structured {
        return None;
    }
    let mut line = String::from("charm-reactive");
    let event = match step {
        Step::Phase { .. } => "phase",
        Step::Invoke { .. } => "invoke",
        Step::Failed { .. } => "failed",
        Step::Flag { set: true, .. } => "set",
        Step::Flag { set: false, .. } => "clear",
    };
    field(&mut line, "event", event);
    field(&mut line, "unit", unit);
    field(&mut line, "hook", hook);
    match step {
        Step::Phase { phase, queued } => {
            field(&mut line, "phase", phase);
            field(&mut line, "queued", &queued.to_string());
        }
        Step::Invoke { handler } | Step::Failed { handler } => field(&mut line, "handler", handler),
        Step::Flag { flag, .. } => {
            if let Some(h) = handler {
                field(&mut line, "handler", h);
            }
            field(&mut line, "flag", flag);
        }
    }
    Some(line)
}

/// Appends ` key=value`, quoting values that contain spaces, quotes or `=`.
fn field(line: &mut String, key: &str, value: &str) {
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
    fn values_with_spaces_are_quoted() {
        let mut line = String::new();
        field(&mut line, "flag", "a.b");
        field(&mut line, "msg", "two words");
        assert_eq!(line, r#" flag=a.b msg="two words""#);
    }
}
