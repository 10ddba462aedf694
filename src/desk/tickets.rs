//! The email team's ticket queue: list, view, change state, assign, note,
//! and reply by email through the outbox (so the SMTP sender sends it once).

use chrono::Utc;
use serde::{Deserialize, Serialize};

use super::{
    Actor, DeskError, MessageBrief, Page, ReplyMail, audit, clamp_limit, decode_cursor, non_blank,
    page_of,
};
use crate::model::{Channel, MailKind, Message, Note, NoteId, Ticket, TicketNumber, TicketState};
use crate::outbound::agent_reply;
use crate::store::{
    AssigneeFilter, AuditEntry, OutboxEntry, OutboxId, Store, TicketIndexFilter, TicketSummary, Tx,
};

/// The `assignee` filter value meaning "nobody".
pub const UNASSIGNED: &str = "-";
/// Most messages of one ticket a view carries (the newest).
const MAX_THREAD: usize = 500;
/// Newest incident members a view carries.
const INCIDENT_RECENT: usize = 20;

/// Which tickets to list; blank fields are no filter.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct TicketQuery {
    /// Only this state.
    #[serde(default, deserialize_with = "super::blank_as_none")]
    pub state: Option<TicketState>,
    /// Only this priority.
    #[serde(default, deserialize_with = "super::blank_as_none")]
    pub priority: Option<crate::model::Priority>,
    /// Only this queue.
    pub queue: Option<String>,
    /// Only tickets assigned to this user; [`UNASSIGNED`] (`-`) for nobody's.
    pub assignee: Option<String>,
    /// Only tickets whose number, title or requester contains this (case-insensitive).
    pub text: Option<String>,
    /// Where the page starts: a previous page's `next`.
    pub cursor: Option<String>,
    /// Page size (1–200, default 50).
    pub limit: Option<usize>,
}

/// One ticket with everything the ticket page shows.
#[derive(Debug, Clone, Serialize)]
pub struct TicketView {
    /// The ticket.
    pub ticket: Ticket,
    /// Its messages, oldest first, with attachments and details (the newest [`MAX_THREAD`]).
    pub messages: Vec<Message>,
    /// Earlier messages left out of `messages`.
    pub messages_omitted: usize,
    /// For an incident: how many messages it has and the newest of them.
    pub incident: Option<IncidentMembers>,
    /// Notes, oldest first.
    pub notes: Vec<Note>,
    /// Audit trail, oldest first.
    pub audit: Vec<AuditEntry>,
    /// Mail sent (or queued) for it, oldest first.
    pub outbox: Vec<OutboxEntry>,
}

/// An incident's member messages, summarized.
#[derive(Debug, Clone, Serialize)]
pub struct IncidentMembers {
    /// Messages linked so far.
    pub total: u64,
    /// Drafts made for it so far.
    pub drafts: u64,
    /// The newest members, newest first.
    pub recent: Vec<MessageBrief>,
}

/// One page of the ticket queue, newest-updated first.
pub fn list(store: &Store, query: &TicketQuery) -> Result<Page<TicketSummary>, DeskError> {
    let assignee = non_blank(&query.assignee).map(|a| match a {
        UNASSIGNED => AssigneeFilter::Nobody,
        user => AssigneeFilter::User(user.to_string()),
    });
    let filter = TicketIndexFilter {
        state: query.state,
        priority: query.priority,
        queue: non_blank(&query.queue).map(str::to_string),
        assignee,
        text: non_blank(&query.text).map(str::to_lowercase),
    };
    let after = decode_cursor(query.cursor.as_deref())?;
    let page = store.ticket_page(&filter, after.as_deref(), clamp_limit(query.limit))?;
    Ok(page_of(page, Some))
}

