//! Attachments: every part mail-parser does not use as the body, including
//! inline images of a `multipart/related` HTML body and attached messages.

use mail_parser::{Message, MessagePart, MimeHeaders, PartType};

use super::AttachmentContent;
use super::body::transfer_decoded;
use super::charset::REPLACEMENT;
use super::clean::normalize_line;
use super::encoded_word::decode_header;

/// The attachments of `msg`, in the order they appear.
pub(super) fn attachments(msg: &Message<'_>) -> Vec<AttachmentContent> {
    msg.attachments()
        .map(|part| AttachmentContent {
            name: name(part),
            mime_type: mime_type(part),
            content: content(msg, part),
        })
        .collect()
}

/// The decoded file name. mail-parser decodes RFC 2231 and encoded words;
/// a name it decoded lossily gets our encoded-word decoder, and an attached
/// message without a name is called after its subject, as mail clients do.
fn name(part: &MessagePart<'_>) -> Option<String> {
    let name = match part.attachment_name() {
        Some(name) if name.contains(REPLACEMENT) => decode_header(name.as_bytes()),
        Some(name) => name.to_owned(),
        None => match &part.body {
            PartType::Message(nested) => format!("{}.eml", nested.subject()?),
            _ => return None,
        },
    };
    Some(normalize_line(&name)).filter(|n| !n.is_empty())
}

/// `type/subtype`, lowercase; RFC 2045 defaults when the part has none.
fn mime_type(part: &MessagePart<'_>) -> String {
    match part.content_type() {
        Some(ct) => match ct.subtype() {
            Some(sub) => format!("{}/{}", ct.ctype(), sub).to_ascii_lowercase(),
            None => ct.ctype().to_ascii_lowercase(),
        },
        None => match part.body {
            PartType::Text(_) => "text/plain".into(),
            PartType::Html(_) => "text/html".into(),
            PartType::Message(_) => "message/rfc822".into(),
            _ => "application/octet-stream".into(),
        },
    }
}

/// The file's bytes. For text attachments these are the original bytes in
/// their own charset (a GBK `.csv` stays GBK), not mail-parser's UTF-8.
fn content(msg: &Message<'_>, part: &MessagePart<'_>) -> Vec<u8> {
    match &part.body {
        PartType::Text(_) | PartType::Html(_) => {
            transfer_decoded(&msg.raw_message, part).unwrap_or_else(|| part.contents().to_vec())
        }
        _ => part.contents().to_vec(),
    }
}
