//! [`check_base_url`]: what a base URL received over the relation (or set in a
//! provider's config) must look like before a charm puts it anywhere.
//!
//! Relation data is written by another application, so a charm must treat it as
//! untrusted input: a value with a newline or a quote spliced into YAML text
//! rewrites the document it lands in (a `privileged: true` injected into a
//! container spec). Building documents as data prevents the injection; checking
//! the value keeps nonsense out of the workload's environment and tells the
//! operator which side is wrong.

/// The longest base URL accepted, in bytes: browsers and proxies commonly
/// refuse URLs past 2,000 characters, and a pod spec is no place for more.
pub const MAX_BASE_URL_BYTES: usize = 2048;

/// Why a base URL was refused. Its `Display` quotes a shortened, escaped copy of
/// the value, safe to put in a status message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{reason}: {shown}")]
pub struct InvalidBaseUrl {
    /// What is wrong.
    pub reason: &'static str,
    /// The value, escaped (control characters visible) and cut to 80 characters.
    pub shown: String,
}

/// Checks that `value` is a single-line `http://` or `https://` URL with a
/// host, made of the characters RFC 3986 allows (printable ASCII, no spaces,
/// no `"<>\^`{|}`), at most [`MAX_BASE_URL_BYTES`] long. Returns it unchanged.
///
/// ```
/// use charm_reactive_sse_endpoint::check_base_url;
/// assert_eq!(check_base_url("http://sse:8080/v1").unwrap(), "http://sse:8080/v1");
/// let err = check_base_url("http://x\"\n    privileged: true").unwrap_err();
/// assert!(err.to_string().contains("\\n"), "{err}");
/// assert!(check_base_url("file:///etc/passwd").is_err());
/// ```
pub fn check_base_url(value: &str) -> Result<&str, InvalidBaseUrl> {
    let refuse = |reason: &'static str| InvalidBaseUrl {
        reason,
        shown: shown(value),
    };
    if value.len() > MAX_BASE_URL_BYTES {
        return Err(refuse("longer than 2048 bytes"));
    }
    if value.chars().any(|c| c == '\n' || c == '\r') {
        return Err(refuse("not a single line"));
    }
    if value.chars().any(char::is_control) {
        return Err(refuse("contains control characters"));
    }
    if !value.is_ascii() {
        return Err(refuse(
            "contains non-ASCII characters (percent-encode them, and use punycode for the host)",
        ));
    }
    if let Some(c) = value.chars().find(|c| !allowed(*c)) {
        return Err(refuse(match c {
            ' ' => "contains a space",
            '"' => "contains a quote",
            _ => "contains a character URLs do not allow (one of space \"<>\\^`{|})",
        }));
    }
    let rest = value
        .strip_prefix("http://")
        .or_else(|| value.strip_prefix("https://"))
        .ok_or_else(|| refuse("not an http:// or https:// URL"))?;
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host = authority.rsplit('@').next().unwrap_or_default();
    let host = match host.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or_default(),
        None => host.split(':').next().unwrap_or_default(),
    };
    if host.is_empty() {
        return Err(refuse("has no host"));
    }
    Ok(value)
}

/// RFC 3986's unreserved, reserved and `%` characters.
fn allowed(c: char) -> bool {
    c.is_ascii_alphanumeric() || "-._~:/?#[]@!$&'()*+,;=%".contains(c)
}

/// An escaped copy of `value` of at most 80 characters, with the full length
/// when cut.
fn shown(value: &str) -> String {
    const KEEP: usize = 80;
    let mut escaped = value.escape_debug();
    let head: String = escaped.by_ref().take(KEEP).collect();
    if escaped.next().is_some() {
        format!("\"{head}\"... ({} bytes)", value.len())
    } else {
        format!("\"{head}\"")
    }
}
