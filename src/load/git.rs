//! Trees read from git objects, never from a checkout: the index (for
//! `--staged`) and any commit (for `--changed-since` and `trend`). The root
//! stays the PATH argument; when it is a subdirectory of the repository, only
//! files below it are seen, with paths relative to it.

use crate::diagnostic::{Code, Diagnostic};
use crate::load::tree::{too_large, Listing, Tree, MAX_FILE_BYTES};
use git2::{ObjectType, Oid, Repository, TreeWalkMode, TreeWalkResult};
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Mutex;

pub struct GitTree {
    /// Open handles, one per thread reading at a time: a `Repository` is not
    /// `Sync`, and one shared handle would serialise a parallel load.
    repos: Mutex<Vec<Repository>>,
    /// Where to open more handles.
    git_dir: std::path::PathBuf,
    /// Root-relative path -> blob id.
    files: BTreeMap<String, Oid>,
    /// Links left out: they lead out of the root or to nothing.
    links_left_out: Vec<String>,
    config_above: Option<String>,
    /// The commit the tree is of (`None`: the index, or before any commit).
    commit: Option<Oid>,
    label: String,
}

fn git_error(what: &str, e: &git2::Error) -> Diagnostic {
    Diagnostic::error(Code::Git, format!("{what}: {}", e.message()))
}

/// The repository containing `root`, and `root`'s path inside its work tree
/// (`""` at the top, else `dir/sub/`).
pub fn open(root: &Path) -> Result<(Repository, String), Diagnostic> {
    let repo = Repository::discover(root).map_err(|_| {
        Diagnostic::error(
            Code::NotAGitRepository,
            format!("`{}` is not inside a git repository", root.display()),
        )
        .help("--staged, --changed-since and trend read git history; run them inside a clone")
    })?;
    let workdir = repo.workdir().ok_or_else(|| {
        Diagnostic::error(
            Code::NotAGitRepository,
            "the git repository is bare (no work tree)",
        )
    })?;
    let canonical = |p: &Path| p.canonicalize().unwrap_or_else(|_| p.to_path_buf());
    let (root, workdir) = (canonical(root), canonical(workdir));
    let prefix = root.strip_prefix(&workdir).map_err(|_| {
        Diagnostic::error(
            Code::NotAGitRepository,
            format!(
                "`{}` is outside the work tree of its git repository",
                root.display()
            ),
        )
    })?;
    let mut prefix: String = prefix
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join("/");
    if !prefix.is_empty() {
        prefix.push('/');
    }
    Ok((repo, prefix))
}

/// The index a commit in progress will record. During `git commit -a`,
/// `git commit <paths>` and `--only`, git hands its hooks a temporary index
/// in `GIT_INDEX_FILE`; the repository's own index then still holds the
/// previous state, and judging it would let the commit's changes through
/// unchecked. A relative path is relative to the top of the work tree, as
/// git reads it (a hook may `cd` into a subdirectory first).
fn staged_index(repo: &Repository) -> Result<git2::Index, Diagnostic> {
    let Some(named) = std::env::var_os("GIT_INDEX_FILE").filter(|p| !p.is_empty()) else {
        return repo
            .index()
            .map_err(|e| git_error("cannot read the git index", &e));
    };
    let named = Path::new(&named);
    let path = match repo.workdir() {
        Some(top) if named.is_relative() => top.join(named),
        _ => named.to_path_buf(),
    };
    let unreadable = |why: String| {
        Diagnostic::error(
            Code::Git,
            format!(
                "cannot read the git index `{}` named by GIT_INDEX_FILE: {why}",
                path.display()
            ),
        )
        .help("git sets GIT_INDEX_FILE for hooks; outside one, unset it")
    };
    // A missing index would read as an empty one and pass every commit:
    // git never hands a hook one, so it is a mistake to report.
    if !path.is_file() {
        return Err(unreadable("there is no such file".into()));
    }
    git2::Index::open(&path).map_err(|_| unreadable("it is not a git index".into()))
}

/// Entries `git add -N` made: placeholders git does not commit.
fn intent_to_add(entry: &git2::IndexEntry) -> bool {
    const INTENT_TO_ADD: u16 = 1 << 13;
    entry.flags_extended & INTENT_TO_ADD != 0
}

