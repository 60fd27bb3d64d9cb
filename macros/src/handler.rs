//! From the outermost reactive attribute and the function it decorates to a
//! model of the handler: its conditions in test order, its `not_unless` guards,
//! and the function with every reactive attribute removed.
//!
//! Rust expands the outermost attribute first and hands it the item with the
//! inner attributes still on it; charms.reactive applies decorators bottom-up.
//! So this one expansion takes the whole stack and lists its conditions
//! innermost first, which is the order charms.reactive tests predicates in.

use proc_macro2::TokenStream;
use quote::{quote, ToTokens};
use syn::{FnArg, Ident, Item, ItemFn, Pat, Signature, Type};

use crate::attr::{Kind, ReactiveAttr};
use crate::effects::Effects;

/// A condition as the engine's `charm_reactive::Condition` will hold it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cond {
    /// `WhenAll(flags)`.
    WhenAll(Vec<String>),
    /// `WhenAny(flags)`.
    WhenAny(Vec<String>),
    /// `WhenNone(flags)`.
    WhenNone(Vec<String>),
    /// `WhenNotAll(flags)`.
    WhenNotAll(Vec<String>),
    /// `Hook(patterns)`.
    Hook(Vec<String>),
    /// `OnlyOnce`.
    OnlyOnce,
    /// `WhenFileChanged(paths)`.
    WhenFileChanged(Vec<String>),
    /// `Restricted(CollectMetrics)`.
    CollectMetrics,
    /// `Restricted(MeterStatusChanged)`.
    MeterStatusChanged,
    /// `Action(name)`.
    Action(String),
}

/// What one decorated function expands to.
pub struct Model {
    /// The function, without its reactive attributes.
    pub item: ItemFn,
    /// Its name without any `r#`.
    pub name: String,
    /// The conditions in test order; empty when only `not_unless` was used,
    /// and then nothing is registered.
    pub conditions: Vec<Cond>,
    /// The flags of each `not_unless`, outermost first (the order the checks run).
    pub guards: Vec<Vec<String>>,
    /// The `&Context` / `&mut Context` parameter the guards read flags through;
    /// set whenever `guards` is not empty.
    pub context: Option<Ident>,
    /// The paths of the inner attributes this expansion consumed; rustc never
    /// resolves them, so the expansion mentions them to keep their imports used.
    pub consumed: Vec<syn::Path>,
    /// The flags the body visibly sets, clears and reads.
    pub effects: Effects,
}

/// Builds the model of `item` decorated by `outer` and whatever reactive
/// attributes are left on it.
pub fn analyse(outer: ReactiveAttr, item: TokenStream) -> syn::Result<Model> {
    let mut item = match syn::parse2::<Item>(item)? {
        Item::Fn(f) => f,
        other => {
            return Err(syn::Error::new_spanned(
                other,
                format!("#[{}] applies to functions only", outer.name),
            ))
        }
    };
    let mut errors = Errors::default();
    let mut stack = vec![outer];
    let mut kept = Vec::with_capacity(item.attrs.len());
    for attr in std::mem::take(&mut item.attrs) {
        match ReactiveAttr::from_attribute(&attr) {
            Ok(Some(r)) => stack.push(r),
            Ok(None) => kept.push(attr),
            Err(e) => errors.push(e),
        }
    }
    item.attrs = kept;
    errors.extend(check_combination(&stack));

    // charms.reactive adds predicates bottom-up: innermost first.
    let conditions: Vec<Cond> = stack.iter().rev().filter_map(condition).collect();
    let guards: Vec<Vec<String>> = stack
        .iter()
        .filter(|a| a.kind == Kind::NotUnless)
        .map(|a| a.args.clone())
        .collect();
    if !conditions.is_empty() {
        errors.extend(check_handler_signature(&item.sig));
    }
    let mut context = None;
    if let Some(first_guard) = stack.iter().find(|a| a.kind == Kind::NotUnless) {
        match context_param(&item.sig) {
            Ok(Some(ident)) => context = Some(ident),
            Ok(None) => errors.push(first_guard.error(
                "#[not_unless] needs a parameter of type `&Context` or `&mut Context` \
                 to read the flags through",
            )),
            Err(e) => errors.push(e),
        }
    }
    errors.finish()?;
    let name = syn::ext::IdentExt::unraw(&item.sig.ident).to_string();
    let consumed = stack.into_iter().filter_map(|a| a.path).collect();
    let effects = Effects::of(&item.block);
    Ok(Model {
        item,
        name,
        conditions,
        guards,
        context,
        consumed,
        effects,
    })
}

