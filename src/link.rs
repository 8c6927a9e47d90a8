//! The link record: one per Freshsales contact, shared by the sidebar and the background
//! sync, stored under [`LinkRecord::key`] in the Freshworks key-value store (`client.db` /
//! `$db`). The core owns its schema; the edges only load and save the JSON.
//!
//! It holds the GHL id, the last-synced field values (the base of the three-way comparison
//! and of loop prevention), the ids of notes and tasks already copied across (so nothing is
//! copied twice), a manual-unlink tombstone (never relinked automatically) and the last
//! [`MAX_LOG`] sync log entries.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// Log entries kept per contact.
pub const MAX_LOG: usize = 20;
/// Note or task id pairs kept per contact (oldest dropped first), so the record stays well
/// under the store's 40 KB per key.
pub const MAX_PAIRS: usize = 200;
/// The store's limit for key plus value, in bytes.
pub const MAX_STORED_BYTES: usize = 40 * 1024;
/// The schema version written by this code.
pub const VERSION: u32 = 1;

/// How a link came about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LinkedBy {
    /// Found by the Freshsales contact's email.
    Email,
    /// Found by its phone.
    Phone,
    /// Picked by a user.
    Manual,
    /// Created or matched by pushing the contact from the sidebar.
    Push,
    /// Created or matched by the background sync.
    Sync,
}

/// Which way a logged change went.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// Freshsales → GHL.
    ToGhl,
    /// GHL → Freshsales.
    ToFreshsales,
    /// Linking and unlinking.
    Link,
}

/// One sync log entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogEntry {
    /// When, ms since the epoch.
    pub at: i64,
    /// Which way.
    pub dir: Direction,
    /// What was done ("update", "create", "note", "task", "link", "unlink", "relink").
    pub action: String,
    /// The fields it touched.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<String>,
    /// Whether it succeeded.
    pub ok: bool,
    /// A plain-language message (never raw API text).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

/// A note or task present on both sides.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdPair {
    /// Its Freshsales id, when it has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fs: Option<String>,
    /// Its GHL id.
    pub ghl: String,
}

/// Left when a user unlinks by hand: the sidebar and the sync never relink automatically.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tombstone {
    /// The GHL contact that was unlinked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ghl_id: Option<String>,
    /// When.
    pub at: i64,
}

/// The link record of one Freshsales contact.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LinkRecord {
    /// Schema version.
    #[serde(rename = "v", default = "version")]
    pub version: u32,
    /// The Freshsales contact id.
    pub fs_id: String,
    /// The linked GHL contact, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ghl_id: Option<String>,
    /// How the link came about.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub linked_by: Option<LinkedBy>,
    /// When it was made.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub linked_at: Option<i64>,
    /// Last-synced values by field key (see `mapping::Field::key`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub synced: BTreeMap<String, String>,
    /// When values were last synced.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub synced_at: Option<i64>,
    /// Notes present on both sides.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<IdPair>,
    /// Tasks present on both sides.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tasks: Vec<IdPair>,
    /// The manual-unlink tombstone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unlinked: Option<Tombstone>,
    /// Newest last, at most [`MAX_LOG`].
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub log: Vec<LogEntry>,
    /// Fields written by a newer version, kept.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

fn version() -> u32 {
    VERSION
}

/// Why a stored record could not be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LinkError {
    /// The stored JSON is not a link record.
    Corrupt(String),
    /// Even trimmed, the record does not fit the store's limit.
    TooLarge(usize),
}

impl std::fmt::Display for LinkError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LinkError::Corrupt(e) => write!(f, "stored link record is unreadable: {e}"),
            LinkError::TooLarge(n) => write!(f, "link record is {n} bytes, over the store's limit"),
        }
    }
}

impl std::error::Error for LinkError {}

impl LinkRecord {
    /// The store key of a Freshsales contact's record (well under the 60-character limit).
    pub fn key(fs_id: &str) -> String {
        format!("ghlink:{fs_id}")
    }

    /// An empty record.
    pub fn new(fs_id: impl Into<String>) -> Self {
        LinkRecord {
            version: VERSION,
            fs_id: fs_id.into(),
            ghl_id: None,
            linked_by: None,
            linked_at: None,
            synced: BTreeMap::new(),
            synced_at: None,
            notes: Vec::new(),
            tasks: Vec::new(),
            unlinked: None,
            log: Vec::new(),
            extra: Map::new(),
        }
    }

