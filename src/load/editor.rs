//! The `# yaml-language-server: $schema=PATH` comments that editors follow
//! to check and complete privgate's files. A comment that leads nowhere is
//! silent in the editor ("Unable to load schema" in a corner, no
//! completion), so `check` and `validate` warn about it: a schema that is
//! not there, the address `https://privgate.dev/schemas/...` that earlier
//! starters named and nothing serves, a copy older (or newer) than this
//! privgate's (known by its `x-privgate-version`; same version but other
//! content counts too), or the wrong schema for the file. Only paths inside
//! the root are read, through the same `Tree` as the manifests (so
//! `--staged` judges the staged copy); other addresses are left alone. One
//! warning per schema file, at the first file that names it.

use crate::diagnostic::Code;
use crate::diagnostic::Diagnostic;
use crate::load::schema::{self, VERSION, WRITTEN_DIR};
use crate::load::tree::Tree;
use crate::span::Place;
use serde_json::Value;
use std::collections::BTreeMap;

const MARKER: &str = "yaml-language-server:";

/// The longest `$schema` value looked at (paths are at most 4 KiB on Linux).
const MAX_TARGET_BYTES: usize = 4096;

/// A `$schema` comment: where its value is in the file, and the value.
struct Comment<'a> {
    offset: usize,
    target: &'a str,
}

/// The `$schema` value of the comment block that opens `text`, if any.
fn comment(text: &str) -> Option<Comment<'_>> {
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let trimmed = line.trim();
        if !(trimmed.is_empty() || trimmed.starts_with('#')) {
            return None;
        }
        if let Some(at) = line.find(MARKER) {
            let rest = &line[at + MARKER.len()..];
            let start = rest.find("$schema=")? + "$schema=".len();
            let value = rest[start..].split_whitespace().next()?;
            let value_at = at + MARKER.len() + start;
            return Some(Comment {
                offset: offset + value_at,
                target: value,
            });
        }
        offset += line.len();
    }
    None
}

/// `a/b/../c` -> `a/c`; `None` when it leaves the root.
fn normalise(dir: &str, relative: &str) -> Option<String> {
    let mut parts: Vec<&str> = dir.split('/').filter(|s| !s.is_empty()).collect();
    for seg in relative.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            s => parts.push(s),
        }
    }
    Some(parts.join("/"))
}

/// `../../.privgate/schemas/manifest.schema.json` for `a/b/privacy.yaml`.
fn relative_to_written(file: &str, name: &str) -> String {
    let depth = file.matches('/').count();
    format!(
        "{}{WRITTEN_DIR}/{}",
        "../".repeat(depth),
        schema::file_name(name)
    )
}

/// Why the schema at `path` (read from the tree) is not what this privgate
/// would have editors load for a file of kind `name`; `None` when it is.
fn verdict(tree: &dyn Tree, path: &str, written: &str, name: &str) -> Option<(String, String)> {
    let refresh = |dir: &str| format!("refresh it with `privgate schema --write {dir}`");
    let dir = path.rsplit_once('/').map_or(".", |(d, _)| d);
    if !tree.is_file(path) {
        return Some((
            format!("the `$schema` comment names `{path}`, which does not exist: editors cannot load it"),
            format!("write it with `privgate schema --write {dir}` (commit it, so the whole team's editors find it)"),
        ));
    }
    let bytes = tree.read(path).ok()?;
    let Ok(document) = serde_json::from_slice::<Value>(&bytes) else {
        return Some((
            format!("`{path}`, named by the `$schema` comment, is not JSON"),
            refresh(dir),
        ));
    };
    let Some(is) = schema::name_of(&document) else {
        // Someone else's schema: theirs to keep.
        return None;
    };
    if is != name {
        return Some((
            format!("the `$schema` comment names the {is} schema, but this file is a {name}"),
            format!(
                "point it at `{}`",
                match written.rsplit_once('/') {
                    Some((dir, _)) => format!("{dir}/{}", schema::file_name(name)),
                    None => schema::file_name(name),
                }
            ),
        ));
    }
    let ours: Value = serde_json::from_str(schema::by_name(name)?).ok()?;
    if document == ours {
        return None;
    }
    let theirs = document["x-privgate-version"].as_str();
    let message = match theirs.map(|v| compare(v, VERSION)) {
        Some(std::cmp::Ordering::Greater) => format!(
            "`{path}` is the schema of privgate {}, newer than this privgate ({VERSION})",
            theirs.unwrap_or_default()
        ),
        Some(std::cmp::Ordering::Equal) => format!(
            "`{path}` differs from this privgate's {name} schema (both say version {VERSION}): editors may judge the file otherwise than `privgate check` does"
        ),
        Some(std::cmp::Ordering::Less) | None => format!(
            "`{path}` is the schema of privgate {}, older than this privgate ({VERSION}): editors check against outdated fields and categories",
            theirs.unwrap_or("before 0.1.0")
        ),
    };
    let help = if theirs.is_some_and(|v| compare(v, VERSION).is_gt()) {
        "upgrade privgate (its schema is the one the repository now uses)".to_string()
    } else {
        refresh(dir)
    };
    Some((message, help))
}

