//! The score of each commit of HEAD's first-parent history, read from git
//! objects (no checkout), oldest first.
//!
//! Each commit is judged as of its own commit date (UTC), so a vendor review
//! that fell due later does not rewrite history; `--today` (or
//! `PRIVGATE_TODAY`) judges every commit as of one date instead. A commit
//! whose manifests do not load is kept in the series as `invalid`, with its
//! error count and the first error, never skipped.

use crate::diagnostic::Diagnostic;
use crate::evaluate::{self, GateFlags};
use crate::load::git::{self, GitTree, HistoryEntry};
use crate::load::LoadOptions;
use crate::span::Locator;
use jiff::civil::Date;
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::Path;

pub const TREND_VERSION: u32 = 1;
pub const DEFAULT_LAST: usize = 20;

#[derive(Debug, Clone, Serialize)]
pub struct Trend {
    pub version: u32,
    pub root: String,
    pub branch: Option<String>,
    /// Oldest first.
    pub commits: Vec<Point>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Point {
    pub commit: String,
    /// Commit date, UTC.
    pub date: String,
    /// The date the rules were evaluated as of.
    pub as_of: String,
    pub summary: String,
    /// `ok`, or `invalid` when the manifests at that commit do not load.
    pub status: String,
    pub score: Option<f64>,
    /// Capped by the worst unwaived finding, as the report's.
    pub grade: Option<String>,
    pub grade_cap: Option<crate::report::GradeCap>,
    pub by_regulation: BTreeMap<String, f64>,
    /// Open (unwaived) findings.
    pub findings: Option<usize>,
    pub gate_passed: Option<bool>,
    /// Errors that stopped the check (0 when `ok`).
    pub errors: usize,
    /// The first of them, `file:line:col: message`.
    pub error: Option<String>,
}

impl Point {
    pub fn short(&self) -> &str {
        self.commit.get(..12).unwrap_or(&self.commit)
    }
    pub fn is_ok(&self) -> bool {
        self.status == "ok"
    }
}

pub struct TrendOptions {
    pub last: usize,
    /// HEAD's point when the caller already has it (`report` on a work tree
    /// identical to HEAD uses its own result, as of the run date, rather
    /// than check the same files again). Commit fields are filled in here.
    pub head: Option<Point>,
    pub load: LoadOptions,
    /// Evaluate every commit as of this date instead of its commit date.
    pub today: Option<Date>,
    pub gate: GateFlags,
}

/// The trend of the repository containing `root` (errors: not a git
/// repository, no commits).
pub fn trend(root: &Path, options: &TrendOptions) -> Result<Trend, Diagnostic> {
    let history = git::first_parent_history(root, options.last.max(1))?;
    // Commits with the same tree under the root, judged on the same date,
    // score the same: check each such pair once (most commits of a busy
    // day touch no manifest).
    let mut keys = tree_keys(root, &history, options.today);
    if options.head.is_some() {
        // HEAD's given point is as of another date: share it with no one.
        if let Some(k) = keys.first_mut() {
            *k = None;
        }
    }
    let mut first: BTreeMap<(String, Date), usize> = BTreeMap::new();
    let mut unique = Vec::new();
    for (i, key) in keys.iter().enumerate() {
        match key {
            Some(k) if first.contains_key(k) => {}
            Some(k) => {
                first.insert(k.clone(), i);
                unique.push(i);
            }
            None => unique.push(i),
        }
    }
    let evaluated: BTreeMap<usize, Point> =
        each_in_parallel(&unique, |i| match (&options.head, i) {
            (Some(head), 0) => with_commit(head.clone(), &history[0]),
            _ => point(root, &history[i], options),
        });
    let mut commits: Vec<Point> = history
        .iter()
        .enumerate()
        .filter_map(|(i, h)| {
            let source = keys[i]
                .as_ref()
                .and_then(|k| first.get(k))
                .copied()
                .unwrap_or(i);
            let p = evaluated.get(&source)?.clone();
            Some(if source != i { with_commit(p, h) } else { p })
        })
        .collect();
    commits.reverse();
    Ok(Trend {
        version: TREND_VERSION,
        root: root.display().to_string(),
        branch: git::info(root).branch,
        commits,
    })
}

/// `f` of every index in `items`, on plain threads (one per core) that
/// take the next index when done.
///
/// Not rayon's `par_iter`: each check runs rayon jobs itself and waits for
/// them, and a rayon worker that waits runs other queued jobs meanwhile,
/// on the same stack. With a check per commit queued, a worker took up
/// one commit's check inside another's, hundreds deep, and a trend over
/// 300 commits overflowed its stack. A plain thread that waits on rayon
/// only waits, so the depth no longer grows with the history.
fn each_in_parallel<T: Send>(items: &[usize], f: impl Fn(usize) -> T + Sync) -> BTreeMap<usize, T> {
    let next = std::sync::atomic::AtomicUsize::new(0);
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .clamp(1, items.len().max(1));
    let work = || {
        let mut done = Vec::new();
        loop {
            let k = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let Some(&i) = items.get(k) else { break };
            done.push((i, f(i)));
        }
        done
    };
    std::thread::scope(|scope| {
        let handles: Vec<_> = (1..threads).map(|_| scope.spawn(work)).collect();
        let mut out: BTreeMap<usize, T> = work().into_iter().collect();
        for h in handles {
            // A panic in a check is a bug that must not pass as a missing
            // point: it goes on, as it would have on this thread.
            match h.join() {
                Ok(done) => out.extend(done),
                Err(panic) => std::panic::resume_unwind(panic),
            }
        }
        out
    })
}

/// (tree id under the root, evaluation date) per commit; `None` when it
/// cannot be read (the commit is then checked on its own).
fn tree_keys(
    root: &Path,
    history: &[HistoryEntry],
    today: Option<Date>,
) -> Vec<Option<(String, Date)>> {
    let Ok((repo, prefix)) = git::open(root) else {
        return vec![None; history.len()];
    };
    history
        .iter()
        .map(|h| {
            let date = today.or_else(|| commit_date(h.time))?;
            let tree = repo.find_commit(h.id).and_then(|c| c.tree()).ok()?;
            let id = if prefix.is_empty() {
                tree.id()
            } else {
                tree.get_path(Path::new(prefix.trim_end_matches('/')))
                    .ok()?
                    .id()
            };
            Some((id.to_string(), date))
        })
        .collect()
}

fn commit_date(seconds: i64) -> Option<Date> {
    let ts = jiff::Timestamp::from_second(seconds).ok()?;
    Some(ts.to_zoned(jiff::tz::TimeZone::UTC).date())
}

/// `p` relabelled as commit `h`.
fn with_commit(mut p: Point, h: &HistoryEntry) -> Point {
    p.commit = h.id.to_string();
    p.summary = h.summary.clone();
    p.date = commit_date(h.time)
        .map(|d| d.to_string())
        .unwrap_or_default();
    p
}

impl Point {
    /// The point of a finished check, as of `as_of`; commit fields empty.
    pub fn from_report(r: &crate::report::Report, as_of: Date) -> Point {
        Point {
            commit: String::new(),
            date: String::new(),
            as_of: as_of.to_string(),
            summary: String::new(),
            status: "ok".into(),
            score: Some(r.score.overall),
            grade: Some(r.score.grade.clone()),
            grade_cap: r.score.grade_cap.clone(),
            by_regulation: r.score.by_regulation.clone(),
            findings: Some(r.summary.findings),
            gate_passed: Some(r.gate.passed),
            errors: 0,
            error: None,
        }
    }
}

fn point(root: &Path, h: &HistoryEntry, options: &TrendOptions) -> Point {
    let date = commit_date(h.time);
    let as_of = options.today.or(date).unwrap_or(Date::constant(1970, 1, 1));
    let mut p = Point {
        commit: h.id.to_string(),
        date: date.map(|d| d.to_string()).unwrap_or_default(),
        as_of: as_of.to_string(),
        summary: h.summary.clone(),
        status: "invalid".into(),
        score: None,
        grade: None,
        grade_cap: None,
        by_regulation: BTreeMap::new(),
        findings: None,
        gate_passed: None,
        errors: 0,
        error: None,
    };
    let tree = match GitTree::at_commit(root, h.id) {
        Ok(t) => t,
        Err(d) => {
            p.errors = 1;
            p.error = Some(d.message);
            return p;
        }
    };
    match evaluate::check_tree(&tree, &options.load, as_of, options.gate.clone()) {
        Ok(checked) => {
            return with_commit(Point::from_report(&checked.report, as_of), h);
        }
        Err((ws, diags)) => {
            let errors: Vec<&Diagnostic> = diags.iter().filter(|d| d.is_error()).collect();
            p.errors = errors.len().max(1);
            p.error = errors.first().map(|d| {
                let mut locator = Locator::new(&ws.sources);
                match &d.file {
                    Some(file) => {
                        let loc = locator.locate(file, &d.place);
                        format!("{file}:{}:{}: {}", loc.line, loc.column, d.message)
                    }
                    None => d.message.clone(),
                }
            });
        }
    }
    p
}

/// A fixed-width table, oldest first.
pub fn to_table(t: &Trend) -> String {
    let mut out = format!(
        "{:<12}  {:<10}  {:>5}  {:<5}  {:>8}  {:<7}  {}\n",
        "commit", "date", "score", "grade", "findings", "status", "summary"
    );
    for p in &t.commits {
        let score = p
            .score
            .map(|s| format!("{s:.1}"))
            .unwrap_or_else(|| "-".into());
        let findings = p
            .findings
            .map(|f| f.to_string())
            .unwrap_or_else(|| "-".into());
        let mut summary: String = p
            .summary
            .chars()
            .filter(|c| !c.is_control())
            .take(60)
            .collect();
        if let Some(e) = &p.error {
            let errors = format!("{} error{}", p.errors, crate::text::plural(p.errors));
            summary = format!(
                "{summary} [{errors}: {}]",
                e.chars()
                    .filter(|c| !c.is_control())
                    .take(120)
                    .collect::<String>()
            );
        }
        // A capped grade is marked and explained under the table.
        let grade = match (&p.grade, &p.grade_cap) {
            (Some(g), Some(_)) => format!("{g}*"),
            (Some(g), None) => g.clone(),
            (None, _) => "-".into(),
        };
        out.push_str(&format!(
            "{:<12}  {:<10}  {:>5}  {:<5}  {:>8}  {:<7}  {}\n",
            p.short(),
            p.date,
            score,
            grade,
            findings,
            p.status,
            summary.trim_end()
        ));
    }
    if t.commits.iter().any(|p| p.grade_cap.is_some()) {
        out.push_str(
            "* capped by the worst unwaived finding: a critical one caps the grade at D, a high one at B\n",
        );
    }
    out
}

pub fn to_json(t: &Trend) -> String {
    let mut s = serde_json::to_string_pretty(t).unwrap_or_default();
    s.push('\n');
    s
}

pub fn to_csv(t: &Trend) -> Result<String, String> {
    let err = |e: csv::Error| format!("cannot write CSV: {e}");
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record([
        "commit",
        "date",
        "as_of",
        "status",
        "score",
        "grade",
        "findings",
        "gate_passed",
        "errors",
        "error",
        "summary",
        "grade_cap",
    ])
    .map_err(err)?;
    for p in &t.commits {
        let opt = |v: Option<String>| v.unwrap_or_default();
        w.write_record([
            p.commit.clone(),
            p.date.clone(),
            p.as_of.clone(),
            p.status.clone(),
            opt(p.score.map(|s| format!("{s:.1}"))),
            opt(p.grade.clone()),
            opt(p.findings.map(|f| f.to_string())),
            opt(p.gate_passed.map(|g| g.to_string())),
            p.errors.to_string(),
            opt(p.error.clone()),
            p.summary.clone(),
            opt(p.grade_cap.as_ref().map(|c| c.reason.clone())),
        ])
        .map_err(err)?;
    }
    let bytes = w
        .into_inner()
        .map_err(|e| format!("cannot write CSV: {e}"))?;
    String::from_utf8(bytes).map_err(|e| format!("cannot write CSV: {e}"))
}

/// Geometry of the trend chart the HTML report draws (computed here so the
/// template only places numbers).
#[derive(Debug, Clone, Serialize)]
pub struct Chart {
    pub width: u32,
    pub height: u32,
    /// Polyline points of the valid commits, `x,y x,y ...`.
    pub line: String,
    pub points: Vec<ChartPoint>,
    /// Horizontal grid lines: (y, label).
    pub grid: Vec<(f64, String)>,
    pub plot_left: f64,
    pub plot_right: f64,
    pub plot_top: f64,
    pub plot_bottom: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct ChartPoint {
    pub x: f64,
    pub y: f64,
    pub ok: bool,
    pub label: String,
    pub commit: String,
    pub date: String,
    pub summary: String,
    /// Show the date under this point (first, last, and a few between).
    pub tick: bool,
}

pub fn chart(t: &Trend) -> Chart {
    let (width, height) = (860u32, 260u32);
    let (left, right, top, bottom) = (
        44.0,
        f64::from(width) - 44.0,
        16.0,
        f64::from(height) - 44.0,
    );
    let n = t.commits.len();
    let x = |i: usize| {
        if n <= 1 {
            (left + right) / 2.0
        } else {
            left + (right - left) * i as f64 / (n - 1) as f64
        }
    };
    // The axis starts below the lowest score (in steps of 10), so small
    // changes near 100 stay visible.
    let lowest = t
        .commits
        .iter()
        .filter_map(|p| p.score)
        .fold(100.0f64, f64::min);
    let floor = (((lowest - 5.0) / 10.0).floor() * 10.0).clamp(0.0, 80.0);
    let y = |score: f64| {
        bottom - (bottom - top) * (score.clamp(floor, 100.0) - floor) / (100.0 - floor)
    };
    let round = |v: f64| (v * 10.0).round() / 10.0;
    // Up to six evenly spaced date labels, always the first and the last.
    let step = n.saturating_sub(1).div_ceil(5).max(1);
    let mut ticks: Vec<usize> = (0..n).step_by(step).collect();
    if let Some(&prev) = ticks.last() {
        if prev + 1 < n {
            if n - 1 - prev < step && ticks.len() > 1 {
                ticks.pop();
            }
            ticks.push(n - 1);
        }
    }
    let points: Vec<ChartPoint> = t
        .commits
        .iter()
        .enumerate()
        .map(|(i, p)| ChartPoint {
            x: round(x(i)),
            y: round(p.score.map_or(bottom, y)),
            ok: p.is_ok(),
            label: p
                .score
                .map(|s| format!("{s:.1}"))
                .unwrap_or_else(|| "invalid".into()),
            commit: p.short().to_string(),
            date: p.date.clone(),
            summary: p.summary.clone(),
            tick: ticks.contains(&i),
        })
        .collect();
    let line = points
        .iter()
        .filter(|p| p.ok)
        .map(|p| format!("{},{}", p.x, p.y))
        .collect::<Vec<_>>()
        .join(" ");
    let grid = (0..5)
        .map(|k| {
            let s = floor + (100.0 - floor) * f64::from(k) / 4.0;
            (round(y(s)), format!("{}", round(s)))
        })
        .collect();
    Chart {
        width,
        height,
        line,
        points,
        grid,
        plot_left: left,
        plot_right: right,
        plot_top: top,
        plot_bottom: bottom,
    }
}
