//! Hook tools as a charm sees them: output formats, exit codes, error texts,
//! leader-only checks, writes committed only on exit 0, context ids.

mod common;

use common::probe::{calls, find, find_last, probe_charm};
use common::{assert_ok, run_yaml, unit};

const META: &str = "name: probe\nseries: [kubernetes]\nrequires:\n  db:\n    interface: pgsql\nextra-bindings:\n  probe-binding:\n";
const PROVIDER_META: &str =
    "name: pg\nseries: [kubernetes]\nprovides:\n  db:\n    interface: pgsql\n";
const CONFIG: &str = "options:\n  name: {type: string, default: alpha}\n  port: {type: int}\n  debug: {type: boolean, default: false}\n";

fn one_app(
    version: &str,
    units: u32,
    scripts: &[(&str, &str)],
) -> (tempfile::TempDir, charm_reactive_sim::scenario::RunResult) {
    let dir = tempfile::tempdir().unwrap();
    probe_charm(&dir.path().join("probe"), META, Some(CONFIG), scripts);
    let out = dir.path().join("probe.out");
    let yaml = format!(
        "juju-version: \"{version}\"\napplications:\n  probe: {{charm: ./probe, units: {units}}}\nsteps:\n  - deploy: probe\n  - wait: settled\n"
    );
    let r = run_yaml(&yaml, dir.path(), &[("PROBE_OUT", out.to_str().unwrap())]);
    (dir, r)
}

