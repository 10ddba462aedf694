//! What a call is answered with, decided under the state lock and turned
//! into an HTTP response after it: JSON bodies, Weibo error bodies
//! (`{"error","error_code","request"}`), the gateway's HTML 502, or nothing.

use axum::body::Body;
use axum::http::StatusCode;
use axum::http::header::{CONNECTION, CONTENT_TYPE, HeaderValue};
use axum::response::Response;
use serde_json::{Value, json};

/// The gateway's page when the backend fails (nginx in front of Weibo).
pub(crate) const BAD_GATEWAY_HTML: &str = "<html><body><h1>502 Bad Gateway</h1>\
<p>The server returned an invalid or incomplete response.</p>\
<hr><center>nginx</center></body></html>\n";

/// An answer, before it is rendered.
#[derive(Debug, Clone)]
pub(crate) enum Reply {
    /// A JSON body and how many items it carries.
    Json {
        status: u16,
        body: Value,
        items: usize,
    },
    /// A Weibo error body.
    Error {
        status: u16,
        code: i64,
        text: String,
    },
    /// HTTP 502 with the gateway's HTML page.
    Html502,
    /// No answer until the stand-in shuts down.
    Hang,
}

impl Reply {
    /// 200 with `body`.
    pub(crate) fn ok(body: Value, items: usize) -> Reply {
        Reply::Json {
            status: 200,
            body,
            items,
        }
    }

    /// An error with its own text.
    pub(crate) fn error(status: u16, code: i64, text: impl Into<String>) -> Reply {
        Reply::Error {
            status,
            code,
            text: text.into(),
        }
    }

    /// An error with Weibo's usual text for `code`.
    pub(crate) fn code(status: u16, code: i64) -> Reply {
        Reply::error(status, code, text_for(code))
    }

    /// HTTP status for the log (0: never answered).
    pub(crate) fn status(&self) -> u16 {
        match self {
            Reply::Json { status, .. } | Reply::Error { status, .. } => *status,
            Reply::Html502 => 502,
            Reply::Hang => 0,
        }
    }

    /// Weibo error code for the log.
    pub(crate) fn error_code(&self) -> Option<i64> {
        match self {
            Reply::Error { code, .. } => Some(*code),
            _ => None,
        }
    }

    /// Items carried, for the log.
    pub(crate) fn items(&self) -> usize {
        match self {
            Reply::Json { items, .. } => *items,
            _ => 0,
        }
    }

    /// The HTTP response; `request` is the path echoed in error bodies.
    pub(crate) fn into_response(self, request: &str, string_codes: bool) -> Response {
        match self {
            Reply::Json { status, body, .. } => json_response(status, &body),
            Reply::Error { status, code, text } => {
                let code = if string_codes {
                    Value::from(code.to_string())
                } else {
                    Value::from(code)
                };
                let body = json!({"error": text, "error_code": code, "request": request});
                json_response(status, &body)
            }
            Reply::Html502 => respond(502, "text/html", BAD_GATEWAY_HTML.to_owned()),
            Reply::Hang => {
                // Reached only at shutdown: close rather than keep the line.
                let mut response = respond(503, "text/html", String::new());
                response
                    .headers_mut()
                    .insert(CONNECTION, HeaderValue::from_static("close"));
                response
            }
        }
    }
}

fn json_response(status: u16, body: &Value) -> Response {
    respond(status, "application/json;charset=UTF-8", body.to_string())
}

fn respond(status: u16, content_type: &'static str, body: String) -> Response {
    let mut response = Response::new(Body::from(body));
    *response.status_mut() =
        StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    response
}

/// Weibo's error texts (research §6; 20019 keeps Weibo's typo).
pub(crate) fn text_for(code: i64) -> &'static str {
    match code {
        10001 => "System error",
        10002 => "Service unavailable",
        10003 => "Remote service error",
        10006 => "Source paramter (appkey) is missing",
        10008 => "Param error, see doc for more info.",
        10009 => "Too many pending tasks, system is busy",
        10011 => "RPC error",
        10014 => "Insufficient app permissions!",
        10020 => "Request Api not found!",
        10021 => "HTTP METHOD is not suported for this request!",
        10022 => "IP requests out of rate limit!",
        10023 => "User requests out of rate limit!",
        10024 => "User requests for (comments/create) out of rate limit!",
        20012 => "Text too long, please input text less than 140 characters!",
        20016 => "Out of limit!",
        20017 => "Repeat content!",
        20019 => "Repeat conetnt!",
        20101 => "Target weibo does not exist!",
        20201 => "Target weibo comment does not exist!",
        21301 => "auth by Null spi!",
        21314 => "Token used!",
        21315 => "Token expired!",
        21316 => "Token revoked!",
        21317 => "Token rejected!",
        21327 => "expired_token",
        21332 => "invalid_access_token",
        _ => "Unknown error",
    }
}
