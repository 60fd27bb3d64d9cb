//! Endpoints (charms.reactive's `Endpoint`) across hook sequences: automatic
//! flags, departed units, relation data, publishing at commit, and
//! `{endpoint_name}` expansion; against `MemoryBackend` and against the fake
//! hook tools (tests/fake-tools/fake-hook-tool) through `HookTools`.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use charm_reactive::backend::{Backend, HookTools, MemoryBackend, Model, RelationId, ToolCall};
use charm_reactive::endpoint::{EndpointError, EndpointKind, EndpointLayer};
use charm_reactive::hook_env::RelationContext;
use charm_reactive::pattern::RelationSpec;
use charm_reactive::registry::RegistryBuilder;
use charm_reactive::store::Store;
use charm_reactive::{Handler, HookInfo, HookOutcome, Registry};
use serde_json::json;

// ---- harness ------------------------------------------------------------------

fn spec(role: &str, name: &str, interface: &str) -> RelationSpec {
    let role = charm_reactive::juju::Role::from_section(role).expect("a metadata section");
    RelationSpec::new(role, name, interface)
}

/// metadata.yaml of the test charm: `db` (requires pgsql) is served by an
/// interface, `web` (provides http) is not.
fn relations() -> Vec<RelationSpec> {
    vec![
        spec("requires", "db", "pgsql"),
        spec("provides", "web", "http"),
    ]
}

fn builder() -> RegistryBuilder {
    Registry::builder().layer(EndpointLayer::new([EndpointKind::requires("pgsql")]))
}

fn rid(n: u32) -> RelationId {
    RelationId::new("db", n)
}

/// A hook of `web/0`, with the charm's relations.
fn hook(name: &str) -> HookInfo {
    HookInfo {
        relations: relations(),
        ..HookInfo::new(name, "web/0")
    }
}

/// A relation hook of `db:<n>` about `remote`.
fn rel_hook(event: &str, n: u32, remote: &str) -> HookInfo {
    HookInfo {
        relation: Some(RelationContext {
            name: "db".into(),
            id: format!("db:{n}"),
            remote_unit: Some(remote.into()),
            remote_app: Some(remote.split('/').next().unwrap().into()),
            departing_unit: None,
        }),
        ..hook(&format!("db-relation-{event}"))
    }
}

/// One unit's store and model, run hook after hook as Juju would.
struct Unit {
    _dir: tempfile::TempDir,
    store: Store,
    registry: Arc<Registry>,
    juju: Option<MemoryBackend>,
}

/// What a hook did, with the tool calls it made.
struct Ran {
    outcome: HookOutcome,
    calls: Vec<ToolCall>,
}

impl Ran {
    fn flags(&self) -> Vec<&str> {
        self.outcome
            .final_flags
            .iter()
            .map(String::as_str)
            .collect()
    }

    fn has(&self, flag: &str) -> bool {
        self.outcome.final_flags.iter().any(|f| f == flag)
    }

    fn tool(&self, tool: &str) -> Vec<&ToolCall> {
        self.calls.iter().filter(|c| c.tool == tool).collect()
    }

    fn ok(self) -> Ran {
        assert!(
            self.outcome.committed,
            "hook failed: {:?}",
            self.outcome.error
        );
        self
    }
}

impl Unit {
    fn new(registry: Registry) -> Unit {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path().join("unit.sled")).unwrap();
        let registry = registry.expand_endpoints(&relations()).unwrap();
        Unit {
            _dir: dir,
            store,
            registry: Arc::new(registry),
            juju: Some(MemoryBackend::new(Model::new("web/0"))),
        }
    }

    fn model(&mut self) -> &mut Model {
        self.juju.as_mut().unwrap().model_mut()
    }

    /// Adds `db:<n>` with `units` in scope and their bags.
    fn relate(&mut self, n: u32, units: &[(&str, serde_json::Value)]) {
        let names: Vec<&str> = units.iter().map(|(u, _)| *u).collect();
        let model = self.model();
        model.add_relation(rid(n), "pg", &names);
        for (unit, bag) in units {
            let bag: BTreeMap<String, String> = serde_json::from_value(bag.clone()).unwrap();
            model
                .relations
                .get_mut(&rid(n))
                .unwrap()
                .data
                .insert(unit.to_string(), bag);
        }
    }

    fn set_remote(&mut self, n: u32, unit: &str, key: &str, value: &str) {
        let rel = self.model().relations.get_mut(&rid(n)).unwrap();
        rel.data
            .entry(unit.into())
            .or_default()
            .insert(key.into(), value.into());
    }

    fn local_bag(&mut self, n: u32) -> BTreeMap<String, String> {
        self.model().relations[&rid(n)].data["web/0"].clone()
    }

    fn run(&mut self, hook: HookInfo) -> Ran {
        let mut memory = self.juju.take().unwrap();
        let outcome =
            charm_reactive::run_hook(Arc::clone(&self.registry), &self.store, hook, &mut memory);
        let calls = memory.calls().to_vec();
        memory.end_hook(outcome.committed);
        self.juju = Some(memory);
        Ran { outcome, calls }
    }
}

