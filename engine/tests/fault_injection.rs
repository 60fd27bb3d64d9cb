//! Disk faults injected at every write and sync point of one real hook of
//! every example charm.
//!
//! Each example's release binary runs as Juju runs it: a child process with
//! Juju's hook environment and the engine's real hook-tool backend, the tools
//! being the fake Juju of `tests/fake-tools`. An `LD_PRELOAD` shim
//! (`tests/fault_injection/fault_shim.c`, compiled here with the machine's C
//! compiler) numbers every call that writes or syncs a file under the unit's
//! store directory (open with `O_CREAT`, write, pwrite, writev, ftruncate,
//! fallocate, fsync, fdatasync, sync_file_range, rename, mkdir, unlink), and
//! makes the Nth and every later one fail with a chosen errno, as a full or
//! read-only filesystem or a failing device keeps failing.
//!
//! A counting run of the hook gives its number of points; then for every
//! point and each of ENOSPC, EIO and EROFS, the hook runs from the same
//! committed state and must:
//! - end within its time limit;
//! - either exit non-zero having committed nothing (the store, read back by
//!   the real store, equals its state before the hook), or, for a fault that
//!   came after the commit was durable, exit 0 with exactly a clean run's
//!   commit;
//! - when it fails, say which errno (its message names `ENOSPC`, `EIO` or
//!   `EROFS`) and which store;
//! - leave a store on which the same hook, run again without the fault (Juju's
//!   retry), succeeds and ends exactly where a clean run ends, with the same
//!   leader-set and pod-spec-set calls.
//!
//! Without a C compiler the test says so and passes, unless
//! `CHARM_REACTIVE_REQUIRE_FAULTS` is set (CI sets it), where it fails.
//! `-- --nocapture` prints the figures RELIABILITY.md records.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use charm_reactive::store::{Export, OpenOptions, Store};

/// Far more than a hook of these charms takes; a hook still running then is
/// hung (the full-disk hang of issue 10 was forever).
const LIMIT: Duration = Duration::from_secs(60);

/// The errnos injected, with the name the store's message carries and the
/// kernel's text for it (what sled's own panics print).
const ERRNOS: [(i32, &str, &str); 3] = [
    (28, "ENOSPC", "No space left on device"),
    (5, "EIO", "Input/output error"),
    (30, "EROFS", "Read-only file system"),
];

fn required() -> bool {
    std::env::var_os("CHARM_REACTIVE_REQUIRE_FAULTS").is_some_and(|v| !v.is_empty() && v != "0")
}

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// The release binaries of the examples, built if needed (a no-op after
/// `cargo build --workspace --release --bins`, as scripts/test.sh does).
fn example_binaries() -> PathBuf {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let status = Command::new(&cargo)
        .current_dir(repo())
        .args(["build", "--release", "--quiet"])
        .args([
            "-p",
            "sse-endpoint-mock",
            "-p",
            "sse-consumer",
            "-p",
            "sse-consumer-naive",
        ])
        .status()
        .expect("cargo runs");
    assert!(status.success(), "building the examples failed");
    // target/release/deps/fault_injection-<hash> -> target/release
    let exe = std::env::current_exe().unwrap();
    let release = exe.parent().unwrap().parent().unwrap().to_path_buf();
    assert!(
        release.join("sse-consumer").exists(),
        "no sse-consumer in {}",
        release.display()
    );
    release
}

/// Compiles the shim; `None` when there is no C compiler.
fn shim(dir: &Path) -> Option<PathBuf> {
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fault_injection/fault_shim.c");
    let out = dir.join("libfault.so");
    let cc = std::env::var("CC").unwrap_or_else(|_| "cc".into());
    let result = Command::new(&cc)
        .args(["-shared", "-fPIC", "-O2", "-Wall", "-o"])
        .arg(&out)
        .arg(&source)
        .arg("-ldl")
        .output();
    let why = match result {
        Ok(o) if o.status.success() => return Some(out),
        Ok(o) => String::from_utf8_lossy(&o.stderr).into_owned(),
        Err(e) => format!("cannot run {cc}: {e}"),
    };
    let message = format!(
        "fault_injection needs a C compiler for its LD_PRELOAD shim ({why}); \
         CI has gcc and sets CHARM_REACTIVE_REQUIRE_FAULTS=1, where this is a failure"
    );
    assert!(!required(), "{message}");
    eprintln!("SKIPPED: {message}");
    None
}

