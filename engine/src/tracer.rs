//! charms.reactive's LogTracer, line for line, plus one structured `tracing`
//! event per step.
//!
//! The LogTracer groups lines into emissions (one `juju-log` call each, a
//! multi-line emission headed by `tracer>`), and after every flag change prints
//! the handlers whose test result changed (`++   queue` / `-- dequeue`, sorted by
//! id). [`Tracer::report_flag`] computes that change incrementally.

use crate::log::{HookLog, Level, LogRecord};
use crate::registry::{HandlerIdx, Registry};

/// The tracer's state: pending lines and the handler set it last reported.
#[derive(Debug, Default)]
pub(crate) struct Tracer {
    enabled: bool,
    /// Whether its lines are logged ([`crate::log::TraceMode::classic`]). A
    /// tracer that does not print still re-tests handlers, since tests have
    /// effects (`when_file_changed` records hashes) that dispatch sees.
    print: bool,
    /// The pending emission, line by line, each line ending in `\n`: one
    /// buffer rather than a string per line joined at the end, since a
    /// phase start on a large charm queues thousands of lines.
    pending: String,
    /// Lines in `pending`.
    lines: usize,
    /// `active[i]`: handler i was in the set last reported.
    active: Vec<bool>,
    /// Every index set in `active` since the last reset (a superset of the
    /// true ones), to reset it without a full scan.
    active_list: Vec<HandlerIdx>,
    /// Whether `active` is the true set at the current state; false before the
    /// first report, when charms.reactive re-tests every handler.
    known: bool,
}

impl Tracer {
    pub(crate) fn new(handlers: usize) -> Tracer {
        Tracer {
            enabled: false,
            print: true,
            pending: String::new(),
            lines: 0,
            active: vec![false; handlers],
            active_list: Vec::new(),
            known: false,
        }
    }

    /// charms.reactive installs the LogTracer at atstart, which restricted hooks skip.
    pub(crate) fn enable(&mut self, enabled: bool) {
        self.enabled = enabled;
    }

    /// Whether its lines are logged.
    pub(crate) fn print(&mut self, print: bool) {
        self.print = print;
    }

    pub(crate) fn enabled(&self) -> bool {
        self.enabled
    }

    pub(crate) fn emit(&mut self, msg: std::fmt::Arguments<'_>) {
        use std::fmt::Write;
        if !self.print {
            return;
        }
        self.pending.push_str("tracer: ");
        // Writing into a String cannot fail.
        let _ = self.pending.write_fmt(msg);
        self.pending.push('\n');
        self.lines += 1;
    }

    /// Ends an emission: one log record, headed by `tracer>` when multi-line.
    pub(crate) fn flush(&mut self, log: &HookLog) {
        if self.lines == 0 {
            return;
        }
        self.pending.pop();
        if self.lines > 1 {
            self.pending.insert_str(0, "tracer>\n");
        }
        log.push(LogRecord::new(
            Level::Debug,
            std::mem::take(&mut self.pending),
        ));
        self.lines = 0;
    }

    /// The reported set becomes exactly `handlers` (a phase or iteration start).
    pub(crate) fn reset_active(&mut self, handlers: &[HandlerIdx]) {
        for &i in &self.active_list {
            self.active[i] = false;
        }
        self.active_list.clear();
        for &i in handlers {
            if !self.active[i] {
                self.active[i] = true;
                self.active_list.push(i);
            }
        }
        self.known = true;
    }

    /// Records a handler's new test result; true when it changed.
    fn update(&mut self, idx: HandlerIdx, now: bool) -> bool {
        if self.active[idx] == now {
            return false;
        }
        self.active[idx] = now;
        // Stale entries of cleared handlers stay in the list: resetting an
        // already-false entry is harmless, and this keeps updates O(1).
        if now {
            self.active_list.push(idx);
        }
        true
    }

    /// LogTracer's `_flag`: the line, then the handlers whose test result
    /// changed since the last report, as the pending emission (the caller
    /// flushes it). Only handlers watching `flag` and those with volatile
    /// conditions can have changed, so only they are re-tested with `test`.
    pub(crate) fn report_flag(
        &mut self,
        line: std::fmt::Arguments<'_>,
        flag: &str,
        registry: &Registry,
        mut test: impl FnMut(HandlerIdx) -> bool,
    ) {
        self.emit(line);
        let candidates: Vec<HandlerIdx> = if self.known {
            let mut c: Vec<HandlerIdx> = registry.watchers(flag).to_vec();
            c.extend_from_slice(registry.volatile());
            c.sort_unstable();
            c.dedup();
            c
        } else {
            (0..registry.handlers().len()).collect()
        };
        let mut queued = Vec::new();
        let mut dequeued = Vec::new();
        for idx in candidates {
            let now = test(idx);
            if self.update(idx, now) {
                let id = registry.handlers()[idx].id();
                if now {
                    queued.push(id)
                } else {
                    dequeued.push(id)
                }
            }
        }
        self.known = true;
        queued.sort_unstable();
        dequeued.sort_unstable();
        for id in queued {
            self.emit(format_args!("++   queue handler {id}"));
        }
        for id in dequeued {
            self.emit(format_args!("-- dequeue handler {id}"));
        }
    }
}
