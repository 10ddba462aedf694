//! Running the rules over one message.

use std::path::PathBuf;

use serde::Serialize;

use super::condition::Subject;
use super::{DraftTemplate, InstantReply, JoinTarget, Rule, RuleActions, RuleSet, TopicRule};
use crate::analysis::ExtractedDetails;
use crate::model::{Message, Priority};

/// What the rules made of one message, with the reasons (`omnilisten explain`).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Evaluation {
    /// Rules whose conditions all held, in evaluation order, with why each condition held.
    pub matched: Vec<RuleOutcome>,
    /// Rules that did not match, with the first condition that failed (or `disabled`, or the rule that stopped evaluation).
    pub skipped: Vec<RuleOutcome>,
    /// The matched rules' actions, merged.
    pub actions: Actions,
    /// Topics the message is about, with why.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub topics: Vec<RuleOutcome>,
    /// Topics it is not about, with the first condition that failed.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub other_topics: Vec<RuleOutcome>,
    /// Indexes in `RuleSet::topics` of the topics it is about.
    #[serde(skip)]
    pub topic_indexes: Vec<usize>,
}

/// One rule's result for one message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RuleOutcome {
    /// The rule's id.
    pub rule_id: String,
    /// The file that defines it.
    pub file: PathBuf,
    /// Matched: one sentence per condition. Skipped: the one reason it was skipped.
    pub reasons: Vec<String>,
}

/// The merged actions: later matching rules override queue, priority and
/// category; tags accumulate; `ignore` from any rule wins over `open_ticket`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Actions {
    /// Open a ticket (or join the one this message follows up).
    pub open_ticket: bool,
    /// Queue of the ticket.
    pub queue: Option<String>,
    /// Priority of the ticket.
    pub priority: Option<Priority>,
    /// Category for the message's details.
    pub category: Option<String>,
    /// Tags for the message's details, without repeats, in the order rules added them.
    pub tags: Vec<String>,
    /// Record only: no ticket.
    pub ignore: bool,
    /// The instant reply asked for by the last matching rule that names one.
    pub instant_reply: Option<InstantReply>,
    /// The reply to draft, from the last matching rule that names one.
    pub draft_reply: Option<DraftTemplate>,
    /// The ticket or incident to join, from the last matching rule that names one.
    pub join_ticket: Option<JoinTarget>,
}

impl Actions {
    fn merge(&mut self, then: &RuleActions) {
        self.open_ticket |= then.open_ticket;
        self.ignore |= then.ignore;
        if then.queue.is_some() {
            self.queue.clone_from(&then.queue);
        }
        if then.priority.is_some() {
            self.priority = then.priority;
        }
        if then.category.is_some() {
            self.category.clone_from(&then.category);
        }
        if then.instant_reply.is_some() {
            self.instant_reply.clone_from(&then.instant_reply);
        }
        if then.draft_reply.is_some() {
            self.draft_reply.clone_from(&then.draft_reply);
        }
        if then.join_ticket.is_some() {
            self.join_ticket.clone_from(&then.join_ticket);
        }
        for tag in &then.tags {
            if !self.tags.contains(tag) {
                self.tags.push(tag.clone());
            }
        }
    }
}

/// Evaluates every rule against `msg`. `folded` is the matching form of the
/// subject, a newline and the text, made by the caller (keywords and regexes
/// are matched against it).
pub fn evaluate(rules: &RuleSet, msg: &Message, folded: &str) -> Evaluation {
    let details = ExtractedDetails::default();
    evaluate_subject(
        rules,
        &Subject {
            message: msg,
            text: folded,
            tokens: &[],
            hashtags: &[],
            details: &details,
            category: None,
        },
    )
}

/// Evaluates every rule and topic against an analyzed message.
pub fn evaluate_subject(rules: &RuleSet, subject: &Subject<'_>) -> Evaluation {
    let mut evaluation = Evaluation::default();
    let mut stopped_by: Option<&str> = None;
    for rule in &rules.rules {
        let current = Subject {
            category: evaluation.actions.category.as_deref(),
            ..*subject
        };
        let result = match stopped_by {
            Some(stopper) => Err(format!("not evaluated: rule {stopper} stops evaluation")),
            None if !rule.enabled => Err("disabled".to_string()),
            None => check(&rule.conditions, &current),
        };
        match result {
            Ok(reasons) => {
                evaluation.actions.merge(&rule.then);
                if rule.then.stop {
                    stopped_by = Some(&rule.id);
                }
                evaluation.matched.push(outcome(rule, reasons));
            }
            Err(reason) => evaluation.skipped.push(outcome(rule, vec![reason])),
        }
    }
    if evaluation.actions.ignore {
        evaluation.actions.open_ticket = false;
    }
    let current = Subject {
        category: evaluation.actions.category.as_deref(),
        ..*subject
    };
    for (i, topic) in rules.topics.iter().enumerate() {
        let result = if topic.enabled {
            check(&topic.conditions, &current)
        } else {
            Err("disabled".to_string())
        };
        match result {
            Ok(reasons) => {
                evaluation.topics.push(topic_outcome(topic, reasons));
                evaluation.topic_indexes.push(i);
            }
            Err(reason) => evaluation
                .other_topics
                .push(topic_outcome(topic, vec![reason])),
        }
    }
    evaluation
}

/// What [`evaluate_subject`] decides, without the reasons: the merged
/// actions and the topic indexes. The pipeline runs this for every message;
/// building a sentence per rule per message cost more than the rest of the
/// analysis (`omnilisten bench rules`).
pub fn evaluate_actions(rules: &RuleSet, subject: &Subject<'_>) -> Evaluation {
    let mut evaluation = Evaluation::default();
    for rule in rules.rules.iter().filter(|r| r.enabled) {
        let current = Subject {
            category: evaluation.actions.category.as_deref(),
            ..*subject
        };
        if rule.conditions.iter().all(|c| c.holds(&current)) {
            evaluation.actions.merge(&rule.then);
            if rule.then.stop {
                break;
            }
        }
    }
    if evaluation.actions.ignore {
        evaluation.actions.open_ticket = false;
    }
    let current = Subject {
        category: evaluation.actions.category.as_deref(),
        ..*subject
    };
    for (i, topic) in rules.topics.iter().enumerate() {
        if topic.enabled && topic.conditions.iter().all(|c| c.holds(&current)) {
            evaluation.topic_indexes.push(i);
        }
    }
    evaluation
}

/// Why every condition holds, or why the first failing one does not.
fn check(conditions: &[super::Condition], subject: &Subject<'_>) -> Result<Vec<String>, String> {
    if conditions.is_empty() {
        return Ok(vec!["no conditions: matches every message".to_string()]);
    }
    conditions.iter().map(|c| c.check(subject)).collect()
}

fn topic_outcome(topic: &TopicRule, reasons: Vec<String>) -> RuleOutcome {
    RuleOutcome {
        rule_id: topic.id.clone(),
        file: topic.file.clone(),
        reasons,
    }
}

fn outcome(rule: &Rule, reasons: Vec<String>) -> RuleOutcome {
    RuleOutcome {
        rule_id: rule.id.clone(),
        file: rule.file.clone(),
        reasons,
    }
}

#[cfg(test)]
mod tests;
