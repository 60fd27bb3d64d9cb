//! A charm directory: `metadata.yaml`, `config.yaml`, and how Juju finds the
//! executable for a hook.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::io;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::charm_archive::{manifest_bases, unpack, ManifestBase};
use crate::version::JujuVersion;
pub use charm_reactive::juju::{DeploymentKind, Metadata, RelationSpec, Role};

/// Errors while loading a charm or preparing its directory.
#[derive(Debug, thiserror::Error)]
pub enum CharmError {
    /// A file of the charm could not be read or copied.
    #[error("{path}: {source}")]
    Io {
        /// The file concerned.
        path: PathBuf,
        /// The underlying error.
        source: io::Error,
    },
    /// `metadata.yaml` or `config.yaml` is not valid.
    #[error("{path}: {message}")]
    Invalid {
        /// The file concerned.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// Juju refuses to deploy the charm on this model: its manifest's bases or
    /// architectures do not match.
    #[error("{0}")]
    Unsupported(String),
}

fn io_err(path: &Path) -> impl FnOnce(io::Error) -> CharmError + '_ {
    move |source| CharmError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// `config.yaml`'s options; none when the file is absent or empty.
fn load_options(dir: &Path) -> Result<BTreeMap<String, ConfigOption>, CharmError> {
    let path = dir.join("config.yaml");
    match fs::read_to_string(&path) {
        Ok(text) if text.trim().is_empty() => Ok(BTreeMap::new()),
        Ok(text) => serde_saphyr::from_str::<RawConfig>(&text)
            .map(|raw| raw.options)
            .map_err(|e| CharmError::Invalid {
                path,
                message: e.to_string(),
            }),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(BTreeMap::new()),
        Err(e) => Err(io_err(&path)(e)),
    }
}

/// The action names `actions.yaml` declares; none when the file is absent or
/// empty.
fn load_actions(dir: &Path) -> Result<BTreeSet<String>, CharmError> {
    let path = dir.join("actions.yaml");
    match fs::read_to_string(&path) {
        Ok(text) if text.trim().is_empty() => Ok(BTreeSet::new()),
        Ok(text) => serde_saphyr::from_str::<RawActions>(&text)
            .map(|raw| raw.into_keys().collect())
            .map_err(|e| CharmError::Invalid {
                path,
                message: format!("actions.yaml: {e}"),
            }),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(BTreeSet::new()),
        Err(e) => Err(io_err(&path)(e)),
    }
}

/// The type of a config option.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OptionType {
    /// A string (also used for `secret` options, whose values are secret ids).
    #[serde(alias = "secret")]
    String,
    /// A 64-bit integer.
    Int,
    /// A float.
    Float,
    /// A boolean.
    Boolean,
}

/// One option of `config.yaml`.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ConfigOption {
    /// The option's type.
    #[serde(rename = "type")]
    pub kind: OptionType,
    /// The default (null when absent).
    #[serde(default)]
    pub default: Option<Value>,
    /// Free text.
    #[serde(default)]
    pub description: Option<String>,
}

#[derive(Deserialize)]
struct RawConfig {
    #[serde(default)]
    options: BTreeMap<String, ConfigOption>,
}

impl ConfigOption {
    /// Converts a user-supplied value to this option's type, as `juju config` does.
    pub fn coerce(&self, name: &str, v: &Value) -> Result<Value, String> {
        let bad = || format!("option {name:?}: expected {:?}, got {v}", self.kind);
        match (self.kind, v) {
            (_, Value::Null) => Ok(Value::Null),
            (OptionType::String, Value::String(_)) => Ok(v.clone()),
            (OptionType::String, Value::Number(n)) => Ok(Value::String(n.to_string())),
            (OptionType::String, Value::Bool(b)) => Ok(Value::String(b.to_string())),
            (OptionType::Int, Value::Number(n)) if n.is_i64() => Ok(v.clone()),
            (OptionType::Int, Value::String(s)) => {
                s.trim().parse::<i64>().map(Value::from).map_err(|_| bad())
            }
            (OptionType::Float, Value::Number(n)) => Ok(Value::from(n.as_f64().ok_or_else(bad)?)),
            (OptionType::Float, Value::String(s)) => {
                s.trim().parse::<f64>().map(Value::from).map_err(|_| bad())
            }
            (OptionType::Boolean, Value::Bool(_)) => Ok(v.clone()),
            (OptionType::Boolean, Value::String(s)) => match s.as_str() {
                "true" | "True" | "yes" => Ok(Value::Bool(true)),
                "false" | "False" | "no" => Ok(Value::Bool(false)),
                _ => Err(bad()),
            },
            _ => Err(bad()),
        }
    }
}

