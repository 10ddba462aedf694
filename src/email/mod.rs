//! Raw mail bytes → [`ParsedMail`]: charsets, HTML, quoted history,
//! auto-replies and bounces.
//!
//! [`parse`] is the only entry point. It never panics on outside data; input
//! it cannot accept comes back as a [`MailError`] whose `Display` is the
//! quarantine reason a person reads.
//!
//! | file | does |
//! | --- | --- |
//! | `parse.rs` | size limit, the "is this a mail at all" decision, assembly |
//! | `headers.rs` | Message-ID, Subject, From, To, Date, thread ids; raw header access |
//! | `charset.rs` | charset labels → decoders (every GB label → GB18030), mislabel fallbacks |
//! | `encoded_word.rs` | our own RFC 2047 decoder, used when mail-parser's was lossy |
//! | `body.rs` | the plain-text body, re-decoded where mail-parser lost characters |
//! | `html.rs` | HTML → readable text (blocks, `<br>`, entities, quotes) |
//! | `clean.rs` | line endings, zero-width characters, trailing whitespace |
//! | `quote.rs` | quoted history and signature stripping (Chinese and English clients) |
//! | `kind.rs` | auto-reply and bounce detection |
//! | `attach.rs` | attachments, including inline images |
//!
//! mail-parser 0.11.9 (with `full_encoding`) already decodes every GB2312/GBK
//! label it knows with encoding_rs's GB18030 decoder; what it gets wrong is
//! labels it does not know (`euc-cn`, `x-gb2312`, `cp-936`, `big5` spelled
//! `x-big5`, ...), unlabelled or `us-ascii`-labelled GBK, and multi-byte
//! characters split across two encoded words. Those are repaired here.

mod attach;
mod body;
mod charset;
mod clean;
mod encoded_word;
mod headers;
mod html;
mod kind;
mod parse;
mod quote;
#[cfg(test)]
mod tests;

use chrono::{DateTime, Utc};

use crate::model::{Author, MailKind, ThreadRefs};

/// One mail, decoded and ready to become a [`crate::model::Message`].
#[derive(Debug, Clone, PartialEq)]
pub struct ParsedMail {
    /// `Message-ID` without angle brackets; None when the header is missing.
    pub message_id: Option<String>,
    /// Decoded subject; None when missing or empty.
    pub subject: Option<String>,
    /// The sender (`From`, else `Sender`): id is the lowercase address, or
    /// `""` when the mail names none.
    pub from: Author,
    /// `To` addresses, lowercase.
    pub to: Vec<String>,
    /// `Date`, if present and valid.
    pub date: Option<DateTime<Utc>>,
    /// `In-Reply-To` and `References` ids, without angle brackets.
    pub thread: ThreadRefs,
    /// The customer's own words: quoted history and signature stripped.
    /// Falls back to `full_text` when stripping would leave nothing (a bare
    /// forward is still the customer's request).
    pub text: String,
    /// The whole plain-text body (HTML-only mail converted to text), with
    /// `\n` line endings, no zero-width characters, no trailing whitespace.
    pub full_text: String,
    /// Attachments and inline images; the body part itself is not one.
    pub attachments: Vec<AttachmentContent>,
    /// Human mail, auto-reply or bounce, with the evidence.
    pub kind: MailKind,
}

/// One attachment with its decoded (transfer-decoded, not charset-decoded)
/// content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttachmentContent {
    /// File name as the sender wrote it, decoded (RFC 2231 and encoded words).
    pub name: Option<String>,
    /// Lowercase MIME type such as `image/png`.
    pub mime_type: String,
    /// The file's bytes.
    pub content: Vec<u8>,
}

/// Why raw bytes could not be turned into a [`ParsedMail`].
///
/// Every variant is permanent: the same bytes fail the same way, so the
/// pipeline quarantines them with this error's `Display` as the reason.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MailError {
    /// Bigger than the configured limit; not parsed at all.
    #[error("mail is {size} bytes, over the {max}-byte limit")]
    TooLarge {
        /// Size of the input in bytes.
        size: usize,
        /// The configured limit in bytes.
        max: usize,
    },
    /// The bytes do not look like an RFC 5322 message.
    #[error("not a mail: {reason}")]
    NotAMail {
        /// What was missing, e.g. `no header block`.
        reason: String,
    },
    /// The MIME parser could not process the input.
    #[error("unparseable mail: {reason}")]
    Unparseable {
        /// What went wrong.
        reason: String,
    },
}

/// Parses one raw mail (RFC 5322 bytes, as stored in a Maildir file or
/// fetched over IMAP). Inputs over `max_bytes` are refused unparsed.
pub fn parse(raw: &[u8], max_bytes: usize) -> Result<ParsedMail, MailError> {
    parse::parse(raw, max_bytes)
}
