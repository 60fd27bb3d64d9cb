//! One unit run hook after hook, for tests of layers and of the engine's
//! behaviour over several hooks, against
//!
//! - [`MemoryUnit`]: the engine's `MemoryBackend` and a real sled store, or
//! - [`FakeUnit`]: the real `HookTools` backend running the engine's fake
//!   hook-tool script (`engine/tests/fake-tools/fake-hook-tool`, used read-only
//!   from its place in the workspace), with a state directory standing for the
//!   controller.
//!
//! Both keep the unit's store and Juju's side between hooks, as Juju would:
//! committed pod specs and leader settings survive, a failed hook's buffered
//! writes do not. Every helper panics with a message on a broken setup: they
//! are for tests.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use charm_reactive::backend::application_of;
use charm_reactive::hook_env::RelationContext;
use charm_reactive::log::{Level, LogRecord};
use charm_reactive::store::{codec, Store};
use charm_reactive::{inspect, EngineError, Handler, HookInfo, Registry};
use serde::de::DeserializeOwned;

mod fake;
mod memory;

pub use fake::{fake_tool_script, FakeUnit};
pub use memory::MemoryUnit;

/// What one hook did.
#[derive(Debug)]
pub struct Ran {
    /// Handlers entered.
    pub invoked: Vec<String>,
    /// Flags at the end (what was committed, when it was).
    pub final_flags: Vec<String>,
    /// juju-log records.
    pub log: Vec<LogRecord>,
    /// Why it failed.
    pub error: Option<EngineError>,
    /// Whether it committed.
    pub committed: bool,
    /// Hook-tool invocations: tool name then arguments.
    pub calls: Vec<Vec<String>>,
    /// What each invocation read on stdin (same order as `calls`).
    pub stdins: Vec<Option<String>>,
}

impl Ran {
    /// Whether a log record at `level` contains `text`.
    pub fn logged(&self, level: Level, text: &str) -> bool {
        self.log
            .iter()
            .any(|r| r.level == level && r.message.contains(text))
    }

    /// The flags the tracer reports set (`tracer: set flag <flag>` lines), in
    /// order of first report: how a test sees flags that a layer sets at start
    /// and clears at exit.
    pub fn traced_sets(&self) -> Vec<&str> {
        let mut seen = std::collections::HashSet::new();
        self.log
            .iter()
            .flat_map(|r| r.message.lines())
            .filter_map(|l| l.strip_prefix("tracer: set flag "))
            .filter(|f| seen.insert(*f))
            .collect()
    }

    /// The invocations of one tool, arguments only.
    pub fn calls_of(&self, tool: &str) -> Vec<Vec<String>> {
        self.calls
            .iter()
            .filter(|c| c[0] == tool)
            .map(|c| c[1..].to_vec())
            .collect()
    }

    /// The stdin of each invocation of `tool`.
    pub fn stdins_of(&self, tool: &str) -> Vec<Option<String>> {
        self.calls
            .iter()
            .zip(&self.stdins)
            .filter(|(c, _)| c[0] == tool)
            .map(|(_, s)| s.clone())
            .collect()
    }

    /// Panics with the error and log unless the hook committed.
    pub fn ok(self) -> Ran {
        assert!(
            self.committed,
            "hook failed: {:?}\nlog: {:#?}",
            self.error, self.log
        );
        self
    }
}

/// The flags one probe saw, and the phase it ran in.
type Sighting = (String, Vec<String>);

/// Flags seen by probe handlers, one entry per run.
#[derive(Clone, Default)]
pub struct Probe(Arc<Mutex<Vec<Sighting>>>);

impl Probe {
    /// A handler that records the flags when it runs in the `hooks` phase of
    /// `hooks` (so: before any `when` handler, right after the layers' start).
    pub fn at_hooks(&self, hooks: &[&str]) -> Handler {
        let seen = self.clone();
        Handler::new("probe-hooks", move |ctx| {
            seen.record("hooks", ctx.get_flags());
            Ok(())
        })
        .hook(hooks.iter().copied())
    }

