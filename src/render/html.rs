//! The HTML compliance report: one self-contained file (inline CSS, a small
//! inline filter script, inline SVG; nothing fetched) for privacy and legal
//! teams. It reads the same `Report` as every other renderer, plus the
//! record of processing, the data map and, when there is git history, the
//! score trend.
//!
//! Everything users wrote reaches the page through minijinja's HTML
//! auto-escaping; the only markup inserted unescaped is our own (the CSS, the
//! script, and the data-map SVG, whose backend escapes text itself). Links
//! are emitted only for `http(s)` URLs. A Content-Security-Policy allows
//! exactly the one script (by hash) and no network, so even a slip in
//! escaping could not run injected code.
//!
//! Large repositories stay readable and small: findings are grouped by
//! severity and rule (citation and remediation once per rule), long lists
//! fold into `<details>`, and past fixed limits rows are summarised instead
//! of printed, each time saying which command lists everything.

use super::Lapsed;
use crate::evaluate::rules::pack::Rule;
use crate::evaluate::{capped_grade, kpi_definitions};
use crate::history::trend::{self, Trend};
use crate::load::git::RepoInfo;
use crate::model::Model;
use crate::render::map::Graph;
use crate::render::ropa::{self, Ropa};
use crate::report::{Finding, GradeCap, Report};
use crate::severity::Severity;
use jiff::civil::Date;
use minijinja::{context, Environment, Value};
use serde::Serialize;
use std::collections::BTreeMap;

const TEMPLATE: &str = include_str!("templates/report.html");
const ROPA_TEMPLATE: &str = include_str!("templates/ropa.html");
const MAP_TEMPLATE: &str = include_str!("templates/map.html");
const TREND_TEMPLATE: &str = include_str!("templates/trend.html");
const MACROS_TEMPLATE: &str = include_str!("templates/macros.html");
const CSS: &str = include_str!("templates/report.css");
const SCRIPT: &str = include_str!("templates/report.js");

/// Finding rows shown before the rest of a rule's rows fold away.
pub const ROWS_OPEN: usize = 20;
/// Finding rows printed in the whole report (each rule still shows its
/// first `ROWS_OPEN`); beyond this, counts only.
pub const MAX_FINDING_ROWS: usize = 5000;
/// Processing activities printed in full; beyond this, a summary table.
pub const MAX_ROPA_CARDS: usize = 200;
/// System owners listed before the rest fold away.
pub const OWNERS_OPEN: usize = 20;
/// Processing activities (and system owners) listed at all.
pub const MAX_ROPA_ROWS: usize = 2000;
/// Flows listed in the data-map table.
pub const MAX_FLOW_ROWS: usize = 2000;
use crate::report::{Coverage, Expiry, WaiverStatus, EXPIRY_WARNING_DAYS};

/// Everything the page shows.
pub struct Input<'a> {
    pub report: &'a Report,
    pub model: &'a Model,
    /// The rules that ran: their plain-language titles lead each finding.
    pub rules: &'a [Rule],
    pub run_date: Date,
    pub repo: &'a RepoInfo,
    pub ropa: &'a Ropa,
    pub map: &'a Graph,
    /// The laid-out map, or why there is none.
    pub map_svg: Result<String, String>,
    /// The trend, or why there is none.
    pub trend: Result<&'a Trend, String>,
}

