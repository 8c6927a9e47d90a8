//! Test harness: devhost's router in-process over the fixture app (`tests/fixtures`), with an
//! echo upstream standing in for both APIs.
#![allow(dead_code)]

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode};
use axum::Router;
use devhost::config::Config;
use devhost::state::Clock;
use devhost::{AppState, Upstream, UpstreamRequest, UpstreamResponse, Upstreams};
use serde_json::{json, Value};
use tower::ServiceExt;

/// The secure demo token; must never appear in anything a browser receives.
pub const TOKEN: &str = "pit-demo-token";

/// Answers every request: `/big` → a body over 6 MB, `/status/NNN` → that status, anything
/// else → 200 with what it received (credentials reduced to a flag). Counts calls.
#[derive(Default)]
pub struct Echo {
    pub calls: AtomicUsize,
}

impl Upstream for Echo {
    fn handle(&self, req: &UpstreamRequest, now_ms: i64) -> UpstreamResponse {
        self.calls.fetch_add(1, Ordering::SeqCst);
        if req.path == "/big" {
            return UpstreamResponse { status: 200, headers: vec![], body: "x".repeat(6 * 1024 * 1024 + 1) };
        }
        if let Some(s) = req.path.strip_prefix("/status/") {
            return UpstreamResponse::json(s.parse().unwrap_or(500), &json!({ "statusCode": s }));
        }
        let mut r = UpstreamResponse::json(
            200,
            &json!({
                "method": req.method,
                "host": req.host,
                "path": req.path,
                "query": req.query,
                "authorized": req.header("Authorization").is_some_and(|a| a.contains(TOKEN) || a.contains("fs-demo-key")),
                "authorization_scheme": req.header("Authorization").map(|a| a.split(' ').next().unwrap_or_default().to_string()),
                "body": req.body,
                "template": req.template,
                "now_ms": now_ms,
            }),
        );
        r.headers.push(("Authorization".into(), format!("Bearer {TOKEN}")));
        r.headers.push(("Set-Cookie".into(), "session=1".into()));
        r.headers.push(("X-RateLimit-Remaining".into(), "99".into()));
        r
    }
}

pub struct Harness {
    pub app: Router,
    pub state: Arc<AppState>,
    pub echo: Arc<Echo>,
}

pub fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

/// A devhost over `root` with option overrides (JSON object).
pub fn harness_at(root: PathBuf, options: Value) -> Harness {
    let mut config = Config::defaults(root);
    config.options = config.options.merged(&options).expect("options");
    let echo = Arc::new(Echo::default());
    let upstreams = Upstreams { ghl: echo.clone(), freshsales: echo.clone(), initial_db: Vec::new() };
    let state = Arc::new(AppState::with_clock(config, upstreams, Clock::new(1.0)));
    Harness { app: devhost::router(state.clone()), state, echo }
}

/// A devhost over the real app (the repository's `manifest.json` and `config/requests.json`)
/// with the GHL and Freshsales stand-ins on the default seed, as the demo runs (the echo
/// upstream is unused).
pub fn standin_harness() -> Harness {
    let mut config = Config::defaults(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(".."));
    config.options = config.options.merged(&json!({ "retry_delay_scale": 0.01, "request_timeout_ms": 2000 })).expect("options");
    let clock = Clock::new(1.0);
    let (upstreams, standins) = devhost::upstreams(None, &config, clock.now_ms()).expect("default seed loads");
    let state = Arc::new(AppState::with_clock(config, upstreams, clock).with_standins(standins));
    Harness { app: devhost::router(state.clone()), state, echo: Arc::new(Echo::default()) }
}

/// A devhost over the fixture app, with fast retries.
pub fn harness(options: Value) -> Harness {
    let mut base = json!({ "retry_delay_scale": 0.01, "request_timeout_ms": 2000 });
    devhost::config::merge(&mut base, &options);
    harness_at(fixtures(), base)
}

pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub text: String,
}

impl Reply {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.text).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text))
    }
}

impl Harness {
    pub async fn request(&self, method: &str, uri: &str, body: Option<Value>) -> Reply {
        let mut req = Request::builder().method(method).uri(uri);
        let body = match body {
            Some(b) => {
                req = req.header("content-type", "application/json");
                Body::from(b.to_string())
            }
            None => Body::empty(),
        };
        let resp = self.app.clone().oneshot(req.body(body).unwrap()).await.unwrap();
        let status = resp.status();
        let headers = resp.headers().clone();
        let bytes = axum::body::to_bytes(resp.into_body(), usize::MAX).await.unwrap();
        Reply { status, headers, text: String::from_utf8_lossy(&bytes).into_owned() }
    }

    pub async fn get(&self, uri: &str) -> Reply {
        self.request("GET", uri, None).await
    }

    pub async fn post(&self, uri: &str, body: Value) -> Value {
        let r = self.request("POST", uri, Some(body)).await;
        assert!(r.status.is_success(), "{uri}: {} {}", r.status, r.text);
        r.json()
    }

    /// `invokeTemplate(name, {context, query, body})` from the sidebar of `installation`;
    /// `extra` is merged into the call (`caller`, `iparams`, …). Returns the shim's answer.
    pub async fn invoke(&self, installation: &str, name: &str, extra: Value) -> Value {
        let mut call = json!({ "installation": installation, "caller": "frontend", "name": name });
        devhost::config::merge(&mut call, &extra);
        let r = self.request("POST", "/__devhost/invoke", Some(call)).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        assert!(!r.text.contains(TOKEN), "a secure iparam reached the browser: {}", r.text);
        r.json()
    }

    pub async fn faults(&self, rules: Value) {
        self.post("/__devhost/control/faults", rules).await;
    }

    pub async fn log(&self, installation: &str) -> Vec<Value> {
        let r = self.get(&format!("/__devhost/control/log?installation={installation}")).await;
        r.json()["entries"].as_array().cloned().unwrap_or_default()
    }

    pub fn calls(&self) -> usize {
        self.echo.calls.load(Ordering::SeqCst)
    }
}

/// The parsed `response` string of an invoke answer.
pub fn body(outcome: &Value) -> Value {
    serde_json::from_str(outcome["response"].as_str().expect("response is a string")).expect("response is JSON")
}
