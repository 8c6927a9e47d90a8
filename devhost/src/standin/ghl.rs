//! The GHL Contacts v2 stand-in: stateful, per installation, behaving as
//! `research/ghl-api.md` documents the real API.
//!
//! Every request passes, in order: the burst and daily rate limits (429 past 100 requests per
//! 10 s), the Bearer token (401), the `Version` header (400 when missing), the route (through
//! the catalog), the location (403), and the official spec's request schema (422 with a
//! message array). A request that fails the spec is also a *spec violation*: logged with the
//! prefix `SPEC VIOLATION` and kept per installation for the control API, because the app
//! should never send one.

use std::collections::VecDeque;

use ghl_bridge::catalog::{self, Api, Endpoint};
use ghl_bridge::datetime::Instant;
use serde_json::{json, Map, Value};

use super::seed::Seed;
use super::time::ghl_timestamp;
use super::{ids, spec_check, Installations, StandInConfig};
use crate::upstream::{Upstream, UpstreamRequest, UpstreamResponse, DEVHOST_TEMPLATE};

/// Burst window length.
pub const WINDOW_MS: i64 = 10_000;
/// Requests allowed per window and location.
pub const WINDOW_MAX: usize = 100;
/// Requests allowed per day and location.
pub const DAILY_MAX: u64 = 200_000;
/// The only `Version` the Contacts v2 spec allows.
pub const VERSION: &str = "2021-07-28";

const DAY_MS: i64 = 86_400_000;

/// One installation's GHL world.
#[derive(Debug, Clone)]
pub struct GhlState {
    /// The location the token has access to.
    pub location_id: String,
    /// The location's "Allow Duplicate Contact" setting.
    pub allow_duplicates: bool,
    /// Reject partial task updates (PUT task without title, body, dueDate and completed).
    pub strict: bool,
    /// Contacts as GET returns them, oldest first.
    pub contacts: Vec<Value>,
    /// Ids of deleted contacts.
    pub deleted: Vec<String>,
    /// Tasks (each with `contactId`).
    pub tasks: Vec<Value>,
    /// Notes (each with `contactId`).
    pub notes: Vec<Value>,
    /// Appointments (each with `contactId`).
    pub appointments: Vec<Value>,
    /// Requests that failed the spec, newest last.
    pub spec_violations: Vec<Value>,
    window: VecDeque<i64>,
    day: i64,
    day_used: u64,
    counter: u64,
}

impl GhlState {
    /// A state from a seed, its GHL objects moved to `location_id`.
    pub fn from_seed(seed: &Seed, location_id: &str) -> Self {
        let relocate = |items: &[Value]| -> Vec<Value> {
            items
                .iter()
                .cloned()
                .map(|mut v| {
                    if v.get("locationId").is_some() {
                        v["locationId"] = json!(location_id);
                    }
                    v
                })
                .collect()
        };
        GhlState {
            location_id: location_id.to_string(),
            allow_duplicates: seed.ghl.allow_duplicate_contacts,
            strict: false,
            contacts: relocate(&seed.ghl.contacts),
            deleted: seed.ghl.deleted_contact_ids.clone(),
            tasks: seed.ghl.tasks.clone(),
            notes: seed.ghl.notes.clone(),
            appointments: relocate(&seed.ghl.appointments),
            spec_violations: Vec::new(),
            window: VecDeque::new(),
            day: 0,
            day_used: 0,
            counter: 0,
        }
    }

    /// The state as JSON (for the control API).
    pub fn to_json(&self) -> Value {
        json!({
            "locationId": self.location_id,
            "allowDuplicates": self.allow_duplicates,
            "strict": self.strict,
            "contacts": self.contacts,
            "deletedContactIds": self.deleted,
            "tasks": self.tasks,
            "notes": self.notes,
            "appointments": self.appointments,
            "specViolations": self.spec_violations,
            "rateLimit": { "windowUsed": self.window.len(), "dailyUsed": self.day_used },
        })
    }

    /// A contact by id (live ones only).
    pub fn contact(&self, id: &str) -> Option<&Value> {
        self.contacts.iter().find(|c| c["id"] == id)
    }

    fn next_id(&mut self) -> String {
        self.counter += 1;
        ids::ghl_id(self.counter)
    }

    /// Admits a request against the burst and daily limits; returns whether it may proceed
    /// and the `X-RateLimit-*` headers to send either way.
    fn admit(&mut self, now_ms: i64, counted: bool) -> (bool, Vec<(String, String)>) {
        while self.window.front().is_some_and(|t| *t <= now_ms - WINDOW_MS) {
            self.window.pop_front();
        }
        let day = now_ms.div_euclid(DAY_MS);
        if day != self.day {
            self.day = day;
            self.day_used = 0;
        }
        let ok = !counted || (self.window.len() < WINDOW_MAX && self.day_used < DAILY_MAX);
        if ok && counted {
            self.window.push_back(now_ms);
            self.day_used += 1;
        }
        let headers = vec![
            ("X-RateLimit-Limit-Daily".to_string(), DAILY_MAX.to_string()),
            ("X-RateLimit-Daily-Remaining".to_string(), DAILY_MAX.saturating_sub(self.day_used).to_string()),
            ("X-RateLimit-Interval-Milliseconds".to_string(), WINDOW_MS.to_string()),
            ("X-RateLimit-Max".to_string(), WINDOW_MAX.to_string()),
            ("X-RateLimit-Remaining".to_string(), WINDOW_MAX.saturating_sub(self.window.len()).to_string()),
        ];
        (ok, headers)
    }
}

