//! The charm's options and their defaults, from `config.yaml`, in file order
//! (layer-basic walks `config.yaml`'s `options` in that order, so the flags are
//! set, and traced, in that order).

use std::fmt;
use std::path::{Path, PathBuf};

use serde::de::{MapAccess, Visitor};
use serde::{Deserialize, Deserializer};
use serde_json::Value;

use crate::BasicError;

/// The options of a charm's `config.yaml`, each with its default (`null` when it
/// has none), in file order.
///
/// ```
/// use charm_reactive_basic::ConfigOptions;
/// let opts = ConfigOptions::parse("options:\n  port: {type: int, default: 80}\n  name: {type: string}\n")?;
/// assert_eq!(opts.names().collect::<Vec<_>>(), ["port", "name"]);
/// assert_eq!(opts.default_value("port"), Some(&serde_json::json!(80)));
/// assert_eq!(opts.default_value("name"), Some(&serde_json::Value::Null));
/// # Ok::<(), charm_reactive_basic::BasicError>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ConfigOptions {
    options: Vec<(String, Value)>,
}

impl ConfigOptions {
    /// Options given in code: `(name, default)` pairs, in order.
    pub fn new<K: Into<String>>(options: impl IntoIterator<Item = (K, Value)>) -> ConfigOptions {
        ConfigOptions {
            options: options.into_iter().map(|(k, v)| (k.into(), v)).collect(),
        }
    }

    /// Parses `config.yaml` text.
    pub fn parse(yaml: &str) -> Result<ConfigOptions, BasicError> {
        ConfigOptions::parse_at(yaml, Path::new("config.yaml"))
    }

    fn parse_at(yaml: &str, path: &Path) -> Result<ConfigOptions, BasicError> {
        let file: ConfigYaml =
            serde_saphyr::from_str(yaml).map_err(|e| BasicError::ConfigYaml {
                path: path.to_owned(),
                reason: e.to_string(),
            })?;
        let options = file.options.map(|o| o.0).unwrap_or_default();
        Ok(ConfigOptions {
            options: options
                .into_iter()
                .map(|(name, def)| (name, def.map(|d| d.default).unwrap_or(Value::Null)))
                .collect(),
        })
    }

    /// Reads `<charm_dir>/config.yaml`: `Ok(None)` when the charm has none.
    pub fn load(charm_dir: &Path) -> Result<Option<ConfigOptions>, BasicError> {
        let path = charm_dir.join("config.yaml");
        match std::fs::read_to_string(&path) {
            Ok(text) => ConfigOptions::parse_at(&text, &path).map(Some),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(source) => Err(BasicError::Io { path, source }),
        }
    }

    /// The option names, in order.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.options.iter().map(|(k, _)| k.as_str())
    }

    /// An option's default (`null` when `config.yaml` gives none); `None` for an
    /// unknown option.
    pub fn default_value(&self, name: &str) -> Option<&Value> {
        self.options.iter().find(|(k, _)| k == name).map(|(_, v)| v)
    }

    /// Whether there are no options.
    pub fn is_empty(&self) -> bool {
        self.options.is_empty()
    }
}

/// The charm directory from the process environment (`JUJU_CHARM_DIR`, else
/// `CHARM_DIR`), else the working directory, where Juju runs hooks: the
/// engine's own rule, for hooks whose `HookInfo` has no charm directory.
pub(crate) fn env_charm_dir() -> PathBuf {
    ["JUJU_CHARM_DIR", "CHARM_DIR"]
        .iter()
        .find_map(|v| std::env::var_os(v).filter(|d| !d.is_empty()))
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("."))
}

#[derive(Deserialize)]
struct ConfigYaml {
    #[serde(default)]
    options: Option<Ordered>,
}

#[derive(Deserialize)]
struct OptionDef {
    #[serde(default)]
    default: Value,
}

/// `options:` as a list of pairs, keeping the file's order.
struct Ordered(Vec<(String, Option<OptionDef>)>);

impl<'de> Deserialize<'de> for Ordered {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Ordered;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a map of option names to their definitions")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Ordered, A::Error> {
                let mut out = Vec::new();
                while let Some(entry) = map.next_entry()? {
                    out.push(entry);
                }
                Ok(Ordered(out))
            }
        }
        d.deserialize_map(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn keeps_file_order_and_reads_defaults() {
        let yaml = "options:\n  zeta:\n    type: string\n    default: ''\n  alpha:\n    type: int\n    default: 0\n  mid:\n    type: boolean\n    description: no default\n  ratio:\n    type: float\n    default: 1.5\n";
        let opts = ConfigOptions::parse(yaml).unwrap();
        assert_eq!(
            opts.names().collect::<Vec<_>>(),
            ["zeta", "alpha", "mid", "ratio"]
        );
        assert_eq!(opts.default_value("zeta"), Some(&json!("")));
        assert_eq!(opts.default_value("alpha"), Some(&json!(0)));
        assert_eq!(opts.default_value("mid"), Some(&Value::Null));
        assert_eq!(opts.default_value("ratio"), Some(&json!(1.5)));
        assert_eq!(opts.default_value("nope"), None);
    }

    #[test]
    fn empty_and_broken_files() {
        assert!(ConfigOptions::parse("{}").unwrap().is_empty());
        assert!(ConfigOptions::parse("options:\n").unwrap().is_empty());
        let err = ConfigOptions::parse("options: [1, 2]").unwrap_err();
        assert!(err.to_string().contains("config.yaml"), "{err}");
    }

    #[test]
    fn load_tells_a_missing_file_from_a_present_one() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(ConfigOptions::load(dir.path()).unwrap(), None);
        std::fs::write(
            dir.path().join("config.yaml"),
            "options:\n  a: {default: x}\n",
        )
        .unwrap();
        let opts = ConfigOptions::load(dir.path()).unwrap().unwrap();
        assert_eq!(opts.default_value("a"), Some(&json!("x")));
    }
}
