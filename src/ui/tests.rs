//! The sidebar state machine driven end to end with a scripted upstream: every effect is
//! answered the way the edge would, so these tests walk the same paths as the browser.

use std::collections::HashMap;

use serde_json::{json, Value};

use super::view::{Action, View};
use super::*;
use crate::datetime::{FixedOffset, Instant};
use crate::error::Origin;
use crate::link::{LinkRecord, LinkedBy};

mod cache;

pub(super) const NOW: i64 = 1_796_299_200_000; // 2026-12-03T12:00:00Z

pub(super) fn ok(status: u16, body: Value) -> RawReply {
    RawReply { status, headers: vec![], body: body.to_string(), origin: Origin::Upstream }
}

/// Runs effects to quiescence against `upstream`, with a key-value store.
pub(super) struct Harness {
    pub(super) state: State,
    pub(super) db: HashMap<String, Value>,
    /// What the edge keeps in `sessionStorage`.
    pub(super) session: HashMap<String, Value>,
    pub(super) now: i64,
    pub(super) log: Vec<Call>,
    upstream: Box<dyn FnMut(&Call) -> RawReply>,
    /// `showNotify` calls.
    pub(super) notified: Vec<(NotifyKind, String)>,
    /// How `showConfirm` is answered (true: confirmed).
    pub(super) confirm: bool,
}

impl Harness {
    pub(super) fn new(upstream: impl FnMut(&Call) -> RawReply + 'static) -> Self {
        let mut state = State::new();
        state.update(
            Msg::Configured(Config { location_id: "loc1".into(), app_base_url: "https://app.example.com".into(), default_country: "US".into() }),
            Env { now: NOW, random: 0.5 },
        );
        Harness { state, db: HashMap::new(), session: HashMap::new(), now: NOW, log: vec![], upstream: Box::new(upstream), notified: vec![], confirm: true }
    }

    pub(super) fn env(&self) -> Env {
        Env { now: self.now, random: 0.5 }
    }

    /// Sends `msg` and answers every effect (replies in the order calls were made).
    pub(super) fn send(&mut self, msg: Msg) {
        let mut queue = std::collections::VecDeque::from(vec![msg]);
        while let Some(m) = queue.pop_front() {
            for fx in self.state.update(m, self.env()) {
                match fx {
                    Effect::Invoke(call) => {
                        self.log.push(call.clone());
                        let reply = (self.upstream)(&call);
                        queue.push_back(Msg::Reply { id: call.id, reply });
                    }
                    Effect::InvokeLater { call, after_ms } => {
                        self.now += after_ms as i64;
                        self.log.push(call.clone());
                        let reply = (self.upstream)(&call);
                        queue.push_back(Msg::Reply { id: call.id, reply });
                    }
                    Effect::DbGet { key, generation } => queue.push_back(Msg::DbLoaded { generation, value: self.db.get(&key).cloned() }),
                    Effect::DbSet { key, value } => {
                        self.db.insert(key, value);
                    }
                    Effect::CacheSet { key, value } => {
                        self.session.insert(key, value);
                    }
                    Effect::CacheRemove { key } => {
                        self.session.remove(&key);
                    }
                    Effect::Render => {}
                    Effect::Notify { kind, message } => self.notified.push((kind, message)),
                    Effect::Confirm { then, .. } => {
                        if self.confirm {
                            queue.push_back(Msg::Act(Intent::Confirmed(Box::new(then))));
                        }
                    }
                }
            }
        }
    }

    pub(super) fn templates(&self) -> Vec<&'static str> {
        self.log.iter().map(|c| c.template).collect()
    }

    pub(super) fn view(&self) -> View {
        view(&self.state, &FixedOffset(60), Instant(self.now))
    }
}

