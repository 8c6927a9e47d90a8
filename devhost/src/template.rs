//! The request-template renderer: `config/requests.json` + iparams + context + runtime query
//! → a concrete request, with the platform's placement rules (freshworks-platform.md §1.5, §8).
//!
//! Pure: no IO, no clock. The proxy reads the files and passes their JSON in; the serverless
//! sandbox can reuse the same functions.
//!
//! Rules enforced here:
//! - the template must exist in `requests.json` and be declared in the manifest
//!   (`modules.common.requests`, or `product.<name>.requests` on platform 2.x);
//! - substitutions are `<%= iparam.x %>`, `<%= context.x %>`, `<%= encode(expr) %>` (Base64)
//!   and `<%= access_token %>` (OAuth templates only, headers only);
//! - secure iparams only in headers; context in host and headers only for the installation
//!   page and serverless callers, never for a front-end page;
//! - host is an FQDN (no protocol, path, port or IP); path starts with `/`; protocol `https`
//!   (`http` only when allowed for local testing); header and query values are strings;
//! - template query keys win over runtime query keys;
//! - `options.maxAttempts` 1–5 (default 1), `options.retryDelay` a multiple of 100 up to 1500
//!   (default 0).
//!
//! Devhost is stricter than the platform in one respect: a substitution whose value is missing
//! (an unset iparam, a context key not passed) is an error rather than an empty string.

use std::collections::BTreeSet;
use std::fmt;

use base64::Engine as _;
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use serde::Serialize;
use serde_json::{Map, Value};

/// Who invokes a template; decides where `context` may be substituted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Caller {
    /// A front-end page (the sidebar, a modal).
    Frontend,
    /// The installation page (`config/iparams.html`).
    Iparams,
    /// Serverless code (`server.js`).
    Serverless,
}

impl Caller {
    /// Whether `context` may appear in host and headers.
    fn context_everywhere(self) -> bool {
        !matches!(self, Caller::Frontend)
    }
}

/// A part of the request a substitution lands in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Field {
    /// `schema.host`
    Host,
    /// `schema.path`
    Path,
    /// `schema.query` values
    Query,
    /// `schema.headers` values
    Headers,
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Field::Host => "host",
            Field::Path => "path",
            Field::Query => "query",
            Field::Headers => "headers",
        })
    }
}

/// Why a template could not be found, parsed or rendered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TemplateError {
    /// No such template in `requests.json`.
    NotFound(String),
    /// The template exists but the manifest does not declare it.
    NotDeclared(String),
    /// The template name has characters other than letters, digits, `_` and `-`.
    InvalidName(String),
    /// The template's schema or options break the documented format.
    InvalidSchema(String),
    /// A substitution appears where the platform does not allow it.
    Placement {
        /// Where it appeared.
        field: Field,
        /// The expression, e.g. `iparam.ghl_token`.
        expr: String,
        /// Why it is not allowed there.
        reason: &'static str,
    },
    /// A substitution has no value (iparam unset, context key not passed).
    Missing(String),
    /// A `<%= … %>` expression devhost does not understand.
    Unsupported(String),
    /// The rendered host is not a bare FQDN.
    InvalidHost(String),
    /// The rendered path is not a path.
    InvalidPath(String),
    /// A runtime query value is not a string, number or boolean.
    InvalidQuery(String),
}

impl fmt::Display for TemplateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TemplateError::NotFound(n) => write!(f, "Request template not found: '{n}' is not defined in config/requests.json"),
            TemplateError::NotDeclared(n) => {
                write!(f, "Requested function not found or registered: '{n}' is not declared in manifest.json modules.common.requests")
            }
            TemplateError::InvalidName(n) => write!(f, "Invalid request template name '{n}': use letters, digits, '_' and '-'"),
            TemplateError::InvalidSchema(m) => write!(f, "Invalid request template: {m}"),
            TemplateError::Placement { field, expr, reason } => write!(f, "'{expr}' is not allowed in {field}: {reason}"),
            TemplateError::Missing(e) => write!(f, "'{e}' has no value"),
            TemplateError::Unsupported(e) => write!(f, "Unsupported substitution '<%= {e} %>'"),
            TemplateError::InvalidHost(h) => write!(f, "Invalid host '{h}': must be a fully qualified domain name without protocol, port or path"),
            TemplateError::InvalidPath(p) => write!(f, "Invalid path '{p}': must start with '/' and carry no query string"),
            TemplateError::InvalidQuery(m) => write!(f, "Invalid query: {m}"),
        }
    }
}

