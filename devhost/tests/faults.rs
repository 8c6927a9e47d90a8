//! Every fault kind, retries per maxAttempts/retryDelay, and the execution timeout.
//! Timeouts run on tokio's paused clock, so the documented 15 s cost no real time.

mod common;

use std::time::Duration;

use common::{body, harness};
use serde_json::{json, Value};

fn get(contact: &str) -> Value {
    json!({ "context": { "contactId": contact } })
}

fn summary(r: &Value) -> (Option<bool>, Option<u64>, Option<&str>) {
    (r["ok"].as_bool(), r["status"].as_u64(), r["errorSource"].as_str())
}

#[tokio::test]
async fn upstream_errors_reject_with_the_apis_body_and_app_source() {
    let h = harness(json!({}));
    let cases = [
        (json!({ "kind": "token_expired" }), 401, json!({ "statusCode": 401, "message": "Invalid JWT" })),
        (json!({ "kind": "wrong_location" }), 403, json!({ "statusCode": 403, "message": "The token does not have access to this location." })),
        (json!({ "kind": "not_found" }), 400, json!({ "statusCode": 400, "message": "Contact with id gone1 not found" })),
        (json!({ "kind": "not_found", "status": 404 }), 404, json!({ "statusCode": 404, "message": "Contact with id gone1 not found" })),
        (json!({ "kind": "server_error" }), 500, json!({ "statusCode": 500, "message": "Internal server error" })),
        (json!({ "kind": "status", "status": 422, "body": "{\"statusCode\":422,\"message\":[\"bad\"]}" }), 422, json!({ "statusCode": 422, "message": ["bad"] })),
        (json!({ "kind": "rate_limit" }), 429, json!({ "statusCode": 429, "message": "Too Many Requests" })),
    ];
    for (rule, status, expected) in cases {
        let mut rule = rule;
        rule["installation"] = json!("e1");
        rule["count"] = json!(1);
        h.faults(rule.clone()).await;
        let r = h.invoke("e1", "ghlGetContact", get("gone1")).await;
        assert_eq!(summary(&r), (Some(false), Some(status), Some("APP")), "{rule}: {r}");
        assert_eq!(body(&r), expected, "{rule}");
    }
    assert_eq!(h.calls(), 0, "faults answered instead of the upstream");
    let log = h.log("e1").await;
    assert_eq!(log[0]["fault"], "token_expired");
    assert_eq!(log[0]["outcome"], "upstream_error");
    // Counted faults ran out: the next call goes through.
    assert_eq!(h.invoke("e1", "ghlGetContact", get("x")).await["ok"], true);
}

#[tokio::test]
async fn freshsales_faults_use_freshsales_bodies() {
    let h = harness(json!({}));
    h.faults(json!([
        { "installation": "f1", "api": "freshsales", "kind": "not_found", "count": 1 },
        { "installation": "f1", "api": "freshsales", "kind": "token_expired", "count": 1 }
    ]))
    .await;
    let r = h.invoke("f1", "fsGetContact", json!({ "context": { "id": 9 } })).await;
    assert_eq!((r["status"].as_u64(), body(&r)), (Some(404), json!({ "errors": { "code": 404, "message": ["Contact not found"] } })));
    let r = h.invoke("f1", "fsGetContact", json!({ "context": { "id": 9 } })).await;
    assert_eq!(r["status"], 401);
    assert_eq!(body(&r)["errors"]["code"], 401);
}

#[tokio::test]
async fn rate_limit_fault_with_and_without_retry_after() {
    let h = harness(json!({}));
    h.faults(json!([
        { "installation": "rl", "kind": "rate_limit", "retry_after": 7, "count": 1 },
        { "installation": "rl", "kind": "rate_limit", "count": 1 }
    ]))
    .await;
    let with = h.invoke("rl", "ghlGetContact", get("a")).await;
    assert_eq!((with["status"].as_u64(), with["headers"]["retry-after"].as_str()), (Some(429), Some("7")));
    let without = h.invoke("rl", "ghlGetContact", get("a")).await;
    assert_eq!(without["status"], 429);
    assert!(without["headers"].get("retry-after").is_none());
}

#[tokio::test]
async fn gateway_errors_come_as_html() {
    let h = harness(json!({}));
    for status in [502, 503] {
        h.faults(json!({ "installation": "gw", "kind": "server_error", "status": status, "count": 1 })).await;
        let r = h.invoke("gw", "ghlGetContact", get("a")).await;
        assert_eq!(summary(&r), (Some(false), Some(status), Some("APP")));
        assert!(r["response"].as_str().unwrap().contains("<html>"));
        assert!(r["headers"]["content-type"].as_str().unwrap().starts_with("text/html"));
    }
}

