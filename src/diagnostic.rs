//! Located problems, as plain data. Every stage reports what it finds here;
//! only the renderer (`render::human`) turns them into miette reports, and
//! only then are places (JSON pointers, byte offsets) turned into line and
//! column, so clean files never pay for it.

use crate::span::Place;
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Error,
    Warning,
    /// Shown for information (a waived finding); never fails a run.
    Note,
}

/// Every diagnostic code, one place: `privgate validate --format json`
/// prints them and CI scripts match on them, so a code never changes.
macro_rules! codes {
    ($($variant:ident => $text:literal,)*) => {
        /// A diagnostic's stable kebab-case code.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Code {
            $($variant,)*
        }
        impl Code {
            /// Every code, in the order declared.
            pub const ALL: &'static [Code] = &[$(Code::$variant,)*];
            /// The code as printed (`dangling-reference`).
            pub fn as_str(self) -> &'static str {
                match self {
                    $(Code::$variant => $text,)*
                }
            }
        }
    };
}

codes! {
    AliasExpansion => "alias-expansion",
    AmbiguousRule => "ambiguous-rule",
    BadCountry => "bad-country",
    BadDate => "bad-date",
    BadDuration => "bad-duration",
    BadGlob => "bad-glob",
    BadRevision => "bad-revision",
    ConfigAboveRoot => "config-above-root",
    DanglingReference => "dangling-reference",
    DependencyFile => "dependency-file",
    DuplicateDeclaration => "duplicate-declaration",
    DuplicateId => "duplicate-id",
    DuplicateRule => "duplicate-rule",
    DuplicateSystem => "duplicate-system",
    DuplicateWaiver => "duplicate-waiver",
    EditorSchema => "editor-schema",
    EmptyFile => "empty-file",
    FileTooLarge => "file-too-large",
    Git => "git",
    Internal => "internal",
    InvalidUtf8 => "invalid-utf8",
    InvalidValue => "invalid-value",
    LinkLeftOut => "link-left-out",
    MisnamedConfig => "misnamed-config",
    MissingField => "missing-field",
    MissingRulepack => "missing-rulepack",
    MissingVersion => "missing-version",
    NestingTooDeep => "nesting-too-deep",
    NotAGitRepository => "not-a-git-repository",
    PathEscapesRoot => "path-escapes-root",
    ReservedRuleId => "reserved-rule-id",
    RulePack => "rule-pack",
    RuleRuntime => "rule-runtime",
    RuleSyntax => "rule-syntax",
    RuleTooComplex => "rule-too-complex",
    RuleTypeMismatch => "rule-type-mismatch",
    RuleUnknownIdentifier => "rule-unknown-identifier",
    RuleWrongArguments => "rule-wrong-arguments",
    SecondConfig => "second-config",
    SymlinkLoop => "symlink-loop",
    TooManyDeclarations => "too-many-declarations",
    TooManyFindings => "too-many-findings",
    UnknownCatalogEntry => "unknown-catalog-entry",
    UnknownCategory => "unknown-category",
    UnknownField => "unknown-field",
    UnknownRegulation => "unknown-regulation",
    UnknownRule => "unknown-rule",
    UnknownSubject => "unknown-subject",
    UnmatchedGlob => "unmatched-glob",
    UnreadablePath => "unreadable-path",
    UnspecificCategory => "unspecific-category",
    UnsupportedVersion => "unsupported-version",
    UnusedIgnore => "unused-ignore",
    WaiverMatchesNothing => "waiver-matches-nothing",
    WaiverTooLong => "waiver-too-long",
    WrongType => "wrong-type",
    YamlSyntax => "yaml-syntax",
}

/// A second place that explains the first ("first declared here").
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Related {
    pub file: String,
    pub place: Place,
    pub label: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    pub level: Level,
    /// Stable kebab-case code (`dangling-reference`), or a rule id for findings.
    pub code: String,
    /// Repository-relative path with `/`; `None` for problems with no file
    /// (a bad flag, an unreadable root).
    pub file: Option<String>,
    pub place: Place,
    pub message: String,
    /// Short text under the caret.
    pub label: String,
    pub help: Option<String>,
    pub related: Vec<Related>,
}

