//! SIGKILL at random points while hooks commit: after every kill the store opens
//! and holds exactly the last committed hook's state or the next one's, never a
//! mix, never less than what was reported committed.
//!
//! The child is this test binary run again on its ignored `kill_child` test: it
//! runs hooks in a loop, each in the way a real hook process does (open the
//! store, run_hook, close), printing `begin M` before and `committed M` after
//! each. Every hook writes one consistent set: kv `n` = M, kv `a`, `b`, `c` and
//! `mirror` (written by a second handler) = M, a 4 KiB kv blob of byte M % 251,
//! flag `count` with value M, flag `even` or `odd` for M's parity (the other
//! cleared), and the store's generation is M.
//!
//! The same child, told to stop after a number of hooks, also races other
//! children on one store (`concurrent_hooks_take_turns`): every hook waits for
//! the lock and none is lost.
//!
//! `CHARM_REACTIVE_KILLS` sets the number of kills (100 by default; 1000 for
//! the long run), `CHARM_REACTIVE_KILL_SEED` the seed of the kill delays.

use std::io::{BufRead, Read};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use charm_reactive::backend::{MemoryBackend, Model};
use charm_reactive::store::{OpenOptions, Store};
use charm_reactive::{run_hook, Handler, HookInfo, Registry};

const CHILD_ENV: &str = "CHARM_REACTIVE_KILL_CHILD";
/// When set, the child stops after this many hooks instead of running until killed.
const HOOKS_ENV: &str = "CHARM_REACTIVE_CHILD_HOOKS";
const BLOB_LEN: usize = 4096;
/// Two in five kills land uniformly in this window after the child starts
/// (prints `started`): the first open after a kill is sled's recovery, which
/// takes up to about a hundred ms in a debug build.
const OPEN_WINDOW_US: u64 = 150_000;
/// The others land this long after the child began its first, second or third
/// hook: a hook (open, dispatch, commit, close) takes about 6 ms in a debug build.
const HOOK_WINDOW_US: u64 = 8_000;

fn registry() -> Registry {
    Registry::builder()
        .handler(
            Handler::new("count", |ctx| {
                let m = ctx.kv().get::<u64>("n")?.unwrap_or(0) + 1;
                for key in ["n", "a", "b", "c"] {
                    ctx.kv().set(key, &m)?;
                }
                ctx.kv().set("blob", &vec![(m % 251) as u8; BLOB_LEN])?;
                ctx.set_flag_value("count", &m);
                ctx.toggle_flag("even", m.is_multiple_of(2));
                ctx.toggle_flag("odd", m % 2 == 1);
                Ok(())
            })
            .hook(["update-status"]),
        )
        .handler(
            Handler::new("mirror", |ctx| {
                let n = ctx.kv().get::<u64>("n")?;
                ctx.kv().set("mirror", &n)?;
                Ok(())
            })
            .when_any(["even", "odd"]),
        )
        .build()
        .unwrap()
}

/// The child: hooks forever, until killed.
#[test]
#[ignore = "entry point of the child process of kill_at_random_points"]
fn kill_child() {
    let path = std::env::var(CHILD_ENV).expect("run by kill_at_random_points");
    let hooks: Option<u64> = std::env::var(HOOKS_ENV).ok().map(|v| v.parse().unwrap());
    println!("started");
    let registry = Arc::new(registry());
    let options = OpenOptions {
        lock_timeout: Duration::from_secs(60),
        ..OpenOptions::default()
    };
    for _ in 0..hooks.unwrap_or(u64::MAX) {
        let store = Store::open_with(&path, &options).unwrap();
        let next = store.transaction().get::<u64>("kv/n").unwrap().unwrap_or(0) + 1;
        println!("begin {next}");
        let hook = HookInfo {
            name: "update-status".into(),
            unit: "app/0".into(),
            ..HookInfo::default()
        };
        let outcome = run_hook(
            Arc::clone(&registry),
            &store,
            hook,
            &mut MemoryBackend::new(Model::new("app/0")),
        );
        assert!(outcome.committed, "{:?}", outcome.error);
        println!("committed {next}");
    }
}

/// What the child reported before it died.
#[derive(Debug, PartialEq)]
enum LastLine {
    Nothing,
    Begin(u64),
    Committed(u64),
}

