//! Diagnostics for people: miette's graphical report, with colour and Unicode
//! on a terminal and plain ASCII otherwise. The only module that knows miette.
//! Also every other human text: findings as diagnostics, the summary line,
//! `score`'s table and `rules`' list and explanations.

use crate::diagnostic::{Diagnostic, Level};
use crate::evaluate::catalog::Listed;
use crate::evaluate::rules::pack::Rule;
use crate::report::{Finding, Report};
use crate::span::Place;
use crate::span::{Location, Locator};
use crate::text::counted;
use miette::{
    GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteError, MietteSpanContents, Severity,
    SourceCode, SourceSpan, SpanContents,
};
use std::collections::BTreeMap;
use std::fmt;

/// Lines shown above and below the one a diagnostic points at.
const CONTEXT_LINES: usize = 1;
/// Longest source line shown whole; longer ones (minified or generated
/// files) are cut down to this many characters around the caret.
const MAX_LINE_CHARS: usize = 120;
const ELLIPSIS: &str = "...";

#[derive(Debug, Clone, Copy)]
pub struct Style {
    pub color: bool,
    pub unicode: bool,
}

impl Style {
    /// Colour and Unicode only on a terminal; plain ASCII with `NO_COLOR`,
    /// `--no-color`, or in CI (cli.md), where logs may not render either.
    /// For text on stderr (diagnostics, warnings).
    pub fn detect(no_color_flag: bool) -> Style {
        use std::io::IsTerminal;
        Style::for_terminal(std::io::stderr().is_terminal(), no_color_flag)
    }

    /// For text on stdout (the human report of findings).
    pub fn detect_stdout(no_color_flag: bool) -> Style {
        use std::io::IsTerminal;
        Style::for_terminal(std::io::stdout().is_terminal(), no_color_flag)
    }

    fn for_terminal(terminal: bool, no_color_flag: bool) -> Style {
        let set = |name: &str| std::env::var_os(name).is_some_and(|v| !v.is_empty());
        let fancy = terminal && !no_color_flag && !set("NO_COLOR") && !set("CI");
        Style {
            color: fancy,
            unicode: fancy,
        }
    }

    pub fn plain() -> Style {
        Style {
            color: false,
            unicode: false,
        }
    }

    fn theme(self) -> GraphicalTheme {
        match (self.unicode, self.color) {
            (true, true) => GraphicalTheme::unicode(),
            (true, false) => GraphicalTheme::unicode_nocolor(),
            _ => GraphicalTheme::none(),
        }
    }
}

/// How files are named to the reader: from where privgate was run, so that
/// `path:LINE:COL` opens as printed. Diagnostics name files relative to the
/// root; with the root given as `apps/shop` they show as `apps/shop/...`.
/// A file named on the command line (`--config ../privgate.yaml`) already
/// is relative to where privgate was run, and shows as given.
#[derive(Debug, Clone, Default)]
pub struct Names {
    /// The root as given, with a trailing `/`; empty for `.`.
    root: String,
    as_given: Option<String>,
}

impl Names {
    pub fn new(root: &std::path::Path, as_given: Option<&std::path::Path>) -> Names {
        let given = root.to_string_lossy();
        let trimmed = given.trim_end_matches('/');
        let root = match trimmed {
            "" if given.starts_with('/') => "/".to_string(),
            "" | "." => String::new(),
            r => format!("{r}/"),
        };
        Names {
            root,
            as_given: as_given.map(|p| p.display().to_string()),
        }
    }

    /// How `file` (as diagnostics name it) is shown.
    pub fn shown(&self, file: &str) -> String {
        if self.as_given.as_deref() == Some(file) || file.starts_with('/') {
            file.to_string()
        } else {
            format!("{}{file}", self.root)
        }
    }
}

pub use crate::diagnostic::{is_hazard, printable};

/// A source character as shown in an excerpt: a hazard becomes a visible
/// stand-in of the same UTF-8 length (`?`, `¤` or U+FFFD), so byte spans
/// into the excerpt stay right.
fn visible(c: char) -> char {
    if !is_hazard(c) {
        return c;
    }
    match c.len_utf8() {
        1 => '?',
        2 => '\u{A4}',
        _ => '\u{FFFD}',
    }
}

