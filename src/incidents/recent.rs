//! Each topic's recent messages, so the ones that made it fire join the
//! incident too. Bounded: at most [`KEEP`] per topic, and only those inside
//! the longest window a topic may have.

use std::collections::{HashMap, VecDeque};

use chrono::{DateTime, Utc};

use crate::model::MessageId;

/// Messages remembered per topic.
pub const KEEP: usize = 500;

/// A message that matched a topic before it fired.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Member {
    /// The message.
    pub id: MessageId,
    /// Its time (the one the detector counted it at).
    pub at: DateTime<Utc>,
}

/// Recent members per topic id.
#[derive(Debug, Default)]
pub struct Recent {
    by_topic: HashMap<String, VecDeque<Member>>,
}

impl Recent {
    /// Remembers `member` under `topic`, forgetting the oldest beyond [`KEEP`].
    pub fn push(&mut self, topic: &str, member: Member) {
        let list = self.by_topic.entry(topic.to_string()).or_default();
        list.push_back(member);
        while list.len() > KEEP {
            list.pop_front();
        }
    }

    /// Takes the members of `topic` at or after `since`, oldest first.
    pub fn take_since(&mut self, topic: &str, since: DateTime<Utc>) -> Vec<Member> {
        let Some(list) = self.by_topic.remove(topic) else {
            return Vec::new();
        };
        list.into_iter().filter(|m| m.at >= since).collect()
    }

    /// Gives back members taken by a batch that failed, ahead of those
    /// pushed since, so the retried firing links them again.
    pub fn put_back(&mut self, topic: &str, members: Vec<Member>) {
        let list = self.by_topic.entry(topic.to_string()).or_default();
        for member in members.into_iter().rev() {
            list.push_front(member);
        }
        while list.len() > KEEP {
            list.pop_front();
        }
    }

    /// Forgets topics no longer watched.
    pub fn retain_topics(&mut self, keep: impl Fn(&str) -> bool) {
        self.by_topic.retain(|topic, _| keep(topic));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn members_are_bounded_and_taken_by_time() {
        let mut recent = Recent::default();
        let t0 = DateTime::UNIX_EPOCH;
        for i in 0..(KEEP as i64 + 10) {
            recent.push(
                "t",
                Member {
                    id: MessageId::new(),
                    at: t0 + chrono::Duration::seconds(i),
                },
            );
        }
        let taken = recent.take_since("t", t0 + chrono::Duration::seconds(KEEP as i64));
        assert_eq!(taken.len(), 10);
        assert!(recent.take_since("t", t0).is_empty(), "taken once");
    }
}
