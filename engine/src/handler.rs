//! Handlers: an id, the conditions that guard it, and the function it runs.

use std::fmt;
use std::sync::Arc;

use crate::{Condition, Context, FlagEffects};

/// The function a handler runs. Returning an error fails the hook: nothing of it
/// is committed and Juju retries it.
pub type Action = Arc<dyn Fn(&mut Context<'_>) -> anyhow::Result<()> + Send + Sync>;

/// A registered handler.
///
/// Built by the attribute macros (through [`crate::registry::Registration`]) or by
/// hand with [`Handler::new`]:
///
/// ```
/// use charm_reactive::{Condition, Handler};
/// let h = Handler::new("reactive/db.rs:10:configure", |ctx| {
///     ctx.set_flag("app.configured");
///     Ok(())
/// })
/// .when_all(["db.available"])
/// .when_not(["app.configured"]);
/// assert_eq!(h.watched_flags(), ["db.available", "app.configured"]);
/// ```
#[derive(Clone)]
pub struct Handler {
    id: String,
    conditions: Vec<Condition>,
    effects: FlagEffects,
    action: Action,
}

impl Handler {
    /// A handler with no conditions yet. A handler without conditions is never
    /// registered by charms.reactive; [`crate::Registry`] skips it the same way.
    pub fn new<F>(id: impl Into<String>, action: F) -> Handler
    where
        F: Fn(&mut Context<'_>) -> anyhow::Result<()> + Send + Sync + 'static,
    {
        Handler {
            id: id.into(),
            conditions: Vec::new(),
            effects: FlagEffects::default(),
            action: Arc::new(action),
        }
    }

    /// Adds a condition; conditions are tested in the order added.
    pub fn condition(mut self, condition: Condition) -> Handler {
        self.conditions.push(condition);
        self
    }

    /// Adds [`Condition::WhenAll`].
    pub fn when_all<I: IntoIterator<Item = S>, S: Into<String>>(self, flags: I) -> Handler {
        self.condition(Condition::when_all(flags))
    }

    /// Adds [`Condition::WhenAny`].
    pub fn when_any<I: IntoIterator<Item = S>, S: Into<String>>(self, flags: I) -> Handler {
        self.condition(Condition::when_any(flags))
    }

    /// Adds [`Condition::WhenNone`] (charms.reactive's `when_not`).
    pub fn when_not<I: IntoIterator<Item = S>, S: Into<String>>(self, flags: I) -> Handler {
        self.condition(Condition::when_none(flags))
    }

    /// Adds [`Condition::WhenNotAll`].
    pub fn when_not_all<I: IntoIterator<Item = S>, S: Into<String>>(self, flags: I) -> Handler {
        self.condition(Condition::when_not_all(flags))
    }

    /// Adds [`Condition::Hook`].
    pub fn hook<I: IntoIterator<Item = S>, S: Into<String>>(self, patterns: I) -> Handler {
        self.condition(Condition::hook(patterns))
    }

    /// Says what the handler does to flags (the attribute macros find it in the
    /// handler's body); used by `charm-reactive graph` and `lint`, never by dispatch.
    pub fn effects(mut self, effects: FlagEffects) -> Handler {
        self.effects = effects;
        self
    }

    /// What the handler is known to do to flags.
    pub fn flag_effects(&self) -> &FlagEffects {
        &self.effects
    }

    /// The handler's id, as printed in `Invoking reactive handler:` and tracer lines.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The handler's conditions, in test order.
    pub fn conditions(&self) -> &[Condition] {
        &self.conditions
    }

    /// The flags FlagWatch watches for this handler: every flag of its `when*`
    /// conditions, in order, without repeats.
    pub fn watched_flags(&self) -> Vec<&str> {
        let mut out: Vec<&str> = Vec::new();
        for f in self.conditions.iter().flat_map(|c| c.flags()) {
            if !out.contains(&f.as_str()) {
                out.push(f);
            }
        }
        out
    }

    pub(crate) fn run(&self, ctx: &mut Context<'_>) -> anyhow::Result<()> {
        (self.action)(ctx)
    }
}

impl fmt::Debug for Handler {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Handler")
            .field("id", &self.id)
            .field("conditions", &self.conditions)
            .finish_non_exhaustive()
    }
}
