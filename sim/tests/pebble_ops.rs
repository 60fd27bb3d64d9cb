//! Pebble in jujusim, checked by a client nobody here wrote: ops' own Pebble
//! client (`ops.pebble.Client(socket_path=...)` from PyPI's ops, venv built by
//! tests/pebble-ops/make-venv.sh) runs tests/pebble-ops/drive.py against a
//! jujusim Pebble server, and the Rust client (charm-reactive-pebble) runs the
//! same sequence against another; the two transcripts must agree call by
//! call, and the Rust transcript must hold the values Pebble's API defines.
//!
//! Where Python or PyPI is unavailable the ops half prints `SKIPPED` and the
//! Rust half still runs, unless JUJUSIM_REQUIRE_PYTHON is set (CI sets it).

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::time::Duration;

use charm_reactive_pebble::{
    apply_layer, Applied, Change, Client, Error, Exec, ExecOutput, FileInfo, NoticeFilter,
    Ownership,
};
use charm_reactive_sim::pebble::{CheckTransition, PebbleServer};
use common::repo_root;
use serde_json::{json, Value};

fn venv() -> Option<PathBuf> {
    static VENV: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    let built = VENV.get_or_init(|| {
        let script = repo_root().join("tests/pebble-ops/make-venv.sh");
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
            panic!("the ops venv is required (JUJUSIM_REQUIRE_PYTHON): {why}")
        }
        Err(why) => {
            eprintln!("SKIPPED ops Pebble client cross-check: no ops venv: {why}");
            None
        }
    }
}

fn server(dir: &Path) -> PebbleServer {
    PebbleServer::start(&dir.join("pebble.socket"), &dir.join("rootfs")).expect("pebble starts")
}

const LAYER: &str = "summary: base
services:
  web:
    override: replace
    command: sleep 1000
    startup: enabled
    environment:
      URL: http://a
  worker:
    override: replace
    command: sleep 1000
checks:
  up:
    override: replace
    level: alive
    threshold: 3
    exec:
      command: echo ok
";
const MERGE: &str =
    "services:\n  web:\n    override: merge\n    environment:\n      URL: http://b\n";
const BAD: &str = "services:\n  web:\n    command: x\n";

/// One transcript line.
fn line(call: &str, r: Result<Value, Error>) -> Value {
    match r {
        Ok(v) => json!({"call": call, "result": v}),
        Err(e) => json!({"call": call, "error": error(&e)}),
    }
}

fn error(e: &Error) -> Value {
    match e {
        Error::Api {
            code,
            kind,
            message,
            ..
        } => json!({"type": "api", "code": code, "kind": kind.as_str(), "message": message}),
        Error::Path { kind, message, .. } => {
            json!({"type": "path", "kind": kind.as_str(), "message": message})
        }
        Error::Change { err, .. } => {
            json!({"type": "change", "timed_out": err.contains("timed out")})
        }
        other => json!({"type": "other", "message": other.to_string()}),
    }
}

fn change(c: Change) -> Value {
    let mut tasks: Vec<String> = c.tasks.iter().map(|t| t.summary.clone()).collect();
    tasks.sort();
    json!({"kind": c.kind, "status": c.status, "ready": c.ready, "err": c.err, "tasks": tasks})
}

fn services(c: &Client) -> Result<Value, Error> {
    Ok(json!(c
        .services(&[])?
        .iter()
        .map(|s| json!([s.name, s.startup, s.current]))
        .collect::<Vec<_>>()))
}

fn files(list: Vec<FileInfo>) -> Value {
    json!(list
        .iter()
        .map(|f| json!({
            "path": f.path, "name": f.name, "type": f.file_type, "size": f.size,
            "permissions": f.mode(), "user_id": f.user_id, "group_id": f.group_id,
        }))
        .collect::<Vec<_>>())
}

fn exec(c: &Client, e: Exec) -> Result<Value, Error> {
    let ExecOutput {
        exit_code,
        stdout,
        stderr,
    } = c.exec(&e)?;
    Ok(json!({
        "exit": exit_code,
        "stdout": String::from_utf8_lossy(&stdout),
        "stderr": String::from_utf8_lossy(&stderr),
    }))
}

fn plan(c: &Client) -> Result<Value, Error> {
    let yaml = c.plan()?;
    Ok(serde_saphyr::from_str(&yaml).expect("the plan is YAML"))
}