#[test]
fn read_tools_follow_juju_cmd_formats() {
    let script = r#"
t config-get
t config-get name
t config-get port
t config-get --format=json port
t config-get --all --format=json
t config-get --all name
t is-leader
t is-leader --format=json
t leader-set a=1 b=" two "
t leader-get a
t leader-get --format=json
t leader-get missing
t leader-get a=b
t status-set bogus
t status-set active hello
t status-get
t status-get --include-data --format=json
t status-set active a b
t juju-log
t juju-log -l BOGUS what level
t relation-ids
t relation-get
t config-get --bogus
t state-set k=v
t state-get k
t state-get --strict nope
t unit-get private-address
t network-get nosuch
t opened-ports
t open-port 80
t opened-ports
t goal-state --format=json
t goal-state
t status-set --application waiting "app msg"
t status-get --application --format=json
t network-get probe-binding --ingress-address
t action-get
"#;
    let (dir, r) = one_app("2.8.0", 1, &[("start", script)]);
    assert_ok(&r);
    let c = calls(&dir.path().join("probe.out"));
    let get = |cmd: &str| find(&c, None, "start", cmd);
    assert_eq!(get("config-get").out, "debug: false\nname: alpha\n");
    assert_eq!(get("config-get name").out, "alpha\n");
    assert_eq!(
        (
            get("config-get port").exit,
            get("config-get port").out.as_str()
        ),
        (0, "")
    );
    assert_eq!(get("config-get --format=json port").out, "null\n");
    assert_eq!(
        get("config-get --all --format=json").out,
        "{\"debug\":false,\"name\":\"alpha\",\"port\":null}\n"
    );
    let both = get("config-get --all name");
    assert_eq!(both.exit, 2);
    assert_eq!(
        both.err,
        "ERROR cannot use argument --all together with key \"name\"\n"
    );
    assert_eq!(get("is-leader").out, "True\n");
    assert_eq!(get("is-leader --format=json").out, "true\n");
    assert_eq!(get("leader-set a=1 b= two ").exit, 0);
    assert_eq!(get("leader-get a").out, "1\n");
    // keyvalues trims whitespace
    assert_eq!(
        get("leader-get --format=json").out,
        "{\"a\":\"1\",\"b\":\"two\"}\n"
    );
    assert_eq!(
        (
            get("leader-get missing").exit,
            get("leader-get missing").out.as_str()
        ),
        (0, "")
    );
    assert_eq!(get("leader-get a=b").err, "ERROR invalid key \"a=b\"\n");
    let bogus = get("status-set bogus");
    assert_eq!(bogus.exit, 2);
    assert_eq!(
        bogus.err,
        "ERROR invalid status \"bogus\", expected one of [maintenance blocked waiting active]\n"
    );
    assert_eq!(get("status-get").out, "active\n");
    assert_eq!(
        get("status-get --include-data --format=json").out,
        "{\"message\":\"hello\",\"status\":\"active\",\"status-data\":{}}\n"
    );
    assert_eq!(
        get("status-set active a b").err,
        "ERROR unrecognized args: [\"b\"]\n"
    );
    let nolog = get("juju-log");
    assert_eq!(
        (nolog.exit, nolog.err.as_str()),
        (2, "ERROR no message specified\n")
    );
    assert_eq!(get("juju-log -l BOGUS what level").exit, 0);
    let ids = get("relation-ids");
    assert_eq!(
        (ids.exit, ids.err.as_str()),
        (2, "ERROR no relation name specified\n")
    );
    assert_eq!(get("relation-get").err, "ERROR no relation id specified\n");
    let bad = get("config-get --bogus");
    assert_eq!(
        (bad.exit, bad.err.as_str()),
        (2, "ERROR option provided but not defined: --bogus\n")
    );
    assert_eq!(
        get("state-get k").out,
        "v\n",
        "state-get sees the hook's pending write"
    );
    assert_eq!(get("state-get --strict nope").exit, 1);
    assert_eq!(get("unit-get private-address").exit, 0);
    assert_eq!(
        get("network-get nosuch").err,
        "ERROR no network config found for binding \"nosuch\"\n"
    );
    let opened: Vec<_> = c.iter().filter(|x| x.cmd == "opened-ports").collect();
    assert_eq!(opened.len(), 2);
    assert_eq!(
        opened[1].out, "",
        "opened-ports does not show ports opened in the same hook"
    );
    assert!(get("goal-state --format=json").out.contains("\"probe/0\""));
    assert!(
        get("goal-state").out.starts_with("relations:"),
        "goal-state defaults to YAML: {:?}",
        get("goal-state").out
    );
    let app: serde_json::Value =
        serde_json::from_str(&get("status-get --application --format=json").out).unwrap();
    assert_eq!(app["application-status"]["status"], "waiting");
    assert_eq!(
        app["application-status"]["units"]["probe/0"]["status"],
        "active"
    );
    let ingress = get("network-get probe-binding --ingress-address");
    assert_eq!(ingress.out, format!("{}\n", unit(&r, "probe/0").address));
    assert_eq!(get("action-get").err, "ERROR not running an action\n");
    // Immediate and committed effects.
    let u = unit(&r, "probe/0");
    assert_eq!(u.state.get("k").map(String::as_str), Some("v"));
    assert!(u.ports.contains("80/tcp"));
    assert_eq!(r.model.applications["probe"].leader_settings["b"], "two");
    let warn = r.timeline.records.iter().find(|x| {
        x.message
            .contains("Specified log level of \"BOGUS\" is not valid")
    });
    assert!(warn.is_some(), "an invalid juju-log level is warned about");
    assert!(r
        .timeline
        .records
        .iter()
        .any(|x| x.level == "INFO" && x.message == "what level"));
}

#[test]
fn leader_only_tools_fail_for_minions() {
    let script = r#"
if [ "$(is-leader)" = "False" ]; then
t leader-set a=1
t status-set --application active x
t status-get --application
printf 'containers: []\n' > spec.yaml
t pod-spec-set --file spec.yaml
fi
"#;
    let (dir, r) = one_app("2.8.0", 2, &[("start", script)]);
    assert_ok(&r);
    let c = calls(&dir.path().join("probe.out"));
    let get = |cmd: &str| find(&c, Some("probe/1"), "start", cmd);
    let ls = get("leader-set a=1");
    assert_eq!(ls.exit, 1);
    assert_eq!(
        ls.err,
        "ERROR cannot write leadership settings: cannot write settings: not the leader\n"
    );
    assert_eq!(
        get("status-set --application active x").err,
        "ERROR this unit is not the leader\n"
    );
    assert_eq!(
        get("status-get --application").err,
        "ERROR finding application status: this unit is not the leader\n"
    );
    let ps = get("pod-spec-set --file spec.yaml");
    assert_eq!(
        (ps.exit, ps.err.as_str()),
        (1, "ERROR this unit is not the leader\n")
    );
    assert_eq!(r.model.applications["probe"].pod_spec_changes, 0);
    assert!(r.timeline.records.iter().any(|x| x.level == "ERROR"
        && x.message == "probe/1 is not the leader but is setting application pod spec"));
}

