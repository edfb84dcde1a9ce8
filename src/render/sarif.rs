//! SARIF 2.1.0 for code scanning: one `reportingDescriptor` per rule that
//! ran, one result per finding, fingerprints from rule + target so findings
//! are tracked across commits whatever line they move to, waived findings as
//! accepted suppressions.

use crate::diagnostic::{Located, Position};
use crate::evaluate::rules::pack::Rule;
use crate::report::{Finding, Report};
use crate::severity::Severity;
use serde::Serialize;
use serde_json::{json, Value};
use std::collections::BTreeSet;

/// GitHub's `security-severity` scale (0-10) for each severity.
fn security_severity(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "9.5",
        Severity::High => "7.5",
        Severity::Medium => "5.0",
        Severity::Low => "2.0",
    }
}

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low => "note",
    }
}

/// The stable identity of a finding across commits.
pub fn fingerprint(f: &Finding) -> String {
    format!("{}:{}", f.rule, f.target)
}

fn descriptor(r: &Rule) -> Value {
    let help = format!("{}\n\nExample:\n{}", r.remediation, r.example.trim_end());
    let markdown = format!(
        "**{}** ({})\n\n{}\n\n**How to fix:** {}\n\n```yaml\n{}\n```",
        r.title,
        r.citation,
        r.rationale,
        r.remediation,
        r.example.trim_end()
    );
    let mut d = json!({
        "id": r.id,
        "name": r.id.replace(['.', '-'], "_"),
        "shortDescription": { "text": r.title },
        "fullDescription": { "text": format!("{} ({})", r.rationale, r.citation) },
        "help": { "text": help, "markdown": markdown },
        "defaultConfiguration": { "level": level(r.severity) },
        "properties": {
            "security-severity": security_severity(r.severity),
            "precision": "high",
            "tags": ["privacy", r.regulation.as_str(), r.severity.name()],
            "citation": r.citation,
        },
    });
    // `helpUri` must be an absolute URI; an organisation pack may list a
    // reference that is not one ("wiki page 42"), which would make the log
    // invalid, so the first reference that is a URI is used.
    if let Some(uri) = r.references.iter().find(|u| is_absolute_uri(u)) {
        d["helpUri"] = json!(uri);
    }
    d
}

/// `scheme:rest` (RFC 3986) with nothing in `rest` a URI cannot carry as is.
fn is_absolute_uri(s: &str) -> bool {
    let Some((scheme, rest)) = s.split_once(':') else {
        return false;
    };
    let mut chars = scheme.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
        && !rest.is_empty()
        && rest
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-._~:/?#[]@!$&'()*+,;=%".contains(c))
}

/// A repository-relative path as a URI reference: every byte other than
/// unreserved characters and `/` percent-encoded (spaces, `#`, `%`,
/// non-ASCII letters), as SARIF requires; consumers decode it back.
pub fn path_uri(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'/') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// `a/b/../c` as `a/c`: a config named from the root (`../cfg/pg.yaml`)
/// under the root's place in the repository (`apps/shop/`).
fn lexically_normal(path: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            ".." if parts.last().is_some_and(|p| *p != "..") => {
                parts.pop();
            }
            "." => {}
            other => parts.push(other),
        }
    }
    parts.join("/")
}

// The results, typed and borrowed from the report: a large run has tens of
// thousands of them, which as a `serde_json::Value` tree took several
// hundred megabytes on the way to text. Field order is SARIF's usual one.

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult<'a> {
    rule_id: &'a str,
    level: &'static str,
    message: Text,
    locations: [ResultLocation<'a>; 1],
    partial_fingerprints: Fingerprints,
    properties: ResultProperties<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    rule_index: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    suppressions: Option<[Suppression; 1]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    baseline_state: Option<&'static str>,
}