fn last_line(output: &str) -> LastLine {
    let Some(line) = output
        .lines()
        .rev()
        .find(|l| l.starts_with("begin ") || l.starts_with("committed "))
    else {
        return LastLine::Nothing;
    };
    let (word, n) = line.split_once(' ').unwrap();
    // A line cut by the kill has no newline; only whole lines count.
    let n: u64 = n
        .parse()
        .unwrap_or_else(|_| panic!("bad child line {line:?}"));
    if word == "begin" {
        LastLine::Begin(n)
    } else {
        LastLine::Committed(n)
    }
}

/// Checks the store is one hook's consistent state and returns its counter
/// and whether the open had to set aside an unfinished sled snapshot.
fn committed_state(path: &Path) -> (u64, bool) {
    let store = Store::open_with(
        path,
        &OpenOptions {
            lock_timeout: Duration::from_secs(30),
            ..OpenOptions::default()
        },
    )
    .unwrap_or_else(|e| panic!("the store does not open after a kill: {e}"));
    let report = store.verify().unwrap();
    assert!(report.is_ok(), "{report:?}");
    let tx = store.transaction();
    let n = tx.get::<u64>("kv/n").unwrap().unwrap_or(0);
    assert_eq!(store.generation(), n, "generation and counter disagree");
    if n == 0 {
        assert_eq!(
            (report.flags, report.kv, report.internal),
            (0, 0, 0),
            "a store with no committed hook holds only its own records"
        );
        return (0, !store.set_aside().is_empty());
    }
    for key in ["kv/a", "kv/b", "kv/c"] {
        assert_eq!(
            tx.get::<u64>(key).unwrap(),
            Some(n),
            "{key} mixes two hooks"
        );
    }
    assert_eq!(
        tx.get::<Option<u64>>("kv/mirror").unwrap(),
        Some(Some(n)),
        "mirror mixes two hooks"
    );
    let blob = tx.get::<Vec<u8>>("kv/blob").unwrap().unwrap();
    assert!(
        blob.len() == BLOB_LEN && blob.iter().all(|&b| b == (n % 251) as u8),
        "blob mixes two hooks"
    );
    let count = tx.get_raw("flag/count").unwrap().unwrap();
    assert_eq!(
        charm_reactive::store::codec::decode::<u64>(&count).unwrap(),
        n,
        "flag value mixes two hooks"
    );
    assert_eq!(
        tx.contains("flag/even").unwrap(),
        n.is_multiple_of(2),
        "flag even mixes two hooks"
    );
    assert_eq!(
        tx.contains("flag/odd").unwrap(),
        n % 2 == 1,
        "flag odd mixes two hooks"
    );
    (n, !store.set_aside().is_empty())
}

/// Copies a failing store out of the temporary directory, for diagnosis.
fn keep(path: &Path) -> std::path::PathBuf {
    let kept = std::env::temp_dir().join(format!(
        "charm-reactive-kill-failure-{}",
        std::process::id()
    ));
    std::fs::create_dir_all(&kept).unwrap();
    for entry in std::fs::read_dir(path).unwrap() {
        let entry = entry.unwrap();
        if entry.file_type().unwrap().is_file() {
            std::fs::copy(entry.path(), kept.join(entry.file_name())).unwrap();
        }
    }
    kept
}

/// Where the kills landed.
#[derive(Debug, Default)]
struct Landings {
    /// Before the child's first hook began (opening the store, sled recovery).
    before_first_hook: usize,
    /// While a hook ran and the store then held the previous hook's state.
    in_hook_old_state: usize,
    /// While a hook ran (its commit done, its report not printed) and the store
    /// then held the new state.
    in_hook_new_state: usize,
    /// After a hook's report: closing its store, opening the next hook's.
    between_hooks: usize,
    /// Kills that left an unfinished sled snapshot, set aside by the next open
    /// (without which sled 0.34 would not open the store again).
    unfinished_snapshots_set_aside: usize,
}

