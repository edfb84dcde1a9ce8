//! `privgate report`, `ropa`, `map` and `trend`: the HTML report as a
//! snapshot, escaping of hostile names, the page in a real browser
//! (headless Chromium, when installed), the record of processing in every
//! format, the map through Graphviz and an XML parser, and the trend over a
//! git repository built here.

use crate::common::{copy_dir, write_files, ORG_PACK};
use assert_cmd::Command;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

const TODAY: &str = "2026-11-23";

/// Every purpose of examples/acme-shop (EXPECTED.md: 14).
const ACME_PURPOSES: [&str; 14] = [
    "account-management",
    "account-security",
    "web-analytics",
    "recommendations",
    "order-fulfilment",
    "payment-risk-check",
    "payroll",
    "employment-administration",
    "absence-management",
    "recruiting",
    "newsletter",
    "retargeting-ads",
    "local-offers",
    "customer-support",
];

/// Rule ids of acme-shop's open findings on TODAY (EXPECTED.md).
/// (Rules v2: `ccpa.purpose-limitation` joins `gdpr.data-minimisation` on
/// the clickstream dataset.)
const ACME_RULES: [&str; 6] = [
    "gdpr.transfer-impact-assessment",
    "gdpr.undeclared-vendor",
    "ccpa.undeclared-vendor",
    "gdpr.vendor-assessment-review",
    "gdpr.data-minimisation",
    "ccpa.purpose-limitation",
];

fn privgate(dir: &Path) -> Command {
    let mut cmd = crate::common::privgate();
    cmd.current_dir(dir)
        .env("NO_COLOR", "1")
        .env_remove("PRIVGATE_TODAY");
    cmd
}

/// acme-shop copied outside any git repository, so the report has no
/// commit, branch or trend and the snapshot does not change with history.
/// A copy of acme-shop in a directory of that name (reports show it).
struct AcmeCopy {
    _tmp: tempfile::TempDir,
    path: std::path::PathBuf,
}

impl AcmeCopy {
    fn path(&self) -> &Path {
        &self.path
    }
}

fn acme_copy() -> AcmeCopy {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("acme-shop");
    std::fs::create_dir(&path).unwrap();
    copy_dir(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/acme-shop"),
        &path,
    );
    AcmeCopy { _tmp: tmp, path }
}

fn report_html(dir: &Path) -> String {
    let out = dir.join("privacy-report.html");
    // Written whether the gate passes (exit 0) or fails (exit 1).
    let run = privgate(dir)
        .args(["report", ".", "--today", TODAY, "-o"])
        .arg(&out)
        .output()
        .unwrap();
    assert!(
        matches!(run.status.code(), Some(0 | 1)),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    std::fs::read_to_string(out).unwrap()
}

#[test]
fn report_exits_1_when_the_gate_fails_and_still_writes_the_file() {
    let dir = acme_copy();
    let out = dir.path().join("r.html");
    privgate(dir.path())
        .args(["report", ".", "--today", TODAY, "--fail-on", "low", "-o"])
        .arg(&out)
        .assert()
        .code(1);
    assert!(std::fs::read_to_string(out)
        .unwrap()
        .contains("gdpr.data-minimisation"));
}

#[test]
fn acme_shop_html_report_snapshot() {
    let dir = acme_copy();
    let html = report_html(dir.path());
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.contains("Acme GmbH"));
    assert!(html.contains("98.6"));
    assert!(html.contains("not in a git repository"));
    for rule in ACME_RULES {
        assert!(html.contains(rule), "{rule} missing from the report");
    }
    assert!(html.contains("<dd><strong>acme-shop</strong> <small>(<code>.</code>)</small></dd>"));
    insta::assert_snapshot!("acme_shop_report_html", html);
}

#[test]
fn html_report_is_self_contained() {
    let dir = acme_copy();
    let html = report_html(dir.path());
    // Nothing is fetched: no external scripts, styles, images or fonts.
    for needle in [
        "<script src",
        "<link",
        "@import",
        "url(http",
        "src=\"http",
        "<iframe",
        "<img",
    ] {
        assert!(!html.contains(needle), "found {needle:?}");
    }
    // The only links lead to sections of the page or to declared web notices.
    for href in attribute_values(&html, "href") {
        let href = href.replace("&#x2f;", "/");
        assert!(
            href.starts_with('#') || href.starts_with("https://") || href.starts_with("http://"),
            "unexpected href {href:?}"
        );
    }
    // A CSP that forbids the network and every script but ours.
    let csp = attribute_values(&html, "content")
        .into_iter()
        .map(|v| v.replace("&#x27;", "'"))
        .find(|v| v.starts_with("default-src"))
        .expect("a Content-Security-Policy");
    assert!(csp.starts_with("default-src 'none';"), "{csp}");
    assert!(csp.contains("script-src 'sha256-"), "{csp}");
    assert!(
        !csp.contains("unsafe-eval") && !csp.contains("script-src 'unsafe-inline'"),
        "{csp}"
    );
    assert_eq!(html.matches("<script>").count(), 1);
    // The same input and date give the same bytes.
    assert_eq!(html, report_html(dir.path()));
}

#[test]
fn html_report_on_stdout_without_output_flag() {
    let dir = acme_copy();
    let out = privgate(dir.path())
        .args(["report", "--today", TODAY])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let html = String::from_utf8(out.stdout).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>") && html.trim_end().ends_with("</html>"));
}

/// `wrote FILE: score S (G)` gives the score with one decimal, as every
/// other output does: `100.0` and `0.0`, not `100` and `0`.
#[test]
fn report_writes_the_score_on_stderr_with_one_decimal() {
    for (manifest, expected) in [
        ("version: 1\n", "score 100.0 (A), gate passed"),
        (
            "version: 1\nsystem: { id: a }\n",
            "score 0.0 (F), gate passed",
        ),
    ] {
        let dir = tempfile::tempdir().unwrap();
        write_files(
            dir.path(),
            [
                ("privgate.yaml", "version: 1\nregulations: [gdpr]\n"),
                ("privacy.yaml", manifest),
            ],
        );
        let out = privgate(dir.path())
            .args(["report", ".", "--today", TODAY, "-o", "r.html"])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0));
        let stderr = String::from_utf8(out.stderr).unwrap();
        assert!(
            stderr.starts_with("wrote r.html (") && stderr.trim_end().ends_with(expected),
            "{stderr}"
        );
    }
}

