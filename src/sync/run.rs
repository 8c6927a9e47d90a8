//! One serverless run as a step machine: [`Run::start`] → [`Step::Op`] → the edge performs it
//! → [`Run::step`] with the [`Answer`] → … → [`Step::Done`]. The run's state serializes, so
//! the edge can hold it as opaque JSON between steps.
//!
//! A contact job: read the link record → (read the Freshsales contact when the event did not
//! carry it) → tombstone: stop; linked: echo check from the stored values (no request), else
//! read the GHL contact, decide per field ([`super::conflict`]) and `PUT` only what wins;
//! not linked, or the linked contact is gone: look GHL up by email, then phone, and link via
//! upsert (warning when the match looks like a different person) → copy pending tasks →
//! save the link record. Failures go back to the queue with backoff ([`super::queue`]).

use std::collections::VecDeque;

use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

use super::queue::{entry_key, Entry, Index, Roster, INDEX_KEY, NOTES_KEY, RUN_REQUESTS, SCAN_PAGE};
use super::{agreed, conflict, is_echo, overlay, Settings, Times};
use crate::catalog::{by_name, Api};
use crate::error::{self, ApiError, AuthProblem, Origin, RawReply};
use crate::freshsales::{self, ProductEvent};
use crate::ghl;
use crate::link::{Direction, LinkRecord, LinkedBy, LogEntry};
use crate::mapping::{self, Snapshot};
use crate::resolve::{self, Lookup, Start};
use crate::datetime::Instant;

/// Requests a contact job may need (lookups, upsert, task): a job starts only with this room.
const JOB_REQUESTS: u32 = 4;
/// Store operations a job may need.
const JOB_DB_OPS: u32 = 5;

/// What started the run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Trigger {
    /// `onAppInstall`: check the credentials.
    Install,
    /// A product event (`onContactCreate`, `onContactUpdate`, `onTaskCreate`, `onTaskUpdate`).
    Event {
        /// The payload as the platform delivered it.
        payload: Value,
    },
    /// `onScheduledEvent`: drain the queue.
    Scheduled,
}

/// What the edge must do next.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum Op {
    /// `$request.invokeTemplate(name, {context, query, body})`.
    Invoke {
        /// Template name.
        name: String,
        /// Path values.
        context: Map<String, Value>,
        /// Runtime query.
        query: Map<String, Value>,
        /// JSON body text.
        #[serde(skip_serializing_if = "Option::is_none")]
        body: Option<String>,
    },
    /// `$db.get(key)`.
    DbGet {
        /// Key.
        key: String,
    },
    /// `$db.set(key, value)`.
    DbSet {
        /// Key.
        key: String,
        /// Value.
        value: Value,
    },
    /// `$db.delete(key)`.
    DbDelete {
        /// Key.
        key: String,
    },
}

/// The outcome of an op, as the edge saw it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Answer {
    /// `invokeTemplate` resolved or rejected.
    Reply {
        /// HTTP status (0 when none).
        status: u16,
        /// Headers.
        #[serde(default)]
        headers: Map<String, Value>,
        /// Body text.
        #[serde(default)]
        body: String,
        /// The platform itself refused (`errorSource: "PLATFORM"`).
        #[serde(default)]
        platform: bool,
    },
    /// A `$db` call resolved (`ok`) or rejected with `status`.
    Db {
        /// Resolved.
        ok: bool,
        /// Error status (404: not found).
        #[serde(default)]
        status: u16,
        /// The value read.
        #[serde(default)]
        value: Value,
    },
}

/// How the run ended.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Outcome {
    /// Whether everything it set out to do is done or safely queued.
    pub ok: bool,
    /// For `onAppInstall`: why the install is blocked (≤ 60 characters).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// One line per thing done, for logs and tests (no personal data beyond ids).
    pub done: Vec<String>,
}

/// The machine's answer to the edge.
#[derive(Debug, Clone, PartialEq)]
pub enum Step {
    /// Perform this and call [`Run::step`] with the answer.
    Op(Op),
    /// Finished.
    Done(Outcome),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
enum Mode {
    Install,
    Event,
    Scheduled,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
enum Phase {
    CheckGhl,
    CheckFs,
    LoadIndex,
    MergeEntry,
    LoadEntry,
    LoadLink,
    ReadFs,
    GetGhl(String),
    Lookup,
    Upsert,
    Update(String),
    ListTasks,
    TaskWrite { create: bool },
    ScanView,
    ScanPage,
    LoadRoster,
    NotesLink,
    NotesFs,
    NotesGhl,
    NoteCreate,
    Flush,
}

/// The notes of one linked contact being reconciled.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct NotesJob {
    link: LinkRecord,
    /// Freshsales notes not yet in GHL: (Freshsales id, body with the author's name).
    todo: VecDeque<(String, String)>,
    created: usize,
}

/// The contact being worked on.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
struct Job {
    entry: Entry,
    queued: bool,
    link: Option<LinkRecord>,
    fs: Option<freshsales::Contact>,
    fs_snap: Snapshot,
    lookups: Vec<Lookup>,
    li: usize,
    matched: Option<ghl::Contact>,
    ghl_now: Snapshot,
    sent: Snapshot,
    relink: bool,
    task_i: usize,
    found_task: Option<String>,
}

/// One run's state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Run {
    settings: Settings,
    mode: Mode,
    phase: Phase,
    index: Index,
    incoming: Option<Entry>,
    job: Option<Job>,
    flush: VecDeque<Op>,
    used: u32,
    visited: usize,
    random: f64,
    outcome: Outcome,
    /// Contacts of the scanned page still to handle in this run.
    scanned: VecDeque<Value>,
    /// The scan reached its end in this run (one walk per run at most).
    scan_done: bool,
    finishing: bool,
    notes_started: bool,
    roster: Roster,
    /// Contacts this run synced, to join the notes roster.
    roster_add: Vec<String>,
    notes_visited: usize,
    notes: Option<NotesJob>,
}

/// The entry an event asks for, or why it needs none.
fn event_entry(payload: &Value, s: &Settings) -> Result<Entry, &'static str> {
    let ev: ProductEvent = serde_json::from_value(payload.clone()).map_err(|_| "unreadable event")?;
    let name = ev.event.clone().unwrap_or_default();
    if name.starts_with("onTask") || ev.data.task.is_some() {
        if ev.task_targets_other() {
            return Err("task not on a contact");
        }
        let id = ev.task_contact_id().ok_or("task names no contact")?;
        let task = ev.data.task.clone().ok_or("event has no task")?;
        return Ok(Entry { fs_id: id.to_string(), tasks: vec![task], ..Default::default() });
    }
    let id = ev.contact_id().ok_or("event names no contact")?;
    let keys: Vec<&str> = s.mapping.custom.iter().map(|r| r.fs_key.as_str()).collect();
    let data = ev.complete_contact(&keys).map(|c| serde_json::to_value(c).expect("a contact serializes"));
    Ok(Entry { fs_id: id.to_string(), contact: true, data, ..Default::default() })
}

