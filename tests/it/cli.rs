//! The other front-end commands of the "core" issue, through the built
//! binary: `init`, `schema`, `validate` on the clean example, and the
//! plain-text form of diagnostics when stderr is not a terminal.

use assert_cmd::Command;
use std::path::{Path, PathBuf};

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn privgate() -> Command {
    let mut cmd = crate::common::privgate();
    cmd.env("NO_COLOR", "1")
        .env_remove("CLICOLOR_FORCE")
        .env_remove("PRIVGATE_TODAY");
    cmd
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn run(cmd: &mut Command) -> Run {
    let out = cmd.output().unwrap();
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Text as one line: the human renderer wraps long messages (`\n  | `).
fn flat(text: &str) -> String {
    text.split_whitespace()
        .filter(|w| *w != "|")
        .collect::<Vec<_>>()
        .join(" ")
}

fn validate(dir: &Path) -> Run {
    run(privgate().arg("validate").arg(dir))
}

// ---------------------------------------------------------------------------
// validate on the example repository
// ---------------------------------------------------------------------------

#[test]
fn acme_shop_validates_clean() {
    let r = validate(&repo().join("examples/acme-shop"));
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stderr.starts_with("ok: ") && r.stderr.contains("no problems"),
        "{}",
        r.stderr
    );
    assert!(
        r.stdout.is_empty(),
        "validate prints nothing on stdout: {}",
        r.stdout
    );
}

#[test]
fn acme_shop_validates_clean_from_inside() {
    // The default PATH is `.`.
    let r = run(privgate()
        .arg("validate")
        .current_dir(repo().join("examples/acme-shop")));
    assert_eq!(r.code, 0, "{}", r.stderr);
}

#[test]
fn quiet_clean_run_prints_nothing() {
    let r = run(privgate()
        .args(["validate", "--quiet"])
        .arg(repo().join("examples/acme-shop")));
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(r.stderr, "");
}

#[test]
fn validate_json_summary() {
    let r = run(privgate()
        .args(["validate", "--format", "json"])
        .arg(repo().join("examples/broken/dangling-reference")));
    assert_eq!(r.code, 2, "{}", r.stderr);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v["valid"], false);
    assert_eq!(v["errors"], 3);
    // Diagnostics still go to stderr, and are listed with their place.
    assert!(r.stderr.contains("privacy.yaml:10:14"), "{}", r.stderr);
    let listed = v["diagnostics"].as_array().unwrap();
    assert_eq!(listed.len(), 3);
    assert!(listed.iter().any(|d| d["code"] == "dangling-reference"
        && d["file"] == "privacy.yaml"
        && d["line"] == 10
        && d["column"] == 14));

    let r = run(privgate()
        .args(["validate", "--format", "json"])
        .arg(repo().join("examples/acme-shop")));
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v["valid"], true);
    assert_eq!(v["errors"], 0);
}

#[test]
fn diagnostics_are_plain_ascii_off_a_terminal() {
    for name in ["yaml-syntax", "duplicate-id", "bad-enum"] {
        let r = validate(&repo().join("examples/broken").join(name));
        assert_eq!(r.code, 2);
        assert!(
            !r.stderr.contains('\x1b'),
            "{name}: colour codes in\n{}",
            r.stderr
        );
        assert!(
            r.stderr.is_ascii(),
            "{name}: non-ASCII decoration in\n{}",
            r.stderr
        );
    }
    // Even without NO_COLOR: stderr is a pipe here.
    let r = run(crate::common::privgate()
        .env_remove("NO_COLOR")
        .arg("validate")
        .arg(repo().join("examples/broken/bad-enum")));
    assert_eq!(r.code, 2);
    assert!(
        !r.stderr.contains('\x1b') && r.stderr.is_ascii(),
        "{}",
        r.stderr
    );
}

#[test]
fn no_color_flag() {
    let r = run(crate::common::privgate()
        .env_remove("NO_COLOR")
        .args(["validate", "--no-color"])
        .arg(repo().join("examples/broken/bad-enum")));
    assert_eq!(r.code, 2);
    assert!(!r.stderr.contains('\x1b'), "{}", r.stderr);
    assert!(r.stderr.contains("privacy.yaml:5:19"), "{}", r.stderr);
}

