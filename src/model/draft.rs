use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{Channel, ConnectorId, Message, MessageId};

/// Draft id: a UUIDv7; it doubles as the idempotency key when publishing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct DraftId(pub uuid::Uuid);

impl fmt::Display for DraftId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// Where a draft reply is on its way to publication.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum DraftState {
    /// Written by a rule, not yet touched by a person.
    Proposed,
    /// Changed by a reviewer.
    Edited,
    /// Approved; waiting in the outbox.
    Approved,
    /// Handed to the channel; the outcome is not recorded yet.
    Sending,
    /// The channel confirmed publication.
    Sent,
    /// The channel refused it for good.
    Failed {
        /// Readable reason (channel error code and text).
        reason: String,
    },
    /// The send may or may not have happened; a person must decide.
    Uncertain,
    /// A reviewer rejected it.
    Rejected {
        /// The reviewer's reason.
        reason: String,
    },
}

impl DraftState {
    /// The state's name without its payload.
    pub fn name(&self) -> &'static str {
        match self {
            DraftState::Proposed => "proposed",
            DraftState::Edited => "edited",
            DraftState::Approved => "approved",
            DraftState::Sending => "sending",
            DraftState::Sent => "sent",
            DraftState::Failed { .. } => "failed",
            DraftState::Uncertain => "uncertain",
            DraftState::Rejected { .. } => "rejected",
        }
    }

    /// Whether the state index lists drafts in this state: the end states
    /// `sent` and `rejected` only grow and nothing looks them up by state.
    pub fn indexed(&self) -> bool {
        !matches!(self, DraftState::Sent | DraftState::Rejected { .. })
    }
}

/// A reply proposed for review before it is published on a channel.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Draft {
    /// Id and idempotency key.
    pub id: DraftId,
    /// The message it answers.
    pub target: MessageId,
    /// Channel it will be published on.
    pub channel: Channel,
    /// Connector that will publish it.
    pub connector: ConnectorId,
    /// Reply text.
    pub body: String,
    /// State machine position.
    pub state: DraftState,
    /// When it was proposed.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
    /// Who approved it (`user:name`), once approved.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approved_by: Option<String>,
    /// Publication attempts that failed temporarily (nothing was sent).
    #[serde(default)]
    pub attempts: u32,
    /// An approved draft that failed temporarily waits until then.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_attempt_at: Option<DateTime<Utc>>,
    /// The last temporary failure, for the reviewers to see.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_error: Option<String>,
    /// When the channel confirmed publication.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sent_at: Option<DateTime<Utc>>,
    /// The reviewer it is assigned to, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assignee: Option<String>,
}

impl Draft {
    /// A new proposed reply to `target`, published through `target`'s connector.
    pub fn proposed(target: &Message, body: String, at: DateTime<Utc>) -> Draft {
        Draft {
            id: DraftId(uuid::Uuid::now_v7()),
            target: target.id,
            channel: target.channel,
            connector: target.connector.clone(),
            body,
            state: DraftState::Proposed,
            created_at: at,
            updated_at: at,
            approved_by: None,
            attempts: 0,
            next_attempt_at: None,
            last_error: None,
            sent_at: None,
            assignee: None,
        }
    }
}
