//! The access token: one fetch at a time, refreshed before it expires and
//! replaced when WeChat rejects it (research §5.1, §7.14).

use std::fmt;
use std::sync::Arc;

use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

use super::cache::{CachedToken, TokenCache};
use super::errcode::{self, BUSY};
use super::{ApiConfig, BodyError, JSON_LIMIT, describe, read_body};

/// The time source; injected so tests can move time without sleeping.
pub type Clock = Arc<dyn Fn() -> DateTime<Utc> + Send + Sync>;

/// The real clock.
pub fn system_clock() -> Clock {
    Arc::new(Utc::now)
}

/// Refresh at most this long before expiry (WeChat itself overlaps old and new for 5 minutes).
const REFRESH_MARGIN: TimeDelta = TimeDelta::minutes(5);
/// Lifetime assumed when an answer omits `expires_in` (WeChat documents 2 hours).
const DEFAULT_LIFETIME_SECS: i64 = 7200;

/// Which endpoint issues tokens.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum TokenEndpoint {
    /// `POST /cgi-bin/stable_token`: returns the same token while it is valid,
    /// so several processes sharing an account do not invalidate each other.
    #[default]
    Stable,
    /// `GET /cgi-bin/token`: every fetch issues a new token and retires the old one.
    Classic,
}

/// An access token; `Debug` redacts it and it has no `Display`, so it cannot slip into a log.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct AccessToken(String);

impl AccessToken {
    /// Wraps a token string.
    pub fn new(token: impl Into<String>) -> AccessToken {
        AccessToken(token.into())
    }

    /// The token, for the `access_token` query parameter only.
    pub fn secret(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for AccessToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AccessToken(<redacted>)")
    }
}

/// Why no token could be obtained.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    /// WeChat refused (wrong AppID or AppSecret, IP not whitelisted, quota):
    /// retrying will not help until the configuration changes.
    #[error("WeChat refused to issue an access token: {reason}")]
    Rejected {
        /// WeChat's errcode.
        code: i64,
        /// Readable reason, ending in the code.
        reason: String,
    },
    /// The token endpoint could not be reached or answered nonsense; retry later.
    #[error("no access token: {reason}")]
    Unavailable {
        /// What went wrong, without URLs.
        reason: String,
    },
}

/// Owns one account's token; every caller goes through its lock, so at most
/// one fetch is in flight and waiting callers share its result.
pub(super) struct TokenManager {
    config: ApiConfig,
    http: reqwest::Client,
    api_base: Arc<str>,
    cache: Arc<dyn TokenCache>,
    clock: Clock,
    state: tokio::sync::Mutex<State>,
}

#[derive(Default)]
struct State {
    /// The persistent cache is read once, on first use.
    loaded: bool,
    token: Option<CachedToken>,
}

#[derive(Serialize)]
struct StableRequest<'a> {
    grant_type: &'static str,
    appid: &'a str,
    secret: &'a str,
    force_refresh: bool,
}

/// `{"access_token","expires_in"}` or `{"errcode","errmsg"}`.
#[derive(Deserialize)]
pub(super) struct TokenReply {
    access_token: Option<String>,
    expires_in: Option<i64>,
    errcode: Option<i64>,
    #[serde(default)]
    errmsg: String,
}

impl TokenManager {
    pub(super) fn new(
        config: ApiConfig,
        http: reqwest::Client,
        api_base: Arc<str>,
        cache: Arc<dyn TokenCache>,
        clock: Clock,
    ) -> TokenManager {
        TokenManager {
            config,
            http,
            api_base,
            cache,
            clock,
            state: tokio::sync::Mutex::new(State::default()),
        }
    }

    pub(super) fn app_id(&self) -> &str {
        &self.config.app_id
    }

    /// A token that is not due for refresh, fetching one if needed.
    pub(super) async fn current(&self) -> Result<AccessToken, TokenError> {
        let mut state = self.state.lock().await;
        if !state.loaded {
            state.loaded = true;
            state.token = self.cache.load();
        }
        let now = (self.clock)();
        if let Some(cached) = state.token.as_ref().filter(|t| t.is_fresh(now)) {
            return Ok(cached.token.clone());
        }
        let fresh = self.fetch(false).await?;
        Ok(self.keep(&mut state, fresh).await)
    }

