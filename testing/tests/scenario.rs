//! The in-process harness: a small charm built with `Registry::builder()`, run
//! one event at a time through `Context::run`.

use std::collections::BTreeMap;
use std::sync::Arc;

use anyhow::{anyhow, Context as _};
use charm_reactive::backend::{PodSpec, PortRange, RelationId, Status, StatusState, StatusTarget};
use charm_reactive::log::Level;
use charm_reactive::{Condition, DyingLayer, EngineError, Handler, Registry, DYING_FLAG};
use charm_reactive_testing::{Context, Event, HarnessError, Relation, State};
use serde_json::json;

const METADATA: &str = "\
name: con6
series: [kubernetes]
requires:
  db:
    interface: pgsql
provides:
  website:
    interface: http
peers:
  cluster:
    interface: con6-peers
";

const CONFIG: &str = "\
options:
  port:
    type: int
    default: 8080
  name:
    type: string
";

fn active(message: &str) -> Status {
    Status::new(StatusState::Active, message)
}

fn unit_status(
    ctx: &mut charm_reactive::Context<'_>,
    state: StatusState,
    message: &str,
) -> anyhow::Result<()> {
    ctx.juju()
        .status_set(StatusTarget::Unit, &Status::new(state, message))?;
    Ok(())
}

fn send_spec(ctx: &mut charm_reactive::Context<'_>, port: u16) -> anyhow::Result<()> {
    let spec = format!("containers: [{{name: con6, ports: [{{containerPort: {port}}}]}}]");
    ctx.juju().pod_spec_set(&PodSpec {
        spec,
        ..PodSpec::default()
    })?;
    Ok(())
}

/// The relation of the running relation hook.
fn hook_relation(
    ctx: &charm_reactive::Context<'_>,
) -> anyhow::Result<(RelationId, Option<String>)> {
    let rel = ctx.hook().relation.clone().context("not a relation hook")?;
    Ok((rel.id.parse()?, rel.remote_unit))
}

