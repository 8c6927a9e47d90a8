//! Turns a [`View`] into DOM. The whole panel is rebuilt on each render (a contact's timeline
//! is small; 1,000 items take a few hundred ms with layout, see `scripts/bench.sh`), so
//! re-activations never duplicate nodes;
//! the only listener is one delegated click handler on the root, set up once at mount.

use web_sys::{Document, Element};

use super::dom::{add, append_rich_text, el, text_el};
use crate::sanitize;
use crate::timeline::{Item, ItemKind, Status};
use crate::ui::view::{Action, Card, Linked, Notice, Tone, View};
use crate::ui::Section;

/// Replaces the content of `root` with `view`.
pub fn render(doc: &Document, root: &Element, view: &View) {
    let panel = el(doc, "section", "ghl");
    match view {
        View::Loading { status } => loading(doc, &panel, status),
        View::Notice(n) => notice(doc, &panel, n),
        View::Linked(l) => linked(doc, &panel, l),
    }
    root.set_text_content(None);
    add(root, &panel);
    let state = match view {
        View::Loading { .. } => "loading",
        View::Notice(_) => "notice",
        View::Linked(l) if !l.loading.is_empty() => "partial",
        View::Linked(_) => "ready",
    };
    let _ = root.set_attribute("data-state", state);
}

fn loading(doc: &Document, panel: &Element, status: &str) {
    let s = text_el(doc, "p", "status", status);
    let _ = s.set_attribute("role", "status");
    add(panel, &s);
    for _ in 0..3 {
        add(panel, &el(doc, "div", "skeleton"));
    }
}

fn button(doc: &Document, action: Action) -> Element {
    let (label, name) = match action {
        Action::Retry => ("Try again", "retry"),
        Action::Relink => ("Find the contact again", "relink"),
    };
    let b = text_el(doc, "button", "btn", label);
    let _ = b.set_attribute("type", "button");
    let _ = b.set_attribute("data-action", name);
    b
}

fn notice(doc: &Document, panel: &Element, n: &Notice) {
    let tone = match n.tone {
        Tone::Info => "info",
        Tone::Warning => "warning",
        Tone::Error => "error",
    };
    let box_ = el(doc, "div", &format!("notice notice--{tone}"));
    let _ = box_.set_attribute("role", if n.tone == Tone::Error { "alert" } else { "status" });
    add(&box_, &text_el(doc, "h2", "notice__title", &n.title));
    add(&box_, &text_el(doc, "p", "notice__text", &n.text));
    for a in &n.actions {
        add(&box_, &button(doc, *a));
    }
    add(panel, &box_);
}

fn card(doc: &Document, c: &Card) -> Element {
    let a = el(doc, "article", "card");
    add(&a, &text_el(doc, "h2", "card__name", &c.name));
    let dl = el(doc, "dl", "card__facts");
    for (label, value) in [("Email", &c.email), ("Phone", &c.phone), ("Company", &c.company)] {
        if let Some(v) = value {
            add(&dl, &text_el(doc, "dt", "", label));
            add(&dl, &text_el(doc, "dd", &format!("card__{}", label.to_lowercase()), v));
        }
    }
    add(&a, &dl);
    if !c.tags.is_empty() {
        let ul = el(doc, "ul", "tags");
        let _ = ul.set_attribute("aria-label", "Tags");
        for t in &c.tags {
            add(&ul, &text_el(doc, "li", "tag", t));
        }
        add(&a, &ul);
    }
    if let Some(u) = &c.updated {
        add(&a, &text_el(doc, "p", "muted card__updated", u));
    }
    if let Some(url) = &c.open_url {
        let link = text_el(doc, "a", "card__open", "Open in HighLevel");
        let _ = link.set_attribute("href", url);
        let _ = link.set_attribute("target", "_blank");
        let _ = link.set_attribute("rel", "noopener noreferrer");
        add(&a, &link);
    }
    a
}

fn section_name(s: Section) -> &'static str {
    match s {
        Section::Contact => "contact",
        Section::Tasks => "tasks",
        Section::Notes => "notes",
        Section::Appointments => "appointments",
    }
}

