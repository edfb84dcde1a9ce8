//! Dates and ISO 8601 durations (via jiff), and "today", which tests and
//! reproducible runs fix with `PRIVGATE_TODAY` or `--today`.

use jiff::civil::Date;
use jiff::Span;

pub fn parse_date(text: &str) -> Result<Date, String> {
    let shape = "expected YYYY-MM-DD";
    let parts: Vec<&str> = text.split('-').collect();
    let [y, m, d] = parts.as_slice() else {
        return Err(shape.into());
    };
    if y.len() != 4 || m.len() != 2 || d.len() != 2 {
        return Err(shape.into());
    }
    let (Ok(year), Ok(month), Ok(day)) = (y.parse::<i16>(), m.parse::<i8>(), d.parse::<i8>())
    else {
        return Err(shape.into());
    };
    if !(1..=12).contains(&month) {
        return Err(format!("there is no month {month}"));
    }
    Date::new(year, month, day).map_err(|_| {
        let days = Date::new(year, month, 1).map_or(31, |first| first.days_in_month());
        format!("{y}-{m} has {days} days")
    })
}

/// Help for a date written in another common way: which `YYYY-MM-DD` it
/// is, or, when day and month could be either way round (`09/01/2026`),
/// both readings. `None` when `text` does not look like a date.
pub fn date_suggestion(text: &str) -> Option<String> {
    let t = text.trim();
    if t.len() > 64 {
        return None;
    }
    let iso = |y: i64, m: i64, d: i64| -> Option<String> {
        let s = format!("{y:04}-{m:02}-{d:02}");
        (parse_date(&s).is_ok() && (1000..=9999).contains(&y)).then_some(s)
    };
    let write = |s: String, how: &str| format!("write `{s}` ({how}; dates are YYYY-MM-DD)");
    // A date and a time: the date alone.
    if let Some((date, _)) = t.split_once(['T', ' ']) {
        if parse_date(date).is_ok() {
            return Some(format!("write the date alone: `{date}`"));
        }
    }
    let numbers: Vec<&str> = t.split(['.', '/', '-']).collect();
    let seps: Vec<char> = t.chars().filter(|c| matches!(c, '.' | '/' | '-')).collect();
    if let ([a, b, c], [sep, sep2]) = (numbers.as_slice(), seps.as_slice()) {
        let all_digits = [a, b, c]
            .iter()
            .all(|p| !p.is_empty() && p.len() <= 4 && p.chars().all(|ch| ch.is_ascii_digit()));
        if all_digits && sep == sep2 {
            let (a_n, b_n, c_n) = (a.parse().ok()?, b.parse().ok()?, c.parse().ok()?);
            if a.len() == 4 {
                // 2025/03/01, 2025.3.1, 2025-3-1: year first, then month.
                return iso(a_n, b_n, c_n).map(|s| write(s, "year, month, day"));
            }
            if c.len() != 4 {
                return None;
            }
            if *sep == '.' {
                // 01.03.2025: day.month.year wherever dots are used.
                return iso(c_n, b_n, a_n).map(|s| write(s, "read as day.month.year"));
            }
            let day_month = iso(c_n, b_n, a_n);
            let month_day = iso(c_n, a_n, b_n);
            return match (day_month, month_day) {
                (Some(dm), Some(md)) if dm == md => Some(write(dm, "day and month are the same")),
                (Some(dm), Some(md)) => Some(format!(
                    "`{t}` is `{md}` read as month/day/year (US) but `{dm}` read as day/month/year: write the one you mean as YYYY-MM-DD"
                )),
                (Some(dm), None) => Some(write(dm, "read as day/month/year")),
                (None, Some(md)) => Some(write(md, "read as month/day/year")),
                (None, None) => None,
            };
        }
    }
    // 1 March 2025, March 1, 2025, Mar 1 2025.
    let words: Vec<String> = t
        .split([' ', ','])
        .filter(|w| !w.is_empty())
        .map(|w| w.trim_end_matches('.').to_lowercase())
        .collect();
    if let [x, y, z] = words.as_slice() {
        const MONTHS: [&str; 12] = [
            "january",
            "february",
            "march",
            "april",
            "may",
            "june",
            "july",
            "august",
            "september",
            "october",
            "november",
            "december",
        ];
        let month = |w: &str| {
            (w.len() >= 3)
                .then(|| MONTHS.iter().position(|m| m.starts_with(w)))
                .flatten()
                .map(|i| i as i64 + 1)
        };
        let day = |w: &str| {
            w.trim_end_matches(['s', 't', 'n', 'd', 'r', 'h'])
                .parse::<i64>()
                .ok()
        };
        let year = z.parse::<i64>().ok()?;
        let found = match (month(x), month(y)) {
            (Some(m), None) => day(y).map(|d| (m, d)),
            (None, Some(m)) => day(x).map(|d| (m, d)),
            _ => None,
        };
        if let Some((m, d)) = found {
            return iso(year, m, d).map(|s| write(s, "year, month, day"));
        }
    }
    None
}

