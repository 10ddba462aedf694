//! The Weibo item parsing core: pure functions and types, no I/O. The poller
//! (mentions, comments to me) builds on these.
//!
//! | file | does |
//! | --- | --- |
//! | `text.rs` | `created_at` → UTC; post text → own words, mentions, hashtags, links, emoticons, repost chain |
//! | `item.rs` | statuses and comments pages (and API error bodies) → [`item::WeiboItem`] |
//! | `page.rs` | a page → one single-item page per status or comment, for the pipeline |
//! | `push.rs` | a 消息推送服务 push (JSON or WeChat-format XML) → [`push::PushMessage`] |
//!
//! The API shapes, their sources and their traps are in `research/weibo.md`.

pub mod api;
pub mod budget;
pub mod endpoint;
pub mod item;
pub mod page;
pub mod poll;
pub mod push;
pub mod text;

pub use item::{ItemKind, WeiboItem, parse_page};
pub use page::{Page, RawItem, split_page};
pub use push::{PushKind, PushMessage, parse_push};
pub use text::{WeiboText, parse_created_at, split_text};

/// Why a Weibo response could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WeiboError {
    /// The body is over [`item::MAX_BODY_BYTES`].
    #[error(
        "the body is {len} bytes, over the {}-byte limit",
        item::MAX_BODY_BYTES
    )]
    TooLarge {
        /// Body length in bytes.
        len: usize,
    },
    /// Not JSON, or not the shape of any page Weibo sends.
    #[error("malformed response: {0}")]
    Malformed(String),
    /// A `created_at` not in the `Tue May 31 17:46:55 +0800 2011` form.
    #[error("invalid created_at {0:?}")]
    BadDate(String),
    /// An item lacks a field it cannot do without.
    #[error("the required field {0} is missing")]
    MissingField(&'static str),
    /// A field whose value cannot be read (a non-numeric id, ...).
    #[error("the field {field} has an invalid value {value:?}")]
    InvalidField {
        /// The field name.
        field: &'static str,
        /// The value as received.
        value: String,
    },
    /// Weibo answered with an error body; classify by `code`, never by text.
    #[error("Weibo API error {code}: {message}")]
    Api {
        /// `error_code`, read from an int or a string.
        code: i64,
        /// `error`, for people only.
        message: String,
    },
}
