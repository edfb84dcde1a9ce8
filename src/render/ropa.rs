//! The GDPR Art. 30(1) record of processing activities, derived from the
//! resolved model: the controller, then one activity per purpose.
//!
//! Nothing is guessed. A field the manifests do not declare stays `None`
//! here, `null` in JSON and "missing" in Markdown, CSV and HTML, and its name
//! is listed in the activity's `missing`, so the gaps are the first thing a
//! reviewer sees. Lists the manifests may legitimately leave empty
//! (recipients, transfers, assessments) read "none declared" instead.

use crate::manifest::{Flow, Purpose, System};
use crate::model::{Decl, Model};
use crate::render::map::{Endpoint, Lookup};
use crate::taxonomy::Mark;
use rayon::prelude::*;
use serde::Serialize;
use std::collections::BTreeMap;

pub const ROPA_VERSION: u32 = 1;

/// What an absent value reads as in text formats.
pub const MISSING: &str = "missing";
/// What an empty optional list reads as in text formats.
pub const NONE_DECLARED: &str = "none declared";
/// Recipients when no flow of the purpose reaches a vendor.
pub const NO_RECIPIENTS: &str = "none (no flow of this purpose discloses data to a vendor)";

#[derive(Debug, Clone, Serialize)]
pub struct Ropa {
    pub version: u32,
    pub controller: Controller,
    pub activities: Vec<Activity>,
}

/// Art. 30(1)(a): who is responsible. The organisation comes from
/// `privgate.yaml`; the system owners are the internal contacts.
#[derive(Debug, Clone, Serialize)]
pub struct Controller {
    pub organization: Option<String>,
    /// How to reach the controller, its DPO and its representative in the
    /// Union (`controller:` in `privgate.yaml`).
    pub contact: Option<String>,
    pub dpo: Option<String>,
    pub representative: Option<String>,
    pub system_owners: Vec<SystemOwner>,
}

#[derive(Debug, Clone, Serialize)]
pub struct SystemOwner {
    pub system: String,
    pub name: Option<String>,
    pub owner: Option<String>,
    pub file: String,
}

/// One processing activity: a purpose and everything the manifests say
/// about it.
#[derive(Debug, Clone, Serialize)]
pub struct Activity {
    pub purpose: String,
    pub name: Option<String>,
    pub description: Option<String>,
    /// The manifest that declares the purpose.
    pub file: String,
    /// The system declared in the same manifest, and its owner.
    pub system: Option<String>,
    pub owner: Option<String>,
    pub lawful_basis: Option<String>,
    pub special_category_condition: Option<String>,
    pub consent: Option<String>,
    pub data_subjects: Vec<String>,
    pub data_categories: Vec<String>,
    /// The categories above that are GDPR special categories or criminal data.
    pub special_categories: Vec<String>,
    pub recipients: Vec<Recipient>,
    pub transfers: Vec<Transfer>,
    pub retention: Vec<RetentionEntry>,
    pub security: Vec<SecurityMeasure>,
    pub assessments: Vec<AssessmentRef>,
    pub notice: Option<String>,
    /// Names of the fields above that the manifests leave undeclared.
    pub missing: Vec<String>,
}

/// A vendor the flows of a purpose disclose data to.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Recipient {
    /// `vendor`, `system` or `dataset`.
    pub kind: String,
    pub id: String,
    pub name: Option<String>,
    /// The vendor's role (processor, joint_controller, ...).
    pub role: Option<String>,
    pub country: Option<String>,
    /// The flows that reach it.
    pub flows: Vec<String>,
}

/// A flow whose recipient is outside the EEA (Art. 30(1)(e)), or an external
/// recipient whose country nobody declared.
#[derive(Debug, Clone, Serialize)]
pub struct Transfer {
    pub flow: String,
    /// `kind:id` of the recipient.
    pub recipient: String,
    pub recipient_name: Option<String>,
    pub country: Option<String>,
    /// The declared `transfer_mechanism` (adequacy, dpf, scc, bcr, derogation).
    pub mechanism: Option<String>,
    /// Whether the country has an adequacy decision (the built-in list).
    pub adequacy: bool,
    pub assessments: Vec<String>,
}