pub fn render(input: &Input) -> Result<String, String> {
    let mut env = Environment::new();
    env.set_undefined_behavior(minijinja::UndefinedBehavior::Strict);
    for (name, text) in [
        ("report.html", TEMPLATE),
        ("ropa.html", ROPA_TEMPLATE),
        ("map.html", MAP_TEMPLATE),
        ("trend.html", TREND_TEMPLATE),
        ("macros.html", MACROS_TEMPLATE),
    ] {
        env.add_template(name, text)
            .map_err(|e| format!("template {name}: {e}"))?;
    }
    let template = env.get_template("report.html").map_err(|e| e.to_string())?;
    let r = input.report;
    let titles: BTreeMap<&str, &str> = input
        .rules
        .iter()
        .map(|rule| (rule.id.as_str(), rule.title.as_str()))
        .collect();
    let findings = findings(&r.findings, &Lapsed::new(r), &titles);
    let ctx = context! {
        csp => csp(),
        css => Value::from_safe_string(CSS.to_string()),
        script => Value::from_safe_string(SCRIPT.to_string()),
        title => match &input.model.config.organization {
            Some(org) => format!("Privacy compliance report - {org}"),
            None => "Privacy compliance report".to_string(),
        },
        organization => input.model.config.organization,
        root => r.root,
        name => input.repo.name,
        commit => input.repo.commit,
        commit_short => input.repo.commit.as_deref().map(|c| c.get(..12).unwrap_or(c)),
        branch => input.repo.branch,
        modified => input.repo.modified,
        run_date => input.run_date.to_string(),
        tool => r.tool,
        regulations => r.regulations,
        score => r.score,
        grade_earned => crate::report::grade(r.score.overall),
        cap_rule => r.score.grade_cap.as_ref().map(|c| cap_rule(&c.grade)),
        score_class => grade_class(&r.score.grade),
        by_regulation => by_regulation(r),
        gate => r.gate,
        summary => r.summary,
        severities => severity_counts(r),
        kpis => kpis(r),
        findings => findings.groups,
        findings_total => findings.total,
        findings_hidden => findings.hidden,
        regulation_filters => findings.regulations,
        waivers => waivers(r, &titles),
        warnings => r.warnings,
        ropa => ropa_view(input.ropa, &input.model.taxonomy),
        map => map_view(input),
        trend => trend_view(&input.trend),
        limits => context! {
            finding_rows => MAX_FINDING_ROWS,
            ropa_cards => MAX_ROPA_CARDS,
            ropa_rows => MAX_ROPA_ROWS,
            flow_rows => MAX_FLOW_ROWS,
        },
    };
    template
        .render(ctx)
        .map_err(|e| format!("cannot render the HTML report: {e:#}"))
}

#[derive(Serialize)]
struct RegScore {
    name: String,
    score: f64,
    grade: String,
    grade_cap: Option<GradeCap>,
}

/// Each regulation's score with its grade, capped by that regulation's
/// worst unwaived finding as the overall grade is by all of them: no chip
/// shows an A beside a critical finding.
fn by_regulation(r: &Report) -> Vec<RegScore> {
    r.score
        .by_regulation
        .iter()
        .map(|(name, score)| {
            let unwaived = r
                .findings
                .iter()
                .filter(|f| !f.waived && &f.regulation == name)
                .map(|f| f.severity);
            let (grade, grade_cap) = capped_grade(*score, unwaived);
            RegScore {
                name: name.clone(),
                score: *score,
                grade,
                grade_cap,
            }
        })
        .collect()
}

/// Why a grade is capped where it is (cli.md, "Score").
fn cap_rule(grade: &str) -> &'static str {
    match grade {
        "D" => "any open critical finding caps the grade at D (the processing, as declared, is likely unlawful)",
        _ => "any open high finding caps the grade at B (a substantive obligation is not met)",
    }
}

fn grade_class(grade: &str) -> &'static str {
    match grade {
        "A" => "good",
        "B" | "C" => "warn",
        _ => "bad",
    }
}

#[derive(Serialize)]
struct SeverityCount {
    name: String,
    count: usize,
}

fn severity_counts(r: &Report) -> Vec<SeverityCount> {
    ["critical", "high", "medium", "low"]
        .iter()
        .map(|s| SeverityCount {
            name: s.to_string(),
            count: r.summary.by_severity.get(*s).copied().unwrap_or(0),
        })
        .collect()
}

// ---------------------------------------------------------------------------
// KPIs

