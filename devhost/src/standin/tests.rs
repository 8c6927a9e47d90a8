//! Behaviour of both stand-ins and of the default seed, driven through `Upstream::handle`
//! with requests shaped as the proxy hands them over.

use ghl_bridge::catalog::{self, Api, Caller, CATALOG};
use ghl_bridge::datetime::Instant;
use ghl_bridge::link::LinkRecord;
use serde_json::{json, Value};

use super::ids::default_seed as ids;
use super::*;
use crate::upstream::{Upstream, UpstreamRequest, DEVHOST_TEMPLATE};

/// The default seed's referenceTime: loading at this instant shifts nothing.
fn reference() -> i64 {
    Instant::parse("2026-12-01T15:00:00.000Z").unwrap().0
}

fn standins() -> StandIns {
    StandIns::from_seed(Seed::default_at(reference()), StandInConfig::default())
}

/// A request as the proxy renders it: `target` is a path with an optional `?query`.
fn request(method: &str, host: &str, target: &str, headers: &[(&str, &str)], body: Option<Value>) -> UpstreamRequest {
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    UpstreamRequest {
        installation: "test".into(),
        method: method.into(),
        host: host.into(),
        path: path.into(),
        query: query
            .split('&')
            .filter(|p| !p.is_empty())
            .map(|p| {
                let (k, v) = p.split_once('=').unwrap_or((p, ""));
                (k.to_string(), catalog::percent_decode(v))
            })
            .collect(),
        headers: headers.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
        body: body.map(|b| b.to_string()),
        template: "test".into(),
    }
}

const GHL_HEADERS: &[(&str, &str)] = &[("Authorization", "Bearer pit-demo-token"), ("Version", "2021-07-28"), ("Accept", "application/json")];

/// As the GHL templates render: `Content-Type` only with a body.
fn ghl_req(method: &str, target: &str, body: Option<Value>) -> UpstreamRequest {
    let mut headers = GHL_HEADERS.to_vec();
    if body.is_some() {
        headers.push(("Content-Type", "application/json"));
    }
    request(method, "services.leadconnectorhq.com", target, &headers, body)
}

struct Answer {
    status: u16,
    body: Value,
    headers: Vec<(String, String)>,
}

impl Answer {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}

fn send(up: &dyn Upstream, req: &UpstreamRequest, now: i64) -> Answer {
    let r = up.handle(req, now);
    Answer { status: r.status, body: serde_json::from_str(&r.body).expect("JSON body"), headers: r.headers }
}

fn ghl(s: &StandIns, method: &str, target: &str, body: Option<Value>) -> Answer {
    send(&*s.ghl, &ghl_req(method, target, body), reference())
}

const FS_HOST: &str = "demo.myfreshworks.com";
const FS_HEADERS: &[(&str, &str)] = &[("Authorization", "Token token=fs-demo-key"), ("Accept", "application/json")];

fn fs(s: &StandIns, method: &str, target: &str, body: Option<Value>) -> Answer {
    send(&*s.fs, &request(method, FS_HOST, target, FS_HEADERS, body), reference())
}

// ---- GHL: the gate --------------------------------------------------------------------

#[test]
fn unknown_body_property_is_422_with_a_message_array_and_a_spec_violation() {
    let s = standins();
    let a = ghl(&s, "PUT", &format!("/contacts/{}", ids::LINKED_GHL), Some(json!({"firstName": "Ada", "companyName": "X"})));
    assert_eq!(a.status, 422);
    assert_eq!(a.body["statusCode"], 422);
    assert_eq!(a.body["error"], "Unprocessable Entity");
    assert_eq!(a.body["message"], json!(["property companyName should not exist"]));
    assert!(a.body["traceId"].is_string());
    let v = s.ghl.spec_violations("test");
    assert_eq!(v.len(), 1);
    assert_eq!(v[0]["operation"], "update-contact");
    assert_eq!(v[0]["body"]["companyName"], "X");
    assert_eq!(v[0]["messages"][0], "property companyName should not exist");
    // Nothing changed.
    assert_eq!(ghl(&s, "GET", &format!("/contacts/{}", ids::LINKED_GHL), None).body["contact"]["companyName"], "Analytical Engines Ltd");
    assert!(s.ghl.spec_violations("other").is_empty(), "violations are per installation");
}

#[test]
fn wrong_location_is_403() {
    let s = standins();
    let a = ghl(&s, "POST", "/contacts/", Some(json!({"locationId": "someOtherLocation01", "firstName": "X"})));
    assert_eq!(a.status, 403);
    assert_eq!(a.body["message"], "The token does not have access to this location.");
    let a = ghl(&s, "GET", "/contacts/search/duplicate?locationId=elsewhere&email=a%40b.io", None);
    assert_eq!(a.status, 403);
    assert!(s.ghl.spec_violations("test").is_empty(), "a wrong location is a configuration problem, not a spec violation");
}

#[test]
fn bad_or_missing_token_is_401() {
    let s = standins();
    for auth in [Some("Bearer nope"), Some("pit-demo-token"), None] {
        let mut headers = vec![("Version", "2021-07-28")];
        headers.extend(auth.map(|a| ("Authorization", a)));
        let a = send(&*s.ghl, &request("GET", "services.leadconnectorhq.com", &format!("/contacts/{}", ids::LINKED_GHL), &headers, None), reference());
        assert_eq!(a.status, 401, "{auth:?}");
        assert_eq!(a.body["statusCode"], 401);
        assert!(a.header("X-RateLimit-Remaining").is_some());
    }
}

#[test]
fn missing_version_header_is_400_and_a_spec_violation() {
    let s = standins();
    let req = request("GET", "services.leadconnectorhq.com", &format!("/contacts/{}", ids::LINKED_GHL), &[("Authorization", "Bearer pit-demo-token")], None);
    let a = send(&*s.ghl, &req, reference());
    assert_eq!(a.status, 400);
    assert_eq!(s.ghl.spec_violations("test").len(), 1);
    // Another version is reported but answered.
    let req = request("GET", "services.leadconnectorhq.com", &format!("/contacts/{}", ids::LINKED_GHL), &[("Authorization", "Bearer pit-demo-token"), ("Version", "2023-02-21")], None);
    assert_eq!(send(&*s.ghl, &req, reference()).status, 200);
    assert_eq!(s.ghl.spec_violations("test").len(), 2);
}

