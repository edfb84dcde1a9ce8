//! The vendor catalogue (`policies/vendor-catalog.yaml`, embedded), extended
//! by the repository config's `vendor_catalog:` entries: which company an
//! SDK package sends data to.
//!
//! It owns package names too: [`Ecosystem`], the comparison form of a name
//! ([`normalise`], rules.md "Declared vs. used") and `*` patterns
//! ([`matches`]), which the dependency readers (`load::deps`), the
//! catalogue and `dependencies.ignore` share.
//!
//! [`Catalog::lookup`] answers "whose SDK is `npm:@sentry/node`?" by the
//! normalised name, exact names first (a hash map),
//! then the few `*` patterns, longest first. Entries added with
//! [`Catalog::extend`] are looked up before the built-in ones, so that an
//! organisation can claim a package for a vendor of its own.

use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use std::fmt;

pub const VENDOR_CATALOG_YAML: &str = include_str!("../policies/vendor-catalog.yaml");

/// A vendor's usual role towards a customer. A declaration states the real
/// one; this is what `vendors --suggest` drafts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Processor,
    Controller,
    ThirdParty,
}

impl Role {
    pub fn name(self) -> &'static str {
        match self {
            Role::Processor => "processor",
            Role::Controller => "controller",
            Role::ThirdParty => "third_party",
        }
    }
}

/// One vendor: the same fields in the built-in file and in the config's
/// `vendor_catalog:`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct CatalogEntry {
    pub id: String,
    /// Legal name of the contracting company.
    pub name: String,
    pub role: Role,
    /// Headquarters, ISO 3166-1 alpha-2.
    pub country: String,
    #[serde(default)]
    pub dpf_certified: bool,
    /// Taxonomy keys it usually receives.
    #[serde(default)]
    pub categories: Vec<String>,
    /// Package names (or `prefix*` patterns) as written, per ecosystem.
    #[serde(default)]
    pub packages: BTreeMap<Ecosystem, Vec<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CatalogFile {
    #[allow(dead_code)]
    version: u32,
    #[allow(dead_code)]
    source: String,
    #[allow(dead_code)]
    as_of: String,
    vendors: Vec<CatalogEntry>,
}

/// Why `extend` refused an entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CatalogError {
    /// The id is a built-in entry's, or an earlier added entry's.
    DuplicateId { id: String },
}

impl fmt::Display for CatalogError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CatalogError::DuplicateId { id } => write!(
                f,
                "vendor_catalog entry `{id}` has the id of an entry already in the catalogue; choose another id"
            ),
        }
    }
}

/// The catalogue with its package index.
#[derive(Debug, Clone)]
pub struct Catalog {
    entries: Vec<CatalogEntry>,
    by_id: HashMap<String, usize>,
    /// `(ecosystem, normalised name)` -> entry; added entries overwrite.
    exact: HashMap<(Ecosystem, String), usize>,
    /// `(ecosystem, normalised pattern, entry, added)`, added entries'
    /// first, then the longest first.
    patterns: Vec<(Ecosystem, String, usize, bool)>,
}

impl Catalog {
    /// The built-in catalogue. The embedded file is checked by
    /// tests/it/vendor_catalog.rs, so a failure here is a build defect.
    pub fn builtin() -> Catalog {
        let file: CatalogFile = serde_yaml::from_str(VENDOR_CATALOG_YAML)
            .expect("policies/vendor-catalog.yaml is valid");
        let mut catalog = Catalog {
            entries: Vec::new(),
            by_id: HashMap::new(),
            exact: HashMap::new(),
            patterns: Vec::new(),
        };
        for entry in file.vendors {
            catalog.add(entry, false);
        }
        catalog
    }

