//! The central, owned types every stage shares: messages, tickets, drafts.

mod draft;
mod message;
mod ticket;

pub use draft::{Draft, DraftId, DraftState};
pub use message::{
    Attachment, Author, Channel, ConnectorId, Details, MailKind, Message, MessageId, Quarantined,
    QuotedPost, RepostLayer, SocialParts, ThreadRefs,
};
pub use ticket::{Incident, Priority, Ticket, TicketNumber, TicketState};
