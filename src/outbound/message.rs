//! The acknowledgement as a mail: who it goes to, its subject and body, and
//! the headers that thread it under the customer's mail and keep other
//! robots from answering it. Then [`render`] turns any [`OutgoingMail`]
//! into the bytes handed to the SMTP server.
//!
//! Headers follow RFC 3834 (automatic responses): `Auto-Submitted:
//! auto-replied` is the standard marker; `X-Auto-Response-Suppress: All`
//! asks Exchange and Outlook not to answer with an out-of-office. No
//! `Precedence`: RFC 3834 leaves it unstandardized, classic vacation
//! programs only honour `bulk`/`junk`/`list`, and those values tell spam
//! filters "mass mail" about a mail sent to one person.

use chrono::{DateTime, Utc};
use lettre::message::header::{ContentType, HeaderName, HeaderValue};
use lettre::message::{Mailbox, MessageBuilder};
use lettre::{Address, Message as LettreMessage};

use super::mail::{OutgoingKind, OutgoingMail, Recipient, new_message_id};
use super::template::{Template, Values};
use crate::model::{Message, TicketNumber};

/// Subject of an acknowledgement when the customer wrote none.
pub const EMPTY_SUBJECT: &str = "您的来信已收到";
/// Subject of an agent's reply when the customer wrote none.
const EMPTY_REPLY_SUBJECT: &str = "关于您的来信";
/// How the template's `{name}` addresses a customer whose mail gives no name.
pub const NAME_FALLBACK: &str = "尊敬的客户";
/// Most characters of the customer's subject repeated in ours.
const MAX_SUBJECT_CHARS: usize = 150;
/// Most ids kept in `References`: the first (the thread's root) and the newest.
const MAX_REFERENCES: usize = 20;

/// The acknowledgement of `message`, which opened ticket `ticket`.
/// None when the message names no address to answer.
pub fn acknowledgement(
    message: &Message,
    ticket: &TicketNumber,
    template: &Template,
    message_id_domain: &str,
) -> Option<OutgoingMail> {
    let original = original_subject(message);
    let name = message.author.name.as_deref().unwrap_or(NAME_FALLBACK);
    let body = template.render(&Values {
        ticket: &ticket.0,
        subject: &original,
        name,
        topic: "",
    });
    let subject = tagged_subject(ticket, &original, EMPTY_SUBJECT);
    let mut mail = threaded_answer(
        OutgoingKind::Acknowledgement,
        message,
        ticket,
        subject,
        body,
        message_id_domain,
    )?;
    mail.headers = vec![
        ("Auto-Submitted".into(), "auto-replied".into()),
        ("X-Auto-Response-Suppress".into(), "All".into()),
    ];
    Some(mail)
}

/// An agent's reply to `message` (the customer's last mail on `ticket`):
/// threaded under it and titled `[#ticket] …` like the acknowledgement,
/// without the automatic-response headers (a person wrote it). None when
/// the message names no address to answer.
pub fn agent_reply(
    message: &Message,
    ticket: &TicketNumber,
    body: String,
    message_id_domain: &str,
) -> Option<OutgoingMail> {
    let original = original_subject(message);
    // A follow-up's subject already carries "Re: [#ticket]": keep only its words.
    let tag = format!("[#{ticket}]");
    let mut words = original.replace(&tag, " ");
    loop {
        let trimmed = words.trim_start();
        let lower = trimmed.to_lowercase();
        let Some(prefix) = ["re:", "aw:", "回复：", "回复:", "答复："]
            .into_iter()
            .find(|p| lower.starts_with(p))
        else {
            words = trimmed.trim_end().to_string();
            break;
        };
        words = trimmed.get(prefix.len()..).unwrap_or_default().to_string();
    }
    let subject = tagged_subject(ticket, &words, EMPTY_REPLY_SUBJECT);
    threaded_answer(
        OutgoingKind::Reply,
        message,
        ticket,
        subject,
        body,
        message_id_domain,
    )
}

/// The customer's subject, at most [`MAX_SUBJECT_CHARS`] characters.
fn original_subject(message: &Message) -> String {
    message
        .subject
        .as_deref()
        .unwrap_or("")
        .chars()
        .take(MAX_SUBJECT_CHARS)
        .collect()
}

/// `[#ticket] words`, or `[#ticket] fallback` when there are no words.
fn tagged_subject(ticket: &TicketNumber, words: &str, fallback: &str) -> String {
    if words.trim().is_empty() {
        format!("[#{ticket}] {fallback}")
    } else {
        format!("[#{ticket}] {words}")
    }
}

