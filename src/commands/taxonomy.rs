//! `privgate taxonomy [QUERY]`: the data categories (key, description,
//! marks) and data subjects a manifest may name, the built-in ones plus
//! those the repository config adds, filtered by QUERY.

use super::{emit, print_stdout, EXIT_ERROR};
use crate::cli::{TaxonomyArgs, ValidateFormat};
use privgate::load::tree::{Tree, WorkTree};
use privgate::manifest::{Config, CONFIG_NAMES};
use privgate::taxonomy::Taxonomy;

pub fn taxonomy(args: &TaxonomyArgs) -> u8 {
    let mut tax = Taxonomy::builtin();
    let mut added = Vec::new();
    // The config's own keys, when there is one; a broken one is reported,
    // as every command reports it.
    if let Ok(tree) = WorkTree::open(&args.path) {
        if let Some(name) = CONFIG_NAMES.iter().find(|n| tree.is_file(n)) {
            let read = tree.read(name).map_err(|d| vec![d]).and_then(|bytes| {
                privgate::load::parse_and_check::<Config>(
                    name,
                    bytes,
                    privgate::load::schema::Schema::config(),
                )
                .map_err(|(text, d)| {
                    let mut ws = privgate::load::Workspace::empty();
                    if let Some(t) = text {
                        ws.sources.insert(name.to_string(), t);
                    }
                    emit(&ws, &d, &common(args));
                    Vec::new()
                })
            });
            match read {
                Ok((_, config)) => {
                    for entry in &config.taxonomy {
                        tax.add_category(&entry.key, entry.description.as_deref());
                        added.push(entry.key.clone());
                    }
                    for subject in &config.subjects {
                        tax.add_subject(subject);
                        added.push(subject.clone());
                    }
                }
                Err(d) => {
                    if !d.is_empty() {
                        let ws = privgate::load::Workspace::empty();
                        emit(&ws, &d, &common(args));
                    }
                    return EXIT_ERROR;
                }
            }
        }
    }
    let found = tax.search(args.query.as_deref().unwrap_or_default(), &added);
    if args.format == ValidateFormat::Json {
        return print_stdout(&privgate::render::taxonomy::json(&found));
    }
    if found.is_empty() {
        sayln!(
            "no category or subject matches `{}`",
            args.query.as_deref().unwrap_or_default()
        );
    }
    print_stdout(&privgate::render::taxonomy::human(&found))
}

fn common(args: &TaxonomyArgs) -> crate::cli::CommonArgs {
    crate::cli::CommonArgs {
        path: args.path.clone(),
        config: None,
        no_color: false,
        quiet: false,
    }
}
