//! The command lines of `charm-reactive` and `reactive-replay`: every command
//! and subcommand has its own `--help` (exit 0, on stdout), `--version` prints
//! the crate's version, and usage errors (an unknown flag or command, a flag of
//! another subcommand, a bad value) exit 2 with the usage on stderr.

use std::process::{Command, Output, Stdio};

fn run(program: &str, args: &[&str]) -> Output {
    Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

fn charm_reactive(args: &[&str]) -> Output {
    run(env!("CARGO_BIN_EXE_charm-reactive"), args)
}

fn replay(args: &[&str]) -> Output {
    run(env!("CARGO_BIN_EXE_reactive-replay"), args)
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn each_subcommand_has_its_own_help() {
    // Each help names its own usage and an option only it has.
    for (args, usage, option) in [
        (&["--help"][..], "Usage: charm-reactive <COMMAND>", "store"),
        (
            &["store", "--help"],
            "Usage: charm-reactive store <COMMAND>",
            "import",
        ),
        (
            &["store", "inspect", "--help"],
            "Usage: charm-reactive store inspect",
            "--lock-timeout",
        ),
        (
            &["store", "verify", "-h"],
            "Usage: charm-reactive store verify",
            "--lock-timeout",
        ),
        (
            &["store", "export", "--help"],
            "Usage: charm-reactive store export",
            "--output",
        ),
        (
            &["store", "import", "--help"],
            "Usage: charm-reactive store import",
            "--force",
        ),
        (
            &["graph", "--help"],
            "Usage: charm-reactive graph",
            "--format",
        ),
        (&["lint", "--help"], "Usage: charm-reactive lint", "--allow"),
        (&["help", "lint"], "Usage: charm-reactive lint", "--json"),
    ] {
        let out = charm_reactive(args);
        let stdout = text(&out.stdout);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{args:?}: {}",
            text(&out.stderr)
        );
        assert!(stdout.contains(usage), "{args:?}: {stdout}");
        assert!(stdout.contains(option), "{args:?}: {stdout}");
    }
    // The store's help is not printed for another command's --help.
    let lint = text(&charm_reactive(&["lint", "--help"]).stdout);
    assert!(!lint.contains("--lock-timeout"), "{lint}");
}

#[test]
fn an_unknown_command_with_help_is_a_usage_error() {
    // It used to print the store usage and exit 0.
    let out = charm_reactive(&["anything", "--help"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("unrecognized subcommand 'anything'"));
    assert!(out.stdout.is_empty());
}

#[test]
fn version_prints_the_crate_version() {
    for (out, name) in [
        (charm_reactive(&["--version"]), "charm-reactive"),
        (replay(&["--version"]), "reactive-replay"),
    ] {
        assert_eq!(out.status.code(), Some(0));
        assert_eq!(
            text(&out.stdout),
            format!("{name} {}\n", env!("CARGO_PKG_VERSION"))
        );
    }
}

#[test]
fn usage_errors_exit_2_naming_the_problem() {
    for (args, needle) in [
        (
            &["lint", "x", "--bogus"][..],
            "unexpected argument '--bogus'",
        ),
        (&["lint"], "required arguments were not provided"),
        (&["graph", "x", "--format", "png"], "invalid value 'png'"),
        (&["graph", "x", "y"], "unexpected argument 'y'"),
        (&["graph", "x", "--json"], "unexpected argument '--json'"),
        (
            &["store", "export", "x", "--force"],
            "unexpected argument '--force'",
        ),
        (
            &["store", "inspect", "x", "--lock-timeout", "3601"],
            "from 0 to 3600",
        ),
    ] {
        let out = charm_reactive(args);
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(needle), "{args:?}: {stderr}");
        assert!(
            stderr.contains("Usage: charm-reactive"),
            "{args:?}: {stderr}"
        );
    }
    for (args, needle) in [
        (&["--bogus", "p.json"][..], "unexpected argument '--bogus'"),
        (&[], "required arguments were not provided"),
        (&["a.json", "b.json"], "unexpected argument 'b.json'"),
    ] {
        let out = replay(args);
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(needle), "{args:?}: {stderr}");
    }
    let out = replay(&["--help"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(text(&out.stdout).contains("--stats"));
}

#[test]
fn replay_reads_its_program_after_its_flags_or_before_them() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing.json");
    let missing = missing.to_str().unwrap();
    for args in [[missing, "--compact"], ["--compact", missing]] {
        let out = replay(&args);
        assert_eq!(out.status.code(), Some(2));
        assert!(
            text(&out.stderr).contains("cannot read"),
            "{}",
            text(&out.stderr)
        );
    }
}