#[test]
fn juju_2_5_differs() {
    let script = r#"
if [ "$(is-leader)" = "False" ]; then
printf 'containers: [{name: x}]\n' > spec.yaml
t pod-spec-set --file spec.yaml
fi
t state-get
t relation-get --app -r 0
"#;
    let (dir, r) = one_app("2.5.0", 2, &[("start", script)]);
    assert_ok(&r);
    let c = calls(&dir.path().join("probe.out"));
    let ps = find(
        &c,
        Some("probe/1"),
        "start",
        "pod-spec-set --file spec.yaml",
    );
    assert_eq!((ps.exit, ps.err.as_str()), (0, ""), "2.5 only warns");
    assert_eq!(
        r.model.applications["probe"].pod_spec_changes, 1,
        "and applies the spec"
    );
    assert!(r.timeline.records.iter().any(|x| x.level == "WARNING"
        && x.message == "probe/1 is not the leader but is setting application pod spec"));
    let sg = find(&c, Some("probe/0"), "start", "state-get");
    assert_eq!(sg.exit, 127, "state-get is not a hook tool in 2.5: {sg:?}");
    let app = find(&c, Some("probe/0"), "start", "relation-get --app -r 0");
    assert_eq!(
        (app.exit, app.err.as_str()),
        (2, "ERROR option provided but not defined: --app\n")
    );
    // 2.5 Kubernetes: no install, start first, one charm dir for the app.
    assert_eq!(
        common::hooks(&r, "probe/1")[..3],
        ["start", "leader-settings-changed", "config-changed"]
    );
    assert_eq!(unit(&r, "probe/0").charm_dir, unit(&r, "probe/1").charm_dir);
}

fn pair(
    version: &str,
    consumer: &[(&str, &str)],
    provider: &[(&str, &str)],
    extra_steps: &str,
) -> (tempfile::TempDir, charm_reactive_sim::scenario::RunResult) {
    let dir = tempfile::tempdir().unwrap();
    probe_charm(&dir.path().join("probe"), META, Some(CONFIG), consumer);
    probe_charm(&dir.path().join("pg"), PROVIDER_META, None, provider);
    let out = dir.path().join("probe.out");
    let yaml = format!(
        "juju-version: \"{version}\"\napplications:\n  probe: {{charm: ./probe}}\n  pg: {{charm: ./pg}}\nsteps:\n  - deploy: [probe, pg]\n  - relate: [probe, pg]\n  - wait: settled\n{extra_steps}"
    );
    let r = run_yaml(&yaml, dir.path(), &[("PROBE_OUT", out.to_str().unwrap())]);
    (dir, r)
}