/// A diagnostic with its source attached, as miette wants it.
#[derive(Debug)]
struct Rendered {
    message: String,
    code: String,
    help: Option<String>,
    severity: Severity,
    source: Option<Excerpt>,
    labels: Vec<LabeledSpan>,
    related: Vec<Rendered>,
}

impl fmt::Display for Rendered {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Rendered {}

impl miette::Diagnostic for Rendered {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        // Related places ("first declared here") carry no code of their own.
        (!self.code.is_empty()).then(|| Box::new(&self.code) as Box<dyn fmt::Display>)
    }
    fn severity(&self) -> Option<Severity> {
        Some(self.severity)
    }
    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }
    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        self.source.as_ref().map(|s| s as &dyn miette::SourceCode)
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        if self.labels.is_empty() {
            None
        } else {
            Some(Box::new(self.labels.iter().cloned()))
        }
    }
    fn related<'a>(&'a self) -> Option<Box<dyn Iterator<Item = &'a dyn miette::Diagnostic> + 'a>> {
        if self.related.is_empty() {
            None
        } else {
            Some(Box::new(
                self.related.iter().map(|r| r as &dyn miette::Diagnostic),
            ))
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn report(
    locator: &mut Locator,
    names: &Names,
    file: Option<&str>,
    place: &crate::span::Place,
    message: String,
    label: &str,
    code: &str,
    severity: Severity,
) -> Rendered {
    let mut r = Rendered {
        message: printable(&message),
        code: code.to_string(),
        help: None,
        severity,
        source: None,
        labels: Vec::new(),
        related: Vec::new(),
    };
    let Some(file) = file else { return r };
    let loc = locator.locate(file, place);
    let shown = printable(&names.shown(file));
    match locator.source(file) {
        Some(text) => {
            let (excerpt, span) = Excerpt::new(&shown, text, &loc);
            r.source = Some(excerpt);
            let label = (!label.is_empty()).then(|| printable(label));
            r.labels.push(LabeledSpan::new_with_span(label, span));
        }
        // No text to show (unreadable file): say where in the message.
        None => r.message = format!("{shown}:{}:{}: {}", loc.line, loc.column, r.message),
    }
    r
}

/// The lines of a file around one location, as miette shows them: only the
/// lines it displays, long ones cut down around the caret, with the line
/// numbers and (character) column of the whole file.
#[derive(Debug)]
struct Excerpt {
    name: String,
    text: String,
    /// 0-based number, in the file, of the excerpt's first line.
    first_line: usize,
    /// 0-based line of the location within the excerpt.
    span_line: usize,
    /// 0-based character column of the location in the file.
    column: usize,
}

impl Excerpt {
    /// The excerpt around `loc` in `text`, and the span within it.
    fn new(name: &str, text: &str, loc: &Location) -> (Excerpt, SourceSpan) {
        let floor = |mut i: usize| {
            i = i.min(text.len());
            while !text.is_char_boundary(i) {
                i -= 1;
            }
            i
        };
        let start = floor(loc.offset);
        let end = floor(loc.offset.saturating_add(loc.len)).max(start);
        let line_start = |at: usize| text[..at].rfind('\n').map_or(0, |i| i + 1);
        let line_end = |at: usize| text[at..].find('\n').map_or(text.len(), |i| at + i);
        // Whole lines from CONTEXT_LINES above the start to as many below
        // the end.
        let mut from = line_start(start);
        let mut above = 0;
        while above < CONTEXT_LINES && from > 0 {
            from = line_start(from - 1);
            above += 1;
        }
        let mut to = line_end(end);
        for _ in 0..CONTEXT_LINES {
            if to >= text.len() {
                break;
            }
            to = line_end(to + 1);
        }
        let mut out = String::with_capacity(to - from);
        let (mut span_start, mut span_end) = (0, 0);
        let mut at = from;
        let mut first = true;
        while first || at <= to {
            first = false;
            let end_of_line = line_end(at);
            let line = &text[at..end_of_line];
            let line_offset = out.len();
            let holds = |i: usize| (at..=end_of_line).contains(&i);
            if line.chars().count() <= MAX_LINE_CHARS {
                out.push_str(line);
                if holds(start) {
                    span_start = line_offset + (start - at);
                }
                if holds(end) {
                    span_end = line_offset + (end - at);
                }
            } else {
                // A window of the line: around the location if it is on
                // this line, else its beginning.
                let col = if holds(start) {
                    text[at..start].chars().count()
                } else {
                    0
                };
                let skip = col.saturating_sub(MAX_LINE_CHARS / 2);
                let window: String = line.chars().skip(skip).take(MAX_LINE_CHARS).collect();
                let window_start = at + line.chars().take(skip).map(char::len_utf8).sum::<usize>();
                let window_end = window_start + window.len();
                if skip > 0 {
                    out.push_str(ELLIPSIS);
                }
                let shown = out.len();
                out.push_str(&window);
                if window_end < end_of_line {
                    out.push_str(ELLIPSIS);
                }
                if holds(start) {
                    span_start = shown + (start - window_start);
                    // A span running past the window stops at its end.
                    span_end = shown + (end.min(window_end) - window_start);
                }
            }
            if end_of_line >= text.len() {
                break;
            }
            out.push('\n');
            at = end_of_line + 1;
        }
        let span_end = span_end.max(span_start);
        // Same byte lengths, so the spans above still hold. A CR that ends
        // a line (a CRLF file) is a blank, not a hazard.
        let mut chars = out.chars().peekable();
        let mut shown_text = String::with_capacity(out.len());
        while let Some(c) = chars.next() {
            let line_end = matches!(chars.peek(), None | Some('\n'));
            shown_text.push(if c == '\r' && line_end {
                ' '
            } else {
                visible(c)
            });
        }
        let out = shown_text;
        let excerpt = Excerpt {
            name: name.to_string(),
            span_line: above,
            first_line: loc.line.saturating_sub(1 + above),
            column: loc.column.saturating_sub(1),
            text: out,
        };
        (
            excerpt,
            SourceSpan::new(span_start.into(), span_end - span_start),
        )
    }
}

impl SourceCode for Excerpt {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        let inner = self
            .text
            .read_span(span, context_lines_before, context_lines_after)?;
        // The `path:LINE:COL` heading reads the location without context;
        // miette counts bytes of the excerpt, people count characters of
        // the file.
        let column = if context_lines_before == 0
            && context_lines_after == 0
            && inner.line() == self.span_line
        {
            self.column
        } else {
            inner.column()
        };
        Ok(Box::new(MietteSpanContents::new_named(
            self.name.clone(),
            inner.data(),
            *inner.span(),
            inner.line() + self.first_line,
            column,
            inner.line_count(),
        )))
    }
}

/// Renders diagnostics, sorted by file and position, into one string.
pub fn render(
    diagnostics: &[Diagnostic],
    locator: &mut Locator,
    style: Style,
    names: &Names,
) -> String {
    let handler = GraphicalReportHandler::new_themed(style.theme())
        .with_show_related_as_nested(true)
        .with_width(100)
        .with_context_lines(CONTEXT_LINES);
    let mut located: Vec<(String, usize, usize, &Diagnostic)> = diagnostics
        .iter()
        .map(|d| {
            let file = d.file.clone().unwrap_or_default();
            let loc = locator.locate(&file, &d.place);
            (file, loc.line, loc.column, d)
        })
        .collect();
    located.sort_by(|a, b| (&a.0, a.1, a.2, &a.3.code).cmp(&(&b.0, b.1, b.2, &b.3.code)));
    let mut out = String::new();
    for (_, _, _, d) in located {
        let severity = match d.level {
            Level::Error => Severity::Error,
            Level::Warning => Severity::Warning,
            Level::Note => Severity::Advice,
        };
        let mut r = report(
            locator,
            names,
            d.file.as_deref(),
            &d.place,
            d.message.clone(),
            &d.label,
            &d.code,
            severity,
        );
        r.help = d.help.as_deref().map(printable);
        for rel in &d.related {
            let mut extra = report(
                locator,
                names,
                Some(&rel.file),
                &rel.place,
                rel.label.clone(),
                &rel.label,
                &d.code,
                Severity::Advice,
            );
            extra.code = String::new();
            r.related.push(extra);
        }
        let _ = handler.render_report(&mut out, &r);
        out.push('\n');
    }
    out
}

/// Findings as miette diagnostics, grouped per file in position order.
pub fn findings(
    report: &Report,
    sources: &BTreeMap<String, String>,
    style: Style,
    names: &Names,
) -> String {
    let lapsed = super::Lapsed::new(report);
    let diags: Vec<Diagnostic> = report
        .findings
        .iter()
        .map(|f| {
            let level = if f.waived {
                Level::Note
            } else if matches!(
                f.severity,
                crate::severity::Severity::Critical | crate::severity::Severity::High
            ) {
                Level::Error
            } else {
                Level::Warning
            };
            let mut help = format!("{} ({})", f.remediation, f.citation);
            if let Some(note) = lapsed.note(f) {
                // The separate warning says it once; here it is on the
                // finding it concerns.
                help = format!("{note}. {help}");
            }
            if let Some(w) = &f.waiver {
                help = format!(
                    "waived until {} by {}: {}",
                    w.expires, w.approved_by, w.reason
                );
            }
            Diagnostic::finding(
                level,
                &f.rule,
                format!(
                    "[{}]{} {}",
                    f.severity.name(),
                    new_tag(report, f),
                    f.message
                ),
            )
            .at(
                &f.file,
                Place::LineCol {
                    line: f.line,
                    column: f.column,
                },
            )
            .label(f.target.clone())
            .help(help)
        })
        .collect();
    let mut locator = Locator::new(sources);
    render(&diags, &mut locator, style, names)
}

/// " [new]" for findings this change introduced (pull-request mode).
fn new_tag(report: &Report, f: &Finding) -> &'static str {
    match &report.changes {
        Some(c) if c.new.iter().any(|n| n.identity() == f.identity()) => " [new]",
        _ => "",
    }
}

