//! `privgate vendors [PATH]`: loads the tree (manifests and dependency
//! files), then prints the vendor inventory, or with `--suggest` the
//! drafted declarations. Exit 2 when the manifests do not load; otherwise
//! 0: an inventory gates nothing (`check` does).

use super::{deliver, emit, emit_alone, open_tree, options, remember_inputs, EXIT_ERROR};
use crate::cli::{VendorsArgs, VendorsFormat};
use privgate::diagnostic::Diagnostic;
use privgate::evaluate::vendors::inventory;
use privgate::render::vendors;

pub fn vendors(args: &VendorsArgs) -> u8 {
    let tree = match open_tree(&args.common, args.staged) {
        Ok(t) => t,
        Err(d) => {
            emit_alone(d, &args.common);
            return EXIT_ERROR;
        }
    };
    let ws = privgate::load::load(tree.as_ref(), &options(&args.common));
    remember_inputs(&args.common.path, args.common.config.as_deref(), &ws);
    // Warnings (a dependency file that does not parse) go to stderr.
    let shown: Vec<Diagnostic> = if args.common.quiet {
        ws.diagnostics
            .iter()
            .filter(|d| d.is_error())
            .cloned()
            .collect()
    } else {
        ws.diagnostics.clone()
    };
    emit(&ws, &shown, &args.common);
    if ws.has_errors() {
        let n = ws.diagnostics.iter().filter(|d| d.is_error()).count();
        sayln!(
            "could not list the vendors: {n} error{} found",
            privgate::text::plural(n)
        );
        return EXIT_ERROR;
    }
    let Some(model) = &ws.model else {
        return EXIT_ERROR;
    };
    let scan = model.config.dependencies.scan();
    let components = inventory(model);
    if args.suggest {
        let (catalog, _) =
            privgate::load::dependencies::catalog(&model.config, model.config_file.as_deref());
        return match vendors::suggest(&components, model, &catalog) {
            Some(yaml) => deliver(args.output.as_deref(), &yaml),
            None => {
                sayln!("every vendor SDK found is declared; nothing to suggest");
                super::EXIT_OK
            }
        };
    }
    let text = match args.format {
        VendorsFormat::Human => vendors::human(&components, scan),
        VendorsFormat::Json => {
            let warnings: Vec<String> = ws
                .diagnostics
                .iter()
                .filter(|d| !d.is_error())
                .map(|d| privgate::diagnostic::warning_line(&ws.sources, d))
                .collect();
            vendors::json(&components, scan, &warnings)
        }
    };
    deliver(args.output.as_deref(), &text)
}
