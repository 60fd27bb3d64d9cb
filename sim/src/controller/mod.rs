//! The controller: owns the model, runs hooks as child processes, and applies
//! what users do (deploy, relate, config, scale, remove, resolve).

mod action;
mod cloud;
mod hookenv;
mod run;
mod settle;
pub mod uniter;

use std::collections::BTreeMap;
use std::io;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::Value;

use crate::charm::{copy_charm, Charm, CharmError, DeploymentKind, Role};
use crate::model::{Application, Life, Model, ModelType, Relation, RelationEndpoint, Status, Unit};
use crate::runner::{Executor, ProcessExecutor};
use crate::timeline::{Kind, Source, Timeline};
use crate::tools::tool_names;
use crate::version::JujuVersion;

pub use uniter::Op;

/// Errors of the controller.
#[derive(Debug, thiserror::Error)]
pub enum SimError {
    /// A charm could not be loaded or copied.
    #[error(transparent)]
    Charm(#[from] CharmError),
    /// A file or socket operation failed.
    #[error("{context}: {source}")]
    Io {
        /// What was being done.
        context: String,
        /// The underlying error.
        source: io::Error,
    },
    /// The scenario's `build:` step failed.
    #[error("build: {0}")]
    Build(String),
    /// No such application.
    #[error("unknown application {0:?}")]
    UnknownApp(String),
    /// No such unit.
    #[error("unknown unit {0:?}")]
    UnknownUnit(String),
    /// A podspec charm on Juju 4.0, which removed them.
    #[error(
        "cannot deploy {0:?}: Juju 4.0 does not run podspec charms (metadata `series: [kubernetes]`); \
         deploy a sidecar charm (`containers:` in its metadata) or simulate Juju 3.6 or earlier"
    )]
    PodspecRemoved(String),
    /// The application is already deployed.
    #[error("application {0:?} is already deployed")]
    Duplicate(String),
    /// `relate` or `unrelate` cannot work out the relation.
    #[error("cannot relate {0}: {1}")]
    Relate(String, String),
    /// A config value does not fit the charm's options.
    #[error("config of {0}: {1}")]
    Config(String, String),
    /// New units keep setting a different pod spec.
    #[error(
        "pod spec replacement loop: application {app:?} replaced its units {count} times in one wait \
         (units {chain}); each replacement unit committed a pod spec that differs from the previous one. \
         Make the spec deterministic, and set it only as the leader and only when it changed"
    )]
    ReplacementLoop {
        /// The application.
        app: String,
        /// Replacements in this wait.
        count: u32,
        /// `con6/0 -> con6/1 -> ...`.
        chain: String,
    },
    /// A step Juju would refuse before changing anything (as `juju` exits
    /// non-zero with `ERROR ...`); jujusim exits 2.
    #[error("ERROR {0}")]
    Refused(String),
    /// Hooks kept coming.
    #[error("the model did not settle after {0} hooks")]
    NotSettled(usize),
}

pub(crate) fn io_ctx(context: impl Into<String>) -> impl FnOnce(io::Error) -> SimError {
    let context = context.into();
    move |source| SimError::Io { context, source }
}

/// How the controller is set up.
#[derive(Clone, Debug)]
pub struct Options {
    /// The `jujusim-hook-tool` executable the tool symlinks point to.
    pub hook_tool: PathBuf,
    /// Where unit charm dirs and the tools dir are created.
    pub workdir: PathBuf,
    /// All units of an application share one charm dir (`None`: Kubernetes before 2.8).
    pub shared_charm_dir: Option<bool>,
    /// Leases of removed units are renewed forever (`None`: Kubernetes before 2.6).
    pub stale_leases: Option<bool>,
    /// Pod spec replacements allowed per application in one wait.
    pub max_replacements: u32,
    /// Hooks allowed in one wait.
    pub max_hooks: usize,
    /// Real-time limit per hook process.
    pub hook_timeout: Duration,
    /// Variables added to every hook's environment (Juju's own variables win). Hooks
    /// do not inherit the simulator's environment: Juju gives them a fixed one.
    pub env: Vec<(String, String)>,
}

