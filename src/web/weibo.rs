//! `/weibo/{connector_id}`: Weibo's push service (消息推送服务, research
//! weibo.md §2 "Push alternative").
//!
//! GET is the URL verification (`echostr` echoed), POST one push, JSON or
//! WeChat-format XML. Both are signed like WeChat's plaintext mode, with
//! the App Secret in place of the Token. Weibo gives up after 5 s and
//! retries three times, so a mention is answered `success` only once it is
//! durable (else 503, and the retry is stored once: its native id is the
//! item's `status:<id>` / `comment:<id>`).
//!
//! What is answered `success` without being a message: a push of a type
//! Weibo says to ignore (`PushKind::Other`), logged at debug; and a signed
//! push that cannot be parsed, which goes to the pipeline and is
//! quarantined there with its bytes, so that a person sees it. Refusing it
//! instead would only make Weibo send the same bytes three more times, and
//! the signature shows it did come from Weibo (its retries are quarantined
//! once: quarantine is keyed by content). Every refusal (unknown
//! connector, bad or stale signature, oversized body) stores nothing.

use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use serde::Deserialize;

use super::AppState;
use super::webhook::{is_fresh, plain_text, signed, submit_durable};
use crate::config::WeiboConfig;
use crate::connectors::weibo::{PushKind, parse_push};
use crate::connectors::{Envelope, Outcome, Payload, SourceContext};

/// How far a request's signed `timestamp` may be from now: WeChat's default,
/// which the protocol copies; Weibo's three retries come within seconds.
const TIMESTAMP_WINDOW: Duration = Duration::from_secs(300);

/// One push-enabled Weibo connector, its App Secret resolved.
pub struct WeiboEndpoint {
    ctx: SourceContext,
    app_secret: String,
}

impl WeiboEndpoint {
    /// Reads the connector's App Secret. The error names where it is read
    /// from, never its value.
    pub fn new(config: &WeiboConfig, ctx: SourceContext) -> Result<WeiboEndpoint, String> {
        let secret = config.app_secret.as_ref().ok_or_else(|| {
            "push needs the App Secret that signs pushes: app_secret_env or app_secret_file"
                .to_string()
        })?;
        let app_secret = secret
            .resolve()
            .map_err(|e| format!("app_secret: {e}"))?
            .trim()
            .to_string();
        Ok(WeiboEndpoint { ctx, app_secret })
    }
}

/// The accounts served, by connector id; an id not here answers 404.
pub type WeiboEndpoints = super::webhook::Endpoints<WeiboEndpoint>;

/// The query parameters Weibo sends.
#[derive(Debug, Deserialize)]
pub(super) struct WeiboQuery {
    signature: Option<String>,
    timestamp: Option<String>,
    nonce: Option<String>,
    echostr: Option<String>,
}

/// Why a request was refused.
#[derive(Debug)]
enum Refusal {
    UnknownConnector,
    MissingParameter(&'static str),
    Signature,
    Timestamp,
    Empty,
    NotStored(String),
}

impl Refusal {
    fn status(&self) -> StatusCode {
        match self {
            Refusal::UnknownConnector => StatusCode::NOT_FOUND,
            Refusal::MissingParameter(_) | Refusal::Empty => StatusCode::BAD_REQUEST,
            Refusal::Signature | Refusal::Timestamp => StatusCode::UNAUTHORIZED,
            Refusal::NotStored(_) => StatusCode::SERVICE_UNAVAILABLE,
        }
    }

    fn text(&self) -> String {
        match self {
            Refusal::UnknownConnector => "no such Weibo push connector".to_string(),
            Refusal::MissingParameter(name) => format!("missing query parameter {name}"),
            Refusal::Signature => "bad signature".to_string(),
            Refusal::Timestamp => "timestamp outside the accepted window".to_string(),
            Refusal::Empty => "empty push".to_string(),
            Refusal::NotStored(why) => format!("not stored, retry: {why}"),
        }
    }

    /// Logs the refusal and answers it. Not counted: the only refusal
    /// metric is WeChat's own.
    fn answer(self, connector: &str) -> Response {
        let status = self.status();
        let text = self.text();
        tracing::warn!(connector, status = status.as_u16(), detail = %text, "Weibo push request refused.");
        (status, text).into_response()
    }
}

/// The URL verification: echo `echostr` when the signature holds.
pub(super) async fn verify(
    State(state): State<AppState>,
    Path(connector): Path<String>,
    Query(query): Query<WeiboQuery>,
) -> Response {
    let checked = state
        .weibo
        .get(&connector)
        .ok_or(Refusal::UnknownConnector)
        .and_then(|endpoint| check(&endpoint, &query))
        .and_then(|()| {
            query
                .echostr
                .clone()
                .ok_or(Refusal::MissingParameter("echostr"))
        });
    match checked {
        Ok(echo) => plain_text(echo),
        Err(refusal) => refusal.answer(&connector),
    }
}

/// A push: verify, then store a mention (or quarantine what cannot be
/// read) and answer `success` once durable.
pub(super) async fn push(
    State(state): State<AppState>,
    Path(connector): Path<String>,
    Query(query): Query<WeiboQuery>,
    body: Bytes,
) -> Response {
    let Some(endpoint) = state.weibo.get(&connector) else {
        return Refusal::UnknownConnector.answer(&connector);
    };
    if let Err(refusal) = check(&endpoint, &query) {
        return refusal.answer(&connector);
    }
    if body.trim_ascii().is_empty() {
        return Refusal::Empty.answer(&connector);
    }
    match parse_push(&body) {
        Ok(push) => {
            if let PushKind::Other(kind) = &push.kind {
                // Weibo says unknown types must be ignored, and answered.
                tracing::debug!(connector, kind = %kind, "Weibo push of another type ignored.");
                return plain_text("success".to_string());
            }
        }
        // Stored anyway: the pipeline quarantines it with its bytes.
        Err(e) => {
            tracing::warn!(connector, error = %e, "Signed Weibo push not readable; quarantined.");
        }
    }
    let envelope = Envelope {
        connector: endpoint.ctx.id.clone(),
        origin: "Weibo push".to_string(),
        payload: Payload::Weibo(body.to_vec()),
        received_at: Utc::now(),
        checkpoint: None,
        historical: false,
        ack: None,
    };
    match submit_durable(&endpoint.ctx, envelope).await {
        Ok(Outcome::Stored(_) | Outcome::Duplicate(_) | Outcome::Quarantined(_)) => {
            plain_text("success".to_string())
        }
        Err(why) => Refusal::NotStored(why).answer(&connector),
    }
}

/// The query's signature over the App Secret, and its freshness.
fn check(endpoint: &WeiboEndpoint, q: &WeiboQuery) -> Result<(), Refusal> {
    let timestamp = q
        .timestamp
        .as_deref()
        .ok_or(Refusal::MissingParameter("timestamp"))?;
    let nonce = q
        .nonce
        .as_deref()
        .ok_or(Refusal::MissingParameter("nonce"))?;
    if !signed(
        &endpoint.app_secret,
        timestamp,
        nonce,
        q.signature.as_deref(),
    ) {
        return Err(Refusal::Signature);
    }
    if !is_fresh(timestamp, TIMESTAMP_WINDOW) {
        return Err(Refusal::Timestamp);
    }
    Ok(())
}

#[cfg(test)]
mod tests;
