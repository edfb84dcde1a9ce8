//! `privgate check` and `privgate score`.

use super::{emit, EXIT_ERROR, EXIT_FAIL, EXIT_OK};
use crate::cli::{CheckArgs, CommonArgs, Format};
use privgate::diagnostic::Code;
use privgate::diagnostic::{locate_all, Diagnostic, Level, Located};
use privgate::evaluate::{self, Checked, GateFlags};
use privgate::history::changes;
use privgate::load::git::GitTree;
use privgate::load::{LoadOptions, Workspace};
use privgate::render::{
    self,
    human::{self, Style},
};
use privgate::report::Report;
use std::collections::BTreeMap;
use std::path::Path;

/// Loads, checks and returns the result, or the exit code after printing
/// why it could not check.
pub fn produce(args: &CheckArgs) -> Result<Checked, u8> {
    produce_or_errors(args).map_err(|_| EXIT_ERROR)
}

/// Loads, checks and returns the result; when it could not check, prints
/// why on stderr and returns the errors, located, for the report formats.
fn produce_or_errors(args: &CheckArgs) -> Result<Checked, Vec<Located>> {
    let today = privgate::time::today(args.gate.today.as_deref()).map_err(|e| {
        sayln!("error: {e}");
        errors_of(
            &Default::default(),
            &[Diagnostic::error(Code::InvalidValue, e)],
        )
    })?;
    let options = LoadOptions {
        config_path: args.common.config.clone(),
        regulations: args.gate.regulations.clone(),
        // The base of `--changed-since` takes unchanged files from here.
        keep_parsed: args.changed_since.is_some(),
        reuse: None,
    };
    let gate = GateFlags::from(&args.gate);
    let fail = |d: Diagnostic| {
        let errors = errors_of(&Default::default(), std::slice::from_ref(&d));
        super::emit_alone(d, &args.common);
        errors
    };
    let head_tree = super::open_tree(&args.common, args.staged).map_err(fail)?;
    // Resolve the base first: a bad REV is an error before any work.
    let base_tree = match &args.changed_since {
        Some(rev) => Some((
            rev,
            GitTree::at_revision(&args.common.path, rev).map_err(fail)?,
        )),
        None => None,
    };
    let mut head = evaluate::check_tree(head_tree.as_ref(), &options, today, gate.clone())
        .map_err(|(ws, diags)| {
            super::remember_inputs(&args.common.path, args.common.config.as_deref(), &ws);
            emit(&ws, &diags, &args.common);
            summarize_errors(&diags);
            errors_of(&ws.sources, &diags)
        })?;
    if let Some((rev, base_tree)) = base_tree {
        changes::compare_with_base(
            &mut head,
            head_tree.as_ref(),
            rev,
            &base_tree,
            &options,
            today,
            &gate,
        );
    }
    Ok(head)
}

/// The errors among `diags`, located in `sources` and sorted by place as
/// the human output shows them (warnings stay on stderr).
fn errors_of(sources: &BTreeMap<String, String>, diags: &[Diagnostic]) -> Vec<Located> {
    let mut errors: Vec<Located> = locate_all(sources, diags)
        .into_iter()
        .filter(|d| d.level == Level::Error)
        .collect();
    errors.sort_by(|a, b| {
        (&a.position, &a.code, &a.message).cmp(&(&b.position, &b.code, &b.message))
    });
    errors
}

fn summarize_errors(diags: &[Diagnostic]) {
    let n = diags.iter().filter(|d| d.is_error()).count();
    sayln!(
        "could not check: {n} error{} found",
        privgate::text::plural(n)
    );
}

/// One report to write: a format and where (`None`: stdout).
type Output<'a> = (Format, Option<&'a Path>);

/// `--format` with `-o`, then the `--FORMAT-output FILE` extras: one run,
/// every report a CI job needs.
fn outputs(args: &CheckArgs) -> Vec<Output<'_>> {
    let mut all = vec![(args.format, args.output.as_deref())];
    let extras = [
        (Format::Sarif, &args.sarif_output),
        (Format::Json, &args.json_output),
        (Format::Junit, &args.junit_output),
        (Format::Markdown, &args.markdown_output),
    ];
    all.extend(
        extras
            .into_iter()
            .filter_map(|(f, path)| path.as_deref().map(|p| (f, Some(p)))),
    );
    all
}

/// Extra outputs go to files, each its own: two reports in one file, or
/// on stdout beside the main one, would be unreadable.
fn check_outputs(outputs: &[Output]) -> Result<(), String> {
    let mut seen: Vec<&Path> = Vec::new();
    for (i, (format, path)) in outputs.iter().enumerate() {
        let Some(path) = path else { continue };
        if i > 0 && path.as_os_str() == "-" {
            return Err(format!(
                "--{}-output needs a file; stdout is for --format's report",
                format!("{format:?}").to_lowercase()
            ));
        }
        if seen.contains(path) {
            return Err(format!(
                "`{}` is named for two reports; give each its own file",
                path.display()
            ));
        }
        seen.push(path);
    }
    Ok(())
}

