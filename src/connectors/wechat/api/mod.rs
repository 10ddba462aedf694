//! WeChat's outbound HTTP API: the access token, customer-service (客服) text
//! messages and media downloads. Protocol notes: `research/wechat.md` §5–6.
//!
//! | file | does |
//! | --- | --- |
//! | `token.rs` | the access token: fetch (stable or classic), single-flight refresh, invalidation |
//! | `cache.rs` | where a token outlives the process: [`TokenCache`], [`StoreTokenCache`] |
//! | `errcode.rs` | WeChat's `{"errcode","errmsg"}` answers and their readable reasons |
//! | `send.rs` | `message/custom/send`, the 48-hour window, [`SendError`] |
//! | `media.rs` | `media/get` with a hard size cap, [`Media`], [`MediaError`] |
//!
//! Secrets (AppSecret, access token) never reach a log line or an error:
//! errors are built from reqwest errors stripped of their URL, since the
//! token travels in the query string.

mod cache;
mod errcode;
mod media;
mod send;
mod token;

#[cfg(test)]
mod tests;

use std::fmt;

pub(crate) use crate::connectors::http::{BodyError, describe, mime_essence, read_body};
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

pub use cache::{CachedToken, NoTokenCache, SaveFuture, StoreTokenCache, TOKEN_CURSOR, TokenCache};
pub use media::{Media, MediaError, disposition_file_name, sanitize_file_name};
pub use send::{CUSTOMER_SERVICE_WINDOW, SendError, window_open};
pub use token::{AccessToken, Clock, TokenEndpoint, TokenError, system_clock};

use token::TokenManager;

/// Connect timeout of [`http_client`]: WeChat's API is either reachable fast or not at all.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// Whole-request timeout of [`http_client`].
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(15);

/// What one connector needs to talk to WeChat's API.
#[derive(Clone)]
pub struct ApiConfig {
    /// `https://api.weixin.qq.com`, or a stand-in's base URL in tests.
    pub api_base: String,
    /// The Official Account's AppID.
    pub app_id: String,
    /// The AppSecret; never logged.
    pub app_secret: String,
    /// Which token endpoint to use.
    pub token_endpoint: TokenEndpoint,
}

impl fmt::Debug for ApiConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ApiConfig")
            .field("api_base", &self.api_base)
            .field("app_id", &self.app_id)
            .field("app_secret", &"<redacted>")
            .field("token_endpoint", &self.token_endpoint)
            .finish()
    }
}

/// A reqwest client for WeChat: 5 s to connect, 15 s per request, no redirects
/// (a redirect would only ever be a misconfigured `api_base`).
pub fn http_client() -> reqwest::Result<reqwest::Client> {
    reqwest::Client::builder()
        .connect_timeout(CONNECT_TIMEOUT)
        .timeout(REQUEST_TIMEOUT)
        .redirect(reqwest::redirect::Policy::none())
        .build()
}

/// One connector's client for WeChat's API; cheap to clone, clones share the token.
#[derive(Clone)]
pub struct WechatApi {
    http: reqwest::Client,
    api_base: Arc<str>,
    tokens: Arc<TokenManager>,
}

impl fmt::Debug for WechatApi {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WechatApi")
            .field("api_base", &self.api_base)
            .field("app_id", &self.tokens.app_id())
            .finish_non_exhaustive()
    }
}

impl WechatApi {
    /// A client on `http`, persisting its token through `cache`, on the system clock.
    pub fn new(config: ApiConfig, http: reqwest::Client, cache: Arc<dyn TokenCache>) -> WechatApi {
        WechatApi::with_clock(config, http, cache, system_clock())
    }

    /// Like [`WechatApi::new`] with an injected clock, so tests can move time.
    pub fn with_clock(
        config: ApiConfig,
        http: reqwest::Client,
        cache: Arc<dyn TokenCache>,
        clock: Clock,
    ) -> WechatApi {
        let api_base: Arc<str> = config.api_base.trim_end_matches('/').into();
        let tokens = TokenManager::new(config, http.clone(), api_base.clone(), cache, clock);
        WechatApi {
            http,
            api_base,
            tokens: Arc::new(tokens),
        }
    }

    /// A valid access token, fetched or refreshed if needed (for APIs this module lacks).
    pub async fn access_token(&self) -> Result<AccessToken, TokenError> {
        self.tokens.current().await
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.api_base)
    }

    /// Runs `attempt` with the current token; when WeChat rejects the token
    /// (40001/40014/42001), refreshes it once and runs `attempt` once more.
    async fn with_token<T, E, F, Fut>(&self, mut attempt: F) -> Result<T, E>
    where
        F: FnMut(AccessToken) -> Fut,
        Fut: Future<Output = Result<T, Attempt<E>>>,
        E: From<TokenError>,
    {
        let token = self.tokens.current().await?;
        let code = match attempt(token.clone()).await {
            Ok(v) => return Ok(v),
            Err(Attempt::Failed(e)) => return Err(e),
            Err(Attempt::TokenRejected(code)) => code,
        };
        tracing::info!(
            app_id = %self.tokens.app_id(),
            errcode = code,
            "WeChat rejected the access token; refreshing it once"
        );
        let fresh = self.tokens.replace(&token).await?;
        match attempt(fresh).await {
            Ok(v) => Ok(v),
            Err(Attempt::Failed(e)) => Err(e),
            Err(Attempt::TokenRejected(code)) => Err(TokenError::Rejected {
                code,
                reason: format!(
                    "WeChat rejected a freshly issued access token ({code}); check the AppSecret and that nothing else refreshes this account's token"
                ),
            }
            .into()),
        }
    }
}

/// The outcome of one call, before the token retry is decided.
enum Attempt<E> {
    /// WeChat said the token is invalid or expired.
    TokenRejected(i64),
    /// Anything else; final.
    Failed(E),
}

/// Cap on a JSON answer: WeChat's are a few hundred bytes.
const JSON_LIMIT: u64 = 64 * 1024;
