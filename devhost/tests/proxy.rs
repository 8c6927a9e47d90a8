//! The request proxy end to end: template rules as the browser sees them, limits and quotas.

mod common;

use common::{body, harness};
use serde_json::json;

#[tokio::test]
async fn renders_and_resolves_without_leaking_credentials() {
    let h = harness(json!({}));
    let r = h.invoke("p1", "ghlGetContact", json!({ "context": { "contactId": "abc" } })).await;
    assert_eq!((r["ok"].as_bool(), r["status"].as_u64()), (Some(true), Some(200)), "{r}");
    let b = body(&r);
    assert_eq!(b["path"], "/contacts/abc");
    assert_eq!(b["authorized"], true, "the upstream got the secure token in its header");
    assert!(r.get("errorSource").is_none());
    let headers = r["headers"].as_object().unwrap();
    assert!(!headers.contains_key("authorization") && !headers.contains_key("set-cookie"), "{headers:?}");
    assert_eq!(headers["x-ratelimit-remaining"], "99");
    let log = h.log("p1").await;
    assert_eq!(log.len(), 1);
    assert_eq!(log[0]["url"], "https://services.leadconnectorhq.com/contacts/abc");
    assert_eq!((log[0]["attempts"].as_u64(), log[0]["outcome"].as_str(), log[0]["caller"].as_str()), (Some(1), Some("ok"), Some("frontend")));
}

#[tokio::test]
async fn template_query_wins_and_iparams_fill_host() {
    let h = harness(json!({}));
    let r = h.invoke("p2", "ghlFindDuplicate", json!({ "query": { "locationId": "evil", "email": "a+b@x.io" } })).await;
    assert_eq!(body(&r)["query"], json!([["locationId", "loc_demo_0001"], ["email", "a+b@x.io"]]));
    assert_eq!(h.log("p2").await[0]["url"], "https://services.leadconnectorhq.com/contacts/search/duplicate?locationId=loc_demo_0001&email=a%2Bb%40x.io");
    let r = h.invoke("p2", "fsGetContact", json!({ "context": { "id": 42 } })).await;
    let b = body(&r);
    assert_eq!((b["host"].as_str(), b["path"].as_str()), (Some("demo.myfreshworks.com"), Some("/crm/sales/api/contacts/42")));
    assert_eq!(b["authorization_scheme"], "Token");
}

#[tokio::test]
async fn body_is_passed_as_given_and_must_be_a_string() {
    let h = harness(json!({}));
    let r = h.invoke("p3", "ghlCreateNote", json!({ "context": { "contactId": "c1" }, "body": "{\"body\":\"hi\"}" })).await;
    assert_eq!(body(&r)["body"], "{\"body\":\"hi\"}");
    let r = h.invoke("p3", "ghlCreateNote", json!({ "context": { "contactId": "c1" }, "body": { "body": "hi" } })).await;
    assert_eq!((r["ok"].as_bool(), r["status"].as_u64(), r["errorSource"].as_str()), (Some(false), Some(400), Some("PLATFORM")));
    assert!(body(&r)["message"].as_str().unwrap().contains("body must be a string"));
    let r = h.invoke("p3", "ghlGetContact", json!({ "option_keys": ["context", "headers"] })).await;
    assert!(body(&r)["message"].as_str().unwrap().contains("unknown option 'headers'"));
    assert_eq!(h.calls(), 1, "rejected calls never reach the upstream");
}

#[tokio::test]
async fn undeclared_and_unknown_templates_are_rejected() {
    let h = harness(json!({}));
    let r = h.invoke("p4", "undeclaredTemplate", json!({})).await;
    assert_eq!((r["ok"].as_bool(), r["status"].as_u64()), (Some(false), Some(400)));
    assert!(body(&r)["message"].as_str().unwrap().contains("not declared in manifest.json"));
    let r = h.invoke("p4", "noSuchTemplate", json!({})).await;
    assert!(body(&r)["message"].as_str().unwrap().starts_with("Request template not found"));
    assert_eq!(h.calls(), 0);
    assert_eq!(h.log("p4").await[1]["outcome"], "template_error");
}

#[tokio::test]
async fn placement_rules_depend_on_the_caller() {
    let h = harness(json!({}));
    let r = h.invoke("p5", "badSecureInQuery", json!({})).await;
    assert!(body(&r)["message"].as_str().unwrap().contains("secure iparams are only substituted in headers"));
    let r = h.invoke("p5", "badContextInHeader", json!({ "context": { "token": "t" } })).await;
    assert!(body(&r)["message"].as_str().unwrap().contains("context only in path and query"));
    // The installation page may put context in host and headers (unsaved credentials).
    let ctx = json!({ "context": { "fs_domain": "acme.myfreshworks.com", "fs_api_key": "fs-demo-key" } });
    let r = h.invoke("p5", "fsCheckConnection", ctx.clone()).await;
    assert_eq!(r["ok"], false, "not from the sidebar");
    let mut from_page = ctx.clone();
    from_page["caller"] = json!("iparams");
    let r = h.invoke("p5", "fsCheckConnection", from_page).await;
    assert_eq!(body(&r)["host"], "acme.myfreshworks.com");
    let mut from_server = ctx;
    from_server["caller"] = json!("serverless");
    assert_eq!(h.invoke("p5", "fsCheckConnection", from_server).await["ok"], true);
}

