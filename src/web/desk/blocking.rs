//! Desk and store reads off the async threads.
//!
//! The desk's reads are synchronous sled lookups (a ticket view loads up
//! to 500 messages, a queue page a few hundred keys): run on a tokio worker
//! they hold it, and every other request waiting for that worker waits too
//! (`/healthz`, webhooks whose acks have a deadline). [`blocking`] runs one
//! on the blocking pool instead; the pages render inside the same closure
//! ([`blocking_page`]), the JSON API serializes there ([`blocking_json`]),
//! so the worker only moves bytes.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use maud::Markup;
use serde::Serialize;

use super::errors::PageError;
use crate::desk::DeskError;
use crate::store::StoreError;
use crate::web::pages::view::Shell;

/// Runs `read` on tokio's blocking pool and returns what it returned. A
/// read that panicked or was cancelled is a store failure (503), like any
/// other read that did not happen. `E` is [`DeskError`] for the pages, the
/// API's error for the API.
pub async fn blocking<T, E, F>(read: F) -> Result<T, E>
where
    F: FnOnce() -> Result<T, E> + Send + 'static,
    T: Send + 'static,
    E: From<DeskError> + Send + 'static,
{
    tokio::task::spawn_blocking(read).await.map_err(|e| {
        let what = if e.is_panic() {
            "panicked"
        } else {
            "was cancelled"
        };
        let io = std::io::Error::other(format!("a desk read {what}"));
        E::from(DeskError::Store(StoreError::Io(io)))
    })?
}

/// [`blocking`] for the JSON API: `read`'s value answered as JSON, serialized
/// on the blocking pool too (a ticket's JSON can be a few hundred kB).
pub async fn blocking_json<T, E, F>(read: F) -> Result<Response, E>
where
    F: FnOnce() -> Result<T, E> + Send + 'static,
    T: Serialize,
    E: From<DeskError> + Send + 'static,
{
    blocking(move || read().map(|value| Json(value).into_response())).await
}

/// A desk page read and rendered on the blocking pool: `render` gets the
/// shell and gives the page's markup; a desk failure becomes the error page
/// whose "back" link is `back`.
pub async fn blocking_page<F>(
    shell: &Shell,
    back: &str,
    status: StatusCode,
    render: F,
) -> Result<Response, PageError>
where
    F: FnOnce(&Shell) -> Result<Markup, DeskError> + Send + 'static,
{
    let page_shell = shell.clone();
    let html = blocking(move || render(&page_shell).map(Markup::into_string))
        .await
        .map_err(|e| PageError::desk(shell, &e, back))?;
    Ok((status, Html(html)).into_response())
}
