//! The Freshsales Suite stand-in: the contact read and update, note creation, task create and
//! update (for the host page's task form) and the saved views list, per installation, with
//! `Authorization: Token token=<key>` checked and the account's hourly quota (1,000 requests)
//! enforced.
//!
//! Contacts are stored with their `sales_accounts` (the `include=sales_accounts` form); a
//! read without that include leaves them out, as the API does. Every timestamp the stand-in
//! writes carries the account's offset (`-05:00`), and every id it makes is a large integer.

use std::collections::VecDeque;

use ghl_bridge::catalog::{self, Api};
use serde_json::{json, Map, Value};

use super::seed::Seed;
use super::time::fs_timestamp;
use super::{ids, Installations, StandInConfig};
use crate::upstream::{ContactSummary, Upstream, UpstreamRequest, UpstreamResponse, DEVHOST_TEMPLATE};

/// Requests per hour per account (the Growth plan's quota).
pub const HOURLY_MAX: usize = 1_000;
const HOUR_MS: i64 = 3_600_000;

/// One installation's Freshsales account.
#[derive(Debug, Clone)]
pub struct FsState {
    /// The account's offset, minutes east of UTC.
    pub offset_minutes: i32,
    /// Contacts with their `sales_accounts`.
    pub contacts: Vec<Value>,
    /// Notes, each with `targetable_type` and `targetable_id`.
    pub notes: Vec<Value>,
    /// Tasks, each with `targetable_type` and `targetable_id`.
    pub tasks: Vec<Value>,
    /// Saved contact views.
    pub filters: Vec<Value>,
    /// The user the API key belongs to (author of what the app writes).
    pub user_id: u64,
    hour: VecDeque<i64>,
    counter: u64,
}

impl FsState {
    /// A state from a seed.
    pub fn from_seed(seed: &Seed) -> Self {
        let user_id = seed.freshsales.contacts.iter().find_map(|c| c["owner_id"].as_u64()).unwrap_or(70_000_012_345);
        FsState {
            offset_minutes: seed.fs_offset_minutes(),
            contacts: seed.freshsales.contacts.clone(),
            notes: seed.freshsales.notes.clone(),
            tasks: seed.freshsales.tasks.clone(),
            filters: seed.freshsales.filters.clone(),
            user_id,
            hour: VecDeque::new(),
            counter: 0,
        }
    }

    /// The state as JSON (for the control API).
    pub fn to_json(&self) -> Value {
        json!({
            "utcOffsetMinutes": self.offset_minutes,
            "contacts": self.contacts,
            "notes": self.notes,
            "tasks": self.tasks,
            "filters": self.filters,
            "rateLimit": { "hourUsed": self.hour.len(), "hourMax": HOURLY_MAX },
        })
    }

    /// A contact's notes, oldest first.
    pub fn notes_of(&self, contact_id: u64) -> Vec<Value> {
        attached(&self.notes, contact_id)
    }

    /// A contact's tasks.
    pub fn tasks_of(&self, contact_id: u64) -> Vec<Value> {
        attached(&self.tasks, contact_id)
    }

    fn next_id(&mut self) -> u64 {
        self.counter += 1;
        ids::fs_id(self.counter)
    }

    fn now(&self, now_ms: i64) -> String {
        fs_timestamp(now_ms, self.offset_minutes)
    }
}

fn attached(items: &[Value], contact_id: u64) -> Vec<Value> {
    items.iter().filter(|n| n["targetable_type"] == "Contact" && n["targetable_id"].as_u64() == Some(contact_id)).cloned().collect()
}

type Reply = Result<(u16, Value), (u16, Value)>;

fn error(status: u16, message: impl Into<String>) -> (u16, Value) {
    (status, json!({ "errors": { "code": status, "message": [message.into()] } }))
}

/// Answers one request; all it reads and changes is `state`.
pub fn handle(state: &mut FsState, api_key: &str, req: &UpstreamRequest, now_ms: i64) -> UpstreamResponse {
    while state.hour.front().is_some_and(|t| *t <= now_ms - HOUR_MS) {
        state.hour.pop_front();
    }
    let counted = req.template != DEVHOST_TEMPLATE;
    let (status, body) = if counted && state.hour.len() >= HOURLY_MAX {
        error(429, "You have exceeded the limit of requests per hour")
    } else {
        if counted {
            state.hour.push_back(now_ms);
        }
        dispatch(state, api_key, req, now_ms).unwrap_or_else(|e| e)
    };
    UpstreamResponse::json(status, &body)
}