#[test]
fn report_on_invalid_manifests_exits_2_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    write_files(dir.path(), [("privacy.yaml", "version: 1\npurposes: [\n")]);
    let out = dir.path().join("r.html");
    privgate(dir.path())
        .args(["report", ".", "-o"])
        .arg(&out)
        .assert()
        .code(2);
    assert!(!out.exists());
    privgate(dir.path())
        .args(["report", "does-not-exist"])
        .assert()
        .code(2);
}

#[test]
fn waivers_near_or_past_expiry_are_highlighted() {
    let dir = tempfile::tempdir().unwrap();
    write_files(
        dir.path(),
        [
            (
                "privacy.yaml",
                "version: 1\npurposes:\n  - id: p1\n    description: Newsletter\n    lawful_basis: contract\n    categories: [user.contact.email]\n    subjects: [customer]\n",
            ),
            (
                "privgate.yaml",
                "version: 1\nregulations: [gdpr]\nwaivers:\n  - rule: gdpr.transparency-notice\n    target: purpose:p1\n    reason: Notice being drafted\n    approved_by: dpo@example.com\n    expires: 2026-12-01\n  - rule: gdpr.record-of-processing\n    target: purpose:p1\n    reason: Old exception\n    approved_by: dpo@example.com\n    expires: 2026-11-01\n  - rule: gdpr.breach-notification\n    target: repository\n    reason: Plan in review\n    approved_by: ciso@example.com\n    expires: 2027-06-30\n  - rule: gdpr.lawful-basis\n    target: purpose:p1x\n    reason: Typo in the target\n    approved_by: dpo@example.com\n    expires: 2027-06-30\n",
            ),
        ],
    );
    let html = report_html(dir.path());
    let row = |reason: &str| {
        let at = html
            .find(reason)
            .unwrap_or_else(|| panic!("{reason} missing"));
        let start = html[..at].rfind("<tr class=\"").unwrap();
        html[start..at].to_string()
    };
    assert!(row("Notice being drafted").contains("waiver-expiring"));
    assert!(row("Old exception").contains("waiver-expired"));
    assert!(row("Plan in review").contains("waiver-active"));
    assert!(html.contains("expires in 8 days"));
    assert!(html.contains("expired 22 days ago: not applied"));
    // A target that names no declaration says so, with the likely one.
    assert!(row("Typo in the target").contains("waiver-unused"));
    assert!(
        html.contains("no such declaration; did you mean `p1`?"),
        "{html}"
    );
    assert!(html.contains("dpo@example.com") && html.contains("ciso@example.com"));
    // The expired waiver's finding is open again, and says whose waiver
    // expired when; the others are waived.
    assert!(html.contains("class=\"rule-id id\">gdpr.record-of-processing<"));
    let rule = html
        .find("class=\"rule-id id\">gdpr.record-of-processing<")
        .unwrap();
    let article = &html[rule..rule + html[rule..].find("</article>").unwrap()];
    assert!(
        article.contains(
            "<div class=\"lapsed\">waiver by dpo@example.com expired on 2026-11-01</div>"
        ),
        "{article}"
    );
    assert_eq!(html.matches("class=\"lapsed\"").count(), 1);
    assert!(!html.contains("class=\"rule-id id\">gdpr.transparency-notice<"));
}

/// A waived finding stays in the report with what was accepted: the
/// waivers table shows the finding's severity, citation and message beside
/// the waiver's approver and expiry.
#[test]
fn html_waivers_show_the_finding_they_accept() {
    let dir = acme_copy();
    let html = report_html(dir.path());
    let out = privgate(dir.path())
        .args(["check", ".", "--today", TODAY, "--format", "json"])
        .output()
        .unwrap();
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let waived: Vec<&serde_json::Value> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["waived"] == true)
        .collect();
    assert_eq!(waived.len(), 1);
    let f = waived[0];
    let w = &f["waiver"];
    let reason = w["reason"].as_str().unwrap();
    let at = html.find(reason).expect("the waiver's row");
    let start = html[..at].rfind("<tr class=\"waiver-").unwrap();
    let end = at + html[at..].find("</tr>").unwrap();
    // minijinja writes `/` as an entity too.
    let row = &html[start..end].replace("&#x2f;", "/");
    let escaped = |s: &str| s.replace('`', "").replace("&", "&amp;");
    for expected in [
        format!(
            "<span class=\"badge {0}\">{0}</span>",
            f["severity"].as_str().unwrap()
        ),
        escaped(f["citation"].as_str().unwrap()),
        w["approved_by"].as_str().unwrap().to_string(),
        w["expires"].as_str().unwrap().to_string(),
        format!("{}:{}", f["file"].as_str().unwrap(), f["line"]),
    ] {
        assert!(row.contains(&expected), "{expected:?} not in\n{row}");
    }
    // The message, its code spans as <code>.
    let message = f["message"].as_str().unwrap();
    let mut parts = message.split('`');
    let shown: String = parts
        .by_ref()
        .enumerate()
        .map(|(i, p)| {
            if i % 2 == 1 {
                format!("<code>{p}</code>")
            } else {
                p.to_string()
            }
        })
        .collect();
    assert!(row.contains(&shown), "{shown:?} not in\n{row}");
}

// ---------------------------------------------------------------------------
// Escaping

const EVIL_CONFIG: &str = r#"version: 1
organization: "<script>document.body.setAttribute('data-pwned','org')</script>"
regulations: [gdpr]
waivers:
  - rule: gdpr.transparency-notice
    target: purpose:evil-purpose
    reason: "<script>alert(1)</script> \"><img src=x onerror=alert(1)>"
    approved_by: "\"><img src=x onerror=document.body.setAttribute('data-pwned','waiver')>"
    expires: 2026-12-01
"#;

const EVIL_MANIFEST: &str = r#"version: 1
system:
  id: evil
  name: "<script>alert(1)</script>"
  owner: "\"><img src=x onerror=alert(1)>"
  description: "<script>document.body.setAttribute('data-pwned','system')</script>"