/// `item` with the reactive attributes removed when it is a function, else as
/// it is: what is left of a handler whose attributes are in error. The removed
/// attributes' paths are mentioned as [`uses`] does.
pub fn without_reactive_attributes(item: TokenStream) -> TokenStream {
    let Ok(mut f) = syn::parse2::<ItemFn>(item.clone()) else {
        return item;
    };
    let (reactive, kept): (Vec<_>, Vec<_>) =
        std::mem::take(&mut f.attrs).into_iter().partition(|a| {
            let last = a.path().segments.last();
            last.is_some_and(|s| Kind::from_name(&s.ident.to_string()).is_some())
        });
    f.attrs = kept;
    let paths: Vec<syn::Path> = reactive.iter().map(|a| a.path().clone()).collect();
    if paths.is_empty() {
        return f.into_token_stream();
    }
    let uses = uses(&paths);
    quote!(#f const _: () = { #uses };)
}

/// `use <path> as _;` for each consumed attribute path: without it the
/// imports of attributes that only appear inside a stack are reported unused.
pub fn uses(paths: &[syn::Path]) -> TokenStream {
    quote! {
        #(
            #[allow(unused_imports)]
            use #paths as _;
        )*
    }
}

/// The condition an attribute adds; `not_unless` adds none.
fn condition(attr: &ReactiveAttr) -> Option<Cond> {
    let args = attr.args.clone();
    Some(match attr.kind {
        Kind::WhenAll => Cond::WhenAll(args),
        Kind::WhenAny => Cond::WhenAny(args),
        Kind::WhenNone => Cond::WhenNone(args),
        Kind::WhenNotAll => Cond::WhenNotAll(args),
        Kind::Hook => Cond::Hook(args),
        Kind::OnlyOnce => Cond::OnlyOnce,
        Kind::WhenFileChanged => Cond::WhenFileChanged(args),
        Kind::CollectMetrics => Cond::CollectMetrics,
        Kind::MeterStatusChanged => Cond::MeterStatusChanged,
        Kind::Action => Cond::Action(args.into_iter().next()?),
        Kind::NotUnless => return None,
    })
}

/// Where a phase-gated attribute holds: charms.reactive's (and the engine's)
/// conditions each hold in one dispatch phase only, the restricted ones in one
/// restricted hook only, `action` in one action only.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Gate {
    /// `when*`: the main ("other") phase.
    Main,
    /// `hook`: the hooks phase.
    Hooks,
    /// `collect_metrics` / `meter_status_changed`: that restricted hook.
    Restricted(&'static str),
    /// `action("name")`: that action.
    Action(String),
}

impl Gate {
    fn of(attr: &ReactiveAttr) -> Option<Gate> {
        Some(match attr.kind {
            k if k.is_when() => Gate::Main,
            Kind::Hook => Gate::Hooks,
            Kind::CollectMetrics => Gate::Restricted("collect-metrics"),
            Kind::MeterStatusChanged => Gate::Restricted("meter-status-changed"),
            Kind::Action => Gate::Action(attr.args.first()?.clone()),
            _ => return None,
        })
    }

    fn describe(&self) -> String {
        match self {
            Gate::Main => "in the main phase".into(),
            Gate::Hooks => "in the hooks phase".into(),
            Gate::Restricted(hook) => format!("in the restricted hook {hook}"),
            Gate::Action(name) => format!("when the action {name:?} runs"),
        }
    }
}

/// Refuses stacks that could never run: conditions that hold in different
/// phases (`hook` with `when*`: charms.reactive registers such a handler and
/// silently never runs it; `action` with `hook`; ...), and `only_once` twice.
/// The error goes on the lower (inner) of the two attributes.
fn check_combination(stack: &[ReactiveAttr]) -> Errors {
    let mut errors = Errors::default();
    let mut first_gate: Option<(&ReactiveAttr, Gate)> = None;
    let mut seen_only_once = false;
    for attr in stack {
        if attr.kind == Kind::OnlyOnce {
            if seen_only_once {
                errors.push(attr.error("#[only_once] is given twice"));
            }
            seen_only_once = true;
        }
        let Some(gate) = Gate::of(attr) else { continue };
        match &first_gate {
            None => first_gate = Some((attr, gate)),
            Some((first, first_gate)) if *first_gate != gate => {
                errors.push(attr.error(conflict((first, first_gate), (attr, &gate))))
            }
            Some(_) => {}
        }
    }
    errors
}

