//! Packed charms (`.charm` zip files): unpacking them as Juju does, and the
//! bases their `manifest.yaml` declares.
//!
//! Juju (`internal/charm/charmarchive.go` `ExpandTo`, `juju/utils/zip`
//! `ExtractAll`) extracts every member with its zip permission bits, makes
//! symlinks only when they are relative and stay inside the charm, creates
//! parent directories as needed, makes each file in `hooks/` named like a hook
//! owner-executable, and writes a `revision` file (0 when the archive has none).

use std::fs;
use std::io::{self, Read};
use std::os::unix::fs::PermissionsExt;
use std::path::{Component, Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::charm::CharmError;

/// The `S_IFMT` bits of a zip member's Unix mode.
const S_IFMT: u32 = 0o170_000;
const S_IFLNK: u32 = 0o120_000;
const S_IFDIR: u32 = 0o040_000;

/// One base of a charm's `manifest.yaml`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ManifestBase {
    /// `ubuntu`.
    pub name: String,
    /// `22.04` (a YAML number is accepted too).
    #[serde(deserialize_with = "channel_text")]
    pub channel: String,
    /// `[amd64]`.
    #[serde(default)]
    pub architectures: Vec<String>,
}

impl ManifestBase {
    /// `ubuntu@22.04`, as Juju displays a base.
    pub fn display(&self) -> String {
        format!("{}@{}", self.name, self.channel)
    }
}

fn channel_text<'de, D: serde::Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    let v = serde_json::Value::deserialize(d)?;
    match v {
        serde_json::Value::String(s) => Ok(s),
        serde_json::Value::Number(n) => Ok(n.to_string()),
        other => Err(serde::de::Error::custom(format!(
            "channel must be a string, found {other}"
        ))),
    }
}

#[derive(Deserialize)]
struct RawManifest {
    #[serde(default)]
    bases: Option<Vec<ManifestBase>>,
}

/// The bases of the charm unpacked in `dir`: `None` when it has no
/// `manifest.yaml` or the manifest lists none (a 2.5-era charm declaring
/// `series: [kubernetes]` in metadata.yaml).
pub fn manifest_bases(dir: &Path) -> Result<Option<Vec<ManifestBase>>, CharmError> {
    let path = dir.join("manifest.yaml");
    let text = match fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(source) => return Err(CharmError::Io { path, source }),
    };
    let raw: RawManifest = serde_saphyr::from_str(&text).map_err(|e| CharmError::Invalid {
        path: path.clone(),
        message: e.to_string(),
    })?;
    Ok(raw.bases.filter(|b| !b.is_empty()))
}

/// Why a packed charm cannot be unpacked.
fn bad_archive(archive: &Path, message: impl Into<String>) -> CharmError {
    CharmError::Invalid {
        path: archive.to_owned(),
        message: message.into(),
    }
}

/// Unpacks the `.charm` at `archive` into `dir` (which must exist), as Juju's
/// `ExpandTo` does (then [`fix_hooks`]).
pub fn unpack(archive: &Path, dir: &Path) -> Result<(), CharmError> {
    let file = fs::File::open(archive).map_err(|source| CharmError::Io {
        path: archive.to_owned(),
        source,
    })?;
    let mut zip = zip::ZipArchive::new(file)
        .map_err(|e| bad_archive(archive, format!("not a charm archive (zip): {e}")))?;
    if zip.index_for_name("metadata.yaml").is_none() {
        return Err(bad_archive(
            archive,
            "archive file \"metadata.yaml\" not found",
        ));
    }
    for i in 0..zip.len() {
        let mut member = zip
            .by_index(i)
            .map_err(|e| bad_archive(archive, e.to_string()))?;
        let name = member.name().to_owned();
        let Some(rel) = sane_path(&name) else {
            return Err(bad_archive(
                archive,
                format!("cannot extract {name:?}: path leaves the charm"),
            ));
        };
        let target = dir.join(&rel);
        let io = |source| CharmError::Io {
            path: target.clone(),
            source,
        };
        if let Some(parent) = target.parent() {
            fs::create_dir_all(parent).map_err(io)?;
        }
        let mode = member.unix_mode().unwrap_or(if name.ends_with('/') {
            S_IFDIR | 0o755
        } else {
            0o644
        });
        match mode & S_IFMT {
            S_IFDIR => fs::create_dir_all(&target).map_err(io)?,
            S_IFLNK => {
                let mut link = String::new();
                member.read_to_string(&mut link).map_err(io)?;
                let resolved = rel.parent().unwrap_or(Path::new("")).join(&link);
                if Path::new(&link).is_absolute()
                    || sane_path(&resolved.to_string_lossy()).is_none()
                {
                    return Err(bad_archive(
                        archive,
                        format!("cannot extract {name:?}: symlink {link:?} leads out of scope"),
                    ));
                }
                std::os::unix::fs::symlink(&link, &target).map_err(io)?;
            }
            _ => {
                let mut out = fs::File::create(&target).map_err(io)?;
                io::copy(&mut member, &mut out).map_err(io)?;
                fs::set_permissions(&target, fs::Permissions::from_mode(mode & 0o777))
                    .map_err(io)?;
            }
        }
    }
    fix_hooks(dir)?;
    let revision = dir.join("revision");
    if !revision.exists() {
        fs::write(&revision, "0").map_err(|source| CharmError::Io {
            path: revision,
            source,
        })?;
    }
    Ok(())
}

