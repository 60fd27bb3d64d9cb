//! `cargo charm new` / `init`: a charm crate that builds, tests, simulates and
//! packs with no edits.

use std::fs;
use std::path::{Path, PathBuf};

use minijinja::Environment;
use serde::Serialize;

use crate::base::{Base, BaseError};

/// The files of a new charm: (path in the charm, template).
const FILES: &[(&str, &str)] = &[
    ("Cargo.toml", include_str!("../templates/Cargo.toml.j2")),
    (
        "charmcraft.yaml",
        include_str!("../templates/charmcraft.yaml.j2"),
    ),
    ("src/main.rs", include_str!("../templates/main.rs.j2")),
    ("tests/charm.rs", include_str!("../templates/test.rs.j2")),
    (
        "tests/{name}.yaml",
        include_str!("../templates/scenario.yaml.j2"),
    ),
    (".gitignore", include_str!("../templates/gitignore.j2")),
];

/// The symlinks of `charm/`, the directory jujusim deploys during development:
/// (link, target).
const LINKS: &[(&str, &str)] = &[
    ("charm/charmcraft.yaml", "../charmcraft.yaml"),
    ("charm/dispatch", "../target/release/{name}"),
];

/// Errors creating a charm.
#[derive(Debug, thiserror::Error)]
pub enum ScaffoldError {
    /// Not a valid charm name.
    #[error("{0:?} is not a valid charm name: use lowercase letters, digits and single hyphens, starting with a letter, at most 40 characters (e.g. my-charm)")]
    BadName(String),
    /// A file the scaffold would write is already there.
    #[error("{0} already exists: cargo charm never overwrites files (use `cargo charm init` in an empty directory)")]
    Exists(PathBuf),
    /// No charm-reactive checkout to depend on.
    #[error("no charm-reactive checkout at {0} (expected engine/Cargo.toml there): pass --charm-reactive-path")]
    NoCheckout(PathBuf),
    /// The base does not parse.
    #[error(transparent)]
    Base(#[from] BaseError),
    /// A template failed to render (a bug in cargo-charm).
    #[error("template {file}: {source}")]
    Template {
        /// The file being rendered.
        file: String,
        /// The template engine's error.
        source: minijinja::Error,
    },
    /// Writing failed.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
}

/// What `new`/`init` fill in.
#[derive(Debug, Clone)]
pub struct ScaffoldOptions {
    /// The charm's (and crate's) name.
    pub name: String,
    /// `ubuntu@22.04`.
    pub base: String,
    /// The charm-reactive checkout to depend on by path.
    pub charm_reactive_path: PathBuf,
}

#[derive(Serialize)]
struct Vars {
    name: String,
    title: String,
    base: String,
    engine_path: String,
    harness_crate: &'static str,
    harness_path: String,
    harness_module: &'static str,
}

/// The checkout this cargo-charm was built from (its workspace root).
pub fn default_checkout() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap_or(Path::new("."))
        .to_owned()
}