/// The one line every human output ends with: score, findings, gate.
pub fn summary_line(report: &Report) -> String {
    let regs: Vec<String> = report
        .score
        .by_regulation
        .iter()
        .map(|(k, v)| format!("{k} {v:.1}"))
        .collect();
    let s = &report.summary;
    let verdict = if report.gate.passed {
        "gate passed".to_string()
    } else {
        format!("gate FAILED: {}", report.gate.reasons.join(", "))
    };
    let delta = match &report.changes {
        Some(c) if !c.base_checked => format!(
            " - against {}: no delta (the base could not be checked; every finding counts as new), {} new",
            c.base_shown(),
            c.new.len()
        ),
        Some(c) => format!(
            " - against {}: {:+.1} (was {:.1}), {} new, {} fixed",
            c.base_shown(),
            c.score_delta,
            c.base_score,
            c.new.len(),
            c.fixed.len()
        ),
        None => String::new(),
    };
    format!(
        "score {:.1} ({}) [{}]{delta} - {} ({} critical, {} high, {} medium, {} low), {} waived, {} on {} in {} - {verdict}",
        report.score.overall,
        report.score.grade_shown(),
        regs.join(", "),
        counted(s.findings, "finding"),
        s.by_severity.get("critical").unwrap_or(&0),
        s.by_severity.get("high").unwrap_or(&0),
        s.by_severity.get("medium").unwrap_or(&0),
        s.by_severity.get("low").unwrap_or(&0),
        s.waived,
        counted(s.checks, "check"),
        counted(s.declarations, "declaration"),
        counted(s.manifests, "manifest"),
    )
}

