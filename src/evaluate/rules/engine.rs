//! Evaluates rules against the model. Small and regulation-agnostic: it binds
//! the model's values and privgate's helper functions into a CEL context,
//! computes the facts of `policies/facts.yaml`, then runs every applicable
//! check of every rule, one declaration at a time, in parallel.

use super::pack::{self, compile, Check, Condition, Rule, Target};
use super::values::{self, key, DeclValue, Subject};
use crate::diagnostic::{Code, Diagnostic};
use crate::model::{Kind, Model, Origin};
use crate::span::Place;
use crate::taxonomy::{self, Mark, MarkIndex, Taxonomy};
use crate::time;
use cel::objects::Key;
use cel::{Context, ExecutionError, Value};
use jiff::civil::Date;
use rayon::prelude::*;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::sync::Arc;

/// The outcome of one applicable check. Small: a large run holds
/// hundreds of thousands of them.
#[derive(Debug, Clone)]
pub struct CheckResult {
    /// Index into the rule list given to `evaluate`.
    pub rule: usize,
    pub check: u32,
    pub violated: bool,
    /// A violation whose check names a field (`at`) that the declaration
    /// has: only then must the file be read again to find that field; a
    /// field the model lacks is not written, and the finding points at the
    /// id, whose place parsing noted.
    pub at_field: bool,
    /// What was checked; shared with the declaration.
    pub subject: Arc<Subject>,
    /// The check's `detail`, for a violation whose check has one.
    pub detail: Option<Arc<String>>,
}

