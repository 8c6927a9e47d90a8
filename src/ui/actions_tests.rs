//! The writes driven through the state machine against a small stateful GHL: what was sent,
//! what the stand-in holds afterwards, what the view shows and what the user was told.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use serde_json::{json, Value};

use super::*;
use crate::datetime::FixedOffset;
use crate::error::Origin;
use crate::link::{LinkRecord, LinkedBy};
use crate::ui::tests::{ghl_world, linked_db, ok, Harness, NOW};
use crate::ui::{Call, Msg, View};

/// A GHL that keeps its tasks, notes and tags. A one-shot fault per template answers with a
/// status, after applying the write or not.
#[derive(Default)]
struct World {
    tasks: Vec<Value>,
    notes: Vec<Value>,
    tags: Vec<String>,
    faults: HashMap<&'static str, (u16, bool)>,
    next: u32,
}

type Shared = Rc<RefCell<World>>;

fn answer(w: &Shared, c: &Call) -> RawReply {
    let fault = w.borrow_mut().faults.remove(c.template);
    if let Some((status, false)) = fault {
        return ok(status, json!({"statusCode": status, "message": ["title should not be empty"]}));
    }
    let mut w = w.borrow_mut();
    w.next += 1;
    let id = format!("x{}", w.next);
    let body: Value = c.body.as_deref().map(|b| serde_json::from_str(b).unwrap()).unwrap_or(Value::Null);
    let ctx = |k: &str| c.context.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone()).unwrap_or_default();
    let reply = match c.template {
        "ghlListTasks" => ok(200, json!({"tasks": w.tasks})),
        "ghlListNotes" => ok(200, json!({"notes": w.notes})),
        "ghlGetContact" => {
            let mut r: Value = serde_json::from_str(&ghl_world(c).body).unwrap();
            r["contact"]["tags"] = json!(w.tags);
            ok(200, r)
        }
        "ghlCreateTask" => {
            let mut t = body.clone();
            t["id"] = json!(id);
            w.tasks.push(t.clone());
            ok(201, json!({"task": t}))
        }
        "ghlUpdateTask" | "ghlCompleteTask" => {
            let t = w.tasks.iter_mut().find(|t| t["id"] == ctx("taskId")).unwrap();
            for (k, v) in body.as_object().unwrap() {
                t[k] = v.clone();
            }
            ok(200, json!({"task": t}))
        }
        "ghlDeleteTask" => {
            w.tasks.retain(|t| t["id"] != ctx("taskId"));
            ok(200, json!({"succeded": true}))
        }
        "ghlCreateNote" => {
            let mut n = body.clone();
            n["id"] = json!(id);
            w.notes.push(n.clone());
            ok(201, json!({"note": n}))
        }
        "ghlUpdateNote" => {
            let n = w.notes.iter_mut().find(|n| n["id"] == ctx("id")).unwrap();
            n["body"] = body["body"].clone();
            ok(200, json!({"note": n}))
        }
        "ghlDeleteNote" => {
            w.notes.retain(|n| n["id"] != ctx("id"));
            ok(200, json!({"succeded": true}))
        }
        "ghlAddTags" => {
            let add: Vec<String> = serde_json::from_value(body["tags"].clone()).unwrap();
            w.tags.extend(add);
            ok(201, json!({"tags": w.tags}))
        }
        "ghlRemoveTags" => {
            let rm: Vec<String> = serde_json::from_value(body["tags"].clone()).unwrap();
            w.tags.retain(|t| !rm.contains(t));
            ok(200, json!({"tags": w.tags}))
        }
        "fsCreateNote" => ok(201, json!({"note": {"id": 9001, "description": body["note"]["description"]}})),
        _ => ghl_world(c),
    };
    match fault {
        Some((status, true)) => ok(status, json!({"statusCode": status, "message": "Internal server error"})),
        _ => reply,
    }
}