/// A small charm: install, configure from config, publish a pod spec and the
/// application scope as leader, serve once the application flag is set, talk
/// to `db`, fail on demand, and take a `backup` action.
fn registry() -> Arc<Registry> {
    let registry = Registry::builder()
        .handler(
            Handler::new("install", |ctx| {
                let installs = ctx.kv().get::<u32>("installs")?.unwrap_or(0);
                ctx.kv().set("installs", &(installs + 1))?;
                ctx.set_flag("app.installed");
                unit_status(ctx, StatusState::Maintenance, "installing")
            })
            .hook(["install"]),
        )
        .handler(
            Handler::new("configure", |ctx| {
                let port = ctx.juju().config()?["port"].as_u64().context("port")?;
                ctx.set_flag_value("app.configured", &(port as u16));
                ctx.log(Level::Info, format!("configured port {port}"));
                unit_status(ctx, StatusState::Active, "configured")
            })
            .when_all(["app.installed"])
            .when_not(["app.configured"]),
        )
        .handler(
            Handler::new("publish", |ctx| {
                let port: u16 = ctx.flag_value("app.configured")?.context("no port")?;
                ctx.app()?.set("spec-hash", &format!("h{port}"))?;
                send_spec(ctx, port)?;
                ctx.set_flag_value("app:spec.published", &port);
                Ok(())
            })
            .when_all(["app.configured"])
            .when_not(["app:spec.published"]),
        )
        .handler(
            Handler::new("spec_only", |ctx| {
                send_spec(ctx, 80)?;
                ctx.set_flag("spec.sent");
                Ok(())
            })
            .when_all(["spec.requested"])
            .when_not(["spec.sent"]),
        )
        .handler(
            Handler::new("serve", |ctx| {
                let hash: String = ctx.app()?.get("spec-hash")?.context("no spec-hash")?;
                ctx.kv().set("served-hash", &hash)?;
                ctx.set_flag("serving");
                unit_status(ctx, StatusState::Active, &format!("serving {hash}"))
            })
            .when_all(["app:spec.published"])
            .when_not(["serving"]),
        )
        .handler(
            Handler::new("db_changed", |ctx| {
                let (rid, remote) = hook_relation(ctx)?;
                let remote = remote.context("no remote unit")?;
                let host = ctx.juju().relation_get(&rid, &remote)?.get("host").cloned();
                let units = ctx.juju().relation_list(&rid)?;
                let remote_app = ctx.juju().relation_remote_app(&rid)?;
                let db_name = ctx
                    .juju()
                    .relation_get(&rid, &remote_app)?
                    .get("database")
                    .cloned();
                ctx.log(Level::Info, format!("db units: {}", units.join(",")));
                let mine = BTreeMap::from([("user".to_owned(), Some("con6".to_owned()))]);
                ctx.juju().relation_set(&rid, &mine)?;
                if ctx.is_leader()? {
                    let app = BTreeMap::from([("schema".to_owned(), Some("v1".to_owned()))]);
                    ctx.juju().relation_set_app(&rid, &app)?;
                }
                if let (Some(host), Some(db)) = (host, db_name) {
                    ctx.kv().set("db", &format!("{host}/{db}"))?;
                    ctx.set_flag("db.available");
                }
                Ok(())
            })
            .hook(["db-relation-{joined,changed}"]),
        )
        .handler(
            Handler::new("db_departed", |ctx| {
                let (rid, remote) = hook_relation(ctx)?;
                let units = ctx.juju().relation_list(&rid)?;
                let remote = remote.context("no remote unit")?;
                let last_host = ctx
                    .juju()
                    .relation_get(&rid, &remote)?
                    .get("host")
                    .cloned()
                    .unwrap_or_default();
                ctx.log(
                    Level::Info,
                    format!(
                        "{remote} (host {last_host}) departed; left: [{}]",
                        units.join(",")
                    ),
                );
                if units.is_empty() {
                    ctx.clear_flag("db.available");
                }
                Ok(())
            })
            .hook(["db-relation-departed"]),
        )
        .handler(
            Handler::new("db_broken", |ctx| {
                ctx.clear_flag("db.available");
                ctx.kv().unset("db")?;
                Ok(())
            })
            .hook(["db-relation-broken"]),
        )
        .handler(
            Handler::new("peers", |ctx| {
                let (rid, _) = hook_relation(ctx)?;
                let shared = ctx.juju().relation_get(&rid, "con6")?;
                let seen = shared
                    .get("token")
                    .cloned()
                    .unwrap_or_else(|| "none".into());
                ctx.kv().set("peer-token", &seen)?;
                Ok(())
            })
            .hook(["cluster-relation-changed"]),
        )
        .handler(
            Handler::new("failing", |ctx| {
                ctx.set_flag("half.done");
                ctx.kv().set("half", &1u8)?;
                let db = RelationId::new("db", 1);
                let data = BTreeMap::from([("broken".to_owned(), Some("yes".to_owned()))]);
                ctx.juju().relation_set(&db, &data)?;
                ctx.juju().open_port(&PortRange::tcp(9999))?;
                unit_status(ctx, StatusState::Maintenance, "about to fail")?;
                Err(anyhow!("boom"))
            })
            .when_all(["trigger.fail"]),
        )
        .handler(
            Handler::new("backup", |ctx| {
                let params = ctx.juju().action_get()?;
                let target = params["target"].as_str().context("target")?.to_owned();
                if target == "nowhere" {
                    return Err(anyhow!("cannot back up to {target}"));
                }
                ctx.juju().action_log("backing up")?;
                let results =
                    BTreeMap::from([("backup.path".to_owned(), format!("{target}/con6.tar"))]);
                ctx.juju().action_set(&results)?;
                Ok(())
            })
            .condition(Condition::Action("backup".into())),
        )
        .layer(DyingLayer)
        .build()
        .expect("a valid registry");
    Arc::new(registry)
}

fn context() -> Context {
    Context::new(registry(), METADATA)
        .unwrap()
        .with_config_yaml(CONFIG)
        .unwrap()
}

fn db(units: &[(&str, &str)]) -> Relation {
    let mut rel = Relation::new("db", 1, "pg").with_remote_app_data([("database", "con6db")]);
    for (unit, host) in units {
        rel = rel.with_remote_unit(*unit, [("host", *host)]);
    }
    rel
}

