//! Which ticket a message opens or joins.
//!
//! A mail follows up a ticket when its subject carries the ticket number
//! (`[#20261127-000042]`) or its `In-Reply-To`/`References` name a message
//! of that ticket. A bounce joins the ticket of the mail that bounced. A chat
//! message (WeChat, Weibo) joins its author's conversation ticket on the same
//! connector while that ticket is not resolved or closed: chats have no
//! thread headers, and five lines typed in a row are one request. A rule's
//! `join_ticket` names a ticket for messages that follow up nothing. Any
//! other message opens a new ticket when a rule asks for one.

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::model::{Channel, MailKind, Message, Priority, Ticket, TicketNumber, TicketState};
use crate::rules::{Actions, JoinTarget};
use crate::store::{AuditEntry, StoreError, Tx};

/// What happened to the message's ticket.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "change", rename_all = "snake_case")]
pub enum TicketChange {
    /// No ticket involved.
    None,
    /// A new ticket was opened.
    Opened {
        /// Its number.
        number: String,
    },
    /// The message joined an existing ticket.
    Joined {
        /// Its number.
        number: String,
        /// Why: "subject", "in-reply-to", "references", "bounce", "conversation" or "rule".
        via: &'static str,
        /// True when a resolved or pending ticket went back to open.
        reopened: bool,
    },
}

/// Assigns `message` to a ticket inside `tx`, setting `message.ticket`.
pub fn assign(
    tx: &mut Tx<'_>,
    message: &mut Message,
    actions: &Actions,
) -> Result<TicketChange, StoreError> {
    if actions.ignore {
        return Ok(TicketChange::None);
    }
    if let MailKind::Bounce {
        original_message_id: Some(original),
        ..
    } = &message.mail_kind
    {
        // The bounce belongs with the mail it reports on, and never reopens it.
        if let Some(number) = ticket_of_native(tx, message.channel, original)? {
            return join(tx, message, &number, "bounce", false);
        }
        return Ok(TicketChange::None);
    }
    if actions.open_ticket
        && let Some((number, via)) = find_followed_ticket(tx, message)?
    {
        return join(tx, message, &number, via, true);
    }
    // A rule's `join_ticket` gathers messages on a ticket someone chose
    // (an outage being worked); a customer's own follow-up still wins.
    if let Some(JoinTarget::Ticket(number)) = &actions.join_ticket
        && let Some(ticket) = tx.ticket(number)?
        && ticket.state != TicketState::Closed
    {
        return join(tx, message, number, "rule", true);
    }
    if !actions.open_ticket {
        return Ok(TicketChange::None);
    }
    open(tx, message, actions)
}

fn find_followed_ticket(
    tx: &Tx<'_>,
    message: &Message,
) -> Result<Option<(String, &'static str)>, StoreError> {
    if message.channel != Channel::Email {
        if let Some(number) =
            tx.conversation_ticket(message.channel, &message.connector.0, &message.author.id)?
            && let Some(ticket) = tx.ticket(&number)?
            && !matches!(ticket.state, TicketState::Resolved | TicketState::Closed)
        {
            return Ok(Some((number, "conversation")));
        }
        return Ok(None);
    }
    if let Some(number) = message
        .subject
        .as_deref()
        .and_then(TicketNumber::find_in_subject)
        && let Some(ticket) = tx.ticket(&number.0)?
        && ticket.state != TicketState::Closed
    {
        return Ok(Some((number.0, "subject")));
    }
    let refs = message
        .thread
        .in_reply_to
        .iter()
        .map(|r| (r, "in-reply-to"))
        .chain(
            message
                .thread
                .references
                .iter()
                .rev()
                .map(|r| (r, "references")),
        );
    for (reference, via) in refs {
        if let Some(number) = ticket_of_native(tx, message.channel, reference)?
            && let Some(ticket) = tx.ticket(&number)?
            && ticket.state != TicketState::Closed
        {
            return Ok(Some((number, via)));
        }
    }
    Ok(None)
}

