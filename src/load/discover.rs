//! Which files are manifests: the default globs of manifest.md (or the
//! config's `manifests:`), minus `exclude:`, in sorted order; and, from the
//! same walk, which are dependency files.

use crate::diagnostic::{Code, Diagnostic};
use crate::load::tree::{self, Tree};
use crate::manifest::{CONFIG_NAMES, DEFAULT_GLOBS};
use crate::span::Place;
use globset::{Glob, GlobBuilder, GlobSet, GlobSetBuilder};

pub struct Globs {
    include: GlobSet,
    exclude: GlobSet,
    /// `exclude` patterns with `/**` appended, to prune whole directories.
    exclude_dirs: GlobSet,
}

/// The longest glob accepted, in bytes (a path on Linux is at most 4096).
/// globset's matcher takes time and memory far beyond linear in the
/// pattern: a 100,000-character `exclude` took minutes, a 400,000-character
/// `rulepacks` pattern failed inside it.
pub const MAX_GLOB_BYTES: usize = 1024;

/// The most patterns one list (`manifests`, `exclude`, `rulepacks`) may hold.
pub const MAX_GLOBS: usize = 1000;

/// Compiles one pattern of the config (`/` matched literally), or says
/// why not in words for a diagnostic.
pub fn glob(pattern: &str) -> Result<Glob, String> {
    if pattern.len() > MAX_GLOB_BYTES {
        return Err(format!(
            "glob is longer than {MAX_GLOB_BYTES} bytes ({}): `{}`",
            pattern.len(),
            crate::diagnostic::excerpt(pattern)
        ));
    }
    GlobBuilder::new(pattern)
        .literal_separator(true)
        .build()
        .map_err(|e| {
            format!(
                "invalid glob `{}`: {}",
                crate::diagnostic::excerpt(pattern),
                e.kind()
            )
        })
}

/// The diagnostic when a list holds more than `MAX_GLOBS` patterns.
pub fn too_many_globs(section: &str, n: usize) -> Diagnostic {
    Diagnostic::error(
        Code::BadGlob,
        format!("`{section}` lists {n} patterns; at most {MAX_GLOBS} are allowed"),
    )
    .label("too many patterns")
    .help("match directories with `**` instead of listing files one by one")
}

impl Globs {
    /// Compiles the globs; a bad pattern is a diagnostic on the config line
    /// (`pointer` is where the list sits in the config).
    pub fn new(
        include: Option<&[String]>,
        exclude: &[String],
        config_file: Option<&str>,
    ) -> Result<Globs, Vec<Diagnostic>> {
        let mut errors = Vec::new();
        let mut build = |patterns: Vec<String>, section: &str, dirs: bool| {
            let mut set = GlobSetBuilder::new();
            if patterns.len() > MAX_GLOBS {
                if !dirs {
                    let d = too_many_globs(section, patterns.len());
                    errors.push(match config_file {
                        Some(f) => d.at(f, Place::key(format!("/{section}"))),
                        None => d,
                    });
                }
                return GlobSet::empty();
            }
            for (i, p) in patterns.iter().enumerate() {
                let pattern = if dirs {
                    format!("{}/**", p.trim_end_matches('/'))
                } else {
                    p.clone()
                };
                match glob(&pattern) {
                    Ok(g) => {
                        set.add(g);
                    }
                    Err(why) if !dirs => {
                        let d = Diagnostic::error(Code::BadGlob, why).label("invalid glob");
                        errors.push(match config_file {
                            Some(f) => d.at(f, Place::value(format!("/{section}/{i}"))),
                            None => d,
                        });
                    }
                    Err(_) => {}
                }
            }
            set.build().unwrap_or_else(|_| GlobSet::empty())
        };
        let include = match include {
            Some(list) => build(list.to_vec(), "manifests", false),
            None => build(
                DEFAULT_GLOBS.iter().map(|s| s.to_string()).collect(),
                "manifests",
                false,
            ),
        };
        let exclude_set = build(exclude.to_vec(), "exclude", false);
        let exclude_dirs = build(exclude.to_vec(), "exclude", true);
        if errors.is_empty() {
            Ok(Globs {
                include,
                exclude: exclude_set,
                exclude_dirs,
            })
        } else {
            Err(errors)
        }
    }

