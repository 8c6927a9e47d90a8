//! Backoff and rate-limit arithmetic, with the clock and randomness passed in.
//!
//! - [`Backoff`] decides whether a failed call is retried and after how long: only idempotent
//!   reads ([`Endpoint::retryable`]), only on rate limits, 5xx and network failures
//!   ([`ApiError::is_transient`]); exponential with full jitter; a wait the server asked for
//!   wins when it is longer; bounded in attempts and in total time. The serverless sync's
//!   durable queue uses the same arithmetic by attempt count: it schedules, never sleeps.
//! - [`RateWindow`] follows GHL's `X-RateLimit-Remaining` / `X-RateLimit-Interval-Milliseconds`
//!   so a caller can hold a call back until GHL's burst window (100 per 10 s) has room.
//! - [`Budget`] keeps one tab under the platform's 50 calls/min: it tells the caller how long
//!   to wait instead of letting a call exceed it. The quota is per installation, so other tabs
//!   and the serverless side count too: a platform 429 still happens and is fed back with
//!   [`Budget::penalize`].
//!
//! Times are milliseconds: `now_ms` since the epoch (`Date.now()`), durations as `u64`.

use serde::{Deserialize, Serialize};

use crate::catalog::Endpoint;
use crate::error::{ApiError, Limiter, RawReply};

/// GHL's documented burst window (100 requests per 10 s), assumed when a reply does not say.
pub const GHL_WINDOW_MS: u64 = 10_000;
/// The wait assumed after a platform or Freshsales 429 that names none: both quotas are
/// counted per minute or longer, so a quick retry would only be refused again.
pub const QUOTA_WAIT_MS: u64 = 60_000;

/// The wait a failure asks for before the same call may succeed: the reply's own
/// (`Retry-After`, or GHL's window when none is left), else the limiter's usual window for a
/// 429 that names none, else `None` (not rate-limited). Also what to pass to
/// [`Budget::penalize`] after a platform 429.
pub fn requested_wait_ms(err: &ApiError) -> Option<u64> {
    match err {
        ApiError::RateLimited { retry_after_ms: Some(ms), .. } => Some(*ms),
        ApiError::RateLimited { by: Limiter::Ghl, retry_after_ms: None } => Some(GHL_WINDOW_MS),
        ApiError::RateLimited { by: Limiter::Platform | Limiter::Freshsales, retry_after_ms: None } => Some(QUOTA_WAIT_MS),
        _ => None,
    }
}

/// Retry limits and the shape of the backoff curve.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Backoff {
    /// The ceiling of the first retry's delay.
    pub base_ms: u64,
    /// The largest ceiling, however many attempts.
    pub cap_ms: u64,
    /// Attempts in all, the first one included (4: one call and up to three retries).
    pub max_attempts: u32,
    /// No retry is scheduled to start later than this after the first attempt began.
    pub max_total_ms: u64,
}

impl Default for Backoff {
    /// The sidebar's: 300 ms doubling to at most 8 s, 4 attempts, within 20 s.
    fn default() -> Self {
        Backoff { base_ms: 300, cap_ms: 8_000, max_attempts: 4, max_total_ms: 20_000 }
    }
}

/// What to do after a failed attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Send the same call again after this many milliseconds.
    Retry {
        /// The wait.
        after_ms: u64,
    },
    /// Stop and report the failure.
    GiveUp,
}

impl Backoff {
    /// The delay ceiling before retry number `attempt` (1 for the first retry; 0 reads as 1):
    /// `min(cap, base · 2^(attempt−1))`, saturating instead of overflowing.
    pub fn ceiling(&self, attempt: u32) -> u64 {
        let exp = attempt.max(1) - 1;
        let grown = if exp >= 64 { u64::MAX } else { self.base_ms.checked_mul(1u64 << exp).unwrap_or(u64::MAX) };
        grown.min(self.cap_ms)
    }

    /// Full jitter: a delay drawn uniformly from `[0, ceiling(attempt))` by `random` in
    /// `[0, 1)` (values outside are clamped, NaN reads as 0).
    pub fn delay(&self, attempt: u32, random: f64) -> u64 {
        let ceiling = self.ceiling(attempt);
        if ceiling == 0 {
            return 0;
        }
        let r = if random.is_nan() { 0.0 } else { random.clamp(0.0, 1.0) };
        ((ceiling as f64 * r) as u64).min(ceiling - 1)
    }

