//! Command-line interface: every command's flags and arguments, as in
//! `../shared/spec/cli.md`. Parsing only; `commands` runs them.

use clap::{Args, Parser, Subcommand, ValueEnum};
use privgate::evaluate::GateFlags;
use privgate::history::trend;
use privgate::severity::FailOn;
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(
    name = "privgate",
    version,
    about = "Policy-as-code privacy compliance checks (GDPR, CCPA/CPRA)"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Discover, validate, evaluate the rules, score and apply the gate.
    Check(CheckArgs),
    /// The score per regulation and the KPIs.
    // `check`'s arguments, but only the formats a table of numbers has.
    #[command(mut_arg("format", |a| a.value_parser(score_formats())))]
    Score(CheckArgs),
    /// List the rules, or explain one.
    Rules(RulesArgs),
    /// Parse, schema-validate and resolve references only; no rules.
    Validate(ValidateArgs),
    /// Print a JSON Schema (the same files as `schemas/`), or write them
    /// for editors (`--write .privgate/schemas`).
    Schema(SchemaArgs),
    /// Write a starter privgate.yaml and a commented privacy.yaml; never overwrites.
    Init {
        #[arg(default_value = ".")]
        path: PathBuf,
    },
    /// Self-contained HTML report for privacy and legal teams.
    Report(ReportArgs),
    /// GDPR Art. 30 record of processing activities.
    Ropa(RopaArgs),
    /// Data-flow diagram: systems, datasets, vendors and the flows between them.
    Map(MapArgs),
    /// Score per commit of first-parent git history, oldest first.
    Trend(TrendArgs),
    /// Vendor SDKs found in dependency files, per component: declared,
    /// undeclared or without a flow; `--suggest` drafts the missing vendors.
    Vendors(VendorsArgs),
    /// Data categories (key, description, marks: special, criminal, highly
    /// personal, CCPA sensitive) and data subjects, filtered by QUERY.
    Taxonomy(TaxonomyArgs),
}

#[derive(Debug, Args)]
pub struct TaxonomyArgs {
    /// Show only what contains QUERY (ignoring case) in its key, its
    /// description or its marks: `email`, `user.health`, `special`.
    pub query: Option<String>,
    /// Repository whose config's `taxonomy` and `subjects` to include.
    #[arg(long, default_value = ".")]
    pub path: PathBuf,
    /// Output format.
    #[arg(long, value_enum, default_value_t = ValidateFormat::Human)]
    pub format: ValidateFormat,
}

#[derive(Debug, Args)]
pub struct SchemaArgs {
    /// Which schema; with --write, only that one (default: all four).
    #[arg(
        value_parser = clap::builder::PossibleValuesParser::new(privgate::load::schema::NAMES),
        required_unless_present = "write"
    )]
    pub name: Option<String>,
    /// Write the schemas into DIR (`privgate init` uses `.privgate/schemas`)
    /// instead of printing: refreshes the copies editors read after an
    /// upgrade. Replaces only privgate's own schema files.
    #[arg(long, value_name = "DIR")]
    pub write: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct VendorsArgs {
    #[command(flatten)]
    pub common: CommonArgs,
    /// Output format.
    #[arg(long, value_enum, default_value_t = VendorsFormat::Human)]
    pub format: VendorsFormat,
    /// Print a vendor declaration (a manifest, YAML) for each undeclared vendor.
    #[arg(long)]
    pub suggest: bool,
    /// Write to FILE instead of stdout (a new manifest, with --suggest: a
    /// shell redirect would create the empty manifest before it is read).
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Read the content staged in the git index, not the work tree.
    #[arg(long)]
    pub staged: bool,
}

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum VendorsFormat {
    Human,
    Json,
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
    /// Validate the content staged in the git index (pre-commit), not the work tree.
    #[arg(long)]
    pub staged: bool,
}

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum ValidateFormat {
    Human,
    Json,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    #[command(flatten)]
    pub common: CommonArgs,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
    /// Write the report to FILE instead of stdout (whole or not at all).
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Also write the SARIF report to FILE, from the same run.
    #[arg(long, value_name = "FILE")]
    pub sarif_output: Option<PathBuf>,
    /// Also write the JSON report to FILE, from the same run.
    #[arg(long, value_name = "FILE")]
    pub json_output: Option<PathBuf>,
    /// Also write the JUnit report to FILE, from the same run.
    #[arg(long, value_name = "FILE")]
    pub junit_output: Option<PathBuf>,
    /// Also write the Markdown summary to FILE, from the same run.
    #[arg(long, value_name = "FILE")]
    pub markdown_output: Option<PathBuf>,
    #[command(flatten)]
    pub gate: GateArgs,
    /// Check the content staged in the git index (pre-commit), not the work tree.
    #[arg(long)]
    pub staged: bool,
    /// Pull-request mode: compare with the repository at REV (read from git);
    /// report new and fixed findings and the score delta.
    #[arg(long, value_name = "REV")]
    pub changed_since: Option<String>,
}

