//! Every conformance fixture (tests/conformance: programs with the real
//! charms.reactive 1.5.3's output) run through the engine, compared field by
//! field. The text of `error` and of ERROR log lines may differ (Python prints a
//! traceback); everything else must be identical.

use std::path::{Path, PathBuf};

use charm_reactive::replay::{Program, ReplayResult};

fn fixtures() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/conformance");
    let mut out = Vec::new();
    for group in std::fs::read_dir(&root).expect("tests/conformance exists") {
        let group = group.unwrap().path();
        if !group.is_dir() {
            continue;
        }
        for f in std::fs::read_dir(&group).unwrap() {
            let f = f.unwrap().path();
            if f.to_string_lossy().ends_with(".program.json") {
                out.push(f);
            }
        }
    }
    out.sort();
    out
}

/// The differences between the oracle's result and ours, one line each.
fn differences(expected: &ReplayResult, got: &ReplayResult) -> Vec<String> {
    let mut diffs = Vec::new();
    let mut field =
        |name: &str, same: bool, exp: &dyn std::fmt::Debug, got: &dyn std::fmt::Debug| {
            if !same {
                let (exp, got) = (format!("{exp:?}"), format!("{got:?}"));
                diffs.push(format!(
                    "  {name}:\n    expected {}\n    got      {}",
                    clip(&exp),
                    clip(&got)
                ));
            }
        };
    // A field compared for equality, named as in the result JSON.
    macro_rules! same {
        ($f:ident) => {
            field(stringify!($f), expected.$f == got.$f, &expected.$f, &got.$f)
        };
    }
    same!(invoked);
    same!(final_flags);
    same!(tracer);
    field(
        "error (null or not)",
        expected.error.is_none() == got.error.is_none(),
        &expected.error,
        &got.error,
    );
    same!(committed);
    same!(persisted_flags);
    same!(hook_tool_calls);
    let same_log = expected.log.len() == got.log.len()
        && expected
            .log
            .iter()
            .zip(&got.log)
            .all(|(e, g)| e == g || (e.0 == "ERROR" && g.0 == "ERROR"));
    field("log", same_log, &expected.log, &got.log);
    diffs
}

/// Keeps a failure report readable: long fields are cut.
fn clip(s: &str) -> String {
    const MAX: usize = 600;
    match s.char_indices().nth(MAX) {
        Some((i, _)) => format!("{}... ({} chars)", &s[..i], s.chars().count()),
        None => s.to_owned(),
    }
}

#[test]
fn every_fixture_matches_charms_reactive() {
    let fixtures = fixtures();
    assert!(
        fixtures.len() >= 310,
        "expected the full corpus, found {} programs",
        fixtures.len()
    );
    let mut failures = Vec::new();
    for program_path in &fixtures {
        let expected_path = PathBuf::from(
            program_path
                .to_string_lossy()
                .replace(".program.json", ".expected.json"),
        );
        let program = Program::from_json(&std::fs::read_to_string(program_path).unwrap())
            .unwrap_or_else(|e| panic!("{}: {e}", program_path.display()));
        let expected: ReplayResult =
            serde_json::from_str(&std::fs::read_to_string(&expected_path).unwrap()).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let got = program.run(dir.path()).unwrap();
        let diffs = differences(&expected, &got);
        if !diffs.is_empty() {
            failures.push(format!("{}:\n{}", program_path.display(), diffs.join("\n")));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} fixtures differ from charms.reactive (first 5 shown):\n{}",
        failures.len(),
        fixtures.len(),
        failures
            .iter()
            .take(5)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
}
