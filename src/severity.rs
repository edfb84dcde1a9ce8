//! Severities and the gate's threshold, one type each: rules, `rules:`
//! overrides, findings, the summary, the gate and `--fail-on` all use these.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
/// How bad a finding is, as a rule pack, a `rules:` override or a finding
/// says it; ordered, `Low` least.
pub enum Severity {
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    pub fn weight(self) -> u32 {
        match self {
            Severity::Critical => 10,
            Severity::High => 5,
            Severity::Medium => 2,
            Severity::Low => 1,
        }
    }
    pub fn name(self) -> &'static str {
        match self {
            Severity::Critical => "critical",
            Severity::High => "high",
            Severity::Medium => "medium",
            Severity::Low => "low",
        }
    }
    pub fn parse(s: &str) -> Option<Severity> {
        Severity::ALL.into_iter().find(|v| v.name() == s)
    }
    /// Worst first: the order every output lists severities in.
    pub const ALL: [Severity; 4] = [
        Severity::Critical,
        Severity::High,
        Severity::Medium,
        Severity::Low,
    ];
}

/// The gate's `fail_on`: the least severity whose open findings fail the
/// gate, or `none`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum FailOn {
    Critical,
    High,
    Medium,
    Low,
    // Findings never fail the gate (the score still may).
    None,
}

impl FailOn {
    /// Default when neither config nor flag sets one.
    pub const DEFAULT: FailOn = FailOn::High;

    pub fn parse(s: &str) -> Option<FailOn> {
        match s {
            "none" => Some(FailOn::None),
            s => Severity::parse(s).map(FailOn::from),
        }
    }

    pub fn name(self) -> &'static str {
        self.threshold().map_or("none", Severity::name)
    }

    /// The least severity that fails the gate; `None` for `none`.
    pub fn threshold(self) -> Option<Severity> {
        match self {
            FailOn::Critical => Some(Severity::Critical),
            FailOn::High => Some(Severity::High),
            FailOn::Medium => Some(Severity::Medium),
            FailOn::Low => Some(Severity::Low),
            FailOn::None => None,
        }
    }
}

impl From<Severity> for FailOn {
    fn from(s: Severity) -> FailOn {
        match s {
            Severity::Critical => FailOn::Critical,
            Severity::High => FailOn::High,
            Severity::Medium => FailOn::Medium,
            Severity::Low => FailOn::Low,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_fail_on_reads_back_from_its_name() {
        for f in [
            FailOn::Critical,
            FailOn::High,
            FailOn::Medium,
            FailOn::Low,
            FailOn::None,
        ] {
            assert_eq!(FailOn::parse(f.name()), Some(f));
        }
    }
}
