//! The files API on the container's filesystem, which jujusim keeps as a
//! directory on the host: container path `/a/b` is `<root>/a/b`. Errors are
//! worded as Pebble's (Go's) are, with Pebble's kinds.

use std::fs;
use std::io;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Component, Path, PathBuf};

use serde_json::{json, Value};

use super::clock;

/// A file error: Pebble's kind and message.
#[derive(Debug)]
pub struct FileError {
    /// `not-found`, `permission-denied` or `generic-file-error`.
    pub kind: &'static str,
    /// The message.
    pub message: String,
}

impl FileError {
    fn generic(message: String) -> FileError {
        FileError {
            kind: "generic-file-error",
            message,
        }
    }

    /// As a per-path result's `error` object.
    pub fn to_json(&self) -> Value {
        json!({"kind": self.kind, "message": self.message})
    }
}

/// Go's wording for an OS error of `op` on `path`.
pub fn os_error(op: &str, path: &str, e: &io::Error) -> FileError {
    let (kind, text) = match e.kind() {
        io::ErrorKind::NotFound => ("not-found", "no such file or directory".to_string()),
        io::ErrorKind::PermissionDenied => ("permission-denied", "permission denied".into()),
        io::ErrorKind::AlreadyExists => ("generic-file-error", "file exists".into()),
        io::ErrorKind::DirectoryNotEmpty => ("generic-file-error", "directory not empty".into()),
        io::ErrorKind::NotADirectory => ("generic-file-error", "not a directory".into()),
        io::ErrorKind::IsADirectory => ("generic-file-error", "is a directory".into()),
        _ => {
            let s = e.to_string();
            let s = s.split(" (os error").next().unwrap_or(&s).to_lowercase();
            ("generic-file-error", s)
        }
    };
    FileError {
        kind,
        message: format!("{op} {path}: {text}"),
    }
}

/// The container's filesystem.
#[derive(Debug, Clone)]
pub struct Root(pub PathBuf);

/// Ownership and mode requested for a write or a mkdir.
#[derive(Debug, Default)]
pub struct Attrs {
    /// Octal permissions as sent (`"644"`).
    pub permissions: Option<String>,
    /// uid.
    pub user_id: Option<u32>,
    /// User name.
    pub user: Option<String>,
    /// gid.
    pub group_id: Option<u32>,
    /// Group name.
    pub group: Option<String>,
}

impl Attrs {
    /// From a request item's fields.
    pub fn from_json(v: &Value) -> Attrs {
        let s = |k: &str| {
            v.get(k)
                .and_then(Value::as_str)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
        };
        let n = |k: &str| v.get(k).and_then(Value::as_u64).map(|n| n as u32);
        Attrs {
            permissions: s("permissions"),
            user_id: n("user-id"),
            user: s("user"),
            group_id: n("group-id"),
            group: s("group"),
        }
    }

    fn mode(&self, default: u32) -> Result<u32, FileError> {
        match &self.permissions {
            None => Ok(default),
            Some(p) => match u32::from_str_radix(p, 8) {
                Ok(m) if (3..=4).contains(&p.len()) && m <= 0o7777 => Ok(m),
                _ => Err(FileError::generic(format!(
                    "file permissions must be a 3- or 4-digit octal string, got {p:?}"
                ))),
            },
        }
    }

    /// Resolves names to ids as Pebble does (uid/user must agree; a group
    /// needs a user; a user alone brings its primary group).
    fn ids(&self) -> Result<(Option<u32>, Option<u32>), FileError> {
        let lookup_err =
            |m: String| FileError::generic(format!("cannot look up user and group: {m}"));
        let uid = match (&self.user, self.user_id) {
            (Some(name), id) => {
                let (u, _) = passwd_by_name(name)
                    .ok_or_else(|| lookup_err(format!("user: unknown user {name}")))?;
                if id.is_some_and(|id| id != u) {
                    return Err(lookup_err(format!(
                        "user {name:?} UID ({u}) does not match user-id ({})",
                        id.unwrap_or(0)
                    )));
                }
                Some(u)
            }
            (None, id) => id,
        };
        let gid = match (&self.group, self.group_id) {
            (Some(name), id) => {
                let g = group_by_name(name)
                    .ok_or_else(|| lookup_err(format!("group: unknown group {name}")))?;
                if id.is_some_and(|id| id != g) {
                    return Err(lookup_err(format!(
                        "group {name:?} GID ({g}) does not match group-id ({})",
                        id.unwrap_or(0)
                    )));
                }
                Some(g)
            }
            (None, id) => id,
        };
        if gid.is_some() && uid.is_none() {
            return Err(lookup_err("must specify user, not just group".into()));
        }
        let gid = match (uid, gid) {
            (Some(u), None) => passwd_by_id(u).map(|(_, g)| g),
            (_, g) => g,
        };
        Ok((uid, gid))
    }
}