// ---------------------------------------------------------------------------
// init
// ---------------------------------------------------------------------------

#[test]
fn init_writes_both_files_which_validate_clean() {
    let dir = tempfile::tempdir().unwrap();
    let r = run(privgate().arg("init").arg(dir.path()));
    assert_eq!(r.code, 0, "{}", r.stderr);
    let config = std::fs::read_to_string(dir.path().join("privgate.yaml")).unwrap();
    let manifest = std::fs::read_to_string(dir.path().join("privacy.yaml")).unwrap();
    assert_eq!(
        config,
        std::fs::read_to_string(repo().join("examples/init/privgate.yaml")).unwrap()
    );
    assert_eq!(
        manifest,
        std::fs::read_to_string(repo().join("examples/init/privacy.yaml")).unwrap()
    );
    assert!(
        r.stderr.contains("privgate.yaml") && r.stderr.contains("privacy.yaml"),
        "{}",
        r.stderr
    );

    let v = validate(dir.path());
    assert_eq!(
        v.code, 0,
        "the starter files do not validate:\n{}",
        v.stderr
    );
    assert!(v.stderr.contains("ok: 1 manifest,"), "{}", v.stderr);
}

/// The starter is what a team copies from: under rules v2 it must show a
/// compliant repository, every rule of both packs quiet, not a list of
/// findings on day one.
#[test]
fn init_starter_is_quiet_under_every_rule() {
    let dir = tempfile::tempdir().unwrap();
    assert_eq!(run(privgate().arg("init").arg(dir.path())).code, 0);
    for doc in [
        "docs/privacy/breach-response.md",
        "docs/privacy/breach-register.md",
    ] {
        assert!(dir.path().join(doc).is_file(), "init did not write {doc}");
    }
    let r = run(privgate()
        .args(["check", "--format", "json", "--today", "2026-12-07"])
        .arg(dir.path()));
    assert_eq!(r.code, 0, "{}", r.stderr);
    let report: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    let findings: Vec<String> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| format!("{} {}", f["rule"], f["target"]))
        .collect();
    assert!(
        findings.is_empty(),
        "the starter has findings: {findings:?}"
    );
    assert_eq!(report["score"]["overall"], 100.0);
    assert!(r.stderr.is_empty(), "warnings on the starter: {}", r.stderr);
}

#[test]
fn init_never_overwrites() {
    let dir = tempfile::tempdir().unwrap();
    assert_eq!(run(privgate().arg("init").arg(dir.path())).code, 0);
    // The user edits the files; a second init must leave them alone.
    std::fs::write(dir.path().join("privacy.yaml"), "version: 1\n# mine\n").unwrap();
    let before = std::fs::read(dir.path().join("privgate.yaml")).unwrap();
    let r = run(privgate().arg("init").arg(dir.path()));
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("already exists"), "{}", r.stderr);
    assert!(r.stderr.contains("nothing was written"), "{}", r.stderr);
    assert_eq!(
        std::fs::read_to_string(dir.path().join("privacy.yaml")).unwrap(),
        "version: 1\n# mine\n"
    );
    assert_eq!(
        std::fs::read(dir.path().join("privgate.yaml")).unwrap(),
        before
    );
}

#[test]
fn init_writes_nothing_when_either_file_exists() {
    for existing in ["privacy.yaml", "privgate.yaml"] {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(existing), "version: 1\n").unwrap();
        let r = run(privgate().arg("init").arg(dir.path()));
        assert_eq!(r.code, 2, "{}", r.stderr);
        assert!(r.stderr.contains(existing), "{}", r.stderr);
        let files: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(
            files,
            vec![existing.to_string()],
            "init wrote a file beside an existing {existing}"
        );
    }
}