    /// Whether to retry a call to `endpoint` that failed with `err` after `attempts_made`
    /// attempts (the first included), `elapsed_ms` after the first began.
    ///
    /// Writes are never retried, nor failures that will not pass (4xx, decode errors,
    /// uncertain writes). The wait is the jittered delay, or the server's requested wait
    /// ([`requested_wait_ms`]) when longer. It gives up when the attempts are used up or when
    /// the retry would start after `max_total_ms`.
    pub fn decide(&self, endpoint: &Endpoint, err: &ApiError, attempts_made: u32, elapsed_ms: u64, random: f64) -> Decision {
        if !endpoint.retryable() || !err.is_transient() || attempts_made >= self.max_attempts {
            return Decision::GiveUp;
        }
        let jittered = self.delay(attempts_made, random);
        let after_ms = requested_wait_ms(err).map_or(jittered, |w| w.max(jittered));
        if elapsed_ms.saturating_add(after_ms) > self.max_total_ms {
            Decision::GiveUp
        } else {
            Decision::Retry { after_ms }
        }
    }
}

/// GHL's burst window as its replies last described it.
///
/// Feed it every reply ([`RateWindow::observe`]); only upstream replies that carry both
/// `X-RateLimit-Remaining` and GHL's `X-RateLimit-Interval-Milliseconds` count, so
/// Freshsales and platform replies pass through harmlessly. The latest reading wins.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct RateWindow {
    /// Requests left in the window, as of `observed_at`; `None` before any reading.
    remaining: Option<u64>,
    /// The window's length.
    interval_ms: u64,
    /// When the reading was taken.
    observed_at: i64,
}

impl RateWindow {
    /// Takes a reading from a reply received at `now_ms`.
    pub fn observe(&mut self, reply: &RawReply, now_ms: i64) {
        if reply.origin != crate::error::Origin::Upstream {
            return;
        }
        let header = |name| reply.header(name).and_then(|v| v.parse::<u64>().ok());
        if let (Some(remaining), Some(interval)) = (header("x-ratelimit-remaining"), header("x-ratelimit-interval-milliseconds")) {
            *self = RateWindow { remaining: Some(remaining), interval_ms: interval, observed_at: now_ms };
        }
    }

    /// Requests left in the window at `now_ms`, when known (a reading older than its window
    /// says nothing).
    pub fn remaining(&self, now_ms: i64) -> Option<u64> {
        self.remaining.filter(|_| self.window_left(now_ms) > 0)
    }

    /// How long to hold the next call back: 0 while requests remain or nothing is known,
    /// else until the window the last reading saw has passed (measured from the reading, so
    /// at most one window even if the clock jumps back).
    pub fn wait_ms(&self, now_ms: i64) -> u64 {
        match self.remaining {
            Some(0) => self.window_left(now_ms),
            _ => 0,
        }
    }

    fn window_left(&self, now_ms: i64) -> u64 {
        let interval = self.interval_ms.min(i64::MAX as u64) as i64;
        let left = self.observed_at.saturating_add(interval).saturating_sub(now_ms);
        left.clamp(0, interval) as u64
    }
}

/// A sliding-window request budget: at most `limit` calls in any `window_ms`, the platform's
/// 50 calls/min by default.
///
/// [`Budget::reserve`] takes the earliest free slot at or after now and says how long to
/// wait for it. [`Budget::try_acquire`] takes a slot at a given time or says exactly how
/// long after it the earliest one is, so `try_acquire(at + wait)` then succeeds. Slots may be
/// taken in any order: every window containing the new call is checked, before and after
/// it. [`Budget::reserve`] forgets calls a window older than the clock it is given;
/// [`Budget::try_acquire`], which is not told the clock, keeps the newest
/// [`Budget::KEPT_WINDOWS`] × limit, which is exact as long as no caller queues calls more
/// than two windows ahead with it.
///
/// It serializes, so the edge can keep it in `sessionStorage` across in-page switches.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Budget {
    limit: u32,
    window_ms: u64,
    /// When the recorded calls went or will go (queued), oldest first.
    #[serde(default, deserialize_with = "sorted")]
    calls: Vec<i64>,
    /// No call before this time (set after a platform 429).
    #[serde(default = "never", deserialize_with = "clamped")]
    blocked_until: i64,
}

fn never() -> i64 {
    i64::MIN
}

/// Reads a time that went through a JS number (`i64::MIN` comes back as a float just out of
/// range), clamping it into `i64`.
fn clamped<'de, D: serde::Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
    let v = serde_json::Value::deserialize(d)?;
    v.as_i64().or_else(|| v.as_f64().map(|f| f.clamp(i64::MIN as f64, i64::MAX as f64) as i64)).ok_or_else(|| serde::de::Error::custom("not a number"))
}