/// Art. 30(1)(f): how long each dataset the purpose uses is kept.
#[derive(Debug, Clone, Serialize)]
pub struct RetentionEntry {
    pub dataset: String,
    pub period: Option<String>,
    pub trigger: Option<String>,
    pub deletion: Option<String>,
    pub justification: Option<String>,
}

/// Art. 30(1)(g): the technical measures the manifests declare.
#[derive(Debug, Clone, Serialize)]
pub struct SecurityMeasure {
    /// `dataset:id` or `flow:id`.
    pub target: String,
    /// `encryption at rest` or `encryption in transit`.
    pub measure: String,
    /// `None` when not declared.
    pub in_place: Option<bool>,
}

#[derive(Debug, Clone, Serialize)]
pub struct AssessmentRef {
    pub id: String,
    /// dpia, pia, lia, tia; `None` when the id names no assessment.
    #[serde(rename = "type")]
    pub kind: Option<String>,
    pub title: Option<String>,
    pub status: Option<String>,
    pub date: Option<String>,
    pub document: Option<String>,
    /// `purpose` or the `flow:id` that lists it.
    pub via: String,
}

/// Builds the record from the model.
pub fn build(model: &Model, today: jiff::civil::Date) -> Ropa {
    let lookup = Lookup::new(model);
    let mut flows_by_purpose: BTreeMap<&str, Vec<&Decl<Flow>>> = BTreeMap::new();
    for f in &model.flows {
        if let Some(p) = &f.item.purpose {
            flows_by_purpose.entry(p.as_str()).or_default().push(f);
        }
    }
    let contacts = model.config.controller.clone().unwrap_or_default();
    let controller = Controller {
        organization: model.config.organization.clone(),
        contact: contacts.contact,
        dpo: contacts.dpo,
        representative: contacts.representative,
        system_owners: model
            .systems
            .iter()
            .map(|s| SystemOwner {
                system: s.item.id.clone(),
                name: s.item.name.clone(),
                owner: s.item.owner.clone(),
                file: s.origin.file.clone(),
            })
            .collect(),
    };
    let activities = model
        .purposes
        .par_iter()
        .map(|d| {
            let flows = flows_by_purpose
                .get(d.item.id.as_str())
                .map_or(&[][..], |v| &v[..]);
            activity(&lookup, d, flows, today)
        })
        .collect();
    Ropa {
        version: ROPA_VERSION,
        controller,
        activities,
    }
}

