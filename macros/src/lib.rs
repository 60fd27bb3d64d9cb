//! The attribute macros of charm-reactive, re-exported by the `charm-reactive`
//! crate: use them from there (`use charm_reactive::{when, when_not};`).
//!
//! Each attribute takes string literals. Attributes stack as charms.reactive's
//! decorators do: the stack makes ONE handler whose conditions are tested
//! innermost (nearest the `fn`) first, and its id is
//! `<file relative to the crate>:<line of the outermost attribute>:<fn name>`.
//!
//! ```ignore
//! use charm_reactive::{when, when_not, Context};
//!
//! #[when("db.available")]
//! #[when_not("app.configured")]
//! fn configure(ctx: &mut Context<'_>) -> anyhow::Result<()> {
//!     ctx.set_flag("app.configured");
//!     Ok(())
//! }
//! ```
//!
//! A handler takes exactly one `&mut Context<'_>` and returns `()` or a
//! `Result`; it stays an ordinary function that can be called directly. The
//! generated code names `::charm_reactive`, so the charm must depend on it
//! under that name.
//!
//! Refused at compile time: non-string or empty arguments, `{...}` in a flag other
//! than `{endpoint_name}`, malformed hook patterns, conditions that never hold
//! together (`#[hook]` with any `#[when*]`: charms.reactive registers such a
//! handler and silently never runs it; `#[action]` with `#[hook]` or `#[when*]`;
//! a restricted hook with anything of another phase or the other restricted
//! hook; two different actions), `#[only_once]` twice, and handlers that are
//! async, unsafe, generic, methods, or do not take exactly one `&mut Context`.
//!
//! Differences from charms.reactive: `#[not_unless]` checks at every call
//! wherever it stands in the stack (Python's checks only calls through the
//! wrapper, so above `@when` it is skipped by dispatch); handlers inside `impl`
//! blocks are not supported.

mod attr;
mod effects;
mod emit;
mod flags;
mod handler;
mod location;
mod trigger;

use proc_macro::TokenStream;

use crate::attr::ReactiveAttr;
use crate::location::Location;

/// Expands the outermost reactive attribute `name` of a stack.
/// On error the function is kept (without its reactive attributes) next to the
/// errors, so that its callers do not add errors of their own.
fn expand_attribute(name: &str, args: TokenStream, item: TokenStream) -> TokenStream {
    let span = proc_macro2::Span::call_site();
    let item = proc_macro2::TokenStream::from(item);
    ReactiveAttr::from_macro(name, args.into(), span)
        .and_then(|outer| handler::analyse(outer, item.clone()))
        .map(|model| emit::emit(model, &Location::of_call_site()))
        .unwrap_or_else(|e| {
            let mut out = e.into_compile_error();
            out.extend(handler::without_reactive_attributes(item));
            out
        })
        .into()
}

/// Defines one attribute macro entry point forwarding to [`expand_attribute`].
macro_rules! reactive_attribute {
    ($($(#[$doc:meta])* $name:ident;)*) => {$(
        $(#[$doc])*
        #[proc_macro_attribute]
        pub fn $name(args: TokenStream, item: TokenStream) -> TokenStream {
            expand_attribute(stringify!($name), args, item)
        }
    )*};
}

reactive_attribute! {
    /// Alias of [`macro@when_all`]: `#[when("a", "b")]` runs the handler while
    /// every flag is set.
    when;
    /// `#[when_all("a", "b")]`: runs the handler while every flag is set.
    when_all;
    /// `#[when_any("a", "b")]`: runs the handler while at least one flag is set.
    when_any;
    /// Alias of [`macro@when_none`]: `#[when_not("a")]` runs the handler while no
    /// flag is set.
    when_not;
    /// `#[when_none("a", "b")]`: runs the handler while no flag is set.
    when_none;
    /// `#[when_not_all("a", "b")]`: runs the handler while at least one flag is unset.
    when_not_all;
    /// `#[hook("{install,upgrade-charm}", ...)]`: runs the handler in the hooks
    /// phase when the hook matches a pattern (`{a,b}` alternation,
    /// `{requires:interface}` relation names; no wildcards). Cannot be combined
    /// with `#[when*]` or `#[action]`.
    hook;
    /// `#[only_once]`: the handler runs at most once per unit (marked after a
    /// successful run). Its position in the stack is its test position.
    only_once;
    /// `#[when_file_changed("path", ...)]`: runs the handler when a file's content
    /// hash differs from the last test (the test records the new hash).
    when_file_changed;
    /// `#[not_unless("a", ...)]`: registers nothing; at the start of every call
    /// logs charms.reactive's warning `<id> called before flag[s]: ...` for each
    /// unset flag, then runs the function anyway. The function needs a
    /// `&Context` or `&mut Context` parameter.
    not_unless;
    /// `#[collect_metrics]`: runs the handler in the restricted `collect-metrics` hook.
    collect_metrics;
    /// `#[meter_status_changed]`: runs the handler in the restricted
    /// `meter-status-changed` hook.
    meter_status_changed;
    /// `#[action("name")]`: runs the handler when the named Juju action is invoked.
    action;
}

/// `register_trigger!(when = "a", set_flag = "b", clear_flag = "c")`, or
/// `when_not = "a"`: when flag `a` becomes set (unset), set `b` and clear `c`
/// at once. Exactly one of `when` / `when_not`, and at least one `set_flag` or
/// `clear_flag` (each may repeat). Use at item level (module scope).
#[proc_macro]
pub fn register_trigger(args: TokenStream) -> TokenStream {
    trigger::parse(args.into(), proc_macro2::Span::call_site())
        .map(|model| trigger::emit(&model, &Location::of_call_site()))
        .unwrap_or_else(syn::Error::into_compile_error)
        .into()
}
