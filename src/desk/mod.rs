//! The review desk's service layer: what the pages and the JSON API call to
//! read the ticket queue and the review queue, change tickets and drafts,
//! and search. Every change is one store transaction that also writes one
//! audit entry (who, when, action, before → after); a change that changes
//! nothing writes nothing.
//!
//! Lists page through the store's indexes (`store::ticket_index`,
//! `store::draft_index`, `store::search_index`) with opaque cursors: with
//! 100,000 tickets a page costs what the first page costs.
//!
//! | file | does |
//! | --- | --- |
//! | `tickets.rs` | the ticket queue, one ticket's whole view, state, assignee, notes, reply by email |
//! | `drafts.rs` | the review queue grouped by incident, edit, approve (waking the publisher), reject, reassign, resolve uncertain sends |
//! | `incidents.rs` | incidents firing first, one incident's members and drafts, each paged |
//! | `search.rs` | by ticket number, order number, author |
//! | `bench.rs` | [`bench_desk`]: the list, search and approve latencies on 100,000 tickets |

mod bench;
pub mod drafts;
pub mod incidents;
pub mod search;
pub mod tickets;

#[cfg(test)]
mod tests;

use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde::Serialize;
use tokio::sync::Notify;

pub use bench::{BenchFigures, DeskBenchArgs, Latency, bench_desk};
pub use drafts::{
    DraftGroup, DraftQuery, DraftSummary, DraftView, LengthLimit, Resolution, SINGLE_REPLIES,
};
pub use incidents::{IncidentQuery, IncidentSummary, IncidentView, IncidentViewQuery};
pub use search::{MessageHit, SearchKind, SearchQuery, SearchResults};
pub use tickets::{IncidentMembers, TicketQuery, TicketView, UNASSIGNED};

use crate::model::{Author, Channel, DraftId, Message, MessageId, NoteId, TicketState};
use crate::store::{AuditEntry, OutboxId, Store, StoreError};
pub use crate::store::{IndexPage, TicketSummary};

/// Default page size of the lists.
pub const DEFAULT_LIMIT: usize = 50;
/// Largest page size of the lists.
pub const MAX_LIMIT: usize = 200;

/// Who asks: the web layer turns its login identity into this.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Actor {
    /// The user name, written to the audit log.
    pub user: String,
    /// Their role (`reviewer`, `agent`, `admin`); the web layer checks permissions.
    pub role: String,
}

impl Actor {
    /// An actor from a user name and role.
    pub fn new(user: &str, role: &str) -> Actor {
        Actor {
            user: user.to_string(),
            role: role.to_string(),
        }
    }
}

/// Why a desk operation did not happen.
#[derive(Debug, thiserror::Error)]
pub enum DeskError {
    /// No such ticket, draft or message.
    #[error("{0} not found")]
    NotFound(String),
    /// Someone else changed it first (a stale edit, a state that moved on).
    #[error("refused: it is {current} now (it may have changed meanwhile; reload)")]
    Conflict {
        /// What it is now (a state name).
        current: String,
    },
    /// The request cannot be done (a refused transition, an empty reason).
    #[error("{0}")]
    Invalid(String),
    /// The text is over the channel's length limit; the reason says by how much.
    #[error("{0}")]
    TooLong(String),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// One page of a list and where the next one starts.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Page<T> {
    /// The page's rows.
    pub items: Vec<T>,
    /// Opaque cursor of the next page; None on the last page.
    pub next: Option<String>,
}

/// A message as lists show it: who, when, where, the first words.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MessageBrief {
    /// Its id.
    pub id: MessageId,
    /// Its channel.
    pub channel: Channel,
    /// Who wrote it.
    pub author: Author,
    /// When it arrived.
    pub received_at: DateTime<Utc>,
    /// Its subject, for mail.
    pub subject: Option<String>,
    /// The first [`EXCERPT_CHARS`] characters of its text.
    pub excerpt: String,
    /// Its ticket, if any.
    pub ticket: Option<String>,
    /// Its incident, if any.
    pub incident: Option<String>,
}

/// Characters of a message's text in a [`MessageBrief`].
pub const EXCERPT_CHARS: usize = 120;

impl MessageBrief {
    /// The brief of `message`.
    pub fn of(message: &Message) -> MessageBrief {
        let mut excerpt: String = message.text.chars().take(EXCERPT_CHARS).collect();
        if message.text.chars().nth(EXCERPT_CHARS).is_some() {
            excerpt.push('…');
        }
        MessageBrief {
            id: message.id,
            channel: message.channel,
            author: message.author.clone(),
            received_at: message.received_at,
            subject: message.subject.clone(),
            excerpt,
            ticket: message.ticket.clone(),
            incident: message.incident.clone(),
        }
    }
}