/// A reply: status and JSON body. Errors travel as `Err` so handlers can use `?`.
type Reply = Result<(u16, Value), (u16, Value)>;

fn error(status: u16, message: impl Into<Value>) -> (u16, Value) {
    let mut body = json!({ "statusCode": status, "message": message.into() });
    let name = match status {
        400 => Some("Bad Request"),
        401 => Some("Unauthorized"),
        404 => Some("Not Found"),
        422 => Some("Unprocessable Entity"),
        429 => Some("Too Many Requests"),
        _ => None,
    };
    if let (Some(n), true) = (name, status != 400 && status != 403) {
        body["error"] = json!(n);
    }
    (status, body)
}

fn not_found(contact_id: &str) -> (u16, Value) {
    error(400, format!("Contact with id {contact_id} not found"))
}

fn unprocessable(messages: Vec<String>) -> (u16, Value) {
    error(422, Value::from(messages))
}

/// Answers one request. Pure apart from the `SPEC VIOLATION` log line: all it reads and
/// changes is `state`.
pub fn handle(state: &mut GhlState, installation: &str, token: &str, req: &UpstreamRequest, now_ms: i64) -> UpstreamResponse {
    state.counter += 1;
    let trace = ids::trace_id(state.counter, now_ms);
    let (ok, rate_headers) = state.admit(now_ms, req.template != DEVHOST_TEMPLATE);
    let (status, mut body) = if ok {
        dispatch(state, installation, token, req, now_ms).unwrap_or_else(|e| e)
    } else {
        error(429, "Too Many Requests")
    };
    if let Some(obj) = body.as_object_mut() {
        obj.insert("traceId".into(), json!(trace));
    }
    if (200..300).contains(&status) {
        if let Some((e, _)) = catalog::route(Api::Ghl, &req.method, &req.path) {
            if let Err(msgs) = spec_check::validate_response(e.operation, status, &body) {
                eprintln!("STAND-IN DRIFT [{installation}] {} {status}: {}", e.operation, msgs.join("; "));
            }
        }
    }
    let mut resp = UpstreamResponse::json(status, &body);
    resp.headers.extend(rate_headers);
    resp
}

fn violation(state: &mut GhlState, installation: &str, req: &UpstreamRequest, op: Option<&str>, messages: &[String], now_ms: i64) {
    eprintln!("SPEC VIOLATION [{installation}] template {} → {} {}: {}", req.template, req.method, req.path, messages.join("; "));
    let body = req.body.as_deref().map(|b| serde_json::from_str(b).unwrap_or_else(|_| json!(b)));
    state.spec_violations.push(json!({
        "at": now_ms,
        "template": req.template,
        "operation": op,
        "method": req.method,
        "path": req.path,
        "query": req.query.iter().map(|(k, v)| json!([k, v])).collect::<Vec<_>>(),
        "messages": messages,
        "body": body,
    }));
}

fn dispatch(state: &mut GhlState, installation: &str, token: &str, req: &UpstreamRequest, now_ms: i64) -> Reply {
    let bearer = req.header("Authorization").and_then(|a| a.trim().strip_prefix("Bearer ").or_else(|| a.trim().strip_prefix("bearer ")));
    if bearer.map(str::trim) != Some(token) {
        return Err(error(401, "Invalid token: access token is invalid"));
    }
    match req.header("Version").map(str::trim) {
        None | Some("") => {
            let msg = "version header was not found".to_string();
            violation(state, installation, req, None, &[msg.clone()], now_ms);
            return Err(error(400, msg));
        }
        Some(VERSION) => {}
        Some(other) => {
            // The spec's enum allows one value; the live API is lenient, so only report it.
            let msg = format!("Version header {other:?} is not the spec's {VERSION:?}");
            violation(state, installation, req, None, &[msg], now_ms);
        }
    }
    let Some((e, params)) = catalog::route(Api::Ghl, &req.method, &req.path) else {
        let msg = format!("Cannot {} {}", req.method.to_ascii_uppercase(), req.path);
        violation(state, installation, req, None, &[format!("no such operation in the spec: {msg}")], now_ms);
        return Err(error(404, msg));
    };
    if !e.shipped {
        return Err(error(501, format!("devhost: the GHL stand-in does not implement {} (the app ships no template for it)", e.operation)));
    }
    let param = |name: &str| params.iter().find(|(k, _)| *k == name).map(|(_, v)| v.clone()).unwrap_or_default();
    let body = parse_body(state, installation, req, e, now_ms)?;
    // Location scoping, before validation (a guard runs before the validation pipe).
    let location = body.get("locationId").and_then(Value::as_str).map(str::to_string).or_else(|| req.query_param("locationId").map(str::to_string));
    if let Some(loc) = location {
        if loc != state.location_id {
            return Err(error(403, "The token does not have access to this location."));
        }
    }
    let mut problems = Vec::new();
    for q in e.query.iter().filter(|q| q.required) {
        if req.query_param(q.name).is_none_or(|v| v.trim().is_empty()) {
            problems.push(format!("{} should not be empty", q.name));
        }
    }
    if e.body != catalog::Body::None {
        if let Err(msgs) = spec_check::validate_request(e.operation, &body) {
            problems.extend(msgs);
        }
    }
    if !problems.is_empty() {
        violation(state, installation, req, Some(e.operation), &problems, now_ms);
        return Err(unprocessable(problems));
    }
    operate(state, e, &param, &body, req, now_ms)
}

