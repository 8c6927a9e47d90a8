//! DOM tests of the wasm edge, in headless Chromium (`cargo test --target wasm32-unknown-unknown
//! --tests`, run by wasm-bindgen-test-runner through chromedriver). Each test renders a view
//! into a detached element and inspects the nodes it got.

use wasm_bindgen::JsCast;
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};
use web_sys::{Document, Element};

use super::render::render;
use crate::datetime::{CivilDate, Instant};
use crate::timeline::{Day, Item, ItemKind, Status, Timeline};
use crate::ui::view::{Action, Activity, Card, Linked, Notice, SectionError, Tone, View};
use crate::ui::Section;

wasm_bindgen_test_configure!(run_in_browser);

/// Strings an attacker controls, for places that must show them as text.
const HOSTILE: &str = "<img src=x onerror=\"window.__pwned=1\"><script>window.__pwned=1</script>&amp;";

fn doc() -> Document {
    web_sys::window().and_then(|w| w.document()).expect("a document")
}

/// A root that is not in the document, like a fresh panel.
fn detached() -> Element {
    doc().create_element("div").expect("div")
}

fn shown(view: &View) -> Element {
    let root = detached();
    render(&doc(), &root, view);
    root
}

fn count(root: &Element, selector: &str) -> u32 {
    root.query_selector_all(selector).expect("valid selector").length()
}

fn text(root: &Element, selector: &str) -> String {
    root.query_selector(selector).expect("valid selector").and_then(|e| e.text_content()).unwrap_or_default()
}

fn item(kind: ItemKind, id: &str, title: &str, body: Option<&str>, status: Status) -> Item {
    Item { kind, id: id.into(), at: Some(Instant(0)), title: title.into(), body: body.map(str::to_string), status, time_label: Some("10:30".into()) }
}

fn linked(card: Card, items: Vec<Item>, errors: Vec<SectionError>, loading: Vec<Section>) -> View {
    let timeline = if items.is_empty() {
        Timeline::default()
    } else {
        Timeline { days: vec![Day { date: CivilDate { year: 2026, month: 12, day: 3 }, label: "Today".into(), items }], undated: vec![] }
    };
    View::Linked(Box::new(Linked { card: Some(card), card_error: None, timeline, loading, errors, forms: Default::default(), activity: vec![], waiting: None }))
}

fn ada() -> Card {
    Card {
        name: "Ada Lovelace".into(),
        email: Some("ada@example.com".into()),
        phone: Some("+12125550101".into()),
        company: None,
        tags: vec!["vip".into(), "q4".into()],
        updated: Some("Updated 3 Dec 2026, 14:05".into()),
        open_url: Some("https://app.example.com/v2/location/loc/contacts/detail/c1".into()),
    }
}

fn timeline_items() -> Vec<Item> {
    vec![
        item(ItemKind::Task, "t1", "Send proposal", Some("Plain\ntext"), Status::Overdue),
        item(ItemKind::Note, "n1", "Note", Some("<p>Met <strong>Ada</strong></p>"), Status::None),
        item(ItemKind::Appointment, "a1", "Demo", None, Status::Cancelled),
    ]
}

#[wasm_bindgen_test]
fn loading_shows_its_status_and_skeletons() {
    let root = shown(&View::Loading { status: "Looking up ada@example.com in HighLevel…".into() });
    assert_eq!(root.get_attribute("data-state").as_deref(), Some("loading"));
    assert_eq!(text(&root, "[role=status]"), "Looking up ada@example.com in HighLevel…");
    assert_eq!(count(&root, ".skeleton"), 3);
}

#[wasm_bindgen_test]
fn a_notice_shows_title_text_and_its_buttons() {
    let view = View::Notice(Notice { tone: Tone::Error, title: "HighLevel could not be searched".into(), text: "Try again later.".into(), actions: vec![Action::Retry, Action::Relink], link: None });
    let root = shown(&view);
    assert_eq!(root.get_attribute("data-state").as_deref(), Some("notice"));
    assert_eq!(count(&root, ".notice--error[role=alert]"), 1);
    assert_eq!(text(&root, ".notice__title"), "HighLevel could not be searched");
    assert_eq!(text(&root, ".notice__text"), "Try again later.");
    let actions: Vec<String> = (0..count(&root, "button"))
        .filter_map(|i| root.query_selector_all("button").ok()?.item(i)?.dyn_into::<Element>().ok()?.get_attribute("data-action"))
        .collect();
    assert_eq!(actions, ["retry", "relink"]);
}

