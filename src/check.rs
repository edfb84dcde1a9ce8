//! The back half of the pipeline: rule catalogue (built-in and organisation
//! packs, config overrides), evaluation, waivers, score, KPIs and the gate,
//! from a `Model` to a `Report`.

use crate::diagnostic::{did_you_mean, Diagnostic, Place};
use crate::load::Workspace;
use crate::model::{Kind, Model};
use crate::report::{self, Finding, Report};
use crate::rules::engine::{self, CheckResult, Env};
use crate::rules::pack::{self, compile, Pack, Rule, Severity};
use crate::span::Locator;
use crate::time;
use crate::tree::Tree;
use cel::Value;
use jiff::civil::Date;
use rayon::prelude::*;
use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// Gate settings given on the command line (override the config's).
#[derive(Debug, Clone, Default)]
pub struct GateFlags {
    pub min_score: Option<f64>,
    pub fail_on: Option<String>,
}

/// Warned when discovery finds nothing to check.
/// The warning when discovery finds no manifest, naming the globs that
/// were looked for: the config's, when it sets them (a mistyped glob is the
/// usual cause), else the defaults.
pub fn no_manifests(config: &crate::manifest::Config) -> String {
    let looked_for = match &config.manifests {
        Some(globs) => format!("the config's `manifests:` {}", globs.join(", ")),
        None => "privacy.yaml, privacy.yml, *.privacy.yaml, *.privacy.yml".to_string(),
    };
    format!("no privacy manifests found ({looked_for}); nothing was checked")
}

/// Default `fail_on` when neither config nor flag sets one.
pub const DEFAULT_FAIL_ON: &str = "high";

/// Every pack that applies to the repository, with config overrides applied.
pub struct Catalog {
    pub packs: Vec<Pack>,
    /// The organisation pack files `rulepacks:` matched, sorted.
    pub org_pack_files: Vec<String>,
    /// Enabled rules, in pack order.
    pub rules: Vec<Rule>,
}

