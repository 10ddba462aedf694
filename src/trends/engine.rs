//! The trend engine: counts every message once, evaluates every topic once
//! per minute of message time, and tracks emerging terms.
//!
//! Time is message time only: the newest minute seen is the engine's clock.
//! When a message (or [`TrendEngine::advance`]) moves the clock into a new
//! minute, every minute that just completed is evaluated in order, so the
//! same messages always give the same events, at any replay speed.

use std::collections::HashMap;

use chrono::{DateTime, Utc};

use super::emerging::{Emerging, EmergingTerm};
use super::event::TrendEvent;
use super::hash::hash_str;
use super::series::{BUCKET, BUCKETS_KEPT, MINUTES_KEPT, Series, bucket_of};
use super::snapshot::{RestoreError, Snapshot};
use super::spec::{EngineOptions, TopicSpec, minutes};
use super::topic::{Context, TopicState};
use super::{minute_of, minute_time};

/// Trend detection over rule topics (layer A) and open vocabulary (layer B).
#[derive(Debug, Clone)]
pub struct TrendEngine {
    /// Sanitized options.
    pub(crate) options: EngineOptions,
    /// The watched topics, in the caller's order.
    pub(crate) topics: Vec<TopicState>,
    /// Unique authors per minute over all messages.
    pub(crate) total: Series,
    /// Open minutes of the total.
    pub(crate) total_open: super::unique::OpenMinutes,
    /// Newest minute of message time seen; `None` before the first message.
    pub(crate) clock: Option<i64>,
    /// Newest minute that received a message.
    pub(crate) last_data: i64,
    /// Layer B.
    pub(crate) emerging: Emerging,
}

/// Marks a topic whose history starts with the engine's first message.
const FROM_FIRST_MESSAGE: i64 = i64::MIN;

impl TrendEngine {
    /// An engine watching `topics` (out-of-range settings are clamped).
    pub fn new(topics: Vec<TopicSpec>, options: EngineOptions) -> TrendEngine {
        let options = options.sanitized();
        let late = options.late_minutes();
        TrendEngine {
            topics: topics
                .into_iter()
                .map(|spec| TopicState::new(spec, 0, late, FROM_FIRST_MESSAGE))
                .collect(),
            total: Series::new(0),
            total_open: super::unique::OpenMinutes::new(late as usize),
            clock: None,
            last_data: i64::MIN,
            emerging: Emerging::new(options.emerging.clone()),
            options,
        }
    }

    /// The topics watched, in the order `observe` indexes them.
    pub fn topics(&self) -> impl Iterator<Item = &TopicSpec> {
        self.topics.iter().map(|t| &t.spec)
    }

    /// The index of the topic with `id`.
    pub fn topic_index(&self, id: &str) -> Option<usize> {
        self.topics.iter().position(|t| t.spec.id == id)
    }

    /// The start of the newest minute of message time seen; `None` before the first message.
    pub fn now(&self) -> Option<DateTime<Utc>> {
        self.clock.map(minute_time)
    }

    /// Whether the topic at `topic` is firing.
    pub fn is_firing(&self, topic: usize) -> bool {
        self.topics
            .get(topic)
            .is_some_and(|t| t.detector.is_firing())
    }

    /// Counts one message by `author` at `at` matching the topics at the
    /// indexes `topics` (unknown indexes are ignored) and carrying `terms`;
    /// returns the events of the minutes this message completed.
    pub fn observe(
        &mut self,
        at: DateTime<Utc>,
        author: &str,
        topics: &[usize],
        terms: &[&str],
    ) -> Vec<TrendEvent> {
        let minute = minute_of(at);
        let events = self.advance_to(minute);
        let clock = self.clock.unwrap_or(minute);
        let author_hash = hash_str(author);
        // Recent enough minutes count each author once; older ones are too
        // late to deduplicate per minute and count once in whatever rings
        // still hold their minute (topic and total alike, so shares stay fair).
        let open = minute > clock - self.total_open.len();
        let grown = if open {
            self.total_open.insert(minute, author_hash)
        } else {
            1
        };
        self.total.add(minute, grown);
        for &t in topics {
            if let Some(topic) = self.topics.get_mut(t) {
                topic.count(minute, author_hash, open);
            }
        }
        self.last_data = self.last_data.max(minute);
        self.emerging.observe(at.timestamp(), author_hash, terms);
        events
    }

    /// Moves message time on to `now` without a message, evaluating the
    /// minutes that completed.
    pub fn advance(&mut self, now: DateTime<Utc>) -> Vec<TrendEvent> {
        self.advance_to(minute_of(now))
    }

