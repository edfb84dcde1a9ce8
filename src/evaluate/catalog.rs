//! The rule catalogue: built-in and organisation packs, their ids checked,
//! the config's `rules:` overrides applied, the packs the selected
//! regulations run.

use crate::diagnostic::{did_you_mean, Code, Diagnostic};
use crate::evaluate::rules::builtin;
use crate::evaluate::rules::pack::{self, Pack, Rule};
use crate::load::discover;
use crate::load::tree::{Tree, WorkTree};
use crate::load::Workspace;
use crate::manifest::{RuleOverride, CONFIG_NAMES};
use crate::model::Model;
use crate::severity::Severity;
use crate::span::Place;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Every pack that applies to the repository, with config overrides applied.
pub struct Catalog {
    pub packs: Vec<Pack>,
    /// The organisation pack files `rulepacks:` matched, sorted.
    pub org_pack_files: Vec<String>,
    /// Enabled rules, in pack order.
    pub rules: Vec<Rule>,
}

type LoadedPack = (Option<Pack>, Vec<Diagnostic>);

static BUILTIN_PACKS: std::sync::OnceLock<Vec<LoadedPack>> = std::sync::OnceLock::new();

/// Whether `builtin_packs` has been compiled.
pub(super) fn builtin_packs_compiled() -> bool {
    BUILTIN_PACKS.get().is_some()
}

/// The built-in packs as loaded, once per process: `trend` checks every
/// commit, and compiling the packs' conditions was half of a small check.
pub(super) fn builtin_packs() -> &'static [(Option<Pack>, Vec<Diagnostic>)] {
    BUILTIN_PACKS.get_or_init(|| {
        crate::parallel::map(builtin::BUILTIN.to_vec(), |_, (file, text)| {
            pack::load_builtin_pack(file, text)
        })
    })
}

/// Loads built-in and organisation packs and applies `rules:` overrides.
/// Organisation pack texts are added to `sources` for diagnostics.
pub fn catalog(
    model: &Model,
    tree: &dyn Tree,
    sources: &mut BTreeMap<String, String>,
) -> Result<Catalog, Vec<Diagnostic>> {
    let mut diags = Vec::new();
    let mut packs = Vec::new();
    for ((file, text), (p, d)) in builtin::BUILTIN.iter().zip(builtin_packs()) {
        if !d.is_empty() {
            sources.insert(file.to_string(), text.to_string());
        }
        diags.extend(d.iter().cloned());
        packs.extend(p.clone());
    }
    let config_file = model
        .config_file
        .clone()
        .unwrap_or_else(|| "privgate.yaml".into());
    let org_files = org_pack_files(model, tree, &config_file, &mut diags);
    // A pack that did not load may be the one implementing a regulation
    // the config names: its own errors say what to fix.
    let mut org_pack_unread = false;
    for (file, pointer) in &org_files {
        let (file, pointer) = (file.clone(), pointer.clone());
        match tree.read(&file) {
            Ok(bytes) => {
                let text = String::from_utf8_lossy(&bytes).into_owned();
                let (p, t, mut d) = pack::load_pack(&file, &text);
                if let Some(t) = t {
                    sources.insert(file.clone(), t);
                }
                diags.append(&mut d);
                match p {
                    Some(p) => {
                        check_org_pack(&p, &mut diags);
                        packs.push(p);
                    }
                    None => org_pack_unread = true,
                }
            }
            Err(d) => {
                org_pack_unread = true;
                diags.push(d.related(&config_file, Place::value(pointer), "listed here"));
            }
        }
    }
    check_unique_ids(&packs, &mut diags);
    let regulations = model.regulations();
    let known_regs: BTreeSet<&str> = packs.iter().map(|p| p.regulation.as_str()).collect();
    for (i, r) in regulations.iter().enumerate() {
        if !known_regs.contains(r.as_str()) && !org_pack_unread {
            let known = known_regs.iter().copied().collect::<Vec<_>>().join(", ");
            let d = Diagnostic::error(
                Code::UnknownRegulation,
                format!("no rule pack implements regulation `{r}`"),
            )
            .help_opt(
                did_you_mean(r, known_regs.iter().copied())
                    .or(Some(format!("the loaded rule packs implement: {known}"))),
            );
            // From the config, the mistake has a place; from the flag, not.
            diags.push(if model.config.regulations_from_command_line {
                d
            } else {
                d.at(&config_file, Place::value(format!("/regulations/{i}")))
                    .label("unknown regulation")
            });
        }
    }
    // `regulations: []` selects no built-in pack: with no pack of the
    // organisation's either, nothing would be checked and the score be 100.
    if regulations.is_empty() && org_files.is_empty() {
        diags.push(
            Diagnostic::error(
                Code::InvalidValue,
                "`regulations` is empty and no `rulepacks` are listed: nothing would be checked",
            )
            .at(&config_file, Place::key("/regulations".to_string()))
            .label("no regulation")
            .help("list gdpr and/or ccpa, or leave `regulations` out for both"),
        );
    }
    let all_ids: Vec<&str> = packs
        .iter()
        .flat_map(|p| p.rules.iter().map(|r| r.id.as_str()))
        .collect();
    for (i, w) in model.config.waivers.iter().enumerate() {
        if !all_ids.contains(&w.rule.as_str()) {
            diags.push(unknown_rule(
                &w.rule,
                &all_ids,
                &config_file,
                &format!("/waivers/{i}/rule"),
            ));
        }
    }
    for id in model.config.rules.keys() {
        if !all_ids.contains(&id.as_str()) {
            let d = unknown_rule(
                id,
                &all_ids,
                &config_file,
                &format!("/rules/{}", crate::span::escape(id)),
            );
            diags.push(Diagnostic {
                place: Place::key(format!("/rules/{}", crate::span::escape(id))),
                ..d
            });
        }
    }
    if !diags.is_empty() {
        return Err(diags);
    }
    let builtin: BTreeSet<&str> = builtin::BUILTIN.iter().map(|(f, _)| *f).collect();
    // Built-in packs follow the selected regulations (`regulations:` or
    // `--regulation`, the same either way); an organisation's own apply too,
    // unless the selection names some of them (`--regulation acme`), and
    // then only those.
    // A regulation no built-in pack implements names organisation packs
    // only; `gdpr` stays a built-in name even if an organisation's pack
    // also files its rules under it.
    let builtin_regs: BTreeSet<&str> = packs
        .iter()
        .filter(|p| builtin.contains(p.file.as_str()))
        .map(|p| p.regulation.as_str())
        .collect();
    let org_named = regulations
        .iter()
        .any(|r| !builtin_regs.contains(r.as_str()));
    let mut rules = Vec::new();
    for p in &packs {
        let selected = regulations.contains(&p.regulation);
        // An organisation pack filed under `gdpr` extends GDPR: it runs when
        // GDPR does. Its own regulation runs unless others are named.
        let own_regulation = !builtin_regs.contains(p.regulation.as_str());
        let applies =
            selected || (!builtin.contains(p.file.as_str()) && own_regulation && !org_named);
        if !applies {
            continue;
        }
        for r in &p.rules {
            let o = model.config.rules.get(&r.id);
            if o.and_then(|o| o.enabled) == Some(false) {
                continue;
            }
            let mut r = r.clone();
            if let Some(s) = o
                .and_then(|o| o.severity.as_deref())
                .and_then(Severity::parse)
            {
                r.severity = s;
            }
            rules.push(r);
        }
    }
    Ok(Catalog {
        packs,
        org_pack_files: org_files.into_iter().map(|(f, _)| f).collect(),
        rules,
    })
}