#[derive(Serialize)]
struct Kpi {
    id: String,
    title: String,
    description: String,
    value: String,
    /// Width of the meter, 0-100; `None` for non-ratios.
    percent: Option<f64>,
    state: &'static str,
}

fn kpis(r: &Report) -> Vec<Kpi> {
    let defs = kpi_definitions();
    let mut out: Vec<Kpi> = defs
        .iter()
        .map(|d| {
            kpi(
                &d.id,
                &d.title,
                &d.description,
                r.kpis.get(&d.id).copied().flatten(),
            )
        })
        .collect();
    // KPIs in the report that the definitions do not name (an older pack).
    for (id, v) in &r.kpis {
        if !defs.iter().any(|d| &d.id == id) {
            out.push(kpi(id, id, "", *v));
        }
    }
    out
}

fn kpi(id: &str, title: &str, description: &str, value: Option<f64>) -> Kpi {
    let days = id.ends_with("_days");
    let (text, percent, state) = match value {
        None => ("n/a".to_string(), None, "na"),
        Some(v) if days => {
            let state = if v <= 30.0 {
                "good"
            } else if v <= 45.0 {
                "warn"
            } else {
                "bad"
            };
            (format!("{v} days"), None, state)
        }
        Some(v) => {
            let state = if v >= 0.9 {
                "good"
            } else if v >= 0.6 {
                "warn"
            } else {
                "bad"
            };
            let pct = (v * 1000.0).round() / 10.0;
            (format!("{pct}%"), Some(pct.clamp(0.0, 100.0)), state)
        }
    };
    Kpi {
        id: id.to_string(),
        title: title.to_string(),
        description: if value.is_none() && !days {
            format!("{description} Nothing to measure in this repository.")
        } else if value.is_none() {
            format!("{description} None declared.")
        } else {
            description.to_string()
        },
        value: text,
        percent,
        state,
    }
}

// ---------------------------------------------------------------------------
// Findings

#[derive(Serialize)]
struct SeverityGroup {
    severity: String,
    count: usize,
    rules: Vec<RuleGroup>,
}

#[derive(Serialize)]
struct RuleGroup {
    rule: String,
    /// The rule's plain-language title (the id when the rule is unknown).
    title: String,
    regulation: String,
    citation: String,
    remediation: Vec<Span>,
    count: usize,
    open: Vec<Row>,
    folded: Vec<Row>,
    /// Rows not printed (over `MAX_FINDING_ROWS`).
    hidden: usize,
}

#[derive(Serialize)]
struct Row {
    target: String,
    location: String,
    message: Vec<Span>,
    /// "waiver by X expired on DATE", when one named this finding.
    lapsed: Option<String>,
}

/// A piece of rule text; `code` for what the rule packs quote in backticks.
#[derive(Serialize)]
struct Span {
    code: bool,
    text: String,
}

fn spans(text: &str) -> Vec<Span> {
    text.split('`')
        .enumerate()
        .filter(|(_, t)| !t.is_empty())
        .map(|(i, t)| Span {
            code: i % 2 == 1,
            text: t.to_string(),
        })
        .collect()
}

struct Findings {
    groups: Vec<SeverityGroup>,
    total: usize,
    hidden: usize,
    regulations: Vec<String>,
}

