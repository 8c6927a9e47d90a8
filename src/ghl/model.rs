//! What GHL returns: contacts, tasks, notes, appointments, their response envelopes and the
//! error bodies.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::wire::null_as_default;

/// A GHL contact as `GET /contacts/:id` returns it (`GetContectByIdSchema` in the spec).
///
/// Every field is optional on the wire. Fields the app does not use, and fields the spec does
/// not list (`additionalEmails`, `followers`, …), are kept in [`Contact::extra`].
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Contact {
    /// The contact id (20-character Firestore-style).
    #[serde(default)]
    pub id: String,
    /// The sub-account the contact belongs to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location_id: Option<String>,
    /// Full name as GHL stores it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// First name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_name: Option<String>,
    /// Last name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_name: Option<String>,
    /// Primary email.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Primary phone, E.164 on read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    /// Company name (settable on create/upsert only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub company_name: Option<String>,
    /// Street address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address1: Option<String>,
    /// City.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub city: Option<String>,
    /// State or region.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    /// Two-letter country code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    /// Postal code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub postal_code: Option<String>,
    /// Website.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub website: Option<String>,
    /// IANA time zone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timezone: Option<String>,
    /// Free-text source ("Freshsales" for contacts this app creates).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// Tags, as GHL stores them (compare case-insensitively).
    #[serde(default, deserialize_with = "null_as_default", skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    /// Date of birth in either read form (`YYYY-MM-DD` or an ISO datetime).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date_of_birth: Option<DateOfBirth>,
    /// ISO-8601 UTC creation time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date_added: Option<String>,
    /// ISO-8601 UTC time of the last change.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date_updated: Option<String>,
    /// Custom field values, read shape `{id, value}`.
    #[serde(default, deserialize_with = "null_as_default", skip_serializing_if = "Vec::is_empty")]
    pub custom_fields: Vec<CustomFieldValue>,
    /// Every other field, kept as it came.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl Contact {
    /// The name to show: `name`, else first and last name joined, else the email.
    pub fn display_name(&self) -> String {
        let joined = [self.first_name.as_deref(), self.last_name.as_deref()]
            .into_iter()
            .flatten()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join(" ");
        let shown = [self.name.as_deref().map(str::trim), Some(joined.as_str()), self.email.as_deref()]
            .into_iter()
            .flatten()
            .find(|s| !s.is_empty())
            .unwrap_or_default()
            .to_string();
        shown
    }
}

/// A contact's date of birth. GET documents `YYYY-MM-DD`; the create response and webhooks send
/// `YYYY-MM-DDTHH:mm:ss.sssZ`. Both read into the same calendar date; anything else is kept
/// verbatim so nothing is rejected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DateOfBirth {
    /// A calendar date.
    Date {
        /// Year.
        year: i32,
        /// Month, 1–12.
        month: u8,
        /// Day, 1–31.
        day: u8,
    },
    /// A value in neither documented form.
    Other(String),
}

impl DateOfBirth {
    /// Parses either documented read form.
    pub fn parse(s: &str) -> Self {
        let date = s.get(..10).and_then(crate::datetime::CivilDate::parse_iso);
        let rest_ok = s.len() == 10 || s.as_bytes().get(10) == Some(&b'T');
        match date {
            Some(d) if rest_ok => DateOfBirth::Date { year: d.year, month: d.month, day: d.day },
            _ => DateOfBirth::Other(s.to_string()),
        }
    }
}

impl std::fmt::Display for DateOfBirth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DateOfBirth::Date { year, month, day } => write!(f, "{year:04}-{month:02}-{day:02}"),
            DateOfBirth::Other(s) => f.write_str(s),
        }
    }
}

impl Serialize for DateOfBirth {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for DateOfBirth {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(match Value::deserialize(d)? {
            Value::String(s) => DateOfBirth::parse(&s),
            other => DateOfBirth::Other(other.to_string()),
        })
    }
}