/// Settings for replying by email: where our Message-IDs come from, and
/// the outbox sender to wake (it also looks every few seconds on its own).
#[derive(Debug, Clone)]
pub struct ReplyMail {
    /// `[smtp] message_id_domain`.
    pub message_id_domain: String,
    /// The outbox sender's wake-up, when the caller has it.
    pub wake: Option<Arc<Notify>>,
}

/// The desk: the store, the publisher's wake-up, and outgoing-mail settings.
#[derive(Clone)]
pub struct Desk {
    store: Store,
    wake: Arc<Notify>,
    mail: Option<ReplyMail>,
}

impl Desk {
    /// A desk over `store`; `wake` is the one given to `DraftPublisher::new`.
    pub fn new(store: Store, wake: Arc<Notify>) -> Desk {
        Desk {
            store,
            wake,
            mail: None,
        }
    }

    /// Enables replying by email (`[smtp]` is configured).
    pub fn with_mail(mut self, mail: ReplyMail) -> Desk {
        self.mail = Some(mail);
        self
    }

    /// Whether replying by email is configured, for the ticket page's reply form.
    pub fn mail_enabled(&self) -> bool {
        self.mail.is_some()
    }

    /// The store.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// See [`tickets::list`].
    pub fn tickets(&self, query: &TicketQuery) -> Result<Page<TicketSummary>, DeskError> {
        tickets::list(&self.store, query)
    }

    /// See [`tickets::get`].
    pub fn ticket(&self, number: &str) -> Result<TicketView, DeskError> {
        tickets::get(&self.store, number)
    }

    /// See [`tickets::set_state`].
    pub async fn set_ticket_state(
        &self,
        actor: &Actor,
        number: &str,
        new: TicketState,
        expected: Option<TicketState>,
    ) -> Result<TicketState, DeskError> {
        tickets::set_state(&self.store, actor, number, new, expected).await
    }

    /// See [`tickets::assign`].
    pub async fn assign_ticket(
        &self,
        actor: &Actor,
        number: &str,
        assignee: Option<&str>,
    ) -> Result<(), DeskError> {
        tickets::assign(&self.store, actor, number, assignee).await
    }

    /// See [`tickets::add_note`].
    pub async fn add_note(
        &self,
        actor: &Actor,
        number: &str,
        body: &str,
    ) -> Result<NoteId, DeskError> {
        tickets::add_note(&self.store, actor, number, body).await
    }

    /// See [`tickets::reply_by_email`]; refused when outgoing mail is not configured.
    pub async fn reply_by_email(
        &self,
        actor: &Actor,
        number: &str,
        body: &str,
    ) -> Result<OutboxId, DeskError> {
        let Some(mail) = &self.mail else {
            return Err(DeskError::Invalid(
                "outgoing mail is not configured ([smtp] in omnilisten.toml): a reply could not be sent".into(),
            ));
        };
        tickets::reply_by_email(&self.store, mail, actor, number, body).await
    }

    /// See [`incidents::list`].
    pub fn incidents(&self, query: &IncidentQuery) -> Result<Page<IncidentSummary>, DeskError> {
        incidents::list(&self.store, query)
    }

    /// See [`incidents::get`].
    pub fn incident(
        &self,
        number: &str,
        query: &IncidentViewQuery,
    ) -> Result<IncidentView, DeskError> {
        incidents::get(&self.store, number, query)
    }

    /// See [`drafts::queue`].
    pub fn drafts(&self, query: &DraftQuery) -> Result<Page<DraftGroup>, DeskError> {
        drafts::queue(&self.store, query)
    }

    /// See [`drafts::get`].
    pub fn draft(&self, id: DraftId) -> Result<DraftView, DeskError> {
        drafts::get(&self.store, id)
    }

    /// See [`drafts::edit`].
    pub async fn edit_draft(
        &self,
        actor: &Actor,
        id: DraftId,
        body: &str,
        expected_updated_at: DateTime<Utc>,
    ) -> Result<crate::model::Draft, DeskError> {
        drafts::edit(&self.store, actor, id, body, expected_updated_at).await
    }

    /// See [`drafts::approve`]; wakes the publisher.
    pub async fn approve_draft(
        &self,
        actor: &Actor,
        id: DraftId,
    ) -> Result<crate::model::Draft, DeskError> {
        drafts::approve(&self.store, &self.wake, actor, id).await
    }