fn dispatch(state: &mut FsState, api_key: &str, req: &UpstreamRequest, now_ms: i64) -> Reply {
    let key = req.header("Authorization").and_then(|a| a.trim().strip_prefix("Token token=")).map(str::trim);
    if key != Some(api_key) {
        return Err(error(401, "Incorrect or expired API key"));
    }
    if let Some(r) = task_route(state, req, now_ms) {
        return r;
    }
    let Some((e, params)) = catalog::route(Api::Freshsales, &req.method, &req.path) else {
        return Err(error(404, format!("No route matches {} {}", req.method.to_ascii_uppercase(), req.path)));
    };
    let id_param = || -> Result<u64, (u16, Value)> {
        let raw = params.iter().find(|(k, _)| *k == "id").map(|(_, v)| v.trim_end_matches(".json").to_string()).unwrap_or_default();
        raw.parse().map_err(|_| error(404, "Contact not found"))
    };
    let body = || -> Result<Value, (u16, Value)> {
        let text = req.body.as_deref().unwrap_or("").trim();
        serde_json::from_str(text).map_err(|_| error(400, "Invalid JSON in request body"))
    };
    let includes: Vec<String> = req.query_param("include").unwrap_or("").split(',').map(|s| s.trim().to_string()).collect();
    match e.operation {
        "fs-get-contact" => {
            let i = contact_index(state, id_param()?)?;
            Ok((200, json!({ "contact": view(&state.contacts[i], &includes) })))
        }
        "fs-update-contact" => {
            let i = contact_index(state, id_param()?)?;
            let body = body()?;
            let fields = body.get("contact").unwrap_or(&body).as_object().cloned().ok_or_else(|| error(400, "contact must be an object"))?;
            update_contact(state, i, &fields, now_ms)?;
            Ok((200, json!({ "contact": view(&state.contacts[i], &includes) })))
        }
        "fs-create-note" => {
            let body = body()?;
            let note = body.get("note").unwrap_or(&body);
            create_note(state, note, now_ms)
        }
        "fs-list-contact-filters" => Ok((200, json!({ "filters": state.filters }))),
        "fs-create-contact" => {
            let body = body()?;
            let fields = body.get("contact").unwrap_or(&body).as_object().cloned().ok_or_else(|| error(400, "contact must be an object"))?;
            let id = state.next_id();
            let now = state.now(now_ms);
            state.contacts.push(json!({ "id": id, "created_at": now, "updated_at": now, "emails": [], "custom_field": {} }));
            let i = state.contacts.len() - 1;
            if let Err(e) = update_contact(state, i, &fields, now_ms) {
                state.contacts.pop();
                return Err(e);
            }
            Ok((201, json!({ "contact": view(&state.contacts[i], &includes) })))
        }
        "fs-list-contacts" => Ok((200, list_contacts(state, req))),
        "fs-list-contact-notes" => {
            let id = id_param()?;
            contact_index(state, id)?;
            let users = if includes.iter().any(|i| i == "creater") { json!([{ "id": state.user_id, "display_name": "Dana Devhost" }]) } else { json!([]) };
            Ok((200, json!({ "notes": state.notes_of(id), "users": users })))
        }
        other => Err(error(404, format!("devhost: the Freshsales stand-in does not implement {other}"))),
    }
}

/// One page of the contacts view, newest change first (`sort=updated_at&sort_type=desc`;
/// every view lists every contact here).
fn list_contacts(state: &FsState, req: &UpstreamRequest) -> Value {
    let num = |k: &str, d: usize| req.query_param(k).and_then(|v| v.trim().parse().ok()).unwrap_or(d);
    let (page, per_page) = (num("page", 1).max(1), num("per_page", 25).clamp(1, 100));
    let at = |c: &Value| c["updated_at"].as_str().and_then(ghl_bridge::datetime::Instant::parse).map_or(0, |i| i.0);
    let mut live: Vec<&Value> = state.contacts.iter().filter(|c| c["is_deleted"] != true).collect();
    live.sort_by(|a, b| at(b).cmp(&at(a)).then(b["id"].as_u64().cmp(&a["id"].as_u64())));
    let total = live.len();
    let contacts: Vec<Value> = live.into_iter().skip((page - 1) * per_page).take(per_page).map(|c| view(c, &[])).collect();
    json!({ "contacts": contacts, "meta": { "total_pages": total.div_ceil(per_page), "total": total } })
}

