//! The background sync, Freshsales → GHL, as the serverless handlers run it.
//!
//! Pure decisions ([`conflict`], [`is_echo`], the queue's backoff) and a step machine
//! ([`run::Run`]): `Run::start(trigger, settings, now)` and `Run::step(answer, now)` return
//! the next [`run::Op`] (a request template, a `$db` operation) until the run finishes with
//! an [`run::Outcome`]. `server/server.js` only carries the ops out and feeds the answers back.
//!
//! Storage (all in `$db`, no key scans): the link record per contact ([`crate::link`]), one
//! queue entry per contact with pending work ([`queue::Entry`], key `ghq:<fs id>`, later
//! changes merge into it) and one index ([`queue::Index`], key `ghq:index`) listing the pending
//! and failed entries, the drain cursor and the request and store budgets shared by all runs.

pub mod queue;
pub mod run;

use serde::{Deserialize, Serialize};

use crate::datetime::Instant;
use crate::mapping::{update_can_set, Field, MappingConfig, Snapshot};

/// How a field both sides changed is decided.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Policy {
    /// Send every field Freshsales changed.
    #[default]
    FreshsalesWins,
    /// Send a field only where GHL still holds the last-synced value.
    GhlWins,
    /// Where both changed, the side updated last wins.
    NewestWins,
}

/// The installation's sync settings (non-secure iparams).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Settings {
    /// The GHL location id.
    pub location_id: String,
    /// The conflict policy.
    pub policy: Policy,
    /// Default country, source and custom-field map.
    pub mapping: MappingConfig,
}

/// Both sides' update times, ms since the epoch, for [`Policy::NewestWins`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Times {
    /// The Freshsales contact's `updated_at`.
    pub fs: Option<i64>,
    /// The GHL contact's `dateUpdated`.
    pub ghl: Option<i64>,
}

impl Times {
    /// Reads both times (unreadable ones are unknown).
    pub fn parse(fs: Option<&str>, ghl: Option<&str>) -> Self {
        let p = |s: Option<&str>| s.and_then(Instant::parse).map(|i| i.0);
        Times { fs: p(fs), ghl: p(ghl) }
    }
}

/// The three-way decision: which fields to send to GHL by `PUT`, given Freshsales now, GHL
/// now and the last-synced values. A field is sent only when Freshsales has a non-empty value
/// that differs from GHL's and changed since the last sync, and the policy lets it win; an
/// empty Freshsales value is absent from its snapshot, so it never blanks GHL. Fields an
/// update cannot set (the company) are never sent.
pub fn conflict(policy: Policy, fs: &Snapshot, ghl: &Snapshot, base: &Snapshot, times: Times) -> Snapshot {
    let mut out = Snapshot::default();
    for (f, v) in &fs.0 {
        let (g, b) = (ghl.get(f), base.get(f));
        if !update_can_set(f) || g == Some(v.as_str()) || b == Some(v.as_str()) {
            continue; // in sync, or Freshsales did not change it
        }
        let ghl_unchanged = g == b;
        let send = match policy {
            Policy::FreshsalesWins => true,
            Policy::GhlWins => ghl_unchanged,
            Policy::NewestWins => ghl_unchanged || matches!((times.fs, times.ghl), (Some(a), Some(b)) if a > b) || times.ghl.is_none(),
        };
        if send {
            out.set(f.clone(), v.clone());
        }
    }
    out
}

/// The values both sides hold after a write: the new last-synced base. Fields where they
/// still differ are left out, so they are compared again next time.
pub fn agreed(fs: &Snapshot, ghl_after: &Snapshot) -> Snapshot {
    Snapshot(fs.0.iter().filter(|(f, v)| ghl_after.get(f) == Some(v.as_str())).map(|(f, v)| (f.clone(), v.clone())).collect())
}

/// Whether a change is an echo of what was last synced: every mapped value Freshsales holds
/// equals the stored base, and nothing in the base has been emptied. Decided from the stored
/// values alone, so it costs no request.
pub fn is_echo(fs: &Snapshot, base: &Snapshot) -> bool {
    let settable = |s: &Snapshot| -> Vec<(Field, String)> { s.0.iter().filter(|(f, _)| update_can_set(f)).map(|(f, v)| (f.clone(), v.clone())).collect() };
    !base.is_empty() && settable(fs) == settable(base)
}

