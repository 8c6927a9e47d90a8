//! The background sync on devhost: ONE child process, `node devhost/assets/sync-child.mjs`,
//! loads `server/server.js` in the emulated serverless sandbox (`devhost/assets/sandbox.mjs`,
//! the one the serverless tests use) with `$request` / `$db` backed by this devhost. Product
//! events go to it as JSON lines on its stdin, answers come back as lines on its stdout; it
//! runs the recurring schedule itself on a short real interval.
//!
//! `POST /__devhost/contact-edit` `{installation, id, contact: {first_name, …}}` is the host
//! page's edit form: the change is `PUT` to the Freshsales stand-in, `onContactUpdate` runs in
//! the child (its answer awaited, at most [`EVENT_TIMEOUT`]), then `contact.update` goes to the
//! host page and the app, so the sidebar reloads the link record with the new sync log entry.

use std::collections::HashMap;
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
/// The recurring schedule's real interval in the child (the app asks for every 5 minutes).
pub const SCHEDULE_EVERY_MS: u64 = 30_000;

type Waiters = Arc<Mutex<HashMap<u64, oneshot::Sender<Value>>>>;

/// The running sync child.
pub struct SyncChild {
    stdin: Mutex<ChildStdin>,
    waiters: Waiters,
    next: AtomicU64,
    _child: Child,
}

impl SyncChild {
    /// Starts the child for the devhost at `base` (`http://127.0.0.1:PORT`), or says in plain
    /// words why the sync is off (the serverless core is not built, node is missing).
    pub fn start(root: &Path, base: &str, every_ms: u64) -> Result<SyncChild, String> {
        if !root.join("server/pkg/core.js").is_file() {
            return Err("server/pkg/core.js is not built (run bash scripts/build-server.sh)".into());
        }
        let mut child = Command::new("node")
            .arg(root.join("devhost/assets/sync-child.mjs"))
            .arg(base)
            .arg(every_ms.to_string())
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
        Ok(SyncChild { stdin: Mutex::new(stdin), waiters, next: AtomicU64::new(1), _child: child })
    }

    /// Runs `handler` (`onContactUpdate`, …) for `installation` with the event's `data` and
    /// the installation's public `iparams`; resolves with the child's answer
    /// `{id, ok, render?, error?}`.
    pub async fn run(&self, installation: &str, handler: &str, data: Value, iparams: Map<String, Value>) -> Result<Value, String> {
        let id = self.next.fetch_add(1, Ordering::Relaxed);
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

/// The edit route.
pub fn routes() -> Router<Arc<AppState>> {
    Router::new().route("/__devhost/contact-edit", post(contact_edit))
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
    fn model_changes_name_only_what_differs() {
        let old = json!({"first_name": "Ada", "city": null, "last_name": "L"});
        let edit = json!({"first_name": "Augusta", "city": "London", "last_name": "L"});
        let got = model_changes(&old, edit.as_object().unwrap());
        assert_eq!(Value::Object(got), json!({"first_name": ["Ada", "Augusta"], "city": [null, "London"]}));
    }
}