datasets:
  - id: evil-db
    name: "\"><img src=x onerror=document.body.setAttribute('data-pwned','dataset')>"
    description: "<script>alert(1)</script>"
    categories: [user.contact.email]
    subjects: [customer]
    location: DE
    encrypted_at_rest: true
    retention: { period: P1Y, trigger: "</td><script>alert(1)</script>", deletion: automated }
purposes:
  - id: evil-purpose
    name: "<script>document.body.setAttribute('data-pwned','purpose')</script>"
    description: "\"><img src=x onerror=alert(1)>"
    lawful_basis: contract
    categories: [user.contact.email]
    subjects: [customer]
    datasets: [evil-db]
    notice: "javascript:alert(1)"
  - id: other-purpose
    name: "</style></svg><script>alert(1)</script>"
    description: x
    lawful_basis: contract
    categories: [user.contact.email]
    subjects: [customer]
    datasets: [evil-db]
    notice: " JavaScript:document.body.setAttribute('data-pwned','notice')"
vendors:
  - id: evil-vendor
    name: "</text><script>alert(1)</script>\" onload=\"alert(1)"
    role: processor
    country: US
flows:
  - id: evil-flow
    description: "<script>alert(1)</script>"
    from: evil-db
    to: evil-vendor
    purpose: evil-purpose
    categories: [user.contact.email]
    destination_country: US
    encrypted_in_transit: true
"#;

fn evil_repo() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    write_files(
        dir.path(),
        [
            ("privgate.yaml", EVIL_CONFIG),
            ("services/evil/privacy.yaml", EVIL_MANIFEST),
        ],
    );
    dir
}

/// Values of `name="..."` attributes anywhere in the markup (as written,
/// entities and all).
fn attribute_values(html: &str, name: &str) -> Vec<String> {
    let needle = format!(" {name}=\"");
    html.match_indices(&needle)
        .map(|(i, _)| {
            let rest = &html[i + needle.len()..];
            rest[..rest.find('"').unwrap_or(rest.len())].to_string()
        })
        .collect()
}

/// Every tag's text (from `<` to the next `>`).
fn tags(html: &str) -> Vec<&str> {
    html.match_indices('<')
        .map(|(i, _)| {
            let rest = &html[i..];
            &rest[..rest.find('>').map_or(rest.len(), |j| j + 1)]
        })
        .collect()
}

#[test]
fn hostile_names_render_inert() {
    let dir = evil_repo();
    let html = report_html(dir.path());
    assert!(
        !html.contains("<script>alert"),
        "raw script tag from a manifest"
    );
    assert!(
        !html.contains("<script>document"),
        "raw script tag from a manifest"
    );
    assert!(
        !html.to_lowercase().contains("<img"),
        "raw img tag from a manifest"
    );
    for tag in tags(&html) {
        let lower = tag.to_lowercase();
        assert!(
            !lower.contains("onerror") && !lower.contains("onload"),
            "event handler in tag {tag:?}"
        );
    }
    for href in attribute_values(&html, "href") {
        assert!(
            !href.to_lowercase().contains("javascript"),
            "javascript: URL as a link: {href:?}"
        );
    }
    // The text is still there, escaped, for a person to read.
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(html.contains("javascript:alert(1)"));
    // Exactly one script element: ours.
    assert_eq!(html.matches("<script").count(), 1);
}

