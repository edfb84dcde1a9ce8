//! JUnit XML for CI dashboards: one test suite per regulation, one test case
//! per rule and target; findings are failures, waived ones skipped. Each
//! suite carries the run's score and grade as properties. A run that could
//! not check is one suite of errors.

use crate::diagnostic::Located;
use crate::evaluate::Outcome;
use crate::report::Report;
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// XML text and attribute escaping.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // Characters XML 1.0 cannot carry at all.
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => {}
            c => out.push(c),
        }
    }
    out
}

pub fn render(report: &Report, outcomes: &[Outcome]) -> String {
    let regulation_of = |rule: &str| rule.split('.').next().unwrap_or(rule).to_string();
    let mut suites: BTreeMap<String, Vec<&Outcome>> = BTreeMap::new();
    for o in outcomes {
        suites.entry(regulation_of(&o.rule)).or_default().push(o);
    }
    // By rule and target, once: a large run has hundreds of thousands of
    // outcomes and tens of thousands of findings.
    let by_id: BTreeMap<(&str, &str), &crate::report::Finding> = report
        .findings
        .iter()
        .map(|f| ((f.rule.as_str(), f.target.as_str()), f))
        .collect();
    // In pull-request mode, which failures the change brought (the gate
    // judges only those).
    let new: std::collections::BTreeSet<(&str, &str)> = report
        .changes
        .iter()
        .flat_map(|c| &c.new)
        .map(|f| (f.rule.as_str(), f.target.as_str()))
        .collect();
    let failures = outcomes.iter().filter(|o| o.violated && !o.waived).count();
    let skipped = outcomes.iter().filter(|o| o.waived).count();
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<testsuites name=\"privgate\" tests=\"{}\" failures=\"{failures}\" skipped=\"{skipped}\">",
        outcomes.len()
    );
    for (suite, cases) in &suites {
        let f = cases.iter().filter(|o| o.violated && !o.waived).count();
        let s = cases.iter().filter(|o| o.waived).count();
        let _ = writeln!(
            out,
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{f}\" skipped=\"{s}\">",
            escape(suite),
            cases.len()
        );
        out.push_str(&properties(report));
        for o in cases {
            let _ = write!(
                out,
                "    <testcase classname=\"{}\" name=\"{}\"",
                escape(&o.rule),
                escape(&o.target)
            );
            let id = (o.rule.as_str(), o.target.as_str());
            let finding = by_id.get(&id).copied();
            match (o.violated, finding) {
                (true, Some(f)) if o.waived => {
                    // Who accepted it and until when, as SARIF's
                    // suppression justification says it.
                    let reason = f.waiver.as_ref().map_or(String::new(), |w| {
                        format!(
                            "{} (approved by {}, expires {})",
                            w.reason, w.approved_by, w.expires
                        )
                    });
                    let _ = writeln!(
                        out,
                        ">\n      <skipped message=\"waived: {}\"/>\n    </testcase>",
                        escape(&reason)
                    );
                }
                (true, Some(f)) => {
                    let mark = if new.contains(&id) { "[new] " } else { "" };
                    let _ = writeln!(
                        out,
                        ">\n      <failure message=\"{mark}{}\" type=\"{}\">{}:{}:{}: {} [{}]\n{}</failure>\n    </testcase>",
                        escape(&f.message),
                        escape(f.severity.name()),
                        escape(&f.file),
                        f.line,
                        f.column,
                        escape(&f.message),
                        escape(&f.citation),
                        escape(&f.remediation)
                    );
                }
                _ => out.push_str("/>\n"),
            }
        }
        out.push_str("  </testsuite>\n");
    }
    out.push_str("</testsuites>\n");
    out
}

/// The run's score and grade (capped, and why, as cli.md asks of every
/// output that shows the grade), in each suite: JUnit's schema has
/// properties on a suite only.
fn properties(report: &Report) -> String {
    let score = &report.score;
    let mut out = String::from("    <properties>\n");
    let mut property = |name: &str, value: &str| {
        let _ = writeln!(
            out,
            "      <property name=\"{name}\" value=\"{}\"/>",
            escape(value)
        );
    };
    property("score", &format!("{:.1}", score.overall));
    property("grade", &score.grade);
    if let Some(cap) = &score.grade_cap {
        property("grade_cap", &format!("{}: {}", cap.grade, cap.reason));
    }
    out.push_str("    </properties>\n");
    out
}

/// A run that could not check (exit 2): one suite, one test case per error,
/// each an `<error>` naming `file:line:col`, so a dashboard shows why there
/// are no results instead of nothing.
pub fn render_failure(errors: &[Located]) -> String {
    let n = errors.len();
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<testsuites name=\"privgate\" tests=\"{n}\" failures=\"0\" errors=\"{n}\">"
    );
    let _ = writeln!(
        out,
        "  <testsuite name=\"could not check\" tests=\"{n}\" failures=\"0\" errors=\"{n}\">"
    );
    for e in errors {
        // `file:line:col: message`, as compilers write it; a problem with
        // no file (a bad flag) is its message alone.
        let (name, message) = match &e.position {
            Some(p) => (p.to_string(), format!("{p}: {}", e.message)),
            None => ("(no file)".to_string(), e.message.clone()),
        };
        let help = match &e.help {
            Some(help) => format!("\nhelp: {help}"),
            None => String::new(),
        };
        let _ = writeln!(
            out,
            "    <testcase classname=\"{}\" name=\"{}\">\n      <error message=\"{}\" type=\"{}\">{}{}</error>\n    </testcase>",
            escape(&e.code),
            escape(&name),
            escape(&message),
            escape(&e.code),
            escape(&message),
            escape(&help)
        );
    }
    out.push_str("  </testsuite>\n</testsuites>\n");
    out
}
