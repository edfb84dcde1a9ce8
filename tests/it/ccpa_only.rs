//! A business under the CCPA alone declares no GDPR field: no lawful basis,
//! no Art. 9(2) condition, no authorising law, no markets. rules.md: "no
//! CCPA rule reads `lawful_basis`, `special_category_condition` or other
//! GDPR-only fields". These tests hold the CCPA pack to that, on a
//! repository that declares its CCPA facts properly and none of the GDPR
//! ones, and in the pack's text (with the facts it reads, transitively).

use crate::common;

use crate::common::{check_dir, write_files};
use std::collections::{BTreeMap, BTreeSet};

/// Far enough in 2027 that the ADMT rule (from 2027-01-01) is checked.
const TODAY: &str = "2027-03-01";

const CONFIG: &str = "version: 1\norganization: Acme Inc.\nregulations: [ccpa]\n";

/// A CCPA-only repository: notice at collection, finite retention, purposes
/// for every flow and dataset category, a sale with a "Do Not Sell or Share"
/// link and GPC, sensitive PI used for the requested service (7027(m)(1)),
/// children's data sold after a two-step opt-in, ADMT with its notice,
/// opt-out and access, risk assessments, service-provider and third-party
/// contracts, deletion propagation, and rights answered in time. Not one
/// GDPR-only field.
const MANIFEST: &str = r#"version: 1
datasets:
  - id: customers
    categories: [user.contact.email, user.location.precise, user.financial, user.children.thirteen_to_sixteen]
    subjects: [customer, child]
    retention: { period: P2Y, deletion: automated }
