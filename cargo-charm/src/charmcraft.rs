//! A charm project: `charmcraft.yaml` and the charm's own `metadata.yaml`,
//! `config.yaml` and `actions.yaml`, and the files charmcraft derives from them.
//!
//! Derivation follows charmcraft 4.5 (`charmcraft/preprocess.py`,
//! `models/metadata.py`, `services/package.py`): a charm's own YAML file is
//! copied as it is; otherwise metadata.yaml holds the metadata keys of
//! charmcraft.yaml (`title` becoming `display-name`, `links` flattened into
//! `docs`, `maintainers`, `issues`, `source` and `website`), config.yaml the
//! `config` section and actions.yaml the `actions` section, each written with
//! sorted keys as PyYAML's `safe_dump` writes them. A key in both charmcraft.yaml
//! and the charm's own file is refused, as charmcraft refuses it.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

use crate::base::{Base, BaseError};

/// The project file.
pub const CHARMCRAFT_YAML: &str = "charmcraft.yaml";

/// Keys of charmcraft.yaml that charmcraft copies into metadata.yaml
/// (`CharmMetadata`'s fields under their charmcraft.yaml names).
const METADATA_KEYS: &[&str] = &[
    "name",
    "summary",
    "description",
    "assumes",
    "charm-user",
    "containers",
    "devices",
    "extra-bindings",
    "peers",
    "provides",
    "requires",
    "resources",
    "storage",
    "subordinate",
    "terms",
];

/// Keys that may be in metadata.yaml or charmcraft.yaml but not both
/// (charmcraft's `METADATA_YAML_MIGRATE_FIELDS`).
const MIGRATE_KEYS: &[&str] = &["name", "summary", "description"];

/// Errors in a charm project.
#[derive(Debug, thiserror::Error)]
pub enum ProjectError {
    /// A file could not be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        source: io::Error,
    },
    /// A YAML file does not parse, or is not a mapping.
    #[error("{path} is not a YAML mapping: {reason}")]
    Yaml {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// No charmcraft.yaml where it was looked for.
    #[error("no {CHARMCRAFT_YAML} in {0} (nor in its charm/ directory): run `cargo charm init` to create one")]
    NoProject(PathBuf),
    /// charmcraft.yaml is not a charm's.
    #[error("{0}: `type: charm` is required (cargo charm packs charms only)")]
    NotACharm(PathBuf),
    /// A key charmcraft refuses to see in two places.
    #[error("{key:?} is in both charmcraft.yaml and {file}: remove it from one of them (charmcraft refuses it too)")]
    Duplicate {
        /// The key (`name`, `config`, `actions`, ...).
        key: String,
        /// The charm's own file.
        file: &'static str,
    },
    /// A required key is missing or of the wrong type.
    #[error("{path}: {message}")]
    Invalid {
        /// The file.
        path: PathBuf,
        /// What is wrong and how to fix it.
        message: String,
    },
    /// A base or platform that does not parse.
    #[error("{path}: {source}")]
    Base {
        /// The file.
        path: PathBuf,
        /// The bad base.
        source: BaseError,
    },
    /// No base/platform of the project builds for the requested architecture.
    #[error("{path} declares no platform for {arch} (declared: {declared}); add one under `platforms:`, or pack with --target for a declared architecture")]
    NoPlatform {
        /// charmcraft.yaml.
        path: PathBuf,
        /// The architecture asked for.
        arch: String,
        /// What the project declares.
        declared: String,
    },
}

/// Where a charm will run: a base and the architectures its binary is for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunOn {
    /// `ubuntu@22.04`.
    pub base: Base,
    /// `amd64`.
    pub architectures: Vec<String>,
}

/// A loaded charm project.
#[derive(Debug, Clone)]
pub struct Project {
    /// The directory holding charmcraft.yaml.
    pub dir: PathBuf,
    /// charmcraft.yaml, parsed.
    pub charmcraft: Map<String, Value>,
    /// The charm's own metadata.yaml, when it has one.
    pub own_metadata: Option<Map<String, Value>>,
}

fn read_mapping(path: &Path) -> Result<Option<Map<String, Value>>, ProjectError> {
    let text = match fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(source) => {
            return Err(ProjectError::Read {
                path: path.to_owned(),
                source,
            })
        }
    };
    let yaml_err = |reason: String| ProjectError::Yaml {
        path: path.to_owned(),
        reason,
    };
    match serde_saphyr::from_str::<Value>(&text).map_err(|e| yaml_err(e.to_string()))? {
        Value::Object(map) => Ok(Some(map)),
        Value::Null => Ok(Some(Map::new())),
        other => Err(yaml_err(format!("found {other}"))),
    }
}