fn invoke(name: &str, context: Value, query: Value, body: Option<String>) -> Op {
    let obj = |v: Value| v.as_object().cloned().unwrap_or_default();
    Op::Invoke { name: name.into(), context: obj(context), query: obj(query), body }
}

fn raw(answer: &Answer) -> RawReply {
    match answer {
        Answer::Reply { status, headers, body, platform } => RawReply {
            status: *status,
            headers: headers.iter().map(|(k, v)| (k.clone(), v.as_str().map_or_else(|| v.to_string(), str::to_string))).collect(),
            body: body.clone(),
            origin: if *platform { Origin::Platform } else { Origin::Upstream },
        },
        Answer::Db { .. } => RawReply { status: 0, headers: vec![], body: String::new(), origin: Origin::Platform },
    }
}

fn install_message(api: Api, e: &ApiError) -> &'static str {
    match (api, e) {
        (Api::Ghl, ApiError::Unauthorized { problem: AuthProblem::WrongLocation, .. }) => "The HighLevel token cannot access that location id.",
        (Api::Ghl, ApiError::Unauthorized { problem: AuthProblem::NoApiAccess, .. }) => "This HighLevel plan has no API access.",
        (Api::Ghl, ApiError::Unauthorized { .. } | ApiError::Forbidden { .. }) => "HighLevel refused the token. Check it and retry.",
        (Api::Ghl, _) => "Could not check HighLevel. Please try again.",
        (Api::Freshsales, ApiError::Unauthorized { .. } | ApiError::Forbidden { .. }) => "Freshsales refused the API key. Check it and retry.",
        (Api::Freshsales, ApiError::NotFound) => "No Freshsales account answers at that domain.",
        (Api::Freshsales, _) => "Could not check Freshsales. Please try again.",
    }
}

impl Run {
    /// Starts a run; `random` in [0, 1) is for backoff jitter.
    pub fn start(trigger: Trigger, settings: Settings, now: i64, random: f64) -> (Run, Step) {
        let mode = match trigger {
            Trigger::Install => Mode::Install,
            Trigger::Event { .. } => Mode::Event,
            Trigger::Scheduled => Mode::Scheduled,
        };
        let mut run = Run {
            settings,
            mode,
            phase: Phase::LoadIndex,
            index: Index::default(),
            incoming: None,
            job: None,
            flush: VecDeque::new(),
            used: 0,
            visited: 0,
            random,
            outcome: Outcome { ok: true, ..Default::default() },
            scanned: VecDeque::new(),
            scan_done: false,
            finishing: false,
            notes_started: false,
            roster: Roster::default(),
            roster_add: Vec::new(),
            notes_visited: 0,
            notes: None,
        };
        let step = match trigger {
            Trigger::Install => {
                run.phase = Phase::CheckGhl;
                let body = serde_json::to_string(&ghl::SearchContacts::text(&run.settings.location_id, "", 1)).expect("serializes");
                Step::Op(invoke("ghlSearchContacts", json!({}), json!({}), Some(body)))
            }
            Trigger::Event { payload } => match event_entry(&payload, &run.settings) {
                Ok(e) => {
                    run.incoming = Some(e);
                    run.db(now, Op::DbGet { key: INDEX_KEY.into() })
                }
                Err(why) => run.done_with(format!("ignored: {why}")),
            },
            Trigger::Scheduled => run.db(now, Op::DbGet { key: INDEX_KEY.into() }),
        };
        (run, step)
    }

