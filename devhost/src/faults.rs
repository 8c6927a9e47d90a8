//! Fault injection: rules that match upstream attempts (by installation, template, API, method
//! or path prefix) and turn them into latency, error answers, hangs, resets or malformed bodies.
//!
//! A rule with `count` applies to that many matching attempts (a retry is an attempt), then
//! disappears; without `count` it stays until cleared. Rules are tried in the order they were
//! added; the first match wins.

use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::upstream::{Api, UpstreamResponse};

/// What a fault does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FaultKind {
    /// Only the added latency (`latency_ms`), then the real answer.
    Latency,
    /// 429, with `Retry-After: <retry_after>` when `retry_after` is set.
    RateLimit,
    /// 500 (or `status`: 502, 503, 504). 502/503 come with an HTML gateway page.
    ServerError,
    /// No answer: the request runs into the proxy's timeout. `apply: true` lets the upstream
    /// process it first (a write that happened but whose answer was lost).
    Hang,
    /// The connection is reset: a network error. `apply` as for `hang`.
    Reset,
    /// The upstream's answer with its body cut in half (status unchanged; 200 for a read).
    MalformedJson,
    /// 401 expired / invalid token.
    TokenExpired,
    /// 403 the token does not have access to this location.
    WrongLocation,
    /// The contact was deleted: GHL 400 "Contact with id X not found" (or `status` 404);
    /// Freshsales 404.
    NotFound,
    /// Any `status` with `body` (default `{}`).
    Status,
}

impl FaultKind {
    /// The kind's name as written in rules.
    pub fn name(self) -> &'static str {
        match self {
            FaultKind::Latency => "latency",
            FaultKind::RateLimit => "rate_limit",
            FaultKind::ServerError => "server_error",
            FaultKind::Hang => "hang",
            FaultKind::Reset => "reset",
            FaultKind::MalformedJson => "malformed_json",
            FaultKind::TokenExpired => "token_expired",
            FaultKind::WrongLocation => "wrong_location",
            FaultKind::NotFound => "not_found",
            FaultKind::Status => "status",
        }
    }
}

/// One fault rule, as posted to `/__devhost/control/faults` or listed in the config file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FaultRule {
    /// Assigned by devhost.
    #[serde(default)]
    pub id: u64,
    /// Only this installation (any when absent).
    #[serde(default)]
    pub installation: Option<String>,
    /// Only this request template.
    #[serde(default)]
    pub template: Option<String>,
    /// Only rendered paths starting with this.
    #[serde(default)]
    pub path_prefix: Option<String>,
    /// Only this API (`ghl` or `freshsales`).
    #[serde(default)]
    pub api: Option<Api>,
    /// Only this HTTP method.
    #[serde(default)]
    pub method: Option<String>,
    /// What happens.
    pub kind: FaultKind,
    /// How many matching attempts it affects; absent = until cleared.
    #[serde(default)]
    pub count: Option<u32>,
    /// Delay before the outcome, ms (any kind).
    #[serde(default)]
    pub latency_ms: Option<u64>,
    /// `Retry-After` seconds for `rate_limit`.
    #[serde(default)]
    pub retry_after: Option<u64>,
    /// Status for `server_error`, `not_found` and `status`.
    #[serde(default)]
    pub status: Option<u16>,
    /// Body for `status` (and an override for the other error kinds).
    #[serde(default)]
    pub body: Option<String>,
    /// For `hang`, `reset`, `server_error` and `status`: the upstream processes the request
    /// before the failure (a write that happened although the answer says otherwise).
    #[serde(default)]
    pub apply: bool,
    /// How many attempts it has affected so far.
    #[serde(default)]
    pub hits: u32,
}

/// The attempt a rule is matched against.
#[derive(Debug, Clone, Copy)]
pub struct AttemptKey<'a> {
    /// Installation id.
    pub installation: &'a str,
    /// Template name.
    pub template: &'a str,
    /// The API of the host (None for unknown hosts).
    pub api: Option<Api>,
    /// HTTP method.
    pub method: &'a str,
    /// Rendered path.
    pub path: &'a str,
}

