//! What `/api/trends` shows: the topics with their state and the last
//! hour's volume, and the emerging terms no topic covers. The writer
//! publishes it when message time enters a new minute; readers never wait
//! for the writer.

use std::sync::{Arc, RwLock};

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::trends::EmergingTerm;

/// The latest published trends; cheap to clone.
#[derive(Debug, Clone, Default)]
pub struct TrendsView {
    inner: Arc<RwLock<Published>>,
}

/// One publication.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Published {
    /// The message time it was computed at.
    pub as_of: Option<DateTime<Utc>>,
    /// Every watched topic.
    pub topics: Vec<TopicView>,
    /// Terms and hashtags spiking against their own baseline, strongest first.
    pub emerging: Vec<EmergingTerm>,
    /// Spiking terms no topic names that have a "new topic" ticket open.
    pub new_topics: Vec<super::new_topic::NewTopicView>,
}

/// A watched topic now.
#[derive(Debug, Clone, Serialize)]
pub struct TopicView {
    /// Its id in `rules/`.
    pub id: String,
    /// Its title.
    pub title: String,
    /// Whether it is trending.
    pub firing: bool,
    /// The incident ticket it has open.
    pub incident: Option<String>,
    /// Unique authors per minute over the last hour (a small chart).
    pub last_hour: Vec<(DateTime<Utc>, u32)>,
    /// Per-minute unique authors summed over the last 24 hours (author-minutes: the day's volume).
    pub last_day: u64,
}

impl Published {
    /// Unique authors per minute over the last hour of `topic`; empty for a
    /// topic not watched (any more), and for new-topic tickets, which have
    /// no per-minute series.
    pub fn last_hour(&self, topic: &str) -> &[(DateTime<Utc>, u32)] {
        self.topics
            .iter()
            .find(|t| t.id == topic)
            .map_or(&[], |t| t.last_hour.as_slice())
    }
}

impl TrendsView {
    /// Replaces what is shown.
    pub fn publish(&self, published: Published) {
        match self.inner.write() {
            Ok(mut p) => *p = published,
            Err(poisoned) => *poisoned.into_inner() = published,
        }
    }

    /// What is shown now.
    pub fn current(&self) -> Published {
        match self.inner.read() {
            Ok(p) => p.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }
}