impl std::error::Error for TemplateError {}

/// A parsed (not yet rendered) request template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template {
    /// Its name.
    pub name: String,
    /// HTTP method.
    pub method: String,
    /// `https` or `http`.
    pub protocol: String,
    /// Host, possibly with substitutions.
    pub host: String,
    /// Path, possibly with substitutions.
    pub path: String,
    /// Headers in file order, values possibly with substitutions.
    pub headers: Vec<(String, String)>,
    /// Template query in file order, values possibly with substitutions.
    pub query: Vec<(String, String)>,
    /// `options.maxAttempts` (1–5).
    pub max_attempts: u32,
    /// `options.retryDelay` in ms.
    pub retry_delay_ms: u64,
    /// `options.oauth`, the integration name.
    pub oauth: Option<String>,
}

/// The names declared in the manifest: `modules.common.requests` (3.0) or any
/// `product.<name>.requests` (2.x).
pub fn declared_templates(manifest: &Value) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut add = |v: Option<&Value>| {
        if let Some(Value::Object(m)) = v {
            out.extend(m.keys().cloned());
        }
    };
    add(manifest.pointer("/modules/common/requests"));
    if let Some(Value::Object(products)) = manifest.get("product") {
        for p in products.values() {
            add(p.get("requests"));
        }
    }
    out
}

/// Finds and parses template `name`, checking that the manifest declares it.
pub fn find(requests: &Value, manifest: &Value, name: &str) -> Result<Template, TemplateError> {
    if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-') {
        return Err(TemplateError::InvalidName(name.to_string()));
    }
    let entry = requests.get(name).ok_or_else(|| TemplateError::NotFound(name.to_string()))?;
    if !declared_templates(manifest).contains(name) {
        return Err(TemplateError::NotDeclared(name.to_string()));
    }
    parse(name, entry)
}

fn bad(msg: impl Into<String>) -> TemplateError {
    TemplateError::InvalidSchema(msg.into())
}

fn string_map(v: Option<&Value>, what: &str) -> Result<Vec<(String, String)>, TemplateError> {
    match v {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Object(m)) => m
            .iter()
            .map(|(k, v)| match v {
                Value::String(s) => Ok((k.clone(), s.clone())),
                _ => Err(bad(format!("{what} '{k}' must be a string"))),
            })
            .collect(),
        Some(_) => Err(bad(format!("{what} must be an object"))),
    }
}

/// Parses one `requests.json` entry.
pub fn parse(name: &str, entry: &Value) -> Result<Template, TemplateError> {
    let schema = entry.get("schema").and_then(Value::as_object).ok_or_else(|| bad("'schema' object is required"))?;
    let method = schema.get("method").and_then(Value::as_str).ok_or_else(|| bad("schema.method is required"))?;
    if !matches!(method, "GET" | "POST" | "PUT" | "DELETE" | "PATCH") {
        return Err(bad(format!("schema.method '{method}' must be one of GET, POST, PUT, DELETE, PATCH")));
    }
    let host = schema.get("host").and_then(Value::as_str).ok_or_else(|| bad("schema.host is required"))?;
    let path = match schema.get("path") {
        None => "/",
        Some(Value::String(p)) => p.as_str(),
        Some(_) => return Err(bad("schema.path must be a string")),
    };
    if !path.starts_with('/') {
        return Err(TemplateError::InvalidPath(path.to_string()));
    }
    let protocol = match schema.get("protocol") {
        None => "https",
        Some(Value::String(p)) if p == "https" || p == "http" => p.as_str(),
        Some(p) => return Err(bad(format!("schema.protocol {p} must be \"https\" or \"http\""))),
    };
    let headers = string_map(schema.get("headers"), "header")?;
    let query = string_map(schema.get("query"), "query parameter")?;
    let options = match entry.get("options") {
        None | Some(Value::Null) => Map::new(),
        Some(Value::Object(o)) => o.clone(),
        Some(_) => return Err(bad("'options' must be an object")),
    };
    let max_attempts = match options.get("maxAttempts") {
        None => 1,
        Some(v) => match v.as_u64() {
            Some(n @ 1..=5) => n as u32,
            _ => return Err(bad(format!("options.maxAttempts {v} must be an integer from 1 to 5"))),
        },
    };
    let retry_delay_ms = match options.get("retryDelay") {
        None => 0,
        Some(v) => match v.as_u64() {
            Some(n) if n <= 1500 && n % 100 == 0 => n,
            _ => return Err(bad(format!("options.retryDelay {v} must be a multiple of 100 up to 1500"))),
        },
    };
    let oauth = match options.get("oauth") {
        None => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(_) => return Err(bad("options.oauth must be a string")),
    };
    Ok(Template {
        name: name.to_string(),
        method: method.to_string(),
        protocol: protocol.to_string(),
        host: host.to_string(),
        path: path.to_string(),
        headers,
        query,
        max_attempts,
        retry_delay_ms,
        oauth,
    })
}

