//! The gate: which findings and which score fail a run (flags over
//! config over defaults), and the reasons it gives.

use crate::model::Model;
use crate::report::{self, Finding};
use crate::severity::{FailOn, Severity};

/// Gate settings given on the command line (override the config's).
#[derive(Debug, Clone, Default)]
pub struct GateFlags {
    pub min_score: Option<f64>,
    pub fail_on: Option<FailOn>,
}

/// The gate in force: flags over config over defaults.
/// The config's `fail_on` passed the schema, which allows only the names
/// `FailOn` reads.
pub fn resolve_gate(model: &Model, flags: &GateFlags) -> (Option<f64>, FailOn) {
    let min = flags.min_score.or(model.config.gate.min_score);
    let fail_on = flags
        .fail_on
        .or_else(|| model.config.gate.fail_on.as_deref().and_then(FailOn::parse))
        .unwrap_or(FailOn::DEFAULT);
    (min, fail_on)
}

/// Applies the gate to `counted` findings (all findings, or only the new
/// ones in pull-request mode); waived findings never count.
/// The gate's verdict. `counted` are the findings that count toward
/// `fail_on`, called `new` in the reasons when they are a pull request's.
pub fn gate(
    config: &(Option<f64>, FailOn),
    overall: f64,
    counted: &[Finding],
    counted_are_new: bool,
) -> report::Gate {
    let (min_score, fail_on) = config;
    let threshold = fail_on.threshold();
    let mut reasons = Vec::new();
    if let Some(threshold) = threshold {
        for s in Severity::ALL.iter().filter(|s| **s >= threshold) {
            let n = counted
                .iter()
                .filter(|f| !f.waived && f.severity == *s)
                .count();
            if n > 0 {
                reasons.push(format!(
                    "{n} {}{} finding{}",
                    if counted_are_new { "new " } else { "" },
                    s.name(),
                    crate::text::plural(n)
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
        fail_on: *fail_on,
        reasons,
    }
}
