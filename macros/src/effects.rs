//! The flags a handler's body visibly sets, clears and reads: the literal
//! first arguments of `set_flag`, `set_flag_value`, `clear_flag`, `toggle_flag`,
//! `is_flag_set`, `flag_value`, `all_flags_set` and `any_flags_set` calls. They
//! let `charm-reactive graph` and `lint` see a charm's flag flow without parsing
//! its source. A call with a computed name (`ctx.set_flag(&name)`) is counted,
//! so that lint says "unknown" rather than guessing; calls inside helper
//! functions are not seen (layers declare their flags themselves).

use syn::visit::Visit;
use syn::{Expr, ExprLit, ExprMethodCall, Lit};

/// What a handler body does to flags.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Effects {
    /// Flags set, in order of appearance, without repeats.
    pub sets: Vec<String>,
    /// Flags cleared.
    pub clears: Vec<String>,
    /// Flags read.
    pub reads: Vec<String>,
    /// Whether a flag call names its flag with an expression, not a literal.
    pub computed: bool,
}

impl Effects {
    /// The effects of `block`.
    pub fn of(block: &syn::Block) -> Effects {
        let mut e = Effects::default();
        e.visit_block(block);
        e
    }

    fn note(&mut self, which: Which, arg: Option<&Expr>) {
        let names = match arg {
            Some(Expr::Lit(ExprLit {
                lit: Lit::Str(s), ..
            })) => vec![s.value()],
            // `&["a", "b"]` or `["a", "b"]` for the all/any readers.
            Some(Expr::Reference(r)) => return self.note(which, Some(&r.expr)),
            Some(Expr::Array(a)) => {
                for el in &a.elems {
                    self.note(which, Some(el));
                }
                return;
            }
            _ => {
                self.computed = true;
                return;
            }
        };
        let lists: &mut [&mut Vec<String>] = match which {
            Which::Set => &mut [&mut self.sets],
            Which::Clear => &mut [&mut self.clears],
            Which::Toggle => &mut [&mut self.sets, &mut self.clears],
            Which::Read => &mut [&mut self.reads],
        };
        for list in lists.iter_mut() {
            for n in &names {
                if !list.contains(n) {
                    list.push(n.clone());
                }
            }
        }
    }
}

#[derive(Clone, Copy)]
enum Which {
    Set,
    Clear,
    Toggle,
    Read,
}

impl<'ast> Visit<'ast> for Effects {
    fn visit_expr_method_call(&mut self, call: &'ast ExprMethodCall) {
        let which = match call.method.to_string().as_str() {
            "set_flag" | "set_flag_value" => Some(Which::Set),
            "clear_flag" => Some(Which::Clear),
            "toggle_flag" => Some(Which::Toggle),
            "is_flag_set" | "flag_value" | "all_flags_set" | "any_flags_set" => Some(Which::Read),
            _ => None,
        };
        if let Some(which) = which {
            self.note(which, call.args.first());
        }
        syn::visit::visit_expr_method_call(self, call);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use quote::quote;

    fn effects(body: proc_macro2::TokenStream) -> Effects {
        Effects::of(&syn::parse2(quote!({ #body })).unwrap())
    }

    #[test]
    fn literal_flag_calls_are_found_anywhere_in_the_body() {
        let e = effects(quote! {
            if ctx.is_flag_set("a") && ctx.all_flags_set(&["b", "c"]) {
                ctx.set_flag("x");
            }
            for _ in 0..2 { sse.endpoint().clear_flag("{endpoint_name}.available"); }
            ctx.toggle_flag("t", true);
            ctx.set_flag_value("x", &1);
        });
        assert_eq!(e.sets, ["x", "t"]);
        assert_eq!(e.clears, ["{endpoint_name}.available", "t"]);
        assert_eq!(e.reads, ["a", "b", "c"]);
        assert!(!e.computed);
    }

    #[test]
    fn computed_names_are_counted_not_guessed() {
        let e = effects(quote! { ctx.set_flag(&format!("x.{}", n)); ctx.clear_flag(NAME); });
        assert!(e.sets.is_empty() && e.clears.is_empty());
        assert!(e.computed);
    }
}