impl GitTree {
    /// The content staged in the index (`GIT_INDEX_FILE`'s, when git set it).
    pub fn staged(root: &Path) -> Result<GitTree, Diagnostic> {
        let (repo, prefix) = open(root)?;
        let index = staged_index(&repo)?;
        let entries = index
            .iter()
            .filter(|entry| !intent_to_add(entry))
            .map(|entry| {
                (
                    String::from_utf8_lossy(&entry.path).into_owned(),
                    entry.id,
                    entry.mode,
                )
            })
            .collect();
        let files = root_files(&repo, entries, &prefix);
        Ok(GitTree::from_parts(
            repo,
            files,
            None,
            format!("{} (staged)", root.display()),
        ))
    }

    /// The tree of the commit `rev` resolves to.
    pub fn at_revision(root: &Path, rev: &str) -> Result<GitTree, Diagnostic> {
        let (repo, prefix) = open(root)?;
        // Before the first commit, HEAD is the empty tree: a hook running
        // `check --staged --changed-since HEAD` judges the first commit on
        // everything it adds, as it would any later one.
        if rev == "HEAD" && repo.head().is_err() && repo.is_empty().unwrap_or(false) {
            return Ok(GitTree::from_parts(
                repo,
                RootFiles::default(),
                None,
                rev.to_string(),
            ));
        }
        let commit_id = repo
            .revparse_single(rev)
            .and_then(|o| o.peel_to_commit())
            .map(|c| c.id())
            .map_err(|e| {
                // A fresh repository: say so rather than "revspec not found".
                let why = if repo.head().is_err() && repo.is_empty().unwrap_or(false) {
                    "the repository has no commits yet".to_string()
                } else {
                    e.message().to_string()
                };
                Diagnostic::error(Code::BadRevision, format!("`{rev}` does not name a commit: {why}"))
                    .help("use a branch, tag or commit id that exists locally, e.g. origin/main (fetch it first in CI)")
            })?;
        let files = tree_files(&repo, commit_id, &prefix)?;
        Ok(GitTree::from_parts(
            repo,
            files,
            Some(commit_id),
            rev.to_string(),
        ))
    }

    /// The tree of a commit already resolved (trend).
    pub fn at_commit(root: &Path, id: Oid) -> Result<GitTree, Diagnostic> {
        let (repo, prefix) = open(root)?;
        let files = tree_files(&repo, id, &prefix)?;
        Ok(GitTree::from_parts(repo, files, Some(id), id.to_string()))
    }

    /// The id of the commit the tree is of, when it is one.
    pub fn commit_id(&self) -> Option<String> {
        self.commit.map(|c| c.to_string())
    }

    fn from_parts(
        repo: Repository,
        files: RootFiles,
        commit: Option<Oid>,
        label: String,
    ) -> GitTree {
        GitTree {
            commit,
            git_dir: repo.path().to_path_buf(),
            repos: Mutex::new(vec![repo]),
            files: files.files,
            links_left_out: files.links_left_out,
            config_above: files.config_above,
            label,
        }
    }
}

impl GitTree {
    /// A handle for this thread: a spare one, or a new one.
    fn take_repo(&self) -> Result<Repository, Diagnostic> {
        let spare = self.repos.lock().ok().and_then(|mut r| r.pop());
        match spare {
            Some(r) => Ok(r),
            None => Repository::open(&self.git_dir)
                .map_err(|e| git_error("cannot open the git repository", &e)),
        }
    }

    fn give_back(&self, repo: Repository) {
        if let Ok(mut repos) = self.repos.lock() {
            repos.push(repo);
        }
    }
}

fn tree_files(repo: &Repository, commit: Oid, prefix: &str) -> Result<RootFiles, Diagnostic> {
    let tree = repo
        .find_commit(commit)
        .and_then(|c| c.tree())
        .map_err(|e| git_error("cannot read the commit's tree", &e))?;
    let mut entries = Vec::new();
    tree.walk(TreeWalkMode::PreOrder, |dir, entry| {
        if entry.kind() == Some(ObjectType::Blob) {
            let path = format!("{dir}{}", entry.name().unwrap_or_default());
            entries.push((path, entry.id(), entry.filemode() as u32));
        }
        TreeWalkResult::Ok
    })
    .map_err(|e| git_error("cannot walk the commit's tree", &e))?;
    Ok(root_files(repo, entries, prefix))
}

const MODE_TYPE: u32 = 0o170000;
const MODE_FILE: u32 = 0o100000;
const MODE_LINK: u32 = 0o120000;

