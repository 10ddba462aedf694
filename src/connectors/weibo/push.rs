//! Weibo's 消息推送服务: one pushed message → [`PushMessage`].
//!
//! A 蓝V account granted the "被@消息" permission gets a POST per @-mention,
//! as JSON (`{"type":"mention", "sender_id", "created_at", "text", "data":
//! {"subtype":"status"|"comment", "key":id}}`) or, when the app switched
//! with `Eps/push/set_format`, in WeChat's flat XML (`ToUserName`,
//! `FromUserName`, `CreateTime`, `MsgType`, `Content`, `MsgId`) — research
//! §2 "Push alternative". Ids come as ints or strings. Weibo says unknown
//! types and subtypes must be ignored, so they parse as [`PushKind::Other`]
//! rather than fail: the receiver answers success and stores nothing.
//!
//! Hostile input: bodies over [`MAX_PUSH_BYTES`] are refused before
//! parsing, DTDs (and with them entity declarations, XXE) are refused, and
//! only XML's five predefined entities and character references expand.

use chrono::{DateTime, Utc};
use quick_xml::Reader;
use quick_xml::events::{BytesRef, Event as XmlEvent};
use serde::Deserialize;
use serde_json::Value;

use super::WeiboError;
use super::item::ItemKind;
use super::page::lenient_i64;
use super::text::parse_created_at;

/// The largest push accepted; a push holds one post of at most a few KiB.
pub const MAX_PUSH_BYTES: usize = 64 * 1024;

/// One pushed message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PushMessage {
    /// What was pushed.
    pub kind: PushKind,
    /// The uid of whoever wrote it (`sender_id`, XML `FromUserName`).
    pub sender_id: String,
    /// When it was written, in UTC.
    pub created_at: DateTime<Utc>,
    /// The text of the status or comment, as sent.
    pub text: String,
}

/// What kind of push it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PushKind {
    /// `type: mention`: a status or comment @-mentioning the account.
    Mention {
        /// Whether a status or a comment mentions us.
        subtype: ItemKind,
        /// Its id (`data.key`), the same one the API returns when polled.
        key: i64,
    },
    /// A WeChat-format XML `text` push: words, but no subtype or item id.
    Text {
        /// `MsgId`, when present.
        msg_id: Option<i64>,
    },
    /// Any other type or subtype, named as sent (`text`, `mention/album`):
    /// to be answered and ignored.
    Other(String),
}

impl PushMessage {
    /// The id a message made of this push is stored under. A mention uses
    /// the item's own `status:<id>` / `comment:<id>`, so that the push and
    /// the same item polled later are one message; an XML push, which names
    /// no item, uses `push:msg:<MsgId>`, else `push:<sender>:<CreateTime>`
    /// (the dedup key Weibo recommends for its retries).
    pub fn native_id(&self) -> String {
        match &self.kind {
            PushKind::Mention {
                subtype: ItemKind::Status,
                key,
            } => format!("status:{key}"),
            PushKind::Mention {
                subtype: ItemKind::Comment,
                key,
            } => format!("comment:{key}"),
            PushKind::Text {
                msg_id: Some(msg_id),
            } => format!("push:msg:{msg_id}"),
            PushKind::Text { msg_id: None } | PushKind::Other(_) => {
                format!("push:{}:{}", self.sender_id, self.created_at.timestamp())
            }
        }
    }
}

/// Parses a push body, JSON or XML, told apart by its first byte.
pub fn parse_push(body: &[u8]) -> Result<PushMessage, WeiboError> {
    if body.len() > MAX_PUSH_BYTES {
        return Err(WeiboError::Malformed(format!(
            "the push is {} bytes, over the {MAX_PUSH_BYTES}-byte limit",
            body.len()
        )));
    }
    let body = body.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(body);
    match body.trim_ascii_start().first() {
        Some(b'{') => parse_json(body),
        Some(b'<') => parse_xml(body),
        _ => Err(WeiboError::Malformed(
            "a push is a JSON object or an <xml> document".to_string(),
        )),
    }
}

