//! Fuzzing in the project: property tests that generate manifests, configs
//! and organisation rule packs, and mutate the example repository, then run
//! the real binary on each case across commands and formats. Whatever the
//! input, privgate must:
//!
//! - exit 0, 1 or 2: never 101 (a panic), never a signal (stack overflow,
//!   out-of-memory abort);
//! - never print "panicked" or a stack overflow to stderr;
//! - give every exit 2 a located message (`file:line:col`, or miette's
//!   `,-[file:line:col]`);
//! - leave every input file as it was (outputs go outside the repository);
//! - finish within a timeout (10 s, then the child is killed).
//!
//! Under `cargo test` the budget is small and the seed fixed, so a run is
//! reproducible and short. Environment:
//!
//! - `PRIVGATE_FUZZ_CASES`: cases per property (default 8);
//! - `PRIVGATE_FUZZ_SEED`: the seed (default 15); each property derives its
//!   own from it;
//! - `PRIVGATE_FUZZ_BIN`: a privgate binary to run instead of the one cargo
//!   built for the test (e.g. `target/release/privgate`);
//! - `PRIVGATE_FUZZ_TIMEOUT`: seconds per run before the child is killed
//!   (default 10);
//! - `PRIVGATE_FUZZ_SAVE`: where a failing (shrunk) case is saved, as a
//!   regression fixture (default `target/tmp/fuzz-failures`);
//! - `PRIVGATE_FUZZ_DEADLINE`: a Unix time after which no further case runs
//!   (long campaigns; see `benches/fuzz.py`);
//! - `PRIVGATE_FUZZ_BIG`: also huge scalars near and over the 10 MiB file
//!   limit (slow in a debug build).
//!
//! Every failure found is kept under `tests/fuzz/regressions/<name>/`
//! (`repo/`, the files; `command`, one privgate command a line) and replayed
//! by `every_saved_regression_keeps_the_contract`; one with a `PENDING` file
//! is not fixed yet and is skipped with a notice.

#[path = "fuzz/gen.rs"]
mod gen;
#[path = "fuzz/mutate.rs"]
mod mutate;

use proptest::collection::vec;
use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, RngSeed, TestCaseError, TestError, TestRunner};
use std::collections::BTreeMap;
use std::fmt;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

const TODAY: &str = "2026-11-23";

/// The commands and formats each case may run; `{out}` is a file outside
/// the repository.
const COMMANDS: &[&[&str]] = &[
    &["check"],
    &["check", "--format", "json"],
    &["check", "--format", "sarif"],
    &["check", "--format", "junit"],
    &["check", "--format", "markdown"],
    &[
        "check",
        "--format",
        "json",
        "-o",
        "{out}",
        "--sarif-output",
        "{out}.sarif",
    ],
    &["validate"],
    &["validate", "--format", "json"],
    &["score"],
    &["score", "--format", "json"],
    &["map", "--format", "dot"],
    &["map", "--format", "mermaid"],
    &["map", "--format", "svg"],
    &["ropa"],
    &["ropa", "--format", "csv"],
    &["ropa", "--format", "json"],
    &["report", "-o", "{out}"],
];

/// Documents a generated repository has, for `document`, `plan`, ...
const DOCUMENTS: &[(&str, &str)] = &[
    ("docs/dpia.md", "# DPIA\n\nApproved.\n"),
    ("docs/plan.md", "# Breach response plan\n"),
];

static EXECUTIONS: AtomicU64 = AtomicU64::new(0);
/// Runs by exit code 0, 1 and 2, to see how deep the cases get.
static EXITS: [AtomicU64; 3] = [AtomicU64::new(0), AtomicU64::new(0), AtomicU64::new(0)];

fn env_u64(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(default)
}

fn binary() -> PathBuf {
    std::env::var_os("PRIVGATE_FUZZ_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_privgate")))
}

fn timeout() -> Duration {
    Duration::from_secs(env_u64("PRIVGATE_FUZZ_TIMEOUT", 10))
}