#[test]
fn hostile_names_stay_inert_in_dot_mermaid_and_svg() {
    let dir = evil_repo();
    let dot = map_output(dir.path(), "dot");
    assert!(
        dot.contains(r#"\"><img src=x"#),
        "quotes escaped in DOT labels"
    );
    graphviz_parses(&dot);
    let mermaid = map_output(dir.path(), "mermaid");
    assert!(!mermaid.contains("<script") && !mermaid.contains("<img"));
    for line in mermaid.lines().filter(|l| l.contains("[\"")) {
        // One label per node line: exactly two double quotes.
        assert_eq!(line.matches('"').count(), 2, "unescaped quote in {line:?}");
    }
    let svg = map_output(dir.path(), "svg");
    assert!(!svg.contains("<script") && !svg.contains("<img"));
    for tag in tags(&svg) {
        assert!(
            !tag.contains("onload") && !tag.contains("onerror"),
            "event handler in {tag:?}"
        );
    }
    well_formed_xml(&svg);
}

// ---------------------------------------------------------------------------
// Headless Chromium

const CHROMIUM: &str = "/usr/bin/chromium";

/// Runs Chromium with a fresh profile; `None` when it hangs.
fn chromium(extra: &[&str], url: &str) -> Option<std::process::Output> {
    let profile = tempfile::tempdir().unwrap();
    let mut child = std::process::Command::new(CHROMIUM)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-dev-shm-usage",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .args(extra)
        .arg(url)
        // Nothing of ours for Chromium to read or hold open.
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .ok()?;
    let stdout = child.stdout.take()?;
    let reader = std::thread::spawn(move || {
        let mut s = Vec::new();
        let mut stdout = stdout;
        let _ = std::io::Read::read_to_end(&mut stdout, &mut s);
        s
    });
    let start = Instant::now();
    loop {
        match child.try_wait() {
            Ok(Some(status)) => {
                let out = reader.join().unwrap_or_default();
                return Some(std::process::Output {
                    status,
                    stdout: out,
                    stderr: Vec::new(),
                });
            }
            Ok(None) if start.elapsed() < Duration::from_secs(90) => {
                std::thread::sleep(Duration::from_millis(100))
            }
            _ => {
                let _ = child.kill();
                let _ = child.wait();
                return None;
            }
        }
    }
}

fn file_url(path: &Path) -> String {
    format!("file://{}", path.canonicalize().unwrap().display())
}

#[test]
fn report_in_headless_chromium() {
    if !Path::new(CHROMIUM).exists() {
        println!("skipped: chromium not installed");
        return;
    }
    let dir = acme_copy();
    let html_path = dir.path().join("privacy-report.html");
    report_html(dir.path());
    let url = file_url(&html_path);
    let out = chromium(&["--dump-dom"], &url).expect("chromium did not finish");
    assert!(out.status.success(), "chromium failed: {:?}", out.status);
    let dom = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(dom.contains("98.6"), "score missing from the DOM");
    assert!(dom.contains("Grade B"));
    assert!(
        dom.contains("capped from A by 3 high findings"),
        "the cap explained"
    );
    for kpi in [
        "dpia_coverage",
        "vendor_assessment_coverage",
        "retention_coverage",
        "consent_coverage",
        "transfer_coverage",
        "dsar_sla_days",
        // New in rules v2 (cli.md).
        "risk_assessment_coverage",
        "contract_coverage",
    ] {
        assert!(
            dom.contains(&format!("id=\"kpi-{kpi}\"")),
            "KPI card {kpi} missing"
        );
    }
    for title in [
        "DPIA coverage",
        "Vendor assessment coverage",
        "Retention coverage",
        "DSAR SLA",
        "Risk assessment coverage",
        "Contract coverage",
    ] {
        assert!(dom.contains(title), "KPI title {title} missing");
    }
    for rule in ACME_RULES {
        assert!(dom.contains(rule), "finding {rule} missing from the DOM");
    }
    assert!(
        dom.contains("flow:tickets-to-zendesk") && dom.contains("services/support/privacy.yaml:57")
    );
    // The filter script ran (the CSP hash matches): the form is shown and
    // counts the 6 open findings of rules v2 (Sentry undeclared twice).
    assert!(
        dom.contains("Showing all 6 findings"),
        "the filter script did not run"
    );
    assert!(!dom.contains("id=\"filters\" hidden"));

    // A screenshot to look at.
    let shot = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/report-screenshot.png");
    let _ = std::fs::create_dir_all(shot.parent().unwrap());
    let _ = std::fs::remove_file(&shot);
    let arg = format!("--screenshot={}", shot.display());
    let out = chromium(
        &[&arg, "--window-size=1280,2400", "--hide-scrollbars"],
        &url,
    )
    .expect("chromium did not finish");
    assert!(out.status.success());
    assert!(
        std::fs::metadata(&shot)
            .map(|m| m.len() > 10_000)
            .unwrap_or(false),
        "no screenshot"
    );
}

#[test]
fn hostile_report_runs_no_injected_script_in_chromium() {
    if !Path::new(CHROMIUM).exists() {
        println!("skipped: chromium not installed");
        return;
    }
    let dir = evil_repo();
    report_html(dir.path());
    let out = chromium(
        &["--dump-dom"],
        &file_url(&dir.path().join("privacy-report.html")),
    )
    .expect("chromium did not finish");
    assert!(out.status.success());
    let dom = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(dom.contains("<body"), "no DOM dumped");
    // Every payload sets data-pwned on <body> if it runs.
    let body = &dom[dom.find("<body").unwrap()..];
    let body_tag = &body[..body.find('>').unwrap()];
    assert!(
        !body_tag.contains("data-pwned"),
        "an injected script ran: {body_tag}"
    );
    assert!(!dom.contains("<img"), "an injected element was parsed");
    // Our own script did run.
    assert!(dom.contains("Showing all"));
}

// ---------------------------------------------------------------------------
// Record of processing

fn acme_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("examples/acme-shop")
}

fn ropa_output(dir: &Path, format: &str) -> String {
    let out = privgate(dir)
        .args(["ropa", ".", "--format", format])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn ropa_json_lists_every_purpose_with_its_fields() {
    let text = ropa_output(&acme_dir(), "json");
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(v["controller"]["organization"], "Acme GmbH");
    assert_eq!(
        v["controller"]["system_owners"].as_array().unwrap().len(),
        6
    );
    let activities = v["activities"].as_array().unwrap();
    let ids: Vec<&str> = activities
        .iter()
        .map(|a| a["purpose"].as_str().unwrap())
        .collect();
    let mut expected = ACME_PURPOSES.to_vec();
    let mut got = ids.clone();
    expected.sort();
    got.sort();
    assert_eq!(got, expected);
    for a in activities {
        let id = a["purpose"].as_str().unwrap();
        for field in ["lawful_basis", "description", "owner", "system", "notice"] {
            assert!(a[field].is_string(), "{id}: {field} missing");
        }
        for field in ["data_subjects", "data_categories", "retention", "security"] {
            assert!(
                !a[field].as_array().unwrap().is_empty(),
                "{id}: {field} empty"
            );
        }
        assert!(
            a["missing"].as_array().unwrap().is_empty(),
            "{id}: {}",
            a["missing"]
        );
    }
    let find = |id: &str| activities.iter().find(|a| a["purpose"] == id).unwrap();
    // Recipients are the vendors the purpose's flows disclose data to; the
    // controller's own datasets and systems are not (Art. 4(9), 30(1)(d)).
    for a in activities {
        for r in a["recipients"].as_array().unwrap() {
            assert_eq!(r["kind"], "vendor", "{}: {r}", a["purpose"]);
        }
    }
    assert_eq!(find("recommendations")["recipients"], serde_json::json!([]));
    let support = find("customer-support");
    assert_eq!(support["recipients"][0]["id"], "zendesk");
    assert_eq!(support["transfers"][0]["country"], "US");
    assert_eq!(support["transfers"][0]["mechanism"], "scc");
    let absence = find("absence-management");
    assert_eq!(absence["special_categories"][0], "user.health");
    assert_eq!(absence["special_category_condition"], "employment");
    assert_eq!(find("order-fulfilment")["retention"][0]["period"], "P8Y");
    assert_eq!(find("newsletter")["consent"], "newsletter-consent");
    assert_eq!(
        find("recommendations")["assessments"][0]["id"],
        "recommendations-lia"
    );
}

#[test]
fn ropa_markdown_shows_every_purpose_and_field() {
    let md = ropa_output(&acme_dir(), "markdown");
    assert!(md.starts_with("# Record of processing activities (GDPR Art. 30(1))"));
    assert!(md.contains("Organisation: Acme GmbH"));
    // Art. 30(1)(a): the controller's contact details, and its DPO's.
    assert!(md.contains("Contact: Acme GmbH, Hauptstrasse 1, 10115 Berlin"));
    assert!(md.contains("Data protection officer: Dr. Jana Weber, dpo@acme.example"));
    assert!(md.contains("Representative in the Union (Art. 27): none declared"));
    for id in ACME_PURPOSES {
        assert!(md.contains(&format!("({id})\n")), "{id} missing");
    }
    for label in [
        "Lawful basis",
        "Data subjects",
        "Data categories",
        "Recipients",
        "Third-country transfers",
        "Retention",
        "Security measures",
        "Assessments",
    ] {
        assert_eq!(md.matches(&format!("| {label} |")).count(), 14, "{label}");
    }
}

#[test]
fn ropa_without_controller_details_says_what_is_missing() {
    let dir = tempfile::tempdir().unwrap();
    write_files(
        dir.path(),
        [
            ("privgate.yaml", "version: 1\norganization: Small Shop\n"),
            ("privacy.yaml", "version: 1\nsystem: { id: s1 }\n"),
        ],
    );
    let md = ropa_output(dir.path(), "markdown");
    assert!(
        md.contains("Contact: missing (set controller.contact in privgate.yaml)"),
        "{md}"
    );
    assert!(
        md.contains("Data protection officer: none declared"),
        "{md}"
    );
}

#[test]
fn ropa_csv_parses() {
    let text = ropa_output(&acme_dir(), "csv");
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let headers = reader.headers().unwrap().clone();
    assert_eq!(
        headers.iter().take(5).collect::<Vec<_>>(),
        [
            "controller",
            "controller_contact",
            "dpo",
            "representative",
            "purpose"
        ]
    );
    let purpose = headers.iter().position(|h| h == "purpose").unwrap();
    let dpo = headers.iter().position(|h| h == "dpo").unwrap();
    let basis = headers.iter().position(|h| h == "lawful_basis").unwrap();
    let transfers = headers
        .iter()
        .position(|h| h == "third_country_transfers")
        .unwrap();
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.unwrap()).collect();
    assert_eq!(rows.len(), 14);
    for row in &rows {
        assert_eq!(row.len(), headers.len());
        assert!(ACME_PURPOSES.contains(&row.get(purpose).unwrap()));
        assert_eq!(row.get(dpo), Some("Dr. Jana Weber, dpo@acme.example"));
        assert_ne!(row.get(basis), Some("missing"));
    }
    let support = rows
        .iter()
        .find(|r| r.get(purpose) == Some("customer-support"))
        .unwrap();
    assert!(support
        .get(transfers)
        .unwrap()
        .contains("standard contractual clauses"));
}

