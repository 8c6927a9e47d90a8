//! The sidebar's cache of contact views: fresh re-opens cost nothing, stale ones render at
//! once and revalidate in the background, failures and writes invalidate.

use std::cell::RefCell;
use std::rc::Rc;

use super::*;
use crate::cache::{self, CachePolicy};

const FS: &str = "70042006456";

/// A linked contact whose upstream can be changed between opens (`edit`) and that counts
/// the calls it answered.
fn linked(edit: Rc<RefCell<Box<dyn Fn(&Call) -> Option<RawReply>>>>) -> Harness {
    let mut h = Harness::new(move |c| (edit.borrow())(c).unwrap_or_else(|| ghl_world(c)));
    linked_db(&mut h, FS, "g1");
    h
}

fn unchanged() -> Rc<RefCell<Box<dyn Fn(&Call) -> Option<RawReply>>>> {
    Rc::new(RefCell::new(Box::new(|_| None)))
}

fn reopen(h: &mut Harness, after_ms: i64) -> usize {
    h.send(Msg::Deactivated);
    h.now += after_ms;
    let before = h.log.len();
    h.send(Msg::Activated { fs_id: FS.into() });
    h.log.len() - before
}

fn task_titles(h: &Harness) -> Vec<String> {
    h.state.tasks.ready().map(|t| t.iter().filter_map(|t| t.title.clone()).collect()).unwrap_or_default()
}

#[test]
fn a_fresh_reopen_renders_from_the_cache_with_no_request() {
    let mut h = linked(unchanged());
    h.send(Msg::Activated { fs_id: FS.into() });
    assert_eq!(h.log.len(), 4);
    let key = cache::key("loc1", FS);
    assert!(h.session.contains_key(&key), "stored for sessionStorage: {:?}", h.session.keys());
    let first = h.view();
    assert_eq!(reopen(&mut h, 30_000), 0);
    assert_eq!(h.state.requests_this_open, 0);
    assert_eq!(h.view(), first, "the same view, from the cache");
    assert!(h.db.keys().all(|k| !k.starts_with(cache::KEY_PREFIX)), "never in the platform's store");
}

#[test]
fn a_stale_reopen_renders_at_once_and_revalidates_in_the_background() {
    let edit = unchanged();
    let mut h = linked(edit.clone());
    h.send(Msg::Activated { fs_id: FS.into() });
    *edit.borrow_mut() = Box::new(|c| (c.template == "ghlListTasks").then(|| ok(200, json!({"tasks": [{"id": "t2", "title": "Send quote"}]}))));
    h.send(Msg::Deactivated);
    h.now += CachePolicy::default().fresh_ms as i64 + 1;
    // The activation alone, before any answer: the cached view is already there.
    let fx = h.state.update(Msg::Activated { fs_id: FS.into() }, h.env());
    let View::Linked(l) = h.view() else { panic!("{:?}", h.view()) };
    assert!(l.card.is_some() && l.loading.is_empty(), "{l:?}");
    assert_eq!(task_titles(&h), ["Call back"]);
    let calls: Vec<_> = fx.iter().filter_map(|f| if let Effect::Invoke(c) = f { Some(c.template) } else { None }).collect();
    assert_eq!(calls, ["ghlGetContact", "ghlListTasks", "ghlListNotes", "ghlListAppointments"]);
    assert!(!fx.iter().any(|f| matches!(f, Effect::DbGet { .. })), "the link came from the cache");
    // Answer the background reads.
    for f in fx {
        if let Effect::Invoke(c) = f {
            let reply = (h.upstream)(&c);
            h.send(Msg::Reply { id: c.id, reply });
        }
    }
    assert_eq!(task_titles(&h), ["Send quote"]);
    assert_eq!(reopen(&mut h, 1_000), 0, "re-stored as fresh");
    assert_eq!(task_titles(&h), ["Send quote"]);
}

/// Opens the contact, then re-opens it once stale with `template` answering `status`.
fn stale_reopen_failing(template: &'static str, status: u16, body: Value) -> (Harness, Rc<RefCell<Box<dyn Fn(&Call) -> Option<RawReply>>>>) {
    let edit = unchanged();
    let mut h = linked(edit.clone());
    h.send(Msg::Activated { fs_id: FS.into() });
    *edit.borrow_mut() = Box::new(move |c| (c.template == template).then(|| ok(status, body.clone())));
    reopen(&mut h, 2 * 60_000);
    (h, edit)
}