impl CheckResult {
    pub fn target(&self) -> &str {
        &self.subject.target
    }
    pub fn origin(&self) -> &Origin {
        &self.subject.origin
    }
    /// The finding's message; `rule` is `rules[self.rule]`. Made safe to
    /// print here, once for every format: a detail can quote a manifest's
    /// text, control characters and all.
    pub fn message(&self, rule: &Rule) -> String {
        let text = rule.checks[self.check as usize]
            .message
            .replace("{id}", self.subject.id());
        let text = match &self.detail {
            Some(d) => text.replace("{detail}", d),
            None => text,
        };
        crate::diagnostic::printable(&text)
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FactsFile {
    #[allow(dead_code)]
    version: u32,
    facts: Vec<FactEntry>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FactEntry {
    target: String,
    name: String,
    #[allow(dead_code)]
    description: String,
    expr: String,
}

/// A compiled fact: a named value derived once per declaration.
pub struct Fact {
    pub kind: Kind,
    pub name: String,
    /// `name` as a CEL map key, made once.
    key: Key,
    pub program: Arc<Condition>,
}

/// The built-in facts; a defect in them is a build defect (tested).
///
/// Compiled once per process (`trend` checks every commit), and ahead of
/// need by `evaluate::start_compiling_builtins`.
pub fn builtin_facts() -> Result<&'static [Fact], Diagnostic> {
    static FACTS: std::sync::OnceLock<Result<Vec<Fact>, Diagnostic>> = std::sync::OnceLock::new();
    match FACTS.get_or_init(compile_builtin_facts) {
        Ok(facts) => Ok(facts),
        Err(d) => Err(d.clone()),
    }
}

fn compile_builtin_facts() -> Result<Vec<Fact>, Diagnostic> {
    let file = "policies/facts.yaml";
    let raw: FactsFile = serde_yaml::from_str(super::builtin::FACTS)
        .map_err(|e| Diagnostic::error(Code::RulePack, format!("{file}: {e}")))?;
    // In parallel on plain threads, as pack rules are (`crate::parallel`).
    crate::parallel::map(raw.facts, |i, f| {
        let kind = Kind::parse(&f.target).ok_or_else(|| {
            Diagnostic::error(
                Code::RulePack,
                format!("{file}: unknown target `{}`", f.target),
            )
        })?;
        let program = compile(
            &f.expr,
            Some(kind.name()),
            file,
            &format!("/facts/{i}/expr"),
        )?;
        Ok(Fact {
            kind,
            key: key(&f.name),
            name: f.name,
            program,
        })
    })
    .into_iter()
    .collect()
}

/// The fewest declarations a thread takes when facts and checks run in
/// parallel: each share sets up its own CEL context (about as dear as a
/// few declarations' checks), and a pre-commit run has some fifty
/// declarations of a kind, which a larger share would leave on one core.
const PARALLEL_DECLS: usize = 16;

/// Everything a condition can see besides its own declaration.
pub struct Env {
    globals: Vec<(&'static str, Value)>,
    taxonomy: Arc<Taxonomy>,
    marks: Arc<MarkIndex>,
    documents: Arc<BTreeMap<String, bool>>,
    today: Date,
    pub decls: BTreeMap<Kind, Vec<DeclValue>>,
    /// `kind_maps()` of `decls` as they stand, rebuilt when facts change them.
    maps: Vec<(&'static str, Value)>,
}

impl Env {
    pub fn new(model: &Model, today: Date) -> Env {
        let decls = values::declarations(model);
        let taxonomy = Arc::new(model.taxonomy.clone());
        let mut env = Env {
            globals: Vec::new(),
            taxonomy: taxonomy.clone(),
            marks: Arc::new(MarkIndex::new(taxonomy)),
            documents: Arc::new(model.documents.clone()),
            today,
            decls,
            maps: Vec::new(),
        };
        let t = crate::timings::phase("values: index");
        env.maps = env.kind_maps();
        drop(t);
        env.globals = vec![
            ("rights", values::optional(&model.rights)),
            ("breach", values::optional(&model.breach)),
            ("settings", values::settings(&model.config.settings)),
            ("config", values::config(&model.config)),
            ("today", values::string(&today.to_string())),
            (
                "repository",
                values::map_of([
                    (
                        "personal_data".into(),
                        Value::Bool(model.declares_personal_data()),
                    ),
                    ("manifests".into(), Value::Int(model.manifests.len() as i64)),
                ]),
            ),
        ];
        env
    }

    fn kind_maps(&self) -> Vec<(&'static str, Value)> {
        Kind::ALL
            .iter()
            .map(|&k| (k.section_map_name(), self.kind_map(k)))
            .collect()
    }

    fn kind_map(&self, kind: Kind) -> Value {
        values::index(self.decls.get(&kind).map_or(&[][..], Vec::as_slice))
    }

    /// A root context with every global and helper function bound.
    fn context(&self, maps: &[(&'static str, Value)]) -> Context<'static> {
        let mut ctx = Context::default();
        for (name, value) in maps.iter().chain(self.globals.iter()) {
            ctx.add_variable_from_value(*name, value.clone());
        }
        register_functions(
            &mut ctx,
            self.taxonomy.clone(),
            self.marks.clone(),
            self.documents.clone(),
            self.today,
        );
        ctx
    }

    /// Computes the facts, kind by kind, in file order; later facts and
    /// other kinds' facts see earlier ones.
    pub fn compute_facts(&mut self, facts: &[Fact]) -> Result<(), Diagnostic> {
        let mut i = 0;
        while i < facts.len() {
            let kind = facts[i].kind;
            let group_end = facts[i..]
                .iter()
                .position(|f| f.kind != kind)
                .map_or(facts.len(), |p| i + p);
            let group = &facts[i..group_end];
            // A fact reads other kinds through their maps, never its own
            // kind's: leaving that map out keeps each declaration's map
            // unshared, so it gains its facts in place rather than copied.
            let own = kind.section_map_name();
            self.maps.retain(|(name, _)| *name != own);
            let maps = std::mem::take(&mut self.maps);
            let decls = self.decls.remove(&kind).unwrap_or_default();
            let facts_key = key("facts");
            let updated: Result<Vec<DeclValue>, Diagnostic> = decls
                .into_par_iter()
                .with_min_len(PARALLEL_DECLS)
                .map_init(
                    || self.context(&maps),
                    |ctx, mut decl| {
                        // Room for this group's facts, made once.
                        if let Some(Value::Map(m)) =
                            Arc::make_mut(&mut decl.fields).get_mut(&facts_key)
                        {
                            Arc::make_mut(&mut m.map).reserve(group.len());
                        }
                        // One scope for all of this declaration's facts; the
                        // declaration is lent to it for each evaluation.
                        let current = Current::new(kind.name());
                        let mut scope = ctx.new_inner_scope();
                        scope.set_variable_resolver(&current);
                        for fact in group {
                            current.lend(decl.value());
                            let v = execute(&fact.program, &scope).map_err(|e| {
                                runtime_error(
                                    &format!("fact `{}.{}`", kind.name(), fact.name),
                                    &decl,
                                    &e,
                                )
                            });
                            current.take_back();
                            let v = v?;
                            // Later facts of this declaration see this one.
                            // In place: nothing else holds this `facts` map
                            // now that the scope has let go of it.
                            let fields = Arc::make_mut(&mut decl.fields);
                            match fields.get_mut(&facts_key) {
                                Some(Value::Map(m)) => {
                                    Arc::make_mut(&mut m.map).insert(fact.key.clone(), v);
                                }
                                _ => {
                                    fields.insert(
                                        facts_key.clone(),
                                        values::map_of([(fact.name.clone(), v)]),
                                    );
                                }
                            }
                        }
                        // Most declarations of a kind end with the same
                        // facts; they share one map.
                        if let Some(f) = Arc::make_mut(&mut decl.fields).get_mut(&facts_key) {
                            *f = values::share(std::mem::replace(f, Value::Null));
                        }
                        Ok(decl)
                    },
                )
                .collect();
            self.decls.insert(kind, updated?);
            self.maps = maps;
            self.maps.push((own, self.kind_map(kind)));
            i = group_end;
        }
        Ok(())
    }

    /// Runs every check of `rules`; returns applicable checks only.
    pub fn evaluate(
        &self,
        model: &Model,
        rules: &[Rule],
    ) -> Result<Vec<CheckResult>, Vec<Diagnostic>> {
        let maps = &self.maps;
        let mut results = Vec::new();
        let mut errors = Vec::new();
        for kind in Kind::ALL {
            let checks: Vec<(usize, usize, &Check)> = rules
                .iter()
                .enumerate()
                .filter(|(_, r)| self.applies(r))
                .flat_map(|(ri, r)| r.checks.iter().enumerate().map(move |(ci, c)| (ri, ci, c)))
                .filter(|(_, _, c)| c.target == Target::Decl(kind))
                .collect();
            if checks.is_empty() {
                continue;
            }
            let Some(decls) = self.decls.get(&kind) else {
                continue;
            };
            // A check that ran out of steps on one declaration would on
            // the next too: it is reported once and not run again.
            let over_budget: Vec<std::sync::atomic::AtomicBool> = checks
                .iter()
                .map(|_| std::sync::atomic::AtomicBool::new(false))
                .collect();
            // Every check runs even after one fails on this declaration:
            // each failing condition is reported in the same run.
            let per_decl: Vec<(Vec<CheckResult>, Vec<Failure>)> = decls
                .par_iter()
                .with_min_len(PARALLEL_DECLS)
                .map_init(
                    || self.context(maps),
                    |ctx, decl| {
                        let mut scope = ctx.new_inner_scope();
                        scope.add_variable_from_value(kind.name(), decl.value());
                        let mut out = Vec::new();
                        let mut failures = Vec::new();
                        for (&(ri, ci, check), over) in checks.iter().zip(&over_budget) {
                            if over.load(std::sync::atomic::Ordering::Relaxed) {
                                continue;
                            }
                            match run_check(check, &scope) {
                                Ok(Some((violated, detail))) => out.push(CheckResult {
                                    rule: ri,
                                    check: ci as u32,
                                    violated,
                                    at_field: violated
                                        && check
                                            .at
                                            .as_deref()
                                            .is_some_and(|at| has_field(decl, at)),
                                    subject: decl.subject.clone(),
                                    detail,
                                }),
                                Ok(None) => {}
                                Err((part, e)) => {
                                    let why = if pack::is_over_budget(&e) {
                                        // Reported by the first thread only.
                                        if over.swap(true, std::sync::atomic::Ordering::Relaxed) {
                                            continue;
                                        }
                                        pack::over_budget_text()
                                    } else {
                                        explain(&e)
                                    };
                                    failures.push(Failure {
                                        rule: ri,
                                        check: ci,
                                        part,
                                        why,
                                        decl,
                                    })
                                }
                            }
                        }
                        (out, failures)
                    },
                )
                .collect();
            let mut failures = Vec::new();
            for (mut ok, mut failed) in per_decl {
                results.append(&mut ok);
                failures.append(&mut failed);
            }
            errors.extend(Failure::diagnostics(rules, failures));
        }
        let ctx = self.context(maps);
        for (ri, rule) in rules.iter().enumerate().filter(|(_, r)| self.applies(r)) {
            for (ci, check) in rule.checks.iter().enumerate() {
                if check.target != Target::Repository {
                    continue;
                }
                match run_check(check, &ctx) {
                    Ok(Some((violated, detail))) => results.push(CheckResult {
                        rule: ri,
                        check: ci as u32,
                        violated,
                        at_field: false,
                        subject: Arc::new(Subject {
                            target: crate::model::Target::REPOSITORY.into(),
                            origin: repository_origin(model, check.anchor.as_deref()),
                        }),
                        detail,
                    }),
                    Ok(None) => {}
                    Err((part, e)) => errors.push(pack_defect(
                        rule,
                        ci,
                        part,
                        format!(
                            "rule `{}` failed on the repository: {}",
                            rule.id,
                            explain(&e)
                        ),
                    )),
                }
            }
        }
        if errors.is_empty() {
            Ok(results)
        } else {
            Err(errors)
        }
    }

    /// A rule with a start date is not checked before it (rules.md).
    fn applies(&self, rule: &Rule) -> bool {
        rule.applies_from.is_none_or(|from| from <= self.today)
    }

    /// Frees the values, both threads at once: hundreds of thousands of
    /// small maps, a noticeable share of a large run.
    pub fn free(mut self) {
        // The maps by id share the declarations' fields; let go of them
        // first, so the declarations free their own.
        self.maps.clear();
        self.globals.clear();
        let decls = std::mem::take(&mut self.decls);
        decls
            .into_values()
            .flatten()
            .collect::<Vec<_>>()
            .into_par_iter()
            .with_min_len(1024)
            .for_each(drop);
    }

    /// Evaluates an expression over each declaration of `kind` (KPIs).
    pub fn map_kind(&self, kind: Kind, program: &Condition) -> Result<Vec<Value>, ExecutionError> {
        let empty = Vec::new();
        self.decls
            .get(&kind)
            .unwrap_or(&empty)
            .par_iter()
            .with_min_len(256)
            .map_init(
                || self.context(&self.maps),
                |ctx, d| {
                    let mut scope = ctx.new_inner_scope();
                    scope.add_variable_from_value(kind.name(), d.value());
                    execute(program, &scope)
                },
            )
            .collect()
    }

    /// The ids of the declarations of `kind`, in `map_kind`'s order.
    pub fn ids(&self, kind: Kind) -> Vec<String> {
        self.decls
            .get(&kind)
            .map_or_else(Vec::new, |d| d.iter().map(|d| d.id().to_string()).collect())
    }

    /// Evaluates a repository-level expression (KPIs).
    pub fn eval_repository(&self, program: &Condition) -> Result<Value, ExecutionError> {
        execute(program, &self.context(&self.maps))
    }
}

impl Kind {
    /// The name of the global map of this kind (`vendors`).
    pub fn section_map_name(self) -> &'static str {
        match self {
            Kind::System => "systems",
            other => other.section(),
        }
    }
}

/// The declaration a scope evaluates, as the variable `name`. Lent for one
/// evaluation at a time and taken back between them, so the declaration
/// can gain each fact in place (it is the only holder then).
struct Current {
    name: &'static str,
    value: std::sync::Mutex<Value>,
}

impl Current {
    fn new(name: &'static str) -> Current {
        Current {
            name,
            value: std::sync::Mutex::new(Value::Null),
        }
    }

    fn slot(&self) -> std::sync::MutexGuard<'_, Value> {
        // Nothing panics while holding it; a poisoned lock is still usable.
        self.value.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn lend(&self, value: Value) {
        *self.slot() = value;
    }

    fn take_back(&self) {
        *self.slot() = Value::Null;
    }
}

impl cel::context::VariableResolver for Current {
    fn resolve(&self, variable: &str) -> Option<Value> {
        (variable == self.name).then(|| self.slot().clone())
    }
}

/// Where a repository-wide finding points: the anchor section when
/// declared, else line 1 of privgate.yaml, else of the first manifest.
fn repository_origin(model: &Model, anchor: Option<&str>) -> Origin {
    let anchored = match anchor {
        Some("rights") => model.rights.as_ref().map(|d| d.origin.clone()),
        Some("breach") => model.breach.as_ref().map(|d| d.origin.clone()),
        // The config's `controller`, else its `organization`.
        Some("controller" | "organization") => model.config_file.as_ref().and_then(|file| {
            let c = &model.config;
            let pointer = if anchor == Some("controller") && c.controller.is_some() {
                "/controller"
            } else if c.organization.is_some() {
                "/organization"
            } else if c.controller.is_some() {
                "/controller"
            } else {
                return None;
            };
            Some(Origin {
                file: file.clone(),
                pointer: pointer.into(),
                at: None,
            })
        }),
        _ => None,
    };
    anchored.unwrap_or_else(|| Origin {
        file: model
            .config_file
            .clone()
            .or_else(|| model.manifests.first().cloned())
            .unwrap_or_else(|| "privgate.yaml".into()),
        pointer: String::new(),
        at: None,
    })
}

thread_local! {
    /// Set while the interpreter runs on this thread: its panics are
    /// caught and reported as the condition's error, so the panic hook
    /// stays quiet about them.
    static IN_INTERPRETER: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// `program` on `ctx`. cel 0.12 panics on a few inputs it does not support
/// (`exists` over text or a number, for one); a condition of a pack must
/// not bring privgate down, so such a panic is an error of that condition.
fn execute(program: &Condition, ctx: &Context) -> Result<Value, ExecutionError> {
    quiet_interpreter_panics();
    IN_INTERPRETER.with(|f| f.set(true));
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| program.execute(ctx)));
    IN_INTERPRETER.with(|f| f.set(false));
    outcome.unwrap_or_else(|_| {
        Err(ExecutionError::function_error(
            "condition",
            "the interpreter cannot evaluate this (`exists`, `all`, `map` or `filter` \
             over a value that is not a list or a map?)",
        ))
    })
}

/// Installs, once, a panic hook that says nothing about panics caught in
/// `execute` and passes every other one to the hook there was.
fn quiet_interpreter_panics() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !IN_INTERPRETER.with(|f| f.get()) {
                previous(info);
            }
        }));
    });
}

