//! juju/cmd output formats: `smart` (the default), `yaml`, `json`.

use serde_json::Value;

use super::ToolError;

/// An output format.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// Strings raw, booleans `True`/`False`, string lists one per line, the rest as YAML.
    Smart,
    /// YAML.
    Yaml,
    /// JSON.
    Json,
}

impl Format {
    /// Parses a `--format` value (`None`: the tool's default).
    pub fn parse(v: Option<&str>, default: Format) -> Result<Format, ToolError> {
        match v {
            None => Ok(default),
            Some("smart") => Ok(Format::Smart),
            Some("yaml") => Ok(Format::Yaml),
            Some("json") => Ok(Format::Json),
            Some(other) => Err(ToolError::Usage(format!(
                "invalid value {other:?} for option --format: unknown format {other:?}"
            ))),
        }
    }
}

/// Renders `v` as juju/cmd would print it.
pub fn render(format: Format, v: &Value) -> String {
    match format {
        Format::Json => format!("{v}\n"),
        Format::Yaml => yaml(v),
        Format::Smart => match v {
            Value::Null => String::new(),
            Value::String(s) if s.is_empty() => String::new(),
            Value::String(s) => format!("{s}\n"),
            Value::Bool(true) => "True\n".into(),
            Value::Bool(false) => "False\n".into(),
            Value::Array(items) if items.iter().all(Value::is_string) => items
                .iter()
                .map(|i| format!("{}\n", i.as_str().unwrap_or_default()))
                .collect(),
            other => yaml(other),
        },
    }
}

fn yaml(v: &Value) -> String {
    if v.is_null() {
        return String::new();
    }
    let mut s = serde_saphyr::to_string(v).unwrap_or_else(|_| format!("{v}\n"));
    if !s.ends_with('\n') {
        s.push('\n');
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn smart_rules() {
        assert_eq!(render(Format::Smart, &json!("x")), "x\n");
        assert_eq!(render(Format::Smart, &json!("")), "");
        assert_eq!(render(Format::Smart, &Value::Null), "");
        assert_eq!(render(Format::Smart, &json!(true)), "True\n");
        assert_eq!(render(Format::Smart, &json!(["a:1", "a:2"])), "a:1\na:2\n");
        assert_eq!(render(Format::Smart, &json!({"k": "v"})), "k: v\n");
        assert_eq!(render(Format::Json, &Value::Null), "null\n");
        assert_eq!(render(Format::Json, &json!(false)), "false\n");
    }

    #[test]
    fn bad_format_is_usage() {
        assert!(matches!(
            Format::parse(Some("xml"), Format::Smart),
            Err(ToolError::Usage(_))
        ));
    }
}
