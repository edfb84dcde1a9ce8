//! Diagnostics for people: miette's graphical report, with colour and Unicode
//! on a terminal and plain ASCII otherwise. The only module that knows miette.

use crate::diagnostic::{Diagnostic, Level};
use crate::span::Locator;
use miette::{GraphicalReportHandler, GraphicalTheme, LabeledSpan, NamedSource, Severity, SourceSpan};
use std::fmt;

#[derive(Debug, Clone, Copy)]
pub struct Style {
    pub color: bool,
    pub unicode: bool,
}

impl Style {
    /// Colour and Unicode only on a terminal, and never with `NO_COLOR` or
    /// `--no-color`.
    pub fn detect(no_color_flag: bool) -> Style {
        use std::io::IsTerminal;
        let tty = std::io::stderr().is_terminal();
        let no_color = no_color_flag || std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        Style {
            color: tty && !no_color,
            unicode: tty,
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

/// A diagnostic with its source attached, as miette wants it.
#[derive(Debug)]
struct Report {
    message: String,
    code: String,
    help: Option<String>,
    severity: Severity,
    source: Option<NamedSource<String>>,
    labels: Vec<LabeledSpan>,
    related: Vec<Report>,
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Report {}

impl miette::Diagnostic for Report {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new(&self.code))
    }
    fn severity(&self) -> Option<Severity> {
        Some(self.severity)
    }
    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.help.as_ref().map(|h| Box::new(h) as Box<dyn fmt::Display>)
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
            Some(Box::new(self.related.iter().map(|r| r as &dyn miette::Diagnostic)))
        }
    }
}

fn report(
    locator: &mut Locator,
    file: Option<&str>,
    place: &crate::diagnostic::Place,
    message: String,
    label: &str,
    code: &str,
    severity: Severity,
) -> Report {
    let mut r = Report {
        message,
        code: code.to_string(),
        help: None,
        severity,
        source: None,
        labels: Vec::new(),
        related: Vec::new(),
    };
    let Some(file) = file else { return r };
    let loc = locator.locate(file, place);
    match locator.source(file) {
        Some(text) => {
            r.source = Some(NamedSource::new(file, text.to_string()));
            let span = SourceSpan::new(loc.offset.into(), loc.len);
            let label = (!label.is_empty()).then(|| label.to_string());
            r.labels.push(LabeledSpan::new_with_span(label, span));
        }
        // No text to show (unreadable file): say where in the message.
        None => r.message = format!("{file}:{}:{}: {}", loc.line, loc.column, r.message),
    }
    r
}

/// Renders diagnostics, sorted by file and position, into one string.
pub fn render(diagnostics: &[Diagnostic], locator: &mut Locator, style: Style) -> String {
    let handler = GraphicalReportHandler::new_themed(style.theme()).with_width(100);
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
        let mut r = report(locator, d.file.as_deref(), &d.place, d.message.clone(), &d.label, &d.code, severity);
        r.help = d.help.clone();
        for rel in &d.related {
            let mut extra = report(
                locator,
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
