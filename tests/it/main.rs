//! privgate's integration tests: one test binary (one link, one copy of
//! the dependencies on disk) with a module per area. Run one area with a
//! filter, e.g. `cargo test --test it rules::`.

mod common;
mod gitrepo;

mod ccpa_only;
mod check;
mod cli;
mod editor;
mod formats;
mod fuzz;
mod git_modes;
mod hostile;
mod precommit;
mod reports;
mod rules;
mod schema_drift;
mod validate;
mod vendor_catalog;
mod vendors;
