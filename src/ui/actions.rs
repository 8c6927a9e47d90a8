//! The sidebar's writes: tasks, notes, tags, pushing the contact, linking by hand.
//!
//! Every write follows one pattern: validate inline (no request for bad input), mark its form
//! busy (a second submit while it is in flight sends nothing), apply the change to the state at
//! once, send one request, and on failure put the old value back, keep what the user typed and
//! say what happened in plain words ([`Effect::Notify`]). Nothing is retried automatically.
//! A create whose outcome is unknown ([`ApiError::UncertainWrite`]) is looked up (tasks or
//! notes listed, the contact's duplicate search) before the form offers a retry; if even the
//! lookup fails, the next submit of that form looks again before it creates anything.

use std::collections::{HashMap, HashSet};

use crate::datetime::{Instant, LocalDateTime, Zone};
use crate::error::{self, ApiError, RawReply};
use crate::freshsales::{self, FsId, NoteCreate};
use crate::ghl::{self, TaskEdit, UpdateTask};
use crate::link::{LinkRecord, LinkedBy};
use crate::mapping::{self, MappingConfig, Snapshot};

use super::{Effect, Env, Load, Phase, Purpose, Section, State};
use crate::catalog::Endpoint;

/// A form (or a per-item control) of the panel. One write at a time per form.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FormId {
    /// "Add a task".
    NewTask,
    /// Editing a task.
    EditTask(String),
    /// A task's own buttons (complete, reopen, delete).
    Task(String),
    /// "Add a note".
    NewNote,
    /// Editing a note.
    EditNote(String),
    /// A note's own buttons (delete).
    Note(String),
    /// "Add a tag" and the tags' remove buttons.
    Tag,
    /// "Push to HighLevel".
    Push,
    /// The manual-link search.
    Search,
    /// "Unlink".
    Unlink,
}

impl FormId {
    /// Its name in the DOM (`data-form`): `new-task`, `edit-task:ID`, …
    pub fn key(&self) -> String {
        match self {
            FormId::NewTask => "new-task".into(),
            FormId::EditTask(id) => format!("edit-task:{id}"),
            FormId::Task(id) => format!("task:{id}"),
            FormId::NewNote => "new-note".into(),
            FormId::EditNote(id) => format!("edit-note:{id}"),
            FormId::Note(id) => format!("note:{id}"),
            FormId::Tag => "tag".into(),
            FormId::Push => "push".into(),
            FormId::Search => "search".into(),
            FormId::Unlink => "unlink".into(),
        }
    }

    /// The inverse of [`FormId::key`].
    pub fn parse(key: &str) -> Option<Self> {
        let (kind, id) = key.split_once(':').map_or((key, None), |(k, i)| (k, Some(i.to_string())));
        Some(match (kind, id) {
            ("new-task", None) => FormId::NewTask,
            ("edit-task", Some(i)) => FormId::EditTask(i),
            ("task", Some(i)) => FormId::Task(i),
            ("new-note", None) => FormId::NewNote,
            ("edit-note", Some(i)) => FormId::EditNote(i),
            ("note", Some(i)) => FormId::Note(i),
            ("tag", None) => FormId::Tag,
            ("push", None) => FormId::Push,
            ("search", None) => FormId::Search,
            ("unlink", None) => FormId::Unlink,
            _ => return None,
        })
    }
}

/// A task form's values as submitted: the due time as typed (`YYYY-MM-DDTHH:MM`, the
/// viewer's wall clock) and as RFC 3339 UTC when it could be read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TaskDraft {
    /// Title (required).
    pub title: String,
    /// Description.
    pub body: String,
    /// Due time as typed.
    pub due: String,
    /// Due time in UTC, `None` when `due` is not a date and time.
    pub due_utc: Option<String>,
}

impl TaskDraft {
    /// Reads a task form, converting the due time from the viewer's `zone`.
    pub fn from_input(title: &str, body: &str, due: &str, zone: &dyn Zone) -> Self {
        TaskDraft { title: title.to_string(), body: body.to_string(), due: due.to_string(), due_utc: local_input_to_utc(due, zone) }
    }
}

/// Something the user did.
#[derive(Debug, Clone, PartialEq)]
pub enum Intent {
    /// The Freshsales user's display name arrived (`loggedInUser`).
    User(String),
    /// A field was typed into (kept so a re-render or a failure loses nothing).
    Draft {
        /// The form.
        form: FormId,
        /// The field's name.
        field: String,
        /// Its value.
        value: String,
    },
    /// Opens an edit form.
    Open(FormId),
    /// Closes the open edit form.
    Close,
    /// Submits a new-task or edit-task form.
    SubmitTask {
        /// [`FormId::NewTask`] or [`FormId::EditTask`].
        form: FormId,
        /// Its values.
        draft: TaskDraft,
    },
    /// Marks a task done (or open again).
    SetCompleted {
        /// The task.
        task_id: String,
        /// The new state.
        completed: bool,
    },
    /// Deletes a task (asks first).
    DeleteTask(String),
    /// Submits a new-note or edit-note form.
    SubmitNote {
        /// [`FormId::NewNote`] or [`FormId::EditNote`].
        form: FormId,
        /// The text (plain, newlines kept).
        text: String,
        /// Also add it to the Freshsales contact's notes (new notes only).
        to_freshsales: bool,
    },
    /// Deletes a note (asks first).
    DeleteNote(String),
    /// Adds one tag.
    AddTag(String),
    /// Removes one tag.
    RemoveTag(String),
    /// Sends the Freshsales contact to GHL (upsert when not linked, changed fields when linked).
    Push,
    /// Searches GHL contacts to link by hand.
    Search(String),
    /// Links to a search result.
    Pick(String),
    /// Unlinks (asks first).
    Unlink,
    /// The user confirmed the wrapped intent.
    Confirmed(Box<Intent>),
}

