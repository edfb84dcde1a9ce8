//! Where files come from: the work tree, or (for `--staged` and
//! `--changed-since`) git objects. Every later stage reads through a `Tree`,
//! so the same pipeline judges the index or an old commit without a checkout.

use crate::diagnostic::{Code, Diagnostic};
use std::path::{Path, PathBuf};

/// Largest file privgate reads; anything larger is refused before reading.
pub const MAX_FILE_BYTES: u64 = 10 * 1024 * 1024;

/// Directory names never descended into, at any depth.
pub const SKIPPED_DIRS: [&str; 4] = [".git", "target", "node_modules", "vendor"];

pub trait Tree: Sync {
    /// Every file path (repository-relative, `/`-separated, sorted) for which
    /// `keep_dir` did not prune a parent directory.
    fn files(&self, keep_dir: &dyn Fn(&str) -> bool) -> Result<Vec<String>, Vec<Diagnostic>>;
    /// Like `files`, but with the files that could be listed even when some
    /// could not (an unreadable directory), so that the rest is still
    /// checked in the same run, and with what is there but is no file.
    fn list(&self, keep_dir: &dyn Fn(&str) -> bool) -> Listing {
        match self.files(keep_dir) {
            Ok(files) => Listing {
                files,
                ..Listing::default()
            },
            Err(diagnostics) => Listing {
                diagnostics,
                ..Listing::default()
            },
        }
    }
    /// Reads a file, refusing ones over `MAX_FILE_BYTES`.
    fn read(&self, path: &str) -> Result<Vec<u8>, Diagnostic>;
    /// Whether `path` names a file inside the tree.
    fn is_file(&self, path: &str) -> bool;
    /// Why `path`, present in the tree but not a file privgate can read
    /// (a directory, a link to nothing or out of the root, a FIFO), cannot
    /// be read; `None` when it is a file or not there at all.
    fn not_a_file(&self, path: &str) -> Option<&'static str> {
        let _ = path;
        None
    }
    /// Whether `path` is a file of the tree with exactly these bytes.
    fn holds(&self, path: &str, bytes: &[u8]) -> bool {
        self.read(path).is_ok_and(|b| b == bytes)
    }
    /// How the root is shown to people (`.`, `examples/acme-shop`, `HEAD~1`).
    fn label(&self) -> String;
    /// The nearest config in a directory above the root, within its git
    /// repository (`../privgate.yaml`): run from a subdirectory by mistake,
    /// privgate says what it is not reading.
    fn config_above(&self) -> Option<ConfigAbove> {
        None
    }
}

/// A config found above the root (`Tree::config_above`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigAbove {
    /// As shown, relative to the root: `../privgate.yaml`.
    pub shown: String,
    /// Its `exclude:` patterns (none when unreadable or broken).
    pub exclude: Vec<String>,
    /// The root's directory relative to that config's.
    pub below: String,
}

/// What a walk of a tree found.
#[derive(Debug, Default)]
pub struct Listing {
    /// Files privgate can read (regular files, and links to them inside the
    /// root), sorted.
    pub files: Vec<String>,
    /// Directories, sorted. With `special`, what is there but is no file:
    /// discovery reports those named like manifests, since a directory or
    /// a FIFO called `privacy.yaml` must not be passed over in silence.
    pub directories: Vec<String>,
    /// FIFOs, sockets and devices (never opened: a FIFO would block),
    /// sorted.
    pub special: Vec<String>,
    /// Why some entries could not be listed (errors), and the links left
    /// out (warnings).
    pub diagnostics: Vec<Diagnostic>,
}

pub fn too_large(path: &str, size: u64) -> Diagnostic {
    Diagnostic::error(
        Code::FileTooLarge,
        format!(
            "file is {size} bytes, over the 10 MiB limit ({MAX_FILE_BYTES} bytes) for files privgate reads"
        ),
    )
    .at(path, crate::span::Place::File)
    .label("too large")
    .help("split the declarations over several files")
}