fn sorted<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<i64>, D::Error> {
    let mut calls = Vec::<i64>::deserialize(d)?;
    calls.sort_unstable();
    Ok(calls)
}

impl Default for Budget {
    fn default() -> Self {
        Budget::new(50, 60_000)
    }
}

impl Budget {
    /// How many windows' worth of calls are remembered: the oldest are forgotten beyond
    /// `KEPT_WINDOWS × limit` calls, which span at least three windows, so only a call placed
    /// more than two windows before the newest one could be let through wrongly.
    pub const KEPT_WINDOWS: usize = 4;

    /// A budget of `limit` calls per `window_ms` (0 reads as 1 for both).
    pub fn new(limit: u32, window_ms: u64) -> Self {
        Budget { limit: limit.max(1), window_ms: window_ms.max(1), calls: Vec::new(), blocked_until: never() }
    }

    /// The calls allowed per window.
    pub fn limit(&self) -> u32 {
        self.limit.max(1)
    }

    /// The window, clamped again: a stored budget may carry anything.
    fn window(&self) -> i64 {
        self.window_ms.clamp(1, i64::MAX as u64) as i64
    }

    /// Calls in `[s, s + window)`.
    fn count_from(&self, s: i64) -> usize {
        let end = s.saturating_add(self.window());
        self.calls.partition_point(|&t| t < end) - self.calls.partition_point(|&t| t < s)
    }

    /// Whether one more call at `at` keeps every window that contains it within the limit.
    fn admits(&self, at: i64) -> bool {
        if at < self.blocked_until {
            return false;
        }
        // The windows containing `at` start in [at − window + 1, at]. The fullest of them
        // starts at one of the calls in that range, or at `at` itself.
        let first = self.calls.partition_point(|&t| t < at.saturating_sub(self.window() - 1));
        let last = self.calls.partition_point(|&t| t <= at);
        let limit = self.limit() as usize;
        self.calls[first..last].iter().copied().chain([at]).all(|s| self.count_from(s) < limit)
    }

    /// How long after `at` the earliest free slot is (0: a call may go at `at`). Takes none.
    pub fn wait_ms(&self, at: i64) -> u64 {
        let start = at.max(self.blocked_until);
        // A time becomes free only where the block ends or a call leaves the windows.
        let window = self.window();
        let free = std::iter::once(start)
            .chain(self.calls.iter().map(|&t| t.saturating_add(window)).filter(|&y| y > start))
            .find(|&y| self.admits(y))
            .unwrap_or(i64::MAX);
        free.saturating_sub(at).max(0) as u64
    }

    /// Takes the slot for a call at `at` (now, or later for a call queued until then), or
    /// returns how long after `at` the earliest free slot is: exact, so
    /// `try_acquire(at + wait)` succeeds, unless other calls took the slot first.
    pub fn try_acquire(&mut self, at: i64) -> Result<(), u64> {
        let wait = self.wait_ms(at);
        if wait > 0 {
            return Err(wait);
        }
        self.record(at);
        let keep = Self::KEPT_WINDOWS * self.limit() as usize;
        if self.calls.len() > keep {
            let excess = self.calls.len() - keep;
            self.calls.drain(..excess);
        }
        Ok(())
    }

    fn record(&mut self, at: i64) {
        let pos = self.calls.partition_point(|&t| t <= at);
        self.calls.insert(pos, at);
    }

    /// Takes the earliest free slot at or after `now_ms` (the clock) and returns how long
    /// to wait before sending: 0 to send now. Forgets calls that no longer count.
    pub fn reserve(&mut self, now_ms: i64) -> u64 {
        let gone = self.calls.partition_point(|&t| t <= now_ms.saturating_sub(self.window()));
        self.calls.drain(..gone);
        let wait = self.wait_ms(now_ms);
        self.record(now_ms.saturating_add(wait.min(i64::MAX as u64) as i64));
        wait
    }

    /// Gives back the slot taken for a call at `at` that will not be sent after all (a queued
    /// call whose contact was left). Only a slot still in the future (`at > now_ms`) is
    /// given back: a call already sent counts against the quota whatever became of it.
    pub fn release(&mut self, at: i64, now_ms: i64) {
        if at <= now_ms {
            return;
        }
        if let Some(pos) = self.calls.iter().position(|&t| t == at) {
            self.calls.remove(pos);
        }
    }

