//! Lowercase hex: how binary keys and values are written where only text goes
//! (store exports, Juju's string-only stores, content hashes). The one
//! implementation in the workspace.

/// `bytes` as lowercase hex.
pub fn encode(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(DIGITS[usize::from(b >> 4)] as char);
        out.push(DIGITS[usize::from(b & 0xf)] as char);
    }
    out
}

/// The bytes of an even-length hex string (digits of either case), or `None`
/// if it is not one.
pub fn decode(text: &str) -> Option<Vec<u8>> {
    // Checked first: `u8::from_str_radix` alone would also take a sign ("+f").
    if !text.len().is_multiple_of(2) || !text.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_every_byte() {
        let bytes: Vec<u8> = (0..=255).collect();
        let text = encode(&bytes);
        assert_eq!(text.len(), 512);
        assert!(text.starts_with("000102") && text.ends_with("fdfeff"));
        assert_eq!(decode(&text), Some(bytes));
        assert_eq!(encode(&[0, 0xab, 0x10]), "00ab10");
    }

    #[test]
    fn refuses_what_is_not_hex() {
        assert_eq!(decode("0A"), Some(vec![10]));
        assert_eq!(decode(""), Some(vec![]));
        for bad in ["0", "zz", "é1", "+f", "-1", " 1", "0x"] {
            assert_eq!(decode(bad), None, "{bad:?}");
        }
    }
}
