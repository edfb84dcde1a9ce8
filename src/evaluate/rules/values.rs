//! The model as CEL values, built once per run: each declaration becomes a
//! map of its fields plus `links` (who refers to it) and `facts` (derived
//! values from `policies/facts.yaml`), and each kind a map by id, so
//! conditions follow references with `vendors[flow.to]`.

use crate::manifest::Settings;
use crate::model::{Decl, Kind, Model, Origin, Target};
use cel::objects::{Key, Map};
use cel::Value;
use rayon::prelude::*;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

/// A checked declaration, or the repository.
#[derive(Debug)]
pub struct Subject {
    /// `kind:id`, or `repository`.
    pub target: String,
    pub origin: Origin,
}

impl Subject {
    /// The id that `{id}` in a check's message stands for.
    pub fn id(&self) -> &str {
        Target::parse(&self.target)
            .id()
            .unwrap_or(self.target.as_str())
    }
}

mod ser;

/// One declaration, ready for evaluation.
#[derive(Debug, Clone)]
pub struct DeclValue {
    pub kind: Kind,
    /// `id` as a CEL map key, made once for every index that holds it.
    pub key: Key,
    /// `kind:id` and where it is declared, shared with its check results.
    pub subject: Arc<Subject>,
    /// Shared, so binding a declaration or indexing it costs a pointer copy.
    pub fields: Arc<HashMap<Key, Value>>,
}

impl DeclValue {
    pub fn id(&self) -> &str {
        self.subject.id()
    }

    pub fn value(&self) -> Value {
        Value::Map(Map {
            map: self.fields.clone(),
        })
    }
}

pub fn key(s: &str) -> Key {
    Key::String(Arc::new(s.to_string()))
}

pub fn string(s: &str) -> Value {
    Value::String(Arc::new(s.to_string()))
}

pub fn map_of(entries: impl IntoIterator<Item = (String, Value)>) -> Value {
    Value::Map(Map {
        map: Arc::new(entries.into_iter().map(|(k, v)| (key(&k), v)).collect()),
    })
}

/// The fields of `item`, with room for `extra` more (sized once: a map that
/// grows is copied).
fn to_fields<T: Serialize>(item: &T, extra: usize) -> HashMap<Key, Value> {
    // Model types have text keys only, so this does not fail.
    SHARED.with(|s| ser::fields(item, &mut s.borrow_mut(), extra).unwrap_or_default())
}

/// The one copy of `s` on this thread (see `Shared`).
fn shared(s: &str) -> Arc<String> {
    SHARED.with(|sh| sh.borrow_mut().str(s))
}

fn shared_list(items: Vec<Value>) -> Value {
    SHARED.with(|s| s.borrow_mut().list(items))
}

fn shared_key(s: &str) -> Key {
    Key::String(shared(s))
}

/// Forgets every thread's shared copies (the values made keep theirs), so
/// later stages reuse the memory the lookup tables took.
pub fn forget_shared() {
    let forget = || SHARED.with(|s| *s.borrow_mut() = Shared::default());
    rayon::broadcast(|_| forget());
    forget();
}

thread_local! {
    static SHARED: std::cell::RefCell<Shared> = Default::default();
}

/// One copy of each repeated value. Field names, categories and countries
/// repeat across thousands of declarations, and so do whole lists
/// (`[user.contact.email, user.name]`) and small maps (a `risk` block, a
/// `retention` policy); sharing them keeps a 10,000-manifest model small.
#[derive(Default)]
struct Shared {
    strings: std::collections::HashSet<SharedStr, Fast>,
    /// Lists and maps by the identity of their (already shared) parts.
    values: HashMap<Vec<u64>, Value, Fast>,
}

impl Shared {
    fn str(&mut self, s: &str) -> Arc<String> {
        if let Some(a) = self.strings.get(s) {
            return a.0.clone();
        }
        let a = Arc::new(s.to_string());
        self.strings.insert(SharedStr(a.clone()));
        a
    }

