//! What a call's outcome means: the classified error type every caller handles, built from
//! the endpoint, the status and the body; and the plain-language message a CRM user sees for
//! it (never the API's raw text).

use serde::de::DeserializeOwned;

use crate::catalog::{Api, Endpoint};

/// Who produced a reply: the upstream API, or the Freshworks platform in front of it (its
/// own 429 for the 50 calls/min quota, a timeout, a network failure).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// GHL or Freshsales answered.
    Upstream,
    /// The request method itself failed or refused.
    Platform,
}

/// A reply as the edge received it from `invokeTemplate` (resolved or rejected).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawReply {
    /// HTTP status (the platform's own for platform failures).
    pub status: u16,
    /// Response headers, names in any case.
    pub headers: Vec<(String, String)>,
    /// The body text.
    pub body: String,
    /// Who produced it.
    pub origin: Origin,
}

impl RawReply {
    /// A header's value, by case-insensitive name.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.trim())
    }

    /// Whether the status is 2xx.
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }
}

/// Who limited a rate-limited call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Limiter {
    /// The Freshworks request method (50 calls/min per installation).
    Platform,
    /// GHL (100 requests per 10 s per location).
    Ghl,
    /// Freshsales (per-account hourly quota).
    Freshsales,
}

/// Why credentials were refused. Each needs a different message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthProblem {
    /// Expired, revoked or wrong token / API key: an admin must reconnect.
    TokenInvalid,
    /// The GHL token is valid but not for the configured location.
    WrongLocation,
    /// The GHL plan has no API access.
    NoApiAccess,
}

/// A failure that may pass: retry a read, offer a retry button.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transient {
    /// A 5xx from the upstream.
    Server(u16),
    /// The connection failed.
    Network,
    /// No answer in time.
    Timeout,
}

/// A classified failure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ApiError {
    /// Too many requests; `retry_after_ms` is the wait the reply asked for, if any.
    RateLimited {
        /// Who refused.
        by: Limiter,
        /// The wait asked for (`Retry-After`, or the GHL window when none is left).
        retry_after_ms: Option<u64>,
    },
    /// Credentials refused.
    Unauthorized {
        /// Which API refused them.
        api: Api,
        /// Why.
        problem: AuthProblem,
    },
    /// Authenticated but not allowed.
    Forbidden {
        /// Which API.
        api: Api,
    },
    /// The record does not exist (404, or GHL's 400 "Contact with id … not found").
    NotFound,
    /// The API refused the input; the messages are kept for logs and tests, not shown raw.
    Validation {
        /// The API's messages.
        messages: Vec<String>,
    },
    /// A read (a call that changes nothing) the API refused as malformed: nothing the user
    /// typed is at fault, so the message does not ask them to check values. Messages kept.
    Refused {
        /// The API's messages.
        messages: Vec<String>,
    },
    /// A create refused because the record exists (GHL 400 with `meta.contactId`).
    Duplicate {
        /// The existing record's id.
        existing_id: Option<String>,
    },
    /// A failure that may pass.
    Transient(Transient),
    /// A create whose outcome is unknown: the record may exist. Look it up before any retry.
    UncertainWrite {
        /// What was observed.
        cause: Box<ApiError>,
    },
    /// The platform refused the call for a reason of its own (template, payload size).
    Platform {
        /// The platform's status.
        status: u16,
    },
    /// A 2xx body that does not parse as the endpoint's reply type.
    Decode {
        /// The parser's message.
        detail: String,
    },
}

impl ApiError {
    /// Whether an idempotent read that failed this way may be retried.
    pub fn is_transient(&self) -> bool {
        matches!(self, ApiError::RateLimited { .. } | ApiError::Transient(_))
    }

    /// The wait the server asked for.
    pub fn retry_after_ms(&self) -> Option<u64> {
        match self {
            ApiError::RateLimited { retry_after_ms, .. } => *retry_after_ms,
            _ => None,
        }
    }