    /// A handler that records the flags in the main phase, every hook.
    pub fn at_main(&self) -> Handler {
        let seen = self.clone();
        Handler::new("probe-main", move |ctx| {
            seen.record("main", ctx.get_flags());
            Ok(())
        })
        .when_not(["probe.never-set"])
    }

    /// Records `flags` as seen in `phase`.
    pub fn record(&self, phase: &str, flags: Vec<String>) {
        self.0.lock().unwrap().push((phase.to_owned(), flags));
    }

    /// The flags recorded last by the probe of `phase`, and forgets everything.
    pub fn take(&self, phase: &str) -> Vec<String> {
        let mut seen = self.0.lock().unwrap();
        let last = seen
            .iter()
            .rev()
            .find(|(p, _)| p == phase)
            .map(|(_, f)| f.clone());
        seen.clear();
        last.unwrap_or_else(|| panic!("the {phase} probe did not run"))
    }

    /// Whether the probe of `phase` ran since the last `take`.
    pub fn ran(&self, phase: &str) -> bool {
        self.0.lock().unwrap().iter().any(|(p, _)| p == phase)
    }
}

/// The committed flags of `store`, sorted.
pub fn committed_flags(store: &Store) -> Vec<String> {
    inspect::read_flags(store).unwrap().into_keys().collect()
}

/// The names of `registry`'s layers in start order, checking that `name` is
/// among them exactly once (a layer registered twice would run twice).
pub fn layer_names_with_one(registry: &Registry, name: &str) -> Vec<&'static str> {
    let names: Vec<&'static str> = registry.layers().iter().map(|l| l.name()).collect();
    assert_eq!(
        names.iter().filter(|n| **n == name).count(),
        1,
        "{name} once in {names:?}"
    );
    names
}

/// `<endpoint>-relation-departed` of relation `endpoint:id` as Juju >= 2.8
/// runs it for `unit` when `unit` itself is the departing one
/// (`JUJU_DEPARTING_UNIT`), `remote_unit` being the hook's remote unit.
pub fn departing(unit: &str, endpoint: &str, id: u32, remote_unit: &str) -> HookInfo {
    HookInfo {
        relation: Some(RelationContext {
            name: endpoint.into(),
            id: format!("{endpoint}:{id}"),
            remote_unit: Some(remote_unit.into()),
            remote_app: Some(application_of(remote_unit).into()),
            departing_unit: Some(unit.into()),
        }),
        ..HookInfo::new(format!("{endpoint}-relation-departed"), unit)
    }
}

/// A committed unit key/value (what handlers see as `ctx.kv().get(key)`).
pub fn kv<T: DeserializeOwned>(store: &Store, key: &str) -> Option<T> {
    let bytes = inspect::read_kv(store).unwrap().remove(key)?;
    Some(codec::decode(&bytes).unwrap())
}

/// The committed unit key/values, raw, by key.
pub fn kv_all(store: &Store) -> BTreeMap<String, Vec<u8>> {
    inspect::read_kv(store).unwrap()
}

/// Commits a unit key/value given as raw (codec) bytes.
pub fn set_kv_raw(store: &Store, key: &str, bytes: Vec<u8>) {
    inspect::write_kv(store, [(key, bytes)]).unwrap();
}

/// A hook to run: a name, or a name with more context.
pub struct Hook(Box<dyn FnOnce(&str) -> HookInfo>);

impl Hook {
    /// A hook built from the unit name.
    pub fn with(f: impl FnOnce(&str) -> HookInfo + 'static) -> Hook {
        Hook(Box::new(f))
    }

    pub(crate) fn info(self, unit: &str) -> HookInfo {
        (self.0)(unit)
    }
}

impl From<&str> for Hook {
    fn from(name: &str) -> Hook {
        let name = name.to_owned();
        Hook::with(move |unit| HookInfo::new(name, unit))
    }
}
