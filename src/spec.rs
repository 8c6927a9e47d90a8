//! The official GHL Contacts v2 OpenAPI spec as JSON Schema: one conversion, used by the
//! contract tests and by devhost's stand-in validation (host only, feature `spec`).
//!
//! The vendored spec files (`spec/ghl-openapi/`, byte-identical to upstream) are compiled in.
//! [`Spec::official`] converts them once:
//!
//! 1. the errata (`ERRATA` in the source) are applied to the parsed spec, each with its reason;
//! 2. every `$ref` is inlined (`#/…` in `contacts.json`, `../common/common-schemas.json#/…` in
//!    `common-schemas.json` beside it), so each schema stands alone;
//! 3. OpenAPI's `nullable: true` becomes a type union with `"null"`;
//! 4. request bodies are made strict: every object schema that declares `properties` gets
//!    `additionalProperties: false` (recursively, through `anyOf` branches), because the real
//!    API answers an unknown property with 422 "property X should not exist". Free-form objects
//!    (a `type: object` without `properties`, e.g. a file custom field's value) stay open.
//!    Response schemas stay lenient: extra properties are allowed.
//!
//! Validation messages imitate the real API's (NestJS class-validator): "property foo should
//! not exist", "title must be a string", "customFields.0.field_value must be a string", ….

use std::sync::OnceLock;

use jsonschema::error::{TypeKind, ValidationErrorKind};
use jsonschema::paths::LocationSegment;
use jsonschema::{ValidationError, Validator};
use serde_json::{Map, Value};

const CONTACTS: &str = include_str!("../spec/ghl-openapi/contacts.json");
const COMMON: &str = include_str!("../spec/ghl-openapi/common-schemas.json");
/// How `contacts.json` names `common-schemas.json` in its `$ref`s.
const COMMON_REF: &str = "../common/common-schemas.json";

/// One correction to the official spec: the value at each JSON pointer (into `contacts.json`)
/// is replaced by `value` (OpenAPI dialect; `$ref`s allowed).
struct Erratum {
    at: &'static [&'static str],
    value: &'static str,
    /// Why, with the evidence (sections of `shared/research/ghl-api.md`).
    why: &'static str,
}