#[test]
fn flags_and_key_values_round_trip_through_the_unit_store() {
    let ctx = context();
    let first = ctx
        .run(Event::install(), State::new("con6/0").with_leader(true))
        .unwrap();
    assert!(first.succeeded(), "{:?}", first.error);
    assert!(first.committed);
    assert_eq!(first.invoked, ["install", "configure", "publish", "serve"]);
    assert!(first.state.has_flag("app.installed"));
    assert_eq!(
        first.state.flag_value::<u16>("app.configured").unwrap(),
        Some(8080),
        "config default"
    );
    assert_eq!(first.state.kv::<u32>("installs").unwrap(), Some(1));
    assert!(
        first.state.internal.contains_key("phase"),
        "engine bookkeeping is carried"
    );

    // The output state is the next input: the handler reads its own value back.
    let second = ctx.run(Event::install(), first.state.clone()).unwrap();
    assert_eq!(second.state.kv::<u32>("installs").unwrap(), Some(2));
    assert_eq!(
        second.invoked,
        ["install"],
        "configure is gated off by its flag value"
    );

    // A typed flag value and key/value given in the input reach the handlers.
    let seeded = State::new("con6/0")
        .with_leader(true)
        .with_flag("app.installed")
        .with_flag_value("app.configured", &9000u16)
        .with_kv("installs", &41u32);
    let out = ctx.run(Event::config_changed(), seeded).unwrap();
    assert_eq!(out.invoked, ["publish", "serve"]);
    assert_eq!(
        out.state.kv::<String>("served-hash").unwrap().as_deref(),
        Some("h9000")
    );
    assert_eq!(out.state.kv::<u32>("installs").unwrap(), Some(41));
    assert!(matches!(
        out.state.kv::<String>("installs"),
        Err(HarnessError::Decode { .. })
    ));
}

#[test]
fn a_leader_writes_the_application_scope_and_a_pod_spec() {
    let ctx = context();
    let state = State::new("con6/0")
        .with_leader(true)
        .with_flag("app.installed")
        .with_config("port", 7000);
    let out = ctx.run(Event::config_changed(), state).unwrap();
    assert!(out.succeeded(), "{:?}", out.error);
    assert_eq!(out.invoked, ["configure", "publish", "serve"]);
    assert!(out.state.has_app_flag("app:spec.published"));
    assert_eq!(
        out.state.app_flag_value::<u16>("spec.published").unwrap(),
        Some(7000)
    );
    assert_eq!(
        out.state
            .app_value::<String>("spec-hash")
            .unwrap()
            .as_deref(),
        Some("h7000")
    );
    assert!(
        out.state.leader_settings.is_empty(),
        "scope keys are not raw settings"
    );
    let spec = out.state.pod_spec.as_ref().expect("a pod spec");
    assert!(spec.spec.contains("containerPort: 7000"));
    assert_eq!(out.pod_spec_history.len(), 1);
    assert!(!out.pod_spec_history[0].by_non_leader);
    // ONE leader-set at commit, in the engine's key scheme.
    let sets = out.calls_of("leader-set");
    assert_eq!(sets.len(), 1);
    assert!(
        sets[0]
            .args
            .contains(&"charm-reactive.app.kv.spec-hash=\"h7000\"".to_owned()),
        "{:?}",
        sets[0]
    );
    assert!(sets[0]
        .args
        .iter()
        .any(|a| a.starts_with("charm-reactive.app.flag.spec.published=v:")));
}

#[test]
fn a_non_leader_cannot_write_the_application_scope() {
    let ctx = context();
    let state = State::new("con6/1")
        .with_flag("app.installed")
        .with_config("port", 7000);
    let out = ctx.run(Event::config_changed(), state.clone()).unwrap();
    let error = out.error.as_ref().expect("the hook fails").to_string();
    assert!(error.contains("handler publish failed"), "{error}");
    assert!(
        error.contains("setting application value \"spec-hash\": this unit is not the leader"),
        "{error}"
    );
    assert!(
        out.calls_of("pod-spec-set").is_empty(),
        "the handler stopped at the refusal"
    );
    assert!(!out.committed);
    assert_eq!(out.invoked, ["configure", "publish"]);
    assert!(
        out.calls_of("leader-set").is_empty(),
        "nothing reaches leader settings"
    );
    assert!(out.state.app_flags.is_empty() && out.state.app_kv.is_empty());
    assert_eq!(
        out.state.flags, state.flags,
        "the unit store is not committed"
    );
    assert!(out.state.pod_spec.is_none());
    assert!(out.log_contains("Hook error"));
}

