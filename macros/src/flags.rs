//! Checks on the strings attributes take: flag names and hook patterns. Each
//! refuses at compile time what charms.reactive would refuse at import, or
//! silently never match.

use syn::LitStr;

/// The one placeholder charms.reactive substitutes in `when*` flags.
const ENDPOINT_NAME: &str = "{endpoint_name}";

/// The sections of metadata.yaml a `{role:interface}` hook pattern may name.
const ROLES: [&str; 3] = ["provides", "requires", "peers"];

/// A non-empty string; `what` names it in the error.
pub fn check_non_empty(lit: &LitStr, what: &str) -> syn::Result<String> {
    let value = lit.value();
    if value.is_empty() {
        return Err(syn::Error::new_spanned(lit, format!("empty {what}")));
    }
    Ok(value)
}

/// A flag name: not empty, and without braces except `{endpoint_name}` when
/// `allow_endpoint_name` (the `when*` attributes; charms.reactive `str.format`s
/// their flags, so any other `{...}` is a KeyError at import there).
pub fn check_flag(lit: &LitStr, allow_endpoint_name: bool) -> syn::Result<String> {
    let value = check_non_empty(lit, "flag name")?;
    let rest = if allow_endpoint_name {
        value.replace(ENDPOINT_NAME, "")
    } else {
        value.clone()
    };
    if rest.contains(['{', '}']) {
        let msg = if allow_endpoint_name {
            format!(
                "flag `{value}` has braces: the only placeholder allowed is \
                 `{ENDPOINT_NAME}` (charms.reactive raises KeyError for any other)"
            )
        } else {
            format!("flag `{value}` has braces: #[not_unless] flags are never formatted")
        };
        return Err(syn::Error::new_spanned(lit, msg));
    }
    Ok(value)
}

/// A hook pattern in charms.reactive's syntax: a hook name with `{a,b,...}`
/// alternation groups and `{role:interface}` relation groups, not nested.
pub fn check_hook_pattern(lit: &LitStr) -> syn::Result<String> {
    let value = check_non_empty(lit, "hook pattern")?;
    let bad = |why: String| {
        Err(syn::Error::new_spanned(
            lit,
            format!("hook pattern `{value}`: {why}"),
        ))
    };
    let mut rest = value.as_str();
    while let Some(open) = rest.find(['{', '}']) {
        if rest[open..].starts_with('}') {
            return bad("`}` without `{`".into());
        }
        let after = &rest[open + 1..];
        let Some(close) = after
            .find(['{', '}'])
            .filter(|&i| after[i..].starts_with('}'))
        else {
            return bad("`{` without `}` (groups cannot be nested)".into());
        };
        if let Err(why) = check_group(&after[..close]) {
            return bad(why);
        }
        rest = &after[close + 1..];
    }
    Ok(value)
}

/// The inside of one `{...}` group of a hook pattern.
fn check_group(group: &str) -> Result<(), String> {
    if let Some((role, interface)) = group.split_once(':') {
        if !ROLES.contains(&role) {
            return Err(format!(
                "`{{{group}}}`: the role must be provides, requires or peers, \
                 anything else never matches"
            ));
        }
        if interface.is_empty() {
            return Err(format!("`{{{group}}}` names no interface"));
        }
        return Ok(());
    }
    if group.split(',').any(str::is_empty) {
        return Err(format!("`{{{group}}}` has an empty alternative"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lit(s: &str) -> LitStr {
        LitStr::new(s, proc_macro2::Span::call_site())
    }

    fn flag_err(s: &str, endpoint: bool) -> String {
        check_flag(&lit(s), endpoint).unwrap_err().to_string()
    }

    fn hook_err(s: &str) -> String {
        check_hook_pattern(&lit(s)).unwrap_err().to_string()
    }

    #[test]
    fn plain_flags_pass_unchanged() {
        assert_eq!(
            check_flag(&lit("db.available"), true).unwrap(),
            "db.available"
        );
        assert_eq!(check_flag(&lit("a b"), false).unwrap(), "a b");
    }

    #[test]
    fn empty_flags_are_refused() {
        assert!(flag_err("", true).contains("empty flag name"));
        assert!(check_non_empty(&lit(""), "file name")
            .unwrap_err()
            .to_string()
            .contains("empty file name"));
    }

    #[test]
    fn endpoint_name_is_the_only_placeholder() {
        let f = "endpoint.{endpoint_name}.changed.{endpoint_name}";
        assert_eq!(check_flag(&lit(f), true).unwrap(), f);
        assert!(flag_err("foo.{bar}", true).contains("KeyError"));
        assert!(flag_err("foo.{}", true).contains("KeyError"));
        assert!(flag_err("foo}", true).contains("KeyError"));
        assert!(flag_err("{{endpoint_name}}", true).contains("KeyError"));
        assert!(flag_err("x.{endpoint_name}", false).contains("never formatted"));
    }

    #[test]
    fn hook_patterns_with_groups_pass() {
        for p in [
            "install",
            "{install,upgrade-charm}",
            "{requires:pgsql}-relation-{joined,changed}",
            "{peers:cluster}-relation-joined",
            "{start}",
        ] {
            assert_eq!(check_hook_pattern(&lit(p)).unwrap(), p);
        }
    }

    #[test]
    fn malformed_hook_patterns_are_refused() {
        assert!(hook_err("").contains("empty hook pattern"));
        assert!(hook_err("{install").contains("without `}`"));
        assert!(hook_err("{a{b}}").contains("nested"));
        assert!(hook_err("install}").contains("without `{`"));
        assert!(hook_err("{install,}").contains("empty alternative"));
        assert!(hook_err("{}").contains("empty alternative"));
        assert!(hook_err("{peer:cluster}-relation-joined").contains("never matches"));
        assert!(hook_err("{requires:}-relation-joined").contains("no interface"));
    }
}
