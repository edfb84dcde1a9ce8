//! SARIF 2.1.0 for code scanning: one `reportingDescriptor` per rule that
//! ran, one result per finding, fingerprints from rule + target so findings
//! are tracked across commits whatever line they move to, waived findings as
//! accepted suppressions.

use crate::report::{Finding, Report};
use crate::rules::pack::{Rule, Severity};
use serde_json::{json, Value};

/// GitHub's `security-severity` scale (0-10) for each severity.
fn security_severity(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "9.5",
        Severity::High => "7.5",
        Severity::Medium => "5.0",
        Severity::Low => "2.0",
    }
}

fn level(severity: &str) -> &'static str {
    match severity {
        "critical" | "high" => "error",
        "medium" => "warning",
        _ => "note",
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
        "defaultConfiguration": { "level": level(r.severity.name()) },
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

fn result(f: &Finding, rule_index: Option<usize>, uri_prefix: &str) -> Value {
    let mut r = json!({
        "ruleId": f.rule,
        "level": level(&f.severity),
        "message": { "text": format!("{} ({}). {}", f.message, f.citation, f.remediation) },
        "locations": [{
            "physicalLocation": {
                "artifactLocation": { "uri": path_uri(&format!("{uri_prefix}{}", f.file)), "uriBaseId": "%SRCROOT%" },
                "region": { "startLine": f.line, "startColumn": f.column },
            },
            "logicalLocations": [{ "name": f.target, "kind": "declaration" }],
        }],
        "partialFingerprints": { "privgateFinding/v1": fingerprint(f) },
        "properties": { "target": f.target, "severity": f.severity },
    });
    if let Some(i) = rule_index {
        r["ruleIndex"] = json!(i);
    }
    if let Some(w) = &f.waiver {
        r["suppressions"] = json!([{
            "kind": "external",
            "status": "accepted",
            "justification": format!("{} (approved by {}, expires {})", w.reason, w.approved_by, w.expires),
        }]);
    }
    r
}

/// The SARIF log. `uri_prefix` is where privgate's root sits in the git
/// work tree (`apps/shop/`, or empty): code scanning reads locations
/// relative to the top of the repository, not to a subdirectory.
pub fn render(report: &Report, rules: &[Rule], uri_prefix: &str) -> String {
    let results: Vec<Value> = report
        .findings
        .iter()
        .map(|f| result(f, rules.iter().position(|r| r.id == f.rule), uri_prefix))
        .collect();
    let doc = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": {
                "name": "privgate",
                "version": report.tool.version,
                "informationUri": "https://github.com/privgate/privgate",
                "rules": rules.iter().map(descriptor).collect::<Vec<_>>(),
            }},
            "originalUriBaseIds": { "%SRCROOT%": { "description": { "text": "The top of the repository privgate checked." } } },
            "results": results,
            "properties": {
                "score": report.score.overall,
                "grade": report.score.grade,
                "gatePassed": report.gate.passed,
            },
        }],
    });
    let mut s = serde_json::to_string_pretty(&doc).unwrap_or_default();
    s.push('\n');
    s
}
