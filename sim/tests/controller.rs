//! The controller's hook ordering, leadership and podspec model, driven with
//! small shell-script charms.

mod common;

use std::path::Path;

use common::probe::probe_charm;
use common::{assert_ok, hooks, messages, repo_root, run_yaml, unit};

fn s(v: &[&str]) -> Vec<String> {
    v.iter().map(|x| x.to_string()).collect()
}

const PEER_META: &str =
    "name: peer\nseries: [kubernetes]\npeers:\n  cluster:\n    interface: peer\n";

fn peers(
    version: &str,
    model_type: &str,
    units: u32,
    steps: &str,
) -> charm_reactive_sim::scenario::RunResult {
    let dir = tempfile::tempdir().unwrap();
    probe_charm(&dir.path().join("peer"), PEER_META, None, &[]);
    for h in [
        "cluster-relation-joined",
        "cluster-relation-changed",
        "cluster-relation-departed",
    ] {
        std::os::unix::fs::symlink("../dispatch", dir.path().join("peer/hooks").join(h)).unwrap();
    }
    let yaml = format!(
        "juju-version: \"{version}\"\nmodel-type: {model_type}\napplications:\n  peer: {{charm: ./peer, units: {units}}}\nsteps:\n  - deploy: peer\n  - wait: settled\n{steps}"
    );
    let out = dir.path().join("probe.out");
    run_yaml(&yaml, dir.path(), &[("PROBE_OUT", out.to_str().unwrap())])
}

#[test]
fn startup_follows_the_uniter_on_2_8() {
    let r = peers("2.8.0", "kubernetes", 2, "");
    assert_ok(&r);
    assert_eq!(
        hooks(&r, "peer/0"),
        s(&[
            "install",
            "cluster-relation-created",
            "leader-elected",
            "config-changed",
            "start",
            "cluster-relation-joined",
            "cluster-relation-changed"
        ])
    );
    assert_eq!(
        hooks(&r, "peer/1"),
        s(&[
            "install",
            "cluster-relation-created",
            "leader-settings-changed",
            "config-changed",
            "start",
            "cluster-relation-joined",
            "cluster-relation-changed"
        ])
    );
    assert_eq!(r.model.leader_of("peer"), Some("peer/0"));
    assert_ne!(
        unit(&r, "peer/0").charm_dir,
        unit(&r, "peer/1").charm_dir,
        "2.8: a charm dir per unit"
    );
    assert_eq!(
        unit(&r, "peer/0").status.status,
        "unknown",
        "Juju sets unknown after start"
    );
}

#[test]
fn startup_on_2_5_kubernetes_has_no_install_but_machines_do() {
    let k8s = peers("2.5.0", "kubernetes", 1, "");
    assert_ok(&k8s);
    assert_eq!(
        hooks(&k8s, "peer/0"),
        s(&["start", "leader-elected", "config-changed"])
    );
    let iaas = peers("2.5.0", "iaas", 1, "");
    assert_ok(&iaas);
    assert_eq!(
        hooks(&iaas, "peer/0"),
        s(&["install", "leader-elected", "config-changed", "start"])
    );
}

#[test]
fn scale_down_tears_units_down_and_leadership_moves_after_the_lease() {
    let steps = "  - remove: {unit: peer/0}\n  - wait: {seconds: 20}\n  \
                 - assert: {app: peer, leader: peer/0, units: [peer/1, peer/2]}\n  \
                 - wait: settled\n  - assert: {app: peer, leader: peer/1}\n  \
                 - scale: {app: peer, units: 1}\n  - wait: settled\n";
    let r = peers("2.8.0", "kubernetes", 3, steps);
    assert_ok(&r);
    let gone = hooks(&r, "peer/0");
    // Peer relations are departed, never broken; then stop and remove.
    assert_eq!(
        gone[gone.len() - 4..],
        s(&[
            "cluster-relation-departed",
            "cluster-relation-departed",
            "stop",
            "remove"
        ])
    );
    assert!(!gone.contains(&"cluster-relation-broken".to_string()));
    assert!(hooks(&r, "peer/1").contains(&"leader-elected".to_string()));
    assert!(hooks(&r, "peer/2").ends_with(&s(&["stop", "remove"])));
    assert_eq!(r.model.app_units("peer").len(), 1);
    assert!(unit(&r, "peer/2").removed);
}

fn provider_consumer(
    version: &str,
    consumer_extra: &str,
    steps: &str,
    env: &[(&str, &str)],
) -> charm_reactive_sim::scenario::RunResult {
    let root = repo_root();
    let yaml = format!(
        "juju-version: \"{version}\"\napplications:\n  sse-endpoint: {{charm: {}, config: {{base-url: \"http://a\"}}}}\n  con6: {{charm: {}{consumer_extra}}}\nsteps:\n  - deploy: [sse-endpoint, con6]\n  - relate: [con6, sse-endpoint]\n  - wait: settled\n  - config: {{app: sse-endpoint, set: {{base-url: \"http://b\"}}}}\n  - wait: settled\n{steps}",
        root.join("tests/python-charm/sse-endpoint").display(),
        root.join("sim/tests/charms/consumer").display(),
    );
    let dir = tempfile::tempdir().unwrap();
    run_yaml(&yaml, dir.path(), env)
}