/// A linked contact (fs 1 → g1) with one task, one note and the tag `vip`.
fn linked() -> (Harness, Shared) {
    let w: Shared = Rc::new(RefCell::new(World {
        tasks: vec![json!({"id": "t1", "title": "Call back", "body": "About the quote", "dueDate": "2026-12-01T09:00:00.000Z", "completed": false})],
        notes: vec![json!({"id": "n1", "body": "Met at expo", "dateAdded": "2026-12-02T08:00:00.000Z"})],
        tags: vec!["vip".into()],
        ..Default::default()
    }));
    let w2 = w.clone();
    let mut h = Harness::new(move |c: &Call| answer(&w2, c));
    linked_db(&mut h, "1", "g1");
    h.send(Msg::Activated { fs_id: "1".into() });
    h.send(Msg::Act(Intent::User("Dana Devhost".into())));
    h.log.clear();
    (h, w)
}

fn draft(title: &str, due: &str) -> TaskDraft {
    TaskDraft::from_input(title, "Bring the contract", due, &FixedOffset(60))
}

fn new_task(title: &str) -> Msg {
    Msg::Act(Intent::SubmitTask { form: FormId::NewTask, draft: draft(title, "2026-12-04T09:00") })
}

fn count(h: &Harness, template: &str) -> usize {
    h.log.iter().filter(|c| c.template == template).count()
}

fn body(c: &Call) -> Value {
    serde_json::from_str(c.body.as_deref().unwrap()).unwrap()
}

#[test]
fn due_times_are_the_next_business_day_at_nine_in_the_viewers_zone() {
    let z = FixedOffset(60);
    // Thursday 3 Dec 2026 12:00 UTC → Friday; Friday → Monday; Saturday → Monday.
    assert_eq!(default_due(Instant(NOW), &z), "2026-12-04T09:00");
    assert_eq!(default_due(Instant(NOW + 86_400_000), &z), "2026-12-07T09:00");
    assert_eq!(default_due(Instant(NOW + 2 * 86_400_000), &z), "2026-12-07T09:00");
    // Late Thursday in UTC is already Friday at UTC+10.
    assert_eq!(default_due(Instant(NOW + 11 * 3_600_000), &FixedOffset(600)), "2026-12-07T09:00");
    assert_eq!(local_input_to_utc("2026-12-04T09:00", &z).as_deref(), Some("2026-12-04T08:00:00Z"));
    assert_eq!(local_input_to_utc("tomorrow", &z), None);
    assert_eq!(utc_to_local_input(Instant::parse("2026-12-04T08:00:00Z").unwrap(), &z), "2026-12-04T09:00");
    assert_eq!(FormId::parse(&FormId::EditTask("a:b".into()).key()), Some(FormId::EditTask("a:b".into())));
    assert_eq!(FormId::parse("nonsense"), None);
}

#[test]
fn a_new_task_is_validated_shown_at_once_and_created_once() {
    let (mut h, w) = linked();
    h.send(new_task("  "));
    assert!(h.log.is_empty(), "no request for a blank title");
    assert_eq!(h.state.actions.errors[&FormId::NewTask], "Enter a title for the task.");
    h.send(Msg::Act(Intent::SubmitTask { form: FormId::NewTask, draft: draft("Send contract", "next week") }));
    assert!(h.log.is_empty(), "no request for an unreadable due time");
    // Submitted twice before the answer: one request, and the task shows while it is in flight.
    let env = h.env();
    let fx = h.state.update(new_task("Send contract"), env);
    let fx2 = h.state.update(new_task("Send contract"), env);
    let calls: Vec<Call> = fx.into_iter().chain(fx2).filter_map(|f| if let Effect::Invoke(c) = f { Some(c) } else { None }).collect();
    assert_eq!(calls.len(), 1);
    assert_eq!(body(&calls[0]), json!({"title": "Send contract", "body": "Bring the contract", "dueDate": "2026-12-04T08:00:00Z", "completed": false}));
    assert!(h.state.tasks.ready().unwrap().iter().any(|t| t.title.as_deref() == Some("Send contract")));
    assert!(h.state.actions.busy.contains(&FormId::NewTask));
    let reply = answer(&w, &calls[0]);
    h.send(Msg::Reply { id: calls[0].id, reply });
    assert_eq!(w.borrow().tasks.len(), 2);
    assert!(h.state.tasks.ready().unwrap().iter().all(|t| !t.id.starts_with("pending")));
    assert!(!h.state.actions.drafts.contains_key(&FormId::NewTask), "form cleared after success");
    assert_eq!(h.notified.last().unwrap().0, NotifyKind::Success);
}