/// A handler recording what `f` returns, with its observations.
fn observer<T: Send + 'static>(
    id: &str,
    f: impl Fn(&mut charm_reactive::Context<'_>) -> anyhow::Result<T> + Send + Sync + 'static,
) -> (Handler, Arc<Mutex<Vec<T>>>) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let sink = Arc::clone(&seen);
    let h = Handler::new(id, move |ctx| {
        let v = f(ctx)?;
        sink.lock().unwrap().push(v);
        Ok(())
    });
    (h, seen)
}

// ---- automatic flags ----------------------------------------------------------

#[test]
fn joined_changed_and_departed_follow_charms_reactive_across_hooks() {
    let mut unit = Unit::new(builder().build().unwrap());

    let r = unit.run(hook("install")).ok();
    assert!(r.flags().is_empty(), "{:?}", r.flags());
    assert_eq!(
        r.tool("relation-ids").len(),
        1,
        "only the served endpoint is read"
    );
    assert_eq!(r.tool("relation-ids")[0].args, ["--format=json", "db"]);

    unit.relate(
        1,
        &[("pg/0", json!({"host": "\"10.0.0.1\"", "port": "5432"}))],
    );
    let r = unit.run(rel_hook("joined", 1, "pg/0")).ok();
    assert_eq!(
        r.flags(),
        [
            "endpoint.db.changed",
            "endpoint.db.changed.host",
            "endpoint.db.changed.port",
            "endpoint.db.joined"
        ]
    );

    // Not a relation hook of db, and joined already: no data is read, and
    // the changed flags stay (never cleared automatically).
    let r = unit.run(hook("config-changed")).ok();
    assert!(r.tool("relation-get").is_empty());
    assert!(r.has("endpoint.db.changed.host") && r.has("endpoint.db.joined"));

    // Unchanged data in a relation hook sets nothing new.
    let clear = Handler::new("clear", |ctx| {
        ctx.clear_flag("endpoint.db.changed");
        ctx.clear_flag("endpoint.db.changed.host");
        ctx.clear_flag("endpoint.db.changed.port");
        Ok(())
    })
    .when_all(["endpoint.db.changed"]);
    unit.registry = Arc::new(builder().handler(clear).build().unwrap());
    let r = unit.run(hook("update-status")).ok();
    assert_eq!(r.flags(), ["endpoint.db.joined"]);
    let r = unit.run(rel_hook("changed", 1, "pg/0")).ok();
    assert_eq!(r.outcome.invoked, Vec::<String>::new());
    assert_eq!(r.flags(), ["endpoint.db.joined"]);

    // A changed value sets changed and changed.<key> again (the handler
    // then clears them in the same hook).
    unit.set_remote(1, "pg/0", "host", "\"10.0.0.2\"");
    let r = unit.run(rel_hook("changed", 1, "pg/0")).ok();
    assert_eq!(r.outcome.invoked, ["clear"]);
    let log: Vec<&str> = r.outcome.log.iter().map(|l| l.message.as_str()).collect();
    assert!(
        log.iter()
            .any(|l| l.contains("set flag endpoint.db.changed.host")),
        "{log:?}"
    );
    assert!(
        !log.iter()
            .any(|l| l.contains("set flag endpoint.db.changed.port")),
        "{log:?}"
    );

    // The last unit departs: joined is cleared in the departed hook itself,
    // departed is set and stays set while nothing is joined.
    unit.model()
        .relations
        .get_mut(&rid(1))
        .unwrap()
        .units
        .clear();
    let r = unit.run(rel_hook("departed", 1, "pg/0")).ok();
    assert_eq!(r.flags(), ["endpoint.db.departed"]);
    let r = unit.run(hook("update-status")).ok();
    assert_eq!(r.flags(), ["endpoint.db.departed"]);

    // A unit joins again: departed is cleared by the next hook that sees it joined.
    unit.model()
        .relations
        .get_mut(&rid(1))
        .unwrap()
        .units
        .push("pg/1".into());
    let r = unit.run(rel_hook("joined", 1, "pg/1")).ok();
    assert!(
        r.has("endpoint.db.joined") && !r.has("endpoint.db.departed"),
        "{:?}",
        r.flags()
    );
}

