//! The data-category taxonomy, data subjects and country lists
//! (`policies/taxonomy.yaml`, `policies/countries.yaml`), embedded in the
//! binary and extended by the repository config. Rules ask it questions
//! ("is this key a GDPR special category?"); they never hard-code keys.

use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet};

pub const TAXONOMY_YAML: &str = include_str!("../policies/taxonomy.yaml");
pub const COUNTRIES_YAML: &str = include_str!("../policies/countries.yaml");
pub const COUNTRY_NAMES_YAML: &str = include_str!("../policies/country-names.yaml");

/// A mark a category carries; it covers every key below it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mark {
    GdprSpecial,
    GdprCriminal,
    CcpaSensitive,
    /// Data of a highly personal nature (WP248 rev.01 criterion 4).
    GdprHighlyPersonal,
}

impl Mark {
    pub const ALL: [Mark; 4] = [
        Mark::GdprSpecial,
        Mark::GdprCriminal,
        Mark::CcpaSensitive,
        Mark::GdprHighlyPersonal,
    ];

    /// The mark as `privgate taxonomy` prints it (cli.md's words).
    pub fn label(self) -> &'static str {
        match self {
            Mark::GdprSpecial => "special",
            Mark::GdprCriminal => "criminal",
            Mark::GdprHighlyPersonal => "highly personal",
            Mark::CcpaSensitive => "CCPA sensitive",
        }
    }

    /// The mark with the law it comes from, for a reader who does not know
    /// the short label.
    pub fn meaning(self) -> &'static str {
        match self {
            Mark::GdprSpecial => "GDPR Art. 9(1) special category",
            Mark::GdprCriminal => "GDPR Art. 10 criminal convictions and offences",
            Mark::GdprHighlyPersonal => "highly personal (EDPB WP248 criterion 4)",
            Mark::CcpaSensitive => "CCPA sensitive personal information (1798.140(ae))",
        }
    }

    /// The key in `policies/taxonomy.yaml` and in JSON output.
    pub fn key(self) -> &'static str {
        match self {
            Mark::GdprSpecial => "gdpr_special",
            Mark::GdprCriminal => "gdpr_criminal",
            Mark::GdprHighlyPersonal => "gdpr_highly_personal",
            Mark::CcpaSensitive => "ccpa_sensitive",
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TaxonomyFile {
    #[allow(dead_code)]
    version: u32,
    #[allow(dead_code)]
    source: String,
    categories: Vec<CategoryEntry>,
    #[serde(default)]
    aliases: BTreeMap<String, String>,
    subjects: Vec<SubjectEntry>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CategoryEntry {
    key: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    marks: Vec<Mark>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SubjectEntry {
    key: String,
    #[serde(default)]
    description: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CountriesFile {
    #[allow(dead_code)]
    version: u32,
    iso_3166_alpha2: Vec<String>,
    eea: EeaList,
    adequacy: AdequacyList,
    dpf: CountryList,
    digital_consent_age: ConsentAges,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CountryList {
    #[allow(dead_code)]
    source: String,
    #[allow(dead_code)]
    as_of: serde_yaml::Value,
    countries: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct EeaList {
    #[allow(dead_code)]
    source: String,
    #[allow(dead_code)]
    as_of: serde_yaml::Value,
    countries: Vec<String>,
    territories: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct AdequacyList {
    #[allow(dead_code)]
    source: String,
    #[allow(dead_code)]
    as_of: serde_yaml::Value,
    decisions: Vec<AdequacyEntry>,
    #[allow(dead_code)]
    organisations: Vec<OrganisationEntry>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct AdequacyEntry {
    country: String,
    decision: String,
    from: String,
    until: Option<String>,
    #[serde(default)]
    scope_limited: bool,
    scope: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct OrganisationEntry {
    name: String,
    decision: String,
    from: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ConsentAges {
    #[allow(dead_code)]
    source: String,
    #[allow(dead_code)]
    as_of: serde_yaml::Value,
    default: u32,
    ages: BTreeMap<String, u32>,
}

/// A Commission adequacy decision (GDPR Art. 45).
#[derive(Debug, Clone)]
pub struct Adequacy {
    pub decision: String,
    pub from: jiff::civil::Date,
    pub until: Option<jiff::civil::Date>,
    /// The decision covers only some recipients (`scope`).
    pub scope_limited: bool,
    pub scope: Option<String>,
}

impl Adequacy {
    pub fn in_force(&self, on: jiff::civil::Date) -> bool {
        self.from <= on && self.until.is_none_or(|u| on <= u)
    }
}

#[derive(Debug, Clone)]
pub struct Category {
    pub description: String,
    pub marks: Vec<Mark>,
}

#[derive(Debug, Clone)]
pub struct Taxonomy {
    pub categories: BTreeMap<String, Category>,
    pub aliases: BTreeMap<String, String>,
    pub subjects: BTreeSet<String>,
    /// What each built-in subject means (`privgate taxonomy`, the schema's
    /// completions); subjects the config adds have none.
    pub subject_descriptions: BTreeMap<String, String>,
    pub iso_countries: BTreeSet<String>,
    /// EEA states and the EU territories with a code of their own.
    pub eea: BTreeSet<String>,
    pub adequacy: BTreeMap<String, Adequacy>,
    pub dpf: BTreeSet<String>,
    /// GDPR Art. 8(1) age per country, and the age where none is known.
    pub consent_ages: BTreeMap<String, u32>,
    pub default_consent_age: u32,
}

impl Taxonomy {
    /// The built-in taxonomy. The embedded files are checked by tests, so a
    /// failure here is a build defect.
    pub fn builtin() -> Taxonomy {
        let tax: TaxonomyFile =
            serde_yaml::from_str(TAXONOMY_YAML).expect("policies/taxonomy.yaml is valid");
        let countries: CountriesFile =
            serde_yaml::from_str(COUNTRIES_YAML).expect("policies/countries.yaml is valid");
        Taxonomy {
            categories: tax
                .categories
                .into_iter()
                .map(|c| {
                    (
                        c.key,
                        Category {
                            description: c.description,
                            marks: c.marks,
                        },
                    )
                })
                .collect(),
            aliases: tax.aliases,
            subjects: tax.subjects.iter().map(|s| s.key.clone()).collect(),
            subject_descriptions: tax
                .subjects
                .into_iter()
                .map(|s| (s.key, s.description))
                .collect(),
            iso_countries: countries.iso_3166_alpha2.into_iter().collect(),
            eea: countries
                .eea
                .countries
                .into_iter()
                .chain(countries.eea.territories)
                .collect(),
            adequacy: countries
                .adequacy
                .decisions
                .into_iter()
                .map(|a| {
                    let date = |s: &str| {
                        crate::time::parse_date(s).expect("policies/countries.yaml dates are valid")
                    };
                    (
                        a.country,
                        Adequacy {
                            from: date(&a.from),
                            until: a.until.as_deref().map(date),
                            decision: a.decision,
                            scope_limited: a.scope_limited,
                            scope: a.scope,
                        },
                    )
                })
                .collect(),
            dpf: countries.dpf.countries.into_iter().collect(),
            consent_ages: countries.digital_consent_age.ages,
            default_consent_age: countries.digital_consent_age.default,
        }
    }

    pub fn add_category(&mut self, key: &str, description: Option<&str>) {
        self.categories.entry(key.to_string()).or_insert(Category {
            description: description.unwrap_or_default().to_string(),
            marks: Vec::new(),
        });
    }

    pub fn add_subject(&mut self, name: &str) {
        self.subjects.insert(name.to_string());
    }

    /// The canonical key for `key` (itself, or what its alias names), if known.
    pub fn canonical<'a>(&'a self, key: &'a str) -> Option<&'a str> {
        if self.categories.contains_key(key) {
            return Some(key);
        }
        if let Some(target) = self.aliases.get(key) {
            return Some(target);
        }
        None
    }

    /// Known category keys an unknown `key` may have meant, best first: a
    /// key under the same root that ends in the same segments
    /// (`user.email` -> `user.contact.email`), else one whose last segment
    /// is spelt nearly alike (`user.phone` -> `user.contact.phone_number`),
    /// ranked by the whole key's likeness; at most two, and a second only
    /// when it ends in the same segments as the first. Empty when nothing
    /// is close.
    pub fn suggest_category(&self, key: &str) -> Vec<&str> {
        if key.len() > crate::diagnostic::MAX_TYPO_BYTES {
            return Vec::new();
        }
        let key = key.to_lowercase();
        let segments: Vec<&str> = key.split('.').collect();
        let last = segments.last().copied().unwrap_or_default();
        let root = segments.first().copied().unwrap_or_default();
        // (same root, trailing segments equal, last segment likeness,
        // whole-key likeness, shorter first)
        type Rank = (bool, usize, f64, f64, std::cmp::Reverse<usize>);
        let mut ranked: Vec<(Rank, &str)> = Vec::new();
        for candidate in self.categories.keys() {
            let theirs: Vec<&str> = candidate.split('.').collect();
            let same_root = theirs.first() == Some(&root);
            let trailing = segments
                .iter()
                .rev()
                .zip(theirs.iter().rev())
                .take_while(|(a, b)| a == b)
                .count()
                .min(segments.len().saturating_sub(1));
            let last_alike = strsim::jaro_winkler(last, theirs.last().copied().unwrap_or_default());
            let whole_alike = strsim::jaro_winkler(&key, candidate);
            if trailing == 0 && last_alike < 0.85 && whole_alike < 0.9 {
                continue;
            }
            ranked.push((
                (
                    same_root,
                    trailing,
                    last_alike,
                    whole_alike,
                    std::cmp::Reverse(candidate.len()),
                ),
                candidate,
            ));
        }
        ranked.sort_by(|a, b| b.0.partial_cmp(&a.0).unwrap_or(std::cmp::Ordering::Equal));
        let mut out: Vec<&str> = Vec::new();
        if let Some((best, first)) = ranked.first() {
            out.push(first);
            if let Some((next, second)) = ranked.get(1) {
                // Two keys end in the very segments written: either may be meant.
                if best.1 > 0 && next.0 == best.0 && next.1 == best.1 && next.2 == best.2 {
                    out.push(second);
                }
            }
        }
        out
    }

    /// The categories, aliases and subjects whose key, description or
    /// mark labels contain `query` (ignoring case; an empty query matches
    /// all), sorted by key. `added` names what the config added.
    pub fn search(&self, query: &str, added: &[String]) -> Found {
        let query = query.trim().to_lowercase();
        let hit = |texts: &[&str]| {
            query.is_empty() || texts.iter().any(|t| t.to_lowercase().contains(&query))
        };
        let categories = self
            .categories
            .iter()
            .filter_map(|(key, c)| {
                let marks: Vec<Mark> = self.marks(key).into_iter().collect();
                let mut texts = vec![key.as_str(), c.description.as_str()];
                texts.extend(marks.iter().map(|m| m.label()));
                hit(&texts).then(|| FoundCategory {
                    key: key.clone(),
                    description: c.description.clone(),
                    marks,
                    from_config: added.contains(key),
                })
            })
            .collect();
        let aliases = self
            .aliases
            .iter()
            .filter(|(alias, target)| hit(&[alias.as_str(), target.as_str()]))
            .map(|(a, t)| (a.clone(), t.clone()))
            .collect();
        let subjects = self
            .subjects
            .iter()
            .filter_map(|key| {
                let description = self
                    .subject_descriptions
                    .get(key)
                    .cloned()
                    .unwrap_or_default();
                hit(&[key.as_str(), description.as_str()]).then(|| FoundSubject {
                    key: key.clone(),
                    description,
                    from_config: added.contains(key),
                })
            })
            .collect();
        Found {
            categories,
            aliases,
            subjects,
        }
    }

    /// The marks on `key` or any of its ancestors.
    pub fn marks(&self, key: &str) -> BTreeSet<Mark> {
        ancestors(key)
            .filter_map(|k| self.categories.get(k))
            .flat_map(|c| c.marks.iter().copied())
            .collect()
    }

    pub fn has_mark(&self, key: &str, mark: Mark) -> bool {
        ancestors(key).any(|k| {
            self.categories
                .get(k)
                .is_some_and(|c| c.marks.contains(&mark))
        })
    }

    pub fn is_country(&self, code: &str) -> bool {
        code == "EU" || self.iso_countries.contains(code)
    }

    pub fn in_eea(&self, code: &str) -> bool {
        code == "EU" || self.eea.contains(code)
    }

    /// The adequacy decision for `code` in force on `on`, if any.
    pub fn adequacy_on(&self, code: &str, on: jiff::civil::Date) -> Option<&Adequacy> {
        self.adequacy.get(code).filter(|a| a.in_force(on))
    }

    /// The GDPR Art. 8(1) consent age of the markets named: the highest
    /// among the EEA countries in the list, else the default (16).
    pub fn consent_age<'a>(&self, markets: impl IntoIterator<Item = &'a str>) -> u32 {
        markets
            .into_iter()
            .filter(|c| self.in_eea(c))
            .map(|c| {
                self.consent_ages
                    .get(c)
                    .copied()
                    .unwrap_or(self.default_consent_age)
            })
            .max()
            .unwrap_or(self.default_consent_age)
    }
}

/// Every category's marks, its own and its ancestors', found in one lookup
/// where `Taxonomy::has_mark` walks the ancestors: the rule functions
/// `special()`, `criminal()` and `sensitive()` ask millions of times a run.
pub struct MarkIndex {
    by_key: std::collections::HashMap<String, u8, foldhash::fast::RandomState>,
    taxonomy: std::sync::Arc<Taxonomy>,
}

impl MarkIndex {
    pub fn new(taxonomy: std::sync::Arc<Taxonomy>) -> MarkIndex {
        let marks = Mark::ALL;
        let by_key = taxonomy
            .categories
            .keys()
            .map(|key| {
                let bits = marks
                    .iter()
                    .filter(|m| taxonomy.has_mark(key, **m))
                    .fold(0, |bits, m| bits | Self::bit(*m));
                (key.clone(), bits)
            })
            .collect();
        MarkIndex { by_key, taxonomy }
    }

    fn bit(mark: Mark) -> u8 {
        1 << (mark as u8)
    }

    /// `Taxonomy::has_mark`.
    pub fn has_mark(&self, key: &str, mark: Mark) -> bool {
        match self.by_key.get(key) {
            Some(bits) => bits & Self::bit(mark) != 0,
            // Not a category itself; an ancestor may be.
            None => self.taxonomy.has_mark(key, mark),
        }
    }
}

/// What `Taxonomy::search` found.
#[derive(Debug, Clone, Default)]
pub struct Found {
    pub categories: Vec<FoundCategory>,
    /// Alias -> the canonical key it stands for.
    pub aliases: Vec<(String, String)>,
    pub subjects: Vec<FoundSubject>,
}

impl Found {
    pub fn is_empty(&self) -> bool {
        self.categories.is_empty() && self.aliases.is_empty() && self.subjects.is_empty()
    }
}

#[derive(Debug, Clone)]
pub struct FoundCategory {
    pub key: String,
    pub description: String,
    /// Its own marks and those of its ancestors: what rules see.
    pub marks: Vec<Mark>,
    pub from_config: bool,
}

#[derive(Debug, Clone)]
pub struct FoundSubject {
    pub key: String,
    pub description: String,
    pub from_config: bool,
}

/// `a.b.c`, `a.b`, `a`.
pub fn ancestors(key: &str) -> impl Iterator<Item = &str> {
    let mut next = Some(key);
    std::iter::from_fn(move || {
        let current = next?;
        next = current.rfind('.').map(|i| &current[..i]);
        Some(current)
    })
}

/// Whether `key` is `prefix` or below it.
pub fn covers(prefix: &str, key: &str) -> bool {
    key == prefix || (key.starts_with(prefix) && key.as_bytes().get(prefix.len()) == Some(&b'.'))
}

/// Personal data: every key under `user`.
pub fn is_personal(key: &str) -> bool {
    covers("user", key)
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CountryNamesFile {
    #[allow(dead_code)]
    version: u32,
    names: BTreeMap<String, Vec<String>>,
}

/// Names per ISO code (policies/country-names.yaml), read on first use:
/// only error help needs them.
pub fn country_names() -> &'static BTreeMap<String, Vec<String>> {
    static NAMES: std::sync::OnceLock<BTreeMap<String, Vec<String>>> = std::sync::OnceLock::new();
    NAMES.get_or_init(|| {
        serde_yaml::from_str::<CountryNamesFile>(COUNTRY_NAMES_YAML)
            .map(|f| f.names)
            .unwrap_or_default()
    })
}

/// The ISO code that a country name or everyday abbreviation stands for
/// (`Germany`, `germny`, `UK`): an exact match ignoring case first, then a
/// close spelling of a name.
pub fn code_for_name(text: &str) -> Option<&'static str> {
    // No country is named at this length, and comparing takes time in the
    // product of the lengths: an 8 MB `location` took 18 s.
    if text.len() > crate::diagnostic::MAX_TYPO_BYTES {
        return None;
    }
    let wanted = text.trim().to_lowercase();
    let names = country_names();
    let mut best: Option<(f64, &str)> = None;
    for (code, list) in names {
        for name in list {
            let name = name.to_lowercase();
            if name == wanted {
                return Some(code);
            }
            // Short texts are too ambiguous to guess from.
            if wanted.chars().count() >= 4 {
                let score = strsim::jaro_winkler(&wanted, &name);
                if score >= 0.93 && best.is_none_or(|(b, _)| score > b) {
                    best = Some((score, code));
                }
            }
        }
    }
    best.map(|(_, code)| code)
}

/// Help for a country that is not a code: its code, when the text is a
/// name or a lower-case code.
pub fn country_suggestion(text: &str) -> Option<String> {
    let upper = text.to_uppercase();
    if upper.len() == 2 && country_names().contains_key(&upper) {
        return Some(format!("codes are upper case: did you mean `{upper}`?"));
    }
    code_for_name(text)
        .map(|code| format!("did you mean `{code}`? Write the ISO 3166-1 alpha-2 code, not a name"))
}

#[cfg(test)]
mod country_name_tests {
    use super::*;

    #[test]
    fn every_named_code_is_an_iso_code() {
        let tax = Taxonomy::builtin();
        let names = country_names();
        assert_eq!(names.len(), tax.iso_countries.len());
        for code in names.keys() {
            assert!(tax.iso_countries.contains(code), "{code}");
        }
    }

    #[test]
    fn names_and_abbreviations_find_their_code() {
        assert_eq!(code_for_name("Germany"), Some("DE"));
        assert_eq!(code_for_name("germany"), Some("DE"));
        assert_eq!(code_for_name("Germny"), Some("DE"));
        assert_eq!(code_for_name("UK"), Some("GB"));
        assert_eq!(code_for_name("EL"), Some("GR"));
        assert_eq!(code_for_name("United States of America"), Some("US"));
        assert_eq!(code_for_name("Atlantis"), None);
        assert_eq!(code_for_name("XX"), None);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_category_suggestion_matches_on_the_last_segments() {
        let tax = Taxonomy::builtin();
        let first = |k: &str| tax.suggest_category(k).first().copied();
        assert_eq!(first("user.email"), Some("user.contact.email"));
        assert_eq!(first("user.contact.emial"), Some("user.contact.email"));
        assert_eq!(first("user.phone"), Some("user.contact.phone_number"));
        assert_eq!(first("user.ip_address"), Some("user.device.ip_address"));
        assert_eq!(first("user.nmae"), Some("user.name"));
        assert_eq!(first("user.Email"), Some("user.contact.email"));
        assert!(tax.suggest_category("zzz.qqq").is_empty());
    }

    #[test]
    fn the_mark_index_agrees_with_the_walk_over_ancestors() {
        let tax = std::sync::Arc::new(Taxonomy::builtin());
        let index = MarkIndex::new(tax.clone());
        let mut keys: Vec<String> = tax.categories.keys().cloned().collect();
        // Below a category, and unknown altogether.
        keys.extend(["user.health.genetic.extra", "user.nothing", "x"].map(String::from));
        let mut marked = 0;
        for key in &keys {
            for mark in Mark::ALL {
                assert_eq!(
                    index.has_mark(key, mark),
                    tax.has_mark(key, mark),
                    "{key} {mark:?}"
                );
                marked += usize::from(index.has_mark(key, mark));
            }
        }
        assert!(marked > 5, "{marked}");
    }

    fn date(s: &str) -> jiff::civil::Date {
        crate::time::parse_date(s).unwrap()
    }

    #[test]
    fn art_45_brazil_is_adequate_from_the_day_of_its_decision() {
        let tax = Taxonomy::builtin();
        assert!(tax.adequacy_on("BR", date("2026-01-25")).is_none());
        assert!(tax.adequacy_on("BR", date("2026-01-26")).is_some());
    }

    #[test]
    fn art_45_the_uk_decision_ends_on_2031_12_27() {
        let tax = Taxonomy::builtin();
        assert!(tax.adequacy_on("GB", date("2031-12-27")).is_some());
        assert!(tax.adequacy_on("GB", date("2031-12-28")).is_none());
    }

    #[test]
    fn art_45_canada_japan_and_korea_are_scope_limited() {
        let tax = Taxonomy::builtin();
        let today = date("2026-12-07");
        for c in ["CA", "JP", "KR"] {
            assert!(
                tax.adequacy_on(c, today).is_some_and(|a| a.scope_limited),
                "{c}"
            );
        }
        for c in ["CH", "GB", "NZ", "BR"] {
            assert!(
                tax.adequacy_on(c, today).is_some_and(|a| !a.scope_limited),
                "{c}"
            );
        }
        assert!(
            tax.adequacy_on("US", today).is_none(),
            "the US only through the DPF"
        );
    }

    #[test]
    fn tfeu_355_aland_and_the_outermost_regions_are_in_the_eea_the_octs_are_not() {
        let tax = Taxonomy::builtin();
        for c in [
            "AX", "GF", "GP", "MQ", "RE", "YT", "MF", "NO", "IS", "LI", "EU",
        ] {
            assert!(tax.in_eea(c), "{c}");
        }
        for c in [
            "PF", "NC", "BL", "PM", "WF", "AW", "CW", "SX", "GL", "SJ", "CH", "GB",
        ] {
            assert!(!tax.in_eea(c), "{c}");
        }
    }

    #[test]
    fn art_8_every_eea_country_and_territory_has_a_consent_age_from_13_to_16() {
        let tax = Taxonomy::builtin();
        for c in &tax.eea {
            let age = tax.consent_ages.get(c).copied();
            assert!(age.is_some_and(|a| (13..=16).contains(&a)), "{c}: {age:?}");
        }
    }

    #[test]
    fn art_8_the_consent_age_is_the_highest_of_the_eea_markets_else_16() {
        let tax = Taxonomy::builtin();
        assert_eq!(tax.consent_age(["FR"]), 15);
        assert_eq!(tax.consent_age(["FR", "DE"]), 16);
        assert_eq!(tax.consent_age(["BE", "AT"]), 14);
        assert_eq!(tax.consent_age(["AX"]), 13);
        assert_eq!(tax.consent_age(["EU"]), 16);
        assert_eq!(tax.consent_age(Vec::<&str>::new()), 16);
        // Markets outside the EEA set no GDPR age: the default applies.
        assert_eq!(tax.consent_age(["US"]), 16);
        assert_eq!(tax.consent_age(["US", "BE"]), 13);
    }

    #[test]
    fn ccpa_1798_140_ae_only_the_listed_government_ids_are_sensitive() {
        let tax = Taxonomy::builtin();
        for k in [
            "user.government_id.ssn",
            "user.government_id.drivers_license",
            "user.government_id.state_id",
            "user.government_id.passport",
            "user.government_id.immigration",
            "user.demographic.immigration_status",
            "user.demographic.nationality",
        ] {
            assert!(tax.has_mark(k, Mark::CcpaSensitive), "{k}");
        }
        for k in [
            "user.government_id",
            "user.government_id.tax_id",
            "user.government_id.birth_certificate",
            "user.government_id.vehicle_registration",
            "user.government_id.national_identification_number",
        ] {
            assert!(!tax.has_mark(k, Mark::CcpaSensitive), "{k}");
        }
    }

    #[test]
    fn art_9_philosophical_belief_and_biometric_authentication_are_special() {
        let tax = Taxonomy::builtin();
        for k in ["user.philosophical_belief", "user.authorization.biometric"] {
            assert!(tax.has_mark(k, Mark::GdprSpecial), "{k}");
        }
        assert!(tax.has_mark("user.financial.bank_account", Mark::GdprHighlyPersonal));
        assert!(!tax.has_mark("user.financial.bank_account", Mark::GdprSpecial));
    }
}