/// Everything a rendering depends on besides the template.
#[derive(Debug, Clone, Copy)]
pub struct RenderInput<'a> {
    /// Who invokes the template.
    pub caller: Caller,
    /// The installation's iparams (secure ones included; placement decides).
    pub iparams: &'a Map<String, Value>,
    /// The names of the secure iparams.
    pub secure: &'a BTreeSet<String>,
    /// The call's `context`.
    pub context: &'a Map<String, Value>,
    /// The call's runtime `query`.
    pub query: &'a Map<String, Value>,
    /// The OAuth access token, for templates with `options.oauth`.
    pub access_token: Option<&'a str>,
    /// Whether `protocol: "http"` is accepted (local testing only).
    pub allow_http: bool,
}

/// A rendered request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Rendered {
    /// HTTP method.
    pub method: String,
    /// `https` or `http`.
    pub protocol: String,
    /// The host.
    pub host: String,
    /// The path (no query).
    pub path: String,
    /// Query parameters, template ones first, decoded.
    pub query: Vec<(String, String)>,
    /// Headers in template order.
    pub headers: Vec<(String, String)>,
    /// Attempts allowed (retries on network errors, 429 and 5xx).
    pub max_attempts: u32,
    /// Delay between attempts, ms.
    pub retry_delay_ms: u64,
}

/// Characters left as they are in a query component: RFC 3986 unreserved.
const QUERY_COMPONENT: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'_').remove(b'.').remove(b'~');

/// Percent-encodes one query key or value.
pub fn encode_component(s: &str) -> String {
    utf8_percent_encode(s, QUERY_COMPONENT).to_string()
}

impl Rendered {
    /// The encoded query string, without `?` (empty when there is no query).
    pub fn query_string(&self) -> String {
        self.query.iter().map(|(k, v)| format!("{}={}", encode_component(k), encode_component(v))).collect::<Vec<_>>().join("&")
    }

    /// The full URL.
    pub fn url(&self) -> String {
        let q = self.query_string();
        if q.is_empty() {
            format!("{}://{}{}", self.protocol, self.host, self.path)
        } else {
            format!("{}://{}{}?{}", self.protocol, self.host, self.path, q)
        }
    }
}

/// Renders a template for one call.
pub fn render(t: &Template, input: &RenderInput<'_>) -> Result<Rendered, TemplateError> {
    if t.protocol == "http" && !input.allow_http {
        return Err(bad("protocol \"http\" is only accepted for local testing; use \"https\""));
    }
    let host = substitute(&t.host, Field::Host, input, t)?;
    check_host(&host)?;
    let path = substitute(&t.path, Field::Path, input, t)?;
    if !path.starts_with('/') || path.contains('?') || path.contains('#') {
        return Err(TemplateError::InvalidPath(path));
    }
    let mut headers = Vec::with_capacity(t.headers.len());
    for (k, v) in &t.headers {
        headers.push((k.clone(), substitute(v, Field::Headers, input, t)?));
    }
    let mut query = Vec::with_capacity(t.query.len() + input.query.len());
    for (k, v) in &t.query {
        query.push((k.clone(), substitute(v, Field::Query, input, t)?));
    }
    for (k, v) in input.query {
        if t.query.iter().any(|(tk, _)| tk == k) {
            continue; // the template's own key wins
        }
        let v = match v {
            Value::String(s) => s.clone(),
            Value::Number(n) => n.to_string(),
            Value::Bool(b) => b.to_string(),
            Value::Null => continue,
            _ => return Err(TemplateError::InvalidQuery(format!("runtime query '{k}' must be a string"))),
        };
        query.push((k.clone(), v));
    }
    Ok(Rendered {
        method: t.method.clone(),
        protocol: t.protocol.clone(),
        host,
        path,
        query,
        headers,
        max_attempts: t.max_attempts,
        retry_delay_ms: t.retry_delay_ms,
    })
}

