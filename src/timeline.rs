//! A contact's tasks, notes and appointments as one timeline: merged by date, newest first,
//! grouped by day in the viewer's time zone.
//!
//! Which instant places each item:
//! - a task by its due date (ISO-8601 UTC on read). It is [`Status::Overdue`] when it is not
//!   completed and due before `now`; a completed task is never overdue. A due date given as a
//!   plain `YYYY-MM-DD` means "by the end of that day" in the viewer's zone;
//! - a note by the date it was added (ISO-8601 UTC);
//! - an appointment by its start. GHL sends appointment times with no zone
//!   (`2021-07-16 11:00:00`); they are read as the viewer's wall-clock time.
//!
//! A zone-less task or note time is read as UTC, the zone those fields are documented in.
//! Items whose date is missing or unreadable are kept, in [`Timeline::undated`], so nothing
//! the contact has disappears from view.
//!
//! The order is total and deterministic: days newest first; within a day by time, newest
//! first; ties by kind ([`ItemKind`] order), then id, then input order. Building is one sort,
//! O(n log n).

use crate::datetime::{CivilDate, Instant, LocalDateTime, Zone};
use crate::ghl;

/// What an item is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ItemKind {
    /// A GHL task.
    Task,
    /// A GHL note.
    Note,
    /// A GHL appointment.
    Appointment,
}

/// An item's state, for its badge.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Status {
    /// A task not completed and not yet due (or with no due date).
    Open,
    /// A task not completed whose due time has passed.
    Overdue,
    /// A completed task.
    Completed,
    /// An appointment that has not ended yet.
    Scheduled,
    /// An appointment that has ended.
    Past,
    /// An appointment that did not or will not take place: its status is cancelled, invalid
    /// or no-show, whatever its time.
    Cancelled,
    /// No status: notes, and appointments with no readable time.
    None,
}

/// One row of the timeline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    /// What it is.
    pub kind: ItemKind,
    /// Its GHL id.
    pub id: String,
    /// The instant that places it; `None` for undated items.
    pub at: Option<Instant>,
    /// Plain text to show as its heading: its own title, trimmed, or a fallback
    /// ("Untitled task", "Note", "Appointment").
    pub title: String,
    /// Its text as GHL stores it, `None` when blank: a task's description, a note's body
    /// (possibly HTML: render it only through the sanitizer), an appointment's notes.
    pub body: Option<String>,
    /// Its state.
    pub status: Status,
    /// The local time to show: `14:30`, or `11:00–11:30` for an appointment with an end
    /// (`23:00–01:00 (+1 day)` when it ends on a later day). `None` when undated or when only
    /// a date is known.
    pub time_label: Option<String>,
}

/// The items of one local day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Day {
    /// The date, in the viewer's zone.
    pub date: CivilDate,
    /// "Today", "Yesterday", "Tomorrow", else e.g. "Mon 7 Dec 2026".
    pub label: String,
    /// Its items, newest first.
    pub items: Vec<Item>,
}

/// The whole timeline.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Timeline {
    /// The days that have items, newest first.
    pub days: Vec<Day>,
    /// Items with a missing or unreadable date, by kind then id; shown at the end.
    pub undated: Vec<Item>,
}

impl Timeline {
    /// Every item, in display order (the days, then the undated).
    pub fn items(&self) -> impl Iterator<Item = &Item> {
        self.days.iter().flat_map(|d| d.items.iter()).chain(self.undated.iter())
    }

    /// The number of items.
    pub fn len(&self) -> usize {
        self.days.iter().map(|d| d.items.len()).sum::<usize>() + self.undated.len()
    }

    /// Whether there are no items at all.
    pub fn is_empty(&self) -> bool {
        self.days.is_empty() && self.undated.is_empty()
    }
}

/// Numbers for the section headers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Counts {
    /// Tasks not completed, overdue ones included.
    pub open_tasks: usize,
    /// Of those, the overdue ones.
    pub overdue: usize,
    /// Notes.
    pub notes: usize,
    /// Appointments, whatever their status.
    pub appointments: usize,
}

/// Counts a timeline's items for the section headers.
pub fn counts(timeline: &Timeline) -> Counts {
    let mut c = Counts::default();
    for item in timeline.items() {
        match (item.kind, item.status) {
            (ItemKind::Task, Status::Overdue) => {
                c.open_tasks += 1;
                c.overdue += 1;
            }
            (ItemKind::Task, Status::Completed) => {}
            (ItemKind::Task, _) => c.open_tasks += 1,
            (ItemKind::Note, _) => c.notes += 1,
            (ItemKind::Appointment, _) => c.appointments += 1,
        }
    }
    c
}