fn unknown_rule(id: &str, known: &[&str], file: &str, pointer: &str) -> Diagnostic {
    Diagnostic::error(
        Code::UnknownRule,
        format!("no rule `{id}` in any loaded rule pack"),
    )
    .at(file, Place::value(pointer))
    .label("unknown rule id")
    .help_opt(
        did_you_mean(id, known.iter().copied())
            .or(Some("`privgate rules` lists every rule".into())),
    )
}

/// The files `rulepacks:` names in `tree`, sorted; `None` when a glob is
/// bad or the tree cannot be listed.
pub fn org_pack_paths(model: &Model, tree: &dyn Tree) -> Option<Vec<String>> {
    let mut diags = Vec::new();
    let files = org_pack_files(model, tree, "", &mut diags);
    let unusable = diags.iter().any(|d| d.code != "missing-rulepack");
    (!unusable).then(|| files.into_iter().map(|(f, _)| f).collect())
}

/// The files `rulepacks:` names (globs relative to the root), sorted.
fn org_pack_files(
    model: &Model,
    tree: &dyn Tree,
    config_file: &str,
    diags: &mut Vec<Diagnostic>,
) -> Vec<(String, String)> {
    if model.config.rulepacks.is_empty() {
        return Vec::new();
    }
    let all = match tree.files(&|_| true) {
        Ok(f) => f,
        Err(mut d) => {
            diags.append(&mut d);
            return Vec::new();
        }
    };
    let mut out = Vec::new();
    let n = model.config.rulepacks.len();
    if n > discover::MAX_GLOBS {
        diags.push(
            discover::too_many_globs("rulepacks", n)
                .at(config_file, Place::key("/rulepacks".to_string())),
        );
        return Vec::new();
    }
    for (i, pattern) in model.config.rulepacks.iter().enumerate() {
        let pointer = format!("/rulepacks/{i}");
        let glob = match discover::glob(pattern) {
            Ok(g) => g.compile_matcher(),
            Err(why) => {
                diags.push(
                    Diagnostic::error(Code::BadGlob, why).at(config_file, Place::value(pointer)),
                );
                continue;
            }
        };
        let matched: Vec<&String> = all.iter().filter(|f| glob.is_match(f.as_str())).collect();
        if matched.is_empty() {
            // Packs are read from the repository, so that a check is the
            // same on every machine; a path out of it can never match.
            let outside = pattern.starts_with('/') || pattern.split('/').any(|part| part == "..");
            let d = if outside {
                Diagnostic::error(
                    Code::MissingRulepack,
                    format!("`{pattern}` is outside the repository: rule packs are read from it"),
                )
                .label("outside the repository")
                .help("copy or vendor the pack into the repository and list its path relative to the root")
            } else {
                Diagnostic::error(
                    Code::MissingRulepack,
                    format!("`{pattern}` matches no rule pack file"),
                )
                .label("no such file")
            };
            diags.push(d.at(config_file, Place::value(pointer.clone())));
        }
        out.extend(matched.into_iter().map(|f| (f.clone(), pointer.clone())));
    }
    out.sort();
    out.dedup_by(|a, b| a.0 == b.0);
    out
}

