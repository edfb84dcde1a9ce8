//! Waivers: which findings they cover, and each waiver's one status
//! (expiry, and what it covers) that every output reads.

use crate::diagnostic::{did_you_mean, Code, Diagnostic};
use crate::evaluate::rules::engine::CheckResult;
use crate::evaluate::rules::pack::Rule;
use crate::manifest::Waiver;
use crate::model::{Kind, Model, Target};
use crate::report::{Coverage, Expiry, WaiverStatus};
use crate::span::{Locator, Place};
use crate::time;
use jiff::civil::Date;
use std::collections::{BTreeMap, HashMap};

/// When a waiver's `kind:id` names no declaration: a "did you mean" for the
/// id (or nothing to add). `None` when it does, or is `repository`.
/// When `target` (`kind:id`) names no declaration: "" or a "did you mean"
/// to append; `None` when it names one.
pub fn undeclared_target(model: &Model, target: &str) -> Option<String> {
    let Target::Decl { kind, id } = Target::parse(target) else {
        return None;
    };
    let ids = model.ids(kind);
    if ids.contains(id) {
        return None;
    }
    // The right id under the wrong kind (`purpose:mailchimp` for a vendor).
    if let Some(other) = Kind::ALL.iter().find(|k| model.ids(**k).contains(id)) {
        return Some(format!("; did you mean `{}:{id}`?", other.name()));
    }
    Some(
        did_you_mean(id, ids.iter().copied())
            .map(|m| format!("; {m}"))
            .unwrap_or_default(),
    )
}

/// Waivers whose target names no declaration, as located warnings: what
/// `check` warns about once the rules ran, `validate` can say before.
pub fn waiver_target_warnings(model: &Model) -> Vec<Diagnostic> {
    let Some(file) = &model.config_file else {
        return Vec::new();
    };
    model
        .config
        .waivers
        .iter()
        .enumerate()
        .filter_map(|(i, w)| {
            let hint = undeclared_target(model, &w.target)?;
            Some(
                Diagnostic::warning(
                    Code::WaiverMatchesNothing,
                    format!(
                        "waiver for {} on {}: no such declaration{hint}",
                        w.rule, w.target
                    ),
                )
                .at(file, Place::value(format!("/waivers/{i}/target")))
                .label("no such declaration"),
            )
        })
        .collect()
}

/// Waivers that run past `gate.max_waiver_term` from `today`, as located
/// errors: an expiry years ahead would make the waiver permanent in all
/// but name. The limit looks ahead from the run date, so a waiver within
/// it never falls out of it later; only a shorter limit can.
pub fn waiver_term_errors(model: &Model, today: Date) -> Vec<Diagnostic> {
    let (Some(file), Some(term)) = (&model.config_file, &model.config.gate.max_waiver_term) else {
        return Vec::new();
    };
    // A malformed term is reported where the config is resolved.
    let Some(latest) = time::parse_duration(term)
        .ok()
        .and_then(|span| time::add(today, span))
    else {
        return Vec::new();
    };
    model
        .config
        .waivers
        .iter()
        .enumerate()
        .filter(|(_, w)| time::parse_date(&w.expires).is_ok_and(|d| d > latest))
        .map(|(i, w)| {
            Diagnostic::error(
                Code::WaiverTooLong,
                format!(
                    "waiver for {} on {} runs until {}, longer than `gate.max_waiver_term` ({term}) allows: at most until {latest}",
                    w.rule, w.target, w.expires
                ),
            )
            .at(file, Place::value(format!("/waivers/{i}/expires")))
            .label(format!("after {latest}"))
            .help(format!(
                "set `expires` to {latest} or earlier; renewing it then takes a new sign-off"
            ))
        })
        .collect()
}

/// Every waiver of the config, judged against the rules that ran and
/// their results on `today`. Linear in waivers and findings: the violated
/// checks are indexed by (rule, target) once (5,000 waivers matching
/// nothing took over a minute when each scanned every result).
pub fn statuses(
    model: &Model,
    rules: &[Rule],
    results: &[CheckResult],
    today: Date,
) -> Vec<WaiverStatus> {
    let mut violated: HashMap<(&str, &str), Vec<usize>> = HashMap::new();
    for (i, r) in results.iter().enumerate().filter(|(_, r)| r.violated) {
        violated
            .entry((rules[r.rule].id.as_str(), r.target()))
            .or_default()
            .push(i);
    }
    let by_id: HashMap<&str, &Rule> = rules.iter().map(|r| (r.id.as_str(), r)).collect();
    model
        .config
        .waivers
        .iter()
        .enumerate()
        .map(|(index, w)| {
            // Parsed once here; every renderer reads the `Expiry`.
            let expiry = match time::parse_date(&w.expires) {
                Err(_) => Expiry::Unreadable,
                Ok(d) if d < today => Expiry::Expired {
                    days_ago: -time::days_between(today, d).unwrap_or(-1),
                },
                Ok(d) => Expiry::InForce {
                    days_left: time::days_between(today, d).unwrap_or(0),
                },
            };
            let coverage = match by_id.get(w.rule.as_str()) {
                None if model.config.rules.get(&w.rule).and_then(|o| o.enabled) == Some(false) => {
                    Coverage::RuleDisabled
                }
                None => Coverage::NotRun {
                    undeclared: undeclared_target(model, &w.target),
                },
                Some(rule) => {
                    let matching = violated
                        .get(&(w.rule.as_str(), w.target.as_str()))
                        .cloned()
                        .unwrap_or_default();
                    if !matching.is_empty() {
                        Coverage::Findings(matching)
                    } else if let Some(hint) = undeclared_target(model, &w.target) {
                        Coverage::NoSuchDeclaration(hint)
                    } else if let Some(checks) = never_checks(rule, &w.target) {
                        Coverage::NeverApplies(checks)
                    } else {
                        Coverage::NoFinding
                    }
                }
            };
            WaiverStatus {
                index,
                waiver: w.clone(),
                expiry,
                coverage,
            }
        })
        .collect()
}

