//! The cache policy for a contact's data (contact, tasks, notes, appointments, link): how old
//! an entry may be before it is revalidated or dropped, the `sessionStorage` key it lives
//! under, and a small in-memory LRU. The edge does the storing (memory and `sessionStorage`,
//! never `localStorage`); the clock comes in as an argument.
//!
//! The rules:
//! - [`Freshness::Fresh`] (younger than [`CachePolicy::fresh_ms`]): render it, send nothing;
//! - [`Freshness::Stale`]: render it at once and revalidate in the background;
//! - [`Freshness::Expired`] (as old as [`CachePolicy::max_age_ms`] or older): do not show it;
//!   load as if nothing were cached.
//!
//! The app's own writes update the cached value or invalidate the entry.

use serde::{Deserialize, Serialize};

/// How long cached data stays usable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct CachePolicy {
    /// Younger than this, an entry is shown without any request.
    pub fresh_ms: u64,
    /// From this age on, an entry is not shown at all.
    pub max_age_ms: u64,
}

impl Default for CachePolicy {
    /// Fresh for a minute, shown (and revalidated) for up to 15 minutes.
    fn default() -> Self {
        CachePolicy { fresh_ms: 60_000, max_age_ms: 15 * 60_000 }
    }
}

/// What a cached entry is good for now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Freshness {
    /// Show it; no request.
    Fresh,
    /// Show it and revalidate in the background.
    Stale,
    /// Do not show it; load afresh.
    Expired,
}

impl Freshness {
    /// Whether the cached value may be rendered.
    pub fn shows(self) -> bool {
        self != Freshness::Expired
    }

    /// Whether the data must be (re)loaded from the APIs.
    pub fn fetches(self) -> bool {
        self != Freshness::Fresh
    }
}

/// A cached value and when it was stored (ms since the epoch). Serializes as
/// `{"stored_at": …, "value": …}` for `sessionStorage`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry<T> {
    /// When the value was stored.
    pub stored_at: i64,
    /// The value.
    pub value: T,
}

impl<T> Entry<T> {
    /// A value stored at `now`.
    pub fn new(value: T, now: i64) -> Self {
        Entry { stored_at: now, value }
    }
}

impl CachePolicy {
    /// The freshness of an entry stored at `stored_at`, seen at `now`.
    ///
    /// An entry stored "in the future" (the clock went back, or another tab's clock differs)
    /// is [`Freshness::Stale`], so it is shown but revalidated, never fresh for ever; one
    /// from further ahead than `max_age_ms` is [`Freshness::Expired`]. Expiry wins should
    /// `fresh_ms` exceed `max_age_ms`.
    pub fn freshness(&self, stored_at: i64, now: i64) -> Freshness {
        let age = i128::from(now) - i128::from(stored_at);
        let (fresh, max_age) = (i128::from(self.fresh_ms), i128::from(self.max_age_ms));
        if age >= max_age || -age > max_age {
            Freshness::Expired
        } else if (0..fresh).contains(&age) {
            Freshness::Fresh
        } else {
            Freshness::Stale
        }
    }

    /// The freshness of `entry` at `now`.
    pub fn of<T>(&self, entry: &Entry<T>, now: i64) -> Freshness {
        self.freshness(entry.stored_at, now)
    }
}

/// What every cache key starts with; the version changes when the cached shape does, so an
/// older app's entries are simply not found.
pub const KEY_PREFIX: &str = "ghlb:v1:";

/// Escapes `%` and `:` so the parts of a key cannot run into each other.
fn escape(s: &str) -> String {
    s.replace('%', "%25").replace(':', "%3A")
}

/// The key of one contact's cached data: the installation's scope (its GHL location, say)
/// and the Freshsales contact id. Distinct inputs give distinct keys.
pub fn key(installation_scope: &str, fs_contact_id: &str) -> String {
    format!("{}{}", scope_prefix(installation_scope), escape(fs_contact_id))
}

/// What every key of one installation scope starts with (and no other scope's key does):
/// to drop them all when the settings change.
pub fn scope_prefix(installation_scope: &str) -> String {
    format!("{KEY_PREFIX}{}:", escape(installation_scope))
}

/// How many contacts the in-memory cache keeps by default.
pub const DEFAULT_CAPACITY: usize = 20;

