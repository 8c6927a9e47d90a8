//! Devhost's shared state: the clock, per-installation state (iparams, quotas, db, request log,
//! recorded notifications, queued page events) and the fault book.
//!
//! Everything per installation is created lazily on first use from the configuration, so a
//! fresh installation id gives fresh iparams, quotas, db and (through the stand-ins) data.

use std::collections::{BTreeSet, HashMap, VecDeque};
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard, OnceLock, RwLock};
use std::time::{SystemTime, UNIX_EPOCH};

use serde::Serialize;
use serde_json::{json, Map, Value};
use tokio::sync::Notify;
use tokio::time::Instant;

use crate::config::{Config, Options};
use crate::db::Db;
use crate::faults::{AttemptKey, FaultBook, FaultRule};
use crate::real::RealGhl;
use crate::upstream::Upstreams;

/// Devhost's clock for quotas, TTLs and the stand-ins: wall-clock time at start, plus elapsed
/// time times `scale`, plus whatever tests advanced it by. Built on tokio's clock, so tests with
/// paused time control it too.
#[derive(Debug)]
pub struct Clock {
    base_ms: i64,
    start: Instant,
    scale: f64,
    offset_ms: AtomicI64,
}

impl Clock {
    /// A clock starting now, running `scale` times as fast as real time.
    pub fn new(scale: f64) -> Clock {
        let base_ms = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0);
        Clock { base_ms, start: Instant::now(), scale, offset_ms: AtomicI64::new(0) }
    }

    /// Unix milliseconds on this clock.
    pub fn now_ms(&self) -> i64 {
        self.base_ms + (self.start.elapsed().as_millis() as f64 * self.scale) as i64 + self.offset_ms.load(Ordering::Relaxed)
    }

    /// Moves the clock forward.
    pub fn advance(&self, ms: i64) {
        self.offset_ms.fetch_add(ms, Ordering::Relaxed);
    }

    /// The speed factor.
    pub fn scale(&self) -> f64 {
        self.scale
    }
}

/// A sliding-window quota counter.
#[derive(Debug, Default, Clone)]
pub struct Window {
    hits: VecDeque<i64>,
}

impl Window {
    /// Counts a hit at `now` unless `limit` hits already fall within the last `window_ms`.
    pub fn try_hit(&mut self, now: i64, window_ms: u64, limit: u32) -> bool {
        while self.hits.front().is_some_and(|&t| t <= now - window_ms as i64) {
            self.hits.pop_front();
        }
        if self.hits.len() >= limit as usize {
            return false;
        }
        self.hits.push_back(now);
        true
    }

    /// Hits within the window ending at `now`.
    pub fn used(&self, now: i64, window_ms: u64) -> usize {
        self.hits.iter().filter(|&&t| t > now - window_ms as i64).count()
    }
}

/// One request-method call as the control API's log reports it.
#[derive(Debug, Clone, Serialize)]
pub struct LogEntry {
    /// Installation id.
    pub installation: String,
    /// Sequence number within the installation, from 1.
    pub seq: u64,
    /// When the call arrived (devhost clock, Unix ms).
    pub at_ms: i64,
    /// Template name.
    pub template: String,
    /// HTTP method (empty when the template could not be rendered).
    pub method: String,
    /// Full URL with query (empty when the template could not be rendered).
    pub url: String,
    /// Final status the app saw.
    pub status: u16,
    /// Upstream attempts made (0 when the platform rejected the call before sending).
    pub attempts: u32,
    /// Fault kinds applied, comma-separated, one per faulted attempt.
    pub fault: Option<String>,
    /// Wall time the call took, ms.
    pub duration_ms: u64,
    /// `frontend`, `iparams` or `serverless`.
    pub caller: String,
    /// `ok`, `upstream_error`, `timeout`, `network`, `rate_limited`, `request_too_large`,
    /// `response_too_large` or `template_error`.
    pub outcome: String,
}

/// An event queued for the host page (and through it, the app).
#[derive(Debug, Clone, Serialize)]
pub struct PageEvent {
    /// Sequence number within the installation, from 1.
    pub seq: u64,
    /// `switch_contact`, `contact.update`, `app.activated` or `app.deactivated`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Target contact (switch) or the updated contact.
    pub contact_id: Option<String>,
    /// `in-page` or `reload` for a switch (absent: the page's current mode).
    pub mode: Option<String>,
    /// `event.helper.getData()` for the app.
    pub data: Value,
}

