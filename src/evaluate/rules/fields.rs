//! What a condition can read: the fields of each declaration kind (from
//! `schemas/manifest.schema.json`, plus `kind`, `file`, `facts` and `links`),
//! the facts of `policies/facts.yaml`, and the globals' fields. Checked when
//! a pack loads, so `purpose.lawfull_basis` is a located error with a "did
//! you mean", not a failure on every purpose at run time.

use crate::model::Kind;
use cel::common::ast::{EntryExpr, Expr, IdedExpr};
use std::collections::BTreeMap;
use std::sync::OnceLock;

/// The shape of a value, as far as it is known.
#[derive(Debug, Clone)]
pub enum Shape {
    /// A map with exactly these fields.
    Fields(BTreeMap<String, Shape>),
    /// `datasets`, `vendors`, ...: declarations of a kind by id.
    ById(Kind),
    /// Text, a number or true/false (`kind` in words), with the values an
    /// enumeration allows.
    Scalar {
        kind: &'static str,
        allowed: Option<Vec<String>>,
    },
    /// Anything else (text, lists, numbers): not looked into.
    Opaque,
}

/// A field a condition reads that its value does not have.
#[derive(Debug, PartialEq)]
pub struct UnknownField {
    /// How the condition reaches the value (`purpose.risk`).
    pub path: String,
    pub field: String,
    pub known: Vec<String>,
}

/// The shapes a condition starts from: the declaration bound to `target`
/// and every global.
pub struct Shapes {
    decls: BTreeMap<Kind, Shape>,
    globals: BTreeMap<&'static str, Shape>,
}

impl Shapes {
    pub fn builtin() -> &'static Shapes {
        static SHAPES: OnceLock<Shapes> = OnceLock::new();
        SHAPES.get_or_init(|| Shapes::new(crate::load::schema::MANIFEST, super::builtin::FACTS))
    }

    fn new(schema: &str, facts: &str) -> Shapes {
        let schema: serde_json::Value = serde_json::from_str(schema).unwrap_or_default();
        let defs = &schema["$defs"];
        let facts = fact_names(facts);
        let decls = Kind::ALL
            .iter()
            .map(|&kind| {
                let mut fields = match shape_of(&defs[kind.name()], defs) {
                    Shape::Fields(f) => f,
                    _ => BTreeMap::new(),
                };
                // Found, not declared: no schema describes it.
                if kind == Kind::Dependency {
                    fields.extend(
                        super::values::DEPENDENCY_FIELDS
                            .iter()
                            .map(|f| (f.to_string(), Shape::Opaque)),
                    );
                }
                for plain in ["kind", "file"] {
                    fields.insert(plain.into(), Shape::Opaque);
                }
                let named = |names: Vec<String>| {
                    Shape::Fields(names.into_iter().map(|n| (n, Shape::Opaque)).collect())
                };
                fields.insert(
                    "facts".into(),
                    named(facts.get(&kind).cloned().unwrap_or_default()),
                );
                let links = super::values::link_names(kind)
                    .iter()
                    .map(|n| n.to_string());
                fields.insert("links".into(), named(links.collect()));
                (kind, Shape::Fields(fields))
            })
            .collect();
        let named = |names: &[&str]| {
            Shape::Fields(
                names
                    .iter()
                    .map(|n| (n.to_string(), Shape::Opaque))
                    .collect(),
            )
        };
        let mut globals: BTreeMap<&'static str, Shape> = Kind::ALL
            .iter()
            .map(|&k| (k.section_map_name(), Shape::ById(k)))
            .collect();
        globals.insert("rights", shape_of(&defs["rights"], defs));
        globals.insert("breach", shape_of(&defs["breach"], defs));
        globals.insert("settings", named(&super::values::SETTINGS));
        globals.insert("repository", named(&["personal_data", "manifests"]));
        globals.insert(
            "config",
            Shape::Fields(BTreeMap::from([
                ("organization".to_string(), Shape::Opaque),
                ("controller".to_string(), named(&super::values::CONTROLLER)),
            ])),
        );
        Shapes { decls, globals }
    }

    /// Whether `path` (`retention.period`) names a field a manifest can
    /// write on a declaration of `kind` (not `facts`, `links` and the other
    /// fields privgate adds).
    pub fn field(&self, kind: Kind, path: &str) -> Result<(), UnknownField> {
        let added = ["kind", "file", "facts", "links"];
        let mut shape = self.decls.get(&kind);
        let mut at = kind.name().to_string();
        for (depth, part) in path.split('.').enumerate() {
            let Some(Shape::Fields(fields)) = shape else {
                return Err(UnknownField {
                    path: at,
                    field: part.to_string(),
                    known: Vec::new(),
                });
            };
            let written = |name: &str| depth > 0 || !added.contains(&name);
            match fields.get(part).filter(|_| written(part)) {
                Some(next) => shape = Some(next),
                None => {
                    return Err(UnknownField {
                        path: at,
                        field: part.to_string(),
                        known: fields.keys().filter(|k| written(k)).cloned().collect(),
                    })
                }
            }
            at = format!("{at}.{part}");
        }
        Ok(())
    }

    /// What is wrong with the fields `expr` reads, in one walk over it;
    /// `target` names the declaration variable, if any.
    pub fn check(&self, expr: &IdedExpr, target: Option<Kind>) -> FieldProblems {
        let mut walk = Walk {
            shapes: self,
            target,
            bound: Vec::new(),
            problems: FieldProblems::default(),
        };
        walk.shape(expr);
        walk.problems
    }
}