/// The errata overlay. Only what the real API provably does differently; a mere wrong
/// `example` (e.g. `removeAllTags: "false"` on a boolean) is not corrected here, the example
/// assembly just skips examples that do not fit their schema.
const ERRATA: &[Erratum] = &[
    Erratum {
        at: &["/components/schemas/SearchBodyV2DTO"],
        value: r##"{"type": "object", "required": ["locationId", "pageLimit"], "properties": {
            "locationId": {"type": "string", "example": "5DP41231LkQsiKESj6rh"},
            "pageLimit": {"type": "number", "maximum": 500, "example": 20},
            "page": {"type": "number", "example": 1},
            "searchAfter": {"type": "array", "items": {}},
            "filters": {"type": "array", "items": {"anyOf": [
                {"type": "object", "required": ["field", "operator"], "properties": {
                    "field": {"type": "string"},
                    "operator": {"type": "string", "enum": ["eq", "not_eq", "contains", "not_contains", "exists", "not_exists", "range"]},
                    "value": {}}},
                {"type": "object", "required": ["group", "filters"], "properties": {
                    "group": {"type": "string", "enum": ["AND", "OR"]},
                    "filters": {"type": "array", "items": {"type": "object", "required": ["field", "operator"], "properties": {
                        "field": {"type": "string"},
                        "operator": {"type": "string", "enum": ["eq", "not_eq", "contains", "not_contains", "exists", "not_exists", "range"]},
                        "value": {}}}}}}]},
                "example": [{"field": "dnd", "operator": "eq", "value": true},
                            {"group": "OR", "filters": [{"field": "firstNameLowerCase", "operator": "eq", "value": "alex"},
                                                        {"field": "lastNameLowerCase", "operator": "eq", "value": "peter"}]}]},
            "sort": {"type": "array", "items": {"type": "object", "required": ["field", "direction"], "properties": {
                "field": {"type": "string", "example": "firstNameLowerCase"},
                "direction": {"type": "string", "enum": ["asc", "desc"], "example": "desc"}}}},
            "query": {"type": "string", "maxLength": 75, "example": "tom"}}}"##,
        why: "The spec's SearchBodyV2DTO is an empty object, yet the API answers 422 without \
              locationId or pageLimit (#31); fields, limits and the example request from the \
              official search guide's mirror (ghl-api.md §4.8, P9).",
    },
    Erratum {
        at: &[
            "/components/schemas/CreateContactDto/properties/dateOfBirth/type",
            "/components/schemas/UpdateContactDto/properties/dateOfBirth/type",
            "/components/schemas/UpsertContactDto/properties/dateOfBirth/type",
        ],
        value: r#""string""#,
        why: "dateOfBirth is typed `object` but its example is \"1990-09-25\" and its description \
              lists date-string formats only (ghl-api.md §2.3).",
    },
    Erratum {
        at: &[
            "/components/schemas/NumericField/properties/field_value/type",
            "/components/schemas/MonetoryField/properties/field_value/type",
        ],
        value: r#""number""#,
        why: "Numeric and monetary custom-field values are typed `object` but their examples are \
              the numbers 100 and 100.5 (ghl-api.md §2.4).",
    },
    Erratum {
        at: &["/components/schemas/CustomFieldSchema/properties/value"],
        value: r#"{"example": "name"}"#,
        why: "A custom field's value is read back in the type it was written with: a number, a \
              list or a file object as well as a string (ghl-api.md §2.1, §2.4, P7).",
    },
    Erratum {
        at: &["/components/schemas/UpdateTagsResponseDTO/properties/responses/items"],
        value: r#"{"type": "object"}"#,
        why: "Bulk-tag `responses` items are typed string, but the spec's own example lists \
              objects {contactId, message, type, …} (ghl-api.md §4.1 quotes their messages).",
    },
    Erratum {
        at: &["/paths/~1contacts~1search/post/responses/200/content"],
        value: r##"{"application/json": {"schema": {"type": "object", "properties": {
            "contacts": {"type": "array", "items": {"$ref": "#/components/schemas/GetContectByIdSchema"}},
            "total": {"type": "number", "example": 1}}}}}"##,
        why: "The search 200 response has no schema; observed {contacts: [full contact], total} \
              (#289, ghl-api.md §4.8).",
    },
    Erratum {
        at: &["/paths/~1contacts~1search~1duplicate/get/responses/200/content"],
        value: r##"{"application/json": {"schema": {"type": "object", "properties": {
            "contact": {"anyOf": [{"$ref": "#/components/schemas/GetContectByIdSchema"}, {"type": "null"}]}}}}}"##,
        why: "The duplicate-search 200 response has no schema; integrations read {contact}, null \
              or absent without a match (ghl-api.md §4.9).",
    },
];

/// One operation of the spec.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Operation {
    /// The spec's `operationId`, e.g. `get-contact`.
    pub operation_id: String,
    /// HTTP method in upper case.
    pub method: String,
    /// Path with `{param}` placeholders, as in the spec.
    pub path: String,
    /// Names of the required query parameters.
    pub required_query: Vec<String>,
    /// Names of the required header parameters (`Version`).
    pub required_headers: Vec<String>,
    /// Whether the operation takes a JSON request body.
    pub has_body: bool,
    /// The documented success status (the lowest 2xx).
    pub success_status: u16,
}

/// A converted schema with its compiled validator.
struct Compiled {
    schema: Value,
    validator: Validator,
}

impl Compiled {
    fn new(schema: Value) -> Self {
        let validator = jsonschema::validator_for(&schema).expect("converted spec schema compiles");
        Compiled { schema, validator }
    }

    fn validate(&self, instance: &Value) -> Result<(), Vec<String>> {
        let mut out = Vec::new();
        for e in self.validator.iter_errors(instance) {
            messages(&self.schema, &e, &mut out);
        }
        if out.is_empty() {
            Ok(())
        } else {
            Err(out)
        }
    }
}

struct Op {
    info: Operation,
    request: Option<Compiled>,
    responses: Vec<(u16, Compiled)>,
}

/// The converted spec: every operation with its compiled request and response validators.
pub struct Spec {
    ops: Vec<Op>,
}