/// The flags, relation-get counts and departed list after each hook, as
/// charms.reactive 1.5.3's own `Endpoint._startup` printed them for this
/// sequence (run in the oracle venv with hookenv's relation calls mocked over
/// the same model; `changed` flags cleared by hand after update-status).
#[test]
fn flag_sequence_matches_charms_reactive() {
    let mut unit = Unit::new(builder().build().unwrap());
    let check = |r: &Ran, flags: &[&str], gets: usize| {
        assert_eq!(
            r.flags(),
            flags,
            "{}",
            r.outcome.log.last().map_or("", |l| l.message.as_str())
        );
        assert_eq!(r.tool("relation-get").len(), gets, "{flags:?}");
    };
    let (j, c, ch, cp, d) = (
        "endpoint.db.joined",
        "endpoint.db.changed",
        "endpoint.db.changed.host",
        "endpoint.db.changed.port",
        "endpoint.db.departed",
    );
    check(&unit.run(hook("install")).ok(), &[], 0);
    unit.relate(
        1,
        &[("pg/0", json!({"host": "\"10.0.0.1\"", "port": "5432"}))],
    );
    check(
        &unit.run(rel_hook("joined", 1, "pg/0")).ok(),
        &[c, ch, cp, j],
        1,
    );
    check(&unit.run(hook("config-changed")).ok(), &[c, ch, cp, j], 0);
    let clear = Handler::new("clear", move |ctx| {
        for f in [c, ch, cp] {
            ctx.clear_flag(f);
        }
        Ok(())
    })
    .when_all([c]);
    unit.registry = Arc::new(builder().handler(clear).build().unwrap());
    check(&unit.run(hook("update-status")).ok(), &[j], 0);
    unit.registry = Arc::new(builder().build().unwrap());
    check(&unit.run(rel_hook("changed", 1, "pg/0")).ok(), &[j], 1);
    unit.set_remote(1, "pg/0", "host", "\"10.0.0.2\"");
    check(
        &unit.run(rel_hook("changed", 1, "pg/0")).ok(),
        &[c, ch, j],
        1,
    );
    unit.model()
        .relations
        .get_mut(&rid(1))
        .unwrap()
        .units
        .clear();
    check(
        &unit.run(rel_hook("departed", 1, "pg/0")).ok(),
        &[c, ch, d],
        1,
    );
    check(&unit.run(hook("update-status")).ok(), &[c, ch, d], 0);
    unit.model()
        .relations
        .get_mut(&rid(1))
        .unwrap()
        .units
        .push("pg/1".into());
    check(
        &unit.run(rel_hook("joined", 1, "pg/1")).ok(),
        &[c, ch, j],
        1,
    );

    let (h, seen) = observer("departed", |ctx| {
        let units = ctx.endpoint("db")?.all_departed_units()?;
        Ok(units
            .iter()
            .map(|u| {
                (
                    u.relation_id().to_owned(),
                    u.unit_name().to_owned(),
                    u.received().clone(),
                )
            })
            .collect::<Vec<_>>())
    });
    unit.registry = Arc::new(builder().handler(h.when_not(["never"])).build().unwrap());
    unit.run(hook("update-status")).ok();
    let seen = seen.lock().unwrap();
    let (rel, name, data) = &seen[0][0];
    assert_eq!((rel.as_str(), name.as_str()), ("db:1", "pg/0"));
    let raw: Vec<(&str, &str)> = data.iter_raw().collect();
    assert_eq!(raw, [("host", "\"10.0.0.2\""), ("port", "5432")]);
}

#[test]
fn data_is_compared_outside_relation_hooks_until_joined_was_set() {
    // A charm upgraded onto endpoints (charms.reactive's migration case): the
    // first hook that finds the relation joined compares data, whatever the hook.
    let mut unit = Unit::new(builder().build().unwrap());
    unit.relate(1, &[("pg/0", json!({"host": "\"h\""}))]);
    let r = unit.run(hook("upgrade-charm")).ok();
    assert_eq!(r.tool("relation-get").len(), 1);
    assert!(r.has("endpoint.db.changed.host"));
}