    /// JSON to CEL, bottom-up: a list or map is shared when its parts are.
    /// (`ser` converts the model directly; tests check the two agree.)
    #[cfg(test)]
    fn value(&mut self, v: serde_json::Value) -> Value {
        match v {
            serde_json::Value::Null => Value::Null,
            serde_json::Value::Bool(b) => Value::Bool(b),
            serde_json::Value::Number(n) => match n.as_i64() {
                Some(i) => Value::Int(i),
                None => Value::Float(n.as_f64().unwrap_or_default()),
            },
            serde_json::Value::String(s) => Value::String(self.str(&s)),
            serde_json::Value::Array(a) => {
                let items = a.into_iter().map(|x| self.value(x)).collect();
                self.list(items)
            }
            serde_json::Value::Object(o) => {
                let entries = o
                    .into_iter()
                    .map(|(k, v)| (Key::String(self.str(&k)), self.value(v)))
                    .collect();
                self.map(entries)
            }
        }
    }

    /// The one copy of a list of shared values.
    fn list(&mut self, items: Vec<Value>) -> Value {
        let mut identity = vec![LIST, items.len() as u64];
        identity.extend(items.iter().flat_map(identity_of));
        self.values
            .entry(identity)
            .or_insert_with(|| Value::List(Arc::new(items)))
            .clone()
    }

    /// The one copy of a map of shared keys and values; built only when new.
    fn map(&mut self, entries: Vec<(Key, Value)>) -> Value {
        let identity = map_identity(entries.iter().map(|(k, v)| (k, v)));
        self.values
            .entry(identity)
            .or_insert_with(|| {
                Value::Map(Map {
                    map: Arc::new(entries.into_iter().collect()),
                })
            })
            .clone()
    }
}

/// `map` itself, or the equal map already shared on this thread. Its keys
/// and values must be shared (or held by nothing else that changes them).
pub fn share(map: Value) -> Value {
    let Value::Map(m) = &map else { return map };
    let identity = map_identity(m.map.iter());
    SHARED.with(|s| s.borrow_mut().values.entry(identity).or_insert(map).clone())
}

/// A map's identity, independent of its entries' order.
fn map_identity<'a>(entries: impl Iterator<Item = (&'a Key, &'a Value)>) -> Vec<u64> {
    let mut parts: Vec<[u64; 3]> = entries
        .map(|(k, v)| {
            let key = match k {
                Key::String(s) => Arc::as_ptr(s) as u64,
                // Only string keys are made here; others never match.
                _ => NEXT_UNIQUE.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
            };
            let [tag, word] = identity_of(v);
            [key, tag, word]
        })
        .collect();
    parts.sort_unstable();
    let mut identity = vec![MAP, parts.len() as u64];
    identity.extend(parts.into_iter().flatten());
    identity
}

/// A fast, per-run seeded hash for privgate's own lookup tables, which are
/// hit millions of times; SipHash's extra strength buys nothing against
/// manifests already capped in size.
type Fast = foldhash::fast::RandomState;

/// A shared string, found by its text.
#[derive(PartialEq, Eq, Hash)]
struct SharedStr(Arc<String>);

impl std::borrow::Borrow<str> for SharedStr {
    fn borrow(&self) -> &str {
        self.0.as_str()
    }
}

static NEXT_UNIQUE: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

const LIST: u64 = 1;
const MAP: u64 = 2;

/// Two words that tell a shared value apart from every other: its kind and
/// its content, or the address of its one copy.
fn identity_of(v: &Value) -> [u64; 2] {
    let (tag, word): (u64, u64) = match v {
        Value::Null => (10, 0),
        Value::Bool(b) => (11, u64::from(*b)),
        Value::Int(i) => (12, *i as u64),
        Value::Float(f) => (13, f.to_bits()),
        Value::String(s) => (14, Arc::as_ptr(s) as u64),
        Value::List(l) => (15, Arc::as_ptr(l) as u64),
        Value::Map(m) => (16, Arc::as_ptr(&m.map) as u64),
        // Not produced from JSON; never equal to anything.
        _ => (
            17,
            NEXT_UNIQUE.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
        ),
    };
    [tag, word]
}

