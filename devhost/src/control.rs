//! The control API tests drive devhost with, under `/__devhost/control/`. All bodies and
//! answers are JSON; errors answer HTTP 400 with `{"ok": false, "error": "…"}`.
//!
//! | route | does |
//! |---|---|
//! | `GET /health` | `{ok, root, real_ghl, options}` |
//! | `POST /installations` | a fresh installation id `{installation}` |
//! | `GET /faults?installation=` | active rules `{faults: [rule]}` |
//! | `POST /faults` | add rules (one rule or a list) → `{ok, ids}` |
//! | `DELETE /faults?installation=` | remove the rules naming it (all rules without it) |
//! | `GET /log?installation=&template=` | request log `{entries: [entry]}` |
//! | `POST /reset?installation=` | forget an installation (or everything) |
//! | `GET /notifications?installation=` | recorded interface calls `{notifications: [record]}` |
//! | `POST /confirm-answer` | `{installation, choice: save\|cancel\|timeout}` or `{installation, label}` |
//! | `POST /events` | `{installation, type, contact_id?, mode?, data?}` for the host page |
//! | `GET /state?installation=` | stand-in state, db, iparams names |
//! | `GET`/`POST /options?installation=` | options in force / override some |
//! | `GET`/`POST /iparams?installation=` | iparam names / set iparams (secure ones too) |
//! | `GET`/`POST /clock` | `{now_ms, scale}` / `{advance_ms}` → `{now_ms, scheduled: [{installation, ok, result}]}` (the recurring sync runs it made due) |
//! | `GET`/`POST /ghl?installation=` | GHL stand-in: `{spec_violations}` / set `{strict?, allow_duplicates?}` |
//! | `POST /upstream` | call a stand-in directly: `{installation, api, method, path, query?, body?}` |

use std::sync::Arc;

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::api::{installation_id, InstallQuery};
use crate::faults::FaultRule;
use crate::state::AppState;
use crate::upstream::Api;

type St = State<Arc<AppState>>;
type Reply = Result<Json<Value>, Response>;

fn bad(message: impl Into<String>) -> Response {
    (StatusCode::BAD_REQUEST, Json(json!({ "ok": false, "error": message.into() }))).into_response()
}

/// The installation named in the query, if any (validated).
fn optional_installation(q: &InstallQuery) -> Result<Option<String>, Response> {
    match q.installation.as_deref().or(q.install.as_deref()) {
        None => Ok(None),
        Some(i) => installation_id(Some(i)).map(Some).map_err(bad),
    }
}

fn required_installation(q: &InstallQuery) -> Result<String, Response> {
    q.id().map_err(bad)
}

/// The control routes.
pub fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route("/__devhost/control/health", get(health))
        .route("/__devhost/control/installations", post(fresh_installation))
        .route("/__devhost/control/faults", get(list_faults).post(add_faults).delete(clear_faults))
        .route("/__devhost/control/log", get(log))
        .route("/__devhost/control/reset", post(reset))
        .route("/__devhost/control/notifications", get(notifications))
        .route("/__devhost/control/confirm-answer", post(confirm_answer))
        .route("/__devhost/control/events", post(events))
        .route("/__devhost/control/state", get(state))
        .route("/__devhost/control/options", get(get_options).post(set_options))
        .route("/__devhost/control/iparams", get(get_iparams).post(set_iparams))
        .route("/__devhost/control/clock", get(get_clock).post(advance_clock))
        .route("/__devhost/control/upstream", post(upstream_call))
        .route("/__devhost/control/ghl", get(ghl_standin).post(set_ghl_standin))
}

async fn health(State(st): St) -> Json<Value> {
    Json(json!({
        "ok": true,
        "root": st.config.root,
        "real_ghl": st.real_ghl.is_some(),
        "options": st.options(""),
    }))
}

async fn fresh_installation(State(st): St) -> Json<Value> {
    Json(json!({ "ok": true, "installation": st.fresh_installation() }))
}

async fn list_faults(State(st): St, Query(q): Query<InstallQuery>) -> Reply {
    let inst = optional_installation(&q)?;
    Ok(Json(json!({ "ok": true, "faults": st.with_faults(|f| f.list(inst.as_deref())) })))
}

async fn add_faults(State(st): St, Json(v): Json<Value>) -> Reply {
    let rules: Vec<FaultRule> = match v {
        Value::Array(_) => serde_json::from_value(v),
        Value::Object(ref m) if m.contains_key("faults") => serde_json::from_value(m["faults"].clone()),
        _ => serde_json::from_value(v).map(|r| vec![r]),
    }
    .map_err(|e| bad(format!("invalid fault rule: {e}")))?;
    for r in &rules {
        if let Some(i) = &r.installation {
            installation_id(Some(i)).map_err(bad)?;
        }
    }
    let ids = st.with_faults(|f| f.add(rules)).map_err(bad)?;
    Ok(Json(json!({ "ok": true, "ids": ids })))
}