#[test]
fn ropa_shows_missing_information_as_missing() {
    let dir = tempfile::tempdir().unwrap();
    write_files(
        dir.path(),
        [(
            "privacy.yaml",
            "version: 1\nsystem:\n  id: s1\npurposes:\n  - id: p1\n    categories: [user.health]\n    datasets: [d1]\ndatasets:\n  - id: d1\n    categories: [user.health]\nflows:\n  - id: f1\n    from: d1\n    to: v1\n    purpose: p1\n    categories: [user.health]\nvendors:\n  - id: v1\n    country: US\n",
        )],
    );
    let v: serde_json::Value = serde_json::from_str(&ropa_output(dir.path(), "json")).unwrap();
    let a = &v["activities"][0];
    assert!(a["lawful_basis"].is_null() && a["description"].is_null() && a["owner"].is_null());
    assert!(v["controller"]["organization"].is_null());
    let missing: Vec<&str> = a["missing"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m.as_str().unwrap())
        .collect();
    for m in [
        "description",
        "lawful_basis",
        "special_category_condition",
        "data_subjects",
        "owner",
        "retention",
        "transfer_mechanism",
        "security",
        "notice",
    ] {
        assert!(
            missing.contains(&m),
            "{m} not reported missing: {missing:?}"
        );
    }
    let csv_text = ropa_output(dir.path(), "csv");
    let mut reader = csv::Reader::from_reader(csv_text.as_bytes());
    let headers = reader.headers().unwrap().clone();
    let row = reader.records().next().unwrap().unwrap();
    let col = |name: &str| {
        row.get(headers.iter().position(|h| h == name).unwrap())
            .unwrap()
            .to_string()
    };
    assert_eq!(col("controller"), "missing");
    assert_eq!(col("lawful_basis"), "missing");
    assert_eq!(col("special_category_condition"), "missing");
    assert_eq!(col("owner"), "missing");
    assert!(col("retention").starts_with("d1: missing"));
    assert!(col("third_country_transfers").contains("safeguard missing"));
    let md = ropa_output(dir.path(), "markdown");
    assert!(md.contains("| Lawful basis | missing; Art. 9(2) condition: missing |"));
}

#[test]
fn csv_cells_cannot_become_formulas() {
    let dir = tempfile::tempdir().unwrap();
    write_files(
        dir.path(),
        [("privacy.yaml", "version: 1\npurposes:\n  - id: p1\n    description: \"=HYPERLINK(\\\"http://x\\\")\"\n")],
    );
    let text = ropa_output(dir.path(), "csv");
    assert!(text.contains("'=HYPERLINK"), "{text}");
}

// ---------------------------------------------------------------------------
// Data map

fn map_output(dir: &Path, format: &str) -> String {
    let out = privgate(dir)
        .args(["map", ".", "--today", TODAY, "--format", format])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn graphviz_parses(dot: &str) {
    if std::process::Command::new("dot")
        .arg("-V")
        .output()
        .is_err()
    {
        println!("skipped: dot (graphviz) not installed");
        return;
    }
    let mut child = std::process::Command::new("dot")
        .arg("-Tsvg")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    {
        use std::io::Write;
        child
            .stdin
            .take()
            .unwrap()
            .write_all(dot.as_bytes())
            .unwrap();
    }
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "dot rejected the map: {stderr}");
    assert!(
        !stderr.contains("syntax error") && !stderr.to_lowercase().contains("warning"),
        "{stderr}"
    );
    well_formed_xml(&String::from_utf8_lossy(&out.stdout));
}

