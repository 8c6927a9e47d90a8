//! The endpoints the client shim and the host page call (not the app's business; the shim
//! turns them into the Freshworks `client` surface):
//!
//! - `GET  /__devhost/session?installation=&modal=` → user, host, instance, shim options
//! - `GET  /__devhost/iparams?installation=` → the non-secure iparams
//! - `POST /__devhost/invoke` → `invokeTemplate` (see [`crate::proxy`])
//! - `POST /__devhost/db` → `client.db` (see [`crate::db`])
//! - `POST /__devhost/interface` → `client.interface.trigger`, `client.instance.resize`
//! - `POST /__devhost/smi` → `client.request.invoke` (not available yet)
//! - `GET  /__devhost/page-events?installation=&after=&wait_ms=` → long poll for host-page events
//! - `POST /__devhost/contact-edit` → the host page's contact edit (see [`crate::sync`])
//! - `GET  /__devhost/install/configs?installation=`, `POST /__devhost/install/save?installation=`
//!   → the installation page's `getConfigs` / `postConfigs`

use std::sync::Arc;
use std::time::Duration;

use axum::extract::{DefaultBodyLimit, Query, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::config::ConfirmMode;
use crate::db::{DbError, DbOp};
use crate::interface;
use crate::proxy;
use crate::state::{valid_installation, AppState};

type St = State<Arc<AppState>>;

/// `?installation=` (also accepted as `?install=`).
#[derive(Debug, Deserialize, Default)]
pub struct InstallQuery {
    /// Installation id.
    pub installation: Option<String>,
    /// Alias of `installation`.
    pub install: Option<String>,
}

impl InstallQuery {
    /// The installation id, `demo` by default; `Err` for an invalid id.
    pub fn id(&self) -> Result<String, String> {
        installation_id(self.installation.as_deref().or(self.install.as_deref()))
    }
}

/// Validates an installation id (`demo` when absent).
pub fn installation_id(raw: Option<&str>) -> Result<String, String> {
    let id = raw.unwrap_or("demo");
    if valid_installation(id) {
        Ok(id.to_string())
    } else {
        Err(format!("invalid installation id '{id}'"))
    }
}

fn body_installation(v: &Value) -> Result<String, String> {
    installation_id(v.get("installation").and_then(Value::as_str))
}

fn fail(status: u16, message: impl Into<String>) -> Json<Value> {
    Json(json!({ "ok": false, "status": status, "message": message.into() }))
}

/// The shim-facing routes.
pub fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route("/__devhost/session", get(session))
        .route("/__devhost/iparams", get(iparams))
        // Bodies over the platform's 100 KB must reach the proxy to be rejected as the
        // platform does, not by axum's 2 MB default.
        .route("/__devhost/invoke", post(invoke).layer(DefaultBodyLimit::max(64 * 1024 * 1024)))
        .route("/__devhost/db", post(db))
        .route("/__devhost/interface", post(interface_call))
        .route("/__devhost/smi", post(smi))
        .route("/__devhost/page-events", get(page_events))
        .route("/__devhost/install/configs", get(install_configs))
        .route("/__devhost/install/save", post(install_save))
}

#[derive(Debug, Deserialize)]
struct SessionQuery {
    installation: Option<String>,
    modal: Option<String>,
}

/// The `currentHost` object for an installation.
pub fn current_host(state: &AppState, installation: &str) -> Value {
    let domain = state.with_install(installation, |i| i.iparams.get("fs_domain").and_then(Value::as_str).map(str::to_string));
    let url = format!("https://{}", domain.unwrap_or_else(|| "devhost.myfreshworks.com".into()));
    json!({
        "subscribed_modules": state.config.subscribed_modules,
        "endpoint_urls": { "freshworks_crm": url, "freshsales": url },
    })
}

async fn session(State(st): St, Query(q): Query<SessionQuery>) -> Json<Value> {
    let inst = match installation_id(q.installation.as_deref()) {
        Ok(i) => i,
        Err(e) => return fail(400, e),
    };
    let opts = st.options(&inst);
    let modal = q.modal.as_ref().and_then(|m| st.with_install(&inst, |i| i.modals.get(m).cloned()));
    Json(json!({
        "ok": true,
        "installation": inst,
        "loggedInUser": st.config.logged_in_user,
        "currentHost": current_host(&st, &inst),
        "modal": modal,
        "options": {
            "current_host_wrapped": opts.current_host_wrapped,
            "confirm_mode": opts.confirm_mode,
            "confirm_timeout_ms": opts.confirm_timeout_ms,
            "switch_mode": opts.switch_mode,
        },
    }))
}

async fn iparams(State(st): St, Query(q): Query<InstallQuery>) -> Json<Value> {
    match q.id() {
        Ok(inst) => Json(json!({ "ok": true, "iparams": st.with_install(&inst, |i| i.public_iparams()) })),
        Err(e) => fail(400, e),
    }
}

async fn invoke(State(st): St, Json(v): Json<Value>) -> Json<proxy::Outcome> {
    Json(proxy::invoke(&st, &v).await)
}

async fn db(State(st): St, Json(v): Json<Value>) -> Json<Value> {
    let inst = match body_installation(&v) {
        Ok(i) => i,
        Err(e) => return fail(400, e),
    };
    let opts = st.options(&inst);
    let now = st.clock.now_ms();
    let result = DbOp::from_json(&v).and_then(|op| {
        st.with_install(&inst, |i| {
            if !i.db_ops.try_hit(now, opts.quota_window_ms, opts.db_ops_per_window) {
                return Err(DbError { status: 429, message: "You have exceeded the limit of 50 requests per minute".into() });
            }
            i.db.apply(op, now)
        })
    });
    match result {
        Ok(r) => Json(json!({ "ok": true, "result": r })),
        Err(e) => fail(e.status, e.message),
    }
}

