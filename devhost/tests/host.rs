//! Pages, the shim-facing endpoints (session, iparams, db, interface, page events, install)
//! and the rest of the control API.

mod common;

use common::{harness, harness_at, TOKEN};
use serde_json::{json, Value};

#[tokio::test]
async fn app_pages_get_the_client_and_offline_crayons() {
    let h = harness(json!({}));
    let r = h.get("/app/index.html?install=demo").await;
    assert_eq!(r.status, 200);
    assert!(r.text.contains(r#"<script async src="/__devhost/client.js"></script>"#));
    assert!(r.text.contains(r#"href="/npm/@freshworks/crayons@4.2.0/css/crayons-min.css""#));
    assert!(!r.text.contains("{{{appclient}}}") && !r.text.contains("cdn.jsdelivr.net"));
    assert!(r.headers.get("content-security-policy").is_none(), "default: no CSP");
    let js = h.get("/__devhost/client.js").await;
    assert!(js.text.contains("initialized") && js.headers["content-type"].to_str().unwrap().starts_with("text/javascript"));
    assert_eq!(h.get("/app/../manifest.json").await.status, 404);
    assert_eq!(h.get("/app/missing.html").await.status, 404);
    assert_eq!(h.get("/npm/@freshworks/crayons@4.2.0/css/crayons-min.css").await.status, 404, "not installed in the fixture root");
    let page = h.get("/config/iparams.html?install=demo").await;
    assert!(page.text.contains("/__devhost/client.js"));
    assert!(h.get("/config/assets/iparams.js").await.text.contains("postConfigs"));
}

#[tokio::test]
async fn crayons_are_served_from_node_modules() {
    let root = std::env::temp_dir().join(format!("devhost-crayons-{}", std::process::id()));
    let css = root.join("node_modules/@freshworks/crayons/css");
    std::fs::create_dir_all(&css).unwrap();
    std::fs::write(css.join("crayons-min.css"), ".fw{}").unwrap();
    let h = harness_at(root.clone(), json!({}));
    let r = h.get("/npm/@freshworks/crayons@4.2.0/css/crayons-min.css").await;
    assert_eq!((r.status.as_u16(), r.text.as_str()), (200, ".fw{}"));
    assert_eq!(r.headers["content-type"], "text/css; charset=utf-8");
    assert_eq!(h.get("/npm/left-pad@1.0.0/index.js").await.status, 404);
    assert_eq!(h.get("/npm/@freshworks/crayons-i18n@4.2.0/index.js").await.status, 404);
    std::fs::remove_dir_all(root).ok();
}

#[tokio::test]
async fn crayons_icons_come_from_the_pinned_copy() {
    let root = std::env::temp_dir().join(format!("devhost-crayons-icon-{}", std::process::id()));
    let js = root.join("node_modules/@freshworks/crayons/dist/crayons");
    let icons = root.join("node_modules/@freshworks/crayons-icon/dist/icons");
    std::fs::create_dir_all(&js).unwrap();
    std::fs::create_dir_all(&icons).unwrap();
    let base = "https://cdn.jsdelivr.net/npm/@freshworks/crayons-icon@next/dist/icons";
    std::fs::write(js.join("p-1.js"), format!("const a='{base}';")).unwrap();
    std::fs::write(icons.join("calendar-time.svg"), "<svg/>").unwrap();
    let h = harness_at(root.clone(), json!({}));
    let r = h.get("/npm/@freshworks/crayons@4.2.0/dist/crayons/p-1.js").await;
    assert_eq!(r.text, "const a='/npm/@freshworks/crayons-icon@next/dist/icons';", "the icon base made same-origin");
    let r = h.get("/npm/@freshworks/crayons-icon@next/dist/icons/calendar-time.svg").await;
    assert_eq!((r.status.as_u16(), r.text.as_str()), (200, "<svg/>"));
    assert_eq!(r.headers["content-type"], "image/svg+xml");
    assert_eq!(h.get("/npm/@freshworks/crayons-icon@next/dist/icons/nope.svg").await.status, 404);
    std::fs::remove_dir_all(root).ok();
}

#[tokio::test]
async fn csp_variants() {
    let h = harness(json!({ "csp": "no-wasm" }));
    let r = h.get("/app/index.html").await;
    let csp = r.headers["content-security-policy"].to_str().unwrap();
    assert!(csp.contains("script-src") && !csp.contains("wasm-unsafe-eval"));
    assert!(csp.contains(" blob:;") && csp.contains("connect-src 'self' data:"), "what Crayons' loader and icons need: {csp}");
    h.post("/__devhost/control/options?installation=w", json!({ "csp": "strict" })).await;
    let r = h.get("/app/index.html?install=w").await;
    assert!(r.headers["content-security-policy"].to_str().unwrap().contains("'wasm-unsafe-eval'"));
}

#[tokio::test]
async fn contact_page_frames_the_sidebar() {
    let h = harness(json!({ "iframe_sandbox": "allow-scripts allow-same-origin" }));
    let r = h.get("/contacts/42?install=cp").await;
    assert_eq!(r.status, 200);
    assert!(r.text.contains(r#"src="/app/index.html?install=cp&amp;contact=42""#), "{}", r.text);
    assert!(r.text.contains(r#"sandbox="allow-scripts allow-same-origin""#));
    assert!(r.text.contains(r#""switchMode":"in-page""#));
    assert!(r.text.contains("Freshsales contact #42"), "the pane shows the contact the upstream returned");
    assert!(h.get("/contacts/42?install=cp&switch=reload").await.text.contains(r#""switchMode":"reload""#));
    assert_eq!(h.get("/contacts/42?install=a/b").await.status, 400);
    assert_eq!(h.get("/?install=cp").await.status, 303);
    assert_eq!(h.calls(), 2, "the pane's Freshsales reads");
    assert!(h.log("cp").await.is_empty(), "host page reads are not the app's calls");
}

#[tokio::test]
async fn installation_page_saves_iparams_and_keeps_secure_ones_server_side() {
    let h = harness(json!({}));
    let r = h.get("/install?install=inst").await;
    assert!(r.text.contains(r#"src="/config/iparams.html?install=inst""#));
    let saved = json!({ "values": {
        "fs_domain": "acme.myfreshworks.com", "fs_api_key": "k-new", "ghl_token": "pit-new", "ghl_location_id": "loc9",
        "__meta": { "secure": ["fs_api_key", "ghl_token"] }
    } });
    h.post("/__devhost/install/save?installation=inst", saved).await;
    let configs = h.get("/__devhost/install/configs?installation=inst").await.json();
    assert_eq!(configs["configs"], json!({ "fs_domain": "acme.myfreshworks.com", "ghl_location_id": "loc9" }));
    let ip = h.get("/__devhost/iparams?installation=inst").await;
    assert!(!ip.text.contains("pit-new") && !ip.text.contains("k-new"));
    let r = h.invoke("inst", "fsGetContact", json!({ "context": { "id": 1 } })).await;
    assert_eq!(common::body(&r)["host"], "acme.myfreshworks.com");
}

#[tokio::test]
async fn session_and_iparams_never_carry_secrets() {
    let h = harness(json!({}));
    for uri in ["/__devhost/session?installation=s", "/__devhost/iparams?installation=s", "/__devhost/control/state?installation=s", "/__devhost/control/iparams?installation=s"] {
        let r = h.get(uri).await;
        assert_eq!(r.status, 200, "{uri}");
        assert!(!r.text.contains(TOKEN) && !r.text.contains("fs-demo-key"), "{uri}: {}", r.text);
    }
    let s = h.get("/__devhost/session?installation=s").await.json();
    assert_eq!(s["currentHost"]["endpoint_urls"]["freshworks_crm"], "https://demo.myfreshworks.com");
    assert_eq!(s["loggedInUser"]["email"], "dana@devhost.test");
    assert_eq!(h.get("/__devhost/iparams?installation=s").await.json()["iparams"], json!({ "fs_domain": "demo.myfreshworks.com", "ghl_location_id": "loc_demo_0001" }));
    // Tests can set iparams, secure ones included.
    h.post("/__devhost/control/iparams?installation=s", json!({ "values": { "ghl_token": "pit-expired" } })).await;
    let names = h.get("/__devhost/control/iparams?installation=s").await.json();
    assert!(names["secure_iparams"].as_array().unwrap().contains(&json!("ghl_token")));
}

async fn db(h: &common::Harness, inst: &str, op: Value) -> Value {
    let mut op = op;
    op["installation"] = json!(inst);
    h.post("/__devhost/db", op).await
}

#[tokio::test]
async fn db_over_http_with_quota() {
    let h = harness(json!({}));
    assert_eq!(db(&h, "d", json!({ "op": "set", "key": "link:1", "value": { "ghl": "abc" } })).await["result"], json!({ "Created": true }));
    assert_eq!(db(&h, "d", json!({ "op": "get", "key": "link:1" })).await["result"], json!({ "ghl": "abc" }));
    let missing = db(&h, "d", json!({ "op": "get", "key": "nope" })).await;
    assert_eq!((missing["ok"].as_bool(), missing["status"].as_u64(), missing["message"].as_str()), (Some(false), Some(404), Some("Record not found")));
    let long = db(&h, "d", json!({ "op": "set", "key": "k".repeat(61), "value": { "a": 1 } })).await;
    assert_eq!(long["status"], 400);
    for _ in 0..46 {
        assert_eq!(db(&h, "d", json!({ "op": "get", "key": "link:1" })).await["ok"], true);
    }
    let over = db(&h, "d", json!({ "op": "get", "key": "link:1" })).await;
    assert_eq!((over["ok"].as_bool(), over["status"].as_u64()), (Some(false), Some(429)));
    assert_eq!(db(&h, "fresh-db", json!({ "op": "get", "key": "link:1" })).await["status"], 404, "other installations: own store, own quota");
    let state = h.get("/__devhost/control/state?installation=d").await.json();
    assert_eq!(state["db"], json!({ "link:1": { "ghl": "abc" } }));
}

async fn trigger(h: &common::Harness, inst: &str, action: &str, options: Value) -> Value {
    h.post("/__devhost/interface", json!({ "installation": inst, "instance": "1", "action": action, "options": options })).await
}

#[tokio::test]
async fn notifications_are_checked_and_recorded() {
    let h = harness(json!({}));
    let ok = trigger(&h, "n", "showNotify", json!({ "type": "success", "message": "y".repeat(120) })).await;
    assert_eq!(ok["ok"], true);
    let bad = trigger(&h, "n", "showNotify", json!({ "type": "error", "message": "m" })).await;
    assert_eq!((bad["ok"].as_bool(), bad["status"].as_u64()), (Some(false), Some(400)));
    trigger(&h, "n", "resize", json!({ "height": "900px" })).await;
    let modal = trigger(&h, "n", "showModal", json!({ "title": "Link", "template": "modal.html", "data": { "fs": 1 } })).await;
    assert_eq!(modal["url"], "/app/modal.html?install=n&modal=1");
    let ctx = h.get("/__devhost/session?installation=n&modal=1").await.json();
    assert_eq!(ctx["modal"], json!({ "parentId": "1", "data": { "fs": 1 }, "title": "Link" }));
    let notes = h.get("/__devhost/control/notifications?installation=n").await.json()["notifications"].as_array().cloned().unwrap();
    let actions: Vec<&str> = notes.iter().map(|n| n["action"].as_str().unwrap()).collect();
    assert_eq!(actions, vec!["showNotify", "resize", "showModal"], "invalid calls are not recorded");
    assert_eq!(notes[0]["message"].as_str().unwrap().len(), 100);
    assert_eq!(notes[1]["height"], 700);
}

#[tokio::test]
async fn confirm_answers_follow_the_queue_then_the_save_label() {
    let h = harness(json!({}));
    let ask = json!({ "message": "Unlink?", "saveLabel": "Unlink", "cancelLabel": "Keep" });
    assert_eq!(trigger(&h, "c", "showConfirm", ask.clone()).await["result"], json!({ "message": "Unlink" }));
    h.post("/__devhost/control/confirm-answer", json!({ "installation": "c", "choice": "cancel" })).await;
    h.post("/__devhost/control/confirm-answer", json!({ "installation": "c", "label": "Maybe" })).await;
    h.post("/__devhost/control/confirm-answer", json!({ "installation": "c", "choice": "timeout" })).await;
    assert_eq!(trigger(&h, "c", "showConfirm", ask.clone()).await["result"], json!({ "message": "Keep" }));
    assert_eq!(trigger(&h, "c", "showConfirm", ask.clone()).await["result"], json!({ "message": "Maybe" }));
    assert_eq!(trigger(&h, "c", "showConfirm", ask.clone()).await["timeout"], true);
    h.post("/__devhost/control/options?installation=c", json!({ "confirm_mode": "manual" })).await;
    assert_eq!(trigger(&h, "c", "showConfirm", ask).await["pending"], true);
    let answers: Vec<Value> = h.get("/__devhost/control/notifications?installation=c").await.json()["notifications"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["answer"].clone())
        .collect();
    assert_eq!(answers, vec![json!("Unlink"), json!("Keep"), json!("Maybe"), Value::Null, Value::Null]);
}

#[tokio::test]
async fn events_reach_the_page_by_long_poll() {
    let h = harness(json!({}));
    let none = h.get("/__devhost/page-events?installation=ev&after=0&wait_ms=10").await.json();
    assert_eq!(none["events"], json!([]));
    h.post("/__devhost/control/events", json!({ "installation": "ev", "type": "switch_contact", "contact_id": 7, "mode": "reload" })).await;
    h.post("/__devhost/control/events", json!({ "installation": "ev", "type": "contact.update", "data": { "contact": { "id": 7 } } })).await;
    let got = h.get("/__devhost/page-events?installation=ev&after=0").await.json();
    let events = got["events"].as_array().unwrap();
    assert_eq!(events.len(), 2);
    assert_eq!((events[0]["type"].as_str(), events[0]["contact_id"].as_str(), events[0]["mode"].as_str()), (Some("switch_contact"), Some("7"), Some("reload")));
    assert_eq!(events[1]["data"]["contact"]["id"], 7);
    assert_eq!(h.get("/__devhost/page-events?installation=ev&after=2&wait_ms=10").await.json()["events"], json!([]));
    for bad in [json!({ "type": "ticket.update" }), json!({ "type": "switch_contact" }), json!({ "type": "switch_contact", "contact_id": 1, "mode": "teleport" })] {
        assert_eq!(h.request("POST", "/__devhost/control/events", Some(bad)).await.status, 400);
    }
}

#[tokio::test]
async fn control_odds_and_ends() {
    let h = harness(json!({}));
    let a = h.post("/__devhost/control/installations", json!({})).await["installation"].as_str().unwrap().to_string();
    let b = h.post("/__devhost/control/installations", json!({})).await["installation"].as_str().unwrap().to_string();
    assert_ne!(a, b);
    let health = h.get("/__devhost/control/health").await.json();
    assert_eq!((health["ok"].as_bool(), health["real_ghl"].as_bool()), (Some(true), Some(false)));
    let t0 = h.get("/__devhost/control/clock").await.json()["now_ms"].as_i64().unwrap();
    let t1 = h.post("/__devhost/control/clock", json!({ "advance_ms": 3_600_000 })).await["now_ms"].as_i64().unwrap();
    assert!(t1 - t0 >= 3_600_000);
    let echo = h.post("/__devhost/control/upstream", json!({ "installation": "up", "api": "ghl", "method": "post", "path": "/contacts/", "body": { "a": 1 } })).await;
    let sent: Value = serde_json::from_str(echo["body"].as_str().unwrap()).unwrap();
    assert_eq!((sent["method"].as_str(), sent["template"].as_str(), sent["body"].as_str()), (Some("POST"), Some("__devhost"), Some(r#"{"a":1}"#)));
    assert!(h.log("up").await.is_empty(), "passthrough calls are not logged");
    assert_eq!(h.request("POST", "/__devhost/control/options", Some(json!({ "cps": 1 }))).await.status, 400);
    let smi = h.post("/__devhost/smi", json!({ "installation": "x", "name": "syncContact" })).await;
    assert_eq!((smi["ok"].as_bool(), smi["status"].as_u64()), (Some(false), Some(404)));
}
