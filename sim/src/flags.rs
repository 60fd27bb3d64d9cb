//! Reading a unit's reactive flags for assertions.
//!
//! The simulator does not know how a charm stores its flags (charm-reactive
//! keeps them in a sled store, charms.reactive in `.unit-state.db`), so a
//! scenario tells it per application, and this is the extension point:
//!
//! * `flags-command: <shell command>`: run with `sh -c` in the unit's charm dir
//!   with `JUJU_UNIT_NAME`, `JUJU_CHARM_DIR`, `CHARM_DIR` and `JUJU_MODEL_NAME`
//!   set (no hook tools: it runs outside any hook). It prints the set flags.
//! * `flags-file: <path>`: a file, relative to the unit's charm dir, holding the
//!   set flags (`{unit}` in the path becomes the unit name with `/` as `-`).
//!
//! * neither: the unit is a charm-reactive charm; its flags are read from its
//!   sled store (`.unit-state.sled/<unit>` in its charm dir) with the engine's
//!   own reader.
//!
//! Either output is a JSON array of names, a JSON object whose keys are the set
//! flags (keys with value `false` are skipped), or one name per line.
//!
//! Application-scope flags live in leader settings, which the simulator owns:
//! a flag `F` is set when the key `<prefix>F` holds a non-empty value. The
//! default prefix is charm-reactive's (`charm-reactive.app.flag.`, engine flag
//! name `app:F`); expected names may be written with or without `app:`.

use std::collections::{BTreeMap, BTreeSet};
use std::process::Command;

use serde_json::Value;

use crate::model::Unit;

/// Where an application's unit flags come from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FlagSource {
    /// A shell command printing them.
    Command(String),
    /// A file holding them.
    File(String),
    /// The unit's charm-reactive store.
    Store,
}

/// Where a charm-reactive charm keeps `unit`'s store (see `charm_reactive::store_path`).
pub fn store_dir(unit: &Unit) -> std::path::PathBuf {
    unit.charm_dir
        .join(".unit-state.sled")
        .join(unit.name.replace('/', "-"))
}

/// Default leader-settings key prefix of application-scope flags.
pub const DEFAULT_APP_FLAG_PREFIX: &str = "charm-reactive.app.flag.";

/// Parses flag listings: JSON array, JSON object, or lines.
pub fn parse_flag_listing(text: &str) -> BTreeSet<String> {
    match serde_json::from_str::<Value>(text.trim()) {
        Ok(Value::Array(items)) => items
            .into_iter()
            .filter_map(|v| v.as_str().map(str::to_string))
            .collect(),
        Ok(Value::Object(m)) => m
            .into_iter()
            .filter(|(_, v)| *v != Value::Bool(false))
            .map(|(k, _)| k)
            .collect(),
        _ => text
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(str::to_string)
            .collect(),
    }
}

/// Reads the flags of `unit` from `source`.
pub fn unit_flags(
    source: &FlagSource,
    unit: &Unit,
    model_name: &str,
    env: &[(String, String)],
) -> Result<BTreeSet<String>, String> {
    match source {
        FlagSource::Store => {
            let dir = store_dir(unit);
            let store = charm_reactive::store::Store::open(&dir).map_err(|e| e.to_string())?;
            let flags = charm_reactive::inspect::read_flags(&store).map_err(|e| e.to_string())?;
            Ok(flags.into_keys().collect())
        }
        FlagSource::File(path) => {
            let rel = path.replace("{unit}", &unit.name.replace('/', "-"));
            let p = unit.charm_dir.join(rel);
            std::fs::read_to_string(&p)
                .map(|t| parse_flag_listing(&t))
                .map_err(|e| format!("flags-file {}: {e}", p.display()))
        }
        FlagSource::Command(cmd) => {
            let dir = unit.charm_dir.display().to_string();
            let out = Command::new("sh")
                .arg("-c")
                .arg(cmd)
                .current_dir(&unit.charm_dir)
                .env_clear()
                .envs(env.iter().map(|(k, v)| (k, v)))
                .env("JUJU_UNIT_NAME", &unit.name)
                .env("JUJU_CHARM_DIR", &dir)
                .env("CHARM_DIR", &dir)
                .env("JUJU_MODEL_NAME", model_name)
                .output()
                .map_err(|e| format!("flags-command {cmd:?}: {e}"))?;
            if !out.status.success() {
                return Err(format!(
                    "flags-command {cmd:?} failed ({}): {}",
                    out.status,
                    String::from_utf8_lossy(&out.stderr).trim()
                ));
            }
            Ok(parse_flag_listing(&String::from_utf8_lossy(&out.stdout)))
        }
    }
}

/// Application-scope flags: leader-settings keys under `prefix` with a non-empty value.
pub fn app_flags(leader_settings: &BTreeMap<String, String>, prefix: &str) -> BTreeSet<String> {
    leader_settings
        .iter()
        .filter(|(_, v)| !v.is_empty())
        .filter_map(|(k, _)| k.strip_prefix(prefix).map(str::to_string))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn listings() {
        let a = parse_flag_listing(r#"["x", "y"]"#);
        assert!(a.contains("x") && a.len() == 2);
        let o = parse_flag_listing(r#"{"x": null, "y": false}"#);
        assert_eq!(o, BTreeSet::from(["x".to_string()]));
        let l = parse_flag_listing("a.b\n\n c \n");
        assert_eq!(l, BTreeSet::from(["a.b".to_string(), "c".to_string()]));
    }

    #[test]
    fn app_flags_use_the_prefix() {
        let s = BTreeMap::from([
            (
                "charm-reactive.app.flag.db.ready".to_string(),
                "set".to_string(),
            ),
            (
                "charm-reactive.app.kv.db.ready".to_string(),
                "1".to_string(),
            ),
            ("other".to_string(), "1".to_string()),
        ]);
        assert_eq!(
            app_flags(&s, DEFAULT_APP_FLAG_PREFIX),
            BTreeSet::from(["db.ready".to_string()])
        );
    }
}
