//! The sidebar's logic as a state machine: `update(msg, env) -> effects`, and `view()` for
//! what to show. No IO: the wasm edge runs the [`Effect`]s (request templates, the key-value
//! store, timers) and feeds their outcomes back as [`Msg`]s, with the clock and a random
//! number in every [`Env`].
//!
//! Opening a contact: `Activated` → `DbGet(link)` → linked: the contact, tasks, notes and
//! appointments are requested at once; not linked: the Freshsales contact, then GHL's
//! duplicate search by email, then by phone → the link is stored → the same four reads (the
//! contact itself comes with the match, so three).

mod cached;
pub mod actions;
pub mod view;

use std::collections::HashMap;

use serde_json::Value;

use crate::catalog::{self, Endpoint};
use crate::error::{self, ApiError, RawReply};
use crate::freshsales;
use crate::ghl;
use crate::link::LinkRecord;
use crate::resolve::{self, Lookup, Start};
use crate::retry::{Backoff, Budget, Decision, RateWindow};

pub use cached::Snapshot;
pub use actions::{FormId, Intent, NotifyKind, TaskDraft};
pub use view::{view, View};

/// Settings the sidebar needs, from the non-secure iparams and the logged-in user.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Config {
    /// The GHL sub-account (location) id.
    pub location_id: String,
    /// Base URL of the GHL web app for "Open in HighLevel" (agencies use white-label domains).
    pub app_base_url: String,
    /// Default phone country (ISO alpha-2) for national numbers.
    pub default_country: String,
}

/// The clock and a random number in [0, 1), passed with every message.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Env {
    /// Now, ms since the epoch.
    pub now: i64,
    /// For backoff jitter.
    pub random: f64,
}

/// One of the four parts of a linked contact's view.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Section {
    /// The GHL contact (the card).
    Contact,
    /// Its tasks.
    Tasks,
    /// Its notes.
    Notes,
    /// Its appointments.
    Appointments,
}

impl Section {
    /// All four, in display order.
    pub const ALL: [Section; 4] = [Section::Contact, Section::Tasks, Section::Notes, Section::Appointments];

    fn endpoint(self) -> &'static str {
        match self {
            Section::Contact => "ghlGetContact",
            Section::Tasks => "ghlListTasks",
            Section::Notes => "ghlListNotes",
            Section::Appointments => "ghlListAppointments",
        }
    }
}

/// A section's data as far as it got.
#[derive(Debug, Clone, PartialEq)]
pub enum Load<T> {
    /// Requested, no answer yet.
    Loading,
    /// Arrived.
    Ready(T),
    /// Failed for good (retries exhausted or not retryable).
    Failed(ApiError),
}

impl<T> Load<T> {
    /// The data, if it arrived.
    pub fn ready(&self) -> Option<&T> {
        match self {
            Load::Ready(t) => Some(t),
            _ => None,
        }
    }
}

/// Where the sidebar is for the viewed contact.
#[derive(Debug, Clone, PartialEq)]
pub enum Phase {
    /// Waiting for settings or an activation.
    Idle,
    /// Reading the stored link.
    LoadingLink,
    /// Reading the Freshsales contact to look it up.
    LoadingFsContact,
    /// Looking it up in GHL.
    Searching(Lookup),
    /// Linked to this GHL contact; sections are loading or loaded.
    Linked(String),
    /// No GHL contact matched (or a user unlinked it).
    NotFound {
        /// The email tried.
        email: Option<String>,
        /// The phone tried (E.164).
        phone: Option<String>,
        /// Whether a user unlinked it by hand.
        unlinked: bool,
    },
    /// The linked GHL contact no longer exists (deleted or merged).
    Gone(String),
    /// The whole panel failed (resolution could not complete): the error and the API whose
    /// call failed.
    Failed(ApiError, crate::catalog::Api),
}

/// A request template invocation for the edge to make.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Call {
    /// Correlates the reply.
    pub id: u64,
    /// The template name.
    pub template: &'static str,
    /// Path (and context) values.
    pub context: Vec<(String, String)>,
    /// Runtime query values (already filtered: no empty ones).
    pub query: Vec<(String, String)>,
    /// The JSON body, as a string (the platform requires a string).
    pub body: Option<String>,
}

