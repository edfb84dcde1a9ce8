//! KPIs (`policies/kpis.yaml`): ratios over declarations and over rule
//! outcomes, and amounts.

use crate::diagnostic::{Code, Diagnostic};
use crate::evaluate::rules::engine::{CheckResult, Env};
use crate::evaluate::rules::pack::{compile, Condition, Rule};
use crate::model::{Kind, Target};
use crate::report::{self, KpiEntry, KpiFile};
use cel::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, OnceLock};

/// What a KPI reads besides the values: the enabled rules, their results
/// and the regulations enabled.
pub(super) struct KpiInput<'a> {
    pub rules: &'a [Rule],
    pub results: &'a [CheckResult],
    pub regulations: &'a [String],
}

/// How a KPI of `policies/kpis.yaml` is computed, its conditions compiled.
enum Measure {
    /// An amount or ratio over the repository (`value`).
    Value(Arc<Condition>),
    /// The declarations of a kind that an enabled rule of the KPI's
    /// `rules` checks; `passes`, if given, narrows those that pass.
    Rules {
        kind: Kind,
        passes: Option<Arc<Condition>>,
    },
    /// Declarations that count and pass, over one or more kinds: per kind,
    /// one condition giving 0 (not counted), 1 (counted) or 2 (passes).
    Ratio(Vec<(Kind, Arc<Condition>)>),
}

pub(super) struct CompiledKpi {
    entry: KpiEntry,
    measure: Measure,
}

const FILE: &str = "policies/kpis.yaml";

/// The KPIs compiled, once per process and ahead of need (see
/// `run::start_compiling_builtins`); a defect in them is a build defect
/// (tested).
pub(super) fn builtin_kpis() -> Result<&'static [CompiledKpi], Diagnostic> {
    static KPIS: OnceLock<Result<Vec<CompiledKpi>, Diagnostic>> = OnceLock::new();
    match KPIS.get_or_init(compile_kpis) {
        Ok(kpis) => Ok(kpis),
        Err(d) => Err(d.clone()),
    }
}

fn compile_kpis() -> Result<Vec<CompiledKpi>, Diagnostic> {
    let raw: KpiFile = serde_yaml::from_str(report::KPIS)
        .map_err(|e| Diagnostic::error(Code::RulePack, format!("{FILE}: {e}")))?;
    // On plain threads, as pack rules are (`crate::parallel`).
    crate::parallel::map(raw.kpis, |i, entry| {
        let measure = measure(&entry, i)?;
        Ok(CompiledKpi { entry, measure })
    })
    .into_iter()
    .collect()
}

fn measure(k: &KpiEntry, i: usize) -> Result<Measure, Diagnostic> {
    let kind_of = |target: Option<&str>| {
        target
            .and_then(Kind::parse)
            .ok_or_else(|| kpi_failed(&k.id, &"no target"))
    };
    if let Some(expr) = &k.value {
        return Ok(Measure::Value(compile(
            expr,
            None,
            FILE,
            &format!("/kpis/{i}/value"),
        )?));
    }
    if !k.rules.is_empty() {
        let kind = kind_of(k.target.as_deref())?;
        let passes = k
            .passes
            .as_ref()
            .map(|expr| compile(expr, Some(kind.name()), FILE, &format!("/kpis/{i}/passes")))
            .transpose()?;
        return Ok(Measure::Rules { kind, passes });
    }
    let first = (
        k.target.as_deref(),
        k.counts.as_deref().unwrap_or("false"),
        k.passes.as_deref().unwrap_or("false"),
        format!("/kpis/{i}"),
    );
    let also = k.also.iter().enumerate().map(|(j, p)| {
        (
            Some(p.target.as_str()),
            p.counts.as_str(),
            p.passes.as_str(),
            format!("/kpis/{i}/also/{j}"),
        )
    });
    let parts = std::iter::once(first)
        .chain(also)
        .map(|(target, counts, passes, pointer)| {
            let kind = kind_of(target)?;
            // `passes` only where `counts` holds: it may index what
            // `counts` guards.
            let both = compile(
                &format!("({counts}) ? (({passes}) ? 2 : 1) : 0"),
                Some(kind.name()),
                FILE,
                &format!("{pointer}/passes"),
            )?;
            Ok((kind, both))
        })
        .collect::<Result<Vec<_>, Diagnostic>>()?;
    Ok(Measure::Ratio(parts))
}

pub(super) fn kpis(
    env: &Env,
    input: &KpiInput,
) -> Result<BTreeMap<String, Option<f64>>, Diagnostic> {
    let mut out = BTreeMap::new();
    for kpi in builtin_kpis()? {
        let k = &kpi.entry;
        let enabled = k
            .regulation
            .as_ref()
            .is_none_or(|r| input.regulations.contains(r));
        let value = if !enabled {
            None
        } else {
            match &kpi.measure {
                Measure::Value(p) => {
                    match env.eval_repository(p).map_err(|e| kpi_failed(&k.id, &e))? {
                        Value::Float(f) => Some(f),
                        Value::Int(n) => Some(n as f64),
                        _ => None,
                    }
                }
                Measure::Rules { kind, passes } => rule_kpi(env, k, *kind, passes.as_ref(), input)?,
                Measure::Ratio(parts) => {
                    let (mut counted, mut passed) = (0usize, 0usize);
                    for (kind, both) in parts {
                        let (c, p) = ratio_part(env, &k.id, *kind, both)?;
                        counted += c;
                        passed += p;
                    }
                    (counted > 0).then(|| passed as f64 / counted as f64)
                }
            }
        };
        out.insert(k.id.clone(), value.map(|v| (v * 1000.0).round() / 1000.0));
    }
    Ok(out)
}

fn kpi_failed(id: &str, e: &dyn std::fmt::Debug) -> Diagnostic {
    Diagnostic::error(Code::RuleRuntime, format!("KPI `{id}` failed: {e:?}"))
}

/// How many declarations of `kind` count, and how many of those pass.
fn ratio_part(
    env: &Env,
    id: &str,
    kind: Kind,
    both: &Condition,
) -> Result<(usize, usize), Diagnostic> {
    let values = env.map_kind(kind, both).map_err(|e| kpi_failed(id, &e))?;
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
    kind: Kind,
    passes: Option<&Arc<Condition>>,
    input: &KpiInput,
) -> Result<Option<f64>, Diagnostic> {
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
    let extra: BTreeSet<String> = match passes {
        Some(p) => {
            let ids = env.ids(kind);
            let values = env.map_kind(kind, p).map_err(|e| kpi_failed(&k.id, &e))?;
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
