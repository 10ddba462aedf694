//! What the push receivers share (`wechat.rs`, `weibo.rs`): both channels
//! sign the query with SHA-1 over the sorted (secret, timestamp, nonce),
//! both redeliver what is not answered within 5 s, and both are answered
//! only once what they pushed is durable.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use axum::http::header;
use axum::response::{IntoResponse, Response};
use chrono::Utc;

use crate::connectors::wechat::signature::verify_signature;
use crate::connectors::{Envelope, Outcome, SourceContext};

/// The webhook endpoints of one channel by connector id; any other id
/// answers 404. Cheap to clone.
pub struct Endpoints<T>(Arc<HashMap<String, Arc<T>>>);

impl<T> Clone for Endpoints<T> {
    fn clone(&self) -> Self {
        Endpoints(self.0.clone())
    }
}

impl<T> Default for Endpoints<T> {
    fn default() -> Self {
        Endpoints(Arc::new(HashMap::new()))
    }
}

impl<T> Endpoints<T> {
    /// The endpoints served, each under its connector id.
    pub fn new(endpoints: impl IntoIterator<Item = (String, T)>) -> Endpoints<T> {
        let map = endpoints
            .into_iter()
            .map(|(id, e)| (id, Arc::new(e)))
            .collect();
        Endpoints(Arc::new(map))
    }

    /// The endpoint of connector `id`.
    pub(super) fn get(&self, id: &str) -> Option<Arc<T>> {
        self.0.get(id).cloned()
    }
}

/// How long a push waits for its durable ack: under the channels' 5 s,
/// leaving time for the answer to travel.
pub const ACK_WAIT: Duration = Duration::from_secs(4);

/// Whether `signature` is the query signature over `secret` (WeChat's
/// Token, Weibo's App Secret), `timestamp` and `nonce`; constant time.
pub(super) fn signed(secret: &str, timestamp: &str, nonce: &str, signature: Option<&str>) -> bool {
    signature.is_some_and(|s| verify_signature(secret, timestamp, nonce, s))
}

/// Replay protection: whether the signed `timestamp` (seconds) is within
/// `window` of now, so a captured request cannot be replayed later.
pub(super) fn is_fresh(timestamp: &str, window: Duration) -> bool {
    let Ok(sent) = timestamp.trim().parse::<i64>() else {
        return false;
    };
    Utc::now().timestamp().abs_diff(sent) <= window.as_secs()
}

/// Hands `envelope` to the pipeline and waits up to [`ACK_WAIT`] for it to
/// be durable. The error says why it is not (yet): the sender should be
/// answered 503 so it retries, and a retry of something that did become
/// durable meanwhile is a duplicate, stored once.
pub(super) async fn submit_durable(
    ctx: &SourceContext,
    envelope: Envelope,
) -> Result<Outcome, String> {
    match tokio::time::timeout(ACK_WAIT, ctx.submit(envelope)).await {
        Ok(Some(Ok(outcome))) => {
            if matches!(outcome, Outcome::Stored(_)) {
                ctx.status.record_success(&ctx.id, 1);
            }
            Ok(outcome)
        }
        Ok(Some(Err(e))) => Err(e.0),
        Ok(None) => Err("shutting down".to_string()),
        Err(_) => Err(format!("no durable ack within {} s", ACK_WAIT.as_secs())),
    }
}

/// A `text/plain` answer (`success`, an echoed `echostr`).
pub(super) fn plain_text(body: String) -> Response {
    ([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], body).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::connectors::wechat::signature::signature;

    #[test]
    fn the_query_signature_needs_the_secret_and_a_signature() {
        let good = signature("secret", "1700000000", "42");
        assert!(signed("secret", "1700000000", "42", Some(&good)));
        assert!(!signed("other", "1700000000", "42", Some(&good)));
        assert!(!signed("secret", "1700000000", "42", None));
    }

    #[test]
    fn timestamps_outside_the_window_or_unreadable_are_stale() {
        let now = Utc::now().timestamp();
        let window = Duration::from_secs(300);
        assert!(is_fresh(&now.to_string(), window));
        assert!(is_fresh(&(now - 299).to_string(), window));
        assert!(!is_fresh(&(now - 400).to_string(), window));
        assert!(!is_fresh(&(now + 400).to_string(), window));
        assert!(!is_fresh("yesterday", window));
    }
}