/// Something for the edge to do.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// Invoke a request template now.
    Invoke(Call),
    /// Invoke it after a delay (backoff, budget).
    InvokeLater {
        /// The call.
        call: Call,
        /// How long to wait first.
        after_ms: u64,
    },
    /// Read a key from the key-value store; answer with [`Msg::DbLoaded`].
    DbGet {
        /// The key.
        key: String,
        /// The activation it belongs to.
        generation: u64,
    },
    /// Write a key (fire and forget; a failure is only logged by the edge).
    DbSet {
        /// The key.
        key: String,
        /// The value.
        value: Value,
    },
    /// Store a cached contact view in `sessionStorage` (fire and forget).
    CacheSet {
        /// The key ([`crate::cache::key`]).
        key: String,
        /// The entry as JSON.
        value: Value,
    },
    /// Remove a cached contact view from `sessionStorage`.
    CacheRemove {
        /// The key.
        key: String,
    },
    /// Re-render the view.
    Render,
    /// Show a notification (`showNotify`).
    Notify {
        /// Its type.
        kind: NotifyKind,
        /// Plain-language text.
        message: String,
    },
    /// Ask first (`showConfirm`); answer with `Msg::Act(Intent::Confirmed(then))` when the
    /// user chose `save_label`.
    Confirm {
        /// The question.
        message: String,
        /// The confirming button's label.
        save_label: String,
        /// What to do once confirmed.
        then: Intent,
    },
}

/// Something that happened.
#[derive(Debug, Clone, PartialEq)]
pub enum Msg {
    /// Settings arrived.
    Configured(Config),
    /// The app was (re)activated for a Freshsales contact.
    Activated {
        /// The Freshsales contact id.
        fs_id: String,
    },
    /// The user navigated away (in-page): answers for the old contact are ignored.
    Deactivated,
    /// Reload the current contact (contact.update, or the user's retry).
    Refresh,
    /// A key-value store read finished (`None` when the key is absent or unreadable).
    DbLoaded {
        /// The activation it belongs to.
        generation: u64,
        /// The stored value.
        value: Option<Value>,
    },
    /// A request finished.
    Reply {
        /// The call's id.
        id: u64,
        /// What came back.
        reply: RawReply,
    },
    /// The user asked to look the contact up again after its GHL record went away.
    Relink,
    /// The cached contact views found in `sessionStorage` at mount (key, JSON entry).
    CacheRestored(Vec<(String, Value)>),
    /// The user acted on the panel (see [`actions`]).
    Act(Intent),
}

#[derive(Debug, Clone)]
enum Purpose {
    FsContact,
    Lookup(Lookup),
    Section(Section),
    Write(Box<actions::Op>),
}

#[derive(Debug, Clone)]
struct Pending {
    generation: u64,
    purpose: Purpose,
    call: Call,
    attempts: u32,
    first_at: i64,
    /// When the budget lets this call go (ms since the epoch): later than now while queued.
    slot_at: i64,
}

/// The sidebar's whole state.
#[derive(Debug, Clone)]
pub struct State {
    /// Settings, once known.
    pub config: Option<Config>,
    /// The viewed Freshsales contact.
    pub fs_id: Option<String>,
    /// Bumped on every activation; answers of older ones are dropped.
    pub generation: u64,
    /// Where resolution stands.
    pub phase: Phase,
    /// The link record as stored (or as about to be stored).
    pub link: Option<LinkRecord>,
    /// The Freshsales contact, when it was read.
    pub fs_contact: Option<freshsales::Contact>,
    /// The GHL contact.
    pub contact: Load<ghl::Contact>,
    /// Its tasks.
    pub tasks: Load<Vec<ghl::Task>>,
    /// Its notes.
    pub notes: Load<Vec<ghl::Note>>,
    /// Its appointments.
    pub appointments: Load<Vec<ghl::Appointment>>,
    lookups: Vec<Lookup>,
    pending: HashMap<u64, Pending>,
    next_id: u64,
    budget: Budget,
    rate: RateWindow,
    backoff: Backoff,
    /// Requests issued since the last activation (for the benchmark and tests).
    pub requests_this_open: u32,
    cache: cached::CacheState,
    /// Forms, drafts and in-flight writes.
    pub actions: actions::Actions,
}

impl Default for State {
    fn default() -> Self {
        State {
            config: None,
            fs_id: None,
            generation: 0,
            phase: Phase::Idle,
            link: None,
            fs_contact: None,
            contact: Load::Loading,
            tasks: Load::Loading,
            notes: Load::Loading,
            appointments: Load::Loading,
            lookups: Vec::new(),
            pending: HashMap::new(),
            next_id: 1,
            budget: Budget::default(),
            rate: RateWindow::default(),
            backoff: Backoff::default(),
            requests_this_open: 0,
            cache: Default::default(),
            actions: actions::Actions::default(),
        }
    }
}