/// Whether a check is violated, and its detail when it is.
type Outcome = (bool, Option<Arc<String>>);
/// Which part of a check (`when`, `violation`, `detail`) failed, and why.
type PartFailed = (&'static str, ExecutionError);

/// One check in `scope`: `None` when its `when` does not hold, else
/// whether it is violated and, if so, its detail; on failure, which part
/// failed and why.
fn run_check(check: &Check, scope: &Context) -> Result<Option<Outcome>, PartFailed> {
    if let Some(when) = &check.when {
        if !truthy(when, scope).map_err(|e| ("when", e))? {
            return Ok(None);
        }
    }
    let violated = truthy(&check.violation, scope).map_err(|e| ("violation", e))?;
    let detail = match &check.detail {
        Some(d) if violated => Some(text_of(d, scope).map_err(|e| ("detail", e))?),
        _ => None,
    };
    Ok(Some((violated, detail)))
}

/// Whether the declaration has a value at `pointer` (`/retention/period`).
/// A default the model fills in (`categories: []`) counts as present: the
/// locator then finds the field is not written and points at the id.
fn has_field(decl: &DeclValue, pointer: &str) -> bool {
    let mut fields = &decl.fields;
    let mut parts = pointer.trim_start_matches('/').split('/').peekable();
    while let Some(part) = parts.next() {
        match fields.get(&key(part)) {
            None | Some(Value::Null) => return false,
            Some(Value::Map(m)) if parts.peek().is_some() => fields = &m.map,
            Some(_) => return parts.peek().is_none(),
        }
    }
    false
}

/// A check's `detail`: text, or a list of texts (joined with ", ").
fn text_of(program: &Condition, ctx: &Context) -> Result<Arc<String>, ExecutionError> {
    let text = match execute(program, ctx)? {
        Value::String(s) => s.to_string(),
        Value::List(items) if items.iter().all(|i| matches!(i, Value::String(_))) => {
            let texts: Vec<&str> = items.iter().filter_map(str_arg).collect();
            texts.join(", ")
        }
        other => {
            return Err(ExecutionError::function_error(
                "detail",
                format!("must be text or a list of texts, got {}", kind_of(&other)),
            ))
        }
    };
    Ok(Arc::new(bounded_detail(text)))
}

/// A detail as a message can carry it: something, and not a whole file.
fn bounded_detail(text: String) -> String {
    const MAX_CHARS: usize = 500;
    if text.is_empty() {
        return "(no detail)".into();
    }
    match text.char_indices().nth(MAX_CHARS) {
        Some((cut, _)) => format!("{}...", &text[..cut]),
        None => text,
    }
}

/// A value's kind in the pack author's terms.
fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "true or false",
        Value::Int(_) | Value::UInt(_) | Value::Float(_) => "a number",
        Value::String(_) => "text",
        Value::List(_) => "a list with items that are not text",
        Value::Map(_) => "a map",
        _ => "a value of another kind",
    }
}