#[test]
fn manage_flags_step_is_skipped_by_the_early_return() {
    fn count(ctx: &mut charm_reactive::Context<'_>) -> anyhow::Result<()> {
        let name = ctx.current_endpoint()?.name().to_owned();
        let n: u32 = ctx.kv().get("manage_flags")?.unwrap_or(0);
        ctx.kv().set("manage_flags", &(n + 1))?;
        ctx.set_flag(&format!("{name}.managed"));
        Ok(())
    }
    fn trigger(ctx: &mut charm_reactive::Context<'_>) -> anyhow::Result<()> {
        let joined = ctx.current_endpoint()?.expand_name("joined");
        ctx.register_trigger(charm_reactive::Trigger::when(joined).set_flag("db.just-joined"));
        Ok(())
    }
    let kind = EndpointKind::requires("pgsql")
        .with_manage_flags(count)
        .with_register_triggers(trigger);
    let (probe, seen) = observer("probe", |ctx| {
        Ok(ctx.kv().get::<u32>("manage_flags")?.unwrap_or(0))
    });
    let registry = Registry::builder()
        .layer(EndpointLayer::new([kind]))
        .handler(probe.when_all(["db.managed"]))
        .build()
        .unwrap();
    let mut unit = Unit::new(registry);
    unit.relate(1, &[("pg/0", json!({}))]);

    let r = unit.run(rel_hook("joined", 1, "pg/0")).ok();
    assert!(
        r.has("db.just-joined"),
        "a trigger registered before the flags fires: {:?}",
        r.flags()
    );
    let r = unit.run(hook("config-changed")).ok(); // early return: not run
    assert!(r.has("db.managed"));
    unit.run(rel_hook("changed", 1, "pg/0")).ok();
    assert_eq!(*seen.lock().unwrap(), [1, 1, 2]);
}

#[test]
fn departed_units_are_remembered_until_removed_and_their_relation_is_dropped() {
    type Seen = Vec<(String, String, Option<String>)>;
    fn departed_list(ctx: &mut charm_reactive::Context<'_>) -> anyhow::Result<Seen> {
        Ok(ctx
            .endpoint("db")?
            .all_departed_units()?
            .iter()
            .map(|u| {
                (
                    u.relation_id().to_owned(),
                    u.unit_name().to_owned(),
                    u.received().get("host").unwrap(),
                )
            })
            .collect())
    }
    let (h, seen) = observer("departed", |ctx| {
        let units = departed_list(ctx)?;
        let mut ep = ctx.endpoint("db")?;
        // The relation left without units is dropped: never published to.
        assert!(matches!(
            ep.relation("db:1"),
            Err(EndpointError::UnknownRelation { .. })
        ));
        ep.relation("db:2")?
            .to_publish()?
            .set("departed", &units.len())?;
        Ok(units)
    });
    let mut unit = Unit::new(
        builder()
            .handler(h.when_all(["endpoint.db.departed"]))
            .build()
            .unwrap(),
    );
    unit.relate(1, &[("pg/0", json!({"host": "\"a\""}))]);
    unit.relate(2, &[("pg/1", json!({"host": "\"b\""}))]);
    unit.run(rel_hook("joined", 1, "pg/0")).ok();

    unit.model()
        .relations
        .get_mut(&rid(1))
        .unwrap()
        .units
        .clear();
    let r = unit.run(rel_hook("departed", 1, "pg/0")).ok();
    assert!(r.has("endpoint.db.joined"), "db:2 is still joined");
    assert!(r.has("endpoint.db.departed"));
    assert_eq!(
        *seen.lock().unwrap(),
        [vec![(
            "db:1".to_owned(),
            "pg/0".to_owned(),
            Some("a".to_owned())
        )]]
    );
    let sets = r.tool("relation-set");
    assert_eq!(sets.len(), 1);
    assert_eq!(sets[0].args, ["-r", "db:2", "--file", "-"]);

    // The next hook, still joined, clears departed; the list persists until
    // the charm removes its units.
    let (h, seen) = observer("cleanup", |ctx| {
        let before = departed_list(ctx)?;
        let mut ep = ctx.endpoint("db")?;
        assert_eq!(ep.remove_departed_unit("nobody/9")?, None);
        let removed = ep
            .remove_departed_unit("pg/0")?
            .map(|u| u.unit_name().to_owned());
        Ok((before.len(), removed, ep.all_departed_units()?.len()))
    });
    unit.registry = Arc::new(builder().handler(h.when_not(["never"])).build().unwrap());
    let r = unit.run(hook("update-status")).ok();
    assert!(!r.has("endpoint.db.departed"));
    assert_eq!(*seen.lock().unwrap(), [(1, Some("pg/0".to_owned()), 0)]);

    // The removal was committed.
    let (h, seen) = observer("check", |ctx| {
        let n = departed_list(ctx)?.len();
        ctx.endpoint("db")?.clear_departed_units()?;
        Ok(n)
    });
    unit.registry = Arc::new(builder().handler(h.when_not(["never"])).build().unwrap());
    unit.run(hook("update-status")).ok();
    assert_eq!(*seen.lock().unwrap(), [0]);
}

