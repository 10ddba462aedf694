//! Who is asking, over HTTP: one middleware ([`guard`]) in front of every
//! route resolves the session cookie or the bearer token, refuses anonymous
//! requests to anything but the public paths, and checks the CSRF token of
//! every state-changing request a session makes. Because it is a layer on
//! the whole router, a new handler is behind login and CSRF without doing
//! anything; it asks for [`Identity`] as an extractor to know who it serves.
//!
//! Public: `/healthz` and `/metrics` (scraped by operations), the webhook
//! routes (`/wechat/…`, `/weibo/…`, signature-checked instead) and the login
//! form. Refused requests get 401 JSON under `/api/`, else a 303 to
//! `/login?next=<path>`.

mod login;

use std::net::{IpAddr, SocketAddr};

use axum::Json;
use axum::Router;
use axum::body::Body;
use axum::extract::{ConnectInfo, FromRequestParts, OptionalFromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::json;

use crate::auth::{AuthError, Identity, Permission, Via, csrf_matches, form_encode, form_field};

use super::AppState;

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "omnilisten_session";
/// The header a script or page sends the CSRF token in.
pub const CSRF_HEADER: &str = "x-csrf-token";
/// The form field a page sends the CSRF token in.
pub const CSRF_FIELD: &str = "_csrf";
/// Largest urlencoded form read for its CSRF field (and by the login form).
pub const MAX_FORM_BYTES: usize = 64 * 1024;
/// Paths anyone may call.
pub const PUBLIC_PATHS: [&str; 3] = ["/healthz", "/metrics", "/login"];
/// Path prefixes anyone may call: the webhooks, which check signatures,
/// and the stylesheet and script (the login page needs them).
pub const PUBLIC_PREFIXES: [&str; 3] = ["/wechat/", "/weibo/", "/assets/"];

/// What [`guard`] found out about a request, for the extractors.
#[derive(Debug, Clone)]
enum Outcome {
    /// A valid session or token.
    Known(Identity),
    /// Nothing presented, or a session that is gone.
    Anonymous,
    /// A bearer token that is not a configured one.
    BadToken,
}

/// The store key of the request's session, for logout.
#[derive(Debug, Clone, Copy)]
struct SessionKey([u8; 32]);

/// The login routes and the account API; the caller adds them before
/// layering [`guard`].
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/login", get(login::page).post(login::submit))
        .route("/logout", post(login::logout))
        .route("/api/me", get(me))
        .route("/api/admin/users", get(admin_users))
}

/// The middleware in front of every route: authenticate, refuse anonymous
/// requests off the public paths, check CSRF on a session's changes.
pub async fn guard(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let (mut parts, body) = request.into_parts();
    let outcome = resolve(&state, &mut parts);
    let path = parts.uri.path();
    let public =
        PUBLIC_PATHS.contains(&path) || PUBLIC_PREFIXES.iter().any(|p| path.starts_with(p));
    let identity = match &outcome {
        Outcome::Known(identity) => Some(identity.clone()),
        Outcome::Anonymous | Outcome::BadToken if public => None,
        Outcome::Anonymous => return login_required(&parts, AuthError::Unauthenticated),
        Outcome::BadToken => return login_required(&parts, AuthError::BadToken),
    };
    let safe = matches!(parts.method, Method::GET | Method::HEAD);
    // The login form has its own (pre-session) CSRF check; a logged-in
    // user logging in again must not need the old session's token.
    let body = match identity {
        Some(identity) if identity.via == Via::Session && !safe && path != "/login" => {
            match check_csrf(&parts, body, &identity.csrf).await {
                Ok(body) => body,
                Err(refused) => {
                    tracing::warn!(user = %identity.user, method = %parts.method, path, "Request refused: missing or wrong CSRF token.");
                    // A person at a browser gets a page that says what to do.
                    if !path.starts_with("/api/") && matches!(refused, AuthError::Csrf) {
                        return super::desk::stale_form_page(&identity, path);
                    }
                    return refused.into_response();
                }
            }
        }
        _ => body,
    };
    parts.extensions.insert(outcome);
    next.run(Request::from_parts(parts, body)).await
}