fn past_deadline() -> bool {
    let Some(deadline) = std::env::var("PRIVGATE_FUZZ_DEADLINE")
        .ok()
        .and_then(|v| v.trim().parse::<u64>().ok())
    else {
        return false;
    };
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    now >= deadline
}

/// One generated repository and the commands run on it.
#[derive(Clone)]
struct Case {
    /// How the case was made (the mutations, for the example), for people.
    label: String,
    files: Vec<(String, Vec<u8>)>,
    commands: Vec<Vec<String>>,
    /// The files worth showing (all when empty).
    focus: Vec<String>,
}

impl fmt::Debug for Case {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "Case {}", self.label)?;
        for c in &self.commands {
            writeln!(f, "  $ privgate {}", c.join(" "))?;
        }
        for (path, bytes) in &self.files {
            if !self.focus.is_empty() && !self.focus.contains(path) {
                continue;
            }
            let text = String::from_utf8_lossy(bytes);
            let shown: String = text.chars().take(600).collect();
            let more = if shown.len() < text.len() { " ..." } else { "" };
            writeln!(f, "  --- {path} ({} bytes)\n{shown}{more}", bytes.len())?;
        }
        Ok(())
    }
}

/// A broken property: which command, what it did.
#[derive(Debug)]
struct Failure {
    command: Vec<String>,
    what: String,
    output: String,
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "privgate {}: {}\n{}",
            self.command.join(" "),
            self.what,
            self.output
        )
    }
}

fn commands() -> BoxedStrategy<Vec<Vec<String>>> {
    vec(0..COMMANDS.len(), 1..=3)
        .prop_map(|ix| {
            ix.into_iter()
                .map(|i| COMMANDS[i].iter().map(|s| s.to_string()).collect())
                .collect()
        })
        .boxed()
}

fn with_documents(mut files: Vec<(String, Vec<u8>)>) -> Vec<(String, Vec<u8>)> {
    let mut all: Vec<(String, Vec<u8>)> = DOCUMENTS
        .iter()
        .map(|(p, t)| (p.to_string(), t.as_bytes().to_vec()))
        .collect();
    all.append(&mut files);
    all
}

