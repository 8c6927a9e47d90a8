//! Turns a [`View`] into DOM. The whole panel is rebuilt on each render (a contact's timeline
//! is small; 1,000 items take a few hundred ms with layout, see `scripts/bench.sh`), so
//! re-activations never duplicate nodes;
//! the only listener is one delegated click handler on the root, set up once at mount.

use wasm_bindgen::JsCast;
use web_sys::{Document, Element, HtmlElement, HtmlInputElement, HtmlTextAreaElement};

use super::dom::{add, append_rich_text, defined, el, text_el};
use crate::sanitize;
use crate::timeline::{Item, ItemKind, Status};
use crate::ui::view::{Action, Activity, Card, FormView, Forms, LinkOffer, Linked, Notice, Tone, View};
use crate::ui::{FormId, Section};

/// The focused field (form key, field name, caret), to put the focus back after a render.
fn focused(doc: &Document, root: &Element) -> Option<(String, String, Option<u32>)> {
    let active = doc.active_element()?;
    if !root.contains(Some(&active)) {
        return None;
    }
    let form = active.closest("[data-form]").ok()??.get_attribute("data-form")?;
    let name = active.get_attribute("name")?;
    let caret = active.dyn_ref::<HtmlInputElement>().and_then(|i| i.selection_start().ok().flatten()).or_else(|| active.dyn_ref::<HtmlTextAreaElement>().and_then(|t| t.selection_start().ok().flatten()));
    Some((form, name, caret))
}

fn refocus(root: &Element, (form, name, caret): (String, String, Option<u32>)) {
    let sel = format!("[data-form=\"{}\"] [name=\"{}\"]", form.replace(['"', '\\'], ""), name.replace(['"', '\\'], ""));
    let Ok(Some(e)) = root.query_selector(&sel) else { return };
    if let Some(h) = e.dyn_ref::<HtmlElement>() {
        let _ = h.focus();
    }
    if let (Some(i), Some(c)) = (e.dyn_ref::<HtmlInputElement>(), caret) {
        let _ = i.set_selection_range(c, c);
    } else if let (Some(t), Some(c)) = (e.dyn_ref::<HtmlTextAreaElement>(), caret) {
        let _ = t.set_selection_range(c, c);
    }
}

/// Replaces the content of `root` with `view`, keeping the focus in the field it was in.
pub fn render(doc: &Document, root: &Element, view: &View) {
    let focus = focused(doc, root);
    let panel = el(doc, "section", "ghl");
    match view {
        View::Loading { status } => loading(doc, &panel, status),
        View::Notice(n) => notice(doc, &panel, n),
        View::Linked(l) => linked(doc, &panel, l),
    }
    root.set_text_content(None);
    add(root, &panel);
    if let Some(f) = focus {
        refocus(root, f);
    }
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
    if let Some(o) = &n.link {
        add(panel, &link_offer(doc, o));
    }
}

/// A button that names its action in `data-action` (the delegated click handler reads it).
fn act_button(doc: &Document, label: &str, action: &str, busy: bool) -> Element {
    let b = control_button(doc, "btn btn--small", label, "button");
    if b.tag_name() == "FW-BUTTON" {
        let _ = b.set_attribute("size", "small");
        let _ = b.set_attribute("color", "secondary");
    }
    let _ = b.set_attribute("data-action", action);
    if busy {
        let _ = b.set_attribute("disabled", "");
    }
    b
}

/// A `<form data-form=…>`: its fields, a submit button and the inline message.
fn form_el(doc: &Document, f: &FormView, fields: &[(&str, &str, &str)], submit: &str) -> Element {
    let form = el(doc, "form", "form");
    let key = f.id.key();
    let _ = form.set_attribute("data-form", &key);
    let _ = form.set_attribute("novalidate", "");
    if f.busy {
        let _ = form.set_attribute("aria-busy", "true");
    }
    for (name, label, kind) in fields {
        let l = el(doc, "label", "form__field");
        let id = format!("f-{}-{name}", key.replace(':', "-"));
        let _ = l.set_attribute("for", &id);
        let input = field(doc, kind, f.value(name));
        let _ = input.set_attribute("id", &id);
        let _ = input.set_attribute("name", name);
        if f.busy {
            let _ = input.set_attribute("disabled", "");
        }
        if *kind == "checkbox" {
            add(&l, &input);
            add(&l, &doc.create_text_node(label));
        } else {
            add(&l, &text_el(doc, "span", "form__label", label));
            add(&l, &input);
        }
        add(&form, &l);
    }
    if let Some(e) = &f.error {
        let p = text_el(doc, "p", "form__error", e);
        let _ = p.set_attribute("role", "alert");
        add(&form, &p);
    }
    let b = control_button(doc, "btn btn--primary", if f.busy { "Saving…" } else { submit }, "submit");
    if f.busy {
        let _ = b.set_attribute("disabled", "");
    }
    add(&form, &b);
    if matches!(f.id, FormId::EditTask(_) | FormId::EditNote(_)) {
        add(&form, &act_button(doc, "Cancel", "cancel-edit", f.busy));
    }
    form
}

