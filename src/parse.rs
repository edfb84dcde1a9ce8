//! Bytes to a JSON value, with the input limits of manifest.md checked before
//! anything else looks at the document: invalid UTF-8, empty files, nesting
//! depth and alias expansion. serde_yaml does the parsing; its own recursion
//! and repetition guards are what make the depth and alias limits hold, and
//! this module turns them into messages that name the limit.

use crate::diagnostic::{Diagnostic, Place};
use serde_json::Value;

/// Nesting depth serde_yaml accepts (its recursion limit).
pub const MAX_DEPTH: usize = 128;

/// A file that parsed: its text (kept for locating diagnostics later) and its
/// content as JSON.
pub struct Parsed {
    pub text: String,
    pub value: Value,
}

pub fn parse(path: &str, bytes: Vec<u8>) -> Result<Parsed, (Option<String>, Diagnostic)> {
    let text = match String::from_utf8(bytes) {
        Ok(text) => text,
        Err(err) => return Err((None, invalid_utf8(path, err))),
    };
    if is_blank(&text) {
        let d = Diagnostic::error("empty-file", "empty file: a manifest needs at least `version: 1`")
            .at(path, Place::File)
            .label("nothing here")
            .help("add `version: 1`, or delete the file");
        return Err((Some(text), d));
    }
    match yaml_to_json(path, &text) {
        Ok(value) => Ok(Parsed { text, value }),
        Err(d) => Err((Some(text), d)),
    }
}

/// Only whitespace, comments or an empty document marker.
fn is_blank(text: &str) -> bool {
    text.lines().all(|l| {
        let l = l.trim();
        l.is_empty() || l.starts_with('#') || l == "---" || l == "..."
    })
}

fn invalid_utf8(path: &str, err: std::string::FromUtf8Error) -> Diagnostic {
    let offset = err.utf8_error().valid_up_to();
    Diagnostic::error(
        "invalid-utf8",
        format!("file is not valid UTF-8 (invalid byte at offset {offset}); manifests must be UTF-8"),
    )
    .at(path, Place::Bytes { offset, len: 1 })
    .label("invalid byte")
    .help("re-save the file as UTF-8")
}

fn yaml_to_json(path: &str, text: &str) -> Result<Value, Diagnostic> {
    // serde_yaml::Value rejects duplicate keys, which serde_json::Value would
    // silently merge.
    let yaml: serde_yaml::Value = serde_yaml::from_str(text).map_err(|e| yaml_error(path, text, &e))?;
    serde_json::to_value(&yaml).map_err(|e| {
        Diagnostic::error(
            "yaml-syntax",
            format!("unsupported YAML content: {e} (privgate manifests use string keys and plain values)"),
        )
        .at(path, Place::File)
        .label("here")
    })
}

fn yaml_error(path: &str, text: &str, err: &serde_yaml::Error) -> Diagnostic {
    let raw = err.to_string();
    // serde_yaml appends " at line L column C"; we show the place ourselves.
    let reason = raw.split(" at line ").next().unwrap_or(&raw).to_string();
    let offset = err.location().map_or(0, |l| l.index()).min(text.len());
    let (code, message, help) = if reason.contains("recursion limit exceeded") {
        (
            "nesting-too-deep",
            format!("nesting deeper than the limit of {MAX_DEPTH} levels"),
            "manifests are shallow; this looks generated or hostile",
        )
    } else if reason.contains("repetition limit exceeded") {
        (
            "alias-expansion",
            "YAML aliases expand beyond the limit (a \"billion laughs\" document)".to_string(),
            "write the values out instead of nesting anchors and aliases",
        )
    } else {
        ("yaml-syntax", format!("YAML syntax error: {reason}"), "")
    };
    let d = Diagnostic::error(code, message)
        .label(if code == "yaml-syntax" { reason } else { "here".into() })
        .at(path, Place::Bytes { offset, len: 0 });
    if help.is_empty() {
        d
    } else {
        d.help(help)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(text: &str) -> Diagnostic {
        match parse("p.yaml", text.as_bytes().to_vec()) {
            Ok(_) => panic!("expected an error"),
            Err((_, d)) => d,
        }
    }

    #[test]
    fn empty_and_comment_only_files_are_empty() {
        assert_eq!(err("").code, "empty-file");
        assert_eq!(err("# just a comment\n\n").code, "empty-file");
    }

    #[test]
    fn deep_nesting_is_refused_by_name() {
        let deep = "[".repeat(20_000) + &"]".repeat(20_000);
        let d = err(&deep);
        assert_eq!(d.code, "nesting-too-deep");
        assert!(d.message.contains("128"));
    }

    #[test]
    fn billion_laughs_is_refused() {
        let mut text = String::from("a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n");
        let names = ["b", "c", "d", "e", "f", "g", "h", "i"];
        let mut prev = "a";
        for n in names {
            let refs = vec![format!("*{prev}"); 9].join(",");
            text.push_str(&format!("{n}: &{n} [{refs}]\n"));
            prev = n;
        }
        assert_eq!(err(&text).code, "alias-expansion");
    }

    #[test]
    fn duplicate_keys_are_errors() {
        let d = err("version: 1\nversion: 1\n");
        assert_eq!(d.code, "yaml-syntax");
        assert!(d.message.contains("duplicate"), "{}", d.message);
    }
}
