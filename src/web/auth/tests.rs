//! The guard, the login form and the account routes, through the router
//! without a socket.

use std::sync::{Arc, OnceLock};
use std::time::Instant;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::http::{Request, StatusCode, header};
use axum::response::Response;
use axum::routing::{get, post};
use tower::ServiceExt;

use super::*;
use crate::auth::{Auth, RateLimit, Role, hash_password};
use crate::config::{ApiTokenConfig, AuthConfig, SecretRef, UserConfig};
use crate::connectors::StatusBoard;
use crate::metrics::Metrics;
use crate::store::{Store, StoreOptions};
use crate::web::{WechatEndpoints, WeiboEndpoints};

const PASSWORD: &str = "correct horse battery staple";
const ADMIN_TOKEN: &str = "tok-admin-0123456789";
const REVIEWER_TOKEN: &str = "tok-reviewer-0123456789";

fn hash() -> &'static str {
    static HASH: OnceLock<String> = OnceLock::new();
    HASH.get_or_init(|| hash_password(PASSWORD).expect("hash"))
}

struct Rig {
    /// The daemon's own router.
    real: Router,
    /// The guard over test routes that echo what reaches them.
    echo: Router,
    _dir: tempfile::TempDir,
}

fn rig(tune: impl FnOnce(&mut AuthConfig)) -> Rig {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::open(&dir.path().join("state"), StoreOptions::default()).expect("store");
    let token_file = |name: &str, secret: &str| {
        let path = dir.path().join(name);
        std::fs::write(&path, secret).expect("token file");
        SecretRef::File(path)
    };
    let mut config = AuthConfig {
        users: vec![UserConfig {
            name: "alice".into(),
            display_name: "王小丽".into(),
            role: Role::Reviewer,
            password_hash: hash().into(),
        }],
        api_tokens: vec![
            ApiTokenConfig {
                name: "ops".into(),
                role: Role::Admin,
                token: token_file("admin.token", ADMIN_TOKEN),
            },
            ApiTokenConfig {
                name: "report".into(),
                role: Role::Reviewer,
                token: token_file("reviewer.token", REVIEWER_TOKEN),
            },
        ],
        ..AuthConfig::default()
    };
    tune(&mut config);
    let state = AppState {
        desk: crate::desk::Desk::new(store.clone(), Default::default()),
        store,
        metrics: Metrics::new(),
        status: StatusBoard::default(),
        started: Instant::now(),
        wechat: WechatEndpoints::new(Vec::new()),
        rules: crate::rules::LiveRules::new(crate::rules::RuleSet::default()),
        trends: Default::default(),
        weibo: WeiboEndpoints::new(Vec::new()),
        auth: Arc::new(Auth::from_config(&config)),
    };
    let echo = Router::new()
        .route("/api/echo", post(|body: Bytes| async move { body }))
        .route("/page", get(|| async { "page" }))
        .merge(routes())
        .layer(axum::middleware::from_fn_with_state(state.clone(), guard))
        .with_state(state.clone());
    Rig {
        real: crate::web::router(state),
        echo,
        _dir: dir,
    }
}

async fn send(router: &Router, request: Request<Body>) -> Response {
    router.clone().oneshot(request).await.expect("infallible")
}

async fn text(response: Response) -> String {
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .expect("body");
    String::from_utf8_lossy(&bytes).into_owned()
}

fn header_of(response: &Response, name: header::HeaderName) -> String {
    response
        .headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string()
}

fn set_cookies(response: &Response) -> Vec<String> {
    response
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok().map(String::from))
        .collect()
}

/// The value a `Set-Cookie` line gives cookie `name`.
fn cookie_value(response: &Response, name: &str) -> Option<String> {
    set_cookies(response).iter().find_map(|line| {
        let (pair, _) = line.split_once(';')?;
        let (key, value) = pair.split_once('=')?;
        (key == name).then(|| value.to_string())
    })
}

