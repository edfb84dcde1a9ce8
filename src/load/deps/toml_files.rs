//! The TOML dependency files, read by `toml`'s spanned document
//! (`toml::de::DeTable`), which keeps the byte range of every key and
//! value: `Cargo.toml`, `pyproject.toml` (PEP 621, PEP 735 groups, Poetry)
//! and `Pipfile`.

use super::python::requirement;
use super::{dep_at, Dependency, Ecosystem, Malformed};
use toml::de::{DeTable, DeValue};
use toml::Spanned;

/// Cargo's dependency tables, as they may appear at the top and under
/// `target.<cfg>` (the underscore spellings are older Cargo's, still read).
const CARGO_SECTIONS: [&str; 5] = [
    "dependencies",
    "dev-dependencies",
    "build-dependencies",
    "dev_dependencies",
    "build_dependencies",
];

pub(super) fn cargo_toml(text: &str) -> Result<Vec<Dependency>, Malformed> {
    let root = parse_toml(text)?;
    let root = root.get_ref();
    let mut deps = Vec::new();
    let mut tables: Vec<&DeTable<'_>> = vec![root];
    if let Some(targets) = table(root, "target") {
        tables.extend(targets.values().filter_map(|v| as_table(v.get_ref())));
    }
    for table_ in tables {
        for section in CARGO_SECTIONS {
            if let Some(section) = table(table_, section) {
                cargo_entries(text, section, &mut deps);
            }
        }
    }
    if let Some(workspace) = table(root, "workspace").and_then(|w| table(w, "dependencies")) {
        cargo_entries(text, workspace, &mut deps);
    }
    deps.sort_by_key(|d| (d.line, d.column));
    Ok(deps)
}

/// `name = "1"`, or `alias = { package = "name", ... }`: the crate is the
/// `package` one, found on the alias's line.
fn cargo_entries(text: &str, section: &DeTable<'_>, deps: &mut Vec<Dependency>) {
    for (key, value) in section.iter() {
        let renamed = as_table(value.get_ref())
            .and_then(|t| t.get("package"))
            .and_then(|p| match p.get_ref() {
                DeValue::String(s) => Some(s.as_ref()),
                _ => None,
            });
        let name = renamed.unwrap_or(key.get_ref().as_ref());
        deps.push(dep_at(text, Ecosystem::Cargo, name, key_start(text, key)));
    }
}

pub(super) fn pyproject(text: &str) -> Result<Vec<Dependency>, Malformed> {
    let root = parse_toml(text)?;
    let root = root.get_ref();
    let mut deps = Vec::new();
    if let Some(project) = table(root, "project") {
        if let Some(list) = project.get("dependencies") {
            pep508_array(text, list, &mut deps)?;
        }
        if let Some(optional) = table(project, "optional-dependencies") {
            for list in optional.values() {
                pep508_array(text, list, &mut deps)?;
            }
        }
    }
    // PEP 735: lists of PEP 508 strings and `{include-group = ...}` tables.
    if let Some(groups) = table(root, "dependency-groups") {
        for list in groups.values() {
            pep508_array(text, list, &mut deps)?;
        }
    }
    if let Some(poetry) = table(root, "tool").and_then(|t| table(t, "poetry")) {
        let mut sections: Vec<&DeTable<'_>> = ["dependencies", "dev-dependencies"]
            .into_iter()
            .filter_map(|s| table(poetry, s))
            .collect();
        if let Some(groups) = table(poetry, "group") {
            sections.extend(
                groups
                    .values()
                    .filter_map(|g| as_table(g.get_ref()))
                    .filter_map(|g| table(g, "dependencies")),
            );
        }
        for section in sections {
            for (key, _) in section.iter() {
                let name = key.get_ref().as_ref();
                // The Python version constraint, not a package.
                if name != "python" {
                    deps.push(dep_at(text, Ecosystem::Pypi, name, key_start(text, key)));
                }
            }
        }
    }
    deps.sort_by_key(|d| (d.line, d.column));
    Ok(deps)
}

pub(super) fn pipfile(text: &str) -> Result<Vec<Dependency>, Malformed> {
    let root = parse_toml(text)?;
    let root = root.get_ref();
    let mut deps = Vec::new();
    for section in ["packages", "dev-packages"] {
        if let Some(section) = table(root, section) {
            for (key, _) in section.iter() {
                let name = key.get_ref().as_ref();
                deps.push(dep_at(text, Ecosystem::Pypi, name, key_start(text, key)));
            }
        }
    }
    deps.sort_by_key(|d| (d.line, d.column));
    Ok(deps)
}

fn parse_toml(text: &str) -> Result<Spanned<DeTable<'_>>, Malformed> {
    DeTable::parse(text).map_err(|e| {
        let offset = e.span().map_or(0, |s| s.start);
        Malformed::at(text, offset, e.message().trim_end().to_string())
    })
}