/// The names of the reverse links, in slot order.
const LINK_NAMES: [&str; 5] = [
    "purposes",
    "flows_out",
    "flows_in",
    "flows",
    "processor_flows_in",
];

/// The links a declaration of `kind` has (`vendor.links.flows_in`).
pub fn link_names(kind: Kind) -> &'static [&'static str] {
    match kind {
        Kind::Dataset | Kind::System => &["purposes", "flows_out", "flows_in"],
        // `processor_flows_in`: the flows into the vendor named by a
        // sub-processor's `processor` (what reaches it through them).
        Kind::Vendor => &["flows_in", "processor_flows_in"],
        Kind::Consent => &["purposes"],
        Kind::Assessment => &["purposes", "flows"],
        Kind::Purpose => &["flows"],
        // The flows out of the component's system and its datasets: a
        // rule asks whether one reaches the vendor without walking every
        // flow into it (thousands, for an SDK every service uses).
        Kind::Dependency => &["flows_out"],
        Kind::Flow => &[],
    }
}

/// Reverse references, computed once: for every id, who points at it, by
/// link (slots of `LINK_NAMES`).
#[derive(Default)]
struct Links<'m> {
    by: HashMap<(Kind, &'m str), [Vec<&'m str>; 5], Fast>,
}

impl<'m> Links<'m> {
    fn add(&mut self, kind: Kind, id: &'m str, link: &'static str, from: &'m str) {
        let slot = LINK_NAMES.iter().position(|n| *n == link).unwrap_or(0);
        self.by.entry((kind, id)).or_default()[slot].push(from);
    }