/// A custom field value as read: `{id, value}` where `value` may be any JSON type.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CustomFieldValue {
    /// The custom field's id.
    #[serde(default)]
    pub id: String,
    /// The value: a string for text fields, a number, an array or an object for others.
    #[serde(default)]
    pub value: Value,
    /// Other fields.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A task (`TaskSchema`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Task {
    /// Task id.
    #[serde(default)]
    pub id: String,
    /// Title.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
    /// GHL user id of the assignee.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assigned_to: Option<String>,
    /// ISO-8601 due time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub due_date: Option<String>,
    /// Whether the task is done.
    #[serde(default, deserialize_with = "null_as_default")]
    pub completed: bool,
    /// The contact the task belongs to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact_id: Option<String>,
    /// Other fields.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A note (`GetNoteSchema`). `body` may hold HTML from GHL's editor.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Note {
    /// Note id.
    #[serde(default)]
    pub id: String,
    /// Body, possibly rich-text HTML.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
    /// GHL user id of the author.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    /// ISO-8601 UTC creation time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date_added: Option<String>,
    /// The contact the note belongs to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact_id: Option<String>,
    /// Title (added to the spec in 2026; often absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Hex colour.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub color: Option<String>,
    /// Pinned flag.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pinned: Option<bool>,
    /// Other fields.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// An appointment, one of the `events` of `GET /contacts/:id/appointments` (`GetEventSchema`).
/// Its times carry no time zone (`"2021-07-16 11:00:00"`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Appointment {
    /// Event id.
    #[serde(default)]
    pub id: String,
    /// Calendar id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub calendar_id: Option<String>,
    /// Title.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Status, e.g. "booked".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// Appointment status, e.g. "booked", "cancelled", "showed".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub appointment_status: Option<String>,
    /// Start, `YYYY-MM-DD HH:MM:SS`, no zone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_time: Option<String>,
    /// End, `YYYY-MM-DD HH:MM:SS`, no zone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_time: Option<String>,
    /// Free-text notes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
    /// Where it takes place.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    /// The contact.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact_id: Option<String>,
    /// Other fields.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

macro_rules! envelope {
    ($(#[$doc:meta] $name:ident { $field:ident : $ty:ty, $json:literal $(, alias $alias:literal)? })*) => {$(
        #[$doc]
        #[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
        pub struct $name {
            #[doc = concat!("The `", $json, "` member.")]
            #[serde(rename = $json, $(alias = $alias,)? default, deserialize_with = "null_as_default")]
            pub $field: $ty,
            /// Other members (`traceId`, `meta`, …).
            #[serde(flatten)]
            pub extra: Map<String, Value>,
        }
    )*};
}

envelope! {
    /// `{contact}`: get contact, create contact.
    ContactResponse { contact: Contact, "contact" }
    /// `{tasks}`: list tasks.
    TasksResponse { tasks: Vec<Task>, "tasks" }
    /// `{task}`: get, create, update, complete task.
    TaskResponse { task: Task, "task" }
    /// `{notes}`: list notes.
    NotesResponse { notes: Vec<Note>, "notes" }
    /// `{note}`: get, create, update note.
    NoteResponse { note: Note, "note" }
    /// `{events}`: a contact's appointments.
    EventsResponse { events: Vec<Appointment>, "events" }
    /// `{tags}`: add or remove tags.
    TagsResponse { tags: Vec<String>, "tags" }
    /// `{succeded}` (spelled as in the spec): delete contact, task, note; campaigns; workflows.
    SucceededResponse { succeeded: bool, "succeded", alias "succeeded" }
    /// Duplicate search: `{contact}`, `null` or absent when nothing matches.
    DuplicateResponse { contact: Option<Contact>, "contact" }
    /// Followers added or removed: `{followers}`.
    FollowersResponse { followers: Vec<String>, "followers" }
}

