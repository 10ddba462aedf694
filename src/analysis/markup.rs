//! Social markup in folded text: `#话题#` hashtags, `@name` mentions, links,
//! `[表情]` emoticon codes and `//@name:` repost markers, with their spans.
//!
//! The conventions are those of `connectors::weibo::text`, which splits a
//! Weibo post for storage; this scan runs on every channel's folded text and
//! also reports *where* each piece is, so segmentation can blank it out and
//! entity extraction can skip links and names (research/trending.md §2.4).

/// Longest mention or repost-marker name, in characters (Weibo's limit).
const MAX_NAME: usize = 30;
/// Longest hashtag topic, in characters.
const MAX_TOPIC: usize = 64;
/// Longest emoticon name, in characters.
const MAX_EMOTICON: usize = 8;

/// Official account names a mention is cut after when the writer typed no
/// space (`@支付宝花呗还不上` is `@支付宝` then `花呗还不上`): Weibo names run
/// straight into the text, and losing the complaint's words to the mention
/// would hide them from segmentation.
const KNOWN_ACCOUNTS: &[&str] = &[
    "支付宝客服",
    "支付宝安全中心",
    "支付宝",
    "蚂蚁集团",
    "蚂蚁财富",
    "花呗",
    "借呗",
    "余额宝",
    "网商银行",
];

/// What a markup span is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MarkupKind {
    /// `#话题#`.
    Hashtag,
    /// `@name`.
    Mention,
    /// `http(s)://…` or `t.cn/…`.
    Link,
    /// `[怒]`.
    Emoticon,
    /// `//@name:` of a repost chain.
    RepostMarker,
}

/// One piece of markup: its kind, byte span and inner text (hashtag topic
/// without `#`, name without `@`, the link, the emoticon name).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Markup {
    /// What it is.
    pub kind: MarkupKind,
    /// Byte offset of its first byte in the scanned text.
    pub start: usize,
    /// Byte offset just past it.
    pub end: usize,
    /// The inner text.
    pub inner: String,
}

/// Every piece of markup in `folded`, in order, not overlapping.
///
/// A hand-written scan rather than one regex with bounded Unicode classes
/// (`@[\p{L}\p{N}_-]{1,30}`…), which cost more than all the entity
/// extractors together. At each position the forms are tried in this order,
/// the first that fits wins, and the scan goes on after it:
///
/// - links: `http(s)://` and ASCII URL characters (no `[`, `]`, `@`, `,`,
///   `!`: Chinese text usually follows a link without a space), bare
///   `t.cn/…`;
/// - repost markers `//@name:`, so their `@` is not taken for a mention;
/// - mentions `@name` (letters, digits, `_`, `-`), not after a Latin letter,
///   digit, `_` or `.` (that is a mail address);
/// - hashtags: Weibo's pair of hashes around 1–64 characters;
/// - emoticon codes: a short Han or Latin word in brackets (no digits, so a
///   bracketed number stays a number).
pub fn scan(folded: &str) -> Vec<Markup> {
    let bytes = folded.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        // Every trigger is ASCII, and an ASCII byte is always a character
        // boundary in UTF-8, so `folded[i..]` below is valid.
        let found = match bytes[i] {
            b'h' => link(folded, i),
            b't' => short_link(folded, i),
            b'/' => repost_marker(folded, i),
            b'@' => mention(folded, i),
            b'#' => hashtag(folded, i),
            b'[' => emoticon(folded, i),
            _ => None,
        };
        match found {
            Some(m) => {
                i = m.end.max(i + 1);
                out.push(m);
            }
            None => i += 1,
        }
    }
    out
}

/// A piece of markup of `kind` spanning `start..end` with `inner` text.
fn piece(kind: MarkupKind, start: usize, end: usize, inner: &str) -> Markup {
    Markup {
        kind,
        start,
        end,
        inner: inner.to_string(),
    }
}

/// Characters of a Weibo name.
fn is_name_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_' || c == '-'
}