fn activity(
    lookup: &Lookup,
    d: &Decl<Purpose>,
    flows: &[&Decl<Flow>],
    today: jiff::civil::Date,
) -> Activity {
    let model = lookup.model;
    let system: Option<&Decl<System>> = lookup.system_in(&d.origin.file);
    let p = &d.item;
    let special_categories: Vec<String> = p
        .categories
        .iter()
        .filter(|c| {
            model.taxonomy.has_mark(c, Mark::GdprSpecial)
                || model.taxonomy.has_mark(c, Mark::GdprCriminal)
        })
        .cloned()
        .collect();

    let mut recipients: Vec<Recipient> = Vec::new();
    let mut transfers = Vec::new();
    let mut security = Vec::new();
    let mut assessments: Vec<AssessmentRef> = p
        .assessments
        .iter()
        .map(|a| assessment(lookup, a, "purpose"))
        .collect();

    let retention: Vec<RetentionEntry> = p
        .datasets
        .iter()
        .map(|id| {
            let ds = lookup.dataset(id);
            let r = ds.and_then(|x| x.item.retention.as_ref());
            if let Some(ds) = ds {
                security.push(SecurityMeasure {
                    target: format!("dataset:{id}"),
                    measure: "encryption at rest".into(),
                    in_place: ds.item.encrypted_at_rest,
                });
            }
            RetentionEntry {
                dataset: id.clone(),
                period: r.and_then(|r| r.period.clone()),
                trigger: r.and_then(|r| r.trigger.clone()),
                deletion: r.and_then(|r| r.deletion.clone()),
                justification: r.and_then(|r| r.justification.clone()),
            }
        })
        .collect();

    for f in flows {
        let flow = &f.item;
        security.push(SecurityMeasure {
            target: format!("flow:{}", flow.id),
            measure: "encryption in transit".into(),
            in_place: flow.encrypted_in_transit,
        });
        for a in &flow.assessments {
            if !assessments.iter().any(|x| &x.id == a) {
                assessments.push(assessment(lookup, a, &format!("flow:{}", flow.id)));
            }
        }
        let Some(to) = lookup.recipient(&flow.to) else {
            continue;
        };
        let r = recipient_of(model, &to);
        let country = lookup.recipient_country(flow);
        let external = matches!(to, Endpoint::Vendor(_));
        let outside = country
            .as_deref()
            .is_some_and(|c| !model.taxonomy.in_eea(c));
        if outside || (external && country.is_none()) {
            transfers.push(Transfer {
                flow: flow.id.clone(),
                recipient: format!("{}:{}", r.kind, r.id),
                recipient_name: r.name.clone(),
                adequacy: country
                    .as_deref()
                    .is_some_and(|c| model.taxonomy.adequacy_on(c, today).is_some()),
                country,
                mechanism: flow.transfer_mechanism.clone(),
                assessments: flow.assessments.clone(),
            });
        }
        // Art. 30(1)(d) asks for those the data are disclosed to (Art. 4(9)):
        // vendors. The controller's own datasets and systems are not
        // recipients, though one abroad is still a transfer above.
        if !external {
            continue;
        }
        match recipients
            .iter_mut()
            .find(|x| x.kind == r.kind && x.id == r.id)
        {
            Some(existing) => existing.flows.push(flow.id.clone()),
            None => recipients.push(Recipient {
                flows: vec![flow.id.clone()],
                ..r
            }),
        }
    }

    let owner = system.and_then(|s| s.item.owner.clone());
    let mut missing = Vec::new();
    let mut need = |field: &str, absent: bool| {
        if absent {
            missing.push(field.to_string());
        }
    };
    need("description", p.description.is_none());
    need("lawful_basis", p.lawful_basis.is_none());
    need(
        "special_category_condition",
        !special_categories.is_empty() && p.special_category_condition.is_none(),
    );
    need(
        "consent",
        p.lawful_basis.as_deref() == Some("consent") && p.consent.is_none(),
    );
    need("data_subjects", p.subjects.is_empty());
    need("data_categories", p.categories.is_empty());
    need("owner", owner.is_none());
    need(
        "retention",
        retention.is_empty() || retention.iter().any(|r| r.period.is_none()),
    );
    need(
        "transfer_mechanism",
        transfers.iter().any(|t| t.mechanism.is_none()),
    );
    need(
        "transfer_country",
        transfers.iter().any(|t| t.country.is_none()),
    );
    need(
        "security",
        security.is_empty() || security.iter().any(|s| s.in_place.is_none()),
    );
    need("notice", p.notice.is_none());

    Activity {
        purpose: p.id.clone(),
        name: p.name.clone(),
        description: p.description.clone(),
        file: d.origin.file.clone(),
        system: system.map(|s| s.item.id.clone()),
        owner,
        lawful_basis: p.lawful_basis.clone(),
        special_category_condition: p.special_category_condition.clone(),
        consent: p.consent.clone(),
        data_subjects: p.subjects.clone(),
        data_categories: p.categories.clone(),
        special_categories,
        recipients,
        transfers,
        retention,
        security,
        assessments,
        notice: p.notice.clone(),
        missing,
    }
}

fn recipient_of(model: &Model, to: &Endpoint) -> Recipient {
    let (kind, id, name, role, country) = match *to {
        Endpoint::Vendor(i) => {
            let v = &model.vendors[i].item;
            (
                "vendor",
                &v.id,
                v.name.clone(),
                v.role.clone(),
                v.country.clone(),
            )
        }
        Endpoint::Dataset(i) => {
            let v = &model.datasets[i].item;
            ("dataset", &v.id, v.name.clone(), None, v.location.clone())
        }
        Endpoint::System(i) => {
            let v = &model.systems[i].item;
            ("system", &v.id, v.name.clone(), None, None)
        }
    };
    Recipient {
        kind: kind.into(),
        id: id.clone(),
        name,
        role,
        country,
        flows: Vec::new(),
    }
}