impl Diagnostic {
    pub fn error(code: Code, message: impl Into<String>) -> Self {
        Diagnostic::with_code(Level::Error, code.as_str().to_string(), message.into())
    }

    /// A finding shown as a diagnostic: its rule id is the code.
    pub fn finding(level: Level, rule: &str, message: impl Into<String>) -> Self {
        Diagnostic::with_code(level, rule.to_string(), message.into())
    }

    fn with_code(level: Level, code: String, message: String) -> Self {
        let message = bounded(message);
        Diagnostic {
            level,
            code,
            file: None,
            place: Place::File,
            label: String::new(),
            message,
            help: None,
            related: Vec::new(),
        }
    }

    pub fn warning(code: Code, message: impl Into<String>) -> Self {
        Diagnostic::with_code(Level::Warning, code.as_str().to_string(), message.into())
    }

    /// Whether this is a diagnostic of `code`.
    pub fn is(&self, code: Code) -> bool {
        self.code == code.as_str()
    }

    pub fn at(mut self, file: impl Into<String>, place: Place) -> Self {
        self.file = Some(file.into());
        self.place = place;
        self
    }

    pub fn label(mut self, label: impl Into<String>) -> Self {
        self.label = bounded(label.into());
        self
    }

    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(bounded(help.into()));
        self
    }

    pub fn help_opt(mut self, help: Option<String>) -> Self {
        self.help = help.map(bounded);
        self
    }

    pub fn related(
        mut self,
        file: impl Into<String>,
        place: Place,
        label: impl Into<String>,
    ) -> Self {
        self.related.push(Related {
            file: file.into(),
            place,
            label: label.into(),
        });
        self
    }

    pub fn is_error(&self) -> bool {
        self.level == Level::Error
    }
}

/// A place as people and CI annotate it: a repository-relative file and a
/// 1-based line and column, written `path:LINE:COL`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Position {
    pub file: String,
    pub line: usize,
    pub column: usize,
}

impl std::fmt::Display for Position {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}:{}", self.file, self.line, self.column)
    }
}

/// A diagnostic with its place turned into a line and column, for the
/// formats that carry places as numbers (`validate --format json`, and the
/// documents `check` writes when it could not check).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Located {
    pub level: Level,
    pub code: String,
    pub message: String,
    pub help: Option<String>,
    /// `None` for problems with no file (a bad flag, an unreadable root).
    pub position: Option<Position>,
}

/// A warning as the report's `warnings` list holds it: `file:line:col:
/// message` (`file: message` for a whole file, the message alone without
/// one).
pub fn warning_line(
    sources: &std::collections::BTreeMap<String, String>,
    d: &Diagnostic,
) -> String {
    match (&d.file, &d.place) {
        (Some(f), Place::File) => format!("{f}: {}", d.message),
        (Some(f), place) => {
            let at = crate::span::Locator::new(sources)
                .locate_all(f, std::slice::from_ref(place))
                .pop()
                .unwrap_or_else(crate::span::Location::start);
            format!("{f}:{}:{}: {}", at.line, at.column, d.message)
        }
        (None, _) => d.message.clone(),
    }
}

/// Every diagnostic located in `sources` (the texts of the files read), in
/// the order given. A file whose text is not known is placed at 1:1.
pub fn locate_all(
    sources: &std::collections::BTreeMap<String, String>,
    diagnostics: &[Diagnostic],
) -> Vec<Located> {
    let mut locator = crate::span::Locator::new(sources);
    diagnostics
        .iter()
        .map(|d| Located {
            level: d.level,
            code: d.code.clone(),
            message: d.message.clone(),
            help: d.help.clone(),
            position: d.file.as_ref().map(|file| {
                let loc = locator.locate(file, &d.place);
                Position {
                    file: file.clone(),
                    line: loc.line,
                    column: loc.column,
                }
            }),
        })
        .collect()
}

