//! The score per regulation (severity weights of passing checks) and the
//! grade, capped by the worst open finding.

use crate::evaluate::rules::engine::CheckResult;
use crate::evaluate::rules::pack::Rule;
use crate::report;
use crate::severity::Severity;
use std::collections::BTreeMap;

pub(super) fn score(
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
    let reason = format!("{n} {} finding{}", severity.name(), crate::text::plural(n));
    (
        cap.into(),
        Some(report::GradeCap {
            grade: cap.into(),
            reason,
        }),
    )
}
