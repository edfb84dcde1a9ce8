//! `privgate validate` end to end: every error class of the "core" issue,
//! through the built binary, with `NO_COLOR=1`. Each case asserts the exit
//! code (2), the message (key words), and the exact `path:LINE:COL` the
//! diagnostic points at. The `examples/broken/*` repositories are the
//! fixtures; the input-limit and file-system cases are generated in a temp
//! directory at test time.

use assert_cmd::Command;
use std::path::{Path, PathBuf};

// ---------------------------------------------------------------------------
// Harness
// ---------------------------------------------------------------------------

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn broken(name: &str) -> PathBuf {
    repo().join("examples/broken").join(name)
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Run {
    /// One diagnostic of stderr: the code line and everything up to the next.
    fn blocks(&self) -> Vec<(String, String)> {
        let mut out: Vec<(String, String)> = Vec::new();
        for line in self.stderr.lines() {
            let is_code = !line.is_empty()
                && line.chars().all(|c| {
                    c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '-' | '.' | '_')
                });
            if is_code {
                out.push((line.to_string(), String::new()));
            } else if let Some((_, block)) = out.last_mut() {
                block.push_str(line);
                block.push('\n');
            }
        }
        out
    }
}

fn privgate() -> Command {
    let mut cmd = crate::common::privgate();
    cmd.env("NO_COLOR", "1")
        .env_remove("CLICOLOR_FORCE")
        .env_remove("PRIVGATE_TODAY");
    cmd
}

