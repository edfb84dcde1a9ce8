//! The vendor inventory that `privgate vendors` shows: every catalogue SDK
//! found in the dependency files, per component, with whether a vendor
//! declaration is linked to its entry and whether the component's system
//! declares a flow to it. The same terms as the "Declared vs. used" rules
//! (rules.md), read from the same `DependencyUse`s; the rules stay what
//! scores and gates.

use crate::model::{DependencyUse, Model, PackageUse};
use serde::Serialize;

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
    let mut out: Vec<Component> = Vec::new();
    for d in &model.dependencies {
        let u = &d.item;
        let vendor = VendorUse {
            entry: u.entry.clone(),
            name: u.vendor_name.clone(),
            status: status(model, u),
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
fn status(model: &Model, u: &DependencyUse) -> Status {
    if u.linked_vendors.is_empty() {
        return Status::Undeclared;
    }
    if !u.system {
        return Status::Declared;
    }
    let mapped = model.flows.iter().any(|f| {
        let f = &f.item;
        u.linked_vendors.contains(&f.to) && (f.from == u.component || u.datasets.contains(&f.from))
    });
    if mapped {
        Status::Declared
    } else {
        Status::NoFlow
    }
}
