//! `privgate report`, `ropa`, `map` and `trend`: what privacy and legal
//! teams read. Exit 0 when the output was written, 2 when it could not be
//! (bad input, not a git repository for `trend`); `report` also exits 1 when
//! the gate fails (after writing the file), like `check`.

use super::{deliver, emit, emit_alone, load_worktree, EXIT_ERROR, EXIT_OK};
use crate::cli::{
    CommonArgs, MapArgs, MapFormat, ReportArgs, RopaArgs, RopaFormat, TrendArgs, TrendFormat,
};
use privgate::evaluate::{self, Checked, GateFlags};
use privgate::history::{changes, trend};
use privgate::load::git;
use privgate::load::tree::WorkTree;
use privgate::load::LoadOptions;
use privgate::render::{map, ropa};

/// Runs the whole check on the work tree, or prints why it could not.
fn checked(
    common: &CommonArgs,
    regulations: &[String],
    today: jiff::civil::Date,
    gate: GateFlags,
) -> Result<Checked, u8> {
    let options = load_options(common, regulations);
    let tree = WorkTree::open(&common.path).map_err(|d| {
        emit_alone(d, common);
        EXIT_ERROR
    })?;
    let checked = evaluate::check_tree(&tree, &options, today, gate).map_err(|(ws, diags)| {
        super::remember_inputs(&common.path, common.config.as_deref(), &ws);
        emit(&ws, &diags, common);
        let n = diags.iter().filter(|d| d.is_error()).count();
        sayln!(
            "could not check: {n} error{} found",
            privgate::text::plural(n)
        );
        EXIT_ERROR
    })?;
    super::remember_inputs(&common.path, common.config.as_deref(), &checked.workspace);
    Ok(checked)
}

fn load_options(common: &CommonArgs, regulations: &[String]) -> LoadOptions {
    LoadOptions {
        config_path: common.config.clone(),
        regulations: regulations.to_vec(),
        ..LoadOptions::default()
    }
}

fn run_date(flag: Option<&str>) -> Result<jiff::civil::Date, u8> {
    privgate::time::today(flag).map_err(|e| {
        sayln!("error: {e}");
        EXIT_ERROR
    })
}

fn failed(what: &str, e: &str) -> u8 {
    sayln!("error: cannot {what}: {e}");
    EXIT_ERROR
}

/// Whether the HTML would land on a terminal: a page of markup there helps
/// no one, and the work to build it is wasted.
fn html_to_terminal(output: Option<&std::path::Path>, stdout_is_terminal: bool) -> bool {
    stdout_is_terminal && output.is_none_or(|p| p.as_os_str() == "-")
}

pub fn report(args: &ReportArgs) -> u8 {
    use std::io::IsTerminal;
    if html_to_terminal(args.output.as_deref(), std::io::stdout().is_terminal()) {
        sayln!(
            "error: the report is an HTML page; write it to a file with \
             `-o report.html`, or redirect stdout (`privgate report > report.html`)"
        );
        return EXIT_ERROR;
    }
    let today = match run_date(args.gate.today.as_deref()) {
        Ok(d) => d,
        Err(code) => return code,
    };
    let gate = GateFlags::from(&args.gate);
    let root = &args.common.path;
    // HEAD's files are listed while the check runs: nothing in one needs
    // the other.
    let (checked, (repo, head_tree)) = rayon::join(
        || checked(&args.common, &args.gate.regulations, today, gate),
        || {
            (
                git::info(root),
                git::GitTree::at_revision(root, "HEAD").ok(),
            )
        },
    );
    let checked = match checked {
        Ok(c) => c,
        Err(code) => return code,
    };
    for w in &checked.report.warnings {
        sayln!("warning: {}", privgate::render::human::printable(w));
    }
    // The comparison with HEAD, beside the record and the map.
    let ((repo, head), (record, graph, map_svg)) = rayon::join(
        || {
            let mut repo = repo;
            // The comparison cannot see a config from outside the tree; then
            // whether the tree is HEAD's is not known.
            let comparable = args.common.config.is_none();
            let same = comparable
                && head_tree
                    .as_ref()
                    .is_some_and(|head| changes::same_inputs(&checked, head, false));
            if repo.commit.is_some() && comparable {
                repo.modified = Some(!same);
            }
            // A work tree identical to HEAD is HEAD: its trend point is
            // this report.
            let head = same.then(|| trend::Point::from_report(&checked.report, today));
            (repo, head)
        },
        || {
            let record = ropa::build(&checked.model, today);
            let graph = map::build(&checked.model, Some(&checked.report));
            let map_svg = map::to_svg(&graph);
            (record, graph, map_svg)
        },
    );
    let Checked {
        model,
        report,
        workspace,
        rules,
        evaluated,
        ..
    } = checked;
    // The process ends after writing the file: freeing a large model and
    // its results piece by piece would only delay the exit.
    std::mem::forget((workspace, evaluated));
    let history = if args.last == 0 {
        Err("Trend not computed (--last 0).".to_string())
    } else if repo.commit.is_none() {
        Err("No git history: the repository root is not inside a git repository with commits, so there is no trend to draw.".to_string())
    } else {
        let options = trend::TrendOptions {
            last: args.last,
            load: load_options(&args.common, &args.gate.regulations),
            today: None,
            head,
            gate: GateFlags::from(&args.gate),
        };
        trend::trend(root, &options).map_err(|d| format!("No trend: {}", d.message))
    };
    let input = privgate::render::html::Input {
        report: &report,
        model: &model,
        rules: &rules,
        run_date: today,
        repo: &repo,
        ropa: &record,
        map: &graph,
        map_svg,
        trend: history.as_ref().map_err(Clone::clone),
    };
    let html = match privgate::render::html::render(&input) {
        Ok(h) => h,
        Err(e) => return failed("render the report", &e),
    };
    let code = deliver(args.output.as_deref(), &html);
    if code == EXIT_OK && !args.common.quiet {
        if let Some(path) = &args.output {
            sayln!(
                "wrote {} ({} KB): score {:.1} ({}), gate {}",
                path.display(),
                html.len().div_ceil(1024),
                report.score.overall,
                report.score.grade_shown(),
                if report.gate.passed {
                    "passed"
                } else {
                    "failed"
                }
            );
        }
    }
    // The report is written either way; like `check`, a failed gate is exit 1
    // so a release job can gate and report in one step.
    let code = if code == EXIT_OK && !report.gate.passed {
        super::EXIT_FAIL
    } else {
        code
    };
    std::mem::forget((model, report, record, graph, html));
    code
}

