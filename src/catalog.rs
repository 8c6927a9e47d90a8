//! The endpoint catalog: one entry per operation of the GHL Contacts v2 API (all 32 in the
//! official spec) plus the Freshsales operations the app uses, and the generator of
//! `config/requests.json` and of the manifest's template list.
//!
//! Everything that names an endpoint reads it from here: the request layer (which template to
//! invoke, whether a failure may be retried), the generated request templates, devhost's
//! stand-in routes and the contract tests against the official spec.

use serde_json::{json, Map, Value};

/// Which API an endpoint belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Api {
    /// HighLevel (LeadConnector) Contacts v2.
    Ghl,
    /// Freshsales Suite REST API.
    Freshsales,
}

/// HTTP method.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Method {
    /// GET
    Get,
    /// POST
    Post,
    /// PUT
    Put,
    /// DELETE
    Delete,
}

impl Method {
    /// The method's name in upper case.
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Delete => "DELETE",
        }
    }
}

/// The OAuth / Private Integration scope an operation needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scope {
    /// `contacts.readonly`
    ContactsReadonly,
    /// `contacts.write`
    ContactsWrite,
    /// The spec declares no security (the two bulk operations).
    Unspecified,
    /// A Freshsales API key (per-user, no scopes).
    FreshsalesKey,
}

/// Who invokes a template, which decides where its credentials come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Caller {
    /// The sidebar and the serverless handlers: credentials from saved (secure) iparams.
    App,
    /// The installation page, before anything is saved: credentials passed in `context`
    /// (allowed in host and headers from that page only).
    InstallPage,
}

/// Where a query parameter's value comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum QueryValue {
    /// A non-secure iparam, rendered into the template (a template query key always wins and
    /// is always sent).
    Iparam(&'static str),
    /// A constant in the template.
    Fixed(&'static str),
    /// Passed at call time as runtime `query`, and left out when empty.
    Runtime,
}

/// A query parameter of an endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct QueryParam {
    /// Its name.
    pub name: &'static str,
    /// Whether the API requires it.
    pub required: bool,
    /// Where its value comes from.
    pub value: QueryValue,
}

/// The request body type of an endpoint (a type in [`crate::ghl`] or [`crate::freshsales`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Body {
    /// No body.
    None,
    /// [`crate::ghl::CreateContact`]
    CreateContact,
    /// [`crate::ghl::UpdateContact`]
    UpdateContact,
    /// [`crate::ghl::UpsertContact`]
    UpsertContact,
    /// [`crate::ghl::SearchContacts`]
    SearchContacts,
    /// [`crate::ghl::CreateTask`]
    CreateTask,
    /// [`crate::ghl::UpdateTask`]
    UpdateTask,
    /// [`crate::ghl::TaskCompleted`]
    TaskCompleted,
    /// [`crate::ghl::CreateNote`]
    CreateNote,
    /// [`crate::ghl::UpdateNote`]
    UpdateNote,
    /// [`crate::ghl::Tags`]
    Tags,
    /// [`crate::ghl::Followers`]
    Followers,
    /// [`crate::ghl::AddToCampaign`]
    AddToCampaign,
    /// [`crate::ghl::Workflow`]
    Workflow,
    /// [`crate::ghl::BulkTags`]
    BulkTags,
    /// [`crate::ghl::BulkBusiness`]
    BulkBusiness,
    /// [`crate::freshsales::ContactUpdate`]
    FsContactUpdate,
    /// [`crate::freshsales::NoteCreate`]
    FsNoteCreate,
}

