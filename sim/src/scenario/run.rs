//! Running a scenario against a controller.

use std::collections::BTreeMap;
use std::time::Duration;

use serde::Serialize;

use super::assert::{resolve_unit, AssertionResult, EvalContext};
use super::{CharmDirLayout, Scenario, Step, Wait};
use crate::charm::Charm;
use crate::controller::uniter::next_op;
use crate::controller::{Controller, DeploySpec, Options, SimError};
use crate::flags::{FlagSource, DEFAULT_APP_FLAG_PREFIX};
use crate::model::Model;
use crate::timeline::Timeline;

/// The outcome of a scenario run.
#[derive(Debug, Serialize)]
pub struct RunResult {
    /// The model at the end.
    pub model: Model,
    /// Everything logged.
    #[serde(skip)]
    pub timeline: Timeline,
    /// Results of the `assert:` steps that ran.
    pub assertions: Vec<AssertionResult>,
    /// The step that failed, if one did (the run stops there).
    pub error: Option<String>,
    /// Steps run (including a failed one).
    pub steps_run: usize,
    /// No unit had anything left to do at the end.
    pub settled: bool,
    /// Units left in error at the end: `con6/1: "config-changed"`.
    pub hook_errors: Vec<String>,
    /// The scenario accepts units left in error (`allow-hook-errors: true`).
    pub hook_errors_allowed: bool,
}

impl RunResult {
    /// No step failed, every assertion held, and no unit was left in error
    /// (unless the scenario allows it).
    pub fn ok(&self) -> bool {
        self.error.is_none()
            && self.assertions.iter().all(|a| a.ok)
            && (self.hook_errors_allowed || self.hook_errors.is_empty())
    }
}

/// Builds the scenario's `build:` packages with cargo, in release mode, in the
/// cargo workspace that contains the scenario file.
fn build_packages(scenario: &Scenario) -> Result<(), SimError> {
    if scenario.build.is_empty() {
        return Ok(());
    }
    let base = scenario
        .base_dir
        .canonicalize()
        .unwrap_or_else(|_| scenario.base_dir.clone());
    let root = base
        .ancestors()
        .filter(|d| {
            std::fs::read_to_string(d.join("Cargo.toml")).is_ok_and(|t| t.contains("[workspace]"))
        })
        .last()
        .ok_or_else(|| SimError::Build(format!("no cargo workspace above {}", base.display())))?;
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut cmd = std::process::Command::new(&cargo);
    cmd.current_dir(root)
        .args(["build", "--release", "--quiet"]);
    for p in &scenario.build {
        cmd.args(["-p", p]);
    }
    let status = cmd
        .status()
        .map_err(|e| SimError::Build(format!("cannot run {cargo}: {e}")))?;
    if !status.success() {
        return Err(SimError::Build(format!(
            "cargo build --release -p {} failed ({status})",
            scenario.build.join(" -p ")
        )));
    }
    Ok(())
}

fn step_name(step: &Step) -> &'static str {
    match step {
        Step::Deploy(_) => "deploy",
        Step::Relate(_) => "relate",
        Step::Config(_) => "config",
        Step::Scale(_) => "scale",
        Step::AddUnit(_) => "add-unit",
        Step::Remove(_) => "remove",
        Step::Resolve(_) => "resolve",
        Step::RunAction(_) => "run-action",
        Step::Wait(_) => "wait",
        Step::Assert(_) => "assert",
    }
}

