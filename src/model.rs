//! The resolved model: every manifest of the repository merged, ids checked,
//! aliases replaced by canonical taxonomy keys, document existence looked up
//! once. Rules read only this; they do no I/O.

use crate::manifest::*;
use crate::taxonomy::Taxonomy;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// Where a declaration was written: the file and the JSON pointer of the
/// declaration's object (`/purposes/2`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Origin {
    pub file: String,
    pub pointer: String,
    /// 1-based line and column, for what is not in a YAML document (a
    /// dependency file's line); the pointer is then empty.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub at: Option<(usize, usize)>,
}

impl Origin {
    /// The pointer of the declaration's `id` (what findings point at).
    pub fn id_pointer(&self) -> String {
        format!("{}/id", self.pointer)
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Decl<T> {
    pub origin: Origin,
    #[serde(flatten)]
    pub item: T,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    System,
    Dataset,
    Purpose,
    Flow,
    Consent,
    Vendor,
    Assessment,
    /// A catalogue vendor's SDKs found in one component's dependency files
    /// (rules.md, "Declared vs. used"); found, not declared.
    Dependency,
}

impl Kind {
    pub const ALL: [Kind; 8] = [
        Kind::System,
        Kind::Dataset,
        Kind::Purpose,
        Kind::Flow,
        Kind::Consent,
        Kind::Vendor,
        Kind::Assessment,
        Kind::Dependency,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Kind::System => "system",
            Kind::Dataset => "dataset",
            Kind::Purpose => "purpose",
            Kind::Flow => "flow",
            Kind::Consent => "consent",
            Kind::Vendor => "vendor",
            Kind::Assessment => "assessment",
            Kind::Dependency => "dependency",
        }
    }

    /// The manifest section that holds this kind.
    pub fn section(self) -> &'static str {
        match self {
            Kind::System => "system",
            Kind::Dataset => "datasets",
            Kind::Purpose => "purposes",
            Kind::Flow => "flows",
            Kind::Consent => "consents",
            Kind::Vendor => "vendors",
            Kind::Assessment => "assessments",
            Kind::Dependency => "dependencies",
        }
    }

    pub fn parse(name: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.name() == name)
    }
}

/// What a finding or a waiver names, read from its `target` text: one
/// declaration (`purpose:newsletter`) or the whole repository
/// (`repository`). The one place that text is taken apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target<'a> {
    Decl {
        kind: Kind,
        id: &'a str,
    },
    Repository,
    /// `kind:id` whose kind is no kind of declaration (a typo).
    UnknownKind {
        kind: &'a str,
        id: &'a str,
    },
    /// Neither `kind:id` nor `repository`.
    Malformed,
}

impl<'a> Target<'a> {
    pub const REPOSITORY: &'static str = "repository";

    pub fn parse(text: &'a str) -> Target<'a> {
        match text.split_once(':') {
            Some((kind, id)) => match Kind::parse(kind) {
                Some(kind) => Target::Decl { kind, id },
                None => Target::UnknownKind { kind, id },
            },
            None if text == Target::REPOSITORY => Target::Repository,
            None => Target::Malformed,
        }
    }

    /// The text of a declaration's target, `kind:id`.
    pub fn of(kind: Kind, id: &str) -> String {
        format!("{}:{id}", kind.name())
    }

    /// The declaration's id, when it names one.
    pub fn id(&self) -> Option<&'a str> {
        match *self {
            Target::Decl { id, .. } | Target::UnknownKind { id, .. } => Some(id),
            Target::Repository | Target::Malformed => None,
        }
    }
}

/// One catalogue entry's SDKs in one component's dependency files: what
/// the "Declared vs. used" rules check (`dependency:<component>/<entry>`).
#[derive(Debug, Clone, Serialize)]
pub struct DependencyUse {
    /// `<component>/<entry>`.
    pub id: String,
    /// The owning system's id, or `repository`.
    pub component: String,
    /// Whether the component is a system (not `repository`).
    pub system: bool,
    /// The datasets declared in the component's system manifest.
    pub datasets: Vec<String>,
    /// The catalogue entry's id, legal name, usual role and country.
    pub entry: String,
    pub vendor_name: String,
    pub role: String,
    pub country: String,
    /// Each dependency line that names one of the entry's SDKs, sorted.
    pub packages: Vec<PackageUse>,
    /// Ids of the vendor declarations linked to the entry, anywhere in the
    /// repository, sorted.
    pub linked_vendors: Vec<String>,
}