/// Everything devhost keeps for one installation.
#[derive(Debug)]
pub struct Installation {
    /// Saved iparams (secure ones included; never sent to a browser).
    pub iparams: Map<String, Value>,
    /// Names of the secure iparams.
    pub secure: BTreeSet<String>,
    /// Whether the installation page saved iparams.
    pub saved: bool,
    /// Request-method quota.
    pub requests: Window,
    /// `client.db` quota.
    pub db_ops: Window,
    /// The key-value store.
    pub db: Db,
    /// The request log.
    pub log: Vec<LogEntry>,
    /// Recorded interface calls (showNotify, showConfirm, showModal, resize, …).
    pub notifications: Vec<Value>,
    /// Labels the next `showConfirm` calls choose.
    pub confirm_answers: VecDeque<String>,
    /// Events for the host page.
    pub page_events: Vec<PageEvent>,
    /// Open modals' data by modal id.
    pub modals: HashMap<String, Value>,
    /// Option overrides for this installation (a JSON object, or null).
    pub overrides: Value,
}

impl Installation {
    fn new(config: &Config, secure_from_files: &BTreeSet<String>, initial_db: &[(String, Value)], now_ms: i64) -> Installation {
        let mut secure = config.secure_iparams.clone();
        secure.extend(secure_from_files.iter().cloned());
        let mut db = Db::default();
        for (key, value) in initial_db {
            let op = crate::db::DbOp::Set { key: json!(key), value: value.clone(), options: Value::Null };
            if let Err(e) = db.apply(op, now_ms) {
                eprintln!("devhost: seed record {key} not stored: {e:?}");
            }
        }
        Installation {
            iparams: config.iparams.clone(),
            secure,
            saved: false,
            requests: Window::default(),
            db_ops: Window::default(),
            db,
            log: Vec::new(),
            notifications: Vec::new(),
            confirm_answers: VecDeque::new(),
            page_events: Vec::new(),
            modals: HashMap::new(),
            overrides: Value::Null,
        }
    }

    /// The iparams a browser may see: the non-secure ones.
    pub fn public_iparams(&self) -> Map<String, Value> {
        self.iparams.iter().filter(|(k, _)| !self.secure.contains(*k)).map(|(k, v)| (k.clone(), v.clone())).collect()
    }

    /// Records an interface call; returns the stored record.
    pub fn record(&mut self, at_ms: i64, mut record: Value) -> Value {
        if let Value::Object(m) = &mut record {
            m.insert("seq".into(), json!(self.notifications.len() as u64 + 1));
            m.insert("at_ms".into(), json!(at_ms));
        }
        self.notifications.push(record.clone());
        record
    }
}

/// Whether an installation id is acceptable (`[A-Za-z0-9._-]{1,64}`).
pub fn valid_installation(id: &str) -> bool {
    !id.is_empty() && id.len() <= 64 && id.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
}

/// Devhost's state, shared by every request handler.
pub struct AppState {
    /// The configuration.
    pub config: Config,
    /// The clock behind quotas, TTLs and the stand-ins.
    pub clock: Clock,
    /// The API stand-ins.
    pub upstreams: Upstreams,
    /// The real GHL API, when configured.
    pub real_ghl: Option<RealGhl>,
    /// Wakes host pages waiting for page events.
    pub page_events: Notify,
    /// The stand-ins, when devhost runs them (their switches for the control API).
    pub standins: Option<crate::standin::StandIns>,
    /// The background sync's child process, once started (`None` inside: the sync is off).
    pub sync: OnceLock<crate::sync::SyncChild>,
    options: RwLock<Options>,
    secure_from_files: BTreeSet<String>,
    installs: Mutex<HashMap<String, Installation>>,
    faults: Mutex<FaultBook>,
    fresh: AtomicU64,
}

impl AppState {
    /// State for `config` with these upstreams (clock at scale 1).
    pub fn new(config: Config, upstreams: Upstreams) -> AppState {
        AppState::with_clock(config, upstreams, Clock::new(1.0))
    }

    /// State with an explicit clock.
    pub fn with_clock(config: Config, upstreams: Upstreams, clock: Clock) -> AppState {
        let secure_from_files = secure_iparams_in_files(&config.root);
        let mut faults = FaultBook::default();
        // Rules from the config file were validated at load time by serde; invalid ones are dropped.
        let _ = faults.add(config.faults.clone());
        let real_ghl = config.real_ghl.as_ref().and_then(|r| match RealGhl::new(r) {
            Ok(c) => Some(c),
            Err(e) => {
                eprintln!("devhost: real GHL disabled: {e}");
                None
            }
        });
        AppState {
            options: RwLock::new(config.options.clone()),
            config,
            clock,
            upstreams,
            real_ghl,
            page_events: Notify::new(),
            standins: None,
            sync: OnceLock::new(),
            secure_from_files,
            installs: Mutex::new(HashMap::new()),
            faults: Mutex::new(faults),
            fresh: AtomicU64::new(0),
        }
    }

    /// Keeps the stand-ins for the control API's switches.
    pub fn with_standins(mut self, standins: crate::standin::StandIns) -> AppState {
        self.standins = Some(standins);
        self
    }

