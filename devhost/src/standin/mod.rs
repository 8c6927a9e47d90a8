//! Stateful stand-ins for the two APIs the app talks to: GHL Contacts v2 ([`GhlStandIn`]) and
//! the slice of the Freshsales Suite API the app uses ([`FreshsalesStandIn`]), both loaded
//! from a [`Seed`].
//!
//! State is kept per installation and cloned lazily from the seed on first use, so a fresh
//! installation id gets fresh data and fresh quotas. Objects are stored as `serde_json::Value`
//! exactly as the APIs' GETs return them, so fields nobody models survive every round trip.
//!
//! Requests are routed with `ghl_bridge::catalog::route`, the single source of truth for
//! routes. Handling is a pure function of (state, request, now) in [`ghl::handle`] and
//! [`fs::handle`]; the `Upstream` impls only add the per-installation map and its lock.
//!
//! Wiring (in `lib.rs`):
//! ```ignore
//! let seed = match seed_json {
//!     Some(v) => Seed::from_value(v.clone(), now_ms)?, // `devhost --seed FILE`
//!     None => Seed::default_at(now_ms),
//! };
//! let s = StandIns::from_seed(seed, StandInConfig { ghl_token, ghl_location_id, fs_api_key, fs_domain });
//! let upstreams = Upstreams { ghl: s.ghl.clone(), freshsales: s.fs.clone() };
//! // KV store: s.initial_db(); control API: s.ghl.set_strict / set_allow_duplicates /
//! // spec_violations, Upstream::state / reset on both.
//! ```

pub mod fs;
pub mod ghl;
pub mod ids;
pub mod seed;
pub mod spec_check;
pub mod time;

#[cfg(test)]
mod tests;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use serde_json::Value;

pub use fs::FreshsalesStandIn;
pub use ghl::GhlStandIn;
pub use seed::Seed;

/// Credentials and identities the stand-ins expect (devhost passes them from its iparams
/// config; [`StandInConfig::default`] holds the demo values).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StandInConfig {
    /// The Bearer token GHL accepts.
    pub ghl_token: String,
    /// The only location (sub-account) the token has access to. Seeded GHL objects are moved
    /// to it when the seed names another.
    pub ghl_location_id: String,
    /// The Freshsales API key (`Authorization: Token token=<key>`).
    pub fs_api_key: String,
    /// The Freshsales bundle domain (informational: the proxy routes hosts).
    pub fs_domain: String,
}

impl Default for StandInConfig {
    fn default() -> Self {
        StandInConfig {
            ghl_token: "pit-demo-token".into(),
            ghl_location_id: "loc_demo_0001".into(),
            fs_api_key: "fs-demo-key".into(),
            fs_domain: "demo.myfreshworks.com".into(),
        }
    }
}

/// Both stand-ins built from one seed, plus the seed itself (for the KV store's initial
/// records and the host page's contact list).
#[derive(Clone)]
pub struct StandIns {
    /// The GHL stand-in.
    pub ghl: Arc<GhlStandIn>,
    /// The Freshsales stand-in.
    pub fs: Arc<FreshsalesStandIn>,
    /// The (date-shifted) seed both were built from.
    pub seed: Arc<Seed>,
}

impl StandIns {
    /// Builds both stand-ins from a parsed seed.
    pub fn from_seed(seed: Seed, config: StandInConfig) -> Self {
        let seed = Arc::new(seed);
        StandIns {
            ghl: Arc::new(GhlStandIn::new(&seed, &config)),
            fs: Arc::new(FreshsalesStandIn::new(&seed, &config)),
            seed,
        }
    }

    /// The Freshworks KV store's initial records: the seed's link records under
    /// `LinkRecord::key(fs_id)`.
    pub fn initial_db(&self) -> Vec<(String, Value)> {
        self.seed.initial_db()
    }

    /// The installation's Freshsales contacts as the API returns them (with
    /// `sales_accounts`), for the host page's contact list and switcher.
    pub fn fs_contacts(&self, installation: &str) -> Vec<Value> {
        self.fs.fs_contacts(installation)
    }
}

/// Per-installation state, cloned lazily from a template on first use.
pub(crate) struct Installations<S: Clone> {
    template: S,
    map: Mutex<HashMap<String, S>>,
}

impl<S: Clone> Installations<S> {
    pub(crate) fn new(template: S) -> Self {
        Installations { template, map: Mutex::new(HashMap::new()) }
    }

    /// Runs `f` on the installation's state, creating it from the template first if needed.
    pub(crate) fn with<R>(&self, installation: &str, f: impl FnOnce(&mut S) -> R) -> R {
        let mut map = self.map.lock().unwrap_or_else(|e| e.into_inner());
        let state = map.entry(installation.to_string()).or_insert_with(|| self.template.clone());
        f(state)
    }

    /// Forgets one installation's state, or every installation's.
    pub(crate) fn reset(&self, installation: Option<&str>) {
        let mut map = self.map.lock().unwrap_or_else(|e| e.into_inner());
        match installation {
            Some(i) => {
                map.remove(i);
            }
            None => map.clear(),
        }
    }
}