    /// Feeds the answer to the last op; returns the next one.
    pub fn step(&mut self, answer: Answer, now: i64, random: f64) -> Step {
        self.random = random;
        let phase = self.phase.clone();
        match phase {
            Phase::CheckGhl | Phase::CheckFs => self.install(&answer, phase == Phase::CheckGhl),
            Phase::LoadIndex => {
                match answer {
                    Answer::Db { ok: true, value, .. } => self.index = serde_json::from_value(value).unwrap_or_default(),
                    Answer::Db { status: 404, .. } => {
                        // A new installation: the catch-up scan starts from a minute ago.
                        self.index.scan.since = Some(now - 60_000);
                    }
                    _ => {
                        // The store refused (its 50 ops/min): nothing was written, nothing sent.
                        self.outcome.ok = false;
                        return self.done_with("store busy: not recorded".into());
                    }
                }
                self.after_index(now)
            }
            Phase::MergeEntry => {
                let mut e: Entry = match answer {
                    Answer::Db { ok: true, value, .. } => serde_json::from_value(value).unwrap_or_default(),
                    _ => Entry::default(),
                };
                let incoming = self.incoming.take().expect("an event run has its entry");
                e.fs_id = incoming.fs_id.clone();
                e.merge(incoming);
                self.outcome.done.push(format!("merged into queued {}", e.fs_id));
                self.flush.push_back(Op::DbSet { key: entry_key(&e.fs_id), value: serde_json::to_value(&e).expect("serializes") });
                self.finish(now)
            }
            Phase::LoadEntry => {
                let id = self.index.pending[(self.index.cursor + self.index.pending.len() - 1) % self.index.pending.len()].clone();
                let e: Entry = match answer {
                    Answer::Db { ok: true, value, .. } => serde_json::from_value(value).unwrap_or_else(|_| Entry { fs_id: id.clone(), contact: true, ..Default::default() }),
                    Answer::Db { status: 404, .. } => Entry { fs_id: id.clone(), contact: true, ..Default::default() },
                    _ => return self.finish(now),
                };
                if e.failed {
                    self.index.fail(&id);
                    return self.next_queued(now);
                }
                if e.next_at > now {
                    return self.next_queued(now);
                }
                self.begin_job(e, true, now)
            }
            Phase::LoadLink => {
                let job = self.job.as_mut().expect("job");
                job.link = match answer {
                    Answer::Db { ok: true, value, .. } => LinkRecord::from_value(value).ok(),
                    Answer::Db { status: 404, .. } => None,
                    _ => return self.defer(now, None, "The app's storage is busy. It will try again shortly.".into()),
                };
                self.after_link(now)
            }
            Phase::ReadFs => match self.reply::<freshsales::ContactEnvelope>("fsGetContact", &answer) {
                Ok(env) => {
                    self.job.as_mut().expect("job").fs = Some(env.contact);
                    self.contact_known(now)
                }
                Err(ApiError::NotFound) => self.job_done(now, "contact gone from Freshsales".into()),
                Err(e) => self.failed(now, Api::Freshsales, e),
            },
            Phase::GetGhl(id) => match self.reply::<ghl::ContactResponse>("ghlGetContact", &answer) {
                Ok(r) => self.compare(r.contact, id, now),
                Err(ApiError::NotFound) => self.relink(now),
                Err(e) => self.failed(now, Api::Ghl, e),
            },
            Phase::Lookup => match self.reply::<ghl::DuplicateResponse>("ghlFindDuplicate", &answer) {
                Ok(r) => {
                    let job = self.job.as_mut().expect("job");
                    job.matched = resolve::matched(&r, &job.lookups[job.li]).cloned();
                    job.li += 1;
                    self.lookup(now)
                }
                Err(e) => self.failed(now, Api::Ghl, e),
            },
            Phase::Upsert => match self.reply::<ghl::UpsertResponse>("ghlUpsertContact", &answer) {
                Ok(r) => self.linked_by_upsert(r, now),
                Err(e) => self.failed(now, Api::Ghl, e),
            },
            Phase::Update(id) => match self.reply::<ghl::UpdateContactResponse>("ghlUpdateContact", &answer) {
                Ok(_) => {
                    let job = self.job.as_mut().expect("job");
                    let base = agreed(&job.fs_snap, &overlay(&job.ghl_now, &job.sent));
                    let fields = job.sent.fields().map(|f| f.key()).collect();
                    let link = job.link.as_mut().expect("linked");
                    link.synced = base.to_synced();
                    link.synced_at = Some(now);
                    link.log(LogEntry { at: now, dir: Direction::ToGhl, action: "update".into(), fields, ok: true, message: None });
                    self.outcome.done.push(format!("updated {id}"));
                    self.task(now)
                }
                Err(ApiError::NotFound) => self.relink(now),
                Err(e) => self.failed(now, Api::Ghl, e),
            },
            Phase::ListTasks => match self.reply::<ghl::TasksResponse>("ghlListTasks", &answer) {
                Ok(r) => {
                    let job = self.job.as_mut().expect("job");
                    let title = task_of(&job.entry.tasks[job.task_i]).title;
                    job.found_task = r.tasks.iter().find(|t| t.title.as_deref() == Some(title.as_str())).map(|t| t.id.clone());
                    self.task(now)
                }
                Err(e) => self.failed(now, Api::Ghl, e),
            },
            Phase::TaskWrite { create } => {
                let name = if create { "ghlCreateTask" } else { "ghlUpdateTask" };
                match self.reply::<ghl::TaskResponse>(name, &answer) {
                    Ok(r) => {
                        let job = self.job.as_mut().expect("job");
                        let fs_task = task_of(&job.entry.tasks[job.task_i]);
                        let ghl_id = if r.task.id.is_empty() { job.found_task.clone().unwrap_or_default() } else { r.task.id };
                        let link = job.link.as_mut().expect("linked");
                        link.record_task(Some(fs_task.id.to_string()), ghl_id.clone());
                        link.log(LogEntry { at: now, dir: Direction::ToGhl, action: "task".into(), fields: vec![], ok: true, message: None });
                        self.outcome.done.push(format!("task {} {}", if create { "created" } else { "updated" }, fs_task.id));
                        job.task_i += 1;
                        job.found_task = None;
                        self.task(now)
                    }
                    Err(ApiError::NotFound) if !create => {
                        let job = self.job.as_mut().expect("job");
                        let fs_id = task_of(&job.entry.tasks[job.task_i]).id.to_string();
                        if let Some(gid) = job.link.as_ref().and_then(|l| l.task_by_fs(&fs_id)).map(|p| p.ghl.clone()) {
                            job.link.as_mut().expect("linked").forget_task(&gid);
                        }
                        job.found_task = None;
                        self.task(now)
                    }
                    Err(e) => {
                        if matches!(e, ApiError::UncertainWrite { .. }) {
                            // The task may exist now: the next attempt lists tasks first.
                            self.job.as_mut().expect("job").entry.uncertain = true;
                        }
                        self.failed(now, Api::Ghl, e)
                    }
                }
            }
            Phase::ScanView => match self.reply::<freshsales::FiltersResponse>("fsListContactFilters", &answer) {
                Ok(r) => match r.all_contacts_view() {
                    Some(v) => {
                        self.index.scan.view = Some(v.0);
                        self.scan_next(now)
                    }
                    None => {
                        self.scan_done = true;
                        self.finish(now)
                    }
                },
                Err(_) => {
                    self.scan_done = true;
                    self.finish(now)
                }
            },
            Phase::ScanPage => match self.reply::<freshsales::ContactList>("fsListContacts", &answer) {
                Ok(list) => {
                    let scan = &mut self.index.scan;
                    if scan.page <= 1 && scan.offset == 0 && scan.top.is_none() {
                        scan.top = list.contacts.first().and_then(changed_at);
                    }
                    let rest: VecDeque<Value> = list.contacts.iter().skip(scan.offset).map(|c| serde_json::to_value(c).expect("serializes")).collect();
                    if rest.is_empty() {
                        scan.complete();
                        self.scan_done = true;
                        return self.finish(now);
                    }
                    self.scanned = rest;
                    self.scan_next(now)
                }
                Err(_) => {
                    self.scan_done = true;
                    self.finish(now)
                }
            },
            Phase::LoadRoster => {
                if let Answer::Db { ok: true, value, .. } = answer {
                    self.roster = serde_json::from_value(value).unwrap_or_default();
                }
                for id in std::mem::take(&mut self.roster_add) {
                    self.roster.add(&id);
                }
                self.notes_next(now)
            }
            Phase::NotesLink => {
                let link = match answer {
                    Answer::Db { ok: true, value, .. } => LinkRecord::from_value(value).ok(),
                    _ => None,
                };
                match link.filter(|l| l.ghl_id.is_some()) {
                    Some(link) => {
                        let id = link.fs_id.clone();
                        self.notes = Some(NotesJob { link, todo: VecDeque::new(), created: 0 });
                        self.note_request(now, Phase::NotesFs, invoke("fsListContactNotes", json!({ "id": id }), json!({}), None))
                    }
                    None => self.notes_next(now),
                }
            }
            Phase::NotesFs => match self.reply::<freshsales::NotesResponse>("fsListContactNotes", &answer) {
                Ok(list) => {
                    let job = self.notes.as_mut().expect("notes job");
                    for n in &list.notes {
                        let (Some(id), Some(text)) = (n.id, n.description.as_deref().map(str::trim).filter(|t| !t.is_empty())) else { continue };
                        if job.link.note_by_fs(&id.to_string()).is_none() {
                            let body = match list.author(n) {
                                Some(a) => format!("{a}: {text}"),
                                None => text.to_string(),
                            };
                            job.todo.push_back((id.to_string(), body));
                        }
                    }
                    if job.todo.is_empty() {
                        return self.notes_saved(now);
                    }
                    let gid = job.link.ghl_id.clone().expect("linked");
                    self.note_request(now, Phase::NotesGhl, invoke("ghlListNotes", json!({ "contactId": gid }), json!({}), None))
                }
                Err(_) => self.notes_saved(now),
            },
            Phase::NotesGhl => match self.reply::<ghl::NotesResponse>("ghlListNotes", &answer) {
                Ok(list) => {
                    // A note already there (an earlier create whose answer was lost, or a record
                    // that was trimmed) is recorded, not copied again.
                    let job = self.notes.as_mut().expect("notes job");
                    let mut left = VecDeque::new();
                    for (fs_id, body) in std::mem::take(&mut job.todo) {
                        match list.notes.iter().find(|g| g.body.as_deref().map(str::trim) == Some(body.as_str()) && job.link.note_by_ghl(&g.id).is_none()) {
                            Some(g) => job.link.record_note(Some(fs_id), g.id.clone()),
                            None => left.push_back((fs_id, body)),
                        }
                    }
                    job.todo = left;
                    self.note_create(now)
                }
                Err(_) => self.notes_saved(now),
            },
            Phase::NoteCreate => match self.reply::<ghl::NoteResponse>("ghlCreateNote", &answer) {
                Ok(r) => {
                    let job = self.notes.as_mut().expect("notes job");
                    let (fs_id, _) = job.todo.pop_front().expect("a note was being created");
                    job.link.record_note(Some(fs_id), r.note.id);
                    job.created += 1;
                    self.note_create(now)
                }
                Err(e) => {
                    let job = self.notes.as_mut().expect("notes job");
                    let message = e.user_message_for(Api::Ghl);
                    job.link.log(LogEntry { at: now, dir: Direction::ToGhl, action: "note".into(), fields: vec![], ok: false, message: Some(message) });
                    self.notes_saved(now)
                }
            },
            Phase::Flush if self.finishing => self.finish(now),
            Phase::Flush => self.after_job(now),
        }
    }