#[test]
fn kill_at_random_points() {
    let kills: usize = std::env::var("CHARM_REACTIVE_KILLS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100);
    let seed: u64 = std::env::var("CHARM_REACTIVE_KILL_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(7);
    let mut rng = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("app-0");
    let mut landings = Landings::default();
    let mut committed = 0u64;
    for round in 0..kills {
        let mut child = Command::new(std::env::current_exe().unwrap())
            .args([
                "kill_child",
                "--exact",
                "--ignored",
                "--nocapture",
                "--test-threads=1",
                "-q",
            ])
            .env(CHILD_ENV, &path)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut stdout = std::io::BufReader::new(child.stdout.take().unwrap());
        let mut output = String::new();
        // The test harness prints its own lines first.
        let mut line = String::new();
        while line != "started\n" {
            line.clear();
            assert!(
                stdout.read_line(&mut line).unwrap() > 0,
                "round {round}: the child died before starting"
            );
        }
        let mut next = || {
            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            rng
        };
        if next() % 5 < 2 {
            // Anywhere from the start: mostly inside the first open, which
            // after a kill is sled's recovery (it rewrites parts of the log).
            std::thread::sleep(Duration::from_micros(next() % OPEN_WINDOW_US));
        } else {
            // Inside or right after one of the first hooks.
            let hooks = 1 + next() % 3;
            let mut begun = 0;
            while begun < hooks {
                line.clear();
                assert!(
                    stdout.read_line(&mut line).unwrap() > 0,
                    "round {round}: the child died"
                );
                output.push_str(&line);
                begun += u64::from(line.starts_with("begin "));
            }
            std::thread::sleep(Duration::from_micros(next() % HOOK_WINDOW_US));
        }
        child.kill().unwrap();
        let status = child.wait().unwrap();
        assert!(
            !status.success(),
            "round {round}: the child ended by itself: {status:?}"
        );
        stdout.read_to_string(&mut output).unwrap();

        let (n, set_aside) =
            std::panic::catch_unwind(|| committed_state(&path)).unwrap_or_else(|panic| {
                eprintln!(
                    "round {round}: the store after the kill is kept in {}",
                    keep(&path).display()
                );
                std::panic::resume_unwind(panic)
            });
        match last_line(&output) {
            LastLine::Nothing => {
                assert_eq!(
                    n, committed,
                    "round {round}: state changed though no hook began"
                );
                landings.before_first_hook += 1;
            }
            LastLine::Committed(m) => {
                assert_eq!(
                    n, m,
                    "round {round}: reported committed {m}, store holds {n}"
                );
                landings.between_hooks += 1;
            }
            LastLine::Begin(m) if n == m - 1 => landings.in_hook_old_state += 1,
            LastLine::Begin(m) if n == m => landings.in_hook_new_state += 1,
            LastLine::Begin(m) => panic!("round {round}: hook {m} began, store holds {n}"),
        }
        landings.unfinished_snapshots_set_aside += usize::from(set_aside);
        assert!(
            n >= committed,
            "round {round}: committed state went back from {committed} to {n}"
        );
        committed = n;
    }
    eprintln!("{kills} kills, {committed} hooks committed: {landings:?}");
    assert!(
        landings.in_hook_old_state + landings.in_hook_new_state > 0,
        "no kill landed inside a hook: {landings:?}"
    );
}

/// Three processes run hooks on one store at once, as two hook processes of
/// one unit would if Juju's machine lock failed: each waits for the store's
/// lock, and every hook is committed exactly once.
#[test]
fn concurrent_hooks_take_turns() {
    let (processes, hooks) = (3u64, 30u64);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("app-0");
    let children: Vec<_> = (0..processes)
        .map(|_| {
            Command::new(std::env::current_exe().unwrap())
                .args([
                    "kill_child",
                    "--exact",
                    "--ignored",
                    "--nocapture",
                    "--test-threads=1",
                    "-q",
                ])
                .env(CHILD_ENV, &path)
                .env(HOOKS_ENV, hooks.to_string())
                .stdin(Stdio::null())
                .stdout(Stdio::piped())
                .stderr(Stdio::null())
                .spawn()
                .unwrap()
        })
        .collect();
    let mut committed = Vec::new();
    for child in children {
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success(), "a child failed: {:?}", out.status);
        let text = String::from_utf8(out.stdout).unwrap();
        committed.extend(
            text.lines()
                .filter_map(|l| l.strip_prefix("committed "))
                .map(|n| n.parse::<u64>().unwrap()),
        );
    }
    // Every hook saw the previous one's commit: the counters are 1..=90, each once.
    committed.sort_unstable();
    assert_eq!(committed, (1..=processes * hooks).collect::<Vec<_>>());
    let (n, _) = committed_state(&path);
    assert_eq!(n, processes * hooks);
}
