//! The one place the stand-ins ask the official spec whether a request or a response is valid.
//!
//! INTERIM: `ghl_bridge::spec::Spec` (the core's spec conversion and errata overlay) has not
//! landed yet, so this checks the top level of a body against the vendored spec by itself:
//! unknown properties, missing required ones, and JSON types. Once `Spec` lands, both
//! functions become one-line calls to `Spec::official()`.

use std::sync::OnceLock;

use serde_json::Value;

/// Validates a request body for `operation` (a GHL `operationId`). `Err` carries messages in
/// the real API's words ("property x should not exist").
pub fn validate_request(operation: &str, body: &Value) -> Result<(), Vec<String>> {
    let Some(schema) = request_schema(operation) else { return Ok(()) };
    check(schema, body, true)
}

/// Validates a response body for `operation` and `status` against the spec's response schema.
pub fn validate_response(operation: &str, status: u16, body: &Value) -> Result<(), Vec<String>> {
    let Some(schema) = response_schema(operation, status) else { return Ok(()) };
    check(schema, body, false)
}

fn spec() -> &'static (Value, Value) {
    static SPEC: OnceLock<(Value, Value)> = OnceLock::new();
    SPEC.get_or_init(|| {
        let contacts = serde_json::from_str(include_str!("../../../spec/ghl-openapi/contacts.json")).expect("vendored spec parses");
        let common = serde_json::from_str(include_str!("../../../spec/ghl-openapi/common-schemas.json")).expect("vendored spec parses");
        (contacts, common)
    })
}

fn operation(op: &str) -> Option<&'static Value> {
    spec().0["paths"].as_object()?.values().flat_map(|p| p.as_object().into_iter().flat_map(|m| m.values())).find(|o| o["operationId"] == op)
}

fn resolve(schema: &'static Value) -> &'static Value {
    match schema.get("$ref").and_then(Value::as_str) {
        Some(r) => {
            let (doc, name) = if r.starts_with("../") { (&spec().1, r) } else { (&spec().0, r) };
            let name = name.rsplit('/').next().unwrap_or_default();
            &doc["components"]["schemas"][name]
        }
        None => schema,
    }
}

fn request_schema(op: &str) -> Option<&'static Value> {
    Some(resolve(operation(op)?.pointer("/requestBody/content/application~1json/schema")?))
}

fn response_schema(op: &str, status: u16) -> Option<&'static Value> {
    Some(resolve(operation(op)?.pointer(&format!("/responses/{status}/content/application~1json/schema"))?))
}

fn check(schema: &'static Value, body: &Value, strict: bool) -> Result<(), Vec<String>> {
    let Some(obj) = body.as_object() else {
        return Err(vec!["body must be an object".into()]);
    };
    let props = schema["properties"].as_object();
    let mut errors = Vec::new();
    if let Some(props) = props.filter(|p| !p.is_empty()) {
        for (k, v) in obj {
            match props.get(k).map(resolve) {
                None if strict => errors.push(format!("property {k} should not exist")),
                None => {}
                Some(p) if v.is_null() && p["nullable"] == true => {}
                Some(p) => {
                    let ok = match p["type"].as_str() {
                        Some("string") => v.is_string(),
                        Some("boolean") => v.is_boolean(),
                        Some("number") => v.is_number(),
                        Some("array") => v.is_array(),
                        Some("object") => v.is_object() || (strict && v.is_string()),
                        _ => true,
                    };
                    if !ok {
                        errors.push(format!("{k} must be a {}", p["type"].as_str().unwrap_or("value")));
                    }
                }
            }
        }
    }
    for r in schema["required"].as_array().into_iter().flatten().filter_map(Value::as_str) {
        if !obj.contains_key(r) {
            errors.push(format!("{r} should not be empty"));
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}
