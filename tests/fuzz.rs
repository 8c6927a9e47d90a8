//! Bounded fuzzing (proptest, host only) of everything that reads untrusted input: the GHL and
//! Freshsales response parsers, `error::classify` on arbitrary status/headers/body, the link
//! record from the key-value store, product-event payloads, the rate-limit reading, the
//! timeline, the sanitizer on arbitrary trees, and the whole sidebar state machine answered
//! with arbitrary replies. The property everywhere is "no panic, and a readable outcome".
//!
//! Runs are kept short (a few hundred cases each) so `cargo test` stays fast; raise
//! `PROPTEST_CASES` for a longer local run.
#![cfg(not(target_arch = "wasm32"))]

use std::collections::VecDeque;

use ghl_bridge::catalog::{self, CATALOG};
use ghl_bridge::datetime::{FixedOffset, Instant};
use ghl_bridge::error::{self, Origin, RawReply};
use ghl_bridge::link::{LinkRecord, LinkedBy};
use ghl_bridge::retry::RateWindow;
use ghl_bridge::sanitize::{self, RawNode};
use ghl_bridge::ui::{self, Config, Effect, Env, Msg, State, View};
use ghl_bridge::{freshsales, ghl, timeline};
use proptest::prelude::*;
use serde_json::{Map, Value};

/// Member names both APIs use, so arbitrary objects hit the typed fields with wrong types.
const KEYS: &[&str] = &[
    "id", "contact", "contacts", "tasks", "task", "notes", "note", "events", "event", "body", "title", "name",
    "firstName", "lastName", "email", "emails", "phone", "tags", "companyName", "dateAdded", "dateUpdated",
    "dueDate", "completed", "startTime", "endTime", "appointmentStatus", "message", "statusCode", "status",
    "error", "meta", "contactId", "customFields", "value", "dateOfBirth", "first_name", "last_name",
    "mobile_number", "work_number", "sales_accounts", "users", "is_primary", "display_name", "updated_at",
    "created_at", "errors", "code", "total", "total_pages", "data", "associations", "changes", "model_changes",
    "fs_id", "ghl_id", "linked_by", "notes_map", "log", "unlinked_at", "succeded", "succeeded", "traceId",
];

fn arb_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>().prop_filter("finite", |f| f.is_finite()).prop_map(Value::from),
        "\\PC{0,24}".prop_map(Value::String),
        prop::sample::select(vec![
            "2026-12-03T12:00:00.000Z", "2026-12-04 11:00:00", "2026-02-30", "9999-99-99T99:99:99Z", "+14155550132",
            "<img src=x onerror=alert(1)>", "", " ", "-1", "1e999", "NaN",
        ])
        .prop_map(|s| Value::String(s.into())),
    ];
    leaf.prop_recursive(5, 64, 8, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec((prop::sample::select(KEYS), inner), 0..8)
                .prop_map(|kv| Value::Object(kv.into_iter().map(|(k, v)| (k.to_string(), v)).collect::<Map<_, _>>())),
        ]
    })
}

/// A body: arbitrary JSON, that JSON cut short (malformed), or arbitrary text.
fn arb_body() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => arb_json().prop_map(|v| v.to_string()),
        2 => (arb_json(), any::<prop::sample::Index>()).prop_map(|(v, i)| {
            let s = v.to_string();
            let cut = i.index(s.len() + 1);
            s.char_indices().map(|(n, _)| n).take_while(|&n| n <= cut).last().map_or(String::new(), |n| s[..n].to_string())
        }),
        1 => "\\PC{0,64}",
        1 => Just(String::new()),
    ]
}

fn arb_headers() -> impl Strategy<Value = Vec<(String, String)>> {
    let name = prop::sample::select(vec![
        "Retry-After", "retry-after", "X-RateLimit-Remaining", "x-ratelimit-interval-milliseconds",
        "X-RateLimit-Max", "Content-Type", "X-Other",
    ]);
    let value = prop_oneof![
        "[0-9]{0,20}",
        "-?[0-9]{1,5}(\\.[0-9]{1,3})?",
        Just("Wed, 21 Oct 2026 07:28:00 GMT".to_string()),
        "\\PC{0,16}",
    ];
    prop::collection::vec((name.prop_map(String::from), value), 0..5)
}

fn arb_reply() -> impl Strategy<Value = RawReply> {
    let status = prop_oneof![
        3 => prop::sample::select(vec![0u16, 200, 201, 204, 400, 401, 403, 404, 409, 422, 429, 500, 502, 503, 504]),
        1 => any::<u16>(),
    ];
    (status, arb_headers(), arb_body(), any::<bool>()).prop_map(|(status, headers, body, platform)| RawReply {
        status,
        headers,
        body,
        origin: if platform { Origin::Platform } else { Origin::Upstream },
    })
}

