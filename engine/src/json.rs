//! JSON with every map's keys in sorted order, written here rather than by
//! serde_json, whose `preserve_order` feature (if any crate in a build enables
//! it) keeps insertion order. Two styles, one writer:
//!
//! - [`Style::Compact`]: serde_json's compact text of a sorted value, the form
//!   content hashes are taken of (`data_changed`, the podspec layer's spec hash);
//! - [`Style::Python`]: Python's `json.dumps(value, sort_keys=True)` (`", "` and
//!   `": "` separators, ASCII-only escapes, Python's float `repr`), what
//!   charms.reactive writes to relations, so a ported charm's relation data is
//!   byte-identical to its Python original's.

use serde_json::Value;

/// How [`to_string`] writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    /// serde_json's compact text (no spaces, non-ASCII as is), keys sorted.
    Compact,
    /// Python's `json.dumps(value, sort_keys=True)`.
    Python,
}

/// `value` as JSON in `style`, every map's keys sorted (by their UTF-8 bytes,
/// which is Python's code-point order too).
///
/// ```
/// use charm_reactive::json::{to_string, Style};
/// let v = serde_json::json!({"b": [1, 2.0], "a": "\u{e9}"});
/// assert_eq!(to_string(&v, Style::Compact), r#"{"a":"é","b":[1,2.0]}"#);
/// assert_eq!(to_string(&v, Style::Python), r#"{"a": "\u00e9", "b": [1, 2.0]}"#);
/// ```
pub fn to_string(value: &Value, style: Style) -> String {
    let mut out = String::new();
    write_value(&mut out, value, style);
    out
}

/// Python's `json.dumps(value, sort_keys=True)`.
pub fn python_dumps(value: &Value) -> String {
    to_string(value, Style::Python)
}

fn write_value(out: &mut String, value: &Value, style: Style) {
    let (item_sep, key_sep) = match style {
        Style::Compact => (",", ":"),
        Style::Python => (", ", ": "),
    };
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => match (style, n.as_f64().filter(|_| n.is_f64())) {
            (Style::Python, Some(f)) => out.push_str(&float_repr(f)),
            // The serializer's text, not `Number`'s `Display`: they differ
            // for floats (`1e300` against `1e+300`), and the hashes stored by
            // earlier hooks are of the serializer's text.
            _ => out.push_str(&serde_json::to_string(n).expect("a JSON number serializes")),
        },
        Value::String(s) => write_string(out, s, style),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(item_sep);
                }
                write_value(out, item, style);
            }
            out.push(']');
        }
        Value::Object(map) => {
            let mut entries: Vec<(&String, &Value)> = map.iter().collect();
            entries.sort_by(|a, b| a.0.cmp(b.0));
            out.push('{');
            for (i, (k, v)) in entries.into_iter().enumerate() {
                if i > 0 {
                    out.push_str(item_sep);
                }
                write_string(out, k, style);
                out.push_str(key_sep);
                write_value(out, v, style);
            }
            out.push('}');
        }
    }
}

fn write_string(out: &mut String, s: &str, style: Style) {
    match style {
        Style::Compact => out.push_str(&Value::String(s.to_owned()).to_string()),
        Style::Python => write_ascii_string(out, s),
    }
}

/// A JSON string with `ensure_ascii`: printable ASCII as is, the usual short
/// escapes, everything else as lowercase `\uXXXX` (UTF-16, so surrogate pairs
/// above U+FFFF).
fn write_ascii_string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            ' '..='~' => out.push(c),
            _ => {
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    out.push_str(&format!("\\u{unit:04x}"));
                }
            }
        }
    }
    out.push('"');
}

