//! Login rate limiting, in memory: failed logins per (user, IP) and per IP
//! within a sliding window. Once a key has had its allowance of failures,
//! further attempts are refused — right password or not — until the oldest
//! failure leaves the window, which is what `Retry-After` says.
//!
//! Memory is bounded: at most [`MAX_KEYS`] keys per table; when full, keys
//! whose failures have all left the window are dropped first.

use std::collections::{HashMap, VecDeque};
use std::time::{Duration, Instant};

/// Keys kept per table before expired ones are swept.
pub const MAX_KEYS: usize = 10_000;

/// `N` failures per `window`, as `[auth] login_limit = "5/15m"` writes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    /// Failures allowed within the window.
    pub failures: u32,
    /// The sliding window.
    pub window: Duration,
}

impl RateLimit {
    /// Parses `"<failures>/<duration>"`, such as `"5/15m"`; the error is a
    /// sentence for `omnilisten check`.
    pub fn parse(text: &str) -> Result<RateLimit, String> {
        let hint = "write failures/window, such as \"5/15m\"";
        let Some((count, window)) = text.trim().split_once('/') else {
            return Err(format!("invalid limit \"{text}\": {hint}"));
        };
        let failures = count
            .trim()
            .parse::<u32>()
            .ok()
            .filter(|n| *n > 0)
            .ok_or_else(|| format!("invalid limit \"{text}\": {hint}, at least 1 failure"))?;
        let window = crate::config::parse_duration(window)?;
        if window.is_zero() {
            return Err(format!(
                "invalid limit \"{text}\": the window must be longer than 0s"
            ));
        }
        Ok(RateLimit { failures, window })
    }
}

/// Failure times of one key, oldest first.
type Failures = VecDeque<Instant>;

/// The failed logins remembered, per (user, IP) and per IP.
#[derive(Debug)]
pub struct LoginLimiter {
    per_user_ip: RateLimit,
    per_ip: RateLimit,
    user_ip: HashMap<(String, String), Failures>,
    ip: HashMap<String, Failures>,
}

impl LoginLimiter {
    /// A limiter with nothing remembered.
    pub fn new(per_user_ip: RateLimit, per_ip: RateLimit) -> LoginLimiter {
        LoginLimiter {
            per_user_ip,
            per_ip,
            user_ip: HashMap::new(),
            ip: HashMap::new(),
        }
    }

    /// `Err(retry_after)` when `user` from `ip` must not try now.
    pub fn check(&mut self, user: &str, ip: &str, now: Instant) -> Result<(), Duration> {
        let key = (user_key(user), ip.to_string());
        let a = blocked(self.user_ip.get_mut(&key), self.per_user_ip, now);
        let b = blocked(self.ip.get_mut(ip), self.per_ip, now);
        match a.max(b) {
            Some(wait) => Err(wait),
            None => Ok(()),
        }
    }

    /// Records a failed login.
    pub fn failure(&mut self, user: &str, ip: &str, now: Instant) {
        let key = (user_key(user), ip.to_string());
        record(&mut self.user_ip, key, self.per_user_ip, now);
        record(&mut self.ip, ip.to_string(), self.per_ip, now);
    }

    /// A successful login clears that user's failures from that IP (the
    /// IP's own count stays: one good password does not unlock guessing
    /// at other names).
    pub fn success(&mut self, user: &str, ip: &str) {
        self.user_ip.remove(&(user_key(user), ip.to_string()));
    }

    /// Keys remembered, (user, IP) and IP; for tests and metrics.
    pub fn len(&self) -> (usize, usize) {
        (self.user_ip.len(), self.ip.len())
    }
}

/// Names are compared case-insensitively here so that `Alice`, `alice` and
/// `ALICE` share one allowance, and cut so a huge name costs no memory.
fn user_key(user: &str) -> String {
    user.trim().to_lowercase().chars().take(64).collect()
}

/// How long until the key may try again, if it is at its limit now.
fn blocked(failures: Option<&mut Failures>, limit: RateLimit, now: Instant) -> Option<Duration> {
    let failures = failures?;
    expire(failures, limit.window, now);
    if failures.len() < limit.failures as usize {
        return None;
    }
    let oldest = *failures.front()?;
    let wait = (oldest + limit.window).saturating_duration_since(now);
    Some(wait.max(Duration::from_secs(1)))
}

