//! The built-in vendor catalogue (`policies/vendor-catalog.yaml`) is data
//! the "Declared vs. used" rules trust: these tests keep it well-formed.
//! Its facts (legal names, countries, package names) are checked by people
//! against the vendors' documentation; here, that every value is of the
//! right shape, consistent with the taxonomy and countries, and that no
//! package could name two vendors.

use privgate::taxonomy::Taxonomy;
use privgate::vendor_catalog::{matches, normalise, Ecosystem};
use privgate::vendor_catalog::{Catalog, CatalogEntry, Role, VENDOR_CATALOG_YAML};
use std::collections::{BTreeMap, BTreeSet};

fn entries() -> Vec<CatalogEntry> {
    Catalog::builtin().entries().to_vec()
}

#[test]
fn the_catalogue_has_at_least_120_vendors() {
    let count = entries().len();
    assert!(count >= 120, "{count} vendors");
}

/// The groups of the issue, as the file's `# --- group ---` comments, with
/// the vendors under each.
fn groups() -> BTreeMap<String, usize> {
    let mut groups = BTreeMap::new();
    let mut current: Option<String> = None;
    for line in VENDOR_CATALOG_YAML.lines() {
        let line = line.trim();
        if let Some(title) = line.strip_prefix("# --- ") {
            let title = title.trim_end_matches(['-', ' ']).to_string();
            groups.insert(title.clone(), 0);
            current = Some(title);
        } else if line.starts_with("- id:") {
            let group = current
                .as_ref()
                .expect("every vendor is under a group comment");
            *groups.get_mut(group).expect("group exists") += 1;
        }
    }
    groups
}

#[test]
fn every_group_of_vendors_that_receive_personal_data_is_covered() {
    let groups = groups();
    let expected = [
        "payments",
        "analytics and product telemetry",
        "error tracking and APM",
        "email, SMS, push, chat and marketing automation",
        "CRM, support desks and e-signature",
        "advertising and attribution",
        "identity and authentication",
        "identity verification and fraud",
        "maps and location",
        "search and vector databases",
        "AI and LLM APIs",
        "video and real-time media",
        "cloud providers, storage and backends",
    ];
    assert_eq!(
        groups.keys().map(String::as_str).collect::<BTreeSet<_>>(),
        expected.into_iter().collect::<BTreeSet<_>>()
    );
    for (group, count) in &groups {
        assert!(*count >= 3, "group {group} has {count} vendors");
    }
    assert_eq!(groups.values().sum::<usize>(), entries().len());
}

fn is_kebab_case(id: &str) -> bool {
    !id.is_empty()
        && id.split('-').all(|part| {
            !part.is_empty()
                && part
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        })
}

#[test]
fn ids_are_unique_and_kebab_case() {
    let mut seen = BTreeSet::new();
    for entry in entries() {
        assert!(
            is_kebab_case(&entry.id),
            "id `{}` is not kebab-case",
            entry.id
        );
        assert!(
            seen.insert(entry.id.clone()),
            "id `{}` is listed twice",
            entry.id
        );
    }
}

#[test]
fn every_entry_has_a_legal_name_a_role_a_known_country_and_packages() {
    let taxonomy = Taxonomy::builtin();
    for entry in entries() {
        assert!(
            !entry.name.trim().is_empty() && entry.name.trim() == entry.name,
            "{}: name",
            entry.id
        );
        assert!(
            matches!(
                entry.role,
                Role::Processor | Role::Controller | Role::ThirdParty
            ),
            "{}: role",
            entry.id
        );
        assert!(
            taxonomy.iso_countries.contains(&entry.country),
            "{}: country `{}` is not an ISO 3166-1 code of policies/countries.yaml",
            entry.id,
            entry.country
        );
        assert!(
            entry.packages.values().any(|names| !names.is_empty()),
            "{}: no packages",
            entry.id
        );
    }
}

#[test]
fn the_file_spells_roles_as_the_manifest_does() {
    let raw: serde_yaml::Value = serde_yaml::from_str(VENDOR_CATALOG_YAML).unwrap();
    for vendor in raw["vendors"].as_sequence().unwrap() {
        let role = vendor["role"].as_str().unwrap();
        assert!(
            ["processor", "controller", "third_party"].contains(&role),
            "{role}"
        );
    }
}

