//! `privgate rules` and `privgate rules explain ID`.

use super::{emit_alone, print_stdout, EXIT_ERROR};
use crate::cli::{RulesAction, RulesArgs, ValidateFormat};
use privgate::diagnostic::Code;
use privgate::diagnostic::{did_you_mean, Diagnostic};
use privgate::evaluate::catalog::{self, Listed};
use privgate::render::{human, json};

/// Built-in rules, plus the organisation packs of the repository at --path
/// with the config's overrides; on a broken pack, its errors printed.
fn all_rules(args: &RulesArgs) -> Result<Vec<Listed>, u8> {
    catalog::listed_rules(&args.path).map_err(|(ws, d)| {
        super::emit(&ws, &d, &common(args));
        EXIT_ERROR
    })
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

pub fn rules(args: &RulesArgs) -> u8 {
    let rules = match all_rules(args) {
        Ok(r) => r,
        Err(code) => return code,
    };
    match &args.action {
        None => print_stdout(&if args.format == ValidateFormat::Json {
            json::rules(&rules)
        } else {
            human::rule_list(&rules)
        }),
        Some(RulesAction::Explain { id }) => match find(&rules, id) {
            Ok(rule) if args.format == ValidateFormat::Json => print_stdout(&json::explain(rule)),
            Ok(rule) => print_stdout(&human::explain_listed(rule)),
            Err(d) => {
                emit_alone(d, &common(args));
                EXIT_ERROR
            }
        },
    }
}

/// The rule `id` names: its full id, or the part after the pack's name
/// (`dpia-required` for `gdpr.dpia-required`) when one pack alone has it.
fn find<'a>(rules: &'a [Listed], id: &str) -> Result<&'a Listed, Diagnostic> {
    if let Some(rule) = rules.iter().find(|r| r.rule.id == id) {
        return Ok(rule);
    }
    let short: Vec<&Listed> = rules
        .iter()
        .filter(|r| {
            r.rule
                .id
                .split_once('.')
                .is_some_and(|(_, name)| name == id)
        })
        .collect();
    match short.as_slice() {
        [one] => Ok(one),
        [] => Err(
            Diagnostic::error(Code::UnknownRule, format!("no rule `{id}`")).help_opt(
                did_you_mean(id, rules.iter().map(|r| r.rule.id.as_str())).or_else(|| {
                    // `dpia-requird`: near the name after the pack's.
                    let names = rules.iter().filter_map(|r| r.rule.id.split_once('.'));
                    let name = privgate::diagnostic::closest(id, names.clone().map(|(_, n)| n))?;
                    let full: Vec<String> = names
                        .filter(|(_, n)| *n == name)
                        .map(|(p, n)| format!("`{p}.{n}`"))
                        .collect();
                    Some(format!("did you mean {}?", full.join(" or ")))
                }),
            ),
        ),
        many => {
            let ids: Vec<String> = many.iter().map(|r| format!("`{}`", r.rule.id)).collect();
            Err(Diagnostic::error(
                Code::AmbiguousRule,
                format!("`{id}` names more than one rule: {}", ids.join(", ")),
            )
            .help("give the full id, with its pack's name"))
        }
    }
}
