//! Temporary media: `GET /cgi-bin/media/get` (research §6). The answer is the
//! raw file, or JSON (an error, or a video's download URL): branch on
//! Content-Type. A download is idempotent, so any network failure is transient.

use std::fmt;

use reqwest::StatusCode;
use reqwest::header::CONTENT_DISPOSITION;
use serde::Deserialize;

use super::errcode::{self, BUSY};
use super::token::{AccessToken, TokenError};
use super::{Attempt, BodyError, JSON_LIMIT, WechatApi, describe, mime_essence, read_body};

/// A downloaded medium.
#[derive(Clone, PartialEq, Eq)]
pub enum Media {
    /// An image or voice file.
    File {
        /// From Content-Disposition, stripped of any path; else the media_id.
        name: String,
        /// From Content-Type, without parameters.
        mime_type: String,
        /// The file.
        bytes: Vec<u8>,
    },
    /// A video: WeChat hands out a URL instead of the file.
    VideoUrl(String),
}

impl fmt::Debug for Media {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Media::File {
                name,
                mime_type,
                bytes,
            } => f
                .debug_struct("File")
                .field("name", name)
                .field("mime_type", mime_type)
                .field("len", &bytes.len())
                .finish(),
            Media::VideoUrl(url) => f.debug_tuple("VideoUrl").field(url).finish(),
        }
    }
}

/// Why a medium could not be downloaded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MediaError {
    /// WeChat refused (unknown or expired media_id, …); retrying will not help.
    #[error("{reason}")]
    Permanent {
        /// WeChat's errcode; `None` when the refusal was an HTTP status or an unreadable answer.
        code: Option<i64>,
        /// Readable reason, ending in the code.
        reason: String,
    },
    /// The network or WeChat failed; retry later.
    #[error("{reason} (retry later)")]
    Transient {
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
    /// The file is larger than the caller's cap; the download was abandoned.
    #[error("the media file is larger than the {limit}-byte limit")]
    TooLarge {
        /// The cap in bytes.
        limit: u64,
    },
}

impl MediaError {
    /// Whether a later retry may succeed.
    pub fn is_transient(&self) -> bool {
        matches!(self, MediaError::Transient { .. })
    }
}

impl From<TokenError> for MediaError {
    fn from(e: TokenError) -> MediaError {
        match e {
            TokenError::Rejected { code, reason } => MediaError::Auth {
                code: Some(code),
                reason,
            },
            TokenError::Unavailable { reason } => MediaError::Transient {
                reason: format!("no access token: {reason}"),
            },
        }
    }
}

/// The JSON variants of a `media/get` answer.
#[derive(Deserialize)]
struct MediaReply {
    errcode: Option<i64>,
    #[serde(default)]
    errmsg: String,
    video_url: Option<String>,
}

impl WechatApi {
    /// Downloads temporary medium `media_id`, refusing files over `max_bytes`.
    pub async fn download_media(
        &self,
        media_id: &str,
        max_bytes: u64,
    ) -> Result<Media, MediaError> {
        self.with_token(|token| self.get_media(token, media_id, max_bytes))
            .await
    }

