//! The report of a check, exactly the JSON of cli.md. Every renderer (human,
//! JSON, SARIF, JUnit, Markdown, HTML) reads this one value. It also owns
//! what the outputs say about it: the KPI definitions (`policies/kpis.yaml`)
//! and each waiver's status (`WaiverStatus`, judged once by
//! `evaluate::waivers`, not part of the JSON).

use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

pub const REPORT_VERSION: u32 = 1;

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Report {
    pub version: u32,
    pub tool: Tool,
    pub root: String,
    pub regulations: Vec<String>,
    pub score: Score,
    #[serde(serialize_with = "kpis_as_written")]
    pub kpis: BTreeMap<String, Option<f64>>,
    pub findings: Vec<Finding>,
    pub summary: Summary,
    pub gate: Gate,
    pub warnings: Vec<String>,
    pub changes: Option<Changes>,
    /// Every waiver of the config and how it stands, for the outputs that
    /// show waivers; not part of the JSON.
    #[serde(skip)]
    pub waivers: Vec<WaiverStatus>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Tool {
    pub name: String,
    pub version: String,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Score {
    pub overall: f64,
    /// The grade of `overall`, capped by the worst unwaived finding.
    pub grade: String,
    /// Set only when the cap lowered the grade.
    pub grade_cap: Option<GradeCap>,
    pub by_regulation: BTreeMap<String, f64>,
}

impl Score {
    /// The grade as the readable outputs show it: `A`, or `D, capped by 1
    /// critical finding`.
    pub fn grade_shown(&self) -> String {
        shown(&self.grade, self.grade_cap.as_ref())
    }
}

/// The grade `overall` earned, lowered because unlawful processing is
/// likely (cli.md "Score"): `{ "grade": "D", "reason": "2 critical findings" }`.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct GradeCap {
    pub grade: String,
    pub reason: String,
}

/// `grade`, and why it is capped when it is.
pub fn shown(grade: &str, cap: Option<&GradeCap>) -> String {
    match cap {
        Some(c) => format!("{grade}, capped by {}", c.reason),
        None => grade.to_string(),
    }
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Waiver {
    pub reason: String,
    pub approved_by: String,
    pub expires: String,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Finding {
    pub rule: String,
    pub regulation: String,
    pub severity: crate::severity::Severity,
    pub citation: String,
    pub message: String,
    pub remediation: String,
    pub target: String,
    pub file: String,
    pub line: usize,
    pub column: usize,
    pub waived: bool,
    pub waiver: Option<Waiver>,
}

impl Finding {
    /// How a finding is recognised across commits: rule and target, never
    /// the line.
    pub fn identity(&self) -> (&str, &str) {
        (&self.rule, &self.target)
    }
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Summary {
    pub manifests: usize,
    pub declarations: usize,
    pub checks: usize,
    /// Findings not covered by a waiver.
    pub findings: usize,
    pub waived: usize,
    pub by_severity: BTreeMap<String, usize>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Gate {
    pub passed: bool,
    /// Written as it is given (`80`, `82.5`), as cli.md shows it.
    #[serde(serialize_with = "whole_as_integer")]
    pub min_score: Option<f64>,
    pub fail_on: crate::severity::FailOn,
    pub reasons: Vec<String>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Changes {
    pub base: String,
    /// The commit `base` named when it was checked, for the readable
    /// outputs (`origin/main` moves; the id says which one was compared).
    #[serde(skip)]
    pub base_commit: Option<String>,
    /// False when the base did not validate: then `base_score` is 0, the
    /// delta is not a comparison, and every finding counts as new. The
    /// readable outputs say so instead of showing the delta; JSON keeps
    /// cli.md's shape and carries the reason in `warnings`.
    #[serde(skip)]
    pub base_checked: bool,
    pub base_score: f64,
    pub score_delta: f64,
    pub new: Vec<Finding>,
    pub fixed: Vec<Finding>,
}

impl Changes {
    /// The base's commit, shortened, unless `base` already names it.
    pub fn base_commit_short(&self) -> Option<&str> {
        let c = self.base_commit.as_deref()?;
        let short = &c[..c.len().min(10)];
        (!short.starts_with(&self.base) && !self.base.starts_with(short)).then_some(short)
    }

    /// The base as people read it: `origin/main at 1a2b3c4d5e`.
    pub fn base_shown(&self) -> String {
        match self.base_commit_short() {
            Some(short) => format!("{} at {short}", self.base),
            None => self.base.clone(),
        }
    }
}

/// The order of cli.md: by file, line, rule (then target and column, so
/// it is total).
pub fn sort_findings(findings: &mut [Finding]) {
    findings.sort_by(|a, b| {
        (&a.file, a.line, &a.rule, &a.target, a.column)
            .cmp(&(&b.file, b.line, &b.rule, &b.target, b.column))
    });
}

/// One decimal, as cli.md asks.
pub fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

pub fn grade(score: f64) -> &'static str {
    match score {
        s if s >= 90.0 => "A",
        s if s >= 80.0 => "B",
        s if s >= 70.0 => "C",
        s if s >= 60.0 => "D",
        _ => "F",
    }
}

/// KPIs as cli.md writes them: a ratio always as a fraction (`1.0`), an
/// amount (`dsar_sla_days`, a `value` KPI of policies/kpis.yaml) a whole
/// number as one (`30`), so that consumers typed for an integer read it.
pub struct KpisAsWritten<'a>(pub &'a BTreeMap<String, Option<f64>>);

impl Serialize for KpisAsWritten<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        struct Whole(Option<f64>);
        impl Serialize for Whole {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                whole_as_integer(&self.0, s)
            }
        }
        let amounts = amount_kpis();
        let mut map = s.serialize_map(Some(self.0.len()))?;
        for (id, value) in self.0 {
            if amounts.contains(id) {
                map.serialize_entry(id, &Whole(*value))?;
            } else {
                map.serialize_entry(id, value)?;
            }
        }
        map.end()
    }
}

fn kpis_as_written<S: serde::Serializer>(
    kpis: &BTreeMap<String, Option<f64>>,
    s: S,
) -> Result<S::Ok, S::Error> {
    KpisAsWritten(kpis).serialize(s)
}

/// `80.0` as `80`: a whole number written as one, so that consumers typed
/// for an integer read it; anything else as it is.
fn whole_as_integer<S: serde::Serializer>(v: &Option<f64>, s: S) -> Result<S::Ok, S::Error> {
    match v {
        Some(x) if x.fract() == 0.0 && x.abs() < 1e15 => s.serialize_i64(*x as i64),
        Some(x) => s.serialize_f64(*x),
        None => s.serialize_none(),
    }
}

/// `policies/kpis.yaml`: what each KPI measures and how.
pub const KPIS: &str = include_str!("../policies/kpis.yaml");

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KpiFile {
    #[allow(dead_code)]
    version: u32,
    pub kpis: Vec<KpiEntry>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KpiEntry {
    pub id: String,
    pub title: String,
    pub description: String,
    /// The KPI is null unless this regulation is enabled.
    pub regulation: Option<String>,
    pub target: Option<String>,
    pub counts: Option<String>,
    pub passes: Option<String>,
    /// More kinds counted into the same ratio (flows and datasets).
    #[serde(default)]
    pub also: Vec<KpiPart>,
    /// Counts the declarations of `target` that an enabled rule of these
    /// checks; they pass when no such check is violated (and `passes`, if
    /// given, holds).
    #[serde(default)]
    pub rules: Vec<String>,
    pub value: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KpiPart {
    pub target: String,
    pub counts: String,
    pub passes: String,
}

/// The KPI definitions of `policies/kpis.yaml` (titles and descriptions
/// for reports).
pub fn kpi_definitions() -> Vec<KpiEntry> {
    serde_yaml::from_str::<KpiFile>(KPIS)
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

/// Waivers this close to expiry are announced (`check` warns, the HTML
/// report highlights them): a finding that comes back on the day the waiver
/// lapses would fail a release gate without notice.
pub const EXPIRY_WARNING_DAYS: i64 = 30;

/// Where a waiver stands on the run date.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Expiry {
    /// `expires` is not a date: the waiver is never applied.
    Unreadable,
    /// Lapsed `days_ago` days before the run date (1: yesterday).
    Expired { days_ago: i64 },
    /// In force for `days_left` more days (0: it expires today).
    InForce { days_left: i64 },
}

/// What a waiver covers in this run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Coverage {
    /// These violated checks (indices into the run's results).
    Findings(Vec<usize>),
    /// Its rule is turned off in the config: nothing to cover.
    RuleDisabled,
    /// Its rule is not checked in this run (another `--regulation`); the
    /// "did you mean" when the target names no declaration either.
    NotRun { undeclared: Option<String> },
    /// The target names no declaration; the "did you mean" to append.
    NoSuchDeclaration(String),
    /// The rule never checks the target's kind; what it does check.
    NeverApplies(String),
    /// The rule checked the target and found nothing (fixed?).
    NoFinding,
}

/// One waiver of the config and how it stands in this run, judged once
/// (`check`'s warnings, the gate and the HTML report all read it).
#[derive(Debug, Clone, PartialEq)]
pub struct WaiverStatus {
    /// Its index in the config's `waivers:`.
    pub index: usize,
    pub waiver: crate::manifest::Waiver,
    pub expiry: Expiry,
    pub coverage: Coverage,
}

impl WaiverStatus {
    /// Whether it covers findings: it matches some and is in force.
    pub fn applies(&self) -> bool {
        matches!(self.coverage, Coverage::Findings(_))
            && matches!(self.expiry, Expiry::InForce { .. })
    }

    /// Days left, when it is in force and within `EXPIRY_WARNING_DAYS`.
    pub fn expiring(&self) -> Option<i64> {
        match self.expiry {
            Expiry::InForce { days_left } if days_left <= EXPIRY_WARNING_DAYS => Some(days_left),
            _ => None,
        }
    }
}