    /// A token other than `rejected`, which WeChat just refused. Callers that
    /// were refused together get the one replacement.
    pub(super) async fn replace(&self, rejected: &AccessToken) -> Result<AccessToken, TokenError> {
        let mut state = self.state.lock().await;
        let now = (self.clock)();
        if let Some(cached) = state
            .token
            .as_ref()
            .filter(|t| t.token != *rejected && t.is_fresh(now))
        {
            return Ok(cached.token.clone());
        }
        let mut fresh = self.fetch(false).await?;
        // stable_token hands out the same token while it believes it valid;
        // only force_refresh (20 a day) replaces a token it still likes.
        if fresh.token == *rejected && self.config.token_endpoint == TokenEndpoint::Stable {
            fresh = self.fetch(true).await?;
        }
        Ok(self.keep(&mut state, fresh).await)
    }

    async fn keep(&self, state: &mut State, fresh: CachedToken) -> AccessToken {
        self.cache.save(&fresh).await;
        let token = fresh.token.clone();
        state.token = Some(fresh);
        token
    }

    async fn fetch(&self, force_refresh: bool) -> Result<CachedToken, TokenError> {
        let request = match self.config.token_endpoint {
            TokenEndpoint::Stable => self
                .http
                .post(format!("{}/cgi-bin/stable_token", self.api_base))
                .json(&StableRequest {
                    grant_type: "client_credential",
                    appid: &self.config.app_id,
                    secret: &self.config.app_secret,
                    force_refresh,
                }),
            TokenEndpoint::Classic => self
                .http
                .get(format!("{}/cgi-bin/token", self.api_base))
                .query(&[
                    ("grant_type", "client_credential"),
                    ("appid", self.config.app_id.as_str()),
                    ("secret", self.config.app_secret.as_str()),
                ]),
        };
        let unavailable = |reason: String| TokenError::Unavailable { reason };
        let response = request.send().await.map_err(|e| unavailable(describe(e)))?;
        let status = response.status();
        let body = read_body(response, JSON_LIMIT).await.map_err(|e| match e {
            BodyError::TooLarge => unavailable("the token answer is implausibly large".into()),
            BodyError::Read(e) => unavailable(describe(e)),
        })?;
        let reply: TokenReply = serde_json::from_slice(&body).map_err(|_| {
            unavailable(format!(
                "the token endpoint answered HTTP {status} without the expected JSON"
            ))
        })?;
        let now = (self.clock)();
        let token = parse_reply(reply, now)?;
        tracing::info!(
            app_id = %self.config.app_id,
            endpoint = ?self.config.token_endpoint,
            force_refresh,
            expires_at = %token.expires_at,
            "Fetched a WeChat access token"
        );
        Ok(token)
    }
}

/// A token answer → the cached token, or why there is none.
pub(super) fn parse_reply(
    reply: TokenReply,
    now: DateTime<Utc>,
) -> Result<CachedToken, TokenError> {
    match reply.errcode {
        Some(0) | None => {}
        Some(BUSY) => {
            return Err(TokenError::Unavailable {
                reason: errcode::reason(BUSY, &reply.errmsg),
            });
        }
        Some(code) => {
            return Err(TokenError::Rejected {
                code,
                reason: errcode::reason(code, &reply.errmsg),
            });
        }
    }
    let Some(token) = reply.access_token.filter(|t| !t.is_empty()) else {
        return Err(TokenError::Unavailable {
            reason: "the token endpoint answered without an access_token".into(),
        });
    };
    let lifetime = TimeDelta::seconds(reply.expires_in.unwrap_or(DEFAULT_LIFETIME_SECS).max(1));
    // 10 % of the lifetime for short-lived tokens: stable_token may hand out
    // a token with only 300 s left, which a 5-minute margin would never use.
    let margin = REFRESH_MARGIN.min(lifetime / 10);
    Ok(CachedToken {
        token: AccessToken(token),
        expires_at: now + lifetime,
        refresh_at: now + lifetime - margin,
    })
}
