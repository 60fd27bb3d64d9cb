//! The hook's environment, fuzzed: `JUJU_*` variables (HookEnv) and
//! `CHARM_REACTIVE_HOOK_TOOL_TIMEOUT` (HookTools), with values that are valid,
//! nearly valid, arbitrary text or arbitrary bytes (not UTF-8), through the
//! same functions the hook process calls. No input may panic; a refusal is a
//! typed error naming the variable, and an acceptance holds only what Juju
//! could have set.
//!
//! `CHARM_REACTIVE_FUZZ_CASES` scales the case counts (seeded, so CI runs the
//! same cases every time).

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::os::unix::ffi::OsStringExt;
use std::time::Duration;

use charm_reactive::backend::{BackendError, HookTools, TIMEOUT_ENV};
use charm_reactive::hook_env::{EnvError, HookEnv, Invocation};
use charm_reactive::names;
use charm_reactive_testing::fuzz;
use proptest::prelude::*;

/// Every variable `HookEnv::from_vars` reads.
const VARS: &[&str] = &[
    "JUJU_DISPATCH_PATH",
    "JUJU_HOOK_NAME",
    "JUJU_UNIT_NAME",
    "JUJU_CHARM_DIR",
    "CHARM_DIR",
    "JUJU_RELATION",
    "JUJU_RELATION_ID",
    "JUJU_REMOTE_UNIT",
    "JUJU_REMOTE_APP",
    "JUJU_DEPARTING_UNIT",
    "JUJU_VERSION",
    "JUJU_MODEL_NAME",
];

/// A value for any variable: plausible shapes, their near misses, arbitrary
/// text, and bytes that are not UTF-8.
fn value() -> impl Strategy<Value = OsString> {
    let plausible = prop::sample::select(vec![
        "hooks/config-changed",
        "hooks/db-relation-changed",
        "actions/backup",
        "hooks/",
        "actions/",
        "con6/0",
        "con6/3",
        "con6/",
        "/0",
        "a\nb/0",
        "../0",
        "con6/01",
        "con6/-1",
        "con6/99999999999999999999999",
        "db",
        "db:1",
        "db:",
        ":1",
        "db:01",
        "../x:1",
        "sse-endpoint",
        "sse_endpoint",
        "2.8.0",
        "3.6.1-beta1",
        "2",
        "99999999999.1.1",
        "x.y.z",
        "/var/lib/juju/agents/unit-con6-0/charm",
        "",
    ])
    .prop_map(OsString::from);
    prop_oneof![
        3 => plausible,
        2 => "\\PC{0,24}".prop_map(OsString::from),
        1 => any::<String>().prop_map(OsString::from),
        2 => prop::collection::vec(any::<u8>(), 0..24).prop_map(OsString::from_vec),
    ]
}

fn environment() -> impl Strategy<Value = (BTreeMap<&'static str, OsString>, Option<OsString>)> {
    (
        prop::collection::btree_map(prop::sample::select(VARS), value(), 0..VARS.len()),
        prop::option::of(value()),
    )
}

/// Checks one outcome; `Err` says what is wrong.
fn check(
    vars: &BTreeMap<&'static str, OsString>,
    outcome: &Result<HookEnv, EnvError>,
) -> Result<(), String> {
    match outcome {
        Ok(env) => {
            if !names::is_unit(&env.unit) {
                return Err(format!("accepted unit {:?}", env.unit));
            }
            if env.unit.split_once('/').map(|(a, _)| a) != Some(env.application.as_str()) {
                return Err(format!(
                    "application {:?} of {:?}",
                    env.application, env.unit
                ));
            }
            let name = match &env.invocation {
                Invocation::Hook(h) | Invocation::Action(h) => h,
            };
            if name.is_empty() {
                return Err("an empty hook name".into());
            }
            if let Some(rel) = &env.relation {
                let ok = rel
                    .id
                    .split_once(':')
                    .is_some_and(|(e, n)| names::is_endpoint(e) && names::is_number(n));
                if !ok || !names::is_endpoint(&rel.name) {
                    return Err(format!("accepted relation {rel:?}"));
                }
                for unit in rel.remote_unit.iter().chain(&rel.departing_unit) {
                    if !names::is_unit(unit) {
                        return Err(format!("accepted unit {unit:?} in {rel:?}"));
                    }
                }
            } else if matches!(&env.invocation, Invocation::Hook(h) if h.contains("-relation-")) {
                return Err(format!("relation hook {name:?} without a relation"));
            }
            Ok(())
        }
        Err(e) => {
            let text = e.to_string();
            let named = match e {
                EnvError::Missing(name) | EnvError::Invalid { name, .. } => {
                    text.contains(name)
                        && (vars.contains_key(name) || matches!(e, EnvError::Missing(_)))
                }
                EnvError::NoHookName => text.contains("JUJU_DISPATCH_PATH"),
            };
            if named {
                Ok(())
            } else {
                Err(format!("an error that does not name its variable: {text}"))
            }
        }
    }
}

