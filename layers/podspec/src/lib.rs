//! # charm-reactive-podspec
//!
//! Setting the pod spec of a Kubernetes podspec charm (Juju 2.5 to 2.9) the
//! safe way, which the seed's charm did not:
//!
//! - **only the leader sets it.** A non-leader's call is a no-op with an INFO
//!   log, never an error, and never runs `pod-spec-set` (in the seed, the
//!   non-leader con6/2 did; Juju 2.5 applied it, Juju 2.6+ refuses it);
//! - **only when its content changed.** The spec's content hash is compared with
//!   the one recorded in application scope (leader settings, so a replacement
//!   unit sees it): an identical spec is not set again, so it does not restart
//!   the pods;
//! - **a dying unit does not set it** (INFO log): a unit being torn down must
//!   not reshape the application's pods;
//! - **it warns about specs that change by themselves** (a timestamp, a random
//!   salt): in a stateless application every set replaces the pods with a NEW
//!   unit that renders again, the seed's endless replacement loop. See
//!   [`history`] for the heuristic.
//!
//! | where | key / flag | meaning |
//! |---|---|---|
//! | application flag | `app:podspec.set` | a spec was set (by the leader); every unit sees it |
//! | application value | `podspec.hash` | the content hash of the spec last set |
//! | application value | `podspec.history` | the last [`history::HISTORY_LEN`] sets ([`history::Render`]) |
//! | unit store | `podspec.rendered` | this unit has rendered a spec before |
//!
//! Juju commits a pod spec only when the hook succeeds, and the engine writes
//! application scope in the same success path, so the recorded hash never gets
//! ahead of the spec Juju holds.
//!
//! ```
//! charm_reactive_podspec::init();
//! let registry = charm_reactive::Registry::from_inventory()?;
//! assert!(registry.layers().iter().any(|l| l.name() == "podspec"));
//! assert!(registry.uses_app_scope());
//! # Ok::<(), charm_reactive::EngineError>(())
//! ```

pub mod history;
mod spec;

use charm_reactive::backend::{BackendError, PodSpec, SpecTool};
use charm_reactive::log::Level;
use charm_reactive::{Context, EngineError, Layer, DYING_FLAG};

pub use history::Render;
pub use spec::Spec;

/// Application flag: a spec was set.
pub const SET_FLAG: &str = "app:podspec.set";
/// Application value: the content hash of the spec last set.
pub const HASH_KEY: &str = "podspec.hash";
/// Application value: the recent sets.
pub const HISTORY_KEY: &str = "podspec.history";
/// Unit-store key: this unit has rendered a spec before.
pub const RENDERED_KEY: &str = "podspec.rendered";

/// What a call to [`set_pod_spec`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[must_use]
pub enum Outcome {
    /// The spec changed: `pod-spec-set` ran and the hash was recorded.
    Set,
    /// The spec equals the recorded one: nothing ran.
    Unchanged,
    /// This unit is not the leader: nothing ran.
    NotLeader,
    /// This unit is going away: nothing ran.
    Dying,
}

/// What can go wrong.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PodSpecError {
    /// The spec (or resources) text is empty.
    #[error("the {what} is empty")]
    Empty {
        /// What is empty.
        what: &'static str,
    },
    /// The spec (or resources) text is not YAML.
    #[error("the {what} is not valid YAML: {reason}")]
    Parse {
        /// What failed.
        what: &'static str,
        /// Why.
        reason: String,
    },
    /// A value could not be serialized.
    #[error("the {what} cannot be serialized: {reason}")]
    Encode {
        /// What failed.
        what: &'static str,
        /// Why.
        reason: String,
    },
    /// `pod-spec-set` / `k8s-spec-set` failed.
    #[error("setting the pod spec failed: {0}")]
    Juju(#[from] BackendError),
    /// The engine (store, application scope) failed.
    #[error(transparent)]
    Engine(#[from] EngineError),
}

/// Makes the engine read application scope at the start of every hook, so
/// `app:podspec.set` is visible to every handler, even to charms that only
/// test it with `Context::is_flag_set`. It has no start or exit step.
#[derive(Debug, Default, Clone, Copy)]
pub struct PodSpecLayer;

impl Layer for PodSpecLayer {
    fn name(&self) -> &'static str {
        "podspec"
    }

    fn order(&self) -> i32 {
        30
    }

    /// [`set_pod_spec`] sets [`SET_FLAG`] for the handler that calls it.
    fn declared_flags(&self) -> charm_reactive::DeclaredFlags {
        charm_reactive::DeclaredFlags {
            sets: vec![SET_FLAG.into()],
            ..Default::default()
        }
    }

    fn uses_app_scope(&self) -> bool {
        true
    }
}

charm_reactive::register_layer!(default: PodSpecLayer);

/// Makes sure this crate, and so its [`PodSpecLayer`] registration, is linked
/// into the charm binary (the linker may drop a dependency nothing refers to).
/// Call it once, refer to any item of the crate, or write
/// `use charm_reactive_podspec as _;`.
#[inline(never)]
pub fn init() {
    // The registration lives in this module, so in the object this function
    // is compiled into: referring to the function keeps both.
    std::hint::black_box(());
}

