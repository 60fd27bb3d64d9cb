//! The podspec layer against the engine's MemoryBackend and a real sled store:
//! leader only, hash in application scope, replacement units, the loop warning,
//! failing hooks.

use charm_reactive_testing::unit as support;

use std::sync::{Arc, Mutex};

use charm_reactive::backend::SpecTool;
use charm_reactive::log::Level;
use charm_reactive::{DyingLayer, Handler, Registry};
use charm_reactive_podspec::{
    set_k8s_spec, set_pod_spec, Outcome, PodSpecLayer, Render, Spec, HASH_KEY, HISTORY_KEY,
    SET_FLAG,
};
use serde_json::json;
use support::MemoryUnit;

/// What the charm renders, changed by the test between hooks.
#[derive(Clone, Default)]
struct Charm {
    spec: Arc<Mutex<String>>,
    inputs: Arc<Mutex<Option<String>>>,
    outcomes: Arc<Mutex<Vec<Outcome>>>,
    k8s: bool,
    fail_after: bool,
}

impl Charm {
    fn render(&self, spec: &str) {
        *self.spec.lock().unwrap() = spec.to_owned();
    }

    fn inputs(&self, inputs: &str) {
        *self.inputs.lock().unwrap() = Some(inputs.to_owned());
    }

    fn outcomes(&self) -> Vec<Outcome> {
        std::mem::take(&mut *self.outcomes.lock().unwrap())
    }

    /// A registry whose one handler sets the current spec in every hook.
    fn registry(&self) -> Registry {
        let me = self.clone();
        let handler = Handler::new("set-spec", move |ctx| {
            let mut spec = Spec::from_yaml(&me.spec.lock().unwrap())?;
            if let Some(i) = me.inputs.lock().unwrap().clone() {
                spec = spec.with_inputs(&i)?;
            }
            let outcome = if me.k8s {
                set_k8s_spec(ctx, &spec)?
            } else {
                set_pod_spec(ctx, &spec)?
            };
            me.outcomes.lock().unwrap().push(outcome);
            if me.fail_after {
                anyhow::bail!("failure after setting the spec");
            }
            Ok(())
        })
        .when_not(["never.set"]);
        Registry::builder()
            .layer(DyingLayer)
            .layer(PodSpecLayer)
            .handler(handler)
            .build()
            .unwrap()
    }

    fn unit(&self, name: &str, leader: bool) -> MemoryUnit {
        let mut u = MemoryUnit::new(name, self.registry());
        u.model().leader = leader;
        u
    }
}

const SPEC: &str = "containers:\n- name: consumer\n  imageDetails: {imagePath: 'sse/consumer:1'}\n  config:\n    BASE_URL: http://sse:8080\n";

fn app_value(u: &mut MemoryUnit, key: &str) -> Option<String> {
    u.model()
        .leader_settings
        .get(&format!("charm-reactive.app.kv.{key}"))
        .cloned()
}

#[test]
fn the_leader_sets_a_new_spec_once_and_records_its_hash_and_flag() {
    let charm = Charm::default();
    charm.render(SPEC);
    let mut u = charm.unit("con6/0", true);
    let ran = u.run("start").ok();
    assert_eq!(charm.outcomes(), [Outcome::Set]);
    assert_eq!(ran.calls_of("pod-spec-set"), [["--file", "-"]]);
    assert_eq!(ran.stdins_of("pod-spec-set"), [Some(SPEC.to_owned())]);
    assert_eq!(u.model().pod_specs.len(), 1);
    assert_eq!(u.model().pod_specs[0].tool, SpecTool::PodSpecSet);
    let hash = Spec::from_yaml(SPEC).unwrap().hash().to_owned();
    assert_eq!(app_value(&mut u, HASH_KEY), Some(format!("\"{hash}\"")));
    assert_eq!(
        u.model().leader_settings["charm-reactive.app.flag.podspec.set"],
        "set"
    );
    assert!(ran.final_flags.contains(&SET_FLAG.to_owned()));
    assert!(ran.logged(Level::Info, "pod spec set with pod-spec-set"));
    // All application-scope writes went out in one leader-set.
    assert_eq!(ran.calls_of("leader-set").len(), 1);
}