fn checks(c: &Client, level: Option<&str>) -> Result<Value, Error> {
    Ok(json!(c
        .checks(level, &[])?
        .iter()
        .map(|k| json!({
            "name": k.name, "level": k.level.clone().unwrap_or_default(), "status": k.status,
            "failures": k.failures, "threshold": k.threshold,
        }))
        .collect::<Vec<_>>()))
}

fn notice(n: &charm_reactive_pebble::Notice) -> Value {
    json!({"type": n.notice_type, "key": n.key, "occurrences": n.occurrences, "last_data": n.last_data})
}

fn null<T>(r: Result<T, Error>) -> Result<Value, Error> {
    r.map(|_| Value::Null)
}

/// drive.py's sequence, with the Rust client.
fn rust_transcript(c: &Client) -> Vec<Value> {
    let mut t = Vec::new();
    let mut run = |call: &str, r: Result<Value, Error>| t.push(line(call, r));
    run(
        "system-info",
        c.system_info().map(|s| json!(!s.version.is_empty())),
    );
    run("add-layer", null(c.add_layer("base", LAYER, true)));
    run("plan", plan(c));
    run("services", services(c));
    run("replan", c.replan().map(change));
    run("services-after-replan", services(c));
    run("replan-unchanged", c.replan().map(change));
    run("merge-layer", null(c.add_layer("base", MERGE, true)));
    run("plan-merged", plan(c));
    run("replan-changed", c.replan().map(change));
    run("stop", c.stop(&["web"]).map(change));
    run("services-stopped", services(c));
    run("start", c.start(&["web", "worker"]).map(change));
    run("restart", c.restart(&["worker"]).map(change));
    run(
        "services-named",
        c.services(&["worker"])
            .map(|s| json!(s.iter().map(|s| s.name.clone()).collect::<Vec<_>>())),
    );
    run("start-unknown", null(c.start(&["nope"])));
    run("add-existing", null(c.add_layer("base", LAYER, false)));
    run("add-bad", null(c.add_layer("bad", BAD, false)));
    run(
        "changes-all",
        c.changes("all").map(|v| json!(!v.is_empty())),
    );
    let root = Ownership {
        permissions: Some(0o600),
        user_id: Some(0),
        group_id: Some(0),
        ..Ownership::default()
    };
    run(
        "push",
        null(c.push("/etc/app/config.txt", b"hello\n", true, &root)),
    );
    run(
        "pull",
        c.pull("/etc/app/config.txt")
            .map(|b| json!(String::from_utf8_lossy(&b))),
    );
    let blob: Vec<u8> = (0..4).flat_map(|_| 0..=255u8).collect();
    run(
        "push-bytes",
        null(c.push("/etc/app/blob.bin", &blob, false, &Ownership::default())),
    );
    run(
        "pull-bytes",
        c.pull("/etc/app/blob.bin").map(|b| json!(b[..8].to_vec())),
    );
    run("list", c.list_files("/etc/app", None, false).map(files));
    run(
        "list-pattern",
        c.list_files("/etc/app", Some("*.txt"), false).map(files),
    );
    run(
        "list-itself",
        c.list_files("/etc/app", None, true).map(files),
    );
    let private = Ownership {
        permissions: Some(0o700),
        ..Ownership::default()
    };
    run(
        "make-dir",
        null(c.make_dir("/var/lib/app/data", true, &private)),
    );
    run(
        "list-dir",
        c.list_files("/var/lib/app", None, false).map(files),
    );
    run(
        "make-dir-exists",
        null(c.make_dir("/var/lib/app/data", false, &Ownership::default())),
    );
    run("pull-missing", null(c.pull("/missing.txt")));
    run("pull-dir", null(c.pull("/etc/app")));
    run(
        "push-relative",
        null(c.push("relative.txt", b"x", false, &Ownership::default())),
    );
    run(
        "push-no-parent",
        null(c.push("/nowhere/x.txt", b"x", false, &Ownership::default())),
    );
    run("remove", null(c.remove_path("/etc/app/config.txt", false)));
    run(
        "remove-missing",
        null(c.remove_path("/etc/app/config.txt", false)),
    );
    run(
        "remove-nonempty",
        null(c.remove_path("/var/lib/app", false)),
    );
    run(
        "remove-recursive",
        null(c.remove_path("/var/lib/app", true)),
    );
    run(
        "list-missing",
        c.list_files("/var/lib/app", None, false).map(files),
    );
    run(
        "exec",
        exec(
            c,
            Exec::new([
                "sh",
                "-c",
                "echo out; echo err >&2; cat; echo \"$GREETING\"; exit 0",
            ])
            .env("GREETING", "hi")
            .stdin("input\n"),
        ),
    );
    run(
        "exec-workdir",
        exec(
            c,
            Exec::new(["sh", "-c", "basename \"$(pwd)\""]).working_dir("/etc/app"),
        ),
    );
    run(
        "exec-exit",
        exec(c, Exec::new(["sh", "-c", "echo partial; exit 3"])),
    );
    let mut combined = Exec::new(["sh", "-c", "echo a; echo b >&2"]);
    combined.combine_stderr = true;
    run("exec-combined", exec(c, combined));
    let mut context = Exec::new(["sh", "-c", "echo \"$URL\""]);
    context.service_context = Some("web".into());
    run("exec-context", exec(c, context));
    run(
        "exec-timeout",
        exec(
            c,
            Exec::new(["sleep", "10"]).timeout(Duration::from_millis(500)),
        ),
    );
    run("exec-missing", exec(c, Exec::new(["no-such-command-here"])));
    run("checks", checks(c, None));
    run("checks-level", checks(c, Some("ready")));
    run("stop-checks", c.stop_checks(&["up"]).map(|v| json!(v)));
    run("checks-stopped", checks(c, None));
    run("start-checks", c.start_checks(&["up"]).map(|v| json!(v)));
    run(
        "start-checks-again",
        c.start_checks(&["up"]).map(|v| json!(v)),
    );
    run(
        "notify",
        c.notify("example.com/a", &[("k", "v")], None)
            .map(|id| json!(!id.is_empty())),
    );
    run(
        "notify-again",
        c.notify("example.com/a", &[("k", "w")], None)
            .map(|id| json!(!id.is_empty())),
    );
    run(
        "notify-other",
        c.notify("example.com/b", &[], None)
            .map(|id| json!(!id.is_empty())),
    );
    run(
        "notices",
        c.notices(&NoticeFilter::default()).map(|mut n| {
            n.sort_by(|a, b| a.key.cmp(&b.key));
            json!(n.iter().map(notice).collect::<Vec<_>>())
        }),
    );
    let by_key = NoticeFilter {
        keys: vec!["example.com/a".into()],
        ..NoticeFilter::default()
    };
    run(
        "notices-key",
        c.notices(&by_key)
            .map(|n| json!(n.iter().map(notice).collect::<Vec<_>>())),
    );
    let b = NoticeFilter {
        types: vec!["custom".into()],
        keys: vec!["example.com/b".into()],
    };
    run(
        "notice-by-id",
        c.notices(&b)
            .and_then(|n| c.notice(&n[0].id))
            .map(|n| notice(&n)),
    );
    run("notice-missing", null(c.notice("999999")));
    run("notify-bad-key", null(c.notify("no-domain", &[], None)));
    t
}

