//! Which glibc an executable needs: the `GLIBC_x.y` versions of the dynamic
//! symbols it imports (ELF `.gnu.version` / `.gnu.version_r`), read with `object`.
//!
//! The dynamic loader refuses to start a program that imports a symbol version
//! its libc lacks (`version 'GLIBC_2.34' not found`), so a charm built on a
//! newer system than its base fails every hook on the real machine.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use object::elf;
use object::read::elf::{FileHeader, Sym};
use object::FileKind;

use crate::base::{Base, GlibcVersion};

/// Errors reading an executable's ELF symbol versions.
#[derive(Debug, thiserror::Error)]
pub enum ElfError {
    /// The file could not be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The executable.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// Not an ELF file, or a damaged one.
    #[error("{path} is not a readable ELF executable: {reason}")]
    NotElf {
        /// The executable.
        path: PathBuf,
        /// What the ELF reader said.
        reason: String,
    },
}

/// The glibc versions an executable imports symbols at, each with those symbols.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct GlibcNeeds {
    /// `GLIBC_2.34` -> `["__libc_start_main"]`, ordered by version.
    pub symbols: BTreeMap<GlibcVersion, Vec<String>>,
}

impl GlibcNeeds {
    /// Reads the dynamic symbols of the ELF file at `path`. A static executable
    /// (musl, say) imports nothing and needs no glibc.
    pub fn read(path: &Path) -> Result<GlibcNeeds, ElfError> {
        let data = std::fs::read(path).map_err(|source| ElfError::Read {
            path: path.to_owned(),
            source,
        })?;
        let not_elf = |reason: String| ElfError::NotElf {
            path: path.to_owned(),
            reason,
        };
        let parsed = match FileKind::parse(&*data).map_err(|e| not_elf(e.to_string()))? {
            FileKind::Elf64 => needs::<elf::FileHeader64<object::Endianness>>(&data),
            FileKind::Elf32 => needs::<elf::FileHeader32<object::Endianness>>(&data),
            other => return Err(not_elf(format!("a {other:?} file"))),
        };
        parsed.map_err(|e| not_elf(e.to_string()))
    }

    /// The newest glibc version needed, if any.
    pub fn newest(&self) -> Option<GlibcVersion> {
        self.symbols.keys().next_back().copied()
    }

    /// The imports a libc of version `available` lacks, newest first:
    /// `(GLIBC_2.34, [__libc_start_main, ...])`.
    pub fn missing_from(&self, available: GlibcVersion) -> Vec<(GlibcVersion, &[String])> {
        self.symbols
            .range(..)
            .rev()
            .filter(|(v, _)| **v > available)
            .map(|(v, s)| (*v, s.as_slice()))
            .collect()
    }

    /// Refuses an executable that needs a newer glibc than `base` ships.
    /// A base whose glibc is unknown (not Ubuntu) is not checked.
    pub fn check(&self, binary: &Path, base: &Base) -> Result<(), GlibcTooNew> {
        let Some(available) = base.glibc() else {
            return Ok(());
        };
        let missing = self.missing_from(available);
        let Some((newest, _)) = missing.first() else {
            return Ok(());
        };
        let detail = missing
            .iter()
            .map(|(v, syms)| format!("GLIBC_{v}: {}", syms.join(", ")))
            .collect::<Vec<_>>()
            .join("; ");
        Err(GlibcTooNew {
            binary: binary.to_owned(),
            base: base.clone(),
            needed: *newest,
            available,
            detail,
        })
    }
}