fn run(cmd: &mut Command) -> Run {
    let out = cmd.output().unwrap();
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// `privgate validate` run in `dir`, so paths print root-relative.
fn validate(dir: &Path) -> Run {
    run(privgate().arg("validate").current_dir(dir))
}

/// Message text as miette wraps it: continuation lines start with `  | `,
/// and a wrap may split a hyphenated word, so compare without whitespace.
fn squash(text: &str) -> String {
    text.replace("\n  | ", "").split_whitespace().collect()
}

/// Where a rendered diagnostic points: the `[path:L:C]` of its first source
/// snippet, or the `path:L:C:` its message starts with when there is no
/// source to show.
fn primary_location(block: &str) -> Option<String> {
    if let Some(start) = block.find(",-[") {
        let rest = &block[start + 3..];
        return rest.find(']').map(|end| rest[..end].to_string());
    }
    let first = block.lines().find(|l| !l.trim().is_empty())?.trim();
    let message = first.strip_prefix("x ").unwrap_or(first);
    let mut parts = message.splitn(4, ':');
    let (path, line, col) = (parts.next()?, parts.next()?, parts.next()?);
    (line.parse::<usize>().is_ok() && col.parse::<usize>().is_ok())
        .then(|| format!("{path}:{line}:{col}"))
}

/// Asserts a diagnostic with `code` at `location` whose text holds every
/// one of `words`; returns its block.
#[track_caller]
fn assert_diag(run: &Run, code: &str, location: &str, words: &[&str]) -> String {
    let blocks = run.blocks();
    let found = blocks
        .iter()
        .find(|(c, b)| c == code && primary_location(b).as_deref() == Some(location));
    let Some((_, block)) = found else {
        panic!(
            "no `{code}` diagnostic at {location}; got {:?}\n--- stderr ---\n{}",
            blocks
                .iter()
                .map(|(c, b)| (c, primary_location(b)))
                .collect::<Vec<_>>(),
            run.stderr
        );
    };
    let text = squash(block);
    for w in words {
        assert!(
            text.contains(&squash(w)),
            "`{code}` at {location} does not say {w:?}:\n{block}"
        );
    }
    block.clone()
}

/// Asserts exit code 2 and exactly `n` errors.
#[track_caller]
fn assert_errors(run: &Run, n: usize) {
    assert_eq!(run.code, 2, "exit code\n--- stderr ---\n{}", run.stderr);
    let summary = format!("{n} error{} found", if n == 1 { "" } else { "s" });
    assert!(
        run.stderr.contains(&summary),
        "expected {summary:?}\n--- stderr ---\n{}",
        run.stderr
    );
    let errors = run.blocks().len();
    assert_eq!(
        errors, n,
        "diagnostics rendered\n--- stderr ---\n{}",
        run.stderr
    );
}

#[track_caller]
fn assert_clean(run: &Run) {
    assert_eq!(run.code, 0, "exit code\n--- stderr ---\n{}", run.stderr);
    assert!(run.stderr.starts_with("ok: "), "stderr:\n{}", run.stderr);
}

/// Writes `files` (path -> content) under `dir`.
fn write(dir: &Path, files: &[(&str, &str)]) {
    for (path, content) in files {
        let full = dir.join(path);
        std::fs::create_dir_all(full.parent().unwrap()).unwrap();
        std::fs::write(full, content).unwrap();
    }
}

fn tempdir() -> tempfile::TempDir {
    tempfile::tempdir().unwrap()
}

const VALID: &str = "version: 1\n";

// ---------------------------------------------------------------------------
// examples/broken: one repository per error class
// ---------------------------------------------------------------------------

/// Every `examples/broken/*` repository, found by glob (a new one needs no
/// list kept by hand): `privgate validate` fails on it with exit 2, and what
/// it says is its snapshot. The tests below pin each one's exact place.
#[test]
fn every_broken_example_fails_validation_as_its_snapshot_shows() {
    insta::glob!("../../examples/broken", "*/README.md", |readme| {
        let dir = readme.parent().unwrap();
        let r = validate(dir);
        assert_eq!(
            r.code,
            2,
            "{}: exit {}\n{}",
            dir.display(),
            r.code,
            r.stderr
        );
        insta::assert_snapshot!(format!("exit {}\n{}", r.code, r.stderr));
    });
}

#[test]
fn yaml_syntax() {
    let r = validate(&broken("yaml-syntax"));
    assert_errors(&r, 1);
    assert_diag(
        &r,
        "yaml-syntax",
        "privacy.yaml:5:4",
        &[
            "YAML syntax error",
            "this line is indented 3 spaces; its siblings 2 (line 4)",
            "indent it 2 spaces, like line 4",
        ],
    );
}

#[test]
fn non_string_keys_and_tags_are_located_errors() {
    let dir = tempdir();
    write(
        dir.path(),
        &[
            ("a/privacy.yaml", "version: 1\nsystem:\n  id: s\n  1: x\n"),
            ("b/privacy.yaml", "version: 1\nsystem: !custom\n  id: t\n"),
        ],
    );
    let r = validate(dir.path());
    assert_errors(&r, 2);
    assert_diag(
        &r,
        "yaml-syntax",
        "a/privacy.yaml:4:3",
        &["expected a string key"],
    );
    assert_diag(&r, "yaml-syntax", "b/privacy.yaml:2:9", &["tags"]);
}

#[test]
fn nan_and_infinity_are_located_errors_not_null() {
    let dir = tempdir();
    write(
        dir.path(),
        &[
            (
                "a/privacy.yaml",
                "version: 1\nconsents:\n  - id: c\n    minimum_age: .nan\n",
            ),
            (
                "b/privacy.yaml",
                "version: 1\ndatasets:\n  - id: d\n    location: -.inf\n",
            ),
        ],
    );
    let r = validate(dir.path());
    assert_errors(&r, 2);
    let block = assert_diag(
        &r,
        "yaml-syntax",
        "a/privacy.yaml:4:18",
        &["`.nan` is not a number a manifest can hold"],
    );
    assert!(block.contains("quote it"), "{block}");
    assert_diag(&r, "yaml-syntax", "b/privacy.yaml:4:15", &["`-.inf`"]);
}

#[test]
fn a_schema_error_in_a_declaration_does_not_hide_its_other_errors() {
    let dir = tempdir();
    write(
        dir.path(),
        &[(
            "privacy.yaml",
            "version: 1
datasets:
  - id: users-db
    location: Germany
    categories: [user.contact.email, user.nmae]
purposes:
  - id: p1
    lawful_basis: contracts
    datasets: [users-dbb]
    consent: nope
",
        )],
    );
    let r = validate(dir.path());
    // Two schema errors, and what the resolver finds in the same items.
    assert_errors(&r, 5);
    assert_diag(&r, "invalid-value", "privacy.yaml:4:15", &["`location`"]);
    assert_diag(&r, "unknown-category", "privacy.yaml:5:38", &["user.nmae"]);
    assert_diag(
        &r,
        "invalid-value",
        "privacy.yaml:8:19",
        &["`lawful_basis`"],
    );
    assert_diag(
        &r,
        "dangling-reference",
        "privacy.yaml:9:16",
        &["users-dbb"],
    );
    assert_diag(&r, "dangling-reference", "privacy.yaml:10:14", &["nope"]);
}

#[test]
fn a_quoted_version_is_one_error_not_two() {
    let dir = tempdir();
    write(
        dir.path(),
        &[("privacy.yaml", "version: \"1\"\nsystem: { id: a }\n")],
    );
    let r = validate(dir.path());
    assert_errors(&r, 1);
    assert_diag(&r, "wrong-type", "privacy.yaml:1:10", &["whole number"]);
}

#[test]
fn a_tab_used_for_indentation_is_named() {
    let dir = tempdir();
    write(
        dir.path(),
        &[(
            "privacy.yaml",
            "version: 1\nsystem:\n\tid: svc\n\towner: team@example.com\n",
        )],
    );
    let r = validate(dir.path());
    assert_errors(&r, 1);
    let block = assert_diag(&r, "yaml-syntax", "privacy.yaml:3:1", &["(a tab)"]);
    assert!(
        block.contains("YAML does not allow tabs for indentation"),
        "{block}"
    );
}

#[test]
fn wrong_type() {
    let r = validate(&broken("wrong-type"));
    assert_errors(&r, 2);
    assert_diag(
        &r,
        "wrong-type",
        "privacy.yaml:7:24",
        &[
            "`encrypted_at_rest` must be `true` or `false`",
            "found the text `yes`",
        ],
    );
    assert_diag(
        &r,
        "wrong-type",
        "privacy.yaml:10:18",
        &[
            "`minimum_age` must be a whole number",
            "found the text `sixteen`",
        ],
    );
}

#[test]
fn unknown_field() {
    let r = validate(&broken("unknown-field"));
    assert_errors(&r, 1);
    assert_diag(
        &r,
        "unknown-field",
        "privacy.yaml:5:5",
        &[
            "unknown field `lawfull_basis`",
            "did you mean `lawful_basis`?",
        ],
    );
}

#[test]
fn bad_enum() {
    let r = validate(&broken("bad-enum"));
    assert_errors(&r, 1);
    assert_diag(
        &r,
        "invalid-value",
        "privacy.yaml:5:19",
        &[
            "`lawful_basis` must be one of consent, contract, legal_obligation, vital_interests, public_task, legitimate_interests; found `contracts`",
            "did you mean `contract`?",
        ],
    );
}

#[test]
fn missing_version() {
    let r = validate(&broken("missing-version"));
    assert_errors(&r, 1);
    assert_diag(
        &r,
        "missing-version",
        "privacy.yaml:1:1",
        &["`version` is missing", "`version: 1`"],
    );
}

#[test]
fn unsupported_version() {
    let r = validate(&broken("unsupported-version"));
    assert_errors(&r, 1);
    assert_diag(
        &r,
        "unsupported-version",
        "privacy.yaml:2:10",
        &["unsupported version 2", "version 1"],
    );
}

#[test]
fn empty_file() {
    let r = validate(&broken("empty-file"));
    assert_errors(&r, 1);
    assert_diag(
        &r,
        "empty-file",
        "privacy.yaml:1:1",
        &["empty file", "`version: 1`"],
    );
}

#[test]
fn comment_only_file_is_empty_too() {
    let dir = tempdir();
    write(dir.path(), &[("privacy.yaml", "# nothing yet\n\n---\n")]);
    let r = validate(dir.path());
    assert_errors(&r, 1);
    assert_diag(&r, "empty-file", "privacy.yaml:1:1", &["empty file"]);
}

#[test]
fn dangling_reference() {
    let r = validate(&broken("dangling-reference"));
    assert_errors(&r, 3);
    assert_diag(
        &r,
        "dangling-reference",
        "privacy.yaml:10:14",
        &[
            "consent `newsletter-consnt` does not name any declared consent",
            "did you mean `newsletter-consent`?",
        ],
    );
    assert_diag(
        &r,
        "dangling-reference",
        "privacy.yaml:12:16",
        &[
            "dataset `order-db` does not name any declared dataset",
            "did you mean `orders-db`?",
        ],
    );
    assert_diag(
        &r,
        "dangling-reference",
        "privacy.yaml:16:9",
        &["`mailer` does not name any declared vendor or dataset or system"],
    );
}

#[test]
fn duplicate_id_names_both_places() {
    let r = validate(&broken("duplicate-id"));
    assert_errors(&r, 1);
    let block = assert_diag(
        &r,
        "duplicate-id",
        "b/privacy.yaml:4:9",
        &["duplicate dataset id `orders-db`", "first declared here"],
    );
    assert!(
        block.contains("[a/privacy.yaml:4:9]"),
        "the first place is not named:\n{block}"
    );
}

#[test]
fn unknown_category() {
    let r = validate(&broken("unknown-category"));
    assert_errors(&r, 1);
    assert_diag(
        &r,
        "unknown-category",
        "privacy.yaml:5:29",
        &[
            "unknown data category `user.contact.emial`",
            "did you mean `user.contact.email`?",
        ],
    );
}

#[test]
fn bad_date() {
    let r = validate(&broken("bad-date"));
    assert_errors(&r, 1);
    assert_diag(
        &r,
        "invalid-value",
        "privacy.yaml:8:13",
        &["`date`", "YYYY-MM-DD", "`2025-13-45`"],
    );
}

#[test]
fn impossible_calendar_date() {
    // Passes the schema's pattern, not the calendar.
    let dir = tempdir();
    write(
        dir.path(),
        &[(
            "privacy.yaml",
            "version: 1\nvendors:\n  - id: stripe\n    role: processor\n    contract:\n      signed: 2025-02-30\n",
        )],
    );
    let r = validate(dir.path());
    assert_errors(&r, 1);
    assert_diag(
        &r,
        "bad-date",
        "privacy.yaml:6:15",
        &["`2025-02-30` is not a real date"],
    );
}

#[test]
fn bad_duration() {
    let r = validate(&broken("bad-duration"));
    assert_errors(&r, 1);
    assert_diag(
        &r,
        "invalid-value",
        "privacy.yaml:7:15",
        &[
            "`period` must be an ISO 8601 duration",
            "`indefinite`",
            "`7 years`",
        ],
    );
}

#[test]
fn bad_country_both_reported() {
    let r = validate(&broken("bad-country"));
    assert_errors(&r, 2);
    // Shaped like a code, but no country has it.
    assert_diag(
        &r,
        "bad-country",
        "privacy.yaml:6:15",
        &["`XX` is not an ISO 3166-1 alpha-2 country code"],
    );
    // A name, not a code: the help names the code.
    let block = assert_diag(
        &r,
        "invalid-value",
        "privacy.yaml:10:14",
        &[
            "`country` must be an ISO 3166-1 alpha-2 country code such as DE",
            "`Germany`",
        ],
    );
    assert!(block.contains("did you mean `DE`?"), "{block}");
}

#[test]
fn countries_written_as_abbreviations_or_lower_case_get_their_code() {
    let dir = tempdir();
    write(
        dir.path(),
        &[(
            "privacy.yaml",
            "version: 1\nvendors:\n  - id: a\n    name: A\n    role: processor\n    country: UK\n  - id: b\n    name: B\n    role: processor\n    country: de\n",
        )],
    );
    let r = validate(dir.path());
    assert_errors(&r, 2);
    let uk = assert_diag(&r, "bad-country", "privacy.yaml:6:14", &["`UK`"]);
    assert!(uk.contains("did you mean `GB`?"), "{uk}");
    let de = assert_diag(&r, "invalid-value", "privacy.yaml:10:14", &["`de`"]);
    assert!(
        de.contains("codes are upper case: did you mean `DE`?"),
        "{de}"
    );
}

#[test]
fn missing_document_only_escaping_paths_are_errors() {
    let r = validate(&broken("missing-document"));
    assert_errors(&r, 1);
    assert_diag(
        &r,
        "path-escapes-root",
        "privacy.yaml:10:15",
        &["document path `../../etc/passwd` leaves the repository"],
    );
    // The document that merely does not exist is the rule's business
    // (gdpr.assessment-document), not validation's.
    assert!(!r.stderr.contains("checkout-dpia.md"), "{}", r.stderr);
}

#[test]
fn absent_document_is_not_a_validation_error() {
    let dir = tempdir();
    write(
        dir.path(),
        &[(
            "privacy.yaml",
            "version: 1\nassessments:\n  - id: a\n    type: dpia\n    document: docs/privacy/nowhere.md\n",
        )],
    );
    assert_clean(&validate(dir.path()));
}

#[test]
fn absolute_document_path_escapes_the_root() {
    let dir = tempdir();
    write(
        dir.path(),
        &[("privacy.yaml", "version: 1\nbreach:\n  plan: /etc/passwd\n")],
    );
    let r = validate(dir.path());
    assert_errors(&r, 1);
    assert_diag(
        &r,
        "path-escapes-root",
        "privacy.yaml:3:9",
        &["`/etc/passwd` leaves the repository"],
    );
}

#[test]
fn bad_config() {
    let r = validate(&broken("bad-config"));
    assert_errors(&r, 2);
    assert_diag(
        &r,
        "unknown-regulation",
        "privgate.yaml:3:21",
        &[
            "no rule pack implements regulation `hipaa`",
            "the loaded rule packs implement: ccpa, gdpr",
        ],
    );
    assert_diag(
        &r,
        "invalid-value",
        "privgate.yaml:4:17",
        &[
            "`fail_on` must be one of critical, high, medium, low, none",
            "found `severe`",
        ],
    );
}

/// `regulations: []` would check nothing and score 100: a config error at
/// the key, naming what may be listed (the default is both).
#[test]
fn an_empty_regulations_list_is_a_config_error() {
    let dir = tempdir();
    write(
        dir.path(),
        &[
            ("privgate.yaml", "version: 1\nregulations: []\n"),
            ("privacy.yaml", VALID),
        ],
    );
    let r = validate(dir.path());
    assert_errors(&r, 1);
    assert_diag(
        &r,
        "invalid-value",
        "privgate.yaml:2:1",
        &[
            "`regulations` is empty and no `rulepacks` are listed",
            "list gdpr and/or ccpa, or leave `regulations` out for both",
        ],
    );
    let r = run(privgate().arg("check").current_dir(dir.path()));
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stdout.is_empty(), "{}", r.stdout);
}

