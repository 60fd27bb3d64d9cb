//! The `hooks/` entries a packed charm carries for Juju before 2.8, which runs
//! `hooks/<name>` (and skips a hook that is missing) instead of `dispatch`.

use std::collections::BTreeSet;

use serde_json::{Map, Value};

/// Hooks every charm may receive, whatever its metadata.
const UNIT_HOOKS: &[&str] = &[
    "install",
    "start",
    "stop",
    "remove",
    "config-changed",
    "upgrade-charm",
    "update-status",
    "leader-elected",
    "leader-settings-changed",
    "pre-series-upgrade",
    "post-series-upgrade",
];

/// Suffixes of the hooks of every relation endpoint.
const RELATION_HOOKS: &[&str] = &["created", "joined", "changed", "departed", "broken"];

/// Suffixes of the hooks of every storage.
const STORAGE_HOOKS: &[&str] = &["storage-attached", "storage-detaching"];

/// Every hook name Juju can run for a charm with this metadata, sorted.
/// Each becomes `hooks/<name>`, a symlink to `../dispatch`: the charm binary
/// reads which hook it is from its own name when `JUJU_DISPATCH_PATH` is unset.
pub fn hook_names(metadata: &Map<String, Value>) -> BTreeSet<String> {
    let mut names: BTreeSet<String> = UNIT_HOOKS.iter().map(|h| (*h).to_owned()).collect();
    let keys = |section: &str| -> Vec<String> {
        metadata
            .get(section)
            .and_then(Value::as_object)
            .map(|m| m.keys().cloned().collect())
            .unwrap_or_default()
    };
    for endpoint in ["provides", "requires", "peers"]
        .iter()
        .flat_map(|s| keys(s))
    {
        for suffix in RELATION_HOOKS {
            names.insert(format!("{endpoint}-relation-{suffix}"));
        }
    }
    for storage in keys("storage") {
        for suffix in STORAGE_HOOKS {
            names.insert(format!("{storage}-{suffix}"));
        }
    }
    for container in keys("containers") {
        names.insert(format!("{container}-pebble-ready"));
    }
    names
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hooks_follow_the_metadata() {
        let meta: Map<String, Value> = serde_json::from_str(
            r#"{"requires": {"db": {"interface": "pgsql"}}, "peers": {"cluster": {"interface": "p"}},
                "storage": {"data": {"type": "filesystem"}}, "containers": {"web": {}}}"#,
        )
        .unwrap();
        let names = hook_names(&meta);
        for h in [
            "install",
            "upgrade-charm",
            "db-relation-changed",
            "cluster-relation-departed",
            "data-storage-attached",
            "web-pebble-ready",
        ] {
            assert!(names.contains(h), "{h} missing from {names:?}");
        }
        assert_eq!(
            names.len(),
            UNIT_HOOKS.len() + 2 * RELATION_HOOKS.len() + 2 + 1
        );
    }
}
