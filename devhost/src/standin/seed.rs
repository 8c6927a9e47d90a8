//! The seed: the data set both stand-ins start from, in the APIs' own JSON shapes (format in
//! `devhost/seed/README.md`). The default one is embedded; `devhost --seed FILE` loads
//! another.
//!
//! Dates in a seed are absolute, API-shaped strings written as of the file's
//! `referenceTime`. On load every one of them moves by the time since then (see
//! [`shift_dates`]), so "overdue" and "next week" stay true whenever the demo runs.

use std::collections::HashSet;

use ghl_bridge::datetime::{Instant, LocalDateTime};
use ghl_bridge::link::LinkRecord;
use serde::Deserialize;
use serde_json::{Map, Value};

use super::time::{local_timestamp, offset_suffix};

/// The embedded default data set.
pub const DEFAULT_SEED: &str = include_str!("../../seed/default.json");

/// Shifts are rounded to whole hours, so seeded times keep their minutes (10:30 stays
/// :30) and relative distances stay within half an hour of what the file says.
pub const SHIFT_GRANULARITY_MS: i64 = 3_600_000;

/// Keys whose values are calendar facts, never shifted.
const NEVER_SHIFTED: &[&str] = &["dateOfBirth", "date_of_birth"];

/// A loaded, date-shifted seed.
#[derive(Debug, Clone, PartialEq)]
pub struct Seed {
    /// The file's `referenceTime`, ms since the epoch.
    pub reference_ms: i64,
    /// How far every date was moved on load.
    pub shift_ms: i64,
    /// GHL data.
    pub ghl: GhlSeed,
    /// Freshsales data.
    pub freshsales: FsSeed,
    /// Link records (`LinkRecord` JSON) for the KV store.
    pub links: Vec<Value>,
}

/// The GHL part of a seed.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct GhlSeed {
    /// The location every object belongs to.
    pub location_id: String,
    /// The location's "Allow Duplicate Contact" setting.
    #[serde(default)]
    pub allow_duplicate_contacts: bool,
    /// Contacts as `GET /contacts/:id` returns them (`contact` member).
    #[serde(default)]
    pub contacts: Vec<Value>,
    /// Ids of contacts that existed and were deleted (a link may still point at one).
    #[serde(default)]
    pub deleted_contact_ids: Vec<String>,
    /// Tasks as `GET /contacts/:id/tasks` returns them, each with its `contactId`.
    #[serde(default)]
    pub tasks: Vec<Value>,
    /// Notes as `GET /contacts/:id/notes` returns them, each with its `contactId`.
    #[serde(default)]
    pub notes: Vec<Value>,
    /// Appointments as `GET /contacts/:id/appointments` returns them (`events`).
    #[serde(default)]
    pub appointments: Vec<Value>,
}

/// The Freshsales part of a seed.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FsSeed {
    /// The account's UTC offset (`-05:00`), used for every timestamp the stand-in writes.
    pub utc_offset: String,
    /// Contacts as `GET /crm/sales/api/contacts/:id?include=sales_accounts` returns them
    /// (`contact` member, with `sales_accounts`).
    #[serde(default)]
    pub contacts: Vec<Value>,
    /// Notes, each with `targetable_type` and `targetable_id`.
    #[serde(default)]
    pub notes: Vec<Value>,
    /// Tasks, each with `targetable_type` and `targetable_id`.
    #[serde(default)]
    pub tasks: Vec<Value>,
    /// Saved contact views, as `GET /crm/sales/api/contacts/filters` lists them.
    #[serde(default)]
    pub filters: Vec<Value>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct SeedFile {
    #[serde(default, rename = "$comment")]
    _comment: Value,
    #[serde(rename = "referenceTime")]
    _reference_time: String,
    ghl: GhlSeed,
    freshsales: FsSeed,
    #[serde(default)]
    links: Vec<Value>,
}

impl Seed {
    /// The embedded default seed, shifted to `now_ms`.
    pub fn default_at(now_ms: i64) -> Seed {
        Seed::from_json(DEFAULT_SEED, now_ms).expect("the embedded seed is valid (tested)")
    }

