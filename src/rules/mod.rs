//! Rules as data (`policies/*.yaml`) and the small engine that runs them.
//! To add a rule, add an entry to a pack and a fixture pair under
//! `tests/rules/`; no Rust changes are needed.

pub mod engine;
pub mod fields;
pub mod pack;
pub mod values;