    /// Parses a stored record (the store hands back JSON values).
    pub fn from_value(v: Value) -> Result<Self, LinkError> {
        serde_json::from_value(v).map_err(|e| LinkError::Corrupt(e.to_string()))
    }

    /// The record as JSON for the store, trimmed to fit: the oldest id pairs go first, then
    /// the oldest log entries.
    pub fn to_stored(&self) -> Result<Value, LinkError> {
        let mut r = self.clone();
        let key_len = Self::key(&r.fs_id).len();
        loop {
            let v = serde_json::to_value(&r).expect("a link record always serializes");
            let size = key_len + v.to_string().len();
            if size <= MAX_STORED_BYTES {
                return Ok(v);
            }
            if r.notes.len() >= r.tasks.len() && !r.notes.is_empty() {
                r.notes.drain(..r.notes.len().div_ceil(4));
            } else if !r.tasks.is_empty() {
                r.tasks.drain(..r.tasks.len().div_ceil(4));
            } else if r.log.len() > 1 {
                r.log.remove(0);
            } else {
                return Err(LinkError::TooLarge(size));
            }
        }
    }

    /// Whether automatic matching (sidebar or sync) may link this contact: not after a
    /// manual unlink.
    pub fn may_auto_link(&self) -> bool {
        self.unlinked.is_none()
    }

    /// Links to `ghl_id`. A manual link lifts the tombstone; an automatic one is refused
    /// (returns false) while a tombstone stands.
    pub fn link(&mut self, ghl_id: &str, by: LinkedBy, now: i64) -> bool {
        if by != LinkedBy::Manual && !self.may_auto_link() {
            return false;
        }
        if self.ghl_id.as_deref() != Some(ghl_id) {
            // Values synced with another contact mean nothing for this one.
            self.synced.clear();
            self.synced_at = None;
        }
        self.ghl_id = Some(ghl_id.to_string());
        self.linked_by = Some(by);
        self.linked_at = Some(now);
        self.unlinked = None;
        self.log(LogEntry { at: now, dir: Direction::Link, action: "link".into(), fields: vec![], ok: true, message: None });
        true
    }

    /// Unlinks by hand: the stored link goes, a tombstone stays.
    pub fn unlink(&mut self, now: i64) {
        self.unlinked = Some(Tombstone { ghl_id: self.ghl_id.take(), at: now });
        self.linked_by = None;
        self.linked_at = None;
        self.synced.clear();
        self.synced_at = None;
        self.log(LogEntry { at: now, dir: Direction::Link, action: "unlink".into(), fields: vec![], ok: true, message: None });
    }

    /// Records the values just written or read as in sync.
    pub fn mark_synced<I, K, V>(&mut self, values: I, now: i64)
    where
        I: IntoIterator<Item = (K, V)>,
        K: Into<String>,
        V: Into<String>,
    {
        for (k, v) in values {
            self.synced.insert(k.into(), v.into());
        }
        self.synced_at = Some(now);
    }

    /// Appends a log entry, keeping the last [`MAX_LOG`].
    pub fn log(&mut self, entry: LogEntry) {
        self.log.push(entry);
        let excess = self.log.len().saturating_sub(MAX_LOG);
        self.log.drain(..excess);
    }

    /// Records a note present on both sides.
    pub fn record_note(&mut self, fs: Option<String>, ghl: impl Into<String>) {
        push_pair(&mut self.notes, fs, ghl.into());
    }

    /// Records a task present on both sides.
    pub fn record_task(&mut self, fs: Option<String>, ghl: impl Into<String>) {
        push_pair(&mut self.tasks, fs, ghl.into());
    }

    /// The pair for a GHL note id.
    pub fn note_by_ghl(&self, ghl: &str) -> Option<&IdPair> {
        self.notes.iter().find(|p| p.ghl == ghl)
    }

    /// The pair for a Freshsales note id.
    pub fn note_by_fs(&self, fs: &str) -> Option<&IdPair> {
        self.notes.iter().find(|p| p.fs.as_deref() == Some(fs))
    }

    /// The GHL task for a Freshsales task id.
    pub fn task_by_fs(&self, fs: &str) -> Option<&IdPair> {
        self.tasks.iter().find(|p| p.fs.as_deref() == Some(fs))
    }

    /// Forgets a GHL note (deleted).
    pub fn forget_note(&mut self, ghl: &str) {
        self.notes.retain(|p| p.ghl != ghl);
    }