#[test]
fn missing_required_query_and_unknown_routes_are_violations() {
    let s = standins();
    let a = ghl(&s, "GET", "/contacts/search/duplicate?email=a%40b.io", None);
    assert_eq!(a.status, 422);
    assert_eq!(a.body["message"], json!(["locationId should not be empty"]));
    let a = ghl(&s, "GET", "/contacts/abc/nothing/here", None);
    assert_eq!(a.status, 404);
    assert_eq!(s.ghl.spec_violations("test").len(), 2);
}

#[test]
fn a_body_without_a_json_content_type_is_not_read() {
    let s = standins();
    let mut req = ghl_req("POST", &format!("/contacts/{}/tags", ids::LINKED_GHL), Some(json!({"tags": ["x"]})));
    req.headers.retain(|(k, _)| k != "Content-Type");
    let a = send(&*s.ghl, &req, reference());
    assert_eq!(a.status, 422);
    assert!(s.ghl.spec_violations("test")[0]["messages"][0].as_str().unwrap().contains("Content-Type"));
}

#[test]
fn rate_limit_is_100_per_10_seconds_with_headers() {
    let s = standins();
    let t0 = reference();
    let req = ghl_req("GET", &format!("/contacts/{}", ids::LINKED_GHL), None);
    for i in 0..100 {
        let a = send(&*s.ghl, &req, t0 + i * 10);
        assert_eq!(a.status, 200, "request {i}");
        assert_eq!(a.header("X-RateLimit-Remaining"), Some((99 - i).to_string().as_str()));
        assert_eq!(a.header("X-RateLimit-Max"), Some("100"));
        assert_eq!(a.header("X-RateLimit-Interval-Milliseconds"), Some("10000"));
        assert_eq!(a.header("X-RateLimit-Limit-Daily"), Some("200000"));
        assert_eq!(a.header("X-RateLimit-Daily-Remaining"), Some((199_999 - i).to_string().as_str()));
    }
    let a = send(&*s.ghl, &req, t0 + 1_000);
    assert_eq!(a.status, 429);
    assert_eq!(a.body["statusCode"], 429);
    assert_eq!(a.header("X-RateLimit-Remaining"), Some("0"));
    // Devhost's own calls are not counted.
    let mut own = req.clone();
    own.template = DEVHOST_TEMPLATE.into();
    assert_eq!(send(&*s.ghl, &own, t0 + 1_000).status, 200);
    // Another installation has its own bucket.
    let mut other = req.clone();
    other.installation = "other".into();
    assert_eq!(send(&*s.ghl, &other, t0 + 1_000).status, 200);
    // The window slides: the first request leaves it 10 s after it was made.
    assert_eq!(send(&*s.ghl, &req, t0 + 9_999).status, 429);
    let a = send(&*s.ghl, &req, t0 + 10_000);
    assert_eq!(a.status, 200);
    assert_eq!(a.header("X-RateLimit-Remaining"), Some("0"));
}

// ---- GHL: contacts --------------------------------------------------------------------

#[test]
fn create_is_201_with_e164_phone_and_traces() {
    let s = standins();
    let a = ghl(&s, "POST", "/contacts/", Some(json!({"locationId": ids::LOCATION, "firstName": "Grace", "lastName": "Hopper", "email": "Grace@Example.com", "phone": "+1 888-888-8888", "tags": ["Navy", "navy ", "COBOL"], "companyName": "Remington Rand", "source": "Freshsales"})));
    assert_eq!(a.status, 201, "{}", a.body);
    let c = &a.body["contact"];
    assert_eq!(c["phone"], "+18888888888");
    assert_eq!(c["tags"], json!(["navy", "cobol"]));
    assert_eq!(c["deleted"], false);
    assert!(a.body["traceId"].as_str().is_some_and(|t| t.len() == 36));
    let id = c["id"].as_str().unwrap();
    assert_eq!(id.len(), 20);
    let got = ghl(&s, "GET", &format!("/contacts/{id}"), None);
    assert_eq!(got.status, 200);
    assert_eq!(got.body["contact"]["name"], "Grace Hopper");
    assert_eq!(got.body["contact"]["emailLowerCase"], "grace@example.com");
    assert_eq!(got.body["contact"]["locationId"], ids::LOCATION);
    assert!(got.body["contact"]["dateAdded"].as_str().unwrap().ends_with('Z'));
    // A national number reads as US.
    let a = ghl(&s, "PUT", &format!("/contacts/{id}"), Some(json!({"phone": "(415) 555-0999"})));
    assert_eq!(a.body["contact"]["phone"], "+14155550999");
}

#[test]
fn duplicate_create_is_400_with_meta_unless_the_location_allows_duplicates() {
    let s = standins();
    let a = ghl(&s, "POST", "/contacts/", Some(json!({"locationId": ids::LOCATION, "email": "ADA.LOVELACE@example.com"})));
    assert_eq!(a.status, 400);
    assert_eq!(a.body["message"], "This location does not allow duplicated contacts.");
    assert_eq!(a.body["meta"]["contactId"], ids::LINKED_GHL);
    assert_eq!(a.body["meta"]["contactName"], "Ada Lovelace");
    assert_eq!(a.body["meta"]["matchingField"], "email");
    let a = ghl(&s, "POST", "/contacts/", Some(json!({"locationId": ids::LOCATION, "phone": "(415) 555-0134"})));
    assert_eq!(a.status, 400);
    assert_eq!(a.body["meta"]["contactId"], ids::PHONE_ONLY_US_GHL);
    assert_eq!(a.body["meta"]["matchingField"], "phone");
    s.ghl.set_allow_duplicates("test", true);
    let a = ghl(&s, "POST", "/contacts/", Some(json!({"locationId": ids::LOCATION, "email": "ada.lovelace@example.com"})));
    assert_eq!(a.status, 201);
    assert_ne!(a.body["contact"]["id"], ids::LINKED_GHL);
}

