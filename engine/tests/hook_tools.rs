//! `HookTools` against fake hook-tool executables (tests/fake-tools/fake-hook-tool)
//! that record their calls and answer in Juju's formats, with Juju's errors.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::time::Duration;

use charm_reactive::backend::{
    ActionModel, Backend, BackendError, GoalState, HookTools, MemoryBackend, Model, NetworkInfo,
    PodSpec, PortRange, RelationId, SpecTool, Status, StatusState, StatusTarget, ToolCall,
    MAX_ARGUMENT_BYTES,
};
use charm_reactive::log::Level;
use serde_json::json;

/// Every tool the fake answers to.
fn tool_names() -> Vec<&'static str> {
    include_str!("fake-tools/tools.txt")
        .lines()
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .collect()
}

/// A tools directory of symlinks to the fake, and its state directory.
struct Fake {
    _dir: tempfile::TempDir,
    tools: PathBuf,
    state: PathBuf,
}

/// One call as the fake received it.
#[derive(Debug, PartialEq)]
struct Received {
    argv: Vec<String>,
    stdin: Option<String>,
    k8s_resources: Option<String>,
}

impl Fake {
    fn new(unit: &str) -> Fake {
        let dir = tempfile::tempdir().unwrap();
        let tools = dir.path().join("tools");
        let state = dir.path().join("state");
        fs::create_dir_all(&tools).unwrap();
        fs::create_dir_all(&state).unwrap();
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fake-tools/fake-hook-tool");
        for tool in tool_names() {
            std::os::unix::fs::symlink(&script, tools.join(tool)).unwrap();
        }
        let fake = Fake {
            _dir: dir,
            tools,
            state,
        };
        fake.file("unit", unit);
        fake
    }

    /// A state file (parents created).
    fn file(&self, rel: &str, content: &str) {
        self.bytes(rel, content.as_bytes());
    }

    fn bytes(&self, rel: &str, content: &[u8]) {
        let path = self.state.join(rel);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, content).unwrap();
    }

    fn leader(&self, leader: bool) {
        self.file("leader", if leader { "true" } else { "false" });
    }

    /// A relation `<endpoint>:<n>` with a remote app, units and bags.
    fn relation(
        &self,
        rid: &RelationId,
        remote_app: &str,
        units: &[&str],
        bags: &[(&str, serde_json::Value)],
    ) {
        let dir = format!("relations/{}", rid.number);
        self.file(&format!("{dir}/remote-app"), remote_app);
        self.file(&format!("{dir}/units.json"), &json!(units).to_string());
        for (name, bag) in bags {
            self.file(&format!("{dir}/data/{name}.json"), &bag.to_string());
        }
    }

    /// Makes `tool` print `stdout`/`stderr` and exit with `code`.
    fn script(&self, tool: &str, stdout: &[u8], stderr: &[u8], code: i32) {
        self.bytes(&format!("behaviour/{tool}.stdout"), stdout);
        self.bytes(&format!("behaviour/{tool}.stderr"), stderr);
        self.file(&format!("behaviour/{tool}.code"), &code.to_string());
    }

    fn backend(&self) -> HookTools {
        let unit = fs::read_to_string(self.state.join("unit")).unwrap();
        HookTools::new()
            .with_tool_dir(&self.tools)
            .with_env("FAKE_JUJU_STATE", self.state.to_str().unwrap())
            .with_unit(unit)
            .with_timeout(Duration::from_secs(60))
    }

    /// The calls received, in order.
    fn received(&self) -> Vec<Received> {
        let dir = self.state.join("calls");
        let Ok(count) = fs::read_to_string(dir.join("count")) else {
            return Vec::new();
        };
        let count: usize = count.trim().parse().unwrap();
        (1..=count)
            .map(|n| {
                let base = dir.join(format!("{n:04}"));
                let raw = fs::read(base.with_extension("argv")).unwrap();
                let mut argv: Vec<String> = raw
                    .split(|b| *b == 0)
                    .map(|a| String::from_utf8(a.to_vec()).unwrap())
                    .collect();
                assert_eq!(argv.pop().as_deref(), Some(""), "argv ends with NUL");
                let read = |ext| fs::read_to_string(base.with_extension(ext)).ok();
                Received {
                    argv,
                    stdin: read("stdin"),
                    k8s_resources: read("k8s-resources"),
                }
            })
            .collect()
    }

    /// The calls received, as command lines.
    fn argvs(&self) -> Vec<Vec<String>> {
        self.received().into_iter().map(|r| r.argv).collect()
    }
}

