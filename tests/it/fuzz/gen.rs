//! Generators of privgate inputs: manifests, configs and organisation rule
//! packs, as YAML built from JSON values (mostly valid, often a little
//! wrong: a value of the wrong type, an unknown key, a dangling reference,
//! a bad date), and CEL conditions from a small grammar.

use proptest::collection::vec;
use proptest::option;
use proptest::prelude::*;
use proptest::sample::select;
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;

/// Values of the pools that are wrong wherever they stand; a clean case
/// (no noise) never draws them.
const INVALID: &[&str] = &[
    "",
    "a b",
    "Ünï",
    "-",
    "user.contact.emial",
    "USER.CONTACT",
    "user..email",
    "franchisee",
    "custmer",
    "XX",
    "de",
    "P",
    "-P1D",
    "30 days",
    "P1.5Y",
    "P99999999999Y",
    "0000-01-01",
    "2026-02-30",
    "2026-13-01",
    "yesterday",
    "vibes",
    "PT0S",
    "P0D",
    "sometimes",
    "nobody",
    "x",
    "friend",
    "../outside.md",
    "/etc/passwd",
    "docs",
    "docs/missing.md",
    "Acme.R",
    "acmerule",
    "Acme",
    "nope.nope",
    "nada",
    " ",
    "purpose:",
    "a:b:c",
    "nonsense",
    "[",
    "**/{a,b",
    "***",
    "../**",
    "/etc/*",
    "GDPR",
    "hipaa",
    "other_setting",
];

const IDS: &[&str] = &[
    "a",
    "b",
    "orders-db",
    "checkout",
    "stripe",
    "newsletter",
    "hr",
    "x1",
    "dup",
    "",
    "a b",
    "Ünï",
    "-",
    "payments-to-stripe",
];

const CATEGORIES: &[&str] = &[
    "user",
    "user.contact.email",
    "user.contact.address",
    "user.financial.payment_card",
    "user.health",
    "user.biometric",
    "user.biometric.facial_geometry",
    "user.behavior.browsing_history",
    "user.children.under_thirteen",
    "user.account.credentials.password",
    "user.criminal_history",
    "user.location.precise",
    "system.operations",
    "user.contact.emial",
    "USER.CONTACT",
    "user..email",
    "",
];

const SUBJECTS: &[&str] = &[
    "customer",
    "employee",
    "child",
    "patient",
    "prospect",
    "job_applicant",
    "visitor",
    "franchisee",
    "custmer",
    "",
];

const COUNTRIES: &[&str] = &[
    "DE", "US", "IN", "EU", "CN", "GB", "CH", "AT", "XX", "de", "",
];

const DURATIONS: &[&str] = &[
    "P30D",
    "P1Y6M",
    "PT72H",
    "P7Y",
    "P1Y",
    "P15D",
    "P3D",
    "P1W",
    "PT0S",
    "P0D",
    "indefinite",
    "P99999999999Y",
    "P",
    "-P1D",
    "30 days",
    "P1.5Y",
];

const DATES: &[&str] = &[
    "2024-05-01",
    "2026-09-15",
    "2026-11-23",
    "2026-12-31",
    "2027-03-31",
    "0000-01-01",
    "9999-12-31",
    "2026-02-30",
    "2026-13-01",
    "yesterday",
];

const LAWFUL_BASES: &[&str] = &[
    "consent",
    "contract",
    "legal_obligation",
    "vital_interests",
    "public_task",
    "legitimate_interests",
    "vibes",
];

const MECHANISMS: &[&str] = &["adequacy", "dpf", "scc", "bcr", "derogation", "nada"];

/// Documents every generated repository has (`docs/dpia.md`, ...), and
/// some it has not.
pub const DOCUMENTS: &[&str] = &[
    "docs/dpia.md",
    "docs/plan.md",
    "docs/missing.md",
    "../outside.md",
    "/etc/passwd",
    "docs",
    "",
];

/// A string that is seldom valid anywhere: any printable text, sometimes
/// with the characters YAML and CEL treat specially.
fn wild_string() -> BoxedStrategy<Value> {
    prop_oneof![
        "\\PC{0,12}".prop_map(Value::from),
        "[{}\\[\\]:#&*!|>'\"%@`,? \t-]{1,6}".prop_map(Value::from),
    ]
    .boxed()
}

/// A value of some type a field does not take.
fn wrong_type() -> BoxedStrategy<Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        Just(json!(1e308)),
        Just(json!([])),
        Just(json!({})),
        Just(json!(["a", 1, null])),
        Just(json!({"a": {"b": [1]}})),
    ]
    .boxed()
}

/// Mostly a value from `pool`, sometimes any string or a value of another
/// type.
fn field(n: bool, pool: &'static [&'static str]) -> BoxedStrategy<Value> {
    if !n {
        let valid: Vec<&'static str> = pool
            .iter()
            .copied()
            .filter(|v| !INVALID.contains(v))
            .collect();
        return select(if valid.is_empty() {
            pool.to_vec()
        } else {
            valid
        })
        .prop_map(Value::from)
        .boxed();
    }
    prop_oneof![
        12 => select(pool).prop_map(Value::from),
        1 => wild_string(),
        1 => wrong_type(),
    ]
    .boxed()
}

/// With noise, sometimes a value of another type instead.
fn noise(n: bool, clean: BoxedStrategy<Value>) -> BoxedStrategy<Value> {
    if n {
        prop_oneof![12 => clean, 1 => wrong_type()].boxed()
    } else {
        clean
    }
}

