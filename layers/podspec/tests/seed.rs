//! The four layers together on the seed's sse-consumer, ported: con6/2 sets the
//! pod spec, departs quietly as a dying unit, and its replacement con6/3 finds
//! the spec already set and does not restart the pods again.

use charm_reactive_testing::unit as support;

use charm_reactive::backend::StatusState;
use charm_reactive::log::Level;
use charm_reactive::{DyingLayer, Handler, Registry};
use charm_reactive_basic::{BasicLayer, ConfigOptions};
use charm_reactive_leadership::LeadershipLayer;
use charm_reactive_podspec::{set_pod_spec, PodSpecLayer, Spec};
use charm_reactive_status::{active, blocked, maintenance, StatusLayer};
use support::{departing, Hook, MemoryUnit};

const BASE_URL: &str = "http://sse:8080";

fn consumer() -> Registry {
    Registry::builder()
        .layer(DyingLayer)
        .layer(BasicLayer::with_options(ConfigOptions::default()))
        .layer(LeadershipLayer)
        .layer(StatusLayer::new())
        .layer(PodSpecLayer)
        // What the sse-endpoint interface would manage.
        .handler(
            Handler::new("relation-up", |ctx| {
                ctx.set_flag("endpoint.sse-endpoint.joined");
                ctx.set_flag("sse-endpoint.available");
                Ok(())
            })
            .hook(["sse-endpoint-relation-changed"]),
        )
        .handler(
            Handler::new("relation-down", |ctx| {
                ctx.clear_flag("endpoint.sse-endpoint.joined");
                ctx.clear_flag("sse-endpoint.available");
                Ok(())
            })
            .hook(["sse-endpoint-relation-departed"]),
        )
        .handler(
            Handler::new("sse-consumer.py:24:notify_relation_needed", |ctx| {
                blocked(ctx, "Please add relationship to sse endpoint.")?;
                Ok(())
            })
            .when_not(["endpoint.sse-endpoint.joined"]),
        )
        .handler(
            Handler::new("sse-consumer.py:35:config_consumer", |ctx| {
                maintenance(ctx, "Configuring consumer container")?;
                let spec = Spec::from_yaml(&format!(
                    "containers:\n- name: consumer\n  ports: [{{containerPort: 8080, protocol: TCP}}]\n  config:\n    BASE_URL: {BASE_URL}\n"
                ))?
                .with_inputs(BASE_URL)?;
                let outcome = set_pod_spec(ctx, &spec)?;
                ctx.kv().set("outcome", &format!("{outcome:?}"))?;
                ctx.set_flag("consumer.configured");
                active(ctx, &format!("Pods created ({BASE_URL})"))?;
                Ok(())
            })
            .when_all(["sse-endpoint.available"])
            .when_not(["consumer.configured"]),
        )
        .build()
        .unwrap()
}

fn outcome(u: &MemoryUnit) -> Option<String> {
    support::kv(&u.store, "outcome")
}

#[test]
fn the_seed_sequence_ends_without_a_second_pod_spec_or_a_misleading_status() {
    let mut old = MemoryUnit::new("con6/2", consumer());
    old.model().leader = true;
    old.run("start").ok();
    assert_eq!(old.model().unit_status().state, StatusState::Blocked);

    let ran = old.run("sse-endpoint-relation-changed").ok();
    assert_eq!(ran.calls_of("pod-spec-set").len(), 1);
    assert_eq!(outcome(&old).as_deref(), Some("Set"));
    assert_eq!(
        old.model().unit_status().message,
        "Pods created (http://sse:8080)"
    );

    // Kubernetes replaces the pod: con6/2 tears down as a dying unit.
    let ran = old
        .run(Hook::with(|unit| {
            departing(unit, "sse-endpoint", 1, "mock/0")
        }))
        .ok();
    assert!(ran
        .invoked
        .contains(&"sse-consumer.py:24:notify_relation_needed".to_owned()));
    assert!(ran.calls_of("status-set").is_empty(), "{:?}", ran.calls);
    assert!(ran.logged(
        Level::Warning,
        "suppressed blocked status on dying unit con6/2"
    ));

    // Its replacement, with a fresh store, becomes the leader.
    let mut new = old.successor("con6/3");
    new.model().leader = true;
    new.run("start").ok();
    new.run("leader-elected").ok();
    let ran = new.run("sse-endpoint-relation-changed").ok();
    assert!(ran
        .invoked
        .contains(&"sse-consumer.py:35:config_consumer".to_owned()));
    assert!(
        ran.calls_of("pod-spec-set").is_empty(),
        "same spec: no new pods, no new unit"
    );
    assert_eq!(outcome(&new).as_deref(), Some("Unchanged"));
    assert_eq!(new.model().pod_specs.len(), 1);
    assert_eq!(new.model().unit_status().state, StatusState::Active);
    assert!(!ran.logged(Level::Warning, "loop"));
}
