//! The reactive attributes: recognising them (on the item, by the last segment of
//! their path) and parsing and checking their arguments.

use proc_macro2::{Span, TokenStream};
use quote::ToTokens;
use syn::parse::Parser;
use syn::punctuated::Punctuated;
use syn::{Expr, Lit, LitStr, Meta, Token};

use crate::flags;

/// What a reactive attribute does. Aliases (`when`, `when_not`) map to the
/// attribute they stand for, as in charms.reactive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `when_all` and its alias `when`.
    WhenAll,
    /// `when_any`.
    WhenAny,
    /// `when_none` and its alias `when_not`.
    WhenNone,
    /// `when_not_all`.
    WhenNotAll,
    /// `hook`.
    Hook,
    /// `only_once`.
    OnlyOnce,
    /// `when_file_changed`.
    WhenFileChanged,
    /// `not_unless`: wraps the function, registers nothing.
    NotUnless,
    /// `collect_metrics`.
    CollectMetrics,
    /// `meter_status_changed`.
    MeterStatusChanged,
    /// `action`.
    Action,
}

impl Kind {
    /// The attribute called `name` (the last segment of its path), if it is a
    /// reactive one.
    pub fn from_name(name: &str) -> Option<Kind> {
        Some(match name {
            "when" | "when_all" => Kind::WhenAll,
            "when_any" => Kind::WhenAny,
            "when_not" | "when_none" => Kind::WhenNone,
            "when_not_all" => Kind::WhenNotAll,
            "hook" => Kind::Hook,
            "only_once" => Kind::OnlyOnce,
            "when_file_changed" => Kind::WhenFileChanged,
            "not_unless" => Kind::NotUnless,
            "collect_metrics" => Kind::CollectMetrics,
            "meter_status_changed" => Kind::MeterStatusChanged,
            "action" => Kind::Action,
            _ => return None,
        })
    }

    /// Whether this is one of the `when*` family, which holds only in the main
    /// ("other") dispatch phase.
    pub fn is_when(self) -> bool {
        matches!(
            self,
            Kind::WhenAll | Kind::WhenAny | Kind::WhenNone | Kind::WhenNotAll
        )
    }
}

/// One reactive attribute with its checked arguments.
#[derive(Clone)]
pub struct ReactiveAttr {
    /// What it does.
    pub kind: Kind,
    /// The name as written (`when`, not `when_all`), for messages.
    pub name: String,
    /// The string arguments, in order, already checked for this kind.
    pub args: Vec<String>,
    /// The path of an attribute found on the item (`None` for the outermost,
    /// whose path rustc resolved itself).
    pub path: Option<syn::Path>,
    /// Tokens spanning the whole attribute, for errors about it as a whole.
    origin: TokenStream,
}

impl ReactiveAttr {
    /// The attribute whose macro is running: `name` is the macro's own name,
    /// `args` the tokens between its parentheses, `span` the attribute's.
    pub fn from_macro(name: &str, args: TokenStream, span: Span) -> syn::Result<ReactiveAttr> {
        let kind = Kind::from_name(name).ok_or_else(|| {
            syn::Error::new(span, format!("`{name}` is not a reactive attribute"))
        })?;
        let origin = proc_macro2::Ident::new("attribute", span).into_token_stream();
        parse(kind, name, args, None, origin)
    }

    /// An error about the attribute as a whole, underlining all of it.
    pub fn error(&self, message: impl std::fmt::Display) -> syn::Error {
        syn::Error::new_spanned(&self.origin, message)
    }

    /// A reactive attribute left on the item by the outermost one, or `None` for
    /// any other attribute. Matched by the last segment of its path, so both
    /// `#[when(..)]` and `#[charm_reactive::when(..)]` count.
    pub fn from_attribute(attr: &syn::Attribute) -> syn::Result<Option<ReactiveAttr>> {
        let Some(last) = attr.path().segments.last() else {
            return Ok(None);
        };
        let name = last.ident.to_string();
        let Some(kind) = Kind::from_name(&name) else {
            return Ok(None);
        };
        let args = match &attr.meta {
            Meta::Path(_) => TokenStream::new(),
            Meta::List(list) => list.tokens.clone(),
            Meta::NameValue(nv) => {
                return Err(syn::Error::new_spanned(
                    nv,
                    format!("write #[{name}(\"...\")], not #[{name} = ...]"),
                ))
            }
        };
        let origin = attr.to_token_stream();
        parse(kind, &name, args, Some(attr.path().clone()), origin).map(Some)
    }
}