    /// Parses, shifts and checks a seed file's text.
    pub fn from_json(text: &str, now_ms: i64) -> Result<Seed, String> {
        Seed::from_value(serde_json::from_str(text).map_err(|e| format!("seed is not JSON: {e}"))?, now_ms)
    }

    /// Shifts and checks a parsed seed file.
    pub fn from_value(mut raw: Value, now_ms: i64) -> Result<Seed, String> {
        let reference = raw["referenceTime"].as_str().ok_or("seed has no \"referenceTime\" string")?;
        let reference_ms = Instant::parse(reference).ok_or_else(|| format!("referenceTime {reference:?} is not an ISO-8601 instant"))?.0;
        let shift_ms = shift_for(reference_ms, now_ms);
        for part in ["ghl", "freshsales", "links"] {
            if let Some(v) = raw.get_mut(part) {
                shift_dates(v, shift_ms);
            }
        }
        let file: SeedFile = serde_json::from_value(raw).map_err(|e| format!("seed format: {e}"))?;
        let seed = Seed { reference_ms, shift_ms, ghl: file.ghl, freshsales: file.freshsales, links: file.links };
        seed.check()?;
        Ok(seed)
    }

    /// Reads and loads a seed file.
    pub fn load_file(path: &std::path::Path, now_ms: i64) -> Result<Seed, String> {
        let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read seed {}: {e}", path.display()))?;
        Seed::from_json(&text, now_ms).map_err(|e| format!("{}: {e}", path.display()))
    }

    /// The Freshsales account's offset in minutes east of UTC.
    pub fn fs_offset_minutes(&self) -> i32 {
        super::time::parse_offset(&self.freshsales.utc_offset).unwrap_or(0)
    }

    /// The KV store's initial records: each link record under `LinkRecord::key(fs_id)`, in
    /// the form the core stores it.
    pub fn initial_db(&self) -> Vec<(String, Value)> {
        self.links
            .iter()
            .map(|v| {
                let r = LinkRecord::from_value(v.clone()).expect("links are checked on load");
                (LinkRecord::key(&r.fs_id), r.to_stored().expect("seeded link records are small"))
            })
            .collect()
    }

    fn check(&self) -> Result<(), String> {
        let mut errors = Vec::new();
        if super::time::parse_offset(&self.freshsales.utc_offset).is_none() {
            errors.push(format!("freshsales.utcOffset {:?} is not ±HH:MM", self.freshsales.utc_offset));
        }
        let ghl_ids = unique_ids(&self.ghl.contacts, "ghl.contacts", |c| c["id"].as_str().map(str::to_string), &mut errors);
        for id in &self.ghl.deleted_contact_ids {
            if ghl_ids.contains(id) {
                errors.push(format!("ghl.deletedContactIds: {id} is also a live contact"));
            }
        }
        for (name, items) in [("tasks", &self.ghl.tasks), ("notes", &self.ghl.notes), ("appointments", &self.ghl.appointments)] {
            unique_ids(items, &format!("ghl.{name}"), |c| c["id"].as_str().map(str::to_string), &mut errors);
            for item in items {
                match item["contactId"].as_str() {
                    Some(c) if ghl_ids.contains(c) => {}
                    other => errors.push(format!("ghl.{name} {}: contactId {other:?} is not a seeded contact", item["id"])),
                }
            }
        }
        let fs_ids = unique_ids(&self.freshsales.contacts, "freshsales.contacts", |c| c["id"].as_u64().map(|i| i.to_string()), &mut errors);
        for (name, items) in [("notes", &self.freshsales.notes), ("tasks", &self.freshsales.tasks)] {
            unique_ids(items, &format!("freshsales.{name}"), |c| c["id"].as_u64().map(|i| i.to_string()), &mut errors);
            for item in items {
                let target = item["targetable_id"].as_u64().map(|i| i.to_string());
                if item["targetable_type"] != "Contact" || !target.as_ref().is_some_and(|t| fs_ids.contains(t)) {
                    errors.push(format!("freshsales.{name} {}: not attached to a seeded contact", item["id"]));
                }
            }
        }
        let mut linked = HashSet::new();
        for v in &self.links {
            match LinkRecord::from_value(v.clone()) {
                Err(e) => errors.push(format!("links: {e}")),
                Ok(r) => {
                    if !fs_ids.contains(&r.fs_id) {
                        errors.push(format!("links: fs_id {} is not a seeded Freshsales contact", r.fs_id));
                    }
                    if !linked.insert(r.fs_id.clone()) {
                        errors.push(format!("links: two records for fs_id {}", r.fs_id));
                    }
                    if let Some(g) = &r.ghl_id {
                        if !ghl_ids.contains(g) && !self.ghl.deleted_contact_ids.contains(g) {
                            errors.push(format!("links: ghl_id {g} is neither a seeded nor a deleted contact"));
                        }
                    }
                }
            }
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors.join("; "))
        }
    }
}

