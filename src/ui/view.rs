//! What the sidebar shows, as plain data the wasm edge turns into DOM. Every state has
//! something readable: a skeleton while loading, a plain-language message with a way forward
//! when something failed, never an empty panel.

use crate::catalog::Api;
use crate::datetime::{Instant, Zone};
use crate::error::ApiError;
use crate::link::{Direction, LinkRecord, LogEntry};
use crate::mapping::Field;
use crate::timeline::{self, Timeline};

use super::actions::{self, FormId, Hit};
use super::{Load, Phase, Section, State};

/// A button the view offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Load the contact again.
    Retry,
    /// Look the contact up again after its GHL record went away.
    Relink,
}

/// How serious a message is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tone {
    /// Neutral information.
    Info,
    /// Something to fix.
    Warning,
    /// A failure.
    Error,
}

/// A whole-panel message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    /// Tone.
    pub tone: Tone,
    /// Heading.
    pub title: String,
    /// Sentences.
    pub text: String,
    /// Buttons.
    pub actions: Vec<Action>,
    /// Push or link by hand, for a contact that is not linked.
    pub link: Option<Box<LinkOffer>>,
}

/// The GHL contact's header card.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Card {
    /// Display name.
    pub name: String,
    /// Email.
    pub email: Option<String>,
    /// Phone.
    pub phone: Option<String>,
    /// Company.
    pub company: Option<String>,
    /// Tags.
    pub tags: Vec<String>,
    /// "Updated 3 Dec 2026, 14:05", in the viewer's zone.
    pub updated: Option<String>,
    /// The contact in the GHL web app.
    pub open_url: Option<String>,
}

/// A form as the panel shows it: its values (typed, or the defaults), whether a write is in
/// flight (controls disabled) and its inline message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormView {
    /// Which form.
    pub id: FormId,
    /// A write is in flight.
    pub busy: bool,
    /// The inline message.
    pub error: Option<String>,
    /// Field values by name.
    pub values: Vec<(String, String)>,
}

impl FormView {
    /// A field's value (empty when none).
    pub fn value(&self, field: &str) -> &str {
        self.values.iter().find(|(k, _)| k == field).map_or("", |(_, v)| v.as_str())
    }
}

fn form(state: &State, id: FormId, defaults: &[(&str, String)]) -> FormView {
    let a = &state.actions;
    let values = defaults.iter().map(|(k, d)| (k.to_string(), a.draft(&id, k).map_or_else(|| d.clone(), str::to_string))).collect();
    FormView { busy: a.busy.contains(&id), error: a.errors.get(&id).cloned(), values, id }
}

/// What an unlinked contact offers: push it, or find and pick a GHL contact.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkOffer {
    /// "Push to HighLevel".
    pub push: FormView,
    /// The search.
    pub search: FormView,
    /// Its results (`None` before a search).
    pub hits: Option<Vec<Hit>>,
}

/// The linked contact's forms.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Forms {
    /// Add a task.
    pub new_task: FormView,
    /// Add a note.
    pub new_note: FormView,
    /// Add (and remove) tags.
    pub tag: FormView,
    /// Push the Freshsales contact's details.
    pub push: FormView,
    /// The open edit form of a task or note.
    pub editing: Option<FormView>,
    /// Item controls with a write in flight (`task:ID`, `note:ID`).
    pub busy_items: Vec<String>,
}

impl Default for Forms {
    /// Every form empty and idle, nothing being edited.
    fn default() -> Self {
        let f = |id| FormView { id, busy: false, error: None, values: Vec::new() };
        Forms { new_task: f(FormId::NewTask), new_note: f(FormId::NewNote), tag: f(FormId::Tag), push: f(FormId::Push), editing: None, busy_items: Vec::new() }
    }
}

/// A section that failed while the others did not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SectionError {
    /// Which section.
    pub section: Section,
    /// Plain-language message.
    pub message: String,
}

/// The linked contact's view.
#[derive(Debug, Clone, PartialEq)]
pub struct Linked {
    /// The card, or `None` while it loads.
    pub card: Option<Card>,
    /// The card failed (message).
    pub card_error: Option<String>,
    /// The merged timeline of what has arrived.
    pub timeline: Timeline,
    /// Sections still loading.
    pub loading: Vec<Section>,
    /// Sections that failed.
    pub errors: Vec<SectionError>,
    /// The forms.
    pub forms: Forms,
    /// The contact's recent sync log, newest first.
    pub activity: Vec<Activity>,
    /// Why sections are still loading when their calls wait for the request budget.
    pub waiting: Option<String>,
}

/// One sync log entry as the panel shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Activity {
    /// When, in the viewer's zone ("3 Dec 2026, 14:05").
    pub when: String,
    /// What was done, in words ("Updated in HighLevel").
    pub what: String,
    /// The fields it touched, by label ("First name", "Email").
    pub fields: Vec<String>,
    /// Whether it succeeded.
    pub ok: bool,
    /// The plain-language message the sync left, if any.
    pub message: Option<String>,
}

