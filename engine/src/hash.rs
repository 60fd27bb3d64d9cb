//! Content hashes: `data_changed`, `when_file_changed` and the podspec layer's
//! spec hash, the JSON ones over one canonical text ([`crate::json`]).

use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::store::hex;

/// The lowercase hex SHA-256 of `bytes`.
pub fn hex_sha256(bytes: &[u8]) -> String {
    hex::encode(&Sha256::digest(bytes))
}

/// The hash (lowercase hex SHA-256) of a JSON value's canonical text: compact,
/// keys sorted ([`crate::json::Style::Compact`]).
pub fn json_hash(value: &Value) -> String {
    hex_sha256(crate::json::to_string(value, crate::json::Style::Compact).as_bytes())
}

/// The hash (lowercase hex SHA-256) of a serde value's canonical JSON.
pub fn value_hash<T: serde::Serialize + ?Sized>(value: &T) -> Result<String, serde_json::Error> {
    Ok(json_hash(&serde_json::to_value(value)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_are_sha256_of_the_sorted_compact_text() {
        assert_eq!(
            hex_sha256(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        let value = serde_json::json!({"url": "http://x/", "ports": [80, 443]});
        let text = r#"{"ports":[80,443],"url":"http://x/"}"#;
        assert_eq!(json_hash(&value), hex_sha256(text.as_bytes()));
        assert_eq!(value_hash(&value).unwrap(), json_hash(&value));
    }
}
