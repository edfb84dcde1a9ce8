//! One function per command; each returns the process exit code. Commands
//! orchestrate: flags (from `cli`) in, the stages called, a renderer's text
//! written out (atomically, never over an input of the run).

/// `eprint!` that ignores a closed stderr (`privgate check 2>&1 | head`)
/// instead of panicking: the exit code still tells the story.
macro_rules! say {
    ($($t:tt)*) => {{
        use std::io::Write as _;
        let _ = write!(std::io::stderr(), $($t)*);
    }};
}

/// `eprintln!` that ignores a closed stderr.
macro_rules! sayln {
    ($($t:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr(), $($t)*);
    }};
}

mod check;
pub(crate) mod report;
mod rules;
mod taxonomy;
mod vendors;

use crate::cli::{Command, CommonArgs, ValidateArgs, ValidateFormat};
use privgate::diagnostic::Diagnostic;
use privgate::load::git::GitTree;
use privgate::load::tree::{Tree, WorkTree};
use privgate::load::{self, LoadOptions, Workspace};
use privgate::render::human::{self, Names, Style};
use privgate::span::Locator;
use std::io::Write;

pub const EXIT_OK: u8 = 0;
pub const EXIT_FAIL: u8 = 1;
pub const EXIT_ERROR: u8 = 2;

pub fn run(command: Command) -> u8 {
    match command {
        Command::Check(args) => check::check(&args),
        Command::Score(args) => check::score(&args),
        Command::Rules(args) => rules::rules(&args),
        Command::Validate(args) => validate(&args),
        Command::Report(args) => report::report(&args),
        Command::Ropa(args) => report::ropa(&args),
        Command::Map(args) => report::map(&args),
        Command::Trend(args) => report::trend(&args),
        Command::Schema(args) => schema(&args),
        Command::Taxonomy(args) => taxonomy::taxonomy(&args),
        Command::Vendors(args) => vendors::vendors(&args),
        Command::Init { path } => match privgate::init::init(&path) {
            Ok(files) => {
                for f in files {
                    sayln!("wrote {f}");
                }
                EXIT_OK
            }
            Err(e) => {
                sayln!("error: {e}");
                EXIT_ERROR
            }
        },
    }
}

fn schema(args: &crate::cli::SchemaArgs) -> u8 {
    use privgate::init::Written;
    use privgate::load::schema::{by_name, NAMES, VERSION};
    let Some(dir) = &args.write else {
        let name = args.name.as_deref().unwrap_or_default();
        return print_stdout(by_name(name).unwrap_or_default());
    };
    let names: Vec<&str> = match &args.name {
        Some(n) => NAMES.into_iter().filter(|x| x == n).collect(),
        None => NAMES.to_vec(),
    };
    match privgate::init::write_schemas(dir, &names) {
        Ok(written) => {
            for w in written {
                match w {
                    Written::Created(p) => sayln!("wrote {} (privgate {VERSION})", p.display()),
                    Written::Refreshed(p) => {
                        sayln!("refreshed {} (privgate {VERSION})", p.display())
                    }
                    Written::Unchanged(p) => sayln!("unchanged {}", p.display()),
                }
            }
            EXIT_OK
        }
        Err(e) => {
            sayln!("error: {e}");
            EXIT_ERROR
        }
    }
}

fn print_stdout(text: &str) -> u8 {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|_| out.flush()) {
        Ok(()) => EXIT_OK,
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => EXIT_OK,
        Err(e) => {
            sayln!("error: cannot write output: {e}");
            EXIT_ERROR
        }
    }
}

/// Writes the output to `-o FILE`, or to stdout without one (or with `-o -`).
pub fn deliver(output: Option<&std::path::Path>, text: &str) -> u8 {
    match output {
        Some(path) if path.as_os_str() != "-" => write_output(path, text),
        _ => print_stdout(text),
    }
}

/// The files this run read (manifests, the config, rule packs), canonical,
/// with the names the run gave them: no output may be written over one
/// (`-o privacy.yaml` would replace the declarations with their report).
static INPUTS: std::sync::Mutex<Vec<(std::path::PathBuf, String)>> =
    std::sync::Mutex::new(Vec::new());

/// Notes the files of a workspace (named relative to `root`) and the
/// `--config` file as read by this run.
pub fn remember_inputs(root: &std::path::Path, config: Option<&std::path::Path>, ws: &Workspace) {
    let mut read: Vec<(std::path::PathBuf, String)> = ws
        .sources
        .keys()
        .filter_map(|rel| Some((root.join(rel).canonicalize().ok()?, rel.clone())))
        .collect();
    if let Some(c) = config {
        if let Ok(p) = c.canonicalize() {
            read.push((p, c.display().to_string()));
        }
    }
    if let Ok(mut inputs) = INPUTS.lock() {
        inputs.extend(read);
    }
}

