//! `privgate check` and `privgate score`.

use super::{emit, print_stdout, write_output, EXIT_ERROR, EXIT_FAIL, EXIT_OK};
use crate::cli::{CheckArgs, Format};
use privgate::check::{self, Checked, GateFlags};
use privgate::diagnostic::{Diagnostic, Level, Place};
use privgate::load::{LoadOptions, Workspace};
use privgate::render::human::{self, Style};
use privgate::report::Report;
use privgate::span::Locator;
use privgate::tree::WorkTree;

/// Loads, checks and returns the result, or the exit code after printing
/// why it could not check.
pub fn produce(args: &CheckArgs) -> Result<Checked, u8> {
    let today = privgate::time::today(args.today.as_deref()).map_err(|e| {
        eprintln!("error: {e}");
        EXIT_ERROR
    })?;
    let options = LoadOptions {
        config_path: args.common.config.clone(),
        regulations: args.regulations.clone(),
    };
    let gate = GateFlags {
        min_score: args.min_score,
        fail_on: args.fail_on.clone(),
    };
    let tree = WorkTree::open(&args.common.path).map_err(|d| {
        super::emit_alone(d, args.common.no_color);
        EXIT_ERROR
    })?;
    check::check_tree(&tree, &options, today, gate).map_err(|(ws, diags)| {
        emit(&ws, &diags, args.common.no_color);
        summarize_errors(&diags);
        EXIT_ERROR
    })
}

fn summarize_errors(diags: &[Diagnostic]) {
    let n = diags.iter().filter(|d| d.is_error()).count();
    eprintln!("could not check: {n} error{} found", if n == 1 { "" } else { "s" });
}

pub fn check(args: &CheckArgs) -> u8 {
    let checked = match produce(args) {
        Ok(v) => v,
        Err(code) => return code,
    };
    let (ws, report) = (&checked.workspace, &checked.report);
    let text = match args.format {
        Format::Json => Some(json(report)),
        Format::Human => None,
    };
    for w in &report.warnings {
        eprintln!("warning: {w}");
    }
    let written = match text {
        Some(t) => deliver(args, &t),
        None => {
            print_human(ws, report, args.common.no_color, args.common.quiet);
            EXIT_OK
        }
    };
    if written != EXIT_OK {
        return written;
    }
    if report.gate.passed {
        EXIT_OK
    } else {
        EXIT_FAIL
    }
}

/// Writes the rendered report to `-o FILE` or stdout.
pub fn deliver(args: &CheckArgs, text: &str) -> u8 {
    match &args.output {
        Some(path) => write_output(path, text),
        None => print_stdout(text),
    }
}

pub fn json(report: &Report) -> String {
    let mut s = serde_json::to_string_pretty(report).unwrap_or_default();
    s.push('\n');
    s
}

fn print_human(ws: &Workspace, report: &Report, no_color: bool, quiet: bool) {
    let diags: Vec<Diagnostic> = report
        .findings
        .iter()
        .map(|f| {
            let level = if f.waived {
                Level::Note
            } else if matches!(f.severity.as_str(), "critical" | "high") {
                Level::Error
            } else {
                Level::Warning
            };
            let mut help = format!("{} ({})", f.remediation, f.citation);
            if let Some(w) = &f.waiver {
                help = format!("waived until {} by {}: {}", w.expires, w.approved_by, w.reason);
            }
            Diagnostic {
                level,
                ..Diagnostic::error(f.rule.clone(), format!("[{}] {}", f.severity, f.message))
            }
            .at(
                &f.file,
                Place::LineCol {
                    line: f.line,
                    column: f.column,
                },
            )
            .label(f.target.clone())
            .help(help)
        })
        .collect();
    let mut locator = Locator::new(&ws.sources);
    let text = human::render(&diags, &mut locator, Style::detect(no_color));
    if !quiet || !report.gate.passed {
        eprint!("{text}");
    }
    eprintln!("{}", summary_line(report));
}

pub fn summary_line(report: &Report) -> String {
    let regs: Vec<String> = report.score.by_regulation.iter().map(|(k, v)| format!("{k} {v}")).collect();
    let s = &report.summary;
    let verdict = if report.gate.passed {
        "gate passed".to_string()
    } else {
        format!("gate FAILED: {}", report.gate.reasons.join(", "))
    };
    format!(
        "score {} ({}) [{}] - {} findings ({} critical, {} high, {} medium, {} low), {} waived, {} checks on {} declarations in {} manifests - {verdict}",
        report.score.overall,
        report.score.grade,
        regs.join(", "),
        s.findings,
        s.by_severity.get("critical").unwrap_or(&0),
        s.by_severity.get("high").unwrap_or(&0),
        s.by_severity.get("medium").unwrap_or(&0),
        s.by_severity.get("low").unwrap_or(&0),
        s.waived,
        s.checks,
        s.declarations,
        s.manifests,
    )
}

pub fn score(args: &CheckArgs) -> u8 {
    let report = match produce(args) {
        Ok(v) => v.report,
        Err(code) => return code,
    };
    let text = match args.format {
        Format::Json => {
            let v = serde_json::json!({ "score": report.score, "kpis": report.kpis, "gate": report.gate });
            format!("{v:#}\n")
        }
        Format::Human => score_table(&report),
    };
    let code = deliver(args, &text);
    if code != EXIT_OK {
        return code;
    }
    if report.gate.passed {
        EXIT_OK
    } else {
        EXIT_FAIL
    }
}

pub fn score_table(report: &Report) -> String {
    let mut out = String::new();
    out.push_str(&format!("{:<30} {:>8}\n", "score", "value"));
    out.push_str(&format!("{:<30} {:>8}\n", "overall", format!("{} {}", report.score.overall, report.score.grade)));
    for (reg, v) in &report.score.by_regulation {
        out.push_str(&format!("{:<30} {:>8}\n", reg, v));
    }
    out.push('\n');
    out.push_str(&format!("{:<30} {:>8}\n", "kpi", "value"));
    for (k, v) in &report.kpis {
        let shown = match v {
            None => "n/a".to_string(),
            Some(v) if k.ends_with("_days") => format!("{v}"),
            Some(v) => format!("{:.0}%", v * 100.0),
        };
        out.push_str(&format!("{:<30} {:>8}\n", k, shown));
    }
    out
}