fn flag(n: bool) -> BoxedStrategy<Value> {
    noise(n, any::<bool>().prop_map(Value::from).boxed())
}

fn list_of(n: bool, pool: &'static [&'static str]) -> BoxedStrategy<Value> {
    if !n {
        return vec(field(n, pool), 1..4)
            .prop_map(|v| {
                let mut out: Vec<Value> = Vec::new();
                for x in v {
                    if !out.contains(&x) {
                        out.push(x);
                    }
                }
                Value::from(out)
            })
            .boxed();
    }
    prop_oneof![
        12 => vec(field(n, pool), 0..4).prop_map(Value::from),
        1 => field(n, pool),
    ]
    .boxed()
}

fn number(n: bool) -> BoxedStrategy<Value> {
    prop_oneof![
        4 => (0i64..120).prop_map(Value::from),
        1 => any::<i64>().prop_map(Value::from),
        1 => Just(json!(-1)),
        1 => Just(json!(100.5)),
    ]
    .prop_map(move |v| {
        if n {
            v
        } else {
            json!(v.as_i64().unwrap_or(0).clamp(0, 100))
        }
    })
    .prop_flat_map(move |v| noise(n, Just(v).boxed()))
    .boxed()
}

/// An object of the fields that are set, sometimes with a key no schema
/// knows.
fn object(fields: Vec<(&'static str, Option<Value>)>, extra: Option<(String, Value)>) -> Value {
    let mut map = Map::new();
    for (key, value) in fields {
        if let Some(value) = value {
            map.insert(key.to_string(), value);
        }
    }
    if let Some((key, value)) = extra {
        map.insert(key, value);
    }
    Value::Object(map)
}

fn unknown_key(n: bool) -> BoxedStrategy<Option<(String, Value)>> {
    if !n {
        return Just(None).boxed();
    }
    option::weighted(
        0.1,
        (
            prop_oneof![
                Just("idd".to_string()),
                Just("categorie".to_string()),
                "[a-z_]{1,8}".prop_map(String::from),
            ],
            wild_string(),
        ),
    )
    .boxed()
}

/// A required field: sometimes missing, with noise only.
fn req(n: bool, s: BoxedStrategy<Value>) -> BoxedStrategy<Option<Value>> {
    if n {
        option::weighted(0.95, s).boxed()
    } else {
        s.prop_map(Some).boxed()
    }
}

fn opt<T: std::fmt::Debug + 'static>(p: f64, s: BoxedStrategy<T>) -> BoxedStrategy<Option<T>> {
    option::weighted(p, s).boxed()
}

fn retention(n: bool) -> BoxedStrategy<Value> {
    (
        opt(0.9, field(n, DURATIONS)),
        opt(0.5, wild_string()),
        opt(0.7, field(n, &["automated", "manual", "none", "sometimes"])),
        opt(0.3, wild_string()),
    )
        .prop_map(|(period, trigger, deletion, justification)| {
            object(
                vec![
                    ("period", period),
                    ("trigger", trigger),
                    ("deletion", deletion),
                    ("justification", justification),
                ],
                None,
            )
        })
        .boxed()
}

fn system(n: bool) -> BoxedStrategy<Value> {
    (
        field(n, IDS),
        opt(0.7, wild_string()),
        opt(0.7, field(n, &["payments@acme.example", "", "nobody"])),
        opt(0.5, wild_string()),
        unknown_key(n),
    )
        .prop_map(|(id, name, owner, description, extra)| {
            object(
                vec![
                    ("id", Some(id)),
                    ("name", name),
                    ("owner", owner),
                    ("description", description),
                ],
                extra,
            )
        })
        .boxed()
}

fn dataset(n: bool) -> BoxedStrategy<Value> {
    (
        req(n, field(n, IDS)),
        opt(0.3, wild_string()),
        opt(0.9, list_of(n, CATEGORIES)),
        opt(0.8, list_of(n, SUBJECTS)),
        opt(0.8, field(n, COUNTRIES)),
        opt(0.3, field(n, MECHANISMS)),
        opt(0.5, flag(n)),
        opt(0.7, retention(n)),
        unknown_key(n),
    )
        .prop_map(
            |(
                id,
                description,
                categories,
                subjects,
                location,
                mechanism,
                encrypted,
                retention,
                extra,
            )| {
                object(
                    vec![
                        ("id", id),
                        ("description", description),
                        ("categories", categories),
                        ("subjects", subjects),
                        ("location", location),
                        ("transfer_mechanism", mechanism),
                        ("encrypted_at_rest", encrypted),
                        ("retention", retention),
                    ],
                    extra,
                )
            },
        )
        .boxed()
}

fn risk(n: bool) -> BoxedStrategy<Value> {
    (
        vec(
            (
                select(
                    &[
                        "large_scale",
                        "profiling",
                        "automated_decision",
                        "systematic_monitoring",
                        "innovative_technology",
                        "vulnerable_subjects",
                        "matching_datasets",
                        "model_training",
                        "sensitive_location",
                    ][..],
                ),
                flag(n),
            ),
            0..5,
        ),
        opt(
            0.2,
            field(
                n,
                &[
                    "lending",
                    "housing",
                    "education",
                    "employment",
                    "health_care",
                    "other",
                    "x",
                ],
            ),
        ),
    )
        .prop_map(|(flags, decision)| {
            let mut map = Map::new();
            for (k, v) in flags {
                map.insert(k.to_string(), v);
            }
            if let Some(d) = decision {
                map.insert("significant_decision".into(), d);
            }
            Value::Object(map)
        })
        .boxed()
}