/// How a notification looks (`showNotify` types).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotifyKind {
    /// Done.
    Success,
    /// Done, but look at this.
    Warning,
    /// Failed.
    Danger,
    /// For information.
    Info,
}

impl NotifyKind {
    /// The `showNotify` type.
    pub fn as_str(self) -> &'static str {
        match self {
            NotifyKind::Success => "success",
            NotifyKind::Warning => "warning",
            NotifyKind::Danger => "danger",
            NotifyKind::Info => "info",
        }
    }
}

/// A GHL contact found by the manual-link search.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hit {
    /// GHL id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Email and phone, as far as known.
    pub detail: String,
}

/// The writes' part of the state.
#[derive(Debug, Clone, Default)]
pub struct Actions {
    /// The Freshsales user's name, prefixed to notes.
    pub user_name: String,
    /// Typed values by form and field.
    pub drafts: HashMap<FormId, HashMap<String, String>>,
    /// Forms with a write in flight.
    pub busy: HashSet<FormId>,
    /// Inline messages by form.
    pub errors: HashMap<FormId, String>,
    /// Forms whose last create could not be confirmed either way: look up before creating,
    /// with the ids of the records known before that create.
    pub unverified: HashMap<FormId, HashSet<String>>,
    /// The open edit form.
    pub editing: Option<FormId>,
    /// Manual-link search results (`None` before a search).
    pub hits: Option<Vec<Hit>>,
    temp: u64,
}

impl Actions {
    /// Forgets everything but the user's name (another contact, or an unlink).
    pub fn reset(&mut self) {
        *self = Actions { user_name: std::mem::take(&mut self.user_name), temp: self.temp, ..Default::default() };
    }

    /// The contact is loaded again while writes are in flight: their answers will be dropped,
    /// so a create among them is looked up before that form creates anything again.
    pub fn interrupted(&mut self) {
        let creates = self.busy.drain().filter(|f| matches!(f, FormId::NewTask | FormId::NewNote));
        self.unverified.extend(creates.map(|f| (f, HashSet::new())));
    }

    /// A typed value (empty when none).
    pub fn draft(&self, form: &FormId, field: &str) -> Option<&str> {
        self.drafts.get(form).and_then(|d| d.get(field)).map(String::as_str)
    }
}

/// A write waiting for its answer.
#[derive(Debug, Clone)]
pub(super) enum Op {
    CreateTask { form: FormId, temp: String, draft: TaskDraft, known: HashSet<String> },
    VerifyTask { form: FormId, draft: TaskDraft, known: HashSet<String>, cause: Option<ApiError> },
    UpdateTask { form: FormId, old: ghl::Task },
    DeleteTask { old: ghl::Task, index: usize },
    CreateNote { form: FormId, temp: String, body: String, to_fs: bool, known: HashSet<String> },
    VerifyNote { form: FormId, body: String, to_fs: bool, known: HashSet<String>, cause: Option<ApiError> },
    UpdateNote { form: FormId, old: ghl::Note },
    DeleteNote { old: ghl::Note, index: usize },
    FsNote { ghl_id: String },
    AddTag { tag: String },
    RemoveTag { tag: String, index: usize },
    PushRead,
    Upsert { sent: Snapshot },
    VerifyUpsert { sent: Snapshot, cause: ApiError },
    UpdateContact { synced: Snapshot },
    Search,
}

/// Parses a `datetime-local` value (`YYYY-MM-DDTHH:MM[:SS]`) in `zone` as RFC 3339 UTC.
pub fn local_input_to_utc(s: &str, zone: &dyn Zone) -> Option<String> {
    let l = LocalDateTime::parse(s)?;
    Some(l.to_instant(zone.offset_for_local(l)).to_rfc3339())
}

/// An instant as a `datetime-local` value in `zone`: `2026-12-04T09:00`.
pub fn utc_to_local_input(at: Instant, zone: &dyn Zone) -> String {
    let l = at.to_local(zone.offset_minutes(at));
    let min = l.ms_of_day / 60_000;
    format!("{}T{:02}:{:02}", l.date, min / 60, min % 60)
}

/// The default due time: the next business day (Monday to Friday) at 09:00 in `zone`.
pub fn default_due(now: Instant, zone: &dyn Zone) -> String {
    let mut day = now.to_local(zone.offset_minutes(now)).date.add_days(1);
    while day.weekday() >= 5 {
        day = day.add_days(1);
    }
    format!("{day}T09:00")
}

/// A note's body as sent: prefixed with the Freshsales user's name (GHL cannot show who
/// wrote it), newlines kept.
pub fn note_body(user: &str, text: &str) -> String {
    let text = text.trim_end();
    match user.trim() {
        "" => text.to_string(),
        name => format!("{name} (Freshsales):\n{text}"),
    }
}

/// The platform cuts `showNotify` messages at this many characters.
pub const NOTIFY_MAX_CHARS: usize = 100;

/// A message that fits [`NOTIFY_MAX_CHARS`]: whole sentences from the start while they fit
/// (the inline message keeps the full text), else the start cut with an ellipsis.
pub fn fit_notice(msg: &str) -> String {
    if msg.chars().count() <= NOTIFY_MAX_CHARS {
        return msg.to_string();
    }
    let mut out = String::new();
    for sentence in msg.split_inclusive(". ") {
        if out.chars().count() + sentence.trim_end().chars().count() > NOTIFY_MAX_CHARS {
            break;
        }
        out.push_str(sentence);
    }
    match out.trim_end() {
        "" => msg.chars().take(NOTIFY_MAX_CHARS - 1).chain(['…']).collect(),
        fitted => fitted.to_string(),
    }
}

/// Tag input trimmed, inner whitespace collapsed; `None` when empty.
pub fn clean_tag(s: &str) -> Option<String> {
    let t = s.split_whitespace().collect::<Vec<_>>().join(" ");
    (!t.is_empty()).then_some(t)
}

