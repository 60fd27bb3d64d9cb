//! Typed values exchanged with Juju: statuses, relation ids, goal state, network
//! info, ports, pod specs, and the record of one hook-tool invocation.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize};

/// A workload status word, as `status-set`/`status-get` spell it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum StatusState {
    /// `maintenance`: the unit is busy.
    Maintenance,
    /// `blocked`: the unit needs a human.
    Blocked,
    /// `waiting`: the unit waits for something outside its control.
    Waiting,
    /// `active`: ready.
    Active,
    /// `unknown`: Juju's value until the charm sets one (not settable).
    Unknown,
    /// `error`: a hook failed (set by Juju, not settable).
    Error,
    /// `terminated`: the unit stopped (set by Juju, not settable).
    Terminated,
}

impl StatusState {
    /// The word Juju uses.
    pub fn as_str(self) -> &'static str {
        match self {
            StatusState::Maintenance => "maintenance",
            StatusState::Blocked => "blocked",
            StatusState::Waiting => "waiting",
            StatusState::Active => "active",
            StatusState::Unknown => "unknown",
            StatusState::Error => "error",
            StatusState::Terminated => "terminated",
        }
    }

    /// Whether a charm may set it with `status-set` (Juju accepts only
    /// maintenance, blocked, waiting and active).
    pub fn is_settable(self) -> bool {
        matches!(
            self,
            StatusState::Maintenance
                | StatusState::Blocked
                | StatusState::Waiting
                | StatusState::Active
        )
    }
}

impl fmt::Display for StatusState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for StatusState {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(match s {
            "maintenance" => StatusState::Maintenance,
            "blocked" => StatusState::Blocked,
            "waiting" => StatusState::Waiting,
            "active" => StatusState::Active,
            "unknown" => StatusState::Unknown,
            "error" => StatusState::Error,
            "terminated" => StatusState::Terminated,
            other => return Err(format!("unknown status {other:?}")),
        })
    }
}

/// A workload status: a state and a message.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Status {
    /// The status word.
    pub state: StatusState,
    /// The message shown by `juju status` (may be empty).
    pub message: String,
}

impl Status {
    /// A status with a message.
    pub fn new(state: StatusState, message: impl Into<String>) -> Status {
        Status {
            state,
            message: message.into(),
        }
    }
}

/// Whose status `status-set`/`status-get` address.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StatusTarget {
    /// The unit's own workload status.
    Unit,
    /// The application's status (`--application`, leader only).
    Application,
}

/// A relation id as Juju prints it: `<endpoint>:<number>`, e.g. `db:3`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct RelationId {
    /// The local endpoint (relation name), e.g. `db`.
    pub endpoint: String,
    /// The relation's number, unique in the model.
    pub number: u32,
}

impl RelationId {
    /// `endpoint:number`.
    pub fn new(endpoint: impl Into<String>, number: u32) -> RelationId {
        RelationId {
            endpoint: endpoint.into(),
            number,
        }
    }
}

impl fmt::Display for RelationId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.endpoint, self.number)
    }
}

/// A string that is not `<endpoint>:<number>`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid relation id {0:?}: expected <endpoint>:<number>, e.g. db:3")]
pub struct InvalidRelationId(pub String);

impl FromStr for RelationId {
    type Err = InvalidRelationId;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || InvalidRelationId(s.to_string());
        let (endpoint, number) = s.rsplit_once(':').ok_or_else(bad)?;
        if endpoint.is_empty() {
            return Err(bad());
        }
        let number = number.parse().map_err(|_| bad())?;
        Ok(RelationId::new(endpoint, number))
    }
}

impl TryFrom<String> for RelationId {
    type Error = InvalidRelationId;

    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

impl From<RelationId> for String {
    fn from(r: RelationId) -> String {
        r.to_string()
    }
}

/// Deserializes JSON `null` (Go's nil map or slice) as the default value.
fn null_as_default<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

/// `goal-state`: the units and relations the model is heading for.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GoalState {
    /// This application's units, by name.
    #[serde(default, deserialize_with = "null_as_default")]
    pub units: BTreeMap<String, GoalStatus>,
    /// Per endpoint: the related applications and units, by name.
    #[serde(default, deserialize_with = "null_as_default")]
    pub relations: BTreeMap<String, BTreeMap<String, GoalStatus>>,
}

/// One entry of [`GoalState`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GoalStatus {
    /// Units: allocating, active, waiting, blocked, error, dying; relations:
    /// joining, joined, broken, suspended, error.
    pub status: String,
    /// When it entered that status (Juju omits it when unknown).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub since: Option<String>,
}

/// `network-get <binding>`: addresses of one endpoint binding.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct NetworkInfo {
    /// The interfaces the binding is bound to.
    #[serde(default, deserialize_with = "null_as_default")]
    pub bind_addresses: Vec<BindAddress>,
    /// Addresses other units should use to reach this one.
    #[serde(default, deserialize_with = "null_as_default")]
    pub ingress_addresses: Vec<String>,
    /// Subnets outgoing traffic comes from.
    #[serde(default, deserialize_with = "null_as_default")]
    pub egress_subnets: Vec<String>,
}

/// One interface of [`NetworkInfo`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct BindAddress {
    /// MAC address (may be empty).
    #[serde(default)]
    pub mac_address: String,
    /// Interface name (may be empty).
    #[serde(default)]
    pub interface_name: String,
    /// Its addresses.
    #[serde(default, deserialize_with = "null_as_default")]
    pub addresses: Vec<InterfaceAddress>,
}

/// One address of a [`BindAddress`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct InterfaceAddress {
    /// Host name (may be empty).
    #[serde(default)]
    pub hostname: String,
    /// The address.
    #[serde(default)]
    pub value: String,
    /// Its subnet.
    #[serde(default)]
    pub cidr: String,
}

