//! JSON outputs, each a `Serialize` type in the shape cli.md documents:
//! the check report (`Report` itself), `score`, `validate` and `rules`.
//! Printed pretty, with a final newline.

use crate::diagnostic::{locate_all, Level};
use crate::evaluate::catalog::Listed;
use crate::load::Workspace;
use crate::report::{Gate, KpisAsWritten, Report, Score};
use serde::Serialize;

/// `value` as pretty JSON and a newline.
fn pretty(value: &impl Serialize) -> String {
    let mut s = serde_json::to_string_pretty(value).unwrap_or_default();
    s.push('\n');
    s
}

/// `check --format json`: the report, version 1.
pub fn report(report: &Report) -> String {
    pretty(report)
}

/// `privgate score --format json`.
#[derive(Serialize)]
struct ScoreOutput<'a> {
    score: &'a Score,
    kpis: KpisAsWritten<'a>,
    gate: &'a Gate,
    warnings: &'a [String],
}

pub fn score(report: &Report) -> String {
    pretty(&ScoreOutput {
        score: &report.score,
        kpis: KpisAsWritten(&report.kpis),
        gate: &report.gate,
        warnings: &report.warnings,
    })
}

/// `privgate validate --format json`.
#[derive(Serialize)]
struct ValidateOutput {
    valid: bool,
    manifests: usize,
    declarations: usize,
    errors: usize,
    diagnostics: Vec<LocatedOutput>,
}

/// A diagnostic with its file, line and column, for CI that annotates files.
#[derive(Serialize)]
struct LocatedOutput {
    level: &'static str,
    code: String,
    message: String,
    file: Option<String>,
    line: Option<usize>,
    column: Option<usize>,
    help: Option<String>,
}

pub fn validate(ws: &Workspace) -> String {
    let errors = ws.diagnostics.iter().filter(|d| d.is_error()).count();
    let diagnostics = locate_all(&ws.sources, &ws.diagnostics)
        .into_iter()
        .map(|d| {
            let p = d.position;
            LocatedOutput {
                level: if d.level == Level::Error {
                    "error"
                } else {
                    "warning"
                },
                code: d.code,
                message: d.message,
                line: p.as_ref().map(|p| p.line),
                column: p.as_ref().map(|p| p.column),
                file: p.map(|p| p.file),
                help: d.help,
            }
        })
        .collect();
    pretty(&ValidateOutput {
        valid: errors == 0,
        manifests: ws.model.as_ref().map_or(0, |m| m.manifests.len()),
        declarations: ws.model.as_ref().map_or(0, |m| m.declaration_count()),
        errors,
        diagnostics,
    })
}

/// One line of `privgate rules --format json`.
#[derive(Serialize)]
struct RuleLine<'a> {
    id: &'a str,
    regulation: &'a str,
    severity: &'static str,
    citation: &'a str,
    title: &'a str,
    status: &'a str,
    targets: Vec<&'static str>,
    enabled: bool,
}

pub fn rules(rules: &[Listed]) -> String {
    let lines: Vec<RuleLine> = rules
        .iter()
        .map(|l| {
            let r = &l.rule;
            RuleLine {
                id: &r.id,
                regulation: &r.regulation,
                severity: r.severity.name(),
                citation: &r.citation,
                title: &r.title,
                status: r.status.name(),
                targets: r.checks.iter().map(|c| c.target.name()).collect(),
                enabled: l.enabled,
            }
        })
        .collect();
    pretty(&lines)
}

/// `privgate rules explain ID --format json`: one rule in full.
#[derive(Serialize)]
struct RuleExplained<'a> {
    id: &'a str,
    regulation: &'a str,
    pack: &'a str,
    citation: &'a str,
    severity: &'static str,
    pack_severity: &'static str,
    enabled: bool,
    status: &'a str,
    title: &'a str,
    rationale: &'a str,
    remediation: &'a str,
    example: &'a str,
    references: &'a [String],
    targets: Vec<&'static str>,
    applies_from: Option<String>,
    file: &'a str,
}

pub fn explain(l: &Listed) -> String {
    let r = &l.rule;
    pretty(&RuleExplained {
        id: &r.id,
        regulation: &r.regulation,
        pack: &r.pack,
        citation: &r.citation,
        severity: r.severity.name(),
        pack_severity: l.pack_severity.unwrap_or(r.severity.name()),
        enabled: l.enabled,
        status: r.status.name(),
        title: &r.title,
        rationale: &r.rationale,
        remediation: &r.remediation,
        example: &r.example,
        references: &r.references,
        targets: r.checks.iter().map(|c| c.target.name()).collect(),
        applies_from: r.applies_from.map(|d| d.to_string()),
        file: &r.file,
    })
}