pub(super) fn ghl_world(call: &Call) -> RawReply {
    match call.template {
        "ghlGetContact" => ok(200, json!({"contact": {"id": "g1", "firstName": "Ada", "lastName": "Lovelace", "email": "ada@example.com", "phone": "+14155550132", "companyName": "Engines Ltd", "tags": ["vip"], "dateUpdated": "2026-12-01T10:00:00.000Z"}})),
        "ghlListTasks" => ok(200, json!({"tasks": [{"id": "t1", "title": "Call back", "dueDate": "2026-12-01T09:00:00.000Z", "completed": false}]})),
        "ghlListNotes" => ok(200, json!({"notes": [{"id": "n1", "body": "<p>Met at <b>expo</b></p>", "dateAdded": "2026-12-02T08:00:00.000Z"}]})),
        "ghlListAppointments" => ok(200, json!({"events": [{"id": "a1", "title": "Demo", "startTime": "2026-12-04 11:00:00", "endTime": "2026-12-04 11:30:00"}]})),
        "fsGetContact" => ok(200, json!({"contact": {"id": 70042006456u64, "first_name": "Ada", "email": "Ada@Example.com", "mobile_number": "(415) 555-0132"}})),
        "ghlFindDuplicate" => ok(200, json!({"contact": null})),
        other => panic!("unexpected template {other}"),
    }
}

pub(super) fn linked_db(h: &mut Harness, fs_id: &str, ghl_id: &str) {
    let mut r = LinkRecord::new(fs_id);
    r.link(ghl_id, LinkedBy::Email, 0);
    h.db.insert(LinkRecord::key(fs_id), r.to_stored().unwrap());
}

#[test]
fn a_linked_contact_requests_its_four_sections_at_once() {
    let mut h = Harness::new(ghl_world);
    linked_db(&mut h, "70042006456", "g1");
    let fx = {
        h.state.update(Msg::Activated { fs_id: "70042006456".into() }, h.env());
        let key = LinkRecord::key("70042006456");
        let generation = h.state.generation;
        h.state.update(Msg::DbLoaded { generation, value: h.db.get(&key).cloned() }, h.env())
    };
    let invoked: Vec<_> = fx.iter().filter_map(|f| if let Effect::Invoke(c) = f { Some(c.template) } else { None }).collect();
    assert_eq!(invoked, vec!["ghlGetContact", "ghlListTasks", "ghlListNotes", "ghlListAppointments"], "all four in one batch");
    assert_eq!(h.state.in_flight(), 4);
}

#[test]
fn a_linked_contact_renders_card_and_timeline_with_four_requests() {
    let mut h = Harness::new(ghl_world);
    linked_db(&mut h, "70042006456", "g1");
    h.send(Msg::Activated { fs_id: "70042006456".into() });
    assert_eq!(h.log.len(), 4);
    assert_eq!(h.state.requests_this_open, 4);
    let View::Linked(l) = h.view() else { panic!("{:?}", h.view()) };
    let card = l.card.as_ref().unwrap();
    assert_eq!(card.name, "Ada Lovelace");
    assert_eq!(card.company.as_deref(), Some("Engines Ltd"));
    assert_eq!(card.updated.as_deref(), Some("Updated 1 Dec 2026, 11:00"));
    assert_eq!(card.open_url.as_deref(), Some("https://app.example.com/v2/location/loc1/contacts/detail/g1"));
    assert!(l.loading.is_empty() && l.errors.is_empty());
    let items: Vec<_> = l.timeline.days.iter().flat_map(|d| d.items.iter().map(|i| i.id.as_str())).collect();
    assert_eq!(items, vec!["a1", "n1", "t1"], "newest first");
}

#[test]
fn found_by_email_is_linked_and_stored() {
    let mut h = Harness::new(|c: &Call| match (c.template, c.query.first().map(|(k, _)| k.as_str())) {
        ("ghlFindDuplicate", Some("email")) => ok(200, json!({"contact": {"id": "g7", "email": "ada@example.com", "firstName": "Ada"}})),
        _ => ghl_world(c),
    });
    h.send(Msg::Activated { fs_id: "70042006456".into() });
    assert_eq!(h.templates(), vec!["fsGetContact", "ghlFindDuplicate", "ghlListTasks", "ghlListNotes", "ghlListAppointments"]);
    assert_eq!(h.log[1].query, vec![("email".to_string(), "ada@example.com".to_string())]);
    let stored = LinkRecord::from_value(h.db[&LinkRecord::key("70042006456")].clone()).unwrap();
    assert_eq!((stored.ghl_id.as_deref(), stored.linked_by), (Some("g7"), Some(LinkedBy::Email)));
    assert!(matches!(h.view(), View::Linked(_)));
}

