//! Manifests in, one `Model` out. Checks everything a schema cannot:
//! duplicate and dangling ids, unknown taxonomy keys and subjects, real
//! calendar dates, ISO 8601 durations, country codes, and document paths that
//! escape the root. Every problem is collected; none stops the others.

use crate::diagnostic::{did_you_mean, Code, Diagnostic};
use crate::load::tree::Tree;
use crate::manifest::*;
use crate::model::{Decl, Kind, Model, Origin};
use crate::span::Place;
use crate::taxonomy::Taxonomy;
use crate::time;
use std::collections::{BTreeMap, BTreeSet};

/// A manifest that passed its schema, or the part of one that did.
pub struct Loaded {
    pub path: String,
    pub manifest: Manifest,
    /// Set when the file had schema errors and only its valid declarations
    /// were kept, so that they are still checked in the same run.
    pub partial: Option<Partial>,
}

/// What is left out of a manifest kept in part.
#[derive(Debug, Default, Clone)]
pub struct Partial {
    /// For a section that lost items: the index in the file of each item
    /// kept, so diagnostics still point at the right one.
    pub kept: BTreeMap<String, Vec<usize>>,
    /// Ids of the declarations left out; references to them are not
    /// dangling, the declaration has its own error.
    pub dropped_ids: Vec<(Kind, String)>,
}

pub fn resolve(
    manifests: Vec<Loaded>,
    config: Config,
    config_file: Option<String>,
    mut taxonomy: Taxonomy,
    tree: &dyn Tree,
    some_files_failed: bool,
) -> (Model, Vec<Diagnostic>) {
    for entry in &config.taxonomy {
        taxonomy.add_category(&entry.key, entry.description.as_deref());
    }
    for subject in &config.subjects {
        taxonomy.add_subject(subject);
    }
    let mut model = Model {
        config,
        config_file,
        manifests: manifests.iter().map(|m| m.path.clone()).collect(),
        systems: vec![],
        datasets: vec![],
        purposes: vec![],
        flows: vec![],
        consents: vec![],
        vendors: vec![],
        assessments: vec![],
        rights: None,
        breach: None,
        dependencies: vec![],
        dependency_files: vec![],
        documents: BTreeMap::new(),
        taxonomy,
    };
    reserve(&mut model, &manifests);
    let mut diags = Vec::new();
    let mut dropped_ids: BTreeMap<Kind, BTreeSet<String>> = BTreeMap::new();
    for loaded in manifests {
        for (kind, id) in loaded.partial.iter().flat_map(|p| p.dropped_ids.iter()) {
            dropped_ids.entry(*kind).or_default().insert(id.clone());
        }
        merge(&mut model, loaded, &mut diags);
    }
    let ids = Kind::ALL.iter().map(|k| (*k, model.ids(*k))).collect();
    let resolver = || Resolver {
        model: &model,
        ids: &ids,
        diags: Vec::new(),
        check_references: !some_files_failed,
        dropped_ids: &dropped_ids,
    };
    // Four independent passes, in parallel; their diagnostics are joined in
    // this order.
    let ((mut duplicates, mut references), (mut values, (documents, mut missing))) = rayon::join(
        || {
            rayon::join(
                || resolver().run(Resolver::duplicates),
                || resolver().run(Resolver::references),
            )
        },
        || {
            rayon::join(
                || resolver().run(Resolver::values),
                || {
                    let mut r = resolver();
                    let documents = r.documents(tree);
                    (documents, r.diags)
                },
            )
        },
    );
    for d in [&mut duplicates, &mut references, &mut values, &mut missing] {
        diags.append(d);
    }
    canonicalize_categories(&mut model);
    model.documents = documents;
    (model, diags)
}

/// Sizes the model's lists once: growing them would copy every declaration
/// and leave the old copies' memory behind.
fn reserve(model: &mut Model, manifests: &[Loaded]) {
    let count = |n: fn(&Manifest) -> usize| manifests.iter().map(|l| n(&l.manifest)).sum();
    model
        .systems
        .reserve(count(|m| usize::from(m.system.is_some())));
    model.datasets.reserve(count(|m| m.datasets.len()));
    model.purposes.reserve(count(|m| m.purposes.len()));
    model.flows.reserve(count(|m| m.flows.len()));
    model.consents.reserve(count(|m| m.consents.len()));
    model.vendors.reserve(count(|m| m.vendors.len()));
    model.assessments.reserve(count(|m| m.assessments.len()));
}

