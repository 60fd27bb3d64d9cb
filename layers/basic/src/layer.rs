//! [`BasicLayer`]: sets the `config.*` flags at the start of every hook and
//! clears them, and saves the configuration, at the end of a successful one.

use charm_reactive::{Context, Layer};

use crate::options::{env_charm_dir, ConfigOptions};
use crate::pyvalue::{py_eq, truthy};
use crate::{config, BasicError};

/// Set when any option changed since the last successful hook.
pub const CONFIG_CHANGED: &str = "config.changed";
/// `config.changed.<opt>`: the option changed.
pub const CHANGED_PREFIX: &str = "config.changed.";
/// `config.set.<opt>`: the option's value is true in Python's sense.
pub const SET_PREFIX: &str = "config.set.";
/// `config.default.<opt>`: the option equals its `config.yaml` default.
pub const DEFAULT_PREFIX: &str = "config.default.";

/// layer-basic's `config.*` flags (see the crate documentation for the table).
///
/// The options come from `config.yaml` in the charm directory (the hook's
/// [`HookInfo::charm_dir`](charm_reactive::HookInfo::charm_dir), else, for a
/// hook not built from Juju's environment, `JUJU_CHARM_DIR`, `CHARM_DIR` or the
/// working directory), read at every hook, in file order, as layer-basic does. A charm directory without
/// `config.yaml` (a test harness) falls back to the options `config-get --all`
/// lists, which in Juju are exactly `config.yaml`'s; their defaults are then
/// unknown and `config.default.*` is not managed.
///
/// Tests and builders can give the options instead:
///
/// ```
/// use charm_reactive_basic::{BasicLayer, ConfigOptions};
/// let layer = BasicLayer::with_options(ConfigOptions::new([("port", serde_json::json!(80))]));
/// let registry = charm_reactive::Registry::builder().layer(layer).build()?;
/// # Ok::<(), charm_reactive::EngineError>(())
/// ```
#[derive(Debug, Clone, Default)]
pub struct BasicLayer {
    options: Option<ConfigOptions>,
}

impl BasicLayer {
    /// The layer reading `config.yaml` from the charm directory.
    pub fn new() -> BasicLayer {
        BasicLayer::default()
    }

    /// The layer with these options and defaults.
    pub fn with_options(options: ConfigOptions) -> BasicLayer {
        BasicLayer {
            options: Some(options),
        }
    }

    /// The options to manage, and whether their defaults are known.
    fn options(
        &self,
        ctx: &Context<'_>,
        config: &crate::Config,
    ) -> Result<(ConfigOptions, bool), BasicError> {
        if let Some(o) = &self.options {
            return Ok((o.clone(), true));
        }
        let dir = match &ctx.hook().charm_dir {
            Some(dir) => dir.clone(),
            None => env_charm_dir(),
        };
        if let Some(o) = ConfigOptions::load(&dir)? {
            return Ok((o, true));
        }
        let live = ConfigOptions::new(
            config
                .keys()
                .map(|k| (k.to_owned(), serde_json::Value::Null)),
        );
        Ok((live, false))
    }
}

impl Layer for BasicLayer {
    fn name(&self) -> &'static str {
        "basic"
    }

    fn order(&self) -> i32 {
        0
    }

    /// layer-basic's config flags; `config.changed*` are cleared at the end of
    /// every hook.
    fn declared_flags(&self) -> charm_reactive::DeclaredFlags {
        charm_reactive::DeclaredFlags {
            sets: vec![
                CONFIG_CHANGED.into(),
                format!("{CHANGED_PREFIX}*"),
                format!("{SET_PREFIX}*"),
                format!("{DEFAULT_PREFIX}*"),
            ],
            ..Default::default()
        }
    }

    /// layer-basic's `init_config_states`.
    fn at_start(&self, ctx: &mut Context<'_>) -> anyhow::Result<()> {
        let config = config(ctx)?;
        let (options, defaults_known) = self.options(ctx, &config)?;
        let null = serde_json::Value::Null;
        for opt in options.names() {
            let value = config.get(opt).unwrap_or(&null);
            if config.changed(opt) {
                ctx.set_flag(CONFIG_CHANGED);
                ctx.set_flag(&format!("{CHANGED_PREFIX}{opt}"));
            }
            ctx.toggle_flag(&format!("{SET_PREFIX}{opt}"), truthy(value));
            if defaults_known {
                let default = options.default_value(opt).unwrap_or(&null);
                ctx.toggle_flag(&format!("{DEFAULT_PREFIX}{opt}"), py_eq(value, default));
            }
        }
        ctx.extension::<Started>().0 = Some((config, options));
        Ok(())
    }

    /// layer-basic's `clear_config_states`, and charmhelpers' save of the
    /// configuration for the next hook (both only after a successful dispatch).
    fn at_exit(&self, ctx: &mut Context<'_>) -> anyhow::Result<()> {
        let (config, options) = match ctx.extension::<Started>().0.take() {
            Some(started) => started,
            None => {
                let config = config(ctx)?;
                let (options, _) = self.options(ctx, &config)?;
                (config, options)
            }
        };
        ctx.clear_flag(CONFIG_CHANGED);
        // layer-basic clears for every configuration key; the options are added
        // so that no flag this layer set can outlive the hook.
        let mut keys: Vec<&str> = config.keys().collect();
        keys.extend(options.names().filter(|o| config.get(o).is_none()));
        for key in keys {
            for prefix in [CHANGED_PREFIX, SET_PREFIX, DEFAULT_PREFIX] {
                ctx.clear_flag(&format!("{prefix}{key}"));
            }
        }
        crate::config::save(ctx, &config)?;
        Ok(())
    }
}

/// What the start step computed, for the exit step of the same hook (in the
/// hook's scratch space, [`Context::extension`]): layer-basic's exit works on
/// the configuration `hookenv.config()` cached at start, and `config.yaml` is
/// read once per hook.
#[derive(Debug, Default)]
struct Started(Option<(crate::Config, ConfigOptions)>);

charm_reactive::register_layer!(default: BasicLayer::new());

/// Makes sure this crate, and so its [`BasicLayer`] registration, is linked
/// into the charm binary: call it once (e.g. first thing in `main`), or refer
/// to any other item of the crate. The linker may drop a dependency nothing
/// refers to, and with it the registration.
#[inline(never)]
pub fn init() {
    // The registration lives in this module, so in the object this function
    // is compiled into: referring to the function keeps both.
    std::hint::black_box(());
}
