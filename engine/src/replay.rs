//! Conformance programs: the JSON format of charms.reactive's differential
//! oracle (`shared/oracle/README.md`), run through this engine with a real sled
//! store. `reactive-replay` is a thin command around this module, and the
//! conformance tests compare its results with the real charms.reactive's.

use std::collections::HashSet;
use std::path::Path;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::backend::{Backend, MemoryBackend, Model};
use crate::store::Store;

/// The unit name the oracle's fake environment uses.
const UNIT: &str = "app/0";
use crate::{run_hook, DispatchStats, Handler, HookInfo, Registry, Trigger};

/// A program: flags committed before the hook, handlers, triggers, the hook.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Program {
    /// The hook to dispatch.
    pub hook: String,
    /// Flags set and committed before the hook.
    #[serde(default)]
    pub initial_flags: Vec<String>,
    /// Handlers, in registration order.
    pub handlers: Vec<ProgramHandler>,
    /// Triggers.
    #[serde(default)]
    pub triggers: Vec<ProgramTrigger>,
}

/// One handler of a [`Program`].
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProgramHandler {
    /// Its id; `h<index>` by default.
    pub id: Option<String>,
    /// `@when_all` flags.
    #[serde(default)]
    pub when_all: Vec<String>,
    /// `@when_not_all` flags.
    #[serde(default)]
    pub when_not_all: Vec<String>,
    /// `@when_any` flags.
    #[serde(default)]
    pub when_any: Vec<String>,
    /// `@when_none` flags.
    #[serde(default)]
    pub when_none: Vec<String>,
    /// `@hook` patterns: null, one pattern, or a list.
    #[serde(default)]
    pub hook: Option<Patterns>,
    /// What the handler does, in order.
    #[serde(default)]
    pub actions: Vec<ProgramAction>,
}

/// `hook` of a [`ProgramHandler`]: one pattern or several.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum Patterns {
    /// One pattern.
    One(String),
    /// Several patterns.
    Many(Vec<String>),
}

/// One action of a [`ProgramHandler`]: a JSON object with exactly one of
/// `set`, `clear`, `toggle` (and then an optional `value`) or `fail`.
#[derive(Debug, Clone)]
pub enum ProgramAction {
    /// `set_flag(f)`.
    Set {
        /// The flag.
        set: String,
    },
    /// `clear_flag(f)`.
    Clear {
        /// The flag.
        clear: String,
    },
    /// `toggle_flag(f, value)`, or a flip when `value` is absent.
    Toggle {
        /// The flag.
        toggle: String,
        /// The value to toggle to.
        value: Option<bool>,
    },
    /// The handler fails here.
    Fail {
        /// Always true.
        fail: bool,
    },
}

// By hand rather than `#[serde(untagged)]`: an untagged enum buffers every
// action and tries each variant in turn, which made parsing the largest share
// of `reactive-replay`'s time on programs of thousands of handlers.
impl<'de> Deserialize<'de> for ProgramAction {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(ActionVisitor)
    }
}

struct ActionVisitor;

impl<'de> serde::de::Visitor<'de> for ActionVisitor {
    type Value = ProgramAction;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("an action object: {set}, {clear}, {toggle[, value]} or {fail}")
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(
        self,
        mut map: A,
    ) -> Result<ProgramAction, A::Error> {
        use serde::de::Error;
        let mut kind: Option<ProgramAction> = None;
        let mut value: Option<Option<bool>> = None;
        while let Some(ActionKey(key)) = map.next_key()? {
            let action = match key {
                "set" => ProgramAction::Set {
                    set: map.next_value()?,
                },
                "clear" => ProgramAction::Clear {
                    clear: map.next_value()?,
                },
                "toggle" => ProgramAction::Toggle {
                    toggle: map.next_value()?,
                    value: None,
                },
                "fail" => ProgramAction::Fail {
                    fail: map.next_value()?,
                },
                _ if value.is_none() => {
                    value = Some(map.next_value()?);
                    continue;
                }
                _ => return Err(A::Error::duplicate_field("value")),
            };
            if let Some(first) = &kind {
                if first.key() == key {
                    return Err(A::Error::duplicate_field(key));
                }
                return Err(A::Error::custom(format_args!(
                    "an action has one of set, clear, toggle or fail, not both {} and {key}",
                    first.key()
                )));
            }
            kind = Some(action);
        }
        match (kind, value) {
            (None, _) => Err(A::Error::custom(
                "an action needs one of set, clear, toggle or fail",
            )),
            (Some(ProgramAction::Toggle { toggle, .. }), value) => Ok(ProgramAction::Toggle {
                toggle,
                value: value.flatten(),
            }),
            (Some(action), Some(_)) => Err(A::Error::custom(format_args!(
                "value goes with toggle, not with {}",
                action.key()
            ))),
            (Some(action), None) => Ok(action),
        }
    }
}