fn expire(failures: &mut Failures, window: Duration, now: Instant) {
    while failures
        .front()
        .is_some_and(|t| now.saturating_duration_since(*t) >= window)
    {
        failures.pop_front();
    }
}

fn record<K: std::hash::Hash + Eq>(
    table: &mut HashMap<K, Failures>,
    key: K,
    limit: RateLimit,
    now: Instant,
) {
    if table.len() >= MAX_KEYS && !table.contains_key(&key) {
        table.retain(|_, failures| {
            expire(failures, limit.window, now);
            !failures.is_empty()
        });
        // Still full of live keys (a flood from many addresses): forget
        // them rather than grow; the per-IP table still holds each address.
        if table.len() >= MAX_KEYS {
            table.clear();
        }
    }
    let failures = table.entry(key).or_default();
    expire(failures, limit.window, now);
    failures.push_back(now);
    // Only the newest `failures` matter for the decision.
    while failures.len() > limit.failures as usize {
        failures.pop_front();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limit(text: &str) -> RateLimit {
        RateLimit::parse(text).expect("limit")
    }

    #[test]
    fn limits_parse_and_bad_ones_say_how_to_write_them() {
        assert_eq!(
            limit("5/15m"),
            RateLimit {
                failures: 5,
                window: Duration::from_secs(900)
            }
        );
        for bad in ["5", "0/15m", "x/1m", "5/", "5/0s", "5/fast"] {
            assert!(RateLimit::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_sixth_try_after_five_failures_waits_for_the_oldest_to_expire() {
        let mut limiter = LoginLimiter::new(limit("5/15m"), limit("20/15m"));
        let start = Instant::now();
        for i in 0..5 {
            let at = start + Duration::from_secs(i * 60);
            assert!(limiter.check("alice", "10.0.0.1", at).is_ok(), "try {i}");
            limiter.failure("alice", "10.0.0.1", at);
        }
        let now = start + Duration::from_secs(300);
        let wait = limiter
            .check("Alice", "10.0.0.1", now)
            .expect_err("blocked");
        assert_eq!(
            wait,
            Duration::from_secs(600),
            "the first failure leaves at 15 min"
        );
        // Another address, or another name from the same address, still may.
        assert!(limiter.check("alice", "10.0.0.2", now).is_ok());
        assert!(limiter.check("bob", "10.0.0.1", now).is_ok());
        // Once the oldest failure has left the window, one more try is allowed.
        assert!(
            limiter
                .check("alice", "10.0.0.1", start + Duration::from_secs(900))
                .is_ok()
        );
    }

    #[test]
    fn one_address_guessing_many_names_is_stopped_per_ip() {
        let mut limiter = LoginLimiter::new(limit("5/15m"), limit("3/1m"));
        let now = Instant::now();
        for name in ["a", "b", "c"] {
            limiter.failure(name, "10.0.0.9", now);
        }
        let wait = limiter
            .check("d", "10.0.0.9", now)
            .expect_err("per-IP limit");
        assert_eq!(wait, Duration::from_secs(60));
    }

    #[test]
    fn success_clears_that_user_and_address_only() {
        let mut limiter = LoginLimiter::new(limit("2/15m"), limit("3/15m"));
        let now = Instant::now();
        limiter.failure("alice", "10.0.0.1", now);
        limiter.failure("alice", "10.0.0.1", now);
        assert!(limiter.check("alice", "10.0.0.1", now).is_err());
        limiter.success("alice", "10.0.0.1");
        assert!(limiter.check("alice", "10.0.0.1", now).is_ok());
        limiter.failure("bob", "10.0.0.1", now);
        assert!(
            limiter.check("carol", "10.0.0.1", now).is_err(),
            "IP count kept"
        );
    }

    #[test]
    fn memory_stays_bounded_under_a_flood_of_names() {
        let mut limiter = LoginLimiter::new(limit("5/15m"), limit("1000000/15m"));
        let now = Instant::now();
        for i in 0..(MAX_KEYS + 10) {
            limiter.failure(&format!("user{i}"), "10.0.0.1", now);
        }
        assert!(limiter.len().0 <= MAX_KEYS);
    }
}
