//! The stand-in's public vocabulary: its options, the timelines, the faults
//! and write behaviours it can be told to show, and what it records.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

/// How the stand-in behaves; `Default` gives Weibo-like values.
#[derive(Debug, Clone)]
pub struct StandInOptions {
    /// Calls per token per hour window (windows start at the top of the clock's hour).
    pub user_limit: u32,
    /// Calls per hour window for everyone together (then 10022).
    pub ip_limit: u32,
    /// Calls per token per hour to comments/create and comments/reply together (then 10024).
    pub comment_limit: u32,
    /// Whether GET account/rate_limit_status costs a call.
    pub status_limit_counts: bool,
    /// Send `"error_code":"10023"` (a string) instead of an integer.
    pub string_error_codes: bool,
    /// Fraction of timeline reads answered with an injected failure.
    pub fail_rate: f64,
    /// Seeds the generated data, the failure draws and the page shuffles.
    pub seed: u64,
    /// Return each page's items in a scrambled order instead of newest first.
    pub shuffle_pages: bool,
    /// Only the newest N items of a timeline can be paged to.
    pub max_depth: Option<usize>,
    /// comments/create and comments/reply refuse a missing `rip` (10016).
    pub require_rip: bool,
    /// `next_cursor` is the last id while more items follow and 0 on the last
    /// page; false sends 0 always, as the documentation's examples do.
    pub cursor_hints: bool,
}

impl Default for StandInOptions {
    fn default() -> StandInOptions {
        StandInOptions {
            user_limit: 150,
            ip_limit: 10_000,
            comment_limit: 60,
            status_limit_counts: false,
            string_error_codes: false,
            fail_rate: 0.0,
            seed: 1,
            shuffle_pages: false,
            max_depth: None,
            require_rip: true,
            cursor_hints: true,
        }
    }
}

/// One of the three timelines a mentions poller reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Timeline {
    /// statuses/mentions: statuses that @-mention the account.
    StatusMentions,
    /// comments/mentions: comments that @-mention the account.
    CommentMentions,
    /// comments/to_me: comments on the account's own statuses.
    CommentsToMe,
}

impl Timeline {
    /// Every timeline, in index order.
    pub const ALL: [Timeline; 3] = [
        Timeline::StatusMentions,
        Timeline::CommentMentions,
        Timeline::CommentsToMe,
    ];

    /// The slot of this timeline in per-timeline arrays.
    pub(crate) fn index(self) -> usize {
        match self {
            Timeline::StatusMentions => 0,
            Timeline::CommentMentions => 1,
            Timeline::CommentsToMe => 2,
        }
    }

    /// Whether the timeline holds comments (rather than statuses).
    pub fn is_comments(self) -> bool {
        !matches!(self, Timeline::StatusMentions)
    }
}

/// A failure the stand-in answers instead of doing its job.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// HTTP 502 with an HTML page from the gateway.
    Html502,
    /// A server error: HTTP status and Weibo error code (e.g. 500, 10001).
    Json5xx(u16, i64),
    /// Any Weibo error body: HTTP status and error code (e.g. 403, 10023).
    Error(u16, i64),
    /// Never answer (until the stand-in shuts down); the client times out.
    Hang,
}

/// How comments/create and comments/reply end once a comment is valid.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum WriteBehaviour {
    /// Publish and answer 200 with the comment.
    #[default]
    Accept,
    /// Publish nothing and answer this error (HTTP status, error code).
    Fail(u16, i64),
    /// Publish nothing and never answer.
    Hang,
    /// Publish, then answer a gateway 502: the client cannot know it worked.
    RecordThen502,
    /// Publish, then never answer: the client is stopped (or times out)
    /// with the comment already public.
    RecordThenHang,
}

/// One call as the stand-in saw it.
#[derive(Debug, Clone, PartialEq)]
pub struct LoggedRequest {
    /// Clock time of the call.
    pub at: DateTime<Utc>,
    /// HTTP method.
    pub method: String,
    /// Path without the query, e.g. `/2/statuses/mentions.json`.
    pub path: String,
    /// Query and form parameters (first value of each), without `access_token`.
    pub query: BTreeMap<String, String>,
    /// HTTP status answered; 0 when the call was left hanging.
    pub status: u16,
    /// The Weibo error code answered, if any.
    pub error_code: Option<i64>,
    /// Items in the answer (statuses or comments; 1 for a published comment).
    pub items: usize,
    /// The token presented (header or parameter), valid or not.
    pub token: Option<String>,
}

/// A comment the account published through the stand-in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublishedComment {
    /// The new comment's id.
    pub id: i64,
    /// `"create"` or `"reply"`.
    pub endpoint: String,
    /// The status commented on (`id`).
    pub status_id: i64,
    /// The comment replied to (`cid`), for replies.
    pub cid: Option<i64>,
    /// The text as published (replies carry the automatic `回复@name:` prefix).
    pub text: String,
    /// The `comment` parameter exactly as sent.
    pub comment: String,
    /// The `rip` parameter, if sent.
    pub rip: Option<String>,
    /// Clock time of publication.
    pub created_at: DateTime<Utc>,
}
