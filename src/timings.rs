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
    started: Option<Instant>,
}

pub fn phase(name: &'static str) -> Phase {
    Phase {
        name,
        started: enabled().then(Instant::now),
    }
}

impl Drop for Phase {
    fn drop(&mut self) {
        if let Some(s) = self.started {
            eprintln!(
                "timing {:>24}: {:>8.1} ms, resident {:>5} MB",
                self.name,
                s.elapsed().as_secs_f64() * 1e3,
                resident_mb()
            );
        }
    }
}

/// Resident memory now, in MB (Linux; 0 elsewhere).
fn resident_mb() -> u64 {
    std::fs::read_to_string("/proc/self/statm")
        .ok()
        .and_then(|s| s.split_whitespace().nth(1)?.parse::<u64>().ok())
        .map_or(0, |pages| pages * 4096 / 1_000_000)
}