/// Builds the timeline as a viewer in `zone` sees it at `now`.
pub fn build(tasks: &[ghl::Task], notes: &[ghl::Note], appointments: &[ghl::Appointment], zone: &dyn Zone, now: Instant) -> Timeline {
    let today = local(zone, now).date;
    let mut dated: Vec<(CivilDate, Item)> = Vec::with_capacity(tasks.len() + notes.len() + appointments.len());
    let mut undated = Vec::new();
    let placed = tasks
        .iter()
        .map(|t| task_item(t, zone, now))
        .chain(notes.iter().map(|n| note_item(n, zone)))
        .chain(appointments.iter().map(|a| appointment_item(a, zone, now)));
    for (placed, mut item) in placed {
        match placed {
            Some(p) => {
                item.at = Some(p.at);
                dated.push((p.date, item));
            }
            None => undated.push(item),
        }
    }
    // Stable sorts: full ties keep input order.
    dated.sort_by(|(da, a), (db, b)| db.cmp(da).then(b.at.cmp(&a.at)).then(a.kind.cmp(&b.kind)).then(a.id.cmp(&b.id)));
    undated.sort_by(|a, b| a.kind.cmp(&b.kind).then(a.id.cmp(&b.id)));

    let mut days: Vec<Day> = Vec::new();
    for (date, item) in dated {
        match days.last_mut() {
            Some(day) if day.date == date => day.items.push(item),
            _ => days.push(Day { date, label: day_label(date, today), items: vec![item] }),
        }
    }
    Timeline { days, undated }
}

/// The heading of a day seen from `today`.
pub fn day_label(date: CivilDate, today: CivilDate) -> String {
    match date.days_from_epoch() - today.days_from_epoch() {
        0 => "Today".into(),
        -1 => "Yesterday".into(),
        1 => "Tomorrow".into(),
        _ => {
            const WEEKDAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
            const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
            let month = MONTHS[usize::from(date.month.clamp(1, 12)) - 1];
            format!("{} {} {} {}", WEEKDAYS[usize::from(date.weekday())], date.day, month, date.year)
        }
    }
}

fn local(zone: &dyn Zone, at: Instant) -> LocalDateTime {
    at.to_local(zone.offset_minutes(at))
}

fn hhmm(l: LocalDateTime) -> String {
    let min = l.ms_of_day / 60_000;
    format!("{:02}:{:02}", min / 60, min % 60)
}

/// The trimmed text, or `None` when absent or blank.
fn text(s: Option<&String>) -> Option<&str> {
    s.map(|s| s.trim()).filter(|s| !s.is_empty())
}

/// A title to show: the trimmed text, else `fallback`.
fn title(s: &Option<String>, fallback: &str) -> String {
    text(s.as_ref()).unwrap_or(fallback).to_string()
}

/// The text as it came, or `None` when absent or blank.
fn raw(s: &Option<String>) -> Option<String> {
    s.clone().filter(|s| !s.trim().is_empty())
}

/// A wall-clock time in `zone` as an instant.
fn wall_clock(l: LocalDateTime, zone: &dyn Zone) -> Instant {
    l.to_instant(zone.offset_for_local(l))
}

/// Where a dated item goes: its instant and local day, and whether a time of day is known.
struct Placed {
    at: Instant,
    date: CivilDate,
    has_time: bool,
}

impl Placed {
    fn at(at: Instant, zone: &dyn Zone) -> Self {
        Placed { at, date: local(zone, at).date, has_time: true }
    }

    /// `14:30`, when a time of day is known.
    fn clock(this: &Option<Placed>, zone: &dyn Zone) -> Option<String> {
        this.as_ref().filter(|p| p.has_time).map(|p| hhmm(local(zone, p.at)))
    }
}

/// A time documented as UTC: an RFC 3339 instant; a zone-less date-time read as UTC.
fn utc_time(s: &str, zone: &dyn Zone) -> Option<Placed> {
    let at = Instant::parse(s).or_else(|| LocalDateTime::parse(s).map(|l| l.to_instant(0)))?;
    Some(Placed::at(at, zone))
}

/// A time with no zone, read as the viewer's wall clock (an explicit zone is honoured).
fn viewer_time(s: &str, zone: &dyn Zone) -> Option<Placed> {
    if let Some(date) = CivilDate::parse_iso(s.trim()) {
        let at = wall_clock(LocalDateTime { date, ms_of_day: 0 }, zone);
        return Some(Placed { at, date, has_time: false });
    }
    let at = LocalDateTime::parse(s).map(|l| wall_clock(l, zone)).or_else(|| Instant::parse(s))?;
    Some(Placed::at(at, zone))
}

// Each maker returns where the item goes; `build` fills in `Item::at` from it.