#[test]
fn dpf_certification_is_claimed_only_for_us_companies() {
    // The EU-US Data Privacy Framework lists US organisations only.
    for entry in entries().iter().filter(|e| e.dpf_certified) {
        assert_eq!(entry.country, "US", "{}", entry.id);
    }
}

#[test]
fn every_category_is_a_personal_data_key_of_the_taxonomy() {
    let taxonomy = Taxonomy::builtin();
    for entry in entries() {
        for category in &entry.categories {
            assert!(
                taxonomy.categories.contains_key(category),
                "{}: category `{category}` is not in policies/taxonomy.yaml",
                entry.id
            );
            assert!(category.starts_with("user."), "{}: {category}", entry.id);
        }
    }
}

fn all_chars(s: &str, ok: impl Fn(char) -> bool) -> bool {
    !s.is_empty() && s.chars().all(ok)
}

/// Whether `name` is well-formed for its ecosystem. A pattern (`prefix*`)
/// is checked as its prefix, which may end where a name goes on (`@sentry/`,
/// `aws-sdk-`, `com.amazonaws:`).
fn well_formed(ecosystem: Ecosystem, name: &str) -> bool {
    let (name, pattern) = match name.strip_suffix('*') {
        Some(prefix) => (prefix, true),
        None => (name, false),
    };
    if name.is_empty() || name.contains(char::is_whitespace) || name.contains('*') {
        return false;
    }
    let lower_name = |s: &str| {
        all_chars(s, |c| {
            c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '-' | '.' | '_' | '~')
        })
    };
    match ecosystem {
        Ecosystem::Npm => match name.strip_prefix('@') {
            Some(scoped) => match scoped.split_once('/') {
                Some((scope, rest)) => {
                    lower_name(scope) && ((pattern && rest.is_empty()) || lower_name(rest))
                }
                None => false,
            },
            None => lower_name(name) && !name.starts_with(['.', '_']),
        },
        Ecosystem::Pypi => {
            let inner = all_chars(name, |c| {
                c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')
            });
            let ends_ok = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric());
            inner && ends_ok(name.chars().next()) && (pattern || ends_ok(name.chars().last()))
        }
        Ecosystem::Go => {
            let mut elements = name.split('/');
            let first = elements.next().unwrap_or("");
            first.contains('.')
                && name.split('/').enumerate().all(|(i, el)| {
                    (pattern && i > 0 && el.is_empty())
                        || all_chars(el, |c| {
                            c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_' | '~')
                        })
                })
        }
        Ecosystem::Cargo => {
            name.starts_with(|c: char| c.is_ascii_alphabetic())
                && all_chars(name, |c| {
                    c.is_ascii_alphanumeric() || matches!(c, '-' | '_')
                })
        }
        Ecosystem::Gem => all_chars(name, |c| {
            c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')
        }),
        Ecosystem::Maven => {
            let part = |s: &str| {
                all_chars(s, |c| {
                    c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')
                })
            };
            name.matches(':').count() == 1
                && name
                    .split_once(':')
                    .is_some_and(|(g, a)| part(g) && ((pattern && a.is_empty()) || part(a)))
        }
        Ecosystem::Nuget => {
            let segments: Vec<&str> = name.split('.').collect();
            segments.iter().enumerate().all(|(i, s)| {
                (pattern && i == segments.len() - 1 && s.is_empty())
                    || all_chars(s, |c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_'))
            })
        }
        Ecosystem::Composer => match name.split_once('/') {
            Some((vendor, package)) => {
                lower_name(vendor) && ((pattern && package.is_empty()) || lower_name(package))
            }
            None => false,
        },
        Ecosystem::Pub => {
            name.starts_with(|c: char| c.is_ascii_lowercase())
                && all_chars(name, |c| {
                    c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'
                })
        }
    }
}

#[test]
fn every_package_name_is_well_formed_for_its_ecosystem() {
    let mut bad = Vec::new();
    for entry in entries() {
        for (&ecosystem, names) in &entry.packages {
            for name in names {
                if !well_formed(ecosystem, name) {
                    bad.push(format!("{}: {ecosystem}:{name}", entry.id));
                }
            }
        }
    }
    assert!(
        bad.is_empty(),
        "malformed package names:\n{}",
        bad.join("\n")
    );
}

