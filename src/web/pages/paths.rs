//! Every URL the pages link to or post to, in one place, so the routes the
//! lead wires and the links the pages print cannot drift apart.

use crate::auth::form_encode as encode;

/// The review queue.
pub const DRAFTS: &str = "/drafts";
/// The incident list.
pub const INCIDENTS: &str = "/incidents";
/// The ticket queue.
pub const TICKETS: &str = "/tickets";
/// Search.
pub const SEARCH: &str = "/search";
/// Accounts and the audit log.
pub const ADMIN: &str = "/admin";
/// The login form (GET) and its submission (POST).
pub const LOGIN: &str = "/login";
/// Ends the session (POST).
pub const LOGOUT: &str = "/logout";
/// The stylesheet.
pub const CSS: &str = "/assets/app.css";
/// The script.
pub const JS: &str = "/assets/app.js";

/// The queue filtered by `state` (comma-separated names), from `cursor`.
pub fn drafts(state: &str, cursor: Option<&str>) -> String {
    let mut url = format!("{DRAFTS}?state={}", encode(state));
    if let Some(cursor) = cursor {
        url.push_str(&format!("&cursor={}", encode(cursor)));
    }
    url
}

/// One draft.
pub fn draft(id: &str) -> String {
    format!("{DRAFTS}/{}", encode(id))
}

/// A POST action on a draft: `edit`, `approve`, `reject`, `reassign`, `resolve`.
pub fn draft_action(id: &str, action: &str) -> String {
    format!("{}/{action}", draft(id))
}

/// One incident, its members from `cursor`.
pub fn incident(number: &str, cursor: Option<&str>) -> String {
    let mut url = format!("{INCIDENTS}/{}", encode(number));
    if let Some(cursor) = cursor {
        url.push_str(&format!("?members={}#members", encode(cursor)));
    }
    url
}

/// One incident, its drafts from `cursor`.
pub fn incident_drafts(number: &str, cursor: &str) -> String {
    format!(
        "{INCIDENTS}/{}?drafts={}#drafts",
        encode(number),
        encode(cursor)
    )
}

/// The incident list from `cursor`.
pub fn incidents(cursor: &str) -> String {
    format!("{INCIDENTS}?cursor={}", encode(cursor))
}

/// The ticket queue with `query` (already encoded, without `?`) from `cursor`.
pub fn tickets(query: &str, cursor: Option<&str>) -> String {
    let mut parts: Vec<String> = Vec::new();
    if !query.is_empty() {
        parts.push(query.to_string());
    }
    if let Some(cursor) = cursor {
        parts.push(format!("cursor={}", encode(cursor)));
    }
    if parts.is_empty() {
        TICKETS.to_string()
    } else {
        format!("{TICKETS}?{}", parts.join("&"))
    }
}

/// One ticket.
pub fn ticket(number: &str) -> String {
    format!("{TICKETS}/{}", encode(number))
}

/// A POST action on a ticket: `state`, `assign`, `notes`, `reply`.
pub fn ticket_action(number: &str, action: &str) -> String {
    format!("{}/{action}", ticket(number))
}

/// A search for `q`.
pub fn search(q: &str) -> String {
    format!("{SEARCH}?q={}", encode(q))
}

/// A message's raw bytes, as the JSON API serves them.
pub fn message_raw(id: &str) -> String {
    format!("/api/messages/{}/raw", encode(id))
}
