//! Writing a `.charm` (a zip) whose bytes depend only on its contents: entries
//! sorted by path, one fixed timestamp, Unix modes stored, symlinks as symlinks.

use std::collections::BTreeMap;
use std::io::{Seek, Write};

use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, DateTime, ZipWriter};

/// One member of the archive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Entry {
    /// A regular file with its permission bits (`0o755` for `dispatch`).
    File {
        /// Content.
        bytes: Vec<u8>,
        /// Permission bits.
        mode: u32,
    },
    /// A symbolic link (relative, inside the archive: Juju refuses others).
    Symlink(String),
}

/// The archive's members by path (`hooks/install`); a `BTreeMap` so the
/// order, and so the bytes, do not depend on how they were gathered.
pub type Entries = BTreeMap<String, Entry>;

/// Seconds since the Unix epoch to a zip timestamp. Zip cannot say anything
/// before 1980-01-01 (nor after 2107), so times outside are clamped to it.
pub fn zip_time(epoch_seconds: i64) -> DateTime {
    let (year, month, day, secs) = civil_from_epoch(epoch_seconds);
    let (h, m, s) = (secs / 3600, secs / 60 % 60, secs % 60);
    if year < 1980 {
        return DateTime::default();
    }
    let clamp = |v: i64| u8::try_from(v).unwrap_or(0);
    DateTime::from_date_and_time(
        u16::try_from(year.min(2107)).unwrap_or(2107),
        clamp(month),
        clamp(day),
        clamp(h),
        clamp(m),
        clamp(s),
    )
    .unwrap_or_default()
}

/// `(year, month, day, seconds of the day)` in UTC (Howard Hinnant's
/// `civil_from_days`), shared with the manifest's timestamp.
pub fn civil_from_epoch(epoch_seconds: i64) -> (i64, i64, i64, i64) {
    let days = epoch_seconds.div_euclid(86_400);
    let secs = epoch_seconds.rem_euclid(86_400);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day, secs)
}

/// Writes `entries` as a zip to `out`, every entry stamped `time`; files are
/// deflated, symlinks stored.
pub fn write<W: Write + Seek>(
    out: W,
    entries: &Entries,
    time: DateTime,
) -> zip::result::ZipResult<W> {
    let mut zip = ZipWriter::new(out);
    let base = SimpleFileOptions::default()
        .last_modified_time(time)
        .compression_method(CompressionMethod::Deflated)
        .large_file(false);
    for (path, entry) in entries {
        match entry {
            Entry::File { bytes, mode } => {
                zip.start_file(path.as_str(), base.unix_permissions(*mode))?;
                zip.write_all(bytes)?;
            }
            Entry::Symlink(target) => zip.add_symlink(path.as_str(), target.as_str(), base)?,
        }
    }
    zip.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Cursor, Read};

    #[test]
    fn epoch_seconds_become_calendar_dates() {
        assert_eq!(civil_from_epoch(0), (1970, 1, 1, 0));
        // 2026-12-02T02:20:00Z
        assert_eq!(civil_from_epoch(1_796_178_000), (2026, 12, 2, 8_400));
        assert_eq!(civil_from_epoch(951_782_400), (2000, 2, 29, 0));
        assert_eq!(zip_time(0), DateTime::default());
        assert_eq!(zip_time(1_796_178_000).year(), 2026);
    }

    #[test]
    fn same_entries_same_bytes_with_modes_and_symlinks() {
        let mut entries = Entries::new();
        entries.insert(
            "dispatch".into(),
            Entry::File {
                bytes: b"\x7fELF".to_vec(),
                mode: 0o755,
            },
        );
        entries.insert(
            "metadata.yaml".into(),
            Entry::File {
                bytes: b"name: x\n".to_vec(),
                mode: 0o644,
            },
        );
        entries.insert("hooks/install".into(), Entry::Symlink("../dispatch".into()));
        let a = write(Cursor::new(Vec::new()), &entries, zip_time(1_796_178_000))
            .unwrap()
            .into_inner();
        let b = write(Cursor::new(Vec::new()), &entries, zip_time(1_796_178_000))
            .unwrap()
            .into_inner();
        assert_eq!(a, b);
        let mut zip = zip::ZipArchive::new(Cursor::new(a)).unwrap();
        let names: Vec<_> = zip.file_names().map(str::to_owned).collect();
        assert_eq!(names.len(), 3);
        let d = zip.by_name("dispatch").unwrap();
        assert_eq!(d.unix_mode().unwrap() & 0o777, 0o755);
        drop(d);
        let mut link = zip.by_name("hooks/install").unwrap();
        assert!(link.is_symlink());
        let mut target = String::new();
        link.read_to_string(&mut target).unwrap();
        assert_eq!(target, "../dispatch");
    }
}