/// Python's `repr(float)`: the shortest digits that round-trip, in fixed
/// notation for decimal exponents -5 < e < 16 (always with a fraction:
/// `1.0`), else in exponent notation with a sign and two digits (`1e-07`,
/// `1.5e+16`).
fn float_repr(f: f64) -> String {
    if f.is_nan() {
        return "NaN".into();
    }
    if f.is_infinite() {
        return if f > 0.0 { "Infinity" } else { "-Infinity" }.into();
    }
    // Rust's `{:e}` prints the shortest round-tripping digits, as Python does.
    let sci = format!("{f:e}");
    let (mantissa, exp) = sci.split_once('e').expect("{:e} always has an exponent");
    let exp: i32 = exp.parse().expect("{:e} exponent is an integer");
    let (sign, mantissa) = mantissa
        .strip_prefix('-')
        .map_or(("", mantissa), |m| ("-", m));
    let digits: String = mantissa.chars().filter(|c| *c != '.').collect();
    if !(-5 < exp && exp < 16) {
        let exp_sign = if exp < 0 { '-' } else { '+' };
        return format!("{sign}{mantissa}e{exp_sign}{:02}", exp.abs());
    }
    let body = if exp < 0 {
        format!("0.{}{digits}", "0".repeat((-exp - 1) as usize))
    } else {
        let int_len = exp as usize + 1;
        if digits.len() <= int_len {
            format!("{digits}{}.0", "0".repeat(int_len - digits.len()))
        } else {
            format!("{}.{}", &digits[..int_len], &digits[int_len..])
        }
    };
    format!("{sign}{body}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn dumps(value: &Value) -> String {
        python_dumps(value)
    }

    #[test]
    fn dumps_matches_python() {
        // Expected texts printed by Python 3.11's json.dumps(v, sort_keys=True).
        let cases = [
            (
                json!({"b": [1, 2.0], "a": "\u{e9}"}),
                r#"{"a": "\u00e9", "b": [1, 2.0]}"#,
            ),
            (json!("http://x:8080/a b"), r#""http://x:8080/a b""#),
            (
                json!("tab\there \"q\" \\ \u{7f} \u{1}"),
                r#""tab\there \"q\" \\ \u007f \u0001""#,
            ),
            (json!("\u{1f600}"), r#""\ud83d\ude00""#),
            (json!(null), "null"),
            (json!([true, false, {}, []]), "[true, false, {}, []]"),
            (json!(-12), "-12"),
            (json!(18446744073709551615u64), "18446744073709551615"),
        ];
        for (value, python) in cases {
            assert_eq!(dumps(&value), python, "{value:?}");
        }
    }

    #[test]
    fn floats_print_as_python_repr() {
        let cases = [
            (1.0, "1.0"),
            (0.1, "0.1"),
            (1.5, "1.5"),
            (-0.0, "-0.0"),
            (1e-7, "1e-07"),
            (0.0001, "0.0001"),
            (0.00001, "1e-05"),
            (1e15, "1000000000000000.0"),
            (1e16, "1e+16"),
            (1.5e16, "1.5e+16"),
            (123456.789, "123456.789"),
            (-2.5e-10, "-2.5e-10"),
            (1.7976931348623157e308, "1.7976931348623157e+308"),
        ];
        for (f, python) in cases {
            assert_eq!(float_repr(f), python, "{f}");
        }
    }

    #[test]
    fn compact_is_serde_json_compact_output_of_a_sorted_value() {
        // What `data_changed` and the podspec layer hashed before this writer
        // existed: hashes stored by earlier hooks still compare equal.
        let mut inner = serde_json::Map::new();
        inner.insert("z".into(), json!(1));
        inner.insert("a".into(), json!([{"y": null, "b": "é\"\n\u{1}"}]));
        let mut outer = serde_json::Map::new();
        outer.insert("b".into(), Value::Object(inner));
        outer.insert("B".into(), json!(1.5));
        outer.insert("a".into(), json!(-3));
        outer.insert("n".into(), json!(1e300));
        let value = Value::Object(outer);
        // The exponent's spelling (`1e300` or `1e+300`) is the float
        // formatter's of the serde_json release in Cargo.lock: compared below.
        assert!(
            to_string(&value, Style::Compact).starts_with(
                r#"{"B":1.5,"a":-3,"b":{"a":[{"b":"é\"\n\u0001","y":null}],"z":1},"n":1e"#
            ),
            "{}",
            to_string(&value, Style::Compact)
        );
        let sorted: std::collections::BTreeMap<String, Value> =
            serde_json::from_value(value.clone()).unwrap();
        let nested_sorted = serde_json::to_string(&sorted).unwrap();
        assert_eq!(to_string(&value, Style::Compact), nested_sorted);
    }
}