/// The name of the input `out` is (through links and `..`), if it is one.
pub fn input_named(out: &std::path::Path) -> Option<String> {
    let out = out.canonicalize().ok()?;
    let inputs = INPUTS.lock().ok()?;
    inputs
        .iter()
        .find(|(p, _)| *p == out)
        .map(|(_, name)| name.clone())
}

/// Why `out` must not be written: it is an input of this run.
pub fn refuse_input(out: &std::path::Path) -> Option<String> {
    input_named(out).map(|name| {
        format!(
            "refusing to write over `{name}`: this run reads it; name another file for the output"
        )
    })
}

/// Why no report may be written to `out`, if there is a reason: an input
/// of this run, a file named like one, or not a regular file.
pub fn refuse_output(out: &std::path::Path) -> Option<String> {
    refuse_input(out)
        .or_else(|| refuse_declarations(out))
        .or_else(|| refuse_special(out))
}

/// Why `out` must not be written: an existing file named like privgate's
/// inputs (`privacy.yaml`, `*.privacy.yaml`, `privgate.yaml`). A run that
/// did not read it (`trend` reads commits, not the work tree) would still
/// replace declarations that the next run reads with a report.
pub fn refuse_declarations(out: &std::path::Path) -> Option<String> {
    let meta = std::fs::metadata(out).ok()?;
    let name = out.file_name()?.to_str()?;
    let is_input_name = privgate::manifest::CONFIG_NAMES.contains(&name)
        || ["privacy.yaml", "privacy.yml"].contains(&name)
        || name.ends_with(".privacy.yaml")
        || name.ends_with(".privacy.yml");
    (meta.is_file() && is_input_name).then(|| {
        format!(
            "refusing to write over `{}`: it is named like privgate's declarations; name another file for the output",
            out.display()
        )
    })
}

/// Why `out` cannot take a report: it is a socket, a directory or a block
/// device. A character device (`/dev/null`, a terminal) takes a write at
/// once; a FIFO only when a process reads it (see `open_fifo`).
pub fn refuse_special(out: &std::path::Path) -> Option<String> {
    use std::os::unix::fs::FileTypeExt;
    let kind = std::fs::metadata(out).ok()?.file_type();
    let what = if kind.is_file() || kind.is_char_device() || kind.is_fifo() {
        return None;
    } else if kind.is_dir() {
        "a directory"
    } else if kind.is_socket() {
        "a socket"
    } else {
        "not a regular file"
    };
    Some(format!(
        "cannot write `{}`: it is {what}; name a regular file (or `-` for stdout)",
        out.display()
    ))
}

/// Writes `text` to `path` atomically: a temporary file beside it, renamed
/// over it, so readers never see half a report.
pub fn write_output(path: &std::path::Path, text: &str) -> u8 {
    if let Some(why) = refuse_output(path) {
        sayln!("error: {why}");
        return EXIT_ERROR;
    }
    match write_whole(path, text) {
        Ok(()) => EXIT_OK,
        Err(e) => {
            sayln!("error: cannot write `{}`: {e}", path.display());
            EXIT_ERROR
        }
    }
}

/// A regular file (new, or reached through symlinks) is replaced whole: a
/// temporary file beside it, renamed over it. Anything else (`/dev/null`, a
/// FIFO, a terminal) is written in place: renaming over a device node would
/// replace it with a plain file.
fn write_whole(path: &std::path::Path, text: &str) -> std::io::Result<()> {
    use std::os::unix::fs::FileTypeExt;
    let target = match std::fs::metadata(path) {
        Ok(m) if m.file_type().is_fifo() => return open_fifo(path)?.write_all(text.as_bytes()),
        Ok(m) if !m.is_file() => return std::fs::write(path, text),
        // Through symlinks to the file they name, so the link survives.
        Ok(_) => std::fs::canonicalize(path)?,
        Err(_) => path.to_path_buf(),
    };
    let dir = match target.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => std::path::PathBuf::from("."),
    };
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{name}.privgate-{}.tmp", std::process::id()));
    let result = std::fs::write(&tmp, text).and_then(|_| std::fs::rename(&tmp, &target));
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// Opens a FIFO for writing without waiting for a reader: a FIFO that no
/// process reads is an error at once (ENXIO), not a run blocked forever;
/// one that is read (`-o >(jq .)`) is then written as usual, blocking.
fn open_fifo(path: &std::path::Path) -> std::io::Result<std::fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    use std::os::unix::io::AsRawFd;
    let file = std::fs::OpenOptions::new()
        .write(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(path)
        .map_err(|e| match e.raw_os_error() {
            Some(libc::ENXIO) => std::io::Error::other("it is a FIFO that no process is reading"),
            _ => e,
        })?;
    // SAFETY: fcntl on a descriptor this function owns, with flags only.
    let flags = unsafe { libc::fcntl(file.as_raw_fd(), libc::F_GETFL) };
    if flags < 0
        || unsafe { libc::fcntl(file.as_raw_fd(), libc::F_SETFL, flags & !libc::O_NONBLOCK) } < 0
    {
        return Err(std::io::Error::last_os_error());
    }
    Ok(file)
}

