//! Rule packs as data: loading, schema validation, CEL compilation and the
//! load-time check that every identifier a condition uses exists, so a typo
//! in a rule is a located error instead of a rule that silently never fires.

use super::fields::Shapes;
use crate::diagnostic::{did_you_mean, Code, Diagnostic};
use crate::load::parse_and_check;
use crate::load::schema::Schema;
use crate::model::Kind;
use crate::severity::Severity;
use crate::span::Place;
use cel::common::ast::{CallExpr, Expr};
use cel::{Context, ExecutionError, IdedExpr, Program, Value};
use serde::Deserialize;
use std::collections::BTreeSet;
use std::sync::Arc;

/// What a check iterates: a kind of declaration, or the repository once.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Target {
    Decl(Kind),
    Repository,
}

impl Target {
    pub fn parse(s: &str) -> Option<Target> {
        if s == "repository" {
            Some(Target::Repository)
        } else {
            Kind::parse(s).map(Target::Decl)
        }
    }
    pub fn name(self) -> &'static str {
        match self {
            Target::Decl(k) => k.name(),
            Target::Repository => "repository",
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PackFile {
    #[serde(rename = "$schema")]
    _schema: Option<String>,
    #[allow(dead_code)]
    version: u32,
    pack: String,
    regulation: String,
    title: Option<String>,
    citation_prefix: Option<String>,
    rules: Vec<RuleFile>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleFile {
    id: String,
    citation: String,
    severity: Severity,
    status: Option<RuleStatus>,
    title: String,
    rationale: String,
    remediation: String,
    example: String,
    #[serde(default)]
    references: Vec<String>,
    /// The first day the rule applies (YYYY-MM-DD); before it the rule is
    /// neither checked nor scored.
    applies_from: Option<String>,
    checks: Vec<CheckFile>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CheckFile {
    target: String,
    when: Option<String>,
    violation: String,
    message: String,
    detail: Option<String>,
    anchor: Option<String>,
    at: Option<String>,
}

/// A rule's maturity (`status:` in its pack; stable unless it says).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RuleStatus {
    #[default]
    Stable,
    Preview,
    Deprecated,
}

impl RuleStatus {
    pub fn name(self) -> &'static str {
        match self {
            RuleStatus::Stable => "stable",
            RuleStatus::Preview => "preview",
            RuleStatus::Deprecated => "deprecated",
        }
    }
}

/// A rule ready to evaluate.
#[derive(Debug, Clone)]
pub struct Rule {
    pub id: String,
    pub pack: String,
    pub regulation: String,
    /// Full citation: the pack's prefix and the rule's citation.
    pub citation: String,
    pub severity: Severity,
    pub status: RuleStatus,
    pub title: String,
    pub rationale: String,
    pub remediation: String,
    pub example: String,
    pub references: Vec<String>,
    /// Not checked (nor scored) before this day.
    pub applies_from: Option<jiff::civil::Date>,
    pub checks: Vec<Check>,
    /// Where the rule is defined (for diagnostics about the rule itself).
    pub file: String,
    pub pointer: String,
}

#[derive(Debug, Clone)]
pub struct Check {
    pub target: Target,
    pub when: Option<Arc<Condition>>,
    pub violation: Arc<Condition>,
    pub message: String,
    /// Evaluated on violations only: the text `{detail}` in `message` stands
    /// for (which category, which right), so a finding says what is wrong.
    pub detail: Option<Arc<Condition>>,
    pub anchor: Option<String>,
    /// The field a finding points at (`mechanism`, `retention.period`),
    /// as a JSON pointer below the declaration (`/retention/period`); the
    /// declaration's id when the manifest does not write it.
    pub at: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Pack {
    pub name: String,
    pub regulation: String,
    pub title: String,
    pub file: String,
    pub rules: Vec<Rule>,
}

/// The `{name}`s in a message other than `{id}` and `{detail}`.
fn unknown_placeholders(message: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = message;
    while let Some(open) = rest.find('{') {
        let after = &rest[open + 1..];
        let Some(close) = after.find('}') else { break };
        let name = &after[..close];
        let is_name =
            !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if is_name && name != "id" && name != "detail" {
            out.push(name);
        }
        rest = &after[close + 1..];
    }
    out
}

/// Variables every condition may use, besides the target's own name.
pub const GLOBALS: [&str; 15] = [
    "systems",
    "dependencies",
    "datasets",
    "purposes",
    "flows",
    "consents",
    "vendors",
    "assessments",
    "rights",
    "breach",
    "settings",
    "today",
    "repository",
    "config",
    "null",
];

/// Functions privgate adds to CEL's standard library.
pub const FUNCTIONS: [&str; 20] = [
    "covers",
    "any_covers",
    "personal",
    "special",
    "criminal",
    "sensitive",
    "in_eea",
    "adequate",
    "dpf_country",
    "days",
    "finite",
    "overdue",
    "document_exists",
    "max_days",
    "longer",
    "highly_personal",
    "adequacy_limited",
    "consent_age",
    "expired",
    "join",
];

/// How many arguments each of `FUNCTIONS` takes. The interpreter only
/// notices too few when a call runs (which a `when` may put off until some
/// later change) and ignores extra ones; the pack loader checks both.
const FUNCTION_ARITY: [(&str, usize); 20] = [
    ("covers", 2),
    ("any_covers", 2),
    ("personal", 1),
    ("special", 1),
    ("criminal", 1),
    ("sensitive", 1),
    ("in_eea", 1),
    ("adequate", 1),
    ("dpf_country", 1),
    ("days", 1),
    ("finite", 1),
    ("overdue", 2),
    ("document_exists", 1),
    ("max_days", 1),
    ("longer", 2),
    ("highly_personal", 1),
    ("adequacy_limited", 1),
    ("consent_age", 1),
    ("expired", 1),
    ("join", 2),
];

/// The parser's first complaint, where in the condition it is, without
/// the grammar's list of every token it would have taken.
fn syntax_error(e: &cel::ParseErrors) -> String {
    let Some(first) = e.errors.first() else {
        return format!("CEL syntax error: {e}");
    };
    let msg = first.msg.trim_start_matches("Syntax error: ");
    let msg = msg.split(" expecting {").next().unwrap_or(msg);
    let msg = if msg.contains("'<EOF>'") {
        "it ends where more is expected".to_string()
    } else if let Some(rest) = [
        "mismatched input ",
        "extraneous input ",
        "token recognition error at: ",
    ]
    .iter()
    .find_map(|p| msg.strip_prefix(p))
    {
        format!("unexpected `{}`", rest.trim().trim_matches('\'').trim())
    } else {
        msg.to_string()
    };
    let (line, column) = first.pos;
    let at = if line > 1 {
        format!("line {line}, column {column}")
    } else {
        format!("column {column}")
    };
    format!("CEL syntax error at {at} of the condition: {msg}")
}

/// Calls `f` on `e` and on every expression inside it, map entries and
/// comprehension parts included.
fn visit(e: &cel::IdedExpr, f: &mut dyn FnMut(&cel::IdedExpr)) {
    f(e);
    match &e.expr {
        Expr::Call(call) => {
            call.target.iter().for_each(|t| visit(t, f));
            call.args.iter().for_each(|a| visit(a, f));
        }
        Expr::Comprehension(c) => {
            for sub in [
                &c.iter_range,
                &c.accu_init,
                &c.loop_cond,
                &c.loop_step,
                &c.result,
            ] {
                visit(sub, f);
            }
        }
        Expr::List(l) => l.elements.iter().for_each(|x| visit(x, f)),
        Expr::Select(sel) => visit(&sel.operand, f),
        Expr::Map(m) => {
            for entry in &m.entries {
                match &entry.expr {
                    cel::common::ast::EntryExpr::MapEntry(m) => {
                        visit(&m.key, f);
                        visit(&m.value, f);
                    }
                    cel::common::ast::EntryExpr::StructField(s) => visit(&s.value, f),
                }
            }
        }
        _ => {}
    }
}

/// Every call in `e`: the function and how many arguments it is given (a
/// method call's receiver counts as the first).
fn calls(e: &cel::IdedExpr) -> Vec<(String, usize)> {
    let mut out = Vec::new();
    visit(e, &mut |e| {
        if let Expr::Call(call) = &e.expr {
            let n = call.args.len() + usize::from(call.target.is_some());
            out.push((call.func_name.clone(), n));
        }
    });
    out
}

/// CEL's standard functions and macros (those cel-rust implements).
const STDLIB: [&str; 22] = [
    "size",
    "has",
    "exists",
    "all",
    "exists_one",
    "map",
    "filter",
    "contains",
    "startsWith",
    "endsWith",
    "matches",
    "string",
    "int",
    "uint",
    "double",
    "bytes",
    "duration",
    "timestamp",
    "max",
    "min",
    "type",
    "dyn",
];

/// The longest condition a pack may hold, in characters. The built-in
/// packs' longest is under 600; the parser's memory grows with the text
/// (a 600 KB `||` chain took 1.7 GB).
pub const MAX_CONDITION_CHARS: usize = 8192;

/// How deeply a condition's expression may nest, as `nesting_bound`
/// counts it. The parser, the interpreter and privgate's own walks over
/// the expression recurse once per level, so the level count must be
/// bounded before any of them runs: `1 + 1 + ... + 1` with 7,000 terms
/// overflowed the stack. The built-in packs need under 20.
pub const MAX_CONDITION_DEPTH: usize = 64;

/// Comprehension steps (one per element an `exists`, `all`, `map` or
/// `filter` visits, at any depth) one evaluation of a condition may take:
/// a three-deep comprehension over literal lists of 1,000 is 10^9 steps.
/// The built-in packs take a few hundred per declaration.
pub const MAX_STEPS: u64 = 1_000_000;

/// The function the loop condition of every comprehension is wrapped in:
/// it counts the steps of the evaluation running on this thread. Its name
/// cannot be written in a condition (CEL identifiers do not start with `@`).
pub const STEP_FUNCTION: &str = "@step";

/// A compiled condition: cel's expression with every comprehension's loop
/// condition wrapped in `STEP_FUNCTION`, so an evaluation stops with an
/// error once it has taken `MAX_STEPS` steps (cel 0.12 has no such limit).
#[derive(Debug)]
pub struct Condition {
    expr: IdedExpr,
}

thread_local! {
    /// Steps taken by the evaluation running on this thread.
    static STEPS: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
}

impl Condition {
    fn new(program: &Program) -> Condition {
        let mut expr = program.expression().clone();
        count_steps(&mut expr);
        Condition { expr }
    }

    /// Evaluates the condition in `ctx` (whose functions include
    /// `STEP_FUNCTION`, see `step`) with a fresh step budget.
    pub fn execute(&self, ctx: &Context) -> Result<Value, ExecutionError> {
        STEPS.with(|s| s.set(0));
        Value::resolve(&self.expr, ctx)
    }
}

/// The body of `STEP_FUNCTION`: one step more, or the budget's error.
pub fn step(value: Value) -> Result<Value, ExecutionError> {
    let taken = STEPS.with(|s| {
        let n = s.get() + 1;
        s.set(n);
        n
    });
    if taken > MAX_STEPS {
        Err(ExecutionError::function_error(STEP_FUNCTION, OVER_BUDGET))
    } else {
        Ok(value)
    }
}

const OVER_BUDGET: &str =
    "comprehensions (exists, all, map, filter) took more steps than one evaluation may take";

/// Whether `e` is the step budget running out.
pub fn is_over_budget(e: &ExecutionError) -> bool {
    matches!(e, ExecutionError::FunctionError { function, .. } if function == STEP_FUNCTION)
}

/// What `is_over_budget` errors say to the pack's author.
pub fn over_budget_text() -> String {
    format!(
        "comprehensions (exists, all, map, filter) took more than {MAX_STEPS} steps on one \
         declaration, the most one evaluation may take; the condition was not evaluated further"
    )
}

/// Wraps the loop condition of every comprehension in `e` in
/// `STEP_FUNCTION`. Iterative: the depth is bounded already, but no walk
/// here needs the stack.
fn count_steps(e: &mut IdedExpr) {
    let mut stack: Vec<&mut IdedExpr> = vec![e];
    while let Some(e) = stack.pop() {
        match &mut e.expr {
            Expr::Comprehension(c) => {
                let c = &mut **c;
                let cond = std::mem::take(&mut c.loop_cond);
                c.loop_cond = IdedExpr {
                    id: cond.id,
                    expr: Expr::Call(CallExpr {
                        func_name: STEP_FUNCTION.to_string(),
                        target: None,
                        args: vec![cond],
                    }),
                };
                stack.extend([
                    &mut c.iter_range,
                    &mut c.accu_init,
                    &mut c.loop_step,
                    &mut c.result,
                ]);
                if let Expr::Call(call) = &mut c.loop_cond.expr {
                    stack.extend(call.args.iter_mut());
                }
            }
            Expr::Call(call) => {
                stack.extend(call.target.iter_mut().map(|t| &mut **t));
                stack.extend(call.args.iter_mut());
            }
            Expr::List(l) => stack.extend(l.elements.iter_mut()),
            Expr::Select(sel) => stack.push(&mut sel.operand),
            Expr::Map(m) => {
                for entry in &mut m.entries {
                    match &mut entry.expr {
                        cel::common::ast::EntryExpr::MapEntry(m) => {
                            stack.push(&mut m.key);
                            stack.push(&mut m.value);
                        }
                        cel::common::ast::EntryExpr::StructField(s) => stack.push(&mut s.value),
                    }
                }
            }
            _ => {}
        }
    }
}

/// An upper bound on how deeply the expression tree of `source` nests,
/// from one pass over its characters (no recursion: this runs before
/// anything that recurses). Within one pair of brackets (or the whole
/// condition), every operator can add a level (`a + b + c` is a left-deep
/// chain), a `.` is a select or a method call, and a bracketed group adds
/// its own levels below them: the bound is the operators of the level plus
/// the deepest group inside it, along the deepest path. Text in quotes is
/// skipped.
pub fn nesting_bound(source: &str) -> usize {
    /// One open bracket: operators so far in its current comma-separated
    /// part, the most in any part, the deepest group inside.
    #[derive(Default)]
    struct Level {
        ops: usize,
        most_ops: usize,
        deepest: usize,
    }
    impl Level {
        fn depth(&self) -> usize {
            self.ops.max(self.most_ops) + 1 + self.deepest
        }
    }
    let chars: Vec<char> = source.chars().collect();
    let mut levels = vec![Level::default()];
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        match c {
            '\'' | '"' => {
                let raw = i > 0 && matches!(chars[i - 1], 'r' | 'R');
                let triple = next == Some(c) && chars.get(i + 2) == Some(&c);
                let quote_len = if triple { 3 } else { 1 };
                i += quote_len;
                while i < chars.len() {
                    if chars[i] == '\\' && !raw {
                        i += 2;
                        continue;
                    }
                    if chars[i] == c
                        && (!triple
                            || (chars.get(i + 1) == Some(&c) && chars.get(i + 2) == Some(&c)))
                    {
                        break;
                    }
                    i += 1;
                }
                i += quote_len;
                continue;
            }
            '(' | '[' | '{' => {
                if let Some(l) = levels.last_mut() {
                    l.ops += 1;
                }
                levels.push(Level::default());
            }
            ')' | ']' | '}' if levels.len() > 1 => {
                if let Some(done) = levels.pop() {
                    if let Some(l) = levels.last_mut() {
                        l.deepest = l.deepest.max(done.depth());
                    }
                }
            }
            ',' => {
                if let Some(l) = levels.last_mut() {
                    l.most_ops = l.most_ops.max(l.ops);
                    l.ops = 0;
                }
            }
            '+' | '-' | '*' | '/' | '%' | '!' | '<' | '>' | '=' | '&' | '|' | '?' | ':' | '.' => {
                // A decimal point is part of its number.
                let in_number = c == '.'
                    && i > 0
                    && chars[i - 1].is_ascii_digit()
                    && next.is_some_and(|n| n.is_ascii_digit());
                if !in_number {
                    if let Some(l) = levels.last_mut() {
                        l.ops += 1;
                    }
                    let pair = matches!(
                        (c, next),
                        ('&', Some('&'))
                            | ('|', Some('|'))
                            | ('=', Some('='))
                            | ('!', Some('='))
                            | ('<', Some('='))
                            | ('>', Some('='))
                    );
                    if pair {
                        i += 1;
                    }
                }
            }
            c if c.is_alphabetic() || c == '_' => {
                let start = i;
                while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_') {
                    i += 1;
                }
                // `in` is a binary operator.
                if chars[start..i] == ['i', 'n'] {
                    if let Some(l) = levels.last_mut() {
                        l.ops += 1;
                    }
                }
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    // Brackets left open (a syntax error cel reports) close here.
    while levels.len() > 1 {
        if let Some(done) = levels.pop() {
            if let Some(l) = levels.last_mut() {
                l.deepest = l.deepest.max(done.depth());
            }
        }
    }
    levels.pop().map_or(0, |l| l.depth())
}

/// Why `source` is refused before it is parsed: too long, or nested too
/// deep for the parser and the interpreter, which recurse per level.
fn too_large(source: &str) -> Option<(String, &'static str)> {
    let chars = source.chars().count();
    if chars > MAX_CONDITION_CHARS {
        return Some((
            format!("condition is longer than {MAX_CONDITION_CHARS} characters ({chars})"),
            "too long",
        ));
    }
    let depth = nesting_bound(source);
    if depth > MAX_CONDITION_DEPTH {
        return Some((
            format!(
                "condition nests deeper than {MAX_CONDITION_DEPTH} levels (operators chained \
                 or brackets nested: up to {depth})"
            ),
            "nested too deep",
        ));
    }
    None
}

/// Compiles one CEL expression and checks its identifiers. `target` is the
/// variable name the declaration is bound to, if any. The first problem
/// only; see `compile_all`.
pub fn compile(
    source: &str,
    target: Option<&str>,
    file: &str,
    pointer: &str,
) -> Result<Arc<Condition>, Diagnostic> {
    compile_all(source, target, file, pointer).map_err(|mut problems| problems.remove(0))
}

/// `compile`, with every unknown variable, function and field reported
/// (never an empty list).
pub fn compile_all(
    source: &str,
    target: Option<&str>,
    file: &str,
    pointer: &str,
) -> Result<Arc<Condition>, Vec<Diagnostic>> {
    if let Some((why, label)) = too_large(source) {
        return Err(vec![Diagnostic::error(Code::RuleTooComplex, why)
            .at(file, Place::value(pointer))
            .label(label)
            .help(
                "split the check, or derive part of it as a fact; a condition must stay small \
                 enough to read and to evaluate",
            )]);
    }
    let program = Program::compile(source).map_err(|e| {
        vec![Diagnostic::error(Code::RuleSyntax, syntax_error(&e))
            .at(file, Place::value(pointer))
            .label("does not compile")]
    })?;
    let depth = comprehension_depth(program.expression());
    if depth > MAX_COMPREHENSION_DEPTH {
        return Err(vec![Diagnostic::error(
            Code::RuleTooComplex,
            format!(
                "comprehensions (exists, all, map, filter) nest {depth} deep here; at most \
                 {MAX_COMPREHENSION_DEPTH} are allowed"
            ),
        )
        .at(file, Place::value(pointer))
        .label("nested too deep")
        .help(
            "each level multiplies the work by the length of its list, so a deep condition \
             could stall every run; split the check or derive the inner part as a fact",
        )]);
    }
    let mut problems = Vec::new();
    let bound = comprehension_vars(program.expression());
    let refs = program.references();
    let known_vars: Vec<&str> = GLOBALS.iter().copied().chain(target).collect();
    for var in refs.variables() {
        if !known_vars.contains(&var) && !bound.contains(var) {
            problems.push(
                Diagnostic::error(
                    Code::RuleUnknownIdentifier,
                    format!("condition uses unknown variable `{var}`"),
                )
                .at(file, Place::value(pointer))
                .label("unknown variable")
                .help_opt(
                    did_you_mean(var, known_vars.iter().copied())
                        .or_else(|| Some(format!("variables here: {}", known_vars.join(", ")))),
                ),
            );
        }
    }
    for func in refs.functions() {
        // Operators appear as functions (`_&&_`, `!_`, `@in`).
        let operator =
            !func.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') || func.starts_with('_');
        if operator || FUNCTIONS.contains(&func) || STDLIB.contains(&func) {
            continue;
        }
        problems.push(
            Diagnostic::error(
                Code::RuleUnknownIdentifier,
                format!("condition calls unknown function `{func}`"),
            )
            .at(file, Place::value(pointer))
            .label("unknown function")
            .help_opt(did_you_mean(
                func,
                FUNCTIONS.iter().chain(STDLIB.iter()).copied(),
            )),
        );
    }
    for (func, given) in calls(program.expression()) {
        let Some(&(_, takes)) = FUNCTION_ARITY.iter().find(|(f, _)| *f == func) else {
            continue;
        };
        if given != takes {
            problems.push(
                Diagnostic::error(
                    Code::RuleWrongArguments,
                    format!(
                        "`{func}` takes {takes} argument{}, but is given {given}",
                        crate::text::plural(takes)
                    ),
                )
                .at(file, Place::value(pointer))
                .label(format!("`{func}` called with {given}"))
                .help("the helper functions and their arguments are listed in the README (rule packs)"),
            );
        }
    }
    let kind = target.and_then(Kind::parse);
    let fields = Shapes::builtin().check(program.expression(), kind);
    for u in fields.unknown {
        problems.push(
            Diagnostic::error(
                Code::RuleUnknownIdentifier,
                format!(
                    "condition reads `{}.{}`, which does not exist",
                    u.path, u.field
                ),
            )
            .at(file, Place::value(pointer))
            .label("unknown field")
            .help_opt(
                did_you_mean(&u.field, u.known.iter().map(String::as_str))
                    .or_else(|| Some(format!("`{}` has: {}", u.path, u.known.join(", ")))),
            ),
        );
    }
    for why in fields.never_equal {
        problems.push(
            Diagnostic::error(Code::RuleTypeMismatch, why)
                .at(file, Place::value(pointer))
                .label("never true")
                .help("compare with a value of the field's own kind (true/false, a number or text, as the manifest schema has it)"),
        );
    }
    if problems.is_empty() {
        Ok(Arc::new(Condition::new(&program)))
    } else {
        Err(problems)
    }
}

/// Names bound by comprehensions (`x` in `list.exists(x, ...)`), which
/// `references()` reports as variables.
/// How deeply a condition may nest comprehensions: its work grows as the
/// length of the lists it walks to this power. Three is what the built-in
/// packs need (a dataset's categories, the purposes using it, theirs);
/// eight deep over ten items was 10^8 steps and minutes of CPU.
const MAX_COMPREHENSION_DEPTH: usize = 3;

/// How deeply comprehensions nest inside each other's loop bodies. A
/// comprehension in a list being walked, or in the result, runs once and
/// does not multiply.
fn comprehension_depth(e: &cel::IdedExpr) -> usize {
    let deepest = |items: &mut dyn Iterator<Item = &cel::IdedExpr>| {
        items.map(comprehension_depth).max().unwrap_or(0)
    };
    match &e.expr {
        Expr::Comprehension(c) => {
            let body = deepest(&mut [&c.loop_cond, &c.loop_step].into_iter());
            let once = deepest(&mut [&c.iter_range, &c.accu_init, &c.result].into_iter());
            (1 + body).max(once)
        }
        Expr::Call(call) => deepest(&mut call.target.iter().map(|t| &**t).chain(call.args.iter())),
        Expr::List(l) => deepest(&mut l.elements.iter()),
        Expr::Select(s) => comprehension_depth(&s.operand),
        Expr::Map(m) => deepest(&mut m.entries.iter().flat_map(|e| match &e.expr {
            cel::common::ast::EntryExpr::MapEntry(m) => vec![&m.key, &m.value],
            cel::common::ast::EntryExpr::StructField(f) => vec![&f.value],
        })),
        _ => 0,
    }
}

fn comprehension_vars(expr: &cel::IdedExpr) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    visit(expr, &mut |e| {
        if let Expr::Comprehension(c) = &e.expr {
            out.insert(c.iter_var.clone());
            out.extend(c.iter_var2.clone());
            out.insert(c.accu_var.clone());
        }
    });
    out
}

/// Loads a pack's text. `file` is how it is named in diagnostics.
pub fn load_pack(file: &str, text: &str) -> (Option<Pack>, Option<String>, Vec<Diagnostic>) {
    let parsed = parse_and_check::<PackFile>(file, text.as_bytes().to_vec(), Schema::rulepack());
    let (text, raw) = match parsed {
        Ok(v) => v,
        Err((Some(text), mut d)) => {
            // The rules without schema errors of their own are still
            // compiled: their mistakes show in the same run.
            if let Some((raw, kept)) = rules_without_problems(file, &text, &d) {
                d.extend(build_pack(file, raw, &|pos| kept[pos]).1);
            }
            return (None, Some(text), d);
        }
        Err((None, d)) => return (None, None, d),
    };
    let (pack, diags) = build_pack(file, raw, &|pos| pos);
    (Some(pack), Some(text), diags)
}

/// Loads a built-in pack. The tests hold each against the rulepack schema
/// (`every_builtin_pack_passes_the_rulepack_schema`) and this against
/// `load_pack` (`a_builtin_pack_loads_as_any_pack_does`), so it skips the
/// schema and the spans, about a third of loading a pack; should the text
/// not deserialize, `load_pack` says why, located.
pub fn load_builtin_pack(file: &str, text: &str) -> (Option<Pack>, Vec<Diagnostic>) {
    match serde_yaml::from_str::<PackFile>(text) {
        Ok(raw) => {
            let (pack, diags) = build_pack(file, raw, &|pos| pos);
            (Some(pack), diags)
        }
        Err(_) => {
            let (pack, _, diags) = load_pack(file, text);
            (pack, diags)
        }
    }
}

/// The pack without the rules that `problems` (schema errors) point into,
/// and the original index of each rule kept; `None` when a problem is
/// outside the rules (then nothing of the pack is trustworthy).
fn rules_without_problems(
    file: &str,
    text: &str,
    problems: &[Diagnostic],
) -> Option<(PackFile, Vec<usize>)> {
    let mut bad = std::collections::BTreeSet::new();
    for d in problems {
        let Place::Pointer { pointer, .. } = &d.place else {
            return None;
        };
        let index = pointer.strip_prefix("/rules/")?.split('/').next()?;
        bad.insert(index.parse::<usize>().ok()?);
    }
    let mut value = crate::load::parse::parse(file, text.as_bytes().to_vec())
        .ok()?
        .value;
    let rules = value.get_mut("rules")?.as_array_mut()?;
    let kept: Vec<usize> = (0..rules.len()).filter(|i| !bad.contains(i)).collect();
    let mut i = 0;
    rules.retain(|_| {
        i += 1;
        !bad.contains(&(i - 1))
    });
    let raw = serde_json::from_value::<PackFile>(value).ok()?;
    Some((raw, kept))
}

/// The pack's rules compiled; `index(pos)` is where the rule at `pos`
/// stands in the file (the same, unless rules were left out).
fn build_pack(
    file: &str,
    raw: PackFile,
    index: &(dyn Fn(usize) -> usize + Sync),
) -> (Pack, Vec<Diagnostic>) {
    let prefix = raw
        .citation_prefix
        .clone()
        .unwrap_or_else(|| raw.regulation.to_uppercase());
    let pack = PackInfo {
        file,
        name: &raw.pack,
        regulation: &raw.regulation,
        prefix: &prefix,
    };
    // Rules compile in parallel (parsing CEL is most of loading a pack, and
    // the pre-commit run waits for it), on plain threads: the built-in
    // packs compile inside a `OnceLock` (see `crate::parallel`).
    let built: Vec<(Rule, Vec<Diagnostic>)> =
        crate::parallel::map(raw.rules, |pos, r| build_rule(&pack, index(pos), r));
    let mut diags = Vec::new();
    let mut rules = Vec::with_capacity(built.len());
    for (rule, mut d) in built {
        rules.push(rule);
        diags.append(&mut d);
    }
    let pack = Pack {
        title: raw.title.unwrap_or_else(|| raw.pack.clone()),
        name: raw.pack,
        regulation: raw.regulation,
        file: file.to_string(),
        rules,
    };
    (pack, diags)
}

/// What every rule of a pack shares.
struct PackInfo<'p> {
    file: &'p str,
    name: &'p str,
    regulation: &'p str,
    /// Put before each rule's citation (`GDPR`, `CCPA Cal. Civ. Code`).
    prefix: &'p str,
}

/// One rule of a pack compiled; `ri` is its index in the file.
fn build_rule(pack: &PackInfo, ri: usize, r: RuleFile) -> (Rule, Vec<Diagnostic>) {
    let file = pack.file;
    let mut diags = Vec::new();
    let mut checks = Vec::new();
    for (ci, c) in r.checks.iter().enumerate() {
        let base = format!("/rules/{ri}/checks/{ci}");
        let Some(target) = Target::parse(&c.target) else {
            continue;
        };
        let var = match target {
            Target::Decl(k) => Some(k.name()),
            Target::Repository => None,
        };
        // Both compiled, so one load reports the problems of both.
        let when = c
            .when
            .as_ref()
            .map(|src| compile_all(src, var, file, &format!("{base}/when")))
            .transpose();
        let violation = compile_all(&c.violation, var, file, &format!("{base}/violation"));
        let detail = c
            .detail
            .as_ref()
            .map(|src| compile_all(src, var, file, &format!("{base}/detail")))
            .transpose();
        // A placeholder privgate does not fill would print literally.
        for unknown in unknown_placeholders(&c.message) {
            diags.push(
                Diagnostic::error(
                    Code::RulePack,
                    format!("`message` uses `{{{unknown}}}`, which privgate does not fill"),
                )
                .at(file, Place::value(format!("{base}/message")))
                .help("a message may use `{id}` (the declaration's id) and `{detail}` (the check's `detail`)"),
            );
        }
        // `{detail}` with nothing to fill it would print literally.
        if c.message.contains("{detail}") != c.detail.is_some() {
            diags.push(
                Diagnostic::error(
                    Code::RulePack,
                    "`message` uses `{detail}` exactly when the check has a `detail`",
                )
                .at(file, Place::value(format!("{base}/message")))
                .help("add a `detail` expression, or drop `{detail}` from the message"),
            );
        }
        let at = c.at.as_deref().and_then(|at| {
            let problem = match target {
                Target::Repository => Some(Diagnostic::error(
                    Code::RulePack,
                    "`at` names a field of the declaration checked; a repository check has none",
                )
                .help("point a repository check at a section with `anchor` instead")),
                Target::Decl(kind) => Shapes::builtin().field(kind, at).err().map(|u| {
                    Diagnostic::error(
                        Code::RuleUnknownIdentifier,
                        format!(
                            "`at` names `{}.{}`, which a {} does not have",
                            u.path,
                            u.field,
                            kind.name()
                        ),
                    )
                    .label("unknown field")
                    .help_opt(
                        did_you_mean(&u.field, u.known.iter().map(String::as_str)).or_else(
                            || Some(format!("`{}` has: {}", u.path, u.known.join(", "))),
                        ),
                    )
                }),
            };
            match problem {
                Some(d) => {
                    diags.push(d.at(file, Place::value(format!("{base}/at"))));
                    None
                }
                None => Some(at.split('.').map(|s| format!("/{s}")).collect()),
            }
        });
        match (when, violation, detail) {
            (Ok(when), Ok(violation), Ok(detail)) => checks.push(Check {
                target,
                when,
                violation,
                message: c.message.clone(),
                detail,
                anchor: c.anchor.clone(),
                at,
            }),
            (when, violation, detail) => {
                diags.extend(when.err().into_iter().flatten());
                diags.extend(violation.err().into_iter().flatten());
                diags.extend(detail.err().into_iter().flatten());
            }
        }
    }
    let applies_from = match r.applies_from.as_deref().map(crate::time::parse_date) {
        Some(Ok(d)) => Some(d),
        Some(Err(why)) => {
            diags.push(
                Diagnostic::error(
                    Code::RulePack,
                    format!("`applies_from` is not a date: {why}"),
                )
                .at(file, Place::value(format!("/rules/{ri}/applies_from")))
                .help("write the first day the rule applies as YYYY-MM-DD"),
            );
            None
        }
        None => None,
    };
    let rule = Rule {
        citation: format!("{} {}", pack.prefix, r.citation),
        id: r.id,
        pack: pack.name.to_string(),
        regulation: pack.regulation.to_string(),
        severity: r.severity,
        status: r.status.unwrap_or_default(),
        title: r.title,
        rationale: r.rationale.trim().to_string(),
        remediation: r.remediation.trim().to_string(),
        example: r.example,
        references: r.references,
        applies_from,
        checks,
        file: file.to_string(),
        pointer: format!("/rules/{ri}"),
    };
    (rule, diags)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_builtin_pack_loads_as_any_pack_does() {
        for (file, text) in super::super::builtin::BUILTIN {
            let (full, _, full_diags) = load_pack(file, text);
            let (fast, fast_diags) = load_builtin_pack(file, text);
            assert_eq!(format!("{full:?}"), format!("{fast:?}"), "{file}");
            assert_eq!(
                format!("{full_diags:?}"),
                format!("{fast_diags:?}"),
                "{file}"
            );
            assert!(fast.is_some(), "{file}");
        }
    }

    #[test]
    fn every_builtin_pack_passes_the_rulepack_schema() {
        for (file, text) in super::super::builtin::BUILTIN {
            let checked =
                parse_and_check::<PackFile>(file, text.as_bytes().to_vec(), Schema::rulepack());
            let problems = match checked {
                Ok(_) => Vec::new(),
                Err((_, d)) => d,
            };
            assert!(problems.is_empty(), "{file}: {problems:?}");
        }
    }

    fn depth(src: &str) -> usize {
        comprehension_depth(Program::compile(src).unwrap().expression())
    }

    #[test]
    fn comprehension_depth_counts_loop_bodies_only() {
        assert_eq!(depth("purpose.lawful_basis == null"), 0);
        assert_eq!(
            depth("purposes.exists(p, purposes[p].facts.sold_or_shared)"),
            1
        );
        assert_eq!(depth("[1].exists(x, [2].exists(y, x == y))"), 2);
        assert_eq!(
            depth("[1].all(x, [2].map(y, [3].filter(z, z == y)).size() > 0)"),
            3
        );
        // Walking a list that a comprehension made, or using one in the
        // result, does not multiply the work.
        assert_eq!(depth("[1].map(x, x).filter(y, y > 0).exists(z, z == 1)"), 1);
        assert_eq!(depth("{'a': [1].exists(x, [2].all(y, true))}"), 2);
    }

    #[test]
    fn a_condition_nested_too_deep_is_a_located_load_error() {
        let src = "[1].all(x, [2].all(y, [3].all(z, [4].all(w, x == y))))";
        let d = compile(src, None, "org.yaml", "/rules/0/checks/0/violation").unwrap_err();
        assert_eq!(d.code, "rule-too-complex");
        assert!(d.message.contains("nest 4 deep"), "{}", d.message);
        assert_eq!(d.file.as_deref(), Some("org.yaml"));
        let three = "[1].all(x, [2].all(y, [3].all(z, x == y)))";
        assert!(compile(three, None, "f", "/p").is_ok());
    }

    #[test]
    fn a_syntax_error_says_where_in_the_condition_in_one_line() {
        let d = compile("dataset.location != 'DE' &&", None, "org.yaml", "/p").unwrap_err();
        assert_eq!(d.code, "rule-syntax");
        assert!(
            d.message.starts_with("CEL syntax error at column "),
            "{}",
            d.message
        );
        assert!(
            d.message.ends_with("it ends where more is expected"),
            "{}",
            d.message
        );
        let d = compile("dataset.location == = 'DE'", None, "org.yaml", "/p").unwrap_err();
        assert!(d.message.contains("unexpected `=`"), "{}", d.message);
        assert!(
            !d.message.contains('\n') && !d.message.contains("IDENTIFIER"),
            "{}",
            d.message
        );
    }

    #[test]
    fn a_comprehension_inside_a_map_literal_binds_its_variable() {
        let src = "{'a': dataset.categories.exists(c, c == 'user.name')}['a']";
        assert!(compile_all(src, Some("dataset"), "f", "/p").is_ok());
    }

    #[test]
    fn a_helper_given_too_few_or_too_many_arguments_is_a_load_error() {
        let err = |src: &str| {
            compile_all(
                src,
                Some("dataset"),
                "org.yaml",
                "/rules/0/checks/0/violation",
            )
            .err()
            .map(|d| d[0].message.clone())
        };
        assert_eq!(
            err("dataset.location != null && covers(dataset.location)").as_deref(),
            Some("`covers` takes 2 arguments, but is given 1")
        );
        assert_eq!(
            err("[1].exists(x, in_eea(dataset.location, 1, 2))").as_deref(),
            Some("`in_eea` takes 1 argument, but is given 3")
        );
        assert_eq!(
            err("covers(dataset.location, 'user') && in_eea('DE')"),
            None
        );
        // Every helper the engine registers has its arity listed.
        assert_eq!(
            FUNCTIONS.iter().collect::<BTreeSet<_>>(),
            FUNCTION_ARITY
                .iter()
                .map(|(f, _)| f)
                .collect::<BTreeSet<_>>()
        );
    }
}