    /// The notes of the next contact in the roster, or the end of the run.
    fn notes_next(&mut self, now: i64) -> Step {
        let n = self.roster.ids.len();
        let fits = self.used + 3 <= RUN_REQUESTS && Index::room(&self.index.requests, now, 3) && Index::room(&self.index.db, now, 3);
        if n == 0 || self.notes_visited >= n || !fits {
            self.flush.push_back(Op::DbSet { key: NOTES_KEY.into(), value: serde_json::to_value(&self.roster).expect("serializes") });
            return self.finish(now);
        }
        self.roster.cursor %= n;
        let id = self.roster.ids[self.roster.cursor].clone();
        self.roster.cursor = (self.roster.cursor + 1) % n;
        self.notes_visited += 1;
        let _ = self.index.db.try_acquire(now);
        self.phase = Phase::NotesLink;
        Step::Op(Op::DbGet { key: LinkRecord::key(&id) })
    }

    /// A notes request, or the end of the notes pass when the budget is spent.
    fn note_request(&mut self, now: i64, phase: Phase, op: Op) -> Step {
        if self.used >= RUN_REQUESTS || self.index.requests.try_acquire(now).is_err() {
            self.notes_visited = usize::MAX;
            return self.notes_saved(now);
        }
        self.used += 1;
        self.phase = phase;
        Step::Op(op)
    }

    fn note_create(&mut self, now: i64) -> Step {
        let job = self.notes.as_ref().expect("notes job");
        let Some((_, body)) = job.todo.front() else { return self.notes_saved(now) };
        let gid = job.link.ghl_id.clone().expect("linked");
        let body = serde_json::to_string(&ghl::CreateNote { body: body.clone(), ..Default::default() }).expect("serializes");
        self.note_request(now, Phase::NoteCreate, invoke("ghlCreateNote", json!({ "contactId": gid }), json!({}), Some(body)))
    }

    /// Saves the contact's record if its notes changed, then goes on.
    fn notes_saved(&mut self, now: i64) -> Step {
        if let Some(mut job) = self.notes.take() {
            if job.created > 0 {
                job.link.log(LogEntry { at: now, dir: Direction::ToGhl, action: "note".into(), fields: vec![], ok: true, message: Some(format!("{} note(s) copied", job.created)) });
                self.outcome.done.push(format!("notes {} copied {}", job.link.fs_id, job.created));
            }
            if let Ok(v) = job.link.to_stored() {
                let _ = self.index.db.try_acquire(now);
                self.flush.push_back(Op::DbSet { key: LinkRecord::key(&job.link.fs_id), value: v });
            }
        }
        self.notes_next(now)
    }

    /// The next contact of the catch-up scan, the next page, or the end of the walk.
    fn scan_next(&mut self, now: i64) -> Step {
        if self.scan_done || !self.room(now) {
            return self.finish(now);
        }
        if let Some(c) = self.scanned.pop_front() {
            let scan = &mut self.index.scan;
            let contact: freshsales::Contact = serde_json::from_value(c.clone()).unwrap_or_default();
            if changed_at(&contact).zip(scan.since).is_some_and(|(at, since)| at < since) {
                scan.complete();
                self.scan_done = true;
                self.scanned.clear();
                return self.finish(now);
            }
            scan.offset += 1;
            if self.scanned.is_empty() {
                scan.page = scan.page.max(1) + 1;
                scan.offset = 0;
            }
            let entry = Entry { fs_id: contact.id.to_string(), contact: true, data: Some(c), ..Default::default() };
            return self.begin_job(entry, false, now);
        }
        let Some(view) = self.index.scan.view else {
            return self.request(now, Phase::ScanView, invoke("fsListContactFilters", json!({}), json!({}), None));
        };
        let page = self.index.scan.page.max(1);
        let q = json!({ "page": page.to_string(), "per_page": SCAN_PAGE.to_string() });
        self.request(now, Phase::ScanPage, invoke("fsListContacts", json!({ "view_id": view.to_string() }), q, None))
    }