/// Prints one diagnostic that has no workspace (an unreadable root).
pub fn emit_alone(d: Diagnostic, common: &CommonArgs) {
    let empty = Default::default();
    let mut locator = Locator::new(&empty);
    say!(
        "{}",
        human::render(
            &[d],
            &mut locator,
            Style::detect(common.no_color),
            &names(common)
        )
    );
}

/// Files as the person who ran privgate names them (see `Names`).
pub fn names(common: &CommonArgs) -> Names {
    Names::new(&common.path, common.config.as_deref())
}

/// What a command judges: with `--staged`, the content staged in the git
/// index (what the next commit will hold), else the work tree at PATH.
pub fn open_tree(common: &CommonArgs, staged: bool) -> Result<Box<dyn Tree>, Diagnostic> {
    Ok(if staged {
        Box::new(GitTree::staged(&common.path)?)
    } else {
        Box::new(WorkTree::open(&common.path)?)
    })
}

/// Loads the work tree at PATH; on an unreadable root, the diagnostic.
pub fn load_worktree(common: &CommonArgs, options: &LoadOptions) -> Result<Workspace, Diagnostic> {
    let tree = WorkTree::open(&common.path)?;
    let ws = load::load(&tree, options);
    remember_inputs(&common.path, common.config.as_deref(), &ws);
    Ok(ws)
}

pub fn options(common: &CommonArgs) -> LoadOptions {
    LoadOptions {
        config_path: common.config.clone(),
        ..LoadOptions::default()
    }
}

/// Prints diagnostics to stderr.
pub fn emit(ws: &Workspace, diagnostics: &[Diagnostic], common: &CommonArgs) {
    let mut locator = Locator::new(&ws.sources);
    let style = Style::detect(common.no_color);
    let text = human::render(diagnostics, &mut locator, style, &names(common));
    if !text.is_empty() {
        say!("{text}");
    }
}

fn validate(args: &ValidateArgs) -> u8 {
    let tree = match open_tree(&args.common, args.staged) {
        Ok(t) => t,
        Err(d) => {
            emit_alone(d, &args.common);
            return EXIT_ERROR;
        }
    };
    // PRIVGATE_TODAY fixes the date here as for `check`; a bad one is
    // `check`'s to report.
    let today = privgate::time::today(None).ok();
    let ws = privgate::evaluate::validate(tree.as_ref(), &options(&args.common), today);
    emit(&ws, &ws.diagnostics, &args.common);
    let errors = ws.diagnostics.iter().filter(|d| d.is_error()).count();
    if args.format == ValidateFormat::Json {
        print_stdout(&privgate::render::json::validate(&ws));
    } else if errors == 0 && !args.common.quiet {
        if let Some(m) = ws.model.as_ref().filter(|m| m.manifests.is_empty()) {
            sayln!("warning: {}", privgate::evaluate::no_manifests(&m.config));
        }
        if let Some(m) = &ws.model {
            let (n, d) = (m.manifests.len(), m.declaration_count());
            let warnings = ws.diagnostics.len();
            sayln!(
                "ok: {n} manifest{}, {d} declaration{}, {}",
                privgate::text::plural(n),
                privgate::text::plural(d),
                match warnings {
                    0 => "no problems".to_string(),
                    1 => "1 warning".to_string(),
                    w => format!("{w} warnings"),
                }
            );
        }
    } else if errors > 0 {
        sayln!("{errors} error{} found", privgate::text::plural(errors));
    }
    if errors > 0 {
        EXIT_ERROR
    } else {
        EXIT_OK
    }
}
