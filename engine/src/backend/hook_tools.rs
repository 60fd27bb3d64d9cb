//! [`HookTools`]: the backend that runs Juju's hook-tool executables.

use std::collections::{BTreeMap, HashMap};
use std::ffi::OsString;
use std::os::unix::fs::OpenOptionsExt;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use serde_json::{Map, Value};

use super::error::{classify, BackendError};
use super::invocation::{self as inv, Invocation};
use super::process::{self, Spawn};
use super::types::{
    GoalState, NetworkInfo, PodSpec, PortRange, RelationId, Status, StatusTarget, ToolCall,
};
use super::{application_of, parse, Backend};
use crate::log::Level;

/// How long one hook tool may run before it is killed.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);

/// Environment variable read by [`HookTools::from_env`]: the per-call timeout in
/// seconds (decimals allowed), e.g. `CHARM_REACTIVE_HOOK_TOOL_TIMEOUT=120`.
pub const TIMEOUT_ENV: &str = "CHARM_REACTIVE_HOOK_TOOL_TIMEOUT";

/// The backend of a real hook: runs `juju-log`, `leader-get`, `relation-set` ...
/// with the syntax ops and charmhelpers use (`--format=json`, `--file -` for
/// bulk data), parses their output, maps their errors to [`BackendError`], and
/// caches reads for the hook as Juju's own hook context does.
///
/// Build one per hook:
///
/// ```no_run
/// use charm_reactive::backend::{Backend, HookTools};
/// let mut juju = HookTools::from_env()?; // JUJU_UNIT_NAME, JUJU_VERSION, timeout
/// let leader = juju.is_leader()?;
/// # Ok::<(), charm_reactive::backend::BackendError>(())
/// ```
#[derive(Debug)]
pub struct HookTools {
    tool_dir: Option<PathBuf>,
    timeout: Duration,
    env: Vec<(String, String)>,
    unit: Option<String>,
    juju_version: Option<String>,
    cache: Cache,
    calls: Vec<ToolCall>,
}

/// Reads served without running a tool again.
#[derive(Debug, Default)]
struct Cache {
    config: Option<Map<String, Value>>,
    leader: Option<bool>,
    leader_settings: Option<BTreeMap<String, String>>,
    relation_ids: HashMap<String, Vec<RelationId>>,
    relation_units: HashMap<RelationId, Vec<String>>,
    remote_apps: HashMap<RelationId, String>,
    relation_data: HashMap<(RelationId, String), BTreeMap<String, String>>,
    goal_state: Option<GoalState>,
    state: Option<BTreeMap<String, String>>,
    networks: HashMap<(String, Option<RelationId>), NetworkInfo>,
    action_params: Option<Value>,
}

impl Default for HookTools {
    fn default() -> Self {
        HookTools::new()
    }
}

impl HookTools {
    /// Tools found on `PATH`, [`DEFAULT_TIMEOUT`], unit and Juju version unknown.
    pub fn new() -> HookTools {
        HookTools {
            tool_dir: None,
            timeout: DEFAULT_TIMEOUT,
            env: Vec::new(),
            unit: None,
            juju_version: None,
            cache: Cache::default(),
            calls: Vec::new(),
        }
    }

    /// From the hook environment: the unit (`JUJU_UNIT_NAME`), Juju's version
    /// (`JUJU_VERSION`) and the timeout ([`TIMEOUT_ENV`]). Fails only on an
    /// invalid timeout value.
    pub fn from_env() -> Result<HookTools, BackendError> {
        HookTools::from_vars(|k| std::env::var_os(k))
    }

    /// [`HookTools::from_env`], reading the environment through `var`. A
    /// timeout that is not UTF-8 is refused like any other invalid one; a
    /// unit name or version that is not is ignored (the hook's environment
    /// check refuses those).
    ///
    /// ```
    /// use charm_reactive::backend::HookTools;
    /// let tools = HookTools::from_vars(|k| (k == "CHARM_REACTIVE_HOOK_TOOL_TIMEOUT").then(|| "2.5".into()))?;
    /// assert_eq!(tools.timeout().as_millis(), 2500);
    /// assert!(HookTools::from_vars(|_| Some("1e30".into())).is_err());
    /// # Ok::<(), charm_reactive::backend::BackendError>(())
    /// ```
    pub fn from_vars(
        var: impl Fn(&str) -> Option<std::ffi::OsString>,
    ) -> Result<HookTools, BackendError> {
        let text = |k: &str| {
            var(k)
                .and_then(|v| v.into_string().ok())
                .filter(|v| !v.is_empty())
        };
        let mut tools = HookTools::new();
        tools.unit = text("JUJU_UNIT_NAME");
        tools.juju_version = text("JUJU_VERSION");
        match var(TIMEOUT_ENV).filter(|v| !v.is_empty()) {
            None => {}
            Some(t) => match t.into_string() {
                Ok(t) => tools.timeout = parse_timeout(&t)?,
                Err(t) => return Err(timeout_error(&t.to_string_lossy())),
            },
        }
        Ok(tools)
    }