impl Spec {
    /// The official Contacts v2 spec with the errata applied, converted and compiled once.
    pub fn official() -> &'static Spec {
        static SPEC: OnceLock<Spec> = OnceLock::new();
        SPEC.get_or_init(|| Spec::load(CONTACTS, COMMON))
    }

    fn load(contacts: &str, common: &str) -> Spec {
        let mut doc: Value = serde_json::from_str(contacts).expect("contacts.json parses");
        let common: Value = serde_json::from_str(common).expect("common-schemas.json parses");
        for erratum in ERRATA {
            for at in erratum.at {
                let value = serde_json::from_str(erratum.value).expect("erratum parses");
                set(&mut doc, at, value, erratum.why);
            }
        }
        let docs = Docs { contacts: &doc, common: &common };
        let mut ops = Vec::new();
        for (path, item) in doc["paths"].as_object().expect("paths") {
            for (method, op) in item.as_object().expect("path item") {
                let params = op["parameters"].as_array().cloned().unwrap_or_default();
                let required_in = |place: &str| -> Vec<String> {
                    params
                        .iter()
                        .filter(|p| p["in"] == place && p["required"] == true)
                        .filter_map(|p| p["name"].as_str().map(str::to_string))
                        .collect()
                };
                let json_schema = |v: &Value| v.pointer("/content/application~1json/schema").map(|s| docs.convert(s));
                let request = op.get("requestBody").and_then(json_schema).map(|s| Compiled::new(strict(s)));
                let mut responses: Vec<(u16, Compiled)> = op["responses"]
                    .as_object()
                    .expect("responses")
                    .iter()
                    .filter_map(|(status, r)| Some((status.parse().ok()?, Compiled::new(json_schema(r)?))))
                    .collect();
                responses.sort_by_key(|(status, _)| *status);
                let info = Operation {
                    operation_id: op["operationId"].as_str().expect("operationId").to_string(),
                    method: method.to_uppercase(),
                    path: path.clone(),
                    required_query: required_in("query"),
                    required_headers: required_in("header"),
                    has_body: request.is_some(),
                    success_status: responses.iter().map(|(s, _)| *s).find(|s| (200..300).contains(s)).expect("a 2xx response"),
                };
                ops.push(Op { info, request, responses });
            }
        }
        Spec { ops }
    }

    fn op(&self, operation_id: &str) -> Option<&Op> {
        self.ops.iter().find(|o| o.info.operation_id == operation_id)
    }

    /// Every operation, in the spec's order (32 in Contacts v2).
    pub fn operations(&self) -> Vec<Operation> {
        self.ops.iter().map(|o| o.info.clone()).collect()
    }

    /// The operation with this `operationId`.
    pub fn operation(&self, operation_id: &str) -> Option<Operation> {
        self.op(operation_id).map(|o| o.info.clone())
    }

    /// Validates a request body strictly (unknown properties fail). An operation without a
    /// body accepts only `null`. Errors are worded like the real API's 422 messages.
    pub fn validate_request(&self, operation_id: &str, body: &Value) -> Result<(), Vec<String>> {
        let op = self.op(operation_id).ok_or_else(|| vec![format!("unknown operation {operation_id}")])?;
        match &op.request {
            Some(schema) => schema.validate(body),
            None if body.is_null() => Ok(()),
            None => Err(vec![format!("{operation_id} takes no request body")]),
        }
    }

    /// Validates a response body leniently (extra properties are fine) against the schema the
    /// spec documents for `status`. A success status the spec does not document is an error
    /// (e.g. 200 where it says 201); an undocumented failure status (403, 404, 429, 5xx occur
    /// in reality, undescribed) has nothing to check against and passes.
    pub fn validate_response(&self, operation_id: &str, status: u16, body: &Value) -> Result<(), Vec<String>> {
        let op = self.op(operation_id).ok_or_else(|| vec![format!("unknown operation {operation_id}")])?;
        match op.responses.iter().find(|(s, _)| *s == status) {
            Some((_, schema)) => schema.validate(body),
            None if (200..300).contains(&status) => Err(vec![format!("{operation_id} answers {}, not {status}", op.info.success_status)]),
            None => Ok(()),
        }
    }

    /// A response body assembled from the spec's per-field `example`s (arrays get one item),
    /// or `None` when the operation or status is not documented.
    pub fn example_response(&self, operation_id: &str, status: u16) -> Option<Value> {
        let (_, schema) = self.op(operation_id)?.responses.iter().find(|(s, _)| *s == status)?;
        Some(example_or_placeholder(&schema.schema))
    }

    /// A request body assembled from the spec's per-field `example`s, or `None` when the
    /// operation takes no body. It passes [`Spec::validate_request`].
    pub fn example_request(&self, operation_id: &str) -> Option<Value> {
        Some(example_or_placeholder(&self.op(operation_id)?.request.as_ref()?.schema))
    }
}

