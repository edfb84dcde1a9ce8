//! Declared vs. used, the load side (rules.md, "Declared vs. used"): reads
//! the dependency files discovery found, through the same `Tree` as the
//! manifests, and turns the catalogue SDKs among their direct dependencies
//! into `DependencyUse`s of the model: one per component and catalogue
//! entry, with its dependency lines and the vendor declarations linked to
//! the entry.
//!
//! It owns: the catalogue as the config extends it (an id already in the
//! catalogue is an error), vendor `catalog` references (an unknown entry is
//! an error with "did you mean"), ownership (the system of the nearest
//! directory at or above the file; two systems in one directory, or a
//! system named `repository`, are errors), `dependencies.ignore` (an entry
//! that matches nothing is a warning) and the warnings for files that are
//! not read (they belong to other tools and never stop a check).

use crate::diagnostic::Code;
use crate::diagnostic::{did_you_mean, Diagnostic};
use crate::load::deps::{self, normalise, split_package_ref, Dependency, Ecosystem, WarningKind};
use crate::load::tree::Tree;
use crate::manifest::Config;
use crate::model::{Decl, DependencyUse, Model, Origin, PackageUse};
use crate::span::Place;
use crate::vendor_catalog::{matches, Catalog};
use rayon::prelude::*;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::OnceLock;

/// The component name of a dependency file no system owns.
pub const REPOSITORY: &str = "repository";

/// The built-in catalogue, parsed once per process.
pub fn builtin() -> &'static Catalog {
    static BUILTIN: OnceLock<Catalog> = OnceLock::new();
    BUILTIN.get_or_init(Catalog::builtin)
}

/// The catalogue as the config extends it, and the errors of its entries
/// (each located at its `id`).
pub fn catalog(config: &Config, config_file: Option<&str>) -> (Catalog, Vec<Diagnostic>) {
    let mut catalog = builtin().clone();
    let mut errors = Vec::new();
    for (i, entry) in config.vendor_catalog.iter().enumerate() {
        if let Err(problems) = catalog.extend([entry.clone()]) {
            for p in problems {
                let d = Diagnostic::error(Code::DuplicateId, p.to_string())
                    .label("already in the catalogue")
                    .help("a built-in entry is used by its id (`catalog: ID` on the vendor); give an entry of your own another id");
                errors.push(match config_file {
                    Some(f) => d.at(f, Place::value(format!("/vendor_catalog/{i}/id"))),
                    None => d,
                });
            }
        }
    }
    (catalog, errors)
}

/// The catalogue entry a vendor declaration is linked to: its `catalog`,
/// else its id when that is an entry.
pub fn linked_entry<'c>(catalog: &'c Catalog, vendor: &crate::manifest::Vendor) -> Option<&'c str> {
    match &vendor.catalog {
        Some(c) => catalog.get(c).map(|e| e.id.as_str()),
        None => catalog.get(&vendor.id).map(|e| e.id.as_str()),
    }
}

/// What the dependency files gave, before it joins the model.
pub struct Scanned {
    pub uses: Vec<Decl<DependencyUse>>,
    /// Text of every dependency file read as UTF-8: for locating findings
    /// and warnings, and for telling whether a pull request's base holds
    /// the same files (`history::changes::same_inputs`).
    pub sources: Vec<(String, String)>,
    pub diagnostics: Vec<Diagnostic>,
}

