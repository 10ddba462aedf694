use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// The channel a message arrived on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Channel {
    /// Mail to the support mailbox (IMAP, Maildir, backfilled files).
    Email,
    /// Weibo mentions and comments.
    Weibo,
    /// WeChat Official Account pushes.
    Wechat,
}

impl Channel {
    /// Every channel, in a stable order (used for stats output).
    pub const ALL: [Channel; 3] = [Channel::Email, Channel::Weibo, Channel::Wechat];

    /// The lowercase name used in config, keys and metrics labels.
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Email => "email",
            Channel::Weibo => "weibo",
            Channel::Wechat => "wechat",
        }
    }

    /// Parses the lowercase name.
    pub fn parse(s: &str) -> Option<Channel> {
        Channel::ALL.into_iter().find(|c| c.as_str() == s)
    }
}

impl fmt::Display for Channel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A connector instance id: the stem of its file in `connectors/`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ConnectorId(pub String);

impl fmt::Display for ConnectorId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Internal message id: a UUIDv7, so ids sort by arrival time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct MessageId(pub uuid::Uuid);

impl MessageId {
    /// A fresh time-ordered id.
    pub fn new() -> MessageId {
        MessageId(uuid::Uuid::now_v7())
    }
}

impl Default for MessageId {
    fn default() -> Self {
        MessageId::new()
    }
}

impl fmt::Display for MessageId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// Who wrote a message.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Author {
    /// Channel-native user id (mail address, Weibo uid, WeChat OpenID).
    pub id: String,
    /// Display name, if the channel gives one.
    pub name: Option<String>,
    /// Mail address, for channels that have one.
    pub address: Option<String>,
}

/// One attachment's metadata; the content lives in the store under its hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attachment {
    /// File name as sent (decoded), if any.
    pub name: Option<String>,
    /// MIME type such as `image/png`.
    pub mime_type: String,
    /// Size of the decoded content in bytes.
    pub size: u64,
    /// Hex BLAKE3 of the decoded content.
    pub content_hash: String,
    /// Whether the content was kept in the store (false when over the cap).
    pub stored: bool,
    /// Why the content is not kept, when the reason is more than the size cap
    /// (a channel that refused or no longer has the file).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub missing: Option<String>,
    /// Where the file is kept at the channel (a Weibo picture), for files
    /// referenced rather than stored.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

/// References that tie a message into a conversation.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ThreadRefs {
    /// Mail `In-Reply-To` ids (without angle brackets).
    pub in_reply_to: Vec<String>,
    /// Mail `References` ids (without angle brackets), oldest first.
    pub references: Vec<String>,
}

/// What kind of mail this is, for the rules that must not answer robots.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum MailKind {
    /// Written by a person.
    #[default]
    Human,
    /// Out-of-office or other automatic answer; `reason` names the header that said so.
    AutoReply {
        /// The evidence, e.g. `Auto-Submitted: auto-replied`.
        reason: String,
    },
    /// A delivery status notification about a mail that bounced.
    Bounce {
        /// The evidence, e.g. `multipart/report; report-type=delivery-status`.
        reason: String,
        /// Message-ID of the mail that bounced, when the report carries it.
        original_message_id: Option<String>,
    },
}

/// Details an agent needs first: extracted from the text
/// (`analysis::ExtractedDetails::apply_to`) and set by rules.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Details {
    /// Alipay trade or order numbers.
    pub order_numbers: Vec<String>,
    /// Amounts, normalized as value and currency (`200 CNY`, `1280.5 CNY`).
    pub amounts: Vec<String>,
    /// Counterparty accounts, masked where they are phone numbers.
    pub accounts: Vec<String>,
    /// Category set by a rule.
    pub category: Option<String>,
    /// Free-form tags set by rules.
    pub tags: Vec<String>,
    /// Dates mentioned, `yyyy-mm-dd` or `mm-dd` (no year written).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dates: Vec<String>,
    /// Times of day mentioned, `HH:MM`, or as written when the half of the
    /// day is unknown (`8点半`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub times: Vec<String>,
    /// Mobile numbers mentioned, masked (`138****5678`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub phones: Vec<String>,
    /// Bank-card numbers mentioned, masked (`**** **** **** 1234`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub bank_cards: Vec<String>,
}