// ---- relation data ----------------------------------------------------------------

#[test]
fn relations_and_units_sort_as_strings_and_the_lowest_unit_wins_merges() {
    let (h, seen) = observer("look", |ctx| {
        let mut ep = ctx.endpoint("db")?;
        let ids = ep.relation_ids();
        let units: Vec<String> = ep
            .all_joined_units()
            .iter()
            .map(|u| format!("{}/{}", u.relation_id(), u.unit_name()))
            .collect();
        let merged = ep.all_joined_units_received()?;
        let per_rel = ep.relation("db:2")?.joined_units_received()?;
        let unit = ep.all_joined_units()[1].clone();
        let one = ep.received(&unit)?.get::<String>("who")?;
        Ok((
            ids,
            units,
            merged.get::<String>("who")?,
            merged.get::<String>("only2")?,
            per_rel.get::<String>("who")?,
            one,
        ))
    });
    let mut unit = Unit::new(
        builder()
            .handler(h.when_all(["endpoint.db.joined"]))
            .build()
            .unwrap(),
    );
    unit.relate(
        2,
        &[
            ("pg/2", json!({"who": "\"2/2\"", "only2": "x"})),
            ("pg/10", json!({"who": "\"2/10\""})),
        ],
    );
    unit.relate(10, &[("pg/3", json!({"who": "\"10/3\""}))]);
    unit.run(hook("install")).ok();
    let (ids, units, who, only2, per_rel, one) = seen.lock().unwrap()[0].clone();
    assert_eq!(ids, ["db:10", "db:2"]);
    assert_eq!(units, ["db:10/pg/3", "db:2/pg/10", "db:2/pg/2"]);
    assert_eq!(who.as_deref(), Some("10/3"));
    assert_eq!(
        only2.as_deref(),
        Some("x"),
        "a non-JSON value reads as its string"
    );
    assert_eq!(per_rel.as_deref(), Some("2/10"));
    assert_eq!(one.as_deref(), Some("2/10"));
}