#[test]
fn upsert_matches_email_first_and_drops_a_phone_owned_by_another_contact() {
    let s = standins();
    // Email of Ada, phone of Marcus: Ada is updated, the phone silently ignored.
    let a = ghl(&s, "POST", "/contacts/upsert", Some(json!({"locationId": ids::LOCATION, "email": "ada.lovelace@example.com", "phone": "+14155550134", "city": "London"})));
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(a.body["new"], false);
    assert_eq!(a.body["contact"]["id"], ids::LINKED_GHL);
    assert_eq!(a.body["contact"]["phone"], "+12125550101");
    assert_eq!(a.body["contact"]["city"], "London");
    assert!(a.body["traceId"].is_string());
    // Phone only: matched by phone.
    let a = ghl(&s, "POST", "/contacts/upsert", Some(json!({"locationId": ids::LOCATION, "phone": "+44 7700 900123", "email": "olivia@thames.example.co.uk"})));
    assert_eq!(a.body["new"], false);
    assert_eq!(a.body["contact"]["id"], ids::PHONE_ONLY_GB_GHL);
    assert_eq!(a.body["contact"]["email"], "olivia@thames.example.co.uk");
    // Email and phone unknown: created.
    let a = ghl(&s, "POST", "/contacts/upsert", Some(json!({"locationId": ids::LOCATION, "email": "new.person@example.com", "phone": "+12025550100", "tags": ["x"]})));
    assert_eq!(a.body["new"], true);
    assert_eq!(a.body["contact"]["phone"], "+12025550100");
}

#[test]
fn tags_replace_on_put_and_upsert_and_add_or_remove_on_the_tag_endpoints() {
    let s = standins();
    let path = format!("/contacts/{}", ids::LINKED_GHL);
    let a = ghl(&s, "PUT", &path, Some(json!({"tags": ["Alpha", "beta"]})));
    assert_eq!(a.status, 200);
    assert_eq!(a.body["succeded"], true);
    assert_eq!(a.body["contact"]["tags"], json!(["alpha", "beta"]));
    let a = ghl(&s, "POST", &format!("{path}/tags"), Some(json!({"tags": ["BETA", "Gamma", "gamma"]})));
    assert_eq!(a.status, 201);
    assert_eq!(a.body["tags"], json!(["alpha", "beta", "gamma"]), "case-insensitive duplicates are not added twice");
    let a = ghl(&s, "DELETE", &format!("{path}/tags"), Some(json!({"tags": ["ALPHA", "nope"]})));
    assert_eq!(a.status, 200);
    assert_eq!(a.body["tags"], json!(["beta", "gamma"]));
    let a = ghl(&s, "POST", "/contacts/upsert", Some(json!({"locationId": ids::LOCATION, "email": "ada.lovelace@example.com", "tags": ["only"]})));
    assert_eq!(a.body["contact"]["tags"], json!(["only"]));
}

#[test]
fn deleted_contacts_answer_400_not_found() {
    let s = standins();
    let path = format!("/contacts/{}", ids::UNMATCHED_GHL);
    let a = ghl(&s, "DELETE", &path, None);
    assert_eq!((a.status, &a.body["succeded"]), (200, &json!(true)));
    let a = ghl(&s, "GET", &path, None);
    assert_eq!(a.status, 400);
    assert_eq!(a.body["statusCode"], 400);
    assert_eq!(a.body["message"], format!("Contact with id {} not found", ids::UNMATCHED_GHL));
    assert_eq!(ghl(&s, "GET", &format!("{path}/notes"), None).status, 400);
    let a = ghl(&s, "GET", &format!("/contacts/{}", ids::STALE_LINK_GHL), None);
    assert_eq!(a.status, 400, "the seed's deleted contact");
    assert!(s.ghl.state("test")["deletedContactIds"].as_array().unwrap().iter().any(|i| i == ids::UNMATCHED_GHL));
}

#[test]
fn duplicate_search_checks_email_then_number() {
    let s = standins();
    let q = |query: &str| ghl(&s, "GET", &format!("/contacts/search/duplicate?locationId={}&{query}", ids::LOCATION), None);
    let a = q("email=ADA.LOVELACE%40example.com&number=%2B14155550134");
    assert_eq!(a.status, 200);
    assert_eq!(a.body["contact"]["id"], ids::LINKED_GHL, "email wins");
    assert_eq!(q("email=nobody%40example.com&number=%2B14155550134").body["contact"]["id"], ids::PHONE_ONLY_US_GHL);
    let a = q("email=nobody%40example.com");
    assert_eq!(a.status, 200);
    assert!(a.body["contact"].is_null());
    assert!(a.body["traceId"].is_string());
    let a = q("");
    assert_eq!(a.status, 400);
    assert_eq!(a.body["message"], "Pass at least one of number, email query parameter");
}

#[test]
fn search_supports_query_filters_and_pages() {
    let s = standins();
    let search = |body: Value| ghl(&s, "POST", "/contacts/search", Some(body));
    let a = search(json!({"locationId": ids::LOCATION, "pageLimit": 20, "query": "lovelace"}));
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(a.body["total"], 1);
    assert_eq!(a.body["contacts"][0]["id"], ids::LINKED_GHL);
    let a = search(json!({"locationId": ids::LOCATION, "pageLimit": 20, "query": "Analytical Engines"}));
    assert_eq!(a.body["total"], 1, "company name is searched");
    let a = search(json!({"locationId": ids::LOCATION, "pageLimit": 20, "query": "5550134"}));
    assert_eq!(a.body["contacts"][0]["id"], ids::PHONE_ONLY_US_GHL, "phone digits are searched");
    let a = search(json!({"locationId": ids::LOCATION, "pageLimit": 20, "query": "Кузнецова"}));
    assert_eq!(a.body["contacts"][0]["id"], ids::NO_ACTIVITY_GHL);
    let a = search(json!({"locationId": ids::LOCATION, "pageLimit": 20, "filters": [{"field": "email", "operator": "eq", "value": "WANG.FANG@example.com"}]}));
    assert_eq!(a.body["contacts"][0]["id"], ids::EMAIL_ONLY_GHL);
    let a = search(json!({"locationId": ids::LOCATION, "pageLimit": 20, "filters": [{"field": "phone", "operator": "eq", "value": "+919876543210"}]}));
    assert_eq!(a.body["contacts"][0]["id"], ids::PHONE_ONLY_IN_GHL);
    let all = search(json!({"locationId": ids::LOCATION, "pageLimit": 500}));
    let total = all.body["total"].as_u64().unwrap();
    assert_eq!(total as usize, all.body["contacts"].as_array().unwrap().len());
    let p2 = search(json!({"locationId": ids::LOCATION, "pageLimit": 10, "page": 2}));
    assert_eq!(p2.body["total"], total);
    assert_eq!(p2.body["contacts"][0], all.body["contacts"][10]);
    let a = search(json!({"locationId": ids::LOCATION}));
    assert_eq!(a.status, 422, "pageLimit is required");
}