fn merge(model: &mut Model, loaded: Loaded, diags: &mut Vec<Diagnostic>) {
    let file = loaded.path;
    let m = loaded.manifest;
    let kept = loaded.partial.map(|p| p.kept).unwrap_or_default();
    let origin = |section: &str, i: Option<usize>| Origin {
        file: file.clone(),
        at: None,
        pointer: match i {
            Some(i) => {
                let i = kept
                    .get(section)
                    .and_then(|k| k.get(i))
                    .copied()
                    .unwrap_or(i);
                format!("/{section}/{i}")
            }
            None => format!("/{section}"),
        },
    };
    fn push<T>(out: &mut Vec<Decl<T>>, items: Vec<T>, origin: impl Fn(usize) -> Origin) {
        out.extend(items.into_iter().enumerate().map(|(i, item)| Decl {
            origin: origin(i),
            item,
        }));
    }
    if let Some(system) = m.system {
        model.systems.push(Decl {
            origin: origin("system", None),
            item: system,
        });
    }
    push(&mut model.datasets, m.datasets, |i| {
        origin("datasets", Some(i))
    });
    push(&mut model.purposes, m.purposes, |i| {
        origin("purposes", Some(i))
    });
    push(&mut model.flows, m.flows, |i| origin("flows", Some(i)));
    push(&mut model.consents, m.consents, |i| {
        origin("consents", Some(i))
    });
    push(&mut model.vendors, m.vendors, |i| {
        origin("vendors", Some(i))
    });
    push(&mut model.assessments, m.assessments, |i| {
        origin("assessments", Some(i))
    });
    once_per_repository(
        &mut model.rights,
        m.rights,
        origin("rights", None),
        "rights",
        diags,
    );
    once_per_repository(
        &mut model.breach,
        m.breach,
        origin("breach", None),
        "breach",
        diags,
    );
}

fn once_per_repository<T>(
    slot: &mut Option<Decl<T>>,
    item: Option<T>,
    origin: Origin,
    name: &str,
    diags: &mut Vec<Diagnostic>,
) {
    let Some(item) = item else { return };
    match slot {
        Some(first) => diags.push(
            Diagnostic::error(
                Code::DuplicateDeclaration,
                format!(
                    "`{name}` is declared more than once; it may appear in one file per repository"
                ),
            )
            .at(&origin.file, Place::key(&origin.pointer))
            .label("second declaration")
            .related(
                &first.origin.file,
                Place::key(&first.origin.pointer),
                "first declared here",
            )
            .help(format!(
                "keep one `{name}` section, e.g. in privacy/{name}.privacy.yaml"
            )),
        ),
        None => *slot = Some(Decl { origin, item }),
    }
}

/// Replaces taxonomy aliases by their canonical keys, so rules see one name
/// per category.
fn canonicalize_categories(model: &mut Model) {
    let tax = model.taxonomy.clone();
    let fix = |cats: &mut Vec<String>| {
        for c in cats.iter_mut() {
            if let Some(canon) = tax.canonical(c) {
                if canon != c {
                    *c = canon.to_string();
                }
            }
        }
    };
    model
        .datasets
        .iter_mut()
        .for_each(|d| fix(&mut d.item.categories));
    model
        .purposes
        .iter_mut()
        .for_each(|d| fix(&mut d.item.categories));
    model
        .flows
        .iter_mut()
        .for_each(|d| fix(&mut d.item.categories));
}

struct Resolver<'m> {
    model: &'m Model,
    /// Declared ids per kind, computed once (references are checked by the
    /// hundred thousand in large repositories).
    ids: &'m BTreeMap<Kind, BTreeSet<&'m str>>,
    diags: Vec<Diagnostic>,
    check_references: bool,
    /// Ids of declarations left out for schema errors, by kind.
    dropped_ids: &'m BTreeMap<Kind, BTreeSet<String>>,
}

