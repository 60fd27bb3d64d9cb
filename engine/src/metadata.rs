//! The parts of a charm's metadata the engine needs: its relations, from
//! `metadata.yaml` or, for a charm that keeps its metadata there, `charmcraft.yaml`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::pattern::RelationSpec;

/// `metadata.yaml`, as far as the engine reads it.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Metadata {
    /// The charm's name.
    #[serde(default)]
    pub name: String,
    /// `provides:` relations.
    #[serde(default)]
    pub provides: BTreeMap<String, RelationMeta>,
    /// `requires:` relations.
    #[serde(default)]
    pub requires: BTreeMap<String, RelationMeta>,
    /// `peers:` relations.
    #[serde(default)]
    pub peers: BTreeMap<String, RelationMeta>,
    /// `storage:` names (each gets `<name>-storage-attached`/`-detaching` hooks).
    #[serde(default)]
    pub storage: BTreeMap<String, serde::de::IgnoredAny>,
    /// `containers:` names (each gets `<name>-pebble-ready` and other Pebble hooks).
    #[serde(default)]
    pub containers: BTreeMap<String, serde::de::IgnoredAny>,
}

/// One relation of `metadata.yaml`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct RelationMeta {
    /// Its interface.
    pub interface: String,
}

/// `metadata.yaml` cannot be read.
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

impl Metadata {
    /// Parses metadata YAML.
    ///
    /// ```
    /// let m = charm_reactive::metadata::Metadata::parse("name: x\nrequires:\n  db:\n    interface: pgsql\n").unwrap();
    /// assert_eq!(m.relations()[0].name, "db");
    /// ```
    pub fn parse(yaml: &str) -> Result<Metadata, String> {
        serde_saphyr::from_str(yaml).map_err(|e| e.to_string())
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

    /// Every relation, with its role, sorted by name within each role.
    pub fn relations(&self) -> Vec<RelationSpec> {
        [
            ("provides", &self.provides),
            ("requires", &self.requires),
            ("peers", &self.peers),
        ]
        .into_iter()
        .flat_map(|(role, rels)| {
            rels.iter().map(move |(name, meta)| RelationSpec {
                role: role.to_owned(),
                name: name.clone(),
                interface: meta.interface.clone(),
            })
        })
        .collect()
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
        assert_eq!(m.relations()[0].name, "db");
    }
}
