//! `client.db` / `$db`: the key-value store of one installation, with the platform's checks
//! (freshworks-platform.md §2, §3, §8): key non-blank and ≤ 60 characters, key + value ≤ 40 KB,
//! the value a non-empty JSON object whose empty strings become `null`, `ttl` in seconds,
//! `setIf` `exist`/`not_exist`, `update` actions `increment`/`append` (top level, creating the
//! record when absent) and `set`/`remove` (dot paths), "Record not found" as 404.
//!
//! The 50 operations/minute quota is counted by the caller (see [`crate::proxy::Window`]).

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::{json, Map, Value};

/// Longest key, characters.
pub const MAX_KEY_CHARS: usize = 60;
/// Largest key + value, bytes.
pub const MAX_RECORD_BYTES: usize = 40 * 1024;

/// A failed operation: rejects the promise with `{status, message}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DbError {
    /// HTTP-like status.
    pub status: u16,
    /// The platform's message.
    pub message: String,
}

fn err(status: u16, message: &str) -> DbError {
    DbError { status, message: message.to_string() }
}

fn not_found() -> DbError {
    err(404, "Record not found")
}

#[derive(Debug, Clone, PartialEq, Serialize)]
struct Record {
    value: Value,
    expires_ms: Option<i64>,
}

/// One installation's store.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Db {
    records: BTreeMap<String, Record>,
}

/// One operation as the shim sends it.
#[derive(Debug, Clone, PartialEq)]
pub enum DbOp {
    /// `set(key, value, options)`
    Set {
        /// Key.
        key: Value,
        /// Value.
        value: Value,
        /// `{ttl?, setIf?}`
        options: Value,
    },
    /// `get(key)`
    Get {
        /// Key.
        key: Value,
    },
    /// `update(key, action, attributes)`
    Update {
        /// Key.
        key: Value,
        /// `increment`, `append`, `set` or `remove`.
        action: Value,
        /// Object (array of paths for `remove`).
        attributes: Value,
    },
    /// `delete(key)`
    Delete {
        /// Key.
        key: Value,
    },
}

impl DbOp {
    /// Parses `{op, key, value?, options?, action?, attributes?}`.
    pub fn from_json(v: &Value) -> Result<DbOp, DbError> {
        let field = |k: &str| v.get(k).cloned().unwrap_or(Value::Null);
        match v.get("op").and_then(Value::as_str) {
            Some("set") => Ok(DbOp::Set { key: field("key"), value: field("value"), options: field("options") }),
            Some("get") => Ok(DbOp::Get { key: field("key") }),
            Some("update") => Ok(DbOp::Update { key: field("key"), action: field("action"), attributes: field("attributes") }),
            Some("delete") => Ok(DbOp::Delete { key: field("key") }),
            _ => Err(err(400, "Unknown operation")),
        }
    }
}

fn check_key(key: &Value) -> Result<String, DbError> {
    let k = key.as_str().ok_or_else(|| err(400, "The key cannot be blank"))?;
    if k.trim().is_empty() {
        return Err(err(400, "The key cannot be blank"));
    }
    if k.chars().count() > MAX_KEY_CHARS {
        return Err(err(400, "Key length should not exceed 60 characters"));
    }
    Ok(k.to_string())
}

/// Empty strings become `null`, recursively (NaN and ±Infinity already arrive as `null`).
fn nullify_empty_strings(v: &mut Value) {
    match v {
        Value::String(s) if s.is_empty() => *v = Value::Null,
        Value::Array(a) => a.iter_mut().for_each(nullify_empty_strings),
        Value::Object(m) => m.values_mut().for_each(nullify_empty_strings),
        _ => {}
    }
}

fn check_size(key: &str, value: &Value) -> Result<(), DbError> {
    if key.len() + value.to_string().len() > MAX_RECORD_BYTES {
        return Err(err(400, "The combined size of the key and value should not exceed 40KB"));
    }
    Ok(())
}

fn non_empty_object(v: &Value, message: &str) -> Result<Map<String, Value>, DbError> {
    match v {
        Value::Object(m) if !m.is_empty() => Ok(m.clone()),
        _ => Err(err(400, message)),
    }
}

const BLANK_VALUE: &str = "The value cannot be blank and should be of type JSON";
const BLANK_ATTRIBUTES: &str = "Attributes object cannot be empty and should be of type JSON or Array";

impl Db {
    /// Runs one operation at `now_ms`.
    pub fn apply(&mut self, op: DbOp, now_ms: i64) -> Result<Value, DbError> {
        self.records.retain(|_, r| r.expires_ms.is_none_or(|e| e > now_ms));
        match op {
            DbOp::Set { key, value, options } => self.set(key, value, options, now_ms),
            DbOp::Get { key } => {
                let k = check_key(&key)?;
                self.records.get(&k).map(|r| r.value.clone()).ok_or_else(not_found)
            }
            DbOp::Update { key, action, attributes } => self.update(key, action, attributes),
            DbOp::Delete { key } => {
                let k = check_key(&key)?;
                self.records.remove(&k).map(|_| json!({ "Deleted": true })).ok_or_else(not_found)
            }
        }
    }

