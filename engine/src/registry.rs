//! The handlers and triggers of a charm, and the indexes dispatch uses.
//!
//! Handlers come from the attribute macros, which submit a [`Registration`]
//! through `inventory`, or from [`Registry::builder`]. Either way dispatch order is
//! registration order: for macro handlers, (source file, line), which is
//! declaration order within a file, deterministic across machines.

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

use crate::layer::{Layer, LayerRegistration};
use crate::{Condition, Context, Handler, Trigger};

/// A handler submitted by the attribute macros. Not written by hand: use
/// [`Handler`] and [`Registry::builder`] instead.
#[doc(hidden)]
#[derive(Debug)]
pub struct Registration {
    /// The source file, relative to the crate root.
    pub file: &'static str,
    /// The line of the handler's first attribute.
    pub line: u32,
    /// The function's name.
    pub name: &'static str,
    /// The conditions in test order (charms.reactive's: innermost attribute first).
    pub conditions: fn() -> Vec<Condition>,
    /// The wrapped function.
    pub run: fn(&mut Context<'_>) -> anyhow::Result<()>,
}

/// A trigger submitted by [`crate::register_trigger!`].
#[doc(hidden)]
#[derive(Debug)]
pub struct TriggerRegistration {
    /// The source file.
    pub file: &'static str,
    /// The line of the macro call.
    pub line: u32,
    /// Builds the trigger.
    pub build: fn() -> Trigger,
}

inventory::collect!(Registration);
inventory::collect!(TriggerRegistration);

/// A handler's position in the registry: registration order.
pub(crate) type HandlerIdx = usize;

/// Every handler and trigger of a charm, indexed for dispatch.
#[derive(Clone, Default)]
pub struct Registry {
    handlers: Vec<Handler>,
    /// Each handler's watched flags (FlagWatch's `_flags`), by index.
    watched: Vec<Vec<String>>,
    triggers: Vec<Trigger>,
    layers: Vec<Arc<dyn Layer>>,
    /// For each flag, the handlers that watch it, in registration order.
    watchers: HashMap<String, Vec<HandlerIdx>>,
    /// Handlers that watch no flag: FlagWatch re-tests them every iteration.
    unwatched: Vec<HandlerIdx>,
    /// Handlers with a condition that can change without a flag changing.
    volatile: Vec<HandlerIdx>,
    /// Whether a handler, trigger or layer names an application flag, so that
    /// leader settings are read at the start of every hook.
    uses_app_scope: bool,
}

/// Builds a [`Registry`] in an explicit order.
#[derive(Default)]
pub struct RegistryBuilder {
    handlers: Vec<Handler>,
    triggers: Vec<Trigger>,
    layers: Vec<Arc<dyn Layer>>,
    app_scope: bool,
}

impl RegistryBuilder {
    /// Reads the application scope at the start of every hook even if no
    /// handler names an application flag (for charms that only test them with
    /// `Context::is_flag_set`).
    pub fn app_scope(mut self, load: bool) -> Self {
        self.app_scope = load;
        self
    }

    /// Registers a handler after those already registered. A handler with no
    /// conditions is skipped, as charms.reactive never registers an undecorated
    /// function.
    pub fn handler(mut self, handler: Handler) -> Self {
        self.handlers.push(handler);
        self
    }

    /// Registers a trigger; triggers are re-registered at the start of every hook.
    pub fn trigger(mut self, trigger: Trigger) -> Self {
        self.triggers.push(trigger);
        self
    }

    /// Adds a layer.
    pub fn layer<L: Layer>(self, layer: L) -> Self {
        self.layer_arc(Arc::new(layer))
    }

    /// Adds a shared layer.
    pub fn layer_arc(mut self, layer: Arc<dyn Layer>) -> Self {
        self.layers.push(layer);
        self
    }

    /// Builds the registry. Two handlers with the same id are an error, as in the
    /// oracle (charms.reactive would silently merge them into one).
    pub fn build(self) -> Result<Registry, crate::EngineError> {
        let mut layers = self.layers;
        layers.sort_by(|a, b| (a.order(), a.name()).cmp(&(b.order(), b.name())));
        let trigger_flags = self.triggers.iter().flat_map(|t| {
            let on = match &t.on {
                crate::TriggerOn::Set(f) | crate::TriggerOn::Cleared(f) => f,
            };
            std::iter::once(on).chain(&t.set).chain(&t.clear)
        });
        let uses_app_scope = self.app_scope
            || layers.iter().any(|l| l.uses_app_scope())
            || trigger_flags.into_iter().any(|f| crate::app_scope::is_app_flag(f));
        let mut registry = Registry {
            triggers: self.triggers,
            layers,
            uses_app_scope,
            ..Registry::default()
        };
        let mut seen = std::collections::HashSet::new();
        for handler in self.handlers {
            if handler.conditions().is_empty() {
                continue;
            }
            if !seen.insert(handler.id().to_owned()) {
                return Err(crate::EngineError::DuplicateHandler(handler.id().to_owned()));
            }
            let idx = registry.handlers.len();
            let watched: Vec<String> = handler.watched_flags().into_iter().map(str::to_owned).collect();
            if watched.is_empty() {
                registry.unwatched.push(idx);
            }
            for f in &watched {
                registry.uses_app_scope |= crate::app_scope::is_app_flag(f);
                registry.watchers.entry(f.clone()).or_default().push(idx);
            }
            registry.watched.push(watched);
            if handler.conditions().iter().any(Condition::is_volatile) {
                registry.volatile.push(idx);
            }
            registry.handlers.push(handler);
        }
        Ok(registry)
    }
}

impl Registry {
    /// An empty builder.
    pub fn builder() -> RegistryBuilder {
        RegistryBuilder::default()
    }

