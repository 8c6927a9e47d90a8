//! The background sync on devhost: ONE child process, `node devhost/assets/sync-child.mjs`,
//! loads `server/server.js` in the emulated serverless sandbox (`devhost/assets/sandbox.mjs`,
//! the one the serverless tests use) with `$request` / `$db` backed by this devhost. Product
//! events go to it as JSON lines on its stdin, answers come back as lines on its stdout.
//!
//! The recurring schedule runs on devhost's clock: every [`SCHEDULE_EVERY_MS`] of it,
//! `onScheduledEvent` runs for each installation the child has had an event for. A ticker
//! ([`spawn_ticker`], once a second of real time) notices when the clock passed the next due
//! run, and so does the control API's `POST /clock` after an advance (it awaits the runs and
//! lists them), so tests need not wait.
//!
//! `POST /__devhost/contact-edit` `{installation, id, contact: {first_name, …}}` is the host
//! page's edit form: the change is `PUT` to the Freshsales stand-in, `onContactUpdate` runs in
//! the child (its answer awaited, at most [`EVENT_TIMEOUT`]), then `contact.update` goes to the
//! host page and the app, so the sidebar reloads the link record with the new sync log entry.
//! `POST /__devhost/task-edit` `{installation, id, task: {id?, title, due, done}}` is the task
//! form: the task is created (`POST /tasks`) or updated (`PUT /tasks/:id`) in the Freshsales
//! stand-in, `onTaskCreate` / `onTaskUpdate` runs in the child, then `contact.update`.

use std::collections::{BTreeSet, HashMap};
use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::State;
use axum::routing::post;
use axum::{Json, Router};
use serde_json::{json, Map, Value};
use tokio::sync::oneshot;

use crate::api::installation_id;
use crate::host::{devhost_request, fetch_contact};
use crate::state::AppState;
use crate::upstream::Api;

/// How long an edit waits for the sync child's run (the platform's limit per run is 20 s).
pub const EVENT_TIMEOUT: Duration = Duration::from_secs(20);
/// The recurring schedule's interval on devhost's clock (the app asks for every 5 minutes).
pub const SCHEDULE_EVERY_MS: i64 = 30_000;

/// When the recurring schedule is next due, on devhost's clock.
#[derive(Debug)]
pub struct Schedule {
    every_ms: i64,
    next_ms: Mutex<i64>,
}

impl Schedule {
    /// A schedule first due `every_ms` after `now_ms`.
    pub fn new(every_ms: i64, now_ms: i64) -> Schedule {
        Schedule { every_ms, next_ms: Mutex::new(now_ms + every_ms) }
    }

    /// Whether a run is due at `now_ms`; if so the next one is set `every_ms` later (runs
    /// missed while the clock jumped are not replayed: one run per jump, as a late platform
    /// timer fires once).
    pub fn take_due(&self, now_ms: i64) -> bool {
        let Ok(mut next) = self.next_ms.lock() else { return false };
        if now_ms < *next {
            return false;
        }
        *next = now_ms + self.every_ms;
        true
    }
}

type Waiters = Arc<Mutex<HashMap<u64, oneshot::Sender<Value>>>>;

/// The running sync child.
pub struct SyncChild {
    stdin: Mutex<ChildStdin>,
    waiters: Waiters,
    next: AtomicU64,
    known: Mutex<BTreeSet<String>>,
    /// The recurring schedule.
    pub schedule: Schedule,
    _child: Child,
}

