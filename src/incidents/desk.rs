//! The trend detector in the writer: counts, fires, links, drafts.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};

use super::draft::draft_for_incident;
use super::new_topic::NewTopics;
use super::recent::{Member, Recent};
use super::record;
use super::view::{Published, TopicView, TrendsView};
use crate::model::{Channel, Incident, Message, Priority};
use crate::rules::{RuleSet, TopicRule};
use crate::store::{Store, StoreError, Tx};
use crate::trends::{EmergingTerm, EngineOptions, TopicSpec, TrendEngine, TrendEvent};

/// How far a message's own time may be ahead of its arrival before the
/// arrival time is used instead (a mail `Date` set in the future).
const FUTURE_SLACK: Duration = Duration::minutes(10);

/// What the desk did for one message.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DeskReport {
    /// Incident tickets opened.
    pub opened: Vec<String>,
    /// Messages linked to incidents (this one and, when a topic fired, its recent ones).
    pub linked: u32,
    /// Drafts proposed.
    pub drafts: u32,
}

/// The trend detector and what it remembers between messages.
pub struct TopicDesk {
    engine: TrendEngine,
    /// The rule set whose topics the engine watches.
    watched: Option<Arc<RuleSet>>,
    recent: Recent,
    /// Where `/api/trends` reads from, and the minute last published.
    view: TrendsView,
    published_minute: i64,
    /// What the batch being built did to the desk's memory, undone by
    /// [`TopicDesk::batch_failed`]: the detector reports a firing once, so
    /// an incident lost with its batch must be opened by the next one.
    journal: Journal,
    /// Events of a failed batch, acted on again at the next message.
    replay: Vec<TrendEvent>,
    /// Tickets for spiking terms no topic names.
    new_topics: NewTopics,
}

/// The current batch's events and the recent members it took.
#[derive(Debug, Default)]
struct Journal {
    events: Vec<TrendEvent>,
    taken: Vec<(String, Vec<Member>)>,
}

impl TopicDesk {
    /// The desk as it was last saved (shutdown or checkpoint), or a fresh one.
    pub fn load(store: &Store, view: TrendsView) -> TopicDesk {
        let engine = match store.trend_state() {
            Ok(Some(bytes)) => match serde_json::from_slice(&bytes)
                .map_err(|e| e.to_string())
                .and_then(|snapshot| TrendEngine::restore(snapshot).map_err(|e| e.to_string()))
            {
                Ok(engine) => engine,
                Err(e) => {
                    tracing::warn!(error = %e, "Saved trend state unreadable; baselines start over.");
                    TrendEngine::new(Vec::new(), EngineOptions::default())
                }
            },
            Ok(None) => TrendEngine::new(Vec::new(), EngineOptions::default()),
            Err(e) => {
                tracing::warn!(error = %e, "Saved trend state unreadable; baselines start over.");
                TrendEngine::new(Vec::new(), EngineOptions::default())
            }
        };
        TopicDesk {
            engine,
            watched: None,
            recent: Recent::default(),
            view,
            published_minute: i64::MIN,
            journal: Journal::default(),
            replay: Vec::new(),
            new_topics: NewTopics::load(store),
        }
    }

    /// The batch was applied: what it did stays done.
    pub fn batch_committed(&mut self) {
        self.journal = Journal::default();
        self.new_topics.batch_committed();
    }

    /// The batch was dropped: its incidents and resolutions are done again
    /// with the next batch, and the members it linked can be linked again.
    /// Its messages come back from their sources; the detector counts a
    /// returning author once per minute, so they are not counted twice.
    pub fn batch_failed(&mut self) {
        self.new_topics.batch_failed();
        let journal = std::mem::take(&mut self.journal);
        for (topic, members) in journal.taken {
            self.recent.put_back(&topic, members);
        }
        self.replay.extend(journal.events);
    }

    /// Writes the detector's state into `tx` (with a batch every few minutes, and at shutdown).
    pub fn save(&self, tx: &mut Tx<'_>) {
        match serde_json::to_vec(&self.engine.snapshot()) {
            Ok(bytes) => tx.set_trend_state(bytes),
            Err(e) => tracing::error!(error = %e, "Trend state not saved."),
        }
    }