/// `ghl_now` with `sent` written over it.
pub fn overlay(ghl_now: &Snapshot, sent: &Snapshot) -> Snapshot {
    let mut s = ghl_now.clone();
    for (f, v) in &sent.0 {
        s.set(f.clone(), v.clone());
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn snap(pairs: &[(Field, &str)]) -> Snapshot {
        let mut s = Snapshot::default();
        for (f, v) in pairs {
            s.set(f.clone(), *v);
        }
        s
    }

    #[test]
    fn each_policy_decides_a_field_both_sides_changed() {
        let base = snap(&[(Field::City, "Oslo"), (Field::FirstName, "Ada")]);
        let fs = snap(&[(Field::City, "Bergen"), (Field::FirstName, "Ada")]);
        let ghl = snap(&[(Field::City, "Trondheim"), (Field::FirstName, "Ada")]);
        let newer_fs = Times { fs: Some(2), ghl: Some(1) };
        let newer_ghl = Times { fs: Some(1), ghl: Some(2) };
        assert_eq!(conflict(Policy::FreshsalesWins, &fs, &ghl, &base, newer_ghl).get(&Field::City), Some("Bergen"));
        assert!(conflict(Policy::GhlWins, &fs, &ghl, &base, newer_fs).is_empty());
        assert_eq!(conflict(Policy::NewestWins, &fs, &ghl, &base, newer_fs).get(&Field::City), Some("Bergen"));
        assert!(conflict(Policy::NewestWins, &fs, &ghl, &base, newer_ghl).is_empty());
        // Only Freshsales changed: every policy sends it.
        let ghl_same = snap(&[(Field::City, "Oslo")]);
        for p in [Policy::FreshsalesWins, Policy::GhlWins, Policy::NewestWins] {
            assert_eq!(conflict(p, &fs, &ghl_same, &base, newer_ghl).0.keys().collect::<Vec<_>>(), vec![&Field::City]);
        }
    }

    #[test]
    fn never_blanks_never_sends_unchanged_or_company() {
        let base = snap(&[(Field::City, "Oslo"), (Field::Company, "Acme")]);
        let fs = snap(&[(Field::Company, "Beta")]); // city emptied in Freshsales
        let ghl = snap(&[(Field::City, "Oslo"), (Field::Company, "Acme"), (Field::Email, "g@x.io")]);
        assert!(conflict(Policy::FreshsalesWins, &fs, &ghl, &base, Times::default()).is_empty());
        // GHL changed it alone: Freshsales' unchanged value is not pushed back over it.
        let fs = snap(&[(Field::City, "Oslo")]);
        let ghl = snap(&[(Field::City, "Rome")]);
        assert!(conflict(Policy::FreshsalesWins, &fs, &ghl, &base, Times::default()).is_empty());
    }

    #[test]
    fn echo_is_decided_from_stored_values() {
        let base = snap(&[(Field::City, "Oslo"), (Field::Company, "Acme")]);
        assert!(is_echo(&snap(&[(Field::City, "Oslo")]), &snap(&[(Field::City, "Oslo")])));
        assert!(is_echo(&snap(&[(Field::City, "Oslo"), (Field::Company, "Other")]), &base), "company is not synced by update");
        assert!(!is_echo(&snap(&[(Field::City, "Bergen")]), &base));
        assert!(!is_echo(&snap(&[]), &base), "a blanked field is a change");
        assert!(!is_echo(&snap(&[]), &Snapshot::default()), "nothing synced yet");
        let after = overlay(&snap(&[(Field::City, "Oslo"), (Field::Email, "a@x.io")]), &snap(&[(Field::City, "Bergen")]));
        assert_eq!(agreed(&snap(&[(Field::City, "Bergen"), (Field::FirstName, "A")]), &after), snap(&[(Field::City, "Bergen")]));
    }
}