fn same_instant(a: Option<&str>, b: Option<&str>) -> bool {
    match (a.and_then(Instant::parse), b.and_then(Instant::parse)) {
        (Some(x), Some(y)) => x == y,
        _ => false,
    }
}

fn ids<T>(l: &Load<Vec<T>>, id: impl Fn(&T) -> &str) -> HashSet<String> {
    l.ready().map(|v| v.iter().map(|t| id(t).to_string()).collect()).unwrap_or_default()
}

fn body_of<T: serde::Serialize>(t: &T) -> Option<String> {
    Some(serde_json::to_string(t).expect("write bodies serialize"))
}

/// What the user sees when a write fails for `e` (an uncertain write by its cause).
fn failed(e: &ApiError) -> &'static str {
    match e {
        ApiError::UncertainWrite { cause } => cause.user_message(),
        e => e.user_message(),
    }
}

impl State {
    fn ghl_id(&self) -> Option<String> {
        match &self.phase {
            Phase::Linked(id) => Some(id.clone()),
            _ => None,
        }
    }

    fn notify(fx: &mut Vec<Effect>, kind: NotifyKind, message: impl Into<String>) {
        fx.push(Effect::Notify { kind, message: fit_notice(&message.into()) });
    }

    fn save_link(&self, fx: &mut Vec<Effect>) {
        if let Some(Ok(value)) = self.link.as_ref().map(LinkRecord::to_stored) {
            fx.push(Effect::DbSet { key: LinkRecord::key(&self.link.as_ref().expect("checked").fs_id), value });
        }
    }

    fn temp_id(&mut self) -> String {
        self.actions.temp += 1;
        format!("pending-{}", self.actions.temp)
    }

    /// Starts a write for `form` (false when one is already in flight).
    fn claim(&mut self, form: &FormId) -> bool {
        self.actions.errors.remove(form);
        self.actions.busy.insert(form.clone())
    }

    fn fail_form(&mut self, form: &FormId, message: &str, fx: &mut Vec<Effect>) {
        self.actions.busy.remove(form);
        self.actions.errors.insert(form.clone(), message.to_string());
        Self::notify(fx, NotifyKind::Danger, message);
    }

    fn done_form(&mut self, form: &FormId) {
        self.actions.busy.remove(form);
        self.actions.errors.remove(form);
        self.actions.drafts.remove(form);
        self.actions.unverified.remove(form);
        if self.actions.editing.as_ref() == Some(form) {
            self.actions.editing = None;
        }
    }

    fn write(&mut self, op: Op, template: &'static str, ctx: Vec<(&str, String)>, body: Option<String>, env: Env, fx: &mut Vec<Effect>) {
        let ctx = ctx.into_iter().map(|(k, v)| (k.to_string(), v)).collect();
        self.invalidate_cache(fx);
        self.request(Purpose::Write(Box::new(op)), template, ctx, vec![], body, env, fx);
    }

    /// Handles a user intent.
    pub(super) fn act(&mut self, intent: Intent, env: Env, fx: &mut Vec<Effect>) {
        let confirm = |fx: &mut Vec<Effect>, message: &str, label: &str, then: Intent| {
            fx.push(Effect::Confirm { message: message.into(), save_label: label.into(), then });
        };
        match intent {
            Intent::User(name) => self.actions.user_name = name,
            Intent::Draft { form, field, value } => {
                self.actions.drafts.entry(form).or_default().insert(field, value);
            }
            Intent::Open(form) => self.actions.editing = Some(form),
            Intent::Close => {
                // Cancelled: what was typed into the edit form goes with it.
                if let Some(f) = self.actions.editing.take() {
                    self.actions.drafts.remove(&f);
                    self.actions.errors.remove(&f);
                }
            }
            Intent::SubmitTask { form, draft } => self.submit_task(form, draft, env, fx),
            Intent::SetCompleted { task_id, completed } => self.set_completed(&task_id, completed, env, fx),
            Intent::DeleteTask(id) => confirm(fx, "Delete this task in HighLevel?", "Delete", Intent::DeleteTask(id)),
            Intent::SubmitNote { form, text, to_freshsales } => self.submit_note(form, text, to_freshsales, env, fx),
            Intent::DeleteNote(id) => confirm(fx, "Delete this note in HighLevel?", "Delete", Intent::DeleteNote(id)),
            Intent::AddTag(t) => self.add_tag(&t, env, fx),
            Intent::RemoveTag(t) => self.remove_tag(&t, env, fx),
            Intent::Push => self.push(env, fx),
            Intent::Search(q) => self.search(&q, env, fx),
            Intent::Pick(id) => self.pick(&id, env, fx),
            Intent::Unlink => confirm(fx, "Unlink this contact from HighLevel? Nothing is deleted.", "Unlink", Intent::Unlink),
            Intent::Confirmed(i) => match *i {
                Intent::DeleteTask(id) => self.delete_task(&id, env, fx),
                Intent::DeleteNote(id) => self.delete_note(&id, env, fx),
                Intent::Unlink => self.unlink(env, fx),
                _ => {}
            },
        }
    }

    // ---- tasks ----------------------------------------------------------------------------

