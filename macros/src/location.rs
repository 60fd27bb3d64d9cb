//! Where a handler is declared: its file relative to the crate root and the line
//! of its outermost reactive attribute, as charms.reactive's handler ids read.

use std::path::{Component, Path, PathBuf};

/// A declaration site.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    /// The source file relative to the crate root (`src/charm.rs`), with `/`.
    pub file: String,
    /// The 1-based line.
    pub line: u32,
}

impl Location {
    /// The site of the macro being expanded: for an attribute macro, the
    /// attribute itself. Only callable while the compiler runs a macro.
    pub fn of_call_site() -> Location {
        let span = proc_macro::Span::call_site();
        let path = span
            .local_file()
            .unwrap_or_else(|| PathBuf::from(span.file()));
        let cwd = std::env::current_dir().ok();
        let manifest_dir = std::env::var_os("CARGO_MANIFEST_DIR").map(PathBuf::from);
        let file = manifest_dir
            .as_deref()
            .and_then(|dir| {
                relative_to(&path, cwd.as_deref(), dir)
                    // Symlinked checkouts: compare the resolved paths too.
                    .or_else(|| {
                        relative_to(
                            &canonical(&path, cwd.as_deref())?,
                            None,
                            &dir.canonicalize().ok()?,
                        )
                    })
            })
            .unwrap_or_else(|| slashed(&path));
        Location {
            file,
            line: u32::try_from(span.line()).unwrap_or(u32::MAX),
        }
    }
}

/// `path` (resolved against `cwd` when relative, as rustc sees it) relative to
/// `dir`, with `/` separators; `None` if it is not under `dir`.
pub fn relative_to(path: &Path, cwd: Option<&Path>, dir: &Path) -> Option<String> {
    let absolute = match cwd {
        Some(cwd) if path.is_relative() => cwd.join(path),
        _ => path.to_path_buf(),
    };
    absolute.strip_prefix(dir).ok().map(slashed)
}

/// The resolved form of `path`, if it exists.
fn canonical(path: &Path, cwd: Option<&Path>) -> Option<PathBuf> {
    match cwd {
        Some(cwd) if path.is_relative() => cwd.join(path).canonicalize().ok(),
        _ => path.canonicalize().ok(),
    }
}

/// `path` with `/` between components, whatever the platform.
fn slashed(path: &Path) -> String {
    path.components()
        .filter(|c| !matches!(c, Component::CurDir))
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn workspace_relative_path_is_made_crate_relative() {
        // Cargo runs rustc from the workspace root with a workspace-relative path.
        let got = relative_to(
            Path::new("engine/tests/macros.rs"),
            Some(Path::new("/work/main")),
            Path::new("/work/main/engine"),
        );
        assert_eq!(got.as_deref(), Some("tests/macros.rs"));
    }

    #[test]
    fn absolute_path_is_made_crate_relative() {
        let got = relative_to(
            Path::new("/home/u/charm/src/reactive/db.rs"),
            None,
            Path::new("/home/u/charm"),
        );
        assert_eq!(got.as_deref(), Some("src/reactive/db.rs"));
    }

    #[test]
    fn path_outside_the_crate_is_none() {
        assert_eq!(
            relative_to(
                Path::new("/elsewhere/x.rs"),
                None,
                Path::new("/home/u/charm")
            ),
            None
        );
        assert_eq!(
            relative_to(
                Path::new("src/x.rs"),
                Some(Path::new("/a")),
                Path::new("/b")
            ),
            None
        );
    }

    #[test]
    fn current_dir_components_are_dropped() {
        assert_eq!(slashed(Path::new("./src/./charm.rs")), "src/charm.rs");
    }
}
