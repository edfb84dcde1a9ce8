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
        Some(RulesAction::Explain { id }) => match rules.iter().find(|r| &r.rule.id == id) {
            Some(rule) if args.format == ValidateFormat::Json => print_stdout(&json::explain(rule)),
            Some(rule) => print_stdout(&human::explain_listed(rule)),
            None => {
                let d = Diagnostic::error(Code::UnknownRule, format!("no rule `{id}`"))
                    .help_opt(did_you_mean(id, rules.iter().map(|r| r.rule.id.as_str())));
                emit_alone(d, &common(args));
                EXIT_ERROR
            }
        },
    }
}
