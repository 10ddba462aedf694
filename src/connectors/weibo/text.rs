//! `created_at` timestamps and the conventions inside a post's text.
//!
//! A Weibo text mixes the author's words with markup written in plain
//! characters: `@name` mentions, `#话题#` hashtags, `[表情]` emoticon codes,
//! `http://t.cn/…` short links and, in reposts, a `//@user:text` chain of the
//! earlier reposters' words. Nothing marks these up in the JSON, so they are
//! recognised here by their conventions.

use std::sync::LazyLock;

use chrono::{DateTime, Utc};
use regex::Regex;
use unicode_normalization::UnicodeNormalization;

use super::WeiboError;

/// The `created_at` format: English day and month names, numeric offset.
const CREATED_AT_FORMAT: &str = "%a %b %d %H:%M:%S %z %Y";

/// A repost-chain marker `//@user:`. Weibo inserts it with an ASCII colon; a
/// full-width one is already ASCII after NFKC.
static CHAIN: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"//@([\p{L}\p{N}_-]+):").expect("static regex"));
/// A mention; the caller checks the character before `@` (no lookbehind).
static MENTION: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"@([\p{L}\p{N}_-]{1,30})").expect("static regex"));
/// A hashtag: Weibo topics never span lines or hold `#`.
static HASHTAG: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"#([^#\r\n]{1,64})#").expect("static regex"));
/// A t.cn short link; Weibo rewrites every link in a post to one.
static LINK: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"https?://t\.cn/[A-Za-z0-9]+").expect("static regex"));
/// An emoticon code: a short word in brackets, so `[1]` or a bracketed
/// sentence is less likely to be taken for one.
static EMOTICON: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\[([\p{L}\p{N}_]{1,8})\]").expect("static regex"));

/// A post's text taken apart.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WeiboText {
    /// The author's own words: the text before the first `//@`, trimmed.
    pub own: String,
    /// Mentioned names without `@`, in order, once each; chain markers excluded.
    pub mentions: Vec<String>,
    /// Hashtag topics without `#`, in order, once each.
    pub hashtags: Vec<String>,
    /// `t.cn` short links, in order, once each.
    pub links: Vec<String>,
    /// Emoticon names without brackets (`怒` for `[怒]`), in order, once each.
    pub emoticons: Vec<String>,
    /// The repost chain, newest reposter first: `(screen name, their words)`.
    pub repost_chain: Vec<(String, String)>,
}

/// Reads a `created_at` such as `Tue May 31 17:46:55 +0800 2011` as UTC.
pub fn parse_created_at(s: &str) -> Result<DateTime<Utc>, WeiboError> {
    DateTime::parse_from_str(s.trim(), CREATED_AT_FORMAT)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| WeiboError::BadDate(s.to_string()))
}

/// Splits a post's text into the author's words, the repost chain and the
/// markup in it. The text is NFKC-normalized first (full-width `ＡＢＣ１２３`
/// and `：` become ASCII) and trailing zero-width characters are dropped.
/// Mentions, hashtags, links and emoticons are gathered from the whole text,
/// chain included, because a mention of us in a quoted layer still concerns us.
pub fn split_text(raw: &str) -> WeiboText {
    let text = normalize(raw);
    let mut out = WeiboText::default();

    let markers: Vec<_> = CHAIN.captures_iter(&text).collect();
    let own_end = markers
        .first()
        .and_then(|c| c.get(0))
        .map_or(text.len(), |m| m.start());
    out.own = text[..own_end].trim().to_string();
    for (i, caps) in markers.iter().enumerate() {
        let (Some(whole), Some(user)) = (caps.get(0), caps.get(1)) else {
            continue;
        };
        let end = markers
            .get(i + 1)
            .and_then(|c| c.get(0))
            .map_or(text.len(), |m| m.start());
        out.repost_chain.push((
            user.as_str().to_string(),
            text[whole.end()..end].trim().to_string(),
        ));
    }
    // The `@` of each chain marker sits two bytes after the marker's start.
    let chain_ats: Vec<usize> = markers
        .iter()
        .filter_map(|c| c.get(0))
        .map(|m| m.start() + 2)
        .collect();

    for caps in MENTION.captures_iter(&text) {
        let (Some(whole), Some(name)) = (caps.get(0), caps.get(1)) else {
            continue;
        };
        // `user@example.com` is a mail address, not a mention.
        let after_word = text[..whole.start()]
            .chars()
            .next_back()
            .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.');
        if !after_word && !chain_ats.contains(&whole.start()) {
            push_once(&mut out.mentions, name.as_str());
        }
    }
    for caps in HASHTAG.captures_iter(&text) {
        if let Some(topic) = caps.get(1).map(|m| m.as_str().trim())
            && !topic.is_empty()
        {
            push_once(&mut out.hashtags, topic);
        }
    }
    for m in LINK.find_iter(&text) {
        push_once(&mut out.links, m.as_str());
    }
    for caps in EMOTICON.captures_iter(&text) {
        if let Some(name) = caps.get(1) {
            push_once(&mut out.emoticons, name.as_str());
        }
    }
    out
}

/// NFKC, then drops trailing whitespace and zero-width characters: Weibo
/// appends a U+200B to some posts, which would otherwise end up in the last
/// chain segment and defeat exact-text dedup.
fn normalize(raw: &str) -> String {
    let text: String = raw.nfkc().collect();
    text.trim_end_matches(|c: char| {
        c.is_whitespace()
            || matches!(
                c,
                '\u{200B}' | '\u{200C}' | '\u{200D}' | '\u{2060}' | '\u{FEFF}'
            )
    })
    .to_string()
}

/// Appends `value` unless it is already there (lists are short).
fn push_once(list: &mut Vec<String>, value: &str) {
    if !list.iter().any(|v| v == value) {
        list.push(value.to_string());
    }
}

#[cfg(test)]
mod tests;
