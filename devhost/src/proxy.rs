//! The request proxy behind `client.request.invokeTemplate`: argument checks, template
//! rendering, the payload limit, the per-installation rate limit, fault injection, retries per
//! `maxAttempts`/`retryDelay` on network errors, 429 and 5xx, the execution timeout, the
//! response limit, dispatch to the upstreams and the request log.
//!
//! The browser gets `{ok, status, headers, response, errorSource?, attempts?}`: never a secure
//! iparam, never an upstream `Authorization` or `Set-Cookie` header.

use std::collections::BTreeMap;
use std::time::Duration;

use serde::Serialize;
use serde_json::{Map, Value};
use tokio::time::Instant;

use crate::config::{Options, RejectShape};
use crate::faults::{self, AttemptKey, FaultAction, FaultRule};
use crate::state::{valid_installation, AppState, LogEntry};
use crate::template::{self, Caller, RenderInput, Rendered};
use crate::upstream::{Api, UpstreamRequest, UpstreamResponse};

/// Upstream headers never passed on to the browser.
const HIDDEN_HEADERS: &[&str] = &["authorization", "proxy-authorization", "set-cookie", "set-cookie2"];

/// Runtime options `invokeTemplate` accepts.
const INVOKE_OPTIONS: &[&str] = &["context", "body", "query", "cache", "ttl"];

/// What the shim resolves or rejects with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Outcome {
    /// Resolve (true) or reject (false).
    pub ok: bool,
    /// HTTP status.
    pub status: u16,
    /// Response headers (lower-case names).
    pub headers: BTreeMap<String, String>,
    /// Response body, always a string.
    pub response: String,
    /// `APP` or `PLATFORM` on rejections (when the options say so).
    #[serde(rename = "errorSource", skip_serializing_if = "Option::is_none")]
    pub error_source: Option<String>,
    /// Upstream attempts made (only when the options ask for it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attempts: Option<u32>,
}

impl Outcome {
    fn reject(shape: &RejectShape) -> Outcome {
        Outcome {
            ok: false,
            status: shape.status,
            headers: shape.headers.clone(),
            response: shape.response.clone(),
            error_source: shape.error_source.clone(),
            attempts: None,
        }
    }

    fn template_error(opts: &Options, message: &str) -> Outcome {
        Outcome { response: serde_json::json!({ "message": message }).to_string(), ..Outcome::reject(&opts.reject_template) }
    }
}

/// Why the last attempt did not produce an answer.
enum Failure {
    Timeout,
    Network,
}

fn obj_arg(v: Option<&Value>, name: &str) -> Result<Map<String, Value>, String> {
    match v {
        None | Some(Value::Null) => Ok(Map::new()),
        Some(Value::Object(m)) => Ok(m.clone()),
        Some(_) => Err(format!("{name} must be an object")),
    }
}

/// The parsed `/__devhost/invoke` request.
struct Call {
    installation: String,
    caller: Caller,
    name: String,
    context: Map<String, Value>,
    query: Map<String, Value>,
    body: Option<String>,
    iparams: Option<Map<String, Value>>,
}

fn parse_call(v: &Value) -> Result<Call, String> {
    let installation = v.get("installation").and_then(Value::as_str).unwrap_or("demo").to_string();
    if !valid_installation(&installation) {
        return Err(format!("invalid installation id '{installation}'"));
    }
    let caller = match v.get("caller") {
        None | Some(Value::Null) => Caller::Frontend,
        Some(c) => serde_json::from_value(c.clone()).map_err(|_| format!("invalid caller {c}"))?,
    };
    let name = v.get("name").and_then(Value::as_str).filter(|s| !s.is_empty()).ok_or("a template name is required")?.to_string();
    if let Some(Value::Array(keys)) = v.get("option_keys") {
        if let Some(bad) = keys.iter().filter_map(Value::as_str).find(|k| !INVOKE_OPTIONS.contains(k)) {
            return Err(format!("unknown option '{bad}' (accepted: {})", INVOKE_OPTIONS.join(", ")));
        }
    }
    let body = match v.get("body") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(_) => return Err("body must be a string (JSON.stringify it)".into()),
    };
    let iparams = match (caller, v.get("iparams")) {
        (Caller::Iparams, Some(Value::Object(m))) => Some(m.clone()),
        _ => None, // honoured only for the installation page
    };
    Ok(Call { installation, caller, name, context: obj_arg(v.get("context"), "context")?, query: obj_arg(v.get("query"), "query")?, body, iparams })
}

/// Reads the app's `config/requests.json` and `manifest.json`.
async fn read_app_files(state: &AppState) -> Result<(Value, Value), String> {
    let read = |rel: &'static str| {
        let path = state.config.root.join(rel);
        async move {
            let text = tokio::fs::read_to_string(&path).await.map_err(|e| format!("{rel}: {e}"))?;
            serde_json::from_str::<Value>(&text).map_err(|e| format!("{rel}: {e}"))
        }
    };
    Ok((read("config/requests.json").await?, read("manifest.json").await?))
}

