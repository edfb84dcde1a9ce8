//! `go.mod`, read by `gomod-parser` (a winnow grammar of the whole file,
//! `tool` and `ignore` directives included), which keeps the byte range of
//! every required module path. Requirements marked `// indirect` are the
//! module graph's, not the code's, and are left out.

use super::{dep_at, Dependency, Ecosystem, Malformed};
use gomod_parser::GoMod;
use std::str::FromStr;

pub(super) fn go_mod(text: &str) -> Result<Vec<Dependency>, Malformed> {
    let parsed = GoMod::from_str(text).map_err(|e| malformed(text, &e))?;
    Ok(parsed
        .require
        .iter()
        .filter(|r| !r.indirect)
        .map(|r| {
            let span = &r.module.path_span;
            // A quoted path's span starts at its quote.
            let start = match text.get(span.start..) {
                Some(rest) if rest.starts_with(['"', '`']) => span.start + 1,
                _ => span.start,
            };
            dep_at(
                text,
                Ecosystem::Go,
                r.module.module_path.trim_matches(['"', '`']),
                start,
            )
        })
        .collect())
}

/// gomod-parser gives its error as winnow's rendering: "parse error at line
/// L, column C" over an excerpt with a caret (or, for a one-line input, the
/// excerpt and the caret alone), then what was expected.
fn malformed(text: &str, rendered: &str) -> Malformed {
    let mut lines = rendered.lines();
    let first = lines.next().unwrap_or("");
    let (line, column) = match first.strip_prefix("parse error at line ") {
        Some(rest) => {
            let mut numbers = rest
                .split(", column ")
                .map(|n| n.trim().parse::<usize>().ok());
            match (numbers.next().flatten(), numbers.next().flatten()) {
                (Some(l), Some(c)) => (l, c),
                _ => (1, 1),
            }
        }
        None => {
            let caret = lines.next().and_then(|l| l.find('^')).unwrap_or(0);
            (1, caret + 1)
        }
    };
    let expected = rendered
        .lines()
        .skip_while(|l| !l.contains('^'))
        .skip(1)
        .collect::<Vec<_>>()
        .join(" ");
    let message = if expected.trim().is_empty() {
        "go.mod syntax error".to_string()
    } else {
        format!("go.mod syntax error: {}", expected.trim())
    };
    let line = line.clamp(1, text.lines().count().max(1));
    Malformed {
        line,
        column: column.max(1),
        message,
    }
}

#[cfg(test)]
mod tests {
    use crate::load::deps::tests::located;
    use crate::load::deps::{parse, WarningKind};

    #[test]
    fn go_mod_reads_direct_requirements_and_skips_indirect_ones() {
        let text = "\
module example.com/shop

go 1.24

require github.com/stripe/stripe-go/v76 v76.25.0

require (
\tgithub.com/getsentry/sentry-go v0.27.0
\tgolang.org/x/net v0.20.0 // indirect
\tcloud.google.com/go/storage v1.40.0
)

tool golang.org/x/tools/cmd/stringer

replace example.com/old => example.com/new v1.0.0
";
        let deps = parse("svc/go.mod", text.as_bytes()).unwrap();
        assert_eq!(
            located(&deps),
            [
                ("github.com/stripe/stripe-go/v76", 5, 9),
                ("github.com/getsentry/sentry-go", 8, 2),
                ("cloud.google.com/go/storage", 10, 2),
            ]
        );
    }

    #[test]
    fn a_go_mod_that_does_not_parse_is_malformed_with_a_line() {
        let text = "module example.com/shop\n\nrequire (\n\tgithub.com/a/b\n";
        let warning = parse("go.mod", text.as_bytes()).unwrap_err();
        assert_eq!(warning.kind, WarningKind::Malformed);
        assert!(warning.line >= 3, "{warning}");
    }
}