/// A port protocol for `open-port`/`close-port`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Protocol {
    /// TCP (Juju's default).
    Tcp,
    /// UDP.
    Udp,
    /// ICMP (no port numbers).
    Icmp,
}

/// A port or port range, as `open-port` takes it: `80/tcp`, `8000-8999/udp`,
/// `icmp`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PortRange {
    /// First port (0 for ICMP).
    pub from: u16,
    /// Last port, equal to `from` for a single port (0 for ICMP).
    pub to: u16,
    /// The protocol.
    pub protocol: Protocol,
}

impl PortRange {
    /// One TCP port.
    pub fn tcp(port: u16) -> PortRange {
        PortRange {
            from: port,
            to: port,
            protocol: Protocol::Tcp,
        }
    }

    /// One UDP port.
    pub fn udp(port: u16) -> PortRange {
        PortRange {
            from: port,
            to: port,
            protocol: Protocol::Udp,
        }
    }

    /// ICMP.
    pub fn icmp() -> PortRange {
        PortRange {
            from: 0,
            to: 0,
            protocol: Protocol::Icmp,
        }
    }
}

impl fmt::Display for PortRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let proto = match self.protocol {
            Protocol::Icmp => return f.write_str("icmp"),
            Protocol::Tcp => "tcp",
            Protocol::Udp => "udp",
        };
        if self.from == self.to {
            write!(f, "{}/{proto}", self.from)
        } else {
            write!(f, "{}-{}/{proto}", self.from, self.to)
        }
    }
}

impl FromStr for PortRange {
    type Err = String;

    /// Parses `opened-ports` entries: `80/tcp`, `8000-8999/udp`, `icmp`, and a
    /// bare `80` (tcp).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || format!("invalid port {s:?}");
        if s == "icmp" {
            return Ok(PortRange::icmp());
        }
        let (range, protocol) = match s.split_once('/') {
            Some((r, "tcp")) => (r, Protocol::Tcp),
            Some((r, "udp")) => (r, Protocol::Udp),
            Some(_) => return Err(bad()),
            None => (s, Protocol::Tcp),
        };
        let port = |p: &str| p.parse::<u16>().map_err(|_| bad());
        let (from, to) = match range.split_once('-') {
            Some((a, b)) => (port(a)?, port(b)?),
            None => (port(range)?, port(range)?),
        };
        if from > to {
            return Err(bad());
        }
        Ok(PortRange { from, to, protocol })
    }
}

/// Which tool sets a Kubernetes pod spec: Juju 2.9 renamed `pod-spec-set` to
/// `k8s-spec-set`, keeping the old name as an alias.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum SpecTool {
    /// `pod-spec-set` (Juju 2.5 to 2.9).
    #[default]
    PodSpecSet,
    /// `k8s-spec-set` (Juju 2.9).
    K8sSpecSet,
}

impl SpecTool {
    /// The tool's name.
    pub fn as_str(self) -> &'static str {
        match self {
            SpecTool::PodSpecSet => "pod-spec-set",
            SpecTool::K8sSpecSet => "k8s-spec-set",
        }
    }
}

/// A pod spec to set: YAML (or JSON) text, and optional Kubernetes resources.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PodSpec {
    /// The tool to use.
    pub tool: SpecTool,
    /// The spec, passed on stdin (`--file -`).
    pub spec: String,
    /// `--k8s-resources` YAML, passed through a temporary file.
    pub k8s_resources: Option<String>,
}

/// One hook-tool invocation: what a backend ran (or, in memory, would have run).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ToolCall {
    /// The tool's name, e.g. `leader-get`.
    pub tool: String,
    /// Its arguments, without the tool name.
    pub args: Vec<String>,
    /// What was written to its stdin (`--file -`), if anything.
    pub stdin: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relation_ids_round_trip() {
        let r: RelationId = "db:3".parse().unwrap();
        assert_eq!(r, RelationId::new("db", 3));
        assert_eq!(r.to_string(), "db:3");
        let r: RelationId = "a:b:12".parse().unwrap();
        assert_eq!(r.endpoint, "a:b");
        for bad in ["3", ":3", "db:", "db:x", "db:-1"] {
            assert!(bad.parse::<RelationId>().is_err(), "{bad}");
        }
        let json = serde_json::to_string(&RelationId::new("db", 3)).unwrap();
        assert_eq!(json, "\"db:3\"");
        assert!(serde_json::from_str::<RelationId>("\"nope\"").is_err());
    }

    #[test]
    fn ports_round_trip() {
        for s in ["80/tcp", "8000-8999/udp", "icmp"] {
            assert_eq!(s.parse::<PortRange>().unwrap().to_string(), s);
        }
        assert_eq!("80".parse::<PortRange>().unwrap(), PortRange::tcp(80));
        for bad in ["x/tcp", "80/sctp", "90-80/tcp", "70000/tcp"] {
            assert!(bad.parse::<PortRange>().is_err(), "{bad}");
        }
    }

    #[test]
    fn status_words() {
        for s in [
            "maintenance",
            "blocked",
            "waiting",
            "active",
            "unknown",
            "error",
            "terminated",
        ] {
            assert_eq!(s.parse::<StatusState>().unwrap().as_str(), s);
        }
        assert!("busy".parse::<StatusState>().is_err());
        assert!(!StatusState::Error.is_settable());
        assert!(StatusState::Waiting.is_settable());
    }

    #[test]
    fn goal_state_accepts_nil_maps() {
        let g: GoalState = serde_json::from_str(r#"{"units":null,"relations":null}"#).unwrap();
        assert_eq!(g, GoalState::default());
    }
}
