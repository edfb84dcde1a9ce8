//! `privgate init`: a starter config, a commented manifest and the two
//! breach documents it names (a response plan and a register, so the
//! starter is quiet under the rules), and the JSON Schemas in
//! `.privgate/schemas/`, which the starters' `$schema` comments name by
//! relative path so that editors load them without a network. Never
//! overwrites: if any of the files exists (a schema with other bytes than
//! this privgate's), nothing is written. `privgate schema --write DIR`
//! refreshes the schemas after an upgrade (`write_schemas`).

use crate::load::schema;
use std::path::{Path, PathBuf};

pub const CONFIG_TEMPLATE: &str = include_str!("../examples/init/privgate.yaml");
pub const MANIFEST_TEMPLATE: &str = include_str!("../examples/init/privacy.yaml");
pub const BREACH_PLAN_TEMPLATE: &str =
    include_str!("../examples/init/docs/privacy/breach-response.md");
pub const BREACH_REGISTER_TEMPLATE: &str =
    include_str!("../examples/init/docs/privacy/breach-register.md");

/// Writes every file, or none. Returns the paths written.
pub fn init(root: &Path) -> Result<Vec<String>, String> {
    if !root.exists() {
        // Like `git init DIR`: a directory that does not exist yet is made.
        std::fs::create_dir_all(root)
            .map_err(|e| format!("cannot create `{}`: {e}", root.display()))?;
    }
    if !root.is_dir() {
        return Err(format!("`{}` is not a directory", root.display()));
    }
    let schemas = schema::NAMES.map(|name| {
        (
            format!("{}/{}", schema::WRITTEN_DIR, schema::file_name(name)),
            schema::by_name(name).unwrap_or_default(),
        )
    });
    let files: Vec<(String, &str)> = [
        ("privgate.yaml", CONFIG_TEMPLATE),
        ("privacy.yaml", MANIFEST_TEMPLATE),
        ("docs/privacy/breach-response.md", BREACH_PLAN_TEMPLATE),
        ("docs/privacy/breach-register.md", BREACH_REGISTER_TEMPLATE),
    ]
    .into_iter()
    .map(|(n, t)| (n.to_string(), t))
    .chain(schemas)
    .collect();
    // A schema this privgate would write is already there (an earlier
    // `privgate schema --write`): left as it is, not an obstacle.
    let files: Vec<(String, &str)> = files
        .into_iter()
        .filter(|(name, content)| {
            !(name.starts_with(schema::WRITTEN_DIR)
                && std::fs::read(root.join(name)).is_ok_and(|b| b == content.as_bytes()))
        })
        .collect();
    for (name, _) in &files {
        let path = root.join(name);
        if path.exists() || path.is_symlink() {
            return Err(format!(
                "`{}` already exists; privgate init never overwrites (nothing was written)",
                path.display()
            ));
        }
    }
    let mut written = Vec::new();
    for (name, content) in &files {
        let path = root.join(name);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)
                .map_err(|e| format!("cannot create `{}`: {e}", dir.display()))?;
        }
        // create_new: a file that appeared since the check is not clobbered.
        let result = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
            .and_then(|mut f| std::io::Write::write_all(&mut f, content.as_bytes()));
        if let Err(e) = result {
            return Err(format!("cannot write `{}`: {e}", path.display()));
        }
        written.push(path.display().to_string());
    }
    Ok(written)
}

/// What `write_schemas` did to one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Written {
    Created(PathBuf),
    Refreshed(PathBuf),
    Unchanged(PathBuf),
}

/// Writes this privgate's JSON Schemas into `dir` (made if missing), each
/// replaced whole; a file there that is not a privgate schema is refused
/// and nothing is written.
pub fn write_schemas(dir: &Path, names: &[&str]) -> Result<Vec<Written>, String> {
    if dir.exists() && !dir.is_dir() {
        return Err(format!("`{}` is not a directory", dir.display()));
    }
    for name in names {
        let path = dir.join(schema::file_name(name));
        if let Ok(bytes) = std::fs::read(&path) {
            if !schema::is_privgate_schema(&bytes) {
                return Err(format!(
                    "`{}` exists and is not a privgate schema; refusing to replace it (nothing was written)",
                    path.display()
                ));
            }
        } else if path.exists() {
            return Err(format!(
                "`{}` exists and cannot be read (nothing was written)",
                path.display()
            ));
        }
    }
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create `{}`: {e}", dir.display()))?;
    let mut out = Vec::new();
    for name in names {
        let path = dir.join(schema::file_name(name));
        let text = schema::by_name(name).unwrap_or_default();
        let before = std::fs::read(&path).ok();
        if before.as_deref() == Some(text.as_bytes()) {
            out.push(Written::Unchanged(path));
            continue;
        }
        let tmp = dir.join(format!(
            ".{}.privgate-{}.tmp",
            schema::file_name(name),
            std::process::id()
        ));
        let result = std::fs::write(&tmp, text).and_then(|_| std::fs::rename(&tmp, &path));
        if let Err(e) = result {
            let _ = std::fs::remove_file(&tmp);
            return Err(format!("cannot write `{}`: {e}", path.display()));
        }
        out.push(if before.is_some() {
            Written::Refreshed(path)
        } else {
            Written::Created(path)
        });
    }
    Ok(out)
}