impl Options {
    /// Defaults for a hook tool and a work dir, with no added hook environment.
    pub fn new(hook_tool: PathBuf, workdir: PathBuf) -> Self {
        Self {
            hook_tool,
            workdir,
            shared_charm_dir: None,
            stale_leases: None,
            max_replacements: 5,
            max_hooks: 5000,
            hook_timeout: Duration::from_secs(300),
            env: Vec::new(),
        }
    }
}

/// What `deploy` needs.
#[derive(Clone, Debug)]
pub struct DeploySpec {
    /// Application name.
    pub name: String,
    /// The charm.
    pub charm: Charm,
    /// Number of units.
    pub units: u32,
    /// Initial config.
    pub config: BTreeMap<String, Value>,
    /// Override of the charm's deployment type.
    pub deployment: Option<DeploymentKind>,
    /// Extra hook environment.
    pub env: BTreeMap<String, String>,
}

/// The simulated controller.
pub struct Controller {
    /// The model.
    pub model: Model,
    /// Everything that was logged.
    pub timeline: Timeline,
    opts: Options,
    executor: Box<dyn Executor>,
    tools_dir: PathBuf,
    seq: u64,
    cursor: usize,
    failed_ops: BTreeMap<String, Op>,
    settle_replacements: BTreeMap<String, Vec<String>>,
}

impl Controller {
    /// A controller with an empty model that runs hooks as child processes;
    /// creates the tools dir and the agent socket.
    pub fn new(version: JujuVersion, kind: ModelType, opts: Options) -> Result<Self, SimError> {
        let executor = ProcessExecutor::new().map_err(io_ctx("agent socket"))?;
        Self::with_executor(version, kind, opts, Box::new(executor))
    }

    /// A controller whose hooks run through `executor` (an in-process harness).
    pub fn with_executor(
        version: JujuVersion,
        kind: ModelType,
        opts: Options,
        executor: Box<dyn Executor>,
    ) -> Result<Self, SimError> {
        let tools_dir = opts.workdir.join("tools");
        std::fs::create_dir_all(&tools_dir).map_err(io_ctx(tools_dir.display().to_string()))?;
        for name in tool_names(version) {
            let link = tools_dir.join(name);
            let _ = std::fs::remove_file(&link);
            std::os::unix::fs::symlink(&opts.hook_tool, &link)
                .map_err(io_ctx(link.display().to_string()))?;
        }
        Ok(Self {
            model: Model::new(version, kind),
            timeline: Timeline::default(),
            opts,
            executor,
            tools_dir,
            seq: 0,
            cursor: 0,
            failed_ops: BTreeMap::new(),
            settle_replacements: BTreeMap::new(),
        })
    }

    /// The directory of hook-tool symlinks put first on `PATH`.
    pub fn tools_dir(&self) -> &Path {
        &self.tools_dir
    }

    /// The options in force.
    pub fn options(&self) -> &Options {
        &self.opts
    }

    fn shared_dirs(&self) -> bool {
        self.opts.shared_charm_dir.unwrap_or(
            self.model.kind == ModelType::Kubernetes
                && self.model.juju_version.shared_k8s_charm_dir(),
        )
    }

    fn stale_leases(&self) -> bool {
        self.opts.stale_leases.unwrap_or(
            self.model.kind == ModelType::Kubernetes && self.model.juju_version.stale_caas_leases(),
        )
    }

    pub(crate) fn log_controller(&mut self, level: &str, module: &str, msg: &str) {
        let now = self.model.clock_ms;
        self.timeline.push(
            now,
            &Source::controller(),
            level,
            module,
            Kind::Controller,
            msg,
        );
    }