#[wasm_bindgen_test]
fn a_linked_contact_shows_card_and_every_timeline_item() {
    let root = shown(&linked(ada(), timeline_items(), vec![], vec![]));
    assert_eq!(root.get_attribute("data-state").as_deref(), Some("ready"));
    assert_eq!(text(&root, ".card__name"), "Ada Lovelace");
    assert_eq!(text(&root, ".card__email"), "ada@example.com");
    assert_eq!(text(&root, ".card__phone"), "+12125550101");
    assert_eq!(count(&root, ".card__company"), 0, "no row for a missing value");
    assert_eq!(count(&root, ".tag"), 2);
    let open = root.query_selector(".card__open").unwrap().expect("open link");
    assert_eq!(open.get_attribute("href").as_deref(), Some("https://app.example.com/v2/location/loc/contacts/detail/c1"));
    assert_eq!(open.get_attribute("target").as_deref(), Some("_blank"));
    assert_eq!(open.get_attribute("rel").as_deref(), Some("noopener noreferrer"));
    assert_eq!(text(&root, ".day"), "Today");
    assert_eq!(count(&root, ".item"), 3);
    assert_eq!(count(&root, ".item[data-kind=task][data-status=overdue] .badge--overdue"), 1);
    assert_eq!(count(&root, ".item[data-kind=appointment][data-status=cancelled]"), 1);
    assert_eq!(text(&root, ".item--task .item__body--plain"), "Plain\ntext");
    assert_eq!(count(&root, ".empty"), 0);
}

#[wasm_bindgen_test]
fn no_activity_shows_the_empty_state_and_loading_sections_their_skeletons() {
    let root = shown(&linked(ada(), vec![], vec![], vec![]));
    assert_eq!(count(&root, ".item"), 0);
    assert_eq!(text(&root, ".empty"), "No tasks, notes or appointments in HighLevel yet.");
    let root = shown(&linked(ada(), vec![], vec![], vec![Section::Notes]));
    assert_eq!(root.get_attribute("data-state").as_deref(), Some("partial"));
    assert_eq!(count(&root, ".skeleton[data-section=notes]"), 1);
    assert_eq!(count(&root, ".empty"), 0, "not empty while a section may still bring items");
}

#[wasm_bindgen_test]
fn a_failed_section_shows_its_error_next_to_the_others() {
    let errors = vec![SectionError { section: Section::Notes, message: "HighLevel had a temporary problem.".into() }];
    let root = shown(&linked(ada(), timeline_items(), errors, vec![]));
    assert_eq!(count(&root, ".section-error[data-section=notes][role=alert] button[data-action=retry]"), 1);
    assert!(text(&root, ".section-error").starts_with("Notes: HighLevel had a temporary problem."));
    assert_eq!(count(&root, ".item"), 3);
    assert_eq!(count(&root, ".empty"), 0);
}

#[wasm_bindgen_test]
fn rendering_again_replaces_the_panel_instead_of_adding_to_it() {
    let root = detached();
    let view = linked(ada(), timeline_items(), vec![], vec![]);
    render(&doc(), &root, &view);
    let nodes = count(&root, "*");
    for _ in 0..3 {
        render(&doc(), &root, &View::Loading { status: "Loading…".into() });
        render(&doc(), &root, &view);
    }
    assert_eq!(root.child_element_count(), 1);
    assert_eq!(count(&root, ".ghl"), 1);
    assert_eq!(count(&root, "*"), nodes);
}

