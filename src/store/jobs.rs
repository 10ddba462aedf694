//! What the scheduled jobs (`crate::jobs`) keep and remove: the record of
//! each day's digest, the reads the digest is written from, and the
//! sweeper's view of the records that grow without bound.
//!
//! The sweeper only ever sees the kinds of [`Sweepable`]: indexes and
//! windows that point at or count other records. Messages, tickets, drafts,
//! notes, the audit log and dedup marks are not among them, so no sweep can
//! remove them, whatever its bugs.
//!
//! Keys: `meta/digest/` ‖ YYYYMMDD → JSON [`DigestDay`].

use std::ops::Bound;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{MediaJob, MessageCounts, Store, StoreError, Tx, decode, encode, keys};
use crate::model::Ticket;

/// What the store remembers of one CST day's digest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DigestDay {
    /// The day's digest ticket.
    pub ticket: String,
    /// When the digest last ran that day.
    pub at: DateTime<Utc>,
    /// The message counters then, so the next day's digest can say how many arrived since.
    pub messages: MessageCounts,
}

impl Tx<'_> {
    /// The digest record of `day` (YYYYMMDD, CST).
    pub fn digest_day(&self, day: &str) -> Result<Option<DigestDay>, StoreError> {
        self.get_json(&keys::digest_day(day))
    }

    /// Writes the digest record of `day`.
    pub fn set_digest_day(&mut self, day: &str, record: &DigestDay) {
        self.put(keys::digest_day(day), encode(record));
    }
}

impl Store {
    /// The newest digest record of a day before `day`, with its day.
    pub fn digest_day_before(&self, day: &str) -> Result<Option<(String, DigestDay)>, StoreError> {
        let range = self
            .db()
            .range(keys::DIGEST_DAY.to_vec()..keys::digest_day(day));
        for item in range.rev() {
            let (key, value) = item?;
            if let Some(found) = key.strip_prefix(keys::DIGEST_DAY) {
                let record = decode(&key, &value)?;
                return Ok(Some((String::from_utf8_lossy(found).into_owned(), record)));
            }
        }
        Ok(None)
    }

    /// Incident tickets numbered on or after `day` (YYYYMMDD, CST), newest
    /// first. Numbers start with their day, so this is one range read.
    pub fn incident_tickets_since(&self, day: &str) -> Result<Vec<Ticket>, StoreError> {
        let mut out = Vec::new();
        // `tkt0` is the first key after every `tkt/` key ('0' follows '/').
        for item in self.db().range(keys::ticket(day)..b"tkt0".to_vec()).rev() {
            let (key, value) = item?;
            // Only incident tickets carry the key (`skip_serializing_if`):
            // most tickets are skipped without being decoded.
            if !contains(&value, br#""incident":"#) {
                continue;
            }
            let ticket: Ticket = decode(&key, &value)?;
            if ticket.incident.is_some() {
                out.push(ticket);
            }
        }
        Ok(out)
    }
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// A kind of record the sweeper may remove.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Sweepable {
    /// `conv/`: which ticket a chat customer's next message joins.
    Conversation,
    /// `ackwin/`: a sender's acknowledgement times (the hourly cap).
    AckWindow,
    /// `mediajob/`: a media download still to do.
    MediaJob,
    /// `meta/digest/`: a day's digest record.
    DigestDay,
}

impl Sweepable {
    /// Every kind, in the order a sweep visits them.
    pub const ALL: [Sweepable; 4] = [
        Sweepable::Conversation,
        Sweepable::AckWindow,
        Sweepable::MediaJob,
        Sweepable::DigestDay,
    ];

    /// The name in logs and metrics.
    pub fn name(self) -> &'static str {
        match self {
            Sweepable::Conversation => "conversation",
            Sweepable::AckWindow => "ack_window",
            Sweepable::MediaJob => "media_job",
            Sweepable::DigestDay => "digest_day",
        }
    }

    fn prefix(self) -> &'static [u8] {
        match self {
            Sweepable::Conversation => keys::CONVERSATION,
            Sweepable::AckWindow => keys::ACK_WINDOW,
            Sweepable::MediaJob => keys::MEDIA_JOB,
            Sweepable::DigestDay => keys::DIGEST_DAY,
        }
    }
}

/// One record as a sweep scan saw it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SweepEntry {
    /// Its kind.
    pub kind: Sweepable,
    key: Vec<u8>,
    value: Vec<u8>,
}

/// A swept record, decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SweepRecord {
    /// A chat conversation pointing at `ticket`.
    Conversation {
        /// The ticket number.
        ticket: String,
    },
    /// A sender's acknowledgement times, oldest first.
    AckWindow {
        /// The times.
        times: Vec<DateTime<Utc>>,
    },
    /// A media download job.
    MediaJob(MediaJob),
    /// The digest record of `day` (YYYYMMDD, CST).
    DigestDay {
        /// The day.
        day: String,
    },
}

impl SweepEntry {
    /// The record, decoded.
    pub fn decode(&self) -> Result<SweepRecord, StoreError> {
        Ok(match self.kind {
            Sweepable::Conversation => SweepRecord::Conversation {
                ticket: String::from_utf8_lossy(&self.value).into_owned(),
            },
            Sweepable::AckWindow => SweepRecord::AckWindow {
                times: decode(&self.key, &self.value)?,
            },
            Sweepable::MediaJob => SweepRecord::MediaJob(decode(&self.key, &self.value)?),
            Sweepable::DigestDay => SweepRecord::DigestDay {
                day: String::from_utf8_lossy(&self.key[keys::DIGEST_DAY.len()..]).into_owned(),
            },
        })
    }