/// Session cookie or bearer token → outcome (and the session's key in the
/// extensions). A store failure while reading a session is logged and the
/// request treated as anonymous: the health routes must keep answering.
fn resolve(state: &AppState, parts: &mut Parts) -> Outcome {
    if let Some(value) = parts.headers.get(header::AUTHORIZATION) {
        let token = value
            .to_str()
            .ok()
            .and_then(|v| v.trim().split_once(' '))
            .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
            .map(|(_, token)| token.trim());
        return match token.and_then(|t| state.auth.token_identity(t)) {
            Some(identity) => Outcome::Known(identity),
            None => Outcome::BadToken,
        };
    }
    let Some(cookie) = cookie(&parts.headers, SESSION_COOKIE) else {
        return Outcome::Anonymous;
    };
    // One point read of a small, hot key, answered from sled's cache: it
    // stays on the async thread, since a hop to the blocking pool (0.05–0.25
    // ms measured by `omnilisten bench desk`) costs more than the read.
    match state
        .auth
        .session_identity(&state.store, &cookie, chrono::Utc::now())
    {
        Ok(Some((identity, key))) => {
            parts.extensions.insert(SessionKey(key));
            Outcome::Known(identity)
        }
        Ok(None) => Outcome::Anonymous,
        Err(e) => {
            tracing::error!(error = %e, "Session lookup failed; the request counts as not logged in.");
            Outcome::Anonymous
        }
    }
}

/// The CSRF token from `X-CSRF-Token`, or from the `_csrf` field of an
/// urlencoded body (read, checked, and handed on intact).
async fn check_csrf(parts: &Parts, body: Body, expected: &str) -> Result<Body, AuthError> {
    if let Some(value) = parts.headers.get(CSRF_HEADER) {
        let presented = value.to_str().unwrap_or_default();
        return if csrf_matches(expected, presented.trim()) {
            Ok(body)
        } else {
            Err(AuthError::Csrf)
        };
    }
    let form = parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.trim_start()
                .starts_with("application/x-www-form-urlencoded")
        });
    if !form {
        return Err(AuthError::Csrf);
    }
    let bytes = axum::body::to_bytes(body, MAX_FORM_BYTES)
        .await
        .map_err(|_| AuthError::TooLarge(MAX_FORM_BYTES))?;
    match form_field(&bytes, CSRF_FIELD) {
        Some(presented) if csrf_matches(expected, &presented) => Ok(Body::from(bytes)),
        _ => Err(AuthError::Csrf),
    }
}

/// The value of cookie `name` in the request's `Cookie` headers.
pub(super) fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value.trim().trim_matches('"').to_string())
}

/// The client's address: the peer's, or with `trust_forwarded_for` and a
/// loopback peer (a reverse proxy on this machine), the last address in
/// `X-Forwarded-For` — the one the proxy itself appended.
pub(super) fn client_ip(state: &AppState, parts: &Parts) -> String {
    let peer = parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip());
    let forwarded = || {
        parts
            .headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .next_back()
            .and_then(|ip| ip.trim().parse::<IpAddr>().ok())
    };
    let ip = match peer {
        Some(peer) if peer.is_loopback() && state.auth.settings().trust_forwarded_for => {
            forwarded().unwrap_or(peer)
        }
        other => other.unwrap_or(IpAddr::from([0, 0, 0, 0])),
    };
    ip.to_string()
}