    /// Moves the clock to `minute`, evaluating each completed minute.
    fn advance_to(&mut self, minute: i64) -> Vec<TrendEvent> {
        let Some(clock) = self.clock else {
            self.start(minute);
            return Vec::new();
        };
        if minute <= clock {
            return Vec::new();
        }
        let ctx = Context {
            days: self.options.baseline_days,
            halo: minutes(self.options.baseline_halo),
            tests: if self.options.bonferroni {
                u32::try_from(self.topics.len()).unwrap_or(u32::MAX)
            } else {
                1
            },
        };
        // Once every window is empty and no topic is pending or firing, the
        // remaining minutes of a gap cannot change anything: skip them.
        let longest = self
            .topics
            .iter()
            .map(|t| t.spec.window_minutes())
            .max()
            .unwrap_or(1);
        let mut events = Vec::new();
        for end in clock..minute {
            if end > self.last_data.saturating_add(longest)
                && self.topics.iter().all(|t| t.detector.is_idle())
            {
                break;
            }
            self.total.advance(end);
            for topic in &mut self.topics {
                topic.series.advance(end);
                events.extend(topic.evaluate(&self.total, end, ctx));
            }
        }
        self.total.advance(minute);
        for topic in &mut self.topics {
            topic.series.advance(minute);
        }
        self.clock = Some(minute);
        events
    }

    /// Starts the clock at the first message's minute.
    fn start(&mut self, minute: i64) {
        self.clock = Some(minute);
        self.total = Series::new(minute);
        let from = bucket_of(minute) * BUCKET;
        for topic in &mut self.topics {
            topic.series = Series::new(minute);
            if topic.history_from == FROM_FIRST_MESSAGE {
                topic.history_from = from;
            }
        }
    }

    /// Per-minute unique authors of the topic at `topic` from `from` to `to`
    /// (inclusive minutes), for a chart; an author is counted in the first
    /// minute they write in per topic window. Minutes older than the 2-day fine
    /// ring come back as one point per 15-minute bucket (the bucket's sum,
    /// dated at its start), up to 28 days back; later minutes than the
    /// newest message are left out.
    pub fn topic_series(
        &self,
        topic: usize,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Vec<(DateTime<Utc>, u32)> {
        let (Some(state), Some(clock)) = (self.topics.get(topic), self.clock) else {
            return Vec::new();
        };
        let series = &state.series;
        let (from, to) = (minute_of(from), minute_of(to).min(clock));
        let fine_start = clock - MINUTES_KEPT + 1;
        let mut points = Vec::new();
        if from < fine_start {
            let first = bucket_of(from).max(bucket_of(clock) - BUCKETS_KEPT + 1);
            let last = bucket_of(fine_start) - 1;
            for bucket in first..=last.min(bucket_of(to)) {
                points.push((minute_time(bucket * BUCKET), series.bucket(bucket)));
            }
        }
        for minute in from.max(fine_start)..=to {
            points.push((minute_time(minute), series.minute(minute)));
        }
        points
    }

    /// Replaces the watched topics (hot reload): a topic whose id survives
    /// keeps its counts, baseline and alert state under its new settings; a
    /// new one starts in warm-up. A removed topic that was firing is
    /// reported resolved.
    pub fn replace_topics(&mut self, topics: Vec<TopicSpec>) -> Vec<TrendEvent> {
        let late = self.options.late_minutes();
        let head = self.total.head();
        // New topics' history starts at the next full bucket: the current
        // one holds traffic from before the topic existed.
        let history_from = match self.clock {
            Some(clock) => (bucket_of(clock) + 1) * BUCKET,
            None => FROM_FIRST_MESSAGE,
        };
        let mut old: HashMap<String, TopicState> = HashMap::new();
        for state in std::mem::take(&mut self.topics) {
            old.entry(state.spec.id.clone()).or_insert(state);
        }
        self.topics = topics
            .into_iter()
            .map(|spec| match old.remove(&spec.id) {
                Some(mut state) => {
                    state.spec = spec.sanitized();
                    state
                }
                None => TopicState::new(spec, head, late, history_from),
            })
            .collect();
        let at = minute_time(self.clock.unwrap_or(0));
        let mut resolved: Vec<TrendEvent> = old
            .into_values()
            .filter(|state| state.detector.is_firing())
            .map(|state| TrendEvent::Resolved {
                topic: state.spec.id,
                at,
            })
            .collect();
        resolved.sort_by(|a, b| a.topic().cmp(b.topic()));
        resolved
    }

    /// Emerging terms of the latest 5-minute windows as of `at`, most
    /// surprising first (empty during the first `min_history`).
    pub fn emerging(&self, at: DateTime<Utc>) -> Vec<EmergingTerm> {
        self.emerging.emerging(at.timestamp())
    }

    /// A serializable copy of the whole state.
    pub fn snapshot(&self) -> Snapshot {
        Snapshot::of(self)
    }

    /// An engine continuing exactly where `snapshot` left off.
    pub fn restore(snapshot: Snapshot) -> Result<TrendEngine, RestoreError> {
        snapshot.into_engine()
    }

    /// Approximate heap bytes held by the engine.
    pub fn memory_bytes(&self) -> usize {
        self.topics
            .iter()
            .map(TopicState::memory_bytes)
            .sum::<usize>()
            + self.topics.capacity() * std::mem::size_of::<TopicState>()
            + self.total.memory_bytes()
            + self.total_open.memory_bytes()
            + self.emerging.memory_bytes()
    }

    /// Approximate heap bytes held by the emerging-terms state alone.
    pub fn emerging_memory_bytes(&self) -> usize {
        self.emerging.memory_bytes()
    }
}