fn passwd_entries() -> Vec<(String, u32, u32)> {
    fs::read_to_string("/etc/passwd")
        .unwrap_or_default()
        .lines()
        .filter_map(|l| {
            let f: Vec<&str> = l.split(':').collect();
            Some((
                f.first()?.to_string(),
                f.get(2)?.parse().ok()?,
                f.get(3)?.parse().ok()?,
            ))
        })
        .collect()
}

fn group_entries() -> Vec<(String, u32)> {
    fs::read_to_string("/etc/group")
        .unwrap_or_default()
        .lines()
        .filter_map(|l| {
            let f: Vec<&str> = l.split(':').collect();
            Some((f.first()?.to_string(), f.get(2)?.parse().ok()?))
        })
        .collect()
}

fn passwd_by_name(name: &str) -> Option<(u32, u32)> {
    passwd_entries()
        .into_iter()
        .find(|(n, _, _)| n == name)
        .map(|(_, u, g)| (u, g))
}

fn passwd_by_id(uid: u32) -> Option<(String, u32)> {
    passwd_entries()
        .into_iter()
        .find(|(_, u, _)| *u == uid)
        .map(|(n, _, g)| (n, g))
}

fn group_by_name(name: &str) -> Option<u32> {
    group_entries()
        .into_iter()
        .find(|(n, _)| n == name)
        .map(|(_, g)| g)
}

fn group_by_id(gid: u32) -> Option<String> {
    group_entries()
        .into_iter()
        .find(|(_, g)| *g == gid)
        .map(|(n, _)| n)
}

impl Root {
    /// The host path of container path `path` (absolute, without `..`).
    pub fn host(&self, path: &str) -> Result<PathBuf, FileError> {
        if !path.starts_with('/') {
            return Err(FileError::generic(format!(
                "paths must be absolute, got {path:?}"
            )));
        }
        let mut out = self.0.clone();
        for c in Path::new(path).components() {
            match c {
                Component::Normal(p) => out.push(p),
                Component::RootDir | Component::CurDir => {}
                Component::ParentDir | Component::Prefix(_) => {
                    return Err(FileError::generic(format!(
                        "path {path:?} leaves the container"
                    )))
                }
            }
        }
        Ok(out)
    }

    /// Reads a regular file.
    pub fn read(&self, path: &str) -> Result<Vec<u8>, FileError> {
        let host = self.host(path)?;
        let meta = fs::metadata(&host).map_err(|e| os_error("stat", path, &e))?;
        if !meta.is_file() {
            return Err(FileError::generic(format!(
                "can only read a regular file: {path:?}"
            )));
        }
        fs::read(&host).map_err(|e| os_error("open", path, &e))
    }

    /// Writes a file with its mode and ownership (parents too with `make_dirs`).
    pub fn write(
        &self,
        path: &str,
        content: &[u8],
        make_dirs: bool,
        attrs: &Attrs,
    ) -> Result<(), FileError> {
        let host = self.host(path)?;
        let mode = attrs.mode(0o644)?;
        let (uid, gid) = attrs.ids()?;
        if make_dirs {
            if let Some(parent) = host.parent() {
                self.make_parents(parent, 0o755, uid, gid)?;
            }
        }
        fs::write(&host, content).map_err(|e| os_error("open", path, &e))?;
        fs::set_permissions(&host, fs::Permissions::from_mode(mode))
            .map_err(|e| os_error("chmod", path, &e))?;
        chown(&host, path, uid, gid)
    }

    fn make_parents(
        &self,
        dir: &Path,
        mode: u32,
        uid: Option<u32>,
        gid: Option<u32>,
    ) -> Result<(), FileError> {
        let mut missing = Vec::new();
        let mut p = dir;
        while !p.exists() && p.starts_with(&self.0) {
            missing.push(p.to_path_buf());
            match p.parent() {
                Some(parent) => p = parent,
                None => break,
            }
        }
        for d in missing.iter().rev() {
            let shown = self.container_path(d);
            fs::create_dir(d).map_err(|e| os_error("mkdir", &shown, &e))?;
            fs::set_permissions(d, fs::Permissions::from_mode(mode))
                .map_err(|e| os_error("chmod", &shown, &e))?;
            chown(d, &shown, uid, gid)?;
        }
        Ok(())
    }

    fn container_path(&self, host: &Path) -> String {
        format!("/{}", host.strip_prefix(&self.0).unwrap_or(host).display())
    }

