//! `jujusim-hook-tool`: the multi-call hook tool of jujusim.
//!
//! Installed as symlinks named after Juju's hook tools (`relation-get`,
//! `status-set`, ...), it dispatches on the basename of `argv[0]`, sends the
//! call to the simulator over the socket named in the environment, and
//! reproduces the answer: stdout, stderr and exit code. Called by its own name,
//! the first argument is the tool (`jujusim-hook-tool is-leader`).

use std::io::{Read, Write};
use std::path::Path;
use std::process::ExitCode;

use charm_reactive_sim::protocol::{call, Request, SOCKET_ENV};

fn fail(msg: &str) -> ExitCode {
    eprintln!("error: {msg}");
    ExitCode::from(1)
}

fn main() -> ExitCode {
    let mut argv: Vec<String> = std::env::args_os()
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    if argv.is_empty() {
        return fail("no command name");
    }
    let mut name = Path::new(&argv[0])
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    argv.remove(0);
    if name == "jujusim-hook-tool" {
        if argv.is_empty() {
            return fail("usage: jujusim-hook-tool <tool> [args...]");
        }
        name = argv.remove(0);
    }
    let Ok(context_id) = std::env::var("JUJU_CONTEXT_ID") else {
        return fail("JUJU_CONTEXT_ID not set");
    };
    let socket = [SOCKET_ENV, "JUJU_AGENT_SOCKET_ADDRESS", "JUJU_AGENT_SOCKET"]
        .iter()
        .find_map(|k| std::env::var(k).ok().filter(|v| !v.is_empty()));
    let Some(socket) = socket else {
        return fail("JUJU_AGENT_SOCKET_ADDRESS not set");
    };
    let cwd = match std::env::current_dir() {
        Ok(d) => d.to_string_lossy().into_owned(),
        Err(e) => return fail(&format!("cannot get working directory: {e}")),
    };
    let req = Request {
        context_id,
        cwd,
        command: name,
        args: argv,
        stdin: None,
    };
    let read_stdin = || {
        let mut s = String::new();
        std::io::stdin().read_to_string(&mut s).map(|_| s)
    };
    match call(Path::new(&socket), req, read_stdin) {
        Ok((code, stdout, stderr)) => {
            let _ = std::io::stdout().write_all(stdout.as_bytes());
            let _ = std::io::stderr().write_all(stderr.as_bytes());
            ExitCode::from(u8::try_from(code).unwrap_or(1))
        }
        Err(e) => fail(&format!("dial unix {socket}: {e}")),
    }
}
