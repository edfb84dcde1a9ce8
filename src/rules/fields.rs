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
        SHAPES.get_or_init(|| Shapes::new(crate::schema::MANIFEST, super::pack::FACTS))
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
        Shapes { decls, globals }
    }

    /// Every field `expr` reads that does not exist; `target` names the
    /// declaration variable, if any.
    pub fn unknown_fields(&self, expr: &IdedExpr, target: Option<Kind>) -> Vec<UnknownField> {
        let mut walk = Walk {
            shapes: self,
            target,
            bound: Vec::new(),
            unknown: Vec::new(),
        };
        walk.shape(expr);
        walk.unknown
    }
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
        None => Shape::Opaque,
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
    unknown: Vec<UnknownField>,
}

impl Walk<'_> {
    /// The shape of `e`, recording unknown fields on the way. Visits every
    /// node once.
    fn shape(&mut self, e: &IdedExpr) -> Option<(String, Shape)> {
        match &e.expr {
            Expr::Ident(name) if self.bound.contains(name) => None,
            Expr::Ident(name) => {
                let shape = match self.target {
                    Some(k) if k.name() == name => self.shapes.decls.get(&k),
                    _ => self.shapes.globals.get(name.as_str()),
                };
                shape.map(|s| (name.clone(), s.clone()))
            }
            Expr::Select(s) => {
                let (path, shape) = self.shape(&s.operand)?;
                match shape {
                    Shape::Fields(fields) => match fields.get(&s.field) {
                        Some(f) => Some((format!("{path}.{}", s.field), f.clone())),
                        None => {
                            self.unknown.push(UnknownField {
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
                // `vendors[flow.to]`: a declaration of that kind.
                match (call.func_name.as_str(), args.first()) {
                    ("_[_]", Some(Some((path, Shape::ById(kind))))) => self
                        .shapes
                        .decls
                        .get(kind)
                        .map(|s| (format!("{path}[...]"), s.clone())),
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
            .unknown_fields(program.expression(), target)
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