/// A charm binary that would not start on its base: the loader would fail
/// every hook with `version 'GLIBC_x.y' not found`.
#[derive(Debug, thiserror::Error)]
#[error(
    "{binary} needs glibc {needed} but {base} has glibc {available}, so every hook would fail \
     on a {base} machine with \"version `GLIBC_{needed}' not found\" (imports: {detail}).\n\
     Fix it one of these ways:\n\
     \x20 * build a static binary: `rustup target add x86_64-unknown-linux-musl` and \
     `cargo charm pack --target x86_64-unknown-linux-musl`;\n\
     \x20 * build on {base} itself: `charmcraft pack` runs the `plugin: rust` part of \
     charmcraft.yaml in a {base} LXD container;\n\
     \x20 * or declare a base whose glibc is at least {needed} in charmcraft.yaml \
     (ubuntu@22.04 has 2.35, ubuntu@24.04 has 2.39)."
)]
pub struct GlibcTooNew {
    /// The executable.
    pub binary: PathBuf,
    /// The base it was declared for.
    pub base: Base,
    /// The newest glibc version it imports.
    pub needed: GlibcVersion,
    /// The base's glibc.
    pub available: GlibcVersion,
    /// The imports at each too-new version.
    pub detail: String,
}

fn needs<Elf: FileHeader<Endian = object::Endianness>>(
    data: &[u8],
) -> object::read::Result<GlibcNeeds> {
    let header = Elf::parse(data)?;
    let endian = header.endian()?;
    let sections = header.sections(endian, data)?;
    let mut out = GlibcNeeds::default();
    let Some(versions) = sections.versions(endian, data)? else {
        return Ok(out);
    };
    let dynsym = sections.symbols(endian, data, elf::SHT_DYNSYM)?;
    for (index, sym) in dynsym.enumerate().skip(1) {
        if !sym.is_undefined(endian) {
            continue;
        }
        let version = versions.version(versions.version_index(endian, index).index())?;
        let Some(glibc) = version
            .and_then(|v| std::str::from_utf8(v.name()).ok())
            .and_then(GlibcVersion::from_version_name)
        else {
            continue;
        };
        let name = String::from_utf8_lossy(sym.name(endian, dynsym.strings())?).into_owned();
        out.symbols.entry(glibc).or_default().push(name);
    }
    for names in out.symbols.values_mut() {
        names.sort();
        names.dedup();
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// This test executable is linked against the glibc of the machine that
    /// builds it, so it imports at least one `GLIBC_` symbol.
    #[test]
    fn reads_the_glibc_imports_of_a_real_executable() {
        let exe = std::env::current_exe().unwrap();
        let needs = GlibcNeeds::read(&exe).unwrap();
        let newest = needs
            .newest()
            .expect("a glibc-linked test binary imports GLIBC_ symbols");
        assert!(newest >= GlibcVersion { major: 2, minor: 2 });
        let too_old = Base {
            name: "ubuntu".into(),
            channel: "18.04".into(),
        };
        if newest > too_old.glibc().unwrap() {
            let err = needs.check(&exe, &too_old).unwrap_err();
            assert_eq!(err.needed, newest);
            assert!(err.to_string().contains("x86_64-unknown-linux-musl"));
        }
        let unknown = Base {
            name: "centos".into(),
            channel: "7".into(),
        };
        assert!(needs.check(&exe, &unknown).is_ok());
    }

    #[test]
    fn a_text_file_is_not_elf() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("dispatch");
        std::fs::write(&p, "#!/bin/sh\n").unwrap();
        assert!(matches!(GlibcNeeds::read(&p), Err(ElfError::NotElf { .. })));
    }

    #[test]
    fn missing_lists_only_versions_above_the_base() {
        let v = |m| GlibcVersion { major: 2, minor: m };
        let needs = GlibcNeeds {
            symbols: BTreeMap::from([
                (v(2), vec!["malloc".into()]),
                (v(34), vec!["__libc_start_main".into()]),
                (v(36), vec!["arc4random".into()]),
            ]),
        };
        let missing = needs.missing_from(v(31));
        assert_eq!(missing.len(), 2);
        assert_eq!(missing[0].0, v(36));
        let base = Base::parse("ubuntu@20.04").unwrap();
        let err = needs.check(Path::new("x"), &base).unwrap_err();
        assert_eq!(err.needed, v(36));
        assert!(err
            .detail
            .contains("GLIBC_2.36: arc4random; GLIBC_2.34: __libc_start_main"));
        assert!(needs
            .check(Path::new("x"), &Base::parse("ubuntu@24.04").unwrap())
            .is_ok());
    }
}
