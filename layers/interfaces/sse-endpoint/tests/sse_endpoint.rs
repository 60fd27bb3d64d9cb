//! Both sides of the sse-endpoint interface, registered as a charm gets them
//! (inventory, `Registry::from_inventory`, `{endpoint_name}` expansion against
//! metadata), across the seed's hook sequences on `MemoryBackend`.

use std::collections::BTreeMap;
use std::sync::Arc;

use charm_reactive::backend::{Backend, MemoryBackend, Model, RelationId, ToolCall};
use charm_reactive::hook_env::RelationContext;
use charm_reactive::pattern::RelationSpec;
use charm_reactive::store::{codec, Store};
use charm_reactive::{inspect, when, Context, HookInfo, HookOutcome, Registry};
use charm_reactive_sse_endpoint::{SseEndpointProvides, SseEndpointRequires, INTERFACE};

/// The seed mock's `send_information`, for the provider tests: publish the
/// URL kept in the unit's kv (the mock reads it from config).
#[when("sse-endpoint.consumer.available")]
fn send_information(ctx: &mut Context<'_>) -> anyhow::Result<()> {
    let Some(url) = ctx.kv().get::<String>("base-url")? else {
        return Ok(());
    };
    if let Some(mut sse) = SseEndpointProvides::from_flag(ctx, "sse-endpoint.consumer.available") {
        sse.set_base_url(&url)?;
    }
    Ok(())
}

/// The seed consumer's read of the URL, for the requirer tests.
#[when("sse-endpoint.available")]
fn remember_url(ctx: &mut Context<'_>) -> anyhow::Result<()> {
    let url = match SseEndpointRequires::from_flag(ctx, "sse-endpoint.available") {
        Some(mut sse) => sse.base_url()?,
        None => None,
    };
    ctx.kv().set("seen-url", &url)?;
    Ok(())
}

fn metadata(role: &str) -> Vec<RelationSpec> {
    let role = charm_reactive::juju::Role::from_section(role).expect("a metadata section");
    vec![RelationSpec::new(role, "sse-endpoint", INTERFACE)]
}

fn rid() -> RelationId {
    RelationId::new("sse-endpoint", 0)
}

struct Unit {
    _dir: tempfile::TempDir,
    store: Store,
    registry: Arc<Registry>,
    relations: Vec<RelationSpec>,
    juju: Option<MemoryBackend>,
}

struct Ran {
    outcome: HookOutcome,
    calls: Vec<ToolCall>,
}

impl Ran {
    fn has(&self, flag: &str) -> bool {
        self.outcome.final_flags.iter().any(|f| f == flag)
    }
}

impl Unit {
    fn new(role: &str, unit: &str) -> Unit {
        let relations = metadata(role);
        let registry = Registry::from_inventory()
            .unwrap()
            .expand_endpoints(&relations)
            .unwrap();
        let dir = tempfile::tempdir().unwrap();
        Unit {
            store: Store::open(dir.path().join("unit.sled")).unwrap(),
            _dir: dir,
            registry: Arc::new(registry),
            relations,
            juju: Some(MemoryBackend::new(Model::new(unit))),
        }
    }

    fn model(&mut self) -> &mut Model {
        self.juju.as_mut().unwrap().model_mut()
    }

    fn run(&mut self, name: &str, remote: Option<&str>) -> Ran {
        let unit = self.juju.as_ref().unwrap().model().unit.clone();
        let hook = HookInfo {
            relations: self.relations.clone(),
            relation: remote.map(|r| RelationContext {
                name: "sse-endpoint".into(),
                id: rid().to_string(),
                remote_unit: Some(r.into()),
                remote_app: Some(r.split('/').next().unwrap().into()),
                departing_unit: None,
            }),
            ..HookInfo::new(name, unit)
        };
        let mut memory = self.juju.take().unwrap();
        let outcome =
            charm_reactive::run_hook(Arc::clone(&self.registry), &self.store, hook, &mut memory);
        let calls = memory.calls().to_vec();
        memory.end_hook(outcome.committed);
        self.juju = Some(memory);
        assert!(outcome.committed, "{name} failed: {:?}", outcome.error);
        Ran { outcome, calls }
    }

    /// What `remember_url` last saw (the unit's kv, as committed).
    fn seen_url(&self) -> Option<String> {
        let bytes = inspect::read_kv(&self.store).unwrap().remove("seen-url")?;
        codec::decode::<Option<String>>(&bytes).unwrap()
    }

    /// Configures the URL `send_information` publishes (the unit's kv).
    fn configure_url(&self, url: &str) {
        inspect::write_kv(&self.store, [("base-url", codec::encode(url).unwrap())]).unwrap();
    }
}