/// The request body as JSON (`{}`-less operations get `Null`). Malformed JSON is a 400 and a
/// spec violation.
fn parse_body(state: &mut GhlState, installation: &str, req: &UpstreamRequest, e: &Endpoint, now_ms: i64) -> Result<Value, (u16, Value)> {
    if e.body == catalog::Body::None {
        return Ok(Value::Null);
    }
    let text = req.body.as_deref().unwrap_or("").trim();
    if text.is_empty() {
        return Ok(Value::Null);
    }
    if !req.header("Content-Type").is_some_and(|t| t.to_ascii_lowercase().contains("application/json")) {
        // The API's body parser leaves a body it was not told is JSON unread.
        let msg = "Content-Type application/json is missing, so the API would not read the body".to_string();
        violation(state, installation, req, Some(e.operation), &[msg], now_ms);
        return Ok(Value::Null);
    }
    serde_json::from_str(text).map_err(|err| {
        let msg = format!("Unexpected token in JSON: {err}");
        violation(state, installation, req, Some(e.operation), &[msg.clone()], now_ms);
        error(400, msg)
    })
}

fn operate(state: &mut GhlState, e: &Endpoint, param: &dyn Fn(&str) -> String, body: &Value, req: &UpstreamRequest, now_ms: i64) -> Reply {
    match e.operation {
        "get-contact" => {
            let c = live_contact(state, &param("contactId"))?;
            Ok((200, json!({ "contact": c })))
        }
        "update-contact" => update_contact(state, &param("contactId"), body, now_ms),
        "delete-contact" => {
            let id = param("contactId");
            live_contact(state, &id)?;
            state.contacts.retain(|c| c["id"] != id.as_str());
            state.tasks.retain(|t| t["contactId"] != id.as_str());
            state.notes.retain(|n| n["contactId"] != id.as_str());
            state.appointments.retain(|a| a["contactId"] != id.as_str());
            state.deleted.push(id);
            Ok((200, json!({ "succeded": true })))
        }
        "create-contact" => create_contact(state, body, now_ms),
        "upsert-contact" => upsert_contact(state, body, now_ms),
        "search-contacts-advanced" => search(state, body),
        "get-duplicate-contact" => duplicate_search(state, req),
        "get-contacts-by-businessId" => by_business(state, &param("businessId"), req),
        "get-contacts" => list_contacts(state, req),
        "get-all-tasks" => {
            let id = param("contactId");
            live_contact(state, &id)?;
            Ok((200, json!({ "tasks": items_of(&state.tasks, &id) })))
        }
        "get-task" => {
            let (_, i) = task_index(state, &param("contactId"), &param("taskId"))?;
            Ok((200, json!({ "task": state.tasks[i] })))
        }
        "create-task" => create_task(state, &param("contactId"), body),
        "update-task" => update_task(state, &param("contactId"), &param("taskId"), body),
        "update-task-completed" => {
            let (_, i) = task_index(state, &param("contactId"), &param("taskId"))?;
            state.tasks[i]["completed"] = body["completed"].clone();
            Ok((200, json!({ "task": state.tasks[i] })))
        }
        "delete-task" => {
            let (_, i) = task_index(state, &param("contactId"), &param("taskId"))?;
            state.tasks.remove(i);
            Ok((200, json!({ "succeded": true })))
        }
        "get-appointments-for-contact" => {
            let id = param("contactId");
            live_contact(state, &id)?;
            let mut events = items_of(&state.appointments, &id);
            events.sort_by(|a, b| a["startTime"].as_str().cmp(&b["startTime"].as_str()));
            Ok((200, json!({ "events": events })))
        }
        "add-tags" | "remove-tags" => {
            let i = contact_index(state, &param("contactId"))?;
            let given = tag_list(&body["tags"]);
            let mut tags = tag_list(&state.contacts[i]["tags"]);
            if e.operation == "add-tags" {
                tags.extend(given);
                tags = tag_list(&json!(tags));
            } else {
                tags.retain(|t| !given.contains(t));
            }
            state.contacts[i]["tags"] = json!(tags);
            state.contacts[i]["dateUpdated"] = json!(ghl_timestamp(now_ms));
            Ok((if e.operation == "add-tags" { 201 } else { 200 }, json!({ "tags": tags })))
        }
        "get-all-notes" => {
            let id = param("contactId");
            live_contact(state, &id)?;
            let mut notes = items_of(&state.notes, &id);
            notes.sort_by(|a, b| b["dateAdded"].as_str().cmp(&a["dateAdded"].as_str()));
            Ok((200, json!({ "notes": notes })))
        }
        "get-note" => {
            let (_, i) = note_index(state, &param("contactId"), &param("id"))?;
            Ok((200, json!({ "note": state.notes[i] })))
        }
        "create-note" => {
            let contact_id = param("contactId");
            live_contact(state, &contact_id)?;
            let mut note = json!({ "id": state.next_id() });
            copy_fields(&mut note, body, &["body", "userId", "title", "color", "pinned"]);
            note["dateAdded"] = json!(ghl_timestamp(now_ms));
            note["contactId"] = json!(contact_id);
            state.notes.push(note.clone());
            Ok((201, json!({ "note": note })))
        }
        "update-note" => {
            let (_, i) = note_index(state, &param("contactId"), &param("id"))?;
            copy_fields(&mut state.notes[i], body, &["body", "userId", "title", "color", "pinned"]);
            Ok((200, json!({ "note": state.notes[i] })))
        }
        "delete-note" => {
            let (_, i) = note_index(state, &param("contactId"), &param("id"))?;
            state.notes.remove(i);
            Ok((200, json!({ "succeded": true })))
        }
        other => Err(error(501, format!("devhost: the GHL stand-in does not implement {other}"))),
    }
}