    pub(crate) fn log_unit(&mut self, unit: &str, level: &str, module: &str, msg: &str) {
        let now = self.model.clock_ms;
        self.timeline.push(
            now,
            &Source::unit(unit, None),
            level,
            module,
            Kind::Controller,
            msg,
        );
    }

    /// Deploys an application with its units (and its peer relations).
    pub fn deploy(&mut self, spec: DeploySpec) -> Result<(), SimError> {
        if self.model.applications.contains_key(&spec.name) {
            return Err(SimError::Duplicate(spec.name));
        }
        let meta = &spec.charm.metadata;
        if meta.kubernetes && self.model.juju_version.is_4x() {
            return Err(SimError::PodspecRemoved(spec.name));
        }
        let deployment =
            spec.deployment
                .or(meta.deployment)
                .unwrap_or(if !meta.storage.is_empty() {
                    DeploymentKind::Stateful
                } else {
                    DeploymentKind::Stateless
                });
        let peers: Vec<_> = meta
            .relations
            .iter()
            .filter(|e| e.role == Role::Peers)
            .cloned()
            .collect();
        let mut app = Application::new(&spec.name, spec.charm, deployment);
        app.env = spec.env;
        self.model.applications.insert(spec.name.clone(), app);
        self.set_config(&spec.name, &spec.config, &[])?;
        self.log_controller(
            "INFO",
            "juju.apiserver.application",
            &format!(
                "deployed application {:?} ({})",
                spec.name,
                deployment.name()
            ),
        );
        for p in peers {
            self.add_relation(vec![RelationEndpoint {
                app: spec.name.clone(),
                name: p.name,
                interface: p.interface,
                role: Role::Peers,
            }]);
        }
        for _ in 0..spec.units {
            self.add_unit(&spec.name)?;
        }
        Ok(())
    }

    /// Adds one unit to `app`; returns its name.
    pub fn add_unit(&mut self, app_name: &str) -> Result<String, SimError> {
        let shared = self.shared_dirs();
        let k8s = self.model.kind == ModelType::Kubernetes;
        let agents = self.opts.workdir.join("agents");
        let app = self
            .model
            .applications
            .get_mut(app_name)
            .ok_or_else(|| SimError::UnknownApp(app_name.into()))?;
        let number = app.next_unit;
        app.next_unit += 1;
        let charm_dir = if shared {
            match &app.shared_charm_dir {
                Some(d) => d.clone(),
                None => {
                    let d = agents.join(format!("application-{app_name}")).join("charm");
                    copy_charm(&app.charm.source, &d)?;
                    app.shared_charm_dir = Some(d.clone());
                    d
                }
            }
        } else {
            let d = agents
                .join(format!("unit-{app_name}-{number}"))
                .join("charm");
            copy_charm(&app.charm.source, &d)?;
            d
        };
        let has_pod = k8s && app.pod_spec.is_some();
        let address = self.model.next_unit_address();
        let mut unit = Unit::new(app_name, number, charm_dir, address, self.model.clock_ms);
        unit.has_pod = has_pod;
        let name = unit.name.clone();
        self.model.units.push(unit);
        self.log_unit(
            &name,
            "INFO",
            "juju.worker.uniter",
            &format!("unit {name:?} started"),
        );
        let holder = self.model.leader_of(app_name).map(str::to_string);
        if let Some(h) = holder {
            self.log_unit(
                &name,
                "INFO",
                "juju.worker.leadership",
                &format!("{app_name} leadership for {name} denied (held by {h})"),
            );
        }
        self.tick_leases();
        Ok(name)
    }

    fn add_relation(&mut self, endpoints: Vec<RelationEndpoint>) -> u32 {
        let id = self.model.next_relation_id;
        self.model.next_relation_id += 1;
        let rel = Relation {
            id,
            endpoints,
            dying: false,
            removed: false,
            units: BTreeMap::new(),
            apps: BTreeMap::new(),
            scope: Default::default(),
        };
        let desc = rel.describe();
        self.model.relations.push(rel);
        self.log_controller(
            "INFO",
            "juju.state",
            &format!("relation {desc:?} added (id {id})"),
        );
        id
    }