impl SyncChild {
    /// Starts the child for the devhost at `base` (`http://127.0.0.1:PORT`), or says in plain
    /// words why the sync is off (the serverless core is not built, node is missing).
    /// The schedule is first due `every_ms` after `now_ms` (devhost's clock).
    pub fn start(root: &Path, base: &str, every_ms: i64, now_ms: i64) -> Result<SyncChild, String> {
        if !root.join("server/pkg/core.js").is_file() {
            return Err("server/pkg/core.js is not built (run bash scripts/build-server.sh)".into());
        }
        let mut child = Command::new("node")
            .arg(root.join("devhost/assets/sync-child.mjs"))
            .arg(base)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .map_err(|e| format!("cannot start node: {e}"))?;
        let (Some(stdin), Some(stdout)) = (child.stdin.take(), child.stdout.take()) else {
            return Err("the sync child has no pipes".into());
        };
        let waiters: Waiters = Arc::default();
        let w = waiters.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                let Ok(v) = serde_json::from_str::<Value>(&line) else { continue };
                let tx = v.get("id").and_then(Value::as_u64).and_then(|id| w.lock().ok()?.remove(&id));
                if let Some(tx) = tx {
                    let _ = tx.send(v);
                }
            }
            // The child is gone: answer nobody, so every waiter sees a closed channel.
            if let Ok(mut m) = w.lock() {
                m.clear();
            }
        });
        Ok(SyncChild { stdin: Mutex::new(stdin), waiters, next: AtomicU64::new(1), known: Mutex::default(), schedule: Schedule::new(every_ms, now_ms), _child: child })
    }

    /// Runs `handler` (`onContactUpdate`, …) for `installation` with the event's `data` and
    /// the installation's public `iparams`; resolves with the child's answer
    /// `{id, ok, render?, error?}`.
    pub async fn run(&self, installation: &str, handler: &str, data: Value, iparams: Map<String, Value>) -> Result<Value, String> {
        let id = self.next.fetch_add(1, Ordering::Relaxed);
        self.known.lock().map_err(|_| "sync child state poisoned")?.insert(installation.to_string());
        let (tx, rx) = oneshot::channel();
        self.waiters.lock().map_err(|_| "sync child state poisoned")?.insert(id, tx);
        let line = json!({ "id": id, "installation": installation, "handler": handler, "data": data, "iparams": iparams }).to_string();
        {
            let mut w = self.stdin.lock().map_err(|_| "sync child state poisoned")?;
            writeln!(w, "{line}").and_then(|()| w.flush()).map_err(|e| format!("the sync child stopped: {e}"))?;
        }
        match tokio::time::timeout(EVENT_TIMEOUT, rx).await {
            Ok(Ok(v)) => Ok(v),
            Ok(Err(_)) => Err("the sync child stopped".into()),
            Err(_) => {
                self.waiters.lock().map_err(|_| "sync child state poisoned")?.remove(&id);
                Err("the sync run took longer than 20 s".into())
            }
        }
    }
}

/// When the schedule is due on devhost's clock, runs `onScheduledEvent` for every installation
/// the child has had an event for, one after the other; `[{installation, ok, …}]`, empty when
/// nothing was due or the sync is off.
pub async fn run_schedule(st: &AppState) -> Vec<Value> {
    let Some(child) = st.sync.get() else { return Vec::new() };
    if !child.schedule.take_due(st.clock.now_ms()) {
        return Vec::new();
    }
    let installs: Vec<String> = child.known.lock().map(|k| k.iter().cloned().collect()).unwrap_or_default();
    let mut runs = Vec::new();
    for inst in installs {
        let iparams = st.with_install(&inst, |i| i.public_iparams());
        let r = child.run(&inst, "onScheduledEvent", json!({ "kind": "drain" }), iparams).await.unwrap_or_else(|e| json!({ "ok": false, "error": e }));
        if r["ok"] != true {
            eprintln!("devhost sync: scheduled run for {inst}: {}", r.get("error").or(r.pointer("/render/err/message")).unwrap_or(&Value::Null));
        }
        runs.push(json!({ "installation": inst, "ok": r["ok"] == true, "result": r.get("render").or(r.get("error")) }));
    }
    runs
}

/// Checks the schedule once a second of real time (the demo's clock runs at real speed).
pub fn spawn_ticker(st: Arc<AppState>) {
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(Duration::from_secs(1)).await;
            run_schedule(&st).await;
        }
    });
}

