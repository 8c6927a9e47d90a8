//! The interface between devhost's request proxy and the APIs it stands in for.
//!
//! The proxy renders a request template, applies limits and faults, and hands the result to an
//! [`Upstream`]: the GHL stand-in, the Freshsales stand-in (both in `standin/`) or, for GHL
//! only, the real API. Stand-ins keep their state per installation, cloned lazily from the seed,
//! so a fresh installation id gives fresh data.

use std::sync::Arc;

use serde::Serialize;
use serde_json::{json, Value};

/// The GHL API host; requests to it go to the GHL upstream.
pub const GHL_HOST: &str = "services.leadconnectorhq.com";

/// The template name devhost itself uses when it calls an upstream directly (the host page's
/// contact pane, the control API's passthrough). Such calls are not the app's: stand-ins may
/// leave them out of their own quotas (e.g. Freshsales' 1,000 calls/hour).
pub const DEVHOST_TEMPLATE: &str = "__devhost";

/// One request as the upstream receives it, after template rendering.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UpstreamRequest {
    /// The installation the call belongs to (stand-in state is kept per installation).
    pub installation: String,
    /// `GET`, `POST`, `PUT`, `DELETE` or `PATCH`.
    pub method: String,
    /// The rendered host, e.g. `services.leadconnectorhq.com` or `acme.myfreshworks.com`.
    pub host: String,
    /// The rendered path, without query, as the template produced it (not percent-decoded).
    pub path: String,
    /// Query parameters in order, decoded.
    pub query: Vec<(String, String)>,
    /// Request headers as rendered (names as written in the template).
    pub headers: Vec<(String, String)>,
    /// The request body (always a string on this platform).
    pub body: Option<String>,
    /// The request template's name, or [`DEVHOST_TEMPLATE`].
    pub template: String,
}

impl UpstreamRequest {
    /// The first header named `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        find_header(&self.headers, name)
    }

    /// The first query parameter named `name`.
    pub fn query_param(&self, name: &str) -> Option<&str> {
        self.query.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }
}

/// An upstream's answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UpstreamResponse {
    /// HTTP status.
    pub status: u16,
    /// Response headers.
    pub headers: Vec<(String, String)>,
    /// Response body (text; JSON for the APIs stood in for).
    pub body: String,
}

impl UpstreamResponse {
    /// A JSON response with `Content-Type: application/json`.
    pub fn json(status: u16, body: &Value) -> Self {
        UpstreamResponse {
            status,
            headers: vec![("content-type".into(), "application/json; charset=utf-8".into())],
            body: body.to_string(),
        }
    }

    /// The first header named `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        find_header(&self.headers, name)
    }
}

fn find_header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
}

/// A contact the host page can switch to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ContactSummary {
    /// The Freshsales contact id.
    pub id: String,
    /// A display name.
    pub name: String,
}

/// A stateful API stand-in (or any other answerer of rendered requests).
///
/// `handle` is synchronous: stand-ins are in-memory and fast. Latency, hangs and resets are
/// the proxy's fault injection, not the upstream's business.
pub trait Upstream: Send + Sync + 'static {
    /// Answers one request. `now_ms` is devhost's (scalable, advanceable) clock in Unix
    /// milliseconds; use it for anything time-based (timestamps, hourly quotas).
    fn handle(&self, req: &UpstreamRequest, now_ms: i64) -> UpstreamResponse;

    /// The installation's state as JSON, for `GET /__devhost/control/state`.
    fn state(&self, _installation: &str) -> Value {
        Value::Null
    }

    /// Forgets an installation's state (`Some`) or every installation's (`None`); the next
    /// request starts again from the seed.
    fn reset(&self, _installation: Option<&str>) {}

    /// The contacts the host page lists in its switcher (Freshsales upstream only).
    fn contacts(&self, _installation: &str) -> Vec<ContactSummary> {
        Vec::new()
    }
}

/// The upstreams devhost dispatches to.
#[derive(Clone)]
pub struct Upstreams {
    /// Answers `services.leadconnectorhq.com`.
    pub ghl: Arc<dyn Upstream>,
    /// Answers any `*.myfreshworks.com` host.
    pub freshsales: Arc<dyn Upstream>,
    /// Records every new installation's `client.db` starts with (the seed's link records).
    pub initial_db: Vec<(String, Value)>,
}

impl Upstreams {
    /// Placeholders that answer 404 to everything (until the stand-ins are wired in).
    pub fn placeholder() -> Self {
        Upstreams { ghl: Arc::new(NotFoundUpstream), freshsales: Arc::new(NotFoundUpstream), initial_db: Vec::new() }
    }

    /// The upstream for a host, if devhost knows it.
    pub fn for_host(&self, host: &str) -> Option<(Api, &Arc<dyn Upstream>)> {
        match Api::of_host(host)? {
            Api::Ghl => Some((Api::Ghl, &self.ghl)),
            Api::Freshsales => Some((Api::Freshsales, &self.freshsales)),
        }
    }
}

/// Which API a host belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Api {
    /// HighLevel.
    Ghl,
    /// Freshsales Suite.
    Freshsales,
}

impl Api {
    /// Classifies a host: [`GHL_HOST`] is GHL, any `*.myfreshworks.com` is Freshsales.
    pub fn of_host(host: &str) -> Option<Api> {
        let host = host.to_ascii_lowercase();
        if host == GHL_HOST {
            Some(Api::Ghl)
        } else if host.ends_with(".myfreshworks.com") {
            Some(Api::Freshsales)
        } else {
            None
        }
    }
}

/// An upstream that knows nothing: 404 for every request.
pub struct NotFoundUpstream;

impl Upstream for NotFoundUpstream {
    fn handle(&self, req: &UpstreamRequest, _now_ms: i64) -> UpstreamResponse {
        UpstreamResponse::json(404, &json!({ "statusCode": 404, "message": format!("Cannot {} {}", req.method, req.path) }))
    }
}