#[test]
fn any_hook_environment_is_accepted_or_refused_by_name() {
    let mut runner = fuzz::runner(3000, 0xe7e7);
    runner
        .run(&environment(), |(vars, argv0)| {
            let outcome = HookEnv::from_vars(|k| vars.get(k).cloned(), argv0);
            check(&vars, &outcome).map_err(TestCaseError::fail)
        })
        .unwrap();
}

/// Environments built to be accepted (a valid unit and hook), with one
/// variable replaced: every field of a valid environment is reached.
#[test]
fn a_valid_environment_with_one_variable_changed_is_accepted_or_refused_by_name() {
    let mut runner = fuzz::runner(2000, 0x0e7e8);
    let base: BTreeMap<&'static str, OsString> = [
        ("JUJU_DISPATCH_PATH", "hooks/db-relation-changed"),
        ("JUJU_UNIT_NAME", "web/0"),
        ("JUJU_CHARM_DIR", "/charm"),
        ("JUJU_RELATION", "db"),
        ("JUJU_RELATION_ID", "db:3"),
        ("JUJU_REMOTE_UNIT", "pg/1"),
        ("JUJU_REMOTE_APP", "pg"),
        ("JUJU_VERSION", "3.6.1"),
    ]
    .into_iter()
    .map(|(k, v)| (k, OsString::from(v)))
    .collect();
    assert!(HookEnv::from_vars(|k| base.get(k).cloned(), None).is_ok());
    runner
        .run(
            &(prop::sample::select(VARS), prop::option::of(value())),
            |(name, replacement)| {
                let mut vars = base.clone();
                match replacement {
                    Some(v) => vars.insert(name, v),
                    None => vars.remove(name),
                };
                let outcome = HookEnv::from_vars(|k| vars.get(k).cloned(), None);
                check(&vars, &outcome).map_err(TestCaseError::fail)
            },
        )
        .unwrap();
}

/// The timeout: accepted only as seconds in (0, one day], whatever the text or
/// bytes; every refusal names the variable.
#[test]
fn any_hook_tool_timeout_is_a_duration_in_range_or_refused_by_name() {
    let numbers = prop::sample::select(vec![
        "1",
        "0.5",
        "1e30",
        "1e-30",
        "-1",
        "0",
        "-0",
        "NaN",
        "inf",
        "-inf",
        "86400",
        "86400.5",
        "18446744073709551615",
        "0x10",
        "1_000",
        " 3 ",
        "",
        "1e308",
        "4.9e-324",
    ])
    .prop_map(OsString::from);
    let strategy = prop_oneof![
        numbers,
        any::<f64>().prop_map(|f| OsString::from(f.to_string())),
        value(),
    ];
    let day = Duration::from_secs(86_400);
    fuzz::runner(3000, 0x7173)
        .run(&strategy, |v| {
            let given = v.clone();
            match HookTools::from_vars(|k| (k == TIMEOUT_ENV).then(|| given.clone())) {
                Ok(tools) => {
                    let t = tools.timeout();
                    prop_assert!(!t.is_zero() && t <= day, "{v:?} gave {t:?}");
                    if !v.is_empty() {
                        let secs: f64 = v.to_str().unwrap().trim().parse().unwrap();
                        prop_assert!((t.as_secs_f64() - secs).abs() < 1e-6, "{v:?} gave {t:?}");
                    }
                }
                Err(e) => {
                    prop_assert!(matches!(e, BackendError::InvalidArgument { .. }), "{e:?}");
                    prop_assert!(e.to_string().contains(TIMEOUT_ENV), "{e}");
                }
            }
            Ok(())
        })
        .unwrap();
}