impl FaultRule {
    /// Whether the rule applies to this attempt.
    pub fn matches(&self, k: &AttemptKey<'_>) -> bool {
        self.installation.as_deref().is_none_or(|i| i == k.installation)
            && self.template.as_deref().is_none_or(|t| t == k.template)
            && self.path_prefix.as_deref().is_none_or(|p| k.path.starts_with(p))
            && self.api.is_none_or(|a| Some(a) == k.api)
            && self.method.as_deref().is_none_or(|m| m.eq_ignore_ascii_case(k.method))
    }

    /// Checks a rule posted by a test.
    pub fn validate(&self) -> Result<(), String> {
        match self.kind {
            FaultKind::ServerError if !matches!(self.status, None | Some(500..=599)) => Err("server_error status must be 5xx".into()),
            FaultKind::Status if self.status.is_none() => Err("kind 'status' needs a status".into()),
            FaultKind::Latency if self.latency_ms.is_none() => Err("kind 'latency' needs latency_ms".into()),
            _ if self.count == Some(0) => Err("count must be at least 1 (leave it out for a lasting fault)".into()),
            _ => Ok(()),
        }
    }
}

/// The active rules.
#[derive(Debug, Default)]
pub struct FaultBook {
    rules: Vec<FaultRule>,
    next_id: u64,
}

impl FaultBook {
    /// Adds rules (validated), assigning ids; returns the ids.
    pub fn add(&mut self, rules: Vec<FaultRule>) -> Result<Vec<u64>, String> {
        for r in &rules {
            r.validate()?;
        }
        let mut ids = Vec::new();
        for mut r in rules {
            self.next_id += 1;
            r.id = self.next_id;
            r.hits = 0;
            ids.push(r.id);
            self.rules.push(r);
        }
        Ok(ids)
    }

    /// The rules, optionally only those that can apply to `installation`.
    pub fn list(&self, installation: Option<&str>) -> Vec<FaultRule> {
        self.rules.iter().filter(|r| installation.is_none() || r.installation.is_none() || r.installation.as_deref() == installation).cloned().collect()
    }

    /// Removes the rules naming `installation` (or all rules when `None`).
    pub fn clear(&mut self, installation: Option<&str>) {
        match installation {
            None => self.rules.clear(),
            Some(i) => self.rules.retain(|r| r.installation.as_deref() != Some(i)),
        }
    }

    /// Takes the first matching rule for one attempt (counting it down).
    pub fn take(&mut self, key: &AttemptKey<'_>) -> Option<FaultRule> {
        let idx = self.rules.iter().position(|r| r.matches(key))?;
        let rule = &mut self.rules[idx];
        rule.hits += 1;
        let taken = rule.clone();
        if let Some(n) = rule.count.as_mut() {
            *n -= 1;
            if *n == 0 {
                self.rules.remove(idx);
            }
        }
        Some(taken)
    }
}

/// What the proxy does for an attempt a rule matched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FaultAction {
    /// Call the upstream as usual (after the latency).
    PassThrough,
    /// Answer with this instead of calling the upstream.
    Respond(UpstreamResponse),
    /// Never answer (optionally after letting the upstream process the request).
    Hang {
        /// Call the upstream first.
        apply: bool,
    },
    /// Fail with a network error (optionally after letting the upstream process it).
    Reset {
        /// Call the upstream first.
        apply: bool,
    },
    /// Call the upstream, then cut its body.
    Malform,
    /// Call the upstream, then answer with this instead of its answer.
    Replace(UpstreamResponse),
}

/// The id of a contact in a GHL or Freshsales path (`/contacts/{id}…`), for not-found bodies.
fn contact_id(path: &str) -> &str {
    let mut segs = path.split('/').skip_while(|s| *s != "contacts").skip(1);
    segs.next().filter(|s| !s.is_empty()).unwrap_or("unknown")
}

