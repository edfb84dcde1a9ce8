//! `--format sarif|junit|markdown` and `-o FILE`: SARIF validated against the
//! official 2.1.0 schema, JUnit parsed as XML, Markdown checked for what a
//! pull-request comment needs; reports are deterministic and `-o` writes
//! the file and nothing else.

use crate::common;

use crate::common::copy_dir;
use crate::gitrepo::{privgate, Repo, TODAY};
use quick_xml::events::Event;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn acme() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/acme-shop")
}

struct Out {
    code: i32,
    stdout: String,
    stderr: String,
}

fn run(dir: &Path, args: &[&str]) -> Out {
    let out = privgate(dir).args(args).output().unwrap();
    Out {
        code: out.status.code().unwrap(),
        stdout: String::from_utf8(out.stdout).unwrap(),
        stderr: String::from_utf8(out.stderr).unwrap(),
    }
}

/// `privgate check --today 2026-11-23 --format FORMAT` on acme-shop (passes),
/// run once per format and test binary.
fn acme_report(format: &str) -> String {
    static CACHE: std::sync::Mutex<BTreeMap<String, String>> =
        std::sync::Mutex::new(BTreeMap::new());
    if let Some(text) = CACHE.lock().unwrap().get(format) {
        return text.clone();
    }
    let out = run(&acme(), &["check", "--today", TODAY, "--format", format]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(out.stderr, "", "no warnings on acme-shop");
    CACHE
        .lock()
        .unwrap()
        .insert(format.to_string(), out.stdout.clone());
    out.stdout
}

fn acme_json() -> Value {
    serde_json::from_str(&acme_report("json")).unwrap()
}

/// A repository with an organisation rule pack whose texts carry every
/// character XML, Markdown and URIs treat specially, a manifest under a path
/// with a space and a non-ASCII letter, a disabled rule and a waiver.
/// Otherwise it declares what rules v2 asks of every repository (the
/// controller, dataset locations, restriction, a breach register and the
/// time to inform data subjects), so the findings are the organisation
/// rule's, the waived one and `gdpr.record-of-processing` on the ownerless
/// system.
fn awkward_repo() -> tempfile::TempDir {
    let dir = tempfile::Builder::new()
        .prefix("privgate-awkward-")
        .tempdir()
        .unwrap();
    let files: [(&str, &str); 5] = [
        (
            "privgate.yaml",
            r#"version: 1
regulations: [gdpr]
rulepacks: [policies/*.yaml]
rules:
  gdpr.data-minimisation: { enabled: false }
gate: { min_score: 0, fail_on: high }
waivers:
  - rule: gdpr.retention-defined
    target: dataset:ds-waived
    reason: "Legacy <system> & \"export\" | 'tmp' </details> ticket #42"
    approved_by: dpo@example.com
    expires: 2027-01-31
organization: Example GmbH
controller: { contact: "Example GmbH, Berlin, privacy@example.com" }
"#,
        ),
        (
            "policies/acme.yaml",
            r#"version: 1
pack: acme
regulation: acme
title: Acme <internal> policy
citation_prefix: "Acme & Co"
rules:
  - id: acme.owner
    citation: "§4 <owners>"
    severity: high
    title: Systems have an "owner" & a <team>
    rationale: Someone | answers for it.
    remediation: Set `owner` <team@acme> & ask "legal" | done.
    example: "system:\n  id: x\n  owner: a@b\n"
    references: ["wiki page 42 (internal)"]
    checks:
      - target: system
        violation: system.owner == null
        message: "system `{id}` has no <owner> & \"team\" | fix </details> it ![x](http://t.example/p.png)"
"#,
        ),
        (
            "services/my service/bücher.privacy.yaml",
            "version: 1
system:
  id: shop
  name: Shop
datasets:
  - id: ds-waived
    categories: [user.contact.email]
    subjects: [customer]
    location: DE
    retention: { deletion: automated }
  - id: ds-ok
    categories: [user.contact.email]
    subjects: [customer]
    location: DE
    retention: { period: P1Y, deletion: automated }
rights:
  access: { sla: P30D }
  erasure: { sla: P30D }
  rectification: { sla: P30D }
  restriction: { sla: P30D }
  portability: { sla: P30D }
  objection: { sla: P30D }
breach:
  plan: docs/breach.md
  register: docs/breach-register.md
  notify_authority_within: PT72H
  notify_subjects_within: P3D
",
        ),
        ("docs/breach.md", "# Breach response\n"),
        ("docs/breach-register.md", "# Breach register\n"),
    ];
    for (path, content) in files {
        let full = dir.path().join(path);
        std::fs::create_dir_all(full.parent().unwrap()).unwrap();
        std::fs::write(full, content).unwrap();
    }
    dir
}

fn json_of(dir: &Path) -> Value {
    let out = run(dir, &["check", "--format", "json"]);
    serde_json::from_str(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", out.stderr))
}

// ------------------------------------------------------------------ SARIF

/// The official schema, or `None` (with the reason printed) when the shared
/// data directory is not there.
fn sarif_schema() -> Option<Value> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data/sarif-schema-2.1.0.json");
    match std::fs::read_to_string(&path) {
        Ok(text) => Some(serde_json::from_str(&text).unwrap()),
        Err(e) => {
            println!(
                "skipped: the SARIF schema is not at {} ({e})",
                path.display()
            );
            None
        }
    }
}

/// Every schema violation, under the draft the file declares (draft-04) and
/// under draft-07, plus the `uri` / `uri-reference` formats of the fields
/// that carry them.
fn sarif_errors(schema: &Value, doc: &Value) -> Vec<String> {
    let mut errors = Vec::new();
    // The official schema's own `language` patterns (run, toolComponent),
    // `^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$`, have a stray `]` that the
    // meta-schema check refuses as a regex; they are replaced by what they
    // mean (privgate never writes `language`).
    fn fix_patterns(v: &mut Value) {
        match v {
            Value::Object(m) => {
                for (k, x) in m.iter_mut() {
                    if k == "pattern" && x == "^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$" {
                        *x = Value::from("^[a-zA-Z]{2}(-[a-zA-Z]{2})?$");
                    } else {
                        fix_patterns(x);
                    }
                }
            }
            Value::Array(a) => a.iter_mut().for_each(fix_patterns),
            _ => {}
        }
    }
    let mut schema = schema.clone();
    fix_patterns(&mut schema);
    for draft in [jsonschema::Draft::Draft4, jsonschema::Draft::Draft7] {
        let validator = jsonschema::options()
            .with_draft(draft)
            .build(&schema)
            .unwrap_or_else(|e| panic!("{draft:?}: the SARIF schema does not build: {e}"));
        errors.extend(
            validator
                .iter_errors(doc)
                .map(|e| format!("{draft:?}: {} at {}", e, e.instance_path())),
        );
    }
    let format = |name: &str| {
        jsonschema::options()
            .should_validate_formats(true)
            .build(&serde_json::json!({ "type": "string", "format": name }))
            .unwrap()
    };
    let (uri, uri_reference) = (format("uri"), format("uri-reference"));
    fn walk(v: &Value, path: &str, visit: &mut dyn FnMut(&str, &str, &Value)) {
        match v {
            Value::Object(m) => {
                for (k, x) in m {
                    visit(path, k, x);
                    walk(x, &format!("{path}/{k}"), visit);
                }
            }
            Value::Array(a) => {
                for (i, x) in a.iter().enumerate() {
                    walk(x, &format!("{path}/{i}"), visit);
                }
            }
            _ => {}
        }
    }
    walk(doc, "", &mut |path, key, value| {
        let checker = match key {
            "helpUri" | "informationUri" | "downloadUri" | "$schema" => &uri,
            "uri" => &uri_reference,
            _ => return,
        };
        if !checker.is_valid(value) {
            errors.push(format!(
                "{path}/{key}: {value} is not a valid {key} (format)"
            ));
        }
    });
    errors
}

#[test]
fn sarif_for_acme_shop_validates_against_the_official_schema() {
    let Some(schema) = sarif_schema() else { return };
    let doc: Value = serde_json::from_str(&acme_report("sarif")).unwrap();
    let errors = sarif_errors(&schema, &doc);
    assert!(errors.is_empty(), "{errors:#?}");
    assert_eq!(doc["version"], "2.1.0");
    assert_eq!(doc["runs"].as_array().unwrap().len(), 1);
    // The validator does notice a broken document.
    let mut broken = doc.clone();
    broken["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]["startLine"] =
        Value::from(0);
    assert!(!sarif_errors(&schema, &broken).is_empty());
}

#[test]
fn sarif_describes_every_rule_that_ran() {
    let doc: Value = serde_json::from_str(&acme_report("sarif")).unwrap();
    // Columns count characters, as everywhere else in privgate (SARIF's
    // default unit is UTF-16 code units).
    assert_eq!(doc["runs"][0]["columnKind"], "unicodeCodePoints");
    let listed: Vec<Value> =
        serde_json::from_str(&run(&acme(), &["rules", "--format", "json", "--path", "."]).stdout)
            .unwrap();
    let descriptors = doc["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .unwrap();
    let ids: Vec<&str> = descriptors
        .iter()
        .map(|d| d["id"].as_str().unwrap())
        .collect();
    let expected: Vec<&str> = listed.iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert_eq!(ids, expected, "one descriptor per rule, in catalogue order");

    let scale = |s: &str| match s {
        "critical" => 9.0..=10.0,
        "high" => 7.0..=8.9,
        "medium" => 4.0..=6.9,
        "low" => 0.1..=3.9,
        other => panic!("severity {other}"),
    };
    for (d, r) in descriptors.iter().zip(&listed) {
        let id = r["id"].as_str().unwrap();
        let severity = r["severity"].as_str().unwrap();
        let props = &d["properties"];
        // GitHub reads security-severity as a number in a string.
        let sec: f64 = props["security-severity"]
            .as_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!(scale(severity).contains(&sec), "{id}: {sec} for {severity}");
        assert_eq!(props["citation"], r["citation"], "{id}");
        assert!(
            r["citation"]
                .as_str()
                .unwrap()
                .starts_with(&id[..4].to_uppercase()),
            "{id}"
        );
        assert_eq!(d["shortDescription"]["text"], r["title"], "{id}");
        assert!(d["fullDescription"]["text"]
            .as_str()
            .unwrap()
            .contains(r["citation"].as_str().unwrap()));
        assert!(!d["help"]["text"].as_str().unwrap().is_empty(), "{id}");
        assert!(d["help"]["markdown"]
            .as_str()
            .unwrap()
            .contains(r["citation"].as_str().unwrap()));
        let tags: Vec<&str> = props["tags"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t.as_str().unwrap())
            .collect();
        assert!(
            tags.contains(&severity) && tags.contains(&r["regulation"].as_str().unwrap()),
            "{id}: {tags:?}"
        );
    }

    // Only the rules that ran: one regulation selected.
    let out = run(
        &acme(),
        &[
            "check",
            "--today",
            TODAY,
            "--format",
            "sarif",
            "--regulation",
            "ccpa",
        ],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    let doc: Value = serde_json::from_str(&out.stdout).unwrap();
    let ids: BTreeSet<&str> = doc["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["id"].as_str().unwrap())
        .collect();
    let ccpa: BTreeSet<&str> = expected
        .iter()
        .copied()
        .filter(|id| id.starts_with("ccpa."))
        .collect();
    assert_eq!(ids, ccpa);
}

#[test]
fn sarif_results_carry_places_fingerprints_and_suppressions() {
    let doc: Value = serde_json::from_str(&acme_report("sarif")).unwrap();
    let report = acme_json();
    let run0 = &doc["runs"][0];
    let descriptors = run0["tool"]["driver"]["rules"].as_array().unwrap();
    let results = run0["results"].as_array().unwrap();
    let findings = report["findings"].as_array().unwrap();
    assert_eq!(
        results.len(),
        findings.len(),
        "waived findings are results too, suppressed"
    );
    // Rules v2: 6 unwaived findings (ccpa.purpose-limitation joins
    // data-minimisation on clickstream; the GDPR and CCPA undeclared-vendor
    // findings on checkout's Sentry SDK) and the waived DPIA.
    assert_eq!(results.len(), 7);

    let mut fingerprints = BTreeSet::new();
    for f in findings {
        let (rule, target) = (f["rule"].as_str().unwrap(), f["target"].as_str().unwrap());
        let r = results
            .iter()
            .find(|r| r["ruleId"] == rule && r["properties"]["target"] == target)
            .unwrap_or_else(|| panic!("no result for {rule} {target}"));
        let loc = &r["locations"][0]["physicalLocation"];
        // Relative to the top of the git repository (the privgate
        // checkout), or to the root outside one.
        let uri = loc["artifactLocation"]["uri"].as_str().unwrap();
        let file = f["file"].as_str().unwrap();
        assert!(
            uri == file || uri == format!("examples/acme-shop/{file}"),
            "{uri}"
        );
        assert_eq!(loc["region"]["startLine"], f["line"]);
        assert_eq!(loc["region"]["startColumn"], f["column"]);
        assert!(f["line"].as_u64().unwrap() >= 1 && f["column"].as_u64().unwrap() >= 1);
        let fp = r["partialFingerprints"]["privgateFinding/v1"]
            .as_str()
            .unwrap();
        assert_eq!(fp, format!("{rule}:{target}"));
        assert!(
            fingerprints.insert(fp.to_string()),
            "fingerprints are unique"
        );
        let index = r["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(descriptors[index]["id"], rule);
        assert!(r["message"]["text"]
            .as_str()
            .unwrap()
            .contains(f["message"].as_str().unwrap()));
        let expected_level = match f["severity"].as_str().unwrap() {
            "critical" | "high" => "error",
            "medium" => "warning",
            _ => "note",
        };
        assert_eq!(r["level"], expected_level, "{rule}");

        if f["waived"] == true {
            let s = r["suppressions"]
                .as_array()
                .expect("a waived finding has a suppression");
            assert_eq!(s.len(), 1);
            assert_eq!(s[0]["status"], "accepted");
            let justification = s[0]["justification"].as_str().unwrap();
            assert!(
                justification.contains("DPIA in review, ticket LEGAL-123"),
                "{justification}"
            );
            assert!(
                justification.contains("dpo@acme.example") && justification.contains("2027-03-31")
            );
            assert_eq!(
                (rule, target),
                ("gdpr.dpia-required", "purpose:recommendations")
            );
        } else {
            assert!(
                r.get("suppressions").is_none(),
                "{rule} {target} is not waived"
            );
        }
    }
}

#[test]
fn sarif_fingerprints_do_not_depend_on_lines_or_files() {
    let fingerprints = |manifests: &[(&str, &str)]| -> BTreeMap<String, (String, u64)> {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("privgate.yaml"),
            "version: 1\nregulations: [gdpr]\n",
        )
        .unwrap();
        for (path, text) in manifests {
            let full = dir.path().join(path);
            std::fs::create_dir_all(full.parent().unwrap()).unwrap();
            std::fs::write(full, text).unwrap();
        }
        let out = run(dir.path(), &["check", "--format", "sarif"]);
        let doc: Value = serde_json::from_str(&out.stdout).unwrap();
        doc["runs"][0]["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                let loc = &r["locations"][0]["physicalLocation"];
                (
                    r["partialFingerprints"]["privgateFinding/v1"]
                        .as_str()
                        .unwrap()
                        .to_string(),
                    (
                        loc["artifactLocation"]["uri"].as_str().unwrap().to_string(),
                        loc["region"]["startLine"].as_u64().unwrap(),
                    ),
                )
            })
            .collect()
    };
    let ds = "  - id: ds-x\n    categories: [user.contact.email]\n    subjects: [customer]\n";
    let before = fingerprints(&[("a/privacy.yaml", &format!("version: 1\ndatasets:\n{ds}"))]);
    let after = fingerprints(&[(
        "b/moved.privacy.yaml",
        &format!("version: 1\n# moved\n\ndatasets:\n  - id: ds-first\n    categories: [system.operations]\n{ds}"),
    )]);
    assert!(!before.is_empty());
    let keys = |m: &BTreeMap<String, (String, u64)>| m.keys().cloned().collect::<BTreeSet<_>>();
    assert_eq!(keys(&before), keys(&after));
    let moved: Vec<_> = after
        .iter()
        .filter(|(fp, _)| fp.ends_with(":dataset:ds-x"))
        .collect();
    assert!(!moved.is_empty());
    for (fp, (file, line)) in moved {
        assert_eq!(before[fp].0, "a/privacy.yaml");
        assert_eq!(file, "b/moved.privacy.yaml");
        assert_ne!(before[fp].1, *line, "{fp} moved to another line");
    }
}

#[test]
fn sarif_stays_valid_with_awkward_paths_and_organisation_packs() {
    let dir = awkward_repo();
    let out = run(dir.path(), &["check", "--format", "sarif"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    let doc: Value = serde_json::from_str(&out.stdout).unwrap();
    if let Some(schema) = sarif_schema() {
        let errors = sarif_errors(&schema, &doc);
        assert!(errors.is_empty(), "{errors:#?}");
    }
    let run0 = &doc["runs"][0];
    let ids: Vec<&str> = run0["tool"]["driver"]["rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["id"].as_str().unwrap())
        .collect();
    assert!(ids.contains(&"acme.owner"));
    assert!(
        !ids.contains(&"gdpr.data-minimisation"),
        "a disabled rule did not run"
    );
    assert!(
        !ids.iter().any(|i| i.starts_with("ccpa.")),
        "ccpa was not selected"
    );
    let owner = run0["tool"]["driver"]["rules"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["id"] == "acme.owner")
        .unwrap();
    assert_eq!(owner["properties"]["citation"], "Acme & Co §4 <owners>");
    assert_eq!(owner["properties"]["security-severity"], "7.5");
    // The file is still named so code scanning finds it: the URI decodes to
    // the repository-relative path.
    let uri = run0["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        .as_str()
        .unwrap();
    assert_eq!(
        percent_decode(uri),
        "services/my service/bücher.privacy.yaml"
    );
    let waived: Vec<&Value> = run0["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r.get("suppressions").is_some())
        .collect();
    assert_eq!(waived.len(), 1);
    assert_eq!(waived[0]["ruleId"], "gdpr.retention-defined");
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            out.push(u8::from_str_radix(&s[i + 1..i + 3], 16).unwrap());
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).unwrap()
}

// ------------------------------------------------------------------ JUnit

#[derive(Debug, Default)]
struct Element {
    name: String,
    attrs: BTreeMap<String, String>,
    children: Vec<Element>,
    text: String,
}

impl Element {
    fn all<'a>(&'a self, name: &str, out: &mut Vec<&'a Element>) {
        for c in &self.children {
            if c.name == name {
                out.push(c);
            }
            c.all(name, out);
        }
    }

    fn find_all(&self, name: &str) -> Vec<&Element> {
        let mut out = Vec::new();
        self.all(name, &mut out);
        out
    }

    fn attr(&self, name: &str) -> &str {
        self.attrs
            .get(name)
            .map(String::as_str)
            .unwrap_or_else(|| panic!("<{}> has no {name}", self.name))
    }

    fn count(&self, name: &str) -> usize {
        self.attr(name).parse().unwrap()
    }
}

/// Parses the whole document with quick-xml (well-formed, matching end
/// tags, every attribute and text unescaped); the root element.
fn parse_xml(text: &str) -> Element {
    let mut reader = quick_xml::Reader::from_str(text);
    let mut stack: Vec<Element> = vec![Element::default()];
    let open = |e: &quick_xml::events::BytesStart| -> Element {
        let mut el = Element {
            name: String::from_utf8(e.name().as_ref().to_vec()).unwrap(),
            ..Element::default()
        };
        for a in e.attributes() {
            let a = a.unwrap_or_else(|err| panic!("bad attribute: {err}\n{text}"));
            let key = String::from_utf8(a.key.as_ref().to_vec()).unwrap();
            let value = a
                .unescape_value()
                .unwrap_or_else(|err| panic!("bad escape: {err}"))
                .into_owned();
            assert!(el.attrs.insert(key, value).is_none(), "duplicate attribute");
        }
        el
    };
    let mut declared = false;
    loop {
        match reader
            .read_event()
            .unwrap_or_else(|e| panic!("not XML at {}: {e}", reader.buffer_position()))
        {
            Event::Decl(d) => {
                assert_eq!(&*d.encoding().unwrap().unwrap(), b"UTF-8");
                declared = true;
            }
            Event::Start(e) => stack.push(open(&e)),
            Event::Empty(e) => {
                let el = open(&e);
                stack.last_mut().unwrap().children.push(el);
            }
            Event::End(_) => {
                let el = stack.pop().unwrap();
                stack.last_mut().unwrap().children.push(el);
            }
            Event::Text(t) => {
                let s = t
                    .unescape()
                    .unwrap_or_else(|e| panic!("bad text escape: {e}"));
                stack.last_mut().unwrap().text.push_str(&s);
            }
            Event::Eof => break,
            other => panic!("unexpected {other:?}"),
        }
    }
    assert!(declared, "an XML declaration with the encoding");
    assert_eq!(stack.len(), 1, "every element closed");
    let mut doc = stack.pop().unwrap();
    assert!(doc.text.trim().is_empty());
    assert_eq!(doc.children.len(), 1, "one root element");
    doc.children.pop().unwrap()
}

/// Checks the JUnit document against the JSON report of the same run.
fn check_junit(xml: &str, report: &Value) {
    let root = parse_xml(xml);
    assert_eq!(root.name, "testsuites");
    let cases = root.find_all("testcase");
    let suites = root.find_all("testsuite");
    assert_eq!(root.count("tests"), cases.len());
    assert_eq!(
        cases.len(),
        report["summary"]["checks"].as_u64().unwrap() as usize,
        "one testcase per check"
    );

    let ids: BTreeSet<(&str, &str)> = cases
        .iter()
        .map(|c| (c.attr("classname"), c.attr("name")))
        .collect();
    assert_eq!(ids.len(), cases.len(), "one testcase per rule and target");

    let findings = report["findings"].as_array().unwrap();
    let failing: BTreeMap<(&str, &str), &Value> = findings
        .iter()
        .filter(|f| f["waived"] == false)
        .map(|f| {
            (
                (f["rule"].as_str().unwrap(), f["target"].as_str().unwrap()),
                f,
            )
        })
        .collect();
    let waived: BTreeSet<(&str, &str)> = findings
        .iter()
        .filter(|f| f["waived"] == true)
        .map(|f| (f["rule"].as_str().unwrap(), f["target"].as_str().unwrap()))
        .collect();
    let mut failures = 0;
    let mut skipped = 0;
    for c in &cases {
        let key = (c.attr("classname"), c.attr("name"));
        let failure: Vec<&Element> = c.children.iter().filter(|e| e.name == "failure").collect();
        let skip: Vec<&Element> = c.children.iter().filter(|e| e.name == "skipped").collect();
        if let Some(f) = failing.get(&key) {
            assert_eq!((failure.len(), skip.len()), (1, 0), "{key:?}");
            assert_eq!(failure[0].attr("message"), f["message"].as_str().unwrap());
            assert_eq!(failure[0].attr("type"), f["severity"].as_str().unwrap());
            let place = format!(
                "{}:{}:{}",
                f["file"].as_str().unwrap(),
                f["line"],
                f["column"]
            );
            assert!(
                failure[0].text.contains(&place),
                "{key:?}: {}",
                failure[0].text
            );
            assert!(failure[0].text.contains(f["citation"].as_str().unwrap()));
            assert!(failure[0].text.contains(f["remediation"].as_str().unwrap()));
            failures += 1;
        } else if waived.contains(&key) {
            assert_eq!((failure.len(), skip.len()), (0, 1), "{key:?}");
            skipped += 1;
        } else {
            assert!(c.children.is_empty(), "{key:?} passed");
        }
        assert!(
            key.0.starts_with(&format!("{}.", suites_of(&suites, c))),
            "{key:?} in its regulation's suite"
        );
    }
    assert_eq!(
        failures,
        failing.len(),
        "every unwaived finding is a failure"
    );
    assert_eq!(skipped, waived.len());
    assert_eq!(root.count("failures"), failures);
    assert_eq!(root.count("skipped"), skipped);
    for s in &suites {
        let cs = s.find_all("testcase");
        assert_eq!(s.count("tests"), cs.len());
        assert_eq!(s.count("failures"), s.find_all("failure").len());
        assert_eq!(s.count("skipped"), s.find_all("skipped").len());
    }
}

/// The name of the suite holding testcase `c`.
fn suites_of<'a>(suites: &[&'a Element], c: &Element) -> &'a str {
    suites
        .iter()
        .find(|s| s.children.iter().any(|x| std::ptr::eq(x, c)))
        .map(|s| s.attr("name"))
        .unwrap()
}

#[test]
fn junit_for_acme_shop_has_a_testcase_per_rule_and_target() {
    let xml = acme_report("junit");
    let report = acme_json();
    check_junit(&xml, &report);
    let root = parse_xml(&xml);
    // Rules v2: 6 unwaived findings (ccpa.purpose-limitation joins
    // data-minimisation on clickstream; Sentry undeclared, GDPR and CCPA).
    assert_eq!(root.count("failures"), 6);
    assert_eq!(root.count("skipped"), 1);
    let suites: Vec<&str> = root
        .find_all("testsuite")
        .iter()
        .map(|s| s.attr("name"))
        .collect();
    assert_eq!(suites, ["ccpa", "gdpr"]);
    insta::assert_snapshot!("acme_shop_junit", xml);
}

#[test]
fn junit_escapes_what_organisation_packs_and_waivers_say() {
    let dir = awkward_repo();
    let out = run(dir.path(), &["check", "--format", "junit"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    let report = json_of(dir.path());
    check_junit(&out.stdout, &report);
    let root = parse_xml(&out.stdout);
    let skipped = &root.find_all("skipped")[0];
    assert_eq!(
        skipped.attr("message"),
        "waived: Legacy <system> & \"export\" | 'tmp' </details> ticket #42 (approved by dpo@example.com, expires 2027-01-31)"
    );
    let failure = root
        .find_all("failure")
        .into_iter()
        .find(|f| f.attr("type") == "high")
        .unwrap();
    assert_eq!(
        failure.attr("message"),
        "system `shop` has no <owner> & \"team\" | fix </details> it ![x](http://t.example/p.png)"
    );
    assert!(
        failure
            .text
            .contains("services/my service/bücher.privacy.yaml:3:7"),
        "{}",
        failure.text
    );
}

// ---------------------------------------------------------------- Markdown

#[test]
fn markdown_for_acme_shop_has_verdict_kpis_and_collapsed_details() {
    let md = acme_report("markdown");
    let report = acme_json();
    let first = md.lines().next().unwrap();
    assert!(first.starts_with("## "), "{first}");
    assert!(
        first.contains("98.6")
            && first.contains("(B, capped by 3 high findings)")
            && first.contains("gate passed"),
        "{first}"
    );
    assert!(
        md.contains("ccpa 97.9") && md.contains("gdpr 98.8"),
        "by regulation"
    );
    // A KPI table with every KPI.
    let kpi_start = md.find("| KPI | value |").expect("a KPI table");
    for (k, _) in report["kpis"].as_object().unwrap() {
        assert!(
            md[kpi_start..].contains(&format!("| {} |", k.replace('_', " "))),
            "{k}"
        );
    }
    // Rules v2: 6 of the 7 purposes needing a DPIA (nine WP248 criteria) have one.
    assert!(md.contains("| dpia coverage | 86% |"));
    assert!(md.contains("| dsar sla days | 30 days |"));
    // Every finding, collapsed, after the KPIs.
    let open = md.find("<details><summary>").expect("collapsed details");
    let close = md.find("</details>").unwrap();
    assert!(kpi_start < open && open < close);
    let details = &md[open..close];
    for f in report["findings"].as_array().unwrap() {
        let row = details
            .lines()
            .find(|l| l.contains(&format!("`{}`", f["rule"].as_str().unwrap())))
            .unwrap_or_else(|| panic!("no row for {}", f["rule"]));
        assert!(
            row.contains(&format!("`{}:{}`", f["file"].as_str().unwrap(), f["line"])),
            "{row}"
        );
        assert_eq!(row.contains("(waived"), f["waived"] == true, "{row}");
        if f["waived"] == true {
            // Who accepted it and until when, beside the severity.
            let w = &f["waiver"];
            assert!(
                row.starts_with(&format!(
                    "| {} (waived by {} until {}) |",
                    f["severity"].as_str().unwrap(),
                    w["approved_by"].as_str().unwrap(),
                    w["expires"].as_str().unwrap()
                )),
                "{row}"
            );
        }
    }
    // Rules v2: data-minimisation is medium, ccpa.purpose-limitation new;
    // the undeclared Sentry SDK is high under both regulations.
    assert!(details.contains("All findings: 6 (0 critical, 3 high, 3 medium, 0 low; 1 waived)"));
    assert!(
        !md.contains("New findings") && !md.contains("against `"),
        "not pull-request mode"
    );
    insta::assert_snapshot!("acme_shop_markdown", md);
}

#[test]
fn sarif_in_pull_request_mode_marks_results_new_or_unchanged() {
    let repo = Repo::new();
    let config =
        "version: 1\nregulations: [gdpr]\nrules:\n  gdpr.data-minimisation: { enabled: false }\n";
    let ds = |id: &str| {
        format!("  - id: {id}\n    categories: [user.contact.email]\n    subjects: [customer]\n")
    };
    let base = format!("version: 1\ndatasets:\n{}", ds("ds-old"));
    repo.commit_files(
        &[("privgate.yaml", config), ("privacy.yaml", base.as_str())],
        "base",
    );
    let head = format!("version: 1\ndatasets:\n{}{}", ds("ds-old"), ds("ds-new"));
    repo.write(&[("privacy.yaml", head.as_str())]);
    let out = run(
        repo.path(),
        &["check", "--changed-since", "HEAD", "--format", "sarif"],
    );
    let log: Value = serde_json::from_str(&out.stdout).unwrap();
    if let Some(schema) = sarif_schema() {
        assert_eq!(sarif_errors(&schema, &log), Vec::<String>::new());
    }
    let states: BTreeSet<(String, String)> = log["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["ruleId"] == "gdpr.retention-defined")
        .map(|r| {
            let target = r["properties"]["target"].as_str().unwrap();
            let state = r["baselineState"].as_str().unwrap();
            (target.to_string(), state.to_string())
        })
        .collect();
    let want: BTreeSet<(String, String)> =
        [("dataset:ds-new", "new"), ("dataset:ds-old", "unchanged")]
            .iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect();
    assert_eq!(states, want);
    // Outside pull-request mode there is no baseline to compare with.
    let plain: Value =
        serde_json::from_str(&run(repo.path(), &["check", "--format", "sarif"]).stdout).unwrap();
    assert!(plain["runs"][0]["results"][0]
        .get("baselineState")
        .is_none());
}

#[test]
fn a_config_given_from_elsewhere_is_named_from_the_root_and_the_repository_top() {
    // Run at the top of the repository, root `apps/shop`, config `cfg/pg.yaml`:
    // repository-wide findings sit at line 1 of the config.
    let repo = Repo::new();
    repo.write(&[
        ("cfg/pg.yaml", "version: 1\nregulations: [gdpr]\n"),
        (
            "apps/shop/privacy.yaml",
            "version: 1\npurposes:\n  - id: p\n    categories: [user.contact.email]\n",
        ),
    ]);
    let args = |format: &str| -> Value {
        let out = run(
            repo.path(),
            &[
                "check",
                "apps/shop",
                "--config",
                "cfg/pg.yaml",
                "--format",
                format,
            ],
        );
        serde_json::from_str(&out.stdout).unwrap()
    };
    let json = args("json");
    let at_config: Vec<&str> = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["target"] == "repository")
        .map(|f| f["file"].as_str().unwrap())
        .collect();
    assert!(!at_config.is_empty(), "{json}");
    assert!(
        at_config.iter().all(|f| *f == "../../cfg/pg.yaml"),
        "{at_config:?}"
    );
    let sarif = args("sarif");
    let uris: BTreeSet<&str> = sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                .as_str()
                .unwrap()
        })
        .collect();
    assert!(uris.contains("cfg/pg.yaml"), "{uris:?}");
    assert!(uris.iter().all(|u| !u.contains("..")), "{uris:?}");
}

#[test]
fn markdown_in_pull_request_mode_leads_with_the_delta_and_new_findings() {
    let repo = Repo::new();
    let config = "version: 1\nregulations: [gdpr]\nrules:\n  gdpr.data-minimisation: { enabled: false }\ngate: { min_score: 0, fail_on: high }\n";
    // (`location: DE`: rules v2's gdpr.transfer-destination asks where a
    // dataset holding personal data is.)
    let ds = |id: &str, retention: &str| {
        format!("  - id: {id}\n    categories: [user.contact.email]\n    subjects: [customer]\n    location: DE\n{retention}")
    };
    let kept = "    retention: { period: P1Y, deletion: automated }\n";
    // Rules v2: with no retention at all, retention-defined and
    // erasure-mechanism are both high; a period over the P10Y ceiling
    // without deletion fails erasure-mechanism (high) and retention-limit
    // (medium): one new high and one new medium finding.
    let too_long = "    retention: { period: P20Y }\n";
    let base = format!(
        "version: 1\ndatasets:\n{}{}",
        ds("ds-fixed", ""),
        ds("ds-old", "")
    );
    repo.commit_files(
        &[("privgate.yaml", config), ("privacy.yaml", base.as_str())],
        "base",
    );
    let head = format!(
        "version: 1\ndatasets:\n{}{}{}",
        ds("ds-fixed", kept),
        ds("ds-old", ""),
        ds("ds-new", too_long)
    );
    repo.write(&[("privacy.yaml", head.as_str())]);

    let out = run(
        repo.path(),
        &["check", "--changed-since", "HEAD", "--format", "markdown"],
    );
    assert_eq!(out.code, 1, "{}", out.stderr);
    let md = out.stdout;
    let report: Value = serde_json::from_str(
        &run(
            repo.path(),
            &["check", "--changed-since", "HEAD", "--format", "json"],
        )
        .stdout,
    )
    .unwrap();
    let c = &report["changes"];
    let first = md.lines().next().unwrap();
    assert!(
        first.contains("gate failed") && first.contains(&report["score"]["overall"].to_string()),
        "{first}"
    );
    let delta_line = md
        .lines()
        .find(|l| l.contains("against `HEAD`"))
        .expect("the delta against the base");
    assert!(
        delta_line.contains(&format!("{:+.1}", c["score_delta"].as_f64().unwrap())),
        "{delta_line}"
    );
    assert!(
        delta_line.contains(&format!("({:.1})", c["base_score"].as_f64().unwrap())),
        "{delta_line}"
    );
    assert!(delta_line.contains("2 new, 2 fixed"), "{delta_line}");
    assert!(
        md.contains("**Gate:** 1 new high finding\n"),
        "only the new high finding counts: {md}"
    );

    let pos = |needle: &str| {
        md.find(needle)
            .unwrap_or_else(|| panic!("no {needle:?} in\n{md}"))
    };
    let new = pos("### New findings (2)");
    assert!(pos("against `HEAD`") < new);
    assert!(new < pos("### Fixed (2)"));
    assert!(pos("### Fixed (2)") < pos("| KPI | value |"));
    assert!(pos("| KPI | value |") < pos("<details>"));
    let new_section = &md[new..pos("### Fixed (2)")];
    assert!(
        new_section.contains("dataset:ds-new") && !new_section.contains("ds-old"),
        "{new_section}"
    );
    // The most severe first: erasure-mechanism (high) before
    // retention-limit (medium), whatever their order in the report.
    let at = |needle: &str| new_section.find(needle).unwrap_or(usize::MAX);
    assert!(at("| high |") < at("| medium |"), "{new_section}");
    let fixed_section = &md[pos("### Fixed (2)")..pos("| KPI | value |")];
    assert!(
        fixed_section.contains("dataset:ds-fixed"),
        "{fixed_section}"
    );
}

/// One decimal everywhere, as in JSON and human output: a whole-number
/// score is `0.0` and `100.0`, an unchanged one `+0.0`.
#[test]
fn markdown_writes_every_score_and_delta_with_one_decimal() {
    let repo = Repo::new();
    let base = repo.commit_files(
        &[("privacy.yaml", "version: 1\nsystem: { id: a }\n")],
        "base",
    );
    let args = ["check", "--changed-since", "HEAD", "--format"];
    let md = run(repo.path(), &[&args[..], &["markdown"]].concat()).stdout;
    let json: Value =
        serde_json::from_str(&run(repo.path(), &[&args[..], &["json"]].concat()).stdout).unwrap();
    let number = |v: &Value| v.as_f64().unwrap();
    let (overall, by_regulation) = (&json["score"]["overall"], &json["score"]["by_regulation"]);
    // Whole numbers, so that `{}` and `{:.1}` differ.
    assert_eq!(number(overall).fract(), 0.0, "{json}");
    assert!(md.starts_with(&format!(
        "## ✅ Privacy score {:.1} ({}): gate passed\n",
        number(overall),
        json["score"]["grade"].as_str().unwrap()
    )));
    let c = &json["changes"];
    assert_eq!(number(&c["score_delta"]), 0.0);
    assert!(
        md.contains(&format!(
            "Score {:.1} = +0.0 against `HEAD` at {} ({:.1}). 0 new, 0 fixed.",
            number(overall),
            &base.to_string()[..10],
            number(&c["base_score"])
        )),
        "{md}"
    );
    let regs: Vec<String> = by_regulation
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| format!("{k} {:.1}", number(v)))
        .collect();
    assert!(
        md.contains(&format!("By regulation: {}\n", regs.join(", "))),
        "{md}"
    );
    assert!(md.contains("ccpa 100.0"), "{md}");
}

#[test]
fn markdown_without_findings_says_so_instead_of_an_empty_table() {
    let dir = tempfile::tempdir().unwrap();
    common::write_files(
        dir.path(),
        [(
            "privacy.yaml",
            "version: 1\nsystem: { id: a, owner: team@x.y }\n",
        )],
    );
    let out = run(dir.path(), &["check", "--format", "markdown"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let md = out.stdout;
    assert!(
        md.starts_with("## ✅ Privacy score 100.0 (A): gate passed\n"),
        "{md}"
    );
    assert!(md.contains("No findings: every one of the "), "{md}");
    assert!(!md.contains("| severity |"), "{md}");
    assert!(!md.contains("<details>"), "{md}");
}

/// Every warning of the report, near the top, before the delta it may
/// qualify is taken at face value: a base that does not validate makes
/// every finding new.
#[test]
fn markdown_shows_every_warning_near_the_top() {
    let repo = Repo::new();
    repo.commit_files(
        &[("privacy.yaml", "version: 1\ndatasets: [\n")],
        "broken base",
    );
    repo.write(&[
        (
            "privacy.yaml",
            "version: 1\ndatasets:\n  - id: ds-a\n    categories: [user.contact.email]\n    subjects: [customer]\n",
        ),
        (
            "privgate.yaml",
            "version: 1\nwaivers:\n  - rule: gdpr.retention-defined\n    target: dataset:ds-gone\n    reason: ticket LEGAL-1\n    approved_by: dpo@acme.example\n    expires: 2099-12-31\n",
        ),
    ]);
    let args = ["check", "--changed-since", "HEAD", "--format"];
    let out = run(repo.path(), &[&args[..], &["markdown"]].concat());
    assert_eq!(out.code, 1, "{}", out.stderr);
    let md = out.stdout;
    let json: Value =
        serde_json::from_str(&run(repo.path(), &[&args[..], &["json"]].concat()).stdout).unwrap();
    let warnings: Vec<&str> = json["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w.as_str().unwrap())
        .collect();
    assert_eq!(warnings.len(), 2, "{warnings:?}");
    assert!(warnings[0].contains("ds-gone") || warnings[1].contains("ds-gone"));
    assert!(warnings
        .iter()
        .any(|w| w.contains("the base `HEAD` does not validate")));
    let pos = |needle: &str| {
        md.find(needle)
            .unwrap_or_else(|| panic!("no {needle:?} in\n{md}"))
    };
    for w in &warnings {
        // As table cells and list items show text: `<` and `>` as entities.
        let shown = w
            .replace('<', "&lt;")
            .replace('>', "&gt;")
            .replace('|', "\\|");
        assert_eq!(md.matches(&shown).count(), 1, "{shown:?} once in\n{md}");
        let at = pos(&shown);
        assert!(at < pos("**Gate:**"), "{w:?} before the gate:\n{md}");
        assert!(
            at < pos("### New findings"),
            "{w:?} before the findings:\n{md}"
        );
    }
    assert!(pos("the base `HEAD` at ") < pos(&warnings[0].replace('<', "&lt;")));
    assert!(pos(" could not be checked") < pos(&warnings[0].replace('<', "&lt;")));
}

#[test]
fn markdown_tables_survive_pipes_and_html_in_texts() {
    let dir = awkward_repo();
    let out = run(dir.path(), &["check", "--format", "markdown"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    let md = out.stdout;
    // Every table row has exactly the header's number of cells.
    for line in md.lines().filter(|l| l.starts_with('|')) {
        let cells = line.replace("\\|", "").matches('|').count();
        assert!(cells == 6 || cells == 3, "a row with a stray pipe: {line}");
    }
    // Text from rule packs cannot open or close HTML (the collapsed section
    // stays one section).
    assert_eq!(md.matches("</details>").count(), 1, "{md}");
    assert_eq!(md.matches("<details>").count(), 1, "{md}");
    assert!(!md.contains("<owner>"), "{md}");
    assert!(md.contains("&lt;owner&gt;"), "{md}");
    // Nor make an image (a tracking pixel) or a link.
    assert!(!md.contains("![x]("), "{md}");
    assert!(md.contains("!\\[x\\](http://t.example/p.png)"), "{md}");
    // Paths inside code spans are left as they are.
    assert!(
        md.contains("`services/my service/bücher.privacy.yaml:3`"),
        "{md}"
    );
}

// ------------------------------------------------------------- -o FILE

/// `privgate check acme-shop --format json -o path`.
fn acme_json_to(path: &Path) -> Out {
    run(
        &acme(),
        &[
            "check",
            "--today",
            TODAY,
            "--format",
            "json",
            "-o",
            path.to_str().unwrap(),
        ],
    )
}

/// `-o` onto something that is not a regular file writes into it: replacing
/// a FIFO (or `/dev/null`) with a plain file would break the user's system.
#[cfg(unix)]
#[test]
fn output_into_a_fifo_writes_through_it() {
    use std::os::unix::fs::FileTypeExt;
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("pipe");
    let made = std::process::Command::new("mkfifo").arg(&fifo).status();
    if !made.is_ok_and(|s| s.success()) {
        eprintln!("skipped: no mkfifo");
        return;
    }
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || std::fs::read_to_string(fifo).unwrap())
    };
    let written = acme_json_to(&fifo);
    assert_eq!(written.code, 0, "{}", written.stderr);
    // Checked first: were it replaced, the reader would wait forever.
    assert!(std::fs::metadata(&fifo).unwrap().file_type().is_fifo());
    assert_eq!(reader.join().unwrap(), acme_report("json"));
}

/// Through a symlink, the file it names is replaced and the link stays.
#[cfg(unix)]
#[test]
fn output_through_a_symlink_replaces_the_file_it_names() {
    let dir = tempfile::tempdir().unwrap();
    let real = dir.path().join("real.json");
    let link = dir.path().join("link.json");
    std::fs::write(&real, "old").unwrap();
    std::os::unix::fs::symlink(&real, &link).unwrap();
    let written = acme_json_to(&link);
    assert_eq!(written.code, 0, "{}", written.stderr);
    assert!(std::fs::symlink_metadata(&link)
        .unwrap()
        .file_type()
        .is_symlink());
    assert_eq!(std::fs::read_to_string(&real).unwrap(), acme_report("json"));
}

#[test]
fn output_file_is_written_whole_and_stdout_stays_empty() {
    let out_dir = tempfile::tempdir().unwrap();
    for format in ["json", "sarif", "junit", "markdown"] {
        let path = out_dir.path().join(format!("report.{format}"));
        let path_s = path.to_str().unwrap();
        let written = run(
            &acme(),
            &["check", "--today", TODAY, "--format", format, "-o", path_s],
        );
        assert_eq!(written.code, 0, "{format}: {}", written.stderr);
        assert_eq!(written.stdout, "", "{format}: nothing on stdout with -o");
        // One line on stderr says where the report went and the verdict.
        assert!(
            written.stderr.starts_with(&format!(
                "wrote {path_s}: score 98.6 (B, capped by 3 high findings)"
            )) && written.stderr.trim_end().ends_with("gate passed")
                && written.stderr.lines().count() == 1,
            "{format}: {}",
            written.stderr
        );
        let first = std::fs::read(&path).unwrap();
        assert_eq!(
            first,
            acme_report(format).into_bytes(),
            "{format}: the file holds what stdout would"
        );
        // Byte-identical across runs (no timestamps, stable order).
        let again = run(
            &acme(),
            &[
                "check", "--today", TODAY, "--format", format, "--output", path_s,
            ],
        );
        assert_eq!(again.code, 0);
        assert_eq!(
            std::fs::read(&path).unwrap(),
            first,
            "{format}: deterministic"
        );
    }
    let names: BTreeSet<String> = std::fs::read_dir(out_dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names.len(), 4, "no temporary files left behind: {names:?}");

    // A failing gate still writes the report, and the exit code says so.
    let dir = awkward_repo();
    let path = out_dir.path().join("failing.sarif");
    let failing = run(
        dir.path(),
        &["check", "--format", "sarif", "-o", path.to_str().unwrap()],
    );
    assert_eq!(failing.code, 1);
    assert_eq!(failing.stdout, "");
    let _: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();

    // An unwritable destination is an error, and leaves nothing.
    let missing = out_dir.path().join("no/such/dir/report.md");
    let bad = run(
        &acme(),
        &[
            "check",
            "--today",
            TODAY,
            "--format",
            "markdown",
            "-o",
            missing.to_str().unwrap(),
        ],
    );
    assert_eq!(bad.code, 2, "{}", bad.stderr);
    assert_eq!(bad.stdout, "");
    assert!(bad.stderr.contains("cannot write"), "{}", bad.stderr);
    assert!(!out_dir.path().join("no").exists());
}

#[test]
fn reports_are_byte_identical_across_runs() {
    let dir = awkward_repo();
    for format in ["json", "sarif", "junit", "markdown"] {
        let a = run(dir.path(), &["check", "--format", format]);
        let b = run(dir.path(), &["check", "--format", format]);
        assert_eq!(a.code, 1);
        assert_eq!(a.stdout, b.stdout, "{format}");
        assert!(!a.stdout.is_empty());
    }
}

#[test]
fn sarif_locations_are_relative_to_the_top_of_the_git_repository() {
    let dir = tempfile::tempdir().unwrap();
    git2::Repository::init(dir.path()).unwrap();
    let shop = dir.path().join("apps/shop");
    copy_dir(&acme(), &shop);
    let out = run(
        dir.path(),
        &["check", "apps/shop", "--today", TODAY, "--format", "sarif"],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    let doc: Value = serde_json::from_str(&out.stdout).unwrap();
    let results = doc["runs"][0]["results"].as_array().unwrap();
    assert!(!results.is_empty());
    for r in results {
        let uri = r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            .as_str()
            .unwrap();
        assert!(uri.starts_with("apps/shop/"), "{uri}");
        assert!(
            shop.join(uri.trim_start_matches("apps/shop/")).is_file(),
            "{uri}"
        );
    }
}

// ------------------------------------------------------- could not check

/// A git repository whose privgate root, `apps/shop`, cannot be checked:
/// an unknown rule id in the config, and a manifest with a misspelt lawful
/// basis and an id that quotes a pipe and `<i>`.
fn broken_repo() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    git2::Repository::init(dir.path()).unwrap();
    common::write_files(
        dir.path(),
        [
            (
                "apps/shop/privgate.yaml",
                "version: 1\nregulations: [gdpr]\nrules:\n  gdpr.nope: { enabled: false }\n",
            ),
            (
                "apps/shop/svc/privacy.yaml",
                "version: 1\npurposes:\n  - id: p1\n    description: x\n    lawful_basis: contracts\n    categories: [user.contact.email]\n    subjects: [customer]\ndatasets:\n  - id: \"a|b<i>\"\n    categories: [user.contact.email]\n    subjects: [customer]\n",
            ),
        ],
    );
    dir
}

/// `validate --format json`'s diagnostics of the broken repository: what
/// the documents of `check` must carry, with the same places.
fn broken_diagnostics(dir: &Path) -> Vec<Value> {
    let out = run(dir, &["validate", "apps/shop", "--format", "json"]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    let v: Value = serde_json::from_str(&out.stdout).unwrap();
    let diags = v["diagnostics"].as_array().unwrap().clone();
    assert_eq!(diags.len(), 3, "{diags:#?}");
    diags
}

fn place_of(d: &Value) -> String {
    format!(
        "{}:{}:{}",
        d["file"].as_str().unwrap(),
        d["line"],
        d["column"]
    )
}

/// `upload-sarif` runs whatever the exit code: at exit 2 it must find a
/// valid log that says the run failed and shows each error where it is.
#[test]
fn sarif_when_it_could_not_check_carries_every_error() {
    let dir = broken_repo();
    let diags = broken_diagnostics(dir.path());
    let out = run(dir.path(), &["check", "apps/shop", "--format", "sarif"]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    // The human diagnostics stay on stderr.
    assert!(
        out.stderr.contains("could not check: 3 errors found")
            && out.stderr.contains("apps/shop/svc/privacy.yaml:5:19"),
        "{}",
        out.stderr
    );
    let doc: Value = serde_json::from_str(&out.stdout).unwrap();
    if let Some(schema) = sarif_schema() {
        let errors = sarif_errors(&schema, &doc);
        assert!(errors.is_empty(), "{errors:#?}");
    }
    let run0 = &doc["runs"][0];
    let invocation = &run0["invocations"][0];
    assert_eq!(invocation["executionSuccessful"], false);
    let notifications = invocation["toolExecutionNotifications"].as_array().unwrap();
    let results = run0["results"].as_array().unwrap();
    let rules = run0["tool"]["driver"]["rules"].as_array().unwrap();
    assert_eq!(results.len(), diags.len());
    assert_eq!(notifications.len(), diags.len());
    for d in &diags {
        let message = d["message"].as_str().unwrap();
        let r = results
            .iter()
            .find(|r| r["message"]["text"].as_str().unwrap().starts_with(message))
            .unwrap_or_else(|| panic!("no result for {message}"));
        assert_eq!(r["level"], "error");
        assert_eq!(r["ruleId"], d["code"]);
        assert_eq!(
            rules[r["ruleIndex"].as_u64().unwrap() as usize]["id"],
            d["code"]
        );
        let loc = &r["locations"][0]["physicalLocation"];
        assert_eq!(
            loc["artifactLocation"]["uri"],
            sarif_uri(&format!("apps/shop/{}", d["file"].as_str().unwrap())),
            "relative to the top of the repository"
        );
        assert_eq!(loc["region"]["startLine"], d["line"]);
        assert_eq!(loc["region"]["startColumn"], d["column"]);
        assert!(notifications
            .iter()
            .any(|n| n["message"] == r["message"] && n["locations"] == r["locations"]));
    }

    // `-o FILE`: the same log, whole, and nothing on stdout.
    let path = dir.path().join("privgate.sarif");
    let to_file = run(
        dir.path(),
        &[
            "check",
            "apps/shop",
            "--format",
            "sarif",
            "-o",
            path.to_str().unwrap(),
        ],
    );
    assert_eq!(to_file.code, 2, "{}", to_file.stderr);
    assert_eq!(to_file.stdout, "");
    assert_eq!(std::fs::read_to_string(&path).unwrap(), out.stdout);

    // An error with no file is a notification only: code scanning refuses
    // a whole log over one result without a location.
    let flag = run(
        dir.path(),
        &[
            "check",
            "apps/shop",
            "--format",
            "sarif",
            "--regulation",
            "gdrp",
        ],
    );
    assert_eq!(flag.code, 2, "{}", flag.stderr);
    let doc: Value = serde_json::from_str(&flag.stdout).unwrap();
    if let Some(schema) = sarif_schema() {
        let errors = sarif_errors(&schema, &doc);
        assert!(errors.is_empty(), "{errors:#?}");
    }
    let run0 = &doc["runs"][0];
    let notifications = run0["invocations"][0]["toolExecutionNotifications"]
        .as_array()
        .unwrap();
    assert_eq!(notifications.len(), diags.len() + 1);
    assert!(
        notifications
            .iter()
            .any(|n| n["associatedRule"]["id"] == "unknown-regulation"
                && n.get("locations").is_none())
    );
    let results = run0["results"].as_array().unwrap();
    assert!(results
        .iter()
        .all(|r| r["locations"][0]["physicalLocation"].is_object()));
    assert!(!results.iter().any(|r| r["ruleId"] == "unknown-regulation"));

    // JSON has no report to give (cli.md's needs a score): nothing, as before.
    let json = run(dir.path(), &["check", "apps/shop", "--format", "json"]);
    assert_eq!((json.code, json.stdout.as_str()), (2, ""));
}

/// A repository path as SARIF writes it (percent-encoded).
fn sarif_uri(path: &str) -> String {
    path.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

#[test]
fn junit_when_it_could_not_check_has_one_error_per_problem() {
    let dir = broken_repo();
    let diags = broken_diagnostics(dir.path());
    let out = run(dir.path(), &["check", "apps/shop", "--format", "junit"]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    let root = parse_xml(&out.stdout);
    assert_eq!(root.count("errors"), diags.len());
    let suites = root.find_all("testsuite");
    assert_eq!(suites.len(), 1);
    assert_eq!(suites[0].count("errors"), diags.len());
    assert_eq!(suites[0].count("tests"), diags.len());
    assert_eq!(suites[0].count("failures"), 0);
    let cases = root.find_all("testcase");
    assert_eq!(cases.len(), diags.len());
    for d in &diags {
        let expected = format!("{}: {}", place_of(d), d["message"].as_str().unwrap());
        let case = cases
            .iter()
            .find(|c| {
                c.children
                    .iter()
                    .any(|e| e.name == "error" && e.attr("message") == expected)
            })
            .unwrap_or_else(|| panic!("no <error message={expected:?}> in\n{}", out.stdout));
        assert_eq!(case.attr("classname"), d["code"].as_str().unwrap());
        assert_eq!(case.children[0].attr("type"), d["code"].as_str().unwrap());
    }
}

#[test]
fn markdown_when_it_could_not_check_says_so_and_lists_every_error() {
    let dir = broken_repo();
    let diags = broken_diagnostics(dir.path());
    let out = run(dir.path(), &["check", "apps/shop", "--format", "markdown"]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    let md = out.stdout;
    assert_eq!(
        md.lines().next(),
        Some("## ⛔ privgate could not check: 3 errors"),
        "{md}"
    );
    assert!(!md.contains("gate passed") && !md.contains("✅"), "{md}");
    for d in &diags {
        let line = md
            .lines()
            .find(|l| l.starts_with(&format!("- `{}` ", place_of(d))))
            .unwrap_or_else(|| panic!("no item for {} in\n{md}", place_of(d)));
        assert!(
            line.contains(&format!("`{}`", d["code"].as_str().unwrap())),
            "{line}"
        );
        // Messages quote values in code spans, kept as written: a pipe
        // needs no escape outside a table.
        assert!(line.contains(d["message"].as_str().unwrap()), "{line}");
    }
    assert!(md.contains("found the text `a|b<i>`"), "{md}");
}

// ------------------------------------------------------- expired waivers

/// An expired waiver no longer covers its finding: JSON keeps cli.md's
/// `"waived": false, "waiver": null`, and the readable outputs say on the
/// finding whose waiver expired when.
#[test]
fn an_expired_waiver_is_named_on_its_finding() {
    let dir = tempfile::tempdir().unwrap();
    common::write_files(
        dir.path(),
        [
            (
                "privacy.yaml",
                "version: 1\npurposes:\n  - id: p1\n    description: Newsletter\n    lawful_basis: contract\n    categories: [user.contact.email]\n    subjects: [customer]\n",
            ),
            (
                "privgate.yaml",
                "version: 1\nregulations: [gdpr]\nwaivers:\n  - rule: gdpr.record-of-processing\n    target: purpose:p1\n    reason: Old exception\n    approved_by: dpo@example.com\n    expires: 2026-11-01\n",
            ),
        ],
    );
    let note = "waiver by dpo@example.com expired on 2026-11-01";

    let report = json_of(dir.path());
    let f = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "gdpr.record-of-processing")
        .unwrap();
    assert_eq!(
        (&f["waived"], &f["waiver"]),
        (&Value::Bool(false), &Value::Null)
    );
    assert!(
        !report.to_string().contains(note),
        "the JSON report is unchanged"
    );

    let md = run(dir.path(), &["check", "--format", "markdown"]).stdout;
    let row = md
        .lines()
        .find(|l| l.contains("`gdpr.record-of-processing`"))
        .unwrap_or_else(|| panic!("no row in\n{md}"));
    assert!(row.starts_with(&format!("| medium ({note}) |")), "{row}");
    assert_eq!(md.matches(note).count(), 1, "on that finding only:\n{md}");

    // In the finding's help, under its source excerpt.
    let human = run(dir.path(), &["check"]).stdout;
    let at = human
        .find(&format!("help: {note}."))
        .unwrap_or_else(|| panic!("{human}"));
    assert!(
        human[..at].rfind("[medium] the record of processing for purpose `p1`")
            > human[..at].rfind("help:").or(Some(0)),
        "{human}"
    );
    assert_eq!(
        human.matches(note).count(),
        1,
        "the finding, besides the warning's own wording:\n{human}"
    );
}

// ------------------------------------------------------- several reports

#[test]
fn one_run_writes_every_report_each_as_its_own_run_would() {
    let out_dir = tempfile::tempdir().unwrap();
    let file = |name: &str| out_dir.path().join(name).to_str().unwrap().to_string();
    let (sarif, json, junit, md) = (file("r.sarif"), file("r.json"), file("r.xml"), file("r.md"));
    let out = run(
        &acme(),
        &[
            "check",
            "--today",
            TODAY,
            "--sarif-output",
            &sarif,
            "--json-output",
            &json,
            "--junit-output",
            &junit,
            "--markdown-output",
            &md,
        ],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    // The human report still goes to stdout; one line names the files.
    assert!(out.stdout.contains("gate passed"), "{}", out.stdout);
    assert!(
        out.stderr
            .starts_with(&format!("wrote {sarif}, {json}, {junit}, {md}: score ")),
        "{}",
        out.stderr
    );
    for (path, format) in [
        (&sarif, "sarif"),
        (&json, "json"),
        (&junit, "junit"),
        (&md, "markdown"),
    ] {
        assert_eq!(
            std::fs::read_to_string(path).unwrap(),
            acme_report(format),
            "{format}"
        );
    }
}

#[test]
fn extra_reports_need_files_of_their_own() {
    let out_dir = tempfile::tempdir().unwrap();
    let same = out_dir.path().join("r").to_str().unwrap().to_string();
    let out = run(
        &acme(),
        &[
            "check",
            "--format",
            "json",
            "-o",
            &same,
            "--sarif-output",
            &same,
        ],
    );
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains("is named for two reports"),
        "{}",
        out.stderr
    );
    let out = run(&acme(), &["check", "--markdown-output", "-"]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr
            .contains("--markdown-output needs a file; stdout is for --format's report"),
        "{}",
        out.stderr
    );
    assert!(!out_dir.path().join("r").exists(), "nothing was written");
}

#[test]
fn when_privgate_cannot_check_every_extra_report_says_so() {
    let dir = tempfile::tempdir().unwrap();
    common::write_files(dir.path(), [("privacy.yaml", "version: 1\npurposes: [\n")]);
    let out_dir = tempfile::tempdir().unwrap();
    let (sarif, json) = (
        out_dir.path().join("r.sarif"),
        out_dir.path().join("r.json"),
    );
    // A JSON report an earlier run left behind.
    std::fs::write(&json, acme_report("json")).unwrap();
    let out = privgate(dir.path())
        .arg("check")
        .arg("--sarif-output")
        .arg(&sarif)
        .arg("--json-output")
        .arg(&json)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let log: Value = serde_json::from_str(&std::fs::read_to_string(&sarif).unwrap()).unwrap();
    assert_eq!(
        log["runs"][0]["invocations"][0]["executionSuccessful"],
        false
    );
    assert!(!json.exists(), "the stale JSON report is gone");
}

#[test]
fn junit_in_pull_request_mode_marks_the_failures_the_change_brought() {
    let dataset = |id: &str| {
        format!("  - id: {id}\n    categories: [user.contact.email]\n    subjects: [customer]\n")
    };
    let repo = Repo::new();
    repo.commit_files(
        &[(
            "privacy.yaml",
            format!("version: 1\ndatasets:\n{}", dataset("ds-old")),
        )],
        "base",
    );
    repo.write(&[(
        "privacy.yaml",
        format!(
            "version: 1\ndatasets:\n{}{}",
            dataset("ds-old"),
            dataset("ds-new")
        ),
    )]);
    let xml = run(
        repo.path(),
        &["check", "--changed-since", "HEAD", "--format", "junit"],
    )
    .stdout;
    let failure = |target: &str| {
        let case = &xml[xml
            .find(&format!(
                "classname=\"gdpr.retention-defined\" name=\"{target}\""
            ))
            .unwrap_or_else(|| panic!("no case for {target}:\n{xml}"))..];
        case[case.find("<failure message=\"").unwrap() + 18..]
            .split('"')
            .next()
            .unwrap()
            .to_string()
    };
    assert!(
        failure("dataset:ds-new").starts_with("[new] dataset `ds-new`"),
        "{xml}"
    );
    assert!(
        failure("dataset:ds-old").starts_with("dataset `ds-old`"),
        "{xml}"
    );
}

#[test]
fn no_output_is_written_over_a_file_the_run_reads() {
    let tmp = tempfile::tempdir().unwrap();
    common::write_files(
        tmp.path(),
        [
            (
                "privacy.yaml",
                "version: 1\ndatasets:\n  - id: a\n    categories: [user.contact.email]\n    subjects: [customer]\n",
            ),
            ("privgate.yaml", "version: 1\nregulations: [gdpr]\n"),
            ("broken/privacy.yaml", "version: 1\nsystem: [\n"),
        ],
    );
    let before = |p: &str| std::fs::read_to_string(tmp.path().join(p)).unwrap();
    let (manifest, config) = (before("privacy.yaml"), before("privgate.yaml"));
    let attempts: [&[&str]; 5] = [
        // A run that could not check (the broken manifest) writes no
        // failure document over an input either.
        &["check", "--format", "json", "-o", "privacy.yaml"],
        &["check", "--sarif-output", "./broken/../privgate.yaml"],
        &["check", "--format", "markdown", "-o", "broken/privacy.yaml"],
        &["ropa", "--format", "markdown", "-o", "privacy.yaml"],
        &["report", "-o", "privgate.yaml"],
    ];
    for (i, args) in attempts.into_iter().enumerate() {
        if i == 3 {
            assert_eq!(before("broken/privacy.yaml"), "version: 1\nsystem: [\n");
            std::fs::remove_dir_all(tmp.path().join("broken")).unwrap();
        }
        let out = run(tmp.path(), args);
        assert_eq!(out.code, 2, "{args:?}: {}", out.stderr);
        assert!(
            out.stderr.contains("refusing to write over `"),
            "{args:?}: {}",
            out.stderr
        );
    }
    assert_eq!(before("privacy.yaml"), manifest);
    assert_eq!(before("privgate.yaml"), config);
}

// ------------------------------------------------------------ grade cap

/// cli.md "Score": a 95.0 with one unwaived critical finding is a D, and
/// every output that shows the grade says it is capped and why.
#[test]
fn a_critical_finding_caps_the_grade_at_d_in_every_format() {
    let dir = common::grade_cap_repo("critical", 20, 1, false);
    let check = |format: &str| {
        let out = run(dir.path(), &["check", "--format", format]);
        assert_eq!(out.code, 0, "{format}: {}", out.stderr);
        out.stdout
    };

    let text = check("json");
    let json: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(
        json["score"],
        serde_json::json!({
            "overall": 95.0,
            "grade": "D",
            "grade_cap": { "grade": "D", "reason": "1 critical finding" },
            "by_regulation": { "acme": 95.0 },
        })
    );
    let keys: Vec<&str> = json["score"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(keys, ["overall", "grade", "grade_cap", "by_regulation"]);
    let schema: Value = serde_json::from_str(privgate::load::schema::REPORT).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(&json)
        .map(|e| e.to_string())
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");

    let human = check("human");
    assert!(
        human.contains("score 95.0 (D, capped by 1 critical finding) [acme 95.0] - 1 finding"),
        "{human}"
    );

    let md = check("markdown");
    assert!(
        md.starts_with("## ✅ Privacy score 95.0 (D, capped by 1 critical finding): gate passed\n"),
        "{md}"
    );

    let sarif: Value = serde_json::from_str(&check("sarif")).unwrap();
    if let Some(schema) = sarif_schema() {
        assert_eq!(sarif_errors(&schema, &sarif), Vec::<String>::new());
    }
    let props = &sarif["runs"][0]["properties"];
    assert_eq!(props["grade"], "D");
    assert_eq!(
        props["gradeCap"],
        serde_json::json!({ "grade": "D", "reason": "1 critical finding" })
    );

    let xml = check("junit");
    check_junit(&xml, &json);
    for suite in parse_xml(&xml).find_all("testsuite") {
        let props: BTreeMap<&str, &str> = suite
            .find_all("property")
            .iter()
            .map(|p| (p.attr("name"), p.attr("value")))
            .collect();
        assert_eq!(
            props,
            BTreeMap::from([
                ("score", "95.0"),
                ("grade", "D"),
                ("grade_cap", "D: 1 critical finding"),
            ]),
            "{xml}"
        );
    }

    let score = run(dir.path(), &["score"]);
    assert_eq!(score.code, 0, "{}", score.stderr);
    assert!(score.stdout.contains("95.0 D\n"), "{}", score.stdout);
    assert!(
        score
            .stdout
            .lines()
            .any(|l| l.starts_with("grade capped at D ") && l.ends_with(" 1 critical finding")),
        "{}",
        score.stdout
    );
    let score: Value =
        serde_json::from_str(&run(dir.path(), &["score", "--format", "json"]).stdout).unwrap();
    assert_eq!(score["score"], json["score"]);

    let html_path = dir.path().join("report.html");
    let out = run(dir.path(), &["report", "-o", html_path.to_str().unwrap()]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stderr
            .contains("score 95.0 (D, capped by 1 critical finding), gate passed"),
        "{}",
        out.stderr
    );
    let html = std::fs::read_to_string(&html_path).unwrap();
    let card = &html[html.find("id=\"score\"").unwrap()..];
    let card = &card[..card.find("</div>\n    </div>").unwrap_or(card.len())];
    assert!(card.contains("Grade D"), "{card}");
    assert!(
        card.contains("capped from A by 1 critical finding"),
        "{card}"
    );
    // The regulation's chip is capped too: no A beside a critical finding.
    assert!(
        html.contains(
            "<span class=\"chip\">D</span><span class=\"cap\">capped by 1 critical finding</span>"
        ),
        "{html}"
    );
}

/// Pull-request mode caps the head's grade by all its unwaived findings,
/// not only the new ones: a critical finding the base already had still
/// caps it, though it does not fail the gate.
#[test]
fn in_pull_request_mode_the_cap_counts_every_unwaived_finding_of_the_head() {
    let repo = Repo::new();
    let mut files = common::grade_cap_files("critical", 20, 1, false);
    files[0].1 = files[0].1.replace("fail_on: none", "fail_on: critical");
    let files: Vec<(&str, &str)> = files
        .iter()
        .map(|(p, c)| (p.as_str(), c.as_str()))
        .collect();
    repo.commit_files(&files, "base");
    repo.write(&[(
        "s21/privacy.yaml",
        "version: 1\nsystem: { id: s21, owner: team-platform@acme.example }\n",
    )]);
    let out = run(
        repo.path(),
        &["check", "--changed-since", "HEAD", "--format", "json"],
    );
    assert_eq!(out.code, 0, "no new finding: {}", out.stderr);
    let json: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(json["changes"]["new"], serde_json::json!([]));
    assert_eq!(json["score"]["overall"], 95.2);
    assert_eq!(json["score"]["grade"], "D");
    assert_eq!(
        json["score"]["grade_cap"],
        serde_json::json!({ "grade": "D", "reason": "1 critical finding" })
    );
    let md = run(
        repo.path(),
        &["check", "--changed-since", "HEAD", "--format", "markdown"],
    )
    .stdout;
    assert!(
        md.starts_with("## ✅ Privacy score 95.2 (D, capped by 1 critical finding): gate passed\n"),
        "{md}"
    );
}

#[test]
fn trend_says_which_grades_are_capped() {
    let repo = Repo::new();
    let files = common::grade_cap_files("critical", 20, 1, false);
    let files: Vec<(&str, &str)> = files
        .iter()
        .map(|(p, c)| (p.as_str(), c.as_str()))
        .collect();
    repo.commit_files(&files, "capped");
    let table = run(repo.path(), &["trend"]);
    assert_eq!(table.code, 0, "{}", table.stderr);
    let row = table.stdout.lines().nth(1).unwrap();
    assert!(row.contains(" 95.0  D* "), "{}", table.stdout);
    assert!(
        table
            .stdout
            .ends_with("* capped by the worst unwaived finding: a critical one caps the grade at D, a high one at B\n"),
        "{}",
        table.stdout
    );
    let json: Value =
        serde_json::from_str(&run(repo.path(), &["trend", "--format", "json"]).stdout).unwrap();
    assert_eq!(
        json["commits"][0]["grade_cap"],
        serde_json::json!({ "grade": "D", "reason": "1 critical finding" })
    );
    let csv = run(repo.path(), &["trend", "--format", "csv"]).stdout;
    let mut lines = csv.lines();
    assert!(lines.next().unwrap().ends_with(",grade_cap"), "{csv}");
    assert!(
        lines.next().unwrap().ends_with(",1 critical finding"),
        "{csv}"
    );
}
