//! `GET /incidents` and `GET /incidents/{number}`: incident tickets with
//! the numbers that made them fire and their newest member messages.

use axum::extract::{Path, Query, State};
use axum::response::{Html, IntoResponse, Response};
use serde::Deserialize;

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
    let page = state
        .desk
        .tickets(&TicketQuery {
            cursor: params.cursor,
            limit: Some(MAX_LIMIT),
            ..TicketQuery::default()
        })
        .map_err(|e| PageError::desk(&shell, &e, paths::INCIDENTS))?;
    let trends = state.trends.current();
    let mut incidents = Vec::new();
    for summary in page.items.iter().filter(|t| t.incident) {
        let ticket = state
            .desk
            .store()
            .ticket(&summary.number)
            .map_err(|e| PageError::desk(&shell, &DeskError::Store(e), paths::INCIDENTS))?;
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
    let view = IncidentsPage {
        incidents,
        next: page.next,
    };
    Ok(Html(incidents_page(&shell, &view).into_string()).into_response())
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
    let view = state
        .desk
        .ticket(&number)
        .map_err(|e| PageError::desk(&shell, &e, paths::INCIDENTS))?;
    let (Some(incident), Some(members)) = (&view.ticket.incident, &view.incident) else {
        let missing = DeskError::NotFound(format!("事件 {number}"));
        return Err(PageError::desk(&shell, &missing, paths::INCIDENTS));
    };
    let page = IncidentPage {
        number: number.clone(),
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
    };
    Ok(Html(incident_page(&shell, &page).into_string()).into_response())
}
