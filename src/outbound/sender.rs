//! The outbox sender: takes due entries one at a time and hands them to the
//! SMTP server, at most once each.
//!
//! Each entry is marked `sending` durably *before* it is handed over (that
//! commit also makes durable the batch that enqueued it, so we never send
//! for a ticket a crash could still undo), and `sent` after the server's
//! 250. A crash in between leaves `sending`, which the next start turns into
//! `uncertain` for a person to decide: never resent by itself. Temporary
//! failures go back to `pending` with exponential backoff; when the server
//! itself is unreachable the whole sender backs off, not each entry.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use lettre::message::Mailbox;
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

use super::message::render;
use super::policy::CAP_WINDOW;
use super::smtp::{MailTransport, SendError};
use crate::metrics::Metrics;
use crate::store::{OutboxEntry, OutboxId, OutboxState, Store, StoreError};

/// Longest wait between two looks at the outbox (a safety net: the writer
/// wakes the sender when it enqueues).
const POLL: Duration = Duration::from_secs(5);
/// First retry delay; doubles per attempt.
const FIRST_RETRY: Duration = Duration::from_secs(1);
/// Longest retry delay.
const MAX_RETRY: Duration = Duration::from_secs(300);
/// An entry still undelivered after this long is given up: a "we received
/// your mail" a day late only confuses.
const GIVE_UP_AFTER: chrono::Duration = chrono::Duration::hours(24);
/// How often expired per-sender acknowledgement windows are removed.
const PRUNE_EVERY: Duration = Duration::from_secs(3600);

/// The sender task's state.
pub struct OutboxSender<T: MailTransport> {
    store: Store,
    transport: T,
    from: Mailbox,
    wake: Arc<Notify>,
    metrics: Metrics,
}

/// What one pass over the outbox left to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PassReport {
    /// Entries handed over and accepted.
    pub sent: usize,
    /// The server could not be used: the pass stopped early.
    pub server_down: bool,
    /// When the next pending entry is due, if any.
    pub next_due: Option<DateTime<Utc>>,
}

impl<T: MailTransport> OutboxSender<T> {
    /// A sender for `store`'s outbox, sending as `from`.
    pub fn new(
        store: Store,
        transport: T,
        from: Mailbox,
        wake: Arc<Notify>,
        metrics: Metrics,
    ) -> OutboxSender<T> {
        OutboxSender {
            store,
            transport,
            from,
            wake,
            metrics,
        }
    }

    /// Runs until `shutdown`: recovery first, then passes whenever woken, due or polled.
    pub async fn run(self, shutdown: CancellationToken) {
        match self.recover(Utc::now()).await {
            Ok(0) => {}
            Ok(n) => tracing::warn!(
                entries = n,
                "Outgoing mail interrupted mid-send is now uncertain; see /api/outbox."
            ),
            Err(e) => tracing::error!(error = %e, "Outbox recovery failed."),
        }
        self.update_gauges();
        let mut server_failures = 0u32;
        let mut last_prune: Option<tokio::time::Instant> = None;
        loop {
            if last_prune.is_none_or(|t| t.elapsed() >= PRUNE_EVERY) {
                self.prune(Utc::now()).await;
                last_prune = Some(tokio::time::Instant::now());
            }
            let wait = match self.pass(Utc::now()).await {
                Ok(report) if report.server_down => {
                    server_failures = server_failures.saturating_add(1);
                    retry_delay(server_failures)
                }
                Ok(report) => {
                    server_failures = 0;
                    until(report.next_due)
                }
                Err(e) => {
                    tracing::error!(error = %e, "Outbox pass failed.");
                    POLL
                }
            };
            self.update_gauges();
            tokio::select! {
                _ = shutdown.cancelled() => break,
                // While the server is down, new mail waits for the backoff too.
                _ = self.wake.notified(), if server_failures == 0 => {}
                _ = tokio::time::sleep(wait) => {}
            }
        }
    }

    /// Turns entries left `sending` by a previous run into `uncertain`.
    pub async fn recover(&self, now: DateTime<Utc>) -> Result<usize, StoreError> {
        let interrupted = self.store.outbox_in_state("sending")?;
        if interrupted.is_empty() {
            return Ok(0);
        }
        let mut tx = self.store.begin().await;
        for mut entry in interrupted.iter().cloned() {
            tracing::warn!(outbox = %entry.id, to = %entry.mail.to.address, "Send interrupted; marked uncertain, not resent.");
            entry.state = OutboxState::Uncertain;
            entry.last_error = Some("omnilisten stopped while handing it to the server".into());
            entry.updated_at = now;
            tx.put_outbox(&entry)?;
        }
        tx.commit().await?;
        Ok(interrupted.len())
    }

    /// Sends every entry due at `now`, oldest first; stops early when the server is down.
    pub async fn pass(&self, now: DateTime<Utc>) -> Result<PassReport, StoreError> {
        let mut report = PassReport {
            sent: 0,
            server_down: false,
            next_due: None,
        };
        // The writer wakes us from inside its open transaction: waiting for
        // the write lock once means that batch is applied before we look.
        drop(self.store.begin().await);
        for (id, due) in self.pending()? {
            if due > now {
                report.next_due = Some(report.next_due.map_or(due, |d| d.min(due)));
                continue;
            }
            let Some(entry) = self.claim(id, now).await? else {
                continue;
            };
            match self.deliver(entry, now).await? {
                Delivered::Sent => report.sent += 1,
                Delivered::Other => {}
                Delivered::ServerDown => {
                    report.server_down = true;
                    break;
                }
            }
        }
        Ok(report)
    }

