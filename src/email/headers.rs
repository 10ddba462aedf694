//! Top-level header fields, and raw header access for the rest of the module.
//!
//! mail-parser's decoded values are used first; where they lost characters
//! (U+FFFD) the raw header bytes are decoded again by
//! [`super::encoded_word::decode_header`].

use chrono::{DateTime, Utc};
use mail_parser::{Addr, Header, Message};

use super::charset::REPLACEMENT;
use super::clean::normalize_line;
use super::encoded_word::decode_header;
use crate::model::{Author, ThreadRefs};

/// The raw bytes of the first header called `name` (any case) in `headers`,
/// whose offsets point into `raw`.
pub(super) fn raw_header<'a>(
    raw: &'a [u8],
    headers: &[Header<'_>],
    name: &str,
) -> Option<&'a [u8]> {
    let header = headers
        .iter()
        .find(|h| h.name().eq_ignore_ascii_case(name))?;
    raw.get(header.offset_start() as usize..header.offset_end() as usize)
}

/// The first top-level header called `name` as one trimmed line of text
/// (lossy UTF-8: for comparing against ASCII keywords, not for display).
pub(super) fn header_text(msg: &Message<'_>, name: &str) -> Option<String> {
    let raw = raw_header(&msg.raw_message, msg.headers(), name)?;
    Some(normalize_line(&String::from_utf8_lossy(raw)))
}

/// The decoded subject; None when missing or blank.
pub(super) fn subject(msg: &Message<'_>) -> Option<String> {
    let parsed = msg.subject().map(str::to_owned);
    let subject = match parsed {
        Some(s) if !s.contains(REPLACEMENT) => s,
        // Lossy, or a header mail-parser could not read as text at all.
        _ => decode_header(raw_header(&msg.raw_message, msg.headers(), "Subject")?),
    };
    Some(normalize_line(&subject)).filter(|s| !s.is_empty())
}

/// The author from `From`, else `Sender`.
pub(super) fn author(msg: &Message<'_>) -> Author {
    let (addr, header) = match msg.from().and_then(|a| a.first()) {
        Some(addr) => (Some(addr), "From"),
        None => (msg.sender().and_then(|a| a.first()), "Sender"),
    };
    let address = addr
        .and_then(Addr::address)
        .map(|a| a.trim().to_owned())
        .filter(|a| !a.is_empty());
    let name = addr
        .and_then(Addr::name)
        .map(|n| display_name(msg, header, n))
        .filter(|n| !n.is_empty());
    Author {
        id: address
            .as_deref()
            .map(str::to_lowercase)
            .unwrap_or_default(),
        name,
        address,
    }
}

/// A display name, re-decoded from the raw header when mail-parser's
/// decoding was lossy: the part before the last `<` is the name.
fn display_name(msg: &Message<'_>, header: &str, parsed: &str) -> String {
    if !parsed.contains(REPLACEMENT) {
        return normalize_line(parsed);
    }
    let Some(raw) = raw_header(&msg.raw_message, msg.headers(), header) else {
        return normalize_line(parsed);
    };
    let name = match raw.iter().rposition(|&b| b == b'<') {
        Some(i) => raw.get(..i).unwrap_or_default(),
        None => raw,
    };
    normalize_line(decode_header(name).trim_matches(|c: char| c == '"' || c.is_whitespace()))
}

/// Every `To` address, lowercase (they are compared, never displayed).
pub(super) fn recipients(msg: &Message<'_>) -> Vec<String> {
    msg.all_to()
        .flat_map(|list| list.iter())
        .filter_map(Addr::address)
        .map(|a| a.trim().to_lowercase())
        .filter(|a| !a.is_empty())
        .collect()
}

/// `Date` in UTC; None when missing or not a real date.
pub(super) fn date(msg: &Message<'_>) -> Option<DateTime<Utc>> {
    let date = msg.date().filter(|d| d.is_valid())?;
    DateTime::from_timestamp(date.to_timestamp(), 0)
}

/// `Message-ID` without angle brackets.
pub(super) fn message_id(msg: &Message<'_>) -> Option<String> {
    ids(msg, "Message-ID").into_iter().next()
}

/// `In-Reply-To` and `References`.
pub(super) fn thread(msg: &Message<'_>) -> ThreadRefs {
    ThreadRefs {
        in_reply_to: ids(msg, "In-Reply-To"),
        references: ids(msg, "References"),
    }
}

/// The ids in a header, read from its raw text: every `<...>`, or the bare
/// words when a client forgot the brackets. One path for all three id
/// headers, tolerant of folding and comments.
fn ids(msg: &Message<'_>, name: &str) -> Vec<String> {
    let Some(raw) = header_text(msg, name) else {
        return Vec::new();
    };
    ids_in(&raw)
}

/// See [`ids`]; split out for tests.
pub(super) fn ids_in(raw: &str) -> Vec<String> {
    let bracketed: Vec<String> = raw
        .split('<')
        .skip(1)
        .filter_map(|s| s.split_once('>'))
        .map(|(id, _)| id.split_whitespace().collect::<String>())
        .filter(|id| !id.is_empty())
        .collect();
    if !bracketed.is_empty() || raw.contains('<') {
        return bracketed;
    }
    without_comments(raw)
        .split_whitespace()
        .map(|w| w.replace('>', ""))
        .filter(|w| !w.is_empty())
        .collect()
}

/// Drops RFC 5322 `(comments)`, nested or not.
fn without_comments(raw: &str) -> String {
    let mut depth = 0usize;
    raw.chars()
        .filter(|&c| {
            match c {
                '(' => depth += 1,
                ')' if depth > 0 => {
                    depth -= 1;
                    return false;
                }
                _ => {}
            }
            depth == 0
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_with_and_without_brackets() {
        assert_eq!(ids_in("<a@b> <c@d>"), ["a@b", "c@d"]);
        assert_eq!(ids_in(" <a@b>\t(comment)  <c\n @d>"), ["a@b", "c@d"]);
        assert_eq!(ids_in("a@b"), ["a@b"]);
        assert_eq!(ids_in("12345 (no domain)"), ["12345"]);
        assert!(ids_in("<>").is_empty());
        assert!(ids_in("").is_empty());
        assert!(ids_in("<unterminated").is_empty());
    }
}
