//! [`MemoryUnit`]: a unit served by the engine's in-memory Juju.

use std::sync::Arc;

use charm_reactive::backend::{Backend, MemoryBackend, Model};
use charm_reactive::store::Store;
use charm_reactive::{run_hook, Registry};

use super::{committed_flags, Hook, Ran};

/// A unit served by `MemoryBackend`, with its store.
pub struct MemoryUnit {
    _dir: tempfile::TempDir,
    /// The unit store.
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
        let mut juju = self.juju.take().unwrap();
        let outcome = run_hook(Arc::clone(&self.registry), &self.store, info, &mut juju);
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
