//! A relation between two applications (or a peer relation) and its data bags.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use crate::charm::Role;

/// One side of a relation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RelationEndpoint {
    /// Application name.
    pub app: String,
    /// Endpoint name in that application's metadata.
    pub name: String,
    /// Interface name.
    pub interface: String,
    /// provides, requires or peers.
    pub role: Role,
}

/// A settings bag with a version that increases on every committed change.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Bag {
    /// Key/values; values are strings, as in Juju.
    pub data: BTreeMap<String, String>,
    /// Bumped on each committed change.
    pub version: u64,
}

impl Bag {
    /// Applies writes (`None` deletes), bumping the version when something changed.
    pub fn apply(&mut self, writes: &BTreeMap<String, Option<String>>) -> bool {
        let before = self.data.clone();
        for (k, v) in writes {
            match v {
                Some(v) if !v.is_empty() => {
                    self.data.insert(k.clone(), v.clone());
                }
                _ => {
                    self.data.remove(k);
                }
            }
        }
        let changed = before != self.data;
        if changed {
            self.version += 1;
        }
        changed
    }
}

/// A relation.
#[derive(Clone, Debug, Serialize)]
pub struct Relation {
    /// Relation id (`JUJU_RELATION_ID` is `<endpoint>:<id>`).
    pub id: u32,
    /// Two endpoints, or one for a peer relation.
    pub endpoints: Vec<RelationEndpoint>,
    /// The relation is being removed (`remove-relation` or an application removal).
    pub dying: bool,
    /// Every unit has broken it: it is gone.
    pub removed: bool,
    /// Unit bags.
    pub units: BTreeMap<String, Bag>,
    /// Application bags.
    pub apps: BTreeMap<String, Bag>,
    /// Units in scope: the others see them as members.
    pub scope: BTreeSet<String>,
}

impl Relation {
    /// The endpoint `app` takes part through.
    pub fn endpoint_of(&self, app: &str) -> Option<&RelationEndpoint> {
        self.endpoints.iter().find(|e| e.app == app)
    }

    /// The application on the other side (the same app for a peer relation).
    pub fn remote_app(&self, app: &str) -> Option<&str> {
        if self.is_peer() {
            return self.endpoints.first().map(|e| e.app.as_str());
        }
        self.endpoints
            .iter()
            .find(|e| e.app != app)
            .map(|e| e.app.as_str())
    }

    /// A peer relation.
    pub fn is_peer(&self) -> bool {
        self.endpoints.len() == 1
    }

    /// `<endpoint>:<id>` as seen from `app`.
    pub fn key_for(&self, app: &str) -> String {
        let ep = self.endpoint_of(app).map_or("", |e| e.name.as_str());
        format!("{ep}:{}", self.id)
    }

    /// Units in scope that `unit` (of `app`) sees as remote members, sorted.
    pub fn remote_members(&self, app: &str, unit: &str) -> Vec<String> {
        let Some(remote) = self.remote_app(app) else {
            return Vec::new();
        };
        let mut v: Vec<String> = self
            .scope
            .iter()
            .filter(|u| *u != unit && app_of(u) == remote)
            .cloned()
            .collect();
        v.sort_by_key(|u| unit_number(u));
        v
    }

    /// A human key: `con6:sse-endpoint sse-endpoint:sse-endpoint`.
    pub fn describe(&self) -> String {
        self.endpoints
            .iter()
            .map(|e| format!("{}:{}", e.app, e.name))
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// `con6/3` → `con6`.
pub fn app_of(unit: &str) -> &str {
    unit.split('/').next().unwrap_or(unit)
}

/// `con6/3` → 3 (0 when malformed).
pub fn unit_number(unit: &str) -> u32 {
    unit.rsplit('/')
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bag_versions_only_on_change() {
        let mut b = Bag::default();
        let w = BTreeMap::from([("a".to_string(), Some("1".to_string()))]);
        assert!(b.apply(&w));
        assert!(!b.apply(&w));
        assert_eq!(b.version, 1);
        let del = BTreeMap::from([("a".to_string(), Some(String::new()))]);
        assert!(b.apply(&del));
        assert!(b.data.is_empty());
        assert_eq!(b.version, 2);
    }

    #[test]
    fn members_sorted_numerically() {
        let r = Relation {
            id: 1,
            endpoints: vec![RelationEndpoint {
                app: "p".into(),
                name: "peer".into(),
                interface: "x".into(),
                role: Role::Peers,
            }],
            dying: false,
            removed: false,
            units: BTreeMap::new(),
            apps: BTreeMap::new(),
            scope: ["p/10", "p/2", "p/0"]
                .iter()
                .map(|s| s.to_string())
                .collect(),
        };
        assert_eq!(r.remote_members("p", "p/0"), vec!["p/2", "p/10"]);
        assert_eq!(r.key_for("p"), "peer:1");
    }
}