/// Why no report can be written, when one of `outputs` is a file this run
/// read: checked before any is written, so none is half done.
fn spares_inputs(outputs: &[Output]) -> Option<String> {
    outputs
        .iter()
        .filter_map(|(_, p)| *p)
        .find_map(super::refuse_output)
}

pub fn check(args: &CheckArgs) -> u8 {
    let outputs = outputs(args);
    if let Err(e) = check_outputs(&outputs) {
        sayln!("error: {e}");
        return EXIT_ERROR;
    }
    let checked = match produce_or_errors(args) {
        Ok(v) => v,
        Err(errors) => {
            if let Some(why) = spares_inputs(&outputs) {
                sayln!("error: {why}");
                return EXIT_ERROR;
            }
            return deliver_errors(args, &outputs, &errors);
        }
    };
    super::remember_inputs(
        &args.common.path,
        args.common.config.as_deref(),
        &checked.workspace,
    );
    if let Some(why) = spares_inputs(&outputs) {
        sayln!("error: {why}");
        return EXIT_ERROR;
    }
    let t = privgate::timings::phase("render+write");
    let report = &checked.report;
    for w in &report.warnings {
        sayln!("warning: {}", human::printable(w));
    }
    let mut files = Vec::new();
    for &(format, path) in &outputs {
        let written = write_report(args, &checked, format, path);
        if written != EXIT_OK {
            return written;
        }
        if let Some(path) = path.filter(|p| p.as_os_str() != "-") {
            files.push(path.display().to_string());
        }
    }
    // With the reports in files, a red CI step still says why on its log.
    if !files.is_empty() && (!args.common.quiet || !report.gate.passed) {
        sayln!(
            "wrote {}: {}",
            files.join(", "),
            human::summary_line(report)
        );
    }
    drop(t);
    let code = if report.gate.passed {
        EXIT_OK
    } else {
        EXIT_FAIL
    };
    // The process ends next: freeing a large model piece by piece would
    // only delay the exit.
    std::mem::forget(checked);
    code
}

/// Renders the report in `format` and writes it to `path` (or stdout).
fn write_report(args: &CheckArgs, checked: &Checked, format: Format, path: Option<&Path>) -> u8 {
    let (ws, report) = (&checked.workspace, &checked.report);
    let machine_report;
    let machine = match config_renamed(args) {
        Some((given, root_relative)) if format != Format::Human => {
            machine_report = with_config_path(report, &given, &root_relative);
            &machine_report
        }
        _ => report,
    };
    let text = match format {
        Format::Json => render::json::report(machine),
        Format::Sarif => render::sarif::render(machine, &checked.rules, &sarif_prefix(args)),
        Format::Junit => render::junit::render(machine, &checked.outcomes()),
        Format::Markdown => render::markdown::render(machine),
        // Human text to a file: the same findings, plain, then the summary.
        Format::Human if path.is_some() => {
            let text = human::findings(
                report,
                &ws.sources,
                Style::plain(),
                &super::names(&args.common),
            );
            format!("{text}{}\n", human::summary_line(report))
        }
        Format::Human => return print_human(ws, report, &args.common),
    };
    super::deliver(path, &text)
}

/// `--config FILE` is given relative to where privgate runs, and human
/// output shows it so; the machine formats name files relative to the root.
/// The path as given and as the root sees it (`../../cfg/pg.yaml`), when
/// they differ.
fn config_renamed(args: &CheckArgs) -> Option<(String, String)> {
    let given = args.common.config.as_ref()?;
    let config = given.canonicalize().ok()?;
    let root = args.common.path.canonicalize().ok()?;
    let relative = relative_path(&root, &config);
    let given = given.display().to_string();
    (relative != given).then_some((given, relative))
}

/// `to` from `from`, both absolute, with `..` where needed, `/`-separated.
fn relative_path(from: &std::path::Path, to: &std::path::Path) -> String {
    let from: Vec<_> = from.components().collect();
    let to: Vec<_> = to.components().collect();
    let common = from.iter().zip(&to).take_while(|(a, b)| a == b).count();
    let up = std::iter::repeat_n("..".to_string(), from.len() - common);
    let down = to[common..]
        .iter()
        .map(|c| c.as_os_str().to_string_lossy().into_owned());
    up.chain(down).collect::<Vec<_>>().join("/")
}

