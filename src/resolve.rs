//! Contact resolution: which GHL contact is the viewed Freshsales contact.
//!
//! The stored link wins; a manual-unlink tombstone stops automatic matching; otherwise the
//! Freshsales contact's email is looked up in GHL, then its phone (E.164 with the default
//! country). Each step is a plain function of what is known so far, so the sidebar and the
//! serverless sync walk the same path.

use crate::freshsales;
use crate::ghl;
use crate::link::{LinkRecord, LinkedBy};
use crate::phone;

/// One lookup to try in GHL's duplicate search.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Lookup {
    /// By email (lowercased, trimmed).
    Email(String),
    /// By phone, E.164.
    Phone(String),
}

impl Lookup {
    /// The runtime query of `GET /contacts/search/duplicate` for this lookup.
    pub fn query(&self) -> (&'static str, &str) {
        match self {
            Lookup::Email(e) => ("email", e),
            Lookup::Phone(p) => ("number", p),
        }
    }

    /// How a link found by this lookup came about.
    pub fn linked_by(&self) -> LinkedBy {
        match self {
            Lookup::Email(_) => LinkedBy::Email,
            Lookup::Phone(_) => LinkedBy::Phone,
        }
    }
}

/// What the stored link record says before any request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Start {
    /// Linked: read the GHL contact by id.
    Linked(String),
    /// A user unlinked this contact: do not match automatically.
    Unlinked,
    /// No link yet: read the Freshsales contact and look it up.
    Unknown,
}

/// The first step, from the stored record (absent when the store has none).
pub fn start(record: Option<&LinkRecord>) -> Start {
    match record {
        Some(r) => match (&r.ghl_id, r.may_auto_link()) {
            (Some(id), _) => Start::Linked(id.clone()),
            (None, false) => Start::Unlinked,
            (None, true) => Start::Unknown,
        },
        None => Start::Unknown,
    }
}

/// The lookups to try for a Freshsales contact, in order: email first, then phone.
pub fn lookups(contact: &freshsales::Contact, default_country: &str) -> Vec<Lookup> {
    let mut out = Vec::new();
    if let Some(email) = contact.primary_email().filter(|e| e.contains('@')) {
        out.push(Lookup::Email(email.to_lowercase()));
    }
    if let Some(p) = contact.primary_phone().and_then(|raw| phone::to_e164(raw, default_country).ok()) {
        out.push(Lookup::Phone(p));
    }
    out
}

/// What the email and phone tried were, for the "no match" message.
pub fn tried(lookups: &[Lookup]) -> (Option<String>, Option<String>) {
    let mut email = None;
    let mut phone = None;
    for l in lookups {
        match l {
            Lookup::Email(e) => email = Some(e.clone()),
            Lookup::Phone(p) => phone = Some(p.clone()),
        }
    }
    (email, phone)
}

/// The matched contact of a duplicate-search reply, if it really matches the lookup (the
/// search may follow the location's own matching rules; a phone hit must carry that phone,
/// an email hit that email).
pub fn matched<'a>(reply: &'a ghl::DuplicateResponse, lookup: &Lookup) -> Option<&'a ghl::Contact> {
    let c = reply.contact.as_ref().filter(|c| !c.id.is_empty())?;
    let ok = match lookup {
        Lookup::Email(e) => c.email.as_deref().is_some_and(|x| x.trim().eq_ignore_ascii_case(e))
            || c.extra.get("additionalEmails").is_some_and(|v| v.to_string().to_lowercase().contains(&e.to_lowercase())),
        Lookup::Phone(p) => c.phone.as_deref().is_some_and(|x| digits(x) == digits(p)),
    };
    ok.then_some(c)
}

fn digits(s: &str) -> String {
    s.chars().filter(char::is_ascii_digit).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::link::LinkRecord;

    fn fs(json: &str) -> freshsales::Contact {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn stored_link_wins_and_tombstone_stops_matching() {
        assert_eq!(start(None), Start::Unknown);
        let mut r = LinkRecord::new("1");
        assert_eq!(start(Some(&r)), Start::Unknown);
        r.link("g1", LinkedBy::Email, 0);
        assert_eq!(start(Some(&r)), Start::Linked("g1".into()));
        r.unlink(1);
        assert_eq!(start(Some(&r)), Start::Unlinked);
    }

    #[test]
    fn email_first_then_phone() {
        let c = fs(r#"{"id":1,"emails":[{"value":"Ada@Example.COM","is_primary":true}],"mobile_number":"(415) 555-0132"}"#);
        assert_eq!(lookups(&c, "US"), vec![Lookup::Email("ada@example.com".into()), Lookup::Phone("+14155550132".into())]);
        let c = fs(r#"{"id":1,"work_number":"020 7946 0958"}"#);
        assert_eq!(lookups(&c, "GB"), vec![Lookup::Phone("+442079460958".into())]);
        let c = fs(r#"{"id":1,"email":"not-an-email","mobile_number":"call me"}"#);
        assert!(lookups(&c, "US").is_empty());
        assert_eq!(tried(&lookups(&fs(r#"{"id":1,"email":"a@b.co"}"#), "US")), (Some("a@b.co".into()), None));
    }

    #[test]
    fn a_match_must_carry_what_was_looked_up() {
        let reply: ghl::DuplicateResponse = serde_json::from_str(r#"{"contact":{"id":"g1","email":"ada@example.com","phone":"+14155550132"}}"#).unwrap();
        assert!(matched(&reply, &Lookup::Email("ADA@example.com".into())).is_some());
        assert!(matched(&reply, &Lookup::Phone("+1 415 555 0132".into())).is_some());
        assert!(matched(&reply, &Lookup::Email("other@example.com".into())).is_none());
        let none: ghl::DuplicateResponse = serde_json::from_str(r#"{"contact":null,"traceId":"t"}"#).unwrap();
        assert!(matched(&none, &Lookup::Email("a@b.co".into())).is_none());
        let empty: ghl::DuplicateResponse = serde_json::from_str("{}").unwrap();
        assert!(matched(&empty, &Lookup::Email("a@b.co".into())).is_none());
    }
}
