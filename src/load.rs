//! The front half of the pipeline: config, discovery, parsing, schema
//! validation and resolution, from a `Tree` to a `Model` plus every
//! diagnostic found on the way. Files are parsed and validated in parallel.

use crate::diagnostic::{Diagnostic, Place};
use crate::discover::{self, Globs, CONFIG_NAMES};
use crate::manifest::{Config, Manifest};
use crate::model::Model;
use crate::parse;
use crate::resolve::{self, Loaded};
use crate::schema::Schema;
use crate::taxonomy::Taxonomy;
use crate::tree::Tree;
use rayon::prelude::*;
use std::collections::BTreeMap;

#[derive(Debug, Default, Clone)]
pub struct LoadOptions {
    /// A config file given with `--config` (read from disk, shown as given).
    pub config_path: Option<std::path::PathBuf>,
    /// `--regulation`, overriding the config's list.
    pub regulations: Vec<String>,
}

/// What loading produced. `model` is present when nothing stopped resolution;
/// `diagnostics` may still hold warnings.
pub struct Workspace {
    /// Text of every file read, by repository-relative path (for rendering).
    pub sources: BTreeMap<String, String>,
    pub diagnostics: Vec<Diagnostic>,
    pub model: Option<Model>,
}

impl Workspace {
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }
}

pub fn load(tree: &dyn Tree, options: &LoadOptions) -> Workspace {
    let mut ws = Workspace {
        sources: BTreeMap::new(),
        diagnostics: Vec::new(),
        model: None,
    };
    let (config, config_file) = load_config(tree, options, &mut ws);
    let globs = match Globs::new(config.manifests.as_deref(), &config.exclude, config_file.as_deref()) {
        Ok(g) => g,
        Err(mut d) => {
            ws.diagnostics.append(&mut d);
            return ws;
        }
    };
    let paths = match discover::discover(tree, &globs) {
        Ok(p) => p,
        Err(mut d) => {
            ws.diagnostics.append(&mut d);
            return ws;
        }
    };
    let parsed: Vec<FileResult> = paths.par_iter().map(|p| load_manifest(tree, p)).collect();
    let mut manifests = Vec::new();
    let mut failed = false;
    for r in parsed {
        if let Some(text) = r.text {
            ws.sources.insert(r.path.clone(), text);
        }
        failed |= r.manifest.is_none();
        ws.diagnostics.extend(r.diagnostics);
        if let Some(manifest) = r.manifest {
            manifests.push(Loaded { path: r.path, manifest });
        }
    }
    let (model, mut diags) = resolve::resolve(
        manifests,
        config,
        config_file,
        Taxonomy::builtin(),
        tree,
        failed,
    );
    ws.diagnostics.append(&mut diags);
    ws.model = Some(model);
    ws
}

struct FileResult {
    path: String,
    text: Option<String>,
    manifest: Option<Manifest>,
    diagnostics: Vec<Diagnostic>,
}

fn load_manifest(tree: &dyn Tree, path: &str) -> FileResult {
    let mut out = FileResult {
        path: path.to_string(),
        text: None,
        manifest: None,
        diagnostics: Vec::new(),
    };
    let bytes = match tree.read(path) {
        Ok(b) => b,
        Err(d) => {
            out.diagnostics.push(d);
            return out;
        }
    };
    match parse_and_check::<Manifest>(path, bytes, Schema::manifest()) {
        Ok((text, m)) => {
            out.text = Some(text);
            out.manifest = Some(m);
        }
        Err((text, mut d)) => {
            out.text = text;
            out.diagnostics.append(&mut d);
        }
    }
    out
}

type Checked<T> = Result<(String, T), (Option<String>, Vec<Diagnostic>)>;

/// Parse, validate against `schema`, then fill the typed struct.
pub fn parse_and_check<T: serde::de::DeserializeOwned>(path: &str, bytes: Vec<u8>, schema: &Schema) -> Checked<T> {
    let parsed = parse::parse(path, bytes).map_err(|(t, d)| (t, vec![d]))?;
    let problems = schema.check(path, &parsed.value);
    if !problems.is_empty() {
        return Err((Some(parsed.text), problems));
    }
    match serde_json::from_value::<T>(parsed.value) {
        Ok(v) => Ok((parsed.text, v)),
        // The schema and the types are tested to agree; say so if they don't.
        Err(e) => Err((
            Some(parsed.text),
            vec![Diagnostic::error("internal", format!("schema and model disagree: {e}")).at(path, Place::File)],
        )),
    }
}

fn load_config(tree: &dyn Tree, options: &LoadOptions, ws: &mut Workspace) -> (Config, Option<String>) {
    let (path, bytes) = if let Some(p) = &options.config_path {
        let shown = p.display().to_string();
        match std::fs::read(p) {
            Ok(b) => (shown, b),
            Err(e) => {
                ws.diagnostics.push(
                    Diagnostic::error("unreadable-path", format!("cannot read config `{shown}`: {e}"))
                        .at(&shown, Place::File),
                );
                return (default_config(options), None);
            }
        }
    } else {
        let Some(name) = CONFIG_NAMES.iter().find(|n| tree.is_file(n)) else {
            return (default_config(options), None);
        };
        match tree.read(name) {
            Ok(b) => (name.to_string(), b),
            Err(d) => {
                ws.diagnostics.push(d);
                return (default_config(options), None);
            }
        }
    };
    match parse_and_check::<Config>(&path, bytes, Schema::config()) {
        Ok((text, mut config)) => {
            ws.sources.insert(path.clone(), text);
            if !options.regulations.is_empty() {
                config.regulations = Some(options.regulations.clone());
            }
            (config, Some(path))
        }
        Err((text, mut d)) => {
            if let Some(t) = text {
                ws.sources.insert(path.clone(), t);
            }
            ws.diagnostics.append(&mut d);
            (default_config(options), Some(path))
        }
    }
}

fn default_config(options: &LoadOptions) -> Config {
    Config {
        version: 1,
        regulations: (!options.regulations.is_empty()).then(|| options.regulations.clone()),
        ..Config::default()
    }
}
