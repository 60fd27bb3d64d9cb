//! Relation values as charms.reactive encodes and decodes them: `to_publish`
//! writes `json.dumps(value, sort_keys=True)`, and `received` reads a value with
//! `json.loads`, falling back to the raw string. Writing Python's exact text
//! (`", "` and `": "` separators, ASCII-only escapes, Python's float `repr`)
//! keeps a ported charm's relation data byte-identical to its Python
//! original's, so an upgrade from one to the other changes nothing remotely.

use serde_json::Value;

/// charms.reactive's `JSONUnitDataView.__getitem__`: an empty raw value is
/// returned as is, anything else is decoded as JSON, or kept as a string when
/// it is not JSON (`"true"` → `true`, `"1.50"` → `1.5`, `"foo"` → `"foo"`).
pub(crate) fn decode(raw: &str) -> Value {
    if raw.is_empty() {
        return Value::String(String::new());
    }
    serde_json::from_str(raw).unwrap_or_else(|_| Value::String(raw.to_owned()))
}

/// Python's `json.dumps(value, sort_keys=True)`.
pub(crate) fn dumps(value: &Value) -> String {
    let mut out = String::new();
    write_value(&mut out, value);
    out
}

fn write_value(out: &mut String, value: &Value) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => match n.as_f64().filter(|_| n.is_f64()) {
            Some(f) => out.push_str(&float_repr(f)),
            None => out.push_str(&n.to_string()),
        },
        Value::String(s) => write_string(out, s),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_value(out, item);
            }
            out.push(']');
        }
        Value::Object(map) => {
            // Sorted here rather than trusting the map type: serde_json's
            // `preserve_order` feature, if any crate enables it, keeps insertion order.
            let mut entries: Vec<(&String, &Value)> = map.iter().collect();
            entries.sort_by(|a, b| a.0.cmp(b.0));
            out.push('{');
            for (i, (k, v)) in entries.into_iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_string(out, k);
                out.push_str(": ");
                write_value(out, v);
            }
            out.push('}');
        }
    }
}

/// A JSON string with `ensure_ascii`: printable ASCII as is, the usual short
/// escapes, everything else as lowercase `\uXXXX` (UTF-16, so surrogate pairs
/// above U+FFFF).
fn write_string(out: &mut String, s: &str) {
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
    fn decode_follows_json_unit_data_view() {
        assert_eq!(decode("true"), json!(true));
        assert_eq!(decode("1.50"), json!(1.5));
        assert_eq!(decode("null"), json!(null));
        assert_eq!(decode("foo"), json!("foo"));
        assert_eq!(decode("\"foo\""), json!("foo"));
        assert_eq!(decode(""), json!(""));
        assert_eq!(decode("{\"a\": [1]}"), json!({"a": [1]}));
    }
}
