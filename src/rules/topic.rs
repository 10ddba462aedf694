//! Topic rules (`[[topic]]`): a subject of complaint watched across every
//! channel. Its conditions are those of a per-message rule; its trigger
//! says when the volume of unique authors is improbably high against the
//! topic's own baseline; its actions say what a firing topic does (one
//! incident ticket, drafted official replies per channel).

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use serde::Serialize;

use super::Condition;
use crate::model::{Channel, Priority};
use crate::outbound::Template;

/// One `[[topic]]`.
#[derive(Debug, Clone)]
pub struct TopicRule {
    /// `id`: unique across every rule and topic.
    pub id: String,
    /// `title`: how people name it (`双十二抢红包失败`); `{topic}` in templates.
    pub title: String,
    /// `description`: what it is for.
    pub description: String,
    /// `enabled`: default true.
    pub enabled: bool,
    /// The file it was read from.
    pub file: PathBuf,
    /// The line of its `[[topic]]` header.
    pub line: usize,
    /// `[topic.when]`: which messages are about this topic (all must hold).
    pub conditions: Vec<Condition>,
    /// `[topic.trigger]`: when the topic is trending.
    pub trigger: Trigger,
    /// `[topic.then]`: what a trending topic does.
    pub then: TopicActions,
}

impl TopicRule {
    /// Whether the topic names `term` in its own conditions (a keyword,
    /// token or hashtag equal to it, or one containing the other), so a
    /// spike of that term is this topic's business, not a new topic.
    pub fn names_term(&self, term: &str) -> bool {
        let bare = term.trim_matches('#');
        if bare.chars().count() < 2 {
            return false;
        }
        self.conditions.iter().any(|c| match c {
            Condition::KeywordsAny(words)
            | Condition::KeywordsAll(words)
            | Condition::TokensAny(words)
            | Condition::TokensAll(words)
            | Condition::Hashtags(words) => words.iter().any(|w| {
                let w = w.trim_matches('#');
                !w.is_empty() && (w == bare || bare.contains(w) || w.contains(bare))
            }),
            _ => false,
        })
    }
}

/// `[topic.trigger]`, with the defaults documented in `rules/README.md`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Trigger {
    /// `window`: the span whose unique authors are counted; default 10 min.
    pub window: Duration,
    /// `min_count`: unique authors the window needs at least; default 8.
    pub min_count: u32,
    /// `min_ratio`: how many times the baseline the window needs; default 3.
    pub min_ratio: f64,
    /// `p_value`: how improbable under the baseline; default 1e-4.
    pub p_value: f64,
    /// `for`: how long it must hold before firing; default 1 min.
    pub hold: Duration,
    /// `keep_firing_for`: how long it stays firing after it stops holding; default 30 min.
    pub keep_firing_for: Duration,
    /// `cooldown`: after it resolves, how long before it may fire again; default 2 h.
    pub cooldown: Duration,
    /// `baseline_floor`: the smallest expected count per window, for quiet
    /// topics and the first days without history; default 0.5.
    pub baseline_floor: f64,
}

impl Default for Trigger {
    fn default() -> Trigger {
        Trigger {
            window: Duration::from_secs(600),
            min_count: 8,
            min_ratio: 3.0,
            p_value: 1e-4,
            hold: Duration::from_secs(60),
            keep_firing_for: Duration::from_secs(1800),
            cooldown: Duration::from_secs(7200),
            baseline_floor: 0.5,
        }
    }
}

/// `[topic.then]`.
#[derive(Debug, Clone, Default)]
pub struct TopicActions {
    /// `incident`: open one incident ticket when the topic fires; the
    /// topic's messages join it while it is open. Default true.
    pub incident: bool,
    /// `queue`: the incident ticket's queue; default `incidents`.
    pub queue: Option<String>,
    /// `priority`: the incident ticket's priority.
    pub priority: Option<Priority>,
    /// `category`: recorded on the topic's messages while it fires.
    pub category: Option<String>,
    /// `drafts`: per channel, the template an official reply is drafted
    /// from, one per near-duplicate cluster of the incident's messages.
    pub drafts: BTreeMap<Channel, DraftTemplate>,
}

/// A template named by `drafts.<channel>` or `draft_reply`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DraftTemplate {
    /// The template's name (`templates/<name>.txt`).
    pub name: String,
    /// The parsed template.
    #[serde(skip)]
    pub template: Arc<Template>,
}