/// The violated checks valid waivers cover, by index into the results.
pub(super) fn waived(statuses: &[WaiverStatus]) -> BTreeMap<usize, &Waiver> {
    let mut waived = BTreeMap::new();
    for s in statuses.iter().filter(|s| s.applies()) {
        if let Coverage::Findings(matching) = &s.coverage {
            for i in matching {
                waived.insert(*i, &s.waiver);
            }
        }
    }
    waived
}

/// `check`'s warnings about waivers: expired, about to expire, or covering
/// nothing, each prefixed by the waiver's place in the config; sorted.
pub(super) fn warnings(
    model: &Model,
    statuses: &[WaiverStatus],
    sources: &BTreeMap<String, String>,
) -> Vec<String> {
    let config_name = model.config_file.as_deref().unwrap_or("privgate.yaml");
    let mut about: Vec<(usize, String)> = Vec::new();
    for s in statuses {
        let w = &s.waiver;
        let warning = match &s.coverage {
            Coverage::RuleDisabled => Some(format!(
                "waiver for {} on {}: the rule is disabled in {config_name}, so the waiver covers nothing; remove one or the other",
                w.rule, w.target
            )),
            Coverage::NotRun { .. } => None,
            Coverage::NoSuchDeclaration(hint) => Some(format!(
                "waiver for {} on {}: no such declaration{hint}",
                w.rule, w.target
            )),
            Coverage::NeverApplies(checks) => Some(format!(
                "waiver for {} on {}: the rule never applies there (it checks {checks}); remove it from {config_name}",
                w.rule, w.target
            )),
            Coverage::NoFinding => Some(format!(
                "waiver for {} on {} matches no finding (fixed?); remove it from {config_name}",
                w.rule, w.target
            )),
            Coverage::Findings(_) => match s.expiry {
                Expiry::Unreadable | Expiry::Expired { .. } => Some(format!(
                    "waiver for {} on {} expired on {}; the finding counts again",
                    w.rule, w.target, w.expires
                )),
                Expiry::InForce { .. } => s.expiring().map(|d| {
                    let when = match d {
                        0 => "today".to_string(),
                        1 => "tomorrow".to_string(),
                        d => format!("in {d} days"),
                    };
                    format!(
                        "waiver for {} on {} expires {when} ({}); renew it or fix the finding",
                        w.rule, w.target, w.expires
                    )
                }),
            },
        };
        about.extend(warning.map(|text| (s.index, text)));
    }
    let mut warnings = placed(model, sources, about);
    warnings.sort();
    warnings
}

/// Each `(waiver index, text)` as `file:line:col: text`, the places found
/// in one pass over the config (without a config file, the text alone).
fn placed(
    model: &Model,
    sources: &BTreeMap<String, String>,
    about: Vec<(usize, String)>,
) -> Vec<String> {
    let Some(file) = &model.config_file else {
        return about.into_iter().map(|(_, text)| text).collect();
    };
    let places: Vec<Place> = about
        .iter()
        .map(|(i, _)| Place::key(format!("/waivers/{i}")))
        .collect();
    let locations = Locator::new(sources).locate_all(file, &places);
    about
        .into_iter()
        .zip(locations)
        .map(|((_, text), loc)| format!("{file}:{}:{}: {text}", loc.line, loc.column))
        .collect()
}

/// What `rule` checks ("purposes", "the repository"), when that is not the
/// kind of `target`: a waiver there can never match a finding.
pub(super) fn never_checks(rule: &Rule, target: &str) -> Option<String> {
    use crate::evaluate::rules::pack::Target as Checks;
    let kind = match Target::parse(target) {
        Target::Decl { kind, .. } => Checks::Decl(kind),
        Target::Repository => Checks::Repository,
        Target::UnknownKind { .. } | Target::Malformed => return None,
    };
    if rule.checks.iter().any(|c| c.target == kind) {
        return None;
    }
    let mut checked: Vec<String> = rule
        .checks
        .iter()
        .map(|c| match c.target {
            Checks::Decl(k) => k.section_map_name().to_string(),
            Checks::Repository => "the repository".to_string(),
        })
        .collect();
    checked.dedup();
    Some(checked.join(" and "))
}
