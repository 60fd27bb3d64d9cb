//! The `jujusim` command line: timeline, filters, `--json`, exit codes.

mod common;

use std::path::Path;
use std::process::{Command, Output};

use common::write_charm;

const DISPATCH: &str = r#"#!/bin/sh
hook=$(basename "$JUJU_DISPATCH_PATH")
juju-log -l DEBUG "tracer>
tracer: set flag app.ready
tracer: ++   queue handler reactive/x.py:10:configure"
juju-log "Invoking reactive handler: reactive/x.py:10:configure"
juju-log "Invoking reactive handler: reactive/x.py:20:other"
status-set active "ready in $hook"
"#;

fn setup(dir: &Path, asserts: &str) -> std::path::PathBuf {
    write_charm(&dir.join("logger"), "name: logger\n", None, DISPATCH, &[]);
    let file = dir.join("s.yaml");
    let yaml = format!(
        "juju-version: \"2.8.0\"\napplications:\n  logger: {{charm: ./logger, units: 2}}\nsteps:\n  - deploy: logger\n  - wait: settled\n{asserts}"
    );
    std::fs::write(&file, yaml).unwrap();
    file
}

fn jujusim(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_jujusim"))
        .args(args)
        .env("JUJUSIM_HOOK_TOOL", env!("CARGO_BIN_EXE_jujusim-hook-tool"))
        .output()
        .unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[test]
fn prints_a_debug_log_timeline_and_a_summary() {
    let dir = tempfile::tempdir().unwrap();
    let f = setup(
        dir.path(),
        "  - assert: {unit: logger/0, status: active, leader: true}\n",
    );
    let o = jujusim(&["run", f.to_str().unwrap()]);
    let out = stdout(&o);
    assert!(
        o.status.success(),
        "{out}{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(out.contains(
        "unit-logger-0: 12:00:00 INFO juju.worker.uniter.operation running \"install\" hook\n"
    ));
    assert!(out.contains(
        "unit-logger-1: 12:00:01 DEBUG unit.logger/1.juju-log tracer: set flag app.ready\n"
    ));
    assert!(out.contains("INFO unit.logger/0.status-set active: ready in start\n"));
    assert!(out.contains("PASS step 3: unit logger/0 (2 checks)"));
    assert!(out.trim_end().ends_with("== OK: 1 assertions, 0 failed =="));
}

#[test]
fn filters_select_units_hooks_handlers_and_flags() {
    let dir = tempfile::tempdir().unwrap();
    let f = setup(dir.path(), "");
    let f = f.to_str().unwrap();
    let lines = |args: &[&str]| -> Vec<String> {
        let mut all = vec!["run", f];
        all.extend_from_slice(args);
        let out = stdout(&jujusim(&all));
        out.lines()
            .take_while(|l| !l.starts_with("== summary"))
            .map(str::to_string)
            .collect()
    };
    let unit = lines(&["--unit", "logger/1"]);
    assert!(!unit.is_empty() && unit.iter().all(|l| l.starts_with("unit-logger-1: ")));
    let hook = lines(&["--hook", "leader-*"]);
    assert!(!hook.is_empty());
    assert!(hook
        .iter()
        .all(|l| !l.contains("\"install\"") && !l.contains("ready in start")));
    assert!(hook.iter().any(|l| l.contains("ready in leader-elected")));
    let handler = lines(&[
        "--handler",
        "configure",
        "--unit",
        "logger/0",
        "--hook",
        "install",
    ]);
    assert_eq!(
        handler,
        [
            "unit-logger-0: 12:00:00 DEBUG unit.logger/0.juju-log tracer: ++   queue handler reactive/x.py:10:configure",
            "unit-logger-0: 12:00:00 INFO unit.logger/0.juju-log Invoking reactive handler: reactive/x.py:10:configure",
        ]
    );
    let flag = lines(&[
        "--flag",
        "app.ready",
        "--unit",
        "logger/0",
        "--hook",
        "start",
    ]);
    assert_eq!(
        flag,
        ["unit-logger-0: 12:00:06 DEBUG unit.logger/0.juju-log tracer: set flag app.ready"]
    );
    assert!(
        lines(&["--flag", "app"]).is_empty(),
        "flags match whole words"
    );
    let tools = lines(&["--tools", "--unit", "logger/0", "--hook", "install"]);
    assert!(tools
        .iter()
        .any(|l| l.contains("TRACE jujusim.hook-tool status-set active ready in install")));
}

