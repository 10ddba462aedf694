//! The desk's JSON API under `/api/desk/`: everything the pages do, with
//! the same permission checks. Bodies are JSON; errors are
//! `{"error": …, "message": <Chinese>}` with 403/404/409/422.

use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::routing::{get, post};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use super::actor;
use super::errors::ApiError;
use crate::auth::{Identity, Permission};
use crate::desk::{DraftQuery, Resolution, SearchQuery, TicketQuery};
use crate::model::{DraftId, TicketState};
use crate::web::AppState;

/// The `/api/desk/` routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/desk/tickets", get(tickets))
        .route("/api/desk/tickets/{number}", get(ticket))
        .route("/api/desk/tickets/{number}/state", post(ticket_state))
        .route("/api/desk/tickets/{number}/assign", post(ticket_assign))
        .route("/api/desk/tickets/{number}/notes", post(ticket_note))
        .route("/api/desk/tickets/{number}/reply", post(ticket_reply))
        .route("/api/desk/drafts", get(drafts))
        .route("/api/desk/drafts/{id}", get(draft))
        .route("/api/desk/drafts/{id}/edit", post(draft_edit))
        .route("/api/desk/drafts/{id}/approve", post(draft_approve))
        .route("/api/desk/drafts/{id}/reject", post(draft_reject))
        .route("/api/desk/drafts/{id}/reassign", post(draft_reassign))
        .route("/api/desk/drafts/{id}/resolve", post(draft_resolve))
        .route("/api/desk/search", get(search))
}

type ApiResult = Result<Json<Value>, ApiError>;

/// A JSON body; an empty body reads as `{}` so `approve` needs none.
fn body<T: DeserializeOwned>(bytes: &Bytes) -> Result<T, ApiError> {
    let bytes: &[u8] = if bytes.iter().all(u8::is_ascii_whitespace) {
        b"{}"
    } else {
        bytes
    };
    serde_json::from_slice(bytes).map_err(|e| ApiError::BadRequest(format!("bad JSON body: {e}")))
}

fn draft_id(id: &str) -> Result<DraftId, ApiError> {
    uuid::Uuid::parse_str(id)
        .map(DraftId)
        .map_err(|_| ApiError::BadRequest(format!("{id:?} is not a draft id")))
}

/// `GET /api/desk/tickets?state=&priority=&queue=&assignee=&text=&cursor=&limit=`.
async fn tickets(
    identity: Identity,
    State(state): State<AppState>,
    Query(query): Query<TicketQuery>,
) -> ApiResult {
    identity.require(Permission::ViewTickets)?;
    Ok(Json(json!(state.desk.tickets(&query)?)))
}

/// `GET /api/desk/tickets/{number}`.
async fn ticket(
    identity: Identity,
    State(state): State<AppState>,
    Path(number): Path<String>,
) -> ApiResult {
    identity.require(Permission::ViewTickets)?;
    Ok(Json(json!(state.desk.ticket(&number)?)))
}

#[derive(Deserialize)]
struct StateBody {
    state: TicketState,
    #[serde(default)]
    expected: Option<TicketState>,
}

/// `POST …/state` `{"state", "expected"?}`.
async fn ticket_state(
    identity: Identity,
    State(state): State<AppState>,
    Path(number): Path<String>,
    bytes: Bytes,
) -> ApiResult {
    identity.require(Permission::WorkTickets)?;
    let b: StateBody = body(&bytes)?;
    let now = state
        .desk
        .set_ticket_state(&actor(&identity), &number, b.state, b.expected)
        .await?;
    Ok(Json(json!({ "number": number, "state": now })))
}

#[derive(Deserialize)]
struct AssignBody {
    #[serde(default)]
    assignee: Option<String>,
}

/// `POST …/assign` `{"assignee": name | null}`.
async fn ticket_assign(
    identity: Identity,
    State(state): State<AppState>,
    Path(number): Path<String>,
    bytes: Bytes,
) -> ApiResult {
    identity.require(Permission::WorkTickets)?;
    let b: AssignBody = body(&bytes)?;
    let assignee = b.assignee.filter(|a| !a.trim().is_empty());
    state
        .desk
        .assign_ticket(&actor(&identity), &number, assignee.as_deref())
        .await?;
    Ok(Json(json!({ "number": number, "assignee": assignee })))
}

#[derive(Deserialize)]
struct TextBody {
    body: String,
}

