//! The one stylesheet and the one script, compiled into the binary and
//! served with a content-hash ETag, so a new build is picked up after at
//! most `max-age` and a browser revalidating gets a 304.

use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

/// `/assets/app.css`.
pub const APP_CSS: Asset = Asset::new(include_str!("assets/app.css"), "text/css; charset=utf-8");
/// `/assets/app.js`.
pub const APP_JS: Asset = Asset::new(
    include_str!("assets/app.js"),
    "text/javascript; charset=utf-8",
);

/// How long a browser may use an asset without asking again.
pub const CACHE_CONTROL: &str = "public, max-age=3600";

/// A static text asset.
#[derive(Debug, Clone, Copy)]
pub struct Asset {
    /// The file's text.
    pub body: &'static str,
    /// Its `Content-Type`.
    pub content_type: &'static str,
    /// FNV-1a of the text, computed at compile time.
    pub hash: u64,
}

impl Asset {
    /// An asset of `body`, hashed at compile time.
    pub const fn new(body: &'static str, content_type: &'static str) -> Asset {
        Asset {
            body,
            content_type,
            hash: fnv1a(body.as_bytes()),
        }
    }

    /// The strong ETag, quoted: `"9f3a…"`.
    pub fn etag(&self) -> String {
        format!("\"{:016x}\"", self.hash)
    }

    /// Whether an `If-None-Match` value names this version (or `*`).
    fn matches(&self, if_none_match: &str) -> bool {
        let etag = self.etag();
        if_none_match.split(',').map(str::trim).any(|tag| {
            // Weak comparison is what If-None-Match asks for (RFC 9110 §13.1.2).
            tag == "*" || tag.strip_prefix("W/").unwrap_or(tag) == etag
        })
    }

    /// 200 with the asset, or 304 when the request already holds this version.
    pub fn response(&self, request: &HeaderMap) -> Response {
        let fresh = request
            .get(header::IF_NONE_MATCH)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| self.matches(v));
        let etag = HeaderValue::from_str(&self.etag()).unwrap_or(HeaderValue::from_static("\"\""));
        let headers = [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static(self.content_type),
            ),
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static(CACHE_CONTROL),
            ),
            (header::ETAG, etag),
            (
                header::X_CONTENT_TYPE_OPTIONS,
                HeaderValue::from_static("nosniff"),
            ),
        ];
        if fresh {
            (StatusCode::NOT_MODIFIED, headers).into_response()
        } else {
            (StatusCode::OK, headers, self.body).into_response()
        }
    }
}

/// `GET /assets/app.css` (must be public: the login page uses it).
pub async fn app_css(headers: HeaderMap) -> Response {
    APP_CSS.response(&headers)
}

/// `GET /assets/app.js`.
pub async fn app_js(headers: HeaderMap) -> Response {
    APP_JS.response(&headers)
}

/// 64-bit FNV-1a: a const fn, so the ETag costs nothing at run time; it
/// only has to change when the file does, not resist an attacker.
const fn fnv1a(bytes: &[u8]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    let mut i = 0;
    while i < bytes.len() {
        hash ^= bytes[i] as u64;
        hash = hash.wrapping_mul(0x0100_0000_01b3);
        i += 1;
    }
    hash
}
