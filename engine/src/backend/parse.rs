//! Parsing the tools' `--format=json` output into typed values.
//!
//! Go prints a nil map or slice as `null`; every collection here accepts it as
//! empty (Juju 4's `state-get` does this with nothing stored).

use std::collections::BTreeMap;

use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::{Map, Value};

use super::error::BackendError;
use super::types::{PortRange, RelationId, Status, StatusState, StatusTarget};

/// The tool's stdout as text.
pub(crate) fn text(tool: &str, stdout: Vec<u8>) -> Result<String, BackendError> {
    String::from_utf8(stdout).map_err(|_| BackendError::NonUtf8 { tool: tool.into() })
}

/// Any JSON document.
pub(crate) fn json<T: DeserializeOwned>(tool: &str, out: &str) -> Result<T, BackendError> {
    if out.trim().is_empty() {
        return Err(malformed(
            tool,
            "empty output where JSON was expected".into(),
        ));
    }
    serde_json::from_str(out)
        .map_err(|e| malformed(tool, format!("{e}; output was {}", excerpt(out))))
}

/// A JSON collection that may be `null`.
fn nullable<T: DeserializeOwned + Default>(tool: &str, out: &str) -> Result<T, BackendError> {
    Ok(json::<Option<T>>(tool, out)?.unwrap_or_default())
}

/// A map of strings (leader settings, relation data, unit state).
pub(crate) fn string_map(tool: &str, out: &str) -> Result<BTreeMap<String, String>, BackendError> {
    nullable(tool, out)
}

/// A JSON object of any values (config, action parameters).
pub(crate) fn object(tool: &str, out: &str) -> Result<Map<String, Value>, BackendError> {
    nullable(tool, out)
}

/// A list of strings (units).
pub(crate) fn string_list(tool: &str, out: &str) -> Result<Vec<String>, BackendError> {
    nullable(tool, out)
}

/// `relation-ids`: `["db:3", ...]`.
pub(crate) fn relation_ids(tool: &str, out: &str) -> Result<Vec<RelationId>, BackendError> {
    string_list(tool, out)?
        .into_iter()
        .map(|s| s.parse().map_err(|e| malformed(tool, format!("{e}"))))
        .collect()
}

/// `opened-ports`: `["80/tcp", "8000-8999/udp", "icmp"]`.
pub(crate) fn ports(tool: &str, out: &str) -> Result<Vec<PortRange>, BackendError> {
    string_list(tool, out)?
        .into_iter()
        .map(|s| s.parse().map_err(|e: String| malformed(tool, e)))
        .collect()
}

#[derive(Deserialize)]
struct RawStatus {
    status: String,
    #[serde(default)]
    message: String,
}

#[derive(Deserialize)]
struct RawAppStatus {
    #[serde(rename = "application-status")]
    application_status: RawStatus,
}

/// `status-get --include-data --format=json`: `{"status", "message", ...}` for
/// the unit, `{"application-status": {...}}` with `--application`.
pub(crate) fn status(tool: &str, target: StatusTarget, out: &str) -> Result<Status, BackendError> {
    let raw = match target {
        StatusTarget::Unit => json::<RawStatus>(tool, out)?,
        StatusTarget::Application => json::<RawAppStatus>(tool, out)?.application_status,
    };
    let state: StatusState = raw.status.parse().map_err(|e| malformed(tool, e))?;
    Ok(Status::new(state, raw.message))
}

fn malformed(tool: &str, reason: String) -> BackendError {
    BackendError::Malformed {
        tool: tool.into(),
        reason,
    }
}

/// The start of some output, for error messages.
fn excerpt(out: &str) -> String {
    const MAX: usize = 200;
    let mut end = out.len().min(MAX);
    while !out.is_char_boundary(end) {
        end -= 1;
    }
    let more = if end < out.len() { "..." } else { "" };
    format!("{:?}{more}", &out[..end])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nulls_are_empty() {
        assert!(string_map("state-get", "null\n").unwrap().is_empty());
        assert!(string_list("relation-list", "null").unwrap().is_empty());
        assert!(object("config-get", "null").unwrap().is_empty());
    }

    #[test]
    fn wrong_shapes_are_malformed() {
        let e = string_map("leader-get", "{\"a\": 1}").unwrap_err();
        assert!(matches!(e, BackendError::Malformed { ref tool, .. } if tool == "leader-get"));
        let e = relation_ids("relation-ids", "[\"db\"]").unwrap_err();
        assert!(matches!(e, BackendError::Malformed { .. }));
        let e = json::<bool>("is-leader", "").unwrap_err();
        assert!(e.to_string().contains("empty output"), "{e}");
        let e = json::<bool>("is-leader", "True\n").unwrap_err();
        assert!(e.to_string().contains("\"True\\n\""), "{e}");
        let e = status("status-get", StatusTarget::Unit, "{\"status\":\"busy\"}").unwrap_err();
        assert!(matches!(e, BackendError::Malformed { .. }));
    }

    #[test]
    fn statuses() {
        let s = status(
            "status-get",
            StatusTarget::Unit,
            r#"{"message":"ready","status":"active","status-data":{}}"#,
        )
        .unwrap();
        assert_eq!(s, Status::new(StatusState::Active, "ready"));
        let s = status(
            "status-get",
            StatusTarget::Application,
            r#"{"application-status":{"message":"","status":"waiting","status-data":{},"units":{}}}"#,
        )
        .unwrap();
        assert_eq!(s, Status::new(StatusState::Waiting, ""));
    }

    #[test]
    fn non_utf8() {
        assert!(matches!(
            text("t", vec![0xff, 0xfe]),
            Err(BackendError::NonUtf8 { .. })
        ));
        assert_eq!(text("t", b"ok".to_vec()).unwrap(), "ok");
    }
}