    /// Makes a directory.
    pub fn make_dir(&self, path: &str, make_parents: bool, attrs: &Attrs) -> Result<(), FileError> {
        let host = self.host(path)?;
        let mode = attrs.mode(0o755)?;
        let (uid, gid) = attrs.ids()?;
        if make_parents {
            if host.is_dir() {
                return Ok(());
            }
            return self.make_parents(&host, mode, uid, gid);
        }
        fs::create_dir(&host).map_err(|e| os_error("mkdir", path, &e))?;
        fs::set_permissions(&host, fs::Permissions::from_mode(mode))
            .map_err(|e| os_error("chmod", path, &e))?;
        chown(&host, path, uid, gid)
    }

    /// Removes a file or directory (`recursive`: everything under it, and no
    /// error if it does not exist).
    pub fn remove(&self, path: &str, recursive: bool) -> Result<(), FileError> {
        let host = self.host(path)?;
        let result = if recursive {
            match fs::symlink_metadata(&host) {
                Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
                Ok(m) if m.is_dir() => fs::remove_dir_all(&host),
                _ => fs::remove_file(&host),
            }
        } else if host.is_dir() {
            fs::remove_dir(&host)
        } else {
            fs::remove_file(&host)
        };
        result.map_err(|e| os_error("remove", path, &e))
    }

    /// Lists a directory (or describes a file, or the directory `itself`),
    /// names filtered by a glob `pattern`.
    pub fn list(
        &self,
        path: &str,
        pattern: Option<&str>,
        itself: bool,
    ) -> Result<Vec<Value>, FileError> {
        let host = self.host(path)?;
        let meta = fs::metadata(&host).map_err(|e| os_error("stat", path, &e))?;
        let mut entries: Vec<(String, fs::Metadata)> = Vec::new();
        if !meta.is_dir() || itself {
            let trimmed = path.trim_end_matches('/');
            let full = if trimmed.is_empty() { "/" } else { trimmed };
            entries.push((full.to_string(), meta));
        } else {
            let rd = fs::read_dir(&host).map_err(|e| os_error("open", path, &e))?;
            for entry in rd.flatten() {
                let name = entry.file_name().to_string_lossy().into_owned();
                if let Ok(m) = entry.metadata() {
                    let full = format!("{}/{name}", path.trim_end_matches('/'));
                    entries.push((full, m));
                }
            }
            entries.sort_by(|a, b| a.0.cmp(&b.0));
        }
        Ok(entries
            .into_iter()
            .filter(|(full, _)| {
                let name = full.rsplit('/').next().unwrap_or("");
                pattern.is_none_or(|p| glob_match(p, name))
            })
            .map(|(full, m)| info(&full, &m))
            .collect())
    }
}

fn chown(host: &Path, path: &str, uid: Option<u32>, gid: Option<u32>) -> Result<(), FileError> {
    if uid.is_none() && gid.is_none() {
        return Ok(());
    }
    std::os::unix::fs::chown(host, uid, gid).map_err(|e| os_error("chown", path, &e))
}

fn info(full: &str, m: &fs::Metadata) -> Value {
    let ft = m.file_type();
    let kind = if ft.is_dir() {
        "directory"
    } else if ft.is_file() {
        "file"
    } else if ft.is_symlink() {
        "symlink"
    } else {
        use std::os::unix::fs::FileTypeExt;
        if ft.is_socket() {
            "socket"
        } else if ft.is_fifo() {
            "named-pipe"
        } else if ft.is_block_device() || ft.is_char_device() {
            "device"
        } else {
            "unknown"
        }
    };
    let name = full.rsplit('/').find(|s| !s.is_empty()).unwrap_or("/");
    let modified = m
        .modified()
        .map(clock::format)
        .unwrap_or_else(|_| clock::now());
    let mut v = json!({
        "path": full, "name": name, "type": kind,
        "permissions": format!("{:03o}", m.mode() & 0o777),
        "last-modified": modified,
        "user-id": m.uid(), "user": passwd_by_id(m.uid()).map(|(n, _)| n).unwrap_or_default(),
        "group-id": m.gid(), "group": group_by_id(m.gid()).unwrap_or_default(),
    });
    if ft.is_file() {
        v["size"] = json!(m.len());
    }
    v
}

/// Go's `path.Match` for the common cases: `*`, `?` and literal characters.
fn glob_match(pattern: &str, name: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let n: Vec<char> = name.chars().collect();
    fn go(p: &[char], n: &[char]) -> bool {
        match p.first() {
            None => n.is_empty(),
            Some('*') => (0..=n.len()).any(|i| go(&p[1..], &n[i..])),
            Some('?') => !n.is_empty() && go(&p[1..], &n[1..]),
            Some(c) => n.first() == Some(c) && go(&p[1..], &n[1..]),
        }
    }
    go(&p, &n)
}