impl std::fmt::Debug for ReactiveAttr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReactiveAttr")
            .field("kind", &self.kind)
            .field("name", &self.name)
            .field("args", &self.args)
            .finish_non_exhaustive()
    }
}

/// Parses and checks the arguments of one attribute of `kind`.
fn parse(
    kind: Kind,
    name: &str,
    args: TokenStream,
    path: Option<syn::Path>,
    origin: TokenStream,
) -> syn::Result<ReactiveAttr> {
    let args = match kind {
        Kind::OnlyOnce | Kind::CollectMetrics | Kind::MeterStatusChanged => {
            if !args.is_empty() {
                return Err(syn::Error::new_spanned(
                    args,
                    format!("#[{name}] takes no arguments"),
                ));
            }
            Vec::new()
        }
        _ => {
            let lits = string_args(args)?;
            check_args(kind, name, &lits, &origin)?
        }
    };
    Ok(ReactiveAttr {
        kind,
        name: name.to_owned(),
        args,
        path,
        origin,
    })
}

/// The arguments as string literals; anything else is an error on that argument.
fn string_args(args: TokenStream) -> syn::Result<Vec<LitStr>> {
    let exprs = Punctuated::<Expr, Token![,]>::parse_terminated.parse2(args)?;
    exprs
        .into_iter()
        .map(|e| match e {
            Expr::Lit(syn::ExprLit {
                lit: Lit::Str(s), ..
            }) => Ok(s),
            other => Err(syn::Error::new_spanned(
                other,
                "expected a string literal, e.g. \"db.available\"",
            )),
        })
        .collect()
}