fn argv(parts: &[&str]) -> Vec<String> {
    parts.iter().map(|s| s.to_string()).collect()
}

fn settings(pairs: &[(&str, Option<&str>)]) -> BTreeMap<String, Option<String>> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.map(str::to_string)))
        .collect()
}

fn strings(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn db() -> RelationId {
    RelationId::new("db", 3)
}

/// A fake model: leader `web/0`, related to `pg` on db:3, with everything set.
fn populated() -> Fake {
    let f = Fake::new("web/0");
    f.leader(true);
    f.file(
        "config.json",
        r#"{"port":8080,"debug":false,"name":null,"ratio":0.5}"#,
    );
    f.file("leader-settings.json", r#"{"spec-hash":"abc"}"#);
    f.file("relation-ids/db.json", r#"["db:3"]"#);
    f.relation(
        &db(),
        "pg",
        &["pg/0", "pg/1"],
        &[
            (
                "pg/0",
                json!({"host": "10.0.0.1", "private-address": "10.0.0.1"}),
            ),
            ("pg/1", json!({})),
            ("pg", json!({"database": "web"})),
            ("web/0", json!({"private-address": "10.1.1.1"})),
            ("web", json!({})),
        ],
    );
    f.file(
        "goal-state.json",
        r#"{"units":{"web/0":{"status":"active","since":"2026-11-25 06:00:00Z"}},"relations":{"db":{"pg":{"status":"joined","since":"2026-11-25 06:00:01Z"},"pg/0":{"status":"active"}}}}"#,
    );
    f.file(
        "network/db.json",
        r#"{"bind-addresses":[{"mac-address":"","interface-name":"eth0","addresses":[{"hostname":"","value":"10.1.1.1","cidr":"10.1.1.0/24"}]}],"egress-subnets":["10.1.1.1/32"],"ingress-addresses":["10.1.1.1"]}"#,
    );
    f.file(
        "status.json",
        r#"{"message":"ready","status":"active","status-data":{}}"#,
    );
    f.file(
        "app-status.json",
        r#"{"application-status":{"message":"1 unit","status":"waiting","status-data":{},"units":{"web/0":{"message":"ready","status":"active","status-data":{}}}}}"#,
    );
    f.file("state.json", r#"{"k":"v"}"#);
    f.file("opened-ports.json", r#"["80/tcp","8000-8999/udp","icmp"]"#);
    f
}

#[test]
fn reads_have_juju_syntax_and_typed_results() {
    let f = populated();
    f.file("action-params.json", r#"{"target":"s3","retries":3}"#);
    let mut b = f.backend();

    let config = b.config().unwrap();
    assert_eq!(config["port"], json!(8080));
    assert_eq!(config["name"], json!(null));
    assert!(b.is_leader().unwrap());
    assert_eq!(b.leader_get().unwrap(), strings(&[("spec-hash", "abc")]));
    assert_eq!(b.relation_ids("db").unwrap(), [db()]);
    assert_eq!(b.relation_ids("cache").unwrap(), []);
    assert_eq!(b.relation_list(&db()).unwrap(), ["pg/0", "pg/1"]);
    assert_eq!(b.relation_remote_app(&db()).unwrap(), "pg");
    assert_eq!(b.relation_get(&db(), "pg/0").unwrap()["host"], "10.0.0.1");
    assert_eq!(
        b.relation_get(&db(), "pg").unwrap(),
        strings(&[("database", "web")])
    );
    let goal: GoalState = b.goal_state().unwrap();
    assert_eq!(goal.units["web/0"].status, "active");
    assert_eq!(goal.relations["db"]["pg/0"].since, None);
    let net: NetworkInfo = b.network_get("db", Some(&db())).unwrap();
    assert_eq!(net.bind_addresses[0].addresses[0].cidr, "10.1.1.0/24");
    assert_eq!(net.ingress_addresses, ["10.1.1.1"]);
    assert_eq!(
        b.status_get(StatusTarget::Unit).unwrap(),
        Status::new(StatusState::Active, "ready")
    );
    assert_eq!(
        b.status_get(StatusTarget::Application).unwrap(),
        Status::new(StatusState::Waiting, "1 unit")
    );
    assert_eq!(b.state_get().unwrap(), strings(&[("k", "v")]));
    assert_eq!(
        b.opened_ports().unwrap(),
        [
            "80/tcp".parse::<PortRange>().unwrap(),
            "8000-8999/udp".parse().unwrap(),
            PortRange::icmp()
        ]
    );
    assert_eq!(
        b.action_get().unwrap(),
        json!({"target": "s3", "retries": 3})
    );

    let expected = [
        argv(&["config-get", "--all", "--format=json"]),
        argv(&["is-leader", "--format=json"]),
        argv(&["leader-get", "--format=json"]),
        argv(&["relation-ids", "--format=json", "db"]),
        argv(&["relation-ids", "--format=json", "cache"]),
        argv(&["relation-list", "--format=json", "-r", "db:3"]),
        argv(&["relation-list", "--format=json", "-r", "db:3", "--app"]),
        argv(&["relation-get", "--format=json", "-r", "db:3", "-", "pg/0"]),
        argv(&[
            "relation-get",
            "--format=json",
            "-r",
            "db:3",
            "--app",
            "-",
            "pg",
        ]),
        argv(&["goal-state", "--format=json"]),
        argv(&["network-get", "--format=json", "-r", "db:3", "db"]),
        argv(&["status-get", "--include-data", "--format=json"]),
        argv(&[
            "status-get",
            "--application",
            "--include-data",
            "--format=json",
        ]),
        argv(&["state-get", "--format=json"]),
        argv(&["opened-ports", "--format=json"]),
        argv(&["action-get", "--format=json"]),
    ];
    assert_eq!(f.argvs(), expected);
    assert_same_calls(b.calls(), &f.received());
}

#[test]
fn writes_have_juju_syntax_and_bulk_data_goes_through_stdin() {
    let f = populated();
    f.file("action-params.json", "{}");
    let mut b = f.backend();

    b.log(Level::Info, "-starts with a dash").unwrap();
    b.log_lines(
        Level::Debug,
        &["tracer: one".to_string(), "tracer: two".to_string()],
    )
    .unwrap();
    b.status_set(
        StatusTarget::Unit,
        &Status::new(StatusState::Maintenance, "installing"),
    )
    .unwrap();
    b.status_set(
        StatusTarget::Application,
        &Status::new(StatusState::Active, ""),
    )
    .unwrap();
    b.application_version_set("-1.2.3").unwrap();
    b.leader_set(&settings(&[("spec-hash", Some("def")), ("old", None)]))
        .unwrap();
    b.relation_set(
        &db(),
        &settings(&[("url", Some("http://10.1.1.1:8080")), ("gone", None)]),
    )
    .unwrap();
    b.relation_set_app(&db(), &settings(&[("schema", Some("v2"))]))
        .unwrap();
    b.pod_spec_set(&PodSpec {
        tool: SpecTool::PodSpecSet,
        spec: "containers:\n- name: web\n".into(),
        k8s_resources: Some("kubernetesResources: {}\n".into()),
    })
    .unwrap();
    b.pod_spec_set(&PodSpec {
        tool: SpecTool::K8sSpecSet,
        spec: "{\"containers\": []}".into(),
        k8s_resources: None,
    })
    .unwrap();
    b.state_set(&strings(&[("a", "1"), ("b", "two words")]))
        .unwrap();
    b.state_delete("k").unwrap();
    b.open_port(&PortRange::tcp(8080)).unwrap();
    b.close_port(&"9000-9100/udp".parse().unwrap()).unwrap();
    b.action_set(&strings(&[("result.path", "/backup"), ("size", "10")]))
        .unwrap();
    b.action_log("halfway").unwrap();
    b.action_fail("disk full").unwrap();

    let got = f.received();
    let argvs: Vec<Vec<String>> = got.iter().map(|r| r.argv.clone()).collect();
    let resources_path = got[8].argv[4].clone();
    assert!(
        !Path::new(&resources_path).exists(),
        "the temporary resources file is removed"
    );
    let expected = [
        argv(&[
            "juju-log",
            "--log-level",
            "INFO",
            "--",
            "-starts with a dash",
        ]),
        argv(&[
            "juju-log",
            "--log-level",
            "DEBUG",
            "--",
            "tracer: one\ntracer: two",
        ]),
        argv(&["status-set", "--", "maintenance", "installing"]),
        argv(&["status-set", "--application", "--", "active", ""]),
        argv(&["application-version-set", "--", "-1.2.3"]),
        argv(&["leader-set", "old=", "spec-hash=def"]),
        argv(&["relation-set", "-r", "db:3", "--file", "-"]),
        argv(&["relation-set", "-r", "db:3", "--app", "--file", "-"]),
        argv(&[
            "pod-spec-set",
            "--file",
            "-",
            "--k8s-resources",
            &resources_path,
        ]),
        argv(&["k8s-spec-set", "--file", "-"]),
        argv(&["state-set", "--file", "-"]),
        argv(&["state-delete", "k"]),
        argv(&["open-port", "8080/tcp"]),
        argv(&["close-port", "9000-9100/udp"]),
        argv(&["action-set", "result.path=/backup", "size=10"]),
        argv(&["action-log", "--", "halfway"]),
        argv(&["action-fail", "--", "disk full"]),
    ];
    assert_eq!(argvs, expected);
    let stdin_json = |i: usize| {
        serde_json::from_str::<serde_json::Value>(got[i].stdin.as_deref().unwrap()).unwrap()
    };
    assert_eq!(
        stdin_json(6),
        json!({"url": "http://10.1.1.1:8080", "gone": ""})
    );
    assert_eq!(stdin_json(7), json!({"schema": "v2"}));
    assert_eq!(got[8].stdin.as_deref(), Some("containers:\n- name: web\n"));
    assert_eq!(
        got[8].k8s_resources.as_deref(),
        Some("kubernetesResources: {}\n")
    );
    assert_eq!(got[9].stdin.as_deref(), Some("{\"containers\": []}"));
    assert_eq!(stdin_json(10), json!({"a": "1", "b": "two words"}));
    assert!(got
        .iter()
        .enumerate()
        .all(|(i, r)| r.stdin.is_some() == [6, 7, 8, 9, 10].contains(&i)));
    assert_same_calls(b.calls(), &got);
}

/// The backend's own call records match what the processes received.
fn assert_same_calls(calls: &[ToolCall], received: &[Received]) {
    let ours: Vec<(Vec<String>, Option<String>)> = calls
        .iter()
        .map(|c| {
            let mut argv = vec![c.tool.clone()];
            argv.extend(c.args.iter().cloned());
            (argv, c.stdin.clone())
        })
        .collect();
    let theirs: Vec<(Vec<String>, Option<String>)> = received
        .iter()
        .map(|r| (r.argv.clone(), r.stdin.clone()))
        .collect();
    assert_eq!(ours, theirs);
}

#[test]
fn reads_are_cached_for_the_hook_and_writes_update_the_cache() {
    let f = populated();
    let mut b = f.backend();
    for _ in 0..3 {
        assert_eq!(b.leader_get().unwrap()["spec-hash"], "abc");
        b.config().unwrap();
        b.is_leader().unwrap();
        b.relation_ids("db").unwrap();
        b.relation_list(&db()).unwrap();
        b.relation_get(&db(), "pg/0").unwrap();
        b.relation_get(&db(), "pg/1").unwrap();
        b.goal_state().unwrap();
        b.state_get().unwrap();
        b.network_get("db", None).unwrap();
    }
    let counts = b.call_counts();
    assert_eq!(counts["leader-get"], 1, "one leader-get per hook");
    assert_eq!(counts["relation-get"], 2, "one per (relation, unit)");
    assert!(
        counts
            .iter()
            .all(|(tool, n)| *n == 1 || tool == "relation-get"),
        "{counts:?}"
    );
    assert_eq!(f.received().len(), b.calls().len());

    // Writes show in later reads without asking Juju again, as Juju's own
    // context serves the unit's bags, leader settings and state.
    b.relation_get(&db(), "web/0").unwrap();
    b.relation_get(&db(), "web").unwrap();
    b.relation_set(
        &db(),
        &settings(&[("url", Some("http://x")), ("private-address", None)]),
    )
    .unwrap();
    b.relation_set_app(&db(), &settings(&[("schema", Some("v2"))]))
        .unwrap();
    b.leader_set(&settings(&[("spec-hash", Some("def")), ("new", Some("1"))]))
        .unwrap();
    b.state_set(&strings(&[("a", "1")])).unwrap();
    b.state_delete("k").unwrap();
    let before = f.received().len();
    assert_eq!(
        b.relation_get(&db(), "web/0").unwrap(),
        strings(&[("url", "http://x")])
    );
    assert_eq!(
        b.relation_get(&db(), "web").unwrap(),
        strings(&[("schema", "v2")])
    );
    assert_eq!(
        b.leader_get().unwrap(),
        strings(&[("new", "1"), ("spec-hash", "def")])
    );
    assert_eq!(b.state_get().unwrap(), strings(&[("a", "1")]));
    assert_eq!(f.received().len(), before, "served from the cache");

    b.clear_cache();
    b.leader_get().unwrap();
    assert_eq!(b.call_counts()["leader-get"], 2);
}

#[test]
fn juju_errors_map_to_typed_errors() {
    let f = populated();
    f.leader(false);
    let mut b = f.backend();

    let e = b.leader_set(&settings(&[("a", Some("1"))])).unwrap_err();
    assert!(
        matches!(e, BackendError::NotLeader { ref tool, ref message } if tool == "leader-set" && message.contains("not the leader")),
        "{e:?}"
    );
    assert!(e.to_string().contains("`leader-set`"), "{e}");
    assert!(!b.is_leader().unwrap());
    let e = b
        .relation_set_app(&db(), &settings(&[("a", Some("1"))]))
        .unwrap_err();
    assert!(
        matches!(e, BackendError::NotLeader { ref tool, .. } if tool == "relation-set"),
        "{e:?}"
    );
    let e = b
        .status_set(
            StatusTarget::Application,
            &Status::new(StatusState::Active, ""),
        )
        .unwrap_err();
    assert!(matches!(e, BackendError::NotLeader { .. }), "{e:?}");
    let e = b.status_get(StatusTarget::Application).unwrap_err();
    assert!(matches!(e, BackendError::NotLeader { .. }), "{e:?}");
    let spec = PodSpec {
        spec: "containers: []".into(),
        ..PodSpec::default()
    };
    let e = b.pod_spec_set(&spec).unwrap_err();
    assert!(
        matches!(e, BackendError::NotLeader { ref tool, .. } if tool == "pod-spec-set"),
        "{e:?}"
    );
    let e = b.relation_get(&db(), "web").unwrap_err();
    assert!(matches!(e, BackendError::PermissionDenied { .. }), "{e:?}");

    let gone = RelationId::new("db", 9);
    for e in [
        b.relation_get(&gone, "pg/0").unwrap_err(),
        b.relation_list(&gone).unwrap_err(),
        b.relation_set(&gone, &settings(&[("a", Some("1"))]))
            .unwrap_err(),
    ] {
        assert!(
            matches!(e, BackendError::RelationNotFound { ref id, .. } if id == "db:9"),
            "{e:?}"
        );
    }
    let e = b.relation_get(&db(), "pg/7").unwrap_err();
    assert!(
        matches!(e, BackendError::NotFound { ref tool, .. } if tool == "relation-get"),
        "{e:?}"
    );
    let e = b.network_get("nope", None).unwrap_err();
    assert!(
        matches!(e, BackendError::NotFound { ref message, .. } if message.contains("binding \"nope\"")),
        "{e:?}"
    );
    let e = b.action_get().unwrap_err();
    assert!(
        matches!(e, BackendError::NotInAction { ref tool } if tool == "action-get"),
        "{e:?}"
    );

    f.script(
        "relation-list",
        b"",
        b"ERROR option provided but not defined: --app\n",
        2,
    );
    let e = b.relation_remote_app(&db()).unwrap_err();
    assert!(
        matches!(e, BackendError::Unsupported { ref tool, .. } if tool == "relation-list"),
        "{e:?}"
    );

    f.script("juju-log", b"", b"ERROR something odd\n", 1);
    let e = b.log(Level::Info, "hello").unwrap_err();
    match e {
        BackendError::ToolFailed {
            tool,
            args,
            code,
            stderr,
        } => {
            assert_eq!(tool, "juju-log");
            assert_eq!(args, ["--log-level", "INFO", "--", "hello"]);
            assert_eq!(code, Some(1));
            assert_eq!(stderr, "something odd");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_hanging_tool_is_killed_after_the_timeout() {
    let f = populated();
    f.file("behaviour/relation-ids.hang", "");
    let mut b = f.backend().with_timeout(Duration::from_millis(200));
    let e = b.relation_ids("db").unwrap_err();
    assert!(
        matches!(e, BackendError::Timeout { ref tool, after } if tool == "relation-ids" && after == Duration::from_millis(200)),
        "{e:?}"
    );
    assert!(e.to_string().contains("relation-ids"), "{e}");
    // The backend still works, and the failed read was not cached.
    assert!(b.is_leader().unwrap());
    fs::remove_file(f.state.join("behaviour/relation-ids.hang")).unwrap();
    assert_eq!(b.relation_ids("db").unwrap(), [db()]);
}

#[test]
fn missing_tools_are_reported_by_name() {
    let f = populated();
    fs::remove_file(f.tools.join("goal-state")).unwrap();
    fs::remove_file(f.tools.join("state-get")).unwrap();
    let mut b = f.backend();
    let e = b.goal_state().unwrap_err();
    assert!(
        matches!(e, BackendError::ToolMissing { ref tool } if tool == "goal-state"),
        "{e:?}"
    );
    assert!(e.to_string().contains("PATH"), "{e}");
    let mut b = f.backend().with_juju_version("2.7.6");
    let e = b.state_get().unwrap_err();
    assert!(
        matches!(e, BackendError::Unsupported { ref tool, ref juju_version, ref detail } if tool == "state-get" && juju_version == "2.7.6" && detail.contains("2.8")),
        "{e:?}"
    );
}

#[test]
fn tools_are_found_on_path() {
    let f = populated();
    let path = format!("{}:/usr/bin:/bin", f.tools.display());
    let mut b = HookTools::new()
        .with_env("PATH", path)
        .with_env("FAKE_JUJU_STATE", f.state.to_str().unwrap());
    assert!(b.is_leader().unwrap());
    assert_eq!(f.argvs(), [argv(&["is-leader", "--format=json"])]);
}

#[test]
fn malformed_and_non_utf8_output_are_typed_errors() {
    let f = populated();
    let mut b = f.backend();
    f.script("is-leader", b"True\n", b"", 0);
    let e = b.is_leader().unwrap_err();
    assert!(
        matches!(e, BackendError::Malformed { ref tool, ref reason } if tool == "is-leader" && reason.contains("True")),
        "{e:?}"
    );
    f.script("config-get", b"{\"port\": 80", b"", 0);
    assert!(matches!(b.config(), Err(BackendError::Malformed { .. })));
    f.script("relation-ids", b"[\"db\"]\n", b"", 0);
    let e = b.relation_ids("db").unwrap_err();
    assert!(
        matches!(e, BackendError::Malformed { ref reason, .. } if reason.contains("db")),
        "{e:?}"
    );
    f.script("leader-get", b"{\"a\": 1}\n", b"", 0);
    assert!(matches!(
        b.leader_get(),
        Err(BackendError::Malformed { .. })
    ));
    f.script("relation-get", b"", b"", 0);
    let e = b.relation_get(&db(), "pg/0").unwrap_err();
    assert!(
        matches!(e, BackendError::Malformed { ref reason, .. } if reason.contains("empty")),
        "{e:?}"
    );
    f.script("state-get", &[0xff, 0xfe, b'{', b'}'], b"", 0);
    let e = b.state_get().unwrap_err();
    assert!(
        matches!(e, BackendError::NonUtf8 { ref tool } if tool == "state-get"),
        "{e:?}"
    );
    // Non-UTF-8 on stderr still yields the error, lossily decoded.
    f.script("leader-set", b"", b"ERROR not the leader \xff\n", 1);
    let e = b.leader_set(&settings(&[("a", Some("1"))])).unwrap_err();
    assert!(matches!(e, BackendError::NotLeader { .. }), "{e:?}");
}

#[test]
fn huge_values_are_refused_or_passed_through_stdin() {
    let f = populated();
    let mut b = f.backend();
    let big = "x".repeat(200 * 1024);

    let e = b
        .leader_set(&settings(&[("blob", Some(&big))]))
        .unwrap_err();
    assert!(
        matches!(e, BackendError::ValueTooLarge { ref tool, ref key, limit, .. } if tool == "leader-set" && key == "blob" && limit == MAX_ARGUMENT_BYTES),
        "{e:?}"
    );
    assert!(f.received().is_empty(), "refused before running leader-set");

    let e = b.state_set(&strings(&[("blob", &big)])).unwrap_err();
    assert!(
        matches!(e, BackendError::ValueTooLarge { ref tool, .. } if tool == "state-set"),
        "{e:?}"
    );

    let megabyte = "y".repeat(1 << 20);
    b.relation_set(&db(), &settings(&[("blob", Some(&megabyte))]))
        .unwrap();
    b.pod_spec_set(&PodSpec {
        spec: format!("# {megabyte}\ncontainers: []\n"),
        ..PodSpec::default()
    })
    .unwrap();
    let got = f.received();
    assert_eq!(got.len(), 2);
    let sent: serde_json::Value = serde_json::from_str(got[0].stdin.as_deref().unwrap()).unwrap();
    assert_eq!(sent["blob"].as_str().map(str::len), Some(1 << 20));
    assert!(got[1].stdin.as_deref().unwrap().len() > 1 << 20);

    // A message longer than one argument is split into several juju-log calls.
    let lines: Vec<String> = (0..3)
        .map(|i| format!("{i}{}", "z".repeat(100_000)))
        .collect();
    b.log_lines(Level::Debug, &lines).unwrap();
    let logs: Vec<Received> = f
        .received()
        .into_iter()
        .filter(|r| r.argv[0] == "juju-log")
        .collect();
    assert_eq!(logs.len(), 3);
    for (log, line) in logs.iter().zip(&lines) {
        assert_eq!(log.argv.last(), Some(line));
    }

    // Many large leader settings are split over calls under the OS limits.
    let chunk = "w".repeat(100_000);
    let many: BTreeMap<String, Option<String>> = (0..25)
        .map(|i| (format!("k{i:02}"), Some(chunk.clone())))
        .collect();
    b.leader_set(&many).unwrap();
    let sets: Vec<Received> = f
        .received()
        .into_iter()
        .filter(|r| r.argv[0] == "leader-set")
        .collect();
    assert_eq!(sets.len(), 3);
    assert_eq!(sets.iter().map(|r| r.argv.len() - 1).sum::<usize>(), 25);
}

/// The same hook against the fake tools and against MemoryBackend: same
/// results, same hook-tool calls.
#[test]
fn memory_backend_answers_and_counts_like_hook_tools() {
    let f = populated();
    f.file("action-params.json", r#"{"target":"s3"}"#);
    let mut tools = f.backend();

    let mut model = Model::new("web/0");
    model.leader = true;
    model.config =
        serde_json::from_str(r#"{"port":8080,"debug":false,"name":null,"ratio":0.5}"#).unwrap();
    model.leader_settings = strings(&[("spec-hash", "abc")]);
    let rel = model.add_relation(db(), "pg", &["pg/0", "pg/1"]);
    rel.data.insert(
        "pg/0".into(),
        strings(&[("host", "10.0.0.1"), ("private-address", "10.0.0.1")]),
    );
    rel.data
        .insert("pg".into(), strings(&[("database", "web")]));
    rel.data
        .insert("web/0".into(), strings(&[("private-address", "10.1.1.1")]));
    model.goal_state =
        serde_json::from_str(&fs::read_to_string(f.state.join("goal-state.json")).unwrap())
            .unwrap();
    model.networks.insert(
        "db".into(),
        serde_json::from_str(&fs::read_to_string(f.state.join("network/db.json")).unwrap())
            .unwrap(),
    );
    model.state = strings(&[("k", "v")]);
    model.action = Some(ActionModel {
        name: "backup".into(),
        params: json!({"target": "s3"}),
        ..Default::default()
    });
    let mut memory = MemoryBackend::new(model);

    let a = hook(&mut tools);
    let b = hook(&mut memory);
    assert_eq!(a, b);
    let strip = |calls: &[ToolCall]| {
        calls
            .iter()
            .map(|c| (c.tool.clone(), c.args.clone(), c.stdin.clone()))
            .collect::<Vec<_>>()
    };
    assert_eq!(strip(tools.calls()), strip(memory.calls()));
    assert_eq!(tools.call_counts(), memory.call_counts());
    assert_eq!(tools.call_counts()["leader-get"], 1);
}

/// A hook's worth of reads and writes, returning what it read.
fn hook(b: &mut dyn Backend) -> Vec<String> {
    let mut seen = Vec::new();
    let mut note = |v: String| seen.push(v);
    note(format!("{:?}", b.config().unwrap()));
    note(format!("{:?}", b.is_leader().unwrap()));
    note(format!("{:?}", b.leader_get().unwrap()));
    for rid in b.relation_ids("db").unwrap() {
        for unit in b.relation_list(&rid).unwrap() {
            note(format!(
                "{unit}: {:?}",
                b.relation_get(&rid, &unit).unwrap()
            ));
        }
        note(format!("{:?}", b.relation_get(&rid, "pg").unwrap()));
        note(format!("{:?}", b.relation_get(&rid, "web/0").unwrap()));
        b.relation_set(&rid, &settings(&[("url", Some("http://x"))]))
            .unwrap();
        note(format!("{:?}", b.relation_get(&rid, "web/0").unwrap()));
    }
    note(format!("{:?}", b.leader_get().unwrap()));
    b.leader_set(&settings(&[("spec-hash", Some("def"))]))
        .unwrap();
    note(format!("{:?}", b.leader_get().unwrap()));
    note(format!("{:?}", b.goal_state().unwrap()));
    note(format!("{:?}", b.network_get("db", None).unwrap()));
    note(format!("{:?}", b.state_get().unwrap()));
    b.state_set(&strings(&[("a", "1")])).unwrap();
    note(format!("{:?}", b.state_get().unwrap()));
    note(format!("{:?}", b.action_get().unwrap()));
    b.status_set(
        StatusTarget::Unit,
        &Status::new(StatusState::Active, "ready"),
    )
    .unwrap();
    b.log_lines(Level::Debug, &["a".into(), "b".into()])
        .unwrap();
    b.pod_spec_set(&PodSpec {
        spec: "containers: []\n".into(),
        ..PodSpec::default()
    })
    .unwrap();
    b.open_port(&PortRange::tcp(80)).unwrap();
    b.action_set(&strings(&[("done", "yes")])).unwrap();
    seen
}