/// The success response type of an endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Reply {
    /// [`crate::ghl::ContactResponse`]
    Contact,
    /// [`crate::ghl::UpdateContactResponse`]
    UpdateContact,
    /// [`crate::ghl::UpsertResponse`]
    Upsert,
    /// [`crate::ghl::SearchResponse`]
    Search,
    /// [`crate::ghl::ContactListResponse`]
    ContactList,
    /// [`crate::ghl::DuplicateResponse`]
    Duplicate,
    /// [`crate::ghl::TasksResponse`]
    Tasks,
    /// [`crate::ghl::TaskResponse`]
    Task,
    /// [`crate::ghl::NotesResponse`]
    Notes,
    /// [`crate::ghl::NoteResponse`]
    Note,
    /// [`crate::ghl::EventsResponse`]
    Events,
    /// [`crate::ghl::TagsResponse`]
    Tags,
    /// [`crate::ghl::SucceededResponse`]
    Succeeded,
    /// [`crate::ghl::FollowersResponse`]
    Followers,
    /// [`crate::ghl::BulkTagsResponse`]
    BulkTags,
    /// [`crate::ghl::BulkBusinessResponse`]
    BulkBusiness,
    /// [`crate::freshsales::ContactEnvelope`]
    FsContact,
    /// [`crate::freshsales::NoteEnvelope`]
    FsNote,
    /// [`crate::freshsales::FiltersResponse`]
    FsFilters,
    /// [`crate::freshsales::NotesResponse`]
    FsNotes,
    /// [`crate::freshsales::ContactList`]
    FsContactList,
}

/// One operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Endpoint {
    /// The request template's name (`config/requests.json` key).
    pub name: &'static str,
    /// The spec's `operationId` (GHL) or our name for a Freshsales operation.
    pub operation: &'static str,
    /// Which API.
    pub api: Api,
    /// HTTP method.
    pub method: Method,
    /// Path with `{param}` placeholders, as in the spec.
    pub path: &'static str,
    /// Query parameters.
    pub query: &'static [QueryParam],
    /// Request body type.
    pub body: Body,
    /// Success response type.
    pub reply: Reply,
    /// The documented success status.
    pub success: u16,
    /// Scope needed.
    pub scope: Scope,
    /// Changes state on the server. Writes are never retried automatically.
    pub write: bool,
    /// Creates a record: any outcome but 2xx, a duplicate 400, 401, 403 or 429 is an
    /// uncertain write that must be looked up before any retry.
    pub creates: bool,
    /// Whether the app ships a request template for it.
    pub shipped: bool,
    /// Who invokes it.
    pub caller: Caller,
}

impl Endpoint {
    /// The names of the path parameters, in order (`contactId`, `taskId`, …). Each is passed
    /// as a `context` value of the same name.
    pub fn path_params(&self) -> impl Iterator<Item = &'static str> {
        self.path.split('/').filter_map(|seg| seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
    }

    /// Whether a failed call may be retried automatically (idempotent reads only; the search
    /// is a POST but reads).
    pub fn retryable(&self) -> bool {
        !self.write
    }

    /// Matches a concrete path (no query) against this endpoint's template and returns the
    /// path parameters.
    pub fn match_path(&self, path: &str) -> Option<Vec<(&'static str, String)>> {
        let mut want = self.path.trim_end_matches('/').split('/');
        let mut got = path.trim_end_matches('/').split('/');
        let mut params = Vec::new();
        loop {
            match (want.next(), got.next()) {
                (None, None) => return Some(params),
                (Some(w), Some(g)) => match w.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                    Some(name) if !g.is_empty() => params.push((name, percent_decode(g))),
                    Some(_) => return None,
                    None if w == g => {}
                    None => return None,
                },
                _ => return None,
            }
        }
    }
}

const fn q(name: &'static str, required: bool, value: QueryValue) -> QueryParam {
    QueryParam { name, required, value }
}

const LOCATION: QueryParam = q("locationId", true, QueryValue::Iparam("ghl_location_id"));

macro_rules! ep {
    ($name:literal, $op:literal, $api:ident $method:ident $path:literal, q[$($q:expr),*], $body:ident -> $reply:ident $success:literal, $scope:ident, write=$write:literal, creates=$creates:literal, shipped=$shipped:literal) => {
        Endpoint {
            name: $name, operation: $op, api: Api::$api, method: Method::$method, path: $path,
            query: &[$($q),*], body: Body::$body, reply: Reply::$reply, success: $success,
            scope: Scope::$scope, write: $write, creates: $creates, shipped: $shipped, caller: Caller::App,
        }
    };
}

const SEARCH: Endpoint = ep!("ghlSearchContacts", "search-contacts-advanced", Ghl Post "/contacts/search", q[], SearchContacts -> Search 200, ContactsReadonly, write=false, creates=false, shipped=true);
const FS_FILTERS: Endpoint = ep!("fsListContactFilters", "fs-list-contact-filters", Freshsales Get "/crm/sales/api/contacts/filters", q[], None -> FsFilters 200, FreshsalesKey, write=false, creates=false, shipped=true);