/// A small map that forgets its least recently used entry when full. Linear scans: meant for
/// a few dozen entries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lru<T> {
    capacity: usize,
    /// Least recently used first.
    entries: Vec<(String, T)>,
}

impl<T> Default for Lru<T> {
    fn default() -> Self {
        Lru::new(DEFAULT_CAPACITY)
    }
}

impl<T> Lru<T> {
    /// An empty cache holding at most `capacity` entries (0 holds nothing).
    pub fn new(capacity: usize) -> Self {
        Lru { capacity, entries: Vec::with_capacity(capacity.min(64)) }
    }

    /// The most entries it holds.
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// How many entries it holds.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether it holds nothing.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    fn position(&self, key: &str) -> Option<usize> {
        self.entries.iter().position(|(k, _)| k == key)
    }

    /// Moves entry `i` to the most recently used end and returns its new index.
    fn touch(&mut self, i: usize) -> usize {
        let e = self.entries.remove(i);
        self.entries.push(e);
        self.entries.len() - 1
    }

    /// Stores `value` under `key` as the most recently used entry, replacing any value
    /// there. Returns the entry it pushed out to make room (the least recently used), so the
    /// edge can drop it from `sessionStorage` too.
    pub fn insert(&mut self, key: impl Into<String>, value: T) -> Option<(String, T)> {
        let key = key.into();
        if let Some(i) = self.position(&key) {
            let j = self.touch(i);
            self.entries[j].1 = value;
            return None;
        }
        if self.capacity == 0 {
            return Some((key, value));
        }
        let evicted = (self.entries.len() >= self.capacity).then(|| self.entries.remove(0));
        self.entries.push((key, value));
        evicted
    }

    /// The value under `key`, now the most recently used.
    pub fn get(&mut self, key: &str) -> Option<&T> {
        let i = self.position(key)?;
        let j = self.touch(i);
        Some(&self.entries[j].1)
    }

    /// The value under `key` to change in place (after the app's own write), now the most
    /// recently used.
    pub fn get_mut(&mut self, key: &str) -> Option<&mut T> {
        let i = self.position(key)?;
        let j = self.touch(i);
        Some(&mut self.entries[j].1)
    }

    /// The value under `key`, leaving the order alone.
    pub fn peek(&self, key: &str) -> Option<&T> {
        self.position(key).map(|i| &self.entries[i].1)
    }

    /// Removes and returns the value under `key`.
    pub fn invalidate(&mut self, key: &str) -> Option<T> {
        self.position(key).map(|i| self.entries.remove(i).1)
    }

    /// Removes every entry whose key starts with `prefix` (say, [`scope_prefix`]).
    pub fn invalidate_prefix(&mut self, prefix: &str) {
        self.entries.retain(|(k, _)| !k.starts_with(prefix));
    }

    /// Removes everything.
    pub fn clear(&mut self) {
        self.entries.clear();
    }

    /// The keys, least recently used first.
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.entries.iter().map(|(k, _)| k.as_str())
    }
}

impl<T> Lru<Entry<T>> {
    /// The cached value under `key` with its freshness at `now`, marked most recently used.
    /// An expired entry is dropped and reads as absent.
    pub fn lookup(&mut self, key: &str, policy: &CachePolicy, now: i64) -> Option<(&T, Freshness)> {
        let freshness = policy.of(self.peek(key)?, now);
        if !freshness.shows() {
            self.invalidate(key);
            return None;
        }
        self.get(key).map(|e| (&e.value, freshness))
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))] // proptest is a host-only dev-dependency
mod tests {
    use super::*;
    use proptest::prelude::*;

    const MIN: i64 = 60_000;

    #[test]
    fn freshness_by_age() {
        let p = CachePolicy::default();
        assert_eq!((p.fresh_ms, p.max_age_ms), (60_000, 900_000));
        let at = 1_000_000;
        assert_eq!(p.freshness(at, at), Freshness::Fresh);
        assert_eq!(p.freshness(at, at + MIN - 1), Freshness::Fresh);
        assert_eq!(p.freshness(at, at + MIN), Freshness::Stale);
        assert_eq!(p.freshness(at, at + 15 * MIN - 1), Freshness::Stale);
        assert_eq!(p.freshness(at, at + 15 * MIN), Freshness::Expired);
        assert_eq!(p.freshness(at, i64::MAX), Freshness::Expired);
        assert_eq!(p.freshness(i64::MIN, i64::MAX), Freshness::Expired, "no overflow");
    }

