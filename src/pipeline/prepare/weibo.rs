//! Weibo input → [`Message`]: one status or comment (a single-item page, as
//! `split_page` makes them) or one push of Weibo's push service.
//!
//! The native id is the item's own `status:<id>` or `comment:<id>` (the
//! `id`, never the `mid`, which differs for comments), for both routes, so a
//! pushed mention and the same item polled later are one message. The text
//! is the author's own words; the repost chain, the quoted original and the
//! markup go to [`SocialParts`], which also says where a reply must go.

use std::sync::LazyLock;

use chrono::{DateTime, Utc};
use regex::Regex;
use serde_json::Value;
use unicode_normalization::UnicodeNormalization;

use super::{Ready, Refused, finish};
use crate::connectors::weibo::item::MAX_BODY_BYTES;
use crate::connectors::weibo::page::{array_key, item_id};
use crate::connectors::weibo::{
    ItemKind, PushKind, WeiboItem, WeiboText, parse_page, parse_push, split_page, split_text,
};
use crate::model::{
    Attachment, Author, Channel, ConnectorId, Details, MailKind, Message, MessageId, QuotedPost,
    RepostLayer, SocialParts, ThreadRefs,
};
use crate::rules::RuleSet;

/// What Weibo shows, and the API returns, for a deleted original.
const DELETED_TEXT: &str = "此微博已被原作者删除。";

/// The prefix Weibo puts before a reply to a comment (`回复@name:`); the
/// colon is ASCII after NFKC whichever one the client sent.
static REPLY_PREFIX: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^回复@[\p{L}\p{N}_-]{1,30}:\s*").expect("static regex"));

/// Picture size segments of sinaimg.cn URLs; `large` is the original.
const SIZE_SEGMENTS: [&str; 7] = [
    "/thumbnail/",
    "/thumb150/",
    "/thumb180/",
    "/bmiddle/",
    "/orj360/",
    "/mw690/",
    "/mw2000/",
];

/// Normalizes one Weibo input and evaluates the rules on it.
pub(super) fn prepare_weibo(
    connector: &ConnectorId,
    raw: &[u8],
    received_at: DateTime<Utc>,
    rules: &RuleSet,
) -> Result<Ready, Refused> {
    let mut ready = prepare_any(connector, raw, received_at, rules)?;
    ready.message.raw_size = raw.len() as u64;
    Ok(ready)
}

/// Tells a single-item page from a push and prepares either.
fn prepare_any(
    connector: &ConnectorId,
    raw: &[u8],
    received_at: DateTime<Utc>,
    rules: &RuleSet,
) -> Result<Ready, Refused> {
    let body = raw.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(raw);
    if body.trim_ascii_start().starts_with(b"<") {
        return prepare_push(connector, raw, received_at, rules);
    }
    if body.len() > MAX_BODY_BYTES {
        return Err(refused(format!(
            "the body is {} bytes, over the {MAX_BODY_BYTES}-byte limit",
            body.len()
        )));
    }
    let value: Value =
        serde_json::from_slice(body).map_err(|e| refused(format!("malformed Weibo JSON: {e}")))?;
    let is_page = ["statuses", "comments", "error", "error_code"]
        .iter()
        .any(|key| value.get(key).is_some());
    if is_page {
        prepare_item(connector, body, &value, received_at, rules)
    } else if value.get("type").is_some() {
        prepare_push(connector, raw, received_at, rules)
    } else {
        Err(refused(
            "neither a statuses or comments page nor a push (no statuses, comments or type key)",
        ))
    }
}

/// A single-item page → a message.
fn prepare_item(
    connector: &ConnectorId,
    body: &[u8],
    value: &Value,
    received_at: DateTime<Utc>,
    rules: &RuleSet,
) -> Result<Ready, Refused> {
    let page = split_page(body).map_err(|e| refused(e.to_string()))?;
    if page.items.len() != 1 {
        return Err(refused(format!(
            "a Weibo input holds exactly one status or comment; this page holds {} \
             (split it with `omnilisten ingest`)",
            page.items.len()
        )));
    }
    let item = parse_page(body)
        .map_err(|e| refused(e.to_string()))?
        .pop()
        .ok_or_else(|| refused("the page holds no item"))?;
    let element = value
        .get(array_key(item.kind))
        .and_then(|items| items.get(0))
        .unwrap_or(&Value::Null);
    let message = item_message(connector, item, element, received_at);
    Ok(finish(message, Vec::new(), rules))
}