/// Every file under `dir` (symlinks not followed), by path relative to it.
fn snapshot(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<PathBuf, Vec<u8>>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let Ok(kind) = entry.file_type() else {
                continue;
            };
            let rel = path.strip_prefix(root).unwrap().to_path_buf();
            if kind.is_dir() {
                walk(root, &path, out);
            } else if kind.is_file() {
                out.insert(rel, std::fs::read(&path).unwrap_or_default());
            } else {
                out.insert(rel, Vec::new());
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

fn changed(before: &BTreeMap<PathBuf, Vec<u8>>, after: &BTreeMap<PathBuf, Vec<u8>>) -> Vec<String> {
    let mut changes = Vec::new();
    for (path, bytes) in before {
        match after.get(path) {
            None => changes.push(format!("{} was deleted", path.display())),
            Some(b) if b != bytes => changes.push(format!("{} was modified", path.display())),
            _ => {}
        }
    }
    for path in after.keys().filter(|p| !before.contains_key(*p)) {
        changes.push(format!("{} was created in the repository", path.display()));
    }
    changes
}

/// Whether `text` points at a place: `file:line:col` somewhere.
fn located(text: &str) -> bool {
    text.split(|c: char| c.is_whitespace() || "[]()\"'`".contains(c))
        .map(|t| t.trim_end_matches([',', '.', ';', ':']))
        .any(|t| {
            let mut parts = t.rsplitn(3, ':');
            let (Some(col), Some(line), Some(file)) = (parts.next(), parts.next(), parts.next())
            else {
                return false;
            };
            let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
            digits(col) && digits(line) && !file.is_empty()
        })
}

fn tail(bytes: &[u8], max: usize) -> String {
    let text = String::from_utf8_lossy(bytes);
    if text.len() <= max {
        return text.into_owned();
    }
    let mut start = text.len() - max;
    while !text.is_char_boundary(start) {
        start += 1;
    }
    format!("[... {} bytes]{}", start, &text[start..])
}

struct Ran {
    code: Option<i32>,
    signal: Option<i32>,
    stdout: Vec<u8>,
    stderr: Vec<u8>,
}

/// Runs privgate in `root` with a timeout and an address-space limit (so a
/// runaway allocation is an abort, not a swapped machine).
fn run(root: &Path, args: &[String]) -> Result<Ran, String> {
    use std::os::unix::process::{CommandExt, ExitStatusExt};
    EXECUTIONS.fetch_add(1, Ordering::Relaxed);
    let limit = env_u64("PRIVGATE_FUZZ_MEMORY_MB", 4096) << 20;
    let mut cmd = Command::new(binary());
    cmd.current_dir(root)
        .env("NO_COLOR", "1")
        .env("PRIVGATE_TODAY", TODAY)
        .env_remove("RUST_MIN_STACK")
        .env_remove("RUST_BACKTRACE")
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    // SAFETY: setrlimit is async-signal-safe; nothing else runs in the child.
    unsafe {
        cmd.pre_exec(move || {
            let rl = libc::rlimit {
                rlim_cur: limit as libc::rlim_t,
                rlim_max: limit as libc::rlim_t,
            };
            libc::setrlimit(libc::RLIMIT_AS, &rl);
            Ok(())
        });
    }
    let mut child = cmd
        .spawn()
        .map_err(|e| format!("cannot start privgate: {e}"))?;
    let mut out = child.stdout.take().unwrap();
    let mut err = child.stderr.take().unwrap();
    let out = std::thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = out.read_to_end(&mut buf);
        buf
    });
    let err = std::thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = err.read_to_end(&mut buf);
        buf
    });
    let start = Instant::now();
    let limit = timeout();
    let status = loop {
        if let Some(status) = child.try_wait().map_err(|e| e.to_string())? {
            break status;
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            let stderr = err.join().unwrap_or_default();
            return Err(format!(
                "no exit after {} s (killed)\nstderr: {}",
                limit.as_secs(),
                tail(&stderr, 2000)
            ));
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    Ok(Ran {
        code: status.code(),
        signal: status.signal(),
        stdout: out.join().unwrap_or_default(),
        stderr: err.join().unwrap_or_default(),
    })
}

/// Runs every command of `case` on a fresh copy and checks the contract.
fn run_case(case: &Case) -> Result<(), Failure> {
    let tmp = tempfile::tempdir().expect("temp dir");
    let root = tmp.path().join("repo");
    let outdir = tmp.path().join("out");
    std::fs::create_dir_all(&root).unwrap();
    std::fs::create_dir_all(&outdir).unwrap();
    for (path, bytes) in &case.files {
        let p = root.join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, bytes).unwrap();
    }
    let out = outdir.join("output");
    for (n, command) in case.commands.iter().enumerate() {
        let out = format!("{}{n}", out.display());
        let args: Vec<String> = command.iter().map(|a| a.replace("{out}", &out)).collect();
        let before = snapshot(&root);
        let fail = |what: String, output: String| Failure {
            command: command.clone(),
            what,
            output,
        };
        let ran = run(&root, &args).map_err(|e| fail("hang".into(), e))?;
        let stderr = String::from_utf8_lossy(&ran.stderr);
        let shown = || {
            format!(
                "exit {:?} signal {:?}\nstderr: {}",
                ran.code,
                ran.signal,
                tail(&ran.stderr, 3000)
            )
        };
        if let Some(sig) = ran.signal {
            return Err(fail(format!("killed by signal {sig}"), shown()));
        }
        if std::env::var_os("PRIVGATE_FUZZ_VERBOSE").is_some() && ran.code == Some(2) {
            let first: String = stderr
                .lines()
                .filter(|l| l.contains(" x "))
                .take(2)
                .collect::<Vec<_>>()
                .join(" | ");
            eprintln!("fuzz: exit 2: {first}");
        }
        match ran.code {
            Some(c @ 0..=2) => {
                EXITS[c as usize].fetch_add(1, Ordering::Relaxed);
            }
            _ => return Err(fail(format!("exit code {:?}", ran.code), shown())),
        }
        for word in ["panicked", "overflowed its stack", "stack overflow"] {
            if stderr.contains(word) {
                return Err(fail(format!("stderr says {word:?}"), shown()));
            }
        }
        if ran.code == Some(2)
            && !located(&stderr)
            && !located(&String::from_utf8_lossy(&ran.stdout))
        {
            return Err(fail("exit 2 without a located message".into(), shown()));
        }
        let changes = changed(&before, &snapshot(&root));
        if !changes.is_empty() {
            return Err(fail(
                format!("inputs touched: {}", changes.join(", ")),
                shown(),
            ));
        }
    }
    Ok(())
}

