//! `GET /tickets`, `GET /tickets/{number}` and the ticket forms
//! (`POST /tickets/{number}/{state,assign,notes,reply}`).

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;

use super::blocking::blocking_page;
use super::errors::{PageError, desk_status, desk_text};
use super::{FlashParams, actor, admit, convert, done, field, shell};
use crate::auth::{Identity, Permission};
use crate::desk::{DeskError, TicketQuery};
use crate::model::TicketState;
use crate::web::AppState;
use crate::web::pages::view::{Flash, FlashKind, Section, Shell, TicketFilter, TicketsPage};
use crate::web::pages::{paths, ticket::ticket_page, tickets::tickets_page};

/// The queue's query string; kept as text so a bad value is a message, not a 400 body.
#[derive(Debug, Default, Deserialize)]
pub struct ListParams {
    state: Option<String>,
    priority: Option<String>,
    queue: Option<String>,
    assignee: Option<String>,
    text: Option<String>,
    cursor: Option<String>,
    ok: Option<String>,
}

fn nonblank(v: Option<String>) -> Option<String> {
    v.map(|s| s.trim().to_string()).filter(|s| !s.is_empty())
}

/// `GET /tickets`.
pub async fn list(
    identity: Identity,
    State(state): State<AppState>,
    Query(params): Query<ListParams>,
) -> Result<Response, PageError> {
    let shell = admit(
        &identity,
        Section::Tickets,
        Permission::ViewTickets,
        params.ok.as_deref(),
    )?;
    let filter = TicketFilter {
        state: nonblank(params.state).and_then(|s| super::parse_name(&s)),
        priority: nonblank(params.priority).and_then(|p| super::parse_name(&p)),
        queue: nonblank(params.queue),
        assignee: nonblank(params.assignee),
        text: nonblank(params.text),
    };
    let query = TicketQuery {
        state: filter.state,
        priority: filter.priority,
        queue: filter.queue.clone(),
        assignee: filter.assignee.clone(),
        text: filter.text.clone(),
        cursor: params.cursor.clone(),
        limit: None,
    };
    let paged = params.cursor.is_some();
    blocking_page(&shell, paths::TICKETS, StatusCode::OK, move |shell| {
        let page = state.desk.tickets(&query)?;
        let agents = convert::people(&state.auth, Permission::WorkTickets);
        let mut queues: Vec<String> = page.items.iter().map(|t| t.queue.clone()).collect();
        queues.extend(filter.queue.clone());
        queues.sort();
        queues.dedup();
        let view = TicketsPage {
            rows: page
                .items
                .iter()
                .map(|t| convert::ticket_row(t, &agents))
                .collect(),
            filter,
            queues,
            assignees: agents,
            next: page.next.clone(),
            paged,
        };
        Ok(tickets_page(shell, &view))
    })
    .await
}

/// `GET /tickets/{number}`.
pub async fn show(
    identity: Identity,
    State(state): State<AppState>,
    Path(number): Path<String>,
    Query(params): Query<FlashParams>,
) -> Result<Response, PageError> {
    let shell = admit(
        &identity,
        Section::Tickets,
        Permission::ViewTickets,
        params.ok.as_deref(),
    )?;
    render(state, &shell, &number, StatusCode::OK).await
}

/// The ticket page with `status` (a form error re-renders it with its flash).
async fn render(
    state: AppState,
    shell: &Shell,
    number: &str,
    status: StatusCode,
) -> Result<Response, PageError> {
    let number = number.to_string();
    blocking_page(shell, paths::TICKETS, status, move |shell| {
        let view = state.desk.ticket(&number)?;
        let agents = convert::people(&state.auth, Permission::WorkTickets);
        let page = convert::ticket_page(&view, agents, state.desk.mail_enabled());
        Ok(ticket_page(shell, &page))
    })
    .await
}

/// `POST /tickets/{number}/{action}` (agents and admins).
pub async fn act(
    identity: Identity,
    State(state): State<AppState>,
    Path((number, action)): Path<(String, String)>,
    body: Bytes,
) -> Result<Response, PageError> {
    let shell = shell(&identity, Section::Tickets, None);
    if !matches!(action.as_str(), "state" | "assign" | "notes" | "reply") {
        return Err(PageError::bad_request(&shell, "未知的操作。"));
    }
    identity
        .require(Permission::WorkTickets)
        .map_err(|e| PageError::auth(&shell, &e))?;
    let who = actor(&identity);
    let desk = &state.desk;
    let result = match action.as_str() {
        "state" => {
            let Some(new) =
                field(&body, "state").and_then(|s| super::parse_name::<TicketState>(s.trim()))
            else {
                return Err(PageError::bad_request(&shell, "请选择有效的工单状态。"));
            };
            let expected = field(&body, "expected").and_then(|s| super::parse_name(s.trim()));
            desk.set_ticket_state(&who, &number, new, expected)
                .await
                .map(|_| ())
        }
        "assign" => {
            let assignee = field(&body, "assignee").filter(|a| !a.trim().is_empty());
            desk.assign_ticket(&who, &number, assignee.as_deref()).await
        }
        "notes" => {
            let text = field(&body, "body").unwrap_or_default();
            desk.add_note(&who, &number, &text).await.map(|_| ())
        }
        _ => {
            let text = field(&body, "body").unwrap_or_default();
            desk.reply_by_email(&who, &number, &text).await.map(|_| ())
        }
    };
    match result {
        Ok(()) => Ok(done(&paths::ticket(&number), &action)),
        Err(e @ DeskError::NotFound(_)) => Err(PageError::desk(&shell, &e, paths::TICKETS)),
        Err(e) => {
            let mut shell = shell;
            shell.flashes.push(Flash {
                kind: FlashKind::Error,
                text: desk_text(&e),
            });
            render(state, &shell, &number, desk_status(&e)).await
        }
    }
}