#[test]
fn invalid_utf8() {
    let bytes = std::fs::read(broken("invalid-utf8").join("privacy.yaml")).unwrap();
    assert_eq!(bytes[115], 0xFF, "the fixture must stay byte-exact");
    let r = validate(&broken("invalid-utf8"));
    assert_errors(&r, 1);
    assert_diag(
        &r,
        "invalid-utf8",
        "privacy.yaml:5:12",
        &["file is not valid UTF-8", "offset 115", "UTF-8"],
    );
}

#[test]
fn alias_bomb() {
    let started = std::time::Instant::now();
    let r = validate(&broken("alias-bomb"));
    // A guard against the bomb going off (hours), not a timing target.
    assert!(started.elapsed().as_secs() < 60, "the alias bomb went off");
    assert_errors(&r, 1);
    assert_diag(
        &r,
        "alias-expansion",
        "privacy.yaml:9:8",
        &[
            "aliases expand beyond the limit of 100 expansions",
            "billion laughs",
        ],
    );
    // Raised before the schema: the keys a..i are never reported.
    assert!(!r.stderr.contains("unknown field"), "{}", r.stderr);
}

// ---------------------------------------------------------------------------
// Input limits, generated at test time
// ---------------------------------------------------------------------------

/// Runs validate on one generated manifest, asserting it does not hang
/// (a guard, not a timing target: benches/hostile.py measures the time).
fn validate_text(text: &str) -> Run {
    let started = std::time::Instant::now();
    let r = validate_bytes(text.as_bytes());
    assert!(
        started.elapsed().as_secs() < 60,
        "took {:?}",
        started.elapsed()
    );
    r
}

#[test]
fn nesting_20000_levels() {
    // libyaml alone spends seconds here (and minutes at 100,000 levels): the
    // depth is checked first, streaming. Past 255 levels of flow nesting the
    // place is where the streaming reader gives up, the 256th `[`.
    let r = validate_text(&format!(
        "version: 1\nx: {}{}\n",
        "[".repeat(20_000),
        "]".repeat(20_000)
    ));
    assert_errors(&r, 1);
    assert_diag(
        &r,
        "nesting-too-deep",
        "privacy.yaml:2:259",
        &["nesting deeper than the limit of 128 levels"],
    );
    // The 40,000-character line is cut down around the caret.
    assert!(
        r.stderr.len() < 2_000,
        "{} bytes of stderr:\n{}",
        r.stderr.len(),
        r.stderr
    );
}

#[test]
fn nesting_just_past_the_limit() {
    // The document is level 1, so the 128th `[` is level 129.
    let r = validate_text(&format!(
        "version: 1\nx: {}{}\n",
        "[".repeat(200),
        "]".repeat(200)
    ));
    assert_errors(&r, 1);
    assert_diag(
        &r,
        "nesting-too-deep",
        "privacy.yaml:2:131",
        &["limit of 128 levels"],
    );
    let ok = validate_text(&format!(
        "version: 1\nx: {}{}\n",
        "[".repeat(127),
        "]".repeat(127)
    ));
    assert_eq!(ok.code, 2, "{}", ok.stderr);
    // 127 levels of lists under `x` pass the depth check; the schema then
    // rejects the unknown key, not the depth.
    assert_diag(
        &ok,
        "unknown-field",
        "privacy.yaml:2:1",
        &["unknown field `x`"],
    );
}