/// The JSON push; `receiver_id`/`recipient_id` (us) are not needed.
#[derive(Debug, Deserialize)]
struct JsonPush {
    #[serde(rename = "type")]
    kind: Option<String>,
    sender_id: Option<Value>,
    created_at: Option<String>,
    text: Option<String>,
    /// Only read for mentions: other types put other things here.
    data: Option<Value>,
}

fn parse_json(body: &[u8]) -> Result<PushMessage, WeiboError> {
    let push: JsonPush =
        serde_json::from_slice(body).map_err(|e| WeiboError::Malformed(e.to_string()))?;
    let kind_name = push.kind.ok_or(WeiboError::MissingField("type"))?;
    let sender_id = match push.sender_id {
        Some(Value::Number(n)) => n.to_string(),
        Some(Value::String(s)) if !s.trim().is_empty() => s.trim().to_string(),
        Some(other) if !other.is_null() => {
            return Err(WeiboError::InvalidField {
                field: "sender_id",
                value: other.to_string(),
            });
        }
        _ => return Err(WeiboError::MissingField("sender_id")),
    };
    let created_at = parse_created_at(
        push.created_at
            .as_deref()
            .ok_or(WeiboError::MissingField("created_at"))?,
    )?;
    let kind = if kind_name == "mention" {
        mention(push.data.as_ref())?
    } else {
        PushKind::Other(kind_name)
    };
    Ok(PushMessage {
        kind,
        sender_id,
        created_at,
        text: push.text.unwrap_or_default(),
    })
}

/// `data` of a mention: a known subtype needs a readable key.
fn mention(data: Option<&Value>) -> Result<PushKind, WeiboError> {
    let subtype = data
        .and_then(|d| d.get("subtype"))
        .and_then(Value::as_str)
        .ok_or(WeiboError::MissingField("data.subtype"))?;
    let subtype = match subtype {
        "status" => ItemKind::Status,
        "comment" => ItemKind::Comment,
        other => return Ok(PushKind::Other(format!("mention/{other}"))),
    };
    let key = data
        .and_then(|d| d.get("key"))
        .ok_or(WeiboError::MissingField("data.key"))?;
    let key = lenient_i64(key).ok_or_else(|| WeiboError::InvalidField {
        field: "data.key",
        value: key.to_string(),
    })?;
    Ok(PushKind::Mention { subtype, key })
}

fn parse_xml(body: &[u8]) -> Result<PushMessage, WeiboError> {
    let xml = std::str::from_utf8(body)
        .map_err(|_| WeiboError::Malformed("the push is not UTF-8".to_string()))?;
    let fields = read_fields(xml)?;
    let get = |name: &str| {
        fields
            .iter()
            .find(|(field, _)| field == name)
            .map(|(_, value)| value.trim())
    };
    let sender_id = get("FromUserName")
        .filter(|s| !s.is_empty())
        .ok_or(WeiboError::MissingField("FromUserName"))?;
    let create_time = get("CreateTime").ok_or(WeiboError::MissingField("CreateTime"))?;
    let created_at = create_time
        .parse()
        .ok()
        .and_then(|secs| DateTime::from_timestamp(secs, 0))
        .ok_or_else(|| WeiboError::InvalidField {
            field: "CreateTime",
            value: create_time.to_string(),
        })?;
    let msg_type = get("MsgType").ok_or(WeiboError::MissingField("MsgType"))?;
    let kind = if msg_type.eq_ignore_ascii_case("text") {
        let msg_id = match get("MsgId").filter(|s| !s.is_empty()) {
            None => None,
            Some(id) => Some(id.parse().map_err(|_| WeiboError::InvalidField {
                field: "MsgId",
                value: id.to_string(),
            })?),
        };
        PushKind::Text { msg_id }
    } else {
        PushKind::Other(msg_type.to_ascii_lowercase())
    };
    // Indentation around a CDATA section is layout, not words.
    let text = get("Content").unwrap_or_default().to_string();
    Ok(PushMessage {
        kind,
        sender_id: sender_id.to_string(),
        created_at,
        text,
    })
}

