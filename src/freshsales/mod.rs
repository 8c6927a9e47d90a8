//! Freshsales Suite REST API wire types: the contact the app reads
//! (`GET /crm/sales/api/contacts/:id?include=sales_accounts`), the note it writes, and the
//! lenient readers the API's uncertainties call for. This module is the only place
//! Freshsales' JSON field names appear.
//!
//! Known shapes and their doubts are in `research/freshsales-api.md`: ids exceed 32 bits and
//! sometimes arrive as strings; `email` and `emails[]` both exist; REST timestamps carry the
//! account's offset. Everything here parses leniently and keeps unknown fields.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};

use crate::wire::null_as_default;

/// A Freshsales record id: a 64-bit integer that may arrive as a number or a numeric string.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FsId(pub u64);

impl std::fmt::Display for FsId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl Serialize for FsId {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u64(self.0)
    }
}

impl<'de> Deserialize<'de> for FsId {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        match Value::deserialize(d)? {
            Value::Number(n) => n.as_u64().map(FsId).ok_or_else(|| serde::de::Error::custom("id is not a positive integer")),
            Value::String(s) => s.trim().parse().map(FsId).map_err(|_| serde::de::Error::custom("id is not numeric")),
            _ => Err(serde::de::Error::custom("id is neither a number nor a string")),
        }
    }
}

impl std::str::FromStr for FsId {
    type Err = std::num::ParseIntError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        s.trim().parse().map(FsId)
    }
}

/// Reads an optional id leniently: a number, a numeric string, or anything else as `None`.
fn lenient_id<'de, D: Deserializer<'de>>(d: D) -> Result<Option<FsId>, D::Error> {
    Ok(match Option::<Value>::deserialize(d)? {
        Some(Value::Number(n)) => n.as_u64().map(FsId),
        Some(Value::String(s)) => s.trim().parse().ok().map(FsId),
        _ => None,
    })
}

/// Reads a string field that may arrive as a number (phone numbers, zip codes) or null.
fn lenient_string<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(match Option::<Value>::deserialize(d)? {
        Some(Value::String(s)) => Some(s),
        Some(Value::Number(n)) => Some(n.to_string()),
        Some(Value::Bool(b)) => Some(b.to_string()),
        _ => None,
    })
}

