//! The parts of a charm's `metadata.yaml` the engine needs: its relations.

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

    /// Reads `<charm_dir>/metadata.yaml`; a charm dir without one has no relations.
    pub fn load(charm_dir: &Path) -> Result<Metadata, MetadataError> {
        let path = charm_dir.join("metadata.yaml");
        match std::fs::read_to_string(&path) {
            Ok(text) => {
                Metadata::parse(&text).map_err(|reason| MetadataError::Invalid { path, reason })
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Metadata::default()),
            Err(source) => Err(MetadataError::Io { path, source }),
        }
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