    fn submit_task(&mut self, form: FormId, draft: TaskDraft, env: Env, fx: &mut Vec<Effect>) {
        let (Some(contact), Load::Ready(_)) = (self.ghl_id(), &self.tasks) else {
            return;
        };
        for (k, v) in [("title", &draft.title), ("body", &draft.body), ("due", &draft.due)] {
            self.actions.drafts.entry(form.clone()).or_default().insert(k.into(), v.clone());
        }
        if self.actions.busy.contains(&form) {
            return;
        }
        let problem = if draft.title.trim().is_empty() {
            Some("Enter a title for the task.")
        } else if draft.due_utc.is_none() {
            Some("Choose a due date and time.")
        } else {
            None
        };
        if let Some(p) = problem {
            self.actions.errors.insert(form, p.into());
            return;
        }
        self.claim(&form);
        let due = draft.due_utc.clone().unwrap_or_default();
        match &form {
            FormId::EditTask(id) => {
                let Some(old) = self.tasks.ready().and_then(|t| t.iter().find(|t| t.id == *id)).cloned() else {
                    return self.fail_form(&form, "This task is no longer in the list.", fx);
                };
                let edit = TaskEdit { title: Some(draft.title.trim().into()), body: Some(draft.body.clone()), due_date: Some(due), completed: None };
                let body = UpdateTask::whole(&old, edit);
                self.replace_task(id, |t| {
                    t.title = body.title.clone();
                    t.body = body.body.clone();
                    t.due_date = body.due_date.clone();
                });
                let ctx = vec![("contactId", contact), ("taskId", id.clone())];
                self.write(Op::UpdateTask { form: form.clone(), old }, "ghlUpdateTask", ctx, body_of(&body), env, fx);
            }
            _ => {
                let known = ids(&self.tasks, |t: &ghl::Task| &t.id);
                if let Some(known) = self.actions.unverified.get(&form).cloned() {
                    // The last create's outcome is unknown: look before creating again.
                    let ctx = vec![("contactId", contact)];
                    self.write(Op::VerifyTask { form: form.clone(), draft, known, cause: None }, "ghlListTasks", ctx, None, env, fx);
                    return;
                }
                self.create_task(form, draft, known, env, fx);
            }
        }
    }

    fn create_task(&mut self, form: FormId, draft: TaskDraft, known: HashSet<String>, env: Env, fx: &mut Vec<Effect>) {
        let Some(contact) = self.ghl_id() else { return };
        let body = ghl::CreateTask {
            title: draft.title.trim().into(),
            body: Some(draft.body.clone()).filter(|b| !b.trim().is_empty()),
            due_date: draft.due_utc.clone().unwrap_or_default(),
            completed: false,
            assigned_to: None,
        };
        let temp = self.temp_id();
        if let Load::Ready(tasks) = &mut self.tasks {
            tasks.push(ghl::Task {
                id: temp.clone(),
                title: Some(body.title.clone()),
                body: body.body.clone(),
                due_date: Some(body.due_date.clone()),
                ..Default::default()
            });
        }
        self.write(Op::CreateTask { form, temp, draft, known }, "ghlCreateTask", vec![("contactId", contact)], body_of(&body), env, fx);
    }

    fn replace_task(&mut self, id: &str, f: impl FnOnce(&mut ghl::Task)) {
        if let Some(t) = self.tasks_mut().and_then(|v| v.iter_mut().find(|t| t.id == id)) {
            f(t);
        }
    }

    fn tasks_mut(&mut self) -> Option<&mut Vec<ghl::Task>> {
        match &mut self.tasks {
            Load::Ready(t) => Some(t),
            _ => None,
        }
    }

    fn notes_mut(&mut self) -> Option<&mut Vec<ghl::Note>> {
        match &mut self.notes {
            Load::Ready(n) => Some(n),
            _ => None,
        }
    }

    fn set_completed(&mut self, task_id: &str, completed: bool, env: Env, fx: &mut Vec<Effect>) {
        let form = FormId::Task(task_id.into());
        let Some(contact) = self.ghl_id() else { return };
        let Some(old) = self.tasks.ready().and_then(|t| t.iter().find(|t| t.id == task_id)).cloned() else {
            return;
        };
        if !self.claim(&form) {
            return;
        }
        self.replace_task(task_id, |t| t.completed = completed);
        let ctx = vec![("contactId", contact), ("taskId", task_id.to_string())];
        self.write(Op::UpdateTask { form, old }, "ghlCompleteTask", ctx, body_of(&ghl::TaskCompleted { completed }), env, fx);
    }

    fn delete_task(&mut self, task_id: &str, env: Env, fx: &mut Vec<Effect>) {
        let Some(contact) = self.ghl_id() else { return };
        let Some(index) = self.tasks.ready().and_then(|t| t.iter().position(|t| t.id == task_id)) else {
            return;
        };
        if !self.claim(&FormId::Task(task_id.into())) {
            return;
        }
        let old = self.tasks_mut().expect("ready").remove(index);
        let ctx = vec![("contactId", contact), ("taskId", task_id.to_string())];
        self.write(Op::DeleteTask { old, index }, "ghlDeleteTask", ctx, None, env, fx);
    }

    // ---- notes ----------------------------------------------------------------------------

    fn submit_note(&mut self, form: FormId, text: String, to_fs: bool, env: Env, fx: &mut Vec<Effect>) {
        let (Some(contact), Load::Ready(_)) = (self.ghl_id(), &self.notes) else {
            return;
        };
        self.actions.drafts.entry(form.clone()).or_default().insert("text".into(), text.clone());
        if self.actions.busy.contains(&form) {
            return;
        }
        if text.trim().is_empty() {
            self.actions.errors.insert(form, "Write something in the note first.".into());
            return;
        }
        self.claim(&form);
        match &form {
            FormId::EditNote(id) => {
                let Some(old) = self.notes.ready().and_then(|n| n.iter().find(|n| n.id == *id)).cloned() else {
                    return self.fail_form(&form, "This note is no longer in the list.", fx);
                };
                let body = text.trim_end().to_string();
                if let Some(n) = self.notes_mut().and_then(|v| v.iter_mut().find(|n| n.id == *id)) {
                    n.body = Some(body.clone());
                }
                let ctx = vec![("contactId", contact), ("id", id.clone())];
                let update = ghl::UpdateNote { body: Some(body), ..Default::default() };
                self.write(Op::UpdateNote { form: form.clone(), old }, "ghlUpdateNote", ctx, body_of(&update), env, fx);
            }
            _ => {
                let body = note_body(&self.actions.user_name, &text);
                let known = ids(&self.notes, |n: &ghl::Note| &n.id);
                if let Some(known) = self.actions.unverified.get(&form).cloned() {
                    let op = Op::VerifyNote { form: form.clone(), body, to_fs, known, cause: None };
                    self.write(op, "ghlListNotes", vec![("contactId", contact)], None, env, fx);
                    return;
                }
                self.create_note(form, body, to_fs, known, env, fx);
            }
        }
    }