fn well_formed_xml(text: &str) {
    let mut reader = quick_xml::Reader::from_str(text);
    reader.config_mut().check_end_names = true;
    let mut depth = 0i64;
    let mut elements = 0;
    loop {
        match reader.read_event() {
            Ok(quick_xml::events::Event::Eof) => break,
            Ok(quick_xml::events::Event::Start(_)) => {
                depth += 1;
                elements += 1;
            }
            Ok(quick_xml::events::Event::End(_)) => depth -= 1,
            Ok(quick_xml::events::Event::Empty(_)) => elements += 1,
            Ok(_) => {}
            Err(e) => panic!("not well-formed XML at {}: {e}", reader.buffer_position()),
        }
    }
    assert_eq!(depth, 0, "unclosed elements");
    assert!(elements > 1);
}

#[test]
fn map_dot_is_valid_graphviz() {
    let dot = map_output(&acme_dir(), "dot");
    assert!(dot.contains("digraph \"privgate\""));
    // Every node and cluster id is quoted.
    assert!(dot.contains("subgraph \"cluster_0\""));
    assert!(dot.contains("\"vendor:zendesk\""));
    assert!(dot.contains("label=\"US (outside the EEA)\""));
    // The flow with a finding is red; flows leaving the EEA are dashed.
    let zendesk = dot
        .lines()
        .find(|l| l.contains("-> \"vendor:zendesk\""))
        .unwrap();
    assert!(
        zendesk.contains("#b91c1c")
            && zendesk.contains("dashed")
            && zendesk.contains("gdpr.transfer-impact-assessment")
    );
    let aws = dot
        .lines()
        .find(|l| l.contains("\"dataset:orders-db\" -> \"vendor:aws\""))
        .unwrap();
    assert!(!aws.contains("dashed"));
    graphviz_parses(&dot);
}

#[test]
fn map_svg_is_well_formed_and_deterministic() {
    let svg = map_output(&acme_dir(), "svg");
    assert!(svg.starts_with("<?xml"));
    well_formed_xml(&svg);
    assert!(svg.contains("Zendesk, Inc."));
    assert_eq!(svg, map_output(&acme_dir(), "svg"));
}

#[test]
fn map_mermaid_groups_by_country() {
    let m = map_output(&acme_dir(), "mermaid");
    assert!(m.starts_with("flowchart LR\n"));
    assert!(m.contains("subgraph g0[\"DE (EEA)\"]"));
    assert!(m.contains("[\"US (outside the EEA)\"]"));
    assert!(m.contains("linkStyle"));
    assert_eq!(m.matches(" -->|").count() + m.matches(" -.->|").count(), 12);
}

// ---------------------------------------------------------------------------
// Trend

const CLEAN: &str = "version: 1\nsystem:\n  id: s1\n  owner: team@example.com\n";
const WITH_GAP: &str = "version: 1\nsystem:\n  id: s1\n  owner: team@example.com\ndatasets:\n  - id: d1\n    categories: [user.contact.email]\n    subjects: [customer]\n    location: DE\n    encrypted_at_rest: true\n";
const INVALID: &str = "version: 1\nsystem:\n  id: s1\n  owner: [unclosed\n";

/// A commit to make: date, message, and files (path, content) to write first.
type CommitSpec<'a> = (&'a str, &'a str, Vec<(&'a str, &'a str)>);

/// A repository with one commit per (date, message, manifest), on `main`.
fn git_repo(commits: &[(&str, &str, &str)]) -> tempfile::TempDir {
    let with_files: Vec<CommitSpec> = commits
        .iter()
        .map(|(date, message, manifest)| {
            (
                *date,
                *message,
                vec![
                    ("privgate.yaml", "version: 1\norganization: Trend Test\n"),
                    ("privacy.yaml", *manifest),
                ],
            )
        })
        .collect();
    git_repo_files(&with_files)
}

/// A repository with one commit per (date, message, files written first).
fn git_repo_files(commits: &[CommitSpec]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let repo = git2::Repository::init(dir.path()).unwrap();
    repo.set_head("refs/heads/main").unwrap();
    let mut parent: Option<git2::Oid> = None;
    for (date, message, files) in commits {
        write_files(dir.path(), files.iter().copied());
        let mut index = repo.index().unwrap();
        index
            .add_all(["*"], git2::IndexAddOption::DEFAULT, None)
            .unwrap();
        index.write().unwrap();
        let tree = repo.find_tree(index.write_tree().unwrap()).unwrap();
        let seconds = jiff::civil::Date::strptime("%Y-%m-%d", date)
            .unwrap()
            .to_zoned(jiff::tz::TimeZone::UTC)
            .unwrap()
            .timestamp()
            .as_second()
            + 12 * 3600;
        let sig =
            git2::Signature::new("Test", "test@example.com", &git2::Time::new(seconds, 0)).unwrap();
        let parents: Vec<git2::Commit> = parent
            .iter()
            .map(|p| repo.find_commit(*p).unwrap())
            .collect();
        let parent_refs: Vec<&git2::Commit> = parents.iter().collect();
        parent = Some(
            repo.commit(Some("HEAD"), &sig, &sig, message, &tree, &parent_refs)
                .unwrap(),
        );
    }
    dir
}

/// The score `check` gives `manifest` on `date`, in a scratch directory.
fn check_score(manifest: &str, date: &str) -> f64 {
    let dir = tempfile::tempdir().unwrap();
    write_files(
        dir.path(),
        [
            ("privgate.yaml", "version: 1\norganization: Trend Test\n"),
            ("privacy.yaml", manifest),
        ],
    );
    let out = privgate(dir.path())
        .args(["score", ".", "--format", "json", "--today", date])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    v["score"]["overall"].as_f64().unwrap()
}

fn four_commits() -> tempfile::TempDir {
    git_repo(&[
        ("2026-01-05", "Declare the service", CLEAN),
        ("2026-02-10", "Add a dataset without retention", WITH_GAP),
        ("2026-03-15", "Broken edit", INVALID),
        ("2026-04-20", "Remove the dataset again", CLEAN),
    ])
}

