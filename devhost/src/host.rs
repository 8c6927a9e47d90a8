//! The simulated Freshsales pages and the app's files.
//!
//! - `GET /` → the first contact's page; `GET /contacts/{id}?install=` → the contact details
//!   page: the contact (from the Freshsales upstream, outside the app's quota and log), the
//!   app's `contact_entity_menu` page in an iframe, a contact switcher, notifications.
//! - `GET /install?install=` → the installation page: `config/iparams.html` in a frame (or a
//!   form generated from `config/iparams.json`) and a Save button.
//! - `GET /app/…`, `/config/iparams.html`, `/config/assets/…` → the app's files; every HTML
//!   page gets `{{{appclient}}}` replaced by the client shim and `https://cdn.jsdelivr.net/`
//!   rewritten to `/`, so `GET /npm/@freshworks/crayons@<v>/…` serves Crayons from
//!   `node_modules` (404 when it is not installed). Crayons' own scripts get the same rewrite,
//!   so the icons it fetches from jsDelivr (`crayons-icon@next`) come from the pinned copy that
//!   `scripts/setup.sh` puts in `node_modules/@freshworks/crayons-icon`.
//! - `GET /__devhost/client.js`, `/__devhost/host.js`, `/__devhost/host.css` → devhost's own
//!   scripts and styles.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use axum::extract::{Path as UrlPath, Query, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::Router;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::api::InstallQuery;
use crate::config::Csp;
use crate::state::AppState;
use crate::upstream::{Api, UpstreamRequest, DEVHOST_TEMPLATE, GHL_HOST};

type St = State<Arc<AppState>>;

const CLIENT_JS: &str = include_str!("../assets/client.js");
const HOST_JS: &str = include_str!("../assets/host.js");
const HOST_CSS: &str = include_str!("../assets/host.css");

/// Where `{{{appclient}}}` points.
pub const CLIENT_URL: &str = "/__devhost/client.js";

/// The host routes.
pub fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route("/", get(index))
        .route("/contacts/{id}", get(contact_page))
        .route("/install", get(install_page))
        .route("/__devhost/contact-pane", get(contact_pane))
        .route("/app/{*path}", get(app_file))
        .route("/config/iparams.html", get(iparams_html))
        .route("/config/assets/{*path}", get(config_asset))
        .route("/npm/{*path}", get(npm_file))
        .route("/__devhost/client.js", get(|| async { asset(CLIENT_JS, "text/javascript; charset=utf-8") }))
        .route("/__devhost/host.js", get(|| async { asset(HOST_JS, "text/javascript; charset=utf-8") }))
        .route("/__devhost/host.css", get(|| async { asset(HOST_CSS, "text/css; charset=utf-8") }))
}

fn asset(text: &'static str, content_type: &'static str) -> Response {
    ([(header::CONTENT_TYPE, content_type), (header::CACHE_CONTROL, "no-store")], text).into_response()
}

/// Escapes text for HTML content and attribute values.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// JSON safe to embed in `<script type="application/json">`.
fn script_json(v: &Value) -> String {
    v.to_string().replace("</", "<\\/")
}

/// The Freshsales host of an installation (its `fs_domain` iparam).
pub fn fs_host(st: &AppState, inst: &str) -> String {
    st.with_install(inst, |i| i.iparams.get("fs_domain").and_then(Value::as_str).map(str::to_string)).unwrap_or_else(|| "devhost.myfreshworks.com".into())
}

/// A request devhost itself makes to a stand-in, with the installation's credentials, marked
/// with [`DEVHOST_TEMPLATE`].
pub fn devhost_request(st: &AppState, inst: &str, api: Api, method: &str, path: &str, query: Vec<(String, String)>, body: Option<String>) -> UpstreamRequest {
    let iparam = |k: &str| st.with_install(inst, |i| i.iparams.get(k).and_then(Value::as_str).unwrap_or_default().to_string());
    let (host, mut headers) = match api {
        Api::Ghl => (GHL_HOST.to_string(), vec![("Authorization".to_string(), format!("Bearer {}", iparam("ghl_token"))), ("Version".into(), "2021-07-28".into())]),
        Api::Freshsales => (fs_host(st, inst), vec![("Authorization".to_string(), format!("Token token={}", iparam("fs_api_key")))]),
    };
    headers.push(("Accept".into(), "application/json".into()));
    if body.is_some() {
        headers.push(("Content-Type".into(), "application/json".into()));
    }
    UpstreamRequest { installation: inst.to_string(), method: method.to_string(), host, path: path.to_string(), query, headers, body, template: DEVHOST_TEMPLATE.into() }
}

