//! Juju versions and the behaviour that depends on them.
//!
//! Every version switch of the engine, the simulator and the testing crate
//! lives here, so that "what does 2.5 do differently" has one answer. The
//! switches follow jujusim's HOOK-TOOLS.md §10.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// A Juju agent version, `major.minor.patch` (a suffix such as `-beta1` is ignored).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct JujuVersion {
    /// Major version (2 for every podspec-era Juju).
    pub major: u32,
    /// Minor version.
    pub minor: u32,
    /// Patch version.
    pub patch: u32,
}

/// A version string that is not `major.minor[.patch]`.
#[derive(Debug, thiserror::Error)]
#[error("invalid Juju version {0:?}: expected major.minor[.patch], e.g. \"2.8.0\"")]
pub struct VersionError(pub String);

impl JujuVersion {
    /// Builds a version from its parts.
    pub const fn new(major: u32, minor: u32, patch: u32) -> Self {
        Self {
            major,
            minor,
            patch,
        }
    }

    /// Parses a version as the agent reports it in `JUJU_VERSION`, leniently:
    /// `2.8.1`, `2.9-rc1`, `3.1.6.1`, `3` (missing parts are 0, a fourth part
    /// and any tag are ignored). `None` when it does not start with a number.
    pub fn parse(s: &str) -> Option<JujuVersion> {
        let mut parts = s.split(['.', '-']).map(|p| p.parse::<u32>());
        let major = parts.next()?.ok()?;
        let minor = parts.next().and_then(Result::ok).unwrap_or(0);
        let patch = parts.next().and_then(Result::ok).unwrap_or(0);
        Some(JujuVersion::new(major, minor, patch))
    }

    /// Whether this version is at least `major.minor`.
    pub fn at_least(self, major: u32, minor: u32) -> bool {
        (self.major, self.minor) >= (major, minor)
    }

    fn since(self, major: u32, minor: u32, patch: u32) -> bool {
        self >= Self::new(major, minor, patch)
    }

    /// Kubernetes charms run an `install` hook (2.8+; earlier podspec charms started with `start`).
    pub fn k8s_install_hook(self) -> bool {
        self.since(2, 8, 0)
    }

    /// `<endpoint>-relation-created` hooks exist (2.8+).
    pub fn relation_created_hook(self) -> bool {
        self.since(2, 8, 0)
    }

    /// The `remove` hook exists (2.8+).
    pub fn remove_hook(self) -> bool {
        self.since(2, 8, 0)
    }

    /// `JUJU_DEPARTING_UNIT` is set in `relation-departed` (2.8+).
    pub fn departing_unit_env(self) -> bool {
        self.since(2, 8, 0)
    }

    /// The agent runs `<charm>/dispatch` when present and sets `JUJU_DISPATCH_PATH` (2.8+).
    pub fn dispatch(self) -> bool {
        self.since(2, 8, 0)
    }

    /// Deploying a charm checks the bases of its `manifest.yaml` against the
    /// requested base and the model's architecture (2.9+, where charms declare
    /// bases; older Juju reads `series` from metadata.yaml only).
    pub fn checks_charm_bases(self) -> bool {
        self.since(2, 9, 0)
    }

    /// `state-get`, `state-set` and `state-delete` exist (2.8+).
    pub fn charm_state(self) -> bool {
        self.since(2, 8, 0)
    }

    /// Application relation data, `relation-get/-set --app` (2.7+).
    pub fn app_relation_data(self) -> bool {
        self.since(2, 7, 0)
    }

    /// `relation-list --app` (2.8.1+).
    pub fn relation_list_app(self) -> bool {
        self.since(2, 8, 1)
    }

    /// A non-leader `pod-spec-set` fails (2.6+); before, it only logged a warning and the
    /// spec was applied.
    pub fn pod_spec_leader_only(self) -> bool {
        self.since(2, 6, 0)
    }

    /// `k8s-spec-set` exists as the new name of `pod-spec-set` (2.9+).
    pub fn k8s_spec_set(self) -> bool {
        self.since(2, 9, 0)
    }

    /// The Kubernetes operator never stopped the leadership tracker of a removed unit, so
    /// its lease was renewed forever (fixed in 2.6 by juju/juju PR #10087).
    pub fn stale_caas_leases(self) -> bool {
        !self.since(2, 6, 0)
    }