fn seed_for(name: &str) -> u64 {
    let base = env_u64("PRIVGATE_FUZZ_SEED", 15);
    // FNV-1a of the property's name, so that each property has its own
    // stream of cases.
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in name.bytes() {
        h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
    }
    h ^ base.wrapping_mul(0x9e37_79b9_7f4a_7c15)
}

fn save_dir() -> PathBuf {
    std::env::var_os("PRIVGATE_FUZZ_SAVE")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_TARGET_TMPDIR")).join("fuzz-failures"))
}

/// Writes a failing case as a regression fixture: `repo/`, `command`,
/// `output.txt`, `case.txt`.
fn save(name: &str, case: &Case, failure: &Failure) -> PathBuf {
    let dir = save_dir().join(name);
    let _ = std::fs::remove_dir_all(&dir);
    for (path, bytes) in &case.files {
        let p = dir.join("repo").join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, bytes).unwrap();
    }
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("command"),
        format!("{}\n", failure.command.join(" ")),
    )
    .unwrap();
    std::fs::write(dir.join("output.txt"), format!("{failure}\n")).unwrap();
    std::fs::write(dir.join("case.txt"), format!("{case:?}")).unwrap();
    dir
}

/// Runs a property over `strategy` with the configured budget and seed;
/// a failure is shrunk, saved as a fixture and reported.
fn fuzz(name: &str, strategy: impl Strategy<Value = Case>) {
    let seed = seed_for(name);
    let cases = env_u64("PRIVGATE_FUZZ_CASES", 8) as u32;
    let config = Config {
        cases,
        max_shrink_iters: env_u64("PRIVGATE_FUZZ_SHRINK", 64) as u32,
        max_shrink_time: 180_000,
        failure_persistence: None,
        rng_algorithm: RngAlgorithm::ChaCha,
        rng_seed: RngSeed::Fixed(seed),
        ..Config::default()
    };
    let mut runner = TestRunner::new(config);
    let last: Mutex<Option<(Case, Failure)>> = Mutex::new(None);
    let ran = AtomicU64::new(0);
    let before = EXECUTIONS.load(Ordering::Relaxed);
    let exits_before: Vec<u64> = EXITS.iter().map(|e| e.load(Ordering::Relaxed)).collect();
    let result = runner.run(&strategy, |case| {
        if past_deadline() {
            return Ok(());
        }
        ran.fetch_add(1, Ordering::Relaxed);
        match run_case(&case) {
            Ok(()) => Ok(()),
            Err(failure) => {
                let message = failure.to_string();
                *last.lock().unwrap() = Some((case, failure));
                Err(TestCaseError::fail(message))
            }
        }
    });
    // Counts are per process: properties running in parallel threads mix
    // into each other's exit counts, not into the executions.
    let exits: Vec<u64> = EXITS
        .iter()
        .zip(exits_before)
        .map(|(e, b)| e.load(Ordering::Relaxed) - b)
        .collect();
    println!(
        "FUZZ-STATS test={name} seed={} cases={} executions={} exit0={} exit1={} exit2={}",
        env_u64("PRIVGATE_FUZZ_SEED", 15),
        ran.load(Ordering::Relaxed),
        EXECUTIONS.load(Ordering::Relaxed) - before,
        exits[0],
        exits[1],
        exits[2]
    );
    match result {
        Ok(()) => {}
        Err(TestError::Fail(reason, case)) => {
            let fixture = format!("{name}-seed{}", env_u64("PRIVGATE_FUZZ_SEED", 15));
            let dir = match last.lock().unwrap().take() {
                Some((_, failure)) => save(&fixture, &case, &failure),
                None => save_dir(),
            };
            panic!(
                "{name}: {reason}\nminimal case: {case:?}\nsaved in {} (move it to tests/fuzz/regressions/)",
                dir.display()
            );
        }
        Err(e) => panic!("{name}: {e}"),
    }
}

