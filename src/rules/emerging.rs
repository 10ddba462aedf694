//! `[emerging]`: what a spiking term that no topic covers does. Terms and
//! hashtags are listed at `/api/trends` whatever this says; with
//! `open_ticket = true` a strong enough one also opens a "new topic" ticket
//! that later messages carrying the term join, until it stops spiking.

use std::path::PathBuf;
use std::time::Duration;

use serde::Serialize;

use crate::model::Priority;

/// The `[emerging]` table (at most one across the rule files).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EmergingRule {
    /// `open_ticket`: open a "new topic" ticket for a strong spike; default true.
    pub open_ticket: bool,
    /// `min_score`: `−log10 p` the spike needs at least; default 12.
    pub min_score: f64,
    /// `min_authors`: unique authors it needs at least in its window; default 20.
    pub min_authors: u32,
    /// `queue`: the ticket's queue; default `incidents`.
    pub queue: String,
    /// `priority`: the ticket's priority; default `normal`.
    pub priority: Priority,
    /// `quiet_for`: how long off the emerging list before the ticket's
    /// topic counts as over (later messages no longer join); default 1 h.
    pub quiet_for: Duration,
    /// `cooldown`: how long after that before the same term may open another; default 24 h.
    pub cooldown: Duration,
    /// `ignore`: terms that never open a ticket (normalized like keywords).
    pub ignore: Vec<String>,
    /// The file it was read from.
    #[serde(skip)]
    pub file: PathBuf,
    /// The line of its `[emerging]` header.
    pub line: usize,
}

impl Default for EmergingRule {
    fn default() -> EmergingRule {
        EmergingRule {
            open_ticket: true,
            min_score: 12.0,
            min_authors: 20,
            queue: "incidents".into(),
            priority: Priority::Normal,
            quiet_for: Duration::from_secs(3600),
            cooldown: Duration::from_secs(24 * 3600),
            ignore: Vec::new(),
            file: PathBuf::new(),
            line: 0,
        }
    }
}

impl EmergingRule {
    /// Whether `term` (as `/api/trends` lists it, hashtags as `#…#`) may open a ticket.
    pub fn may_open(&self, term: &str) -> bool {
        let bare = term.trim_matches('#');
        self.open_ticket && !self.ignore.iter().any(|i| i == term || i == bare)
    }
}