/// Makes the regular files in `hooks/` owner-executable, as Juju's
/// `fixHookFunc` does after unpacking (Juju only touches files named like one
/// of the charm's hooks; a charm keeps nothing else there).
pub fn fix_hooks(dir: &Path) -> Result<(), CharmError> {
    let hooks = dir.join("hooks");
    let Ok(entries) = fs::read_dir(&hooks) else {
        return Ok(());
    };
    for entry in entries {
        let path = entry
            .map_err(|source| CharmError::Io {
                path: hooks.clone(),
                source,
            })?
            .path();
        let Ok(meta) = fs::symlink_metadata(&path) else {
            continue;
        };
        let mode = meta.permissions().mode();
        if meta.is_file() && mode & 0o100 == 0 {
            fs::set_permissions(&path, fs::Permissions::from_mode(mode | 0o100))
                .map_err(|source| CharmError::Io { path, source })?;
        }
    }
    Ok(())
}

/// A member path made relative and kept inside the charm, or `None`.
fn sane_path(name: &str) -> Option<PathBuf> {
    let mut out = PathBuf::new();
    for c in Path::new(name).components() {
        match c {
            Component::Normal(p) => out.push(p),
            Component::CurDir | Component::RootDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    return None;
                }
            }
            Component::Prefix(_) => return None,
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;
    use zip::write::SimpleFileOptions;

    fn archive(members: &[(&str, &[u8], u32)], links: &[(&str, &str)]) -> tempfile::NamedTempFile {
        let f = tempfile::NamedTempFile::new().unwrap();
        let mut zip = zip::ZipWriter::new(f.reopen().unwrap());
        for (name, bytes, mode) in members {
            zip.start_file(*name, SimpleFileOptions::default().unix_permissions(*mode))
                .unwrap();
            zip.write_all(bytes).unwrap();
        }
        for (name, target) in links {
            zip.add_symlink(*name, *target, SimpleFileOptions::default())
                .unwrap();
        }
        zip.finish().unwrap();
        f
    }

    #[test]
    fn unpacks_modes_symlinks_and_a_revision() {
        let a = archive(
            &[
                ("metadata.yaml", b"name: x\n", 0o644),
                ("dispatch", b"#!/bin/sh\n", 0o755),
                ("hooks/start", b"#!/bin/sh\n", 0o644),
            ],
            &[("hooks/install", "../dispatch")],
        );
        let dir = tempfile::tempdir().unwrap();
        unpack(a.path(), dir.path()).unwrap();
        let mode = |p: &str| {
            fs::metadata(dir.path().join(p))
                .unwrap()
                .permissions()
                .mode()
                & 0o777
        };
        assert_eq!(mode("dispatch"), 0o755);
        assert_eq!(
            mode("hooks/start"),
            0o744,
            "fixHook adds the owner's execute bit"
        );
        assert_eq!(mode("metadata.yaml"), 0o644);
        assert_eq!(
            fs::read_link(dir.path().join("hooks/install")).unwrap(),
            Path::new("../dispatch")
        );
        assert_eq!(
            fs::read_to_string(dir.path().join("revision")).unwrap(),
            "0"
        );
        assert_eq!(manifest_bases(dir.path()).unwrap(), None);
    }

    #[test]
    fn refuses_escaping_symlinks_and_archives_without_metadata() {
        let dir = tempfile::tempdir().unwrap();
        let a = archive(
            &[("metadata.yaml", b"name: x\n", 0o644)],
            &[("evil", "../../etc/passwd")],
        );
        let err = unpack(a.path(), dir.path()).unwrap_err().to_string();
        assert!(err.contains("leads out of scope"), "{err}");
        let b = archive(&[("dispatch", b"", 0o755)], &[]);
        let err = unpack(b.path(), dir.path()).unwrap_err().to_string();
        assert!(err.contains("\"metadata.yaml\" not found"), "{err}");
    }

    #[test]
    fn manifest_bases_read_a_numeric_channel() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(
            dir.path().join("manifest.yaml"),
            "bases:\n- name: ubuntu\n  channel: 22.04\n  architectures: [amd64]\n",
        )
        .unwrap();
        let bases = manifest_bases(dir.path()).unwrap().unwrap();
        assert_eq!(bases[0].display(), "ubuntu@22.04");
    }
}