/// One hook invocation: its name and the fake Juju's answers.
#[derive(Clone)]
struct Hook {
    name: &'static str,
    /// Files of the fake Juju state (relative path, content).
    state: Vec<(&'static str, String)>,
    /// Extra environment (relation hooks), over the defaults.
    env: Vec<(&'static str, String)>,
}

/// One example: its binary, charm directory, unit, the hooks that bring it to
/// a committed state, and the hook under fault.
struct Example {
    binary: &'static str,
    unit: &'static str,
    setup: Vec<Hook>,
    target: Hook,
}

/// The sse-endpoint relation with mock/0, which has sent `url` if any.
fn relation_state(url: Option<&str>) -> Vec<(&'static str, String)> {
    let data = match url {
        Some(url) => serde_json::json!({"base-url": url}),
        None => serde_json::json!({}),
    };
    vec![
        (
            "relation-ids/sse-endpoint.json",
            "[\"sse-endpoint:1\"]".into(),
        ),
        ("relations/1/remote-app", "mock".into()),
        ("relations/1/units.json", "[\"mock/0\"]".into()),
        ("relations/1/data/mock/0.json", data.to_string()),
    ]
}

fn consumer_hooks() -> (Vec<Hook>, Hook) {
    let rel_env: Vec<(&'static str, String)> = [
        ("JUJU_RELATION", "sse-endpoint"),
        ("JUJU_RELATION_ID", "sse-endpoint:1"),
        ("JUJU_REMOTE_UNIT", "mock/0"),
        ("JUJU_REMOTE_APP", "mock"),
    ]
    .into_iter()
    .map(|(k, v)| (k, v.to_owned()))
    .collect();
    let install = Hook {
        name: "install",
        state: vec![],
        env: vec![],
    };
    let joined = Hook {
        name: "sse-endpoint-relation-joined",
        state: relation_state(None),
        env: rel_env.clone(),
    };
    let changed = Hook {
        name: "sse-endpoint-relation-changed",
        state: relation_state(Some("http://sse:8080/v1")),
        env: rel_env,
    };
    (vec![install, joined], changed)
}

fn examples() -> Vec<Example> {
    let (consumer_setup, consumer_target) = consumer_hooks();
    vec![
        Example {
            binary: "sse-endpoint-mock",
            unit: "sse-endpoint/0",
            setup: vec![Hook {
                name: "install",
                state: vec![(
                    "config.json",
                    r#"{"base-url": "http://sse:8080/v1"}"#.into(),
                )],
                env: vec![],
            }],
            target: Hook {
                name: "config-changed",
                state: vec![(
                    "config.json",
                    r#"{"base-url": "http://sse:8080/v2"}"#.into(),
                )],
                env: vec![],
            },
        },
        Example {
            binary: "sse-consumer",
            unit: "con6/0",
            setup: consumer_setup.clone(),
            target: consumer_target.clone(),
        },
        Example {
            binary: "sse-consumer-naive",
            unit: "naive/0",
            setup: consumer_setup,
            target: consumer_target,
        },
    ]
}

/// A unit's world: its charm directory (with the store) and the fake Juju.
struct World {
    root: PathBuf,
}

impl World {
    fn charm(&self) -> PathBuf {
        self.root.join("charm")
    }
    fn juju(&self) -> PathBuf {
        self.root.join("juju")
    }
    fn store(&self, unit: &str) -> PathBuf {
        self.charm()
            .join(".unit-state.sled")
            .join(unit.replace('/', "-"))
    }

    /// A copy of this world at `to`.
    fn copy(&self, to: &Path) -> World {
        let status = Command::new("cp")
            .arg("-a")
            .arg(&self.root)
            .arg(to)
            .status()
            .unwrap();
        assert!(status.success());
        World {
            root: to.to_path_buf(),
        }
    }

    fn calls(&self, tool: &str) -> Vec<Vec<String>> {
        let dir = self.juju().join("calls");
        let mut names: Vec<_> = fs::read_dir(&dir)
            .map(|d| {
                d.filter_map(|e| e.ok().map(|e| e.file_name().to_string_lossy().into_owned()))
                    .filter(|n| n.ends_with(".argv"))
                    .collect()
            })
            .unwrap_or_default();
        names.sort();
        names
            .iter()
            .map(|n| {
                let raw = fs::read(dir.join(n)).unwrap();
                let mut argv: Vec<String> = raw
                    .split(|b| *b == 0)
                    .filter(|a| !a.is_empty())
                    .map(|a| String::from_utf8_lossy(a).into_owned())
                    .collect();
                let stdin = dir.join(n.replace(".argv", ".stdin"));
                if let Ok(s) = fs::read_to_string(stdin) {
                    argv.push(s);
                }
                argv
            })
            .filter(|argv| argv.first().is_some_and(|t| t == tool))
            .collect()
    }

    fn clear_calls(&self) {
        let _ = fs::remove_dir_all(self.juju().join("calls"));
    }

    /// The store as the real store reads it.
    fn export(&self, unit: &str) -> Export {
        let store = Store::open_with(self.store(unit), &OpenOptions::default())
            .unwrap_or_else(|e| panic!("the store does not open: {e}"));
        store.export().expect("the store exports")
    }
}

/// How a hook run ended.
struct Ran {
    code: Option<i32>,
    output: String,
    points: Option<u64>,
}

fn new_world(dir: &Path, release: &Path, example: &Example) -> World {
    let world = World {
        root: dir.to_path_buf(),
    };
    let charm_src = repo().join("examples").join(example.binary).join("charm");
    fs::create_dir_all(world.charm()).unwrap();
    for f in ["metadata.yaml", "config.yaml", "charmcraft.yaml"] {
        if charm_src.join(f).exists() {
            fs::copy(charm_src.join(f), world.charm().join(f)).unwrap();
        }
    }
    // A link, so that copying the world copies no binary.
    std::os::unix::fs::symlink(release.join(example.binary), world.charm().join("dispatch"))
        .unwrap();
    let tools = dir.join("tools");
    fs::create_dir_all(&tools).unwrap();
    let fake = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fake-tools/fake-hook-tool");
    for tool in include_str!("fake-tools/tools.txt")
        .lines()
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
    {
        std::os::unix::fs::symlink(&fake, tools.join(tool)).unwrap();
    }
    fs::create_dir_all(world.juju()).unwrap();
    fs::write(world.juju().join("unit"), example.unit).unwrap();
    fs::write(world.juju().join("leader"), "true").unwrap();
    world
}

/// Runs `hook` in `world`; with `shim`, under the shim (and the fault given).
fn run_hook(
    world: &World,
    example: &Example,
    hook: &Hook,
    shim: Option<(&Path, Option<(u64, i32)>)>,
) -> Ran {
    run_hook_within(world, example, hook, shim, LIMIT)
}

/// [`run_hook`]; a hook still running after `limit` is hung.
fn run_hook_within(
    world: &World,
    example: &Example,
    hook: &Hook,
    shim: Option<(&Path, Option<(u64, i32)>)>,
    limit: Duration,
) -> Ran {
    for (rel, content) in &hook.state {
        let path = world.juju().join(rel);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, content).unwrap();
    }
    let path = format!(
        "{}:{}",
        world.root.join("tools").display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let mut cmd = Command::new(world.charm().join("dispatch"));
    cmd.current_dir(world.charm())
        .env_clear()
        .env("PATH", path)
        .env("FAKE_JUJU_STATE", world.juju())
        .env("JUJU_DISPATCH_PATH", format!("hooks/{}", hook.name))
        .env("JUJU_UNIT_NAME", example.unit)
        .env("JUJU_CHARM_DIR", world.charm())
        .env("JUJU_MODEL_NAME", "faults")
        .env("JUJU_VERSION", "2.8.0")
        .env("CHARM_REACTIVE_HOOK_TOOL_TIMEOUT", "20")
        .envs(hook.env.iter().map(|(k, v)| (k, v)))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let count_file = world.root.join("points");
    if let Some((lib, fault)) = shim {
        cmd.env("LD_PRELOAD", lib)
            .env("FAULT_DIR", world.store(example.unit))
            .env("FAULT_COUNT_FILE", &count_file);
        if let Some((at, errno)) = fault {
            cmd.env("FAULT_AT", at.to_string())
                .env("FAULT_ERRNO", errno.to_string());
        }
    }
    let _ = fs::remove_file(&count_file);
    let mut child = cmd.spawn().expect("the charm binary starts");
    let started = Instant::now();
    let code = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status.code();
        }
        if started.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "{} {} under {shim:?}: still running after {limit:?}: hung",
                example.binary, hook.name
            );
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let out = child.wait_with_output().unwrap();
    let mut output = String::from_utf8_lossy(&out.stdout).into_owned();
    output.push_str(&String::from_utf8_lossy(&out.stderr));
    for log in world.calls("juju-log") {
        output.push_str(&log.join(" "));
        output.push('\n');
    }
    let points = fs::read_to_string(&count_file)
        .ok()
        .and_then(|s| s.trim().parse().ok());
    Ran {
        code,
        output,
        points,
    }
}

