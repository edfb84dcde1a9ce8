//! Dependency manifests: the direct dependencies a code base declares, read
//! from the files its package managers keep (manifest.md, "Dependencies"),
//! each with the line and column of its name, so that a finding can point
//! at the line that added the SDK.
//!
//! This module owns reading one file: [`is_dependency_file`] says whether a
//! path is one, [`parse`] reads it. It knows nothing of trees, manifests or
//! rules; the caller (`load::dependencies`) walks the tree, and
//! `crate::vendor_catalog` says which vendor a package belongs to.
//!
//! Constraints:
//! - Direct dependencies only, never lockfiles: what the team chose, not
//!   what the resolver pulled in.
//! - Each format is read by a real parser where one exists (JSON:
//!   jsonc-parser in strict mode, for its spans; TOML: `toml`'s spanned
//!   `DeTable`; PEP 508 strings: `pep508_rs`; XML: `quick-xml`; YAML:
//!   `saphyr-parser`'s marked events; go.mod: `gomod-parser`'s spans).
//!   Gemfile and Gradle build scripts are Ruby and Groovy/Kotlin programs
//!   with no parser crate worth the name; they are read line by line for
//!   the common declaration forms (see `deps::lines`).
//! - These files belong to other tools. One that does not parse, is not
//!   UTF-8 or is over [`MAX_BYTES`] is a [`DepWarning`] (with `file:line:col`)
//!   and its dependencies are not read; it never stops a check, and no input
//!   makes a parser panic.
//! - Names are kept as written; [`normalise`] gives the form packages are
//!   compared in (rules.md, "Declared vs. used").

use std::fmt;

pub use crate::vendor_catalog::{matches, normalise, split_package_ref, Ecosystem};

mod go;
mod json;
mod lines;
mod python;
mod toml_files;
mod xml;
mod yaml;

/// Files over this size are skipped with a warning, unread.
pub const MAX_BYTES: usize = 10 * 1024 * 1024;

/// One direct dependency, named as written in its file. `line` and `column`
/// are 1-based (the column counts characters) and point at the first
/// character of the name.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Dependency {
    pub ecosystem: Ecosystem,
    pub name: String,
    pub line: usize,
    pub column: usize,
}

/// Why a dependency file was not read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WarningKind {
    /// Its format's parser rejected it.
    Malformed,
    /// It is over [`MAX_BYTES`].
    TooLarge,
    /// It is not UTF-8.
    NotUtf8,
}

/// A dependency file that was not read. Displayed as
/// `file:line:col: message`; never an error of the check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DepWarning {
    pub path: String,
    pub line: usize,
    pub column: usize,
    pub kind: WarningKind,
    pub message: String,
}

impl fmt::Display for DepWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}:{}: {}",
            self.path, self.line, self.column, self.message
        )
    }
}

/// What reading one dependency file gives: its direct dependencies, or why
/// it was not read.
pub type ParseOutcome = Result<Vec<Dependency>, DepWarning>;

/// The kinds of dependency file, chosen by file name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    PackageJson,
    Requirements,
    Pyproject,
    Pipfile,
    GoMod,
    CargoToml,
    Gemfile,
    Pom,
    Gradle,
    ComposerJson,
    Csproj,
    Pubspec,
}

fn kind_of(path: &str) -> Option<Kind> {
    let file = path.rsplit(['/', '\\']).next().unwrap_or(path);
    Some(match file {
        "package.json" => Kind::PackageJson,
        "pyproject.toml" => Kind::Pyproject,
        "Pipfile" => Kind::Pipfile,
        "go.mod" => Kind::GoMod,
        "Cargo.toml" => Kind::CargoToml,
        "Gemfile" => Kind::Gemfile,
        "pom.xml" => Kind::Pom,
        "build.gradle" | "build.gradle.kts" => Kind::Gradle,
        "composer.json" => Kind::ComposerJson,
        "pubspec.yaml" => Kind::Pubspec,
        _ if file.starts_with("requirements") && file.ends_with(".txt") => Kind::Requirements,
        _ if file.len() > ".csproj".len() && file.ends_with(".csproj") => Kind::Csproj,
        _ => return None,
    })
}

/// Whether `path` (`/` or `\` separated) names a dependency file privgate
/// reads. Lockfiles (`package-lock.json`, `Cargo.lock`, `go.sum`, ...) are not.
pub fn is_dependency_file(path: &str) -> bool {
    kind_of(path).is_some()
}

