//! Juju's name rules for applications, units and relation endpoints, as
//! `juju/names` states them in regular expressions:
//!
//! * application: `[a-z][a-z0-9]*(-[a-z0-9]*[a-z][a-z0-9]*)*`: lowercase
//!   letters, digits and single hyphens, starting with a letter, and no part
//!   after a hyphen made of digits only (`a-1` would read as a unit number);
//! * unit: `<application>/<number>`, the number `0` or without leading zeros;
//! * relation endpoint: `[a-z][a-z0-9]*([_-][a-z0-9]+)*`.
//!
//! A hook environment that breaks them did not come from Juju; refusing it
//! keeps odd names (a newline, `..`) out of paths and logs.

/// Whether `name` is a valid application name.
pub fn is_application(name: &str) -> bool {
    let mut parts = name.split('-');
    let first = parts.next().unwrap_or_default();
    starts_with_letter(first)
        && alphanumeric(first)
        && parts.all(|p| alphanumeric(p) && p.bytes().any(|b| b.is_ascii_lowercase()))
}

/// Whether `name` is a valid unit name, `<application>/<number>`.
pub fn is_unit(name: &str) -> bool {
    name.split_once('/')
        .is_some_and(|(app, n)| is_application(app) && is_number(n))
}

/// Whether `name` is a valid relation endpoint name.
pub fn is_endpoint(name: &str) -> bool {
    let mut parts = name.split(['-', '_']);
    let first = parts.next().unwrap_or_default();
    starts_with_letter(first)
        && alphanumeric(first)
        && parts.all(|p| !p.is_empty() && alphanumeric(p))
}

/// Whether `n` is a unit or relation number: `0`, or digits without a leading zero.
pub fn is_number(n: &str) -> bool {
    n == "0"
        || (!n.is_empty()
            && !n.starts_with('0')
            && n.bytes().all(|b| b.is_ascii_digit())
            && n.parse::<u64>().is_ok())
}

fn starts_with_letter(s: &str) -> bool {
    s.bytes().next().is_some_and(|b| b.is_ascii_lowercase())
}

fn alphanumeric(s: &str) -> bool {
    s.bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn applications_as_juju_names_has_them() {
        for ok in ["a", "con6", "sse-endpoint", "a1-b2", "mysql-k8s", "a-1b"] {
            assert!(is_application(ok), "{ok}");
        }
        for bad in [
            "", "A", "1a", "a-1", "a_b", "a.b", "a\nb", "..", "-a", "a-", "a--b", "a/0", "é",
        ] {
            assert!(!is_application(bad), "{bad:?}");
        }
    }

    #[test]
    fn units_and_endpoints() {
        for ok in ["a/0", "con6/12", "sse-endpoint/3"] {
            assert!(is_unit(ok), "{ok}");
        }
        for bad in [
            "a",
            "a/",
            "a/01",
            "a/-1",
            "../0",
            "a\nb/0",
            "a/0/1",
            "a/x",
            "a/99999999999999999999",
        ] {
            assert!(!is_unit(bad), "{bad:?}");
        }
        for ok in ["db", "sse-endpoint", "website_1", "a1"] {
            assert!(is_endpoint(ok), "{ok}");
        }
        for bad in ["", "1db", "db-", "db__x", "Db", "db x", "db\n"] {
            assert!(!is_endpoint(bad), "{bad:?}");
        }
    }
}