async fn interface_call(State(st): St, Json(v): Json<Value>) -> Json<Value> {
    let inst = match body_installation(&v) {
        Ok(i) => i,
        Err(e) => return fail(400, e),
    };
    let action = v.get("action").and_then(Value::as_str).unwrap_or_default();
    let options = v.get("options").cloned().unwrap_or(Value::Null);
    let instance = v.get("instance").and_then(Value::as_str).unwrap_or("1").to_string();
    let checked = match action {
        "resize" => interface::check_resize(&options),
        "confirmAnswered" => Ok(json!({ "action": action, "answer": options.get("label").cloned().unwrap_or(Value::Null) })),
        _ => interface::check_trigger(action, &options),
    };
    let mut record = match checked {
        Ok(r) => r,
        Err(e) => return fail(400, e),
    };
    record["instance"] = json!(instance);
    let opts = st.options(&inst);
    let now = st.clock.now_ms();
    let mut reply = json!({ "ok": true, "result": { "message": "success" } });
    st.with_install(&inst, |i| {
        match action {
            "showConfirm" => {
                let answer = i.confirm_answers.pop_front().map(|a| confirm_label(&a, &record));
                let answer = match (answer, opts.confirm_mode) {
                    (Some(a), _) => Some(a),
                    (None, ConfirmMode::Auto) => Some(record["saveLabel"].as_str().map_or(Value::Null, |s| json!(s))),
                    (None, ConfirmMode::Manual) => None,
                };
                reply["result"] = match answer {
                    Some(Value::String(label)) => json!({ "message": label }),
                    Some(_) => {
                        reply["timeout"] = json!(true);
                        Value::Null
                    }
                    None => {
                        reply["pending"] = json!(true);
                        Value::Null
                    }
                };
                record["answer"] = reply["result"]["message"].clone();
                reply["confirm_timeout_ms"] = json!(opts.confirm_timeout_ms);
            }
            "showModal" | "showDialog" => {
                let id = format!("{}", i.modals.len() + 1);
                let template = record["template"].as_str().unwrap_or_default().to_string();
                i.modals.insert(id.clone(), json!({ "parentId": instance, "data": record["data"], "title": record["title"] }));
                record["modal_id"] = json!(id);
                reply["url"] = json!(format!("/app/{template}?install={inst}&modal={id}"));
            }
            "resize" => reply["result"] = json!({ "height": record["height"] }),
            _ => {}
        }
        reply["record"] = i.record(now, record);
    });
    Json(reply)
}

/// A queued confirm answer (`save`, `cancel`, `timeout` or `label:<text>`) as the label it
/// picks for this confirm (`null` = time out).
fn confirm_label(answer: &str, record: &Value) -> Value {
    match answer {
        "save" => record["saveLabel"].clone(),
        "cancel" => record["cancelLabel"].clone(),
        "timeout" => Value::Null,
        other => json!(other.strip_prefix("label:").unwrap_or(other)),
    }
}

async fn smi(Json(v): Json<Value>) -> Json<Value> {
    let name = v.get("name").and_then(Value::as_str).unwrap_or_default();
    Json(json!({
        "ok": false,
        "status": 404,
        "message": format!("Requested function not found or registered: '{name}' (devhost has no serverless runner yet)"),
    }))
}

#[derive(Debug, Deserialize)]
struct EventsQuery {
    installation: Option<String>,
    after: Option<u64>,
    wait_ms: Option<u64>,
}

async fn page_events(State(st): St, Query(q): Query<EventsQuery>) -> Json<Value> {
    let inst = match installation_id(q.installation.as_deref()) {
        Ok(i) => i,
        Err(e) => return fail(400, e),
    };
    let after = q.after.unwrap_or(0);
    let deadline = tokio::time::Instant::now() + Duration::from_millis(q.wait_ms.unwrap_or(25_000).min(30_000));
    loop {
        let notified = st.page_events.notified();
        tokio::pin!(notified);
        notified.as_mut().enable();
        let events: Vec<_> = st.with_install(&inst, |i| i.page_events.iter().filter(|e| e.seq > after).cloned().collect());
        if !events.is_empty() {
            return Json(json!({ "ok": true, "events": events }));
        }
        if tokio::time::timeout_at(deadline, notified).await.is_err() {
            return Json(json!({ "ok": true, "events": [] }));
        }
    }
}

async fn install_configs(State(st): St, Query(q): Query<InstallQuery>) -> Json<Value> {
    match q.id() {
        Ok(inst) => Json(st.with_install(&inst, |i| json!({ "ok": true, "configs": i.public_iparams(), "saved": i.saved }))),
        Err(e) => fail(400, e),
    }
}

async fn install_save(State(st): St, Query(q): Query<InstallQuery>, Json(v): Json<Value>) -> Json<Value> {
    let inst = match q.id() {
        Ok(i) => i,
        Err(e) => return fail(400, e),
    };
    let Some(Value::Object(mut values)) = v.get("values").cloned() else { return fail(400, "'values' must be an object") };
    let meta_secure: Vec<String> = values
        .remove("__meta")
        .and_then(|m| m.get("secure").cloned())
        .and_then(|s| serde_json::from_value(s).ok())
        .unwrap_or_default();
    st.with_install(&inst, |i| {
        i.iparams = values;
        i.secure.extend(meta_secure);
        i.saved = true;
    });
    Json(json!({ "ok": true }))
}