/// The message for two attributes whose conditions never hold together.
fn conflict(outer: (&ReactiveAttr, &Gate), inner: (&ReactiveAttr, &Gate)) -> String {
    let mut msg = format!(
        "#[{}] cannot be combined with #[{}]: #[{}] holds only {}, #[{}] only {}, \
         so the handler would never run",
        inner.0.name,
        outer.0.name,
        inner.0.name,
        inner.1.describe(),
        outer.0.name,
        outer.1.describe(),
    );
    if ![inner.0, outer.0].iter().any(|a| a.kind == Kind::Action) {
        msg.push_str(" (charms.reactive registers it and silently never runs it)");
    }
    msg
}

/// A handler is a plain, synchronous, non-generic free function taking exactly
/// one `&mut Context<'_>`.
fn check_handler_signature(sig: &Signature) -> Errors {
    let mut errors = Errors::default();
    if let Some(t) = &sig.asyncness {
        errors.push(syn::Error::new_spanned(
            t,
            "a handler cannot be async: dispatch runs handlers one after another, to completion",
        ));
    }
    if let Some(t) = &sig.unsafety {
        errors.push(syn::Error::new_spanned(
            t,
            "a handler cannot be an unsafe fn",
        ));
    }
    if !sig.generics.params.is_empty() {
        errors.push(syn::Error::new_spanned(
            &sig.generics,
            "a handler cannot be generic: it is registered as one concrete function",
        ));
    } else if let Some(w) = &sig.generics.where_clause {
        errors.push(syn::Error::new_spanned(
            w,
            "a handler cannot have a where clause",
        ));
    }
    if let Some(receiver) = sig.receiver() {
        errors.push(syn::Error::new_spanned(
            receiver,
            "methods cannot be handlers yet: write a free function taking `ctx: &mut Context<'_>`",
        ));
        return errors;
    }
    let wrong = "a handler takes exactly one parameter, of type `&mut Context<'_>`";
    match sig.inputs.first() {
        None => errors.push(syn::Error::new(sig.paren_token.span.join(), wrong)),
        Some(_) if sig.inputs.len() > 1 => errors.push(syn::Error::new_spanned(&sig.inputs, wrong)),
        Some(FnArg::Typed(t)) if !is_context_ref(&t.ty, true) => {
            errors.push(syn::Error::new_spanned(&t.ty, wrong))
        }
        Some(_) => {}
    }
    errors
}

/// The name of the first parameter of type `&Context` or `&mut Context`; an
/// error if that parameter is not bound to a plain name.
fn context_param(sig: &Signature) -> syn::Result<Option<Ident>> {
    for arg in &sig.inputs {
        let FnArg::Typed(t) = arg else { continue };
        if !is_context_ref(&t.ty, false) {
            continue;
        }
        return match &*t.pat {
            Pat::Ident(p) if p.by_ref.is_none() && p.subpat.is_none() => Ok(Some(p.ident.clone())),
            other => Err(syn::Error::new_spanned(
                other,
                "#[not_unless] needs the Context parameter bound to a name, e.g. `ctx`",
            )),
        };
    }
    Ok(None)
}

/// Whether `ty` is `&Context`, `&mut Context` (when `need_mut`, only the
/// latter), with or without a path before `Context` and a lifetime argument.
fn is_context_ref(ty: &Type, need_mut: bool) -> bool {
    let Type::Reference(r) = ty else { return false };
    if need_mut && r.mutability.is_none() {
        return false;
    }
    let Type::Path(p) = &*r.elem else {
        return false;
    };
    let Some(last) = p.path.segments.last() else {
        return false;
    };
    if p.qself.is_some() || last.ident != "Context" {
        return false;
    }
    match &last.arguments {
        syn::PathArguments::None => true,
        syn::PathArguments::AngleBracketed(a) => {
            a.args.len() == 1 && matches!(a.args[0], syn::GenericArgument::Lifetime(_))
        }
        syn::PathArguments::Parenthesized(_) => false,
    }
}

