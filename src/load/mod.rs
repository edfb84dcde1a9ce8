//! The load stage: config (`config`), discovery, parsing, schema validation and
//! resolution, from a `Tree` to a `Model` plus every diagnostic found on the
//! way. Files are parsed and validated in parallel. Where files come from
//! (`tree`: the work tree; `git`: the index or a commit), `discover`,
//! `parse`, `schema` and `resolve` are its steps; `dependencies` (with the
//! file readers of `deps`) adds the vendor SDKs of dependency files.

pub mod config;
pub mod dependencies;
pub mod deps;
pub mod discover;
pub mod editor;
pub mod git;
pub mod parse;
pub mod resolve;
pub mod schema;
pub mod tree;

use crate::diagnostic::{Code, Diagnostic};
use crate::load::schema::Schema;
use crate::load::tree::Tree;
use crate::manifest::{Config, Manifest};
use crate::model::Kind;
use crate::model::Model;
use crate::span::Place;
use crate::taxonomy::Taxonomy;
use discover::Globs;
use rayon::prelude::*;
use resolve::{Loaded, Partial};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

#[derive(Debug, Default, Clone)]
pub struct LoadOptions {
    /// A config file given with `--config` (read from disk, shown as given).
    pub config_path: Option<std::path::PathBuf>,
    /// `--regulation`, overriding the config's list.
    pub regulations: Vec<String>,
    /// Keep each cleanly parsed manifest in `Workspace::parsed`, for a later
    /// load of another version of the tree (`--changed-since`).
    pub keep_parsed: bool,
    /// Manifests parsed by an earlier load: a file with the same bytes is
    /// taken from here instead of parsed and validated again.
    pub reuse: Option<std::sync::Arc<Reuse>>,
}

/// Manifests of an earlier load, by path, with the text they were read from.
#[derive(Debug, Default)]
pub struct Reuse {
    /// Text, manifest and where its ids are.
    files: BTreeMap<String, (String, Manifest, crate::span::KnownSpans)>,
}

impl Reuse {
    /// What `ws` parsed cleanly (it was loaded with `keep_parsed`).
    pub fn from_workspace(ws: &mut Workspace) -> Reuse {
        let parsed = std::mem::take(&mut ws.parsed);
        let files = parsed
            .into_iter()
            .filter_map(|(path, m)| {
                let text = ws.sources.get(&path)?.clone();
                let ids = ws.ids.get(&path).cloned().unwrap_or_default();
                Some((path, (text, m, ids)))
            })
            .collect();
        Reuse { files }
    }
}

/// What loading produced. `model` is present when nothing stopped resolution;
/// `diagnostics` may still hold warnings.
pub struct Workspace {
    /// Text of every file read, by repository-relative path (for rendering).
    pub sources: BTreeMap<String, String>,
    /// Where each file's declaration ids are, when parsing noted them.
    pub ids: BTreeMap<String, crate::span::KnownSpans>,
    pub diagnostics: Vec<Diagnostic>,
    pub model: Option<Model>,
    /// With `LoadOptions::keep_parsed`: every manifest parsed without a
    /// problem, as parsed.
    pub parsed: BTreeMap<String, Manifest>,
}

impl Workspace {
    /// Nothing read yet (a command that reads one file itself).
    pub fn empty() -> Workspace {
        Workspace {
            sources: BTreeMap::new(),
            ids: BTreeMap::new(),
            diagnostics: Vec::new(),
            model: None,
            parsed: BTreeMap::new(),
        }
    }

    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }
}

