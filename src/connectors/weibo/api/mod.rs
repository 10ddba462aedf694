//! Weibo's API v2 as one connector uses it: timeline pages, the rate-limit
//! status, and form posts for replies. Every call goes through the
//! connector's [`Budget`]; the token goes in the `Authorization: OAuth2`
//! header and as `access_token` (both are documented; some proxies of the
//! commercial API want one, some the other) and never into logs or errors.
//!
//! | file | does |
//! | --- | --- |
//! | `error.rs` | [`ApiError`]: classification by `error_code`, HTTP-class fallback, backoff |
//! | `token.rs` | [`AccessToken`]: read from env or file, re-read after a refusal |

mod error;
mod token;

use std::fmt;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use serde::Deserialize;

pub use error::{ApiError, backoff, classify, from_code, is_rate_limit, is_token_error};
pub use token::{AccessToken, TokenError};

use super::WeiboError;
use super::budget::Budget;
use super::endpoint::Endpoint;
use super::item::IntOrString;
use super::page::{Page, split_page};
use crate::clock::SharedClock;
use crate::config::WeiboConfig;
use crate::connectors::http::{BodyError, describe, read_body};
use crate::metrics::Metrics;

/// Cap on a page: a full page of 200 statuses is well under 1 MiB.
const PAGE_LIMIT: u64 = super::item::MAX_BODY_BYTES as u64;
/// Cap on small JSON answers (rate-limit status, a created comment).
const SMALL_LIMIT: u64 = 1024 * 1024;

/// One page request: `since_id` exclusive, `max_id` inclusive (0 = none).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageQuery {
    /// Only ids greater than this.
    pub since_id: i64,
    /// Only ids up to this one; None for the newest.
    pub max_id: Option<i64>,
    /// Page size.
    pub count: u32,
}

/// What `account/rate_limit_status` says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RateLimitStatus {
    /// Calls this user may still make in the window.
    pub remaining_user_hits: Option<i64>,
    /// Calls this IP may still make in the window.
    pub remaining_ip_hits: Option<i64>,
    /// Seconds until the window resets.
    pub reset_in: Option<Duration>,
}

/// Why a form post failed, by what it means for publishing at most once.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PostError {
    /// Weibo answered with an error: nothing was published.
    #[error(transparent)]
    Refused(ApiError),
    /// The request never reached Weibo (no token, connection refused).
    #[error("{0}")]
    NotSent(String),
    /// The request was sent but the answer is unknown or a server error:
    /// it may have been published.
    #[error("{0}")]
    Uncertain(String),
}

/// One connector's client; cheap to clone.
#[derive(Clone)]
pub struct WeiboApi {
    inner: Arc<Inner>,
}

struct Inner {
    http: reqwest::Client,
    api_base: String,
    token: AccessToken,
    budget: Budget,
    connector: String,
    metrics: Metrics,
    timeout: Duration,
    rip: Option<IpAddr>,
}

impl fmt::Debug for WeiboApi {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WeiboApi")
            .field("connector", &self.inner.connector)
            .field("api_base", &self.inner.api_base)
            .finish_non_exhaustive()
    }
}

/// An HTTP client for Weibo: rustls, no redirects (a redirect to a login
/// page is an error, not a page).
pub fn http_client() -> reqwest::Result<reqwest::Client> {
    reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(10))
        .redirect(reqwest::redirect::Policy::none())
        .build()
}

impl WeiboApi {
    /// A client for the connector `connector` configured by `config`.
    pub fn new(
        connector: &str,
        config: &WeiboConfig,
        http: reqwest::Client,
        clock: SharedClock,
        metrics: Metrics,
    ) -> WeiboApi {
        WeiboApi {
            inner: Arc::new(Inner {
                http,
                api_base: config.api_base.trim_end_matches('/').to_string(),
                token: AccessToken::new(config.access_token.clone()),
                budget: Budget::new(config.requests_per_hour, clock),
                connector: connector.to_string(),
                metrics,
                timeout: config.timeout,
                rip: config.rip,
            }),
        }
    }

    /// The connector's call budget.
    pub fn budget(&self) -> &Budget {
        &self.inner.budget
    }

    /// The connector's access token.
    pub fn token(&self) -> &AccessToken {
        &self.inner.token
    }

    /// The configured client IP for write endpoints.
    pub fn rip(&self) -> Option<IpAddr> {
        self.inner.rip
    }

    /// One page of `endpoint`, newest first.
    pub async fn page(&self, endpoint: &Endpoint, query: PageQuery) -> Result<Page, ApiError> {
        let mut params = vec![
            ("since_id", query.since_id.to_string()),
            ("count", query.count.to_string()),
        ];
        if let Some(max_id) = query.max_id {
            params.push(("max_id", max_id.to_string()));
        }
        let label = endpoint.kind.name();
        let body = self.get(&endpoint.path, label, &params, PAGE_LIMIT).await?;
        split_page(&body).map_err(|e| {
            let failure = match e {
                WeiboError::Api { code, message } => from_code(code, message),
                other => ApiError::Transient(format!("unreadable page: {other}")),
            };
            self.count(label, failure.outcome());
            failure
        })
    }