#[test]
fn the_same_content_is_not_set_again_and_is_confirmed_once() {
    let charm = Charm::default();
    charm.render(SPEC);
    let mut u = charm.unit("con6/0", true);
    u.run("start").ok();
    charm.outcomes();
    // Same content, other layout and key order.
    charm.render("containers: [{config: {BASE_URL: 'http://sse:8080'}, name: consumer, imageDetails: {imagePath: sse/consumer:1}}]");
    let ran = u.run("config-changed").ok();
    assert_eq!(charm.outcomes(), [Outcome::Unchanged]);
    assert!(ran.calls_of("pod-spec-set").is_empty());
    assert_eq!(
        ran.calls_of("leader-set").len(),
        1,
        "the spec is confirmed stable once"
    );
    let ran = u.run("update-status").ok();
    assert!(ran.calls_of("pod-spec-set").is_empty());
    assert!(ran.calls_of("leader-set").is_empty());
    assert_eq!(u.model().pod_specs.len(), 1);
}

#[test]
fn a_changed_spec_is_set_again() {
    let charm = Charm::default();
    charm.render(SPEC);
    let mut u = charm.unit("con6/0", true);
    u.run("start").ok();
    charm.render(&SPEC.replace("8080", "9090"));
    u.run("sse-endpoint-relation-changed").ok();
    assert_eq!(charm.outcomes(), [Outcome::Set, Outcome::Set]);
    assert_eq!(u.model().pod_specs.len(), 2);
    assert!(u.model().pod_specs[1].spec.contains("9090"));
}

#[test]
fn a_follower_never_calls_pod_spec_set_and_does_not_fail() {
    let charm = Charm::default();
    charm.render(SPEC);
    let mut u = charm.unit("con6/2", false);
    // Juju 2.5 would even have applied it (the seed's con6/2).
    u.model().pod_spec_requires_leader = false;
    let ran = u.run("sse-endpoint-relation-changed").ok();
    assert_eq!(charm.outcomes(), [Outcome::NotLeader]);
    assert!(ran.calls_of("pod-spec-set").is_empty());
    assert!(ran.calls_of("leader-set").is_empty());
    assert!(ran.logged(
        Level::Info,
        "con6/2 is not the leader: leaving the pod spec"
    ));
    assert!(u.model().pod_specs.is_empty());
}

#[test]
fn a_follower_sees_the_application_flag_set_by_the_leader() {
    let charm = Charm::default();
    charm.render(SPEC);
    let mut leader = charm.unit("con6/0", true);
    leader.run("start").ok();
    let mut follower = leader.successor("con6/1");
    let ran = follower.run("leader-settings-changed").ok();
    assert!(ran.final_flags.contains(&SET_FLAG.to_owned()));
}

#[test]
fn a_replacement_unit_with_a_deterministic_spec_does_not_set_it_again() {
    // The fix for the seed: con6/3 (fresh store) renders the same spec; the hash
    // recorded in application scope says it is already set.
    let charm = Charm::default();
    charm.render(SPEC);
    let mut old = charm.unit("con6/2", true);
    old.run("start").ok();
    let mut new = old.successor("con6/3");
    new.model().leader = true;
    let ran = new.run("start").ok();
    assert_eq!(charm.outcomes(), [Outcome::Set, Outcome::Unchanged]);
    assert!(ran.calls_of("pod-spec-set").is_empty());
}

#[test]
fn a_spec_changing_at_every_new_unit_is_reported_as_the_replacement_loop() {
    let charm = Charm::default();
    charm.render(&format!("{SPEC}  annotations: {{rendered-at: '0'}}\n"));
    let mut unit = charm.unit("con6/0", true);
    unit.run("start").ok();
    let mut warnings = Vec::new();
    for n in 1..=4 {
        charm.render(&format!("{SPEC}  annotations: {{rendered-at: '{n}'}}\n"));
        let mut next = unit.successor(&format!("con6/{n}"));
        next.model().leader = true;
        let ran = next.run("start").ok();
        warnings.push(ran.logged(Level::Warning, "endless replacement loop"));
        if n == 3 {
            let line = ran.log.iter().find(|r| r.level == Level::Warning).unwrap();
            assert!(
                line.message.contains("3 consecutive renders"),
                "{}",
                line.message
            );
            assert!(
                line.message.contains("con6/1 in start")
                    && line.message.contains("con6/3 in start")
            );
        }
        unit = next;
    }
    assert_eq!(warnings, [false, false, true, true]);
    assert_eq!(charm.outcomes(), [Outcome::Set; 5]);
}