    fn set(&mut self, key: Value, value: Value, options: Value, now_ms: i64) -> Result<Value, DbError> {
        let k = check_key(&key)?;
        let mut value = Value::Object(non_empty_object(&value, BLANK_VALUE)?);
        nullify_empty_strings(&mut value);
        check_size(&k, &value)?;
        let opts = match options {
            Value::Null => Map::new(),
            Value::Object(o) => o,
            _ => return Err(err(400, "Options should be of type JSON")),
        };
        let expires_ms = match opts.get("ttl") {
            None | Some(Value::Null) => None,
            Some(Value::Number(n)) => match n.as_f64() {
                Some(t) if t > 0.0 => Some(now_ms + (t * 1000.0) as i64),
                Some(t) if t < 0.0 => None,
                _ => return Err(err(400, "Time to live(ttl) should be of type float and a non-zero value")),
            },
            Some(_) => return Err(err(400, "Time to live(ttl) should be of type float and a non-zero value")),
        };
        match opts.get("setIf") {
            None | Some(Value::Null) => {}
            Some(Value::String(s)) if s == "exist" && !self.records.contains_key(&k) => return Err(err(400, "The setIf conditional request failed")),
            Some(Value::String(s)) if s == "not_exist" && self.records.contains_key(&k) => return Err(err(400, "The setIf conditional request failed")),
            Some(Value::String(s)) if s == "exist" || s == "not_exist" => {}
            Some(_) => return Err(err(400, "setIf should be either exist or not_exist")),
        }
        self.records.insert(k, Record { value, expires_ms });
        Ok(json!({ "Created": true }))
    }

    fn update(&mut self, key: Value, action: Value, attributes: Value) -> Result<Value, DbError> {
        let k = check_key(&key)?;
        let action = action.as_str().unwrap_or_default();
        let existing = self.records.get(&k).map(|r| r.value.clone());
        let updated = match action {
            "increment" | "append" => {
                let attrs = non_empty_object(&attributes, BLANK_ATTRIBUTES)?;
                let mut obj = existing.and_then(|v| v.as_object().cloned()).unwrap_or_default();
                for (name, add) in attrs {
                    let merged = if action == "increment" { increment(obj.get(&name), &add)? } else { append(obj.get(&name), &add)? };
                    obj.insert(name, merged);
                }
                Value::Object(obj)
            }
            "set" => {
                let attrs = non_empty_object(&attributes, BLANK_ATTRIBUTES)?;
                let mut value = existing.ok_or_else(not_found)?;
                for (path, v) in attrs {
                    set_path(&mut value, &path, v)?;
                }
                value
            }
            "remove" => {
                let paths = match &attributes {
                    Value::Array(a) if !a.is_empty() => a.clone(),
                    _ => return Err(err(400, "The attributes object passed to remove action should be of type array")),
                };
                let mut value = existing.ok_or_else(not_found)?;
                for p in paths {
                    let p = p.as_str().filter(|s| !s.is_empty()).ok_or_else(|| err(400, "The path should be of type string and should not be empty"))?;
                    remove_path(&mut value, p);
                }
                value
            }
            _ => return Err(err(400, "The action should be one of increment, append, set or remove")),
        };
        let mut updated = updated;
        nullify_empty_strings(&mut updated);
        check_size(&k, &updated)?;
        let expires_ms = self.records.get(&k).and_then(|r| r.expires_ms);
        self.records.insert(k, Record { value: updated, expires_ms });
        Ok(json!({ "Updated": true }))
    }

    /// The store's contents (for the control API's state dump).
    pub fn dump(&self) -> Value {
        Value::Object(self.records.iter().map(|(k, r)| (k.clone(), r.value.clone())).collect())
    }
}

fn increment(old: Option<&Value>, add: &Value) -> Result<Value, DbError> {
    let bad = || err(400, "The value passed to increment should be of type number");
    let add = add.as_f64().ok_or_else(bad)?;
    let old = match old {
        None | Some(Value::Null) => 0.0,
        Some(v) => v.as_f64().ok_or_else(bad)?,
    };
    let sum = old + add;
    Ok(if sum.fract() == 0.0 && sum.abs() < 9e15 { json!(sum as i64) } else { json!(sum) })
}

fn append(old: Option<&Value>, add: &Value) -> Result<Value, DbError> {
    let bad = || err(400, "The value passed to append should be of type array and should not be an empty array");
    let add = add.as_array().filter(|a| !a.is_empty()).ok_or_else(bad)?;
    let mut list = match old {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(a)) => a.clone(),
        Some(_) => return Err(bad()),
    };
    list.extend(add.iter().cloned());
    Ok(Value::Array(list))
}

