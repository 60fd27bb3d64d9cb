//! The hook context Juju hands a charm through its environment (`JUJU_*`).

use std::ffi::OsString;
use std::path::PathBuf;

use crate::names;

/// What was invoked: a hook or an action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Invocation {
    /// A hook, e.g. `config-changed`.
    Hook(String),
    /// An action, e.g. `backup`.
    Action(String),
}

/// The relation a relation hook is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RelationContext {
    /// The endpoint name (`JUJU_RELATION`).
    pub name: String,
    /// The relation id, `endpoint:N` (`JUJU_RELATION_ID`).
    pub id: String,
    /// The remote unit (`JUJU_REMOTE_UNIT`); absent for created/broken hooks.
    pub remote_unit: Option<String>,
    /// The remote application (`JUJU_REMOTE_APP`).
    pub remote_app: Option<String>,
    /// The unit leaving the relation (`JUJU_DEPARTING_UNIT`, Juju >= 2.8).
    pub departing_unit: Option<String>,
}

pub use crate::juju::JujuVersion;

/// The environment of one hook or action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HookEnv {
    /// The hook or action.
    pub invocation: Invocation,
    /// This unit, `app/N`.
    pub unit: String,
    /// The application (the unit name's prefix).
    pub application: String,
    /// The model's name, when Juju gave it.
    pub model: Option<String>,
    /// The charm directory (`JUJU_CHARM_DIR`, else `CHARM_DIR`, else the cwd).
    pub charm_dir: PathBuf,
    /// The relation of a relation hook.
    pub relation: Option<RelationContext>,
    /// The agent's version (absent in some hooks).
    pub juju_version: Option<JujuVersion>,
}

/// A hook environment that cannot be understood.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EnvError {
    /// A required variable is unset or empty.
    #[error("{0} is not set: is this running as a Juju hook?")]
    Missing(&'static str),
    /// A variable is set to something Juju never sets.
    #[error("{name}={value:?} is invalid: {reason}")]
    Invalid {
        /// The variable.
        name: &'static str,
        /// Its value (lossily decoded).
        value: String,
        /// Why it is refused.
        reason: &'static str,
    },
    /// No way to tell which hook this is.
    #[error("cannot tell which hook is running: JUJU_DISPATCH_PATH, argv[0] and JUJU_HOOK_NAME give nothing")]
    NoHookName,
}

impl HookEnv {
    /// Reads the process environment and `argv[0]`.
    pub fn from_process() -> Result<HookEnv, EnvError> {
        let argv0 = std::env::args_os().next();
        HookEnv::from_vars(|k| std::env::var_os(k), argv0)
    }

