//! Markdown for a pull-request comment or `$GITHUB_STEP_SUMMARY`: the verdict
//! and score first, then the report's warnings, then (in pull-request mode)
//! what this change made worse and better, the KPIs, and every finding in a
//! collapsed table. A run that could not check is a list of its errors.

use super::Lapsed;
use crate::diagnostic::Located;
use crate::report::{Finding, Report};
use std::fmt::Write as _;

/// Table cells: no pipes or newlines; backticks kept (code spans are safe).
fn cell(s: &str) -> String {
    s.replace('|', "\\|").replace(['\n', '\r'], " ")
}

/// Free text (messages, gate reasons, warnings, which organisation packs and
/// waivers supply) as a cell: see `inline`.
fn text(s: &str) -> String {
    cell(&inline(s))
}

/// Free text on one line outside a table (a list item): outside code spans,
/// `&`, `<` and `>` become entities so the text cannot open or close HTML
/// (`</details>`) or vanish as an unknown tag, and `[`, `]` are escaped so it
/// cannot make a link or an image. Code spans are kept as written: there, a
/// backslash before `|` would show.
fn inline(s: &str) -> String {
    let balanced = s.matches('`').count() % 2 == 0;
    let mut out = String::with_capacity(s.len());
    let mut in_code = false;
    for c in s.chars() {
        match c {
            '`' if balanced => {
                in_code = !in_code;
                out.push(c);
            }
            '&' if !in_code => out.push_str("&amp;"),
            '<' if !in_code => out.push_str("&lt;"),
            '>' if !in_code => out.push_str("&gt;"),
            // Nor make a link or an image (a tracking pixel in a pull
            // request's summary) out of a manifest's text.
            '[' | ']' if !in_code => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out.replace(['\n', '\r'], " ")
}

fn kpi_value(name: &str, v: Option<f64>) -> String {
    match v {
        None => "n/a".into(),
        Some(v) if name.ends_with("_days") => format!("{v} days"),
        Some(v) => format!("{:.0}%", v * 100.0),
    }
}

/// Open findings before waived ones, the most severe first, then in report
/// order (file, line, rule): what a reviewer must act on leads the pull
/// request's table.
fn by_severity(findings: &[Finding]) -> Vec<&Finding> {
    let rank = |f: &Finding| (f.waived, std::cmp::Reverse(f.severity));
    let mut sorted: Vec<&Finding> = findings.iter().collect();
    sorted.sort_by_key(|f| rank(f));
    sorted
}

fn table(out: &mut String, findings: &[&Finding], lapsed: &Lapsed) {
    out.push_str(
        "| severity | rule | target | where | message |\n| --- | --- | --- | --- | --- |\n",
    );
    for f in findings {
        let _ = writeln!(
            out,
            "| {}{} | `{}` | `{}` | `{}:{}` | {} |",
            f.severity.name(),
            waiver_note(f, lapsed),
            f.rule,
            cell(&f.target),
            cell(&f.file),
            f.line,
            text(&f.message)
        );
    }
}

/// " (waived by X until DATE)" for a waived finding: who accepted it and
/// for how long, next to its severity; " (waiver by X expired on DATE)" for
/// one whose waiver no longer applies.
fn waiver_note(f: &Finding, lapsed: &Lapsed) -> String {
    match &f.waiver {
        Some(w) if f.waived => format!(
            " (waived by {} until {})",
            text(&w.approved_by),
            text(&w.expires)
        ),
        _ if f.waived => " (waived)".to_string(),
        _ => lapsed
            .note(f)
            .map_or(String::new(), |n| format!(" ({})", text(&n))),
    }
}

/// "`origin/main` at 1a2b3c4d5e": the revision as given, and the commit it
/// named when checked.
fn base(c: &crate::report::Changes) -> String {
    match c.base_commit_short() {
        Some(short) => format!("`{}` at {short}", cell(&c.base)),
        None => format!("`{}`", cell(&c.base)),
    }
}

/// The summary; on a finding whose waiver expired, it says so.
pub fn render(report: &Report) -> String {
    let lapsed = Lapsed::new(report);
    let mut out = String::new();
    let verdict = if report.gate.passed {
        "passed"
    } else {
        "failed"
    };
    let mark = if report.gate.passed { "✅" } else { "❌" };
    // Scores and deltas with one decimal, as in JSON and human output.
    let _ = writeln!(
        out,
        "## {mark} Privacy score {:.1} ({}): gate {verdict}\n",
        report.score.overall,
        report.score.grade_shown()
    );
    if let Some(c) = report.changes.as_ref().filter(|c| !c.base_checked) {
        let _ = writeln!(
            out,
            "Score {:.1}; no delta: the base {} could not be checked, so every finding counts as new. {} new.\n",
            report.score.overall,
            base(c),
            c.new.len()
        );
    } else if let Some(c) = &report.changes {
        let arrow = if c.score_delta < 0.0 {
            "▼"
        } else if c.score_delta > 0.0 {
            "▲"
        } else {
            "="
        };
        let _ = writeln!(
            out,
            "Score {:.1} {arrow} {:+.1} against {} ({:.1}). {} new, {} fixed.\n",
            report.score.overall,
            c.score_delta,
            base(c),
            c.base_score,
            c.new.len(),
            c.fixed.len()
        );
    }
    // Before anything they may qualify: a base that did not validate makes
    // the delta above and every "new" finding below misleading.
    warnings(&mut out, &report.warnings);
    if !report.gate.reasons.is_empty() {
        let _ = writeln!(out, "**Gate:** {}\n", text(&report.gate.reasons.join("; ")));
    }
    let regs: Vec<String> = report
        .score
        .by_regulation
        .iter()
        .map(|(k, v)| format!("{k} {v:.1}"))
        .collect();
    let _ = writeln!(out, "By regulation: {}\n", regs.join(", "));
    if let Some(c) = &report.changes {
        if !c.new.is_empty() {
            let _ = writeln!(out, "### New findings ({})\n", c.new.len());
            table(&mut out, &by_severity(&c.new), &lapsed);
            out.push('\n');
        }
        if !c.fixed.is_empty() {
            let _ = writeln!(out, "### Fixed ({})\n", c.fixed.len());
            table(&mut out, &c.fixed.iter().collect::<Vec<_>>(), &lapsed);
            out.push('\n');
        }
    }
    out.push_str("| KPI | value |\n| --- | --- |\n");
    for (k, v) in &report.kpis {
        let _ = writeln!(out, "| {} | {} |", k.replace('_', " "), kpi_value(k, *v));
    }
    out.push('\n');
    let s = &report.summary;
    if report.findings.is_empty() {
        let _ = writeln!(
            out,
            "No findings: every one of the {} checks passed.",
            s.checks
        );
        return out;
    }
    let _ = writeln!(
        out,
        "<details><summary>All findings: {} ({} critical, {} high, {} medium, {} low; {} waived)</summary>\n",
        s.findings,
        s.by_severity.get("critical").unwrap_or(&0),
        s.by_severity.get("high").unwrap_or(&0),
        s.by_severity.get("medium").unwrap_or(&0),
        s.by_severity.get("low").unwrap_or(&0),
        s.waived
    );
    let mut all: Vec<&Finding> = report.findings.iter().collect();
    all.sort_by_key(|f| (f.waived, std::cmp::Reverse(f.severity)));
    table(&mut out, &all, &lapsed);
    out.push_str("\n</details>\n");
    out
}

/// The report's warnings as a quoted list, set apart from the text around
/// it; nothing when there are none.
fn warnings(out: &mut String, warnings: &[String]) {
    if warnings.is_empty() {
        return;
    }
    out.push_str("> ⚠️ **Warnings**\n>\n");
    for w in warnings {
        let _ = writeln!(out, "> - {}", text(w));
    }
    out.push('\n');
}

/// A run that could not check (exit 2): a heading a pull-request reader
/// cannot mistake for a verdict, then every error with `file:line:col`.
pub fn render_failure(errors: &[Located]) -> String {
    let n = errors.len();
    let mut out = String::new();
    let _ = writeln!(
        out,
        "## ⛔ privgate could not check: {n} error{}\n",
        crate::text::plural(n)
    );
    out.push_str(
        "No score and no gate verdict: no rule was checked. Fix these and run again (`privgate validate` lists them too).\n\n",
    );
    for e in errors {
        // A list, not a table: a pipe in a path or message needs no escape.
        let place = match &e.position {
            Some(p) => format!("`{}` ", p.to_string().replace(['\n', '\r'], " ")),
            None => String::new(),
        };
        let help = match &e.help {
            Some(h) => format!(" ({})", inline(h)),
            None => String::new(),
        };
        let _ = writeln!(out, "- {place}`{}`: {}{help}", e.code, inline(&e.message));
    }
    out
}