/// The flat `<xml><Field>value</Field>…</xml>` shape as (name, text) pairs.
/// Elements nested inside a field are skipped; a field given twice is
/// refused, so that no two readers can disagree on which one counts.
fn read_fields(xml: &str) -> Result<Vec<(String, String)>, WeiboError> {
    let malformed = |what: String| WeiboError::Malformed(format!("malformed XML: {what}"));
    let mut reader = Reader::from_str(xml);
    let mut fields: Vec<(String, String)> = Vec::new();
    let mut depth = 0usize;
    let mut roots = 0usize;
    // The depth-2 element being read: name, text, and whether it nests.
    let mut current: Option<(String, String, bool)> = None;
    loop {
        let event = reader.read_event().map_err(|e| malformed(e.to_string()))?;
        match event {
            XmlEvent::Eof => break,
            XmlEvent::DocType(_) => {
                return Err(WeiboError::Malformed(
                    "DOCTYPE and entity declarations are refused".to_string(),
                ));
            }
            XmlEvent::Start(start) => {
                depth += 1;
                match depth {
                    1 => roots += 1,
                    2 => {
                        current = Some((element_name(start.name().as_ref()), String::new(), false))
                    }
                    _ => {
                        if let Some((_, _, nested)) = &mut current {
                            *nested = true;
                        }
                    }
                }
            }
            XmlEvent::Empty(start) => match depth {
                0 => roots += 1,
                1 => add_field(
                    &mut fields,
                    element_name(start.name().as_ref()),
                    String::new(),
                )?,
                _ => {}
            },
            XmlEvent::End(_) => {
                if depth == 2
                    && let Some((name, value, nested)) = current.take()
                    && !nested
                {
                    add_field(&mut fields, name, value)?;
                }
                depth = depth.saturating_sub(1);
            }
            XmlEvent::Text(text) => {
                let text = text.xml10_content();
                if depth == 2 {
                    push_text(&mut current, &text);
                } else if depth < 2 && !text.trim().is_empty() {
                    return Err(malformed("text outside a field".to_string()));
                }
            }
            XmlEvent::CData(cdata) => push_text(&mut current, &cdata.xml10_content()),
            XmlEvent::GeneralRef(reference) => {
                let ch = resolve_reference(&reference)?;
                push_text(&mut current, ch.encode_utf8(&mut [0; 4]));
            }
            XmlEvent::Decl(_) | XmlEvent::PI(_) | XmlEvent::Comment(_) => {}
        }
    }
    if roots != 1 || depth != 0 {
        return Err(malformed(format!(
            "{roots} root elements, {depth} left open"
        )));
    }
    Ok(fields)
}

fn element_name(name: &str) -> String {
    name.to_owned()
}

fn push_text(current: &mut Option<(String, String, bool)>, text: &str) {
    if let Some((_, value, _)) = current {
        value.push_str(text);
    }
}

fn add_field(
    fields: &mut Vec<(String, String)>,
    name: String,
    value: String,
) -> Result<(), WeiboError> {
    if fields.iter().any(|(field, _)| *field == name) {
        return Err(WeiboError::Malformed(format!(
            "the field <{name}> appears more than once"
        )));
    }
    fields.push((name, value));
    Ok(())
}

/// Character references and the five predefined entities; nothing else,
/// since no DTD can declare more.
fn resolve_reference(reference: &BytesRef<'_>) -> Result<char, WeiboError> {
    let name = reference.xml10_content();
    let unknown = || WeiboError::Malformed(format!("undeclared entity reference &{name};"));
    if reference.is_char_ref() {
        return match reference.resolve_char_ref() {
            Ok(Some(ch)) => Ok(ch),
            _ => Err(unknown()),
        };
    }
    match name.as_ref() {
        "lt" => Ok('<'),
        "gt" => Ok('>'),
        "amp" => Ok('&'),
        "apos" => Ok('\''),
        "quot" => Ok('"'),
        _ => Err(unknown()),
    }
}

#[cfg(test)]
mod tests;