#[derive(Serialize)]
struct Text {
    text: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ResultLocation<'a> {
    physical_location: PhysicalLocation,
    logical_locations: [LogicalLocation<'a>; 1],
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PhysicalLocation {
    artifact_location: ArtifactLocation,
    region: Region,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ArtifactLocation {
    uri: String,
    uri_base_id: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Region {
    start_line: usize,
    start_column: usize,
}

#[derive(Serialize)]
struct LogicalLocation<'a> {
    name: &'a str,
    kind: &'static str,
}

#[derive(Serialize)]
struct Fingerprints {
    #[serde(rename = "privgateFinding/v1")]
    finding: String,
}

#[derive(Serialize)]
struct ResultProperties<'a> {
    target: &'a str,
    severity: &'a str,
}

#[derive(Serialize)]
struct Suppression {
    kind: &'static str,
    status: &'static str,
    justification: String,
}

/// One run of the log: the tool and its rules, and the results.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Run<'a> {
    tool: Value,
    original_uri_base_ids: Value,
    column_kind: &'static str,
    results: Vec<SarifResult<'a>>,
    properties: Value,
}

/// A file, line and column as a SARIF `physicalLocation`, the file relative
/// to the top of the repository.
fn physical_location(file: &str, line: usize, column: usize, uri_prefix: &str) -> PhysicalLocation {
    PhysicalLocation {
        artifact_location: ArtifactLocation {
            uri: path_uri(&lexically_normal(&format!("{uri_prefix}{file}"))),
            uri_base_id: "%SRCROOT%",
        },
        region: Region {
            start_line: line,
            start_column: column,
        },
    }
}

fn result<'a>(f: &'a Finding, rule_index: Option<usize>, uri_prefix: &str) -> SarifResult<'a> {
    SarifResult {
        rule_id: &f.rule,
        level: level(f.severity),
        message: Text {
            text: format!("{} ({}). {}", f.message, f.citation, f.remediation),
        },
        locations: [ResultLocation {
            physical_location: physical_location(&f.file, f.line, f.column, uri_prefix),
            logical_locations: [LogicalLocation {
                name: &f.target,
                kind: "declaration",
            }],
        }],
        partial_fingerprints: Fingerprints {
            finding: fingerprint(f),
        },
        properties: ResultProperties {
            target: &f.target,
            severity: f.severity.name(),
        },
        rule_index,
        suppressions: f.waiver.as_ref().map(|w| {
            [Suppression {
                kind: "external",
                status: "accepted",
                justification: format!(
                    "{} (approved by {}, expires {})",
                    w.reason, w.approved_by, w.expires
                ),
            }]
        }),
        baseline_state: None,
    }
}

/// The SARIF log. `uri_prefix` is where privgate's root sits in the git
/// work tree (`apps/shop/`, or empty): code scanning reads locations
/// relative to the top of the repository, not to a subdirectory.
pub fn render(report: &Report, rules: &[Rule], uri_prefix: &str) -> String {
    // In pull-request mode each result says whether the change brought it
    // (`new`) or the base had it (`unchanged`), as SARIF's baselineState.
    let new: Option<std::collections::BTreeSet<(&str, &str)>> = report.changes.as_ref().map(|c| {
        c.new
            .iter()
            .map(|f| (f.rule.as_str(), f.target.as_str()))
            .collect()
    });
    let results: Vec<SarifResult> = report
        .findings
        .iter()
        .map(|f| {
            let mut r = result(f, rules.iter().position(|r| r.id == f.rule), uri_prefix);
            r.baseline_state = new.as_ref().map(|new| {
                if new.contains(&(f.rule.as_str(), f.target.as_str())) {
                    "new"
                } else {
                    "unchanged"
                }
            });
            r
        })
        .collect();
    let run = Run {
        tool: tool(&report.tool.version, rules.iter().map(descriptor).collect()),
        original_uri_base_ids: original_uri_base_ids(),
        // Columns are counted in characters, as privgate's other outputs
        // count them; SARIF's default would be UTF-16 code units.
        column_kind: "unicodeCodePoints",
        results,
        properties: json!({
            "score": report.score.overall,
            "grade": report.score.grade,
            // `{ "grade": "D", "reason": "1 critical finding" }` when the
            // worst unwaived finding lowered the grade, else null.
            "gradeCap": report.score.grade_cap,
            "gatePassed": report.gate.passed,
        }),
    };
    log(run)
}