#[test]
fn found_by_phone_after_the_email_misses() {
    let mut h = Harness::new(|c: &Call| match (c.template, c.query.first().map(|(k, v)| (k.as_str(), v.as_str()))) {
        ("ghlFindDuplicate", Some(("number", "+14155550132"))) => ok(200, json!({"contact": {"id": "g8", "phone": "+14155550132"}})),
        _ => ghl_world(c),
    });
    h.send(Msg::Activated { fs_id: "5".into() });
    assert_eq!(&h.templates()[..3], &["fsGetContact", "ghlFindDuplicate", "ghlFindDuplicate"]);
    let stored = LinkRecord::from_value(h.db[&LinkRecord::key("5")].clone()).unwrap();
    assert_eq!(stored.linked_by, Some(LinkedBy::Phone));
}

#[test]
fn no_match_says_what_was_tried() {
    let mut h = Harness::new(ghl_world);
    h.send(Msg::Activated { fs_id: "5".into() });
    let View::Notice(n) = h.view() else { panic!() };
    assert!(n.text.contains("ada@example.com") && n.text.contains("+14155550132"), "{}", n.text);
    assert!(h.db.is_empty(), "nothing stored");
}

#[test]
fn a_manual_unlink_is_respected_without_requests() {
    let mut h = Harness::new(ghl_world);
    let mut r = LinkRecord::new("5");
    r.link("g1", LinkedBy::Email, 0);
    r.unlink(1);
    h.db.insert(LinkRecord::key("5"), r.to_stored().unwrap());
    h.send(Msg::Activated { fs_id: "5".into() });
    assert!(h.log.is_empty());
    assert!(matches!(h.view(), View::Notice(n) if n.title == "Not linked to HighLevel"));
}

#[test]
fn one_failed_section_leaves_the_others() {
    let mut h = Harness::new(|c: &Call| match c.template {
        "ghlListNotes" => ok(500, json!({"statusCode": 500, "message": "Internal server error"})),
        _ => ghl_world(c),
    });
    linked_db(&mut h, "1", "g1");
    h.send(Msg::Activated { fs_id: "1".into() });
    let notes_calls = h.log.iter().filter(|c| c.template == "ghlListNotes").count();
    assert!(notes_calls > 1 && notes_calls <= crate::retry::Backoff::default().max_attempts as usize, "read retried, bounded: {notes_calls}");
    let View::Linked(l) = h.view() else { panic!() };
    assert!(l.card.is_some());
    assert_eq!(l.errors.len(), 1);
    assert_eq!(l.errors[0].section, Section::Notes);
    assert!(!l.errors[0].message.contains("Internal server error"));
    assert_eq!(l.timeline.days.iter().map(|d| d.items.len()).sum::<usize>(), 2);
}

#[test]
fn answers_for_a_contact_left_behind_are_dropped() {
    let mut h = Harness::new(ghl_world);
    linked_db(&mut h, "1", "g1");
    linked_db(&mut h, "2", "g2");
    // Activate contact 1 but hold its replies; switch to 2 in the page.
    let env = h.env();
    h.state.update(Msg::Activated { fs_id: "1".into() }, env);
    let generation = h.state.generation;
    let fx = h.state.update(Msg::DbLoaded { generation, value: h.db.get(&LinkRecord::key("1")).cloned() }, env);
    let stale: Vec<Call> = fx.into_iter().filter_map(|f| if let Effect::Invoke(c) = f { Some(c) } else { None }).collect();
    h.send(Msg::Deactivated);
    h.send(Msg::Activated { fs_id: "2".into() });
    for c in stale {
        h.send(Msg::Reply { id: c.id, reply: ok(200, json!({"contact": {"id": "g1", "firstName": "Stale"}})) });
    }
    let View::Linked(l) = h.view() else { panic!() };
    assert_eq!(l.card.unwrap().name, "Ada Lovelace", "contact 2's answer, not contact 1's");
}

