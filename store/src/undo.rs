//! The undo record: the values a commit's keys had before it, kept in the
//! commit's own batch, so that a commit that reached the database but was
//! reported failed can be taken back at the next open.
//!
//! A commit is confirmed when its generation file is installed, which happens
//! only after the database is durable. A commit can fail after sled wrote its
//! batch: a sync that reports ENOSPC or EIO once the data is in the page cache,
//! or a generation file that cannot be renamed into place. The hook then exits
//! non-zero and Juju drops what it asked of Juju (pod spec, relation data); if
//! the unit store kept the commit, the retry would see its flags and not ask
//! again. So at open, a database exactly one generation ahead of its
//! generation file, holding the undo record of that step, is rolled back to the
//! file's generation. A process killed between the database's flush and the
//! file's rename is rolled back the same way: Juju saw that hook fail too.
//!
//! Encoding: a version byte (1), the generation the commit started from (u64
//! big-endian), the number of entries (u32 big-endian), then per entry the key
//! (u32 length, bytes) and the old value (0 for none, or 1, u32 length, bytes).

/// An undo record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Undo {
    /// The generation the commit started from (its generation file's).
    pub(crate) base: u64,
    /// Each key the commit wrote, with its value before the commit.
    entries: Vec<(Vec<u8>, Option<Vec<u8>>)>,
}

const VERSION: u8 = 1;

impl Undo {
    /// Reads the current values of `keys` in `db`: the undo record of a
    /// commit from generation `base` writing them.
    pub(crate) fn capture(
        db: &sled::Db,
        base: u64,
        keys: impl IntoIterator<Item = Vec<u8>>,
    ) -> sled::Result<Undo> {
        let mut entries = Vec::new();
        for key in keys {
            let old = db.get(&key)?.map(|v| v.to_vec());
            entries.push((key, old));
        }
        Ok(Undo { base, entries })
    }

    pub(crate) fn encode(&self) -> Vec<u8> {
        let mut out = vec![VERSION];
        out.extend_from_slice(&self.base.to_be_bytes());
        out.extend_from_slice(&(self.entries.len() as u32).to_be_bytes());
        for (key, old) in &self.entries {
            out.extend_from_slice(&(key.len() as u32).to_be_bytes());
            out.extend_from_slice(key);
            match old {
                None => out.push(0),
                Some(v) => {
                    out.push(1);
                    out.extend_from_slice(&(v.len() as u32).to_be_bytes());
                    out.extend_from_slice(v);
                }
            }
        }
        out
    }

    /// The record in `bytes`; `None` if it is not one this build wrote.
    pub(crate) fn decode(bytes: &[u8]) -> Option<Undo> {
        let mut r = Reader(bytes);
        if r.take(1)? != [VERSION] {
            return None;
        }
        let base = u64::from_be_bytes(r.take(8)?.try_into().ok()?);
        let count = r.u32()?;
        let mut entries = Vec::new();
        for _ in 0..count {
            let len = r.u32()?;
            let key = r.take(len)?.to_vec();
            let old = match r.take(1)? {
                [0] => None,
                [1] => {
                    let len = r.u32()?;
                    Some(r.take(len)?.to_vec())
                }
                _ => return None,
            };
            entries.push((key, old));
        }
        r.0.is_empty().then_some(Undo { base, entries })
    }

    /// The batch that restores every old value and removes the record.
    pub(crate) fn rollback(&self, undo_key: &[u8]) -> sled::Batch {
        let mut batch = sled::Batch::default();
        for (key, old) in &self.entries {
            match old {
                Some(v) => batch.insert(key.as_slice(), v.as_slice()),
                None => batch.remove(key.as_slice()),
            }
        }
        batch.remove(undo_key);
        batch
    }
}

struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        if self.0.len() < n {
            return None;
        }
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        Some(head)
    }

    fn u32(&mut self) -> Option<usize> {
        Some(u32::from_be_bytes(self.take(4)?.try_into().ok()?) as usize)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_refuses_anything_else() {
        let u = Undo {
            base: 41,
            entries: vec![
                (b"flag/a".to_vec(), None),
                (b"kv/b".to_vec(), Some(vec![1, 2, 3])),
                (b"\0x".to_vec(), Some(vec![])),
            ],
        };
        let bytes = u.encode();
        assert_eq!(Undo::decode(&bytes), Some(u));
        for cut in 0..bytes.len() {
            assert_eq!(Undo::decode(&bytes[..cut]), None, "cut at {cut}");
        }
        let mut longer = bytes.clone();
        longer.push(0);
        assert_eq!(Undo::decode(&longer), None);
        let mut newer = bytes;
        newer[0] = 2;
        assert_eq!(Undo::decode(&newer), None);
    }
}