/// Parses `body` as every wire type the app reads; returns how many parsed (the value only
/// matters in that nothing panicked on the way).
fn parse_all(body: &str) -> usize {
    fn p<T: serde::de::DeserializeOwned>(s: &str) -> usize {
        serde_json::from_str::<T>(s).is_ok() as usize
    }
    p::<ghl::ContactResponse>(body)
        + p::<ghl::TasksResponse>(body)
        + p::<ghl::NotesResponse>(body)
        + p::<ghl::EventsResponse>(body)
        + p::<ghl::DuplicateResponse>(body)
        + p::<ghl::UpdateContactResponse>(body)
        + p::<ghl::UpsertResponse>(body)
        + p::<ghl::SearchResponse>(body)
        + p::<ghl::ErrorBody>(body)
        + p::<freshsales::ContactEnvelope>(body)
        + p::<freshsales::NotesResponse>(body)
        + p::<freshsales::FiltersResponse>(body)
        + p::<freshsales::ContactList>(body)
        + p::<freshsales::ProductEvent>(body)
        + p::<freshsales::ErrorBody>(body)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    /// Every wire type takes any body without panicking, and what parses re-serializes
    /// (unknown members kept) and parses again to the same value.
    #[test]
    fn wire_parsers_never_panic(body in arb_body()) {
        let _ = parse_all(&body);
        if let Ok(c) = serde_json::from_str::<ghl::ContactResponse>(&body) {
            let again: ghl::ContactResponse = serde_json::from_str(&serde_json::to_string(&c).unwrap()).unwrap();
            prop_assert_eq!(again, c);
        }
    }

    /// `classify` and `decode` take any reply for any endpoint: a success or a typed error
    /// with a plain message (never empty, never the body's text verbatim when it is long).
    #[test]
    fn classify_takes_any_reply(reply in arb_reply(), i in any::<prop::sample::Index>()) {
        let ep = &CATALOG[i.index(CATALOG.len())];
        if let Err(e) = error::classify(ep, &reply) {
            let msg = e.user_message_for(ep.api);
            prop_assert!(!msg.trim().is_empty());
            prop_assert!(reply.body.len() < 12 || !msg.contains(reply.body.as_str()), "raw body leaked: {msg}");
            let _ = ghl_bridge::retry::requested_wait_ms(&e);
        }
        let _ = error::decode::<ghl::ContactResponse>(ep, &reply);
        let _ = error::decode::<freshsales::ContactEnvelope>(ep, &reply);
        let mut w = RateWindow::default();
        w.observe(&reply, 1_000);
        let _ = (w.wait_ms(1_000), w.wait_ms(i64::MAX), w.wait_ms(i64::MIN), w.remaining(0));
    }

    /// A stored link record is read back from any JSON without panicking.
    #[test]
    fn link_records_from_any_json(v in arb_json()) {
        if let Ok(r) = LinkRecord::from_value(v) {
            let _ = r.to_stored();
            let _ = r.may_auto_link();
        }
    }

    /// Whatever tasks, notes and appointments parse, the timeline builds from them.
    #[test]
    fn timeline_from_any_lists(t in arb_body(), n in arb_body(), a in arb_body(), now in any::<i64>(), off in -900i32..900) {
        let tasks = serde_json::from_str::<ghl::TasksResponse>(&t).map(|r| r.tasks).unwrap_or_default();
        let notes = serde_json::from_str::<ghl::NotesResponse>(&n).map(|r| r.notes).unwrap_or_default();
        let events = serde_json::from_str::<ghl::EventsResponse>(&a).map(|r| r.events).unwrap_or_default();
        let tl = timeline::build(&tasks, &notes, &events, &FixedOffset(off), Instant(now));
        let _ = timeline::counts(&tl);
    }
}

/// Tag and attribute names from the allowlist and from outside it, in any case.
fn arb_name() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(vec![
            "p", "b", "a", "A", "script", "svg", "math", "style", "img", "iframe", "template", "noscript", "ul", "li",
            "br", "href", "onerror", "onclick", "style", "xlink:href", "srcdoc", "formaction", "src", "title",
        ])
        .prop_map(String::from),
        "\\PC{0,8}",
    ]
}

fn arb_attrs() -> impl Strategy<Value = Vec<(String, String)>> {
    let value = prop_oneof![
        "\\PC{0,16}",
        prop::sample::select(vec![
            "javascript:alert(1)", " JaVaScRiPt:alert(1)", "java\tscript:x", "data:text/html,<script>", "vbscript:x",
            "https://ok.example/", "mailto:a@b.c", "&#106;avascript:x", "//evil.example",
        ])
        .prop_map(String::from),
    ];
    prop::collection::vec((arb_name(), value), 0..4)
}

fn arb_tree() -> impl Strategy<Value = Vec<RawNode>> {
    let leaf = prop_oneof![
        "\\PC{0,24}".prop_map(RawNode::Text),
        Just(RawNode::Other),
    ];
    leaf.prop_recursive(12, 200, 6, |inner| {
        (arb_name(), arb_attrs(), prop::collection::vec(inner, 0..6)).prop_map(|(tag, attrs, children)| RawNode::Element { tag, attrs, children })
    })
    .prop_map(|n| vec![n])
}