fn manifest_files(manifests: Vec<(String, serde_json::Value)>) -> Vec<(String, Vec<u8>)> {
    manifests
        .into_iter()
        .map(|(path, value)| (path, gen::yaml(&value).into_bytes()))
        .collect()
}

#[test]
fn any_manifest_gets_exit_0_1_or_2_and_a_located_error() {
    let strategy = (
        prop_oneof![gen::manifests(false), gen::manifests(true)],
        commands(),
    )
        .prop_map(|(manifests, commands)| Case {
            label: "generated manifests".into(),
            files: with_documents(manifest_files(manifests)),
            commands,
            focus: Vec::new(),
        });
    fuzz("manifests", strategy);
}

#[test]
fn any_config_gets_exit_0_1_or_2_and_a_located_error() {
    let strategy = (
        prop_oneof![gen::config(false), gen::config(true)],
        prop_oneof![gen::manifests(false), gen::manifests(true)],
        proptest::option::weighted(0.3, prop_oneof![gen::rulepack(false), gen::rulepack(true)]),
        commands(),
    )
        .prop_map(|(config, manifests, pack, commands)| {
            let mut files = manifest_files(manifests);
            files.push(("privgate.yaml".into(), gen::yaml(&config).into_bytes()));
            if let Some(pack) = pack {
                files.push(("org/acme.yaml".into(), gen::yaml(&pack).into_bytes()));
            }
            Case {
                label: "generated config".into(),
                files: with_documents(files),
                commands,
                focus: Vec::new(),
            }
        });
    fuzz("configs", strategy);
}

#[test]
fn any_rule_pack_gets_exit_0_1_or_2_and_a_located_error() {
    let configs = proptest::sample::select(
        &[
            "version: 1\norganization: Acme GmbH\ncontroller: { contact: \"Acme GmbH, Berlin\" }\nrulepacks: [org/acme.yaml]\n",
            "version: 1\norganization: Acme GmbH\nrulepacks: [org/*.yaml]\nregulations: [gdpr, acme]\n",
            "version: 1\nrulepacks: [org/acme.yaml]\nregulations: [acme]\ngate: { fail_on: none }\n",
        ][..],
    );
    let strategy = (
        vec(prop_oneof![gen::rulepack(false), gen::rulepack(true)], 1..3),
        configs,
        prop_oneof![gen::manifests(false), gen::manifests(true)],
        commands(),
    )
        .prop_map(|(packs, config, manifests, commands)| {
            let mut files = manifest_files(manifests);
            files.push(("privgate.yaml".into(), config.as_bytes().to_vec()));
            for (i, pack) in packs.iter().enumerate() {
                let path = if i == 0 {
                    "org/acme.yaml".into()
                } else {
                    format!("org/more{i}.yaml")
                };
                files.push((path, gen::yaml(pack).into_bytes()));
            }
            Case {
                label: "generated rule pack".into(),
                files: with_documents(files),
                commands,
                focus: Vec::new(),
            }
        });
    fuzz("rulepacks", strategy);
}

/// The example repository, every file by path.
fn example() -> &'static Vec<(String, Vec<u8>)> {
    static EXAMPLE: OnceLock<Vec<(String, Vec<u8>)>> = OnceLock::new();
    EXAMPLE.get_or_init(|| {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/acme-shop");
        snapshot(&root)
            .into_iter()
            .map(|(p, b)| (p.to_string_lossy().into_owned(), b))
            .collect()
    })
}