/// Checks the catalogue, the vendors' `catalog` and the systems'
/// ownership, then (unless `dependencies.scan: false`) reads `files` and
/// puts what they use into `model.dependencies`.
pub fn scan(tree: &dyn Tree, files: &[String], model: &mut Model) -> Scanned {
    let _t = crate::timings::phase("dependencies");
    let (catalog, mut diagnostics) = catalog(&model.config, model.config_file.as_deref());
    diagnostics.extend(check_vendor_links(&catalog, model));
    let (owners, mut ownership) = owners(model);
    diagnostics.append(&mut ownership);
    let mut out = Scanned {
        uses: Vec::new(),
        sources: Vec::new(),
        diagnostics,
    };
    if !model.config.dependencies.scan() {
        return out;
    }
    model.dependency_files = files.to_vec();
    let ignore = Ignore::new(&model.config);
    let read: Vec<(String, Read, Option<String>)> = files
        .par_iter()
        .map(|path| {
            let (deps, text) = read_one(tree, path);
            (path.clone(), deps, text)
        })
        .collect();
    // (component, entry) -> its dependency lines.
    let mut found: BTreeMap<(String, String), BTreeSet<PackageUse>> = BTreeMap::new();
    let mut used_ignores = vec![false; ignore.entries.len()];
    for (path, deps, text) in read {
        if let Some(text) = text {
            out.sources.push((path.clone(), text));
        }
        let deps = match deps {
            Ok(d) => d,
            Err(warning) => {
                out.diagnostics.push(warning);
                continue;
            }
        };
        let component = owner_of(&owners, &path);
        for d in deps {
            if let Some(i) = ignore.matching(d.ecosystem, &d.name) {
                used_ignores[i] = true;
                continue;
            }
            let Some(entry) = catalog.lookup(d.ecosystem, &d.name) else {
                continue;
            };
            found
                .entry((component.to_string(), entry.id.clone()))
                .or_default()
                .insert(PackageUse {
                    file: path.clone(),
                    line: d.line,
                    column: d.column,
                    package: format!("{}:{}", d.ecosystem, d.name),
                    name: d.name,
                });
        }
    }
    out.diagnostics.extend(unused_ignores(
        &model.config,
        model.config_file.as_deref(),
        &used_ignores,
    ));
    let mut linked: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for v in &model.vendors {
        if let Some(e) = linked_entry(&catalog, &v.item) {
            linked.entry(e).or_default().push(v.item.id.clone());
        }
    }
    for list in linked.values_mut() {
        list.sort();
    }
    let systems: BTreeMap<&str, &Vec<String>> = owners
        .values()
        .map(|o| (o.system.as_str(), &o.datasets))
        .collect();
    for ((component, entry_id), packages) in found {
        let Some(entry) = catalog.get(&entry_id) else {
            continue;
        };
        let packages: Vec<PackageUse> = packages.into_iter().collect();
        let Some(first) = packages.first() else {
            continue;
        };
        let origin = Origin {
            file: first.file.clone(),
            pointer: String::new(),
            at: Some((first.line, first.column)),
        };
        let datasets = systems.get(component.as_str()).map(|d| (*d).clone());
        out.uses.push(Decl {
            origin,
            item: DependencyUse {
                id: format!("{component}/{entry_id}"),
                system: datasets.is_some(),
                datasets: datasets.unwrap_or_default(),
                component,
                vendor_name: entry.name.clone(),
                role: entry.role.name().to_string(),
                country: entry.country.clone(),
                linked_vendors: linked.get(entry_id.as_str()).cloned().unwrap_or_default(),
                entry: entry_id,
                packages,
            },
        });
    }
    out.uses.sort_by(|a, b| a.item.id.cmp(&b.item.id));
    out
}

/// A file's direct dependencies, or the warning why they were not read.
type Read = Result<Vec<Dependency>, Diagnostic>;

/// One file's direct dependencies, or the warning why it was not read;
/// and its text, when it is UTF-8 and not too large.
fn read_one(tree: &dyn Tree, path: &str) -> (Read, Option<String>) {
    let bytes = match tree.read(path) {
        Ok(b) => b,
        Err(d) => {
            // Over the size limit, or unreadable: not ours to fail on.
            let w = Diagnostic::warning(
                Code::DependencyFile,
                format!(
                    "dependency file not read, its dependencies not checked: {}",
                    d.message
                ),
            )
            .at(path, Place::File)
            .label("not read");
            return (Err(w), None);
        }
    };
    match deps::parse(path, &bytes) {
        Ok(d) => (Ok(d), String::from_utf8(bytes).ok()),
        Err(w) => {
            let text = match w.kind {
                WarningKind::Malformed => String::from_utf8(bytes).ok(),
                WarningKind::TooLarge | WarningKind::NotUtf8 => None,
            };
            let place = if text.is_some() {
                Place::LineCol {
                    line: w.line,
                    column: w.column,
                }
            } else {
                Place::File
            };
            let d = Diagnostic::warning(Code::DependencyFile, w.message.clone())
                .at(path, place)
                .label("here")
                .help("its vendor SDKs are not checked until the file parses (it belongs to its package manager, not to privgate)");
            (Err(d), text)
        }
    }
}

/// The system a directory's manifest declares, with its datasets.
struct Owner {
    system: String,
    datasets: Vec<String>,
}

/// The system of each directory whose manifest declares one, and the
/// errors of ownership.
fn owners(model: &Model) -> (BTreeMap<String, Owner>, Vec<Diagnostic>) {
    let mut owners: BTreeMap<String, Owner> = BTreeMap::new();
    let mut first_file: BTreeMap<String, &Origin> = BTreeMap::new();
    let mut errors = Vec::new();
    for s in &model.systems {
        let id_place = Place::value(s.origin.id_pointer());
        if s.item.id == REPOSITORY {
            errors.push(
                Diagnostic::error(
                    Code::InvalidValue,
                    "`repository` cannot be a system id: it names what no system owns",
                )
                .at(&s.origin.file, id_place.clone())
                .label("reserved")
                .help("choose another id"),
            );
        }
        let dir = parent(&s.origin.file).to_string();
        if let Some(first) = first_file.get(&dir) {
            errors.push(
                Diagnostic::error(
                    Code::DuplicateSystem,
                    format!(
                        "a second manifest in `{}` declares a system: the dependency files there would belong to two systems",
                        if dir.is_empty() { "." } else { &dir }
                    ),
                )
                .at(&s.origin.file, id_place)
                .label("second system here")
                .related(
                    &first.file,
                    Place::value(first.id_pointer()),
                    "first system here",
                )
                .help("declare one system per directory; move the other manifest beside its own code"),
            );
            continue;
        }
        first_file.insert(dir.clone(), &s.origin);
        let datasets = model
            .datasets
            .iter()
            .filter(|d| d.origin.file == s.origin.file)
            .map(|d| d.item.id.clone())
            .collect();
        owners.insert(
            dir,
            Owner {
                system: s.item.id.clone(),
                datasets,
            },
        );
    }
    (owners, errors)
}

