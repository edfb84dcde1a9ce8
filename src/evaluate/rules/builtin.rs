//! The policy assets compiled into the binary: the built-in rule packs and
//! the facts their rules read.

pub const GDPR: &str = include_str!("../../../policies/gdpr.yaml");
pub const CCPA: &str = include_str!("../../../policies/ccpa.yaml");
pub const FACTS: &str = include_str!("../../../policies/facts.yaml");

/// Built-in packs: (file name shown in diagnostics, text).
pub const BUILTIN: [(&str, &str); 2] = [("policies/gdpr.yaml", GDPR), ("policies/ccpa.yaml", CCPA)];