fn truthy(program: &Condition, ctx: &Context) -> Result<bool, ExecutionError> {
    match execute(program, ctx)? {
        Value::Bool(b) => Ok(b),
        Value::Null => Ok(false),
        other => Err(ExecutionError::function_error(
            "condition",
            format!(
                "must be true or false, got {}",
                match other {
                    Value::List(_) => "a list",
                    v => kind_of(&v),
                }
            ),
        )),
    }
}

fn runtime_error(what: &str, decl: &DeclValue, e: &ExecutionError) -> Diagnostic {
    Diagnostic::error(
        Code::RuleRuntime,
        format!(
            "{what} failed on {} `{}`: {}",
            decl.kind.name(),
            decl.id(),
            explain(e)
        ),
    )
    .at(
        &decl.subject.origin.file,
        Place::value(decl.subject.origin.id_pointer()),
    )
    .label("while checking this declaration")
    .help("this is a defect in the rule pack; report it to whoever maintains the pack")
}

/// A condition (`when`, `violation`) or `detail` of `rule`'s check `ci`
/// that failed while running: the defect is in the pack, so the error
/// points there.
fn pack_defect(rule: &Rule, ci: usize, part: &str, message: String) -> Diagnostic {
    Diagnostic::error(Code::RuleRuntime, message)
        .at(
            &rule.file,
            Place::value(format!("{}/checks/{ci}/{part}", rule.pointer)),
        )
        .label(if part == "detail" {
            "this detail"
        } else {
            "this condition"
        })
        .help(PACK_DEFECT_HELP)
}