/// Open findings by severity, then rule; waived ones are listed with their
/// waiver instead.
fn findings(all: &[Finding], lapsed: &Lapsed, titles: &BTreeMap<&str, &str>) -> Findings {
    // Worst first.
    let mut by_sev: BTreeMap<std::cmp::Reverse<Severity>, BTreeMap<&str, Vec<&Finding>>> =
        BTreeMap::new();
    let mut regulations: Vec<String> = Vec::new();
    for f in all.iter().filter(|f| !f.waived) {
        let rank = std::cmp::Reverse(f.severity);
        by_sev
            .entry(rank)
            .or_default()
            .entry(&f.rule)
            .or_default()
            .push(f);
        if !regulations.contains(&f.regulation) {
            regulations.push(f.regulation.clone());
        }
    }
    regulations.sort();
    // Every rule shows its first rows; the rest of the budget goes to the
    // folded rows, most severe first.
    let first_rows: usize = by_sev
        .values()
        .flat_map(|r| r.values())
        .map(|l| l.len().min(ROWS_OPEN))
        .sum();
    let mut budget = MAX_FINDING_ROWS.saturating_sub(first_rows);
    let mut hidden_total = 0;
    let mut total = 0;
    let mut groups = Vec::new();
    for (rank, rules) in by_sev {
        let mut group = SeverityGroup {
            severity: rank.0.name().to_string(),
            count: 0,
            rules: Vec::new(),
        };
        for list in rules.into_values() {
            let first = list[0];
            let extra = list.len().saturating_sub(ROWS_OPEN).min(budget);
            budget -= extra;
            let shown = list.len().min(ROWS_OPEN) + extra;
            let mut rows: Vec<Row> = list[..shown]
                .iter()
                .map(|f| Row {
                    target: f.target.clone(),
                    location: format!("{}:{}", f.file, f.line),
                    message: spans(&f.message),
                    lapsed: lapsed.note(f),
                })
                .collect();
            let folded = if rows.len() > ROWS_OPEN {
                rows.split_off(ROWS_OPEN)
            } else {
                Vec::new()
            };
            hidden_total += list.len() - shown;
            group.count += list.len();
            group.rules.push(RuleGroup {
                title: rule_title(titles, &first.rule),
                rule: first.rule.clone(),
                regulation: first.regulation.clone(),
                citation: first.citation.clone(),
                remediation: spans(&first.remediation),
                count: list.len(),
                open: rows,
                folded,
                hidden: list.len() - shown,
            });
        }
        total += group.count;
        groups.push(group);
    }
    Findings {
        groups,
        total,
        hidden: hidden_total,
        regulations,
    }
}

/// A rule's title, or its id when no rule that ran has it.
fn rule_title(titles: &BTreeMap<&str, &str>, rule: &str) -> String {
    titles
        .get(rule)
        .map_or_else(|| rule.to_string(), |t| t.to_string())
}

// ---------------------------------------------------------------------------
// Waivers

#[derive(Serialize)]
struct WaiverView {
    rule: String,
    title: String,
    target: String,
    reason: String,
    approved_by: String,
    expires: String,
    /// active, expiring, expired, unused
    state: &'static str,
    status: String,
    /// What the waiver accepts (or, expired, no longer accepts): the
    /// finding as the findings section would show it.
    findings: Vec<WaivedFinding>,
}

#[derive(Serialize)]
struct WaivedFinding {
    severity: String,
    citation: String,
    message: Vec<Span>,
    location: String,
}

