//! A charm's metadata: `metadata.yaml`, or the metadata keys of
//! `charmcraft.yaml`, as the engine, the simulator and the testing crate read it.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::relation::{RelationSpec, Role};

/// A charm's metadata, as far as charm-reactive reads it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Metadata {
    /// The charm's name (empty when not given: a `charmcraft.yaml` of build
    /// settings only).
    pub name: String,
    /// Every relation, with its role: `provides`, then `requires`, then
    /// `peers`, sorted by name within each.
    pub relations: Vec<RelationSpec>,
    /// `extra-bindings` names (valid `network-get` bindings).
    pub extra_bindings: Vec<String>,
    /// `deployment: type:` when declared (Kubernetes, Juju 2.6+).
    pub deployment: Option<DeploymentKind>,
    /// `storage:` names (each gets `<name>-storage-attached`/`-detaching` hooks).
    pub storage: Vec<String>,
    /// `containers:` names (each gets `<name>-pebble-ready` and other Pebble hooks).
    pub containers: Vec<String>,
    /// `series` names `kubernetes` (a podspec charm).
    pub kubernetes: bool,
}

/// How Kubernetes runs the application's pods (`deployment: type:` in metadata, Juju 2.6+).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DeploymentKind {
    /// A Deployment: a changed pod spec replaces the pods, and each new pod is a NEW unit.
    #[default]
    Stateless,
    /// A StatefulSet: pods keep their names, so units survive a pod spec change.
    Stateful,
}

impl DeploymentKind {
    /// `stateless` or `stateful`.
    pub fn name(self) -> &'static str {
        match self {
            DeploymentKind::Stateless => "stateless",
            DeploymentKind::Stateful => "stateful",
        }
    }
}

/// A charm's metadata cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum MetadataError {
    /// Reading failed.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// Neither `metadata.yaml` nor a `charmcraft.yaml` with the charm's metadata.
    #[error(
        "{dir} holds no charm metadata (no metadata.yaml, and no charmcraft.yaml with a name): \
         this is not a charm directory; check JUJU_CHARM_DIR"
    )]
    Missing {
        /// The charm directory.
        dir: PathBuf,
    },
    /// Not YAML of the expected shape.
    #[error("{path} is not valid charm metadata: {reason}")]
    Invalid {
        /// The file.
        path: PathBuf,
        /// Why.
        reason: String,
    },
}

/// A relation: `name: interface` or `name: {interface: ..., ...}`.
#[derive(Deserialize)]
#[serde(untagged)]
enum RawRelation {
    Short(String),
    Full { interface: String },
}

#[derive(Deserialize)]
#[serde(untagged)]
enum RawSeries {
    One(String),
    Many(Vec<String>),
}

#[derive(Deserialize)]
struct RawDeployment {
    #[serde(rename = "type")]
    kind: Option<DeploymentKind>,
}

#[derive(Deserialize)]
#[serde(rename_all = "kebab-case")]
struct RawMetadata {
    #[serde(default)]
    name: String,
    #[serde(default)]
    series: Option<RawSeries>,
    #[serde(default)]
    provides: BTreeMap<String, RawRelation>,
    #[serde(default)]
    requires: BTreeMap<String, RawRelation>,
    #[serde(default)]
    peers: BTreeMap<String, RawRelation>,
    #[serde(default)]
    extra_bindings: BTreeMap<String, serde::de::IgnoredAny>,
    #[serde(default)]
    deployment: Option<RawDeployment>,
    #[serde(default)]
    storage: BTreeMap<String, serde::de::IgnoredAny>,
    #[serde(default)]
    containers: BTreeMap<String, serde::de::IgnoredAny>,
}