/// Replaces the value at a JSON pointer (its parent must exist). Panics when the pointer no
/// longer leads anywhere or the spec already says the same: an erratum that stopped applying
/// (after a spec update) must be revisited.
fn set(doc: &mut Value, pointer: &str, value: Value, why: &str) {
    let (parent, key) = pointer.rsplit_once('/').expect("pointer");
    let key = key.replace("~1", "/").replace("~0", "~");
    let parent = doc.pointer_mut(parent).and_then(Value::as_object_mut);
    let parent = parent.unwrap_or_else(|| panic!("erratum {pointer} no longer applies: {why}"));
    assert!(parent.get(&key) != Some(&value), "erratum {pointer} is now in the spec: {why}");
    parent.insert(key, value);
}

/// The two spec documents, for resolving `$ref`s.
struct Docs<'a> {
    contacts: &'a Value,
    common: &'a Value,
}

impl Docs<'_> {
    /// OpenAPI schema → standalone JSON Schema: `$ref`s inlined, `nullable` turned into a type
    /// union. Example values are kept as they are.
    fn convert(&self, schema: &Value) -> Value {
        let Some(obj) = schema.as_object() else { return schema.clone() };
        if let Some(r) = obj.get("$ref").and_then(Value::as_str) {
            let (doc, pointer) = match r.split_once('#') {
                Some(("", p)) => (self.contacts, p),
                Some((COMMON_REF, p)) => (self.common, p),
                _ => panic!("unsupported $ref {r}"),
            };
            return self.convert(doc.pointer(pointer).unwrap_or_else(|| panic!("dangling $ref {r}")));
        }
        let mut out = Map::new();
        for (k, v) in obj {
            let v = match k.as_str() {
                "properties" => Value::Object(v.as_object().expect("properties").iter().map(|(p, s)| (p.clone(), self.convert(s))).collect()),
                "items" | "additionalProperties" | "not" => self.convert(v),
                "anyOf" | "oneOf" | "allOf" => Value::Array(v.as_array().expect("schema list").iter().map(|s| self.convert(s)).collect()),
                "nullable" => continue,
                _ => v.clone(),
            };
            out.insert(k.clone(), v);
        }
        if obj.get("nullable") == Some(&Value::Bool(true)) {
            if let Some(Value::String(t)) = out.get("type") {
                let union = Value::Array(vec![Value::String(t.clone()), "null".into()]);
                out.insert("type".into(), union);
            }
            if let Some(Value::Array(options)) = out.get_mut("enum") {
                options.push(Value::Null);
            }
        }
        Value::Object(out)
    }
}

/// Closes every object schema that declares `properties` to other properties, recursively.
fn strict(mut schema: Value) -> Value {
    if let Some(obj) = schema.as_object_mut() {
        if obj.contains_key("properties") && !obj.contains_key("additionalProperties") {
            obj.insert("additionalProperties".into(), false.into());
        }
        for (k, v) in obj.iter_mut() {
            match k.as_str() {
                "properties" => v.as_object_mut().into_iter().flat_map(|m| m.values_mut()).for_each(|s| *s = strict(s.take())),
                "items" => *v = strict(v.take()),
                "anyOf" | "oneOf" | "allOf" => v.as_array_mut().into_iter().flatten().for_each(|s| *s = strict(s.take())),
                _ => {}
            }
        }
    }
    schema
}

/// The example of a (converted) schema: its own `example` or `default` when that fits the
/// schema, else the first `enum` value, the first `anyOf` branch with an example, an object of
/// its properties' examples (required ones always present), or a one-item array.
fn example(schema: &Value) -> Option<Value> {
    let fits = |v: &Value| jsonschema::is_valid(schema, v);
    if let Some(v) = ["example", "default"].iter().filter_map(|k| schema.get(*k)).find(|v| fits(v)) {
        return Some(v.clone());
    }
    if let Some(v) = schema.get("enum").and_then(Value::as_array).and_then(|o| o.iter().find(|v| !v.is_null())) {
        return Some(v.clone());
    }
    if let Some(branches) = schema.get("anyOf").and_then(Value::as_array) {
        return branches.iter().find_map(example);
    }
    if let Some(props) = schema.get("properties").and_then(Value::as_object) {
        let required = |k: &str| schema["required"].as_array().is_some_and(|r| r.iter().any(|n| n == k));
        let obj = props
            .iter()
            .filter_map(|(k, s)| example(s).or_else(|| required(k).then(|| placeholder(s))).map(|v| (k.clone(), v)))
            .collect();
        return Some(Value::Object(obj));
    }
    match primary_type(schema) {
        Some("array") => example(schema.get("items")?).map(|item| Value::Array(vec![item])),
        Some("object") => Some(Value::Object(Map::new())),
        _ => None,
    }
}