    fn done_with(&mut self, line: String) -> Step {
        self.outcome.done.push(line);
        Step::Done(self.outcome.clone())
    }

    /// A store op, counted against the store budget.
    fn db(&mut self, now: i64, op: Op) -> Step {
        let _ = self.index.db.try_acquire(now);
        self.phase = match &op {
            Op::DbGet { key } if key == INDEX_KEY => Phase::LoadIndex,
            Op::DbGet { key } if key.starts_with("ghq:") => {
                if self.mode == Mode::Event {
                    Phase::MergeEntry
                } else {
                    Phase::LoadEntry
                }
            }
            Op::DbGet { .. } => Phase::LoadLink,
            _ => Phase::Flush,
        };
        Step::Op(op)
    }

    /// A request, counted against both budgets; `Err` with the wait when it does not fit.
    fn request(&mut self, now: i64, phase: Phase, op: Op) -> Step {
        if let Err(wait) = self.index.requests.try_acquire(now) {
            return self.defer(now, Some(wait), "The app is waiting for its request allowance.".into());
        }
        self.used += 1;
        self.phase = phase;
        Step::Op(op)
    }

    fn reply<T: serde::de::DeserializeOwned>(&mut self, name: &str, answer: &Answer) -> Result<T, ApiError> {
        let e = by_name(name).expect("catalog has it");
        error::decode(e, &raw(answer))
    }

    fn install(&mut self, answer: &Answer, ghl_step: bool) -> Step {
        let (api, name) = if ghl_step { (Api::Ghl, "ghlSearchContacts") } else { (Api::Freshsales, "fsListContactFilters") };
        if let Err(e) = error::classify(by_name(name).expect("catalog"), &raw(answer)) {
            self.outcome.ok = false;
            self.outcome.message = Some(install_message(api, &e).into());
            return Step::Done(self.outcome.clone());
        }
        if ghl_step {
            self.phase = Phase::CheckFs;
            return Step::Op(invoke("fsListContactFilters", json!({}), json!({}), None));
        }
        self.done_with("credentials checked".into())
    }

    fn room(&self, now: i64) -> bool {
        self.used + JOB_REQUESTS <= RUN_REQUESTS
            && Index::room(&self.index.requests, now, JOB_REQUESTS)
            && Index::room(&self.index.db, now, JOB_DB_OPS)
    }

    fn after_index(&mut self, now: i64) -> Step {
        if self.mode == Mode::Scheduled {
            return self.next_queued(now);
        }
        let incoming = self.incoming.clone().expect("event entry");
        if self.index.pending.contains(&incoming.fs_id) {
            return self.db(now, Op::DbGet { key: entry_key(&incoming.fs_id) });
        }
        self.incoming = None;
        if self.room(now) {
            return self.begin_job(incoming, false, now);
        }
        self.enqueue(incoming);
        self.finish(now)
    }

    fn enqueue(&mut self, e: Entry) {
        if self.index.add(&e.fs_id) {
            self.outcome.done.push(format!("queued {}", e.fs_id));
        } else {
            self.outcome.ok = false;
            self.outcome.done.push(format!("queue full: {}", e.fs_id));
        }
        self.flush.push_back(Op::DbSet { key: entry_key(&e.fs_id), value: serde_json::to_value(&e).expect("serializes") });
    }

    fn next_queued(&mut self, now: i64) -> Step {
        let n = self.index.pending.len();
        if n == 0 || self.visited >= n {
            return self.scan_next(now);
        }
        if !self.room(now) {
            return self.finish(now);
        }
        self.index.cursor %= n;
        let id = self.index.pending[self.index.cursor].clone();
        self.index.cursor = (self.index.cursor + 1) % n;
        self.visited += 1;
        self.db(now, Op::DbGet { key: entry_key(&id) })
    }

    fn begin_job(&mut self, entry: Entry, queued: bool, now: i64) -> Step {
        let key = LinkRecord::key(&entry.fs_id);
        self.job = Some(Job { entry, queued, ..Default::default() });
        self.db(now, Op::DbGet { key })
    }

    fn after_link(&mut self, now: i64) -> Step {
        let job = self.job.as_mut().expect("job");
        match resolve::start(job.link.as_ref()) {
            Start::Unlinked => {
                let line = format!("unlinked by a user: {} left alone", job.entry.fs_id);
                self.job_done(now, line)
            }
            Start::Linked(_) if !job.entry.contact => self.task(now),
            _ => {
                if let Some(data) = job.entry.data.clone() {
                    job.fs = serde_json::from_value(data).ok();
                }
                if job.fs.is_some() {
                    return self.contact_known(now);
                }
                let id = job.entry.fs_id.clone();
                self.request(now, Phase::ReadFs, invoke("fsGetContact", json!({ "id": id }), json!({}), None))
            }
        }
    }

    fn contact_known(&mut self, now: i64) -> Step {
        let cfg = self.settings.mapping.clone();
        let job = self.job.as_mut().expect("job");
        let fs = job.fs.clone().expect("contact read");
        job.fs_snap = mapping::snapshot_freshsales(&fs, &cfg).0;
        job.lookups = resolve::lookups(&fs, &cfg.default_country);
        match resolve::start(job.link.as_ref()) {
            Start::Linked(id) => {
                let base = Snapshot::from_synced(&job.link.as_ref().expect("linked").synced);
                if is_echo(&job.fs_snap, &base) {
                    self.outcome.done.push(format!("echo {}: no request", job.entry.fs_id));
                    return self.task(now);
                }
                self.request(now, Phase::GetGhl(id.clone()), invoke("ghlGetContact", json!({ "contactId": id }), json!({}), None))
            }
            _ => self.lookup(now),
        }
    }

    fn compare(&mut self, contact: ghl::Contact, id: String, now: i64) -> Step {
        let policy = self.settings.policy;
        let cfg = self.settings.mapping.clone();
        let job = self.job.as_mut().expect("job");
        job.ghl_now = mapping::snapshot_ghl(&contact, &cfg);
        let base = Snapshot::from_synced(&job.link.as_ref().expect("linked").synced);
        let fs = job.fs.as_ref().expect("contact");
        let times = Times::parse(fs.updated_at.as_deref(), contact.date_updated.as_deref());
        job.sent = conflict(policy, &job.fs_snap, &job.ghl_now, &base, times);
        if job.sent.is_empty() {
            let synced = agreed(&job.fs_snap, &job.ghl_now).to_synced();
            job.link.as_mut().expect("linked").synced = synced;
            self.outcome.done.push(format!("nothing to send for {}", job.entry.fs_id));
            return self.task(now);
        }
        let body = serde_json::to_string(&mapping::update_body(&job.sent, &cfg)).expect("serializes");
        self.request(now, Phase::Update(id.clone()), invoke("ghlUpdateContact", json!({ "contactId": id }), json!({}), Some(body)))
    }

