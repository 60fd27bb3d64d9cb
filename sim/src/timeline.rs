//! The run's timeline: one record per log line, in the style of `juju debug-log`,
//! and the filters the seed's user could not apply to debug-log.
//!
//! Multi-line messages (the charms.reactive tracer's `tracer>` blocks) are split
//! into one record per line, so that every line can be filtered on its own.

use charm_reactive::pattern::glob;
use serde::Serialize;

/// What produced a record.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    /// The agent starts a hook.
    HookStart,
    /// The agent saw the hook finish (or skipped it).
    HookEnd,
    /// `juju-log`.
    Log,
    /// `status-set`.
    Status,
    /// A line the hook process wrote on stdout or stderr.
    Output,
    /// A hook-tool call (hidden unless asked for).
    Tool,
    /// Something the controller did: units added or dying, leadership, pod specs.
    Controller,
}

/// One timeline record.
#[derive(Clone, Debug, Serialize)]
pub struct Record {
    /// Virtual time in ms.
    pub at_ms: u64,
    /// debug-log entity: `unit-con6-3`, `application-con6` or `controller`.
    pub entity: String,
    /// The unit concerned, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
    /// The hook running when it was recorded.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hook: Option<String>,
    /// `TRACE`, `DEBUG`, `INFO`, `WARNING`, `ERROR`, `CRITICAL`.
    pub level: String,
    /// Logger module, e.g. `unit.con6/3.juju-log`.
    pub module: String,
    /// What produced it.
    pub kind: Kind,
    /// One line of text.
    pub message: String,
}

impl Record {
    /// The debug-log line: `unit-con6-3: 12:00:01 INFO unit.con6/3.juju-log sse-endpoint:3: ...`.
    pub fn render(&self) -> String {
        format!(
            "{}: {} {} {} {}",
            self.entity,
            clock(self.at_ms),
            self.level,
            self.module,
            self.message
        )
    }
}

/// Virtual time as a wall clock starting at 12:00:00.
pub fn clock(at_ms: u64) -> String {
    let s = 12 * 3600 + at_ms / 1000;
    format!("{:02}:{:02}:{:02}", (s / 3600) % 24, (s / 60) % 60, s % 60)
}

/// All records of a run.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Timeline {
    /// Records in the order they happened.
    pub records: Vec<Record>,
}

/// Who a new record is about.
#[derive(Clone, Debug)]
pub struct Source {
    /// debug-log entity.
    pub entity: String,
    /// Unit name.
    pub unit: Option<String>,
    /// Running hook.
    pub hook: Option<String>,
}

impl Source {
    /// The controller itself.
    pub fn controller() -> Self {
        Self {
            entity: "controller".into(),
            unit: None,
            hook: None,
        }
    }

    /// A unit, outside or inside a hook.
    pub fn unit(unit: &str, hook: Option<&str>) -> Self {
        Self {
            entity: crate::model::unit_tag(unit),
            unit: Some(unit.into()),
            hook: hook.map(str::to_string),
        }
    }
}

impl Timeline {
    /// Adds a record per line of `message`.
    pub fn push(
        &mut self,
        at_ms: u64,
        src: &Source,
        level: &str,
        module: &str,
        kind: Kind,
        message: &str,
    ) {
        let lines: Vec<&str> = if message.is_empty() {
            vec![""]
        } else {
            message.lines().collect()
        };
        for line in lines {
            self.records.push(Record {
                at_ms,
                entity: src.entity.clone(),
                unit: src.unit.clone(),
                hook: src.hook.clone(),
                level: level.into(),
                module: module.into(),
                kind,
                message: line.into(),
            });
        }
    }
}

/// Timeline filters: a record is shown when it matches every given category
/// (and any value within a category).
#[derive(Clone, Debug, Default)]
pub struct Filter {
    /// Unit names (`con6/3`) or application names (`con6`).
    pub units: Vec<String>,
    /// Hook names; `*` matches any run of characters (`*-relation-*`).
    pub hooks: Vec<String>,
    /// Handler ids or parts of them (`notify_relation_needed`).
    pub handlers: Vec<String>,
    /// Flag names, matched as whole words.
    pub flags: Vec<String>,
    /// Show hook-tool calls too.
    pub show_tools: bool,
}

