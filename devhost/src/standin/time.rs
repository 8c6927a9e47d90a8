//! Timestamp formats of the two APIs, built on the core's calendar arithmetic.

use ghl_bridge::datetime::{Instant, LocalDateTime};

/// GHL's read form: ISO-8601 UTC with milliseconds, `2021-07-02T05:18:26.704Z`.
pub fn ghl_timestamp(ms: i64) -> String {
    let l = Instant(ms).to_local(0);
    format!("{}T{}.{:03}Z", l.date, hms(l), l.ms_of_day % 1000)
}

/// Freshsales' form: seconds with the account's offset, `2022-08-30T00:33:27-04:00`.
pub fn fs_timestamp(ms: i64, offset_minutes: i32) -> String {
    let l = Instant(ms).to_local(offset_minutes);
    format!("{}T{}{}", l.date, hms(l), offset_suffix(offset_minutes))
}

/// `+HH:MM` / `-HH:MM` for an offset in minutes east of UTC.
pub fn offset_suffix(offset_minutes: i32) -> String {
    let sign = if offset_minutes < 0 { '-' } else { '+' };
    let m = offset_minutes.unsigned_abs();
    format!("{sign}{:02}:{:02}", m / 60, m % 60)
}

/// Parses `+HH:MM`, `-HH:MM` or `Z` into minutes east of UTC.
pub fn parse_offset(s: &str) -> Option<i32> {
    let s = s.trim();
    if s.eq_ignore_ascii_case("z") {
        return Some(0);
    }
    let sign = match s.as_bytes().first()? {
        b'+' => 1,
        b'-' => -1,
        _ => return None,
    };
    let (h, m) = s[1..].split_once(':')?;
    if h.len() != 2 || m.len() != 2 {
        return None;
    }
    let (h, m): (i32, i32) = (h.parse().ok()?, m.parse().ok()?);
    (h <= 14 && m < 60).then_some(sign * (h * 60 + m))
}

/// GHL's zone-less appointment form, `2021-07-16 11:00:00`.
pub fn local_timestamp(l: LocalDateTime) -> String {
    format!("{} {}", l.date, hms(l))
}

fn hms(l: LocalDateTime) -> String {
    let s = l.ms_of_day / 1000;
    format!("{:02}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_both_apis_timestamps() {
        let t = Instant::parse("2021-07-02T05:18:26.704Z").unwrap().0;
        assert_eq!(ghl_timestamp(t), "2021-07-02T05:18:26.704Z");
        assert_eq!(fs_timestamp(t, -300), "2021-07-02T00:18:26-05:00");
        assert_eq!(fs_timestamp(t, 330), "2021-07-02T10:48:26+05:30");
        assert_eq!(parse_offset("-05:00"), Some(-300));
        assert_eq!(parse_offset("+05:30"), Some(330));
        assert_eq!(parse_offset("Z"), Some(0));
        assert_eq!(parse_offset("0500"), None);
        assert_eq!(local_timestamp(LocalDateTime::parse("2021-07-16 11:00:00").unwrap()), "2021-07-16 11:00:00");
    }
}