#[tokio::test]
async fn iparams_in_a_call_count_only_for_the_installation_page() {
    let h = harness(json!({}));
    let over = json!({ "context": { "id": 1 }, "iparams": { "fs_domain": "other.myfreshworks.com" } });
    assert_eq!(body(&h.invoke("p6", "fsGetContact", over.clone()).await)["host"], "demo.myfreshworks.com");
    let mut page = over;
    page["caller"] = json!("iparams");
    assert_eq!(body(&h.invoke("p6", "fsGetContact", page).await)["host"], "other.myfreshworks.com");
}

#[tokio::test]
async fn request_payload_limit_is_100_kb() {
    let h = harness(json!({}));
    let ctx = json!({ "contactId": "c" });
    let fits = "x".repeat(100 * 1024 - 40);
    let r = h.invoke("p7", "ghlCreateNote", json!({ "context": ctx, "body": fits })).await;
    assert_eq!(r["ok"], true);
    let r = h.invoke("p7", "ghlCreateNote", json!({ "context": ctx, "body": "x".repeat(100 * 1024 + 1) })).await;
    assert_eq!((r["ok"].as_bool(), r["status"].as_u64(), r["errorSource"].as_str()), (Some(false), Some(413), Some("PLATFORM")));
    assert_eq!(h.calls(), 1);
    let log = h.log("p7").await;
    assert_eq!((log[1]["outcome"].as_str(), log[1]["attempts"].as_u64()), (Some("request_too_large"), Some(0)));
}

#[tokio::test]
async fn response_limit_is_6_mb() {
    let h = harness(json!({}));
    let r = h.invoke("p8", "bigResponse", json!({})).await;
    assert_eq!((r["ok"].as_bool(), r["status"].as_u64(), r["errorSource"].as_str()), (Some(false), Some(502), Some("PLATFORM")));
    assert_eq!(h.log("p8").await[0]["outcome"], "response_too_large");
    let roomy = harness(json!({ "max_response_bytes": 7 * 1024 * 1024 }));
    assert_eq!(roomy.invoke("p8", "bigResponse", json!({})).await["ok"], true);
}

#[tokio::test]
async fn rate_limit_is_50_per_minute_per_installation() {
    let h = harness(json!({}));
    let call = json!({ "context": { "contactId": "a" } });
    for _ in 0..50 {
        assert_eq!(h.invoke("busy", "ghlGetContact", call.clone()).await["ok"], true);
    }
    let r = h.invoke("busy", "ghlGetContact", call.clone()).await;
    assert_eq!((r["ok"].as_bool(), r["status"].as_u64(), r["errorSource"].as_str()), (Some(false), Some(429), Some("PLATFORM")));
    assert!(r["headers"].as_object().unwrap().keys().all(|k| !k.starts_with("x-ratelimit")), "no X-RateLimit headers on the platform 429");
    assert_eq!(h.calls(), 50);
    assert_eq!(h.log("busy").await[50]["outcome"], "rate_limited");
    // A fresh installation has its own quota.
    assert_eq!(h.invoke("fresh", "ghlGetContact", call.clone()).await["ok"], true);
    // The quota frees up as the (advanceable) clock moves on.
    h.post("/__devhost/control/clock", json!({ "advance_ms": 60_000 })).await;
    assert_eq!(h.invoke("busy", "ghlGetContact", call).await["ok"], true);
}

#[tokio::test]
async fn quota_and_limits_are_options() {
    let h = harness(json!({ "rate_limit_per_window": 2, "quota_window_ms": 1000 }));
    let call = json!({ "context": { "contactId": "a" } });
    for expect in [true, true, false] {
        assert_eq!(h.invoke("q", "ghlGetContact", call.clone()).await["ok"], expect);
    }
    h.post("/__devhost/control/clock", json!({ "advance_ms": 1000 })).await;
    assert_eq!(h.invoke("q", "ghlGetContact", call.clone()).await["ok"], true);
    // Per-installation overrides through the control API.
    h.post("/__devhost/control/options?installation=q2", json!({ "rate_limit_per_window": 1 })).await;
    assert_eq!(h.invoke("q2", "ghlGetContact", call.clone()).await["ok"], true);
    assert_eq!(h.invoke("q2", "ghlGetContact", call).await["ok"], false);
}

#[tokio::test]
async fn reset_forgets_quota_log_and_state() {
    let h = harness(json!({ "rate_limit_per_window": 1 }));
    let call = json!({ "context": { "contactId": "a" } });
    h.invoke("r", "ghlGetContact", call.clone()).await;
    assert_eq!(h.invoke("r", "ghlGetContact", call.clone()).await["ok"], false);
    h.post("/__devhost/control/reset?installation=r", json!({})).await;
    assert!(h.log("r").await.is_empty());
    assert_eq!(h.invoke("r", "ghlGetContact", call).await["ok"], true);
}