/// The built-in packs as loaded, once per process: `trend` checks every
/// commit, and compiling the packs' conditions was half of a small check.
fn builtin_packs() -> &'static [(Option<Pack>, Vec<Diagnostic>)] {
    static PACKS: std::sync::OnceLock<Vec<(Option<Pack>, Vec<Diagnostic>)>> =
        std::sync::OnceLock::new();
    PACKS.get_or_init(|| {
        pack::BUILTIN
            .iter()
            .map(|(file, text)| {
                let (p, _, d) = pack::load_pack(file, text);
                (p, d)
            })
            .collect()
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
    for ((file, text), (p, d)) in pack::BUILTIN.iter().zip(builtin_packs()) {
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
                "unknown-regulation",
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
                "invalid-value",
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
    let builtin: BTreeSet<&str> = pack::BUILTIN.iter().map(|(f, _)| *f).collect();
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
        "unknown-rule",
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
    if n > crate::discover::MAX_GLOBS {
        diags.push(
            crate::discover::too_many_globs("rulepacks", n)
                .at(config_file, Place::key("/rulepacks".to_string())),
        );
        return Vec::new();
    }
    for (i, pattern) in model.config.rulepacks.iter().enumerate() {
        let pointer = format!("/rulepacks/{i}");
        let glob = match crate::discover::glob(pattern) {
            Ok(g) => g.compile_matcher(),
            Err(why) => {
                diags.push(
                    Diagnostic::error("bad-glob", why).at(config_file, Place::value(pointer)),
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
                    "missing-rulepack",
                    format!("`{pattern}` is outside the repository: rule packs are read from it"),
                )
                .label("outside the repository")
                .help("copy or vendor the pack into the repository and list its path relative to the root")
            } else {
                Diagnostic::error(
                    "missing-rulepack",
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
                    "reserved-rule-id",
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
                    "invalid-value",
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
                        "duplicate-rule",
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

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct KpiFile {
    #[allow(dead_code)]
    version: u32,
    kpis: Vec<KpiEntry>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KpiEntry {
    pub id: String,
    pub title: String,
    pub description: String,
    /// The KPI is null unless this regulation is enabled.
    regulation: Option<String>,
    target: Option<String>,
    counts: Option<String>,
    passes: Option<String>,
    /// More kinds counted into the same ratio (flows and datasets).
    #[serde(default)]
    also: Vec<KpiPart>,
    /// Counts the declarations of `target` that an enabled rule of these
    /// checks; they pass when no such check is violated (and `passes`, if
    /// given, holds).
    #[serde(default)]
    rules: Vec<String>,
    value: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct KpiPart {
    target: String,
    counts: String,
    passes: String,
}

/// The KPI definitions of `policies/kpis.yaml` (titles and descriptions
/// for reports).
pub fn kpi_definitions() -> Vec<KpiEntry> {
    serde_yaml::from_str::<KpiFile>(pack::KPIS)
        .map(|f| f.kpis)
        .unwrap_or_default()
}

/// The ids of the KPIs that are amounts (a `value` expression) rather than
/// ratios: the report writes a whole amount as an integer.
pub fn amount_kpis() -> &'static BTreeSet<String> {
    static AMOUNTS: std::sync::OnceLock<BTreeSet<String>> = std::sync::OnceLock::new();
    AMOUNTS.get_or_init(|| {
        kpi_definitions()
            .into_iter()
            .filter(|k| k.value.is_some())
            .map(|k| k.id)
            .collect()
    })
}

/// What a KPI reads besides the values: the enabled rules, their results
/// and the regulations enabled.
struct KpiInput<'a> {
    rules: &'a [Rule],
    results: &'a [CheckResult],
    regulations: &'a [String],
}

fn kpis(env: &Env, input: &KpiInput) -> Result<BTreeMap<String, Option<f64>>, Diagnostic> {
    let file = "policies/kpis.yaml";
    let raw: KpiFile = serde_yaml::from_str(pack::KPIS)
        .map_err(|e| Diagnostic::error("rule-pack", format!("{file}: {e}")))?;
    let mut out = BTreeMap::new();
    for (i, k) in raw.kpis.iter().enumerate() {
        let enabled = k
            .regulation
            .as_ref()
            .is_none_or(|r| input.regulations.contains(r));
        let value = if !enabled {
            None
        } else if let Some(expr) = &k.value {
            let p = compile(expr, None, file, &format!("/kpis/{i}/value"))?;
            match env.eval_repository(&p).map_err(|e| kpi_failed(&k.id, &e))? {
                Value::Float(f) => Some(f),
                Value::Int(n) => Some(n as f64),
                _ => None,
            }
        } else if !k.rules.is_empty() {
            rule_kpi(env, k, i, input)?
        } else {
            let mut parts: Vec<(String, String, String, String)> = Vec::new();
            let target = k.target.clone().unwrap_or_default();
            parts.push((
                target,
                k.counts.clone().unwrap_or_else(|| "false".into()),
                k.passes.clone().unwrap_or_else(|| "false".into()),
                format!("/kpis/{i}"),
            ));
            for (j, p) in k.also.iter().enumerate() {
                parts.push((
                    p.target.clone(),
                    p.counts.clone(),
                    p.passes.clone(),
                    format!("/kpis/{i}/also/{j}"),
                ));
            }
            let (mut counted, mut passed) = (0usize, 0usize);
            for (target, counts, passes, pointer) in &parts {
                let (c, p) = ratio_part(env, &k.id, target, counts, passes, pointer)?;
                counted += c;
                passed += p;
            }
            (counted > 0).then(|| passed as f64 / counted as f64)
        };
        out.insert(k.id.clone(), value.map(|v| (v * 1000.0).round() / 1000.0));
    }
    Ok(out)
}

fn kpi_failed(id: &str, e: &dyn std::fmt::Debug) -> Diagnostic {
    Diagnostic::error("rule-runtime", format!("KPI `{id}` failed: {e:?}"))
}

/// How many declarations of `target` count, and how many of those pass.
fn ratio_part(
    env: &Env,
    id: &str,
    target: &str,
    counts: &str,
    passes: &str,
    pointer: &str,
) -> Result<(usize, usize), Diagnostic> {
    let file = "policies/kpis.yaml";
    let kind = Kind::parse(target).ok_or_else(|| kpi_failed(id, &"no target"))?;
    // `passes` only where `counts` holds: it may index what `counts` guards.
    let both = compile(
        &format!("({counts}) ? (({passes}) ? 2 : 1) : 0"),
        Some(kind.name()),
        file,
        &format!("{pointer}/passes"),
    )?;
    let values = env.map_kind(kind, &both).map_err(|e| kpi_failed(id, &e))?;
    let counted = values
        .iter()
        .filter(|v| matches!(v, Value::Int(n) if *n > 0))
        .count();
    let passed = values.iter().filter(|v| matches!(v, Value::Int(2))).count();
    Ok((counted, passed))
}

/// A KPI over rule outcomes: the declarations of `target` that an enabled
/// rule of `rules` checks, passing when none of those checks is violated.
fn rule_kpi(
    env: &Env,
    k: &KpiEntry,
    i: usize,
    input: &KpiInput,
) -> Result<Option<f64>, Diagnostic> {
    let file = "policies/kpis.yaml";
    let kind = k
        .target
        .as_deref()
        .and_then(Kind::parse)
        .ok_or_else(|| kpi_failed(&k.id, &"no target"))?;
    let wanted: BTreeSet<usize> = input
        .rules
        .iter()
        .enumerate()
        .filter(|(_, r)| k.rules.contains(&r.id))
        .map(|(ri, _)| ri)
        .collect();
    let prefix = format!("{}:", kind.name());
    // Target -> whether every check of those rules on it held.
    let mut checked: BTreeMap<&str, bool> = BTreeMap::new();
    for r in input.results.iter().filter(|r| wanted.contains(&r.rule)) {
        let Some(id) = r.target().strip_prefix(&prefix) else {
            continue;
        };
        let ok = checked.entry(id).or_insert(true);
        *ok &= !r.violated;
    }
    if checked.is_empty() {
        return Ok(None);
    }
    let extra: BTreeSet<String> = match &k.passes {
        Some(expr) => {
            let p = compile(expr, Some(kind.name()), file, &format!("/kpis/{i}/passes"))?;
            let ids = env.ids(kind);
            let values = env.map_kind(kind, &p).map_err(|e| kpi_failed(&k.id, &e))?;
            ids.into_iter()
                .zip(values)
                .filter(|(_, v)| matches!(v, Value::Bool(true)))
                .map(|(id, _)| id)
                .collect()
        }
        None => checked.keys().map(|s| s.to_string()).collect(),
    };
    let passed = checked
        .iter()
        .filter(|(id, ok)| **ok && extra.contains(**id))
        .count();
    Ok(Some(passed as f64 / checked.len() as f64))
}

/// What `run` needs besides the model.
pub struct RunInput<'a> {
    pub root_label: String,
    pub today: Date,
    pub gate: GateFlags,
    pub catalog: &'a Catalog,
}

/// One applicable check and how it ended (JUnit lists passing checks too).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub rule: String,
    pub target: String,
    pub violated: bool,
    pub waived: bool,
}

/// Every applicable check's result, kept for the formats that list passing
/// checks too (JUnit); turned into `Outcome`s only when asked.
pub struct Evaluated {
    results: Vec<CheckResult>,
    /// Indices into `results` covered by a valid waiver.
    waived: BTreeSet<usize>,
}

impl Evaluated {
    /// Every applicable check's outcome, sorted by rule and target.
    pub fn outcomes(&self, rules: &[Rule]) -> Vec<Outcome> {
        let mut outcomes: Vec<Outcome> = self
            .results
            .iter()
            .enumerate()
            .map(|(i, r)| Outcome {
                rule: rules[r.rule].id.clone(),
                target: r.target().to_string(),
                violated: r.violated,
                waived: self.waived.contains(&i),
            })
            .collect();
        outcomes.sort_by(|a, b| (&a.rule, &a.target).cmp(&(&b.rule, &b.target)));
        outcomes
    }
}

/// Evaluates, applies waivers, scores and gates. Diagnostics here are defects
/// in a rule pack (runtime errors), reported like any other.
pub fn run(ws: &Workspace, model: &Model, input: &RunInput) -> Result<Report, Vec<Diagnostic>> {
    run_with_outcomes(ws, model, input).map(|(r, _)| r)
}

/// `run`, also returning every applicable check's result.
pub fn run_with_outcomes(
    ws: &Workspace,
    model: &Model,
    input: &RunInput,
) -> Result<(Report, Evaluated), Vec<Diagnostic>> {
    if let Some(too_many) = too_many_declarations(model) {
        return Err(vec![too_many]);
    }
    let t = crate::timings::phase("values");
    let mut env = Env::new(model, input.today);
    crate::rules::values::forget_shared();
    drop(t);
    let t = crate::timings::phase("facts");
    let facts = engine::builtin_facts().map_err(|d| vec![d])?;
    env.compute_facts(&facts).map_err(|d| vec![d])?;
    crate::rules::values::forget_shared();
    drop(t);
    let t = crate::timings::phase("rules");
    let results = env.evaluate(model, &input.catalog.rules)?;
    drop(t);
    if let Some(too_many) = too_many_findings(&results) {
        return Err(vec![too_many]);
    }
    let t = crate::timings::phase("kpis");
    let regulations_enabled = model.regulations();
    let kpis = kpis(
        &env,
        &KpiInput {
            rules: &input.catalog.rules,
            results: &results,
            regulations: &regulations_enabled,
        },
    )
    .map_err(|d| vec![d])?;
    drop(t);
    // Freed before the report is built: kept to the exit, the values
    // pushed a 10,000-manifest check over 300 MB and a pull-request check,
    // holding two models, over 600 MB.
    let t = crate::timings::phase("free values");
    env.free();
    drop(t);
    let _t = crate::timings::phase("findings+report");

    // Loading's warnings (a second config file) travel with the report's.
    let mut warnings: Vec<String> = ws
        .diagnostics
        .iter()
        .filter(|d| !d.is_error())
        .map(|d| match (&d.file, &d.place) {
            (Some(f), Place::File) => format!("{f}: {}", d.message),
            (Some(f), place) => {
                let at = Locator::new(&ws.sources)
                    .locate_all(f, std::slice::from_ref(place))
                    .pop()
                    .unwrap_or_else(crate::span::Location::start);
                format!("{f}:{}:{}: {}", at.line, at.column, d.message)
            }
            (None, _) => d.message.clone(),
        })
        .collect();
    if model.manifests.is_empty() {
        // A misnamed manifest must not make the gate pass silently.
        warnings.push(no_manifests(&model.config));
    }
    let waived = apply_waivers(
        model,
        &input.catalog.rules,
        &results,
        input.today,
        &ws.sources,
        &mut warnings,
    );
    let score = score(&input.catalog.rules, &results, &waived);

    let t = crate::timings::phase("locate findings");
    // Located file by file (each file's index is built once), files in
    // parallel.
    let mut by_file: BTreeMap<&str, Vec<(usize, &CheckResult)>> = BTreeMap::new();
    for (i, r) in results.iter().enumerate().filter(|(_, r)| r.violated) {
        by_file
            .entry(r.origin().file.as_str())
            .or_default()
            .push((i, r));
    }
    let by_file: Vec<Vec<(usize, &CheckResult)>> = by_file.into_values().collect();
    let mut findings: Vec<Finding> = by_file
        .par_iter()
        .flat_map_iter(|group| {
            let places: Vec<Place> = group.iter().map(|(_, r)| finding_place(r)).collect();
            let locations = Locator::new(&ws.sources)
                .with_known(&ws.ids)
                .locate_all(&group[0].1.origin().file, &places);
            group
                .iter()
                .zip(locations)
                .map(|((i, r), loc)| {
                    finding(&input.catalog.rules[r.rule], r, waived.get(i).copied(), loc)
                })
                .collect::<Vec<_>>()
        })
        .collect();
    drop(t);
    report::sort_findings(&mut findings);

    let mut by_severity: BTreeMap<String, usize> = Severity::ALL
        .iter()
        .map(|s| (s.name().to_string(), 0))
        .collect();
    for f in findings.iter().filter(|f| !f.waived) {
        *by_severity.entry(f.severity.clone()).or_default() += 1;
    }
    let unwaived = findings.iter().filter(|f| !f.waived).count();
    let summary = report::Summary {
        manifests: model.manifests.len(),
        declarations: model.declaration_count(),
        checks: results.len(),
        findings: unwaived,
        waived: findings.len() - unwaived,
        by_severity,
    };
    let gate_config = resolve_gate(model, &input.gate);
    let gate = gate(&gate_config, score.overall, &findings, false);
    // The configured order, then organisation packs' regulations.
    let mut regulations = model.regulations();
    for r in &input.catalog.rules {
        if !regulations.contains(&r.regulation) {
            regulations.push(r.regulation.clone());
        }
    }
    let evaluated = Evaluated {
        waived: waived.keys().copied().collect(),
        results,
    };
    let report = Report {
        version: report::REPORT_VERSION,
        tool: report::Tool {
            name: "privgate".into(),
            version: env!("CARGO_PKG_VERSION").into(),
        },
        root: input.root_label.clone(),
        regulations,
        score,
        kpis,
        findings,
        summary,
        gate,
        warnings,
        changes: None,
    };
    Ok((report, evaluated))
}

/// The most declarations one run checks. A declaration costs a few
/// kilobytes while it is checked (its values, facts and results): the
/// 10,000-manifest benchmark corpus holds 91,002 and peaks near 400 MB,
/// while 150,000 small datasets in one file, under the 10 MiB limit, ran
/// out of a 2 GB address space.
pub const MAX_DECLARATIONS: usize = 200_000;

/// The most findings one run reports. A finding carries its message,
/// citation and remediation into every format (about 1 KB each, more in
/// SARIF); past this many the declarations are not yet described at all,
/// and no report of them would be read.
pub const MAX_FINDINGS: usize = 100_000;

/// The file with the most, the first in path order of those tied.
fn most_in_one_file(per_file: BTreeMap<&str, usize>) -> Option<(&str, usize)> {
    per_file
        .into_iter()
        .max_by(|(fa, a), (fb, b)| a.cmp(b).then_with(|| fb.cmp(fa)))
}

/// The error when the model holds more than `MAX_DECLARATIONS`, located
/// at the manifest that declares the most.
fn too_many_declarations(model: &Model) -> Option<Diagnostic> {
    let n = model.declaration_count();
    if n <= MAX_DECLARATIONS {
        return None;
    }
    let mut per_file: BTreeMap<&str, usize> = BTreeMap::new();
    for origin in model.origins() {
        *per_file.entry(origin.file.as_str()).or_default() += 1;
    }
    let (file, most) = most_in_one_file(per_file)?;
    Some(
        Diagnostic::error(
            "too-many-declarations",
            format!(
                "{n} declarations, more than one run checks ({MAX_DECLARATIONS}); this file declares {most}"
            ),
        )
        .at(file, Place::File)
        .help("check components one at a time (`privgate check services/NAME`), or narrow `manifests:` in the config"),
    )
}

/// The error when the rules found more than `MAX_FINDINGS`, located at the
/// manifest with the most.
fn too_many_findings(results: &[CheckResult]) -> Option<Diagnostic> {
    let mut per_file: BTreeMap<&str, usize> = BTreeMap::new();
    let mut n = 0;
    for r in results.iter().filter(|r| r.violated) {
        n += 1;
        *per_file.entry(r.origin().file.as_str()).or_default() += 1;
    }
    if n <= MAX_FINDINGS {
        return None;
    }
    let (file, most) = most_in_one_file(per_file)?;
    Some(
        Diagnostic::error(
            "too-many-findings",
            format!(
                "{n} findings, more than one run reports ({MAX_FINDINGS}); {most} of them in this file"
            ),
        )
        .at(file, Place::File)
        .help("fix what most findings have in common first (`--format json` of one component shows it), or check components one at a time"),
    )
}

/// Where a finding points: the declaration's id, or the repository-wide
/// section's key, or the file.
fn finding_place(r: &CheckResult) -> Place {
    let origin = r.origin();
    if origin.pointer.is_empty() {
        Place::File
    } else if r.target() == "repository" {
        Place::key(origin.pointer.clone())
    } else {
        Place::value(origin.id_pointer())
    }
}

fn finding(
    rule: &Rule,
    r: &CheckResult,
    waiver: Option<&crate::manifest::Waiver>,
    loc: crate::span::Location,
) -> Finding {
    let origin = r.origin();
    Finding {
        rule: rule.id.clone(),
        regulation: rule.regulation.clone(),
        severity: rule.severity.name().into(),
        citation: rule.citation.clone(),
        message: r.message(rule),
        remediation: rule.remediation.clone(),
        target: r.target().to_string(),
        file: origin.file.clone(),
        line: loc.line,
        column: loc.column,
        waived: waiver.is_some(),
        waiver: waiver.map(|w| report::Waiver {
            reason: w.reason.clone(),
            approved_by: w.approved_by.clone(),
            expires: w.expires.clone(),
        }),
    }
}

/// When a waiver's `kind:id` names no declaration: a "did you mean" for the
/// id (or nothing to add). `None` when it does, or is `repository`.
/// When `target` (`kind:id`) names no declaration: "" or a "did you mean"
/// to append; `None` when it names one.
pub fn undeclared_target(model: &Model, target: &str) -> Option<String> {
    let (kind, id) = target.split_once(':')?;
    let ids = model.ids(Kind::parse(kind)?);
    if ids.contains(id) {
        return None;
    }
    // The right id under the wrong kind (`purpose:mailchimp` for a vendor).
    if let Some(other) = Kind::ALL.iter().find(|k| model.ids(**k).contains(id)) {
        return Some(format!("; did you mean `{}:{id}`?", other.name()));
    }
    Some(
        did_you_mean(id, ids.iter().copied())
            .map(|m| format!("; {m}"))
            .unwrap_or_default(),
    )
}

/// Waivers whose target names no declaration, as located warnings: what
/// `check` warns about once the rules ran, `validate` can say before.
pub fn waiver_target_warnings(model: &Model) -> Vec<Diagnostic> {
    let Some(file) = &model.config_file else {
        return Vec::new();
    };
    model
        .config
        .waivers
        .iter()
        .enumerate()
        .filter_map(|(i, w)| {
            let hint = undeclared_target(model, &w.target)?;
            Some(
                Diagnostic::warning(
                    "waiver-matches-nothing",
                    format!(
                        "waiver for {} on {}: no such declaration{hint}",
                        w.rule, w.target
                    ),
                )
                .at(file, Place::value(format!("/waivers/{i}/target")))
                .label("no such declaration"),
            )
        })
        .collect()
}

/// Waivers that run past `gate.max_waiver_term` from `today`, as located
/// errors: an expiry years ahead would make the waiver permanent in all
/// but name. The limit looks ahead from the run date, so a waiver within
/// it never falls out of it later; only a shorter limit can.
pub fn waiver_term_errors(model: &Model, today: Date) -> Vec<Diagnostic> {
    let (Some(file), Some(term)) = (&model.config_file, &model.config.gate.max_waiver_term) else {
        return Vec::new();
    };
    // A malformed term is reported where the config is resolved.
    let Some(latest) = time::parse_duration(term)
        .ok()
        .and_then(|span| time::add(today, span))
    else {
        return Vec::new();
    };
    model
        .config
        .waivers
        .iter()
        .enumerate()
        .filter(|(_, w)| time::parse_date(&w.expires).is_ok_and(|d| d > latest))
        .map(|(i, w)| {
            Diagnostic::error(
                "waiver-too-long",
                format!(
                    "waiver for {} on {} runs until {}, longer than `gate.max_waiver_term` ({term}) allows: at most until {latest}",
                    w.rule, w.target, w.expires
                ),
            )
            .at(file, Place::value(format!("/waivers/{i}/expires")))
            .label(format!("after {latest}"))
            .help(format!(
                "set `expires` to {latest} or earlier; renewing it then takes a new sign-off"
            ))
        })
        .collect()
}

/// Waivers this close to expiry are announced (`check` warns, the HTML
/// report highlights them): a finding that comes back on the day the waiver
/// lapses would fail a release gate without notice.
pub const EXPIRY_WARNING_DAYS: i64 = 30;

/// Valid waivers by index of the violated check they cover; warnings for
/// expired waivers, waivers about to expire and waivers that match no
/// finding. Linear in waivers and findings: the violated checks are
/// indexed by (rule, target) once, and the places of the waivers warned
/// about are found in one pass over the config.
fn apply_waivers<'m>(
    model: &'m Model,
    rules: &[Rule],
    results: &[CheckResult],
    today: Date,
    sources: &BTreeMap<String, String>,
    warnings: &mut Vec<String>,
) -> BTreeMap<usize, &'m crate::manifest::Waiver> {
    let mut violated: HashMap<(&str, &str), Vec<usize>> = HashMap::new();
    for (i, r) in results.iter().enumerate().filter(|(_, r)| r.violated) {
        violated
            .entry((rules[r.rule].id.as_str(), r.target()))
            .or_default()
            .push(i);
    }
    let by_id: HashMap<&str, &Rule> = rules.iter().map(|r| (r.id.as_str(), r)).collect();
    let mut waived = BTreeMap::new();
    // (waiver index, the warning after its place), placed below.
    let mut about: Vec<(usize, String)> = Vec::new();
    let config_name = model.config_file.as_deref().unwrap_or("privgate.yaml");
    for (i, w) in model.config.waivers.iter().enumerate() {
        let Some(rule) = by_id.get(w.rule.as_str()) else {
            // Not checked in this run: another `--regulation` is silent, a
            // rule the config turns off leaves the waiver nothing to cover.
            if model.config.rules.get(&w.rule).and_then(|o| o.enabled) == Some(false) {
                about.push((i, format!(
                    "waiver for {} on {}: the rule is disabled in {config_name}, so the waiver covers nothing; remove one or the other",
                    w.rule, w.target
                )));
            }
            continue;
        };
        let matching = violated
            .get(&(w.rule.as_str(), w.target.as_str()))
            .map_or(&[][..], Vec::as_slice);
        let expired = time::parse_date(&w.expires).map_or(true, |d| d < today);
        if matching.is_empty() {
            about.push((i, match (undeclared_target(model, &w.target), never_checks(rule, &w.target)) {
                (Some(hint), _) => format!(
                    "waiver for {} on {}: no such declaration{hint}",
                    w.rule, w.target
                ),
                (None, Some(checks)) => format!(
                    "waiver for {} on {}: the rule never applies there (it checks {checks}); remove it from {config_name}",
                    w.rule, w.target
                ),
                (None, None) => format!(
                    "waiver for {} on {} matches no finding (fixed?); remove it from {config_name}",
                    w.rule, w.target
                ),
            }));
        } else if expired {
            about.push((
                i,
                format!(
                    "waiver for {} on {} expired on {}; the finding counts again",
                    w.rule, w.target, w.expires
                ),
            ));
        } else {
            let days_left = time::days_until(today, &w.expires);
            if let Some(d) = days_left.filter(|d| *d <= EXPIRY_WARNING_DAYS) {
                let when = match d {
                    0 => "today".to_string(),
                    1 => "tomorrow".to_string(),
                    d => format!("in {d} days"),
                };
                about.push((
                    i,
                    format!(
                        "waiver for {} on {} expires {when} ({}); renew it or fix the finding",
                        w.rule, w.target, w.expires
                    ),
                ));
            }
            for &i in matching {
                waived.insert(i, w);
            }
        }
    }
    warnings.extend(placed(model, sources, about));
    warnings.sort();
    waived
}

/// Each `(waiver index, text)` as `file:line:col: text`, the places found
/// in one pass over the config (without a config file, the text alone).
fn placed(
    model: &Model,
    sources: &BTreeMap<String, String>,
    about: Vec<(usize, String)>,
) -> Vec<String> {
    let Some(file) = &model.config_file else {
        return about.into_iter().map(|(_, text)| text).collect();
    };
    let places: Vec<Place> = about
        .iter()
        .map(|(i, _)| Place::key(format!("/waivers/{i}")))
        .collect();
    let locations = Locator::new(sources).locate_all(file, &places);
    about
        .into_iter()
        .zip(locations)
        .map(|((_, text), loc)| format!("{file}:{}:{}: {text}", loc.line, loc.column))
        .collect()
}

/// What `rule` checks ("purposes", "the repository"), when that is not the
/// kind of `target`: a waiver there can never match a finding.
fn never_checks(rule: &Rule, target: &str) -> Option<String> {
    use crate::rules::pack::Target;
    let kind = match target.split_once(':') {
        Some((kind, _)) => Target::Decl(Kind::parse(kind)?),
        None if target == "repository" => Target::Repository,
        None => return None,
    };
    if rule.checks.iter().any(|c| c.target == kind) {
        return None;
    }
    let mut checked: Vec<String> = rule
        .checks
        .iter()
        .map(|c| match c.target {
            Target::Decl(k) => k.section_map_name().to_string(),
            Target::Repository => "the repository".to_string(),
        })
        .collect();
    checked.dedup();
    Some(checked.join(" and "))
}

fn score(
    rules: &[Rule],
    results: &[CheckResult],
    waived: &BTreeMap<usize, &crate::manifest::Waiver>,
) -> report::Score {
    let mut total: BTreeMap<&str, (u64, u64)> = BTreeMap::new();
    for (i, r) in results.iter().enumerate() {
        let rule = &rules[r.rule];
        let w = u64::from(rule.severity.weight());
        let pass = !r.violated || waived.contains_key(&i);
        let e = total.entry(rule.regulation.as_str()).or_default();
        e.1 += w;
        if pass {
            e.0 += w;
        }
    }
    for r in rules {
        total.entry(r.regulation.as_str()).or_default();
    }
    let pct = |(passed, all): (u64, u64)| {
        if all == 0 {
            100.0
        } else {
            report::round1(100.0 * passed as f64 / all as f64)
        }
    };
    let overall = total
        .values()
        .fold((0, 0), |acc, (p, a)| (acc.0 + p, acc.1 + a));
    let overall = pct(overall);
    let unwaived = results
        .iter()
        .enumerate()
        .filter(|(i, r)| r.violated && !waived.contains_key(i))
        .map(|(_, r)| rules[r.rule].severity);
    let (grade, grade_cap) = capped_grade(overall, unwaived);
    report::Score {
        overall,
        grade,
        grade_cap,
        by_regulation: total
            .iter()
            .map(|(k, v)| (k.to_string(), pct(*v)))
            .collect(),
    }
}

/// The grade of `score`, capped by the worst `unwaived` finding (cli.md
/// "Score"): any critical caps it at D, any high at B, so a repository with
/// likely unlawful processing never shows an A or B. The cap comes back
/// only when it lowered the grade; a 65 with a critical finding is a D
/// either way.
pub fn capped_grade(
    score: f64,
    unwaived: impl IntoIterator<Item = Severity>,
) -> (String, Option<report::GradeCap>) {
    let earned = report::grade(score);
    let (mut critical, mut high) = (0, 0);
    for s in unwaived {
        match s {
            Severity::Critical => critical += 1,
            Severity::High => high += 1,
            Severity::Medium | Severity::Low => {}
        }
    }
    let (cap, n, severity) = match (critical, high) {
        (0, 0) => return (earned.into(), None),
        (0, n) => ("B", n, Severity::High),
        (n, _) => ("D", n, Severity::Critical),
    };
    // Best first, as `report::grade` hands them out.
    let rank = |g: &str| ["A", "B", "C", "D", "F"].iter().position(|x| *x == g);
    if rank(earned) >= rank(cap) {
        return (earned.into(), None);
    }
    let reason = format!(
        "{n} {} finding{}",
        severity.name(),
        if n == 1 { "" } else { "s" }
    );
    (
        cap.into(),
        Some(report::GradeCap {
            grade: cap.into(),
            reason,
        }),
    )
}

/// The gate in force: flags over config over defaults.
pub fn resolve_gate(model: &Model, flags: &GateFlags) -> (Option<f64>, String) {
    let min = flags.min_score.or(model.config.gate.min_score);
    let fail_on = flags
        .fail_on
        .clone()
        .or_else(|| model.config.gate.fail_on.clone())
        .unwrap_or_else(|| DEFAULT_FAIL_ON.into());
    (min, fail_on)
}

/// Applies the gate to `counted` findings (all findings, or only the new
/// ones in pull-request mode); waived findings never count.
/// The gate's verdict. `counted` are the findings that count toward
/// `fail_on`, called `new` in the reasons when they are a pull request's.
pub fn gate(
    config: &(Option<f64>, String),
    overall: f64,
    counted: &[Finding],
    counted_are_new: bool,
) -> report::Gate {
    let (min_score, fail_on) = config;
    let threshold = Severity::parse(fail_on);
    let mut reasons = Vec::new();
    if let Some(threshold) = threshold {
        for s in Severity::ALL.iter().filter(|s| **s >= threshold) {
            let n = counted
                .iter()
                .filter(|f| !f.waived && f.severity == s.name())
                .count();
            if n > 0 {
                reasons.push(format!(
                    "{n} {}{} finding{}",
                    if counted_are_new { "new " } else { "" },
                    s.name(),
                    if n == 1 { "" } else { "s" }
                ));
            }
        }
    }
    if let Some(min) = min_score {
        if overall < *min {
            reasons.push(format!("score {overall} is below the minimum {min}"));
        }
    }
    report::Gate {
        passed: reasons.is_empty(),
        min_score: *min_score,
        fail_on: fail_on.clone(),
        reasons,
    }
}

/// Everything a command needs after a successful check.
pub struct Checked {
    pub workspace: Workspace,
    pub model: Model,
    pub report: Report,
    /// The rules that ran (with overrides applied), for SARIF and JUnit.
    pub rules: Vec<Rule>,
    /// The organisation pack files read, sorted.
    pub org_pack_files: Vec<String>,
    pub evaluated: Evaluated,
}

impl Checked {
    /// Every applicable check's outcome, sorted (JUnit).
    pub fn outcomes(&self) -> Vec<Outcome> {
        self.evaluated.outcomes(&self.rules)
    }
}

/// The whole pipeline on one tree: load, catalogue, evaluate. On failure,
/// the workspace (for rendering) and every diagnostic.
/// Adds the catalog's errors (unknown rule ids in `rules:` and `waivers:`,
/// broken organisation packs) to a workspace whose manifests have errors,
/// so that every error is reported in one run (cli.md). Only when the
/// config itself read cleanly: what a broken config would load is unknown,
/// and judging its rule ids then would report errors that are not there.
pub fn add_catalog_errors(ws: &mut Workspace, tree: &dyn Tree) {
    let Some(model) = ws.model.take() else { return };
    let config = model.config_file.as_deref();
    // The config's other errors leave the rest of it in use (load keeps its
    // valid part), so its rule ids are checked in the same run; not when
    // the error is in `rulepacks` (an organisation's rule ids would look
    // unknown), in `regulations` (what is left of the list is not what was
    // meant) or in the whole file (nothing of it was read).
    let catalog_inputs_intact =
        ws.diagnostics
            .iter()
            .filter(|d| d.is_error())
            .all(|d| match (&d.file, &d.place) {
                (None, _) => false,
                (Some(f), _) if Some(f.as_str()) != config => true,
                (_, Place::Pointer { pointer, .. }) => {
                    !pointer.is_empty()
                        && !pointer.starts_with("/rulepacks")
                        && !pointer.starts_with("/regulations")
                }
                _ => false,
            });
    if catalog_inputs_intact {
        if let Err(mut d) = catalog(&model, tree, &mut ws.sources) {
            ws.diagnostics.append(&mut d);
        }
    }
    ws.model = Some(model);
}

pub fn check_tree(
    tree: &dyn Tree,
    options: &crate::load::LoadOptions,
    today: Date,
    gate: GateFlags,
) -> Result<Checked, (Workspace, Vec<Diagnostic>)> {
    let mut ws = crate::load::load(tree, options);
    if let Some(model) = &ws.model {
        let mut too_long = waiver_term_errors(model, today);
        ws.diagnostics.append(&mut too_long);
    }
    if ws.has_errors() {
        add_catalog_errors(&mut ws, tree);
        let diags = std::mem::take(&mut ws.diagnostics);
        return Err((ws, diags));
    }
    let Some(model) = ws.model.take() else {
        return Err((ws, Vec::new()));
    };
    let t = crate::timings::phase("catalog");
    let catalog = catalog(&model, tree, &mut ws.sources);
    drop(t);
    let result = catalog.and_then(|catalog| {
        let input = RunInput {
            root_label: tree.label(),
            today,
            gate,
            catalog: &catalog,
        };
        run_with_outcomes(&ws, &model, &input)
            .map(|(r, o)| (r, o, catalog.rules, catalog.org_pack_files))
    });
    match result {
        Ok((report, evaluated, rules, org_pack_files)) => Ok(Checked {
            workspace: ws,
            model,
            report,
            rules,
            org_pack_files,
            evaluated,
        }),
        Err(d) => Err((ws, d)),
    }
}