const PACK_DEFECT_HELP: &str = "this is a defect in the rule pack: guard fields that may be \
     unset (`x.field != null && ...`); report it to whoever maintains the pack";

/// A condition that could not be evaluated on a declaration.
struct Failure<'d> {
    rule: usize,
    check: usize,
    /// `when` or `violation`.
    part: &'static str,
    why: String,
    decl: &'d DeclValue,
}

impl Failure<'_> {
    /// One diagnostic per condition and reason, at the condition (the
    /// defect is in the pack), naming the first declaration it failed on
    /// and how many more: a null field can fail on every team's manifest.
    fn diagnostics(rules: &[Rule], failures: Vec<Failure>) -> Vec<Diagnostic> {
        let mut grouped: BTreeMap<(usize, usize, &str, String), Vec<&DeclValue>> = BTreeMap::new();
        for f in failures {
            grouped
                .entry((f.rule, f.check, f.part, f.why))
                .or_default()
                .push(f.decl);
        }
        grouped
            .into_iter()
            .map(|((ri, ci, part, why), decls)| {
                let rule = &rules[ri];
                let first = decls[0];
                let more = match decls.len() - 1 {
                    0 => String::new(),
                    n => format!(" (and {n} more)"),
                };
                pack_defect(
                    rule,
                    ci,
                    part,
                    format!(
                        "rule `{}` failed on {} `{}`{more}: {why}",
                        rule.id,
                        first.kind.name(),
                        first.id()
                    ),
                )
                .related(
                    &first.subject.origin.file,
                    Place::value(first.subject.origin.id_pointer()),
                    "while checking this declaration",
                )
            })
            .collect()
    }
}

