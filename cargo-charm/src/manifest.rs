//! `manifest.yaml`, in the shape charmcraft 4.5 writes it
//! (`charmcraft/models/manifest.py`): the tool's version, when the pack
//! started, the bases the charm runs on, and the analysis attributes. Juju
//! reads `bases` from it to decide where the charm may be deployed.

use serde::Serialize;

use crate::archive::civil_from_epoch;
use crate::charmcraft::RunOn;

/// The manifest of a packed charm.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct Manifest {
    /// charmcraft writes its own version here; this is `cargo-charm <version>`.
    pub charmcraft_version: String,
    /// ISO 8601 time the pack started (`SOURCE_DATE_EPOCH` when set).
    pub charmcraft_started_at: String,
    /// Where the charm runs.
    pub bases: Vec<ManifestBase>,
    /// charmcraft's attribute checkers' results.
    pub analysis: Analysis,
}

/// One base of the manifest.
#[derive(Debug, Clone, Serialize)]
pub struct ManifestBase {
    /// `ubuntu`.
    pub name: String,
    /// `22.04`.
    pub channel: String,
    /// `[amd64]`.
    pub architectures: Vec<String>,
}

/// `analysis:`.
#[derive(Debug, Clone, Serialize)]
pub struct Analysis {
    /// The attribute checkers' results.
    pub attributes: Vec<Attribute>,
}

/// One attribute checker's result.
#[derive(Debug, Clone, Serialize)]
pub struct Attribute {
    /// `language` or `framework`.
    pub name: String,
    /// Its result.
    pub result: String,
}

impl Manifest {
    /// The manifest of a charm packed for `run_on`, started at `epoch_seconds`.
    ///
    /// charmcraft's `language` checker says `python` only for a dispatch script
    /// that runs a `.py` entry point and its `framework` checker only knows ops
    /// and charms.reactive's Python layout, so for a compiled dispatch both are
    /// `unknown`, which is what `charmcraft analyse` reports for these charms.
    pub fn new(run_on: &RunOn, epoch_seconds: i64) -> Manifest {
        Manifest {
            charmcraft_version: format!("cargo-charm {}", env!("CARGO_PKG_VERSION")),
            charmcraft_started_at: iso8601(epoch_seconds),
            bases: vec![ManifestBase {
                name: run_on.base.name.clone(),
                channel: run_on.base.channel.clone(),
                architectures: run_on.architectures.clone(),
            }],
            analysis: Analysis {
                attributes: ["language", "framework"]
                    .into_iter()
                    .map(|name| Attribute {
                        name: name.to_owned(),
                        result: "unknown".to_owned(),
                    })
                    .collect(),
            },
        }
    }

    /// The YAML text, keys in charmcraft's order.
    pub fn to_yaml(&self) -> String {
        serde_saphyr::to_string(self).unwrap_or_default()
    }
}

/// `2026-12-02T02:20:00Z`.
fn iso8601(epoch_seconds: i64) -> String {
    let (y, mo, d, secs) = civil_from_epoch(epoch_seconds);
    format!(
        "{y:04}-{mo:02}-{d:02}T{:02}:{:02}:{:02}Z",
        secs / 3600,
        secs / 60 % 60,
        secs % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::base::Base;

    #[test]
    fn manifest_has_charmcrafts_keys_in_order_and_a_quoted_channel() {
        let run_on = RunOn {
            base: Base::parse("ubuntu@22.04").unwrap(),
            architectures: vec!["amd64".into()],
        };
        let yaml = Manifest::new(&run_on, 1_796_178_000).to_yaml();
        let keys: Vec<_> = yaml
            .lines()
            .filter(|l| !l.starts_with([' ', '-']))
            .collect();
        assert_eq!(
            keys,
            [
                format!(
                    "charmcraft-version: cargo-charm {}",
                    env!("CARGO_PKG_VERSION")
                )
                .as_str(),
                "charmcraft-started-at: \"2026-12-02T02:20:00Z\"",
                "bases:",
                "analysis:"
            ]
        );
        let v: serde_json::Value = serde_saphyr::from_str(&yaml).unwrap();
        assert_eq!(v["bases"][0]["channel"], "22.04", "{yaml}");
        assert_eq!(v["bases"][0]["architectures"][0], "amd64");
        assert_eq!(v["analysis"]["attributes"][1]["result"], "unknown");
    }
}
