//! `/wechat/{connector_id}`: the WeChat Official Account webhook.
//!
//! GET is the URL verification, POST a push in plaintext, compatible or safe
//! mode. A push is answered `success` only once it is durable: WeChat
//! redelivers anything not answered within 5 s, so a push whose store ack
//! does not come within [`ACK_WAIT`](super::ACK_WAIT) is answered 503 and stored once when
//! the retry arrives (the dedup key is its native id). Every refusal stores
//! nothing. The protocol itself is in `src/connectors/wechat/`.

use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use serde::Deserialize;

use super::AppState;
use super::webhook::{is_fresh, plain_text, signed, submit_durable};
use crate::config::{WechatConfig, WechatModes};
use crate::connectors::wechat::crypto::{AesKey, CryptoError, SafeModeCipher};
use crate::connectors::wechat::signature::{msg_signature, verify_msg_signature};
use crate::connectors::wechat::xml::{self, PassiveReply, Push, XmlError};
use crate::connectors::{Envelope, Outcome, Payload, SourceContext};
use crate::metrics::Metrics;
use crate::model::MessageId;
use crate::rules::LiveRules;

/// One configured account, its secrets resolved.
pub struct WechatEndpoint {
    ctx: SourceContext,
    token: String,
    cipher: Option<SafeModeCipher>,
    accept: WechatModes,
    window: Duration,
    /// The rules in force: when one may ask for an instant reply, the
    /// stored message is looked at for it.
    rules: LiveRules,
}

impl WechatEndpoint {
    /// Reads the connector's secrets. The error names the secret's source,
    /// never its value.
    pub fn new(
        config: &WechatConfig,
        ctx: SourceContext,
        rules: LiveRules,
    ) -> Result<WechatEndpoint, String> {
        let token = config.token.resolve().map_err(|e| format!("token: {e}"))?;
        let cipher = match &config.aes_key {
            Some(secret) => {
                let text = secret.resolve().map_err(|e| format!("aes_key: {e}"))?;
                let key = AesKey::from_encoding_aes_key(text.trim())
                    .map_err(|e| format!("aes_key from {secret}: {e}"))?;
                Some(SafeModeCipher::new(key, config.app_id.clone()))
            }
            None => None,
        };
        Ok(WechatEndpoint {
            ctx,
            token,
            cipher,
            accept: config.accept,
            window: config.timestamp_window,
            rules,
        })
    }
}

/// The accounts served, by connector id; an id not here answers 404.
pub type WechatEndpoints = super::webhook::Endpoints<WechatEndpoint>;

/// The query parameters WeChat sends.
#[derive(Debug, Deserialize)]
pub(super) struct WechatQuery {
    signature: Option<String>,
    msg_signature: Option<String>,
    timestamp: Option<String>,
    nonce: Option<String>,
    echostr: Option<String>,
    encrypt_type: Option<String>,
}

