//! Publishing a draft on Weibo: a comment under the status that mentioned
//! the account (`comments/create.json`), or a reply to the comment that did
//! (`comments/reply.json`), research/weibo.md §4.
//!
//! Weibo has no idempotency key, so what a failure means decides whether
//! the draft may be tried again: an error body from Weibo means nothing
//! was published (retried when it passes with time, failed when it will
//! not), a request that may have reached Weibo without a clear answer is
//! uncertain and left to a person.

use serde_json::Value;

use super::limits::check_length;
use super::{Publish, PublishError, PublishFuture, Receipt};
use crate::connectors::weibo::api::{ApiError, PostError, WeiboApi};
use crate::model::{Channel, Draft, Message};

/// Sends drafts of one Weibo connector.
pub struct WeiboPublisher {
    api: WeiboApi,
}

/// Where a reply goes, read from the message it answers.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Target {
    /// A status mentioned the account: comment on it.
    Status { id: String },
    /// A comment mentioned the account: reply to it under its status.
    Comment { cid: String, status_id: String },
}

impl WeiboPublisher {
    /// A publisher through `api` (its `rip` is sent with every write).
    pub fn new(api: WeiboApi) -> WeiboPublisher {
        WeiboPublisher { api }
    }

    async fn send(&self, draft: &Draft, target: &Message) -> Result<Receipt, PublishError> {
        let body = draft.body.trim();
        if body.is_empty() {
            return Err(PublishError::Permanent("the reply is empty".into()));
        }
        check_length(Channel::Weibo, body).map_err(PublishError::Permanent)?;
        let (path, label, mut form) = match target_of(target)? {
            Target::Status { id } => (
                "comments/create.json",
                "comments_create",
                vec![
                    ("id", id),
                    ("comment", body.to_string()),
                    ("comment_ori", "0".to_string()),
                ],
            ),
            Target::Comment { cid, status_id } => (
                "comments/reply.json",
                "comments_reply",
                vec![
                    ("cid", cid),
                    ("id", status_id),
                    ("comment", body.to_string()),
                    // 0: Weibo prefixes "回复@name:" so the customer is notified.
                    ("without_mention", "0".to_string()),
                    ("comment_ori", "0".to_string()),
                ],
            ),
        };
        if let Some(rip) = self.api.rip() {
            form.push(("rip", rip.to_string()));
        }
        match self.api.post_form(path, label, &form).await {
            Ok(answer) => Ok(Receipt {
                channel_ref: created_id(&answer),
            }),
            Err(e) => Err(outcome(e)),
        }
    }
}

impl Publish for WeiboPublisher {
    fn publish<'a>(&'a self, draft: &'a Draft, target: &'a Message) -> PublishFuture<'a> {
        Box::pin(self.send(draft, target))
    }
}

/// The status or comment `message` is on Weibo, or why it cannot be answered there.
fn target_of(message: &Message) -> Result<Target, PublishError> {
    let refuse = |why: String| Err(PublishError::Permanent(why));
    if message.channel != Channel::Weibo {
        return refuse(format!(
            "the message it answers came by {}, not Weibo",
            message.channel
        ));
    }
    let status_id = message
        .social
        .as_ref()
        .and_then(|s| s.status_id.as_deref())
        .map(str::trim)
        .filter(|id| is_id(id));
    match message.native_id.split_once(':') {
        Some(("status", id)) if is_id(id) => Ok(Target::Status { id: id.to_string() }),
        Some(("comment", cid)) if is_id(cid) => match status_id {
            Some(status_id) => Ok(Target::Comment {
                cid: cid.to_string(),
                status_id: status_id.to_string(),
            }),
            None => refuse(format!(
                "the comment it answers ({}) has no status id, which Weibo needs for a reply",
                message.native_id
            )),
        },
        _ => refuse(format!(
            "the message it answers ({}) is not a Weibo status or comment (a push without an item id cannot be replied to)",
            message.native_id
        )),
    }
}

/// Weibo ids are positive integers; anything else would be refused by Weibo.
fn is_id(id: &str) -> bool {
    !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit())
}

/// The new comment's id from Weibo's answer: `idstr`, else `id`.
fn created_id(answer: &[u8]) -> Option<String> {
    let value: Value = serde_json::from_slice(answer).ok()?;
    match (value.get("idstr"), value.get("id")) {
        (Some(Value::String(s)), _) if !s.is_empty() => Some(s.clone()),
        (_, Some(Value::Number(n))) => Some(n.to_string()),
        (_, Some(Value::String(s))) if !s.is_empty() => Some(s.clone()),
        _ => None,
    }
}

/// What a failed write means for the draft.
fn outcome(error: PostError) -> PublishError {
    match error {
        PostError::Refused(ApiError::Permanent { code, message }) => {
            PublishError::Permanent(refusal(code, &message))
        }
        PostError::Refused(ApiError::RateLimited { code }) => PublishError::Transient(format!(
            "Weibo's rate limit is reached (error {code}); nothing was published, it is retried later"
        )),
        PostError::Refused(ApiError::Transient(why)) => PublishError::Transient(format!(
            "Weibo could not take it now ({why}); nothing was published, it is retried later"
        )),
        // Retried: a person replacing the token lets a later attempt through,
        // up to the publisher's attempt cap.
        PostError::Refused(e @ ApiError::Auth { .. }) => PublishError::Transient(format!(
            "Weibo refused the access token ({e}); nothing was published, it is retried once a new token is in place"
        )),
        PostError::NotSent(why) => PublishError::Transient(format!(
            "Weibo was not reached ({why}); nothing was published, it is retried later"
        )),
        PostError::Uncertain(why) => PublishError::Uncertain(format!(
            "Weibo may have published it ({why}); check the post before doing anything else"
        )),
    }
}

/// A reviewer's reading of a permanent Weibo refusal (research §6).
fn refusal(code: i64, message: &str) -> String {
    match code {
        20019 => "Weibo refused it as repeated content (20019): the account published the same text just before — edit the reply".to_string(),
        20017 => "Weibo refused it as similar content (20017): the account published nearly the same text just before — edit the reply".to_string(),
        20012 => "Weibo refused it as too long (20012): comments take at most 140 characters — shorten the reply".to_string(),
        20101 => "Weibo refused it (20101): the post no longer exists".to_string(),
        20201 => "Weibo refused it (20201): the comment no longer exists".to_string(),
        10014 => "Weibo refused it (10014): the app lacks permission to comment".to_string(),
        10016 => format!(
            "Weibo refused it (10016): missing parameter (rip?) — set `rip` in the connector ({message})"
        ),
        _ => format!("Weibo error {code}: {message}"),
    }
}

#[cfg(test)]
mod tests;