/// An ISO 8601 duration (`P30D`, `P1Y6M`, `PT72H`). jiff also reads a
/// "friendly" format (`7 years`); manifests only accept ISO 8601.
pub fn parse_duration(text: &str) -> Result<Span, String> {
    if !text.starts_with('P') {
        return Err("must start with `P`".into());
    }
    let span: Span = text.parse().map_err(|e: jiff::Error| e.to_string())?;
    if span.is_zero() {
        return Err("a zero duration".into());
    }
    Ok(span)
}

/// Length in days, counting a year as 365 days and a month as 30 (the
/// reading rules.md gives for SLAs: "an SLA in months counts as 30 days a
/// month").
pub fn nominal_days(span: &Span) -> f64 {
    f64::from(span.get_years()) * 365.0
        + f64::from(span.get_months()) * 30.0
        + f64::from(span.get_weeks()) * 7.0
        + f64::from(span.get_days())
        + span.get_hours() as f64 / 24.0
        + span.get_minutes() as f64 / 1440.0
        + span.get_seconds() as f64 / 86400.0
}

/// Whether period `a` is longer than period `b` on the calendar, both
/// counted from the start of `from`: P121M is longer than P10Y, P3651D is not
/// (ten years from 2026 hold 3,652 days). A period that runs past the end of
/// the calendar (P9999Y) is longer than any that does not; two such compare
/// by nominal length.
pub fn longer(a: &Span, b: &Span, from: Date) -> bool {
    let start = from.to_datetime(jiff::civil::Time::midnight());
    let end = |s: &Span| start.checked_add(*s).ok();
    match (end(a), end(b)) {
        (Some(a), Some(b)) => a > b,
        (None, Some(_)) => true,
        (Some(_), None) => false,
        (None, None) => nominal_days(a) > nominal_days(b),
    }
}

/// Days from `today` to `date` (negative when past).
pub fn days_between(today: Date, date: Date) -> Option<i64> {
    today.until(date).ok().map(|s| i64::from(s.get_days()))
}

/// `date + span`, calendar-aware (P1Y from 2024-02-29 is 2025-02-28).
pub fn add(date: Date, span: Span) -> Option<Date> {
    date.checked_add(span).ok()
}

/// The run date: `--today` wins, then `PRIVGATE_TODAY`, then the clock.
pub fn today(flag: Option<&str>) -> Result<Date, String> {
    if let Some(text) = flag {
        return parse_date(text).map_err(|e| format!("--today `{text}`: {e}"));
    }
    if let Ok(text) = std::env::var("PRIVGATE_TODAY") {
        if !text.is_empty() {
            return parse_date(&text).map_err(|e| format!("PRIVGATE_TODAY `{text}`: {e}"));
        }
    }
    Ok(jiff::Zoned::now().date())
}

/// The duration `v` was probably meant to be (`p8y`, `8 years`, `PT2Y`),
/// or `indefinite` for a retention period written in words.
pub fn duration_suggestion(v: &str, period: bool) -> Option<String> {
    let t = v.trim();
    let lower = t.to_ascii_lowercase();
    if period
        && ["indefinitely", "forever", "unlimited", "infinite", "none"].contains(&lower.as_str())
    {
        return Some("did you mean `indefinite`?".into());
    }
    let upper = t.to_ascii_uppercase();
    // `PT72.5H`: ISO 8601 allows a fraction, privgate does not (whole
    // units compare exactly); the same length in whole smaller units.
    if upper.contains(['.', ',']) {
        if let Ok(span) = upper.replace(',', ".").parse::<Span>() {
            if parse_duration(&span.to_string()).is_ok() {
                return Some(format!(
                    "fractions are not supported: did you mean `{span}`?"
                ));
            }
        }
    }
    // `PT2Y`: the time designator belongs before hours, minutes, seconds.
    let untimed = upper.replacen("PT", "P", 1);
    let words = in_words(&lower);
    [Some(upper), Some(untimed), words]
        .into_iter()
        .flatten()
        .find(|c| c != v && parse_duration(c).is_ok())
        .map(|c| format!("did you mean `{c}`?"))
}