fn unique_ids(items: &[Value], what: &str, id: impl Fn(&Value) -> Option<String>, errors: &mut Vec<String>) -> HashSet<String> {
    let mut seen = HashSet::new();
    for item in items {
        match id(item) {
            Some(i) if seen.insert(i.clone()) => {}
            Some(i) => errors.push(format!("{what}: duplicate id {i}")),
            None => errors.push(format!("{what}: an item without a valid id: {}", truncate(&item.to_string()))),
        }
    }
    seen
}

fn truncate(s: &str) -> String {
    s.chars().take(80).collect()
}

/// How far to move a seed written as of `reference_ms` when loaded at `now_ms`: the
/// difference, rounded to [`SHIFT_GRANULARITY_MS`].
pub fn shift_for(reference_ms: i64, now_ms: i64) -> i64 {
    let d = now_ms - reference_ms;
    let g = SHIFT_GRANULARITY_MS;
    (d + g / 2).div_euclid(g) * g
}

/// Moves every date in `v` by `delta_ms`, keeping each one's format:
/// - ISO-8601 instants with `Z` or an offset, with or without fractional seconds
///   (`2021-07-02T05:18:26.704Z`, `2022-08-30T00:33:27-04:00`): same offset, same precision;
/// - zone-less date-times (`2021-07-16 11:00:00`, GHL appointments): as wall-clock time;
/// - epoch-millisecond integers under a key `at` or ending in `_at` (link records);
/// - date-only strings (`1990-09-25`) and anything under `dateOfBirth` are left alone:
///   birthdays do not move.
///
/// Only whole strings are dates: text that merely contains one is untouched.
pub fn shift_dates(v: &mut Value, delta_ms: i64) {
    match v {
        Value::Array(items) => items.iter_mut().for_each(|i| shift_dates(i, delta_ms)),
        Value::Object(map) => shift_object(map, delta_ms),
        Value::String(s) => {
            if let Some(shifted) = shift_string(s, delta_ms) {
                *s = shifted;
            }
        }
        _ => {}
    }
}

fn shift_object(map: &mut Map<String, Value>, delta_ms: i64) {
    for (k, v) in map.iter_mut() {
        if NEVER_SHIFTED.contains(&k.as_str()) {
            continue;
        }
        match v {
            Value::Number(n) if k == "at" || k.ends_with("_at") => {
                if let Some(ms) = n.as_i64().filter(|ms| *ms >= 1_000_000_000_000) {
                    *v = Value::from(ms + delta_ms);
                }
            }
            _ => shift_dates(v, delta_ms),
        }
    }
}