fn ccpa(n: bool) -> BoxedStrategy<Value> {
    (
        opt(0.7, flag(n)),
        opt(0.7, flag(n)),
        opt(0.3, field(n, &["link:/do-not-sell", ""])),
        opt(0.2, field(n, &["link:/limit"])),
        opt(
            0.2,
            field(
                n,
                &["security", "fraud_prevention", "other", "no_inference", "x"],
            ),
        ),
    )
        .prop_map(|(sold, shared, opt_out, limit, use_)| {
            object(
                vec![
                    ("sold", sold),
                    ("shared", shared),
                    ("opt_out", opt_out),
                    ("limit_sensitive_use", limit),
                    ("sensitive_use", use_),
                ],
                None,
            )
        })
        .boxed()
}

fn purpose(n: bool) -> BoxedStrategy<Value> {
    (
        (
            req(n, field(n, IDS)),
            opt(0.3, wild_string()),
            opt(0.9, field(n, LAWFUL_BASES)),
            opt(
                0.1,
                field(
                    n,
                    &["explicit_consent", "employment", "health_care", "nope"],
                ),
            ),
            opt(0.1, wild_string()),
            opt(0.9, list_of(n, CATEGORIES)),
            opt(0.8, list_of(n, SUBJECTS)),
        ),
        (
            opt(0.3, list_of(n, COUNTRIES)),
            opt(0.3, field(n, DATES)),
            opt(0.8, list_of(n, IDS)),
            opt(0.4, list_of(n, IDS)),
            opt(0.5, field(n, &["https://acme.example/privacy", ""])),
            opt(0.5, risk(n)),
            opt(0.3, ccpa(n)),
            opt(0.4, field(n, IDS)),
        ),
        unknown_key(n),
    )
        .prop_map(
            |(
                (id, description, basis, condition, law, categories, subjects),
                (markets, started, datasets, assessments, notice, risk, ccpa, consent),
                extra,
            )| {
                object(
                    vec![
                        ("id", id),
                        ("description", description),
                        ("lawful_basis", basis),
                        ("special_category_condition", condition),
                        ("authorising_law", law),
                        ("categories", categories),
                        ("subjects", subjects),
                        ("markets", markets),
                        ("started", started),
                        ("datasets", datasets),
                        ("assessments", assessments),
                        ("notice", notice),
                        ("risk", risk),
                        ("ccpa", ccpa),
                        ("consent", consent),
                    ],
                    extra,
                )
            },
        )
        .boxed()
}

fn flow(n: bool) -> BoxedStrategy<Value> {
    (
        (
            req(n, field(n, IDS)),
            req(n, field(n, IDS)),
            req(n, field(n, IDS)),
            opt(0.8, field(n, IDS)),
            opt(0.8, list_of(n, CATEGORIES)),
        ),
        (
            opt(0.6, field(n, COUNTRIES)),
            opt(0.5, field(n, MECHANISMS)),
            opt(0.2, flag(n)),
            opt(0.2, list_of(n, IDS)),
            opt(0.5, flag(n)),
        ),
        unknown_key(n),
    )
        .prop_map(
            |(
                (id, from, to, purpose, categories),
                (country, mechanism, occasional, assessments, encrypted),
                extra,
            )| {
                object(
                    vec![
                        ("id", id),
                        ("from", from),
                        ("to", to),
                        ("purpose", purpose),
                        ("categories", categories),
                        ("destination_country", country),
                        ("transfer_mechanism", mechanism),
                        ("occasional", occasional),
                        ("assessments", assessments),
                        ("encrypted_in_transit", encrypted),
                    ],
                    extra,
                )
            },
        )
        .boxed()
}

fn consent(n: bool) -> BoxedStrategy<Value> {
    (
        (
            req(n, field(n, IDS)),
            opt(0.8, list_of(n, IDS)),
            opt(
                0.8,
                field(
                    n,
                    &[
                        "opt_in_checkbox",
                        "double_opt_in",
                        "signed_form",
                        "pre_ticked",
                        "implied",
                        "x",
                    ],
                ),
            ),
            opt(0.7, flag(n)),
            opt(0.4, wild_string()),
        ),
        (
            opt(0.7, flag(n)),
            opt(0.5, number(n)),
            opt(0.4, flag(n)),
            opt(0.2, flag(n)),
            opt(0.3, flag(n)),
        ),
        unknown_key(n),
    )
        .prop_map(
            |(
                (id, purposes, mechanism, withdrawable, withdrawal),
                (recorded, age, parental, teen, explicit),
                extra,
            )| {
                object(
                    vec![
                        ("id", id),
                        ("purposes", purposes),
                        ("mechanism", mechanism),
                        ("withdrawable", withdrawable),
                        ("withdrawal", withdrawal),
                        ("recorded", recorded),
                        ("minimum_age", age),
                        ("parental_consent", parental),
                        ("teen_opt_in", teen),
                        ("explicit", explicit),
                    ],
                    extra,
                )
            },
        )
        .boxed()
}