fn contact_index(state: &FsState, id: u64) -> Result<usize, (u16, Value)> {
    state
        .contacts
        .iter()
        .position(|c| c["id"].as_u64() == Some(id) && c["is_deleted"] != true)
        .ok_or_else(|| error(404, "Contact not found"))
}

/// A stored contact as the API returns it: `sales_accounts` only when included.
fn view(c: &Value, includes: &[String]) -> Value {
    let mut c = c.clone();
    if !includes.iter().any(|i| i == "sales_accounts") {
        c.as_object_mut().map(|o| o.remove("sales_accounts"));
    }
    c
}

fn update_contact(state: &mut FsState, i: usize, fields: &Map<String, Value>, now_ms: i64) -> Result<(), (u16, Value)> {
    let own_id = state.contacts[i]["id"].as_u64();
    let mut new_emails: Vec<String> = fields.get("email").and_then(Value::as_str).into_iter().map(str::to_string).collect();
    new_emails.extend(fields.get("emails").and_then(Value::as_array).into_iter().flatten().filter(|e| e["_destroy"] != true).filter_map(|e| e["value"].as_str().map(str::to_string)));
    for email in new_emails.iter().filter(|e| !e.trim().is_empty()) {
        let taken = state.contacts.iter().any(|c| {
            c["id"].as_u64() != own_id
                && c["is_deleted"] != true
                && (c["email"].as_str().is_some_and(|x| x.eq_ignore_ascii_case(email.trim()))
                    || c["emails"].as_array().into_iter().flatten().any(|x| x["value"].as_str().is_some_and(|x| x.eq_ignore_ascii_case(email.trim()))))
        });
        if taken {
            return Err(error(400, "Email has already been taken"));
        }
    }
    let known_accounts: Vec<Value> = state.contacts.iter().flat_map(|c| c["sales_accounts"].as_array().cloned().unwrap_or_default()).collect();
    let emails_given = fields.get("emails").and_then(Value::as_array).cloned();
    let c = &mut state.contacts[i];
    for (k, v) in fields {
        match k.as_str() {
            "id" | "emails" | "email" | "custom_field" | "sales_accounts" => {}
            _ => c[k.as_str()] = v.clone(),
        }
    }
    if let Some(cf) = fields.get("custom_field").and_then(Value::as_object) {
        if !c["custom_field"].is_object() {
            c["custom_field"] = json!({});
        }
        for (k, v) in cf {
            c["custom_field"][k.as_str()] = v.clone();
        }
    }
    if let Some(list) = emails_given {
        let mut emails: Vec<Value> = Vec::new();
        for e in list.iter().filter(|e| e["_destroy"] != true) {
            emails.push(json!({ "id": e["id"], "value": e["value"], "is_primary": e["is_primary"] == true, "label": e.get("label").cloned().unwrap_or(Value::Null), "_destroy": false }));
        }
        if !emails.is_empty() && !emails.iter().any(|e| e["is_primary"] == true) {
            emails[0]["is_primary"] = json!(true);
        }
        c["email"] = emails.iter().find(|e| e["is_primary"] == true).map_or(Value::Null, |e| e["value"].clone());
        c["emails"] = json!(emails);
    }
    if let Some(email) = fields.get("email") {
        c["email"] = email.clone();
        let mut emails: Vec<Value> = c["emails"].as_array().cloned().unwrap_or_default();
        emails.retain(|e| e["is_primary"] != true);
        if let Some(v) = email.as_str().filter(|v| !v.trim().is_empty()) {
            emails.insert(0, json!({ "id": Value::Null, "value": v, "is_primary": true, "label": Value::Null, "_destroy": false }));
        }
        c["emails"] = json!(emails);
    }
    if let Some(list) = fields.get("sales_accounts").and_then(Value::as_array) {
        let accounts: Vec<Value> = list
            .iter()
            .map(|a| {
                let known = known_accounts.iter().find(|k| k["id"] == a["id"]).cloned().unwrap_or_else(|| json!({ "id": a["id"], "partial": true }));
                let mut out = known;
                out["is_primary"] = json!(a["is_primary"] == true);
                out
            })
            .collect();
        c["sales_accounts"] = json!(accounts);
    }
    if fields.contains_key("first_name") || fields.contains_key("last_name") {
        let name = [c["first_name"].as_str(), c["last_name"].as_str()].into_iter().flatten().filter(|s| !s.trim().is_empty()).collect::<Vec<_>>().join(" ");
        c["display_name"] = if name.is_empty() { c["email"].clone() } else { json!(name) };
    }
    let stamp = fs_timestamp(now_ms, state.offset_minutes);
    state.contacts[i]["updated_at"] = json!(stamp);
    // New email rows get ids.
    let missing = state.contacts[i]["emails"].as_array().map_or(0, |l| l.iter().filter(|e| e["id"].is_null()).count());
    let fresh: Vec<u64> = (0..missing).map(|_| state.next_id()).collect();
    if let Some(list) = state.contacts[i]["emails"].as_array_mut() {
        for (e, id) in list.iter_mut().filter(|e| e["id"].is_null()).zip(fresh) {
            e["id"] = json!(id);
        }
    }
    Ok(())
}