/// The field mistakes of one condition.
#[derive(Debug, Default)]
pub struct FieldProblems {
    /// Fields it reads that do not exist.
    pub unknown: Vec<UnknownField>,
    /// Comparisons of a field with a literal that can never hold:
    /// `dataset.encrypted_at_rest == 'false'` (true/false against text),
    /// `purpose.lawful_basis == 'consnt'` (no such value). The interpreter
    /// answers false to both, so the rule would silently never fire.
    pub never_equal: Vec<String>,
}

/// The shape a schema node describes, following `$ref`s into `defs`.
fn shape_of(node: &serde_json::Value, defs: &serde_json::Value) -> Shape {
    if let Some(name) = node["$ref"]
        .as_str()
        .and_then(|r| r.strip_prefix("#/$defs/"))
    {
        return shape_of(&defs[name], defs);
    }
    match node["properties"].as_object() {
        Some(props) => Shape::Fields(
            props
                .iter()
                .map(|(k, v)| (k.clone(), shape_of(v, defs)))
                .collect(),
        ),
        None => {
            let kind = match node["type"].as_str() {
                Some("string") => "text",
                Some("boolean") => "true or false",
                Some("integer" | "number") => "a number",
                _ => return Shape::Opaque,
            };
            let allowed = node["enum"].as_array().map(|values| {
                values
                    .iter()
                    .filter_map(|v| v.as_str().map(str::to_string))
                    .collect()
            });
            Shape::Scalar { kind, allowed }
        }
    }
}

/// The fact names of `policies/facts.yaml`, by kind.
fn fact_names(facts: &str) -> BTreeMap<Kind, Vec<String>> {
    #[derive(serde::Deserialize)]
    struct File {
        facts: Vec<Entry>,
    }
    #[derive(serde::Deserialize)]
    struct Entry {
        target: String,
        name: String,
    }
    let mut out: BTreeMap<Kind, Vec<String>> = BTreeMap::new();
    if let Ok(file) = serde_yaml::from_str::<File>(facts) {
        for f in file.facts {
            if let Some(kind) = Kind::parse(&f.target) {
                out.entry(kind).or_default().push(f.name);
            }
        }
    }
    out
}

struct Walk<'s> {
    shapes: &'s Shapes,
    target: Option<Kind>,
    /// Names bound by enclosing comprehensions, which hide globals.
    bound: Vec<String>,
    problems: FieldProblems,
}

/// A literal's kind in words, and its text; `None` for null (optional
/// fields are compared with null on purpose) and what cannot be compared.
fn literal(e: &IdedExpr) -> Option<(&'static str, String)> {
    use cel::common::value::CelVal;
    match &e.expr {
        Expr::Literal(CelVal::Boolean(b)) => Some(("true or false", b.to_string())),
        Expr::Literal(CelVal::String(s)) => Some(("text", format!("'{s}'"))),
        Expr::Literal(CelVal::Int(i)) => Some(("a number", i.to_string())),
        Expr::Literal(CelVal::UInt(u)) => Some(("a number", u.to_string())),
        Expr::Literal(CelVal::Double(d)) => Some(("a number", d.to_string())),
        _ => None,
    }
}

