//! Temporary git repositories for the integration tests of `--staged`,
//! `--changed-since` and the pre-commit hook, built with git2 (no global git
//! config, a fixed signature), and a `privgate` command with a fixed date.

#![allow(dead_code)]

use assert_cmd::Command;
use git2::{IndexAddOption, Oid, Repository, Signature, Time};
use std::path::{Path, PathBuf};
use tempfile::TempDir;

pub const TODAY: &str = "2026-11-23";

/// The built binary, with plain output and a fixed date. Git variables a
/// surrounding hook may have set are removed so they cannot leak in.
pub fn privgate(dir: &Path) -> Command {
    let mut cmd = crate::common::privgate();
    cmd.current_dir(dir)
        .env("NO_COLOR", "1")
        .env("PRIVGATE_TODAY", TODAY);
    for var in GIT_ENV {
        cmd.env_remove(var);
    }
    cmd
}

/// Variables git sets for hooks that would redirect a child git process.
pub const GIT_ENV: [&str; 6] = [
    "GIT_DIR",
    "GIT_WORK_TREE",
    "GIT_INDEX_FILE",
    "GIT_OBJECT_DIRECTORY",
    "GIT_CEILING_DIRECTORIES",
    "GIT_PREFIX",
];

pub struct Repo {
    pub dir: TempDir,
    pub repo: Repository,
}

fn signature() -> Signature<'static> {
    Signature::new(
        "privgate tests",
        "tests@privgate.invalid",
        &Time::new(1_767_225_600, 0),
    )
    .unwrap()
}

impl Repo {
    pub fn new() -> Repo {
        let dir = tempfile::Builder::new()
            .prefix("privgate-git-")
            .tempdir()
            .unwrap();
        let repo = Repository::init(dir.path()).unwrap();
        Repo { dir, repo }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn join(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    /// Writes files into the work tree (not staged).
    pub fn write<S: AsRef<str>>(&self, files: &[(&str, S)]) {
        for (path, content) in files {
            let full = self.join(path);
            std::fs::create_dir_all(full.parent().unwrap()).unwrap();
            std::fs::write(full, content.as_ref()).unwrap();
        }
    }

    pub fn remove(&self, path: &str) {
        std::fs::remove_file(self.join(path)).unwrap();
    }

    /// `git add` (or `git rm --cached` for a path gone from the work tree).
    pub fn stage(&self, paths: &[&str]) {
        let mut index = self.repo.index().unwrap();
        for path in paths {
            if self.join(path).exists() {
                index.add_path(Path::new(path)).unwrap();
            } else {
                index.remove_path(Path::new(path)).unwrap();
            }
        }
        index.write().unwrap();
    }

    /// `git add -A`.
    pub fn stage_all(&self) {
        let mut index = self.repo.index().unwrap();
        index.add_all(["*"], IndexAddOption::DEFAULT, None).unwrap();
        index.update_all(["*"], None).unwrap();
        index.write().unwrap();
    }

    /// `git mv FROM TO`: the same content under a new name.
    pub fn mv(&self, from: &str, to: &str) {
        let target = self.join(to);
        std::fs::create_dir_all(target.parent().unwrap()).unwrap();
        std::fs::rename(self.join(from), target).unwrap();
        self.stage(&[from, to]);
    }

    /// Commits the index on top of HEAD (if any).
    pub fn commit(&self, message: &str) -> Oid {
        let mut index = self.repo.index().unwrap();
        let tree = self.repo.find_tree(index.write_tree().unwrap()).unwrap();
        let parent = self.repo.head().ok().and_then(|h| h.peel_to_commit().ok());
        let parents: Vec<&git2::Commit> = parent.iter().collect();
        let sig = signature();
        self.repo
            .commit(Some("HEAD"), &sig, &sig, message, &tree, &parents)
            .unwrap()
    }

    /// Writes, stages everything and commits.
    pub fn commit_files<S: AsRef<str>>(&self, files: &[(&str, S)], message: &str) -> Oid {
        self.write(files);
        self.stage_all();
        self.commit(message)
    }
}
