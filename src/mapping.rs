//! Field mapping, Freshsales contact → GHL contact.
//!
//! Both sides are read into a [`Snapshot`]: the mapped fields' values in one normalized form,
//! so that a Freshsales contact, the GHL contact and the last-synced values (the link
//! record's `synced`, keyed by [`Field::key`]) compare field by field. Write bodies are built
//! from a snapshot.
//!
//! The default map covers first and last name, email, phone (E.164 with the installation's
//! default country), company (create and upsert only: GHL's update body has no company),
//! street address, city, state, postal code, country (ISO alpha-2) and, on create and
//! upsert, the contact's source. Everything else, job title included, goes through the
//! custom-field map set on the installation page: a list of [`CustomFieldRule`]s, each a
//! Freshsales field (`cf_*` or a standard one such as `job_title`) → GHL custom field id
//! and kind.
//!
//! A value that cannot be written (a phone that will not normalize, an unknown country, an
//! address that is not an email, a custom value that does not fit its field's kind) is left
//! out with a [`MappingWarning`]; the rest of the contact is still written.
//!
//! # Normalized values
//! Every value is trimmed and empty values are absent. Single-line text has its runs of
//! whitespace collapsed to one space; a multi-line street address is joined with ", ".
//! Email is lower-cased, phone is E.164, country is alpha-2. Custom values take one
//! canonical string form per kind:
//! - text, dropdown and radio: the trimmed text (line breaks kept only for large text, as
//!   `\n`); a number is written in its shortest decimal form, a boolean as `true`/`false`;
//! - number and money: the shortest decimal that reads back as the same number, no exponent,
//!   no trailing zeros (`"100.0"` → `100`, `"1e3"` → `1000`, `-0` → `0`); integers exactly;
//! - checkbox and multi-select: the options trimmed, empties and duplicates dropped, sorted
//!   (by code point) and joined with `;` (Freshsales' own multi-select form), so the order in
//!   which either side lists them does not count as a change.

use std::borrow::Cow;
use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;

use crate::ghl::{self, CustomFieldKind, CustomFieldWrite};
use crate::{freshsales, phone};

/// A mapped GHL contact field.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Field {
    /// `firstName`.
    FirstName,
    /// `lastName`.
    LastName,
    /// `email`.
    Email,
    /// `phone`, E.164.
    Phone,
    /// `companyName` (create and upsert only).
    Company,
    /// `address1`.
    Address1,
    /// `city`.
    City,
    /// `state`.
    State,
    /// `postalCode`.
    PostalCode,
    /// `country`, ISO alpha-2.
    Country,
    /// A custom field, by GHL field id.
    Custom(String),
}

impl Field {
    /// The fields of the default map, in order.
    pub const STANDARD: [Field; 10] = [
        Field::FirstName,
        Field::LastName,
        Field::Email,
        Field::Phone,
        Field::Company,
        Field::Address1,
        Field::City,
        Field::State,
        Field::PostalCode,
        Field::Country,
    ];

    /// The stable key used in the link record and the sync log: `first_name`, …,
    /// `cf:<GHL field id>`.
    pub fn key(&self) -> String {
        match self {
            Field::Custom(id) => format!("cf:{id}"),
            other => other.standard_key().to_string(),
        }
    }

    fn standard_key(&self) -> &'static str {
        match self {
            Field::FirstName => "first_name",
            Field::LastName => "last_name",
            Field::Email => "email",
            Field::Phone => "phone",
            Field::Company => "company",
            Field::Address1 => "address1",
            Field::City => "city",
            Field::State => "state",
            Field::PostalCode => "postal_code",
            Field::Country => "country",
            Field::Custom(_) => "cf:",
        }
    }

    /// The field a [`Field::key`] names; `None` for anything else.
    pub fn parse_key(key: &str) -> Option<Field> {
        if let Some(id) = key.strip_prefix("cf:") {
            return (!id.is_empty()).then(|| Field::Custom(id.to_string()));
        }
        Field::STANDARD.into_iter().find(|f| f.standard_key() == key)
    }

    /// A plain-English name for logs and the sidebar ("Phone", "Custom field abc123").
    pub fn label(&self) -> Cow<'static, str> {
        Cow::Borrowed(match self {
            Field::FirstName => "First name",
            Field::LastName => "Last name",
            Field::Email => "Email",
            Field::Phone => "Phone",
            Field::Company => "Company",
            Field::Address1 => "Street address",
            Field::City => "City",
            Field::State => "State",
            Field::PostalCode => "Postal code",
            Field::Country => "Country",
            Field::Custom(id) => return Cow::Owned(format!("Custom field {id}")),
        })
    }
}

impl Serialize for Field {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.key())
    }
}

impl<'de> Deserialize<'de> for Field {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let key = String::deserialize(d)?;
        Field::parse_key(&key).ok_or_else(|| serde::de::Error::custom(format!("unknown field key {key:?}")))
    }
}

/// One entry of the installation page's custom-field map.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomFieldRule {
    /// The Freshsales field: a custom field key (`cf_tier`) or a standard field's API name
    /// (`job_title`, `time_zone`, …).
    pub fs_key: String,
    /// The GHL custom field id (never its key: keys do not come back on read).
    pub ghl_id: String,
    /// The GHL field's kind, which decides the written value's JSON type.
    pub kind: CustomFieldKind,
}

/// The mapping settings of an installation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct MappingConfig {
    /// The country of nationally written phone numbers (alpha-2, alpha-3 or name).
    pub default_country: String,
    /// The `source` set on contacts the app creates or upserts ("Freshsales").
    pub source: String,
    /// The custom-field map.
    pub custom: Vec<CustomFieldRule>,
}

impl Default for MappingConfig {
    fn default() -> Self {
        MappingConfig { default_country: String::new(), source: "Freshsales".into(), custom: Vec::new() }
    }
}

impl MappingConfig {
    /// What is wrong with the settings, in plain language, for the installation page (empty
    /// when they are usable).
    pub fn problems(&self) -> Vec<String> {
        let mut out = Vec::new();
        if phone::calling_code(&self.default_country).is_none() {
            out.push(format!(
                "The default country {:?} is not one whose phone numbers the app can read; numbers written without a country code will not be sent.",
                self.default_country
            ));
        }
        for (i, r) in self.custom.iter().enumerate() {
            if r.fs_key.trim().is_empty() || r.ghl_id.trim().is_empty() {
                out.push(format!("Custom field row {} needs both a Freshsales field and a HighLevel field id.", i + 1));
            }
            if self.custom[..i].iter().any(|p| p.ghl_id == r.ghl_id) {
                out.push(format!("HighLevel field {} is mapped more than once.", r.ghl_id));
            }
        }
        out
    }