    /// The pending entries' ids and due times, oldest first.
    fn pending(&self) -> Result<Vec<(OutboxId, DateTime<Utc>)>, StoreError> {
        let pending = self.store.outbox_in_state("pending")?;
        Ok(pending
            .into_iter()
            .map(|e| (e.id, e.next_attempt_at))
            .collect())
    }

    /// Marks an entry `sending`, durably. None when it is no longer pending.
    async fn claim(
        &self,
        id: OutboxId,
        now: DateTime<Utc>,
    ) -> Result<Option<OutboxEntry>, StoreError> {
        let mut tx = self.store.begin().await;
        let Some(mut entry) = tx.outbox_entry(id)? else {
            return Ok(None);
        };
        if entry.state != OutboxState::Pending {
            return Ok(None);
        }
        if now - entry.created_at > GIVE_UP_AFTER {
            let reason = format!(
                "gave up after {} attempts over 24 h; last error: {}",
                entry.attempts,
                entry.last_error.as_deref().unwrap_or("none")
            );
            entry.state = OutboxState::Failed { reason };
            entry.updated_at = now;
            tx.put_outbox(&entry)?;
            tx.commit().await?;
            self.metrics.outbox_failed.inc();
            return Ok(None);
        }
        entry.state = OutboxState::Sending;
        entry.attempts += 1;
        entry.updated_at = now;
        tx.put_outbox(&entry)?;
        tx.commit().await?;
        Ok(Some(entry))
    }

    /// Hands one claimed entry over and records the outcome durably.
    async fn deliver(
        &self,
        mut entry: OutboxEntry,
        now: DateTime<Utc>,
    ) -> Result<Delivered, StoreError> {
        let result = match render(&entry.mail, &self.from, now) {
            Ok(rendered) => self.transport.send(&rendered).await,
            Err(e) => Err(SendError::Rejected(e.to_string())),
        };
        let done = Utc::now();
        let delivered = match result {
            Ok(()) => {
                tracing::info!(outbox = %entry.id, kind = entry.mail.kind.as_str(), ticket = entry.mail.ticket.as_deref().unwrap_or(""), "Mail sent.");
                entry.state = OutboxState::Sent;
                entry.last_error = None;
                self.metrics.outbox_sent.inc();
                Delivered::Sent
            }
            Err(e) => self.failed(&mut entry, e, done),
        };
        entry.updated_at = done;
        let mut tx = self.store.begin().await;
        tx.put_outbox(&entry)?;
        tx.commit().await?;
        Ok(delivered)
    }

    fn failed(&self, entry: &mut OutboxEntry, error: SendError, now: DateTime<Utc>) -> Delivered {
        let reason = error.to_string();
        match error {
            SendError::Unavailable(_) | SendError::Deferred(_) => {
                let delay = retry_delay(entry.attempts);
                tracing::warn!(outbox = %entry.id, error = %reason, retry_in = ?delay, "Mail not sent; will retry.");
                entry.state = OutboxState::Pending;
                entry.next_attempt_at =
                    now + chrono::Duration::from_std(delay).unwrap_or(GIVE_UP_AFTER);
                entry.last_error = Some(reason);
                self.metrics.outbox_retries.inc();
                if matches!(error, SendError::Unavailable(_)) {
                    Delivered::ServerDown
                } else {
                    Delivered::Other
                }
            }
            SendError::Rejected(_) => {
                tracing::warn!(outbox = %entry.id, error = %reason, "Mail refused for good.");
                entry.state = OutboxState::Failed { reason };
                self.metrics.outbox_failed.inc();
                Delivered::Other
            }
            SendError::Unknown(_) => {
                tracing::warn!(outbox = %entry.id, error = %reason, "Mail may or may not have arrived; marked uncertain, not resent.");
                entry.state = OutboxState::Uncertain;
                entry.last_error = Some(reason);
                Delivered::Other
            }
        }
    }

    /// Removes the acknowledgement windows that no longer hold anything.
    async fn prune(&self, now: DateTime<Utc>) {
        let pruned = async {
            let mut tx = self.store.begin().await;
            let stale = self.store.stale_ack_windows(now - CAP_WINDOW)?;
            for sender in &stale {
                tx.set_ack_times(sender, &[]);
            }
            if !stale.is_empty() {
                tx.commit().await?;
            }
            Ok::<usize, StoreError>(stale.len())
        };
        match pruned.await {
            Ok(0) => {}
            Ok(n) => tracing::debug!(senders = n, "Expired acknowledgement windows removed."),
            Err(e) => tracing::warn!(error = %e, "Could not prune acknowledgement windows."),
        }
    }

    fn update_gauges(&self) {
        match self.store.outbox_counts() {
            Ok(counts) => {
                for (state, n) in counts {
                    self.metrics.set_outbox_entries(state, n);
                }
            }
            Err(e) => tracing::warn!(error = %e, "Cannot count the outbox."),
        }
    }
}

/// How a delivery attempt ended, for the pass.
enum Delivered {
    Sent,
    Other,
    ServerDown,
}

/// 1 s, 2 s, 4 s, ... up to 5 minutes, after the `attempt`-th failure.
pub fn retry_delay(attempt: u32) -> Duration {
    let doublings = attempt.saturating_sub(1).min(16);
    FIRST_RETRY.saturating_mul(1 << doublings).min(MAX_RETRY)
}

/// Time until `due` (or the poll interval), never negative.
fn until(due: Option<DateTime<Utc>>) -> Duration {
    due.map_or(POLL, |d| {
        (d - Utc::now())
            .to_std()
            .unwrap_or(Duration::ZERO)
            .min(POLL)
    })
}

#[cfg(test)]
mod tests;