#[test]
fn nesting_20000_levels_of_mappings() {
    let r = validate_text(&format!(
        "version: 1\nx: {}1{}\n",
        "{a: ".repeat(20_000),
        "}".repeat(20_000)
    ));
    assert_errors(&r, 1);
    // Keys resolve at each `:`, so the reader streams: the exact place, the
    // 128th `{` (level 129).
    assert_diag(
        &r,
        "nesting-too-deep",
        "privacy.yaml:2:512",
        &["limit of 128 levels"],
    );
}

#[test]
fn nesting_in_block_style_in_a_big_file() {
    // 1 MiB of `- - - ...`: over 500,000 levels, each a block sequence.
    let r = validate_text(&format!("version: 1\nx:\n  {}z\n", "- ".repeat(500_000)));
    assert_errors(&r, 1);
    assert_diag(
        &r,
        "nesting-too-deep",
        "privacy.yaml:3:257",
        &["limit of 128 levels"],
    );
}

#[test]
fn wide_alias_expansion() {
    // Within serde_yaml's own budget (one expansion per alias), but 10^10
    // nodes once expanded.
    let r = validate_text(&format!(
        "version: 1\na: &a [{}x]\nb: [{}*a]\n",
        "x,".repeat(100_000),
        "*a,".repeat(100_000)
    ));
    assert_errors(&r, 1);
    assert_diag(
        &r,
        "alias-expansion",
        "privacy.yaml:3:5",
        &["aliases expand beyond the limit of 100000 nodes"],
    );
}

#[test]
fn modest_aliases_are_fine() {
    let r = validate_text(
        "version: 1\ndatasets:\n  - id: a\n    categories: &pii [user.contact.email, user.name]\n  - id: b\n    categories: *pii\n",
    );
    assert_clean(&r);
}

#[test]
fn columns_count_characters() {
    let r = validate_text(
        "version: 1\ndatasets:\n  - {id: d, description: \"Café €\", location: XX}\n",
    );
    assert_errors(&r, 1);
    assert_diag(&r, "bad-country", "privacy.yaml:3:46", &["`XX`"]);
}

#[test]
fn file_over_10_mib() {
    let dir = tempdir();
    let f = std::fs::File::create(dir.path().join("privacy.yaml")).unwrap();
    f.set_len(privgate::load::tree::MAX_FILE_BYTES + 1).unwrap();
    write(dir.path(), &[("ok/privacy.yaml", VALID)]);
    let r = validate(dir.path());
    assert_errors(&r, 1);
    assert_diag(
        &r,
        "file-too-large",
        "privacy.yaml:1:1",
        &["file is 10485761 bytes, over the 10 MiB limit (10485760 bytes)"],
    );
}

#[test]
fn file_of_exactly_10_mib_is_read() {
    use privgate::load::tree::{Tree, WorkTree, MAX_FILE_BYTES};
    let dir = tempdir();
    for (name, len) in [
        ("at.privacy.yaml", MAX_FILE_BYTES),
        ("over.privacy.yaml", MAX_FILE_BYTES + 1),
    ] {
        let f = std::fs::File::create(dir.path().join(name)).unwrap();
        f.set_len(len).unwrap();
    }
    let tree = WorkTree::open(dir.path()).unwrap();
    assert_eq!(
        tree.read("at.privacy.yaml").unwrap().len() as u64,
        MAX_FILE_BYTES
    );
    let d = tree.read("over.privacy.yaml").unwrap_err();
    assert_eq!(d.code, "file-too-large");
    assert!(d.message.contains("10 MiB"), "{}", d.message);
}

// ---------------------------------------------------------------------------
// The file system: permissions, links, discovery
// ---------------------------------------------------------------------------

#[cfg(unix)]
fn chmod(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

#[cfg(unix)]
#[test]
fn unreadable_file() {
    let dir = tempdir();
    write(
        dir.path(),
        &[("privacy.yaml", VALID), ("b/privacy.yaml", VALID)],
    );
    let file = dir.path().join("privacy.yaml");
    chmod(&file, 0o000);
    if std::fs::read(&file).is_ok() {
        chmod(&file, 0o644);
        eprintln!("skipped: running as a user who reads mode 000 files (root)");
        return;
    }
    let r = validate(dir.path());
    chmod(&file, 0o644);
    assert_errors(&r, 1);
    assert_diag(
        &r,
        "unreadable-path",
        "privacy.yaml:1:1",
        &["cannot read `privacy.yaml`"],
    );
}

#[cfg(unix)]
#[test]
fn unreadable_directory() {
    // Reported, and so is an unreadable manifest elsewhere: the walk goes on.
    let dir = tempdir();
    write(
        dir.path(),
        &[
            ("privacy.yaml", VALID),
            ("secret/privacy.yaml", VALID),
            ("z/privacy.yaml", VALID),
        ],
    );
    let sub = dir.path().join("secret");
    let file = dir.path().join("z/privacy.yaml");
    chmod(&sub, 0o000);
    chmod(&file, 0o000);
    if std::fs::read_dir(&sub).is_ok() {
        chmod(&sub, 0o755);
        chmod(&file, 0o644);
        eprintln!("skipped: running as a user who reads mode 000 directories (root)");
        return;
    }
    let r = validate(dir.path());
    chmod(&sub, 0o755);
    chmod(&file, 0o644);
    assert_errors(&r, 2);
    assert_diag(
        &r,
        "unreadable-path",
        "secret:1:1",
        &["cannot read `secret`", "Permission denied"],
    );
    assert_diag(
        &r,
        "unreadable-path",
        "z/privacy.yaml:1:1",
        &["cannot read `z/privacy.yaml`"],
    );
}

#[cfg(unix)]
#[test]
fn unreadable_directory_that_is_excluded_is_not_read() {
    let dir = tempdir();
    write(
        dir.path(),
        &[
            ("privacy.yaml", VALID),
            ("privgate.yaml", "version: 1\nexclude: [secret]\n"),
            ("secret/privacy.yaml", VALID),
            ("node_modules/x/privacy.yaml", VALID),
        ],
    );
    let secret = dir.path().join("secret");
    let modules = dir.path().join("node_modules/x");
    chmod(&secret, 0o000);
    chmod(&modules, 0o000);
    let r = validate(dir.path());
    chmod(&secret, 0o755);
    chmod(&modules, 0o755);
    assert_clean(&r);
    assert!(r.stderr.contains("ok: 1 manifest,"), "{}", r.stderr);
}

#[cfg(unix)]
#[test]
fn symlink_loop() {
    let dir = tempdir();
    write(
        dir.path(),
        &[("privacy.yaml", VALID), ("a/privacy.yaml", VALID)],
    );
    std::os::unix::fs::symlink("..", dir.path().join("a/up")).unwrap();
    let r = validate(dir.path());
    assert_errors(&r, 1);
    assert_diag(
        &r,
        "symlink-loop",
        "a/up:1:1",
        &["symbolic link loop: `a/up` leads back to `.`"],
    );
}

#[cfg(unix)]
#[test]
fn symlink_to_itself() {
    let dir = tempdir();
    write(dir.path(), &[("privacy.yaml", VALID)]);
    std::os::unix::fs::symlink("self", dir.path().join("self")).unwrap();
    let r = validate(dir.path());
    assert_errors(&r, 1);
    assert_diag(
        &r,
        "unreadable-path",
        "self:1:1",
        &["cannot follow symbolic link `self`"],
    );
}

#[cfg(unix)]
#[test]
fn symlink_loops_in_skipped_or_excluded_directories_are_not_followed() {
    let dir = tempdir();
    write(
        dir.path(),
        &[
            ("privacy.yaml", VALID),
            ("privgate.yaml", "version: 1\nexclude: [\"legacy/**\"]\n"),
            ("legacy/privacy.yaml", VALID),
            ("vendor/privacy.yaml", VALID),
        ],
    );
    std::os::unix::fs::symlink("..", dir.path().join("legacy/up")).unwrap();
    std::os::unix::fs::symlink("..", dir.path().join("vendor/up")).unwrap();
    std::os::unix::fs::symlink(".", dir.path().join("node_modules")).unwrap();
    let r = validate(dir.path());
    assert_clean(&r);
    assert!(r.stderr.contains("ok: 1 manifest,"), "{}", r.stderr);
}

#[cfg(unix)]
#[test]
fn dangling_symlink_is_ignored() {
    let dir = tempdir();
    write(dir.path(), &[("privacy.yaml", VALID)]);
    std::os::unix::fs::symlink("does/not/exist", dir.path().join("docs")).unwrap();
    assert_clean(&validate(dir.path()));
}

#[cfg(unix)]
#[test]
fn symlinks_out_of_the_root_are_not_followed() {
    let outside = tempdir();
    write(
        outside.path(),
        &[
            ("svc/privacy.yaml", "version: 1\nbogus: [\n"),
            ("lone.privacy.yaml", "version: 2\n"),
        ],
    );
    let dir = tempdir();
    write(dir.path(), &[("privacy.yaml", VALID)]);
    std::os::unix::fs::symlink(outside.path(), dir.path().join("ext")).unwrap();
    std::os::unix::fs::symlink(outside.path().join("svc"), dir.path().join("svc")).unwrap();
    std::os::unix::fs::symlink(
        outside.path().join("lone.privacy.yaml"),
        dir.path().join("x.privacy.yaml"),
    )
    .unwrap();
    let r = validate(dir.path());
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stderr.contains("ok: 1 manifest,"), "{}", r.stderr);
    // The manifest-named link is named in a warning; linked directories
    // are simply not entered.
    assert!(
        r.stderr
            .contains("x.privacy.yaml:1:1: a symbolic link out of the repository root"),
        "{}",
        r.stderr
    );
    assert_eq!(r.stderr.matches("symbolic link").count(), 1, "{}", r.stderr);
}