    fn installs(&self) -> MutexGuard<'_, HashMap<String, Installation>> {
        self.installs.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Runs `f` on an installation's state, creating it if needed.
    pub fn with_install<R>(&self, id: &str, f: impl FnOnce(&mut Installation) -> R) -> R {
        let mut all = self.installs();
        let inst = all.entry(id.to_string()).or_insert_with(|| Installation::new(&self.config, &self.secure_from_files, &self.upstreams.initial_db, self.clock.now_ms()));
        f(inst)
    }

    /// Runs `f` on every existing installation.
    pub fn each_install<R>(&self, mut f: impl FnMut(&str, &Installation) -> R) -> Vec<R> {
        let all = self.installs();
        let mut ids: Vec<&String> = all.keys().collect();
        ids.sort();
        ids.into_iter().map(|id| f(id, &all[id])).collect()
    }

    /// The options in force for an installation (global options plus its overrides).
    pub fn options(&self, installation: &str) -> Options {
        let global = self.options.read().unwrap_or_else(|e| e.into_inner()).clone();
        let overrides = self.installs().get(installation).map(|i| i.overrides.clone()).unwrap_or(Value::Null);
        if overrides.is_null() {
            return global;
        }
        global.merged(&overrides).unwrap_or(global)
    }

    /// Changes options globally (`None`) or for one installation; returns the options in force.
    pub fn set_options(&self, installation: Option<&str>, patch: &Value) -> Result<Options, String> {
        match installation {
            None => {
                let mut global = self.options.write().unwrap_or_else(|e| e.into_inner());
                *global = global.merged(patch)?;
                Ok(global.clone())
            }
            Some(id) => {
                let global = self.options.read().unwrap_or_else(|e| e.into_inner()).clone();
                self.with_install(id, |inst| {
                    let mut next = if inst.overrides.is_null() { json!({}) } else { inst.overrides.clone() };
                    crate::config::merge(&mut next, patch);
                    let merged = global.merged(&next)?;
                    inst.overrides = next;
                    Ok(merged)
                })
            }
        }
    }

    /// Takes the fault for one upstream attempt, if a rule matches.
    pub fn take_fault(&self, key: &AttemptKey<'_>) -> Option<FaultRule> {
        self.faults.lock().unwrap_or_else(|e| e.into_inner()).take(key)
    }

    /// Runs `f` on the fault book.
    pub fn with_faults<R>(&self, f: impl FnOnce(&mut FaultBook) -> R) -> R {
        f(&mut self.faults.lock().unwrap_or_else(|e| e.into_inner()))
    }

    /// Forgets an installation (or all of them): iparams, quotas, db, log, notifications,
    /// overrides, its fault rules and its stand-in state.
    pub fn reset(&self, installation: Option<&str>) {
        match installation {
            Some(id) => {
                self.installs().remove(id);
                self.with_faults(|f| f.clear(Some(id)));
            }
            None => {
                self.installs().clear();
                self.with_faults(|f| {
                    f.clear(None);
                    let _ = f.add(self.config.faults.clone());
                });
                *self.options.write().unwrap_or_else(|e| e.into_inner()) = self.config.options.clone();
            }
        }
        self.upstreams.ghl.reset(installation);
        self.upstreams.freshsales.reset(installation);
    }

    /// A new installation id no one has used in this run.
    pub fn fresh_installation(&self) -> String {
        let n = self.fresh.fetch_add(1, Ordering::Relaxed) + 1;
        format!("t{n}-{:x}", self.clock.base_ms & 0xffffff)
    }

    /// Queues an event for the host page; returns its sequence number.
    pub fn push_page_event(&self, installation: &str, kind: &str, contact_id: Option<String>, mode: Option<String>, data: Value) -> u64 {
        let seq = self.with_install(installation, |inst| {
            let seq = inst.page_events.len() as u64 + 1;
            inst.page_events.push(PageEvent { seq, kind: kind.to_string(), contact_id, mode, data });
            seq
        });
        self.page_events.notify_waiters();
        seq
    }
}

/// Secure iparams declared in `config/iparams.json` (`"secure": true`).
fn secure_iparams_in_files(root: &std::path::Path) -> BTreeSet<String> {
    let Ok(text) = std::fs::read_to_string(root.join("config/iparams.json")) else { return BTreeSet::new() };
    let Ok(Value::Object(m)) = serde_json::from_str::<Value>(&text) else { return BTreeSet::new() };
    m.into_iter().filter(|(_, v)| v.get("secure").and_then(Value::as_bool) == Some(true)).map(|(k, _)| k).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn window_slides() {
        let mut w = Window::default();
        for t in 0..3 {
            assert!(w.try_hit(t, 1000, 3));
        }
        assert!(!w.try_hit(999, 1000, 3));
        assert!(w.try_hit(1000, 1000, 3), "the hit at 0 left the window");
        assert_eq!(w.used(1000, 1000), 3);
    }

    #[test]
    fn installation_ids() {
        assert!(valid_installation("demo") && valid_installation("t1-ab.c_d"));
        assert!(!valid_installation("") && !valid_installation("a/b") && !valid_installation(&"x".repeat(65)));
    }
}
