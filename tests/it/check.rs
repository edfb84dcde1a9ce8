//! `privgate check`: score formula, gate and exit codes, waivers, overrides,
//! organisation packs, and the acme-shop report as a snapshot.

use crate::common::{check_dir, grade_cap_repo, write_files, ORG_PACK, TODAY};
use assert_cmd::Command;
use predicates::prelude::PredicateBooleanExt;
use predicates::str::contains;
use std::collections::BTreeSet;
use std::path::Path;

/// One purpose, GDPR only: exactly seven checks apply (worked out below).
const SMALL: &str = "version: 1
purposes:
  - id: p1
    description: Newsletter
    lawful_basis: contract
    categories: [user.contact.email]
    subjects: [customer]
";

fn privgate(dir: &Path) -> Command {
    let mut cmd = crate::common::privgate();
    cmd.current_dir(dir)
        .env("NO_COLOR", "1")
        .env("PRIVGATE_TODAY", TODAY);
    cmd
}

/// A repository whose `privgate.yaml` loads `pack` as `org.yaml`, with
/// `files` beside it.
fn org_repo(pack: &str, files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    write_files(
        dir.path(),
        [
            ("privgate.yaml", "version: 1\nrulepacks: [org.yaml]\n"),
            ("org.yaml", pack),
        ],
    );
    write_files(dir.path(), files.iter().copied());
    dir
}

/// `ORG_PACK` with its rule's `message:` line replaced by `lines`.
fn org_pack_with_message(lines: &str) -> String {
    ORG_PACK.replace(
        "        message: system `{id}` is not owned by a team mailbox\n",
        lines,
    )
}

/// `check` after `org.yaml` in `dir` is replaced by `pack`; expects exit 2.
fn check_with_pack(dir: &Path, pack: &str) -> assert_cmd::assert::Assert {
    std::fs::write(dir.join("org.yaml"), pack).unwrap();
    privgate(dir).arg("check").assert().code(2)
}

/// The controller's name and contact (GDPR Art. 30(1)(a)): rules v2's
/// repository part of `gdpr.record-of-processing` asks every config for them.
const CONTROLLER: &str =
    "organization: Example GmbH\ncontroller: { contact: \"Example GmbH, Berlin, privacy@example.com\" }\n";

/// SMALL beside a `privgate.yaml` of `config` followed by `CONTROLLER`
/// (appended, so the line numbers of `config` stay as written).
fn small_repo(config: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let config = format!("{config}{CONTROLLER}");
    write_files(
        dir.path(),
        [("privacy.yaml", SMALL), ("privgate.yaml", config.as_str())],
    );
    dir
}

/// `small_repo(config)` with SMALL's purpose disclosed in a notice and the
/// repository-wide rights (with portability: a `contract` basis) and breach
/// plan declared, so that what fails is only medium (v2): the record of
/// processing (no dataset with a retention period), the breach register
/// and the time to inform data subjects (`gdpr.breach-communication`).
fn medium_only_repo(config: &str) -> tempfile::TempDir {
    let dir = small_repo(config);
    write_files(
        dir.path(),
        [
            (
                "privacy.yaml",
                format!("{SMALL}    notice: https://example.com/privacy#newsletter\n").as_str(),
            ),
            (
                "repo.privacy.yaml",
                "version: 1
rights:
  access: { sla: P30D }
  rectification: { sla: P30D }
  erasure: { sla: P30D }
  restriction: { sla: P30D }
  portability: { sla: P30D }
breach:
  plan: docs/breach.md
  notify_authority_within: PT72H
",
            ),
            ("docs/breach.md", "# Breach response\n"),
        ],
    );
    dir
}

#[test]
fn score_is_the_weighted_share_of_passing_checks() {
    let dir = small_repo("version: 1\nregulations: [gdpr]\n");
    let r = check_dir(dir.path(), TODAY).unwrap();
    // Applicable checks (rules v2): gdpr.lawful-basis (critical 10, passes),
    // gdpr.record-of-processing on the purpose (medium 2, fails: no dataset
    // with a period) and on the repository (medium 2, passes: the config
    // names the controller), gdpr.transparency-notice (high 5, fails: no
    // notice), gdpr.data-subject-rights and gdpr.breach-notification
    // (repository, high 5 each, fail: none declared), gdpr.breach-register
    // (repository, medium 2, fails: no breach section).
    // (10 + 2) / (10 + 2 + 2 + 5 + 5 + 5 + 2) = 12 / 31 = 38.7, grade F.
    assert_eq!(r.summary.checks, 7);
    assert_eq!(r.score.overall, 38.7);
    assert_eq!(r.score.grade, "F");
    assert_eq!(r.score.by_regulation["gdpr"], 38.7);
    assert_eq!(r.summary.findings, 5);
    assert_eq!(r.summary.by_severity["high"], 3);
    assert_eq!(r.summary.by_severity["medium"], 2);
}

/// The grade cap of `r`, as `(grade, reason)`.
fn cap_of(r: &privgate::report::Report) -> Option<(&str, &str)> {
    r.score
        .grade_cap
        .as_ref()
        .map(|c| (c.grade.as_str(), c.reason.as_str()))
}

#[test]
fn a_high_finding_caps_an_a_at_b() {
    let dir = grade_cap_repo("high", 20, 1, false);
    let r = check_dir(dir.path(), TODAY).unwrap();
    assert_eq!(r.score.overall, 95.0);
    assert_eq!(r.score.grade, "B");
    assert_eq!(cap_of(&r), Some(("B", "1 high finding")));
    // `grade_cap` right after `grade`, as cli.md writes it.
    assert!(
        serde_json::to_string(&r.score).unwrap().starts_with(
            r#"{"overall":95.0,"grade":"B","grade_cap":{"grade":"B","reason":"1 high finding"},"by_regulation""#
        ),
        "{:?}",
        r.score
    );
    // by_regulation stays numbers only.
    assert_eq!(
        serde_json::to_value(&r.score.by_regulation).unwrap(),
        serde_json::json!({ "acme": 95.0 })
    );
}

#[test]
fn the_cap_reason_counts_the_findings_of_the_worst_severity() {
    let dir = grade_cap_repo("critical", 20, 2, false);
    let r = check_dir(dir.path(), TODAY).unwrap();
    assert_eq!((r.score.overall, r.score.grade.as_str()), (90.0, "D"));
    assert_eq!(cap_of(&r), Some(("D", "2 critical findings")));
    // A C is lowered by a critical finding as well.
    let dir = grade_cap_repo("critical", 4, 1, false);
    let r = check_dir(dir.path(), TODAY).unwrap();
    assert_eq!((r.score.overall, r.score.grade.as_str()), (75.0, "D"));
    assert_eq!(cap_of(&r), Some(("D", "1 critical finding")));
}

#[test]
fn a_waived_critical_finding_does_not_cap_the_grade() {
    let dir = grade_cap_repo("critical", 20, 1, true);
    let r = check_dir(dir.path(), TODAY).unwrap();
    assert_eq!(r.summary.waived, 1);
    assert_eq!((r.score.overall, r.score.grade.as_str()), (100.0, "A"));
    assert_eq!(r.score.grade_cap, None);
    // Another critical finding, unwaived, still caps it.
    let dir = grade_cap_repo("critical", 20, 2, true);
    let r = check_dir(dir.path(), TODAY).unwrap();
    assert_eq!((r.score.overall, r.score.grade.as_str()), (95.0, "D"));
    assert_eq!(cap_of(&r), Some(("D", "1 critical finding")));
}

