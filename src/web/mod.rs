//! The HTTP server: health, metrics, the JSON API, the review desk's pages
//! and its JSON API (`desk/`), the WeChat webhook (`wechat.rs`) and Weibo's
//! push service (`weibo.rs`), which share `webhook.rs`. `router(state)` is
//! separate from serving so tests can call it without a socket. Every
//! route is behind `auth::guard` (login, CSRF); only health, metrics, the
//! webhooks, the login form and the stylesheet and script are public.

mod api;
mod auth;
mod desk;
mod error;
mod outbox;
pub mod pages;
mod webhook;
mod wechat;
mod weibo;

use std::time::Instant;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::middleware;
use axum::routing::get;

pub use auth::{CSRF_FIELD, CSRF_HEADER, SESSION_COOKIE};
pub use error::AppError;
pub use webhook::ACK_WAIT;
pub use wechat::{WechatEndpoint, WechatEndpoints};
pub use weibo::{WeiboEndpoint, WeiboEndpoints};

use crate::connectors::StatusBoard;
use crate::connectors::wechat::xml::MAX_BODY_BYTES;
use crate::connectors::weibo::push::MAX_PUSH_BYTES;
use crate::metrics::Metrics;
use crate::store::Store;

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    /// The store (reads only, here).
    pub store: Store,
    /// Prometheus registry.
    pub metrics: Metrics,
    /// Connector statuses.
    pub status: StatusBoard,
    /// When the daemon started.
    pub started: Instant,
    /// The WeChat accounts served at `/wechat/{connector_id}`.
    pub wechat: WechatEndpoints,
    /// The rules in force, for `/healthz`.
    pub rules: crate::rules::LiveRules,
    /// What the trend detector last published, for `/api/trends`.
    pub trends: crate::incidents::TrendsView,
    /// The Weibo accounts whose pushes are received at `/weibo/{connector_id}`.
    pub weibo: WeiboEndpoints,
    /// Users, API tokens, the login limiter and the session settings.
    pub auth: std::sync::Arc<crate::auth::Auth>,
    /// The review desk's operations (tickets, drafts, search); approving
    /// wakes the draft publisher.
    pub desk: crate::desk::Desk,
}

/// All routes.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/healthz", get(api::healthz))
        .route("/metrics", get(api::metrics))
        .route("/api/stats", get(api::stats))
        .route("/api/messages", get(api::messages))
        .route("/api/messages/{id}", get(api::message))
        .route("/api/messages/{id}/raw", get(api::message_raw))
        .route("/api/tickets", get(api::tickets))
        .route("/api/tickets/{number}", get(api::ticket))
        .route("/api/tickets/{number}/notes", get(api::notes))
        .route("/api/drafts", get(api::drafts))
        .route("/api/trends", get(api::trends))
        .route("/api/quarantine", get(api::quarantine))
        .route("/api/outbox", get(outbox::outbox))
        .route(
            "/wechat/{connector_id}",
            get(wechat::verify)
                .post(wechat::push)
                .layer(DefaultBodyLimit::max(MAX_BODY_BYTES)),
        )
        .route(
            "/weibo/{connector_id}",
            get(weibo::verify)
                .post(weibo::push)
                .layer(DefaultBodyLimit::max(MAX_PUSH_BYTES)),
        )
        .merge(auth::routes())
        .merge(desk::routes())
        // Last: a layer covers only the routes added before it.
        .layer(middleware::from_fn_with_state(state.clone(), auth::guard))
        .with_state(state)
}