#[test]
fn a_deleted_ghl_contact_offers_relink_and_relinks() {
    let mut deleted = true;
    let mut h = Harness::new(move |c: &Call| match c.template {
        "ghlGetContact" if deleted => {
            deleted = false;
            ok(400, json!({"statusCode": 400, "message": "Contact with id g1 not found"}))
        }
        "ghlFindDuplicate" => ok(200, json!({"contact": {"id": "g9", "email": "ada@example.com"}})),
        _ => ghl_world(c),
    });
    linked_db(&mut h, "1", "g1");
    h.send(Msg::Activated { fs_id: "1".into() });
    let View::Notice(n) = h.view() else { panic!("{:?}", h.view()) };
    assert_eq!(n.actions, vec![Action::Relink]);
    h.send(Msg::Relink);
    let stored = LinkRecord::from_value(h.db[&LinkRecord::key("1")].clone()).unwrap();
    assert_eq!(stored.ghl_id.as_deref(), Some("g9"));
    assert!(matches!(h.view(), View::Linked(_)));
}

#[test]
fn a_refused_token_is_said_once_in_plain_words() {
    let mut h = Harness::new(|_c: &Call| ok(401, json!({"statusCode": 401, "message": "Invalid JWT"})));
    linked_db(&mut h, "1", "g1");
    h.send(Msg::Activated { fs_id: "1".into() });
    assert_eq!(h.log.len(), 4, "401 is not retried");
    let View::Notice(n) = h.view() else { panic!() };
    assert!(n.text.contains("admin must reconnect HighLevel"), "{}", n.text);
}

#[test]
fn missing_location_is_a_setup_notice() {
    let mut s = State::new();
    s.update(Msg::Configured(Config::default()), Env { now: NOW, random: 0.0 });
    assert!(matches!(view(&s, &FixedOffset(0), Instant(NOW)), View::Notice(n) if n.title == "HighLevel is not set up"));
}

#[test]
fn the_linked_view_lists_the_sync_log_newest_first_in_the_viewers_zone() {
    use crate::link::{Direction, LogEntry};
    let mut h = Harness::new(ghl_world);
    let mut r = LinkRecord::new("5");
    r.link("g1", LinkedBy::Sync, NOW - 7_200_000);
    r.log(LogEntry { at: NOW - 3_600_000, dir: Direction::ToGhl, action: "update".into(), fields: vec!["first_name".into(), "cf:job9".into()], ok: true, message: None });
    r.log(LogEntry { at: NOW, dir: Direction::ToGhl, action: "sync".into(), fields: vec![], ok: false, message: Some("HighLevel refused the token.".into()) });
    h.db.insert(LinkRecord::key("5"), r.to_stored().unwrap());
    h.send(Msg::Activated { fs_id: "5".into() });
    let View::Linked(l) = h.view() else { panic!("{:?}", h.view()) };
    let got: Vec<_> = l.activity.iter().map(|a| (a.when.as_str(), a.what.as_str(), a.fields.join(", "), a.ok, a.message.as_deref())).collect();
    assert_eq!(
        got,
        vec![
            ("3 Dec 2026, 13:00", "Synced with HighLevel", String::new(), false, Some("HighLevel refused the token.")),
            ("3 Dec 2026, 12:00", "Updated in HighLevel", "First name, Custom field job9".into(), true, None),
            ("3 Dec 2026, 11:00", "Linked to a HighLevel contact", String::new(), true, None),
        ]
    );
}

