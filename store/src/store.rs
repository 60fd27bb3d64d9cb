use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Duration;

use crate::failure::Failure;
use crate::layout::{FORMAT_KEY, GENERATION_KEY, UNDO_KEY};
use crate::lock::LockFile;
use crate::sidecar::{self, Sidecar};
use crate::undo::Undo;
use crate::{StoreError, Transaction, FORMAT_VERSION};

/// How a store is opened.
#[derive(Debug, Clone)]
pub struct OpenOptions {
    /// How long to wait for another process to release the lock.
    pub lock_timeout: Duration,
    /// sled's page cache, in bytes. Hooks touch few keys: keep it small so a hook
    /// process stays small.
    pub cache_capacity: u64,
    /// sled's log segment size, in bytes (a power of two, at least 256), for a
    /// store this open creates; an existing store keeps the size it was created
    /// with. The default is [`DEFAULT_SEGMENT_SIZE`], 64 KiB (sled's own is
    /// 512 KiB).
    ///
    /// It sets most of what a hook pays to open a store: sled recovers the
    /// log's tail segment at every open and overwrites the rest of that segment
    /// with zeros (then an fsync), and it sets the store's size on disk, which
    /// settles at about three segments (one active, one being cleaned, one
    /// free: sled 0.34 cleans a segment once at most half of it is live). See
    /// BENCHMARKS.md for measurements of 512 KiB against 64 KiB.
    pub segment_size: usize,
}

/// sled's default segment size.
pub const SLED_SEGMENT_SIZE: usize = 512 * 1024;

/// The segment size of new stores: a hook's store holds a few kilobytes, and
/// 64 KiB keeps it at 1.5x its 100-hook size after 10,000 hooks (512 KiB: 3x)
/// and makes each open's recovery cheaper (BENCHMARKS.md).
pub const DEFAULT_SEGMENT_SIZE: usize = 64 * 1024;

impl Default for OpenOptions {
    fn default() -> Self {
        OpenOptions {
            lock_timeout: Duration::from_secs(10),
            cache_capacity: 1 << 20,
            segment_size: DEFAULT_SEGMENT_SIZE,
        }
    }
}

/// A unit's store on disk: a sled database, locked by this process while open.
///
/// Cloning is cheap and shares the open database; the lock is released when the
/// last clone (and the last [`Transaction`]) is dropped.
///
/// Opening checks that the database holds everything that was committed: every
/// commit bumps a generation kept both in the database and in a file beside it
/// (`charm-reactive.generation`), and a database behind that file, or empty
/// while the file exists, is refused with [`StoreError::Corrupt`] instead of being
/// used (or reset) silently.
#[derive(Debug, Clone)]
pub struct Store {
    inner: std::sync::Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    // Field order matters: the database closes before the lock is released.
    db: sled::Db,
    path: PathBuf,
    format: u8,
    /// The last commit; held while committing, so commits of one store are
    /// serialised.
    commits: Mutex<Commits>,
    /// sled's log file, kept open to fsync it after every flush (see [`sync_file`]).
    db_file: std::fs::File,
    /// Files moved out of sled's sight at open (see [`Store::set_aside`]).
    set_aside: Vec<PathBuf>,
    /// A failed commit, after which the database is never flushed again.
    failure: Failure,
    _lock: LockFile,
}

/// What the store knows of its commits.
#[derive(Debug, Clone, Copy)]
struct Commits {
    /// The generation of the last commit.
    generation: u64,
    /// Whether the database holds the format marker. A new store writes
    /// nothing until its first commit, which carries the marker in its batch:
    /// creating a store then costs no flush of its own, and a store whose first
    /// commit never happened is still new at the next open.
    marked: bool,
}

/// Whether an open may create the store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Create,
    Existing,
}

impl Store {
    /// Opens (or creates) the store at `path` with default [`OpenOptions`].
    pub fn open(path: impl AsRef<Path>) -> Result<Store, StoreError> {
        Store::open_with(path, &OpenOptions::default())
    }

    /// Opens (or creates) the store at `path`, waiting at most
    /// `options.lock_timeout` for another process to release it.
    pub fn open_with(path: impl AsRef<Path>, options: &OpenOptions) -> Result<Store, StoreError> {
        Store::open_mode(path.as_ref(), options, Mode::Create)
    }