fn endpoint(name: &str) -> &'static Endpoint {
    catalog::by_name(name).expect("template names used by the sidebar are in the catalog")
}

impl State {
    /// A fresh state.
    pub fn new() -> Self {
        Self::default()
    }

    /// Handles one message and returns what the edge must do.
    pub fn update(&mut self, msg: Msg, env: Env) -> Vec<Effect> {
        let mut fx = Vec::new();
        match msg {
            Msg::Configured(c) => {
                self.config = Some(c);
                if self.phase == Phase::Idle && self.fs_id.is_some() {
                    self.begin(env, &mut fx);
                }
            }
            Msg::Activated { fs_id } => {
                let busy = matches!(self.phase, Phase::LoadingLink | Phase::LoadingFsContact | Phase::Searching(_)) || self.in_flight() > 0;
                if busy && self.fs_id.as_deref() == Some(fs_id.as_str()) {
                    // The same activation seen twice (mount and the event): one load is enough.
                    fx.push(Effect::Render);
                    return fx;
                }
                if self.fs_id.as_deref() != Some(fs_id.as_str()) {
                    self.actions.reset();
                }
                self.fs_id = Some(fs_id);
                if self.config.is_some() {
                    self.begin(env, &mut fx);
                } else {
                    self.phase = Phase::Idle;
                }
            }
            Msg::Deactivated => {
                self.generation += 1;
                self.drop_pending(env.now);
            }
            Msg::Refresh => {
                if self.fs_id.is_some() && self.config.is_some() {
                    self.invalidate_cache(&mut fx);
                    self.begin(env, &mut fx);
                }
            }
            Msg::Relink => {
                if let (Some(link), Some(fs_id)) = (&mut self.link, &self.fs_id) {
                    if link.fs_id == *fs_id && link.may_auto_link() {
                        link.ghl_id = None;
                    }
                }
                self.invalidate_cache(&mut fx);
                self.reset_sections();
                self.phase = Phase::LoadingFsContact;
                self.request(Purpose::FsContact, "fsGetContact", self.fs_context(), vec![], None, env, &mut fx);
            }
            Msg::DbLoaded { generation, value } => {
                if generation == self.generation && self.phase == Phase::LoadingLink {
                    let fs_id = self.fs_id.clone().unwrap_or_default();
                    let record = value.and_then(|v| LinkRecord::from_value(v).ok()).filter(|r| r.fs_id == fs_id);
                    self.link = Some(record.clone().unwrap_or_else(|| LinkRecord::new(fs_id)));
                    match resolve::start(record.as_ref()) {
                        Start::Linked(id) => self.fetch_sections(&id, &Section::ALL, env, &mut fx),
                        Start::Unlinked => self.phase = Phase::NotFound { email: None, phone: None, unlinked: true },
                        Start::Unknown => {
                            self.phase = Phase::LoadingFsContact;
                            self.request(Purpose::FsContact, "fsGetContact", self.fs_context(), vec![], None, env, &mut fx);
                        }
                    }
                }
            }
            Msg::Reply { id, reply } => self.on_reply(id, reply, env, &mut fx),
            Msg::CacheRestored(entries) => self.cache_restore(entries, env.now, &mut fx),
            Msg::Act(Intent::Draft { form, field, value }) => {
                // Typing changes nothing on screen: no re-render (it would move the caret).
                self.act(Intent::Draft { form, field, value }, env, &mut fx);
                return fx;
            }
            Msg::Act(intent) => self.act(intent, env, &mut fx),
        }
        fx.push(Effect::Render);
        fx
    }

    fn fs_context(&self) -> Vec<(String, String)> {
        vec![("id".into(), self.fs_id.clone().unwrap_or_default())]
    }

    fn reset_sections(&mut self) {
        self.contact = Load::Loading;
        self.tasks = Load::Loading;
        self.notes = Load::Loading;
        self.appointments = Load::Loading;
    }