#[test]
fn json_output_is_machine_readable() {
    let dir = tempfile::tempdir().unwrap();
    let f = setup(
        dir.path(),
        "  - assert: {app: logger, units: [logger/0, logger/1]}\n",
    );
    let o = jujusim(&["run", f.to_str().unwrap(), "--json", "--unit", "logger/0"]);
    assert!(o.status.success());
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["ok"], true);
    assert_eq!(v["assertions"][0]["ok"], true);
    assert_eq!(
        v["model"]["applications"]["logger"]["lease"]["holder"],
        "logger/0"
    );
    let tl = v["timeline"].as_array().unwrap();
    assert!(!tl.is_empty());
    assert!(tl.iter().all(|r| r["unit"] == "logger/0"));
    assert!(tl
        .iter()
        .any(|r| r["kind"] == "hook-start" && r["hook"] == "install"));
}

#[test]
fn a_failed_assertion_exits_1_and_says_why() {
    let dir = tempfile::tempdir().unwrap();
    let f = setup(
        dir.path(),
        "  - assert: {unit: logger/1, status: blocked, never-status: active, hooks-include: [stop]}\n",
    );
    let o = jujusim(&["run", f.to_str().unwrap(), "--summary-only"]);
    assert_eq!(o.status.code(), Some(1));
    let out = stdout(&o);
    assert!(
        out.contains(
            "FAIL step 3: unit logger/1: status blocked: status is active \"ready in start\""
        ),
        "{out}"
    );
    assert!(
        out.contains("FAIL step 3: unit logger/1: never status active: was active at 12:00:"),
        "{out}"
    );
    assert!(out.contains("FAIL step 3: unit logger/1: hooks include [stop]: hooks were [install, leader-settings-changed, config-changed, start]"), "{out}");
    assert!(out.contains("== FAILED: 1 assertions, 1 failed =="));
}

#[test]
fn usage_and_scenario_errors_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.yaml");
    std::fs::write(&bad, "steps:\n  - deploy: nothing\n").unwrap();
    let o = jujusim(&["run", bad.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr)
        .contains("deploy \"nothing\": not declared under applications"));
    let o = jujusim(&["run"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("missing SCENARIO file"));
}

#[test]
fn help_version_and_unknown_flags() {
    let o = jujusim(&["run", "--help"]);
    assert_eq!(o.status.code(), Some(0));
    let help = stdout(&o);
    assert!(
        help.contains("Usage: jujusim run [OPTIONS] [SCENARIO.yaml]"),
        "{help}"
    );
    for option in [
        "--unit <U>",
        "--summary-only",
        "--hook-tool <PATH>",
        "--html <FILE>",
    ] {
        assert!(help.contains(option), "{option}: {help}");
    }
    let o = jujusim(&["--help"]);
    assert_eq!(o.status.code(), Some(0));
    assert!(
        stdout(&o).contains("Usage: jujusim <COMMAND>"),
        "{}",
        stdout(&o)
    );
    let o = jujusim(&["--version"]);
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(
        stdout(&o),
        format!("jujusim {}\n", env!("CARGO_PKG_VERSION"))
    );
    for (args, needle) in [
        (
            &["run", "x.yaml", "--bogus"][..],
            "unexpected argument '--bogus'",
        ),
        (
            &["run", "x.yaml", "--unit"],
            "a value is required for '--unit <U>'",
        ),
        (&["walk", "x.yaml"], "unrecognized subcommand 'walk'"),
        (&[], "Usage: jujusim <COMMAND>"),
    ] {
        let o = jujusim(args);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains(needle), "{args:?}: {err}");
    }
}

