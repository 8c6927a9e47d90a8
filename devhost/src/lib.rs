//! devhost: a local stand-in for the Freshworks (Freshsales Suite, platform 3.0) host page, its
//! request proxy and stateful GHL / Freshsales APIs, so the app runs and is tested without a
//! Freshworks account or the internet. It is also the project's demo.
//!
//! Map:
//! - [`host`]: the simulated contact page, the installation page, the app's files with
//!   `{{{appclient}}}` substituted, Crayons served offline.
//! - `assets/client.js`: the client shim (`app.initialized()`, `client.*`).
//! - [`api`]: the endpoints the shim and the host page call.
//! - [`proxy`] + [`template`]: `invokeTemplate`, rendered as the platform does, with limits,
//!   retries, timeout and [`faults`].
//! - [`db`], [`interface`]: `client.db` and `client.interface` semantics.
//! - [`control`]: the control API tests use (faults, log, reset, notifications, events, state).
//! - [`upstream`]: the interface the GHL and Freshsales stand-ins implement; [`real`] forwards
//!   GHL to the real API when credentials are in the environment.
//! - [`sync`]: the background sync's child process (server.js in the emulated sandbox) and the
//!   host page's contact edit that feeds it product events.
//! - [`config`], [`state`]: configuration, options, the clock, per-installation state.
#![warn(missing_docs)]

pub mod api;
pub mod config;
pub mod control;
pub mod db;
pub mod faults;
pub mod host;
pub mod interface;
pub mod proxy;
pub mod real;
pub mod standin;
pub mod state;
pub mod sync;
pub mod template;
pub mod upstream;

use std::sync::Arc;

use axum::Router;
use serde_json::Value;

pub use state::AppState;
pub use upstream::{Upstream, UpstreamRequest, UpstreamResponse, Upstreams};

/// The upstreams for a run: the GHL and Freshsales stand-ins built from the seed (the `--seed`
/// file's JSON, else the embedded default seed), expecting the credentials in `config`'s
/// iparams. Also returns the stand-ins themselves, for the control API.
pub fn upstreams(seed: Option<&Value>, config: &config::Config, now_ms: i64) -> Result<(Upstreams, standin::StandIns), String> {
    let seed = match seed {
        Some(v) => standin::Seed::from_value(v.clone(), now_ms)?,
        None => standin::Seed::default_at(now_ms),
    };
    let defaults = standin::StandInConfig::default();
    let iparam = |k: &str, d: &str| config.iparams.get(k).and_then(Value::as_str).map_or_else(|| d.to_string(), str::to_string);
    let s = standin::StandIns::from_seed(
        seed,
        standin::StandInConfig {
            ghl_token: iparam("ghl_token", &defaults.ghl_token),
            ghl_location_id: iparam("ghl_location_id", &defaults.ghl_location_id),
            fs_api_key: iparam("fs_api_key", &defaults.fs_api_key),
            fs_domain: iparam("fs_domain", &defaults.fs_domain),
        },
    );
    let ups = Upstreams { ghl: s.ghl.clone(), freshsales: s.fs.clone(), initial_db: s.initial_db() };
    Ok((ups, s))
}

/// Devhost's whole HTTP surface.
pub fn router(state: Arc<AppState>) -> Router {
    Router::new().merge(host::routes()).merge(api::routes()).merge(control::routes()).merge(sync::routes()).with_state(state)
}