/// What went wrong, in the pack author's terms rather than the
/// interpreter's.
fn explain(e: &ExecutionError) -> String {
    let kind = |t: &str| -> String {
        match t {
            "Null" => "null (a field that is not set)",
            "Arc<String>" | "String" => "text",
            "i64" | "Int" | "u64" | "UInt" | "f64" | "Float" => "a number",
            "bool" | "Bool" => "true or false",
            "List" | "Arc<Vec<Value>>" => "a list",
            "Map" => "a map",
            other => other,
        }
        .to_string()
    };
    match e {
        ExecutionError::UnexpectedType { got, want } => {
            format!("got {} where {} was expected", kind(got), kind(want))
        }
        ExecutionError::NoSuchKey(k) => format!("there is no field or key `{k}` here"),
        ExecutionError::NoSuchOverload => {
            "an operator or function was given values of types it does not take \
             (null compared with a number, say)"
                .to_string()
        }
        ExecutionError::UndeclaredReference(name) => format!("unknown name `{name}`"),
        e if pack::is_over_budget(e) => pack::over_budget_text(),
        ExecutionError::FunctionError { function, message } => format!("{function}: {message}"),
        // The interpreter's own text would print its internal values.
        ExecutionError::ValuesNotComparable(a, b) => {
            format!("{} cannot be compared with {}", kind_of(a), kind_of(b))
        }
        ExecutionError::UnsupportedBinaryOperator(op, a, b) => {
            format!("`{op}` does not take {} and {}", kind_of(a), kind_of(b))
        }
        ExecutionError::UnsupportedUnaryOperator(op, v) => {
            format!("`{op}` does not take {}", kind_of(v))
        }
        ExecutionError::UnsupportedMapIndex(v) => {
            format!("a map cannot be indexed with {}", kind_of(v))
        }
        ExecutionError::UnsupportedListIndex(v) => {
            format!("a list cannot be indexed with {}", kind_of(v))
        }
        ExecutionError::UnsupportedIndex(v, i) => {
            format!("{} cannot be indexed with {}", kind_of(v), kind_of(i))
        }
        ExecutionError::UnsupportedKeyType(v) => format!("{} cannot be a map key", kind_of(v)),
        ExecutionError::DivisionByZero(_) => "division by zero".to_string(),
        other => other.to_string(),
    }
}