fn check_host(host: &str) -> Result<(), TemplateError> {
    let invalid = || TemplateError::InvalidHost(host.to_string());
    if host.is_empty() || host.len() > 253 || host.ends_with('.') {
        return Err(invalid());
    }
    let labels: Vec<&str> = host.split('.').collect();
    let label_ok = |l: &&str| {
        !l.is_empty() && l.len() <= 63 && !l.starts_with('-') && !l.ends_with('-') && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
    };
    if labels.len() < 2 || !labels.iter().all(label_ok) {
        return Err(invalid());
    }
    // An IPv4 address passes the label check; the platform wants a domain name.
    if labels.iter().all(|l| l.chars().all(|c| c.is_ascii_digit())) {
        return Err(invalid());
    }
    Ok(())
}

/// Replaces every `<%= expr %>` in `text`.
fn substitute(text: &str, field: Field, input: &RenderInput<'_>, t: &Template) -> Result<String, TemplateError> {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("<%") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let end = after.find("%>").ok_or_else(|| bad(format!("unterminated '<%' in {field}")))?;
        let inner = &after[..end];
        let expr = inner.strip_prefix('=').ok_or_else(|| TemplateError::Unsupported(inner.trim().to_string()))?.trim();
        out.push_str(&eval(expr, field, input, t)?);
        rest = &after[end + 2..];
    }
    out.push_str(rest);
    Ok(out)
}

fn eval(expr: &str, field: Field, input: &RenderInput<'_>, t: &Template) -> Result<String, TemplateError> {
    if let Some(inner) = expr.strip_prefix("encode(").and_then(|e| e.strip_suffix(')')) {
        let value = eval(inner.trim(), field, input, t)?;
        return Ok(base64::engine::general_purpose::STANDARD.encode(value.as_bytes()));
    }
    let placement = |reason| TemplateError::Placement { field, expr: expr.to_string(), reason };
    if expr == "access_token" {
        if t.oauth.is_none() {
            return Err(bad("<%= access_token %> needs options.oauth"));
        }
        if field != Field::Headers {
            return Err(placement("the access token is only substituted in headers"));
        }
        return input.access_token.map(str::to_string).ok_or_else(|| TemplateError::Missing(expr.to_string()));
    }
    if let Some(path) = expr.strip_prefix("iparam.") {
        let key = path.split('.').next().unwrap_or_default();
        if input.secure.contains(key) && field != Field::Headers {
            return Err(placement("secure iparams are only substituted in headers"));
        }
        return lookup(input.iparams, path).ok_or_else(|| TemplateError::Missing(expr.to_string()));
    }
    if let Some(path) = expr.strip_prefix("context.") {
        if matches!(field, Field::Host | Field::Headers) && !input.caller.context_everywhere() {
            return Err(placement("a front-end page may use context only in path and query"));
        }
        return lookup(input.context, path).ok_or_else(|| TemplateError::Missing(expr.to_string()));
    }
    Err(TemplateError::Unsupported(expr.to_string()))
}