/// Root-relative path -> blob of the file it reads as, from (repository
/// path, blob, mode) entries. As in the work tree, a symbolic link reads as
/// the file it points to when that file is inside the root, and is left
/// out otherwise (outside the root, dangling, a directory); submodules
/// (gitlinks) are not files.
/// The files of the root, and the links left out.
#[derive(Default)]
struct RootFiles {
    files: BTreeMap<String, Oid>,
    links_left_out: Vec<String>,
    /// A config in a directory above the root (`../privgate.yaml`).
    config_above: Option<String>,
}

fn root_files(repo: &Repository, entries: Vec<(String, Oid, u32)>, prefix: &str) -> RootFiles {
    let mut all = BTreeMap::new();
    let mut links = BTreeMap::new();
    for (path, id, mode) in entries {
        match mode & MODE_TYPE {
            MODE_FILE => {
                all.insert(path, id);
            }
            MODE_LINK => {
                if let Ok(blob) = repo.find_blob(id) {
                    links.insert(path, String::from_utf8_lossy(blob.content()).into_owned());
                }
            }
            _ => {}
        }
    }
    let mut files: BTreeMap<String, Oid> = all
        .iter()
        .filter_map(|(path, id)| path.strip_prefix(prefix).map(|rel| (rel.to_string(), *id)))
        .collect();
    let mut links_left_out = Vec::new();
    for link in links.keys() {
        let Some(rel) = link.strip_prefix(prefix) else {
            continue;
        };
        match follow(link, &all, &links).filter(|t| t.starts_with(prefix)) {
            Some(target) => {
                files.insert(rel.to_string(), all[&target]);
            }
            None => links_left_out.push(rel.to_string()),
        }
    }
    RootFiles {
        files,
        links_left_out,
        config_above: config_above(&all, prefix),
    }
}

/// The nearest config in a directory above `prefix`, as a path from it.
fn config_above(all: &BTreeMap<String, Oid>, prefix: &str) -> Option<String> {
    let dirs: Vec<&str> = prefix.trim_end_matches('/').split('/').collect();
    if prefix.is_empty() {
        return None;
    }
    (0..dirs.len()).rev().find_map(|depth| {
        let above = dirs[..depth]
            .iter()
            .map(|d| format!("{d}/"))
            .collect::<String>();
        crate::manifest::CONFIG_NAMES.iter().find_map(|name| {
            all.contains_key(&format!("{above}{name}"))
                .then(|| format!("{}{name}", "../".repeat(dirs.len() - depth)))
        })
    })
}

/// The regular file `path` leads to through links (in any component), or
/// `None` when it leaves the repository, dangles or loops.
fn follow(
    path: &str,
    files: &BTreeMap<String, Oid>,
    links: &BTreeMap<String, String>,
) -> Option<String> {
    let mut path = path.to_string();
    for _ in 0..40 {
        if files.contains_key(&path) {
            return Some(path);
        }
        let parts: Vec<&str> = path.split('/').collect();
        let (i, target) =
            (1..=parts.len()).find_map(|i| links.get(&parts[..i].join("/")).map(|t| (i, t)))?;
        let dir = parts[..i - 1].join("/");
        let mut joined = normalize(&dir, target)?;
        for rest in &parts[i..] {
            joined.push('/');
            joined.push_str(rest);
        }
        path = joined;
    }
    None
}

/// `target` (a link's text) resolved against the link's directory; `None`
/// for absolute targets and ones that climb out of the repository.
fn normalize(dir: &str, target: &str) -> Option<String> {
    if target.starts_with('/') {
        return None;
    }
    let mut out: Vec<&str> = dir.split('/').filter(|p| !p.is_empty()).collect();
    for part in target.trim_end_matches('/').split('/') {
        match part {
            "" | "." => {}
            ".." => {
                out.pop()?;
            }
            p => out.push(p),
        }
    }
    (!out.is_empty()).then(|| out.join("/"))
}

impl Tree for GitTree {
    fn config_above(&self) -> Option<crate::load::tree::ConfigAbove> {
        self.config_above
            .clone()
            .map(|shown| crate::load::tree::ConfigAbove {
                shown,
                exclude: Vec::new(),
                below: String::new(),
            })
    }

    fn files(&self, keep_dir: &dyn Fn(&str) -> bool) -> Result<Vec<String>, Vec<Diagnostic>> {
        Ok(self.list(keep_dir).files)
    }

