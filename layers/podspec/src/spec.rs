//! [`Spec`]: a pod spec to set, with the content hash that decides whether it
//! changed.

use charm_reactive::hash;
use serde::Serialize;
use serde_json::{Map, Value};

use crate::PodSpecError;

/// A pod spec (and optional Kubernetes resources) to set, and its hash.
///
/// The hash is over the *content*: the spec parsed as YAML (JSON is YAML),
/// every map sorted by key, so that key order, quoting, comments and layout do
/// not count as a change, while any value does.
///
/// ```
/// use charm_reactive_podspec::Spec;
/// let a = Spec::from_yaml("containers:\n- name: web\n  ports: [{containerPort: 80}]\n")?;
/// let b = Spec::from_yaml("# same content\ncontainers: [{ports: [{containerPort: 80}], name: \"web\"}]")?;
/// assert_eq!(a.hash(), b.hash());
/// let c = Spec::from_value(&serde_json::json!({"containers": [{"name": "web", "ports": [{"containerPort": 81}]}]}))?;
/// assert_ne!(a.hash(), c.hash());
/// # Ok::<(), charm_reactive_podspec::PodSpecError>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Spec {
    text: String,
    k8s_resources: Option<String>,
    content: Value,
    resources: Value,
    inputs: Option<String>,
    hash: String,
}

impl Spec {
    /// A spec from YAML (or JSON) text, passed to the tool as written. For a
    /// spec with values from config or relations use [`Spec::from_value`]: a
    /// value spliced into YAML text (with `format!`) can add keys to the spec
    /// through a newline or a quote.
    pub fn from_yaml(text: &str) -> Result<Spec, PodSpecError> {
        let content = parse("pod spec", text)?;
        Ok(Spec::build(text.to_owned(), content))
    }

    /// A spec from any serializable value, passed to the tool as YAML.
    pub fn from_value<T: Serialize + ?Sized>(value: &T) -> Result<Spec, PodSpecError> {
        let (text, content) = render("pod spec", value)?;
        Ok(Spec::build(text, content))
    }

    fn build(text: String, content: Value) -> Spec {
        let mut spec = Spec {
            text,
            k8s_resources: None,
            content,
            resources: Value::Null,
            inputs: None,
            hash: String::new(),
        };
        spec.rehash();
        spec
    }

    /// Adds `--k8s-resources` YAML text (part of the hash).
    pub fn with_k8s_resources_yaml(mut self, text: &str) -> Result<Spec, PodSpecError> {
        self.resources = parse("k8s resources", text)?;
        self.k8s_resources = Some(text.to_owned());
        self.rehash();
        Ok(self)
    }

    /// Adds `--k8s-resources` from a serializable value (part of the hash).
    pub fn with_k8s_resources<T: Serialize + ?Sized>(
        mut self,
        value: &T,
    ) -> Result<Spec, PodSpecError> {
        let (text, content) = render("k8s resources", value)?;
        self.resources = content;
        self.k8s_resources = Some(text);
        self.rehash();
        Ok(self)
    }

    /// Records what the spec was rendered from (config, relation data, image
    /// details...): not part of the spec's hash, but it lets the layer tell a
    /// spec that changed because its inputs did from one that changes by itself
    /// (a timestamp, a random salt), which would replace the pods forever.
    pub fn with_inputs<T: Serialize + ?Sized>(mut self, inputs: &T) -> Result<Spec, PodSpecError> {
        let value = serde_json::to_value(inputs).map_err(|e| PodSpecError::Encode {
            what: "pod spec inputs",
            reason: e.to_string(),
        })?;
        self.inputs = Some(hash::json_hash(&value));
        Ok(self)
    }

    /// The content hash (lowercase hex SHA-256) of spec and resources.
    pub fn hash(&self) -> &str {
        &self.hash
    }

    /// The hash of the inputs, if given.
    pub fn inputs_hash(&self) -> Option<&str> {
        self.inputs.as_deref()
    }

    /// The text passed to the tool on stdin.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The `--k8s-resources` text, if any.
    pub fn k8s_resources(&self) -> Option<&str> {
        self.k8s_resources.as_deref()
    }

    fn rehash(&mut self) {
        let mut both = Map::new();
        both.insert("k8s_resources".into(), self.resources.clone());
        both.insert("spec".into(), self.content.clone());
        self.hash = hash::json_hash(&Value::Object(both));
    }
}

fn parse(what: &'static str, text: &str) -> Result<Value, PodSpecError> {
    if text.trim().is_empty() {
        return Err(PodSpecError::Empty { what });
    }
    serde_saphyr::from_str(text).map_err(|e| PodSpecError::Parse {
        what,
        reason: e.to_string(),
    })
}

fn render<T: Serialize + ?Sized>(
    what: &'static str,
    value: &T,
) -> Result<(String, Value), PodSpecError> {
    let encode = |reason: String| PodSpecError::Encode { what, reason };
    let content = serde_json::to_value(value).map_err(|e| encode(e.to_string()))?;
    if content.is_null() {
        return Err(PodSpecError::Empty { what });
    }
    let text = serde_saphyr::to_string(&content).map_err(|e| encode(e.to_string()))?;
    Ok((text, content))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn layout_and_key_order_do_not_change_the_hash() {
        let a = Spec::from_yaml("a: 1\nb: {c: [1, 2], d: x}\n").unwrap();
        let b = Spec::from_yaml("{\"b\": {\"d\": \"x\", \"c\": [1, 2]}, \"a\": 1}").unwrap();
        assert_eq!(a.hash(), b.hash());
        assert_eq!(a.hash().len(), 64);
        let c = Spec::from_yaml("a: 1\nb: {c: [2, 1], d: x}\n").unwrap();
        assert_ne!(a.hash(), c.hash(), "list order is content");
    }

    #[test]
    fn resources_count_and_inputs_do_not() {
        let a = Spec::from_value(&json!({"containers": []})).unwrap();
        let with = a
            .clone()
            .with_k8s_resources_yaml("kubernetesResources: {pod: {}}")
            .unwrap();
        assert_ne!(a.hash(), with.hash());
        let same = a
            .clone()
            .with_k8s_resources(&json!({"kubernetesResources": {"pod": {}}}))
            .unwrap();
        assert_eq!(with.hash(), same.hash());
        let inputs = a.clone().with_inputs(&json!({"base_url": "x"})).unwrap();
        assert_eq!(a.hash(), inputs.hash());
        assert_ne!(inputs.inputs_hash(), None);
    }

    #[test]
    fn values_are_sent_as_yaml_and_text_as_written() {
        let v = Spec::from_value(&json!({"containers": [{"name": "web"}]})).unwrap();
        let back: Value = serde_saphyr::from_str(v.text()).unwrap();
        assert_eq!(back, json!({"containers": [{"name": "web"}]}));
        let t = Spec::from_yaml("# mine\ncontainers: []\n").unwrap();
        assert_eq!(t.text(), "# mine\ncontainers: []\n");
    }

    #[test]
    fn empty_and_broken_specs_are_refused() {
        assert!(matches!(
            Spec::from_yaml("  \n"),
            Err(PodSpecError::Empty { .. })
        ));
        assert!(matches!(
            Spec::from_yaml("a: [1"),
            Err(PodSpecError::Parse { .. })
        ));
        assert!(matches!(
            Spec::from_value(&()),
            Err(PodSpecError::Empty { .. })
        ));
    }
}