    /// Runs tools from this directory instead of looking them up on `PATH`.
    pub fn with_tool_dir(mut self, dir: impl Into<PathBuf>) -> HookTools {
        self.tool_dir = Some(dir.into());
        self
    }

    /// Kills any tool still running after `timeout`.
    pub fn with_timeout(mut self, timeout: Duration) -> HookTools {
        self.timeout = timeout;
        self
    }

    /// The local unit, e.g. `con6/3`: lets the hook's relation writes update
    /// cached reads of its own bags.
    pub fn with_unit(mut self, unit: impl Into<String>) -> HookTools {
        self.unit = Some(unit.into());
        self
    }

    /// The running Juju version (`JUJU_VERSION`), for clearer errors when a tool
    /// is missing because this Juju is too old (or too new).
    pub fn with_juju_version(mut self, version: impl Into<String>) -> HookTools {
        self.juju_version = Some(version.into());
        self
    }

    /// Sets an environment variable for every tool run (on top of the
    /// process's own environment).
    pub fn with_env(mut self, key: impl Into<String>, value: impl Into<String>) -> HookTools {
        self.env.push((key.into(), value.into()));
        self
    }

    /// The per-call timeout.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// Forgets every cached read (for a backend kept across hooks).
    pub fn clear_cache(&mut self) {
        self.cache = Cache::default();
    }

    /// Runs one invocation and returns its stdout.
    fn run(&mut self, call: &Invocation) -> Result<String, BackendError> {
        self.calls.push(call.to_call());
        let program: OsString = match &self.tool_dir {
            Some(dir) => dir.join(call.tool).into_os_string(),
            None => call.tool.into(),
        };
        let spawn = Spawn {
            tool: call.tool,
            program,
            args: &call.args,
            stdin: call.stdin.as_deref().map(str::as_bytes),
            env: &self.env,
            timeout: self.timeout,
            max_output: process::MAX_OUTPUT,
        };
        let out = match process::run(&spawn) {
            Ok(out) => out,
            Err(BackendError::ToolMissing { tool }) => return Err(self.missing(tool)),
            Err(e) => return Err(e),
        };
        if out.code != Some(0) {
            let stderr = String::from_utf8_lossy(&out.stderr);
            return Err(classify(
                call.tool,
                &call.args,
                out.code,
                &stderr,
                self.juju_version.as_deref(),
            ));
        }
        parse::text(call.tool, out.stdout)
    }

    /// A missing tool is [`BackendError::Unsupported`] when the running Juju is
    /// known not to have it.
    fn missing(&self, tool: String) -> BackendError {
        let Some(version) = self.juju_version.as_deref() else {
            return BackendError::ToolMissing { tool };
        };
        match unavailable_in(&tool, version) {
            Some(detail) => BackendError::Unsupported {
                tool,
                juju_version: version.to_string(),
                detail,
            },
            None => BackendError::ToolMissing { tool },
        }
    }

    /// Runs a write that returns nothing.
    fn write(&mut self, call: &Invocation) -> Result<(), BackendError> {
        self.run(call).map(drop)
    }

    /// Applies a relation write to the cached bag it changes, as Juju's context
    /// serves the local bags with pending writes.
    fn relation_written(
        &mut self,
        rid: &RelationId,
        app: bool,
        data: &BTreeMap<String, Option<String>>,
    ) {
        let Some(unit) = &self.unit else {
            // Which cached bag is ours is unknown: forget this relation's bags.
            self.cache.relation_data.retain(|(r, _), _| r != rid);
            return;
        };
        let target = if app {
            application_of(unit)
        } else {
            unit.as_str()
        };
        if let Some(bag) = self
            .cache
            .relation_data
            .get_mut(&(rid.clone(), target.to_string()))
        {
            merge(bag, data);
        }
    }
}

impl Backend for HookTools {
    fn log(&mut self, level: Level, message: &str) -> Result<(), BackendError> {
        for call in inv::juju_log(level, message) {
            self.write(&call)?;
        }
        Ok(())
    }

    fn status_set(&mut self, target: StatusTarget, status: &Status) -> Result<(), BackendError> {
        self.write(&inv::status_set(target, status)?)
    }