    fn create_note(&mut self, form: FormId, body: String, to_fs: bool, known: HashSet<String>, env: Env, fx: &mut Vec<Effect>) {
        let Some(contact) = self.ghl_id() else { return };
        let temp = self.temp_id();
        let at = Instant(env.now).to_rfc3339();
        if let Some(notes) = self.notes_mut() {
            notes.push(ghl::Note { id: temp.clone(), body: Some(body.clone()), date_added: Some(at), ..Default::default() });
        }
        let req = ghl::CreateNote { body: body.clone(), ..Default::default() };
        self.write(Op::CreateNote { form, temp, body, to_fs, known }, "ghlCreateNote", vec![("contactId", contact)], body_of(&req), env, fx);
    }

    fn delete_note(&mut self, note_id: &str, env: Env, fx: &mut Vec<Effect>) {
        let Some(contact) = self.ghl_id() else { return };
        let Some(index) = self.notes.ready().and_then(|n| n.iter().position(|n| n.id == note_id)) else {
            return;
        };
        if !self.claim(&FormId::Note(note_id.into())) {
            return;
        }
        let old = self.notes_mut().expect("ready").remove(index);
        let ctx = vec![("contactId", contact), ("id", note_id.to_string())];
        self.write(Op::DeleteNote { old, index }, "ghlDeleteNote", ctx, None, env, fx);
    }

    /// Copies a new GHL note to the Freshsales contact (after the GHL note exists).
    fn copy_note_to_freshsales(&mut self, ghl_id: String, body: &str, env: Env, fx: &mut Vec<Effect>) {
        let Some(fs) = self.fs_id.as_deref().and_then(|s| s.parse::<u64>().ok()) else {
            return;
        };
        let req = NoteCreate::on_contact(FsId(fs), body);
        self.write(Op::FsNote { ghl_id }, "fsCreateNote", vec![], body_of(&req), env, fx);
    }

    // ---- tags -----------------------------------------------------------------------------

    fn tags_mut(&mut self) -> Option<&mut Vec<String>> {
        match &mut self.contact {
            Load::Ready(c) => Some(&mut c.tags),
            _ => None,
        }
    }

    fn add_tag(&mut self, raw: &str, env: Env, fx: &mut Vec<Effect>) {
        let form = FormId::Tag;
        self.actions.drafts.entry(form.clone()).or_default().insert("tag".into(), raw.into());
        let (Some(contact), Load::Ready(c)) = (self.ghl_id(), &self.contact) else {
            return;
        };
        if self.actions.busy.contains(&form) {
            return;
        }
        let Some(tag) = clean_tag(raw) else {
            self.actions.errors.insert(form, "Enter a tag.".into());
            return;
        };
        if c.tags.iter().any(|t| t.trim().eq_ignore_ascii_case(&tag)) {
            self.actions.errors.insert(form, format!("This contact already has the tag \u{201c}{tag}\u{201d}."));
            return;
        }
        self.claim(&form);
        self.tags_mut().expect("ready").push(tag.clone());
        let body = ghl::Tags { tags: vec![tag.clone()] };
        self.write(Op::AddTag { tag }, "ghlAddTags", vec![("contactId", contact)], body_of(&body), env, fx);
    }

    fn remove_tag(&mut self, tag: &str, env: Env, fx: &mut Vec<Effect>) {
        let Some(contact) = self.ghl_id() else { return };
        let Some(index) = self.contact.ready().and_then(|c| c.tags.iter().position(|t| t == tag)) else {
            return;
        };
        if !self.claim(&FormId::Tag) {
            return;
        }
        let tag = self.tags_mut().expect("ready").remove(index);
        let body = ghl::Tags { tags: vec![tag.clone()] };
        self.write(Op::RemoveTag { tag, index }, "ghlRemoveTags", vec![("contactId", contact)], body_of(&body), env, fx);
    }

    // ---- push, search, link ---------------------------------------------------------------

    fn mapping(&self) -> MappingConfig {
        MappingConfig { default_country: self.config.as_ref().map(|c| c.default_country.clone()).unwrap_or_default(), ..Default::default() }
    }

    fn push(&mut self, env: Env, fx: &mut Vec<Effect>) {
        if !self.claim(&FormId::Push) {
            return;
        }
        match self.fs_contact.clone() {
            Some(c) => self.push_contact(&c, env, fx),
            None => self.write(Op::PushRead, "fsGetContact", vec![("id", self.fs_id.clone().unwrap_or_default())], None, env, fx),
        }
    }