fn shift_string(s: &str, delta_ms: i64) -> Option<String> {
    let b = s.as_bytes();
    if b.len() < 19 || !(b[10] == b'T' || b[10] == b' ') {
        return None;
    }
    if b.len() == 19 {
        let l = LocalDateTime::parse(s)?;
        let moved = Instant(l.to_instant(0).0 + delta_ms).to_local(0);
        let out = local_timestamp(moved);
        return Some(if b[10] == b'T' { out.replacen(' ', "T", 1) } else { out });
    }
    let at = Instant::parse(s)?;
    let rest = &s[19..];
    let (frac, zone) = match rest.find(|c: char| c == 'Z' || c == 'z' || c == '+' || c == '-') {
        Some(i) => rest.split_at(i),
        None => return None,
    };
    let offset = if zone.eq_ignore_ascii_case("z") { 0 } else { super::time::parse_offset(zone)? };
    let digits = frac.strip_prefix('.').map_or(0, str::len);
    let l = Instant(at.0 + delta_ms).to_local(offset);
    let secs = l.ms_of_day / 1000;
    let mut out = format!("{}{}{:02}:{:02}:{:02}", l.date, b[10] as char, secs / 3600, secs / 60 % 60, secs % 60);
    if digits > 0 {
        let ms = format!("{:03}", l.ms_of_day % 1000);
        out.push('.');
        out.extend(ms.chars().chain(std::iter::repeat('0')).take(digits));
    }
    let zone = if zone.eq_ignore_ascii_case("z") { zone.to_string() } else { offset_suffix(offset) };
    out.push_str(&zone);
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const DAY: i64 = 86_400_000;

    #[test]
    fn shifting_keeps_every_format() {
        let mut v = json!({
            "dateAdded": "2026-12-01T10:15:00.123Z",
            "dueDate": "2026-12-01T10:15:00Z",
            "updated_at": "2026-11-30T21:05:09-05:00",
            "startTime": "2026-12-01 09:30:00",
            "local": "2026-12-01T09:30:00",
            "halfOffset": "2026-12-01T09:30:00.5+05:30",
            "dateOfBirth": "1990-09-25T00:00:00.000Z",
            "birthday": "1990-09-25",
            "body": "<p>Call on 2026-12-01 09:30:00 about it</p>",
            "nested": [{"linked_at": 1_764_583_200_000_i64, "at": 1_764_583_200_000_i64, "count_at": 5, "id": 70042006401_i64}],
            "notADate": "2026-12-01 and more"
        });
        shift_dates(&mut v, 3 * DAY + 2 * 3_600_000);
        assert_eq!(v["dateAdded"], "2026-12-04T12:15:00.123Z");
        assert_eq!(v["dueDate"], "2026-12-04T12:15:00Z");
        assert_eq!(v["updated_at"], "2026-12-03T23:05:09-05:00");
        assert_eq!(v["startTime"], "2026-12-04 11:30:00");
        assert_eq!(v["local"], "2026-12-04T11:30:00");
        assert_eq!(v["halfOffset"], "2026-12-04T11:30:00.5+05:30");
        assert_eq!(v["dateOfBirth"], "1990-09-25T00:00:00.000Z", "birthdays never move");
        assert_eq!(v["birthday"], "1990-09-25", "date-only values never move");
        assert_eq!(v["body"], "<p>Call on 2026-12-01 09:30:00 about it</p>");
        assert_eq!(v["nested"][0]["linked_at"], 1_764_583_200_000_i64 + 3 * DAY + 2 * 3_600_000);
        assert_eq!(v["nested"][0]["at"], 1_764_583_200_000_i64 + 3 * DAY + 2 * 3_600_000);
        assert_eq!(v["nested"][0]["count_at"], 5, "small numbers are not timestamps");
        assert_eq!(v["nested"][0]["id"], 70042006401_i64);
        assert_eq!(v["notADate"], "2026-12-01 and more");
    }

    #[test]
    fn shifting_backwards_and_across_year_ends() {
        let mut v = json!(["2026-12-31T23:30:00.000Z", "2027-01-01 00:30:00", "2026-03-01T00:00:00-05:00"]);
        shift_dates(&mut v, -DAY);
        assert_eq!(v, json!(["2026-12-30T23:30:00.000Z", "2026-12-31 00:30:00", "2026-02-28T00:00:00-05:00"]));
        shift_dates(&mut v, 2 * DAY);
        assert_eq!(v, json!(["2027-01-01T23:30:00.000Z", "2027-01-02 00:30:00", "2026-03-02T00:00:00-05:00"]));
    }

    #[test]
    fn shift_is_the_elapsed_time_rounded_to_the_hour() {
        let r = Instant::parse("2026-12-01T12:00:00Z").unwrap().0;
        assert_eq!(shift_for(r, r), 0);
        assert_eq!(shift_for(r, r + 10 * DAY + 29 * 60_000), 10 * DAY);
        assert_eq!(shift_for(r, r + 10 * DAY + 31 * 60_000), 10 * DAY + 3_600_000);
        assert_eq!(shift_for(r, r - 2 * DAY - 31 * 60_000), -2 * DAY - 3_600_000);
    }
}
