//! The store's directory: that it is one, and that it is private to the
//! unit's user.
//!
//! A store holds what charms keep between hooks, which includes secrets (a
//! password from the charm's config, kept by layer-basic's persistent config).
//! Its directory is 0700 and its files 0600. sled creates its files with the
//! process's umask (0644 by default), so every open tightens what is there:
//! a store created before this rule, or a file sled created since the last
//! open. The directory's mode alone already keeps other users out of files
//! sled creates later in this process.

use std::fs;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::Path;

/// Mode of a store's directory.
pub(crate) const DIR_MODE: u32 = 0o700;
/// Mode of a store's files.
pub(crate) const FILE_MODE: u32 = 0o600;

/// What is at a store's path when it is not a directory (or nothing).
pub(crate) fn not_a_directory(path: &Path) -> Option<String> {
    let meta = fs::symlink_metadata(path).ok()?;
    if meta.file_type().is_symlink() {
        let target = fs::read_link(path).ok()?;
        return match fs::metadata(path) {
            Err(_) => Some(format!(
                "a symbolic link to {}, which does not exist",
                target.display()
            )),
            Ok(m) if !m.is_dir() => Some(format!(
                "a symbolic link to {}, which is not a directory",
                target.display()
            )),
            Ok(_) => None,
        };
    }
    (!meta.is_dir()).then(|| "a file, not a directory".to_owned())
}

/// Creates `path` and its missing parents with mode 0700.
pub(crate) fn create(path: &Path) -> std::io::Result<()> {
    fs::DirBuilder::new()
        .recursive(true)
        .mode(DIR_MODE)
        .create(path)
}

/// Options that create a file readable by its owner only.
pub(crate) fn file_options() -> fs::OpenOptions {
    let mut options = fs::OpenOptions::new();
    options.mode(FILE_MODE);
    options
}

/// Sets the store's directory to 0700 and its regular files to 0600.
pub(crate) fn tighten(path: &Path) -> std::io::Result<()> {
    set_mode(path, DIR_MODE)?;
    for entry in fs::read_dir(path)? {
        let entry = entry?;
        if entry.file_type()?.is_file() {
            set_mode(&entry.path(), FILE_MODE)?;
        }
    }
    Ok(())
}

fn set_mode(path: &Path, mode: u32) -> std::io::Result<()> {
    let meta = fs::metadata(path)?;
    if meta.permissions().mode() & 0o7777 != mode {
        fs::set_permissions(path, fs::Permissions::from_mode(mode))?;
    }
    Ok(())
}
