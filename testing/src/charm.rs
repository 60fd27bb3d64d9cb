//! What the harness knows of the charm besides its handlers: `metadata.yaml`
//! (its relations) and, optionally, `config.yaml` (its options, for defaults and
//! type checks).

use std::collections::BTreeMap;

use charm_reactive::metadata::Metadata;
use serde::Deserialize;
use serde_json::{Map, Value};

use crate::error::HarnessError;

/// The charm's declared relations and config options.
#[derive(Debug, Clone, Default)]
pub(crate) struct CharmSpec {
    pub(crate) metadata: Metadata,
    /// `None` when no `config.yaml` was given: config passes through unchecked.
    pub(crate) options: Option<BTreeMap<String, ConfigOption>>,
    /// The `config.yaml` text, for the hook's charm directory (layers read it).
    pub(crate) config_yaml: Option<String>,
}

#[derive(Debug, Deserialize)]
struct ConfigYaml {
    #[serde(default)]
    options: BTreeMap<String, ConfigOption>,
}

/// One option of `config.yaml`.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct ConfigOption {
    #[serde(rename = "type", default = "string_type")]
    kind: String,
    #[serde(default)]
    default: Option<Value>,
}

fn string_type() -> String {
    "string".to_owned()
}

impl CharmSpec {
    pub(crate) fn parse_metadata(yaml: &str) -> Result<CharmSpec, HarnessError> {
        let metadata = Metadata::parse(yaml).map_err(|reason| HarnessError::CharmFile {
            file: "metadata.yaml".into(),
            reason,
        })?;
        Ok(CharmSpec {
            metadata,
            options: None,
            config_yaml: None,
        })
    }

    pub(crate) fn set_config_yaml(&mut self, yaml: &str) -> Result<(), HarnessError> {
        let parsed: ConfigYaml =
            serde_saphyr::from_str(yaml).map_err(|e| HarnessError::CharmFile {
                file: "config.yaml".into(),
                reason: e.to_string(),
            })?;
        self.options = Some(parsed.options);
        self.config_yaml = Some(yaml.to_owned());
        Ok(())
    }

    /// Whether `endpoint` is a peer relation.
    pub(crate) fn is_peer(&self, endpoint: &str) -> bool {
        self.metadata
            .relation(endpoint)
            .is_some_and(|r| r.role == charm_reactive::juju::Role::Peers)
    }

    /// Whether metadata.yaml declares `endpoint`.
    pub(crate) fn declares(&self, endpoint: &str) -> bool {
        self.metadata.relation(endpoint).is_some()
    }

    /// The declared endpoints, for error messages.
    pub(crate) fn endpoints(&self) -> String {
        let names: Vec<String> = self
            .metadata
            .relations
            .iter()
            .map(|r| r.name.clone())
            .collect();
        if names.is_empty() {
            "none".to_owned()
        } else {
            names.join(", ")
        }
    }

    /// What `config-get --all` prints for `given`: with a config.yaml, every
    /// option (given value, else default, else null), values type-checked;
    /// without, `given` as is.
    pub(crate) fn config(
        &self,
        given: &Map<String, Value>,
    ) -> Result<Map<String, Value>, HarnessError> {
        let Some(options) = &self.options else {
            return Ok(given.clone());
        };
        if let Some(unknown) = given.keys().find(|k| !options.contains_key(*k)) {
            return Err(HarnessError::UnknownConfigOption(unknown.clone()));
        }
        let mut out = Map::new();
        for (key, option) in options {
            let value = match given.get(key) {
                Some(v) => v.clone(),
                None => option.default.clone().unwrap_or(Value::Null),
            };
            if !option.accepts(&value) {
                return Err(HarnessError::ConfigType {
                    key: key.clone(),
                    expected: option.kind.clone(),
                    value,
                });
            }
            out.insert(key.clone(), value);
        }
        Ok(out)
    }
}

impl ConfigOption {
    /// Whether `value` fits the option's type (null: unset, always fits).
    fn accepts(&self, value: &Value) -> bool {
        match self.kind.as_str() {
            _ if value.is_null() => true,
            "string" => value.is_string(),
            "int" => value.is_i64() || value.is_u64(),
            "float" => value.is_number(),
            "boolean" => value.is_boolean(),
            // Types of later Juju versions (e.g. `secret`) are not checked.
            _ => true,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn config_takes_defaults_and_checks_types() {
        let mut charm =
            CharmSpec::parse_metadata("name: x\npeers:\n  cluster:\n    interface: c\n").unwrap();
        assert!(charm.is_peer("cluster") && charm.declares("cluster") && !charm.declares("db"));
        let given: Map<String, Value> = json!({"port": 80}).as_object().unwrap().clone();
        assert_eq!(
            charm.config(&given).unwrap(),
            given,
            "no config.yaml: as given"
        );
        charm
            .set_config_yaml("options:\n  port: {type: int, default: 8080}\n  url: {type: string}\n  debug: {type: boolean, default: false}\n")
            .unwrap();
        let config = charm.config(&given).unwrap();
        assert_eq!(
            Value::Object(config),
            json!({"port": 80, "url": null, "debug": false})
        );
        let bad: Map<String, Value> = json!({"port": "80"}).as_object().unwrap().clone();
        assert!(
            matches!(charm.config(&bad), Err(HarnessError::ConfigType { key, .. }) if key == "port")
        );
        let unknown: Map<String, Value> = json!({"nope": 1}).as_object().unwrap().clone();
        assert!(
            matches!(charm.config(&unknown), Err(HarnessError::UnknownConfigOption(k)) if k == "nope")
        );
    }
}
