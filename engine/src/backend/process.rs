//! Running one hook tool: spawn, feed stdin, collect output, enforce a timeout.

use std::ffi::OsString;
use std::io::{self, Read, Write};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use super::error::BackendError;

/// Linux's errno for "Argument list too long".
const E2BIG: i32 = 7;

/// The most a tool may print on one stream. Juju's answers are bounded by
/// what the model holds (relation data, config, a pod spec); 64 MiB is far
/// beyond any of them and keeps a tool that prints forever from filling memory.
pub(crate) const MAX_OUTPUT: usize = 64 << 20;

/// What a finished tool produced.
#[derive(Debug)]
pub(crate) struct Output {
    /// Exit code, `None` if killed by a signal.
    pub(crate) code: Option<i32>,
    pub(crate) stdout: Vec<u8>,
    pub(crate) stderr: Vec<u8>,
}

/// How to run a tool.
pub(crate) struct Spawn<'a> {
    /// The tool's name, for errors.
    pub(crate) tool: &'a str,
    /// What to execute: the bare name (found on `PATH`) or a full path.
    pub(crate) program: OsString,
    pub(crate) args: &'a [String],
    pub(crate) stdin: Option<&'a [u8]>,
    /// Extra environment variables.
    pub(crate) env: &'a [(String, String)],
    pub(crate) timeout: Duration,
    /// The most the tool may print on each stream ([`MAX_OUTPUT`] for hook tools).
    pub(crate) max_output: usize,
}

/// Runs the tool to completion or until the timeout, when it is killed.
///
/// Output is read on helper threads so that neither a large stdin nor a large
/// stdout can deadlock the call. On timeout the child is killed and reaped; a
/// grandchild still holding the pipes only keeps its reader thread alive (real
/// hook tools do not fork).
pub(crate) fn run(spec: &Spawn<'_>) -> Result<Output, BackendError> {
    let mut child = spawn(spec)?;
    let deadline = Instant::now() + spec.timeout;

    if let (Some(input), Some(mut pipe)) = (spec.stdin, child.stdin.take()) {
        let input = input.to_vec();
        // A tool that exits without reading stdin makes this fail with EPIPE;
        // its exit status tells the real story.
        thread::spawn(move || {
            let _ = pipe.write_all(&input);
        });
    }

    let (tx, rx) = mpsc::channel();
    for (stream, pipe) in [
        (
            Stream::Out,
            child
                .stdout
                .take()
                .map(|p| Box::new(p) as Box<dyn Read + Send>),
        ),
        (
            Stream::Err,
            child
                .stderr
                .take()
                .map(|p| Box::new(p) as Box<dyn Read + Send>),
        ),
    ] {
        let Some(pipe) = pipe else { continue };
        let tx = tx.clone();
        let limit = spec.max_output;
        thread::spawn(move || {
            let mut buf = Vec::new();
            // One byte more than the limit tells "at the limit" from "over it".
            let res = pipe
                .take(limit as u64 + 1)
                .read_to_end(&mut buf)
                .map(|_| buf);
            let _ = tx.send((stream, res));
        });
    }
    drop(tx);

    let mut stdout = Vec::new();
    let mut stderr = Vec::new();
    for _ in 0..2 {
        let left = deadline.saturating_duration_since(Instant::now());
        match rx.recv_timeout(left) {
            Ok((stream, Ok(buf))) if buf.len() > spec.max_output => {
                kill(&mut child);
                return Err(BackendError::OutputTooLarge {
                    tool: spec.tool.into(),
                    stream: match stream {
                        Stream::Out => "stdout",
                        Stream::Err => "stderr",
                    },
                    limit: spec.max_output,
                });
            }
            Ok((stream, Ok(buf))) => match stream {
                Stream::Out => stdout = buf,
                Stream::Err => stderr = buf,
            },
            Ok((_, Err(source))) => {
                kill(&mut child);
                return Err(BackendError::Io {
                    tool: spec.tool.into(),
                    source,
                });
            }
            Err(mpsc::RecvTimeoutError::Timeout) => return Err(timed_out(spec, &mut child)),
            Err(mpsc::RecvTimeoutError::Disconnected) => break,
        }
    }

    // The pipes are closed: the tool has almost certainly exited.
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if Instant::now() >= deadline => return Err(timed_out(spec, &mut child)),
            Ok(None) => thread::sleep(Duration::from_millis(1)),
            Err(source) => {
                return Err(BackendError::Io {
                    tool: spec.tool.into(),
                    source,
                })
            }
        }
    };
    Ok(Output {
        code: status.code(),
        stdout,
        stderr,
    })
}

#[derive(Clone, Copy)]
enum Stream {
    Out,
    Err,
}