fn set_path(root: &mut Value, path: &str, v: Value) -> Result<(), DbError> {
    if path.is_empty() || path.split('.').any(str::is_empty) {
        return Err(err(400, "The keys or paths inside attributes object cannot be blank"));
    }
    let mut cur = root;
    let mut parts = path.split('.').peekable();
    while let Some(p) = parts.next() {
        if !cur.is_object() {
            *cur = Value::Object(Map::new());
        }
        let obj = cur.as_object_mut().expect("object");
        if parts.peek().is_none() {
            obj.insert(p.to_string(), v);
            return Ok(());
        }
        cur = obj.entry(p.to_string()).or_insert_with(|| Value::Object(Map::new()));
    }
    Ok(())
}

fn remove_path(root: &mut Value, path: &str) {
    let (parent, last) = match path.rsplit_once('.') {
        Some((parent, last)) => (parent.split('.').try_fold(&mut *root, |cur, p| cur.get_mut(p)), last),
        None => (Some(root), path),
    };
    if let Some(Value::Object(m)) = parent {
        m.remove(last);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(db: &mut Db, key: &str, value: Value, options: Value) -> Result<Value, DbError> {
        db.apply(DbOp::Set { key: json!(key), value, options }, 0)
    }

    #[test]
    fn set_get_delete_and_not_found() {
        let mut db = Db::default();
        assert_eq!(set(&mut db, "link:1", json!({"ghl": "abc", "name": ""}), Value::Null), Ok(json!({"Created": true})));
        assert_eq!(db.apply(DbOp::Get { key: json!("link:1") }, 0), Ok(json!({"ghl": "abc", "name": null})), "empty string → null");
        assert_eq!(db.apply(DbOp::Delete { key: json!("link:1") }, 0), Ok(json!({"Deleted": true})));
        let e = db.apply(DbOp::Get { key: json!("link:1") }, 0).unwrap_err();
        assert_eq!((e.status, e.message.as_str()), (404, "Record not found"));
    }

    #[test]
    fn key_and_value_limits() {
        let mut db = Db::default();
        assert_eq!(set(&mut db, " ", json!({"a": 1}), Value::Null).unwrap_err().message, "The key cannot be blank");
        assert!(set(&mut db, &"k".repeat(60), json!({"a": 1}), Value::Null).is_ok());
        assert_eq!(set(&mut db, &"k".repeat(61), json!({"a": 1}), Value::Null).unwrap_err().message, "Key length should not exceed 60 characters");
        assert!(set(&mut db, "k", json!({}), Value::Null).is_err(), "empty object");
        assert!(set(&mut db, "k", json!("text"), Value::Null).is_err(), "not an object");
        let big = "x".repeat(MAX_RECORD_BYTES);
        assert!(set(&mut db, "k", json!({ "b": big }), Value::Null).unwrap_err().message.contains("40KB"));
        assert!(set(&mut db, "k", json!({ "b": "x".repeat(MAX_RECORD_BYTES - 20) }), Value::Null).is_ok());
    }

    #[test]
    fn ttl_and_set_if() {
        let mut db = Db::default();
        assert!(set(&mut db, "k", json!({"a": 1}), json!({"setIf": "exist"})).is_err());
        assert!(set(&mut db, "k", json!({"a": 1}), json!({"setIf": "not_exist", "ttl": 1.5})).is_ok());
        assert!(set(&mut db, "k", json!({"a": 2}), json!({"setIf": "not_exist"})).is_err());
        assert!(set(&mut db, "k", json!({"a": 2}), json!({"setIf": "maybe"})).is_err());
        assert!(set(&mut db, "k", json!({"a": 2}), json!({"ttl": 0})).is_err());
        assert!(db.apply(DbOp::Get { key: json!("k") }, 1499).is_ok());
        assert_eq!(db.apply(DbOp::Get { key: json!("k") }, 1500).unwrap_err().status, 404, "expired");
    }

    #[test]
    fn update_actions() {
        let mut db = Db::default();
        let up = |db: &mut Db, action: &str, attrs: Value| db.apply(DbOp::Update { key: json!("k"), action: json!(action), attributes: attrs }, 0);
        assert_eq!(up(&mut db, "set", json!({"a": 1})).unwrap_err().status, 404, "set needs a record");
        assert_eq!(up(&mut db, "increment", json!({"n": 2})), Ok(json!({"Updated": true})), "increment creates");
        up(&mut db, "increment", json!({"n": -5})).unwrap();
        up(&mut db, "append", json!({"ids": ["a"]})).unwrap();
        up(&mut db, "append", json!({"ids": ["b"]})).unwrap();
        up(&mut db, "set", json!({"log.x.t": 500, "top": "v"})).unwrap();
        up(&mut db, "remove", json!(["top", "log.x.t", "missing.path"])).unwrap();
        assert_eq!(db.apply(DbOp::Get { key: json!("k") }, 0), Ok(json!({"n": -3, "ids": ["a", "b"], "log": {"x": {}}})));
        assert!(up(&mut db, "increment", json!({"ids": 1})).is_err(), "not a number");
        assert!(up(&mut db, "append", json!({"n": []})).is_err(), "empty array");
        assert!(up(&mut db, "remove", json!({"n": 1})).is_err(), "remove takes an array");
        assert!(up(&mut db, "explode", json!({"n": 1})).is_err());
        assert!(up(&mut db, "set", json!({})).is_err());
    }
}