    fn push_contact(&mut self, fs: &freshsales::Contact, env: Env, fx: &mut Vec<Effect>) {
        let cfg = self.mapping();
        let (snap, _warnings) = mapping::snapshot_freshsales(fs, &cfg);
        match (self.ghl_id(), &self.contact) {
            (Some(id), Load::Ready(c)) => {
                let ghl = mapping::snapshot_ghl(c, &cfg);
                let changes = mapping::push_changes(&snap, &ghl);
                let mut synced = Snapshot(snap.0.iter().filter(|(f, v)| ghl.get(f) == Some(v.as_str())).map(|(f, v)| (f.clone(), v.clone())).collect());
                synced.0.extend(changes.0.clone());
                if changes.is_empty() {
                    self.actions.busy.remove(&FormId::Push);
                    return Self::notify(fx, NotifyKind::Info, "HighLevel already has this contact's details.");
                }
                let body = mapping::update_body(&changes, &cfg);
                self.write(Op::UpdateContact { synced }, "ghlUpdateContact", vec![("contactId", id)], body_of(&body), env, fx);
            }
            (Some(_), _) => self.fail_form(&FormId::Push, "Wait until the HighLevel contact has loaded.", fx),
            (None, _) => {
                let location = self.config.as_ref().map(|c| c.location_id.clone()).unwrap_or_default();
                let body = mapping::upsert_body(&snap, &cfg, &location);
                self.write(Op::Upsert { sent: snap }, "ghlUpsertContact", vec![], body_of(&body), env, fx);
            }
        }
    }

    /// Links to `id` after a push or a pick and loads its sections.
    fn link_to(&mut self, id: &str, by: LinkedBy, contact: Option<ghl::Contact>, env: Env, fx: &mut Vec<Effect>) {
        if let Some(link) = &mut self.link {
            // A user's own action lifts a manual-unlink tombstone.
            if !link.link(id, by, env.now) {
                link.link(id, LinkedBy::Manual, env.now);
            }
        }
        self.save_link(fx);
        self.actions.hits = None;
        self.reset_sections();
        match contact {
            Some(c) => {
                self.contact = Load::Ready(c);
                self.fetch_sections(id, &[Section::Tasks, Section::Notes, Section::Appointments], env, fx);
            }
            None => self.fetch_sections(id, &Section::ALL, env, fx),
        }
    }

    fn search(&mut self, q: &str, env: Env, fx: &mut Vec<Effect>) {
        self.actions.drafts.entry(FormId::Search).or_default().insert("q".into(), q.into());
        if self.actions.busy.contains(&FormId::Search) {
            return;
        }
        if q.trim().is_empty() {
            self.actions.errors.insert(FormId::Search, "Enter a name, email or phone to search for.".into());
            return;
        }
        self.claim(&FormId::Search);
        let location = self.config.as_ref().map(|c| c.location_id.clone()).unwrap_or_default();
        let body = ghl::SearchContacts::text(&location, q, 10);
        self.write(Op::Search, "ghlSearchContacts", vec![], body_of(&body), env, fx);
    }

    fn pick(&mut self, id: &str, env: Env, fx: &mut Vec<Effect>) {
        if self.ghl_id().is_some() || !self.actions.hits.as_ref().is_some_and(|h| h.iter().any(|h| h.id == id)) {
            return;
        }
        self.actions.drafts.remove(&FormId::Search);
        self.link_to(id, LinkedBy::Manual, None, env, fx);
        Self::notify(fx, NotifyKind::Success, "Linked to the HighLevel contact.");
    }

    fn unlink(&mut self, env: Env, fx: &mut Vec<Effect>) {
        if self.ghl_id().is_none() {
            return;
        }
        if let Some(link) = &mut self.link {
            link.unlink(env.now);
        }
        self.save_link(fx);
        self.reset_sections();
        self.actions.reset();
        self.phase = Phase::NotFound { email: None, phone: None, unlinked: true };
        Self::notify(fx, NotifyKind::Success, "Unlinked. This contact will not be matched automatically again.");
    }

    // ---- answers --------------------------------------------------------------------------