    async fn get_media(
        &self,
        token: AccessToken,
        media_id: &str,
        max_bytes: u64,
    ) -> Result<Media, Attempt<MediaError>> {
        let fail = Attempt::Failed;
        let response = self
            .http
            .get(self.url("/cgi-bin/media/get"))
            .query(&[("access_token", token.secret()), ("media_id", media_id)])
            .send()
            .await
            .map_err(|e| fail(request_failed(e)))?;
        let status = response.status();
        if status.is_server_error() || status == StatusCode::TOO_MANY_REQUESTS {
            return Err(fail(MediaError::Transient {
                reason: format!("WeChat answered HTTP {status}"),
            }));
        }
        if !status.is_success() {
            return Err(fail(MediaError::Permanent {
                code: None,
                reason: format!("WeChat refused the download with HTTP {status}"),
            }));
        }
        let mime_type = mime_essence(&response);
        if matches!(
            mime_type.as_deref(),
            Some("application/json" | "text/plain")
        ) {
            let body = read_body(response, JSON_LIMIT).await.map_err(|e| match e {
                BodyError::TooLarge => fail(MediaError::Permanent {
                    code: None,
                    reason: "WeChat answered an implausibly large JSON document".into(),
                }),
                e => fail(body_failed(e, JSON_LIMIT)),
            })?;
            return json_answer(&body);
        }
        let name = response
            .headers()
            .get(CONTENT_DISPOSITION)
            .and_then(|v| disposition_file_name(&String::from_utf8_lossy(v.as_bytes())))
            .or_else(|| sanitize_file_name(media_id))
            .unwrap_or_else(|| "media".to_string());
        let bytes = read_body(response, max_bytes)
            .await
            .map_err(|e| fail(body_failed(e, max_bytes)))?;
        Ok(Media::File {
            name,
            mime_type: mime_type.unwrap_or_else(|| "application/octet-stream".to_string()),
            bytes,
        })
    }
}

fn request_failed(e: reqwest::Error) -> MediaError {
    if e.is_builder() {
        MediaError::Permanent {
            code: None,
            reason: format!(
                "the request could not be built (check api_base): {}",
                describe(e)
            ),
        }
    } else {
        MediaError::Transient {
            reason: format!("the download failed: {}", describe(e)),
        }
    }
}

fn body_failed(e: BodyError, limit: u64) -> MediaError {
    match e {
        BodyError::TooLarge => MediaError::TooLarge { limit },
        BodyError::Read(e) => MediaError::Transient {
            reason: format!("the download broke off: {}", describe(e)),
        },
    }
}

/// A JSON answer: a video's URL or an error.
pub(super) fn json_answer(body: &[u8]) -> Result<Media, Attempt<MediaError>> {
    let Ok(reply) = serde_json::from_slice::<MediaReply>(body) else {
        return Err(Attempt::Failed(MediaError::Permanent {
            code: None,
            reason: "WeChat answered JSON that is neither a file, a video URL nor an error".into(),
        }));
    };
    match (reply.errcode, reply.video_url) {
        (None | Some(0), Some(url)) if !url.is_empty() => Ok(Media::VideoUrl(url)),
        (Some(c), _) if errcode::is_token_error(c) => Err(Attempt::TokenRejected(c)),
        (Some(BUSY), _) => Err(Attempt::Failed(MediaError::Transient {
            reason: errcode::reason(BUSY, &reply.errmsg),
        })),
        (Some(c), _) if c != 0 => Err(Attempt::Failed(MediaError::Permanent {
            code: Some(c),
            reason: errcode::reason(c, &reply.errmsg),
        })),
        _ => Err(Attempt::Failed(MediaError::Permanent {
            code: None,
            reason: "WeChat answered JSON without a file, a video URL or an error".into(),
        })),
    }
}

/// The `filename` parameter of a Content-Disposition value, made safe to use
/// as a file name (WeChat sends `attachment; filename="MEDIA_ID.jpg"`).
pub fn disposition_file_name(value: &str) -> Option<String> {
    let raw = value.split(';').skip(1).find_map(|param| {
        let (key, val) = param.split_once('=')?;
        key.trim()
            .eq_ignore_ascii_case("filename")
            .then(|| val.trim().trim_matches('"'))
    })?;
    sanitize_file_name(raw)
}

/// Longest file name kept, in bytes (common file-system limit).
const NAME_LIMIT: usize = 255;

/// `raw` without directories, control characters or leading dots; `None` if nothing is left.
pub fn sanitize_file_name(raw: &str) -> Option<String> {
    let last = raw.rsplit(['/', '\\']).next().unwrap_or("");
    let cleaned: String = last.chars().filter(|c| !c.is_control()).collect();
    let trimmed = cleaned.trim().trim_start_matches('.');
    let mut name = String::new();
    for c in trimmed.chars() {
        if name.len() + c.len_utf8() > NAME_LIMIT {
            break;
        }
        name.push(c);
    }
    (!name.is_empty()).then_some(name)
}