/// `charmcraft.yaml`'s `config:` section (its `options` are config.yaml's)
/// and `actions:` section (actions.yaml's content).
#[derive(Deserialize)]
struct RawCharmcraft {
    #[serde(default)]
    config: Option<RawConfig>,
    #[serde(default)]
    actions: Option<RawActions>,
}

/// `actions.yaml`: the action names are its keys; their schemas are not used.
type RawActions = BTreeMap<String, serde::de::IgnoredAny>;

/// A loaded charm: where it lives and what it declares.
#[derive(Clone, Debug, Serialize)]
pub struct Charm {
    /// The source directory (never modified; units get copies). For a packed
    /// charm, the directory it was unpacked into.
    pub source: PathBuf,
    /// Parsed `metadata.yaml`.
    pub metadata: Metadata,
    /// Parsed `config.yaml` options (empty when the file is absent).
    pub options: BTreeMap<String, ConfigOption>,
    /// The actions `actions.yaml` (or charmcraft.yaml's `actions:`) declares;
    /// Juju runs no other (`juju run-action` refuses them).
    pub actions: BTreeSet<String>,
    /// The bases of a packed charm's `manifest.yaml` (`None`: no manifest, or
    /// no bases in it, as in a 2.5-era podspec charm).
    pub bases: Option<Vec<ManifestBase>>,
    /// Keeps a packed charm's unpacked directory alive as long as the charm.
    #[serde(skip)]
    unpacked: Option<Arc<tempfile::TempDir>>,
}

impl Charm {
    /// Loads the charm at `path`: a charm directory, or a packed `.charm`
    /// file, unpacked as Juju unpacks it.
    ///
    /// A development directory without `metadata.yaml` may carry a
    /// `charmcraft.yaml` instead (a `cargo charm new` charm's `charm/`): its
    /// metadata keys are metadata.yaml's, and its `config:` section is
    /// config.yaml, as charmcraft derives them when packing.
    pub fn load(path: &Path) -> Result<Self, CharmError> {
        if path.is_file() {
            let dir = tempfile::Builder::new()
                .prefix("jujusim-charm-")
                .tempdir()
                .map_err(io_err(path))?;
            unpack(path, dir.path())?;
            let mut charm = Self::load_dir(dir.path())?;
            charm.bases = manifest_bases(dir.path())?;
            charm.unpacked = Some(Arc::new(dir));
            return Ok(charm);
        }
        Self::load_dir(path)
    }

    fn load_dir(dir: &Path) -> Result<Self, CharmError> {
        let meta_path = dir.join("metadata.yaml");
        let charmcraft_path = dir.join("charmcraft.yaml");
        let (meta_path, from_charmcraft) = if !meta_path.exists() && charmcraft_path.exists() {
            (charmcraft_path, true)
        } else {
            (meta_path, false)
        };
        let text = fs::read_to_string(&meta_path).map_err(io_err(&meta_path))?;
        let invalid = |path: &Path, message: String| CharmError::Invalid {
            path: path.to_owned(),
            message,
        };
        let metadata = Metadata::parse(&text).map_err(|m| invalid(&meta_path, m))?;
        if metadata.name.is_empty() {
            return Err(invalid(&meta_path, "missing field `name`".into()));
        }
        let (options, actions) = if from_charmcraft {
            let raw: RawCharmcraft =
                serde_saphyr::from_str(&text).map_err(|e| invalid(&meta_path, e.to_string()))?;
            (
                raw.config.map(|c| c.options).unwrap_or_default(),
                raw.actions.unwrap_or_default().into_keys().collect(),
            )
        } else {
            (load_options(dir)?, load_actions(dir)?)
        };
        let source = dir.canonicalize().map_err(io_err(dir))?;
        Ok(Self {
            source,
            metadata,
            options,
            actions,
            bases: None,
            unpacked: None,
        })
    }

