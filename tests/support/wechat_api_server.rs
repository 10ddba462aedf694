//! A stand-in for `api.weixin.qq.com`: the token endpoints, customer-service
//! send and media download, as `research/wechat.md` §5–6 describe them, with
//! knobs to revoke or expire tokens and to make a user's sends fail or hang.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Value, json};

/// The AppID the server accepts.
pub const APP_ID: &str = "wx5823bf96d3bd56c7";
/// The AppSecret the server accepts.
pub const APP_SECRET: &str = "0f1e2d3c4b5a69788796a5b4c3d2e1f0";

/// How the server answers a send to one openid.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Behaviour {
    /// `{"errcode":0}` and the message is delivered.
    Accept,
    /// `{"errcode":N}`, nothing delivered.
    Fail(i64),
    /// Never answers (the request was received).
    Hang,
    /// An HTML 502 from a gateway (the request was received).
    BadGateway,
}

/// A message as the server saw it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sent {
    pub touser: String,
    pub content: String,
}

/// A registered medium.
#[derive(Debug, Clone)]
pub enum MediaItem {
    /// A raw file; `chunked` streams it without Content-Length.
    File {
        bytes: Vec<u8>,
        content_type: String,
        filename: String,
        chunked: bool,
    },
    /// A video: answered with `{"video_url":…}`.
    Video(String),
}

#[derive(Debug)]
struct Issued {
    expires_at: Instant,
    revoked: bool,
    expired: bool,
    /// Rejected by the APIs while stable_token still hands it out.
    poisoned: bool,
}

impl Issued {
    fn valid(&self) -> bool {
        !self.revoked && !self.expired && Instant::now() < self.expires_at
    }
}

#[derive(Debug)]
struct Inner {
    tokens: HashMap<String, Issued>,
    issued_order: Vec<String>,
    stable_current: Option<String>,
    expires_in: u64,
    ip_whitelisted: bool,
    stable_calls: usize,
    classic_calls: usize,
    forced: usize,
    behaviours: HashMap<String, Behaviour>,
    received: Vec<Sent>,
    sent: Vec<Sent>,
    media: HashMap<String, MediaItem>,
    media_calls: usize,
}

impl Inner {
    fn issue(&mut self) -> String {
        let n = self.issued_order.len() + 1;
        // Real tokens are ~150 characters of base64-ish text.
        let token = format!("ACCESS_TOKEN_{n:04}_{}", "x".repeat(120));
        self.tokens.insert(
            token.clone(),
            Issued {
                expires_at: Instant::now() + Duration::from_secs(self.expires_in),
                revoked: false,
                expired: false,
                poisoned: false,
            },
        );
        self.issued_order.push(token.clone());
        token
    }

    /// Retires the current stable token (40001 from now on).
    fn revoke_stable(&mut self) {
        let current = self.stable_current.take();
        if let Some(issued) = current.and_then(|t| self.tokens.get_mut(&t)) {
            issued.revoked = true;
        }
    }

    fn remaining(&self, token: &str) -> u64 {
        self.tokens
            .get(token)
            // Rounded up, so a fresh token reports its full lifetime, as WeChat's do.
            .map(|t| {
                let left = t.expires_at.saturating_duration_since(Instant::now());
                left.as_millis().div_ceil(1000) as u64
            })
            .unwrap_or(0)
    }

    /// The error an API answers for `token`, if any.
    fn check(&self, token: Option<&String>) -> Option<Response> {
        let issued = token.and_then(|t| self.tokens.get(t));
        match issued {
            None => Some(wx(
                40001,
                "invalid credential, access_token is invalid or not latest",
            )),
            Some(t) if t.revoked || t.poisoned => Some(wx(
                40001,
                "invalid credential, access_token is invalid or not latest",
            )),
            Some(t) if !t.valid() => Some(wx(42001, "access_token expired")),
            Some(_) => None,
        }
    }

    fn credentials(&self, appid: Option<&str>, secret: Option<&str>) -> Option<Response> {
        if appid != Some(APP_ID) {
            return Some(wx(40013, "invalid appid"));
        }
        if secret != Some(APP_SECRET) {
            return Some(wx(40125, "invalid appsecret"));
        }
        if !self.ip_whitelisted {
            return Some(wx(40164, "invalid ip 127.0.0.1, not in whitelist"));
        }
        None
    }
}

type Shared = Arc<Mutex<Inner>>;