#[test]
fn to_publish_is_flushed_once_at_commit_as_the_whole_bag() {
    let (h, _) = observer("publish", |ctx| {
        let mut ep = ctx.endpoint("db")?;
        let mut rel = ep.relation("db:1")?;
        let bag = rel.to_publish()?;
        bag.set("url", "http://x:8080")?;
        bag.set("hosts", &json!({"b": 2, "a": [1.0, "é"]}))?;
        bag.set_raw("raw", "plain");
        bag.set("url", "http://y:8080")?;
        Ok(())
    });
    let mut unit = Unit::new(
        builder()
            .handler(h.when_all(["endpoint.db.joined"]))
            .build()
            .unwrap(),
    );
    unit.relate(1, &[("pg/0", json!({}))]);
    unit.model()
        .relations
        .get_mut(&rid(1))
        .unwrap()
        .data
        .get_mut("web/0")
        .unwrap()
        .insert("private-address".into(), "10.1.1.1".into());
    let r = unit.run(rel_hook("joined", 1, "pg/0")).ok();
    let sets = r.tool("relation-set");
    assert_eq!(sets.len(), 1, "{:?}", r.calls);
    assert_eq!(sets[0].args, ["-r", "db:1", "--file", "-"]);
    let sent: BTreeMap<String, String> =
        serde_json::from_str(sets[0].stdin.as_deref().unwrap()).unwrap();
    let expected: BTreeMap<String, String> = [
        ("hosts", r#"{"a": [1.0, "\u00e9"], "b": 2}"#),
        ("private-address", "10.1.1.1"),
        ("raw", "plain"),
        ("url", "\"http://y:8080\""),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect();
    assert_eq!(sent, expected, "the whole bag, JSON as Python's json.dumps");
    assert_eq!(unit.local_bag(1), expected);

    // The same values again: Juju would ignore the write, so none is made.
    let r = unit.run(rel_hook("changed", 1, "pg/0")).ok();
    assert!(r.tool("relation-set").is_empty());
}

#[test]
fn a_failing_handler_publishes_nothing() {
    let publish = Handler::new("publish", |ctx| {
        ctx.endpoint("db")?
            .relation("db:1")?
            .to_publish()?
            .set("url", "http://x")?;
        Ok(())
    })
    .when_all(["endpoint.db.joined"]);
    let fail = Handler::new("fail", |_| anyhow::bail!("boom")).when_all(["endpoint.db.joined"]);
    let mut unit = Unit::new(
        builder()
            .handler(publish.clone())
            .handler(fail)
            .build()
            .unwrap(),
    );
    unit.relate(1, &[("pg/0", json!({"host": "\"h\""}))]);
    let r = unit.run(rel_hook("joined", 1, "pg/0"));
    assert!(!r.outcome.committed);
    assert_eq!(r.outcome.invoked, ["publish", "fail"]);
    assert!(r.tool("relation-set").is_empty(), "{:?}", r.calls);
    assert!(unit.local_bag(1).is_empty());

    // Nothing of the hook was kept: the next hook finds the relation newly
    // joined and its data new, even outside a relation hook, and publishes.
    unit.registry = Arc::new(builder().handler(publish).build().unwrap());
    let r = unit.run(hook("update-status")).ok();
    assert!(
        r.has("endpoint.db.joined") && r.has("endpoint.db.changed.host"),
        "{:?}",
        r.flags()
    );
    assert_eq!(r.tool("relation-set").len(), 1);
    assert_eq!(unit.local_bag(1)["url"], "\"http://x\"");
}

#[test]
fn application_bags_need_leadership() {
    let (h, seen) = observer("app", |ctx| {
        let mut ep = ctx.endpoint("db")?;
        let mut rel = ep.relation("db:1")?;
        let remote = rel.received_app()?.get::<String>("version")?;
        let app = rel.application_name();
        rel.to_publish_app()?.set("schema", "v2")?;
        Ok((remote, app))
    });
    let mut unit = Unit::new(
        builder()
            .handler(h.when_all(["endpoint.db.joined"]))
            .build()
            .unwrap(),
    );
    unit.relate(
        1,
        &[("pg/0", json!({})), ("pg", json!({"version": "\"14\""}))],
    );
    let r = unit.run(rel_hook("joined", 1, "pg/0"));
    assert!(
        !r.outcome.committed,
        "a minion cannot read or write its application's bag"
    );
    assert!(r.tool("relation-set").is_empty());

    unit.model().leader = true;
    let r = unit.run(rel_hook("changed", 1, "pg/0")).ok();
    assert_eq!(
        seen.lock().unwrap().last().unwrap(),
        &(Some("14".to_owned()), "pg".to_owned())
    );
    let sets = r.tool("relation-set");
    assert_eq!(sets.len(), 1);
    assert_eq!(sets[0].args, ["-r", "db:1", "--app", "--file", "-"]);
    assert_eq!(
        unit.model().relations[&rid(1)].data["web"]["schema"],
        "\"v2\""
    );
}

// ---- handles ----------------------------------------------------------------------

#[test]
fn endpoints_by_name_by_flag_and_outside_metadata() {
    let (h, seen) = observer("lookup", |ctx| {
        let by_flag = ctx
            .endpoint_from_flag("endpoint.db.joined")
            .map(|e| e.name().to_owned());
        ctx.set_flag("db.ready");
        let legacy = ctx
            .endpoint_from_flag("db.ready")
            .map(|e| e.name().to_owned());
        let unset = ctx.endpoint_from_flag("db.other").is_none();
        let unserved = matches!(ctx.endpoint("web"), Err(EndpointError::NotManaged { .. }));
        let no_current = matches!(
            ctx.current_endpoint(),
            Err(EndpointError::NoCurrentEndpoint)
        );
        let ep = ctx.endpoint("db")?;
        let names = (
            ep.expand_name("joined"),
            ep.expand_name("{endpoint_name}.ready"),
            ep.is_flag_set("joined"),
        );
        Ok((by_flag, legacy, unset, unserved, no_current, names))
    });
    let mut unit = Unit::new(
        builder()
            .handler(h.when_all(["endpoint.db.joined"]))
            .build()
            .unwrap(),
    );
    unit.relate(1, &[("pg/0", json!({}))]);
    unit.run(hook("install")).ok();
    let got = seen.lock().unwrap()[0].clone();
    assert_eq!(got.0.as_deref(), Some("db"));
    assert_eq!(got.1.as_deref(), Some("db"));
    assert!(got.2 && got.3 && got.4);
    assert_eq!(
        got.5,
        ("endpoint.db.joined".to_owned(), "db.ready".to_owned(), true)
    );
}

#[test]
fn restricted_hooks_start_no_endpoint() {
    let (h, seen) = observer("metrics", |ctx| Ok(ctx.endpoint("db").is_err()));
    let h = h.condition(charm_reactive::Condition::Restricted(
        charm_reactive::RestrictedHook::CollectMetrics,
    ));
    let mut unit = Unit::new(builder().handler(h).build().unwrap());
    unit.relate(1, &[("pg/0", json!({}))]);
    let r = unit.run(hook("collect-metrics")).ok();
    assert!(r.calls.iter().all(|c| !c.tool.starts_with("relation-")));
    assert_eq!(*seen.lock().unwrap(), [true]);
}

// ---- {endpoint_name} expansion ----------------------------------------------------

#[test]
fn endpoint_name_handlers_run_once_per_relation_with_their_endpoint() {
    let rels = vec![
        spec("requires", "db", "pgsql"),
        spec("requires", "replica", "pgsql"),
        spec("provides", "web", "http"),
    ];
    let (h, seen) = observer("relations/pgsql/requires.rs:7:connect", |ctx| {
        let mut ep = ctx.current_endpoint()?;
        ep.set_flag("{endpoint_name}.connected");
        Ok(ep.name().to_owned())
    });
    let unserved = Handler::new("relations/http/requires.rs:3:never", |_| Ok(()))
        .when_all(["{endpoint_name}.x"]);
    let registry = builder()
        .handler(
            h.when_all(["endpoint.{endpoint_name}.joined"])
                .when_not(["{endpoint_name}.connected"]),
        )
        .handler(unserved)
        .build()
        .unwrap()
        .expand_endpoints(&rels)
        .unwrap();
    let ids: Vec<&str> = registry.handlers().iter().map(Handler::id).collect();
    assert_eq!(
        ids,
        [
            "relations/pgsql/requires.rs:7:connect:db",
            "relations/pgsql/requires.rs:7:connect:replica"
        ]
    );
    assert_eq!(
        registry.expand_endpoints(&rels).unwrap().handlers().len(),
        2,
        "idempotent"
    );

    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path().join("s")).unwrap();
    let mut model = Model::new("web/0");
    model.add_relation(RelationId::new("replica", 4), "pg", &["pg/1"]);
    let out = charm_reactive::run_hook(
        Arc::new(registry),
        &store,
        HookInfo {
            relations: rels,
            ..HookInfo::new("install", "web/0")
        },
        &mut MemoryBackend::new(model),
    );
    assert!(out.committed, "{:?}", out.error);
    assert_eq!(
        out.invoked,
        ["relations/pgsql/requires.rs:7:connect:replica"]
    );
    assert_eq!(*seen.lock().unwrap(), ["replica"]);
    assert!(out.final_flags.contains(&"replica.connected".to_owned()));
}

// ---- the same through real processes ---------------------------------------------

/// A tools directory of symlinks to the fake hook tool, and its state.
struct Fake {
    _dir: tempfile::TempDir,
    tools: PathBuf,
    state: PathBuf,
}

impl Fake {
    fn new() -> Fake {
        let dir = tempfile::tempdir().unwrap();
        let tools = dir.path().join("tools");
        let state = dir.path().join("state");
        fs::create_dir_all(&tools).unwrap();
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fake-tools/fake-hook-tool");
        for tool in [
            "juju-log",
            "is-leader",
            "relation-ids",
            "relation-list",
            "relation-get",
            "relation-set",
        ] {
            std::os::unix::fs::symlink(&script, tools.join(tool)).unwrap();
        }
        let fake = Fake {
            _dir: dir,
            tools,
            state,
        };
        fake.file("unit", "web/0");
        fake.file("relation-ids/db.json", r#"["db:1"]"#);
        fake.file("relations/1/remote-app", "pg");
        fake.file("relations/1/units.json", r#"["pg/0"]"#);
        fake.file(
            "relations/1/data/pg/0.json",
            r#"{"host":"\"10.0.0.1\"","private-address":"10.0.0.1"}"#,
        );
        fake.file(
            "relations/1/data/web/0.json",
            r#"{"private-address":"10.1.1.1"}"#,
        );
        fake
    }

    fn file(&self, rel: &str, content: &str) {
        let path = self.state.join(rel);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, content).unwrap();
    }

    fn backend(&self) -> HookTools {
        HookTools::new()
            .with_tool_dir(&self.tools)
            .with_env("FAKE_JUJU_STATE", self.state.to_str().unwrap())
            .with_unit("web/0")
            .with_timeout(Duration::from_secs(60))
    }

    /// Each call's argv (tool first) and stdin.
    fn received(&self) -> Vec<(Vec<String>, Option<String>)> {
        let dir = self.state.join("calls");
        let count: usize =
            fs::read_to_string(dir.join("count")).map_or(0, |c| c.trim().parse().unwrap());
        (1..=count)
            .map(|n| {
                let base = dir.join(format!("{n:04}"));
                let raw = fs::read(base.with_extension("argv")).unwrap();
                let mut argv: Vec<String> = raw
                    .split(|b| *b == 0)
                    .map(|a| String::from_utf8(a.to_vec()).unwrap())
                    .collect();
                argv.pop();
                (argv, fs::read_to_string(base.with_extension("stdin")).ok())
            })
            .collect()
    }
}

fn fake_registry(fail: bool) -> Arc<Registry> {
    let publish = Handler::new("publish", move |ctx| {
        let mut ep = ctx.endpoint("db")?;
        let host: Option<String> = ep.all_joined_units_received()?.get("host")?;
        ep.relation("db:1")?.to_publish()?.set("seen-host", &host)?;
        if fail {
            anyhow::bail!("failing after publishing");
        }
        Ok(())
    })
    .when_all(["endpoint.db.changed.host"]);
    Arc::new(
        builder()
            .handler(publish)
            .build()
            .unwrap()
            .expand_endpoints(&relations())
            .unwrap(),
    )
}

/// `db-relation-changed` from pg/0, with the fake hook tools, on a fresh store.
fn changed_on_fake(fake: &Fake, handler_fails: bool) -> charm_reactive::HookOutcome {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path().join("s")).unwrap();
    charm_reactive::run_hook(
        fake_registry(handler_fails),
        &store,
        rel_hook("changed", 1, "pg/0"),
        &mut fake.backend(),
    )
}

#[test]
fn hook_tools_read_relations_and_publish_with_relation_set_file() {
    let fake = Fake::new();
    let out = changed_on_fake(&fake, false);
    assert!(out.committed, "{:?}", out.error);
    assert!(out
        .final_flags
        .contains(&"endpoint.db.changed.private-address".to_owned()));
    let calls = fake.received();
    let argvs: Vec<Vec<&str>> = calls
        .iter()
        .map(|(a, _)| a.iter().map(String::as_str).collect())
        .collect();
    assert_eq!(
        argvs,
        [
            vec!["relation-ids", "--format=json", "db"],
            vec!["relation-list", "--format=json", "-r", "db:1"],
            vec!["relation-get", "--format=json", "-r", "db:1", "-", "pg/0"],
            vec!["relation-get", "--format=json", "-r", "db:1", "-", "web/0"],
            vec!["relation-set", "-r", "db:1", "--file", "-"],
        ]
    );
    let sent: serde_json::Value = serde_json::from_str(calls[4].1.as_deref().unwrap()).unwrap();
    assert_eq!(
        sent,
        json!({"private-address": "10.1.1.1", "seen-host": "\"10.0.0.1\""})
    );
}

#[test]
fn hook_tools_see_no_relation_set_when_a_handler_fails() {
    let fake = Fake::new();
    let out = changed_on_fake(&fake, true);
    assert!(!out.committed);
    let tools: Vec<String> = fake
        .received()
        .into_iter()
        .map(|(a, _)| a[0].clone())
        .collect();
    assert!(tools.iter().any(|t| t == "relation-get"), "{tools:?}");
    assert!(!tools.iter().any(|t| t == "relation-set"), "{tools:?}");
}