fn activity_of(e: &LogEntry, zone: &dyn Zone) -> Activity {
    let what = match (e.dir, e.action.as_str()) {
        (_, "link") => "Linked to a HighLevel contact",
        (_, "unlink") => "Unlinked by hand",
        (_, "relink") => "Linked again after the HighLevel contact went away",
        (_, "recreate") => "Created again in HighLevel after it went away",
        (Direction::ToFreshsales, "update") => "Updated in Freshsales",
        (_, "update") => "Updated in HighLevel",
        (_, "create") => "Created in HighLevel",
        (_, "task") => "Task copied to HighLevel",
        (_, "note") => "Notes copied to HighLevel",
        _ => "Synced with HighLevel",
    };
    let fields = e.fields.iter().map(|k| Field::parse_key(k).map_or_else(|| k.clone(), |f| f.label().into_owned())).collect();
    Activity { when: format_local(Instant(e.at), zone), what: what.into(), fields, ok: e.ok, message: e.message.clone() }
}

/// The link record's sync log as the panel lists it: newest first.
pub fn activity(link: Option<&LinkRecord>, zone: &dyn Zone) -> Vec<Activity> {
    link.map(|l| l.log.iter().rev().map(|e| activity_of(e, zone)).collect()).unwrap_or_default()
}

/// "…resumes in about N s" when calls wait for the 50-a-minute request budget.
fn waiting(state: &State, now: Instant) -> Option<String> {
    state.queued_for_ms(now.0).map(|ms| {
        format!("Waiting for the CRM's request limit (50 a minute for this app, shared by all users). Loading resumes in about {} s.", ms.div_ceil(1000))
    })
}

/// The whole panel.
#[derive(Debug, Clone, PartialEq)]
pub enum View {
    /// Nothing known yet: a skeleton.
    Loading {
        /// What is happening, in words ("Looking up ada@example.com in HighLevel…").
        status: String,
    },
    /// A message instead of data.
    Notice(Notice),
    /// The linked contact.
    Linked(Box<Linked>),
}

fn notice(tone: Tone, title: &str, text: impl Into<String>, actions: Vec<Action>) -> View {
    View::Notice(Notice { tone, title: title.into(), text: text.into(), actions, link: None })
}

fn failure(e: &ApiError, api: Api) -> View {
    let retry = e.is_transient() || matches!(e, ApiError::Decode { .. } | ApiError::Platform { .. });
    let actions = if retry { vec![Action::Retry] } else { vec![] };
    let title = match (api, e) {
        (_, ApiError::Unauthorized { .. }) => "The connection needs attention",
        (Api::Freshsales, _) => "This contact could not be read",
        (Api::Ghl, _) => "HighLevel could not be searched",
    };
    notice(Tone::Error, title, e.user_message_for(api), actions)
}

/// Formats an instant as "3 Dec 2026, 14:05" in `zone`.
pub fn format_local(at: Instant, zone: &dyn Zone) -> String {
    const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    let l = at.to_local(zone.offset_minutes(at));
    let min = l.ms_of_day / 60_000;
    format!("{} {} {}, {:02}:{:02}", l.date.day, MONTHS[usize::from(l.date.month - 1)], l.date.year, min / 60, min % 60)
}

fn nonblank(s: &Option<String>) -> Option<String> {
    s.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_string)
}

fn card(state: &State, c: &crate::ghl::Contact, zone: &dyn Zone) -> Card {
    let config = state.config.clone().unwrap_or_default();
    let base = config.app_base_url.trim().trim_end_matches('/');
    let open_url = (base.starts_with("https://") && !c.id.is_empty())
        .then(|| format!("{base}/v2/location/{}/contacts/detail/{}", crate::catalog::percent_encode(&config.location_id), crate::catalog::percent_encode(&c.id)));
    Card {
        name: Some(c.display_name()).filter(|n| !n.is_empty()).unwrap_or_else(|| "Unnamed contact".into()),
        email: nonblank(&c.email),
        phone: nonblank(&c.phone),
        company: nonblank(&c.company_name),
        tags: c.tags.iter().map(|t| t.trim().to_string()).filter(|t| !t.is_empty()).collect(),
        updated: c.date_updated.as_deref().and_then(Instant::parse).map(|t| format!("Updated {}", format_local(t, zone))),
        open_url,
    }
}

fn offer(state: &State, mut v: View) -> View {
    if let View::Notice(n) = &mut v {
        n.link = Some(Box::new(LinkOffer {
            push: form(state, FormId::Push, &[]),
            search: form(state, FormId::Search, &[("q", String::new())]),
            hits: state.actions.hits.clone(),
        }));
    }
    v
}