fn ticket_of_native(
    tx: &Tx<'_>,
    channel: Channel,
    native_id: &str,
) -> Result<Option<String>, StoreError> {
    let Some(id) = tx.find_native(channel, native_id)? else {
        return Ok(None);
    };
    Ok(tx.message(id)?.and_then(|m| m.ticket))
}

fn join(
    tx: &mut Tx<'_>,
    message: &mut Message,
    number: &str,
    via: &'static str,
    may_reopen: bool,
) -> Result<TicketChange, StoreError> {
    let Some(mut ticket) = tx.ticket(number)? else {
        return Ok(TicketChange::None);
    };
    let before = ticket.state;
    let reopened =
        may_reopen && matches!(ticket.state, TicketState::Resolved | TicketState::Pending);
    if reopened {
        ticket.state = TicketState::Open;
        tx.stats_mut().move_ticket(before, TicketState::Open);
        tx.audit(&audit(
            message.received_at,
            "ticket.reopened",
            number,
            Some(before.as_str()),
            TicketState::Open.as_str(),
        ));
    }
    ticket.messages.push(message.id);
    ticket.updated_at = message.received_at;
    tx.put_ticket(&ticket);
    message.ticket = Some(number.to_string());
    Ok(TicketChange::Joined {
        number: number.to_string(),
        via,
        reopened,
    })
}

fn open(
    tx: &mut Tx<'_>,
    message: &mut Message,
    actions: &Actions,
) -> Result<TicketChange, StoreError> {
    let number = next_number(tx, message.received_at)?;
    let ticket = Ticket {
        number: number.clone(),
        queue: actions
            .queue
            .clone()
            .unwrap_or_else(|| message.channel.to_string()),
        priority: actions.priority.unwrap_or(Priority::Normal),
        state: TicketState::New,
        title: title_of(message),
        requester: message.author.id.clone(),
        messages: vec![message.id],
        assignee: None,
        created_at: message.received_at,
        updated_at: message.received_at,
        incident: None,
    };
    insert_new(tx, &ticket);
    if message.channel != Channel::Email {
        tx.set_conversation_ticket(
            message.channel,
            &message.connector.0,
            &message.author.id,
            &number.0,
        );
    }
    // No audit entry for the opening itself: the ticket's `created_at` is
    // that record, and one key fewer per message is ~15 % of ingest cost.
    // `/api/tickets/{number}` shows it as the first entry.
    message.ticket = Some(number.0.clone());
    Ok(TicketChange::Opened { number: number.0 })
}

/// The next ticket number of the CST day of `at`.
pub fn next_number(tx: &mut Tx<'_>, at: DateTime<Utc>) -> Result<TicketNumber, StoreError> {
    let day = TicketNumber::day_of(at);
    let seq = tx.next_ticket_seq(&day)?;
    Ok(TicketNumber::new(&day, seq))
}

/// Writes a ticket that did not exist and counts it in its state.
pub fn insert_new(tx: &mut Tx<'_>, ticket: &Ticket) {
    tx.put_ticket(ticket);
    tx.stats_mut().add_ticket(ticket.state);
}

fn title_of(message: &Message) -> String {
    let source = match message.subject.as_deref().map(str::trim) {
        Some(s) if !s.is_empty() => s,
        _ => message.text.trim(),
    };
    let title: String = source.chars().take(80).collect();
    if title.is_empty() {
        "(no subject)".to_string()
    } else {
        title
    }
}

fn audit(
    at: DateTime<Utc>,
    action: &str,
    subject: &str,
    before: Option<&str>,
    after: &str,
) -> AuditEntry {
    AuditEntry {
        at,
        actor: "system:pipeline".into(),
        action: action.into(),
        subject: subject.into(),
        before: before.map(|b| serde_json::json!({ "state": b })),
        after: Some(serde_json::json!({ "state": after })),
    }
}
