//! Two processes on one store: the second waits a bounded time and fails with a
//! clear error; processes taking turns never lose an update; a killed holder's
//! lock is released by the kernel.
//!
//! The other processes are this test binary run again on its ignored `child`
//! test, told what to do through `CHARM_REACTIVE_STORE_CHILD`.

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, ChildStdout, Command, Stdio};
use std::time::Duration;

use charm_reactive_store::{OpenOptions, Store, StoreError};

const CHILD_ENV: &str = "CHARM_REACTIVE_STORE_CHILD";

/// Starts this binary's `child` test with `task` (see [`child`]).
fn spawn_child(task: &str) -> (Child, BufReader<ChildStdout>) {
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args([
            "child",
            "--exact",
            "--ignored",
            "--nocapture",
            "--test-threads=1",
            "-q",
        ])
        .env(CHILD_ENV, task)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let out = BufReader::new(child.stdout.take().unwrap());
    (child, out)
}

/// Reads the child's output up to a line starting with `want`.
fn wait_for(out: &mut BufReader<ChildStdout>, want: &str) -> String {
    let mut line = String::new();
    loop {
        line.clear();
        assert!(
            out.read_line(&mut line).unwrap() > 0,
            "child ended before printing {want:?}"
        );
        if line.starts_with(want) {
            return line.trim_end().to_owned();
        }
    }
}

fn options(lock_timeout: Duration) -> OpenOptions {
    OpenOptions {
        lock_timeout,
        ..OpenOptions::default()
    }
}

/// The child side. `hold:PATH`: open the store, print `holding`, keep it until
/// stdin closes. `increment:PATH:N`: N times open, add one to `kv/n` and to
/// `kv/by/<pid>`, commit, close.
#[test]
#[ignore = "entry point of the child processes of the other tests"]
fn child() {
    let task = std::env::var(CHILD_ENV).expect("run by the other tests");
    let mut parts = task.splitn(3, ':');
    match (parts.next(), parts.next(), parts.next()) {
        (Some("hold"), Some(path), None) => {
            let _store = Store::open(path).unwrap();
            println!("holding");
            std::io::stdout().flush().unwrap();
            let mut sink = String::new();
            while std::io::stdin().read_line(&mut sink).unwrap() > 0 {}
        }
        (Some("increment"), Some(n), Some(path)) => {
            let own = format!("kv/by/{}", std::process::id());
            for _ in 0..n.parse::<u32>().unwrap() {
                let store = Store::open_with(path, &options(Duration::from_secs(60))).unwrap();
                let mut tx = store.transaction();
                let n = tx.get::<u64>("kv/n").unwrap().unwrap_or(0);
                let mine = tx.get::<u64>(&own).unwrap().unwrap_or(0);
                tx.set("kv/n", &(n + 1)).unwrap();
                tx.set(&own, &(mine + 1)).unwrap();
                tx.commit().unwrap();
            }
            println!("done");
        }
        other => panic!("unknown child task {other:?}"),
    }
}

#[test]
fn a_second_process_waits_then_fails_clearly() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("unit.sled");
    let (mut holder, mut out) = spawn_child(&format!("hold:{}", path.display()));
    wait_for(&mut out, "holding");

    let timeout = Duration::from_millis(300);
    let err = Store::open_with(&path, &options(timeout)).unwrap_err();
    let StoreError::Locked { waited_ms, .. } = &err else {
        panic!("expected Locked, got {err:?}");
    };
    assert!(
        *waited_ms >= timeout.as_millis() as u64,
        "gave up after {waited_ms} ms"
    );
    let text = err.to_string();
    for part in [
        path.display().to_string(),
        "charm-reactive.lock".into(),
        "another hook".into(),
    ] {
        assert!(text.contains(&part), "{part:?} missing from {text}");
    }

    // Once the holder closes the store, the next open succeeds.
    drop(holder.stdin.take());
    assert!(holder.wait().unwrap().success());
    let store = Store::open_with(&path, &options(Duration::from_secs(10))).unwrap();
    assert!(store.verify().unwrap().is_ok());
}

#[test]
fn a_killed_holder_releases_the_lock() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("unit.sled");
    let (mut holder, mut out) = spawn_child(&format!("hold:{}", path.display()));
    wait_for(&mut out, "holding");
    holder.kill().unwrap();
    holder.wait().unwrap();
    let store = Store::open_with(&path, &options(Duration::from_secs(10))).unwrap();
    assert_eq!(store.generation(), 0);
}

#[test]
fn processes_taking_turns_lose_no_update() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("unit.sled");
    let (processes, rounds) = (4, 25);
    let children: Vec<_> = (0..processes)
        .map(|_| spawn_child(&format!("increment:{rounds}:{}", path.display())))
        .collect();
    for (mut child, mut out) in children {
        wait_for(&mut out, "done");
        assert!(child.wait().unwrap().success());
    }
    let store = Store::open(&path).unwrap();
    let tx = store.transaction();
    let total = (processes * rounds) as u64;
    assert_eq!(
        tx.get::<u64>("kv/n").unwrap(),
        Some(total),
        "an increment was lost"
    );
    let per_process = tx.scan_prefix("kv/by/").unwrap();
    assert_eq!(per_process.len(), processes as usize);
    for (key, _) in &per_process {
        assert_eq!(tx.get::<u64>(key).unwrap(), Some(rounds as u64), "{key}");
    }
    assert_eq!(store.generation(), total);
    assert!(store.verify().unwrap().is_ok());
}

/// A lock file the process cannot create is an error naming it, not a hang.
#[test]
fn an_unusable_directory_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("not-a-dir");
    std::fs::write(&file, b"x").unwrap();
    let err = Store::open(file.join("unit.sled")).unwrap_err();
    assert!(matches!(err, StoreError::LockFile { .. }), "{err:?}");
    assert!(Path::new(&file).is_file());
}