/// Everything `init` writes is in `examples/init`, byte for byte: the
/// starters, the breach documents and the schemas editors load.
#[test]
fn init_writes_exactly_what_examples_init_holds() {
    let dir = tempfile::tempdir().unwrap();
    assert_eq!(run(privgate().arg("init").arg(dir.path())).code, 0);
    let files = |root: &Path| -> Vec<(String, Vec<u8>)> {
        let mut out = Vec::new();
        let mut stack = vec![root.to_path_buf()];
        while let Some(d) = stack.pop() {
            for e in std::fs::read_dir(&d).unwrap() {
                let p = e.unwrap().path();
                if p.is_dir() {
                    stack.push(p);
                } else {
                    let rel = p.strip_prefix(root).unwrap().display().to_string();
                    out.push((rel, std::fs::read(&p).unwrap()));
                }
            }
        }
        out.sort();
        out
    };
    let written = files(dir.path());
    let names: Vec<&str> = written.iter().map(|(n, _)| n.as_str()).collect();
    assert!(
        names.contains(&".privgate/schemas/manifest.schema.json")
            && names.contains(&".privgate/schemas/config.schema.json"),
        "{names:?}"
    );
    assert!(
        written == files(&repo().join("examples/init")),
        "examples/init differs from what init writes: {names:?}"
    );
    for name in ["manifest", "config", "rulepack", "report"] {
        assert_eq!(
            std::fs::read_to_string(
                dir.path()
                    .join(format!(".privgate/schemas/{name}.schema.json"))
            )
            .unwrap(),
            std::fs::read_to_string(repo().join(format!("schemas/{name}.schema.json"))).unwrap(),
            "{name}"
        );
    }
    // The starters name the written schemas by relative path, not an address.
    for (file, schema) in [("privacy.yaml", "manifest"), ("privgate.yaml", "config")] {
        let text = std::fs::read_to_string(dir.path().join(file)).unwrap();
        assert!(
            text.starts_with(&format!(
                "# yaml-language-server: $schema=.privgate/schemas/{schema}.schema.json\n"
            )),
            "{file}: {}",
            text.lines().next().unwrap_or_default()
        );
    }
}

#[test]
fn init_never_overwrites_a_schema_that_differs_but_accepts_an_identical_one() {
    let dir = tempfile::tempdir().unwrap();
    let schemas = dir.path().join(".privgate/schemas");
    // `privgate schema --write` ran first: init goes ahead.
    let r = run(privgate().args(["schema", "--write"]).arg(&schemas));
    assert_eq!(r.code, 0, "{}", r.stderr);
    let r = run(privgate().arg("init").arg(dir.path()));
    assert_eq!(r.code, 0, "{}", r.stderr);

    // An edited schema stops init, which then writes nothing at all.
    let dir = tempfile::tempdir().unwrap();
    let schemas = dir.path().join(".privgate/schemas");
    std::fs::create_dir_all(&schemas).unwrap();
    std::fs::write(schemas.join("manifest.schema.json"), "{}\n").unwrap();
    let r = run(privgate().arg("init").arg(dir.path()));
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains("manifest.schema.json") && r.stderr.contains("nothing was written"),
        "{}",
        r.stderr
    );
    assert!(!dir.path().join("privacy.yaml").exists());
    assert_eq!(
        std::fs::read_to_string(schemas.join("manifest.schema.json")).unwrap(),
        "{}\n"
    );
}

/// After an upgrade the copies `init` wrote are older than the binary:
/// `check` says so, at the comment, and `schema --write` refreshes them.
#[test]
fn check_warns_about_an_older_written_schema_until_schema_write_refreshes_it() {
    let dir = tempfile::tempdir().unwrap();
    assert_eq!(run(privgate().arg("init").arg(dir.path())).code, 0);
    let written = dir.path().join(".privgate/schemas/manifest.schema.json");
    let current = std::fs::read_to_string(&written).unwrap();
    let old = current
        .replacen(
            "\"x-privgate-version\": \"0.1.0\"",
            "\"x-privgate-version\": \"0.0.9\"",
            1,
        )
        .replacen("\"user.contact.email\"", "\"user.contact.emails\"", 1);
    assert_ne!(old, current);
    std::fs::write(&written, &old).unwrap();

    let r = run(privgate()
        .args(["check", "--today", "2026-12-07"])
        .arg(dir.path()));
    assert_eq!(
        r.code, 0,
        "a stale schema is a warning, not a failure: {}",
        r.stderr
    );
    assert!(
        r.stderr
            .contains("privgate 0.0.9, older than this privgate (0.1.0)"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("privacy.yaml:1:33"), "{}", r.stderr);
    assert!(
        r.stderr
            .contains("privgate schema --write .privgate/schemas"),
        "{}",
        r.stderr
    );

    let r = run(privgate()
        .args(["schema", "--write", ".privgate/schemas"])
        .current_dir(dir.path()));
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stderr
            .contains("refreshed .privgate/schemas/manifest.schema.json (privgate 0.1.0)")
            && r.stderr
                .contains("unchanged .privgate/schemas/config.schema.json"),
        "{}",
        r.stderr
    );
    assert_eq!(std::fs::read_to_string(&written).unwrap(), current);
    let r = run(privgate()
        .args(["check", "--today", "2026-12-07"])
        .arg(dir.path()));
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stderr.is_empty(), "{}", r.stderr);
}

