//! Test harness shared by the layer crates' tests (the other crates include
//! this file with `#[path]`): one unit run hook after hook against
//!
//! - [`MemoryUnit`]: the engine's `MemoryBackend` and a real sled store, or
//! - [`FakeUnit`]: the real `HookTools` backend running the engine's fake
//!   hook-tool script (`engine/tests/fake-tools/fake-hook-tool`, used read-only
//!   from its place), with a state directory standing for the controller.
//!
//! Both keep the unit's store and Juju's side between hooks, as Juju would:
//! committed pod specs and leader settings survive, a failed hook's buffered
//! writes do not.
#![allow(dead_code)]

use std::any::Any;
use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use charm_reactive::backend::{Backend, HookTools, MemoryBackend, Model};
use charm_reactive::hook_env::RelationContext;
use charm_reactive::log::{Level, LogRecord};
use charm_reactive::store::{codec, Store};
use charm_reactive::{inspect, run_hook, EngineError, Handler, HookInfo, Registry};
use serde::de::DeserializeOwned;

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

/// A unit served by `MemoryBackend`, with its store.
pub struct MemoryUnit {
    _dir: tempfile::TempDir,
    pub store: Store,
    juju: Option<MemoryBackend>,
    registry: Arc<Registry>,
}

impl MemoryUnit {
    /// Unit `unit` running `registry`'s handlers and layers.
    pub fn new(unit: &str, registry: Registry) -> MemoryUnit {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path().join("unit.sled")).unwrap();
        MemoryUnit {
            _dir: dir,
            store,
            juju: Some(MemoryBackend::new(Model::new(unit))),
            registry: Arc::new(registry),
        }
    }

    /// The model, to change it between hooks or inspect it.
    pub fn model(&mut self) -> &mut Model {
        self.juju.as_mut().unwrap().model_mut()
    }

    /// Another unit of the same application, sharing this one's leader
    /// settings and pod specs (a replacement unit: a fresh store).
    pub fn successor(&mut self, unit: &str) -> MemoryUnit {
        let mut next = MemoryUnit::new(unit, (*self.registry).clone());
        let mine = self.model().clone();
        let model = next.model();
        model.leader_settings = mine.leader_settings;
        model.pod_specs = mine.pod_specs;
        model.config = mine.config;
        model.pod_spec_requires_leader = mine.pod_spec_requires_leader;
        next
    }

    /// Runs `hook` (a bare hook name, or a full HookInfo) and ends it as Juju does.
    pub fn run(&mut self, hook: impl Into<Hook>) -> Ran {
        let unit = self.model().unit.clone();
        let info = hook.into().info(&unit);
        let juju = Box::new(self.juju.take().unwrap());
        let outcome = run_hook(Arc::clone(&self.registry), &self.store, info, juju);
        let any: Box<dyn Any> = outcome.juju;
        let mut juju = *any.downcast::<MemoryBackend>().expect("a MemoryBackend");
        let calls: Vec<_> = juju.calls().to_vec();
        juju.end_hook(outcome.committed);
        self.juju = Some(juju);
        Ran {
            invoked: outcome.invoked,
            final_flags: outcome.final_flags,
            log: outcome.log,
            error: outcome.error,
            committed: outcome.committed,
            stdins: calls.iter().map(|c| c.stdin.clone()).collect(),
            calls: calls
                .into_iter()
                .map(|c| std::iter::once(c.tool).chain(c.args).collect())
                .collect(),
        }
    }

    /// The committed flags.
    pub fn flags(&self) -> Vec<String> {
        committed_flags(&self.store)
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

/// con6/2's `sse-endpoint-relation-departed` in the seed, as Juju >= 2.8 runs
/// it for `unit`: this unit is the departing one.
pub fn departing(unit: &str) -> HookInfo {
    HookInfo {
        relation: Some(RelationContext {
            name: "sse-endpoint".into(),
            id: "sse-endpoint:1".into(),
            remote_unit: Some("mock/0".into()),
            remote_app: Some("mock".into()),
            departing_unit: Some(unit.into()),
        }),
        ..HookInfo::new("sse-endpoint-relation-departed", unit)
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

    fn info(self, unit: &str) -> HookInfo {
        (self.0)(unit)
    }
}

impl From<&str> for Hook {
    fn from(name: &str) -> Hook {
        let name = name.to_owned();
        Hook::with(move |unit| HookInfo::new(name, unit))
    }
}

/// Every tool the engine's fake script answers to.
fn tool_names() -> Vec<&'static str> {
    include_str!("../../../../engine/tests/fake-tools/tools.txt")
        .lines()
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .collect()
}

/// The engine's fake multi-call hook tool (owned by the engine's tests).
pub fn fake_tool_script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../engine/tests/fake-tools/fake-hook-tool")
}

/// A unit served by the real `HookTools` backend over the fake hook tools.
pub struct FakeUnit {
    _dir: tempfile::TempDir,
    tools: PathBuf,
    pub state: PathBuf,
    pub store: Store,
    registry: Arc<Registry>,
    unit: String,
    /// Calls already returned by earlier runs.
    seen: usize,
}

