//! Publishing approved drafts on their channel, at most once each.
//!
//! ```text
//! reviewer approves ─► draft `approved` ─► publisher claims it: `sending` (durable)
//!                                          ─► channel API ─► `sent`
//!                                                         ├► `failed` (permanent: reason shown)
//!                                                         ├► `approved` again (nothing was sent: retry later)
//!                                                         └► `uncertain` (may have been sent: a person decides)
//! ```
//!
//! A draft is marked `sending` durably before the channel is called, and a
//! draft found `sending` at start-up becomes `uncertain`: a crash between
//! the call and the record never publishes twice. Only failures that
//! certainly sent nothing are retried by themselves.
//!
//! | file | does |
//! | --- | --- |
//! | `sender.rs` | [`DraftPublisher`]: the loop over approved drafts, claim, record, backoff |
//! | `wechat.rs` | [`WechatPublisher`]: customer-service text messages and the 48-hour window |
//! | `weibo.rs` | [`WeiboPublisher`]: a comment on the status, or a reply to the comment, that mentioned the account |
//! | `limits.rs` | [`check_length`]: each channel's length limit, for the review desk and the publishers |

mod limits;
mod sender;
mod wechat;
mod weibo;

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

pub use limits::{WEIBO_MAX_CHARS, check_length};
pub use sender::{DraftPublisher, MAX_ATTEMPTS, PublishPass};
pub use wechat::{MAX_TEXT_BYTES, WechatPublisher};
pub use weibo::WeiboPublisher;

use crate::model::{Draft, Message};

/// Why a publication did not happen, in the words a reviewer reads.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PublishError {
    /// The channel refused it for good (window closed, quota, content refused).
    #[error("{0}")]
    Permanent(String),
    /// Nothing was sent and a later attempt may succeed (busy, unreachable).
    #[error("{0}")]
    Transient(String),
    /// It may have been published (timeout after sending): never retried.
    #[error("{0}")]
    Uncertain(String),
}

/// What the channel said when it accepted a publication.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Receipt {
    /// The channel's id for what was published, when it gives one.
    pub channel_ref: Option<String>,
}

/// The result of one publication attempt.
pub type PublishResult = Result<Receipt, PublishError>;

/// A boxed publication future, so publishers of every channel share one map.
pub type PublishFuture<'a> = Pin<Box<dyn Future<Output = PublishResult> + Send + 'a>>;

/// Publishes a draft on one connector's channel.
pub trait Publish: Send + Sync {
    /// Publishes `draft`, a reply to `target`. Called once per claim.
    fn publish<'a>(&'a self, draft: &'a Draft, target: &'a Message) -> PublishFuture<'a>;
}

/// The publisher of each connector that can publish, by connector id.
#[derive(Clone, Default)]
pub struct Publishers(HashMap<String, Arc<dyn Publish>>);

impl Publishers {
    /// Adds `connector`'s publisher.
    pub fn insert(&mut self, connector: &str, publisher: Arc<dyn Publish>) {
        self.0.insert(connector.to_string(), publisher);
    }

    /// `connector`'s publisher, if it has one.
    pub fn get(&self, connector: &str) -> Option<Arc<dyn Publish>> {
        self.0.get(connector).cloned()
    }

    /// Whether no connector can publish.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}