/// One ticket with its thread, incident members, notes, audit trail and mail.
pub fn get(store: &Store, number: &str) -> Result<TicketView, DeskError> {
    let ticket = store
        .ticket(number)?
        .ok_or_else(|| DeskError::NotFound(format!("ticket {number}")))?;
    let skip = ticket.messages.len().saturating_sub(MAX_THREAD);
    let mut messages = Vec::with_capacity(ticket.messages.len() - skip);
    for id in ticket.messages.iter().skip(skip) {
        messages.extend(store.message(*id)?);
    }
    let incident = match &ticket.incident {
        Some(incident) => {
            let mut recent = Vec::new();
            for id in store
                .incident_member_page(number, None, INCIDENT_RECENT)?
                .items
            {
                recent.extend(store.message(id)?.as_ref().map(MessageBrief::of));
            }
            Some(IncidentMembers {
                total: incident.members,
                drafts: incident.drafts,
                recent,
            })
        }
        None => None,
    };
    Ok(TicketView {
        notes: store.notes(number)?,
        audit: store.audit_for(number)?,
        outbox: store.outbox_for_ticket(number)?,
        messages,
        messages_omitted: skip,
        incident,
        ticket,
    })
}

/// Moves a ticket to `new`. `expected` is the state the caller saw: when
/// the ticket moved on meanwhile the change is refused (Conflict). The
/// same state is a no-op; closed is final.
pub async fn set_state(
    store: &Store,
    actor: &Actor,
    number: &str,
    new: TicketState,
    expected: Option<TicketState>,
) -> Result<TicketState, DeskError> {
    let mut tx = store.begin().await;
    let mut ticket = tx
        .ticket(number)?
        .ok_or_else(|| DeskError::NotFound(format!("ticket {number}")))?;
    let current = ticket.state;
    if current == new {
        return Ok(current);
    }
    if expected.is_some_and(|e| e != current) {
        return Err(DeskError::Conflict {
            current: current.as_str().into(),
        });
    }
    if !current.can_move_to(new) {
        let why = if current == TicketState::Closed {
            " (closed is final)"
        } else {
            ""
        };
        return Err(DeskError::Invalid(format!(
            "a {} ticket cannot become {}{why}",
            current.as_str(),
            new.as_str()
        )));
    }
    let now = Utc::now();
    ticket.state = new;
    ticket.updated_at = now;
    tx.stats_mut().move_ticket(current, new);
    tx.put_ticket(&ticket);
    tx.audit(&audit(
        actor,
        now,
        "ticket.state",
        number,
        serde_json::json!({ "state": current }),
        serde_json::json!({ "state": new }),
    ));
    tx.commit().await?;
    Ok(new)
}

/// Assigns a ticket to `assignee`, or to nobody; the same assignee is a no-op.
pub async fn assign(
    store: &Store,
    actor: &Actor,
    number: &str,
    assignee: Option<&str>,
) -> Result<(), DeskError> {
    let assignee = assignee.map(str::trim).filter(|a| !a.is_empty());
    if assignee == Some(UNASSIGNED) {
        return Err(DeskError::Invalid(format!(
            "{UNASSIGNED:?} means nobody: unassign instead"
        )));
    }
    let mut tx = store.begin().await;
    let mut ticket = tx
        .ticket(number)?
        .ok_or_else(|| DeskError::NotFound(format!("ticket {number}")))?;
    if ticket.assignee.as_deref() == assignee {
        return Ok(());
    }
    let now = Utc::now();
    let before = ticket.assignee.take();
    ticket.assignee = assignee.map(str::to_string);
    ticket.updated_at = now;
    tx.put_ticket(&ticket);
    tx.audit(&audit(
        actor,
        now,
        "ticket.assigned",
        number,
        serde_json::json!({ "assignee": before }),
        serde_json::json!({ "assignee": ticket.assignee }),
    ));
    tx.commit().await?;
    Ok(())
}

