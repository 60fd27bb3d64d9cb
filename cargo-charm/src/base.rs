//! Bases (`ubuntu@22.04`), architectures, and the glibc each Ubuntu base ships.

use std::fmt;

/// An error in a base, architecture or glibc version string.
#[derive(Debug, thiserror::Error)]
pub enum BaseError {
    /// Not `<os>@<channel>` (or `<os>:<channel>`).
    #[error("base {0:?} is not of the form ubuntu@22.04")]
    Malformed(String),
    /// A Rust target triple whose CPU Juju has no architecture name for.
    #[error("target {0:?} has no Juju architecture (amd64, arm64, ppc64el, s390x, riscv64)")]
    UnknownTarget(String),
}

/// An operating system and channel a charm runs on, as charmcraft.yaml's
/// `base:` (`ubuntu@22.04`) or `bases:` (`{name: ubuntu, channel: "22.04"}`) says.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Base {
    /// `ubuntu`.
    pub name: String,
    /// `22.04`.
    pub channel: String,
}

impl Base {
    /// Parses `ubuntu@22.04` (charmcraft's form) or `ubuntu:22.04` (a platform's `build-for`).
    pub fn parse(text: &str) -> Result<Base, BaseError> {
        let (name, channel) = text
            .split_once('@')
            .or_else(|| text.split_once(':'))
            .filter(|(n, c)| !n.is_empty() && !c.is_empty())
            .ok_or_else(|| BaseError::Malformed(text.to_owned()))?;
        Ok(Base {
            name: name.to_owned(),
            channel: channel.to_owned(),
        })
    }

    /// The glibc this base's libc6 package ships, for the Ubuntu releases Juju
    /// deploys charms on.
    pub fn glibc(&self) -> Option<GlibcVersion> {
        if self.name != "ubuntu" {
            return None;
        }
        let (major, minor) = match self.channel.as_str() {
            "18.04" => (2, 27),
            "20.04" => (2, 31),
            "22.04" => (2, 35),
            "24.04" => (2, 39),
            _ => return None,
        };
        Some(GlibcVersion { major, minor })
    }
}

impl fmt::Display for Base {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}@{}", self.name, self.channel)
    }
}

/// A glibc symbol version, `GLIBC_2.34` being 2.34.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct GlibcVersion {
    /// 2.
    pub major: u32,
    /// 34.
    pub minor: u32,
}

impl GlibcVersion {
    /// Parses an ELF version name such as `GLIBC_2.34` or `GLIBC_2.2.5`
    /// (a third component is ignored); `None` for anything else (`GLIBC_PRIVATE`).
    pub fn from_version_name(name: &str) -> Option<GlibcVersion> {
        let mut parts = name.strip_prefix("GLIBC_")?.split('.');
        let major = parts.next()?.parse().ok()?;
        let minor = parts.next()?.parse().ok()?;
        Some(GlibcVersion { major, minor })
    }
}

impl fmt::Display for GlibcVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.major, self.minor)
    }
}

/// Juju's name for the architecture of a Rust target triple
/// (`x86_64-unknown-linux-gnu` is `amd64`).
pub fn arch_of_target(triple: &str) -> Result<&'static str, BaseError> {
    let cpu = triple.split('-').next().unwrap_or_default();
    Ok(match cpu {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        "powerpc64le" => "ppc64el",
        "s390x" => "s390x",
        "riscv64" | "riscv64gc" => "riscv64",
        _ => return Err(BaseError::UnknownTarget(triple.to_owned())),
    })
}

/// Juju's name for the architecture `cargo-charm` itself was built for: what a
/// `cargo build` without `--target` produces.
pub fn host_arch() -> Result<&'static str, BaseError> {
    arch_of_target(std::env::consts::ARCH)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bases_parse_in_both_spellings_and_know_their_glibc() {
        let b = Base::parse("ubuntu@22.04").unwrap();
        assert_eq!(b, Base::parse("ubuntu:22.04").unwrap());
        assert_eq!(b.to_string(), "ubuntu@22.04");
        assert_eq!(
            b.glibc(),
            Some(GlibcVersion {
                major: 2,
                minor: 35
            })
        );
        assert_eq!(
            Base::parse("ubuntu@20.04")
                .unwrap()
                .glibc()
                .unwrap()
                .to_string(),
            "2.31"
        );
        assert_eq!(
            Base::parse("ubuntu@24.04")
                .unwrap()
                .glibc()
                .unwrap()
                .to_string(),
            "2.39"
        );
        assert!(Base::parse("centos@7").unwrap().glibc().is_none());
        assert!(Base::parse("ubuntu").is_err());
        assert!(Base::parse("@22.04").is_err());
    }

    #[test]
    fn glibc_versions_order_numerically() {
        let v = |s| GlibcVersion::from_version_name(s).unwrap();
        assert!(v("GLIBC_2.34") > v("GLIBC_2.4"));
        assert_eq!(v("GLIBC_2.2.5"), GlibcVersion { major: 2, minor: 2 });
        assert!(GlibcVersion::from_version_name("GLIBC_PRIVATE").is_none());
        assert!(GlibcVersion::from_version_name("GCC_3.0").is_none());
    }

    #[test]
    fn target_triples_map_to_juju_architectures() {
        assert_eq!(arch_of_target("x86_64-unknown-linux-gnu").unwrap(), "amd64");
        assert_eq!(
            arch_of_target("aarch64-unknown-linux-musl").unwrap(),
            "arm64"
        );
        assert_eq!(
            arch_of_target("powerpc64le-unknown-linux-gnu").unwrap(),
            "ppc64el"
        );
        assert!(arch_of_target("wasm32-unknown-unknown").is_err());
    }
}