#[test]
fn relation_tools_and_environment() {
    let provider = r#"
printf 'host: db.example\nport: 5432\n' | t relation-set --file -
t relation-set user=" bob "
t relation-set novalue
t relation-set --app role=primary
"#;
    let consumer = r#"
# Only the run that sees the provider's unit data (not the app-bag change).
if [ -z "$JUJU_REMOTE_UNIT" ] || [ -z "$(relation-get host)" ]; then return 0; fi
t relation-ids
t relation-ids db --format=json
t relation-list
t relation-list --app
t relation-get host
t relation-get - pg/0 --format=json
t relation-get missing
t relation-get --app role pg
t relation-get -r 99 host
t relation-get -r db:x host
t sh -c 'echo "$JUJU_RELATION|$JUJU_RELATION_ID|$JUJU_REMOTE_UNIT|$JUJU_REMOTE_APP|$JUJU_DISPATCH_PATH|$JUJU_HOOK_NAME"'
"#;
    let departed = r#"t sh -c 'echo "$JUJU_REMOTE_UNIT|$JUJU_DEPARTING_UNIT|$(relation-list)"'
"#;
    let (dir, r) = pair(
        "2.8.1",
        &[
            ("db-relation-changed", consumer),
            ("db-relation-departed", departed),
        ],
        &[("db-relation-joined", provider)],
        "  - remove: {relation: [probe, pg]}\n  - wait: settled\n",
    );
    assert_ok(&r);
    let c = calls(&dir.path().join("probe.out"));
    // The last relation-changed: after the provider's data arrived.
    let first = |cmd: &str| find_last(&c, Some("probe/0"), "db-relation-changed", cmd);
    assert_eq!(first("relation-ids").out, "db:0\n");
    assert_eq!(first("relation-ids db --format=json").out, "[\"db:0\"]\n");
    assert_eq!(first("relation-list").out, "pg/0\n");
    assert_eq!(first("relation-list --app").out, "pg\n");
    assert_eq!(first("relation-get host").out, "db.example\n");
    let all = first("relation-get - pg/0 --format=json");
    let v: serde_json::Value = serde_json::from_str(&all.out).unwrap();
    assert_eq!(v["port"], "5432", "YAML values become strings");
    assert_eq!(v["user"], "bob", "key=value pairs are trimmed");
    assert!(
        v["private-address"].is_string(),
        "Juju pre-populates addresses"
    );
    assert_eq!(
        (
            first("relation-get missing").exit,
            first("relation-get missing").out.as_str()
        ),
        (0, "")
    );
    assert_eq!(first("relation-get --app role pg").out, "primary\n");
    let nf = first("relation-get -r 99 host");
    assert_eq!(
        (nf.exit, nf.err.as_str()),
        (
            2,
            "ERROR invalid value \"99\" for option -r: relation not found\n"
        )
    );
    assert_eq!(first("relation-get -r db:x host").exit, 2);
    let env = &c
        .iter()
        .rev()
        .find(|x| x.hook == "db-relation-changed" && x.cmd.starts_with("sh -c"))
        .unwrap()
        .out;
    assert_eq!(
        env,
        "db|db:0|pg/0|pg|hooks/db-relation-changed|db-relation-changed\n"
    );
    let bad = find(
        &c,
        Some("pg/0"),
        "db-relation-joined",
        "relation-set novalue",
    );
    assert_eq!(
        (bad.exit, bad.err.as_str()),
        (2, "ERROR expected \"key=value\", got \"novalue\"\n")
    );
    // After remove-relation: the departing unit is the remote one, and it is
    // already gone from relation-list.
    let app_changed = unit(&r, "probe/0")
        .hooks
        .iter()
        .any(|h| h.hook == "db-relation-changed" && h.remote_unit.is_none());
    assert!(
        app_changed,
        "an app-bag write runs relation-changed without a remote unit"
    );
    let dep = c.iter().find(|x| x.hook == "db-relation-departed").unwrap();
    assert_eq!(dep.out, "pg/0|pg/0|\n");
    assert!(common::hooks(&r, "probe/0").ends_with(&[
        "db-relation-departed".to_string(),
        "db-relation-broken".to_string()
    ]));
}

#[test]
fn writes_commit_only_when_the_hook_exits_zero() {
    // The provider's first relation-changed writes data and state, sets a
    // status, then fails: the status stays, the rest is discarded.
    let provider = r#"
if [ ! -f "$JUJU_CHARM_DIR/failed-once" ]; then
    touch "$JUJU_CHARM_DIR/failed-once"
    relation-set token=first
    state-set seen=1
    status-set maintenance "about to fail"
    exit 1
fi
relation-set token=second
"#;
    let consumer = "t relation-get token pg/0\n";
    let (dir, r) = pair(
        "2.8.0",
        &[("db-relation-changed", consumer)],
        &[("db-relation-changed", provider)],
        "  - assert: {unit: pg/0, status: error, message: 'hook failed: \"db-relation-changed\"'}\n  - resolve: {unit: pg/0}\n  - wait: settled\n",
    );
    assert_ok(&r);
    let pg = unit(&r, "pg/0");
    assert!(
        pg.status_history
            .iter()
            .any(|s| s.message == "about to fail"),
        "status-set is immediate"
    );
    assert!(
        pg.state.is_empty(),
        "state-set of the failed run was discarded"
    );
    let rel = &r.model.relations[0];
    assert_eq!(
        rel.units["pg/0"].data.get("token").map(String::as_str),
        Some("second")
    );
    let c = calls(&dir.path().join("probe.out"));
    let seen: Vec<&str> = c.iter().map(|x| x.out.as_str()).collect();
    assert!(
        !seen.contains(&"first\n"),
        "the failed write was never visible: {seen:?}"
    );
    assert!(seen.contains(&"second\n"));
    let failed = pg.hooks.iter().filter(|h| h.outcome == "failed").count();
    assert_eq!(failed, 1);
}