fn example_or_placeholder(schema: &Value) -> Value {
    example(schema).unwrap_or_else(|| placeholder(schema))
}

/// The empty value of a schema's type, for a required field without an example.
fn placeholder(schema: &Value) -> Value {
    match primary_type(schema) {
        Some("string") => "".into(),
        Some("number" | "integer") => 0.into(),
        Some("boolean") => false.into(),
        Some("array") => Value::Array(Vec::new()),
        Some("object") => example(schema).unwrap_or_default(),
        _ => Value::Null,
    }
}

/// The schema's `type`, the first non-null one of a union.
fn primary_type(schema: &Value) -> Option<&str> {
    match schema.get("type")? {
        Value::String(t) => Some(t),
        Value::Array(ts) => ts.iter().filter_map(Value::as_str).find(|t| *t != "null"),
        _ => None,
    }
}

/// Words one validation error the way the API's class-validator does, appending to `out`.
fn messages(schema: &Value, e: &ValidationError<'_>, out: &mut Vec<String>) {
    let path: Vec<String> = e
        .instance_path()
        .segments()
        .map(|s| match s {
            LocationSegment::Property(p) => p.into_owned(),
            LocationSegment::Index(i) => i.to_string(),
        })
        .collect();
    let under = |msg: String| if path.is_empty() { msg } else { format!("{}.{msg}", path.join(".")) };
    // "<field> must …", or "each value in <list> must …" for list items.
    let field = |what: String| match path.split_last() {
        None => format!("body {what}"),
        Some((last, parent)) if last.parse::<usize>().is_ok() && !parent.is_empty() => {
            format!("each value in {} {what}", parent.join("."))
        }
        Some(_) => format!("{} {what}", path.join(".")),
    };
    match e.kind() {
        ValidationErrorKind::AdditionalProperties { unexpected } => {
            out.extend(unexpected.iter().map(|p| under(format!("property {p} should not exist"))));
        }
        ValidationErrorKind::Required { property } => {
            let name = property.as_str().unwrap_or_default();
            let object = e.schema_path().as_str().rsplit_once('/').and_then(|(parent, _)| schema.pointer(parent));
            let kind = object.and_then(|o| o.get("properties")?.get(name)).and_then(primary_type);
            let what = kind.map_or("should not be empty".to_string(), type_message);
            out.push(under(format!("{name} {what}")));
        }
        ValidationErrorKind::AnyOf { context } => match context.iter().min_by_key(|branch| branch.len()) {
            Some(branch) if !branch.is_empty() => branch.iter().for_each(|b| messages(schema, b, out)),
            _ => out.push(under(e.to_string())),
        },
        ValidationErrorKind::Type { kind } => {
            let expected = match kind {
                TypeKind::Single(t) => t.as_str(),
                TypeKind::Multiple(ts) => ts.iter().map(|t| t.as_str()).find(|t| *t != "null").unwrap_or("null"),
            };
            out.push(field(type_message(expected)));
        }
        ValidationErrorKind::Enum { options } => {
            let list: Vec<String> = options
                .as_array()
                .into_iter()
                .flatten()
                .map(|o| o.as_str().map_or_else(|| o.to_string(), str::to_string))
                .collect();
            out.push(field(format!("must be one of the following values: {}", list.join(", "))));
        }
        ValidationErrorKind::Maximum { limit } => out.push(field(format!("must not be greater than {limit}"))),
        ValidationErrorKind::Minimum { limit } => out.push(field(format!("must not be less than {limit}"))),
        ValidationErrorKind::MaxLength { limit } => out.push(field(format!("must be shorter than or equal to {limit} characters"))),
        ValidationErrorKind::MinLength { limit } => out.push(field(format!("must be longer than or equal to {limit} characters"))),
        _ => out.push(under(e.to_string())),
    }
}