#[test]
fn relation_hooks_see_and_write_relation_data() {
    let ctx = context();
    let state = State::new("con6/0").with_leader(true).with_relation(
        db(&[("pg/0", "10.0.0.1"), ("pg/1", "10.0.0.2")]).with_local_unit_data([("old", "x")]),
    );
    let out = ctx.run(Event::relation_changed(1, "pg/1"), state).unwrap();
    assert!(out.succeeded(), "{:?}", out.error);
    assert_eq!(out.invoked, ["db_changed"]);
    assert!(out.state.has_flag("db.available"));
    assert_eq!(
        out.state.kv::<String>("db").unwrap().as_deref(),
        Some("10.0.0.2/con6db")
    );
    assert!(out.log_contains("db units: pg/0,pg/1"));
    let rel = out.state.relation(1).unwrap();
    assert_eq!(rel.local_unit_data["user"], "con6");
    assert_eq!(rel.local_unit_data["old"], "x");
    assert_eq!(rel.local_app_data["schema"], "v1");
    assert_eq!(
        rel.remote_units["pg/0"]["host"], "10.0.0.1",
        "remote bags unchanged"
    );

    // A minion writes its unit bag but not the application's.
    let minion = State::new("con6/1").with_relation(db(&[("pg/0", "10.0.0.1")]));
    let out = ctx.run(Event::relation_joined(1, "pg/0"), minion).unwrap();
    assert!(out.succeeded(), "{:?}", out.error);
    let rel = out.state.relation(1).unwrap();
    assert_eq!(rel.local_unit_data["user"], "con6");
    assert!(rel.local_app_data.is_empty());
}

#[test]
fn departed_units_and_broken_relations_leave_the_state() {
    let ctx = context();
    let state = State::new("con6/0")
        .with_flag("db.available")
        .with_kv("db", "10.0.0.1/con6db")
        .with_relation(db(&[("pg/0", "10.0.0.1"), ("pg/1", "10.0.0.2")]));
    let out = ctx
        .run(Event::relation_departed(1, "pg/1", Some("pg/1")), state)
        .unwrap();
    assert!(out.succeeded(), "{:?}", out.error);
    assert!(
        out.log_contains("pg/1 (host 10.0.0.2) departed; left: [pg/0]"),
        "{:?}",
        out.juju_log
    );
    let rel = out.state.relation(1).unwrap();
    assert_eq!(rel.remote_units.keys().collect::<Vec<_>>(), ["pg/0"]);
    assert!(out.state.has_flag("db.available"));

    let out = ctx
        .run(Event::relation_departed(1, "pg/0", None), out.state)
        .unwrap();
    assert!(out.log_contains("left: []"));
    assert!(!out.state.has_flag("db.available"));

    let out = ctx.run(Event::relation_broken(1), out.state).unwrap();
    assert!(out.succeeded(), "{:?}", out.error);
    assert!(out.state.relations.is_empty());
    assert_eq!(out.state.kv::<String>("db").unwrap(), None);

    // This unit leaving: the dying layer's cue (JUJU_DEPARTING_UNIT is this unit).
    let leaving = State::new("con6/0").with_relation(db(&[("pg/0", "10.0.0.1")]));
    let out = ctx
        .run(Event::relation_departed(1, "pg/0", Some("con6/0")), leaving)
        .unwrap();
    assert!(out.succeeded(), "{:?}", out.error);
    assert!(out.state.relation(1).unwrap().remote_units.is_empty());
    assert!(out.state.has_flag(DYING_FLAG));
    // A remote unit leaving does not make this one dying.
    let remote = State::new("con6/0").with_relation(db(&[("pg/0", "10.0.0.1")]));
    let out = ctx
        .run(Event::relation_departed(1, "pg/0", Some("pg/0")), remote)
        .unwrap();
    assert!(!out.state.has_flag(DYING_FLAG));
}

#[test]
fn peers_share_one_application_bag() {
    let ctx = context();
    let cluster = Relation::new("cluster", 4, "con6")
        .with_remote_unit("con6/1", [("addr", "a")])
        .with_local_app_data([("token", "t1")]);
    let state = State::new("con6/0")
        .with_leader(true)
        .with_relation(cluster);
    let out = ctx
        .run(Event::relation_changed(4, "con6/1"), state)
        .unwrap();
    assert!(out.succeeded(), "{:?}", out.error);
    assert_eq!(
        out.state.kv::<String>("peer-token").unwrap().as_deref(),
        Some("t1")
    );
    assert_eq!(out.state.relation(4).unwrap().local_app_data["token"], "t1");
}

