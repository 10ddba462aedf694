//! `GET /api/outbox`: outgoing mail and what became of it. Entries in state
//! `uncertain` may or may not have reached the customer; a person decides.

use axum::Json;
use axum::extract::{Query, State};
use serde_json::{Value, json};

use super::{AppError, AppState};
use crate::store::{OutboxFilter, OutboxState};

pub(super) async fn outbox(
    State(state): State<AppState>,
    Query(filter): Query<OutboxFilter>,
) -> Result<Json<Value>, AppError> {
    if let Some(s) = filter
        .state
        .as_deref()
        .filter(|s| !OutboxState::NAMES.contains(s))
    {
        let expected = crate::config::quoted_list(OutboxState::NAMES);
        return Err(AppError::BadRequest(format!(
            "unknown state {s:?}, expected one of {expected}"
        )));
    }
    let store = state.store.clone();
    let (counts, entries) = tokio::task::spawn_blocking(move || {
        Ok::<_, crate::store::StoreError>((store.outbox_counts()?, store.outbox(&filter)?))
    })
    .await
    .map_err(|e| AppError::Internal(e.to_string()))??;
    Ok(Json(json!({ "counts": counts, "outbox": entries })))
}