/// The Freshsales contact `id` as the stand-in has it: `(status, parsed body)`.
pub fn fetch_contact(st: &AppState, inst: &str, id: &str) -> Option<(u16, Value)> {
    let req = devhost_request(st, inst, Api::Freshsales, "GET", &format!("/crm/sales/api/contacts/{id}"), vec![], None);
    let r = st.upstreams.freshsales.handle(&req, st.clock.now_ms());
    Some((r.status, serde_json::from_str(&r.body).ok()?))
}

fn manifest(st: &AppState) -> Option<Value> {
    serde_json::from_str(&std::fs::read_to_string(st.config.root.join("manifest.json")).ok()?).ok()
}

/// The app page of the contact sidebar: the manifest's `contact_entity_menu` url.
fn sidebar_page(st: &AppState) -> Result<String, String> {
    let m = manifest(st).ok_or("manifest.json is missing or not JSON (has the app been built?)")?;
    m.pointer("/modules/contact/location/contact_entity_menu/url")
        .and_then(Value::as_str)
        .map(str::to_string)
        .ok_or_else(|| "manifest.json has no modules.contact.location.contact_entity_menu.url".into())
}

#[derive(Debug, Deserialize, Default)]
struct PageQuery {
    install: Option<String>,
    installation: Option<String>,
    switch: Option<String>,
}

impl PageQuery {
    fn id(&self) -> Result<String, String> {
        InstallQuery { installation: self.installation.clone(), install: self.install.clone() }.id()
    }
}

async fn index(State(st): St, Query(q): Query<PageQuery>) -> Response {
    let inst = q.id().unwrap_or_else(|_| "demo".into());
    let first = st.upstreams.freshsales.contacts(&inst).into_iter().next().map_or_else(|| "1".to_string(), |c| c.id);
    Redirect::to(&format!("/contacts/{first}?install={inst}")).into_response()
}

fn page(title: &str, body: &str, config: &Value) -> Response {
    let html = format!(
        "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{}</title>\n<link rel=\"stylesheet\" href=\"/__devhost/host.css\">\n</head>\n<body>\n{body}\n<div id=\"toasts\" aria-live=\"polite\"></div>\n<script id=\"devhost-config\" type=\"application/json\">{}</script>\n<script src=\"/__devhost/host.js\"></script>\n</body>\n</html>\n",
        esc(title),
        script_json(config)
    );
    ([(header::CACHE_CONTROL, "no-store")], Html(html)).into_response()
}

fn topbar(inst: &str, crumb: &str) -> String {
    format!(
        "<header class=\"topbar\"><span class=\"brand\"><span class=\"logo\">F</span>Freshsales</span><span class=\"crumb\">{}</span><span class=\"spacer\"></span><span class=\"pill\" title=\"Local simulator of the Freshworks host\">devhost · installation <b>{}</b></span><a class=\"toplink\" href=\"/?install={}\">Contacts</a><a class=\"toplink\" href=\"/install?install={}\">App settings</a></header>",
        crumb,
        esc(inst),
        esc(inst),
        esc(inst)
    )
}