    /// Adds the config's entries. Each one whose id is already taken is
    /// refused and reported; the others are added. Every problem is
    /// returned, not only the first.
    pub fn extend(
        &mut self,
        entries: impl IntoIterator<Item = CatalogEntry>,
    ) -> Result<(), Vec<CatalogError>> {
        let mut errors = Vec::new();
        for entry in entries {
            if self.by_id.contains_key(&entry.id) {
                errors.push(CatalogError::DuplicateId { id: entry.id });
            } else {
                self.add(entry, true);
            }
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }

    fn add(&mut self, entry: CatalogEntry, added: bool) {
        let index = self.entries.len();
        for (&ecosystem, names) in &entry.packages {
            for name in names {
                let normalised = normalise(ecosystem, name);
                if normalised.ends_with('*') {
                    self.patterns.push((ecosystem, normalised, index, added));
                } else {
                    self.exact.insert((ecosystem, normalised), index);
                }
            }
        }
        self.patterns
            .sort_by_key(|(_, pattern, _, added)| (!added, std::cmp::Reverse(pattern.len())));
        self.by_id.insert(entry.id.clone(), index);
        self.entries.push(entry);
    }

    /// The entry whose SDK `name` (as written in a dependency file) is.
    pub fn lookup(&self, ecosystem: Ecosystem, name: &str) -> Option<&CatalogEntry> {
        let name = normalise(ecosystem, name);
        if let Some(&i) = self.exact.get(&(ecosystem, name.clone())) {
            return Some(&self.entries[i]);
        }
        self.patterns
            .iter()
            .find(|(e, pattern, _, _)| *e == ecosystem && matches(pattern, &name))
            .map(|&(_, _, i, _)| &self.entries[i])
    }

    /// The entry with this id (a vendor declaration's `catalog`).
    pub fn get(&self, id: &str) -> Option<&CatalogEntry> {
        self.by_id.get(id).map(|&i| &self.entries[i])
    }

    /// Every entry, built-in ones first, in file order.
    pub fn entries(&self) -> &[CatalogEntry] {
        &self.entries
    }
}

// ---- package names -------------------------------------------------------

/// A package ecosystem, as named in `ecosystem:name` (`npm:@sentry/node`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Ecosystem {
    Npm,
    Pypi,
    Go,
    Cargo,
    Gem,
    Maven,
    Nuget,
    Composer,
    Pub,
}

impl Ecosystem {
    pub const ALL: [Ecosystem; 9] = [
        Ecosystem::Npm,
        Ecosystem::Pypi,
        Ecosystem::Go,
        Ecosystem::Cargo,
        Ecosystem::Gem,
        Ecosystem::Maven,
        Ecosystem::Nuget,
        Ecosystem::Composer,
        Ecosystem::Pub,
    ];

    /// The name used in `ecosystem:name` and in the catalogue's `packages`.
    pub fn name(self) -> &'static str {
        match self {
            Ecosystem::Npm => "npm",
            Ecosystem::Pypi => "pypi",
            Ecosystem::Go => "go",
            Ecosystem::Cargo => "cargo",
            Ecosystem::Gem => "gem",
            Ecosystem::Maven => "maven",
            Ecosystem::Nuget => "nuget",
            Ecosystem::Composer => "composer",
            Ecosystem::Pub => "pub",
        }
    }

    pub fn from_name(name: &str) -> Option<Ecosystem> {
        Ecosystem::ALL.into_iter().find(|e| e.name() == name)
    }
}