/// `POST …/notes` `{"body"}`.
async fn ticket_note(
    identity: Identity,
    State(state): State<AppState>,
    Path(number): Path<String>,
    bytes: Bytes,
) -> ApiResult {
    identity.require(Permission::WorkTickets)?;
    let b: TextBody = body(&bytes)?;
    let id = state
        .desk
        .add_note(&actor(&identity), &number, &b.body)
        .await?;
    Ok(Json(json!({ "number": number, "note": id.to_string() })))
}

/// `POST …/reply` `{"body"}`: queued in the outbox for the SMTP sender.
async fn ticket_reply(
    identity: Identity,
    State(state): State<AppState>,
    Path(number): Path<String>,
    bytes: Bytes,
) -> ApiResult {
    identity.require(Permission::WorkTickets)?;
    let b: TextBody = body(&bytes)?;
    let id = state
        .desk
        .reply_by_email(&actor(&identity), &number, &b.body)
        .await?;
    Ok(Json(json!({ "number": number, "outbox": id.to_string() })))
}

/// `GET /api/desk/drafts?state=&cursor=&limit=`.
async fn drafts(
    identity: Identity,
    State(state): State<AppState>,
    Query(query): Query<DraftQuery>,
) -> ApiResult {
    identity.require(Permission::ViewDrafts)?;
    Ok(Json(json!(state.desk.drafts(&query)?)))
}

/// `GET /api/desk/drafts/{id}`.
async fn draft(
    identity: Identity,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult {
    identity.require(Permission::ViewDrafts)?;
    Ok(Json(json!(state.desk.draft(draft_id(&id)?)?)))
}

#[derive(Deserialize)]
struct EditBody {
    body: String,
    expected_updated_at: DateTime<Utc>,
}

/// `POST …/edit` `{"body", "expected_updated_at"}`.
async fn draft_edit(
    identity: Identity,
    State(state): State<AppState>,
    Path(id): Path<String>,
    bytes: Bytes,
) -> ApiResult {
    identity.require(Permission::EditDrafts)?;
    let b: EditBody = body(&bytes)?;
    let draft = state
        .desk
        .edit_draft(
            &actor(&identity),
            draft_id(&id)?,
            &b.body,
            b.expected_updated_at,
        )
        .await?;
    Ok(Json(json!({ "draft": draft })))
}

/// `POST …/approve`: a second approval changes nothing (200 with the draft
/// as it is), and never publishes twice.
async fn draft_approve(
    identity: Identity,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult {
    identity.require(Permission::ApproveDrafts)?;
    let draft = state
        .desk
        .approve_draft(&actor(&identity), draft_id(&id)?)
        .await?;
    Ok(Json(json!({ "draft": draft })))
}

#[derive(Deserialize)]
struct RejectBody {
    reason: String,
}

/// `POST …/reject` `{"reason"}`.
async fn draft_reject(
    identity: Identity,
    State(state): State<AppState>,
    Path(id): Path<String>,
    bytes: Bytes,
) -> ApiResult {
    identity.require(Permission::EditDrafts)?;
    let b: RejectBody = body(&bytes)?;
    let draft = state
        .desk
        .reject_draft(&actor(&identity), draft_id(&id)?, &b.reason)
        .await?;
    Ok(Json(json!({ "draft": draft })))
}

/// `POST …/reassign` `{"assignee": name | null}`.
async fn draft_reassign(
    identity: Identity,
    State(state): State<AppState>,
    Path(id): Path<String>,
    bytes: Bytes,
) -> ApiResult {
    identity.require(Permission::EditDrafts)?;
    let b: AssignBody = body(&bytes)?;
    let assignee = b.assignee.filter(|a| !a.trim().is_empty());
    let draft = state
        .desk
        .reassign_draft(&actor(&identity), draft_id(&id)?, assignee.as_deref())
        .await?;
    Ok(Json(json!({ "draft": draft })))
}

#[derive(Deserialize)]
struct ResolveBody {
    resolution: Resolution,
}

/// `POST …/resolve` `{"resolution": "published" | "not_published"}`.
async fn draft_resolve(
    identity: Identity,
    State(state): State<AppState>,
    Path(id): Path<String>,
    bytes: Bytes,
) -> ApiResult {
    identity.require(Permission::ResolveUncertain)?;
    let b: ResolveBody = body(&bytes)?;
    let draft = state
        .desk
        .resolve_uncertain(&actor(&identity), draft_id(&id)?, b.resolution)
        .await?;
    Ok(Json(json!({ "draft": draft })))
}

/// `GET /api/desk/search?q=&kind=&limit=`.
async fn search(
    identity: Identity,
    State(state): State<AppState>,
    Query(query): Query<SearchQuery>,
) -> ApiResult {
    identity.require(Permission::ViewTickets)?;
    Ok(Json(json!(state.desk.search(&query)?)))
}