pub fn load(tree: &dyn Tree, options: &LoadOptions) -> Workspace {
    let mut ws = Workspace {
        sources: BTreeMap::new(),
        ids: BTreeMap::new(),
        diagnostics: Vec::new(),
        model: None,
        parsed: BTreeMap::new(),
    };
    let _t = crate::timings::phase("load (total)");
    let (config, config_file) = config::load_config(tree, options, &mut ws);
    let globs = match Globs::new(
        config.manifests.as_deref(),
        &config.exclude,
        config_file.as_deref(),
    ) {
        Ok(g) => g,
        Err(mut d) => {
            ws.diagnostics.append(&mut d);
            return ws;
        }
    };
    // What cannot be listed is reported, and the rest still checked; but
    // ids may be declared in the missing part, so references are not.
    let t = crate::timings::phase("discover");
    let (paths, dependency_files, mut unlisted) =
        discover::discover_with_dependencies(tree, &globs, config.dependencies.scan());
    drop(t);
    let mut failed = unlisted.iter().any(Diagnostic::is_error);
    if !failed {
        unlisted.extend(unmatched_manifest_globs(
            &config,
            config_file.as_deref(),
            &globs,
            &paths,
        ));
    }
    ws.diagnostics.append(&mut unlisted);
    let t = crate::timings::phase("read+parse+validate");
    let reuse = options.reuse.as_deref();
    let parsed: Vec<FileResult> = paths
        .par_iter()
        .map(|p| reused(tree, p, reuse).unwrap_or_else(|| load_manifest(tree, p)))
        .collect();
    drop(t);
    let mut manifests = Vec::new();
    for mut r in parsed {
        if let Some(text) = r.text.take() {
            ws.sources.insert(r.path.clone(), text);
        }
        if !r.ids.is_empty() {
            ws.ids.insert(r.path.clone(), std::mem::take(&mut r.ids));
        }
        // A file kept in part still counts as read for references, unless
        // it lost a declaration whose id is unknown.
        failed |= r.manifest.is_none() || !r.ids_complete;
        r.diagnostics_empty = r.diagnostics.is_empty();
        ws.diagnostics.append(&mut r.diagnostics);
        if let Some(manifest) = r.manifest {
            if options.keep_parsed && r.partial.is_none() && r.diagnostics_empty {
                ws.parsed.insert(r.path.clone(), manifest.clone());
            }
            manifests.push(Loaded {
                path: r.path,
                manifest,
                partial: r.partial,
            });
        }
    }
    // The editors' `$schema` comments (a `--config` file from elsewhere
    // names its schema relative to itself, not to the root: left alone).
    let config_named = config_file
        .as_deref()
        .filter(|_| options.config_path.is_none());
    let commented = manifests
        .iter()
        .map(|m| (m.path.as_str(), "manifest"))
        .chain(config_named.map(|c| (c, "config")))
        .filter_map(|(path, name)| Some((path, ws.sources.get(path)?.as_str(), name)));
    let mut editor = editor::check_comments(tree, commented);
    ws.diagnostics.append(&mut editor);
    let _t = crate::timings::phase("resolve");
    let (mut model, mut diags) = resolve::resolve(
        manifests,
        config,
        config_file,
        Taxonomy::builtin(),
        tree,
        failed,
    );
    drop(_t);
    ws.diagnostics.append(&mut diags);
    let mut scanned = dependencies::scan(tree, &dependency_files, &mut model);
    model.dependencies = scanned.uses;
    for (path, text) in scanned.sources {
        ws.sources.entry(path).or_insert(text);
    }
    ws.diagnostics.append(&mut scanned.diagnostics);
    ws.model = Some(model);
    ws
}

/// `manifests:` patterns that match no manifest. When none matches, each is
/// an error, as an unmatched `rulepacks:` pattern is: a typo there would
/// leave every file unchecked and the gate green. When others match, a
/// warning: a list such as manifest.md's example may name a layout the
/// repository does not use. (The default globs finding nothing stays a
/// warning: a repository may not have begun.)
fn unmatched_manifest_globs(
    config: &Config,
    config_file: Option<&str>,
    globs: &Globs,
    paths: &[String],
) -> Vec<Diagnostic> {
    let (Some(patterns), Some(file)) = (&config.manifests, config_file) else {
        return Vec::new();
    };
    globs
        .unmatched_includes(paths)
        .into_iter()
        .filter_map(|i| {
            let pattern = patterns.get(i)?;
            let message = format!("`{pattern}` matches no manifest file");
            let d = if paths.is_empty() {
                Diagnostic::error(Code::UnmatchedGlob, message)
                    .label("matches no file")
                    .help("fix the pattern; files under `exclude:` do not count")
            } else {
                Diagnostic::warning(Code::UnmatchedGlob, message)
                    .label("matches no file")
                    .help("fix the pattern or remove it; files under `exclude:` do not count")
            };
            Some(d.at(file, Place::value(format!("/manifests/{i}"))))
        })
        .collect()
}