    /// Forgets a GHL task (deleted).
    pub fn forget_task(&mut self, ghl: &str) {
        self.tasks.retain(|p| p.ghl != ghl);
    }
}

fn push_pair(list: &mut Vec<IdPair>, fs: Option<String>, ghl: String) {
    if let Some(p) = list.iter_mut().find(|p| p.ghl == ghl || (fs.is_some() && p.fs == fs)) {
        p.ghl = ghl;
        p.fs = fs.or(p.fs.take());
        return;
    }
    list.push(IdPair { fs, ghl });
    let excess = list.len().saturating_sub(MAX_PAIRS);
    list.drain(..excess);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tombstone_blocks_automatic_relinking_only() {
        let mut r = LinkRecord::new("70042006456");
        assert!(r.link("g1", LinkedBy::Email, 1));
        r.mark_synced([("email", "a@x.io")], 2);
        r.unlink(3);
        assert_eq!(r.ghl_id, None);
        assert!(r.synced.is_empty());
        assert_eq!(r.unlinked.as_ref().unwrap().ghl_id.as_deref(), Some("g1"));
        assert!(!r.link("g1", LinkedBy::Email, 4));
        assert!(!r.link("g1", LinkedBy::Sync, 4));
        assert_eq!(r.ghl_id, None);
        assert!(r.link("g2", LinkedBy::Manual, 5));
        assert!(r.may_auto_link());
        assert_eq!(r.ghl_id.as_deref(), Some("g2"));
    }

    #[test]
    fn relinking_elsewhere_forgets_synced_values() {
        let mut r = LinkRecord::new("1");
        r.link("g1", LinkedBy::Phone, 1);
        r.mark_synced([("first_name", "Ada")], 2);
        r.link("g1", LinkedBy::Phone, 3);
        assert_eq!(r.synced.len(), 1, "same contact keeps its base");
        r.link("g2", LinkedBy::Manual, 4);
        assert!(r.synced.is_empty());
    }

    #[test]
    fn log_and_pairs_are_bounded() {
        let mut r = LinkRecord::new("1");
        for i in 0..50 {
            r.log(LogEntry { at: i, dir: Direction::ToGhl, action: "update".into(), fields: vec![], ok: true, message: None });
        }
        assert_eq!(r.log.len(), MAX_LOG);
        assert_eq!(r.log[0].at, 30);
        for i in 0..(MAX_PAIRS + 10) {
            r.record_note(Some(format!("fs{i}")), format!("g{i}"));
        }
        assert_eq!(r.notes.len(), MAX_PAIRS);
        assert!(r.note_by_ghl("g5").is_none() && r.note_by_ghl(&format!("g{}", MAX_PAIRS + 9)).is_some());
        // Recording the same note again updates, never duplicates.
        r.record_note(None, "g100");
        r.record_note(Some("fs100".into()), "g100");
        assert_eq!(r.notes.iter().filter(|p| p.ghl == "g100").count(), 1);
    }

    #[test]
    fn stored_form_fits_the_store_and_round_trips() {
        let mut r = LinkRecord::new("70042006456");
        r.link("abcdefghijklmnopqrst", LinkedBy::Sync, 1);
        for i in 0..MAX_PAIRS {
            r.record_note(Some(format!("7004200645{i:04}")), format!("{i:020}"));
            r.record_task(Some(format!("7004200645{i:04}")), format!("{i:020}"));
        }
        for i in 0..MAX_LOG as i64 {
            r.log(LogEntry { at: i, dir: Direction::ToGhl, action: "update".into(), fields: vec!["x".repeat(300)], ok: false, message: Some("y".repeat(500)) });
        }
        let v = r.to_stored().unwrap();
        assert!(v.to_string().len() + LinkRecord::key(&r.fs_id).len() <= MAX_STORED_BYTES);
        let back = LinkRecord::from_value(v).unwrap();
        assert_eq!(back.ghl_id, r.ghl_id);
        assert!(back.notes.len() <= r.notes.len());
        assert!(LinkRecord::key("99999999999999999999").len() <= 60);
    }

    #[test]
    fn unknown_fields_survive_and_garbage_is_an_error() {
        let v: Value = serde_json::json!({"v": 2, "fs_id": "1", "ghl_id": "g", "future": {"x": 1}});
        let r = LinkRecord::from_value(v).unwrap();
        assert_eq!(r.to_stored().unwrap()["future"]["x"], 1);
        assert!(matches!(LinkRecord::from_value(serde_json::json!("nope")), Err(LinkError::Corrupt(_))));
    }
}