#[tokio::test]
async fn malformed_json_keeps_the_status_and_cuts_the_body() {
    let h = harness(json!({}));
    h.faults(json!({ "installation": "m", "kind": "malformed_json", "count": 1 })).await;
    let r = h.invoke("m", "ghlGetContact", get("a")).await;
    assert_eq!((r["ok"].as_bool(), r["status"].as_u64()), (Some(true), Some(200)));
    assert!(serde_json::from_str::<Value>(r["response"].as_str().unwrap()).is_err());
    assert_eq!(h.calls(), 1, "the upstream answered; the body was cut on the way");
}

#[tokio::test]
async fn reset_is_a_network_error_and_is_retried() {
    let h = harness(json!({}));
    h.faults(json!({ "installation": "n", "kind": "reset", "count": 1 })).await;
    let r = h.invoke("n", "ghlGetContact", get("a")).await;
    assert_eq!(summary(&r), (Some(false), Some(502), Some("PLATFORM")), "maxAttempts 1: no retry");
    assert_eq!(h.calls(), 0);
    h.faults(json!({ "installation": "n", "kind": "reset", "count": 2 })).await;
    let r = h.invoke("n", "ghlRetrying", get("a")).await;
    assert_eq!(r["ok"], true, "third attempt succeeds");
    let last = h.log("n").await.pop().unwrap();
    assert_eq!((last["attempts"].as_u64(), last["fault"].as_str()), (Some(3), Some("reset,reset")));
    // `apply`: the upstream processed the request, the answer was lost.
    h.faults(json!({ "installation": "n", "kind": "reset", "apply": true, "count": 1 })).await;
    let before = h.calls();
    assert_eq!(h.invoke("n", "ghlCreateNote", json!({ "context": { "contactId": "a" }, "body": "{}" })).await["status"], 502);
    assert_eq!(h.calls(), before + 1);
}

#[tokio::test]
async fn unknown_hosts_fail_like_the_network() {
    let h = harness(json!({}));
    let r = h.invoke("u", "unknownHost", json!({})).await;
    assert_eq!(summary(&r), (Some(false), Some(502), Some("PLATFORM")));
    assert_eq!(h.log("u").await[0]["attempts"], 2, "network errors are retried");
}

#[tokio::test]
async fn retries_on_429_and_5xx_but_not_4xx() {
    let h = harness(json!({}));
    h.faults(json!({ "installation": "rt", "kind": "server_error", "status": 503, "count": 2 })).await;
    assert_eq!(h.invoke("rt", "ghlRetrying", get("a")).await["ok"], true);
    h.faults(json!({ "installation": "rt", "kind": "rate_limit", "count": 5 })).await;
    let r = h.invoke("rt", "ghlRetrying", get("a")).await;
    assert_eq!(r["status"], 429, "gives up after maxAttempts");
    h.request("DELETE", "/__devhost/control/faults?installation=rt", None).await;
    h.faults(json!({ "installation": "rt", "kind": "token_expired", "count": 3 })).await;
    assert_eq!(h.invoke("rt", "ghlRetrying", get("a")).await["status"], 401);
    let attempts: Vec<u64> = h.log("rt").await.iter().map(|e| e["attempts"].as_u64().unwrap()).collect();
    assert_eq!(attempts, vec![3, 3, 1]);
    // A template without options gets one attempt.
    h.faults(json!({ "installation": "rt2", "kind": "server_error", "count": 1 })).await;
    assert_eq!(h.invoke("rt2", "ghlGetContact", get("a")).await["status"], 500);
}

#[tokio::test(start_paused = true)]
async fn retry_delay_is_waited_between_attempts() {
    let h = harness(json!({ "retry_delay_scale": 1.0 }));
    h.faults(json!({ "installation": "d", "kind": "server_error", "count": 2 })).await;
    let t0 = tokio::time::Instant::now();
    assert_eq!(h.invoke("d", "ghlRetrying", get("a")).await["ok"], true);
    assert_eq!(t0.elapsed(), Duration::from_millis(1000), "two waits of retryDelay 500 ms");
}

#[tokio::test(start_paused = true)]
async fn hang_runs_into_the_15_s_timeout() {
    let h = common::harness_at(common::fixtures(), json!({}));
    h.faults(json!({ "installation": "h", "kind": "hang", "count": 1 })).await;
    let t0 = tokio::time::Instant::now();
    let r = h.invoke("h", "ghlGetContact", get("a")).await;
    assert_eq!(t0.elapsed(), Duration::from_secs(15));
    assert_eq!(summary(&r), (Some(false), Some(504), Some("PLATFORM")));
    assert_eq!(body(&r), json!({ "message": "Timeout error while processing the request." }));
    assert_eq!(h.log("h").await[0]["outcome"], "timeout");
    assert_eq!(h.calls(), 0);
    // A hang after the upstream applied the write (answer lost), with a shorter timeout.
    h.post("/__devhost/control/options?installation=h", json!({ "request_timeout_ms": 20_000 })).await;
    h.faults(json!({ "installation": "h", "kind": "hang", "apply": true, "count": 1 })).await;
    let t0 = tokio::time::Instant::now();
    assert_eq!(h.invoke("h", "ghlCreateNote", json!({ "context": { "contactId": "a" }, "body": "{}" })).await["status"], 504);
    assert_eq!((t0.elapsed(), h.calls()), (Duration::from_secs(20), 1));
}