fn spawn(spec: &Spawn<'_>) -> Result<Child, BackendError> {
    Command::new(&spec.program)
        .args(spec.args)
        .envs(spec.env.iter().map(|(k, v)| (k, v)))
        .stdin(if spec.stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|source| spawn_error(spec, source))
}

fn spawn_error(spec: &Spawn<'_>, source: io::Error) -> BackendError {
    let tool = spec.tool.to_string();
    if source.kind() == io::ErrorKind::NotFound {
        return BackendError::ToolMissing { tool };
    }
    if source.raw_os_error() == Some(E2BIG) {
        let bytes = spec.args.iter().map(|a| a.len() + 1).sum();
        return BackendError::ArgumentsTooLong { tool, bytes };
    }
    BackendError::Io { tool, source }
}

fn kill(child: &mut Child) {
    // Errors mean the child already exited; waiting reaps it either way.
    let _ = child.kill();
    let _ = child.wait();
}

fn timed_out(spec: &Spawn<'_>, child: &mut Child) -> BackendError {
    kill(child);
    BackendError::Timeout {
        tool: spec.tool.into(),
        after: spec.timeout,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sh(script: &str, stdin: Option<&[u8]>, timeout: Duration) -> Result<Output, BackendError> {
        let args = vec!["-c".to_string(), script.to_string()];
        run(&Spawn {
            tool: "sh",
            program: "sh".into(),
            args: &args,
            stdin,
            env: &[("FAKE_VAR".into(), "42".into())],
            timeout,
            max_output: MAX_OUTPUT,
        })
    }

    #[test]
    fn collects_output_code_and_env() {
        let out = sh(
            "echo out $FAKE_VAR; echo err >&2; exit 3",
            None,
            Duration::from_secs(30),
        )
        .unwrap();
        assert_eq!(out.code, Some(3));
        assert_eq!(out.stdout, b"out 42\n");
        assert_eq!(out.stderr, b"err\n");
    }

    #[test]
    fn large_stdin_and_stdout_do_not_deadlock() {
        let input = vec![b'x'; 1 << 20];
        let out = sh("cat", Some(&input), Duration::from_secs(60)).unwrap();
        assert_eq!(out.code, Some(0));
        assert_eq!(out.stdout.len(), 1 << 20);
    }

    #[test]
    fn a_tool_ignoring_stdin_still_finishes() {
        let input = vec![b'x'; 1 << 20];
        let out = sh("exit 0", Some(&input), Duration::from_secs(30)).unwrap();
        assert_eq!(out.code, Some(0));
    }

    #[test]
    fn endless_output_is_cut_and_the_tool_killed() {
        let args = vec!["-c".to_string(), "exec yes".to_string()];
        let e = run(&Spawn {
            tool: "config-get",
            program: "sh".into(),
            args: &args,
            stdin: None,
            env: &[],
            timeout: Duration::from_secs(60),
            max_output: 1 << 20,
        })
        .unwrap_err();
        assert!(
            matches!(e, BackendError::OutputTooLarge { ref tool, stream: "stdout", limit } if tool == "config-get" && limit == 1 << 20),
            "{e:?}"
        );
        let ok = sh("head -c 1048576 /dev/zero", None, Duration::from_secs(60)).unwrap();
        assert_eq!(ok.stdout.len(), 1 << 20);
    }

    #[test]
    fn hanging_tool_is_killed() {
        let e = sh("exec sleep 600", None, Duration::from_millis(100)).unwrap_err();
        assert!(
            matches!(e, BackendError::Timeout { ref tool, after } if tool == "sh" && after == Duration::from_millis(100))
        );
    }

    #[test]
    fn missing_program_is_tool_missing() {
        let e = run(&Spawn {
            tool: "no-such-tool",
            program: "/nonexistent/dir/no-such-tool".into(),
            args: &[],
            stdin: None,
            env: &[],
            timeout: Duration::from_secs(1),
            max_output: MAX_OUTPUT,
        })
        .unwrap_err();
        assert!(matches!(e, BackendError::ToolMissing { ref tool } if tool == "no-such-tool"));
    }

    #[test]
    fn too_long_arguments_are_reported() {
        // One argument over Linux's per-argument limit (MAX_ARG_STRLEN, 128 KiB).
        let args = vec!["a".repeat(200 * 1024)];
        let e = run(&Spawn {
            tool: "true",
            program: "true".into(),
            args: &args,
            stdin: None,
            env: &[],
            timeout: Duration::from_secs(5),
            max_output: MAX_OUTPUT,
        })
        .unwrap_err();
        assert!(
            matches!(e, BackendError::ArgumentsTooLong { bytes, .. } if bytes == 200 * 1024 + 1),
            "{e:?}"
        );
    }
}