/// `PUT /contacts/:id`: `{succeded, contact}`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct UpdateContactResponse {
    /// Whether the update went through (spelled `succeded` on the wire).
    #[serde(rename = "succeded", alias = "succeeded", default, deserialize_with = "null_as_default")]
    pub succeeded: bool,
    /// The contact after the update.
    #[serde(default, deserialize_with = "null_as_default")]
    pub contact: Contact,
    /// Other members.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `POST /contacts/upsert`: `{new, contact, traceId}`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UpsertResponse {
    /// True when a contact was created, false when an existing one was updated.
    #[serde(default, deserialize_with = "null_as_default")]
    pub new: bool,
    /// The resulting contact.
    #[serde(default, deserialize_with = "null_as_default")]
    pub contact: Contact,
    /// The request's trace id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trace_id: Option<String>,
    /// Other members.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `POST /contacts/search`: `{contacts, total}`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SearchResponse {
    /// The matching contacts.
    #[serde(default, deserialize_with = "null_as_default")]
    pub contacts: Vec<Contact>,
    /// How many match in all.
    #[serde(default, deserialize_with = "null_as_default")]
    pub total: u64,
    /// Other members.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// Deprecated `GET /contacts/` and `GET /contacts/business/:id`: `{contacts, count}`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ContactListResponse {
    /// The (slim) contacts.
    #[serde(default, deserialize_with = "null_as_default")]
    pub contacts: Vec<Contact>,
    /// How many in all.
    #[serde(default, deserialize_with = "null_as_default")]
    pub count: u64,
    /// Other members (`meta` with the paging cursor).
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `POST /contacts/bulk/tags/update/:type`: `{succeded, errorCount, responses}`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BulkTagsResponse {
    /// Whether the whole batch succeeded.
    #[serde(rename = "succeded", alias = "succeeded", default, deserialize_with = "null_as_default")]
    pub succeeded: bool,
    /// Number of contacts that failed.
    #[serde(default, deserialize_with = "null_as_default")]
    pub error_count: f64,
    /// Per-contact results.
    #[serde(default, deserialize_with = "null_as_default")]
    pub responses: Vec<Value>,
    /// Other members.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `POST /contacts/bulk/business`: `{success, ids}`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct BulkBusinessResponse {
    /// Whether it went through.
    #[serde(default, deserialize_with = "null_as_default")]
    pub success: bool,
    /// The contact ids processed.
    #[serde(default, deserialize_with = "null_as_default")]
    pub ids: Vec<String>,
    /// Other members.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// An error body. Two shapes occur: `{statusCode, message, error?}` (NestJS, with `message` a
/// string or a list) and `{status, message, name}` (the marketplace gateway). A create refused
/// as a duplicate adds `meta.contactId`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ErrorBody {
    /// HTTP status, NestJS shape.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_code: Option<u16>,
    /// HTTP status, gateway shape.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    /// One message or several.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<Messages>,
    /// Short error name ("Unprocessable Entity").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Exception name, gateway shape ("HttpException").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Details of a refused duplicate.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<DuplicateMeta>,
    /// Trace id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trace_id: Option<String>,
    /// Other members.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl ErrorBody {
    /// The messages as a list (empty when there are none).
    pub fn messages(&self) -> Vec<String> {
        match &self.message {
            None => Vec::new(),
            Some(Messages::One(m)) => vec![m.clone()],
            Some(Messages::Many(ms)) => ms.clone(),
        }
    }
}

/// `message` of an error body: a string or a list of strings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Messages {
    /// A single message.
    One(String),
    /// Several messages (validation errors).
    Many(Vec<String>),
}

/// `meta` of a 400 "This location does not allow duplicated contacts.".
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DuplicateMeta {
    /// The existing contact's id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact_id: Option<String>,
    /// Its name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact_name: Option<String>,
    /// Which field matched ("email" or "phone").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub matching_field: Option<String>,
    /// Other members.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}