/// The running stand-in; stops when dropped.
pub struct WechatApiServer {
    pub addr: SocketAddr,
    state: Shared,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for WechatApiServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl WechatApiServer {
    /// Starts on 127.0.0.1:0 with 7200-second tokens and a whitelisted IP.
    pub async fn start() -> WechatApiServer {
        let state: Shared = Arc::new(Mutex::new(Inner {
            tokens: HashMap::new(),
            issued_order: Vec::new(),
            stable_current: None,
            expires_in: 7200,
            ip_whitelisted: true,
            stable_calls: 0,
            classic_calls: 0,
            forced: 0,
            behaviours: HashMap::new(),
            received: Vec::new(),
            sent: Vec::new(),
            media: HashMap::new(),
            media_calls: 0,
        }));
        let app = Router::new()
            .route("/cgi-bin/stable_token", post(stable_token))
            .route("/cgi-bin/token", get(classic_token))
            .route("/cgi-bin/message/custom/send", post(custom_send))
            .route("/cgi-bin/media/get", get(media_get))
            .with_state(state.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind stand-in");
        let addr = listener.local_addr().expect("stand-in addr");
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        WechatApiServer { addr, state, task }
    }

    /// `http://127.0.0.1:port`, for `api_base`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.state.lock().expect("stand-in state")
    }

    /// Lifetime of tokens issued from now on.
    pub fn set_expires_in(&self, secs: u64) {
        self.lock().expires_in = secs;
    }

    /// Whether token calls pass the IP whitelist.
    pub fn set_ip_whitelisted(&self, yes: bool) {
        self.lock().ip_whitelisted = yes;
    }

    /// How sends to `openid` are answered.
    pub fn set_behaviour(&self, openid: &str, behaviour: Behaviour) {
        self.lock().behaviours.insert(openid.to_string(), behaviour);
    }

    /// Serves `item` for `media_id`.
    pub fn register_media(&self, media_id: &str, item: MediaItem) {
        self.lock().media.insert(media_id.to_string(), item);
    }

    /// What another process's `force_refresh` does: the current stable token
    /// is revoked (40001) and a new one becomes current.
    pub fn revoke_current(&self) {
        let mut inner = self.lock();
        inner.revoke_stable();
        let fresh = inner.issue();
        inner.stable_current = Some(fresh);
    }

    /// Every token issued so far expires now (42001).
    pub fn expire_all(&self) {
        for issued in self.lock().tokens.values_mut() {
            issued.expired = true;
        }
    }

    /// The APIs reject the current stable token (40001) while stable_token
    /// still hands it out: only `force_refresh` gets a new one.
    pub fn poison_current(&self) {
        let mut inner = self.lock();
        let current = inner.stable_current.clone();
        if let Some(issued) = current.and_then(|t| inner.tokens.get_mut(&t)) {
            issued.poisoned = true;
        }
    }

    /// Calls to both token endpoints.
    pub fn token_calls(&self) -> usize {
        let inner = self.lock();
        inner.stable_calls + inner.classic_calls
    }

    /// Calls to `/cgi-bin/token`.
    pub fn classic_calls(&self) -> usize {
        self.lock().classic_calls
    }

    /// stable_token calls with `force_refresh: true`.
    pub fn forced_refreshes(&self) -> usize {
        self.lock().forced
    }

    /// Every token the server issued, oldest first.
    pub fn issued_tokens(&self) -> Vec<String> {
        self.lock().issued_order.clone()
    }

    /// Messages delivered to users.
    pub fn sent(&self) -> Vec<Sent> {
        self.lock().sent.clone()
    }

    /// Well-formed send requests with a valid token, delivered or not.
    pub fn received(&self) -> Vec<Sent> {
        self.lock().received.clone()
    }

    /// Calls to `/cgi-bin/media/get`.
    pub fn media_calls(&self) -> usize {
        self.lock().media_calls
    }
}

/// WeChat's error answer (HTTP 200, JSON).
fn wx(code: i64, msg: &str) -> Response {
    axum::Json(json!({"errcode": code, "errmsg": format!("{msg} rid: 6650a1b2-0c1d2e3f-4a5b6c7d")}))
        .into_response()
}

fn lock(state: &Shared) -> MutexGuard<'_, Inner> {
    state.lock().expect("stand-in state")
}

