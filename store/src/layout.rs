//! The key layout of a unit store: which namespaces exist and what their values
//! must look like. The engine chooses the keys; this module names the layout so
//! that verification, export and import can check and sort them.
//!
//! | namespace     | value                                                     |
//! |---------------|-----------------------------------------------------------|
//! | `flag/<name>` | empty (a plain flag) or a [`codec`](crate::codec) value    |
//! | `kv/<key>`    | a [`codec`](crate::codec) value                            |
//! | `internal/..` | a [`codec`](crate::codec) value (engine bookkeeping)       |
//! | `\0...`       | reserved for the store itself (format marker, generation, undo record) |

/// Prefix of unit flags.
pub const FLAG_PREFIX: &str = "flag/";
/// Prefix of the unit's key/values.
pub const KV_PREFIX: &str = "kv/";
/// Prefix of the engine's bookkeeping.
pub const INTERNAL_PREFIX: &str = "internal/";

/// The key of the format marker: one byte, the format version the store was created with.
pub(crate) const FORMAT_KEY: &[u8] = b"\0charm-reactive.format";
/// The key of the commit generation: a big-endian u64, bumped by every commit.
pub(crate) const GENERATION_KEY: &[u8] = b"\0charm-reactive.generation";
/// The key of the last commit's undo record (see `undo`).
pub(crate) const UNDO_KEY: &[u8] = b"\0charm-reactive.undo";

/// A namespace of the layout.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Namespace {
    /// `flag/`.
    Flag,
    /// `kv/`.
    Kv,
    /// `internal/`.
    Internal,
    /// Keys starting with NUL, written by the store itself.
    Reserved,
}

impl Namespace {
    /// The namespace of `key` and the rest of the key after its prefix, or `None`
    /// for a key outside the layout.
    pub fn of(key: &[u8]) -> Option<(Namespace, &[u8])> {
        if key.first() == Some(&0) {
            return Some((Namespace::Reserved, &key[1..]));
        }
        [
            (Namespace::Flag, FLAG_PREFIX),
            (Namespace::Kv, KV_PREFIX),
            (Namespace::Internal, INTERNAL_PREFIX),
        ]
        .into_iter()
        .find_map(|(ns, prefix)| key.strip_prefix(prefix.as_bytes()).map(|rest| (ns, rest)))
    }

    /// The key prefix of a namespace (empty for [`Namespace::Reserved`], whose keys start with NUL).
    pub fn prefix(self) -> &'static str {
        match self {
            Namespace::Flag => FLAG_PREFIX,
            Namespace::Kv => KV_PREFIX,
            Namespace::Internal => INTERNAL_PREFIX,
            Namespace::Reserved => "\0",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sorts_keys_into_namespaces() {
        assert_eq!(
            Namespace::of(b"flag/a.b"),
            Some((Namespace::Flag, &b"a.b"[..]))
        );
        assert_eq!(Namespace::of(b"kv/"), Some((Namespace::Kv, &b""[..])));
        assert_eq!(
            Namespace::of(b"internal/phase"),
            Some((Namespace::Internal, &b"phase"[..]))
        );
        assert_eq!(
            Namespace::of(FORMAT_KEY).map(|(ns, _)| ns),
            Some(Namespace::Reserved)
        );
        assert_eq!(Namespace::of(b"flags/a"), None);
        assert_eq!(Namespace::of(b""), None);
    }
}