/// Sets the pod spec with `pod-spec-set` if this unit is the leader, not
/// dying, and the spec's content differs from the one recorded in application
/// scope (see the crate documentation).
///
/// ```no_run
/// use charm_reactive::{when_all, when_not, Context};
/// use charm_reactive_podspec::{set_pod_spec, Spec};
///
/// #[when_all("layer.docker-resource.consumer_image.available", "sse-endpoint.available")]
/// #[when_not("consumer.configured")]
/// fn config_consumer(ctx: &mut Context<'_>) -> anyhow::Result<()> {
///     let base_url = "http://sse:8080";
///     // Built as data: a value from config or a relation cannot add keys.
///     let spec = Spec::from_value(&serde_json::json!({
///         "containers": [{"name": "consumer", "config": {"BASE_URL": base_url}}]
///     }))?
///     .with_inputs(&base_url)?;
///     set_pod_spec(ctx, &spec)?; // a no-op on followers and for an identical spec
///     ctx.set_flag("consumer.configured");
///     Ok(())
/// }
/// ```
pub fn set_pod_spec(ctx: &mut Context<'_>, spec: &Spec) -> Result<Outcome, PodSpecError> {
    set_with(ctx, spec, SpecTool::PodSpecSet)
}

/// [`set_pod_spec`] with `k8s-spec-set` (Juju 2.9's name for the same tool).
pub fn set_k8s_spec(ctx: &mut Context<'_>, spec: &Spec) -> Result<Outcome, PodSpecError> {
    set_with(ctx, spec, SpecTool::K8sSpecSet)
}

/// The hash of the spec last set, as recorded in application scope.
pub fn recorded_hash(ctx: &mut Context<'_>) -> Result<Option<String>, PodSpecError> {
    Ok(ctx.app()?.get(HASH_KEY)?)
}

/// The recent sets, oldest first.
pub fn recorded_history(ctx: &mut Context<'_>) -> Result<Vec<Render>, PodSpecError> {
    Ok(ctx.app()?.get(HISTORY_KEY)?.unwrap_or_default())
}

fn set_with(ctx: &mut Context<'_>, spec: &Spec, tool: SpecTool) -> Result<Outcome, PodSpecError> {
    let first_render = ctx.kv().get::<bool>(RENDERED_KEY)?.is_none();
    ctx.kv().set(RENDERED_KEY, &true)?;
    let unit = ctx.hook().unit.clone();
    let short = &spec.hash()[..12];
    if ctx.is_flag_set(DYING_FLAG) {
        ctx.log(
            Level::Info,
            format!("{unit} is going away: not setting the pod spec ({short})"),
        );
        return Ok(Outcome::Dying);
    }
    if !ctx.is_leader()? {
        ctx.log(
            Level::Info,
            format!("{unit} is not the leader: leaving the pod spec ({short}) to the leader"),
        );
        return Ok(Outcome::NotLeader);
    }
    let recorded = recorded_hash(ctx)?;
    let mut history = recorded_history(ctx)?;
    if recorded.as_deref() == Some(spec.hash()) {
        // A stable spec: confirm it once, which ends any suspicion of a loop.
        if let Some(last) = history
            .last_mut()
            .filter(|r| r.hash == spec.hash() && !r.confirmed)
        {
            last.confirmed = true;
            ctx.app()?.set(HISTORY_KEY, &history)?;
        }
        if !ctx.is_flag_set(SET_FLAG) {
            ctx.set_flag(SET_FLAG);
        }
        ctx.log(
            Level::Debug,
            format!("pod spec unchanged ({short}): not set again"),
        );
        return Ok(Outcome::Unchanged);
    }
    ctx.juju().pod_spec_set(&PodSpec {
        tool,
        spec: spec.text().to_owned(),
        k8s_resources: spec.k8s_resources().map(str::to_owned),
    })?;
    let mut render = Render {
        hash: spec.hash().to_owned(),
        inputs: spec.inputs_hash().map(str::to_owned),
        unit,
        hook: ctx.hook().name.clone(),
        first_render,
        unexplained: false,
        confirmed: false,
    };
    render.explain(history.last());
    history::push(&mut history, render);
    let was = recorded
        .as_deref()
        .map_or("none", |h| &h[..12.min(h.len())]);
    ctx.log(
        Level::Info,
        format!("pod spec set with {} ({short}, was {was})", tool.as_str()),
    );
    warn_if_looping(ctx, &history);
    ctx.app()?.set(HASH_KEY, spec.hash())?;
    ctx.app()?.set(HISTORY_KEY, &history)?;
    ctx.set_flag(SET_FLAG);
    Ok(Outcome::Set)
}

fn warn_if_looping(ctx: &mut Context<'_>, history: &[Render]) {
    let streak = history::streak(history);
    if streak < history::LOOP_THRESHOLD {
        return;
    }
    let recent = &history[history.len() - streak..];
    let sets: Vec<String> = recent
        .iter()
        .map(|r| {
            format!(
                "{} in {} ({})",
                r.unit,
                r.hook,
                &r.hash[..12.min(r.hash.len())]
            )
        })
        .collect();
    ctx.warn(format!(
        "the pod spec changed on {streak} consecutive renders without a change of its inputs: {}. \
         A spec that is not a function of its inputs (a timestamp, a random value, unordered data) \
         restarts the pods at every render; in a stateless application each restart is a new unit \
         that renders again: an endless replacement loop. Make the spec deterministic, or pass what \
         it is made from with Spec::with_inputs",
        sets.join(", ")
    ));
}