/// Organisation packs may not define rules in the built-in namespaces.
fn check_org_pack(p: &Pack, diags: &mut Vec<Diagnostic>) {
    for r in &p.rules {
        if r.id.starts_with("gdpr.") || r.id.starts_with("ccpa.") {
            diags.push(
                Diagnostic::error(
                    Code::ReservedRuleId,
                    format!("rule id `{}` is reserved for the built-in packs", r.id),
                )
                .at(&p.file, Place::value(format!("{}/id", r.pointer)))
                .help(format!(
                    "use your own prefix, e.g. `{}.{}`",
                    p.name,
                    r.id.split('.').skip(1).collect::<Vec<_>>().join(".")
                )),
            );
        } else if !r.id.starts_with(&format!("{}.", p.name)) {
            // Ids are `<pack>.<name>`: the prefix says where a finding's
            // rule is written, and keeps two organisations' ids apart.
            diags.push(
                Diagnostic::error(
                    Code::InvalidValue,
                    format!(
                        "rule id `{}` does not start with the pack's name, `{}.`",
                        r.id, p.name
                    ),
                )
                .at(&p.file, Place::value(format!("{}/id", r.pointer)))
                .label("another pack's prefix")
                .help(format!(
                    "name it `{}.{}`",
                    p.name,
                    r.id.split('.').skip(1).collect::<Vec<_>>().join(".")
                )),
            );
        }
    }
}

fn check_unique_ids(packs: &[Pack], diags: &mut Vec<Diagnostic>) {
    let mut seen: BTreeMap<&str, (&str, &str)> = BTreeMap::new();
    for p in packs {
        for r in &p.rules {
            if let Some((file, pointer)) = seen.get(r.id.as_str()) {
                diags.push(
                    Diagnostic::error(
                        Code::DuplicateRule,
                        format!("rule `{}` is defined twice", r.id),
                    )
                    .at(&p.file, Place::value(format!("{}/id", r.pointer)))
                    .related(
                        *file,
                        Place::value(format!("{pointer}/id")),
                        "first defined here",
                    ),
                );
            } else {
                seen.insert(&r.id, (&p.file, &r.pointer));
            }
        }
    }
}

/// A rule as a repository has it: `rules:` in privgate.yaml may change
/// its severity or turn it off.
pub struct Listed {
    pub rule: Rule,
    pub enabled: bool,
    /// The pack's own severity, when the config changes it.
    pub pack_severity: Option<&'static str>,
}

/// What `privgate rules` lists: the built-in rules, plus the organisation
/// packs of the repository at `root` when its config names some, with the
/// config's overrides. On a broken organisation pack, the workspace (for
/// rendering) and its errors.
pub fn listed_rules(root: &Path) -> Result<Vec<Listed>, (Workspace, Vec<Diagnostic>)> {
    // Without a config there is nothing of the repository's to list: no
    // need to read its manifests (run from `/tmp`, that walked the world).
    let tree = WorkTree::open(root)
        .ok()
        .filter(|t| CONFIG_NAMES.iter().any(|n| t.is_file(n)));
    let mut overrides = Default::default();
    if let Some(tree) = &tree {
        let mut ws = crate::load::load(tree, &Default::default());
        if let Some(model) = ws.model.take() {
            if !ws.has_errors() {
                overrides = model.config.rules.clone();
            }
            if !ws.has_errors() && !model.config.rulepacks.is_empty() {
                return match catalog(&model, tree, &mut ws.sources) {
                    Ok(c) => Ok(listed(
                        c.packs.into_iter().flat_map(|p| p.rules),
                        &overrides,
                    )),
                    Err(d) => Err((ws, d)),
                };
            }
        }
    }
    let builtin = builtin_packs()
        .iter()
        .filter_map(|(p, _)| p.clone())
        .flat_map(|p| p.rules);
    Ok(listed(builtin, &overrides))
}

fn listed(
    rules: impl Iterator<Item = Rule>,
    overrides: &BTreeMap<String, RuleOverride>,
) -> Vec<Listed> {
    rules
        .map(|mut rule| {
            let o = overrides.get(&rule.id);
            let mut pack_severity = None;
            if let Some(s) = o
                .and_then(|o| o.severity.as_deref())
                .and_then(Severity::parse)
            {
                if s != rule.severity {
                    pack_severity = Some(rule.severity.name());
                    rule.severity = s;
                }
            }
            Listed {
                rule,
                enabled: o.and_then(|o| o.enabled) != Some(false),
                pack_severity,
            }
        })
        .collect()
}