fn waivers(report: &Report, titles: &BTreeMap<&str, &str>) -> Vec<WaiverView> {
    report
        .waivers
        .iter()
        .map(|s: &WaiverStatus| {
            let w = &s.waiver;
            let matching: Vec<WaivedFinding> = report
                .findings
                .iter()
                .filter(|f| f.rule == w.rule && f.target == w.target)
                .map(|f| WaivedFinding {
                    severity: f.severity.name().to_string(),
                    citation: f.citation.clone(),
                    message: spans(&f.message),
                    location: format!("{}:{}", f.file, f.line),
                })
                .collect();
            let unused = |hint: Option<&str>| match hint {
                Some(hint) => format!("no such declaration{hint}"),
                None => "matches no finding".to_string(),
            };
            let (state, status) = match (&s.expiry, &s.coverage) {
                (Expiry::Unreadable, _) => {
                    ("expired", "expiry date unreadable: not applied".to_string())
                }
                (Expiry::Expired { days_ago: 1 }, _) => {
                    ("expired", "expired yesterday: not applied".to_string())
                }
                (Expiry::Expired { days_ago }, _) => (
                    "expired",
                    format!("expired {days_ago} days ago: not applied"),
                ),
                (_, Coverage::RuleDisabled) => (
                    "unused",
                    "the rule is disabled in the config: covers nothing".to_string(),
                ),
                (_, Coverage::NotRun { undeclared }) => ("unused", unused(undeclared.as_deref())),
                (_, Coverage::NoSuchDeclaration(hint)) => ("unused", unused(Some(hint))),
                (_, Coverage::NeverApplies(_) | Coverage::NoFinding) => ("unused", unused(None)),
                (Expiry::InForce { days_left: 0 }, Coverage::Findings(_)) => {
                    ("expiring", "expires today".to_string())
                }
                (Expiry::InForce { days_left: d }, Coverage::Findings(_))
                    if *d <= EXPIRY_WARNING_DAYS =>
                {
                    (
                        "expiring",
                        format!("expires in {d} day{}", crate::text::plural(*d)),
                    )
                }
                (Expiry::InForce { days_left: d }, Coverage::Findings(_)) => {
                    ("active", format!("active, {d} days left"))
                }
            };
            WaiverView {
                title: rule_title(titles, &w.rule),
                rule: w.rule.clone(),
                target: w.target.clone(),
                reason: w.reason.clone(),
                approved_by: w.approved_by.clone(),
                expires: w.expires.clone(),
                state,
                status,
                findings: matching,
            }
        })
        .collect()
}

// ---------------------------------------------------------------------------
// Record of processing

#[derive(Serialize)]
struct RopaView {
    organization: Option<String>,
    /// (label, text) of the controller's contact details.
    contacts: Vec<(&'static str, String)>,
    owners: Vec<ropa::SystemOwner>,
    owners_folded: Vec<ropa::SystemOwner>,
    owners_omitted: usize,
    owners_total: usize,
    total: usize,
    cards: Vec<ActivityCard>,
    rows: Vec<ActivityRow>,
    omitted: usize,
}

#[derive(Serialize)]
struct ActivityCard {
    id: String,
    title: String,
    fields: Vec<Field>,
    notice: Option<String>,
    notice_href: Option<String>,
    missing: Vec<String>,
}

#[derive(Serialize)]
struct Field {
    label: &'static str,
    items: Vec<String>,
    /// Data categories, described: shown instead of `items`.
    categories: Vec<CategoryView>,
    /// Something this field needs is undeclared: shown in red.
    missing: bool,
}

/// Whether the activity's `missing` names something shown under `label`.
fn field_missing(a: &ropa::Activity, label: &str) -> bool {
    let names: &[&str] = match label {
        "Description" => &["description"],
        "System" | "Owner" => &["owner"],
        "Lawful basis" => &["lawful_basis", "special_category_condition", "consent"],
        "Data subjects" => &["data_subjects"],
        "Data categories" => &["data_categories"],
        "Third-country transfers" => &["transfer_mechanism", "transfer_country"],
        "Retention" => &["retention"],
        "Security measures" => &["security"],
        _ => &[],
    };
    a.missing.iter().any(|m| names.contains(&m.as_str()))
}

#[derive(Serialize)]
struct ActivityRow {
    title: String,
    lawful_basis: String,
    subjects: String,
    recipients: usize,
    transfers: usize,
    missing: String,
}

/// Only absolute http(s) URLs become links; anything else (a `javascript:`
/// URL, a relative path) is shown as text.
pub fn safe_href(url: &str) -> Option<String> {
    let lower = url.trim().to_ascii_lowercase();
    let ok = (lower.starts_with("https://") || lower.starts_with("http://"))
        && !url
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || c == '"' || c == '<' || c == '>');
    ok.then(|| url.trim().to_string())
}

/// A data category as people read it: the taxonomy's description first,
/// the key beside it.
#[derive(Serialize)]
struct CategoryView {
    key: String,
    /// The description, without its full stop; empty when the taxonomy
    /// (or the config's custom category) has none.
    description: String,
    special: bool,
}