    #[test]
    fn entries_from_the_future_are_stale_not_fresh() {
        let p = CachePolicy::default();
        let now = 10 * MIN;
        assert_eq!(p.freshness(now + 1, now), Freshness::Stale);
        assert_eq!(p.freshness(now + 15 * MIN, now), Freshness::Stale);
        assert_eq!(p.freshness(now + 15 * MIN + 1, now), Freshness::Expired);
        assert_eq!(p.freshness(i64::MAX, i64::MIN), Freshness::Expired);
    }

    #[test]
    fn expiry_wins_over_a_misconfigured_fresh_period() {
        let p = CachePolicy { fresh_ms: 10 * 60_000, max_age_ms: 60_000 };
        assert_eq!(p.freshness(0, 59_999), Freshness::Fresh);
        assert_eq!(p.freshness(0, 60_000), Freshness::Expired);
        let never = CachePolicy { fresh_ms: 0, max_age_ms: 0 };
        assert_eq!(never.freshness(5, 5), Freshness::Expired, "a zero max age caches nothing");
        let no_fresh = CachePolicy { fresh_ms: 0, max_age_ms: 1_000 };
        assert_eq!(no_fresh.freshness(5, 5), Freshness::Stale, "always revalidate");
    }

    #[test]
    fn what_each_freshness_means() {
        assert!(Freshness::Fresh.shows() && !Freshness::Fresh.fetches());
        assert!(Freshness::Stale.shows() && Freshness::Stale.fetches());
        assert!(!Freshness::Expired.shows() && Freshness::Expired.fetches());
    }

