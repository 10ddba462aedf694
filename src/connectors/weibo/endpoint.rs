//! The read endpoints a Weibo connector polls, with their default paths.

use std::fmt;

/// One of the timelines that show what mentions or answers the account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum EndpointKind {
    /// `statuses/mentions`: statuses that @-mention the account.
    StatusesMentions,
    /// `comments/mentions`: comments that @-mention the account.
    CommentsMentions,
    /// `comments/to_me`: comments under the account's own statuses.
    CommentsToMe,
}

impl EndpointKind {
    /// Every endpoint, in the order they are polled and listed.
    pub const ALL: [EndpointKind; 3] = [
        EndpointKind::StatusesMentions,
        EndpointKind::CommentsMentions,
        EndpointKind::CommentsToMe,
    ];

    /// The name used in config files, cursors, metrics and `/healthz`.
    pub fn name(self) -> &'static str {
        match self {
            EndpointKind::StatusesMentions => "statuses_mentions",
            EndpointKind::CommentsMentions => "comments_mentions",
            EndpointKind::CommentsToMe => "comments_to_me",
        }
    }

    /// The open API path under `api_base`; the commercial host uses the
    /// same with `/biz` before `.json`.
    pub fn default_path(self) -> &'static str {
        match self {
            EndpointKind::StatusesMentions => "statuses/mentions.json",
            EndpointKind::CommentsMentions => "comments/mentions.json",
            EndpointKind::CommentsToMe => "comments/to_me.json",
        }
    }

    /// Parses a config name.
    pub fn parse(name: &str) -> Option<EndpointKind> {
        EndpointKind::ALL.into_iter().find(|e| e.name() == name)
    }
}

impl fmt::Display for EndpointKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// An endpoint as configured: which timeline, at which path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    /// The timeline.
    pub kind: EndpointKind,
    /// Path under `api_base`, e.g. `statuses/mentions/biz.json`.
    pub path: String,
}

impl Endpoint {
    /// The endpoint at its open-API path.
    pub fn standard(kind: EndpointKind) -> Endpoint {
        Endpoint {
            kind,
            path: kind.default_path().to_string(),
        }
    }
}