#[test]
fn contacts_by_business_and_the_legacy_list() {
    let s = standins();
    let a = ghl(&s, "GET", &format!("/contacts/business/{}?locationId={}", ids::BUSINESS, ids::LOCATION), None);
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(a.body["count"], 3);
    assert!(a.body["contacts"].as_array().unwrap().iter().any(|c| c["id"] == ids::LINKED_GHL));
    let a = ghl(&s, "GET", &format!("/contacts/business/{}?locationId={}&limit=1&skip=1", ids::BUSINESS, ids::LOCATION), None);
    assert_eq!(a.body["contacts"].as_array().unwrap().len(), 1);
    let first = ghl(&s, "GET", &format!("/contacts/?locationId={}&limit=10", ids::LOCATION), None);
    assert_eq!(first.status, 200);
    let meta = &first.body["meta"];
    let next = ghl(&s, "GET", &format!("/contacts/?locationId={}&limit=10&startAfterId={}&startAfter={}", ids::LOCATION, meta["startAfterId"].as_str().unwrap(), meta["startAfter"]), None);
    assert_ne!(next.body["contacts"][0]["id"], first.body["contacts"][0]["id"]);
    assert_eq!(next.body["count"], first.body["count"]);
}

// ---- GHL: tasks and notes -------------------------------------------------------------

fn first_task(s: &StandIns, contact: &str) -> String {
    ghl(s, "GET", &format!("/contacts/{contact}/tasks"), None).body["tasks"][0]["id"].as_str().unwrap().to_string()
}

#[test]
fn strict_mode_rejects_partial_task_updates() {
    let s = standins();
    let task = first_task(&s, ids::LINKED_GHL);
    let path = format!("/contacts/{}/tasks/{task}", ids::LINKED_GHL);
    let a = ghl(&s, "PUT", &path, Some(json!({"completed": true})));
    assert_eq!(a.status, 200, "lenient by default");
    assert_eq!(a.body["task"]["completed"], true);
    s.ghl.set_strict("test", true);
    let a = ghl(&s, "PUT", &path, Some(json!({"title": "Only the title"})));
    assert_eq!(a.status, 422);
    assert_eq!(a.body["message"].as_array().unwrap().len(), 3);
    let whole = json!({"title": "T", "body": "B", "dueDate": "2026-12-24T09:00:00Z", "completed": false});
    let a = ghl(&s, "PUT", &path, Some(whole));
    assert_eq!(a.status, 200);
    assert_eq!(a.body["task"]["dueDate"], "2026-12-24T09:00:00.000Z");
    assert_eq!(a.body["task"]["title"], "T");
}

#[test]
fn tasks_and_notes_round_trip() {
    let s = standins();
    let c = ids::NO_ACTIVITY_GHL;
    assert_eq!(ghl(&s, "GET", &format!("/contacts/{c}/tasks"), None).body["tasks"], json!([]));
    let a = ghl(&s, "POST", &format!("/contacts/{c}/tasks"), Some(json!({"title": "Call", "dueDate": "2026-12-02T10:00:00+01:00", "completed": false})));
    assert_eq!(a.status, 201);
    let t = a.body["task"]["id"].as_str().unwrap().to_string();
    assert_eq!(a.body["task"]["dueDate"], "2026-12-02T09:00:00.000Z");
    assert_eq!(a.body["task"]["contactId"], c);
    let a = ghl(&s, "PUT", &format!("/contacts/{c}/tasks/{t}/completed"), Some(json!({"completed": true})));
    assert_eq!(a.body["task"]["completed"], true);
    assert_eq!(ghl(&s, "GET", &format!("/contacts/{c}/tasks/{t}"), None).body["task"]["completed"], true);
    assert_eq!(ghl(&s, "DELETE", &format!("/contacts/{c}/tasks/{t}"), None).body["succeded"], true);
    let a = ghl(&s, "GET", &format!("/contacts/{c}/tasks/{t}"), None);
    assert_eq!(a.status, 400);
    let a = ghl(&s, "POST", &format!("/contacts/{c}/tasks"), Some(json!({"title": "No due date", "completed": false})));
    assert_eq!(a.status, 422);

    let a = ghl(&s, "POST", &format!("/contacts/{c}/notes"), Some(json!({"body": "<p>Hi</p>", "userId": "gUsr01SamRivera00001"})));
    assert_eq!(a.status, 201);
    let n = a.body["note"]["id"].as_str().unwrap().to_string();
    let a = ghl(&s, "PUT", &format!("/contacts/{c}/notes/{n}"), Some(json!({"body": "<p>Hello</p>", "pinned": true})));
    assert_eq!(a.body["note"]["body"], "<p>Hello</p>");
    assert_eq!(a.body["note"]["pinned"], true);
    let notes = ghl(&s, "GET", &format!("/contacts/{c}/notes"), None).body;
    assert_eq!(notes["notes"].as_array().unwrap().len(), 1);
    assert_eq!(ghl(&s, "DELETE", &format!("/contacts/{c}/notes/{n}"), None).status, 200);
    assert_eq!(ghl(&s, "GET", &format!("/contacts/{c}/notes/{n}"), None).status, 400);
}

// ---- GHL: against the spec ------------------------------------------------------------

