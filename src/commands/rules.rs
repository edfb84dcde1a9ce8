//! `privgate rules` and `privgate rules explain ID`.

use super::{emit_alone, print_stdout, EXIT_ERROR};
use crate::cli::{RulesAction, RulesArgs, ValidateFormat};
use privgate::diagnostic::{did_you_mean, Diagnostic};
use privgate::rules::pack::{self, Rule};

/// A rule as this repository has it: `rules:` in privgate.yaml may change
/// its severity or turn it off.
struct Listed {
    rule: Rule,
    enabled: bool,
    /// The pack's own severity, when the config changes it.
    pack_severity: Option<&'static str>,
}

/// Built-in rules, plus the organisation packs of the repository at --path
/// when it has a config that names some, with the config's overrides.
fn all_rules(args: &RulesArgs) -> Result<Vec<Listed>, u8> {
    // Without a config there is nothing of the repository's to list: no
    // need to read its manifests (run from `/tmp`, that walked the world).
    let tree = privgate::tree::WorkTree::open(&args.path).ok().filter(|t| {
        privgate::discover::CONFIG_NAMES
            .iter()
            .any(|n| privgate::tree::Tree::is_file(t, n))
    });
    let mut overrides = Default::default();
    if let Some(tree) = &tree {
        let mut ws = privgate::load::load(tree, &Default::default());
        if let Some(model) = ws.model.take() {
            if !ws.has_errors() {
                overrides = model.config.rules.clone();
            }
            if !ws.has_errors() && !model.config.rulepacks.is_empty() {
                return match privgate::check::catalog(&model, tree, &mut ws.sources) {
                    Ok(c) => Ok(listed(
                        c.packs.into_iter().flat_map(|p| p.rules),
                        &overrides,
                    )),
                    Err(d) => {
                        super::emit(&ws, &d, &common(args));
                        Err(EXIT_ERROR)
                    }
                };
            }
        }
    }
    let builtin = pack::BUILTIN
        .iter()
        .filter_map(|(file, text)| pack::load_pack(file, text).0)
        .flat_map(|p| p.rules);
    Ok(listed(builtin, &overrides))
}

/// The repository options `rules` shares with the other commands.
fn common(args: &RulesArgs) -> crate::cli::CommonArgs {
    crate::cli::CommonArgs {
        path: args.path.clone(),
        config: None,
        no_color: false,
        quiet: false,
    }
}

fn listed(
    rules: impl Iterator<Item = Rule>,
    overrides: &std::collections::BTreeMap<String, privgate::manifest::RuleOverride>,
) -> Vec<Listed> {
    rules
        .map(|mut rule| {
            let o = overrides.get(&rule.id);
            let mut pack_severity = None;
            if let Some(s) = o
                .and_then(|o| o.severity.as_deref())
                .and_then(pack::Severity::parse)
            {
                if s != rule.severity {
                    pack_severity = Some(rule.severity.name());
                    rule.severity = s;
                }
            }
            Listed {
                rule,
                enabled: o.and_then(|o| o.enabled) != Some(false),
                pack_severity,
            }
        })
        .collect()
}

pub fn rules(args: &RulesArgs) -> u8 {
    let rules = match all_rules(args) {
        Ok(r) => r,
        Err(code) => return code,
    };
    match &args.action {
        None => print_stdout(&list(&rules, args.format)),
        Some(RulesAction::Explain { id }) => match rules.iter().find(|r| &r.rule.id == id) {
            Some(rule) if args.format == ValidateFormat::Json => {
                print_stdout(&format!("{:#}\n", explain_json(rule)))
            }
            Some(rule) => print_stdout(&explain_listed(rule)),
            None => {
                let d = Diagnostic::error("unknown-rule", format!("no rule `{id}`"))
                    .help_opt(did_you_mean(id, rules.iter().map(|r| r.rule.id.as_str())));
                emit_alone(d, &common(args));
                EXIT_ERROR
            }
        },
    }
}

