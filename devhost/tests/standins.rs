//! The stand-ins wired behind the proxy, as the demo runs them: templates reach the seeded GHL
//! and Freshsales data, every installation starts with the seed's link records, and the
//! control API's stand-in switches work.

mod common;

use common::{body, standin_harness};
use serde_json::json;

#[tokio::test]
async fn templates_reach_the_seeded_apis() {
    let h = standin_harness();
    let r = h.invoke("s1", "ghlGetContact", json!({ "context": { "contactId": "gCnt01AdaLovelace001" } })).await;
    assert_eq!(r["status"], 200, "{r}");
    assert_eq!(body(&r)["contact"]["email"], "ada.lovelace@example.com");
    let r = h.invoke("s1", "fsGetContact", json!({ "context": { "id": "70042006401" } })).await;
    assert_eq!(r["status"], 200, "{r}");
    assert_eq!(body(&r)["contact"]["first_name"], "Ada");
    let r = h.invoke("s1", "ghlGetContact", json!({ "context": { "contactId": "gCntNoSuchContact000" } })).await;
    assert_eq!((r["ok"].as_bool(), r["status"].as_u64()), (Some(false), Some(400)), "GHL answers an unknown id with 400: {r}");
}

#[tokio::test]
async fn installations_start_with_the_seeded_links_and_keep_their_own_data() {
    let h = standin_harness();
    let get = json!({ "installation": "s2", "op": "get", "key": "ghlink:70042006401" });
    let r = h.post("/__devhost/db", get).await;
    assert_eq!(r["result"]["ghl_id"].as_str(), Some("gCnt01AdaLovelace001"), "{r}");

    let task = json!({ "title": "Call back", "dueDate": "2026-12-04T09:00:00Z", "completed": false });
    let r = h.invoke("s2", "ghlCreateTask", json!({ "context": { "contactId": "gCnt02JoseNunez00002" }, "body": task.to_string() })).await;
    assert_eq!(r["status"], 201, "{r}");
    let count = |inst: &'static str| {
        let h = &h;
        async move {
            let r = h.invoke(inst, "ghlListTasks", json!({ "context": { "contactId": "gCnt02JoseNunez00002" } })).await;
            body(&r)["tasks"].as_array().map(Vec::len).unwrap_or_default()
        }
    };
    assert_eq!(count("s2").await, count("s3").await + 1, "a new installation starts from the seed");
}

#[tokio::test]
async fn strict_mode_rejects_partial_task_updates() {
    let h = standin_harness();
    let tasks = h.invoke("s4", "ghlListTasks", json!({ "context": { "contactId": "gCnt01AdaLovelace001" } })).await;
    let id = body(&tasks)["tasks"][0]["id"].as_str().unwrap_or_else(|| panic!("Ada has a seeded task: {tasks}")).to_string();
    let partial = json!({ "title": "Renamed" }).to_string();
    let ctx = json!({ "contactId": "gCnt01AdaLovelace001", "taskId": id });
    let r = h.invoke("s4", "ghlUpdateTask", json!({ "context": ctx, "body": partial })).await;
    assert_eq!(r["status"], 200, "lenient by default, as the spec reads: {r}");
    h.post("/__devhost/control/ghl?installation=s4", json!({ "strict": true })).await;
    let r = h.invoke("s4", "ghlUpdateTask", json!({ "context": ctx, "body": partial })).await;
    assert_eq!((r["ok"].as_bool(), r["status"].as_u64()), (Some(false), Some(422)), "{r}");
    let v = h.get("/__devhost/control/ghl?installation=s4").await.json();
    assert!(v["spec_violations"].is_array(), "{v}");
}

#[tokio::test]
async fn a_contact_edit_is_saved_and_fires_contact_update_even_with_the_sync_off() {
    let h = standin_harness();
    let edit = json!({ "installation": "e1", "id": "70042006401", "contact": { "city": "Bath", "first_name": "Ada" } });
    let r = h.post("/__devhost/contact-edit", edit).await;
    assert_eq!(r["ok"], true, "{r}");
    assert_eq!(r["changed"], json!(["city"]), "only what differs");
    assert_eq!(r["sync"]["ok"], false);
    assert!(r["sync"]["error"].as_str().unwrap().contains("sync is off"), "{r}");
    let c = h.get("/__devhost/control/state?installation=e1").await.json();
    let fs = c["freshsales"]["contacts"].as_array().unwrap().iter().find(|x| x["id"] == 70042006401u64).cloned().unwrap();
    assert_eq!(fs["city"], "Bath");
    let ev = h.get("/__devhost/page-events?installation=e1&after=0&wait_ms=0").await.json();
    assert_eq!(ev["events"][0]["type"], "contact.update", "{ev}");
    assert_eq!(ev["events"][0]["contact_id"], "70042006401");
    let bad = h.post("/__devhost/contact-edit", json!({ "installation": "e1", "id": "70042006401", "contact": { "email": "jose.nunez@example.com" } })).await;
    assert_eq!(bad["ok"], false);
    assert!(bad["error"].as_str().unwrap().starts_with("Not saved"), "{bad}");
}
