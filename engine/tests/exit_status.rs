//! The exit status follows the commit: a hook that committed exits 0 whatever
//! fails after the commit (the batched juju-log), and a hook that exits 1 has
//! committed nothing. Run through `run_with`, the entry point's own code, with
//! the real `HookTools` backend over the fake hook tools.

use std::path::Path;
use std::time::Duration;

use charm_reactive::backend::HookTools;
use charm_reactive::hook_env::HookEnv;
use charm_reactive::log::Level;
use charm_reactive::store::{OpenOptions, Store};
use charm_reactive::{run_with, when_not, Charm, Context};

#[when_not("configured")]
fn configure(ctx: &mut Context<'_>) -> anyhow::Result<()> {
    ctx.log(Level::Info, "configuring");
    if std::env::var_os("EXIT_STATUS_FAIL").is_some() {
        anyhow::bail!("the handler failed");
    }
    ctx.set_flag("configured");
    Ok(())
}

struct Fake {
    dir: tempfile::TempDir,
}

impl Fake {
    fn new() -> Fake {
        let dir = tempfile::tempdir().unwrap();
        let tools = dir.path().join("tools");
        let state = dir.path().join("state");
        let charm = dir.path().join("charm");
        for d in [&tools, &state, &charm] {
            std::fs::create_dir_all(d).unwrap();
        }
        std::fs::write(charm.join("metadata.yaml"), "name: t\n").unwrap();
        let fake = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fake-tools");
        let names = std::fs::read_to_string(fake.join("tools.txt")).unwrap();
        for tool in names
            .lines()
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
        {
            std::os::unix::fs::symlink(fake.join("fake-hook-tool"), tools.join(tool)).unwrap();
        }
        std::fs::write(state.join("unit"), "t/0").unwrap();
        std::fs::write(state.join("leader"), "false").unwrap();
        Fake { dir }
    }

    fn break_juju_log(&self) {
        let b = self.dir.path().join("state/behaviour");
        std::fs::create_dir_all(&b).unwrap();
        std::fs::write(b.join("juju-log.stderr"), "ERROR connection refused").unwrap();
        std::fs::write(b.join("juju-log.code"), "1").unwrap();
    }

    fn run(&self) -> anyhow::Result<i32> {
        let charm = self.dir.path().join("charm");
        let vars = [
            ("JUJU_UNIT_NAME", "t/0"),
            ("JUJU_HOOK_NAME", "config-changed"),
            ("JUJU_CHARM_DIR", charm.to_str().unwrap()),
        ];
        let env = HookEnv::from_vars(|k| vars.iter().find(|v| v.0 == k).map(|v| v.1.into()), None)
            .unwrap();
        let mut juju = HookTools::new()
            .with_tool_dir(self.dir.path().join("tools"))
            .with_env(
                "FAKE_JUJU_STATE",
                self.dir.path().join("state").to_str().unwrap(),
            )
            .with_timeout(Duration::from_secs(30));
        run_with(&Charm::new(), &env, &mut juju)
    }

    fn committed(&self) -> (u64, bool) {
        let path = self.dir.path().join("charm/.unit-state.sled/t-0");
        let store = Store::open_existing(&path, &OpenOptions::default()).unwrap();
        let configured = store.transaction().contains("flag/configured").unwrap();
        (store.generation(), configured)
    }
}

// One test: the handler reads a process-wide variable.
#[test]
fn a_failing_juju_log_after_the_commit_does_not_fail_the_hook() {
    let fake = Fake::new();
    fake.break_juju_log();
    let code = fake.run().expect("a post-commit failure is no hook error");
    assert_eq!(code, 0, "the hook committed, so it succeeded");
    assert_eq!(fake.committed(), (1, true));

    // A failing handler with a failing juju-log: exit 1, nothing committed.
    let fake = Fake::new();
    {
        // The store exists, with nothing committed in it.
        Store::open(fake.dir.path().join("charm/.unit-state.sled/t-0")).unwrap();
    }
    fake.break_juju_log();
    std::env::set_var("EXIT_STATUS_FAIL", "1");
    let code = fake.run().unwrap();
    std::env::remove_var("EXIT_STATUS_FAIL");
    assert_eq!(code, 1);
    assert_eq!(fake.committed(), (0, false));
}