/// A `<fw-button>` when Crayons is loaded (it submits its form through a hidden native
/// button; it draws itself, so it takes no `btn` class), else a native `<button class>`;
/// either way `type` and the label as text.
fn control_button(doc: &Document, class: &str, label: &str, kind: &str) -> Element {
    let crayons = defined("fw-button");
    let b = text_el(doc, if crayons { "fw-button" } else { "button" }, if crayons { "" } else { class }, label);
    let _ = b.set_attribute("type", kind);
    b
}

/// One form control holding `value`: the Crayons component when it is defined (`fw-input`,
/// `fw-textarea`, `fw-datepicker` showing and returning `YYYY-MM-DD HH:MM`), else the native
/// control. Checkboxes stay native.
fn field(doc: &Document, kind: &str, value: &str) -> Element {
    let crayons = match kind {
        "textarea" => Some("fw-textarea"),
        "checkbox" => None,
        "datetime-local" => Some("fw-datepicker"),
        _ => Some("fw-input"),
    };
    if let Some(tag) = crayons.filter(|tag| defined(tag)) {
        let c = el(doc, tag, "form__crayons");
        match kind {
            "textarea" => {
                let _ = c.set_attribute("rows", "3");
            }
            "datetime-local" => {
                for (a, v) in [("show-time-picker", ""), ("display-format", "yyyy-MM-dd"), ("time-format", "HH:mm")] {
                    let _ = c.set_attribute(a, v);
                }
            }
            _ => {
                let _ = c.set_attribute("type", kind);
            }
        }
        if !value.is_empty() {
            let _ = c.set_attribute("value", value);
        }
        return c;
    }
    match kind {
        "textarea" => {
            let t = el(doc, "textarea", "form__input");
            let _ = t.set_attribute("rows", "3");
            t.set_text_content(Some(value));
            t
        }
        "checkbox" => {
            let i = el(doc, "input", "form__check");
            let _ = i.set_attribute("type", "checkbox");
            if value == "true" {
                let _ = i.set_attribute("checked", "");
            }
            i
        }
        kind => {
            let i = el(doc, "input", "form__input");
            let _ = i.set_attribute("type", kind);
            let _ = i.set_attribute("value", value);
            i
        }
    }
}

fn link_offer(doc: &Document, o: &LinkOffer) -> Element {
    let box_ = el(doc, "div", "offer");
    add(&box_, &text_el(doc, "h3", "offer__title", "Link this contact"));
    add(&box_, &form_el(doc, &o.search, &[("q", "Name, email or phone", "search")], "Search HighLevel"));
    if let Some(hits) = &o.hits {
        let ul = el(doc, "ul", "hits");
        if hits.is_empty() {
            add(&ul, &text_el(doc, "li", "muted", "No HighLevel contact matches."));
        }
        for h in hits {
            let li = el(doc, "li", "hit");
            add(&li, &text_el(doc, "span", "hit__name", &h.name));
            if !h.detail.is_empty() {
                add(&li, &text_el(doc, "span", "muted hit__detail", &h.detail));
            }
            let b = act_button(doc, "Link", "pick", false);
            let _ = b.set_attribute("data-id", &h.id);
            add(&li, &b);
            add(&ul, &li);
        }
        add(&box_, &ul);
    }
    add(&box_, &text_el(doc, "p", "muted", "Or create it in HighLevel from the Freshsales contact:"));
    add(&box_, &push_button(doc, &o.push));
    box_
}

fn push_button(doc: &Document, f: &FormView) -> Element {
    let wrap = el(doc, "div", "push");
    let _ = wrap.set_attribute("data-form", &f.id.key());
    add(&wrap, &act_button(doc, if f.busy { "Sending…" } else { "Push to HighLevel" }, "push", f.busy));
    if let Some(e) = &f.error {
        let p = text_el(doc, "p", "form__error", e);
        let _ = p.set_attribute("role", "alert");
        add(&wrap, &p);
    }
    wrap
}