/// Property tests: whatever a hook tool prints, the parsers answer with a
/// value or a typed error naming the tool, never a panic; and what Juju prints
/// for real values parses back to them. Bounded and seeded, so CI runs them:
/// `CHARM_REACTIVE_FUZZ_CASES` raises the count.
#[cfg(test)]
mod fuzz {
    use std::collections::BTreeMap;

    use proptest::prelude::*;
    use proptest::test_runner::TestRunner;

    use super::*;

    fn runner() -> TestRunner {
        charm_reactive_testing::fuzz::runner(2000, 7)
    }

    fn typed(e: &BackendError) -> bool {
        matches!(e, BackendError::Malformed { tool, .. } | BackendError::NonUtf8 { tool } if tool == "t")
    }

    /// Bytes that are often almost JSON: JSON punctuation and fragments mixed
    /// with arbitrary bytes.
    fn output() -> impl Strategy<Value = Vec<u8>> {
        prop_oneof![
            proptest::collection::vec(any::<u8>(), 0..64),
            proptest::collection::vec(
                prop_oneof![
                    Just(b"{".to_vec()),
                    Just(b"}".to_vec()),
                    Just(b"[".to_vec()),
                    Just(b"]".to_vec()),
                    Just(b"\"".to_vec()),
                    Just(b":".to_vec()),
                    Just(b",".to_vec()),
                    Just(b"null".to_vec()),
                    Just(b"\"db:3\"".to_vec()),
                    Just(b"\"80/tcp\"".to_vec()),
                    Just(b"\"status\"".to_vec()),
                    Just(b"\"active\"".to_vec()),
                    Just("é\u{1F600}".as_bytes().to_vec()),
                    Just(vec![0xff]),
                    Just(b"1e999".to_vec()),
                    Just(b"-".to_vec()),
                ],
                0..24,
            )
            .prop_map(|parts| parts.concat()),
        ]
    }

    #[test]
    fn arbitrary_output_never_panics() {
        runner()
            .run(&output(), |bytes| {
                match text("t", bytes) {
                    Err(e) => prop_assert!(typed(&e), "{e:?}"),
                    Ok(out) => {
                        let results = [
                            string_map("t", &out).err(),
                            object("t", &out).err(),
                            string_list("t", &out).err(),
                            relation_ids("t", &out).err(),
                            ports("t", &out).err(),
                            status("t", StatusTarget::Unit, &out).err(),
                            status("t", StatusTarget::Application, &out).err(),
                        ];
                        for e in results.iter().flatten() {
                            prop_assert!(typed(e), "{e:?}");
                        }
                    }
                }
                Ok(())
            })
            .unwrap();
    }

    #[test]
    fn real_outputs_parse_back() {
        let maps = proptest::collection::btree_map(".{0,12}", ".{0,40}", 0..8);
        runner()
            .run(&maps, |map: BTreeMap<String, String>| {
                let printed = serde_json::to_string(&map).unwrap();
                prop_assert_eq!(string_map("t", &printed).unwrap(), map);
                Ok(())
            })
            .unwrap();
        let ids = proptest::collection::vec(("[a-z][a-z0-9-]{0,10}", 0u32..10_000), 0..6);
        runner()
            .run(&ids, |ids: Vec<(String, u32)>| {
                let printed = serde_json::to_string(
                    &ids.iter()
                        .map(|(e, n)| format!("{e}:{n}"))
                        .collect::<Vec<_>>(),
                )
                .unwrap();
                let parsed = relation_ids("t", &printed).unwrap();
                prop_assert_eq!(
                    parsed.iter().map(ToString::to_string).collect::<Vec<_>>(),
                    ids.iter()
                        .map(|(e, n)| format!("{e}:{n}"))
                        .collect::<Vec<_>>()
                );
                Ok(())
            })
            .unwrap();
    }
}