fn ghl_or_fs(api: Option<Api>, status: u16, ghl_message: &str, fs_message: &str) -> UpstreamResponse {
    match api {
        Some(Api::Freshsales) => UpstreamResponse::json(status, &json!({ "errors": { "code": status, "message": [fs_message] } })),
        _ => UpstreamResponse::json(status, &json!({ "statusCode": status, "message": ghl_message })),
    }
}

fn gateway_page(status: u16) -> UpstreamResponse {
    let reason = match status {
        502 => "Bad Gateway",
        503 => "Service Temporarily Unavailable",
        _ => "Gateway Timeout",
    };
    UpstreamResponse {
        status,
        headers: vec![("content-type".into(), "text/html".into())],
        body: format!("<html>\r\n<head><title>{status} {reason}</title></head>\r\n<body>\r\n<center><h1>{status} {reason}</h1></center>\r\n</body>\r\n</html>\r\n"),
    }
}

/// The action for a rule, with API-shaped bodies (GHL `{statusCode, message}`, Freshsales
/// `{errors: {code, message: []}}`).
pub fn action(rule: &FaultRule, api: Option<Api>, path: &str) -> FaultAction {
    let mut resp = match rule.kind {
        FaultKind::Latency => return FaultAction::PassThrough,
        FaultKind::Hang => return FaultAction::Hang { apply: rule.apply },
        FaultKind::Reset => return FaultAction::Reset { apply: rule.apply },
        FaultKind::MalformedJson => return FaultAction::Malform,
        FaultKind::RateLimit => {
            let mut r = ghl_or_fs(api, 429, "Too Many Requests", "Too many requests");
            if let Some(s) = rule.retry_after {
                r.headers.push(("retry-after".into(), s.to_string()));
            }
            r
        }
        FaultKind::ServerError => match rule.status.unwrap_or(500) {
            s @ (502..=504) => gateway_page(s),
            s => ghl_or_fs(api, s, "Internal server error", "Something went wrong"),
        },
        FaultKind::TokenExpired => ghl_or_fs(api, 401, "Invalid JWT", "Incorrect or expired API key"),
        FaultKind::WrongLocation => ghl_or_fs(api, 403, "The token does not have access to this location.", "You are not authorized to perform this action"),
        FaultKind::NotFound => {
            let id = contact_id(path);
            match api {
                Some(Api::Freshsales) => ghl_or_fs(api, rule.status.unwrap_or(404), "", "Contact not found"),
                _ => ghl_or_fs(api, rule.status.unwrap_or(400), &format!("Contact with id {id} not found"), ""),
            }
        }
        FaultKind::Status => UpstreamResponse::json(rule.status.unwrap_or(500), &json!({})),
    };
    if let Some(b) = &rule.body {
        resp.body = b.clone();
    }
    if rule.apply && matches!(rule.kind, FaultKind::ServerError | FaultKind::Status) {
        return FaultAction::Replace(resp);
    }
    FaultAction::Respond(resp)
}