    fn resolve_endpoint(&self, spec: &str) -> Result<(String, Option<String>), SimError> {
        let (app, ep) = match spec.split_once(':') {
            Some((a, e)) => (a.to_string(), Some(e.to_string())),
            None => (spec.to_string(), None),
        };
        if !self.model.applications.contains_key(&app) {
            return Err(SimError::UnknownApp(app));
        }
        Ok((app, ep))
    }

    /// Relates two endpoints (`app` or `app:endpoint`); returns the relation id.
    pub fn relate(&mut self, a: &str, b: &str) -> Result<u32, SimError> {
        let what = format!("{a} and {b}");
        let (app_a, ep_a) = self.resolve_endpoint(a)?;
        let (app_b, ep_b) = self.resolve_endpoint(b)?;
        let meta_a = &self.model.applications[&app_a].charm.metadata;
        let meta_b = &self.model.applications[&app_b].charm.metadata;
        let mut pairs = Vec::new();
        for ea in &meta_a.relations {
            for eb in &meta_b.relations {
                let roles_ok = matches!(
                    (ea.role, eb.role),
                    (Role::Provides, Role::Requires) | (Role::Requires, Role::Provides)
                );
                if roles_ok
                    && ea.interface == eb.interface
                    && ep_a.as_ref().is_none_or(|n| *n == ea.name)
                    && ep_b.as_ref().is_none_or(|n| *n == eb.name)
                {
                    pairs.push((ea.clone(), eb.clone()));
                }
            }
        }
        let (ea, eb) = match pairs.len() {
            0 => {
                return Err(SimError::Relate(
                    what,
                    "no matching endpoints (same interface, provides/requires)".into(),
                ))
            }
            1 => pairs.remove(0),
            _ => {
                return Err(SimError::Relate(
                    what,
                    "ambiguous: name the endpoints as app:endpoint".into(),
                ))
            }
        };
        let exists = self.model.relations.iter().any(|r| {
            !r.removed
                && r.endpoint_of(&app_a).is_some_and(|e| e.name == ea.name)
                && r.endpoint_of(&app_b).is_some_and(|e| e.name == eb.name)
        });
        if exists {
            return Err(SimError::Relate(what, "relation already exists".into()));
        }
        let mk = |app: &str, e: crate::charm::RelationSpec| RelationEndpoint {
            app: app.into(),
            name: e.name,
            interface: e.interface,
            role: e.role,
        };
        Ok(self.add_relation(vec![mk(&app_a, ea), mk(&app_b, eb)]))
    }

    /// Removes the relation between two endpoints (it becomes dying; units then depart and break).
    pub fn unrelate(&mut self, a: &str, b: &str) -> Result<(), SimError> {
        let (app_a, ep_a) = self.resolve_endpoint(a)?;
        let (app_b, ep_b) = self.resolve_endpoint(b)?;
        let rel = self
            .model
            .relations
            .iter_mut()
            .find(|r| {
                !r.removed
                    && !r.dying
                    && r.endpoint_of(&app_a)
                        .is_some_and(|e| ep_a.as_ref().is_none_or(|n| *n == e.name))
                    && r.endpoint_of(&app_b)
                        .is_some_and(|e| ep_b.as_ref().is_none_or(|n| *n == e.name))
            })
            .ok_or_else(|| SimError::Relate(format!("{a} and {b}"), "no such relation".into()))?;
        rel.dying = true;
        let desc = rel.describe();
        self.log_controller("INFO", "juju.state", &format!("relation {desc:?} dying"));
        Ok(())
    }