    fn rule(&self, ghl_id: &str) -> Option<&CustomFieldRule> {
        self.custom.iter().find(|r| r.ghl_id == ghl_id)
    }
}

/// Normalized values of the mapped fields; a field with no value is absent.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Snapshot(pub BTreeMap<Field, String>);

impl Snapshot {
    /// A field's value.
    pub fn get(&self, field: &Field) -> Option<&str> {
        self.0.get(field).map(String::as_str)
    }

    /// Sets a field; an empty or blank value removes it instead.
    pub fn set(&mut self, field: Field, value: impl Into<String>) {
        let value = value.into();
        if value.trim().is_empty() {
            self.0.remove(&field);
        } else {
            self.0.insert(field, value);
        }
    }

    /// Whether no field has a value.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The fields that have values.
    pub fn fields(&self) -> impl Iterator<Item = &Field> {
        self.0.keys()
    }

    /// The values keyed by [`Field::key`], as the link record stores them.
    pub fn to_synced(&self) -> BTreeMap<String, String> {
        self.0.iter().map(|(f, v)| (f.key(), v.clone())).collect()
    }

    /// Reads values stored by [`Snapshot::to_synced`]; unknown keys are skipped.
    pub fn from_synced(stored: &BTreeMap<String, String>) -> Self {
        let mut s = Snapshot::default();
        for (k, v) in stored {
            if let Some(f) = Field::parse_key(k) {
                s.set(f, v.clone());
            }
        }
        s
    }
}

impl Serialize for Snapshot {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(s)
    }
}

impl<'de> Deserialize<'de> for Snapshot {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        BTreeMap::<String, String>::deserialize(d).map(|m| Snapshot::from_synced(&m))
    }
}

/// A value left out of a write, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MappingWarning {
    /// The phone number could not be normalized to E.164.
    PhoneUnusable {
        /// The number as typed.
        raw: String,
        /// Why.
        reason: phone::PhoneError,
    },
    /// The email address is not one GHL accepts.
    EmailUnusable {
        /// The address as typed.
        raw: String,
    },
    /// The country is not one the app recognises.
    CountryUnknown {
        /// The country as typed.
        raw: String,
    },
    /// A custom value does not fit its GHL field's kind.
    CustomValue {
        /// The Freshsales field.
        fs_key: String,
        /// The GHL field id.
        ghl_id: String,
        /// The GHL field's kind.
        kind: CustomFieldKind,
    },
}

impl MappingWarning {
    /// The field the warning is about.
    pub fn field(&self) -> Field {
        match self {
            MappingWarning::PhoneUnusable { .. } => Field::Phone,
            MappingWarning::EmailUnusable { .. } => Field::Email,
            MappingWarning::CountryUnknown { .. } => Field::Country,
            MappingWarning::CustomValue { ghl_id, .. } => Field::Custom(ghl_id.clone()),
        }
    }

    /// A plain-language explanation for the sync log and the sidebar.
    pub fn message(&self) -> String {
        match self {
            MappingWarning::PhoneUnusable { raw, reason } => {
                format!("The phone number \u{201c}{}\u{201d} was not sent to HighLevel: {reason}.", shorten(raw))
            }
            MappingWarning::EmailUnusable { raw } => {
                format!("The email \u{201c}{}\u{201d} was not sent to HighLevel: it is not a valid email address.", shorten(raw))
            }
            MappingWarning::CountryUnknown { raw } => {
                format!("The country \u{201c}{}\u{201d} was not sent to HighLevel: it is not a country the app recognises.", shorten(raw))
            }
            MappingWarning::CustomValue { fs_key, ghl_id, kind } => format!(
                "The value of Freshsales field {fs_key} was not sent to HighLevel field {ghl_id}: it is not {}.",
                kind_expectation(*kind)
            ),
        }
    }
}

fn kind_expectation(kind: CustomFieldKind) -> &'static str {
    use CustomFieldKind::*;
    match kind {
        Text | LargeText | SingleOptions | Radio => "a single text value",
        Numerical => "a number",
        Monetory => "an amount of money",
        Checkbox | MultipleOptions => "a list of options",
    }
}

/// At most 40 characters of user text, for messages.
fn shorten(s: &str) -> Cow<'_, str> {
    let s = s.trim();
    match s.char_indices().nth(40) {
        Some((i, _)) => Cow::Owned(format!("{}…", &s[..i])),
        None => Cow::Borrowed(s),
    }
}

/// Reads a Freshsales contact into a snapshot, with a warning for each value left out.
pub fn snapshot_freshsales(c: &freshsales::Contact, cfg: &MappingConfig) -> (Snapshot, Vec<MappingWarning>) {
    let mut s = Snapshot::default();
    let mut warnings = Vec::new();

    let (first, last) = names(c.first_name.as_deref(), c.last_name.as_deref(), c.display_name.as_deref());
    s.set(Field::FirstName, first);
    s.set(Field::LastName, last);

    if let Some(raw) = c.primary_email() {
        match email(raw) {
            Some(e) => s.set(Field::Email, e),
            None => warnings.push(MappingWarning::EmailUnusable { raw: raw.to_string() }),
        }
    }
    if let Some(raw) = c.primary_phone() {
        match phone::to_e164(raw, &cfg.default_country) {
            Ok(p) => s.set(Field::Phone, p),
            Err(reason) => warnings.push(MappingWarning::PhoneUnusable { raw: raw.to_string(), reason }),
        }
    }
    s.set(Field::Company, line(c.company()));
    s.set(Field::Address1, address(c.address.as_deref()));
    s.set(Field::City, line(c.city.as_deref()));
    s.set(Field::State, line(c.state.as_deref()));
    s.set(Field::PostalCode, line(c.zipcode.as_deref()));
    let country = line(c.country.as_deref());
    if !country.is_empty() {
        match phone::country_code(&country) {
            Some(code) => s.set(Field::Country, code),
            None => warnings.push(MappingWarning::CountryUnknown { raw: country }),
        }
    }

    for rule in &cfg.custom {
        let Some(raw) = fs_value(c, &rule.fs_key) else { continue };
        match canonical(rule.kind, &raw) {
            Ok(v) => s.set(Field::Custom(rule.ghl_id.clone()), v.unwrap_or_default()),
            Err(()) => warnings.push(MappingWarning::CustomValue {
                fs_key: rule.fs_key.clone(),
                ghl_id: rule.ghl_id.clone(),
                kind: rule.kind,
            }),
        }
    }
    (s, warnings)
}