#[test]
fn a_new_pod_spec_replaces_a_stateless_unit() {
    let r = provider_consumer("2.8.0", "", "", &[]);
    assert_ok(&r);
    assert_eq!(
        hooks(&r, "con6/1"),
        s(&[
            "install",
            "cluster-relation-created",
            "sse-endpoint-relation-created",
            "leader-settings-changed",
            "config-changed",
            "start",
            "sse-endpoint-relation-joined",
            "sse-endpoint-relation-changed",
            "leader-elected"
        ])
    );
    let old = hooks(&r, "con6/0");
    assert_eq!(
        old[old.len() - 4..],
        s(&[
            "sse-endpoint-relation-departed",
            "sse-endpoint-relation-broken",
            "stop",
            "remove"
        ])
    );
    assert!(
        messages(&r, "con6/0")
            .iter()
            .any(|m| m.ends_with("departing=con6/0")),
        "the dying unit is the departing unit"
    );
    // The provider sees con6/1 join and con6/0 depart.
    let provider = &unit(&r, "sse-endpoint/0").hooks;
    let seen = |hook: &str, remote: &str| {
        provider
            .iter()
            .filter(|h| h.hook == hook && h.remote_unit.as_deref() == Some(remote))
            .count()
    };
    assert_eq!(seen("sse-endpoint-relation-joined", "con6/1"), 1);
    assert_eq!(seen("sse-endpoint-relation-departed", "con6/0"), 1);
    let app = &r.model.applications["con6"];
    assert_eq!((app.pod_spec_changes, app.replacements), (2, 1));
    assert_eq!(r.model.leader_of("con6"), Some("con6/1"));
    assert_eq!(unit(&r, "con6/0").replaced_by.as_deref(), Some("con6/1"));
    // The dying unit said blocked: the seed's complaint, visible in its history.
    assert!(unit(&r, "con6/0")
        .status_history
        .iter()
        .any(|s| s.status == "blocked"));
}

#[test]
fn a_stateful_unit_survives_a_new_pod_spec() {
    let r = provider_consumer(
        "2.8.0",
        ", deployment: stateful",
        "  - assert: {app: con6, units: [con6/0], pod-spec-changes: 2, replacements: 0}\n",
        &[],
    );
    assert_ok(&r);
    assert!(!hooks(&r, "con6/0").contains(&"stop".to_string()));
}

#[test]
fn a_spec_that_differs_per_unit_is_reported_as_a_replacement_loop() {
    let r = provider_consumer(
        "2.5.0",
        ", env: {SPEC_ANY_UNIT: '1', SPEC_EXTRA: '$JUJU_UNIT_NAME'}",
        "",
        &[],
    );
    let err = r.error.as_deref().unwrap_or_default();
    assert!(err.contains("pod spec replacement loop"), "{err}");
    assert!(err.contains("con6/0 -> con6/1"), "{err}");
    assert!(!r.ok());
}

#[test]
fn missing_hooks_are_skipped() {
    let dir = tempfile::tempdir().unwrap();
    let charm = dir.path().join("bare");
    common::write_charm(
        &charm,
        "name: bare\n",
        None,
        "#!/bin/sh\nexit 0\n",
        &["start"],
    );
    let yaml = "juju-version: \"2.5.0\"\nmodel-type: iaas\napplications:\n  bare: {charm: ./bare}\nsteps:\n  - deploy: bare\n  - wait: settled\n";
    let r = run_yaml(yaml, dir.path(), &[]);
    assert_ok(&r);
    let u = unit(&r, "bare/0");
    let outcomes: Vec<(&str, &str)> = u
        .hooks
        .iter()
        .map(|h| (h.hook.as_str(), h.outcome.as_str()))
        .collect();
    assert_eq!(
        outcomes,
        [
            ("install", "missing"),
            ("leader-elected", "missing"),
            ("config-changed", "missing"),
            ("start", "ok")
        ]
    );
    assert!(messages(&r, "bare/0").contains(&"skipped \"install\" hook (missing)".to_string()));
    assert!(Path::new(&u.charm_dir).join("hooks/start").exists());
}

#[test]
fn assertions_read_app_scope_flags_state_and_flag_files() {
    let dir = tempfile::tempdir().unwrap();
    let script = r#"
if [ "$(is-leader)" = True ]; then
    leader-set charm-reactive.app.flag.db.ready=set other=x
    application-version-set 1.2
fi
state-set k=v
echo '["unit.ready"]' > .flags.json
"#;
    probe_charm(
        &dir.path().join("peer"),
        PEER_META,
        None,
        &[("start", script)],
    );
    let yaml = "juju-version: \"2.8.0\"\napplications:\n  peer: {charm: ./peer, units: 2, flags-file: .flags.json}\nsteps:\n  - deploy: peer\n  - wait: settled\n  \
        - assert: {app: peer, app-flags: {set: ['app:db.ready'], unset: [nope]}, leader-settings: {other: x, gone: null}, workload-version: '1.2'}\n  \
        - assert: {unit: peer/1, flags: [unit.ready], state: {k: v, absent: null}, leader: false}\n  \
        - assert: {unit: peer/0, flags: {set: [nope]}}\n";
    let out = dir.path().join("probe.out");
    let r = run_yaml(yaml, dir.path(), &[("PROBE_OUT", out.to_str().unwrap())]);
    assert!(
        r.assertions[0].ok && r.assertions[1].ok,
        "{}",
        charm_reactive_sim::report::summary(&r)
    );
    let failed = &r.assertions[2];
    assert!(!failed.ok);
    assert_eq!(failed.checks[0].what, "flag nope set");
    assert_eq!(failed.checks[0].detail, "set flags: [unit.ready]");
}

#[test]
fn timed_waits_run_update_status_every_five_minutes() {
    let r = peers(
        "2.8.0",
        "kubernetes",
        2,
        "  - wait: {seconds: 660}\n  - wait: settled\n",
    );
    assert_ok(&r);
    for u in ["peer/0", "peer/1"] {
        let n = hooks(&r, u)
            .iter()
            .filter(|h| *h == "update-status")
            .count();
        assert_eq!(n, 2, "{u}: {:?}", hooks(&r, u));
    }
    assert!(r.model.clock_ms >= 660_000);
}
