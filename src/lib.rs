//! ghl-bridge: a Freshsales Suite custom app that connects a Freshsales contact with the same
//! person in HighLevel (GHL, LeadConnector API v2).
//!
//! This crate is the app's logic. Everything outside [`web`] (wasm32 only) is a pure, sans-IO
//! core: it never performs a request, reads the clock or draws randomness; the edges pass those
//! in and carry out the effects the core returns. See `ARCHITECTURE.md` for the code map.
#![warn(missing_docs)]

pub mod cache;
pub mod catalog;
pub mod datetime;
pub mod error;
pub mod freshsales;
pub mod ghl;
pub mod link;
pub mod mapping;
pub mod phone;
pub mod resolve;
pub mod retry;
pub mod sanitize;
pub mod sync;

#[cfg(all(target_arch = "wasm32", feature = "server"))]
pub mod server;
pub mod timeline;
pub mod ui;
pub mod wire;

#[cfg(all(feature = "spec", not(target_arch = "wasm32")))]
pub mod spec;

// The server build (feature `server`) leaves the browser edge out: no DOM imports.
#[cfg(all(target_arch = "wasm32", not(feature = "server")))]
pub mod web;