    /// Reads the environment through `var`. The hook comes from
    /// `JUJU_DISPATCH_PATH` (`hooks/<x>` or `actions/<x>`), else `argv[0]`
    /// (`hooks/<x>` symlinks), else `JUJU_HOOK_NAME`.
    ///
    /// ```
    /// use charm_reactive::hook_env::{HookEnv, Invocation};
    /// let vars = [("JUJU_DISPATCH_PATH", "hooks/config-changed"), ("JUJU_UNIT_NAME", "con6/3")];
    /// let env = HookEnv::from_vars(|k| vars.iter().find(|v| v.0 == k).map(|v| v.1.into()), None).unwrap();
    /// assert_eq!(env.invocation, Invocation::Hook("config-changed".into()));
    /// assert_eq!(env.application, "con6");
    /// ```
    pub fn from_vars(
        var: impl Fn(&str) -> Option<OsString>,
        argv0: Option<OsString>,
    ) -> Result<HookEnv, EnvError> {
        let get = |name: &'static str| -> Result<Option<String>, EnvError> {
            match var(name) {
                None => Ok(None),
                Some(v) if v.is_empty() => Ok(None),
                Some(v) => v.into_string().map(Some).map_err(|v| EnvError::Invalid {
                    name,
                    value: v.to_string_lossy().into_owned(),
                    reason: "not UTF-8",
                }),
            }
        };
        let invocation = invocation(get("JUJU_DISPATCH_PATH")?, argv0, get("JUJU_HOOK_NAME")?)?;
        let unit = get("JUJU_UNIT_NAME")?.ok_or(EnvError::Missing("JUJU_UNIT_NAME"))?;
        let application = match unit.split_once('/') {
            Some((app, _)) if names::is_unit(&unit) => app.to_owned(),
            _ => return Err(invalid("JUJU_UNIT_NAME", unit, UNIT_SHAPE)),
        };
        let charm_dir = match get("JUJU_CHARM_DIR")?.or(get("CHARM_DIR")?) {
            Some(d) => PathBuf::from(d),
            None => std::env::current_dir().map_err(|_| EnvError::Missing("JUJU_CHARM_DIR"))?,
        };
        let checked =
            |name: &'static str, ok: fn(&str) -> bool, shape: &'static str| match get(name)? {
                Some(v) if !ok(&v) => Err(invalid(name, v, shape)),
                v => Ok(v),
            };
        let relation = match get("JUJU_RELATION_ID")? {
            None => match &invocation {
                Invocation::Hook(h) if h.contains("-relation-") => {
                    return Err(EnvError::Missing("JUJU_RELATION_ID"))
                }
                _ => None,
            },
            Some(id) => {
                let name = match id.split_once(':') {
                    Some((n, num)) if names::is_endpoint(n) && names::is_number(num) => {
                        n.to_owned()
                    }
                    _ => return Err(invalid("JUJU_RELATION_ID", id, RELATION_ID_SHAPE)),
                };
                Some(RelationContext {
                    name: checked("JUJU_RELATION", names::is_endpoint, ENDPOINT_SHAPE)?
                        .unwrap_or(name),
                    id,
                    remote_unit: checked("JUJU_REMOTE_UNIT", names::is_unit, UNIT_SHAPE)?,
                    remote_app: checked("JUJU_REMOTE_APP", names::is_application, APP_SHAPE)?,
                    departing_unit: checked("JUJU_DEPARTING_UNIT", names::is_unit, UNIT_SHAPE)?,
                })
            }
        };
        let juju_version = match get("JUJU_VERSION")? {
            None => None,
            Some(v) => Some(JujuVersion::parse(&v).ok_or(EnvError::Invalid {
                name: "JUJU_VERSION",
                value: v.clone(),
                reason: "expected <major>.<minor>.<patch>",
            })?),
        };
        Ok(HookEnv {
            invocation,
            unit,
            application,
            model: get("JUJU_MODEL_NAME")?,
            charm_dir,
            relation,
            juju_version,
        })
    }

    /// The hook's name; for an action, the action's name.
    pub fn name(&self) -> &str {
        match &self.invocation {
            Invocation::Hook(h) | Invocation::Action(h) => h,
        }
    }

    /// Whether this unit is the one leaving the relation of this hook.
    pub fn is_departing_unit(&self) -> bool {
        self.relation
            .as_ref()
            .and_then(|r| r.departing_unit.as_deref())
            .is_some_and(|u| u == self.unit)
    }
}

const UNIT_SHAPE: &str = "a unit name is <application>/<number>, the application \
    lowercase letters, digits and single hyphens (as Juju names it)";
const APP_SHAPE: &str = "an application name is lowercase letters, digits and single \
    hyphens, starting with a letter (as Juju names it)";
const ENDPOINT_SHAPE: &str = "an endpoint name is lowercase letters and digits, parts joined \
    by - or _, starting with a letter (as Juju names it)";
const RELATION_ID_SHAPE: &str = "a relation id is <endpoint>:<number>";

fn invalid(name: &'static str, value: String, reason: &'static str) -> EnvError {
    EnvError::Invalid {
        name,
        value,
        reason,
    }
}

fn invocation(
    dispatch_path: Option<String>,
    argv0: Option<OsString>,
    hook_name: Option<String>,
) -> Result<Invocation, EnvError> {
    let from_path = |p: &str| -> Option<Invocation> {
        let p = std::path::Path::new(p);
        let name = p.file_name()?.to_str()?.to_owned();
        let parent = p
            .parent()
            .and_then(|d| d.file_name())
            .and_then(|d| d.to_str());
        Some(match parent {
            Some("actions") => Invocation::Action(name),
            _ => Invocation::Hook(name),
        })
    };
    if let Some(p) = dispatch_path {
        return from_path(&p).ok_or(EnvError::Invalid {
            name: "JUJU_DISPATCH_PATH",
            value: p.clone(),
            reason: "expected hooks/<hook> or actions/<action>",
        });
    }
    if let Some(inv) = argv0
        .as_ref()
        .and_then(|a| a.to_str())
        .filter(|a| a.contains("hooks/") || a.contains("actions/"))
        .and_then(from_path)
    {
        return Ok(inv);
    }
    hook_name.map(Invocation::Hook).ok_or(EnvError::NoHookName)
}

/// The hooks Juju runs that are not named after a relation, storage or
/// container (charm-reactive's `lint` checks `#[hook]` patterns against them).
pub const STANDARD_HOOKS: &[&str] = &[
    "install",
    "start",
    "stop",
    "remove",
    "config-changed",
    "upgrade-charm",
    "update-status",
    "leader-elected",
    "leader-settings-changed",
    "leader-deposed",
    "collect-metrics",
    "meter-status-changed",
    "pre-series-upgrade",
    "post-series-upgrade",
    "secret-changed",
    "secret-rotate",
    "secret-expired",
    "secret-remove",
];

#[cfg(test)]
mod tests {
    use super::*;