/// `grade_cap` is set only when the cap lowered the grade: a 50 with a
/// critical finding is an F, a 75 with a high one a C, either way.
#[test]
fn a_score_already_below_the_cap_leaves_grade_cap_null() {
    for (severity, systems, failing, overall, grade) in [
        ("critical", 2, 1, 50.0, "F"),
        ("critical", 5, 2, 60.0, "D"),
        ("high", 4, 1, 75.0, "C"),
        ("high", 5, 1, 80.0, "B"),
    ] {
        let dir = grade_cap_repo(severity, systems, failing, false);
        let r = check_dir(dir.path(), TODAY).unwrap();
        let case = format!("{failing} {severity} of {systems}");
        assert_eq!(r.score.overall, overall, "{case}");
        assert_eq!(r.score.grade, grade, "{case}");
        assert_eq!(r.score.grade_cap, None, "{case}");
        let json = serde_json::to_value(&r).unwrap();
        assert_eq!(
            json["score"]["grade_cap"],
            serde_json::Value::Null,
            "{case}"
        );
    }
    // Medium and low findings never cap.
    let dir = grade_cap_repo("medium", 20, 1, false);
    let r = check_dir(dir.path(), TODAY).unwrap();
    assert_eq!(
        (r.score.grade.as_str(), r.score.grade_cap.as_ref()),
        ("A", None)
    );
}

#[test]
fn a_valid_waiver_passes_its_check_and_stays_listed() {
    let dir = small_repo(
        "version: 1
regulations: [gdpr]
waivers:
  - rule: gdpr.transparency-notice
    target: purpose:p1
    reason: Notice being rewritten, LEGAL-7
    approved_by: dpo@example.com
    expires: 2026-11-23
",
    );
    let r = check_dir(dir.path(), TODAY).unwrap();
    // (12 + 5) / 31 = 54.8 (v2: the notice is high, 5): the waived check
    // passes. A waiver applies up to and including its expiry date.
    assert_eq!(r.score.overall, 54.8);
    let f = r
        .findings
        .iter()
        .find(|f| f.rule == "gdpr.transparency-notice")
        .unwrap();
    assert!(f.waived);
    assert_eq!(f.waiver.as_ref().unwrap().approved_by, "dpo@example.com");
    assert_eq!(r.summary.findings, 4);
    assert_eq!(r.summary.waived, 1);
    // It lapses today: the release gate should hear of it now.
    assert_eq!(
        r.warnings,
        ["privgate.yaml:4:5: waiver for gdpr.transparency-notice on purpose:p1 expires today (2026-11-23); renew it or fix the finding"]
    );
    // Within 30 days it is announced; beyond, it is not.
    for (today, warned) in [("2026-10-24", true), ("2026-10-23", false)] {
        let r = check_dir(dir.path(), today).unwrap();
        assert_eq!(
            r.warnings.iter().any(|w| w.contains("expires in 30 days")),
            warned,
            "{today}: {:?}",
            r.warnings
        );
        assert_eq!(r.warnings.len(), usize::from(warned), "{:?}", r.warnings);
    }
}

#[test]
fn an_expired_waiver_no_longer_applies_and_says_so() {
    let dir = small_repo(
        "version: 1
regulations: [gdpr]
waivers:
  - rule: gdpr.transparency-notice
    target: purpose:p1
    reason: old
    approved_by: dpo@example.com
    expires: 2026-11-22
",
    );
    let r = check_dir(dir.path(), TODAY).unwrap();
    // As without the waiver: 12 / 31 (see the score test).
    assert_eq!(r.score.overall, 38.7);
    assert!(r.findings.iter().all(|f| !f.waived));
    assert_eq!(r.warnings.len(), 1);
    assert!(
        r.warnings[0].contains("expired on 2026-11-22"),
        "{:?}",
        r.warnings
    );
}

#[test]
fn a_waiver_that_matches_nothing_is_a_warning() {
    let dir = small_repo(
        "version: 1
regulations: [gdpr]
waivers:
  - rule: gdpr.lawful-basis
    target: purpose:p1
    reason: not needed
    approved_by: dpo@example.com
    expires: 2027-01-01
",
    );
    let r = check_dir(dir.path(), TODAY).unwrap();
    assert!(
        r.warnings[0].contains("matches no finding"),
        "{:?}",
        r.warnings
    );
    // On stderr, and in the JSON report.
    privgate(dir.path())
        .args(["check", "--format", "json", "--fail-on", "none"])
        .assert()
        .success()
        .stderr(contains(
            "warning: privgate.yaml:4:5: waiver for gdpr.lawful-basis on purpose:p1 matches no finding",
        ))
        .stdout(contains(
            "\"warnings\": [\n    \"privgate.yaml:4:5: waiver for gdpr.lawful-basis",
        ));
}

#[test]
fn a_waiver_without_an_approver_says_the_field_must_not_be_empty() {
    let dir = small_repo(
        "version: 1
waivers:
  - rule: gdpr.transparency-notice
    target: purpose:p1
    reason: notice in review
    approved_by: \"\"
    expires: 2027-01-01
",
    );
    privgate(dir.path())
        .arg("check")
        .assert()
        .code(2)
        .stderr(contains("`approved_by` must not be empty"))
        .stderr(contains("privgate.yaml:6:18"));
}

#[test]
fn quiet_prints_nothing_on_a_pass_and_the_findings_on_a_failure() {
    let dir = small_repo("version: 1\nregulations: [gdpr]\ngate: { fail_on: none }\n");
    privgate(dir.path())
        .args(["check", "-q"])
        .assert()
        .success()
        .stdout("")
        .stderr("");
    let dir = small_repo("version: 1\nregulations: [gdpr]\ngate: { fail_on: medium }\n");
    privgate(dir.path())
        .args(["check", "-q"])
        .assert()
        .code(1)
        .stdout(contains("gdpr.transparency-notice"))
        .stdout(contains("gate FAILED"));
}

#[test]
fn a_report_file_from_an_earlier_run_does_not_survive_a_run_that_could_not_check() {
    let dir = small_repo("version: 1\nregulations: [gdpr]\ngate: { fail_on: none }\n");
    let out = dir.path().join("report.json");
    privgate(dir.path())
        .args(["check", "--format", "json", "-o"])
        .arg(&out)
        .assert()
        .success();
    assert!(out.is_file());
    std::fs::write(dir.path().join("privacy.yaml"), "version: 1\npurposes: [\n").unwrap();
    privgate(dir.path())
        .args(["check", "--format", "json", "-o"])
        .arg(&out)
        .assert()
        .code(2)
        .stderr(contains(
            "an earlier run's report: this run could not check",
        ));
    assert!(!out.exists(), "the stale report is gone");
    // Anything that is not a privgate report stays.
    let notes = dir.path().join("NOTES.md");
    std::fs::write(&notes, "# notes\n").unwrap();
    privgate(dir.path())
        .args(["check", "--format", "json", "-o"])
        .arg(&notes)
        .assert()
        .code(2)
        .stderr(contains("earlier run's report").not());
    assert_eq!(std::fs::read_to_string(&notes).unwrap(), "# notes\n");
}