impl Project {
    /// Finds the charm project of the crate in `crate_dir`: charmcraft.yaml
    /// beside Cargo.toml, else in `charm/` (the examples keep their charm
    /// directory there, with a `dispatch` symlink for jujusim).
    pub fn find(crate_dir: &Path) -> Result<Project, ProjectError> {
        for dir in [crate_dir.to_owned(), crate_dir.join("charm")] {
            if dir.join(CHARMCRAFT_YAML).is_file() {
                return Project::load(&dir);
            }
        }
        Err(ProjectError::NoProject(crate_dir.to_owned()))
    }

    /// Loads the project in `dir`.
    pub fn load(dir: &Path) -> Result<Project, ProjectError> {
        let path = dir.join(CHARMCRAFT_YAML);
        let charmcraft =
            read_mapping(&path)?.ok_or_else(|| ProjectError::NoProject(dir.to_owned()))?;
        if charmcraft.get("type").and_then(Value::as_str) != Some("charm") {
            return Err(ProjectError::NotACharm(path));
        }
        let own_metadata = read_mapping(&dir.join("metadata.yaml"))?;
        if let Some(own) = &own_metadata {
            if let Some(key) = MIGRATE_KEYS
                .iter()
                .find(|k| charmcraft.contains_key(**k) && own.contains_key(**k))
            {
                return Err(ProjectError::Duplicate {
                    key: (*key).to_owned(),
                    file: "metadata.yaml",
                });
            }
        }
        for (key, file) in [("config", "config.yaml"), ("actions", "actions.yaml")] {
            if charmcraft.contains_key(key) && dir.join(file).exists() {
                return Err(ProjectError::Duplicate {
                    key: key.to_owned(),
                    file,
                });
            }
        }
        let project = Project {
            dir: dir.to_owned(),
            charmcraft,
            own_metadata,
        };
        project.name()?;
        Ok(project)
    }

    fn path(&self) -> PathBuf {
        self.dir.join(CHARMCRAFT_YAML)
    }

    fn invalid(&self, message: impl Into<String>) -> ProjectError {
        ProjectError::Invalid {
            path: self.path(),
            message: message.into(),
        }
    }

    /// The charm's name (charmcraft.yaml's, else metadata.yaml's).
    pub fn name(&self) -> Result<&str, ProjectError> {
        self.charmcraft
            .get("name")
            .or_else(|| self.own_metadata.as_ref()?.get("name"))
            .and_then(Value::as_str)
            .ok_or_else(|| {
                self.invalid("the charm has no `name` (in charmcraft.yaml or metadata.yaml)")
            })
    }

    /// Every (base, architectures) the project declares: `base:` with
    /// `platforms:` (a platform named by an architecture, or with `build-for:
    /// [ubuntu@22.04:amd64]`), or the older `bases:` (short form, or `run-on`).
    pub fn run_on(&self) -> Result<Vec<RunOn>, ProjectError> {
        let base_err = |source| ProjectError::Base {
            path: self.path(),
            source,
        };
        if let Some(bases) = self.charmcraft.get("bases") {
            let list = bases
                .as_array()
                .ok_or_else(|| self.invalid("`bases` must be a list"))?;
            let mut out = Vec::new();
            for entry in list {
                let run_on = match entry.get("run-on") {
                    Some(Value::Array(r)) => r.clone(),
                    _ => vec![entry.clone()],
                };
                for b in &run_on {
                    let name = b.get("name").and_then(Value::as_str);
                    let channel = b.get("channel").and_then(value_text);
                    let (Some(name), Some(channel)) = (name, channel) else {
                        return Err(self.invalid("each base needs `name` and `channel`"));
                    };
                    let architectures = match b.get("architectures") {
                        Some(Value::Array(a)) => a
                            .iter()
                            .filter_map(Value::as_str)
                            .map(str::to_owned)
                            .collect(),
                        _ => Vec::new(),
                    };
                    out.push(RunOn {
                        base: Base {
                            name: name.to_owned(),
                            channel,
                        },
                        architectures,
                    });
                }
            }
            return Ok(out);
        }
        let platforms = self
            .charmcraft
            .get("platforms")
            .and_then(Value::as_object)
            .ok_or_else(|| self.invalid("`platforms` (or the older `bases`) is required"))?;
        let base = match self.charmcraft.get("base").and_then(Value::as_str) {
            Some(b) => Some(Base::parse(b).map_err(base_err)?),
            None => None,
        };
        let mut out = Vec::new();
        for (label, platform) in platforms {
            match platform.get("build-for").and_then(Value::as_array) {
                Some(targets) => {
                    for t in targets.iter().filter_map(Value::as_str) {
                        out.push(self.platform_target(t, base.as_ref())?);
                    }
                }
                None => out.push(self.platform_target(label, base.as_ref())?),
            }
        }
        Ok(out)
    }