/// The calls whose effect Juju keeps: leader-set and pod-spec-set.
fn juju_writes(world: &World) -> Vec<Vec<String>> {
    let mut calls = world.calls("leader-set");
    calls.extend(world.calls("pod-spec-set"));
    calls.extend(world.calls("relation-set"));
    calls
}

/// What the cases of one example came to.
#[derive(Default, Debug)]
struct Tally {
    points: u64,
    cases: u64,
    failed_nothing_committed: u64,
    succeeded_committed: u64,
    sled_panics: u64,
    by_errno: BTreeMap<&'static str, u64>,
}

fn inject_into(example: &Example, release: &Path, lib: &Path, scratch: &Path) -> Tally {
    let base = new_world(
        &scratch.join(format!("{}-base", example.binary)),
        release,
        example,
    );
    for hook in &example.setup {
        let ran = run_hook(&base, example, hook, None);
        assert_eq!(ran.code, Some(0), "setup {}: {}", hook.name, ran.output);
    }
    let before = base.export(example.unit);
    assert!(before.generation >= 1, "the setup hooks committed");
    base.clear_calls();

    // The clean run, and the counting run (under the shim, no fault): the
    // same commit, the same Juju writes.
    let clean = base.copy(&scratch.join(format!("{}-clean", example.binary)));
    let ran = run_hook(&clean, example, &example.target, None);
    assert_eq!(
        ran.code,
        Some(0),
        "clean {}: {}",
        example.target.name,
        ran.output
    );
    let after = clean.export(example.unit);
    assert_eq!(
        after.generation,
        before.generation + 1,
        "the target hook commits"
    );
    assert!(
        after.flags != before.flags || after.kv != before.kv,
        "the target hook changes flags or values"
    );
    let clean_writes = juju_writes(&clean);
    // What the hook run again after a successful run gives.
    let again = clean.copy(&scratch.join(format!("{}-again", example.binary)));
    again.clear_calls();
    let ran = run_hook(&again, example, &example.target, None);
    assert_eq!(ran.code, Some(0), "again: {}", ran.output);
    let after_again = again.export(example.unit);
    let counted = base.copy(&scratch.join(format!("{}-count", example.binary)));
    let ran = run_hook(&counted, example, &example.target, Some((lib, None)));
    assert_eq!(ran.code, Some(0), "counting run: {}", ran.output);
    assert_eq!(
        counted.export(example.unit),
        after,
        "the shim changes nothing"
    );
    let points = ran.points.expect("the shim reports its count");
    assert!(points >= 3, "{}: only {points} points", example.binary);

    let mut tally = Tally {
        points,
        ..Tally::default()
    };
    for at in 1..=points {
        for (errno, name, text) in ERRNOS {
            let case = scratch.join(format!("{}-{at}-{name}", example.binary));
            let world = base.copy(&case);
            let what = format!(
                "{} {} with {name} from point {at}",
                example.binary, example.target.name
            );
            let ran = run_hook(
                &world,
                example,
                &example.target,
                Some((lib, Some((at, errno)))),
            );
            let state = world.export(example.unit);
            match ran.code {
                Some(0) => {
                    assert_eq!(state, after, "{what}: exit 0 but not the clean commit");
                    tally.succeeded_committed += 1;
                }
                Some(code) => {
                    assert_eq!(
                        state, before,
                        "{what}: the hook failed but the store moved:\n{}",
                        ran.output
                    );
                    if code == 101 {
                        // sled 0.34 unwraps some I/O results in its log writer
                        // (pagecache/logger.rs): the process panics, naming
                        // the OS error. Recorded as a finding, not hidden.
                        assert!(
                            ran.output.contains(text),
                            "{what}: a panic that does not name the error:\n{}",
                            ran.output
                        );
                        tally.sled_panics += 1;
                    } else {
                        assert!(
                            ran.output.contains(name),
                            "{what}: the failure does not name {name}:\n{}",
                            ran.output
                        );
                        assert!(
                            ran.output.contains(".unit-state.sled"),
                            "{what}: the failure does not name the store:\n{}",
                            ran.output
                        );
                        tally.failed_nothing_committed += 1;
                        *tally.by_errno.entry(name).or_default() += 1;
                    }
                }
                None => panic!("{what}: killed by a signal:\n{}", ran.output),
            }
            // Juju's retry, the fault cleared.
            world.clear_calls();
            let retry = run_hook(&world, example, &example.target, None);
            assert_eq!(
                retry.code,
                Some(0),
                "{what}: the retry failed:\n{}",
                retry.output
            );
            let retried = world.export(example.unit);
            if ran.code == Some(0) {
                assert_eq!(retried, after_again, "{what}: the next hook");
            } else {
                assert_eq!(retried, after, "{what}: the retry is not the clean run");
                assert_eq!(
                    juju_writes(&world),
                    clean_writes,
                    "{what}: the retry's Juju writes differ"
                );
            }
            tally.cases += 1;
            let _ = fs::remove_dir_all(&case);
        }
    }
    tally
}

