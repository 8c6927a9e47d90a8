//! What the app sends to GHL. Each body type has exactly the properties of its spec schema;
//! `None` fields are left out, so only what the caller set is sent.
//!
//! The type system carries the spec's rules: [`UpdateContact`] has no `locationId`,
//! `companyName` or `gender` (company can only be set by [`CreateContact`] or
//! [`UpsertContact`]), and nothing here has a job-title field, because GHL contacts have none.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The contact fields shared by create, update and upsert.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ContactFields {
    /// First name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_name: Option<String>,
    /// Last name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_name: Option<String>,
    /// Full name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Primary email.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Phone, E.164 (see [`crate::phone`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    /// Street address.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub address1: Option<String>,
    /// City.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub city: Option<String>,
    /// State or region.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    /// Postal code.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub postal_code: Option<String>,
    /// Website.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub website: Option<String>,
    /// IANA time zone.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timezone: Option<String>,
    /// Global do-not-disturb.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dnd: Option<bool>,
    /// Tags. **Replaces every tag** on update and upsert; use [`Tags`] with the tag endpoints
    /// to add or remove single tags.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tags: Option<Vec<String>>,
    /// Custom fields in the write shape.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub custom_fields: Option<Vec<CustomFieldWrite>>,
    /// Free-text source.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// Date of birth, `YYYY-MM-DD`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub date_of_birth: Option<String>,
    /// Two-letter country code (see [`crate::phone::country_code`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    /// GHL user id of the owner.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub assigned_to: Option<String>,
}

impl ContactFields {
    /// True when no field is set (an update that would change nothing).
    pub fn is_empty(&self) -> bool {
        self == &ContactFields::default()
    }
}

/// `POST /contacts/` body (`CreateContactDto`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateContact {
    /// The sub-account; must match the token's.
    pub location_id: String,
    /// The shared fields.
    #[serde(flatten)]
    pub fields: ContactFields,
    /// Company name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub company_name: Option<String>,
    /// Gender.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gender: Option<String>,
}

/// `PUT /contacts/:id` body (`UpdateContactDto`): no `locationId`, `companyName` or `gender`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct UpdateContact {
    /// The shared fields.
    #[serde(flatten)]
    pub fields: ContactFields,
}

/// `POST /contacts/upsert` body (`UpsertContactDto`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UpsertContact {
    /// The sub-account; must match the token's.
    pub location_id: String,
    /// The shared fields.
    #[serde(flatten)]
    pub fields: ContactFields,
    /// Company name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub company_name: Option<String>,
    /// Gender.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gender: Option<String>,
    /// Create a new contact when the location allows duplicates.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub create_new_if_duplicate_allowed: Option<bool>,
}

/// The kind of a GHL custom field, which decides the JSON type of its written value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum CustomFieldKind {
    /// Single-line text: a string.
    Text,
    /// Multi-line text: a string.
    LargeText,
    /// Dropdown (single): a string.
    SingleOptions,
    /// Radio: a string.
    Radio,
    /// Number: a JSON number.
    Numerical,
    /// Money: a JSON number.
    Monetory,
    /// Checkboxes: a list of strings.
    Checkbox,
    /// Dropdown (multiple): a list of strings.
    MultipleOptions,
}

/// A custom field value in the write shape `{id, field_value}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CustomFieldWrite {
    /// The field id (never the key: keys do not come back on read).
    pub id: String,
    /// The value, typed by the field's kind.
    pub field_value: Value,
}

/// Why a value cannot be written to a custom field of a given kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldValueError {
    /// The field id.
    pub id: String,
    /// The field's kind.
    pub kind: CustomFieldKind,
}

impl std::fmt::Display for FieldValueError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "value does not fit custom field {} ({:?})", self.id, self.kind)
    }
}

impl CustomFieldWrite {
    /// Types `raw` for a field of `kind`: strings for text-like kinds, numbers (also from
    /// numeric strings) for numeric kinds, lists for multi-valued kinds (a Freshsales
    /// multi-select arrives `;`-joined). Returns `Ok(None)` for an empty value.
    pub fn typed(id: &str, kind: CustomFieldKind, raw: &Value) -> Result<Option<Self>, FieldValueError> {
        use CustomFieldKind::*;
        let err = || FieldValueError { id: id.to_string(), kind };
        let value = match (kind, raw) {
            (_, Value::Null) => return Ok(None),
            (Text | LargeText | SingleOptions | Radio, Value::String(s)) if s.trim().is_empty() => return Ok(None),
            (Text | LargeText | SingleOptions | Radio, Value::String(s)) => Value::String(s.clone()),
            (Text | LargeText | SingleOptions | Radio, Value::Number(n)) => Value::String(n.to_string()),
            (Text | LargeText | SingleOptions | Radio, Value::Bool(b)) => Value::String(b.to_string()),
            (Numerical | Monetory, Value::Number(n)) => Value::Number(n.clone()),
            (Numerical | Monetory, Value::String(s)) if s.trim().is_empty() => return Ok(None),
            (Numerical | Monetory, Value::String(s)) => {
                let n: f64 = s.trim().parse().map_err(|_| err())?;
                serde_json::Number::from_f64(n).map(Value::Number).ok_or_else(err)?
            }
            (Checkbox | MultipleOptions, Value::String(s)) => {
                let items: Vec<Value> = s
                    .split(';')
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(|s| Value::String(s.to_string()))
                    .collect();
                if items.is_empty() {
                    return Ok(None);
                }
                Value::Array(items)
            }
            (Checkbox | MultipleOptions, Value::Bool(true)) => Value::Array(vec![Value::String("true".into())]),
            (Checkbox | MultipleOptions, Value::Array(a)) if a.iter().all(Value::is_string) => Value::Array(a.clone()),
            _ => return Err(err()),
        };
        Ok(Some(CustomFieldWrite { id: id.to_string(), field_value: value }))
    }
}

