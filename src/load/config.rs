//! The config, `privgate.yaml`: found (or given with `--config`), parsed
//! and validated against its schema once, into the typed `Config` every
//! later step reads. A broken config still yields one (defaults, plus the
//! parts that validate) so manifests are judged as it means them to be.

use super::{disagree, parse, salvage, LoadOptions, Workspace};
use crate::diagnostic::{Code, Diagnostic};
use crate::load::schema::Schema;
use crate::load::tree::Tree;
use crate::manifest::{Config, CONFIG_NAMES};
use crate::span::Place;
use serde_json::Value;
use std::collections::BTreeSet;

pub(super) fn load_config(
    tree: &dyn Tree,
    options: &LoadOptions,
    ws: &mut Workspace,
) -> (Config, Option<String>) {
    let (path, bytes) = if let Some(p) = &options.config_path {
        let shown = p.display().to_string();
        match crate::load::tree::read_outside(p, &shown) {
            Ok(b) => (shown, b),
            Err(d) => {
                ws.diagnostics.push(d);
                return (default_config(options), None);
            }
        }
    } else {
        // A config that is there but cannot be read must not be passed
        // over: its gate, waivers and packs would silently drop out.
        for name in CONFIG_NAMES {
            if let Some(what) = tree.not_a_file(name) {
                ws.diagnostics.push(
                    Diagnostic::error(Code::UnreadablePath, format!("`{name}` is {what}"))
                        .help("make it a regular file in the repository, or remove it"),
                );
            }
        }
        let found = CONFIG_NAMES.iter().find(|n| tree.is_file(n));
        for misnamed in ["privgate.yml", ".privgate.yml"]
            .into_iter()
            .filter(|n| tree.is_file(n))
        {
            // Manifests may end in `.yml`; a config so named is easy to
            // write and, unread, would drop the gate and waivers silently.
            let read = found.map_or("privgate.yaml", |n| *n);
            let d = match found {
                None => Diagnostic::error(
                    Code::MisnamedConfig,
                    format!("`{misnamed}` is not read: the config must be named `privgate.yaml` or `.privgate.yaml`"),
                )
                .help(format!("rename it to `{}`", misnamed.replace(".yml", ".yaml"))),
                Some(_) => Diagnostic::warning(
                    Code::MisnamedConfig,
                    format!("`{misnamed}` is not read; `{read}` is the config"),
                )
                .help(format!("merge it into `{read}` and delete it")),
            };
            ws.diagnostics
                .push(d.at(misnamed, Place::File).label("not read"));
        }
        let Some(name) = found else {
            // A config above that excludes this directory would not check
            // it either (examples/broken below a repository's own config):
            // nothing to point out.
            if let Some(above) = tree.config_above().filter(|a| !excludes_root(a)) {
                let above = above.shown;
                let dir = above.rsplit_once('/').map_or("..", |(d, _)| d);
                ws.diagnostics.push(
                    Diagnostic::warning(
                        Code::ConfigAboveRoot,
                        format!(
                            "the root has no privgate.yaml, but `{above}` is above it: this run reads neither that config nor the manifests outside the root (to check with it: `privgate check {dir}`)"
                        ),
                    ),
                );
            }
            return (default_config(options), None);
        };
        if let Some(other) = CONFIG_NAMES.iter().find(|n| *n != name && tree.is_file(n)) {
            ws.diagnostics.push(
                Diagnostic::warning(
                    Code::SecondConfig,
                    format!("both `{name}` and `{other}` exist; `{other}` is ignored"),
                )
                .at(*other, Place::File)
                .label("ignored")
                .help(format!("merge it into `{name}` and delete it")),
            );
        }
        match tree.read(name) {
            Ok(b) => (name.to_string(), b),
            Err(d) => {
                ws.diagnostics.push(d);
                return (default_config(options), None);
            }
        }
    };
    let parsed = match parse::parse(&path, bytes) {
        Ok(p) => p,
        Err((text, d)) => {
            if let Some(t) = text {
                ws.sources.insert(path.clone(), t);
            }
            ws.diagnostics.push(d);
            return (default_config(options), Some(path));
        }
    };
    ws.sources.insert(path.clone(), parsed.text);
    let problems = Schema::config().check(&path, &parsed.value);
    let config = if problems.is_empty() {
        serde_json::from_value::<Config>(parsed.value)
            .map_err(|e| ws.diagnostics.push(disagree(&path, &e)))
    } else {
        // Keep the valid part (excludes, taxonomy, subjects ...), so that
        // manifests are judged as the config means them to be.
        let kept = salvage(&parsed.value, &problems, false).and_then(|mut s| {
            keep_valid_rule_overrides(&parsed.value, &problems, &mut s.value);
            serde_json::from_value::<Config>(s.value).ok()
        });
        ws.diagnostics.extend(problems);
        kept.ok_or(())
    };
    match config {
        Ok(mut config) => {
            if !options.regulations.is_empty() {
                config.regulations = Some(options.regulations.clone());
                config.regulations_from_command_line = true;
            }
            (config, Some(path))
        }
        Err(()) => (default_config(options), Some(path)),
    }
}

/// Puts back the `rules:` overrides that have no error of their own, which
/// `salvage` left out with the one that has: their rule ids are then checked
/// in the same run (a misspelt id beside a bad severity).
fn keep_valid_rule_overrides(raw: &Value, problems: &[Diagnostic], salvaged: &mut Value) {
    let Some(Value::Object(rules)) = raw.get("rules") else {
        return;
    };
    let mut bad = BTreeSet::new();
    for d in problems {
        let Place::Pointer { pointer, .. } = &d.place else {
            continue;
        };
        match pointer.strip_prefix("/rules") {
            // The map itself is wrong: nothing of it is kept.
            Some("") => return,
            Some(rest) => {
                let id = rest.trim_start_matches('/').split('/').next().unwrap_or("");
                bad.insert(id.replace("~1", "/").replace("~0", "~"));
            }
            None => {}
        }
    }
    if let Some(doc) = salvaged.as_object_mut() {
        let valid = rules.iter().filter(|(id, _)| !bad.contains(id.as_str()));
        doc.insert(
            "rules".into(),
            Value::Object(valid.map(|(k, v)| (k.clone(), v.clone())).collect()),
        );
    }
}

fn default_config(options: &LoadOptions) -> Config {
    Config {
        version: 1,
        regulations: (!options.regulations.is_empty()).then(|| options.regulations.clone()),
        regulations_from_command_line: !options.regulations.is_empty(),
        ..Config::default()
    }
}

/// Whether the config above lists the root's directory under `exclude`.
fn excludes_root(above: &crate::load::tree::ConfigAbove) -> bool {
    !above.exclude.is_empty()
        && crate::load::discover::Globs::new(None, &above.exclude, None)
            .is_ok_and(|g| !g.keep_dir(&above.below))
}
