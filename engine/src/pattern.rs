//! charms.reactive's hook patterns: `{a,b}` alternation, expanded to the exact
//! hook names they match (there are no wildcards: `*-relation-joined` matches
//! nothing, as in charms.reactive).
//!
//! `{role:interface}` groups are replaced by the names of the relations with that
//! role and interface in metadata.yaml; a pattern whose group matches no relation
//! is dropped.

pub use crate::juju::RelationSpec;

/// Every hook name `pattern` stands for.
///
/// ```
/// use charm_reactive::pattern::expand;
/// assert_eq!(expand("{install,upgrade-charm}", &[]), ["install", "upgrade-charm"]);
/// assert_eq!(expand("db-relation-{joined,changed}", &[]), ["db-relation-joined", "db-relation-changed"]);
/// ```
pub fn expand(pattern: &str, relations: &[RelationSpec]) -> Vec<String> {
    let Some(open) = pattern.find('{') else {
        return vec![pattern.to_owned()];
    };
    let Some(len) = pattern[open..].find('}') else {
        return vec![pattern.to_owned()];
    };
    let close = open + len;
    let (head, group, tail) = (
        &pattern[..open],
        &pattern[open + 1..close],
        &pattern[close + 1..],
    );
    let choices: Vec<String> = match group.split_once(':') {
        Some((role, interface)) => relations
            .iter()
            .filter(|r| r.role.as_str() == role && r.interface == interface)
            .map(|r| r.name.clone())
            .collect(),
        None => group.split(',').map(str::to_owned).collect(),
    };
    let rest = expand(tail, relations);
    choices
        .iter()
        .flat_map(|c| rest.iter().map(move |t| format!("{head}{c}{t}")))
        .collect()
}

/// Whether `hook` equals one expansion of any pattern.
pub fn matches(hook: &str, patterns: &[String], relations: &[RelationSpec]) -> bool {
    patterns
        .iter()
        .any(|p| expand(p, relations).iter().any(|h| h == hook))
}

/// `*`-only glob matching: `*` stands for any run of characters.
///
/// ```
/// use charm_reactive::pattern::glob;
/// assert!(glob("*-relation-*", "db-relation-changed"));
/// assert!(glob("config.changed.*", "config.changed.port"));
/// assert!(!glob("db-*", "start"));
/// ```
pub fn glob(pattern: &str, text: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    if parts.len() == 1 {
        return pattern == text;
    }
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    if !text.starts_with(first) || text.len() < first.len() + last.len() || !text.ends_with(last) {
        return false;
    }
    let mut rest = &text[first.len()..text.len() - last.len()];
    for mid in &parts[1..parts.len() - 1] {
        match rest.find(mid) {
            Some(i) => rest = &rest[i + mid.len()..],
            None => return false,
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cartesian_product_and_no_wildcards() {
        assert_eq!(expand("{a,b}-{c,d}", &[]), ["a-c", "a-d", "b-c", "b-d"]);
        assert_eq!(expand("{x}", &[]), ["x"]);
        assert!(!matches(
            "db-relation-joined",
            &["*-relation-joined".into()],
            &[]
        ));
    }

    #[test]
    fn role_interface_groups_use_metadata() {
        let rels = [RelationSpec::new(
            crate::juju::Role::Requires,
            "db",
            "pgsql",
        )];
        assert!(matches(
            "db-relation-joined",
            &["{requires:pgsql}-relation-joined".into()],
            &rels
        ));
        assert!(expand("{peers:pgsql}-relation-joined", &rels).is_empty());
    }
}