/// Runs `scenario` on a controller set up with `opts`; what the scenario sets
/// (charm dir layout, stale leases, limits) overrides `opts`.
pub fn run(scenario: &Scenario, mut opts: Options) -> Result<RunResult, SimError> {
    if let Some(layout) = scenario.charm_dir {
        opts.shared_charm_dir = Some(layout == CharmDirLayout::Shared);
    }
    if scenario.stale_leases.is_some() {
        opts.stale_leases = scenario.stale_leases;
    }
    if let Some(m) = scenario.max_replacements {
        opts.max_replacements = m;
    }
    if let Some(t) = scenario.hook_timeout {
        opts.hook_timeout = Duration::from_secs(t);
    }
    build_packages(scenario)?;
    let mut ctl = Controller::new(scenario.juju_version, scenario.model_type, opts)?;
    let flag_sources: BTreeMap<String, FlagSource> = scenario
        .applications
        .iter()
        .map(|(name, a)| {
            let src = match (&a.flags_command, &a.flags_file) {
                (Some(c), _) => FlagSource::Command(c.clone()),
                (None, Some(f)) => FlagSource::File(f.clone()),
                (None, None) => FlagSource::Store,
            };
            (name.clone(), src)
        })
        .collect();
    let prefix = scenario
        .app_flag_prefix
        .clone()
        .unwrap_or_else(|| DEFAULT_APP_FLAG_PREFIX.to_string());
    let mut assertions = Vec::new();
    let mut error = None;
    let mut steps_run = 0;
    for (i, step) in scenario.steps.iter().enumerate() {
        steps_run = i + 1;
        if let Step::Assert(a) = step {
            let ctx = EvalContext {
                model: &ctl.model,
                timeline: &ctl.timeline,
                flag_sources: &flag_sources,
                env: &ctl.options().env,
                app_flag_prefix: &prefix,
            };
            assertions.push(a.evaluate(i + 1, &ctx));
            continue;
        }
        match apply_step(&mut ctl, scenario, step) {
            Ok(()) => {}
            // Refused like a bad command line: the run ends with an error (exit 2).
            Err(SimError::Refused(why)) => {
                return Err(SimError::Refused(format!(
                    "step {} ({}): {why}",
                    i + 1,
                    step_name(step)
                )))
            }
            Err(e) => {
                error = Some(format!("step {} ({}): {e}", i + 1, step_name(step)));
                break;
            }
        }
    }
    let settled = ctl
        .model
        .units
        .iter()
        .all(|u| next_op(&ctl.model, u).is_none());
    let hook_errors = ctl
        .model
        .units
        .iter()
        .filter(|u| !u.removed)
        .filter_map(|u| u.error_hook.as_ref().map(|h| format!("{}: {h:?}", u.name)))
        .collect();
    Ok(RunResult {
        hook_errors,
        hook_errors_allowed: scenario.allow_hook_errors,
        model: ctl.model.clone(),
        timeline: std::mem::take(&mut ctl.timeline),
        assertions,
        error,
        steps_run,
        settled,
    })
}

fn apply_step(ctl: &mut Controller, scenario: &Scenario, step: &Step) -> Result<(), SimError> {
    match step {
        Step::Deploy(names) => {
            for name in names.to_vec() {
                let spec = &scenario.applications[&name];
                let charm = Charm::load(&scenario.base_dir.join(&spec.charm))?;
                charm.check_deployable(scenario.juju_version, spec.base.as_deref(), &spec.arch)?;
                ctl.deploy(DeploySpec {
                    name: name.clone(),
                    charm,
                    units: spec.units,
                    config: spec.config.clone(),
                    deployment: spec.deployment,
                    env: spec.env.clone(),
                })?;
            }
            Ok(())
        }
        Step::Relate(eps) => ctl.relate(&eps[0], &eps[1]).map(|_| ()),
        Step::Config(c) => ctl.set_config(&c.app, &c.set, &c.reset),
        Step::Scale(s) => ctl.scale(&s.app, s.units),
        Step::AddUnit(app) => ctl.add_unit(app).map(|_| ()),
        Step::Remove(r) => {
            if let Some(u) = &r.unit {
                ctl.remove_unit(u)?;
            }
            if let Some(a) = &r.app {
                ctl.remove_application(a)?;
            }
            if let Some(eps) = &r.relation {
                let (a, b) = match eps.as_slice() {
                    [a, b] => (a, b),
                    _ => {
                        return Err(SimError::Relate(
                            format!("{eps:?}"),
                            "remove relation takes two endpoints".into(),
                        ))
                    }
                };
                ctl.unrelate(a, b)?;
            }
            Ok(())
        }
        Step::Resolve(r) => ctl.resolve(&r.unit, r.retry),
        Step::RunAction(a) => {
            let unit = resolve_unit(&ctl.model, &a.unit)
                .map(|u| u.name.clone())
                .ok_or_else(|| SimError::UnknownUnit(a.unit.clone()))?;
            ctl.run_action(&unit, &a.action, a.params.clone())
                .map(|_| ())
        }
        Step::Wait(Wait::Keyword(_)) => ctl.settle(None),
        Step::Wait(Wait::Timed { seconds }) => ctl.settle(Some(seconds * 1000)),
        Step::Assert(_) => Ok(()),
    }
}
