//! Scenario files: a model to build, steps to apply, assertions to check.
//!
//! ```yaml
//! juju-version: "3.6.0"          # 2.5.0 to 4.0.x; default 3.6.0
//! model-type: kubernetes         # or iaas; default kubernetes
//! charm-dir: per-unit            # or shared; default: shared on Kubernetes before 2.8
//! stale-leases: false            # default: true on Kubernetes before 2.6
//! app-flag-prefix: charm-reactive.app.flag.   # leader-settings keys of app flags
//! max-replacements: 5            # pod spec replacements per app in one wait
//! hook-timeout: 300              # seconds of real time per hook process
//! allow-hook-errors: false       # a unit left in error at the end fails the run
//! applications:
//!   sse-endpoint: {charm: ./charms/sse-endpoint, units: 1, config: {base-url: "http://a"}}
//!   con6:
//!     charm: ./charms/consumer   # relative to the scenario file
//!     deployment: stateless      # overrides metadata
//!     env: {RUST_LOG: debug}     # extra hook environment
//!     flags-command: "cat .flags"   # or flags-file: .flags.json
//! steps:
//!   - deploy: [sse-endpoint, con6]
//!   - relate: [con6:sse-endpoint, sse-endpoint:sse-endpoint]
//!   - wait: settled
//!   - config: {app: sse-endpoint, set: {base-url: "http://b"}, reset: []}
//!   - scale: {app: con6, units: 2}
//!   - remove: {unit: con6/1}      # or {app: con6} or {relation: [a:x, b:y]}
//!   - resolve: {unit: con6/0, retry: true}
//!   - run-action: {unit: con6/leader, action: refresh, params: {force: true}}
//!   - wait: {seconds: 90}
//!   - assert: {unit: con6/leader, status: active, never-status: blocked}
//! ```

mod assert;
pub mod limits;
mod run;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde_json::Value;

use crate::charm::DeploymentKind;
use crate::model::ModelType;
use crate::version::JujuVersion;

pub use assert::{ActionCheck, Assertion, AssertionResult, Check, FlagCheck, LeaderCheck};
pub use run::{run, RunResult};

/// Errors loading a scenario.
#[derive(Debug, thiserror::Error)]
pub enum ScenarioError {
    /// The file could not be read.
    #[error("{0}: {1}")]
    Read(PathBuf, std::io::Error),
    /// The YAML does not describe a scenario.
    #[error("{0}: {1}")]
    Parse(String, String),
    /// The scenario is inconsistent.
    #[error("{0}")]
    Invalid(String),
}

/// Charm dir layout.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CharmDirLayout {
    /// One dir per unit (Juju 2.8+).
    PerUnit,
    /// One dir shared by all units of an application (Juju 2.5 operator pod).
    Shared,
}

/// One application of the scenario.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct AppSpec {
    /// Charm directory or packed `.charm` file, relative to the scenario file.
    pub charm: PathBuf,
    /// The base to deploy on (`juju deploy --base ubuntu@22.04`); default: the
    /// charm's first manifest base.
    #[serde(default)]
    pub base: Option<String>,
    /// The machines' architecture (`--constraints arch=`); default `amd64`.
    #[serde(default = "amd64")]
    pub arch: String,
    /// Units at deploy time (default 1).
    #[serde(default = "one")]
    pub units: u32,
    /// Initial config.
    #[serde(default)]
    pub config: BTreeMap<String, Value>,
    /// Overrides the charm's deployment type.
    #[serde(default)]
    pub deployment: Option<DeploymentKind>,
    /// Extra hook environment.
    #[serde(default)]
    pub env: BTreeMap<String, String>,
    /// Shell command printing a unit's flags.
    #[serde(default)]
    pub flags_command: Option<String>,
    /// File in the unit's charm dir holding its flags.
    #[serde(default)]
    pub flags_file: Option<String>,
}

fn one() -> u32 {
    1
}

fn amd64() -> String {
    "amd64".to_owned()
}