/// A Freshsales contact.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Contact {
    /// The contact id.
    pub id: FsId,
    /// First name (may be null).
    #[serde(default, deserialize_with = "lenient_string", skip_serializing_if = "Option::is_none")]
    pub first_name: Option<String>,
    /// Last name (may be null).
    #[serde(default, deserialize_with = "lenient_string", skip_serializing_if = "Option::is_none")]
    pub last_name: Option<String>,
    /// Display name (falls back to the email when names are empty).
    #[serde(default, deserialize_with = "lenient_string", skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    /// Primary email, a scalar copy.
    #[serde(default, deserialize_with = "lenient_string", skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Every email.
    #[serde(default, deserialize_with = "null_as_default", skip_serializing_if = "Vec::is_empty")]
    pub emails: Vec<Email>,
    /// Work phone, free-form.
    #[serde(default, deserialize_with = "lenient_string", skip_serializing_if = "Option::is_none")]
    pub work_number: Option<String>,
    /// Mobile phone, free-form.
    #[serde(default, deserialize_with = "lenient_string", skip_serializing_if = "Option::is_none")]
    pub mobile_number: Option<String>,
    /// Job title (GHL contacts have no such field: it syncs only through the custom-field map).
    #[serde(default, deserialize_with = "lenient_string", skip_serializing_if = "Option::is_none")]
    pub job_title: Option<String>,
    /// Street address.
    #[serde(default, deserialize_with = "lenient_string", skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    /// City.
    #[serde(default, deserialize_with = "lenient_string", skip_serializing_if = "Option::is_none")]
    pub city: Option<String>,
    /// State.
    #[serde(default, deserialize_with = "lenient_string", skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    /// Zip code.
    #[serde(default, deserialize_with = "lenient_string", skip_serializing_if = "Option::is_none")]
    pub zipcode: Option<String>,
    /// Country name as typed ("United States", "Deutschland", "IN").
    #[serde(default, deserialize_with = "lenient_string", skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    /// Accounts (companies), present with `include=sales_accounts`.
    #[serde(default, deserialize_with = "null_as_default", skip_serializing_if = "Vec::is_empty")]
    pub sales_accounts: Vec<SalesAccount>,
    /// Custom fields, keys `cf_*`.
    #[serde(default, deserialize_with = "null_as_default", skip_serializing_if = "Map::is_empty")]
    pub custom_field: Map<String, Value>,
    /// Last change, ISO-8601 with the account's offset.
    #[serde(default, deserialize_with = "lenient_string", skip_serializing_if = "Option::is_none")]
    pub updated_at: Option<String>,
    /// Creation time.
    #[serde(default, deserialize_with = "lenient_string", skip_serializing_if = "Option::is_none")]
    pub created_at: Option<String>,
    /// Every other field, kept.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl Contact {
    /// The primary email: `email`, else the primary of `emails[]`, else the first of them.
    pub fn primary_email(&self) -> Option<&str> {
        let nonblank = |s: &str| !s.trim().is_empty();
        self.email
            .as_deref()
            .filter(|s| nonblank(s))
            .or_else(|| self.emails.iter().find(|e| e.is_primary && !e.destroy).map(|e| e.value.as_str()).filter(|s| nonblank(s)))
            .or_else(|| self.emails.iter().find(|e| !e.destroy && nonblank(&e.value)).map(|e| e.value.as_str()))
            .map(str::trim)
    }

    /// The phone to match and sync: mobile first, then work.
    pub fn primary_phone(&self) -> Option<&str> {
        [self.mobile_number.as_deref(), self.work_number.as_deref()].into_iter().flatten().map(str::trim).find(|s| !s.is_empty())
    }

    /// The primary account's name (the company).
    pub fn company(&self) -> Option<&str> {
        self.sales_accounts
            .iter()
            .find(|a| a.is_primary)
            .or_else(|| self.sales_accounts.first())
            .and_then(|a| a.name.as_deref())
            .map(str::trim)
            .filter(|s| !s.is_empty())
    }

    /// "First Last", else the display name, else the email.
    pub fn full_name(&self) -> String {
        let joined = [self.first_name.as_deref(), self.last_name.as_deref()]
            .into_iter()
            .flatten()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join(" ");
        if !joined.is_empty() {
            return joined;
        }
        self.display_name.clone().filter(|s| !s.trim().is_empty()).or_else(|| self.primary_email().map(str::to_string)).unwrap_or_default()
    }
}

/// One of a contact's emails.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Email {
    /// The address.
    #[serde(default, deserialize_with = "lenient_string_default")]
    pub value: String,
    /// Whether it is the primary one.
    #[serde(default, deserialize_with = "null_as_default")]
    pub is_primary: bool,
    /// Marked for removal (Rails nested attributes).
    #[serde(rename = "_destroy", default, deserialize_with = "null_as_default", skip_serializing_if = "std::ops::Not::not")]
    pub destroy: bool,
    /// Other fields (`id`, `label`).
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

fn lenient_string_default<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    lenient_string(d).map(Option::unwrap_or_default)
}

/// A sales account (company) reference.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SalesAccount {
    /// Account id.
    #[serde(default, deserialize_with = "lenient_id", skip_serializing_if = "Option::is_none")]
    pub id: Option<FsId>,
    /// Account name.
    #[serde(default, deserialize_with = "lenient_string", skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Whether it is the contact's primary account.
    #[serde(default, deserialize_with = "null_as_default")]
    pub is_primary: bool,
    /// Other fields.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `{"contact": {...}}`, the envelope of contact reads and writes.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ContactEnvelope {
    /// The contact.
    pub contact: Contact,
    /// Side-loaded arrays (`users`, `contact_status`, …).
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `PUT /crm/sales/api/contacts/:id` body: `{"contact": {only the fields to change}}`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ContactUpdate {
    /// The changed fields, by Freshsales name.
    pub contact: Map<String, Value>,
}