struct FileResult {
    path: String,
    text: Option<String>,
    ids: crate::span::KnownSpans,
    /// The manifest, or its valid part when it has schema errors.
    manifest: Option<Manifest>,
    partial: Option<Partial>,
    /// Whether every declaration left out had a readable id.
    ids_complete: bool,
    diagnostics: Vec<Diagnostic>,
    /// Set once `diagnostics` is moved out.
    diagnostics_empty: bool,
}

/// The earlier load's manifest for `path`, when the file has the same bytes.
fn reused(tree: &dyn Tree, path: &str, reuse: Option<&Reuse>) -> Option<FileResult> {
    let (text, manifest, ids) = reuse?.files.get(path)?;
    if !tree.holds(path, text.as_bytes()) {
        return None;
    }
    Some(FileResult {
        ids: ids.clone(),
        path: path.to_string(),
        text: Some(text.clone()),
        manifest: Some(manifest.clone()),
        partial: None,
        ids_complete: true,
        diagnostics: Vec::new(),
        diagnostics_empty: true,
    })
}

fn load_manifest(tree: &dyn Tree, path: &str) -> FileResult {
    let mut out = FileResult {
        ids: Default::default(),
        path: path.to_string(),
        text: None,
        manifest: None,
        partial: None,
        ids_complete: true,
        diagnostics: Vec::new(),
        diagnostics_empty: true,
    };
    let bytes = match tree.read(path) {
        Ok(b) => b,
        Err(d) => {
            out.diagnostics.push(d);
            return out;
        }
    };
    let parsed = match parse::parse(path, bytes) {
        Ok(p) => p,
        Err((text, d)) => {
            out.text = text;
            out.diagnostics.push(d);
            return out;
        }
    };
    out.text = Some(parsed.text);
    out.ids = parsed.ids;
    let problems = Schema::manifest().check(path, &parsed.value);
    if problems.is_empty() {
        match serde_json::from_value::<Manifest>(parsed.value) {
            Ok(m) => out.manifest = Some(m),
            Err(e) => out.diagnostics.push(disagree(path, &e)),
        }
        return out;
    }
    // Keep the declarations that are valid, so that what the resolver checks
    // (taxonomy keys, countries, dates, ids) is reported in the same run.
    // Leaving out only the fields with problems keeps more to check; a
    // field the model cannot do without (a flow's `to`) costs its item.
    let salvaged = [true, false].into_iter().find_map(|fields_only| {
        let s = salvage(&parsed.value, &problems, fields_only)?;
        let m = serde_json::from_value::<Manifest>(s.value.clone()).ok()?;
        Some((s, m))
    });
    if let Some((s, m)) = salvaged {
        let mut partial = Partial {
            kept: s.kept,
            dropped_ids: Vec::new(),
        };
        for (section, items) in &s.dropped {
            let Some(kind) = Kind::ALL.into_iter().find(|k| k.section() == section) else {
                continue;
            };
            for item in items {
                match item.get("id").and_then(Value::as_str) {
                    Some(id) => partial.dropped_ids.push((kind, id.to_string())),
                    None => out.ids_complete = false,
                }
            }
        }
        out.manifest = Some(m);
        out.partial = Some(partial);
    }
    out.diagnostics = problems;
    out
}

fn disagree(path: &str, e: &serde_json::Error) -> Diagnostic {
    Diagnostic::error(Code::Internal, format!("schema and model disagree: {e}"))
        .at(path, Place::File)
}

/// A document with everything that has a schema error left out.
struct Salvaged {
    value: Value,
    /// For each top-level list that lost items, the index of each item kept.
    kept: BTreeMap<String, Vec<usize>>,
    /// What was left out, by top-level key: the items of a list, or the
    /// whole value.
    dropped: BTreeMap<String, Vec<Value>>,
}

