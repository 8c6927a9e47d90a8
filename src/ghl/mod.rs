//! HighLevel (GHL) Contacts API v2 (`Version: 2021-07-28`): wire types for what the app reads
//! ([`model`]) and writes ([`write`]). This module is the only place GHL's JSON field names
//! appear.
//!
//! Read types keep every field they do not name in an `extra` map and reject nothing; write
//! types carry exactly the properties the official spec lists for their body, so no request
//! can carry a property the real API answers with 422 "property X should not exist".

pub mod model;
pub mod write;

pub use model::*;
pub use write::*;

/// The `Version` header every Contacts v2 operation requires.
pub const API_VERSION: &str = "2021-07-28";
/// The production API host.
pub const HOST: &str = "services.leadconnectorhq.com";