    /// `amd64` (with the project's `base:`) or `ubuntu@22.04:amd64`.
    fn platform_target(&self, target: &str, base: Option<&Base>) -> Result<RunOn, ProjectError> {
        let (base, arch) = match target.rsplit_once(':') {
            Some((b, arch)) => (
                Base::parse(b).map_err(|source| ProjectError::Base {
                    path: self.path(),
                    source,
                })?,
                arch,
            ),
            None => (
                base.cloned().ok_or_else(|| {
                    self.invalid(format!(
                        "platform {target:?} names no base and there is no `base:`"
                    ))
                })?,
                target,
            ),
        };
        Ok(RunOn {
            base,
            architectures: vec![arch.to_owned()],
        })
    }

    /// The base the charm is packed for on `arch`: the first declaration that
    /// lists `arch` (a short-form `bases:` entry without architectures means
    /// the build machine's, as charmcraft takes it).
    pub fn run_on_for(&self, arch: &str) -> Result<RunOn, ProjectError> {
        let all = self.run_on()?;
        all.iter()
            .find(|r| r.architectures.iter().any(|a| a == arch) || r.architectures.is_empty())
            .map(|r| RunOn {
                base: r.base.clone(),
                architectures: vec![arch.to_owned()],
            })
            .ok_or_else(|| ProjectError::NoPlatform {
                path: self.path(),
                arch: arch.to_owned(),
                declared: all
                    .iter()
                    .map(|r| format!("{}:{}", r.base, r.architectures.join(",")))
                    .collect::<Vec<_>>()
                    .join(" "),
            })
    }

    /// metadata.yaml as charmcraft writes it into the charm: the charm's own
    /// file unchanged, else derived from charmcraft.yaml.
    pub fn metadata_yaml(&self) -> Result<Vec<u8>, ProjectError> {
        if self.own_metadata.is_some() {
            return self
                .own_file("metadata.yaml")
                .map(Option::unwrap_or_default);
        }
        Ok(dump_sorted(&Value::Object(self.derived_metadata())).into_bytes())
    }

    /// The metadata charmcraft derives from charmcraft.yaml (`CharmMetadata.from_charm`).
    pub fn derived_metadata(&self) -> Map<String, Value> {
        let mut meta = Map::new();
        for key in METADATA_KEYS {
            if let Some(v) = self.charmcraft.get(*key).filter(|v| !v.is_null()) {
                meta.insert((*key).to_owned(), v.clone());
            }
        }
        if let Some(title) = self.charmcraft.get("title").filter(|v| !v.is_null()) {
            meta.insert("display-name".into(), title.clone());
        }
        if let Some(Value::Object(links)) = self.charmcraft.get("links") {
            for (key, value) in links {
                match key.as_str() {
                    "documentation" => {
                        meta.insert("docs".into(), value.clone());
                    }
                    "contact" => {
                        let list = match value {
                            Value::String(_) => Value::Array(vec![value.clone()]),
                            other => other.clone(),
                        };
                        meta.insert("maintainers".into(), list);
                    }
                    "issues" | "source" | "website" => {
                        meta.insert(key.clone(), value.clone());
                    }
                    _ => {}
                }
            }
        }
        meta
    }

    /// config.yaml: the charm's own, else charmcraft.yaml's `config` section;
    /// `None` when neither has options (charmcraft then writes no file).
    pub fn config_yaml(&self) -> Result<Option<Vec<u8>>, ProjectError> {
        self.section_or_file("config", "config.yaml")
    }

    /// actions.yaml: the charm's own, else charmcraft.yaml's `actions` section.
    pub fn actions_yaml(&self) -> Result<Option<Vec<u8>>, ProjectError> {
        self.section_or_file("actions", "actions.yaml")
    }

    fn section_or_file(&self, key: &str, file: &str) -> Result<Option<Vec<u8>>, ProjectError> {
        if let Some(own) = self.own_file(file)? {
            return Ok(Some(own));
        }
        Ok(match self.charmcraft.get(key) {
            Some(v) if is_truthy(v) => Some(dump_sorted(v).into_bytes()),
            _ => None,
        })
    }

    fn own_file(&self, file: &str) -> Result<Option<Vec<u8>>, ProjectError> {
        let path = self.dir.join(file);
        match fs::read(&path) {
            Ok(bytes) => Ok(Some(bytes)),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(source) => Err(ProjectError::Read { path, source }),
        }
    }

    /// The charm's metadata (its own metadata.yaml, else derived), for the
    /// hook names its hooks/ directory needs.
    pub fn metadata(&self) -> Map<String, Value> {
        self.own_metadata
            .clone()
            .unwrap_or_else(|| self.derived_metadata())
    }
}