async fn contact_page(State(st): St, UrlPath(id): UrlPath<String>, Query(q): Query<PageQuery>) -> Response {
    let inst = match q.id() {
        Ok(i) => i,
        Err(e) => return (StatusCode::BAD_REQUEST, e).into_response(),
    };
    let opts = st.options(&inst);
    let switch_mode = match q.switch.as_deref() {
        Some(m @ ("in-page" | "reload")) => m.to_string(),
        _ => serde_json::to_value(opts.switch_mode).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_else(|| "in-page".into()),
    };
    let contacts = st.upstreams.freshsales.contacts(&inst);
    let (pane, name) = contact_pane_html(&st, &inst, &id);
    let app = match sidebar_page(&st) {
        Ok(url) => {
            let sandbox = opts.iframe_sandbox.as_deref().map(|s| format!(" sandbox=\"{}\"", esc(s))).unwrap_or_default();
            format!(
                "<iframe id=\"app-frame\" class=\"app-frame\" title=\"GHL Bridge\" src=\"/app/{}?install={}&amp;contact={}\"{sandbox}></iframe>",
                esc(&url),
                esc(&inst),
                esc(&id)
            )
        }
        Err(e) => format!("<div class=\"app-missing\"><b>The app cannot be shown.</b><p>{}</p></div>", esc(&e)),
    };
    let mut switcher = String::new();
    for c in &contacts {
        let current = if c.id == id { " class=\"current\" aria-current=\"page\"" } else { "" };
        switcher.push_str(&format!(
            "<li><a href=\"/contacts/{}?install={}\" data-contact=\"{}\"{current}>{}</a></li>",
            esc(&c.id),
            esc(&inst),
            esc(&c.id),
            esc(&c.name)
        ));
    }
    if switcher.is_empty() {
        switcher.push_str("<li class=\"muted\">The Freshsales stand-in lists no contacts; open one by id below.</li>");
    }
    let last_event = st.with_install(&inst, |i| i.page_events.len());
    let body = format!(
        "{top}\n<div class=\"layout\">\n<aside class=\"contact-pane\" id=\"contact-pane\">{pane}</aside>\n<main class=\"app-column\"><div class=\"app-card\"><div class=\"app-card-head\"><span class=\"app-icon\">G</span>GHL Bridge<span class=\"spacer\"></span><span class=\"muted small\" id=\"frame-size\"></span></div>{app}</div></main>\n<aside class=\"devtools\">\n<section><h3>Contacts</h3><ul class=\"switcher\" id=\"switcher\">{switcher}</ul>\n<form id=\"goto\" class=\"row\"><input name=\"id\" placeholder=\"Contact id\" aria-label=\"Contact id\"><button type=\"submit\">Open</button></form>\n<label class=\"row\">Switching <select id=\"switch-mode\"><option value=\"in-page\">in-page (app stays)</option><option value=\"reload\">full reload</option></select></label></section>\n<section><h3>Events</h3><button id=\"fire-update\" type=\"button\">Fire contact.update</button><p class=\"muted small\" id=\"edit-status\" role=\"status\"></p></section>\n<section><h3>Notifications</h3><ol class=\"notes\" id=\"notes\"></ol></section>\n</aside>\n</div>\n<div id=\"confirm\" class=\"overlay\" hidden></div>\n<div id=\"modal\" class=\"overlay\" hidden></div>",
        top = topbar(&inst, &format!("Contacts › <span id=\"crumb-name\">{}</span>", esc(&name))),
    );
    let config = json!({
        "page": "contact",
        "installation": inst,
        "contactId": id,
        "switchMode": switch_mode,
        "lastEvent": last_event,
        "sidebarPage": sidebar_page(&st).ok(),
    });
    page(&format!("{name} · Contacts · Freshsales (devhost)"), &body, &config)
}