    /// Sets (and resets to default) config options of `app`.
    pub fn set_config(
        &mut self,
        app_name: &str,
        set: &BTreeMap<String, Value>,
        reset: &[String],
    ) -> Result<(), SimError> {
        let app = self
            .model
            .applications
            .get_mut(app_name)
            .ok_or_else(|| SimError::UnknownApp(app_name.into()))?;
        let before = app.effective_config(true);
        for (k, v) in set {
            let opt = app.charm.options.get(k).ok_or_else(|| {
                SimError::Config(app_name.into(), format!("unknown option {k:?}"))
            })?;
            let v = opt
                .coerce(k, v)
                .map_err(|e| SimError::Config(app_name.into(), e))?;
            app.config.insert(k.clone(), v);
        }
        for k in reset {
            app.config.remove(k);
        }
        if app.effective_config(true) != before {
            app.config_version += 1;
        }
        Ok(())
    }

    /// Scales `app` to `n` live units: adds units, or marks the highest-numbered ones dying.
    pub fn scale(&mut self, app: &str, n: u32) -> Result<(), SimError> {
        let alive: Vec<String> = self
            .model
            .app_units(app)
            .iter()
            .filter(|u| u.life == Life::Alive)
            .map(|u| u.name.clone())
            .collect();
        if !self.model.applications.contains_key(app) {
            return Err(SimError::UnknownApp(app.into()));
        }
        let n = n as usize;
        for _ in alive.len()..n {
            self.add_unit(app)?;
        }
        for name in alive.iter().skip(n).rev() {
            self.remove_unit(name)?;
        }
        Ok(())
    }

    /// Marks a unit dying (its pod, if any, is gone).
    pub fn remove_unit(&mut self, name: &str) -> Result<(), SimError> {
        let unit = self
            .model
            .unit_mut(name)
            .ok_or_else(|| SimError::UnknownUnit(name.into()))?;
        if unit.life == Life::Alive {
            unit.life = Life::Dying;
            unit.has_pod = false;
            self.log_unit(
                name,
                "INFO",
                "juju.worker.uniter",
                &format!("unit {name:?} is dying"),
            );
        }
        Ok(())
    }

    /// Removes an application: every unit dies and its relations are broken.
    pub fn remove_application(&mut self, name: &str) -> Result<(), SimError> {
        let app = self
            .model
            .applications
            .get_mut(name)
            .ok_or_else(|| SimError::UnknownApp(name.into()))?;
        app.dying = true;
        for r in self.model.relations.iter_mut() {
            if r.endpoint_of(name).is_some() && !r.removed {
                r.dying = true;
            }
        }
        let units: Vec<String> = self
            .model
            .app_units(name)
            .iter()
            .map(|u| u.name.clone())
            .collect();
        for u in units {
            self.remove_unit(&u)?;
        }
        self.log_controller(
            "INFO",
            "juju.apiserver.application",
            &format!("application {name:?} is dying"),
        );
        Ok(())
    }

    /// `juju resolved`: clears a unit's hook error; `retry` runs the hook again,
    /// otherwise it is marked as done without its changes.
    pub fn resolve(&mut self, name: &str, retry: bool) -> Result<(), SimError> {
        let op = self.failed_ops.remove(name);
        let unit = self
            .model
            .unit_mut(name)
            .ok_or_else(|| SimError::UnknownUnit(name.into()))?;
        if unit.error_hook.take().is_none() {
            // `juju resolved` says so too, and changes nothing.
            return Err(SimError::Refused(format!(
                "unit {name:?} is not in an error state"
            )));
        }
        let previous = unit
            .status_history
            .iter()
            .rev()
            .find(|s| s.status != "error")
            .cloned()
            .unwrap_or_else(|| Status::juju("unknown", "", 0));
        unit.set_status(previous);
        if let (false, Some(op)) = (retry, op) {
            let observed = self.observed_version(name, &op);
            self.apply_local(name, &op, observed);
        }
        Ok(())
    }
}