// ---- contacts -------------------------------------------------------------------------

fn contact_index(state: &GhlState, id: &str) -> Result<usize, (u16, Value)> {
    state.contacts.iter().position(|c| c["id"] == id).ok_or_else(|| not_found(id))
}

fn live_contact(state: &GhlState, id: &str) -> Result<Value, (u16, Value)> {
    contact_index(state, id).map(|i| state.contacts[i].clone())
}

fn items_of(items: &[Value], contact_id: &str) -> Vec<Value> {
    items.iter().filter(|t| t["contactId"] == contact_id).cloned().collect()
}

fn copy_fields(to: &mut Value, from: &Value, fields: &[&str]) {
    for f in fields {
        match from.get(*f) {
            Some(Value::Null) => {
                to.as_object_mut().map(|o| o.remove(*f));
            }
            Some(v) => to[*f] = v.clone(),
            None => {}
        }
    }
}

/// Tags as GHL keeps them: trimmed, lower case, no duplicates, no empties.
fn tag_list(v: &Value) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for t in v.as_array().into_iter().flatten().filter_map(Value::as_str) {
        let t = t.trim().to_lowercase();
        if !t.is_empty() && !out.contains(&t) {
            out.push(t);
        }
    }
    out
}

/// E.164 as GHL stores phones, reading national numbers in the location's country (US).
pub fn e164(raw: &str) -> Option<String> {
    let raw = raw.trim();
    let digits: String = raw.chars().filter(char::is_ascii_digit).collect();
    if digits.is_empty() {
        return None;
    }
    Some(if raw.starts_with('+') {
        format!("+{digits}")
    } else if let Some(rest) = digits.strip_prefix("011").filter(|_| digits.len() > 11) {
        format!("+{rest}")
    } else if let Some(rest) = digits.strip_prefix("00").filter(|_| digits.len() > 11) {
        format!("+{rest}")
    } else if digits.len() == 10 {
        format!("+1{digits}")
    } else if digits.len() == 11 && digits.starts_with('1') {
        format!("+{digits}")
    } else {
        format!("+{digits}")
    })
}

fn contact_name(c: &Value) -> String {
    if let Some(n) = c["name"].as_str().filter(|n| !n.trim().is_empty()) {
        return n.to_string();
    }
    [c["firstName"].as_str(), c["lastName"].as_str()].into_iter().flatten().filter(|s| !s.trim().is_empty()).collect::<Vec<_>>().join(" ")
}

fn find_by_email(state: &GhlState, email: &str, except: Option<&str>) -> Option<usize> {
    let email = email.trim().to_lowercase();
    (!email.is_empty()).then(|| state.contacts.iter().position(|c| c["id"].as_str() != except && c["email"].as_str().is_some_and(|e| e.trim().to_lowercase() == email))).flatten()
}

fn find_by_phone(state: &GhlState, phone: &str, except: Option<&str>) -> Option<usize> {
    let phone = e164(phone)?;
    state.contacts.iter().position(|c| c["id"].as_str() != except && c["phone"].as_str().and_then(e164).as_deref() == Some(phone.as_str()))
}

/// The contact whose email, else phone, the body carries (email checked first).
fn find_match(state: &GhlState, body: &Value, except: Option<&str>) -> Option<(usize, &'static str)> {
    body["email"]
        .as_str()
        .and_then(|e| find_by_email(state, e, except))
        .map(|i| (i, "email"))
        .or_else(|| body["phone"].as_str().and_then(|p| find_by_phone(state, p, except)).map(|i| (i, "phone")))
}

fn duplicate_error(state: &GhlState, i: usize, field: &str) -> (u16, Value) {
    let c = &state.contacts[i];
    (400, json!({
        "statusCode": 400,
        "message": "This location does not allow duplicated contacts.",
        "meta": { "contactId": c["id"], "contactName": contact_name(c), "matchingField": field },
    }))
}

