//! The HTTP server: health, metrics and the JSON API. `router(state)` is
//! separate from serving so tests can call it without a socket.

mod api;
mod error;
mod outbox;

use std::time::Instant;

use axum::Router;
use axum::routing::get;

pub use error::AppError;

use crate::connectors::StatusBoard;
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
        .route("/api/drafts", get(api::drafts))
        .route("/api/quarantine", get(api::quarantine))
        .route("/api/outbox", get(outbox::outbox))
        .with_state(state)
}
