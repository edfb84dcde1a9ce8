//! `privgate rules` and `privgate rules explain ID`.

use super::{emit_alone, print_stdout, EXIT_ERROR};
use crate::cli::{RulesAction, RulesArgs, ValidateFormat};
use privgate::diagnostic::{did_you_mean, Diagnostic};
use privgate::rules::pack::{self, Rule};

/// Built-in rules, plus the organisation packs of the repository at --path
/// when it has a config that names some.
fn all_rules(args: &RulesArgs) -> Result<Vec<Rule>, u8> {
    let tree = privgate::tree::WorkTree::open(&args.path);
    if let Ok(tree) = &tree {
        let mut ws = privgate::load::load(tree, &Default::default());
        if let Some(model) = ws.model.take() {
            if !ws.has_errors() && !model.config.rulepacks.is_empty() {
                return match privgate::check::catalog(&model, tree, &mut ws.sources) {
                    Ok(c) => Ok(c.packs.into_iter().flat_map(|p| p.rules).collect()),
                    Err(d) => {
                        super::emit(&ws, &d, false);
                        Err(EXIT_ERROR)
                    }
                };
            }
        }
    }
    Ok(pack::BUILTIN
        .iter()
        .filter_map(|(file, text)| pack::load_pack(file, text).0)
        .flat_map(|p| p.rules)
        .collect())
}

pub fn rules(args: &RulesArgs) -> u8 {
    let rules = match all_rules(args) {
        Ok(r) => r,
        Err(code) => return code,
    };
    match &args.action {
        None => print_stdout(&list(&rules, args.format)),
        Some(RulesAction::Explain { id }) => match rules.iter().find(|r| &r.id == id) {
            Some(rule) => print_stdout(&explain(rule)),
            None => {
                let d = Diagnostic::error("unknown-rule", format!("no rule `{id}`"))
                    .help_opt(did_you_mean(id, rules.iter().map(|r| r.id.as_str())));
                emit_alone(d, false);
                EXIT_ERROR
            }
        },
    }
}

fn list(rules: &[Rule], format: ValidateFormat) -> String {
    if format == ValidateFormat::Json {
        let v: Vec<_> = rules
            .iter()
            .map(|r| {
                serde_json::json!({
                    "id": r.id, "regulation": r.regulation, "severity": r.severity.name(),
                    "citation": r.citation, "title": r.title, "status": r.status,
                    "targets": r.checks.iter().map(|c| c.target.name()).collect::<Vec<_>>(),
                })
            })
            .collect();
        return format!("{:#}\n", serde_json::Value::Array(v));
    }
    let width = rules.iter().map(|r| r.id.len()).max().unwrap_or(0);
    let mut out = String::new();
    for r in rules {
        out.push_str(&format!(
            "{:<width$}  {:<5} {:<8}  {}  [{}]\n",
            r.id,
            r.regulation,
            r.severity.name(),
            r.title,
            r.citation
        ));
    }
    out
}

/// One rule in full, in ruff's sections.
pub fn explain(r: &Rule) -> String {
    let targets: Vec<&str> = r.checks.iter().map(|c| c.target.name()).collect();
    let mut out = format!(
        "{id}: {title}\n\nregulation: {reg}\ncitation:   {cit}\nseverity:   {sev}\ntarget:     {targets}\nstatus:     {status}\n\n",
        id = r.id,
        title = r.title,
        reg = r.regulation,
        cit = r.citation,
        sev = r.severity.name(),
        targets = targets.join(", "),
        status = r.status,
    );
    out.push_str(&format!("## Why it matters\n{}\n\n", r.rationale));
    out.push_str(&format!("## How to fix\n{}\n\n", r.remediation));
    out.push_str(&format!("## Example\n{}\n", r.example.trim_end()));
    if !r.references.is_empty() {
        out.push_str("\n## References\n");
        for link in &r.references {
            out.push_str(&format!("- {link}\n"));
        }
    }
    out
}
