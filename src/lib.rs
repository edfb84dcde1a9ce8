//! privgate: policy-as-code privacy compliance checks.
//!
//! The pipeline is the architecture, one module per stage, plain data between
//! them: `tree` (where files come from) -> `discover` -> `parse` -> `schema`
//! -> `resolve` (into `model::Model`) -> evaluate -> score -> `render`.
//! `load` runs the front half.

// Diagnostics are the error type throughout and are returned rarely;
// boxing them would only add noise.
#![allow(clippy::result_large_err)]

pub mod changes;
pub mod diagnostic;
pub mod discover;
pub mod evaluate;
pub mod git;
pub mod init;
pub mod load;
pub mod manifest;
pub mod map;
pub mod model;
pub mod parse;
pub mod render;
pub mod report;
pub mod resolve;
pub mod ropa;
pub mod rules;
pub mod schema;
pub mod span;
pub mod taxonomy;
pub mod text;
pub mod time;
pub mod timings;
pub mod tree;
pub mod trend;
