//! `GET /drafts`, `GET /drafts/{id}` and the draft forms
//! (`POST /drafts/{id}/{edit,approve,reject,reassign,resolve}`).

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::{DateTime, Utc};
use serde::Deserialize;

use super::blocking::blocking_page;
use super::errors::{PageError, desk_text};
use super::{FlashParams, actor, admit, convert, done, field, shell};
use crate::auth::{Identity, Permission};
use crate::desk::{DraftQuery, Resolution};
use crate::model::DraftId;
use crate::web::AppState;
use crate::web::pages::view::{Flash, FlashKind, Section, Shell};
use crate::web::pages::{draft::draft_page, drafts::drafts_page, paths};

/// The queue's query string.
#[derive(Debug, Default, Deserialize)]
pub struct ListParams {
    state: Option<String>,
    cursor: Option<String>,
    ok: Option<String>,
}

/// `GET /drafts`.
pub async fn list(
    identity: Identity,
    State(state): State<AppState>,
    Query(params): Query<ListParams>,
) -> Result<Response, PageError> {
    let shell = admit(
        &identity,
        Section::Drafts,
        Permission::ViewDrafts,
        params.ok.as_deref(),
    )?;
    let tab = params
        .state
        .filter(|s| !s.trim().is_empty())
        .unwrap_or_else(|| convert::DRAFT_TABS[0].1.to_string());
    let query = DraftQuery {
        state: Some(tab.clone()),
        cursor: params.cursor.clone(),
        limit: None,
    };
    let paged = params.cursor.is_some();
    blocking_page(&shell, paths::DRAFTS, StatusCode::OK, move |shell| {
        let page = state.desk.drafts(&query)?;
        let people = convert::people(&state.auth, Permission::EditDrafts);
        let mut view = convert::drafts_page(&page, &tab, paged, &people);
        // One read per incident group on the page: whether it is firing, how big.
        for group in &mut view.groups {
            if let Some(incident) = group.incident.as_mut()
                && let Ok(Some(ticket)) = state.store.ticket(&incident.number)
                && let Some(details) = ticket.incident
            {
                incident.firing = details.resolved_at.is_none();
                incident.members = details.members;
            }
        }
        Ok(drafts_page(shell, &view))
    })
    .await
}

/// `GET /drafts/{id}`.
pub async fn show(
    identity: Identity,
    State(state): State<AppState>,
    Path(id): Path<String>,
    Query(params): Query<FlashParams>,
) -> Result<Response, PageError> {
    let shell = admit(
        &identity,
        Section::Drafts,
        Permission::ViewDrafts,
        params.ok.as_deref(),
    )?;
    render(state, &shell, &id, StatusCode::OK).await
}

/// The draft page with `status` (a form error re-renders it with its flash).
async fn render(
    state: AppState,
    shell: &Shell,
    id: &str,
    status: StatusCode,
) -> Result<Response, PageError> {
    let draft_id = parse_id(shell, id)?;
    blocking_page(shell, paths::DRAFTS, status, move |shell| {
        let view = state.desk.draft(draft_id)?;
        let reviewers = convert::people(&state.auth, Permission::EditDrafts);
        Ok(draft_page(shell, &convert::draft_page(&view, reviewers)))
    })
    .await
}

/// A draft id from the path; a malformed one is a 404 like a missing one.
pub fn parse_id(shell: &Shell, id: &str) -> Result<DraftId, PageError> {
    uuid::Uuid::parse_str(id).map(DraftId).map_err(|_| {
        PageError::desk(
            shell,
            &crate::desk::DeskError::NotFound(format!("草稿 {id}")),
            paths::DRAFTS,
        )
    })
}

/// `POST /drafts/{id}/{action}`: 303 back to the draft on success; on a
/// refusal the draft page again with the reason.
pub async fn act(
    identity: Identity,
    State(state): State<AppState>,
    Path((id, action)): Path<(String, String)>,
    body: Bytes,
) -> Result<Response, PageError> {
    let shell = shell(&identity, Section::Drafts, None);
    let draft_id = parse_id(&shell, &id)?;
    let permission = match action.as_str() {
        "edit" | "reject" | "reassign" => Permission::EditDrafts,
        "approve" => Permission::ApproveDrafts,
        "resolve" => Permission::ResolveUncertain,
        _ => return Err(PageError::bad_request(&shell, "未知的操作。")),
    };
    identity
        .require(permission)
        .map_err(|e| PageError::auth(&shell, &e))?;
    let who = actor(&identity);
    let desk = &state.desk;
    let result = match action.as_str() {
        "edit" => {
            let text = field(&body, "body").unwrap_or_default();
            let Some(expected) = field(&body, "expected_updated_at")
                .and_then(|v| DateTime::parse_from_rfc3339(v.trim()).ok())
                .map(|t| t.with_timezone(&Utc))
            else {
                return Err(PageError::bad_request(
                    &shell,
                    "表单缺少草稿版本，请刷新页面后重试。",
                ));
            };
            desk.edit_draft(&who, draft_id, &text, expected).await
        }
        "approve" => desk.approve_draft(&who, draft_id).await,
        "reject" => {
            let reason = field(&body, "reason").unwrap_or_default();
            desk.reject_draft(&who, draft_id, &reason).await
        }
        "reassign" => {
            let assignee = field(&body, "assignee").filter(|a| !a.trim().is_empty());
            desk.reassign_draft(&who, draft_id, assignee.as_deref())
                .await
        }
        _ => {
            let resolution = match field(&body, "resolution").as_deref() {
                Some("published") => Resolution::Published,
                Some("not_published") => Resolution::NotPublished,
                _ => return Err(PageError::bad_request(&shell, "请选择发送结果。")),
            };
            desk.resolve_uncertain(&who, draft_id, resolution).await
        }
    };
    let path = paths::draft(&id);
    match result {
        // Two reviewers approving together: the second is told it was
        // someone else's approval, not led to believe it was theirs.
        Ok(draft)
            if action == "approve" && draft.approved_by.as_deref() != Some(who.user.as_str()) =>
        {
            Ok(done(&path, "already_approved"))
        }
        Ok(_) => Ok(done(&path, flash_code(&action))),
        Err(crate::desk::DeskError::NotFound(what)) => Err(PageError::desk(
            &shell,
            &crate::desk::DeskError::NotFound(what),
            paths::DRAFTS,
        )),
        Err(e) => {
            let status = super::errors::desk_status(&e);
            let mut shell = shell;
            shell.flashes.push(Flash {
                kind: FlashKind::Error,
                text: desk_text(&e),
            });
            render(state, &shell, &id, status).await
        }
    }
}

/// The flash code of a draft action (the same words `?ok=` knows).
fn flash_code(action: &str) -> &'static str {
    match action {
        "edit" => "edited",
        "approve" => "approved",
        "reject" => "rejected",
        "reassign" => "reassigned",
        _ => "resolved",
    }
}