fn category_views(
    keys: &[String],
    special: &[String],
    tax: &crate::taxonomy::Taxonomy,
) -> Vec<CategoryView> {
    keys.iter()
        .map(|k| CategoryView {
            key: k.clone(),
            description: tax
                .categories
                .get(k)
                .map(|c| c.description.trim().trim_end_matches('.').to_string())
                .unwrap_or_default(),
            special: special.contains(k),
        })
        .collect()
}

fn ropa_view(r: &Ropa, tax: &crate::taxonomy::Taxonomy) -> RopaView {
    let total = r.activities.len();
    let cards = r
        .activities
        .iter()
        .take(MAX_ROPA_CARDS)
        .map(|a| {
            let fields = ropa::field_lists(a)
                .into_iter()
                .filter(|(label, _)| !matches!(*label, "Purpose" | "Privacy notice" | "Missing"))
                .map(|(label, items)| Field {
                    categories: if label == "Data categories" {
                        category_views(&a.data_categories, &a.special_categories, tax)
                    } else {
                        Vec::new()
                    },
                    missing: field_missing(a, label),
                    label,
                    items,
                })
                .collect();
            ActivityCard {
                id: a.purpose.clone(),
                title: ropa::purpose_text(a),
                fields,
                notice_href: a.notice.as_deref().and_then(safe_href),
                notice: a.notice.clone(),
                missing: a.missing.clone(),
            }
        })
        .collect();
    let rows = r
        .activities
        .iter()
        .skip(MAX_ROPA_CARDS)
        .take(MAX_ROPA_ROWS.saturating_sub(MAX_ROPA_CARDS))
        .map(|a| ActivityRow {
            title: ropa::purpose_text(a),
            lawful_basis: a
                .lawful_basis
                .clone()
                .unwrap_or_else(|| ropa::MISSING.into()),
            subjects: if a.data_subjects.is_empty() {
                ropa::MISSING.into()
            } else {
                a.data_subjects.join(", ")
            },
            recipients: a.recipients.len(),
            transfers: a.transfers.len(),
            missing: if a.missing.is_empty() {
                "nothing".into()
            } else {
                a.missing.join(", ")
            },
        })
        .collect();
    RopaView {
        organization: r.controller.organization.clone(),
        contacts: ropa::controller_contacts(&r.controller).to_vec(),
        owners: r
            .controller
            .system_owners
            .iter()
            .take(OWNERS_OPEN)
            .cloned()
            .collect(),
        owners_folded: r
            .controller
            .system_owners
            .iter()
            .skip(OWNERS_OPEN)
            .take(MAX_ROPA_ROWS.saturating_sub(OWNERS_OPEN))
            .cloned()
            .collect(),
        owners_omitted: r
            .controller
            .system_owners
            .len()
            .saturating_sub(MAX_ROPA_ROWS),
        owners_total: r.controller.system_owners.len(),
        total,
        cards,
        rows,
        omitted: total.saturating_sub(MAX_ROPA_ROWS),
    }
}

// ---------------------------------------------------------------------------
// Data map

#[derive(Serialize)]
struct MapView {
    svg: Option<Value>,
    note: Option<String>,
    nodes: usize,
    groups: Vec<GroupView>,
    flows: Vec<FlowRow>,
    flows_total: usize,
    leaving: usize,
    flagged: usize,
}

#[derive(Serialize)]
struct GroupView {
    label: String,
    eea: Option<bool>,
    count: usize,
}

#[derive(Serialize)]
struct FlowRow {
    flow: String,
    from: String,
    to: String,
    categories: Vec<CategoryView>,
    country: String,
    mechanism: String,
    leaves_eea: bool,
    findings: Vec<String>,
}

