//! Phase timings for profiling: `PRIVGATE_TIMINGS=1` prints how long each
//! pipeline stage took to stderr. Off by default, so output stays
//! deterministic.

use std::sync::OnceLock;
use std::time::Instant;

fn enabled() -> bool {
    static ON: OnceLock<bool> = OnceLock::new();
    *ON.get_or_init(|| std::env::var_os("PRIVGATE_TIMINGS").is_some_and(|v| v != "0"))
}

/// Times one stage; prints its name and duration when dropped.
pub struct Phase {
    name: &'static str,
    started: Option<(Instant, u64)>,
}

pub fn phase(name: &'static str) -> Phase {
    Phase {
        name,
        started: enabled().then(|| (Instant::now(), cpu_ms())),
    }
}

impl Drop for Phase {
    fn drop(&mut self) {
        if let Some((wall, cpu)) = self.started {
            // CPU time over wall time shows how well a stage uses the cores.
            eprintln!(
                "timing {:>24}: {:>8.1} ms, cpu {:>6} ms, resident {:>5} MB",
                self.name,
                wall.elapsed().as_secs_f64() * 1e3,
                cpu_ms().saturating_sub(cpu),
                resident_mb()
            );
        }
    }
}

/// CPU time of the whole process so far, all threads, in ms (Linux, to the
/// kernel's 10 ms tick; 0 elsewhere).
fn cpu_ms() -> u64 {
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else {
        return 0;
    };
    // Fields after the command name (which may hold spaces) in parentheses:
    // utime and stime are the 12th and 13th.
    let after = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let ticks: u64 = after
        .split_whitespace()
        .skip(11)
        .take(2)
        .filter_map(|f| f.parse::<u64>().ok())
        .sum();
    ticks * 10
}

/// Resident memory now, in MB (Linux; 0 elsewhere).
fn resident_mb() -> u64 {
    std::fs::read_to_string("/proc/self/statm")
        .ok()
        .and_then(|s| s.split_whitespace().nth(1)?.parse::<u64>().ok())
        .map_or(0, |pages| pages * 4096 / 1_000_000)
}