/// `8 years`, `30 days`, `1 month`, `1y`, `30d` as ISO 8601.
fn in_words(lower: &str) -> Option<String> {
    let split_at = lower.find(|c: char| !c.is_ascii_digit())?;
    let (n, unit) = match lower.split_once(char::is_whitespace) {
        Some(parts) => parts,
        None => lower.split_at(split_at),
    };
    let n: u32 = n.parse().ok()?;
    let unit = unit.trim().trim_end_matches('s');
    let designator = match unit {
        "year" | "yr" | "y" => "Y",
        "month" | "mo" => "M",
        "week" | "wk" | "w" => "W",
        "day" | "d" => "D",
        "hour" | "hr" | "h" => return Some(format!("PT{n}H")),
        _ => return None,
    };
    Some(format!("P{n}{designator}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_unit_letters_are_suggested_as_iso_durations() {
        for (typed, meant) in [
            ("1y", "P1Y"),
            ("30d", "P30D"),
            ("72h", "PT72H"),
            ("2 weeks", "P2W"),
        ] {
            assert_eq!(
                duration_suggestion(typed, false),
                Some(format!("did you mean `{meant}`?")),
                "{typed}"
            );
        }
        assert_eq!(duration_suggestion("soon", false), None);
    }

    #[test]
    fn a_fraction_is_suggested_in_whole_smaller_units() {
        assert_eq!(
            duration_suggestion("PT72.5H", false).as_deref(),
            Some("fractions are not supported: did you mean `PT72H30M`?")
        );
        assert_eq!(
            duration_suggestion("PT1,5H", false).as_deref(),
            Some("fractions are not supported: did you mean `PT1H30M`?")
        );
    }

    #[test]
    fn durations() {
        assert_eq!(nominal_days(&parse_duration("P1M").unwrap()), 30.0);
        assert_eq!(nominal_days(&parse_duration("PT72H").unwrap()), 3.0);
        let from = parse_date("2026-12-01").unwrap();
        let longer = |a: &str, b: &str| {
            longer(
                &parse_duration(a).unwrap(),
                &parse_duration(b).unwrap(),
                from,
            )
        };
        // Months against years: 121 months are more than ten years.
        assert!(longer("P121M", "P10Y"));
        assert!(!longer("P120M", "P10Y") && !longer("P10Y", "P120M"));
        // Days against years: ten years from 2026-12-01 hold 3,653 days.
        assert!(!longer("P3652D", "P10Y"));
        assert!(longer("P3654D", "P10Y"));
        assert!(longer("P10Y1D", "P10Y") && longer("PT25H", "P1D"));
        assert!(!longer("P1Y", "P1Y"));
        // Past the end of the calendar: longer than any period within it.
        assert!(longer("P9999Y", "P10Y") && !longer("P10Y", "P9999Y"));
        assert!(longer("P9999Y", "P9000Y"));
        assert_eq!(nominal_days(&parse_duration("P1Y6M").unwrap()), 545.0);
        assert!(parse_duration("7 years").is_err());
        assert!(parse_duration("P").is_err());
    }

    #[test]
    fn dates() {
        assert!(parse_date("2025-13-45").is_err());
        assert!(parse_date("2024-02-29").is_ok());
        assert_eq!(parse_date("2025-02-29").unwrap_err(), "2025-02 has 28 days");
        assert_eq!(
            parse_date("2025-13-01").unwrap_err(),
            "there is no month 13"
        );
        assert_eq!(parse_date("25-1-1").unwrap_err(), "expected YYYY-MM-DD");
        let d = parse_date("2024-02-29").unwrap();
        assert_eq!(
            add(d, parse_duration("P1Y").unwrap()).unwrap().to_string(),
            "2025-02-28"
        );
    }
}

#[cfg(test)]
mod date_suggestion_tests {
    use super::date_suggestion;

    #[test]
    fn dates_in_other_formats_get_their_iso_form() {
        let says = |t: &str, want: &str| {
            let got = date_suggestion(t).unwrap_or_default();
            assert!(got.contains(want), "{t}: {got}");
        };
        says("01.03.2025", "`2025-03-01` (read as day.month.year");
        says("1.3.2025", "`2025-03-01`");
        says("2025/03/01", "`2025-03-01`");
        says("2025-3-1", "`2025-03-01`");
        says("25/12/2026", "`2026-12-25` (read as day/month/year");
        says("12/25/2026", "`2026-12-25` (read as month/day/year");
        says("05/05/2026", "`2026-05-05`");
        says("1 March 2025", "`2025-03-01`");
        says("March 1, 2025", "`2025-03-01`");
        says("2025-03-01T10:00:00Z", "write the date alone: `2025-03-01`");
    }

    #[test]
    fn a_day_and_month_that_could_be_either_way_round_get_both_readings() {
        let got = date_suggestion("09/01/2026").unwrap();
        assert!(
            got.contains("`2026-09-01` read as month/day/year")
                && got.contains("`2026-01-09` read as day/month/year"),
            "{got}"
        );
    }

    #[test]
    fn what_is_no_date_gets_no_suggestion() {
        for t in ["soon", "31.02.2025", "1.2.3", "2025", "99/99/2025", ""] {
            assert_eq!(date_suggestion(t), None, "{t}");
        }
    }
}
