//! Request parameters: `application/x-www-form-urlencoded` decoding for the
//! query string and form bodies (no form crate is a dependency), typed
//! look-ups that answer 10016/10017 instead of failing, and the token.

use std::collections::BTreeMap;

use axum::http::HeaderMap;
use axum::http::header::AUTHORIZATION;

use super::reply::Reply;

/// Decoded `key=value` pairs in arrival order (query first, then form).
#[derive(Debug, Clone, Default)]
pub(crate) struct Params(Vec<(String, String)>);

impl Params {
    /// Decodes `a=1&b=%E4%BD%A0`; bad escapes stay literal and invalid
    /// UTF-8 becomes U+FFFD, as lenient servers do.
    pub(crate) fn decode(raw: &str) -> Params {
        Params(
            raw.split('&')
                .filter(|pair| !pair.is_empty())
                .map(|pair| {
                    let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
                    (unescape(key), unescape(value))
                })
                .collect(),
        )
    }

    /// Appends the pairs of `other` (form after query).
    pub(crate) fn extend(&mut self, other: Params) {
        self.0.extend(other.0);
    }

    /// The first value of `key`; the first one wins, as in servlet
    /// containers' `getParameter`.
    pub(crate) fn get(&self, key: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// A non-empty value of `key`, or 10016 naming it.
    pub(crate) fn required(&self, key: &str) -> Result<&str, Reply> {
        match self.get(key) {
            Some(v) if !v.trim().is_empty() => Ok(v),
            _ => Err(missing(key)),
        }
    }

    /// An integer parameter: absent or empty is `None`, anything but an
    /// integer is 10017.
    pub(crate) fn int(&self, key: &str) -> Result<Option<i64>, Reply> {
        match self.get(key).map(str::trim) {
            None | Some("") => Ok(None),
            Some(v) => v.parse::<i64>().map(Some).map_err(|_| invalid(key)),
        }
    }

    /// What the request log keeps: the first value of each key, no token.
    pub(crate) fn logged(&self) -> BTreeMap<String, String> {
        let mut out = BTreeMap::new();
        for (k, v) in &self.0 {
            if k != "access_token" {
                out.entry(k.clone()).or_insert_with(|| v.clone());
            }
        }
        out
    }
}

/// 10016 for `key`.
pub(crate) fn missing(key: &str) -> Reply {
    Reply::error(400, 10016, format!("Miss required parameter ({key})"))
}

/// 10017 for `key`.
pub(crate) fn invalid(key: &str) -> Reply {
    Reply::error(400, 10017, format!("Parameter ({key})'s value invalid"))
}

/// The token: header `Authorization: OAuth2 <token>` first, else the
/// `access_token` parameter; blank counts as missing.
pub(crate) fn token(headers: &HeaderMap, params: &Params) -> Option<String> {
    let from_header = headers
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("OAuth2"))
        .map(|(_, token)| token.trim().to_owned());
    from_header
        .or_else(|| params.get("access_token").map(|t| t.trim().to_owned()))
        .filter(|t| !t.is_empty())
}

/// `+` is a space and `%XX` a byte; anything else is itself.
fn unescape(raw: &str) -> String {
    let bytes = raw.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' => match (hex(bytes.get(i + 1)), hex(bytes.get(i + 2))) {
                (Some(hi), Some(lo)) => {
                    out.push(hi << 4 | lo);
                    i += 2;
                }
                _ => out.push(b'%'),
            },
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn hex(byte: Option<&u8>) -> Option<u8> {
    let c = *byte?;
    (c as char).to_digit(16).map(|d| d as u8)
}