    /// Per-minute unique authors of `topic` between `from` and `to`.
    pub fn series(
        &self,
        topic: &str,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Vec<(DateTime<Utc>, u32)> {
        match self.engine.topic_index(topic) {
            Some(i) => self.engine.topic_series(i, from, to),
            None => Vec::new(),
        }
    }

    /// Counts `message` (about the topics at `topics` in `rules`, carrying
    /// `terms`), acts on what fires or resolves, and links it to the open
    /// incidents of its topics. Call before the message is inserted: it may
    /// set `message.incident` and its category.
    pub fn observe(
        &mut self,
        tx: &mut Tx<'_>,
        rules: &Arc<RuleSet>,
        message: &mut Message,
        topics: &[usize],
        joined: Option<usize>,
        terms: &[String],
    ) -> Result<DeskReport, StoreError> {
        let mut report = DeskReport::default();
        self.watch(tx, rules, &mut report)?;
        for event in std::mem::take(&mut self.replay) {
            self.act(tx, rules, event, &mut report)?;
        }
        let at = message_time(message);
        let indexes: Vec<usize> = topics
            .iter()
            .filter_map(|&i| rules.topics.get(i))
            .filter_map(|t| self.engine.topic_index(&t.id))
            .collect();
        let terms_owned = terms;
        let terms: Vec<&str> = terms.iter().map(String::as_str).collect();
        let events = self
            .engine
            .observe(at, &message.author.id, &indexes, &terms);
        for event in events {
            self.act(tx, rules, event, &mut report)?;
        }
        let minute = at.timestamp().div_euclid(60);
        if minute > self.published_minute {
            self.published_minute = minute;
            self.publish(tx, rules, at, &mut report)?;
        }
        for topic in topics.iter().filter_map(|&i| rules.topics.get(i)) {
            if !topic.enabled {
                continue;
            }
            match tx.open_incident(&topic.id)? {
                Some(number) => link(tx, topic, &number, message, at, &mut report)?,
                None => self.recent.push(&topic.id, Member { id: message.id, at }),
            }
        }
        // `join_ticket = "topic:…"`: a member of the open incident without
        // being counted as about the topic (the rule, not the words, says so).
        if let Some(topic) = joined.filter(|i| !topics.contains(i))
            && let Some(topic) = rules.topics.get(topic)
            && let Some(number) = tx.open_incident(&topic.id)?
        {
            link(tx, topic, &number, message, at, &mut report)?;
        }
        let about_topic = !topics.is_empty() || joined.is_some();
        self.new_topics
            .observe(tx, message, terms_owned, about_topic, at, &mut report)?;
        Ok(report)
    }

    /// Publishes the topics' state and the emerging terms for `/api/trends`,
    /// and opens or ends new-topic tickets by them.
    fn publish(
        &mut self,
        tx: &mut Tx<'_>,
        rules: &RuleSet,
        at: DateTime<Utc>,
        report: &mut DeskReport,
    ) -> Result<(), StoreError> {
        let topics = self.topic_views(rules, at, |topic| tx.open_incident(topic))?;
        let emerging = self.engine.emerging(at);
        self.new_topics.review(tx, rules, &emerging, at, report)?;
        self.show(at, topics, emerging);
        Ok(())
    }

    /// Publishes the state restored by [`TopicDesk::load`] as of the
    /// detector's own clock, so `/api/trends` and the incident charts are not
    /// empty until the next message. Opens and ends nothing: that waits for
    /// the next message's transaction. Publishes nothing if the detector
    /// has never seen a message.
    pub fn publish_restored(&mut self, store: &Store, rules: &RuleSet) -> Result<(), StoreError> {
        let Some(at) = self.engine.now() else {
            return Ok(());
        };
        let open: HashMap<String, String> = store.open_incidents()?.into_iter().collect();
        let topics = self.topic_views(rules, at, |topic| Ok(open.get(topic).cloned()))?;
        let emerging = self.engine.emerging(at);
        // The minute is shown already: a message later in it has nothing new to show.
        self.published_minute = at.timestamp().div_euclid(60);
        self.show(at, topics, emerging);
        Ok(())
    }

    /// Every enabled topic of `rules` as of `at`; `open_incident` gives the
    /// incident a topic has open.
    fn topic_views(
        &self,
        rules: &RuleSet,
        at: DateTime<Utc>,
        mut open_incident: impl FnMut(&str) -> Result<Option<String>, StoreError>,
    ) -> Result<Vec<TopicView>, StoreError> {
        let mut topics = Vec::new();
        for topic in rules.topics.iter().filter(|t| t.enabled) {
            let index = self.engine.topic_index(&topic.id);
            topics.push(TopicView {
                id: topic.id.clone(),
                title: topic.title.clone(),
                firing: index.is_some_and(|i| self.engine.is_firing(i)),
                incident: open_incident(&topic.id)?,
                last_hour: index
                    .map(|i| self.engine.topic_series(i, at - Duration::hours(1), at))
                    .unwrap_or_default(),
                last_day: index
                    .map(|i| {
                        self.engine
                            .topic_series(i, at - Duration::hours(24), at)
                            .iter()
                            .map(|(_, n)| u64::from(*n))
                            .sum()
                    })
                    .unwrap_or_default(),
            });
        }
        Ok(topics)
    }

    /// Replaces what `/api/trends` shows.
    fn show(&self, at: DateTime<Utc>, topics: Vec<TopicView>, mut emerging: Vec<EmergingTerm>) {
        emerging.truncate(50);
        self.view.publish(Published {
            as_of: Some(at),
            topics,
            emerging,
            new_topics: self.new_topics.view(),
        });
    }

    /// Follows the rules in force: topics added start counting, removed
    /// ones resolve, kept ones keep their history.
    fn watch(
        &mut self,
        tx: &mut Tx<'_>,
        rules: &Arc<RuleSet>,
        report: &mut DeskReport,
    ) -> Result<(), StoreError> {
        if self.watched.as_ref().is_some_and(|w| Arc::ptr_eq(w, rules)) {
            return Ok(());
        }
        let specs: Vec<TopicSpec> = rules
            .topics
            .iter()
            .filter(|t| t.enabled)
            .map(spec_of)
            .collect();
        let events = self.engine.replace_topics(specs);
        self.watched = Some(rules.clone());
        self.recent
            .retain_topics(|id| rules.topics.iter().any(|t| t.id == id && t.enabled));
        for event in events {
            self.act(tx, rules, event, report)?;
        }
        Ok(())
    }

    fn act(
        &mut self,
        tx: &mut Tx<'_>,
        rules: &Arc<RuleSet>,
        event: TrendEvent,
        report: &mut DeskReport,
    ) -> Result<(), StoreError> {
        self.journal.events.push(event.clone());
        match event {
            TrendEvent::Firing {
                topic,
                at,
                onset,
                count,
                baseline,
                p_value,
                window,
                ..
            } => {
                tracing::warn!(%topic, %at, count, baseline, p_value, "Topic trending.");
                let Some(rule) = rules.topics.iter().find(|t| t.id == topic) else {
                    return Ok(());
                };
                if !rule.then.incident || tx.open_incident(&topic)?.is_some() {
                    return Ok(());
                }
                let window_minutes = window.as_secs().div_ceil(60);
                let number = open_incident(
                    tx,
                    rule,
                    Incident {
                        topic: topic.clone(),
                        title: rule.title.clone(),
                        onset,
                        fired_at: at,
                        count,
                        baseline,
                        p_value,
                        window_minutes,
                        members: 0,
                        drafts: 0,
                        resolved_at: None,
                    },
                )?;
                report.opened.push(number.clone());
                // The messages that made it fire belong to it too.
                let since = onset.min(at - Duration::minutes(window_minutes as i64));
                let taken = self.recent.take_since(&topic, since);
                for member in &taken {
                    if let Some(mut earlier) = tx.message(member.id)? {
                        link(tx, rule, &number, &mut earlier, at, report)?;
                        tx.update_message(&earlier)?;
                    }
                }
                self.journal.taken.push((topic, taken));
            }
            TrendEvent::Resolved { topic, at } => {
                tracing::info!(%topic, %at, "Topic no longer trending.");
                let Some(number) = tx.open_incident(&topic)? else {
                    return Ok(());
                };
                record::end(tx, &topic, &number, at)?;
            }
        }
        Ok(())
    }
}

/// Opens the incident ticket of a firing topic.
fn open_incident(
    tx: &mut Tx<'_>,
    rule: &TopicRule,
    incident: Incident,
) -> Result<String, StoreError> {
    let why = format!(
        "{} 分钟内 {} 位用户（此时段预期 {:.1}，p = {:.1e}）",
        incident.window_minutes, incident.count, incident.baseline, incident.p_value
    );
    record::open(
        tx,
        record::Opening {
            queue: rule
                .then
                .queue
                .clone()
                .unwrap_or_else(|| "incidents".to_string()),
            priority: rule.then.priority.unwrap_or(Priority::High),
            title: format!("【趋势】{}：{why}", rule.title),
            action: "incident.opened",
            incident,
        },
    )
}

/// Links `message` to the incident `number`: membership, the topic's
/// category, and a draft for its cluster.
fn link(
    tx: &mut Tx<'_>,
    topic: &TopicRule,
    number: &str,
    message: &mut Message,
    at: DateTime<Utc>,
    report: &mut DeskReport,
) -> Result<(), StoreError> {
    let Some(mut ticket) = record::add_member(tx, number, message, at)? else {
        return Ok(());
    };
    if let Some(category) = &topic.then.category {
        message.details.category = Some(category.clone());
    }
    let drafted = draft_for_incident(tx, topic, number, message, at)?;
    if let Some(incident) = ticket.incident.as_mut() {
        incident.drafts += u64::from(drafted);
    }
    tx.put_ticket(&ticket);
    report.linked += 1;
    report.drafts += u32::from(drafted);
    Ok(())
}

/// The time a message is counted at: its own (Weibo `created_at`, WeChat
/// `CreateTime`, mail `Date`), so a replay counts like live traffic did;
/// its arrival when it has none. A mail's `Date` is written by the sender
/// and may lie: one claiming to come from the future is counted on arrival,
/// so it cannot push the detector's clock ahead of everyone else.
pub fn message_time(message: &Message) -> DateTime<Utc> {
    match message.sent_at {
        Some(sent) if message.channel != Channel::Email => sent,
        Some(sent) if sent <= message.received_at + FUTURE_SLACK => sent,
        _ => message.received_at,
    }
}

fn spec_of(topic: &TopicRule) -> TopicSpec {
    let t = &topic.trigger;
    TopicSpec {
        id: topic.id.clone(),
        window: t.window,
        min_count: t.min_count,
        min_ratio: t.min_ratio,
        p_value: t.p_value,
        for_: t.hold,
        keep_firing_for: t.keep_firing_for,
        cooldown: t.cooldown,
        lambda_floor: t.baseline_floor,
    }
}

#[cfg(test)]
mod tests;
