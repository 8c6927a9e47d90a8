//! The wasm edge: the only code that knows `JsValue`, the DOM and the Freshworks `client`.
//! It runs the effects the [`crate::ui`] state machine returns and renders its view.

mod client;
mod dom;
mod render;
#[cfg(test)]
mod tests;

use std::cell::RefCell;
use std::rc::Rc;

use serde_json::Value;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::spawn_local;
use web_sys::{Document, Element};

use crate::datetime::{Instant, Zone};
use crate::ui::{self, Config, Effect, Env, FormId, Intent, Msg, State, TaskDraft};
pub use client::Client;

/// The viewer's time zone, from the browser.
#[derive(Debug, Clone, Copy)]
pub struct BrowserZone;

impl Zone for BrowserZone {
    fn offset_minutes(&self, at: Instant) -> i32 {
        -(js_sys::Date::new(&JsValue::from_f64(at.0 as f64)).get_timezone_offset() as i32)
    }
}

struct Runtime {
    client: Client,
    doc: Document,
    root: Element,
    state: RefCell<State>,
    height: std::cell::Cell<u32>,
}

thread_local! {
    static ROOT: RefCell<Option<Element>> = const { RefCell::new(None) };
}

fn env() -> Env {
    Env { now: js_sys::Date::now() as i64, random: js_sys::Math::random() }
}

fn dispatch(rt: &Rc<Runtime>, msg: Msg) {
    let effects = rt.state.borrow_mut().update(msg, env());
    let mut render = false;
    for fx in effects {
        match fx {
            Effect::Render => render = true,
            other => run(rt, other),
        }
    }
    if render {
        paint(rt);
    }
}

async fn sleep(ms: u64) {
    let p = js_sys::Promise::new(&mut |resolve, _| {
        if let Some(w) = web_sys::window() {
            let _ = w.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms.min(i32::MAX as u64) as i32);
        }
    });
    let _ = wasm_bindgen_futures::JsFuture::from(p).await;
}

fn run(rt: &Rc<Runtime>, fx: Effect) {
    let rt = rt.clone();
    match fx {
        Effect::Invoke(call) => spawn_local(async move {
            let reply = rt.client.invoke(&call).await;
            dispatch(&rt, Msg::Reply { id: call.id, reply });
        }),
        Effect::InvokeLater { call, after_ms } => spawn_local(async move {
            sleep(after_ms).await;
            // Left while it waited (another contact, a reload): not sent, its slot was given back.
            if !rt.state.borrow().is_pending(call.id) {
                return;
            }
            let reply = rt.client.invoke(&call).await;
            dispatch(&rt, Msg::Reply { id: call.id, reply });
        }),
        Effect::DbGet { key, generation } => spawn_local(async move {
            let value = rt.client.db_get(&key).await;
            dispatch(&rt, Msg::DbLoaded { generation, value });
        }),
        Effect::DbSet { key, value } => spawn_local(async move {
            // A failed write only costs a lookup next time; nothing for the user to do.
            let _ = rt.client.db_set(&key, &value).await;
        }),
        Effect::CacheSet { key, value } => {
            // A full or refused store only costs requests on the next open.
            if let Some(s) = session_storage() {
                let _ = s.set_item(&key, &value.to_string());
            }
        }
        Effect::CacheRemove { key } => {
            if let Some(s) = session_storage() {
                let _ = s.remove_item(&key);
            }
        }
        Effect::Render => paint(&rt),
        Effect::Notify { kind, message } => rt.client.notify(kind.as_str(), &message),
        Effect::Confirm { message, save_label, then } => spawn_local(async move {
            if rt.client.confirm(&message, &save_label).await {
                dispatch(&rt, Msg::Act(Intent::Confirmed(Box::new(then))));
            }
        }),
    }
}

/// The tab's `sessionStorage` (never `localStorage`: GHL data must not linger on disk), or
/// `None` where the frame may not use it.
fn session_storage() -> Option<web_sys::Storage> {
    web_sys::window()?.session_storage().ok().flatten()
}

/// The cached contact views this tab stored earlier (a reload, or a fresh instance after a
/// crash), for [`Msg::CacheRestored`].
fn cached_views() -> Vec<(String, Value)> {
    let Some(s) = session_storage() else { return Vec::new() };
    let keys: Vec<String> = (0..s.length().unwrap_or(0)).filter_map(|i| s.key(i).ok().flatten()).filter(|k| k.starts_with(crate::cache::KEY_PREFIX)).collect();
    keys.into_iter().filter_map(|k| Some((k.clone(), serde_json::from_str(&s.get_item(&k).ok()??).ok()?))).collect()
}

fn paint(rt: &Rc<Runtime>) {
    let view = ui::view(&rt.state.borrow(), &BrowserZone, Instant(js_sys::Date::now() as i64));
    render::render(&rt.doc, &rt.root, &view);
    fit(rt);
}