/// `wait:` argument.
#[derive(Clone, Debug, Deserialize)]
#[serde(untagged)]
pub enum Wait {
    /// `settled`.
    Keyword(String),
    /// `{seconds: N}`: settle without letting virtual time pass beyond N seconds.
    Timed {
        /// Virtual seconds.
        seconds: u64,
    },
}

/// One name or several.
#[derive(Clone, Debug, Deserialize)]
#[serde(untagged)]
pub enum OneOrMany {
    /// A single name.
    One(String),
    /// Several.
    Many(Vec<String>),
}

impl OneOrMany {
    /// As a list.
    pub fn to_vec(&self) -> Vec<String> {
        match self {
            OneOrMany::One(s) => vec![s.clone()],
            OneOrMany::Many(v) => v.clone(),
        }
    }
}

/// `config:` step.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfigStep {
    /// Application.
    pub app: String,
    /// Options to set.
    #[serde(default)]
    pub set: BTreeMap<String, Value>,
    /// Options to reset to their default.
    #[serde(default)]
    pub reset: Vec<String>,
}

/// `scale:` step.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScaleStep {
    /// Application.
    pub app: String,
    /// Live units wanted.
    pub units: u32,
}

/// `remove:` step.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RemoveStep {
    /// A unit to remove.
    #[serde(default)]
    pub unit: Option<String>,
    /// An application to remove.
    #[serde(default)]
    pub app: Option<String>,
    /// A relation to remove, as two endpoints.
    #[serde(default)]
    pub relation: Option<Vec<String>>,
}

/// `resolve:` step.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResolveStep {
    /// The unit in error.
    pub unit: String,
    /// Run the failed hook again (default), or mark it done.
    #[serde(default = "yes")]
    pub retry: bool,
}

fn yes() -> bool {
    true
}

/// `run-action:` step.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RunActionStep {
    /// The unit (`app/N`, `app/leader`, `app/newest`).
    pub unit: String,
    /// Action name.
    pub action: String,
    /// Parameters.
    #[serde(default)]
    pub params: BTreeMap<String, Value>,
}

/// A scenario step.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Step {
    /// Deploy applications declared under `applications`.
    Deploy(OneOrMany),
    /// Relate two endpoints.
    Relate(Vec<String>),
    /// Change config.
    Config(ConfigStep),
    /// Scale an application.
    Scale(ScaleStep),
    /// Add one unit.
    AddUnit(String),
    /// Remove a unit, an application or a relation.
    Remove(RemoveStep),
    /// Clear a hook error.
    Resolve(ResolveStep),
    /// Run an action on a unit, now.
    RunAction(RunActionStep),
    /// Run hooks until settled.
    Wait(Wait),
    /// Check the model.
    Assert(Box<Assertion>),
}

/// A parsed scenario.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct Scenario {
    /// Simulated Juju version.
    #[serde(default)]
    pub juju_version: JujuVersion,
    /// Kubernetes or machines.
    #[serde(default)]
    pub model_type: ModelType,
    /// Charm dir layout.
    #[serde(default)]
    pub charm_dir: Option<CharmDirLayout>,
    /// Stale leadership leases (Juju < 2.6 on Kubernetes).
    #[serde(default)]
    pub stale_leases: Option<bool>,
    /// Leader-settings prefix of application-scope flags.
    #[serde(default)]
    pub app_flag_prefix: Option<String>,
    /// Pod spec replacements allowed per application in one wait.
    #[serde(default)]
    pub max_replacements: Option<u32>,
    /// Real-time seconds per hook process.
    #[serde(default)]
    pub hook_timeout: Option<u64>,
    /// A unit left in error at the end does not fail the run.
    #[serde(default)]
    pub allow_hook_errors: bool,
    /// Cargo packages to build (`cargo build --release -p ...`, in the cargo
    /// workspace that holds the scenario file) before anything is deployed, so
    /// that one `jujusim run` builds the charms it runs.
    #[serde(default)]
    pub build: Vec<String>,
    /// Applications by name.
    #[serde(default)]
    pub applications: BTreeMap<String, AppSpec>,
    /// What happens.
    #[serde(default)]
    pub steps: Vec<Step>,
    /// Directory charm paths are relative to.
    #[serde(skip)]
    pub base_dir: PathBuf,
}

