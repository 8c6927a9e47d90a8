//! Calendar arithmetic for the few time formats the APIs use, without a clock: RFC 3339 /
//! ISO-8601 instants (`2021-07-08T02:30:00.000Z`, `2022-08-30T00:33:27-04:00`), GHL's
//! zone-less appointment times (`2021-07-16 11:00:00`) and plain dates.
//!
//! Kept by hand (about a hundred lines) instead of a date crate: the app needs parsing,
//! formatting and day arithmetic only, and every byte ships to the browser.

/// A point in time, milliseconds since the Unix epoch (UTC).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Instant(pub i64);

/// A calendar date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CivilDate {
    /// Year.
    pub year: i32,
    /// Month, 1–12.
    pub month: u8,
    /// Day of month, 1–31.
    pub day: u8,
}

/// A wall-clock date and time with no zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct LocalDateTime {
    /// The date.
    pub date: CivilDate,
    /// Milliseconds since midnight.
    pub ms_of_day: u32,
}

const MS_PER_DAY: i64 = 86_400_000;

impl CivilDate {
    /// Days since 1970-01-01 (negative before), after Howard Hinnant's `days_from_civil`.
    pub fn days_from_epoch(self) -> i64 {
        let y = i64::from(self.year) - i64::from(self.month <= 2);
        let era = y.div_euclid(400);
        let yoe = y - era * 400;
        let m = i64::from(self.month);
        let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(self.day) - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        era * 146_097 + doe - 719_468
    }

    /// The date `days` after 1970-01-01 (`civil_from_days`).
    pub fn from_days(days: i64) -> Self {
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = (doy - (153 * mp + 2) / 5 + 1) as u8;
        let month = if mp < 10 { mp + 3 } else { mp - 9 } as u8;
        let year = (yoe + era * 400 + i64::from(month <= 2)) as i32;
        CivilDate { year, month, day }
    }

    /// Parses `YYYY-MM-DD`, rejecting impossible dates.
    pub fn parse_iso(s: &str) -> Option<Self> {
        let b = s.as_bytes();
        if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
            return None;
        }
        let d = CivilDate { year: num(&s[0..4])? as i32, month: num(&s[5..7])? as u8, day: num(&s[8..10])? as u8 };
        (d.month >= 1 && d.month <= 12 && d.day >= 1 && d.day <= days_in_month(d.year, d.month)).then_some(d)
    }

    /// Day of the week, 0 = Monday … 6 = Sunday.
    pub fn weekday(self) -> u8 {
        (self.days_from_epoch() + 3).rem_euclid(7) as u8
    }

    /// The date `n` days later.
    pub fn add_days(self, n: i64) -> Self {
        Self::from_days(self.days_from_epoch() + n)
    }
}

impl std::fmt::Display for CivilDate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

fn days_in_month(year: i32, month: u8) -> u8 {
    match month {
        4 | 6 | 9 | 11 => 30,
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        _ => 31,
    }
}

fn num(s: &str) -> Option<u32> {
    (!s.is_empty() && s.bytes().all(|c| c.is_ascii_digit())).then(|| s.parse().ok()).flatten()
}

/// Parses `HH:MM[:SS[.fff…]]` into milliseconds since midnight.
fn parse_time(s: &str) -> Option<u32> {
    let (hms, frac) = s.split_once('.').map_or((s, None), |(a, b)| (a, Some(b)));
    let mut parts = hms.split(':');
    let h = num(parts.next()?)?;
    let m = num(parts.next()?)?;
    let sec = parts.next().map_or(Some(0), num)?;
    if parts.next().is_some() || h > 23 || m > 59 || sec > 60 {
        return None;
    }
    let ms = match frac {
        None => 0,
        Some(f) if !f.is_empty() && f.bytes().all(|c| c.is_ascii_digit()) => {
            let digits: String = f.chars().chain("000".chars()).take(3).collect();
            digits.parse::<u32>().ok()?
        }
        Some(_) => return None,
    };
    Some(((h * 60 + m) * 60 + sec.min(59)) * 1000 + ms)
}

impl LocalDateTime {
    /// Parses GHL's zone-less `YYYY-MM-DD HH:MM:SS` (a `T` separator is accepted too).
    pub fn parse(s: &str) -> Option<Self> {
        let s = s.trim();
        let date = CivilDate::parse_iso(s.get(..10)?)?;
        let rest = s.get(10..)?;
        let time = rest.strip_prefix(' ').or_else(|| rest.strip_prefix('T'))?;
        Some(LocalDateTime { date, ms_of_day: parse_time(time)? })
    }

    /// This wall-clock time read in a zone `offset_minutes` east of UTC.
    pub fn to_instant(self, offset_minutes: i32) -> Instant {
        Instant(self.date.days_from_epoch() * MS_PER_DAY + i64::from(self.ms_of_day) - i64::from(offset_minutes) * 60_000)
    }
}