/// Checks the number and the content of the arguments for `kind`.
fn check_args(
    kind: Kind,
    name: &str,
    lits: &[LitStr],
    origin: &TokenStream,
) -> syn::Result<Vec<String>> {
    if lits.is_empty() {
        let what = match kind {
            Kind::Hook => "a hook pattern, e.g. #[hook(\"{install,upgrade-charm}\")]",
            Kind::WhenFileChanged => "a file name",
            Kind::Action => "the action's name, e.g. #[action(\"backup\")]",
            _ => "a flag, e.g. #[when(\"db.available\")]",
        };
        return Err(syn::Error::new_spanned(
            origin,
            format!("#[{name}] needs at least {what}"),
        ));
    }
    if kind == Kind::Action && lits.len() > 1 {
        return Err(syn::Error::new_spanned(
            &lits[1],
            "#[action] takes exactly one action name",
        ));
    }
    lits.iter()
        .map(|lit| match kind {
            Kind::Hook => flags::check_hook_pattern(lit),
            // charms.reactive formats when* flags with `endpoint_name` only.
            k if k.is_when() => flags::check_flag(lit, true),
            Kind::NotUnless => flags::check_flag(lit, false),
            Kind::WhenFileChanged => flags::check_non_empty(lit, "file name"),
            _ => flags::check_non_empty(lit, "action name"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use quote::quote;

    fn outer(name: &str, args: TokenStream) -> syn::Result<ReactiveAttr> {
        ReactiveAttr::from_macro(name, args, Span::call_site())
    }

    fn err(r: syn::Result<ReactiveAttr>) -> String {
        r.expect_err("expected an error").to_string()
    }

    #[test]
    fn aliases_map_to_their_attribute() {
        assert_eq!(Kind::from_name("when"), Some(Kind::WhenAll));
        assert_eq!(Kind::from_name("when_all"), Some(Kind::WhenAll));
        assert_eq!(Kind::from_name("when_not"), Some(Kind::WhenNone));
        assert_eq!(Kind::from_name("when_none"), Some(Kind::WhenNone));
        assert_eq!(Kind::from_name("derive"), None);
        assert!(Kind::WhenNotAll.is_when() && !Kind::Hook.is_when());
    }

    #[test]
    fn string_arguments_are_kept_in_order() {
        let a = outer("when", quote!("a", "b.c",)).unwrap();
        assert_eq!(a.kind, Kind::WhenAll);
        assert_eq!(a.name, "when");
        assert_eq!(a.args, ["a", "b.c"]);
    }

    #[test]
    fn non_string_arguments_are_refused() {
        assert!(err(outer("when", quote!("a", 3))).contains("expected a string literal"));
        assert!(err(outer("hook", quote!(install))).contains("expected a string literal"));
        assert!(err(outer("action", quote!(concat!("a")))).contains("expected a string literal"));
    }

    #[test]
    fn empty_argument_lists_are_refused() {
        assert!(err(outer("when_any", quote!())).contains("#[when_any] needs at least a flag"));
        assert!(err(outer("hook", quote!())).contains("needs at least a hook pattern"));
        assert!(err(outer("when_file_changed", quote!())).contains("a file name"));
        assert!(err(outer("not_unless", quote!())).contains("needs at least a flag"));
        assert!(err(outer("action", quote!())).contains("the action's name"));
    }

    #[test]
    fn empty_strings_are_refused() {
        assert!(err(outer("when", quote!("a", ""))).contains("empty"));
        assert!(err(outer("when_file_changed", quote!(""))).contains("empty file name"));
        assert!(err(outer("action", quote!(""))).contains("empty action name"));
    }

    #[test]
    fn only_endpoint_name_placeholder_is_allowed_in_when_flags() {
        let a = outer("when", quote!("endpoint.{endpoint_name}.joined")).unwrap();
        assert_eq!(a.args, ["endpoint.{endpoint_name}.joined"]);
        assert!(err(outer("when", quote!("foo.{bar}"))).contains("{endpoint_name}"));
        // not_unless flags are never formatted: no placeholder at all.
        assert!(err(outer("not_unless", quote!("x.{endpoint_name}"))).contains("not_unless"));
    }

    #[test]
    fn argumentless_attributes_refuse_arguments() {
        assert!(outer("only_once", quote!()).unwrap().args.is_empty());
        assert!(err(outer("collect_metrics", quote!("x"))).contains("takes no arguments"));
        assert!(err(outer("meter_status_changed", quote!(1))).contains("takes no arguments"));
        assert!(err(outer("only_once", quote!("x"))).contains("takes no arguments"));
    }

    #[test]
    fn action_takes_exactly_one_name() {
        assert_eq!(outer("action", quote!("backup")).unwrap().args, ["backup"]);
        assert!(err(outer("action", quote!("a", "b"))).contains("exactly one"));
    }

    #[test]
    fn attributes_on_the_item_match_by_last_path_segment() {
        let plain: syn::Attribute = syn::parse_quote!(#[when_not("a")]);
        let qualified: syn::Attribute = syn::parse_quote!(#[charm_reactive::when_any("b")]);
        let bare: syn::Attribute = syn::parse_quote!(#[only_once]);
        let other: syn::Attribute = syn::parse_quote!(#[allow(dead_code)]);
        let p = ReactiveAttr::from_attribute(&plain).unwrap().unwrap();
        assert_eq!(
            p.path.as_ref().unwrap().to_token_stream().to_string(),
            "when_not"
        );
        assert_eq!((p.kind, p.args), (Kind::WhenNone, vec!["a".to_owned()]));
        let q = ReactiveAttr::from_attribute(&qualified).unwrap().unwrap();
        assert_eq!((q.kind, q.name.as_str()), (Kind::WhenAny, "when_any"));
        let path = q.path.as_ref().unwrap().to_token_stream().to_string();
        assert_eq!(path, "charm_reactive :: when_any");
        assert!(outer("when", quote!("a")).unwrap().path.is_none());
        let b = ReactiveAttr::from_attribute(&bare).unwrap().unwrap();
        assert_eq!(b.kind, Kind::OnlyOnce);
        assert!(ReactiveAttr::from_attribute(&other).unwrap().is_none());
    }

    #[test]
    fn attributes_on_the_item_are_checked_too() {
        let bare_when: syn::Attribute = syn::parse_quote!(#[when]);
        let name_value: syn::Attribute = syn::parse_quote!(#[when = "a"]);
        let metrics: syn::Attribute = syn::parse_quote!(#[collect_metrics("x")]);
        let e = |a| ReactiveAttr::from_attribute(&a).unwrap_err().to_string();
        assert!(e(bare_when).contains("needs at least a flag"));
        assert!(e(name_value).contains("not #[when = ...]"));
        assert!(e(metrics).contains("takes no arguments"));
    }
}
