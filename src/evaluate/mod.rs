//! The evaluate stage: from a `Model` to a `Report`. The rule catalogue
//! (`catalog`), the rules run and the findings located (`run`), waivers
//! (`waivers`), KPIs (`kpi`), the score (`score`) and the gate (`gate`);
//! `rules` holds the packs as data and the engine that runs them;
//! `vendors` the inventory of vendor SDKs that `privgate vendors` shows.

pub mod catalog;
pub mod gate;
pub mod kpi;
pub mod rules;
pub mod run;
pub mod score;
pub mod vendors;
pub mod waivers;

pub use crate::report::{amount_kpis, kpi_definitions, KpiEntry, EXPIRY_WARNING_DAYS};
pub use catalog::{catalog, org_pack_paths, Catalog};
pub use gate::{gate, resolve_gate, GateFlags};
pub use run::{
    add_catalog_errors, check_tree, no_manifests, run, run_with_outcomes, validate, Checked,
    Evaluated, Outcome, RunInput,
};
pub use score::capped_grade;
pub use waivers::{undeclared_target, waiver_target_warnings, waiver_term_errors};