/// Cuts a body so that it no longer parses as JSON.
pub fn malform(body: &str) -> String {
    if body.len() < 2 {
        return "{\"".to_string();
    }
    let mut cut = body.len() / 2;
    while !body.is_char_boundary(cut) {
        cut -= 1;
    }
    body[..cut].to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(v: serde_json::Value) -> FaultRule {
        serde_json::from_value(v).unwrap()
    }

    fn key<'a>(installation: &'a str, template: &'a str, path: &'a str) -> AttemptKey<'a> {
        AttemptKey { installation, template, api: Some(Api::Ghl), method: "GET", path }
    }

    #[test]
    fn counted_rules_run_out_and_first_match_wins() {
        let mut b = FaultBook::default();
        b.add(vec![
            rule(json!({"template": "ghlGetContact", "kind": "server_error", "count": 2})),
            rule(json!({"installation": "t1", "kind": "latency", "latency_ms": 5})),
        ])
        .unwrap();
        let k = key("t1", "ghlGetContact", "/contacts/x");
        assert_eq!(b.take(&k).unwrap().kind, FaultKind::ServerError);
        assert_eq!(b.take(&k).unwrap().kind, FaultKind::ServerError);
        assert_eq!(b.take(&k).unwrap().kind, FaultKind::Latency, "count ran out");
        assert_eq!(b.take(&k).unwrap().hits, 2, "lasting rule stays");
        assert!(b.take(&key("t2", "ghlListNotes", "/contacts/x/notes")).is_none());
        b.clear(Some("t1"));
        assert!(b.take(&k).is_none());
    }

    #[test]
    fn matching_by_path_prefix_api_and_method() {
        let r = rule(json!({"path_prefix": "/contacts/abc", "api": "ghl", "method": "get", "kind": "reset"}));
        assert!(r.matches(&key("a", "x", "/contacts/abc/notes")));
        assert!(!r.matches(&key("a", "x", "/contacts/abd")));
        assert!(!r.matches(&AttemptKey { api: Some(Api::Freshsales), ..key("a", "x", "/contacts/abc") }));
        assert!(!r.matches(&AttemptKey { method: "POST", ..key("a", "x", "/contacts/abc") }));
    }

    #[test]
    fn validation() {
        let mut b = FaultBook::default();
        assert!(b.add(vec![rule(json!({"kind": "status"}))]).is_err());
        assert!(b.add(vec![rule(json!({"kind": "server_error", "status": 404}))]).is_err());
        assert!(b.add(vec![rule(json!({"kind": "reset", "count": 0}))]).is_err());
        assert!(serde_json::from_value::<FaultRule>(json!({"kind": "explode"})).is_err());
    }

    #[test]
    fn bodies_are_shaped_like_each_api() {
        let nf = rule(json!({"kind": "not_found"}));
        let FaultAction::Respond(r) = action(&nf, Some(Api::Ghl), "/contacts/abc123/notes") else { panic!() };
        assert_eq!((r.status, r.body.as_str()), (400, r#"{"message":"Contact with id abc123 not found","statusCode":400}"#));
        let FaultAction::Respond(r) = action(&nf, Some(Api::Freshsales), "/crm/sales/api/contacts/9") else { panic!() };
        assert_eq!((r.status, r.body.as_str()), (404, r#"{"errors":{"code":404,"message":["Contact not found"]}}"#));
        let FaultAction::Respond(r) = action(&rule(json!({"kind": "token_expired"})), Some(Api::Ghl), "/") else { panic!() };
        assert_eq!((r.status, r.body.as_str()), (401, r#"{"message":"Invalid JWT","statusCode":401}"#));
        let FaultAction::Respond(r) = action(&rule(json!({"kind": "rate_limit", "retry_after": 3})), Some(Api::Ghl), "/") else { panic!() };
        assert_eq!((r.status, r.header("Retry-After")), (429, Some("3")));
        let FaultAction::Respond(r) = action(&rule(json!({"kind": "rate_limit"})), Some(Api::Ghl), "/") else { panic!() };
        assert_eq!(r.header("retry-after"), None);
        let FaultAction::Respond(r) = action(&rule(json!({"kind": "server_error", "status": 503})), Some(Api::Ghl), "/") else { panic!() };
        assert!(r.status == 503 && r.body.contains("<html>"));
        assert!(serde_json::from_str::<serde_json::Value>(&malform(r#"{"contact":{"id":"x"}}"#)).is_err());
        assert_eq!(action(&rule(json!({"kind": "hang", "apply": true})), None, "/"), FaultAction::Hang { apply: true });
        assert!(matches!(action(&rule(json!({"kind": "server_error", "apply": true})), None, "/"), FaultAction::Replace(r) if r.status == 500));
        assert!(matches!(action(&rule(json!({"kind": "server_error"})), None, "/"), FaultAction::Respond(_)));
    }
}