#[test]
fn check_warns_about_schema_comments_that_lead_nowhere() {
    let dir = tempfile::tempdir().unwrap();
    let write = |p: &str, t: &str| {
        let path = dir.path().join(p);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, t).unwrap();
    };
    // What earlier starters wrote: an address nothing serves.
    write(
        "svc/a/privacy.yaml",
        "# yaml-language-server: $schema=https://privgate.dev/schemas/manifest.schema.json\nversion: 1\n",
    );
    write(
        "svc/b/privacy.yaml",
        "# yaml-language-server: $schema=https://privgate.dev/schemas/manifest.schema.json\nversion: 1\n",
    );
    // A relative path to nothing.
    write(
        "c.privacy.yaml",
        "# yaml-language-server: $schema=schemas/manifest.schema.json\nversion: 1\n",
    );
    let mut r = validate(dir.path());
    r.stderr = flat(&r.stderr);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stderr.contains("which nothing serves"), "{}", r.stderr);
    assert!(
        r.stderr.contains("(1 more file names it)"),
        "one warning for both: {}",
        r.stderr
    );
    assert!(
        r.stderr
            .contains("`../../.privgate/schemas/manifest.schema.json`"),
        "the path to point at, from svc/a: {}",
        r.stderr
    );
    assert!(
        r.stderr
            .contains("names `schemas/manifest.schema.json`, which does not exist"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("2 warnings"), "{}", r.stderr);
}

#[test]
fn a_huge_or_odd_schema_comment_is_no_crash_and_no_lookup() {
    let dir = tempfile::tempdir().unwrap();
    let huge = "x/".repeat(200_000);
    std::fs::write(
        dir.path().join("privacy.yaml"),
        format!("# yaml-language-server: $schema={huge}\nversion: 1\n"),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("a.privacy.yaml"),
        "# yaml-language-server: $schema=\n# yaml-language-server: $schema=../../../../etc/passwd\nversion: 1\n",
    )
    .unwrap();
    let r = validate(dir.path());
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(!r.stderr.contains("editor-schema"), "{}", r.stderr);
}

#[test]
fn schema_write_refuses_to_replace_a_file_that_is_not_a_privgate_schema() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("config.schema.json"),
        "{\"title\": \"mine\"}",
    )
    .unwrap();
    let r = run(privgate().args(["schema", "--write"]).arg(dir.path()));
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("not a privgate schema"), "{}", r.stderr);
    assert!(!dir.path().join("manifest.schema.json").exists());
    // One schema only, by name.
    let other = tempfile::tempdir().unwrap();
    let r = run(privgate()
        .args(["schema", "manifest", "--write"])
        .arg(other.path()));
    assert_eq!(r.code, 0, "{}", r.stderr);
    let names: Vec<_> = std::fs::read_dir(other.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(
        names,
        vec![std::ffi::OsString::from("manifest.schema.json")]
    );
}

#[test]
fn init_into_a_missing_directory_creates_it() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("new").join("service");
    let r = run(privgate().arg("init").arg(&target));
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(target.join("privgate.yaml").is_file());
    assert!(target.join("privacy.yaml").is_file());
}

#[test]
fn init_onto_a_file_fails_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("taken");
    std::fs::write(&file, "x").unwrap();
    let r = run(privgate().arg("init").arg(&file));
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("not a directory"), "{}", r.stderr);
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "x");
}

// ---------------------------------------------------------------------------
// schema
// ---------------------------------------------------------------------------

