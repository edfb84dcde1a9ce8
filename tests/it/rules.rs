//! Every rule of every built-in pack fires on a fixture and stays quiet on
//! the edge just inside it. Fixtures: `tests/rules/<rule-id>.yaml`, each
//! with cases of the form
//!
//! ```yaml
//! rule: gdpr.lawful-basis
//! cases:
//!   - name: a purpose with personal data and no basis
//!     expect: fire            # or quiet
//!     target: purpose:p1      # where it fires / must stay quiet
//!     today: 2026-11-23       # optional
//!     message: declares no    # optional: text the finding's message holds
//!     at: privacy.yaml:3:5    # optional: where the finding points (file:line:col)
//!     files: { privacy.yaml: "version: 1\n..." }
//! ```
//!
//! `PRIVGATE_RULE=gdpr.child-consent cargo test --test it rules::` runs one
//! rule's fixtures only (while writing them).

use crate::common;

use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::PathBuf;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Fixture {
    rule: String,
    cases: Vec<Case>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    name: String,
    expect: String,
    target: String,
    today: Option<String>,
    /// Text the finding's message must hold (a firing case's detail).
    message: Option<String>,
    /// Where the finding points, `file:line:col` (a check's `at` field, or
    /// the declaration's id).
    at: Option<String>,
    files: BTreeMap<String, String>,
}

fn fixtures() -> Vec<(PathBuf, Fixture)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/rules");
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    paths.sort();
    let only = std::env::var("PRIVGATE_RULE").ok();
    paths
        .into_iter()
        .filter(|p| {
            only.as_deref()
                .is_none_or(|r| p.file_stem().is_some_and(|s| s == r))
        })
        .map(|p| {
            let text = std::fs::read_to_string(&p).unwrap();
            let f: Fixture =
                serde_yaml::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
            (p, f)
        })
        .collect()
}

#[test]
fn every_rule_fires_and_stays_quiet_on_its_fixtures() {
    let fixtures = fixtures();
    let cases: Vec<(&PathBuf, &Fixture, &Case)> = fixtures
        .iter()
        .flat_map(|(p, f)| f.cases.iter().map(move |c| (p, f, c)))
        .collect();
    // Cases are independent: checked on every core.
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
    let chunk = cases.len().div_ceil(threads).max(1);
    let mut failures: Vec<String> = Vec::new();
    let mut outcomes: Vec<Outcome> = std::thread::scope(|s| {
        let handles: Vec<_> = cases
            .chunks(chunk)
            .map(|part| s.spawn(move || check_cases(part)))
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect()
    });
    // Each fixture's findings as data: rule, target, line:col, message.
    let mut by_fixture: BTreeMap<String, Vec<(usize, String)>> = BTreeMap::new();
    for o in outcomes.drain(..) {
        match o {
            Outcome::Failed(f) => failures.push(f),
            Outcome::Seen {
                fixture,
                case,
                text,
            } => by_fixture.entry(fixture).or_default().push((case, text)),
        }
    }
    failures.sort();
    assert!(
        failures.is_empty(),
        "{} failing cases:\n{}",
        failures.len(),
        failures.join("\n")
    );
    for (fixture, mut cases) in by_fixture {
        cases.sort();
        let text: String = cases.into_iter().map(|(_, t)| t).collect();
        insta::assert_snapshot!(format!("rule_{fixture}"), text);
    }
}

/// What checking one case gave: a failure, or the findings seen.
enum Outcome {
    Failed(String),
    Seen {
        fixture: String,
        case: usize,
        text: String,
    },
}

/// The findings of `rule` in `report`, one line each, under the case's name.
fn seen(rule: &str, case: &Case, report: &privgate::report::Report) -> String {
    let mut text = format!("## {} ({})\n", case.name, case.expect);
    let mut any = false;
    for f in report.findings.iter().filter(|f| f.rule == rule) {
        any = true;
        text.push_str(&format!(
            "{} {}:{}:{} {}\n",
            f.target, f.file, f.line, f.column, f.message
        ));
    }
    if !any {
        text.push_str("(no finding)\n");
    }
    text.push('\n');
    text
}