/// `POST /contacts/:id/tasks` body (`CreateTaskParams`): title, due date and completed are
/// required.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateTask {
    /// Title.
    pub title: String,
    /// Description.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
    /// RFC 3339 UTC due time (see [`crate::datetime::Instant::to_rfc3339`]).
    pub due_date: String,
    /// Always sent; `false` for a new open task.
    pub completed: bool,
    /// GHL user id of the assignee.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub assigned_to: Option<String>,
}

/// `PUT /contacts/:id/tasks/:taskId` body (`UpdateTaskBody`). Every field is optional in the
/// spec, but GHL is reported to reject partial updates, so the app always fills
/// title, body, due date and completed from the copy it holds ([`UpdateTask::whole`]).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UpdateTask {
    /// Title.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Description.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
    /// RFC 3339 due time.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub due_date: Option<String>,
    /// Done or not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub completed: Option<bool>,
    /// GHL user id of the assignee.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub assigned_to: Option<String>,
}

impl UpdateTask {
    /// The whole task as an update body: title, body, due date and completed, taken from
    /// `task` with `edit` applied on top.
    pub fn whole(task: &super::Task, edit: TaskEdit) -> Self {
        UpdateTask {
            title: Some(edit.title.unwrap_or_else(|| task.title.clone().unwrap_or_default())),
            body: Some(edit.body.unwrap_or_else(|| task.body.clone().unwrap_or_default())),
            due_date: edit.due_date.or_else(|| task.due_date.clone()),
            completed: Some(edit.completed.unwrap_or(task.completed)),
            assigned_to: task.assigned_to.clone(),
        }
    }
}

/// Changes a user makes to a task; `None` keeps the current value.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TaskEdit {
    /// New title.
    pub title: Option<String>,
    /// New description.
    pub body: Option<String>,
    /// New RFC 3339 due time.
    pub due_date: Option<String>,
    /// New state.
    pub completed: Option<bool>,
}

/// `PUT /contacts/:id/tasks/:taskId/completed` body (`UpdateTaskStatusParams`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct TaskCompleted {
    /// The new state.
    pub completed: bool,
}

/// `POST /contacts/:id/notes` body (`NotesDTO`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateNote {
    /// The text.
    pub body: String,
    /// GHL user id of the author.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    /// Title.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Hex colour.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub color: Option<String>,
    /// Pinned flag.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pinned: Option<bool>,
}

/// `PUT /contacts/:id/notes/:id` body (`UpdateNoteDTO`): every field optional.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UpdateNote {
    /// The text.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
    /// GHL user id of the author.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    /// Title.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Hex colour.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub color: Option<String>,
    /// Pinned flag.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pinned: Option<bool>,
}

/// `POST`/`DELETE /contacts/:id/tags` body (`TagsDTO`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Tags {
    /// The tags to add or remove.
    pub tags: Vec<String>,
}

/// `POST`/`DELETE /contacts/:id/followers` body (`FollowersDTO`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Followers {
    /// GHL user ids.
    pub followers: Vec<String>,
}

/// `POST /contacts/:id/campaigns/:campaignId` body (`AddContactToCampaignDto`, empty).
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct AddToCampaign {}

/// `POST`/`DELETE /contacts/:id/workflow/:workflowId` body (`CreateWorkflowDto`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Workflow {
    /// When the workflow starts, RFC 3339 with offset.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub event_start_time: Option<String>,
}

/// `POST /contacts/bulk/tags/update/:type` body (`UpdateTagsDTO`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BulkTags {
    /// Contact ids.
    pub contacts: Vec<String>,
    /// Tags to add or remove.
    pub tags: Vec<String>,
    /// The sub-account.
    pub location_id: String,
    /// Remove every tag (remove type only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub remove_all_tags: Option<bool>,
}

/// `POST /contacts/bulk/business` body (`ContactsBusinessUpdate`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BulkBusiness {
    /// The sub-account.
    pub location_id: String,
    /// Contact ids.
    pub ids: Vec<String>,
    /// The business, or null to remove.
    pub business_id: Option<String>,
}

/// `POST /contacts/search` body. The spec's `SearchBodyV2DTO` is empty although `locationId`
/// and `pageLimit` are required (see the errata in `spec.rs`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SearchContacts {
    /// The sub-account.
    pub location_id: String,
    /// Page size, at most 500.
    pub page_limit: u32,
    /// 1-based page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub page: Option<u32>,
    /// Full-text query, at most 75 characters.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub query: Option<String>,
    /// Field filters, ANDed.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub filters: Vec<SearchFilter>,
}

/// One `{field, operator, value}` search filter.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SearchFilter {
    /// Field, e.g. `email`.
    pub field: String,
    /// `eq`, `contains`, …
    pub operator: String,
    /// The value to compare with (left out for `exists` / `not_exists`).
    #[serde(default, skip_serializing_if = "Value::is_null")]
    pub value: Value,
}

impl SearchContacts {
    /// The search the manual-link dialog runs: a full-text query, trimmed to the API's 75
    /// characters.
    pub fn text(location_id: &str, query: &str, page_limit: u32) -> Self {
        let q: String = query.trim().chars().take(75).collect();
        SearchContacts {
            location_id: location_id.to_string(),
            page_limit: page_limit.clamp(1, 500),
            page: Some(1),
            query: (!q.is_empty()).then_some(q),
            filters: Vec::new(),
        }
    }
}
