//! Fidelity: jujusim runs a real Python charms.reactive 1.5.3 charm
//! (tests/python-charm/consumer) through the seed's scenario and reproduces
//! the seed log's hook sequence.
//!
//! The venv is built by tests/python-charm/make-venv.sh (at $PY_CHARM_VENV or
//! target/py-charm-venv). Where Python or PyPI is unavailable the tests print
//! `SKIPPED` and why, and pass, unless JUJUSIM_REQUIRE_PYTHON is set (CI sets it).

mod common;

use std::path::PathBuf;
use std::process::Command;
use std::sync::OnceLock;

use charm_reactive_sim::controller::Options;
use charm_reactive_sim::scenario::{run, RunResult, Scenario};
use common::{assert_ok, hook_tool, hooks, repo_root, unit};

fn venv() -> Option<PathBuf> {
    static VENV: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    let built = VENV.get_or_init(|| {
        let script = repo_root().join("tests/python-charm/make-venv.sh");
        let out = Command::new("sh")
            .arg(&script)
            .output()
            .map_err(|e| format!("cannot run {}: {e}", script.display()))?;
        if !out.status.success() {
            return Err(format!(
                "{} failed: {}",
                script.display(),
                String::from_utf8_lossy(&out.stderr).trim()
            ));
        }
        Ok(PathBuf::from(String::from_utf8_lossy(&out.stdout).trim()))
    });
    match built {
        Ok(p) => Some(p.clone()),
        Err(why) if std::env::var_os("JUJUSIM_REQUIRE_PYTHON").is_some() => {
            panic!("the Python charm's venv is required (JUJUSIM_REQUIRE_PYTHON): {why}")
        }
        Err(why) => {
            eprintln!("SKIPPED python fidelity test: no charms.reactive venv: {why}");
            None
        }
    }
}

fn run_seed(file: &str) -> Option<RunResult> {
    let venv = venv()?;
    let path = repo_root().join("tests/python-charm").join(file);
    let scenario = Scenario::load(&path).expect("scenario loads");
    let work = tempfile::tempdir().unwrap();
    let mut opts = Options::new(hook_tool(), work.path().to_path_buf());
    opts.env
        .push(("PY_CHARM_VENV".into(), venv.display().to_string()));
    Some(run(&scenario, opts).expect("controller runs"))
}

fn s(v: &[&str]) -> Vec<String> {
    v.iter().map(|x| x.to_string()).collect()
}

#[test]
fn juju_2_5_reproduces_the_seed_log() {
    let Some(r) = run_seed("seed-2.5.yaml") else {
        return;
    };
    assert_ok(&r);
    // The new unit: start, leader-settings-changed, config-changed (no install
    // on 2.5 Kubernetes), then the relation.
    assert_eq!(
        hooks(&r, "con6/3"),
        s(&[
            "start",
            "leader-settings-changed",
            "config-changed",
            "sse-endpoint-relation-joined",
            "sse-endpoint-relation-changed"
        ])
    );
    // The old unit: it set the pod spec, then departed, broke and stopped.
    let old = hooks(&r, "con6/2");
    assert_eq!(
        old[old.len() - 4..],
        s(&[
            "sse-endpoint-relation-changed",
            "sse-endpoint-relation-departed",
            "sse-endpoint-relation-broken",
            "stop"
        ])
    );
    let warned = r.timeline.records.iter().any(|x| {
        x.unit.as_deref() == Some("con6/2")
            && x.level == "WARNING"
            && x.message == "con6/2 is not the leader but is setting application pod spec"
    });
    assert!(warned, "2.5 only warns about a non-leader pod-spec-set");
    // The dying unit's handlers still ran and said blocked, as in the seed.
    let old_unit = unit(&r, "con6/2");
    let departed_at = old_unit
        .hooks
        .iter()
        .find(|h| h.hook == "sse-endpoint-relation-departed")
        .map(|h| h.at_ms)
        .unwrap();
    assert!(old_unit
        .status_history
        .iter()
        .any(|st| st.status == "blocked" && st.since_ms >= departed_at));
    let invoked = r.timeline.records.iter().any(|x| {
        x.unit.as_deref() == Some("con6/3")
            && x.hook.as_deref() == Some("start")
            && x.message
                .contains("Invoking reactive handler: reactive/sse_consumer.py")
    });
    assert!(
        invoked,
        "charms.reactive dispatched handlers in con6/3's start"
    );
    // One shared charm dir: con6/3 reads the store con6/2 wrote.
    assert_eq!(unit(&r, "con6/3").charm_dir, old_unit.charm_dir);
    assert_eq!(r.model.leader_of("con6"), Some("con6/0"), "the stale lease");
}

#[test]
fn juju_2_8_gives_the_new_unit_a_fresh_start() {
    let Some(r) = run_seed("seed-2.8.yaml") else {
        return;
    };
    assert_ok(&r);
    assert_eq!(
        hooks(&r, "con6/1"),
        s(&[
            "install",
            "sse-endpoint-relation-created",
            "leader-settings-changed",
            "config-changed",
            "start",
            "sse-endpoint-relation-joined",
            "sse-endpoint-relation-changed",
            "leader-elected"
        ])
    );
    assert!(hooks(&r, "con6/0").ends_with(&s(&[
        "sse-endpoint-relation-departed",
        "sse-endpoint-relation-broken",
        "stop",
        "remove"
    ])));
    assert_ne!(unit(&r, "con6/1").charm_dir, unit(&r, "con6/0").charm_dir);
    let refused = r.timeline.records.iter().any(|x| {
        x.unit.as_deref() == Some("con6/1")
            && x.level == "ERROR"
            && x.message == "con6/1 is not the leader but is setting application pod spec"
    });
    assert!(
        refused,
        "2.8 refuses a non-leader pod-spec-set until the lease moves"
    );
}