/// Tells the host the panel's height when it changed: after each render, and whenever the
/// content grows or shrinks by itself (Crayons components draw after they are attached).
/// The root's layout height, not its `scrollHeight`: a Crayons popup waiting hidden below a
/// control overflows the root without being content.
fn fit(rt: &Runtime) {
    let Some(root) = rt.root.dyn_ref::<web_sys::HtmlElement>() else { return };
    let h = (root.offset_height().max(0) as u32 + 24).clamp(200, 700);
    if h != rt.height.get() {
        rt.height.set(h);
        rt.client.resize(h);
    }
}

/// Calls [`fit`] whenever the root (auto height: its content) changes size.
fn watch_size(rt: &Rc<Runtime>) {
    let on_resize = {
        let rt = rt.clone();
        Closure::<dyn Fn(JsValue)>::new(move |_entries: JsValue| fit(&rt))
    };
    if let Ok(observer) = web_sys::ResizeObserver::new(on_resize.as_ref().unchecked_ref()) {
        observer.observe(&rt.root);
    }
    on_resize.forget();
}

fn config_from(iparams: &Value) -> Config {
    let s = |k: &str, default: &str| iparams.get(k).and_then(Value::as_str).map(str::trim).filter(|v| !v.is_empty()).unwrap_or(default).to_string();
    Config {
        location_id: s("ghl_location_id", ""),
        app_base_url: s("ghl_app_base_url", "https://app.gohighlevel.com"),
        default_country: s("default_country", "US"),
    }
}

async fn activate(rt: Rc<Runtime>) {
    let info = rt.client.data("currentEntityInfo").await.unwrap_or(JsValue::UNDEFINED);
    let id = js_sys::Reflect::get(&info, &"currentEntityId".into()).unwrap_or(JsValue::UNDEFINED);
    let fs_id = id.as_string().or_else(|| id.as_f64().map(|n| format!("{n:.0}")));
    match fs_id {
        Some(fs_id) if !fs_id.is_empty() => dispatch(&rt, Msg::Activated { fs_id }),
        _ => dispatch(&rt, Msg::Refresh),
    }
}

fn listen(rt: &Rc<Runtime>) {
    let on_activated = {
        let rt = rt.clone();
        Closure::<dyn Fn(JsValue)>::new(move |_e: JsValue| spawn_local(activate(rt.clone())))
    };
    rt.client.on("app.activated", on_activated.as_ref().unchecked_ref());
    on_activated.forget();
    let on_deactivated = {
        let rt = rt.clone();
        Closure::<dyn Fn(JsValue)>::new(move |_e: JsValue| dispatch(&rt, Msg::Deactivated))
    };
    rt.client.on("app.deactivated", on_deactivated.as_ref().unchecked_ref());
    on_deactivated.forget();
    let on_update = {
        let rt = rt.clone();
        Closure::<dyn Fn(JsValue)>::new(move |_e: JsValue| dispatch(&rt, Msg::Refresh))
    };
    rt.client.on("contact.update", on_update.as_ref().unchecked_ref());
    on_update.forget();
    // One delegated listener for every button the view renders.
    let on_click = {
        let rt = rt.clone();
        Closure::<dyn Fn(web_sys::Event)>::new(move |e: web_sys::Event| {
            let action = e
                .target()
                .and_then(|t| t.dyn_into::<Element>().ok())
                .and_then(|t| t.closest("[data-action]").ok().flatten())
                .and_then(|b| b.get_attribute("data-action"));
            let button = e.target().and_then(|t| t.dyn_into::<Element>().ok()).and_then(|t| t.closest("[data-action]").ok().flatten());
            if button.as_ref().is_some_and(|b| b.has_attribute("disabled")) {
                return;
            }
            let attr = |name: &str| button.as_ref().and_then(|b| b.get_attribute(name)).unwrap_or_default();
            let (verb, id) = action.as_deref().and_then(|a| a.split_once(':')).map_or((action.as_deref().unwrap_or(""), String::new()), |(v, i)| (v, i.to_string()));
            let intent = match verb {
                "retry" => return dispatch(&rt, Msg::Refresh),
                "relink" => return dispatch(&rt, Msg::Relink),
                "complete" => Intent::SetCompleted { task_id: id, completed: true },
                "reopen" => Intent::SetCompleted { task_id: id, completed: false },
                "edit-task" => Intent::Open(FormId::EditTask(id)),
                "edit-note" => Intent::Open(FormId::EditNote(id)),
                "cancel-edit" => Intent::Close,
                "delete-task" => Intent::DeleteTask(id),
                "delete-note" => Intent::DeleteNote(id),
                "remove-tag" => Intent::RemoveTag(attr("data-tag")),
                "pick" => Intent::Pick(attr("data-id")),
                "push" => Intent::Push,
                "unlink" => Intent::Unlink,
                _ => return,
            };
            dispatch(&rt, Msg::Act(intent));
        })
    };
    let _ = rt.root.add_event_listener_with_callback("click", on_click.as_ref().unchecked_ref());
    on_click.forget();
    // Every form submits through one delegated handler; typing is mirrored into the core so a
    // re-render (or a failed write) never loses it.
    let on_submit = {
        let rt = rt.clone();
        Closure::<dyn Fn(web_sys::Event)>::new(move |e: web_sys::Event| {
            e.prevent_default();
            let Some(form) = e.target().and_then(|t| t.dyn_into::<Element>().ok()) else { return };
            let Some(id) = form.get_attribute("data-form").and_then(|k| FormId::parse(&k)) else { return };
            let v = |name: &str| field_value(&form, name);
            let intent = match &id {
                FormId::NewTask | FormId::EditTask(_) => Intent::SubmitTask { draft: TaskDraft::from_input(&v("title"), &v("body"), &v("due"), &BrowserZone), form: id },
                FormId::NewNote | FormId::EditNote(_) => Intent::SubmitNote { text: v("text"), to_freshsales: v("to_freshsales") == "true", form: id },
                FormId::Tag => Intent::AddTag(v("tag")),
                FormId::Search => Intent::Search(v("q")),
                _ => return,
            };
            dispatch(&rt, Msg::Act(intent));
        })
    };
    let _ = rt.root.add_event_listener_with_callback("submit", on_submit.as_ref().unchecked_ref());
    on_submit.forget();
    let on_input = {
        let rt = rt.clone();
        Closure::<dyn Fn(web_sys::Event)>::new(move |e: web_sys::Event| {
            let Some(field) = e.target().and_then(|t| t.dyn_into::<Element>().ok()) else { return };
            let form = field.closest("[data-form]").ok().flatten().and_then(|f| f.get_attribute("data-form")).and_then(|k| FormId::parse(&k));
            let (Some(form), Some(name)) = (form, field.get_attribute("name")) else { return };
            let value = input_value(&field);
            dispatch(&rt, Msg::Act(Intent::Draft { form, field: name, value }));
        })
    };
    // Crayons controls report through `fwInput`/`fwChange` (retargeted to the host element).
    for ev in ["input", "change", "fwInput", "fwChange"] {
        let _ = rt.root.add_event_listener_with_callback(ev, on_input.as_ref().unchecked_ref());
    }
    on_input.forget();
}