fn vendor(n: bool) -> BoxedStrategy<Value> {
    let contract = (
        opt(
            0.9,
            field(
                n,
                &[
                    "dpa",
                    "scc",
                    "service_provider_agreement",
                    "joint_controller_agreement",
                    "other",
                    "x",
                ],
            ),
        ),
        opt(0.8, field(n, DATES)),
        opt(0.5, field(n, DOCUMENTS)),
        opt(0.1, field(n, DATES)),
    )
        .prop_map(|(t, signed, document, expires)| {
            object(
                vec![
                    ("type", t),
                    ("signed", signed),
                    ("document", document),
                    ("expires", expires),
                ],
                None,
            )
        });
    let assessment = (
        opt(0.9, field(n, DATES)),
        opt(
            0.9,
            field(
                n,
                &[
                    "approved",
                    "approved_with_conditions",
                    "rejected",
                    "pending",
                    "x",
                ],
            ),
        ),
        opt(0.5, field(n, DOCUMENTS)),
    )
        .prop_map(|(date, result, document)| {
            object(
                vec![("date", date), ("result", result), ("document", document)],
                None,
            )
        });
    (
        (
            req(n, field(n, IDS)),
            opt(0.6, wild_string()),
            opt(
                0.9,
                field(
                    n,
                    &[
                        "processor",
                        "sub_processor",
                        "controller",
                        "joint_controller",
                        "service_provider",
                        "contractor",
                        "third_party",
                        "friend",
                    ],
                ),
            ),
            opt(0.8, field(n, COUNTRIES)),
            opt(0.4, flag(n)),
        ),
        (
            opt(0.7, contract.boxed()),
            opt(0.6, assessment.boxed()),
            opt(0.5, flag(n)),
            opt(0.1, field(n, DATES)),
            opt(0.1, field(n, IDS)),
        ),
        unknown_key(n),
    )
        .prop_map(
            |(
                (id, name, role, country, dpf),
                (contract, assessment, propagation, authorised, processor),
                extra,
            )| {
                object(
                    vec![
                        ("id", id),
                        ("name", name),
                        ("role", role),
                        ("country", country),
                        ("dpf_certified", dpf),
                        ("contract", contract),
                        ("assessment", assessment),
                        ("deletion_propagation", propagation),
                        ("authorised", authorised),
                        ("processor", processor),
                    ],
                    extra,
                )
            },
        )
        .boxed()
}

fn assessment(n: bool) -> BoxedStrategy<Value> {
    (
        (
            req(n, field(n, IDS)),
            req(
                n,
                field(n, &["dpia", "pia", "lia", "tia", "screening", "x"]),
            ),
            opt(0.9, field(n, DOCUMENTS)),
            opt(0.9, field(n, DATES)),
            opt(
                0.9,
                field(n, &["draft", "in_review", "approved", "rejected", "x"]),
            ),
        ),
        (
            opt(0.5, field(n, &["dpo@acme.example", ""])),
            opt(0.5, field(n, DURATIONS)),
            opt(0.3, field(n, &["low", "medium", "high", "x"])),
            opt(0.1, field(n, DATES)),
            opt(
                0.1,
                field(n, &["dpia_not_required", "consent_freely_given", "x"]),
            ),
        ),
        unknown_key(n),
    )
        .prop_map(
            |(
                (id, t, document, date, status),
                (approver, review, residual, consulted, conclusion),
                extra,
            )| {
                object(
                    vec![
                        ("id", id),
                        ("type", t),
                        ("document", document),
                        ("date", date),
                        ("status", status),
                        ("approver", approver),
                        ("review", review),
                        ("residual_risk", residual),
                        ("consulted", consulted),
                        ("conclusion", conclusion),
                    ],
                    extra,
                )
            },
        )
        .boxed()
}

fn rights(n: bool) -> BoxedStrategy<Value> {
    let right = (
        opt(0.9, field(n, DURATIONS)),
        opt(0.3, flag(n)),
        opt(0.2, flag(n)),
        opt(0.1, field(n, DURATIONS)),
        opt(0.1, field(n, &["https://acme.example/admt", ""])),
    )
        .prop_map(|(sla, automated, gpc, extension, channel)| {
            object(
                vec![
                    ("sla", sla),
                    ("automated", automated),
                    ("gpc", gpc),
                    ("extension", extension),
                    ("channel", channel),
                ],
                None,
            )
        });
    vec(
        (
            select(
                &[
                    "access",
                    "erasure",
                    "rectification",
                    "restriction",
                    "portability",
                    "objection",
                    "opt_out",
                    "human_review",
                    "admt_opt_out",
                    "admt_access",
                    "deletion",
                ][..],
            ),
            noise(n, right.boxed()),
        ),
        0..8,
    )
    .prop_map(|rights| {
        let mut map = Map::new();
        for (k, v) in rights {
            map.insert(k.to_string(), v);
        }
        Value::Object(map)
    })
    .boxed()
}

fn breach(n: bool) -> BoxedStrategy<Value> {
    (
        opt(0.9, field(n, DOCUMENTS)),
        opt(0.6, field(n, DOCUMENTS)),
        opt(0.9, field(n, DURATIONS)),
        opt(0.7, field(n, DURATIONS)),
    )
        .prop_map(|(plan, register, authority, subjects)| {
            object(
                vec![
                    ("plan", plan),
                    ("register", register),
                    ("notify_authority_within", authority),
                    ("notify_subjects_within", subjects),
                ],
                None,
            )
        })
        .boxed()
}

fn version(n: bool) -> BoxedStrategy<Option<Value>> {
    if !n {
        return Just(Some(json!(1))).boxed();
    }
    prop_oneof![
        20 => Just(Some(json!(1))),
        1 => Just(None),
        1 => Just(Some(json!(2))),
        1 => Just(Some(json!("1"))),
        1 => Just(Some(json!(1.0))),
    ]
    .boxed()
}

