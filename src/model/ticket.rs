use std::fmt;

use chrono::{DateTime, FixedOffset, Offset, Utc};
use serde::{Deserialize, Serialize};

use super::MessageId;

/// Human-readable unique ticket number, `YYYYMMDD-NNNNNN` (date in China Standard Time).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct TicketNumber(pub String);

impl TicketNumber {
    /// Builds the number for the `seq`-th ticket opened on the CST day of `at`.
    pub fn new(day: &str, seq: u64) -> TicketNumber {
        TicketNumber(format!("{day}-{seq:06}"))
    }

    /// The `YYYYMMDD` day key of `at` in China Standard Time (UTC+8, no DST).
    pub fn day_of(at: DateTime<Utc>) -> String {
        let cst = FixedOffset::east_opt(8 * 3600).unwrap_or_else(|| Utc.fix());
        at.with_timezone(&cst).format("%Y%m%d").to_string()
    }

    /// Finds a ticket number in a mail subject written as `[#20261127-000042]`.
    /// Every `[#` is tried: `[#急] 回复：[#20261127-000042]` still finds it.
    pub fn find_in_subject(subject: &str) -> Option<TicketNumber> {
        subject.match_indices("[#").find_map(|(start, _)| {
            let rest = subject.get(start + 2..)?;
            let candidate = rest.get(..rest.find(']')?)?;
            let valid = candidate.len() == 15
                && candidate.bytes().enumerate().all(|(i, b)| {
                    if i == 8 {
                        b == b'-'
                    } else {
                        b.is_ascii_digit()
                    }
                });
            valid.then(|| TicketNumber(candidate.to_string()))
        })
    }
}

impl fmt::Display for TicketNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Where a ticket is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TicketState {
    /// Opened, nobody has looked at it.
    New,
    /// An agent works on it.
    Open,
    /// Waiting for the customer or a third party.
    Pending,
    /// Answered; reopens if the customer writes again.
    Resolved,
    /// Done for good.
    Closed,
}

impl TicketState {
    /// Every state in lifecycle order.
    pub const ALL: [TicketState; 5] = [
        TicketState::New,
        TicketState::Open,
        TicketState::Pending,
        TicketState::Resolved,
        TicketState::Closed,
    ];

    /// The lowercase name.
    pub fn as_str(self) -> &'static str {
        match self {
            TicketState::New => "new",
            TicketState::Open => "open",
            TicketState::Pending => "pending",
            TicketState::Resolved => "resolved",
            TicketState::Closed => "closed",
        }
    }

    /// Whether a person may move a ticket from `self` to `to`.
    pub fn can_move_to(self, to: TicketState) -> bool {
        use TicketState::*;
        matches!(
            (self, to),
            (New, Open)
                | (New, Pending)
                | (New, Resolved)
                | (New, Closed)
                | (Open, Pending)
                | (Open, Resolved)
                | (Open, Closed)
                | (Pending, Open)
                | (Pending, Resolved)
                | (Pending, Closed)
                | (Resolved, Open)
                | (Resolved, Closed)
        )
    }
}

/// How urgent a ticket is.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, Default,
)]
#[serde(rename_all = "lowercase")]
pub enum Priority {
    /// Can wait.
    Low,
    /// The default.
    #[default]
    Normal,
    /// Answer today.
    High,
    /// Money is moving: answer now (mistaken transfers, fraud).
    Urgent,
}

impl Priority {
    /// Every priority, lowest first.
    pub const ALL: [Priority; 4] = [
        Priority::Low,
        Priority::Normal,
        Priority::High,
        Priority::Urgent,
    ];

    /// The lowercase name, as serialized.
    pub fn as_str(self) -> &'static str {
        match self {
            Priority::Low => "low",
            Priority::Normal => "normal",
            Priority::High => "high",
            Priority::Urgent => "urgent",
        }
    }
}

/// A unit of work for the support team.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Ticket {
    /// Unique human-readable number.
    pub number: TicketNumber,
    /// Queue it is worked in (`email` for the mail desk).
    pub queue: String,
    /// Urgency.
    pub priority: Priority,
    /// Lifecycle state.
    pub state: TicketState,
    /// Subject line or topic, for lists.
    pub title: String,
    /// The customer's id on the channel that opened it.
    pub requester: String,
    /// Member messages, oldest first.
    pub messages: Vec<MessageId>,
    /// Assigned agent, if any.
    pub assignee: Option<String>,
    /// When it was opened.
    pub created_at: DateTime<Utc>,
    /// When a message or a person last changed it.
    pub updated_at: DateTime<Utc>,
    /// For an incident ticket (a trending topic), what fired and why.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub incident: Option<Incident>,
}

/// Why an incident ticket was opened: a topic trending, in numbers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Incident {
    /// The topic's id in `rules/`.
    pub topic: String,
    /// The topic's title.
    pub title: String,
    /// When the burst began (message time).
    pub onset: DateTime<Utc>,
    /// When it fired (message time).
    pub fired_at: DateTime<Utc>,
    /// Unique authors in the window when it fired.
    pub count: u32,
    /// The authors expected in that window.
    pub baseline: f64,
    /// How improbable the count was under the baseline.
    pub p_value: f64,
    /// The window, in minutes.
    pub window_minutes: u64,
    /// Messages linked to the incident so far.
    pub members: u64,
    /// Drafts made for it so far (one per near-duplicate cluster and channel).
    pub drafts: u64,
    /// When the topic stopped trending, if it has.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resolved_at: Option<DateTime<Utc>>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticket_numbers_are_found_after_other_brackets() {
        let found = |s: &str| TicketNumber::find_in_subject(s).map(|t| t.0);
        assert_eq!(
            found("[#急] 回复：[#20261127-000042] 补充"),
            Some("20261127-000042".into())
        );
        assert_eq!(
            found("Re: [#20261127-000042]"),
            Some("20261127-000042".into())
        );
        assert_eq!(found("[#2026112-0000421]"), None);
        assert_eq!(found("[#20261127-00004２]"), None);
        assert_eq!(found("[#"), None);
    }
}