    /// After a platform 429 at `now_ms`: no call for `wait_ms` (see [`requested_wait_ms`]).
    /// A shorter penalty never shortens a longer one.
    pub fn penalize(&mut self, now_ms: i64, wait_ms: u64) {
        let until = now_ms.saturating_add(wait_ms.min(i64::MAX as u64) as i64);
        self.blocked_until = self.blocked_until.max(until);
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))] // proptest is a host-only dev-dependency
mod tests {
    use super::*;
    use crate::catalog::{by_name, CATALOG};
    use crate::error::{classify, AuthProblem, Origin, Transient};
    use proptest::prelude::*;

    #[test]
    fn a_released_future_slot_is_free_again_and_a_sent_one_is_not() {
        let mut b = Budget::new(2, 60_000);
        assert_eq!(b.reserve(0), 0);
        assert_eq!(b.reserve(0), 0);
        let wait = b.reserve(0);
        assert_eq!(wait, 60_000, "the third call waits for the window");
        b.release(0, 10); // already sent: still counts
        assert_eq!(b.wait_ms(10), 59_990);
        b.release(wait as i64, 10); // the queued one was dropped
        assert_eq!(b.wait_ms(60_000), 0, "its slot is free again");
        assert_eq!(b.calls, vec![0, 0]);
    }