fn form_post(uri: &str, cookie: &str, body: String) -> Request<Body> {
    Request::post(uri)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::COOKIE, cookie)
        .body(Body::from(body))
        .expect("request")
}

/// The login form's token (cookie and hidden field hold the same value).
async fn login_form(router: &Router, query: &str) -> (String, String) {
    let response = send(
        router,
        Request::get(format!("/login{query}"))
            .body(Body::empty())
            .expect("request"),
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK);
    let token = cookie_value(&response, login::LOGIN_CSRF_COOKIE).expect("login cookie");
    let page = text(response).await;
    assert!(
        page.contains(&format!("value=\"{token}\"")),
        "hidden field holds the cookie's token"
    );
    (token, page)
}

async fn login(router: &Router, password: &str, next: &str) -> Response {
    let (token, _) = login_form(router, "").await;
    let body = format!(
        "_csrf={token}&user=alice&password={}&next={}",
        crate::auth::form_encode(password),
        crate::auth::form_encode(next)
    );
    let cookie = format!("{}={token}", login::LOGIN_CSRF_COOKIE);
    send(router, form_post("/login", &cookie, body)).await
}

/// Logs in; returns the `Cookie` header value and the session's CSRF token.
async fn session(router: &Router) -> (String, String) {
    let response = login(router, PASSWORD, "/").await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let cookie = format!(
        "{SESSION_COOKIE}={}",
        cookie_value(&response, SESSION_COOKIE).expect("session")
    );
    let me = send(
        router,
        Request::get("/api/me")
            .header(header::COOKIE, &cookie)
            .body(Body::empty())
            .expect("request"),
    )
    .await;
    let me: serde_json::Value = serde_json::from_str(&text(me).await).expect("json");
    (cookie, me["csrf"].as_str().expect("csrf").to_string())
}