/// Reads a GHL contact into a snapshot with the same fields and normal forms, for the
/// three-way comparison. Custom fields are read by id from `customFields`. Values GHL holds
/// that would not normalize are kept as they are (trimmed), so they compare as different.
pub fn snapshot_ghl(c: &ghl::Contact, cfg: &MappingConfig) -> Snapshot {
    let mut s = Snapshot::default();
    let (first, last) = names(c.first_name.as_deref(), c.last_name.as_deref(), c.name.as_deref());
    s.set(Field::FirstName, first);
    s.set(Field::LastName, last);
    let mail = line(c.email.as_deref());
    s.set(Field::Email, email(&mail).unwrap_or(mail));
    let tel = line(c.phone.as_deref());
    s.set(Field::Phone, phone::to_e164(&tel, &cfg.default_country).unwrap_or(tel));
    s.set(Field::Company, line(c.company_name.as_deref()));
    s.set(Field::Address1, address(c.address1.as_deref()));
    s.set(Field::City, line(c.city.as_deref()));
    s.set(Field::State, line(c.state.as_deref()));
    s.set(Field::PostalCode, line(c.postal_code.as_deref()));
    let country = line(c.country.as_deref());
    s.set(Field::Country, phone::country_code(&country).map_or_else(|| country.to_uppercase(), str::to_string));
    for rule in &cfg.custom {
        let Some(cf) = c.custom_fields.iter().find(|f| f.id == rule.ghl_id) else { continue };
        let value = match canonical(rule.kind, &cf.value) {
            Ok(v) => v.unwrap_or_default(),
            Err(()) => match &cf.value {
                Value::String(t) => t.trim().to_string(),
                other => other.to_string(),
            },
        };
        s.set(Field::Custom(rule.ghl_id.clone()), value);
    }
    s
}

/// `POST /contacts/upsert` body: every mapped field, the company and the source.
pub fn upsert_body(s: &Snapshot, cfg: &MappingConfig, location_id: &str) -> ghl::UpsertContact {
    ghl::UpsertContact {
        location_id: location_id.to_string(),
        fields: contact_fields(s, cfg, true),
        company_name: s.get(&Field::Company).map(str::to_string),
        ..Default::default()
    }
}

/// `POST /contacts/` body: every mapped field, the company and the source.
pub fn create_body(s: &Snapshot, cfg: &MappingConfig, location_id: &str) -> ghl::CreateContact {
    ghl::CreateContact {
        location_id: location_id.to_string(),
        fields: contact_fields(s, cfg, true),
        company_name: s.get(&Field::Company).map(str::to_string),
        ..Default::default()
    }
}

/// `PUT /contacts/:id` body for the given fields. The company is left out (GHL's update has
/// no such field, see [`update_can_set`]) and so is the source (it describes where a contact
/// came from, which an update does not change).
pub fn update_body(fields: &Snapshot, cfg: &MappingConfig) -> ghl::UpdateContact {
    ghl::UpdateContact { fields: contact_fields(fields, cfg, false) }
}

/// Whether a GHL contact update can set the field: everything but the company.
pub fn update_can_set(field: &Field) -> bool {
    !matches!(field, Field::Company)
}

/// The sidebar's "push contact" for a linked contact: the fields whose Freshsales value
/// differs from GHL's. An empty Freshsales value is absent from its snapshot, so it never
/// blanks a GHL value; fields an update cannot set are left out.
pub fn push_changes(fs: &Snapshot, ghl: &Snapshot) -> Snapshot {
    Snapshot(
        fs.0.iter()
            .filter(|(f, v)| update_can_set(f) && ghl.get(f) != Some(v.as_str()))
            .map(|(f, v)| (f.clone(), v.clone()))
            .collect(),
    )
}

fn contact_fields(s: &Snapshot, cfg: &MappingConfig, with_source: bool) -> ghl::ContactFields {
    let get = |f: Field| s.get(&f).map(str::to_string);
    let custom: Vec<CustomFieldWrite> = s
        .0
        .iter()
        .filter_map(|(f, v)| match f {
            Field::Custom(id) => Some((id, v)),
            _ => None,
        })
        .filter_map(|(id, v)| {
            let rule = cfg.rule(id)?;
            CustomFieldWrite::typed(id, rule.kind, &write_value(rule.kind, v)).ok().flatten()
        })
        .collect();
    let source = cfg.source.trim();
    ghl::ContactFields {
        first_name: get(Field::FirstName),
        last_name: get(Field::LastName),
        email: get(Field::Email),
        phone: get(Field::Phone),
        address1: get(Field::Address1),
        city: get(Field::City),
        state: get(Field::State),
        postal_code: get(Field::PostalCode),
        country: get(Field::Country),
        custom_fields: (!custom.is_empty()).then_some(custom),
        source: (with_source && !source.is_empty()).then(|| source.to_string()),
        ..Default::default()
    }
}

/// The JSON value handed to [`CustomFieldWrite::typed`] for a canonical value: numbers as
/// JSON numbers (integers stay exact, others parse to the nearest `f64`), everything else as
/// the string.
fn write_value(kind: CustomFieldKind, canonical: &str) -> Value {
    let number = || {
        let n = canonical.parse::<i64>().map(Value::from);
        let n = n.or_else(|_| canonical.parse::<u64>().map(Value::from));
        n.ok().or_else(|| canonical.parse::<f64>().ok().and_then(serde_json::Number::from_f64).map(Value::Number))
    };
    match kind {
        CustomFieldKind::Numerical | CustomFieldKind::Monetory => number().unwrap_or_else(|| Value::String(canonical.into())),
        _ => Value::String(canonical.to_string()),
    }
}