/// Leaves out of `value` each top-level list item, or else top-level value,
/// that a problem points into; with `fields_only`, just the field of a list
/// item a problem points into (never its `id`). `None` when a problem
/// concerns the document as a whole (its version, its type), which makes
/// nothing in it trustworthy.
fn salvage(value: &Value, problems: &[Diagnostic], fields_only: bool) -> Option<Salvaged> {
    let object = value.as_object()?;
    let mut bad: BTreeMap<String, Option<BTreeSet<usize>>> = BTreeMap::new();
    // Fields to leave out of list items that are otherwise kept.
    let mut bad_fields: BTreeMap<(String, usize), BTreeSet<String>> = BTreeMap::new();
    for d in problems {
        let pointer = match &d.place {
            Place::Pointer { pointer, .. } => pointer,
            // A missing `version` is assumed to be 1 for the rest.
            Place::File if d.is(Code::MissingVersion) => continue,
            _ => return None,
        };
        let mut segments = pointer
            .split('/')
            .skip(1)
            .map(|s| s.replace("~1", "/").replace("~0", "~"));
        let key = segments.next()?;
        if key == "version" {
            return None;
        }
        let index = segments.next().and_then(|i| i.parse::<usize>().ok());
        let field = segments.next();
        if let (true, Some(i), Some(field)) = (fields_only, index, field) {
            let item = object.get(&key).and_then(|l| l.get(i));
            if field != "id" && item.is_some_and(Value::is_object) {
                bad_fields.entry((key, i)).or_default().insert(field);
                continue;
            }
        }
        let entry = bad
            .entry(key.clone())
            .or_insert_with(|| Some(BTreeSet::new()));
        match (object.get(&key), index, entry.as_mut()) {
            (Some(Value::Array(_)), Some(i), Some(set)) => {
                set.insert(i);
            }
            _ => *entry = None,
        }
    }
    let mut out = Salvaged {
        value: Value::Object(object.clone()),
        kept: BTreeMap::new(),
        dropped: BTreeMap::new(),
    };
    let map = out.value.as_object_mut()?;
    for ((key, i), fields) in bad_fields {
        if let Some(Value::Object(item)) = map.get_mut(&key).and_then(|l| l.get_mut(i)) {
            item.retain(|f, _| !fields.contains(f));
        }
    }
    for (key, items) in bad {
        match (items, map.get_mut(&key)) {
            (Some(bad_items), Some(Value::Array(list))) => {
                let all = std::mem::take(list);
                let mut kept = Vec::new();
                for (i, item) in all.into_iter().enumerate() {
                    if bad_items.contains(&i) {
                        out.dropped.entry(key.clone()).or_default().push(item);
                    } else {
                        kept.push(i);
                        list.push(item);
                    }
                }
                out.kept.insert(key, kept);
            }
            _ => {
                if let Some(v) = map.remove(&key) {
                    let items = match v {
                        Value::Array(items) => items,
                        Value::Object(_) => vec![v],
                        _ => vec![],
                    };
                    out.dropped.insert(key, items);
                }
            }
        }
    }
    map.entry("version").or_insert(Value::from(1));
    Some(out)
}

type Checked<T> = Result<(String, T), (Option<String>, Vec<Diagnostic>)>;

/// Parse, validate against `schema`, then fill the typed struct.
pub fn parse_and_check<T: serde::de::DeserializeOwned>(
    path: &str,
    bytes: Vec<u8>,
    schema: &Schema,
) -> Checked<T> {
    let parsed = parse::parse(path, bytes).map_err(|(t, d)| (t, vec![d]))?;
    let problems = schema.check(path, &parsed.value);
    if !problems.is_empty() {
        return Err((Some(parsed.text), problems));
    }
    match serde_json::from_value::<T>(parsed.value) {
        Ok(v) => Ok((parsed.text, v)),
        // The schema and the types are tested to agree; say so if they don't.
        Err(e) => Err((Some(parsed.text), vec![disagree(path, &e)])),
    }
}