    /// `account/rate_limit_status`; counted in the budget like any call.
    pub async fn rate_limit_status(&self) -> Result<RateLimitStatus, ApiError> {
        #[derive(Deserialize)]
        struct Raw {
            remaining_user_hits: Option<IntOrString>,
            remaining_ip_hits: Option<IntOrString>,
            reset_time_in_seconds: Option<IntOrString>,
        }
        let body = self
            .get(
                "account/rate_limit_status.json",
                "rate_limit_status",
                &[],
                SMALL_LIMIT,
            )
            .await?;
        let raw: Raw = serde_json::from_slice(&body)
            .map_err(|e| ApiError::Transient(format!("unreadable rate limit status: {e}")))?;
        let seconds = |v: Option<IntOrString>| v.and_then(|v| v.as_i64());
        Ok(RateLimitStatus {
            remaining_user_hits: seconds(raw.remaining_user_hits),
            remaining_ip_hits: seconds(raw.remaining_ip_hits),
            reset_in: seconds(raw.reset_time_in_seconds)
                .and_then(|s| u64::try_from(s).ok())
                .map(Duration::from_secs),
        })
    }

    /// A GET under `api_base`; a usable 2xx body, or the classified failure.
    async fn get(
        &self,
        path: &str,
        label: &str,
        params: &[(&str, String)],
        limit: u64,
    ) -> Result<Vec<u8>, ApiError> {
        let token = self.current_token(label)?;
        self.inner.budget.acquire().await;
        let url = format!("{}/{}", self.inner.api_base, path.trim_start_matches('/'));
        let sent = self
            .inner
            .http
            .get(url)
            .header(reqwest::header::AUTHORIZATION, format!("OAuth2 {token}"))
            .query(&[("access_token", token.as_str())])
            .query(params)
            .timeout(self.inner.timeout)
            .send()
            .await;
        let result = match sent {
            // A read changes nothing at Weibo: any failure may be retried.
            Err(e) => Err(ApiError::Transient(describe(e))),
            Ok(response) => {
                let status = response.status().as_u16();
                match read_body(response, limit).await {
                    Err(BodyError::TooLarge) => Err(ApiError::Transient(format!(
                        "the answer is over {limit} bytes"
                    ))),
                    Err(BodyError::Read(e)) => Err(ApiError::Transient(describe(e))),
                    Ok(body) if (200..300).contains(&status) => match error::error_in(&body) {
                        Some((code, message)) => Err(from_code(code, message)),
                        None => Ok(body),
                    },
                    Ok(body) => Err(classify(status, &body)),
                }
            }
        };
        self.settle(label, &token, &result);
        result
    }

    /// A form POST under `api_base` (writes). The outcome says whether
    /// the write may have happened.
    pub async fn post_form(
        &self,
        path: &str,
        label: &str,
        form: &[(&str, String)],
    ) -> Result<Vec<u8>, PostError> {
        let token = self.current_token(label).map_err(|e| match e {
            ApiError::Auth { .. } => PostError::Refused(e),
            other => PostError::NotSent(other.to_string()),
        })?;
        if !self.inner.budget.try_acquire() {
            self.count(label, "budget");
            return Err(PostError::NotSent(
                "this connector's Weibo call budget is spent for now (requests_per_hour, or a rate limit until its reset)".into(),
            ));
        }
        let url = format!("{}/{}", self.inner.api_base, path.trim_start_matches('/'));
        let mut fields: Vec<(&str, String)> = vec![("access_token", token.clone())];
        fields.extend(form.iter().cloned());
        let sent = self
            .inner
            .http
            .post(url)
            .header(reqwest::header::AUTHORIZATION, format!("OAuth2 {token}"))
            .form(&fields)
            .timeout(self.inner.timeout)
            .send()
            .await;
        let result = match sent {
            Err(e) if e.is_connect() || e.is_builder() => Err(PostError::NotSent(describe(e))),
            Err(e) => Err(PostError::Uncertain(format!(
                "no answer from Weibo after sending: {}",
                describe(e)
            ))),
            Ok(response) => {
                let status = response.status().as_u16();
                match read_body(response, SMALL_LIMIT).await {
                    Err(BodyError::TooLarge) => Err(PostError::Uncertain(
                        "Weibo's answer was implausibly large".to_string(),
                    )),
                    Err(BodyError::Read(e)) => Err(PostError::Uncertain(format!(
                        "Weibo's answer broke off: {}",
                        describe(e)
                    ))),
                    Ok(body) => match (status, error::error_in(&body)) {
                        // A 5xx may come from a proxy after Weibo acted.
                        (500..=599, _) => Err(PostError::Uncertain(format!(
                            "HTTP {status} after the request was sent; it may have been published"
                        ))),
                        (_, Some((code, message))) => {
                            Err(PostError::Refused(from_code(code, message)))
                        }
                        (200..=299, None) => Ok(body),
                        (_, None) => Err(PostError::Uncertain(format!(
                            "HTTP {status} without a Weibo error body"
                        ))),
                    },
                }
            }
        };
        let outcome: Result<(), ApiError> = match &result {
            Ok(_) => Ok(()),
            Err(PostError::Refused(e)) => Err(e.clone()),
            Err(PostError::NotSent(e) | PostError::Uncertain(e)) => {
                Err(ApiError::Transient(e.clone()))
            }
        };
        self.settle(label, &token, &outcome);
        result
    }

    /// The token, or an `Auth` error without spending a call.
    fn current_token(&self, label: &str) -> Result<String, ApiError> {
        self.inner.token.get().map_err(|e| {
            self.count(label, "auth");
            ApiError::Auth {
                code: 0,
                message: e.to_string(),
            }
        })
    }

    /// Counts the call and acts on what it says about the token and limits.
    fn settle<T>(&self, label: &str, token: &str, result: &Result<T, ApiError>) {
        match result {
            Ok(_) => self.count(label, "ok"),
            Err(e) => {
                self.count(label, e.outcome());
                if let ApiError::Auth { .. } = e {
                    self.inner.token.refuse(token);
                }
            }
        }
    }

    fn count(&self, label: &str, outcome: &str) {
        self.inner
            .metrics
            .count_weibo_request(&self.inner.connector, label, outcome);
    }
}
