//! The `charm-reactive store` command: inspect, verify, export and import of
//! unit stores, on healthy, damaged, locked and missing stores.

use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::sync::Arc;

use charm_reactive::backend::{MemoryBackend, Model};
use charm_reactive::store::{Store, StoreError};
use charm_reactive::{run_hook, Handler, HookInfo, Registry};

fn cli(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_charm-reactive"))
        .args(args)
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

fn json(out: &Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stdout)))
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// A store written by a real hook: plain and valued flags, key/values, bookkeeping.
fn hook_store(path: &Path) {
    let registry = Registry::builder()
        .handler(
            Handler::new("install", |ctx| {
                ctx.set_flag("app.installed");
                ctx.set_flag_value("db.url", "postgres://db/0");
                ctx.kv().set("port", &8080u16)?;
                ctx.kv().set("hosts", &vec!["a", "b"])?;
                Ok(())
            })
            .hook(["install"]),
        )
        .build()
        .unwrap();
    let store = Store::open(path).unwrap();
    let hook = HookInfo {
        name: "install".into(),
        unit: "app/0".into(),
        ..HookInfo::default()
    };
    let outcome = run_hook(
        Arc::new(registry),
        &store,
        hook,
        &mut MemoryBackend::new(Model::new("app/0")),
    );
    assert!(outcome.committed, "{:?}", outcome.error);
}