#[test]
fn a_unit_left_in_error_fails_the_run_unless_allowed() {
    let dir = tempfile::tempdir().unwrap();
    write_charm(
        &dir.path().join("broken"),
        "name: broken\n",
        None,
        "#!/bin/sh\n[ \"$JUJU_HOOK_NAME\" = start ] && exit 3\nexit 0\n",
        &[],
    );
    let write = |allow: bool| {
        let f = dir.path().join(format!("s-{allow}.yaml"));
        let yaml = format!(
            "juju-version: \"2.8.0\"\nallow-hook-errors: {allow}\napplications:\n  broken: {{charm: ./broken}}\nsteps:\n  - deploy: broken\n  - wait: settled\n  - assert: {{unit: broken/0, status: error}}\n"
        );
        std::fs::write(&f, yaml).unwrap();
        f
    };
    let o = jujusim(&["run", write(false).to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    let out = stdout(&o);
    assert!(out.contains("ERROR juju.worker.uniter.operation hook \"start\" (via hook dispatching script: dispatch) failed: exit status 3"), "{out}");
    assert!(
        out.contains("ERROR unit left in error: broken/0: \"start\" failed\n"),
        "{out}"
    );
    assert!(
        out.contains("== FAILED: 1 assertions, 0 failed, units left in error =="),
        "{out}"
    );
    let o = jujusim(&["run", write(true).to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
}

/// Inputs Juju would refuse are refused before anything runs (or, for a step
/// that depends on the model, when it comes), with exit 2 and Juju's wording.
#[test]
fn hostile_scenarios_are_refused_with_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    write_charm(
        &dir.path().join("logger"),
        "name: logger\n",
        None,
        DISPATCH,
        &[],
    );
    write_charm(
        &dir.path().join("acting"),
        "name: acting\n",
        None,
        DISPATCH,
        &[],
    );
    std::fs::write(
        dir.path().join("acting/actions.yaml"),
        "refresh:\n  description: Refreshes.\n",
    )
    .unwrap();
    let acting = "applications:\n  acting: {charm: ./acting}\nsteps:\n  - deploy: acting\n  - wait: settled\n";
    let app = "applications:\n  logger: {charm: ./logger}\n";
    for (yaml, needle) in [
        (String::new(), "empty"),
        (format!("hook-timeout: 18446744073709551615\n{app}"), "hook-timeout"),
        (format!("hook-timeout: 0\n{app}"), "hook-timeout"),
        (
            "applications:\n  logger: {charm: ./logger, units: 4000000000}\n".into(),
            "units",
        ),
        (
            format!("{app}steps:\n  - deploy: logger\n  - scale: {{app: logger, units: 100000}}\n"),
            "scale",
        ),
        (format!("{app}steps:\n  - deploy: logger\n  - remove: {{}}\n"), "exactly one"),
        (
            format!("{app}steps:\n  - deploy: logger\n  - wait: settled\n  - resolve: {{unit: logger/0}}\n"),
            "ERROR step 3 (resolve): unit \"logger/0\" is not in an error state",
        ),
        (
            format!("{app}steps:\n  - deploy: logger\n  - run-action: {{unit: logger/0, action: backup}}\n"),
            "ERROR step 2 (run-action): no actions defined on charm \"logger\"",
        ),
        (
            format!("{acting}  - run-action: {{unit: acting/0, action: backup}}\n"),
            "ERROR step 3 (run-action): action \"backup\" not defined on unit \"acting/0\"",
        ),
    ] {
        let file = dir.path().join("s.yaml");
        std::fs::write(&file, &yaml).unwrap();
        let o = jujusim(&["run", file.to_str().unwrap()]);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{yaml:?}: {err}");
        assert!(err.contains(needle), "{yaml:?}: {err}");
        assert!(!err.contains("panicked"), "{yaml:?}: {err}");
    }
}
