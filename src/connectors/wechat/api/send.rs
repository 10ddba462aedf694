//! Customer-service (客服) text messages: `POST /cgi-bin/message/custom/send`
//! (research §5.2). A send is not idempotent, so every failure says whether
//! the message may have reached the user.

use chrono::{DateTime, TimeDelta, Utc};
use reqwest::StatusCode;
use serde::Serialize;

use super::errcode::{self, BUSY, Status};
use super::token::{AccessToken, TokenError};
use super::{Attempt, BodyError, JSON_LIMIT, WechatApi, describe, read_body};

/// How long after a user's last message the account may write to them.
/// Newer docs also cap it at 5 messages per window (errcode 45047).
pub const CUSTOMER_SERVICE_WINDOW: TimeDelta = TimeDelta::hours(48);

/// Whether a customer-service message to a user who last wrote at
/// `last_user_message_at` is still allowed at `now`.
pub fn window_open(last_user_message_at: DateTime<Utc>, now: DateTime<Utc>) -> bool {
    now.signed_duration_since(last_user_message_at) < CUSTOMER_SERVICE_WINDOW
}

/// Why a message was not (or may not have been) sent.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SendError {
    /// WeChat refused this message; sending it again will fail the same way.
    #[error("{reason}")]
    Permanent {
        /// WeChat's errcode; `None` when the refusal was an HTTP status without one.
        code: Option<i64>,
        /// Readable reason, ending in the code.
        reason: String,
    },
    /// Nothing was delivered; retrying later is safe.
    #[error("{reason} (not sent; safe to retry)")]
    Transient {
        /// What went wrong, without URLs.
        reason: String,
    },
    /// The request left but no clear answer came back: the message may have
    /// been delivered, so it must not be retried automatically.
    #[error("{reason} (the message may have been delivered; not retried)")]
    Uncertain {
        /// What went wrong, without URLs.
        reason: String,
    },
    /// No usable access token: the account's configuration needs fixing.
    #[error("no access token: {reason}")]
    Auth {
        /// WeChat's errcode, when it gave one.
        code: Option<i64>,
        /// Readable reason, ending in the code.
        reason: String,
    },
}

impl SendError {
    /// The refusal for a closed 48-hour window, worded as WeChat's 45015, for
    /// refusing early without calling the API.
    pub fn window_closed() -> SendError {
        SendError::Permanent {
            code: Some(45015),
            reason: errcode::reason(45015, ""),
        }
    }

    /// Whether a later retry may succeed and cannot duplicate the message.
    pub fn is_transient(&self) -> bool {
        matches!(self, SendError::Transient { .. })
    }

    /// Whether the message may have been delivered despite the error.
    pub fn may_have_been_delivered(&self) -> bool {
        matches!(self, SendError::Uncertain { .. })
    }
}

impl From<TokenError> for SendError {
    fn from(e: TokenError) -> SendError {
        match e {
            TokenError::Rejected { code, reason } => SendError::Auth {
                code: Some(code),
                reason,
            },
            TokenError::Unavailable { reason } => SendError::Transient {
                reason: format!("no access token: {reason}"),
            },
        }
    }
}

#[derive(Serialize)]
struct TextMessage<'a> {
    touser: &'a str,
    msgtype: &'static str,
    text: TextBody<'a>,
}

#[derive(Serialize)]
struct TextBody<'a> {
    content: &'a str,
}

impl WechatApi {
    /// Sends `content` as a customer-service text message to `openid`.
    pub async fn send_text(&self, openid: &str, content: &str) -> Result<(), SendError> {
        let message = TextMessage {
            touser: openid,
            msgtype: "text",
            text: TextBody { content },
        };
        self.with_token(|token| self.post_custom(token, &message))
            .await
    }

    async fn post_custom(
        &self,
        token: AccessToken,
        message: &TextMessage<'_>,
    ) -> Result<(), Attempt<SendError>> {
        let response = self
            .http
            .post(self.url("/cgi-bin/message/custom/send"))
            .query(&[("access_token", token.secret())])
            .json(message)
            .send()
            .await
            .map_err(|e| Attempt::Failed(request_failed(e)))?;
        let status = response.status();
        if status == StatusCode::TOO_MANY_REQUESTS || status == StatusCode::SERVICE_UNAVAILABLE {
            return Err(Attempt::Failed(SendError::Transient {
                reason: format!("WeChat answered HTTP {status} before taking the message"),
            }));
        }
        let body = read_body(response, JSON_LIMIT).await.map_err(|e| {
            Attempt::Failed(SendError::Uncertain {
                reason: match e {
                    BodyError::TooLarge => {
                        format!("HTTP {status} with an implausibly large answer")
                    }
                    BodyError::Read(e) => format!("the answer broke off: {}", describe(e)),
                },
            })
        })?;
        match serde_json::from_slice::<Status>(&body) {
            Ok(Status {
                errcode: Some(code),
                errmsg,
            }) => classify(code, &errmsg),
            _ => Err(Attempt::Failed(unreadable(status))),
        }
    }
}

/// A failed request: only a failed connect proves nothing was sent.
fn request_failed(e: reqwest::Error) -> SendError {
    if e.is_builder() {
        SendError::Permanent {
            code: None,
            reason: format!(
                "the request could not be built (check api_base): {}",
                describe(e)
            ),
        }
    } else if e.is_connect() {
        SendError::Transient {
            reason: format!("could not connect to WeChat: {}", describe(e)),
        }
    } else if e.is_timeout() {
        SendError::Uncertain {
            reason: format!("no answer in time: {}", describe(e)),
        }
    } else {
        SendError::Uncertain {
            reason: format!("the request failed after it was sent: {}", describe(e)),
        }
    }
}

/// An answer without an errcode: a 4xx means the gateway refused the request;
/// anything else may have been processed.
fn unreadable(status: StatusCode) -> SendError {
    if status.is_client_error() {
        SendError::Permanent {
            code: None,
            reason: format!("WeChat refused the request with HTTP {status} (check api_base)"),
        }
    } else {
        SendError::Uncertain {
            reason: format!("HTTP {status} without a readable errcode"),
        }
    }
}

/// errcode → outcome of one attempt.
pub(super) fn classify(code: i64, errmsg: &str) -> Result<(), Attempt<SendError>> {
    match code {
        0 => Ok(()),
        c if errcode::is_token_error(c) => Err(Attempt::TokenRejected(c)),
        BUSY => Err(Attempt::Failed(SendError::Transient {
            reason: errcode::reason(BUSY, errmsg),
        })),
        c => Err(Attempt::Failed(SendError::Permanent {
            code: Some(c),
            reason: errcode::reason(c, errmsg),
        })),
    }
}