/// Every operation. GHL entries follow the order of the spec's paths.
pub const CATALOG: &[Endpoint] = &[
    // Search
    SEARCH,
    ep!("ghlFindDuplicate", "get-duplicate-contact", Ghl Get "/contacts/search/duplicate",
        q[LOCATION, q("number", false, QueryValue::Runtime), q("email", false, QueryValue::Runtime)],
        None -> Duplicate 200, ContactsReadonly, write=false, creates=false, shipped=true),
    // Tasks
    ep!("ghlListTasks", "get-all-tasks", Ghl Get "/contacts/{contactId}/tasks", q[], None -> Tasks 200, ContactsReadonly, write=false, creates=false, shipped=true),
    ep!("ghlCreateTask", "create-task", Ghl Post "/contacts/{contactId}/tasks", q[], CreateTask -> Task 201, ContactsWrite, write=true, creates=true, shipped=true),
    ep!("ghlGetTask", "get-task", Ghl Get "/contacts/{contactId}/tasks/{taskId}", q[], None -> Task 200, ContactsReadonly, write=false, creates=false, shipped=true),
    ep!("ghlUpdateTask", "update-task", Ghl Put "/contacts/{contactId}/tasks/{taskId}", q[], UpdateTask -> Task 200, ContactsWrite, write=true, creates=false, shipped=true),
    ep!("ghlDeleteTask", "delete-task", Ghl Delete "/contacts/{contactId}/tasks/{taskId}", q[], None -> Succeeded 200, ContactsWrite, write=true, creates=false, shipped=true),
    ep!("ghlCompleteTask", "update-task-completed", Ghl Put "/contacts/{contactId}/tasks/{taskId}/completed", q[], TaskCompleted -> Task 200, ContactsWrite, write=true, creates=false, shipped=true),
    // Appointments
    ep!("ghlListAppointments", "get-appointments-for-contact", Ghl Get "/contacts/{contactId}/appointments", q[], None -> Events 200, ContactsReadonly, write=false, creates=false, shipped=true),
    // Tags
    ep!("ghlAddTags", "add-tags", Ghl Post "/contacts/{contactId}/tags", q[], Tags -> Tags 201, ContactsWrite, write=true, creates=false, shipped=true),
    ep!("ghlRemoveTags", "remove-tags", Ghl Delete "/contacts/{contactId}/tags", q[], Tags -> Tags 200, ContactsWrite, write=true, creates=false, shipped=true),
    // Notes
    ep!("ghlListNotes", "get-all-notes", Ghl Get "/contacts/{contactId}/notes", q[], None -> Notes 200, ContactsReadonly, write=false, creates=false, shipped=true),
    ep!("ghlCreateNote", "create-note", Ghl Post "/contacts/{contactId}/notes", q[], CreateNote -> Note 201, ContactsWrite, write=true, creates=true, shipped=true),
    ep!("ghlGetNote", "get-note", Ghl Get "/contacts/{contactId}/notes/{id}", q[], None -> Note 200, ContactsReadonly, write=false, creates=false, shipped=true),
    ep!("ghlUpdateNote", "update-note", Ghl Put "/contacts/{contactId}/notes/{id}", q[], UpdateNote -> Note 200, ContactsWrite, write=true, creates=false, shipped=true),
    ep!("ghlDeleteNote", "delete-note", Ghl Delete "/contacts/{contactId}/notes/{id}", q[], None -> Succeeded 200, ContactsWrite, write=true, creates=false, shipped=true),
    // Bulk
    ep!("ghlBulkTags", "create-association", Ghl Post "/contacts/bulk/tags/update/{type}", q[], BulkTags -> BulkTags 201, Unspecified, write=true, creates=false, shipped=false),
    ep!("ghlBulkBusiness", "add-remove-contact-from-business", Ghl Post "/contacts/bulk/business", q[], BulkBusiness -> BulkBusiness 200, Unspecified, write=true, creates=false, shipped=false),
    // Contacts
    ep!("ghlGetContact", "get-contact", Ghl Get "/contacts/{contactId}", q[], None -> Contact 200, ContactsReadonly, write=false, creates=false, shipped=true),
    ep!("ghlUpdateContact", "update-contact", Ghl Put "/contacts/{contactId}", q[], UpdateContact -> UpdateContact 200, ContactsWrite, write=true, creates=false, shipped=true),
    ep!("ghlDeleteContact", "delete-contact", Ghl Delete "/contacts/{contactId}", q[], None -> Succeeded 200, ContactsWrite, write=true, creates=false, shipped=true),
    ep!("ghlUpsertContact", "upsert-contact", Ghl Post "/contacts/upsert", q[], UpsertContact -> Upsert 200, ContactsWrite, write=true, creates=true, shipped=true),
    ep!("ghlContactsByBusiness", "get-contacts-by-businessId", Ghl Get "/contacts/business/{businessId}",
        q[LOCATION, q("limit", false, QueryValue::Runtime), q("skip", false, QueryValue::Runtime), q("query", false, QueryValue::Runtime)],
        None -> ContactList 200, ContactsReadonly, write=false, creates=false, shipped=true),
    // Followers, campaigns, workflows
    ep!("ghlAddFollowers", "add-followers-contact", Ghl Post "/contacts/{contactId}/followers", q[], Followers -> Followers 201, ContactsWrite, write=true, creates=false, shipped=false),
    ep!("ghlRemoveFollowers", "remove-followers-contact", Ghl Delete "/contacts/{contactId}/followers", q[], Followers -> Followers 200, ContactsWrite, write=true, creates=false, shipped=false),
    ep!("ghlAddToCampaign", "add-contact-to-campaign", Ghl Post "/contacts/{contactId}/campaigns/{campaignId}", q[], AddToCampaign -> Succeeded 201, ContactsWrite, write=true, creates=false, shipped=false),
    ep!("ghlRemoveFromCampaign", "remove-contact-from-campaign", Ghl Delete "/contacts/{contactId}/campaigns/{campaignId}", q[], None -> Succeeded 200, ContactsWrite, write=true, creates=false, shipped=false),
    ep!("ghlRemoveFromAllCampaigns", "remove-contact-from-every-campaign", Ghl Delete "/contacts/{contactId}/campaigns/removeAll", q[], None -> Succeeded 200, ContactsWrite, write=true, creates=false, shipped=false),
    ep!("ghlAddToWorkflow", "add-contact-to-workflow", Ghl Post "/contacts/{contactId}/workflow/{workflowId}", q[], Workflow -> Succeeded 200, ContactsWrite, write=true, creates=false, shipped=false),
    ep!("ghlRemoveFromWorkflow", "delete-contact-from-workflow", Ghl Delete "/contacts/{contactId}/workflow/{workflowId}", q[], Workflow -> Succeeded 200, ContactsWrite, write=true, creates=false, shipped=false),
    ep!("ghlCreateContact", "create-contact", Ghl Post "/contacts/", q[], CreateContact -> Contact 201, ContactsWrite, write=true, creates=true, shipped=true),
    ep!("ghlListContacts", "get-contacts", Ghl Get "/contacts/",
        q[LOCATION, q("startAfterId", false, QueryValue::Runtime), q("startAfter", false, QueryValue::Runtime), q("query", false, QueryValue::Runtime), q("limit", false, QueryValue::Runtime)],
        None -> ContactList 200, ContactsReadonly, write=false, creates=false, shipped=true),
    // Freshsales Suite
    ep!("fsGetContact", "fs-get-contact", Freshsales Get "/crm/sales/api/contacts/{id}", q[q("include", false, QueryValue::Fixed("sales_accounts"))],
        None -> FsContact 200, FreshsalesKey, write=false, creates=false, shipped=true),
    ep!("fsUpdateContact", "fs-update-contact", Freshsales Put "/crm/sales/api/contacts/{id}", q[], FsContactUpdate -> FsContact 200, FreshsalesKey, write=true, creates=false, shipped=false),
    ep!("fsCreateNote", "fs-create-note", Freshsales Post "/crm/sales/api/notes", q[], FsNoteCreate -> FsNote 201, FreshsalesKey, write=true, creates=true, shipped=true),
    FS_FILTERS,
    // The background sync: a contact's notes (route inferred from `contact.links.notes`), and
    // one page of a contact view, newest change first (the catch-up scan for lost events).
    ep!("fsListContactNotes", "fs-list-contact-notes", Freshsales Get "/crm/sales/api/contacts/{id}/notes", q[q("include", false, QueryValue::Fixed("creater"))],
        None -> FsNotes 200, FreshsalesKey, write=false, creates=false, shipped=true),
    ep!("fsListContacts", "fs-list-contacts", Freshsales Get "/crm/sales/api/contacts/view/{view_id}",
        q[q("sort", false, QueryValue::Fixed("updated_at")), q("sort_type", false, QueryValue::Fixed("desc")), q("page", false, QueryValue::Runtime), q("per_page", false, QueryValue::Runtime)],
        None -> FsContactList 200, FreshsalesKey, write=false, creates=false, shipped=true),
    // Not shipped: devhost and the tests create Freshsales contacts with it.
    ep!("fsCreateContact", "fs-create-contact", Freshsales Post "/crm/sales/api/contacts", q[], FsContactUpdate -> FsContact 201, FreshsalesKey, write=true, creates=true, shipped=false),
    // Connection checks from the installation page, before the credentials are saved.
    Endpoint { name: "ghlCheckConnection", caller: Caller::InstallPage, ..SEARCH },
    Endpoint { name: "fsCheckConnection", caller: Caller::InstallPage, ..FS_FILTERS },
];