    /// Opens an existing store, failing with [`StoreError::Missing`] when `path`
    /// holds none: what tools use, so that a mistyped path is not a new store.
    pub fn open_existing(
        path: impl AsRef<Path>,
        options: &OpenOptions,
    ) -> Result<Store, StoreError> {
        Store::open_mode(path.as_ref(), options, Mode::Existing)
    }

    fn open_mode(path: &Path, options: &OpenOptions, mode: Mode) -> Result<Store, StoreError> {
        Store::open_unclassified(path, options, mode).map_err(StoreError::classified)
    }

    fn open_unclassified(
        path: &Path,
        options: &OpenOptions,
        mode: Mode,
    ) -> Result<Store, StoreError> {
        let path = path.to_owned();
        if let Some(found) = crate::dir::not_a_directory(&path) {
            return Err(StoreError::NotADirectory { path, found });
        }
        if mode == Mode::Existing && !path.join("db").is_file() {
            return Err(StoreError::Missing { path });
        }
        crate::dir::create(&path).map_err(|source| StoreError::LockFile {
            lock: crate::lock::lock_path(&path),
            path: path.clone(),
            source,
        })?;
        let lock = LockFile::acquire(&path, options.lock_timeout)?;
        // Read before sled touches anything, so that what sled recovers can be
        // compared with what was committed.
        let recorded = match sidecar::read(&path) {
            Ok(s) => s,
            Err(sidecar::ReadError::Garbage) => {
                return Err(StoreError::Corrupt {
                    reason: format!(
                        "its generation file {} is not readable (garbage)",
                        sidecar::path_of(&path).display()
                    ),
                    path,
                })
            }
            Err(sidecar::ReadError::Io(source)) => {
                return Err(StoreError::File {
                    file: sidecar::path_of(&path),
                    path,
                    source,
                })
            }
        };
        if let Some(s) = recorded.filter(|s| s.format > FORMAT_VERSION) {
            return Err(StoreError::NewerFormat {
                path,
                found: s.format,
                supported: FORMAT_VERSION,
            });
        }
        let (db, set_aside) = open_sled(&path, options)?;
        let db_file = std::fs::File::open(path.join("db")).map_err(|source| StoreError::File {
            file: path.join("db"),
            path: path.clone(),
            source,
        })?;
        let (format, commits) = check_format(&db, &path, recorded)?;
        crate::dir::tighten(&path).map_err(|source| StoreError::File {
            file: path.clone(),
            path: path.clone(),
            source,
        })?;
        Ok(Store {
            inner: std::sync::Arc::new(Inner {
                failure: Failure::new(db.clone()),
                db,
                path,
                format,
                commits: Mutex::new(commits),
                db_file,
                set_aside,
                _lock: lock,
            }),
        })
    }

    /// The store's directory.
    pub fn path(&self) -> &Path {
        &self.inner.path
    }

    /// The format version recorded in the store.
    pub fn format(&self) -> u8 {
        self.inner.format
    }

    /// The generation of the last commit: 0 for a new store, one more per commit.
    pub fn generation(&self) -> u64 {
        self.lock_commits().generation
    }

    /// Files this open moved aside: unfinished sled snapshots left by a process
    /// killed while closing the store, which sled 0.34 cannot open past. The
    /// store was then checked against its generation file as always; this is
    /// worth a warning in the log, not an error.
    pub fn set_aside(&self) -> &[PathBuf] {
        &self.inner.set_aside
    }

    /// Starts a hook transaction. Reads see committed data plus the transaction's
    /// own writes; nothing reaches disk before [`Transaction::commit`].
    pub fn transaction(&self) -> Transaction {
        Transaction::new(self.clone())
    }

    /// Size of the store on disk, in bytes, as sled reports it.
    pub fn size_on_disk(&self) -> Result<u64, StoreError> {
        self.inner.db.size_on_disk().map_err(|e| self.io("size", e))
    }

    pub(crate) fn db(&self) -> &sled::Db {
        &self.inner.db
    }

    pub(crate) fn io(&self, op: &'static str, source: sled::Error) -> StoreError {
        StoreError::Io {
            path: self.inner.path.clone(),
            op,
            source,
        }
    }

    pub(crate) fn is_reserved(key: &[u8]) -> bool {
        key.first() == Some(&0)
    }

