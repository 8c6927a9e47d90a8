//! Typed access to the Freshworks `client` object (platform 3.0): request templates, the
//! key-value store, data and iparams, events and notifications. Everything JavaScript about
//! the platform is here; the rest of the edge sees Rust types.

use js_sys::{Array, Function, Object, Promise, Reflect};
use serde_json::Value;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

use crate::error::{Origin, RawReply};
use crate::ui::Call;

/// The Freshworks client handed to the app by `app.initialized()`.
#[derive(Clone)]
pub struct Client(JsValue);

fn get(target: &JsValue, key: &str) -> JsValue {
    Reflect::get(target, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
}

fn call_method(target: &JsValue, path: &[&str], args: &[JsValue]) -> Result<JsValue, JsValue> {
    let (method, objects) = path.split_last().expect("a method path");
    let this = objects.iter().fold(target.clone(), |o, k| get(&o, k));
    let f: Function = get(&this, method).dyn_into().map_err(|_| JsValue::from_str("client method missing"))?;
    let args: Array = args.iter().collect();
    f.apply(&this, &args)
}

async fn await_method(target: &JsValue, path: &[&str], args: &[JsValue]) -> Result<JsValue, JsValue> {
    let p = call_method(target, path, args)?;
    JsFuture::from(Promise::resolve(&p)).await
}

fn js_string(v: &JsValue) -> String {
    v.as_string().or_else(|| v.as_f64().map(|n| n.to_string())).unwrap_or_default()
}

fn headers_of(v: &JsValue) -> Vec<(String, String)> {
    let h = get(v, "headers");
    if !h.is_object() {
        return Vec::new();
    }
    Object::entries(h.unchecked_ref())
        .iter()
        .filter_map(|pair| {
            let pair: Array = pair.dyn_into().ok()?;
            Some((js_string(&pair.get(0)), js_string(&pair.get(1))))
        })
        .collect()
}

fn object(pairs: &[(String, String)]) -> Object {
    let o = Object::new();
    for (k, v) in pairs {
        let _ = Reflect::set(&o, &JsValue::from_str(k), &JsValue::from_str(v));
    }
    o
}

impl Client {
    /// Wraps the client object.
    pub fn new(v: JsValue) -> Self {
        Client(v)
    }

    /// `client.request.invokeTemplate(name, {context, query, body})`, its resolution or
    /// rejection as a [`RawReply`]. A rejection with `errorSource: "PLATFORM"`, or without a
    /// numeric status, is the platform's own failure.
    pub async fn invoke(&self, call: &Call) -> RawReply {
        let opts = Object::new();
        let _ = Reflect::set(&opts, &"context".into(), &object(&call.context));
        if !call.query.is_empty() {
            let _ = Reflect::set(&opts, &"query".into(), &object(&call.query));
        }
        if let Some(body) = &call.body {
            let _ = Reflect::set(&opts, &"body".into(), &JsValue::from_str(body));
        }
        let outcome = await_method(&self.0, &["request", "invokeTemplate"], &[JsValue::from_str(call.template), opts.into()]).await;
        let (v, ok) = match outcome {
            Ok(v) => (v, true),
            Err(v) => (v, false),
        };
        let status = get(&v, "status").as_f64().map(|s| s as u16);
        let platform = js_string(&get(&v, "errorSource")).eq_ignore_ascii_case("platform") || status.is_none();
        RawReply {
            status: status.unwrap_or(if ok { 200 } else { 0 }),
            headers: headers_of(&v),
            body: js_string(&get(&v, "response")),
            origin: if !ok && platform { Origin::Platform } else { Origin::Upstream },
        }
    }

    /// `client.db.get(key)`: `None` when absent or unreadable.
    pub async fn db_get(&self, key: &str) -> Option<Value> {
        let v = await_method(&self.0, &["db", "get"], &[JsValue::from_str(key)]).await.ok()?;
        let text = js_sys::JSON::stringify(&v).ok()?.as_string()?;
        serde_json::from_str(&text).ok()
    }

    /// `client.db.set(key, value)`.
    pub async fn db_set(&self, key: &str, value: &Value) -> Result<(), JsValue> {
        let v = js_sys::JSON::parse(&value.to_string())?;
        await_method(&self.0, &["db", "set"], &[JsValue::from_str(key), v]).await.map(|_| ())
    }

    /// `client.data.get(name)`, unwrapped from its `{name: …}` envelope.
    pub async fn data(&self, name: &str) -> Result<JsValue, JsValue> {
        let v = await_method(&self.0, &["data", "get"], &[JsValue::from_str(name)]).await?;
        let inner = get(&v, name);
        Ok(if inner.is_undefined() { v } else { inner })
    }

    /// All non-secure iparams as JSON.
    pub async fn iparams(&self) -> Value {
        let Ok(v) = await_method(&self.0, &["iparams", "get"], &[]).await else { return Value::Null };
        js_sys::JSON::stringify(&v).ok().and_then(|s| s.as_string()).and_then(|s| serde_json::from_str(&s).ok()).unwrap_or(Value::Null)
    }

    /// `client.events.on(name, callback)`.
    pub fn on(&self, event: &str, callback: &Function) {
        let _ = call_method(&self.0, &["events", "on"], &[JsValue::from_str(event), callback.into()]);
    }

    /// `client.interface.trigger("showNotify", {type, message})`.
    pub fn notify(&self, kind: &str, message: &str) {
        let o = object(&[("type".into(), kind.into()), ("message".into(), message.into())]);
        if let Ok(p) = call_method(&self.0, &["interface", "trigger"], &[JsValue::from_str("showNotify"), o.into()]) {
            if let Ok(p) = p.dyn_into::<Promise>() {
                // The platform reports a refused notification by rejecting; nothing to do.
                let ignore = Closure::<dyn FnMut(JsValue)>::new(|_: JsValue| {});
                let _ = p.catch(&ignore);
                ignore.forget();
            }
        }
    }

    /// `client.interface.trigger("showConfirm", …)`: true when the user chose `save_label`
    /// (a cancel, a timeout or a refusal is false).
    pub async fn confirm(&self, message: &str, save_label: &str) -> bool {
        let o = object(&[
            ("title".into(), "HighLevel".into()),
            ("message".into(), message.into()),
            ("saveLabel".into(), save_label.into()),
            ("cancelLabel".into(), "Cancel".into()),
        ]);
        match await_method(&self.0, &["interface", "trigger"], &[JsValue::from_str("showConfirm"), o.into()]).await {
            Ok(v) => js_string(&get(&v, "message")) == save_label,
            Err(_) => false,
        }
    }

    /// `client.instance.resize({height})`.
    pub fn resize(&self, height_px: u32) {
        let o = object(&[("height".into(), format!("{height_px}px"))]);
        let _ = call_method(&self.0, &["instance", "resize"], &[o.into()]);
    }
}