/// The edit routes.
pub fn routes() -> Router<Arc<AppState>> {
    Router::new().route("/__devhost/contact-edit", post(contact_edit)).route("/__devhost/task-edit", post(task_edit))
}

/// The product event's task: the stored task with `status` as events carry it.
fn task_event(task: &Value) -> Value {
    let mut t = task.clone();
    t["status"] = json!(if task["status"] == 1 { "Completed" } else { "Open" });
    t
}

async fn task_edit(State(st): State<Arc<AppState>>, Json(v): Json<Value>) -> Json<Value> {
    let fail = |m: &str| Json(json!({ "ok": false, "error": m }));
    let Ok(inst) = installation_id(v.get("installation").and_then(Value::as_str)) else { return fail("Unknown installation.") };
    let Some(contact) = v.get("id").and_then(|i| i.as_u64().or_else(|| i.as_str()?.parse().ok())) else { return fail("The contact id must be a number.") };
    let form = v.get("task").cloned().unwrap_or(Value::Null);
    let task_id = match form.get("id") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) if s.is_empty() => None,
        Some(i) => match i.as_u64().or_else(|| i.as_str()?.parse().ok()) {
            Some(n) => Some(n),
            None => return fail("The task id must be a number."),
        },
    };
    // The form's wall-clock due time is read in the account's offset.
    let due = match form.get("due").and_then(Value::as_str).map(str::trim).unwrap_or("") {
        "" => Value::Null,
        d => {
            let offset = st.upstreams.freshsales.state(&inst)["utcOffsetMinutes"].as_i64().unwrap_or(0) as i32;
            match ghl_bridge::datetime::LocalDateTime::parse(d) {
                Some(l) => json!(l.to_instant(offset).to_rfc3339()),
                None => return fail("Not saved: the due date is not a date and time."),
            }
        }
    };
    let body = json!({ "task": {
        "title": form.get("title").cloned().unwrap_or(Value::Null),
        "due_date": due,
        "status": u8::from(form.get("done") == Some(&Value::Bool(true))),
        "targetable_type": "Contact",
        "targetable_id": contact,
    }})
    .to_string();
    let (method, path) = match task_id {
        None => ("POST", "/crm/sales/api/tasks".to_string()),
        Some(t) => ("PUT", format!("/crm/sales/api/tasks/{t}")),
    };
    let req = devhost_request(&st, &inst, Api::Freshsales, method, &path, vec![], Some(body));
    let r = st.upstreams.freshsales.handle(&req, st.clock.now_ms());
    let saved: Value = serde_json::from_str(&r.body).unwrap_or(Value::Null);
    if !(200..300).contains(&r.status) {
        let why = saved.pointer("/errors/message/0").and_then(Value::as_str).unwrap_or("the Freshsales stand-in refused the task");
        return fail(&format!("Not saved: {why}."));
    }
    let task = saved.get("task").cloned().unwrap_or(Value::Null);
    let handler = if task_id.is_none() { "onTaskCreate" } else { "onTaskUpdate" };
    let sync = match st.sync.get() {
        None => json!({ "ok": false, "error": "the background sync is off (see devhost's log)" }),
        Some(child) => {
            let iparams = st.with_install(&inst, |i| i.public_iparams());
            child.run(&inst, handler, json!({ "task": task_event(&task) }), iparams).await.unwrap_or_else(|e| json!({ "ok": false, "error": e }))
        }
    };
    let fs_contact = fetch_contact(&st, &inst, &contact.to_string()).and_then(|(s, c)| (s == 200).then(|| c.get("contact").cloned())).flatten().unwrap_or(Value::Null);
    let seq = st.push_page_event(&inst, "contact.update", Some(contact.to_string()), None, fs_contact);
    Json(json!({ "ok": true, "task": task, "event": handler, "sync": sync, "seq": seq }))
}