#[cfg(unix)]
#[test]
fn symlinks_inside_the_root_are_followed() {
    let dir = tempdir();
    write(
        dir.path(),
        &[("real/privacy.yaml", "version: 1\nbogus: 1\n")],
    );
    std::os::unix::fs::symlink("real", dir.path().join("alias")).unwrap();
    let r = validate(dir.path());
    // Found twice, under both names.
    assert_errors(&r, 2);
    assert_diag(
        &r,
        "unknown-field",
        "alias/privacy.yaml:2:1",
        &["unknown field `bogus`"],
    );
    assert_diag(
        &r,
        "unknown-field",
        "real/privacy.yaml:2:1",
        &["unknown field `bogus`"],
    );
}

#[test]
fn skipped_directories_and_excludes() {
    let dir = tempdir();
    let bad = "version: 1\nbogus: [\n";
    write(
        dir.path(),
        &[
            (
                "privgate.yaml",
                "version: 1\nexclude: [\"legacy/**\", \"tools\", \"**/*.draft.privacy.yaml\"]\n",
            ),
            ("services/a/privacy.yaml", VALID),
            ("privacy/shared.privacy.yml", VALID),
            (".git/privacy.yaml", bad),
            ("target/debug/privacy.yaml", bad),
            ("node_modules/pkg/privacy.yaml", bad),
            ("vendor/privacy.yaml", bad),
            ("services/b/node_modules/pkg/privacy.yaml", bad),
            ("services/b/vendor/privacy.yaml", bad),
            ("services/b/target/privacy.yaml", bad),
            ("legacy/privacy.yaml", bad),
            ("legacy/deep/er/privacy.yaml", bad),
            ("tools/privacy.yaml", bad),
            ("services/c/next.draft.privacy.yaml", bad),
            // Not manifest names at all.
            ("services/a/privacy.json", bad),
            ("services/a/privacy.yaml.bak", bad),
            ("services/a/notprivacy.yaml", bad),
        ],
    );
    let r = validate(dir.path());
    assert_clean(&r);
    assert!(r.stderr.contains("ok: 2 manifests"), "{}", r.stderr);
}

#[test]
fn manifests_globs_replace_the_defaults() {
    let dir = tempdir();
    write(
        dir.path(),
        &[
            (
                "privgate.yaml",
                "version: 1\nmanifests: [\"declarations/*.yaml\"]\n",
            ),
            ("declarations/shop.yaml", "version: 1\nbogus: 1\n"),
            ("services/a/privacy.yaml", "version: 1\nbogus: 1\n"),
        ],
    );
    let r = validate(dir.path());
    assert_errors(&r, 1);
    assert_diag(
        &r,
        "unknown-field",
        "declarations/shop.yaml:2:1",
        &["unknown field `bogus`"],
    );
}

#[test]
fn bad_config_still_excludes() {
    // The config's valid part (exclude) applies even though `gate` is wrong.
    let dir = tempdir();
    write(
        dir.path(),
        &[
            (
                "privgate.yaml",
                "version: 1\nexclude: [\"legacy/**\"]\ngate: {min_score: 200}\n",
            ),
            ("privacy.yaml", VALID),
            ("legacy/privacy.yaml", "version: 1\nbogus: [\n"),
        ],
    );
    let r = validate(dir.path());
    assert_errors(&r, 1);
    assert_diag(
        &r,
        "invalid-value",
        "privgate.yaml:3:19",
        &["`min_score` must be at most 100; found a number (`200`)"],
    );
}

#[test]
fn bad_config_keeps_its_taxonomy() {
    let dir = tempdir();
    write(
        dir.path(),
        &[
            (
                "privgate.yaml",
                "version: 1\ntaxonomy:\n  - key: user.loyalty.points\nsubjects: [franchisee]\ngate: { fail_on: severe }\n",
            ),
            (
                "privacy.yaml",
                "version: 1\ndatasets:\n  - id: points\n    categories: [user.loyalty.points]\n    subjects: [franchisee]\n",
            ),
        ],
    );
    let r = validate(dir.path());
    assert_errors(&r, 1);
    assert_diag(
        &r,
        "invalid-value",
        "privgate.yaml:5:18",
        &["found `severe`"],
    );
}

#[test]
fn config_unknown_field() {
    let dir = tempdir();
    write(
        dir.path(),
        &[("privgate.yaml", "version: 1\ngate:\n  min_scor: 80\n")],
    );
    let r = validate(dir.path());
    assert_errors(&r, 1);
    assert_diag(
        &r,
        "unknown-field",
        "privgate.yaml:3:3",
        &["unknown field `min_scor`", "did you mean `min_score`?"],
    );
}

// ---------------------------------------------------------------------------
// Every error in every file, in one run
// ---------------------------------------------------------------------------

