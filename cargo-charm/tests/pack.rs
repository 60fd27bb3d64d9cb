//! `cargo charm` end to end, with the real tools: cargo builds, the packed
//! .charm files run on jujusim, and charmcraft itself (from PyPI, in a venv
//! under target/) analyses them and derives the metadata they must carry.
//!
//! Where Python or PyPI is unavailable the charmcraft checks print `SKIPPED`
//! and why, unless JUJUSIM_REQUIRE_PYTHON is set (CI sets it).

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

use cargo_charm::base::GlibcVersion;
use cargo_charm::glibc::GlibcNeeds;
use serde_json::Value;

/// A fixed SOURCE_DATE_EPOCH (2026-12-02T02:20:00Z).
const EPOCH: &str = "1796178000";

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_owned()
}

/// The workspace's target directory (this test runs from `<target>/release/deps`).
fn target_dir() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    exe.ancestors().nth(3).unwrap().to_owned()
}

fn cargo_charm() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_cargo-charm"));
    cmd.arg("charm").env("SOURCE_DATE_EPOCH", EPOCH);
    cmd
}

fn run(mut cmd: Command) -> Output {
    let out = cmd.output().unwrap_or_else(|e| panic!("{cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?} failed ({}):\n{}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// jujusim, built by `cargo build --workspace --release --bins` (scripts/test.sh).
fn jujusim() -> Command {
    let path = target_dir().join("release/jujusim");
    if !path.exists() {
        let mut build = Command::new(env!("CARGO"));
        build.current_dir(repo()).args([
            "build",
            "--release",
            "-p",
            "charm-reactive-sim",
            "--bins",
        ]);
        run(build);
    }
    Command::new(path)
}

/// The charmcraft venv, built once for the whole test binary.
fn charmcraft_venv() -> Option<PathBuf> {
    static VENV: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    let built = VENV.get_or_init(|| {
        let script = repo().join("cargo-charm/tests/support/make-charmcraft-venv.sh");
        let out = Command::new("sh")
            .arg(script)
            .env("CHARMCRAFT_VENV", target_dir().join("charmcraft-venv"))
            .output()
            .map_err(|e| e.to_string())?;
        if out.status.success() {
            Ok(PathBuf::from(String::from_utf8_lossy(&out.stdout).trim()))
        } else {
            Err(String::from_utf8_lossy(&out.stderr).into_owned())
        }
    });
    match built {
        Ok(p) => Some(p.clone()),
        Err(why) if std::env::var_os("JUJUSIM_REQUIRE_PYTHON").is_some() => {
            panic!("charmcraft's venv is required (JUJUSIM_REQUIRE_PYTHON): {why}")
        }
        Err(why) => {
            eprintln!("SKIPPED charmcraft checks: no charmcraft venv: {why}");
            None
        }
    }
}

/// `charmcraft analyse` must report no ERROR (nor a fatal checker) on `charm`:
/// its exit status is that of the worst result (1 fatal, 2 error, 3 warning,
/// as charmcraft's `LintLevel.return_code`), and every result is listed.
fn assert_analyse_clean(venv: &Path, charm: &Path) {
    let mut cmd = Command::new(venv.join("bin/charmcraft"));
    cmd.args(["analyse", "--format=json"]).arg(charm);
    let out = cmd.output().unwrap();
    let results: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "charmcraft analyse printed no JSON ({e}): {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    assert!(results.len() >= 5, "too few checks: {results:?}");
    let bad: Vec<&Value> = results
        .iter()
        .filter(|r| matches!(r["result"].as_str(), Some("error" | "fatal")))
        .collect();
    assert!(
        bad.is_empty(),
        "{}: charmcraft analyse: {bad:?}",
        charm.display()
    );
    assert!(
        matches!(out.status.code(), Some(0 | 3)),
        "{}: charmcraft analyse exited {}",
        charm.display(),
        out.status
    );
    let metadata = results.iter().find(|r| r["name"] == "metadata").unwrap();
    assert!(
        matches!(metadata["result"].as_str(), Some("ok" | "warning")),
        "metadata.yaml was checked: {metadata}"
    );
}

fn zip_member(charm: &Path, name: &str) -> Vec<u8> {
    use std::io::Read;
    let mut zip = zip::ZipArchive::new(fs::File::open(charm).unwrap()).unwrap();
    let mut member = zip.by_name(name).unwrap_or_else(|e| panic!("{name}: {e}"));
    let mut bytes = Vec::new();
    member.read_to_end(&mut bytes).unwrap();
    bytes
}

fn yaml(bytes: &[u8]) -> Value {
    serde_saphyr::from_str(std::str::from_utf8(bytes).unwrap()).unwrap()
}

/// Every example with a charmcraft.yaml: `(crate dir, package name)`.
fn examples() -> Vec<(PathBuf, String)> {
    let mut out: Vec<_> = fs::read_dir(repo().join("examples"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|d| d.join("charm/charmcraft.yaml").is_file())
        .map(|d| {
            let name = d.file_name().unwrap().to_string_lossy().into_owned();
            (d, name)
        })
        .collect();
    out.sort();
    out
}

fn pack_example(dir: &Path, out_dir: &Path) -> PathBuf {
    let mut cmd = cargo_charm();
    cmd.arg("pack")
        .arg("--manifest-path")
        .arg(dir.join("Cargo.toml"))
        .arg("--output-dir")
        .arg(out_dir);
    run(cmd);
    let name = dir.file_name().unwrap().to_string_lossy();
    out_dir.join(format!("{name}_ubuntu@22.04-amd64.charm"))
}

#[test]
fn every_example_packs_reproducibly_passes_charmcraft_analyse_and_runs_the_main_job() {
    let out_dir = target_dir().join("charms");
    let examples = examples();
    assert!(
        examples.len() >= 3,
        "examples with a charmcraft.yaml: {examples:?}"
    );
    let venv = charmcraft_venv();
    let mut packed = Vec::new();
    for (dir, name) in &examples {
        let charm = pack_example(dir, &out_dir);
        let first = fs::read(&charm).unwrap();
        // Same inputs, same bytes: pack again (cargo has nothing to rebuild).
        assert_eq!(
            fs::read(pack_example(dir, &out_dir)).unwrap(),
            first,
            "{name}"
        );

        let binary = fs::read(target_dir().join("release").join(name)).unwrap();
        assert!(
            zip_member(&charm, "dispatch") == binary,
            "{name}: dispatch is the binary"
        );
        let own = fs::read(dir.join("charm/metadata.yaml")).unwrap();
        assert_eq!(
            zip_member(&charm, "metadata.yaml"),
            own,
            "{name}: own metadata copied"
        );
        let manifest = yaml(&zip_member(&charm, "manifest.yaml"));
        assert_eq!(manifest["bases"][0]["channel"], "22.04");
        assert_eq!(manifest["charmcraft-started-at"], "2026-12-02T02:20:00Z");
        if let Some(venv) = &venv {
            assert_analyse_clean(venv, &charm);
        }
        packed.push((dir.join("charm").canonicalize().unwrap(), charm));
    }

    // The main job, with every application deployed from its .charm file.
    let scenario_path = repo().join("examples/scenarios/sse-replacement.yaml");
    let mut scenario = yaml(&fs::read(&scenario_path).unwrap());
    scenario.as_object_mut().unwrap().remove("build");
    for app in scenario["applications"]
        .as_object_mut()
        .unwrap()
        .values_mut()
    {
        let dir = scenario_path
            .parent()
            .unwrap()
            .join(app["charm"].as_str().unwrap())
            .canonicalize()
            .unwrap();
        let (_, charm) = packed
            .iter()
            .find(|(d, _)| *d == dir)
            .unwrap_or_else(|| panic!("no packed charm for {}", dir.display()));
        app["charm"] = Value::from(charm.display().to_string());
    }
    let packed_scenario = out_dir.join("sse-replacement-packed.yaml");
    fs::write(&packed_scenario, serde_json::to_string(&scenario).unwrap()).unwrap();
    let mut cmd = jujusim();
    cmd.args(["run", "--summary-only"]).arg(&packed_scenario);
    let out = run(cmd);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("== OK"), "{stdout}");
    assert!(
        stdout.contains("con6/3"),
        "the replacement happened: {stdout}"
    );
}

#[test]
fn a_new_charm_tests_simulates_packs_as_charmcraft_would_and_refuses_an_old_base() {
    let tmp = tempfile::tempdir().unwrap();
    let mut new = cargo_charm();
    new.current_dir(tmp.path()).args(["new", "hello"]);
    run(new);
    let charm_dir = tmp.path().join("hello");
    // The workspace's lock file (no resolution, same versions), and one
    // target directory for every run of this test under the workspace's, so
    // the charm's dependencies compile once. Not the workspace's own: cargo
    // fingerprints the engine's path differently from outside the workspace,
    // and each side would rebuild it for the other.
    fs::copy(repo().join("Cargo.lock"), charm_dir.join("Cargo.lock")).unwrap();
    let shared = target_dir().join("new-charm-target");
    fs::create_dir_all(&shared).unwrap();
    std::os::unix::fs::symlink(&shared, charm_dir.join("target")).unwrap();
    let in_charm = |mut cmd: Command| {
        cmd.current_dir(&charm_dir).env_remove("CARGO_TARGET_DIR");
        cmd
    };

    let mut test = Command::new(env!("CARGO"));
    test.args(["test", "--release"]);
    let out = run(in_charm(test));
    let printed = String::from_utf8_lossy(&out.stdout);
    assert!(printed.contains("test result: ok. 3 passed"), "{printed}");

    let mut sim = jujusim();
    sim.args(["run", "--summary-only", "tests/hello.yaml"]);
    let out = run(in_charm(sim));
    let printed = String::from_utf8_lossy(&out.stdout);
    assert!(
        printed.contains("== OK: 4 assertions, 0 failed"),
        "{printed}"
    );

    let mut pack = cargo_charm();
    pack.arg("pack");
    run(in_charm(pack));
    let charm = charm_dir.join("hello_ubuntu@22.04-amd64.charm");
    let hooks: Vec<String> = zip::ZipArchive::new(fs::File::open(&charm).unwrap())
        .unwrap()
        .file_names()
        .filter(|n| n.starts_with("hooks/"))
        .map(str::to_owned)
        .collect();
    for hook in [
        "hooks/install",
        "hooks/start",
        "hooks/upgrade-charm",
        "hooks/cluster-relation-joined",
    ] {
        assert!(hooks.iter().any(|h| h == hook), "{hook} missing: {hooks:?}");
    }

    // The packed charm deploys on jujusim too.
    let scenario = fs::read_to_string(charm_dir.join("tests/hello.yaml"))
        .unwrap()
        .replace(
            "charm: ../charm",
            "charm: ../hello_ubuntu@22.04-amd64.charm",
        );
    fs::write(charm_dir.join("tests/packed.yaml"), scenario).unwrap();
    let mut sim = jujusim();
    sim.args(["run", "--summary-only", "tests/packed.yaml"]);
    run(in_charm(sim));

    if let Some(venv) = charmcraft_venv() {
        assert_analyse_clean(&venv, &charm);
        // charmcraft's own derivation of the same project is what the charm holds.
        let mut derive = Command::new(venv.join("bin/python3"));
        derive
            .arg(repo().join("cargo-charm/tests/support/charmcraft_derive.py"))
            .arg(&charm_dir);
        let expected: Value = serde_json::from_slice(&run(derive).stdout).unwrap();
        assert_eq!(
            yaml(&zip_member(&charm, "metadata.yaml")),
            expected["metadata"]
        );
        assert_eq!(yaml(&zip_member(&charm, "config.yaml")), expected["config"]);
        assert_eq!(
            yaml(&zip_member(&charm, "actions.yaml")),
            expected["actions"]
        );
    }

    // A base older than this machine's glibc: the binary built here needs more.
    let binary = shared.join("release/hello");
    let newest = GlibcNeeds::read(&binary).unwrap().newest().unwrap();
    assert!(
        newest
            > GlibcVersion {
                major: 2,
                minor: 31
            },
        "the binary built here needs glibc {newest}, which ubuntu@20.04 has: nothing to refuse"
    );
    let charmcraft = charm_dir.join("charmcraft.yaml");
    let text = fs::read_to_string(&charmcraft).unwrap();
    fs::write(
        &charmcraft,
        text.replace("base: ubuntu@22.04", "base: ubuntu@20.04"),
    )
    .unwrap();
    fs::remove_file(&charm).unwrap();
    let mut pack = cargo_charm();
    pack.arg("pack");
    let out = in_charm(pack).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "needs glibc {newest} but ubuntu@20.04 has glibc 2.31"
        )),
        "{stderr}"
    );
    assert!(
        stderr.contains("--target x86_64-unknown-linux-musl"),
        "{stderr}"
    );
    assert!(stderr.contains("plugin: rust"), "{stderr}");
    assert!(!charm_dir.join("hello_ubuntu@20.04-amd64.charm").exists());
}