impl Filter {
    /// Whether `r` passes.
    pub fn matches(&self, r: &Record) -> bool {
        if r.kind == Kind::Tool && !self.show_tools {
            return false;
        }
        let unit_ok = self.units.is_empty()
            || r.unit.as_deref().is_some_and(|u| {
                self.units
                    .iter()
                    .any(|f| f == u || crate::model::app_of(u) == f)
            });
        let hook_ok = self.hooks.is_empty()
            || r.hook
                .as_deref()
                .is_some_and(|h| self.hooks.iter().any(|p| glob(p, h)));
        let handler_ok = self.handlers.is_empty()
            || self.handlers.iter().any(|h| r.message.contains(h.as_str()));
        let flag_ok = self.flags.is_empty() || {
            let words: Vec<&str> = r
                .message
                .split(|c: char| c.is_whitespace() || "=,'\"()[]{}".contains(c))
                .collect();
            self.flags.iter().any(|f| words.contains(&f.as_str()))
        };
        unit_ok && hook_ok && handler_ok && flag_ok
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(unit: &str, hook: &str, msg: &str) -> Record {
        Record {
            at_ms: 61_500,
            entity: crate::model::unit_tag(unit),
            unit: Some(unit.into()),
            hook: Some(hook.into()),
            level: "INFO".into(),
            module: format!("unit.{unit}.juju-log"),
            kind: Kind::Log,
            message: msg.into(),
        }
    }

    #[test]
    fn renders_like_debug_log() {
        let r = rec("con6/3", "start", "Invoking reactive handler: x");
        assert_eq!(
            r.render(),
            "unit-con6-3: 12:01:01 INFO unit.con6/3.juju-log Invoking reactive handler: x"
        );
    }

    #[test]
    fn filters_combine() {
        let r = rec(
            "con6/3",
            "sse-endpoint-relation-changed",
            "tracer: set flag sse-endpoint.available",
        );
        let f = Filter {
            units: vec!["con6".into()],
            hooks: vec!["*-relation-*".into()],
            flags: vec!["sse-endpoint.available".into()],
            ..Filter::default()
        };
        assert!(f.matches(&r));
        let f2 = Filter {
            flags: vec!["available".into()],
            ..Filter::default()
        };
        assert!(!f2.matches(&r), "flags match whole words only");
        let f3 = Filter {
            units: vec!["con6/2".into()],
            ..Filter::default()
        };
        assert!(!f3.matches(&r));
    }

    #[test]
    fn handler_and_flag_filters_read_either_trace_format() {
        let handler = "src/lib.rs:40:config_consumer";
        let classic = [
            rec(
                "con6/3",
                "start",
                &format!("Invoking reactive handler: {handler}"),
            ),
            rec("con6/3", "start", "tracer: set flag consumer.configured"),
        ];
        let events = [
            rec(
                "con6/3",
                "start",
                &format!("charm-reactive event=invoke unit=con6/3 hook=start handler={handler}"),
            ),
            rec(
                "con6/3",
                "start",
                &format!("charm-reactive event=set unit=con6/3 hook=start handler={handler} flag=consumer.configured"),
            ),
        ];
        let by_handler = Filter {
            handlers: vec!["config_consumer".into()],
            ..Filter::default()
        };
        let by_flag = Filter {
            flags: vec!["consumer.configured".into()],
            ..Filter::default()
        };
        assert!(by_handler.matches(&classic[0]) && by_handler.matches(&events[0]));
        assert!(by_flag.matches(&classic[1]) && by_flag.matches(&events[1]));
        assert!(!by_flag.matches(&classic[0]) && !by_flag.matches(&events[0]));
    }

    #[test]
    fn multi_line_messages_become_records() {
        let mut t = Timeline::default();
        t.push(
            0,
            &Source::unit("a/0", Some("start")),
            "DEBUG",
            "unit.a/0.juju-log",
            Kind::Log,
            "tracer>\ntracer: set flag x",
        );
        assert_eq!(t.records.len(), 2);
        assert_eq!(t.records[1].message, "tracer: set flag x");
    }
}