    #[test]
    fn entries_serialize_for_session_storage() {
        let e = Entry::new(vec!["a".to_string()], 42);
        let json = serde_json::to_string(&e).unwrap();
        assert_eq!(json, r#"{"stored_at":42,"value":["a"]}"#);
        let back: Entry<Vec<String>> = serde_json::from_str(&json).unwrap();
        assert_eq!(back, e);
        assert_eq!(CachePolicy::default().of(&back, 42 + MIN), Freshness::Stale);
    }

    #[test]
    fn keys() {
        assert_eq!(key("loc123", "42"), "ghlb:v1:loc123:42");
        assert!(key("loc123", "42").starts_with(&scope_prefix("loc123")));
        assert!(key("a:b", "c").starts_with(KEY_PREFIX));
        assert_ne!(key("a:b", "c"), key("a", "b:c"));
        assert_ne!(key("a%3Ab", "c"), key("a:b", "c"));
        assert!(!key("loc1", "x").starts_with(&scope_prefix("loc")));
        assert!(!key("a:b", "x").starts_with(&scope_prefix("a")));
    }

    #[test]
    fn lru_evicts_the_least_recently_used() {
        let mut c = Lru::new(3);
        assert_eq!(c.insert("a", 1), None);
        assert_eq!(c.insert("b", 2), None);
        assert_eq!(c.insert("c", 3), None);
        assert_eq!(c.get("a"), Some(&1)); // a is now the most recent
        assert_eq!(c.insert("d", 4), Some(("b".to_string(), 2)));
        assert_eq!(c.keys().collect::<Vec<_>>(), ["c", "a", "d"]);
        // peek does not change the order.
        assert_eq!(c.peek("c"), Some(&3));
        assert_eq!(c.insert("e", 5), Some(("c".to_string(), 3)));
        assert_eq!(c.len(), 3);
        assert_eq!(c.capacity(), 3);
    }

    #[test]
    fn lru_replaces_updates_and_invalidates() {
        let mut c = Lru::new(2);
        c.insert("a", 1);
        c.insert("b", 2);
        assert_eq!(c.insert("a", 10), None, "replacing evicts nothing");
        assert_eq!(c.keys().collect::<Vec<_>>(), ["b", "a"]);
        *c.get_mut("b").unwrap() += 1;
        assert_eq!(c.peek("b"), Some(&3));
        assert_eq!(c.keys().collect::<Vec<_>>(), ["a", "b"]);
        assert_eq!(c.invalidate("a"), Some(10));
        assert_eq!(c.invalidate("a"), None);
        assert_eq!(c.get("a"), None);
        assert_eq!(c.get_mut("zz"), None);
        c.clear();
        assert!(c.is_empty());
    }

    #[test]
    fn lru_drops_one_scope() {
        let mut c = Lru::default();
        assert_eq!(c.capacity(), DEFAULT_CAPACITY);
        c.insert(key("loc1", "1"), ());
        c.insert(key("loc1", "2"), ());
        c.insert(key("loc2", "1"), ());
        c.invalidate_prefix(&scope_prefix("loc1"));
        assert_eq!(c.keys().collect::<Vec<_>>(), [key("loc2", "1")]);
    }

    #[test]
    fn lru_of_capacity_zero_holds_nothing() {
        let mut c = Lru::new(0);
        assert_eq!(c.insert("a", 1), Some(("a".to_string(), 1)));
        assert!(c.is_empty());
        assert_eq!(c.get("a"), None);
    }

    #[test]
    fn lookup_applies_the_policy() {
        let p = CachePolicy::default();
        let mut c: Lru<Entry<&str>> = Lru::new(4);
        c.insert("k", Entry::new("v", 0));
        assert_eq!(c.lookup("k", &p, 1_000), Some((&"v", Freshness::Fresh)));
        assert_eq!(c.lookup("k", &p, 2 * MIN), Some((&"v", Freshness::Stale)));
        assert_eq!(c.lookup("missing", &p, 0), None);
        assert_eq!(c.lookup("k", &p, 15 * MIN), None);
        assert!(c.is_empty(), "an expired entry is dropped");
        // The app's own write refreshes the entry.
        c.insert("k", Entry::new("v2", 15 * MIN));
        assert_eq!(c.lookup("k", &p, 15 * MIN + 1), Some((&"v2", Freshness::Fresh)));
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn keys_are_injective(a in "[a-z:%3A]{0,6}", b in "[a-z:%3A]{0,6}", c in "[a-z:%3A]{0,6}", d in "[a-z:%3A]{0,6}") {
            prop_assert_eq!(key(&a, &b) == key(&c, &d), a == c && b == d);
            prop_assert_eq!(key(&a, &b).starts_with(&scope_prefix(&c)), a == c);
        }

        #[test]
        fn lru_matches_a_model(ops in prop::collection::vec((0u8..4, 0u8..6), 0..80), cap in 0usize..5) {
            // Model: a list, least recently used first.
            let mut model: Vec<(u8, u32)> = Vec::new();
            let mut lru = Lru::new(cap);
            for (n, (op, k)) in ops.into_iter().enumerate() {
                let ks = k.to_string();
                match op {
                    0 => {
                        let v = n as u32;
                        let evicted = lru.insert(ks.clone(), v);
                        let want = if let Some(i) = model.iter().position(|e| e.0 == k) {
                            model.remove(i);
                            model.push((k, v));
                            None
                        } else if cap == 0 {
                            Some((k, v))
                        } else {
                            let out = (model.len() >= cap).then(|| model.remove(0));
                            model.push((k, v));
                            out
                        };
                        prop_assert_eq!(evicted.map(|(s, v)| (s.parse::<u8>().unwrap(), v)), want);
                    }
                    1 => {
                        let got = lru.get(&ks).copied();
                        let want = model.iter().position(|e| e.0 == k).map(|i| {
                            let e = model.remove(i);
                            model.push(e);
                            e.1
                        });
                        prop_assert_eq!(got, want);
                    }
                    2 => {
                        let want = model.iter().position(|e| e.0 == k).map(|i| model.remove(i).1);
                        prop_assert_eq!(lru.invalidate(&ks), want);
                    }
                    _ => prop_assert_eq!(lru.peek(&ks).copied(), model.iter().find(|e| e.0 == k).map(|e| e.1)),
                }
                prop_assert!(lru.len() <= cap);
                let keys: Vec<String> = lru.keys().map(String::from).collect();
                let want: Vec<String> = model.iter().map(|e| e.0.to_string()).collect();
                prop_assert_eq!(keys, want);
            }
        }
    }
}
