//! The plain-text body, with text parts re-decoded where mail-parser's
//! charset decoding could not be trusted (see [`super::charset`]).

use std::borrow::Cow;

use mail_parser::{Encoding, Message, MessageParser, MessagePart, MimeHeaders, PartType};

use super::charset;
use super::clean::normalize_body;
use super::html::html_to_text;

/// The whole body as normalized plain text: the text/plain parts, or the
/// HTML parts converted when the mail has no plain text.
pub(super) fn full_text(msg: &Message<'_>) -> String {
    let from_text = join_parts(msg, &msg.text_body);
    let text = if from_text.trim().is_empty() {
        join_parts(msg, &msg.html_body)
    } else {
        from_text
    };
    normalize_body(&text)
}

/// Concatenates the text of the listed body parts (mail-parser lists HTML
/// parts in `text_body` when an alternative has no plain text).
fn join_parts(msg: &Message<'_>, ids: &[u32]) -> String {
    let mut out = String::new();
    for part in ids.iter().filter_map(|&id| msg.parts.get(id as usize)) {
        let text = match &part.body {
            PartType::Text(text) => part_text(msg, part, text).into_owned(),
            PartType::Html(html) => html_to_text(&part_text(msg, part, html)),
            _ => continue,
        };
        if !out.is_empty() && !out.ends_with('\n') {
            out.push('\n');
        }
        out.push_str(&text);
    }
    out
}

/// A text part's content, decoded again from its bytes when needed.
pub(super) fn part_text<'a>(
    msg: &Message<'_>,
    part: &MessagePart<'_>,
    decoded: &'a str,
) -> Cow<'a, str> {
    let label = part.content_type().and_then(|ct| ct.attribute("charset"));
    if !charset::needs_redecode(label, decoded) {
        return Cow::Borrowed(decoded);
    }
    match transfer_decoded(&msg.raw_message, part) {
        Some(bytes) => Cow::Owned(charset::decode(label, &bytes)),
        None => Cow::Borrowed(decoded),
    }
}

/// A part's bytes after base64 / quoted-printable decoding, before any
/// charset decoding (mail-parser only keeps the charset-decoded string).
///
/// The encoded body is handed back to mail-parser as a one-part binary
/// message, so the transfer decoding is exactly mail-parser's lenient one.
pub(super) fn transfer_decoded(raw: &[u8], part: &MessagePart<'_>) -> Option<Vec<u8>> {
    let body = raw.get(part.offset_body as usize..part.offset_end as usize)?;
    let encoding = match part.encoding {
        Encoding::None => return Some(body.to_vec()),
        Encoding::Base64 => "base64",
        Encoding::QuotedPrintable => "quoted-printable",
    };
    let mut wrapped = format!(
        "Content-Type: application/octet-stream\r\nContent-Transfer-Encoding: {encoding}\r\n\r\n"
    )
    .into_bytes();
    wrapped.extend_from_slice(body);
    let parsed = MessageParser::default().parse(&wrapped)?;
    parsed.parts.first().map(|p| p.contents().to_vec())
}