    /// The linked GHL contact is gone (deleted or merged): find it again or recreate it.
    fn relink(&mut self, now: i64) -> Step {
        let job = self.job.as_mut().expect("job");
        job.relink = true;
        job.li = 0;
        job.matched = None;
        if job.fs.is_none() {
            let id = job.entry.fs_id.clone();
            return self.request(now, Phase::ReadFs, invoke("fsGetContact", json!({ "id": id }), json!({}), None));
        }
        self.lookup(now)
    }

    fn lookup(&mut self, now: i64) -> Step {
        let job = self.job.as_ref().expect("job");
        if job.matched.is_none() && job.li < job.lookups.len() {
            let (k, v) = job.lookups[job.li].query();
            let q = json!({ k: v });
            return self.request(now, Phase::Lookup, invoke("ghlFindDuplicate", json!({}), q, None));
        }
        if job.lookups.is_empty() {
            return self.give_up(now, "This contact has no email or phone to match in HighLevel.".into());
        }
        let body = serde_json::to_string(&mapping::upsert_body(&job.fs_snap, &self.settings.mapping, &self.settings.location_id)).expect("serializes");
        self.request(now, Phase::Upsert, invoke("ghlUpsertContact", json!({}), json!({}), Some(body)))
    }

    fn linked_by_upsert(&mut self, r: ghl::UpsertResponse, now: i64) -> Step {
        let job = self.job.as_mut().expect("job");
        let fs = job.fs.clone().expect("contact");
        let mut warning = None;
        if let Some(m) = &job.matched {
            let theirs = m.display_name().to_lowercase();
            let ours = fs.full_name().to_lowercase();
            if m.id != r.contact.id || (!theirs.is_empty() && !ours.is_empty() && theirs != ours && !theirs.contains('@')) {
                warning = Some(format!("Linked to an existing HighLevel contact named \u{201c}{}\u{201d}; check it is the same person.", m.display_name()));
            }
        }
        let link = job.link.get_or_insert_with(|| LinkRecord::new(job.entry.fs_id.clone()));
        if !link.link(&r.contact.id, LinkedBy::Sync, now) {
            return self.job_done(now, "unlinked by a user".into());
        }
        link.synced = job.fs_snap.to_synced();
        link.synced_at = Some(now);
        let action = match (job.relink, r.new) {
            (true, true) => "recreate",
            (true, false) => "relink",
            (false, true) => "create",
            (false, false) => "link",
        };
        let fields = job.fs_snap.fields().map(|f| f.key()).collect();
        link.log(LogEntry { at: now, dir: Direction::ToGhl, action: action.into(), fields, ok: true, message: warning });
        job.entry.uncertain = false;
        self.outcome.done.push(format!("{action} {} -> {}", job.entry.fs_id, r.contact.id));
        self.task(now)
    }

    fn task(&mut self, now: i64) -> Step {
        let job = self.job.as_ref().expect("job");
        let Some(raw_task) = job.entry.tasks.get(job.task_i) else {
            let line = format!("synced {}", job.entry.fs_id);
            return self.job_done(now, line);
        };
        let Some(gid) = job.link.as_ref().and_then(|l| l.ghl_id.clone()) else {
            return self.job_done(now, "no link for the task".into());
        };
        let t = task_of(raw_task);
        let existing = job.link.as_ref().and_then(|l| l.task_by_fs(&t.id.to_string())).map(|p| p.ghl.clone()).or_else(|| job.found_task.clone());
        let due = t.due_date.as_deref().and_then(Instant::parse).unwrap_or(Instant(now + 86_400_000)).to_rfc3339();
        match existing {
            Some(task_id) => {
                let body = ghl::UpdateTask { title: Some(t.title.clone()), body: Some(t.body.clone()), due_date: Some(due), completed: Some(t.done), assigned_to: None };
                let body = serde_json::to_string(&body).expect("serializes");
                self.request(now, Phase::TaskWrite { create: false }, invoke("ghlUpdateTask", json!({ "contactId": gid, "taskId": task_id }), json!({}), Some(body)))
            }
            None if job.entry.uncertain && job.found_task.is_none() && self.phase != Phase::ListTasks => {
                self.request(now, Phase::ListTasks, invoke("ghlListTasks", json!({ "contactId": gid }), json!({}), None))
            }
            None => {
                let body = ghl::CreateTask { title: t.title, body: Some(t.body).filter(|b| !b.is_empty()), due_date: due, completed: t.done, assigned_to: None };
                let body = serde_json::to_string(&body).expect("serializes");
                self.request(now, Phase::TaskWrite { create: true }, invoke("ghlCreateTask", json!({ "contactId": gid }), json!({}), Some(body)))
            }
        }
    }

    fn save_link(&mut self) {
        let job = self.job.as_ref().expect("job");
        if let Some(link) = &job.link {
            if let Ok(v) = link.to_stored() {
                self.flush.push_back(Op::DbSet { key: LinkRecord::key(&link.fs_id), value: v });
            }
        }
    }

    fn job_done(&mut self, now: i64, line: String) -> Step {
        self.outcome.done.push(line);
        self.save_link();
        let job = self.job.take().expect("job");
        self.index.failed.retain(|f| *f != job.entry.fs_id);
        if self.mode == Mode::Scheduled && job.link.as_ref().is_some_and(|l| l.ghl_id.is_some()) {
            self.roster_add.push(job.entry.fs_id.clone());
        }
        if job.queued {
            self.index.remove(&job.entry.fs_id);
            self.flush.push_back(Op::DbDelete { key: entry_key(&job.entry.fs_id) });
        }
        self.after_job(now)
    }

    fn after_job(&mut self, now: i64) -> Step {
        if self.mode == Mode::Scheduled {
            // Flush this job's writes first, then the next entry or scanned contact.
            if let Some(op) = self.flush.pop_front() {
                return self.db(now, op);
            }
            if !self.scanned.is_empty() {
                return self.scan_next(now);
            }
            return self.next_queued(now);
        }
        self.finish(now)
    }