fn section(
    n: bool,
    p: f64,
    item: BoxedStrategy<Value>,
    max: usize,
) -> BoxedStrategy<Option<Value>> {
    option::weighted(p, noise(n, vec(item, 0..max).prop_map(Value::from).boxed())).boxed()
}

/// A manifest: every section optional, references drawn from one pool of
/// ids so that they resolve, dangle or collide.
pub fn manifest(n: bool) -> BoxedStrategy<Value> {
    (
        (
            version(n),
            opt(0.5, system(n)),
            section(n, 0.7, dataset(n), 4),
            section(n, 0.7, purpose(n), 4),
            section(n, 0.5, flow(n), 4),
        ),
        (
            section(n, 0.4, consent(n), 3),
            section(n, 0.5, vendor(n), 3),
            section(n, 0.4, assessment(n), 3),
            opt(0.3, rights(n)),
            opt(0.3, breach(n)),
        ),
        unknown_key(n),
    )
        .prop_map(
            |(
                (version, system, datasets, purposes, flows),
                (consents, vendors, assessments, rights, breach),
                extra,
            )| {
                object(
                    vec![
                        ("version", version),
                        ("system", system),
                        ("datasets", datasets),
                        ("purposes", purposes),
                        ("flows", flows),
                        ("consents", consents),
                        ("vendors", vendors),
                        ("assessments", assessments),
                        ("rights", rights),
                        ("breach", breach),
                    ],
                    extra,
                )
            },
        )
        .boxed()
}

/// Where manifests go in a generated repository.
pub const MANIFEST_PATHS: &[&str] = &[
    "privacy.yaml",
    "services/checkout/privacy.yaml",
    "services/hr/privacy.yml",
    "privacy/vendors.privacy.yaml",
    "privacy/rights.privacy.yml",
    "examples/ignored/privacy.yaml",
    "node_modules/x/privacy.yaml",
    "deep/a/b/c/d/e/f/x.privacy.yaml",
];

/// One to four manifests at paths of [`MANIFEST_PATHS`] (two may share a
/// path: the later one wins).
pub fn manifests(n: bool) -> BoxedStrategy<Vec<(String, Value)>> {
    vec(
        (select(MANIFEST_PATHS).prop_map(String::from), manifest(n)),
        1..4,
    )
    .prop_map(move |mut m| {
        if !n {
            cohere(&mut m);
        }
        m
    })
    .boxed()
}

fn pick(declared: &[String], wanted: &Value) -> Option<Value> {
    if declared.is_empty() {
        return None;
    }
    let key = wanted.as_str().unwrap_or("");
    let h = key
        .bytes()
        .fold(7usize, |h, b| h.wrapping_mul(31).wrapping_add(b as usize));
    Some(Value::from(declared[h % declared.len()].clone()))
}

fn pick_list(declared: &[String], wanted: Option<&Value>) -> Option<Value> {
    let items: Vec<Value> = match wanted? {
        Value::Array(a) => a.iter().filter_map(|w| pick(declared, w)).collect(),
        w => pick(declared, w).into_iter().collect(),
    };
    let mut seen = Vec::new();
    for i in items {
        if !seen.contains(&i) {
            seen.push(i);
        }
    }
    Some(Value::Array(seen))
}

/// Makes clean manifests consistent: ids unique per kind, references to
/// declared ids, `rights` and `breach` once. The rules then have something
/// to find beyond "not declared".
fn cohere(manifests: &mut [(String, Value)]) {
    const KINDS: &[&str] = &[
        "datasets",
        "purposes",
        "flows",
        "consents",
        "vendors",
        "assessments",
    ];
    let mut ids: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    let mut systems = Vec::new();
    let (mut rights, mut breach) = (false, false);
    // Later manifests at one path replace earlier ones on disk.
    let mut last = BTreeMap::new();
    for (i, (path, _)) in manifests.iter().enumerate() {
        last.insert(path.clone(), i);
    }
    for (i, (path, m)) in manifests.iter_mut().enumerate() {
        if last[path.as_str()] != i {
            continue;
        }
        let Some(m) = m.as_object_mut() else { continue };
        for (section, seen) in [("rights", &mut rights), ("breach", &mut breach)] {
            if m.contains_key(section) {
                if *seen {
                    m.remove(section);
                }
                *seen = true;
            }
        }
        if let Some(id) = m.get_mut("system").and_then(|s| s.get_mut("id")) {
            let mut name = id.as_str().unwrap_or("s").to_string();
            while systems.contains(&name) {
                name.push('2');
            }
            *id = Value::from(name.clone());
            systems.push(name);
        }
        for kind in KINDS {
            let Some(Value::Array(items)) = m.get_mut(*kind) else {
                continue;
            };
            let declared = ids.entry(kind).or_default();
            for item in items.iter_mut() {
                let Some(obj) = item.as_object_mut() else {
                    continue;
                };
                let mut name = obj
                    .get("id")
                    .and_then(Value::as_str)
                    .unwrap_or("id")
                    .to_string();
                while declared.contains(&name) {
                    name.push('2');
                }
                obj.insert("id".into(), Value::from(name.clone()));
                declared.push(name);
            }
        }
    }
    let get = |k: &str| ids.get(k).cloned().unwrap_or_default();
    let (datasets, purposes, consents, vendors, assessments) = (
        get("datasets"),
        get("purposes"),
        get("consents"),
        get("vendors"),
        get("assessments"),
    );
    let sources: Vec<String> = datasets.iter().chain(&systems).cloned().collect();
    let sinks: Vec<String> = vendors
        .iter()
        .chain(&datasets)
        .chain(&systems)
        .cloned()
        .collect();
    let fix = |obj: &mut Map<String, Value>, key: &str, declared: &[String], list: bool| {
        if let Some(wanted) = obj.get(key).cloned() {
            let fixed = if list {
                pick_list(declared, Some(&wanted))
            } else {
                pick(declared, &wanted)
            };
            match fixed {
                Some(v) => obj.insert(key.to_string(), v),
                None => obj.remove(key),
            };
        }
    };
    for (_, m) in manifests.iter_mut() {
        let Some(m) = m.as_object_mut() else { continue };
        for (kind, refs) in [
            (
                "purposes",
                vec![
                    ("datasets", &datasets, true),
                    ("assessments", &assessments, true),
                    ("consent", &consents, false),
                ],
            ),
            (
                "flows",
                vec![
                    ("from", &sources, false),
                    ("to", &sinks, false),
                    ("purpose", &purposes, false),
                    ("assessments", &assessments, true),
                ],
            ),
            ("consents", vec![("purposes", &purposes, true)]),
            ("vendors", vec![("processor", &vendors, false)]),
        ] {
            let Some(Value::Array(items)) = m.get_mut(kind) else {
                continue;
            };
            for item in items.iter_mut() {
                let Some(obj) = item.as_object_mut() else {
                    continue;
                };
                for (key, declared, list) in &refs {
                    fix(obj, key, declared, *list);
                }
            }
        }
    }
}

