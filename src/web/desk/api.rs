//! The desk's JSON API under `/api/desk/`: everything the pages do, with
//! the same permission checks. Bodies are JSON; errors are
//! `{"error": …, "message": <Chinese>}` with 403/404/409/422.

use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use axum::routing::{get, post};
use chrono::{DateTime, Utc};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::actor;
use super::blocking::blocking_json;
use super::errors::ApiError;
use crate::auth::{Identity, Permission};
use crate::desk::{
    Actor, DeskError, DraftQuery, IncidentQuery, IncidentViewQuery, Page, Resolution, SearchQuery,
    TicketQuery,
};
use crate::model::{Draft, DraftId, TicketState};
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
        .route("/api/desk/incidents", get(incidents))
        .route("/api/desk/incidents/{number}", get(incident))
        .route("/api/desk/search", get(search))
        .route("/api/desk/audit", get(audit))
}

type ApiResult = Result<Json<Value>, ApiError>;

/// A read's answer: JSON made on the blocking pool.
type ReadResult = Result<Response, ApiError>;

/// Checks `permission`, then runs `read` (synchronous store reads) off the
/// async threads and answers its value as JSON.
async fn read<T, F>(identity: &Identity, permission: Permission, read: F) -> ReadResult
where
    F: FnOnce() -> Result<T, ApiError> + Send + 'static,
    T: Serialize,
{
    identity.require(permission)?;
    blocking_json(read).await
}

/// What a change starts from: `permission` checked, then the JSON body read;
/// the actor is who the audit log names.
fn change<B: DeserializeOwned>(
    identity: &Identity,
    permission: Permission,
    bytes: &Bytes,
) -> Result<(Actor, B), ApiError> {
    identity.require(permission)?;
    Ok((actor(identity), body(bytes)?))
}

/// A draft change's answer: `{"draft"}` as it is now.
fn drafted(changed: Result<Draft, DeskError>) -> ApiResult {
    Ok(Json(json!({ "draft": changed? })))
}

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
) -> ReadResult {
    read(&identity, Permission::ViewTickets, move || {
        Ok(state.desk.tickets(&query)?)
    })
    .await
}

/// `GET /api/desk/tickets/{number}`.
async fn ticket(
    identity: Identity,
    State(state): State<AppState>,
    Path(number): Path<String>,
) -> ReadResult {
    read(&identity, Permission::ViewTickets, move || {
        Ok(state.desk.ticket(&number)?)
    })
    .await
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
    let (who, b): (_, StateBody) = change(&identity, Permission::WorkTickets, &bytes)?;
    let now = state
        .desk
        .set_ticket_state(&who, &number, b.state, b.expected)
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
    let (who, b): (_, AssignBody) = change(&identity, Permission::WorkTickets, &bytes)?;
    let assignee = b.assignee.filter(|a| !a.trim().is_empty());
    state
        .desk
        .assign_ticket(&who, &number, assignee.as_deref())
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
    let (who, b): (_, TextBody) = change(&identity, Permission::WorkTickets, &bytes)?;
    let id = state.desk.add_note(&who, &number, &b.body).await?;
    Ok(Json(json!({ "number": number, "note": id.to_string() })))
}

/// `POST …/reply` `{"body"}`: queued in the outbox for the SMTP sender.
async fn ticket_reply(
    identity: Identity,
    State(state): State<AppState>,
    Path(number): Path<String>,
    bytes: Bytes,
) -> ApiResult {
    let (who, b): (_, TextBody) = change(&identity, Permission::WorkTickets, &bytes)?;
    let id = state.desk.reply_by_email(&who, &number, &b.body).await?;
    Ok(Json(json!({ "number": number, "outbox": id.to_string() })))
}

/// `GET /api/desk/drafts?state=&cursor=&limit=`.
async fn drafts(
    identity: Identity,
    State(state): State<AppState>,
    Query(query): Query<DraftQuery>,
) -> ReadResult {
    read(&identity, Permission::ViewDrafts, move || {
        Ok(state.desk.drafts(&query)?)
    })
    .await
}