/// Why a request was refused; each maps to one status and one metric label.
#[derive(Debug)]
enum Refusal {
    UnknownConnector,
    MissingParameter(&'static str),
    Signature,
    Timestamp,
    ModeNotAccepted(&'static str),
    Xml(XmlError),
    Crypto(CryptoError),
    NotStored(String),
}

impl Refusal {
    fn status_and_reason(&self) -> (StatusCode, &'static str) {
        match self {
            Refusal::UnknownConnector => (StatusCode::NOT_FOUND, "unknown_connector"),
            Refusal::MissingParameter(_) => (StatusCode::BAD_REQUEST, "missing_parameter"),
            Refusal::Signature => (StatusCode::UNAUTHORIZED, "signature"),
            Refusal::Timestamp => (StatusCode::UNAUTHORIZED, "timestamp"),
            Refusal::ModeNotAccepted(_) => (StatusCode::FORBIDDEN, "mode"),
            Refusal::Xml(XmlError::TooLarge { .. }) => (StatusCode::PAYLOAD_TOO_LARGE, "too_large"),
            Refusal::Xml(_) => (StatusCode::BAD_REQUEST, "xml"),
            Refusal::Crypto(CryptoError::AppIdMismatch { .. }) => {
                (StatusCode::UNAUTHORIZED, "app_id")
            }
            Refusal::Crypto(_) => (StatusCode::BAD_REQUEST, "crypto"),
            Refusal::NotStored(_) => (StatusCode::SERVICE_UNAVAILABLE, "not_stored"),
        }
    }

    fn text(&self) -> String {
        match self {
            Refusal::UnknownConnector => "no such WeChat connector".to_string(),
            Refusal::MissingParameter(name) => format!("missing query parameter {name}"),
            Refusal::Signature => "bad signature".to_string(),
            Refusal::Timestamp => "timestamp outside the accepted window".to_string(),
            Refusal::ModeNotAccepted(mode) => format!("{mode} mode is not accepted here"),
            Refusal::Xml(e) => e.to_string(),
            Refusal::Crypto(e) => e.to_string(),
            Refusal::NotStored(why) => format!("not stored, retry: {why}"),
        }
    }

    /// Counts and logs the refusal, then answers it.
    fn answer(self, connector: &str, metrics: &Metrics) -> Response {
        let (status, reason) = self.status_and_reason();
        metrics.count_wechat_rejected(reason);
        let text = self.text();
        tracing::warn!(connector, status = status.as_u16(), reason, detail = %text, "WeChat request refused.");
        (status, text).into_response()
    }
}

/// The URL verification: echo `echostr` when the signature holds; with
/// `msg_signature` (the safe-mode form) the echo is decrypted first.
pub(super) async fn verify(
    State(state): State<AppState>,
    Path(connector): Path<String>,
    Query(query): Query<WechatQuery>,
) -> Response {
    match verify_inner(&state, &connector, &query) {
        Ok(echo) => plain_text(echo),
        Err(refusal) => refusal.answer(&connector, &state.metrics),
    }
}

fn verify_inner(state: &AppState, connector: &str, q: &WechatQuery) -> Result<String, Refusal> {
    let endpoint = state
        .wechat
        .get(connector)
        .ok_or(Refusal::UnknownConnector)?;
    let (timestamp, nonce) = timestamp_and_nonce(q)?;
    let echostr = q
        .echostr
        .as_deref()
        .ok_or(Refusal::MissingParameter("echostr"))?;
    let Some(msg_signature) = q.msg_signature.as_deref() else {
        let signature = q
            .signature
            .as_deref()
            .ok_or(Refusal::MissingParameter("signature"))?;
        if !signed(&endpoint.token, timestamp, nonce, Some(signature)) {
            return Err(Refusal::Signature);
        }
        check_fresh(&endpoint, timestamp)?;
        return Ok(echostr.to_string());
    };
    let cipher = endpoint
        .cipher
        .as_ref()
        .ok_or(Refusal::ModeNotAccepted("safe"))?;
    if !verify_msg_signature(&endpoint.token, timestamp, nonce, echostr, msg_signature) {
        return Err(Refusal::Signature);
    }
    check_fresh(&endpoint, timestamp)?;
    cipher.decrypt(echostr).map_err(Refusal::Crypto)
}

/// A push: verify, decrypt, make durable, then answer `success`, or the
/// instant reply a rule asked for (encrypted unless the push was plaintext).
pub(super) async fn push(
    State(state): State<AppState>,
    Path(connector): Path<String>,
    Query(query): Query<WechatQuery>,
    body: Bytes,
) -> Response {
    let Some(endpoint) = state.wechat.get(&connector) else {
        return Refusal::UnknownConnector.answer(&connector, &state.metrics);
    };
    let checked = match checked_push(&endpoint, &query, &body) {
        Ok(checked) => checked,
        Err(refusal) => return refusal.answer(&connector, &state.metrics),
    };
    let CheckedPush { xml, mode, push } = checked;
    let id = match store(&endpoint, xml, mode).await {
        Ok(id) => id,
        Err(refusal) => return refusal.answer(&connector, &state.metrics),
    };
    let reply = match id {
        Some(id) if endpoint.rules.current().has_instant_replies() => {
            instant_reply(&state, &endpoint, id)
        }
        _ => None,
    };
    let Some(content) = reply else {
        // WeChat's "no passive reply": it neither retries nor tells the user anything.
        return plain_text("success".to_string());
    };
    let reply = PassiveReply::Text { content }.to_xml_for(&push, Utc::now().timestamp());
    match (mode, &endpoint.cipher) {
        (Mode::Plain, _) | (_, None) => xml_text(reply),
        (Mode::Safe | Mode::Compat, Some(cipher)) => {
            match encrypt_reply(&endpoint.token, cipher, &query, &reply) {
                Ok(envelope) => xml_text(envelope),
                Err(e) => {
                    // The push is stored; a reply we cannot encrypt is skipped,
                    // never sent in clear to a safe-mode account.
                    tracing::error!(connector, error = %e, "Instant reply not encrypted; answered success.");
                    plain_text("success".to_string())
                }
            }
        }
    }
}

/// The reply the writer rendered for message `id` (a retry gets the same one).
fn instant_reply(state: &AppState, endpoint: &WechatEndpoint, id: MessageId) -> Option<String> {
    match state.store.message(id) {
        Ok(message) => message.and_then(|m| m.instant_reply),
        Err(e) => {
            tracing::warn!(connector = %endpoint.ctx.id, error = %e, "Instant reply not read; answered success.");
            None
        }
    }
}

/// The safe-mode envelope around `reply`, signed with the request's own
/// timestamp and nonce (WeChat accepts them; research §2.4).
fn encrypt_reply(
    token: &str,
    cipher: &SafeModeCipher,
    q: &WechatQuery,
    reply: &str,
) -> Result<String, CryptoError> {
    let mut random = [0u8; 16];
    getrandom::fill(&mut random).map_err(|e| CryptoError::Random(e.to_string()))?;
    let encrypt = cipher.encrypt(random, reply.as_bytes())?;
    let timestamp = q.timestamp.as_deref().unwrap_or_default();
    let nonce = q.nonce.as_deref().unwrap_or_default();
    let signature = msg_signature(token, timestamp, nonce, &encrypt);
    let ts: i64 = timestamp
        .trim()
        .parse()
        .unwrap_or_else(|_| Utc::now().timestamp());
    Ok(xml::encrypted_reply_xml(&encrypt, &signature, ts, nonce))
}

/// The mode a push came in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Plain,
    Compat,
    Safe,
}

impl Mode {
    fn name(self) -> &'static str {
        match self {
            Mode::Plain => "plain",
            Mode::Compat => "compat",
            Mode::Safe => "safe",
        }
    }
}