/// `{field: [old, new]}` for every field of `edit` whose value differs in `old`.
fn model_changes(old: &Value, edit: &Map<String, Value>) -> Map<String, Value> {
    edit.iter().filter(|(k, v)| old.get(k.as_str()).unwrap_or(&Value::Null) != *v).map(|(k, v)| (k.clone(), json!([old.get(k.as_str()).cloned().unwrap_or(Value::Null), v]))).collect()
}

async fn contact_edit(State(st): State<Arc<AppState>>, Json(v): Json<Value>) -> Json<Value> {
    let fail = |m: &str| Json(json!({ "ok": false, "error": m }));
    let Ok(inst) = installation_id(v.get("installation").and_then(Value::as_str)) else { return fail("Unknown installation.") };
    let id = match v.get("id") {
        Some(Value::String(s)) if !s.is_empty() && s.chars().all(|c| c.is_ascii_digit()) => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        _ => return fail("The contact id must be a number."),
    };
    let Some(Value::Object(edit)) = v.get("contact") else { return fail("Nothing to change.") };
    let Some((200, before)) = fetch_contact(&st, &inst, &id) else { return fail("The contact could not be read from the Freshsales stand-in.") };
    let before = before.get("contact").cloned().unwrap_or(Value::Null);
    let body = json!({ "contact": edit }).to_string();
    let req = devhost_request(&st, &inst, Api::Freshsales, "PUT", &format!("/crm/sales/api/contacts/{id}"), vec![], Some(body));
    let r = st.upstreams.freshsales.handle(&req, st.clock.now_ms());
    let after: Value = serde_json::from_str(&r.body).unwrap_or(Value::Null);
    if r.status != 200 {
        let why = after.pointer("/errors/message/0").and_then(Value::as_str).unwrap_or("the Freshsales stand-in refused the change");
        return fail(&format!("Not saved: {why}."));
    }
    let contact = after.get("contact").cloned().unwrap_or(Value::Null);
    let changes = model_changes(&before, edit);
    let sync = match st.sync.get() {
        None => json!({ "ok": false, "error": "the background sync is off (see devhost's log)" }),
        Some(child) => {
            let iparams = st.with_install(&inst, |i| i.public_iparams());
            let data = json!({ "contact": contact, "changes": { "model_changes": changes } });
            child.run(&inst, "onContactUpdate", data, iparams).await.unwrap_or_else(|e| json!({ "ok": false, "error": e }))
        }
    };
    let seq = st.push_page_event(&inst, "contact.update", Some(id), None, contact);
    Json(json!({ "ok": true, "changed": changes.keys().collect::<Vec<_>>(), "sync": sync, "seq": seq }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_schedule_is_due_once_per_interval_on_the_clock_given() {
        let s = Schedule::new(30_000, 1_000);
        assert!(!s.take_due(30_999), "not before the first interval");
        assert!(s.take_due(31_000));
        assert!(!s.take_due(31_000), "taken once");
        assert!(!s.take_due(60_999));
        assert!(s.take_due(500_000), "a long jump runs once…");
        assert!(!s.take_due(529_999), "…and the next run is an interval after it");
        assert!(s.take_due(530_000));
    }

    #[test]
    fn task_events_carry_the_status_as_words() {
        assert_eq!(task_event(&json!({"id": 1, "status": 1}))["status"], "Completed");
        assert_eq!(task_event(&json!({"id": 1, "status": 0, "title": "x"})), json!({"id": 1, "status": "Open", "title": "x"}));
    }

    #[test]
    fn model_changes_name_only_what_differs() {
        let old = json!({"first_name": "Ada", "city": null, "last_name": "L"});
        let edit = json!({"first_name": "Augusta", "city": "London", "last_name": "L"});
        let got = model_changes(&old, edit.as_object().unwrap());
        assert_eq!(Value::Object(got), json!({"first_name": ["Ada", "Augusta"], "city": [null, "London"]}));
    }
}