    fn build(model: &'m Model) -> Links<'m> {
        let mut l = Links::default();
        for p in &model.purposes {
            let id = &p.item.id;
            for d in &p.item.datasets {
                l.add(Kind::Dataset, d, "purposes", id);
            }
            for a in &p.item.assessments {
                l.add(Kind::Assessment, a, "purposes", id);
            }
            if let Some(c) = &p.item.consent {
                l.add(Kind::Consent, c, "purposes", id);
            }
        }
        for f in &model.flows {
            let id = &f.item.id;
            for kind in [Kind::Dataset, Kind::System] {
                l.add(kind, &f.item.from, "flows_out", id);
            }
            for kind in [Kind::Dataset, Kind::System, Kind::Vendor] {
                l.add(kind, &f.item.to, "flows_in", id);
            }
            if let Some(p) = &f.item.purpose {
                l.add(Kind::Purpose, p, "flows", id);
            }
            for a in &f.item.assessments {
                l.add(Kind::Assessment, a, "flows", id);
            }
        }
        for d in &model.dependencies {
            let u = &d.item;
            if !u.system {
                continue;
            }
            let froms = std::iter::once(&u.component).chain(&u.datasets);
            let mut out: Vec<&'m str> = Vec::new();
            for (from, kind) in
                froms.zip(std::iter::once(Kind::System).chain(std::iter::repeat(Kind::Dataset)))
            {
                if let Some(slots) = l.by.get(&(kind, from.as_str())) {
                    out.extend(slots[1].iter().copied());
                }
            }
            for f in out {
                l.add(Kind::Dependency, &u.id, "flows_out", f);
            }
        }
        for v in &model.vendors {
            let Some(p) = &v.item.processor else { continue };
            let into_processor =
                l.by.get(&(Kind::Vendor, p.as_str()))
                    .map(|slots| slots[2].clone())
                    .unwrap_or_default();
            for f in into_processor {
                l.add(Kind::Vendor, &v.item.id, "processor_flows_in", f);
            }
        }
        l
    }

    /// The `links` map of one declaration; every link name is present
    /// (empty lists), so conditions need no `has()` guards.
    fn of(&self, kind: Kind, id: &str) -> Value {
        let names = link_names(kind);
        let Some(found) = self.by.get(&(kind, id)) else {
            // Nothing points here: the same empty lists as many others.
            let empty = names
                .iter()
                .map(|n| (shared_key(n), shared_list(Vec::new())));
            return share(Value::Map(Map {
                map: Arc::new(empty.collect()),
            }));
        };
        // Links name this declaration's own referrers: no use sharing them.
        let links = names.iter().map(|n| {
            let slot = LINK_NAMES.iter().position(|l| l == n).unwrap_or(0);
            let ids: Vec<Value> = found[slot]
                .iter()
                .map(|s| Value::String(shared(s)))
                .collect();
            (shared_key(n), Value::List(Arc::new(ids)))
        });
        Value::Map(Map {
            map: Arc::new(links.collect()),
        })
    }
}

/// The fields of a `dependency` (`model::DependencyUse`), as conditions
/// see them (rules.md, "Declared vs. used").
pub const DEPENDENCY_FIELDS: [&str; 10] = [
    "id",
    "component",
    "system",
    "datasets",
    "entry",
    "vendor_name",
    "role",
    "country",
    "packages",
    "linked_vendors",
];

/// Every declaration of the model as a `DeclValue`, by kind.
pub fn declarations(model: &Model) -> BTreeMap<Kind, Vec<DeclValue>> {
    // Reverse references are built while the declarations convert.
    let (links, mut out) = rayon::join(|| Links::build(model), || convert_all(model));
    for decls in out.values_mut() {
        decls.par_iter_mut().with_min_len(256).for_each(|d| {
            let links = links.of(d.kind, d.id());
            if let Some(fields) = Arc::get_mut(&mut d.fields) {
                fields.insert(shared_key("links"), links);
            }
        });
    }
    out
}

/// Every declaration converted, without its links.
fn convert_all(model: &Model) -> BTreeMap<Kind, Vec<DeclValue>> {
    let mut out: BTreeMap<Kind, Vec<DeclValue>> = BTreeMap::new();
    fn add<T: Serialize + Sync>(
        out: &mut BTreeMap<Kind, Vec<DeclValue>>,
        kind: Kind,
        decls: &[Decl<T>],
        id: fn(&T) -> &str,
    ) {
        let values = decls
            .par_iter()
            .map(|d| {
                // Room for kind, file, facts and links.
                let mut fields = to_fields(&d.item, 4);
                fields.insert(shared_key("kind"), Value::String(shared(kind.name())));
                fields.insert(shared_key("file"), Value::String(shared(&d.origin.file)));
                fields.insert(shared_key("facts"), share(map_of([])));
                DeclValue {
                    kind,
                    key: shared_key(id(&d.item)),
                    subject: Arc::new(Subject {
                        target: Target::of(kind, id(&d.item)),
                        origin: d.origin.clone(),
                    }),
                    fields: Arc::new(fields),
                }
            })
            .collect();
        out.insert(kind, values);
    }
    add(&mut out, Kind::System, &model.systems, |x| &x.id);
    add(&mut out, Kind::Dataset, &model.datasets, |x| &x.id);
    add(&mut out, Kind::Purpose, &model.purposes, |x| &x.id);
    add(&mut out, Kind::Flow, &model.flows, |x| &x.id);
    add(&mut out, Kind::Consent, &model.consents, |x| &x.id);
    add(&mut out, Kind::Vendor, &model.vendors, |x| &x.id);
    add(&mut out, Kind::Assessment, &model.assessments, |x| &x.id);
    add(&mut out, Kind::Dependency, &model.dependencies, |x| &x.id);
    out
}

/// The map `kind id -> declaration` that conditions index into. The first
/// declaration wins for duplicate ids (which are already errors).
pub fn index(decls: &[DeclValue]) -> Value {
    let mut map = HashMap::with_capacity(decls.len());
    for d in decls {
        map.entry(d.key.clone()).or_insert_with(|| d.value());
    }
    Value::Map(Map { map: Arc::new(map) })
}

/// The names `settings` has (see `settings`).
pub const SETTINGS: [&str; 4] = [
    "vendor_review_interval",
    "dpia_review_interval",
    "max_retention",
    "child_consent_age",
];

/// `settings` with the defaults of manifest.md filled in.
pub fn settings(s: &Settings) -> Value {
    let or = |v: &Option<String>, default: &str| string(v.as_deref().unwrap_or(default));
    let values = [
        or(&s.vendor_review_interval, "P1Y"),
        or(&s.dpia_review_interval, "P1Y"),
        or(&s.max_retention, "P10Y"),
        // No default: it only raises the member-state age (rules.md).
        s.child_consent_age
            .map_or(Value::Null, |a| Value::Int(i64::from(a))),
    ];
    map_of(SETTINGS.iter().map(|n| n.to_string()).zip(values))
}

/// The names `config.controller` has.
pub const CONTROLLER: [&str; 4] = ["contact", "establishment", "dpo", "representative"];

/// `config`: what the conditions may read of privgate.yaml beyond
/// `settings`. `controller` is always a map, its fields null when unset.
pub fn config(c: &crate::manifest::Config) -> Value {
    let text = |v: Option<&String>| v.map_or(Value::Null, |s| string(s));
    let ctl = c.controller.as_ref();
    let controller = map_of(CONTROLLER.iter().map(|n| n.to_string()).zip([
        text(ctl.and_then(|c| c.contact.as_ref())),
        text(ctl.and_then(|c| c.establishment.as_ref())),
        text(ctl.and_then(|c| c.dpo.as_ref())),
        text(ctl.and_then(|c| c.representative.as_ref())),
    ]));
    map_of([
        ("organization".to_string(), text(c.organization.as_ref())),
        ("controller".to_string(), controller),
    ])
}

/// `rights` or `breach`, or null when not declared.
pub fn optional<T: Serialize>(decl: &Option<Decl<T>>) -> Value {
    match decl {
        Some(d) => Value::Map(Map {
            map: Arc::new(to_fields(&d.item, 0)),
        }),
        None => Value::Null,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn json(text: &str) -> Value {
        SHARED.with(|s| s.borrow_mut().value(serde_json::from_str(text).unwrap()))
    }

    fn same(a: &Value, b: &Value) -> bool {
        match (a, b) {
            (Value::List(x), Value::List(y)) => Arc::ptr_eq(x, y),
            (Value::Map(x), Value::Map(y)) => Arc::ptr_eq(&x.map, &y.map),
            _ => false,
        }
    }

    #[test]
    fn equal_lists_and_maps_are_one_copy() {
        let a = json(r#"{"period": "P2Y", "tags": ["a", "b"], "n": 1}"#);
        let b = json(r#"{"n": 1, "tags": ["a", "b"], "period": "P2Y"}"#);
        assert!(same(&a, &b));
        assert_eq!(a, b);
    }

    #[test]
    fn different_values_stay_apart() {
        let cases = [
            r#"["a", "b"]"#,
            r#"["b", "a"]"#,
            r#"["a"]"#,
            r#"[1]"#,
            r#"[true]"#,
            r#"[1.0]"#,
            r#"[null]"#,
            r#"["1"]"#,
            r#"[[]]"#,
            r#"[{}]"#,
            r#"{"a": 1}"#,
            r#"{"a": 2}"#,
            r#"{"b": 1}"#,
            r#"{"a": "1"}"#,
        ];
        let values: Vec<Value> = cases.iter().map(|c| json(c)).collect();
        for (i, a) in values.iter().enumerate() {
            for (j, b) in values.iter().enumerate() {
                assert_eq!(same(a, b), i == j, "{} vs {}", cases[i], cases[j]);
            }
        }
    }

    #[test]
    fn shared_maps_ignore_entry_order() {
        let (x, y) = (shared_key("x"), shared_key("y"));
        let one: HashMap<Key, Value> = [(x.clone(), Value::Bool(true)), (y.clone(), Value::Null)]
            .into_iter()
            .collect();
        let two: HashMap<Key, Value> = [(y, Value::Null), (x, Value::Bool(true))]
            .into_iter()
            .collect();
        let one = share(Value::Map(Map { map: Arc::new(one) }));
        let two = share(Value::Map(Map { map: Arc::new(two) }));
        assert!(same(&one, &two));
        let other = share(map_of([("x".to_string(), Value::Bool(false))]));
        assert!(!same(&one, &other));
    }
}