#[test]
fn a_configured_manifest_glob_matching_nothing_is_a_located_error() {
    let dir = tempfile::tempdir().unwrap();
    let config =
        |globs: &str| format!("version: 1\nmanifests: [{globs}]\nexclude: [\"services/b/**\"]\n");
    write_files(
        dir.path(),
        [
            (
                "privgate.yaml",
                config("\"servcies/**/privacy.yaml\"").as_str(),
            ),
            ("services/a/privacy.yaml", SMALL),
            ("services/b/privacy.yaml", SMALL),
        ],
    );
    // Nothing found at all: an error, so the gate cannot pass on nothing.
    for command in ["check", "validate"] {
        privgate(dir.path())
            .arg(command)
            .assert()
            .code(2)
            .stderr(contains("privgate.yaml:2:13"))
            .stderr(contains(
                "`servcies/**/privacy.yaml` matches no manifest file",
            ));
    }
    // Files left out by `exclude:` do not count as matched.
    std::fs::write(
        dir.path().join("privgate.yaml"),
        config("\"services/b/*.yaml\""),
    )
    .unwrap();
    privgate(dir.path())
        .arg("check")
        .assert()
        .code(2)
        .stderr(contains("`services/b/*.yaml` matches no manifest file"));
    // Another pattern finds manifests: the idle one is only a warning.
    std::fs::write(
        dir.path().join("privgate.yaml"),
        config("\"services/**/privacy.yaml\", \"**/*.privacy.yaml\""),
    )
    .unwrap();
    // (`--fail-on none`: SMALL has high findings, e.g. no notice at collection.)
    privgate(dir.path())
        .args(["check", "--format", "json", "--fail-on", "none"])
        .assert()
        .success()
        .stdout(contains(
            "privgate.yaml:2:41: `**/*.privacy.yaml` matches no manifest file",
        ));
}

#[test]
fn finding_no_manifests_names_the_globs_that_were_looked_for() {
    let r = check_dir(tempfile::tempdir().unwrap().path(), TODAY).unwrap();
    assert!(
        r.warnings[0].contains("(privacy.yaml, privacy.yml, *.privacy.yaml, *.privacy.yml)"),
        "{:?}",
        r.warnings
    );
}

#[test]
fn a_waiver_expiring_on_an_impossible_date_is_a_located_error() {
    let dir = small_repo(
        "version: 1
waivers:
  - rule: gdpr.transparency-notice
    target: purpose:p1
    reason: typo in the date
    approved_by: dpo@example.com
    expires: 2027-02-30
",
    );
    privgate(dir.path())
        .arg("check")
        .assert()
        .code(2)
        .stderr(contains("`2027-02-30` is not a real date"))
        .stderr(contains("privgate.yaml:7:14"));
}

#[test]
fn two_waivers_for_one_finding_are_a_located_error() {
    // A short waiver signed by the DPO must not be silently overridden by
    // a long one signed by someone else.
    let dir = small_repo(
        "version: 1
waivers:
  - rule: gdpr.transparency-notice
    target: purpose:p1
    reason: notice being drafted
    approved_by: dpo@example.com
    expires: 2027-01-01
  - rule: gdpr.transparency-notice
    target: purpose:p1
    reason: later
    approved_by: legal@example.com
    expires: 2099-01-01
",
    );
    privgate(dir.path())
        .arg("check")
        .assert()
        .code(2)
        .stderr(contains(
            "a second waiver for gdpr.transparency-notice on purpose:p1",
        ))
        .stderr(contains("privgate.yaml:8:5"))
        .stderr(contains("privgate.yaml:3:5"))
        .stderr(contains("1 error found"));
}

#[test]
fn a_waiver_that_can_never_match_says_why() {
    // A rule on purposes waived for the repository; a rule the config
    // turns off; and the config's own name in the advice.
    let dir = tempfile::tempdir().unwrap();
    write_files(
        dir.path(),
        [
            ("privacy.yaml", SMALL),
            (
                ".privgate.yaml",
                "version: 1
regulations: [gdpr]
rules:
  gdpr.transparency-notice: { enabled: false }
waivers:
  - rule: gdpr.lawful-basis
    target: repository
    reason: wrong target
    approved_by: dpo@example.com
    expires: 2027-01-01
  - rule: gdpr.transparency-notice
    target: purpose:p1
    reason: notice in review
    approved_by: dpo@example.com
    expires: 2027-01-01
",
            ),
        ],
    );
    let r = check_dir(dir.path(), TODAY).unwrap();
    assert_eq!(r.warnings.len(), 2, "{:?}", r.warnings);
    let said = |text: &str| r.warnings.iter().any(|w| w.contains(text));
    assert!(
        said("waiver for gdpr.lawful-basis on repository: the rule never applies there (it checks purposes); remove it from .privgate.yaml"),
        "{:?}",
        r.warnings
    );
    assert!(
        said("waiver for gdpr.transparency-notice on purpose:p1: the rule is disabled in .privgate.yaml"),
        "{:?}",
        r.warnings
    );
}

#[test]
fn a_waiver_for_a_rule_not_checked_in_this_run_is_left_alone() {
    let dir = small_repo(
        "version: 1
waivers:
  - rule: gdpr.transparency-notice
    target: purpose:p1
    reason: notice being drafted
    approved_by: dpo@example.com
    expires: 2027-01-01
",
    );
    privgate(dir.path())
        .args(["check", "--regulation", "ccpa", "--fail-on", "none"])
        .assert()
        .success()
        .stderr(contains("waiver").not());
}

#[test]
fn validate_refuses_what_check_would_refuse_in_the_config() {
    let dir = small_repo(
        "version: 1\nrulepacks: [nothere.yaml]\nrules:\n  gdpr.lawfull-basis: { enabled: false }\n",
    );
    privgate(dir.path())
        .arg("validate")
        .assert()
        .code(2)
        .stderr(contains("`nothere.yaml` matches no rule pack file"))
        .stderr(contains("privgate.yaml:4:3"))
        .stderr(contains("did you mean `gdpr.lawful-basis`?"));
}

#[test]
fn a_second_config_file_is_a_warning_not_silently_ignored() {
    let dir = small_repo("version: 1\nregulations: [gdpr]\n");
    write_files(
        dir.path(),
        [(".privgate.yaml", "version: 1\nregulations: [ccpa]\n")],
    );
    let r = check_dir(dir.path(), TODAY).unwrap();
    assert!(r.score.by_regulation.contains_key("gdpr"));
    assert_eq!(
        r.warnings,
        [".privgate.yaml: both `privgate.yaml` and `.privgate.yaml` exist; `.privgate.yaml` is ignored"]
    );
}

#[test]
fn a_waiver_for_an_unknown_rule_is_a_located_error() {
    let dir = small_repo(
        "version: 1
waivers:
  - rule: gdpr.lawfull-basis
    target: purpose:p1
    reason: typo
    approved_by: dpo@example.com
    expires: 2027-01-01
",
    );
    privgate(dir.path())
        .arg("check")
        .assert()
        .code(2)
        .stderr(contains("no rule `gdpr.lawfull-basis`"))
        .stderr(contains("privgate.yaml:3:11"))
        .stderr(contains("did you mean `gdpr.lawful-basis`?"));
}