#[test]
fn histories_record_logs_statuses_and_tool_calls() {
    let ctx = context();
    let out = ctx
        .run(
            Event::install(),
            State::new("con6/0").with_unit_status(StatusState::Waiting, ""),
        )
        .unwrap();
    assert_eq!(
        out.unit_status_history,
        [
            Status::new(StatusState::Maintenance, "installing"),
            active("configured")
        ]
    );
    assert_eq!(out.state.unit_status, active("configured"));
    assert!(out.app_status_history.is_empty());
    let lines: Vec<&str> = out.juju_log.iter().map(|(_, l)| l.as_str()).collect();
    let pos = |needle: &str| {
        lines
            .iter()
            .position(|l| l.contains(needle))
            .unwrap_or_else(|| panic!("no {needle:?} in {lines:?}"))
    };
    assert!(
        pos("Reactive main running for hook install") < pos("Invoking reactive handler: install")
    );
    assert!(
        pos("Invoking reactive handler: install") < pos("Invoking reactive handler: configure")
    );
    assert!(pos("Invoking reactive handler: configure") < pos("configured port 8080"));
    assert!(
        out.juju_log
            .iter()
            .any(|(level, l)| *level == Level::Debug && l.contains("tracer")),
        "{lines:?}"
    );
    let tools: Vec<&str> = out.tool_calls.iter().map(|c| c.tool.as_str()).collect();
    assert_eq!(tools.iter().filter(|t| **t == "status-set").count(), 2);
    assert_eq!(tools.iter().filter(|t| **t == "config-get").count(), 1);
    assert_eq!(
        tools.last(),
        Some(&"juju-log"),
        "the engine's log goes out last: {tools:?}"
    );

    // Structured events add logfmt lines per dispatch step.
    let ctx = context().with_structured_events(true);
    let out = ctx.run(Event::install(), State::new("con6/0")).unwrap();
    assert!(
        out.log_contains("charm-reactive event=invoke unit=con6/0 hook=install handler=install")
    );
}

#[test]
fn a_failing_hook_leaves_the_state_unchanged_but_its_status() {
    let ctx = context();
    let state = State::new("con6/0")
        .with_flag("trigger.fail")
        .with_kv("keep", &5u8)
        .with_relation(db(&[("pg/0", "10.0.0.1")]));
    let out = ctx.run(Event::update_status(), state.clone()).unwrap();
    assert!(!out.succeeded());
    assert!(!out.committed);
    assert!(
        matches!(&out.error, Some(EngineError::Handler { id, .. }) if id == "failing"),
        "{:?}",
        out.error
    );
    assert_eq!(out.invoked, ["failing"]);
    assert!(out.log_contains("Hook error"));
    assert!(out.log_contains("boom"));
    // status-set acts at once in Juju; everything else is rolled back.
    let mut expected = state;
    expected.unit_status = Status::new(StatusState::Maintenance, "about to fail");
    assert_eq!(out.state, expected);
    assert_eq!(out.unit_status_history, [expected.unit_status.clone()]);

    // A failed relation-departed keeps the unit, so that the retry is consistent.
    let departed = Event::relation_departed(1, "pg/0", None);
    let out = ctx.run(departed.clone(), expected).unwrap();
    assert!(!out.succeeded());
    assert!(out
        .state
        .relation(1)
        .unwrap()
        .remote_units
        .contains_key("pg/0"));
    let retry = ctx.run(departed, out.state).unwrap();
    assert_eq!(retry.invoked, ["db_departed", "failing"]);
}

#[test]
fn actions_get_params_and_set_results() {
    let ctx = context();
    let out = ctx
        .run(
            Event::action("backup", json!({"target": "s3"})),
            State::new("con6/0"),
        )
        .unwrap();
    assert!(out.succeeded(), "{:?}", out.error);
    assert_eq!(out.invoked, ["backup"]);
    let action = out.action.as_ref().unwrap();
    assert_eq!(action.results["backup.path"], "s3/con6.tar");
    assert_eq!(action.logs, ["backing up"]);
    assert_eq!(action.failed, None);

    let out = ctx
        .run(
            Event::action("backup", json!({"target": "nowhere"})),
            State::new("con6/0"),
        )
        .unwrap();
    let failed = out
        .action
        .as_ref()
        .unwrap()
        .failed
        .as_deref()
        .unwrap_or_default();
    assert!(failed.contains("cannot back up to nowhere"), "{failed}");
}

