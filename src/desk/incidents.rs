//! Incidents: trending topics the detector opened a ticket for, listed
//! firing first, and one incident with its member messages and drafts,
//! each paged through its own index.

use serde::{Deserialize, Serialize};

use super::drafts::{DraftSummary, summarize};
use super::{DeskError, MessageBrief, Page, clamp_limit, decode_cursor, load_page};
use crate::model::Incident;
use crate::store::{Store, TicketSummary};

/// Which page of the incident list.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct IncidentQuery {
    /// Where the page starts: a previous page's `next`.
    pub cursor: Option<String>,
    /// Incidents per page (1–200, default 50).
    pub limit: Option<usize>,
}

/// Which pages of one incident's members and drafts.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct IncidentViewQuery {
    /// Where the members start: a previous view's `members.next`.
    pub members: Option<String>,
    /// Where the drafts start: a previous view's `drafts.next`.
    pub drafts: Option<String>,
    /// Members and drafts per page (1–200, default 50).
    pub limit: Option<usize>,
}

/// An incident as the list shows it.
#[derive(Debug, Clone, Serialize)]
pub struct IncidentSummary {
    /// Its ticket's row.
    pub ticket: TicketSummary,
    /// Why it fired and how far it has got.
    pub incident: Incident,
}

/// One incident with a page of its members and of its drafts.
#[derive(Debug, Clone, Serialize)]
pub struct IncidentView {
    /// Its ticket's row.
    pub ticket: TicketSummary,
    /// Why it fired and how far it has got.
    pub incident: Incident,
    /// Member messages, newest first.
    pub members: Page<MessageBrief>,
    /// Its drafts in every state, newest first.
    pub drafts: Page<DraftSummary>,
}

/// One page of incidents: those still firing first, then the resolved
/// ones, each newest-updated first.
pub fn list(store: &Store, query: &IncidentQuery) -> Result<Page<IncidentSummary>, DeskError> {
    let after = decode_cursor(query.cursor.as_deref())?;
    let page = store.incident_page(after.as_deref(), clamp_limit(query.limit))?;
    // The index row says it is an incident; the details are in the record.
    load_page(page, |ticket| {
        Ok(store
            .ticket(&ticket.number)?
            .and_then(|t| t.incident)
            .map(|incident| IncidentSummary { ticket, incident }))
    })
}

/// One incident; a ticket that is no incident is not found.
pub fn get(
    store: &Store,
    number: &str,
    query: &IncidentViewQuery,
) -> Result<IncidentView, DeskError> {
    let not_found = || DeskError::NotFound(format!("incident {number}"));
    let ticket = store.ticket(number)?.ok_or_else(not_found)?;
    let summary = TicketSummary::of(&ticket);
    let incident = ticket.incident.ok_or_else(not_found)?;
    let limit = clamp_limit(query.limit);
    let after = decode_cursor(query.members.as_deref())?;
    let members = load_page(
        store.incident_member_page(number, after.as_deref(), limit)?,
        |id| Ok(store.message(id)?.as_ref().map(MessageBrief::of)),
    )?;
    let after = decode_cursor(query.drafts.as_deref())?;
    let drafts = load_page(
        store.incident_draft_page(number, after.as_deref(), limit)?,
        |id| store.draft(id)?.map(|d| summarize(store, d)).transpose(),
    )?;
    Ok(IncidentView {
        ticket: summary,
        incident,
        members,
        drafts,
    })
}