#[test]
fn a_create_that_failed_after_saving_is_found_not_duplicated() {
    let (mut h, w) = linked();
    w.borrow_mut().faults.insert("ghlCreateTask", (500, true));
    h.send(new_task("Send contract"));
    assert_eq!(h.templates(), vec!["ghlCreateTask", "ghlListTasks"], "looked up, not retried");
    assert_eq!(w.borrow().tasks.len(), 2);
    assert!(!h.state.actions.errors.contains_key(&FormId::NewTask));
    assert_eq!(h.state.tasks.ready().unwrap().len(), 2, "the saved task shows");
    assert_eq!(h.notified.last().unwrap().0, NotifyKind::Success);
}

#[test]
fn a_create_that_did_not_save_keeps_the_form_and_a_retry_creates_one() {
    let (mut h, w) = linked();
    w.borrow_mut().faults.insert("ghlCreateTask", (422, false));
    h.send(new_task("Send contract"));
    assert_eq!(h.templates(), vec!["ghlCreateTask", "ghlListTasks"]);
    assert_eq!(h.state.tasks.ready().unwrap().len(), 1, "rolled back");
    let err = &h.state.actions.errors[&FormId::NewTask];
    assert!(err.starts_with("The task was not saved.") && !err.contains("should not"), "{err}");
    assert_eq!(h.state.actions.draft(&FormId::NewTask, "title"), Some("Send contract"), "typed values kept");
    assert_eq!(h.notified.last().unwrap().0, NotifyKind::Danger);
    h.send(new_task("Send contract"));
    assert_eq!(count(&h, "ghlCreateTask"), 2);
    assert_eq!(w.borrow().tasks.len(), 2, "exactly one created");
}

#[test]
fn when_even_the_lookup_fails_the_next_submit_looks_first() {
    let (mut h, w) = linked();
    w.borrow_mut().faults.insert("ghlCreateTask", (504, true));
    // The lookup fails too (401 is not retried).
    let w2 = w.clone();
    h.send(Msg::Act(Intent::Draft { form: FormId::NewTask, field: "title".into(), value: "Send".into() }));
    w2.borrow_mut().faults.insert("ghlListTasks", (401, false));
    h.send(new_task("Send contract"));
    assert_eq!(h.templates(), vec!["ghlCreateTask", "ghlListTasks"]);
    assert!(h.state.actions.unverified.contains_key(&FormId::NewTask));
    h.log.clear();
    h.send(new_task("Send contract"));
    assert_eq!(h.templates(), vec!["ghlListTasks"], "found on the second look: not created again");
    assert_eq!(w.borrow().tasks.len(), 2);
}

#[test]
fn a_rate_limited_create_is_certain_and_not_retried() {
    let (mut h, w) = linked();
    w.borrow_mut().faults.insert("ghlCreateTask", (429, false));
    h.send(new_task("Send contract"));
    assert_eq!(h.templates(), vec!["ghlCreateTask"]);
    assert_eq!(h.state.tasks.ready().unwrap().len(), 1);
    assert_eq!(h.state.actions.draft(&FormId::NewTask, "title"), Some("Send contract"));
    assert!(h.notified.last().unwrap().1.contains("busy"));
}

#[test]
fn editing_sends_the_whole_task_and_a_failure_rolls_back() {
    let (mut h, w) = linked();
    let edit = |title: &str| Msg::Act(Intent::SubmitTask { form: FormId::EditTask("t1".into()), draft: draft(title, "2026-12-05T10:30") });
    h.send(edit("Call back soon"));
    let sent = body(&h.log[0]);
    assert_eq!(sent, json!({"title": "Call back soon", "body": "Bring the contract", "dueDate": "2026-12-05T09:30:00Z", "completed": false}));
    assert_eq!(w.borrow().tasks[0]["title"], "Call back soon");
    w.borrow_mut().faults.insert("ghlUpdateTask", (500, false));
    h.send(edit("Third title"));
    assert_eq!(h.state.tasks.ready().unwrap()[0].title.as_deref(), Some("Call back soon"), "rolled back");
    assert_eq!(h.state.actions.draft(&FormId::EditTask("t1".into()), "title"), Some("Third title"));
    assert_eq!(count(&h, "ghlUpdateTask"), 2, "a PUT is not retried either");
}

