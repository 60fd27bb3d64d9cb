//! Helpers shared by the integration tests: small shell-script charms and
//! scenario runs with the freshly built hook tool.

#![allow(dead_code)] // each test binary uses a subset

pub mod probe;

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use charm_reactive_sim::controller::Options;
use charm_reactive_sim::model::Unit;
use charm_reactive_sim::scenario::{run, RunResult, Scenario};

/// The hook tool built for this test run.
pub fn hook_tool() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_jujusim-hook-tool"))
}

/// The repository root.
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("sim has a parent")
        .to_path_buf()
}

/// Writes a charm: metadata, optional config, an executable `dispatch`, and
/// `hooks/<name>` links to it for `hooks` (for Juju versions before dispatch).
pub fn write_charm(
    dir: &Path,
    metadata: &str,
    config: Option<&str>,
    dispatch: &str,
    hooks: &[&str],
) {
    fs::create_dir_all(dir.join("hooks")).unwrap();
    fs::write(dir.join("metadata.yaml"), metadata).unwrap();
    if let Some(c) = config {
        fs::write(dir.join("config.yaml"), c).unwrap();
    }
    let d = dir.join("dispatch");
    fs::write(&d, dispatch).unwrap();
    fs::set_permissions(&d, fs::Permissions::from_mode(0o755)).unwrap();
    for h in hooks {
        std::os::unix::fs::symlink("../dispatch", dir.join("hooks").join(h)).unwrap();
    }
}

/// Runs scenario text whose charm paths are relative to `base`, with extra hook env.
pub fn run_yaml(yaml: &str, base: &Path, env: &[(&str, &str)]) -> RunResult {
    let scenario = Scenario::parse(yaml, "test.yaml", base).expect("valid scenario");
    let work = base.join("work");
    fs::create_dir_all(&work).unwrap();
    let mut opts = Options::new(hook_tool(), work);
    opts.env
        .extend(env.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    run(&scenario, opts).expect("controller runs")
}

/// The unit called `name`.
pub fn unit<'a>(r: &'a RunResult, name: &str) -> &'a Unit {
    r.model
        .unit(name)
        .unwrap_or_else(|| panic!("no unit {name}; units: {:?}", names(r)))
}

/// Unit names in creation order.
pub fn names(r: &RunResult) -> Vec<String> {
    r.model.units.iter().map(|u| u.name.clone()).collect()
}

/// Hook names a unit ran, in order.
pub fn hooks(r: &RunResult, name: &str) -> Vec<String> {
    unit(r, name).hooks.iter().map(|h| h.hook.clone()).collect()
}

/// Panics with the summary when an assertion or step failed.
pub fn assert_ok(r: &RunResult) {
    assert!(
        r.ok(),
        "scenario failed:\n{}",
        charm_reactive_sim::report::summary(r)
    );
}

/// Timeline messages of one unit.
pub fn messages(r: &RunResult, unit: &str) -> Vec<String> {
    r.timeline
        .records
        .iter()
        .filter(|x| x.unit.as_deref() == Some(unit))
        .map(|x| x.message.clone())
        .collect()
}