    fn failed(&mut self, now: i64, api: Api, e: ApiError) -> Step {
        let message = e.user_message_for(api);
        match &e {
            ApiError::RateLimited { by, .. } => {
                let wait = crate::retry::requested_wait_ms(&e);
                if *by == crate::error::Limiter::Platform {
                    self.index.requests.penalize(now, wait.unwrap_or(60_000));
                }
                self.defer(now, wait, message)
            }
            ApiError::UncertainWrite { .. } => {
                self.job.as_mut().expect("job").entry.uncertain = true;
                self.defer(now, None, message)
            }
            ApiError::Transient(_) | ApiError::Platform { .. } => self.defer(now, None, message),
            _ => self.give_up(now, message),
        }
    }

    fn give_up(&mut self, now: i64, message: String) -> Step {
        self.job.as_mut().expect("job").entry.attempts = super::queue::MAX_ATTEMPTS - 1;
        self.defer(now, None, message)
    }

    /// Back to the queue with backoff (or failed for good), logged in the link record.
    fn defer(&mut self, now: i64, wait: Option<u64>, message: String) -> Step {
        let Some(mut job) = self.job.take() else {
            self.outcome.ok = false;
            return self.finish(now);
        };
        let again = job.entry.retry_later(now, wait, self.random, message.clone());
        if let Some(link) = job.link.as_mut() {
            link.log(LogEntry { at: now, dir: Direction::ToGhl, action: "sync".into(), fields: vec![], ok: false, message: Some(message) });
        }
        let id = job.entry.fs_id.clone();
        self.outcome.done.push(format!("{} {id}", if again { "retry later" } else { "failed" }));
        if !again {
            self.index.fail(&id);
        } else if !self.index.add(&id) {
            self.outcome.ok = false;
        }
        self.flush.push_back(Op::DbSet { key: entry_key(&id), value: serde_json::to_value(&job.entry).expect("serializes") });
        self.job = Some(job);
        self.save_link();
        self.job = None;
        self.after_job(now)
    }

    /// Writes what is left, then the index, then ends.
    fn finish(&mut self, now: i64) -> Step {
        if self.mode == Mode::Scheduled && !self.notes_started && !self.finishing && Index::room(&self.index.db, now, 3) {
            // Notes last: contact changes matter more for the same budget.
            self.notes_started = true;
            let _ = self.index.db.try_acquire(now);
            self.phase = Phase::LoadRoster;
            return Step::Op(Op::DbGet { key: NOTES_KEY.into() });
        }
        if !self.finishing {
            self.finishing = true;
            // Count the index write itself in the stored budget.
            let _ = self.index.db.try_acquire(now);
            // The index goes last, after the entries it names.
            let value = serde_json::to_value(&self.index).expect("serializes");
            self.flush.push_back(Op::DbSet { key: INDEX_KEY.into(), value });
        }
        match self.flush.pop_front() {
            Some(op) => self.db(now, op),
            None => Step::Done(self.outcome.clone()),
        }
    }
}

/// A Freshsales task's parts as GHL needs them.
struct TaskParts {
    id: freshsales::FsId,
    title: String,
    body: String,
    due_date: Option<String>,
    done: bool,
}

/// When a contact last changed, ms.
fn changed_at(c: &freshsales::Contact) -> Option<i64> {
    c.updated_at.as_deref().and_then(Instant::parse).map(|i| i.0)
}