#[test]
fn disk_faults_at_every_write_and_sync_point_of_every_example_fail_the_hook_cleanly() {
    let scratch = tempfile::tempdir().unwrap();
    let Some(lib) = shim(scratch.path()) else {
        return;
    };
    let release = example_binaries();
    let mut total = 0;
    for example in examples() {
        let started = Instant::now();
        let tally = inject_into(&example, &release, &lib, scratch.path());
        println!(
            "{} {}: {} points x {} errnos = {} cases: {} failed with nothing committed and \
             the errno named {:?}, {} failed with nothing committed by a panic in sled naming \
             the OS error, {} succeeded with the clean commit (fault after the commit was \
             confirmed); every retry reached the clean state ({:.1?})",
            example.binary,
            example.target.name,
            tally.points,
            ERRNOS.len(),
            tally.cases,
            tally.failed_nothing_committed,
            tally.by_errno,
            tally.sled_panics,
            tally.succeeded_committed,
            started.elapsed()
        );
        assert_eq!(tally.cases, tally.points * ERRNOS.len() as u64);
        total += tally.cases;
    }
    println!("{total} cases in all");
}

/// The error-path logger (a hook that fails before its handlers run logs the
/// error through a fresh hook-tool backend) keeps the hook-tool timeout: with
/// juju-log hanging and a 0.5 s timeout, the hook ends at once with the error
/// on stderr, instead of waiting the 60 s default per call.
#[test]
fn the_error_path_logger_keeps_the_hook_tool_timeout() {
    let scratch = tempfile::tempdir().unwrap();
    let release = example_binaries();
    let example = examples().remove(0);
    let world = new_world(&scratch.path().join("w"), &release, &example);
    // The store path is a file: the store cannot open, so the hook fails
    // before any handler, on the error path.
    let not_a_dir = scratch.path().join("file");
    fs::write(&not_a_dir, "").unwrap();
    fs::create_dir_all(world.juju().join("behaviour")).unwrap();
    fs::write(world.juju().join("behaviour/juju-log.hang"), "").unwrap();
    let hook = Hook {
        name: "install",
        state: vec![],
        env: vec![
            ("CHARM_REACTIVE_STORE", not_a_dir.display().to_string()),
            ("CHARM_REACTIVE_HOOK_TOOL_TIMEOUT", "0.5".into()),
        ],
    };
    let ran = run_hook_within(&world, &example, &hook, None, Duration::from_secs(30));
    assert_eq!(ran.code, Some(1), "{}", ran.output);
    assert!(ran.output.contains("Hook error"), "{}", ran.output);
    assert!(
        ran.output.contains("a unit store is a directory"),
        "{}",
        ran.output
    );
    assert_eq!(
        world.calls("juju-log").len(),
        1,
        "one juju-log, killed at its timeout"
    );
}
