//! Helpers shared by the integration tests: build a repository in a temp
//! directory and run the library pipeline on it.

#![allow(dead_code)]

use privgate::diagnostic::Diagnostic;
use privgate::evaluate::{self, GateFlags};
use privgate::load::tree::WorkTree;
use privgate::load::LoadOptions;
use privgate::report::Report;
use std::path::Path;

pub const TODAY: &str = "2026-11-23";

/// The longest one privgate run in a test may take before it is killed and
/// the test fails, so a hang (a deadlock, a loop) fails its test instead of
/// holding CI to its limit. Far above the slowest honest run (the
/// 10,000-commit trend, in a debug build, on a loaded machine).
pub const RUN_LIMIT: std::time::Duration = std::time::Duration::from_secs(300);

/// The privgate binary built for the tests, killed after `RUN_LIMIT`.
pub fn privgate() -> assert_cmd::Command {
    let mut cmd =
        assert_cmd::Command::cargo_bin("privgate").expect("cargo builds privgate for its tests");
    cmd.timeout(RUN_LIMIT);
    cmd
}

/// An organisation's rule pack with one rule on systems (their owner is a
/// team address), for the tests of organisation packs.
pub const ORG_PACK: &str = "version: 1
pack: acme
regulation: acme
title: Acme internal privacy policy
citation_prefix: Acme Policy
rules:
  - id: acme.owner-is-team-address
    citation: PRIV-4.2
    severity: high
    title: Systems are owned by a team mailbox
    rationale: People leave; team mailboxes stay.
    remediation: Use a team address such as team-payments@acme.example as owner.
    example: \"system: { id: checkout, owner: team-payments@acme.example }\"
    checks:
      - target: system
        violation: system.owner == null || !system.owner.startsWith('team-')
        message: system `{id}` is not owned by a team mailbox
";

/// Writes `files` (path -> content) under `dir`.
pub fn write_files<'a>(dir: &Path, files: impl IntoIterator<Item = (&'a str, &'a str)>) {
    for (path, content) in files {
        let full = dir.join(path);
        std::fs::create_dir_all(full.parent().unwrap()).unwrap();
        std::fs::write(full, content).unwrap();
    }
}

/// Runs validate + check on a directory; Err holds every diagnostic.
pub fn check_dir(dir: &Path, today: &str) -> Result<Report, Vec<Diagnostic>> {
    check_dir_with(dir, today, GateFlags::default())
}

/// `check_dir` with gate flags: the same entry point as `privgate check`
/// (`evaluate::check_tree`), with the root labelled `.`.
pub fn check_dir_with(dir: &Path, today: &str, gate: GateFlags) -> Result<Report, Vec<Diagnostic>> {
    let tree = WorkTree::open(dir).map_err(|d| vec![d])?;
    let today = privgate::time::parse_date(today).unwrap();
    let mut checked =
        evaluate::check_tree(&tree, &LoadOptions::default(), today, gate).map_err(|(_, d)| d)?;
    checked.report.root = ".".into();
    Ok(checked.report)
}

pub fn codes(diags: &[Diagnostic]) -> Vec<String> {
    diags
        .iter()
        .map(|d| format!("{}: {}", d.code, d.message))
        .collect()
}

/// Copies the directory tree `from` to `to`.
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// The files of a repository for the grade cap: `ORG_PACK`'s rule at
/// `severity`, the only regulation, and `systems` manifests of one system
/// each, the first `failing` of them owned by a person (one finding each),
/// the rest by a team mailbox. With `waive`, the first finding is waived.
/// The gate never fails on findings. 19 of 20 passing is 95.0, an A
/// before the cap.
pub fn grade_cap_files(
    severity: &str,
    systems: usize,
    failing: usize,
    waive: bool,
) -> Vec<(String, String)> {
    let mut config =
        "version: 1\nregulations: [acme]\nrulepacks: [org.yaml]\ngate: { fail_on: none }\n"
            .to_string();
    if waive {
        config.push_str(
            "waivers:
  - rule: acme.owner-is-team-address
    target: system:s01
    reason: Owner leaves in March, team mailbox requested (IT-77)
    approved_by: dpo@acme.example
    expires: 2027-03-31
",
        );
    }
    let mut files = vec![
        ("privgate.yaml".to_string(), config),
        (
            "org.yaml".to_string(),
            ORG_PACK.replace("severity: high", &format!("severity: {severity}")),
        ),
    ];
    for i in 1..=systems {
        let owner = if i <= failing {
            "alice@acme.example"
        } else {
            "team-platform@acme.example"
        };
        files.push((
            format!("s{i:02}/privacy.yaml"),
            format!("version: 1\nsystem: {{ id: s{i:02}, owner: {owner} }}\n"),
        ));
    }
    files
}

/// `grade_cap_files` written to a new temporary directory.
pub fn grade_cap_repo(
    severity: &str,
    systems: usize,
    failing: usize,
    waive: bool,
) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let files = grade_cap_files(severity, systems, failing, waive);
    write_files(
        dir.path(),
        files.iter().map(|(p, c)| (p.as_str(), c.as_str())),
    );
    dir
}