/// The endpoint whose template is `name`.
pub fn by_name(name: &str) -> Option<&'static Endpoint> {
    CATALOG.iter().find(|e| e.name == name)
}

/// The endpoint for `api`, `method` and a concrete `path`, with its path parameters: how
/// devhost's stand-ins route a request. Endpoints with fixed segments win over ones with
/// placeholders at the same position (`/contacts/search` before `/contacts/{contactId}`).
pub fn route(api: Api, method: &str, path: &str) -> Option<(&'static Endpoint, Vec<(&'static str, String)>)> {
    CATALOG
        .iter()
        .filter(|e| e.api == api && e.caller == Caller::App && e.method.as_str().eq_ignore_ascii_case(method))
        .filter_map(|e| e.match_path(path).map(|p| (e, p)))
        .min_by_key(|(_, p)| p.len())
}

/// The GHL request templates' common headers.
fn ghl_headers(e: &Endpoint) -> Map<String, Value> {
    let auth = match e.caller {
        Caller::App => "Bearer <%= iparam.ghl_token %>",
        Caller::InstallPage => "Bearer <%= context.ghl_token %>",
    };
    let mut h = Map::new();
    h.insert("Authorization".into(), auth.into());
    h.insert("Version".into(), crate::ghl::API_VERSION.into());
    h.insert("Accept".into(), "application/json".into());
    h
}

