//! The central, owned types every stage shares: messages, tickets, drafts, notes.

mod draft;
mod message;
mod note;
mod ticket;

pub use draft::{Draft, DraftId, DraftState};
pub use message::{
    Attachment, Author, Channel, ConnectorId, Details, MailKind, Message, MessageId, Quarantined,
    QuotedPost, RepostLayer, SocialParts, ThreadRefs,
};
pub use note::{Note, NoteId};
pub use ticket::{Incident, Priority, Ticket, TicketNumber, TicketState};
