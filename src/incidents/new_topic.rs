//! "New topic" tickets: a term or hashtag that no topic names, spiking hard
//! enough (`[emerging]` in `rules/`), opens one ticket; the recent messages
//! carrying it and every later one join it until the term has been off the
//! emerging list for `quiet_for`; then it may not open another for
//! `cooldown`. Open ones are keyed `new:<term>` in the open-incident index.

use std::collections::{HashMap, VecDeque};

use chrono::{DateTime, Duration, Utc};

use super::desk::DeskReport;
use super::record;
use crate::model::{Incident, Message, MessageId};
use crate::rules::{EmergingRule, RuleSet};
use crate::store::{Store, StoreError, Tx};
use crate::trends::{EmergingTerm, hash_str};

/// Prefix of a new topic's key in the open-incident index.
pub const PREFIX: &str = "new:";

/// Recent messages remembered with their terms' hashes, to link the ones
/// that made a term spike.
const RING: usize = 5_000;

/// How far back a new ticket looks for the messages that made it.
const LOOK_BACK: Duration = Duration::minutes(15);

/// A recent message as the ring keeps it.
#[derive(Debug)]
struct Remembered {
    id: MessageId,
    at: DateTime<Utc>,
    /// Hashes of its terms.
    terms: Box<[u64]>,
    /// Whether it was about some topic.
    about_topic: bool,
}

/// A term with a ticket open.
#[derive(Debug, Clone)]
struct Open {
    number: String,
    /// The last time (message time) it was on the emerging list.
    last_listed: Option<DateTime<Utc>>,
}

/// What a batch changed, undone when it fails.
#[derive(Debug, Default)]
struct Journal {
    opened: Vec<String>,
    closed: Vec<(String, Open)>,
}

/// The new-topic tickets the desk keeps.
#[derive(Debug, Default)]
pub struct NewTopics {
    open: HashMap<String, Open>,
    /// Term → when its ticket's topic ended (for the cooldown).
    ended: HashMap<String, DateTime<Utc>>,
    ring: VecDeque<Remembered>,
    journal: Journal,
}

/// A new topic as `/api/trends` shows it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct NewTopicView {
    /// The term or `#hashtag#`.
    pub term: String,
    /// Its ticket.
    pub ticket: String,
}

impl NewTopics {
    /// The ones open in `store` (after a restart).
    pub fn load(store: &Store) -> NewTopics {
        let mut topics = NewTopics::default();
        match store.open_incidents() {
            Ok(open) => {
                for (key, number) in open {
                    if let Some(term) = key.strip_prefix(PREFIX) {
                        topics.open.insert(
                            term.to_string(),
                            Open {
                                number,
                                last_listed: None,
                            },
                        );
                    }
                }
            }
            Err(e) => tracing::warn!(error = %e, "New topics not read; none are open."),
        }
        topics
    }

    /// The open ones, for `/api/trends`.
    pub fn view(&self) -> Vec<NewTopicView> {
        let mut out: Vec<NewTopicView> = self
            .open
            .iter()
            .map(|(term, open)| NewTopicView {
                term: term.clone(),
                ticket: open.number.clone(),
            })
            .collect();
        out.sort_by(|a, b| a.ticket.cmp(&b.ticket));
        out
    }

    /// The batch was applied.
    pub fn batch_committed(&mut self) {
        self.journal = Journal::default();
    }

    /// The batch was dropped: tickets it opened or ended never happened.
    pub fn batch_failed(&mut self) {
        let journal = std::mem::take(&mut self.journal);
        for term in journal.opened {
            self.open.remove(&term);
        }
        for (term, open) in journal.closed {
            self.ended.remove(&term);
            self.open.insert(term, open);
        }
    }

    /// Links `message` to the new topics whose term it carries, and
    /// remembers it for topics that open later.
    pub fn observe(
        &mut self,
        tx: &mut Tx<'_>,
        message: &mut Message,
        terms: &[String],
        about_topic: bool,
        at: DateTime<Utc>,
        report: &mut DeskReport,
    ) -> Result<(), StoreError> {
        if !self.open.is_empty() {
            for term in terms {
                if let Some(open) = self.open.get(term.as_str()) {
                    let number = open.number.clone();
                    add_member(tx, &number, message, at, report)?;
                }
            }
        }
        self.ring.push_back(Remembered {
            id: message.id,
            at,
            terms: terms.iter().map(|t| hash_str(t)).collect(),
            about_topic,
        });
        while self.ring.len() > RING {
            self.ring.pop_front();
        }
        Ok(())
    }