/// The left pane for contact `id`: `(html, display name)`.
fn contact_pane_html(st: &AppState, inst: &str, id: &str) -> (String, String) {
    let contact = match fetch_contact(st, inst, id) {
        Some((200, v)) => v.get("contact").cloned().unwrap_or(v),
        Some((status, _)) => {
            let msg = format!("Contact {id} could not be loaded from the Freshsales stand-in (HTTP {status}).");
            return (format!("<div class=\"card\"><h2>Contact {}</h2><p class=\"muted\">{}</p></div>", esc(id), esc(&msg)), format!("Contact {id}"));
        }
        None => return (format!("<div class=\"card\"><h2>Contact {}</h2><p class=\"muted\">No answer from the Freshsales stand-in.</p></div>", esc(id)), format!("Contact {id}")),
    };
    let s = |k: &str| contact.get(k).and_then(|v| v.as_str().map(str::to_string).or_else(|| v.as_number().map(|n| n.to_string()))).filter(|s| !s.is_empty());
    let name = s("display_name")
        .or_else(|| {
            let full = format!("{} {}", s("first_name").unwrap_or_default(), s("last_name").unwrap_or_default()).trim().to_string();
            (!full.is_empty()).then_some(full)
        })
        .unwrap_or_else(|| format!("Contact {id}"));
    let initials: String = name.split_whitespace().filter_map(|w| w.chars().next()).take(2).collect::<String>().to_uppercase();
    let mut emails: Vec<String> = s("email").into_iter().collect();
    if let Some(Value::Array(list)) = contact.get("emails") {
        for e in list {
            if let Some(v) = e.get("value").and_then(Value::as_str) {
                if !emails.iter().any(|x| x == v) {
                    emails.push(v.to_string());
                }
            }
        }
    }
    let mut rows = vec![("Emails", emails.join(", "))];
    for (label, key) in [
        ("Work", "work_number"),
        ("Mobile", "mobile_number"),
        ("Job title", "job_title"),
        ("City", "city"),
        ("State", "state"),
        ("Country", "country"),
        ("Time zone", "time_zone"),
        ("Lead score", "lead_score"),
        ("Updated", "updated_at"),
    ] {
        rows.push((label, s(key).unwrap_or_default()));
    }
    let mut dl = String::new();
    for (label, value) in rows.into_iter().filter(|(_, v)| !v.is_empty()) {
        dl.push_str(&format!("<dt>{}</dt><dd>{}</dd>", esc(label), esc(&value)));
    }
    // The edit form: a save is PUT to the Freshsales stand-in and fires the product event
    // (devhost/src/sync.rs).
    let mut edit = String::new();
    for (label, key) in [("First name", "first_name"), ("Last name", "last_name"), ("City", "city")] {
        edit.push_str(&format!("<label class=\"edit-field\">{}<input name=\"{key}\" value=\"{}\"></label>", esc(label), esc(&s(key).unwrap_or_default())));
    }
    let tasks = task_form(st, inst, id);
    let html = format!(
        "<div class=\"card contact-card\" data-contact-id=\"{}\"><div class=\"avatar\">{}</div><h2 id=\"contact-name\">{}</h2><p class=\"muted\">{}</p><dl>{dl}</dl><p class=\"muted small\">Freshsales contact #{}</p><form id=\"edit-contact\" class=\"edit-contact\"><h3>Edit contact</h3>{edit}<div class=\"row right\"><button type=\"submit\">Save</button></div></form>{tasks}</div>",
        esc(id),
        esc(&initials),
        esc(&name),
        esc(&s("job_title").unwrap_or_default()),
        esc(id)
    );
    (html, name)
}

/// The task form: a new task, or one of the contact's tasks (its values in `data-` attributes,
/// copied into the fields by host.js); a save goes to `/__devhost/task-edit` (sync.rs).
fn task_form(st: &AppState, inst: &str, id: &str) -> String {
    let state = st.upstreams.freshsales.state(inst);
    let offset = state["utcOffsetMinutes"].as_i64().unwrap_or(0) as i32;
    let mut options = String::from("<option value=\"\">New task</option>");
    for t in state["tasks"].as_array().into_iter().flatten().filter(|t| t["targetable_id"].as_u64().map(|n| n.to_string()).as_deref() == Some(id) && t["is_deleted"] != true) {
        // The stored due time as the form's wall-clock value in the account's offset.
        let due = t["due_date"].as_str().and_then(ghl_bridge::datetime::Instant::parse).map(|at| {
            let l = at.to_local(offset);
            let m = l.ms_of_day / 60_000;
            format!("{}T{:02}:{:02}", l.date, m / 60, m % 60)
        });
        let title = t["title"].as_str().unwrap_or_default();
        options.push_str(&format!(
            "<option value=\"{}\" data-title=\"{}\" data-due=\"{}\" data-done=\"{}\">{}</option>",
            esc(&t["id"].to_string()),
            esc(title),
            esc(&due.unwrap_or_default()),
            t["status"] == 1,
            esc(title)
        ));
    }
    format!(
        "<form id=\"edit-task\" class=\"edit-contact\"><h3>Task</h3><label class=\"edit-field\">Task<select name=\"task_id\">{options}</select></label><label class=\"edit-field\">Title<input name=\"title\"></label><label class=\"edit-field\">Due<input name=\"due\" type=\"datetime-local\"></label><label class=\"row\"><input name=\"done\" type=\"checkbox\"> Done</label><div class=\"row right\"><button type=\"submit\">Save task</button></div></form>"
    )
}

#[derive(Debug, Deserialize)]
struct PaneQuery {
    installation: Option<String>,
    id: String,
}