fn create_note(state: &mut FsState, note: &Value, now_ms: i64) -> Reply {
    let description = note["description"].as_str().unwrap_or("");
    if description.trim().is_empty() {
        return Err(error(400, "Description can't be blank"));
    }
    if note["targetable_type"] != "Contact" {
        return Err(error(400, "Targetable type is invalid"));
    }
    let target = match &note["targetable_id"] {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    };
    let Some(target) = target.filter(|t| contact_index(state, *t).is_ok()) else {
        return Err(error(404, "Targetable not found"));
    };
    let id = state.next_id();
    let now = state.now(now_ms);
    let stored = json!({
        "id": id,
        "description": description,
        "targetable_type": "Contact",
        "targetable_id": target,
        "creater_id": state.user_id,
        "created_at": now,
        "updated_at": now,
    });
    state.notes.push(stored.clone());
    Ok((201, json!({ "note": stored })))
}

/// `POST /crm/sales/api/tasks` and `PUT /crm/sales/api/tasks/:id` (`{"task": {title,
/// due_date, status, targetable_type, targetable_id}}`): not in the catalog, since the app
/// never writes Freshsales tasks; the host page's task form uses them, as a user would.
fn task_route(state: &mut FsState, req: &UpstreamRequest, now_ms: i64) -> Option<Reply> {
    let id = match (req.method.to_ascii_uppercase().as_str(), req.path.trim_end_matches('/')) {
        ("POST", "/crm/sales/api/tasks") => None,
        ("PUT", p) => Some(p.strip_prefix("/crm/sales/api/tasks/")?.parse::<u64>().ok()?),
        _ => return None,
    };
    let body: Value = match serde_json::from_str(req.body.as_deref().unwrap_or("")) {
        Ok(b) => b,
        Err(_) => return Some(Err(error(400, "Invalid JSON in request body"))),
    };
    Some(save_task(state, id, body.get("task").unwrap_or(&body), now_ms))
}