#[test]
fn overrides_change_severity_and_disable_rules() {
    let dir = small_repo(
        "version: 1
regulations: [gdpr]
rules:
  gdpr.transparency-notice: { severity: critical }
  gdpr.breach-notification: { enabled: false }
",
    );
    let r = check_dir(dir.path(), TODAY).unwrap();
    // Rules v2: lawful-basis 10 and the repository's record 2 (pass), the
    // purpose's record 2, notice now 10, rights 5, breach register 2;
    // breach-notification (high 5) is not checked: 12 / 31.
    assert_eq!(r.summary.checks, 6);
    assert_eq!(r.score.overall, 38.7);
    let f = r
        .findings
        .iter()
        .find(|f| f.rule == "gdpr.transparency-notice")
        .unwrap();
    assert_eq!(f.severity, privgate::severity::Severity::Critical);
    assert!(r
        .findings
        .iter()
        .all(|f| f.rule != "gdpr.breach-notification"));
    // The catalogue shows the rules as this repository has them.
    let listed = privgate(dir.path()).arg("rules").output().unwrap();
    let listed = String::from_utf8(listed.stdout).unwrap();
    let line = |id: &str| {
        listed
            .lines()
            .find(|l| l.starts_with(&format!("{id} ")))
            .unwrap_or_default()
            .to_string()
    };
    assert!(
        line("gdpr.transparency-notice").contains(" critical "),
        "{listed}"
    );
    assert!(
        line("gdpr.breach-notification").contains(" off "),
        "{listed}"
    );
    privgate(dir.path())
        .args(["rules", "explain", "gdpr.transparency-notice"])
        .assert()
        .success()
        .stdout(contains(
            "severity critical is set in this repository's privgate.yaml",
        ));
    privgate(dir.path())
        .args(["rules", "explain", "gdpr.breach-notification"])
        .assert()
        .success()
        .stdout(contains("severity:   off (high when on)"))
        .stdout(contains("turned off in this repository's privgate.yaml"));
}

#[test]
fn gate_exit_codes_follow_fail_on_and_min_score() {
    let dir = medium_only_repo("version: 1\nregulations: [gdpr]\n");
    // Three medium findings: fail_on high passes, fail_on medium fails.
    privgate(dir.path())
        .args(["check", "--fail-on", "high"])
        .assert()
        .code(0);
    privgate(dir.path())
        .args(["check", "--fail-on", "medium"])
        .assert()
        .code(1)
        .stdout(contains("gate FAILED: 3 medium findings"));
    // Eight checks, weights 10 + 5 * 3 + 2 * 4 = 33, the three mediums
    // failing: 27 / 33 = 81.8.
    privgate(dir.path())
        .args(["check", "--fail-on", "none", "--min-score", "81"])
        .assert()
        .code(0);
    privgate(dir.path())
        .args(["check", "--fail-on", "none", "--min-score", "82"])
        .assert()
        .code(1)
        .stdout(contains("score 81.8 is below the minimum 82"));
    // The config's gate applies without flags; flags override it.
    let dir = medium_only_repo(
        "version: 1\nregulations: [gdpr]\ngate: { min_score: 90, fail_on: none }\n",
    );
    privgate(dir.path()).arg("check").assert().code(1);
    privgate(dir.path())
        .args(["check", "--min-score", "50"])
        .assert()
        .code(0);
    // Bad flags are exit 2.
    privgate(dir.path())
        .args(["check", "--min-score", "101"])
        .assert()
        .code(2);
    privgate(dir.path())
        .args(["check", "--fail-on", "severe"])
        .assert()
        .code(2);
}

#[test]
fn regulation_flag_selects_packs() {
    let dir = small_repo("version: 1\n");
    let r = check_dir(dir.path(), TODAY).unwrap();
    assert!(r.findings.iter().any(|f| f.rule.starts_with("ccpa.")));
    let out = privgate(dir.path())
        .args([
            "check",
            "--format",
            "json",
            "--regulation",
            "gdpr",
            "--fail-on",
            "none",
        ])
        .output()
        .unwrap();
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["regulations"], serde_json::json!(["gdpr"]));
    assert!(json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .all(|f| f["regulation"] == "gdpr"));
    privgate(dir.path())
        .args(["check", "--regulation", "hipaa"])
        .assert()
        .code(2)
        .stderr(contains("no rule pack implements regulation `hipaa`"))
        .stderr(contains("the loaded rule packs implement: ccpa, gdpr"));
}

