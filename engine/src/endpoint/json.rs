//! Relation values as charms.reactive decodes them: `received` reads a value
//! with `json.loads`, falling back to the raw string. (`to_publish` writes
//! Python's `json.dumps(value, sort_keys=True)`: [`crate::json::python_dumps`].)

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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

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