/// A Freshsales field's value by API name: `cf_*` from `custom_field`, the standard fields
/// the wire type names, anything else from its other fields.
fn fs_value(c: &freshsales::Contact, key: &str) -> Option<Value> {
    let key = key.trim();
    if let Some(v) = c.custom_field.get(key) {
        return Some(v.clone());
    }
    let named = match key {
        "first_name" => &c.first_name,
        "last_name" => &c.last_name,
        "display_name" => &c.display_name,
        "email" => return c.primary_email().map(|e| Value::String(e.to_string())),
        "work_number" => &c.work_number,
        "mobile_number" => &c.mobile_number,
        "job_title" => &c.job_title,
        "address" => &c.address,
        "city" => &c.city,
        "state" => &c.state,
        "zipcode" => &c.zipcode,
        "country" => &c.country,
        _ => return c.extra.get(key).cloned(),
    };
    named.as_ref().map(|s| Value::String(s.clone()))
}

/// First and last name, falling back to splitting a full name (never an email address, which
/// Freshsales puts in `display_name` when the names are empty): the last word is the last
/// name, the rest the first name; a single word is a first name.
fn names(first: Option<&str>, last: Option<&str>, full: Option<&str>) -> (String, String) {
    let (first, last) = (line(first), line(last));
    if !first.is_empty() || !last.is_empty() {
        return (first, last);
    }
    let full = line(full);
    if full.contains('@') {
        return (String::new(), String::new());
    }
    match full.rsplit_once(' ') {
        Some((f, l)) => (f.to_string(), l.to_string()),
        None => (full, String::new()),
    }
}

/// Trimmed single-line text: runs of whitespace (line breaks included) become one space.
fn line(s: Option<&str>) -> String {
    s.unwrap_or_default().split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A street address on one line: its lines joined with ", ".
fn address(s: Option<&str>) -> String {
    s.unwrap_or_default()
        .lines()
        .map(|l| line(Some(l)).trim_end_matches(',').trim_end().to_string())
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(", ")
}

/// A lower-cased address of the shape GHL accepts: one `@`, a non-empty local part, a
/// dotted domain, no whitespace or angle brackets. `None` otherwise.
fn email(raw: &str) -> Option<String> {
    let e = raw.trim().to_lowercase();
    let (local, domain) = e.split_once('@')?;
    let shape_ok = !local.is_empty()
        && !domain.contains('@')
        && !e.chars().any(|c| c.is_whitespace() || c.is_control() || matches!(c, '<' | '>' | ',' | ';' | '"'))
        && domain.split('.').count() >= 2
        && domain.split('.').all(|label| !label.is_empty() && !label.starts_with('-') && !label.ends_with('-'))
        && !local.starts_with('.')
        && !local.ends_with('.')
        && !local.contains("..")
        && e.len() <= 254;
    shape_ok.then_some(e)
}

/// The canonical string of a custom value for a field of `kind` (see the module docs);
/// `Ok(None)` when empty, `Err` when it does not fit the kind.
fn canonical(kind: CustomFieldKind, v: &Value) -> Result<Option<String>, ()> {
    use CustomFieldKind::*;
    let some = |s: String| Ok((!s.is_empty()).then_some(s));
    match (kind, v) {
        (_, Value::Null) => Ok(None),
        (Text | SingleOptions | Radio, Value::String(s)) => some(line(Some(s))),
        (LargeText, Value::String(s)) => some(s.replace("\r\n", "\n").replace('\r', "\n").trim().to_string()),
        (Text | LargeText | SingleOptions | Radio, Value::Number(n)) => some(number(n)?),
        (Text | LargeText | SingleOptions | Radio, Value::Bool(b)) => some(b.to_string()),
        (Numerical | Monetory, Value::Number(n)) => some(number(n)?),
        (Numerical | Monetory, Value::String(s)) if s.trim().is_empty() => Ok(None),
        (Numerical | Monetory, Value::String(s)) => some(decimal(s.trim())?),
        (Checkbox | MultipleOptions, Value::Bool(b)) => some(if *b { "true".into() } else { String::new() }),
        (Checkbox | MultipleOptions, Value::String(_) | Value::Number(_) | Value::Array(_)) => {
            let items = match v {
                Value::Array(a) => a.as_slice(),
                single => std::slice::from_ref(single),
            };
            let mut options = Vec::new();
            for item in items {
                let text = match item {
                    Value::String(s) => s.clone(),
                    Value::Number(n) => number(n)?,
                    Value::Bool(b) => b.to_string(),
                    Value::Null => continue,
                    _ => return Err(()),
                };
                options.extend(text.split(';').map(|o| line(Some(o))).filter(|o| !o.is_empty()));
            }
            options.sort();
            options.dedup();
            some(options.join(";"))
        }
        _ => Err(()),
    }
}

/// A JSON number in canonical form.
fn number(n: &serde_json::Number) -> Result<String, ()> {
    if n.is_i64() || n.is_u64() {
        return Ok(n.to_string());
    }
    float(n.as_f64().ok_or(())?)
}

/// A decimal string in canonical form: integers exactly, others through `f64`.
fn decimal(s: &str) -> Result<String, ()> {
    let s = s.strip_prefix('+').unwrap_or(s);
    if let Ok(i) = s.parse::<i64>() {
        return Ok(i.to_string());
    }
    if let Ok(u) = s.parse::<u64>() {
        return Ok(u.to_string());
    }
    // Only plain decimal notation: no "inf", "NaN", hex or thousands separators.
    if !s.bytes().all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'-' | b'+' | b'e' | b'E')) {
        return Err(());
    }
    float(s.parse::<f64>().map_err(|_| ())?)
}

/// The shortest decimal that reads back as `x`, without exponent; `-0` is `0`.
fn float(x: f64) -> Result<String, ()> {
    if !x.is_finite() {
        return Err(());
    }
    if x == 0.0 {
        return Ok("0".into());
    }
    Ok(format!("{x}"))
}