fn list(rules: &[Listed], format: ValidateFormat) -> String {
    if format == ValidateFormat::Json {
        let v: Vec<_> = rules
            .iter()
            .map(|l| {
                let r = &l.rule;
                serde_json::json!({
                    "id": r.id, "regulation": r.regulation, "severity": r.severity.name(),
                    "citation": r.citation, "title": r.title, "status": r.status,
                    "targets": r.checks.iter().map(|c| c.target.name()).collect::<Vec<_>>(),
                    "enabled": l.enabled,
                })
            })
            .collect();
        return format!("{:#}\n", serde_json::Value::Array(v));
    }
    // Each column as wide as its widest entry: an organisation pack's
    // regulation may be longer than `gdpr` (in characters: padding counts
    // characters, not bytes).
    let width =
        |cells: &mut dyn Iterator<Item = &str>| cells.map(|c| c.chars().count()).max().unwrap_or(0);
    let id_w = width(&mut rules.iter().map(|l| l.rule.id.as_str()));
    let reg_w = width(&mut rules.iter().map(|l| l.rule.regulation.as_str()));
    let sev_w = width(&mut rules.iter().map(shown_severity));
    let mut out = String::new();
    for l in rules {
        let r = &l.rule;
        out.push_str(&format!(
            "{:<id_w$}  {:<reg_w$}  {:<sev_w$}  {}  [{}]\n",
            r.id,
            r.regulation,
            shown_severity(l),
            r.title,
            r.citation
        ));
    }
    out
}

/// The severity in force, or `off` for a rule the config turns off.
fn shown_severity(l: &Listed) -> &'static str {
    if l.enabled {
        l.rule.severity.name()
    } else {
        "off"
    }
}

/// One rule in full, as JSON: what `explain` prints, for tools.
fn explain_json(l: &Listed) -> serde_json::Value {
    let r = &l.rule;
    serde_json::json!({
        "id": r.id, "regulation": r.regulation, "pack": r.pack,
        "citation": r.citation, "severity": r.severity.name(),
        "pack_severity": l.pack_severity.unwrap_or(r.severity.name()),
        "enabled": l.enabled, "status": r.status, "title": r.title,
        "rationale": r.rationale, "remediation": r.remediation,
        "example": r.example, "references": r.references,
        "targets": r.checks.iter().map(|c| c.target.name()).collect::<Vec<_>>(),
        "applies_from": r.applies_from.map(|d| d.to_string()),
        "file": r.file,
    })
}

/// `explain`, with what this repository's config changes.
fn explain_listed(l: &Listed) -> String {
    let mut out = explain(&l.rule);
    if !l.enabled {
        // Where the eye looks first, as `privgate rules` shows it.
        let line = format!("severity:   {}\n", l.rule.severity.name());
        out = out.replacen(
            &line,
            &format!("severity:   off ({} when on)\n", l.rule.severity.name()),
            1,
        );
    }
    let mut notes = Vec::new();
    if let Some(s) = l.pack_severity {
        notes.push(format!(
            "severity {} is set in this repository's privgate.yaml; the pack says {s}",
            l.rule.severity.name()
        ));
    }
    if !l.enabled {
        notes.push("turned off in this repository's privgate.yaml".to_string());
    }
    if !notes.is_empty() {
        out.push_str(&format!(
            "\n## In this repository\n- {}\n",
            notes.join("\n- ")
        ));
    }
    out
}

/// One rule in full, in ruff's sections.
pub fn explain(r: &Rule) -> String {
    let targets: Vec<&str> = r.checks.iter().map(|c| c.target.name()).collect();
    let mut out = format!(
        "{id}: {title}\n\nregulation: {reg}\ncitation:   {cit}\nseverity:   {sev}\ntarget:     {targets}\nstatus:     {status}\n{applies}\n",
        id = r.id,
        title = r.title,
        reg = r.regulation,
        cit = r.citation,
        sev = r.severity.name(),
        targets = targets.join(", "),
        status = r.status,
        // Before the day, the rule is not checked: said where it is read.
        applies = r.applies_from.map_or(String::new(), |d| format!(
            "applies:    from {d} (not checked or scored before)\n"
        )),
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
