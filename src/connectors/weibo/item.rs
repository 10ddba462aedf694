//! Statuses and comments pages → [`WeiboItem`]s, and API error bodies.
//!
//! Weibo's JSON is parsed leniently: unknown keys are ignored (2018 payloads
//! carry dozens of undocumented ones), `id` and `error_code` are accepted as
//! int or string (both occur live), and `null` counts as absent. Only what an
//! item cannot do without (id, `created_at`, author) is required, and only at
//! the top level: a deleted `retweeted_status` comes back as a stub.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer};

use super::WeiboError;
use super::text::{WeiboText, parse_created_at, split_text};

/// The largest page accepted; a full page of 200 statuses is well under 1 MiB.
pub const MAX_BODY_BYTES: usize = 8 * 1024 * 1024;

/// An int that Weibo may also send as a string of digits.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(untagged)]
pub enum IntOrString {
    /// Sent as a JSON number.
    Int(i64),
    /// Sent as a JSON string.
    Str(String),
}

impl IntOrString {
    /// The value as i64, None when the string is not a number.
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            IntOrString::Int(n) => Some(*n),
            IntOrString::Str(s) => s.trim().parse().ok(),
        }
    }
}

/// A post's author, as embedded in statuses and comments.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct User {
    /// Uid.
    pub id: Option<IntOrString>,
    /// Uid as a string.
    pub idstr: Option<String>,
    /// Display name.
    #[serde(default, deserialize_with = "nullable")]
    pub screen_name: String,
}

/// One entry of `pic_urls`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct Picture {
    /// Thumbnail URL.
    #[serde(default, deserialize_with = "nullable")]
    pub thumbnail_pic: String,
}

/// A status (微博) as the v2 API returns it; only the fields we use.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct Status {
    /// Status id.
    pub id: Option<IntOrString>,
    /// MID; equals `idstr` for statuses.
    pub mid: Option<String>,
    /// Status id as a string.
    pub idstr: Option<String>,
    /// `Tue May 31 17:46:55 +0800 2011`.
    pub created_at: Option<String>,
    /// The text, markup included.
    #[serde(default, deserialize_with = "nullable")]
    pub text: String,
    /// The author.
    pub user: Option<User>,
    /// The root original when this is a repost.
    pub retweeted_status: Option<Box<Status>>,
    /// One entry per picture.
    #[serde(default, deserialize_with = "nullable")]
    pub pic_urls: Vec<Picture>,
    /// Picture ids, where `pic_urls` is not given.
    #[serde(default, deserialize_with = "nullable")]
    pub pic_ids: Vec<String>,
}

/// A comment as the v2 API returns it; only the fields we use.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct Comment {
    /// Comment id.
    pub id: Option<IntOrString>,
    /// MID; differs from `id` for comments.
    pub mid: Option<String>,
    /// Comment id as a string.
    pub idstr: Option<String>,
    /// `Tue May 31 17:46:55 +0800 2011`.
    pub created_at: Option<String>,
    /// The text; replies start `回复@name:`.
    #[serde(default, deserialize_with = "nullable")]
    pub text: String,
    /// The author.
    pub user: Option<User>,
    /// The status commented on.
    pub status: Option<Box<Status>>,
    /// The comment replied to, present only for replies.
    pub reply_comment: Option<Box<Comment>>,
}

/// Any body a timeline or comments endpoint may answer with.
#[derive(Debug, Default, Deserialize)]
struct Body {
    statuses: Option<Vec<Status>>,
    comments: Option<Vec<Comment>>,
    error: Option<String>,
    error_code: Option<IntOrString>,
}

/// Whether an item is a status or a comment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ItemKind {
    /// A status (微博): an original post or a repost.
    Status,
    /// A comment on a status.
    Comment,
}

/// One status or comment, ready to become a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WeiboItem {
    /// Status or comment.
    pub kind: ItemKind,
    /// The status or comment id.
    pub id: i64,
    /// When it was posted, in UTC.
    pub created_at: DateTime<Utc>,
    /// The author's uid.
    pub author_id: i64,
    /// The author's screen name.
    pub author_name: String,
    /// The text taken apart.
    pub text: WeiboText,
    /// The text of the reposted status or of the status commented on.
    pub quoted: Option<String>,
    /// Thumbnail URLs, or bare picture ids when only `pic_ids` was given.
    pub pictures: Vec<String>,
    /// For a comment: the comment it replies to, else the status it is on
    /// (Weibo ids share one space). None for a status.
    pub in_reply_to: Option<i64>,
}

