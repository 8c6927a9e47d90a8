//! Contract tests: the endpoint catalog, the request templates and the GHL wire types against
//! the official Contacts v2 spec (vendored in `spec/ghl-openapi/`, converted by
//! `ghl_bridge::spec`). Run with `cargo test --all-features --test contract`.
#![cfg(all(feature = "spec", not(target_arch = "wasm32")))]

use std::collections::BTreeSet;

use ghl_bridge::catalog::{self, Api, Body, Endpoint, QueryValue, Reply, CATALOG};
use ghl_bridge::datetime::Instant;
use ghl_bridge::ghl::{self, CustomFieldKind, CustomFieldWrite};
use ghl_bridge::phone;
use ghl_bridge::spec::{Operation, Spec};
use serde::de::DeserializeOwned;
use serde_json::{json, Value};

fn ghl_endpoints() -> impl Iterator<Item = &'static Endpoint> {
    CATALOG.iter().filter(|e| e.api == Api::Ghl)
}

fn op(e: &Endpoint) -> Operation {
    Spec::official().operation(e.operation).unwrap_or_else(|| panic!("{}: no operation {} in the spec", e.name, e.operation))
}

/// `{p}` placeholders of a spec path, or `<%= context.p %>` ones of a template path.
fn placeholders(path: &str) -> Vec<String> {
    path.split('/')
        .filter_map(|seg| {
            let seg = seg.strip_prefix("<%= context.").and_then(|s| s.strip_suffix(" %>")).or_else(|| seg.strip_prefix('{')?.strip_suffix('}'))?;
            Some(seg.to_string())
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Catalog and templates

#[test]
fn spec_operations_and_catalog_match_one_to_one() {
    let spec: BTreeSet<String> = Spec::official().operations().into_iter().map(|o| o.operation_id).collect();
    let ours: BTreeSet<String> = ghl_endpoints().map(|e| e.operation.to_string()).collect();
    assert_eq!(spec.len(), 32);
    assert_eq!(spec, ours);
}

#[test]
fn every_endpoint_has_the_spec_method_path_and_success_status() {
    for e in ghl_endpoints() {
        let o = op(e);
        assert_eq!((o.method.as_str(), o.path.as_str()), (e.method.as_str(), e.path), "{}", e.name);
        assert_eq!(o.success_status, e.success, "{}: documented success status", e.name);
        assert_eq!(o.has_body, e.body != Body::None, "{}: request body", e.name);
    }
}

#[test]
fn every_template_sends_the_required_query_and_headers_and_the_spec_path() {
    let spec: Value = serde_json::from_str(include_str!("../spec/ghl-openapi/contacts.json")).unwrap();
    for e in ghl_endpoints() {
        let o = op(e);
        let t = catalog::template(e);
        let s = &t["schema"];
        // Query: each required parameter is in the template or passed at run time.
        let fixed = s["query"].as_object().cloned().unwrap_or_default();
        for q in &o.required_query {
            let runtime = e.query.iter().any(|p| p.name == q && p.value == QueryValue::Runtime);
            assert!(fixed.contains_key(q) || runtime, "{}: required query {q} is never sent", e.name);
        }
        let ours: BTreeSet<&str> = e.query.iter().filter(|p| p.required).map(|p| p.name).collect();
        let theirs: BTreeSet<&str> = o.required_query.iter().map(String::as_str).collect();
        assert_eq!(ours, theirs, "{}: required query parameters", e.name);
        // Headers: Version with the one value the spec allows.
        assert_eq!(o.required_headers, vec!["Version"], "{}", e.name);
        let version = spec["paths"][e.path][e.method.as_str().to_lowercase()]["parameters"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["name"] == "Version")
            .unwrap()["schema"]["enum"]
            .clone();
        assert_eq!(version, json!([s["headers"]["Version"]]), "{}: Version header", e.name);
        assert_eq!(version, json!([ghl::API_VERSION]));
        // Path: the same parameters in the same places.
        let path = s["path"].as_str().unwrap();
        assert_eq!(placeholders(path), placeholders(&o.path), "{}: path parameters", e.name);
        let as_spec = path.split('/').map(|seg| match placeholders(seg).pop() {
            Some(p) => format!("{{{p}}}"),
            None => seg.to_string(),
        });
        assert_eq!(as_spec.collect::<Vec<_>>().join("/"), o.path, "{}: template path", e.name);
    }
}

// ---------------------------------------------------------------------------------------------
// Request bodies: realistic values of the core's types, strictly validated

fn custom_fields() -> Vec<CustomFieldWrite> {
    use CustomFieldKind::*;
    [
        ("wq1Lh4XaTBlqMdCv0nJh", Text, json!("Referral from Freshsales")),
        ("Xy0bq2cTt5Jw8rPzLm3K", LargeText, json!("Met at the London meetup.\nInterested in the Pro plan.")),
        ("Hk3oP9sVb2LmQ8nRt6Yw", SingleOptions, json!("Enterprise")),
        ("Rd7uE2iKc4ZpW1xNq9Lo", Radio, json!("Yes")),
        ("Nm5tG8hJa1SdF3kLz0Qe", Numerical, json!("42")),
        ("Mo2rY6vBn9CxT4wUe7Ip", Monetory, json!(1999.99)),
        ("Cb8sA3dFg6HjK1lZx4Vq", Checkbox, json!("newsletter; webinars")),
        ("Ms4wE7rTy0UiO2pAs5Df", MultipleOptions, json!(["EMEA", "APAC"])),
    ]
    .into_iter()
    .map(|(id, kind, raw)| CustomFieldWrite::typed(id, kind, &raw).unwrap().unwrap())
    .collect()
}

fn contact_fields() -> ghl::ContactFields {
    ghl::ContactFields {
        first_name: Some("Ada".into()),
        last_name: Some("Lovelace".into()),
        name: Some("Ada Lovelace".into()),
        email: Some("ada.lovelace@example.com".into()),
        phone: Some(phone::to_e164("07700 900123", "GB").unwrap()),
        address1: Some("12 St James's Square".into()),
        city: Some("London".into()),
        state: Some("England".into()),
        postal_code: Some("SW1Y 4JH".into()),
        website: Some("https://example.com".into()),
        timezone: Some("Europe/London".into()),
        dnd: Some(false),
        tags: Some(vec!["freshsales".into(), "vip".into()]),
        custom_fields: Some(custom_fields()),
        source: Some("Freshsales".into()),
        date_of_birth: Some("1815-12-10".into()),
        country: phone::country_code("United Kingdom").map(str::to_string),
        assigned_to: Some("y0BeYjuRIlDwsDcOHOJo".into()),
    }
}

const LOCATION: &str = "ve9EPM428h8vShlRW1KT";

fn held_task() -> ghl::Task {
    ghl::Task {
        id: "lJpzYrWdpkC2hX6t2yue".into(),
        title: Some("Call back".into()),
        body: Some("About the renewal".into()),
        assigned_to: Some("hxHGVRb1YJUscrCB8eXK".into()),
        due_date: Some("2026-03-02T09:30:00.000Z".into()),
        completed: false,
        contact_id: Some("seD4PfOuKoVMLkEZqohJ".into()),
        ..Default::default()
    }
}

/// A realistic body of the type `body` names, as the core would send it; `None` for no body.
/// Exhaustive: a new body type fails to compile here until it has a sample.
fn sample(body: Body) -> Option<Value> {
    let v = |x: Result<Value, serde_json::Error>| Some(x.unwrap());
    let due = Instant::parse("2026-03-02T09:30:00Z").unwrap().to_rfc3339();
    match body {
        Body::None => None,
        Body::CreateContact => v(serde_json::to_value(ghl::CreateContact {
            location_id: LOCATION.into(),
            fields: contact_fields(),
            company_name: Some("Analytical Engines Ltd".into()),
            gender: Some("female".into()),
        })),
        Body::UpdateContact => v(serde_json::to_value(ghl::UpdateContact { fields: contact_fields() })),
        Body::UpsertContact => v(serde_json::to_value(ghl::UpsertContact {
            location_id: LOCATION.into(),
            fields: contact_fields(),
            company_name: Some("Analytical Engines Ltd".into()),
            gender: None,
            create_new_if_duplicate_allowed: Some(false),
        })),
        Body::SearchContacts => v(serde_json::to_value(ghl::SearchContacts::text(LOCATION, "  ada lovelace  ", 20))),
        Body::CreateTask => v(serde_json::to_value(ghl::CreateTask {
            title: "Call back".into(),
            body: Some("About the renewal".into()),
            due_date: due,
            completed: false,
            assigned_to: Some("hxHGVRb1YJUscrCB8eXK".into()),
        })),
        Body::UpdateTask => v(serde_json::to_value(ghl::UpdateTask::whole(
            &held_task(),
            ghl::TaskEdit { due_date: Some(due), completed: Some(true), ..Default::default() },
        ))),
        Body::TaskCompleted => v(serde_json::to_value(ghl::TaskCompleted { completed: true })),
        Body::CreateNote => v(serde_json::to_value(ghl::CreateNote {
            body: "Spoke on the phone; sending the proposal Monday.".into(),
            user_id: Some("GCs5KuzPqTls7vWclkEV".into()),
            title: Some("Follow-up".into()),
            color: Some("#FFAA00".into()),
            pinned: Some(false),
        })),
        Body::UpdateNote => v(serde_json::to_value(ghl::UpdateNote {
            body: Some("Proposal sent.".into()),
            pinned: Some(true),
            ..Default::default()
        })),
        Body::Tags => v(serde_json::to_value(ghl::Tags { tags: vec!["freshsales".into(), "vip".into()] })),
        Body::Followers => v(serde_json::to_value(ghl::Followers { followers: vec!["sx6wyHhbFdRXh302Lunr".into()] })),
        Body::AddToCampaign => v(serde_json::to_value(ghl::AddToCampaign {})),
        Body::Workflow => v(serde_json::to_value(ghl::Workflow { event_start_time: Some("2026-03-02T09:30:00+01:00".into()) })),
        Body::BulkTags => v(serde_json::to_value(ghl::BulkTags {
            contacts: vec!["seD4PfOuKoVMLkEZqohJ".into(), "qFSqySFkVvNzOSqgGqFi".into()],
            tags: vec!["vip".into()],
            location_id: LOCATION.into(),
            remove_all_tags: Some(false),
        })),
        Body::BulkBusiness => v(serde_json::to_value(ghl::BulkBusiness {
            location_id: LOCATION.into(),
            ids: vec!["seD4PfOuKoVMLkEZqohJ".into()],
            business_id: Some("641c094001436dbc2081e642".into()),
        })),
        Body::FsContactUpdate | Body::FsNoteCreate => panic!("a GHL endpoint with a Freshsales body"),
    }
}

#[test]
fn every_request_body_the_core_builds_validates_strictly() {
    let spec = Spec::official();
    for e in ghl_endpoints() {
        match sample(e.body) {
            Some(body) => assert_eq!(spec.validate_request(e.operation, &body), Ok(()), "{}: {body:#}", e.name),
            None => assert!(!op(e).has_body, "{}", e.name),
        }
    }
}

#[test]
fn the_samples_exercise_what_they_claim() {
    let create = sample(Body::CreateContact).unwrap();
    let kinds: Vec<&Value> = create["customFields"].as_array().unwrap().iter().map(|f| &f["field_value"]).collect();
    assert!(kinds.iter().any(|v| v.is_string()) && kinds.iter().any(|v| v.is_number()) && kinds.iter().any(|v| v.is_array()));
    assert_eq!(create["customFields"][4]["field_value"], json!(42.0));
    assert_eq!(create["companyName"], "Analytical Engines Ltd");
    assert_eq!((&create["phone"], &create["country"]), (&json!("+447700900123"), &json!("GB")));
    let update = sample(Body::UpdateTask).unwrap();
    assert_eq!(update, json!({"title": "Call back", "body": "About the renewal", "dueDate": "2026-03-02T09:30:00Z", "completed": true, "assignedTo": "hxHGVRb1YJUscrCB8eXK"}));
    assert_eq!(sample(Body::SearchContacts).unwrap(), json!({"locationId": LOCATION, "pageLimit": 20, "page": 1, "query": "ada lovelace"}));
    // Removing contacts from their business sends `businessId: null`, which the spec allows.
    let remove = ghl::BulkBusiness { location_id: LOCATION.into(), ids: vec!["seD4PfOuKoVMLkEZqohJ".into()], business_id: None };
    let remove = serde_json::to_value(remove).unwrap();
    assert_eq!(remove["businessId"], Value::Null);
    assert_eq!(Spec::official().validate_request("add-remove-contact-from-business", &remove), Ok(()));
}

#[test]
fn unknown_or_misplaced_properties_fail_like_the_api() {
    let spec = Spec::official();
    let mut update = sample(Body::UpdateContact).unwrap();
    update["companyName"] = json!("Analytical Engines Ltd");
    update["locationId"] = json!(LOCATION);
    let errs = spec.validate_request("update-contact", &update).unwrap_err();
    assert!(errs.contains(&"property companyName should not exist".to_string()), "{errs:?}");
    assert!(errs.contains(&"property locationId should not exist".to_string()), "{errs:?}");

    let mut task = sample(Body::CreateTask).unwrap();
    task.as_object_mut().unwrap().remove("dueDate");
    assert_eq!(spec.validate_request("create-task", &task), Err(vec!["dueDate must be a string".to_string()]));

    let mut note = sample(Body::CreateNote).unwrap();
    note["jobTitle"] = json!("Engineer");
    assert_eq!(spec.validate_request("create-note", &note), Err(vec!["property jobTitle should not exist".to_string()]));

    let mut contact = sample(Body::CreateContact).unwrap();
    contact["additionalEmails"] = json!([{"email": "ada@example.org"}]);
    contact["customFields"][0]["fieldValue"] = json!("x");
    let errs = spec.validate_request("create-contact", &contact).unwrap_err();
    assert!(errs.contains(&"property additionalEmails should not exist".to_string()), "{errs:?}");
    assert!(errs.contains(&"customFields.0.property fieldValue should not exist".to_string()), "{errs:?}");

    let search = json!({"locationId": LOCATION, "pageLimit": 20, "query": "x".repeat(76)});
    let errs = spec.validate_request("search-contacts-advanced", &search).unwrap_err();
    assert_eq!(errs, vec!["query must be shorter than or equal to 75 characters"]);
    let errs = spec.validate_request("search-contacts-advanced", &json!({"query": "ada"})).unwrap_err();
    assert!(errs.contains(&"locationId must be a string".to_string()), "{errs:?}");
    assert!(errs.contains(&"pageLimit must be a number conforming to the specified constraints".to_string()), "{errs:?}");
}

// ---------------------------------------------------------------------------------------------
// Responses: the spec's examples parse into the core's reply types

fn parse<T: DeserializeOwned>(name: &str, example: &Value) -> T {
    serde_json::from_value(example.clone()).unwrap_or_else(|err| panic!("{name}: {err}\n{example:#}"))
}

fn check_contact(name: &str, c: &ghl::Contact, ex: &Value) {
    assert!(!c.id.is_empty(), "{name}");
    assert_eq!(c.id, ex["id"], "{name}");
    for (ours, key) in [(&c.email, "email"), (&c.location_id, "locationId"), (&c.first_name, "firstName"), (&c.phone, "phone"), (&c.company_name, "companyName")] {
        assert_eq!(ours.as_deref(), ex[key].as_str(), "{name}: {key}");
    }
    assert_eq!(json!(c.tags), ex.get("tags").cloned().unwrap_or(json!([])), "{name}: tags");
    let read: Vec<(&str, &Value)> = c.custom_fields.iter().map(|f| (f.id.as_str(), &f.value)).collect();
    let want: Vec<(&str, &Value)> = ex["customFields"].as_array().map_or(vec![], |a| a.iter().map(|f| (f["id"].as_str().unwrap(), &f["value"])).collect());
    assert_eq!(read, want, "{name}: customFields");
}

/// Parses the spec's example for `e`'s success response into `e.reply`'s type and checks key
/// fields. Exhaustive: a new reply type fails to compile here until it is checked.
fn check_reply(e: &Endpoint, ex: &Value) {
    let n = e.name;
    match e.reply {
        Reply::Contact => {
            let r: ghl::ContactResponse = parse(n, ex);
            check_contact(n, &r.contact, &ex["contact"]);
        }
        Reply::UpdateContact => {
            let r: ghl::UpdateContactResponse = parse(n, ex);
            assert!(r.succeeded, "{n}: succeded");
            check_contact(n, &r.contact, &ex["contact"]);
        }
        Reply::Upsert => {
            let r: ghl::UpsertResponse = parse(n, ex);
            assert_eq!(r.new, ex["new"], "{n}");
            check_contact(n, &r.contact, &ex["contact"]);
        }
        Reply::Search => {
            let r: ghl::SearchResponse = parse(n, ex);
            assert_eq!(r.contacts.len(), 1, "{n}");
            check_contact(n, &r.contacts[0], &ex["contacts"][0]);
            assert_eq!(json!(r.total), ex["total"], "{n}");
        }
        Reply::ContactList => {
            let r: ghl::ContactListResponse = parse(n, ex);
            assert_eq!(r.contacts.len(), 1, "{n}");
            check_contact(n, &r.contacts[0], &ex["contacts"][0]);
            assert_eq!(r.count, 10, "{n}: count");
        }
        Reply::Duplicate => {
            let r: ghl::DuplicateResponse = parse(n, ex);
            check_contact(n, r.contact.as_ref().expect("a match"), &ex["contact"]);
            let none: ghl::DuplicateResponse = parse(n, &json!({"contact": null}));
            assert!(none.contact.is_none());
            assert!(Spec::official().validate_response(e.operation, e.success, &json!({"contact": null})).is_ok());
        }
        Reply::Tasks => {
            let r: ghl::TasksResponse = parse(n, ex);
            assert_eq!(r.tasks.len(), 1, "{n}");
            check_task(n, &r.tasks[0], &ex["tasks"][0]);
        }
        Reply::Task => {
            let r: ghl::TaskResponse = parse(n, ex);
            check_task(n, &r.task, &ex["task"]);
        }
        Reply::Notes => {
            let r: ghl::NotesResponse = parse(n, ex);
            assert_eq!(r.notes.len(), 1, "{n}");
            check_note(n, &r.notes[0], &ex["notes"][0]);
        }
        Reply::Note => {
            let r: ghl::NoteResponse = parse(n, ex);
            check_note(n, &r.note, &ex["note"]);
        }
        Reply::Events => {
            let r: ghl::EventsResponse = parse(n, ex);
            let (a, x) = (&r.events[0], &ex["events"][0]);
            assert_eq!(a.id, "YS3jaqqeehkR2Is80miy", "{n}");
            assert_eq!(a.start_time.as_deref(), Some("2021-07-16 11:00:00"), "{n}");
            for (ours, key) in [(&a.end_time, "endTime"), (&a.calendar_id, "calendarId"), (&a.title, "title"), (&a.appointment_status, "appointmentStatus"), (&a.contact_id, "contactId")] {
                assert_eq!(ours.as_deref(), x[key].as_str(), "{n}: {key}");
            }
        }
        Reply::Tags => {
            let r: ghl::TagsResponse = parse(n, ex);
            assert_eq!(r.tags, ["minim", "velit magna"], "{n}");
        }
        Reply::Succeeded => {
            let r: ghl::SucceededResponse = parse(n, ex);
            assert_eq!(ex["succeded"], true, "{n}: the spec's spelling");
            assert!(r.succeeded, "{n}");
        }
        Reply::Followers => {
            let r: ghl::FollowersResponse = parse(n, ex);
            assert_eq!(r.followers, ["sx6wyHhbFdRXh302Lunr", "sx6wyHhbFdRXh302LLss"], "{n}");
        }
        Reply::BulkTags => {
            let r: ghl::BulkTagsResponse = parse(n, ex);
            assert!(r.succeeded, "{n}");
            assert_eq!(r.error_count, 0.0, "{n}");
            assert_eq!(r.responses.len(), 4, "{n}");
            assert_eq!(r.responses[1]["message"], "contact id is not a valid firebase id", "{n}");
        }
        Reply::BulkBusiness => {
            let r: ghl::BulkBusinessResponse = parse(n, ex);
            assert!(r.success, "{n}");
            assert_eq!(r.ids, ["pOC0uJ97VYOKH2m3fkMD"], "{n}");
        }
        Reply::FsContact | Reply::FsNote | Reply::FsFilters | Reply::FsNotes | Reply::FsContactList => panic!("{n}: a GHL endpoint with a Freshsales reply"),
    }
}

fn check_task(name: &str, t: &ghl::Task, ex: &Value) {
    assert_eq!(t.id, "lJpzYrWdpkC2hX6t2yue", "{name}");
    assert_eq!(t.due_date.as_deref(), Some("2021-07-08T02:30:00.000Z"), "{name}: dueDate");
    assert!(Instant::parse(t.due_date.as_deref().unwrap()).is_some(), "{name}: dueDate parses");
    assert_eq!(t.completed, ex["completed"], "{name}");
    for (ours, key) in [(&t.title, "title"), (&t.body, "body"), (&t.assigned_to, "assignedTo"), (&t.contact_id, "contactId")] {
        assert_eq!(ours.as_deref(), ex[key].as_str(), "{name}: {key}");
    }
}

fn check_note(name: &str, note: &ghl::Note, ex: &Value) {
    assert_eq!(note.id, "HGPcayliwcdoUFzvbTok", "{name}");
    assert_eq!(note.pinned, Some(false), "{name}");
    for (ours, key) in [(&note.body, "body"), (&note.user_id, "userId"), (&note.date_added, "dateAdded"), (&note.contact_id, "contactId"), (&note.title, "title"), (&note.color, "color")] {
        assert_eq!(ours.as_deref(), ex[key].as_str(), "{name}: {key}");
    }
}

#[test]
fn every_success_example_parses_into_the_reply_type() {
    let spec = Spec::official();
    for e in ghl_endpoints() {
        let ex = spec.example_response(e.operation, e.success).unwrap_or_else(|| panic!("{}: no {} example", e.name, e.success));
        assert_eq!(spec.validate_response(e.operation, e.success, &ex), Ok(()), "{}", e.name);
        check_reply(e, &ex);
    }
}

#[test]
fn example_payloads_carry_the_spec_values() {
    let spec = Spec::official();
    let contact = spec.example_response("get-contact", 200).unwrap();
    assert_eq!(contact["contact"]["id"], "seD4PfOuKoVMLkEZqohJ");
    assert_eq!(contact["contact"]["customFields"], json!([{"id": "MgobCB14YMVKuE4Ka8p1", "value": "name"}]));
    let created = spec.example_response("create-contact", 201).unwrap();
    let dob: ghl::ContactResponse = parse("create-contact", &created);
    assert!(matches!(dob.contact.date_of_birth, Some(ghl::DateOfBirth::Other(_))), "the example is prose, kept verbatim");
    assert_eq!(spec.example_response("delete-contact", 200), Some(json!({"succeded": true})));
    let upsert = spec.example_request("upsert-contact").unwrap();
    assert_eq!(upsert["dateOfBirth"], "1990-09-25");
    assert_eq!(upsert["createNewIfDuplicateAllowed"], false);
    assert_eq!(spec.example_request("get-contact"), None);
    assert_eq!(spec.example_response("get-contact", 201), None);
}

#[test]
fn every_documented_error_example_parses_into_the_error_body() {
    let spec = Spec::official();
    for e in ghl_endpoints() {
        for status in [400, 401, 422] {
            let Some(ex) = spec.example_response(e.operation, status) else { continue };
            let body: ghl::ErrorBody = parse(e.name, &ex);
            assert_eq!(body.status_code, Some(status), "{} {status}", e.name);
            assert!(!body.messages().is_empty(), "{} {status}", e.name);
        }
    }
    let unprocessable = spec.example_response("create-contact", 422).unwrap();
    assert_eq!(unprocessable["message"], json!(["Unprocessable Entity"]), "422 messages are a list");
}