#[test]
fn any_mutation_of_the_example_gets_exit_0_1_or_2_and_leaves_it_untouched() {
    let yaml: Vec<usize> = example()
        .iter()
        .enumerate()
        .filter(|(_, (p, _))| p.ends_with(".yaml") || p.ends_with(".yml"))
        .map(|(i, _)| i)
        .collect();
    let strategy = (
        vec(
            (
                proptest::sample::select(yaml),
                vec(mutate::mutation(), 1..4),
            ),
            1..3,
        ),
        commands(),
    )
        .prop_map(|(edits, commands)| {
            let mut files = example().clone();
            let mut label = String::from("mutated example:");
            for (file, mutations) in &edits {
                let (path, bytes) = &mut files[*file];
                label.push_str(&format!("\n    {path}: {mutations:?}"));
                for m in mutations {
                    mutate::apply(bytes, m);
                }
            }
            let focus = edits.iter().map(|(f, _)| files[*f].0.clone()).collect();
            Case {
                label,
                files,
                commands,
                focus,
            }
        });
    fuzz("example", strategy);
}

/// Mutations of generated manifests: YAML-level damage on text that has
/// more shapes than the example.
#[test]
fn any_mutated_manifest_gets_exit_0_1_or_2_and_a_located_error() {
    let strategy = (
        prop_oneof![gen::manifests(false), gen::manifests(true)],
        vec(mutate::mutation(), 1..4),
        commands(),
    )
        .prop_map(|(manifests, mutations, commands)| {
            let mut files = manifest_files(manifests);
            if let Some((_, bytes)) = files.first_mut() {
                for m in &mutations {
                    mutate::apply(bytes, m);
                }
            }
            Case {
                label: format!("mutated generated manifest: {mutations:?}"),
                files: with_documents(files),
                commands,
                focus: Vec::new(),
            }
        });
    fuzz("mutated-manifests", strategy);
}

fn regressions() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fuzz/regressions")
}

/// Reads a fixture: the files under `repo/` and the commands, one a line.
fn fixture(dir: &Path) -> Case {
    let files = snapshot(&dir.join("repo"))
        .into_iter()
        .map(|(p, b)| (p.to_string_lossy().into_owned(), b))
        .collect();
    let commands = std::fs::read_to_string(dir.join("command"))
        .unwrap_or_else(|e| panic!("{}: {e}", dir.join("command").display()))
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| l.split_whitespace().map(String::from).collect())
        .collect();
    Case {
        label: dir.display().to_string(),
        files,
        commands,
        focus: Vec::new(),
    }
}

#[test]
fn every_saved_regression_keeps_the_contract() {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(regressions())
        .map(|rd| {
            rd.flatten()
                .map(|e| e.path())
                .filter(|p| p.is_dir())
                .collect()
        })
        .unwrap_or_default();
    dirs.sort();
    let mut failures = Vec::new();
    let mut replayed = 0;
    for dir in &dirs {
        let name = dir.file_name().unwrap().to_string_lossy();
        if dir.join("PENDING").exists() {
            println!("fuzz: regression {name} is PENDING (not fixed yet): skipped");
            continue;
        }
        replayed += 1;
        if let Err(f) = run_case(&fixture(dir)) {
            failures.push(format!("{name}: {f}"));
        }
    }
    println!(
        "FUZZ-STATS test=regressions replayed={replayed} pending={}",
        dirs.len() - replayed
    );
    assert!(
        failures.is_empty(),
        "regressions failed:\n{}",
        failures.join("\n\n")
    );
}

#[test]
fn located_recognises_file_line_col() {
    assert!(located("  ,-[privacy.yaml:4:5]"));
    assert!(located("error: services/a/privacy.yaml:12:3: bad"));
    assert!(!located("could not check: 1 error found"));
    assert!(!located("score 100.0 at 12:30"));
}