impl fmt::Display for Ecosystem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The form in which a package name is compared (rules.md, "Declared vs.
/// used"): PyPI per PEP 503 (lower case, runs of `-`, `_`, `.` as one `-`);
/// Go module paths without a trailing major-version element (`/v76`); Maven
/// `group:artifact` (a version after it dropped); NuGet lower case; npm and
/// the rest exact. Catalogue patterns normalise the same way (a trailing
/// `*` is kept).
pub fn normalise(ecosystem: Ecosystem, name: &str) -> String {
    let name = name.trim();
    match ecosystem {
        Ecosystem::Pypi => {
            let mut out = String::with_capacity(name.len());
            let mut in_run = false;
            for c in name.chars() {
                if matches!(c, '-' | '_' | '.') {
                    if !in_run {
                        out.push('-');
                    }
                    in_run = true;
                } else {
                    out.extend(c.to_lowercase());
                    in_run = false;
                }
            }
            out
        }
        Ecosystem::Go => match name.rsplit_once('/') {
            Some((head, last)) if is_major_version(last) => head.to_string(),
            _ => name.to_string(),
        },
        Ecosystem::Maven => {
            let mut parts = name.splitn(3, ':');
            match (parts.next(), parts.next()) {
                (Some(group), Some(artifact)) => format!("{group}:{artifact}"),
                _ => name.to_string(),
            }
        }
        Ecosystem::Nuget => name.to_lowercase(),
        Ecosystem::Npm
        | Ecosystem::Cargo
        | Ecosystem::Gem
        | Ecosystem::Composer
        | Ecosystem::Pub => name.to_string(),
    }
}

/// `v2`, `v76`: a Go major-version path element.
fn is_major_version(element: &str) -> bool {
    element
        .strip_prefix('v')
        .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
}

/// Whether the catalogue or ignore `pattern` matches package `name`, both
/// already normalised: equal, or `pattern` ends in `*` and `name` starts
/// with what comes before it (`@sentry/*` matches `@sentry/node`).
pub fn matches(pattern: &str, name: &str) -> bool {
    match pattern.strip_suffix('*') {
        Some(prefix) => name.starts_with(prefix),
        None => pattern == name,
    }
}

/// Splits a package reference `ecosystem:name` (`maven:com.stripe:stripe-java`
/// splits at the first colon), as written in `dependencies.ignore`.
pub fn split_package_ref(reference: &str) -> Option<(Ecosystem, &str)> {
    let (ecosystem, name) = reference.split_once(':')?;
    let ecosystem = Ecosystem::from_name(ecosystem)?;
    (!name.is_empty()).then_some((ecosystem, name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pypi_names_normalise_per_pep_503() {
        assert_eq!(normalise(Ecosystem::Pypi, "Sentry_SDK"), "sentry-sdk");
        assert_eq!(
            normalise(Ecosystem::Pypi, "zope.._-interface"),
            "zope-interface"
        );
        assert_eq!(
            normalise(Ecosystem::Pypi, "google-cloud-*"),
            "google-cloud-*"
        );
    }

    #[test]
    fn go_paths_lose_a_trailing_major_version_only() {
        let n = |s| normalise(Ecosystem::Go, s);
        assert_eq!(
            n("github.com/stripe/stripe-go/v76"),
            "github.com/stripe/stripe-go"
        );
        assert_eq!(
            n("github.com/stripe/stripe-go"),
            "github.com/stripe/stripe-go"
        );
        assert_eq!(
            n("github.com/aws/aws-sdk-go-v2"),
            "github.com/aws/aws-sdk-go-v2"
        );
        assert_eq!(n("example.com/v2/pkg"), "example.com/v2/pkg");
        assert_eq!(n("example.com/mod/vx"), "example.com/mod/vx");
    }

    #[test]
    fn maven_is_group_and_artifact_and_nuget_ignores_case() {
        assert_eq!(
            normalise(Ecosystem::Maven, "com.stripe:stripe-java:24.0.0"),
            "com.stripe:stripe-java"
        );
        assert_eq!(normalise(Ecosystem::Nuget, "Stripe.net"), "stripe.net");
        assert_eq!(normalise(Ecosystem::Npm, "@Sentry/Node"), "@Sentry/Node");
    }

    #[test]
    fn a_trailing_star_matches_by_prefix() {
        assert!(matches("@sentry/*", "@sentry/node"));
        assert!(!matches("@sentry/*", "@sentryx/node"));
        assert!(matches("stripe", "stripe"));
        assert!(!matches("stripe", "stripe-mock"));
        assert!(matches("aws-sdk-*", "aws-sdk-s3"));
    }

    #[test]
    fn package_refs_split_at_the_first_colon() {
        assert_eq!(
            split_package_ref("maven:com.stripe:stripe-java"),
            Some((Ecosystem::Maven, "com.stripe:stripe-java"))
        );
        assert_eq!(
            split_package_ref("npm:@sentry/*"),
            Some((Ecosystem::Npm, "@sentry/*"))
        );
        assert_eq!(split_package_ref("rpm:x"), None);
        assert_eq!(split_package_ref("npm:"), None);
    }

    fn entry(id: &str, packages: &[(Ecosystem, &str)]) -> CatalogEntry {
        let mut map: BTreeMap<Ecosystem, Vec<String>> = BTreeMap::new();
        for (e, name) in packages {
            map.entry(*e).or_default().push(name.to_string());
        }
        CatalogEntry {
            id: id.to_string(),
            name: format!("{id} Ltd"),
            role: Role::Processor,
            country: "GB".to_string(),
            dpf_certified: false,
            categories: Vec::new(),
            packages: map,
        }
    }

    #[test]
    fn lookup_normalises_the_name_as_written() {
        let catalog = Catalog::builtin();
        let id = |e, name| catalog.lookup(e, name).map(|c| c.id.as_str());
        assert_eq!(id(Ecosystem::Npm, "stripe"), Some("stripe"));
        assert_eq!(id(Ecosystem::Pypi, "Sentry_SDK"), Some("sentry"));
        assert_eq!(
            id(Ecosystem::Go, "github.com/stripe/stripe-go/v76"),
            Some("stripe")
        );
        assert_eq!(
            id(Ecosystem::Maven, "com.stripe:stripe-java:24.0.0"),
            Some("stripe")
        );
        assert_eq!(id(Ecosystem::Nuget, "stripe.NET"), Some("stripe"));
        assert_eq!(id(Ecosystem::Npm, "Stripe"), None, "npm is exact");
        assert_eq!(id(Ecosystem::Npm, "left-pad"), None);
    }

    #[test]
    fn lookup_matches_trailing_star_patterns() {
        let catalog = Catalog::builtin();
        let id = |e, name| catalog.lookup(e, name).map(|c| c.id.as_str());
        assert_eq!(id(Ecosystem::Npm, "@sentry/node"), Some("sentry"));
        assert_eq!(id(Ecosystem::Cargo, "aws-sdk-s3"), Some("aws"));
        assert_eq!(
            id(Ecosystem::Go, "github.com/aws/aws-sdk-go-v2/service/s3"),
            Some("aws")
        );
        assert_eq!(id(Ecosystem::Nuget, "AWSSDK.S3"), Some("aws"));
        assert_eq!(
            id(Ecosystem::Pypi, "google_cloud_storage"),
            Some("google-cloud")
        );
    }

    #[test]
    fn extend_refuses_an_id_already_in_the_catalogue_and_keeps_the_rest() {
        let mut catalog = Catalog::builtin();
        let result = catalog.extend([
            entry("stripe", &[(Ecosystem::Npm, "@acme/pay")]),
            entry("acme-crm-cloud", &[(Ecosystem::Npm, "@acme/crm-client")]),
            entry("acme-crm-cloud", &[]),
        ]);
        assert_eq!(
            result,
            Err(vec![
                CatalogError::DuplicateId {
                    id: "stripe".to_string()
                },
                CatalogError::DuplicateId {
                    id: "acme-crm-cloud".to_string()
                },
            ])
        );
        assert_eq!(
            catalog
                .lookup(Ecosystem::Npm, "@acme/crm-client")
                .map(|c| c.id.as_str()),
            Some("acme-crm-cloud")
        );
        assert!(catalog.lookup(Ecosystem::Npm, "@acme/pay").is_none());
        assert_eq!(
            catalog.get("stripe").map(|c| c.name.as_str()),
            Some("Stripe, Inc.")
        );
    }

    #[test]
    fn added_entries_win_over_built_in_ones_for_the_same_package() {
        let mut catalog = Catalog::builtin();
        catalog
            .extend([
                entry("acme-sentry-proxy", &[(Ecosystem::Npm, "@sentry/*")]),
                entry("acme-stripe-reseller", &[(Ecosystem::Pypi, "Stripe")]),
            ])
            .unwrap();
        let id = |e, name| catalog.lookup(e, name).map(|c| c.id.as_str());
        assert_eq!(
            id(Ecosystem::Npm, "@sentry/node"),
            Some("acme-sentry-proxy")
        );
        assert_eq!(id(Ecosystem::Pypi, "stripe"), Some("acme-stripe-reseller"));
    }

    #[test]
    fn config_entries_deserialize_with_the_catalogue_fields() {
        let yaml = "id: acme-crm-cloud\nname: Acme CRM Cloud Ltd\nrole: processor\ncountry: GB\npackages: { npm: [\"@acme/crm-client\"], pypi: [acme-crm] }\n";
        let entry: CatalogEntry = serde_yaml::from_str(yaml).unwrap();
        assert_eq!(entry.packages[&Ecosystem::Pypi], ["acme-crm"]);
        assert!(!entry.dpf_certified);
        assert!(serde_yaml::from_str::<CatalogEntry>(&format!("{yaml}website: x\n")).is_err());
    }
}