fn table<'a, 'i>(parent: &'a DeTable<'i>, key: &str) -> Option<&'a DeTable<'i>> {
    parent.get(key).and_then(|v| as_table(v.get_ref()))
}

fn as_table<'a, 'i>(value: &'a DeValue<'i>) -> Option<&'a DeTable<'i>> {
    match value {
        DeValue::Table(t) => Some(t),
        _ => None,
    }
}

/// Where a key's name starts: after the quote of a quoted key.
fn key_start(text: &str, key: &Spanned<std::borrow::Cow<'_, str>>) -> usize {
    let start = key.span().start;
    match text.get(start..) {
        Some(rest) if rest.starts_with(['"', '\'']) => start + 1,
        _ => start,
    }
}

/// Each string of a TOML array, read as a PEP 508 requirement.
fn pep508_array(
    text: &str,
    list: &Spanned<DeValue<'_>>,
    deps: &mut Vec<Dependency>,
) -> Result<(), Malformed> {
    let DeValue::Array(items) = list.get_ref() else {
        return Ok(());
    };
    for item in items.iter() {
        let DeValue::String(value) = item.get_ref() else {
            continue;
        };
        let start = item.span().start;
        let raw = text.get(start..).unwrap_or("");
        let quote = if raw.starts_with("\"\"\"") || raw.starts_with("'''") {
            3
        } else {
            1
        };
        let trimmed = value.trim_start();
        let offset = start + quote + (value.len() - trimmed.len());
        if let Some(dep) = requirement(text, trimmed, offset)? {
            deps.push(dep);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::load::deps::tests::located;
    use crate::load::deps::{parse, WarningKind};

    #[test]
    fn cargo_toml_reads_every_dependency_table_and_follows_renames() {
        let text = r#"[package]
name = "shop"

[dependencies]
async-stripe = { version = "0.37", features = ["runtime-tokio-hyper"] }
serde = "1"
sentry-sdk = { package = "sentry", version = "0.34" }

[dev-dependencies]
insta = "1"

[build-dependencies.cc]
version = "1"

[target.'cfg(windows)'.dependencies]
winapi = "0.3"

[workspace.dependencies]
"aws-config" = "1"
"#;
        let deps = parse("Cargo.toml", text.as_bytes()).unwrap();
        assert_eq!(
            located(&deps),
            [
                ("async-stripe", 5, 1),
                ("serde", 6, 1),
                ("sentry", 7, 1),
                ("insta", 10, 1),
                ("cc", 12, 21),
                ("winapi", 16, 1),
                ("aws-config", 19, 2),
            ]
        );
    }

    #[test]
    fn pyproject_reads_pep_621_groups_and_poetry_but_not_python_itself() {
        let text = r#"[project]
name = "shop"
dependencies = [
  "stripe>=7",
  "  sentry-sdk[flask]",
]

[project.optional-dependencies]
ai = ["openai ; python_version >= '3.9'"]

[dependency-groups]
test = ["pytest", { include-group = "ai" }]

[tool.poetry.dependencies]
python = "^3.11"
twilio = "^9"

[tool.poetry.group.dev.dependencies]
"mixpanel" = "*"
"#;
        let deps = parse("pyproject.toml", text.as_bytes()).unwrap();
        assert_eq!(
            located(&deps),
            [
                ("stripe", 4, 4),
                ("sentry-sdk", 5, 6),
                ("openai", 9, 8),
                ("pytest", 12, 10),
                ("twilio", 16, 1),
                ("mixpanel", 19, 2),
            ]
        );
    }

    #[test]
    fn a_pyproject_requirement_that_is_not_pep_508_is_malformed_at_it() {
        let text = "[project]\ndependencies = [\"ok\", \"bad ==\"]\n";
        let warning = parse("pyproject.toml", text.as_bytes()).unwrap_err();
        assert_eq!(warning.kind, WarningKind::Malformed);
        assert_eq!(warning.line, 2);
        assert!(warning.column >= 24, "{warning}");
    }

    #[test]
    fn pipfile_reads_packages_and_dev_packages() {
        let text = "[[source]]\nurl = \"https://pypi.org/simple\"\n\n[packages]\nstripe = \"*\"\n\n[dev-packages]\n\"pytest\" = \"*\"\n\n[requires]\npython_version = \"3.12\"\n";
        let deps = parse("Pipfile", text.as_bytes()).unwrap();
        assert_eq!(located(&deps), [("stripe", 5, 1), ("pytest", 8, 2)]);
    }

    #[test]
    fn toml_that_does_not_parse_is_malformed_at_its_place() {
        let warning = parse("Cargo.toml", b"[dependencies]\nserde = \n").unwrap_err();
        assert_eq!(warning.kind, WarningKind::Malformed);
        assert_eq!(warning.line, 2);
    }
}