async fn contact_pane(State(st): St, Query(q): Query<PaneQuery>) -> Response {
    let inst = match (InstallQuery { installation: q.installation, install: None }).id() {
        Ok(i) => i,
        Err(e) => return (StatusCode::BAD_REQUEST, e).into_response(),
    };
    let (html, name) = contact_pane_html(&st, &inst, &q.id);
    axum::Json(json!({ "html": html, "name": name })).into_response()
}

async fn install_page(State(st): St, Query(q): Query<PageQuery>) -> Response {
    let inst = match q.id() {
        Ok(i) => i,
        Err(e) => return (StatusCode::BAD_REQUEST, e).into_response(),
    };
    let root = &st.config.root;
    let (form, mode) = if root.join("config/iparams.html").is_file() {
        (format!("<iframe id=\"iparams-frame\" class=\"iparams-frame\" title=\"App settings\" src=\"/config/iparams.html?install={}\"></iframe>", esc(&inst)), "html")
    } else if let Some(fields) = iparams_json_form(&st, &inst) {
        (fields, "json")
    } else {
        ("<p class=\"muted\">The app has neither config/iparams.html nor config/iparams.json.</p>".to_string(), "none")
    };
    let saved = st.with_install(&inst, |i| i.saved);
    let body = format!(
        "{top}\n<main class=\"install\"><div class=\"card\"><h2>GHL Bridge · settings</h2><p class=\"muted\">Installation <code>{i}</code> · {state}. Secure values stay in devhost and are never sent back to the page.</p>{form}<div class=\"row install-actions\"><button id=\"install-save\" type=\"button\" class=\"primary\">{label}</button><span id=\"install-status\" role=\"status\"></span></div><p><a href=\"/?install={i}\">Open a contact →</a></p></div></main>",
        top = topbar(&inst, "Admin › Apps › GHL Bridge"),
        i = esc(&inst),
        state = if saved { "saved" } else { "running on the settings in devhost's config until saved here" },
        label = if saved { "Save" } else { "Install" },
    );
    page("GHL Bridge settings · Freshsales (devhost)", &body, &json!({ "page": "install", "installation": inst, "mode": mode }))
}

/// A plain form generated from `config/iparams.json`, when the app has no custom page.
fn iparams_json_form(st: &AppState, inst: &str) -> Option<String> {
    let spec: Value = serde_json::from_str(&std::fs::read_to_string(st.config.root.join("config/iparams.json")).ok()?).ok()?;
    let spec = spec.as_object()?;
    let public = st.with_install(inst, |i| i.public_iparams());
    let mut html = String::from("<form id=\"iparams-form\" class=\"iparams-form\">");
    for (key, field) in spec {
        let label = field.get("display_name").and_then(Value::as_str).unwrap_or(key);
        let secure = field.get("secure").and_then(Value::as_bool) == Some(true);
        let required = field.get("required").and_then(Value::as_bool) == Some(true);
        let value = public.get(key).and_then(Value::as_str).unwrap_or_default();
        html.push_str(&format!(
            "<label>{}{}<input name=\"{}\" type=\"{}\" value=\"{}\"{}{}></label>",
            esc(label),
            if required { " *" } else { "" },
            esc(key),
            if secure { "password" } else { "text" },
            if secure { String::new() } else { esc(value) },
            if secure { " data-secure=\"1\"" } else { "" },
            if required { " required" } else { "" },
        ));
        if let Some(d) = field.get("description").and_then(Value::as_str) {
            html.push_str(&format!("<small class=\"muted\">{}</small>", esc(d)));
        }
    }
    html.push_str("</form>");
    Some(html)
}

/// Joins a URL path below `base`, refusing anything that could leave it.
pub fn safe_join(base: &Path, rel: &str) -> Option<PathBuf> {
    let mut out = base.to_path_buf();
    for seg in rel.split('/') {
        if seg.is_empty() || seg == "." || seg == ".." || seg.contains('\\') || seg.starts_with('.') {
            return None;
        }
        out.push(seg);
    }
    Some(out)
}

/// What `{{{appclient}}}` and the CDN rewrite do to an HTML page.
pub fn rewrite_html(html: &str) -> String {
    rewrite_cdn(&html.replace("{{{appclient}}}", CLIENT_URL))
}

/// jsDelivr URLs made same-origin paths, answered by [`npm_file`].
pub fn rewrite_cdn(text: &str) -> String {
    text.replace("https://cdn.jsdelivr.net/", "/")
}