fn tool(version: &str, rules: Vec<Value>) -> Value {
    json!({ "driver": {
        "name": "privgate",
        "version": version,
        "informationUri": "https://github.com/privgate/privgate",
        "rules": rules,
    }})
}

fn original_uri_base_ids() -> Value {
    json!({ "%SRCROOT%": { "description": { "text": "The top of the repository privgate checked." } } })
}

/// The whole log around one run, as text.
fn log<R: Serialize>(run: R) -> String {
    #[derive(Serialize)]
    struct Log<R> {
        #[serde(rename = "$schema")]
        schema: &'static str,
        version: &'static str,
        runs: [R; 1],
    }
    let doc = Log {
        schema: "https://json.schemastore.org/sarif-2.1.0.json",
        version: "2.1.0",
        runs: [run],
    };
    let mut s = serde_json::to_string_pretty(&doc).unwrap_or_default();
    s.push('\n');
    s
}

/// The log of a run that could not check (exit 2): no findings and no
/// score, but every error, so that an upload that runs whatever the exit
/// code (`if: always()`) has a file, and code scanning shows each error
/// where it is. The invocation says the run did not succeed and lists every
/// error as a notification. An error with no file (a bad flag) is only a
/// notification: code scanning refuses a whole log if one result has no
/// location.
pub fn render_failure(errors: &[Located], uri_prefix: &str) -> String {
    // One descriptor per error code, so that every result names its rule.
    let codes: Vec<&str> = errors
        .iter()
        .map(|e| e.code.as_str())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    // Every error's code is listed, so the position is always found.
    let index = |code: &str| codes.iter().position(|c| *c == code).unwrap_or_default();
    let results: Vec<Value> = errors
        .iter()
        .filter_map(|e| {
            let p = e.position.as_ref()?;
            Some(json!({
                "ruleId": e.code,
                "ruleIndex": index(&e.code),
                "level": "error",
                "message": { "text": error_text(e) },
                "locations": [{ "physicalLocation": error_location(p, uri_prefix) }],
            }))
        })
        .collect();
    let notifications: Vec<Value> = errors
        .iter()
        .map(|e| {
            let mut n = json!({
                "level": "error",
                "message": { "text": error_text(e) },
                "associatedRule": { "id": e.code, "index": index(&e.code) },
            });
            if let Some(p) = &e.position {
                n["locations"] = json!([{ "physicalLocation": error_location(p, uri_prefix) }]);
            }
            n
        })
        .collect();
    let run = json!({
        "tool": tool(env!("CARGO_PKG_VERSION"), codes.iter().map(|c| error_descriptor(c)).collect()),
        "originalUriBaseIds": original_uri_base_ids(),
        // Columns are counted in characters, as privgate's other outputs
        // count them; SARIF's default would be UTF-16 code units.
        "columnKind": "unicodeCodePoints",
        "invocations": [{
            "executionSuccessful": false,
            "exitCode": 2,
            "toolExecutionNotifications": notifications,
        }],
        "results": results,
        "properties": { "couldNotCheck": true, "errors": errors.len() },
    });
    log(run)
}

fn error_location(p: &Position, uri_prefix: &str) -> PhysicalLocation {
    physical_location(&p.file, p.line, p.column, uri_prefix)
}

/// The message, and the help under it when there is one.
fn error_text(e: &Located) -> String {
    match &e.help {
        Some(help) => format!("{}\nhelp: {help}", e.message),
        None => e.message.clone(),
    }
}

/// What kind of problem stopped the check (`invalid-value`), as a rule of
/// its own so code scanning groups the errors.
fn error_descriptor(code: &str) -> Value {
    json!({
        "id": code,
        "name": code.replace(['.', '-'], "_"),
        "shortDescription": { "text": format!("privgate could not check: {code}") },
        "fullDescription": { "text": format!("privgate stopped before checking any rule: a manifest, the config, a rule pack or a flag has an error of this kind (`{code}`). Fix it and run again.") },
        "defaultConfiguration": { "level": "error" },
        "properties": { "tags": ["privgate-error"] },
    })
}