/// "did you mean `x`?" for a near miss among `candidates`, if one is close.
pub fn did_you_mean<'a>(
    found: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<String> {
    closest(found, candidates).map(|c| format!("did you mean `{c}`?"))
}

/// The longest text `closest` looks for a near match of.
pub const MAX_TYPO_BYTES: usize = 256;

/// The candidate closest to `found`, when it is close enough to be a typo.
pub fn closest<'a>(found: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    // No typo is this long, and comparing takes time in the product of
    // the lengths: a 5 MB value against the taxonomy took 28 s.
    if found.len() > MAX_TYPO_BYTES {
        return None;
    }
    let mut best: Option<(f64, &str)> = None;
    // Case is the commonest slip (`SLA`, `GDPR`): compared without it, a
    // word that differs only in case is the closest there is.
    let found = found.to_lowercase();
    for c in candidates {
        let score = strsim::jaro_winkler(&found, &c.to_lowercase());
        if score >= 0.8 && best.is_none_or(|(b, _)| score > b) {
            best = Some((score, c));
        }
    }
    best.map(|(_, c)| c)
}

/// Whether printing `c` as it is could mislead: control characters (an
/// escape sequence can clear or retitle a terminal, or fake a line of
/// output) and the bidirectional controls that reorder what a reviewer
/// sees. Line breaks and tabs are layout, not tricks.
pub fn is_hazard(c: char) -> bool {
    (c.is_control() && c != '\n' && c != '\t')
        || matches!(c, '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// Text from the files (ids, keys, values in messages) made safe to print:
/// hazards written as escapes (`\u{1b}`), line breaks as `\n`.
/// The most characters of an input value a message quotes: a 5 MB
/// category echoed whole made its diagnostic the output.
pub const MAX_QUOTED_CHARS: usize = 120;

/// `text` as a message quotes it: at most `MAX_QUOTED_CHARS` characters,
/// then how long it was.
pub fn excerpt(text: &str) -> String {
    match text.char_indices().nth(MAX_QUOTED_CHARS) {
        Some((cut, _)) => format!("{}... ({} characters)", &text[..cut], text.chars().count()),
        None => text.to_string(),
    }
}

/// `text` with every `quoted` part longer than `MAX_QUOTED_CHARS` cut
/// down (`excerpt`): messages quote inputs in backticks, and an input can
/// be megabytes long.
pub fn bounded(text: String) -> String {
    if text.len() <= MAX_QUOTED_CHARS {
        return text;
    }
    let parts: Vec<&str> = text.split('`').collect();
    if parts
        .iter()
        .skip(1)
        .step_by(2)
        .all(|q| q.len() <= MAX_QUOTED_CHARS)
    {
        return text;
    }
    parts
        .iter()
        .enumerate()
        .map(|(i, part)| {
            if i % 2 == 1 {
                excerpt(part)
            } else {
                part.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("`")
}

pub fn printable(text: &str) -> String {
    if !text.chars().any(|c| is_hazard(c) || c == '\n') {
        return text.to_string();
    }
    text.chars()
        .map(|c| match c {
            '\n' => "\\n".to_string(),
            c if is_hazard(c) => c.escape_unicode().to_string(),
            c => c.to_string(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn every_code_is_unique_and_kebab_case() {
        let mut seen = BTreeSet::new();
        for code in Code::ALL {
            let text = code.as_str();
            assert!(seen.insert(text), "`{text}` is the code of two variants");
            assert!(
                !text.is_empty()
                    && !text.starts_with('-')
                    && !text.ends_with('-')
                    && !text.contains("--")
                    && text
                        .chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'),
                "`{text}` is not kebab-case"
            );
        }
    }

    #[test]
    fn a_finding_keeps_its_rule_id_as_its_code() {
        let d = Diagnostic::finding(Level::Note, "gdpr.lawful-basis", "waived");
        assert_eq!(d.code, "gdpr.lawful-basis");
        assert!(Diagnostic::error(Code::BadGlob, "x").is(Code::BadGlob));
    }
}