    /// Where the next page starts (exclusive).
    pub fn position(&self) -> &[u8] {
        &self.key
    }
}

impl Store {
    /// Up to `limit` records of `kind`, in key order, after `after` (a
    /// [`SweepEntry::position`]). A synchronous sled scan: call it off the
    /// async runtime (`spawn_blocking`).
    pub fn sweep_page(
        &self,
        kind: Sweepable,
        after: Option<&[u8]>,
        limit: usize,
    ) -> Result<Vec<SweepEntry>, StoreError> {
        let prefix = kind.prefix();
        let start = match after {
            Some(after) => Bound::Excluded(after.to_vec()),
            None => Bound::Included(prefix.to_vec()),
        };
        let mut out = Vec::new();
        for item in self.db().range((start, Bound::Unbounded)) {
            let (key, value) = item?;
            if !key.starts_with(prefix) || out.len() >= limit {
                break;
            }
            out.push(SweepEntry {
                kind,
                key: key.to_vec(),
                value: value.to_vec(),
            });
        }
        Ok(out)
    }
}

impl Tx<'_> {
    /// The record as this transaction sees it now, if it still holds what
    /// the scan saw; None when it changed since (the pipeline rewrote a
    /// conversation, a sender was acknowledged again) or is gone.
    pub fn unchanged(&self, entry: &SweepEntry) -> Result<Option<SweepRecord>, StoreError> {
        match self.get(&entry.key)? {
            Some(now) if now == entry.value => entry.decode().map(Some),
            _ => Ok(None),
        }
    }

    /// Removes a swept record if it still holds what the scan saw; returns
    /// whether it did.
    pub fn remove_swept(&mut self, entry: &SweepEntry) -> Result<bool, StoreError> {
        if self.unchanged(entry)?.is_none() {
            return Ok(false);
        }
        self.remove(entry.key.clone());
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use chrono::Duration;

    use super::*;
    use crate::model::Channel;
    use crate::store::StoreOptions;

    #[tokio::test]
    async fn sweep_pages_stay_inside_their_prefix_and_resume_after_the_last_key() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = Store::open(dir.path(), StoreOptions::default()).expect("open");
        let now = Utc::now();
        let mut tx = store.begin().await;
        for i in 0..5 {
            let author = format!("user{i}");
            tx.set_conversation_ticket(Channel::Wechat, "oa", &author, "20261128-000001");
        }
        // Neighbours on either side of `conv/` must not leak into its pages.
        tx.set_cursor("c", "x", b"1");
        tx.set_ack_times("a@x.cn", &[now - Duration::hours(2)]);
        tx.commit().await.expect("commit");

        let first = store
            .sweep_page(Sweepable::Conversation, None, 3)
            .expect("page");
        assert_eq!(first.len(), 3);
        let after = first.last().map(SweepEntry::position);
        let rest = store
            .sweep_page(Sweepable::Conversation, after, 3)
            .expect("page");
        assert_eq!(rest.len(), 2);
        let after = rest.last().map(SweepEntry::position);
        let none = store
            .sweep_page(Sweepable::Conversation, after, 3)
            .expect("page");
        assert!(none.is_empty());

        let windows = store
            .sweep_page(Sweepable::AckWindow, None, 10)
            .expect("page");
        assert_eq!(windows.len(), 1);
        assert!(matches!(
            windows[0].decode().expect("decode"),
            SweepRecord::AckWindow { times } if times.len() == 1
        ));
    }

    #[tokio::test]
    async fn a_record_changed_since_the_scan_is_not_removed() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = Store::open(dir.path(), StoreOptions::default()).expect("open");
        let mut tx = store.begin().await;
        tx.set_conversation_ticket(Channel::Weibo, "wb", "u1", "20261128-000001");
        tx.set_conversation_ticket(Channel::Weibo, "wb", "u2", "20261128-000002");
        tx.commit().await.expect("commit");
        let page = store
            .sweep_page(Sweepable::Conversation, None, 10)
            .expect("page");

        let mut tx = store.begin().await;
        // The pipeline moved u1 to a new ticket after the scan.
        tx.set_conversation_ticket(Channel::Weibo, "wb", "u1", "20261128-000003");
        assert!(!tx.remove_swept(&page[0]).expect("remove"));
        assert!(tx.remove_swept(&page[1]).expect("remove"));
        tx.commit().await.expect("commit");

        let left = store
            .sweep_page(Sweepable::Conversation, None, 10)
            .expect("page");
        assert_eq!(left.len(), 1);
        assert_eq!(
            left[0].decode().expect("decode"),
            SweepRecord::Conversation {
                ticket: "20261128-000003".into()
            }
        );
    }

    #[tokio::test]
    async fn the_digest_record_before_a_day_is_the_newest_earlier_one() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = Store::open(dir.path(), StoreOptions::default()).expect("open");
        let record = |ticket: &str| DigestDay {
            ticket: ticket.into(),
            at: Utc::now(),
            messages: MessageCounts::default(),
        };
        let mut tx = store.begin().await;
        tx.set_digest_day("20261126", &record("a"));
        tx.set_digest_day("20261127", &record("b"));
        tx.set_digest_day("20261128", &record("c"));
        tx.commit().await.expect("commit");
        let found = store.digest_day_before("20261128").expect("read");
        assert_eq!(
            found.map(|(day, r)| (day, r.ticket)),
            Some(("20261127".into(), "b".into()))
        );
        assert_eq!(store.digest_day_before("20261126").expect("read"), None);
    }
}
