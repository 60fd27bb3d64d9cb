//! Property tests of the conformance-program reader
//! (`charm_reactive::replay::Program::from_json`): arbitrary text, arbitrary
//! JSON and mutated programs never panic; validation accepts exactly the
//! programs whose ids are unique, whose fail actions are true and whose
//! triggers are well formed; accepted programs build and run without panicking.
//!
//! Seeded and bounded so that CI runs the same cases every time, in seconds;
//! `CHARM_REACTIVE_FUZZ_CASES` scales the number of cases for a longer run.

use std::collections::HashSet;

use charm_reactive::replay::{Program, ProgramError};
use proptest::prelude::*;
use serde_json::{json, Map, Value};

/// `cases` per property, seeded (see `charm_reactive_testing::fuzz`).
fn config(cases: u32) -> proptest::test_runner::Config {
    charm_reactive_testing::fuzz::config(cases, 0xC0FF_EE15)
}

const FLAGS: &[&str] = &["a", "b", "c", "d", "app.installed", "db.available"];
const HOOKS: &[&str] = &[
    "install",
    "config-changed",
    "update-status",
    "db-relation-joined",
    "start",
];
const WORDS: &[&str] = &[
    "hook",
    "initial_flags",
    "handlers",
    "triggers",
    "id",
    "when_all",
    "when_not_all",
    "when_any",
    "when_none",
    "actions",
    "set",
    "clear",
    "toggle",
    "value",
    "fail",
    "when",
    "when_not",
    "x",
];

fn flag() -> impl Strategy<Value = String> {
    prop::sample::select(FLAGS).prop_map(str::to_owned)
}

fn flags() -> impl Strategy<Value = Vec<String>> {
    prop::collection::vec(flag(), 0..3)
}

/// One action, valid or not (`fail: false` is refused by validation).
fn action() -> impl Strategy<Value = Value> {
    prop_oneof![
        flag().prop_map(|f| json!({ "set": f })),
        flag().prop_map(|f| json!({ "clear": f })),
        (flag(), any::<Option<bool>>()).prop_map(|(f, v)| match v {
            Some(v) => json!({ "toggle": f, "value": v }),
            None => json!({ "toggle": f }),
        }),
        any::<bool>().prop_map(|b| json!({ "fail": b })),
    ]
}

fn handler() -> impl Strategy<Value = Value> {
    (
        prop::option::of(prop::sample::select(&["h0", "h1", "x", ""][..])),
        flags(),
        flags(),
        flags(),
        flags(),
        prop_oneof![
            Just(Value::Null),
            prop::sample::select(HOOKS).prop_map(|h| json!(h)),
            prop::collection::vec(prop::sample::select(HOOKS), 0..3).prop_map(|hs| json!(hs)),
        ],
        prop::collection::vec(action(), 0..4),
    )
        .prop_map(|(id, all, not_all, any, none, hook, actions)| {
            let mut h = Map::new();
            if let Some(id) = id {
                h.insert("id".into(), json!(id));
            }
            for (k, v) in [
                ("when_all", all),
                ("when_not_all", not_all),
                ("when_any", any),
                ("when_none", none),
            ] {
                if !v.is_empty() {
                    h.insert(k.into(), json!(v));
                }
            }
            if !hook.is_null() {
                h.insert("hook".into(), hook);
            }
            h.insert("actions".into(), Value::Array(actions));
            Value::Object(h)
        })
}

fn trigger() -> impl Strategy<Value = Value> {
    (
        prop::option::of(flag()),
        prop::option::of(flag()),
        prop::option::of(flag()),
        prop::option::of(flag()),
    )
        .prop_map(|(when, when_not, set, clear)| {
            let mut t = Map::new();
            for (k, v) in [
                ("when", when),
                ("when_not", when_not),
                ("set", set),
                ("clear", clear),
            ] {
                if let Some(v) = v {
                    t.insert(k.into(), json!(v));
                }
            }
            Value::Object(t)
        })
}

/// A program in the oracle's shape, valid or not.
fn program() -> impl Strategy<Value = Value> {
    (
        prop::sample::select(HOOKS),
        flags(),
        prop::collection::vec(handler(), 0..6),
        prop::collection::vec(trigger(), 0..3),
    )
        .prop_map(|(hook, initial, handlers, triggers)| {
            json!({ "hook": hook, "initial_flags": initial, "handlers": handlers, "triggers": triggers })
        })
}