    fn status_get(&mut self, target: StatusTarget) -> Result<Status, BackendError> {
        let call = inv::status_get(target);
        let out = self.run(&call)?;
        parse::status(call.tool, target, &out)
    }

    fn application_version_set(&mut self, version: &str) -> Result<(), BackendError> {
        self.write(&inv::application_version_set(version)?)
    }

    fn config(&mut self) -> Result<Map<String, Value>, BackendError> {
        if let Some(c) = &self.cache.config {
            return Ok(c.clone());
        }
        let call = inv::config_get();
        let config = parse::object(call.tool, &self.run(&call)?)?;
        self.cache.config = Some(config.clone());
        Ok(config)
    }

    fn is_leader(&mut self) -> Result<bool, BackendError> {
        if let Some(l) = self.cache.leader {
            return Ok(l);
        }
        let call = inv::is_leader();
        let leader = parse::json::<bool>(call.tool, &self.run(&call)?)?;
        self.cache.leader = Some(leader);
        Ok(leader)
    }

    fn leader_get(&mut self) -> Result<BTreeMap<String, String>, BackendError> {
        if let Some(s) = &self.cache.leader_settings {
            return Ok(s.clone());
        }
        let call = inv::leader_get();
        let settings = parse::string_map(call.tool, &self.run(&call)?)?;
        self.cache.leader_settings = Some(settings.clone());
        Ok(settings)
    }

    fn leader_set(
        &mut self,
        settings: &BTreeMap<String, Option<String>>,
    ) -> Result<(), BackendError> {
        for call in inv::leader_set(settings)? {
            if let Err(e) = self.write(&call) {
                if matches!(e, BackendError::NotLeader { .. }) {
                    // Juju's context keeps a minion a minion for the hook.
                    self.cache.leader = Some(false);
                }
                // An earlier part of a split write may have landed: re-read next time.
                self.cache.leader_settings = None;
                return Err(e);
            }
        }
        if let Some(cached) = &mut self.cache.leader_settings {
            merge(cached, settings);
        }
        Ok(())
    }

    fn relation_ids(&mut self, endpoint: &str) -> Result<Vec<RelationId>, BackendError> {
        if let Some(ids) = self.cache.relation_ids.get(endpoint) {
            return Ok(ids.clone());
        }
        let call = inv::relation_ids(endpoint);
        let ids = parse::relation_ids(call.tool, &self.run(&call)?)?;
        self.cache
            .relation_ids
            .insert(endpoint.to_string(), ids.clone());
        Ok(ids)
    }

    fn relation_list(&mut self, rid: &RelationId) -> Result<Vec<String>, BackendError> {
        if let Some(units) = self.cache.relation_units.get(rid) {
            return Ok(units.clone());
        }
        let call = inv::relation_list(rid);
        let units = parse::string_list(call.tool, &self.run(&call)?)?;
        self.cache.relation_units.insert(rid.clone(), units.clone());
        Ok(units)
    }

    fn relation_remote_app(&mut self, rid: &RelationId) -> Result<String, BackendError> {
        if let Some(app) = self.cache.remote_apps.get(rid) {
            return Ok(app.clone());
        }
        let call = inv::relation_list_app(rid);
        let app = parse::json::<String>(call.tool, &self.run(&call)?)?;
        self.cache.remote_apps.insert(rid.clone(), app.clone());
        Ok(app)
    }

    fn relation_get(
        &mut self,
        rid: &RelationId,
        target: &str,
    ) -> Result<BTreeMap<String, String>, BackendError> {
        let key = (rid.clone(), target.to_string());
        if let Some(bag) = self.cache.relation_data.get(&key) {
            return Ok(bag.clone());
        }
        let call = inv::relation_get(rid, target);
        let bag = parse::string_map(call.tool, &self.run(&call)?)?;
        self.cache.relation_data.insert(key, bag.clone());
        Ok(bag)
    }

    fn relation_set(
        &mut self,
        rid: &RelationId,
        data: &BTreeMap<String, Option<String>>,
    ) -> Result<(), BackendError> {
        self.write(&inv::relation_set(rid, false, data)?)?;
        self.relation_written(rid, false, data);
        Ok(())
    }

    fn relation_set_app(
        &mut self,
        rid: &RelationId,
        data: &BTreeMap<String, Option<String>>,
    ) -> Result<(), BackendError> {
        self.write(&inv::relation_set(rid, true, data)?)?;
        self.relation_written(rid, true, data);
        Ok(())
    }

