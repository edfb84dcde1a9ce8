//! Output formats, one module each, all fed the same plain data.

pub mod html;
pub mod human;
pub mod junit;
pub mod markdown;
pub mod sarif;

use crate::manifest::Waiver;
use crate::report::Finding;
use std::collections::BTreeMap;

/// The config's waivers by the finding they name, to tell which open
/// findings a waiver no longer covers. The check applies every waiver that
/// matches a finding unless it has expired (an unreadable date counts as
/// expired), so an open finding a waiver names is one whose waiver expired.
/// The JSON report keeps cli.md's `"waived": false, "waiver": null` for it;
/// the readable outputs say so on the finding.
pub struct Lapsed<'a>(BTreeMap<(&'a str, &'a str), &'a Waiver>);

impl<'a> Lapsed<'a> {
    pub fn new(waivers: &'a [Waiver]) -> Lapsed<'a> {
        Lapsed(
            waivers
                .iter()
                .map(|w| ((w.rule.as_str(), w.target.as_str()), w))
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