fn get<'a>(t: &'a [Value], call: &str) -> &'a Value {
    t.iter()
        .find(|l| l["call"] == call)
        .unwrap_or_else(|| panic!("no line for {call}"))
}

/// The values Pebble's API defines, on the Rust transcript.
fn assert_pebble_semantics(t: &[Value]) {
    let r = |call: &str| get(t, call)["result"].clone();
    let e = |call: &str| get(t, call)["error"].clone();
    assert_eq!(r("system-info"), json!(true));
    assert_eq!(
        r("plan")["services"]["web"]["environment"]["URL"],
        "http://a"
    );
    assert_eq!(
        r("services"),
        json!([
            ["web", "enabled", "inactive"],
            ["worker", "disabled", "inactive"]
        ])
    );
    assert_eq!(r("replan")["tasks"], json!(["Start service \"web\""]));
    assert_eq!(r("replan")["status"], "Done");
    assert_eq!(
        r("services-after-replan")[0],
        json!(["web", "enabled", "active"])
    );
    assert_eq!(r("replan-unchanged")["tasks"], json!([]));
    assert_eq!(
        r("plan-merged")["services"]["web"]["environment"]["URL"],
        "http://b"
    );
    assert_eq!(r("plan-merged")["services"]["web"]["command"], "sleep 1000");
    assert_eq!(
        r("replan-changed")["tasks"],
        json!(["Start service \"web\"", "Stop service \"web\""])
    );
    assert_eq!(
        r("services-stopped")[0],
        json!(["web", "enabled", "inactive"])
    );
    assert_eq!(
        r("restart")["tasks"],
        json!(["Start service \"worker\"", "Stop service \"worker\""])
    );
    assert_eq!(r("services-named"), json!(["worker"]));
    assert_eq!(e("start-unknown")["code"], 400);
    assert_eq!(
        e("start-unknown")["message"],
        "cannot start services: service \"nope\" does not exist"
    );
    assert_eq!(
        e("add-existing")["message"],
        "layer \"base\" already exists"
    );
    assert_eq!(
        e("add-bad")["message"],
        "layer \"bad\" must define \"override\" for service \"web\""
    );
    assert_eq!(r("pull"), "hello\n");
    assert_eq!(r("pull-bytes"), json!([0, 1, 2, 3, 4, 5, 6, 7]));
    let list = r("list");
    assert_eq!(list.as_array().map(Vec::len), Some(2), "{list}");
    assert_eq!(list[1]["path"], "/etc/app/config.txt");
    assert_eq!(list[1]["permissions"], 0o600);
    assert_eq!(list[1]["size"], 6);
    assert_eq!(list[0]["size"], 1024);
    assert_eq!(list[0]["permissions"], 0o644);
    assert_eq!(r("list-pattern").as_array().map(Vec::len), Some(1));
    assert_eq!(r("list-itself")[0]["type"], "directory");
    assert_eq!(r("list-itself")[0]["path"], "/etc/app");
    assert_eq!(r("list-dir")[0]["permissions"], 0o700);
    assert_eq!(
        e("make-dir-exists")["message"],
        "mkdir /var/lib/app/data: file exists"
    );
    assert_eq!(e("pull-missing")["kind"], "not-found");
    assert_eq!(e("pull-dir")["kind"], "generic-file-error");
    assert_eq!(
        e("push-relative")["message"],
        "paths must be absolute, got \"relative.txt\""
    );
    assert_eq!(e("push-no-parent")["kind"], "not-found");
    assert_eq!(e("remove-missing")["kind"], "not-found");
    assert_eq!(
        e("remove-nonempty")["message"],
        "remove /var/lib/app: directory not empty"
    );
    assert_eq!(get(t, "remove-recursive")["result"], Value::Null);
    assert_eq!(e("list-missing")["code"], 404);
    assert_eq!(
        r("exec"),
        json!({"exit": 0, "stdout": "out\ninput\nhi\n", "stderr": "err\n"})
    );
    assert_eq!(r("exec-workdir")["stdout"], "app\n");
    assert_eq!(
        r("exec-exit"),
        json!({"exit": 3, "stdout": "partial\n", "stderr": ""})
    );
    let combined = r("exec-combined")["stdout"]
        .as_str()
        .unwrap_or("")
        .to_string();
    assert!(
        combined.contains("a\n") && combined.contains("b\n"),
        "{combined}"
    );
    assert_eq!(r("exec-context")["stdout"], "http://b\n");
    assert_eq!(
        e("exec-timeout"),
        json!({"type": "change", "timed_out": true})
    );
    assert_eq!(
        e("exec-missing")["message"],
        "cannot find executable \"no-such-command-here\""
    );
    assert_eq!(
        r("checks"),
        json!([{"name": "up", "level": "alive", "status": "up", "failures": 0, "threshold": 3}])
    );
    assert_eq!(r("checks-level"), json!([]));
    assert_eq!(r("stop-checks"), json!(["up"]));
    assert_eq!(r("checks-stopped")[0]["status"], "inactive");
    assert_eq!(r("start-checks"), json!(["up"]));
    assert_eq!(r("start-checks-again"), json!([]));
    assert_eq!(
        r("notices"),
        json!([
            {"type": "custom", "key": "example.com/a", "occurrences": 2, "last_data": {"k": "w"}},
            {"type": "custom", "key": "example.com/b", "occurrences": 1, "last_data": {}},
        ])
    );
    assert_eq!(r("notices-key").as_array().map(Vec::len), Some(1));
    assert_eq!(r("notice-by-id")["key"], "example.com/b");
    assert_eq!(e("notice-missing")["code"], 404);
    assert_eq!(e("notice-missing")["kind"], "not-found");
    assert_eq!(e("notify-bad-key")["code"], 400);
}