purposes:
  - id: store-finder
    description: Shows the nearest store
    categories: [user.location.precise]
    subjects: [customer]
    datasets: [customers]
    notice: https://acme.example/privacy#store-finder
    ccpa: { sensitive_use: requested_service }
    assessments: [pia]
  - id: ad-audiences
    description: Audiences for advertising partners
    categories: [user.contact.email, user.children.thirteen_to_sixteen]
    subjects: [customer, child]
    datasets: [customers]
    consent: teen-ads
    notice: https://acme.example/privacy#ads
    ccpa: { sold: true, shared: true, opt_out: "link:/do-not-sell-or-share" }
    assessments: [pia]
  - id: credit-line
    description: Automated credit limit
    categories: [user.financial, user.contact.email]
    subjects: [customer]
    datasets: [customers]
    notice: https://acme.example/privacy#credit
    risk: { automated_decision: true, significant_decision: lending }
    ccpa: { admt_notice: https://acme.example/privacy#admt }
    assessments: [pia]
consents:
  - id: teen-ads
    purposes: [ad-audiences]
    mechanism: double_opt_in
    minimum_age: 13
    recorded: true
    withdrawable: true
vendors:
  - id: adnet
    role: third_party
    country: US
    contract: { type: other, signed: 2026-01-10 }
    deletion_propagation: true
  - id: mailer
    role: service_provider
    country: US
    contract: { type: service_provider_agreement, signed: 2026-01-10 }
    deletion_propagation: true
flows:
  - id: audiences-to-adnet
    from: customers
    to: adnet
    purpose: ad-audiences
    categories: [user.contact.email]
  - id: statements-to-mailer
    from: customers
    to: mailer
    purpose: credit-line
    categories: [user.contact.email, user.financial]
assessments:
  - id: pia
    type: pia
    document: docs/pia.md
    status: approved
    approver: privacy@acme.example
    date: 2026-06-01
rights:
  access: { sla: P45D, extension: P45D, channel: https://acme.example/request }
  erasure: { sla: P30D, channel: https://acme.example/request }
  rectification: { sla: P30D, channel: https://acme.example/request }
  opt_out: { sla: P15D, gpc: true }
  admt_opt_out: { channel: https://acme.example/admt }
  admt_access: { channel: https://acme.example/admt }
"#;

fn findings(manifest: &str) -> Vec<(String, String)> {
    let dir = tempfile::tempdir().unwrap();
    write_files(
        dir.path(),
        [
            ("privgate.yaml", CONFIG),
            ("privacy.yaml", manifest),
            ("docs/pia.md", "# Risk assessment\n"),
        ],
    );
    let report = check_dir(dir.path(), TODAY).unwrap_or_else(|d| panic!("{:?}", common::codes(&d)));
    assert_eq!(report.regulations, ["ccpa"]);
    report
        .findings
        .iter()
        .map(|f| (f.rule.clone(), f.target.clone()))
        .collect()
}

fn without(text: &str, line: &str) -> String {
    assert!(text.contains(line), "fixture has no line {line:?}");
    text.replacen(line, "", 1)
}

#[test]
fn a_business_under_the_ccpa_alone_meets_every_ccpa_rule_without_any_gdpr_field() {
    for field in [
        "lawful_basis",
        "special_category_condition",
        "authorising_law",
        "markets",
        "explicit",
        "transfer_mechanism",
        "legitimate",
    ] {
        assert!(!MANIFEST.contains(field), "the fixture declares {field}");
    }
    assert_eq!(findings(MANIFEST), Vec::<(String, String)>::new());
}

#[test]
fn the_ccpa_only_repository_is_quiet_because_its_ccpa_facts_are_declared() {
    // Each CCPA fact removed brings back the rule that asks for it: the
    // quiet run above is not a vacuous one.
    let cases = [
        (
            "    notice: https://acme.example/privacy#store-finder\n",
            "ccpa.notice-at-collection",
            "purpose:store-finder",
        ),
        (
            "    ccpa: { sensitive_use: requested_service }\n",
            "ccpa.sensitive-pi-limit",
            "purpose:store-finder",
        ),
        (
            "    ccpa: { admt_notice: https://acme.example/privacy#admt }\n",
            "ccpa.admt",
            "purpose:credit-line",
        ),
        (
            "    mechanism: double_opt_in\n",
            "ccpa.minors-opt-in",
            "purpose:ad-audiences",
        ),
        (
            "  opt_out: { sla: P15D, gpc: true }\n",
            "ccpa.opt-out-preference-signal",
            "repository",
        ),
        (
            "    contract: { type: other, signed: 2026-01-10 }\n",
            "ccpa.service-provider-contract",
            "vendor:adnet",
        ),
    ];
    for (line, rule, target) in cases {
        let got = findings(&without(MANIFEST, line));
        assert!(
            got.iter().any(|(r, t)| r == rule && t == target),
            "without {line:?}: expected {rule} on {target}, got {got:?}"
        );
    }
    let no_link = MANIFEST.replace(
        "ccpa: { sold: true, shared: true, opt_out: \"link:/do-not-sell-or-share\" }",
        "ccpa: { sold: true, shared: true }",
    );
    let got = findings(&no_link);
    assert!(
        got.iter()
            .any(|(r, t)| r == "ccpa.sale-share-opt-out" && t == "purpose:ad-audiences"),
        "{got:?}"
    );
    let no_pia = MANIFEST.replace("    assessments: [pia]\n", "");
    let got = findings(&no_pia);
    for p in ["store-finder", "ad-audiences", "credit-line"] {
        assert!(
            got.iter()
                .any(|(r, t)| r == "ccpa.risk-assessment" && t == &format!("purpose:{p}")),
            "{got:?}"
        );
    }
}

#[test]
fn sensitive_pi_used_for_the_requested_service_needs_no_limit_link_whatever_the_lawful_basis() {
    // 11 CCR 7027(m)(1): the v1 rule read `lawful_basis` and fired on a
    // purpose that declared none.
    let manifest = "version: 1
purposes:
  - id: store-finder
    categories: [user.location.precise]
    notice: https://acme.example/privacy#store-finder
    ccpa: { sensitive_use: requested_service }
";
    let got = findings(manifest);
    assert!(
        !got.iter().any(|(r, _)| r == "ccpa.sensitive-pi-limit"),
        "{got:?}"
    );
    // The same purpose with no permitted use does need the limit mechanism.
    let got = findings(&manifest.replace("    ccpa: { sensitive_use: requested_service }\n", ""));
    assert!(
        got.iter()
            .any(|(r, t)| r == "ccpa.sensitive-pi-limit" && t == "purpose:store-finder"),
        "{got:?}"
    );
}

/// Fields only the GDPR gives meaning to, and the GDPR-only helpers.
const GDPR_ONLY: [&str; 9] = [
    ".lawful_basis",
    ".special_category_condition",
    ".authorising_law",
    ".markets",
    ".explicit",
    ".transfer_mechanism",
    "consent_age(",
    "special(",
    "criminal(",
];

/// The `facts.NAME`s an expression reads.
fn facts_read(expr: &str) -> Vec<String> {
    expr.match_indices("facts.")
        .map(|(i, m)| {
            expr[i + m.len()..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect()
        })
        .collect()
}

#[test]
fn no_ccpa_condition_reads_a_gdpr_only_field_even_through_the_facts_it_uses() {
    let facts: serde_yaml::Value =
        serde_yaml::from_str(privgate::evaluate::rules::builtin::FACTS).unwrap();
    // Name -> expressions of every fact of that name (of any kind): reading
    // more than the rule does only makes the check stricter.
    let mut by_name: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for f in facts["facts"].as_sequence().unwrap() {
        by_name
            .entry(f["name"].as_str().unwrap().to_string())
            .or_default()
            .push(f["expr"].as_str().unwrap().to_string());
    }
    let (_, ccpa) = privgate::evaluate::rules::builtin::BUILTIN
        .iter()
        .find(|(file, _)| file.ends_with("ccpa.yaml"))
        .unwrap();
    let pack: serde_yaml::Value = serde_yaml::from_str(ccpa).unwrap();
    let mut offences = Vec::new();
    for rule in pack["rules"].as_sequence().unwrap() {
        let id = rule["id"].as_str().unwrap();
        for check in rule["checks"].as_sequence().unwrap() {
            let mut todo: Vec<(String, String)> = ["when", "violation", "detail"]
                .iter()
                .filter_map(|k| check[*k].as_str())
                .map(|e| {
                    (
                        format!("{id} {}", check["target"].as_str().unwrap()),
                        e.to_string(),
                    )
                })
                .collect();
            let mut seen = BTreeSet::new();
            while let Some((via, expr)) = todo.pop() {
                for bad in GDPR_ONLY {
                    if expr.contains(bad) {
                        offences.push(format!("{via} reads {bad}"));
                    }
                }
                for name in facts_read(&expr) {
                    if seen.insert(name.clone()) {
                        for e in by_name.get(&name).into_iter().flatten() {
                            todo.push((format!("{via} -> fact {name}"), e.clone()));
                        }
                    }
                }
            }
        }
    }
    assert!(offences.is_empty(), "{}", offences.join("\n"));
}