async fn stable_token(State(state): State<Shared>, body: Bytes) -> Response {
    let Ok(req) = serde_json::from_slice::<Value>(&body) else {
        return wx(47001, "data format error");
    };
    let mut inner = lock(&state);
    inner.stable_calls += 1;
    if req["grant_type"] != "client_credential" {
        return wx(40002, "invalid grant_type");
    }
    if let Some(err) = inner.credentials(req["appid"].as_str(), req["secret"].as_str()) {
        return err;
    }
    let force = req["force_refresh"].as_bool().unwrap_or(false);
    if force {
        inner.forced += 1;
        inner.revoke_stable();
    }
    let current = inner
        .stable_current
        .clone()
        .filter(|t| inner.tokens.get(t).is_some_and(Issued::valid));
    let token = match current {
        Some(t) => t,
        None => {
            let t = inner.issue();
            inner.stable_current = Some(t.clone());
            t
        }
    };
    let expires_in = inner.remaining(&token);
    axum::Json(json!({"access_token": token, "expires_in": expires_in})).into_response()
}

async fn classic_token(
    State(state): State<Shared>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let mut inner = lock(&state);
    inner.classic_calls += 1;
    if q.get("grant_type").map(String::as_str) != Some("client_credential") {
        return wx(40002, "invalid grant_type");
    }
    let appid = q.get("appid").map(String::as_str);
    let secret = q.get("secret").map(String::as_str);
    if let Some(err) = inner.credentials(appid, secret) {
        return err;
    }
    // Every classic fetch issues a new token; the old one keeps working for a while.
    let token = inner.issue();
    let expires_in = inner.remaining(&token);
    axum::Json(json!({"access_token": token, "expires_in": expires_in})).into_response()
}

/// `{"touser","msgtype":"text","text":{"content"}}` → (touser, content).
fn text_message(body: &[u8]) -> Option<Sent> {
    let v: Value = serde_json::from_slice(body).ok()?;
    if v["msgtype"] != "text" {
        return None;
    }
    Some(Sent {
        touser: v["touser"].as_str().filter(|s| !s.is_empty())?.to_string(),
        content: v["text"]["content"].as_str()?.to_string(),
    })
}

async fn custom_send(
    State(state): State<Shared>,
    Query(q): Query<HashMap<String, String>>,
    body: Bytes,
) -> Response {
    let behaviour = {
        let mut inner = lock(&state);
        if let Some(err) = inner.check(q.get("access_token")) {
            return err;
        }
        let Some(message) = text_message(&body) else {
            return wx(47001, "data format error");
        };
        inner.received.push(message.clone());
        let behaviour = inner
            .behaviours
            .get(&message.touser)
            .copied()
            .unwrap_or(Behaviour::Accept);
        if behaviour == Behaviour::Accept {
            inner.sent.push(message);
        }
        behaviour
    };
    match behaviour {
        Behaviour::Accept => wx(0, "ok"),
        Behaviour::Fail(45015) => wx(45015, "response out of time limit or subscription is canceled"),
        Behaviour::Fail(45047) => wx(45047, "out of response count limit"),
        Behaviour::Fail(-1) => wx(-1, "system error"),
        Behaviour::Fail(code) => wx(code, "error"),
        Behaviour::Hang => std::future::pending::<Response>().await,
        Behaviour::BadGateway => (
            StatusCode::BAD_GATEWAY,
            [(CONTENT_TYPE, "text/html")],
            "<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center></body></html>",
        )
            .into_response(),
    }
}

async fn media_get(
    State(state): State<Shared>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let item = {
        let mut inner = lock(&state);
        inner.media_calls += 1;
        if let Some(err) = inner.check(q.get("access_token")) {
            return err;
        }
        q.get("media_id")
            .and_then(|id| inner.media.get(id).cloned())
    };
    match item {
        // WeChat answers media errors as text/plain JSON.
        None => (
            [(CONTENT_TYPE, "text/plain")],
            json!({"errcode": 40007, "errmsg": "invalid media_id rid: 6650a1b2-0c1d2e3f"})
                .to_string(),
        )
            .into_response(),
        Some(MediaItem::Video(url)) => axum::Json(json!({"video_url": url})).into_response(),
        Some(MediaItem::File {
            bytes,
            content_type,
            filename,
            chunked,
        }) => {
            let body = if chunked {
                let chunks: Vec<Result<Vec<u8>, std::io::Error>> =
                    bytes.chunks(16 * 1024).map(|c| Ok(c.to_vec())).collect();
                Body::from_stream(futures_util::stream::iter(chunks))
            } else {
                Body::from(bytes)
            };
            (
                [
                    (CONTENT_TYPE, content_type),
                    (
                        CONTENT_DISPOSITION,
                        format!("attachment; filename=\"{filename}\""),
                    ),
                ],
                body,
            )
                .into_response()
        }
    }
}