#[test]
fn inspect_shows_flags_and_keys() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("app-0");
    hook_store(&path);
    let out = cli(&["store", "inspect", path.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    let v = json(&out);
    assert_eq!(v["flags"]["app.installed"], serde_json::Value::Null);
    assert_eq!(v["flags"]["db.url"]["decoded"]["string"], "postgres://db/0");
    assert_eq!(v["kv"]["port"]["decoded"]["unsigned"], 8080);
    assert_eq!(
        v["kv"]["hosts"]["decoded"]["strings"],
        serde_json::json!(["a", "b"])
    );
    assert!(
        v["internal"]
            .as_array()
            .unwrap()
            .iter()
            .any(|k| k == "phase"),
        "{v}"
    );
    assert_eq!(v["generation"], 1);
}

#[test]
fn export_then_import_restores_the_store() {
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("app-0");
    hook_store(&a);
    let backup = dir.path().join("backup.json");
    let out = cli(&[
        "store",
        "export",
        a.to_str().unwrap(),
        "-o",
        backup.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));

    let b = dir.path().join("restored");
    let out = cli(&[
        "store",
        "import",
        b.to_str().unwrap(),
        backup.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).contains("imported"), "{}", stderr(&out));

    let strip = |mut v: serde_json::Value| {
        v.as_object_mut().unwrap().remove("path");
        v
    };
    let inspect = |p: &Path| strip(json(&cli(&["store", "inspect", p.to_str().unwrap()])));
    assert_eq!(inspect(&a), inspect(&b));
    // The restored store is what the engine reads, byte for byte.
    let store = Store::open(&b).unwrap();
    let tx = store.transaction();
    assert_eq!(tx.get::<u16>("kv/port").unwrap(), Some(8080));
    assert!(tx.contains("flag/app.installed").unwrap());
}

#[test]
fn import_into_a_store_with_data_needs_force() {
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("a");
    hook_store(&a);
    let backup = dir.path().join("backup.json");
    assert!(cli(&[
        "store",
        "export",
        a.to_str().unwrap(),
        "-o",
        backup.to_str().unwrap()
    ])
    .status
    .success());
    let b = dir.path().join("b");
    {
        let store = Store::open(&b).unwrap();
        let mut tx = store.transaction();
        tx.set("kv/stale", "old").unwrap();
        tx.commit().unwrap();
    }
    let out = cli(&[
        "store",
        "import",
        b.to_str().unwrap(),
        backup.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("--force"), "{}", stderr(&out));

    let out = cli(&[
        "store",
        "import",
        b.to_str().unwrap(),
        backup.to_str().unwrap(),
        "--force",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let v = json(&cli(&["store", "inspect", b.to_str().unwrap()]));
    assert!(v["kv"].get("stale").is_none(), "{v}");
    assert_eq!(v["kv"]["port"]["decoded"]["unsigned"], 8080);
}

#[test]
fn verify_passes_a_sound_store_and_reports_bad_values() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("app-0");
    hook_store(&path);
    let out = cli(&["store", "verify", path.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(json(&out)["ok"], true);

    {
        let store = Store::open(&path).unwrap();
        let mut tx = store.transaction();
        tx.put_raw("kv/newer", vec![9, 0]).unwrap();
        tx.put_raw("stray", vec![1]).unwrap();
        tx.commit().unwrap();
    }
    let out = cli(&["store", "verify", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let v = json(&out);
    assert_eq!(v["ok"], false);
    let keys: Vec<&str> = v["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["key"].as_str().unwrap())
        .collect();
    assert_eq!(keys, ["kv/newer", "stray"]);
    assert!(stderr(&out).contains("2 problems"), "{}", stderr(&out));
}

#[test]
fn verify_reports_a_store_that_does_not_open() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("app-0");
    hook_store(&path);
    let db = std::fs::read(path.join("db")).unwrap();
    std::fs::write(path.join("db"), &db[..db.len() / 3]).unwrap();
    let out = cli(&["store", "verify", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let v = json(&out);
    let error = v["error"].as_str().unwrap();
    assert!(
        error.contains("is damaged") && error.contains(path.to_str().unwrap()),
        "{error}"
    );
    // Verify repaired nothing: the engine still refuses the store.
    assert!(matches!(
        Store::open(&path),
        Err(StoreError::Corrupt { .. })
    ));
}

#[test]
fn a_locked_store_is_waited_for_then_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("app-0");
    let held = Store::open(&path).unwrap();
    let out = cli(&[
        "store",
        "inspect",
        path.to_str().unwrap(),
        "--lock-timeout",
        "0.2",
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("locked by another process"),
        "{}",
        stderr(&out)
    );
    drop(held);
    assert!(cli(&["store", "inspect", path.to_str().unwrap()])
        .status
        .success());
}

#[test]
fn missing_stores_and_bad_usage_are_clear() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("typo");
    for action in ["inspect", "verify", "export"] {
        let out = cli(&["store", action, missing.to_str().unwrap()]);
        assert_eq!(out.status.code(), Some(1), "{action}");
        assert!(!missing.exists(), "{action} created a store");
    }
    assert!(
        stderr(&cli(&["store", "inspect", missing.to_str().unwrap()])).contains("does not exist")
    );
    for args in [
        &[][..],
        &["stor"],
        &["store"],
        &["store", "inspect"],
        &["store", "frob", "x"],
        &["store", "inspect", "x", "y"],
        &["store", "import", "x"],
        &["store", "inspect", "x", "--force"],
        &["store", "verify", "x", "-o", "f"],
        &["store", "inspect", "x", "--lock-timeout", "soon"],
        &["store", "inspect", "x", "--lock-timeout", "1e30"],
        &["store", "inspect", "x", "--lock-timeout", "-1"],
        &["store", "inspect", "x", "--bogus"],
    ] {
        let out = cli(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        assert!(stderr(&out).contains("Usage:"), "{args:?}");
    }
    let out = cli(&[
        "store",
        "import",
        dir.path().join("s").to_str().unwrap(),
        missing.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("reading the export"),
        "{}",
        stderr(&out)
    );
    let garbage = dir.path().join("garbage.json");
    std::fs::write(&garbage, "{\"export_format\": 1}").unwrap();
    let out = cli(&[
        "store",
        "import",
        dir.path().join("s").to_str().unwrap(),
        garbage.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("is not a charm-reactive store export"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn non_utf8_paths_are_paths_not_panics() {
    use std::os::unix::ffi::OsStrExt;
    let dir = tempfile::tempdir().unwrap();
    let name = std::ffi::OsStr::from_bytes(b"st\xffore");
    let path = dir.path().join(name);
    for action in ["inspect", "verify", "export"] {
        let out = Command::new(env!("CARGO_BIN_EXE_charm-reactive"))
            .args(["store", action])
            .arg(&path)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1), "{action}: {}", stderr(&out));
        assert!(stderr(&out).contains("does not exist"), "{}", stderr(&out));
    }
    hook_store(&path);
    let out = Command::new(env!("CARGO_BIN_EXE_charm-reactive"))
        .args(["store", "inspect"])
        .arg(&path)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(json(&out)["generation"], 1);
}

/// `inspect` and `verify` read a store on a read-only filesystem (a read-only
/// bind mount, which needs root) from a private copy.
#[test]
fn a_read_only_store_can_be_inspected_and_verified() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("app-0");
    hook_store(&path);
    let ro = dir.path().join("ro");
    std::fs::create_dir(&ro).unwrap();
    let mount = |args: &[&str], target: &Path| {
        Command::new("mount")
            .args(args)
            .arg(target)
            .status()
            .is_ok_and(|s| s.success())
    };
    let bound = Command::new("mount")
        .arg("--bind")
        .arg(&path)
        .arg(&ro)
        .status()
        .is_ok_and(|s| s.success());
    if !bound || !mount(&["-o", "remount,bind,ro"], &ro) {
        let required = std::env::var_os("CHARM_REACTIVE_REQUIRE_FAULTS").is_some();
        assert!(
            !required,
            "a read-only bind mount needs root (CI runs as root)"
        );
        eprintln!("SKIPPED: a read-only bind mount needs root");
        return;
    }
    let inspect = cli(&["store", "inspect", ro.to_str().unwrap()]);
    let verify = cli(&["store", "verify", ro.to_str().unwrap()]);
    let unmounted = Command::new("umount").arg(&ro).status().unwrap().success();
    assert!(inspect.status.success(), "{}", stderr(&inspect));
    assert_eq!(json(&inspect)["generation"], 1);
    assert_eq!(json(&inspect)["path"], ro.to_str().unwrap());
    assert!(
        stderr(&inspect).contains("read-only"),
        "{}",
        stderr(&inspect)
    );
    assert!(verify.status.success(), "{}", stderr(&verify));
    assert_eq!(json(&verify)["ok"], true);
    assert!(unmounted);
}