impl<'s> Walk<'s> {
    /// The shape of `e` (borrowed from the `Shapes`, never copied: a
    /// declaration's shape is its whole schema), recording problems on the
    /// way. Visits every node once.
    fn shape(&mut self, e: &IdedExpr) -> Option<(String, &'s Shape)> {
        match &e.expr {
            Expr::Ident(name) if self.bound.contains(name) => None,
            Expr::Ident(name) => {
                let shape = match self.target {
                    Some(k) if k.name() == name => self.shapes.decls.get(&k),
                    _ => self.shapes.globals.get(name.as_str()),
                };
                shape.map(|s| (name.clone(), s))
            }
            Expr::Select(s) => {
                let (path, shape) = self.shape(&s.operand)?;
                match shape {
                    Shape::Fields(fields) => match fields.get(&s.field) {
                        Some(f) => Some((format!("{path}.{}", s.field), f)),
                        None => {
                            self.problems.unknown.push(UnknownField {
                                path,
                                field: s.field.clone(),
                                known: fields.keys().cloned().collect(),
                            });
                            None
                        }
                    },
                    _ => None,
                }
            }
            Expr::Call(call) => {
                if let Some(t) = &call.target {
                    self.shape(t);
                }
                let args: Vec<_> = call.args.iter().map(|a| self.shape(a)).collect();
                self.compare(&call.func_name, &call.args, &args);
                // `vendors[flow.to]`: a declaration of that kind.
                match (call.func_name.as_str(), args.first()) {
                    ("_[_]", Some(Some((path, Shape::ById(kind))))) => self
                        .shapes
                        .decls
                        .get(kind)
                        .map(|s| (format!("{path}[...]"), s)),
                    _ => None,
                }
            }
            Expr::Comprehension(c) => {
                self.shape(&c.iter_range);
                self.shape(&c.accu_init);
                let names = [Some(&c.iter_var), c.iter_var2.as_ref(), Some(&c.accu_var)];
                let depth = self.bound.len();
                self.bound.extend(names.into_iter().flatten().cloned());
                for sub in [&c.loop_cond, &c.loop_step, &c.result] {
                    self.shape(sub);
                }
                self.bound.truncate(depth);
                None
            }
            Expr::List(l) => {
                l.elements.iter().for_each(|x| {
                    self.shape(x);
                });
                None
            }
            Expr::Map(m) => {
                self.entries(m.entries.iter().map(|e| &e.expr));
                None
            }
            Expr::Struct(s) => {
                self.entries(s.entries.iter().map(|e| &e.expr));
                None
            }
            Expr::Literal(_) | Expr::Unspecified => None,
        }
    }

    /// Notes an `==`, `!=` or `in` of a typed field and literals that can
    /// never be equal.
    fn compare(&mut self, func: &str, exprs: &[IdedExpr], shapes: &[Option<(String, &Shape)>]) {
        let field = |i: usize| match shapes.get(i) {
            Some(Some((path, Shape::Scalar { kind, allowed }))) => Some((path, *kind, allowed)),
            _ => None,
        };
        let pairs: Vec<(_, &IdedExpr)> = match func {
            "_==_" | "_!=_" => [(0, 1), (1, 0)]
                .into_iter()
                .filter_map(|(f, l)| Some((field(f)?, exprs.get(l)?)))
                .collect(),
            // `flow.transfer_mechanism in ['scc', 'bcr']`
            "@in" => match (field(0), exprs.get(1).map(|e| &e.expr)) {
                (Some(f), Some(Expr::List(l))) => l.elements.iter().map(|e| (f, e)).collect(),
                _ => Vec::new(),
            },
            _ => Vec::new(),
        };
        for ((path, kind, allowed), other) in pairs {
            let Some((lit_kind, text)) = literal(other) else {
                continue;
            };
            if lit_kind != kind {
                self.problems.never_equal.push(format!(
                    "`{path}` is {kind}, compared with {lit_kind} {text}: they are never equal"
                ));
            } else if let (Some(allowed), Expr::Literal(cel::common::value::CelVal::String(v))) =
                (allowed, &other.expr)
            {
                if !allowed.contains(v) {
                    let hint =
                        crate::diagnostic::did_you_mean(v, allowed.iter().map(String::as_str))
                            .map(|h| format!("; {h}"))
                            .unwrap_or_default();
                    self.problems.never_equal.push(format!(
                        "`{path}` is one of {}; {text} is none of them{hint}",
                        allowed.join(", ")
                    ));
                }
            }
        }
    }

