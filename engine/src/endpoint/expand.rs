//! `{endpoint_name}` in handler flags (charms.reactive's `_when_decorator`
//! with `_get_endpoint_names`).

use std::path::Path;

use crate::pattern::RelationSpec;
use crate::{Condition, Handler};

const PLACEHOLDER: &str = "{endpoint_name}";

/// The handlers `handler` stands for in a charm with `relations`: itself if
/// no flag names `{endpoint_name}`; else one per relation it serves, with
/// the placeholder replaced, the id suffixed `:<relation>`, and the relation
/// as the running handler's [`crate::Context::current_endpoint`]; none if it
/// serves no relation (charms.reactive does not register it at all).
pub(crate) fn expand_handler(handler: &Handler, relations: &[RelationSpec]) -> Vec<Handler> {
    let templated = handler
        .conditions()
        .iter()
        .flat_map(Condition::flags)
        .any(|f| f.contains(PLACEHOLDER));
    if !templated {
        return vec![handler.clone()];
    }
    endpoint_names(handler.id(), relations)
        .into_iter()
        .map(|name| {
            let inner = handler.clone();
            let endpoint = name.clone();
            let mut expanded = Handler::new(format!("{}:{name}", handler.id()), move |ctx| {
                super::handle::run_as(ctx, &endpoint, |ctx| inner.run(ctx))
            });
            for c in handler.conditions() {
                expanded = expanded.condition(substitute(c, &name));
            }
            let e = handler.flag_effects();
            let names = |v: &[String]| v.iter().map(|f| f.replace(PLACEHOLDER, &name)).collect();
            expanded.effects(crate::FlagEffects {
                sets: names(&e.sets),
                clears: names(&e.clears),
                reads: names(&e.reads),
                computed: e.computed,
            })
        })
        .collect()
}

/// The relations a handler serves, from the file in its id
/// (`<...>/<interface>/<role>.rs:<line>:<fn>`): those of metadata with that
/// role and interface, in metadata order. A `_` in the directory name stands
/// for a `-` in the interface name, which Rust module names cannot contain.
fn endpoint_names(id: &str, relations: &[RelationSpec]) -> Vec<String> {
    let path = Path::new(id.split(':').next().unwrap_or(id));
    let role = path.file_stem().and_then(|s| s.to_str());
    let dir = path
        .parent()
        .and_then(Path::file_name)
        .and_then(|s| s.to_str());
    let (Some(role), Some(dir)) = (role, dir) else {
        return Vec::new();
    };
    if !matches!(role, "provides" | "requires" | "peers") {
        return Vec::new();
    }
    relations
        .iter()
        .filter(|r| {
            r.role.as_str() == role && (r.interface == dir || r.interface == dir.replace('_', "-"))
        })
        .map(|r| r.name.clone())
        .collect()
}

fn substitute(condition: &Condition, name: &str) -> Condition {
    let flags = |fs: &[String]| -> Vec<String> {
        fs.iter().map(|f| f.replace(PLACEHOLDER, name)).collect()
    };
    match condition {
        Condition::WhenAll(fs) => Condition::WhenAll(flags(fs)),
        Condition::WhenAny(fs) => Condition::WhenAny(flags(fs)),
        Condition::WhenNone(fs) => Condition::WhenNone(flags(fs)),
        Condition::WhenNotAll(fs) => Condition::WhenNotAll(flags(fs)),
        other => other.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rel(role: &str, name: &str, interface: &str) -> RelationSpec {
        RelationSpec::new(
            crate::juju::Role::from_section(role).unwrap(),
            name,
            interface,
        )
    }

    #[test]
    fn names_come_from_the_file_role_and_interface() {
        let rels = [
            rel("requires", "sse-endpoint", "sse-endpoint"),
            rel("requires", "backup", "sse-endpoint"),
            rel("provides", "out", "sse-endpoint"),
            rel("requires", "db", "pgsql"),
        ];
        assert_eq!(
            endpoint_names("src/sse-endpoint/requires.rs:14:broken", &rels),
            ["sse-endpoint", "backup"]
        );
        assert_eq!(
            endpoint_names("src/sse_endpoint/provides.rs:6:joined", &rels),
            ["out"]
        );
        assert_eq!(
            endpoint_names("hooks/relations/pgsql/requires.py:3:x", &rels),
            ["db"]
        );
        assert!(endpoint_names("src/sse-endpoint/lib.rs:3:x", &rels).is_empty());
        assert!(endpoint_names("requires.rs:3:x", &rels).is_empty());
        assert!(endpoint_names("src/http/requires.rs:3:x", &rels).is_empty());
    }

    #[test]
    fn expansion_substitutes_flags_and_suffixes_ids() {
        let rels = [rel("requires", "a", "web"), rel("requires", "b", "web")];
        let h = Handler::new("src/web/requires.rs:5:ready", |_| Ok(()))
            .when_all(["endpoint.{endpoint_name}.joined"])
            .when_not(["{endpoint_name}.ready", "other"])
            .hook(["{install,upgrade-charm}"]);
        let out = expand_handler(&h, &rels);
        let ids: Vec<&str> = out.iter().map(Handler::id).collect();
        assert_eq!(
            ids,
            [
                "src/web/requires.rs:5:ready:a",
                "src/web/requires.rs:5:ready:b"
            ]
        );
        assert_eq!(
            out[1].conditions(),
            [
                Condition::when_all(["endpoint.b.joined"]),
                Condition::when_none(["b.ready", "other"]),
                Condition::hook(["{install,upgrade-charm}"]),
            ]
        );
        let plain = Handler::new("src/web/requires.rs:9:plain", |_| Ok(())).when_all(["x"]);
        assert_eq!(expand_handler(&plain, &[]).len(), 1);
        assert!(expand_handler(&h, &[rel("provides", "a", "web")]).is_empty());
    }
}
