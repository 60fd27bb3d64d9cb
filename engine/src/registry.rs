//! The handlers and triggers of a charm, and the indexes dispatch uses.
//!
//! Handlers come from the attribute macros, which submit a [`Registration`]
//! through `inventory`, or from [`Registry::builder`]. Either way dispatch order is
//! registration order: for macro handlers, (source file, line), which is
//! declaration order within a file, deterministic across machines.

use std::collections::{HashMap, HashSet};
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
    /// Literal flags the body sets (see [`crate::FlagEffects`]).
    pub sets: &'static [&'static str],
    /// Literal flags the body clears.
    pub clears: &'static [&'static str],
    /// Literal flags the body reads.
    pub reads: &'static [&'static str],
    /// Whether the body names a flag with a computed expression.
    pub computed_flags: bool,
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
    /// The layers in the order their exit steps run (see [`Layer::exit_order`]).
    exit_layers: Vec<Arc<dyn Layer>>,
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

    /// Adds a layer. Layers run in [`Layer::order`], and each name once: the
    /// first layer added with a name is kept, a later one with the same name
    /// is dropped (registering a layer twice does not run it twice).
    pub fn layer<L: Layer>(self, layer: L) -> Self {
        self.layer_arc(Arc::new(layer))
    }

    /// Adds a shared layer.
    pub fn layer_arc(mut self, layer: Arc<dyn Layer>) -> Self {
        self.layers.push(layer);
        self
    }

    /// Builds the registry. Two handlers with the same id are an error, as in the
    /// oracle (charms.reactive would silently merge them into one). Of layers
    /// with one name, the first added is kept (see [`layer`](Self::layer)).
    pub fn build(self) -> Result<Registry, crate::EngineError> {
        let mut names = HashSet::new();
        let mut layers: Vec<Arc<dyn Layer>> = self
            .layers
            .into_iter()
            .filter(|l| names.insert(l.name()))
            .collect();
        layers.sort_by(|a, b| (a.order(), a.name()).cmp(&(b.order(), b.name())));
        let trigger_flags = self.triggers.iter().flat_map(|t| {
            let on = match &t.on {
                crate::TriggerOn::Set(f) | crate::TriggerOn::Cleared(f) => f,
            };
            std::iter::once(on).chain(&t.set).chain(&t.clear)
        });
        let uses_app_scope = self.app_scope
            || layers.iter().any(|l| l.uses_app_scope())
            || trigger_flags
                .into_iter()
                .any(|f| crate::app_scope::is_app_flag(f));
        let mut exit_layers: Vec<Arc<dyn Layer>> = layers.iter().rev().cloned().collect();
        exit_layers.sort_by_key(|l| l.exit_order());
        let mut registry = Registry {
            triggers: self.triggers,
            exit_layers,
            layers,
            uses_app_scope,
            ..Registry::default()
        };
        let mut seen = HashSet::new();
        for handler in self.handlers {
            if handler.conditions().is_empty() {
                continue;
            }
            if !seen.insert(handler.id().to_owned()) {
                return Err(crate::EngineError::DuplicateHandler(
                    handler.id().to_owned(),
                ));
            }
            let idx = registry.handlers.len();
            let watched: Vec<String> = handler
                .watched_flags()
                .into_iter()
                .map(str::to_owned)
                .collect();
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
    /// (source file, line), plus the engine's [`crate::DyingLayer`] (and
    /// [`crate::endpoint::EndpointLayer`] when endpoints are registered).
    ///
    /// Layers are taken by name (see [`crate::register_layer!`]): a charm's
    /// registration replaces a layer crate's default of the same name, and the
    /// engine's own layers count as defaults; any other name registered twice
    /// is [`crate::EngineError::DuplicateLayer`].
    pub fn from_inventory() -> Result<Registry, crate::EngineError> {
        let mut regs: Vec<&Registration> = inventory::iter::<Registration>.into_iter().collect();
        regs.sort_by(|a, b| (a.file, a.line, a.name).cmp(&(b.file, b.line, b.name)));
        let mut trigs: Vec<&TriggerRegistration> =
            inventory::iter::<TriggerRegistration>.into_iter().collect();
        trigs.sort_by_key(|t| (t.file, t.line));
        let mut builder = Registry::builder();
        for r in regs {
            let run = r.run;
            let owned = |v: &[&str]| v.iter().map(|s| s.to_string()).collect();
            let mut h = Handler::new(format!("{}:{}:{}", r.file, r.line, r.name), run).effects(
                crate::FlagEffects {
                    sets: owned(r.sets),
                    clears: owned(r.clears),
                    reads: owned(r.reads),
                    computed: r.computed_flags,
                },
            );
            for c in (r.conditions)() {
                h = h.condition(c);
            }
            builder = builder.handler(h);
        }
        for t in trigs {
            builder = builder.trigger((t.build)());
        }
        let mut layers: Vec<(bool, Arc<dyn Layer>)> = vec![(true, Arc::new(crate::DyingLayer))];
        if let Some(endpoints) = crate::endpoint::EndpointLayer::from_inventory() {
            layers.push((true, Arc::new(endpoints)));
        }
        layers.extend(
            inventory::iter::<LayerRegistration>
                .into_iter()
                .map(|l| (l.is_default, (l.build)())),
        );
        for layer in inventory_layers(layers)? {
            builder = builder.layer_arc(layer);
        }
        builder.build()
    }

    /// This registry for a charm with `relations` (metadata.yaml): each handler
    /// whose flags contain `{endpoint_name}` is replaced by one handler per
    /// relation it serves, as charms.reactive registers them (see
    /// [`crate::endpoint`]), and dropped if it serves none. Other handlers,
    /// triggers and layers are kept as they are, in order. Call it once, before
    /// the first hook; an expanded registry expands to itself.
    pub fn expand_endpoints(
        &self,
        relations: &[crate::pattern::RelationSpec],
    ) -> Result<Registry, crate::EngineError> {
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

    /// The layers, in the order their start steps run.
    pub fn layers(&self) -> &[Arc<dyn Layer>] {
        &self.layers
    }

    /// The layers, in the order their exit steps run (see [`Layer::exit_order`]).
    pub fn exit_layers(&self) -> &[Arc<dyn Layer>] {
        &self.exit_layers
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

/// The layers of inventory `registrations` (`(is_default, layer)`): each
/// default whose name a non-default registration also has is dropped. Any
/// other name registered twice is refused: inventory's order is unspecified, so
/// "first wins" would pick at random.
fn inventory_layers(
    registrations: Vec<(bool, Arc<dyn Layer>)>,
) -> Result<Vec<Arc<dyn Layer>>, crate::EngineError> {
    let replaced: HashSet<&'static str> = registrations
        .iter()
        .filter(|(is_default, _)| !is_default)
        .map(|(_, l)| l.name())
        .collect();
    let mut names = HashSet::new();
    let mut kept = Vec::new();
    for (is_default, layer) in registrations {
        if is_default && replaced.contains(layer.name()) {
            continue;
        }
        if !names.insert(layer.name()) {
            return Err(crate::EngineError::DuplicateLayer(layer.name().to_owned()));
        }
        kept.push(layer);
    }
    Ok(kept)
}

impl fmt::Debug for Registry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Registry")
            .field("handlers", &self.handlers.len())
            .field("triggers", &self.triggers.len())
            .field(
                "layers",
                &self.layers.iter().map(|l| l.name()).collect::<Vec<_>>(),
            )
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::EngineError;

    /// A layer known by its name, and a tag telling registrations apart.
    struct Named(&'static str, &'static str);

    impl Layer for Named {
        fn name(&self) -> &'static str {
            self.0
        }
        fn order(&self) -> i32 {
            // The tag, for the tests to tell which registration was kept.
            self.1.len() as i32
        }
    }

    fn reg(is_default: bool, name: &'static str, tag: &'static str) -> (bool, Arc<dyn Layer>) {
        (is_default, Arc::new(Named(name, tag)))
    }

    fn names_and_tags(layers: &[Arc<dyn Layer>]) -> Vec<(&'static str, i32)> {
        layers.iter().map(|l| (l.name(), l.order())).collect()
    }

    #[test]
    fn the_builder_keeps_the_first_layer_of_a_name() {
        let registry = Registry::builder()
            .layer(Named("basic", "first"))
            .layer(Named("status", "s"))
            .layer(Named("basic", "second"))
            .build()
            .unwrap();
        assert_eq!(
            names_and_tags(registry.layers()),
            [("status", 1), ("basic", 5)]
        );
    }

    /// A layer with an order and an exit order.
    struct Ordered(&'static str, i32, Option<i32>);

    impl Layer for Ordered {
        fn name(&self) -> &'static str {
            self.0
        }
        fn order(&self) -> i32 {
            self.1
        }
        fn exit_order(&self) -> i32 {
            self.2.unwrap_or(-self.1)
        }
    }

    #[test]
    fn exit_steps_run_in_reverse_unless_a_layer_asks_to_exit_last() {
        let registry = Registry::builder()
            .layer(Ordered("status", 90, Some(i32::MAX)))
            .layer(Ordered("basic", 0, None))
            .layer(Ordered("b-tie", 50, None))
            .layer(Ordered("a-tie", 50, None))
            .layer(Ordered("dying", -10, None))
            .build()
            .unwrap();
        let names = |layers: &[Arc<dyn Layer>]| layers.iter().map(|l| l.name()).collect::<Vec<_>>();
        assert_eq!(
            names(registry.layers()),
            ["dying", "basic", "a-tie", "b-tie", "status"]
        );
        assert_eq!(
            names(registry.exit_layers()),
            ["b-tie", "a-tie", "basic", "dying", "status"]
        );
    }

    #[test]
    fn a_charms_registration_replaces_the_layer_crates_default() {
        let kept = inventory_layers(vec![
            reg(true, "dying", "engine"),
            reg(true, "basic", "crate"),
            reg(false, "basic", "charm's"),
            reg(true, "status", "crate"),
        ])
        .unwrap();
        assert_eq!(
            names_and_tags(&kept),
            [("dying", 6), ("basic", 7), ("status", 5)]
        );
    }

    #[test]
    fn two_inventory_registrations_of_one_rank_are_refused() {
        for (first, second) in [(true, true), (false, false)] {
            let Err(err) =
                inventory_layers(vec![reg(first, "basic", "x"), reg(second, "basic", "y")])
            else {
                panic!("basic twice was accepted");
            };
            assert!(
                matches!(&err, EngineError::DuplicateLayer(n) if n == "basic"),
                "{err}"
            );
            assert!(
                err.to_string().contains("\"basic\" is registered twice"),
                "{err}"
            );
        }
    }
}
