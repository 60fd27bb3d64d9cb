//! The status layer against the engine's MemoryBackend and a real sled store:
//! precedence, timing, ties, dying units, failing hooks.

use charm_reactive_testing::unit as support;

use charm_reactive::backend::{Status, StatusState};
use charm_reactive::log::Level;
use charm_reactive::{Context, DyingLayer, Handler, Registry};
use charm_reactive_status::{
    active, blocked, maint, maintenance, status_set, status_set_by, waiting, StatusLayer,
    WorkloadState,
};
use support::{departing, Hook, MemoryUnit};

type Step = fn(&mut Context<'_>) -> Result<(), charm_reactive_status::StatusError>;

/// One handler per step, run in order in the main phase of every hook.
fn unit_with(layer: Option<StatusLayer>, steps: Vec<Step>) -> MemoryUnit {
    let mut b = Registry::builder().layer(DyingLayer);
    if let Some(l) = layer {
        b = b.layer(l);
    }
    for (i, step) in steps.into_iter().enumerate() {
        b = b.handler(
            Handler::new(format!("step{i}"), move |ctx| Ok(step(ctx)?))
                .when_not([format!("never.{i}")]),
        );
    }
    MemoryUnit::new("con6/2", b.build().unwrap())
}

fn unit(steps: Vec<Step>) -> MemoryUnit {
    unit_with(Some(StatusLayer::new()), steps)
}

fn statuses(u: &mut MemoryUnit) -> Vec<(StatusState, String)> {
    u.model()
        .unit_statuses
        .iter()
        .map(|s| (s.state, s.message.clone()))
        .collect()
}

#[test]
fn blocked_beats_waiting_beats_active_in_one_status_set_at_exit() {
    let mut u = unit(vec![
        |ctx| active(ctx, "ready"),
        |ctx| blocked(ctx, "need db"),
        |ctx| waiting(ctx, "db coming"),
    ]);
    let ran = u.run("update-status").ok();
    assert_eq!(
        statuses(&mut u),
        [(StatusState::Blocked, "need db".to_owned())]
    );
    assert_eq!(ran.calls_of("status-set").len(), 1);
    assert!(ran.logged(Level::Info, "status-set: blocked: need db"));

    let mut u = unit(vec![|ctx| active(ctx, "ready"), |ctx| {
        waiting(ctx, "db coming")
    }]);
    u.run("update-status").ok();
    assert_eq!(
        statuses(&mut u),
        [(StatusState::Waiting, "db coming".to_owned())]
    );
}

#[test]
fn maintenance_is_set_at_once_and_overridden_at_exit() {
    let mut u = unit(vec![
        |ctx| maintenance(ctx, "Configuring consumer container"),
        |ctx| {
            // Already applied when the next handler runs.
            assert_eq!(
                ctx.juju()
                    .status_get(charm_reactive::backend::StatusTarget::Unit)
                    .unwrap()
                    .message,
                "Configuring consumer container"
            );
            maint(ctx, "creating container")
        },
        |ctx| active(ctx, "Pods created"),
    ]);
    u.run("sse-endpoint-relation-changed").ok();
    assert_eq!(
        statuses(&mut u),
        [
            (
                StatusState::Maintenance,
                "Configuring consumer container".to_owned()
            ),
            (StatusState::Maintenance, "creating container".to_owned()),
            (StatusState::Active, "Pods created".to_owned()),
        ]
    );
}

#[test]
fn within_a_state_the_charm_wins_then_layer_order_then_the_last_call() {
    let order = StatusLayer::with_layer_order(["http", "docker-resource"]);
    let mut u = unit_with(
        Some(order.clone()),
        vec![|ctx| blocked(ctx, "charm says"), |ctx| {
            status_set_by(
                ctx,
                "docker-resource",
                WorkloadState::Blocked,
                "image missing",
            )
        }],
    );
    u.run("start").ok();
    assert_eq!(
        statuses(&mut u),
        [(StatusState::Blocked, "charm says".to_owned())]
    );

    let mut u = unit_with(
        Some(order.clone()),
        vec![
            |ctx| status_set_by(ctx, "docker-resource", WorkloadState::Waiting, "fetching"),
            |ctx| status_set_by(ctx, "http", WorkloadState::Waiting, "no peers"),
        ],
    );
    u.run("start").ok();
    assert_eq!(
        statuses(&mut u),
        [(StatusState::Waiting, "fetching".to_owned())]
    );

    let mut u = unit_with(
        Some(order),
        vec![|ctx| active(ctx, "first"), |ctx| active(ctx, "second")],
    );
    u.run("start").ok();
    assert_eq!(
        statuses(&mut u),
        [(StatusState::Active, "second".to_owned())]
    );
}

#[test]
fn states_given_as_strings_are_checked() {
    let mut u = unit(vec![
        |ctx| status_set(ctx, "blocked".parse()?, "x"),
        |_ctx| {
            let err = "terminated".parse::<WorkloadState>().unwrap_err();
            assert!(err.to_string().contains("terminated"));
            Ok(())
        },
    ]);
    u.run("start").ok();
    assert_eq!(statuses(&mut u), [(StatusState::Blocked, "x".to_owned())]);
}

#[test]
fn a_dying_unit_never_sets_blocked_or_waiting_and_says_so() {
    let mut u = unit(vec![
        |ctx| blocked(ctx, "Please add relationship to sse endpoint."),
        |ctx| waiting(ctx, "Waiting for sse endpoint"),
    ]);
    let ran = u
        .run(Hook::with(|unit| {
            departing(unit, "sse-endpoint", 1, "mock/0")
        }))
        .ok();
    assert!(statuses(&mut u).is_empty());
    assert!(ran.calls_of("status-set").is_empty());
    assert!(ran.logged(
        Level::Warning,
        "suppressed blocked status on dying unit con6/2: Please add relationship to sse endpoint."
    ));
    assert!(ran.logged(
        Level::Warning,
        "suppressed waiting status on dying unit con6/2"
    ));
    assert!(ran
        .final_flags
        .contains(&charm_reactive::DYING_FLAG.to_owned()));
    // stop is a dying hook too.
    let ran = u.run("stop").ok();
    assert!(ran.calls_of("status-set").is_empty());
}

#[test]
fn a_dying_unit_still_reports_maintenance_and_active() {
    let mut u = unit(vec![
        |ctx| maintenance(ctx, "cleaning up"),
        |ctx| blocked(ctx, "Please add relationship"),
        |ctx| active(ctx, "done"),
    ]);
    u.run("stop").ok();
    assert_eq!(
        statuses(&mut u),
        [
            (StatusState::Maintenance, "cleaning up".to_owned()),
            (StatusState::Active, "done".to_owned())
        ]
    );
}

#[test]
fn a_living_unit_in_the_same_hook_still_sets_blocked() {
    // The remote unit departs, not this one.
    let mut u = unit(vec![|ctx| blocked(ctx, "Please add relationship")]);
    u.run(Hook::with(|unit| {
        let mut info = departing(unit, "sse-endpoint", 1, "mock/0");
        info.relation.as_mut().unwrap().departing_unit = Some("mock/0".into());
        info
    }))
    .ok();
    assert_eq!(
        statuses(&mut u),
        [(StatusState::Blocked, "Please add relationship".to_owned())]
    );
}

#[test]
fn a_failing_hook_applies_no_queued_status_but_keeps_its_maintenance() {
    let mut u = unit(vec![
        |ctx| maintenance(ctx, "working"),
        |ctx| active(ctx, "never shown"),
        |_| {
            Err(charm_reactive_status::StatusError::InvalidState(
                "boom".into(),
            ))
        },
    ]);
    let ran = u.run("config-changed");
    assert!(!ran.committed);
    assert_eq!(
        statuses(&mut u),
        [(StatusState::Maintenance, "working".to_owned())]
    );
    assert!(support::kv_all(&u.store).is_empty());
}

#[test]
fn the_queue_is_never_committed() {
    let mut u = unit(vec![
        |ctx| active(ctx, "ok"),
        // Not even written to the hook's transaction.
        |ctx| match ctx.kv().keys("")?.as_slice() {
            [] => Ok(()),
            keys => Err(charm_reactive_status::StatusError::InvalidState(format!(
                "unit kv has {keys:?}"
            ))),
        },
    ]);
    u.run("start").ok();
    assert!(support::kv_all(&u.store).is_empty());
    u.run("update-status").ok();
    assert_eq!(
        statuses(&mut u).len(),
        2,
        "one status per hook, no leftovers"
    );
}

#[test]
fn without_the_layer_statuses_apply_at_once() {
    let mut u = unit_with(None, vec![|ctx| blocked(ctx, "b"), |ctx| active(ctx, "a")]);
    u.run("start").ok();
    assert_eq!(
        statuses(&mut u),
        [
            (StatusState::Blocked, "b".to_owned()),
            (StatusState::Active, "a".to_owned())
        ]
    );
}

#[test]
fn restricted_hooks_apply_at_once() {
    let registry = Registry::builder()
        .layer(StatusLayer::new())
        .handler(
            Handler::new("metrics", |ctx| Ok(waiting(ctx, "collecting")?)).condition(
                charm_reactive::Condition::Restricted(
                    charm_reactive::RestrictedHook::CollectMetrics,
                ),
            ),
        )
        .build()
        .unwrap();
    let mut u = MemoryUnit::new("app/0", registry);
    u.run("collect-metrics").ok();
    assert_eq!(
        u.model().unit_statuses,
        [Status::new(StatusState::Waiting, "collecting")]
    );
}

/// A layer (ordered before the status layer, as every layer of this workspace
/// is) that reports its own state in its exit step.
struct ExitReporter;

impl charm_reactive::Layer for ExitReporter {
    fn name(&self) -> &'static str {
        "exit-reporter"
    }

    fn order(&self) -> i32 {
        20
    }

    fn at_exit(&self, ctx: &mut Context<'_>) -> anyhow::Result<()> {
        status_set_by(ctx, "exit-reporter", WorkloadState::Waiting, "flushing")?;
        Ok(())
    }
}

#[test]
fn statuses_set_by_other_layers_at_exit_compete_in_the_queue() {
    let registry = Registry::builder()
        .layer(DyingLayer)
        .layer(StatusLayer::new())
        .layer(ExitReporter)
        .handler(Handler::new("ready", |ctx| Ok(active(ctx, "ready")?)).when_not(["never"]))
        .build()
        .unwrap();
    let names: Vec<&str> = registry.exit_layers().iter().map(|l| l.name()).collect();
    assert_eq!(names.last(), Some(&"status"), "{names:?}");
    let mut u = MemoryUnit::new("con6/0", registry);
    u.run("update-status").ok();
    // One status-set: waiting (from the exit step) beats the handler's active.
    assert_eq!(
        statuses(&mut u),
        [(StatusState::Waiting, "flushing".to_owned())]
    );
}