/// A valid request for each shipped GHL operation, against the default seed.
fn sample(s: &StandIns, operation: &str) -> (String, Option<Value>) {
    let c = ids::LINKED_GHL;
    let task = first_task(s, c);
    let note = ghl(s, "GET", &format!("/contacts/{c}/notes"), None).body["notes"][0]["id"].as_str().unwrap().to_string();
    let loc = ids::LOCATION;
    match operation {
        "search-contacts-advanced" => ("/contacts/search".into(), Some(json!({"locationId": loc, "pageLimit": 5, "query": "a"}))),
        "get-duplicate-contact" => (format!("/contacts/search/duplicate?locationId={loc}&email=ada.lovelace%40example.com"), None),
        "get-all-tasks" => (format!("/contacts/{c}/tasks"), None),
        "create-task" => (format!("/contacts/{c}/tasks"), Some(json!({"title": "T", "body": "B", "dueDate": "2026-12-10T10:00:00Z", "completed": false}))),
        "get-task" | "delete-task" => (format!("/contacts/{c}/tasks/{task}"), None),
        "update-task" => (format!("/contacts/{c}/tasks/{task}"), Some(json!({"title": "T", "body": "B", "dueDate": "2026-12-10T10:00:00Z", "completed": true}))),
        "update-task-completed" => (format!("/contacts/{c}/tasks/{task}/completed"), Some(json!({"completed": true}))),
        "get-appointments-for-contact" => (format!("/contacts/{c}/appointments"), None),
        "add-tags" | "remove-tags" => (format!("/contacts/{c}/tags"), Some(json!({"tags": ["vip"]}))),
        "get-all-notes" => (format!("/contacts/{c}/notes"), None),
        "create-note" => (format!("/contacts/{c}/notes"), Some(json!({"body": "<p>x</p>"}))),
        "get-note" | "delete-note" => (format!("/contacts/{c}/notes/{note}"), None),
        "update-note" => (format!("/contacts/{c}/notes/{note}"), Some(json!({"body": "<p>y</p>"}))),
        "get-contact" | "delete-contact" => (format!("/contacts/{c}"), None),
        "update-contact" => (format!("/contacts/{c}"), Some(json!({"firstName": "Ada", "tags": ["a"], "customFields": [{"id": "cfIndustry0000000001", "field_value": "AI"}]}))),
        "upsert-contact" => ("/contacts/upsert".into(), Some(json!({"locationId": loc, "email": "someone.new@example.com", "firstName": "New"}))),
        "get-contacts-by-businessId" => (format!("/contacts/business/{}?locationId={loc}", ids::BUSINESS), None),
        "create-contact" => ("/contacts/".into(), Some(json!({"locationId": loc, "firstName": "New", "email": "new@example.com", "dateOfBirth": "1990-09-25"}))),
        "get-contacts" => (format!("/contacts/?locationId={loc}&limit=5"), None),
        other => panic!("no sample request for {other}: add one"),
    }
}

#[test]
fn every_shipped_ghl_operation_answers_in_the_specs_shape() {
    let mut covered = 0;
    for e in CATALOG.iter().filter(|e| e.shipped && e.api == Api::Ghl && e.caller == Caller::App) {
        let s = standins();
        let (target, body) = sample(&s, e.operation);
        let req = ghl_req(e.method.as_str(), &target, body.clone());
        assert_eq!(catalog::route(Api::Ghl, &req.method, &req.path).map(|(r, _)| r.operation), Some(e.operation), "{target}");
        if let Some(b) = &body {
            assert_eq!(spec_check::validate_request(e.operation, b), Ok(()), "sample request of {}", e.operation);
        }
        let a = send(&*s.ghl, &req, reference());
        assert_eq!(a.status, e.success, "{} answered {}", e.operation, a.body);
        assert_eq!(spec_check::validate_response(e.operation, a.status, &a.body), Ok(()), "{} response {}", e.operation, a.body);
        assert!(a.body["traceId"].is_string(), "{}", e.operation);
        assert!(s.ghl.spec_violations("test").is_empty(), "{}: {:?}", e.operation, s.ghl.spec_violations("test"));
        covered += 1;
    }
    assert!(covered >= 23, "{covered}");
}

#[test]
fn error_bodies_validate_against_the_common_schemas() {
    let s = standins();
    let a = ghl(&s, "GET", "/contacts/nope", None);
    assert_eq!(spec_check::validate_response("get-contact", 400, &a.body), Ok(()));
    let a = ghl(&s, "PUT", &format!("/contacts/{}", ids::LINKED_GHL), Some(json!({"bogus": 1})));
    assert_eq!(spec_check::validate_response("update-contact", 422, &a.body), Ok(()));
}

// ---- the seed -------------------------------------------------------------------------

#[test]
fn every_seeded_ghl_object_validates_against_the_spec() {
    let seed = Seed::default_at(reference());
    for c in &seed.ghl.contacts {
        assert_eq!(spec_check::validate_response("get-contact", 200, &json!({"contact": c})), Ok(()), "{}", c["id"]);
        let phone = c["phone"].as_str();
        assert!(phone.is_none_or(|p| ghl_bridge::phone::to_e164(p, "US").as_deref() == Ok(p)), "{} phone is valid E.164", c["id"]);
        assert_eq!(c["locationId"], ids::LOCATION);
        assert_eq!(c["id"].as_str().unwrap().len(), 20);
    }
    for t in &seed.ghl.tasks {
        assert_eq!(spec_check::validate_response("get-task", 200, &json!({"task": t})), Ok(()), "{}", t["id"]);
        assert!(t["dueDate"].as_str().and_then(Instant::parse).is_some());
    }
    for n in &seed.ghl.notes {
        assert_eq!(spec_check::validate_response("get-note", 200, &json!({"note": n})), Ok(()), "{}", n["id"]);
    }
    for a in &seed.ghl.appointments {
        assert_eq!(spec_check::validate_response("get-appointments-for-contact", 200, &json!({"events": [a]})), Ok(()), "{}", a["id"]);
        let start = a["startTime"].as_str().unwrap();
        assert!(ghl_bridge::datetime::LocalDateTime::parse(start).is_some() && start.len() == 19 && start.as_bytes()[10] == b' ', "{start}");
    }
}