/// `privgate score`'s table: the score per regulation, the gate, the KPIs.
pub fn score_table(report: &Report) -> String {
    let mut out = String::new();
    out.push_str(&format!("{:<30} {:>8}\n", "score", "value"));
    out.push_str(&format!(
        "{:<30} {:>8}\n",
        "overall",
        format!("{:.1} {}", report.score.overall, report.score.grade)
    ));
    if let Some(cap) = &report.score.grade_cap {
        out.push_str(&format!(
            "{:<30} {}\n",
            format!("grade capped at {}", cap.grade),
            cap.reason
        ));
    }
    for (reg, v) in &report.score.by_regulation {
        out.push_str(&format!("{:<30} {:>8.1}\n", reg, v));
    }
    let verdict = if report.gate.passed {
        "passed".to_string()
    } else {
        format!("FAILED: {}", report.gate.reasons.join(", "))
    };
    out.push_str(&format!("{:<30} {verdict}\n", "gate"));
    out.push('\n');
    out.push_str(&format!("{:<30} {:>8}\n", "kpi", "value"));
    for (k, v) in &report.kpis {
        let shown = match v {
            None => "n/a".to_string(),
            Some(v) if k.ends_with("_days") => format!("{v}"),
            Some(v) => format!("{:.0}%", v * 100.0),
        };
        out.push_str(&format!("{:<30} {:>8}\n", k, shown));
    }
    out
}

