//! # charm-reactive-leadership
//!
//! layer-leadership (`stub42/layer-leadership`) for charm-reactive: flags that
//! follow Juju leadership and leader settings, and [`leader_get`] /
//! [`leader_set`].
//!
//! | flag | rule | when |
//! |---|---|---|
//! | `leadership.is_leader` | this unit is the leader (`is-leader`) | recomputed at the start of every hook |
//! | `leadership.set.<key>` | leader setting `<key>` has a value | at start; at once on the leader by [`leader_set`] |
//! | `leadership.changed.<key>` | `<key>` differs from what this unit saw at its last successful hook (a deleted key counts) | at start; set at once on the leader by [`leader_set`]; **not cleared at exit**: it stays until the next hook's start recomputes it |
//! | `leadership.changed` | any `leadership.changed.<key>` was set | same as above |
//!
//! What the unit last saw is kept in its store (`ctx.kv()` keys
//! `leadership.settings.<key>`, a deleted key as `None`), as layer-leadership
//! kept it in unitdata. A new unit (a fresh store, e.g. a replacement pod)
//! therefore sees every existing setting as changed at its first hook.
//!
//! Leader settings written by the engine's application scope (keys starting
//! with `charm-reactive.app.`) are not leadership settings: they make no flags
//! and cannot be written here.
//!
//! Writes are buffered: [`leader_set`] records the change in the hook's ONE
//! `leader-set`, issued at commit, so a hook that fails writes nothing (unlike
//! layer-leadership, whose `leader-set` took effect at once).
//!
//! ```
//! charm_reactive_leadership::init();
//! let registry = charm_reactive::Registry::from_inventory()?;
//! assert!(registry.layers().iter().any(|l| l.name() == "leadership"));
//! # Ok::<(), charm_reactive::EngineError>(())
//! ```

use std::collections::BTreeMap;

use charm_reactive::app_scope::LEADER_PREFIX;
use charm_reactive::log::Level;
use charm_reactive::{Context, EngineError, Layer};

/// Set while this unit is the leader.
pub const IS_LEADER: &str = "leadership.is_leader";
/// `leadership.set.<key>`: the setting has a value.
pub const SET_PREFIX: &str = "leadership.set.";
/// `leadership.changed.<key>`: the setting changed since the last hook.
pub const CHANGED_PREFIX: &str = "leadership.changed.";
/// Any setting changed since the last hook.
pub const CHANGED: &str = "leadership.changed";
/// Unit-store prefix (in `ctx.kv()`) of the settings as last seen.
pub const SEEN_PREFIX: &str = "leadership.settings.";

/// What can go wrong with leader settings.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LeadershipError {
    /// A unit that is not the leader tried to write.
    #[error("cannot set leader settings {keys:?}: this unit is not the leader (gate the handler on leadership.is_leader)")]
    NotLeader {
        /// The keys it tried to write.
        keys: Vec<String>,
    },
    /// A key leader-set cannot take.
    #[error("invalid leader-settings key {key:?}: {reason}")]
    InvalidKey {
        /// The key.
        key: String,
        /// Why.
        reason: &'static str,
    },
    /// A value some Juju versions would not read back.
    #[error("invalid value for leader setting {key:?}: {reason}")]
    InvalidValue {
        /// The key.
        key: String,
        /// Why.
        reason: &'static str,
    },
    /// The engine (store, leader settings, hook tools) failed.
    #[error(transparent)]
    Engine(#[from] EngineError),
}

/// layer-leadership's start-of-hook step (see the crate documentation).
#[derive(Debug, Default, Clone, Copy)]
pub struct LeadershipLayer;

impl Layer for LeadershipLayer {
    fn name(&self) -> &'static str {
        "leadership"
    }

    fn order(&self) -> i32 {
        10
    }

    /// layer-leadership's flags, recomputed at the start of every hook.
    fn declared_flags(&self) -> charm_reactive::DeclaredFlags {
        charm_reactive::DeclaredFlags {
            sets: vec![
                IS_LEADER.into(),
                CHANGED.into(),
                format!("{CHANGED_PREFIX}*"),
                format!("{SET_PREFIX}*"),
            ],
            ..Default::default()
        }
    }

    /// layer-leadership's `initialize_leadership_state`.
    fn at_start(&self, ctx: &mut Context<'_>) -> anyhow::Result<()> {
        let leader = ctx.is_leader()?;
        let role = if leader { "is leader" } else { "is follower" };
        ctx.log(
            Level::Info,
            format!("Initializing Leadership Layer ({role})"),
        );
        ctx.toggle_flag(IS_LEADER, leader);

        let previous = seen(ctx)?;
        let mut current: Vec<(String, Option<String>)> = ctx
            .app()?
            .leader_settings()
            .into_iter()
            .map(|(k, v)| (k, Some(v)))
            .collect();
        let deleted: Vec<String> = previous
            .keys()
            .filter(|k| current.iter().all(|(c, _)| c != *k))
            .cloned()
            .collect();
        current.extend(deleted.into_iter().map(|k| (k, None)));

        let mut any_changed = false;
        for (key, value) in &current {
            let changed = previous.get(key).cloned().flatten() != *value;
            any_changed |= changed;
            ctx.toggle_flag(&format!("{CHANGED_PREFIX}{key}"), changed);
            ctx.toggle_flag(&format!("{SET_PREFIX}{key}"), value.is_some());
        }
        ctx.toggle_flag(CHANGED, any_changed);
        // layer-leadership rewrites every key; only changes need writing.
        for (key, value) in current.iter().filter(|(k, v)| previous.get(k) != Some(v)) {
            ctx.kv().set(&format!("{SEEN_PREFIX}{key}"), value)?;
        }
        Ok(())
    }
}