    fn entries<'e>(&mut self, entries: impl Iterator<Item = &'e EntryExpr>) {
        for entry in entries {
            match entry {
                EntryExpr::MapEntry(m) => {
                    self.shape(&m.key);
                    self.shape(&m.value);
                }
                EntryExpr::StructField(f) => {
                    self.shape(&f.value);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unknown(src: &str, target: Option<Kind>) -> Vec<String> {
        let program = cel::Program::compile(src).unwrap();
        Shapes::builtin()
            .check(program.expression(), target)
            .unknown
            .into_iter()
            .map(|u| format!("{}.{}", u.path, u.field))
            .collect()
    }

    #[test]
    fn known_fields_pass() {
        let ok = [
            "purpose.lawful_basis == 'consent' && purpose.risk.large_scale",
            "purpose.ccpa.sold || purpose.facts.personal || size(purpose.links.flows) > 0",
            "purpose.kind == 'purpose' && purpose.file != '' && has(purpose.notice)",
            "vendors[flow.to].contract.signed != null && flow.assessments.exists(a, assessments[a].type == 'tia')",
            "rights.erasure.sla != null && breach.plan != null && settings.max_retention != ''",
            "repository.personal_data && repository.manifests > 0",
            // A comprehension variable hides a global of the same name.
            "flow.categories.exists(settings, settings.anything)",
        ];
        for src in ok {
            let target = src.split('.').next().and_then(Kind::parse);
            assert_eq!(unknown(src, target), Vec::<String>::new(), "{src}");
        }
    }

    fn never_equal(src: &str) -> Vec<String> {
        let program = cel::Program::compile(src).unwrap();
        let target = src.split('.').next().and_then(Kind::parse);
        Shapes::builtin()
            .check(program.expression(), target)
            .never_equal
    }

    #[test]
    fn comparisons_that_can_never_hold_are_found() {
        let cases = [
            (
                "dataset.encrypted_at_rest == 'false'",
                "`dataset.encrypted_at_rest` is true or false, compared with text 'false': they are never equal",
            ),
            (
                "dataset.id != '' && 5 != dataset.location",
                "`dataset.location` is text, compared with a number 5: they are never equal",
            ),
            (
                "purpose.lawful_basis == 'consnt'",
                "`purpose.lawful_basis` is one of consent, contract, legal_obligation, vital_interests, public_task, legitimate_interests; 'consnt' is none of them; did you mean `consent`?",
            ),
            (
                "[1].exists(x, assessments[x].type in ['dpia', 'tai'])",
                "`assessments[...].type` is one of dpia, pia, lia, tia, screening; 'tai' is none of them",
            ),
        ];
        for (src, want) in cases {
            assert_eq!(never_equal(src), [want], "{src}");
        }
        for fine in [
            "dataset.encrypted_at_rest == true",
            "dataset.location == null || dataset.location != 'DE'",
            "purpose.lawful_basis in ['consent', 'contract']",
            "flow.facts.personal == true",
        ] {
            assert_eq!(never_equal(fine), Vec::<String>::new(), "{fine}");
        }
    }

    #[test]
    fn unknown_fields_are_found_wherever_they_are_read() {
        let cases = [
            ("purpose.lawfull_basis == 'x'", "purpose.lawfull_basis"),
            ("purpose.risk.large_scal", "purpose.risk.large_scal"),
            ("purpose.facts.needs_dpa", "purpose.facts.needs_dpa"),
            ("vendor.links.flows_out", "vendor.links.flows_out"),
            ("vendors[flow.to].contry == 'US'", "vendors[...].contry"),
            (
                "dataset.id != '' && has(dataset.retension)",
                "dataset.retension",
            ),
            ("[1].exists(x, rights.erasur != null)", "rights.erasur"),
            ("settings.max_retension", "settings.max_retension"),
        ];
        for (src, want) in cases {
            let target = src.split('.').next().and_then(Kind::parse);
            assert_eq!(unknown(src, target), [want], "{src}");
        }
    }
}
