//! Publishing a draft on WeChat: a customer-service text message to the
//! customer who wrote, inside the 48-hour window their last message opened.

use chrono::{DateTime, Utc};

use super::{Publish, PublishError, PublishFuture, Receipt};
use crate::connectors::wechat::api::{SendError, WechatApi, window_open};
use crate::model::{Draft, Message};
use crate::store::Store;

/// Longest customer-service text WeChat takes, in bytes of UTF-8 (its
/// documented limit is 2,048 bytes; longer texts fail with 45002).
pub const MAX_TEXT_BYTES: usize = 2048;

/// Sends drafts of one WeChat connector.
pub struct WechatPublisher {
    api: WechatApi,
    store: Store,
}

impl WechatPublisher {
    /// A publisher through `api`; `store` tells when the customer last wrote.
    pub fn new(api: WechatApi, store: Store) -> WechatPublisher {
        WechatPublisher { api, store }
    }

    /// When the customer last wrote: the message answered, or a later one
    /// that joined the same conversation ticket.
    fn last_heard(&self, target: &Message) -> DateTime<Utc> {
        let ticket = target
            .ticket
            .as_deref()
            .and_then(|number| self.store.ticket(number).ok().flatten());
        match ticket {
            Some(t) if t.requester == target.author.id => t.updated_at.max(target.received_at),
            _ => target.received_at,
        }
    }

    async fn send(&self, draft: &Draft, target: &Message) -> Result<Receipt, PublishError> {
        let body = draft.body.trim();
        if body.is_empty() {
            return Err(PublishError::Permanent("the reply is empty".into()));
        }
        if body.len() > MAX_TEXT_BYTES {
            return Err(PublishError::Permanent(format!(
                "the reply is {} bytes; WeChat customer-service texts take at most {MAX_TEXT_BYTES}",
                body.len()
            )));
        }
        // Refused here rather than by WeChat: same reason, no wasted call.
        if !window_open(self.last_heard(target), Utc::now()) {
            return Err(PublishError::Permanent(
                SendError::window_closed().to_string(),
            ));
        }
        match self.api.send_text(&target.author.id, body).await {
            Ok(()) => Ok(Receipt::default()),
            Err(e @ SendError::Permanent { .. }) => Err(PublishError::Permanent(e.to_string())),
            Err(e @ SendError::Auth { .. }) => Err(PublishError::Permanent(e.to_string())),
            Err(e @ SendError::Transient { .. }) => Err(PublishError::Transient(e.to_string())),
            Err(e @ SendError::Uncertain { .. }) => Err(PublishError::Uncertain(e.to_string())),
        }
    }
}

impl Publish for WechatPublisher {
    fn publish<'a>(&'a self, draft: &'a Draft, target: &'a Message) -> PublishFuture<'a> {
        Box::pin(self.send(draft, target))
    }
}
