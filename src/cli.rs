//! Command-line interface: flags and commands of `../shared/spec/cli.md`.

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(name = "privgate", version, about = "Policy-as-code privacy compliance checks (GDPR, CCPA/CPRA)")]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Parse, schema-validate and resolve references only; no rules.
    Validate(ValidateArgs),
    /// Print a JSON Schema (the same files as `schemas/`).
    Schema {
        #[arg(value_parser = clap::builder::PossibleValuesParser::new(privgate::schema::NAMES))]
        name: String,
    },
    /// Write a starter privgate.yaml and a commented privacy.yaml; never overwrites.
    Init {
        #[arg(default_value = ".")]
        path: PathBuf,
    },
}

#[derive(Debug, Args, Clone)]
pub struct CommonArgs {
    /// Repository root (default: the current directory).
    #[arg(default_value = ".")]
    pub path: PathBuf,
    /// Config other than <root>/privgate.yaml.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Disable colour (NO_COLOR is honoured too).
    #[arg(long)]
    pub no_color: bool,
    /// Print only problems.
    #[arg(long, short)]
    pub quiet: bool,
}

#[derive(Debug, Args)]
pub struct ValidateArgs {
    #[command(flatten)]
    pub common: CommonArgs,
    /// Output format.
    #[arg(long, value_enum, default_value_t = ValidateFormat::Human)]
    pub format: ValidateFormat,
}

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum ValidateFormat {
    Human,
    Json,
}
