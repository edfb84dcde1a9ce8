//! `privgate vendors`: the vendor inventory (`evaluate::vendors`) as a
//! table for people, as JSON, and, with `--suggest`, as a manifest
//! drafting a vendor declaration (and a flow from each system) for every
//! entry no vendor declares, from the vendor catalogue. The draft is a
//! valid manifest (tested against the schema); its role, country and
//! categories are the catalogue's usual ones, for a person to confirm.

use crate::evaluate::vendors::{Component, Status};
use crate::model::Model;
use crate::vendor_catalog::Catalog;
use serde_json::{json, Map, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

/// The table: one block per component, one line per catalogue entry.
pub fn human(components: &[Component], scan: bool) -> String {
    let mut out = String::new();
    if !scan {
        out.push_str("dependency scanning is off (`dependencies.scan: false` in privgate.yaml)\n");
        return out;
    }
    if components.is_empty() {
        out.push_str("no vendor SDK of the catalogue found in the dependency files\n");
        return out;
    }
    let (mut undeclared, mut no_flow, mut total) = (0, 0, 0);
    for c in components {
        let kind = if c.system { "system" } else { "no system" };
        let _ = writeln!(out, "{} ({kind})", c.component);
        let width = c.vendors.iter().map(|v| v.entry.len()).max().unwrap_or(0);
        for v in &c.vendors {
            total += 1;
            let status = match v.status {
                Status::Undeclared => {
                    undeclared += 1;
                    "undeclared".to_string()
                }
                Status::NoFlow => {
                    no_flow += 1;
                    format!("no flow (vendor {})", ticked(&v.declared_as))
                }
                Status::Declared => format!("declared (vendor {})", ticked(&v.declared_as)),
            };
            let _ = writeln!(out, "  {:width$}  {status}  {}", v.entry, v.name);
            for p in &v.packages {
                let _ = writeln!(
                    out,
                    "  {:width$}    {} at {}:{}:{}",
                    "", p.package, p.file, p.line, p.column
                );
            }
        }
    }
    let _ = writeln!(
        out,
        "{total} vendor SDK{} in {} component{}: {undeclared} undeclared, {no_flow} without a flow",
        crate::text::plural(total),
        components.len(),
        crate::text::plural(components.len()),
    );
    if undeclared > 0 {
        out.push_str("`privgate vendors --suggest` drafts the missing declarations\n");
    }
    out
}

fn ticked(ids: &[String]) -> String {
    ids.iter()
        .map(|i| format!("`{i}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The inventory as JSON (`version` 1).
pub fn json(components: &[Component], scan: bool, warnings: &[String]) -> String {
    let v = json!({
        "version": 1,
        "scan": scan,
        "components": components,
        "warnings": warnings,
    });
    let mut text = serde_json::to_string_pretty(&v).unwrap_or_default();
    text.push('\n');
    text
}

/// A manifest declaring each entry no vendor declares, and a flow to it
/// from each system that uses it; `None` when nothing is undeclared.
pub fn suggest(components: &[Component], model: &Model, catalog: &Catalog) -> Option<String> {
    // entry -> the components that use it, with their first package line.
    let mut undeclared: BTreeMap<&str, Vec<(&Component, String)>> = BTreeMap::new();
    for c in components {
        for v in c.vendors.iter().filter(|v| v.status == Status::Undeclared) {
            let at = v
                .packages
                .first()
                .map(|p| format!("{} ({}:{})", p.package, p.file, p.line))
                .unwrap_or_default();
            undeclared.entry(&v.entry).or_default().push((c, at));
        }
    }
    if undeclared.is_empty() {
        return None;
    }
    let vendor_ids: BTreeSet<&str> = model.vendors.iter().map(|v| v.item.id.as_str()).collect();
    let mut flow_ids: BTreeSet<String> = model.flows.iter().map(|f| f.item.id.clone()).collect();
    let mut vendors = Vec::new();
    let mut flows = Vec::new();
    for (entry_id, users) in &undeclared {
        let Some(entry) = catalog.get(entry_id) else {
            continue;
        };
        let mut vendor = Map::new();
        // The id links by itself; when a declaration already has it (linked
        // elsewhere), `catalog` links a new one.
        let id = if vendor_ids.contains(entry_id) {
            let id = format!("{entry_id}-sdk");
            vendor.insert("id".into(), json!(id));
            vendor.insert("catalog".into(), json!(entry_id));
            id
        } else {
            vendor.insert("id".into(), json!(entry_id));
            entry_id.to_string()
        };
        vendor.insert("name".into(), json!(entry.name));
        let used: Vec<String> = users
            .iter()
            .map(|(c, at)| format!("{} uses {at}", c.component))
            .collect();
        vendor.insert(
            "description".into(),
            json!(format!(
                "Drafted by privgate vendors --suggest: {}",
                used.join("; ")
            )),
        );
        vendor.insert("role".into(), json!(entry.role.name()));
        vendor.insert("country".into(), json!(entry.country));
        if entry.dpf_certified {
            vendor.insert("dpf_certified".into(), json!(true));
        }
        vendors.push(Value::Object(vendor));
        if entry.categories.is_empty() {
            continue;
        }
        for (c, _) in users.iter().filter(|(c, _)| c.system) {
            let mut flow_id = format!("{}-to-{id}", c.component);
            let mut n = 2;
            while flow_ids.contains(&flow_id) {
                flow_id = format!("{}-to-{id}-{n}", c.component);
                n += 1;
            }
            flow_ids.insert(flow_id.clone());
            flows.push(json!({
                "id": flow_id,
                "from": c.component,
                "to": id,
                "categories": entry.categories,
            }));
        }
    }
    let mut doc = Map::new();
    doc.insert("version".into(), json!(1));
    doc.insert("vendors".into(), Value::Array(vendors));
    if !flows.is_empty() {
        doc.insert("flows".into(), Value::Array(flows));
    }
    let yaml = serde_yaml::to_string(&Value::Object(doc)).ok()?;
    Some(format!(
        "# Drafted by `privgate vendors --suggest` from the vendor catalogue, for the\n\
         # vendor SDKs in the dependency files that no manifest declares. Check the\n\
         # role and country against your contract, add the contract, and give each\n\
         # flow its purpose and the categories really sent, before you commit it\n\
         # as a manifest (`-o privacy/vendors.privacy.yaml` writes a new one).\n{yaml}"
    ))
}
