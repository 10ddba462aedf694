//! The store sweep: removes records that only point at or count other
//! records once they can no longer matter. sled has no TTL, so without
//! this they grow with every customer ever seen.
//!
//! | kind | removed when |
//! | --- | --- |
//! | `conversation` | its ticket is resolved, closed or gone (the next chat message opens a new ticket anyway), or unchanged for `conversation_retention` |
//! | `ack_window` | every acknowledgement in it is older than the hourly cap's window |
//! | `media_job` | its message is older than `media_job_retention`: WeChat deleted the file after 3 days, and no fetcher is running to give up on it |
//! | `digest_day` | its day is more than [`DIGEST_RETENTION_DAYS`] days back |
//!
//! The store can only hand these kinds to a sweep (`store::Sweepable`), so
//! messages, tickets, drafts, notes, the audit log and dedup marks are
//! out of its reach. Each kind is scanned in pages of `chunk` keys off the
//! runtime's threads; the stale entries of a page are checked again and
//! removed in one transaction, so the writer lock is held briefly and a
//! record the pipeline changed meanwhile is left alone.

use chrono::{DateTime, Duration, Utc};
use tokio_util::sync::CancellationToken;

use super::JobError;
use crate::config::JobsConfig;
use crate::model::{Ticket, TicketNumber, TicketState};
use crate::outbound::CAP_WINDOW;
use crate::store::{Store, StoreError, SweepEntry, SweepRecord, Sweepable};

/// Keys scanned per page, and so at most removed per transaction.
pub const CHUNK: usize = 1_000;
/// Digest records are kept this many days (the next digest compares with the newest).
pub const DIGEST_RETENTION_DAYS: i64 = 14;

/// How stale is stale.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SweepOptions {
    /// A conversation whose ticket has not changed for this long is removed.
    pub conversation_retention: Duration,
    /// A media job for a message older than this is removed.
    pub media_job_retention: Duration,
    /// Keys per page and per transaction.
    pub chunk: usize,
}

impl SweepOptions {
    /// The options `[jobs]` asks for.
    pub fn from_config(config: &JobsConfig) -> SweepOptions {
        let days = |d: std::time::Duration| Duration::from_std(d).unwrap_or(Duration::MAX);
        SweepOptions {
            conversation_retention: days(config.conversation_retention),
            media_job_retention: days(config.media_job_retention),
            chunk: CHUNK,
        }
    }
}

/// What a sweep removed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SweepReport {
    /// Conversations removed.
    pub conversations: u64,
    /// Acknowledgement windows removed.
    pub ack_windows: u64,
    /// Media jobs removed.
    pub media_jobs: u64,
    /// Digest records removed.
    pub digest_days: u64,
    /// Transactions committed.
    pub transactions: u64,
    /// The sweep stopped early for shutdown; the next one carries on.
    pub interrupted: bool,
}

impl SweepReport {
    /// Removed records per kind name, in [`Sweepable::ALL`] order.
    pub fn counts(&self) -> [(&'static str, u64); 4] {
        Sweepable::ALL.map(|kind| (kind.name(), self.count(kind)))
    }

    fn count(&self, kind: Sweepable) -> u64 {
        match kind {
            Sweepable::Conversation => self.conversations,
            Sweepable::AckWindow => self.ack_windows,
            Sweepable::MediaJob => self.media_jobs,
            Sweepable::DigestDay => self.digest_days,
        }
    }

    fn add(&mut self, kind: Sweepable, n: u64) {
        let slot = match kind {
            Sweepable::Conversation => &mut self.conversations,
            Sweepable::AckWindow => &mut self.ack_windows,
            Sweepable::MediaJob => &mut self.media_jobs,
            Sweepable::DigestDay => &mut self.digest_days,
        };
        *slot += n;
    }
}

/// The cut-off times of one sweep.
#[derive(Debug, Clone)]
struct Cutoffs {
    conversation: DateTime<Utc>,
    ack_window: DateTime<Utc>,
    media_job: DateTime<Utc>,
    /// YYYYMMDD (CST): records of earlier days go.
    digest_day: String,
}

impl Cutoffs {
    fn new(options: &SweepOptions, now: DateTime<Utc>) -> Cutoffs {
        let before = |d: Duration| {
            now.checked_sub_signed(d)
                .unwrap_or(DateTime::<Utc>::MIN_UTC)
        };
        Cutoffs {
            conversation: before(options.conversation_retention),
            ack_window: before(CAP_WINDOW),
            media_job: before(options.media_job_retention),
            digest_day: TicketNumber::day_of(before(Duration::days(DIGEST_RETENTION_DAYS))),
        }
    }

