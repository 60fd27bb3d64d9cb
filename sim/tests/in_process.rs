//! The controller with an in-process executor: the extension point an
//! in-process harness uses to run a charm's dispatch function instead of a
//! child process, with the same hook tools, ordering and commits.

mod common;

use std::collections::BTreeMap;

use charm_reactive_sim::charm::Charm;
use charm_reactive_sim::controller::{Controller, DeploySpec, Options};
use charm_reactive_sim::model::ModelType;
use charm_reactive_sim::protocol::{Request, Response};
use charm_reactive_sim::runner::{Executor, Exit, HookHandler, HookProcess};
use charm_reactive_sim::version::JujuVersion;

/// Calls a hook tool: `(exit code, stdout + stderr)`.
type Tool<'a> = dyn FnMut(&str, &[&str]) -> (i32, String) + 'a;

/// A "charm" written as a Rust function of the hook name and a tool caller.
type CharmFn = fn(&str, &mut Tool<'_>) -> i32;

struct InProcess(CharmFn);

impl Executor for InProcess {
    fn agent_socket(&self) -> Option<&std::path::Path> {
        None
    }

    fn run(&mut self, _seq: u64, proc: &HookProcess, handler: &mut dyn HookHandler) -> Exit {
        let env: BTreeMap<&str, &str> = proc
            .env
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let context_id = env["JUJU_CONTEXT_ID"].to_string();
        let hook = env["JUJU_HOOK_NAME"].to_string();
        let cwd = proc.cwd.display().to_string();
        let mut call = |cmd: &str, args: &[&str]| -> (i32, String) {
            let req = Request {
                context_id: context_id.clone(),
                cwd: cwd.clone(),
                command: cmd.into(),
                args: args.iter().map(|a| a.to_string()).collect(),
                stdin: Some(String::new()),
            };
            match handler.request(&req) {
                Response::Done {
                    code,
                    stdout,
                    stderr,
                } => (code, stdout + &stderr),
                Response::NeedsStdin => (1, "stdin was sent".into()),
            }
        };
        Exit::Code((self.0)(&hook, &mut call))
    }
}

fn charm(hook: &str, tool: &mut Tool<'_>) -> i32 {
    if hook == "start" {
        let (_, leader) = tool("is-leader", &[]);
        let msg = format!("started, leader={}", leader.trim());
        tool("status-set", &["active", &msg]);
        if leader.trim() == "True" {
            let (code, _) = tool("leader-set", &["token=abc"]);
            return code;
        }
    }
    0
}

#[test]
fn an_in_process_charm_gets_the_same_controller() {
    let dir = tempfile::tempdir().unwrap();
    // The charm dir needs something for the agent to run; the executor decides what runs.
    common::write_charm(&dir.path().join("c"), "name: c\n", None, "", &[]);
    let opts = Options::new(common::hook_tool(), dir.path().join("work"));
    let mut ctl = Controller::with_executor(
        JujuVersion::new(2, 8, 0),
        ModelType::Kubernetes,
        opts,
        Box::new(InProcess(charm)),
    )
    .unwrap();
    ctl.deploy(DeploySpec {
        name: "c".into(),
        charm: Charm::load(&dir.path().join("c")).unwrap(),
        units: 2,
        config: BTreeMap::new(),
        deployment: None,
        env: BTreeMap::new(),
    })
    .unwrap();
    ctl.settle(None).unwrap();
    let leader = ctl.model.unit("c/0").unwrap();
    assert_eq!(leader.status.message, "started, leader=True");
    assert_eq!(
        ctl.model.unit("c/1").unwrap().status.message,
        "started, leader=False"
    );
    assert_eq!(ctl.model.applications["c"].leader_settings["token"], "abc");
    let hooks: Vec<&str> = ctl
        .model
        .unit("c/1")
        .unwrap()
        .hooks
        .iter()
        .map(|h| h.hook.as_str())
        .collect();
    // c/1 runs leader-settings-changed twice: the initial one, and one for
    // c/0's leader-set, which the uniter puts before its pending start.
    assert_eq!(
        hooks,
        [
            "install",
            "leader-settings-changed",
            "config-changed",
            "leader-settings-changed",
            "start"
        ]
    );
}