impl Resolver<'_> {
    /// Runs one pass; its diagnostics.
    fn run(mut self, pass: fn(&mut Self)) -> Vec<Diagnostic> {
        pass(&mut self);
        self.diags
    }

    fn at(&mut self, d: Diagnostic, origin: &Origin, rel: &str, key: bool) {
        let pointer = format!("{}{rel}", origin.pointer);
        let place = if key {
            Place::key(pointer)
        } else {
            Place::value(pointer)
        };
        self.diags.push(d.at(&origin.file, place));
    }

    fn duplicates(&mut self) {
        let m = self.model;
        let mut check = |kind: Kind, items: Vec<(&str, &Origin)>| {
            let mut seen: BTreeMap<&str, &Origin> = BTreeMap::new();
            for (id, origin) in items {
                if let Some(first) = seen.get(id) {
                    let d = Diagnostic::error(
                        Code::DuplicateId,
                        format!(
                            "duplicate {} id `{id}`: ids are global to the repository",
                            kind.name()
                        ),
                    )
                    .label("declared again here")
                    .related(
                        &first.file,
                        Place::value(first.id_pointer()),
                        "first declared here",
                    )
                    .help("rename one of them, or remove the copy");
                    self.diags
                        .push(d.at(&origin.file, Place::value(origin.id_pointer())));
                } else {
                    seen.insert(id, origin);
                }
            }
        };
        fn pairs<T>(v: &[Decl<T>], id: fn(&T) -> &str) -> Vec<(&str, &Origin)> {
            v.iter().map(|d| (id(&d.item), &d.origin)).collect()
        }
        check(Kind::System, pairs(&m.systems, |x| &x.id));
        check(Kind::Dataset, pairs(&m.datasets, |x| &x.id));
        check(Kind::Purpose, pairs(&m.purposes, |x| &x.id));
        check(Kind::Flow, pairs(&m.flows, |x| &x.id));
        check(Kind::Consent, pairs(&m.consents, |x| &x.id));
        check(Kind::Vendor, pairs(&m.vendors, |x| &x.id));
        check(Kind::Assessment, pairs(&m.assessments, |x| &x.id));
    }

    /// One reference: `id` at `origin + rel` must name one of `kinds`.
    fn reference(&mut self, origin: &Origin, rel: &str, what: &str, id: &str, kinds: &[Kind]) {
        if !self.check_references {
            return;
        }
        let declared = kinds
            .iter()
            .any(|k| self.ids.get(k).is_some_and(|ids| ids.contains(id)));
        let dropped = kinds.iter().filter_map(|k| self.dropped_ids.get(k));
        if declared || dropped.clone().any(|ids| ids.contains(id)) {
            return;
        }
        // Only now, for the "did you mean": the union of candidate ids.
        let known: BTreeSet<&str> = kinds
            .iter()
            .filter_map(|k| self.ids.get(k))
            .flatten()
            .copied()
            .collect();
        let kinds_text = kinds
            .iter()
            .map(|k| k.name())
            .collect::<Vec<_>>()
            .join(" or ");
        let help = did_you_mean(id, known.iter().copied()).unwrap_or_else(|| {
            let article = match kinds_text.chars().next() {
                Some('a' | 'e' | 'i' | 'o' | 'u') => "an",
                _ => "a",
            };
            format!(
                "declare {article} {kinds_text} with id `{id}` in any manifest of the repository"
            )
        });
        let d = Diagnostic::error(
            Code::DanglingReference,
            format!("{what} `{id}` does not name any declared {kinds_text}"),
        )
        .label(format!("no {kinds_text} `{id}`"))
        .help(help);
        self.at(d, origin, rel, false);
    }

    fn references(&mut self) {
        let m = self.model;
        for d in &m.purposes {
            let p = &d.item;
            for (i, ds) in p.datasets.iter().enumerate() {
                self.reference(
                    &d.origin,
                    &format!("/datasets/{i}"),
                    "dataset",
                    ds,
                    &[Kind::Dataset],
                );
            }
            for (i, a) in p.assessments.iter().enumerate() {
                self.reference(
                    &d.origin,
                    &format!("/assessments/{i}"),
                    "assessment",
                    a,
                    &[Kind::Assessment],
                );
            }
            if let Some(c) = &p.consent {
                self.reference(&d.origin, "/consent", "consent", c, &[Kind::Consent]);
            }
        }
        for d in &m.consents {
            for (i, p) in d.item.purposes.iter().enumerate() {
                self.reference(
                    &d.origin,
                    &format!("/purposes/{i}"),
                    "purpose",
                    p,
                    &[Kind::Purpose],
                );
            }
        }
        for d in &m.flows {
            let f = &d.item;
            self.reference(
                &d.origin,
                "/from",
                "flow source",
                &f.from,
                &[Kind::Dataset, Kind::System],
            );
            self.reference(
                &d.origin,
                "/to",
                "flow recipient",
                &f.to,
                &[Kind::Vendor, Kind::Dataset, Kind::System],
            );
            if let Some(p) = &f.purpose {
                self.reference(&d.origin, "/purpose", "purpose", p, &[Kind::Purpose]);
            }
            for (i, a) in f.assessments.iter().enumerate() {
                self.reference(
                    &d.origin,
                    &format!("/assessments/{i}"),
                    "assessment",
                    a,
                    &[Kind::Assessment],
                );
            }
        }
        for d in &m.vendors {
            if let Some(p) = &d.item.processor {
                self.reference(&d.origin, "/processor", "processor", p, &[Kind::Vendor]);
            }
        }
    }

    fn category(&mut self, origin: &Origin, rel: &str, key: &str) {
        if let Some(canonical) = self.model.taxonomy.canonical(key) {
            if canonical == "user.government_id" {
                self.bare_government_id(origin, rel);
            }
            return;
        }
        let tax = &self.model.taxonomy;
        let candidates = tax
            .categories
            .keys()
            .chain(tax.aliases.keys())
            .map(String::as_str);
        let suggested = match tax.suggest_category(key).as_slice() {
            [] => did_you_mean(key, candidates),
            [one] => Some(format!("did you mean `{one}`?")),
            [one, two, ..] => Some(format!("did you mean `{one}` or `{two}`?")),
        };
        let help = suggested.unwrap_or_else(|| {
            "use a key of privgate's taxonomy (policies/taxonomy.yaml), or add it under `taxonomy:` in privgate.yaml".to_string()
        });
        let d = Diagnostic::error(
            Code::UnknownCategory,
            format!("unknown data category `{key}`"),
        )
        .label("not in the taxonomy")
        .help(help);
        self.at(d, origin, rel, false);
    }

    /// Only some government ids are CCPA sensitive PI (Cal. Civ. Code
    /// 1798.140(ae)(1)(A)); the bare key cannot say which, so no rule can.
    fn bare_government_id(&mut self, origin: &Origin, rel: &str) {
        let d = Diagnostic::warning(
            Code::UnspecificCategory,
            "`user.government_id` does not say which id: only some are CCPA sensitive personal information",
        )
        .label("name the specific id")
        .help(
            "use user.government_id.ssn, .drivers_license, .state_id, .passport or .immigration \
             (sensitive, 1798.140(ae)(1)(A)), or .tax_id, .national_id ... (not sensitive)",
        );
        self.at(d, origin, rel, false);
    }

    fn subject(&mut self, origin: &Origin, rel: &str, name: &str) {
        if self.model.taxonomy.subjects.contains(name) {
            return;
        }
        let help = did_you_mean(
            name,
            self.model.taxonomy.subjects.iter().map(String::as_str),
        )
        .unwrap_or_else(|| "add it under `subjects:` in privgate.yaml".to_string());
        let d = Diagnostic::error(
            Code::UnknownSubject,
            format!("unknown data subject `{name}`"),
        )
        .label("not a known subject")
        .help(help);
        self.at(d, origin, rel, false);
    }

    fn date(&mut self, origin: &Origin, rel: &str, value: &Option<String>) {
        if let Some(v) = value {
            if let Err(why) = time::parse_date(v) {
                let d =
                    Diagnostic::error(Code::BadDate, format!("`{v}` is not a real date: {why}"))
                        .label("not a calendar date")
                        .help("dates are calendar dates written YYYY-MM-DD, e.g. 2025-09-01");
                self.at(d, origin, rel, false);
            }
        }
    }

    /// A waiver's `kind:id` must name a kind of declaration; a typo there
    /// would leave the waiver matching nothing, for a reason no one sees.
    fn waiver_kind(&mut self, origin: &Origin, target: &str) {
        let crate::model::Target::UnknownKind { kind, .. } = crate::model::Target::parse(target)
        else {
            return;
        };
        let kinds = Kind::ALL.iter().map(|k| k.name());
        let help = did_you_mean(kind, kinds.clone())
            .unwrap_or_else(|| format!("kinds are {}", kinds.collect::<Vec<_>>().join(", ")));
        let d = Diagnostic::error(
            Code::InvalidValue,
            format!("waiver target `{target}`: `{kind}` is not a kind of declaration"),
        )
        .label("unknown kind")
        .help(help);
        self.at(d, origin, "/target", false);
    }

    /// Two waivers for one finding: which sign-off and expiry hold would be
    /// a silent choice (a DPO's short waiver overridden by a long one).
    fn duplicate_waiver(&mut self, origin: &Origin, first: usize, w: &crate::manifest::Waiver) {
        let d = Diagnostic::error(
            Code::DuplicateWaiver,
            format!(
                "a second waiver for {} on {}: one finding takes one waiver",
                w.rule, w.target
            ),
        )
        .label("waived again here")
        .related(
            &origin.file,
            Place::value(format!("/waivers/{first}")),
            "first waiver",
        )
        .help("keep one waiver, with the approver and expiry that hold (to renew, change its `expires`)");
        self.at(d, origin, "", false);
    }

    fn duration(&mut self, origin: &Origin, rel: &str, value: &Option<String>) {
        if let Some(v) = value {
            if v == "indefinite" && rel.ends_with("/period") {
                return;
            }
            if let Err(why) = time::parse_duration(v) {
                let help = time::duration_suggestion(v, rel.ends_with("/period")).unwrap_or_else(|| {
                    "write durations as ISO 8601: P7Y (7 years), P30D (30 days), PT72H (72 hours)"
                        .into()
                });
                let d = Diagnostic::error(
                    Code::BadDuration,
                    format!("`{v}` is not an ISO 8601 duration: {why}"),
                )
                .label("expected e.g. P30D, P1Y6M, PT72H")
                .help(help);
                self.at(d, origin, rel, false);
            }
        }
    }

    fn country(&mut self, origin: &Origin, rel: &str, value: &Option<String>) {
        if let Some(v) = value {
            if !self.model.taxonomy.is_country(v) {
                let help = crate::taxonomy::country_suggestion(v)
                    .or_else(|| {
                        did_you_mean(
                            v,
                            self.model.taxonomy.iso_countries.iter().map(String::as_str),
                        )
                    })
                    .unwrap_or_else(|| {
                        "use an ISO 3166-1 alpha-2 code such as DE, US or IN (or EU)".into()
                    });
                let d = Diagnostic::error(
                    Code::BadCountry,
                    format!("`{v}` is not an ISO 3166-1 alpha-2 country code"),
                )
                .label("unknown country")
                .help(help);
                self.at(d, origin, rel, false);
            }
        }
    }

    fn values(&mut self) {
        let m = self.model;
        for d in &m.datasets {
            for (i, c) in d.item.categories.iter().enumerate() {
                self.category(&d.origin, &format!("/categories/{i}"), c);
            }
            for (i, s) in d.item.subjects.iter().enumerate() {
                self.subject(&d.origin, &format!("/subjects/{i}"), s);
            }
            self.country(&d.origin, "/location", &d.item.location);
            if let Some(r) = &d.item.retention {
                self.duration(&d.origin, "/retention/period", &r.period);
            }
        }
        for d in &m.purposes {
            for (i, c) in d.item.categories.iter().enumerate() {
                self.category(&d.origin, &format!("/categories/{i}"), c);
            }
            for (i, s) in d.item.subjects.iter().enumerate() {
                self.subject(&d.origin, &format!("/subjects/{i}"), s);
            }
            for (i, c) in d.item.markets.iter().enumerate() {
                self.country(&d.origin, &format!("/markets/{i}"), &Some(c.clone()));
            }
            self.date(&d.origin, "/started", &d.item.started);
        }
        for d in &m.flows {
            for (i, c) in d.item.categories.iter().enumerate() {
                self.category(&d.origin, &format!("/categories/{i}"), c);
            }
            self.country(
                &d.origin,
                "/destination_country",
                &d.item.destination_country,
            );
        }
        for d in &m.vendors {
            self.country(&d.origin, "/country", &d.item.country);
            if let Some(c) = &d.item.contract {
                self.date(&d.origin, "/contract/signed", &c.signed);
                self.date(&d.origin, "/contract/expires", &c.expires);
            }
            self.date(&d.origin, "/authorised", &d.item.authorised);
            if let Some(a) = &d.item.assessment {
                self.date(&d.origin, "/assessment/date", &a.date);
            }
        }
        for d in &m.assessments {
            self.date(&d.origin, "/date", &d.item.date);
            self.date(&d.origin, "/consulted", &d.item.consulted);
            self.duration(&d.origin, "/review", &d.item.review);
        }
        if let Some(d) = &m.rights {
            let r = &d.item;
            for (name, right) in [
                ("access", &r.access),
                ("erasure", &r.erasure),
                ("rectification", &r.rectification),
                ("restriction", &r.restriction),
                ("portability", &r.portability),
                ("objection", &r.objection),
                ("opt_out", &r.opt_out),
                ("human_review", &r.human_review),
                ("admt_opt_out", &r.admt_opt_out),
                ("admt_access", &r.admt_access),
            ] {
                if let Some(right) = right {
                    self.duration(&d.origin, &format!("/{name}/sla"), &right.sla);
                    self.duration(&d.origin, &format!("/{name}/extension"), &right.extension);
                }
            }
        }
        if let Some(d) = &m.breach {
            self.duration(
                &d.origin,
                "/notify_authority_within",
                &d.item.notify_authority_within,
            );
            self.duration(
                &d.origin,
                "/notify_subjects_within",
                &d.item.notify_subjects_within,
            );
        }
        if let Some(file) = &m.config_file {
            // The schema checks the shape YYYY-MM-DD; `2027-02-30` has it.
            let mut first_waiver: BTreeMap<(&str, &str), usize> = BTreeMap::new();
            for (i, w) in m.config.waivers.iter().enumerate() {
                let origin = Origin {
                    file: file.clone(),
                    pointer: format!("/waivers/{i}"),
                    at: None,
                };
                self.date(&origin, "/expires", &Some(w.expires.clone()));
                self.waiver_kind(&origin, &w.target);
                match first_waiver.get(&(w.rule.as_str(), w.target.as_str())) {
                    Some(&first) => self.duplicate_waiver(&origin, first, w),
                    None => {
                        first_waiver.insert((&w.rule, &w.target), i);
                    }
                }
            }
            let gate = Origin {
                file: file.clone(),
                pointer: "/gate".into(),
                at: None,
            };
            self.duration(&gate, "/max_waiver_term", &m.config.gate.max_waiver_term);
            // The intervals the rules read: a zero one would silently turn
            // a review rule off (nothing is overdue after P0D... or all is).
            let settings = Origin {
                file: file.clone(),
                pointer: "/settings".into(),
                at: None,
            };
            if let Some(c) = &m.config.controller {
                let controller = Origin {
                    file: file.clone(),
                    pointer: "/controller".into(),
                    at: None,
                };
                self.country(&controller, "/establishment", &c.establishment);
            }
            let s = &m.config.settings;
            self.duration(
                &settings,
                "/vendor_review_interval",
                &s.vendor_review_interval,
            );
            self.duration(&settings, "/dpia_review_interval", &s.dpia_review_interval);
            self.duration(&settings, "/max_retention", &s.max_retention);
        }
    }

    /// Looks up every document path once; paths that leave the root are
    /// errors, missing files are for the rules to judge.
    fn documents(&mut self, tree: &dyn Tree) -> BTreeMap<String, bool> {
        let m = self.model;
        let mut refs: Vec<(&Origin, String, &str)> = Vec::new();
        for d in &m.assessments {
            if let Some(p) = &d.item.document {
                refs.push((&d.origin, "/document".into(), p));
            }
        }
        for d in &m.vendors {
            if let Some(p) = d.item.contract.as_ref().and_then(|c| c.document.as_deref()) {
                refs.push((&d.origin, "/contract/document".into(), p));
            }
            if let Some(p) = d
                .item
                .assessment
                .as_ref()
                .and_then(|c| c.document.as_deref())
            {
                refs.push((&d.origin, "/assessment/document".into(), p));
            }
        }
        if let Some(d) = &m.breach {
            if let Some(p) = &d.item.plan {
                refs.push((&d.origin, "/plan".into(), p));
            }
            if let Some(p) = &d.item.register {
                refs.push((&d.origin, "/register".into(), p));
            }
        }
        let mut documents = BTreeMap::new();
        for (origin, rel, path) in refs {
            if escapes_root(path) {
                let d = Diagnostic::error(
                    Code::PathEscapesRoot,
                    format!("document path `{path}` leaves the repository; paths are relative to the root"),
                )
                .label("outside the repository")
                .help("keep privacy documents inside the repository, e.g. docs/privacy/...");
                self.at(d, origin, &rel, false);
                documents.insert(path.to_string(), false);
                continue;
            }
            documents
                .entry(path.to_string())
                .or_insert_with(|| tree.is_file(path));
        }
        documents
    }
}

/// Absolute paths and `..` components are not inside the root.
pub fn escapes_root(path: &str) -> bool {
    let p = std::path::Path::new(path);
    p.is_absolute()
        || path.starts_with('/')
        || path.starts_with('\\')
        || p.components().any(|c| {
            matches!(
                c,
                std::path::Component::ParentDir | std::path::Component::Prefix(_)
            )
        })
}