impl FakeUnit {
    /// Unit `unit`, not the leader, no config, no leader settings.
    pub fn new(unit: &str, registry: Registry) -> FakeUnit {
        let dir = tempfile::tempdir().unwrap();
        let tools = dir.path().join("tools");
        let state = dir.path().join("state");
        fs::create_dir_all(&tools).unwrap();
        fs::create_dir_all(&state).unwrap();
        let script = fake_tool_script();
        assert!(
            script.exists(),
            "the engine's fake hook tool is missing: {}",
            script.display()
        );
        for tool in tool_names() {
            std::os::unix::fs::symlink(&script, tools.join(tool)).unwrap();
        }
        let store = Store::open(dir.path().join("unit.sled")).unwrap();
        let fake = FakeUnit {
            _dir: dir,
            tools,
            state,
            store,
            registry: Arc::new(registry),
            unit: unit.to_owned(),
            seen: 0,
        };
        fake.file("unit", unit);
        fake.leader(false);
        fake
    }

    /// Writes a state file (parents created).
    pub fn file(&self, rel: &str, content: &str) {
        let path = self.state.join(rel);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, content).unwrap();
    }

    /// Removes a state file.
    pub fn remove(&self, rel: &str) {
        let _ = fs::remove_file(self.state.join(rel));
    }

    /// Sets leadership.
    pub fn leader(&self, leader: bool) {
        self.file("leader", if leader { "true" } else { "false" });
    }

    /// Sets `config-get --all`'s answer.
    pub fn config(&self, config: serde_json::Value) {
        self.file("config.json", &config.to_string());
    }

    /// The leader settings as the controller holds them.
    pub fn leader_settings(&self) -> BTreeMap<String, String> {
        match fs::read_to_string(self.state.join("leader-settings.json")) {
            Ok(text) => serde_json::from_str(&text).unwrap(),
            Err(_) => BTreeMap::new(),
        }
    }

    /// Makes `tool` print `stderr` and exit with `code`.
    pub fn break_tool(&self, tool: &str, stderr: &str, code: i32) {
        self.file(&format!("behaviour/{tool}.stderr"), stderr);
        self.file(&format!("behaviour/{tool}.code"), &code.to_string());
    }

    /// Another unit of the same application: shares this controller state
    /// (leader settings, config), with its own fresh store.
    pub fn successor(&self, unit: &str) -> FakeUnit {
        let next = FakeUnit::new(unit, (*self.registry).clone());
        for f in ["config.json", "leader-settings.json"] {
            if let Ok(text) = fs::read_to_string(self.state.join(f)) {
                next.file(f, &text);
            }
        }
        next
    }

    /// Runs `hook` with a fresh HookTools backend (a new hook context), then
    /// applies its `leader-set` calls to the controller's leader settings as
    /// Juju does (at once, an empty value deleting the key).
    pub fn run(&mut self, hook: impl Into<Hook>) -> Ran {
        let info = hook.into().info(&self.unit);
        let juju = HookTools::new()
            .with_tool_dir(&self.tools)
            .with_env("FAKE_JUJU_STATE", self.state.to_str().unwrap())
            .with_unit(self.unit.clone())
            .with_timeout(Duration::from_secs(60));
        let outcome = run_hook(
            Arc::clone(&self.registry),
            &self.store,
            info,
            Box::new(juju),
        );
        let (calls, stdins) = self.received();
        let mut settings = self.leader_settings();
        // The fake refuses leader-set from a follower or when scripted to fail.
        let applied = fs::read_to_string(self.state.join("leader")).is_ok_and(|l| l == "true")
            && !self.state.join("behaviour/leader-set.code").exists();
        for call in calls.iter().filter(|c| applied && c[0] == "leader-set") {
            for kv in &call[1..] {
                let (k, v) = kv.split_once('=').unwrap();
                if v.is_empty() {
                    settings.remove(k);
                } else {
                    settings.insert(k.to_owned(), v.to_owned());
                }
            }
        }
        self.file(
            "leader-settings.json",
            &serde_json::to_string(&settings).unwrap(),
        );
        Ran {
            invoked: outcome.invoked,
            final_flags: outcome.final_flags,
            log: outcome.log,
            error: outcome.error,
            committed: outcome.committed,
            calls,
            stdins,
        }
    }

    /// Calls received since the last run.
    fn received(&mut self) -> (Vec<Vec<String>>, Vec<Option<String>>) {
        let dir = self.state.join("calls");
        let count: usize = fs::read_to_string(dir.join("count"))
            .map(|c| c.trim().parse().unwrap())
            .unwrap_or(0);
        let mut calls = Vec::new();
        let mut stdins = Vec::new();
        for n in self.seen + 1..=count {
            let base = dir.join(format!("{n:04}"));
            let raw = fs::read(base.with_extension("argv")).unwrap();
            let mut argv: Vec<String> = raw
                .split(|b| *b == 0)
                .map(|a| String::from_utf8(a.to_vec()).unwrap())
                .collect();
            argv.pop();
            calls.push(argv);
            stdins.push(fs::read_to_string(base.with_extension("stdin")).ok());
        }
        self.seen = count;
        (calls, stdins)
    }

    /// The committed flags.
    pub fn flags(&self) -> Vec<String> {
        committed_flags(&self.store)
    }
}