#[test]
fn trend_scores_each_commit_and_shows_invalid_ones() {
    let dir = four_commits();
    let out = privgate(dir.path())
        .args(["trend", ".", "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["branch"], "main");
    let commits = v["commits"].as_array().unwrap();
    assert_eq!(commits.len(), 4);
    let summaries: Vec<&str> = commits
        .iter()
        .map(|c| c["summary"].as_str().unwrap())
        .collect();
    assert_eq!(
        summaries,
        [
            "Declare the service",
            "Add a dataset without retention",
            "Broken edit",
            "Remove the dataset again"
        ]
    );
    assert_eq!(commits[0]["score"], 100.0);
    assert_eq!(commits[0]["status"], "ok");
    assert_eq!(commits[0]["date"], "2026-01-05");
    let gap = commits[1]["score"].as_f64().unwrap();
    assert!(gap < 100.0);
    assert_eq!(
        gap,
        check_score(WITH_GAP, "2026-02-10"),
        "trend and check disagree"
    );
    assert!(commits[1]["findings"].as_u64().unwrap() > 0);
    assert_eq!(commits[2]["status"], "invalid");
    assert!(commits[2]["score"].is_null());
    assert!(commits[2]["errors"].as_u64().unwrap() >= 1);
    assert!(
        commits[2]["error"]
            .as_str()
            .unwrap()
            .starts_with("privacy.yaml:"),
        "{}",
        commits[2]["error"]
    );
    assert_eq!(commits[3]["score"], 100.0);
}

#[test]
fn trend_table_csv_and_last() {
    let dir = four_commits();
    let table = privgate(dir.path()).args(["trend"]).output().unwrap();
    assert_eq!(table.status.code(), Some(0));
    let table = String::from_utf8(table.stdout).unwrap();
    let lines: Vec<&str> = table.lines().collect();
    assert_eq!(lines.len(), 5);
    assert!(lines[0].starts_with("commit"));
    assert!(lines[1].contains("100.0") && lines[1].contains("Declare the service"));
    assert!(lines[3].contains("invalid") && lines[3].contains("1 error"));

    let csv_text = privgate(dir.path())
        .args(["trend", "--format", "csv"])
        .output()
        .unwrap()
        .stdout;
    let mut reader = csv::Reader::from_reader(&csv_text[..]);
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.unwrap()).collect();
    assert_eq!(rows.len(), 4);
    assert_eq!(&rows[2][3], "invalid");

    let last2 = privgate(dir.path())
        .args(["trend", "--last", "2", "--format", "json"])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&last2.stdout).unwrap();
    let commits = v["commits"].as_array().unwrap();
    assert_eq!(commits.len(), 2);
    assert_eq!(commits[1]["summary"], "Remove the dataset again");
}

#[test]
fn trend_with_a_fixed_date_judges_every_commit_on_it() {
    let dir = four_commits();
    let out = privgate(dir.path())
        .args(["trend", "--format", "json", "--today", "2027-06-01"])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    for c in v["commits"].as_array().unwrap() {
        assert_eq!(c["as_of"], "2027-06-01");
    }
}