fn content_type(path: &Path) -> &'static str {
    match path.extension().and_then(|e| e.to_str()).unwrap_or_default() {
        "html" | "htm" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "json" | "map" => "application/json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "ico" => "image/x-icon",
        "wasm" => "application/wasm",
        "woff" => "font/woff",
        "woff2" => "font/woff2",
        "ttf" => "font/ttf",
        "txt" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

/// Serves a file; HTML gets [`rewrite_html`] and the CSP the options ask for.
async fn serve(path: Option<PathBuf>, csp: Csp) -> Response {
    serve_rewritten(path, csp, false).await
}

/// [`serve`], and with `cdn_in_js` JavaScript gets [`rewrite_cdn`] too.
async fn serve_rewritten(path: Option<PathBuf>, csp: Csp, cdn_in_js: bool) -> Response {
    let Some(path) = path else { return StatusCode::NOT_FOUND.into_response() };
    let Ok(bytes) = tokio::fs::read(&path).await else { return StatusCode::NOT_FOUND.into_response() };
    let ct = content_type(&path);
    let mut resp = if ct.starts_with("text/html") {
        rewrite_html(&String::from_utf8_lossy(&bytes)).into_response()
    } else if cdn_in_js && ct.starts_with("text/javascript") {
        rewrite_cdn(&String::from_utf8_lossy(&bytes)).into_response()
    } else {
        bytes.into_response()
    };
    let h = resp.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(ct));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if ct.starts_with("text/html") {
        if let Some(policy) = csp.header() {
            h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(policy));
        }
    }
    resp
}

async fn app_file(State(st): St, UrlPath(path): UrlPath<String>, Query(q): Query<PageQuery>) -> Response {
    let inst = q.id().unwrap_or_else(|_| "demo".into());
    serve(safe_join(&st.config.root.join("app"), &path), st.options(&inst).csp).await
}

async fn iparams_html(State(st): St, Query(q): Query<PageQuery>) -> Response {
    let inst = q.id().unwrap_or_else(|_| "demo".into());
    serve(Some(st.config.root.join("config/iparams.html")), st.options(&inst).csp).await
}

async fn config_asset(State(st): St, UrlPath(path): UrlPath<String>) -> Response {
    serve(safe_join(&st.config.root.join("config/assets"), &path), Csp::None).await
}

/// `/npm/@freshworks/<pkg>@<version>/<file>` → `node_modules/@freshworks/<pkg>/<file>`
/// (whatever version is installed) for `crayons` and `crayons-icon`; Crayons' scripts get
/// [`rewrite_cdn`].
async fn npm_file(State(st): St, UrlPath(path): UrlPath<String>) -> Response {
    let Some((pkg, rest)) = path
        .strip_prefix("@freshworks/")
        .and_then(|r| r.split_once('/'))
        .and_then(|(spec, file)| Some((spec.split_once('@')?.0, file)))
        .filter(|(pkg, _)| matches!(*pkg, "crayons" | "crayons-icon"))
    else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let dir = st.config.root.join("node_modules/@freshworks").join(pkg);
    serve_rewritten(safe_join(&dir, rest), Csp::None, pkg == "crayons").await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn safe_join_stays_inside() {
        let base = Path::new("/r/app");
        assert_eq!(safe_join(base, "scripts/app.js"), Some(PathBuf::from("/r/app/scripts/app.js")));
        for bad in ["../manifest.json", "a/../../x", "", "a//b", ".git/config", "a\\b"] {
            assert_eq!(safe_join(base, bad), None, "{bad}");
        }
    }

    #[test]
    fn html_rewrite() {
        let html = r#"<script async src="{{{appclient}}}"></script><link href="https://cdn.jsdelivr.net/npm/@freshworks/crayons@4.2.0/css/crayons-min.css">"#;
        assert_eq!(
            rewrite_html(html),
            r#"<script async src="/__devhost/client.js"></script><link href="/npm/@freshworks/crayons@4.2.0/css/crayons-min.css">"#
        );
    }

    #[test]
    fn escaping() {
        assert_eq!(esc(r#"<a href="x">&'"#), "&lt;a href=&quot;x&quot;&gt;&amp;&#39;");
        assert_eq!(script_json(&json!({"a": "</script>"})), r#"{"a":"<\/script>"}"#);
    }
}