    /// See [`drafts::reject`].
    pub async fn reject_draft(
        &self,
        actor: &Actor,
        id: DraftId,
        reason: &str,
    ) -> Result<crate::model::Draft, DeskError> {
        drafts::reject(&self.store, actor, id, reason).await
    }

    /// See [`drafts::reassign`].
    pub async fn reassign_draft(
        &self,
        actor: &Actor,
        id: DraftId,
        reviewer: Option<&str>,
    ) -> Result<crate::model::Draft, DeskError> {
        drafts::reassign(&self.store, actor, id, reviewer).await
    }

    /// See [`drafts::resolve_uncertain`].
    pub async fn resolve_uncertain(
        &self,
        actor: &Actor,
        id: DraftId,
        resolution: Resolution,
    ) -> Result<crate::model::Draft, DeskError> {
        drafts::resolve_uncertain(&self.store, actor, id, resolution).await
    }

    /// See [`search::search`].
    pub fn search(&self, query: &SearchQuery) -> Result<SearchResults, DeskError> {
        search::search(&self.store, query)
    }
}

/// An audit entry by `actor` now.
fn audit(
    actor: &Actor,
    at: DateTime<Utc>,
    action: &str,
    subject: &str,
    before: serde_json::Value,
    after: serde_json::Value,
) -> AuditEntry {
    AuditEntry {
        at,
        actor: actor.user.clone(),
        action: action.to_string(),
        subject: subject.to_string(),
        before: Some(before),
        after: Some(after),
    }
}

/// A page size within bounds.
fn clamp_limit(limit: Option<usize>) -> usize {
    limit.unwrap_or(DEFAULT_LIMIT).clamp(1, MAX_LIMIT)
}

/// An index cursor as the opaque string the API hands out (lowercase hex).
fn encode_cursor(bytes: &[u8]) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(char::from(HEX[usize::from(b >> 4)]));
        out.push(char::from(HEX[usize::from(b & 0x0f)]));
    }
    out
}

/// The index cursor of an API cursor; an empty one is the first page.
fn decode_cursor(cursor: Option<&str>) -> Result<Option<Vec<u8>>, DeskError> {
    let Some(cursor) = cursor.map(str::trim).filter(|c| !c.is_empty()) else {
        return Ok(None);
    };
    let invalid = || {
        DeskError::Invalid(format!(
            "the cursor {cursor:?} is not one this server gave out"
        ))
    };
    if !cursor.len().is_multiple_of(2) || cursor.len() > 1024 {
        return Err(invalid());
    }
    let digit = |c: u8| (c as char).to_digit(16).and_then(|d| u8::try_from(d).ok());
    cursor
        .as_bytes()
        .chunks(2)
        .map(|pair| match pair {
            [hi, lo] => Some((digit(*hi)? << 4) | digit(*lo)?),
            _ => None,
        })
        .collect::<Option<Vec<u8>>>()
        .map(Some)
        .ok_or_else(invalid)
}

/// A page of the API from a page of an index.
fn page_of<T, U>(page: IndexPage<T>, map: impl FnMut(T) -> Option<U>) -> Page<U> {
    Page {
        items: page.items.into_iter().filter_map(map).collect(),
        next: page.next.as_deref().map(encode_cursor),
    }
}

/// A page of the API from a page of an index whose rows need store reads;
/// a row `load` finds gone is left out, and the cursor stays the index's.
fn load_page<T, U>(
    page: IndexPage<T>,
    load: impl FnMut(T) -> Result<Option<U>, DeskError>,
) -> Result<Page<U>, DeskError> {
    let next = page.next.as_deref().map(encode_cursor);
    let loaded: Result<Vec<Option<U>>, DeskError> = page.items.into_iter().map(load).collect();
    Ok(Page {
        items: loaded?.into_iter().flatten().collect(),
        next,
    })
}

/// Deserializes a missing, null or blank field (an empty form select) as
/// None, anything else as `T` from its string.
fn blank_as_none<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: serde::de::DeserializeOwned,
{
    use serde::Deserialize;
    use serde::de::IntoDeserializer;
    let raw: Option<String> = Option::deserialize(deserializer)?;
    match raw.as_deref().map(str::trim) {
        None | Some("") => Ok(None),
        Some(value) => T::deserialize(value.to_string().into_deserializer()).map(Some),
    }
}

/// `None` for a missing or blank query field (an empty form input).
fn non_blank(value: &Option<String>) -> Option<&str> {
    value.as_deref().map(str::trim).filter(|v| !v.is_empty())
}