#[test]
fn an_empty_regulations_list_runs_only_the_organisation_packs() {
    let dir = tempfile::tempdir().unwrap();
    write_files(
        dir.path(),
        [
            (
                "privgate.yaml",
                "version: 1\nregulations: []\nrulepacks: [org.yaml]\n",
            ),
            ("org.yaml", ORG_PACK),
            ("privacy.yaml", "version: 1\nsystem: { id: a }\n"),
        ],
    );
    let out = privgate(dir.path())
        .args(["check", "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["summary"]["checks"], 1);
    assert_eq!(report["findings"][0]["rule"], "acme.owner-is-team-address");
}

#[test]
fn an_organisation_pack_filed_under_gdpr_leaves_the_other_packs_on() {
    let under_gdpr = ORG_PACK
        .replace("pack: acme", "pack: acmeg")
        .replace("regulation: acme", "regulation: gdpr")
        .replace("acme.owner-is-team-address", "acmeg.owner-is-team-address");
    let dir = tempfile::tempdir().unwrap();
    write_files(
        dir.path(),
        [
            (
                "privgate.yaml",
                "version: 1\nrulepacks: [policies/*.yaml]\n",
            ),
            ("policies/acme.yaml", ORG_PACK),
            ("policies/acmeg.yaml", under_gdpr.as_str()),
            ("privacy.yaml", "version: 1\nsystem: { id: a }\n"),
        ],
    );
    for flags in [&[][..], &["--regulation", "gdpr"][..]] {
        let out = privgate(dir.path())
            .args(["check", "--format", "json", "--fail-on", "none"])
            .args(flags)
            .output()
            .unwrap();
        let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let rules: BTreeSet<&str> = json["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|f| f["rule"].as_str())
            .collect();
        assert!(
            rules.contains("acme.owner-is-team-address")
                && rules.contains("acmeg.owner-is-team-address"),
            "{flags:?}: {rules:?}"
        );
    }
    // Filed under gdpr, it runs when GDPR does, not under `--regulation ccpa`.
    let out = privgate(dir.path())
        .args([
            "check",
            "--format",
            "json",
            "--fail-on",
            "none",
            "--regulation",
            "ccpa",
        ])
        .output()
        .unwrap();
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let regs: Vec<&String> = json["score"]["by_regulation"]
        .as_object()
        .unwrap()
        .keys()
        .collect();
    assert_eq!(regs, ["acme", "ccpa"], "{json}");
}

#[test]
fn the_config_can_select_an_organisation_pack_as_the_flag_does() {
    let dir = tempfile::tempdir().unwrap();
    write_files(
        dir.path(),
        [
            (
                "privgate.yaml",
                "version: 1\nregulations: [acme]\nrulepacks: [org.yaml]\n",
            ),
            ("org.yaml", ORG_PACK),
            ("privacy.yaml", "version: 1\nsystem: { id: a }\n"),
        ],
    );
    let r = check_dir(dir.path(), TODAY).unwrap();
    assert_eq!(
        r.score.by_regulation.keys().collect::<Vec<_>>(),
        ["acme"],
        "{:?}",
        r.score
    );
    // A regulation no pack implements is an error at its place.
    std::fs::write(
        dir.path().join("privgate.yaml"),
        "version: 1\nregulations: [acme, gpdr]\nrulepacks: [org.yaml]\n",
    )
    .unwrap();
    privgate(dir.path())
        .arg("check")
        .assert()
        .code(2)
        .stderr(contains("no rule pack implements regulation `gpdr`"))
        .stderr(contains("did you mean `gdpr`?"))
        .stderr(contains("privgate.yaml:2:21"));
    // A pack that does not load says why, and only that: the regulation
    // it would implement is not also called unknown.
    std::fs::write(
        dir.path().join("privgate.yaml"),
        "version: 1\nregulations: [acme]\nrulepacks: [org.yaml]\n",
    )
    .unwrap();
    let broken = ORG_PACK.replace("severity: high", "severity: severe");
    check_with_pack(dir.path(), &broken)
        .stderr(contains("severe"))
        .stderr(contains("no rule pack implements").not());
}

#[test]
fn an_organisation_pack_adds_its_own_rules() {
    let dir = tempfile::tempdir().unwrap();
    write_files(
        dir.path(),
        [
            (
                "privgate.yaml",
                "version: 1\nregulations: [gdpr]\nrulepacks: [policies/org/*.yaml]\n",
            ),
            ("policies/org/acme.yaml", ORG_PACK),
            (
                "a/privacy.yaml",
                "version: 1\nsystem: { id: a, owner: alice@acme.example }\n",
            ),
            (
                "b/privacy.yaml",
                "version: 1\nsystem: { id: b, owner: team-b@acme.example }\n",
            ),
        ],
    );
    let r = check_dir(dir.path(), TODAY).unwrap();
    let org: Vec<_> = r
        .findings
        .iter()
        .filter(|f| f.regulation == "acme")
        .collect();
    assert_eq!(org.len(), 1);
    assert_eq!(org[0].target, "system:a");
    assert_eq!(org[0].citation, "Acme Policy PRIV-4.2");
    assert_eq!(org[0].file, "a/privacy.yaml");
    assert_eq!((org[0].line, org[0].column), (2, 15));
    assert_eq!(r.score.by_regulation["acme"], 50.0);
    // `--regulation gdpr` means what `regulations: [gdpr]` means: the
    // organisation's pack still applies; naming it selects it alone.
    let regs = |flags: &[&str]| -> Vec<String> {
        let out = privgate(dir.path())
            .args(["check", "--format", "json"])
            .args(flags)
            .output()
            .unwrap();
        let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let by: Vec<String> = json["score"]["by_regulation"]
            .as_object()
            .unwrap()
            .keys()
            .cloned()
            .collect();
        by
    };
    assert_eq!(regs(&[]), ["acme", "gdpr"]);
    assert_eq!(regs(&["--regulation", "gdpr"]), ["acme", "gdpr"]);
    assert_eq!(regs(&["--regulation", "acme"]), ["acme"]);
    assert_eq!(
        regs(&["--regulation", "acme", "--regulation", "ccpa"]),
        ["acme", "ccpa"]
    );
    privgate(dir.path())
        .args(["rules", "explain", "acme.owner-is-team-address"])
        .assert()
        .success()
        .stdout(contains("Systems are owned by a team mailbox"));
}

#[test]
fn an_organisation_rule_can_say_what_exactly_is_wrong() {
    let with_detail = org_pack_with_message("        message: \"system `{id}` is not owned by a team mailbox: {detail}\"\n        detail: \"system.owner == null ? 'no owner' : system.owner + ' is a person'\"\n");
    let dir = org_repo(
        with_detail.as_str(),
        &[
            (
                "a/privacy.yaml",
                "version: 1\nsystem: { id: a, owner: alice@x.y }\n",
            ),
            ("b/privacy.yaml", "version: 1\nsystem: { id: b }\n"),
        ],
    );
    let r = check_dir(dir.path(), TODAY).unwrap();
    let messages: Vec<&str> = r
        .findings
        .iter()
        .filter(|f| f.rule == "acme.owner-is-team-address")
        .map(|f| f.message.as_str())
        .collect();
    assert_eq!(
        messages,
        [
            "system `a` is not owned by a team mailbox: alice@x.y is a person",
            "system `b` is not owned by a team mailbox: no owner",
        ]
    );
    // `{detail}` with no `detail` would print literally: a load error.
    let dangling = org_pack_with_message("        message: \"system `{id}`: {detail}\"\n");
    check_with_pack(dir.path(), &dangling)
        .stderr(contains(
            "`message` uses `{detail}` exactly when the check has a `detail`",
        ))
        .stderr(contains("org.yaml:17:18"));
    // Nor does a placeholder privgate does not know.
    let unknown = org_pack_with_message("        message: \"system `{id}` of {owner}\"\n");
    check_with_pack(dir.path(), &unknown).stderr(contains(
        "`message` uses `{owner}`, which privgate does not fill",
    ));
    // A detail that is not text fails in the pack author's terms, once.
    let number = with_detail.replace(
        "detail: \"system.owner == null ? 'no owner' : system.owner + ' is a person'\"",
        "detail: \"42\"",
    );
    check_with_pack(dir.path(), &number)
        .stderr(contains("list of texts, got a number"))
        .stderr(contains("this detail"));
}

#[test]
fn a_finding_points_at_the_field_its_check_names_or_at_the_id_without_it() {
    let at_owner = org_pack_with_message(
        "        message: system `{id}` is not owned by a team mailbox\n        at: owner\n",
    );
    let dir = org_repo(
        at_owner.as_str(),
        &[
            (
                "a/privacy.yaml",
                "version: 1\nsystem:\n  id: a\n  name: A\n  owner: alice@x.y\n",
            ),
            ("b/privacy.yaml", "version: 1\nsystem:\n  id: b\n"),
        ],
    );
    let r = check_dir(dir.path(), TODAY).unwrap();
    let places: Vec<String> = r
        .findings
        .iter()
        .filter(|f| f.rule == "acme.owner-is-team-address")
        .map(|f| format!("{}:{}:{}", f.file, f.line, f.column))
        .collect();
    // `owner` where it is written; the id where it is not.
    assert_eq!(places, ["a/privacy.yaml:5:3", "b/privacy.yaml:3:7"]);
    // `rules explain` says where the rule's findings point.
    privgate(dir.path())
        .args(["rules", "explain", "acme.owner-is-team-address"])
        .assert()
        .success()
        .stdout(contains(
            "points at:  system `owner` (the declaration's id when not written)",
        ));
    // A field the target kind does not have is a located load error.
    let typo = org_pack_with_message(
        "        message: system `{id}` is not owned by a team mailbox\n        at: ownr\n",
    );
    check_with_pack(dir.path(), &typo)
        .stderr(contains(
            "`at` names `system.ownr`, which a system does not have",
        ))
        .stderr(contains("did you mean `owner`"))
        .stderr(contains("org.yaml:18:13"));
    // Nor is a field privgate adds (facts, links) one a manifest writes.
    let facts = org_pack_with_message(
        "        message: system `{id}` is not owned by a team mailbox\n        at: facts\n",
    );
    check_with_pack(dir.path(), &facts).stderr(contains("`at` names `system.facts`"));
}

#[test]
fn a_detail_quoting_control_characters_is_printed_escaped_in_every_format() {
    let quoting = org_pack_with_message("        message: \"system `{id}` is not owned by a team mailbox: {detail}\"\n        detail: system.name\n");
    let dir = org_repo(
        quoting.as_str(),
        &[(
            "privacy.yaml",
            "version: 1\nsystem: { id: a, name: \"Shop\\e]0;owned\\a\\u202Eevil\" }\n",
        )],
    );
    for format in ["json", "markdown", "junit", "sarif"] {
        let out = privgate(dir.path())
            .args(["check", "--fail-on", "none", "--format", format])
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            !text.contains(['\u{1b}', '\u{7}', '\u{202E}']),
            "{format}: raw control characters in {text}"
        );
        assert!(
            text.contains("Shop\\u{1b}") || text.contains("Shop\\\\u{1b}"),
            "{format}: {text}"
        );
    }
}

#[test]
fn a_schema_error_in_one_rule_leaves_the_others_checked_in_the_same_run() {
    let pack = ORG_PACK.replace("severity: high", "severity: blocker")
        + "  - id: acme.named
    citation: PRIV-1
    severity: low
    title: Systems are named
    rationale: r
    remediation: m
    example: x
    checks:
      - target: system
        violation: sytem.name == null
        message: system `{id}` is not named
";
    let dir = org_repo(
        pack.as_str(),
        &[("privacy.yaml", "version: 1\nsystem: { id: a }\n")],
    );
    privgate(dir.path())
        .arg("check")
        .assert()
        .code(2)
        .stderr(contains("found `blocker`"))
        .stderr(contains("unknown variable `sytem`"))
        .stderr(contains("org.yaml:27:20"))
        .stderr(contains("2 errors found"));
}

#[test]
fn a_typo_in_an_organisation_rule_is_a_located_load_error() {
    let dir = tempfile::tempdir().unwrap();
    let broken = ORG_PACK.replace("system.owner == null", "sytem.owner == null");
    write_files(
        dir.path(),
        [
            ("privgate.yaml", "version: 1\nrulepacks: [org.yaml]\n"),
            ("org.yaml", broken.as_str()),
            (
                "privacy.yaml",
                "version: 1\nsystem: { id: a, owner: x@y.z }\n",
            ),
        ],
    );
    privgate(dir.path())
        .arg("check")
        .assert()
        .code(2)
        .stderr(contains("condition uses unknown variable `sytem`"))
        .stderr(contains("org.yaml:16:20"))
        .stderr(contains("did you mean `system`?"));
    // Built-in namespaces are reserved.
    let reserved = ORG_PACK.replace("acme.owner-is-team-address", "gdpr.owner");
    check_with_pack(dir.path(), &reserved).stderr(contains("`gdpr.owner` is reserved"));
    // An id carries its own pack's name.
    let foreign = ORG_PACK.replace("acme.owner-is-team-address", "other.owner");
    check_with_pack(dir.path(), &foreign)
        .stderr(contains(
            "rule id `other.owner` does not start with the pack's name, `acme.`",
        ))
        .stderr(contains("name it `acme.owner`"));
    // Texts people read may not be blank.
    let blank = ORG_PACK.replace("citation: PRIV-4.2", "citation: \"   \"");
    check_with_pack(dir.path(), &blank).stderr(contains(
        "`citation` must be an article or section, not blank",
    ));
    // Packs come from the repository; a path out of it says so.
    std::fs::write(dir.path().join("org.yaml"), ORG_PACK).unwrap();
    std::fs::write(
        dir.path().join("privgate.yaml"),
        "version: 1\nrulepacks: [../elsewhere/org.yaml]\n",
    )
    .unwrap();
    privgate(dir.path())
        .arg("check")
        .assert()
        .code(2)
        .stderr(contains(
            "`../elsewhere/org.yaml` is outside the repository",
        ));
}

#[test]
fn every_unknown_name_in_an_organisation_rule_is_reported_in_one_run() {
    let dir = tempfile::tempdir().unwrap();
    let broken = ORG_PACK.replace(
        "system.owner == null || !system.owner.startsWith('team-')",
        "frobnicate(sytem) || system.ownr == null || vendors[system.id].contry == 'US'",
    );
    write_files(
        dir.path(),
        [
            ("privgate.yaml", "version: 1\nrulepacks: [org.yaml]\n"),
            ("org.yaml", broken.as_str()),
            ("privacy.yaml", "version: 1\nsystem: { id: a }\n"),
        ],
    );
    privgate(dir.path())
        .arg("check")
        .assert()
        .code(2)
        .stderr(contains("unknown variable `sytem`"))
        .stderr(contains("unknown function `frobnicate`"))
        .stderr(contains(
            "condition reads `system.ownr`, which does not exist",
        ))
        .stderr(contains("did you mean `owner`?"))
        .stderr(contains("condition reads `vendors[...].contry`"))
        .stderr(contains("did you mean `country`?"))
        .stderr(contains("4 errors found"));
}

#[test]
fn a_condition_failing_at_run_time_is_reported_once_at_the_pack() {
    let dir = tempfile::tempdir().unwrap();
    // Fails on every system without an owner: `startsWith` on null.
    let fragile = ORG_PACK.replace(
        "violation: system.owner == null || !system.owner.startsWith('team-')",
        "violation: \"!system.owner.startsWith('team-')\"",
    );
    write_files(
        dir.path(),
        [
            ("privgate.yaml", "version: 1\nrulepacks: [org.yaml]\n"),
            ("org.yaml", fragile.as_str()),
            ("a/privacy.yaml", "version: 1\nsystem: { id: a }\n"),
            ("b/privacy.yaml", "version: 1\nsystem: { id: b }\n"),
            (
                "c/privacy.yaml",
                "version: 1\nsystem: { id: c, owner: team-c@x.y }\n",
            ),
        ],
    );
    privgate(dir.path())
        .arg("check")
        .assert()
        .code(2)
        .stderr(contains(
            "rule `acme.owner-is-team-address` failed on system `a` (and 1 more)",
        ))
        .stderr(contains("got null (a field that is"))
        .stderr(contains("org.yaml:16:20"))
        .stderr(contains("a/privacy.yaml:2:15"))
        .stderr(contains("1 error found"));
    // A condition that is not true or false, with a different value on each
    // declaration: still one error, naming the kind of value, not its dump.
    let not_a_bool = ORG_PACK.replace(
        "violation: system.owner == null || !system.owner.startsWith('team-')",
        "violation: \"system.owner != null ? [system.owner] : [system.id]\"",
    );
    std::fs::write(dir.path().join("org.yaml"), not_a_bool).unwrap();
    privgate(dir.path())
        .arg("check")
        .assert()
        .code(2)
        .stderr(contains("failed on system `a` (and 2 more)"))
        .stderr(contains("got a list"))
        .stderr(contains("String(").not())
        .stderr(contains("1 error found"));
}

#[test]
fn a_condition_the_interpreter_cannot_evaluate_is_an_error_not_a_crash() {
    // cel 0.12 panics on a comprehension over text; that is the pack's
    // error to fix, reported like any other, and SARIF still gets a log.
    let iterating_text = ORG_PACK.replace(
        "violation: system.owner == null || !system.owner.startsWith('team-')",
        "violation: \"system.owner != null && system.owner.exists(c, c == ' ')\"",
    );
    let dir = org_repo(
        iterating_text.as_str(),
        &[(
            "privacy.yaml",
            "version: 1\nsystem: { id: a, owner: alice@x.y }\n",
        )],
    );
    privgate(dir.path())
        .arg("check")
        .assert()
        .code(2)
        .stderr(contains(
            "rule `acme.owner-is-team-address` failed on system `a`",
        ))
        .stderr(contains(
            "evaluate this (`exists`, `all`, `map` or `filter`",
        ))
        .stderr(contains("org.yaml:16:20"))
        .stderr(contains("panicked").not());
    privgate(dir.path())
        .args(["check", "--format", "sarif"])
        .assert()
        .code(2)
        .stdout(contains("\"executionSuccessful\": false"));
    // A comparison of the wrong kinds, in the pack author's terms.
    let comparing = ORG_PACK.replace(
        "violation: system.owner == null || !system.owner.startsWith('team-')",
        "violation: \"system.owner > 3\"",
    );
    check_with_pack(dir.path(), &comparing)
        .stderr(contains("text cannot be compared with a number"));
}

#[test]
fn every_condition_failing_on_one_declaration_is_reported_in_one_run() {
    let two_fragile = ORG_PACK.replace(
        "violation: system.owner == null || !system.owner.startsWith('team-')",
        "violation: \"!system.owner.startsWith('team-')\"",
    ) + "  - id: acme.named
    citation: PRIV-1
    severity: low
    title: Systems are named
    rationale: r
    remediation: m
    example: x
    checks:
      - target: system
        violation: \"!system.name.startsWith('S')\"
        message: system `{id}` is not named
";
    let dir = org_repo(
        two_fragile.as_str(),
        &[("privacy.yaml", "version: 1\nsystem: { id: a }\n")],
    );
    privgate(dir.path())
        .arg("check")
        .assert()
        .code(2)
        .stderr(contains(
            "rule `acme.owner-is-team-address` failed on system `a`",
        ))
        .stderr(contains("rule `acme.named` failed on system `a`"))
        .stderr(contains("2 errors found"));
}

#[test]
fn a_repository_condition_failing_at_run_time_points_at_the_pack() {
    let dir = tempfile::tempdir().unwrap();
    // `breach` is null when no manifest declares it: `.plan` on null fails.
    let fragile = ORG_PACK
        .replace("target: system", "target: repository")
        .replace(
            "violation: system.owner == null || !system.owner.startsWith('team-')",
            "violation: breach.plan == null",
        );
    write_files(
        dir.path(),
        [
            ("privgate.yaml", "version: 1\nrulepacks: [org.yaml]\n"),
            ("org.yaml", fragile.as_str()),
            ("privacy.yaml", "version: 1\nsystem: { id: a }\n"),
        ],
    );
    privgate(dir.path())
        .arg("check")
        .assert()
        .code(2)
        .stderr(contains(
            "rule `acme.owner-is-team-address` failed on the repository",
        ))
        .stderr(contains("org.yaml:16:20"))
        .stderr(contains("defect in the rule pack"))
        .stderr(contains("1 error found"));
}

fn acme() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/acme-shop")
}

#[test]
fn acme_shop_report_has_its_deliberate_findings() {
    let r = check_dir(&acme(), TODAY).unwrap();
    let got: Vec<(String, String, bool)> = r
        .findings
        .iter()
        .map(|f| (f.rule.clone(), f.target.clone(), f.waived))
        .collect();
    let want = [
        ("gdpr.vendor-assessment-review", "vendor:sendgrid", false),
        // The same held-without-purpose category, under 1798.100(c).
        ("ccpa.purpose-limitation", "dataset:clickstream", false),
        ("gdpr.data-minimisation", "dataset:clickstream", false),
        ("gdpr.dpia-required", "purpose:recommendations", true),
        // services/checkout/package.json uses @sentry/node; no manifest
        // declares Sentry (the example's deliberate drift).
        (
            "ccpa.undeclared-vendor",
            "dependency:checkout/sentry",
            false,
        ),
        (
            "gdpr.undeclared-vendor",
            "dependency:checkout/sentry",
            false,
        ),
        (
            "gdpr.transfer-impact-assessment",
            "flow:tickets-to-zendesk",
            false,
        ),
    ];
    let want: Vec<(String, String, bool)> = want
        .iter()
        .map(|(a, b, c)| (a.to_string(), b.to_string(), *c))
        .collect();
    assert_eq!(got, want);
    assert!(r.gate.passed);
}

#[test]
fn acme_shop_json_report_snapshot() {
    let run = || {
        crate::common::privgate()
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .env("NO_COLOR", "1")
            .args([
                "check",
                "examples/acme-shop",
                "--format",
                "json",
                "--today",
                TODAY,
            ])
            .output()
            .unwrap()
    };
    let out = run();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    insta::assert_snapshot!("acme_shop_report_json", text);
    // Byte-identical on a second run.
    assert_eq!(text.as_bytes(), &run().stdout[..]);
    // As cli.md writes them: ratios as fractions, days as a whole number.
    let report: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert!(
        report["kpis"]["dsar_sla_days"].is_u64(),
        "{}",
        report["kpis"]
    );
    assert!(
        report["kpis"]["retention_coverage"].is_f64(),
        "{}",
        report["kpis"]
    );
    assert!(text.contains("\"retention_coverage\": 1.0"), "{text}");
}

#[test]
fn rules_catalogue_lists_and_explains_every_rule() {
    let out = crate::common::privgate()
        .args(["rules", "--format", "json"])
        .output()
        .unwrap();
    let rules: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let rules = rules.as_array().unwrap();
    // Rules v2: the 41 GDPR and 14 CCPA rules of the rules.md tables, the
    // three declared-vs-used rules included.
    assert_eq!(rules.len(), 55);
    let mut ids: Vec<&str> = rules.iter().map(|r| r["id"].as_str().unwrap()).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 55, "rule ids are unique");
    for id in ids {
        crate::common::privgate()
            .args(["rules", "explain", id])
            .assert()
            .success()
            .stdout(contains("## Why it matters"))
            .stdout(contains("## How to fix"))
            .stdout(contains("## Example"));
    }
    crate::common::privgate()
        .args(["rules", "explain", "gdpr.dpia-require"])
        .assert()
        .code(2)
        .stderr(contains("did you mean `gdpr.dpia-required`?"));
}