/// The message of a parsed item; `element` is its JSON, for what
/// [`WeiboItem`] does not carry (picture URLs, the ids replies go to).
fn item_message(
    connector: &ConnectorId,
    item: WeiboItem,
    element: &Value,
    received_at: DateTime<Utc>,
) -> Message {
    let full = normalize(element.get("text").and_then(Value::as_str).unwrap_or(""));
    let (status_id, reply_to_comment, quoted, attachments) = match item.kind {
        ItemKind::Status => (
            Some(item.id.to_string()),
            None,
            element.get("retweeted_status").and_then(quoted_post),
            pictures(element),
        ),
        ItemKind::Comment => (
            element
                .get("status")
                .and_then(item_id)
                .map(|id| id.to_string()),
            element
                .get("reply_comment")
                .and_then(item_id)
                .map(|id| id.to_string()),
            element.get("status").and_then(quoted_post),
            Vec::new(),
        ),
    };
    let in_reply_to = match (&reply_to_comment, &status_id, item.kind) {
        (Some(comment), _, ItemKind::Comment) => vec![format!("comment:{comment}")],
        (None, Some(status), ItemKind::Comment) => vec![format!("status:{status}")],
        _ => Vec::new(),
    };
    let kind_name = kind_name(item.kind);
    let native_id = format!("{kind_name}:{}", item.id);
    let is_comment = item.kind == ItemKind::Comment;
    let mut message = base_message(
        connector,
        native_id,
        kind_name,
        (item.text, full, is_comment),
        received_at,
    );
    message.author = Author {
        id: item.author_id.to_string(),
        name: Some(item.author_name).filter(|name| !name.is_empty()),
        address: None,
    };
    message.attachments = attachments;
    message.thread.in_reply_to = in_reply_to;
    message.sent_at = Some(item.created_at);
    if let Some(social) = &mut message.social {
        social.quoted = quoted;
        social.status_id = status_id;
        social.reply_to_comment = reply_to_comment;
    }
    message
}

/// A push → a message; only mentions and XML texts are messages.
fn prepare_push(
    connector: &ConnectorId,
    raw: &[u8],
    received_at: DateTime<Utc>,
    rules: &RuleSet,
) -> Result<Ready, Refused> {
    let push = parse_push(raw).map_err(|e| refused(e.to_string()))?;
    let (kind_name, status_id) = match &push.kind {
        PushKind::Mention { subtype, key } => (
            kind_name(*subtype),
            (*subtype == ItemKind::Status).then(|| key.to_string()),
        ),
        PushKind::Text { .. } => ("push", None),
        PushKind::Other(kind) => {
            return Err(refused(format!("not a mention push (type {kind})")));
        }
    };
    let is_comment = matches!(
        push.kind,
        PushKind::Mention {
            subtype: ItemKind::Comment,
            ..
        }
    );
    let words = (split_text(&push.text), normalize(&push.text), is_comment);
    let mut message = base_message(connector, push.native_id(), kind_name, words, received_at);
    message.author.id = push.sender_id;
    message.sent_at = Some(push.created_at);
    if let Some(social) = &mut message.social {
        social.status_id = status_id;
    }
    Ok(finish(message, Vec::new(), rules))
}

/// `status` or `comment`, as native ids and rules name them.
fn kind_name(kind: ItemKind) -> &'static str {
    match kind {
        ItemKind::Status => "status",
        ItemKind::Comment => "comment",
    }
}

/// The text taken apart, the whole normalized text, and whether it is a
/// comment (whose leading `回复@name:` is Weibo's addressing, not words).
type Words = (WeiboText, String, bool);

/// What every Weibo message shares: ids, words and markup.
fn base_message(
    connector: &ConnectorId,
    native_id: String,
    kind_name: &str,
    (split, full, is_comment): Words,
    received_at: DateTime<Utc>,
) -> Message {
    let text = if is_comment {
        REPLY_PREFIX.replace(&split.own, "").into_owned()
    } else {
        split.own
    };
    let full_text = (full != text).then_some(full);
    let social = SocialParts {
        mentions: split.mentions,
        hashtags: split.hashtags,
        links: split.links,
        emoticons: split.emoticons,
        repost_chain: split
            .repost_chain
            .into_iter()
            .map(|(user, text)| RepostLayer { user, text })
            .collect(),
        ..SocialParts::default()
    };
    Message {
        id: MessageId::new(),
        channel: Channel::Weibo,
        connector: connector.clone(),
        native_id,
        author: Author::default(),
        subject: None,
        text,
        full_text,
        attachments: Vec::new(),
        thread: ThreadRefs::default(),
        sent_at: None,
        received_at,
        mail_kind: MailKind::Human,
        details: Details::default(),
        near_duplicate_of: None,
        ticket: None,
        incident: None,
        raw_size: 0,
        item_kind: Some(kind_name.to_string()),
        instant_reply: None,
        social: Some(social),
    }
}