/// The direct dependencies declared in the file at `path`, chosen by its
/// file name, in the order they appear. A path that is no dependency file
/// gives no dependencies.
pub fn parse(path: &str, bytes: &[u8]) -> ParseOutcome {
    let Some(kind) = kind_of(path) else {
        return Ok(Vec::new());
    };
    if bytes.len() > MAX_BYTES {
        return Err(DepWarning {
            path: path.to_string(),
            line: 1,
            column: 1,
            kind: WarningKind::TooLarge,
            message: format!(
                "dependency file is {} bytes, over the {} MiB limit; not read",
                bytes.len(),
                MAX_BYTES / (1024 * 1024)
            ),
        });
    }
    let text = match std::str::from_utf8(bytes) {
        Ok(text) => text,
        Err(e) => {
            let (line, column) = line_col(
                &String::from_utf8_lossy(&bytes[..e.valid_up_to()]),
                e.valid_up_to(),
            );
            return Err(DepWarning {
                path: path.to_string(),
                line,
                column,
                kind: WarningKind::NotUtf8,
                message: "dependency file is not UTF-8; not read".to_string(),
            });
        }
    };
    // A byte-order mark is not part of any name; columns count after it.
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let result = match kind {
        Kind::PackageJson => json::package_json(text),
        Kind::ComposerJson => json::composer_json(text),
        Kind::Requirements => python::requirements(text),
        Kind::Pyproject => toml_files::pyproject(text),
        Kind::Pipfile => toml_files::pipfile(text),
        Kind::GoMod => go::go_mod(text),
        Kind::CargoToml => toml_files::cargo_toml(text),
        Kind::Gemfile => Ok(lines::gemfile(text)),
        Kind::Gradle => Ok(lines::gradle(text)),
        Kind::Pom => xml::pom(text),
        Kind::Csproj => xml::csproj(text),
        Kind::Pubspec => yaml::pubspec(text),
    };
    result.map_err(|e| DepWarning {
        path: path.to_string(),
        line: e.line,
        column: e.column,
        kind: WarningKind::Malformed,
        message: format!("dependency file does not parse, not read: {}", e.message),
    })
}

/// A format parser's complaint, before it is given its path.
#[derive(Debug)]
struct Malformed {
    line: usize,
    column: usize,
    message: String,
}

impl Malformed {
    fn at(text: &str, offset: usize, message: impl Into<String>) -> Malformed {
        let (line, column) = line_col(text, offset);
        Malformed {
            line,
            column,
            message: message.into(),
        }
    }
}

/// 1-based line and column (in characters) of byte `offset` in `text`;
/// an offset past the end or inside a character is clamped back.
fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line = before.bytes().filter(|&b| b == b'\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    (line, before[line_start..].chars().count() + 1)
}

/// A dependency named at byte `offset` of `text`.
fn dep_at(text: &str, ecosystem: Ecosystem, name: &str, offset: usize) -> Dependency {
    let (line, column) = line_col(text, offset);
    Dependency {
        ecosystem,
        name: name.to_string(),
        line,
        column,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `(name, line, column)` of each dependency, for compact assertions.
    pub(super) fn located(deps: &[Dependency]) -> Vec<(&str, usize, usize)> {
        deps.iter()
            .map(|d| (d.name.as_str(), d.line, d.column))
            .collect()
    }

    #[test]
    fn dependency_files_are_chosen_by_file_name_and_lockfiles_are_not() {
        for path in [
            "package.json",
            "web/package.json",
            "requirements.txt",
            "requirements-dev.txt",
            "py/requirements_test.txt",
            "pyproject.toml",
            "Pipfile",
            "go.mod",
            "Cargo.toml",
            "Gemfile",
            "pom.xml",
            "build.gradle",
            "app/build.gradle.kts",
            "composer.json",
            "src\\Api\\Api.csproj",
            "pubspec.yaml",
        ] {
            assert!(is_dependency_file(path), "{path}");
        }
        for path in [
            "package-lock.json",
            "yarn.lock",
            "Cargo.lock",
            "go.sum",
            "Pipfile.lock",
            "poetry.lock",
            "Gemfile.lock",
            "composer.lock",
            "pubspec.lock",
            "requirements.in",
            ".csproj",
            "notpackage.json.bak",
        ] {
            assert!(!is_dependency_file(path), "{path}");
        }
    }

    #[test]
    fn huge_files_are_skipped_with_a_warning() {
        let bytes = vec![b' '; MAX_BYTES + 1];
        let warning = parse("web/package.json", &bytes).unwrap_err();
        assert_eq!(warning.kind, WarningKind::TooLarge);
        assert_eq!((warning.line, warning.column), (1, 1));
        assert!(warning.to_string().starts_with("web/package.json:1:1: "));
    }

    #[test]
    fn a_file_that_is_not_utf8_is_a_warning_at_the_bad_byte() {
        let warning = parse("Gemfile", b"gem 'a'\ngem '\xff'\n").unwrap_err();
        assert_eq!(warning.kind, WarningKind::NotUtf8);
        assert_eq!((warning.line, warning.column), (2, 6));
    }

    #[test]
    fn a_byte_order_mark_does_not_shift_columns() {
        let deps = parse(
            "package.json",
            "\u{feff}{\"dependencies\": {\"stripe\": \"1\"}}".as_bytes(),
        )
        .unwrap();
        assert_eq!(located(&deps), [("stripe", 1, 20)]);
    }

    #[test]
    fn columns_count_characters_not_bytes() {
        assert_eq!(line_col("é\nab", 4), (2, 2));
        assert_eq!(line_col("éa", 2), (1, 2));
        // Inside a character: clamped back to its start.
        assert_eq!(line_col("éa", 1), (1, 1));
    }

    #[test]
    fn garbage_never_panics_any_parser() {
        let inputs: [&[u8]; 8] = [
            b"",
            b"{",
            b"[[[",
            b"\"\\",
            b"<a><b></a>",
            b"require (\n",
            b"dependencies:\n  - [\n",
            b"gem\nimplementation\n'",
        ];
        let files = [
            "package.json",
            "composer.json",
            "requirements.txt",
            "pyproject.toml",
            "Pipfile",
            "go.mod",
            "Cargo.toml",
            "Gemfile",
            "pom.xml",
            "build.gradle",
            "a.csproj",
            "pubspec.yaml",
        ];
        for file in files {
            for input in inputs {
                let _ = parse(file, input);
            }
        }
    }
}
