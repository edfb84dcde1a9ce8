//! Declared vs. used end to end (rules.md, "Declared vs. used"): `privgate
//! vendors` and its `--suggest`, the config's `dependencies` and
//! `vendor_catalog`, vendor `catalog` links, ownership errors, and the
//! dependency files privgate does not read (warnings, never exit 2).

use crate::common;

use assert_cmd::Command;
use serde_json::Value;
use std::path::Path;

fn privgate(dir: &Path) -> Command {
    let mut cmd = crate::common::privgate();
    cmd.current_dir(dir)
        .env("NO_COLOR", "1")
        .env("PRIVGATE_TODAY", common::TODAY);
    cmd
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

fn repo(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    common::write_files(dir.path(), files.iter().copied());
    dir
}

const WEB: &str = "version: 1\nsystem: { id: web, owner: web@shop.example }\n";
const API: &str = "version: 1\nsystem: { id: api, owner: api@shop.example }\n";

const WEB_PACKAGE: &str = r#"{
  "name": "web",
  "dependencies": {
    "express": "^4.19.2",
    "@sentry/node": "^8.9.2",
    "stripe": "^14.0.0"
  },
  "devDependencies": { "stripe-mock": "^0.1.0" }
}
"#;

const STRIPE_DECLARED: &str = "version: 1
vendors:
  - id: payments
    catalog: stripe
    role: processor
    country: US
flows:
  - id: web-to-payments
    from: web
    to: payments
    categories: [user.financial.payment_card]
";

fn shop() -> tempfile::TempDir {
    repo(&[
        ("services/web/privacy.yaml", WEB),
        ("services/web/package.json", WEB_PACKAGE),
        ("services/api/privacy.yaml", API),
        (
            "services/api/go.mod",
            "module example.com/api\n\ngo 1.22\n\nrequire (\n\tgithub.com/stripe/stripe-go/v76 v76.25.0\n\tgithub.com/getsentry/sentry-go v0.27.0\n)\n",
        ),
        ("privacy/vendors.privacy.yaml", STRIPE_DECLARED),
        ("tools/requirements.txt", "Sentry_SDK==1.40\n"),
    ])
}

