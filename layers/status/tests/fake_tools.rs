//! The status layer over the real HookTools backend and the engine's fake hook
//! tools: the exact status-set calls and their order, a dying unit, a failing
//! status-set.

use charm_reactive_testing::unit as support;

use charm_reactive::log::Level;
use charm_reactive::{DyingLayer, Handler, Registry};
use charm_reactive_status::{active, blocked, maintenance, waiting, StatusLayer};
use support::FakeUnit;

fn unit() -> FakeUnit {
    let registry = Registry::builder()
        .layer(DyingLayer)
        .layer(StatusLayer::new())
        .handler(
            Handler::new("configure", |ctx| {
                maintenance(ctx, "Configuring consumer container")?;
                active(ctx, "Pods created (http://sse:8080)")?;
                Ok(())
            })
            .when_not(["never.a"]),
        )
        .handler(
            Handler::new("notify", |ctx| {
                blocked(ctx, "Please add relationship to sse endpoint.")?;
                waiting(ctx, "Waiting for sse endpoint")?;
                Ok(())
            })
            .when_not(["endpoint.sse-endpoint.joined"]),
        )
        .build()
        .unwrap();
    FakeUnit::new("con6/2", registry)
}

#[test]
fn maintenance_goes_out_during_dispatch_and_one_queued_status_at_exit() {
    let mut u = unit();
    let ran = u.run("start").ok();
    assert_eq!(
        ran.calls_of("status-set"),
        [
            ["--", "maintenance", "Configuring consumer container"],
            ["--", "blocked", "Please add relationship to sse endpoint."],
        ]
    );
    // The status-set lines are logged as layer-status logs them, via juju-log.
    assert!(ran.logged(
        Level::Info,
        "status-set: maintenance: Configuring consumer container"
    ));
    assert!(ran.logged(
        Level::Info,
        "status-set: blocked: Please add relationship to sse endpoint."
    ));
}

#[test]
fn the_dying_unit_sets_no_blocked_or_waiting() {
    let mut u = unit();
    let ran = u.run("stop").ok();
    assert_eq!(
        ran.calls_of("status-set"),
        [
            ["--", "maintenance", "Configuring consumer container"],
            ["--", "active", "Pods created (http://sse:8080)"],
        ]
    );
    assert!(ran.logged(
        Level::Warning,
        "suppressed blocked status on dying unit con6/2"
    ));
}

#[test]
fn a_failing_status_set_is_logged_and_the_hook_still_succeeds() {
    let mut u = unit();
    u.break_tool("status-set", "ERROR unit \"con6/2\" is not alive\n", 1);
    let ran = u.run("start").ok();
    assert_eq!(ran.calls_of("status-set").len(), 2);
    assert!(
        ran.logged(Level::Warning, "status-set blocked failed"),
        "{:#?}",
        ran.log
    );
    assert!(ran.logged(Level::Warning, "not alive"));
}