#[test]
fn schema_prints_the_files_in_schemas() {
    for name in ["manifest", "config", "rulepack"] {
        let r = run(privgate().args(["schema", name]));
        assert_eq!(r.code, 0, "{name}: {}", r.stderr);
        let file =
            std::fs::read_to_string(repo().join(format!("schemas/{name}.schema.json"))).unwrap();
        let printed: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
        let expected: serde_json::Value = serde_json::from_str(&file).unwrap();
        assert_eq!(printed, expected, "{name}");
        assert_eq!(r.stdout, file, "{name}: not the file byte for byte");
        assert!(r.stderr.is_empty(), "{name}: {}", r.stderr);
    }
}

#[test]
fn schema_of_an_unknown_name_is_a_usage_error() {
    let r = run(privgate().args(["schema", "manifests"]));
    assert_eq!(r.code, 2);
    assert!(r.stdout.is_empty());
}

#[test]
fn rules_explain_writes_json_when_asked() {
    let r = run(privgate()
        .args(["rules", "explain", "gdpr.dpia-required", "--format", "json"])
        .current_dir(repo().join("examples/acme-shop")));
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v["id"], "gdpr.dpia-required");
    assert_eq!(v["severity"], "high");
    assert_eq!(v["targets"], serde_json::json!(["purpose"]));
    assert!(v["remediation"].as_str().is_some_and(|s| !s.is_empty()));
}

#[test]
fn score_offers_only_the_formats_it_writes() {
    let help = run(privgate().args(["score", "--help"]));
    assert!(
        help.stdout.contains("[possible values: human, json]"),
        "{}",
        help.stdout
    );
    let r = run(privgate()
        .args(["score", "--format", "sarif"])
        .current_dir(repo().join("examples/acme-shop")));
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("invalid value 'sarif'"), "{}", r.stderr);
}

// ---------------------------------------------------------------------------
// rules explain by short id, taxonomy
// ---------------------------------------------------------------------------

#[test]
fn rules_explain_takes_the_name_without_the_pack_when_one_pack_has_it() {
    let r = run(privgate()
        .args(["rules", "explain", "dpia-required"])
        .current_dir(repo().join("examples/acme-shop")));
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.starts_with("gdpr.dpia-required: "), "{}", r.stdout);
}

#[test]
fn rules_explain_lists_the_candidates_of_an_ambiguous_name() {
    let r = run(privgate()
        .args(["rules", "explain", "purpose-limitation"])
        .current_dir(repo().join("examples/acme-shop")));
    assert_eq!(r.code, 2, "{}", r.stderr);
    let err = flat(&r.stderr);
    assert!(err.contains("names more than one rule"), "{err}");
    assert!(
        err.contains("`gdpr.purpose-limitation`") && err.contains("`ccpa.purpose-"),
        "{err}"
    );
    let r = run(privgate()
        .args(["rules", "explain", "dpia-requird"])
        .current_dir(repo().join("examples/acme-shop")));
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("did you mean `gdpr.dpia-required`?"),
        "{}",
        r.stderr
    );
}

#[test]
fn taxonomy_lists_categories_with_descriptions_and_marks_and_subjects() {
    let dir = tempfile::tempdir().unwrap();
    let r = run(privgate().arg("taxonomy").current_dir(dir.path()));
    assert_eq!(r.code, 0, "{}", r.stderr);
    let line = |key: &str| {
        r.stdout
            .lines()
            .find(|l| l.split_whitespace().next() == Some(key))
            .unwrap_or_else(|| panic!("no {key} in {}", r.stdout))
            .to_string()
    };
    assert!(line("user.contact.email").contains("email address"));
    assert!(
        line("user.health").ends_with("[special, CCPA sensitive]"),
        "{}",
        line("user.health")
    );
    assert!(
        line("user.criminal_history").contains("criminal"),
        "{}",
        line("user.criminal_history")
    );
    assert!(line("user.financial.bank_account").contains("highly personal"));
    assert!(line("user.government_id.ssn").contains("CCPA sensitive"));
    assert!(line("customer").contains("buys"));
    assert!(r.stdout.contains("data subjects:"), "{}", r.stdout);
}