fn map_view(input: &Input) -> MapView {
    let g = input.map;
    let title = |key: &str| {
        g.nodes
            .iter()
            .find(|n| n.key == key)
            .map(|n| n.title().to_string())
            .unwrap_or_else(|| key.to_string())
    };
    let titles: BTreeMap<&str, String> = g
        .nodes
        .iter()
        .map(|n| (n.key.as_str(), n.title().to_string()))
        .collect();
    let name = |key: &str| titles.get(key).cloned().unwrap_or_else(|| title(key));
    let (svg, note) = match &input.map_svg {
        Ok(svg) => (
            Some(Value::from_safe_string(
                crate::render::map::svg_fragment(svg).to_string(),
            )),
            None,
        ),
        Err(why) => (None, Some(why.clone())),
    };
    MapView {
        svg,
        note,
        nodes: g.nodes.len(),
        groups: g
            .groups
            .iter()
            .map(|x| GroupView {
                label: x.label.clone(),
                eea: x.eea,
                count: x.nodes.len(),
            })
            .collect(),
        flows: g
            .edges
            .iter()
            .take(MAX_FLOW_ROWS)
            .map(|e| FlowRow {
                flow: e.flow.clone(),
                from: name(&e.from),
                to: name(&e.to),
                categories: category_views(&e.categories, &[], &input.model.taxonomy),
                country: e.country.clone().unwrap_or_else(|| "not declared".into()),
                mechanism: match (&e.mechanism, e.leaves_eea) {
                    (Some(m), _) => m.clone(),
                    (None, true) => ropa::MISSING.into(),
                    (None, false) => String::new(),
                },
                leaves_eea: e.leaves_eea,
                findings: e.findings.clone(),
            })
            .collect(),
        flows_total: g.edges.len(),
        leaving: g.edges.iter().filter(|e| e.leaves_eea).count(),
        flagged: g.edges.iter().filter(|e| !e.findings.is_empty()).count(),
    }
}

// ---------------------------------------------------------------------------
// Trend

#[derive(Serialize)]
struct TrendView {
    note: Option<String>,
    chart: Option<trend::Chart>,
    commits: Vec<trend::Point>,
    invalid: usize,
}

fn trend_view(t: &Result<&Trend, String>) -> TrendView {
    match t {
        Ok(t) if !t.commits.is_empty() => TrendView {
            note: None,
            chart: Some(trend::chart(t)),
            commits: t.commits.iter().rev().cloned().collect(),
            invalid: t.commits.iter().filter(|p| !p.is_ok()).count(),
        },
        Ok(_) => TrendView {
            note: Some("The repository has no commits yet.".into()),
            chart: None,
            commits: Vec::new(),
            invalid: 0,
        },
        Err(why) => TrendView {
            note: Some(why.clone()),
            chart: None,
            commits: Vec::new(),
            invalid: 0,
        },
    }
}

// ---------------------------------------------------------------------------
// Content-Security-Policy: no network, styles inline, the one script by hash.

/// The CSP source of `script`: its SHA-256, base64-encoded.
fn script_hash(script: &str) -> String {
    use base64::Engine;
    use sha2::Digest;
    base64::engine::general_purpose::STANDARD.encode(sha2::Sha256::digest(script.as_bytes()))
}

fn csp() -> String {
    format!(
        "default-src 'none'; style-src 'unsafe-inline'; img-src data:; script-src 'sha256-{}'; base-uri 'none'; form-action 'none'",
        script_hash(SCRIPT)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_script_hash_is_the_base64_sha256_browsers_compute() {
        // Known answers: SHA-256 of "abc" (FIPS 180-4, B.1) and of "".
        assert_eq!(
            script_hash("abc"),
            "ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0="
        );
        assert_eq!(
            script_hash(""),
            "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="
        );
    }

    #[test]
    fn only_web_urls_become_links() {
        assert!(safe_href("https://acme.example/privacy#x").is_some());
        assert!(safe_href("javascript:alert(1)").is_none());
        assert!(safe_href(" JavaScript:alert(1)").is_none());
        assert!(safe_href("data:text/html,<script>").is_none());
        assert!(safe_href("link:/do-not-sell").is_none());
        assert!(safe_href("https://x.example/\"onmouseover=alert(1)").is_none());
    }
}
