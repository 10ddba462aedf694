//! One mapping from failures to HTTP responses.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use crate::store::StoreError;

/// A failed request.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// Nothing under that id or number.
    #[error("{0} not found")]
    NotFound(String),
    /// The request itself is wrong.
    #[error("{0}")]
    BadRequest(String),
    /// A server-side task died; not the client's fault.
    #[error("internal error: {0}")]
    Internal(String),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Not logged in, not allowed (`Identity::require`), or a bad CSRF token.
    #[error(transparent)]
    Auth(#[from] crate::auth::AuthError),
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        // Its own statuses and headers (401, 403, 429 with Retry-After).
        if let AppError::Auth(e) = self {
            return e.into_response();
        }
        let status = match &self {
            AppError::NotFound(_) => StatusCode::NOT_FOUND,
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::Internal(e) => {
                tracing::error!(error = %e, "Request task failed.");
                StatusCode::INTERNAL_SERVER_ERROR
            }
            AppError::Store(e) => {
                tracing::error!(error = %e, "Store error while serving a request.");
                StatusCode::SERVICE_UNAVAILABLE
            }
            AppError::Auth(_) => StatusCode::FORBIDDEN,
        };
        let body = Json(serde_json::json!({ "error": self.to_string() }));
        (status, body).into_response()
    }
}