#[test]
fn taxonomy_query_filters_and_json_names_the_marks() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("privgate.yaml"),
        "version: 1\ntaxonomy:\n  - key: user.health.sleep\n    description: Sleep tracking data.\nsubjects: [member]\n",
    )
    .unwrap();
    let r = run(privgate()
        .args(["taxonomy", "sleep", "--format", "json"])
        .current_dir(dir.path()));
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    let sleep = v["categories"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["key"] == "user.health.sleep")
        .unwrap_or_else(|| panic!("{v}"));
    assert_eq!(
        sleep,
        &serde_json::json!({
            "key": "user.health.sleep",
            "description": "Sleep tracking data.",
            "marks": ["gdpr_special", "ccpa_sensitive"],
            "source": "config"
        }),
        "a config key inherits its parent's marks"
    );
    // `user.health.fitness` says "sleep" in its description.
    assert!(v["categories"][0]["key"] == "user.health.fitness", "{v}");
    let r = run(privgate()
        .args(["taxonomy", "MEMBER"])
        .current_dir(dir.path()));
    assert!(
        r.stdout.contains("member") && r.stdout.contains("(from privgate.yaml)"),
        "{}",
        r.stdout
    );
    assert!(!r.stdout.contains("user.contact.email"), "{}", r.stdout);
    // The same query twice gives the same bytes.
    let again = run(privgate()
        .args(["taxonomy", "MEMBER"])
        .current_dir(dir.path()));
    assert_eq!(again.stdout, r.stdout);
    let none = run(privgate().args(["taxonomy", "zzz"]).current_dir(dir.path()));
    assert_eq!(none.code, 0);
    assert!(
        none.stderr.contains("no category or subject matches `zzz`"),
        "{}",
        none.stderr
    );
}

#[test]
fn taxonomy_with_a_broken_config_is_a_located_error() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("privgate.yaml"),
        "version: 1\ntaxonomi: []\n",
    )
    .unwrap();
    let r = run(privgate().arg("taxonomy").current_dir(dir.path()));
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("privgate.yaml:2:1"), "{}", r.stderr);
}

/// An unknown category's suggestion matches on the last segments.
#[test]
fn an_unknown_category_suggests_the_key_ending_alike() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("privacy.yaml"),
        "version: 1\ndatasets:\n  - id: d\n    categories: [user.email]\n",
    )
    .unwrap();
    let r = validate(dir.path());
    assert_eq!(r.code, 2);
    let err = flat(&r.stderr);
    assert!(err.contains("did you mean `user.contact.email`"), "{err}");
    assert!(!err.contains("`user.name`"), "{err}");
}

// ---------------------------------------------------------------------------
// dogfooding
// ---------------------------------------------------------------------------

/// `privgate check` at the top of this repository checks the example
/// repository and nothing broken on purpose: it can check (never exit 2),
/// reads exactly acme-shop's manifests, and finds every `$schema` comment
/// current.
#[test]
fn check_at_the_repository_root_checks_the_examples_and_skips_the_broken_ones() {
    let r = run(privgate()
        .args(["check", "--format", "json", "--today", "2026-12-07"])
        .current_dir(repo()));
    assert_ne!(r.code, 2, "{}", r.stderr);
    assert_eq!(
        r.code, 0,
        "no critical finding in the examples: {}",
        r.stderr
    );
    let report: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    let mut acme = 0;
    let mut stack = vec![repo().join("examples/acme-shop")];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(d).unwrap() {
            let p = e.unwrap().path();
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            if p.is_dir() {
                stack.push(p);
            } else if name == "privacy.yaml" || name.ends_with(".privacy.yaml") {
                acme += 1;
            }
        }
    }
    assert_eq!(report["summary"]["manifests"], acme, "{}", r.stderr);
    for f in report["findings"].as_array().unwrap() {
        let file = f["file"].as_str().unwrap();
        assert!(file.starts_with("examples/acme-shop/"), "{file}");
    }
    assert!(
        !r.stderr.contains("warning"),
        "warnings at the root: {}",
        r.stderr
    );
}

/// What a person reads from `privgate taxonomy QUERY`, as a snapshot
/// (`INSTA_UPDATE=always cargo test --test it cli::` after a taxonomy change).
#[test]
fn taxonomy_output_for_a_query_is_stable() {
    let dir = tempfile::tempdir().unwrap();
    let r = run(privgate()
        .args(["taxonomy", "user.contact"])
        .current_dir(dir.path()));
    assert_eq!(r.code, 0, "{}", r.stderr);
    insta::assert_snapshot!("taxonomy_user_contact", r.stdout);
}