    /// Every handler, trigger and layer the attribute macros and
    /// [`crate::register_layer!`] registered in this binary, handlers ordered by
    /// (source file, line), plus the engine's [`crate::DyingLayer`].
    pub fn from_inventory() -> Result<Registry, crate::EngineError> {
        let mut regs: Vec<&Registration> = inventory::iter::<Registration>.into_iter().collect();
        regs.sort_by(|a, b| (a.file, a.line, a.name).cmp(&(b.file, b.line, b.name)));
        let mut trigs: Vec<&TriggerRegistration> =
            inventory::iter::<TriggerRegistration>.into_iter().collect();
        trigs.sort_by_key(|t| (t.file, t.line));
        let mut builder = Registry::builder().layer(crate::DyingLayer);
        for r in regs {
            let run = r.run;
            let mut h = Handler::new(format!("{}:{}:{}", r.file, r.line, r.name), run);
            for c in (r.conditions)() {
                h = h.condition(c);
            }
            builder = builder.handler(h);
        }
        for t in trigs {
            builder = builder.trigger((t.build)());
        }
        for l in inventory::iter::<LayerRegistration> {
            builder = builder.layer_arc((l.build)());
        }
        if let Some(endpoints) = crate::endpoint::EndpointLayer::from_inventory() {
            builder = builder.layer(endpoints);
        }
        builder.build()
    }

    /// This registry for a charm with `relations` (metadata.yaml): each handler
    /// whose flags contain `{endpoint_name}` is replaced by one handler per
    /// relation it serves, as charms.reactive registers them (see
    /// [`crate::endpoint`]), and dropped if it serves none. Other handlers,
    /// triggers and layers are kept as they are, in order. Call it once, before
    /// the first hook; an expanded registry expands to itself.
    pub fn expand_endpoints(&self, relations: &[crate::pattern::RelationSpec]) -> Result<Registry, crate::EngineError> {
        let mut builder = Registry::builder().app_scope(self.uses_app_scope);
        for handler in &self.handlers {
            for expanded in crate::endpoint::expand_handler(handler, relations) {
                builder = builder.handler(expanded);
            }
        }
        for trigger in &self.triggers {
            builder = builder.trigger(trigger.clone());
        }
        for layer in &self.layers {
            builder = builder.layer_arc(Arc::clone(layer));
        }
        builder.build()
    }

    /// Whether some handler still has `{endpoint_name}` in its flags, i.e.
    /// [`expand_endpoints`](Self::expand_endpoints) has work to do.
    pub fn has_endpoint_templates(&self) -> bool {
        self.handlers
            .iter()
            .flat_map(|h| h.conditions().iter().flat_map(Condition::flags))
            .any(|f| f.contains("{endpoint_name}"))
    }

    /// The handlers, in registration (dispatch) order.
    pub fn handlers(&self) -> &[Handler] {
        &self.handlers
    }

    /// Whether leader settings are read at the start of every hook.
    pub fn uses_app_scope(&self) -> bool {
        self.uses_app_scope
    }

    /// The layers, in the order they run.
    pub fn layers(&self) -> &[Arc<dyn Layer>] {
        &self.layers
    }

    /// The triggers, in registration order.
    pub fn triggers(&self) -> &[Trigger] {
        &self.triggers
    }

    pub(crate) fn watched(&self, idx: HandlerIdx) -> &[String] {
        &self.watched[idx]
    }

    pub(crate) fn watchers(&self, flag: &str) -> &[HandlerIdx] {
        self.watchers.get(flag).map_or(&[], Vec::as_slice)
    }

    pub(crate) fn unwatched(&self) -> &[HandlerIdx] {
        &self.unwatched
    }

    pub(crate) fn volatile(&self) -> &[HandlerIdx] {
        &self.volatile
    }
}

impl fmt::Debug for Registry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Registry")
            .field("handlers", &self.handlers.len())
            .field("triggers", &self.triggers.len())
            .field("layers", &self.layers.iter().map(|l| l.name()).collect::<Vec<_>>())
            .finish()
    }
}

impl fmt::Debug for RegistryBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RegistryBuilder")
            .field("handlers", &self.handlers.len())
            .field("triggers", &self.triggers.len())
            .field("layers", &self.layers.len())
            .finish()
    }
}
