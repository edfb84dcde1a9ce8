//! The real pre-commit framework (https://pre-commit.com) running privgate
//! as a hook: a staged violation blocks `git commit`, the fix lets it
//! through, and a commit that deletes a manifest is checked too.
//!
//! pre-commit is found through PRIVGATE_PRECOMMIT (set by `.ci/run`), else
//! on PATH, else installed into a virtualenv under the target directory;
//! where none of that is possible the tests print why they skip.

use crate::gitrepo::{Repo, GIT_ENV, TODAY};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

fn on_path(name: &str) -> Option<PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|dir| dir.join(name))
        .find(|p| p.is_file())
}

/// The cargo target directory (`target/debug/privgate` -> `target`).
fn target_dir() -> PathBuf {
    let bin = Path::new(env!("CARGO_BIN_EXE_privgate"));
    bin.parent().and_then(Path::parent).unwrap().to_path_buf()
}

fn install_into_venv() -> Result<PathBuf, String> {
    let venv = target_dir().join("ci-venv");
    let exe = venv.join("bin/pre-commit");
    if exe.is_file() {
        return Ok(exe);
    }
    let python = on_path("python3").ok_or("python3 is not installed")?;
    let status = |cmd: &mut Command, what: &str| -> Result<(), String> {
        let out = cmd.output().map_err(|e| format!("{what}: {e}"))?;
        if out.status.success() {
            Ok(())
        } else {
            Err(format!(
                "{what} failed: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            ))
        }
    };
    status(
        Command::new(&python).args(["-m", "venv"]).arg(&venv),
        "python3 -m venv",
    )?;
    status(
        Command::new(venv.join("bin/pip")).args([
            "install",
            "--quiet",
            "--timeout",
            "30",
            "pre-commit",
        ]),
        "pip install pre-commit",
    )?;
    if exe.is_file() {
        Ok(exe)
    } else {
        Err(format!("pip installed no {}", exe.display()))
    }
}

/// The pre-commit executable, or why there is none.
fn precommit() -> Result<PathBuf, String> {
    static FOUND: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    FOUND
        .get_or_init(|| {
            if let Some(p) = std::env::var_os("PRIVGATE_PRECOMMIT") {
                let p = PathBuf::from(p);
                if p.is_file() {
                    return Ok(p);
                }
                eprintln!(
                    "PRIVGATE_PRECOMMIT={} does not exist; looking elsewhere",
                    p.display()
                );
            }
            if let Some(p) = on_path("pre-commit") {
                return Ok(p);
            }
            install_into_venv()
        })
        .clone()
}

/// A shell-safe single-quoted word (pre-commit splits `entry` with shlex).
fn quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// The hook this repository publishes runs on every commit: pre-commit
/// leaves deleted files out of `files` matching, so a filter would let a
/// commit that deletes a manifest through unchecked.
fn assert_published_hook_always_runs() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(".pre-commit-hooks.yaml");
    let hooks: Vec<serde_yaml::Value> =
        serde_yaml::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    for (id, language) in [("privgate", "rust"), ("privgate-system", "system")] {
        let hook = hooks
            .iter()
            .find(|h| h["id"] == id)
            .unwrap_or_else(|| panic!("a hook with id {id}"));
        assert_eq!(hook["entry"].as_str(), Some("privgate check --staged"));
        assert_eq!(hook["language"].as_str(), Some(language), "{id}");
        assert_eq!(hook["pass_filenames"].as_bool(), Some(false), "{id}");
        assert_eq!(hook["always_run"].as_bool(), Some(true), "{id}");
        assert!(
            hook.get("files").is_none(),
            "{id}: a `files` filter skips deletions"
        );
    }
}

struct Sandbox {
    repo: Repo,
    home: tempfile::TempDir,
    precommit: PathBuf,
}

impl Sandbox {
    /// A git command (or pre-commit) confined to the sandbox: its own HOME,
    /// pre-commit cache, no system or global git config, a fixed identity.
    fn command(&self, program: &Path) -> Command {
        let mut cmd = Command::new(program);
        let home = self.home.path();
        cmd.current_dir(self.repo.path())
            .env("HOME", home)
            .env("XDG_CONFIG_HOME", home.join(".config"))
            .env("XDG_CACHE_HOME", home.join(".cache"))
            .env("PRE_COMMIT_HOME", home.join("pre-commit"))
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_CONFIG_GLOBAL", home.join("gitconfig"))
            .env("GIT_AUTHOR_NAME", "privgate tests")
            .env("GIT_AUTHOR_EMAIL", "tests@privgate.invalid")
            .env("GIT_COMMITTER_NAME", "privgate tests")
            .env("GIT_COMMITTER_EMAIL", "tests@privgate.invalid")
            .env("NO_COLOR", "1")
            .env("PRIVGATE_TODAY", TODAY)
            .env_remove("PRE_COMMIT")
            .env_remove("SKIP");
        for var in GIT_ENV {
            cmd.env_remove(var);
        }
        cmd
    }

    fn git(&self, args: &[&str]) -> Output {
        self.command(Path::new("git")).args(args).output().unwrap()
    }

    /// With the built privgate first on PATH, as `cargo install` puts it.
    fn with_privgate_on_path(mut cmd: Command) -> Command {
        let bin = Path::new(env!("CARGO_BIN_EXE_privgate")).parent().unwrap();
        let path = std::env::var_os("PATH").unwrap_or_default();
        let mut dirs = vec![bin.to_path_buf()];
        dirs.extend(std::env::split_paths(&path));
        cmd.env("PATH", std::env::join_paths(dirs).unwrap());
        cmd
    }

    fn pre_commit(&self, args: &[&str]) -> Output {
        self.command(&self.precommit).args(args).output().unwrap()
    }

    fn head(&self) -> Option<git2::Oid> {
        self.repo.repo.head().ok().and_then(|h| h.target())
    }
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// A sandbox with pre-commit installed as the repository's hook, or `None`
/// (with the reason printed) when pre-commit or git is unavailable.
fn sandbox() -> Option<Sandbox> {
    let config = format!(
        "repos:
  - repo: local
    hooks:
      - id: privgate
        name: privgate privacy compliance
        entry: {}
        language: system
        pass_filenames: false
        always_run: true
",
        // JSON strings are YAML double-quoted scalars.
        serde_json::Value::from(format!(
            "{} check --staged",
            quote(env!("CARGO_BIN_EXE_privgate"))
        )),
    );
    sandbox_with(&config)
}

/// A sandbox whose `.pre-commit-config.yaml` is `config`.
fn sandbox_with(config: &str) -> Option<Sandbox> {
    let precommit = match precommit() {
        Ok(p) => p,
        Err(why) => {
            println!("skipped: pre-commit is not available ({why}); .ci/run installs it");
            return None;
        }
    };
    if on_path("git").is_none() {
        println!("skipped: the git command-line tool is not installed (pre-commit needs it)");
        return None;
    }
    let sandbox = Sandbox {
        repo: Repo::new(),
        home: tempfile::Builder::new()
            .prefix("privgate-home-")
            .tempdir()
            .unwrap(),
        precommit,
    };
    assert_published_hook_always_runs();
    sandbox.repo.write(&[
        (".pre-commit-config.yaml", config),
        ("README.md", "# shop\n"),
        (
            "privgate.yaml",
            "version: 1\norganization: Shop GmbH\ncontroller: { contact: \"Shop GmbH, Berlin, privacy@shop.example\" }\nregulations: [gdpr]\nrules:\n  gdpr.data-minimisation: { enabled: false }\ngate: { fail_on: high }\n",
        ),
        (
            "privacy/repo.privacy.yaml",
            "version: 1
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
",
        ),
        ("docs/breach.md", "# Breach response\n"),
        ("docs/breach-register.md", "# Breach register\n"),
    ]);
    sandbox.repo.stage_all();
    sandbox.repo.commit("adopt privgate");
    let install = sandbox.pre_commit(&["install"]);
    assert!(
        install.status.success(),
        "pre-commit install: {}",
        text(&install)
    );
    assert!(sandbox.repo.join(".git/hooks/pre-commit").is_file());
    Some(sandbox)
}

const VIOLATING: &str = "version: 1
datasets:
  - id: orders
    categories: [user.contact.email]
    subjects: [customer]
";

const FIXED: &str = "version: 1
datasets:
  - id: orders
    categories: [user.contact.email]
    subjects: [customer]
    location: DE
    retention: { period: P7Y, deletion: automated }
";

#[test]
fn a_staged_violation_blocks_the_commit_and_the_fix_lets_it_through() {
    let Some(s) = sandbox() else { return };
    let before = s.head();

    // A manifest without retention, staged: the hook fails, nothing is committed.
    s.repo
        .write(&[("services/checkout/privacy.yaml", VIOLATING)]);
    let add = s.git(&["add", "services/checkout/privacy.yaml"]);
    assert!(add.status.success(), "{}", text(&add));
    let run = s.pre_commit(&["run"]);
    assert!(
        !run.status.success(),
        "pre-commit run passed a violation:\n{}",
        text(&run)
    );
    let commit = s.git(&["commit", "-m", "add checkout"]);
    let out = text(&commit);
    assert!(!commit.status.success(), "the commit went through:\n{out}");
    assert!(
        out.contains("privgate privacy compliance") && out.contains("Failed"),
        "{out}"
    );
    assert!(
        out.contains("gdpr.retention-defined"),
        "the hook shows the finding:\n{out}"
    );
    assert!(out.contains("services/checkout/privacy.yaml:3:9"), "{out}");
    assert!(out.contains("gate FAILED"), "{out}");
    assert_eq!(s.head(), before, "nothing was committed");

    // Fixed and staged: the hook passes and the commit is made.
    s.repo.write(&[("services/checkout/privacy.yaml", FIXED)]);
    s.git(&["add", "services/checkout/privacy.yaml"]);
    let commit = s.git(&["commit", "-m", "add checkout"]);
    let out = text(&commit);
    assert!(
        commit.status.success(),
        "the fixed commit was refused:\n{out}"
    );
    assert!(
        out.contains("privgate privacy compliance") && out.contains("Passed"),
        "{out}"
    );
    assert_ne!(s.head(), before);
    let tree = s.repo.repo.head().unwrap().peel_to_tree().unwrap();
    assert!(tree
        .get_path(Path::new("services/checkout/privacy.yaml"))
        .is_ok());
}

#[test]
fn the_hook_judges_what_is_staged_and_runs_when_a_manifest_is_deleted() {
    let Some(s) = sandbox() else { return };

    // A commit that touches no privacy file runs the hook too, and passes.
    s.repo
        .write(&[("README.md", "# shop\n\nNow with a privacy policy.\n")]);
    s.git(&["add", "README.md"]);
    let commit = s.git(&["commit", "-m", "docs"]);
    let out = text(&commit);
    assert!(commit.status.success(), "{out}");
    assert!(
        out.contains("privgate privacy compliance") && out.contains("Passed"),
        "{out}"
    );

    // A manifest whose flow names a vendor declared in another one.
    s.repo.write(&[
        (
            "privacy/vendors.privacy.yaml",
            "version: 1\nvendors:\n  - id: mailer\n    name: Mailer Inc\n    country: DE\n",
        ),
        (
            "services/mail/privacy.yaml",
            "version: 1
datasets:
  - id: outbox
    categories: [user.contact.email]
    subjects: [customer]
    retention: { period: P1Y, deletion: automated }
flows:
  - id: to-mailer
    from: outbox
    to: mailer
    categories: [user.contact.email]
",
        ),
    ]);
    s.repo.stage_all();
    let setup = s.git(&["commit", "-q", "-m", "mail", "--no-verify"]);
    assert!(setup.status.success(), "{}", text(&setup));

    // Deleting the vendor list leaves nothing for a `files` filter to
    // match (pre-commit skips deleted files); the hook runs all the same
    // and blocks the dangling reference.
    let rm = s.git(&["rm", "-q", "privacy/vendors.privacy.yaml"]);
    assert!(rm.status.success(), "{}", text(&rm));
    let before = s.head();
    let commit = s.git(&["commit", "-m", "drop the vendor list"]);
    let out = text(&commit);
    assert!(
        !commit.status.success(),
        "a dangling reference was committed:\n{out}"
    );
    assert!(out.contains("services/mail/privacy.yaml:10:9"), "{out}");
    assert!(out.contains("`mailer`"), "{out}");
    assert_eq!(s.head(), before);
    // Back to before the vendor list, for what follows.
    let reset = s.git(&["reset", "-q", "--hard", "HEAD~1"]);
    assert!(reset.status.success(), "{}", text(&reset));

    // The fix staged, the violation left unstaged in the work tree: what is
    // committed is compliant, so the commit passes.
    s.repo.write(&[("services/checkout/privacy.yaml", FIXED)]);
    s.git(&["add", "services/checkout/privacy.yaml"]);
    s.repo
        .write(&[("services/checkout/privacy.yaml", VIOLATING)]);
    let commit = s.git(&["commit", "-m", "checkout"]);
    let out = text(&commit);
    assert!(commit.status.success(), "{out}");
    assert!(out.contains("Passed"), "{out}");
    // pre-commit put the unstaged edit back.
    assert_eq!(
        std::fs::read_to_string(s.repo.join("services/checkout/privacy.yaml")).unwrap(),
        VIOLATING
    );

    // A change to privgate.yaml alone: one that no longer validates blocks
    // the commit, with the place of the error.
    std::fs::write(
        s.repo.join("privgate.yaml"),
        "version: 1\nregulation: [gdpr]\n",
    )
    .unwrap();
    s.git(&["add", "privgate.yaml"]);
    let commit = s.git(&["commit", "-m", "typo in the config"]);
    let out = text(&commit);
    assert!(
        !commit.status.success(),
        "an invalid config was committed:\n{out}"
    );
    assert!(out.contains("privgate.yaml:2:1"), "{out}");
    assert!(out.contains("regulations"), "did you mean: {out}");
}

/// The published `privgate-system` hook, fetched by pre-commit from a
/// repository that publishes this `.pre-commit-hooks.yaml`, runs the
/// privgate on PATH: nothing to build, and it blocks a violation.
#[test]
fn the_published_system_hook_runs_the_privgate_on_path() {
    // A hook repository holding this repository's hook definitions.
    let hooks = Repo::new();
    let published = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join(".pre-commit-hooks.yaml"),
    )
    .unwrap();
    hooks.write(&[(".pre-commit-hooks.yaml", published.as_str())]);
    hooks.stage_all();
    let rev = hooks.commit("hooks");
    let config = format!(
        "repos:
  - repo: {}
    rev: {rev}
    hooks:
      - id: privgate-system
",
        serde_json::Value::from(hooks.path().display().to_string())
    );
    let Some(s) = sandbox_with(&config) else {
        return;
    };
    s.repo
        .write(&[("services/checkout/privacy.yaml", VIOLATING)]);
    s.git(&["add", "services/checkout/privacy.yaml"]);
    let before = s.head();
    let commit = Sandbox::with_privgate_on_path(s.command(Path::new("git")))
        .args(["commit", "-m", "add checkout"])
        .output()
        .unwrap();
    let out = text(&commit);
    assert!(!commit.status.success(), "the commit went through:\n{out}");
    assert!(
        out.contains("privgate privacy compliance") && out.contains("Failed"),
        "{out}"
    );
    assert!(out.contains("gdpr.retention-defined"), "{out}");
    assert_eq!(s.head(), before);

    s.repo.write(&[("services/checkout/privacy.yaml", FIXED)]);
    s.git(&["add", "services/checkout/privacy.yaml"]);
    let commit = Sandbox::with_privgate_on_path(s.command(Path::new("git")))
        .args(["commit", "-m", "add checkout"])
        .output()
        .unwrap();
    let out = text(&commit);
    assert!(commit.status.success(), "{out}");
    assert!(out.contains("Passed"), "{out}");
}

#[test]
fn a_commit_that_adds_an_undeclared_vendor_sdk_to_package_json_is_blocked_at_its_line() {
    let Some(s) = sandbox() else { return };
    s.repo.write(&[
        (
            "services/web/privacy.yaml",
            "version: 1\nsystem: { id: web, owner: web@shop.example }\n",
        ),
        (
            "services/web/package.json",
            "{\n  \"dependencies\": {\n    \"express\": \"^4.19.2\"\n  }\n}\n",
        ),
    ]);
    s.repo.stage_all();
    let setup = s.git(&["commit", "-q", "-m", "web"]);
    assert!(setup.status.success(), "{}", text(&setup));

    // Only the dependency file changes; the hook runs and stops the commit.
    s.repo.write(&[(
        "services/web/package.json",
        "{\n  \"dependencies\": {\n    \"express\": \"^4.19.2\",\n    \"@sentry/node\": \"^8.9.2\"\n  }\n}\n",
    )]);
    s.git(&["add", "services/web/package.json"]);
    let before = s.head();
    let commit = s.git(&["commit", "-m", "add sentry"]);
    let out = text(&commit);
    assert!(
        !commit.status.success(),
        "an undeclared SDK was committed:\n{out}"
    );
    assert!(out.contains("gdpr.undeclared-vendor"), "{out}");
    assert!(out.contains("services/web/package.json:4:6"), "{out}");
    // What to declare (the human output wraps the message).
    assert!(
        out.contains("declare vendor")
            && out.contains("`sentry` (or a vendor with `catalog: sentry`)"),
        "{out}"
    );
    assert_eq!(s.head(), before);

    // Declared with the same commit: it goes through.
    s.repo.write(&[(
        "privacy/vendors.privacy.yaml",
        "version: 1\nvendors:\n  - id: sentry\n    role: processor\n    country: DE\nflows:\n  - id: web-errors\n    from: web\n    to: sentry\n    categories: [system.operations]\n",
    )]);
    let add = s.git(&["add", "privacy/vendors.privacy.yaml"]);
    assert!(add.status.success(), "{}", text(&add));
    let commit = s.git(&["commit", "-m", "add sentry, declared"]);
    let out = text(&commit);
    assert!(commit.status.success(), "{out}");
}
