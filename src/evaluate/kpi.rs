//! KPIs (`policies/kpis.yaml`): ratios over declarations and over rule
//! outcomes, and amounts.

use crate::diagnostic::{Code, Diagnostic};
use crate::evaluate::rules::engine::{CheckResult, Env};
use crate::evaluate::rules::pack::{compile, Rule};
use crate::model::{Kind, Target};
use crate::report::{self, KpiEntry, KpiFile};
use cel::Value;
use std::collections::{BTreeMap, BTreeSet};

/// What a KPI reads besides the values: the enabled rules, their results
/// and the regulations enabled.
pub(super) struct KpiInput<'a> {
    pub rules: &'a [Rule],
    pub results: &'a [CheckResult],
    pub regulations: &'a [String],
}

pub(super) fn kpis(
    env: &Env,
    input: &KpiInput,
) -> Result<BTreeMap<String, Option<f64>>, Diagnostic> {
    let file = "policies/kpis.yaml";
    let raw: KpiFile = serde_yaml::from_str(report::KPIS)
        .map_err(|e| Diagnostic::error(Code::RulePack, format!("{file}: {e}")))?;
    let mut out = BTreeMap::new();
    for (i, k) in raw.kpis.iter().enumerate() {
        let enabled = k
            .regulation
            .as_ref()
            .is_none_or(|r| input.regulations.contains(r));
        let value = if !enabled {
            None
        } else if let Some(expr) = &k.value {
            let p = compile(expr, None, file, &format!("/kpis/{i}/value"))?;
            match env.eval_repository(&p).map_err(|e| kpi_failed(&k.id, &e))? {
                Value::Float(f) => Some(f),
                Value::Int(n) => Some(n as f64),
                _ => None,
            }
        } else if !k.rules.is_empty() {
            rule_kpi(env, k, i, input)?
        } else {
            let mut parts: Vec<(String, String, String, String)> = Vec::new();
            let target = k.target.clone().unwrap_or_default();
            parts.push((
                target,
                k.counts.clone().unwrap_or_else(|| "false".into()),
                k.passes.clone().unwrap_or_else(|| "false".into()),
                format!("/kpis/{i}"),
            ));
            for (j, p) in k.also.iter().enumerate() {
                parts.push((
                    p.target.clone(),
                    p.counts.clone(),
                    p.passes.clone(),
                    format!("/kpis/{i}/also/{j}"),
                ));
            }
            let (mut counted, mut passed) = (0usize, 0usize);
            for (target, counts, passes, pointer) in &parts {
                let (c, p) = ratio_part(env, &k.id, target, counts, passes, pointer)?;
                counted += c;
                passed += p;
            }
            (counted > 0).then(|| passed as f64 / counted as f64)
        };
        out.insert(k.id.clone(), value.map(|v| (v * 1000.0).round() / 1000.0));
    }
    Ok(out)
}

fn kpi_failed(id: &str, e: &dyn std::fmt::Debug) -> Diagnostic {
    Diagnostic::error(Code::RuleRuntime, format!("KPI `{id}` failed: {e:?}"))
}

/// How many declarations of `target` count, and how many of those pass.
fn ratio_part(
    env: &Env,
    id: &str,
    target: &str,
    counts: &str,
    passes: &str,
    pointer: &str,
) -> Result<(usize, usize), Diagnostic> {
    let file = "policies/kpis.yaml";
    let kind = Kind::parse(target).ok_or_else(|| kpi_failed(id, &"no target"))?;
    // `passes` only where `counts` holds: it may index what `counts` guards.
    let both = compile(
        &format!("({counts}) ? (({passes}) ? 2 : 1) : 0"),
        Some(kind.name()),
        file,
        &format!("{pointer}/passes"),
    )?;
    let values = env.map_kind(kind, &both).map_err(|e| kpi_failed(id, &e))?;
    let counted = values
        .iter()
        .filter(|v| matches!(v, Value::Int(n) if *n > 0))
        .count();
    let passed = values.iter().filter(|v| matches!(v, Value::Int(2))).count();
    Ok((counted, passed))
}

/// A KPI over rule outcomes: the declarations of `target` that an enabled
/// rule of `rules` checks, passing when none of those checks is violated.
fn rule_kpi(
    env: &Env,
    k: &KpiEntry,
    i: usize,
    input: &KpiInput,
) -> Result<Option<f64>, Diagnostic> {
    let file = "policies/kpis.yaml";
    let kind = k
        .target
        .as_deref()
        .and_then(Kind::parse)
        .ok_or_else(|| kpi_failed(&k.id, &"no target"))?;
    let wanted: BTreeSet<usize> = input
        .rules
        .iter()
        .enumerate()
        .filter(|(_, r)| k.rules.contains(&r.id))
        .map(|(ri, _)| ri)
        .collect();
    // Target -> whether every check of those rules on it held.
    let mut checked: BTreeMap<&str, bool> = BTreeMap::new();
    for r in input.results.iter().filter(|r| wanted.contains(&r.rule)) {
        let Target::Decl { kind: k, id } = Target::parse(r.target()) else {
            continue;
        };
        if k != kind {
            continue;
        }
        let ok = checked.entry(id).or_insert(true);
        *ok &= !r.violated;
    }
    if checked.is_empty() {
        return Ok(None);
    }
    let extra: BTreeSet<String> = match &k.passes {
        Some(expr) => {
            let p = compile(expr, Some(kind.name()), file, &format!("/kpis/{i}/passes"))?;
            let ids = env.ids(kind);
            let values = env.map_kind(kind, &p).map_err(|e| kpi_failed(&k.id, &e))?;
            ids.into_iter()
                .zip(values)
                .filter(|(_, v)| matches!(v, Value::Bool(true)))
                .map(|(id, _)| id)
                .collect()
        }
        None => checked.keys().map(|s| s.to_string()).collect(),
    };
    let passed = checked
        .iter()
        .filter(|(id, ok)| **ok && extra.contains(**id))
        .count();
    Ok(Some(passed as f64 / checked.len() as f64))
}