/// `GET /api/desk/drafts/{id}`.
async fn draft(
    identity: Identity,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> ReadResult {
    read(&identity, Permission::ViewDrafts, move || {
        Ok(state.desk.draft(draft_id(&id)?)?)
    })
    .await
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
    let (who, b): (_, EditBody) = change(&identity, Permission::EditDrafts, &bytes)?;
    let id = draft_id(&id)?;
    drafted(
        state
            .desk
            .edit_draft(&who, id, &b.body, b.expected_updated_at)
            .await,
    )
}

/// `POST …/approve`: a second approval changes nothing (200 with the draft
/// as it is), and never publishes twice.
async fn draft_approve(
    identity: Identity,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult {
    identity.require(Permission::ApproveDrafts)?;
    let id = draft_id(&id)?;
    drafted(state.desk.approve_draft(&actor(&identity), id).await)
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
    let (who, b): (_, RejectBody) = change(&identity, Permission::EditDrafts, &bytes)?;
    drafted(
        state
            .desk
            .reject_draft(&who, draft_id(&id)?, &b.reason)
            .await,
    )
}

/// `POST …/reassign` `{"assignee": name | null}`.
async fn draft_reassign(
    identity: Identity,
    State(state): State<AppState>,
    Path(id): Path<String>,
    bytes: Bytes,
) -> ApiResult {
    let (who, b): (_, AssignBody) = change(&identity, Permission::EditDrafts, &bytes)?;
    let assignee = b.assignee.filter(|a| !a.trim().is_empty());
    let id = draft_id(&id)?;
    drafted(
        state
            .desk
            .reassign_draft(&who, id, assignee.as_deref())
            .await,
    )
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
    let (who, b): (_, ResolveBody) = change(&identity, Permission::ResolveUncertain, &bytes)?;
    drafted(
        state
            .desk
            .resolve_uncertain(&who, draft_id(&id)?, b.resolution)
            .await,
    )
}

/// `GET /api/desk/search?q=&kind=&limit=`.
async fn search(
    identity: Identity,
    State(state): State<AppState>,
    Query(query): Query<SearchQuery>,
) -> ReadResult {
    read(&identity, Permission::ViewTickets, move || {
        Ok(state.desk.search(&query)?)
    })
    .await
}

/// `GET /api/desk/incidents?cursor=&limit=`: firing first, each with the
/// last hour's unique authors per minute as the detector last published them.
async fn incidents(
    identity: Identity,
    State(state): State<AppState>,
    Query(query): Query<IncidentQuery>,
) -> ReadResult {
    read(&identity, Permission::ViewIncidents, move || {
        let page = state.desk.incidents(&query)?;
        let trends = state.trends.current();
        Ok(Page {
            items: page
                .items
                .into_iter()
                .map(|summary| Charted {
                    last_hour: trends.last_hour(&summary.incident.topic).to_vec(),
                    item: summary,
                })
                .collect(),
            next: page.next,
        })
    })
    .await
}

/// `GET /api/desk/incidents/{number}?members=&drafts=&limit=`: the
/// incident, a page of its members and of its drafts, and its last hour.
async fn incident(
    identity: Identity,
    State(state): State<AppState>,
    Path(number): Path<String>,
    Query(query): Query<IncidentViewQuery>,
) -> ReadResult {
    read(&identity, Permission::ViewIncidents, move || {
        let view = state.desk.incident(&number, &query)?;
        let last_hour = state
            .trends
            .current()
            .last_hour(&view.incident.topic)
            .to_vec();
        Ok(Charted {
            item: view,
            last_hour,
        })
    })
    .await
}

/// An incident (list row or whole view) with its chart's points: unique
/// authors per minute over the detector's last hour.
#[derive(Serialize)]
struct Charted<T> {
    #[serde(flatten)]
    item: T,
    last_hour: Vec<(DateTime<Utc>, u32)>,
}

/// `GET /api/desk/audit?before=&limit=&actor=&action=&subject=` (admins):
/// the audit log across subjects, newest first (`pages_admin.rs`).
async fn audit(
    identity: Identity,
    State(state): State<AppState>,
    Query(query): Query<super::pages_admin::AuditQuery>,
) -> ReadResult {
    read(&identity, Permission::Admin, move || {
        super::pages_admin::audit_json(&state, &query)
    })
    .await
}