    fn begin(&mut self, env: Env, fx: &mut Vec<Effect>) {
        self.generation += 1;
        self.drop_pending(env.now);
        self.actions.interrupted();
        self.requests_this_open = 0;
        self.link = None;
        self.fs_contact = None;
        self.lookups.clear();
        self.reset_sections();
        if self.cache_begin(env, fx) {
            return;
        }
        self.phase = Phase::LoadingLink;
        let key = LinkRecord::key(self.fs_id.as_deref().unwrap_or_default());
        fx.push(Effect::DbGet { key, generation: self.generation });
    }

    #[allow(clippy::too_many_arguments)]
    fn request(
        &mut self,
        purpose: Purpose,
        template: &'static str,
        context: Vec<(String, String)>,
        query: Vec<(String, String)>,
        body: Option<String>,
        env: Env,
        fx: &mut Vec<Effect>,
    ) {
        let id = self.next_id;
        self.next_id += 1;
        let call = Call { id, template, context, query, body };
        self.pending.insert(id, Pending { generation: self.generation, purpose, call: call.clone(), attempts: 1, first_at: env.now, slot_at: env.now });
        self.send(call, 0, env, fx);
    }

    /// Forgets every call in flight (the contact was left or is loaded again). Calls still
    /// queued for the budget give their slots back, and the edge does not send them.
    fn drop_pending(&mut self, now: i64) {
        for p in std::mem::take(&mut self.pending).into_values() {
            self.budget.release(p.slot_at, now);
        }
    }

    /// Whether call `id` is still wanted: the edge checks before sending a queued call.
    pub fn is_pending(&self, id: u64) -> bool {
        self.pending.contains_key(&id)
    }

    /// How long until the latest-queued call may go, when calls wait for the request budget
    /// (shown to the user, who would otherwise see a skeleton for up to a minute).
    pub fn queued_for_ms(&self, now: i64) -> Option<u64> {
        self.pending.values().map(|p| p.slot_at).max().filter(|&t| t > now + 1_000).map(|t| (t - now) as u64)
    }

    /// Issues a call through the budget guard: it waits rather than exceed the quota.
    fn send(&mut self, call: Call, min_delay_ms: u64, env: Env, fx: &mut Vec<Effect>) {
        let delay = min_delay_ms.max(self.rate.wait_ms(env.now));
        let wait = if delay == 0 {
            self.budget.reserve(env.now) as i64
        } else {
            // Queued for later: take the first free slot at or after then.
            let at = env.now + delay as i64;
            let extra = self.budget.try_acquire(at).err().unwrap_or(0);
            if extra > 0 {
                let _ = self.budget.try_acquire(at + extra as i64);
            }
            delay as i64 + extra as i64
        };
        self.requests_this_open += 1;
        if let Some(p) = self.pending.get_mut(&call.id) {
            p.slot_at = env.now + wait.max(0);
        }
        if wait <= 0 {
            fx.push(Effect::Invoke(call));
        } else {
            fx.push(Effect::InvokeLater { call, after_ms: wait as u64 });
        }
    }

    fn on_reply(&mut self, id: u64, reply: RawReply, env: Env, fx: &mut Vec<Effect>) {
        let Some(mut p) = self.pending.remove(&id) else { return };
        if p.generation != self.generation {
            return;
        }
        self.rate.observe(&reply, env.now);
        let ep = endpoint(p.call.template);
        if let Err(err) = error::classify(ep, &reply) {
            if matches!(err, ApiError::RateLimited { by: crate::error::Limiter::Platform, .. }) {
                self.budget.penalize(env.now, crate::retry::requested_wait_ms(&err).unwrap_or(60_000));
            }
            let elapsed = (env.now - p.first_at).max(0) as u64;
            if let Decision::Retry { after_ms } = self.backoff.decide(ep, &err, p.attempts, elapsed, env.random) {
                p.attempts += 1;
                let call = p.call.clone();
                self.pending.insert(id, p);
                self.send(call, after_ms, env, fx);
                return;
            }
        }
        match p.purpose.clone() {
            Purpose::FsContact => self.on_fs_contact(ep, &reply, env, fx),
            Purpose::Lookup(l) => self.on_lookup(ep, &reply, l, env, fx),
            Purpose::Section(s) => {
                self.on_section(ep, &reply, s);
                self.cache_section_arrived(s, fx);
            }
            Purpose::Write(op) => {
                self.on_write(*op, ep, &reply, env, fx);
                self.cache_after_write(fx);
            }
        }
    }