    fn lock_commits(&self) -> std::sync::MutexGuard<'_, Commits> {
        // A panic while committing leaves the record as it was: still valid.
        self.inner.commits.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Applies `batch` with the next generation as one atomic sled batch, flushes
    /// it, then confirms it by installing the generation file. `keys` are the
    /// keys the batch writes: their old values go into the batch's undo record
    /// (see [`crate::undo`]), which lets the next open take back a commit that
    /// reached the database but was not confirmed.
    ///
    /// The generation file's new content is written and synced to a temporary
    /// file first, and renamed into place only once the database is durable:
    /// the file is never ahead of the database. (Staging it on a thread of its
    /// own, to overlap the two disk flushes, was measured slower: on a busy
    /// machine a thread's creation can cost the parent a scheduler tick.)
    ///
    /// Returns the new generation, the bytes flushed, and whether the rename of
    /// the generation file was made durable (its directory synced). An error
    /// means the commit is not confirmed: this process must not use the store
    /// again, and the next open finds the previous commit.
    pub(crate) fn commit_batch(
        &self,
        mut batch: sled::Batch,
        mut keys: Vec<Vec<u8>>,
    ) -> Result<(u64, usize, bool), StoreError> {
        let mut commits = self.lock_commits();
        if let Some(first) = self.inner.failure.first() {
            return Err(StoreError::Failed {
                path: self.inner.path.clone(),
                first: first.to_owned(),
            });
        }
        let next = commits.generation + 1;
        let first = !commits.marked;
        keys.push(GENERATION_KEY.to_vec());
        if first {
            keys.push(FORMAT_KEY.to_vec());
            batch.insert(FORMAT_KEY, &[self.inner.format]);
        }
        keys.sort();
        keys.dedup();
        let undo = Undo::capture(&self.inner.db, commits.generation, keys)
            .map_err(|e| self.io("read", e).classified())?;
        batch.insert(UNDO_KEY, undo.encode());
        batch.insert(GENERATION_KEY, &next.to_be_bytes());
        let record = Sidecar {
            format: self.inner.format,
            generation: next,
        };
        let path = &self.inner.path;
        let file_error = |source| {
            StoreError::File {
                path: path.clone(),
                file: sidecar::path_of(path),
                source,
            }
            .classified()
        };
        // Nothing is written to the database yet: a failure here leaves the
        // store as it was, usable.
        sidecar::stage(path, record).map_err(file_error)?;
        let before = *commits;
        let failed = |e: StoreError| {
            self.inner.failure.record(e.to_string());
            e
        };
        let flushed = self
            .apply_durably(batch, first, &mut commits, next)
            .map_err(|e| {
                *commits = before;
                failed(e.classified())
            })?;
        if let Err(source) = sidecar::install(path) {
            *commits = before;
            return Err(failed(file_error(source)));
        }
        // The rename is done, so the commit is confirmed for every later open
        // short of a power loss; a failing directory sync only leaves the
        // rename's durability to the filesystem's next flush.
        let durable = sync_dir(path).is_ok();
        Ok((next, flushed, durable))
    }

    /// Applies `batch` (generation `next`), flushes it and syncs the log;
    /// after a store's first commit, its directory too (the new files' entries).
    fn apply_durably(
        &self,
        batch: sled::Batch,
        first: bool,
        commits: &mut Commits,
        next: u64,
    ) -> Result<usize, StoreError> {
        let inner = &self.inner;
        inner
            .db
            .apply_batch(batch)
            .map_err(|e| self.io("commit", e))?;
        *commits = Commits {
            generation: next,
            marked: true,
        };
        let flushed = inner.db.flush().map_err(|e| self.io("flush", e))?;
        sync_file(&inner.path, &inner.db_file, "db")?;
        if first {
            // A power loss must not keep the generation file and lose the database.
            sync_dir(&inner.path)?;
        }
        Ok(flushed)
    }
}