fn forms(state: &State, zone: &dyn Zone, now: Instant) -> Forms {
    let a = &state.actions;
    let editing = a.editing.as_ref().and_then(|id| match id {
        FormId::EditTask(t) => state.tasks.ready()?.iter().find(|x| x.id == *t).map(|t| {
            let due = t.due_date.as_deref().and_then(Instant::parse).map(|d| actions::utc_to_local_input(d, zone)).unwrap_or_default();
            form(state, id.clone(), &[("title", t.title.clone().unwrap_or_default()), ("body", t.body.clone().unwrap_or_default()), ("due", due)])
        }),
        FormId::EditNote(n) => state.notes.ready()?.iter().find(|x| x.id == *n).map(|n| form(state, id.clone(), &[("text", n.body.clone().unwrap_or_default())])),
        _ => None,
    });
    Forms {
        new_task: form(state, FormId::NewTask, &[("title", String::new()), ("body", String::new()), ("due", actions::default_due(now, zone))]),
        new_note: form(state, FormId::NewNote, &[("text", String::new()), ("to_freshsales", "false".into())]),
        tag: form(state, FormId::Tag, &[("tag", String::new())]),
        push: form(state, FormId::Push, &[]),
        editing,
        busy_items: a.busy.iter().filter(|f| matches!(f, FormId::Task(_) | FormId::Note(_))).map(FormId::key).collect(),
    }
}

fn loading_status(status: String, state: &State, now: Instant) -> View {
    let status = match waiting(state, now) {
        Some(w) => format!("{status} {w}"),
        None => status,
    };
    View::Loading { status }
}

/// The view of `state` for a viewer in `zone` at `now`.
pub fn view(state: &State, zone: &dyn Zone, now: Instant) -> View {
    if state.config.as_ref().is_some_and(|c| c.location_id.trim().is_empty()) {
        return notice(Tone::Warning, "HighLevel is not set up", "An admin must enter the HighLevel location in the app settings.", vec![]);
    }
    match &state.phase {
        Phase::Idle | Phase::LoadingLink => loading_status("Loading HighLevel contact…".into(), state, now),
        Phase::LoadingFsContact => loading_status("Reading the contact…".into(), state, now),
        Phase::Searching(l) => {
            let (_, v) = l.query();
            loading_status(format!("Looking up {v} in HighLevel…"), state, now)
        }
        Phase::Failed(e, api) => failure(e, *api),
        Phase::NotFound { unlinked: true, .. } => offer(state, notice(
            Tone::Info,
            "Not linked to HighLevel",
            "This contact was unlinked from HighLevel by hand, so it is not matched automatically.",
            vec![],
        )),
        Phase::NotFound { email, phone, .. } => {
            let tried: Vec<String> = [email.as_ref().map(|e| format!("email {e}")), phone.as_ref().map(|p| format!("phone {p}"))]
                .into_iter()
                .flatten()
                .collect();
            let text = if tried.is_empty() {
                "This contact has no email or phone to look up in HighLevel.".to_string()
            } else {
                format!("No HighLevel contact matches {}.", tried.join(" or "))
            };
            offer(state, notice(Tone::Info, "No match in HighLevel", text, vec![Action::Retry]))
        }
        Phase::Gone(_) => offer(state, notice(
            Tone::Warning,
            "The HighLevel contact is gone",
            "The linked HighLevel contact no longer exists. It may have been deleted or merged into another contact.",
            vec![Action::Relink],
        )),
        Phase::Linked(_) => {
            // A refused token or location fails every section alike: say it once.
            if let Load::Failed(e @ ApiError::Unauthorized { .. }) = &state.contact {
                return notice(Tone::Error, "HighLevel needs attention", e.user_message(), vec![]);
            }
            let mut loading = Vec::new();
            let mut errors = Vec::new();
            let mut check = |s: Section, l: (bool, Option<&ApiError>)| match l {
                (true, _) => loading.push(s),
                (_, Some(e)) => errors.push(SectionError { section: s, message: e.user_message().to_string() }),
                _ => {}
            };
            fn st<T>(l: &Load<T>) -> (bool, Option<&ApiError>) {
                match l {
                    Load::Loading => (true, None),
                    Load::Failed(e) => (false, Some(e)),
                    Load::Ready(_) => (false, None),
                }
            }
            check(Section::Contact, st(&state.contact));
            check(Section::Tasks, st(&state.tasks));
            check(Section::Notes, st(&state.notes));
            check(Section::Appointments, st(&state.appointments));
            let empty = Vec::new();
            let timeline = timeline::build(
                state.tasks.ready().unwrap_or(&empty),
                state.notes.ready().unwrap_or(&Vec::new()),
                state.appointments.ready().unwrap_or(&Vec::new()),
                zone,
                now,
            );
            let card_error = match &state.contact {
                Load::Failed(e) => Some(e.user_message().to_string()),
                _ => None,
            };
            errors.retain(|e| e.section != Section::Contact);
            let forms = forms(state, zone, now);
            let waiting = if loading.is_empty() { None } else { waiting(state, now) };
            View::Linked(Box::new(Linked { card: state.contact.ready().map(|c| card(state, c, zone)), card_error, timeline, loading, errors, forms, activity: activity(state.link.as_ref(), zone), waiting }))
        }
    }
}