fn task_item(t: &ghl::Task, zone: &dyn Zone, now: Instant) -> (Option<Placed>, Item) {
    let due = t.due_date.as_deref().map(str::trim).and_then(|s| match CivilDate::parse_iso(s) {
        // A date alone: due by the end of that day, the viewer's day.
        Some(date) => {
            let next_midnight = wall_clock(LocalDateTime { date: date.add_days(1), ms_of_day: 0 }, zone);
            Some(Placed { at: Instant(next_midnight.0 - 1), date, has_time: false })
        }
        None => utc_time(s, zone),
    });
    let status = match &due {
        _ if t.completed => Status::Completed,
        Some(p) if p.at < now => Status::Overdue,
        _ => Status::Open,
    };
    let time_label = Placed::clock(&due, zone);
    (due, Item { kind: ItemKind::Task, id: t.id.clone(), at: None, title: title(&t.title, "Untitled task"), body: raw(&t.body), status, time_label })
}

fn note_item(n: &ghl::Note, zone: &dyn Zone) -> (Option<Placed>, Item) {
    let added = n.date_added.as_deref().and_then(|s| utc_time(s, zone));
    let time_label = Placed::clock(&added, zone);
    (added, Item { kind: ItemKind::Note, id: n.id.clone(), at: None, title: title(&n.title, "Note"), body: raw(&n.body), status: Status::None, time_label })
}

/// Whether an appointment status means it does not take place.
fn called_off(status: &str) -> bool {
    let s: String = status.chars().filter(char::is_ascii_alphanumeric).collect::<String>().to_ascii_lowercase();
    matches!(s.as_str(), "cancelled" | "canceled" | "invalid" | "noshow")
}

fn appointment_item(a: &ghl::Appointment, zone: &dyn Zone, now: Instant) -> (Option<Placed>, Item) {
    let start = a.start_time.as_deref().and_then(|s| viewer_time(s, zone));
    let end = a.end_time.as_deref().and_then(|s| viewer_time(s, zone)).filter(|e| start.as_ref().is_some_and(|s| e.at > s.at));
    let raw_status = text(a.appointment_status.as_ref()).or(text(a.status.as_ref()));
    let status = match (&start, &end) {
        _ if raw_status.is_some_and(called_off) => Status::Cancelled,
        (None, _) => Status::None,
        (Some(s), e) if e.as_ref().unwrap_or(s).at < now => Status::Past,
        _ => Status::Scheduled,
    };
    let time_label = Placed::clock(&start, zone).map(|from| match end.as_ref().filter(|e| e.has_time) {
        None => from,
        Some(e) => {
            let to = local(zone, e.at);
            let days = to.date.days_from_epoch() - start.as_ref().map_or(to.date, |s| s.date).days_from_epoch();
            match days {
                0 => format!("{from}–{}", hhmm(to)),
                1 => format!("{from}–{} (+1 day)", hhmm(to)),
                n => format!("{from}–{} (+{n} days)", hhmm(to)),
            }
        }
    });
    let body = raw(&a.notes);
    (start, Item { kind: ItemKind::Appointment, id: a.id.clone(), at: None, title: title(&a.title, "Appointment"), body, status, time_label })
}

#[cfg(all(test, not(target_arch = "wasm32")))] // proptest is a host-only dev-dependency
mod tests {
    use super::*;
    use crate::datetime::FixedOffset;
    use proptest::prelude::*;

    /// US Pacific time for 2026: UTC−8, and UTC−7 from 8 March 10:00 UTC (02:00 PST) to
    /// 1 November 09:00 UTC (02:00 PDT).
    struct Pacific2026;

    const DST_START: i64 = 1_772_964_000_000; // 2026-03-08T10:00:00Z
    const DST_END: i64 = 1_793_523_600_000; // 2026-11-01T09:00:00Z

    impl Zone for Pacific2026 {
        fn offset_minutes(&self, at: Instant) -> i32 {
            if (DST_START..DST_END).contains(&at.0) {
                -420
            } else {
                -480
            }
        }
    }

    fn t(s: &str) -> Instant {
        Instant::parse(s).unwrap_or_else(|| panic!("bad instant {s}"))
    }

    fn date(s: &str) -> CivilDate {
        CivilDate::parse_iso(s).unwrap()
    }

    fn task(id: &str, due: Option<&str>, completed: bool) -> ghl::Task {
        ghl::Task { id: id.into(), title: Some(format!("task {id}")), due_date: due.map(Into::into), completed, ..Default::default() }
    }

    fn note(id: &str, added: Option<&str>) -> ghl::Note {
        ghl::Note { id: id.into(), body: Some("<p>hi</p>".into()), date_added: added.map(Into::into), ..Default::default() }
    }

