//! Output formats, one module each, all fed the same plain data.

pub mod html;
pub mod human;
pub mod junit;
pub mod markdown;
pub mod sarif;