/// A verified push: its plaintext XML, parsed, and the mode it came in.
struct CheckedPush {
    xml: Vec<u8>,
    mode: Mode,
    push: Push,
}

fn checked_push(
    endpoint: &WechatEndpoint,
    q: &WechatQuery,
    body: &[u8],
) -> Result<CheckedPush, Refusal> {
    let (timestamp, nonce) = timestamp_and_nonce(q)?;
    // No encrypt_type, or `raw`, means plaintext (official FAQ, research §1).
    let encrypted = match q.encrypt_type.as_deref() {
        None | Some("raw") | Some("") => false,
        Some(other) if other.eq_ignore_ascii_case("aes") => true,
        Some(_) => return Err(Refusal::MissingParameter("encrypt_type=aes or raw")),
    };
    if !encrypted {
        if !endpoint.accept.plain {
            return Err(Refusal::ModeNotAccepted("plain"));
        }
        check_signature(endpoint, q, timestamp, nonce)?;
        check_fresh(endpoint, timestamp)?;
        let push = xml::parse_push(body).map_err(Refusal::Xml)?;
        return Ok(CheckedPush {
            xml: body.to_vec(),
            mode: Mode::Plain,
            push,
        });
    }
    let envelope = xml::parse_envelope(body).map_err(Refusal::Xml)?;
    // Compatible mode carries the plaintext fields next to `Encrypt`; only
    // the encrypted copy is signed, so that is the one kept.
    let (allowed, mode) = if envelope.compat {
        (endpoint.accept.compat, Mode::Compat)
    } else {
        (endpoint.accept.safe, Mode::Safe)
    };
    let cipher = match (&endpoint.cipher, allowed) {
        (Some(cipher), true) => cipher,
        _ => return Err(Refusal::ModeNotAccepted(mode.name())),
    };
    // WeChat sends both signatures in these modes: check both.
    if q.signature.is_some() {
        check_signature(endpoint, q, timestamp, nonce)?;
    }
    let msg_signature = q.msg_signature.as_deref().ok_or(Refusal::Signature)?;
    if !verify_msg_signature(
        &endpoint.token,
        timestamp,
        nonce,
        &envelope.encrypt,
        msg_signature,
    ) {
        return Err(Refusal::Signature);
    }
    check_fresh(endpoint, timestamp)?;
    let plain = cipher.decrypt(&envelope.encrypt).map_err(Refusal::Crypto)?;
    let push = xml::parse_push(plain.as_bytes()).map_err(Refusal::Xml)?;
    Ok(CheckedPush {
        xml: plain.into_bytes(),
        mode,
        push,
    })
}