/// A key of an action object, checked without allocating.
struct ActionKey(&'static str);

impl<'de> Deserialize<'de> for ActionKey {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_identifier(ActionKeyVisitor)
    }
}

struct ActionKeyVisitor;

impl serde::de::Visitor<'_> for ActionKeyVisitor {
    type Value = ActionKey;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("an action key")
    }

    fn visit_str<E: serde::de::Error>(self, key: &str) -> Result<ActionKey, E> {
        const KEYS: &[&str] = &["set", "clear", "toggle", "value", "fail"];
        match KEYS.iter().find(|k| **k == key) {
            Some(k) => Ok(ActionKey(k)),
            None => Err(E::unknown_field(key, KEYS)),
        }
    }
}

impl ProgramAction {
    /// The JSON key naming this action.
    fn key(&self) -> &'static str {
        match self {
            ProgramAction::Set { .. } => "set",
            ProgramAction::Clear { .. } => "clear",
            ProgramAction::Toggle { .. } => "toggle",
            ProgramAction::Fail { .. } => "fail",
        }
    }
}

/// One trigger of a [`Program`].
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProgramTrigger {
    /// Fires when this flag is set.
    pub when: Option<String>,
    /// Fires when this flag is cleared.
    pub when_not: Option<String>,
    /// Flag to set.
    pub set: Option<String>,
    /// Flag to clear.
    pub clear: Option<String>,
}

