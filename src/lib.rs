//! privgate: policy-as-code privacy compliance checks.
//!
//! The pipeline is the architecture, one folder per stage, plain data
//! between them: `load` (files to a `model::Model`) -> `evaluate` (rules,
//! waivers, KPIs, score and gate, into a `report::Report`) -> `render`
//! (every output format); `history` compares with git history (pull
//! requests, trend). The core types they share sit at the top.

// Diagnostics are the error type throughout and are returned rarely;
// boxing them would only add noise.
#![allow(clippy::result_large_err)]

// Core types every stage shares.
pub mod diagnostic;
pub mod manifest;
pub mod model;
pub mod parallel;
pub mod report;
pub mod severity;
pub mod span;
pub mod taxonomy;
pub mod text;
pub mod time;
pub mod timings;
pub mod vendor_catalog;

// The stages, in pipeline order.
pub mod evaluate;
pub mod history;
pub mod load;
pub mod render;

pub mod init;
