//! The render stage: every output format, one module each, all fed the
//! same plain data (`Report`, `Model`). `ropa` and `map` build their
//! record and graph, then write their formats; `vendors` writes the
//! vendor inventory and its suggested declarations.

pub mod html;
pub mod human;
pub mod json;
pub mod junit;
pub mod map;
pub mod markdown;
pub mod ropa;
pub mod sarif;
pub mod taxonomy;
pub mod vendors;

use crate::manifest::Waiver;
use crate::report::{Coverage, Finding, Report};
use std::collections::BTreeMap;

/// The waivers that lapsed, by the finding they name: an open finding a
/// waiver names is one whose waiver expired (or has an unreadable date;
/// `report::WaiverStatus` says which). The JSON report keeps cli.md's
/// `"waived": false, "waiver": null` for it; the readable outputs say so on
/// the finding.
pub struct Lapsed<'a>(BTreeMap<(&'a str, &'a str), &'a Waiver>);

impl<'a> Lapsed<'a> {
    pub fn new(report: &'a Report) -> Lapsed<'a> {
        Lapsed(
            report
                .waivers
                .iter()
                .filter(|s| matches!(s.coverage, Coverage::Findings(_)) && !s.applies())
                .map(|s| {
                    (
                        (s.waiver.rule.as_str(), s.waiver.target.as_str()),
                        &s.waiver,
                    )
                })
                .collect(),
        )
    }

    /// The expired waiver naming `f`, when `f` is open.
    pub fn of(&self, f: &Finding) -> Option<&'a Waiver> {
        if f.waived {
            return None;
        }
        self.0.get(&(f.rule.as_str(), f.target.as_str())).copied()
    }

    /// "waiver by X expired on DATE", when `f` is open and a waiver named it.
    pub fn note(&self, f: &Finding) -> Option<String> {
        self.of(f)
            .map(|w| format!("waiver by {} expired on {}", w.approved_by, w.expires))
    }
}
