//! Content hashes for `data_changed` and `when_file_changed`.

use sha2::{Digest, Sha256};

/// The lowercase hex SHA-256 of `bytes`.
pub(crate) fn hex_sha256(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The hash of a serde value's canonical JSON: maps sorted by key, as
/// charms.reactive's `json.dumps(sort_keys=True)`.
pub(crate) fn value_hash<T: serde::Serialize + ?Sized>(
    value: &T,
) -> Result<String, serde_json::Error> {
    // Going through `Value` sorts every map (serde_json's default `Map` is a BTreeMap).
    let canonical = serde_json::to_vec(&serde_json::to_value(value)?)?;
    Ok(hex_sha256(&canonical))
}