    fn pod_spec_set(&mut self, spec: &PodSpec) -> Result<(), BackendError> {
        let tool = spec.tool.as_str();
        // `--k8s-resources` takes a file only: write one for the call.
        let resources = match &spec.k8s_resources {
            Some(text) => Some(TempFile::write(tool, "k8s-resources.yaml", text)?),
            None => None,
        };
        let path = resources
            .as_ref()
            .map(|f| f.path.to_string_lossy().into_owned());
        self.write(&inv::spec_set(tool, &spec.spec, path.as_deref())?)
    }

    fn state_get(&mut self) -> Result<BTreeMap<String, String>, BackendError> {
        if let Some(s) = &self.cache.state {
            return Ok(s.clone());
        }
        let call = inv::state_get();
        let state = parse::string_map(call.tool, &self.run(&call)?)?;
        self.cache.state = Some(state.clone());
        Ok(state)
    }

    fn state_set(&mut self, values: &BTreeMap<String, String>) -> Result<(), BackendError> {
        self.write(&inv::state_set(values)?)?;
        if let Some(state) = &mut self.cache.state {
            state.extend(values.iter().map(|(k, v)| (k.clone(), v.clone())));
        }
        Ok(())
    }

    fn state_delete(&mut self, key: &str) -> Result<(), BackendError> {
        self.write(&inv::state_delete(key)?)?;
        if let Some(state) = &mut self.cache.state {
            state.remove(key);
        }
        Ok(())
    }

    fn goal_state(&mut self) -> Result<GoalState, BackendError> {
        if let Some(g) = &self.cache.goal_state {
            return Ok(g.clone());
        }
        let call = inv::goal_state();
        let goal = parse::json::<GoalState>(call.tool, &self.run(&call)?)?;
        self.cache.goal_state = Some(goal.clone());
        Ok(goal)
    }

    fn network_get(
        &mut self,
        binding: &str,
        rid: Option<&RelationId>,
    ) -> Result<NetworkInfo, BackendError> {
        let key = (binding.to_string(), rid.cloned());
        if let Some(n) = self.cache.networks.get(&key) {
            return Ok(n.clone());
        }
        let call = inv::network_get(binding, rid);
        let info = parse::json::<NetworkInfo>(call.tool, &self.run(&call)?)?;
        self.cache.networks.insert(key, info.clone());
        Ok(info)
    }

    fn open_port(&mut self, port: &PortRange) -> Result<(), BackendError> {
        self.write(&inv::port(true, port))
    }

    fn close_port(&mut self, port: &PortRange) -> Result<(), BackendError> {
        self.write(&inv::port(false, port))
    }

    fn opened_ports(&mut self) -> Result<Vec<PortRange>, BackendError> {
        let call = inv::opened_ports();
        parse::ports(call.tool, &self.run(&call)?)
    }

    fn action_get(&mut self) -> Result<Value, BackendError> {
        if let Some(p) = &self.cache.action_params {
            return Ok(p.clone());
        }
        let call = inv::action_get();
        let params = parse::json::<Option<Value>>(call.tool, &self.run(&call)?)?
            .unwrap_or_else(|| Value::Object(Map::new()));
        self.cache.action_params = Some(params.clone());
        Ok(params)
    }

    fn action_set(&mut self, results: &BTreeMap<String, String>) -> Result<(), BackendError> {
        for call in inv::action_set(results)? {
            self.write(&call)?;
        }
        Ok(())
    }

    fn action_fail(&mut self, message: &str) -> Result<(), BackendError> {
        self.write(&inv::action_fail(message)?)
    }

    fn action_log(&mut self, message: &str) -> Result<(), BackendError> {
        self.write(&inv::action_log(message)?)
    }

    fn calls(&self) -> &[ToolCall] {
        &self.calls
    }
}

/// Applies writes to a bag: `None` or an empty value deletes, as in Juju.
pub(crate) fn merge(bag: &mut BTreeMap<String, String>, data: &BTreeMap<String, Option<String>>) {
    for (k, v) in data {
        match v.as_deref() {
            None | Some("") => {
                bag.remove(k);
            }
            Some(v) => {
                bag.insert(k.clone(), v.to_string());
            }
        }
    }
}

/// The longest timeout accepted: a day. A hook tool that needs longer is hung.
const MAX_TIMEOUT: Duration = Duration::from_secs(24 * 60 * 60);

fn parse_timeout(s: &str) -> Result<Duration, BackendError> {
    s.trim()
        .parse::<f64>()
        .ok()
        .filter(|secs| *secs > 0.0)
        .and_then(|secs| Duration::try_from_secs_f64(secs).ok())
        .filter(|d| *d <= MAX_TIMEOUT && !d.is_zero())
        .ok_or_else(|| timeout_error(s))
}

