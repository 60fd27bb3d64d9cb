//! sled's `conf` file: the storage parameters sled records when it creates a
//! database and refuses to open it with different ones.
//!
//! Only the segment size matters here: a store keeps the segment size it was
//! created with, whatever [`OpenOptions::segment_size`](crate::OpenOptions)
//! says now, so that changing the default never makes an existing store
//! unopenable ("cannot change the io buffer size across restarts").

use std::path::Path;

/// The segment size recorded in the `conf` file of the sled database at
/// `path`, if there is a readable one.
///
/// The file (sled 0.34, `config.rs`) is lines of `key: value` followed by a
/// 4-byte CRC, e.g. `segment_size: 524288\nuse_compression: false\nversion: 0.34\n`.
/// Anything else reads as `None`, and sled, which checks the CRC, decides.
pub(crate) fn recorded_segment_size(path: &Path) -> Option<usize> {
    let bytes = std::fs::read(path.join("conf")).ok()?;
    let text = bytes.get(..bytes.len().checked_sub(4)?)?;
    std::str::from_utf8(text)
        .ok()?
        .lines()
        .find_map(|line| line.strip_prefix("segment_size: "))?
        .trim()
        .parse()
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_segment_size_of_a_sled_database() {
        let dir = tempfile::tempdir().unwrap();
        let db = sled::Config::new()
            .path(dir.path())
            .segment_size(1 << 16)
            .open()
            .unwrap();
        drop(db);
        assert_eq!(recorded_segment_size(dir.path()), Some(1 << 16));
    }

    #[test]
    fn a_store_keeps_the_segment_size_it_was_created_with() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s");
        let small = crate::OpenOptions {
            segment_size: 1 << 16,
            ..crate::OpenOptions::default()
        };
        {
            let store = crate::Store::open_with(&path, &small).unwrap();
            let mut tx = store.transaction();
            tx.set("kv/k", &7u8).unwrap();
            tx.commit().unwrap();
        }
        assert_eq!(recorded_segment_size(&path), Some(1 << 16));
        // Opened with the default (512 KiB), it keeps its own.
        let store = crate::Store::open(&path).unwrap();
        assert_eq!(store.transaction().get::<u8>("kv/k").unwrap(), Some(7));
        assert_eq!(recorded_segment_size(&path), Some(1 << 16));
    }

    #[test]
    fn no_or_damaged_conf_reads_as_none() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(recorded_segment_size(dir.path()), None);
        std::fs::write(dir.path().join("conf"), b"abc").unwrap();
        assert_eq!(recorded_segment_size(dir.path()), None);
        std::fs::write(dir.path().join("conf"), b"segment_size: x\n\0\0\0\0").unwrap();
        assert_eq!(recorded_segment_size(dir.path()), None);
    }
}
