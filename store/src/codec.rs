//! The on-disk encoding of values: one format-version byte, then postcard.
//!
//! postcard has a documented, stable wire format; the version byte lets a later
//! release change the encoding and still read (or clearly refuse) old data.

use serde::{de::DeserializeOwned, Serialize};

/// The format version this build writes and the newest it reads.
pub const FORMAT_VERSION: u8 = 1;

/// Why a value does not decode.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DecodeError {
    /// The value is empty: not even a version byte.
    Empty,
    /// The version byte is newer than [`FORMAT_VERSION`] (or zero, never written).
    UnknownVersion(u8),
    /// postcard rejected the bytes for the requested type.
    Postcard(String),
}

impl std::fmt::Display for DecodeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DecodeError::Empty => f.write_str("empty value (no format byte)"),
            DecodeError::UnknownVersion(v) => write!(
                f,
                "format version {v} is not readable by this build (reads 1..={FORMAT_VERSION})"
            ),
            DecodeError::Postcard(e) => write!(f, "postcard: {e}"),
        }
    }
}

/// Encodes `value` as `[FORMAT_VERSION] ++ postcard(value)`.
///
/// ```
/// let bytes = charm_reactive_store::codec::encode(&42u32).unwrap();
/// assert_eq!(bytes[0], charm_reactive_store::FORMAT_VERSION);
/// assert_eq!(charm_reactive_store::codec::decode::<u32>(&bytes).unwrap(), 42);
/// ```
pub fn encode<T: Serialize + ?Sized>(value: &T) -> Result<Vec<u8>, String> {
    let mut out = vec![FORMAT_VERSION];
    postcard::to_io(value, &mut out).map_err(|e| e.to_string())?;
    Ok(out)
}

/// Checks the format byte of an encoded value without decoding the rest:
/// what a value of unknown type can be checked for.
pub fn version_of(bytes: &[u8]) -> Result<u8, DecodeError> {
    match bytes.first() {
        None => Err(DecodeError::Empty),
        Some(&v) if v == 0 || v > FORMAT_VERSION => Err(DecodeError::UnknownVersion(v)),
        Some(&v) => Ok(v),
    }
}

/// Decodes bytes written by [`encode`]. Trailing bytes are an error: a value that
/// decodes as a prefix of itself is a type mismatch, not a success.
pub fn decode<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, DecodeError> {
    version_of(bytes)?;
    let body = &bytes[1..];
    let (value, rest) =
        postcard::take_from_bytes::<T>(body).map_err(|e| DecodeError::Postcard(e.to_string()))?;
    if !rest.is_empty() {
        return Err(DecodeError::Postcard(format!(
            "{} trailing bytes after the value",
            rest.len()
        )));
    }
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_structured_values() {
        let v = (String::from("base-url"), vec![1u8, 2, 3], Some(-5i64));
        assert_eq!(
            decode::<(String, Vec<u8>, Option<i64>)>(&encode(&v).unwrap()).unwrap(),
            v
        );
    }

    #[test]
    fn refuses_newer_and_garbage() {
        assert_eq!(decode::<u8>(&[]), Err(DecodeError::Empty));
        assert_eq!(decode::<u8>(&[9, 1]), Err(DecodeError::UnknownVersion(9)));
        assert!(matches!(
            decode::<String>(&[1, 200]),
            Err(DecodeError::Postcard(_))
        ));
        assert!(matches!(
            decode::<u8>(&[1, 1, 2]),
            Err(DecodeError::Postcard(_))
        ));
    }
}
