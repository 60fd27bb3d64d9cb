//! The podspec layer over the real HookTools backend and the engine's fake hook
//! tools: the exact pod-spec-set / k8s-spec-set calls, a follower, a failing
//! pod-spec-set.

use charm_reactive_testing::unit as support;

use charm_reactive::{Handler, Registry};
use charm_reactive_podspec::{set_k8s_spec, set_pod_spec, PodSpecLayer, Spec};
use serde_json::json;
use support::FakeUnit;

const SPEC: &str = "containers:\n- name: redis\n  ports: [{name: redis, containerPort: 6379}]\n";

fn unit(name: &str, k8s: bool) -> FakeUnit {
    let handler = Handler::new("start-charm", move |ctx| {
        let spec = Spec::from_yaml(SPEC)?;
        if k8s {
            let spec = spec.with_k8s_resources(
                &json!({"kubernetesResources": {"pod": {"restartPolicy": "Always"}}}),
            )?;
            let _ = set_k8s_spec(ctx, &spec)?;
        } else {
            let _ = set_pod_spec(ctx, &spec)?;
        }
        Ok(())
    })
    .when_not(["never.set"]);
    let registry = Registry::builder()
        .layer(PodSpecLayer)
        .handler(handler)
        .build()
        .unwrap();
    FakeUnit::new(name, registry)
}

#[test]
fn the_leader_pipes_the_spec_once_then_only_when_it_changes() {
    let mut u = unit("redis/0", false);
    u.leader(true);
    let ran = u.run("start").ok();
    assert_eq!(ran.calls_of("leader-get"), [["--format=json"]]);
    assert_eq!(ran.calls_of("pod-spec-set"), [["--file", "-"]]);
    assert_eq!(ran.stdins_of("pod-spec-set"), [Some(SPEC.to_owned())]);
    let set = ran.calls_of("leader-set");
    assert_eq!(set.len(), 1);
    assert!(
        set[0]
            .iter()
            .any(|a| a.starts_with("charm-reactive.app.kv.podspec.hash=")),
        "{set:?}"
    );
    assert!(
        set[0].contains(&"charm-reactive.app.flag.podspec.set=set".to_owned()),
        "{set:?}"
    );

    let ran = u.run("config-changed").ok();
    assert!(ran.calls_of("pod-spec-set").is_empty());
}

#[test]
fn k8s_spec_set_takes_the_resources_file() {
    let mut u = unit("redis/0", true);
    u.leader(true);
    let ran = u.run("start").ok();
    let calls = ran.calls_of("k8s-spec-set");
    assert_eq!(calls.len(), 1);
    assert_eq!(calls[0][..2], ["--file", "-"]);
    assert_eq!(calls[0][2], "--k8s-resources");
    assert!(ran.calls_of("pod-spec-set").is_empty());
}

#[test]
fn a_follower_only_asks_whether_it_leads() {
    let mut u = unit("redis/1", false);
    let ran = u.run("start").ok();
    assert_eq!(ran.calls_of("is-leader"), [["--format=json"]]);
    assert!(ran.calls_of("pod-spec-set").is_empty());
    assert!(ran.calls_of("leader-set").is_empty());
}

#[test]
fn a_failing_pod_spec_set_fails_the_hook_and_records_nothing() {
    let mut u = unit("redis/0", false);
    u.leader(true);
    u.break_tool("pod-spec-set", "ERROR application redis not alive\n", 1);
    let ran = u.run("start");
    assert!(!ran.committed);
    let err = ran.error.as_ref().unwrap().to_string();
    assert!(err.contains("not alive"), "{err}");
    assert!(ran.calls_of("leader-set").is_empty());
    assert!(u.leader_settings().is_empty());
}
