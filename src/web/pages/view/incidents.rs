//! Incidents: the list and one incident.

use super::{DraftRow, MessageRow, TicketState};

/// An incident as a list row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IncidentRow {
    /// Incident ticket number.
    pub number: String,
    /// Topic title.
    pub title: String,
    /// Whether it is trending now.
    pub firing: bool,
    /// When the burst began, formatted.
    pub onset: String,
    /// When it fired, formatted.
    pub fired: String,
    /// Messages linked so far.
    pub members: u64,
    /// Drafts made so far.
    pub drafts: u64,
    /// Unique authors per minute over the last hour, for a sparkline.
    pub last_hour: Vec<u32>,
}

/// `GET /incidents`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IncidentsPage {
    /// Incidents, firing first, then newest.
    pub incidents: Vec<IncidentRow>,
    /// Cursor of the next page.
    pub next: Option<String>,
}

/// `GET /incidents/{number}`: one incident.
#[derive(Debug, Clone, PartialEq)]
pub struct IncidentPage {
    /// Incident ticket number.
    pub number: String,
    /// Topic title.
    pub title: String,
    /// The topic's id in `rules/` (a technical id).
    pub topic: String,
    /// Whether it is trending now.
    pub firing: bool,
    /// The ticket's state.
    pub ticket_state: TicketState,
    /// When the burst began, formatted.
    pub onset: String,
    /// When it fired, formatted.
    pub fired: String,
    /// When it stopped trending, formatted.
    pub resolved: Option<String>,
    /// Unique authors in the window when it fired.
    pub count: u32,
    /// Authors expected in that window.
    pub baseline: f64,
    /// How improbable the count was under the baseline.
    pub p_value: f64,
    /// The window, in minutes.
    pub window_minutes: u64,
    /// Unique authors per minute (label `20:15`, count), oldest first.
    pub per_minute: Vec<(String, u32)>,
    /// The message time the chart was computed at, formatted.
    pub chart_as_of: Option<String>,
    /// Member messages on this page, newest first.
    pub members: Vec<MessageRow>,
    /// Messages linked in all.
    pub members_total: u64,
    /// Cursor of the next page of members.
    pub members_next: Option<String>,
    /// Whether the members shown are a later page (a link back to the first).
    pub members_paged: bool,
    /// Its drafts on this page, newest first.
    pub drafts: Vec<DraftRow>,
    /// Drafts made for it in all.
    pub drafts_total: u64,
    /// Cursor of the next page of drafts.
    pub drafts_next: Option<String>,
    /// Whether the drafts shown are a later page.
    pub drafts_paged: bool,
}