fn fs_headers(e: &Endpoint) -> Map<String, Value> {
    let auth = match e.caller {
        Caller::App => "Token token=<%= iparam.fs_api_key %>",
        Caller::InstallPage => "Token token=<%= context.fs_api_key %>",
    };
    let mut h = Map::new();
    h.insert("Authorization".into(), auth.into());
    h.insert("Accept".into(), "application/json".into());
    h
}

/// The Freshworks request template of one endpoint.
pub fn template(e: &Endpoint) -> Value {
    let (host, mut headers) = match (e.api, e.caller) {
        (Api::Ghl, _) => (crate::ghl::HOST, ghl_headers(e)),
        (Api::Freshsales, Caller::App) => ("<%= iparam.fs_domain %>", fs_headers(e)),
        (Api::Freshsales, Caller::InstallPage) => ("<%= context.fs_domain %>", fs_headers(e)),
    };
    if e.body != Body::None {
        headers.insert("Content-Type".into(), "application/json".into());
    }
    let path = e
        .path
        .split('/')
        .map(|seg| match seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
            Some(p) => format!("<%= context.{p} %>"),
            None => seg.to_string(),
        })
        .collect::<Vec<_>>()
        .join("/");
    let mut schema = Map::new();
    schema.insert("method".into(), e.method.as_str().into());
    schema.insert("host".into(), host.into());
    schema.insert("path".into(), path.into());
    schema.insert("headers".into(), Value::Object(headers));
    let fixed: Map<String, Value> = e
        .query
        .iter()
        .filter_map(|p| match p.value {
            QueryValue::Iparam(i) if e.caller == Caller::App => Some((p.name.to_string(), format!("<%= iparam.{i} %>").into())),
            QueryValue::Iparam(_) => Some((p.name.to_string(), format!("<%= context.{} %>", p.name).into())),
            QueryValue::Fixed(v) => Some((p.name.to_string(), v.into())),
            QueryValue::Runtime => None,
        })
        .collect();
    if !fixed.is_empty() {
        schema.insert("query".into(), Value::Object(fixed));
    }
    // One attempt: the platform's retries would resend POSTs blindly and cannot honour
    // Retry-After, so all retrying lives in the core.
    json!({ "schema": schema, "options": { "maxAttempts": 1 } })
}