/// `privgate rules`: one line per rule, columns aligned.
pub fn rule_list(rules: &[Listed]) -> String {
    // Each column as wide as its widest entry: an organisation pack's
    // regulation may be longer than `gdpr` (in characters: padding counts
    // characters, not bytes).
    let width =
        |cells: &mut dyn Iterator<Item = &str>| cells.map(|c| c.chars().count()).max().unwrap_or(0);
    let id_w = width(&mut rules.iter().map(|l| l.rule.id.as_str()));
    let reg_w = width(&mut rules.iter().map(|l| l.rule.regulation.as_str()));
    let sev_w = width(&mut rules.iter().map(shown_severity));
    let mut out = String::new();
    for l in rules {
        let r = &l.rule;
        out.push_str(&format!(
            "{:<id_w$}  {:<reg_w$}  {:<sev_w$}  {}  [{}]\n",
            r.id,
            r.regulation,
            shown_severity(l),
            r.title,
            r.citation
        ));
    }
    out
}

/// The severity in force, or `off` for a rule the config turns off.
fn shown_severity(l: &Listed) -> &'static str {
    if l.enabled {
        l.rule.severity.name()
    } else {
        "off"
    }
}

/// `explain`, with what this repository's config changes.
pub fn explain_listed(l: &Listed) -> String {
    let mut out = explain(&l.rule);
    if !l.enabled {
        // Where the eye looks first, as `privgate rules` shows it.
        let line = format!("severity:   {}\n", l.rule.severity.name());
        out = out.replacen(
            &line,
            &format!("severity:   off ({} when on)\n", l.rule.severity.name()),
            1,
        );
    }
    let mut notes = Vec::new();
    if let Some(s) = l.pack_severity {
        notes.push(format!(
            "severity {} is set in this repository's privgate.yaml; the pack says {s}",
            l.rule.severity.name()
        ));
    }
    if !l.enabled {
        notes.push("turned off in this repository's privgate.yaml".to_string());
    }
    if !notes.is_empty() {
        out.push_str(&format!(
            "\n## In this repository\n- {}\n",
            notes.join("\n- ")
        ));
    }
    out
}

/// One rule in full, in ruff's sections.
pub fn explain(r: &Rule) -> String {
    let targets: Vec<&str> = r.checks.iter().map(|c| c.target.name()).collect();
    let mut out = format!(
        "{id}: {title}\n\nregulation: {reg}\ncitation:   {cit}\nseverity:   {sev}\ntarget:     {targets}\nstatus:     {status}\n{applies}\n",
        id = r.id,
        title = r.title,
        reg = r.regulation,
        cit = r.citation,
        sev = r.severity.name(),
        targets = targets.join(", "),
        status = r.status.name(),
        // Before the day, the rule is not checked: said where it is read.
        applies = r.applies_from.map_or(String::new(), |d| format!(
            "applies:    from {d} (not checked or scored before)\n"
        )),
    );
    // Where its findings point, when a check names the field at fault.
    let fields: Vec<String> = r
        .checks
        .iter()
        .filter_map(|c| {
            let at = c.at.as_deref()?.trim_start_matches('/').replace('/', ".");
            Some(format!("{} `{at}`", c.target.name()))
        })
        .collect();
    if !fields.is_empty() {
        out.insert_str(
            out.len() - 1,
            &format!(
                "points at:  {} (the declaration's id when not written)\n",
                fields.join(", ")
            ),
        );
    }
    out.push_str(&format!("## Why it matters\n{}\n\n", r.rationale));
    out.push_str(&format!("## How to fix\n{}\n\n", r.remediation));
    out.push_str(&format!("## Example\n{}\n", r.example.trim_end()));
    if !r.references.is_empty() {
        out.push_str("\n## References\n");
        for link in &r.references {
            out.push_str(&format!("- {link}\n"));
        }
    }
    out
}