/// Writes the fields of a create/update/upsert body onto a stored contact, in the read shape.
fn apply_fields(c: &mut Value, body: &Value, now_ms: i64) {
    const PLAIN: &[&str] = &[
        "firstName", "lastName", "name", "email", "address1", "city", "state", "postalCode", "website", "timezone",
        "dnd", "dndSettings", "source", "country", "assignedTo", "companyName",
    ];
    copy_fields(c, body, PLAIN);
    if let Some(p) = body.get("phone") {
        match p.as_str().and_then(e164) {
            Some(p) => c["phone"] = json!(p),
            None => {
                c.as_object_mut().map(|o| o.remove("phone"));
            }
        }
    }
    if let Some(d) = body.get("dateOfBirth") {
        match d.as_str().and_then(birth_date) {
            Some(d) => c["dateOfBirth"] = json!(d),
            None => {
                c.as_object_mut().map(|o| o.remove("dateOfBirth"));
            }
        }
    }
    if body.get("tags").is_some() {
        c["tags"] = json!(tag_list(&body["tags"]));
    }
    if let Some(fields) = body["customFields"].as_array() {
        let mut current: Vec<Value> = c["customFields"].as_array().cloned().unwrap_or_default();
        for f in fields {
            let Some(id) = f["id"].as_str().or_else(|| f["key"].as_str()) else { continue };
            let value = ["field_value", "fieldValue", "value"].iter().find_map(|k| f.get(*k)).cloned().unwrap_or(Value::Null);
            current.retain(|x| x["id"] != id);
            let empty = value.is_null() || value.as_str().is_some_and(|s| s.is_empty());
            if !empty {
                current.push(json!({ "id": id, "value": value }));
            }
        }
        c["customFields"] = json!(current);
    }
    let email_lc = c["email"].as_str().map(|e| e.trim().to_lowercase());
    set_or_remove(c, "emailLowerCase", email_lc);
    if body.get("firstName").is_some() || body.get("lastName").is_some() {
        let full = [c["firstName"].as_str(), c["lastName"].as_str()].into_iter().flatten().filter(|s| !s.trim().is_empty()).collect::<Vec<_>>().join(" ");
        if body.get("name").is_none() {
            set_or_remove(c, "name", Some(full.clone()).filter(|s| !s.is_empty()));
        }
    }
    for (from, to) in [("firstName", "firstNameLowerCase"), ("lastName", "lastNameLowerCase"), ("name", "fullNameLowerCase")] {
        let lc = c[from].as_str().map(str::to_lowercase);
        set_or_remove(c, to, lc);
    }
    c["dateUpdated"] = json!(ghl_timestamp(now_ms));
}

fn set_or_remove(c: &mut Value, key: &str, v: Option<String>) {
    match v {
        Some(v) => c[key] = json!(v),
        None => {
            c.as_object_mut().map(|o| o.remove(key));
        }
    }
}

/// `YYYY-MM-DD` from any of the write formats the spec lists (YYYY/MM/DD, MM/DD/YYYY,
/// YYYY-MM-DD, MM-DD-YYYY, YYYY.MM.DD, MM.DD.YYYY, YYYY_MM_DD, MM_DD_YYYY).
fn birth_date(s: &str) -> Option<String> {
    let s = s.trim();
    let head = s.get(..10)?;
    let parts: Vec<&str> = head.split(['/', '-', '.', '_']).collect();
    let (y, m, d) = match parts.as_slice() {
        [y, m, d] if y.len() == 4 => (*y, *m, *d),
        [m, d, y] if y.len() == 4 => (*y, *m, *d),
        _ => return Some(s.to_string()),
    };
    let iso = format!("{y}-{m}-{d}");
    Some(ghl_bridge::datetime::CivilDate::parse_iso(&iso).map_or_else(|| s.to_string(), |c| c.to_string()))
}

fn new_contact(state: &mut GhlState, body: &Value, now_ms: i64) -> Value {
    let id = state.next_id();
    let mut c = json!({
        "id": id,
        "locationId": state.location_id,
        "type": "lead",
        "tags": [],
        "customFields": [],
        "dateAdded": ghl_timestamp(now_ms),
    });
    apply_fields(&mut c, body, now_ms);
    state.contacts.push(c.clone());
    c
}

/// The create response's contact (`CreateContactSchema`): the stored contact with the
/// create-only flags, minus fields that schema does not have.
fn create_view(c: &Value) -> Value {
    const CREATE_FIELDS: &[&str] = &[
        "id", "dateAdded", "dateUpdated", "tags", "type", "customFields", "locationId", "firstName", "firstNameLowerCase",
        "fullNameLowerCase", "lastName", "lastNameLowerCase", "email", "emailLowerCase", "dnd", "dndSettings", "phone",
        "address1", "city", "state", "country", "postalCode", "website", "source", "companyName", "businessId", "assignedTo",
    ];
    let mut out = Map::new();
    for f in CREATE_FIELDS {
        if let Some(v) = c.get(*f) {
            out.insert(f.to_string(), v.clone());
        }
    }
    out.insert("deleted".into(), json!(false));
    if let Some(d) = c["dateOfBirth"].as_str().and_then(ghl_bridge::datetime::CivilDate::parse_iso) {
        out.insert("dateOfBirth".into(), json!(format!("{d}T00:00:00.000Z")));
        out.insert("birthMonth".into(), json!(d.month));
        out.insert("birthDay".into(), json!(d.day));
    }
    Value::Object(out)
}