/// The whole `config/requests.json`: every shipped endpoint's template, keyed by name.
pub fn requests_json() -> Value {
    let mut out = Map::new();
    for e in CATALOG.iter().filter(|e| e.shipped) {
        out.insert(e.name.to_string(), template(e));
    }
    Value::Object(out)
}

/// The `modules.common.requests` object of `manifest.json`: every shipped template declared.
pub fn manifest_requests() -> Value {
    Value::Object(CATALOG.iter().filter(|e| e.shipped).map(|e| (e.name.to_string(), json!({}))).collect())
}

/// Percent-encodes a query value: everything but unreserved characters, so `+` and `@` are
/// encoded exactly once (`%2B`, `%40`).
pub fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => out.push(b as char),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// Decodes `%XX` escapes (and nothing else: `+` stays `+`).
pub fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = |c: u8| (c as char).to_digit(16);
        match (b[i], b.get(i + 1).copied().and_then(hex), b.get(i + 2).copied().and_then(hex)) {
            (b'%', Some(h), Some(l)) => {
                out.push((h * 16 + l) as u8);
                i += 3;
            }
            (c, _, _) => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Builds the runtime query for a call: only [`QueryValue::Runtime`] parameters of the
/// endpoint, trimmed, empty ones left out (`email=` breaks duplicate search). Values stay
/// unencoded here; the platform encodes them once. Unknown names are a programming error and
/// are dropped.
pub fn runtime_query(e: &Endpoint, values: &[(&str, &str)]) -> Vec<(String, String)> {
    values
        .iter()
        .filter(|(k, _)| e.query.iter().any(|p| p.name == *k && p.value == QueryValue::Runtime))
        .map(|(k, v)| (k.to_string(), v.trim().to_string()))
        .filter(|(_, v)| !v.is_empty())
        .collect()
}

/// Renders a query string from decoded pairs, encoding each value exactly once.
pub fn query_string(pairs: &[(String, String)]) -> String {
    pairs.iter().map(|(k, v)| format!("{}={}", percent_encode(k), percent_encode(v))).collect::<Vec<_>>().join("&")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn names_and_operations_are_unique_and_valid_template_names() {
        let mut names = HashSet::new();
        let mut ops = HashSet::new();
        for e in CATALOG {
            assert!(names.insert(e.name), "duplicate template name {}", e.name);
            assert!(e.name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-'), "{}", e.name);
            if e.caller == Caller::App {
                assert!(ops.insert((e.api, e.operation)), "duplicate operation {}", e.operation);
            }
        }
        assert_eq!(CATALOG.iter().filter(|e| e.api == Api::Ghl && e.caller == Caller::App).count(), 32);
    }

    #[test]
    fn writes_are_never_retryable_and_creates_are_writes() {
        for e in CATALOG {
            assert_eq!(e.retryable(), !e.write, "{}", e.name);
            assert!(!e.creates || (e.write && e.method == Method::Post), "{}", e.name);
        }
        assert!(by_name("ghlSearchContacts").unwrap().retryable(), "search is a POST that reads");
    }

    #[test]
    fn routes_prefer_fixed_segments() {
        let (e, p) = route(Api::Ghl, "GET", "/contacts/search/duplicate").unwrap();
        assert_eq!(e.name, "ghlFindDuplicate");
        assert!(p.is_empty());
        let (e, p) = route(Api::Ghl, "GET", "/contacts/abc123").unwrap();
        assert_eq!((e.name, p), ("ghlGetContact", vec![("contactId", "abc123".to_string())]));
        let (e, _) = route(Api::Ghl, "DELETE", "/contacts/abc/campaigns/removeAll").unwrap();
        assert_eq!(e.name, "ghlRemoveFromAllCampaigns");
        let (e, p) = route(Api::Ghl, "put", "/contacts/c1/tasks/t1/completed").unwrap();
        assert_eq!(e.name, "ghlCompleteTask");
        assert_eq!(p, vec![("contactId", "c1".to_string()), ("taskId", "t1".to_string())]);
        assert_eq!(route(Api::Ghl, "GET", "/contacts/").unwrap().0.name, "ghlListContacts");
        assert_eq!(route(Api::Ghl, "POST", "/contacts").unwrap().0.name, "ghlCreateContact");
        assert!(route(Api::Ghl, "PATCH", "/contacts/x").is_none());
        let (e, p) = route(Api::Freshsales, "GET", "/crm/sales/api/contacts/70042006456").unwrap();
        assert_eq!((e.name, p[0].1.as_str()), ("fsGetContact", "70042006456"));
        assert_eq!(route(Api::Freshsales, "GET", "/crm/sales/api/contacts/filters").unwrap().0.name, "fsListContactFilters");
    }

    #[test]
    fn templates_follow_the_platform_rules() {
        let all = requests_json();
        for (name, t) in all.as_object().unwrap() {
            let e = by_name(name).unwrap();
            assert_eq!(t["options"]["maxAttempts"], 1, "{name}");
            let s = &t["schema"];
            let headers = s["headers"].as_object().unwrap();
            // Secure iparams appear in headers only.
            for secure in ["iparam.ghl_token", "iparam.fs_api_key"] {
                for part in ["host", "path"] {
                    assert!(!s[part].as_str().unwrap().contains(secure), "{name} {part}");
                }
                assert!(!s.get("query").map(|q| q.to_string()).unwrap_or_default().contains(secure), "{name}");
            }
            // Context only in path and query for front-end callers.
            if e.caller == Caller::App {
                assert!(!s["host"].as_str().unwrap().contains("context."), "{name}");
                assert!(!headers.values().any(|v| v.as_str().unwrap().contains("context.")), "{name}");
            }
            if e.api == Api::Ghl {
                assert_eq!(headers["Version"], "2021-07-28", "{name}");
                assert_eq!(s["host"], "services.leadconnectorhq.com");
            }
            assert_eq!(headers.contains_key("Content-Type"), e.body != Body::None, "{name}");
            // Values that may be empty are never template query.
            if let Some(q) = s.get("query").and_then(Value::as_object) {
                assert!(!q.contains_key("email") && !q.contains_key("number"), "{name}");
            }
        }
        let dup = &all["ghlFindDuplicate"]["schema"];
        assert_eq!(dup["query"]["locationId"], "<%= iparam.ghl_location_id %>");
        assert_eq!(all["ghlGetTask"]["schema"]["path"], "/contacts/<%= context.contactId %>/tasks/<%= context.taskId %>");
        assert_eq!(all["fsGetContact"]["schema"]["query"]["include"], "sales_accounts");
        assert_eq!(all["fsCheckConnection"]["schema"]["host"], "<%= context.fs_domain %>");
    }

    #[test]
    fn query_values_are_encoded_exactly_once_and_empty_ones_dropped() {
        let e = by_name("ghlFindDuplicate").unwrap();
        let q = runtime_query(e, &[("email", " a+b@x.io "), ("number", ""), ("locationId", "evil")]);
        assert_eq!(q, vec![("email".to_string(), "a+b@x.io".to_string())]);
        assert_eq!(query_string(&q), "email=a%2Bb%40x.io");
        assert_eq!(query_string(&[("number".into(), "+14231645160".into())]), "number=%2B14231645160");
        assert_eq!(percent_decode("a%2Bb%40x.io"), "a+b@x.io");
        assert_eq!(percent_decode(&percent_encode("ü +%")), "ü +%");
    }
}
