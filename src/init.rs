//! `privgate init`: a starter config, a commented manifest and the two
//! breach documents it names (a response plan and a register, so the
//! starter is quiet under the rules). Never overwrites: if any of the files
//! exists, nothing is written.

use std::path::Path;

pub const CONFIG_TEMPLATE: &str = include_str!("../examples/init/privgate.yaml");
pub const MANIFEST_TEMPLATE: &str = include_str!("../examples/init/privacy.yaml");
pub const BREACH_PLAN_TEMPLATE: &str =
    include_str!("../examples/init/docs/privacy/breach-response.md");
pub const BREACH_REGISTER_TEMPLATE: &str =
    include_str!("../examples/init/docs/privacy/breach-register.md");

/// Writes both files, or neither. Returns the paths written.
pub fn init(root: &Path) -> Result<Vec<String>, String> {
    if !root.exists() {
        // Like `git init DIR`: a directory that does not exist yet is made.
        std::fs::create_dir_all(root)
            .map_err(|e| format!("cannot create `{}`: {e}", root.display()))?;
    }
    if !root.is_dir() {
        return Err(format!("`{}` is not a directory", root.display()));
    }
    let files = [
        ("privgate.yaml", CONFIG_TEMPLATE),
        ("privacy.yaml", MANIFEST_TEMPLATE),
        ("docs/privacy/breach-response.md", BREACH_PLAN_TEMPLATE),
        ("docs/privacy/breach-register.md", BREACH_REGISTER_TEMPLATE),
    ];
    for (name, _) in files {
        let path = root.join(name);
        if path.exists() {
            return Err(format!(
                "`{}` already exists; privgate init never overwrites (nothing was written)",
                path.display()
            ));
        }
    }
    let mut written = Vec::new();
    for (name, content) in files {
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