const GLOBS: &[&str] = &[
    "**/privacy.yaml",
    "**/*.privacy.yaml",
    "**/privacy.y{a,}ml",
    "**/*.privacy.y{a,}ml",
    "services/**",
    "examples/**",
    "privacy/*",
    "org/*.yaml",
    "org/acme.yaml",
    "**",
    "*",
    "[",
    "**/{a,b",
    "***",
    "",
    "../**",
    "/etc/*",
    "{a,{b,{c,{d,{e}}}}}",
    "a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b",
];

const RULE_IDS: &[&str] = &[
    "gdpr.lawful-basis",
    "gdpr.dpia-required",
    "gdpr.vendor-assessment",
    "gdpr.consent-proof",
    "ccpa.request-response-time",
    "acme.r0",
    "acme.r1",
    "nope.nope",
    "gdpr",
    "",
];

const TARGETS: &[&str] = &[
    "purpose:newsletter",
    "purpose:a",
    "dataset:orders-db",
    "dataset:a",
    "vendor:stripe",
    "flow:b",
    "system:checkout",
    "repository",
    "purpose:",
    "a:b:c",
    "nonsense",
];

fn globs(n: bool) -> BoxedStrategy<Value> {
    prop_oneof![
        10 => vec(field(n, GLOBS), 0..4).prop_map(Value::from),
        2 => field(n, GLOBS),
        1 => (1usize..2000).prop_map(|n| Value::from("a*".repeat(n))),
        1 => (1usize..3000).prop_map(|n| Value::from(format!("{}x", "{a,".repeat(n)))),
    ]
    .boxed()
}

fn waiver(n: bool) -> BoxedStrategy<Value> {
    (
        req(n, field(n, RULE_IDS)),
        req(n, field(n, TARGETS)),
        req(n, wild_string()),
        req(n, field(n, &["dpo@acme.example", ""])),
        req(n, field(n, DATES)),
        unknown_key(n),
    )
        .prop_map(|(rule, target, reason, approved_by, expires, extra)| {
            object(
                vec![
                    ("rule", rule),
                    ("target", target),
                    ("reason", reason),
                    ("approved_by", approved_by),
                    ("expires", expires),
                ],
                extra,
            )
        })
        .boxed()
}