pub fn ropa(args: &RopaArgs) -> u8 {
    let ws = match load_worktree(&args.common, &load_options(&args.common, &[])) {
        Ok(ws) => ws,
        Err(d) => {
            emit_alone(d, &args.common);
            return EXIT_ERROR;
        }
    };
    if ws.has_errors() {
        emit(&ws, &ws.diagnostics, &args.common);
        let n = ws.diagnostics.iter().filter(|d| d.is_error()).count();
        sayln!(
            "could not build the record: {n} error{} found",
            privgate::text::plural(n)
        );
        return EXIT_ERROR;
    }
    let Some(model) = &ws.model else {
        return EXIT_ERROR;
    };
    let today = match run_date(args.today.as_deref()) {
        Ok(d) => d,
        Err(code) => return code,
    };
    let record = ropa::build(model, today);
    let text = match args.format {
        RopaFormat::Markdown => ropa::to_markdown(&record),
        RopaFormat::Json => ropa::to_json(&record),
        RopaFormat::Csv => match ropa::to_csv(&record) {
            Ok(t) => t,
            Err(e) => return failed("write the record", &e),
        },
    };
    deliver(args.output.as_deref(), &text)
}

pub fn map(args: &MapArgs) -> u8 {
    let today = match run_date(args.today.as_deref()) {
        Ok(d) => d,
        Err(code) => return code,
    };
    let Checked { model, report, .. } =
        match checked(&args.common, &args.regulations, today, GateFlags::default()) {
            Ok(c) => c,
            Err(code) => return code,
        };
    let graph = map::build(&model, Some(&report));
    let text = match args.format {
        MapFormat::Dot => map::to_dot(&graph),
        MapFormat::Mermaid => map::to_mermaid(&graph),
        MapFormat::Svg => match map::to_svg(&graph) {
            Ok(svg) => svg,
            Err(e) => {
                sayln!("error: {e}");
                return EXIT_ERROR;
            }
        },
    };
    deliver(args.output.as_deref(), &text)
}

pub fn trend(args: &TrendArgs) -> u8 {
    // Commits are judged as of their own date unless a date is fixed.
    let fixed =
        args.today.is_some() || std::env::var("PRIVGATE_TODAY").is_ok_and(|v| !v.is_empty());
    let today = if fixed {
        match run_date(args.today.as_deref()) {
            Ok(d) => Some(d),
            Err(code) => return code,
        }
    } else {
        None
    };
    if args.last == 0 {
        sayln!("error: --last must be at least 1");
        return EXIT_ERROR;
    }
    if let Err(d) = WorkTree::open(&args.common.path) {
        emit_alone(d, &args.common);
        return EXIT_ERROR;
    }
    let options = trend::TrendOptions {
        last: args.last,
        load: load_options(&args.common, &args.regulations),
        today,
        gate: GateFlags::default(),
        head: None,
    };
    let t = match trend::trend(&args.common.path, &options) {
        Ok(t) => t,
        Err(d) => {
            emit_alone(d, &args.common);
            return EXIT_ERROR;
        }
    };
    let text = match args.format {
        TrendFormat::Table => trend::to_table(&t),
        TrendFormat::Json => trend::to_json(&t),
        TrendFormat::Csv => match trend::to_csv(&t) {
            Ok(s) => s,
            Err(e) => return failed("write the trend", &e),
        },
    };
    deliver(args.output.as_deref(), &text)
}

#[cfg(test)]
mod tests {
    use super::html_to_terminal;
    use std::path::Path;

    #[test]
    fn html_goes_to_a_terminal_only_when_stdout_is_one_and_no_file_is_named() {
        assert!(html_to_terminal(None, true));
        assert!(html_to_terminal(Some(Path::new("-")), true));
        assert!(!html_to_terminal(Some(Path::new("r.html")), true));
        assert!(!html_to_terminal(None, false));
        assert!(!html_to_terminal(Some(Path::new("-")), false));
    }
}