#[test]
fn json_reports_validate_against_the_report_schema() {
    let schema: serde_json::Value = serde_json::from_str(privgate::load::schema::REPORT).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let r = check_dir(&acme(), TODAY).unwrap();
    let value = serde_json::to_value(&r).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(&value)
        .map(|e| e.to_string())
        .collect();
    assert!(errors.is_empty(), "{errors:?}");
}

#[test]
fn output_dash_means_stdout() {
    let dir = small_repo("version: 1\n");
    privgate(dir.path())
        .args(["check", "--format", "json", "--fail-on", "none", "-o", "-"])
        .assert()
        .success()
        .stdout(contains("\"version\": 1"));
    assert!(!dir.path().join("-").exists());
}

#[test]
fn a_waiver_on_a_misspelt_target_says_so() {
    let waiver = |target: &str| {
        small_repo(&format!(
            "version: 1
regulations: [gdpr]
waivers:
  - rule: gdpr.transparency-notice
    target: {target}
    reason: notice in review
    approved_by: dpo@example.com
    expires: 2027-01-01
"
        ))
    };
    // A declaration that does not exist: a warning with the likely id.
    let dir = waiver("purpose:p1x");
    let r = check_dir(dir.path(), TODAY).unwrap();
    assert!(
        r.warnings[0].contains("no such declaration; did you mean `p1`?"),
        "{:?}",
        r.warnings
    );
    // `validate` says so before any rule runs, at the target; `score` too.
    privgate(dir.path())
        .arg("validate")
        .assert()
        .success()
        .stderr(contains(
            "waiver for gdpr.transparency-notice on purpose:p1x",
        ))
        .stderr(contains("privgate.yaml:5:13"))
        .stderr(contains("1 warning"));
    privgate(dir.path())
        .args(["score", "--fail-on", "none"])
        .assert()
        .success()
        .stderr(contains("warning: privgate.yaml:4:5: waiver for"));
    // The right id under the wrong kind.
    let r = check_dir(waiver("dataset:p1").path(), TODAY).unwrap();
    assert!(
        r.warnings[0].contains("no such declaration; did you mean `purpose:p1`?"),
        "{:?}",
        r.warnings
    );
    // A kind that does not exist: an error, like any other bad value.
    let dir = waiver("purpse:p1");
    privgate(dir.path())
        .arg("validate")
        .assert()
        .code(2)
        .stderr(contains("`purpse` is not a kind of declaration"))
        .stderr(contains("did you mean `purpose`?"));
}