/// Dotted versions compared number by number (`0.10.0` > `0.9.1`).
fn compare(a: &str, b: &str) -> std::cmp::Ordering {
    let parts = |v: &str| -> Vec<u64> {
        v.split(['.', '-', '+'])
            .map(|p| p.parse::<u64>().unwrap_or(0))
            .collect()
    };
    parts(a).cmp(&parts(b))
}

/// Warnings for the `$schema` comments of `files` (path, text, which
/// schema the file should name: `manifest` or `config`).
pub fn check_comments<'a>(
    tree: &dyn Tree,
    files: impl IntoIterator<Item = (&'a str, &'a str, &'static str)>,
) -> Vec<Diagnostic> {
    // By schema file (or address): the first file naming it, where, what
    // it should name, and how many files name it.
    let mut named: BTreeMap<String, (String, String, usize, usize, &'static str, usize)> =
        BTreeMap::new();
    for (file, text, name) in files {
        let Some(c) = comment(text) else { continue };
        // No schema path is this long; a hostile one is not worth a lookup.
        if c.target.len() > MAX_TARGET_BYTES {
            continue;
        }
        let dir = file.rsplit_once('/').map_or("", |(d, _)| d);
        let key = if c.target.contains("://") {
            if !c.target.contains("://privgate.dev/") {
                continue;
            }
            c.target.to_string()
        } else if c.target.starts_with('/') {
            continue;
        } else {
            match normalise(dir, c.target) {
                Some(p) => p,
                // Outside the root: not this run's to read.
                None => continue,
            }
        };
        let entry = named.entry(format!("{name}\0{key}")).or_insert((
            file.to_string(),
            c.target.to_string(),
            c.offset,
            c.target.len(),
            name,
            0,
        ));
        entry.5 += 1;
    }
    let mut out = Vec::new();
    for (key, (file, written, offset, len, name, count)) in named {
        let target = key.split_once('\0').map_or("", |(_, t)| t);
        let found = if target.contains("://") {
            Some((
                format!("the `$schema` comment names `{target}`, which nothing serves: editors say \"Unable to load schema\" and neither check nor complete this file"),
                format!(
                    "run `privgate schema --write {WRITTEN_DIR}` once, commit it, and point the comment at `{}`",
                    relative_to_written(&file, name)
                ),
            ))
        } else {
            verdict(tree, target, &written, name)
        };
        let Some((mut message, help)) = found else {
            continue;
        };
        if count > 1 {
            message.push_str(&format!(
                " ({} more file{} name{} it)",
                count - 1,
                crate::text::plural(count - 1),
                if count == 2 { "s" } else { "" }
            ));
        }
        // `check` prints a warning as one line: the remedy is part of it.
        out.push(
            Diagnostic::warning(Code::EditorSchema, format!("{message}; {help}"))
                .at(file, Place::Bytes { offset, len })
                .label("editors load this"),
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_comment_is_found_in_the_opening_comments_only() {
        let c = comment("# a\n# yaml-language-server: $schema=../s.json x\nversion: 1\n").unwrap();
        assert_eq!(c.target, "../s.json");
        assert_eq!(
            &"# a\n# yaml-language-server: $schema=../s.json x\n"[c.offset..c.offset + 9],
            "../s.json"
        );
        assert!(comment("version: 1\n# yaml-language-server: $schema=s.json\n").is_none());
    }

    #[test]
    fn paths_are_normalised_within_the_root() {
        assert_eq!(
            normalise("a/b", "../c/d.json").as_deref(),
            Some("a/c/d.json")
        );
        assert_eq!(normalise("", "./x.json").as_deref(), Some("x.json"));
        assert_eq!(normalise("a", "../../x.json"), None);
        assert_eq!(
            relative_to_written("svc/a/privacy.yaml", "manifest"),
            "../../.privgate/schemas/manifest.schema.json"
        );
    }

    #[test]
    fn versions_compare_by_number() {
        assert!(compare("0.10.0", "0.9.1").is_gt());
        assert!(compare("0.1.0", "0.1.0").is_eq());
        assert!(compare("0.0.9", "0.1.0").is_lt());
    }
}
