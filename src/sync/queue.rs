//! The durable work queue: one entry per Freshsales contact with pending work (later changes
//! merge into it) and one index listing the entries, since `$db` cannot scan keys. Retries
//! are scheduled by attempt count with exponential backoff (never by sleeping), honouring a
//! wait the API asked for; after [`MAX_ATTEMPTS`] an entry stays in the index as failed.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::retry::{Backoff, Budget};

/// The index's store key.
pub const INDEX_KEY: &str = "ghq:index";
/// Attempts before an entry is marked failed.
pub const MAX_ATTEMPTS: u32 = 6;
/// Requests per minute the sync may use of the platform's 50 (the rest is left to sidebars).
pub const REQUESTS_PER_MIN: u32 = 40;
/// `$db` operations per minute the sync may use of the platform's 50.
pub const DB_OPS_PER_MIN: u32 = 40;
/// Requests one run may make (a run has 20 s).
pub const RUN_REQUESTS: u32 = 24;
/// Pending entries the index holds (with failed ones and the budgets it must fit the store's
/// 40 KB per key; a test checks the fullest index does).
pub const MAX_PENDING: usize = 1_500;

/// The backoff of queued retries: 30 s doubling to at most 30 min, with full jitter.
pub const BACKOFF: Backoff = Backoff { base_ms: 30_000, cap_ms: 1_800_000, max_attempts: MAX_ATTEMPTS, max_total_ms: u64::MAX };

/// The store key of a contact's entry.
pub fn entry_key(fs_id: &str) -> String {
    format!("ghq:{fs_id}")
}

/// Pending work for one contact.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Entry {
    /// The Freshsales contact id.
    pub fs_id: String,
    /// The contact changed (its data is read again when processed, unless carried here).
    pub contact: bool,
    /// The latest contact payload an event carried, if complete.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data: Option<Value>,
    /// Freshsales tasks to copy (latest version of each).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tasks: Vec<Value>,
    /// Attempts made so far.
    pub attempts: u32,
    /// Not before this time (ms).
    pub next_at: i64,
    /// A create may have happened: look it up before any retry.
    pub uncertain: bool,
    /// Given up: kept visible.
    pub failed: bool,
    /// The last plain-language error.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl Entry {
    /// Merges later work for the same contact into this entry.
    pub fn merge(&mut self, later: Entry) {
        self.contact |= later.contact;
        if later.data.is_some() {
            self.data = later.data;
        }
        for t in later.tasks {
            let id = t.get("id").cloned();
            self.tasks.retain(|o| o.get("id") != id.as_ref());
            self.tasks.push(t);
        }
        self.uncertain |= later.uncertain;
        if self.failed {
            // New work revives a failed entry.
            self.failed = false;
            self.attempts = 0;
            self.next_at = 0;
        }
    }

    /// After a failed attempt at `now`: schedules the next one (the larger of the jittered
    /// backoff and the `wait_ms` the API asked for), or marks the entry failed. Returns
    /// whether it will be retried.
    pub fn retry_later(&mut self, now: i64, wait_ms: Option<u64>, random: f64, error: String) -> bool {
        self.attempts += 1;
        self.error = Some(error);
        if self.attempts >= MAX_ATTEMPTS {
            self.failed = true;
            return false;
        }
        let delay = BACKOFF.delay(self.attempts, random).max(BACKOFF.base_ms / 2).max(wait_ms.unwrap_or(0));
        self.next_at = now.saturating_add(delay as i64);
        true
    }
}

/// The queue's index and the budgets all runs share.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Index {
    /// Contacts with a pending entry, oldest first.
    pub pending: Vec<String>,
    /// Contacts whose entry failed for good.
    pub failed: Vec<String>,
    /// Where the next drain starts in `pending`.
    pub cursor: usize,
    /// Requests (the platform's 50 calls/min per installation).
    pub requests: Budget,
    /// `$db` operations (50/min per installation).
    pub db: Budget,
    /// The catch-up scan of recently changed contacts.
    pub scan: Scan,
}

/// Where the catch-up scan is. Product events can be lost (a handler whose `$db` call the
/// platform refused during a bulk import records nothing), so the recurring run also walks
/// the contacts view, newest change first, down to the time the previous scan started.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Scan {
    /// The "All contacts" view id, once read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub view: Option<u64>,
    /// The page being walked (1-based; 0 reads as 1).
    pub page: u32,
    /// Contacts of that page already handled.
    pub offset: usize,
    /// Contacts changed before this (ms) were covered by an earlier scan.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub since: Option<i64>,
    /// The newest change this scan saw: the next scan's `since`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub top: Option<i64>,
}

/// The store key of the notes roster.
pub const NOTES_KEY: &str = "ghq:notes";
/// Contacts in the notes roster (oldest dropped first; it must fit one key).
pub const MAX_ROSTER: usize = 2_000;
/// Failed entries kept visible in the index (the oldest are dropped beyond this).
pub const MAX_FAILED: usize = 200;

/// The linked contacts whose notes the scheduled run reconciles, in turn (Freshsales has no
/// note event). Contacts join when a scheduled run syncs them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Roster {
    /// Freshsales contact ids.
    pub ids: Vec<String>,
    /// The next one to reconcile.
    pub cursor: usize,
}

impl Roster {
    /// Adds a contact (once).
    pub fn add(&mut self, fs_id: &str) {
        if !self.ids.iter().any(|i| i == fs_id) {
            self.ids.push(fs_id.to_string());
            if self.ids.len() > MAX_ROSTER {
                self.ids.remove(0);
                self.cursor = self.cursor.saturating_sub(1);
            }
        }
    }
}