async fn clear_faults(State(st): St, Query(q): Query<InstallQuery>) -> Reply {
    let inst = optional_installation(&q)?;
    st.with_faults(|f| f.clear(inst.as_deref()));
    Ok(Json(json!({ "ok": true })))
}

#[derive(Debug, Deserialize)]
struct LogQuery {
    installation: Option<String>,
    template: Option<String>,
}

async fn log(State(st): St, Query(q): Query<LogQuery>) -> Reply {
    let inst = optional_installation(&InstallQuery { installation: q.installation, install: None })?;
    let keep = |e: &&crate::state::LogEntry| q.template.as_deref().is_none_or(|t| t == e.template);
    let entries: Vec<_> = match inst {
        Some(i) => st.with_install(&i, |x| x.log.iter().filter(keep).cloned().collect()),
        None => st.each_install(|_, x| x.log.iter().filter(keep).cloned().collect::<Vec<_>>()).into_iter().flatten().collect(),
    };
    Ok(Json(json!({ "ok": true, "entries": entries })))
}

async fn reset(State(st): St, Query(q): Query<InstallQuery>) -> Reply {
    let inst = optional_installation(&q)?;
    st.reset(inst.as_deref());
    Ok(Json(json!({ "ok": true })))
}

async fn notifications(State(st): St, Query(q): Query<InstallQuery>) -> Reply {
    let inst = required_installation(&q)?;
    Ok(Json(json!({ "ok": true, "notifications": st.with_install(&inst, |i| i.notifications.clone()) })))
}

async fn confirm_answer(State(st): St, Json(v): Json<Value>) -> Reply {
    let inst = installation_id(v.get("installation").and_then(Value::as_str)).map_err(bad)?;
    let answer = match (v.get("choice").and_then(Value::as_str), v.get("label").and_then(Value::as_str)) {
        (Some(c @ ("save" | "cancel" | "timeout")), None) => c.to_string(),
        (None, Some(l)) => format!("label:{l}"),
        _ => return Err(bad("give either choice (save, cancel, timeout) or label")),
    };
    let queued = st.with_install(&inst, |i| {
        i.confirm_answers.push_back(answer);
        i.confirm_answers.len()
    });
    Ok(Json(json!({ "ok": true, "queued": queued })))
}

const PAGE_EVENTS: &[&str] = &["switch_contact", "contact.update", "app.activated", "app.deactivated"];

async fn events(State(st): St, Json(v): Json<Value>) -> Reply {
    let inst = installation_id(v.get("installation").and_then(Value::as_str)).map_err(bad)?;
    let kind = v.get("type").and_then(Value::as_str).unwrap_or_default();
    if !PAGE_EVENTS.contains(&kind) {
        return Err(bad(format!("type must be one of {}", PAGE_EVENTS.join(", "))));
    }
    let contact_id = match v.get("contact_id") {
        Some(Value::String(s)) => Some(s.clone()),
        Some(Value::Number(n)) => Some(n.to_string()),
        _ => None,
    };
    if kind == "switch_contact" && contact_id.is_none() {
        return Err(bad("switch_contact needs contact_id"));
    }
    let mode = match v.get("mode").and_then(Value::as_str) {
        None => None,
        Some(m @ ("in-page" | "reload")) => Some(m.to_string()),
        Some(m) => return Err(bad(format!("mode '{m}' must be in-page or reload"))),
    };
    let data = match (v.get("data"), kind, &contact_id) {
        (Some(d), _, _) => d.clone(),
        (None, "contact.update", Some(id)) => crate::host::fetch_contact(&st, &inst, id).map(|(_, c)| c).unwrap_or(Value::Null),
        _ => json!({}),
    };
    let seq = st.push_page_event(&inst, kind, contact_id, mode, data);
    Ok(Json(json!({ "ok": true, "seq": seq })))
}

async fn state(State(st): St, Query(q): Query<InstallQuery>) -> Reply {
    let inst = required_installation(&q)?;
    let (db, iparams, secure, saved) = st.with_install(&inst, |i| (i.db.dump(), i.public_iparams(), i.secure.clone(), i.saved));
    Ok(Json(json!({
        "ok": true,
        "installation": inst,
        "ghl": st.upstreams.ghl.state(&inst),
        "freshsales": st.upstreams.freshsales.state(&inst),
        "db": db,
        "iparams": iparams,
        "secure_iparams": secure,
        "saved": saved,
    })))
}

async fn get_options(State(st): St, Query(q): Query<InstallQuery>) -> Reply {
    let inst = optional_installation(&q)?;
    Ok(Json(json!({ "ok": true, "options": st.options(inst.as_deref().unwrap_or("")) })))
}