#[test]
fn juju_version_switches_reach_the_backend() {
    let ctx = context();
    // Juju 2.5 applies (with a warning) a minion's pod spec; 2.6+ refuses it.
    let minion = State::new("con6/1").with_flag("spec.requested");
    let old = ctx
        .run(
            Event::update_status(),
            minion.clone().with_juju_version("2.5.1"),
        )
        .unwrap();
    assert!(old.succeeded(), "{:?}", old.error);
    assert_eq!(old.invoked, ["spec_only"]);
    assert!(old.pod_spec_history[0].by_non_leader);
    assert!(old
        .state
        .pod_spec
        .as_ref()
        .unwrap()
        .spec
        .contains("containerPort: 80"));
    let new = ctx.run(Event::update_status(), minion).unwrap();
    let error = new.error.as_ref().expect("refused on 2.8").to_string();
    assert!(
        error.contains("pod-spec-set`: this unit is not the leader"),
        "{error}"
    );
    assert!(new.state.pod_spec.is_none());
}

/// The seed's case: con6/2 (the leader) publishes a pod spec and application
/// scope, Kubernetes replaces it by con6/3, which starts with no unit flags and
/// must still see the application flag at its first hook.
#[test]
fn a_replacement_unit_rehydrates_application_flags_and_values() {
    let ctx = context();
    let con6_2 = State::new("con6/2")
        .with_leader(true)
        .with_flag("app.installed")
        .with_config("port", 8081);
    let out = ctx.run(Event::config_changed(), con6_2).unwrap();
    assert!(out.succeeded(), "{:?}", out.error);
    assert!(out.state.has_app_flag("spec.published"));

    let con6_3 = out.state.replacement("con6/3");
    assert!(!con6_3.leader && con6_3.flags.is_empty() && con6_3.kv.is_empty());
    assert_eq!(con6_3.app_flags, out.state.app_flags);
    let out = ctx.run(Event::start(), con6_3).unwrap();
    assert!(out.succeeded(), "{:?}", out.error);
    assert_eq!(
        out.invoked,
        ["serve"],
        "gated on app:spec.published; publish stays off"
    );
    assert_eq!(
        out.state.kv::<String>("served-hash").unwrap().as_deref(),
        Some("h8081")
    );
    assert_eq!(out.state.unit_status, active("serving h8081"));
    assert!(out.calls_of("leader-set").is_empty());
}

/// Runs `event` on `state` and returns the refusal.
fn refused(event: Event, state: State) -> HarnessError {
    match context().run(event, state) {
        Err(e) => e,
        Ok(out) => panic!("ran: {:?}", out.invoked),
    }
}

