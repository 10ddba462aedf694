//! A statuses or comments page → one single-item page per element.
//!
//! The pipeline takes one item per envelope, so that one bad status is
//! quarantined on its own instead of sinking the 199 good ones next to it.
//! Nothing here judges an item: an element without a readable id, or one
//! that is not even an object, is still returned, and `prepare` refuses it
//! with its reason. Only the page as a whole can fail: an error body, a body
//! over the size limit, or something that is not a page at all.
//!
//! Each element is re-serialized from a `serde_json::Value` (serde_json's
//! `raw_value` feature, which would keep its bytes verbatim, is not
//! enabled): the content is the same, the key order is not.

use serde::Deserialize;
use serde_json::Value;

use super::WeiboError;
use super::item::{ItemKind, MAX_BODY_BYTES};

/// A page taken apart into its items.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Page {
    /// The items in the order Weibo sent them (newest first), statuses before comments.
    pub items: Vec<RawItem>,
    /// `total_number`: how many items match in all, when the page says.
    pub total_number: Option<u64>,
    /// `next_cursor`, an opaque hint; paging is driven by `max_id`.
    pub next_cursor: Option<i64>,
}

/// One element of a page, wrapped as a page of its own.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawItem {
    /// Status or comment, by the array it came from.
    pub kind: ItemKind,
    /// Its `id` (or `idstr`), None when neither can be read.
    pub id: Option<i64>,
    /// `{"statuses":[element]}` or `{"comments":[element]}`.
    pub raw: Vec<u8>,
}

/// Any body a statuses or comments endpoint may answer with. `null` reads
/// as absent everywhere.
#[derive(Debug, Default, Deserialize)]
struct Body {
    statuses: Option<Vec<Value>>,
    comments: Option<Vec<Value>>,
    error: Option<Value>,
    error_code: Option<Value>,
    total_number: Option<Value>,
    next_cursor: Option<Value>,
}

/// Splits a statuses or comments page into single-item pages. An error body
/// is [`WeiboError::Api`] whatever the HTTP status was, because Weibo also
/// sends them with 200. Never panics.
pub fn split_page(body: &[u8]) -> Result<Page, WeiboError> {
    if body.len() > MAX_BODY_BYTES {
        return Err(WeiboError::TooLarge { len: body.len() });
    }
    // A page saved by a Windows editor may start with a BOM.
    let body = body.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(body);
    let parsed: Body =
        serde_json::from_slice(body).map_err(|e| WeiboError::Malformed(e.to_string()))?;
    if parsed.error.is_some() || parsed.error_code.is_some() {
        return Err(api_error(parsed.error.as_ref(), parsed.error_code.as_ref()));
    }
    if parsed.statuses.is_none() && parsed.comments.is_none() {
        return Err(WeiboError::Malformed(
            "neither statuses nor comments in the body".to_string(),
        ));
    }
    let statuses = parsed.statuses.unwrap_or_default();
    let comments = parsed.comments.unwrap_or_default();
    let mut items = Vec::with_capacity(statuses.len() + comments.len());
    for (kind, elements) in [(ItemKind::Status, statuses), (ItemKind::Comment, comments)] {
        for element in elements {
            items.push(wrap(kind, element)?);
        }
    }
    Ok(Page {
        items,
        total_number: parsed.total_number.as_ref().and_then(lenient_u64),
        next_cursor: parsed.next_cursor.as_ref().and_then(lenient_i64),
    })
}

/// The key of the array holding items of `kind`.
pub fn array_key(kind: ItemKind) -> &'static str {
    match kind {
        ItemKind::Status => "statuses",
        ItemKind::Comment => "comments",
    }
}

/// An element as a page of its own.
fn wrap(kind: ItemKind, element: Value) -> Result<RawItem, WeiboError> {
    let id = item_id(&element);
    let mut page = serde_json::Map::with_capacity(1);
    page.insert(array_key(kind).to_string(), Value::Array(vec![element]));
    // Serializing a Value into memory only fails on a map with non-string
    // keys, which a parsed Value cannot hold; still, no panic.
    let raw = serde_json::to_vec(&Value::Object(page))
        .map_err(|e| WeiboError::Malformed(e.to_string()))?;
    Ok(RawItem { kind, id, raw })
}

/// `id` as an int or a string of digits, else `idstr`.
pub fn item_id(element: &Value) -> Option<i64> {
    element
        .get("id")
        .and_then(lenient_i64)
        .or_else(|| element.get("idstr").and_then(lenient_i64))
}

/// An error body as [`WeiboError::Api`]; Malformed when `error_code` is
/// missing or not a number, since the code is what callers classify by.
fn api_error(error: Option<&Value>, code: Option<&Value>) -> WeiboError {
    let message = match error {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Null) | None => String::new(),
        Some(other) => other.to_string(),
    };
    match code.and_then(lenient_i64) {
        Some(code) => WeiboError::Api { code, message },
        None => WeiboError::Malformed(format!(
            "error body without a numeric error_code: {message}"
        )),
    }
}

/// A JSON int, or a string holding one (Weibo sends both).
pub fn lenient_i64(value: &Value) -> Option<i64> {
    match value {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// A JSON non-negative int, or a string holding one.
fn lenient_u64(value: &Value) -> Option<u64> {
    match value {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

#[cfg(test)]
mod tests;
