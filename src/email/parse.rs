//! The entry point: size limit, the "is this a mail" decision, assembly.

use std::panic::{AssertUnwindSafe, catch_unwind};

use mail_parser::{Message, MessageParser};

use super::{MailError, ParsedMail, attach, body, headers, kind, quote};

/// Headers of which at least one makes bytes a mail.
const IDENTIFYING_HEADERS: [&str; 5] = ["From", "Sender", "Return-Path", "Date", "Message-ID"];

/// Most header names quoted back in a "not a mail" reason.
const MAX_NAMES_IN_REASON: usize = 5;

/// See [`super::parse`].
pub(super) fn parse(raw: &[u8], max_bytes: usize) -> Result<ParsedMail, MailError> {
    if raw.len() > max_bytes {
        return Err(MailError::TooLarge {
            size: raw.len(),
            max: max_bytes,
        });
    }
    if raw.iter().all(u8::is_ascii_whitespace) {
        return Err(not_a_mail("the input is empty"));
    }
    // mail-parser is fuzzed upstream and our code avoids panics, but one
    // hostile mail must not take the daemon's ingest task down with it.
    catch_unwind(AssertUnwindSafe(|| parse_checked(raw))).unwrap_or_else(|_| {
        Err(MailError::Unparseable {
            reason: "the MIME parser failed on this input".into(),
        })
    })
}

fn parse_checked(raw: &[u8]) -> Result<ParsedMail, MailError> {
    let msg = MessageParser::default()
        .parse(raw)
        .ok_or_else(|| not_a_mail(NO_HEADER_BLOCK))?;
    check_is_mail(&msg)?;
    let from = headers::author(&msg);
    let subject = headers::subject(&msg);
    let full_text = body::full_text(&msg);
    let kind = kind::classify(&msg, from.address.as_deref(), subject.as_deref());
    Ok(ParsedMail {
        message_id: headers::message_id(&msg),
        to: headers::recipients(&msg),
        date: headers::date(&msg),
        thread: headers::thread(&msg),
        text: quote::own_words(&full_text),
        attachments: attach::attachments(&msg),
        from,
        subject,
        full_text,
        kind,
    })
}

const NO_HEADER_BLOCK: &str = "no header block (the input does not start with `Name: value` lines)";

/// mail-parser accepts almost anything (binary garbage yields "headers"
/// named after random bytes), so a mail must name a sender, a date or an id.
fn check_is_mail(msg: &Message<'_>) -> Result<(), MailError> {
    let identified = IDENTIFYING_HEADERS
        .iter()
        .any(|name| headers::header_text(msg, name).is_some_and(|v| !v.is_empty()));
    if identified {
        return Ok(());
    }
    let names: Vec<&str> = msg
        .headers()
        .iter()
        .map(|h| h.name())
        .filter(|n| is_field_name(n))
        .collect();
    if names.is_empty() {
        return Err(not_a_mail(NO_HEADER_BLOCK));
    }
    let shown: Vec<&str> = names.iter().copied().take(MAX_NAMES_IN_REASON).collect();
    let more = if names.len() > shown.len() {
        ", …"
    } else {
        ""
    };
    Err(not_a_mail(&format!(
        "no From, Sender, Return-Path, Date or Message-ID header (found only {}{more})",
        shown.join(", ")
    )))
}

/// RFC 5322 field names: printable ASCII except `:`. Garbage input makes
/// mail-parser report names full of binary.
fn is_field_name(name: &str) -> bool {
    !name.is_empty() && name.bytes().all(|b| (33..=126).contains(&b) && b != b':')
}

fn not_a_mail(reason: &str) -> MailError {
    MailError::NotAMail {
        reason: reason.to_owned(),
    }
}
