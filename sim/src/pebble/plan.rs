//! Pebble's layers and plan: layers stack in order, and each section entry
//! (service, check, log target) of a later layer is combined with the same
//! entry below it as its `override` says: `replace` takes the new entry
//! whole, `merge` merges it field by field (maps merge, lists append, scalars
//! replace). The plan is the combination of all layers.

use serde_json::{Map, Value};

/// The sections whose entries carry `override`.
const SECTIONS: [(&str, &str); 3] = [
    ("services", "service"),
    ("checks", "check"),
    ("log-targets", "log target"),
];

/// One layer as added: its label and its parsed YAML (a mapping).
#[derive(Debug, Clone)]
pub struct Layer {
    /// The label.
    pub label: String,
    /// The parsed content.
    pub content: Map<String, Value>,
}

/// Parses a layer's YAML and checks each entry's `override`.
pub fn parse_layer(label: &str, yaml: &str) -> Result<Layer, String> {
    let v: Value = if yaml.trim().is_empty() {
        Value::Object(Map::new())
    } else {
        serde_saphyr::from_str(yaml).map_err(|e| format!("cannot parse layer YAML: {e}"))?
    };
    let content = match v {
        Value::Object(m) => m,
        Value::Null => Map::new(),
        other => return Err(format!("cannot parse layer YAML: not a mapping: {other}")),
    };
    for (section, what) in SECTIONS {
        let Some(entries) = content.get(section) else {
            continue;
        };
        let Some(entries) = entries.as_object() else {
            return Err(format!(
                "cannot parse layer YAML: {section} is not a mapping"
            ));
        };
        for (name, entry) in entries {
            match entry.get("override").and_then(Value::as_str) {
                Some("merge") | Some("replace") => {}
                None | Some("") => {
                    return Err(format!(
                        "layer {label:?} must define \"override\" for {what} {name:?}"
                    ))
                }
                Some(_) => {
                    return Err(format!(
                        "layer {label:?} has invalid \"override\" value for {what} {name:?}"
                    ))
                }
            }
        }
    }
    Ok(Layer {
        label: label.to_string(),
        content,
    })
}

/// Combines `upper` onto `lower` (both layers' or plans' contents).
pub fn combine(lower: &mut Map<String, Value>, upper: &Map<String, Value>) {
    for (key, value) in upper {
        let is_section = SECTIONS.iter().any(|(s, _)| s == key);
        if !is_section {
            lower.insert(key.clone(), value.clone());
            continue;
        }
        let target = lower
            .entry(key.clone())
            .or_insert_with(|| Value::Object(Map::new()));
        let (Some(target), Some(entries)) = (target.as_object_mut(), value.as_object()) else {
            continue;
        };
        for (name, entry) in entries {
            let replace = entry.get("override").and_then(Value::as_str) == Some("replace");
            match target.get_mut(name) {
                Some(old) if !replace => merge(old, entry),
                _ => {
                    target.insert(name.clone(), entry.clone());
                }
            }
        }
    }
}

fn merge(old: &mut Value, new: &Value) {
    match (old, new) {
        (Value::Object(o), Value::Object(n)) => {
            for (k, v) in n {
                match o.get_mut(k) {
                    Some(slot) => merge(slot, v),
                    None => {
                        o.insert(k.clone(), v.clone());
                    }
                }
            }
        }
        (Value::Array(o), Value::Array(n)) => o.extend(n.iter().cloned()),
        (slot, v) => *slot = v.clone(),
    }
}

/// The plan from the layers, validated (every service needs a command).
pub fn plan(layers: &[Layer]) -> Result<Map<String, Value>, String> {
    let mut plan = Map::new();
    for layer in layers {
        combine(&mut plan, &layer.content);
    }
    plan.retain(|k, v| {
        SECTIONS.iter().any(|(s, _)| s == k) && v.as_object().is_some_and(|m| !m.is_empty())
    });
    if let Some(services) = plan.get("services").and_then(Value::as_object) {
        for (name, svc) in services {
            let command = svc.get("command").and_then(Value::as_str).unwrap_or("");
            if command.trim().is_empty() {
                return Err(format!("plan must define \"command\" for service {name:?}"));
            }
        }
    }
    Ok(plan)
}

/// The plan as Pebble's `GET /v1/plan?format=yaml` renders it.
pub fn render(plan: &Map<String, Value>) -> String {
    if plan.is_empty() {
        return "{}\n".to_string();
    }
    serde_saphyr::to_string(plan).unwrap_or_else(|e| format!("# cannot render plan: {e}\n"))
}

/// A section's entries (`services`, `checks`) of a plan.
pub fn entries<'a>(plan: &'a Map<String, Value>, section: &str) -> Vec<(&'a String, &'a Value)> {
    plan.get(section)
        .and_then(Value::as_object)
        .map(|m| m.iter().collect())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merge_and_replace_follow_override() {
        let base = parse_layer(
            "base",
            "services:\n  web:\n    override: replace\n    command: web --a\n    environment: {A: '1'}\n    after: [db]\n",
        )
        .unwrap();
        let merged = parse_layer(
            "m",
            "services:\n  web:\n    override: merge\n    environment: {B: '2'}\n    after: [cache]\n",
        )
        .unwrap();
        let p = plan(&[base.clone(), merged]).unwrap();
        let web = &p["services"]["web"];
        assert_eq!(web["command"], "web --a");
        assert_eq!(web["environment"]["A"], "1");
        assert_eq!(web["environment"]["B"], "2");
        assert_eq!(web["after"], serde_json::json!(["db", "cache"]));
        let replaced = parse_layer(
            "r",
            "services:\n  web:\n    override: replace\n    command: other\n",
        )
        .unwrap();
        let p = plan(&[base, replaced]).unwrap();
        assert!(p["services"]["web"].get("environment").is_none());
    }

    #[test]
    fn bad_layers_are_refused_with_pebbles_messages() {
        let e = parse_layer("l", "services:\n  web:\n    command: x\n").unwrap_err();
        assert_eq!(
            e,
            "layer \"l\" must define \"override\" for service \"web\""
        );
        let l = parse_layer("l", "services:\n  web:\n    override: merge\n").unwrap();
        assert_eq!(
            plan(&[l]).unwrap_err(),
            "plan must define \"command\" for service \"web\""
        );
    }
}