#[test]
fn the_default_seed_has_what_the_demo_needs() {
    let seed = Seed::default_at(reference());
    let now = reference();
    let fs_contacts = &seed.freshsales.contacts;
    let ghl_contacts = &seed.ghl.contacts;
    assert!((25..=40).contains(&fs_contacts.len()) && (25..=40).contains(&ghl_contacts.len()));
    for c in fs_contacts {
        assert!(c["id"].as_u64().unwrap() > u64::from(u32::MAX), "Freshsales ids exceed 32 bits");
        for k in ["created_at", "updated_at"] {
            assert!(c[k].as_str().unwrap().ends_with("-05:00"), "{k} carries the account's offset");
        }
    }
    let fs_by_id = |id: &str| fs_contacts.iter().find(|c| c["id"].as_u64().unwrap().to_string() == id).unwrap();
    let ghl_matches = |c: &Value| -> (Vec<String>, Vec<String>) {
        let email = c["email"].as_str().map(str::to_lowercase);
        // As the app reads a Freshsales number: the core's normalizer, default country US.
        let phone = [c["mobile_number"].as_str(), c["work_number"].as_str()].into_iter().flatten().next().and_then(|p| ghl_bridge::phone::to_e164(p, "US").ok());
        let by_email = ghl_contacts.iter().filter(|g| email.is_some() && g["email"].as_str().map(str::to_lowercase) == email).map(|g| g["id"].as_str().unwrap().to_string()).collect();
        let by_phone = ghl_contacts.iter().filter(|g| phone.is_some() && g["phone"].as_str().map(str::to_string) == phone).map(|g| g["id"].as_str().unwrap().to_string()).collect();
        (by_email, by_phone)
    };
    let (e, p) = ghl_matches(fs_by_id(ids::EMAIL_ONLY_FS));
    assert_eq!((e, p.len()), (vec![ids::EMAIL_ONLY_GHL.to_string()], 0));
    assert_ne!(fs_by_id(ids::EMAIL_ONLY_FS)["email"], ghl_contacts.iter().find(|g| g["id"] == ids::EMAIL_ONLY_GHL).unwrap()["email"], "differs in case");
    for (fs_id, ghl_id) in [(ids::PHONE_ONLY_US_FS, ids::PHONE_ONLY_US_GHL), (ids::PHONE_ONLY_GB_FS, ids::PHONE_ONLY_GB_GHL), (ids::PHONE_ONLY_IN_FS, ids::PHONE_ONLY_IN_GHL)] {
        let (e, p) = ghl_matches(fs_by_id(fs_id));
        assert_eq!((e.len(), p), (0, vec![ghl_id.to_string()]), "{fs_id}");
    }
    assert_eq!(ghl_matches(fs_by_id(ids::UNMATCHED_FS)), (vec![], vec![]));
    assert_eq!(ghl_matches(fs_by_id(ids::AMBIGUOUS_FS)), (vec![ids::AMBIGUOUS_EMAIL_GHL.to_string()], vec![ids::AMBIGUOUS_PHONE_GHL.to_string()]));
    let unmatched = ghl_contacts.iter().find(|g| g["id"] == ids::UNMATCHED_GHL).unwrap();
    assert!(fs_contacts.iter().all(|c| c["email"].as_str() != unmatched["email"].as_str()));

    // Link records, in the core's own form, under the core's own keys.
    let db = seed.initial_db();
    let record = |fs: &str| LinkRecord::from_value(db.iter().find(|(k, _)| *k == LinkRecord::key(fs)).unwrap().1.clone()).unwrap();
    assert_eq!(record(ids::LINKED_FS).ghl_id.as_deref(), Some(ids::LINKED_GHL));
    assert_eq!(record(ids::MANY_ITEMS_FS).ghl_id.as_deref(), Some(ids::MANY_ITEMS_GHL));
    assert_eq!(record(ids::NO_ACTIVITY_FS).ghl_id.as_deref(), Some(ids::NO_ACTIVITY_GHL));
    assert_eq!(record(ids::STALE_LINK_FS).ghl_id.as_deref(), Some(ids::STALE_LINK_GHL));
    assert!(seed.ghl.deleted_contact_ids.contains(&ids::STALE_LINK_GHL.to_string()));
    assert!(!db.iter().any(|(k, _)| *k == LinkRecord::key(ids::EMAIL_ONLY_FS)));
    assert!(!record(ids::LINKED_FS).notes.is_empty(), "a note already copied across");

    // Activity.
    let count = |items: &[Value], c: &str| items.iter().filter(|i| i["contactId"] == c).count();
    assert_eq!(count(&seed.ghl.tasks, ids::NO_ACTIVITY_GHL) + count(&seed.ghl.notes, ids::NO_ACTIVITY_GHL) + count(&seed.ghl.appointments, ids::NO_ACTIVITY_GHL), 0);
    assert!(count(&seed.ghl.tasks, ids::MANY_ITEMS_GHL) >= 25 && count(&seed.ghl.notes, ids::MANY_ITEMS_GHL) >= 25 && count(&seed.ghl.appointments, ids::MANY_ITEMS_GHL) >= 10);
    let ada_tasks: Vec<&Value> = seed.ghl.tasks.iter().filter(|t| t["contactId"] == ids::LINKED_GHL).collect();
    let due = |t: &Value| Instant::parse(t["dueDate"].as_str().unwrap()).unwrap().0;
    assert!(ada_tasks.iter().any(|t| t["completed"] == true));
    assert!(ada_tasks.iter().any(|t| t["completed"] == false && due(t) < now), "an overdue task");
    assert!(ada_tasks.iter().any(|t| t["completed"] == false && due(t) > now + 6 * 86_400_000), "one due next week");
    let bodies: Vec<&str> = seed.ghl.notes.iter().filter_map(|n| n["body"].as_str()).collect();
    for tag in ["<p", "<strong>", "<em>", "<ul>", "<li>", "<a href=", "<br>"] {
        assert!(bodies.iter().any(|b| b.contains(tag)), "a note uses {tag}");
    }
    assert!(bodies.iter().any(|b| b.contains("onclick=")) && bodies.iter().any(|b| b.contains("<script>")), "hostile notes for the sanitizer");
    let names: String = fs_contacts.iter().flat_map(|c| [&c["first_name"], &c["last_name"]]).chain(ghl_contacts.iter().flat_map(|c| [&c["firstName"], &c["lastName"]])).filter_map(Value::as_str).collect();
    let scripts: [(&str, fn(char) -> bool); 6] = [
        ("Latin with diacritics", |c| ('\u{C0}'..='\u{17F}').contains(&c)),
        ("Cyrillic", |c| ('\u{400}'..='\u{4FF}').contains(&c)),
        ("Greek", |c| ('\u{370}'..='\u{3FF}').contains(&c)),
        ("CJK", |c| ('\u{4E00}'..='\u{9FFF}').contains(&c)),
        ("Arabic", |c| ('\u{600}'..='\u{6FF}').contains(&c)),
        ("Devanagari", |c| ('\u{900}'..='\u{97F}').contains(&c)),
    ];
    for (script, is) in scripts {
        assert!(names.chars().any(is), "a name in {script}");
    }
    assert!(ghl_contacts.iter().any(|c| !c["customFields"].as_array().unwrap().is_empty()));
    assert!(ghl_contacts.iter().any(|c| !c["tags"].as_array().unwrap().is_empty()));
}