    fn appt(id: &str, start: Option<&str>, end: Option<&str>, status: Option<&str>) -> ghl::Appointment {
        ghl::Appointment {
            id: id.into(),
            title: Some(format!("appt {id}")),
            start_time: start.map(Into::into),
            end_time: end.map(Into::into),
            appointment_status: status.map(Into::into),
            ..Default::default()
        }
    }

    fn ids(tl: &Timeline) -> Vec<&str> {
        tl.items().map(|i| i.id.as_str()).collect()
    }

    fn day_of<'a>(tl: &'a Timeline, id: &str) -> &'a Day {
        tl.days.iter().find(|d| d.items.iter().any(|i| i.id == id)).unwrap_or_else(|| panic!("{id} not in a day"))
    }

    fn item<'a>(tl: &'a Timeline, id: &str) -> &'a Item {
        tl.items().find(|i| i.id == id).unwrap_or_else(|| panic!("{id} missing"))
    }

    const NOW: &str = "2026-12-07T12:00:00Z";

    #[test]
    fn merges_all_three_kinds_newest_first() {
        let tasks = [task("t1", Some("2026-12-05T09:00:00.000Z"), false), task("t2", Some("2026-12-08T09:00:00.000Z"), false)];
        let notes = [note("n1", Some("2026-12-07T08:00:00.000Z")), note("n2", Some("2026-12-01T08:00:00.000Z"))];
        let appts = [appt("a1", Some("2026-12-06 10:00:00"), Some("2026-12-06 10:30:00"), Some("booked"))];
        let tl = build(&tasks, &notes, &appts, &FixedOffset(0), t(NOW));
        assert_eq!(ids(&tl), ["t2", "n1", "a1", "t1", "n2"]);
        let labels: Vec<_> = tl.days.iter().map(|d| d.label.as_str()).collect();
        assert_eq!(labels, ["Tomorrow", "Today", "Yesterday", "Sat 5 Dec 2026", "Tue 1 Dec 2026"]);
        assert!(tl.undated.is_empty());
        assert_eq!(tl.len(), 5);
    }

    #[test]
    fn empty_input_is_an_empty_timeline() {
        let tl = build(&[], &[], &[], &FixedOffset(0), t(NOW));
        assert!(tl.is_empty());
        assert_eq!(tl.len(), 0);
        assert_eq!(counts(&tl), Counts::default());
    }

    #[test]
    fn groups_by_local_day_east_of_utc() {
        // UTC+5:30: 18:29Z is 23:59 local, 18:30Z is 00:00 the next local day.
        let zone = FixedOffset(330);
        let notes = [note("before", Some("2026-12-06T18:29:00Z")), note("after", Some("2026-12-06T18:30:00Z"))];
        let tl = build(&[], &notes, &[], &zone, t(NOW));
        assert_eq!(day_of(&tl, "before").date, date("2026-12-06"));
        assert_eq!(day_of(&tl, "after").date, date("2026-12-07"));
        assert_eq!(day_of(&tl, "after").label, "Today");
        assert_eq!(item(&tl, "before").time_label.as_deref(), Some("23:59"));
        assert_eq!(item(&tl, "after").time_label.as_deref(), Some("00:00"));
    }

    #[test]
    fn groups_by_local_day_west_of_utc() {
        // UTC−8: 07:59Z on the 7th is still 23:59 on the 6th.
        let zone = FixedOffset(-480);
        let notes = [note("late", Some("2026-12-07T07:59:00Z")), note("early", Some("2026-12-07T08:00:00Z"))];
        let tl = build(&[], &notes, &[], &zone, t(NOW));
        assert_eq!(day_of(&tl, "late").date, date("2026-12-06"));
        assert_eq!(day_of(&tl, "late").label, "Yesterday");
        assert_eq!(day_of(&tl, "early").date, date("2026-12-07"));
        // Seen from UTC the same notes share a day.
        let utc = build(&[], &notes, &[], &FixedOffset(0), t(NOW));
        assert_eq!(utc.days.len(), 1);
    }

    #[test]
    fn today_is_the_viewers_day_not_utcs() {
        // 03:00Z on the 8th is the evening of the 7th in UTC−8.
        let now = t("2026-12-08T03:00:00Z");
        let tl = build(&[], &[note("n", Some("2026-12-07T20:00:00Z"))], &[], &FixedOffset(-480), now);
        assert_eq!(tl.days[0].label, "Today");
        let tl = build(&[], &[note("n", Some("2026-12-07T20:00:00Z"))], &[], &FixedOffset(0), now);
        assert_eq!(tl.days[0].label, "Yesterday");
    }

    #[test]
    fn day_grouping_follows_dst_changes() {
        let zone = Pacific2026;
        let now = t("2026-03-10T20:00:00Z");
        let notes = [
            // Before the switch, PST: 07:30Z on 8 March is 23:30 on the 7th.
            note("pst", Some("2026-03-08T07:30:00Z")),
            // After it, PDT: 07:30Z on 9 March is 00:30 on the 9th (PST would say the 8th).
            note("pdt", Some("2026-03-09T07:30:00Z")),
            note("mid", Some("2026-03-08T20:00:00Z")),
        ];
        let tl = build(&[], &notes, &[], &zone, now);
        assert_eq!(day_of(&tl, "pst").date, date("2026-03-07"));
        assert_eq!(day_of(&tl, "pdt").date, date("2026-03-09"));
        assert_eq!(item(&tl, "pdt").time_label.as_deref(), Some("00:30"));
        assert_eq!(day_of(&tl, "mid").date, date("2026-03-08"));
        assert_eq!(item(&tl, "mid").time_label.as_deref(), Some("13:00"));
        assert_eq!(tl.days.len(), 3);

        // Autumn: back to PST. 07:30Z on 2 November is 23:30 on the 1st.
        let tl = build(&[], &[note("fall", Some("2026-11-02T07:30:00Z")), note("summer", Some("2026-10-31T07:30:00Z"))], &[], &zone, now);
        assert_eq!(day_of(&tl, "fall").date, date("2026-11-01"));
        assert_eq!(item(&tl, "fall").time_label.as_deref(), Some("23:30"));
        assert_eq!(day_of(&tl, "summer").date, date("2026-10-31"));
        assert_eq!(item(&tl, "summer").time_label.as_deref(), Some("00:30"));
    }

    #[test]
    fn appointments_are_wall_clock_in_the_viewers_zone() {
        let a = [appt("a", Some("2021-07-16 11:00:00"), Some("2021-07-16 11:30:00"), Some("booked"))];
        let now = t("2021-07-01T00:00:00Z");
        for offset in [-480, 0, 330, 840] {
            let tl = build(&[], &[], &a, &FixedOffset(offset), now);
            let it = item(&tl, "a");
            assert_eq!(it.time_label.as_deref(), Some("11:00–11:30"), "{offset}");
            assert_eq!(tl.days[0].date, date("2021-07-16"), "{offset}");
            assert_eq!(it.at, Some(LocalDateTime::parse("2021-07-16 11:00:00").unwrap().to_instant(offset)));
            assert_eq!(it.status, Status::Scheduled);
        }
        // In summer in the DST zone 11:00 is 18:00Z; in winter 19:00Z.
        let summer = build(&[], &[], &[appt("s", Some("2026-07-16 11:00:00"), None, None)], &Pacific2026, now);
        assert_eq!(summer.days[0].items[0].at, Some(t("2026-07-16T18:00:00Z")));
        assert_eq!(summer.days[0].items[0].time_label.as_deref(), Some("11:00"));
        let winter = build(&[], &[], &[appt("w", Some("2026-01-16 11:00:00"), None, None)], &Pacific2026, now);
        assert_eq!(winter.days[0].items[0].at, Some(t("2026-01-16T19:00:00Z")));
        // An explicit zone, should GHL ever send one, is honoured.
        let z = build(&[], &[], &[appt("z", Some("2026-07-16T11:00:00Z"), None, None)], &FixedOffset(60), now);
        assert_eq!(z.days[0].items[0].at, Some(t("2026-07-16T11:00:00Z")));
        assert_eq!(z.days[0].items[0].time_label.as_deref(), Some("12:00"));
    }

    #[test]
    fn appointment_status_and_labels() {
        let now = t("2026-12-07T12:00:00Z");
        let appts = [
            appt("past", Some("2026-12-07 09:00:00"), Some("2026-12-07 10:00:00"), Some("showed")),
            appt("ongoing", Some("2026-12-07 11:30:00"), Some("2026-12-07 12:30:00"), Some("confirmed")),
            appt("later", Some("2026-12-07 15:00:00"), None, Some("booked")),
            appt("started", Some("2026-12-07 11:59:00"), None, None),
            appt("cancelled", Some("2026-12-09 09:00:00"), None, Some("cancelled")),
            appt("noshow", Some("2026-12-01 09:00:00"), None, Some("noshow")),
            appt("invalid", Some("2026-12-01 09:00:00"), None, Some("invalid")),
            appt("overnight", Some("2026-12-10 23:00:00"), Some("2026-12-11 01:00:00"), None),
            appt("long", Some("2026-12-10 09:00:00"), Some("2026-12-13 09:00:00"), None),
            appt("backwards", Some("2026-12-10 09:00:00"), Some("2026-12-10 08:00:00"), None),
            appt("allday", Some("2026-12-12"), None, None),
            appt("undated", None, None, Some("booked")),
            appt("undated-cancelled", Some("soon"), None, Some("Cancelled")),
        ];
        let tl = build(&[], &[], &appts, &FixedOffset(0), now);
        let st = |id| item(&tl, id).status;
        let label = |id| item(&tl, id).time_label.clone();
        assert_eq!(st("past"), Status::Past);
        assert_eq!(st("ongoing"), Status::Scheduled);
        assert_eq!(st("later"), Status::Scheduled);
        assert_eq!(st("started"), Status::Past, "no end: past once started");
        assert_eq!(st("cancelled"), Status::Cancelled);
        assert_eq!(st("noshow"), Status::Cancelled);
        assert_eq!(st("invalid"), Status::Cancelled);
        assert_eq!(st("undated"), Status::None);
        assert_eq!(st("undated-cancelled"), Status::Cancelled);
        assert_eq!(label("past").as_deref(), Some("09:00–10:00"));
        assert_eq!(label("later").as_deref(), Some("15:00"));
        assert_eq!(label("overnight").as_deref(), Some("23:00–01:00 (+1 day)"));
        assert_eq!(label("long").as_deref(), Some("09:00–09:00 (+3 days)"));
        assert_eq!(label("backwards").as_deref(), Some("09:00"), "an end before the start is ignored");
        assert_eq!(label("allday"), None);
        assert_eq!(day_of(&tl, "allday").date, date("2026-12-12"));
        assert_eq!(tl.undated.iter().map(|i| i.id.as_str()).collect::<Vec<_>>(), ["undated", "undated-cancelled"]);
        assert!(called_off("no_show") && called_off("No-Show") && called_off("CANCELED") && !called_off("booked"));
    }

    #[test]
    fn overdue_marking() {
        let now = t(NOW);
        let tasks = [
            task("late", Some("2026-12-07T11:59:59.999Z"), false),
            task("exactly-now", Some(NOW), false),
            task("upcoming", Some("2026-12-07T12:00:00.001Z"), false),
            task("done-late", Some("2026-12-01T00:00:00.000Z"), true),
            task("done-upcoming", Some("2026-12-31T00:00:00.000Z"), true),
            task("no-due", None, false),
            task("no-due-done", None, true),
            task("garbled", Some("next tuesday"), false),
        ];
        let tl = build(&tasks, &[], &[], &FixedOffset(0), now);
        let st = |id| item(&tl, id).status;
        assert_eq!(st("late"), Status::Overdue);
        assert_eq!(st("exactly-now"), Status::Open, "due at now is not yet overdue");
        assert_eq!(st("upcoming"), Status::Open);
        assert_eq!(st("done-late"), Status::Completed, "completed is never overdue");
        assert_eq!(st("done-upcoming"), Status::Completed);
        assert_eq!(st("no-due"), Status::Open);
        assert_eq!(st("no-due-done"), Status::Completed);
        assert_eq!(st("garbled"), Status::Open);
        assert_eq!(counts(&tl), Counts { open_tasks: 5, overdue: 1, notes: 0, appointments: 0 });
    }

    #[test]
    fn date_only_due_dates_mean_the_end_of_the_viewers_day() {
        let zone = FixedOffset(-480);
        // 12:00Z on the 7th is 04:00 on the 7th in UTC−8.
        let tasks = [task("today", Some("2026-12-07"), false), task("yesterday", Some("2026-12-06"), false)];
        let tl = build(&tasks, &[], &[], &zone, t(NOW));
        assert_eq!(item(&tl, "today").status, Status::Open);
        assert_eq!(item(&tl, "yesterday").status, Status::Overdue);
        assert_eq!(day_of(&tl, "today").date, date("2026-12-07"));
        assert_eq!(day_of(&tl, "yesterday").date, date("2026-12-06"));
        assert_eq!(item(&tl, "today").time_label, None);
        assert_eq!(item(&tl, "today").at, Some(t("2026-12-08T07:59:59.999Z")));
        // It heads its day: a timed item the same day is earlier.
        let tl = build(&tasks, &[note("n", Some("2026-12-07T20:00:00Z"))], &[], &zone, t(NOW));
        assert_eq!(ids(&tl), ["today", "n", "yesterday"]);
    }

    #[test]
    fn zone_less_task_and_note_times_read_as_utc() {
        let tl = build(&[task("t", Some("2026-12-07 10:00:00"), false)], &[note("n", Some("2026-12-07T09:00:00"))], &[], &FixedOffset(60), t(NOW));
        assert_eq!(item(&tl, "t").at, Some(t("2026-12-07T10:00:00Z")));
        assert_eq!(item(&tl, "t").time_label.as_deref(), Some("11:00"));
        assert_eq!(item(&tl, "n").at, Some(t("2026-12-07T09:00:00Z")));
    }

    #[test]
    fn undated_items_are_kept_at_the_end() {
        let tl = build(
            &[task("t-none", None, false), task("t-bad", Some(""), false)],
            &[note("n-bad", Some("2026-13-45T00:00:00Z")), note("n-ok", Some("2026-12-07T10:00:00Z"))],
            &[appt("a-bad", Some("16/07/2021 11:00"), None, None)],
            &FixedOffset(0),
            t(NOW),
        );
        assert_eq!(ids(&tl), ["n-ok", "t-bad", "t-none", "n-bad", "a-bad"]);
        assert!(tl.undated.iter().all(|i| i.at.is_none() && i.time_label.is_none()));
        assert_eq!(counts(&tl), Counts { open_tasks: 2, overdue: 0, notes: 2, appointments: 1 });
    }

    #[test]
    fn ties_are_broken_by_kind_then_id() {
        let at = "2026-12-07T10:00:00.000Z";
        let tasks = [task("b", Some(at), false), task("a", Some(at), false)];
        let notes = [note("a", Some(at)), note("0", Some(at))];
        let appts = [appt("z", Some("2026-12-07 10:00:00"), None, None)];
        let tl = build(&tasks, &notes, &appts, &FixedOffset(0), t(NOW));
        let got: Vec<_> = tl.items().map(|i| (i.kind, i.id.as_str())).collect();
        let want = [(ItemKind::Task, "a"), (ItemKind::Task, "b"), (ItemKind::Note, "0"), (ItemKind::Note, "a"), (ItemKind::Appointment, "z")];
        assert_eq!(got, want);
        // Input order does not matter.
        let rev = build(&[tasks[1].clone(), tasks[0].clone()], &[notes[1].clone(), notes[0].clone()], &appts, &FixedOffset(0), t(NOW));
        assert_eq!(rev, tl);
    }

    #[test]
    fn titles_and_bodies() {
        let mut t1 = task("t", None, false);
        t1.title = Some("   ".into());
        t1.body = Some("  ".into());
        let mut t2 = task("u", None, false);
        t2.title = Some("  Call back  ".into());
        t2.body = Some("Ask about <b>pricing</b>".into());
        let mut n = note("n", None);
        n.title = Some("Summary".into());
        let a = ghl::Appointment { id: "a".into(), notes: Some("bring docs".into()), ..Default::default() };
        let tl = build(&[t1, t2], &[n, note("m", None)], &[a], &FixedOffset(0), t(NOW));
        assert_eq!(item(&tl, "t").title, "Untitled task");
        assert_eq!(item(&tl, "t").body, None);
        assert_eq!(item(&tl, "u").title, "Call back");
        assert_eq!(item(&tl, "u").body.as_deref(), Some("Ask about <b>pricing</b>"));
        assert_eq!(item(&tl, "n").title, "Summary");
        assert_eq!(item(&tl, "m").title, "Note");
        assert_eq!(item(&tl, "m").body.as_deref(), Some("<p>hi</p>"), "note bodies stay raw for the sanitizer");
        assert_eq!(item(&tl, "a").title, "Appointment");
        assert_eq!(item(&tl, "a").body.as_deref(), Some("bring docs"));
    }

    #[test]
    fn day_labels() {
        let today = date("2026-12-07");
        assert_eq!(day_label(today, today), "Today");
        assert_eq!(day_label(date("2026-12-06"), today), "Yesterday");
        assert_eq!(day_label(date("2026-12-08"), today), "Tomorrow");
        assert_eq!(day_label(date("2026-12-09"), today), "Wed 9 Dec 2026");
        assert_eq!(day_label(date("2026-11-30"), today), "Mon 30 Nov 2026");
        assert_eq!(day_label(date("2027-01-01"), today), "Fri 1 Jan 2027");
        // Across a year end.
        assert_eq!(day_label(date("2026-12-31"), date("2027-01-01")), "Yesterday");
    }

    #[test]
    fn a_thousand_items_build_quickly() {
        let base = t("2026-01-01T00:00:00Z").0;
        let iso = |i: i64| Instant(base + i * 3_600_000 * 7 + i % 13).to_rfc3339();
        let tasks: Vec<_> = (0..400).map(|i| task(&format!("t{i}"), Some(&iso(i)), i % 3 == 0)).collect();
        let notes: Vec<_> = (0..400).map(|i| note(&format!("n{i}"), Some(&iso(i * 2)))).collect();
        let appts: Vec<_> = (0..400)
            .map(|i| {
                let l = Instant(base + i * 5_400_000).to_local(0);
                let s = format!("{} {:02}:{:02}:00", l.date, l.ms_of_day / 3_600_000, l.ms_of_day / 60_000 % 60);
                appt(&format!("a{i}"), Some(&s), None, None)
            })
            .collect();
        let started = std::time::Instant::now();
        let tl = build(&tasks, &notes, &appts, &Pacific2026, t(NOW));
        assert_eq!(tl.len(), 1200);
        assert!(started.elapsed() < std::time::Duration::from_secs(1), "{:?}", started.elapsed());
    }

    fn arb_time() -> impl Strategy<Value = Option<String>> {
        // Six years of minutes around 2026, in the forms the APIs send, plus junk and gaps.
        let base = 1_704_067_200_000i64; // 2024-01-01
        prop_oneof![
            4 => (0i64..3_000_000).prop_map(move |m| Some(Instant(base + m * 60_000).to_rfc3339())),
            1 => (0i64..2_000).prop_map(move |d| Some(CivilDate::from_days(19_723 + d).to_string())),
            1 => Just(None),
            1 => "[a-z ]{0,6}".prop_map(Some),
        ]
    }

    fn arb_wall() -> impl Strategy<Value = Option<String>> {
        prop_oneof![
            4 => (0i64..3_000_000).prop_map(|m| {
                let l = Instant(1_704_067_200_000 + m * 60_000).to_local(0);
                Some(format!("{} {:02}:{:02}:00", l.date, l.ms_of_day / 3_600_000, l.ms_of_day / 60_000 % 60))
            }),
            1 => Just(None),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        #[test]
        fn output_is_sorted_grouped_and_complete(
            task_times in prop::collection::vec((arb_time(), any::<bool>()), 0..40),
            note_times in prop::collection::vec(arb_time(), 0..40),
            appt_times in prop::collection::vec((arb_wall(), arb_wall()), 0..40),
            offset in -720i32..=840,
            dst in any::<bool>(),
            now_min in 0i64..3_000_000,
        ) {
            // Ids repeat across kinds on purpose: ("3", Task) and ("3", Note) are different items.
            let tasks: Vec<_> = task_times.iter().enumerate().map(|(i, (d, c))| task(&i.to_string(), d.as_deref(), *c)).collect();
            let notes: Vec<_> = note_times.iter().enumerate().map(|(i, d)| note(&i.to_string(), d.as_deref())).collect();
            let appts: Vec<_> = appt_times.iter().enumerate().map(|(i, (s, e))| appt(&i.to_string(), s.as_deref(), e.as_deref(), None)).collect();
            let fixed = FixedOffset(offset);
            let zone: &dyn Zone = if dst { &Pacific2026 } else { &fixed };
            let now = Instant(1_704_067_200_000 + now_min * 60_000);
            let tl = build(&tasks, &notes, &appts, zone, now);

            // Every input exactly once.
            let mut seen: Vec<(ItemKind, String)> = tl.items().map(|i| (i.kind, i.id.clone())).collect();
            seen.sort();
            let mut want: Vec<(ItemKind, String)> = (0..tasks.len()).map(|i| (ItemKind::Task, i.to_string()))
                .chain((0..notes.len()).map(|i| (ItemKind::Note, i.to_string())))
                .chain((0..appts.len()).map(|i| (ItemKind::Appointment, i.to_string())))
                .collect();
            want.sort();
            prop_assert_eq!(seen, want);

            // Days strictly newest first, never empty; items newest first within a day, with
            // the tie-break; each item on its own local day.
            for w in tl.days.windows(2) {
                prop_assert!(w[0].date > w[1].date);
            }
            for day in &tl.days {
                prop_assert!(!day.items.is_empty());
                for w in day.items.windows(2) {
                    let (a, b) = (&w[0], &w[1]);
                    prop_assert!(a.at > b.at || (a.at == b.at && (a.kind, &a.id) <= (b.kind, &b.id)));
                }
                for it in &day.items {
                    let at = it.at.unwrap();
                    if it.time_label.is_some() {
                        prop_assert_eq!(at.to_local(zone.offset_minutes(at)).date, day.date);
                    }
                    if it.kind == ItemKind::Task {
                        prop_assert_eq!(it.status == Status::Overdue, it.status != Status::Completed && at < now);
                    }
                }
            }
            // Globally by time, newest first (true in every zone but one that turns its clock
            // back across midnight, which these test zones do not).
            let ats: Vec<Instant> = tl.days.iter().flat_map(|d| d.items.iter().map(|i| i.at.unwrap())).collect();
            prop_assert!(ats.windows(2).all(|w| w[0] >= w[1]));
            prop_assert!(tl.undated.iter().all(|i| i.at.is_none() && i.status != Status::Overdue));
            // Same input, same output.
            prop_assert_eq!(build(&tasks, &notes, &appts, zone, now), tl);
        }
    }
}