    /// Whether `record` can go; `ticket` looks a ticket up (in the store
    /// while scanning, in the transaction when removing).
    fn is_stale(
        &self,
        record: &SweepRecord,
        ticket: impl FnOnce(&str) -> Result<Option<Ticket>, StoreError>,
    ) -> Result<bool, StoreError> {
        Ok(match record {
            SweepRecord::Conversation { ticket: number } => match ticket(number)? {
                None => true,
                Some(t) => {
                    matches!(t.state, TicketState::Resolved | TicketState::Closed)
                        || t.updated_at < self.conversation
                }
            },
            SweepRecord::AckWindow { times } => times.iter().all(|t| *t < self.ack_window),
            SweepRecord::MediaJob(job) => job.created_at < self.media_job,
            SweepRecord::DigestDay { day } => day.as_str() < self.digest_day.as_str(),
        })
    }
}

/// Removes what is stale at `now`; stops between two pages when `stop` is cancelled.
pub async fn run_sweep(
    store: &Store,
    options: &SweepOptions,
    now: DateTime<Utc>,
    stop: &CancellationToken,
) -> Result<SweepReport, JobError> {
    let cutoffs = Cutoffs::new(options, now);
    let chunk = options.chunk.max(1);
    let mut report = SweepReport::default();
    for kind in Sweepable::ALL {
        let mut after: Option<Vec<u8>> = None;
        loop {
            if stop.is_cancelled() {
                report.interrupted = true;
                return Ok(report);
            }
            let (stale, next) = scan_page(store, &cutoffs, kind, after.take(), chunk).await?;
            if !stale.is_empty() {
                let removed = remove(store, &cutoffs, &stale).await?;
                report.add(kind, removed);
                report.transactions += 1;
            }
            match next {
                Some(position) => after = Some(position),
                None => break,
            }
        }
    }
    Ok(report)
}

/// One page of `kind` after `after`: its stale entries, and where the next
/// page starts (None at the end).
async fn scan_page(
    store: &Store,
    cutoffs: &Cutoffs,
    kind: Sweepable,
    after: Option<Vec<u8>>,
    chunk: usize,
) -> Result<(Vec<SweepEntry>, Option<Vec<u8>>), JobError> {
    let store = store.clone();
    let cutoffs = cutoffs.clone();
    // A synchronous sled scan plus a ticket read per conversation.
    let page = tokio::task::spawn_blocking(move || {
        let page = store.sweep_page(kind, after.as_deref(), chunk)?;
        let next = (page.len() >= chunk)
            .then(|| page.last().map(|e| e.position().to_vec()))
            .flatten();
        let mut stale = Vec::new();
        for entry in page {
            let record = match entry.decode() {
                Ok(record) => record,
                Err(e) => {
                    // Left for a person: one unreadable record must not stop every sweep.
                    tracing::warn!(kind = kind.name(), error = %e, "Unreadable record not swept.");
                    continue;
                }
            };
            if cutoffs.is_stale(&record, |n| store.ticket(n))? {
                stale.push(entry);
            }
        }
        Ok::<_, StoreError>((stale, next))
    })
    .await??;
    Ok(page)
}

/// Removes the entries still stale under the writer lock, in one transaction.
async fn remove(store: &Store, cutoffs: &Cutoffs, stale: &[SweepEntry]) -> Result<u64, JobError> {
    let mut tx = store.begin().await;
    let mut removed = 0;
    for entry in stale {
        let still_stale = match tx.unchanged(entry)? {
            Some(record) => cutoffs.is_stale(&record, |n| tx.ticket(n))?,
            None => false,
        };
        if still_stale && tx.remove_swept(entry)? {
            removed += 1;
        }
    }
    tx.commit().await?;
    Ok(removed)
}

#[cfg(test)]
mod tests;