impl Metadata {
    /// Parses metadata YAML.
    ///
    /// ```
    /// let m = charm_reactive::metadata::Metadata::parse("name: x\nrequires:\n  db:\n    interface: pgsql\n").unwrap();
    /// assert_eq!(m.relations[0].name, "db");
    /// ```
    pub fn parse(yaml: &str) -> Result<Metadata, String> {
        let raw: RawMetadata = serde_saphyr::from_str(yaml).map_err(|e| e.to_string())?;
        let mut relations = Vec::new();
        for (role, section) in [
            (Role::Provides, raw.provides),
            (Role::Requires, raw.requires),
            (Role::Peers, raw.peers),
        ] {
            for (name, rel) in section {
                let interface = match rel {
                    RawRelation::Short(i) | RawRelation::Full { interface: i } => i,
                };
                relations.push(RelationSpec {
                    role,
                    name,
                    interface,
                });
            }
        }
        let kubernetes = match raw.series {
            Some(RawSeries::One(s)) => s == "kubernetes",
            Some(RawSeries::Many(v)) => v.iter().any(|s| s == "kubernetes"),
            None => false,
        };
        Ok(Metadata {
            name: raw.name,
            relations,
            extra_bindings: raw.extra_bindings.into_keys().collect(),
            deployment: raw.deployment.and_then(|d| d.kind),
            storage: raw.storage.into_keys().collect(),
            containers: raw.containers.into_keys().collect(),
            kubernetes,
        })
    }

    /// Reads `<charm_dir>/metadata.yaml`, else the metadata in `charmcraft.yaml`;
    /// a directory with neither is not a charm ([`MetadataError::Missing`]).
    pub fn load(charm_dir: &Path) -> Result<Metadata, MetadataError> {
        for file in ["metadata.yaml", "charmcraft.yaml"] {
            let path = charm_dir.join(file);
            match std::fs::read_to_string(&path) {
                Ok(text) => {
                    let metadata =
                        Metadata::parse(&text).map_err(|reason| MetadataError::Invalid {
                            path: path.clone(),
                            reason,
                        })?;
                    // A charmcraft.yaml without `name` holds build settings only.
                    if file == "metadata.yaml" || !metadata.name.is_empty() {
                        return Ok(metadata);
                    }
                }
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(source) => return Err(MetadataError::Io { path, source }),
            }
        }
        Err(MetadataError::Missing {
            dir: charm_dir.to_owned(),
        })
    }

    /// The relation called `name`.
    pub fn relation(&self, name: &str) -> Option<&RelationSpec> {
        self.relations.iter().find(|r| r.name == name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_directory_without_metadata_is_not_a_charm() {
        let dir = tempfile::tempdir().unwrap();
        let e = Metadata::load(dir.path()).unwrap_err();
        assert!(matches!(e, MetadataError::Missing { .. }), "{e:?}");
        assert!(e.to_string().contains("no charm metadata"), "{e}");
        // charmcraft.yaml with build settings only is no metadata either.
        std::fs::write(dir.path().join("charmcraft.yaml"), "type: charm\n").unwrap();
        assert!(matches!(
            Metadata::load(dir.path()),
            Err(MetadataError::Missing { .. })
        ));
        std::fs::write(
            dir.path().join("charmcraft.yaml"),
            "type: charm\nname: x\nrequires:\n  db: {interface: pgsql}\n",
        )
        .unwrap();
        let m = Metadata::load(dir.path()).unwrap();
        assert_eq!(m.relations[0].name, "db");
    }

    #[test]
    fn sections_roles_and_deployment() {
        let m = Metadata::parse(
            "name: con\nseries: [kubernetes]\nrequires:\n  sse-endpoint:\n    interface: sse-endpoint\n\
             provides:\n  web: http\npeers:\n  cluster: {interface: con-peer}\ndeployment:\n  type: stateful\n\
             storage:\n  data: {type: filesystem}\ncontainers:\n  app: {resource: img}\nextra-bindings:\n  admin:\n",
        )
        .unwrap();
        assert_eq!(m.name, "con");
        assert!(m.kubernetes);
        assert_eq!(m.deployment, Some(DeploymentKind::Stateful));
        assert_eq!(m.relation("web").unwrap().interface, "http");
        assert_eq!(m.relation("sse-endpoint").unwrap().role, Role::Requires);
        assert_eq!(m.relation("cluster").unwrap().role, Role::Peers);
        let order: Vec<&str> = m.relations.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(order, ["web", "sse-endpoint", "cluster"]);
        assert_eq!(m.storage, ["data"]);
        assert_eq!(m.containers, ["app"]);
        assert_eq!(m.extra_bindings, ["admin"]);
        assert!(Metadata::parse("requires: [db]").is_err());
    }
}