/// `a/b` of `a/b/c.yaml`; empty at the root.
fn parent(path: &str) -> &str {
    path.rsplit_once('/').map_or("", |(d, _)| d)
}

/// The component of the dependency file at `path`: the system of the
/// nearest directory at or above it, else `repository`.
fn owner_of<'o>(owners: &'o BTreeMap<String, Owner>, path: &str) -> &'o str {
    let mut dir = parent(path);
    loop {
        if let Some(o) = owners.get(dir) {
            return &o.system;
        }
        if dir.is_empty() {
            return REPOSITORY;
        }
        dir = parent(dir);
    }
}

/// Vendors whose `catalog` names no entry: errors, with the nearest entry.
fn check_vendor_links(catalog: &Catalog, model: &Model) -> Vec<Diagnostic> {
    model
        .vendors
        .iter()
        .filter_map(|v| {
            let c = v.item.catalog.as_deref()?;
            if catalog.get(c).is_some() {
                return None;
            }
            let ids = catalog.entries().iter().map(|e| e.id.as_str());
            let help = did_you_mean(c, ids).unwrap_or_else(|| {
                "`privgate vendors --suggest` names the entries of the SDKs found; an entry of your own goes under `vendor_catalog:` in privgate.yaml".to_string()
            });
            Some(
                Diagnostic::error(
                    Code::UnknownCatalogEntry,
                    format!("vendor `{}`: `{c}` is not an entry of the vendor catalogue", v.item.id),
                )
                .at(&v.origin.file, Place::value(format!("{}/catalog", v.origin.pointer)))
                .label("unknown entry")
                .help(help),
            )
        })
        .collect()
}

/// `dependencies.ignore`, normalised.
struct Ignore {
    entries: Vec<(Ecosystem, String)>,
}

impl Ignore {
    fn new(config: &Config) -> Ignore {
        let entries = config
            .dependencies
            .ignore
            .iter()
            .map(|i| match split_package_ref(&i.package) {
                Some((e, name)) => (e, normalise(e, name)),
                // The schema admits none such; it then matches nothing.
                None => (Ecosystem::Npm, String::from("\0")),
            })
            .collect();
        Ignore { entries }
    }

    /// The first entry that matches the package, by index.
    fn matching(&self, ecosystem: Ecosystem, name: &str) -> Option<usize> {
        if self.entries.is_empty() {
            return None;
        }
        let name = normalise(ecosystem, name);
        self.entries
            .iter()
            .position(|(e, pattern)| *e == ecosystem && matches(pattern, &name))
    }
}

/// An ignore entry that matched no dependency: a warning, since a typo
/// there hides nothing and a stale one hides the next real SDK.
fn unused_ignores(config: &Config, config_file: Option<&str>, used: &[bool]) -> Vec<Diagnostic> {
    let Some(file) = config_file else {
        return Vec::new();
    };
    config
        .dependencies
        .ignore
        .iter()
        .zip(used)
        .enumerate()
        .filter(|(_, (_, used))| !**used)
        .map(|(i, (entry, _))| {
            Diagnostic::warning(
                Code::UnusedIgnore,
                format!(
                    "dependencies.ignore entry `{}` matches no dependency",
                    entry.package
                ),
            )
            .at(
                file,
                Place::value(format!("/dependencies/ignore/{i}/package")),
            )
            .label("matches nothing")
            .help("remove it, or fix the package name")
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn owners_of(dirs: &[(&str, &str)]) -> BTreeMap<String, Owner> {
        dirs.iter()
            .map(|(d, s)| {
                (
                    d.to_string(),
                    Owner {
                        system: s.to_string(),
                        datasets: Vec::new(),
                    },
                )
            })
            .collect()
    }

    #[test]
    fn the_nearest_system_at_or_above_the_file_owns_it() {
        let o = owners_of(&[("services/web", "web"), ("services", "platform")]);
        assert_eq!(owner_of(&o, "services/web/package.json"), "web");
        assert_eq!(owner_of(&o, "services/web/client/package.json"), "web");
        assert_eq!(owner_of(&o, "services/api/go.mod"), "platform");
        assert_eq!(owner_of(&o, "services/website/package.json"), "platform");
        assert_eq!(owner_of(&o, "tools/requirements.txt"), REPOSITORY);
        assert_eq!(owner_of(&o, "package.json"), REPOSITORY);
        let root = owners_of(&[("", "monolith")]);
        assert_eq!(owner_of(&root, "a/b/Cargo.toml"), "monolith");
    }
}