    /// Acts on the emerging list at `at` (once per message minute): opens
    /// tickets for strong new spikes, ends topics that went quiet.
    pub fn review(
        &mut self,
        tx: &mut Tx<'_>,
        rules: &RuleSet,
        emerging: &[EmergingTerm],
        at: DateTime<Utc>,
        report: &mut DeskReport,
    ) -> Result<(), StoreError> {
        let Some(rule) = rules.emerging.as_ref() else {
            return Ok(());
        };
        for term in emerging {
            if let Some(open) = self.open.get_mut(&term.term) {
                open.last_listed = Some(at);
                continue;
            }
            if self.may_open(rules, rule, term, at) {
                self.open_ticket(tx, rule, term, at, report)?;
            }
        }
        let quiet = Duration::from_std(rule.quiet_for).unwrap_or(Duration::hours(1));
        let ended: Vec<String> = self
            .open
            .iter_mut()
            .filter_map(|(term, open)| {
                let listed = *open.last_listed.get_or_insert(at);
                (at - listed > quiet).then(|| term.clone())
            })
            .collect();
        for term in ended {
            if let Some(open) = self.open.remove(&term) {
                record::end(tx, &format!("{PREFIX}{term}"), &open.number, at)?;
                self.ended.insert(term.clone(), at);
                self.journal.closed.push((term, open));
            }
        }
        Ok(())
    }

    fn may_open(
        &self,
        rules: &RuleSet,
        rule: &EmergingRule,
        term: &EmergingTerm,
        at: DateTime<Utc>,
    ) -> bool {
        let cooldown = Duration::from_std(rule.cooldown).unwrap_or(Duration::hours(24));
        rule.may_open(&term.term)
            && term.score >= rule.min_score
            && term.authors >= rule.min_authors
            && self
                .ended
                .get(&term.term)
                .is_none_or(|e| at - *e >= cooldown)
            && !rules
                .topics
                .iter()
                .any(|t| t.enabled && t.names_term(&term.term))
            && !self.mostly_about_topics(&term.term, at)
    }

    /// Whether most recent messages carrying `term` are about a topic
    /// already: 系统繁忙 spiking with a 抢红包 burst is that burst's word,
    /// not a new topic.
    fn mostly_about_topics(&self, term: &str, at: DateTime<Utc>) -> bool {
        let hash = hash_str(term);
        let since = at - LOOK_BACK;
        let (mut carrying, mut about) = (0_u32, 0_u32);
        for m in self.ring.iter().rev().take_while(|m| m.at >= since) {
            if m.terms.contains(&hash) {
                carrying += 1;
                about += u32::from(m.about_topic);
            }
        }
        carrying > 0 && about * 2 > carrying
    }

    fn open_ticket(
        &mut self,
        tx: &mut Tx<'_>,
        rule: &EmergingRule,
        term: &EmergingTerm,
        at: DateTime<Utc>,
        report: &mut DeskReport,
    ) -> Result<(), StoreError> {
        let key = format!("{PREFIX}{}", term.term);
        if tx.open_incident(&key)?.is_some() {
            return Ok(());
        }
        let incident = Incident {
            topic: key,
            title: format!("新话题：{}", term.term),
            onset: at - LOOK_BACK,
            fired_at: at,
            count: term.authors,
            baseline: term.baseline,
            p_value: 10f64.powf(-term.score),
            window_minutes: 5,
            members: 0,
            drafts: 0,
            resolved_at: None,
        };
        let number = record::open(
            tx,
            record::Opening {
                incident,
                queue: rule.queue.clone(),
                priority: rule.priority,
                title: format!(
                    "【新话题】{}：{} 条消息、约 {} 位用户（预期 {:.1}）",
                    term.term, term.count, term.authors, term.baseline
                ),
                action: "incident.new_topic",
            },
        )?;
        tracing::warn!(term = %term.term, ticket = %number, score = term.score, "New topic spiking; ticket opened.");
        report.opened.push(number.clone());
        // The messages that made it spike.
        let hash = hash_str(&term.term);
        let since = at - LOOK_BACK;
        let earlier: Vec<MessageId> = self
            .ring
            .iter()
            .filter(|m| m.at >= since && m.terms.contains(&hash))
            .map(|m| m.id)
            .collect();
        for id in earlier {
            if let Some(mut message) = tx.message(id)? {
                add_member(tx, &number, &mut message, at, report)?;
                tx.update_message(&message)?;
            }
        }
        self.open.insert(
            term.term.clone(),
            Open {
                number,
                last_listed: Some(at),
            },
        );
        self.journal.opened.push(term.term.clone());
        Ok(())
    }
}

/// Adds `message` to the new topic's ticket `number` as a member.
fn add_member(
    tx: &mut Tx<'_>,
    number: &str,
    message: &mut Message,
    at: DateTime<Utc>,
    report: &mut DeskReport,
) -> Result<(), StoreError> {
    if let Some(ticket) = record::add_member(tx, number, message, at)? {
        tx.put_ticket(&ticket);
        report.linked += 1;
    }
    Ok(())
}