#[test]
fn ops_client_and_rust_client_agree_on_every_endpoint() {
    let dir = tempfile::tempdir().unwrap();
    let rust_dir = dir.path().join("rust");
    let rust_server = server(&rust_dir);
    let client = Client::new(rust_server.socket()).unwrap();
    let ours = rust_transcript(&client);
    assert_pebble_semantics(&ours);

    let Some(venv) = venv() else {
        return;
    };
    let ops_dir = dir.path().join("ops");
    let ops_server = server(&ops_dir);
    let out = Command::new(venv.join("bin/python3"))
        .arg(repo_root().join("tests/pebble-ops/drive.py"))
        .arg(ops_server.socket())
        .output()
        .expect("python runs");
    assert!(
        out.status.success(),
        "drive.py failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let theirs: Vec<Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("drive.py prints JSON lines"))
        .collect();
    assert_eq!(
        theirs.len(),
        ours.len(),
        "the two sequences differ in length"
    );
    let mut disagreements = Vec::new();
    for (o, r) in theirs.iter().zip(&ours) {
        if o != r {
            disagreements.push(format!("  ops:  {o}\n  rust: {r}"));
        }
    }
    assert!(
        disagreements.is_empty(),
        "{} of {} calls disagree:\n{}",
        disagreements.len(),
        ours.len(),
        disagreements.join("\n")
    );
    // What ops wrote is really on the container's filesystem.
    let blob = std::fs::read(ops_server.root().join("etc/app/blob.bin")).unwrap();
    assert_eq!(blob.len(), 1024);
    eprintln!("ops and the Rust client agree on {} calls", ours.len());
}

#[test]
fn apply_layer_replans_only_when_the_plan_changes() {
    let dir = tempfile::tempdir().unwrap();
    let server = server(dir.path());
    let c = Client::new(server.socket()).unwrap();
    let layer = |url: &str| {
        format!("services:\n  app:\n    override: replace\n    command: app\n    startup: enabled\n    environment:\n      BASE_URL: {url}\n")
    };
    let first = apply_layer(&c, "charm", &layer("http://one")).unwrap();
    assert!(first.replanned());
    assert!(server.service_active("app"));
    assert_eq!(
        apply_layer(&c, "charm", &layer("http://one")).unwrap(),
        Applied::Unchanged
    );
    assert!(apply_layer(&c, "charm", &layer("http://two"))
        .unwrap()
        .replanned());
    assert_eq!(
        apply_layer(&c, "charm", &layer("http://two")).unwrap(),
        Applied::Unchanged
    );
    assert_eq!(server.change_count("replan"), 2);
    assert!(server.plan_yaml().contains("http://two"));
    // A stopped enabled service is started again even though the plan is the same.
    c.stop(&["app"]).unwrap();
    assert!(apply_layer(&c, "charm", &layer("http://two"))
        .unwrap()
        .replanned());
    assert!(server.service_active("app"));
}

#[test]
fn checks_fail_and_recover_and_notices_come_from_the_workload() {
    let dir = tempfile::tempdir().unwrap();
    let server = server(dir.path());
    let c = Client::new(server.socket()).unwrap();
    c.add_layer(
        "l",
        "checks:\n  ready:\n    override: replace\n    level: ready\n    threshold: 2\n    http:\n      url: http://localhost/\n",
        false,
    )
    .unwrap();
    assert_eq!(
        server.set_check("ready", false),
        Ok(CheckTransition::Failed)
    );
    assert_eq!(server.set_check("ready", false), Ok(CheckTransition::Same));
    let down = c.checks(Some("ready"), &["ready"]).unwrap();
    assert_eq!((down[0].status.as_str(), down[0].failures), ("down", 2));
    assert_eq!(
        server.set_check("ready", true),
        Ok(CheckTransition::Recovered)
    );
    assert_eq!(c.checks(None, &[]).unwrap()[0].status, "up");
    assert!(server.set_check("nope", false).is_err());
    let id = server
        .notify("canonical.com/db/backup", &[("path", "/x")])
        .unwrap();
    let n = c.notice(&id).unwrap();
    assert_eq!(
        (n.key.as_str(), n.occurrences),
        ("canonical.com/db/backup", 1)
    );
    assert_eq!(n.last_data.get("path").map(String::as_str), Some("/x"));
}

#[test]
fn an_absent_socket_is_a_connection_error() {
    let dir = tempfile::tempdir().unwrap();
    let c = Client::new(dir.path().join("none.socket")).unwrap();
    match c.system_info() {
        Err(Error::Connection { socket, .. }) => assert!(socket.ends_with("none.socket")),
        other => panic!("expected a connection error, got {other:?}"),
    }
}