#[test]
fn loading_later_moves_every_date_by_the_elapsed_time() {
    let later = reference() + 40 * 86_400_000 + 3 * 3_600_000 + 10 * 60_000;
    let a = Seed::default_at(reference());
    let b = Seed::default_at(later);
    assert_eq!(b.shift_ms, 40 * 86_400_000 + 3 * 3_600_000);
    let due = |s: &Seed, i: usize| Instant::parse(s.ghl.tasks[i]["dueDate"].as_str().unwrap()).unwrap().0;
    assert_eq!(due(&b, 0) - due(&a, 0), b.shift_ms);
    let start = |s: &Seed| ghl_bridge::datetime::LocalDateTime::parse(s.ghl.appointments[0]["startTime"].as_str().unwrap()).unwrap().to_instant(0).0;
    assert_eq!(start(&b) - start(&a), b.shift_ms);
    let upd = |s: &Seed| Instant::parse(s.freshsales.contacts[0]["updated_at"].as_str().unwrap()).unwrap().0;
    assert_eq!(upd(&b) - upd(&a), b.shift_ms);
    assert!(b.freshsales.contacts[0]["updated_at"].as_str().unwrap().ends_with("-05:00"));
    let linked_at = |s: &Seed| s.links[0]["linked_at"].as_i64().unwrap();
    assert_eq!(linked_at(&b) - linked_at(&a), b.shift_ms);
    assert_eq!(a.ghl.contacts[0]["dateOfBirth"], b.ghl.contacts[0]["dateOfBirth"], "birthdays stay");
}

#[test]
fn a_broken_seed_is_refused_with_reasons() {
    let bad = json!({
        "referenceTime": "2026-12-01T15:00:00.000Z",
        "ghl": {"locationId": "l", "contacts": [{"id": "a"}, {"id": "a"}], "tasks": [{"id": "t", "contactId": "zzz"}]},
        "freshsales": {"utcOffset": "-05:00", "contacts": [{"id": "not a number"}]},
        "links": [{"v": 1, "fs_id": "1", "ghl_id": "nowhere"}]
    });
    let e = Seed::from_json(&bad.to_string(), reference()).unwrap_err();
    for part in ["duplicate id a", "contactId", "without a valid id", "fs_id 1", "ghl_id nowhere"] {
        assert!(e.contains(part), "{part} in {e}");
    }
    assert!(Seed::from_json("{}", 0).unwrap_err().contains("referenceTime"));
    assert!(Seed::from_json(&json!({"referenceTime": "2026-12-01T15:00:00Z", "ghl": {"locationId": "l", "extra": 1}, "freshsales": {"utcOffset": "Z"}}).to_string(), 0).is_err(), "unknown keys are typos");
}

#[test]
fn a_seed_for_another_location_moves_to_the_configured_one() {
    let config = StandInConfig { ghl_location_id: "myRealLocation00001".into(), ..StandInConfig::default() };
    let s = StandIns::from_seed(Seed::default_at(reference()), config);
    let a = ghl(&s, "GET", &format!("/contacts/{}", ids::LINKED_GHL), None);
    assert_eq!(a.body["contact"]["locationId"], "myRealLocation00001");
    let a = ghl(&s, "GET", &format!("/contacts/search/duplicate?locationId={}&email=x%40y.z", ids::LOCATION), None);
    assert_eq!(a.status, 403);
}

// ---- Freshsales -----------------------------------------------------------------------

#[test]
fn freshsales_checks_the_api_key() {
    let s = standins();
    for auth in ["Token token=wrong", "Bearer fs-demo-key"] {
        let a = send(&*s.fs, &request("GET", FS_HOST, &format!("/crm/sales/api/contacts/{}", ids::LINKED_FS), &[("Authorization", auth)], None), reference());
        assert_eq!(a.status, 401);
        assert_eq!(a.body["errors"]["code"], 401);
        assert!(a.body["errors"]["message"].is_array());
    }
}

#[test]
fn freshsales_nests_sales_accounts_only_when_included() {
    let s = standins();
    let a = fs(&s, "GET", &format!("/crm/sales/api/contacts/{}?include=sales_accounts", ids::LINKED_FS), None);
    assert_eq!(a.status, 200);
    let accounts = a.body["contact"]["sales_accounts"].as_array().unwrap();
    assert_eq!(accounts.len(), 2);
    assert_eq!(accounts[0]["is_primary"], true);
    assert_eq!(accounts[0]["name"], "Analytical Engines Ltd");
    assert!(a.body["contact"]["id"].as_u64().unwrap() > u64::from(u32::MAX));
    let a = fs(&s, "GET", &format!("/crm/sales/api/contacts/{}", ids::LINKED_FS), None);
    assert!(a.body["contact"].get("sales_accounts").is_none());
    let a = fs(&s, "GET", "/crm/sales/api/contacts/70000000001", None);
    assert_eq!(a.status, 404);
    assert_eq!(a.body["errors"]["code"], 404);
}

#[test]
fn freshsales_updates_contacts_with_the_accounts_offset() {
    let s = standins();
    let path = format!("/crm/sales/api/contacts/{}?include=sales_accounts", ids::NO_ACTIVITY_FS);
    let a = fs(&s, "PUT", &path, Some(json!({"contact": {"job_title": "Руководитель", "custom_field": {"cf_tier": "Gold"}, "emails": [{"value": "anna@new.example.org", "is_primary": true}]}})));
    assert_eq!(a.status, 200, "{}", a.body);
    let c = &a.body["contact"];
    assert_eq!(c["job_title"], "Руководитель");
    assert_eq!(c["custom_field"]["cf_tier"], "Gold");
    assert_eq!(c["custom_field"]["cf_preferred_language"], "Russian", "other custom fields stay");
    assert_eq!(c["email"], "anna@new.example.org");
    assert!(c["emails"][0]["id"].as_u64().unwrap() > u64::from(u32::MAX));
    assert_eq!(c["updated_at"], "2026-12-01T10:00:00-05:00");
    let a = fs(&s, "PUT", &path, Some(json!({"contact": {"email": "ada.lovelace@example.com"}})));
    assert_eq!(a.status, 400);
    assert_eq!(a.body["errors"]["message"], json!(["Email has already been taken"]));
}