/// A repository config (`privgate.yaml`).
pub fn config(n: bool) -> BoxedStrategy<Value> {
    let controller = (
        opt(
            0.9,
            field(n, &["Acme GmbH, Berlin, privacy@acme.example", ""]),
        ),
        opt(0.5, field(n, COUNTRIES)),
        opt(0.5, field(n, &["dpo@acme.example", ""])),
        opt(0.2, field(n, &["Rep Ltd, Dublin", ""])),
    )
        .prop_map(|(contact, establishment, dpo, representative)| {
            object(
                vec![
                    ("contact", contact),
                    ("establishment", establishment),
                    ("dpo", dpo),
                    ("representative", representative),
                ],
                None,
            )
        });
    let taxonomy = vec(
        (
            field(
                n,
                &[
                    "user.loyalty.points",
                    "user.contact.email",
                    "user",
                    "x",
                    "user.loyalty",
                    "",
                ],
            ),
            opt(0.8, wild_string()),
        )
            .prop_map(|(key, description)| {
                object(vec![("key", Some(key)), ("description", description)], None)
            }),
        0..3,
    );
    let settings = vec(
        (
            select(
                &[
                    "vendor_review_interval",
                    "dpia_review_interval",
                    "max_retention",
                    "child_consent_age",
                    "other_setting",
                ][..],
            ),
            prop_oneof![field(n, DURATIONS), number(n)],
        ),
        0..4,
    )
    .prop_map(|kv| {
        let mut map = Map::new();
        for (k, v) in kv {
            map.insert(k.to_string(), v);
        }
        Value::Object(map)
    });
    let rules = vec(
        (
            select(RULE_IDS),
            (
                opt(
                    0.6,
                    field(n, &["critical", "high", "medium", "low", "none", "x"]),
                ),
                opt(0.6, flag(n)),
            )
                .prop_map(|(severity, enabled)| {
                    object(vec![("severity", severity), ("enabled", enabled)], None)
                }),
        ),
        0..4,
    )
    .prop_map(|kv| {
        let mut map = Map::new();
        for (k, v) in kv {
            map.insert(k.to_string(), v);
        }
        Value::Object(map)
    });
    let gate = (
        opt(0.7, number(n)),
        opt(
            0.7,
            field(n, &["critical", "high", "medium", "low", "none", "x"]),
        ),
    )
        .prop_map(|(min_score, fail_on)| {
            object(vec![("min_score", min_score), ("fail_on", fail_on)], None)
        });
    (
        (
            version(n),
            opt(0.8, field(n, &["Acme GmbH", ""])),
            opt(0.7, controller.boxed()),
            opt(
                0.5,
                vec(field(n, &["gdpr", "ccpa", "acme", "GDPR", "hipaa"]), 0..4)
                    .prop_map(Value::from)
                    .boxed(),
            ),
            opt(0.3, globs(n)),
            opt(0.3, globs(n)),
        ),
        (
            opt(0.2, taxonomy.prop_map(Value::from).boxed()),
            opt(0.2, list_of(n, SUBJECTS)),
            opt(0.4, settings.boxed()),
            opt(0.3, rules.boxed()),
            opt(0.4, gate.boxed()),
            opt(0.4, vec(waiver(n), 0..4).prop_map(Value::from).boxed()),
        ),
        unknown_key(n),
    )
        .prop_map(
            |(
                (version, organization, controller, regulations, manifests, exclude),
                (taxonomy, subjects, settings, rules, gate, waivers),
                extra,
            )| {
                object(
                    vec![
                        ("version", version),
                        ("organization", organization),
                        ("controller", controller),
                        ("regulations", regulations),
                        ("manifests", manifests),
                        ("exclude", exclude),
                        ("taxonomy", taxonomy),
                        ("subjects", subjects),
                        ("settings", settings),
                        ("rules", rules),
                        ("gate", gate),
                        ("waivers", waivers),
                    ],
                    extra,
                )
            },
        )
        .boxed()
}

const TARGET_KINDS: &[&str] = &[
    "system",
    "dataset",
    "purpose",
    "flow",
    "consent",
    "vendor",
    "assessment",
    "repository",
];

/// A CEL expression over the model: literals, fields of every kind, the
/// operators, privgate's functions and the comprehension macros.
pub fn cel() -> BoxedStrategy<String> {
    let leaf = prop_oneof![
        select(
            &[
                "true",
                "false",
                "null",
                "0",
                "1",
                "-1",
                "9223372036854775807",
                "-9223372036854775808",
                "18446744073709551615u",
                "1.5",
                "1e308",
                "'str'",
                "\"\"",
                "b'ab'",
                "[]",
                "{}",
                "x",
                "dataset",
                "dataset.id",
                "dataset.location",
                "dataset.categories",
                "dataset.retention.period",
                "dataset.facts",
                "dataset.nope",
                "purpose.lawful_basis",
                "purpose.categories",
                "purpose.datasets",
                "purpose.facts.needs_dpia",
                "flow.to",
                "flow.facts.transfer",
                "vendor.country",
                "consent.purposes",
                "assessment.document",
                "system.id",
                "datasets",
                "purposes",
                "vendors",
                "flows",
                "consents",
                "systems",
                "assessments",
                "rights",
                "breach",
                "settings",
                "settings.max_retention",
                "config",
                "undeclared_variable",
            ][..]
        )
        .prop_map(String::from),
        "[a-z ]{0,8}".prop_map(|s| format!("'{s}'")),
        any::<i64>().prop_map(|n| n.to_string()),
    ];
    leaf.prop_recursive(5, 48, 4, |inner| {
        let unary = select(&["!", "-", "!!", "--"][..]);
        let binary = select(
            &[
                "==", "!=", "<", "<=", ">", ">=", "&&", "||", "+", "-", "*", "/", "%", "in",
            ][..],
        );
        let call1 = select(
            &[
                "size",
                "string",
                "int",
                "uint",
                "double",
                "type",
                "duration",
                "timestamp",
                "has",
                "personal",
                "special",
                "criminal",
                "sensitive",
                "highly_personal",
                "in_eea",
                "adequate",
                "adequacy_limited",
                "dpf_country",
                "consent_age",
                "days",
                "finite",
                "max_days",
                "expired",
                "document_exists",
                "no_such_function",
            ][..],
        );
        let call2 = select(&["covers", "any_covers", "longer", "overdue"][..]);
        let method = select(&["startsWith", "endsWith", "contains", "matches", "size"][..]);
        let mac = select(&["exists", "all", "map", "filter", "exists_one"][..]);
        prop_oneof![
            (unary, inner.clone()).prop_map(|(op, a)| format!("{op}({a})")),
            (inner.clone(), binary, inner.clone())
                .prop_map(|(a, op, b)| format!("({a}) {op} ({b})")),
            (inner.clone(), inner.clone(), inner.clone())
                .prop_map(|(a, b, c)| format!("({a}) ? ({b}) : ({c})")),
            (call1, inner.clone()).prop_map(|(f, a)| format!("{f}({a})")),
            (call2, inner.clone(), inner.clone()).prop_map(|(f, a, b)| format!("{f}({a}, {b})")),
            (inner.clone(), method, inner.clone()).prop_map(|(a, m, b)| format!("({a}).{m}({b})")),
            (inner.clone(), mac, inner.clone()).prop_map(|(a, m, b)| format!("({a}).{m}(x, {b})")),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("({a})[{b}]")),
            (inner.clone(), "[a-z_]{1,6}").prop_map(|(a, f)| format!("({a}).{f}")),
            vec(inner.clone(), 0..4).prop_map(|v| format!("[{}]", v.join(", "))),
            (inner.clone(), inner).prop_map(|(a, b)| format!("{{{a}: {b}}}")),
        ]
    })
    .prop_flat_map(|e| {
        // Sometimes a condition that does not parse.
        prop_oneof![
            20 => Just(e.clone()),
            1 => Just(format!("{e} ==")),
            1 => Just(format!("(({e}")),
            1 => "[^\\n]{0,12}".prop_map(String::from),
            1 => (2usize..3000).prop_map(|n| vec!["1"; n].join(" + ") + " > 0"),
            1 => (2usize..3000).prop_map(|n| format!("{}true{}", "(".repeat(n), ")".repeat(n))),
            1 => (2usize..2000).prop_map(|n| format!("'a'{}", ".size()".repeat(n))),
        ]
    })
    .boxed()
}

