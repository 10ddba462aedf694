//! `GET /incidents` and `GET /incidents/{number}`: incident tickets, firing
//! first, with the numbers that made them fire, their member messages and
//! their drafts.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;

use super::blocking::blocking_page;
use super::errors::PageError;
use super::{admit, convert};
use crate::auth::{Identity, Permission};
use crate::desk::{DeskError, IncidentQuery, IncidentSummary, IncidentViewQuery};
use crate::incidents::Published;
use crate::web::AppState;
use crate::web::pages::incidents::{incident_page, incidents_page};
use crate::web::pages::paths;
use crate::web::pages::view::{
    IncidentPage, IncidentRow, IncidentsPage, Section, china_time, minute_label,
};

/// `GET /incidents`: firing incidents first, then resolved ones.
pub async fn list(
    identity: Identity,
    State(state): State<AppState>,
    Query(query): Query<IncidentQuery>,
) -> Result<Response, PageError> {
    let shell = admit(
        &identity,
        Section::Incidents,
        Permission::ViewIncidents,
        None,
    )?;
    blocking_page(&shell, paths::INCIDENTS, StatusCode::OK, move |shell| {
        let page = state.desk.incidents(&query)?;
        let trends = state.trends.current();
        let view = IncidentsPage {
            incidents: page
                .items
                .iter()
                .map(|i| incident_row(i, &trends))
                .collect(),
            next: page.next,
        };
        Ok(incidents_page(shell, &view))
    })
    .await
}

fn incident_row(summary: &IncidentSummary, trends: &Published) -> IncidentRow {
    let incident = &summary.incident;
    IncidentRow {
        number: summary.ticket.number.clone(),
        title: incident.title.clone(),
        firing: incident.resolved_at.is_none(),
        onset: china_time(incident.onset),
        fired: china_time(incident.fired_at),
        members: incident.members,
        drafts: incident.drafts,
        last_hour: trends
            .last_hour(&incident.topic)
            .iter()
            .map(|(_, n)| *n)
            .collect(),
    }
}

/// `GET /incidents/{number}?members=&drafts=`.
pub async fn show(
    identity: Identity,
    State(state): State<AppState>,
    Path(number): Path<String>,
    Query(query): Query<IncidentViewQuery>,
) -> Result<Response, PageError> {
    let shell = admit(
        &identity,
        Section::Incidents,
        Permission::ViewIncidents,
        None,
    )?;
    blocking_page(&shell, paths::INCIDENTS, StatusCode::OK, move |shell| {
        Ok(incident_page(
            shell,
            &incident_page_view(&state, &number, &query)?,
        ))
    })
    .await
}

/// One incident's page (store reads: called on the blocking pool).
fn incident_page_view(
    state: &AppState,
    number: &str,
    query: &IncidentViewQuery,
) -> Result<IncidentPage, DeskError> {
    let view = state.desk.incident(number, query).map_err(|e| match e {
        DeskError::NotFound(_) => DeskError::NotFound(format!("事件 {number}")),
        other => other,
    })?;
    let incident = &view.incident;
    let trends = state.trends.current();
    let people = convert::people(&state.auth, Permission::EditDrafts);
    let nonblank = |c: &Option<String>| c.as_deref().is_some_and(|c| !c.trim().is_empty());
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
        per_minute: trends
            .last_hour(&incident.topic)
            .iter()
            .map(|(at, n)| (minute_label(*at), *n))
            .collect(),
        chart_as_of: trends.as_of.map(china_time),
        members: view
            .members
            .items
            .iter()
            .map(convert::message_row)
            .collect(),
        members_total: incident.members,
        members_next: view.members.next.clone(),
        members_paged: nonblank(&query.members),
        drafts: view
            .drafts
            .items
            .iter()
            .map(|d| convert::draft_row(d, &people))
            .collect(),
        drafts_total: incident.drafts,
        drafts_next: view.drafts.next.clone(),
        drafts_paged: nonblank(&query.drafts),
    })
}
