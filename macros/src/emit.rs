//! From a handler [`Model`] to Rust: the user's function (with its `not_unless`
//! checks injected) and, when it has conditions, one `Registration` submitted
//! through the engine's re-exported `inventory`.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;

use crate::handler::{self, Cond, Model};
use crate::location::Location;

/// The tokens for `model`, declared at `loc`.
pub fn emit(model: Model, loc: &Location) -> TokenStream {
    let Model {
        mut item,
        name,
        conditions,
        guards,
        context,
        consumed,
        effects,
    } = model;
    let uses = handler::uses(&consumed);
    // charms.reactive's id: file relative to the crate, first attribute's line, name.
    let id = format!("{}:{}:{}", loc.file, loc.line, name);
    if let Some(ctx) = context {
        let checks = guards.iter().map(|flags| -> syn::Stmt {
            syn::parse_quote! {
                ::charm_reactive::__private::not_unless(&*#ctx, #id, &[#(#flags),*]);
            }
        });
        item.block.stmts.splice(0..0, checks);
    }
    if conditions.is_empty() && consumed.is_empty() {
        return quote!(#item);
    }
    if conditions.is_empty() {
        return quote! {
            #item
            const _: () = { #uses };
        };
    }
    let fn_name = &item.sig.ident;
    // A return type that is neither `()` nor a Result fails here, so the error
    // points at the return type.
    let into_result_span = match &item.sig.output {
        syn::ReturnType::Type(_, ty) => ty.span(),
        syn::ReturnType::Default => fn_name.span(),
    };
    let into_result =
        quote_spanned!(into_result_span=> ::charm_reactive::IntoHandlerResult::into_handler_result);
    let conditions = conditions.iter().map(condition);
    let file = &loc.file;
    let line = loc.line;
    let (sets, clears, reads) = (&effects.sets, &effects.clears, &effects.reads);
    let computed = effects.computed;
    quote! {
        #item

        const _: () = {
            #uses
            fn __charm_reactive_run(
                ctx: &mut ::charm_reactive::Context<'_>,
            ) -> ::charm_reactive::__private::anyhow::Result<()> {
                #into_result(#fn_name(ctx))
            }
            fn __charm_reactive_conditions() -> ::std::vec::Vec<::charm_reactive::Condition> {
                ::std::vec![#(#conditions),*]
            }
            ::charm_reactive::__private::inventory::submit! {
                ::charm_reactive::registry::Registration {
                    file: #file,
                    line: #line,
                    name: #name,
                    conditions: __charm_reactive_conditions,
                    run: __charm_reactive_run,
                    sets: &[#(#sets),*],
                    clears: &[#(#clears),*],
                    reads: &[#(#reads),*],
                    computed_flags: #computed,
                }
            }
        };
    }
}

/// The expression building one `charm_reactive::Condition`.
fn condition(cond: &Cond) -> TokenStream {
    let strings = |v: &[String]| quote!(::std::vec![#(::std::string::String::from(#v)),*]);
    let c = quote!(::charm_reactive::Condition);
    match cond {
        Cond::WhenAll(f) => {
            let f = strings(f);
            quote!(#c::WhenAll(#f))
        }
        Cond::WhenAny(f) => {
            let f = strings(f);
            quote!(#c::WhenAny(#f))
        }
        Cond::WhenNone(f) => {
            let f = strings(f);
            quote!(#c::WhenNone(#f))
        }
        Cond::WhenNotAll(f) => {
            let f = strings(f);
            quote!(#c::WhenNotAll(#f))
        }
        Cond::Hook(p) => {
            let p = strings(p);
            quote!(#c::Hook(#p))
        }
        Cond::OnlyOnce => quote!(#c::OnlyOnce),
        Cond::WhenFileChanged(paths) => {
            quote!(#c::WhenFileChanged(::std::vec![#(::std::path::PathBuf::from(#paths)),*]))
        }
        Cond::CollectMetrics => {
            quote!(#c::Restricted(::charm_reactive::RestrictedHook::CollectMetrics))
        }
        Cond::MeterStatusChanged => {
            quote!(#c::Restricted(::charm_reactive::RestrictedHook::MeterStatusChanged))
        }
        Cond::Action(name) => quote!(#c::Action(::std::string::String::from(#name))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::attr::ReactiveAttr;
    use crate::handler::analyse;
    use proc_macro2::Span;
    use quote::ToTokens;

    fn expand(name: &str, args: TokenStream, item: TokenStream) -> syn::File {
        let outer = ReactiveAttr::from_macro(name, args, Span::call_site()).unwrap();
        let loc = Location {
            file: "src/charm.rs".into(),
            line: 12,
        };
        syn::parse2(emit(analyse(outer, item).unwrap(), &loc)).unwrap()
    }

    /// Token text without spaces, for containment checks.
    fn text(t: impl ToTokens) -> String {
        t.to_token_stream().to_string().replace(' ', "")
    }

    #[test]
    fn handler_keeps_its_function_and_submits_one_registration() {
        let file = expand(
            "when",
            quote!("x"),
            quote!(
                #[when_file_changed("f")]
                pub fn h(ctx: &mut Context<'_>) {}
            ),
        );
        assert_eq!(file.items.len(), 2);
        let syn::Item::Fn(f) = &file.items[0] else {
            panic!("not a fn")
        };
        assert_eq!(text(&f.vis), "pub");
        assert_eq!(text(&f.sig), text(quote!(fn h(ctx: &mut Context<'_>))));
        assert!(f.attrs.is_empty());
        let reg = text(&file.items[1]);
        assert_eq!(reg.matches("Registration{").count(), 1);
        assert!(
            reg.contains(r#"file:"src/charm.rs",line:12u32,name:"h""#),
            "{reg}"
        );
        let wfc = r#"WhenFileChanged(::std::vec![::std::path::PathBuf::from("f")])"#;
        let when = r#"WhenAll(::std::vec![::std::string::String::from("x")])"#;
        let (i, j) = (reg.find(wfc).unwrap(), reg.find(when).unwrap());
        assert!(i < j, "conditions innermost first: {reg}");
        assert!(reg.contains("into_handler_result(h(ctx))"), "{reg}");
    }

    #[test]
    fn restricted_and_action_conditions_are_spelled_out() {
        let reg = text(
            &expand(
                "collect_metrics",
                quote!(),
                quote!(
                    fn m(c: &mut Context) {}
                ),
            )
            .items[1],
        );
        assert!(
            reg.contains("Restricted(::charm_reactive::RestrictedHook::CollectMetrics)"),
            "{reg}"
        );
        let reg = text(
            &expand(
                "action",
                quote!("backup"),
                quote!(
                    fn a(c: &mut Context) {}
                ),
            )
            .items[1],
        );
        assert!(
            reg.contains(r#"Action(::std::string::String::from("backup"))"#),
            "{reg}"
        );
        let reg = text(
            &expand(
                "only_once",
                quote!(),
                quote!(
                    #[meter_status_changed]
                    fn a(c: &mut Context) {}
                ),
            )
            .items[1],
        );
        assert!(reg.contains("vec![::charm_reactive::Condition::Restricted(::charm_reactive::RestrictedHook::MeterStatusChanged),::charm_reactive::Condition::OnlyOnce]"), "{reg}");
    }

    #[test]
    fn not_unless_injects_checks_first_outermost_first() {
        let file = expand(
            "not_unless",
            quote!("a", "b"),
            quote! {
                #[when("w")]
                #[not_unless("c")]
                fn h(ctx: &mut Context<'_>) { body(); }
            },
        );
        let syn::Item::Fn(f) = &file.items[0] else {
            panic!("not a fn")
        };
        let stmts: Vec<String> = f.block.stmts.iter().map(text).collect();
        assert_eq!(
            stmts,
            [
                r#"::charm_reactive::__private::not_unless(&*ctx,"src/charm.rs:12:h",&["a","b"]);"#,
                r#"::charm_reactive::__private::not_unless(&*ctx,"src/charm.rs:12:h",&["c"]);"#,
                "body();",
            ]
        );
        assert_eq!(file.items.len(), 2, "the when still registers the handler");
    }

    #[test]
    fn not_unless_alone_emits_only_the_function() {
        let file = expand(
            "not_unless",
            quote!("a"),
            quote!(
                fn helper(c: &Context, n: u8) -> u8 {
                    n
                }
            ),
        );
        assert_eq!(file.items.len(), 1);
        assert!(text(&file.items[0]).starts_with(r#"fnhelper(c:&Context,n:u8)->u8{::charm_reactive::__private::not_unless(&*c,"src/charm.rs:12:helper",&["a"]);n}"#));
    }
}