    fn list(&self, keep_dir: &dyn Fn(&str) -> bool) -> Listing {
        let kept = |path: &&String| !crate::load::tree::pruned(path, keep_dir);
        let files: Vec<String> = self.files.keys().filter(kept).cloned().collect();
        let warnings = self
            .links_left_out
            .iter()
            .filter(kept)
            .map(|p| crate::load::tree::link_left_out(p))
            .collect();
        Listing {
            directories: directories(&files),
            files,
            diagnostics: warnings,
            ..Listing::default()
        }
    }

    fn read(&self, path: &str) -> Result<Vec<u8>, Diagnostic> {
        let missing = || {
            Diagnostic::error(
                Code::UnreadablePath,
                format!("`{path}` is not in {}", self.label),
            )
        };
        let id = self.files.get(path).ok_or_else(missing)?;
        let repo = self.take_repo()?;
        let result = repo
            .find_blob(*id)
            .map_err(|e| git_error(&format!("cannot read `{path}` from git"), &e))
            .and_then(|blob| {
                if blob.size() as u64 > MAX_FILE_BYTES {
                    Err(too_large(path, blob.size() as u64))
                } else {
                    Ok(blob.content().to_vec())
                }
            });
        self.give_back(repo);
        result
    }

    fn is_file(&self, path: &str) -> bool {
        !crate::load::resolve::escapes_root(path)
            && self.files.contains_key(path.trim_start_matches("./"))
    }

    /// By blob id: hashing `bytes` the way git does needs no object read.
    fn holds(&self, path: &str, bytes: &[u8]) -> bool {
        self.files
            .get(path)
            .is_some_and(|id| Oid::hash_object(ObjectType::Blob, bytes).is_ok_and(|h| h == *id))
    }

    fn label(&self) -> String {
        self.label.clone()
    }
}

/// The directories that hold `files` (a file's directories are kept when
/// it is), sorted, as the work tree lists them: git stores no directories,
/// only the paths of the files in them.
fn directories(files: &[String]) -> Vec<String> {
    let mut dirs = std::collections::BTreeSet::new();
    for path in files {
        for (i, _) in path.match_indices('/') {
            dirs.insert(&path[..i]);
        }
    }
    dirs.into_iter().map(str::to_string).collect()
}

/// Commit and branch of the repository at `root`, for report headers.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct RepoInfo {
    /// The root directory's name (`acme-shop`), for people: `.` says
    /// nothing in a report read away from the terminal.
    pub name: Option<String>,
    pub commit: Option<String>,
    pub branch: Option<String>,
    /// Whether the checked files differ from the commit's; `None` when not
    /// known (not compared, or not comparable).
    pub modified: Option<bool>,
}

pub fn info(root: &Path) -> RepoInfo {
    let name = root
        .canonicalize()
        .ok()
        .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()));
    let Ok((repo, _)) = open(root) else {
        return RepoInfo {
            name,
            ..RepoInfo::default()
        };
    };
    let head = repo.head().ok();
    RepoInfo {
        name,
        commit: head
            .as_ref()
            .and_then(|h| h.target())
            .map(|o| o.to_string()),
        branch: head
            .as_ref()
            .filter(|h| h.is_branch())
            .and_then(|h| h.shorthand().ok())
            .map(str::to_string),
        modified: None,
    }
}

/// One commit of first-parent history.
#[derive(Debug, Clone)]
pub struct HistoryEntry {
    pub id: Oid,
    pub summary: String,
    /// Commit time, seconds since the epoch.
    pub time: i64,
}

/// The last `n` commits of HEAD's first-parent history, newest first.
pub fn first_parent_history(root: &Path, n: usize) -> Result<Vec<HistoryEntry>, Diagnostic> {
    let (repo, _) = open(root)?;
    let mut commit = repo.head().and_then(|h| h.peel_to_commit()).map_err(|e| {
        if e.code() == git2::ErrorCode::UnbornBranch || repo.is_empty().unwrap_or(false) {
            Diagnostic::error(
                Code::Git,
                "the repository has no commits yet: there is no history to chart",
            )
            .help("commit the manifests, then run it again")
        } else {
            git_error("cannot read HEAD", &e)
        }
    })?;
    let mut out = Vec::new();
    loop {
        out.push(HistoryEntry {
            id: commit.id(),
            summary: commit
                .summary()
                .ok()
                .flatten()
                .unwrap_or_default()
                .to_string(),
            time: commit.time().seconds(),
        });
        if out.len() >= n {
            break;
        }
        match commit.parent(0) {
            Ok(p) => commit = p,
            Err(_) => break,
        }
    }
    Ok(out)
}
