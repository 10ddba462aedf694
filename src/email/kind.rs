//! Is this mail from a person, an auto-responder, or a mail server
//! reporting a bounce? Rules must never answer the last two (mail loops).
//!
//! Bounces are checked first: a delivery report usually also carries
//! `Auto-Submitted: auto-replied`, and "bounce" is the more useful answer.

use std::sync::LazyLock;

use mail_parser::{Message, MessageParser, MimeHeaders, PartType};
use regex::Regex;

use super::headers::{header_text, ids_in};
use crate::model::MailKind;

/// Subjects that auto-responders write (Outlook, Exchange, QQ, NetEase,
/// Gmail vacation), in simplified and traditional Chinese and English.
static AUTO_SUBJECT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)^\s*(自动回复|自動回覆|自动答复|自動答覆|automatic reply|auto[- ]?reply|autoreply|auto[- ]?response|out of (the )?office|ooo)\s*[:：\s]",
    )
    .expect("constant regex compiles")
});

/// `Message-ID: <...>` pasted into a bounce's text (qmail and friends).
static PASTED_MESSAGE_ID: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?im)^\s*message-id:\s*(<[^>\s]+>)").expect("constant regex compiles")
});

/// A header that marks automatic mail, and which of its values do.
type HeaderRule = (&'static str, fn(&str) -> bool);

/// Checked in this order; the first match is the evidence.
const AUTO_HEADERS: [HeaderRule; 7] = [
    ("Auto-Submitted", not_no),
    ("X-Autoreply", not_no),
    ("X-Autorespond", any_value),
    ("Precedence", automatic_precedence),
    ("X-Auto-Response-Suppress", suppresses_auto_replies),
    ("List-Id", any_value),
    ("List-Unsubscribe", any_value),
];

/// RFC 3834: anything but `no` means automatic.
fn not_no(value: &str) -> bool {
    first_token(value) != "no"
}

fn any_value(_: &str) -> bool {
    true
}

fn automatic_precedence(value: &str) -> bool {
    matches!(
        first_token(value).as_str(),
        "bulk" | "junk" | "list" | "auto_reply"
    )
}

/// Exchange sets these on mail that other responders must not answer,
/// i.e. on its own automatic mail.
fn suppresses_auto_replies(value: &str) -> bool {
    value
        .split(',')
        .map(|t| t.trim().to_ascii_lowercase())
        .any(|t| matches!(t.as_str(), "all" | "oof" | "autoreply"))
}

/// Longest header value quoted in a reason string.
const MAX_EVIDENCE_CHARS: usize = 80;

/// Classifies a parsed mail; `from` is the sender's address, if any.
pub(super) fn classify(msg: &Message<'_>, from: Option<&str>, subject: Option<&str>) -> MailKind {
    if let Some(reason) = bounce_reason(msg, from) {
        return MailKind::Bounce {
            reason,
            original_message_id: original_message_id(msg),
        };
    }
    match auto_reply_reason(msg, subject) {
        Some(reason) => MailKind::AutoReply { reason },
        None => MailKind::Human,
    }
}

/// The evidence that this is a delivery status notification.
fn bounce_reason(msg: &Message<'_>, from: Option<&str>) -> Option<String> {
    if report_type(msg).as_deref() == Some("delivery-status") {
        return Some("Content-Type: multipart/report; report-type=delivery-status".into());
    }
    let from = from?;
    let local = from.split('@').next().unwrap_or(from).to_ascii_lowercase();
    if local != "mailer-daemon" && local != "postmaster" {
        return None;
    }
    let null_return = header_text(msg, "Return-Path").is_some_and(|r| r.trim() == "<>");
    Some(if null_return {
        format!("Return-Path: <> and From: {from}")
    } else {
        format!("From: {from}")
    })
}

/// The evidence that an auto-responder wrote this.
fn auto_reply_reason(msg: &Message<'_>, subject: Option<&str>) -> Option<String> {
    if report_type(msg).as_deref() == Some("disposition-notification") {
        // A read receipt: automatic, but not a bounce.
        return Some("Content-Type: multipart/report; report-type=disposition-notification".into());
    }
    for (name, is_automatic) in AUTO_HEADERS {
        if let Some(value) = header_text(msg, name)
            && is_automatic(&value)
        {
            return Some(format!("{name}: {}", evidence(&value)));
        }
    }
    let subject = subject?;
    AUTO_SUBJECT
        .is_match(&format!("{subject} "))
        .then(|| format!("Subject: {}", evidence(subject)))
}

/// `report-type` of a top-level `multipart/report`, lowercase.
fn report_type(msg: &Message<'_>) -> Option<String> {
    let ct = msg.root_part().content_type()?;
    let is_report = ct.ctype().eq_ignore_ascii_case("multipart")
        && ct
            .subtype()
            .is_some_and(|s| s.eq_ignore_ascii_case("report"));
    is_report.then(|| {
        ct.attribute("report-type")
            .map(|t| t.trim().to_ascii_lowercase())
    })?
}

/// The bounced mail's Message-ID: from an attached `message/rfc822`, a
/// `text/rfc822-headers` part, or a `Message-ID:` line pasted into the text.
fn original_message_id(msg: &Message<'_>) -> Option<String> {
    let from_parts = msg.parts.iter().find_map(|part| match &part.body {
        PartType::Message(nested) => nested.message_id().and_then(first_id),
        _ if is_headers_part(part) => MessageParser::default()
            .parse_headers(part.contents())
            .and_then(|headers| headers.message_id().and_then(first_id)),
        _ => None,
    });
    from_parts.or_else(|| {
        msg.parts.iter().find_map(|part| {
            let text = part.text_contents()?;
            let id = PASTED_MESSAGE_ID.captures(text)?.get(1)?;
            first_id(id.as_str())
        })
    })
}

fn is_headers_part(part: &mail_parser::MessagePart<'_>) -> bool {
    part.content_type().is_some_and(|ct| {
        ct.subtype()
            .is_some_and(|s| s.eq_ignore_ascii_case("rfc822-headers"))
    })
}

fn first_id(raw: &str) -> Option<String> {
    ids_in(raw).into_iter().next()
}

/// The lowercase first word of a header value, ignoring `; parameters`.
fn first_token(value: &str) -> String {
    value
        .split([';', ' ', '\t', '('])
        .find(|t| !t.is_empty())
        .unwrap_or_default()
        .to_ascii_lowercase()
}

/// A header value shortened for a reason string.
fn evidence(value: &str) -> String {
    let mut short: String = value.chars().take(MAX_EVIDENCE_CHARS).collect();
    if short.len() < value.len() {
        short.push('…');
    }
    short
}

#[cfg(test)]
mod tests;