fn task_of(v: &Value) -> TaskParts {
    let t: freshsales::Task = serde_json::from_value(v.clone()).unwrap_or_default();
    TaskParts {
        id: t.id,
        title: t.title.clone().filter(|s| !s.trim().is_empty()).unwrap_or_else(|| "Task from Freshsales".into()),
        body: t.description.clone().unwrap_or_default(),
        due_date: t.due_date.clone(),
        done: t.is_completed(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::link::Tombstone;

    fn db(value: Option<Value>) -> Answer {
        match value {
            Some(value) => Answer::Db { ok: true, status: 200, value },
            None => Answer::Db { ok: false, status: 404, value: Value::Null },
        }
    }

    fn reply(status: u16, body: Value) -> Answer {
        Answer::Reply { status, headers: Map::new(), body: body.to_string(), platform: false }
    }

    /// Runs to the end, answering each op with `world`; returns the ops and the outcome.
    fn drive(trigger: Trigger, mut world: impl FnMut(&Op) -> Answer) -> (Vec<Op>, Outcome) {
        let settings = Settings { location_id: "loc1".into(), ..Default::default() };
        let (mut run, mut step) = Run::start(trigger, settings, 1_000_000, 0.5);
        let mut ops = Vec::new();
        for _ in 0..200 {
            match step {
                Step::Op(op) => {
                    let a = world(&op);
                    ops.push(op);
                    let text = serde_json::to_string(&run).unwrap(); // the edge holds it as JSON
                    run = serde_json::from_str(&text).unwrap();
                    step = run.step(a, 1_000_000, 0.5);
                }
                Step::Done(o) => return (ops, o),
            }
        }
        panic!("the run did not end");
    }

    fn event(contact: Value) -> Trigger {
        Trigger::Event { payload: json!({ "event": "onContactCreate", "data": { "contact": contact } }) }
    }

    fn contact() -> Value {
        json!({ "id": 7, "first_name": "Ada", "last_name": "L", "email": "ada@x.io", "mobile_number": null, "work_number": null, "city": "Oslo" })
    }

    fn names(ops: &[Op]) -> Vec<String> {
        ops.iter()
            .map(|o| match o {
                Op::Invoke { name, .. } => name.clone(),
                Op::DbGet { key } => format!("get {key}"),
                Op::DbSet { key, .. } => format!("set {key}"),
                Op::DbDelete { key } => format!("delete {key}"),
            })
            .collect()
    }

    #[test]
    fn first_link_looks_up_then_upserts_and_stores_the_link() {
        let (ops, out) = drive(event(contact()), |op| match op {
            Op::DbGet { .. } => db(None),
            Op::Invoke { name, .. } if name == "ghlFindDuplicate" => reply(200, json!({ "contact": null })),
            Op::Invoke { name, .. } if name == "ghlUpsertContact" => reply(201, json!({ "new": true, "contact": { "id": "g1" } })),
            _ => db(Some(json!({}))),
        });
        assert!(out.ok);
        assert_eq!(names(&ops), ["get ghq:index", "get ghlink:7", "ghlFindDuplicate", "ghlUpsertContact", "set ghlink:7", "set ghq:index"]);
        let Op::DbSet { value, .. } = &ops[4] else { unreachable!() };
        let link = LinkRecord::from_value(value.clone()).unwrap();
        assert_eq!((link.ghl_id.as_deref(), link.synced.get("city").map(String::as_str)), (Some("g1"), Some("Oslo")));
        assert_eq!(link.log.last().unwrap().action, "create");
    }

    fn linked(synced: &[(&str, &str)]) -> Value {
        let mut l = LinkRecord::new("7");
        l.link("g1", LinkedBy::Sync, 1);
        l.mark_synced(synced.iter().copied(), 1);
        l.to_stored().unwrap()
    }

    #[test]
    fn an_echo_costs_no_request_and_a_tombstone_stops_everything() {
        let base = [("first_name", "Ada"), ("last_name", "L"), ("email", "ada@x.io"), ("city", "Oslo")];
        let (ops, out) = drive(event(contact()), |op| match op {
            Op::DbGet { key } if key.starts_with("ghlink") => db(Some(linked(&base))),
            Op::DbGet { .. } => db(None),
            _ => db(Some(json!({}))),
        });
        assert!(out.ok && out.done.iter().any(|d| d.starts_with("echo")));
        assert!(!ops.iter().any(|o| matches!(o, Op::Invoke { .. })));
        let mut l = LinkRecord::new("7");
        l.unlinked = Some(Tombstone { ghl_id: Some("g1".into()), at: 1 });
        let stored = l.to_stored().unwrap();
        let (ops, _) = drive(event(contact()), |op| match op {
            Op::DbGet { key } if key.starts_with("ghlink") => db(Some(stored.clone())),
            _ => db(None),
        });
        assert!(!ops.iter().any(|o| matches!(o, Op::Invoke { .. })));
    }

    #[test]
    fn a_change_sends_only_winning_fields_and_a_failed_upsert_is_queued_as_uncertain() {
        let base = [("first_name", "Ada"), ("last_name", "L"), ("email", "ada@x.io"), ("city", "Bergen")];
        let mut bodies = Vec::new();
        let (_, out) = drive(event(contact()), |op| match op {
            Op::DbGet { key } if key.starts_with("ghlink") => db(Some(linked(&base))),
            Op::DbGet { .. } => db(None),
            Op::Invoke { name, body, .. } if name == "ghlUpdateContact" => {
                bodies.push(body.clone().unwrap());
                reply(200, json!({ "succeded": true }))
            }
            Op::Invoke { .. } => reply(200, json!({ "contact": { "id": "g1", "firstName": "Ada", "lastName": "L", "email": "ada@x.io", "city": "Bergen" } })),
            _ => db(Some(json!({}))),
        });
        assert!(out.ok);
        assert_eq!(serde_json::from_str::<Value>(&bodies[0]).unwrap(), json!({ "city": "Oslo" }));

        let mut sets = Vec::new();
        let (_, out) = drive(event(contact()), |op| match op {
            Op::DbGet { .. } => db(None),
            Op::Invoke { name, .. } if name == "ghlFindDuplicate" => reply(200, json!({})),
            Op::Invoke { .. } => reply(500, json!({ "message": "boom" })),
            Op::DbSet { key, value } => {
                sets.push((key.clone(), value.clone()));
                db(Some(json!({})))
            }
            Op::DbDelete { .. } => db(Some(json!({}))),
        });
        assert!(out.done.iter().any(|d| d == "retry later 7"));
        let entry: Entry = serde_json::from_value(sets.iter().find(|(k, _)| k == "ghq:7").unwrap().1.clone()).unwrap();
        assert!(entry.uncertain && entry.next_at > 1_000_000 && entry.attempts == 1);
        let index: Index = serde_json::from_value(sets.iter().find(|(k, _)| k == INDEX_KEY).unwrap().1.clone()).unwrap();
        assert_eq!(index.pending, vec!["7"]);
    }

    #[test]
    fn install_names_the_credential_that_failed() {
        let (_, out) = drive(Trigger::Install, |op| match op {
            Op::Invoke { name, .. } if name == "ghlSearchContacts" => reply(200, json!({ "contacts": [] })),
            _ => reply(401, json!({ "errors": { "code": 401, "message": "Incorrect or expired API key" } })),
        });
        assert!(!out.ok);
        let m = out.message.unwrap();
        assert!(m.contains("Freshsales") && m.len() <= 60, "{m}");
    }

    #[test]
    fn notes_are_copied_once_with_the_author_and_matched_before_creating() {
        let mut link = LinkRecord::new("7");
        link.link("g1", LinkedBy::Sync, 1);
        link.record_note(Some("101".into()), "gn-old");
        let stored = link.to_stored().unwrap();
        let mut created = Vec::new();
        let (ops, out) = drive(Trigger::Scheduled, |op| match op {
            Op::DbGet { key } if key == NOTES_KEY => db(Some(json!({ "ids": ["7"] }))),
            Op::DbGet { key } if key.starts_with("ghlink") => db(Some(stored.clone())),
            Op::DbGet { .. } => db(None),
            Op::Invoke { name, .. } if name == "fsListContactFilters" => reply(200, json!({ "filters": [] })),
            Op::Invoke { name, .. } if name == "fsListContactNotes" => reply(200, json!({
                "notes": [
                    { "id": 101, "description": "already copied", "creater_id": 5 },
                    { "id": 102, "description": "copied, answer lost", "creater_id": 5 },
                    { "id": 103, "description": "new one", "creater_id": 5 },
                ],
                "users": [{ "id": 5, "display_name": "Dana" }],
            })),
            Op::Invoke { name, .. } if name == "ghlListNotes" => reply(200, json!({ "notes": [{ "id": "gn-lost", "body": "Dana: copied, answer lost" }] })),
            Op::Invoke { name, body, .. } if name == "ghlCreateNote" => {
                created.push(serde_json::from_str::<Value>(body.as_deref().unwrap()).unwrap()["body"].clone());
                reply(201, json!({ "note": { "id": "gn-new" } }))
            }
            _ => db(Some(json!({}))),
        });
        assert!(out.ok);
        assert_eq!(created, vec![json!("Dana: new one")]);
        let saved = ops.iter().find_map(|o| match o {
            Op::DbSet { key, value } if key == "ghlink:7" => Some(LinkRecord::from_value(value.clone()).unwrap()),
            _ => None,
        });
        let saved = saved.unwrap();
        assert_eq!(saved.note_by_fs("102").unwrap().ghl, "gn-lost");
        assert_eq!(saved.note_by_fs("103").unwrap().ghl, "gn-new");
        assert_eq!(names(&ops).last().unwrap(), "set ghq:index");
    }
}
