//! Bounds on what a scenario may ask for, checked when it is loaded.
//!
//! Every unit is a real charm directory and real hook processes, so a scenario
//! asking for billions of units would fill the disk before it failed; a hook
//! timeout of zero kills every hook, and one past what a clock can add
//! overflows. These are refused with the step or key named, like Juju refuses
//! a bad command line before it changes anything.

use super::{Scenario, ScenarioError, Step};

/// The most units one application may have (deploy, scale). A unit costs a
/// charm directory and a process per hook; a simulation of more is not a test.
pub const MAX_UNITS: u32 = 100;

/// The longest hook timeout, in seconds: a day.
pub const MAX_HOOK_TIMEOUT: u64 = 24 * 60 * 60;

/// Checks `scenario` against the bounds.
pub(super) fn check(scenario: &Scenario) -> Result<(), ScenarioError> {
    let invalid = |m: String| Err(ScenarioError::Invalid(m));
    if scenario.applications.is_empty() && scenario.steps.is_empty() {
        return invalid("the scenario is empty: it declares no applications and no steps".into());
    }
    if let Some(t) = scenario.hook_timeout {
        if t == 0 || t > MAX_HOOK_TIMEOUT {
            return invalid(format!(
                "hook-timeout: {t} is out of range: give seconds from 1 to {MAX_HOOK_TIMEOUT}"
            ));
        }
    }
    for (name, app) in &scenario.applications {
        if app.units > MAX_UNITS {
            return invalid(format!(
                "applications: {name}: units: {} is more than jujusim runs ({MAX_UNITS} per application)",
                app.units
            ));
        }
    }
    for (i, step) in scenario.steps.iter().enumerate() {
        let n = i + 1;
        match step {
            Step::Scale(s) if s.units > MAX_UNITS => {
                return invalid(format!(
                    "step {n}: scale {}: units: {} is more than jujusim runs ({MAX_UNITS} per application)",
                    s.app, s.units
                ))
            }
            Step::Remove(r) => {
                let given = [r.unit.is_some(), r.app.is_some(), r.relation.is_some()];
                if given.iter().filter(|g| **g).count() != 1 {
                    return invalid(format!(
                        "step {n}: remove takes exactly one of unit, app or relation \
                         (like `juju remove-unit`, `remove-application`, `remove-relation`)"
                    ));
                }
            }
            _ => {}
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    fn parse(text: &str) -> Result<Scenario, ScenarioError> {
        Scenario::parse(text, "t.yaml", Path::new("/x"))
    }

    #[test]
    fn out_of_bounds_inputs_are_refused_by_name() {
        let app = "applications:\n  a: {charm: ./a}\n";
        for (text, needle) in [
            ("", "empty"),
            ("{}\n", "empty"),
            (&*format!("hook-timeout: 0\n{app}"), "hook-timeout"),
            (
                &*format!("hook-timeout: 18446744073709551615\n{app}"),
                "hook-timeout",
            ),
            (
                "applications:\n  a: {charm: ./a, units: 4000000000}\n",
                "units",
            ),
            (
                &*format!("{app}steps:\n  - scale: {{app: a, units: 100000}}\n"),
                "scale a",
            ),
            (&*format!("{app}steps:\n  - remove: {{}}\n"), "exactly one"),
            (
                &*format!("{app}steps:\n  - remove: {{unit: a/0, app: a}}\n"),
                "exactly one",
            ),
        ] {
            let e = parse(text).expect_err(text);
            assert!(e.to_string().contains(needle), "{text:?}: {e}");
        }
        let ok = format!("hook-timeout: 86400\n{app}steps:\n  - scale: {{app: a, units: 100}}\n");
        parse(&ok).unwrap();
    }
}