/// Creates (`id` none) or updates a contact's task; `status` is 0 (open) or 1 (completed).
fn save_task(state: &mut FsState, id: Option<u64>, task: &Value, now_ms: i64) -> Reply {
    let title = task["title"].as_str().unwrap_or("").trim();
    if title.is_empty() {
        return Err(error(400, "Title can't be blank"));
    }
    if task["targetable_type"] != "Contact" {
        return Err(error(400, "Targetable type is invalid"));
    }
    let target = task["targetable_id"].as_u64().or_else(|| task["targetable_id"].as_str()?.trim().parse().ok());
    let Some(target) = target.filter(|t| contact_index(state, *t).is_ok()) else {
        return Err(error(404, "Targetable not found"));
    };
    let due = match &task["due_date"] {
        Value::Null => Value::Null,
        Value::String(d) => match ghl_bridge::datetime::Instant::parse(d) {
            Some(at) => json!(fs_timestamp(at.0, state.offset_minutes)),
            None => return Err(error(400, "Due date is invalid")),
        },
        _ => return Err(error(400, "Due date is invalid")),
    };
    let done = match &task["status"] {
        Value::Null => false,
        s if s == 0 || s == 1 => s == 1,
        _ => return Err(error(400, "Status is invalid")),
    };
    let now = state.now(now_ms);
    let i = match id {
        Some(id) => match state.tasks.iter().position(|t| t["id"].as_u64() == Some(id) && t["is_deleted"] != true) {
            Some(i) => i,
            None => return Err(error(404, "Task not found")),
        },
        None => {
            let id = state.next_id();
            let user = state.user_id;
            state.tasks.push(json!({ "id": id, "description": null, "status": 0, "completed_date": null, "is_deleted": false, "owner_id": user, "creater_id": user, "created_at": now }));
            state.tasks.len() - 1
        }
    };
    let user = state.user_id;
    let t = &mut state.tasks[i];
    if done != (t["status"] == 1) {
        t["completed_date"] = if done { json!(now) } else { Value::Null };
    }
    t["title"] = json!(title);
    t["due_date"] = due;
    t["status"] = json!(u8::from(done));
    t["targetable_type"] = json!("Contact");
    t["targetable_id"] = json!(target);
    t["updater_id"] = json!(user);
    t["updated_at"] = json!(now);
    Ok((if id.is_none() { 201 } else { 200 }, json!({ "task": t.clone() })))
}

/// The Freshsales stand-in: one [`FsState`] per installation, cloned from the seed on first
/// use.
pub struct FreshsalesStandIn {
    api_key: String,
    states: Installations<FsState>,
}

impl FreshsalesStandIn {
    /// From a seed and the expected API key.
    pub fn new(seed: &Seed, config: &StandInConfig) -> Self {
        FreshsalesStandIn { api_key: config.fs_api_key.clone(), states: Installations::new(FsState::from_seed(seed)) }
    }

    /// Runs `f` on an installation's state (tests, the control API).
    pub fn with_state<R>(&self, installation: &str, f: impl FnOnce(&mut FsState) -> R) -> R {
        self.states.with(installation, f)
    }

    /// The installation's contacts as the API returns them with `include=sales_accounts`.
    pub fn fs_contacts(&self, installation: &str) -> Vec<Value> {
        self.with_state(installation, |s| s.contacts.iter().filter(|c| c["is_deleted"] != true).cloned().collect())
    }

    /// The notes on a contact, oldest first (what the app wrote, and the seeded ones).
    pub fn notes_of(&self, installation: &str, contact_id: u64) -> Vec<Value> {
        self.with_state(installation, |s| s.notes_of(contact_id))
    }

    /// The tasks on a contact.
    pub fn tasks_of(&self, installation: &str, contact_id: u64) -> Vec<Value> {
        self.with_state(installation, |s| s.tasks_of(contact_id))
    }
}

impl Upstream for FreshsalesStandIn {
    fn handle(&self, req: &UpstreamRequest, now_ms: i64) -> UpstreamResponse {
        self.states.with(&req.installation, |s| handle(s, &self.api_key, req, now_ms))
    }

    fn state(&self, installation: &str) -> Value {
        self.with_state(installation, |s| s.to_json())
    }

    fn reset(&self, installation: Option<&str>) {
        self.states.reset(installation);
    }

    fn contacts(&self, installation: &str) -> Vec<ContactSummary> {
        self.fs_contacts(installation)
            .iter()
            .map(|c| {
                let id = c["id"].as_u64().map(|i| i.to_string()).unwrap_or_default();
                let name = c["display_name"].as_str().map(str::to_string).unwrap_or_else(|| {
                    [c["first_name"].as_str(), c["last_name"].as_str()].into_iter().flatten().collect::<Vec<_>>().join(" ")
                });
                ContactSummary { id, name }
            })
            .collect()
    }
}