fn section_label(s: Section) -> &'static str {
    match s {
        Section::Contact => "Contact",
        Section::Tasks => "Tasks",
        Section::Notes => "Notes",
        Section::Appointments => "Appointments",
    }
}

fn linked(doc: &Document, panel: &Element, l: &Linked) {
    match (&l.card, &l.card_error) {
        (Some(c), _) => add(panel, &card(doc, c)),
        (None, Some(msg)) => {
            let e = el(doc, "p", "section-error");
            let _ = e.set_attribute("data-section", "contact");
            e.set_text_content(Some(&format!("Contact details: {msg}")));
            add(&e, &button(doc, Action::Retry));
            add(panel, &e);
        }
        (None, None) => add(panel, &el(doc, "div", "skeleton skeleton--card")),
    }
    for err in &l.errors {
        let e = el(doc, "p", "section-error");
        let _ = e.set_attribute("role", "alert");
        let _ = e.set_attribute("data-section", section_name(err.section));
        add(&e, &doc.create_text_node(&format!("{}: {}", section_label(err.section), err.message)));
        add(&e, &button(doc, Action::Retry));
        add(panel, &e);
    }
    let tl = el(doc, "div", "timeline");
    for day in &l.timeline.days {
        add(&tl, &text_el(doc, "h3", "day", &day.label));
        let ul = el(doc, "ul", "items");
        for item in &day.items {
            add(&ul, &item_el(doc, item));
        }
        add(&tl, &ul);
    }
    if !l.timeline.undated.is_empty() {
        add(&tl, &text_el(doc, "h3", "day", "No date"));
        let ul = el(doc, "ul", "items");
        for item in &l.timeline.undated {
            add(&ul, &item_el(doc, item));
        }
        add(&tl, &ul);
    }
    let nothing = l.timeline.days.is_empty() && l.timeline.undated.is_empty();
    if nothing && l.loading.iter().all(|s| *s == Section::Contact) && l.errors.is_empty() {
        add(&tl, &text_el(doc, "p", "empty", "No tasks, notes or appointments in HighLevel yet."));
    }
    for s in &l.loading {
        if *s != Section::Contact {
            let sk = el(doc, "div", "skeleton");
            let _ = sk.set_attribute("data-section", section_name(*s));
            add(&tl, &sk);
        }
    }
    add(panel, &tl);
}

fn item_el(doc: &Document, item: &Item) -> Element {
    let kind = match item.kind {
        ItemKind::Task => "task",
        ItemKind::Note => "note",
        ItemKind::Appointment => "appointment",
    };
    let li = el(doc, "li", &format!("item item--{kind}"));
    let _ = li.set_attribute("data-kind", kind);
    let _ = li.set_attribute("data-id", &item.id);
    let head = el(doc, "div", "item__head");
    let badge = match item.status {
        Status::Overdue => Some("Overdue"),
        Status::Completed => Some("Done"),
        Status::Open => Some("Open"),
        Status::Cancelled => Some("Cancelled"),
        _ => None,
    };
    add(&head, &text_el(doc, "span", "item__kind", match item.kind {
        ItemKind::Task => "Task",
        ItemKind::Note => "Note",
        ItemKind::Appointment => "Appointment",
    }));
    if let Some(b) = badge {
        let s = text_el(doc, "span", &format!("badge badge--{}", b.to_lowercase()), b);
        add(&head, &s);
        let _ = li.set_attribute("data-status", &b.to_lowercase());
    }
    if let Some(t) = &item.time_label {
        add(&head, &text_el(doc, "span", "item__time", t));
    }
    add(&li, &head);
    add(&li, &text_el(doc, "p", "item__title", &item.title));
    if let Some(body) = item.body.as_deref().map(str::trim).filter(|b| !b.is_empty()) {
        let div = el(doc, "div", "item__body");
        if item.kind == ItemKind::Note && sanitize::looks_like_html(body) {
            append_rich_text(doc, &div, body);
        } else {
            div.set_class_name("item__body item__body--plain");
            div.set_text_content(Some(body));
        }
        add(&li, &div);
    }
    li
}