/// Looks up a dotted path and renders the value as text (`null` counts as missing).
fn lookup(root: &Map<String, Value>, path: &str) -> Option<String> {
    let mut parts = path.split('.');
    let mut cur = root.get(parts.next()?)?;
    for p in parts {
        cur = match cur {
            Value::Object(m) => m.get(p)?,
            Value::Array(a) => a.get(p.parse::<usize>().ok()?)?,
            _ => return None,
        };
    }
    match cur {
        Value::Null => None,
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        other => Some(other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn obj(v: Value) -> Map<String, Value> {
        v.as_object().cloned().unwrap()
    }

    struct Case {
        iparams: Map<String, Value>,
        secure: BTreeSet<String>,
        context: Map<String, Value>,
        query: Map<String, Value>,
        caller: Caller,
    }

    impl Case {
        fn new() -> Self {
            Case {
                iparams: obj(json!({"ghl_token": "pit-secret", "ghl_location_id": "loc1", "fs_domain": "acme.myfreshworks.com", "fs_api_key": "fs-key", "n": 7})),
                secure: ["ghl_token", "fs_api_key"].iter().map(|s| s.to_string()).collect(),
                context: obj(json!({"id": "123", "q": "a b"})),
                query: Map::new(),
                caller: Caller::Frontend,
            }
        }
        fn render(&self, entry: Value) -> Result<Rendered, TemplateError> {
            let t = parse("t", &entry)?;
            render(
                &t,
                &RenderInput {
                    caller: self.caller,
                    iparams: &self.iparams,
                    secure: &self.secure,
                    context: &self.context,
                    query: &self.query,
                    access_token: Some("oauth-tok"),
                    allow_http: false,
                },
            )
        }
    }

    fn schema(s: Value) -> Value {
        json!({ "schema": s })
    }

    #[test]
    fn renders_iparams_context_and_encode() {
        let r = Case::new()
            .render(schema(json!({
                "method": "GET",
                "host": "<%= iparam.fs_domain %>",
                "path": "/crm/sales/api/contacts/<%= context.id %>",
                "headers": {"Authorization": "Token token=<%= iparam.fs_api_key %>", "X-Basic": "Basic <%=encode(iparam.fs_api_key)%>"},
                "query": {"include": "sales_accounts", "n": "<%= iparam.n %>"}
            })))
            .unwrap();
        assert_eq!(r.host, "acme.myfreshworks.com");
        assert_eq!(r.path, "/crm/sales/api/contacts/123");
        assert_eq!(r.headers[0], ("Authorization".into(), "Token token=fs-key".into()));
        assert_eq!(r.headers[1].1, "Basic ZnMta2V5");
        assert_eq!(r.query, vec![("include".into(), "sales_accounts".into()), ("n".into(), "7".into())]);
        assert_eq!(r.url(), "https://acme.myfreshworks.com/crm/sales/api/contacts/123?include=sales_accounts&n=7");
        assert_eq!((r.max_attempts, r.retry_delay_ms), (1, 0));
    }

    #[test]
    fn secure_iparams_only_in_headers() {
        let c = Case::new();
        for (field, s) in [
            (Field::Host, json!({"method":"GET","host":"<%= iparam.ghl_token %>.example.com"})),
            (Field::Path, json!({"method":"GET","host":"a.example.com","path":"/<%= iparam.ghl_token %>"})),
            (Field::Query, json!({"method":"GET","host":"a.example.com","query":{"k":"<%= iparam.ghl_token %>"}})),
            (Field::Query, json!({"method":"GET","host":"a.example.com","query":{"k":"<%= encode(iparam.ghl_token) %>"}})),
        ] {
            match c.render(schema(s)) {
                Err(TemplateError::Placement { field: f, .. }) => assert_eq!(f, field),
                other => panic!("expected placement error in {field}, got {other:?}"),
            }
        }
        // Non-secure iparams go anywhere.
        assert!(c.render(schema(json!({"method":"GET","host":"a.example.com","path":"/<%= iparam.ghl_location_id %>"}))).is_ok());
    }

    #[test]
    fn context_in_host_and_headers_only_off_the_front_end() {
        let mut c = Case::new();
        c.context.insert("domain".into(), json!("acme.myfreshworks.com"));
        c.context.insert("key".into(), json!("k"));
        let host = schema(json!({"method":"GET","host":"<%= context.domain %>"}));
        let header = schema(json!({"method":"GET","host":"a.example.com","headers":{"Authorization":"Token token=<%= context.key %>"}}));
        assert!(matches!(c.render(host.clone()), Err(TemplateError::Placement { field: Field::Host, .. })));
        assert!(matches!(c.render(header.clone()), Err(TemplateError::Placement { field: Field::Headers, .. })));
        for caller in [Caller::Iparams, Caller::Serverless] {
            c.caller = caller;
            assert_eq!(c.render(host.clone()).unwrap().host, "acme.myfreshworks.com");
            assert_eq!(c.render(header.clone()).unwrap().headers[0].1, "Token token=k");
        }
    }

    #[test]
    fn template_query_wins_over_runtime_query() {
        let mut c = Case::new();
        c.query = obj(json!({"locationId": "evil", "email": "a+b@x.io", "limit": 5, "skip": null}));
        let r = c.render(schema(json!({"method":"GET","host":"a.example.com","query":{"locationId":"<%= iparam.ghl_location_id %>"}}))).unwrap();
        assert_eq!(r.query, vec![("locationId".into(), "loc1".into()), ("email".into(), "a+b@x.io".into()), ("limit".into(), "5".into())]);
        assert_eq!(r.query_string(), "locationId=loc1&email=a%2Bb%40x.io&limit=5");
        c.query = obj(json!({"x": {"nested": 1}}));
        assert!(matches!(c.render(schema(json!({"method":"GET","host":"a.example.com"}))), Err(TemplateError::InvalidQuery(_))));
    }

    #[test]
    fn undeclared_or_unknown_template_rejected() {
        let requests = json!({"a": {"schema": {"method":"GET","host":"a.example.com"}}, "b": {"schema": {"method":"GET","host":"a.example.com"}}});
        let manifest = json!({"platform-version":"3.0","modules":{"common":{"requests":{"a":{}}},"contact":{}}});
        assert!(find(&requests, &manifest, "a").is_ok());
        assert_eq!(find(&requests, &manifest, "b"), Err(TemplateError::NotDeclared("b".into())));
        assert_eq!(find(&requests, &manifest, "zzz"), Err(TemplateError::NotFound("zzz".into())));
        assert_eq!(find(&requests, &manifest, "a/b"), Err(TemplateError::InvalidName("a/b".into())));
        let legacy = json!({"platform-version":"2.3","product":{"freshworks_crm":{"requests":{"b":{}}}}});
        assert!(find(&requests, &legacy, "b").is_ok());
    }

    #[test]
    fn schema_checks() {
        let c = Case::new();
        let bad_schema = |s: Value| matches!(c.render(schema(s)), Err(TemplateError::InvalidSchema(_)));
        assert!(bad_schema(json!({"method":"FETCH","host":"a.example.com"})));
        assert!(bad_schema(json!({"host":"a.example.com"})));
        assert!(bad_schema(json!({"method":"GET"})));
        assert!(bad_schema(json!({"method":"GET","host":"a.example.com","headers":{"X":1}})));
        assert!(bad_schema(json!({"method":"GET","host":"a.example.com","protocol":"ftp"})));
        assert!(bad_schema(json!({"method":"GET","host":"a.example.com","protocol":"http"})), "http needs allow_http");
        assert!(matches!(c.render(schema(json!({"method":"GET","host":"a.example.com","path":"x"}))), Err(TemplateError::InvalidPath(_))));
        for host in ["https://a.example.com", "a.example.com/", "10.0.0.1", "localhost", "a.example.com:8080", "a..com"] {
            assert!(matches!(c.render(schema(json!({"method":"GET","host":host}))), Err(TemplateError::InvalidHost(_))), "{host}");
        }
        let base = json!({"method":"GET","host":"a.example.com"});
        let opts = |o: Value| c.render(json!({"schema": base, "options": o}));
        assert_eq!(opts(json!({"maxAttempts":5,"retryDelay":1500})).unwrap().max_attempts, 5);
        for o in [json!({"maxAttempts":0}), json!({"maxAttempts":6}), json!({"retryDelay":150}), json!({"retryDelay":1600}), json!({"maxAttempts":"2"})] {
            assert!(matches!(opts(o.clone()), Err(TemplateError::InvalidSchema(_))), "{o}");
        }
        assert_eq!(c.render(schema(base)).unwrap().path, "/", "path defaults to /");
    }

    #[test]
    fn missing_values_and_unsupported_expressions() {
        let c = Case::new();
        let r = |path: &str| c.render(schema(json!({"method":"GET","host":"a.example.com","path":path})));
        assert_eq!(r("/<%= context.nope %>"), Err(TemplateError::Missing("context.nope".into())));
        assert_eq!(r("/<%= iparam.nope %>"), Err(TemplateError::Missing("iparam.nope".into())));
        assert!(matches!(r("/<%= process.env.X %>"), Err(TemplateError::Unsupported(_))));
        assert!(matches!(r("/<%- context.id %>"), Err(TemplateError::Unsupported(_))));
        assert!(matches!(r("/<%= context.id"), Err(TemplateError::InvalidSchema(_))));
        assert!(matches!(r("/x?y=<%= context.id %>"), Err(TemplateError::InvalidPath(_))));
        assert_eq!(r("/a/<%= context.q %>").unwrap().path, "/a/a b", "context is inserted as given");
    }

    #[test]
    fn access_token_needs_oauth_and_headers() {
        let c = Case::new();
        let with = |s: Value| c.render(json!({"schema": s, "options": {"oauth": "ghl"}}));
        let r = with(json!({"method":"GET","host":"a.example.com","headers":{"Authorization":"Bearer <%= access_token %>"}})).unwrap();
        assert_eq!(r.headers[0].1, "Bearer oauth-tok");
        assert!(matches!(with(json!({"method":"GET","host":"a.example.com","path":"/<%= access_token %>"})), Err(TemplateError::Placement { .. })));
        assert!(matches!(
            c.render(schema(json!({"method":"GET","host":"a.example.com","headers":{"A":"<%= access_token %>"}}))),
            Err(TemplateError::InvalidSchema(_))
        ));
    }
}
