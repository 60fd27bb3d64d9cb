//! Relation roles and the relation endpoints a charm's metadata declares.

use serde::{Deserialize, Serialize};

/// A relation role, as `metadata.yaml` names its sections.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// `provides:`.
    Provides,
    /// `requires:`.
    Requires,
    /// `peers:`.
    Peers,
}

impl Role {
    /// Every role, in the order metadata.yaml's sections are read.
    pub const ALL: [Role; 3] = [Role::Provides, Role::Requires, Role::Peers];

    /// The section name.
    pub const fn as_str(self) -> &'static str {
        match self {
            Role::Provides => "provides",
            Role::Requires => "requires",
            Role::Peers => "peers",
        }
    }

    /// The role a section name stands for (`provides`, `requires`, `peers`).
    pub fn from_section(name: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == name)
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One relation endpoint of a charm's metadata: for `{role:interface}` hook
/// patterns, endpoint expansion, and the simulator's relation matching.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RelationSpec {
    /// The section that declared it.
    pub role: Role,
    /// The relation (endpoint) name.
    pub name: String,
    /// The interface name.
    pub interface: String,
}

impl RelationSpec {
    /// A relation of `role` named `name` over `interface`.
    pub fn new(role: Role, name: impl Into<String>, interface: impl Into<String>) -> RelationSpec {
        RelationSpec {
            role,
            name: name.into(),
            interface: interface.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_are_their_section_names() {
        for role in Role::ALL {
            assert_eq!(Role::from_section(role.as_str()), Some(role));
            assert_eq!(serde_json::to_string(&role).unwrap(), format!("\"{role}\""));
        }
        assert_eq!(Role::from_section("provide"), None);
    }
}