fn check_safe(nodes: &[sanitize::SafeNode]) -> Result<(), TestCaseError> {
    for n in nodes {
        if let sanitize::SafeNode::Element { attrs, children, .. } = n {
            for (k, v) in attrs {
                prop_assert!(!k.to_ascii_lowercase().starts_with("on"), "handler kept: {k}");
                if *k == "href" {
                    prop_assert_eq!(sanitize::safe_url(v), Some(v.clone()));
                }
            }
            check_safe(children)?;
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    /// The sanitizer on arbitrary names (not only the allowlist's), deep nesting and hostile
    /// URLs: no panic, no handler attribute, every kept href passes `safe_url`.
    #[test]
    fn sanitizer_takes_any_tree(tree in arb_tree()) {
        let out = sanitize::sanitize(&tree);
        check_safe(&out)?;
        let _ = sanitize::to_text(&out);
    }
}

/// Drives the sidebar for one open, answering every call with the next reply from `replies`
/// (then a 500): returns the final view and how many calls went out.
fn open_with(replies: Vec<RawReply>, stored: Option<Value>) -> (View, usize) {
    let mut state = State::new();
    let mut now = 1_796_299_200_000i64;
    let config = Config { location_id: "loc1".into(), app_base_url: "https://app.example.com".into(), default_country: "US".into() };
    let _ = state.update(Msg::Configured(config), Env { now, random: 0.5 });
    let mut replies = VecDeque::from(replies);
    let mut calls = 0;
    let mut queue = VecDeque::from(vec![Msg::Activated { fs_id: "42".into() }]);
    let mut steps = 0;
    while let Some(m) = queue.pop_front() {
        steps += 1;
        assert!(steps < 1_000, "the state machine does not settle");
        for fx in state.update(m, Env { now, random: 0.37 }) {
            let call = match fx {
                Effect::Invoke(c) => c,
                Effect::InvokeLater { call, after_ms } => {
                    now += after_ms as i64;
                    call
                }
                Effect::DbGet { generation, .. } => {
                    queue.push_back(Msg::DbLoaded { generation, value: stored.clone() });
                    continue;
                }
                Effect::DbSet { .. } | Effect::CacheSet { .. } | Effect::CacheRemove { .. } | Effect::Render => continue,
                // Only a user action notifies or asks to confirm; this drive has none.
                Effect::Notify { .. } | Effect::Confirm { .. } => continue,
            };
            calls += 1;
            let reply = replies.pop_front().unwrap_or(RawReply { status: 500, headers: vec![], body: String::new(), origin: Origin::Upstream });
            queue.push_back(Msg::Reply { id: call.id, reply });
        }
    }
    (ui::view(&state, &FixedOffset(0), Instant(now)), calls)
}

fn assert_readable(v: &View) -> Result<(), TestCaseError> {
    match v {
        View::Loading { .. } => prop_assert!(false, "still loading after every call was answered"),
        View::Notice(n) => prop_assert!(!n.title.trim().is_empty() && !n.text.trim().is_empty()),
        View::Linked(l) => {
            prop_assert!(l.loading.is_empty(), "sections left loading: {:?}", l.loading);
            prop_assert!(l.card.is_some() || l.card_error.is_some(), "no card and no card error");
            for e in &l.errors {
                prop_assert!(!e.message.trim().is_empty());
            }
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    /// A linked contact answered with arbitrary replies ends in a readable state (never a
    /// blank panel, never stuck loading) within the retry bound (4 sections × 4 attempts).
    #[test]
    fn linked_open_with_any_replies(replies in prop::collection::vec(arb_reply(), 0..20)) {
        let mut r = LinkRecord::new("42");
        r.link("g1", LinkedBy::Email, 0);
        let (v, calls) = open_with(replies, Some(r.to_stored().unwrap()));
        assert_readable(&v)?;
        prop_assert!(calls <= 16, "{calls} calls");
    }

    /// An unlinked contact (Freshsales read, then lookups) answered with arbitrary replies,
    /// and an arbitrary stored value under the link key, also ends readable.
    #[test]
    fn resolution_with_any_replies(replies in prop::collection::vec(arb_reply(), 0..20), stored in prop::option::of(arb_json())) {
        let (v, calls) = open_with(replies, stored);
        assert_readable(&v)?;
        prop_assert!(calls <= 4 * 7, "{calls} calls");
    }
}

#[test]
fn catalog_has_the_sidebar_templates() {
    // The fuzzers above pick endpoints from the catalog; make sure the sidebar's are there.
    for t in ["ghlGetContact", "ghlListTasks", "ghlListNotes", "ghlListAppointments", "ghlFindDuplicate", "fsGetContact"] {
        assert!(catalog::by_name(t).is_some(), "{t}");
    }
}