#[test]
fn freshsales_notes_are_created_and_kept_per_contact() {
    let s = standins();
    let contact: u64 = ids::NO_ACTIVITY_FS.parse().unwrap();
    let a = fs(&s, "POST", "/crm/sales/api/notes", Some(json!({"note": {"description": "Synced from GHL: hello", "targetable_type": "Contact", "targetable_id": contact}})));
    assert_eq!(a.status, 201, "{}", a.body);
    assert!(a.body["note"]["id"].as_u64().unwrap() > u64::from(u32::MAX));
    assert_eq!(a.body["note"]["created_at"], "2026-12-01T10:00:00-05:00");
    let notes = s.fs.notes_of("test", contact);
    assert_eq!(notes.len(), 1);
    assert_eq!(notes[0]["description"], "Synced from GHL: hello");
    assert!(s.fs.notes_of("other", contact).is_empty());
    let a = fs(&s, "POST", "/crm/sales/api/notes", Some(json!({"note": {"description": " ", "targetable_type": "Contact", "targetable_id": contact}})));
    assert_eq!(a.status, 400);
    let a = fs(&s, "POST", "/crm/sales/api/notes", Some(json!({"note": {"description": "x", "targetable_type": "Contact", "targetable_id": 1}})));
    assert_eq!(a.status, 404);
    assert!(s.fs.notes_of("test", ids::LINKED_FS.parse().unwrap()).len() >= 2, "seeded notes");
}

#[test]
fn freshsales_tasks_are_created_then_updated_in_place() {
    let s = standins();
    let contact: u64 = ids::NO_ACTIVITY_FS.parse().unwrap();
    let task = json!({"title": "Call back", "due_date": "2026-12-10T15:00:00Z", "status": 0, "targetable_type": "Contact", "targetable_id": contact});
    let a = fs(&s, "POST", "/crm/sales/api/tasks", Some(json!({ "task": task })));
    assert_eq!(a.status, 201, "{}", a.body);
    let id = a.body["task"]["id"].as_u64().unwrap();
    assert_eq!(a.body["task"]["due_date"], "2026-12-10T10:00:00-05:00", "stored in the account's offset");
    assert_eq!(a.body["task"]["completed_date"], Value::Null);
    let done = json!({"title": "Call back (done)", "due_date": null, "status": 1, "targetable_type": "Contact", "targetable_id": contact});
    let a = fs(&s, "PUT", &format!("/crm/sales/api/tasks/{id}"), Some(json!({ "task": done })));
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(a.body["task"]["completed_date"], "2026-12-01T10:00:00-05:00");
    let tasks = s.fs.tasks_of("test", contact);
    assert_eq!(tasks.len(), 1, "updated, not duplicated");
    assert_eq!((tasks[0]["title"].as_str(), tasks[0]["status"].as_u64(), tasks[0]["due_date"].is_null()), (Some("Call back (done)"), Some(1), true));
    for (body, status) in [
        (json!({"title": " ", "targetable_type": "Contact", "targetable_id": contact}), 400),
        (json!({"title": "x", "due_date": "soon", "targetable_type": "Contact", "targetable_id": contact}), 400),
        (json!({"title": "x", "targetable_type": "Contact", "targetable_id": 1}), 404),
    ] {
        assert_eq!(fs(&s, "POST", "/crm/sales/api/tasks", Some(json!({ "task": body }))).status, status);
    }
    assert_eq!(fs(&s, "PUT", "/crm/sales/api/tasks/1", Some(json!({ "task": task }))).status, 404);
    assert_eq!(s.fs.tasks_of("test", contact).len(), 1, "refusals store nothing");
}

#[test]
fn freshsales_lists_contact_views() {
    let s = standins();
    let a = fs(&s, "GET", "/crm/sales/api/contacts/filters", None);
    assert_eq!(a.status, 200);
    assert!(a.body["filters"].as_array().unwrap().iter().any(|f| f["name"] == "All Contacts"));
}

#[test]
fn freshsales_allows_1000_requests_an_hour() {
    let s = standins();
    let req = request("GET", FS_HOST, "/crm/sales/api/contacts/filters", FS_HEADERS, None);
    let t0 = reference();
    for i in 0..1000 {
        assert_eq!(s.fs.handle(&req, t0 + i * 1000).status, 200, "request {i}");
    }
    let a = send(&*s.fs, &req, t0 + 1_000_000);
    assert_eq!(a.status, 429);
    assert_eq!(a.body["errors"]["code"], 429);
    let mut own = req.clone();
    own.template = DEVHOST_TEMPLATE.into();
    assert_eq!(s.fs.handle(&own, t0 + 1_000_000).status, 200, "devhost's own calls are free");
    assert_eq!(s.fs.handle(&req, t0 + 3_600_000).status, 200, "the first request has left the hour");
    s.fs.reset(Some("test"));
    assert_eq!(s.fs.handle(&req, t0 + 3_600_001).status, 200);
}

#[test]
fn state_reset_and_host_page_accessors() {
    let s = standins();
    ghl(&s, "DELETE", &format!("/contacts/{}", ids::UNMATCHED_GHL), None);
    assert!(s.ghl.state("test")["contacts"].as_array().unwrap().iter().all(|c| c["id"] != ids::UNMATCHED_GHL));
    s.ghl.reset(Some("test"));
    assert!(s.ghl.state("test")["contacts"].as_array().unwrap().iter().any(|c| c["id"] == ids::UNMATCHED_GHL));
    let list = s.fs.contacts("test");
    assert_eq!(list.len(), s.fs_contacts("test").len());
    assert!(list.iter().any(|c| c.id == ids::LINKED_FS && c.name == "Ada Lovelace"));
    assert!(s.fs.state("test")["contacts"].is_array());
    assert_eq!(s.initial_db().len(), s.seed.links.len());
}
