//! Where a store lives: its modes (private to the unit's user), a path that is
//! not a directory, and reading a store that cannot be opened in place.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Command;

use charm_reactive_store::{OpenOptions, Snapshot, Store, StoreError};

fn mode(path: &Path) -> u32 {
    fs::metadata(path).unwrap().permissions().mode() & 0o7777
}

/// Every file of the store is 0600 and the directory 0700.
fn assert_private(path: &Path) {
    assert_eq!(mode(path), 0o700, "{}", path.display());
    for entry in fs::read_dir(path).unwrap() {
        let entry = entry.unwrap();
        if entry.file_type().unwrap().is_file() {
            assert_eq!(mode(&entry.path()), 0o600, "{}", entry.path().display());
        }
    }
}

fn commit(store: &Store, key: &str, value: &str) {
    let mut tx = store.transaction();
    tx.set(key, value).unwrap();
    tx.commit().unwrap();
}

#[test]
fn stores_are_private_and_old_stores_are_tightened() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("charm/.unit-state.sled/a-0");
    {
        let store = Store::open(&path).unwrap();
        commit(&store, "kv/password", "hunter2");
        assert_private(&path);
        assert_eq!(mode(path.parent().unwrap()), 0o700, "created parents");
    }
    assert_private(&path);
    // A store left world-readable by an older charm-reactive.
    fs::set_permissions(&path, fs::Permissions::from_mode(0o755)).unwrap();
    for entry in fs::read_dir(&path).unwrap() {
        let p = entry.unwrap().path();
        if p.is_file() {
            fs::set_permissions(&p, fs::Permissions::from_mode(0o644)).unwrap();
        }
    }
    let store = Store::open(&path).unwrap();
    assert_private(&path);
    assert_eq!(
        store
            .transaction()
            .get::<String>("kv/password")
            .unwrap()
            .as_deref(),
        Some("hunter2")
    );
}

#[test]
fn a_path_that_is_not_a_directory_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("file");
    fs::write(&file, "x").unwrap();
    let dangling = dir.path().join("dangling");
    std::os::unix::fs::symlink(dir.path().join("nowhere"), &dangling).unwrap();
    let to_file = dir.path().join("to-file");
    std::os::unix::fs::symlink(&file, &to_file).unwrap();
    for (path, needle) in [
        (&file, "is a file, not a directory"),
        (&dangling, "which does not exist"),
        (&to_file, "which is not a directory"),
    ] {
        let e = Store::open(path).unwrap_err();
        assert!(matches!(e, StoreError::NotADirectory { .. }), "{e:?}");
        let text = e.to_string();
        assert!(
            text.contains(needle) && text.contains(&path.display().to_string()),
            "{text}"
        );
        assert!(!text.contains("lock file"), "{text}");
    }
    assert!(!dir.path().join("nowhere").exists(), "nothing created");
}

#[test]
fn a_store_on_a_read_only_mount_is_read_from_a_private_copy() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s");
    {
        let store = Store::open(&path).unwrap();
        commit(&store, "kv/a", "1");
        commit(&store, "kv/b", "2");
    }
    let before: Vec<_> = sorted_files(&path);
    // A read-only bind mount needs root; a store whose lock file cannot be
    // created (a directory the user cannot write) stands in otherwise.
    let ro = dir.path().join("ro");
    fs::create_dir(&ro).unwrap();
    let bind = Command::new("mount")
        .args(["--bind"])
        .arg(&path)
        .arg(&ro)
        .status();
    let mounted = bind.is_ok_and(|s| s.success())
        && Command::new("mount")
            .args(["-o", "remount,bind,ro"])
            .arg(&ro)
            .status()
            .is_ok_and(|s| s.success());
    if mounted {
        let e = Store::open_existing(&ro, &OpenOptions::default()).unwrap_err();
        assert!(e.to_string().contains("read-only"), "{e}");
        let snapshot = Snapshot::open(&ro, &OpenOptions::default()).unwrap();
        let tx = snapshot.store().transaction();
        assert_eq!(tx.get::<String>("kv/b").unwrap().as_deref(), Some("2"));
        assert_eq!(snapshot.store().generation(), 2);
        assert!(snapshot.store().verify().unwrap().is_ok());
        drop(snapshot);
        assert!(Command::new("umount").arg(&ro).status().unwrap().success());
    } else {
        eprintln!("no read-only bind mount (not root): reading the copy of a writable store");
        let snapshot = Snapshot::open(&path, &OpenOptions::default()).unwrap();
        assert_eq!(snapshot.store().generation(), 2);
    }
    assert_eq!(sorted_files(&path), before, "the original is untouched");
    let missing = Snapshot::open(dir.path().join("none"), &OpenOptions::default()).unwrap_err();
    assert!(matches!(missing, StoreError::Missing { .. }), "{missing:?}");
}

fn sorted_files(path: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<_> = fs::read_dir(path)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .map(|p| {
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                fs::read(&p).unwrap(),
            )
        })
        .collect();
    files.sort();
    files
}