/// What is at `path` when it is not a regular file, as people name it.
fn not_regular(path: &Path) -> Option<&'static str> {
    let link = std::fs::symlink_metadata(path).ok()?;
    match std::fs::metadata(path) {
        Ok(m) => not_regular_type(m.file_type()),
        Err(_) if link.file_type().is_symlink() => Some("a symbolic link to nothing"),
        Err(_) => Some("unreadable"),
    }
}

pub const A_DIRECTORY: &str = "a directory";
pub const NOT_REGULAR: &str = "not a regular file (a FIFO, socket or device)";

/// What an entry of this type is when it is not a regular file, as people
/// name it.
fn not_regular_type(file_type: std::fs::FileType) -> Option<&'static str> {
    if file_type.is_file() {
        None
    } else if file_type.is_dir() {
        Some(A_DIRECTORY)
    } else {
        Some(NOT_REGULAR)
    }
}

/// A path named like a manifest that is no file privgate can read (`what`
/// says what it is): an error, as for any other unreadable path, since the
/// declarations it was meant to hold would silently drop out.
pub fn not_a_manifest_file(path: &str, what: &str) -> Diagnostic {
    Diagnostic::error(
        Code::UnreadablePath,
        format!("cannot read `{path}`: it is named like a manifest but is {what}"),
    )
    .at(path, crate::span::Place::File)
    .label("not a file")
    .help("make it a regular file, rename it, or add it to `exclude` in privgate.yaml")
}

/// Reads a file named on the command line (`--config FILE`) with the limits
/// of the tree's own files: regular files only (a FIFO would block, a
/// device never end) and at most `MAX_FILE_BYTES`. `shown` names it in
/// diagnostics.
pub fn read_outside(path: &Path, shown: &str) -> Result<Vec<u8>, Diagnostic> {
    if let Some(what) = not_regular(path) {
        return Err(Diagnostic::error(
            Code::UnreadablePath,
            format!("cannot read `{shown}`: it is {what}"),
        ));
    }
    // Not opened, or not read: there is no line to point at.
    read_capped(path, shown).map_err(|mut d| {
        if d.is(Code::UnreadablePath) {
            d.file = None;
        }
        d
    })
}

/// At most `MAX_FILE_BYTES` of the file at `full`; `shown` names it.
fn read_capped(full: &Path, shown: &str) -> Result<Vec<u8>, Diagnostic> {
    let unreadable = |e: std::io::Error| {
        Diagnostic::error(Code::UnreadablePath, format!("cannot read `{shown}`: {e}"))
            .at(shown, crate::span::Place::File)
            .label("unreadable")
    };
    // One open, then the size of what was opened: no second lookup of
    // the path, and no window for it to change between the two.
    let mut file = std::fs::File::open(full).map_err(unreadable)?;
    let size = file.metadata().map_err(unreadable)?.len();
    if size > MAX_FILE_BYTES {
        return Err(too_large(shown, size));
    }
    let mut bytes = Vec::with_capacity(size as usize);
    // A file that grows while read is cut at the limit, then refused.
    std::io::Read::read_to_end(
        &mut std::io::Read::take(&mut file, MAX_FILE_BYTES + 1),
        &mut bytes,
    )
    .map_err(unreadable)?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(too_large(shown, bytes.len() as u64));
    }
    Ok(bytes)
}

/// Whether the directory `dir`, or one above it, is skipped
/// (`SKIPPED_DIRS`) or pruned by `keep_dir`.
pub fn pruned_dir(dir: &str, keep_dir: &dyn Fn(&str) -> bool) -> bool {
    let mut prefix = String::new();
    dir.split('/').any(|name| {
        if !prefix.is_empty() {
            prefix.push('/');
        }
        prefix.push_str(name);
        SKIPPED_DIRS.contains(&name) || !keep_dir(&prefix)
    })
}

/// Whether the file `path` lies in a skipped or pruned directory.
pub fn pruned(path: &str, keep_dir: &dyn Fn(&str) -> bool) -> bool {
    path.rsplit_once('/')
        .is_some_and(|(dir, _)| pruned_dir(dir, keep_dir))
}

/// A symbolic link privgate does not follow (it leads out of the root, or
/// to nothing): a warning, so that a manifest linked in from elsewhere is
/// not left out silently.
pub fn link_left_out(path: &str) -> Diagnostic {
    Diagnostic::warning(
        Code::LinkLeftOut,
        "a symbolic link out of the repository root or to nothing; not followed, so not checked",
    )
    .at(path, crate::span::Place::File)
}