/// What is checked and how it is gated: shared by `check`, `score` and
/// `report`.
#[derive(Debug, Args, Clone)]
pub struct GateArgs {
    /// Regulation to check (repeatable); overrides the config's `regulations`.
    #[arg(long = "regulation", value_name = "NAME")]
    pub regulations: Vec<String>,
    /// Fail when the score is below N (overrides the config's gate).
    #[arg(long, value_name = "N", value_parser = parse_score)]
    pub min_score: Option<f64>,
    /// Fail on a finding of this severity or worse (overrides the config's gate).
    #[arg(long, value_name = "SEVERITY", value_enum)]
    pub fail_on: Option<FailOn>,
    /// The run date, YYYY-MM-DD (default: PRIVGATE_TODAY, else the clock).
    #[arg(long, value_name = "DATE")]
    pub today: Option<String>,
}

impl From<&GateArgs> for GateFlags {
    fn from(args: &GateArgs) -> GateFlags {
        GateFlags {
            min_score: args.min_score,
            fail_on: args.fail_on,
        }
    }
}

/// `--format` of `privgate score`: human or json.
fn score_formats() -> impl clap::builder::TypedValueParser<Value = Format> {
    use clap::builder::TypedValueParser;
    clap::builder::PossibleValuesParser::new(["human", "json"])
        .map(|s| Format::from_str(&s, false).unwrap_or(Format::Human))
}

fn parse_score(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(v) if (0.0..=100.0).contains(&v) => Ok(v),
        _ => Err(format!("`{s}` is not a score between 0 and 100")),
    }
}

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum Format {
    Human,
    Json,
    Sarif,
    Junit,
    Markdown,
}

#[derive(Debug, Args)]
pub struct RulesArgs {
    #[command(subcommand)]
    pub action: Option<RulesAction>,
    /// Repository whose organisation packs (privgate.yaml `rulepacks:`) to include.
    #[arg(long, default_value = ".", global = true)]
    pub path: PathBuf,
    /// Output format of the list, or of the explained rule.
    #[arg(long, value_enum, default_value_t = ValidateFormat::Human, global = true)]
    pub format: ValidateFormat,
}

#[derive(Debug, Subcommand)]
pub enum RulesAction {
    /// Print one rule in full: what it checks, why, how to fix, an example.
    Explain { id: String },
}

#[derive(Debug, Args)]
pub struct ReportArgs {
    #[command(flatten)]
    pub common: CommonArgs,
    /// Write the HTML to FILE (whole or not at all) instead of stdout.
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
    #[command(flatten)]
    pub gate: GateArgs,
    /// Commits in the score-trend chart (first-parent history; 0: no chart).
    #[arg(long, value_name = "N", default_value_t = trend::DEFAULT_LAST)]
    pub last: usize,
}

#[derive(Debug, Args)]
pub struct RopaArgs {
    #[command(flatten)]
    pub common: CommonArgs,
    /// Output format.
    #[arg(long, value_enum, default_value_t = RopaFormat::Markdown)]
    pub format: RopaFormat,
    /// Write to FILE instead of stdout.
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// The run date, YYYY-MM-DD, for adequacy decisions in force (default:
    /// PRIVGATE_TODAY, else the clock).
    #[arg(long, value_name = "DATE")]
    pub today: Option<String>,
}

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum RopaFormat {
    Markdown,
    Csv,
    Json,
}

#[derive(Debug, Args)]
pub struct MapArgs {
    #[command(flatten)]
    pub common: CommonArgs,
    /// Output format: Graphviz DOT, Mermaid, or SVG laid out in-process.
    #[arg(long, value_enum, default_value_t = MapFormat::Dot)]
    pub format: MapFormat,
    /// Write to FILE instead of stdout.
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Regulation to check (repeatable), for the findings that mark the map.
    #[arg(long = "regulation", value_name = "NAME")]
    pub regulations: Vec<String>,
    /// The run date, YYYY-MM-DD (default: PRIVGATE_TODAY, else the clock).
    #[arg(long, value_name = "DATE")]
    pub today: Option<String>,
}

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum MapFormat {
    Dot,
    Mermaid,
    Svg,
}

#[derive(Debug, Args)]
pub struct TrendArgs {
    #[command(flatten)]
    pub common: CommonArgs,
    /// How many commits of first-parent history, newest back.
    #[arg(long, value_name = "N", default_value_t = trend::DEFAULT_LAST)]
    pub last: usize,
    /// Output format.
    #[arg(long, value_enum, default_value_t = TrendFormat::Table)]
    pub format: TrendFormat,
    /// Write to FILE instead of stdout.
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Regulation to check (repeatable); overrides each commit's config.
    #[arg(long = "regulation", value_name = "NAME")]
    pub regulations: Vec<String>,
    /// Judge every commit as of DATE (YYYY-MM-DD; also PRIVGATE_TODAY)
    /// instead of as of its own commit date.
    #[arg(long, value_name = "DATE")]
    pub today: Option<String>,
}

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum TrendFormat {
    Table,
    Json,
    Csv,
}