fn card(doc: &Document, c: &Card, forms: &Forms) -> Element {
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
            let li = el(doc, "li", "tag-item");
            add(&li, &text_el(doc, "span", "tag", t));
            let b = act_button(doc, "×", "remove-tag", forms.tag.busy);
            let _ = b.set_attribute("data-tag", t);
            let _ = b.set_attribute("aria-label", &format!("Remove tag {t}"));
            add(&li, &b);
            add(&ul, &li);
        }
        add(&a, &ul);
    }
    if let Some(u) = &c.updated {
        add(&a, &text_el(doc, "p", "muted card__updated", u));
    }
    add(&a, &form_el(doc, &forms.tag, &[("tag", "New tag", "text")], "Add tag"));
    let row = el(doc, "div", "card__actions");
    add(&row, &push_button(doc, &forms.push));
    add(&row, &act_button(doc, "Unlink", "unlink", false));
    add(&a, &row);
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
    if let Some(w) = &l.waiting {
        let e = text_el(doc, "p", "app-status", w);
        let _ = e.set_attribute("role", "status");
        add(panel, &e);
    }
    match (&l.card, &l.card_error) {
        (Some(c), _) => add(panel, &card(doc, c, &l.forms)),
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
    let writes = el(doc, "div", "writes");
    add(&writes, &form_el(doc, &l.forms.new_task, &[("title", "Task title", "text"), ("body", "Description", "textarea"), ("due", "Due", "datetime-local")], "Add task"));
    add(&writes, &form_el(doc, &l.forms.new_note, &[("text", "Note", "textarea"), ("to_freshsales", "Also add to the Freshsales notes", "checkbox")], "Add note"));
    add(panel, &writes);
    let tl = el(doc, "div", "timeline");
    for day in &l.timeline.days {
        add(&tl, &text_el(doc, "h3", "day", &day.label));
        let ul = el(doc, "ul", "items");
        for item in &day.items {
            add(&ul, &item_el(doc, item, &l.forms));
        }
        add(&tl, &ul);
    }
    if !l.timeline.undated.is_empty() {
        add(&tl, &text_el(doc, "h3", "day", "No date"));
        let ul = el(doc, "ul", "items");
        for item in &l.timeline.undated {
            add(&ul, &item_el(doc, item, &l.forms));
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
    if !l.activity.is_empty() {
        add(panel, &activity(doc, &l.activity));
    }
}

/// The sync log as a collapsed `<details>` list (closed by default; the browser toggles it).
fn activity(doc: &Document, entries: &[Activity]) -> Element {
    let d = el(doc, "details", "activity");
    add(&d, &text_el(doc, "summary", "activity-title", "Sync activity"));
    let ul = el(doc, "ul", "activity-items");
    for a in entries {
        let li = el(doc, "li", if a.ok { "activity-item" } else { "activity-item activity-item--failed" });
        let _ = li.set_attribute("data-ok", if a.ok { "true" } else { "false" });
        add(&li, &text_el(doc, "time", "activity-when", &a.when));
        add(&li, &text_el(doc, "span", "activity-what", &a.what));
        if !a.fields.is_empty() {
            add(&li, &text_el(doc, "span", "activity-fields", &a.fields.join(", ")));
        }
        let result = match (&a.ok, &a.message) {
            (true, None) => "Done".to_string(),
            (true, Some(m)) => format!("Done: {m}"),
            (false, None) => "Failed".to_string(),
            (false, Some(m)) => format!("Failed: {m}"),
        };
        add(&li, &text_el(doc, "span", "activity-result", &result));
        add(&ul, &li);
    }
    add(&d, &ul);
    d
}

fn item_controls(doc: &Document, li: &Element, item: &Item, forms: &Forms) {
    if item.id.starts_with("pending-") || item.kind == ItemKind::Appointment {
        return;
    }
    let (kind, edit) = match item.kind {
        ItemKind::Task => ("task", FormId::EditTask(item.id.clone())),
        _ => ("note", FormId::EditNote(item.id.clone())),
    };
    if let Some(f) = forms.editing.as_ref().filter(|f| f.id == edit) {
        let fields: &[(&str, &str, &str)] = match item.kind {
            ItemKind::Task => &[("title", "Task title", "text"), ("body", "Description", "textarea"), ("due", "Due", "datetime-local")],
            _ => &[("text", "Note", "textarea")],
        };
        add(li, &form_el(doc, f, fields, "Save"));
        return;
    }
    let busy = forms.busy_items.contains(&format!("{kind}:{}", item.id));
    let row = el(doc, "div", "item__actions");
    if item.kind == ItemKind::Task {
        let done = item.status == Status::Completed;
        add(&row, &act_button(doc, if done { "Reopen" } else { "Mark done" }, &format!("{}:{}", if done { "reopen" } else { "complete" }, item.id), busy));
    }
    let html = item.body.as_deref().is_some_and(sanitize::looks_like_html);
    if !(item.kind == ItemKind::Note && html) {
        add(&row, &act_button(doc, "Edit", &format!("edit-{kind}:{}", item.id), busy));
    }
    add(&row, &act_button(doc, "Delete", &format!("delete-{kind}:{}", item.id), busy));
    add(li, &row);
}

fn item_el(doc: &Document, item: &Item, forms: &Forms) -> Element {
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
    item_controls(doc, &li, item, forms);
    li
}