    /// A short plain-language sentence for a CRM user: no API text, no codes.
    pub fn user_message(&self) -> &'static str {
        use ApiError::*;
        match self {
            RateLimited { by: Limiter::Platform, .. } => "The CRM is handling many requests from this app right now. Please try again in a minute.",
            RateLimited { by: Limiter::Ghl, .. } => "HighLevel is busy right now. Please try again in a few seconds.",
            RateLimited { by: Limiter::Freshsales, .. } => "Freshsales is limiting requests right now. Please try again later.",
            Unauthorized { api: Api::Ghl, problem: AuthProblem::TokenInvalid } => {
                "The connection to HighLevel has expired or was revoked. An admin must reconnect HighLevel in the app settings."
            }
            Unauthorized { api: Api::Ghl, problem: AuthProblem::WrongLocation } => {
                "The HighLevel token does not have access to the configured location. An admin must check the location id in the app settings."
            }
            Unauthorized { api: Api::Ghl, problem: AuthProblem::NoApiAccess } => {
                "This HighLevel plan does not include API access. An admin must upgrade the plan or use another account."
            }
            Unauthorized { api: Api::Freshsales, .. } => "The Freshsales API key was refused. An admin must update it in the app settings.",
            Forbidden { api: Api::Ghl } => "HighLevel did not allow this action for the connected account.",
            Forbidden { api: Api::Freshsales } => "Freshsales did not allow this action for the connected user.",
            NotFound => "This record no longer exists in HighLevel. It may have been deleted or merged.",
            Validation { .. } => "HighLevel did not accept these values. Please check them and try again.",
            Refused { .. } => "HighLevel could not answer this request. Please try again later; if it keeps happening, ask your admin to check the app settings.",
            Duplicate { .. } => "A matching contact already exists in HighLevel.",
            Transient(crate::error::Transient::Timeout) => "HighLevel took too long to answer. Please try again.",
            Transient(crate::error::Transient::Network) => "Could not reach HighLevel. Check your connection and try again.",
            Transient(crate::error::Transient::Server(_)) => "HighLevel had a temporary problem. Please try again.",
            UncertainWrite { .. } => "We could not confirm the change was saved. Checking HighLevel before trying again.",
            Platform { .. } => "The CRM could not send this request. Please try again.",
            Decode { .. } => "HighLevel sent an answer this app could not read. Please try again later.",
        }
    }
}

impl ApiError {
    /// [`ApiError::user_message`] for a call to `api`: the same sentence, naming Freshsales
    /// where the failing call went to Freshsales.
    pub fn user_message_for(&self, api: Api) -> String {
        let m = self.user_message();
        match (api, self) {
            (Api::Ghl, _) | (_, ApiError::RateLimited { .. } | ApiError::Unauthorized { .. } | ApiError::Forbidden { .. } | ApiError::Platform { .. }) => m.to_string(),
            (Api::Freshsales, ApiError::NotFound) => "This contact no longer exists in Freshsales. It may have been deleted.".to_string(),
            (Api::Freshsales, _) => m.replace("HighLevel", "Freshsales"),
        }
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.user_message())
    }
}

impl std::error::Error for ApiError {}

/// Milliseconds from a `Retry-After` header given in seconds (the HTTP-date form needs a
/// clock and is ignored: the caller's backoff applies then).
fn retry_after_ms(reply: &RawReply) -> Option<u64> {
    let v = reply.header("retry-after")?;
    v.parse::<f64>().ok().filter(|s| s.is_finite() && *s >= 0.0).map(|s| (s * 1000.0).round() as u64)
}

/// For GHL: when no requests are left in the window, the window's length.
fn ghl_window_ms(reply: &RawReply) -> Option<u64> {
    let remaining: u64 = reply.header("x-ratelimit-remaining")?.parse().ok()?;
    (remaining == 0).then(|| reply.header("x-ratelimit-interval-milliseconds")?.parse().ok()).flatten()
}

fn messages(api: Api, body: &str) -> Vec<String> {
    match api {
        Api::Ghl => serde_json::from_str::<crate::ghl::ErrorBody>(body).map(|b| b.messages()).unwrap_or_default(),
        Api::Freshsales => serde_json::from_str::<crate::freshsales::ErrorBody>(body)
            .ok()
            .and_then(|b| b.errors?.message)
            .map(|m| crate::ghl::ErrorBody { message: Some(m), ..Default::default() }.messages())
            .unwrap_or_default(),
    }
}

fn auth_problem(msgs: &[String]) -> AuthProblem {
    let text = msgs.join(" ").to_ascii_lowercase();
    if text.contains("location") {
        AuthProblem::WrongLocation
    } else if text.contains("plan") || text.contains("api access") || text.contains("subscription") {
        AuthProblem::NoApiAccess
    } else {
        AuthProblem::TokenInvalid
    }
}