fn str_arg(v: &Value) -> Option<&str> {
    match v {
        Value::String(s) => Some(s.as_str()),
        _ => None,
    }
}

fn keys_of(v: &Value) -> Vec<&str> {
    match v {
        Value::List(l) => l.iter().filter_map(str_arg).collect(),
        _ => Vec::new(),
    }
}

/// Nominal days of a duration; `indefinite` or anything unreadable is
/// infinitely long (so limits catch it).
fn days_of(v: &Value) -> Option<f64> {
    let s = str_arg(v)?;
    if s == "indefinite" {
        return Some(f64::INFINITY);
    }
    time::parse_duration(s).ok().map(|d| time::nominal_days(&d))
}

fn register_functions(
    ctx: &mut Context<'static>,
    tax: Arc<Taxonomy>,
    marks: Arc<MarkIndex>,
    documents: Arc<BTreeMap<String, bool>>,
    today: Date,
) {
    ctx.add_function(pack::STEP_FUNCTION, pack::step);
    ctx.add_function("covers", |k: Arc<String>, prefix: Arc<String>| {
        taxonomy::covers(&prefix, &k)
    });
    ctx.add_function("any_covers", |list: Value, prefix: Arc<String>| {
        keys_of(&list).iter().any(|k| taxonomy::covers(&prefix, k))
    });
    // A list of texts as one text (a message's categories, triggers).
    ctx.add_function(
        "join",
        |list: Value, separator: Value| -> Result<Value, ExecutionError> {
            let sep = str_arg(&separator).unwrap_or(", ");
            Ok(Value::String(Arc::new(keys_of(&list).join(sep))))
        },
    );
    ctx.add_function("personal", |list: Value| {
        keys_of(&list).iter().any(|k| taxonomy::is_personal(k))
    });
    let marked = |mark: Mark, marks: Arc<MarkIndex>| {
        move |list: Value| keys_of(&list).iter().any(|k| marks.has_mark(k, mark))
    };
    ctx.add_function("special", marked(Mark::GdprSpecial, marks.clone()));
    ctx.add_function("criminal", marked(Mark::GdprCriminal, marks.clone()));
    ctx.add_function("sensitive", marked(Mark::CcpaSensitive, marks.clone()));
    ctx.add_function("highly_personal", marked(Mark::GdprHighlyPersonal, marks));
    let t = tax.clone();
    ctx.add_function("in_eea", move |c: Value| {
        str_arg(&c).is_some_and(|c| t.in_eea(c))
    });
    // Adequacy in force on the run date (Art. 45), of any scope.
    let t = tax.clone();
    ctx.add_function("adequate", move |c: Value| {
        str_arg(&c).is_some_and(|c| t.adequacy_on(c, today).is_some())
    });
    // In force, but only for the recipients its scope names.
    let t = tax.clone();
    ctx.add_function("adequacy_limited", move |c: Value| {
        str_arg(&c).is_some_and(|c| t.adequacy_on(c, today).is_some_and(|a| a.scope_limited))
    });
    // The GDPR Art. 8(1) age of a purpose's markets (16 when none is in
    // the EEA).
    let t = tax.clone();
    ctx.add_function(
        "consent_age",
        move |markets: Value| -> Result<Value, ExecutionError> {
            Ok(Value::Int(i64::from(t.consent_age(keys_of(&markets)))))
        },
    );
    let t = tax;
    ctx.add_function("dpf_country", move |c: Value| {
        str_arg(&c).is_some_and(|c| t.dpf.contains(c))
    });
    ctx.add_function("days", |d: Value| -> Result<Value, ExecutionError> {
        Ok(match days_of(&d) {
            Some(n) if n.is_finite() => Value::Float(n),
            Some(_) => Value::Float(1e12),
            None => Value::Null,
        })
    });
    ctx.add_function("finite", |d: Value| days_of(&d).is_some_and(f64::is_finite));
    ctx.add_function("max_days", |list: Value| -> Result<Value, ExecutionError> {
        let max = match &list {
            Value::List(l) => l
                .iter()
                .filter_map(days_of)
                .fold(None, |m: Option<f64>, d| Some(m.map_or(d, |m| m.max(d)))),
            _ => None,
        };
        Ok(max.map_or(Value::Null, Value::Float))
    });
    // `longer(a, b)`: period `a` is longer than `b` on the calendar, both
    // counted from today (so a month is not 30 days against a limit in
    // years). `indefinite` is longer than any period.
    ctx.add_function(
        "longer",
        move |a: Value, b: Value| -> Result<Value, ExecutionError> {
            let period = |v: &Value| -> Result<Option<jiff::Span>, ExecutionError> {
                match str_arg(v) {
                    Some("indefinite") => Ok(None),
                    Some(s) => time::parse_duration(s).map(Some).map_err(|e| {
                        ExecutionError::function_error("longer", format!("`{s}`: {e}"))
                    }),
                    None => Err(ExecutionError::function_error(
                        "longer",
                        format!("expects two durations, got {v:?}"),
                    )),
                }
            };
            let answer = match (period(&a)?, period(&b)?) {
                (None, b) => b.is_some(),
                (Some(_), None) => false,
                (Some(a), Some(b)) => time::longer(&a, &b, today),
            };
            Ok(Value::Bool(answer))
        },
    );
    // `overdue(date, interval)`: date + interval is before today. A missing
    // date is not overdue (other rules ask for the date).
    ctx.add_function("overdue", move |date: Value, interval: Value| {
        let (Some(d), Some(i)) = (str_arg(&date), str_arg(&interval)) else {
            return false;
        };
        match (time::parse_date(d), time::parse_duration(i)) {
            (Ok(d), Ok(i)) => time::add(d, i).is_some_and(|due| due < today),
            _ => false,
        }
    });
    // `expired(date)`: the date is before today (a contract's end).
    ctx.add_function("expired", move |date: Value| {
        str_arg(&date)
            .and_then(|d| time::parse_date(d).ok())
            .is_some_and(|d| d < today)
    });
    ctx.add_function("document_exists", move |p: Value| {
        str_arg(&p).is_some_and(|p| documents.get(p).copied().unwrap_or(false))
    });
}
