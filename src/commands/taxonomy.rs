//! `privgate taxonomy [QUERY]`: the data categories (key, description,
//! marks) and data subjects a manifest may name, the built-in ones plus
//! those the repository config adds, filtered by QUERY.

use super::{emit, print_stdout, EXIT_ERROR};
use crate::cli::{TaxonomyArgs, ValidateFormat};
use privgate::load::schema::Schema;
use privgate::load::tree::{Tree, WorkTree};
use privgate::load::Workspace;
use privgate::manifest::{Config, CONFIG_NAMES};
use privgate::taxonomy::Taxonomy;

pub fn taxonomy(args: &TaxonomyArgs) -> u8 {
    let mut tax = Taxonomy::builtin();
    let mut added = Vec::new();
    let config = match config(args) {
        Ok(c) => c,
        Err(code) => return code,
    };
    if let Some(config) = config {
        for entry in &config.taxonomy {
            tax.add_category(&entry.key, entry.description.as_deref());
            added.push(entry.key.clone());
        }
        for subject in &config.subjects {
            tax.add_subject(subject);
            added.push(subject.clone());
        }
    }
    let query = args.query.as_deref().unwrap_or_default();
    let found = tax.search(query, &added);
    if args.format == ValidateFormat::Json {
        return print_stdout(&privgate::render::taxonomy::json(&found));
    }
    if found.is_empty() {
        sayln!("no category or subject matches `{query}`");
    }
    print_stdout(&privgate::render::taxonomy::human(&found))
}

/// The repository config at `--path`, if there is one; a broken one is
/// reported (exit 2), as every command reports it.
fn config(args: &TaxonomyArgs) -> Result<Option<Config>, u8> {
    let Ok(tree) = WorkTree::open(&args.path) else {
        return Ok(None);
    };
    let Some(name) = CONFIG_NAMES.iter().find(|n| tree.is_file(n)) else {
        return Ok(None);
    };
    let mut ws = Workspace::empty();
    let bytes = match tree.read(name) {
        Ok(b) => b,
        Err(d) => {
            emit(&ws, &[d], &common(args));
            return Err(EXIT_ERROR);
        }
    };
    match privgate::load::parse_and_check::<Config>(name, bytes, Schema::config()) {
        Ok((_, config)) => Ok(Some(config)),
        Err((text, diagnostics)) => {
            if let Some(t) = text {
                ws.sources.insert(name.to_string(), t);
            }
            emit(&ws, &diagnostics, &common(args));
            Err(EXIT_ERROR)
        }
    }
}

fn common(args: &TaxonomyArgs) -> crate::cli::CommonArgs {
    crate::cli::CommonArgs {
        path: args.path.clone(),
        config: None,
        no_color: false,
        quiet: false,
    }
}