async fn set_options(State(st): St, Query(q): Query<InstallQuery>, Json(v): Json<Value>) -> Reply {
    let inst = optional_installation(&q)?;
    if !v.is_object() {
        return Err(bad("options must be an object"));
    }
    let opts = st.set_options(inst.as_deref(), &v).map_err(bad)?;
    Ok(Json(json!({ "ok": true, "options": opts })))
}

async fn get_iparams(State(st): St, Query(q): Query<InstallQuery>) -> Reply {
    let inst = required_installation(&q)?;
    let (public, secure) = st.with_install(&inst, |i| (i.public_iparams(), i.secure.clone()));
    Ok(Json(json!({ "ok": true, "iparams": public, "secure_iparams": secure })))
}

async fn set_iparams(State(st): St, Query(q): Query<InstallQuery>, Json(v): Json<Value>) -> Reply {
    let inst = required_installation(&q)?;
    let Some(Value::Object(values)) = v.get("values").cloned() else { return Err(bad("'values' must be an object")) };
    let secure: Vec<String> = v.get("secure").cloned().map(serde_json::from_value).transpose().map_err(|e| bad(format!("secure: {e}")))?.unwrap_or_default();
    let replace = v.get("replace").and_then(Value::as_bool).unwrap_or(false);
    st.with_install(&inst, |i| {
        if replace {
            i.iparams.clear();
        }
        i.iparams.extend(values);
        i.secure.extend(secure);
    });
    Ok(Json(json!({ "ok": true })))
}

async fn get_clock(State(st): St) -> Json<Value> {
    Json(json!({ "ok": true, "now_ms": st.clock.now_ms(), "scale": st.clock.scale() }))
}

async fn advance_clock(State(st): St, Json(v): Json<Value>) -> Reply {
    let ms = v.get("advance_ms").and_then(Value::as_i64).filter(|m| *m >= 0).ok_or_else(|| bad("advance_ms must be a non-negative integer"))?;
    st.clock.advance(ms);
    // The recurring schedule runs on this clock: a run the advance made due happens now.
    let scheduled = crate::sync::run_schedule(&st).await;
    Ok(Json(json!({ "ok": true, "now_ms": st.clock.now_ms(), "scheduled": scheduled })))
}

async fn upstream_call(State(st): St, Json(v): Json<Value>) -> Reply {
    let inst = installation_id(v.get("installation").and_then(Value::as_str)).map_err(bad)?;
    let api: Api = serde_json::from_value(v.get("api").cloned().unwrap_or(Value::Null)).map_err(|_| bad("api must be ghl or freshsales"))?;
    let path = v.get("path").and_then(Value::as_str).filter(|p| p.starts_with('/')).ok_or_else(|| bad("path must start with /"))?;
    let query = match v.get("query") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Object(m)) => m.iter().map(|(k, v)| (k.clone(), v.as_str().map_or_else(|| v.to_string(), str::to_string))).collect(),
        Some(_) => return Err(bad("query must be an object")),
    };
    let body = match v.get("body") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(other) => Some(other.to_string()),
    };
    let method = v.get("method").and_then(Value::as_str).unwrap_or("GET").to_ascii_uppercase();
    let req = crate::host::devhost_request(&st, &inst, api, &method, path, query, body);
    let up = match api {
        Api::Ghl => &st.upstreams.ghl,
        Api::Freshsales => &st.upstreams.freshsales,
    };
    let r = up.handle(&req, st.clock.now_ms());
    Ok(Json(json!({ "ok": true, "status": r.status, "headers": r.headers, "body": r.body })))
}

fn ghl_standin_of(st: &AppState) -> Result<&std::sync::Arc<crate::standin::GhlStandIn>, Response> {
    st.standins.as_ref().map(|s| &s.ghl).ok_or_else(|| bad("this devhost runs without the GHL stand-in"))
}

async fn ghl_standin(State(st): St, Query(q): Query<InstallQuery>) -> Reply {
    let inst = required_installation(&q)?;
    let ghl = ghl_standin_of(&st)?;
    Ok(Json(json!({ "ok": true, "spec_violations": ghl.spec_violations(&inst) })))
}

/// `{strict?: bool, allow_duplicates?: bool}`: strict rejects partial task updates (as
/// integrators report the real API does); allow_duplicates lets creates skip the duplicate check.
async fn set_ghl_standin(State(st): St, Query(q): Query<InstallQuery>, Json(v): Json<Value>) -> Reply {
    let inst = required_installation(&q)?;
    let ghl = ghl_standin_of(&st)?;
    for (k, _) in v.as_object().into_iter().flatten() {
        if !matches!(k.as_str(), "strict" | "allow_duplicates") {
            return Err(bad(format!("unknown switch '{k}'")));
        }
    }
    if let Some(b) = v.get("strict").and_then(Value::as_bool) {
        ghl.set_strict(&inst, b);
    }
    if let Some(b) = v.get("allow_duplicates").and_then(Value::as_bool) {
        ghl.set_allow_duplicates(&inst, b);
    }
    Ok(Json(json!({ "ok": true })))
}
