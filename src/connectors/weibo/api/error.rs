//! What a failed Weibo call means for the caller, decided by `error_code`
//! (int or string) and the HTTP status, never by the error text.

use std::time::Duration;

use serde::Deserialize;

use crate::connectors::weibo::item::IntOrString;

/// Why a Weibo call did not give what was asked.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ApiError {
    /// 10022 (IP), 10023 (user) or 10024 (one API): wait for the window to reset.
    #[error("rate limit reached (Weibo error {code})")]
    RateLimited {
        /// The error code.
        code: i64,
    },
    /// The access token is missing, expired, revoked or invalid: a person must
    /// provide a new one.
    #[error("the access token was refused (Weibo error {code}: {message})")]
    Auth {
        /// The error code (21301, 21314–21317, 21319, 21327, 21332).
        code: i64,
        /// Weibo's text, for people.
        message: String,
    },
    /// Weibo or the network failed; the same call may succeed later.
    #[error("{0}")]
    Transient(String),
    /// Weibo refused the call for a reason retrying will not change
    /// (permissions, parameters, content).
    #[error("Weibo error {code}: {message}")]
    Permanent {
        /// The error code.
        code: i64,
        /// Weibo's text, for people.
        message: String,
    },
}

impl ApiError {
    /// The label used in metrics.
    pub fn outcome(&self) -> &'static str {
        match self {
            ApiError::RateLimited { .. } => "rate_limited",
            ApiError::Auth { .. } => "auth",
            ApiError::Transient(_) => "transient",
            ApiError::Permanent { .. } => "permanent",
        }
    }
}

/// The error codes that mean "this token is no good".
pub fn is_token_error(code: i64) -> bool {
    matches!(code, 21301 | 21314..=21317 | 21319 | 21327 | 21332)
}

/// The error codes that mean "over a rate limit".
pub fn is_rate_limit(code: i64) -> bool {
    matches!(code, 10022..=10024)
}

/// System-side codes worth retrying: system error, service unavailable,
/// remote service error, too many pending tasks, RPC error, and 20016
/// (posting too often), which passes with time.
fn is_transient_code(code: i64) -> bool {
    matches!(code, 10001..=10003 | 10009 | 10011 | 20016)
}

/// An error body's fields; both may be missing in non-Weibo answers.
#[derive(Debug, Deserialize)]
struct ErrorBody {
    error: Option<String>,
    error_code: Option<IntOrString>,
}

/// The error code and text in a body, when it is a Weibo error body.
pub fn error_in(body: &[u8]) -> Option<(i64, String)> {
    let parsed: ErrorBody = serde_json::from_slice(body).ok()?;
    let code = parsed.error_code?.as_i64()?;
    Some((code, parsed.error.unwrap_or_default()))
}

/// Classifies a Weibo error code.
pub fn from_code(code: i64, message: String) -> ApiError {
    if is_rate_limit(code) {
        ApiError::RateLimited { code }
    } else if is_token_error(code) {
        ApiError::Auth { code, message }
    } else if is_transient_code(code) {
        ApiError::Transient(format!("Weibo error {code}: {message}"))
    } else {
        ApiError::Permanent { code, message }
    }
}

/// Classifies an answer that is not a usable 2xx: the body's `error_code`
/// when it has one, else the HTTP class (5xx, 429 and proxies' HTML pages
/// are transient; any other status without a code is permanent).
pub fn classify(status: u16, body: &[u8]) -> ApiError {
    if let Some((code, message)) = error_in(body) {
        return from_code(code, message);
    }
    match status {
        429 => ApiError::RateLimited { code: 10023 },
        500..=599 | 408 => ApiError::Transient(format!(
            "HTTP {status} without a Weibo error body{}",
            snippet(body)
        )),
        _ => ApiError::Permanent {
            code: 0,
            message: format!("HTTP {status} without a Weibo error body{}", snippet(body)),
        },
    }
}

/// The start of a non-JSON body (an HTML error page), for the log.
fn snippet(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(&body[..body.len().min(120)]);
    let text: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if text.is_empty() {
        String::new()
    } else {
        format!(": {text}")
    }
}

/// Exponential backoff with jitter for transient failures: 2 s doubling to
/// 10 min, each wait drawn from [half, whole] so connectors that failed
/// together do not retry together.
pub fn backoff(failures: u32, jitter: f64) -> Duration {
    let base = 2f64 * 2f64.powi(failures.min(16) as i32);
    let capped = base.min(600.0);
    Duration::from_secs_f64(capped * (0.5 + 0.5 * jitter.clamp(0.0, 1.0)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_read_as_int_or_string_and_classified_by_code_alone() {
        let int = br#"{"error":"User requests out of rate limit!","error_code":10023,"request":"/2/x.json"}"#;
        let string = br#"{"error":"whatever","error_code":"10023","request":"/2/x.json"}"#;
        assert_eq!(classify(403, int), ApiError::RateLimited { code: 10023 });
        assert_eq!(classify(200, string), ApiError::RateLimited { code: 10023 });
        for code in [21301, 21314, 21315, 21316, 21317, 21327, 21332] {
            let body = format!(r#"{{"error":"Rate limit","error_code":{code}}}"#);
            assert!(
                matches!(classify(403, body.as_bytes()), ApiError::Auth { .. }),
                "{code}"
            );
        }
        let misleading = br#"{"error":"expired_token","error_code":10001}"#;
        assert!(matches!(classify(500, misleading), ApiError::Transient(_)));
        let permission = br#"{"error":"Insufficient app permissions!","error_code":"10014"}"#;
        assert!(matches!(
            classify(403, permission),
            ApiError::Permanent { code: 10014, .. }
        ));
    }

    #[test]
    fn pages_without_a_code_fall_back_to_the_http_class() {
        let html = b"<html><body><h1>502 Bad Gateway</h1></body></html>";
        match classify(502, html) {
            ApiError::Transient(text) => assert!(text.contains("502 Bad Gateway"), "{text}"),
            other => panic!("{other:?}"),
        }
        assert!(matches!(classify(404, b"nope"), ApiError::Permanent { .. }));
        assert!(matches!(classify(429, b""), ApiError::RateLimited { .. }));
    }

    #[test]
    fn backoff_doubles_within_its_jitter_and_is_capped() {
        assert_eq!(backoff(0, 1.0), Duration::from_secs(2));
        assert_eq!(backoff(0, 0.0), Duration::from_secs(1));
        assert_eq!(backoff(3, 1.0), Duration::from_secs(16));
        assert_eq!(backoff(40, 1.0), Duration::from_secs(600));
    }
}