#[test]
fn context_ids_are_checked() {
    let script = r#"
echo "$JUJU_CONTEXT_ID" > "$PROBE_OUT.ctx"
t env JUJU_CONTEXT_ID=bogus is-leader
t env -u JUJU_CONTEXT_ID is-leader
ln -sf "$(command -v is-leader)" ./no-such-tool
t ./no-such-tool
"#;
    let later = r#"t env JUJU_CONTEXT_ID="$(cat "$PROBE_OUT.ctx")" is-leader
"#;
    let dir = tempfile::tempdir().unwrap();
    probe_charm(
        &dir.path().join("probe"),
        META,
        None,
        &[("install", script), ("start", later)],
    );
    let out = dir.path().join("probe.out");
    let yaml =
        "juju-version: \"2.8.0\"\napplications:\n  probe: {charm: ./probe}\nsteps:\n  - deploy: probe\n  - wait: settled\n";
    let r = run_yaml(yaml, dir.path(), &[("PROBE_OUT", out.to_str().unwrap())]);
    assert_ok(&r);
    let c = calls(&out);
    let bogus = find(&c, None, "install", "env JUJU_CONTEXT_ID=bogus is-leader");
    assert_eq!(
        (bogus.exit, bogus.err.as_str()),
        (1, "error: bad request: wrong context ID; got \"bogus\"\n")
    );
    let unset = find(&c, None, "install", "env -u JUJU_CONTEXT_ID is-leader");
    assert_eq!(
        (unset.exit, unset.err.as_str()),
        (1, "error: JUJU_CONTEXT_ID not set\n")
    );
    let unknown = find(&c, None, "install", "./no-such-tool");
    assert_eq!(
        (unknown.exit, unknown.err.as_str()),
        (1, "error: bad request: unknown command: no-such-tool\n")
    );
    let stale = c.iter().find(|x| x.hook == "start").unwrap();
    assert_eq!(
        stale.exit, 1,
        "the install hook's context id is stale in start: {stale:?}"
    );
    assert!(stale
        .err
        .starts_with("error: bad request: wrong context ID"));
}

#[test]
fn actions_run_with_their_own_tools() {
    let refresh = r#"
t action-get --format=json
t action-get nested.key
t action-get nope
t action-set out.code=0 msg="hi there"
t action-set Bad=1
t action-set stdout=x
t action-set novalue
t action-log working hard
state-set from-action=1
t sh -c 'echo "$JUJU_ACTION_NAME|$JUJU_HOOK_NAME|$JUJU_DISPATCH_PATH|${JUJU_ACTION_UUID:+uuid}"'
"#;
    let dir = tempfile::tempdir().unwrap();
    probe_charm(
        &dir.path().join("probe"),
        META,
        None,
        &[
            ("refresh", refresh),
            ("explode", "action-fail nope\n"),
            ("crash", "exit 4\n"),
        ],
    );
    std::fs::write(
        dir.path().join("probe/actions.yaml"),
        "refresh: {}\nexplode: {}\ncrash:\n  description: Exits 4.\n",
    )
    .unwrap();
    let out = dir.path().join("probe.out");
    let yaml = "juju-version: \"2.8.0\"\napplications:\n  probe: {charm: ./probe}\nsteps:\n  - deploy: probe\n  - wait: settled\n  \
        - run-action: {unit: probe/leader, action: refresh, params: {nested: {key: v}, n: 1}}\n  \
        - run-action: {unit: probe/0, action: explode}\n  \
        - run-action: {unit: probe/0, action: crash}\n  \
        - assert: {unit: probe/0, action: {name: refresh, status: completed, results: {out: {code: '0'}, msg: hi there}}, state: {from-action: '1'}}\n  \
        - assert: {unit: probe/0, action: {name: explode, status: failed, message: nope}}\n  \
        - assert: {unit: probe/0, action: {name: crash, status: failed, message: exit status 4}}\n";
    let r = run_yaml(yaml, dir.path(), &[("PROBE_OUT", out.to_str().unwrap())]);
    assert_ok(&r);
    let c = calls(&out);
    let get = |cmd: &str| find(&c, None, "refresh", cmd);
    assert_eq!(
        get("action-get --format=json").out,
        "{\"n\":1,\"nested\":{\"key\":\"v\"}}\n"
    );
    assert_eq!(get("action-get nested.key").out, "v\n");
    assert_eq!(
        (
            get("action-get nope").exit,
            get("action-get nope").out.as_str()
        ),
        (0, "")
    );
    assert_eq!(
        get("action-set Bad=1").err,
        "ERROR key \"Bad\" must start and end with lowercase alphanumeric, and contain only lowercase alphanumeric, hyphens and periods\n"
    );
    assert_eq!(
        get("action-set stdout=x").err,
        "ERROR cannot set reserved action key \"stdout\"\n"
    );
    assert_eq!(
        get("action-set novalue").err,
        "ERROR argument \"novalue\" must be of the form key...=value\n"
    );
    let env = c.iter().find(|x| x.cmd.starts_with("sh -c")).unwrap();
    assert_eq!(env.out, "refresh||actions/refresh|uuid\n");
    assert_eq!(r.model.actions[0].log, ["working hard"]);
    assert!(r
        .timeline
        .records
        .iter()
        .any(|x| x.module == "unit.probe/0.action-log" && x.message == "working hard"));
}

