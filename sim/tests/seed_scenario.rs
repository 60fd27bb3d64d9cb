//! The project's main job, as a test: the seed's scenario with the example
//! charms (built by the scenario's `build:` step) under the real `jujusim`
//! binary. The fixed consumer passes every assertion; the naive one, held to the
//! same assertions, fails them the way the seed's charm did.

use std::path::{Path, PathBuf};
use std::process::Command;

fn scenario(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../examples/scenarios")
        .join(name)
}

fn jujusim(file: &Path, extra: &[&str]) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_jujusim"))
        .arg("run")
        .arg(file)
        .args(extra)
        .output()
        .expect("jujusim runs");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.code().unwrap_or(-1), text)
}

#[test]
fn the_fixed_consumer_survives_unit_replacement_and_the_naive_one_shows_the_seed_failure() {
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("report.html");
    let (code, out) = jujusim(
        &scenario("sse-replacement.yaml"),
        &["--summary-only", "--html", page.to_str().unwrap()],
    );
    assert_eq!(code, 0, "the seed scenario must pass:\n{out}");
    // The timeline page: a lane per unit ever deployed, the three replacements.
    let html = std::fs::read_to_string(&page)
        .unwrap()
        .replace("&#x2f;", "/");
    for unit in ["con6/0", "con6/3", "naive/3", "sse-endpoint/0"] {
        assert!(
            html.contains(&format!("data-unit=\"{unit}\"")),
            "no lane {unit}"
        );
    }
    assert_eq!(
        html.matches("data-kind=\"replacement\"").count(),
        6,
        "3 per consumer"
    );
    assert!(html.contains("OK: 7 assertions, 0 failed"));
    for label in [
        "PASS step 12: con6/3 starts with the application state and goes active without asking for a relation",
        "PASS step 13: the dying con6/2 never says blocked",
        "PASS step 14: one pod spec per URL",
        "PASS step 15: naive: the new unit asks for a relation it has",
        "PASS step 17: naive: the dying unit says blocked",
    ] {
        assert!(out.contains(label), "missing {label:?} in:\n{out}");
    }
    assert!(out.contains("application con6: leader con6/3, live units [con6/3], pod spec changes 4, replacements 3"), "{out}");
}

#[test]
fn the_naive_consumer_fails_the_fixed_consumers_assertions() {
    let (code, out) = jujusim(&scenario("sse-replacement-naive.yaml"), &["--summary-only"]);
    assert_eq!(code, 1, "the naive consumer must fail:\n{out}");
    assert!(
        out.contains("FAIL step 10: naive/3 starts with the application state"),
        "{out}"
    );
    assert!(out.contains("never status blocked"), "{out}");
    assert!(
        out.contains("FAIL step 11: the dying naive/2 never says blocked"),
        "{out}"
    );
}

#[test]
fn the_timeline_filters_by_unit_and_handler() {
    let (code, out) = jujusim(
        &scenario("sse-replacement.yaml"),
        &["--unit", "con6/3", "--handler", "config_consumer"],
    );
    assert_eq!(code, 0, "{out}");
    let timeline: Vec<&str> = out
        .lines()
        .take_while(|l| !l.starts_with("== summary"))
        .collect();
    assert!(!timeline.is_empty());
    assert!(
        timeline.iter().all(|l| l.starts_with("unit-con6-3:")),
        "{timeline:#?}"
    );
    assert!(
        timeline.iter().all(|l| l.contains("config_consumer")),
        "{timeline:#?}"
    );
}
