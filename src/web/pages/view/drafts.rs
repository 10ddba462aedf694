//! The review queue and one draft.

use super::{AuditRow, Channel, DraftState, MessageRow, MessageView, Person};

/// An incident as a draft group header or a draft's context shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IncidentRef {
    /// The incident ticket's number.
    pub number: String,
    /// The topic title.
    pub title: String,
    /// Whether the topic is trending now.
    pub firing: bool,
    /// Messages linked so far.
    pub members: u64,
}

/// A draft as a queue row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DraftRow {
    /// Draft id.
    pub id: String,
    /// Channel it will be published on.
    pub channel: Channel,
    /// Where it is on its way to publication.
    pub state: DraftState,
    /// The answered message's author.
    pub author: String,
    /// The answered message's first line.
    pub first_line: String,
    /// The reply's first words, so a reviewer can triage without opening it.
    pub reply_excerpt: String,
    /// When the answered message arrived (or the draft was made), formatted.
    pub time: String,
    /// Reviewer it is assigned to (display name).
    pub assignee: Option<String>,
    /// Messages the reply covers (its target and near-duplicates).
    pub covers: usize,
    /// Whether the body is over the channel's limit.
    pub over_limit: bool,
}

/// Drafts of one incident (or the single replies) on a queue page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DraftGroupView {
    /// Topic title, or `单条回复` for the replies of per-message rules.
    pub title: String,
    /// The incident, if the group is one.
    pub incident: Option<IncidentRef>,
    /// Its drafts on this page.
    pub drafts: Vec<DraftRow>,
}

/// A state filter tab of the drafts queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StateTab {
    /// Label (`待审`).
    pub label: String,
    /// The `state` query value (`proposed,edited,uncertain`).
    pub value: String,
    /// How many drafts are in it, when cheap to know.
    pub count: Option<u64>,
}

/// `GET /drafts`: the review queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DraftsPage {
    /// Filter tabs, in order.
    pub tabs: Vec<StateTab>,
    /// The `state` value of this page (one of the tabs').
    pub state: String,
    /// Groups on this page, in queue order.
    pub groups: Vec<DraftGroupView>,
    /// Cursor of the next page.
    pub next: Option<String>,
    /// Whether this is not the first page (to offer "back to the first").
    pub paged: bool,
}

/// How a channel's length limit is counted, mirroring `publish::check_length`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LimitUnit {
    /// Weibo: characters (`char`s) of the trimmed text.
    Chars,
    /// WeChat: UTF-8 bytes of the trimmed text.
    Bytes,
    /// Email: no limit.
    None,
}

/// The edit box's counter: what is counted, the limit, the current use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LimitView {
    /// What is counted.
    pub unit: LimitUnit,
    /// The most allowed, if any.
    pub max: Option<usize>,
    /// How much the stored body uses.
    pub used: usize,
    /// Why the stored body would be refused, if it would.
    pub problem: Option<String>,
}

/// `GET /drafts/{id}`: one draft with all its context.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DraftPage {
    /// Draft id.
    pub id: String,
    /// Channel it will be published on.
    pub channel: Channel,
    /// Connector that will publish it (a technical id).
    pub connector: String,
    /// Where it is on its way to publication.
    pub state: DraftState,
    /// The reply text as stored.
    pub body: String,
    /// Its `updated_at` (RFC 3339), sent back with an edit so a stale
    /// page cannot overwrite a colleague's newer text.
    pub version: String,
    /// When it was proposed, formatted.
    pub created: String,
    /// When it last changed, formatted.
    pub updated: String,
    /// Reviewer it is assigned to (login name).
    pub assignee: Option<String>,
    /// Who approved it.
    pub approved_by: Option<String>,
    /// The last temporary failure (nothing was sent; it will be retried).
    pub last_error: Option<String>,
    /// When the next attempt is due, formatted.
    pub next_attempt: Option<String>,
    /// When the channel confirmed publication, formatted.
    pub sent_at: Option<String>,
    /// The incident it answers for.
    pub incident: Option<IncidentRef>,
    /// The message it answers.
    pub target: Option<MessageView>,
    /// The cluster's other messages it covers (a first page of them).
    pub covered: Vec<MessageRow>,
    /// How many messages it covers in all, its target included.
    pub covered_total: usize,
    /// The channel's limit and the stored body's use of it.
    pub limit: LimitView,
    /// Who it can be reassigned to.
    pub reviewers: Vec<Person>,
    /// Audit trail, oldest first.
    pub audit: Vec<AuditRow>,
}