fn message(n: bool) -> BoxedStrategy<Value> {
    if !n {
        return select(&["finding on `{id}`", "{id}: {detail}"][..])
            .prop_map(Value::from)
            .boxed();
    }
    prop_oneof![
        6 => Just(Value::from("finding on `{id}`")),
        2 => Just(Value::from("{id}: {detail}")),
        1 => Just(Value::from("{detail}{detail}{unknown}{")),
        1 => Just(Value::from("}{{id}}")),
        1 => wild_string(),
    ]
    .boxed()
}

fn check(n: bool) -> BoxedStrategy<Value> {
    (
        field(n, TARGET_KINDS),
        opt(0.4, cel().prop_map(Value::from).boxed()),
        noise(n, cel().prop_map(Value::from).boxed()),
        message(n),
        opt(0.3, cel().prop_map(Value::from).boxed()),
        opt(
            0.1,
            field(n, &["rights", "breach", "controller", "organization", "x"]),
        ),
        unknown_key(n),
    )
        .prop_map(
            |(target, when, violation, message, detail, anchor, extra)| {
                object(
                    vec![
                        ("target", Some(target)),
                        ("when", when),
                        ("violation", Some(violation)),
                        ("message", Some(message)),
                        ("detail", detail),
                        ("anchor", anchor),
                    ],
                    extra,
                )
            },
        )
        .boxed()
}

fn rule(n: bool) -> BoxedStrategy<Value> {
    (
        (
            field(
                n,
                &[
                    "acme.r0",
                    "acme.r1",
                    "acme.r0",
                    "gdpr.lawful-basis",
                    "Acme.R",
                    "acmerule",
                ],
            ),
            opt(0.95, field(n, &["1", "Art. 1", " "])),
            opt(
                0.95,
                field(n, &["critical", "high", "medium", "low", "none"]),
            ),
            opt(0.2, field(n, &["stable", "preview", "deprecated", "x"])),
        ),
        (
            opt(0.95, field(n, &["A rule", ""])),
            opt(0.95, field(n, &["Because.", ""])),
            opt(0.95, field(n, &["Fix it.", ""])),
            opt(0.95, field(n, &["datasets: []", ""])),
            opt(0.2, field(n, DATES)),
            opt(0.2, list_of(n, &["https://example.com", ""])),
        ),
        noise(n, vec(check(n), 1..3).prop_map(Value::from).boxed()),
        unknown_key(n),
    )
        .prop_map(
            |(
                (id, citation, severity, status),
                (title, rationale, remediation, example, applies_from, references),
                checks,
                extra,
            )| {
                object(
                    vec![
                        ("id", Some(id)),
                        ("citation", citation),
                        ("severity", severity),
                        ("status", status),
                        ("title", title),
                        ("rationale", rationale),
                        ("remediation", remediation),
                        ("example", example),
                        ("applies_from", applies_from),
                        ("references", references),
                        ("checks", Some(checks)),
                    ],
                    extra,
                )
            },
        )
        .boxed()
}

/// An organisation rule pack (`org/acme.yaml`).
pub fn rulepack(n: bool) -> BoxedStrategy<Value> {
    (
        version(n),
        field(n, &["acme", "gdpr", "Acme", "a-b_c"]),
        field(n, &["acme", "gdpr", "ccpa", "Acme"]),
        opt(0.9, field(n, &["Acme policy", ""])),
        opt(0.7, field(n, &["Acme Policy", ""])),
        noise(n, vec(rule(n), 0..4).prop_map(Value::from).boxed()),
        unknown_key(n),
    )
        .prop_map(|(version, pack, regulation, title, prefix, rules, extra)| {
            object(
                vec![
                    ("version", version),
                    ("pack", Some(pack)),
                    ("regulation", Some(regulation)),
                    ("title", title),
                    ("citation_prefix", prefix),
                    ("rules", Some(rules)),
                ],
                extra,
            )
        })
        .boxed()
}

/// YAML text of a generated value.
pub fn yaml(value: &Value) -> String {
    serde_yaml::to_string(value).expect("a JSON value is always YAML")
}