#[test]
fn complete_reopen_and_delete_after_confirming() {
    let (mut h, w) = linked();
    h.send(Msg::Act(Intent::SetCompleted { task_id: "t1".into(), completed: true }));
    assert_eq!(h.log[0].template, "ghlCompleteTask");
    assert_eq!(body(&h.log[0]), json!({"completed": true}));
    assert_eq!(w.borrow().tasks[0]["completed"], true);
    w.borrow_mut().faults.insert("ghlCompleteTask", (500, false));
    h.send(Msg::Act(Intent::SetCompleted { task_id: "t1".into(), completed: false }));
    assert!(h.state.tasks.ready().unwrap()[0].completed, "reopen failed: still done");
    h.confirm = false;
    h.send(Msg::Act(Intent::DeleteTask("t1".into())));
    assert_eq!(count(&h, "ghlDeleteTask"), 0, "nothing without a confirmation");
    h.confirm = true;
    w.borrow_mut().faults.insert("ghlDeleteTask", (500, false));
    h.send(Msg::Act(Intent::DeleteTask("t1".into())));
    assert_eq!(h.state.tasks.ready().unwrap().len(), 1, "failed delete put back");
    h.send(Msg::Act(Intent::DeleteTask("t1".into())));
    assert!(w.borrow().tasks.is_empty() && h.state.tasks.ready().unwrap().is_empty());
}

#[test]
fn notes_carry_the_authors_name_and_can_go_to_freshsales_too() {
    let (mut h, w) = linked();
    h.send(Msg::Act(Intent::SubmitNote { form: FormId::NewNote, text: "Wants a demo\nnext week".into(), to_freshsales: true }));
    assert_eq!(h.templates(), vec!["ghlCreateNote", "fsCreateNote"]);
    assert_eq!(w.borrow().notes[1]["body"], "Dana Devhost (Freshsales):\nWants a demo\nnext week");
    assert_eq!(body(&h.log[1])["note"]["targetable_id"], 1);
    let stored = LinkRecord::from_value(h.db[&LinkRecord::key("1")].clone()).unwrap();
    let ghl_id = w.borrow().notes[1]["id"].as_str().unwrap().to_string();
    assert_eq!(stored.note_by_ghl(&ghl_id).and_then(|p| p.fs.as_deref()), Some("9001"));
    h.send(Msg::Act(Intent::SubmitNote { form: FormId::EditNote("n1".into()), text: "Met at the expo".into(), to_freshsales: false }));
    assert_eq!(w.borrow().notes[0]["body"], "Met at the expo");
    h.send(Msg::Act(Intent::DeleteNote(ghl_id.clone())));
    assert_eq!(w.borrow().notes.len(), 1);
    let stored = LinkRecord::from_value(h.db[&LinkRecord::key("1")].clone()).unwrap();
    assert!(stored.note_by_ghl(&ghl_id).is_none(), "forgotten with the note");
    h.send(Msg::Act(Intent::SubmitNote { form: FormId::NewNote, text: " \n ".into(), to_freshsales: false }));
    assert_eq!(count(&h, "ghlCreateNote"), 1, "empty note not sent");
}

#[test]
fn tags_are_added_and_removed_one_at_a_time() {
    let (mut h, w) = linked();
    h.send(Msg::Act(Intent::AddTag(" VIP ".into())));
    assert!(h.log.is_empty(), "case-insensitive duplicate not sent");
    assert!(h.state.actions.errors[&FormId::Tag].contains("already"));
    h.send(Msg::Act(Intent::AddTag("hot  lead".into())));
    assert_eq!((h.log[0].template, body(&h.log[0])), ("ghlAddTags", json!({"tags": ["hot lead"]})));
    assert_eq!(w.borrow().tags, vec!["vip", "hot lead"]);
    w.borrow_mut().faults.insert("ghlRemoveTags", (500, false));
    h.send(Msg::Act(Intent::RemoveTag("vip".into())));
    assert_eq!(h.state.contact.ready().unwrap().tags, vec!["vip", "hot lead"], "put back where it was");
    h.send(Msg::Act(Intent::RemoveTag("vip".into())));
    assert_eq!(w.borrow().tags, vec!["hot lead"], "the other tag intact");
    assert!(h.log.iter().all(|c| c.template != "ghlUpdateContact"), "the tag list is never PUT");
}