/// Handles one `invokeTemplate` call end to end.
pub async fn invoke(state: &AppState, raw: &Value) -> Outcome {
    let started = Instant::now();
    let at_ms = state.clock.now_ms();
    let installation = raw.get("installation").and_then(Value::as_str).filter(|i| valid_installation(i)).unwrap_or("demo").to_string();
    let opts = state.options(&installation);
    let mut entry = LogEntry {
        installation: installation.clone(),
        seq: 0,
        at_ms,
        template: raw.get("name").and_then(Value::as_str).unwrap_or_default().to_string(),
        method: String::new(),
        url: String::new(),
        status: 0,
        attempts: 0,
        fault: None,
        duration_ms: 0,
        caller: raw.get("caller").and_then(Value::as_str).unwrap_or("frontend").to_string(),
        outcome: "template_error".into(),
    };
    let outcome = run(state, raw, &opts, &mut entry).await;
    entry.status = outcome.status;
    entry.duration_ms = started.elapsed().as_millis() as u64;
    state.with_install(&installation, |inst| {
        entry.seq = inst.log.len() as u64 + 1;
        inst.log.push(entry);
    });
    outcome
}

async fn run(state: &AppState, raw: &Value, opts: &Options, entry: &mut LogEntry) -> Outcome {
    let call = match parse_call(raw) {
        Ok(c) => c,
        Err(e) => return Outcome::template_error(opts, &e),
    };
    let rendered = match render(state, &call).await {
        Ok(r) => r,
        Err(e) => return Outcome::template_error(opts, &e),
    };
    entry.method = rendered.method.clone();
    entry.url = rendered.url();
    let payload = call.body.as_ref().map_or(0, String::len) + Value::Object(call.context.clone()).to_string().len() + Value::Object(call.query.clone()).to_string().len();
    if payload > opts.max_request_bytes {
        entry.outcome = "request_too_large".into();
        return Outcome::reject(&opts.reject_request_too_large);
    }
    let now = state.clock.now_ms();
    if !state.with_install(&call.installation, |i| i.requests.try_hit(now, opts.quota_window_ms, opts.rate_limit_per_window)) {
        entry.outcome = "rate_limited".into();
        return Outcome::reject(&opts.reject_rate_limit);
    }
    let req = UpstreamRequest {
        installation: call.installation.clone(),
        method: rendered.method.clone(),
        host: rendered.host.clone(),
        path: rendered.path.clone(),
        query: rendered.query.clone(),
        headers: rendered.headers.clone(),
        body: call.body.clone(),
        template: call.name.clone(),
    };
    let (result, attempts, applied) = dispatch(state, &req, &rendered, opts).await;
    entry.attempts = attempts;
    entry.fault = (!applied.is_empty()).then(|| applied.join(","));
    let attempts_field = opts.reject_attempts_field.then_some(attempts);
    let resp = match result {
        Ok(r) => r,
        Err(f) => {
            let (shape, name) = match f {
                Failure::Timeout => (&opts.reject_timeout, "timeout"),
                Failure::Network => (&opts.reject_network, "network"),
            };
            entry.outcome = name.into();
            return Outcome { attempts: attempts_field, ..Outcome::reject(shape) };
        }
    };
    if resp.body.len() > opts.max_response_bytes {
        entry.outcome = "response_too_large".into();
        return Outcome { attempts: attempts_field, ..Outcome::reject(&opts.reject_response_too_large) };
    }
    let ok = (200..300).contains(&resp.status);
    entry.outcome = if ok { "ok" } else { "upstream_error" }.into();
    Outcome {
        ok,
        status: resp.status,
        headers: browser_headers(&resp.headers),
        response: resp.body,
        error_source: if ok { None } else { opts.upstream_error_source.clone() },
        attempts: if ok { None } else { attempts_field },
    }
}

async fn render(state: &AppState, call: &Call) -> Result<Rendered, String> {
    let (requests, manifest) = read_app_files(state).await?;
    let t = template::find(&requests, &manifest, &call.name).map_err(|e| e.to_string())?;
    let (mut iparams, secure) = state.with_install(&call.installation, |i| (i.iparams.clone(), i.secure.clone()));
    if let Some(extra) = &call.iparams {
        iparams.extend(extra.clone());
    }
    let opts = state.options(&call.installation);
    let input = RenderInput {
        caller: call.caller,
        iparams: &iparams,
        secure: &secure,
        context: &call.context,
        query: &call.query,
        access_token: None,
        allow_http: opts.allow_http,
    };
    template::render(&t, &input).map_err(|e| e.to_string())
}

/// Response headers as the browser sees them: lower-case names, hidden ones removed,
/// repeated ones joined.
fn browser_headers(headers: &[(String, String)]) -> BTreeMap<String, String> {
    let mut out: BTreeMap<String, String> = BTreeMap::new();
    for (k, v) in headers {
        let k = k.to_ascii_lowercase();
        if HIDDEN_HEADERS.contains(&k.as_str()) {
            continue;
        }
        out.entry(k).and_modify(|e| {
            e.push_str(", ");
            e.push_str(v);
        }).or_insert_with(|| v.clone());
    }
    out
}

