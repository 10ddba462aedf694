//! What the outbox holds: one mail to send, in a channel-neutral shape that
//! acknowledgements and (later) agents' replies share.

use serde::{Deserialize, Serialize};

use crate::model::MessageId;

/// Why we send a mail.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OutgoingKind {
    /// The automatic "we received your mail" for a new ticket.
    Acknowledgement,
    /// An agent's answer.
    Reply,
}

impl OutgoingKind {
    /// The lowercase name used in logs, metrics and the API.
    pub fn as_str(self) -> &'static str {
        match self {
            OutgoingKind::Acknowledgement => "acknowledgement",
            OutgoingKind::Reply => "reply",
        }
    }
}

/// Who receives it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Recipient {
    /// Mail address as the customer wrote it.
    pub address: String,
    /// Display name, if known.
    pub name: Option<String>,
}

/// One mail to send. `From` and `Date` are not part of it: they are set when
/// it is handed to the server, from `[smtp] from` and the clock.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutgoingMail {
    /// Acknowledgement or reply.
    pub kind: OutgoingKind,
    /// The ticket it belongs to.
    pub ticket: Option<String>,
    /// The stored message it answers.
    pub answers: Option<MessageId>,
    /// The recipient.
    pub to: Recipient,
    /// Subject, UTF-8 (encoded on the wire).
    pub subject: String,
    /// Plain-text body, UTF-8.
    pub body: String,
    /// Our `Message-ID`, without angle brackets: `<uuid>@<message_id_domain>`.
    pub message_id: String,
    /// `In-Reply-To`, without angle brackets.
    pub in_reply_to: Option<String>,
    /// `References`, oldest first, without angle brackets.
    pub references: Vec<String>,
    /// Further header fields, such as `Auto-Submitted`, in order.
    pub headers: Vec<(String, String)>,
}

/// A fresh Message-ID in our own domain (without angle brackets), so our mail
/// and replies to it are recognised by their id alone.
pub fn new_message_id(domain: &str) -> String {
    format!("{}@{domain}", uuid::Uuid::now_v7().simple())
}

/// Whether `id` (with or without angle brackets) is one of ours.
pub fn is_own_message_id(id: &str, domain: &str) -> bool {
    let id = id.trim().trim_start_matches('<').trim_end_matches('>');
    id.rsplit_once('@')
        .is_some_and(|(_, d)| d.eq_ignore_ascii_case(domain))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn our_message_ids_are_recognised_by_domain_only() {
        let id = new_message_id("omnilisten.alipay.com");
        assert!(is_own_message_id(&id, "omnilisten.alipay.com"));
        assert!(is_own_message_id(
            &format!("<{id}>"),
            "OMNILISTEN.alipay.com"
        ));
        assert!(!is_own_message_id("x@alipay.com", "omnilisten.alipay.com"));
        // A lookalike domain that merely ends with ours is not ours.
        assert!(!is_own_message_id(
            "x@evil-omnilisten.alipay.com",
            "omnilisten.alipay.com"
        ));
        assert!(!is_own_message_id("no-at-sign", "omnilisten.alipay.com"));
    }
}