    /// Refuses to deploy a packed charm whose manifest bases do not include
    /// `base` (`juju deploy --base`; default: the charm's first base) or the
    /// model's architecture `arch`, on Juju versions that check bases. A charm
    /// without bases (a directory, or a 2.5-era `series: [kubernetes]` charm)
    /// is not checked.
    pub fn check_deployable(
        &self,
        version: JujuVersion,
        base: Option<&str>,
        arch: &str,
    ) -> Result<(), CharmError> {
        let Some(bases) = self.bases.as_ref().filter(|_| version.checks_charm_bases()) else {
            return Ok(());
        };
        let supported = || {
            bases
                .iter()
                .map(ManifestBase::display)
                .collect::<Vec<_>>()
                .join(", ")
        };
        let candidates: Vec<&ManifestBase> = match base {
            Some(wanted) => {
                let wanted = wanted.trim_end_matches("/stable");
                let found: Vec<_> = bases.iter().filter(|b| b.display() == wanted).collect();
                if found.is_empty() {
                    return Err(CharmError::Unsupported(format!(
                        "base \"{wanted}/stable\" is not supported, supported bases are: {}",
                        supported()
                    )));
                }
                found
            }
            None => bases.iter().take(1).collect(),
        };
        if !candidates
            .iter()
            .any(|b| b.architectures.iter().any(|a| a == arch))
        {
            let archs: Vec<String> = candidates
                .iter()
                .flat_map(|b| b.architectures.iter().cloned())
                .collect();
            return Err(CharmError::Unsupported(format!(
                "charm {:?} does not support architecture {arch:?} on {} (its manifest lists: {}); \
                 pack it for {arch} (cargo charm pack --target) or deploy to a model of its architecture",
                self.metadata.name,
                candidates[0].display(),
                archs.join(", ")
            )));
        }
        Ok(())
    }
}

/// How a hook is run in a charm dir.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HookHandler {
    /// `<charm>/dispatch` (Juju 2.8+), with `JUJU_DISPATCH_PATH=hooks/<name>`.
    Dispatch(PathBuf),
    /// `<charm>/hooks/<name>`.
    Hook(PathBuf),
    /// Neither exists: Juju logs `skipped "<hook>" hook (missing)` and carries on.
    Missing,
}

