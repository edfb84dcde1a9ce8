//! Typed form of a privacy manifest and of the repository config, exactly as
//! `../shared/spec/manifest.md` defines them, and the names and globs they
//! are found by.
//!
//! These types are filled only from documents that already passed the JSON
//! Schemas in `schemas/`, which stay the single source of truth for what is
//! accepted; `deny_unknown_fields` keeps the two from drifting apart (a test
//! deserializes a manifest that uses every schema property).

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Where manifests are looked for when the config does not say
/// (manifest.md).
pub const DEFAULT_GLOBS: [&str; 2] = ["**/privacy.{yaml,yml}", "**/*.privacy.{yaml,yml}"];
/// The config's names at the root, in the order they are looked for.
pub const CONFIG_NAMES: [&str; 2] = ["privgate.yaml", ".privgate.yaml"];

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    pub version: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub system: Option<System>,
    #[serde(default)]
    pub datasets: Vec<Dataset>,
    #[serde(default)]
    pub purposes: Vec<Purpose>,
    #[serde(default)]
    pub flows: Vec<Flow>,
    #[serde(default)]
    pub consents: Vec<Consent>,
    #[serde(default)]
    pub vendors: Vec<Vendor>,
    #[serde(default)]
    pub assessments: Vec<Assessment>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rights: Option<Rights>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub breach: Option<Breach>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct System {
    pub id: String,
    pub name: Option<String>,
    pub owner: Option<String>,
    pub description: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Dataset {
    pub id: String,
    pub name: Option<String>,
    pub description: Option<String>,
    #[serde(default)]
    pub categories: Vec<String>,
    #[serde(default)]
    pub subjects: Vec<String>,
    pub location: Option<String>,
    /// Legal ground for storing outside the EEA (GDPR Art. 44-46).
    pub transfer_mechanism: Option<String>,
    pub encrypted_at_rest: Option<bool>,
    pub retention: Option<Retention>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Retention {
    /// ISO 8601 duration or the word `indefinite`.
    pub period: Option<String>,
    pub trigger: Option<String>,
    pub deletion: Option<String>,
    pub justification: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Purpose {
    pub id: String,
    pub name: Option<String>,
    pub description: Option<String>,
    pub lawful_basis: Option<String>,
    pub special_category_condition: Option<String>,
    /// The law authorising Art. 9(2)(b), (g)-(j), Art. 10 or Art. 22(2)(b) processing.
    pub authorising_law: Option<String>,
    pub consent: Option<String>,
    #[serde(default)]
    pub categories: Vec<String>,
    #[serde(default)]
    pub subjects: Vec<String>,
    /// Countries whose residents the purpose serves (GDPR Art. 8(1) age).
    #[serde(default)]
    pub markets: Vec<String>,
    /// When the processing began (11 CCR 7155(c)).
    pub started: Option<String>,
    #[serde(default)]
    pub datasets: Vec<String>,
    #[serde(default)]
    pub assessments: Vec<String>,
    pub notice: Option<String>,
    #[serde(default)]
    pub risk: Risk,
    #[serde(default)]
    pub ccpa: PurposeCcpa,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Risk {
    #[serde(default)]
    pub large_scale: bool,
    #[serde(default)]
    pub profiling: bool,
    #[serde(default)]
    pub automated_decision: bool,
    /// The (CCPA 11 CCR 7001 or other significant) decision made or supported.
    pub significant_decision: Option<String>,
    #[serde(default)]
    pub systematic_monitoring: bool,
    #[serde(default)]
    pub innovative_technology: bool,
    #[serde(default)]
    pub vulnerable_subjects: bool,
    #[serde(default)]
    pub matching_datasets: bool,
    #[serde(default)]
    pub model_training: bool,
    #[serde(default)]
    pub sensitive_location: bool,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct PurposeCcpa {
    #[serde(default)]
    pub sold: bool,
    #[serde(default)]
    pub shared: bool,
    pub opt_out: Option<String>,
    pub limit_sensitive_use: Option<String>,
    /// Why sensitive PI is used (11 CCR 7027(m)).
    pub sensitive_use: Option<String>,
    /// Where the ADMT Pre-use Notice is given (11 CCR 7220).
    pub admt_notice: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Flow {
    pub id: String,
    pub description: Option<String>,
    pub from: String,
    pub to: String,
    pub purpose: Option<String>,
    #[serde(default)]
    pub categories: Vec<String>,
    pub destination_country: Option<String>,
    pub transfer_mechanism: Option<String>,
    /// Occasional, not regular or systematic (a derogation needs it, Art. 49).
    pub occasional: Option<bool>,
    #[serde(default)]
    pub assessments: Vec<String>,
    pub encrypted_in_transit: Option<bool>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Consent {
    pub id: String,
    pub description: Option<String>,
    #[serde(default)]
    pub purposes: Vec<String>,
    pub mechanism: Option<String>,
    pub withdrawable: Option<bool>,
    pub withdrawal: Option<String>,
    pub recorded: Option<bool>,
    pub minimum_age: Option<u32>,
    pub parental_consent: Option<bool>,
    /// 13-15-year-olds opt in themselves, two-step (11 CCR 7028(a)).
    pub teen_opt_in: Option<bool>,
    /// An express statement of consent (Art. 9(2)(a), 22(2)(c)).
    pub explicit: Option<bool>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Vendor {
    pub id: String,
    pub name: Option<String>,
    pub description: Option<String>,
    pub role: Option<String>,
    /// For a sub_processor: the processor that engages it.
    pub processor: Option<String>,
    pub country: Option<String>,
    pub dpf_certified: Option<bool>,
    pub contract: Option<Contract>,
    /// For a sub_processor: the controller's written authorisation (Art. 28(2)).
    pub authorised: Option<String>,
    pub assessment: Option<VendorAssessment>,
    pub deletion_propagation: Option<bool>,
    /// The vendor catalogue entry this declaration is (rules.md, "Declared
    /// vs. used"); unset, the id links when it is an entry.
    pub catalog: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Contract {
    #[serde(rename = "type")]
    pub kind: Option<String>,
    pub signed: Option<String>,
    pub expires: Option<String>,
    pub document: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct VendorAssessment {
    pub date: Option<String>,
    pub result: Option<String>,
    pub document: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Assessment {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub title: Option<String>,
    pub document: Option<String>,
    pub date: Option<String>,
    pub status: Option<String>,
    pub approver: Option<String>,
    pub review: Option<String>,
    /// dpia: low | medium | high (Art. 35(7)(d), 36(1)).
    pub residual_risk: Option<String>,
    /// When the supervisory authority was consulted (Art. 36(1)).
    pub consulted: Option<String>,
    /// screening: dpia_not_required | consent_freely_given.
    pub conclusion: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Rights {
    pub access: Option<Right>,
    pub erasure: Option<Right>,
    pub rectification: Option<Right>,
    pub restriction: Option<Right>,
    pub portability: Option<Right>,
    pub objection: Option<Right>,
    pub opt_out: Option<Right>,
    pub human_review: Option<Right>,
    pub admt_opt_out: Option<Right>,
    pub admt_access: Option<Right>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Right {
    pub sla: Option<String>,
    /// The longest extension given on notice.
    pub extension: Option<String>,
    pub automated: Option<bool>,
    pub gpc: Option<bool>,
    pub channel: Option<String>,
    /// opt_out: the preference signal is processed frictionlessly (7025(f)).
    pub frictionless: Option<bool>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Breach {
    pub plan: Option<String>,
    /// The record of every breach (Art. 33(5)).
    pub register: Option<String>,
    pub notify_authority_within: Option<String>,
    pub notify_subjects_within: Option<String>,
}

/// `privgate.yaml`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Config {
    pub version: u32,
    pub organization: Option<String>,
    pub controller: Option<ControllerContacts>,
    pub regulations: Option<Vec<String>>,
    /// `regulations` came from `--regulation` (not a config key): an
    /// unknown one is then the flag's error, not the file's.
    #[serde(skip)]
    pub regulations_from_command_line: bool,
    pub manifests: Option<Vec<String>>,
    #[serde(default)]
    pub exclude: Vec<String>,
    #[serde(default)]
    pub rulepacks: Vec<String>,
    #[serde(default)]
    pub taxonomy: Vec<TaxonomyEntry>,
    #[serde(default)]
    pub subjects: Vec<String>,
    #[serde(default)]
    pub settings: Settings,
    #[serde(default)]
    pub rules: BTreeMap<String, RuleOverride>,
    #[serde(default)]
    pub gate: Gate,
    #[serde(default)]
    pub waivers: Vec<Waiver>,
    #[serde(default)]
    pub dependencies: DependencySettings,
    /// Extra vendor catalogue entries.
    #[serde(default)]
    pub vendor_catalog: Vec<crate::vendor_catalog::CatalogEntry>,
}

/// `dependencies:` of the config: whether dependency files are read, and
/// which packages are never matched.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct DependencySettings {
    pub scan: Option<bool>,
    #[serde(default)]
    pub ignore: Vec<IgnoredPackage>,
}

impl DependencySettings {
    /// Scanning is on unless the config says `scan: false`.
    pub fn scan(&self) -> bool {
        self.scan != Some(false)
    }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct IgnoredPackage {
    /// `ecosystem:name`, a trailing `*` matching by prefix.
    pub package: String,
    pub reason: String,
}

/// The controller's contact details (GDPR Art. 30(1)(a)).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ControllerContacts {
    pub contact: Option<String>,
    /// Country of the (main) establishment; unset counts as in the EEA.
    pub establishment: Option<String>,
    pub dpo: Option<String>,
    pub representative: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct TaxonomyEntry {
    pub key: String,
    pub description: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    pub vendor_review_interval: Option<String>,
    pub dpia_review_interval: Option<String>,
    pub max_retention: Option<String>,
    pub child_consent_age: Option<u32>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct RuleOverride {
    pub severity: Option<String>,
    pub enabled: Option<bool>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Gate {
    pub min_score: Option<f64>,
    pub fail_on: Option<String>,
    /// The furthest a waiver's `expires` may lie ahead of the run date.
    pub max_waiver_term: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Waiver {
    pub rule: String,
    pub target: String,
    pub reason: String,
    pub approved_by: String,
    pub expires: String,
}