/// A form control's value; a checkbox as `"true"`/`"false"`; a Crayons component's host
/// `value` property, the datepicker's `YYYY-MM-DD HH:MM` turned into `YYYY-MM-DDTHH:MM`.
fn input_value(e: &Element) -> String {
    if e.tag_name().starts_with("FW-") {
        let v = js_sys::Reflect::get(e, &"value".into()).ok().and_then(|v| v.as_string()).unwrap_or_default();
        return if e.tag_name() == "FW-DATEPICKER" { v.replacen(' ', "T", 1) } else { v };
    }
    if let Some(i) = e.dyn_ref::<web_sys::HtmlInputElement>() {
        return if i.type_() == "checkbox" { i.checked().to_string() } else { i.value() };
    }
    e.dyn_ref::<web_sys::HtmlTextAreaElement>().map(|t| t.value()).unwrap_or_default()
}

/// The value of the control named `name` inside `form`.
fn field_value(form: &Element, name: &str) -> String {
    form.query_selector(&format!("[name=\"{name}\"]")).ok().flatten().map(|e| input_value(&e)).unwrap_or_default()
}

fn install_panic_hook() {
    std::panic::set_hook(Box::new(|_| {
        ROOT.with(|r| {
            if let Some(root) = r.borrow().as_ref() {
                root.set_text_content(Some("Something went wrong in the HighLevel panel. Open the contact again to reload it."));
                let _ = root.set_attribute("data-state", "crashed");
            }
        });
    }));
}

/// Mounts the sidebar into `root`, given the Freshworks `client` from `app.initialized()`:
/// subscribes to the platform's events once, reads the settings and loads the viewed contact.
#[wasm_bindgen]
pub fn mount(client: JsValue, root: Element) -> Result<(), JsValue> {
    install_panic_hook();
    ROOT.with(|r| *r.borrow_mut() = Some(root.clone()));
    let doc = root.owner_document().ok_or_else(|| JsValue::from_str("no document"))?;
    let rt = Rc::new(Runtime { client: Client::new(client), doc, root, state: RefCell::new(State::new()), height: Default::default() });
    listen(&rt);
    watch_size(&rt);
    dispatch(&rt, Msg::CacheRestored(cached_views()));
    spawn_local(async move {
        let iparams = rt.client.iparams().await;
        dispatch(&rt, Msg::Configured(config_from(&iparams)));
        if let Ok(user) = rt.client.data("loggedInUser").await {
            let name = js_sys::Reflect::get(&user, &"display_name".into()).ok().and_then(|v| v.as_string()).unwrap_or_default();
            dispatch(&rt, Msg::Act(Intent::User(name)));
        }
        activate(rt).await;
    });
    Ok(())
}