/// 401 JSON under `/api/`; elsewhere 303 to the login form, coming back
/// to the page asked for.
fn login_required(parts: &Parts, why: AuthError) -> Response {
    if parts.uri.path().starts_with("/api/") {
        let mut response = why.into_response();
        response.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Bearer realm=\"omnilisten\""),
        );
        return response;
    }
    let target = parts.uri.path_and_query().map_or("/", |p| p.as_str());
    let location = format!("/login?next={}", form_encode(target));
    let mut response = StatusCode::SEE_OTHER.into_response();
    if let Ok(value) = HeaderValue::from_str(&location) {
        response.headers_mut().insert(header::LOCATION, value);
    }
    response
}

impl IntoResponse for AuthError {
    fn into_response(self) -> Response {
        let status = match &self {
            AuthError::Unauthenticated | AuthError::BadToken | AuthError::BadCredentials => {
                StatusCode::UNAUTHORIZED
            }
            AuthError::Forbidden { .. } | AuthError::Csrf => StatusCode::FORBIDDEN,
            AuthError::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            AuthError::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            AuthError::Store(e) => {
                tracing::error!(error = %e, "Store error during authentication.");
                StatusCode::SERVICE_UNAVAILABLE
            }
            AuthError::Random(e)
            | AuthError::Hash(e)
            | AuthError::Input(e)
            | AuthError::Internal(e) => {
                tracing::error!(error = %e, "Authentication failed on the server side.");
                StatusCode::INTERNAL_SERVER_ERROR
            }
        };
        let retry_after = match &self {
            AuthError::RateLimited { retry_after } => Some(retry_after.as_secs().max(1)),
            _ => None,
        };
        let mut response = (status, Json(json!({ "error": self.to_string() }))).into_response();
        if let Some(seconds) = retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        response
    }
}

impl FromRequestParts<AppState> for Identity {
    type Rejection = Response;

    /// The identity [`guard`] found; a route outside the guard is a wiring
    /// mistake and answers 500 rather than serving anyone.
    async fn from_request_parts(parts: &mut Parts, _: &AppState) -> Result<Self, Response> {
        match parts.extensions.get::<Outcome>() {
            Some(Outcome::Known(identity)) => Ok(identity.clone()),
            Some(Outcome::Anonymous) => Err(login_required(parts, AuthError::Unauthenticated)),
            Some(Outcome::BadToken) => Err(login_required(parts, AuthError::BadToken)),
            None => {
                tracing::error!(path = %parts.uri.path(), "Identity asked for on a route the auth guard does not cover.");
                Err(AuthError::Internal("route not behind the auth guard".into()).into_response())
            }
        }
    }
}

impl OptionalFromRequestParts<AppState> for Identity {
    type Rejection = Response;

    /// Who is asking, on a public page that serves anyone.
    async fn from_request_parts(parts: &mut Parts, _: &AppState) -> Result<Option<Self>, Response> {
        Ok(match parts.extensions.get::<Outcome>() {
            Some(Outcome::Known(identity)) => Some(identity.clone()),
            _ => None,
        })
    }
}

/// `GET /api/me`: who the caller is and what the role allows.
async fn me(identity: Identity) -> Json<serde_json::Value> {
    let csrf = (identity.via == Via::Session).then_some(&identity.csrf);
    Json(json!({
        "user": identity.user,
        "display_name": identity.display_name,
        "role": identity.role,
        "via": identity.via,
        "csrf": csrf,
        "permissions": identity.role.permissions(),
    }))
}

/// `GET /api/admin/users` (admin only): accounts and API tokens, without
/// hashes or secrets.
async fn admin_users(
    identity: Identity,
    State(state): State<AppState>,
) -> Result<Json<serde_json::Value>, AuthError> {
    identity.require(Permission::Admin)?;
    let users: Vec<_> = state
        .auth
        .users()
        .into_iter()
        .map(|u| json!({ "name": u.name, "display_name": u.display_name, "role": u.role }))
        .collect();
    let tokens: Vec<_> = state
        .auth
        .tokens()
        .iter()
        .map(|t| json!({ "name": t.name, "role": t.role }))
        .collect();
    Ok(Json(json!({ "users": users, "api_tokens": tokens })))
}

#[cfg(test)]
mod tests;
