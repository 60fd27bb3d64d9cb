//! Where a unit's store lives: in the charm dir (a sled database, the default),
//! or in Juju's controller-side unit state (`state-get` / `state-set`, Juju >=
//! 2.8), which survives the charm dir and is committed by Juju together with
//! the hook's other changes, only when the hook succeeds.
//!
//! With [`UnitStore::JujuState`] the hook runs on a scratch sled store loaded
//! from `state-get` (one call); after a successful hook the changed keys go out
//! in one `state-set --file -` and the removed ones with `state-delete`. Keys are
//! the store's own under the prefix [`STATE_PREFIX`]; values are `x` followed
//! by hex, because unit state holds strings and deletes a key set to `""`
//! (a plain flag's value is empty). Juju's limits apply: keys up to 256 bytes, values up
//! to 64 KiB (32 KiB of store value), 2 MiB in all by default.
//!
//! Unit state belongs to the unit NAME, like the sled store: a replacement unit
//! starts empty either way. What units share goes through the application scope.

use std::collections::BTreeMap;

use crate::backend::Backend;
use crate::store::Store;
use crate::EngineError;

/// Keys of the unit store in Juju's unit state start with this.
pub const STATE_PREFIX: &str = "charm-reactive/";

/// Where the unit store lives.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum UnitStore {
    /// A sled database in the charm dir (see [`crate::store_path`]).
    #[default]
    CharmDir,
    /// Juju's controller-side unit state (Juju >= 2.8).
    JujuState,
}

/// A scratch store loaded from unit state, and what it held when loaded.
pub(crate) struct StateMirror {
    // Field order: the store closes before its directory is removed.
    store: Store,
    initial: BTreeMap<String, Vec<u8>>,
    _dir: tempfile::TempDir,
}

impl StateMirror {
    /// Loads the unit store from `state-get` into a scratch store.
    pub(crate) fn load(juju: &mut dyn Backend) -> Result<StateMirror, EngineError> {
        let dir = tempfile::tempdir().map_err(|source| EngineError::Scratch {
            what: "the unit-state store",
            source,
        })?;
        let store = Store::open(dir.path().join("unit-state"))?;
        let mut initial = BTreeMap::new();
        for (key, value) in juju.state_get()? {
            let Some(name) = key.strip_prefix(STATE_PREFIX) else {
                continue;
            };
            let bytes = value
                .strip_prefix('x')
                .and_then(crate::store::hex::decode)
                .ok_or_else(|| {
                    EngineError::decoding(
                        format!("unit state key {key:?}"),
                        "not the `x<hex>` this engine writes",
                    )
                })?;
            initial.insert(name.to_owned(), bytes);
        }
        let mut tx = store.transaction();
        for (name, bytes) in &initial {
            tx.put_raw(name, bytes.clone())?;
        }
        tx.commit()?;
        Ok(StateMirror {
            store,
            initial,
            _dir: dir,
        })
    }

    /// The store the hook runs on.
    pub(crate) fn store(&self) -> &Store {
        &self.store
    }

    /// Sends what the hook committed: changed keys in one `state-set`, removed
    /// ones with `state-delete`. Juju applies them only if the hook exits 0.
    pub(crate) fn save(self, juju: &mut dyn Backend) -> Result<(), EngineError> {
        // The store's own bookkeeping keys (format, generation) start with NUL
        // and belong to the scratch store, not to the unit.
        let now: BTreeMap<String, Vec<u8>> = self
            .store
            .transaction()
            .scan_prefix("")?
            .into_iter()
            .filter(|(k, _)| !k.starts_with('\0'))
            .collect();
        let changed: BTreeMap<String, String> = now
            .iter()
            .filter(|(k, v)| self.initial.get(*k) != Some(*v))
            .map(|(k, v)| {
                (
                    format!("{STATE_PREFIX}{k}"),
                    format!("x{}", crate::store::hex::encode(v)),
                )
            })
            .collect();
        if !changed.is_empty() {
            juju.state_set(&changed)?;
        }
        for key in self.initial.keys().filter(|k| !now.contains_key(*k)) {
            juju.state_delete(&format!("{STATE_PREFIX}{key}"))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::backend::{MemoryBackend, Model};
    use crate::{run_hook, Handler, HookInfo, Registry};

    fn registry() -> Arc<Registry> {
        let count = Handler::new("count", |ctx| {
            let n: u32 = ctx.kv().get("n")?.unwrap_or(0);
            ctx.kv().set("n", &(n + 1))?;
            ctx.toggle_flag("even", n.is_multiple_of(2));
            if n == 2 {
                anyhow::bail!("the third hook fails");
            }
            Ok(())
        });
        Arc::new(
            Registry::builder()
                .handler(count.hook(["update-status"]))
                .build()
                .unwrap(),
        )
    }

    /// One hook on unit state: load, run, save if committed, let Juju commit.
    fn hook(model: Model) -> (bool, Model, Vec<String>) {
        let mut juju = MemoryBackend::new(model);
        let mirror = StateMirror::load(&mut juju).unwrap();
        let outcome = run_hook(
            registry(),
            mirror.store(),
            HookInfo::new("update-status", "app/0"),
            &mut juju,
        );
        if outcome.committed {
            mirror.save(&mut juju).unwrap();
        }
        let tools: Vec<String> = juju.calls().iter().map(|c| c.tool.clone()).collect();
        let mut memory = juju;
        memory.end_hook(outcome.committed);
        (outcome.committed, memory.into_model(), tools)
    }

    #[test]
    fn flags_and_values_live_in_unit_state_and_a_failing_hook_changes_nothing() {
        let (ok, model, tools) = hook(Model::new("app/0"));
        assert!(ok);
        assert_eq!(
            tools,
            ["state-get", "state-set"],
            "one read, one write per hook"
        );
        assert!(model.state.contains_key("charm-reactive/kv/n"));
        assert!(model.state.contains_key("charm-reactive/flag/even"));
        assert!(model.state.keys().all(|k| k.starts_with(STATE_PREFIX)));

        let (ok, model, tools) = hook(model);
        assert!(ok);
        assert!(
            !model.state.contains_key("charm-reactive/flag/even"),
            "cleared flag deleted"
        );
        assert!(tools.contains(&"state-delete".to_owned()));

        let before = model.state.clone();
        let (ok, model, tools) = hook(model);
        assert!(!ok, "the third hook fails");
        assert_eq!(
            model.state, before,
            "a failing hook leaves unit state as it was"
        );
        assert_eq!(tools, ["state-get"]);
    }

    #[test]
    fn foreign_keys_are_left_alone_and_bad_values_are_refused() {
        let mut model = Model::new("app/0");
        model.state.insert("other-layer".into(), "kept".into());
        let (_, model, _) = hook(model);
        assert_eq!(model.state["other-layer"], "kept");

        let mut bad = Model::new("app/0");
        bad.state
            .insert(format!("{STATE_PREFIX}kv/n"), "not hex".into());
        let mut juju = MemoryBackend::new(bad);
        let err = StateMirror::load(&mut juju).err().expect("refused");
        assert!(err.to_string().contains("charm-reactive/kv/n"), "{err}");
    }
}