#[test]
fn inconsistent_relations_are_refused() {
    let web = || State::new("con6/0");
    let e = refused(
        Event::install(),
        web().with_relation(Relation::new("cache", 2, "redis")),
    );
    assert!(
        matches!(&e, HarnessError::EndpointNotInMetadata { endpoint, .. } if endpoint == "cache"),
        "{e}"
    );
    assert!(
        e.to_string().contains("declares: website, db, cluster"),
        "{e}"
    );

    let e = refused(
        Event::relation_changed(9, "pg/0"),
        web().with_relation(db(&[("pg/0", "h")])),
    );
    assert!(
        matches!(e, HarnessError::UnknownRelation { id: 9, .. }),
        "{e}"
    );

    let e = refused(
        Event::relation_changed(1, "pg/5"),
        web().with_relation(db(&[("pg/0", "h")])),
    );
    assert!(
        matches!(&e, HarnessError::RemoteUnitNotInRelation { unit, .. } if unit == "pg/5"),
        "{e}"
    );
    assert_eq!(
        e.to_string(),
        "db-relation-changed: remote unit \"pg/5\" is not in relation db:1 (its units: pg/0)"
    );

    let e = refused(
        Event::install(),
        web().with_relation(db(&[("mysql/0", "h")])),
    );
    assert!(
        matches!(&e, HarnessError::RemoteUnitOfOtherApp { unit, .. } if unit == "mysql/0"),
        "{e}"
    );

    let e = refused(
        Event::relation_departed(1, "pg/0", Some("pg/1")),
        web().with_relation(db(&[("pg/0", "h"), ("pg/1", "h")])),
    );
    assert!(
        matches!(&e, HarnessError::DepartingUnitNotInRelation { unit, .. } if unit == "pg/1"),
        "{e}"
    );

    let e = refused(
        Event::Relation {
            kind: charm_reactive_testing::RelationHook::Changed,
            id: 1,
            remote_unit: Some("pg/0".into()),
            departing_unit: Some("pg/0".into()),
        },
        web().with_relation(db(&[("pg/0", "h")])),
    );
    assert!(
        matches!(e, HarnessError::DepartingUnitOutsideDeparted { .. }),
        "{e}"
    );

    let e = refused(
        Event::Relation {
            kind: charm_reactive_testing::RelationHook::Joined,
            id: 1,
            remote_unit: None,
            departing_unit: None,
        },
        web().with_relation(db(&[])),
    );
    assert!(matches!(e, HarnessError::MissingRemoteUnit { .. }), "{e}");

    let e = refused(
        Event::Relation {
            kind: charm_reactive_testing::RelationHook::Broken,
            id: 1,
            remote_unit: Some("pg/0".into()),
            departing_unit: None,
        },
        web().with_relation(db(&[("pg/0", "h")])),
    );
    assert!(
        matches!(e, HarnessError::UnexpectedRemoteUnit { .. }),
        "{e}"
    );

    let e = refused(
        Event::install(),
        web()
            .with_relation(db(&[]))
            .with_relation(Relation::new("website", 1, "ingress")),
    );
    assert!(matches!(e, HarnessError::DuplicateRelationId(1)), "{e}");

    let e = refused(
        Event::install(),
        web().with_relation(Relation::new("cluster", 3, "other")),
    );
    assert!(matches!(e, HarnessError::PeerRemoteApp { .. }), "{e}");

    let e = refused(
        Event::install(),
        web().with_relation(Relation::new("cluster", 3, "con6").with_remote_app_data([("a", "b")])),
    );
    assert!(matches!(e, HarnessError::PeerRemoteAppData { .. }), "{e}");

    let e = refused(
        Event::hook("db-relation-changed"),
        web().with_relation(db(&[])),
    );
    assert!(matches!(e, HarnessError::RelationHookByName(_)), "{e}");
}

#[test]
fn inconsistent_hooks_actions_and_versions_are_refused() {
    let web = || State::new("con6/0");
    let e = refused(Event::hook("config-chnaged"), web());
    assert!(
        matches!(&e, HarnessError::UnknownHook(h) if h == "config-chnaged"),
        "{e}"
    );
    assert!(context()
        .run(Event::hook("data-storage-attached"), web())
        .is_ok());

    let e = refused(Event::action("restore", json!({})), web());
    assert!(
        matches!(&e, HarnessError::UnknownAction { name, known } if name == "restore" && known == "backup"),
        "{e}"
    );
    let e = refused(Event::action("backup", json!(["s3"])), web());
    assert!(
        matches!(e, HarnessError::ActionParamsNotObject { .. }),
        "{e}"
    );

    let e = refused(Event::leader_elected(), web());
    assert!(
        matches!(e, HarnessError::LeadershipMismatch { leader: false, .. }),
        "{e}"
    );
    let e = refused(Event::leader_settings_changed(), web().with_leader(true));
    assert!(
        matches!(e, HarnessError::LeadershipMismatch { leader: true, .. }),
        "{e}"
    );

    let e = refused(
        Event::relation_created(1),
        web().with_juju_version("2.7.2").with_relation(db(&[])),
    );
    assert!(
        matches!(&e, HarnessError::NeedsNewerJuju { needs: "2.8", .. }),
        "{e}"
    );
    let e = refused(Event::remove(), web().with_juju_version("2.7"));
    assert!(
        matches!(&e, HarnessError::NeedsNewerJuju { needs: "2.8", .. }),
        "{e}"
    );
    let e = refused(
        Event::relation_departed(1, "pg/0", Some("pg/0")),
        web()
            .with_juju_version("2.7.0")
            .with_relation(db(&[("pg/0", "h")])),
    );
    assert!(
        matches!(&e, HarnessError::NeedsNewerJuju { what, .. } if what == "JUJU_DEPARTING_UNIT"),
        "{e}"
    );
    let e = refused(
        Event::install(),
        web().with_juju_version("2.6.0").with_relation(db(&[])),
    );
    assert!(
        matches!(&e, HarnessError::NeedsNewerJuju { needs: "2.7", .. }),
        "{e}"
    );
    let e = refused(Event::install(), web().with_juju_version("latest"));
    assert!(matches!(e, HarnessError::InvalidJujuVersion(_)), "{e}");
    let e = refused(Event::install(), State::new("con6"));
    assert!(matches!(e, HarnessError::InvalidUnitName(_)), "{e}");
}