    fn on_fs_contact(&mut self, ep: &Endpoint, reply: &RawReply, env: Env, fx: &mut Vec<Effect>) {
        match error::decode::<freshsales::ContactEnvelope>(ep, reply) {
            Ok(env_) => {
                let country = self.config.as_ref().map(|c| c.default_country.clone()).unwrap_or_default();
                self.lookups = resolve::lookups(&env_.contact, &country);
                self.fs_contact = Some(env_.contact);
                self.next_lookup(None, env, fx);
            }
            Err(e) => self.phase = Phase::Failed(e, ep.api),
        }
    }

    /// Tries the lookup after `done` (the first when `None`), or settles on "not found".
    fn next_lookup(&mut self, done: Option<&Lookup>, env: Env, fx: &mut Vec<Effect>) {
        let next = match done {
            None => self.lookups.first(),
            Some(d) => self.lookups.iter().skip_while(|l| *l != d).nth(1),
        }
        .cloned();
        match next {
            Some(l) => {
                let ep = endpoint("ghlFindDuplicate");
                let (k, v) = l.query();
                let query = catalog::runtime_query(ep, &[(k, v)]);
                self.phase = Phase::Searching(l.clone());
                self.request(Purpose::Lookup(l), "ghlFindDuplicate", vec![], query, None, env, fx);
            }
            None => {
                let (email, phone) = resolve::tried(&self.lookups);
                self.phase = Phase::NotFound { email, phone, unlinked: false };
            }
        }
    }

    fn on_lookup(&mut self, ep: &Endpoint, reply: &RawReply, lookup: Lookup, env: Env, fx: &mut Vec<Effect>) {
        match error::decode::<ghl::DuplicateResponse>(ep, reply) {
            Ok(found) => match resolve::matched(&found, &lookup) {
                Some(contact) => {
                    let id = contact.id.clone();
                    let contact = contact.clone();
                    if let Some(link) = &mut self.link {
                        if link.link(&id, lookup.linked_by(), env.now) {
                            if let Ok(v) = link.to_stored() {
                                fx.push(Effect::DbSet { key: LinkRecord::key(&link.fs_id), value: v });
                            }
                        }
                    }
                    self.contact = Load::Ready(contact);
                    self.fetch_sections(&id, &[Section::Tasks, Section::Notes, Section::Appointments], env, fx);
                }
                None => self.next_lookup(Some(&lookup), env, fx),
            },
            Err(e) => self.phase = Phase::Failed(e, ep.api),
        }
    }

    fn fetch_sections(&mut self, ghl_id: &str, sections: &[Section], env: Env, fx: &mut Vec<Effect>) {
        self.phase = Phase::Linked(ghl_id.to_string());
        for s in sections {
            if !self.revalidating() {
                self.set_loading(*s);
            }
            let ctx = vec![("contactId".to_string(), ghl_id.to_string())];
            self.request(Purpose::Section(*s), s.endpoint(), ctx, vec![], None, env, fx);
        }
    }

    fn set_loading(&mut self, s: Section) {
        match s {
            Section::Contact => self.contact = Load::Loading,
            Section::Tasks => self.tasks = Load::Loading,
            Section::Notes => self.notes = Load::Loading,
            Section::Appointments => self.appointments = Load::Loading,
        }
    }

    fn on_section(&mut self, ep: &Endpoint, reply: &RawReply, s: Section) {
        fn load<T, U: serde::de::DeserializeOwned>(ep: &Endpoint, r: &RawReply, f: impl FnOnce(U) -> T) -> Load<T> {
            match error::decode::<U>(ep, r) {
                Ok(v) => Load::Ready(f(v)),
                Err(e) => Load::Failed(e),
            }
        }
        match s {
            Section::Contact => {
                self.contact = load(ep, reply, |r: ghl::ContactResponse| r.contact);
                if let (Load::Failed(ApiError::NotFound), Phase::Linked(id)) = (&self.contact, &self.phase) {
                    self.phase = Phase::Gone(id.clone());
                }
            }
            Section::Tasks => self.tasks = load(ep, reply, |r: ghl::TasksResponse| r.tasks),
            Section::Notes => self.notes = load(ep, reply, |r: ghl::NotesResponse| r.notes),
            Section::Appointments => self.appointments = load(ep, reply, |r: ghl::EventsResponse| r.events),
        }
    }

    /// Calls still waiting for an answer (for tests and the benchmark).
    pub fn in_flight(&self) -> usize {
        self.pending.len()
    }
}

#[cfg(test)]
mod tests;
