//! An application: its charm, config, leader settings, lease and pod spec.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::Serialize;
use serde_json::Value;

use super::lease::Lease;
use super::unit::Status;
use crate::charm::{Charm, DeploymentKind};

/// A committed pod spec.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PodSpec {
    /// The text the charm passed.
    pub text: String,
    /// Its parsed form, compared to decide whether the spec changed.
    pub value: Value,
    /// The unit whose hook committed it.
    pub set_by: String,
}

/// A deployed application.
#[derive(Clone, Debug, Serialize)]
pub struct Application {
    /// Application name (may differ from the charm name).
    pub name: String,
    /// Its charm.
    pub charm: Charm,
    /// Config values set by the user (defaults come from the charm).
    pub config: BTreeMap<String, Value>,
    /// Bumped on each effective config change.
    pub config_version: u64,
    /// Deployment or StatefulSet.
    pub deployment: DeploymentKind,
    /// Leader settings (`leader-get`/`leader-set`).
    pub leader_settings: BTreeMap<String, String>,
    /// Bumped on each `leader-set` and on each leadership change.
    pub leader_settings_version: u64,
    /// The leadership lease.
    pub lease: Lease,
    /// The current pod spec.
    pub pod_spec: Option<PodSpec>,
    /// How many times a committed pod spec differed from the previous one.
    pub pod_spec_changes: u32,
    /// How many times its units were replaced because of a new pod spec.
    pub replacements: u32,
    /// Application status (`status-set --application`).
    pub status: Option<Status>,
    /// `application-version-set`.
    pub workload_version: String,
    /// The number the next unit gets.
    pub next_unit: u32,
    /// Being removed.
    pub dying: bool,
    /// The charm dir shared by all units (Juju 2.5 operator pod layout).
    pub shared_charm_dir: Option<PathBuf>,
    /// Extra environment for its hooks.
    pub env: BTreeMap<String, String>,
}

impl Application {
    /// A new application with no units yet.
    pub fn new(name: &str, charm: Charm, deployment: DeploymentKind) -> Self {
        Self {
            name: name.into(),
            charm,
            config: BTreeMap::new(),
            config_version: 0,
            deployment,
            leader_settings: BTreeMap::new(),
            leader_settings_version: 0,
            lease: Lease::default(),
            pod_spec: None,
            pod_spec_changes: 0,
            replacements: 0,
            status: None,
            workload_version: String::new(),
            next_unit: 0,
            dying: false,
            shared_charm_dir: None,
            env: BTreeMap::new(),
        }
    }

    /// The effective config: set values over defaults, without unset options
    /// (`all` adds them as null, as `config-get --all` does).
    pub fn effective_config(&self, all: bool) -> BTreeMap<String, Value> {
        let mut out = BTreeMap::new();
        for (name, opt) in &self.charm.options {
            let v = self
                .config
                .get(name)
                .cloned()
                .or_else(|| opt.default.clone())
                .unwrap_or(Value::Null);
            if all || !v.is_null() {
                out.insert(name.clone(), v);
            }
        }
        out
    }
}