/// The report with the config's findings named as the root sees the file,
/// re-sorted as cli.md sorts findings.
fn with_config_path(report: &Report, given: &str, relative: &str) -> Report {
    let mut out = report.clone();
    let rename = |f: &mut privgate::report::Finding| {
        if f.file == given {
            f.file = relative.to_string();
        }
    };
    out.findings.iter_mut().for_each(rename);
    privgate::report::sort_findings(&mut out.findings);
    if let Some(c) = &mut out.changes {
        c.new.iter_mut().chain(c.fixed.iter_mut()).for_each(rename);
    }
    out
}

/// Where the root sits in the git work tree (`apps/shop/`), which SARIF
/// locations start with; outside git, the root is as good a top as any.
fn sarif_prefix(args: &CheckArgs) -> String {
    privgate::load::git::open(&args.common.path).map_or(String::new(), |(_, p)| p)
}

/// When `check` could not check: SARIF, JUnit and Markdown still get a
/// document, carrying the errors, so CI steps that run whatever the exit
/// code (an upload, a step summary) have something to show. JSON has no
/// such document (cli.md's report needs a score); human output is the
/// diagnostics already on stderr. The exit code stays 2.
fn deliver_errors(args: &CheckArgs, outputs: &[Output], errors: &[Located]) -> u8 {
    let renamed: Vec<Located>;
    let errors = match config_renamed(args) {
        Some((given, relative)) => {
            renamed = errors
                .iter()
                .cloned()
                .map(|mut e| {
                    if let Some(p) = e.position.as_mut().filter(|p| p.file == given) {
                        p.file = relative.clone();
                    }
                    e
                })
                .collect();
            &renamed[..]
        }
        None => errors,
    };
    for &(format, path) in outputs {
        let text = match format {
            Format::Sarif => render::sarif::render_failure(errors, &sarif_prefix(args)),
            Format::Junit => render::junit::render_failure(errors),
            Format::Markdown => render::markdown::render_failure(errors),
            // No report: a report left by an earlier run must not pass for
            // this run's (a CI step would publish it).
            Format::Json | Format::Human => {
                remove_stale_output(path);
                continue;
            }
        };
        if super::deliver(path, &text) == EXIT_OK {
            if let Some(path) = path.filter(|p| p.as_os_str() != "-") {
                sayln!("wrote {}: could not check", path.display());
            }
        }
    }
    EXIT_ERROR
}

/// Removes `-o FILE` when it holds a JSON report of an earlier privgate
/// run (and nothing else: a file that is not one is left alone).
fn remove_stale_output(output: Option<&std::path::Path>) {
    let Some(path) = output.filter(|p| p.as_os_str() != "-") else {
        return;
    };
    if is_privgate_report(path) && std::fs::remove_file(path).is_ok() {
        sayln!(
            "removed `{}`, an earlier run's report: this run could not check",
            path.display()
        );
    }
}

/// Whether `path` is a regular file holding a privgate JSON report.
fn is_privgate_report(path: &std::path::Path) -> bool {
    // Reports of the largest repositories stay well under this.
    const MAX_REPORT_BYTES: u64 = 256 * 1024 * 1024;
    let regular =
        std::fs::symlink_metadata(path).is_ok_and(|m| m.is_file() && m.len() <= MAX_REPORT_BYTES);
    if !regular {
        return false;
    }
    let Ok(text) = std::fs::read_to_string(path) else {
        return false;
    };
    serde_json::from_str::<serde_json::Value>(&text).is_ok_and(|v| {
        v["tool"]["name"] == "privgate" && v["version"] == 1 && v.get("findings").is_some()
    })
}

fn print_human(ws: &Workspace, report: &Report, common: &CommonArgs) -> u8 {
    // `--quiet` prints only problems: nothing at all when the gate passes.
    if common.quiet && report.gate.passed {
        return EXIT_OK;
    }
    // The findings are the command's output, as a linter's are: on stdout,
    // so that `| less` and `> findings.txt` keep them; problems running
    // privgate (diagnostics, warnings) stay on stderr.
    let style = Style::detect_stdout(common.no_color);
    let text = human::findings(report, &ws.sources, style, &super::names(common));
    super::print_stdout(&format!("{text}{}\n", human::summary_line(report)))
}

pub fn score(args: &CheckArgs) -> u8 {
    let report = match produce(args) {
        Ok(v) => v.report,
        Err(code) => return code,
    };
    // An expired or unmatched waiver changes the score: say so, as `check`.
    for w in &report.warnings {
        sayln!("warning: {}", human::printable(w));
    }
    let text = match args.format {
        Format::Json => render::json::score(&report),
        Format::Human => human::score_table(&report),
        other => {
            let name = format!("{other:?}").to_lowercase();
            sayln!("error: `privgate score` writes human or json, not {name}; use `privgate check --format {name}`");
            return EXIT_ERROR;
        }
    };
    let code = super::deliver(args.output.as_deref(), &text);
    if code != EXIT_OK {
        return code;
    }
    if report.gate.passed {
        EXIT_OK
    } else {
        EXIT_FAIL
    }
}