    /// Whether discovery descends into `dir` (not excluded).
    pub fn keep_dir(&self, dir: &str) -> bool {
        !self.exclude.is_match(dir) && !self.exclude_dirs.is_match(format!("{dir}/x"))
    }

    /// Whether the globs take every file below `dir` (`declarations/**`):
    /// such a directory matches them for what it holds, not for its name.
    fn includes_all_below(&self, dir: &str) -> bool {
        self.include.is_match(format!("{dir}/x"))
    }

    /// The indices of the include patterns that match none of `paths`.
    pub fn unmatched_includes(&self, paths: &[String]) -> Vec<usize> {
        let mut matched = vec![false; self.include.len()];
        for p in paths {
            for i in self.include.matches(p.as_str()) {
                matched[i] = true;
            }
        }
        (0..matched.len()).filter(|&i| !matched[i]).collect()
    }

    fn is_manifest(&self, path: &str) -> bool {
        self.include.is_match(path) && !self.is_excluded(path)
    }

    /// Whether `exclude:` leaves `path` out.
    fn is_excluded(&self, path: &str) -> bool {
        self.exclude.is_match(path) || self.exclude_dirs.is_match(path)
    }
}

/// Manifest paths under the tree, sorted.
pub fn discover(tree: &dyn Tree, globs: &Globs) -> Result<Vec<String>, Vec<Diagnostic>> {
    match discover_all(tree, globs) {
        (paths, errors) if errors.is_empty() => Ok(paths),
        (_, errors) => Err(errors),
    }
}

/// The manifest paths that could be listed, sorted, and why others could
/// not (an unreadable directory, a symbolic link loop, a directory or FIFO
/// named like a manifest).
pub fn discover_all(tree: &dyn Tree, globs: &Globs) -> (Vec<String>, Vec<Diagnostic>) {
    let (paths, _, diagnostics) = discover_with_dependencies(tree, globs, false);
    (paths, diagnostics)
}

/// `discover_all`, and with `dependencies` the dependency files
/// (manifest.md, "Dependencies") of the same walk: the same root, skipped
/// directories and `exclude:`, sorted.
pub fn discover_with_dependencies(
    tree: &dyn Tree,
    globs: &Globs,
    dependencies: bool,
) -> (Vec<String>, Vec<String>, Vec<Diagnostic>) {
    let listing = tree.list(&|dir| globs.keep_dir(dir));
    let is_manifest = |f: &str| globs.is_manifest(f) && !CONFIG_NAMES.contains(&f);
    let dependency_files = if dependencies {
        listing
            .files
            .iter()
            .filter(|f| crate::load::deps::is_dependency_file(f) && !globs.is_excluded(f))
            .cloned()
            .collect()
    } else {
        Vec::new()
    };
    let paths = listing
        .files
        .into_iter()
        .filter(|f| is_manifest(f))
        .collect();
    // Of the links left out, only those named as manifests concern privgate.
    let mut diagnostics: Vec<Diagnostic> = listing
        .diagnostics
        .into_iter()
        .filter(|d| d.is_error() || d.file.as_deref().is_some_and(is_manifest))
        .collect();
    // Likewise of what is not a file; a config so named is reported by the
    // config's loader.
    let directories = listing
        .directories
        .iter()
        .filter(|d| is_manifest(d) && !globs.includes_all_below(d))
        .map(|d| (d, tree::A_DIRECTORY));
    let special = listing
        .special
        .iter()
        .filter(|f| is_manifest(f))
        .map(|f| (f, tree::NOT_REGULAR));
    diagnostics.extend(
        directories
            .chain(special)
            .map(|(path, what)| tree::not_a_manifest_file(path, what)),
    );
    (paths, dependency_files, diagnostics)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_globs_match_at_any_depth() {
        let g = Globs::new(None, &["examples/**".to_string()], None).unwrap();
        assert!(g.is_manifest("privacy.yaml"));
        assert!(g.is_manifest("a/b/privacy.yml"));
        assert!(g.is_manifest("privacy/vendors.privacy.yaml"));
        assert!(!g.is_manifest("a/privacy.json"));
        assert!(!g.is_manifest("examples/x/privacy.yaml"));
        assert!(!g.keep_dir("examples"));
        assert!(g.keep_dir("services"));
    }
}