#[test]
fn all_errors_in_several_files_in_one_run() {
    let dir = tempdir();
    write(
        dir.path(),
        &[
            ("services/a/privacy.yaml", "version: 1\nsystem:\n  id: a\n   owner: x\n"),
            (
                "services/b/privacy.yaml",
                "version: 1\ndatasets:\n  - id: b-db\n    location: XX\npurposes:\n  - id: b\n    lawfull_basis: consent\n",
            ),
            (
                "services/c/privacy.yaml",
                "version: 1\ndatasets:\n  - id: c-db\n    categories: [user.contact.emial]\n  - id: c-old\n    retention: {period: P7Q}\n",
            ),
            ("services/d/privacy.yml", ""),
            ("services/e/privacy.yaml", "version: 3\n"),
        ],
    );
    std::fs::write(
        dir.path().join("x.privacy.yaml"),
        b"version: 1\n# caf\xe9\n",
    )
    .unwrap();
    let r = validate(dir.path());
    assert_errors(&r, 8);
    assert_diag(
        &r,
        "yaml-syntax",
        "services/a/privacy.yaml:4:4",
        &["this line is indented 3 spaces; its siblings 2 (line 3)"],
    );
    assert_diag(&r, "bad-country", "services/b/privacy.yaml:4:15", &["`XX`"]);
    assert_diag(
        &r,
        "unknown-field",
        "services/b/privacy.yaml:7:5",
        &["did you mean `lawful_basis`?"],
    );
    assert_diag(
        &r,
        "unknown-category",
        "services/c/privacy.yaml:4:18",
        &["`user.contact.emial`"],
    );
    assert_diag(
        &r,
        "invalid-value",
        "services/c/privacy.yaml:6:25",
        &["ISO 8601 duration", "`P7Q`"],
    );
    assert_diag(
        &r,
        "empty-file",
        "services/d/privacy.yml:1:1",
        &["empty file"],
    );
    assert_diag(
        &r,
        "unsupported-version",
        "services/e/privacy.yaml:1:10",
        &["unsupported version 3"],
    );
    assert_diag(&r, "invalid-utf8", "x.privacy.yaml:2:6", &["offset 16"]);
}

#[test]
fn references_are_checked_around_declarations_with_schema_errors() {
    // `orders-db` has a schema error, but it is declared: naming it is fine.
    // `stripee` is a typo, and `stripe` is declared twice.
    let dir = tempdir();
    write(
        dir.path(),
        &[
            (
                "a/privacy.yaml",
                "version: 1\ndatasets:\n  - id: orders-db\n    encrypted_at_rest: \"yes\"\nvendors:\n  - id: stripe\n    role: processor\n",
            ),
            (
                "b/privacy.yaml",
                "version: 1\nflows:\n  - id: f\n    from: orders-db\n    to: stripee\nvendors:\n  - id: stripe\n    role: processor\n",
            ),
        ],
    );
    let r = validate(dir.path());
    assert_errors(&r, 3);
    assert_diag(
        &r,
        "wrong-type",
        "a/privacy.yaml:4:24",
        &["`encrypted_at_rest`"],
    );
    assert_diag(
        &r,
        "dangling-reference",
        "b/privacy.yaml:5:9",
        &["`stripee` does not name", "did you mean `stripe`?"],
    );
    let dup = assert_diag(
        &r,
        "duplicate-id",
        "b/privacy.yaml:7:9",
        &["duplicate vendor id `stripe`"],
    );
    assert!(dup.contains("[a/privacy.yaml:6:9]"), "{dup}");
}

#[test]
fn declarations_after_a_bad_one_keep_their_positions() {
    let dir = tempdir();
    write(
        dir.path(),
        &[(
            "privacy.yaml",
            "version: 1\nvendors:\n  - id: v0\n    role: nobody\n  - id: v1\n    role: processor\n    country: XX\n",
        )],
    );
    let r = validate(dir.path());
    assert_errors(&r, 2);
    assert_diag(
        &r,
        "invalid-value",
        "privacy.yaml:4:11",
        &["`role` must be one of", "`nobody`"],
    );
    assert_diag(&r, "bad-country", "privacy.yaml:7:14", &["`XX`"]);
}

#[test]
fn output_is_deterministic() {
    let dir = tempdir();
    let mut files = Vec::new();
    for i in 0..40 {
        files.push((
            format!("svc{i:02}/privacy.yaml"),
            format!(
                "version: 1\ndatasets:\n  - id: db{i}\n    categories: [user.contact.emial]\n  - id: old{i}\n    colour: red\n"
            ),
        ));
    }
    // db1 again: a duplicate across files.
    files.push((
        "svc00/more.privacy.yaml".into(),
        "version: 1\ndatasets:\n  - id: db1\n".into(),
    ));
    let files: Vec<(&str, &str)> = files
        .iter()
        .map(|(p, c)| (p.as_str(), c.as_str()))
        .collect();
    write(dir.path(), &files);
    let first = validate(dir.path());
    let second = validate(dir.path());
    assert_eq!(first.code, 2);
    assert_eq!(first.stderr, second.stderr, "two runs differ");
    assert_eq!(first.stdout, second.stdout);
    // Sorted by file, then position.
    let files_in_order: Vec<String> = first
        .blocks()
        .iter()
        .filter_map(|(_, b)| primary_location(b))
        .map(|l| l.split(':').next().unwrap().to_string())
        .collect();
    let mut sorted = files_in_order.clone();
    sorted.sort();
    assert_eq!(files_in_order, sorted);
    assert!(first.stderr.contains("81 errors found"), "{}", first.stderr);
}

#[test]
fn unreadable_root_is_exit_2() {
    let dir = tempdir();
    let r = run(privgate()
        .arg("validate")
        .arg(dir.path().join("no-such-dir")));
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains("cannot read the repository root"),
        "{}",
        r.stderr
    );
}

#[test]
fn paths_are_shown_from_where_privgate_runs() {
    // From the privgate repository: the root as given, then the file.
    let r = run(privgate()
        .args(["validate", "examples/broken/bad-date"])
        .current_dir(repo()));
    assert_diag(
        &r,
        "invalid-value",
        "examples/broken/bad-date/privacy.yaml:8:13",
        &["date"],
    );
    // From below the root: `..` leads back up.
    let dir = tempdir();
    let sub = dir.path().join("services");
    std::fs::create_dir_all(&sub).unwrap();
    std::fs::write(
        dir.path().join("privgate.yaml"),
        "version: 1\nregulatons: [gdpr]\n",
    )
    .unwrap();
    std::fs::write(
        sub.join("privacy.yaml"),
        "version: 1\nsystem:\n  id: a\n  nme: x\n",
    )
    .unwrap();
    let r = run(privgate().args(["validate", ".."]).current_dir(&sub));
    assert_diag(
        &r,
        "unknown-field",
        "../services/privacy.yaml:4:3",
        &["nme"],
    );
    assert_diag(&r, "unknown-field", "../privgate.yaml:2:1", &["regulatons"]);
    // A config named on the command line shows as named there.
    let r = run(privgate()
        .args(["validate", "..", "--config", "../privgate.yaml"])
        .current_dir(&sub));
    assert_diag(&r, "unknown-field", "../privgate.yaml:2:1", &["regulatons"]);
}

