//! The scenario reader, fuzzed: arbitrary YAML shapes built from the format's
//! own keys and hostile values (huge, negative, wrong-typed, deeply nested),
//! valid scenarios with random edits, and arbitrary text. No input may panic;
//! a refusal is a `ScenarioError`, and an accepted scenario is within the
//! bounds jujusim runs (`scenario::limits`).
//!
//! `CHARM_REACTIVE_FUZZ_CASES` scales the case counts (seeded, so CI runs the
//! same cases every time).

use std::path::Path;

use charm_reactive_sim::scenario::limits::{MAX_HOOK_TIMEOUT, MAX_UNITS};
use charm_reactive_sim::scenario::{Scenario, ScenarioError, Step, Wait};
use charm_reactive_testing::fuzz;
use proptest::prelude::*;
use serde_json::{Map, Value};

/// Every key of the format, at any level (a key in the wrong place must be
/// refused as an unknown field, not crash).
const KEYS: &[&str] = &[
    "juju-version",
    "model-type",
    "charm-dir",
    "stale-leases",
    "app-flag-prefix",
    "max-replacements",
    "hook-timeout",
    "allow-hook-errors",
    "build",
    "applications",
    "steps",
    "charm",
    "base",
    "arch",
    "units",
    "config",
    "deployment",
    "env",
    "flags-command",
    "flags-file",
    "deploy",
    "relate",
    "scale",
    "add-unit",
    "remove",
    "resolve",
    "run-action",
    "wait",
    "assert",
    "unit",
    "app",
    "relation",
    "retry",
    "action",
    "params",
    "seconds",
    "set",
    "reset",
    "label",
    "status",
    "message",
    "never-status",
    "hooks-include",
    "pod-spec-changes",
    "leader",
    "flags",
    "state",
    "unit-count",
    "replacements",
    "app-flags",
    "log-contains",
    "a",
    "con6",
];

fn scalar() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        prop::sample::select(vec![
            0i128,
            1,
            2,
            100,
            101,
            -1,
            86_400,
            86_401,
            4_000_000_000,
            100_000,
            u64::MAX as i128,
            i64::MIN as i128,
        ])
        .prop_map(|n| serde_json::from_str(&n.to_string()).unwrap()),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter("JSON numbers are finite", |f| f.is_finite())
            .prop_map(Value::from),
        prop::sample::select(vec![
            "settled",
            "a",
            "a/0",
            "a/leader",
            "a:x",
            "b:x",
            "./a",
            "2.8.0",
            "3.6",
            "4.0.0",
            "9.9.9",
            "caas",
            "iaas",
            "stateless",
            "stateful",
            "per-unit",
            "shared",
            "active",
            "",
            "~",
            "\u{0}",
            "../../etc",
            "forever",
        ])
        .prop_map(Value::from),
        "\\PC{0,12}".prop_map(Value::from),
    ]
}

fn tree() -> impl Strategy<Value = Value> {
    scalar().prop_recursive(5, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            prop::collection::vec((prop::sample::select(KEYS), inner), 0..6).prop_map(|kv| {
                Value::Object(
                    kv.into_iter()
                        .map(|(k, v)| (k.to_owned(), v))
                        .collect::<Map<_, _>>(),
                )
            }),
        ]
    })
}

/// A valid scenario, the start of the edited cases.
const VALID: &str = "juju-version: \"2.8.0\"\nhook-timeout: 60\napplications:\n  a: {charm: ./a, units: 2, config: {x: 1}}\n  b: {charm: ./b}\nsteps:\n  - deploy: [a, b]\n  - relate: [a:x, b:x]\n  - wait: settled\n  - config: {app: a, set: {x: 2}}\n  - scale: {app: a, units: 3}\n  - remove: {unit: a/1}\n  - resolve: {unit: a/0}\n  - run-action: {unit: a/leader, action: backup}\n  - wait: {seconds: 90}\n  - assert: {unit: a/leader, status: active}\n";

