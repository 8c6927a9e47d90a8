//! `client.interface.trigger` and `client.instance.resize`: argument checks and normalisation
//! (freshworks-platform.md §2, §8). Pure; the HTTP handler records the result and the shim
//! shows it on the host page.

use serde_json::{json, Value};

/// `showNotify` types the platform accepts.
pub const NOTIFY_TYPES: &[&str] = &["info", "success", "warning", "danger", "alert"];
/// Longest `showNotify` / `showConfirm` message, characters (longer ones are truncated).
pub const MAX_MESSAGE_CHARS: usize = 100;
/// Longest title, characters.
pub const MAX_TITLE_CHARS: usize = 30;
/// Longest `showConfirm` button label, characters.
pub const MAX_LABEL_CHARS: usize = 11;
/// Tallest app instance, px.
pub const MAX_HEIGHT_PX: u32 = 700;

fn truncate(s: &str, max: usize) -> String {
    s.chars().take(max).collect()
}

fn opt_str(opts: &Value, key: &str, max: usize) -> Result<Option<String>, String> {
    match opts.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(truncate(s, max))),
        Some(_) => Err(format!("'{key}' must be a string")),
    }
}

fn required_str(opts: &Value, key: &str, max: usize) -> Result<String, String> {
    opt_str(opts, key, max)?.filter(|s| !s.trim().is_empty()).ok_or_else(|| format!("'{key}' is required"))
}

/// Checks a trigger and returns the normalised record (`{action, …}`), or the rejection message.
pub fn check_trigger(action: &str, opts: &Value) -> Result<Value, String> {
    if !opts.is_object() {
        return Err("the second argument must be an object".into());
    }
    match action {
        "showNotify" => {
            let kind = opts.get("type").and_then(Value::as_str).ok_or("'type' is required")?;
            if !NOTIFY_TYPES.contains(&kind) {
                return Err(format!("Invalid type '{kind}': use one of {}", NOTIFY_TYPES.join(", ")));
            }
            Ok(json!({
                "action": action,
                "type": kind,
                "title": opt_str(opts, "title", MAX_TITLE_CHARS)?,
                "message": required_str(opts, "message", MAX_MESSAGE_CHARS)?,
            }))
        }
        "showConfirm" => Ok(json!({
            "action": action,
            "title": opt_str(opts, "title", MAX_TITLE_CHARS)?,
            "message": required_str(opts, "message", MAX_MESSAGE_CHARS)?,
            "saveLabel": opt_str(opts, "saveLabel", MAX_LABEL_CHARS)?.unwrap_or_else(|| "Save".into()),
            "cancelLabel": opt_str(opts, "cancelLabel", MAX_LABEL_CHARS)?.unwrap_or_else(|| "Cancel".into()),
        })),
        "showModal" | "showDialog" => {
            let template = required_str(opts, "template", usize::MAX)?;
            if template.starts_with('/') || template.contains("..") || template.contains("://") || !template.ends_with(".html") {
                return Err(format!("'template' must be an HTML file of the app, got '{template}'"));
            }
            Ok(json!({
                "action": action,
                "title": opt_str(opts, "title", MAX_TITLE_CHARS)?.unwrap_or_else(|| "Modal dialog".into()),
                "template": template,
                "data": opts.get("data").cloned().unwrap_or(Value::Null),
            }))
        }
        "show" => {
            let id = opts.get("id").and_then(Value::as_str).ok_or("'id' is required")?;
            if !["lead", "contact", "account", "deal"].contains(&id) {
                return Err(format!("Invalid id '{id}' for show"));
            }
            let value = opts.get("value").filter(|v| v.is_number() || v.is_string()).ok_or("'value' is required")?;
            Ok(json!({ "action": action, "id": id, "value": value }))
        }
        "open" => {
            let id = opts.get("id").and_then(Value::as_str).ok_or("'id' is required")?;
            if !["lead", "contact", "account", "deal", "calllog"].contains(&id) {
                return Err(format!("Invalid id '{id}' for open"));
            }
            Ok(json!({ "action": action, "id": id }))
        }
        other => Err(format!("Unsupported interface action '{other}'")),
    }
}

/// Parses `resize({height})` (`"500px"`, `"500"` or `500`) and clamps it to 700 px.
pub fn check_resize(opts: &Value) -> Result<Value, String> {
    let h = opts.get("height").ok_or("'height' is required")?;
    let px = match h {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().trim_end_matches("px").trim().parse::<f64>().ok(),
        _ => None,
    }
    .filter(|p| *p >= 0.0)
    .ok_or_else(|| format!("invalid height {h}"))?;
    Ok(json!({ "action": "resize", "requested": h, "height": (px.round() as u32).min(MAX_HEIGHT_PX) }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn show_notify_checks_type_and_truncates() {
        let long = "x".repeat(150);
        let r = check_trigger("showNotify", &json!({"type": "success", "message": long})).unwrap();
        assert_eq!(r["message"].as_str().unwrap().chars().count(), 100);
        assert!(check_trigger("showNotify", &json!({"type": "error", "message": "m"})).unwrap_err().contains("Invalid type"));
        assert!(check_trigger("showNotify", &json!({"message": "m"})).is_err());
        assert!(check_trigger("showNotify", &json!({"type": "info"})).is_err());
        assert!(check_trigger("showNotify", &json!("info")).is_err());
    }

    #[test]
    fn confirm_modal_show_open() {
        let c = check_trigger("showConfirm", &json!({"message": "Unlink?", "saveLabel": "Unlink this contact"})).unwrap();
        assert_eq!((c["saveLabel"].as_str(), c["cancelLabel"].as_str()), (Some("Unlink this"), Some("Cancel")));
        assert!(check_trigger("showConfirm", &json!({"title": "t"})).is_err());
        let m = check_trigger("showModal", &json!({"template": "modal.html", "data": {"a": 1}})).unwrap();
        assert_eq!(m["title"], "Modal dialog");
        assert!(check_trigger("showModal", &json!({"title": "t"})).is_err());
        assert!(check_trigger("showModal", &json!({"template": "../secret.html"})).is_err());
        assert!(check_trigger("show", &json!({"id": "contact", "value": 5})).is_ok());
        assert!(check_trigger("show", &json!({"id": "ticket", "value": 5})).is_err());
        assert!(check_trigger("open", &json!({"id": "calllog"})).is_ok());
        assert!(check_trigger("showToast", &json!({})).is_err());
    }

    #[test]
    fn resize_clamps() {
        assert_eq!(check_resize(&json!({"height": "500px"})).unwrap()["height"], 500);
        assert_eq!(check_resize(&json!({"height": 900})).unwrap()["height"], 700);
        assert!(check_resize(&json!({"height": "tall"})).is_err());
    }
}
