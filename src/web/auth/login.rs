//! `GET /login`, `POST /login`, `POST /logout`.
//!
//! The login form has no session to take a CSRF token from, so it uses a
//! double-submit cookie: `GET /login` sets a random token in an HttpOnly,
//! SameSite=Strict cookie and in a hidden field, and `POST /login` requires
//! both to match. The markup is deliberately plain and self-contained; the
//! desk's page layout restyles it later.

use axum::extract::{Request, State};
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use maud::Markup;

use super::{
    AppState, CSRF_FIELD, Identity, MAX_FORM_BYTES, SESSION_COOKIE, SessionKey, Via, client_ip,
    cookie,
};
use crate::auth::{AuthError, LoginAttempt, csrf_matches, form_field, random_token, safe_next};
use crate::web::pages::login::login_page;
use crate::web::pages::view::LoginPage;

/// The login form's double-submit cookie.
pub const LOGIN_CSRF_COOKIE: &str = "omnilisten_login_csrf";
/// How long a login form stays usable.
const LOGIN_FORM_SECONDS: u64 = 3600;

/// `GET /login`: the form (or, already logged in, straight on to `next`).
pub(super) async fn page(
    State(state): State<AppState>,
    identity: Option<Identity>,
    request: Request,
) -> Response {
    let query = request.uri().query().unwrap_or_default().as_bytes();
    let next = safe_next(form_field(query, "next").as_deref());
    if identity.is_some_and(|i| i.via == Via::Session) {
        return redirect(&next, Vec::new());
    }
    match random_token() {
        Ok(token) => form_response(&state, StatusCode::OK, &token, &next, "", None),
        Err(e) => e.into_response(),
    }
}

/// `POST /login`: checks the form's token, the limits and the password;
/// on success sets the session cookie and goes on to `next`.
pub(super) async fn submit(State(state): State<AppState>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let Ok(body) = axum::body::to_bytes(body, MAX_FORM_BYTES).await else {
        return AuthError::TooLarge(MAX_FORM_BYTES).into_response();
    };
    let field = |name| form_field(&body, name).unwrap_or_default();
    let (user, next) = (field("user"), safe_next(Some(&field("next"))));
    let expected = cookie(&parts.headers, LOGIN_CSRF_COOKIE).unwrap_or_default();
    if !csrf_matches(&expected, &field(CSRF_FIELD)) {
        return match random_token() {
            Ok(fresh) => {
                let error = Some("登录表单已过期，请重新提交。");
                form_response(&state, StatusCode::FORBIDDEN, &fresh, &next, &user, error)
            }
            Err(e) => e.into_response(),
        };
    }
    let ip = client_ip(&state, &parts);
    let attempt = LoginAttempt {
        user: &user,
        password: field("password"),
        ip: &ip,
    };
    match state.auth.login(&state.store, attempt).await {
        Ok(session) => {
            let ttl = state.auth.settings().session_ttl.as_secs();
            let cookies = vec![
                session_cookie(&state, &session.cookie, ttl),
                login_cookie(&state, "", 0),
            ];
            redirect(&next, cookies)
        }
        Err(AuthError::BadCredentials) => {
            let error = Some("用户名或密码错误。");
            form_response(
                &state,
                StatusCode::UNAUTHORIZED,
                &expected,
                &next,
                &user,
                error,
            )
        }
        Err(AuthError::RateLimited { retry_after }) => {
            let seconds = retry_after.as_secs().max(1);
            let error = format!("登录失败次数过多，请 {seconds} 秒后再试。");
            let status = StatusCode::TOO_MANY_REQUESTS;
            let mut response = form_response(&state, status, &expected, &next, &user, Some(&error));
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
            response
        }
        Err(other) => other.into_response(),
    }
}

/// `POST /logout`: ends the session (CSRF-checked by the guard) and clears
/// the cookie.
pub(super) async fn logout(
    State(state): State<AppState>,
    identity: Identity,
    request: Request,
) -> Response {
    let (parts, _) = request.into_parts();
    if let Some(SessionKey(key)) = parts.extensions.get::<SessionKey>() {
        let ip = client_ip(&state, &parts);
        if let Err(e) = state.auth.logout(&state.store, key, &identity, &ip).await {
            return e.into_response();
        }
    }
    redirect("/login", vec![session_cookie(&state, "", 0)])
}

/// `Set-Cookie` for the session; `max_age` 0 deletes it.
pub(super) fn session_cookie(state: &AppState, value: &str, max_age: u64) -> String {
    let secure = secure(state);
    format!(
        "{SESSION_COOKIE}={value}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age}{secure}"
    )
}

fn login_cookie(state: &AppState, value: &str, max_age: u64) -> String {
    let secure = secure(state);
    format!(
        "{LOGIN_CSRF_COOKIE}={value}; Path=/login; HttpOnly; SameSite=Strict; Max-Age={max_age}{secure}"
    )
}

fn secure(state: &AppState) -> &'static str {
    if state.auth.settings().secure_cookies {
        "; Secure"
    } else {
        ""
    }
}

fn redirect(location: &str, cookies: Vec<String>) -> Response {
    let mut response = StatusCode::SEE_OTHER.into_response();
    let headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(location) {
        headers.insert(header::LOCATION, value);
    }
    for cookie in cookies {
        if let Ok(value) = HeaderValue::from_str(&cookie) {
            headers.append(header::SET_COOKIE, value);
        }
    }
    response
}

/// The form, with its double-submit cookie set to `token`, and headers
/// that keep it out of caches and frames.
fn form_response(
    state: &AppState,
    status: StatusCode,
    token: &str,
    next: &str,
    user: &str,
    error: Option<&str>,
) -> Response {
    let mut response = (status, form(token, next, user, error)).into_response();
    let headers = response.headers_mut();
    let cookie = login_cookie(state, token, LOGIN_FORM_SECONDS);
    if let Ok(value) = HeaderValue::from_str(&cookie) {
        headers.append(header::SET_COOKIE, value);
    }
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(
        HeaderName::from_static("content-security-policy"),
        HeaderValue::from_static(
            "default-src 'none'; style-src 'self'; script-src 'self'; form-action 'self'; frame-ancestors 'none'",
        ),
    );
    response
}

/// The desk's login page (`pages::login`), styled by `/assets/app.css`.
fn form(token: &str, next: &str, user: &str, error: Option<&str>) -> Markup {
    login_page(&LoginPage {
        csrf: token.to_string(),
        next: next.to_string(),
        user: user.to_string(),
        error: error.map(str::to_string),
    })
}
