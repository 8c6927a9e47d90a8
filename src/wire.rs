//! Small serde helpers shared by the wire models of both APIs.
//!
//! Both APIs are parsed leniently: a `null` where a list is expected reads as empty, and ids
//! arrive as numbers or strings.

use serde::{Deserialize, Deserializer};

/// Reads `null` or a missing field as the type's default (an empty list, say).
pub fn null_as_default<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

/// Returns true for `None` and for an empty string, for `skip_serializing_if`.
pub fn is_blank(s: &Option<String>) -> bool {
    s.as_deref().map_or(true, |s| s.trim().is_empty())
}
