//! Rules as data (`policies/*.yaml`, embedded by `builtin`), how a pack is
//! loaded and compiled (`pack`, `fields`), the values rules read (`values`)
//! and the small engine that runs them (`engine`).
//! To add a rule, add an entry to a pack and a fixture pair under
//! `tests/rules/`; no Rust changes are needed.

pub mod builtin;
pub mod engine;
pub mod fields;
pub mod pack;
pub mod values;