    fn env(vars: &[(&str, &str)], argv0: Option<&str>) -> Result<HookEnv, EnvError> {
        let owned: Vec<(String, String)> = vars
            .iter()
            .map(|(k, v)| ((*k).into(), (*v).into()))
            .collect();
        HookEnv::from_vars(
            |k| owned.iter().find(|v| v.0 == k).map(|v| v.1.clone().into()),
            argv0.map(Into::into),
        )
    }

    #[test]
    fn hook_name_sources_in_order() {
        let e = env(
            &[("JUJU_UNIT_NAME", "a/0"), ("JUJU_HOOK_NAME", "start")],
            Some("/c/hooks/install"),
        )
        .unwrap();
        assert_eq!(e.invocation, Invocation::Hook("install".into()));
        let e = env(
            &[
                ("JUJU_UNIT_NAME", "a/0"),
                ("JUJU_DISPATCH_PATH", "actions/backup"),
            ],
            None,
        )
        .unwrap();
        assert_eq!(e.invocation, Invocation::Action("backup".into()));
        let e = env(
            &[("JUJU_UNIT_NAME", "a/0"), ("JUJU_HOOK_NAME", "start")],
            Some("./dispatch"),
        )
        .unwrap();
        assert_eq!(e.invocation, Invocation::Hook("start".into()));
        assert_eq!(
            env(&[("JUJU_UNIT_NAME", "a/0")], Some("dispatch")),
            Err(EnvError::NoHookName)
        );
    }

    #[test]
    fn relation_context_and_departing() {
        let e = env(
            &[
                ("JUJU_UNIT_NAME", "con6/2"),
                ("JUJU_HOOK_NAME", "sse-relation-departed"),
                ("JUJU_RELATION_ID", "sse:3"),
                ("JUJU_REMOTE_UNIT", "ep/0"),
                ("JUJU_DEPARTING_UNIT", "con6/2"),
                ("JUJU_VERSION", "2.8.1"),
            ],
            None,
        )
        .unwrap();
        let rel = e.relation.as_ref().unwrap();
        assert_eq!(
            (rel.name.as_str(), rel.remote_unit.as_deref()),
            ("sse", Some("ep/0"))
        );
        assert!(e.is_departing_unit());
        assert!(e.juju_version.unwrap().at_least(2, 8));
    }

    #[test]
    fn odd_values_are_refused_by_name() {
        let err = env(
            &[("JUJU_UNIT_NAME", "nounit"), ("JUJU_HOOK_NAME", "start")],
            None,
        )
        .unwrap_err();
        assert!(err.to_string().contains("JUJU_UNIT_NAME"), "{err}");
        let err = env(
            &[
                ("JUJU_UNIT_NAME", "a/0"),
                ("JUJU_HOOK_NAME", "x"),
                ("JUJU_RELATION_ID", "bad"),
            ],
            None,
        )
        .unwrap_err();
        assert!(matches!(
            err,
            EnvError::Invalid {
                name: "JUJU_RELATION_ID",
                ..
            }
        ));
        assert!(matches!(
            env(&[("JUJU_HOOK_NAME", "x")], None),
            Err(EnvError::Missing("JUJU_UNIT_NAME"))
        ));
    }

    #[test]
    fn names_juju_never_gives_are_refused() {
        for unit in ["a\nb/0", "../0", "a/01", "A/0", "a-1/0", "a/0/1"] {
            let e = env(
                &[("JUJU_UNIT_NAME", unit), ("JUJU_HOOK_NAME", "start")],
                None,
            );
            assert!(
                matches!(
                    e,
                    Err(EnvError::Invalid {
                        name: "JUJU_UNIT_NAME",
                        ..
                    })
                ),
                "{unit:?}: {e:?}"
            );
        }
        let base = [
            ("JUJU_UNIT_NAME", "a/0"),
            ("JUJU_HOOK_NAME", "db-relation-changed"),
        ];
        assert_eq!(
            env(&base, None),
            Err(EnvError::Missing("JUJU_RELATION_ID")),
            "a relation hook without its relation"
        );
        for (name, value) in [
            ("JUJU_RELATION_ID", "../x:1"),
            ("JUJU_RELATION_ID", "db:01"),
            ("JUJU_REMOTE_UNIT", "b\n/0"),
            ("JUJU_REMOTE_APP", "B"),
            ("JUJU_DEPARTING_UNIT", "x"),
            ("JUJU_RELATION", "db\n"),
        ] {
            let mut vars = base.to_vec();
            if name != "JUJU_RELATION_ID" {
                vars.push(("JUJU_RELATION_ID", "db:1"));
            }
            vars.push((name, value));
            let e = env(&vars, None);
            assert!(
                matches!(e, Err(EnvError::Invalid { name: n, .. }) if n == name),
                "{name}={value:?}: {e:?}"
            );
        }
    }
}