/// Opens the sled database, setting aside torn snapshots if sled refuses them.
///
/// sled 0.34 writes a snapshot when a database closes, to `snap.<lsn>.generating`
/// then renamed to `snap.<lsn>`, but at open it reads the newest `snap.*` file,
/// `.generating` ones included (`Config::get_snapshot_files`). A process killed
/// while closing leaves a torn `.generating` file and sled then refuses the
/// database for good with "Read corrupted data at file offset None"
/// (spacejam/sled#1527 and #1533, open; reproduced by the engine's
/// reliability_kill test). Such a file was never renamed, so it never was
/// sled's snapshot: moving it out of sled's sight and opening again recovers
/// from the previous snapshot and the log, and the generation check that
/// follows refuses the result if anything committed is missing.
fn open_sled(path: &Path, options: &OpenOptions) -> Result<(sled::Db, Vec<PathBuf>), StoreError> {
    match open_sled_once(path, options) {
        Err(StoreError::Open {
            source: sled::Error::Corruption { .. },
            ..
        }) => {
            let moved = set_aside_unfinished_snapshots(path)?;
            if moved.is_empty() {
                // Not the known case: report sled's own error.
                return open_sled_once(path, options).map(|db| (db, moved));
            }
            Ok((open_sled_once(path, options)?, moved))
        }
        other => other.map(|db| (db, Vec::new())),
    }
}

/// Renames every `snap.*.generating` file of the store to
/// `charm-reactive.unfinished-<name>` (kept for diagnosis), returning the new paths.
fn set_aside_unfinished_snapshots(path: &Path) -> Result<Vec<PathBuf>, StoreError> {
    let file_error = |file: PathBuf, source| StoreError::File {
        path: path.to_owned(),
        file,
        source,
    };
    let mut moved = Vec::new();
    let entries = std::fs::read_dir(path).map_err(|e| file_error(path.to_owned(), e))?;
    for entry in entries {
        let entry = entry.map_err(|e| file_error(path.to_owned(), e))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with("snap.") && name.ends_with(".generating") {
            let to = path.join(format!("charm-reactive.unfinished-{name}"));
            std::fs::rename(entry.path(), &to).map_err(|e| file_error(entry.path(), e))?;
            moved.push(to);
        }
    }
    Ok(moved)
}

/// Opens the sled database, waiting out sled's own file lock.
fn open_sled_once(path: &Path, options: &OpenOptions) -> Result<sled::Db, StoreError> {
    let segment_size =
        crate::sled_conf::recorded_segment_size(path).unwrap_or(options.segment_size);
    let config = sled::Config::new()
        .path(path)
        .cache_capacity(options.cache_capacity)
        .segment_size(segment_size)
        .flush_every_ms(None);
    let start = std::time::Instant::now();
    loop {
        match config.open() {
            Ok(db) => return Ok(db),
            // sled's own file lock outlives a dropped `Db` for a moment while
            // its I/O threads finish; our lock says no other process has it.
            // sled reports that as `ErrorKind::Other` with this message.
            Err(sled::Error::Io(e))
                if e.to_string().contains("could not acquire lock")
                    && start.elapsed() < options.lock_timeout =>
            {
                std::thread::sleep(Duration::from_millis(1));
            }
            Err(source) => {
                return Err(StoreError::Open {
                    path: path.to_owned(),
                    source,
                })
            }
        }
    }
}

/// fdatasyncs a file of the store.
///
/// sled 0.34's `flush` makes its log durable with `sync_file_range` on Linux
/// (`pagecache/iobuf.rs`), which writes the pages but neither the file's
/// metadata (its size, as the log grows) nor the drive's cache: data a flush
/// returned for can be lost on power loss. One fdatasync per commit closes
/// that gap: it flushes the data, the metadata needed to read it back (the
/// size) and the drive's cache, and skips the modification time, whose
/// journal commit a full fsync would add to every hook.
fn sync_file(path: &Path, file: &std::fs::File, name: &str) -> Result<(), StoreError> {
    file.sync_data().map_err(|source| StoreError::File {
        path: path.to_owned(),
        file: path.join(name),
        source,
    })
}

/// fsyncs the store's directory, making its files' entries durable.
fn sync_dir(path: &Path) -> Result<(), StoreError> {
    let dir = std::fs::File::open(path).map_err(|source| StoreError::File {
        path: path.to_owned(),
        file: path.to_owned(),
        source,
    })?;
    dir.sync_all().map_err(|source| StoreError::File {
        path: path.to_owned(),
        file: path.to_owned(),
        source,
    })
}