/// The files on disk under a root directory.
pub struct WorkTree {
    root: PathBuf,
    canonical_root: PathBuf,
    label: String,
}

impl WorkTree {
    pub fn open(root: &Path) -> Result<WorkTree, Diagnostic> {
        let canonical_root = root.canonicalize().map_err(|e| {
            Diagnostic::error(
                Code::UnreadablePath,
                format!("cannot read the repository root `{}`: {e}", root.display()),
            )
        })?;
        if !canonical_root.is_dir() {
            return Err(Diagnostic::error(
                Code::UnreadablePath,
                format!("`{}` is not a directory", root.display()),
            ));
        }
        Ok(WorkTree {
            root: root.to_path_buf(),
            canonical_root,
            label: root.display().to_string(),
        })
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// A path inside the root, or `None` when it escapes it (`..`, absolute,
    /// or through a symlink that points outside).
    fn resolve(&self, rel: &str) -> Option<PathBuf> {
        let rel_path = Path::new(rel);
        if rel.is_empty()
            || rel_path.is_absolute()
            || rel_path.components().any(|c| {
                !matches!(
                    c,
                    std::path::Component::Normal(_) | std::path::Component::CurDir
                )
            })
        {
            return None;
        }
        let full = self.root.join(rel_path);
        match full.canonicalize() {
            Ok(c) if c.starts_with(&self.canonical_root) => Some(full),
            _ => None,
        }
    }

    fn relative(&self, path: &Path) -> String {
        let rel = path.strip_prefix(&self.root).unwrap_or(path);
        rel.components()
            .map(|c| c.as_os_str().to_string_lossy())
            .collect::<Vec<_>>()
            .join("/")
    }
}

/// The `exclude:` patterns of the config at `config`; none when it is
/// unreadable or broken.
fn exclude_patterns(config: &Path) -> Vec<String> {
    let Ok(bytes) = read_capped(config, &config.display().to_string()) else {
        return Vec::new();
    };
    let Ok(value) = serde_yaml::from_slice::<serde_yaml::Value>(&bytes) else {
        return Vec::new();
    };
    value["exclude"]
        .as_sequence()
        .map(|s| {
            s.iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

impl Tree for WorkTree {
    fn config_above(&self) -> Option<ConfigAbove> {
        // Only within a git repository: outside one, any directory above
        // (a home, /tmp) could hold an unrelated file of that name.
        let top = self
            .canonical_root
            .ancestors()
            .take(64)
            .find(|d| d.join(".git").exists())?;
        let mut up = String::new();
        for dir in self.canonical_root.ancestors().skip(1) {
            if !dir.starts_with(top) {
                break;
            }
            up.push_str("../");
            if let Some(name) = crate::manifest::CONFIG_NAMES
                .iter()
                .find(|n| dir.join(n).is_file())
            {
                let below = self.canonical_root.strip_prefix(dir).ok()?;
                return Some(ConfigAbove {
                    shown: format!("{up}{name}"),
                    exclude: exclude_patterns(&dir.join(name)),
                    below: below.to_string_lossy().replace('\\', "/"),
                });
            }
        }
        None
    }

    fn files(&self, keep_dir: &dyn Fn(&str) -> bool) -> Result<Vec<String>, Vec<Diagnostic>> {
        let listing = self.list(keep_dir);
        if listing.diagnostics.iter().any(Diagnostic::is_error) {
            Err(listing.diagnostics)
        } else {
            Ok(listing.files)
        }
    }

    fn list(&self, keep_dir: &dyn Fn(&str) -> bool) -> Listing {
        let mut files = Vec::new();
        let mut directories = Vec::new();
        let mut special = Vec::new();
        let mut errors = Vec::new();
        let left_out = std::cell::RefCell::new(Vec::new());
        let walker = walkdir::WalkDir::new(&self.root)
            .follow_links(true)
            .sort_by_file_name()
            .into_iter()
            .filter_entry(|entry| {
                if entry.depth() == 0 {
                    return true;
                }
                let rel = self.relative(entry.path());
                if entry.path_is_symlink() {
                    // Never follow a link out of the root.
                    match entry.path().canonicalize() {
                        Ok(target) if target.starts_with(&self.canonical_root) => {}
                        _ => {
                            if !entry.file_type().is_dir() {
                                left_out.borrow_mut().push(rel);
                            }
                            return false;
                        }
                    }
                }
                if entry.file_type().is_dir() {
                    let name = entry.file_name().to_string_lossy();
                    return !SKIPPED_DIRS.contains(&name.as_ref()) && keep_dir(&rel);
                }
                true
            });
        for entry in walker {
            match entry {
                Ok(entry) if entry.file_type().is_file() => files.push(self.relative(entry.path())),
                Ok(entry) if entry.depth() == 0 => {}
                Ok(entry) if entry.file_type().is_dir() => {
                    directories.push(self.relative(entry.path()));
                }
                // Listed, never opened: opening a FIFO would block.
                Ok(entry) => special.push(self.relative(entry.path())),
                // A link to nothing is not a file: nothing to read, nothing
                // to follow out of the root.
                Err(err) if is_dangling_link(&err) => {
                    if let Some(p) = err.path() {
                        left_out.borrow_mut().push(self.relative(p));
                    }
                }
                // walkdir checks for loops before `filter_entry` can prune,
                // so drop errors under directories that are skipped anyway.
                Err(err)
                    if err
                        .path()
                        .is_some_and(|p| pruned_dir(&self.relative(p), keep_dir)) => {}
                Err(err) => errors.push(walk_error(self, &err)),
            }
        }
        let mut left_out = left_out.into_inner();
        left_out.sort();
        errors.extend(left_out.iter().map(|p| link_left_out(p)));
        files.sort();
        directories.sort();
        special.sort();
        Listing {
            files,
            directories,
            special,
            diagnostics: errors,
        }
    }

    fn read(&self, path: &str) -> Result<Vec<u8>, Diagnostic> {
        read_capped(&self.root.join(path), path)
    }

    fn is_file(&self, path: &str) -> bool {
        self.resolve(path).is_some_and(|p| p.is_file())
    }

    fn not_a_file(&self, path: &str) -> Option<&'static str> {
        if self.is_file(path) {
            return None;
        }
        let full = self.root.join(path);
        match not_regular(&full) {
            None if std::fs::symlink_metadata(&full).is_ok() => {
                Some("a symbolic link out of the repository root")
            }
            other => other,
        }
    }

    fn label(&self) -> String {
        self.label.clone()
    }
}

/// A symbolic link whose target does not exist.
fn is_dangling_link(err: &walkdir::Error) -> bool {
    let Some(path) = err.path() else { return false };
    err.io_error()
        .is_some_and(|e| e.kind() == std::io::ErrorKind::NotFound)
        && std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink())
}

fn walk_error(tree: &WorkTree, err: &walkdir::Error) -> Diagnostic {
    let path = err.path().map(|p| tree.relative(p)).unwrap_or_default();
    let is_link = err
        .path()
        .and_then(|p| std::fs::symlink_metadata(p).ok())
        .is_some_and(|m| m.file_type().is_symlink());
    let message = if let Some(ancestor) = err.loop_ancestor() {
        let ancestor = tree.relative(ancestor);
        let ancestor = if ancestor.is_empty() {
            ".".to_string()
        } else {
            ancestor
        };
        format!("symbolic link loop: `{path}` leads back to `{ancestor}`")
    } else if is_link {
        let cause = err
            .io_error()
            .map_or_else(|| err.to_string(), |e| e.to_string());
        format!("cannot follow symbolic link `{path}`: {cause}")
    } else {
        let cause = err
            .io_error()
            .map_or_else(|| err.to_string(), |e| e.to_string());
        format!("cannot read `{path}`: {cause}")
    };
    let code = if err.loop_ancestor().is_some() {
        Code::SymlinkLoop
    } else {
        Code::UnreadablePath
    };
    Diagnostic::error(code, message)
        .at(path, crate::span::Place::File)
        .help("fix the permissions or the link, or add the directory to `exclude` in privgate.yaml")
}