#[test]
fn pushing_a_linked_contact_sends_only_changes_and_never_blanks() {
    let mut h = Harness::new(|c: &Call| match c.template {
        // Freshsales has a new last name, no company and no phone.
        "fsGetContact" => ok(200, json!({"contact": {"id": 1, "first_name": "Ada", "last_name": "King", "email": "ada@example.com"}})),
        "ghlUpdateContact" => ok(
            200,
            json!({"succeded": true, "contact": {"id": "g1", "firstName": "Ada", "lastName": "King", "email": "ada@example.com", "phone": "+14155550132"}}),
        ),
        _ => ghl_world(c),
    });
    linked_db(&mut h, "1", "g1");
    h.send(Msg::Activated { fs_id: "1".into() });
    h.log.clear();
    h.send(Msg::Act(Intent::Push));
    assert_eq!(h.templates(), vec!["fsGetContact", "ghlUpdateContact"]);
    assert_eq!(body(&h.log[1]), json!({"lastName": "King"}));
    let stored = LinkRecord::from_value(h.db[&LinkRecord::key("1")].clone()).unwrap();
    assert_eq!(stored.synced.get("last_name").map(String::as_str), Some("King"), "{:?}", stored.synced);
    assert_eq!(h.state.contact.ready().unwrap().last_name.as_deref(), Some("King"));
}

#[test]
fn pushing_an_unlinked_contact_upserts_links_and_warns_on_another_person() {
    let mut h = Harness::new(|c: &Call| match c.template {
        "ghlUpsertContact" => ok(200, json!({"new": false, "contact": {"id": "g5", "firstName": "Ada", "email": "someone@else.com", "phone": "+14155550132"}})),
        _ => ghl_world(c),
    });
    h.send(Msg::Activated { fs_id: "70042006456".into() });
    assert!(matches!(h.view(), View::Notice(_)));
    h.log.clear();
    h.send(Msg::Act(Intent::Push));
    assert_eq!(h.templates(), vec!["ghlUpsertContact", "ghlListTasks", "ghlListNotes", "ghlListAppointments"]);
    let sent = body(&h.log[0]);
    assert_eq!((sent["locationId"].as_str(), sent["source"].as_str(), sent["phone"].as_str()), (Some("loc1"), Some("Freshsales"), Some("+14155550132")));
    let stored = LinkRecord::from_value(h.db[&LinkRecord::key("70042006456")].clone()).unwrap();
    assert_eq!((stored.ghl_id.as_deref(), stored.linked_by), (Some("g5"), Some(LinkedBy::Push)));
    assert_eq!(h.notified.last().unwrap().0, NotifyKind::Warning);
    assert!(matches!(h.view(), View::Linked(_)));
}

#[test]
fn an_uncertain_upsert_is_looked_up_by_email() {
    let mut h = Harness::new(|c: &Call| match c.template {
        "ghlUpsertContact" => RawReply { status: 504, headers: vec![], body: String::new(), origin: Origin::Platform },
        "ghlFindDuplicate" if c.query.iter().any(|(_, v)| v == "ada@example.com") => ok(200, json!({"contact": null})),
        _ => ghl_world(c),
    });
    h.send(Msg::Activated { fs_id: "70042006456".into() });
    h.log.clear();
    h.send(Msg::Act(Intent::Push));
    assert_eq!(h.templates(), vec!["ghlUpsertContact", "ghlFindDuplicate"]);
    assert!(h.state.actions.errors[&FormId::Push].starts_with("The contact was not created"));
    assert!(!h.state.actions.busy.contains(&FormId::Push));
}

