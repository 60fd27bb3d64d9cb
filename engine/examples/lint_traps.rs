//! A charm with one of each trap `charm-reactive lint` finds, planted on
//! purpose (engine/tests/lint.rs lints it). Its metadata (written by the test):
//! `requires: {website: {interface: http}}`, no `db` relation.

use charm_reactive::endpoint::EndpointKind;
use charm_reactive::{hook, when, when_not, Context};

charm_reactive::register_endpoint!(EndpointKind::requires("http"));

#[hook("install")]
fn install(ctx: &mut Context<'_>) {
    ctx.set_flag("app.installed");
    // Trap: set and never read.
    ctx.set_flag("orphan.flag");
}

#[when("app.installed")]
fn ready(_ctx: &mut Context<'_>) {}

// Trap: nothing sets `never.set`.
#[when("never.set")]
fn unreachable(_ctx: &mut Context<'_>) {}

#[hook("config-changed")]
fn pick_a(ctx: &mut Context<'_>) {
    ctx.set_flag("mode.a");
    ctx.clear_flag("mode.b");
}

#[hook("upgrade-charm")]
fn pick_b(ctx: &mut Context<'_>) {
    ctx.set_flag("mode.b");
    ctx.clear_flag("mode.a");
}

// Trap: `mode.a` and `mode.b` are never set together (when_any was meant).
#[when("mode.a", "mode.b")]
fn both_modes(_ctx: &mut Context<'_>) {}

// Trap: these two undo each other until the iteration cap.
#[when_not("toggle")]
fn switch_on(ctx: &mut Context<'_>) {
    ctx.set_flag("toggle");
}

#[when("toggle")]
fn switch_off(ctx: &mut Context<'_>) {
    ctx.clear_flag("toggle");
}

// Trap: the endpoint's changed flag stays set, so this runs in every hook.
#[when("endpoint.website.changed.port")]
fn port_changed(_ctx: &mut Context<'_>) {}

// Trap: the charm has no `db` relation.
#[hook("db-relation-joined")]
fn db_joined(_ctx: &mut Context<'_>) {}

fn main() {
    charm_reactive::main()
}