/// One normalized inbound item, the same shape for every channel.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Message {
    /// Internal id.
    pub id: MessageId,
    /// The channel it came from.
    pub channel: Channel,
    /// The connector instance that delivered it.
    pub connector: ConnectorId,
    /// Channel-native id (Message-ID, MsgId, Weibo id), or `sha256:`-style hash when absent.
    pub native_id: String,
    /// Who wrote it.
    pub author: Author,
    /// Mail subject; None for channels without one.
    pub subject: Option<String>,
    /// The customer's own words: plain text, HTML converted, quoted history and signature removed.
    pub text: String,
    /// The whole plain-text body including quoted history, when it differs from `text`.
    pub full_text: Option<String>,
    /// Attachment metadata.
    pub attachments: Vec<Attachment>,
    /// Conversation references.
    pub thread: ThreadRefs,
    /// When the author says it was sent (mail `Date`), if known.
    pub sent_at: Option<DateTime<Utc>>,
    /// When omnilisten received it.
    pub received_at: DateTime<Utc>,
    /// Human mail, auto-reply or bounce.
    pub mail_kind: MailKind,
    /// Extracted details (filled by rules).
    pub details: Details,
    /// The earlier message this one nearly duplicates, with its similarity.
    pub near_duplicate_of: Option<(MessageId, f32)>,
    /// The ticket this message belongs to, if any.
    pub ticket: Option<String>,
    /// The incident ticket of a trending topic this message is part of.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub incident: Option<String>,
    /// Size of the raw bytes kept for audit (the bytes are stored separately).
    pub raw_size: u64,
    /// What kind of item it is on its channel (WeChat `text`, `voice`, `event`…); None for mail.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub item_kind: Option<String>,
    /// The instant reply the customer was answered with (a WeChat passive reply), kept for agents.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instant_reply: Option<String>,
    /// What a social post carries besides its words (Weibo); None for mail and WeChat.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub social: Option<SocialParts>,
}

/// What a social post carries besides its words (Weibo).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SocialParts {
    /// Mentioned names without `@`, in order, once each.
    pub mentions: Vec<String>,
    /// Hashtag topics without `#`, in order, once each.
    pub hashtags: Vec<String>,
    /// Short links (`http://t.cn/…`), in order, once each.
    pub links: Vec<String>,
    /// Emoticon names without brackets (`怒` for `[怒]`), in order, once each.
    pub emoticons: Vec<String>,
    /// The `//@user:` repost chain, newest reposter first.
    pub repost_chain: Vec<RepostLayer>,
    /// The post quoted: a status's `retweeted_status`, or the status a comment is on.
    pub quoted: Option<QuotedPost>,
    /// The status a reply must go to: a status's own id, a comment's `status.id`.
    pub status_id: Option<String>,
    /// The comment a comment replies to (`reply_comment.id`).
    pub reply_to_comment: Option<String>,
}

/// One layer of a repost chain: an earlier reposter and their words.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RepostLayer {
    /// The reposter's screen name.
    pub user: String,
    /// What they wrote when reposting.
    pub text: String,
}

/// A post shown inside another one (the original of a repost, the status commented on).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuotedPost {
    /// Its id, when the channel gives one.
    pub id: Option<String>,
    /// Its author's screen name, when given.
    pub author: Option<String>,
    /// Its text, normalized; a deleted original reads `此微博已被原作者删除。`.
    pub text: String,
}

/// An input that could not be turned into a message, kept with its raw bytes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Quarantined {
    /// Internal id of the quarantine entry.
    pub id: MessageId,
    /// Connector that delivered it.
    pub connector: ConnectorId,
    /// Where it came from (file name, UID), for a person to find it.
    pub origin: String,
    /// Why it was refused.
    pub reason: String,
    /// When it arrived.
    pub received_at: DateTime<Utc>,
    /// Size of the raw bytes.
    pub raw_size: u64,
}
