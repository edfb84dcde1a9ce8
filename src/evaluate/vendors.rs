//! The vendor inventory that `privgate vendors` shows: every catalogue SDK
//! found in the dependency files, per component, with whether a vendor
//! declaration is linked to its entry and whether the component's system
//! declares a flow to it. The same terms as the "Declared vs. used" rules
//! (rules.md), read from the same `DependencyUse`s; the rules stay what
//! scores and gates.

use crate::model::{DependencyUse, Model, PackageUse};
use serde::Serialize;
use std::collections::HashMap;

/// Where a catalogue entry's SDK stands in one component.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// No vendor declaration is linked to the entry.
    Undeclared,
    /// Declared, but the component's system has no flow to it.
    NoFlow,
    /// Declared (and, for a system, a flow reaches it).
    Declared,
}

impl Status {
    pub fn name(self) -> &'static str {
        match self {
            Status::Undeclared => "undeclared",
            Status::NoFlow => "no flow",
            Status::Declared => "declared",
        }
    }
}

/// One catalogue entry used by one component.
#[derive(Debug, Clone, Serialize)]
pub struct VendorUse {
    pub entry: String,
    pub name: String,
    pub status: Status,
    /// The vendor declarations linked to the entry.
    pub declared_as: Vec<String>,
    pub packages: Vec<PackageUse>,
}

/// The SDKs of one component (a system id, or `repository`).
#[derive(Debug, Clone, Serialize)]
pub struct Component {
    pub component: String,
    pub system: bool,
    pub vendors: Vec<VendorUse>,
}

/// Every component with a catalogue SDK, sorted by name, its entries by id.
pub fn inventory(model: &Model) -> Vec<Component> {
    // Flow targets by source, built once: an SDK every service uses has
    // thousands of flows into its vendor.
    let mut to_by_from: HashMap<&str, Vec<&str>> = HashMap::new();
    for f in &model.flows {
        to_by_from
            .entry(f.item.from.as_str())
            .or_default()
            .push(f.item.to.as_str());
    }
    let mut out: Vec<Component> = Vec::new();
    for d in &model.dependencies {
        let u = &d.item;
        let vendor = VendorUse {
            entry: u.entry.clone(),
            name: u.vendor_name.clone(),
            status: status(&to_by_from, u),
            declared_as: u.linked_vendors.clone(),
            packages: u.packages.clone(),
        };
        match out.last_mut() {
            Some(c) if c.component == u.component => c.vendors.push(vendor),
            _ => out.push(Component {
                component: u.component.clone(),
                system: u.system,
                vendors: vec![vendor],
            }),
        }
    }
    out
}

/// As `gdpr.undeclared-vendor` and `gdpr.unmapped-vendor-flow` judge it.
fn status(to_by_from: &HashMap<&str, Vec<&str>>, u: &DependencyUse) -> Status {
    if u.linked_vendors.is_empty() {
        return Status::Undeclared;
    }
    if !u.system {
        return Status::Declared;
    }
    let mapped = std::iter::once(&u.component)
        .chain(&u.datasets)
        .filter_map(|from| to_by_from.get(from.as_str()))
        .flatten()
        .any(|to| u.linked_vendors.iter().any(|v| v == to));
    if mapped {
        Status::Declared
    } else {
        Status::NoFlow
    }
}