impl Scenario {
    /// Parses scenario text; charm paths resolve against `base_dir`.
    pub fn parse(text: &str, origin: &str, base_dir: &Path) -> Result<Self, ScenarioError> {
        let mut s: Scenario = serde_saphyr::from_str(text)
            .map_err(|e| ScenarioError::Parse(origin.into(), e.to_string()))?;
        s.base_dir = base_dir.to_path_buf();
        s.validate()?;
        Ok(s)
    }

    /// Loads a scenario file.
    pub fn load(path: &Path) -> Result<Self, ScenarioError> {
        let text =
            std::fs::read_to_string(path).map_err(|e| ScenarioError::Read(path.into(), e))?;
        let base = path.parent().unwrap_or(Path::new(".")).to_path_buf();
        Self::parse(&text, &path.display().to_string(), &base)
    }

    fn validate(&self) -> Result<(), ScenarioError> {
        limits::check(self)?;
        for (i, step) in self.steps.iter().enumerate() {
            let n = i + 1;
            match step {
                Step::Deploy(names) => {
                    for name in names.to_vec() {
                        if !self.applications.contains_key(&name) {
                            return Err(ScenarioError::Invalid(format!(
                                "step {n}: deploy {name:?}: not declared under applications"
                            )));
                        }
                    }
                }
                Step::Relate(eps) if eps.len() != 2 => {
                    return Err(ScenarioError::Invalid(format!(
                        "step {n}: relate takes two endpoints, got {}",
                        eps.len()
                    )))
                }
                Step::Wait(Wait::Keyword(k)) if k != "settled" => {
                    return Err(ScenarioError::Invalid(format!(
                        "step {n}: wait takes `settled` or {{seconds: N}}, got {k:?}"
                    )))
                }
                Step::Assert(a) => a
                    .validate()
                    .map_err(|e| ScenarioError::Invalid(format!("step {n}: assert: {e}")))?,
                _ => {}
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_documented_format() {
        let s = Scenario::parse(
            r#"
juju-version: "2.5.0"
applications:
  a: {charm: ./a, units: 2, config: {x: 1}}
  b: {charm: ./b, deployment: stateful, flags-file: .flags}
steps:
  - deploy: [a, b]
  - relate: [a:x, b:x]
  - wait: settled
  - config: {app: a, set: {x: 2}}
  - scale: {app: a, units: 3}
  - remove: {unit: a/1}
  - wait: {seconds: 90}
  - assert: {unit: a/leader, status: active, never-status: blocked, hooks-include: [start]}
  - assert: {app: b, pod-spec-changes: 1, units: [b/0]}
"#,
            "t.yaml",
            Path::new("/x"),
        )
        .unwrap();
        assert_eq!(s.juju_version, JujuVersion::new(2, 5, 0));
        assert_eq!(s.applications["a"].units, 2);
        assert_eq!(
            s.applications["b"].deployment,
            Some(DeploymentKind::Stateful)
        );
        assert_eq!(s.steps.len(), 9);
        assert!(matches!(
            s.steps[6],
            Step::Wait(Wait::Timed { seconds: 90 })
        ));
    }

    #[test]
    fn rejects_undeclared_and_bad_steps() {
        let e = Scenario::parse("steps:\n  - deploy: x\n", "t", Path::new("/")).unwrap_err();
        assert!(e.to_string().contains("not declared"), "{e}");
        let e = Scenario::parse("steps:\n  - wait: forever\n", "t", Path::new("/")).unwrap_err();
        assert!(e.to_string().contains("settled"), "{e}");
        let e = Scenario::parse(
            "steps:\n  - assert: {status: active}\n",
            "t",
            Path::new("/"),
        )
        .unwrap_err();
        assert!(e.to_string().contains("unit"), "{e}");
    }
}