fn assessment(lookup: &Lookup, id: &str, via: &str) -> AssessmentRef {
    let a = lookup.assessment(id);
    AssessmentRef {
        id: id.to_string(),
        kind: a.map(|a| a.kind.clone()),
        title: a.and_then(|a| a.title.clone()),
        status: a.and_then(|a| a.status.clone()),
        date: a.and_then(|a| a.date.clone()),
        document: a.and_then(|a| a.document.clone()),
        via: via.to_string(),
    }
}

// ---------------------------------------------------------------------------
// Text forms shared by Markdown, CSV and HTML: one string per field.

fn or_missing(v: &Option<String>) -> String {
    v.clone().unwrap_or_else(|| MISSING.to_string())
}

fn list_or(v: &[String], empty: &str) -> String {
    if v.is_empty() {
        empty.to_string()
    } else {
        v.join(", ")
    }
}

/// The controller's contact details as (label, text): the contact is
/// always needed, a DPO and a representative only where they apply.
pub fn controller_contacts(c: &Controller) -> [(&'static str, String); 3] {
    let or = |v: &Option<String>, absent: &str| v.clone().unwrap_or_else(|| absent.to_string());
    [
        (
            "Contact",
            or(
                &c.contact,
                "missing (set controller.contact in privgate.yaml)",
            ),
        ),
        ("Data protection officer", or(&c.dpo, NONE_DECLARED)),
        (
            "Representative in the Union (Art. 27)",
            or(&c.representative, NONE_DECLARED),
        ),
    ]
}

/// The activity's fields as (label, text) pairs, in the order of Art. 30(1).
pub fn fields(a: &Activity) -> Vec<(&'static str, String)> {
    field_lists(a)
        .into_iter()
        .map(|(label, items)| (label, items.join("; ")))
        .collect()
}

/// The same fields with list values kept apart (one entry per recipient,
/// transfer, dataset, measure or assessment).
pub fn field_lists(a: &Activity) -> Vec<(&'static str, Vec<String>)> {
    fn each<T>(v: &[T], f: fn(&T) -> String, empty: String) -> Vec<String> {
        if v.is_empty() {
            vec![empty]
        } else {
            v.iter().map(f).collect()
        }
    }
    vec![
        ("Purpose", vec![purpose_text(a)]),
        ("Description", vec![or_missing(&a.description)]),
        ("System", vec![or_missing(&a.system)]),
        ("Owner", vec![or_missing(&a.owner)]),
        ("Lawful basis", vec![lawful_basis_text(a)]),
        ("Data subjects", vec![list_or(&a.data_subjects, MISSING)]),
        ("Data categories", vec![categories_text(a)]),
        (
            "Recipients",
            each(&a.recipients, recipient_text, NO_RECIPIENTS.into()),
        ),
        (
            "Third-country transfers",
            each(&a.transfers, transfer_text, NO_TRANSFERS.into()),
        ),
        (
            "Retention",
            each(
                &a.retention,
                retention_entry_text,
                format!("{MISSING} (no dataset listed)"),
            ),
        ),
        (
            "Security measures",
            each(&a.security, security_entry_text, MISSING.into()),
        ),
        (
            "Assessments",
            each(&a.assessments, assessment_text, NONE_DECLARED.into()),
        ),
        ("Privacy notice", vec![or_missing(&a.notice)]),
        ("Missing", vec![list_or(&a.missing, "nothing")]),
    ]
}

/// What the transfers field reads when no flow leaves the EEA.
pub const NO_TRANSFERS: &str = "none (no recipient outside the EEA declared)";

pub fn purpose_text(a: &Activity) -> String {
    match &a.name {
        Some(n) => format!("{n} ({})", a.purpose),
        None => a.purpose.clone(),
    }
}

/// A lawful basis as a lawyer reads it: its name and point of Art. 6(1).
pub fn basis_text(basis: &str) -> String {
    let (name, point) = match basis {
        "consent" => ("consent", "a"),
        "contract" => ("contract", "b"),
        "legal_obligation" => ("legal obligation", "c"),
        "vital_interests" => ("vital interests", "d"),
        "public_task" => ("public task", "e"),
        "legitimate_interests" => ("legitimate interests", "f"),
        other => return other.to_string(),
    };
    format!("{name} (Art. 6(1)({point}))")
}

/// An ISO 8601 period in words, with the declared form kept for reference:
/// `P7Y` reads "7 years (P7Y)", `PT72H` "72 hours (PT72H)".
pub fn period_text(period: &str) -> String {
    let Ok(span) = crate::time::parse_duration(period) else {
        return period.to_string();
    };
    let units = [
        (i64::from(span.get_years()), "year"),
        (i64::from(span.get_months()), "month"),
        (i64::from(span.get_weeks()), "week"),
        (i64::from(span.get_days()), "day"),
        (i64::from(span.get_hours()), "hour"),
        (span.get_minutes(), "minute"),
        (span.get_seconds(), "second"),
    ];
    let words: Vec<String> = units
        .iter()
        .filter(|(n, _)| *n != 0)
        .map(|(n, unit)| format!("{n} {unit}{}", crate::text::plural(*n)))
        .collect();
    format!("{} ({period})", words.join(" "))
}

pub fn lawful_basis_text(a: &Activity) -> String {
    let mut s = a
        .lawful_basis
        .as_deref()
        .map_or_else(|| MISSING.to_string(), basis_text);
    if let Some(c) = &a.consent {
        s.push_str(&format!("; consent record {c}"));
    } else if a.lawful_basis.as_deref() == Some("consent") {
        s.push_str("; consent record missing");
    }
    if let Some(c) = &a.special_category_condition {
        s.push_str(&format!("; Art. 9(2) condition: {c}"));
    } else if !a.special_categories.is_empty() {
        s.push_str("; Art. 9(2) condition: missing");
    }
    s
}

pub fn categories_text(a: &Activity) -> String {
    if a.data_categories.is_empty() {
        return MISSING.into();
    }
    a.data_categories
        .iter()
        .map(|c| {
            if a.special_categories.contains(c) {
                format!("{c} (special category)")
            } else {
                c.clone()
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

pub fn recipient_text(r: &Recipient) -> String {
    let mut s = match &r.name {
        Some(n) => format!("{n} ({} {})", r.kind, r.id),
        None => format!("{} {}", r.kind, r.id),
    };
    let mut extra = Vec::new();
    if let Some(role) = &r.role {
        extra.push(role.clone());
    }
    if r.kind == "vendor" {
        extra.push(
            r.country
                .clone()
                .unwrap_or_else(|| format!("country {MISSING}")),
        );
    } else if let Some(c) = &r.country {
        extra.push(c.clone());
    }
    if !extra.is_empty() {
        s.push_str(&format!(" [{}]", extra.join(", ")));
    }
    s
}

pub fn recipients_text(a: &Activity) -> String {
    if a.recipients.is_empty() {
        return NO_RECIPIENTS.into();
    }
    a.recipients
        .iter()
        .map(recipient_text)
        .collect::<Vec<_>>()
        .join("; ")
}

pub fn transfer_text(t: &Transfer) -> String {
    let who = t
        .recipient_name
        .clone()
        .unwrap_or_else(|| t.recipient.clone());
    let country = t
        .country
        .clone()
        .unwrap_or_else(|| format!("country {MISSING}"));
    let safeguard = match (&t.mechanism, t.adequacy) {
        (Some(m), _) => mechanism_text(m).to_string(),
        (None, true) => "adequacy decision (mechanism not declared)".into(),
        (None, false) => format!("safeguard {MISSING}"),
    };
    let mut s = format!("{who} in {country} via flow {}: {safeguard}", t.flow);
    if !t.assessments.is_empty() {
        s.push_str(&format!(" (assessed in {})", t.assessments.join(", ")));
    }
    s
}

pub fn mechanism_text(m: &str) -> &str {
    match m {
        "adequacy" => "adequacy decision (Art. 45)",
        "dpf" => "EU-US Data Privacy Framework (Art. 45)",
        "scc" => "standard contractual clauses (Art. 46(2)(c))",
        "bcr" => "binding corporate rules (Art. 47)",
        "derogation" => "derogation (Art. 49)",
        other => other,
    }
}

pub fn transfers_text(a: &Activity) -> String {
    if a.transfers.is_empty() {
        return NO_TRANSFERS.into();
    }
    a.transfers
        .iter()
        .map(transfer_text)
        .collect::<Vec<_>>()
        .join("; ")
}

pub fn retention_entry_text(r: &RetentionEntry) -> String {
    let period = match r.period.as_deref() {
        Some("indefinite") => "indefinitely".to_string(),
        Some(p) => period_text(p),
        None => MISSING.to_string(),
    };
    let mut s = format!("{}: {period}", r.dataset);
    if let Some(t) = &r.trigger {
        s.push_str(&format!(" from {t}"));
    }
    s.push_str(&format!(", deletion {}", or_missing(&r.deletion)));
    s
}

pub fn retention_text(a: &Activity) -> String {
    if a.retention.is_empty() {
        return format!("{MISSING} (no dataset listed)");
    }
    a.retention
        .iter()
        .map(retention_entry_text)
        .collect::<Vec<_>>()
        .join("; ")
}

pub fn security_entry_text(m: &SecurityMeasure) -> String {
    let state = match m.in_place {
        Some(true) => "yes",
        Some(false) => "no",
        None => MISSING,
    };
    format!("{} {}: {state}", m.target, m.measure)
}

pub fn security_text(a: &Activity) -> String {
    if a.security.is_empty() {
        return MISSING.into();
    }
    a.security
        .iter()
        .map(security_entry_text)
        .collect::<Vec<_>>()
        .join("; ")
}

pub fn assessment_text(r: &AssessmentRef) -> String {
    match &r.kind {
        Some(k) => format!(
            "{} ({k}, {}, {})",
            r.id,
            r.status.as_deref().unwrap_or("status missing"),
            r.date.as_deref().unwrap_or("date missing")
        ),
        None => format!("{} (unknown assessment)", r.id),
    }
}

pub fn assessments_text(a: &Activity) -> String {
    if a.assessments.is_empty() {
        return NONE_DECLARED.into();
    }
    a.assessments
        .iter()
        .map(assessment_text)
        .collect::<Vec<_>>()
        .join("; ")
}

// ---------------------------------------------------------------------------
// Renderers.

/// Markdown: a controller section, then a table of fields per activity.
pub fn to_markdown(r: &Ropa) -> String {
    let mut out = String::new();
    out.push_str("# Record of processing activities (GDPR Art. 30(1))\n\n");
    out.push_str("## Controller\n\n");
    out.push_str(&format!(
        "Organisation: {}\n\n",
        md(&r
            .controller
            .organization
            .clone()
            .unwrap_or_else(|| MISSING.into()))
    ));
    for (label, value) in controller_contacts(&r.controller) {
        out.push_str(&format!("{label}: {}\n\n", md(&value)));
    }
    if r.controller.system_owners.is_empty() {
        out.push_str("System owners: none declared\n\n");
    } else {
        out.push_str("| system | name | owner |\n| --- | --- | --- |\n");
        for s in &r.controller.system_owners {
            out.push_str(&format!(
                "| {} | {} | {} |\n",
                md(&s.system),
                md(&s.name.clone().unwrap_or_default()),
                md(&or_missing(&s.owner))
            ));
        }
        out.push('\n');
    }
    out.push_str(&format!(
        "## Processing activities ({})\n\n",
        r.activities.len()
    ));
    for a in &r.activities {
        out.push_str(&format!("### {}\n\n", md(&purpose_text(a))));
        out.push_str(&format!("Declared in `{}`.\n\n", a.file.replace('`', "'")));
        out.push_str("| field | value |\n| --- | --- |\n");
        for (label, value) in fields(a).into_iter().skip(1) {
            out.push_str(&format!("| {label} | {} |\n", md(&value)));
        }
        out.push('\n');
    }
    out
}

/// Escapes text for a Markdown table cell: no pipes, no line breaks, no raw
/// HTML.
fn md(text: &str) -> String {
    let mut s = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '|' => s.push_str("\\|"),
            '\n' | '\r' => s.push(' '),
            '<' => s.push_str("&lt;"),
            '>' => s.push_str("&gt;"),
            '&' => s.push_str("&amp;"),
            // An escape sequence in a name must not reach a terminal or a
            // renderer as one.
            c if crate::diagnostic::is_hazard(c) => s.push_str(&c.escape_unicode().to_string()),
            c => s.push(c),
        }
    }
    s
}

/// The CSV header; one row per activity follows.
pub const CSV_COLUMNS: [&str; 22] = [
    "controller",
    "controller_contact",
    "dpo",
    "representative",
    "purpose",
    "name",
    "description",
    "system",
    "owner",
    "lawful_basis",
    "special_category_condition",
    "consent",
    "data_subjects",
    "data_categories",
    "special_categories",
    "recipients",
    "third_country_transfers",
    "retention",
    "security_measures",
    "assessments",
    "notice",
    "missing",
];

/// CSV: one row per activity, lists joined with "; ".
pub fn to_csv(r: &Ropa) -> Result<String, String> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let err = |e: csv::Error| format!("cannot write CSV: {e}");
    w.write_record(CSV_COLUMNS).map_err(err)?;
    let org = r
        .controller
        .organization
        .clone()
        .unwrap_or_else(|| MISSING.into());
    let [contact, dpo, representative] = controller_contacts(&r.controller).map(|(_, v)| v);
    for a in &r.activities {
        let special = if a.special_categories.is_empty() {
            "none".to_string()
        } else {
            a.special_categories.join("; ")
        };
        let consent = match (&a.consent, a.lawful_basis.as_deref()) {
            (Some(c), _) => c.clone(),
            (None, Some("consent")) => MISSING.into(),
            (None, _) => String::new(),
        };
        let condition = match &a.special_category_condition {
            Some(c) => c.clone(),
            None if !a.special_categories.is_empty() => MISSING.into(),
            None => String::new(),
        };
        let semi = |v: &[String], empty: &str| {
            if v.is_empty() {
                empty.to_string()
            } else {
                v.join("; ")
            }
        };
        let row = [
            org.clone(),
            contact.clone(),
            dpo.clone(),
            representative.clone(),
            a.purpose.clone(),
            a.name.clone().unwrap_or_default(),
            or_missing(&a.description),
            a.system.clone().unwrap_or_else(|| MISSING.into()),
            or_missing(&a.owner),
            or_missing(&a.lawful_basis),
            condition,
            consent,
            semi(&a.data_subjects, MISSING),
            semi(&a.data_categories, MISSING),
            special,
            recipients_text(a),
            transfers_text(a),
            retention_text(a),
            security_text(a),
            assessments_text(a),
            or_missing(&a.notice),
            semi(&a.missing, ""),
        ];
        w.write_record(row.iter().map(|s| csv_safe(s)))
            .map_err(err)?;
    }
    let bytes = w
        .into_inner()
        .map_err(|e| format!("cannot write CSV: {e}"))?;
    String::from_utf8(bytes).map_err(|e| format!("cannot write CSV: {e}"))
}

/// Spreadsheets run cells that start with `=`, `+`, `-` or `@` as formulas;
/// a leading apostrophe keeps a declared value text (OWASP "CSV injection").
fn csv_safe(s: &str) -> String {
    if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{s}")
    } else {
        s.to_string()
    }
}

pub fn to_json(r: &Ropa) -> String {
    let mut s = serde_json::to_string_pretty(r).unwrap_or_default();
    s.push('\n');
    s
}

#[cfg(test)]
mod tests {
    use super::{basis_text, period_text};

    #[test]
    fn periods_read_in_words_beside_their_iso_form() {
        assert_eq!(period_text("P7Y"), "7 years (P7Y)");
        assert_eq!(period_text("P1Y6M"), "1 year 6 months (P1Y6M)");
        assert_eq!(period_text("PT72H"), "72 hours (PT72H)");
        assert_eq!(period_text("P1W"), "1 week (P1W)");
        // Not a period (the schema stops these earlier): shown as written.
        assert_eq!(period_text("soon"), "soon");
    }

    #[test]
    fn lawful_bases_name_their_point_of_article_6_1() {
        assert_eq!(basis_text("contract"), "contract (Art. 6(1)(b))");
        assert_eq!(
            basis_text("legitimate_interests"),
            "legitimate interests (Art. 6(1)(f))"
        );
        assert_eq!(basis_text("other"), "other");
    }
}