fn is_executable(p: &Path) -> bool {
    fs::metadata(p)
        .map(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        .unwrap_or(false)
}

/// Finds what runs `hook` in `charm_dir`, as the uniter's `discoverHookHandler` does.
pub fn find_handler(charm_dir: &Path, hook: &str, version: JujuVersion) -> HookHandler {
    let dispatch = charm_dir.join("dispatch");
    if version.dispatch() && is_executable(&dispatch) {
        return HookHandler::Dispatch(dispatch);
    }
    let h = charm_dir.join("hooks").join(hook);
    if h.exists() {
        HookHandler::Hook(h)
    } else {
        HookHandler::Missing
    }
}

/// Copies a charm's source tree to `dst`, as Juju unpacks a charm per unit.
///
/// Symlinks stay symlinks; one whose target lies outside the charm is made
/// absolute so it still resolves from the copy (a `dispatch` linking to a
/// binary in a cargo target dir, say).
pub fn copy_charm(src: &Path, dst: &Path) -> Result<(), CharmError> {
    fs::create_dir_all(dst).map_err(io_err(dst))?;
    for entry in fs::read_dir(src).map_err(io_err(src))? {
        let entry = entry.map_err(io_err(src))?;
        let from = entry.path();
        let to = dst.join(entry.file_name());
        let kind = entry.file_type().map_err(io_err(&from))?;
        if kind.is_symlink() {
            let target = fs::read_link(&from).map_err(io_err(&from))?;
            let resolved = from.parent().unwrap_or(src).join(&target);
            let inside = resolved
                .canonicalize()
                .map(|r| r.starts_with(src))
                .unwrap_or(false);
            let link = if target.is_absolute() || inside {
                target
            } else {
                resolved.canonicalize().unwrap_or(resolved)
            };
            std::os::unix::fs::symlink(&link, &to).map_err(io_err(&to))?;
        } else if kind.is_dir() {
            copy_charm(&from, &to)?;
        } else {
            fs::copy(&from, &to).map_err(io_err(&from))?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn option_coercion() {
        let o = ConfigOption {
            kind: OptionType::Int,
            default: None,
            description: None,
        };
        assert_eq!(o.coerce("n", &Value::from("12")).unwrap(), Value::from(12));
        assert!(o.coerce("n", &Value::from("x")).is_err());
        let s = ConfigOption {
            kind: OptionType::String,
            ..o
        };
        assert_eq!(s.coerce("s", &Value::from(3)).unwrap(), Value::from("3"));
    }

    #[test]
    fn packed_charms_are_checked_against_base_and_architecture_from_2_9() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("metadata.yaml"), "name: web\n").unwrap();
        let mut charm = Charm::load(dir.path()).unwrap();
        let v36 = JujuVersion::new(3, 6, 0);
        assert!(
            charm
                .check_deployable(v36, Some("ubuntu@20.04"), "arm64")
                .is_ok(),
            "no bases: no check"
        );
        charm.bases = Some(vec![ManifestBase {
            name: "ubuntu".into(),
            channel: "22.04".into(),
            architectures: vec!["amd64".into()],
        }]);
        assert!(charm.check_deployable(v36, None, "amd64").is_ok());
        assert!(charm
            .check_deployable(v36, Some("ubuntu@22.04"), "amd64")
            .is_ok());
        let err = charm
            .check_deployable(v36, Some("ubuntu@20.04"), "amd64")
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "base \"ubuntu@20.04/stable\" is not supported, supported bases are: ubuntu@22.04"
        );
        let err = charm
            .check_deployable(v36, None, "arm64")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("does not support architecture \"arm64\""),
            "{err}"
        );
        let v28 = JujuVersion::new(2, 8, 0);
        assert!(
            charm
                .check_deployable(v28, Some("ubuntu@20.04"), "arm64")
                .is_ok(),
            "2.8 reads no bases"
        );
    }

    #[test]
    fn a_development_dir_may_carry_charmcraft_yaml_instead_of_metadata() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(
            dir.path().join("charmcraft.yaml"),
            "type: charm\nname: web\nbase: ubuntu@22.04\npeers: {cluster: {interface: web-peers}}\n\
             config: {options: {greeting: {type: string, default: hi}}}\n",
        )
        .unwrap();
        let charm = Charm::load(dir.path()).unwrap();
        assert_eq!(charm.metadata.name, "web");
        assert_eq!(
            charm.metadata.relation("cluster").unwrap().role,
            Role::Peers
        );
        assert_eq!(charm.options["greeting"].default, Some(Value::from("hi")));
    }

    #[test]
    fn handler_discovery_depends_on_version() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        fs::create_dir(d.join("hooks")).unwrap();
        fs::write(d.join("hooks/start"), "#!/bin/sh\n").unwrap();
        fs::write(d.join("dispatch"), "#!/bin/sh\n").unwrap();
        fs::set_permissions(d.join("dispatch"), fs::Permissions::from_mode(0o755)).unwrap();
        let old = JujuVersion::new(2, 5, 0);
        let new = JujuVersion::new(2, 8, 0);
        assert_eq!(
            find_handler(d, "start", old),
            HookHandler::Hook(d.join("hooks/start"))
        );
        assert_eq!(find_handler(d, "stop", old), HookHandler::Missing);
        assert_eq!(
            find_handler(d, "stop", new),
            HookHandler::Dispatch(d.join("dispatch"))
        );
    }
}