fn is_not_found(msgs: &[String]) -> bool {
    msgs.iter().any(|m| {
        let m = m.to_ascii_lowercase();
        m.contains("not found") || m.contains("is deleted") || m.contains("not a valid firebase id")
    })
}

/// Classifies a non-2xx reply (or any reply from the platform) into an [`ApiError`], without
/// the uncertain-write rule (see [`classify`]).
fn classify_failure(e: &Endpoint, reply: &RawReply) -> ApiError {
    let limiter = match e.api {
        Api::Ghl => Limiter::Ghl,
        Api::Freshsales => Limiter::Freshsales,
    };
    if reply.origin == Origin::Platform {
        return match reply.status {
            429 => ApiError::RateLimited { by: Limiter::Platform, retry_after_ms: retry_after_ms(reply) },
            408 | 504 => ApiError::Transient(Transient::Timeout),
            0 | 502 | 503 => ApiError::Transient(Transient::Network),
            s => ApiError::Platform { status: s },
        };
    }
    let msgs = messages(e.api, &reply.body);
    match reply.status {
        429 => ApiError::RateLimited { by: limiter, retry_after_ms: retry_after_ms(reply).or_else(|| ghl_window_ms(reply)) },
        401 => ApiError::Unauthorized { api: e.api, problem: if e.api == Api::Ghl { auth_problem(&msgs) } else { AuthProblem::TokenInvalid } },
        403 => match auth_problem(&msgs) {
            p @ (AuthProblem::WrongLocation | AuthProblem::NoApiAccess) if e.api == Api::Ghl => ApiError::Unauthorized { api: e.api, problem: p },
            _ => ApiError::Forbidden { api: e.api },
        },
        404 | 410 => ApiError::NotFound,
        400 => {
            let body: crate::ghl::ErrorBody = serde_json::from_str(&reply.body).unwrap_or_default();
            let dup_text = msgs.iter().any(|m| m.to_ascii_lowercase().contains("duplicate"));
            if e.api == Api::Ghl && (body.meta.as_ref().is_some_and(|m| m.contact_id.is_some()) || dup_text) {
                ApiError::Duplicate { existing_id: body.meta.and_then(|m| m.contact_id) }
            } else if is_not_found(&msgs) {
                ApiError::NotFound
            } else {
                ApiError::Validation { messages: msgs }
            }
        }
        408 => ApiError::Transient(Transient::Timeout),
        s if s >= 500 => ApiError::Transient(Transient::Server(s)),
        _ => ApiError::Validation { messages: msgs },
    }
}

/// A refusal of the request's values is the user's to fix only when the call writes: on a
/// read it becomes [`ApiError::Refused`].
fn refused_if_read(e: &Endpoint, err: ApiError) -> ApiError {
    match err {
        ApiError::Validation { messages } if !e.write => ApiError::Refused { messages },
        err => err,
    }
}

/// Applies the uncertain-write rule: a create that ends in anything but 2xx, a duplicate
/// 400, 401, 403 or 429 may still have created the record (GHL has answered 422 and created
/// the contact), so it becomes [`ApiError::UncertainWrite`].
fn uncertain_if_create(e: &Endpoint, err: ApiError) -> ApiError {
    let certain = matches!(
        err,
        ApiError::Duplicate { .. } | ApiError::Unauthorized { .. } | ApiError::Forbidden { .. } | ApiError::RateLimited { .. }
    ) || matches!(err, ApiError::Platform { .. });
    if e.creates && !certain {
        ApiError::UncertainWrite { cause: Box::new(err) }
    } else {
        err
    }
}

/// Classifies a reply: `Ok(())` for an upstream 2xx, the error otherwise.
pub fn classify(e: &Endpoint, reply: &RawReply) -> Result<(), ApiError> {
    if reply.origin == Origin::Upstream && reply.is_success() {
        return Ok(());
    }
    Err(uncertain_if_create(e, refused_if_read(e, classify_failure(e, reply))))
}