/// `privgate rules` lines up its columns whatever the regulation names:
/// an organisation pack's may be longer than `gdpr`.
#[test]
fn rules_columns_line_up_with_a_long_organisation_regulation() {
    let dir = tempfile::tempdir().unwrap();
    write_files(
        dir.path(),
        [
            ("privgate.yaml", "version: 1\nrulepacks: [org.yaml]\n"),
            (
                "org.yaml",
                &ORG_PACK.replace("regulation: acme", "regulation: acme-internal-policy"),
            ),
            ("privacy.yaml", "version: 1\nsystem: { id: a }\n"),
        ],
    );
    let text = |args: &[&str]| {
        let out = privgate(dir.path()).args(args).output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };
    let listed = text(&["rules"]);
    let rules: Vec<serde_json::Value> =
        serde_json::from_str(&text(&["rules", "--format", "json"])).unwrap();
    assert!(rules
        .iter()
        .any(|r| r["regulation"] == "acme-internal-policy"));
    // Where each column starts, in characters, on every rule's line.
    let mut starts = std::collections::BTreeSet::new();
    for r in &rules {
        let id = r["id"].as_str().unwrap();
        let line = listed
            .lines()
            .find(|l| l.starts_with(&format!("{id} ")))
            .unwrap_or_else(|| panic!("no line for {id} in\n{listed}"));
        let column = |needle: &str| {
            let at = line
                .find(needle)
                .unwrap_or_else(|| panic!("{needle} in {line}"));
            line[..at].chars().count()
        };
        let regulation = r["regulation"].as_str().unwrap();
        starts.insert((
            column(&format!("  {regulation} ")),
            column(&format!(" {}", r["severity"].as_str().unwrap())),
            column(&format!("  {}", r["title"].as_str().unwrap())),
        ));
    }
    assert_eq!(starts.len(), 1, "columns differ: {starts:?}\n{listed}");
}

