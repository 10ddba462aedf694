//! JSON handlers.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use serde::Deserialize;
use serde_json::{Value, json};

use super::{AppError, AppState};
use crate::model::{Channel, MessageId, TicketState};
use crate::store::{AuditEntry, MessageFilter, TicketFilter};

pub(super) async fn healthz(State(state): State<AppState>) -> impl IntoResponse {
    let healthy = state.store.is_healthy();
    let body = json!({
        "status": if healthy { "ok" } else { "store unusable" },
        "store": { "healthy": healthy, "path": state.store.dir().display().to_string() },
        "uptime_seconds": state.started.elapsed().as_secs(),
        "connectors": state.status.snapshot(),
        "rules": state.rules.status(),
    });
    let code = if healthy {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (code, Json(body))
}

pub(super) async fn metrics(State(state): State<AppState>) -> impl IntoResponse {
    (
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        state.metrics.render(),
    )
}

pub(super) async fn trends(State(state): State<AppState>) -> Json<Value> {
    Json(json!(state.trends.current()))
}

pub(super) async fn stats(State(state): State<AppState>) -> Json<Value> {
    Json(json!(state.store.stats()))
}

#[derive(Debug, Deserialize)]
pub(super) struct MessagesQuery {
    channel: Option<String>,
    limit: Option<usize>,
}

pub(super) async fn messages(
    State(state): State<AppState>,
    Query(q): Query<MessagesQuery>,
) -> Result<Json<Value>, AppError> {
    let channel = match q.channel.as_deref().filter(|c| !c.is_empty()) {
        Some(name) => Some(
            Channel::parse(name)
                .ok_or_else(|| AppError::BadRequest(format!("unknown channel {name:?}")))?,
        ),
        None => None,
    };
    let filter = MessageFilter {
        channel,
        limit: q.limit,
    };
    let store = state.store.clone();
    let list = tokio::task::spawn_blocking(move || store.messages(&filter))
        .await
        .map_err(|e| AppError::Internal(e.to_string()))??;
    Ok(Json(json!({ "messages": list })))
}

fn parse_id(id: &str) -> Result<MessageId, AppError> {
    uuid::Uuid::parse_str(id)
        .map(MessageId)
        .map_err(|_| AppError::BadRequest(format!("{id:?} is not a message id")))
}

pub(super) async fn message(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<Value>, AppError> {
    let id = parse_id(&id)?;
    let message = state
        .store
        .message(id)?
        .ok_or_else(|| AppError::NotFound(format!("message {id}")))?;
    Ok(Json(json!(message)))
}

pub(super) async fn message_raw(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<impl IntoResponse, AppError> {
    let id = parse_id(&id)?;
    let raw = state
        .store
        .raw(id)?
        .ok_or_else(|| AppError::NotFound(format!("raw bytes of {id}")))?;
    Ok(([(header::CONTENT_TYPE, "message/rfc822")], raw))
}

#[derive(Debug, Deserialize)]
pub(super) struct TicketsQuery {
    state: Option<String>,
    queue: Option<String>,
    limit: Option<usize>,
}

pub(super) async fn tickets(
    State(state): State<AppState>,
    Query(q): Query<TicketsQuery>,
) -> Result<Json<Value>, AppError> {
    let ticket_state = match q.state.as_deref().filter(|s| !s.is_empty()) {
        Some(name) => Some(
            TicketState::ALL
                .into_iter()
                .find(|s| s.as_str() == name)
                .ok_or_else(|| AppError::BadRequest(format!("unknown ticket state {name:?}")))?,
        ),
        None => None,
    };
    let filter = TicketFilter {
        state: ticket_state,
        queue: q.queue.filter(|s| !s.is_empty()),
        limit: q.limit,
    };
    let store = state.store.clone();
    let list = tokio::task::spawn_blocking(move || store.tickets(&filter))
        .await
        .map_err(|e| AppError::Internal(e.to_string()))??;
    Ok(Json(json!({ "tickets": list })))
}

pub(super) async fn ticket(
    State(state): State<AppState>,
    Path(number): Path<String>,
) -> Result<Json<Value>, AppError> {
    let ticket = state
        .store
        .ticket(&number)?
        .ok_or_else(|| AppError::NotFound(format!("ticket {number}")))?;
    let mut messages = Vec::with_capacity(ticket.messages.len());
    for id in &ticket.messages {
        messages.extend(state.store.message(*id)?);
    }
    let mut audit = vec![AuditEntry {
        at: ticket.created_at,
        actor: "system:pipeline".into(),
        action: "ticket.opened".into(),
        subject: number.clone(),
        before: None,
        after: Some(json!({ "state": "new", "queue": ticket.queue, "priority": ticket.priority })),
    }];
    audit.extend(state.store.audit_for(&number)?);
    Ok(Json(
        json!({ "ticket": ticket, "messages": messages, "audit": audit }),
    ))
}

/// The notes on a ticket, oldest first.
pub(super) async fn notes(
    State(state): State<AppState>,
    Path(number): Path<String>,
) -> Result<Json<Value>, AppError> {
    if state.store.ticket(&number)?.is_none() {
        return Err(AppError::NotFound(format!("ticket {number}")));
    }
    let store = state.store.clone();
    let notes = tokio::task::spawn_blocking(move || store.notes(&number))
        .await
        .map_err(|e| AppError::Internal(e.to_string()))??;
    Ok(Json(json!({ "notes": notes })))
}

#[derive(Debug, Deserialize)]
pub(super) struct LimitQuery {
    limit: Option<usize>,
}

pub(super) async fn quarantine(
    State(state): State<AppState>,
    Query(q): Query<LimitQuery>,
) -> Result<Json<Value>, AppError> {
    let list = state.store.quarantined(q.limit)?;
    Ok(Json(json!({ "quarantined": list })))
}

pub(super) async fn drafts(
    State(state): State<AppState>,
    Query(q): Query<LimitQuery>,
) -> Result<Json<Value>, AppError> {
    let list = state.store.drafts(q.limit)?;
    Ok(Json(json!({ "drafts": list })))
}