/// Parses a statuses page (`{"statuses":[…]}`) or a comments page
/// (`{"comments":[…]}`) into items, newest first as Weibo sends them. An
/// error body becomes [`WeiboError::Api`] whatever the HTTP status was,
/// because Weibo also sends them with 200.
pub fn parse_page(body: &[u8]) -> Result<Vec<WeiboItem>, WeiboError> {
    if body.len() > MAX_BODY_BYTES {
        return Err(WeiboError::TooLarge { len: body.len() });
    }
    let body: Body =
        serde_json::from_slice(body).map_err(|e| WeiboError::Malformed(e.to_string()))?;
    if body.error.is_some() || body.error_code.is_some() {
        let message = body.error.unwrap_or_default();
        return match body.error_code.as_ref().and_then(IntOrString::as_i64) {
            Some(code) => Err(WeiboError::Api { code, message }),
            None => Err(WeiboError::Malformed(format!(
                "error body without a numeric error_code: {message}"
            ))),
        };
    }
    match (body.statuses, body.comments) {
        (None, None) => Err(WeiboError::Malformed(
            "neither statuses nor comments in the body".to_string(),
        )),
        (statuses, comments) => {
            let statuses = statuses.unwrap_or_default().into_iter().map(status_item);
            let comments = comments.unwrap_or_default().into_iter().map(comment_item);
            statuses.chain(comments).collect()
        }
    }
}

/// A status as an item.
fn status_item(s: Status) -> Result<WeiboItem, WeiboError> {
    let (author_id, author_name) = author(s.user.as_ref())?;
    Ok(WeiboItem {
        kind: ItemKind::Status,
        id: item_id(s.id.as_ref(), s.idstr.as_deref(), "id")?,
        created_at: parse_created_at(
            s.created_at
                .as_deref()
                .ok_or(WeiboError::MissingField("created_at"))?,
        )?,
        author_id,
        author_name,
        text: split_text(&s.text),
        quoted: s.retweeted_status.as_ref().map(|r| r.text.clone()),
        pictures: if s.pic_urls.is_empty() {
            s.pic_ids
        } else {
            s.pic_urls.into_iter().map(|p| p.thumbnail_pic).collect()
        },
        in_reply_to: None,
    })
}

/// A comment as an item.
fn comment_item(c: Comment) -> Result<WeiboItem, WeiboError> {
    let (author_id, author_name) = author(c.user.as_ref())?;
    let in_reply_to = match (&c.reply_comment, &c.status) {
        (Some(r), _) => Some(item_id(
            r.id.as_ref(),
            r.idstr.as_deref(),
            "reply_comment.id",
        )?),
        (None, Some(s)) => Some(item_id(s.id.as_ref(), s.idstr.as_deref(), "status.id")?),
        (None, None) => None,
    };
    Ok(WeiboItem {
        kind: ItemKind::Comment,
        id: item_id(c.id.as_ref(), c.idstr.as_deref(), "id")?,
        created_at: parse_created_at(
            c.created_at
                .as_deref()
                .ok_or(WeiboError::MissingField("created_at"))?,
        )?,
        author_id,
        author_name,
        text: split_text(&c.text),
        quoted: c.status.as_ref().map(|s| s.text.clone()),
        pictures: Vec::new(),
        in_reply_to,
    })
}

/// The id from `id`, else from `idstr`.
fn item_id(
    id: Option<&IntOrString>,
    idstr: Option<&str>,
    field: &'static str,
) -> Result<i64, WeiboError> {
    match (id, idstr) {
        (Some(id), _) => id.as_i64().ok_or_else(|| WeiboError::InvalidField {
            field,
            value: match id {
                IntOrString::Int(n) => n.to_string(),
                IntOrString::Str(s) => s.clone(),
            },
        }),
        (None, Some(s)) => s.trim().parse().map_err(|_| WeiboError::InvalidField {
            field,
            value: s.to_string(),
        }),
        (None, None) => Err(WeiboError::MissingField(field)),
    }
}

/// The author's uid and screen name.
fn author(user: Option<&User>) -> Result<(i64, String), WeiboError> {
    let user = user.ok_or(WeiboError::MissingField("user"))?;
    let id = item_id(user.id.as_ref(), user.idstr.as_deref(), "user.id")?;
    Ok((id, user.screen_name.clone()))
}

/// Reads `null` as the type's default, as Weibo sends `null` for empty fields.
fn nullable<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

#[cfg(test)]
mod tests;