#[test]
fn every_hook_command_answers_help() {
    use charm_reactive_sim::tools::commands;
    use charm_reactive_sim::version::JujuVersion;
    let v36 = JujuVersion::new(3, 6, 0);
    let names = commands::names(v36);
    let script: String = names.iter().map(|n| format!("t {n} --help\n")).collect();
    let (dir, r) = one_app("3.6.0", 1, &[("start", &script)]);
    assert_ok(&r);
    let c = calls(&dir.path().join("probe.out"));
    for name in &names {
        let call = find(&c, None, "start", &format!("{name} --help"));
        assert_eq!((call.exit, call.err.as_str()), (0, ""), "{name}: {call:?}");
        let expected = commands::find(name).unwrap().help(v36, "", "");
        assert_eq!(call.out, expected, "{name}");
        assert!(call.out.starts_with(&format!("Usage: {name}")));
    }
    // charmhelpers' relation_set() probes `relation-set --help` for "--file".
    let rs = find(&c, None, "start", "relation-set --help");
    assert!(rs
        .out
        .contains("\n--file  (= )\n    file containing key-value pairs\n"));
}

#[test]
fn relation_set_help_in_a_relation_hook_defaults_r_to_the_relation() {
    let script = "t relation-set --help\nt relation-set -h --bogus\nt relation-set --bogus -h\n";
    let (dir, r) = pair("3.6.0", &[("db-relation-joined", script)], &[], "");
    assert_ok(&r);
    let c = calls(&dir.path().join("probe.out"));
    let h = find(&c, None, "db-relation-joined", "relation-set --help");
    assert_eq!(h.exit, 0);
    assert!(h.out.contains("\n-r, --relation  (= db:"), "{}", h.out);
    assert_eq!(
        find(&c, None, "db-relation-joined", "relation-set -h --bogus").exit,
        0
    );
    let bad = find(&c, None, "db-relation-joined", "relation-set --bogus -h");
    assert_eq!(
        (bad.exit, bad.err.as_str()),
        (2, "ERROR option provided but not defined: --bogus\n")
    );
}

#[test]
fn juju_4_0_removed_leadership_settings_and_podspec() {
    let script = "t leader-set a=1\nt leader-get\nt pod-spec-set\nt k8s-spec-set\nt is-leader\n";
    let dir = tempfile::tempdir().unwrap();
    let meta = "name: probe\npeers:\n  cluster:\n    interface: probe-peers\n";
    probe_charm(&dir.path().join("probe"), meta, None, &[("start", script)]);
    let out = dir.path().join("probe.out");
    let yaml = "juju-version: \"4.0.0\"\nmodel-type: iaas\napplications:\n  probe: {charm: ./probe}\nsteps:\n  - deploy: probe\n  - wait: settled\n";
    let r = run_yaml(yaml, dir.path(), &[("PROBE_OUT", out.to_str().unwrap())]);
    assert_ok(&r);
    let c = calls(&out);
    for gone in [
        "leader-set a=1",
        "leader-get",
        "pod-spec-set",
        "k8s-spec-set",
    ] {
        let call = find(&c, None, "start", gone);
        assert_eq!(call.exit, 127, "{gone} must be absent on 4.0: {call:?}");
    }
    assert_eq!(find(&c, None, "start", "is-leader").out, "True\n");
    // A podspec charm is refused at deploy.
    probe_charm(&dir.path().join("podspec"), META, None, &[]);
    let yaml = "juju-version: \"4.0.0\"\napplications:\n  podspec: {charm: ./podspec}\nsteps:\n  - deploy: podspec\n";
    let scenario =
        charm_reactive_sim::scenario::Scenario::parse(yaml, "t.yaml", dir.path()).unwrap();
    let opts =
        charm_reactive_sim::controller::Options::new(common::hook_tool(), dir.path().join("w2"));
    let r = charm_reactive_sim::scenario::run(&scenario, opts).unwrap();
    let err = r.error.unwrap_or_default();
    assert!(
        err.contains("Juju 4.0 does not run podspec charms"),
        "{err}"
    );
}

