//! The environment Juju gives a hook process (the uniter's `HookVars` plus the
//! runner's `JUJU_DISPATCH_PATH`), for the version being simulated. Juju replaces the
//! agent's environment with exactly these variables; so does the simulator.

use std::collections::BTreeMap;
use std::path::Path;

use crate::version::JujuVersion;

/// The PATH of a unit agent's systemd service, which hooks append to the tools dir.
pub const AGENT_PATH: &str =
    "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:/snap/bin";

/// The model's API address as hooks see it.
const API_ADDRESSES: &str = "10.0.0.1:17070";

/// The relation a relation hook runs for.
pub struct RelationVars<'a> {
    /// `JUJU_RELATION`.
    pub endpoint: &'a str,
    /// `JUJU_RELATION_ID` (`endpoint:id`).
    pub key: &'a str,
    /// `JUJU_REMOTE_UNIT` (empty for an application-data change).
    pub remote_unit: &'a str,
    /// `JUJU_REMOTE_APP`.
    pub remote_app: &'a str,
    /// `JUJU_DEPARTING_UNIT` in `relation-departed`.
    pub departing: Option<&'a str>,
}

/// Everything the variables are made of.
pub struct HookVars<'a> {
    /// The simulated Juju.
    pub version: JujuVersion,
    /// The dir holding the hook-tool symlinks.
    pub tools_dir: &'a Path,
    /// The unit's charm dir.
    pub charm_dir: &'a Path,
    /// `JUJU_CONTEXT_ID`.
    pub context_id: &'a str,
    /// The hook's name (ignored for actions).
    pub hook: &'a str,
    /// `(name, id)` of a running action.
    pub action: Option<(&'a str, &'a str)>,
    /// The agent socket.
    pub socket: &'a str,
    /// `JUJU_UNIT_NAME`.
    pub unit: &'a str,
    /// `JUJU_MODEL_NAME`.
    pub model_name: &'a str,
    /// `JUJU_MODEL_UUID`.
    pub model_uuid: &'a str,
    /// `JUJU_MACHINE_ID` on a machine model (empty on Kubernetes).
    pub machine_id: Option<&'a str>,
    /// The relation of a relation hook.
    pub relation: Option<RelationVars<'a>>,
}

impl HookVars<'_> {
    /// The variables; `base_path` (default [`AGENT_PATH`]) follows the tools dir in PATH.
    pub fn build(&self, base_path: Option<&str>) -> BTreeMap<String, String> {
        let v = self.version;
        let mut env = BTreeMap::new();
        let mut set = |k: &str, val: &str| {
            env.insert(k.to_string(), val.to_string());
        };
        let charm_dir = self.charm_dir.display().to_string();
        set("CHARM_DIR", &charm_dir);
        set("JUJU_CHARM_DIR", &charm_dir);
        set("JUJU_CONTEXT_ID", self.context_id);
        let hook_name = if self.action.is_some() { "" } else { self.hook };
        set("JUJU_HOOK_NAME", hook_name);
        if v.agent_socket_address_env() {
            set("JUJU_AGENT_SOCKET_ADDRESS", self.socket);
            set("JUJU_AGENT_SOCKET_NETWORK", "unix");
        } else {
            set("JUJU_AGENT_SOCKET", self.socket);
        }
        set("JUJU_UNIT_NAME", self.unit);
        set("JUJU_MODEL_UUID", self.model_uuid);
        set("JUJU_MODEL_NAME", self.model_name);
        set("JUJU_API_ADDRESSES", API_ADDRESSES);
        if v.sla_env() {
            set("JUJU_SLA", "unsupported");
        }
        set("JUJU_MACHINE_ID", self.machine_id.unwrap_or(""));
        set("JUJU_PRINCIPAL_UNIT", "");
        set("JUJU_AVAILABILITY_ZONE", "");
        set("JUJU_VERSION", &v.to_string());
        set("CLOUD_API_VERSION", "");
        if v.charm_proxy_env() {
            for k in ["HTTP", "HTTPS", "FTP", "NO"] {
                set(&format!("JUJU_CHARM_{k}_PROXY"), "");
            }
        }
        if let Some(r) = &self.relation {
            set("JUJU_RELATION", r.endpoint);
            set("JUJU_RELATION_ID", r.key);
            set("JUJU_REMOTE_UNIT", r.remote_unit);
            set("JUJU_REMOTE_APP", r.remote_app);
            if let (Some(d), true) = (r.departing, v.departing_unit_env()) {
                set("JUJU_DEPARTING_UNIT", d);
            }
        }
        if let Some((name, id)) = self.action {
            set("JUJU_ACTION_NAME", name);
            set("JUJU_ACTION_UUID", id);
            set("JUJU_ACTION_TAG", &format!("action-{id}"));
        }
        set("APT_LISTCHANGES_FRONTEND", "none");
        set("DEBIAN_FRONTEND", "noninteractive");
        if v.lang_env() {
            set("LANG", "C.UTF-8");
        }
        if v.term_env() {
            set("TERM", "tmux-256color");
        }
        let path = format!(
            "{}:{}",
            self.tools_dir.display(),
            base_path.unwrap_or(AGENT_PATH)
        );
        set("PATH", &path);
        if v.dispatch() {
            let dispatch = match self.action {
                Some((name, _)) => format!("actions/{name}"),
                None => format!("hooks/{}", self.hook),
            };
            set("JUJU_DISPATCH_PATH", &dispatch);
        }
        env
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(v: JujuVersion) -> BTreeMap<String, String> {
        HookVars {
            version: v,
            tools_dir: Path::new("/tools"),
            charm_dir: Path::new("/charm"),
            context_id: "u/0-install-1",
            hook: "install",
            action: None,
            socket: "/s",
            unit: "u/0",
            model_name: "m",
            model_uuid: "uuid",
            machine_id: Some("0"),
            relation: None,
        }
        .build(None)
    }

    #[test]
    fn per_version_variables() {
        let v36 = vars(JujuVersion::new(3, 6, 0));
        assert_eq!(v36["JUJU_VERSION"], "3.6.0");
        assert_eq!(v36["JUJU_DISPATCH_PATH"], "hooks/install");
        assert_eq!(v36["JUJU_CHARM_HTTP_PROXY"], "");
        assert_eq!(v36["PATH"], format!("/tools:{AGENT_PATH}"));
        assert_eq!(v36["JUJU_SLA"], "unsupported");
        assert!(!v36.contains_key("JUJU_AGENT_SOCKET"));
        let v40 = vars(JujuVersion::new(4, 0, 0));
        assert!(!v40.contains_key("JUJU_SLA"));
        let v25 = vars(JujuVersion::new(2, 5, 0));
        assert!(!v25.contains_key("JUJU_DISPATCH_PATH"));
        assert_eq!(v25["JUJU_AGENT_SOCKET"], "/s");
        assert!(!v25.contains_key("LANG"));
        // Nothing from the simulator's own environment.
        assert!(!v36.contains_key("HOME") && !v36.contains_key("CARGO"));
    }
}
