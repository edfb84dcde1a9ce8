//! privgate's entry point: parse flags, run one command, map the outcome to
//! the exit codes of cli.md (0 passed, 1 gate failed, 2 could not check).

// Diagnostics are the error type throughout and are returned rarely;
// boxing them would only add noise.
#![allow(clippy::result_large_err)]

mod alloc;
mod cli;
mod commands;

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = match cli::Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    let _t = privgate::timings::phase("total");
    ExitCode::from(commands::run(cli.command))
}
