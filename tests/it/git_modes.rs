//! `--staged` (pre-commit) and `--changed-since REV` (pull requests) on
//! temporary git repositories built with git2: what is judged (the index, a
//! commit), which findings are new or fixed, the score delta, the gate, and
//! the errors when git cannot answer.

use crate::gitrepo::{privgate, Repo};
use serde_json::Value;
use std::collections::BTreeSet;

/// GDPR only, `data-minimisation` off (datasets here have no purposes), and
/// a gate that fails on high findings and never on the score.
const CONFIG: &str = "version: 1
organization: Test GmbH
controller: { contact: \"Test GmbH, Berlin, privacy@test.example\" }
regulations: [gdpr]
rules:
  gdpr.data-minimisation: { enabled: false }
gate:
  min_score: 0
  fail_on: high
";

/// Repository-wide declarations that pass `gdpr.data-subject-rights`,
/// `gdpr.breach-notification` (high), `gdpr.breach-register`,
/// `gdpr.breach-communication` and the config's part of
/// `gdpr.record-of-processing` (medium).
const REPO_WIDE: &str = "version: 1
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
";

/// A dataset of e-mail addresses. `Some(period)` declares a retention period
/// with automated deletion; `None` declares none, which fires
/// `gdpr.retention-defined` and `gdpr.erasure-mechanism` (both high in
/// rules v2).
fn dataset(id: &str, period: Option<&str>) -> String {
    let mut s =
        format!("  - id: {id}\n    categories: [user.contact.email]\n    subjects: [customer]\n    location: DE\n");
    if let Some(p) = period {
        s.push_str(&format!(
            "    retention: {{ period: {p}, deletion: automated }}\n"
        ));
    }
    s
}

fn manifest(datasets: &[String]) -> String {
    format!("version: 1\ndatasets:\n{}", datasets.concat())
}

/// The files every repository here starts with, under `prefix` ("" or "dir/").
fn scaffold(prefix: &str) -> Vec<(String, String)> {
    vec![
        (format!("{prefix}privgate.yaml"), CONFIG.to_string()),
        (
            format!("{prefix}privacy/repo.privacy.yaml"),
            REPO_WIDE.to_string(),
        ),
        (
            format!("{prefix}docs/breach.md"),
            "# Breach response\n".to_string(),
        ),
        (
            format!("{prefix}docs/breach-register.md"),
            "# Breach register\n".to_string(),
        ),
    ]
}

fn files(list: &[(String, String)]) -> Vec<(&str, &str)> {
    list.iter().map(|(p, c)| (p.as_str(), c.as_str())).collect()
}

/// A repository whose first commit holds the scaffold and `extra`.
fn repo_with(extra: &[(&str, String)]) -> Repo {
    let repo = Repo::new();
    let mut all = scaffold("");
    all.extend(extra.iter().map(|(p, c)| (p.to_string(), c.clone())));
    repo.commit_files(&files(&all), "base");
    repo
}

struct Run {
    code: i32,
    json: Value,
    stderr: String,
}

fn run_json(cmd: &mut assert_cmd::Command) -> Run {
    let out = cmd.args(["--format", "json"]).output().unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    let json = serde_json::from_str(&stdout)
        .unwrap_or_else(|e| panic!("stdout is not JSON ({e}):\n{stdout}\nstderr:\n{stderr}"));
    Run {
        code: out.status.code().unwrap(),
        json,
        stderr,
    }
}

/// (rule, target) of each finding in a JSON array.
fn ids(findings: &Value) -> BTreeSet<(String, String)> {
    findings
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap().to_string(),
                f["target"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn set(items: &[(&str, &str)]) -> BTreeSet<(String, String)> {
    items
        .iter()
        .map(|(r, t)| (r.to_string(), t.to_string()))
        .collect()
}

/// The two findings of a dataset declared without retention.
fn no_retention(id: &str) -> Vec<(String, String)> {
    vec![
        (
            "gdpr.erasure-mechanism".to_string(),
            format!("dataset:{id}"),
        ),
        (
            "gdpr.retention-defined".to_string(),
            format!("dataset:{id}"),
        ),
    ]
}

/// 1-based line of the first line containing `needle`.
fn line_of(text: &str, needle: &str) -> u64 {
    text.lines().position(|l| l.contains(needle)).unwrap() as u64 + 1
}

// ---------------------------------------------------------------- --staged

#[test]
fn staged_ignores_a_violation_only_in_the_work_tree() {
    let a_clean = manifest(&[dataset("ds-a", Some("P1Y"))]);
    let repo = repo_with(&[("services/a/privacy.yaml", a_clean)]);
    // Edited but not staged, and a new file never added.
    repo.write(&[
        (
            "services/a/privacy.yaml",
            manifest(&[dataset("ds-a", Some("P1Y")), dataset("ds-unstaged", None)]),
        ),
        (
            "services/b/privacy.yaml",
            manifest(&[dataset("ds-untracked", None)]),
        ),
    ]);

    let staged = run_json(privgate(repo.path()).args(["check", "--staged"]));
    assert_eq!(staged.code, 0, "{}", staged.stderr);
    assert_eq!(ids(&staged.json["findings"]), BTreeSet::new());
    assert_eq!(staged.json["summary"]["manifests"], 2);
    assert!(staged.json["changes"].is_null());

    let work = run_json(privgate(repo.path()).arg("check"));
    assert_eq!(work.code, 1, "{}", work.stderr);
    let mut expected = no_retention("ds-unstaged");
    expected.extend(no_retention("ds-untracked"));
    assert_eq!(ids(&work.json["findings"]), expected.into_iter().collect());
}

#[test]
fn staged_reports_a_violation_only_in_the_index() {
    let a_clean = manifest(&[dataset("ds-a", Some("P1Y"))]);
    let repo = repo_with(&[("services/a/privacy.yaml", a_clean.clone())]);
    // Stage a violation, then take it back out of the work tree only.
    let a_staged = manifest(&[dataset("ds-a", Some("P1Y")), dataset("ds-staged", None)]);
    repo.write(&[("services/a/privacy.yaml", &a_staged)]);
    repo.stage(&["services/a/privacy.yaml"]);
    repo.write(&[("services/a/privacy.yaml", &a_clean)]);
    // A new manifest staged and then deleted from disk is still committed.
    repo.write(&[(
        "services/c/privacy.yaml",
        manifest(&[dataset("ds-deleted-on-disk", None)]),
    )]);
    repo.stage(&["services/c/privacy.yaml"]);
    repo.remove("services/c/privacy.yaml");

    let staged = run_json(privgate(repo.path()).args(["check", "--staged"]));
    assert_eq!(staged.code, 1, "{}", staged.stderr);
    let mut expected = no_retention("ds-staged");
    expected.extend(no_retention("ds-deleted-on-disk"));
    assert_eq!(
        ids(&staged.json["findings"]),
        expected.into_iter().collect()
    );
    // The place is in the staged text (the work tree has no such line).
    let f = staged.json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["target"] == "dataset:ds-staged")
        .unwrap();
    assert_eq!(f["file"], "services/a/privacy.yaml");
    assert_eq!(f["line"], line_of(&a_staged, "id: ds-staged"));
    assert_eq!(
        staged.json["gate"]["reasons"],
        serde_json::json!(["4 high findings"])
    );

    let work = run_json(privgate(repo.path()).arg("check"));
    assert_eq!(work.code, 0, "{}", work.stderr);
    assert_eq!(ids(&work.json["findings"]), BTreeSet::new());
}

#[test]
fn staged_reads_the_index_git_hands_a_hook_in_git_index_file() {
    // `git commit -a` from a hook's point of view: the commit's content is
    // in a temporary index named by GIT_INDEX_FILE (relative to the work
    // tree), while `.git/index` still holds the previous, clean state.
    let a_clean = manifest(&[dataset("ds-a", Some("P1Y"))]);
    let a_violating = manifest(&[dataset("ds-a", Some("P1Y")), dataset("ds-new", None)]);
    let repo = repo_with(&[("services/a/privacy.yaml", a_clean.clone())]);
    repo.write(&[("services/a/privacy.yaml", &a_violating)]);
    repo.stage(&["services/a/privacy.yaml"]);
    std::fs::copy(repo.join(".git/index"), repo.join(".git/next-index.lock")).unwrap();
    repo.write(&[("services/a/privacy.yaml", &a_clean)]);
    repo.stage(&["services/a/privacy.yaml"]);
    repo.write(&[("services/a/privacy.yaml", &a_violating)]);

    let hook = run_json(
        privgate(repo.path())
            .env("GIT_INDEX_FILE", ".git/next-index.lock")
            .args(["check", "--staged"]),
    );
    assert_eq!(hook.code, 1, "{}", hook.stderr);
    assert_eq!(
        ids(&hook.json["findings"]),
        no_retention("ds-new").into_iter().collect()
    );
    // Without it, the repository's own index: the clean state.
    let plain = run_json(privgate(repo.path()).args(["check", "--staged"]));
    assert_eq!(plain.code, 0, "{}", plain.stderr);
    // A hook that runs privgate from a subdirectory: the relative path is
    // still relative to the top of the work tree, as git reads it.
    let sub = run_json(
        privgate(&repo.join("services"))
            .env("GIT_INDEX_FILE", ".git/next-index.lock")
            .args(["check", "--staged"]),
    );
    // (The root is `services`, so the top's privgate.yaml is not read.)
    assert_eq!(sub.code, 1, "{}", sub.stderr);
    let found = ids(&sub.json["findings"]);
    assert!(
        no_retention("ds-new").iter().all(|f| found.contains(f)),
        "{found:?}"
    );
    // A named index that is not there would read as empty and pass.
    privgate(repo.path())
        .env("GIT_INDEX_FILE", ".git/no-such-index")
        .args(["check", "--staged"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("there is no such file"));
}

#[test]
fn staged_leaves_out_what_git_add_n_only_announces() {
    // `git add -N wip.privacy.yaml`: an empty placeholder git does not
    // commit; it must not make an unrelated commit fail.
    let repo = repo_with(&[(
        "services/a/privacy.yaml",
        manifest(&[dataset("ds-a", Some("P1Y"))]),
    )]);
    let mut index = repo.repo.index().unwrap();
    let empty_blob = repo.repo.blob(b"").unwrap();
    let mut entry = index
        .get_path(std::path::Path::new("services/a/privacy.yaml"), 0)
        .unwrap();
    entry.path = b"services/wip/privacy.yaml".to_vec();
    entry.id = empty_blob;
    entry.file_size = 0;
    entry.flags_extended |= 1 << 13; // intent to add
    index.add(&entry).unwrap();
    index.write().unwrap();
    let staged = run_json(privgate(repo.path()).args(["check", "--staged"]));
    assert_eq!(staged.code, 0, "{}", staged.stderr);
    assert_eq!(staged.json["summary"]["manifests"], 2, "{}", staged.json);
}

#[test]
fn staged_sees_removals_and_documents_as_they_will_be_committed() {
    let repo = repo_with(&[(
        "services/old/privacy.yaml",
        manifest(&[dataset("ds-old", None)]),
    )]);
    // `git rm --cached`: still on disk, gone from the next commit.
    let mut index = repo.repo.index().unwrap();
    index
        .remove_path(std::path::Path::new("services/old/privacy.yaml"))
        .unwrap();
    index.write().unwrap();
    let staged = run_json(privgate(repo.path()).args(["check", "--staged"]));
    assert_eq!(staged.code, 0, "{}", staged.stderr);
    assert_eq!(ids(&staged.json["findings"]), BTreeSet::new());
    assert_eq!(run_json(privgate(repo.path()).arg("check")).code, 1);

    // A breach plan and register that exist on disk but are not staged are
    // missing from what will be committed (and a repository without commits
    // yet works).
    let repo = Repo::new();
    repo.write(&files(&scaffold("")));
    repo.write(&[("a.privacy.yaml", manifest(&[dataset("ds-a", Some("P1Y"))]))]);
    repo.stage(&[
        "privgate.yaml",
        "privacy/repo.privacy.yaml",
        "a.privacy.yaml",
    ]);
    let staged = run_json(privgate(repo.path()).args(["check", "--staged", "--fail-on", "medium"]));
    assert_eq!(staged.code, 1, "{}", staged.stderr);
    assert_eq!(
        ids(&staged.json["findings"]),
        set(&[
            ("gdpr.breach-notification", "repository"),
            ("gdpr.breach-register", "repository")
        ])
    );
    let work = run_json(privgate(repo.path()).args(["check", "--fail-on", "medium"]));
    assert_eq!(work.code, 0, "{}", work.stderr);
}

/// A validate pre-commit hook judges what will be committed: the staged
/// text, located in it, whatever the work tree holds.
#[test]
fn validate_staged_reads_the_index_not_the_work_tree() {
    let valid = manifest(&[dataset("ds-a", Some("P1Y"))]);
    let invalid = "version: 1\ndatasets:\n  - id: ds-a\n    retension: P1Y\n".to_string();
    let repo = repo_with(&[("services/a/privacy.yaml", valid.clone())]);
    let validate = |staged: &[&str]| {
        let out = privgate(repo.path())
            .args(["validate", "--format", "json"])
            .args(staged)
            .output()
            .unwrap();
        let json: Value = serde_json::from_slice(&out.stdout).unwrap();
        (out.status.code(), json)
    };

    // Staged invalid, fixed in the work tree only: the commit is refused.
    repo.write(&[("services/a/privacy.yaml", &invalid)]);
    repo.stage(&["services/a/privacy.yaml"]);
    repo.write(&[("services/a/privacy.yaml", &valid)]);
    let (code, json) = validate(&["--staged"]);
    assert_eq!(code, Some(2), "{json}");
    let d = &json["diagnostics"][0];
    assert_eq!(d["code"], "unknown-field", "{json}");
    assert_eq!(d["file"], "services/a/privacy.yaml");
    assert_eq!(d["line"], line_of(&invalid, "retension"));
    assert_eq!(validate(&[]).0, Some(0));

    // The other way round: staged valid, broken in the work tree only.
    repo.stage(&["services/a/privacy.yaml"]);
    repo.write(&[("services/a/privacy.yaml", &invalid)]);
    let (code, json) = validate(&["--staged"]);
    assert_eq!(code, Some(0), "{json}");
    assert_eq!(json["manifests"], 2);
    assert_eq!(validate(&[]).0, Some(2));

    // Outside a repository, as for `check --staged`.
    let dir = tempfile::tempdir().unwrap();
    let out = privgate(dir.path())
        .args(["validate", "--staged"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("is not inside a git repository"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn staged_a_directory_named_like_a_manifest_is_an_error_as_in_the_work_tree() {
    let repo = repo_with(&[(
        "services/a/privacy.yaml/README.md",
        "# not a manifest\n".to_string(),
    )]);
    for mode in [&["--staged"][..], &[][..]] {
        let out = privgate(repo.path())
            .arg("check")
            .args(mode)
            .output()
            .unwrap();
        // As miette wraps it.
        let stderr = String::from_utf8_lossy(&out.stderr).replace("\n  | ", " ");
        assert_eq!(out.status.code(), Some(2), "{mode:?}: {stderr}");
        assert!(
            stderr.contains(
                "services/a/privacy.yaml:1:1: cannot read `services/a/privacy.yaml`: \
                 it is named like a manifest but is a directory"
            ),
            "{mode:?}: {stderr}"
        );
    }
}

// ------------------------------------------------------- --changed-since

#[test]
fn a_pull_request_that_adds_a_violation_shows_it_as_new_and_fails() {
    let repo = repo_with(&[(
        "services/a/privacy.yaml",
        manifest(&[dataset("ds-a", Some("P1Y"))]),
    )]);
    let b = manifest(&[dataset("ds-a2", Some("P6M")), dataset("ds-b", None)]);
    repo.commit_files(&[("services/b/privacy.yaml", &b)], "add service b");

    let pr = run_json(privgate(repo.path()).args(["check", "--changed-since", "HEAD~1"]));
    assert_eq!(pr.code, 1, "{}", pr.stderr);
    let changes = &pr.json["changes"];
    assert_eq!(changes["base"], "HEAD~1");
    assert_eq!(
        ids(&changes["new"]),
        no_retention("ds-b").into_iter().collect()
    );
    assert_eq!(ids(&changes["fixed"]), BTreeSet::new());
    // New findings are whole findings, placed in the head.
    for f in changes["new"].as_array().unwrap() {
        assert_eq!(f["file"], "services/b/privacy.yaml");
        assert_eq!(f["line"], line_of(&b, "id: ds-b"));
        assert_eq!(f["waived"], false);
    }
    assert_eq!(pr.json["gate"]["passed"], false);
    assert_eq!(
        pr.json["gate"]["reasons"],
        serde_json::json!(["2 new high findings"])
    );

    // The same change not yet committed, against HEAD.
    let repo = repo_with(&[(
        "services/a/privacy.yaml",
        manifest(&[dataset("ds-a", Some("P1Y"))]),
    )]);
    repo.write(&[("services/b/privacy.yaml", &b)]);
    let local = run_json(privgate(repo.path()).args(["check", "--changed-since", "HEAD"]));
    assert_eq!(local.code, 1, "{}", local.stderr);
    assert_eq!(
        ids(&local.json["changes"]["new"]),
        no_retention("ds-b").into_iter().collect()
    );

    // The human summary marks it and says what the base was.
    let out = privgate(repo.path())
        .args(["check", "--changed-since", "HEAD"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(stdout.contains("[high] [new] dataset `ds-b`"), "{stdout}");
    let head = repo.repo.head().unwrap().target().unwrap().to_string();
    assert!(
        stdout.contains(&format!("against HEAD at {}:", &head[..10])),
        "the revision and the commit it named: {stdout}"
    );
    assert!(stdout.contains("2 new, 0 fixed"), "{stdout}");
}

#[test]
fn a_pull_request_that_fixes_a_violation_passes_despite_an_old_one() {
    let repo = repo_with(&[
        (
            "services/old/privacy.yaml",
            manifest(&[dataset("ds-old", None)]),
        ),
        (
            "services/b/privacy.yaml",
            manifest(&[dataset("ds-b", None)]),
        ),
    ]);
    repo.commit_files(
        &[(
            "services/b/privacy.yaml",
            manifest(&[dataset("ds-b", Some("P2Y"))]),
        )],
        "fix b",
    );

    let pr = run_json(privgate(repo.path()).args(["check", "--changed-since", "HEAD~1"]));
    assert_eq!(pr.code, 0, "{}", pr.stderr);
    let changes = &pr.json["changes"];
    assert_eq!(ids(&changes["new"]), BTreeSet::new());
    assert_eq!(
        ids(&changes["fixed"]),
        no_retention("ds-b").into_iter().collect()
    );
    // Fixed findings are the base's, placed where they were.
    for f in changes["fixed"].as_array().unwrap() {
        assert_eq!(f["file"], "services/b/privacy.yaml");
    }
    // The old high finding is still reported, but it is not new.
    assert_eq!(
        ids(&pr.json["findings"]),
        no_retention("ds-old").into_iter().collect()
    );
    assert_eq!(pr.json["summary"]["by_severity"]["high"], 2);
    assert_eq!(pr.json["gate"]["passed"], true);
    assert!(changes["score_delta"].as_f64().unwrap() > 0.0);

    // Without --changed-since the same tree fails on the old finding.
    let plain = run_json(privgate(repo.path()).arg("check"));
    assert_eq!(plain.code, 1);
    assert_eq!(
        plain.json["gate"]["reasons"],
        serde_json::json!(["2 high findings"])
    );
}

#[test]
fn renaming_a_manifest_is_not_a_new_finding() {
    let content = manifest(&[dataset("ds-a", Some("P1Y")), dataset("ds-old", None)]);
    let repo = repo_with(&[("services/a/privacy.yaml", content.clone())]);
    repo.mv(
        "services/a/privacy.yaml",
        "platform/orders/orders.privacy.yaml",
    );
    repo.commit("move the orders manifest");
    assert_eq!(
        std::fs::read_to_string(repo.join("platform/orders/orders.privacy.yaml")).unwrap(),
        content
    );

    let pr = run_json(privgate(repo.path()).args(["check", "--changed-since", "HEAD~1"]));
    assert_eq!(pr.code, 0, "{}", pr.stderr);
    assert_eq!(ids(&pr.json["changes"]["new"]), BTreeSet::new());
    assert_eq!(ids(&pr.json["changes"]["fixed"]), BTreeSet::new());
    assert_eq!(pr.json["changes"]["score_delta"].as_f64(), Some(0.0));
    for f in pr.json["findings"].as_array().unwrap() {
        assert_eq!(f["file"], "platform/orders/orders.privacy.yaml");
    }
    assert_eq!(
        ids(&pr.json["findings"]),
        no_retention("ds-old").into_iter().collect()
    );

    // Moving the declaration to another line (and file) is not new either.
    repo.mv("platform/orders/orders.privacy.yaml", "privacy.yaml");
    repo.commit_files(
        &[(
            "privacy.yaml",
            manifest(&[
                dataset("ds-z", Some("P3Y")),
                dataset("ds-old", None),
                dataset("ds-a", Some("P1Y")),
            ]),
        )],
        "reorder",
    );
    let pr = run_json(privgate(repo.path()).args(["check", "--changed-since", "HEAD~2"]));
    assert_eq!(pr.code, 0, "{}", pr.stderr);
    assert_eq!(ids(&pr.json["changes"]["new"]), BTreeSet::new());
    assert_eq!(ids(&pr.json["changes"]["fixed"]), BTreeSet::new());
}

/// `score = 100 * passing weight / all weight`, one decimal (cli.md).
fn formula(checks: &[(u32, bool)]) -> f64 {
    let all: u32 = checks.iter().map(|(w, _)| w).sum();
    let passed: u32 = checks.iter().filter(|(_, p)| *p).map(|(w, _)| w).sum();
    (1000.0 * f64::from(passed) / f64::from(all)).round() / 10.0
}

#[test]
fn the_score_delta_is_head_minus_base_by_the_formula() {
    const HIGH: u32 = 5;
    const MEDIUM: u32 = 2;
    // The repository's five checks, all passing (rules v2).
    let repository = [
        (MEDIUM, true), // gdpr.record-of-processing  repository (controller named)
        (HIGH, true),   // gdpr.data-subject-rights   repository
        (HIGH, true),   // gdpr.breach-notification   repository
        (MEDIUM, true), // gdpr.breach-register       repository
        (MEDIUM, true), // gdpr.breach-communication  repository
    ];
    // A dataset kept for `period`, in DE: retention-defined, retention-limit
    // (period <= P10Y), erasure-mechanism, transfer-destination.
    let kept = |within_limit: bool| {
        [
            (HIGH, true),
            (MEDIUM, within_limit),
            (HIGH, true),
            (HIGH, true),
        ]
    };
    // Base: ds-a retained one year, ds-old without retention.
    let repo = repo_with(&[(
        "services/a/privacy.yaml",
        manifest(&[dataset("ds-a", Some("P1Y")), dataset("ds-old", None)]),
    )]);
    let base_checks: Vec<(u32, bool)> = [
        &repository[..],
        &kept(true)[..],
        // ds-old: retention-defined and erasure-mechanism fail,
        // retention-limit needs a period, transfer-destination passes.
        &[(HIGH, false), (HIGH, false), (HIGH, true)][..],
    ]
    .concat();
    // Head: ds-old fixed with P2Y; ds-long kept twenty years (over P10Y).
    repo.commit_files(
        &[(
            "services/a/privacy.yaml",
            manifest(&[
                dataset("ds-a", Some("P1Y")),
                dataset("ds-old", Some("P2Y")),
                dataset("ds-long", Some("P20Y")),
            ]),
        )],
        "retention",
    );
    let head_checks: Vec<(u32, bool)> = [
        &repository[..],
        &kept(true)[..],
        &kept(true)[..],
        &kept(false)[..],
    ]
    .concat();
    let (base, head) = (formula(&base_checks), formula(&head_checks));
    // 100 * 38/48 = 79.166... -> 79.2 and 100 * 65/67 = 97.014... -> 97.0
    assert_eq!((base, head), (79.2, 97.0));

    let pr = run_json(privgate(repo.path()).args(["check", "--changed-since", "HEAD~1"]));
    assert_eq!(pr.code, 0, "{}", pr.stderr);
    assert_eq!(pr.json["summary"]["checks"], head_checks.len());
    assert_eq!(pr.json["score"]["overall"].as_f64(), Some(head));
    assert_eq!(
        pr.json["score"]["by_regulation"]["gdpr"].as_f64(),
        Some(head)
    );
    let changes = &pr.json["changes"];
    assert_eq!(changes["base_score"].as_f64(), Some(base));
    assert_eq!(changes["score_delta"].as_f64(), Some(17.8));
    assert_eq!(
        ids(&changes["new"]),
        set(&[("gdpr.retention-limit", "dataset:ds-long")])
    );
    assert_eq!(
        ids(&changes["fixed"]),
        no_retention("ds-old").into_iter().collect()
    );

    // A negative delta: one more dataset kept too long.
    repo.commit_files(
        &[(
            "services/a/privacy.yaml",
            manifest(&[
                dataset("ds-a", Some("P1Y")),
                dataset("ds-old", Some("P2Y")),
                dataset("ds-long", Some("P20Y")),
                dataset("ds-long2", Some("P15Y")),
            ]),
        )],
        "another long one",
    );
    let mut newer_checks = head_checks.clone();
    newer_checks.extend(kept(false));
    let newer = formula(&newer_checks);
    assert_eq!(newer, 95.2); // 100 * 80/84 = 95.238...
    let pr = run_json(privgate(repo.path()).args(["check", "--changed-since", "HEAD~1"]));
    assert_eq!(pr.json["score"]["overall"].as_f64(), Some(newer));
    assert_eq!(pr.json["changes"]["base_score"].as_f64(), Some(head));
    assert_eq!(pr.json["changes"]["score_delta"].as_f64(), Some(-1.8));
    assert_eq!(
        ids(&pr.json["changes"]["new"]),
        set(&[("gdpr.retention-limit", "dataset:ds-long2")])
    );
    // Only a medium finding is new: fail_on high does not fail.
    assert_eq!(pr.code, 0, "{}", pr.stderr);
}

#[test]
fn min_score_still_applies_to_the_head_in_pull_request_mode() {
    let repo = repo_with(&[(
        "services/a/privacy.yaml",
        manifest(&[dataset("ds-a", Some("P1Y"))]),
    )]);
    // A medium finding only: 100 * 48/50 = 96.0 (the base scored 100).
    repo.write(&[(
        "services/a/privacy.yaml",
        manifest(&[
            dataset("ds-a", Some("P1Y")),
            dataset("ds-long", Some("P20Y")),
        ]),
    )]);
    let failing = run_json(privgate(repo.path()).args([
        "check",
        "--changed-since",
        "HEAD",
        "--min-score",
        "96.1",
    ]));
    assert_eq!(failing.code, 1, "{}", failing.stderr);
    assert_eq!(failing.json["score"]["overall"].as_f64(), Some(96.0));
    assert_eq!(failing.json["changes"]["base_score"].as_f64(), Some(100.0));
    assert_eq!(
        failing.json["gate"]["reasons"],
        serde_json::json!(["score 96 is below the minimum 96.1"])
    );
    let at_minimum = run_json(privgate(repo.path()).args([
        "check",
        "--changed-since",
        "HEAD",
        "--min-score",
        "96",
    ]));
    assert_eq!(at_minimum.code, 0, "{}", at_minimum.stderr);
    assert_eq!(at_minimum.json["gate"]["min_score"].as_f64(), Some(96.0));

    // From the config too, with no new findings at all.
    repo.commit_files(
        &[(
            "privgate.yaml",
            CONFIG.replace("min_score: 0", "min_score: 96.1"),
        )],
        "raise the bar",
    );
    let unchanged = run_json(privgate(repo.path()).args(["check", "--changed-since", "HEAD"]));
    assert_eq!(unchanged.code, 1, "{}", unchanged.stderr);
    assert_eq!(ids(&unchanged.json["changes"]["new"]), BTreeSet::new());
    assert_eq!(
        unchanged.json["gate"]["reasons"],
        serde_json::json!(["score 96 is below the minimum 96.1"])
    );
}

#[test]
fn removing_a_waiver_makes_its_finding_count_as_new() {
    let waived = format!(
        "{CONFIG}waivers:\n  - rule: gdpr.retention-defined\n    target: dataset:ds-old\n    reason: migration, ticket PRIV-7\n    approved_by: dpo@example.com\n    expires: 2027-01-31\n  - rule: gdpr.erasure-mechanism\n    target: dataset:ds-old\n    reason: migration, ticket PRIV-7\n    approved_by: dpo@example.com\n    expires: 2027-01-31\n"
    );
    let repo = Repo::new();
    let mut all = scaffold("");
    all[0].1 = waived;
    all.push((
        "services/a/privacy.yaml".into(),
        manifest(&[dataset("ds-old", None)]),
    ));
    repo.commit_files(&files(&all), "base with a waiver");
    let base = run_json(privgate(repo.path()).arg("check"));
    assert_eq!(base.code, 0, "{}", base.stderr);

    repo.write(&[("privgate.yaml", CONFIG)]);
    let pr = run_json(privgate(repo.path()).args(["check", "--changed-since", "HEAD"]));
    assert_eq!(pr.code, 1, "{}", pr.stderr);
    assert_eq!(
        ids(&pr.json["changes"]["new"]),
        no_retention("ds-old").into_iter().collect()
    );
    assert_eq!(
        pr.json["gate"]["reasons"],
        serde_json::json!(["2 new high findings"])
    );
    assert!(pr.json["changes"]["score_delta"].as_f64().unwrap() < 0.0);

    // Adding the waiver back is the reverse: nothing new, and the gate passes.
    repo.commit_files(&[("privgate.yaml", CONFIG)], "drop the waiver");
    repo.write(&[("privgate.yaml", &all[0].1)]);
    let pr = run_json(privgate(repo.path()).args(["check", "--changed-since", "HEAD"]));
    assert_eq!(pr.code, 0, "{}", pr.stderr);
    assert_eq!(ids(&pr.json["changes"]["new"]), BTreeSet::new());
}

#[test]
fn a_base_before_privgate_counts_every_finding_as_new() {
    let repo = Repo::new();
    repo.commit_files(&[("README.md", "# shop\n")], "before privacy manifests");
    let mut all = scaffold("");
    all.push((
        "services/a/privacy.yaml".into(),
        manifest(&[dataset("ds-old", None)]),
    ));
    repo.commit_files(&files(&all), "adopt privgate");
    let pr = run_json(privgate(repo.path()).args(["check", "--changed-since", "HEAD~1"]));
    assert_eq!(pr.code, 1, "{}", pr.stderr);
    assert_eq!(
        ids(&pr.json["changes"]["new"]),
        no_retention("ds-old").into_iter().collect()
    );
    assert_eq!(pr.json["changes"]["base_score"].as_f64(), Some(100.0));
}

// ------------------------------------------------------------- errors

#[test]
fn an_unknown_revision_is_a_clear_error() {
    let repo = repo_with(&[(
        "services/a/privacy.yaml",
        manifest(&[dataset("ds-a", Some("P1Y"))]),
    )]);
    let out = privgate(repo.path())
        .args(["check", "--changed-since", "nope", "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty(), "stdout must carry nothing on errors");
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.contains("`nope` does not name a commit"), "{stderr}");
    assert!(
        stderr.contains("origin/main"),
        "the help says what to pass: {stderr}"
    );

    // A repository without commits has no branch to compare with yet...
    let empty = Repo::new();
    empty.write(&files(&scaffold("")));
    empty.write(&[(
        "services/a/privacy.yaml",
        manifest(&[dataset("ds-a", None)]),
    )]);
    let out = privgate(empty.path())
        .args(["check", "--changed-since", "main"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.contains("`main` does not name a commit: the repository has no commits yet"),
        "{stderr}"
    );
    // ...but HEAD there is the empty tree, so a hook's
    // `--staged --changed-since HEAD` judges the first commit on all it adds.
    empty.stage_all();
    let first =
        run_json(privgate(empty.path()).args(["check", "--staged", "--changed-since", "HEAD"]));
    assert_eq!(first.code, 1, "{}", first.stderr);
    assert_eq!(
        ids(&first.json["changes"]["new"]),
        ids(&first.json["findings"])
    );
    assert!(ids(&first.json["findings"]).is_superset(&no_retention("ds-a").into_iter().collect()));
}

#[test]
fn git_modes_outside_a_repository_exit_2() {
    let dir = tempfile::Builder::new()
        .prefix("privgate-nogit-")
        .tempdir()
        .unwrap();
    if git2::Repository::discover(dir.path()).is_ok() {
        println!(
            "skipped: the temporary directory {} is inside a git repository",
            dir.path().display()
        );
        return;
    }
    for (p, c) in scaffold("") {
        let full = dir.path().join(p);
        std::fs::create_dir_all(full.parent().unwrap()).unwrap();
        std::fs::write(full, c).unwrap();
    }
    // The directory itself is checkable...
    privgate(dir.path()).arg("check").assert().code(0);
    // ...but not as staged content or against a revision.
    for args in [
        &["check", "--staged"][..],
        &["check", "--changed-since", "HEAD"][..],
    ] {
        let out = privgate(dir.path()).args(args).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let stderr = String::from_utf8(out.stderr).unwrap();
        assert!(
            stderr.contains("is not inside a git repository"),
            "{args:?}: {stderr}"
        );
        assert!(
            stderr.contains("--staged, --changed-since"),
            "{args:?}: {stderr}"
        );
    }
}

// ------------------------------------------- PATH is a subdirectory

#[test]
fn a_subdirectory_root_works_in_both_modes() {
    let repo = Repo::new();
    let mut all = scaffold("apps/privacy/");
    all.push((
        "apps/privacy/services/a/privacy.yaml".into(),
        manifest(&[dataset("ds-a", Some("P1Y"))]),
    ));
    // Outside the root, including a sibling whose name extends the root's.
    all.push(("privacy.yaml".into(), manifest(&[dataset("ds-top", None)])));
    all.push((
        "apps/privacy-extra/privacy.yaml".into(),
        manifest(&[dataset("ds-sibling", None)]),
    ));
    all.push((
        "apps/privacy-extra/privgate.yaml".into(),
        "version: 1\nbogus: true\n".into(),
    ));
    repo.commit_files(&files(&all), "base");
    let changed = manifest(&[dataset("ds-a", Some("P1Y")), dataset("ds-new", None)]);
    repo.write(&[("apps/privacy/services/a/privacy.yaml", &changed)]);
    repo.stage(&["apps/privacy/services/a/privacy.yaml"]);

    let root_abs = repo.join("apps/privacy");
    let invocations: Vec<(std::path::PathBuf, String)> = vec![
        (repo.path().to_path_buf(), "apps/privacy".into()),
        (repo.path().to_path_buf(), root_abs.display().to_string()),
        (root_abs.clone(), ".".into()),
        (repo.join("apps"), "privacy".into()),
    ];
    for (cwd, path) in &invocations {
        for mode in [&["--staged"][..], &["--changed-since", "HEAD"][..]] {
            let run = run_json(privgate(cwd).arg("check").arg(path).args(mode));
            let what = format!("cwd {} path {path} {mode:?}", cwd.display());
            assert_eq!(run.code, 1, "{what}: {}", run.stderr);
            assert_eq!(run.json["summary"]["manifests"], 2, "{what}");
            assert_eq!(
                ids(&run.json["findings"]),
                no_retention("ds-new").into_iter().collect(),
                "{what}"
            );
            for f in run.json["findings"].as_array().unwrap() {
                assert_eq!(
                    f["file"], "services/a/privacy.yaml",
                    "{what}: paths are relative to the root"
                );
                assert_eq!(f["line"], line_of(&changed, "id: ds-new"), "{what}");
            }
            if mode[0] == "--changed-since" {
                assert_eq!(
                    ids(&run.json["changes"]["new"]),
                    no_retention("ds-new").into_iter().collect(),
                    "{what}"
                );
            }
        }
    }
}

#[test]
fn a_base_that_does_not_validate_counts_every_finding_as_new() {
    let repo = repo_with(&[(
        "services/a/privacy.yaml",
        "version: 1\ndatasets: [\n".to_string(),
    )]);
    repo.write(&[(
        "services/a/privacy.yaml",
        manifest(&[dataset("ds-a", None)]),
    )]);
    let pr = run_json(privgate(repo.path()).args(["check", "--changed-since", "HEAD"]));
    assert_eq!(pr.code, 1, "{}", pr.stderr);
    assert_eq!(
        ids(&pr.json["changes"]["new"]),
        no_retention("ds-a").into_iter().collect()
    );
    let warnings = pr.json["warnings"].as_array().unwrap();
    assert!(
        warnings.iter().any(|w| w
            .as_str()
            .unwrap()
            .contains("the base `HEAD` does not validate")),
        "{warnings:?}"
    );
    assert!(
        pr.stderr
            .contains("warning: the base `HEAD` does not validate"),
        "{}",
        pr.stderr
    );
    // The readable outputs show no delta against a base that has no score
    // (JSON keeps cli.md's numbers, qualified by the warning).
    let human = privgate(repo.path())
        .args(["check", "--changed-since", "HEAD"])
        .output()
        .unwrap();
    let human = String::from_utf8_lossy(&human.stdout);
    assert!(
        human.contains(" no delta (the base could not be checked"),
        "{human}"
    );
    let md = privgate(repo.path())
        .args(["check", "--changed-since", "HEAD", "--format", "markdown"])
        .output()
        .unwrap();
    let md = String::from_utf8_lossy(&md.stdout);
    assert!(md.contains("no delta: the base `HEAD` at "), "{md}");
    assert!(!md.contains('▲'), "{md}");
}

#[test]
fn staged_and_changed_since_together_gate_a_commit_on_what_it_adds() {
    // Legacy debt in HEAD must not block a commit that adds nothing bad.
    let repo = repo_with(&[(
        "services/old/privacy.yaml",
        manifest(&[dataset("ds-old", None)]),
    )]);
    repo.write(&[(
        "services/new/privacy.yaml",
        manifest(&[dataset("ds-new", Some("P1Y"))]),
    )]);
    repo.stage(&["services/new/privacy.yaml"]);
    repo.write(&[(
        "services/wip/privacy.yaml",
        manifest(&[dataset("ds-unstaged", None)]),
    )]);
    let ok = run_json(privgate(repo.path()).args(["check", "--staged", "--changed-since", "HEAD"]));
    assert_eq!(ok.code, 0, "{}", ok.stderr);
    assert_eq!(
        ids(&ok.json["findings"]),
        no_retention("ds-old").into_iter().collect()
    );
    assert_eq!(ids(&ok.json["changes"]["new"]), BTreeSet::new());

    // A staged violation is new and fails.
    repo.write(&[(
        "services/new/privacy.yaml",
        manifest(&[dataset("ds-new", None)]),
    )]);
    repo.stage(&["services/new/privacy.yaml"]);
    let bad =
        run_json(privgate(repo.path()).args(["check", "--staged", "--changed-since", "HEAD"]));
    assert_eq!(bad.code, 1, "{}", bad.stderr);
    assert_eq!(
        ids(&bad.json["changes"]["new"]),
        no_retention("ds-new").into_iter().collect()
    );
}

/// Links read as the file they point to inside the root, and are left out
/// when they point outside it or nowhere: the same in the work tree, the
/// index and a commit.
#[cfg(unix)]
#[test]
fn symbolic_links_read_the_same_in_every_mode() {
    let repo = Repo::new();
    let mut all = scaffold("app/");
    all.push((
        "app/shared/orders.yaml".into(),
        manifest(&[dataset("ds-linked", None)]),
    ));
    all.push((
        "app/shared/billing.yaml".into(),
        manifest(&[dataset("ds-billing", None)]),
    ));
    all.push((
        "outside/privacy.yaml".into(),
        manifest(&[dataset("ds-outside", None)]),
    ));
    repo.write(&files(&all));
    let link = |target: &str, path: &str| {
        let full = repo.join(path);
        std::fs::create_dir_all(full.parent().unwrap()).unwrap();
        std::os::unix::fs::symlink(target, full).unwrap();
    };
    link("../shared/orders.yaml", "app/svc/privacy.yaml"); // inside the root
    link("../outside/privacy.yaml", "app/escape.privacy.yaml"); // out of the root
    link("missing.yaml", "app/dangling.privacy.yaml"); // to nothing
    link("shared", "app/alias"); // a directory link in the middle of a path
    link("../alias/billing.yaml", "app/other/via-dir.privacy.yaml");
    repo.stage_all();
    repo.commit("links");
    let entry = repo
        .repo
        .index()
        .unwrap()
        .get_path(std::path::Path::new("app/svc/privacy.yaml"), 0)
        .unwrap();
    assert_eq!(entry.mode, 0o120000, "git stores a link, not a copy");

    let app = repo.join("app");
    for mode in [&[][..], &["--staged"][..], &["--changed-since", "HEAD"][..]] {
        let run = run_json(privgate(&app).arg("check").args(mode));
        // Against HEAD nothing is new, so only that mode passes the gate.
        assert_eq!(
            run.code,
            if mode.is_empty() || mode[0] == "--staged" {
                1
            } else {
                0
            },
            "{mode:?}: {}",
            run.stderr
        );
        let mut files: Vec<&str> = run.json["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["file"].as_str().unwrap())
            .collect();
        files.dedup();
        assert_eq!(
            files,
            ["other/via-dir.privacy.yaml", "svc/privacy.yaml"],
            "{mode:?}"
        );
        assert_eq!(run.json["summary"]["manifests"], 3, "{mode:?}");
        // The manifests left out are named, not dropped silently.
        let left_out: Vec<&str> = run.json["warnings"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|w| w.as_str()?.split_once(": a symbolic link out of"))
            .map(|(file, _)| file)
            .collect();
        assert_eq!(
            left_out,
            ["dangling.privacy.yaml", "escape.privacy.yaml"],
            "{mode:?}: {}",
            run.json["warnings"]
        );
        let mut expected = no_retention("ds-linked");
        expected.extend(no_retention("ds-billing"));
        assert_eq!(
            ids(&run.json["findings"]),
            expected.into_iter().collect(),
            "{mode:?}"
        );
    }
}

/// The base check is skipped when the base has the very same inputs; it must
/// not be skipped when only a document (not a manifest) differs.
#[test]
fn a_pull_request_without_privacy_changes_reuses_the_head_and_a_deleted_document_still_counts() {
    let repo = repo_with(&[("svc/privacy.yaml", manifest(&[dataset("users", None)]))]);
    repo.write(&[("README.md", "unrelated change\n")]);
    let run = run_json(privgate(repo.path()).args(["check", "--changed-since", "HEAD"]));
    let changes = &run.json["changes"];
    assert_eq!(changes["score_delta"], 0.0);
    assert_eq!(changes["base_score"], run.json["score"]["overall"]);
    assert!(changes["new"].as_array().unwrap().is_empty());
    assert!(changes["fixed"].as_array().unwrap().is_empty());
    // Old findings only: fail_on counts new ones, so the gate passes.
    assert_eq!(run.code, 0, "{}", run.stderr);

    // Deleting the breach plan changes no manifest but breaks a rule.
    repo.remove("docs/breach.md");
    let run = run_json(privgate(repo.path()).args(["check", "--changed-since", "HEAD"]));
    let new = ids(&run.json["changes"]["new"]);
    assert_eq!(
        new,
        set(&[("gdpr.breach-notification", "repository")]),
        "{}",
        run.stderr
    );
    // Rules v2: a missing breach plan is high (Art. 33), so the gate fails.
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(
        run.json["gate"]["reasons"],
        serde_json::json!(["1 new high finding"])
    );
}

#[test]
fn a_pull_request_that_only_changes_an_organisation_pack_is_compared_in_full() {
    let pack = |violation: &str| {
        format!(
            "version: 1
pack: acme
regulation: acme
title: Acme internal privacy policy
citation_prefix: Acme Policy
rules:
  - id: acme.dataset-location
    citation: PRIV-1
    severity: high
    title: Datasets say where they are
    rationale: Transfers start with knowing where data is.
    remediation: Set location.
    example: \"datasets: [{{ id: d, location: DE }}]\"
    checks:
      - target: dataset
        violation: {violation}
        message: dataset `{{id}}` has no location
"
        )
    };
    let config = format!("{CONFIG}rulepacks: [policies/*.yaml]\n");
    let repo = repo_with(&[
        ("privgate.yaml", config),
        ("policies/acme.yaml", pack("\"false\"")),
        (
            "services/a/privacy.yaml",
            manifest(&[dataset("ds-a", Some("P1Y")).replace("    location: DE\n", "")]),
        ),
    ]);
    // Unchanged: nothing new (the head's result stands for the base).
    let same = run_json(privgate(repo.path()).args(["check", "--changed-since", "HEAD"]));
    assert_eq!(same.code, 0, "{}", same.stderr);
    assert_eq!(ids(&same.json["changes"]["new"]), BTreeSet::new());
    // The pack alone changes and now fires: the finding is new.
    repo.write(&[("policies/acme.yaml", pack("dataset.location == null"))]);
    let pr = run_json(privgate(repo.path()).args(["check", "--changed-since", "HEAD"]));
    assert_eq!(pr.code, 1, "{}", pr.stderr);
    assert_eq!(
        ids(&pr.json["changes"]["new"]),
        set(&[("acme.dataset-location", "dataset:ds-a")])
    );
}

#[test]
fn excluding_a_manifest_in_a_pull_request_is_not_a_fix() {
    let repo = repo_with(&[
        (
            "services/a/privacy.yaml",
            manifest(&[dataset("ds-a", Some("P2Y"))]),
        ),
        (
            "services/b/privacy.yaml",
            manifest(&[dataset("ds-b", None)]),
        ),
    ]);
    // The PR leaves b's violation as it is, and stops checking b.
    repo.commit_files(
        &[(
            "privgate.yaml",
            format!("{CONFIG}exclude: [\"services/b/**\"]\n"),
        )],
        "exclude b",
    );
    let pr = run_json(privgate(repo.path()).args(["check", "--changed-since", "HEAD~1"]));
    let changes = &pr.json["changes"];
    assert_eq!(ids(&changes["fixed"]), BTreeSet::new(), "{changes}");
    let warnings = pr.json["warnings"].to_string();
    assert!(
        warnings.contains(
            "a manifest checked on the base `HEAD~1` is still here but no longer checked (excluded, or outside `manifests:`): services/b/privacy.yaml"
        ),
        "{warnings}"
    );
    // Deleting the manifest instead is a real removal: its findings are gone.
    repo.commit_files(&[("privgate.yaml", CONFIG.to_string())], "include b again");
    repo.remove("services/b/privacy.yaml");
    repo.stage(&["services/b/privacy.yaml"]);
    repo.commit("delete b");
    let pr = run_json(privgate(repo.path()).args(["check", "--changed-since", "HEAD~1"]));
    assert_eq!(
        ids(&pr.json["changes"]["fixed"]),
        no_retention("ds-b").into_iter().collect()
    );
    assert!(!pr.json["warnings"]
        .to_string()
        .contains("no longer checked"));
}

#[test]
fn run_below_the_config_privgate_says_which_config_it_is_not_reading() {
    let repo = repo_with(&[(
        "services/a/privacy.yaml",
        manifest(&[dataset("ds-a", Some("P1Y"))]),
    )]);
    let below = repo.join("services/a");
    for args in [&["check"][..], &["check", "--staged"], &["validate"]] {
        let out = privgate(&below).args(args).output().unwrap();
        let stderr = String::from_utf8(out.stderr).unwrap();
        assert!(
            stderr.contains("the root has no privgate.yaml, but `../../privgate.yaml` is above it"),
            "{args:?}: {stderr}"
        );
        assert!(
            stderr.contains("privgate check ../.."),
            "{args:?}: {stderr}"
        );
    }
    // From the top, or with a config of its own, nothing to say.
    let top = privgate(repo.path()).arg("check").output().unwrap();
    assert!(!String::from_utf8(top.stderr)
        .unwrap()
        .contains("is above it"));
    repo.write(&[("services/a/privgate.yaml", "version: 1\n")]);
    let own = privgate(&below).arg("check").output().unwrap();
    assert!(!String::from_utf8(own.stderr)
        .unwrap()
        .contains("is above it"));
}

// ------------------------------------------- declared vs. used (issue 17)

/// A system `web` with a clean dataset, and a vendor `stripe` with a flow to
/// it: what the repositories below start from.
fn web_service() -> String {
    format!(
        "version: 1\nsystem: {{ id: web, owner: web@test.example }}\ndatasets:\n{}vendors:\n  - id: stripe\n    role: processor\n    country: DE\n    contract: {{ type: dpa, signed: 2026-01-01 }}\n    assessment: {{ date: 2026-06-01, result: approved }}\n    deletion_propagation: true\nflows:\n  - id: web-to-stripe\n    from: web\n    to: stripe\n    categories: [system.operations]\n",
        dataset("web-db", Some("P1Y"))
    )
}

const PACKAGE_JSON: &str =
    "{\n  \"name\": \"web\",\n  \"dependencies\": {\n    \"stripe\": \"^14.0.0\"\n  }\n}\n";

const PACKAGE_JSON_WITH_SENTRY: &str = "{\n  \"name\": \"web\",\n  \"dependencies\": {\n    \"stripe\": \"^14.0.0\",\n    \"@sentry/node\": \"^8.0.0\"\n  }\n}\n";

#[test]
fn a_pull_request_that_adds_an_undeclared_sdk_shows_it_as_new_at_its_line() {
    let repo = repo_with(&[
        ("services/web/privacy.yaml", web_service()),
        ("services/web/package.json", PACKAGE_JSON.to_string()),
    ]);
    // Only a dependency file changes: the base cannot be taken for the head.
    repo.commit_files(
        &[("services/web/package.json", PACKAGE_JSON_WITH_SENTRY)],
        "add sentry",
    );
    let pr = run_json(privgate(repo.path()).args(["check", "--changed-since", "HEAD~1"]));
    assert_eq!(pr.code, 1, "{}", pr.stderr);
    let changes = &pr.json["changes"];
    assert_eq!(
        ids(&changes["new"]),
        set(&[("gdpr.undeclared-vendor", "dependency:web/sentry")])
    );
    assert_eq!(ids(&changes["fixed"]), BTreeSet::new());
    let f = &changes["new"][0];
    assert_eq!(f["file"], "services/web/package.json");
    assert_eq!(f["line"], line_of(PACKAGE_JSON_WITH_SENTRY, "@sentry/node"));
    assert_eq!(f["column"], 6);
    assert!(changes["score_delta"].as_f64().unwrap() < 0.0, "{changes}");
    assert_eq!(
        pr.json["gate"]["reasons"],
        serde_json::json!(["1 new high finding"])
    );

    // Declaring the vendor in the same pull request fixes it.
    repo.write(&[(
        "privacy/sentry.privacy.yaml",
        "version: 1\nvendors:\n  - id: errors\n    catalog: sentry\n    role: processor\n",
    )]);
    let fixed = run_json(privgate(repo.path()).args(["check", "--changed-since", "HEAD~1"]));
    let new = ids(&fixed.json["changes"]["new"]);
    assert!(
        !new.contains(&(
            "gdpr.undeclared-vendor".to_string(),
            "dependency:web/sentry".to_string()
        )),
        "{new:?}"
    );
}

#[test]
fn a_pull_request_that_removes_an_sdk_fixes_its_finding() {
    let repo = repo_with(&[
        ("services/web/privacy.yaml", web_service()),
        (
            "services/web/package.json",
            PACKAGE_JSON_WITH_SENTRY.to_string(),
        ),
    ]);
    repo.commit_files(
        &[("services/web/package.json", PACKAGE_JSON)],
        "drop sentry",
    );
    let pr = run_json(privgate(repo.path()).args(["check", "--changed-since", "HEAD~1"]));
    assert_eq!(pr.code, 0, "{}", pr.stderr);
    assert_eq!(
        ids(&pr.json["changes"]["fixed"]),
        set(&[("gdpr.undeclared-vendor", "dependency:web/sentry")])
    );
}

#[test]
fn staged_catches_an_sdk_on_the_commit_that_adds_it_and_not_one_left_unstaged() {
    let repo = repo_with(&[
        ("services/web/privacy.yaml", web_service()),
        ("services/web/package.json", PACKAGE_JSON.to_string()),
    ]);
    // Added in the work tree only: the commit would not hold it.
    repo.write(&[("services/web/package.json", PACKAGE_JSON_WITH_SENTRY)]);
    let unstaged = run_json(privgate(repo.path()).args(["check", "--staged"]));
    assert_eq!(unstaged.code, 0, "{}", unstaged.stderr);
    assert_eq!(ids(&unstaged.json["findings"]), BTreeSet::new());
    // Staged: the commit that adds it is stopped, pointing at its line.
    repo.stage(&["services/web/package.json"]);
    let staged = run_json(privgate(repo.path()).args(["check", "--staged"]));
    assert_eq!(staged.code, 1, "{}", staged.stderr);
    assert_eq!(
        ids(&staged.json["findings"]),
        set(&[("gdpr.undeclared-vendor", "dependency:web/sentry")])
    );
    let f = &staged.json["findings"][0];
    assert_eq!(f["file"], "services/web/package.json");
    assert_eq!(f["line"], line_of(PACKAGE_JSON_WITH_SENTRY, "@sentry/node"));
    // Staged, then taken back out of the work tree: still committed.
    repo.write(&[("services/web/package.json", PACKAGE_JSON)]);
    let still = run_json(privgate(repo.path()).args(["check", "--staged"]));
    assert_eq!(still.code, 1, "{}", still.stderr);
}