/// The human summary line counts in words that agree with the number.
#[test]
fn the_summary_line_says_1_declaration_not_1_declarations() {
    let dir = tempfile::tempdir().unwrap();
    write_files(
        dir.path(),
        [
            ("privgate.yaml", "version: 1\nregulations: [gdpr]\n"),
            ("privacy.yaml", "version: 1\nsystem: { id: a }\n"),
        ],
    );
    let out = privgate(dir.path()).arg("check").output().unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    let summary = stdout.lines().last().unwrap();
    assert!(
        summary.contains(" - 1 finding (")
            && summary.contains(", 1 check on 1 declaration in 1 manifest - "),
        "{summary}"
    );
    // And the plural for everything else.
    let out = privgate(&Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/acme-shop"))
        .args(["check", "--today", TODAY])
        .output()
        .unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    let summary = stdout.lines().last().unwrap();
    assert!(
        summary.contains(" - 6 findings (") && summary.contains(" manifests - "),
        "{summary}"
    );
    assert!(summary.contains(" checks on ") && summary.contains(" declarations in "));
}

#[test]
fn a_config_named_privgate_yml_is_an_error_not_silently_skipped() {
    let dir = small_repo("version: 1\ngate: {fail_on: low}\n");
    std::fs::rename(
        dir.path().join("privgate.yaml"),
        dir.path().join("privgate.yml"),
    )
    .unwrap();
    privgate(dir.path())
        .arg("check")
        .assert()
        .code(2)
        .stderr(contains("`privgate.yml` is not read"))
        .stderr(contains("rename it to `privgate.yaml`"));
    // Beside a config that is read, a warning.
    std::fs::write(dir.path().join(".privgate.yaml"), "version: 1\n").unwrap();
    privgate(dir.path())
        .args(["check", "--format", "json"])
        .assert()
        .stdout(contains(
            "privgate.yml: `privgate.yml` is not read; `.privgate.yaml` is the config",
        ));
}

#[test]
fn a_waiver_signed_off_by_blanks_is_a_located_error() {
    let dir = small_repo(
        "version: 1
regulations: [GDPR]
waivers:
  - rule: gdpr.transparency-notice
    target: purpose:p1
    reason: \" \"
    approved_by: \"\\t\"
    expires: 2027-02-01
",
    );
    privgate(dir.path())
        .arg("check")
        .assert()
        .code(2)
        .stderr(contains("privgate.yaml:2:15"))
        .stderr(contains("must be a regulation id in lower case"))
        .stderr(contains("privgate.yaml:6:13"))
        .stderr(contains("`reason` must be a reason in words, not blank"))
        .stderr(contains("privgate.yaml:7:18"))
        .stderr(contains("`approved_by` must be who signed the waiver off"));
}

#[test]
fn a_waiver_beyond_the_max_term_is_a_located_error_with_the_latest_date() {
    let config = |expires: &str| {
        format!(
            "version: 1
gate: {{max_waiver_term: P1Y}}
waivers:
  - rule: gdpr.transparency-notice
    target: purpose:p1
    reason: notice in review, LEGAL-9
    approved_by: dpo@example.com
    expires: {expires}
"
        )
    };
    // TODAY is 2026-11-23: a year ahead is 2027-11-23, the last day allowed.
    let dir = small_repo(&config("2027-11-24"));
    for command in ["check", "validate"] {
        privgate(dir.path())
            .arg(command)
            .assert()
            .code(2)
            .stderr(contains("privgate.yaml:8:14"))
            .stderr(contains("runs until 2027-11-24"))
            .stderr(contains("set `expires` to 2027-11-23 or earlier"));
    }
    std::fs::write(dir.path().join("privgate.yaml"), config("2027-11-23")).unwrap();
    let r = check_dir(dir.path(), TODAY).unwrap();
    assert!(
        r.findings
            .iter()
            .any(|f| f.rule == "gdpr.transparency-notice" && f.waived),
        "the waiver at the limit applies"
    );
}
