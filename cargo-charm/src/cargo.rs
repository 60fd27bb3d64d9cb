//! Asking cargo about the charm crate (`cargo metadata`) and building its
//! binary (`cargo build --release`), with the flags cargo subcommands share.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde::Deserialize;

/// Errors from cargo.
#[derive(Debug, thiserror::Error)]
pub enum CargoError {
    /// cargo could not be started.
    #[error("cannot run {cargo}: {source}")]
    Spawn {
        /// The cargo executable.
        cargo: String,
        /// The underlying error.
        source: std::io::Error,
    },
    /// cargo ran and failed.
    #[error("`{command}` failed ({status}){stderr}")]
    Failed {
        /// The command line.
        command: String,
        /// Its exit status.
        status: std::process::ExitStatus,
        /// What it printed on stderr, when captured.
        stderr: String,
    },
    /// `cargo metadata` printed something unexpected.
    #[error("cannot read `cargo metadata` output: {0}")]
    Metadata(String),
    /// The manifest is a virtual workspace manifest, or has no binary to pack.
    #[error("{manifest} has no binary target to pack (a charm crate has src/main.rs); choose one with --bin, or point --manifest-path at the charm crate")]
    NoBinary {
        /// The Cargo.toml.
        manifest: PathBuf,
    },
    /// `--bin` names no binary of the package.
    #[error("package {package} has no binary {bin:?} (it has: {available})")]
    UnknownBinary {
        /// The package.
        package: String,
        /// The requested binary.
        bin: String,
        /// Its binaries.
        available: String,
    },
}

/// The cargo executable: `$CARGO` (set when cargo runs a subcommand), else `cargo`.
pub fn cargo() -> String {
    std::env::var("CARGO").unwrap_or_else(|_| "cargo".into())
}

/// The crate to pack, as `cargo metadata` describes it.
#[derive(Debug, Clone)]
pub struct CharmCrate {
    /// Its Cargo.toml.
    pub manifest_path: PathBuf,
    /// The package name.
    pub package: String,
    /// The binary that becomes `dispatch`.
    pub bin: String,
    /// The workspace's target directory.
    pub target_dir: PathBuf,
}

#[derive(Deserialize)]
struct CargoMetadata {
    packages: Vec<Package>,
    target_directory: PathBuf,
}

#[derive(Deserialize)]
struct Package {
    name: String,
    manifest_path: PathBuf,
    targets: Vec<Target>,
}

#[derive(Deserialize)]
struct Target {
    name: String,
    kind: Vec<String>,
}

impl CharmCrate {
    /// Finds the package of `manifest_path` (or of the current directory) and
    /// the binary to pack: `bin`, else the one named like the package, else the only one.
    pub fn locate(
        manifest_path: Option<&Path>,
        bin: Option<&str>,
    ) -> Result<CharmCrate, CargoError> {
        let mut cmd = Command::new(cargo());
        cmd.args(["metadata", "--no-deps", "--format-version", "1"]);
        if let Some(m) = manifest_path {
            cmd.arg("--manifest-path").arg(m);
        }
        let out = run_captured(cmd)?;
        let meta: CargoMetadata =
            serde_json::from_slice(&out).map_err(|e| CargoError::Metadata(e.to_string()))?;
        let wanted = match manifest_path {
            Some(m) => m
                .canonicalize()
                .map_err(|e| CargoError::Metadata(format!("{}: {e}", m.display())))?,
            None => locate_project()?,
        };
        let package = meta
            .packages
            .into_iter()
            .find(|p| p.manifest_path == wanted)
            .ok_or_else(|| CargoError::NoBinary {
                manifest: wanted.clone(),
            })?;
        let bins: Vec<&str> = package
            .targets
            .iter()
            .filter(|t| t.kind.iter().any(|k| k == "bin"))
            .map(|t| t.name.as_str())
            .collect();
        let chosen = match bin {
            Some(b) if bins.contains(&b) => b,
            Some(b) => {
                return Err(CargoError::UnknownBinary {
                    package: package.name.clone(),
                    bin: b.to_owned(),
                    available: bins.join(", "),
                })
            }
            None => bins
                .iter()
                .find(|b| **b == package.name)
                .or_else(|| (bins.len() == 1).then(|| &bins[0]))
                .copied()
                .ok_or(CargoError::NoBinary {
                    manifest: wanted.clone(),
                })?,
        }
        .to_owned();
        Ok(CharmCrate {
            manifest_path: wanted,
            package: package.name,
            bin: chosen,
            target_dir: meta.target_directory,
        })
    }

    /// The crate's directory.
    pub fn dir(&self) -> &Path {
        self.manifest_path.parent().unwrap_or(Path::new("."))
    }

    /// Runs `cargo build --release` (or `--profile`) for the binary, with
    /// cargo's output on this process's terminal, and returns the binary's path.
    pub fn build(&self, profile: &str, target: Option<&str>) -> Result<PathBuf, CargoError> {
        let mut cmd = Command::new(cargo());
        cmd.arg("build")
            .arg("--manifest-path")
            .arg(&self.manifest_path)
            .args(["--bin", &self.bin, "--profile", profile]);
        if let Some(t) = target {
            cmd.args(["--target", t]);
        }
        let command = format!("{cmd:?}");
        let status = cmd.status().map_err(|source| CargoError::Spawn {
            cargo: cargo(),
            source,
        })?;
        if !status.success() {
            return Err(CargoError::Failed {
                command,
                status,
                stderr: String::new(),
            });
        }
        Ok(self.binary_path(profile, target))
    }

    /// Where cargo puts the binary for `profile` (`release` for the release profile).
    pub fn binary_path(&self, profile: &str, target: Option<&str>) -> PathBuf {
        let dir = if profile == "dev" { "debug" } else { profile };
        let mut p = self.target_dir.clone();
        if let Some(t) = target {
            p.push(t);
        }
        p.join(dir).join(&self.bin)
    }
}

/// `cargo locate-project`: the Cargo.toml of the package around the current directory.
fn locate_project() -> Result<PathBuf, CargoError> {
    let mut cmd = Command::new(cargo());
    cmd.args(["locate-project", "--message-format", "plain"]);
    let out = run_captured(cmd)?;
    Ok(PathBuf::from(String::from_utf8_lossy(&out).trim()))
}

fn run_captured(mut cmd: Command) -> Result<Vec<u8>, CargoError> {
    let command = format!("{cmd:?}");
    let out = cmd.output().map_err(|source| CargoError::Spawn {
        cargo: cargo(),
        source,
    })?;
    if !out.status.success() {
        return Err(CargoError::Failed {
            command,
            status: out.status,
            stderr: format!(": {}", String::from_utf8_lossy(&out.stderr).trim()),
        });
    }
    Ok(out.stdout)
}
