//! The incident ticket's bookkeeping, shared by firing topics (`desk.rs`)
//! and new topics (`new_topic.rs`): opening it under its key in the
//! open-incident index, adding members, marking it over.

use chrono::{DateTime, Utc};

use crate::model::{Incident, Message, Priority, Ticket, TicketState};
use crate::store::{AuditEntry, StoreError, Tx};
use crate::tickets;

/// Who the trend detector's changes are recorded as.
const ACTOR: &str = "system:trends";

/// What an incident ticket is opened with.
pub struct Opening {
    /// The facts; `incident.topic` is the open-incident key.
    pub incident: Incident,
    /// Its queue.
    pub queue: String,
    /// Its priority.
    pub priority: Priority,
    /// Its title in lists.
    pub title: String,
    /// The audit action (`incident.opened`, `incident.new_topic`).
    pub action: &'static str,
}

/// Opens the ticket and records it as the key's open incident; its number.
pub fn open(tx: &mut Tx<'_>, opening: Opening) -> Result<String, StoreError> {
    let Opening {
        incident,
        queue,
        priority,
        title,
        action,
    } = opening;
    let at = incident.fired_at;
    let number = tickets::next_number(tx, at)?;
    let ticket = Ticket {
        number: number.clone(),
        queue,
        priority,
        state: TicketState::New,
        title,
        requester: ACTOR.into(),
        messages: Vec::new(),
        assignee: None,
        created_at: at,
        updated_at: at,
        incident: Some(incident.clone()),
    };
    tickets::insert_new(tx, &ticket);
    tx.set_open_incident(&incident.topic, Some(&number.0));
    tx.audit(&AuditEntry {
        at,
        actor: ACTOR.into(),
        action: action.into(),
        subject: number.0.clone(),
        before: None,
        after: Some(serde_json::to_value(&incident).unwrap_or_default()),
    });
    Ok(number.0)
}

/// Makes `message` a member of the incident `number`: the ticket with its
/// member count raised, for the caller to finish and put; None when it is
/// a member already (a batch retried after a failure) or the ticket is gone.
pub fn add_member(
    tx: &mut Tx<'_>,
    number: &str,
    message: &mut Message,
    at: DateTime<Utc>,
) -> Result<Option<Ticket>, StoreError> {
    if tx.is_incident_member(number, message.id)? {
        return Ok(None);
    }
    let Some(mut ticket) = tx.ticket(number)? else {
        return Ok(None);
    };
    tx.add_incident_member(number, message.id);
    if message.incident.is_none() {
        message.incident = Some(number.to_string());
    }
    if let Some(incident) = ticket.incident.as_mut() {
        incident.members += 1;
    }
    ticket.updated_at = ticket.updated_at.max(at);
    Ok(Some(ticket))
}

/// Records that the incident open under `key` is over: later messages no
/// longer join it.
pub fn end(tx: &mut Tx<'_>, key: &str, number: &str, at: DateTime<Utc>) -> Result<(), StoreError> {
    if let Some(mut ticket) = tx.ticket(number)? {
        if let Some(incident) = ticket.incident.as_mut() {
            incident.resolved_at = Some(at);
        }
        ticket.updated_at = ticket.updated_at.max(at);
        tx.put_ticket(&ticket);
    }
    tx.set_open_incident(key, None);
    tx.audit(&AuditEntry {
        at,
        actor: ACTOR.into(),
        action: "incident.topic_resolved".into(),
        subject: number.to_string(),
        before: None,
        after: Some(serde_json::json!({ "topic": key })),
    });
    Ok(())
}
