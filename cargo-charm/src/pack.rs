//! `cargo charm pack`: build the release binary, check it can run on the base,
//! and write `<name>_<base>-<arch>.charm`.

use std::fs;
use std::io::Cursor;
use std::path::{Path, PathBuf};

use crate::archive::{self, Entries, Entry};
use crate::base::{arch_of_target, host_arch, BaseError};
use crate::cargo::{CargoError, CharmCrate};
use crate::charmcraft::{Project, ProjectError, RunOn};
use crate::glibc::{ElfError, GlibcNeeds, GlibcTooNew};
use crate::hooks::hook_names;
use crate::manifest::Manifest;

/// Files a charm may carry besides what pack generates, taken from the
/// project directory when present (charmcraft's `CHARM_OPTIONAL_FILES`).
const OPTIONAL_FILES: &[&str] = &[
    "icon.svg",
    "README.md",
    "LICENSE",
    "metrics.yaml",
    "lxd-profile.yaml",
    "version",
];

/// Errors of `cargo charm pack`.
#[derive(Debug, thiserror::Error)]
pub enum PackError {
    /// cargo failed.
    #[error(transparent)]
    Cargo(#[from] CargoError),
    /// charmcraft.yaml or the charm's files are wrong.
    #[error(transparent)]
    Project(#[from] ProjectError),
    /// The target has no Juju architecture.
    #[error(transparent)]
    Base(#[from] BaseError),
    /// The binary is not a readable ELF file.
    #[error(transparent)]
    Elf(#[from] ElfError),
    /// The binary needs a newer glibc than the base has.
    #[error(transparent)]
    GlibcTooNew(#[from] GlibcTooNew),
    /// `SOURCE_DATE_EPOCH` is not a number of seconds.
    #[error("SOURCE_DATE_EPOCH={0:?} is not a whole number of seconds since 1970")]
    SourceDateEpoch(String),
    /// Reading an input or writing the .charm failed.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// The zip writer failed.
    #[error("writing {path}: {source}")]
    Zip {
        /// The .charm.
        path: PathBuf,
        /// The underlying error.
        source: zip::result::ZipError,
    },
}

fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> PackError + '_ {
    move |source| PackError::Io {
        path: path.to_owned(),
        source,
    }
}

/// What to pack and how.
#[derive(Debug, Clone)]
pub struct PackOptions {
    /// `--manifest-path`: the charm crate's Cargo.toml (default: the current package).
    pub manifest_path: Option<PathBuf>,
    /// `--bin`: the binary to pack.
    pub bin: Option<String>,
    /// `--target`: a Rust target triple (default: the host's).
    pub target: Option<String>,
    /// `--profile`: cargo profile (default `release`).
    pub profile: String,
    /// `--output-dir`: where the .charm goes (default: the crate's directory, as
    /// charmcraft writes it into the directory it runs in).
    pub output_dir: Option<PathBuf>,
}

/// A packed charm.
#[derive(Debug, Clone)]
pub struct Packed {
    /// The .charm file.
    pub path: PathBuf,
    /// The base and architecture it is for.
    pub run_on: RunOn,
}

/// The pack's start time for `charmcraft-started-at` and the zip entries:
/// `SOURCE_DATE_EPOCH` when set (reproducible-builds.org), else 1980-01-01,
/// the earliest a zip can say, so the same inputs always give the same bytes.
pub fn source_date_epoch() -> Result<i64, PackError> {
    match std::env::var("SOURCE_DATE_EPOCH") {
        Ok(v) => v.trim().parse().map_err(|_| PackError::SourceDateEpoch(v)),
        Err(_) => Ok(315_532_800),
    }
}

/// Builds and packs the charm crate `opts` names.
pub fn pack(opts: &PackOptions) -> Result<Packed, PackError> {
    let krate = CharmCrate::locate(opts.manifest_path.as_deref(), opts.bin.as_deref())?;
    let project = Project::find(krate.dir())?;
    let arch = match &opts.target {
        Some(t) => arch_of_target(t)?,
        None => host_arch()?,
    };
    let run_on = project.run_on_for(arch)?;
    let epoch = source_date_epoch()?;
    let binary = krate.build(&opts.profile, opts.target.as_deref())?;
    let out_dir = opts
        .output_dir
        .clone()
        .unwrap_or_else(|| krate.dir().to_owned());
    pack_binary(&project, &binary, &run_on, epoch, &out_dir)
}

/// Packs an already built `binary` as `project`'s dispatch, for `run_on`,
/// into `out_dir`, refusing a binary its base's glibc cannot run.
pub fn pack_binary(
    project: &Project,
    binary: &Path,
    run_on: &RunOn,
    epoch: i64,
    out_dir: &Path,
) -> Result<Packed, PackError> {
    GlibcNeeds::read(binary)?.check(binary, &run_on.base)?;
    let entries = entries(project, binary, run_on, epoch)?;
    let file_name = format!(
        "{}_{}-{}.charm",
        project.name()?,
        run_on.base,
        run_on.architectures.join("-")
    );
    fs::create_dir_all(out_dir).map_err(io_err(out_dir))?;
    let path = out_dir.join(file_name);
    let bytes = archive::write(Cursor::new(Vec::new()), &entries, archive::zip_time(epoch))
        .map_err(|source| PackError::Zip {
            path: path.clone(),
            source,
        })?
        .into_inner();
    // Write beside and rename, so a reader never sees half a charm.
    let partial = path.with_extension("charm.partial");
    fs::write(&partial, bytes).map_err(io_err(&partial))?;
    fs::rename(&partial, &path).map_err(io_err(&path))?;
    Ok(Packed {
        path,
        run_on: run_on.clone(),
    })
}

/// Everything in the .charm: dispatch (the binary, 0755), the derived YAML
/// files (0644), manifest.yaml, `hooks/<name> -> ../dispatch` for every hook
/// the metadata implies, and the project's optional files.
pub fn entries(
    project: &Project,
    binary: &Path,
    run_on: &RunOn,
    epoch: i64,
) -> Result<Entries, PackError> {
    let mut entries = Entries::new();
    let file = |bytes: Vec<u8>| Entry::File { bytes, mode: 0o644 };
    let dispatch = fs::read(binary).map_err(io_err(binary))?;
    entries.insert(
        "dispatch".into(),
        Entry::File {
            bytes: dispatch,
            mode: 0o755,
        },
    );
    entries.insert("metadata.yaml".into(), file(project.metadata_yaml()?));
    if let Some(config) = project.config_yaml()? {
        entries.insert("config.yaml".into(), file(config));
    }
    if let Some(actions) = project.actions_yaml()? {
        entries.insert("actions.yaml".into(), file(actions));
    }
    entries.insert(
        "manifest.yaml".into(),
        file(Manifest::new(run_on, epoch).to_yaml().into_bytes()),
    );
    for hook in hook_names(&project.metadata()) {
        entries.insert(
            format!("hooks/{hook}"),
            Entry::Symlink("../dispatch".into()),
        );
    }
    for name in OPTIONAL_FILES {
        let p = project.dir.join(name);
        if p.is_file() {
            entries.insert((*name).to_owned(), file(fs::read(&p).map_err(io_err(&p))?));
        }
    }
    Ok(entries)
}
