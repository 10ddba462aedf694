//! Per-message rules from `rules/*.toml`: conditions on a message (channel,
//! connector, kind of mail or item, keywords, regex, sender, attachments) and
//! the actions when they hold (open a ticket, queue, priority, category, tags,
//! an instant reply).
//!
//! Evaluation is pure: [`evaluate`] takes the rules, a message and its folded
//! text and returns what matched, what did not and why, and the merged
//! actions. `omnilisten explain` prints that result as it is. Loading lives in
//! `file`, called by `config::load`, and reports `config::Problem`s; `live`
//! holds the set in force and `watch` reloads it when the files change.

mod condition;
mod emerging;
mod eval;
mod file;
mod live;
mod topic;
mod watch;

use std::path::PathBuf;
use std::sync::Arc;

use serde::Serialize;

use crate::model::Priority;
use crate::outbound::Template;

pub use condition::{Condition, DetailKind, MailKindName, SenderPattern, Subject};
pub use emerging::EmergingRule;
pub use eval::{Actions, Evaluation, RuleOutcome, evaluate, evaluate_actions, evaluate_subject};
pub use file::load_files;
pub use live::{LiveRules, RulesStatus};
pub use topic::{DraftTemplate, TopicActions, TopicRule, Trigger};
pub use watch::RulesWatcher;

/// Every rule, in file name order then in order within each file.
#[derive(Debug, Clone, Default)]
pub struct RuleSet {
    /// The rules; earlier ones are evaluated first, later ones override their queue, priority and category.
    pub rules: Vec<Rule>,
    /// The topics (`[[topic]]`), in file order.
    pub topics: Vec<TopicRule>,
    /// `[emerging]`: what spiking terms no topic covers do; None: listed only.
    pub emerging: Option<EmergingRule>,
    /// The text analysis (dictionaries in `rules/dict/`); None: matching on
    /// the folded text alone, without words, hashtags or details.
    pub analyzer: Option<crate::analysis::Analyzer>,
}

impl RuleSet {
    /// Whether some rule answers pushes at once (a WeChat passive reply).
    pub fn has_instant_replies(&self) -> bool {
        self.rules.iter().any(|r| r.then.instant_reply.is_some())
    }
}

/// One `[[rule]]`.
#[derive(Debug, Clone)]
pub struct Rule {
    /// `id`: unique across all rule files.
    pub id: String,
    /// `description`: what the rule is for, for people.
    pub description: String,
    /// `enabled`: default true; a disabled rule is listed as skipped.
    pub enabled: bool,
    /// The file it was read from.
    pub file: PathBuf,
    /// The line of its `[[rule]]` header.
    pub line: usize,
    /// `[rule.when]`: all must hold, in this order (cheap checks first); empty matches everything.
    pub conditions: Vec<Condition>,
    /// `[rule.then]`.
    pub then: RuleActions,
}

/// `[rule.then]`: what one rule asks for when it matches.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RuleActions {
    /// `open_ticket`: open a ticket, or join the one this message follows up.
    pub open_ticket: bool,
    /// `queue`: the queue the ticket goes to.
    pub queue: Option<String>,
    /// `priority`: `low`, `normal`, `high` or `urgent`.
    pub priority: Option<Priority>,
    /// `category`: set on the message's details.
    pub category: Option<String>,
    /// `tags`: added to the message's details.
    pub tags: Vec<String>,
    /// `ignore`: record the message but open no ticket, whatever other rules ask.
    pub ignore: bool,
    /// `stop`: rules after this one are not evaluated.
    pub stop: bool,
    /// `instant_reply`: the template a WeChat push is answered with at once.
    pub instant_reply: Option<InstantReply>,
    /// `draft_reply`: the template a reply to the message is drafted from, for review.
    pub draft_reply: Option<DraftTemplate>,
    /// `join_ticket`: the ticket (or topic's open incident) the message joins instead of opening its own.
    pub join_ticket: Option<JoinTarget>,
}

/// What `join_ticket` names.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", content = "id", rename_all = "snake_case")]
pub enum JoinTarget {
    /// A ticket by number; ignored once it is closed or if it does not exist.
    Ticket(String),
    /// The open incident of a topic; ignored while the topic has none.
    Topic(String),
}

/// A reply given in the push's own HTTP answer (WeChat's passive reply),
/// rendered from `rules/templates/<name>.txt` once the ticket is known.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InstantReply {
    /// The template's name, as the rule wrote it.
    pub name: String,
    /// The parsed template.
    #[serde(skip)]
    pub template: Arc<Template>,
}
