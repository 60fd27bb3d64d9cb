//! Layers: reusable parts of a charm (config flags, leadership flags, status,
//! endpoints) that act at the start and the end of every hook, as
//! charms.reactive layers do with `hookenv.atstart` / `hookenv.atexit`.

use std::sync::Arc;

use crate::Context;

/// A layer's start-of-hook and end-of-hook steps.
///
/// `at_start` runs after the engine's automatic flags and before dispatch, with
/// the tracer on (its flag changes are traced, like charms.reactive's atstart
/// callbacks). `at_exit` runs after a successful dispatch and before the commit,
/// with the tracer off and the triggers cleared (charms.reactive's
/// `_clear_triggers` runs before layer-basic's `clear_config_states`): flags
/// changed at exit fire no trigger. Neither runs in restricted hooks. An error
/// from either fails the hook, which then commits nothing.
///
/// ```
/// use charm_reactive::{Context, Layer};
/// struct Hello;
/// impl Layer for Hello {
///     fn name(&self) -> &'static str { "hello" }
///     fn at_start(&self, ctx: &mut Context<'_>) -> anyhow::Result<()> {
///         ctx.set_flag("hello.started");
///         Ok(())
///     }
/// }
/// let registry = charm_reactive::Registry::builder().layer(Hello).build()?;
/// # Ok::<(), charm_reactive::EngineError>(())
/// ```
pub trait Layer: Send + Sync + 'static {
    /// The layer's name, for logs and errors.
    fn name(&self) -> &'static str;

    /// Where the layer's start step runs among layers: lower first; ties by
    /// name (exit steps follow [`exit_order`](Self::exit_order)). The layers of
    /// this workspace use 0 (basic), 10 (leadership), 20 (endpoints), 90 (status).
    fn order(&self) -> i32 {
        50
    }

    /// Where the layer's exit step runs among the layers' exit steps: lower
    /// first; ties in the reverse of the start order. The default, minus
    /// [`order`](Self::order), runs exit steps in the reverse of the start
    /// order, as charmhelpers runs atexit callbacks. A layer that must come
    /// after every other exit step returns a larger value: the status layer,
    /// whose exit step applies the hook's one status, so that statuses set by
    /// other layers' exit steps still compete in its queue.
    fn exit_order(&self) -> i32 {
        self.order().saturating_neg()
    }

    /// Whether the layer uses application flags, so that leader settings must be
    /// read at the start of every hook.
    fn uses_app_scope(&self) -> bool {
        false
    }

    /// The flags the layer sets and reads by itself, for `charm-reactive graph`
    /// and `lint` (see [`crate::describe`]). Default: none.
    fn declared_flags(&self) -> crate::DeclaredFlags {
        crate::DeclaredFlags::default()
    }

    /// Runs before dispatch.
    fn at_start(&self, ctx: &mut Context<'_>) -> anyhow::Result<()> {
        let _ = ctx;
        Ok(())
    }

    /// Runs after a successful dispatch, before commit.
    fn at_exit(&self, ctx: &mut Context<'_>) -> anyhow::Result<()> {
        let _ = ctx;
        Ok(())
    }
}

/// A layer submitted with [`crate::register_layer!`].
#[doc(hidden)]
pub struct LayerRegistration {
    /// Builds the layer.
    pub build: fn() -> Arc<dyn Layer>,
    /// Whether this is a layer crate's registration of its own layer
    /// (`register_layer!(default: ..)`), which a charm's registration of a
    /// layer with the same name replaces.
    pub is_default: bool,
}

inventory::collect!(LayerRegistration);

/// Registers a layer for [`crate::Registry::from_inventory`]: every charm binary
/// that links the crate calling this gets it.
///
/// A layer crate registers its layer as the default: `register_layer!(default:
/// expr)`. A charm registers a layer with plain `register_layer!(expr)`; if a
/// default of the same [name](Layer::name) is linked too, the charm's replaces
/// it (so a charm can configure a layer crate's layer, e.g. the status layer's
/// order). Each name runs once: two defaults, or two charm registrations, of one
/// name make `from_inventory` fail with [`crate::EngineError::DuplicateLayer`]
/// (inventory's order is unspecified, so neither may silently win). A registry
/// built with [`crate::Registry::builder`] keeps the first layer of each name.
///
/// ```ignore
/// // In the layer crate:
/// charm_reactive::register_layer!(default: StatusLayer::new());
/// // In a charm that wants another configuration:
/// charm_reactive::register_layer!(StatusLayer::with_layer_order(["http", "docker-resource"]));
/// ```
#[macro_export]
macro_rules! register_layer {
    (default: $layer:expr) => {
        $crate::__private::inventory::submit! {
            $crate::layer::LayerRegistration {
                build: || ::std::sync::Arc::new($layer),
                is_default: true,
            }
        }
    };
    ($layer:expr) => {
        $crate::__private::inventory::submit! {
            $crate::layer::LayerRegistration {
                build: || ::std::sync::Arc::new($layer),
                is_default: false,
            }
        }
    };
}