#[test]
fn trend_of_a_subdirectory_reuses_unchanged_trees() {
    // The root is `app/`; the second commit touches only a file outside it,
    // the third changes the manifest on the same day.
    let dir = git_repo_files(&[
        (
            "2026-05-01",
            "Service",
            vec![("app/privacy.yaml", CLEAN), ("README.md", "a\n")],
        ),
        ("2026-05-01", "Docs only", vec![("README.md", "b\n")]),
        ("2026-05-01", "Gap", vec![("app/privacy.yaml", WITH_GAP)]),
    ]);
    let out = privgate(&dir.path().join("app"))
        .args(["trend", "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let commits = v["commits"].as_array().unwrap();
    let summaries: Vec<&str> = commits
        .iter()
        .map(|c| c["summary"].as_str().unwrap())
        .collect();
    assert_eq!(summaries, ["Service", "Docs only", "Gap"]);
    assert_ne!(commits[0]["commit"], commits[1]["commit"]);
    assert_eq!(commits[0]["score"], 100.0);
    assert_eq!(commits[1]["score"], 100.0);
    assert!(commits[2]["score"].as_f64().unwrap() < 100.0);
}

#[test]
fn trend_outside_git_exits_2() {
    let dir = tempfile::tempdir().unwrap();
    write_files(dir.path(), [("privacy.yaml", CLEAN)]);
    let out = privgate(dir.path()).args(["trend", "."]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not inside a git repository"));
}

#[test]
fn report_in_a_git_repository_embeds_the_trend() {
    let dir = four_commits();
    let html = report_html(dir.path());
    assert!(html.contains("<svg class=\"trend-chart\""));
    assert!(html.contains("Broken edit"));
    assert!(html.contains("manifests invalid"));
    let repo = git2::Repository::open(dir.path()).unwrap();
    let head = repo.head().unwrap().target().unwrap().to_string();
    assert!(html.contains(&head[..12]), "commit missing from the header");
    assert!(html.contains("<code>main</code>"));
    // Data map and record of processing are inline too.
    assert!(html.contains("id=\"map\"") && html.contains("id=\"ropa\""));
}

#[test]
fn trend_ticks_tell_commits_of_the_same_day_apart() {
    let dir = git_repo(&[
        ("2026-03-02", "Declare the service", CLEAN),
        ("2026-03-02", "Add a dataset without retention", WITH_GAP),
        ("2026-03-02", "Remove the dataset again", CLEAN),
    ]);
    let html = report_html(dir.path());
    let repo = git2::Repository::open(dir.path()).unwrap();
    let mut walk = repo.revwalk().unwrap();
    walk.push_head().unwrap();
    let ids: Vec<String> = walk.map(|oid| oid.unwrap().to_string()).collect();
    assert_eq!(ids.len(), 3);
    // One date under each tick, and under it the commit's short id.
    assert_eq!(html.matches("class=\"axis commit\"").count(), 3, "{html}");
    for id in &ids {
        assert!(
            html.contains(&format!(">{}</text>", &id[..7])),
            "{id} not on the axis"
        );
    }
}

#[test]
fn the_data_map_draws_declarations_no_flow_touches() {
    let dir = tempfile::tempdir().unwrap();
    write_files(
        dir.path(),
        [(
            "privacy.yaml",
            "version: 1
system: { id: shop, name: Shop, owner: team@x.y }
datasets:
  - id: orders
    name: Orders
    location: DE
    categories: [user.contact.email]
  - id: kids-health
    name: Child health records
    location: DE
    categories: [user.health]
flows:
  - id: shop-to-orders
    from: shop
    to: orders
    categories: [user.contact.email]
",
        )],
    );
    let html = report_html(dir.path());
    let start = html.find("<div class=\"diagram\"").expect("a diagram");
    let svg = &html[start..start + html[start..].find("</div>").unwrap()];
    for name in ["Shop", "Orders", "Child health records"] {
        assert!(svg.contains(name), "{name} missing from the map: {svg}");
    }
    // Categories read by their description, the key beside it.
    assert!(html
        .contains("A person&#x27;s email address <code class=\"key\">user.contact.email</code>"));
    // A finding leads with its rule's title; the id follows, smaller.
    assert!(html.contains("<h4 class=\"rule-title\">"));
}

#[test]
fn report_uses_its_own_result_as_heads_trend_point_when_the_tree_is_heads() {
    let dir = four_commits();
    // HEAD was committed on 2026-04-20; the report runs as of TODAY.
    let head_row = |html: &str| -> String {
        let row = html
            .lines()
            .find(|l| l.contains("Remove the dataset again") && l.contains("<tr"))
            .expect("HEAD's row")
            .to_string();
        row
    };
    let clean = report_html(dir.path());
    assert!(
        head_row(&clean).contains(&format!("<td>{TODAY}</td>")),
        "{}",
        head_row(&clean)
    );
    assert!(!clean.contains("uncommitted changes"));
    // A changed work tree is not HEAD: HEAD is checked as of its own date.
    std::fs::write(dir.path().join("privacy.yaml"), WITH_GAP).unwrap();
    let dirty = report_html(dir.path());
    assert!(
        head_row(&dirty).contains("<td>2026-04-20</td><td>2026-04-20</td>"),
        "{}",
        head_row(&dirty)
    );
    // And the header says the report is not of HEAD alone.
    assert!(dirty.contains("with uncommitted changes to the checked files"));
}

#[test]
fn a_changed_organisation_pack_marks_the_report_as_not_heads() {
    let dir = git_repo_files(&[(
        "2026-04-01",
        "Adopt privgate with an organisation pack",
        vec![
            (
                "privgate.yaml",
                "version: 1\nrulepacks: [policies/*.yaml]\n",
            ),
            ("policies/acme.yaml", ORG_PACK),
            ("privacy.yaml", CLEAN),
        ],
    )]);
    let clean = report_html(dir.path());
    assert!(!clean.contains("uncommitted changes"));
    // Only the pack changes: the findings may, so the report is not HEAD's.
    std::fs::write(
        dir.path().join("policies/acme.yaml"),
        ORG_PACK.replace("severity: high", "severity: low"),
    )
    .unwrap();
    let dirty = report_html(dir.path());
    assert!(dirty.contains("with uncommitted changes to the checked files"));
    // A new pack file the glob now matches counts too.
    std::fs::write(dir.path().join("policies/acme.yaml"), ORG_PACK).unwrap();
    std::fs::write(
        dir.path().join("policies/more.yaml"),
        ORG_PACK
            .replace("pack: acme", "pack: more")
            .replace("regulation: acme", "regulation: more")
            .replace("acme.owner", "more.owner"),
    )
    .unwrap();
    let added = report_html(dir.path());
    assert!(added.contains("with uncommitted changes to the checked files"));
}

// ---------------------------------------------------------------------------
// Benchmark (not run by default; see benches/reports.md)

/// Phase timings of `report` on a generated corpus:
/// `PRIVGATE_BENCH_CORPUS=/tmp/c10k cargo test --release --test it -- --ignored --nocapture reports::`
#[test]
#[ignore]
fn report_phases_on_a_corpus() {
    use privgate::evaluate;
    use privgate::load::{git, tree::WorkTree};
    use privgate::render::{html, map, ropa};
    let Ok(root) = std::env::var("PRIVGATE_BENCH_CORPUS") else {
        println!("skipped: set PRIVGATE_BENCH_CORPUS to a directory made by gen_corpus");
        return;
    };
    let root = PathBuf::from(root);
    let today = privgate::time::parse_date(TODAY).unwrap();
    let t = Instant::now();
    let tree = WorkTree::open(&root).unwrap();
    let checked = evaluate::check_tree(&tree, &Default::default(), today, Default::default())
        .unwrap_or_else(|_| panic!("the corpus does not check"));
    let t_check = t.elapsed();
    let t = Instant::now();
    let record = ropa::build(&checked.model, today);
    let graph = map::build(&checked.model, Some(&checked.report));
    let svg = map::to_svg(&graph);
    let repo = git::info(&root);
    let input = html::Input {
        report: &checked.report,
        model: &checked.model,
        rules: &checked.rules,
        run_date: today,
        repo: &repo,
        ropa: &record,
        map: &graph,
        map_svg: svg,
        trend: Err("not measured".into()),
    };
    let page = html::render(&input).unwrap();
    let t_render = t.elapsed();
    println!(
        "{} manifests, {} findings: check {:.2} s, RoPA + map + HTML {:.2} s, {:.1} MB",
        checked.model.manifests.len(),
        checked.report.findings.len(),
        t_check.as_secs_f64(),
        t_render.as_secs_f64(),
        page.len() as f64 / 1e6
    );
}

#[test]
fn terminal_escapes_in_declared_names_do_not_reach_any_text_output() {
    let dir = tempfile::tempdir().unwrap();
    write_files(
        dir.path(),
        [(
            "privacy.yaml",
            "version: 1\nsystem: { id: a, name: \"\\e]0;pwn\\a\", owner: x@y.z }\ndatasets:\n  - id: d\n    name: \"\\e[31mred\"\n    categories: [user.name]\n    subjects: [customer]\n",
        )],
    );
    for args in [
        &["ropa", "--format", "markdown"][..],
        &["ropa", "--format", "csv"],
        &["map", "--format", "mermaid"],
        &["map", "--format", "dot"],
    ] {
        let out = privgate(dir.path()).args(args).output().unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "{args:?}");
        assert!(
            !text.contains('\u{1b}') && !text.contains('\u{7}'),
            "{args:?}: {text}"
        );
    }
}