fn check_cases(cases: &[(&PathBuf, &Fixture, &Case)]) -> Vec<Outcome> {
    let mut failures = Vec::new();
    let mut seen_all = Vec::new();
    for &(path, fixture, case) in cases {
        {
            let dir = tempfile::tempdir().unwrap();
            common::write_files(
                dir.path(),
                case.files.iter().map(|(k, v)| (k.as_str(), v.as_str())),
            );
            let today = case.today.as_deref().unwrap_or(common::TODAY);
            let label = format!(
                "{} / {} ({})",
                path.file_name().unwrap().to_string_lossy(),
                case.name,
                case.expect
            );
            let report = match common::check_dir(dir.path(), today) {
                Ok(r) => r,
                Err(d) => {
                    failures.push(format!("{label}: could not check: {:?}", common::codes(&d)));
                    continue;
                }
            };
            let index = fixture
                .cases
                .iter()
                .position(|c| std::ptr::eq(c, case))
                .unwrap_or(0);
            seen_all.push(Outcome::Seen {
                fixture: path.file_stem().unwrap().to_string_lossy().into_owned(),
                case: index,
                text: seen(&fixture.rule, case, &report),
            });
            let finding = report
                .findings
                .iter()
                .find(|f| f.rule == fixture.rule && f.target == case.target);
            let fired = finding.is_some();
            if let (Some(f), Some(want)) = (finding, &case.message) {
                if !f.message.contains(want.as_str()) {
                    failures.push(format!(
                        "{label}: message {:?} does not hold {want:?}",
                        f.message
                    ));
                }
            }
            if let (Some(f), Some(want)) = (finding, &case.at) {
                let got = format!("{}:{}:{}", f.file, f.line, f.column);
                if &got != want {
                    failures.push(format!("{label}: points at {got}, not {want}"));
                }
            }
            match case.expect.as_str() {
                "fire" if !fired => {
                    let got: Vec<_> = report
                        .findings
                        .iter()
                        .map(|f| format!("{} {}", f.rule, f.target))
                        .collect();
                    failures.push(format!(
                        "{label}: expected {} on {}, got {got:?}",
                        fixture.rule, case.target
                    ));
                }
                "quiet" if fired => failures.push(format!(
                    "{label}: {} fired on {}",
                    fixture.rule, case.target
                )),
                "fire" | "quiet" => {}
                other => failures.push(format!(
                    "{label}: expect must be fire or quiet, not {other}"
                )),
            }
        }
    }
    failures
        .into_iter()
        .map(Outcome::Failed)
        .chain(seen_all)
        .collect()
}

#[test]
fn every_builtin_rule_has_a_firing_and_a_quiet_fixture() {
    let fixtures = fixtures();
    let mut missing = Vec::new();
    for (file, text) in privgate::evaluate::rules::builtin::BUILTIN {
        let pack = privgate::evaluate::rules::pack::load_pack(file, text)
            .0
            .expect("built-in pack loads");
        for rule in pack.rules {
            let cases: Vec<&Case> = fixtures
                .iter()
                .filter(|(_, f)| f.rule == rule.id)
                .flat_map(|(_, f)| f.cases.iter())
                .collect();
            for expect in ["fire", "quiet"] {
                if !cases.iter().any(|c| c.expect == expect) {
                    missing.push(format!("{} has no `{expect}` fixture", rule.id));
                }
            }
        }
    }
    assert!(missing.is_empty(), "{}", missing.join("\n"));
}

/// A rule's `example` (what `rules explain` shows as the way to comply) is
/// a manifest fragment the manifest schema accepts: an example that does
/// not validate teaches the wrong format.
#[test]
fn every_rule_example_is_a_manifest_the_schema_accepts() {
    let mut bad = Vec::new();
    for (file, text) in privgate::evaluate::rules::builtin::BUILTIN {
        let pack = privgate::evaluate::rules::pack::load_pack(file, text)
            .0
            .expect("built-in pack loads");
        for rule in pack.rules.iter().filter(|r| !r.example.trim().is_empty()) {
            let text = format!("version: 1\n{}", rule.example);
            let checked = privgate::load::parse_and_check::<privgate::manifest::Manifest>(
                "example.yaml",
                text.into_bytes(),
                privgate::load::schema::Schema::manifest(),
            );
            if let Err((_, diags)) = checked {
                bad.push(format!("{}: {:?}", rule.id, common::codes(&diags)));
            }
        }
    }
    assert!(
        bad.is_empty(),
        "examples the schema rejects:\n{}",
        bad.join("\n")
    );
}