/// A note to create.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NoteCreate {
    /// The note.
    pub note: NoteFields,
}

/// The fields of a note write.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NoteFields {
    /// The text.
    pub description: String,
    /// `"Contact"`.
    pub targetable_type: String,
    /// The contact id.
    pub targetable_id: FsId,
}

impl NoteCreate {
    /// A note on a contact.
    pub fn on_contact(contact: FsId, description: impl Into<String>) -> Self {
        NoteCreate { note: NoteFields { description: description.into(), targetable_type: "Contact".into(), targetable_id: contact } }
    }
}

/// A note as returned (`{"note": {...}}`); its shape is not documented, so only the id is
/// read and the rest kept.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Note {
    /// Note id.
    #[serde(default, deserialize_with = "lenient_id")]
    pub id: Option<FsId>,
    /// Text.
    #[serde(default, deserialize_with = "lenient_string", skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Other fields.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `{"note": {...}}`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct NoteEnvelope {
    /// The note.
    #[serde(default)]
    pub note: Note,
    /// Other members.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `GET /crm/sales/api/contacts/filters`: `{filters: [...]}` (read to check the API key).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct FiltersResponse {
    /// The saved views.
    #[serde(default, deserialize_with = "null_as_default")]
    pub filters: Vec<Value>,
    /// Other members.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A task as a product event carries it (`data.task`). `status` is a string in events
/// (`"Open"`, `"Completed"`) and an integer in REST (0, 1): both read.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Task {
    /// Task id.
    pub id: FsId,
    /// Title.
    #[serde(default, deserialize_with = "lenient_string", skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Description.
    #[serde(default, deserialize_with = "lenient_string", skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Due time, ISO-8601.
    #[serde(default, deserialize_with = "lenient_string", skip_serializing_if = "Option::is_none")]
    pub due_date: Option<String>,
    /// Status in either form.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<Value>,
    /// Completion time, when done.
    #[serde(default, deserialize_with = "lenient_string", skip_serializing_if = "Option::is_none")]
    pub completed_date: Option<String>,
    /// What the task is attached to (`"Contact"`).
    #[serde(default, deserialize_with = "lenient_string", skip_serializing_if = "Option::is_none")]
    pub targetable_type: Option<String>,
    /// The attached record's id.
    #[serde(default, deserialize_with = "lenient_id", skip_serializing_if = "Option::is_none")]
    pub targetable_id: Option<FsId>,
    /// Other fields.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl Task {
    /// Whether the task is done, from `status` in either form or a completion time.
    pub fn is_completed(&self) -> bool {
        match &self.status {
            Some(Value::String(s)) if s.eq_ignore_ascii_case("completed") => true,
            Some(Value::Number(n)) if n.as_u64() == Some(1) => true,
            _ => self.completed_date.as_deref().is_some_and(|d| !d.trim().is_empty()),
        }
    }
}

/// A user as side-loaded next to a record (`include=creater`, `users: [...]`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct User {
    /// User id.
    #[serde(default, deserialize_with = "lenient_id", skip_serializing_if = "Option::is_none")]
    pub id: Option<FsId>,
    /// Name as shown in the CRM.
    #[serde(default, deserialize_with = "lenient_string", skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    /// Email.
    #[serde(default, deserialize_with = "lenient_string", skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Other fields.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `GET /crm/sales/api/contacts/:id/notes?include=creater`: `{notes, users}` (route and shape
/// inferred from the contact's `links.notes`; see research/freshsales-api.md §3).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct NotesResponse {
    /// The notes.
    #[serde(default, deserialize_with = "null_as_default")]
    pub notes: Vec<Note>,
    /// Side-loaded authors.
    #[serde(default, deserialize_with = "null_as_default")]
    pub users: Vec<User>,
    /// Other members.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl Note {
    /// The author's user id (`creater_id` in REST, `creator_id` in events).
    pub fn author_id(&self) -> Option<FsId> {
        ["creater_id", "creator_id"].iter().find_map(|k| match self.extra.get(*k) {
            Some(Value::Number(n)) => n.as_u64().map(FsId),
            Some(Value::String(s)) => s.trim().parse().ok().map(FsId),
            _ => None,
        })
    }

    /// Creation time as sent (account offset).
    pub fn created_at(&self) -> Option<&str> {
        self.extra.get("created_at").and_then(Value::as_str)
    }
}