fn bag(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

#[test]
fn handler_ids_carry_the_endpoint_name() {
    let registry = Registry::from_inventory()
        .unwrap()
        .expand_endpoints(&metadata("requires"))
        .unwrap();
    let ids: Vec<&str> = registry.handlers().iter().map(|h| h.id()).collect();
    for name in ["joined", "broken", "base_url_changed"] {
        assert!(
            ids.iter()
                .any(|id| id.starts_with("src/sse-endpoint/requires.rs:")
                    && id.ends_with(&format!(":{name}:sse-endpoint"))),
            "{name} in {ids:?}"
        );
    }
    assert!(
        !ids.iter().any(|id| id.contains("provides.rs")),
        "no provides relation: {ids:?}"
    );
}

#[test]
fn requirer_is_available_once_a_url_arrives_and_follows_changes_and_departure() {
    let mut unit = Unit::new("requires", "con6/2");
    let r = unit.run("start", None);
    assert!(!r.has("endpoint.sse-endpoint.joined"));

    // Joined, but no URL yet: not available.
    unit.model().add_relation(rid(), "sse", &["sse/0"]);
    let r = unit.run("sse-endpoint-relation-joined", Some("sse/0"));
    assert!(r.has("endpoint.sse-endpoint.joined"));
    assert!(!r.has("sse-endpoint.available") && !r.has("sse-endpoint.changed"));

    // The provider publishes its URL (JSON-encoded, as to_publish does).
    unit.model()
        .relations
        .get_mut(&rid())
        .unwrap()
        .data
        .insert("sse/0".into(), bag(&[("base-url", "\"http://a:8080\"")]));
    let r = unit.run("sse-endpoint-relation-changed", Some("sse/0"));
    assert!(
        r.has("sse-endpoint.available") && r.has("sse-endpoint.changed"),
        "{:?}",
        r.outcome.final_flags
    );
    assert!(r.has("endpoint.sse-endpoint.changed.base-url"));
    assert_eq!(unit.seen_url().as_deref(), Some("http://a:8080"));

    // A new URL: changed again after the charm cleared it.
    let clear = Registry::builder()
        .handler(
            charm_reactive::Handler::new("clear", |ctx| {
                ctx.clear_flag("sse-endpoint.changed");
                Ok(())
            })
            .when_all(["sse-endpoint.changed"]),
        )
        .build()
        .unwrap();
    let saved = std::mem::replace(&mut unit.registry, Arc::new(clear));
    unit.run("update-status", None);
    unit.registry = saved;
    unit.model()
        .relations
        .get_mut(&rid())
        .unwrap()
        .data
        .insert("sse/0".into(), bag(&[("base-url", "\"http://b:8080\"")]));
    let r = unit.run("sse-endpoint-relation-changed", Some("sse/0"));
    assert!(r.has("sse-endpoint.changed"));
    assert_eq!(unit.seen_url().as_deref(), Some("http://b:8080"));

    // The provider leaves: joined is cleared in the departed hook, broken
    // clears available; base_url_changed (changed.base-url is never cleared)
    // runs and finds no URL.
    unit.model()
        .relations
        .get_mut(&rid())
        .unwrap()
        .units
        .clear();
    let r = unit.run("sse-endpoint-relation-departed", Some("sse/0"));
    assert!(!r.has("endpoint.sse-endpoint.joined") && !r.has("sse-endpoint.available"));
    assert!(
        r.has("endpoint.sse-endpoint.departed") && r.has("endpoint.sse-endpoint.changed.base-url")
    );
    let invoked = r.outcome.invoked.join(" ");
    assert!(invoked.contains(":broken:sse-endpoint"), "{invoked}");
    assert!(
        invoked.contains(":base_url_changed:sse-endpoint"),
        "{invoked}"
    );

    // The seed's quirk: base_url_changed keeps running in every hook.
    let r = unit.run("update-status", None);
    assert!(r
        .outcome
        .invoked
        .iter()
        .any(|h| h.ends_with(":base_url_changed:sse-endpoint")));
}

#[test]
fn provider_flags_consumers_and_publishes_base_url() {
    let mut unit = Unit::new("provides", "sse/0");
    unit.model().add_relation(rid(), "con6", &["con6/2"]);
    let r = unit.run("sse-endpoint-relation-joined", Some("con6/2"));
    assert!(r.has("sse-endpoint.consumer.available"));
    assert!(
        r.calls.iter().all(|c| c.tool != "relation-set"),
        "no URL configured yet"
    );

    unit.configure_url("http://mock:8080/events");

    let r = unit.run("config-changed", None);
    let sets: Vec<&ToolCall> = r
        .calls
        .iter()
        .filter(|c| c.tool == "relation-set")
        .collect();
    assert_eq!(sets.len(), 1, "{:?}", r.calls);
    assert_eq!(sets[0].args, ["-r", "sse-endpoint:0", "--file", "-"]);
    assert_eq!(
        unit.model().relations[&rid()].data["sse/0"]["base-url"],
        "\"http://mock:8080/events\"",
        "JSON-encoded, as the Python interface's to_publish"
    );
    // Published again every hook by the charm, but unchanged: no relation-set.
    let r = unit.run("update-status", None);
    assert!(r.calls.iter().all(|c| c.tool != "relation-set"));

    unit.model()
        .relations
        .get_mut(&rid())
        .unwrap()
        .units
        .clear();
    let r = unit.run("sse-endpoint-relation-departed", Some("con6/2"));
    assert!(!r.has("sse-endpoint.consumer.available"));
}

#[test]
fn requirer_and_provider_talk_through_relation_data() {
    // The provider's published bag, copied into the requirer's model, makes
    // the requirer available with the same URL.
    let mut provider = Unit::new("provides", "sse/0");
    provider.model().add_relation(rid(), "con6", &["con6/2"]);
    provider.configure_url("http://mock/x");
    provider.run("sse-endpoint-relation-joined", Some("con6/2"));
    let published = provider.model().relations[&rid()].data["sse/0"].clone();

    let mut requirer = Unit::new("requires", "con6/2");
    requirer.model().add_relation(rid(), "sse", &["sse/0"]);
    requirer
        .model()
        .relations
        .get_mut(&rid())
        .unwrap()
        .data
        .insert("sse/0".into(), published);
    let r = requirer.run("sse-endpoint-relation-changed", Some("sse/0"));
    assert!(r.has("sse-endpoint.available"));
    assert_eq!(requirer.seen_url().as_deref(), Some("http://mock/x"));
}