#[cfg(unix)]
#[test]
fn a_config_that_cannot_be_read_is_an_error_not_skipped() {
    let minimal = "version: 1\nsystem:\n  id: a\n";
    // `privgate.yaml` there but not a readable file: never passed over.
    for (what, make) in [
        (
            "a symbolic link to nothing",
            (|p: &Path| std::os::unix::fs::symlink("nothing", p).unwrap()) as fn(&Path),
        ),
        ("a directory", |p: &Path| std::fs::create_dir(p).unwrap()),
        ("a symbolic link out of the repository root", |p: &Path| {
            std::os::unix::fs::symlink("/etc/hostname", p).unwrap()
        }),
    ] {
        let dir = tempdir();
        std::fs::write(dir.path().join("privacy.yaml"), minimal).unwrap();
        make(&dir.path().join("privgate.yaml"));
        let r = validate(dir.path());
        assert_eq!(r.code, 2, "{what}: {}", r.stderr);
        assert!(
            r.stderr.contains(&format!("`privgate.yaml` is {what}")),
            "{}",
            r.stderr
        );
    }
    // `--config` gets the limits of the repository's own files: a FIFO
    // must not block, a device must not be read forever.
    let dir = tempdir();
    std::fs::write(dir.path().join("privacy.yaml"), minimal).unwrap();
    let fifo = dir.path().join("config.yaml");
    let made = std::process::Command::new("mkfifo").arg(&fifo).status();
    let mut configs = vec!["/dev/zero".to_string()];
    if made.is_ok_and(|s| s.success()) {
        configs.push(fifo.display().to_string());
    }
    for config in configs {
        let r = run(privgate()
            .args(["validate", "--config", &config])
            .current_dir(dir.path())
            .timeout(std::time::Duration::from_secs(20)));
        assert_eq!(r.code, 2, "{config}: {}", r.stderr);
        assert!(r.stderr.contains("not a regular file"), "{}", r.stderr);
    }
}

/// A directory, a FIFO or a link to a directory named like a manifest is
/// an error at the path, never passed over; the FIFO is not opened (it
/// would block until a writer comes).
#[cfg(unix)]
#[test]
fn a_manifest_name_on_what_is_not_a_file_is_an_error_not_skipped() {
    let dir = tempdir();
    write(
        dir.path(),
        &[
            ("privacy.yaml", VALID),
            ("services/a/privacy.yaml/notes.txt", "not a manifest\n"),
            ("shared/notes.txt", VALID),
        ],
    );
    std::os::unix::fs::symlink("../shared", dir.path().join("services/c.privacy.yml")).unwrap();
    let fifo = dir.path().join("services/b/privacy.yml");
    std::fs::create_dir_all(fifo.parent().unwrap()).unwrap();
    let made = std::process::Command::new("mkfifo").arg(&fifo).status();
    let has_fifo = made.is_ok_and(|s| s.success());
    let r = run(privgate()
        .arg("validate")
        .current_dir(dir.path())
        .timeout(std::time::Duration::from_secs(20)));
    assert_errors(&r, if has_fifo { 3 } else { 2 });
    for (path, what) in [
        ("services/a/privacy.yaml", "a directory"),
        ("services/c.privacy.yml", "a directory"),
    ] {
        assert_diag(
            &r,
            "unreadable-path",
            &format!("{path}:1:1"),
            &["named like a manifest", what],
        );
    }
    if has_fifo {
        assert_diag(
            &r,
            "unreadable-path",
            "services/b/privacy.yml:1:1",
            &["named like a manifest", "not a regular file"],
        );
    } else {
        eprintln!("FIFO case skipped: no mkfifo");
    }

    // Excluded, it is not looked at; and a directory that a `dir/**` glob
    // takes is taken for what it holds, not for its name.
    write(
        dir.path(),
        &[
            (
                "privgate.yaml",
                "version: 1
manifests: [\"**/privacy.y*ml\", \"**/*.privacy.yml\", \"services/a/**\"]
exclude: [services/b, services/c.privacy.yml]
",
            ),
            ("services/a/privacy.yaml/notes.txt", VALID),
        ],
    );
    let r = run(privgate()
        .args(["validate", "--format", "json"])
        .current_dir(dir.path())
        .timeout(std::time::Duration::from_secs(20)));
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("\"manifests\": 2"), "{}", r.stdout);
}

/// Writes `text` (any bytes) as the one manifest of a fresh repository and
/// validates it.
fn validate_bytes(text: &[u8]) -> Run {
    let dir = tempdir();
    std::fs::write(dir.path().join("privacy.yaml"), text).unwrap();
    validate(dir.path())
}

#[test]
fn a_byte_order_mark_before_the_first_key_is_not_content() {
    let r = validate_bytes(b"\xef\xbb\xbfversion: 1\nsystem:\n  id: a\n");
    assert_eq!(r.code, 0, "{}", r.stderr);
    let r = validate_bytes(b"\xef\xbb\xbfversion: 1\nsystem:\n  id: a\n  nme: x\n");
    assert_diag(
        &r,
        "unknown-field",
        "privacy.yaml:4:3",
        &["did you mean `name`"],
    );
}

#[test]
fn whole_numbers_written_as_floats_or_beyond_64_bits_are_judged_by_the_schema() {
    // `1.0` is the integer JSON Schema takes it for: no internal error.
    let r = validate_bytes(b"version: 1.0\nconsents:\n  - id: c\n    minimum_age: 16.0\n");
    assert_eq!(r.code, 0, "{}", r.stderr);
    // Too large for 64 bits: a number over the maximum, and the rest of
    // the file is still checked.
    let r = validate_bytes(
        b"version: 1\nconsents:\n  - id: c\n    minimum_age: 99999999999999999999\n    bogus: 1\n",
    );
    assert_errors(&r, 2);
    assert_diag(&r, "invalid-value", "privacy.yaml:4:18", &["at most 120"]);
    assert_diag(&r, "unknown-field", "privacy.yaml:5:5", &["bogus"]);
}

#[test]
fn control_characters_are_located_and_never_printed_raw() {
    let r = validate_bytes(b"version: 1\nsystem:\n  id: a\x00b\n");
    assert_diag(
        &r,
        "yaml-syntax",
        "privacy.yaml:3:8",
        &["control characters"],
    );
    assert!(!r.stderr.contains('\0'), "{}", r.stderr);
    // An escape sequence in a key would retitle or clear the terminal.
    let r = validate_bytes(b"version: 1\nsystem:\n  id: a\n  \"\\e]0;pwned\\a\\e[2J\": 1\n");
    assert_diag(
        &r,
        "unknown-field",
        "privacy.yaml:4:3",
        &["\\u{1b}]0;pwned"],
    );
    assert!(
        !r.stderr.contains('\u{1b}') && !r.stderr.contains('\u{7}'),
        "{:?}",
        r.stderr
    );
}

#[test]
fn config_intervals_are_real_durations_and_misspelt_ones_get_the_iso_form() {
    let check = |settings: &str| {
        let dir = tempdir();
        write(
            dir.path(),
            &[
                ("privacy.yaml", "version: 1\nsystem:\n  id: a\n"),
                (
                    "privgate.yaml",
                    &format!("version: 1\nsettings:\n{settings}"),
                ),
            ],
        );
        validate(dir.path())
    };
    // A zero interval would turn the review rules off.
    let r = check("  vendor_review_interval: P0D\n");
    assert_errors(&r, 1);
    assert_diag(
        &r,
        "bad-duration",
        "privgate.yaml:3:27",
        &["a zero duration"],
    );
    let r = check("  dpia_review_interval: p1y\n  max_retention: 8 years\n");
    assert_errors(&r, 2);
    assert_diag(
        &r,
        "invalid-value",
        "privgate.yaml:3:25",
        &["did you mean `P1Y`?"],
    );
    assert_diag(
        &r,
        "invalid-value",
        "privgate.yaml:4:18",
        &["did you mean `P8Y`?"],
    );
}