impl NotesResponse {
    /// The name of a note's author, from the side-loaded users.
    pub fn author(&self, note: &Note) -> Option<String> {
        let id = note.author_id()?;
        let u = self.users.iter().find(|u| u.id == Some(id))?;
        u.display_name.clone().or_else(|| u.email.clone()).map(|s| s.trim().to_string()).filter(|s| !s.is_empty())
    }
}

/// `GET /crm/sales/api/contacts/view/:view_id`: `{contacts, meta: {total_pages, total}}`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ContactList {
    /// One page of contacts.
    #[serde(default, deserialize_with = "null_as_default")]
    pub contacts: Vec<Contact>,
    /// Paging.
    #[serde(default, deserialize_with = "null_as_default")]
    pub meta: ListMeta,
    /// Other members.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `meta` of a list.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ListMeta {
    /// Pages in all.
    #[serde(default, deserialize_with = "null_as_default")]
    pub total_pages: u64,
    /// Records in all.
    #[serde(default, deserialize_with = "null_as_default")]
    pub total: u64,
}

impl FiltersResponse {
    /// The id of the "All Contacts" view (else the first contact view), for listing contacts.
    pub fn all_contacts_view(&self) -> Option<FsId> {
        let id = |v: &Value| match &v["id"] {
            Value::Number(n) => n.as_u64().map(FsId),
            Value::String(s) => s.trim().parse().ok().map(FsId),
            _ => None,
        };
        self.filters
            .iter()
            .find(|f| f["name"].as_str().is_some_and(|n| n.eq_ignore_ascii_case("all contacts")))
            .or_else(|| self.filters.first())
            .and_then(id)
    }
}