/// A status shown inside another item; a deleted one keeps Weibo's notice
/// as its text, so an agent sees why the original is missing.
fn quoted_post(post: &Value) -> Option<QuotedPost> {
    if !post.is_object() {
        return None;
    }
    let deleted = matches!(post.get("deleted"), Some(Value::String(s)) if s == "1")
        || matches!(post.get("deleted"), Some(Value::Number(n)) if n.as_i64() == Some(1))
        || matches!(post.get("deleted"), Some(Value::Bool(true)));
    let text = normalize(post.get("text").and_then(Value::as_str).unwrap_or(""));
    Some(QuotedPost {
        id: item_id(post).map(|id| id.to_string()),
        author: post
            .pointer("/user/screen_name")
            .and_then(Value::as_str)
            .filter(|name| !name.is_empty())
            .map(str::to_string),
        text: if deleted && text.is_empty() {
            DELETED_TEXT.to_string()
        } else {
            text
        },
    })
}

/// One attachment per picture, kept at Weibo: `pic_urls` thumbnails at
/// their `large` size (the first one from `original_pic` when given), else
/// `pic_ids`, else a lone `original_pic` (payloads without `pic_urls`).
fn pictures(status: &Value) -> Vec<Attachment> {
    let original = status
        .get("original_pic")
        .and_then(Value::as_str)
        .filter(|url| !url.is_empty());
    let thumbnails: Vec<&str> = status
        .get("pic_urls")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|p| p.get("thumbnail_pic").and_then(Value::as_str))
        .filter(|url| !url.is_empty())
        .collect();
    let urls: Vec<String> = if !thumbnails.is_empty() {
        thumbnails
            .iter()
            .enumerate()
            .map(|(n, thumb)| match (n, original) {
                (0, Some(original)) => original.to_string(),
                _ => large(thumb),
            })
            .collect()
    } else {
        let ids: Vec<String> = status
            .get("pic_ids")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .filter(|id| !id.is_empty() && id.chars().all(|c| c.is_ascii_alphanumeric()))
            // The URL every Weibo client builds from a picture id.
            .map(|id| format!("https://wx1.sinaimg.cn/large/{id}.jpg"))
            .collect();
        if ids.is_empty() {
            original.map(str::to_string).into_iter().collect()
        } else {
            ids
        }
    };
    urls.into_iter().map(picture).collect()
}

/// A thumbnail URL at the original size.
fn large(thumb: &str) -> String {
    SIZE_SEGMENTS
        .iter()
        .find(|segment| thumb.contains(*segment))
        .map_or_else(
            || thumb.to_string(),
            |segment| thumb.replacen(segment, "/large/", 1),
        )
}

/// A picture referenced by URL: not stored, so no size or hash.
fn picture(url: String) -> Attachment {
    let path = url.split(['?', '#']).next().unwrap_or("");
    let name = path.rsplit('/').next().unwrap_or("").to_string();
    let extension = name
        .rsplit_once('.')
        .map(|(_, ext)| ext.to_ascii_lowercase())
        .unwrap_or_default();
    let mime_type = match extension.as_str() {
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "png" => "image/png",
        _ => "application/octet-stream",
    };
    Attachment {
        name: Some(name).filter(|n| !n.is_empty()),
        mime_type: mime_type.to_string(),
        size: 0,
        content_hash: String::new(),
        stored: false,
        missing: None,
        url: Some(url),
    }
}

/// The whole text as `split_text` sees it: NFKC, trimmed, without the
/// zero-width characters Weibo appends.
fn normalize(raw: &str) -> String {
    let text: String = raw.nfkc().collect();
    text.trim_matches(|c: char| {
        c.is_whitespace()
            || matches!(
                c,
                '\u{200B}' | '\u{200C}' | '\u{200D}' | '\u{2060}' | '\u{FEFF}'
            )
    })
    .to_string()
}

fn refused(reason: impl Into<String>) -> Refused {
    Refused {
        reason: reason.into(),
    }
}

#[cfg(test)]
mod tests;