/// One dependency line.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct PackageUse {
    pub file: String,
    pub line: usize,
    pub column: usize,
    /// As written (`@sentry/node`), and as `ecosystem:name`.
    pub name: String,
    pub package: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Model {
    /// `privgate.yaml` as written (defaults where absent).
    pub config: Config,
    /// Path of the config file, when there is one.
    pub config_file: Option<String>,
    /// Manifest paths, sorted.
    pub manifests: Vec<String>,
    pub systems: Vec<Decl<System>>,
    pub datasets: Vec<Decl<Dataset>>,
    pub purposes: Vec<Decl<Purpose>>,
    pub flows: Vec<Decl<Flow>>,
    pub consents: Vec<Decl<Consent>>,
    pub vendors: Vec<Decl<Vendor>>,
    pub assessments: Vec<Decl<Assessment>>,
    pub rights: Option<Decl<Rights>>,
    pub breach: Option<Decl<Breach>>,
    /// Vendor SDKs found in dependency files, one per component and
    /// catalogue entry, sorted by id; empty with `dependencies.scan: false`.
    pub dependencies: Vec<Decl<DependencyUse>>,
    /// Dependency files read (parsed or not), sorted.
    pub dependency_files: Vec<String>,
    /// Every document path the declarations name, and whether it exists
    /// inside the root.
    pub documents: BTreeMap<String, bool>,
    #[serde(skip)]
    pub taxonomy: Taxonomy,
}

impl Model {
    pub fn declaration_count(&self) -> usize {
        self.systems.len()
            + self.datasets.len()
            + self.purposes.len()
            + self.flows.len()
            + self.consents.len()
            + self.vendors.len()
            + self.assessments.len()
            + usize::from(self.rights.is_some())
            + usize::from(self.breach.is_some())
    }

    /// Where each declaration is written, kind by kind.
    pub fn origins(&self) -> impl Iterator<Item = &Origin> {
        fn of<T>(v: &[Decl<T>]) -> impl Iterator<Item = &Origin> {
            v.iter().map(|d| &d.origin)
        }
        of(&self.systems)
            .chain(of(&self.datasets))
            .chain(of(&self.purposes))
            .chain(of(&self.flows))
            .chain(of(&self.consents))
            .chain(of(&self.vendors))
            .chain(of(&self.assessments))
            .chain(self.rights.iter().map(|d| &d.origin))
            .chain(self.breach.iter().map(|d| &d.origin))
    }

    /// Every declared id of a kind, for "did you mean" and reference checks.
    pub fn ids(&self, kind: Kind) -> BTreeSet<&str> {
        fn ids<T>(v: &[Decl<T>], id: fn(&T) -> &str) -> BTreeSet<&str> {
            v.iter().map(|d| id(&d.item)).collect()
        }
        match kind {
            Kind::System => ids(&self.systems, |s| &s.id),
            Kind::Dataset => ids(&self.datasets, |s| &s.id),
            Kind::Purpose => ids(&self.purposes, |s| &s.id),
            Kind::Flow => ids(&self.flows, |s| &s.id),
            Kind::Consent => ids(&self.consents, |s| &s.id),
            Kind::Vendor => ids(&self.vendors, |s| &s.id),
            Kind::Assessment => ids(&self.assessments, |s| &s.id),
            Kind::Dependency => ids(&self.dependencies, |s| &s.id),
        }
    }

    /// Whether personal data is declared anywhere (datasets, purposes, flows).
    pub fn declares_personal_data(&self) -> bool {
        let personal = |cats: &[String]| cats.iter().any(|c| crate::taxonomy::is_personal(c));
        self.datasets.iter().any(|d| personal(&d.item.categories))
            || self.purposes.iter().any(|d| personal(&d.item.categories))
            || self.flows.iter().any(|d| personal(&d.item.categories))
    }

    /// The regulations enabled for this repository.
    pub fn regulations(&self) -> Vec<String> {
        self.config
            .regulations
            .clone()
            .unwrap_or_else(|| vec!["gdpr".to_string(), "ccpa".to_string()])
    }
}

#[cfg(test)]
mod target_tests {
    use super::{Kind, Target};

    #[test]
    fn a_target_is_a_kind_and_an_id_or_the_repository() {
        assert_eq!(
            Target::parse("purpose:news:letter"),
            Target::Decl {
                kind: Kind::Purpose,
                id: "news:letter"
            }
        );
        assert_eq!(Target::parse("repository"), Target::Repository);
        assert_eq!(
            Target::parse("purpse:x"),
            Target::UnknownKind {
                kind: "purpse",
                id: "x"
            }
        );
        assert_eq!(Target::parse("newsletter"), Target::Malformed);
        assert_eq!(Target::of(Kind::Vendor, "stripe"), "vendor:stripe");
    }
}