/// Contacts per page of the catch-up scan.
pub const SCAN_PAGE: u32 = 25;

impl Scan {
    /// Ends a walk: the next one stops where this one started.
    pub fn complete(&mut self) {
        self.since = self.top.or(self.since);
        self.top = None;
        self.page = 1;
        self.offset = 0;
    }
}

impl Default for Index {
    fn default() -> Self {
        Index {
            pending: Vec::new(),
            failed: Vec::new(),
            cursor: 0,
            requests: Budget::new(REQUESTS_PER_MIN, 60_000),
            db: Budget::new(DB_OPS_PER_MIN, 60_000),
            scan: Scan::default(),
        }
    }
}

impl Index {
    /// Whether `n` more calls fit the budget at `now` (takes none).
    pub fn room(budget: &Budget, now: i64, n: u32) -> bool {
        let mut b = budget.clone();
        (0..n).all(|_| b.try_acquire(now).is_ok())
    }

    /// Adds a contact to the pending list (once). False when the index is full.
    pub fn add(&mut self, fs_id: &str) -> bool {
        self.failed.retain(|f| f != fs_id);
        if self.pending.iter().any(|p| p == fs_id) {
            return true;
        }
        if self.pending.len() >= MAX_PENDING {
            return false;
        }
        self.pending.push(fs_id.to_string());
        true
    }

    /// Removes a contact from the pending list, keeping the cursor on the next one.
    pub fn remove(&mut self, fs_id: &str) {
        if let Some(i) = self.pending.iter().position(|p| p == fs_id) {
            self.pending.remove(i);
            if i < self.cursor {
                self.cursor -= 1;
            }
        }
    }

    /// Moves a contact from pending to failed.
    pub fn fail(&mut self, fs_id: &str) {
        self.remove(fs_id);
        if !self.failed.iter().any(|f| f == fs_id) {
            self.failed.push(fs_id.to_string());
            let excess = self.failed.len().saturating_sub(MAX_FAILED);
            self.failed.drain(..excess);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn entries_coalesce_and_back_off_then_fail() {
        let mut e = Entry { fs_id: "1".into(), contact: true, tasks: vec![json!({"id": 5, "title": "a"})], ..Default::default() };
        e.merge(Entry { fs_id: "1".into(), tasks: vec![json!({"id": 5, "title": "b"}), json!({"id": 6})], ..Default::default() });
        assert!(e.contact);
        assert_eq!(e.tasks, vec![json!({"id": 5, "title": "b"}), json!({"id": 6})]);
        let mut waits = Vec::new();
        for _ in 0..MAX_ATTEMPTS - 1 {
            assert!(e.retry_later(1_000, None, 0.999, "busy".into()));
            waits.push(e.next_at - 1_000);
        }
        assert!(waits.windows(2).all(|w| w[1] >= w[0]), "{waits:?}");
        assert!(!e.retry_later(1_000, Some(5_000_000), 0.5, "x".into()) && e.failed);
        let mut r = Entry::default();
        r.retry_later(0, Some(120_000), 0.0, "429".into());
        assert_eq!(r.next_at, 120_000, "the API's wait wins when longer");
        e.merge(Entry::default());
        assert!(!e.failed && e.attempts == 0, "new work revives a failed entry");
    }

    #[test]
    fn index_keeps_cursor_and_budgets() {
        let mut i = Index::default();
        for id in ["a", "b", "c"] {
            assert!(i.add(id));
        }
        i.add("a");
        assert_eq!(i.pending.len(), 3);
        i.cursor = 2;
        i.remove("a");
        assert_eq!((i.cursor, i.pending[i.cursor].as_str()), (1, "c"));
        i.fail("c");
        assert_eq!(i.failed, vec!["c"]);
        assert!(Index::room(&i.requests, 0, REQUESTS_PER_MIN) && !Index::room(&i.requests, 0, REQUESTS_PER_MIN + 1));
        let v = serde_json::to_value(&i).unwrap();
        assert_eq!(serde_json::from_value::<Index>(v).unwrap(), i);
    }

    #[test]
    fn the_fullest_index_and_roster_fit_one_key() {
        let mut i = Index::default();
        for n in 0..MAX_PENDING + 10 {
            i.add(&format!("{}", 99_999_999_999_000u64 + n as u64));
        }
        for n in 0..MAX_FAILED + 10 {
            i.fail(&format!("{}", 88_888_888_888_000u64 + n as u64));
        }
        assert_eq!((i.pending.len(), i.failed.len()), (MAX_PENDING, MAX_FAILED));
        for t in 0..1_000 {
            let _ = i.requests.try_acquire(1_764_000_000_000 + t * 1_000);
            let _ = i.db.try_acquire(1_764_000_000_000 + t * 1_000);
        }
        i.scan = Scan { view: Some(70_000_000_001), page: 80, offset: 24, since: Some(1_764_000_000_000), top: Some(1_764_000_000_000) };
        let size = INDEX_KEY.len() + serde_json::to_string(&i).unwrap().len();
        assert!(size <= crate::link::MAX_STORED_BYTES, "{size} bytes");
        let mut r = Roster::default();
        for n in 0..MAX_ROSTER + 5 {
            r.add(&format!("{}", 99_999_999_999_000u64 + n as u64));
        }
        let size = NOTES_KEY.len() + serde_json::to_string(&r).unwrap().len();
        assert!(r.ids.len() == MAX_ROSTER && size <= crate::link::MAX_STORED_BYTES, "{size} bytes");
    }
}