/// A YAML channel such as `22.04` may have been written unquoted and read as a number.
fn value_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// Python's truthiness of a parsed YAML value (charmcraft writes a section only if truthy).
fn is_truthy(v: &Value) -> bool {
    match v {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Object(m) => !m.is_empty(),
        Value::Array(a) => !a.is_empty(),
        Value::String(s) => !s.is_empty(),
        Value::Number(_) => true,
    }
}

/// YAML with mapping keys sorted, as PyYAML's `safe_dump` orders them
/// (`serde_json`'s map is ordered by key).
pub fn dump_sorted(v: &Value) -> String {
    serde_saphyr::to_string(v).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn project(dir: &Path, charmcraft: &str) -> Result<Project, ProjectError> {
        fs::write(dir.join(CHARMCRAFT_YAML), charmcraft).unwrap();
        Project::load(dir)
    }

    #[test]
    fn metadata_is_derived_as_charmcraft_derives_it() {
        let dir = tempfile::tempdir().unwrap();
        let p = project(
            dir.path(),
            "type: charm\nname: web\ntitle: Web\nsummary: s\ndescription: d\nbase: ubuntu@22.04\n\
             platforms: {amd64: }\nparts: {charm: {plugin: rust}}\npeers: {cluster: {interface: web-peers}}\n\
             links: {documentation: 'https://d.example', contact: me@example.com, website: ['https://w.example']}\n\
             config: {options: {port: {type: int, default: 80}}}\n",
        )
        .unwrap();
        let meta = p.derived_metadata();
        let keys: Vec<_> = meta.keys().map(String::as_str).collect();
        assert_eq!(
            keys,
            [
                "description",
                "display-name",
                "docs",
                "maintainers",
                "name",
                "peers",
                "summary",
                "website"
            ]
        );
        assert_eq!(meta["maintainers"], serde_json::json!(["me@example.com"]));
        let config: Value = serde_saphyr::from_str(
            std::str::from_utf8(&p.config_yaml().unwrap().unwrap()).unwrap(),
        )
        .unwrap();
        assert_eq!(config["options"]["port"]["default"], 80);
        assert!(p.actions_yaml().unwrap().is_none());
        assert_eq!(
            p.run_on_for("amd64").unwrap().base,
            Base::parse("ubuntu@22.04").unwrap()
        );
        assert!(matches!(
            p.run_on_for("arm64"),
            Err(ProjectError::NoPlatform { .. })
        ));
    }

    #[test]
    fn own_files_are_copied_and_duplicates_refused() {
        let dir = tempfile::tempdir().unwrap();
        let own = "name: old\nsummary: s\ndescription: d\nseries: [kubernetes]\n";
        fs::write(dir.path().join("metadata.yaml"), own).unwrap();
        fs::write(dir.path().join("config.yaml"), "options: {}\n").unwrap();
        let p = project(
            dir.path(),
            "type: charm\nbases: [{name: ubuntu, channel: '22.04'}]\n",
        )
        .unwrap();
        assert_eq!(p.metadata_yaml().unwrap(), own.as_bytes());
        assert_eq!(p.config_yaml().unwrap().unwrap(), b"options: {}\n");
        assert_eq!(p.name().unwrap(), "old");
        let run_on = p.run_on_for("arm64").unwrap();
        assert_eq!(run_on.base.channel, "22.04");
        assert_eq!(run_on.architectures, ["arm64"]);

        let err = project(dir.path(), "type: charm\nname: new\nbases: []\n").unwrap_err();
        assert!(
            matches!(err, ProjectError::Duplicate { ref key, .. } if key == "name"),
            "{err}"
        );
        let err = project(
            dir.path(),
            "type: charm\nconfig: {options: {}}\nbases: []\n",
        )
        .unwrap_err();
        assert!(
            matches!(err, ProjectError::Duplicate { ref key, .. } if key == "config"),
            "{err}"
        );
        let err = project(dir.path(), "type: bundle\n").unwrap_err();
        assert!(matches!(err, ProjectError::NotACharm(_)));
    }

    #[test]
    fn platforms_may_name_their_base() {
        let dir = tempfile::tempdir().unwrap();
        let p = project(
            dir.path(),
            "type: charm\nname: x\nplatforms:\n  jammy: {build-on: [ubuntu@22.04:amd64], build-for: [ubuntu@22.04:amd64]}\n  \
             noble-arm: {build-on: [ubuntu@24.04:arm64], build-for: [ubuntu@24.04:arm64]}\n",
        )
        .unwrap();
        assert_eq!(p.run_on_for("arm64").unwrap().base.channel, "24.04");
        assert_eq!(p.run_on_for("amd64").unwrap().base.channel, "22.04");
    }
}
