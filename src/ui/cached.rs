//! The sidebar's cache of whole contact views, wired to the [`crate::cache`] policy.
//!
//! A contact whose four sections all arrived is kept (with its link record) in an in-memory
//! LRU and, through [`Effect::CacheSet`], in the tab's `sessionStorage` (never
//! `localStorage`). On the next open of that contact:
//! - fresh: it renders from the cache, no request at all;
//! - stale: it renders from the cache at once and the four sections are re-read in the
//!   background; a section whose re-read fails transiently keeps its cached value, a lasting
//!   failure replaces it (and a deleted contact becomes "gone");
//! - expired or absent: the normal load.
//!
//! The app's own writes drop the cached view when they are sent and store the updated view
//! once they have settled ([`State::invalidate_cache`] drops it from outside).

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{Effect, Env, Load, Phase, Purpose, Section, State};
use crate::cache::{self, Entry, Freshness};
use crate::ghl;
use crate::link::LinkRecord;

/// One contact's cached view: the link record (as stored) and the four sections.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Snapshot {
    /// The link record, in its stored JSON form.
    pub link: Value,
    /// The GHL contact.
    pub contact: ghl::Contact,
    /// Its tasks.
    pub tasks: Vec<ghl::Task>,
    /// Its notes.
    pub notes: Vec<ghl::Note>,
    /// Its appointments.
    pub appointments: Vec<ghl::Appointment>,
}

/// This open's relation to the cache.
#[derive(Debug, Clone, Default)]
pub(super) struct CacheState {
    memory: cache::Lru<Entry<Snapshot>>,
    policy: cache::CachePolicy,
    /// The snapshot shown while revalidating a stale entry.
    shown: Option<Snapshot>,
    /// Some section kept its cached value after a failed re-read: do not re-store.
    kept_old: bool,
    /// When this open's reads began (the stored entry's age counts from then).
    started_at: i64,
}

impl State {
    fn cache_key(&self) -> Option<String> {
        let scope = &self.config.as_ref()?.location_id;
        Some(cache::key(scope, self.fs_id.as_deref()?))
    }

    /// Restores entries read from `sessionStorage` at mount (`key → JSON`): unreadable or
    /// expired ones are dropped from storage too.
    pub(super) fn cache_restore(&mut self, entries: Vec<(String, Value)>, now: i64, fx: &mut Vec<Effect>) {
        let mut ok: Vec<(String, Entry<Snapshot>)> = Vec::new();
        for (key, v) in entries {
            match serde_json::from_value::<Entry<Snapshot>>(v) {
                Ok(e) if self.cache.policy.of(&e, now).shows() => ok.push((key, e)),
                _ => fx.push(Effect::CacheRemove { key }),
            }
        }
        ok.sort_by_key(|(_, e)| e.stored_at);
        for (key, e) in ok {
            if let Some((old, _)) = self.cache.memory.insert(key, e) {
                fx.push(Effect::CacheRemove { key: old });
            }
        }
    }

    /// Hook at the start of an open: shows a cached view when there is one. Returns `true`
    /// when the open is fully served (fresh), or after starting a background re-read (stale);
    /// `false` when the normal load must run.
    pub(super) fn cache_begin(&mut self, env: Env, fx: &mut Vec<Effect>) -> bool {
        let now = env.now;
        self.cache.shown = None;
        self.cache.kept_old = false;
        self.cache.started_at = now;
        let Some(key) = self.cache_key() else { return false };
        let policy = self.cache.policy;
        let Some((snap, freshness)) = self.cache.memory.lookup(&key, &policy, now).map(|(s, f)| (s.clone(), f)) else {
            return false;
        };
        let link = LinkRecord::from_value(snap.link.clone()).ok();
        let Some((link, ghl_id)) = link.and_then(|l| l.ghl_id.clone().map(|id| (l, id))) else {
            self.invalidate_cache(fx);
            return false;
        };
        self.link = Some(link);
        self.contact = Load::Ready(snap.contact.clone());
        self.tasks = Load::Ready(snap.tasks.clone());
        self.notes = Load::Ready(snap.notes.clone());
        self.appointments = Load::Ready(snap.appointments.clone());
        self.phase = Phase::Linked(ghl_id.clone());
        if freshness == Freshness::Stale {
            self.cache.shown = Some(snap);
            self.fetch_sections(&ghl_id, &Section::ALL, env, fx);
        }
        true
    }