fn create_contact(state: &mut GhlState, body: &Value, now_ms: i64) -> Reply {
    if !state.allow_duplicates {
        if let Some((i, field)) = find_match(state, body, None) {
            return Err(duplicate_error(state, i, field));
        }
    }
    let c = new_contact(state, body, now_ms);
    Ok((201, json!({ "contact": create_view(&c) })))
}

fn update_contact(state: &mut GhlState, id: &str, body: &Value, now_ms: i64) -> Reply {
    let i = contact_index(state, id)?;
    if !state.allow_duplicates {
        if let Some((j, field)) = find_match(state, body, Some(id)) {
            return Err(duplicate_error(state, j, field));
        }
    }
    apply_fields(&mut state.contacts[i], body, now_ms);
    Ok((200, json!({ "succeded": true, "contact": state.contacts[i] })))
}

fn upsert_contact(state: &mut GhlState, body: &Value, now_ms: i64) -> Reply {
    let create_anyway = state.allow_duplicates && body["createNewIfDuplicateAllowed"] == true;
    let found = if create_anyway { None } else { find_match(state, body, None) };
    let Some((i, field)) = found else {
        let c = new_contact(state, body, now_ms);
        return Ok((200, json!({ "new": true, "contact": c })));
    };
    let mut body = body.clone();
    if field == "email" {
        // The phone belongs to another contact: GHL updates the email match and silently
        // drops the phone (#37).
        let id = state.contacts[i]["id"].as_str().map(str::to_string);
        if body["phone"].as_str().is_some_and(|p| find_by_phone(state, p, id.as_deref()).is_some()) {
            body.as_object_mut().map(|o| o.remove("phone"));
        }
    }
    apply_fields(&mut state.contacts[i], &body, now_ms);
    Ok((200, json!({ "new": false, "contact": state.contacts[i] })))
}

// ---- search ---------------------------------------------------------------------------

fn text_matches(c: &Value, query: &str) -> bool {
    let q = query.trim().to_lowercase();
    if q.is_empty() {
        return true;
    }
    let fields = ["firstName", "lastName", "name", "email", "companyName"];
    if fields.iter().filter_map(|f| c[*f].as_str()).any(|v| v.to_lowercase().contains(&q)) {
        return true;
    }
    let full = contact_name(c).to_lowercase();
    if full.contains(&q) {
        return true;
    }
    let digits: String = q.chars().filter(char::is_ascii_digit).collect();
    let phone_like = q.chars().all(|ch| ch.is_ascii_digit() || " +-().".contains(ch));
    phone_like && digits.len() >= 3 && c["phone"].as_str().is_some_and(|p| p.contains(&digits))
}

fn field_eq(c: &Value, field: &str, value: &Value) -> bool {
    let have = &c[field];
    match (field, have, value) {
        ("email", Value::String(h), Value::String(v)) => h.trim().eq_ignore_ascii_case(v.trim()),
        ("phone", Value::String(h), Value::String(v)) => e164(h).is_some() && e164(h) == e164(v),
        ("tags", Value::Array(tags), Value::String(v)) => tags.iter().any(|t| t.as_str().is_some_and(|t| t.eq_ignore_ascii_case(v.trim()))),
        (_, Value::String(h), Value::String(v)) => h.eq_ignore_ascii_case(v),
        (_, h, v) => h == v,
    }
}

fn filter_matches(c: &Value, f: &Value) -> Result<bool, String> {
    if let Some(group) = f.get("group") {
        let items = f["filters"].as_array().ok_or("filters must be an array")?;
        let results = items.iter().map(|i| filter_matches(c, i)).collect::<Result<Vec<_>, _>>()?;
        return match group.as_str() {
            Some("OR") => Ok(results.iter().any(|r| *r)),
            Some("AND") => Ok(results.iter().all(|r| *r)),
            _ => Err("group must be one of the following values: AND, OR".into()),
        };
    }
    let field = f["field"].as_str().ok_or("field must be a string")?;
    let value = &f["value"];
    let present = !c[field].is_null() && c[field] != json!("") && c[field] != json!([]);
    let contains = || match (&c[field], value) {
        (Value::String(h), Value::String(v)) => h.to_lowercase().contains(&v.to_lowercase()),
        (Value::Array(a), Value::String(v)) => a.iter().any(|t| t.as_str().is_some_and(|t| t.to_lowercase().contains(&v.to_lowercase()))),
        _ => false,
    };
    match f["operator"].as_str() {
        Some("eq") => Ok(field_eq(c, field, value)),
        Some("not_eq") => Ok(!field_eq(c, field, value)),
        Some("contains") => Ok(contains()),
        Some("not_contains") => Ok(!contains()),
        Some("exists") => Ok(present),
        Some("not_exists") => Ok(!present),
        Some(op) => Err(format!("operator {op} is not supported")),
        None => Err("operator must be a string".into()),
    }
}