/// Adds an internal note (its audit entry is written by the store with it).
pub async fn add_note(
    store: &Store,
    actor: &Actor,
    number: &str,
    body: &str,
) -> Result<NoteId, DeskError> {
    let body = body.trim();
    if body.is_empty() {
        return Err(DeskError::Invalid("a note needs some text".into()));
    }
    let note = Note::internal(
        &TicketNumber(number.to_string()),
        Utc::now(),
        &actor.user,
        body.to_string(),
    );
    let mut tx = store.begin().await;
    if !tx.add_note(&note)? {
        return Err(DeskError::NotFound(format!("ticket {number}")));
    }
    tx.commit().await?;
    Ok(note.id)
}

/// Queues an agent's answer to the customer's last mail on the ticket, in
/// the outbox the SMTP sender sends from exactly once, threaded under that
/// mail; the ticket then waits on the customer (`pending`). Refused for
/// tickets that did not come in by mail, and for closed ones.
pub async fn reply_by_email(
    store: &Store,
    mail: &ReplyMail,
    actor: &Actor,
    number: &str,
    body: &str,
) -> Result<OutboxId, DeskError> {
    let body = body.trim();
    if body.is_empty() {
        return Err(DeskError::Invalid("a reply needs some text".into()));
    }
    let mut tx = store.begin().await;
    let mut ticket = tx
        .ticket(number)?
        .ok_or_else(|| DeskError::NotFound(format!("ticket {number}")))?;
    if ticket.state == TicketState::Closed {
        return Err(DeskError::Invalid(format!(
            "ticket {number} is closed: closed is final, open a new ticket to write again"
        )));
    }
    let parent = customer_mail_to_answer(&tx, &ticket)?;
    let outgoing = agent_reply(
        &parent,
        &ticket.number,
        body.to_string(),
        &mail.message_id_domain,
    )
    .ok_or_else(|| {
        DeskError::Invalid(format!(
            "the customer's mail on ticket {number} has no address to answer"
        ))
    })?;
    let now = Utc::now();
    let entry = OutboxEntry::pending(outgoing, now);
    // Our Message-ID points at the mail it answers, so the customer's
    // answer to it joins this ticket by `In-Reply-To` alone.
    tx.mark_native(Channel::Email, &entry.mail.message_id, parent.id);
    tx.put_outbox(&entry)?;
    let before = ticket.state;
    if before != TicketState::Pending {
        tx.stats_mut().move_ticket(before, TicketState::Pending);
        ticket.state = TicketState::Pending;
    }
    ticket.updated_at = now;
    tx.put_ticket(&ticket);
    tx.audit(&audit(
        actor,
        now,
        "ticket.replied",
        number,
        serde_json::json!({ "state": before }),
        serde_json::json!({
            "state": ticket.state,
            "outbox": entry.id,
            "to": entry.mail.to.address,
            "message_id": entry.mail.message_id,
            "in_reply_to": entry.mail.in_reply_to,
        }),
    ));
    tx.commit().await?;
    if let Some(wake) = &mail.wake {
        wake.notify_one();
    }
    Ok(entry.id)
}

/// The customer's newest mail on the ticket (not a bounce or an
/// auto-reply); refused with the reason when there is none.
fn customer_mail_to_answer(tx: &Tx<'_>, ticket: &Ticket) -> Result<Message, DeskError> {
    let number = &ticket.number;
    let mut other_channel = None;
    for id in ticket.messages.iter().rev() {
        let Some(message) = tx.message(*id)? else {
            continue;
        };
        if message.channel != Channel::Email {
            other_channel.get_or_insert(message.channel);
        } else if message.mail_kind == MailKind::Human {
            return Ok(message);
        }
    }
    Err(DeskError::Invalid(match other_channel {
        Some(channel) => format!(
            "ticket {number} came in on {}, not by mail: answer it with a reply drafted for that channel",
            channel_name(channel)
        ),
        None => format!("ticket {number} has no mail from the customer to answer"),
    }))
}

/// The channel's name as the team says it.
fn channel_name(channel: Channel) -> &'static str {
    match channel {
        Channel::Email => "email",
        Channel::Wechat => "WeChat (微信)",
        Channel::Weibo => "Weibo (微博)",
    }
}