    /// Handles the answer to a write (or to a write's lookup).
    pub(super) fn on_write(&mut self, op: Op, ep: &Endpoint, reply: &RawReply, env: Env, fx: &mut Vec<Effect>) {
        match op {
            Op::CreateTask { form, temp, draft, known } => match error::decode::<ghl::TaskResponse>(ep, reply) {
                Ok(r) => {
                    self.replace_task(&temp, |t| *t = r.task);
                    self.done_form(&form);
                    Self::notify(fx, NotifyKind::Success, "Task added in HighLevel.");
                }
                Err(e) => {
                    if let Some(v) = self.tasks_mut() {
                        v.retain(|t| t.id != temp);
                    }
                    if let ApiError::UncertainWrite { .. } = e {
                        let ctx = vec![("contactId", self.ghl_id().unwrap_or_default())];
                        self.write(Op::VerifyTask { form, draft, known, cause: Some(e) }, "ghlListTasks", ctx, None, env, fx);
                    } else {
                        self.fail_form(&form, failed(&e), fx);
                    }
                }
            },
            Op::VerifyTask { form, draft, known, cause } => match error::decode::<ghl::TasksResponse>(ep, reply) {
                Ok(r) => {
                    let title = draft.title.trim();
                    let found = r.tasks.iter().find(|t| {
                        !known.contains(&t.id)
                            && t.title.as_deref().map(str::trim) == Some(title)
                            && same_instant(t.due_date.as_deref(), draft.due_utc.as_deref())
                    });
                    match (found, cause) {
                        (Some(_), _) => {
                            self.tasks = Load::Ready(r.tasks.clone());
                            self.done_form(&form);
                            Self::notify(fx, NotifyKind::Success, "Task added in HighLevel.");
                        }
                        // Looked up before a retry: nothing there, so create it now.
                        (None, None) => {
                            self.actions.unverified.remove(&form);
                            self.tasks = Load::Ready(r.tasks);
                            let now_known = ids(&self.tasks, |t: &ghl::Task| &t.id);
                            self.create_task(form, draft, now_known, env, fx);
                        }
                        (None, Some(e)) => {
                            self.actions.unverified.remove(&form);
                            self.fail_form(&form, &format!("The task was not saved. {}", failed(&e)), fx);
                        }
                    }
                }
                Err(_) => self.unconfirmed(&form, known, "task", fx),
            },
            Op::UpdateTask { form, old } => match error::decode::<ghl::TaskResponse>(ep, reply) {
                Ok(r) => {
                    let id = old.id.clone();
                    let completed = r.task.completed;
                    self.replace_task(&id, |t| {
                        // Keep the copy we hold when the answer is thin (ids only).
                        if r.task.title.is_some() {
                            *t = r.task;
                        } else {
                            t.completed = completed;
                        }
                    });
                    let msg = if matches!(form, FormId::Task(_)) { "Task updated in HighLevel." } else { "Task saved in HighLevel." };
                    self.done_form(&form);
                    Self::notify(fx, NotifyKind::Success, msg);
                }
                Err(e) => {
                    let id = old.id.clone();
                    self.replace_task(&id, |t| *t = old);
                    self.fail_form(&form, failed(&e), fx);
                }
            },
            Op::DeleteTask { old, index } => {
                let form = FormId::Task(old.id.clone());
                match error::classify(ep, reply) {
                    Ok(()) | Err(ApiError::NotFound) => {
                        if let Some(l) = self.link.as_mut() {
                            l.forget_task(&old.id);
                        }
                        self.done_form(&form);
                        Self::notify(fx, NotifyKind::Success, "Task deleted in HighLevel.");
                    }
                    Err(e) => {
                        if let Some(v) = self.tasks_mut() {
                            v.insert(index.min(v.len()), old);
                        }
                        self.fail_form(&form, failed(&e), fx);
                    }
                }
            }
            Op::CreateNote { form, temp, body, to_fs, known } => match error::decode::<ghl::NoteResponse>(ep, reply) {
                Ok(r) => self.note_created(&form, Some(&temp), r.note, &body, to_fs, env, fx),
                Err(e) => {
                    if let Some(v) = self.notes_mut() {
                        v.retain(|n| n.id != temp);
                    }
                    if let ApiError::UncertainWrite { .. } = e {
                        let ctx = vec![("contactId", self.ghl_id().unwrap_or_default())];
                        self.write(Op::VerifyNote { form, body, to_fs, known, cause: Some(e) }, "ghlListNotes", ctx, None, env, fx);
                    } else {
                        self.fail_form(&form, failed(&e), fx);
                    }
                }
            },
            Op::VerifyNote { form, body, to_fs, known, cause } => match error::decode::<ghl::NotesResponse>(ep, reply) {
                Ok(r) => {
                    let found = r.notes.iter().find(|n| !known.contains(&n.id) && n.body.as_deref().map(str::trim) == Some(body.trim())).cloned();
                    self.notes = Load::Ready(r.notes);
                    match (found, cause) {
                        (Some(n), _) => self.note_created(&form, None, n, &body, to_fs, env, fx),
                        (None, None) => {
                            self.actions.unverified.remove(&form);
                            let now_known = ids(&self.notes, |n: &ghl::Note| &n.id);
                            self.create_note(form, body, to_fs, now_known, env, fx);
                        }
                        (None, Some(e)) => {
                            self.actions.unverified.remove(&form);
                            self.fail_form(&form, &format!("The note was not saved. {}", failed(&e)), fx);
                        }
                    }
                }
                Err(_) => self.unconfirmed(&form, known, "note", fx),
            },
            Op::UpdateNote { form, old } => match error::decode::<ghl::NoteResponse>(ep, reply) {
                Ok(_) => {
                    self.done_form(&form);
                    Self::notify(fx, NotifyKind::Success, "Note saved in HighLevel.");
                }
                Err(e) => {
                    if let Some(n) = self.notes_mut().and_then(|v| v.iter_mut().find(|n| n.id == old.id)) {
                        *n = old;
                    }
                    self.fail_form(&form, failed(&e), fx);
                }
            },
            Op::DeleteNote { old, index } => {
                let form = FormId::Note(old.id.clone());
                match error::classify(ep, reply) {
                    Ok(()) | Err(ApiError::NotFound) => {
                        if self.link.as_ref().is_some_and(|l| l.note_by_ghl(&old.id).is_some()) {
                            if let Some(l) = self.link.as_mut() {
                                l.forget_note(&old.id);
                            }
                            self.save_link(fx);
                        }
                        self.done_form(&form);
                        Self::notify(fx, NotifyKind::Success, "Note deleted in HighLevel.");
                    }
                    Err(e) => {
                        if let Some(v) = self.notes_mut() {
                            v.insert(index.min(v.len()), old);
                        }
                        self.fail_form(&form, failed(&e), fx);
                    }
                }
            }
            Op::FsNote { ghl_id } => match error::decode::<freshsales::NoteEnvelope>(ep, reply) {
                Ok(r) => {
                    let fs = r.note.id.map(|i| i.0.to_string());
                    if let Some(l) = &mut self.link {
                        l.record_note(fs, ghl_id);
                    }
                    self.save_link(fx);
                }
                Err(_) => Self::notify(fx, NotifyKind::Warning, "The note is in HighLevel, but it could not be added to Freshsales."),
            },
            Op::AddTag { tag } => match error::decode::<ghl::TagsResponse>(ep, reply) {
                Ok(r) => {
                    if !r.tags.is_empty() {
                        if let Some(t) = self.tags_mut() {
                            *t = r.tags;
                        }
                    }
                    self.done_form(&FormId::Tag);
                }
                Err(e) => {
                    if let Some(t) = self.tags_mut() {
                        t.retain(|x| *x != tag);
                    }
                    self.fail_form(&FormId::Tag, failed(&e), fx);
                }
            },
            Op::RemoveTag { tag, index } => match error::classify(ep, reply) {
                Ok(()) => {
                    self.actions.busy.remove(&FormId::Tag);
                    self.actions.errors.remove(&FormId::Tag);
                }
                Err(e) => {
                    if let Some(t) = self.tags_mut() {
                        t.insert(index.min(t.len()), tag);
                    }
                    self.fail_form(&FormId::Tag, failed(&e), fx);
                }
            },
            Op::PushRead => match error::decode::<freshsales::ContactEnvelope>(ep, reply) {
                Ok(r) => {
                    self.fs_contact = Some(r.contact.clone());
                    self.push_contact(&r.contact, env, fx);
                }
                Err(e) => self.fail_form(&FormId::Push, &e.user_message_for(ep.api), fx),
            },
            Op::Upsert { sent } => match error::decode::<ghl::UpsertResponse>(ep, reply) {
                Ok(r) => self.pushed(r.contact, &sent, env, fx),
                Err(ApiError::Duplicate { existing_id: Some(id) }) => self.pushed(ghl::Contact { id, ..Default::default() }, &sent, env, fx),
                Err(e @ ApiError::UncertainWrite { .. }) => {
                    let lookup = [("email", sent.get(&mapping::Field::Email)), ("number", sent.get(&mapping::Field::Phone))]
                        .into_iter()
                        .find_map(|(k, v)| v.map(|v| (k, v.to_string())));
                    match lookup {
                        Some((k, v)) => {
                            let query = crate::catalog::runtime_query(super::endpoint("ghlFindDuplicate"), &[(k, v.as_str())]);
                            self.request(Purpose::Write(Box::new(Op::VerifyUpsert { sent, cause: e })), "ghlFindDuplicate", vec![], query, None, env, fx);
                        }
                        None => self.fail_form(&FormId::Push, failed(&e), fx),
                    }
                }
                Err(e) => self.fail_form(&FormId::Push, failed(&e), fx),
            },
            Op::VerifyUpsert { sent, cause } => match error::decode::<ghl::DuplicateResponse>(ep, reply) {
                Ok(ghl::DuplicateResponse { contact: Some(c), .. }) => self.pushed(c, &sent, env, fx),
                Ok(_) => self.fail_form(&FormId::Push, &format!("The contact was not created in HighLevel. {}", failed(&cause)), fx),
                Err(_) => {
                    self.fail_form(&FormId::Push, "We could not confirm whether HighLevel saved the contact. Reload the contact before trying again.", fx)
                }
            },
            Op::UpdateContact { synced } => match error::decode::<ghl::UpdateContactResponse>(ep, reply) {
                Ok(r) => {
                    if !r.contact.id.is_empty() {
                        self.contact = Load::Ready(r.contact);
                    }
                    if let Some(l) = &mut self.link {
                        l.mark_synced(synced.to_synced(), env.now);
                    }
                    self.save_link(fx);
                    self.done_form(&FormId::Push);
                    Self::notify(fx, NotifyKind::Success, "HighLevel contact updated from Freshsales.");
                }
                Err(e) => self.fail_form(&FormId::Push, failed(&e), fx),
            },
            Op::Search => match error::decode::<ghl::SearchResponse>(ep, reply) {
                Ok(r) => {
                    let hits = r
                        .contacts
                        .iter()
                        .filter(|c| !c.id.is_empty())
                        .map(|c| {
                            let detail =
                                [c.email.clone(), c.phone.clone()].into_iter().flatten().filter(|s| !s.trim().is_empty()).collect::<Vec<_>>().join(" · ");
                            let name = Some(c.display_name()).filter(|n| !n.is_empty()).unwrap_or_else(|| "Unnamed contact".into());
                            Hit { id: c.id.clone(), name, detail }
                        })
                        .collect();
                    self.actions.hits = Some(hits);
                    self.actions.busy.remove(&FormId::Search);
                }
                Err(e) => self.fail_form(&FormId::Search, failed(&e), fx),
            },
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn note_created(&mut self, form: &FormId, temp: Option<&str>, note: ghl::Note, body: &str, to_fs: bool, env: Env, fx: &mut Vec<Effect>) {
        let id = note.id.clone();
        if let (Some(temp), Some(v)) = (temp, self.notes_mut()) {
            if let Some(n) = v.iter_mut().find(|n| n.id == temp) {
                *n = note;
            }
        }
        self.done_form(form);
        Self::notify(fx, NotifyKind::Success, "Note added in HighLevel.");
        if to_fs && !id.is_empty() {
            self.copy_note_to_freshsales(id, body, env, fx);
        }
    }

    fn unconfirmed(&mut self, form: &FormId, known: HashSet<String>, what: &str, fx: &mut Vec<Effect>) {
        self.actions.unverified.insert(form.clone(), known);
        let msg = format!("We could not confirm whether the {what} was saved. Press the button again: it checks before creating anything.");
        self.fail_form(form, &msg, fx);
    }

    fn pushed(&mut self, contact: ghl::Contact, sent: &Snapshot, env: Env, fx: &mut Vec<Effect>) {
        self.done_form(&FormId::Push);
        let cfg = self.mapping();
        let got = mapping::snapshot_ghl(&contact, &cfg);
        let differs = [mapping::Field::Email, mapping::Field::Phone]
            .iter()
            .any(|f| matches!((sent.get(f), got.get(f)), (Some(a), Some(b)) if !a.eq_ignore_ascii_case(b)));
        let id = contact.id.clone();
        let full = (!contact.display_name().is_empty() || contact.email.is_some()).then_some(contact);
        self.link_to(&id, LinkedBy::Push, full, env, fx);
        if let Some(l) = &mut self.link {
            let same = Snapshot(sent.0.iter().filter(|(f, v)| got.get(f) == Some(v.as_str())).map(|(f, v)| (f.clone(), v.clone())).collect());
            l.mark_synced(same.to_synced(), env.now);
        }
        self.save_link(fx);
        if differs {
            Self::notify(fx, NotifyKind::Warning, "HighLevel matched a contact with a different email or phone. Check it is the same person.");
        } else {
            Self::notify(fx, NotifyKind::Success, "Contact sent to HighLevel and linked.");
        }
    }
}

#[cfg(test)]
#[path = "actions_tests.rs"]
mod tests;