/// Collects errors so that one expansion reports all of them at once.
#[derive(Default)]
struct Errors(Option<syn::Error>);

impl Errors {
    fn push(&mut self, e: syn::Error) {
        match &mut self.0 {
            Some(all) => all.combine(e),
            None => self.0 = Some(e),
        }
    }

    fn extend(&mut self, other: Errors) {
        if let Some(e) = other.0 {
            self.push(e);
        }
    }

    fn finish(self) -> syn::Result<()> {
        self.0.map_or(Ok(()), Err)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proc_macro2::Span;

    fn outer(name: &str, args: TokenStream) -> ReactiveAttr {
        ReactiveAttr::from_macro(name, args, Span::call_site()).unwrap()
    }

    fn model(name: &str, args: TokenStream, item: TokenStream) -> Model {
        analyse(outer(name, args), item).unwrap()
    }

    fn error(name: &str, args: TokenStream, item: TokenStream) -> String {
        let Err(e) = analyse(outer(name, args), item) else {
            panic!("expected an error")
        };
        e.into_iter()
            .map(|e| e.to_string())
            .collect::<Vec<_>>()
            .join("\n")
    }

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn single_attribute_gives_one_condition() {
        let m = model(
            "when",
            quote!("a", "b"),
            quote!(
                fn h(ctx: &mut Context<'_>) {}
            ),
        );
        assert_eq!(m.conditions, [Cond::WhenAll(s(&["a", "b"]))]);
        assert_eq!(m.name, "h");
        assert!(m.guards.is_empty() && m.context.is_none());
    }

    #[test]
    fn stacked_attributes_give_conditions_innermost_first() {
        let m = model(
            "when",
            quote!("x"),
            quote! {
                #[when_file_changed("f")]
                fn h(ctx: &mut Context<'_>) {}
            },
        );
        assert_eq!(
            m.conditions,
            [Cond::WhenFileChanged(s(&["f"])), Cond::WhenAll(s(&["x"]))]
        );
        assert!(
            m.item.attrs.is_empty(),
            "inner reactive attributes are consumed"
        );
    }

    #[test]
    fn every_kind_maps_to_its_condition_in_bottom_up_order() {
        let m = model(
            "when_not",
            quote!("n"),
            quote! {
                #[doc = "kept"]
                #[charm_reactive::when_any("y", "z")]
                #[allow(clippy::needless_pass_by_ref_mut)]
                #[only_once]
                #[when_not_all("p", "q")]
                #[when_none("o")]
                #[when_all("w")]
                #[not_unless("g")]
                fn h(ctx: &mut charm_reactive::Context) -> anyhow::Result<()> { Ok(()) }
            },
        );
        assert_eq!(
            m.conditions,
            [
                Cond::WhenAll(s(&["w"])),
                Cond::WhenNone(s(&["o"])),
                Cond::WhenNotAll(s(&["p", "q"])),
                Cond::OnlyOnce,
                Cond::WhenAny(s(&["y", "z"])),
                Cond::WhenNone(s(&["n"])),
            ]
        );
        assert_eq!(m.guards, [s(&["g"])]);
        assert_eq!(m.context.unwrap(), "ctx");
        let kept: Vec<String> = m
            .item
            .attrs
            .iter()
            .map(|a| a.path().segments.last().unwrap().ident.to_string())
            .collect();
        assert_eq!(kept, ["doc", "allow"]);
    }

    #[test]
    fn hook_and_action_conditions() {
        let m = model(
            "hook",
            quote!("{install,upgrade-charm}", "start"),
            quote!(
                #[only_once]
                fn h(c: &mut Context<'_>) {}
            ),
        );
        assert_eq!(
            m.conditions,
            [
                Cond::OnlyOnce,
                Cond::Hook(s(&["{install,upgrade-charm}", "start"]))
            ]
        );
        let a = model(
            "action",
            quote!("backup"),
            quote!(
                fn h(c: &mut Context<'_>) {}
            ),
        );
        assert_eq!(a.conditions, [Cond::Action("backup".into())]);
    }

    #[test]
    fn raw_identifiers_are_named_without_prefix() {
        let m = model(
            "when",
            quote!("a"),
            quote!(
                fn r#match(ctx: &mut Context<'_>) {}
            ),
        );
        assert_eq!(m.name, "match");
    }

    #[test]
    fn not_unless_alone_registers_nothing_and_finds_the_context() {
        let m = model(
            "not_unless",
            quote!("a", "b"),
            quote! {
                #[not_unless("c")]
                fn helper(n: u32, context: &Context<'_>, other: &mut Context<'_>) -> u32 { n }
            },
        );
        assert!(m.conditions.is_empty());
        assert_eq!(m.guards, [s(&["a", "b"]), s(&["c"])]);
        assert_eq!(m.context.unwrap(), "context");
    }

    #[test]
    fn not_unless_needs_a_named_context_parameter() {
        let e = error(
            "not_unless",
            quote!("a"),
            quote!(
                fn f(n: u32) {}
            ),
        );
        assert!(e.contains("needs a parameter of type `&Context`"), "{e}");
        let e = error(
            "not_unless",
            quote!("a"),
            quote!(
                fn f(_: &Context<'_>) {}
            ),
        );
        assert!(e.contains("bound to a name"), "{e}");
        // not_unless alone may decorate methods, async and generic functions.
        let m = model(
            "not_unless",
            quote!("a"),
            quote!(
                async fn f<T>(&self, c: &mut Context, t: T) {}
            ),
        );
        assert_eq!(m.context.unwrap(), "c");
    }

    #[test]
    fn hook_with_when_is_refused_either_way_round() {
        let e = error(
            "hook",
            quote!("install"),
            quote!(
                #[when("a")]
                fn h(c: &mut Context) {}
            ),
        );
        assert!(e.contains("#[when] cannot be combined with #[hook]"), "{e}");
        assert!(
            e.contains("#[when] holds only in the main phase, #[hook] only in the hooks phase"),
            "{e}"
        );
        assert!(
            e.contains("charms.reactive registers it and silently never runs it"),
            "{e}"
        );
        let e = error(
            "when_not",
            quote!("a"),
            quote!(
                #[hook("install")]
                fn h(c: &mut Context) {}
            ),
        );
        assert!(
            e.contains("#[hook] cannot be combined with #[when_not]"),
            "{e}"
        );
    }

    #[test]
    fn action_with_hook_is_refused() {
        let e = error(
            "action",
            quote!("a"),
            quote!(
                #[hook("install")]
                fn h(c: &mut Context) {}
            ),
        );
        assert!(
            e.contains("#[hook] cannot be combined with #[action]"),
            "{e}"
        );
        assert!(
            e.contains("#[action] only when the action \"a\" runs"),
            "{e}"
        );
        assert!(
            !e.contains("charms.reactive"),
            "charms.reactive has no #[action]: {e}"
        );
        let e = error(
            "hook",
            quote!("install"),
            quote!(
                #[action("a")]
                fn h(c: &mut Context) {}
            ),
        );
        assert!(
            e.contains("#[action] cannot be combined with #[hook]"),
            "{e}"
        );
    }

    #[test]
    fn other_contradictory_gates_are_refused() {
        let item = |attr: TokenStream| quote!(#attr fn h(c: &mut Context) {});
        let e = error("when", quote!("a"), item(quote!(#[collect_metrics])));
        assert!(
            e.contains("only in the restricted hook collect-metrics"),
            "{e}"
        );
        let e = error(
            "collect_metrics",
            quote!(),
            item(quote!(#[meter_status_changed])),
        );
        assert!(e.contains("only in the restricted hook meter-status-changed, #[collect_metrics] only in the restricted hook collect-metrics"), "{e}");
        let e = error("action", quote!("a"), item(quote!(#[action("b")])));
        assert!(e.contains("when the action \"b\" runs"), "{e}");
        let e = error("action", quote!("a"), item(quote!(#[when_any("x")])));
        assert!(
            e.contains("#[when_any] cannot be combined with #[action]"),
            "{e}"
        );
    }

    #[test]
    fn compatible_gates_stack() {
        let m = model(
            "when",
            quote!("a"),
            quote!(
                #[when_not("b")]
                #[only_once]
                fn h(c: &mut Context) {}
            ),
        );
        assert_eq!(m.conditions.len(), 3);
        let m = model(
            "hook",
            quote!("install"),
            quote!(
                #[hook("{install,start}")]
                fn h(c: &mut Context) {}
            ),
        );
        assert_eq!(m.conditions.len(), 2);
        let m = model(
            "action",
            quote!("a"),
            quote!(
                #[action("a")]
                #[when_file_changed("f")]
                fn h(c: &mut Context) {}
            ),
        );
        assert_eq!(m.conditions.len(), 3);
        let m = model(
            "collect_metrics",
            quote!(),
            quote!(
                #[collect_metrics]
                fn h(c: &mut Context) {}
            ),
        );
        assert_eq!(m.conditions, [Cond::CollectMetrics, Cond::CollectMetrics]);
    }

    #[test]
    fn duplicated_only_once_is_refused() {
        let e = error(
            "only_once",
            quote!(),
            quote!(
                #[when("a")]
                #[only_once]
                fn h(c: &mut Context) {}
            ),
        );
        assert!(e.contains("#[only_once] is given twice"), "{e}");
    }

    #[test]
    fn errors_in_inner_attributes_are_reported() {
        let e = error(
            "when",
            quote!("a"),
            quote!(
                #[when_any("")]
                #[hook(7)]
                fn h(c: &mut Context) {}
            ),
        );
        assert!(e.contains("empty flag name"), "{e}");
        assert!(e.contains("expected a string literal"), "{e}");
    }

    #[test]
    fn handler_signature_is_checked() {
        let check = |item: TokenStream| error("when", quote!("a"), item);
        let one = "exactly one parameter, of type `&mut Context<'_>`";
        assert!(check(quote!(
            fn h() {}
        ))
        .contains(one));
        assert!(check(quote!(
            fn h(c: &mut Context, n: u32) {}
        ))
        .contains(one));
        assert!(check(quote!(
            fn h(c: &Context) {}
        ))
        .contains(one));
        assert!(check(quote!(
            fn h(c: Context) {}
        ))
        .contains(one));
        assert!(check(quote!(
            fn h(c: &mut Context<u32>) {}
        ))
        .contains(one));
        assert!(check(quote!(
            async fn h(c: &mut Context) {}
        ))
        .contains("cannot be async"));
        assert!(check(quote!(
            unsafe fn h(c: &mut Context) {}
        ))
        .contains("unsafe fn"));
        assert!(check(quote!(
            fn h<T>(c: &mut Context) {}
        ))
        .contains("cannot be generic"));
        assert!(check(quote!(
            fn h<'a>(c: &mut Context<'a>) {}
        ))
        .contains("cannot be generic"));
        assert!(check(quote!(
            fn h(c: &mut Context)
            where
                u8: Copy,
            {
            }
        ))
        .contains("where clause"));
        assert!(check(quote!(
            fn h(&mut self) {}
        ))
        .contains("methods cannot be handlers"));
        assert!(check(quote!(
            fn h(&self, c: &mut Context) {}
        ))
        .contains("methods cannot be handlers"));
    }

    #[test]
    fn accepted_handler_signatures() {
        for item in [
            quote!(
                fn h(ctx: &mut Context<'_>) {}
            ),
            quote!(
                fn h(ctx: &mut Context) -> anyhow::Result<()> {
                    Ok(())
                }
            ),
            quote!(
                pub(crate) fn h(_ctx: &mut ::charm_reactive::Context<'_>) -> Result<(), E> {
                    Ok(())
                }
            ),
            quote!(
                fn h(_: &mut Context<'static>) {}
            ),
        ] {
            assert_eq!(model("when", quote!("a"), item).conditions.len(), 1);
        }
    }

    #[test]
    fn a_function_in_error_keeps_only_its_other_attributes() {
        let kept = without_reactive_attributes(quote! {
            #[inline]
            #[charm_reactive::when("a")]
            #[only_once]
            fn h(ctx: &mut Context) {}
        });
        let expected = quote! {
            #[inline]
            fn h(ctx: &mut Context) {}
            const _: () = {
                #[allow(unused_imports)]
                use charm_reactive::when as _;
                #[allow(unused_imports)]
                use only_once as _;
            };
        };
        assert_eq!(kept.to_string(), expected.to_string());
        let not_fn = quote!(
            struct S;
        );
        assert_eq!(
            without_reactive_attributes(not_fn.clone()).to_string(),
            not_fn.to_string()
        );
    }

    #[test]
    fn only_functions_can_be_handlers() {
        let e = error(
            "when",
            quote!("a"),
            quote!(
                struct S;
            ),
        );
        assert!(e.contains("#[when] applies to functions only"), "{e}");
    }
}
