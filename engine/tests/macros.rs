//! The attribute macros against the engine: what they register (conditions in
//! charms.reactive's bottom-up order, file, line, name, ids), and the handlers
//! they register running in real hooks. Compile errors are in `tests/ui/`.

use std::path::PathBuf;
use std::sync::Arc;

use charm_reactive::log::Level;
use charm_reactive::registry::{Registration, TriggerRegistration};
use charm_reactive::store::Store;
use charm_reactive::{
    action, collect_metrics, hook, meter_status_changed, not_unless, only_once, register_trigger,
    run_hook, when, when_file_changed, when_none, when_not, when_not_all, Condition, Context,
    Handler, HookInfo, HookOutcome, Registry, RestrictedHook, TriggerOn,
};

/// The file every registration of this test binary names: relative to the crate.
const FILE: &str = "tests/macros.rs";

// ---------------------------------------------------------------- handlers --

const STACKED_LINE: u32 = line!() + 1;
#[when("x")]
#[when_file_changed("f")]
fn stacked(_ctx: &mut Context<'_>) {}

const REVERSED_LINE: u32 = line!() + 1;
#[when_file_changed("f")]
#[when("x")]
fn reversed(_ctx: &mut Context<'_>) {}

#[allow(clippy::needless_pass_by_ref_mut)]
#[charm_reactive::when_any("a", "b")]
/// Non-reactive attributes, before or between reactive ones, are kept.
#[when_not("c")]
#[only_once]
#[when_none("d")]
#[inline]
#[when_not_all("e", "f")]
#[charm_reactive::when_all("g")]
fn every_when(_ctx: &mut Context<'_>) -> anyhow::Result<()> {
    Ok(())
}

#[hook("{install,upgrade-charm}", "start")]
fn on_install(ctx: &mut Context<'_>) {
    ctx.set_flag("hooked");
}

#[collect_metrics]
#[only_once]
fn metrics(ctx: &mut Context<'_>) {
    ctx.set_flag("metrics.collected");
}

#[meter_status_changed]
fn meter(_ctx: &mut Context<'_>) {}

#[action("backup")]
fn backup(_ctx: &mut Context<'_>) {}

const MULTI_LINE: u32 = line!() + 2;
#[rustfmt::skip]
#[when(
    "multi.a",
    "multi.b",
)]
#[only_once]
fn multi_line(_ctx: &mut Context<'_>) {}

const GUARDED_LINE: u32 = line!() + 1;
#[when("guarded.go")]
#[not_unless("guarded.go", "guarded.ready", "guarded.other")]
fn guarded(ctx: &mut Context<'_>) {
    ctx.set_flag("guarded.done");
}

const HELPER_LINE: u32 = line!() + 1;
#[not_unless("helper.ready")]
fn helper(ctx: &Context<'_>, n: u32) -> u32 {
    n + u32::from(ctx.is_flag_set("helper.go"))
}

#[when("helper.go")]
fn calls_helper(ctx: &mut Context<'_>) {
    if helper(ctx, 1) == 2 {
        ctx.set_flag("helper.returned-2");
    }
}

#[when("direct.never")]
fn sets_direct_done(ctx: &mut Context<'_>) {
    ctx.set_flag("direct.done");
}

#[when("direct.go")]
fn calls_handler_directly(ctx: &mut Context<'_>) -> anyhow::Result<()> {
    // A handler stays an ordinary function.
    sets_direct_done(ctx);
    Ok(())
}

#[when("fails.go")]
fn fails(_ctx: &mut Context<'_>) -> Result<(), std::io::Error> {
    Err(std::io::Error::other("boom from a handler"))
}

#[when("once.go")]
#[only_once]
fn once(ctx: &mut Context<'_>) {
    let n: u32 = ctx.kv().get("once.count").ok().flatten().unwrap_or(0);
    ctx.kv().set("once.count", &(n + 1)).expect("kv set");
}

const TRIGGER_LINE: u32 = line!() + 1;
register_trigger!(when = "trig.a", set_flag = "trig.b", clear_flag = "trig.c");
register_trigger!(when_not = "trig.x", set_flag = "trig.y");

#[when("trig.go")]
fn sets_trigger_flag(ctx: &mut Context<'_>) {
    ctx.set_flag("trig.a");
}

/// Handlers in a module, with that module's own imports.
mod nested {
    use charm_reactive::{when, when_not, Context};

    #[when("nested.go")]
    #[when_not("nested.done")]
    pub fn nested_handler(ctx: &mut Context<'_>) {
        ctx.set_flag("nested.done");
    }
}

// ----------------------------------------------------------------- helpers --

/// The one registration of the function called `name`.
fn registration(name: &str) -> &'static Registration {
    let found: Vec<&Registration> = charm_reactive::__private::inventory::iter::<Registration>
        .into_iter()
        .filter(|r| r.name == name)
        .collect();
    assert_eq!(found.len(), 1, "registrations named {name}: {found:?}");
    found[0]
}

fn flags(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

/// The registered handlers called `names` (and every trigger), in that order.
fn registry_of(names: &[&str]) -> Arc<Registry> {
    let mut builder = Registry::builder();
    for name in names {
        let r = registration(name);
        let mut h = Handler::new(format!("{}:{}:{}", r.file, r.line, r.name), r.run);
        for c in (r.conditions)() {
            h = h.condition(c);
        }
        builder = builder.handler(h);
    }
    for t in charm_reactive::__private::inventory::iter::<TriggerRegistration> {
        builder = builder.trigger((t.build)());
    }
    Arc::new(builder.build().expect("registry"))
}

/// A unit store in a fresh directory, with `initial` flags set.
fn store_with(initial: &[&str]) -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::open(dir.path().join("unit-state.sled")).expect("store");
    charm_reactive::inspect::write_flags(&store, initial.iter().map(|f| (*f, None)))
        .expect("write flags");
    (dir, store)
}

fn run(registry: &Arc<Registry>, store: &Store, hook: &str) -> HookOutcome {
    let mut juju =
        charm_reactive::backend::MemoryBackend::new(charm_reactive::backend::Model::new("app/0"));
    run_hook(
        Arc::clone(registry),
        store,
        HookInfo::new(hook, "app/0"),
        &mut juju,
    )
}

fn warnings(outcome: &HookOutcome) -> Vec<&str> {
    outcome
        .log
        .iter()
        .filter(|r| r.level == Level::Warning)
        .map(|r| r.message.as_str())
        .collect()
}

// ------------------------------------------------------------------- tests --

#[test]
fn stacked_conditions_are_innermost_first() {
    let r = registration("stacked");
    assert_eq!(
        (r.conditions)(),
        [
            Condition::WhenFileChanged(vec![PathBuf::from("f")]),
            Condition::WhenAll(flags(&["x"]))
        ]
    );
    let r = registration("reversed");
    assert_eq!(
        (r.conditions)(),
        [
            Condition::WhenAll(flags(&["x"])),
            Condition::WhenFileChanged(vec![PathBuf::from("f")])
        ]
    );
}

#[test]
fn every_when_kind_and_alias_in_order() {
    assert_eq!(
        (registration("every_when").conditions)(),
        [
            Condition::WhenAll(flags(&["g"])),
            Condition::WhenNotAll(flags(&["e", "f"])),
            Condition::WhenNone(flags(&["d"])),
            Condition::OnlyOnce,
            Condition::WhenNone(flags(&["c"])),
            Condition::WhenAny(flags(&["a", "b"])),
        ]
    );
}

#[test]
fn hook_restricted_and_action_conditions() {
    assert_eq!(
        (registration("on_install").conditions)(),
        [Condition::Hook(flags(&[
            "{install,upgrade-charm}",
            "start"
        ]))]
    );
    assert_eq!(
        (registration("metrics").conditions)(),
        [
            Condition::OnlyOnce,
            Condition::Restricted(RestrictedHook::CollectMetrics)
        ]
    );
    assert_eq!(
        (registration("meter").conditions)(),
        [Condition::Restricted(RestrictedHook::MeterStatusChanged)]
    );
    assert_eq!(
        (registration("backup").conditions)(),
        [Condition::Action("backup".into())]
    );
}

#[test]
fn file_line_and_name_locate_the_outermost_attribute() {
    for (name, line) in [
        ("stacked", STACKED_LINE),
        ("reversed", REVERSED_LINE),
        ("guarded", GUARDED_LINE),
        // An attribute spread over several lines is located by its first line.
        ("multi_line", MULTI_LINE),
    ] {
        let r = registration(name);
        assert_eq!((r.file, r.line, r.name), (FILE, line, name));
    }
}

#[test]
fn handlers_in_modules_and_functions_register() {
    assert_eq!(
        (registration("nested_handler").conditions)(),
        [
            Condition::WhenNone(flags(&["nested.done"])),
            Condition::WhenAll(flags(&["nested.go"]))
        ]
    );

    const LOCAL_LINE: u32 = line!() + 1;
    #[when("local.go")]
    #[only_once]
    fn local(_ctx: &mut Context<'_>) {}

    let r = registration("local");
    assert_eq!((r.file, r.line), (FILE, LOCAL_LINE));
    assert_eq!(
        (r.conditions)(),
        [
            Condition::OnlyOnce,
            Condition::WhenAll(flags(&["local.go"]))
        ]
    );
}

#[test]
fn not_unless_alone_registers_nothing() {
    let n = charm_reactive::__private::inventory::iter::<Registration>
        .into_iter()
        .filter(|r| r.name == "helper")
        .count();
    assert_eq!(n, 0);
    // On a handler it adds no condition either.
    assert_eq!(
        (registration("guarded").conditions)(),
        [Condition::WhenAll(flags(&["guarded.go"]))]
    );
}

#[test]
fn inventory_registry_has_macro_ids_in_line_order() {
    let registry = Registry::from_inventory().expect("no duplicate ids");
    let ids: Vec<&str> = registry.handlers().iter().map(Handler::id).collect();
    let stacked = format!("{FILE}:{STACKED_LINE}:stacked");
    let reversed = format!("{FILE}:{REVERSED_LINE}:reversed");
    let guarded = format!("{FILE}:{GUARDED_LINE}:guarded");
    let pos = |id: &str| {
        ids.iter()
            .position(|i| *i == id)
            .unwrap_or_else(|| panic!("{id} not in {ids:?}"))
    };
    assert!(
        pos(&stacked) < pos(&reversed) && pos(&reversed) < pos(&guarded),
        "{ids:?}"
    );
    let lines: Vec<u32> = ids
        .iter()
        .map(|id| id.split(':').nth(1).unwrap().parse().unwrap())
        .collect();
    assert!(
        lines.windows(2).all(|w| w[0] < w[1]),
        "sorted by line: {lines:?}"
    );
    assert_eq!(registry.triggers().len(), 2);
}

#[test]
fn triggers_register_with_their_location_and_transition() {
    let mut regs: Vec<&TriggerRegistration> =
        charm_reactive::__private::inventory::iter::<TriggerRegistration>
            .into_iter()
            .collect();
    regs.sort_by_key(|t| t.line);
    assert_eq!(regs.len(), 2);
    assert_eq!((regs[0].file, regs[0].line), (FILE, TRIGGER_LINE));
    assert_eq!(regs[1].line, TRIGGER_LINE + 1);
    assert_eq!(
        (regs[0].build)().on_transition(),
        &TriggerOn::Set("trig.a".into())
    );
    assert_eq!(
        (regs[1].build)().on_transition(),
        &TriggerOn::Cleared("trig.x".into())
    );
}

#[test]
fn trigger_sets_and_clears_in_a_hook() {
    let registry = registry_of(&["sets_trigger_flag"]);
    let (_dir, store) = store_with(&["trig.go", "trig.c"]);
    let out = run(&registry, &store, "config-changed");
    assert!(out.error.is_none(), "{:?}", out.error);
    assert!(
        out.final_flags.contains(&"trig.b".to_owned()),
        "{:?}",
        out.final_flags
    );
    assert!(
        !out.final_flags.contains(&"trig.c".to_owned()),
        "{:?}",
        out.final_flags
    );
}

#[test]
fn not_unless_warns_for_missing_flags_then_runs_the_handler() {
    let registry = registry_of(&["guarded"]);
    let (_dir, store) = store_with(&["guarded.go"]);
    let out = run(&registry, &store, "config-changed");
    assert_eq!(out.invoked, [format!("{FILE}:{GUARDED_LINE}:guarded")]);
    assert_eq!(
        warnings(&out),
        [format!(
            "{FILE}:{GUARDED_LINE}:guarded called before flags: guarded.ready, guarded.other"
        )]
    );
    assert!(out.final_flags.contains(&"guarded.done".to_owned()));
}

#[test]
fn not_unless_on_a_plain_function_checks_each_call() {
    let registry = registry_of(&["calls_helper"]);
    let (_dir, store) = store_with(&["helper.go"]);
    let out = run(&registry, &store, "config-changed");
    assert_eq!(
        warnings(&out),
        [format!(
            "{FILE}:{HELPER_LINE}:helper called before flag: helper.ready"
        )]
    );
    assert!(
        out.final_flags.contains(&"helper.returned-2".to_owned()),
        "the function ran anyway"
    );
    // With the flag set there is nothing to say.
    let (_dir, store) = store_with(&["helper.go", "helper.ready"]);
    assert!(warnings(&run(&registry, &store, "config-changed")).is_empty());
}

#[test]
fn handlers_stay_callable_functions() {
    let registry = registry_of(&["calls_handler_directly", "sets_direct_done"]);
    let (_dir, store) = store_with(&["direct.go"]);
    let out = run(&registry, &store, "config-changed");
    assert!(
        out.final_flags.contains(&"direct.done".to_owned()),
        "{:?}",
        out.final_flags
    );
}

#[test]
fn an_error_result_fails_the_hook() {
    let registry = registry_of(&["fails"]);
    let (_dir, store) = store_with(&["fails.go"]);
    let out = run(&registry, &store, "config-changed");
    let error = out.error.expect("the hook fails");
    assert!(
        format!("{error:#}").contains("boom from a handler"),
        "{error:#}"
    );
    assert!(!out.committed);
}

#[test]
fn only_once_runs_once_per_unit() {
    let registry = registry_of(&["once"]);
    let (_dir, store) = store_with(&["once.go"]);
    let id = format!("{FILE}:{}:once", registration("once").line);
    assert_eq!(run(&registry, &store, "config-changed").invoked, [id]);
    assert!(run(&registry, &store, "config-changed").invoked.is_empty());
}

#[test]
fn hook_handler_runs_on_matching_hooks_only() {
    let registry = registry_of(&["on_install"]);
    for (hook, runs) in [
        ("install", true),
        ("upgrade-charm", true),
        ("start", true),
        ("config-changed", false),
    ] {
        let (_dir, store) = store_with(&[]);
        let out = run(&registry, &store, hook);
        assert_eq!(
            out.final_flags.contains(&"hooked".to_owned()),
            runs,
            "{hook}: {:?}",
            out.invoked
        );
    }
}

#[test]
fn collect_metrics_handler_runs_in_its_restricted_hook() {
    let registry = registry_of(&["metrics", "meter"]);
    let (_dir, store) = store_with(&[]);
    let out = run(&registry, &store, "collect-metrics");
    assert_eq!(
        out.invoked,
        [format!("{FILE}:{}:metrics", registration("metrics").line)]
    );
    let (_dir, store) = store_with(&[]);
    assert!(run(&registry, &store, "install").invoked.is_empty());
}

/// Every compile error the macros promise, with its message and span
/// (`tests/ui/*.stderr`; regenerate with `TRYBUILD=overwrite`).
#[test]
fn compile_errors() {
    trybuild::TestCases::new().compile_fail("tests/ui/*.rs");
}