/// Attempts the request up to `max_attempts` times within the execution timeout.
/// Returns the result, the number of attempts and the fault kinds applied.
async fn dispatch(state: &AppState, req: &UpstreamRequest, rendered: &Rendered, opts: &Options) -> (Result<UpstreamResponse, Failure>, u32, Vec<&'static str>) {
    let deadline = Instant::now() + Duration::from_millis(opts.request_timeout_ms);
    let api = Api::of_host(&req.host);
    let mut attempts = 0;
    let mut applied = Vec::new();
    loop {
        attempts += 1;
        let key = AttemptKey { installation: &req.installation, template: &req.template, api, method: &req.method, path: &req.path };
        let fault = state.take_fault(&key);
        if let Some(f) = &fault {
            applied.push(f.kind.name());
        }
        let result = match tokio::time::timeout_at(deadline, attempt(state, req, api, fault.as_ref(), opts.max_response_bytes)).await {
            Err(_) => return (Err(Failure::Timeout), attempts, applied),
            Ok(r) => r,
        };
        let retryable = match &result {
            Err(_) => true,
            Ok(r) => r.status == 429 || r.status >= 500,
        };
        if !retryable || attempts >= rendered.max_attempts {
            return (result.map_err(|_| Failure::Network), attempts, applied);
        }
        let delay = Duration::from_millis((rendered.retry_delay_ms as f64 * opts.retry_delay_scale) as u64);
        if tokio::time::timeout_at(deadline, tokio::time::sleep(delay)).await.is_err() {
            return (Err(Failure::Timeout), attempts, applied);
        }
    }
}

/// One attempt, with the fault (if any) applied. `Err` is a network-level failure.
async fn attempt(state: &AppState, req: &UpstreamRequest, api: Option<Api>, fault: Option<&FaultRule>, max_body: usize) -> Result<UpstreamResponse, String> {
    if let Some(ms) = fault.and_then(|f| f.latency_ms) {
        tokio::time::sleep(Duration::from_millis(ms)).await;
    }
    match fault.map_or(FaultAction::PassThrough, |f| faults::action(f, api, &req.path)) {
        FaultAction::PassThrough => call_upstream(state, req, api, max_body).await,
        FaultAction::Respond(r) => Ok(r),
        FaultAction::Hang { apply } => {
            if apply {
                let _ = call_upstream(state, req, api, max_body).await;
            }
            std::future::pending().await
        }
        FaultAction::Reset { apply } => {
            if apply {
                let _ = call_upstream(state, req, api, max_body).await;
            }
            Err("connection reset by peer".into())
        }
        FaultAction::Replace(r) => {
            let _ = call_upstream(state, req, api, max_body).await;
            Ok(r)
        }
        FaultAction::Malform => {
            let mut r = call_upstream(state, req, api, max_body).await?;
            r.body = faults::malform(&r.body);
            Ok(r)
        }
    }
}

/// Sends a request to whoever answers its host: the real GHL API when configured, else the
/// stand-in. Unknown hosts fail like an unresolvable name.
pub async fn call_upstream(state: &AppState, req: &UpstreamRequest, api: Option<Api>, max_body: usize) -> Result<UpstreamResponse, String> {
    if api == Some(Api::Ghl) {
        if let Some(real) = &state.real_ghl {
            return real.send(req, max_body).await;
        }
    }
    match state.upstreams.for_host(&req.host) {
        Some((_, up)) => Ok(up.handle(req, state.clock.now_ms())),
        None => Err(format!("getaddrinfo ENOTFOUND {}", req.host)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hidden_headers_never_reach_the_browser() {
        let h = browser_headers(&[
            ("Authorization".into(), "Bearer x".into()),
            ("Set-Cookie".into(), "a=b".into()),
            ("X-RateLimit-Remaining".into(), "9".into()),
            ("Vary".into(), "a".into()),
            ("vary".into(), "b".into()),
        ]);
        assert_eq!(h.len(), 2);
        assert_eq!(h["x-ratelimit-remaining"], "9");
        assert_eq!(h["vary"], "a, b");
    }

    #[test]
    fn call_argument_checks() {
        let ok = serde_json::json!({"installation": "t1", "name": "x", "body": "{}", "context": {"a": 1}});
        assert!(parse_call(&ok).is_ok());
        for bad in [
            serde_json::json!({"name": "x", "body": {"a": 1}}),
            serde_json::json!({"name": "x", "context": "a"}),
            serde_json::json!({"name": "x", "query": [1]}),
            serde_json::json!({"name": ""}),
            serde_json::json!({"name": "x", "installation": "a/b"}),
            serde_json::json!({"name": "x", "caller": "admin"}),
            serde_json::json!({"name": "x", "option_keys": ["context", "headers"]}),
        ] {
            assert!(parse_call(&bad).is_err(), "{bad}");
        }
        let front = parse_call(&serde_json::json!({"name": "x", "iparams": {"a": 1}})).unwrap();
        assert!(front.iparams.is_none(), "iparams in a call are honoured only for the installation page");
        let page = parse_call(&serde_json::json!({"name": "x", "caller": "iparams", "iparams": {"a": 1}})).unwrap();
        assert!(page.iparams.is_some());
    }
}