/// charmcraft's project-name rule: lowercase letters, digits and hyphens,
/// starting with a letter, no double or trailing hyphen, at most 40 characters.
pub fn valid_name(name: &str) -> bool {
    let first_ok = name.chars().next().is_some_and(|c| c.is_ascii_lowercase());
    first_ok
        && name.len() <= 40
        && !name.ends_with('-')
        && !name.contains("--")
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

/// Writes a new charm into `dir` (created if missing), refusing to touch any
/// file that already exists. Returns the files written.
pub fn scaffold(dir: &Path, opts: &ScaffoldOptions) -> Result<Vec<PathBuf>, ScaffoldError> {
    if !valid_name(&opts.name) {
        return Err(ScaffoldError::BadName(opts.name.clone()));
    }
    Base::parse(&opts.base)?;
    let checkout = opts
        .charm_reactive_path
        .canonicalize()
        .map_err(|_| ScaffoldError::NoCheckout(opts.charm_reactive_path.clone()))?;
    if !checkout.join("engine/Cargo.toml").is_file() {
        return Err(ScaffoldError::NoCheckout(checkout));
    }
    let vars = Vars {
        name: opts.name.clone(),
        title: title(&opts.name),
        base: opts.base.clone(),
        engine_path: checkout.join("engine").display().to_string(),
        harness_crate: "charm-reactive-testing",
        harness_path: checkout.join("testing").display().to_string(),
        harness_module: "charm_reactive_testing",
    };
    let named = |p: &str| dir.join(p.replace("{name}", &opts.name));
    let targets: Vec<PathBuf> = FILES
        .iter()
        .map(|(p, _)| named(p))
        .chain(LINKS.iter().map(|(p, _)| named(p)))
        .collect();
    if let Some(existing) = targets.iter().find(|p| p.symlink_metadata().is_ok()) {
        return Err(ScaffoldError::Exists(existing.clone()));
    }
    let mut env = Environment::new();
    env.set_keep_trailing_newline(true);
    for (path, template) in FILES {
        let text = env
            .render_str(template, &vars)
            .map_err(|source| ScaffoldError::Template {
                file: (*path).to_owned(),
                source,
            })?;
        write(&named(path), text.as_bytes())?;
    }
    for (link, target) in LINKS {
        let link = named(link);
        mkdir_parent(&link)?;
        std::os::unix::fs::symlink(target.replace("{name}", &opts.name), &link).map_err(
            |source| ScaffoldError::Io {
                path: link.clone(),
                source,
            },
        )?;
    }
    Ok(targets)
}

/// `my-charm` -> `My Charm`.
fn title(name: &str) -> String {
    name.split('-')
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                .unwrap_or_default()
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn mkdir_parent(path: &Path) -> Result<(), ScaffoldError> {
    let parent = path.parent().unwrap_or(Path::new("."));
    fs::create_dir_all(parent).map_err(|source| ScaffoldError::Io {
        path: parent.to_owned(),
        source,
    })
}

fn write(path: &Path, bytes: &[u8]) -> Result<(), ScaffoldError> {
    mkdir_parent(path)?;
    fs::write(path, bytes).map_err(|source| ScaffoldError::Io {
        path: path.to_owned(),
        source,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_charmcrafts_rule() {
        for ok in ["hello", "my-charm2", "a"] {
            assert!(valid_name(ok), "{ok}");
        }
        for bad in [
            "",
            "Hello",
            "2x",
            "my--charm",
            "x-",
            "my_charm",
            &"a".repeat(41),
        ] {
            assert!(!valid_name(bad), "{bad}");
        }
        assert_eq!(title("my-charm"), "My Charm");
    }

    #[test]
    fn scaffold_writes_every_file_once_and_never_overwrites() {
        let dir = tempfile::tempdir().unwrap();
        let opts = ScaffoldOptions {
            name: "hello".into(),
            base: "ubuntu@22.04".into(),
            charm_reactive_path: default_checkout(),
        };
        let written = scaffold(dir.path(), &opts).unwrap();
        assert_eq!(written.len(), FILES.len() + LINKS.len());
        let charmcraft = fs::read_to_string(dir.path().join("charmcraft.yaml")).unwrap();
        assert!(charmcraft.contains("name: hello\n"));
        assert!(charmcraft.contains("bin/hello: dispatch"));
        let cargo = fs::read_to_string(dir.path().join("Cargo.toml")).unwrap();
        assert!(cargo.contains(&format!(
            "path = \"{}/engine\"",
            default_checkout().canonicalize().unwrap().display()
        )));
        assert!(dir.path().join("tests/hello.yaml").is_file());
        assert_eq!(
            fs::read_link(dir.path().join("charm/dispatch")).unwrap(),
            Path::new("../target/release/hello")
        );
        let err = scaffold(dir.path(), &opts).unwrap_err();
        assert!(matches!(err, ScaffoldError::Exists(_)), "{err}");
        let bad = ScaffoldOptions {
            name: "Bad".into(),
            ..opts.clone()
        };
        assert!(matches!(
            scaffold(dir.path(), &bad),
            Err(ScaffoldError::BadName(_))
        ));
        let nowhere = ScaffoldOptions {
            charm_reactive_path: dir.path().into(),
            ..opts
        };
        let other = tempfile::tempdir().unwrap();
        assert!(matches!(
            scaffold(other.path(), &nowhere),
            Err(ScaffoldError::NoCheckout(_))
        ));
    }
}
