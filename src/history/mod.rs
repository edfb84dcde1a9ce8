//! Judging against git history: what a pull request changed against its
//! base (`changes`) and the score per commit (`trend`).

pub mod changes;
pub mod trend;
