//! The evaluate stage's entry points: a tree through load, catalogue,
//! rules, waivers, KPIs, score and gate into a `Report`, and the checks
//! `validate` runs without the rules.

use super::catalog::{catalog, Catalog};
use super::gate::{gate, resolve_gate, GateFlags};
use super::kpi::{kpis, KpiInput};
use super::score::score;
use super::waivers::{self, waiver_term_errors};
use crate::diagnostic::{Code, Diagnostic};
use crate::evaluate::rules::engine::{self, CheckResult, Env};
use crate::evaluate::rules::pack::Rule;
use crate::load::tree::Tree;
use crate::load::Workspace;
use crate::model::Model;
use crate::report::{self, Finding, Report};
use crate::severity::Severity;
use crate::span::Locator;
use crate::span::Place;
use jiff::civil::Date;
use rayon::prelude::*;
use std::collections::{BTreeMap, BTreeSet};

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
    crate::evaluate::rules::values::forget_shared();
    drop(t);
    let t = crate::timings::phase("facts");
    let facts = engine::builtin_facts().map_err(|d| vec![d])?;
    env.compute_facts(facts).map_err(|d| vec![d])?;
    crate::evaluate::rules::values::forget_shared();
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
        .map(|d| crate::diagnostic::warning_line(&ws.sources, d))
        .collect();
    if model.manifests.is_empty() {
        // A misnamed manifest must not make the gate pass silently.
        warnings.push(no_manifests(&model.config));
    }
    let waivers = waivers::statuses(model, &input.catalog.rules, &results, input.today);
    warnings.extend(waivers::warnings(model, &waivers, &ws.sources));
    warnings.sort();
    let waived = waivers::waived(&waivers);
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
            let places: Vec<Place> = group
                .iter()
                .map(|(_, r)| finding_place(&input.catalog.rules[r.rule], r))
                .collect();
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
        *by_severity
            .entry(f.severity.name().to_string())
            .or_default() += 1;
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
        waivers,
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
            Code::TooManyDeclarations,
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
            Code::TooManyFindings,
            format!(
                "{n} findings, more than one run reports ({MAX_FINDINGS}); {most} of them in this file"
            ),
        )
        .at(file, Place::File)
        .help("fix what most findings have in common first (`--format json` of one component shows it), or check components one at a time"),
    )
}

/// Where a finding points: a dependency line; the field the check names
/// (`at`) when the declaration writes it, else the declaration's id; or the
/// repository-wide section's key, or the file.
fn finding_place(rule: &Rule, r: &CheckResult) -> Place {
    let origin = r.origin();
    let at = rule
        .checks
        .get(r.check as usize)
        .and_then(|c| c.at.as_ref());
    if let Some((line, column)) = origin.at {
        Place::LineCol { line, column }
    } else if origin.pointer.is_empty() {
        Place::File
    } else if r.target() == crate::model::Target::REPOSITORY {
        Place::key(origin.pointer.clone())
    } else if let Some(at) = at.filter(|_| r.at_field) {
        Place::FieldOr {
            field: format!("{}{at}", origin.pointer),
            or: origin.id_pointer(),
        }
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
    // A dependency line is known exactly, whether or not its text is kept.
    let (line, column) = origin.at.unwrap_or((loc.line, loc.column));
    Finding {
        rule: rule.id.clone(),
        regulation: rule.regulation.clone(),
        severity: rule.severity,
        citation: rule.citation.clone(),
        message: r.message(rule),
        remediation: rule.remediation.clone(),
        target: r.target().to_string(),
        file: origin.file.clone(),
        line,
        column,
        waived: waiver.is_some(),
        waiver: waiver.map(|w| report::Waiver {
            reason: w.reason.clone(),
            approved_by: w.approved_by.clone(),
            expires: w.expires.clone(),
        }),
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

/// What `validate` judges: loading (parse, schema, references), the
/// config's references to rules and packs (what `check` would refuse,
/// `validate` refuses), waiver targets and, given the run date, waiver
/// terms; no rules run. Every diagnostic is in the workspace.
pub fn validate(
    tree: &dyn Tree,
    options: &crate::load::LoadOptions,
    today: Option<Date>,
) -> Workspace {
    let mut ws = crate::load::load(tree, options);
    add_catalog_errors(&mut ws, tree);
    if let Some(model) = &ws.model {
        let mut warnings = super::waivers::waiver_target_warnings(model);
        ws.diagnostics.append(&mut warnings);
        if let Some(today) = today {
            let mut errors = waiver_term_errors(model, today);
            ws.diagnostics.append(&mut errors);
        }
    }
    ws
}

pub fn check_tree(
    tree: &dyn Tree,
    options: &crate::load::LoadOptions,
    today: Date,
    gate: GateFlags,
) -> Result<Checked, (Workspace, Vec<Diagnostic>)> {
    start_compiling_builtins();
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

/// Compiles the manifest schema, the built-in packs, facts and KPIs, and
/// reads the vendor catalogue, on threads of their own while the
/// repository loads (they take about as long, and most are needed only
/// after it): the pre-commit run waits for the longer, not for both. A
/// no-op once they are compiled; should the thread fail to start, the
/// first use compiles them.
fn start_compiling_builtins() {
    if super::catalog::builtin_packs_compiled() {
        return;
    }
    let _ = std::thread::Builder::new()
        .name("compile built-in packs".into())
        .spawn(|| {
            // Plain threads, not rayon (see `crate::parallel`).
            std::thread::scope(|scope| {
                // Needed first: by the manifests' parsing, once the config
                // is read.
                scope.spawn(crate::load::schema::Schema::manifest);
                scope.spawn(engine::builtin_facts);
                scope.spawn(super::kpi::builtin_kpis);
                scope.spawn(crate::load::dependencies::builtin);
                super::catalog::builtin_packs();
            });
        });
}