    /// Whether sections are being re-read behind a cached view (they stay visible).
    pub(super) fn revalidating(&self) -> bool {
        self.cache.shown.is_some()
    }

    /// Hook after a section's answer was applied: keeps the cached value over a transient
    /// failure while revalidating, and stores the view once all four sections are in.
    pub(super) fn cache_section_arrived(&mut self, s: Section, fx: &mut Vec<Effect>) {
        if let Some(shown) = &self.cache.shown {
            let keep = match s {
                Section::Contact => passing(&self.contact).then(|| self.contact = Load::Ready(shown.contact.clone())),
                Section::Tasks => passing(&self.tasks).then(|| self.tasks = Load::Ready(shown.tasks.clone())),
                Section::Notes => passing(&self.notes).then(|| self.notes = Load::Ready(shown.notes.clone())),
                Section::Appointments => passing(&self.appointments).then(|| self.appointments = Load::Ready(shown.appointments.clone())),
            };
            self.cache.kept_old |= keep.is_some();
        }
        let ready = [self.contact.ready().is_some(), self.tasks.ready().is_some(), self.notes.ready().is_some(), self.appointments.ready().is_some()];
        if self.pending.values().any(|p| matches!(p.purpose, Purpose::Section(_))) {
            return;
        }
        self.cache.shown = None;
        if !ready.contains(&false) && matches!(self.phase, Phase::Linked(_)) {
            if !self.cache.kept_old {
                self.cache_store(fx);
            }
        } else {
            self.invalidate_cache(fx);
        }
    }

    /// Hook after a write's answer was applied. Every write already dropped the cached view
    /// when it was sent (so an answer lost to a contact switch leaves nothing stale); once no
    /// write or read is pending, the view as it now stands is stored again.
    pub(super) fn cache_after_write(&mut self, fx: &mut Vec<Effect>) {
        let busy = self.pending.values().any(|p| matches!(p.purpose, Purpose::Section(_) | Purpose::Write(_)));
        if !busy && matches!(self.phase, Phase::Linked(_)) {
            self.cache_store(fx);
        }
    }

    fn cache_store(&mut self, fx: &mut Vec<Effect>) {
        let (Some(key), Some(link)) = (self.cache_key(), self.link.as_ref().and_then(|l| l.to_stored().ok())) else { return };
        let (Load::Ready(contact), Load::Ready(tasks), Load::Ready(notes), Load::Ready(appointments)) = (&self.contact, &self.tasks, &self.notes, &self.appointments) else {
            return;
        };
        let snap = Snapshot { link, contact: contact.clone(), tasks: tasks.clone(), notes: notes.clone(), appointments: appointments.clone() };
        let entry = Entry::new(snap, self.cache.started_at);
        if let Ok(value) = serde_json::to_value(&entry) {
            fx.push(Effect::CacheSet { key: key.clone(), value });
        }
        if let Some((old, _)) = self.cache.memory.insert(key, entry) {
            fx.push(Effect::CacheRemove { key: old });
        }
    }

    /// Forgets the viewed contact's cached view (memory and `sessionStorage`), so its next
    /// open loads afresh. Call it after any write that changes what the sidebar shows
    /// (a note, task or appointment saved, the contact edited, linked, unlinked or relinked).
    pub fn invalidate_cache(&mut self, fx: &mut Vec<Effect>) {
        if let Some(key) = self.cache_key() {
            self.cache.memory.invalidate(&key);
            fx.push(Effect::CacheRemove { key });
        }
    }
}

/// A failure that may pass (the cached value is better than an error).
fn passing<T>(l: &Load<T>) -> bool {
    matches!(l, Load::Failed(e) if e.is_transient())
}