/// Checks the format marker and the generation against the generation file
/// (`recorded`). Returns the format and what the store knows of its commits
/// (for a new store: none yet, and no marker, written by the first commit).
fn check_format(
    db: &sled::Db,
    path: &Path,
    recorded: Option<Sidecar>,
) -> Result<(u8, Commits), StoreError> {
    let io = |op, source| StoreError::Io {
        path: path.to_owned(),
        op,
        source,
    };
    let corrupt = |reason: String| StoreError::Corrupt {
        path: path.to_owned(),
        reason,
    };
    let format = match db.get(FORMAT_KEY).map_err(|e| io("read", e))? {
        Some(v) if v.len() == 1 && v[0] > FORMAT_VERSION => {
            return Err(StoreError::NewerFormat {
                path: path.to_owned(),
                found: v[0],
                supported: FORMAT_VERSION,
            })
        }
        Some(v) if v.len() == 1 && v[0] > 0 => v[0],
        Some(v) => return Err(corrupt(format!("its format marker is {v:?}, not one byte in 1..={FORMAT_VERSION}"))),
        None if !db.is_empty() => {
            return Err(corrupt(
                "it holds data but no format marker: it is not a charm-reactive store, or it lost its first commit"
                    .into(),
            ))
        }
        None => match recorded {
            Some(s) => {
                return Err(corrupt(format!(
                    "sled recovered an empty database while {} records generation {}: \
                     the database is truncated or garbage",
                    sidecar::path_of(path).display(),
                    s.generation
                )))
            }
            None => {
                // A new store (or one whose first commit never reached its
                // flush): its first commit writes the marker.
                let commits = Commits {
                    generation: 0,
                    marked: false,
                };
                return Ok((FORMAT_VERSION, commits));
            }
        },
    };
    let generation = match db.get(GENERATION_KEY).map_err(|e| io("read", e))? {
        // Stores created before generations were recorded.
        None => 0,
        Some(v) => match <[u8; 8]>::try_from(v.as_ref()) {
            Ok(bytes) => u64::from_be_bytes(bytes),
            Err(_) => {
                return Err(corrupt(format!(
                    "its generation record is {} bytes, not 8",
                    v.len()
                )))
            }
        },
    };
    let confirmed = recorded.map_or(0, |s| s.generation);
    if generation == confirmed + 1 {
        if let Some(undo) = unconfirmed(db, confirmed).map_err(|e| io("read", e))? {
            return roll_back(db, path, &undo, recorded);
        }
    }
    if let Some(s) = recorded {
        if generation < s.generation {
            return Err(corrupt(format!(
                "sled recovered generation {generation} while {} records generation {}: \
                 the database is truncated or damaged and lost {} committed hooks",
                sidecar::path_of(path).display(),
                s.generation,
                s.generation - generation
            )));
        }
    }
    let current = Sidecar { format, generation };
    // Missing (first open, older store) or one behind without an undo record (a
    // store committed by a version before undo records): bring it up to date.
    if recorded != Some(current) {
        sidecar::write(path, current).map_err(|source| StoreError::File {
            path: path.to_owned(),
            file: sidecar::path_of(path),
            source,
        })?;
    }
    let commits = Commits {
        generation,
        marked: true,
    };
    Ok((format, commits))
}

/// The undo record of a commit from generation `confirmed`, if the database
/// holds one: that commit was not confirmed.
fn unconfirmed(db: &sled::Db, confirmed: u64) -> sled::Result<Option<Undo>> {
    Ok(db
        .get(UNDO_KEY)?
        .and_then(|bytes| Undo::decode(&bytes))
        .filter(|undo| undo.base == confirmed))
}

/// Takes back the unconfirmed commit `undo` describes, durably, then checks
/// the store again (it is now at the confirmed generation).
fn roll_back(
    db: &sled::Db,
    path: &Path,
    undo: &Undo,
    recorded: Option<Sidecar>,
) -> Result<(u8, Commits), StoreError> {
    let io = |op, source| StoreError::Io {
        path: path.to_owned(),
        op,
        source,
    };
    db.apply_batch(undo.rollback(UNDO_KEY))
        .map_err(|e| io("roll back", e))?;
    db.flush().map_err(|e| io("flush", e))?;
    let db_file = std::fs::File::open(path.join("db")).map_err(|source| StoreError::File {
        file: path.join("db"),
        path: path.to_owned(),
        source,
    })?;
    sync_file(path, &db_file, "db")?;
    check_format(db, path, recorded)
}
