//! Values another application (or an operator) could put in relation data or
//! config, to check that a charm neither breaks nor passes them on unchecked:
//! a fixed catalogue of known attacks ([`values`]) and a proptest strategy
//! that mixes them with arbitrary text ([`value`]).
//!
//! ```
//! let hostile = charm_reactive_testing::hostile::values();
//! assert!(hostile.iter().any(|h| h.value.contains("\n    privileged: true")));
//! ```

use proptest::prelude::*;

/// One hostile value and what it tries.
#[derive(Debug, Clone)]
pub struct Hostile {
    /// What the value tries, for failure messages.
    pub label: &'static str,
    /// The value.
    pub value: String,
}

/// A base URL a well-behaved provider would send, the start of most values.
pub const BASE: &str = "http://sse:8080";

/// The catalogue: YAML injection through newlines and quotes, control
/// characters, Unicode that looks like text but is not (bidi overrides, line
/// separators, replacement characters from bad UTF-8), JSON documents where a
/// string is expected, other URL schemes, and a value of 1 MiB.
pub fn values() -> Vec<Hostile> {
    let h = |label, value: String| Hostile { label, value };
    vec![
        h(
            "newline injecting a key into a quoted YAML scalar",
            format!("{BASE}\"\n    privileged: true\n    x: \""),
        ),
        h(
            "newline injecting a key into a plain YAML scalar",
            format!("{BASE}\n      securityContext: {{privileged: true}}"),
        ),
        h("carriage return", format!("{BASE}\r\nprivileged: true")),
        h("double quote", format!("{BASE}/\"x")),
        h("lone double quote", "\"".into()),
        h("YAML flow mapping", "{privileged: true}".into()),
        h("JSON object", "{\"privileged\": true}".into()),
        h("JSON list", "[\"http://sse\"]".into()),
        h("JSON number", "8080".into()),
        h("JSON boolean", "true".into()),
        h("YAML anchor and alias", format!("&a {BASE} *a")),
        h(
            "YAML document end",
            format!("{BASE}\n...\n---\nprivileged: true"),
        ),
        h("NUL", format!("{BASE}\0/x")),
        h("escape sequence", format!("\u{1b}[31m{BASE}")),
        h("DEL", format!("{BASE}\u{7f}")),
        h("C1 next-line", format!("{BASE}\u{85}privileged: true")),
        h("tab", format!("{BASE}\t/x")),
        h(
            "Unicode line separator",
            format!("{BASE}\u{2028}privileged: true"),
        ),
        h("bidi override", "http://\u{202e}8080:sse".into()),
        h("zero-width space", "http://s\u{200b}se:8080".into()),
        h("byte-order mark", format!("\u{feff}{BASE}")),
        h(
            "replacement characters (what bad UTF-8 decodes to)",
            format!("{BASE}/\u{fffd}\u{fffd}"),
        ),
        h("space", format!("{BASE}/a b")),
        h("shell metacharacters", format!("{BASE}/`id`$(id)|;")),
        h("file URL", "file:///etc/passwd".into()),
        h("no scheme", "sse:8080".into()),
        h("no host", "http:///x".into()),
        h("credentials and no host", "http://user@:8080".into()),
        h("1 MiB", format!("{BASE}/{}", "a".repeat(1 << 20))),
        h("empty", String::new()),
    ]
}

/// Valid URLs whose characters mean something in YAML (`'`, `#`, `&`, `*`,
/// `!`, `:`, `[`, `%`): accepted, they must reach the workload unchanged.
pub fn tricky_valid_urls() -> Vec<String> {
    vec![
        format!("{BASE}/it's"),
        format!("{BASE}/#comment"),
        format!("{BASE}/x?a=1&b=*c!d:e"),
        format!("{BASE}/[0]%22%0Aprivileged:%20true"),
        "https://[::1]:8443/v1".into(),
    ]
}

/// Arbitrary hostile text: a catalogue value, or a URL with arbitrary
/// characters (any Unicode, biased towards the ones YAML and terminals treat
/// specially) inserted.
pub fn value() -> impl Strategy<Value = String> {
    let special = prop::sample::select(vec![
        '\n', '\r', '"', '\'', ':', '#', '{', '}', '[', ']', '&', '*', '!', '|', '>', '%', '@',
        '`', '\\', '\0', '\t', '\u{7f}', '\u{85}', '\u{2028}', '\u{202e}', '\u{feff}', '\u{fffd}',
        ' ', '-',
    ]);
    let ch = prop_oneof![special, any::<char>()];
    let catalogue = values();
    prop_oneof![
        prop::sample::select(catalogue).prop_map(|h| h.value),
        (prop::collection::vec(ch, 0..24), 0usize..24).prop_map(|(chars, at)| {
            let mut url = format!("{BASE}/v1");
            let at = at.min(url.len());
            let inserted: String = chars.into_iter().collect();
            url.insert_str(at, &inserted);
            url
        }),
    ]
}
