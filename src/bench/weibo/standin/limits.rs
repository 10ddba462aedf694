//! Tokens and rate limits.
//!
//! Tokens are valid, expired (21327) or unknown (21332). Limits count calls
//! per hour window aligned to the top of the clock's hour (Weibo's
//! `reset_time` is always a full hour): per token (`user_limit`, 10023),
//! for everyone (`ip_limit`, 10022: the stand-in is one IP), and per token
//! for comments/create + reply together (`comment_limit`, 10024). A call is
//! counted once admitted, whatever happens to it afterwards; a call refused
//! for a limit counts toward nothing.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use super::model::StandInOptions;
use super::render::beijing;
use super::reply::Reply;

/// The API name the per-API limit is reported under.
const COMMENT_API: &str = "/comments/create";

/// Token validity and call counters of the current window.
#[derive(Debug, Default)]
pub(crate) struct Limits {
    valid: HashSet<String>,
    expired: HashSet<String>,
    /// Hours since the epoch of the window the counters belong to.
    window: i64,
    ip_used: u32,
    user_used: HashMap<String, u32>,
    comment_used: HashMap<String, u32>,
}

impl Limits {
    /// From now on exactly `tokens` are valid (expired ones listed again revive).
    pub(crate) fn set_tokens(&mut self, tokens: &[&str]) {
        self.valid = tokens.iter().map(|t| (*t).to_owned()).collect();
        self.expired.retain(|t| !self.valid.contains(t));
    }

    /// From now on `token` is answered 21327.
    pub(crate) fn expire(&mut self, token: &str) {
        self.valid.remove(token);
        self.expired.insert(token.to_owned());
    }

    /// 21301 without a token, 21327 for an expired one, 21332 for an unknown one.
    pub(crate) fn authenticate(&self, token: Option<&str>) -> Result<(), Reply> {
        match token {
            None => Err(Reply::code(403, 21301)),
            Some(t) if self.valid.contains(t) => Ok(()),
            Some(t) if self.expired.contains(t) => Err(Reply::code(403, 21327)),
            Some(_) => Err(Reply::code(403, 21332)),
        }
    }

    /// Counts one call by `token` at `now`, or refuses it (uncounted) when
    /// a limit is spent; `comment` marks comments/create and reply.
    pub(crate) fn admit(
        &mut self,
        token: &str,
        now: DateTime<Utc>,
        comment: bool,
        options: &StandInOptions,
    ) -> Result<(), Reply> {
        self.roll(now);
        if self.ip_used >= options.ip_limit {
            return Err(Reply::code(403, 10022));
        }
        let user = self.user_used.get(token).copied().unwrap_or(0);
        if user >= options.user_limit {
            return Err(Reply::code(403, 10023));
        }
        let comments = self.comment_used.get(token).copied().unwrap_or(0);
        if comment && comments >= options.comment_limit {
            return Err(Reply::code(403, 10024));
        }
        self.ip_used += 1;
        self.user_used.insert(token.to_owned(), user + 1);
        if comment {
            self.comment_used.insert(token.to_owned(), comments + 1);
        }
        Ok(())
    }

    /// The account/rate_limit_status body for `token` at `now`.
    pub(crate) fn status(
        &mut self,
        token: &str,
        now: DateTime<Utc>,
        options: &StandInOptions,
    ) -> Value {
        self.roll(now);
        let user = self.user_used.get(token).copied().unwrap_or(0);
        let comments = self.comment_used.get(token).copied().unwrap_or(0);
        let reset = DateTime::from_timestamp((self.window + 1) * 3600, 0).unwrap_or(now);
        json!({
            "api_rate_limits": [{
                "api": COMMENT_API,
                "limit": options.comment_limit,
                "limit_time_unit": "HOURS",
                "remaining_hits": options.comment_limit.saturating_sub(comments),
            }],
            "ip_limit": options.ip_limit,
            "limit_time_unit": "HOURS",
            "remaining_ip_hits": options.ip_limit.saturating_sub(self.ip_used),
            "remaining_user_hits": options.user_limit.saturating_sub(user),
            "reset_time": reset.with_timezone(&beijing()).format("%Y-%m-%d %H:%M:%S").to_string(),
            "reset_time_in_seconds": seconds_to_reset(now),
            "user_limit": options.user_limit,
        })
    }

    /// Starts a fresh window when the clock has passed the top of an hour.
    fn roll(&mut self, now: DateTime<Utc>) {
        let window = now.timestamp().div_euclid(3600);
        if window != self.window {
            self.window = window;
            self.ip_used = 0;
            self.user_used.clear();
            self.comment_used.clear();
        }
    }
}

/// Whole seconds from `now` to the next top of the hour (3600 exactly on it).
pub(crate) fn seconds_to_reset(now: DateTime<Utc>) -> i64 {
    3600 - now.timestamp().rem_euclid(3600)
}