/// class-validator's wording for a value of the wrong type.
fn type_message(expected: &str) -> String {
    match expected {
        "string" => "must be a string",
        "number" => "must be a number conforming to the specified constraints",
        "integer" => "must be an integer number",
        "boolean" => "must be a boolean value",
        "array" => "must be an array",
        "object" => "must be an object",
        _ => "must be null",
    }
    .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn converts_refs_and_nullable() {
        let spec = Spec::official();
        let create = &spec.op("create-contact").unwrap().request.as_ref().unwrap().schema;
        assert_eq!(create["properties"]["firstName"]["type"], json!(["string", "null"]));
        assert_eq!(create["properties"]["dndSettings"]["properties"]["Call"]["required"], json!(["status"]));
        assert_eq!(create["properties"]["dndSettings"]["additionalProperties"], false);
        let bad = &spec.op("get-contact").unwrap().responses.iter().find(|(s, _)| *s == 400).unwrap().1.schema;
        assert_eq!(bad["properties"]["message"]["type"], "string", "common-schemas ref resolved");
        assert!(!CONTACTS.contains("\"nullable\": false"), "only nullable: true occurs");
    }

    #[test]
    fn messages_read_like_the_api() {
        let spec = Spec::official();
        let errs = spec.validate_request("create-task", &json!({"title": 5, "completed": "no", "x": 1})).unwrap_err();
        assert!(errs.contains(&"property x should not exist".to_string()), "{errs:?}");
        assert!(errs.contains(&"title must be a string".to_string()), "{errs:?}");
        assert!(errs.contains(&"dueDate must be a string".to_string()), "{errs:?}");
        assert!(errs.contains(&"completed must be a boolean value".to_string()), "{errs:?}");
        let errs = spec.validate_request("add-tags", &json!({"tags": ["a", 1]})).unwrap_err();
        assert_eq!(errs, vec!["each value in tags must be a string"]);
        let body = json!({"locationId": "l", "customFields": [{"id": "f", "field_value": 5, "foo": 1}]});
        let errs = spec.validate_request("create-contact", &body).unwrap_err();
        assert_eq!(errs, vec!["customFields.0.property foo should not exist"]);
        let errs = spec.validate_request("search-contacts-advanced", &json!({"locationId": "l", "pageLimit": 501})).unwrap_err();
        assert_eq!(errs, vec!["pageLimit must not be greater than 500"]);
        let errs = spec.validate_request("create-contact", &json!({"dndSettings": {"SMS": {"status": "off"}}, "locationId": "l"})).unwrap_err();
        assert_eq!(errs, vec!["dndSettings.SMS.status must be one of the following values: active, inactive, permanent"]);
        assert!(spec.validate_request("delete-contact", &Value::Null).is_ok());
        assert!(spec.validate_request("delete-contact", &json!({})).is_err());
        assert!(spec.validate_request("nope", &json!({})).is_err());
    }

    #[test]
    fn free_form_objects_stay_open_and_responses_lenient() {
        let spec = Spec::official();
        let file = json!({"locationId": "l", "customFields": [{"id": "f", "field_value": {"uuid-1": {"url": "u"}}}]});
        assert_eq!(spec.validate_request("create-contact", &file), Ok(()));
        let reply = json!({"contact": {"id": "c", "additionalEmails": [{"email": "a@b.c"}]}, "traceId": "t"});
        assert_eq!(spec.validate_response("get-contact", 200, &reply), Ok(()));
        assert!(spec.validate_response("get-contact", 200, &json!({"contact": {"id": 5}})).is_err());
        assert_eq!(spec.validate_response("create-contact", 200, &json!({})), Err(vec!["create-contact answers 201, not 200".to_string()]));
        assert_eq!(spec.validate_response("get-contact", 404, &json!({"statusCode": 404})), Ok(()));
    }

    #[test]
    fn examples_validate_against_their_own_schemas() {
        let spec = Spec::official();
        for op in spec.operations() {
            let id = &op.operation_id;
            match spec.example_request(id) {
                Some(body) => assert_eq!(spec.validate_request(id, &body), Ok(()), "{id} request {body}"),
                None => assert!(!op.has_body, "{id}"),
            }
            for (status, _) in &spec.op(id).unwrap().responses {
                let body = spec.example_response(id, *status).unwrap();
                assert_eq!(spec.validate_response(id, *status, &body), Ok(()), "{id} {status} {body}");
            }
        }
        let bulk = spec.example_request("create-association").unwrap();
        assert!(bulk.get("removeAllTags").is_none(), "its example \"false\" does not fit a boolean");
        assert_eq!(spec.example_request("update-task-completed"), Some(json!({"completed": true})));
    }
}