/// A serverless product event as the platform delivers it:
/// `{currentHost, data: {actor, associations, contact | task, changes?}, event, iparams,
/// region, timestamp, version}`. Every part is optional: samples differ (changes under
/// `data.changes.model_changes` or `data.contact.changes`) and fields may be missing.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ProductEvent {
    /// `onContactCreate`, `onContactUpdate`, `onTaskCreate`, `onTaskUpdate`, …
    #[serde(default, deserialize_with = "lenient_string")]
    pub event: Option<String>,
    /// The event's data.
    #[serde(default, deserialize_with = "null_as_default")]
    pub data: EventData,
    /// Other members (`timestamp`, `region`, `iparams`, …).
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `data` of a product event.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct EventData {
    /// The contact, as the event carries it (possibly partial).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact: Option<Value>,
    /// The task, for task events.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub task: Option<Value>,
    /// Changes of an update.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub changes: Option<Value>,
    /// Related records (`targetable`, `creator`, …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub associations: Option<Value>,
    /// Who made the change.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actor: Option<Value>,
    /// Other members.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

fn value_id(v: &Value) -> Option<FsId> {
    match v {
        Value::Number(n) => n.as_u64().map(FsId),
        Value::String(s) => s.trim().parse().ok().map(FsId),
        _ => None,
    }
}

impl ProductEvent {
    /// The contact id of a contact event.
    pub fn contact_id(&self) -> Option<FsId> {
        self.data.contact.as_ref().and_then(|c| value_id(&c["id"]))
    }

    /// The event's contact, parsed, when it carries what a sync decision needs: the name,
    /// the email and the phone fields and every custom field named in `custom_keys` (a
    /// trimmed payload is read from the API instead).
    pub fn complete_contact(&self, custom_keys: &[&str]) -> Option<Contact> {
        let raw = self.data.contact.as_ref()?.as_object()?;
        let has = |k: &str| raw.contains_key(k);
        let names = has("first_name") || has("last_name");
        let mail = has("email") || has("emails");
        let phones = has("mobile_number") || has("work_number");
        let customs = custom_keys.iter().all(|k| {
            if k.starts_with("cf_") {
                raw.get("custom_field").and_then(Value::as_object).is_some_and(|m| m.contains_key(*k)) || has(k)
            } else {
                has(k)
            }
        });
        if !(names && mail && phones && customs) {
            return None;
        }
        serde_json::from_value(Value::Object(raw.clone())).ok()
    }

    /// The names of the fields the event says changed (`data.changes.model_changes`, else
    /// `data.changes` itself, else `data.contact.changes`); empty when it does not say.
    pub fn changed_fields(&self) -> Vec<String> {
        let from = |v: Option<&Value>| -> Option<Vec<String>> {
            let m = v?.as_object()?;
            let m = m.get("model_changes").and_then(Value::as_object).unwrap_or(m);
            Some(m.keys().cloned().collect())
        };
        from(self.data.changes.as_ref())
            .or_else(|| from(self.data.contact.as_ref().and_then(|c| c.get("changes"))))
            .unwrap_or_default()
    }

    /// The event's task, parsed.
    pub fn task(&self) -> Option<Task> {
        serde_json::from_value(self.data.task.clone()?).ok()
    }

    /// The contact a task event's task belongs to: `task.targetable_*`, else
    /// `associations.targetable {id, _model}`. `None` when it is attached to something else
    /// or the event does not say.
    pub fn task_contact_id(&self) -> Option<FsId> {
        let t = self.data.task.as_ref()?;
        let is_contact = |v: &Value| v.as_str().is_none_or(|s| s.eq_ignore_ascii_case("contact"));
        if let Some(id) = value_id(&t["targetable_id"]) {
            return is_contact(&t["targetable_type"]).then_some(id);
        }
        let a = self.data.associations.as_ref()?.get("targetable")?;
        let id = value_id(&a["id"])?;
        is_contact(a.get("_model").or_else(|| a.get("type")).unwrap_or(&Value::Null)).then_some(id)
    }

    /// Whether a task event names a non-contact target (a deal, an account).
    pub fn task_targets_other(&self) -> bool {
        let t = self.data.task.as_ref();
        let ty = t.and_then(|t| t["targetable_type"].as_str()).or_else(|| {
            self.data.associations.as_ref().and_then(|a| a.get("targetable")).and_then(|a| a.get("_model")).and_then(Value::as_str)
        });
        ty.is_some_and(|s| !s.eq_ignore_ascii_case("contact"))
    }
}

/// A Freshsales error body: `{"errors": {"code", "message": string | [string]}}`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ErrorBody {
    /// The error.
    #[serde(default)]
    pub errors: Option<ErrorDetail>,
    /// Other members.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// The `errors` member.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ErrorDetail {
    /// HTTP status.
    #[serde(default)]
    pub code: Option<u16>,
    /// Messages.
    #[serde(default)]
    pub message: Option<crate::ghl::Messages>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_recorded_suite_contact() {
        let raw = r#"{"contact":{"id":70042006456,"first_name":"Rk","last_name":null,"display_name":"Rk",
            "email":null,"emails":[{"id":70037311213,"value":"testuser@google.com","is_primary":true,"label":null,"_destroy":false}],
            "work_number":"9988776655","mobile_number":19265559504,"job_title":null,"zipcode":560001,
            "custom_field":{"cf_tier":"Gold"},"sales_accounts":[{"id":"70003771198","name":"div-quer","is_primary":true,"partial":true}],
            "record_type_id":"71010794476","updated_at":"2022-08-30T00:33:27-04:00","links":{"notes":"/x"}},"users":[]}"#;
        let env: ContactEnvelope = serde_json::from_str(raw).unwrap();
        let c = &env.contact;
        assert_eq!(c.id, FsId(70_042_006_456));
        assert_eq!(c.primary_email(), Some("testuser@google.com"));
        assert_eq!(c.primary_phone(), Some("19265559504"));
        assert_eq!(c.zipcode.as_deref(), Some("560001"));
        assert_eq!(c.company(), Some("div-quer"));
        assert_eq!(c.sales_accounts[0].id, Some(FsId(70_003_771_198)));
        assert_eq!(c.full_name(), "Rk");
        assert_eq!(c.extra["record_type_id"], "71010794476");
        assert!(env.extra.contains_key("users"));
        // Unknown fields survive a round trip.
        let back = serde_json::to_value(&env).unwrap();
        assert_eq!(back["contact"]["links"]["notes"], "/x");
    }

    #[test]
    fn ids_arrive_as_strings_too() {
        let c: Contact = serde_json::from_str(r#"{"id":"70042006456"}"#).unwrap();
        assert_eq!(c.id.to_string(), "70042006456");
        assert!(serde_json::from_str::<Contact>(r#"{"id":"abc"}"#).is_err());
    }

    #[test]
    fn product_events_in_both_sample_shapes() {
        let suite: ProductEvent = serde_json::from_str(r#"{"event":"onContactUpdate","timestamp":1593023454.58,"version":"2.0",
            "data":{"actor":{"id":1,"type":"user"},"associations":{},"contact":{"id":"70042006456","first_name":"A","last_name":null,
            "email":"a@x.io","emails":[],"mobile_number":null,"work_number":null,"custom_field":{"cf_tier":"Gold"}},
            "changes":{"model_changes":{"first_name":["B","A"]},"system_changes":{}}}}"#).unwrap();
        assert_eq!(suite.contact_id(), Some(FsId(70_042_006_456)));
        assert_eq!(suite.changed_fields(), vec!["first_name".to_string()]);
        assert!(suite.complete_contact(&["cf_tier"]).is_some());
        assert!(suite.complete_contact(&["cf_other"]).is_none());
        let classic: ProductEvent = serde_json::from_str(r#"{"data":{"contact":{"id":5,"changes":{"city":[null,"Oslo"]}}}}"#).unwrap();
        assert_eq!(classic.changed_fields(), vec!["city".to_string()]);
        assert!(classic.complete_contact(&[]).is_none(), "a trimmed contact is read from the API");
        let task: ProductEvent = serde_json::from_str(r#"{"data":{"task":{"id":9,"title":"T"},"associations":{"targetable":{"id":"77","_model":"Contact"}}}}"#).unwrap();
        assert_eq!(task.task_contact_id(), Some(FsId(77)));
        let deal: ProductEvent = serde_json::from_str(r#"{"data":{"task":{"id":9,"targetable_type":"Deal","targetable_id":3}}}"#).unwrap();
        assert_eq!(deal.task_contact_id(), None);
        assert!(deal.task_targets_other());
        let empty: ProductEvent = serde_json::from_str(r#"{"data":null}"#).unwrap();
        assert_eq!(empty.contact_id(), None);
    }

    #[test]
    fn notes_with_authors_and_views() {
        let r: NotesResponse = serde_json::from_str(r#"{"notes":[{"id":1,"description":"hi","creater_id":7}],"users":[{"id":"7","display_name":"Sam Rivera"}]}"#).unwrap();
        assert_eq!(r.author(&r.notes[0]).as_deref(), Some("Sam Rivera"));
        let f: FiltersResponse = serde_json::from_str(r#"{"filters":[{"id":2,"name":"My Contacts"},{"id":"3","name":"All Contacts"}]}"#).unwrap();
        assert_eq!(f.all_contacts_view(), Some(FsId(3)));
        let l: ContactList = serde_json::from_str(r#"{"contacts":[{"id":1}],"meta":{"total_pages":4,"total":80}}"#).unwrap();
        assert_eq!((l.contacts.len(), l.meta.total_pages), (1, 4));
    }

    #[test]
    fn task_status_in_both_forms() {
        let t: Task = serde_json::from_str(r#"{"id":1,"status":"Completed"}"#).unwrap();
        assert!(t.is_completed());
        let t: Task = serde_json::from_str(r#"{"id":1,"status":0}"#).unwrap();
        assert!(!t.is_completed());
        let t: Task = serde_json::from_str(r#"{"id":"2","status":1,"targetable_id":"70042006456"}"#).unwrap();
        assert!(t.is_completed());
        assert_eq!(t.targetable_id, Some(FsId(70_042_006_456)));
    }
}