/// The byte length of the longest prefix of `s` whose characters satisfy
/// `ok`, stopping after `max` characters; with the count of characters.
fn take_while(s: &str, max: usize, ok: impl Fn(char) -> bool) -> (usize, usize) {
    let mut len = 0;
    let mut count = 0;
    for c in s.chars() {
        if count == max || !ok(c) {
            break;
        }
        len += c.len_utf8();
        count += 1;
    }
    (len, count)
}

/// `http://…` or `https://…` at `at`.
fn link(s: &str, at: usize) -> Option<Markup> {
    let rest = &s[at..];
    let scheme = if rest.starts_with("https://") {
        8
    } else if rest.starts_with("http://") {
        7
    } else {
        return None;
    };
    let url_char = |c: char| c.is_ascii_alphanumeric() || "-._~:/?#%&=+$*".contains(c);
    let (len, _) = take_while(&rest[scheme..], usize::MAX, url_char);
    let end = at + scheme + len;
    (len > 0).then(|| piece(MarkupKind::Link, at, end, &s[at..end]))
}

/// `t.cn/…` at `at`.
fn short_link(s: &str, at: usize) -> Option<Markup> {
    let rest = s[at..].strip_prefix("t.cn/")?;
    let (len, _) = take_while(rest, usize::MAX, |c| c.is_ascii_alphanumeric());
    let end = at + 5 + len;
    (len > 0).then(|| piece(MarkupKind::Link, at, end, &s[at..end]))
}

/// `//@name:` at `at`.
fn repost_marker(s: &str, at: usize) -> Option<Markup> {
    let rest = s[at..].strip_prefix("//@")?;
    let (len, count) = take_while(rest, MAX_NAME, is_name_char);
    if count == 0 || !rest[len..].starts_with(':') {
        return None;
    }
    let end = at + 3 + len + 1;
    Some(piece(MarkupKind::RepostMarker, at, end, &rest[..len]))
}

/// `@name` at `at`, cut after a known account name.
fn mention(s: &str, at: usize) -> Option<Markup> {
    let glued = s[..at]
        .chars()
        .next_back()
        .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.');
    if glued {
        return None;
    }
    let rest = &s[at + 1..];
    let (len, count) = take_while(rest, MAX_NAME, is_name_char);
    if count == 0 {
        return None;
    }
    let name = cut_known_account(&rest[..len]);
    Some(piece(MarkupKind::Mention, at, at + 1 + name.len(), name))
}

/// `#topic#` at `at`.
fn hashtag(s: &str, at: usize) -> Option<Markup> {
    let rest = &s[at + 1..];
    let (len, count) = take_while(rest, MAX_TOPIC + 1, |c| c != '#');
    if count == 0 || count > MAX_TOPIC || !rest[len..].starts_with('#') {
        return None;
    }
    let topic = rest[..len].trim();
    (!topic.is_empty()).then(|| piece(MarkupKind::Hashtag, at, at + 1 + len + 1, topic))
}

/// `[name]` at `at`.
fn emoticon(s: &str, at: usize) -> Option<Markup> {
    let rest = &s[at + 1..];
    let (len, count) = take_while(rest, MAX_EMOTICON + 1, |c| {
        is_han(c) || c.is_ascii_lowercase()
    });
    if count == 0 || count > MAX_EMOTICON || !rest[len..].starts_with(']') {
        return None;
    }
    Some(piece(
        MarkupKind::Emoticon,
        at,
        at + 1 + len + 1,
        &rest[..len],
    ))
}

/// `name` up to the end of the longest known account it starts with, when
/// it continues in Han characters; otherwise `name` whole.
fn cut_known_account(name: &str) -> &str {
    if KNOWN_ACCOUNTS.contains(&name) {
        return name;
    }
    for account in KNOWN_ACCOUNTS {
        if let Some(rest) = name.strip_prefix(account)
            && rest.chars().next().is_some_and(is_han)
        {
            // An account name that is itself longer (`支付宝客服`) is listed
            // before its prefix, so the first hit is the longest.
            return &name[..account.len()];
        }
    }
    name
}

/// Whether `c` is a CJK ideograph (the common blocks).
fn is_han(c: char) -> bool {
    matches!(c, '\u{3400}'..='\u{9FFF}' | '\u{F900}'..='\u{FAFF}' | '\u{20000}'..='\u{2FA1F}')
}