#[tokio::test(start_paused = true)]
async fn latency_adds_up_and_can_exceed_the_timeout() {
    let h = common::harness_at(common::fixtures(), json!({ "request_timeout_ms": 1000 }));
    h.faults(json!({ "installation": "l", "kind": "latency", "latency_ms": 300, "count": 1 })).await;
    let t0 = tokio::time::Instant::now();
    assert_eq!(h.invoke("l", "ghlGetContact", get("a")).await["ok"], true);
    assert_eq!(t0.elapsed(), Duration::from_millis(300));
    h.faults(json!({ "installation": "l", "kind": "latency", "latency_ms": 5000, "count": 1 })).await;
    assert_eq!(h.invoke("l", "ghlGetContact", get("a")).await["status"], 504);
    // Latency combines with any kind.
    h.faults(json!({ "installation": "l", "kind": "token_expired", "latency_ms": 200, "count": 1 })).await;
    let t0 = tokio::time::Instant::now();
    assert_eq!(h.invoke("l", "ghlGetContact", get("a")).await["status"], 401);
    assert_eq!(t0.elapsed(), Duration::from_millis(200));
}

#[tokio::test]
async fn faults_match_by_template_path_and_installation() {
    let h = harness(json!({}));
    h.faults(json!([
        { "template": "fsGetContact", "kind": "server_error", "installation": "scope" },
        { "path_prefix": "/contacts/blocked", "kind": "wrong_location", "installation": "scope" },
        { "kind": "token_expired", "installation": "other" }
    ]))
    .await;
    assert_eq!(h.invoke("scope", "fsGetContact", json!({ "context": { "id": 1 } })).await["status"], 500);
    assert_eq!(h.invoke("scope", "fsGetContact", json!({ "context": { "id": 1 } })).await["status"], 500, "no count: lasting");
    assert_eq!(h.invoke("scope", "ghlGetContact", get("blocked-1")).await["status"], 403);
    assert_eq!(h.invoke("scope", "ghlGetContact", get("open-1")).await["ok"], true);
    assert_eq!(h.invoke("elsewhere", "fsGetContact", json!({ "context": { "id": 1 } })).await["ok"], true);
    let listed = h.get("/__devhost/control/faults?installation=scope").await.json();
    assert_eq!(listed["faults"].as_array().unwrap().len(), 2);
    assert_eq!(listed["faults"][0]["hits"], 2);
    h.request("DELETE", "/__devhost/control/faults?installation=scope", None).await;
    assert_eq!(h.invoke("scope", "fsGetContact", json!({ "context": { "id": 1 } })).await["ok"], true);
}

#[tokio::test]
async fn reject_shapes_are_options() {
    let h = harness(json!({}));
    h.post(
        "/__devhost/control/options?installation=v",
        json!({ "reject_network": { "status": 503, "errorSource": null }, "upstream_error_source": null, "reject_attempts_field": true }),
    )
    .await;
    h.faults(json!({ "installation": "v", "kind": "reset", "count": 1 })).await;
    let r = h.invoke("v", "ghlGetContact", get("a")).await;
    assert_eq!((r["status"].as_u64(), r.get("errorSource"), r["attempts"].as_u64()), (Some(503), None, Some(1)));
    h.faults(json!({ "installation": "v", "kind": "token_expired", "count": 1 })).await;
    assert!(h.invoke("v", "ghlGetContact", get("a")).await.get("errorSource").is_none());
    // Other installations keep the defaults.
    h.faults(json!({ "installation": "w", "kind": "reset", "count": 1 })).await;
    assert_eq!(summary(&h.invoke("w", "ghlGetContact", get("a")).await), (Some(false), Some(502), Some("PLATFORM")));
}

#[tokio::test]
async fn bad_fault_rules_are_refused() {
    let h = harness(json!({}));
    for rule in [json!({ "kind": "explode" }), json!({ "kind": "status" }), json!({ "kind": "reset", "installation": "a/b" })] {
        let r = h.request("POST", "/__devhost/control/faults", Some(rule.clone())).await;
        assert_eq!(r.status, 400, "{rule}");
    }
}