#[test]
fn the_well_formedness_check_rejects_what_each_registry_would() {
    assert!(!well_formed(Ecosystem::Npm, "Stripe"));
    assert!(!well_formed(Ecosystem::Npm, "@stripe"));
    assert!(!well_formed(Ecosystem::Pypi, "-stripe"));
    assert!(!well_formed(Ecosystem::Go, "stripe/stripe-go"));
    assert!(!well_formed(Ecosystem::Cargo, "async.stripe"));
    assert!(!well_formed(Ecosystem::Maven, "com.stripe:stripe-java:1"));
    assert!(!well_formed(Ecosystem::Maven, "com.stripe"));
    assert!(!well_formed(Ecosystem::Nuget, "Stripe..net"));
    assert!(!well_formed(Ecosystem::Composer, "Stripe/stripe-php"));
    assert!(!well_formed(Ecosystem::Pub, "flutter-stripe"));
    assert!(!well_formed(Ecosystem::Gem, "stripe ruby"));
    assert!(!well_formed(Ecosystem::Npm, "@sentry/*x*"));
    assert!(well_formed(Ecosystem::Npm, "@sentry/*"));
    assert!(well_formed(Ecosystem::Maven, "com.amazonaws:*"));
    assert!(well_formed(Ecosystem::Nuget, "AWSSDK.*"));
}

#[test]
fn no_package_is_claimed_by_two_entries() {
    // (ecosystem, normalised name or pattern) -> entry id
    let mut claimed: Vec<(Ecosystem, String, String)> = Vec::new();
    for entry in entries() {
        for (&ecosystem, names) in &entry.packages {
            for name in names {
                claimed.push((ecosystem, normalise(ecosystem, name), entry.id.clone()));
            }
        }
    }
    let mut clashes = Vec::new();
    for (i, (e1, n1, id1)) in claimed.iter().enumerate() {
        for (e2, n2, id2) in &claimed[i + 1..] {
            if e1 != e2 {
                continue;
            }
            let overlap = n1 == n2
                || matches(n1, n2.trim_end_matches('*'))
                || matches(n2, n1.trim_end_matches('*'));
            if overlap && (id1 != id2 || n1 == n2) {
                clashes.push(format!("{e1}:{n1} ({id1}) / {e2}:{n2} ({id2})"));
            }
        }
    }
    assert!(
        clashes.is_empty(),
        "packages claimed twice:\n{}",
        clashes.join("\n")
    );
}

#[test]
fn every_listed_package_looks_up_to_its_own_entry() {
    let catalog = Catalog::builtin();
    for entry in catalog.entries() {
        for (&ecosystem, names) in &entry.packages {
            for name in names {
                let probe = match name.strip_suffix('*') {
                    Some(prefix) => format!("{prefix}x"),
                    None => name.clone(),
                };
                let found = catalog.lookup(ecosystem, &probe).map(|e| e.id.as_str());
                assert_eq!(found, Some(entry.id.as_str()), "{ecosystem}:{probe}");
            }
        }
    }
}

#[test]
fn the_manifest_examples_of_package_names_find_their_vendor() {
    // manifest.md, "Dependencies".
    let catalog = Catalog::builtin();
    for (ecosystem, name, id) in [
        (Ecosystem::Npm, "@sentry/node", "sentry"),
        (Ecosystem::Pypi, "stripe", "stripe"),
        (Ecosystem::Go, "github.com/stripe/stripe-go/v76", "stripe"),
        (Ecosystem::Cargo, "async-stripe", "stripe"),
        (Ecosystem::Gem, "stripe", "stripe"),
        (Ecosystem::Maven, "com.stripe:stripe-java", "stripe"),
        (Ecosystem::Nuget, "Stripe.net", "stripe"),
        (Ecosystem::Composer, "stripe/stripe-php", "stripe"),
    ] {
        assert_eq!(
            catalog.lookup(ecosystem, name).map(|e| e.id.as_str()),
            Some(id),
            "{ecosystem}:{name}"
        );
    }
}