/// Classifies a reply and parses a success body as `T`.
pub fn decode<T: DeserializeOwned>(e: &Endpoint, reply: &RawReply) -> Result<T, ApiError> {
    classify(e, reply)?;
    let body = if reply.body.trim().is_empty() { "{}" } else { reply.body.as_str() };
    serde_json::from_str(body).map_err(|err| uncertain_if_create(e, ApiError::Decode { detail: err.to_string() }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::by_name;

    fn reply(status: u16, body: &str) -> RawReply {
        RawReply { status, headers: vec![], body: body.into(), origin: Origin::Upstream }
    }

    fn err(name: &str, r: RawReply) -> ApiError {
        classify(by_name(name).unwrap(), &r).unwrap_err()
    }

    #[test]
    fn success_and_decode() {
        let e = by_name("ghlGetContact").unwrap();
        let c: crate::ghl::ContactResponse = decode(e, &reply(200, r#"{"contact":{"id":"x","firstName":"A"}}"#)).unwrap();
        assert_eq!(c.contact.first_name.as_deref(), Some("A"));
        assert!(matches!(decode::<crate::ghl::ContactResponse>(e, &reply(200, "{not json")), Err(ApiError::Decode { .. })));
        // A 2xx create whose body cannot be read still created something.
        let d = decode::<crate::ghl::TaskResponse>(by_name("ghlCreateTask").unwrap(), &reply(201, "<html>"));
        assert!(matches!(d, Err(ApiError::UncertainWrite { .. })));
    }

    #[test]
    fn rate_limits_tell_platform_from_upstream_and_read_the_wait() {
        let mut r = reply(429, "");
        r.headers = vec![("Retry-After".into(), "3".into())];
        assert_eq!(err("ghlListTasks", r.clone()), ApiError::RateLimited { by: Limiter::Ghl, retry_after_ms: Some(3000) });
        r.origin = Origin::Platform;
        assert_eq!(err("ghlListTasks", r), ApiError::RateLimited { by: Limiter::Platform, retry_after_ms: Some(3000) });
        let mut r = reply(429, r#"{"statusCode":429,"message":"Too Many Requests"}"#);
        r.headers = vec![("X-RateLimit-Remaining".into(), "0".into()), ("X-RateLimit-Interval-Milliseconds".into(), "10000".into())];
        assert_eq!(err("ghlGetContact", r), ApiError::RateLimited { by: Limiter::Ghl, retry_after_ms: Some(10_000) });
        assert_eq!(err("fsGetContact", reply(429, "")), ApiError::RateLimited { by: Limiter::Freshsales, retry_after_ms: None });
        // A 429 on a create is certain: nothing was created.
        assert!(matches!(err("ghlCreateTask", reply(429, "")), ApiError::RateLimited { .. }));
    }

    #[test]
    fn auth_failures_get_distinct_problems() {
        let e = |s, b| err("ghlGetContact", reply(s, b));
        assert_eq!(e(401, r#"{"statusCode":401,"message":"Invalid JWT"}"#), ApiError::Unauthorized { api: Api::Ghl, problem: AuthProblem::TokenInvalid });
        assert_eq!(
            e(403, r#"{"statusCode":403,"message":"The token does not have access to this location."}"#),
            ApiError::Unauthorized { api: Api::Ghl, problem: AuthProblem::WrongLocation }
        );
        assert_eq!(
            e(401, r#"{"status":401,"message":"Your plan does not include API access","name":"HttpException"}"#),
            ApiError::Unauthorized { api: Api::Ghl, problem: AuthProblem::NoApiAccess }
        );
        assert_eq!(e(403, r#"{"statusCode":403,"message":"Forbidden resource"}"#), ApiError::Forbidden { api: Api::Ghl });
        assert_eq!(err("fsGetContact", reply(401, "")), ApiError::Unauthorized { api: Api::Freshsales, problem: AuthProblem::TokenInvalid });
        assert_ne!(
            ApiError::Unauthorized { api: Api::Ghl, problem: AuthProblem::TokenInvalid }.user_message(),
            ApiError::Unauthorized { api: Api::Ghl, problem: AuthProblem::WrongLocation }.user_message()
        );
    }

    #[test]
    fn not_found_includes_ghl_400() {
        assert_eq!(err("ghlGetContact", reply(400, r#"{"statusCode":400,"message":"Contact with id abc not found"}"#)), ApiError::NotFound);
        assert_eq!(err("ghlListNotes", reply(404, "")), ApiError::NotFound);
    }

    #[test]
    fn validation_keeps_messages_in_both_shapes() {
        let r = reply(422, r#"{"statusCode":422,"message":["property x should not exist","title must be a string"],"error":"Unprocessable Entity"}"#);
        assert_eq!(err("ghlUpdateTask", r), ApiError::Validation { messages: vec!["property x should not exist".into(), "title must be a string".into()] });
        let r = reply(400, r#"{"errors":{"code":400,"message":["Name has already been taken"]}}"#);
        assert_eq!(err("fsUpdateContact", r), ApiError::Validation { messages: vec!["Name has already been taken".into()] });
    }

    #[test]
    fn duplicate_create_is_certain_with_the_existing_id() {
        let r = reply(400, r#"{"statusCode":400,"message":"This location does not allow duplicated contacts.","meta":{"contactId":"abc","matchingField":"email"}}"#);
        assert_eq!(err("ghlCreateContact", r), ApiError::Duplicate { existing_id: Some("abc".into()) });
    }

    #[test]
    fn creates_are_uncertain_unless_the_outcome_is_known() {
        for (status, body) in [(422, r#"{"statusCode":422,"message":["x"]}"#), (500, ""), (502, ""), (400, r#"{"message":"Bad"}"#)] {
            for name in ["ghlCreateContact", "ghlUpsertContact", "ghlCreateTask", "ghlCreateNote", "fsCreateNote"] {
                assert!(matches!(err(name, reply(status, body)), ApiError::UncertainWrite { .. }), "{name} {status}");
            }
        }
        let mut timeout = reply(504, "");
        timeout.origin = Origin::Platform;
        assert_eq!(
            err("ghlCreateTask", timeout.clone()),
            ApiError::UncertainWrite { cause: Box::new(ApiError::Transient(Transient::Timeout)) }
        );
        // The same failure on a read or an update is just what it is.
        assert_eq!(err("ghlGetContact", timeout), ApiError::Transient(Transient::Timeout));
        assert_eq!(err("ghlUpdateTask", reply(500, "")), ApiError::Transient(Transient::Server(500)));
        for status in [401, 403] {
            assert!(!matches!(err("ghlCreateTask", reply(status, "")), ApiError::UncertainWrite { .. }), "{status}");
        }
    }

    #[test]
    fn platform_failures() {
        let r = |s| RawReply { status: s, headers: vec![], body: String::new(), origin: Origin::Platform };
        assert_eq!(err("ghlGetContact", r(502)), ApiError::Transient(Transient::Network));
        assert_eq!(err("ghlGetContact", r(400)), ApiError::Platform { status: 400 });
        // A platform refusal means nothing was sent upstream: not uncertain.
        assert_eq!(err("ghlCreateTask", r(413)), ApiError::Platform { status: 413 });
    }

    #[test]
    fn a_refused_read_does_not_ask_the_user_to_check_values() {
        let r = reply(422, r#"{"message":["locationId must be a string"]}"#);
        let read = err("ghlGetContact", r.clone());
        assert_eq!(read, ApiError::Refused { messages: vec!["locationId must be a string".into()] });
        assert!(!read.user_message().contains("check them"), "{}", read.user_message());
        assert!(matches!(err("ghlUpdateTask", r), ApiError::Validation { .. }));
    }

    #[test]
    fn messages_name_the_api_that_failed() {
        assert!(ApiError::NotFound.user_message_for(Api::Freshsales).contains("Freshsales"));
        assert!(ApiError::Transient(Transient::Timeout).user_message_for(Api::Freshsales).starts_with("Freshsales took too long"));
        assert!(!ApiError::Transient(Transient::Network).user_message_for(Api::Freshsales).contains("HighLevel"));
        assert_eq!(ApiError::NotFound.user_message_for(Api::Ghl), ApiError::NotFound.user_message());
    }

    #[test]
    fn user_messages_are_plain() {
        let all = [
            ApiError::NotFound,
            ApiError::Validation { messages: vec!["property secretThing should not exist".into()] },
            ApiError::Transient(Transient::Server(503)),
            ApiError::Decode { detail: "expected value at line 1".into() },
        ];
        for e in all {
            let m = e.user_message();
            assert!(!m.contains("should not exist") && !m.contains("line 1") && !m.contains("503"), "{m}");
        }
    }
}