#[test]
fn an_unknown_rule_in_the_config_is_reported_with_the_manifest_errors() {
    let dir = tempdir();
    write(
        dir.path(),
        &[
            (
                "privacy.yaml",
                "version: 1\npurposes:\n  - id: p\n    lawful_basis: contracts\n",
            ),
            (
                "privgate.yaml",
                "version: 1\nrules:\n  gdpr.vendor-assesment: { severity: low }\n",
            ),
        ],
    );
    for command in ["validate", "check"] {
        let r = run(privgate().arg(command).current_dir(dir.path()));
        assert_eq!(r.code, 2, "{}", r.stderr);
        assert_diag(&r, "invalid-value", "privacy.yaml:4:19", &["contract"]);
        assert!(
            r.stderr.contains("no rule `gdpr.vendor-assesment`"),
            "{command}: {}",
            r.stderr
        );
    }
}

#[test]
fn an_unknown_rule_beside_other_config_errors_is_reported_in_the_same_run() {
    let dir = tempdir();
    write(
        dir.path(),
        &[
            (
                "privacy.yaml",
                "version: 1\ndatasets:\n  - id: d\n    categories: [user.contact.email]\n",
            ),
            (
                "privgate.yaml",
                "version: 1
rules:
  gdpr.vendor-asessment: { severity: critical }
  gdpr.lawful-basis: { severity: blocker }
gate: { fail_on: High }
",
            ),
        ],
    );
    for command in ["validate", "check"] {
        let r = run(privgate().arg(command).current_dir(dir.path()));
        assert_eq!(r.code, 2, "{}", r.stderr);
        assert_diag(&r, "invalid-value", "privgate.yaml:4:34", &["blocker"]);
        assert_diag(&r, "invalid-value", "privgate.yaml:5:18", &["High"]);
        assert!(
            r.stderr.contains("no rule `gdpr.vendor-asessment`")
                && r.stderr.contains("did you mean `gdpr.vendor-assessment`?"),
            "{command}: {}",
            r.stderr
        );
    }
}

#[test]
fn a_date_in_the_right_shape_but_no_month_says_which_part_is_wrong() {
    let r = validate_bytes(
        b"version: 1\nassessments:\n  - id: a\n    type: dpia\n    date: 2025-13-01\n",
    );
    assert_diag(
        &r,
        "invalid-value",
        "privacy.yaml:5:11",
        &["there is no month 13"],
    );
}

#[test]
fn windows_and_old_mac_line_ends_show_and_count_like_unix_ones() {
    let dir = tempfile::tempdir().unwrap();
    for (ending, name) in [("\r\n", "crlf"), ("\r", "cr")] {
        let text = ["version: 1", "system:", "  id: a", "  ownr: x@y.z", ""].join(ending);
        std::fs::write(dir.path().join("privacy.yaml"), text).unwrap();
        let run = validate(dir.path());
        assert!(
            run.stderr.contains("privacy.yaml:4:3"),
            "{name}: {}",
            run.stderr
        );
        assert!(
            !run.stderr.contains("x@y.z?") && !run.stderr.contains("id: a?"),
            "{name}: a CR shows as a hazard: {}",
            run.stderr
        );
    }
}

#[test]
fn merge_keys_case_slips_and_short_durations_get_a_useful_help() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("privacy.yaml"),
        "version: 1
system: &s
  id: a
rights:
  access: { SLA: P30D }
assessments:
  - id: a1
    type: dpia
    review: 1y
datasets:
  - <<: *s
    categories: [user.name]
",
    )
    .unwrap();
    let run = validate(dir.path());
    let text = squash(&run.stderr);
    for help in [
        "mergekeys(`<<:*anchor`)arenotsupported",
        "didyoumean`sla`?",
        "didyoumean`P1Y`?",
    ] {
        assert!(text.contains(help), "{help}: {}", run.stderr);
    }
}

// ---------------------------------------------------------------------------
// Diagnostics that say what the person did (issue 18)
// ---------------------------------------------------------------------------

#[test]
fn a_misindented_line_is_explained_in_spaces_not_in_libyaml_words() {
    let dir = tempdir();
    write(
        dir.path(),
        &[(
            "privacy.yaml",
            "version: 1\ndatasets:\n  - id: orders\n   categories: [user.contact.email]\n",
        )],
    );
    let r = validate(dir.path());
    assert_errors(&r, 1);
    assert_diag(
        &r,
        "yaml-syntax",
        "privacy.yaml:4:4",
        &[
            "this line is indented 3 spaces; its siblings 4 (line 3)",
            "indent it 4 spaces, like line 3",
        ],
    );
    assert!(
        !r.stderr.contains("did not find expected '-' indicator"),
        "{}",
        r.stderr
    );
}

#[test]
fn dates_in_other_formats_say_which_iso_date_they_would_be() {
    let dir = tempdir();
    write(
        dir.path(),
        &[(
            "privacy.yaml",
            "version: 1
vendors:
  - id: a
    country: DE
    assessment: { date: 01.03.2025, result: approved }
  - id: b
    country: DE
    assessment: { date: 09/01/2026, result: approved }
",
        )],
    );
    let r = validate(dir.path());
    assert_errors(&r, 2);
    assert_diag(
        &r,
        "invalid-value",
        "privacy.yaml:5:25",
        &["write `2025-03-01` (read as day.month.year"],
    );
    assert_diag(
        &r,
        "invalid-value",
        "privacy.yaml:8:25",
        &[
            "`2026-09-01` read as month/day/year (US)",
            "`2026-01-09` read as day/month/year",
            "write the one you mean",
        ],
    );
}

#[test]
fn yes_no_on_off_for_a_boolean_suggest_true_or_false() {
    let dir = tempdir();
    write(
        dir.path(),
        &[(
            "privacy.yaml",
            "version: 1
datasets:
  - id: a
    encrypted_at_rest: yes
  - id: b
    encrypted_at_rest: off
  - id: c
    encrypted_at_rest: \"true\"
",
        )],
    );
    let r = validate(dir.path());
    assert_errors(&r, 3);
    assert_diag(
        &r,
        "wrong-type",
        "privacy.yaml:4:24",
        &["write `true`: privgate reads YAML 1.2, where `yes` is text"],
    );
    assert_diag(&r, "wrong-type", "privacy.yaml:6:24", &["write `false`"]);
    assert_diag(
        &r,
        "wrong-type",
        "privacy.yaml:8:24",
        &["write `true` without quotes"],
    );
}

/// A config above the root that excludes the root's directory would not
/// check it either: no "config above" warning (this repository's own
/// privgate.yaml excludes examples/broken).
#[test]
fn a_config_above_that_excludes_the_root_is_not_pointed_out() {
    let dir = tempdir();
    git2::Repository::init(dir.path()).unwrap();
    write(
        dir.path(),
        &[
            ("privgate.yaml", "version: 1\nexclude: [\"broken/**\"]\n"),
            ("broken/a/privacy.yaml", VALID),
            ("other/privacy.yaml", VALID),
        ],
    );
    let r = validate(&dir.path().join("broken/a"));
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(!r.stderr.contains("config-above-root"), "{}", r.stderr);
    let r = validate(&dir.path().join("other"));
    assert!(r.stderr.contains("config-above-root"), "{}", r.stderr);
}