#[cfg(all(test, not(target_arch = "wasm32")))] // proptest is a host-only dev-dependency
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    fn cfg() -> MappingConfig {
        MappingConfig {
            default_country: "US".into(),
            source: "Freshsales".into(),
            custom: vec![
                rule("job_title", "ghlJobTitle", CustomFieldKind::Text),
                rule("cf_tier", "ghlTier", CustomFieldKind::SingleOptions),
                rule("cf_seats", "ghlSeats", CustomFieldKind::Numerical),
                rule("cf_budget", "ghlBudget", CustomFieldKind::Monetory),
                rule("cf_days", "ghlDays", CustomFieldKind::MultipleOptions),
                rule("cf_newsletter", "ghlNews", CustomFieldKind::Checkbox),
                rule("cf_notes", "ghlNotes", CustomFieldKind::LargeText),
            ],
        }
    }

    fn rule(fs: &str, id: &str, kind: CustomFieldKind) -> CustomFieldRule {
        CustomFieldRule { fs_key: fs.into(), ghl_id: id.into(), kind }
    }

    fn fs(v: Value) -> freshsales::Contact {
        serde_json::from_value(v).unwrap()
    }

    fn custom(id: &str) -> Field {
        Field::Custom(id.into())
    }

    /// What GHL would hold after an upsert with `body` (custom fields in the read shape).
    fn ghl_after(body: &ghl::UpsertContact) -> ghl::Contact {
        let f = &body.fields;
        ghl::Contact {
            id: "g1".into(),
            first_name: f.first_name.clone(),
            last_name: f.last_name.clone(),
            email: f.email.clone(),
            phone: f.phone.clone(),
            company_name: body.company_name.clone(),
            address1: f.address1.clone(),
            city: f.city.clone(),
            state: f.state.clone(),
            postal_code: f.postal_code.clone(),
            country: f.country.clone(),
            source: f.source.clone(),
            custom_fields: f
                .custom_fields
                .iter()
                .flatten()
                .map(|w| ghl::CustomFieldValue { id: w.id.clone(), value: w.field_value.clone(), extra: Default::default() })
                .collect(),
            ..Default::default()
        }
    }

    #[test]
    fn a_full_us_contact() {
        let c = fs(json!({
            "id": 70042006456u64, "first_name": "  Ada ", "last_name": "Lovelace", "display_name": "Ada Lovelace",
            "email": null, "emails": [{"value": "Ada.Lovelace@Example.COM", "is_primary": true}],
            "mobile_number": "(415) 555-0132", "work_number": "+1 212 555 0100",
            "job_title": "Chief  Analyst", "address": "221B Baker St\nSuite 4,\n", "city": "San  Francisco",
            "state": "CA", "zipcode": 94105, "country": "United States of America",
            "sales_accounts": [{"id": 1, "name": "Analytical Engines Ltd", "is_primary": true}],
            "custom_field": {"cf_tier": "Gold", "cf_seats": "25.0", "cf_budget": 1200.50, "cf_days": "Wednesday;Monday; ;Monday",
                             "cf_newsletter": true, "cf_notes": "line one\r\nline two  "}
        }));
        let (s, w) = snapshot_freshsales(&c, &cfg());
        assert!(w.is_empty(), "{w:?}");
        let want = [
            (Field::FirstName, "Ada"),
            (Field::LastName, "Lovelace"),
            (Field::Email, "ada.lovelace@example.com"),
            (Field::Phone, "+14155550132"),
            (Field::Company, "Analytical Engines Ltd"),
            (Field::Address1, "221B Baker St, Suite 4"),
            (Field::City, "San Francisco"),
            (Field::State, "CA"),
            (Field::PostalCode, "94105"),
            (Field::Country, "US"),
            (custom("ghlJobTitle"), "Chief Analyst"),
            (custom("ghlTier"), "Gold"),
            (custom("ghlSeats"), "25"),
            (custom("ghlBudget"), "1200.5"),
            (custom("ghlDays"), "Monday;Wednesday"),
            (custom("ghlNews"), "true"),
            (custom("ghlNotes"), "line one\nline two"),
        ];
        assert_eq!(s.0.len(), want.len(), "{s:?}");
        for (f, v) in want {
            assert_eq!(s.get(&f), Some(v), "{f:?}");
        }

        let body = upsert_body(&s, &cfg(), "loc1");
        let v = serde_json::to_value(&body).unwrap();
        assert_eq!(v["locationId"], "loc1");
        assert_eq!(v["companyName"], "Analytical Engines Ltd");
        assert_eq!(v["source"], "Freshsales");
        assert_eq!(v["phone"], "+14155550132");
        assert_eq!(v["country"], "US");
        assert!(v.get("name").is_none() && v.get("tags").is_none(), "only mapped fields: {v}");
        let cf: BTreeMap<String, Value> = v["customFields"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| (x["id"].as_str().unwrap().to_string(), x["field_value"].clone()))
            .collect();
        assert_eq!(cf["ghlSeats"], json!(25));
        assert_eq!(cf["ghlBudget"], json!(1200.5));
        assert_eq!(cf["ghlDays"], json!(["Monday", "Wednesday"]));
        assert_eq!(cf["ghlNews"], json!(["true"]));
        assert_eq!(cf["ghlTier"], json!("Gold"));
        assert_eq!(cf["ghlJobTitle"], json!("Chief Analyst"));

        // GHL holding exactly what was written reads back as the same snapshot: no phantom
        // changes on the next comparison.
        assert_eq!(snapshot_ghl(&ghl_after(&body), &cfg()), s);

        let create = serde_json::to_value(create_body(&s, &cfg(), "loc1")).unwrap();
        let mut upsert_obj = v.as_object().unwrap().clone();
        upsert_obj.remove("createNewIfDuplicateAllowed");
        assert_eq!(create, Value::Object(upsert_obj));
    }

    #[test]
    fn contacts_in_several_scripts() {
        let cases = [
            (json!({"id": 1, "first_name": "太郎", "last_name": "山田", "email": "taro@example.jp", "mobile_number": "090-1234-5678", "country": "日本", "city": "東京"}), "JP", "+819012345678", "JP"),
            (json!({"id": 2, "first_name": "Γιώργος", "last_name": "Παπαδόπουλος", "mobile_number": "694 123 4567", "country": "Ελλάδα"}), "GR", "+306941234567", "GR"),
            (json!({"id": 3, "first_name": "Иван", "last_name": "Петров", "mobile_number": "8 (916) 123-45-67", "country": "Россия", "city": "Москва"}), "RU", "+79161234567", "RU"),
            (json!({"id": 4, "first_name": "محمد", "last_name": "العلي", "mobile_number": "٠٥٠ ١٢٣ ٤٥٦٧", "country": "الإمارات"}), "AE", "+971501234567", "AE"),
            (json!({"id": 5, "first_name": "प्रिया", "last_name": "शर्मा", "mobile_number": "098765 43210", "country": "Bharat"}), "IN", "+919876543210", "IN"),
            (json!({"id": 6, "first_name": "José", "last_name": "Núñez", "mobile_number": "55 1234 5678", "country": "México"}), "MX", "+525512345678", "MX"),
        ];
        for (contact, default, phone, country) in cases {
            let c = fs(contact);
            let cfg = MappingConfig { default_country: default.into(), ..MappingConfig::default() };
            let (s, w) = snapshot_freshsales(&c, &cfg);
            assert!(w.is_empty(), "{w:?}");
            assert_eq!(s.get(&Field::Phone), Some(phone));
            assert_eq!(s.get(&Field::Country), Some(country));
            assert_eq!(s.get(&Field::FirstName), c.first_name.as_deref());
            assert_eq!(snapshot_ghl(&ghl_after(&upsert_body(&s, &cfg, "l")), &cfg), s);
        }
    }

    #[test]
    fn an_unusable_phone_is_left_out_and_everything_else_still_maps() {
        let c = fs(json!({
            "id": 9, "first_name": "Grace", "last_name": "Hopper", "email": "grace@navy.mil",
            "mobile_number": "1-800-FLOWERS", "city": "Arlington", "country": "Narnia",
            "custom_field": {"cf_seats": "about ten", "cf_tier": "Silver"}
        }));
        let (s, w) = snapshot_freshsales(&c, &cfg());
        assert_eq!(
            w,
            vec![
                MappingWarning::PhoneUnusable { raw: "1-800-FLOWERS".into(), reason: phone::PhoneError::Letters },
                MappingWarning::CountryUnknown { raw: "Narnia".into() },
                MappingWarning::CustomValue { fs_key: "cf_seats".into(), ghl_id: "ghlSeats".into(), kind: CustomFieldKind::Numerical },
            ]
        );
        assert_eq!(s.get(&Field::Phone), None);
        assert_eq!(s.get(&Field::Country), None);
        assert_eq!(s.get(&custom("ghlSeats")), None);
        assert_eq!(s.get(&Field::Email), Some("grace@navy.mil"));
        assert_eq!(s.get(&Field::City), Some("Arlington"));
        assert_eq!(s.get(&custom("ghlTier")), Some("Silver"));
        let v = serde_json::to_value(upsert_body(&s, &cfg(), "l")).unwrap();
        assert!(v.get("phone").is_none() && v.get("country").is_none());
        assert_eq!(v["firstName"], "Grace");
        for warning in &w {
            let m = warning.message();
            assert!(m.contains("not sent"), "{m}");
        }
        assert!(w[0].message().contains("1-800-FLOWERS") && w[0].message().contains("letters"));
        assert_eq!(w[0].field(), Field::Phone);
        assert_eq!(w[2].field(), custom("ghlSeats"));
    }

    #[test]
    fn bad_email_is_left_out() {
        for bad in ["not an email", "a@b", "@example.com", "a@@example.com", "a b@example.com", "a@example..com", ".a@example.com", "<a@example.com>"] {
            let c = fs(json!({"id": 1, "email": bad, "first_name": "A"}));
            let (s, w) = snapshot_freshsales(&c, &cfg());
            assert_eq!(s.get(&Field::Email), None, "{bad}");
            assert_eq!(w, vec![MappingWarning::EmailUnusable { raw: bad.into() }], "{bad}");
        }
        for good in ["a@example.com", "First.Last+tag@sub.example.co.uk", "josé@exämple.de"] {
            assert!(email(good).is_some(), "{good}");
        }
    }

    #[test]
    fn name_fallbacks() {
        let n = |f: Option<&str>, l: Option<&str>, full: Option<&str>| names(f, l, full);
        assert_eq!(n(Some("Ada"), None, Some("whatever")), ("Ada".into(), "".into()));
        assert_eq!(n(None, Some("Lovelace"), None), ("".into(), "Lovelace".into()));
        assert_eq!(n(None, None, Some("Ada King Lovelace")), ("Ada King".into(), "Lovelace".into()));
        assert_eq!(n(Some("  "), None, Some(" Rk ")), ("Rk".into(), "".into()));
        assert_eq!(n(None, None, Some("ada@example.com")), ("".into(), "".into()));
        assert_eq!(n(None, None, Some("山田太郎")), ("山田太郎".into(), "".into()));
        // Freshsales' recorded contact: first name only, display name equal to it.
        let c = fs(json!({"id": 1, "first_name": "Rk", "last_name": null, "display_name": "Rk"}));
        let (s, _) = snapshot_freshsales(&c, &cfg());
        assert_eq!((s.get(&Field::FirstName), s.get(&Field::LastName)), (Some("Rk"), None));
        // GHL's `name` is the fallback on the other side.
        let g = ghl::Contact { name: Some("Grace Brewster Hopper".into()), ..Default::default() };
        let s = snapshot_ghl(&g, &cfg());
        assert_eq!((s.get(&Field::FirstName), s.get(&Field::LastName)), (Some("Grace Brewster"), Some("Hopper")));
    }

    #[test]
    fn custom_kinds_canonical_forms() {
        use CustomFieldKind::*;
        let ok = |k, v: Value| canonical(k, &v).unwrap();
        assert_eq!(ok(Text, json!("  a  b ")), Some("a b".into()));
        assert_eq!(ok(Text, json!(12.50)), Some("12.5".into()));
        assert_eq!(ok(Radio, json!(false)), Some("false".into()));
        assert_eq!(ok(Text, json!("   ")), None);
        assert_eq!(ok(LargeText, json!(" a\r\n\r\nb ")), Some("a\n\nb".into()));
        assert_eq!(ok(Numerical, json!("100.0")), Some("100".into()));
        assert_eq!(ok(Numerical, json!("+7")), Some("7".into()));
        assert_eq!(ok(Numerical, json!("007")), Some("7".into()));
        assert_eq!(ok(Numerical, json!("-0.0")), Some("0".into()));
        assert_eq!(ok(Numerical, json!("1e3")), Some("1000".into()));
        assert_eq!(ok(Numerical, json!("0.1")), Some("0.1".into()));
        assert_eq!(ok(Numerical, json!(9007199254740993u64)), Some("9007199254740993".into()));
        assert_eq!(ok(Numerical, json!("9007199254740993")), Some("9007199254740993".into()));
        assert_eq!(ok(Monetory, json!(1200.5)), Some("1200.5".into()));
        assert_eq!(ok(Monetory, json!("")), None);
        assert_eq!(ok(Monetory, Value::Null), None);
        assert_eq!(ok(MultipleOptions, json!("b;a; c ;a;")), Some("a;b;c".into()));
        assert_eq!(ok(MultipleOptions, json!(["b", "a", "b"])), Some("a;b".into()));
        assert_eq!(ok(Checkbox, json!(true)), Some("true".into()));
        assert_eq!(ok(Checkbox, json!(false)), None);
        assert_eq!(ok(Checkbox, json!([])), None);
        assert_eq!(ok(Checkbox, json!(3)), Some("3".into()));
        for (k, v) in [
            (Numerical, json!("1,234")),
            (Numerical, json!("NaN")),
            (Numerical, json!("inf")),
            (Numerical, json!("0x10")),
            (Numerical, json!(true)),
            (Monetory, json!(["1"])),
            (Text, json!(["a"])),
            (SingleOptions, json!({"a": 1})),
            (Checkbox, json!({"a": 1})),
            (MultipleOptions, json!([{"a": 1}])),
        ] {
            assert_eq!(canonical(k, &v), Err(()), "{k:?} {v}");
        }
        // Every canonical form is accepted by the writer and types as the kind wants.
        for (k, canon, want) in [
            (Numerical, "25", json!(25)),
            (Monetory, "0.1", json!(0.1)),
            (Numerical, "9007199254740993", json!(9007199254740993u64)),
            (MultipleOptions, "a;b", json!(["a", "b"])),
            (LargeText, "a\nb", json!("a\nb")),
        ] {
            let w = CustomFieldWrite::typed("x", k, &write_value(k, canon)).unwrap().unwrap();
            assert_eq!(w.field_value, want);
        }
    }

    #[test]
    fn standard_and_extra_freshsales_fields_map_through_the_custom_map() {
        let c = fs(json!({"id": 1, "job_title": "CTO", "time_zone": "IST", "lead_score": 26, "work_number": "212 555 0100"}));
        let cfg = MappingConfig {
            default_country: "US".into(),
            source: String::new(),
            custom: vec![
                rule("job_title", "t", CustomFieldKind::Text),
                rule("time_zone", "z", CustomFieldKind::Text),
                rule("lead_score", "s", CustomFieldKind::Numerical),
                rule("cf_missing", "m", CustomFieldKind::Text),
            ],
        };
        let (s, w) = snapshot_freshsales(&c, &cfg);
        assert!(w.is_empty());
        assert_eq!((s.get(&custom("t")), s.get(&custom("z")), s.get(&custom("s"))), (Some("CTO"), Some("IST"), Some("26")));
        assert_eq!(s.get(&custom("m")), None);
        assert_eq!(s.get(&Field::Phone), Some("+12125550100"), "work number when there is no mobile");
        let v = serde_json::to_value(upsert_body(&s, &cfg, "l")).unwrap();
        assert!(v.get("source").is_none(), "an empty source is not sent");
    }

    #[test]
    fn company_is_never_in_an_update() {
        let c = fs(json!({"id": 1, "first_name": "A", "sales_accounts": [{"name": "Acme"}]}));
        let (s, _) = snapshot_freshsales(&c, &cfg());
        assert_eq!(s.get(&Field::Company), Some("Acme"));
        let v = serde_json::to_value(update_body(&s, &cfg())).unwrap();
        assert_eq!(v, json!({"firstName": "A"}));
        assert!(!update_can_set(&Field::Company));
        assert!(Field::STANDARD.iter().filter(|f| !update_can_set(f)).eq([&Field::Company]));
        assert!(update_can_set(&custom("x")));
        let pushed = push_changes(&s, &Snapshot::default());
        assert_eq!(pushed.get(&Field::Company), None);
        assert!(update_body(&Snapshot::default(), &cfg()).fields.is_empty());
    }

    #[test]
    fn push_changes_sends_differences_and_never_blanks() {
        let mut fs_side = Snapshot::default();
        fs_side.set(Field::FirstName, "Ada");
        fs_side.set(Field::Email, "ada@new.example");
        fs_side.set(Field::City, "London");
        fs_side.set(Field::Company, "Acme");
        fs_side.set(custom("t"), "Gold");
        let mut ghl_side = Snapshot::default();
        ghl_side.set(Field::FirstName, "Ada");
        ghl_side.set(Field::Email, "ada@old.example");
        ghl_side.set(Field::Phone, "+442079460958");
        ghl_side.set(Field::State, "Greater London");
        ghl_side.set(Field::Company, "Other");
        let p = push_changes(&fs_side, &ghl_side);
        assert_eq!(p.fields().cloned().collect::<Vec<_>>(), vec![Field::Email, Field::City, custom("t")]);
        let body = serde_json::to_value(update_body(&p, &cfg())).unwrap();
        assert!(body.get("phone").is_none() && body.get("state").is_none(), "GHL-only values stay: {body}");
        assert!(push_changes(&ghl_side, &ghl_side).is_empty());
    }

    #[test]
    fn ghl_side_reads_in_the_same_normal_forms() {
        let g: ghl::Contact = serde_json::from_value(json!({
            "id": "g", "firstName": "Ada", "email": "ADA@Example.com", "phone": "+1 415-555-0132",
            "country": "us", "companyName": "  Acme ", "postalCode": "94105",
            "customFields": [{"id": "ghlSeats", "value": 25}, {"id": "ghlDays", "value": ["Wednesday", "Monday"]},
                             {"id": "ghlTier", "value": {"odd": true}}, {"id": "unmapped", "value": "x"}]
        }))
        .unwrap();
        let s = snapshot_ghl(&g, &cfg());
        assert_eq!(s.get(&Field::Email), Some("ada@example.com"));
        assert_eq!(s.get(&Field::Phone), Some("+14155550132"));
        assert_eq!(s.get(&Field::Country), Some("US"));
        assert_eq!(s.get(&Field::Company), Some("Acme"));
        assert_eq!(s.get(&custom("ghlSeats")), Some("25"));
        assert_eq!(s.get(&custom("ghlDays")), Some("Monday;Wednesday"));
        assert_eq!(s.get(&custom("ghlTier")), Some(r#"{"odd":true}"#), "odd values kept as JSON text");
        assert_eq!(s.get(&custom("unmapped")), None);
    }

    #[test]
    fn keys_labels_and_stored_form() {
        for f in Field::STANDARD.into_iter().chain([custom("AbC123")]) {
            assert_eq!(Field::parse_key(&f.key()), Some(f.clone()));
            assert!(!f.label().is_empty());
        }
        assert_eq!(Field::PostalCode.key(), "postal_code");
        assert_eq!(custom("x1").key(), "cf:x1");
        assert_eq!(custom("x1").label(), "Custom field x1");
        for bad in ["", "cf:", "First_Name", "name", "cf"] {
            assert_eq!(Field::parse_key(bad), None, "{bad}");
        }
        let mut s = Snapshot::default();
        s.set(Field::Email, "a@b.co");
        s.set(custom("x"), "1");
        s.set(Field::City, "  ");
        assert_eq!(s.0.len(), 2);
        let stored = s.to_synced();
        assert_eq!(stored.keys().collect::<Vec<_>>(), ["cf:x", "email"]);
        let mut with_unknown = stored.clone();
        with_unknown.insert("future_field".into(), "?".into());
        assert_eq!(Snapshot::from_synced(&with_unknown), s);
        let v = serde_json::to_value(&s).unwrap();
        assert_eq!(v, json!({"email": "a@b.co", "cf:x": "1"}));
        assert_eq!(serde_json::from_value::<Snapshot>(v).unwrap(), s);
    }

    #[test]
    fn config_from_the_installation_page() {
        let cfg: MappingConfig = serde_json::from_value(json!({
            "default_country": "GB",
            "custom": [{"fs_key": "job_title", "ghl_id": "abc", "kind": "TEXT"}, {"fs_key": "cf_x", "ghl_id": "abc", "kind": "MULTIPLE_OPTIONS"}]
        }))
        .unwrap();
        assert_eq!(cfg.source, "Freshsales");
        assert_eq!(cfg.custom[1].kind, CustomFieldKind::MultipleOptions);
        let p = cfg.problems();
        assert_eq!(p.len(), 1, "{p:?}");
        assert!(p[0].contains("more than once"));
        let bad = MappingConfig { default_country: "Atlantis".into(), custom: vec![rule("", "x", CustomFieldKind::Text)], ..Default::default() };
        assert_eq!(bad.problems().len(), 2);
        assert!(MappingConfig { default_country: "India".into(), ..Default::default() }.problems().is_empty());
    }

    #[test]
    fn custom_values_without_a_rule_are_not_written() {
        let mut s = Snapshot::default();
        s.set(custom("orphan"), "x");
        s.set(custom("ghlSeats"), "3");
        let body = update_body(&s, &cfg());
        let ids: Vec<_> = body.fields.custom_fields.unwrap().into_iter().map(|w| w.id).collect();
        assert_eq!(ids, ["ghlSeats"]);
    }

    fn arb_text() -> impl Strategy<Value = Option<String>> {
        proptest::option::of(prop_oneof![
            "[ \t\n]{0,2}[A-Za-zÀ-ÿА-я一-龥 ]{0,12}[ \t\n]{0,2}",
            Just(String::new()),
            Just("   ".to_string()),
        ])
    }

    fn arb_contact() -> impl Strategy<Value = freshsales::Contact> {
        let phones = proptest::option::of(prop_oneof![
            "[+]?[0-9 ().-]{0,16}",
            Just("(415) 555-0132".to_string()),
            Just("1-800-FLOWERS".to_string()),
        ]);
        let countries = proptest::option::of(proptest::sample::select(vec!["US", "Deutschland", "Narnia", "", "  u.k. ", "日本"]));
        let customs = proptest::collection::btree_map(
            proptest::sample::select(vec!["cf_tier", "cf_seats", "cf_budget", "cf_days", "cf_newsletter", "cf_notes"]),
            prop_oneof![
                Just(Value::Null),
                any::<bool>().prop_map(Value::from),
                any::<i32>().prop_map(Value::from),
                (-1e9f64..1e9).prop_map(Value::from),
                "[a-z0-9;. \n]{0,12}".prop_map(Value::from),
                proptest::collection::vec("[a-z ;]{0,5}", 0..3).prop_map(Value::from),
            ],
            0..6,
        );
        (arb_text(), arb_text(), arb_text(), phones, countries, customs, arb_text(), arb_text()).prop_map(
            |(first, last, city, phone, country, customs, address, company)| freshsales::Contact {
                id: freshsales::FsId(1),
                first_name: first,
                last_name: last,
                mobile_number: phone,
                city,
                address,
                country: country.map(str::to_string),
                email: Some("Someone@Example.com".into()),
                sales_accounts: company
                    .map(|n| vec![freshsales::SalesAccount { name: Some(n), ..Default::default() }])
                    .unwrap_or_default(),
                custom_field: customs.into_iter().map(|(k, v)| (k.to_string(), v)).collect(),
                ..Default::default()
            },
        )
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(128))]

        /// Snapshot values are normalized, what is written reads back as the same snapshot,
        /// and pushing never blanks or touches the company.
        #[test]
        fn snapshots_round_trip_through_ghl(c in arb_contact()) {
            let cfg = cfg();
            let (s, _) = snapshot_freshsales(&c, &cfg);
            for (f, v) in &s.0 {
                prop_assert!(!v.is_empty() && v.trim() == v, "{f:?} = {v:?}");
            }
            let g = ghl_after(&upsert_body(&s, &cfg, "l"));
            let back = snapshot_ghl(&g, &cfg);
            prop_assert_eq!(&back, &s);
            prop_assert!(push_changes(&s, &back).is_empty());
            let pushed = push_changes(&s, &Snapshot::default());
            prop_assert!(pushed.get(&Field::Company).is_none());
            prop_assert!(pushed.0.iter().all(|(f, v)| s.get(f) == Some(v.as_str())));
            prop_assert_eq!(Snapshot::from_synced(&s.to_synced()), s);
        }

        /// Any text never panics and canonical forms are fixed points.
        #[test]
        fn canonical_is_idempotent(text in "\\PC{0,20}", kind in proptest::sample::select(vec![
            CustomFieldKind::Text, CustomFieldKind::LargeText, CustomFieldKind::Numerical,
            CustomFieldKind::Monetory, CustomFieldKind::Checkbox, CustomFieldKind::MultipleOptions])) {
            if let Ok(Some(c)) = canonical(kind, &Value::String(text)) {
                prop_assert_eq!(canonical(kind, &Value::String(c.clone())), Ok(Some(c.clone())));
                prop_assert_eq!(canonical(kind, &write_value(kind, &c)), Ok(Some(c)));
            }
        }
    }
}
