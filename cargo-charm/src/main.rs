//! The `cargo charm` subcommand (cargo runs it as `cargo-charm charm ...`).

use std::path::PathBuf;

use anyhow::Context as _;
use cargo_charm::pack::{pack, PackOptions};
use cargo_charm::scaffold::{default_checkout, scaffold, ScaffoldOptions};
use clap::{Args, Parser, Subcommand};

/// Juju charms in Rust with charm-reactive.
#[derive(Parser)]
#[command(name = "cargo charm", bin_name = "cargo charm", version)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Create a new charm crate in directory NAME.
    New {
        /// The charm's name (also the crate's and the directory's).
        name: String,
        #[command(flatten)]
        scaffold: ScaffoldArgs,
    },
    /// Create a charm crate in an existing directory.
    Init {
        /// The directory (default: the current one).
        #[arg(default_value = ".")]
        path: PathBuf,
        /// The charm's name (default: the directory's name).
        #[arg(long)]
        name: Option<String>,
        #[command(flatten)]
        scaffold: ScaffoldArgs,
    },
    /// Build the charm's release binary and pack it as <name>_<base>-<arch>.charm.
    Pack(PackArgs),
}

#[derive(Args)]
struct ScaffoldArgs {
    /// The base the charm runs on.
    #[arg(long, default_value = "ubuntu@22.04")]
    base: String,
    /// The charm-reactive checkout the charm depends on by path (default: the
    /// one this cargo-charm was built from).
    #[arg(long, value_name = "PATH")]
    charm_reactive_path: Option<PathBuf>,
}

#[derive(Args)]
struct PackArgs {
    /// Path to the charm crate's Cargo.toml.
    #[arg(long, value_name = "PATH")]
    manifest_path: Option<PathBuf>,
    /// The binary that becomes the charm's dispatch (default: the package's).
    #[arg(long, value_name = "NAME")]
    bin: Option<String>,
    /// Build for the target triple (its CPU picks the platform in charmcraft.yaml).
    #[arg(long, value_name = "TRIPLE")]
    target: Option<String>,
    /// Build with the release profile (the default).
    #[arg(long, conflicts_with = "profile")]
    release: bool,
    /// Build with the given cargo profile.
    #[arg(long, value_name = "PROFILE-NAME", default_value = "release")]
    profile: String,
    /// Directory for the .charm (default: the crate's directory).
    #[arg(long, value_name = "DIR")]
    output_dir: Option<PathBuf>,
}

impl ScaffoldArgs {
    fn options(self, name: String) -> ScaffoldOptions {
        ScaffoldOptions {
            name,
            base: self.base,
            charm_reactive_path: self.charm_reactive_path.unwrap_or_else(default_checkout),
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::New { name, scaffold: s } => {
            let dir = PathBuf::from(&name);
            scaffold(&dir, &s.options(name.clone()))?;
            eprintln!("     Created charm `{name}` (cd {name} && cargo test && jujusim run tests/{name}.yaml && cargo charm pack)");
        }
        Command::Init {
            path,
            name,
            scaffold: s,
        } => {
            let name = match name {
                Some(n) => n,
                None => path
                    .canonicalize()
                    .with_context(|| format!("{}", path.display()))?
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .context("the directory has no name: pass --name")?,
            };
            scaffold(&path, &s.options(name.clone()))?;
            eprintln!("     Created charm `{name}` in {}", path.display());
        }
        Command::Pack(p) => {
            let packed = pack(&PackOptions {
                manifest_path: p.manifest_path,
                bin: p.bin,
                target: p.target,
                profile: p.profile,
                output_dir: p.output_dir,
            })?;
            eprintln!(
                "      Packed {} ({}, {})",
                packed.path.display(),
                packed.run_on.base,
                packed.run_on.architectures.join(",")
            );
        }
    }
    Ok(())
}

fn main() {
    // cargo runs `cargo-charm charm <args>`; run directly, there is no `charm`.
    let mut args: Vec<_> = std::env::args_os().collect();
    if args.get(1).is_some_and(|a| a == "charm") {
        args.remove(1);
    }
    if let Err(e) = run(Cli::parse_from(args)) {
        eprintln!("error: {e:#}");
        std::process::exit(1);
    }
}
