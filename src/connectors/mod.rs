//! The source contract, shared by every connector kind.
//!
//! A source runs as a task with a [`SourceContext`]: it sends each input as
//! an [`Envelope`] into the pipeline's bounded queue (so a slow store slows
//! the source down) and learns through the envelope's ack channel when the
//! input is durable. Only then may it advance its position at the source
//! (move a Maildir file, store an IMAP UID, answer a webhook). A cursor that
//! can be expressed as a store key travels in the envelope as a
//! [`Checkpoint`] and is committed in the same atomic batch as the message.

pub mod files;
pub mod http;
pub mod imap;
pub mod maildir;
mod status;
pub mod wechat;
pub mod weibo;

use std::path::Path;

use chrono::{DateTime, Utc};
use tokio::sync::{mpsc, oneshot};
use tokio_util::sync::CancellationToken;

use crate::model::{Channel, ConnectorId, MessageId};
use crate::store::Store;

pub use status::{ConnectorState, ConnectorStatus, StatusBoard};

/// What a source hands to the pipeline.
#[derive(Debug)]
pub struct Envelope {
    /// The connector instance that received it.
    pub connector: ConnectorId,
    /// Where it came from, for people (file name, UID).
    pub origin: String,
    /// The input itself.
    pub payload: Payload,
    /// When omnilisten received it.
    pub received_at: DateTime<Utc>,
    /// Cursor update committed atomically with this input.
    pub checkpoint: Option<Checkpoint>,
    /// A backfill or historical import: never triggers acknowledgements to customers.
    pub historical: bool,
    /// Told the outcome once the input is durable (or failed).
    pub ack: Option<oneshot::Sender<AckResult>>,
}

/// The raw input of one channel.
#[derive(Debug)]
pub enum Payload {
    /// A whole RFC 5322 mail as received.
    Email(Vec<u8>),
    /// One WeChat push as plaintext XML (decrypted first in safe mode), its
    /// signature, freshness and AppID already checked.
    Wechat(Vec<u8>),
    /// One Weibo item as a single-item statuses or comments page
    /// (`{"statuses":[…]}`), or one push of Weibo's push service (JSON or XML).
    Weibo(Vec<u8>),
    /// Input the source already knows it cannot accept (an IMAP mail over
    /// `max_message_bytes`, fetched as its header only): quarantined with
    /// `reason`, so it never blocks the source.
    Rejected {
        /// The channel it arrived on.
        channel: Channel,
        /// What the source could keep of it.
        raw: Vec<u8>,
        /// Why, for the quarantine list.
        reason: String,
    },
}

impl Payload {
    /// Raw input of `channel` as saved in a file (backfill, `explain`).
    pub fn of_channel(channel: Channel, raw: Vec<u8>) -> Payload {
        match channel {
            Channel::Wechat => Payload::Wechat(raw),
            Channel::Weibo => Payload::Weibo(raw),
            Channel::Email => Payload::Email(raw),
        }
    }

    /// Guesses the channel of a saved file: WeChat push XML starts with
    /// `<xml>` (or an XML declaration), Weibo JSON (a page or a push) with
    /// `{`; anything else is taken for a mail, which never starts with `{`.
    pub fn sniff(raw: Vec<u8>) -> Payload {
        let start = raw.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&raw);
        let start = start.trim_ascii_start();
        if start.starts_with(b"<xml") || start.starts_with(b"<?xml") {
            Payload::Wechat(raw)
        } else if start.starts_with(b"{") {
            Payload::Weibo(raw)
        } else {
            Payload::Email(raw)
        }
    }

    /// The channel this payload belongs to.
    pub fn channel(&self) -> Channel {
        match self {
            Payload::Email(_) => Channel::Email,
            Payload::Wechat(_) => Channel::Wechat,
            Payload::Weibo(_) => Channel::Weibo,
            Payload::Rejected { channel, .. } => *channel,
        }
    }

    /// The raw bytes.
    pub fn bytes(&self) -> &[u8] {
        match self {
            Payload::Email(b) | Payload::Wechat(b) | Payload::Weibo(b) => b,
            Payload::Rejected { raw, .. } => raw,
        }
    }
}

/// A source position stored in the same batch as the input it covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    /// Cursor name within the connector (folder, endpoint, file name).
    pub name: String,
    /// Cursor value.
    pub value: Vec<u8>,
}

/// What became of an input; every variant means "durable, you may move on".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Stored as a new message.
    Stored(MessageId),
    /// Already stored earlier under this id; counted, not stored again.
    Duplicate(MessageId),
    /// Could not be parsed; kept aside with its raw bytes.
    Quarantined(MessageId),
}

/// The pipeline failed to make the input durable; the source must keep its
/// position and offer the input again later.
#[derive(Debug, Clone, thiserror::Error)]
#[error("the input was not stored: {0}")]
pub struct NotStored(pub String);

/// The answer on an envelope's ack channel.
pub type AckResult = Result<Outcome, NotStored>;

/// Everything a running source needs.
#[derive(Clone)]
pub struct SourceContext {
    /// This connector's id.
    pub id: ConnectorId,
    /// The pipeline's bounded input queue.
    pub out: mpsc::Sender<Envelope>,
    /// Read access to the store (cursors); writes go through the pipeline.
    pub store: Store,
    /// Cancelled on shutdown: stop taking input, finish in-flight acks, return.
    pub shutdown: CancellationToken,
    /// Where the source reports its state for `/healthz`.
    pub status: StatusBoard,
}

impl SourceContext {
    /// Sends an envelope and waits until it is durable. Returns None when the
    /// pipeline is gone (shutting down).
    pub async fn submit(&self, mut envelope: Envelope) -> Option<AckResult> {
        let (tx, rx) = oneshot::channel();
        envelope.ack = Some(tx);
        self.out.send(envelope).await.ok()?;
        rx.await.ok()
    }
}

/// Errors a source ends with.
#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    /// The source's directory or server could not be used.
    #[error("{connector}: {detail}")]
    Unavailable {
        /// Connector id.
        connector: ConnectorId,
        /// What went wrong.
        detail: String,
    },
}

/// Returns true when `path` looks like an mbox file (starts with a `From ` line).
pub fn looks_like_mbox(path: &Path) -> bool {
    use std::io::Read;
    let mut head = [0u8; 5];
    std::fs::File::open(path)
        .and_then(|mut f| f.read_exact(&mut head))
        .map(|_| &head == b"From ")
        .unwrap_or(false)
}
