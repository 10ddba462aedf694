//! Where an access token outlives the process: a restart must not fetch a new
//! token while the old one is valid (the classic endpoint's fetch even
//! invalidates the previous one).

use std::future::Future;
use std::pin::Pin;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::token::AccessToken;
use crate::store::Store;

/// The cursor name under which [`StoreTokenCache`] keeps the token.
pub const TOKEN_CURSOR: &str = "access_token";

/// A token and when it stops being usable.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CachedToken {
    /// The token itself (redacted in `Debug`).
    pub token: AccessToken,
    /// When WeChat stops accepting it.
    pub expires_at: DateTime<Utc>,
    /// When to fetch a new one: a margin before `expires_at`.
    pub refresh_at: DateTime<Utc>,
}

impl CachedToken {
    /// Whether the token can still be used at `now` without refreshing.
    pub fn is_fresh(&self, now: DateTime<Utc>) -> bool {
        now < self.refresh_at && now < self.expires_at
    }
}

/// A boxed future, so [`TokenCache`] stays object-safe.
pub type SaveFuture<'a> = Pin<Box<dyn Future<Output = ()> + Send + 'a>>;

/// Persistence for the access token; failures are logged, never fatal,
/// because the token can always be fetched again.
pub trait TokenCache: Send + Sync {
    /// The last saved token, if any and readable.
    fn load(&self) -> Option<CachedToken>;
    /// Saves `token`, replacing the previous one.
    fn save<'a>(&'a self, token: &'a CachedToken) -> SaveFuture<'a>;
}

/// Keeps the token in memory only.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoTokenCache;

impl TokenCache for NoTokenCache {
    fn load(&self) -> Option<CachedToken> {
        None
    }

    fn save<'a>(&'a self, _token: &'a CachedToken) -> SaveFuture<'a> {
        Box::pin(async {})
    }
}

/// Keeps the token in the store as the connector's `access_token` cursor (JSON).
#[derive(Clone)]
pub struct StoreTokenCache {
    store: Store,
    connector: String,
}

impl StoreTokenCache {
    /// The cache of connector `connector` in `store`.
    pub fn new(store: Store, connector: impl Into<String>) -> StoreTokenCache {
        StoreTokenCache {
            store,
            connector: connector.into(),
        }
    }
}

impl std::fmt::Debug for StoreTokenCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StoreTokenCache")
            .field("connector", &self.connector)
            .finish_non_exhaustive()
    }
}

impl TokenCache for StoreTokenCache {
    fn load(&self) -> Option<CachedToken> {
        let bytes = match self.store.cursor(&self.connector, TOKEN_CURSOR) {
            Ok(bytes) => bytes?,
            Err(e) => {
                tracing::warn!(connector = %self.connector, error = %e, "Could not read the saved WeChat access token");
                return None;
            }
        };
        match serde_json::from_slice(&bytes) {
            Ok(token) => Some(token),
            Err(e) => {
                tracing::warn!(connector = %self.connector, error = %e, "Ignoring an unreadable saved WeChat access token");
                None
            }
        }
    }

    fn save<'a>(&'a self, token: &'a CachedToken) -> SaveFuture<'a> {
        Box::pin(async move {
            let bytes = match serde_json::to_vec(token) {
                Ok(bytes) => bytes,
                Err(e) => {
                    tracing::warn!(connector = %self.connector, error = %e, "Could not encode the WeChat access token");
                    return;
                }
            };
            let mut tx = self.store.begin().await;
            tx.set_cursor(&self.connector, TOKEN_CURSOR, &bytes);
            if let Err(e) = tx.commit().await {
                tracing::warn!(connector = %self.connector, error = %e, "Could not save the WeChat access token");
            }
        })
    }
}
