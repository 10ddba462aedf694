use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::TicketNumber;

/// Note id: a UUIDv7, so notes written in the same instant still sort by creation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct NoteId(pub uuid::Uuid);

impl NoteId {
    /// A fresh time-ordered id.
    pub fn new() -> NoteId {
        NoteId(uuid::Uuid::now_v7())
    }
}

impl Default for NoteId {
    fn default() -> Self {
        NoteId::new()
    }
}

impl fmt::Display for NoteId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// Free text attached to a ticket by a person or a component, never sent to
/// the customer on its own.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Note {
    /// Its id.
    pub id: NoteId,
    /// The ticket it is on.
    pub ticket: TicketNumber,
    /// When it was written.
    pub at: DateTime<Utc>,
    /// Who wrote it: a user name, or `system:<component>`.
    pub author: String,
    /// The text, plain.
    pub body: String,
    /// Internal notes are for agents only; a non-internal one may be shown
    /// to the customer (the review desk decides how).
    pub internal: bool,
}

impl Note {
    /// A new internal note on `ticket`.
    pub fn internal(ticket: &TicketNumber, at: DateTime<Utc>, author: &str, body: String) -> Note {
        Note {
            id: NoteId::new(),
            ticket: ticket.clone(),
            at,
            author: author.to_string(),
            body,
            internal: true,
        }
    }
}
