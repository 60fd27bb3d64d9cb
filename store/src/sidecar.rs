//! The generation file: a small file beside the sled database recording the
//! format and the generation of the last commit.
//!
//! sled recovers a damaged log by cutting it at the first bad checksum, so a
//! truncated or garbage database opens without error as an older state, or as an
//! empty database (measured: see RELIABILITY.md). The database alone cannot tell
//! "new" from "lost everything". This file can: it is written after every
//! commit's flush, so the database's generation is never behind it unless the
//! database lost committed data.
//!
//! It is replaced atomically (write, fsync, rename), so after any crash it holds
//! the old or the new generation, both of which are at most the database's.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

/// The generation file of the store at `path`.
pub(crate) fn path_of(store: &Path) -> PathBuf {
    store.join("charm-reactive.generation")
}

/// What the file records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Sidecar {
    pub(crate) format: u8,
    pub(crate) generation: u64,
}

const MAGIC: &str = "charm-reactive-store";

impl Sidecar {
    fn render(self) -> String {
        format!(
            "{MAGIC} format={} generation={}\n",
            self.format, self.generation
        )
    }

    fn parse(text: &str) -> Option<Sidecar> {
        let mut words = text.strip_suffix('\n')?.split(' ');
        if words.next()? != MAGIC {
            return None;
        }
        let format = words.next()?.strip_prefix("format=")?.parse().ok()?;
        let generation = words.next()?.strip_prefix("generation=")?.parse().ok()?;
        words
            .next()
            .is_none()
            .then_some(Sidecar { format, generation })
    }
}

/// Why the file cannot be used.
#[derive(Debug)]
pub(crate) enum ReadError {
    Io(std::io::Error),
    Garbage,
}

/// Reads the file: `Ok(None)` when there is none.
pub(crate) fn read(store: &Path) -> Result<Option<Sidecar>, ReadError> {
    match fs::read(path_of(store)) {
        Ok(bytes) => std::str::from_utf8(&bytes)
            .ok()
            .and_then(Sidecar::parse)
            .map(Some)
            .ok_or(ReadError::Garbage),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(ReadError::Io(e)),
    }
}

/// The temporary file a new record is staged in.
fn staging_path(store: &Path) -> PathBuf {
    path_of(store).with_extension("generation.tmp")
}

/// Replaces the file atomically and durably.
pub(crate) fn write(store: &Path, sidecar: Sidecar) -> std::io::Result<()> {
    stage(store, sidecar)?;
    install(store)
}

/// First half of [`write`]: writes and syncs the new record beside the file.
/// Nothing reads it until [`install`].
pub(crate) fn stage(store: &Path, sidecar: Sidecar) -> std::io::Result<()> {
    let mut file = crate::dir::file_options()
        .write(true)
        .create(true)
        .truncate(true)
        .open(staging_path(store))?;
    file.write_all(sidecar.render().as_bytes())?;
    file.sync_all()
}

/// Second half of [`write`]: renames the staged record over the file.
pub(crate) fn install(store: &Path) -> std::io::Result<()> {
    fs::rename(staging_path(store), path_of(store))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_refuses_garbage() {
        let s = Sidecar {
            format: 1,
            generation: 42,
        };
        assert_eq!(Sidecar::parse(&s.render()), Some(s));
        for bad in [
            "",
            "charm-reactive-store format=1\n",
            "x format=1 generation=2\n",
            "charm-reactive-store format=1 generation=2",
            "charm-reactive-store format=1 generation=-2\n",
            "charm-reactive-store format=1 generation=2 extra\n",
        ] {
            assert_eq!(Sidecar::parse(bad), None, "{bad:?}");
        }
    }
}
