//! `privgate taxonomy`: the categories, aliases and subjects found, as a
//! table for people or as JSON.

use crate::taxonomy::Found;
use serde_json::json;

/// Categories, then aliases, then subjects; each key padded to the
/// longest shown, its marks in brackets after the description.
pub fn human(found: &Found) -> String {
    let mut out = String::new();
    let width = found
        .categories
        .iter()
        .map(|c| c.key.len())
        .chain(found.aliases.iter().map(|(a, _)| a.len()))
        .chain(found.subjects.iter().map(|s| s.key.len()))
        .max()
        .unwrap_or(0);
    if !found.categories.is_empty() {
        out.push_str("data categories:\n");
        for c in &found.categories {
            let mut line = format!("  {:width$}  {}", c.key, c.description);
            if !c.marks.is_empty() {
                let marks: Vec<&str> = c.marks.iter().map(|m| m.label()).collect();
                line.push_str(&format!(" [{}]", marks.join(", ")));
            }
            if c.from_config {
                line.push_str(" (from privgate.yaml)");
            }
            out.push_str(line.trim_end());
            out.push('\n');
        }
    }
    if !found.aliases.is_empty() {
        out.push_str("aliases (fideslang names privgate reads as its own):\n");
        for (alias, target) in &found.aliases {
            out.push_str(&format!("  {alias:width$}  = {target}\n"));
        }
    }
    if !found.subjects.is_empty() {
        out.push_str("data subjects:\n");
        for s in &found.subjects {
            let mut line = format!("  {:width$}  {}", s.key, s.description);
            if s.from_config {
                line.push_str(" (from privgate.yaml)");
            }
            out.push_str(line.trim_end());
            out.push('\n');
        }
    }
    out
}

/// `{"categories": [{key, description, marks, source}], "aliases":
/// [{alias, key}], "subjects": [{key, description, source}]}`; marks by
/// their taxonomy names (`gdpr_special`, `ccpa_sensitive`, ...).
pub fn json(found: &Found) -> String {
    let source = |config: bool| if config { "config" } else { "builtin" };
    let value = json!({
        "categories": found.categories.iter().map(|c| json!({
            "key": c.key,
            "description": c.description,
            "marks": c.marks.iter().map(|m| m.key()).collect::<Vec<_>>(),
            "source": source(c.from_config),
        })).collect::<Vec<_>>(),
        "aliases": found.aliases.iter().map(|(a, k)| json!({ "alias": a, "key": k })).collect::<Vec<_>>(),
        "subjects": found.subjects.iter().map(|s| json!({
            "key": s.key,
            "description": s.description,
            "source": source(s.from_config),
        })).collect::<Vec<_>>(),
    });
    serde_json::to_string_pretty(&value).unwrap_or_default() + "\n"
}
