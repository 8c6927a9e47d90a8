//! The background sync's recurring schedule runs on devhost's clock: advancing the clock past
//! the next due run (control `POST /clock`) runs `onScheduledEvent` in the sync child for each
//! installation it knows, and not before. Also the task form's route end to end: a task saved
//! through `/__devhost/task-edit` reaches the GHL stand-in through `onTaskCreate`. Needs the
//! serverless core (`bash scripts/build-server.sh`, which scripts/test.sh runs before this)
//! and node.

mod common;

use std::future::IntoFuture;

use devhost::sync::{SyncChild, SCHEDULE_EVERY_MS};
use serde_json::{json, Value};

const ADA: &str = "70042006401";

fn serverless(log: &[Value]) -> usize {
    log.iter().filter(|e| e["caller"] == "serverless").count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn advancing_the_clock_past_the_due_run_runs_the_schedule() {
    let h = common::standin_harness();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(axum::serve(listener, devhost::router(h.state.clone())).into_future());
    let child = SyncChild::start(&h.state.config.root, &base, SCHEDULE_EVERY_MS, h.state.clock.now_ms()).expect("the sync child starts (is server/pkg/core.js built?)");
    assert!(h.state.sync.set(child).is_ok());
    let inst = h.post("/__devhost/control/installations", json!({})).await["installation"].as_str().unwrap().to_string();

    // A task from the host page's form: saved in Freshsales, synced by onTaskCreate.
    let r = h.post("/__devhost/task-edit", json!({ "installation": inst, "id": ADA, "task": { "title": "Call Ada back", "due": "2026-12-10T10:00", "done": false } })).await;
    assert_eq!((r["ok"].clone(), r["event"].clone(), r["sync"]["ok"].clone()), (json!(true), json!("onTaskCreate"), json!(true)), "{r}");
    assert_eq!(r["task"]["due_date"], "2026-12-10T10:00:00-05:00");
    let state = h.get(&format!("/__devhost/control/state?installation={inst}")).await.json();
    let ghl_id = state["db"][format!("ghlink:{ADA}")]["ghl_id"].as_str().expect("the seed links Ada").to_string();
    let synced: Vec<&Value> = state["ghl"]["tasks"].as_array().unwrap().iter().filter(|t| t["contactId"] == ghl_id.as_str() && t["title"] == "Call Ada back").collect();
    assert_eq!(synced.len(), 1, "the GHL stand-in has the task once");
    assert_eq!(synced[0]["dueDate"].as_str().unwrap().get(..19), Some("2026-12-10T15:00:00"));

    // Not due yet: nothing runs.
    let before = serverless(&h.log(&inst).await);
    let r = h.post("/__devhost/control/clock", json!({ "advance_ms": SCHEDULE_EVERY_MS / 3 })).await;
    assert_eq!(r["scheduled"], json!([]), "{r}");
    assert_eq!(serverless(&h.log(&inst).await), before, "no run before the schedule is due");

    // Past the due run: the scheduled run happens before the answer.
    let r = h.post("/__devhost/control/clock", json!({ "advance_ms": SCHEDULE_EVERY_MS })).await;
    let runs = r["scheduled"].as_array().unwrap();
    assert_eq!(runs.len(), 1, "{r}");
    assert_eq!((runs[0]["installation"].as_str(), runs[0]["ok"].as_bool()), (Some(inst.as_str()), Some(true)), "{r}");
    assert!(serverless(&h.log(&inst).await) > before, "the scheduled run made its requests");

    // Taken: the next run is an interval later.
    let r = h.post("/__devhost/control/clock", json!({ "advance_ms": 0 })).await;
    assert_eq!(r["scheduled"], json!([]));
}