    fn read() -> &'static Endpoint {
        by_name("ghlListNotes").unwrap()
    }

    fn server_error() -> ApiError {
        ApiError::Transient(Transient::Server(503))
    }

    fn ghl_reply(status: u16, headers: &[(&str, &str)]) -> RawReply {
        RawReply {
            status,
            headers: headers.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
            body: String::new(),
            origin: Origin::Upstream,
        }
    }

    #[test]
    fn defaults() {
        let b = Backoff::default();
        assert_eq!((b.base_ms, b.cap_ms, b.max_attempts, b.max_total_ms), (300, 8_000, 4, 20_000));
        let budget = Budget::default();
        assert_eq!((budget.limit, budget.window_ms), (50, 60_000));
    }

    #[test]
    fn ceiling_doubles_up_to_the_cap() {
        let b = Backoff::default();
        let got: Vec<u64> = (0..=8).map(|a| b.ceiling(a)).collect();
        assert_eq!(got, [300, 300, 600, 1_200, 2_400, 4_800, 8_000, 8_000, 8_000]);
    }

    #[test]
    fn no_overflow_at_huge_attempts() {
        let b = Backoff { base_ms: u64::MAX / 3, cap_ms: u64::MAX, max_attempts: u32::MAX, max_total_ms: u64::MAX };
        assert_eq!(b.ceiling(2), u64::MAX / 3 * 2);
        for a in [3, 63, 64, 65, 100, u32::MAX] {
            assert_eq!(b.ceiling(a), u64::MAX, "{a}");
            assert!(b.delay(a, 0.999_999) < u64::MAX);
        }
        let d = Backoff::default();
        for a in [63, 64, 65, 1_000, u32::MAX] {
            assert_eq!(d.ceiling(a), 8_000, "{a}");
            assert!(d.delay(a, 0.5) <= 8_000);
        }
        let one = Backoff { base_ms: 1, cap_ms: u64::MAX, ..d };
        assert_eq!((one.ceiling(63), one.ceiling(64), one.ceiling(65)), (1 << 62, 1 << 63, u64::MAX));
        assert_eq!(Backoff { base_ms: 0, ..d }.delay(5, 0.7), 0);
    }

    #[test]
    fn jitter_stays_within_bounds() {
        let b = Backoff::default();
        for attempt in 1..=10 {
            let c = b.ceiling(attempt);
            let mut max_seen = 0;
            for i in 0..1_000 {
                let r = i as f64 / 1_000.0;
                let d = b.delay(attempt, r);
                assert!(d < c, "attempt {attempt} r {r}: {d} ≥ {c}");
                max_seen = max_seen.max(d);
            }
            assert_eq!(b.delay(attempt, 0.0), 0);
            assert!(max_seen >= c * 99 / 100, "the whole range is used");
            assert_eq!(b.delay(attempt, 0.5), c / 2);
            // Out-of-contract randoms stay in range.
            for r in [f64::NAN, -1.0, 1.0, 7.5, f64::INFINITY, f64::NEG_INFINITY] {
                assert!(b.delay(attempt, r) < c, "{r}");
            }
        }
    }

    #[test]
    fn retries_transient_reads_with_jitter() {
        let b = Backoff::default();
        for err in [server_error(), ApiError::Transient(Transient::Network), ApiError::Transient(Transient::Timeout)] {
            assert_eq!(b.decide(read(), &err, 1, 0, 0.5), Decision::Retry { after_ms: 150 });
            assert_eq!(b.decide(read(), &err, 2, 500, 0.5), Decision::Retry { after_ms: 300 });
            assert_eq!(b.decide(read(), &err, 3, 1_000, 0.5), Decision::Retry { after_ms: 600 });
        }
    }

    #[test]
    fn attempts_are_bounded() {
        let b = Backoff::default();
        assert!(matches!(b.decide(read(), &server_error(), 3, 0, 0.1), Decision::Retry { .. }));
        assert_eq!(b.decide(read(), &server_error(), 4, 0, 0.1), Decision::GiveUp);
        assert_eq!(b.decide(read(), &server_error(), u32::MAX, 0, 0.1), Decision::GiveUp);
        // A simulated loop makes exactly max_attempts calls.
        let mut attempts = 1;
        let mut elapsed = 0;
        while let Decision::Retry { after_ms } = b.decide(read(), &server_error(), attempts, elapsed, 0.99) {
            attempts += 1;
            elapsed += after_ms + 100;
        }
        assert_eq!(attempts, b.max_attempts);
    }

    #[test]
    fn total_time_is_bounded_including_the_wait() {
        let b = Backoff::default();
        // 0.5 × 300 = 150 ms: fits at 19 850 ms, not at 19 851.
        assert_eq!(b.decide(read(), &server_error(), 1, 19_850, 0.5), Decision::Retry { after_ms: 150 });
        assert_eq!(b.decide(read(), &server_error(), 1, 19_851, 0.5), Decision::GiveUp);
        assert_eq!(b.decide(read(), &server_error(), 1, u64::MAX, 0.5), Decision::GiveUp);
        // A server wait that would end past the bound gives up at once.
        let err = ApiError::RateLimited { by: Limiter::Ghl, retry_after_ms: Some(30_000) };
        assert_eq!(b.decide(read(), &err, 1, 0, 0.5), Decision::GiveUp);
    }

    #[test]
    fn retry_after_is_honoured_when_longer() {
        let b = Backoff::default();
        let err = ApiError::RateLimited { by: Limiter::Ghl, retry_after_ms: Some(3_000) };
        assert_eq!(b.decide(read(), &err, 1, 0, 0.5), Decision::Retry { after_ms: 3_000 });
        let short = ApiError::RateLimited { by: Limiter::Ghl, retry_after_ms: Some(10) };
        assert_eq!(b.decide(read(), &short, 3, 0, 0.5), Decision::Retry { after_ms: 600 }, "the jitter wins when longer");
        let zero = ApiError::RateLimited { by: Limiter::Ghl, retry_after_ms: Some(0) };
        assert_eq!(b.decide(read(), &zero, 1, 0, 0.0), Decision::Retry { after_ms: 0 });

        // From a real reply: `Retry-After: 2` in seconds.
        let err = classify(read(), &ghl_reply(429, &[("Retry-After", "2")])).unwrap_err();
        assert_eq!(b.decide(read(), &err, 1, 0, 0.9), Decision::Retry { after_ms: 2_000 });
    }

    #[test]
    fn header_driven_wait() {
        let b = Backoff::default();
        let reply = ghl_reply(429, &[("X-RateLimit-Remaining", "0"), ("X-RateLimit-Interval-Milliseconds", "7000")]);
        let err = classify(read(), &reply).unwrap_err();
        assert_eq!(b.decide(read(), &err, 1, 0, 0.5), Decision::Retry { after_ms: 7_000 });
        // A GHL 429 that names no wait assumes GHL's 10 s window.
        let bare = classify(read(), &ghl_reply(429, &[])).unwrap_err();
        assert_eq!(requested_wait_ms(&bare), Some(GHL_WINDOW_MS));
        assert_eq!(b.decide(read(), &bare, 1, 0, 0.5), Decision::Retry { after_ms: 10_000 });
        assert_eq!(b.decide(read(), &bare, 1, 10_001, 0.5), Decision::GiveUp);
    }

    #[test]
    fn platform_and_freshsales_quota_429s_are_told_apart() {
        let b = Backoff::default();
        let platform = ApiError::RateLimited { by: Limiter::Platform, retry_after_ms: None };
        assert_eq!(requested_wait_ms(&platform), Some(QUOTA_WAIT_MS));
        assert_eq!(b.decide(read(), &platform, 1, 0, 0.5), Decision::GiveUp, "a minute is past the sidebar's bound");
        let patient = Backoff { max_total_ms: 3_600_000, ..b };
        assert_eq!(patient.decide(read(), &platform, 1, 0, 0.5), Decision::Retry { after_ms: 60_000 });
        let fs = ApiError::RateLimited { by: Limiter::Freshsales, retry_after_ms: None };
        assert_eq!(requested_wait_ms(&fs), Some(QUOTA_WAIT_MS));
        let told = ApiError::RateLimited { by: Limiter::Platform, retry_after_ms: Some(1_500) };
        assert_eq!(b.decide(read(), &told, 1, 0, 0.5), Decision::Retry { after_ms: 1_500 });
        assert_eq!(requested_wait_ms(&server_error()), None);
    }

    #[test]
    fn writes_are_never_retried() {
        let b = Backoff { max_attempts: u32::MAX, max_total_ms: u64::MAX, ..Backoff::default() };
        let transient = [
            server_error(),
            ApiError::Transient(Transient::Network),
            ApiError::Transient(Transient::Timeout),
            ApiError::RateLimited { by: Limiter::Ghl, retry_after_ms: Some(1) },
            ApiError::RateLimited { by: Limiter::Platform, retry_after_ms: None },
        ];
        let writes: Vec<_> = CATALOG.iter().filter(|e| e.write).collect();
        assert!(writes.len() >= 10);
        for e in writes {
            for err in &transient {
                for r in [0.0, 0.5, 0.99] {
                    assert_eq!(b.decide(e, err, 1, 0, r), Decision::GiveUp, "{} {err:?}", e.name);
                }
            }
        }
        // And every read is retried on the same failures.
        for e in CATALOG.iter().filter(|e| !e.write) {
            assert!(matches!(b.decide(e, &server_error(), 1, 0, 0.5), Decision::Retry { .. }), "{}", e.name);
        }
    }

    #[test]
    fn non_transient_failures_are_never_retried() {
        let b = Backoff::default();
        let fixed = [
            ApiError::NotFound,
            ApiError::Validation { messages: vec![] },
            ApiError::Refused { messages: vec![] },
            ApiError::Duplicate { existing_id: None },
            ApiError::Unauthorized { api: crate::catalog::Api::Ghl, problem: AuthProblem::TokenInvalid },
            ApiError::Forbidden { api: crate::catalog::Api::Ghl },
            ApiError::Platform { status: 413 },
            ApiError::Decode { detail: "x".into() },
            ApiError::UncertainWrite { cause: Box::new(server_error()) },
        ];
        for err in &fixed {
            assert_eq!(b.decide(read(), err, 1, 0, 0.5), Decision::GiveUp, "{err:?}");
        }
        for status in [400, 401, 403, 404, 409, 410, 422] {
            let err = classify(read(), &ghl_reply(status, &[])).unwrap_err();
            assert_eq!(b.decide(read(), &err, 1, 0, 0.5), Decision::GiveUp, "{status}");
        }
    }

    #[test]
    fn rate_window_reads_ghl_headers() {
        let mut w = RateWindow::default();
        assert_eq!((w.wait_ms(0), w.remaining(0)), (0, None));
        w.observe(&ghl_reply(200, &[("x-ratelimit-remaining", "5"), ("x-ratelimit-interval-milliseconds", "10000")]), 1_000);
        assert_eq!((w.wait_ms(1_000), w.remaining(1_000)), (0, Some(5)));
        w.observe(&ghl_reply(200, &[("X-RateLimit-Remaining", "0"), ("X-RateLimit-Interval-Milliseconds", "10000")]), 2_000);
        assert_eq!(w.wait_ms(2_000), 10_000);
        assert_eq!(w.wait_ms(5_500), 6_500);
        assert_eq!(w.wait_ms(12_000), 0);
        assert_eq!(w.wait_ms(50_000), 0);
        assert_eq!(w.remaining(12_000), None, "an old reading says nothing");
        // The clock going back never makes the wait longer than one window.
        assert_eq!(w.wait_ms(-1_000_000), 10_000);
        // A later reading with room clears the wait.
        w.observe(&ghl_reply(200, &[("X-RateLimit-Remaining", "99"), ("X-RateLimit-Interval-Milliseconds", "10000")]), 3_000);
        assert_eq!(w.wait_ms(3_000), 0);
    }

    #[test]
    fn rate_window_ignores_other_replies() {
        let mut w = RateWindow::default();
        w.observe(&ghl_reply(200, &[("X-RateLimit-Remaining", "0"), ("X-RateLimit-Interval-Milliseconds", "10000")]), 0);
        let before = w;
        // Freshworks products send X-RateLimit-Remaining without GHL's interval header.
        w.observe(&ghl_reply(200, &[("X-RateLimit-Remaining", "100")]), 10);
        w.observe(&ghl_reply(200, &[]), 20);
        w.observe(&ghl_reply(200, &[("X-RateLimit-Remaining", "lots"), ("X-RateLimit-Interval-Milliseconds", "10000")]), 30);
        let mut platform = ghl_reply(429, &[("X-RateLimit-Remaining", "50"), ("X-RateLimit-Interval-Milliseconds", "10")]);
        platform.origin = Origin::Platform;
        w.observe(&platform, 40);
        assert_eq!(w, before);
        assert_eq!(w.wait_ms(100), 9_900);
    }

    #[test]
    fn budget_queues_the_51st_call_and_the_wait_is_exact() {
        let mut b = Budget::default();
        for i in 0..50 {
            assert_eq!(b.try_acquire(i * 100), Ok(()), "{i}");
        }
        // The oldest call (at 0) leaves the window at 60 000.
        assert_eq!(b.try_acquire(5_000), Err(55_000));
        assert_eq!(b.try_acquire(59_999), Err(1));
        assert_eq!(b.try_acquire(60_000), Ok(()));
        // The next frees when the call at 100 leaves.
        assert_eq!(b.try_acquire(60_000), Err(100));
        assert_eq!(b.wait_ms(60_100), 0);
    }

    #[test]
    fn reserve_queues_calls_past_the_quota() {
        let mut b = Budget::default();
        for _ in 0..50 {
            assert_eq!(b.reserve(0), 0);
        }
        assert_eq!(b.reserve(0), 60_000, "the 51st waits for the first window to pass");
        assert_eq!(b.reserve(100), 59_900, "and the 52nd goes with it");
        assert_eq!(b.calls.len(), 52);
        // A minute later the first 50 are forgotten; 48 more fit with the two queued.
        assert_eq!(b.reserve(60_000), 0);
        assert_eq!(b.calls.len(), 3);
        b.penalize(60_000, 5_000);
        assert_eq!(b.reserve(61_000), 4_000);
        // Stored out of order (by hand, say), it still loads sorted.
        let back: Budget = serde_json::from_str(r#"{"limit":2,"window_ms":1000,"calls":[900,100]}"#).unwrap();
        assert_eq!(back.calls, [100, 900]);
        assert_eq!(back.wait_ms(500), 600);
    }

    #[test]
    fn budget_penalty_after_a_platform_429() {
        let mut b = Budget::default();
        assert_eq!(b.try_acquire(0), Ok(()));
        b.penalize(1_000, 30_000);
        assert_eq!(b.try_acquire(1_000), Err(30_000));
        assert_eq!(b.try_acquire(30_999), Err(1));
        b.penalize(2_000, 5_000);
        assert_eq!(b.wait_ms(2_000), 29_000, "a shorter penalty does not shorten a longer one");
        assert_eq!(b.try_acquire(31_000), Ok(()));
        b.penalize(i64::MAX - 5, u64::MAX);
        assert!(b.wait_ms(0) > 0);
    }

    #[test]
    fn budget_survives_the_clock_going_back_and_a_round_trip() {
        let mut b = Budget::new(2, 1_000);
        assert_eq!(b.try_acquire(10_000), Ok(()));
        assert_eq!(b.try_acquire(10_000), Ok(()));
        // A call before them is checked against every window it falls in, later ones
        // included: 9 500 shares a window with the two at 10 000, 9 000 does not.
        assert_eq!(b.try_acquire(9_500), Err(1_500));
        let mut earlier = b.clone();
        assert_eq!(earlier.try_acquire(9_000), Ok(()));
        let json = serde_json::to_string(&b).unwrap();
        let mut back: Budget = serde_json::from_str(&json).unwrap();
        assert_eq!(back, b);
        assert_eq!(back.try_acquire(10_999), Err(1));
        assert_eq!(back.try_acquire(11_000), Ok(()));
        // A stored budget without the optional fields loads.
        let mut old: Budget = serde_json::from_str(r#"{"limit":50,"window_ms":60000}"#).unwrap();
        assert_eq!(old.try_acquire(0), Ok(()));
        // Nor does one with nonsense limits panic.
        let mut odd: Budget = serde_json::from_str(r#"{"limit":0,"window_ms":18446744073709551615,"calls":[5]}"#).unwrap();
        assert_eq!(odd.limit(), 1);
        assert!(odd.try_acquire(10).is_err());
        let w: RateWindow = serde_json::from_str(&serde_json::to_string(&RateWindow::default()).unwrap()).unwrap();
        assert_eq!(w, RateWindow::default());
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(128))]

        #[test]
        fn budget_never_exceeds_its_limit_in_any_window(
            gaps in prop::collection::vec(0i64..4_000, 1..300),
            limit in 1u32..60,
            window in 1u64..90_000,
            penalties in prop::collection::vec((0usize..300, 0u64..20_000), 0..4),
        ) {
            let mut b = Budget::new(limit, window);
            let mut now = 0i64;
            let mut granted: Vec<i64> = Vec::new();
            for (i, gap) in gaps.iter().enumerate() {
                now += gap;
                for (at, wait) in &penalties {
                    if *at == i {
                        b.penalize(now, *wait);
                    }
                }
                match b.try_acquire(now) {
                    Ok(()) => granted.push(now),
                    Err(wait) => {
                        prop_assert!(wait > 0);
                        // Exact: one millisecond earlier is still refused, at the wait it is granted.
                        let mut probe = b.clone();
                        if wait > 1 {
                            prop_assert!(probe.try_acquire(now + wait as i64 - 1).is_err());
                        }
                        prop_assert_eq!(probe.try_acquire(now + wait as i64), Ok(()));
                        // Half the time the caller queues the call for then, as the sidebar does.
                        if gap % 2 == 0 {
                            now += wait as i64;
                            prop_assert_eq!(b.try_acquire(now), Ok(()));
                            granted.push(now);
                        }
                    }
                }
            }
            assert_no_window_over(&mut granted, limit, window)?;
        }

        #[test]
        fn budget_holds_with_slots_reserved_ahead(
            steps in prop::collection::vec((0i64..3_000, 0i64..70_000), 1..200),
            limit in 1u32..60,
        ) {
            // As the sidebar does: when refused, take the slot at the time it frees (or any later
            // time) right away, so reservations arrive out of order.
            let window = 60_000;
            let mut b = Budget::new(limit, window);
            let mut now = 0i64;
            let mut granted = Vec::new();
            for (gap, ahead) in steps {
                now += gap;
                let at = now + ahead;
                match b.try_acquire(at) {
                    Ok(()) => granted.push(at),
                    // Nobody queues more than two windows ahead: the caller gives up instead.
                    Err(wait) if at + wait as i64 > now + 2 * window as i64 => {}
                    Err(wait) => {
                        let later = at + wait as i64;
                        prop_assert_eq!(b.try_acquire(later), Ok(()));
                        granted.push(later);
                    }
                }
            }
            assert_no_window_over(&mut granted, limit, window)?;
        }

        #[test]
        fn reserve_is_exact_and_forgets_only_what_no_longer_counts(
            steps in prop::collection::vec((0i64..5_000, 0u8..4), 1..120),
            limit in 1u32..20,
            window in 1u64..30_000,
        ) {
            let mut b = Budget::new(limit, window);
            let mut now = 0i64;
            let mut granted = Vec::new();
            for (gap, burst) in steps {
                now += gap;
                for _ in 0..burst {
                    let before = b.clone();
                    let wait = b.reserve(now);
                    let at = now + wait as i64;
                    // The earliest free slot: nothing between now and then was free.
                    prop_assert!(before.admits(at));
                    if wait > 0 {
                        prop_assert!(!before.admits(at - 1) && !before.admits(now));
                    }
                    granted.push(at);
                    // Only calls that may still count are kept: the last window's and the queue.
                    prop_assert!(b.calls.iter().all(|&t| t > now - window as i64));
                }
            }
            assert_no_window_over(&mut granted, limit, window)?;
        }
    }

    /// No window `[s, s + window)` holds more than `limit` of the calls (the worst window
    /// starts at a call).
    fn assert_no_window_over(granted: &mut [i64], limit: u32, window: u64) -> Result<(), TestCaseError> {
        granted.sort_unstable();
        for (i, &s) in granted.iter().enumerate() {
            let n = granted[i..].iter().take_while(|&&t| t < s + window as i64).count();
            prop_assert!(n <= limit as usize, "{} calls in [{}, {})", n, s, s + window as i64);
        }
        Ok(())
    }
}