/// Why a program cannot be run.
#[derive(Debug, thiserror::Error)]
pub enum ProgramError {
    /// Not JSON, or not the program format.
    #[error("invalid program: {0}")]
    Json(#[from] serde_json::Error),
    /// Two handlers with one id.
    #[error("invalid program: duplicate handler id {0:?}")]
    DuplicateId(String),
    /// A trigger without exactly one of when/when_not, or without an action.
    #[error("invalid program: trigger #{index}: {reason}")]
    Trigger {
        /// Its position in `triggers`.
        index: usize,
        /// What is wrong.
        reason: &'static str,
    },
    /// `{"fail": false}`.
    #[error("invalid program: handler {0:?} has a fail action that is not true")]
    FailFalse(String),
    /// The temporary store could not be set up.
    #[error("cannot prepare the store: {0}")]
    Store(#[from] crate::store::StoreError),
    /// The engine refused the registry.
    #[error("invalid program: {0}")]
    Engine(#[from] crate::EngineError),
}

/// The result, with the oracle's keys and meaning.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ReplayResult {
    /// Handler bodies entered, in order.
    pub invoked: Vec<String>,
    /// Flags at the end of dispatch (uncommitted on failure), sorted.
    pub final_flags: Vec<String>,
    /// The tracer's lines, in emission order.
    pub tracer: Vec<String>,
    /// The hook's error, if any.
    pub error: Option<String>,
    /// Whether the store was committed.
    pub committed: bool,
    /// Flags read back from the reopened store.
    pub persisted_flags: Vec<String>,
    /// Every juju-log call as `[level, message]`.
    pub log: Vec<(String, String)>,
    /// Hook tools called other than juju-log, as `[tool, args...]`.
    pub hook_tool_calls: Vec<Vec<String>>,
}

impl Program {
    /// Parses and validates a program.
    pub fn from_json(text: &str) -> Result<Program, ProgramError> {
        let program: Program = serde_json::from_str(text)?;
        program.validate()?;
        Ok(program)
    }

    fn validate(&self) -> Result<(), ProgramError> {
        let mut ids = HashSet::new();
        for (i, h) in self.handlers.iter().enumerate() {
            let id = h.id(i);
            if ids.contains(&id) {
                return Err(ProgramError::DuplicateId(id.into_owned()));
            }
            if h.actions
                .iter()
                .any(|a| matches!(a, ProgramAction::Fail { fail: false }))
            {
                return Err(ProgramError::FailFalse(id.into_owned()));
            }
            ids.insert(id);
        }
        for (index, t) in self.triggers.iter().enumerate() {
            let reason = match (&t.when, &t.when_not, &t.set, &t.clear) {
                (None, None, _, _) => "needs one of when or when_not",
                (Some(_), Some(_), _, _) => "has both when and when_not",
                (_, _, None, None) => "needs set or clear",
                _ => continue,
            };
            return Err(ProgramError::Trigger { index, reason });
        }
        Ok(())
    }

    /// The registry this program describes.
    pub fn registry(&self) -> Result<Registry, ProgramError> {
        build_registry(self.handlers.clone(), self.triggers.clone())
    }

    /// Runs the program with a fresh store in `dir`: commits the initial flags,
    /// runs the hook, and reads the flags back from the store.
    ///
    /// The flags are read back through a new transaction of the same open
    /// store, which sees exactly what the hook committed (its own transaction
    /// is gone by then): reopening the store would also re-run sled's recovery,
    /// which a hook process does at its start, not after its commit.
    pub fn run(&self, dir: &Path) -> Result<ReplayResult, ProgramError> {
        self.clone()
            .run_on(&Store::open(dir.join("unit-state.sled"))?)
    }

    /// [`run`](Self::run) on an open store, which must be new (empty). It
    /// consumes the program: its handlers' flags and actions move into the
    /// registry instead of being copied.
    pub fn run_on(self, store: &Store) -> Result<ReplayResult, ProgramError> {
        self.run_measured(store).map(|(result, _)| result)
    }

    /// [`run_on`](Self::run_on), also returning how much work dispatch did.
    pub fn run_measured(
        self,
        store: &Store,
    ) -> Result<(ReplayResult, DispatchStats), ProgramError> {
        let Program {
            hook,
            initial_flags,
            handlers,
            triggers,
        } = self;
        let registry = Arc::new(build_registry(handlers, triggers)?);
        crate::inspect::write_flags(store, initial_flags.iter().map(|f| (f.as_str(), None)))?;
        let mut juju = MemoryBackend::new(Model::new(UNIT));
        let outcome = run_hook(registry, store, HookInfo::new(hook, UNIT), &mut juju);
        let persisted_flags = crate::inspect::read_flags(store)?.into_keys().collect();
        let hook_tool_calls = juju
            .calls()
            .iter()
            .filter(|c| c.tool != "juju-log")
            .map(|c| {
                std::iter::once(c.tool.clone())
                    .chain(c.args.iter().cloned())
                    .collect()
            })
            .collect();
        let tracer = outcome
            .log
            .iter()
            .filter(|r| r.level == crate::log::Level::Debug && r.message.starts_with("tracer"))
            .flat_map(|r| r.message.lines().map(str::to_owned))
            .collect();
        let stats = outcome.stats;
        let result = ReplayResult {
            invoked: outcome.invoked,
            final_flags: outcome.final_flags,
            tracer,
            error: outcome.error.map(|e| e.to_string()),
            committed: outcome.committed,
            persisted_flags,
            log: outcome
                .log
                .into_iter()
                .map(|r| (r.level.as_str().to_owned(), r.message))
                .collect(),
            hook_tool_calls,
        };
        Ok((result, stats))
    }
}

impl ProgramHandler {
    fn id(&self, index: usize) -> std::borrow::Cow<'_, str> {
        match &self.id {
            Some(id) => id.into(),
            None => format!("h{index}").into(),
        }
    }
}

/// The registry of a program's handlers and triggers, which move into it.
fn build_registry(
    handlers: Vec<ProgramHandler>,
    triggers: Vec<ProgramTrigger>,
) -> Result<Registry, ProgramError> {
    let mut builder = Registry::builder();
    for (i, h) in handlers.into_iter().enumerate() {
        let id = h.id(i).into_owned();
        // Only a failing handler needs its own id in its closure.
        let fail_id = h
            .actions
            .iter()
            .any(|a| matches!(a, ProgramAction::Fail { .. }))
            .then(|| id.clone());
        let actions = h.actions;
        let mut handler = Handler::new(id, move |ctx| {
            for action in &actions {
                match action {
                    ProgramAction::Set { set } => ctx.set_flag(set),
                    ProgramAction::Clear { clear } => ctx.clear_flag(clear),
                    ProgramAction::Toggle { toggle, value } => {
                        let to = value.unwrap_or_else(|| !ctx.is_flag_set(toggle));
                        ctx.toggle_flag(toggle, to)
                    }
                    ProgramAction::Fail { .. } => {
                        let id = fail_id.as_deref().unwrap_or_default();
                        anyhow::bail!("HandlerFailure: handler {id} failed")
                    }
                }
            }
            Ok(())
        });
        for (list, make) in [
            (
                h.when_all,
                crate::Condition::WhenAll as fn(Vec<String>) -> crate::Condition,
            ),
            (h.when_not_all, crate::Condition::WhenNotAll),
            (h.when_any, crate::Condition::WhenAny),
            (h.when_none, crate::Condition::WhenNone),
        ] {
            if !list.is_empty() {
                handler = handler.condition(make(list));
            }
        }
        match h.hook {
            Some(Patterns::One(p)) => handler = handler.hook([p]),
            Some(Patterns::Many(ps)) if !ps.is_empty() => handler = handler.hook(ps),
            _ => {}
        }
        builder = builder.handler(handler);
    }
    for t in triggers {
        let mut trigger = match (t.when, t.when_not) {
            (Some(f), _) => Trigger::when(f),
            (_, Some(f)) => Trigger::when_not(f),
            (None, None) => unreachable!("validated"),
        };
        if let Some(f) = t.set {
            trigger = trigger.set_flag(f);
        }
        if let Some(f) = t.clear {
            trigger = trigger.clear_flag(f);
        }
        builder = builder.trigger(trigger);
    }
    Ok(builder.build()?)
}