#[test]
fn a_refresh_rereads_the_link_record_and_shows_the_new_log_entry() {
    use crate::link::{Direction, LogEntry};
    let mut h = Harness::new(ghl_world);
    linked_db(&mut h, "5", "g1");
    h.send(Msg::Activated { fs_id: "5".into() });
    let View::Linked(l) = h.view() else { panic!() };
    assert_eq!(l.activity.len(), 1, "the link entry");
    // The background sync writes the record; `contact.update` arrives as a refresh.
    let key = LinkRecord::key("5");
    let mut r = LinkRecord::from_value(h.db[&key].clone()).unwrap();
    r.log(LogEntry { at: NOW, dir: Direction::ToGhl, action: "update".into(), fields: vec!["email".into()], ok: true, message: None });
    h.db.insert(key, r.to_stored().unwrap());
    h.send(Msg::Refresh);
    let View::Linked(l) = h.view() else { panic!() };
    assert_eq!((l.activity[0].what.as_str(), l.activity[0].fields.clone()), ("Updated in HighLevel", vec!["Email".to_string()]));
}

/// Opens linked contact `i` (its stored link answered at once) and returns the effects that
/// ask for its sections.
fn open_linked(s: &mut State, i: u32, env: Env) -> Vec<Effect> {
    let fs_id = format!("700{i}");
    s.update(Msg::Activated { fs_id: fs_id.clone() }, env);
    let mut r = LinkRecord::new(&fs_id);
    r.link(&format!("g{i}"), LinkedBy::Email, 0);
    s.update(Msg::DbLoaded { generation: s.generation, value: Some(r.to_stored().unwrap()) }, env)
}

#[test]
fn calls_queued_for_the_request_budget_are_explained_and_give_their_slots_back_when_left() {
    let mut s = State::new();
    let env = Env { now: NOW, random: 0.5 };
    s.update(Msg::Configured(Config { location_id: "loc1".into(), app_base_url: "https://app.example.com".into(), default_country: "US".into() }), env);
    // 12 contacts opened and left at once: 48 calls sent, within the 50 a minute.
    for i in 0..12 {
        let fx = open_linked(&mut s, i, env);
        assert_eq!(fx.iter().filter(|f| matches!(f, Effect::Invoke(_))).count(), 4, "contact {i}");
        s.update(Msg::Deactivated, env);
    }
    // The 13th: two calls go, two wait for the window; the user is told why.
    let fx = open_linked(&mut s, 12, env);
    assert_eq!(fx.iter().filter(|f| matches!(f, Effect::Invoke(_))).count(), 2);
    let later: Vec<&Call> = fx.iter().filter_map(|f| if let Effect::InvokeLater { call, .. } = f { Some(call) } else { None }).collect();
    assert_eq!(later.len(), 2);
    let View::Linked(l) = view(&s, &FixedOffset(0), Instant(NOW)) else { panic!() };
    let w = l.waiting.expect("the wait is explained");
    assert!(w.contains("50 a minute") && w.contains("about 60 s"), "{w}");
    // Left before they went: they are not wanted any more and give their slots back. Twenty
    // more contacts opened and left in the same instant (80 queued calls, more than a whole
    // window) still leave the next one waiting one window, not two.
    s.update(Msg::Deactivated, env);
    assert!(later.iter().all(|c| !s.is_pending(c.id)));
    for i in 13..33 {
        open_linked(&mut s, i, env);
        s.update(Msg::Deactivated, env);
    }
    let fx = open_linked(&mut s, 33, env);
    let waits: Vec<u64> = fx.iter().filter_map(|f| if let Effect::InvokeLater { after_ms, .. } = f { Some(*after_ms) } else { None }).collect();
    assert_eq!(waits.len(), 4);
    assert!(waits.iter().all(|&w| w <= 60_000), "{waits:?}");
    // A minute later the window is free: no wait to explain.
    s.update(Msg::Deactivated, env);
    let a_minute = Env { now: NOW + 60_000, random: 0.5 };
    let fx = open_linked(&mut s, 34, a_minute);
    assert_eq!(fx.iter().filter(|f| matches!(f, Effect::Invoke(_))).count(), 4);
    let View::Linked(l) = view(&s, &FixedOffset(0), Instant(NOW + 60_000)) else { panic!() };
    assert_eq!(l.waiting, None);
}
