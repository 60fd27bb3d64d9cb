//! Dying awareness: a flag that says this unit is going away.
//!
//! On Kubernetes a stateless podspec application gets a NEW unit for every
//! changed pod spec, and the old one is torn down: it runs `relation-departed`,
//! `relation-broken` and `stop` while its replacement starts. charms.reactive
//! handlers on the old unit react to that teardown as if the relation were gone
//! ("blocked: please add relation"). [`DyingLayer`] sets [`DYING_FLAG`] first
//! thing in such hooks, so handlers can stay quiet with
//! `#[when_not("charm-reactive.unit.dying")]`, and the status layer refuses
//! blocked and waiting on a dying unit.

use crate::{Context, Layer};

/// Set, and never cleared, once this unit is going away: the hook is `stop` or
/// `remove`, or this unit is the departing unit of a `relation-departed` hook
/// (`JUJU_DEPARTING_UNIT`, Juju >= 2.8), or goal-state says it is `dying` (how a
/// `relation-departed`/`relation-broken` hook tells on older Juju).
pub const DYING_FLAG: &str = "charm-reactive.unit.dying";

/// The layer that sets [`DYING_FLAG`]. [`crate::Registry::from_inventory`] adds
/// it to every charm; a registry built by hand opts in with
/// `.layer(DyingLayer)`.
#[derive(Debug, Default, Clone, Copy)]
pub struct DyingLayer;

impl Layer for DyingLayer {
    fn name(&self) -> &'static str {
        "dying"
    }

    fn order(&self) -> i32 {
        -10
    }

    fn declared_flags(&self) -> crate::DeclaredFlags {
        crate::DeclaredFlags {
            sets: vec![DYING_FLAG.into()],
            ..crate::DeclaredFlags::default()
        }
    }

    fn at_start(&self, ctx: &mut Context<'_>) -> anyhow::Result<()> {
        if !ctx.is_flag_set(DYING_FLAG) && unit_is_dying(ctx) {
            ctx.set_flag(DYING_FLAG);
        }
        Ok(())
    }
}

/// Whether this unit is going away (see [`DYING_FLAG`]).
pub fn unit_is_dying(ctx: &mut Context<'_>) -> bool {
    let hook = ctx.hook();
    if matches!(hook.name.as_str(), "stop" | "remove") || hook.is_departing_unit() {
        return true;
    }
    let teardown =
        hook.name.ends_with("-relation-departed") || hook.name.ends_with("-relation-broken");
    let departing_known = hook
        .relation
        .as_ref()
        .is_some_and(|r| r.departing_unit.is_some());
    if !teardown || departing_known {
        return false;
    }
    // Juju < 2.8 does not say which unit departs: goal-state does.
    let unit = hook.unit.clone();
    match ctx.juju().goal_state() {
        Ok(goal) => goal.units.get(&unit).is_some_and(|s| s.status == "dying"),
        Err(e) => {
            ctx.warn(format!("cannot tell whether {unit} is dying: {e}"));
            false
        }
    }
}