    /// The hook's socket is named by `JUJU_AGENT_SOCKET_ADDRESS` and
    /// `JUJU_AGENT_SOCKET_NETWORK` (2.8+); before, by `JUJU_AGENT_SOCKET`.
    pub fn agent_socket_address_env(self) -> bool {
        self.since(2, 8, 0)
    }

    /// `JUJU_SLA` is set (removed with SLAs in 4.0).
    pub fn sla_env(self) -> bool {
        !self.since(4, 0, 0)
    }

    /// `JUJU_CHARM_HTTP_PROXY` and friends are set, even when empty (2.6+).
    pub fn charm_proxy_env(self) -> bool {
        self.since(2, 6, 0)
    }

    /// Hooks get `LANG=C.UTF-8` (2.9+).
    pub fn lang_env(self) -> bool {
        self.since(2, 9, 0)
    }

    /// Hooks get `TERM=tmux-256color` (3.0+).
    pub fn term_env(self) -> bool {
        self.since(3, 0, 0)
    }

    /// A peer relation's application-data change does not run relation-changed on the
    /// leader (4.0's resolver); before, every unit of the application gets it.
    pub fn peer_app_change_skips_leader(self) -> bool {
        self.since(4, 0, 0)
    }

    /// Juju 4.0 removed leadership settings, podspec charms and `JUJU_TARGET_SERIES`;
    /// relation data no longer gets an automatic `private-address`.
    pub fn is_4x(self) -> bool {
        self.since(4, 0, 0)
    }

    /// All units of a Kubernetes application share the operator's charm dir (before 2.8).
    pub fn shared_k8s_charm_dir(self) -> bool {
        !self.since(2, 8, 0)
    }
}

impl Default for JujuVersion {
    /// Juju 3.6, the current long-term-support release.
    fn default() -> Self {
        Self::new(3, 6, 0)
    }
}

impl fmt::Display for JujuVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.major, self.minor, self.patch)
    }
}

impl FromStr for JujuVersion {
    type Err = VersionError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let core = s.split(['-', '+']).next().unwrap_or_default();
        let parts: Vec<&str> = core.split('.').collect();
        if !(2..=3).contains(&parts.len()) {
            return Err(VersionError(s.to_string()));
        }
        let num = |p: &str| p.parse::<u32>().map_err(|_| VersionError(s.to_string()));
        Ok(Self::new(
            num(parts[0])?,
            num(parts[1])?,
            parts.get(2).map_or(Ok(0), |p| num(p))?,
        ))
    }
}

impl Serialize for JujuVersion {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for JujuVersion {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_orders() {
        let v: JujuVersion = "2.5".parse().unwrap();
        assert_eq!(v, JujuVersion::new(2, 5, 0));
        let w: JujuVersion = "2.8.1-rc2".parse().unwrap();
        assert!(w > v);
        assert!("two".parse::<JujuVersion>().is_err());
        assert_eq!(w.to_string(), "2.8.1");
    }

    #[test]
    fn parses_the_agent_version_leniently() {
        assert_eq!(JujuVersion::parse("2.8.1"), Some(JujuVersion::new(2, 8, 1)));
        assert_eq!(
            JujuVersion::parse("2.9-rc1"),
            Some(JujuVersion::new(2, 9, 0))
        );
        assert_eq!(
            JujuVersion::parse("3.1.6.1"),
            Some(JujuVersion::new(3, 1, 6))
        );
        assert_eq!(JujuVersion::parse("3"), Some(JujuVersion::new(3, 0, 0)));
        assert_eq!(JujuVersion::parse("x.1"), None);
        assert!(JujuVersion::new(2, 8, 0).at_least(2, 8));
        assert!(!JujuVersion::new(2, 7, 9).at_least(2, 8));
    }

    #[test]
    fn switches_follow_the_history() {
        let old = JujuVersion::new(2, 5, 0);
        let new = JujuVersion::new(2, 8, 0);
        assert!(!old.k8s_install_hook() && new.k8s_install_hook());
        assert!(!old.pod_spec_leader_only() && new.pod_spec_leader_only());
        assert!(old.stale_caas_leases() && !new.stale_caas_leases());
        assert!(!new.relation_list_app() && JujuVersion::new(2, 8, 1).relation_list_app());
        assert!(!old.app_relation_data() && JujuVersion::new(2, 7, 0).app_relation_data());
    }
}
