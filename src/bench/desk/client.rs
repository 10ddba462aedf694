//! The bench's HTTP client: reqwest (rustls, no redirects followed, so a
//! 303 is seen as such), logged in through `POST /login` like a browser,
//! with the admin bearer token for `/api/`.

use std::time::{Duration, Instant};

use reqwest::header::{AUTHORIZATION, COOKIE, LOCATION, SET_COOKIE};

use super::daemon::{Credentials, USER};
use crate::bench::BenchError;
use crate::web::{CSRF_FIELD, SESSION_COOKIE};

/// The login form's double-submit cookie (`web::auth::login`).
const LOGIN_CSRF_COOKIE: &str = "omnilisten_login_csrf";

/// What one timed request asks.
#[derive(Debug, Clone)]
pub(super) enum Call {
    /// `GET` a page with the session cookie.
    Page(String),
    /// `GET` under `/api/` with the bearer token.
    Api(String),
    /// `POST` a page form carrying only `_csrf`, with the session cookie.
    Form(String),
}

impl Call {
    /// The path it asks for.
    pub(super) fn path(&self) -> &str {
        match self {
            Call::Page(p) | Call::Api(p) | Call::Form(p) => p,
        }
    }
}

/// One answer, read to its last byte.
#[derive(Debug, Clone)]
pub(super) struct Answer {
    /// HTTP status.
    pub(super) status: u16,
    /// The body, lossily as text (pages and JSON are UTF-8).
    pub(super) body: String,
    /// Body bytes as received.
    pub(super) bytes: usize,
    /// `Location`, for a 303.
    pub(super) location: Option<String>,
    /// From the first byte sent to the body's last byte.
    pub(super) took: Duration,
}

/// A logged-in client of the daemon at `base`.
#[derive(Clone)]
pub(super) struct Session {
    http: reqwest::Client,
    base: String,
    cookie: String,
    csrf: String,
    token: String,
}

fn err(e: impl std::fmt::Display) -> BenchError {
    BenchError::Http(e.to_string())
}

/// The value `response`'s `Set-Cookie` gives cookie `name`.
fn set_cookie(response: &reqwest::Response, name: &str) -> Option<String> {
    response
        .headers()
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|line| {
            let (pair, _) = line.split_once(';').unwrap_or((line, ""));
            let (key, value) = pair.split_once('=')?;
            (key.trim() == name && !value.is_empty()).then(|| value.to_string())
        })
}

/// The session's CSRF token from a page's hidden `_csrf` input.
pub(super) fn csrf_of(page: &str) -> Option<String> {
    let marker = format!("name=\"{CSRF_FIELD}\" value=\"");
    let start = page.find(&marker)? + marker.len();
    let len = page.get(start..)?.find('"')?;
    page.get(start..start + len).map(str::to_string)
}

/// The review queue's tabs as the `/drafts` page links them: (label,
/// state, path), in page order; the pager's links (with a cursor) are not tabs.
pub(super) fn tabs_of(page: &str) -> Vec<(String, String, String)> {
    const HREF: &str = "href=\"/drafts?state=";
    let mut tabs: Vec<(String, String, String)> = Vec::new();
    for (at, _) in page.match_indices(HREF) {
        let Some(rest) = page.get(at + "href=\"".len()..) else {
            continue;
        };
        let Some((path, after)) = rest.split_once('"') else {
            continue;
        };
        let query = path.split_once('?').map_or("", |(_, q)| q);
        let state = crate::auth::form_field(query.as_bytes(), "state").unwrap_or_default();
        if path.contains("cursor=") || tabs.iter().any(|t| t.1 == state) {
            continue;
        }
        let label = after
            .split_once('>')
            .and_then(|(_, text)| text.split('<').next())
            .unwrap_or_default()
            .trim()
            .to_string();
        tabs.push((label, state, path.replace("&amp;", "&")));
    }
    tabs
}

impl Session {
    /// Logs in as the bench user: `GET /login` for the form's token, `POST
    /// /login`, then a page for the session's CSRF token.
    pub(super) async fn login(
        base: &str,
        credentials: &Credentials,
    ) -> Result<Session, BenchError> {
        // reqwest needs a process-wide rustls provider; a second install is a no-op.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .timeout(Duration::from_secs(60))
            .build()
            .map_err(err)?;
        let form = http
            .get(format!("{base}/login"))
            .send()
            .await
            .map_err(err)?;
        let login_token = set_cookie(&form, LOGIN_CSRF_COOKIE)
            .ok_or_else(|| err("GET /login set no form token"))?;
        let answer = http
            .post(format!("{base}/login"))
            .header(COOKIE, format!("{LOGIN_CSRF_COOKIE}={login_token}"))
            .form(&[
                ("user", USER),
                ("password", credentials.password.as_str()),
                (CSRF_FIELD, login_token.as_str()),
                ("next", "/drafts"),
            ])
            .send()
            .await
            .map_err(err)?;
        let status = answer.status().as_u16();
        let cookie = set_cookie(&answer, SESSION_COOKIE)
            .ok_or_else(|| err(format!("POST /login answered {status} without a session")))?;
        let mut session = Session {
            http,
            base: base.to_string(),
            cookie: format!("{SESSION_COOKIE}={cookie}"),
            csrf: String::new(),
            token: credentials.token.clone(),
        };
        let page = session.send(&Call::Page("/drafts".into())).await?;
        session.csrf = csrf_of(&page.body).ok_or_else(|| err("no _csrf on /drafts"))?;
        Ok(session)
    }

    /// Sends `call` and reads the whole answer, timed.
    pub(super) async fn send(&self, call: &Call) -> Result<Answer, BenchError> {
        let url = format!("{}{}", self.base, call.path());
        let request = match call {
            Call::Page(_) => self.http.get(url).header(COOKIE, &self.cookie),
            Call::Api(_) => self
                .http
                .get(url)
                .header(AUTHORIZATION, format!("Bearer {}", self.token)),
            Call::Form(_) => self
                .http
                .post(url)
                .header(COOKIE, &self.cookie)
                .form(&[(CSRF_FIELD, self.csrf.as_str())]),
        };
        let started = Instant::now();
        let response = request.send().await.map_err(err)?;
        let status = response.status().as_u16();
        let location = response
            .headers()
            .get(LOCATION)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let body = response.bytes().await.map_err(err)?;
        let took = started.elapsed();
        Ok(Answer {
            status,
            bytes: body.len(),
            body: String::from_utf8_lossy(&body).into_owned(),
            location,
            took,
        })
    }
}