#[tokio::test]
async fn anonymous_requests_get_401_json_under_api_and_a_redirect_elsewhere() {
    let rig = rig(|_| {});
    let api = send(
        &rig.real,
        Request::get("/api/stats")
            .body(Body::empty())
            .expect("request"),
    )
    .await;
    assert_eq!(api.status(), StatusCode::UNAUTHORIZED);
    assert!(header_of(&api, header::WWW_AUTHENTICATE).starts_with("Bearer"));
    assert_eq!(text(api).await, r#"{"error":"login required"}"#);

    let page = send(
        &rig.real,
        Request::get("/drafts?state=open")
            .body(Body::empty())
            .expect("request"),
    )
    .await;
    assert_eq!(page.status(), StatusCode::SEE_OTHER);
    let location = header_of(&page, header::LOCATION);
    assert_eq!(location, "/login?next=/drafts%3Fstate%3Dopen");

    for public in ["/healthz", "/metrics", "/login"] {
        let response = send(
            &rig.real,
            Request::get(public).body(Body::empty()).expect("request"),
        )
        .await;
        assert_eq!(response.status(), StatusCode::OK, "{public}");
    }
    // The webhooks answer for themselves (here: no such connector), never 401.
    let hook = send(
        &rig.real,
        Request::post("/wechat/nope")
            .body(Body::empty())
            .expect("request"),
    )
    .await;
    assert_ne!(hook.status(), StatusCode::UNAUTHORIZED);
    assert_ne!(hook.status(), StatusCode::SEE_OTHER);

    let bad = Request::get("/api/stats")
        .header(header::AUTHORIZATION, "Bearer not-a-token")
        .body(Body::empty())
        .expect("request");
    let bad = send(&rig.real, bad).await;
    assert_eq!(bad.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(text(bad).await, r#"{"error":"invalid API token"}"#);
}

#[tokio::test]
async fn login_sets_a_strict_httponly_cookie_secure_when_configured_and_goes_to_next() {
    let secure = rig(|c| c.secure_cookies = true);
    let response = login(&secure.real, PASSWORD, "/tickets?state=open").await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        header_of(&response, header::LOCATION),
        "/tickets?state=open"
    );
    let line = set_cookies(&response)
        .into_iter()
        .find(|l| l.starts_with(SESSION_COOKIE))
        .expect("session cookie");
    for flag in [
        "HttpOnly",
        "SameSite=Strict",
        "Secure",
        "Path=/",
        "Max-Age=43200",
    ] {
        assert!(line.contains(flag), "{flag} missing in {line}");
    }
    let plain = rig(|_| {});
    let response = login(&plain.real, PASSWORD, "/").await;
    let line = set_cookies(&response).join("\n");
    assert!(
        line.contains("HttpOnly") && !line.contains("Secure"),
        "{line}"
    );
}

#[tokio::test]
async fn next_is_never_followed_off_site() {
    let rig = rig(|_| {});
    for evil in [
        "//evil.example/x",
        "https://evil.example/",
        "/\\evil.example",
    ] {
        let response = login(&rig.real, PASSWORD, evil).await;
        assert_eq!(header_of(&response, header::LOCATION), "/", "{evil}");
    }
    let (_, page) = login_form(&rig.real, "?next=https%3A%2F%2Fevil.example").await;
    assert!(page.contains(r#"name="next" value="/""#), "{page}");
    assert!(!page.contains("evil.example"));
}

#[tokio::test]
async fn a_sessions_changes_need_the_csrf_token_in_the_header_or_the_form() {
    let rig = rig(|_| {});
    let (cookie, csrf) = session(&rig.echo).await;
    let post = |content_type: &str, extra: Option<&str>, body: String| {
        let mut builder = Request::post("/api/echo")
            .header(header::COOKIE, &cookie)
            .header(header::CONTENT_TYPE, content_type);
        if let Some(token) = extra {
            builder = builder.header(CSRF_HEADER, token);
        }
        builder.body(Body::from(body)).expect("request")
    };
    let json = "application/json";
    let form = "application/x-www-form-urlencoded";

    let missing = send(&rig.echo, post(json, None, "{}".into())).await;
    assert_eq!(missing.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        text(missing).await,
        r#"{"error":"missing or wrong CSRF token"}"#
    );
    let wrong = send(&rig.echo, post(json, Some("nope"), "{}".into())).await;
    assert_eq!(wrong.status(), StatusCode::FORBIDDEN);
    let header = send(&rig.echo, post(json, Some(&csrf), "{\"a\":1}".into())).await;
    assert_eq!(header.status(), StatusCode::OK);
    assert_eq!(text(header).await, "{\"a\":1}");

    let body = format!("note=%E5%A5%BD&_csrf={csrf}");
    let field = send(&rig.echo, post(form, None, body.clone())).await;
    assert_eq!(field.status(), StatusCode::OK);
    assert_eq!(
        text(field).await,
        body,
        "the handler still gets the whole form"
    );
    let wrong_field = send(&rig.echo, post(form, None, "_csrf=nope".into())).await;
    assert_eq!(wrong_field.status(), StatusCode::FORBIDDEN);
    let no_field = send(&rig.echo, post(form, None, "note=x".into())).await;
    assert_eq!(no_field.status(), StatusCode::FORBIDDEN);
    let huge = format!("_csrf={csrf}&note={}", "x".repeat(MAX_FORM_BYTES));
    let huge = send(&rig.echo, post(form, None, huge)).await;
    assert_eq!(huge.status(), StatusCode::PAYLOAD_TOO_LARGE);

    // Reads need no token; a bearer token needs none for changes either.
    let read = Request::get("/page")
        .header(header::COOKIE, &cookie)
        .body(Body::empty())
        .expect("request");
    assert_eq!(send(&rig.echo, read).await.status(), StatusCode::OK);
    let scripted = Request::post("/api/echo")
        .header(header::AUTHORIZATION, format!("Bearer {ADMIN_TOKEN}"))
        .body(Body::from("x"))
        .expect("request");
    assert_eq!(send(&rig.echo, scripted).await.status(), StatusCode::OK);

    // Logging out is a change too: refused without the token, then done with it.
    let logout = |token: Option<&str>| {
        let body = token.map(|t| format!("_csrf={t}")).unwrap_or_default();
        form_post("/logout", &cookie, body)
    };
    assert_eq!(
        send(&rig.echo, logout(None)).await.status(),
        StatusCode::FORBIDDEN
    );
    let out = send(&rig.echo, logout(Some(&csrf))).await;
    assert_eq!(out.status(), StatusCode::SEE_OTHER);
    assert!(
        set_cookies(&out)
            .iter()
            .any(|c| c.starts_with(&format!("{SESSION_COOKIE}=;")) && c.contains("Max-Age=0"))
    );
    let after = Request::get("/page")
        .header(header::COOKIE, &cookie)
        .body(Body::empty())
        .expect("request");
    assert_eq!(send(&rig.echo, after).await.status(), StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn the_login_form_needs_its_own_double_submit_token() {
    let rig = rig(|_| {});
    let (token, _) = login_form(&rig.real, "").await;
    let body = format!(
        "_csrf={token}&user=alice&password={}",
        crate::auth::form_encode(PASSWORD)
    );
    // The field without the cookie (a form posted from another site).
    let response = send(&rig.real, form_post("/login", "", body)).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert!(cookie_value(&response, SESSION_COOKIE).is_none());
    assert!(text(response).await.contains("登录表单已过期"));
}

#[tokio::test]
async fn too_many_failures_answer_429_with_retry_after() {
    let rig = rig(|c| {
        c.login_limit = RateLimit::parse("2/15m").expect("limit");
    });
    for _ in 0..2 {
        let response = login(&rig.real, "wrong password", "/").await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
        assert!(text(response).await.contains("用户名或密码错误"));
    }
    let response = login(&rig.real, PASSWORD, "/").await;
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    let seconds: u64 = header_of(&response, header::RETRY_AFTER)
        .parse()
        .expect("seconds");
    assert!((890..=900).contains(&seconds), "{seconds}");
    assert!(cookie_value(&response, SESSION_COOKIE).is_none());
}

#[tokio::test]
async fn roles_gate_the_admin_route_and_nothing_secret_is_listed() {
    let rig = rig(|_| {});
    let get = |token: &str| {
        Request::get("/api/admin/users")
            .header(header::AUTHORIZATION, format!("Bearer {token}"))
            .body(Body::empty())
            .expect("request")
    };
    let reviewer = send(&rig.real, get(REVIEWER_TOKEN)).await;
    assert_eq!(reviewer.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        text(reviewer).await,
        r#"{"error":"role `reviewer` may not admin"}"#
    );
    let admin = send(&rig.real, get(ADMIN_TOKEN)).await;
    assert_eq!(admin.status(), StatusCode::OK);
    let body = text(admin).await;
    let listed: serde_json::Value = serde_json::from_str(&body).expect("json");
    assert_eq!(listed["users"][0]["name"], "alice");
    assert_eq!(listed["users"][0]["role"], "reviewer");
    assert_eq!(listed["api_tokens"].as_array().map(Vec::len), Some(2));
    assert!(!body.contains("argon2") && !body.contains("tok-"), "{body}");

    let me = Request::get("/api/me")
        .header(header::AUTHORIZATION, format!("Bearer {REVIEWER_TOKEN}"))
        .body(Body::empty())
        .expect("request");
    let me: serde_json::Value =
        serde_json::from_str(&text(send(&rig.real, me).await).await).expect("json");
    assert_eq!(me["user"], "token:report");
    assert_eq!(me["via"], "token");
    assert_eq!(me["csrf"], serde_json::Value::Null);
    assert!(
        me["permissions"]
            .as_array()
            .is_some_and(|p| p.iter().any(|x| x == "approve_drafts"))
    );
}
