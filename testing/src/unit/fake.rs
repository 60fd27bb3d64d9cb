//! [`FakeUnit`]: a unit served by the real hook-tool backend over the
//! engine's fake hook tool.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use charm_reactive::backend::HookTools;
use charm_reactive::store::Store;
use charm_reactive::{run_hook, Registry};

use super::{committed_flags, Hook, Ran};

/// Every tool the engine's fake script answers to.
fn tool_names() -> Vec<&'static str> {
    include_str!("../../../engine/tests/fake-tools/tools.txt")
        .lines()
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .collect()
}

/// The engine's fake multi-call hook tool (owned by the engine's tests).
pub fn fake_tool_script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../engine/tests/fake-tools/fake-hook-tool")
}

/// A unit served by the real `HookTools` backend over the fake hook tools.
pub struct FakeUnit {
    _dir: tempfile::TempDir,
    tools: PathBuf,
    /// The controller's state directory (the fake tool's `FAKE_JUJU_STATE`).
    pub state: PathBuf,
    /// The unit store.
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
        let mut juju = HookTools::new()
            .with_tool_dir(&self.tools)
            .with_env("FAKE_JUJU_STATE", self.state.to_str().unwrap())
            .with_unit(self.unit.clone())
            .with_timeout(Duration::from_secs(60));
        let outcome = run_hook(Arc::clone(&self.registry), &self.store, info, &mut juju);
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