#[test]
fn vendors_lists_every_catalogue_sdk_per_component_with_its_status() {
    let dir = shop();
    let out = run(dir.path(), &["vendors"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let expected = "\
api (system)
  sentry  undeclared  Functional Software, Inc. (Sentry)
            go:github.com/getsentry/sentry-go at services/api/go.mod:7:2
  stripe  no flow (vendor `payments`)  Stripe, Inc.
            go:github.com/stripe/stripe-go/v76 at services/api/go.mod:6:2
repository (no system)
  sentry  undeclared  Functional Software, Inc. (Sentry)
            pypi:Sentry_SDK at tools/requirements.txt:1:1
web (system)
  sentry  undeclared  Functional Software, Inc. (Sentry)
            npm:@sentry/node at services/web/package.json:5:6
  stripe  declared (vendor `payments`)  Stripe, Inc.
            npm:stripe at services/web/package.json:6:6
5 vendor SDKs in 3 components: 3 undeclared, 1 without a flow
`privgate vendors --suggest` drafts the missing declarations
";
    assert_eq!(out.stdout, expected);

    let json = run(dir.path(), &["vendors", "--format", "json"]);
    assert_eq!(json.code, 0, "{}", json.stderr);
    let v: Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(v["version"], 1);
    assert_eq!(v["scan"], true);
    let web = &v["components"][2];
    assert_eq!(web["component"], "web");
    assert_eq!(web["vendors"][1]["entry"], "stripe");
    assert_eq!(web["vendors"][1]["status"], "declared");
    assert_eq!(
        web["vendors"][1]["declared_as"],
        serde_json::json!(["payments"])
    );
    assert_eq!(web["vendors"][0]["status"], "undeclared");
    assert_eq!(
        web["vendors"][0]["packages"][0],
        serde_json::json!({"file": "services/web/package.json", "line": 5, "column": 6,
                           "name": "@sentry/node", "package": "npm:@sentry/node"})
    );
    assert_eq!(v["components"][0]["vendors"][1]["status"], "no_flow");
}

#[test]
fn check_reports_the_rules_at_the_dependency_lines() {
    let dir = shop();
    let out = run(
        dir.path(),
        &["check", "--format", "json", "--fail-on", "none"],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    let v: Value = serde_json::from_str(&out.stdout).unwrap();
    let mut got: Vec<(String, String, String, u64, u64)> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["target"].as_str().unwrap().starts_with("dependency:"))
        .map(|f| {
            (
                f["rule"].as_str().unwrap().to_string(),
                f["target"].as_str().unwrap().to_string(),
                f["file"].as_str().unwrap().to_string(),
                f["line"].as_u64().unwrap(),
                f["column"].as_u64().unwrap(),
            )
        })
        .collect();
    got.sort();
    let want = [
        (
            "ccpa.undeclared-vendor",
            "dependency:api/sentry",
            "services/api/go.mod",
            7,
            2,
        ),
        (
            "ccpa.undeclared-vendor",
            "dependency:repository/sentry",
            "tools/requirements.txt",
            1,
            1,
        ),
        (
            "ccpa.undeclared-vendor",
            "dependency:web/sentry",
            "services/web/package.json",
            5,
            6,
        ),
        (
            "gdpr.undeclared-vendor",
            "dependency:api/sentry",
            "services/api/go.mod",
            7,
            2,
        ),
        (
            "gdpr.undeclared-vendor",
            "dependency:repository/sentry",
            "tools/requirements.txt",
            1,
            1,
        ),
        (
            "gdpr.undeclared-vendor",
            "dependency:web/sentry",
            "services/web/package.json",
            5,
            6,
        ),
        (
            "gdpr.unmapped-vendor-flow",
            "dependency:api/stripe",
            "services/api/go.mod",
            6,
            2,
        ),
    ];
    let want: Vec<_> = want
        .iter()
        .map(|(r, t, f, l, c)| (r.to_string(), t.to_string(), f.to_string(), *l, *c))
        .collect();
    assert_eq!(got, want);
    let f = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["target"] == "dependency:web/sentry" && f["rule"] == "gdpr.undeclared-vendor")
        .unwrap();
    assert!(
        f["message"]
            .as_str()
            .unwrap()
            .contains("declare vendor `sentry`"),
        "{f}"
    );
    assert!(f["remediation"]
        .as_str()
        .unwrap()
        .contains("vendors --suggest"));
}

#[test]
fn the_suggestion_is_a_valid_manifest_that_answers_the_findings() {
    let dir = shop();
    let out = run(dir.path(), &["vendors", "--suggest"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let yaml = out.stdout;
    assert!(
        yaml.starts_with("# Drafted by `privgate vendors --suggest`"),
        "{yaml}"
    );
    // Valid against the published manifest schema.
    let doc: serde_yaml::Value = serde_yaml::from_str(&yaml).unwrap();
    let doc = serde_json::to_value(doc).unwrap();
    let problems = privgate::load::schema::Schema::manifest().check("suggested.yaml", &doc);
    assert!(problems.is_empty(), "{problems:?}\n{yaml}");
    // One declaration per entry, whichever components use it, and a flow
    // from each system that does.
    assert_eq!(doc["vendors"].as_array().unwrap().len(), 1);
    assert_eq!(doc["vendors"][0]["id"], "sentry");
    assert_eq!(
        doc["vendors"][0]["name"],
        "Functional Software, Inc. (Sentry)"
    );
    assert_eq!(doc["vendors"][0]["role"], "processor");
    assert_eq!(doc["vendors"][0]["country"], "US");
    let froms: Vec<&str> = doc["flows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["from"].as_str().unwrap())
        .collect();
    assert_eq!(froms, ["api", "web"]);
    // Never over an existing manifest.
    let over = run(
        dir.path(),
        &["vendors", "--suggest", "-o", "privacy/vendors.privacy.yaml"],
    );
    assert_eq!(over.code, 2, "{}", over.stderr);
    assert!(
        over.stderr.contains("refusing to write over"),
        "{}",
        over.stderr
    );
    // Written as a new manifest with -o, it validates and the undeclared
    // findings go.
    let written = run(
        dir.path(),
        &[
            "vendors",
            "--suggest",
            "-o",
            "privacy/suggested.privacy.yaml",
        ],
    );
    assert_eq!(written.code, 0, "{}", written.stderr);
    assert_eq!(written.stdout, "");
    assert_eq!(
        std::fs::read_to_string(dir.path().join("privacy/suggested.privacy.yaml")).unwrap(),
        yaml
    );
    let validate = run(dir.path(), &["validate"]);
    assert_eq!(validate.code, 0, "{}", validate.stderr);
    let after = run(dir.path(), &["vendors"]);
    assert!(!after.stdout.contains("undeclared  "), "{}", after.stdout);
    let again = run(dir.path(), &["vendors", "--suggest"]);
    assert_eq!(again.stdout, "");
    assert!(
        again.stderr.contains("nothing to suggest"),
        "{}",
        again.stderr
    );
}

#[test]
fn ignored_packages_are_not_matched_and_an_ignore_that_matches_nothing_warns() {
    let dir = shop();
    common::write_files(
        dir.path(),
        [(
            "privgate.yaml",
            "version: 1\ndependencies:\n  ignore:\n    - package: pypi:sentry-sdk\n      reason: the tools only report to a self-hosted relay\n    - package: npm:@acme/*\n      reason: internal packages\n",
        )],
    );
    let out = run(dir.path(), &["vendors", "--format", "json"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let v: Value = serde_json::from_str(&out.stdout).unwrap();
    let components: Vec<&str> = v["components"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["component"].as_str().unwrap())
        .collect();
    assert_eq!(
        components,
        ["api", "web"],
        "PEP 503: Sentry_SDK is sentry-sdk"
    );
    assert_eq!(
        v["warnings"],
        serde_json::json!([
            "privgate.yaml:6:16: dependencies.ignore entry `npm:@acme/*` matches no dependency"
        ])
    );
}

#[test]
fn scan_false_reads_no_dependency_file_and_checks_no_rule_of_them() {
    let dir = shop();
    common::write_files(
        dir.path(),
        [(
            "privgate.yaml",
            "version: 1\ndependencies: { scan: false }\n",
        )],
    );
    let out = run(
        dir.path(),
        &["check", "--format", "json", "--fail-on", "none"],
    );
    let v: Value = serde_json::from_str(&out.stdout).unwrap();
    assert!(v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .all(|f| !f["target"].as_str().unwrap().starts_with("dependency:")));
    let vendors = run(dir.path(), &["vendors"]);
    assert!(
        vendors.stdout.contains("dependency scanning is off"),
        "{}",
        vendors.stdout
    );
}

#[test]
fn a_dependency_finding_is_waived_by_its_dependency_target() {
    let dir = shop();
    common::write_files(
        dir.path(),
        [(
            "privgate.yaml",
            "version: 1\nwaivers:\n  - rule: gdpr.undeclared-vendor\n    target: dependency:repository/sentry\n    reason: tools run only on developer machines, ticket PRIV-9\n    approved_by: dpo@shop.example\n    expires: 2027-01-31\n",
        )],
    );
    let out = run(
        dir.path(),
        &["check", "--format", "json", "--fail-on", "none"],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    let v: Value = serde_json::from_str(&out.stdout).unwrap();
    let f = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| {
            f["rule"] == "gdpr.undeclared-vendor" && f["target"] == "dependency:repository/sentry"
        })
        .unwrap();
    assert_eq!(f["waived"], true);
    assert_eq!(v["warnings"], serde_json::json!([]));
}

#[test]
fn a_dependency_file_that_does_not_parse_is_a_located_warning_not_an_error() {
    let dir = repo(&[
        ("services/web/privacy.yaml", WEB),
        (
            "services/web/package.json",
            "{\n  \"dependencies\": {\n    \"stripe\": \"^14\",\n  }\n}\n",
        ),
        ("services/api/privacy.yaml", API),
        (
            "services/api/Cargo.toml",
            "[dependencies]\nasync-stripe = \"0.37\"\n",
        ),
    ]);
    let out = run(
        dir.path(),
        &["check", "--format", "json", "--fail-on", "none"],
    );
    assert_eq!(
        out.code, 0,
        "never exit 2 for another tool's file: {}",
        out.stderr
    );
    let v: Value = serde_json::from_str(&out.stdout).unwrap();
    let warnings: Vec<&str> = v["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w.as_str().unwrap())
        .collect();
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(
        warnings[0].starts_with(
            "services/web/package.json:3:20: dependency file does not parse, not read"
        ),
        "{}",
        warnings[0]
    );
    // Its dependencies are not scanned; the other file's are.
    let targets: Vec<&str> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["target"].as_str().unwrap())
        .filter(|t| t.starts_with("dependency:"))
        .collect();
    assert_eq!(targets, ["dependency:api/stripe", "dependency:api/stripe"]);
    // The human output shows the place too, on stderr.
    let human = run(dir.path(), &["check", "--fail-on", "none"]);
    assert!(
        human.stderr.contains("services/web/package.json:3:20"),
        "{}",
        human.stderr
    );
}

#[test]
fn a_dependency_file_over_10_mib_is_skipped_with_a_warning() {
    let dir = repo(&[("services/web/privacy.yaml", WEB)]);
    let mut big = String::from("stripe==7.0\n");
    big.push_str(&"# padding\n".repeat(1_100_000));
    std::fs::write(dir.path().join("services/web/requirements.txt"), big).unwrap();
    let out = run(
        dir.path(),
        &["check", "--format", "json", "--fail-on", "none"],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    let v: Value = serde_json::from_str(&out.stdout).unwrap();
    let w = v["warnings"][0].as_str().unwrap();
    assert!(
        w.starts_with("services/web/requirements.txt: dependency file not read"),
        "{w}"
    );
    assert!(w.contains("10 MiB"), "{w}");
    assert!(v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .all(|f| !f["target"].as_str().unwrap().starts_with("dependency:")));
}

#[test]
fn discovery_skips_excluded_and_vendored_directories() {
    let dir = repo(&[
        ("privgate.yaml", "version: 1\nexclude: [\"examples/**\"]\n"),
        ("services/web/privacy.yaml", WEB),
        (
            "services/web/node_modules/left/package.json",
            "{\"dependencies\": {\"stripe\": \"1\"}}",
        ),
        (
            "services/web/vendor/x/composer.json",
            "{\"require\": {\"stripe/stripe-php\": \"1\"}}",
        ),
        (
            "target/debug/Cargo.toml",
            "[dependencies]\nasync-stripe = \"1\"\n",
        ),
        (
            "examples/demo/package.json",
            "{\"dependencies\": {\"stripe\": \"1\"}}",
        ),
    ]);
    let out = run(dir.path(), &["vendors"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stdout
            .starts_with("no vendor SDK of the catalogue found"),
        "{}",
        out.stdout
    );
}

#[test]
fn catalogue_and_ownership_mistakes_are_errors_that_say_what_to_do() {
    // A `catalog` naming no entry, with a near miss.
    let dir = repo(&[(
        "privacy.yaml",
        "version: 1\nvendors:\n  - id: payments\n    catalog: strpe\n",
    )]);
    let out = run(dir.path(), &["validate"]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(out.stderr.contains("privacy.yaml:4:14"), "{}", out.stderr);
    assert!(
        out.stderr.contains("did you mean `stripe`?"),
        "{}",
        out.stderr
    );

    // A vendor_catalog entry with a built-in id.
    let dir = repo(&[
        ("privacy.yaml", "version: 1\n"),
        (
            "privgate.yaml",
            "version: 1\nvendor_catalog:\n  - id: stripe\n    name: Our Stripe\n    role: processor\n    country: DE\n",
        ),
    ]);
    let out = run(dir.path(), &["check"]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(out.stderr.contains("privgate.yaml:3:9"), "{}", out.stderr);

    // Two systems in one directory, and a system named `repository`.
    let dir = repo(&[
        ("services/a/privacy.yaml", "version: 1\nsystem: { id: a }\n"),
        (
            "services/a/more.privacy.yaml",
            "version: 1\nsystem: { id: repository }\n",
        ),
    ]);
    let out = run(dir.path(), &["validate"]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(out.stderr.contains("declares a system"), "{}", out.stderr);
    assert!(
        out.stderr.contains("`repository` cannot be a system id"),
        "{}",
        out.stderr
    );
}

#[test]
fn an_organisation_entry_links_by_its_id_and_claims_its_packages() {
    let dir = repo(&[
        (
            "privgate.yaml",
            "version: 1\nvendor_catalog:\n  - id: acme-crm-cloud\n    name: Acme CRM Cloud Ltd\n    role: processor\n    country: GB\n    categories: [user.contact.email]\n    packages: { nuget: [Acme.Crm] }\n",
        ),
        ("crm/privacy.yaml", "version: 1\nsystem: { id: crm }\nvendors:\n  - id: acme-crm-cloud\n    role: processor\nflows:\n  - id: crm-out\n    from: crm\n    to: acme-crm-cloud\n    categories: [user.contact.email]\n"),
        (
            "crm/Crm.csproj",
            "<Project Sdk=\"Microsoft.NET.Sdk\">\n  <ItemGroup>\n    <PackageReference Include=\"acme.crm\" Version=\"2.0.0\" />\n  </ItemGroup>\n</Project>\n",
        ),
    ]);
    let out = run(dir.path(), &["vendors", "--format", "json"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let v: Value = serde_json::from_str(&out.stdout).unwrap();
    let crm = &v["components"][0]["vendors"][0];
    assert_eq!(
        crm["entry"], "acme-crm-cloud",
        "NuGet names match in any case"
    );
    assert_eq!(crm["status"], "declared");
    assert_eq!(crm["packages"][0]["line"], 3);
}