#[test]
fn a_transient_failure_while_revalidating_keeps_the_cached_section() {
    let (mut h, edit) = stale_reopen_failing("ghlListTasks", 503, json!({}));
    assert_eq!(task_titles(&h), ["Call back"], "cached tasks kept over a 503");
    let View::Linked(l) = h.view() else { panic!() };
    assert!(l.errors.is_empty(), "{:?}", l.errors);
    // Not re-stored as fresh: the next open revalidates again.
    *edit.borrow_mut() = Box::new(|_| None);
    assert_eq!(reopen(&mut h, 1_000), 4);
}

#[test]
fn a_contact_deleted_in_ghl_while_revalidating_drops_the_cache() {
    let (h, _) = stale_reopen_failing("ghlGetContact", 404, json!({"statusCode": 404, "message": "Not found"}));
    assert_eq!(h.state.phase, Phase::Gone("g1".into()));
    assert!(h.session.is_empty(), "invalidated: {:?}", h.session.keys());
}

#[test]
fn an_expired_entry_loads_as_if_nothing_were_cached() {
    let mut h = linked(unchanged());
    h.send(Msg::Activated { fs_id: FS.into() });
    let n = reopen(&mut h, CachePolicy::default().max_age_ms as i64);
    assert_eq!(n, 4);
    assert_eq!(h.templates()[4..], ["ghlGetContact", "ghlListTasks", "ghlListNotes", "ghlListAppointments"]);
}

#[test]
fn a_new_instance_restores_from_session_storage() {
    let mut h = linked(unchanged());
    h.send(Msg::Activated { fs_id: FS.into() });
    let first = h.view();
    // The loader instantiates afresh (a reload, or after a crash): memory is gone, the tab's
    // sessionStorage is not.
    let stored: Vec<(String, Value)> = h.session.clone().into_iter().chain([("ghlb:v1:loc1:junk".to_string(), json!({"x": 1}))]).collect();
    let config = h.state.config.clone().unwrap();
    h.state = State::new();
    h.send(Msg::CacheRestored(stored));
    assert!(!h.session.contains_key("ghlb:v1:loc1:junk"), "an unreadable entry is removed");
    h.send(Msg::Configured(config));
    let before = h.log.len();
    h.send(Msg::Activated { fs_id: FS.into() });
    assert_eq!(h.log.len(), before, "0 requests");
    assert_eq!(h.view(), first);
}

#[test]
fn retry_and_invalidation_bypass_the_cache() {
    let mut h = linked(unchanged());
    h.send(Msg::Activated { fs_id: FS.into() });
    let before = h.log.len();
    h.send(Msg::Refresh);
    assert_eq!(h.log.len() - before, 4, "the retry button and contact.update read afresh");
    // The entry point for the app's own writes.
    let mut fx = Vec::new();
    h.state.invalidate_cache(&mut fx);
    assert_eq!(fx, [Effect::CacheRemove { key: cache::key("loc1", FS) }]);
    assert_eq!(reopen(&mut h, 1_000), 4);
}

#[test]
fn a_partly_failed_view_is_not_cached() {
    let edit = unchanged();
    *edit.borrow_mut() = Box::new(|c| (c.template == "ghlListNotes").then(|| ok(403, json!({"message": "Forbidden"}))));
    let mut h = linked(edit);
    h.send(Msg::Activated { fs_id: FS.into() });
    assert!(h.session.is_empty());
    assert_eq!(reopen(&mut h, 1_000), 4);
}

#[test]
fn leaving_with_a_write_in_flight_makes_the_next_open_read_again_whatever_the_write_did() {
    let mut h = linked(unchanged());
    h.send(Msg::Activated { fs_id: FS.into() });
    let key = cache::key("loc1", FS);
    assert!(h.session.contains_key(&key));
    // Complete the task; leave before its answer arrives (it will be dropped).
    let fx = h.state.update(Msg::Act(Intent::SetCompleted { task_id: "t1".into(), completed: true }), h.env());
    assert!(fx.iter().any(|f| matches!(f, Effect::Invoke(c) if c.template == "ghlCompleteTask")), "{fx:?}");
    assert!(fx.iter().any(|f| matches!(f, Effect::CacheRemove { key: k } if *k == key)), "dropped when the write is sent: {fx:?}");
    h.send(Msg::Deactivated);
    h.now += 1_000;
    let before = h.log.len();
    h.send(Msg::Activated { fs_id: FS.into() });
    assert_eq!(&h.templates()[before..], ["ghlGetContact", "ghlListTasks", "ghlListNotes", "ghlListAppointments"], "read again, not shown from the cache");
    // Without a write in flight, leaving keeps the cache (the fresh re-open costs nothing).
    assert_eq!(reopen(&mut h, 1_000), 0);
}