impl Instant {
    /// Parses an RFC 3339 / ISO-8601 instant with `Z` or a `±HH:MM` offset (also `±HHMM`),
    /// with or without fractional seconds. A date alone reads as midnight UTC.
    pub fn parse(s: &str) -> Option<Self> {
        let s = s.trim();
        if s.len() == 10 {
            return CivilDate::parse_iso(s).map(|d| Instant(d.days_from_epoch() * MS_PER_DAY));
        }
        let date = CivilDate::parse_iso(s.get(..10)?)?;
        let rest = s.get(10..)?;
        let rest = rest.strip_prefix('T').or_else(|| rest.strip_prefix('t')).or_else(|| rest.strip_prefix(' '))?;
        let (time, offset_min) = if let Some(t) = rest.strip_suffix('Z').or_else(|| rest.strip_suffix('z')) {
            (t, 0)
        } else {
            let at = rest.rfind(['+', '-'])?;
            let (t, off) = rest.split_at(at);
            let sign = if off.starts_with('-') { -1 } else { 1 };
            let digits: String = off[1..].chars().filter(|c| *c != ':').collect();
            if digits.len() != 4 {
                return None;
            }
            let h = num(&digits[..2])? as i32;
            let m = num(&digits[2..])? as i32;
            (t, sign * (h * 60 + m))
        };
        let ms = parse_time(time)?;
        Some(LocalDateTime { date, ms_of_day: ms }.to_instant(offset_min))
    }

    /// The wall-clock time in a zone `offset_minutes` east of UTC.
    pub fn to_local(self, offset_minutes: i32) -> LocalDateTime {
        let t = self.0 + i64::from(offset_minutes) * 60_000;
        LocalDateTime { date: CivilDate::from_days(t.div_euclid(MS_PER_DAY)), ms_of_day: t.rem_euclid(MS_PER_DAY) as u32 }
    }

    /// RFC 3339 in UTC without fractional seconds: `2020-10-25T11:00:00Z` (the form GHL's
    /// task examples use).
    pub fn to_rfc3339(self) -> String {
        let l = self.to_local(0);
        let s = l.ms_of_day / 1000;
        format!("{}T{:02}:{:02}:{:02}Z", l.date, s / 3600, s / 60 % 60, s % 60)
    }
}

/// The browser's (or any) time zone as a function from an instant to its UTC offset in
/// minutes east, so day grouping is right on both sides of a DST change. The wasm edge
/// implements it with `Date.prototype.getTimezoneOffset`; tests use [`FixedOffset`].
pub trait Zone {
    /// Offset east of UTC in minutes at `at`.
    fn offset_minutes(&self, at: Instant) -> i32;

    /// The offset to use for a wall-clock time in this zone (the offset at the same instant
    /// read as UTC, corrected once; right except inside a DST gap).
    fn offset_for_local(&self, local: LocalDateTime) -> i32 {
        let guess = self.offset_minutes(local.to_instant(0));
        self.offset_minutes(local.to_instant(guess))
    }
}

/// A zone with a constant offset.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FixedOffset(pub i32);

impl Zone for FixedOffset {
    fn offset_minutes(&self, _at: Instant) -> i32 {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_days() {
        for days in [-800_000, -1, 0, 1, 59, 365, 11_016, 20_000, 2_932_896] {
            assert_eq!(CivilDate::from_days(days).days_from_epoch(), days);
        }
        assert_eq!(CivilDate::from_days(0).to_string(), "1970-01-01");
        assert_eq!(CivilDate::parse_iso("2024-02-29").unwrap().days_from_epoch(), 19_782);
    }

    #[test]
    fn rejects_impossible_dates() {
        for s in ["2023-02-29", "2024-13-01", "2024-00-10", "2024-1-01", "abcd-ef-gh", "2024-04-31"] {
            assert_eq!(CivilDate::parse_iso(s), None, "{s}");
        }
    }

    #[test]
    fn parses_instants_in_every_form_the_apis_send() {
        let z = Instant::parse("2021-07-08T02:30:00.000Z").unwrap();
        assert_eq!(z, Instant(1_625_711_400_000));
        assert_eq!(Instant::parse("2021-07-07T22:30:00-04:00"), Some(z));
        assert_eq!(Instant::parse("2021-07-08T08:00:00+0530"), Some(z));
        assert_eq!(Instant::parse("2021-07-08T02:30:00Z"), Some(z));
        assert_eq!(Instant::parse("2021-07-08T02:30:00.5Z"), Some(Instant(z.0 + 500)));
        assert_eq!(Instant::parse("2021-07-08"), Some(Instant(1_625_702_400_000)));
        assert_eq!(Instant::parse("2021-07-08T02:30:00"), None, "no zone is not an instant");
        assert_eq!(Instant::parse("yesterday"), None);
        assert_eq!(z.to_rfc3339(), "2021-07-08T02:30:00Z");
    }

    #[test]
    fn appointment_times_are_wall_clock() {
        let l = LocalDateTime::parse("2021-07-16 11:00:00").unwrap();
        assert_eq!(l.ms_of_day, 11 * 3_600_000);
        // 11:00 in UTC+2 is 09:00 UTC.
        assert_eq!(l.to_instant(120).to_rfc3339(), "2021-07-16T09:00:00Z");
        assert_eq!(l.to_instant(120).to_local(120), l);
        assert_eq!(LocalDateTime::parse("2021-07-16 25:00:00"), None);
    }

    #[test]
    fn weekdays() {
        assert_eq!(CivilDate::parse_iso("1970-01-01").unwrap().weekday(), 3); // Thursday
        assert_eq!(CivilDate::parse_iso("2026-12-07").unwrap().weekday(), 0); // Monday
    }
}
