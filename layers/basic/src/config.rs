//! [`Config`]: the charm's configuration with "changed since the last hook",
//! charmhelpers' `hookenv.config()` for charm-reactive.
//!
//! The previous configuration is the one saved at the end of the last
//! successful hook, kept in the unit store (charmhelpers kept it in
//! `$CHARM_DIR/.juju-persistent-config`): a hook that fails saves nothing, so
//! its change is seen again when Juju retries it.

use charm_reactive::log::Level;
use charm_reactive::Context;
use serde_json::{Map, Value};

use crate::pyvalue::py_eq;
use crate::BasicError;

/// Unit-store key (in [`Context::kv`]) of the configuration saved at the end of
/// the last successful hook, as JSON text.
pub const PREVIOUS_CONFIG_KEY: &str = "layer-basic.persistent-config";

/// The charm's configuration in this hook, and the one of the last successful
/// hook.
///
/// As in charmhelpers, an option that disappeared from the live configuration
/// keeps its previous value (`get` still returns it), and on a unit's first hook
/// every option counts as changed.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    live: Map<String, Value>,
    previous: Option<Map<String, Value>>,
}

impl Config {
    /// A configuration from its live values and the saved previous ones (tests).
    pub fn new(live: Map<String, Value>, previous: Option<Map<String, Value>>) -> Config {
        Config { live, previous }
    }

    /// An option's value (`None` when neither set nor remembered).
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.live
            .get(key)
            .or_else(|| self.previous.as_ref()?.get(key))
    }

    /// The option's value at the end of the last successful hook.
    pub fn previous(&self, key: &str) -> Option<&Value> {
        self.previous.as_ref()?.get(key)
    }

    /// Whether the option differs from its previous value (charmhelpers'
    /// `Config.changed`): always `true` when nothing was saved yet; values
    /// compare as Python's `==` does (`1 == 1.0`).
    pub fn changed(&self, key: &str) -> bool {
        if self.previous.is_none() {
            return true;
        }
        let null = Value::Null;
        !py_eq(
            self.previous(key).unwrap_or(&null),
            self.get(key).unwrap_or(&null),
        )
    }

    /// Every key: the live ones, then remembered ones no longer live.
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        let live = self.live.keys().map(String::as_str);
        let gone = self
            .previous
            .iter()
            .flat_map(|p| p.keys())
            .filter(|k| !self.live.contains_key(*k))
            .map(String::as_str);
        live.chain(gone)
    }

    /// What is saved for the next hook: live values plus remembered ones.
    pub(crate) fn merged(&self) -> Map<String, Value> {
        let mut out = self.previous.clone().unwrap_or_default();
        out.extend(self.live.iter().map(|(k, v)| (k.clone(), v.clone())));
        out
    }
}

/// The configuration in this hook: `config-get --all` (cached by the backend)
/// and the configuration saved at the end of the last successful hook.
///
/// ```no_run
/// # fn handler(ctx: &mut charm_reactive::Context<'_>) -> anyhow::Result<()> {
/// let config = charm_reactive_basic::config(ctx)?;
/// if config.changed("port") {
///     ctx.clear_flag("app.configured");
/// }
/// # Ok(()) }
/// ```
pub fn config(ctx: &mut Context<'_>) -> Result<Config, BasicError> {
    let live = ctx.juju().config()?;
    let previous = match ctx.kv().get::<String>(PREVIOUS_CONFIG_KEY)? {
        None => None,
        Some(text) => match serde_json::from_str::<Map<String, Value>>(&text) {
            Ok(map) => Some(map),
            Err(e) => {
                // charmhelpers: log, and report every value as changed.
                ctx.log(
                    Level::Error,
                    format!("Found but was unable to parse previous config data, ignoring which will report all values as changed - {e}"),
                );
                None
            }
        },
    };
    Ok(Config { live, previous })
}

/// Saves `config` as the previous configuration of the next hook.
pub(crate) fn save(ctx: &mut Context<'_>, config: &Config) -> Result<(), BasicError> {
    let text = Value::Object(config.merged()).to_string();
    ctx.kv().set(PREVIOUS_CONFIG_KEY, &text)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn map(v: Value) -> Map<String, Value> {
        match v {
            Value::Object(m) => m,
            _ => unreachable!("an object"),
        }
    }

    #[test]
    fn first_hook_changes_everything() {
        let c = Config::new(map(json!({"a": 1, "b": null})), None);
        assert!(c.changed("a") && c.changed("b") && c.changed("never"));
        assert_eq!(c.previous("a"), None);
    }

    #[test]
    fn changes_compare_like_python_and_removed_options_stick() {
        let c = Config::new(
            map(json!({"a": 1.0, "b": "x"})),
            Some(map(json!({"a": 1, "b": "y", "gone": 5}))),
        );
        assert!(!c.changed("a"));
        assert!(c.changed("b"));
        assert!(!c.changed("gone"));
        assert!(!c.changed("never"));
        assert_eq!(c.get("gone"), Some(&json!(5)));
        assert_eq!(c.keys().collect::<Vec<_>>(), ["a", "b", "gone"]);
        assert_eq!(c.merged(), map(json!({"a": 1.0, "b": "x", "gone": 5})));
    }

    #[test]
    fn an_empty_previous_config_compares_with_none() {
        let c = Config::new(map(json!({"a": null, "b": 2})), Some(Map::new()));
        assert!(!c.changed("a"));
        assert!(c.changed("b"));
    }
}