fn search(state: &GhlState, body: &Value) -> Reply {
    let mut problems = Vec::new();
    let page_limit = body["pageLimit"].as_u64();
    match page_limit {
        None => problems.push("pageLimit must be a number conforming to the specified constraints".to_string()),
        Some(n) if !(1..=500).contains(&n) => problems.push("pageLimit must not be greater than 500".to_string()),
        _ => {}
    }
    if body["locationId"].as_str().is_none() {
        problems.push("locationId must be a string".to_string());
    }
    if !problems.is_empty() {
        return Err(unprocessable(problems));
    }
    let page = body["page"].as_u64().unwrap_or(1).max(1) as usize;
    let limit = page_limit.unwrap_or(20) as usize;
    let query = body["query"].as_str().unwrap_or("");
    let filters: Vec<Value> = body["filters"].as_array().cloned().unwrap_or_default();
    let mut hits = Vec::new();
    for c in &state.contacts {
        let mut ok = text_matches(c, query);
        for f in &filters {
            ok = ok && filter_matches(c, f).map_err(|m| unprocessable(vec![m]))?;
        }
        if ok {
            hits.push(c.clone());
        }
    }
    let (field, desc) = match body["sort"].as_array().and_then(|s| s.first()) {
        Some(s) => (s["field"].as_str().unwrap_or("dateAdded").to_string(), s["direction"] == "desc"),
        None => ("dateAdded".to_string(), true),
    };
    hits.sort_by(|a, b| {
        let o = sort_key(&a[&field]).cmp(&sort_key(&b[&field]));
        if desc {
            o.reverse()
        } else {
            o
        }
    });
    let total = hits.len();
    let contacts: Vec<Value> = hits.into_iter().skip((page - 1) * limit).take(limit).collect();
    Ok((200, json!({ "contacts": contacts, "total": total })))
}

