//! `register_trigger!(when = "a", set_flag = "b", clear_flag = "c")`: parsing to a
//! model and emitting one `TriggerRegistration`.

use proc_macro2::{Span, TokenStream};
use quote::quote;
use syn::parse::Parser;
use syn::punctuated::Punctuated;
use syn::{Expr, Lit, LitStr, MetaNameValue, Token};

use crate::flags;
use crate::location::Location;

/// Which transition fires the trigger.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum On {
    /// `when = "flag"`: the flag becomes set.
    When(String),
    /// `when_not = "flag"`: the flag becomes unset.
    WhenNot(String),
}

/// What the trigger does, in the order written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    /// `set_flag = "flag"`.
    Set(String),
    /// `clear_flag = "flag"`.
    Clear(String),
}

/// A parsed `register_trigger!` call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TriggerModel {
    /// The transition.
    pub on: On,
    /// At least one effect.
    pub effects: Vec<Effect>,
}

/// Parses the macro's arguments: exactly one of `when` / `when_not`, and at
/// least one `set_flag` / `clear_flag` (each may repeat).
pub fn parse(args: TokenStream, call_site: Span) -> syn::Result<TriggerModel> {
    let pairs = Punctuated::<MetaNameValue, Token![,]>::parse_terminated.parse2(args)?;
    let mut on: Option<On> = None;
    let mut effects = Vec::new();
    for pair in pairs {
        let key = pair
            .path
            .get_ident()
            .map(ToString::to_string)
            .unwrap_or_default();
        let flag = || -> syn::Result<String> {
            match &pair.value {
                Expr::Lit(syn::ExprLit {
                    lit: Lit::Str(s), ..
                }) => flag_value(s),
                other => Err(syn::Error::new_spanned(
                    other,
                    "expected a string literal flag name",
                )),
            }
        };
        match key.as_str() {
            "when" | "when_not" => {
                if on.is_some() {
                    return Err(syn::Error::new_spanned(
                        &pair,
                        "a trigger fires on one flag: give exactly one of `when` and `when_not`",
                    ));
                }
                let f = flag()?;
                on = Some(if key == "when" {
                    On::When(f)
                } else {
                    On::WhenNot(f)
                });
            }
            "set_flag" => effects.push(Effect::Set(flag()?)),
            "clear_flag" => effects.push(Effect::Clear(flag()?)),
            _ => {
                return Err(syn::Error::new_spanned(
                    &pair.path,
                    "expected `when`, `when_not`, `set_flag` or `clear_flag`",
                ))
            }
        }
    }
    let on = on.ok_or_else(|| {
        syn::Error::new(
            call_site,
            "register_trigger! needs `when = \"flag\"` or `when_not = \"flag\"`",
        )
    })?;
    if effects.is_empty() {
        return Err(syn::Error::new(
            call_site,
            "register_trigger! needs at least one `set_flag = \"flag\"` or `clear_flag = \"flag\"`",
        ));
    }
    Ok(TriggerModel { on, effects })
}

/// A trigger's flag: any non-empty name (triggers' flags are never formatted).
fn flag_value(lit: &LitStr) -> syn::Result<String> {
    flags::check_non_empty(lit, "flag name")
}

/// The tokens registering `model`, declared at `loc`.
pub fn emit(model: &TriggerModel, loc: &Location) -> TokenStream {
    let start = match &model.on {
        On::When(f) => quote!(::charm_reactive::Trigger::when(#f)),
        On::WhenNot(f) => quote!(::charm_reactive::Trigger::when_not(#f)),
    };
    let effects = model.effects.iter().map(|e| match e {
        Effect::Set(f) => quote!(.set_flag(#f)),
        Effect::Clear(f) => quote!(.clear_flag(#f)),
    });
    let file = &loc.file;
    let line = loc.line;
    quote! {
        const _: () = {
            fn __charm_reactive_trigger() -> ::charm_reactive::Trigger {
                #start #(#effects)*
            }
            ::charm_reactive::__private::inventory::submit! {
                ::charm_reactive::registry::TriggerRegistration {
                    file: #file,
                    line: #line,
                    build: __charm_reactive_trigger,
                }
            }
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(args: TokenStream) -> TriggerModel {
        parse(args, Span::call_site()).unwrap()
    }

    fn err(args: TokenStream) -> String {
        parse(args, Span::call_site()).unwrap_err().to_string()
    }

    #[test]
    fn when_with_effects_in_order() {
        let m = ok(quote!(
            when = "a",
            set_flag = "b",
            clear_flag = "c",
            set_flag = "d"
        ));
        assert_eq!(m.on, On::When("a".into()));
        assert_eq!(
            m.effects,
            [
                Effect::Set("b".into()),
                Effect::Clear("c".into()),
                Effect::Set("d".into())
            ]
        );
    }

    #[test]
    fn when_not_may_come_after_effects() {
        let m = ok(quote!(clear_flag = "c", when_not = "a",));
        assert_eq!(m.on, On::WhenNot("a".into()));
        assert_eq!(m.effects, [Effect::Clear("c".into())]);
    }

    #[test]
    fn exactly_one_transition() {
        assert!(err(quote!(set_flag = "b")).contains("needs `when"));
        assert!(err(quote!(when = "a", when_not = "b", set_flag = "c")).contains("exactly one"));
        assert!(err(quote!(when = "a", when = "b", set_flag = "c")).contains("exactly one"));
    }

    #[test]
    fn at_least_one_effect() {
        assert!(err(quote!(when = "a")).contains("at least one `set_flag"));
        assert!(err(quote!()).contains("needs `when"));
    }

    #[test]
    fn bad_keys_and_values() {
        assert!(err(quote!(when = "a", callback = "f")).contains("expected `when`, `when_not`"));
        assert!(err(quote!(when = a, set_flag = "b")).contains("string literal"));
        assert!(err(quote!(when = "", set_flag = "b")).contains("empty flag name"));
        assert!(err(quote!(when("a"))).contains("expected `=`"));
    }

    #[test]
    fn emits_the_builder_chain() {
        let m = ok(quote!(when_not = "a", set_flag = "b", clear_flag = "c"));
        let loc = Location {
            file: "src/lib.rs".into(),
            line: 7,
        };
        let out = emit(&m, &loc).to_string().replace(' ', "");
        assert!(
            out.contains(
                r#"::charm_reactive::Trigger::when_not("a").set_flag("b").clear_flag("c")"#
            ),
            "{out}"
        );
        assert!(out.contains(r#"file:"src/lib.rs",line:7u32"#), "{out}");
        syn::parse2::<syn::File>(emit(&m, &loc)).unwrap();
    }
}