/// `Err` when an accepted scenario is outside what jujusim runs.
fn within_bounds(s: &Scenario) -> Result<(), String> {
    if s.applications.is_empty() && s.steps.is_empty() {
        return Err("an empty scenario was accepted".into());
    }
    if let Some(t) = s.hook_timeout {
        if t == 0 || t > MAX_HOOK_TIMEOUT {
            return Err(format!("hook-timeout {t} accepted"));
        }
    }
    for (name, app) in &s.applications {
        if app.units > MAX_UNITS {
            return Err(format!("{name}: {} units accepted", app.units));
        }
    }
    for step in &s.steps {
        match step {
            Step::Scale(sc) if sc.units > MAX_UNITS => {
                return Err(format!("scale to {} accepted", sc.units))
            }
            Step::Relate(eps) if eps.len() != 2 => return Err(format!("relate {eps:?} accepted")),
            Step::Wait(Wait::Keyword(k)) if k != "settled" => {
                return Err(format!("wait {k:?} accepted"))
            }
            Step::Deploy(names) => {
                if let Some(n) = names
                    .to_vec()
                    .iter()
                    .find(|n| !s.applications.contains_key(*n))
                {
                    return Err(format!("deploy of undeclared {n:?} accepted"));
                }
            }
            _ => {}
        }
    }
    Ok(())
}

fn read(text: &str) -> Result<(), String> {
    match Scenario::parse(text, "fuzz.yaml", Path::new("/nonexistent")) {
        Ok(s) => within_bounds(&s),
        Err(ScenarioError::Parse(origin, why)) if origin == "fuzz.yaml" && !why.is_empty() => {
            Ok(())
        }
        Err(ScenarioError::Invalid(why)) if !why.is_empty() => Ok(()),
        Err(e) => Err(format!("unexpected error: {e:?}")),
    }
}

#[test]
fn arbitrary_yaml_shapes_are_read_or_refused_with_a_typed_error() {
    fuzz::runner(1500, 0x5ce4a10)
        .run(&tree(), |v| {
            let text = serde_saphyr::to_string(&v).unwrap();
            read(&text).map_err(|e| TestCaseError::fail(format!("{e}\n{text}")))
        })
        .unwrap();
}

#[test]
fn a_valid_scenario_with_random_edits_is_read_or_refused_with_a_typed_error() {
    assert!(read(VALID).is_ok());
    Scenario::parse(VALID, "v", Path::new("/")).expect("the base scenario is valid");
    let edit = (
        0..VALID.len(),
        0usize..8,
        "\\PC{0,6}|[\\[\\]{}:,\\-\\n \"'&*!|>0-9]{0,6}",
    );
    fuzz::runner(1500, 0x5ceed17)
        .run(&prop::collection::vec(edit, 1..4), |edits| {
            let mut text = VALID.as_bytes().to_vec();
            for (at, cut, insert) in edits {
                let at = at.min(text.len());
                let end = (at + cut).min(text.len());
                text.splice(at..end, insert.bytes());
            }
            let text = String::from_utf8_lossy(&text).into_owned();
            read(&text).map_err(|e| TestCaseError::fail(format!("{e}\n{text}")))
        })
        .unwrap();
}

#[test]
fn arbitrary_text_is_refused_with_a_typed_error() {
    fuzz::runner(1000, 0x5ce7e47)
        .run(&prop::collection::vec(any::<u8>(), 0..200), |bytes| {
            let text = String::from_utf8_lossy(&bytes).into_owned();
            read(&text).map_err(TestCaseError::fail)
        })
        .unwrap();
}

/// Nesting far deeper than any scenario: refused, not a stack overflow.
#[test]
fn deeply_nested_documents_are_refused() {
    for depth in [1_000, 100_000] {
        for text in [
            format!("steps: {}1{}", "[".repeat(depth), "]".repeat(depth)),
            format!("steps: {}1{}", "{a: ".repeat(depth), "}".repeat(depth)),
            format!("steps:\n{}x\n", "- ".repeat(depth)),
        ] {
            assert!(
                Scenario::parse(&text, "deep.yaml", Path::new("/")).is_err(),
                "depth {depth} accepted"
            );
        }
    }
}