fn sort_key(v: &Value) -> String {
    match v {
        Value::String(s) => s.to_lowercase(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

fn duplicate_search(state: &GhlState, req: &UpstreamRequest) -> Reply {
    let email = req.query_param("email").map(str::trim).filter(|s| !s.is_empty());
    let number = req.query_param("number").map(str::trim).filter(|s| !s.is_empty());
    if email.is_none() && number.is_none() {
        return Err(error(400, "Pass at least one of number, email query parameter"));
    }
    let found = email.and_then(|e| find_by_email(state, e, None)).or_else(|| number.and_then(|n| find_by_phone(state, n, None)));
    Ok((200, json!({ "contact": found.map(|i| state.contacts[i].clone()) })))
}

/// A contact in the slim list shape (`ContactsSearchSchema`) plus its name fields.
fn slim(c: &Value) -> Value {
    const SLIM: &[&str] = &[
        "id", "locationId", "email", "timezone", "country", "source", "dateAdded", "customFields", "tags", "businessId",
        "attributions", "followers", "firstName", "lastName", "phone", "companyName",
    ];
    Value::Object(SLIM.iter().filter_map(|f| c.get(*f).map(|v| (f.to_string(), v.clone()))).collect())
}

fn number_param(req: &UpstreamRequest, name: &str, default: usize) -> Result<usize, (u16, Value)> {
    match req.query_param(name).map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(default),
        Some(v) => v.parse().map_err(|_| unprocessable(vec![format!("{name} must be a number string")])),
    }
}

fn by_business(state: &GhlState, business: &str, req: &UpstreamRequest) -> Reply {
    let limit = number_param(req, "limit", 25)?;
    let skip = number_param(req, "skip", 0)?;
    let query = req.query_param("query").unwrap_or("");
    let hits: Vec<&Value> = state.contacts.iter().filter(|c| c["businessId"] == business && text_matches(c, query)).collect();
    let count = hits.len();
    let contacts: Vec<Value> = hits.into_iter().skip(skip).take(limit).map(slim).collect();
    Ok((200, json!({ "contacts": contacts, "count": count })))
}

/// The deprecated `GET /contacts/`: oldest first, paged with `startAfter` (epoch ms of
/// `dateAdded`) and `startAfterId`.
fn list_contacts(state: &GhlState, req: &UpstreamRequest) -> Reply {
    let limit = number_param(req, "limit", 20)?;
    if limit > 100 {
        return Err(unprocessable(vec!["limit must not be greater than 100".into()]));
    }
    let query = req.query_param("query").unwrap_or("");
    let added = |c: &Value| c["dateAdded"].as_str().and_then(Instant::parse).map_or(0, |i| i.0);
    let mut all: Vec<&Value> = state.contacts.iter().filter(|c| text_matches(c, query)).collect();
    all.sort_by_key(|c| (added(c), c["id"].as_str().unwrap_or("").to_string()));
    let after_ms = req.query_param("startAfter").and_then(|v| v.trim().parse::<i64>().ok());
    let after_id = req.query_param("startAfterId").map(str::to_string);
    let start = match (after_ms, &after_id) {
        (_, Some(id)) => all.iter().position(|c| c["id"] == id.as_str()).map_or(0, |i| i + 1),
        (Some(ms), None) => all.iter().position(|c| added(c) > ms).unwrap_or(all.len()),
        (None, None) => 0,
    };
    let page: Vec<&Value> = all.iter().skip(start).take(limit).copied().collect();
    let last = page.last().copied();
    let more = start + page.len() < all.len();
    let meta = json!({
        "total": all.len(),
        "currentPage": start / limit.max(1) + 1,
        "nextPage": if more { json!(start / limit.max(1) + 2) } else { Value::Null },
        "prevPage": if start > 0 { json!(start / limit.max(1)) } else { Value::Null },
        "startAfterId": last.map(|c| c["id"].clone()),
        "startAfter": last.map(added),
        "nextPageUrl": match (more, last) {
            (true, Some(c)) => json!(format!(
                "https://{}/contacts/?locationId={}&startAfter={}&startAfterId={}",
                ghl_bridge::ghl::HOST, state.location_id, added(c), c["id"].as_str().unwrap_or("")
            )),
            _ => Value::Null,
        },
    });
    Ok((200, json!({ "contacts": page.into_iter().map(slim).collect::<Vec<_>>(), "count": all.len(), "meta": meta })))
}

// ---- tasks and notes ------------------------------------------------------------------

fn task_index(state: &GhlState, contact_id: &str, task_id: &str) -> Result<(usize, usize), (u16, Value)> {
    let c = contact_index(state, contact_id)?;
    let t = state.tasks.iter().position(|t| t["id"] == task_id && t["contactId"] == contact_id).ok_or_else(|| error(400, "Task not found"))?;
    Ok((c, t))
}

fn note_index(state: &GhlState, contact_id: &str, note_id: &str) -> Result<(usize, usize), (u16, Value)> {
    let c = contact_index(state, contact_id)?;
    let n = state.notes.iter().position(|n| n["id"] == note_id && n["contactId"] == contact_id).ok_or_else(|| error(400, "Note not found"))?;
    Ok((c, n))
}

/// A due date in GHL's read form (UTC, milliseconds).
fn due_date(v: &Value) -> Result<String, (u16, Value)> {
    v.as_str()
        .and_then(Instant::parse)
        .map(|i| ghl_timestamp(i.0))
        .ok_or_else(|| unprocessable(vec!["dueDate must be a valid ISO 8601 date string".into()]))
}

fn create_task(state: &mut GhlState, contact_id: &str, body: &Value) -> Reply {
    live_contact(state, contact_id)?;
    let due = due_date(&body["dueDate"])?;
    let mut task = json!({ "id": state.next_id() });
    copy_fields(&mut task, body, &["title", "body", "assignedTo"]);
    task["dueDate"] = json!(due);
    task["completed"] = body["completed"].clone();
    task["contactId"] = json!(contact_id);
    state.tasks.push(task.clone());
    Ok((201, json!({ "task": task })))
}

fn update_task(state: &mut GhlState, contact_id: &str, task_id: &str, body: &Value) -> Reply {
    let (_, i) = task_index(state, contact_id, task_id)?;
    if state.strict {
        let missing: Vec<String> = ["title", "body", "dueDate", "completed"]
            .iter()
            .filter(|f| body.get(**f).is_none_or(Value::is_null))
            .map(|f| if *f == "completed" { "completed must be a boolean value".to_string() } else { format!("{f} should not be empty") })
            .collect();
        if !missing.is_empty() {
            eprintln!("STRICT MODE: partial task update of {task_id} rejected: {}", missing.join("; "));
            return Err(unprocessable(missing));
        }
    }
    let due = body.get("dueDate").map(due_date).transpose()?;
    copy_fields(&mut state.tasks[i], body, &["title", "body", "assignedTo", "completed"]);
    if let Some(d) = due {
        state.tasks[i]["dueDate"] = json!(d);
    }
    Ok((200, json!({ "task": state.tasks[i] })))
}

// ---- the Upstream ---------------------------------------------------------------------

/// The GHL stand-in: one [`GhlState`] per installation, cloned from the seed on first use.
pub struct GhlStandIn {
    token: String,
    states: Installations<GhlState>,
}

impl GhlStandIn {
    /// From a seed and the expected token and location.
    pub fn new(seed: &Seed, config: &StandInConfig) -> Self {
        GhlStandIn { token: config.ghl_token.clone(), states: Installations::new(GhlState::from_seed(seed, &config.ghl_location_id)) }
    }

    /// Runs `f` on an installation's state (tests, the control API).
    pub fn with_state<R>(&self, installation: &str, f: impl FnOnce(&mut GhlState) -> R) -> R {
        self.states.with(installation, f)
    }

    /// Turns strict mode (partial task updates rejected with 422) on or off.
    pub fn set_strict(&self, installation: &str, on: bool) {
        self.with_state(installation, |s| s.strict = on);
    }

    /// Sets the location's "Allow Duplicate Contact" setting.
    pub fn set_allow_duplicates(&self, installation: &str, on: bool) {
        self.with_state(installation, |s| s.allow_duplicates = on);
    }

    /// The requests of this installation that failed the spec, oldest first.
    pub fn spec_violations(&self, installation: &str) -> Vec<Value> {
        self.with_state(installation, |s| s.spec_violations.clone())
    }
}

impl Upstream for GhlStandIn {
    fn handle(&self, req: &UpstreamRequest, now_ms: i64) -> UpstreamResponse {
        self.states.with(&req.installation, |s| handle(s, &req.installation, &self.token, req, now_ms))
    }

    fn state(&self, installation: &str) -> Value {
        self.with_state(installation, |s| s.to_json())
    }

    fn reset(&self, installation: Option<&str>) {
        self.states.reset(installation);
    }
}
