//! `requirements*.txt`, and the PEP 508 strings that `pyproject.toml` holds
//! too, read by `pep508_rs`. A requirements file is pip's line format around
//! PEP 508: comments, `\` continuations, option lines (`-r`, `-e`,
//! `--index-url`) and per-requirement options (`--hash`) are pip's and are
//! skipped here; each remaining line must be a PEP 508 requirement.

use super::{dep_at, Dependency, Ecosystem, Malformed};
use pep508_rs::Requirement;
use std::str::FromStr;

pub(super) fn requirements(text: &str) -> Result<Vec<Dependency>, Malformed> {
    let mut deps = Vec::new();
    for (start, line) in logical_lines(text) {
        let line = strip_comment(&line);
        // Per-requirement options (`--hash=...`) follow the requirement.
        let line = match line.find(" --").or_else(|| line.find("\t--")) {
            Some(i) => &line[..i],
            None => line,
        };
        let trimmed = line.trim_start();
        if trimmed.trim().is_empty() || trimmed.starts_with('-') || !names_a_package(trimmed) {
            continue;
        }
        let offset = start + (line.len() - trimmed.len());
        if let Some(dep) = requirement(text, trimmed, offset)? {
            deps.push(dep);
        }
    }
    Ok(deps)
}

/// A PEP 508 requirement written at byte `offset` of `text` (its leading
/// whitespace already skipped), as a dependency named as written.
pub(super) fn requirement(
    text: &str,
    requirement: &str,
    offset: usize,
) -> Result<Option<Dependency>, Malformed> {
    if let Err(e) = Requirement::<pep508_rs::VerbatimUrl>::from_str(requirement) {
        return Err(Malformed::at(
            text,
            offset + e.start.min(requirement.len()),
            format!("`{}`: {}", requirement.trim(), e.message),
        ));
    }
    let name_len = requirement
        .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')))
        .unwrap_or(requirement.len());
    let name = &requirement[..name_len];
    Ok((!name.is_empty()).then(|| dep_at(text, Ecosystem::Pypi, name, offset)))
}

/// pip also takes a bare path or URL (`./pkg`, `https://.../x.whl`,
/// `git+https://...`) where a requirement goes; those name no package on
/// PyPI and are not dependencies in the catalogue's sense.
fn names_a_package(line: &str) -> bool {
    let token = line
        .split(|c: char| {
            c.is_whitespace() || matches!(c, ';' | '<' | '>' | '=' | '!' | '~' | '@' | '[')
        })
        .next()
        .unwrap_or("");
    line.starts_with(|c: char| c.is_ascii_alphanumeric())
        && !token.contains(['/', '\\', ':'])
        && !token.ends_with(".whl")
        && !token.ends_with(".tar.gz")
        && !token.ends_with(".zip")
}

/// pip's comments: `#` at the start of a line or after whitespace.
fn strip_comment(line: &str) -> &str {
    let bytes = line.as_bytes();
    for (i, &b) in bytes.iter().enumerate() {
        if b == b'#' && (i == 0 || bytes[i - 1].is_ascii_whitespace()) {
            return &line[..i];
        }
    }
    line
}

/// Lines joined where one ends in `\`, each with the byte offset where it
/// starts. A joined line keeps the first line's offset: the name is there.
fn logical_lines(text: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let mut current: Option<(usize, String)> = None;
    let mut offset = 0;
    for raw in text.split_inclusive('\n') {
        let start = offset;
        offset += raw.len();
        let line = raw.trim_end_matches(['\n', '\r']);
        let (body, continues) = match line.strip_suffix('\\') {
            Some(body) => (body, true),
            None => (line, false),
        };
        match current.as_mut() {
            Some((_, joined)) => joined.push_str(body),
            None => current = Some((start, body.to_string())),
        }
        if !continues {
            out.extend(current.take());
        }
    }
    out.extend(current);
    out
}

#[cfg(test)]
mod tests {
    use crate::load::deps::tests::located;
    use crate::load::deps::{parse, WarningKind};

    #[test]
    fn requirements_lines_give_names_as_written_with_their_place() {
        let text = "\
# payments
stripe==7.0.0
  Sentry_SDK[flask] >= 1.40 ; python_version >= \"3.8\"
-r other.txt
--index-url https://pypi.example/simple
-e git+https://github.com/acme/lib.git#egg=lib
./local/pkg
https://files.example/x-1.0-py3-none-any.whl
requests \\
    >=2.31  # http
boto3==1.34 --hash=sha256:abcd
pkg @ https://files.example/pkg-1.0.tar.gz
";
        let deps = parse("requirements-dev.txt", text.as_bytes()).unwrap();
        assert_eq!(
            located(&deps),
            [
                ("stripe", 2, 1),
                ("Sentry_SDK", 3, 3),
                ("requests", 9, 1),
                ("boto3", 11, 1),
                ("pkg", 12, 1),
            ]
        );
    }

    #[test]
    fn a_requirement_that_is_not_pep_508_makes_the_file_malformed_at_its_line() {
        let warning = parse("requirements.txt", b"stripe\nflask >>= 2\n").unwrap_err();
        assert_eq!(warning.kind, WarningKind::Malformed);
        assert_eq!(warning.line, 2);
        assert!(
            warning.message.contains("flask >>= 2"),
            "{}",
            warning.message
        );
    }

    #[test]
    fn an_empty_requirements_file_has_no_dependencies() {
        assert!(parse("requirements.txt", b"").unwrap().is_empty());
        assert!(parse("requirements.txt", b"# only a comment\n\n")
            .unwrap()
            .is_empty());
    }
}