/// A mail answering `message` on `ticket`: recipient, our Message-ID and
/// the threading headers.
fn threaded_answer(
    kind: OutgoingKind,
    message: &Message,
    ticket: &TicketNumber,
    subject: String,
    body: String,
    message_id_domain: &str,
) -> Option<OutgoingMail> {
    let address = message
        .author
        .address
        .clone()
        .filter(|a| !a.is_empty())
        .or_else(|| Some(message.author.id.clone()).filter(|a| !a.is_empty()))?;
    let parent = real_message_id(&message.native_id);
    Some(OutgoingMail {
        kind,
        ticket: Some(ticket.0.clone()),
        answers: Some(message.id),
        to: Recipient {
            address,
            name: message.author.name.clone(),
        },
        subject,
        body,
        message_id: new_message_id(message_id_domain),
        in_reply_to: parent.map(str::to_owned),
        references: references(message, parent),
        headers: Vec::new(),
    })
}

/// The native id when it is the mail's Message-ID, not a hash we made up
/// for a mail without one (nobody could thread on that).
fn real_message_id(native_id: &str) -> Option<&str> {
    (!native_id.starts_with("blake3:") && !native_id.is_empty()).then_some(native_id)
}

/// RFC 5322 §3.6.4: the parent's `References` (or its `In-Reply-To` when it
/// has none) followed by the parent's Message-ID; long chains keep their
/// root and their newest ids.
fn references(message: &Message, parent: Option<&str>) -> Vec<String> {
    let thread = &message.thread;
    let mut refs = if thread.references.is_empty() {
        thread.in_reply_to.clone()
    } else {
        thread.references.clone()
    };
    refs.extend(parent.map(str::to_owned));
    refs.dedup();
    if refs.len() > MAX_REFERENCES {
        let newest = refs.split_off(refs.len() - (MAX_REFERENCES - 1));
        refs.truncate(1);
        refs.extend(newest);
    }
    refs
}

/// Why a mail could not be turned into bytes. Permanent: the same record
/// fails the same way every time.
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    /// The recipient address is not one SMTP can use.
    #[error("invalid recipient address {address:?}: {detail}")]
    Recipient {
        /// As stored.
        address: String,
        /// lettre's objection.
        detail: String,
    },
    /// A header name or the assembled message was refused.
    #[error("cannot build the mail: {0}")]
    Build(String),
}

/// The mail as handed to the server.
#[derive(Debug, Clone)]
pub struct Rendered {
    /// SMTP envelope: `MAIL FROM` and `RCPT TO`.
    pub envelope: lettre::address::Envelope,
    /// RFC 5322 bytes, ASCII only (headers RFC 2047-encoded, body base64 or
    /// quoted-printable), so no server needs 8BITMIME for it.
    pub bytes: Vec<u8>,
}

/// Builds the wire form of `mail`, sent from `from` at `date`.
pub fn render(
    mail: &OutgoingMail,
    from: &Mailbox,
    date: DateTime<Utc>,
) -> Result<Rendered, RenderError> {
    let address: Address =
        mail.to
            .address
            .trim()
            .parse()
            .map_err(|e: lettre::address::AddressError| RenderError::Recipient {
                address: mail.to.address.clone(),
                detail: e.to_string(),
            })?;
    let to = Mailbox::new(mail.to.name.clone(), address);
    let mut builder = LettreMessage::builder()
        .from(from.clone())
        .to(to)
        .date(date.into())
        .subject(mail.subject.clone())
        .message_id(Some(format!("<{}>", mail.message_id)));
    builder = threading(builder, mail);
    for (name, value) in &mail.headers {
        let name = HeaderName::new_from_ascii(name.clone())
            .map_err(|e| RenderError::Build(format!("header {name:?}: {e}")))?;
        builder = builder.raw_header(HeaderValue::new(name, value.clone()));
    }
    let message = builder
        .header(ContentType::TEXT_PLAIN)
        .body(mail.body.clone())
        .map_err(|e| RenderError::Build(e.to_string()))?;
    Ok(Rendered {
        envelope: message.envelope().clone(),
        bytes: message.formatted(),
    })
}

fn threading(mut builder: MessageBuilder, mail: &OutgoingMail) -> MessageBuilder {
    if let Some(parent) = &mail.in_reply_to {
        builder = builder.in_reply_to(format!("<{parent}>"));
    }
    if !mail.references.is_empty() {
        let refs: Vec<String> = mail.references.iter().map(|r| format!("<{r}>")).collect();
        builder = builder.references(refs.join(" "));
    }
    builder
}

#[cfg(test)]
mod tests;