charm_reactive::register_layer!(default: LeadershipLayer);

/// Makes sure this crate, and so its [`LeadershipLayer`] registration, is
/// linked into the charm binary (the linker may drop a dependency nothing
/// refers to). Call it once, refer to any item of the crate, or write
/// `use charm_reactive_leadership as _;`.
#[inline(never)]
pub fn init() {
    // The registration lives in this module, so in the object this function
    // is compiled into: referring to the function keeps both.
    std::hint::black_box(());
}

/// The settings as this unit saw them at its last successful hook.
fn seen(ctx: &mut Context<'_>) -> Result<BTreeMap<String, Option<String>>, EngineError> {
    let mut out = BTreeMap::new();
    for full in ctx.kv().keys(SEEN_PREFIX)? {
        let value: Option<Option<String>> = ctx.kv().get(&full)?;
        out.insert(full[SEEN_PREFIX.len()..].to_owned(), value.flatten());
    }
    Ok(out)
}

/// A leader setting (layer-leadership's `leader_get(key)`), including this
/// hook's own [`leader_set`] writes. Any unit may read.
pub fn leader_get(ctx: &mut Context<'_>, key: &str) -> Result<Option<String>, LeadershipError> {
    check_key(key)?;
    Ok(ctx.app()?.leader_setting(key).map(str::to_owned))
}

/// Every leader setting (`leader_get()`), application-scope keys excluded.
pub fn leader_get_all(ctx: &mut Context<'_>) -> Result<BTreeMap<String, String>, LeadershipError> {
    Ok(ctx.app()?.leader_settings())
}

/// Writes one leader setting (`None`, or `""` which Juju also treats so,
/// deletes it). See [`leader_set_many`].
///
/// ```no_run
/// use charm_reactive::{when, when_not, Context};
///
/// #[when("leadership.is_leader")]
/// #[when_not("leadership.set.admin_password")]
/// fn generate_secret(ctx: &mut Context<'_>) -> anyhow::Result<()> {
///     charm_reactive_leadership::leader_set(ctx, "admin_password", Some("s3cret"))?;
///     Ok(())
/// }
///
/// #[when("leadership.changed.admin_password")]
/// fn store_secret(ctx: &mut Context<'_>) -> anyhow::Result<()> {
///     let password = charm_reactive_leadership::leader_get(ctx, "admin_password")?;
///     std::fs::write("/etc/foopass", password.unwrap_or_default())?;
///     Ok(())
/// }
/// ```
pub fn leader_set(
    ctx: &mut Context<'_>,
    key: &str,
    value: Option<&str>,
) -> Result<(), LeadershipError> {
    leader_set_many(ctx, [(key, value)])
}

/// layer-leadership's `leader_set(settings)`, for the leader only: a
/// non-leader gets [`LeadershipError::NotLeader`] and nothing changes.
///
/// For every key whose value differs from what this unit last saw,
/// `leadership.changed.<key>` and `leadership.changed` are set at once;
/// `leadership.set.<key>` follows whether the key has a value. The settings go
/// out in the hook's one `leader-set` at commit (followers then run
/// `leader-settings-changed`); a failing hook writes nothing.
pub fn leader_set_many<'a>(
    ctx: &mut Context<'_>,
    settings: impl IntoIterator<Item = (&'a str, Option<&'a str>)>,
) -> Result<(), LeadershipError> {
    let settings: Vec<(&str, Option<&str>)> = settings
        .into_iter()
        .map(|(k, v)| (k, v.filter(|v| !v.is_empty())))
        .collect();
    for (key, value) in &settings {
        check_key(key)?;
        if value.is_some_and(|v| v.trim() != v) {
            return Err(LeadershipError::InvalidValue {
                key: (*key).to_owned(),
                reason: "leading or trailing whitespace, which some Juju versions trim from leader-set's key=value arguments",
            });
        }
    }
    if !ctx.is_leader()? {
        return Err(LeadershipError::NotLeader {
            keys: settings.iter().map(|(k, _)| (*k).to_owned()).collect(),
        });
    }
    let previous = seen(ctx)?;
    for (key, value) in &settings {
        ctx.app()?.set_leader_setting(key, *value)?;
        if previous.get(*key).cloned().flatten().as_deref() != *value {
            ctx.set_flag(&format!("{CHANGED_PREFIX}{key}"));
            ctx.set_flag(CHANGED);
        }
        ctx.toggle_flag(&format!("{SET_PREFIX}{key}"), value.is_some());
        ctx.kv()
            .set(&format!("{SEEN_PREFIX}{key}"), &value.map(str::to_owned))?;
    }
    Ok(())
}

fn check_key(key: &str) -> Result<(), LeadershipError> {
    let reason = if key.is_empty() {
        "empty"
    } else if key.contains('=') {
        "contains '=' (leader-set takes key=value)"
    } else if key.starts_with(LEADER_PREFIX) {
        "reserved for charm-reactive's application scope (use ctx.app())"
    } else {
        return Ok(());
    };
    Err(LeadershipError::InvalidKey {
        key: key.to_owned(),
        reason,
    })
}