#[test]
fn link_by_hand_and_unlink_with_a_tombstone() {
    let mut h = Harness::new(|c: &Call| match c.template {
        "ghlSearchContacts" => ok(200, json!({"contacts": [{"id": "g3", "firstName": "Ada", "lastName": "B", "email": "ab@example.com"}], "total": 1})),
        _ => ghl_world(c),
    });
    h.send(Msg::Activated { fs_id: "7".into() });
    h.log.clear();
    h.send(Msg::Act(Intent::Search("  ".into())));
    assert!(h.log.is_empty());
    h.send(Msg::Act(Intent::Search("Ada".into())));
    assert_eq!(body(&h.log[0]), json!({"locationId": "loc1", "pageLimit": 10, "page": 1, "query": "Ada"}));
    assert_eq!(h.state.actions.hits.as_ref().unwrap()[0].detail, "ab@example.com");
    h.send(Msg::Act(Intent::Pick("g3".into())));
    let stored = LinkRecord::from_value(h.db[&LinkRecord::key("7")].clone()).unwrap();
    assert_eq!((stored.ghl_id.as_deref(), stored.linked_by), (Some("g3"), Some(LinkedBy::Manual)));
    assert!(matches!(h.view(), View::Linked(_)));
    h.send(Msg::Act(Intent::Unlink));
    let stored = LinkRecord::from_value(h.db[&LinkRecord::key("7")].clone()).unwrap();
    assert!(stored.ghl_id.is_none() && !stored.may_auto_link());
    // Opening it again makes no lookup.
    h.log.clear();
    h.send(Msg::Refresh);
    assert!(h.log.is_empty());
    assert!(matches!(h.view(), View::Notice(n) if n.title == "Not linked to HighLevel"));
}

#[test]
fn a_reload_during_a_create_makes_the_next_submit_look_first() {
    let (mut h, w) = linked();
    let env = h.env();
    let fx = h.state.update(new_task("Send contract"), env);
    let call = fx.into_iter().find_map(|f| if let Effect::Invoke(c) = f { Some(c) } else { None }).unwrap();
    let _saved = answer(&w, &call); // GHL saved it; the answer never reaches the panel
    h.send(Msg::Refresh);
    h.log.clear();
    h.send(new_task("Send contract"));
    assert_eq!(h.templates(), vec!["ghlListTasks"], "found, not created again");
    assert_eq!(w.borrow().tasks.len(), 2);
}

#[test]
fn notifications_fit_the_platforms_hundred_characters() {
    let long = "The connection to HighLevel has expired or was revoked. An admin must reconnect HighLevel in the app settings.";
    assert_eq!(fit_notice(long), "The connection to HighLevel has expired or was revoked.");
    assert_eq!(fit_notice("short"), "short");
    let one = "x".repeat(150);
    assert_eq!(fit_notice(&one).chars().count(), NOTIFY_MAX_CHARS);
    // Every message a failing write produces fits.
    let (mut h, w) = linked();
    w.borrow_mut().faults.insert("ghlCreateTask", (504, true));
    w.borrow_mut().faults.insert("ghlListTasks", (401, false));
    h.send(new_task("Send contract"));
    assert!(h.notified.iter().all(|(_, m)| m.chars().count() <= NOTIFY_MAX_CHARS), "{:?}", h.notified);
    assert!(h.state.actions.errors[&FormId::NewTask].contains("checks before creating"), "the inline message keeps it all");
}

#[test]
fn a_write_drops_the_cached_view_while_in_flight_and_stores_the_result() {
    let (mut h, w) = linked();
    let key = crate::cache::key("loc1", "1");
    assert!(h.session.contains_key(&key), "the first open was cached");
    let env = h.env();
    let fx = h.state.update(new_task("Send contract"), env);
    assert!(fx.iter().any(|f| matches!(f, Effect::CacheRemove { key: k } if *k == key)), "dropped before the write is sent");
    let call = fx.iter().find_map(|f| if let Effect::Invoke(c) = f { Some(c.clone()) } else { None }).unwrap();
    for f in &fx {
        if let Effect::CacheRemove { key } = f {
            h.session.remove(key);
        }
    }
    assert!(!h.session.contains_key(&key));
    let reply = answer(&w, &call);
    h.send(Msg::Reply { id: call.id, reply });
    let stored = serde_json::to_string(&h.session[&key]).unwrap();
    assert!(stored.contains("Send contract"), "the view after the write is cached: {stored}");
    // A re-open within the TTL shows the new task with no request.
    h.send(Msg::Deactivated);
    h.log.clear();
    h.send(Msg::Activated { fs_id: "1".into() });
    assert!(h.log.is_empty(), "{:?}", h.templates());
    assert!(h.state.tasks.ready().unwrap().iter().any(|t| t.title.as_deref() == Some("Send contract")));
}