#[wasm_bindgen_test]
fn note_html_is_parsed_inertly_sanitized_and_rebuilt_as_fresh_nodes() {
    let html = "<p onclick=\"window.__pwned=1\">Met <strong>Ada</strong> <em>again</em></p>\
        <script>window.__pwned=1</script><img src=x onerror=\"window.__pwned=1\">\
        <a href=\"javascript:window.__pwned=1\">bad</a> <a href=\"https://example.com/deck\">deck</a>\
        <iframe src=\"https://example.com\"></iframe><style>body{display:none}</style>";
    let root = shown(&linked(ada(), vec![item(ItemKind::Note, "n1", "Note", Some(html), Status::None)], vec![], vec![]));
    let body = root.query_selector(".item__body").unwrap().expect("note body");
    assert_eq!(count(&body, "p > strong"), 1);
    assert_eq!(count(&body, "em"), 1);
    assert_eq!(count(&body, "script, img, iframe, style"), 0);
    assert_eq!(count(&body, "[onclick], [onerror]"), 0);
    let links: Vec<(Option<String>, Option<String>, Option<String>)> = (0..count(&body, "a"))
        .filter_map(|i| body.query_selector_all("a").ok()?.item(i)?.dyn_into::<Element>().ok())
        .map(|a| (a.get_attribute("href"), a.get_attribute("target"), a.get_attribute("rel")))
        .collect();
    for (href, target, rel) in &links {
        if let Some(h) = href {
            assert!(h.starts_with("https://"), "unsafe href {h}");
            assert_eq!(target.as_deref(), Some("_blank"));
            assert_eq!(rel.as_deref(), Some("noopener noreferrer"));
        }
    }
    assert!(links.iter().any(|(h, _, _)| h.as_deref() == Some("https://example.com/deck")));
    assert!(body.text_content().unwrap_or_default().contains("bad"), "a dropped link keeps its text");
    // Fresh nodes of this document, not adopted from the parser's inert one.
    let strong = body.query_selector("strong").unwrap().expect("strong");
    assert!(strong.owner_document().is_some_and(|d| d == doc()));
    let pwned = js_sys::Reflect::get(&web_sys::window().unwrap(), &"__pwned".into()).unwrap();
    assert!(pwned.is_undefined(), "no handler or script ran");
}

#[wasm_bindgen_test]
fn hostile_strings_stay_text_everywhere_else() {
    let card = Card { name: HOSTILE.into(), email: Some(HOSTILE.into()), company: Some(HOSTILE.into()), tags: vec![HOSTILE.into()], ..ada() };
    let task = item(ItemKind::Task, "t1", HOSTILE, Some(&format!("{HOSTILE} and <b>bold</b>")), Status::Open);
    let appt = item(ItemKind::Appointment, "a1", HOSTILE, Some("<b>not a note</b>"), Status::Scheduled);
    let errors = vec![SectionError { section: Section::Tasks, message: HOSTILE.into() }];
    let root = shown(&linked(card, vec![task, appt], errors, vec![]));
    assert_eq!(count(&root, "img, script, b"), 0, "no markup from data outside note bodies");
    assert_eq!(text(&root, ".card__name"), HOSTILE);
    assert_eq!(text(&root, ".card__company"), HOSTILE);
    assert_eq!(text(&root, ".tag"), HOSTILE);
    assert_eq!(text(&root, ".item--task .item__title"), HOSTILE);
    assert_eq!(text(&root, ".item--appointment .item__body"), "<b>not a note</b>");
    let notice = shown(&View::Notice(Notice { tone: Tone::Info, title: HOSTILE.into(), text: HOSTILE.into(), actions: vec![], link: None }));
    assert_eq!(count(&notice, "img, script"), 0);
    assert_eq!(text(&notice, ".notice__text"), HOSTILE);
}

#[wasm_bindgen_test]
fn the_sync_log_is_a_collapsed_list_with_time_fields_and_result() {
    let View::Linked(mut l) = linked(ada(), vec![], vec![], vec![]) else { unreachable!() };
    l.activity = vec![
        Activity { when: "3 Dec 2026, 14:05".into(), what: "Updated in HighLevel".into(), fields: vec!["First name".into(), "Email".into()], ok: true, message: None },
        Activity { when: "3 Dec 2026, 13:00".into(), what: "Synced with HighLevel".into(), fields: vec![], ok: false, message: Some(HOSTILE.into()) },
    ];
    let root = shown(&View::Linked(l));
    let details = root.query_selector("details.activity").unwrap().expect("the sync log");
    assert!(!details.has_attribute("open"), "collapsed by default");
    assert_eq!(text(&root, ".activity summary"), "Sync activity");
    assert_eq!(count(&root, ".activity-item"), 2);
    assert_eq!(text(&root, ".activity-item[data-ok=true] .activity-when"), "3 Dec 2026, 14:05");
    assert_eq!(text(&root, ".activity-item[data-ok=true] .activity-fields"), "First name, Email");
    assert_eq!(text(&root, ".activity-item[data-ok=true] .activity-result"), "Done");
    assert_eq!(text(&root, ".activity-item--failed .activity-result"), format!("Failed: {HOSTILE}"));
    assert_eq!(count(&root, ".activity img, .activity script"), 0, "messages stay text");
    assert_eq!(count(&shown(&linked(ada(), vec![], vec![], vec![])), ".activity"), 0, "no log, no section");
}