#[test]
fn inconsistent_flags_settings_and_config_are_refused() {
    let web = || State::new("con6/0");
    let e = refused(Event::install(), web().with_flag("app:spec.published"));
    assert!(matches!(e, HarnessError::AppFlagInUnitFlags(_)), "{e}");
    let e = refused(
        Event::install(),
        web()
            .with_app_flag("x")
            .with_leader_setting("charm-reactive.app.flag.x", "set"),
    );
    assert!(matches!(e, HarnessError::LeaderSettingConflict(_)), "{e}");
    let e = refused(Event::install(), web().with_config("colour", "red"));
    assert!(
        matches!(&e, HarnessError::UnknownConfigOption(k) if k == "colour"),
        "{e}"
    );
    let e = refused(Event::install(), web().with_config("port", "eighty"));
    assert!(
        matches!(&e, HarnessError::ConfigType { key, .. } if key == "port"),
        "{e}"
    );

    // Raw leader settings outside the scope pass through untouched.
    let out = context()
        .run(Event::install(), web().with_leader_setting("legacy", "1"))
        .unwrap();
    assert_eq!(out.state.leader_settings["legacy"], "1");
}

#[test]
fn contexts_read_a_charm_dir() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("metadata.yaml"), METADATA).unwrap();
    std::fs::write(dir.path().join("config.yaml"), CONFIG).unwrap();
    let ctx = Context::from_charm_dir(registry(), dir.path()).unwrap();
    let e = ctx
        .run(
            Event::install(),
            State::new("con6/0").with_config("nope", 1),
        )
        .unwrap_err();
    assert!(matches!(e, HarnessError::UnknownConfigOption(_)), "{e}");
    let missing = Context::from_charm_dir(registry(), &dir.path().join("absent")).unwrap_err();
    assert!(
        matches!(missing, HarnessError::CharmFile { .. }),
        "{missing}"
    );
}

#[test]
fn hooks_get_a_charm_dir_with_the_charms_config_yaml() {
    // A handler that records where the hook says the charm is, and its config.yaml.
    let registry = Arc::new(
        Registry::builder()
            .handler(
                Handler::new("charm-dir", |ctx| {
                    let dir = ctx.hook().charm_dir.clone();
                    let yaml = dir
                        .as_ref()
                        .map(|d| std::fs::read_to_string(d.join("config.yaml")))
                        .transpose()?;
                    ctx.kv().set("dir", &dir.map(|d| d.display().to_string()))?;
                    ctx.kv().set("config.yaml", &yaml)?;
                    Ok(())
                })
                .hook(["install"]),
            )
            .build()
            .unwrap(),
    );
    let seen = |ctx: &Context| {
        let out = ctx.run(Event::install(), State::new("con6/0")).unwrap();
        assert!(out.succeeded(), "{:?}", out.error);
        let dir: Option<String> = out.state.kv("dir").unwrap().unwrap();
        let yaml: Option<String> = out.state.kv("config.yaml").unwrap().unwrap();
        (dir, yaml)
    };

    let given = Context::new(Arc::clone(&registry), METADATA)
        .unwrap()
        .with_config_yaml(CONFIG)
        .unwrap();
    let (dir, yaml) = seen(&given);
    assert!(dir.is_some());
    assert_eq!(yaml.as_deref(), Some(CONFIG));

    let charm = tempfile::tempdir().unwrap();
    std::fs::write(charm.path().join("metadata.yaml"), METADATA).unwrap();
    std::fs::write(charm.path().join("config.yaml"), CONFIG).unwrap();
    let from_dir = Context::from_charm_dir(Arc::clone(&registry), charm.path()).unwrap();
    let (dir, yaml) = seen(&from_dir);
    assert_eq!(dir, Some(charm.path().display().to_string()));
    assert_eq!(yaml.as_deref(), Some(CONFIG));

    let bare = Context::new(registry, METADATA).unwrap();
    assert_eq!(seen(&bare), (None, None));
}