#[test]
fn a_long_lived_leader_changing_its_spec_without_inputs_is_not_reported() {
    let charm = Charm::default();
    let mut u = charm.unit("app/0", true);
    for n in 0..5 {
        charm.render(&format!("{SPEC}  annotations: {{v: '{n}'}}\n"));
        let ran = u.run("config-changed").ok();
        assert!(!ran.logged(Level::Warning, "loop"));
    }
}

#[test]
fn with_inputs_a_spec_changing_while_its_inputs_do_not_is_reported() {
    let charm = Charm::default();
    charm.inputs("base_url=http://sse:8080");
    let mut u = charm.unit("app/0", true);
    let mut warned = Vec::new();
    for n in 0..4 {
        charm.render(&format!("{SPEC}  annotations: {{at: '{n}'}}\n"));
        warned.push(
            u.run("update-status")
                .ok()
                .logged(Level::Warning, "without a change of its inputs"),
        );
    }
    assert_eq!(warned, [false, false, false, true]);
    // Changed inputs explain the next change.
    charm.inputs("base_url=http://sse:9090");
    charm.render(&format!("{SPEC}  annotations: {{at: 'x'}}\n"));
    assert!(!u.run("config-changed").ok().logged(Level::Warning, "loop"));
}

#[test]
fn a_stable_spec_between_changes_breaks_the_streak() {
    let charm = Charm::default();
    charm.inputs("same");
    let mut u = charm.unit("app/0", true);
    for n in 0..6 {
        charm.render(&format!("{SPEC}  annotations: {{template: '{n}'}}\n"));
        let ran = u.run("upgrade-charm").ok();
        assert!(!ran.logged(Level::Warning, "loop"), "render {n}");
        // Rendered again unchanged: the spec is stable.
        u.run("update-status").ok();
    }
    let history: Vec<Render> =
        serde_json::from_str(&app_value(&mut u, HISTORY_KEY).unwrap()).unwrap();
    assert_eq!(history.len(), 6);
    assert!(
        history[1..].iter().all(|r| r.unexplained && r.confirmed),
        "{history:#?}"
    );
}

#[test]
fn a_failing_hook_commits_neither_the_spec_nor_its_hash() {
    let charm = Charm {
        fail_after: true,
        ..Charm::default()
    };
    charm.render(SPEC);
    let mut u = charm.unit("con6/0", true);
    let ran = u.run("start");
    assert!(!ran.committed);
    assert_eq!(
        ran.calls_of("pod-spec-set").len(),
        1,
        "pod-spec-set ran, Juju discards it"
    );
    assert!(ran.calls_of("leader-set").is_empty());
    assert!(u.model().pod_specs.is_empty());
    assert!(u.model().leader_settings.is_empty());
}

#[test]
fn k8s_spec_set_with_resources() {
    let charm = Charm {
        k8s: true,
        ..Charm::default()
    };
    charm.render(SPEC);
    let mut u = charm.unit("app/0", true);
    u.run("start").ok();
    assert_eq!(u.model().pod_specs[0].tool, SpecTool::K8sSpecSet);
    let spec = Spec::from_value(&json!({"containers": []}))
        .unwrap()
        .with_k8s_resources(&json!({"kubernetesResources": {"pod": {"annotations": {"a": "b"}}}}))
        .unwrap();
    assert!(spec
        .k8s_resources()
        .unwrap()
        .contains("kubernetesResources"));
}

#[test]
fn a_dying_leader_leaves_the_pods_alone() {
    let charm = Charm::default();
    charm.render(SPEC);
    let mut u = charm.unit("con6/0", true);
    let ran = u.run("stop").ok();
    assert_eq!(charm.outcomes(), [Outcome::Dying]);
    assert!(ran.calls_of("pod-spec-set").is_empty());
    assert!(ran.logged(
        Level::Info,
        "con6/0 is going away: not setting the pod spec"
    ));
}
