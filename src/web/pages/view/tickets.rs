//! The ticket queue, one ticket, and search.

use super::{
    AuditRow, Channel, IncidentRef, MessageRow, MessageView, Person, Priority, TicketState,
};

/// The ticket queue's current filter (also the form's values).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TicketFilter {
    /// Only this state.
    pub state: Option<TicketState>,
    /// Only this priority.
    pub priority: Option<Priority>,
    /// Only this queue.
    pub queue: Option<String>,
    /// Only this assignee (login name, or `-` for nobody's).
    pub assignee: Option<String>,
    /// Number, title or requester contains this.
    pub text: Option<String>,
}

impl TicketFilter {
    /// The filter as a query string (without `?`), for paging links.
    pub fn query(&self) -> String {
        let mut pairs: Vec<(&str, String)> = Vec::new();
        if let Some(state) = self.state {
            pairs.push(("state", state.as_str().to_string()));
        }
        if let Some(priority) = self.priority {
            pairs.push(("priority", priority.as_str().to_string()));
        }
        for (key, value) in [
            ("queue", &self.queue),
            ("assignee", &self.assignee),
            ("text", &self.text),
        ] {
            if let Some(value) = value.as_ref().filter(|v| !v.is_empty()) {
                pairs.push((key, value.clone()));
            }
        }
        pairs
            .iter()
            .map(|(k, v)| format!("{k}={}", crate::auth::form_encode(v)))
            .collect::<Vec<_>>()
            .join("&")
    }
}

/// A ticket as a queue row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TicketRow {
    /// Ticket number.
    pub number: String,
    /// Subject or topic.
    pub title: String,
    /// The customer (address or channel id).
    pub requester: String,
    /// Queue.
    pub queue: String,
    /// Urgency.
    pub priority: Priority,
    /// Lifecycle state.
    pub state: TicketState,
    /// Assigned agent (display name).
    pub assignee: Option<String>,
    /// When it last changed, formatted.
    pub updated: String,
    /// Messages in it.
    pub messages: u64,
    /// Whether it is an incident ticket.
    pub incident: bool,
}

/// `GET /tickets`: the email team's queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TicketsPage {
    /// The filter in force.
    pub filter: TicketFilter,
    /// Queues to filter by.
    pub queues: Vec<String>,
    /// Agents to filter by.
    pub assignees: Vec<Person>,
    /// Rows on this page.
    pub rows: Vec<TicketRow>,
    /// Cursor of the next page.
    pub next: Option<String>,
    /// Whether this is not the first page.
    pub paged: bool,
}

/// A note on a ticket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoteView {
    /// Who wrote it.
    pub author: String,
    /// When, formatted.
    pub time: String,
    /// Text, plain.
    pub body: String,
    /// Internal (agents only); all notes written on the desk are.
    pub internal: bool,
}

/// A mail we sent (or queued) for a ticket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutgoingView {
    /// Who sent it (agent), or `system:acknowledgement`.
    pub author: String,
    /// When it was queued, formatted.
    pub time: String,
    /// Recipient address.
    pub to: String,
    /// Subject.
    pub subject: String,
    /// Body text.
    pub body: String,
    /// Outbox state (`pending`, `sending`, `sent`, `failed`, `uncertain`).
    pub state: String,
    /// Why it failed, if it did.
    pub error: Option<String>,
}

/// One entry of a ticket's timeline, in the order the handler merged them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ThreadItem {
    /// A customer's message (boxed: it is many times the size of the others).
    Message(Box<MessageView>),
    /// A note.
    Note(NoteView),
    /// A mail we sent.
    Outgoing(OutgoingView),
}

/// `GET /tickets/{number}`: one ticket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TicketPage {
    /// Ticket number.
    pub number: String,
    /// Subject or topic.
    pub title: String,
    /// The customer.
    pub requester: String,
    /// The channel that opened it; only email tickets get the reply form.
    pub channel: Channel,
    /// Queue.
    pub queue: String,
    /// Urgency.
    pub priority: Priority,
    /// Lifecycle state; the form offers only the states it can move to.
    pub state: TicketState,
    /// Assigned agent (login name).
    pub assignee: Option<String>,
    /// When it was opened, formatted.
    pub created: String,
    /// When it last changed, formatted.
    pub updated: String,
    /// Messages, notes and our mail, oldest first.
    pub thread: Vec<ThreadItem>,
    /// Earlier messages left out of the thread.
    pub omitted: usize,
    /// For an incident ticket, the incident page to go to.
    pub incident: Option<IncidentRef>,
    /// Agents it can be assigned to.
    pub agents: Vec<Person>,
    /// The reply's subject (`Re: … [#number]`), shown above the reply box.
    pub reply_subject: String,
    /// Whether outgoing mail is configured (`[smtp]`); without it the
    /// reply form says why it is missing.
    pub mail_enabled: bool,
    /// Audit trail, oldest first.
    pub audit: Vec<AuditRow>,
}

/// A message a search found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageHitRow {
    /// How it was found: `order` or `author` (a technical id).
    pub matched: String,
    /// The indexed term that matched.
    pub term: String,
    /// The message.
    pub message: MessageRow,
}

/// `GET /search`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchPage {
    /// What was typed (empty before the first search).
    pub q: String,
    /// Restricted to `ticket`, `order` or `author`, if at all.
    pub kind: Option<String>,
    /// Tickets found.
    pub tickets: Vec<TicketRow>,
    /// Messages found.
    pub messages: Vec<MessageHitRow>,
}