fn peer_app(version: &str) -> (tempfile::TempDir, charm_reactive_sim::scenario::RunResult) {
    let dir = tempfile::tempdir().unwrap();
    let meta = "name: probe\npeers:\n  cluster:\n    interface: probe-peers\n";
    let leader = "t relation-set -r \"$(relation-ids cluster)\" --app token=1\n";
    let changed = "t printenv JUJU_REMOTE_UNIT JUJU_REMOTE_APP\nt relation-get --app token probe\n";
    let install = "t printenv HOME CARGO LANG TERM JUJU_CHARM_HTTP_PROXY JUJU_VERSION\n";
    probe_charm(
        &dir.path().join("probe"),
        meta,
        None,
        &[
            ("leader-elected", leader),
            ("cluster-relation-changed", changed),
            ("install", install),
        ],
    );
    let out = dir.path().join("probe.out");
    let yaml = format!(
        "juju-version: \"{version}\"\nmodel-type: iaas\napplications:\n  probe: {{charm: ./probe, units: 3}}\nsteps:\n  - deploy: probe\n  - wait: settled\n"
    );
    let r = run_yaml(&yaml, dir.path(), &[("PROBE_OUT", out.to_str().unwrap())]);
    assert_ok(&r);
    (dir, r)
}

#[test]
fn peer_application_data_changes_reach_every_unit() {
    let (dir, _r) = peer_app("3.6.0");
    let c = calls(&dir.path().join("probe.out"));
    for unit in ["probe/0", "probe/1", "probe/2"] {
        let seen = c.iter().any(|x| {
            x.unit == unit
                && x.hook == "cluster-relation-changed"
                && x.cmd == "relation-get --app token probe"
                && x.out == "1\n"
        });
        assert!(
            seen,
            "{unit} never ran cluster-relation-changed for the app bag"
        );
        let app_change = c.iter().any(|x| {
            x.unit == unit
                && x.hook == "cluster-relation-changed"
                && x.cmd.starts_with("printenv JUJU_REMOTE_UNIT")
                && x.out == "\nprobe\n"
        });
        assert!(app_change, "{unit}: no run with an empty JUJU_REMOTE_UNIT");
    }
    // Juju 4.0's resolver does not run it on the leader that wrote it.
    let (dir, r) = peer_app("4.0.0");
    let c = calls(&dir.path().join("probe.out"));
    let leader = r
        .model
        .units
        .iter()
        .find(|u| u.uniter.leader)
        .unwrap()
        .name
        .clone();
    let leader_ran = c
        .iter()
        .any(|x| x.unit == leader && x.hook == "cluster-relation-changed" && x.out == "\nprobe\n");
    assert!(
        !leader_ran,
        "4.0 leader {leader} got its own app-bag change"
    );
}

#[test]
fn hooks_get_jujus_environment_not_the_simulators() {
    let (dir, _r) = peer_app("3.6.0");
    let c = calls(&dir.path().join("probe.out"));
    let env = find(
        &c,
        Some("probe/0"),
        "install",
        "printenv HOME CARGO LANG TERM JUJU_CHARM_HTTP_PROXY JUJU_VERSION",
    );
    // printenv prints the set ones: no HOME or CARGO from the test process.
    assert_eq!(env.out, "C.UTF-8\ntmux-256color\n\n3.6.0\n");
}