fn timeout_error(value: &str) -> BackendError {
    BackendError::InvalidArgument {
        tool: "hook tools".into(),
        reason: format!(
            "{TIMEOUT_ENV}={value:?} is not a number of seconds above 0 and at most {}",
            MAX_TIMEOUT.as_secs()
        ),
    }
}

/// Why `tool` does not exist in Juju `version`, if that is known.
fn unavailable_in(tool: &str, version: &str) -> Option<String> {
    let mut parts = version.split(['.', '-']).map(|p| p.parse::<u32>().ok());
    let (major, minor) = (parts.next()??, parts.next()??);
    let v = (major, minor);
    let (since, until): ((u32, u32), Option<(u32, u32)>) = match tool {
        "state-get" | "state-set" | "state-delete" => ((2, 8), None),
        "k8s-spec-set" => ((2, 9), Some((4, 0))),
        "pod-spec-set" => ((2, 5), Some((4, 0))),
        "goal-state" => ((2, 4), None),
        _ => return None,
    };
    if v < since {
        return Some(format!("needs Juju {}.{} or later", since.0, since.1));
    }
    match until {
        Some(u) if v >= u => Some(format!("removed in Juju {}.{}", u.0, u.1)),
        _ => None,
    }
}

/// A file removed when dropped, for tool options that take only a path.
struct TempFile {
    path: PathBuf,
}

impl TempFile {
    fn write(tool: &str, name: &str, text: &str) -> Result<TempFile, BackendError> {
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let path =
            std::env::temp_dir().join(format!("charm-reactive-{}-{n}-{name}", std::process::id()));
        let io = |source| BackendError::Io {
            tool: tool.into(),
            source,
        };
        // The resources may carry secrets: readable by this user only.
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&path)
            .map_err(io)?;
        std::io::Write::write_all(&mut file, text.as_bytes()).map_err(io)?;
        Ok(TempFile { path })
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        // Best effort: a leftover file in the temp dir harms nothing.
        let _ = std::fs::remove_file(&self.path);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn temporary_files_are_private() {
        use std::os::unix::fs::PermissionsExt;
        let file = TempFile::write("k8s-spec-set", "k8s-resources.yaml", "secret: x").unwrap();
        let mode = std::fs::metadata(&file.path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    #[test]
    fn timeouts_parse() {
        assert_eq!(parse_timeout("120").unwrap(), Duration::from_secs(120));
        assert_eq!(parse_timeout("0.5").unwrap(), Duration::from_millis(500));
        for bad in ["0", "-1", "x", "inf", "", "1e30", "NaN", "86401", "1e-10"] {
            assert!(parse_timeout(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn tool_availability_by_version() {
        assert_eq!(
            unavailable_in("state-get", "2.7.6").as_deref(),
            Some("needs Juju 2.8 or later")
        );
        assert_eq!(unavailable_in("state-get", "2.8.0"), None);
        assert_eq!(
            unavailable_in("k8s-spec-set", "4.0.1").as_deref(),
            Some("removed in Juju 4.0")
        );
        assert_eq!(unavailable_in("k8s-spec-set", "2.9-rc1"), None);
        assert_eq!(unavailable_in("leader-get", "2.5.0"), None);
        assert_eq!(unavailable_in("state-get", "garbage"), None);
    }

    #[test]
    fn missing_tool_on_old_juju_is_unsupported() {
        let dir = tempfile::tempdir().unwrap();
        let mut tools = HookTools::new()
            .with_tool_dir(dir.path())
            .with_juju_version("2.7.6");
        let e = tools.state_get().unwrap_err();
        assert!(
            matches!(e, BackendError::Unsupported { ref tool, ref juju_version, .. } if tool == "state-get" && juju_version == "2.7.6"),
            "{e:?}"
        );
        let e = tools.is_leader().unwrap_err();
        assert!(matches!(e, BackendError::ToolMissing { .. }), "{e:?}");
    }

    #[test]
    fn merge_deletes_on_none_and_empty() {
        let mut bag = BTreeMap::from([
            ("a".to_string(), "1".to_string()),
            ("b".to_string(), "2".to_string()),
        ]);
        let data = BTreeMap::from([
            ("a".to_string(), None),
            ("b".to_string(), Some(String::new())),
            ("c".to_string(), Some("3".to_string())),
        ]);
        merge(&mut bag, &data);
        assert_eq!(bag, BTreeMap::from([("c".to_string(), "3".to_string())]));
    }
}