/// Whether the reader must accept `program` (one produced by [`program`]): the
/// rules of the oracle's format, restated independently of the reader.
fn should_accept(program: &Value) -> bool {
    let mut ids = HashSet::new();
    for (i, h) in program["handlers"].as_array().unwrap().iter().enumerate() {
        let id = h["id"]
            .as_str()
            .map_or_else(|| format!("h{i}"), str::to_owned);
        if !ids.insert(id) {
            return false;
        }
        if h["actions"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a.get("fail") == Some(&json!(false)))
        {
            return false;
        }
    }
    program["triggers"].as_array().unwrap().iter().all(|t| {
        let has = |k: &str| t.get(k).is_some();
        has("when") != has("when_not") && (has("set") || has("clear"))
    })
}

/// Arbitrary JSON built from the format's own words, so that objects often
/// look almost like programs.
fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<f64>().prop_map(|f| json!(f)),
        prop::sample::select(WORDS).prop_map(|w| json!(w)),
        any::<String>().prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec((prop::sample::select(WORDS), inner), 0..6).prop_map(|kv| {
                Value::Object(kv.into_iter().map(|(k, v)| (k.to_owned(), v)).collect())
            }),
        ]
    })
}

/// Replaces the value at a random path of `v` with `with`, or removes it.
fn mutate(v: &mut Value, mut path: Vec<usize>, with: Option<Value>) {
    let Some(step) = path.pop() else {
        if let Some(w) = with {
            *v = w;
        }
        return;
    };
    match v {
        Value::Object(map) if !map.is_empty() => {
            let key = map.keys().nth(step % map.len()).unwrap().clone();
            if path.is_empty() && with.is_none() {
                map.remove(&key);
            } else {
                mutate(map.get_mut(&key).unwrap(), path, with);
            }
        }
        Value::Array(items) if !items.is_empty() => {
            let i = step % items.len();
            if path.is_empty() && with.is_none() {
                items.remove(i);
            } else {
                mutate(&mut items[i], path, with);
            }
        }
        _ => {
            if let Some(w) = with {
                *v = w;
            }
        }
    }
}

proptest! {
    #![proptest_config(config(2000))]

    #[test]
    fn arbitrary_text_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..256)) {
        let text = String::from_utf8_lossy(&bytes);
        prop_assert!(Program::from_json(&text).is_err() || text.contains("handlers"));
    }

    #[test]
    fn arbitrary_json_never_panics(v in any_json()) {
        if let Ok(p) = Program::from_json(&v.to_string()) {
            let _ = p.registry();
        }
    }

    #[test]
    fn mutated_programs_never_panic(
        mut v in program(),
        path in prop::collection::vec(any::<usize>(), 1..5),
        with in prop::option::of(any_json()),
    ) {
        mutate(&mut v, path, with);
        if let Ok(p) = Program::from_json(&v.to_string()) {
            let _ = p.registry();
        }
    }

    #[test]
    fn validation_accepts_exactly_the_valid_programs(v in program()) {
        let result = Program::from_json(&v.to_string());
        prop_assert_eq!(result.is_ok(), should_accept(&v), "{} -> {:?}", v, result.err());
        if let Err(e) = result {
            prop_assert!(!matches!(e, ProgramError::Json(_)), "a program-shaped value is not a JSON error: {}", e);
        }
    }
}

proptest! {
    // Each case opens a sled store: fewer cases.
    #![proptest_config(config(150))]

    #[test]
    fn valid_programs_run_without_panicking(mut v in program()) {
        make_valid(&mut v);
        let program = Program::from_json(&v.to_string());
        prop_assert!(program.is_ok(), "{} -> {:?}", v, program.err());
        let dir = tempfile::tempdir().unwrap();
        let result = program.unwrap().run(dir.path()).unwrap();
        // A hook commits exactly when it does not fail, and then persists what it ended with.
        prop_assert_eq!(result.committed, result.error.is_none());
        if result.committed {
            prop_assert_eq!(&result.persisted_flags, &result.final_flags);
        }
    }
}

/// Makes a program of [`program`] valid: default ids, failing actions that
/// fail, well-formed triggers.
fn make_valid(v: &mut Value) {
    for h in v["handlers"].as_array_mut().unwrap() {
        h.as_object_mut().unwrap().remove("id");
        for a in h["actions"].as_array_mut().unwrap() {
            if a.get("fail").is_some() {
                *a = json!({ "fail": true });
            }
        }
    }
    v["triggers"].as_array_mut().unwrap().retain(|t| {
        let has = |k: &str| t.get(k).is_some();
        has("when") != has("when_not") && (has("set") || has("clear"))
    });
}