/// Makes the push durable; the id of the message it is stored as (None
/// when it was quarantined).
async fn store(
    endpoint: &WechatEndpoint,
    xml: Vec<u8>,
    mode: Mode,
) -> Result<Option<MessageId>, Refusal> {
    let envelope = Envelope {
        connector: endpoint.ctx.id.clone(),
        origin: format!("WeChat push ({} mode)", mode.name()),
        payload: Payload::Wechat(xml),
        received_at: Utc::now(),
        checkpoint: None,
        historical: false,
        ack: None,
    };
    // Not durable in time: the push may still become so, and WeChat's
    // retry then counts as a duplicate.
    match submit_durable(&endpoint.ctx, envelope).await {
        Ok(Outcome::Stored(id) | Outcome::Duplicate(id)) => Ok(Some(id)),
        Ok(Outcome::Quarantined(_)) => Ok(None),
        Err(why) => Err(Refusal::NotStored(why)),
    }
}

fn timestamp_and_nonce(q: &WechatQuery) -> Result<(&str, &str), Refusal> {
    let timestamp = q
        .timestamp
        .as_deref()
        .ok_or(Refusal::MissingParameter("timestamp"))?;
    let nonce = q
        .nonce
        .as_deref()
        .ok_or(Refusal::MissingParameter("nonce"))?;
    Ok((timestamp, nonce))
}

fn check_signature(
    endpoint: &WechatEndpoint,
    q: &WechatQuery,
    timestamp: &str,
    nonce: &str,
) -> Result<(), Refusal> {
    if signed(&endpoint.token, timestamp, nonce, q.signature.as_deref()) {
        Ok(())
    } else {
        Err(Refusal::Signature)
    }
}

/// Replay protection (research §7.12): the timestamp is signed, so a
/// captured request cannot be given a fresh one.
fn check_fresh(endpoint: &WechatEndpoint, timestamp: &str) -> Result<(), Refusal> {
    if is_fresh(timestamp, endpoint.window) {
        Ok(())
    } else {
        Err(Refusal::Timestamp)
    }
}

fn xml_text(body: String) -> Response {
    (
        [(header::CONTENT_TYPE, "application/xml; charset=utf-8")],
        body,
    )
        .into_response()
}
