//! `GET /incidents` and `GET /incidents/{number}`: incident tickets with
//! the numbers that made them fire and their newest member messages.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;

use super::blocking::blocking_page;
use super::errors::PageError;
use super::{convert, shell};
use crate::auth::{Identity, Permission};
use crate::desk::{DeskError, MAX_LIMIT, TicketQuery};
use crate::incidents::Published;
use crate::web::AppState;
use crate::web::pages::incidents::{incident_page, incidents_page};
use crate::web::pages::paths;
use crate::web::pages::view::{
    IncidentPage, IncidentRow, IncidentsPage, Section, china_time, minute_label,
};

/// Unique authors per minute over the last hour of `topic`, as the trend
/// detector last published them (empty for a topic no longer watched, and
/// for new-topic tickets, which have no per-minute series).
fn last_hour<'a>(trends: &'a Published, topic: &str) -> &'a [(chrono::DateTime<chrono::Utc>, u32)] {
    trends
        .topics
        .iter()
        .find(|t| t.id == topic)
        .map_or(&[], |t| t.last_hour.as_slice())
}

/// The list's query string.
#[derive(Debug, Default, Deserialize)]
pub struct ListParams {
    cursor: Option<String>,
}

/// `GET /incidents`: the incident tickets among one page of the queue.
pub async fn list(
    identity: Identity,
    State(state): State<AppState>,
    Query(params): Query<ListParams>,
) -> Result<Response, PageError> {
    let shell = shell(&identity, Section::Incidents, None);
    identity
        .require(Permission::ViewIncidents)
        .map_err(|e| PageError::auth(&shell, &e))?;
    blocking_page(&shell, paths::INCIDENTS, StatusCode::OK, move |shell| {
        Ok(incidents_page(
            shell,
            &incident_rows(&state, params.cursor)?,
        ))
    })
    .await
}

/// The incident tickets among one page of the queue (store reads: called
/// on the blocking pool).
fn incident_rows(state: &AppState, cursor: Option<String>) -> Result<IncidentsPage, DeskError> {
    let page = state.desk.tickets(&TicketQuery {
        cursor,
        limit: Some(MAX_LIMIT),
        ..TicketQuery::default()
    })?;
    let trends = state.trends.current();
    let mut incidents = Vec::new();
    for summary in page.items.iter().filter(|t| t.incident) {
        let ticket = state.desk.store().ticket(&summary.number)?;
        let Some(incident) = ticket.and_then(|t| t.incident) else {
            continue;
        };
        incidents.push(IncidentRow {
            number: summary.number.clone(),
            title: incident.title.clone(),
            firing: incident.resolved_at.is_none(),
            onset: china_time(incident.onset),
            fired: china_time(incident.fired_at),
            members: incident.members,
            drafts: incident.drafts,
            last_hour: last_hour(&trends, &incident.topic)
                .iter()
                .map(|(_, n)| *n)
                .collect(),
        });
    }
    // Firing first; the queue order (newest-updated) within each.
    incidents.sort_by_key(|row| !row.firing);
    Ok(IncidentsPage {
        incidents,
        next: page.next,
    })
}

/// `GET /incidents/{number}`.
pub async fn show(
    identity: Identity,
    State(state): State<AppState>,
    Path(number): Path<String>,
) -> Result<Response, PageError> {
    let shell = shell(&identity, Section::Incidents, None);
    identity
        .require(Permission::ViewIncidents)
        .map_err(|e| PageError::auth(&shell, &e))?;
    blocking_page(&shell, paths::INCIDENTS, StatusCode::OK, move |shell| {
        Ok(incident_page(shell, &incident_page_view(&state, &number)?))
    })
    .await
}

/// One incident's page (store reads: called on the blocking pool); a
/// ticket that is no incident is not found.
fn incident_page_view(state: &AppState, number: &str) -> Result<IncidentPage, DeskError> {
    let view = state.desk.ticket(number)?;
    let (Some(incident), Some(members)) = (&view.ticket.incident, &view.incident) else {
        return Err(DeskError::NotFound(format!("事件 {number}")));
    };
    Ok(IncidentPage {
        number: number.to_string(),
        title: incident.title.clone(),
        topic: incident.topic.clone(),
        firing: incident.resolved_at.is_none(),
        ticket_state: view.ticket.state,
        onset: china_time(incident.onset),
        fired: china_time(incident.fired_at),
        resolved: incident.resolved_at.map(china_time),
        count: incident.count,
        baseline: incident.baseline,
        p_value: incident.p_value,
        window_minutes: incident.window_minutes,
        // The detector's last published hour for the topic (message time).
        per_minute: last_hour(&state.trends.current(), &incident.topic)
            .iter()
            .map(|(at, n)| (minute_label(*at), *n))
            .collect(),
        members: members.recent.iter().map(convert::message_row).collect(),
        members_total: members.total,
        members_next: None,
        drafts: Vec::new(),
    })
}
