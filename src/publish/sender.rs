//! The draft publisher task: takes approved drafts one at a time, oldest
//! first, and records what became of each.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

use super::{PublishError, Publishers};
use crate::metrics::Metrics;
use crate::model::{Draft, DraftId, DraftState, Message};
use crate::outbound::retry_delay;
use crate::store::{AuditEntry, Store, StoreError};

/// Longest wait between two looks at the approved drafts (the approval wakes
/// the publisher; this is the safety net).
const POLL: Duration = Duration::from_secs(5);
/// Temporary failures tolerated before a draft is failed for good.
pub const MAX_ATTEMPTS: u32 = 8;
/// Who the audit log names for the publisher's changes.
const ACTOR: &str = "system:publisher";

/// The publisher task's state.
pub struct DraftPublisher {
    store: Store,
    publishers: Publishers,
    wake: Arc<Notify>,
    metrics: Metrics,
}

/// What one pass did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PublishPass {
    /// Drafts the channel accepted.
    pub sent: usize,
    /// Drafts failed for good.
    pub failed: usize,
    /// Drafts left for a person to check.
    pub uncertain: usize,
    /// Drafts put back for a later attempt.
    pub retried: usize,
    /// When the next waiting draft is due.
    pub next_due: Option<DateTime<Utc>>,
}

impl DraftPublisher {
    /// A publisher over `store`'s drafts; `wake` is notified on approval.
    pub fn new(
        store: Store,
        publishers: Publishers,
        wake: Arc<Notify>,
        metrics: Metrics,
    ) -> DraftPublisher {
        DraftPublisher {
            store,
            publishers,
            wake,
            metrics,
        }
    }

    /// Runs until `shutdown`: recovery first, then a pass whenever woken or due.
    pub async fn run(self, shutdown: CancellationToken) {
        match self.recover(Utc::now()).await {
            Ok(0) => {}
            Ok(n) => tracing::warn!(
                drafts = n,
                "Drafts interrupted mid-publish are now uncertain; a person must check them."
            ),
            Err(e) => tracing::error!(error = %e, "Draft publisher recovery failed."),
        }
        loop {
            let wait = match self.pass(Utc::now()).await {
                Ok(pass) => pass
                    .next_due
                    .and_then(|due| (due - Utc::now()).to_std().ok())
                    .map_or(POLL, |d| d.min(POLL)),
                Err(e) => {
                    tracing::error!(error = %e, "Draft publisher pass failed.");
                    POLL
                }
            };
            tokio::select! {
                _ = shutdown.cancelled() => break,
                _ = self.wake.notified() => {}
                _ = tokio::time::sleep(wait) => {}
            }
        }
    }

    /// Turns drafts left `sending` by a previous run into `uncertain`.
    pub async fn recover(&self, now: DateTime<Utc>) -> Result<usize, StoreError> {
        let interrupted = self.store.drafts_in_state(DraftState::Sending.name())?;
        if interrupted.is_empty() {
            return Ok(0);
        }
        let mut tx = self.store.begin().await;
        for mut draft in interrupted.iter().cloned() {
            tracing::warn!(draft = %draft.id, connector = %draft.connector, "Publication interrupted; marked uncertain, not resent.");
            draft.state = DraftState::Uncertain;
            draft.last_error = Some("omnilisten stopped while publishing it".into());
            draft.updated_at = now;
            tx.put_draft(&draft)?;
            tx.audit(&audit(now, &draft, "draft.uncertain", "sending"));
        }
        tx.commit().await?;
        Ok(interrupted.len())
    }

    /// Publishes every approved draft due at `now`, oldest first.
    pub async fn pass(&self, now: DateTime<Utc>) -> Result<PublishPass, StoreError> {
        let mut pass = PublishPass::default();
        for draft in self.store.drafts_in_state(DraftState::Approved.name())? {
            if let Some(due) = draft.next_attempt_at
                && due > now
            {
                pass.next_due = Some(pass.next_due.map_or(due, |d| d.min(due)));
                continue;
            }
            // Read before the claim: between claim and record, only the channel call.
            let target = self.store.message(draft.target)?;
            let Some(draft) = self.claim(draft.id, now).await? else {
                continue;
            };
            self.publish(draft, target, now, &mut pass).await?;
        }
        Ok(pass)
    }

    /// Marks an approved draft `sending`, durably: from here on a crash
    /// leaves it uncertain, never published twice. None when another path
    /// changed it first.
    async fn claim(&self, id: DraftId, now: DateTime<Utc>) -> Result<Option<Draft>, StoreError> {
        let mut tx = self.store.begin().await;
        let Some(mut draft) = tx.draft(id)? else {
            return Ok(None);
        };
        if draft.state != DraftState::Approved {
            return Ok(None);
        }
        draft.state = DraftState::Sending;
        draft.updated_at = now;
        tx.put_draft(&draft)?;
        tx.audit(&audit(now, &draft, "draft.sending", "approved"));
        tx.commit().await?;
        Ok(Some(draft))
    }

    async fn publish(
        &self,
        mut draft: Draft,
        target: Option<Message>,
        now: DateTime<Utc>,
        pass: &mut PublishPass,
    ) -> Result<(), StoreError> {
        let result = match (self.publishers.get(&draft.connector.0), target) {
            (None, _) => Err(PublishError::Permanent(format!(
                "connector {} cannot publish (not configured, or its channel has no publisher)",
                draft.connector
            ))),
            (_, None) => Err(PublishError::Permanent(format!(
                "the message it answers ({}) is not in the store",
                draft.target
            ))),
            (Some(publisher), Some(target)) => publisher.publish(&draft, &target).await,
        };
        let channel = draft.channel.as_str();
        let done = Utc::now();
        draft.updated_at = done;
        let action = match result {
            Ok(_receipt) => {
                draft.state = DraftState::Sent;
                draft.sent_at = Some(done);
                pass.sent += 1;
                tracing::info!(draft = %draft.id, connector = %draft.connector, "Draft published.");
                "draft.sent"
            }
            Err(PublishError::Permanent(reason)) => {
                tracing::warn!(draft = %draft.id, connector = %draft.connector, %reason, "Draft refused by its channel.");
                draft.state = DraftState::Failed { reason };
                pass.failed += 1;
                "draft.failed"
            }
            Err(PublishError::Uncertain(reason)) => {
                tracing::warn!(draft = %draft.id, connector = %draft.connector, %reason, "Draft publication uncertain; a person must check.");
                draft.state = DraftState::Uncertain;
                draft.last_error = Some(reason);
                pass.uncertain += 1;
                "draft.uncertain"
            }
            Err(PublishError::Transient(reason)) => {
                draft.attempts = draft.attempts.saturating_add(1);
                if draft.attempts >= MAX_ATTEMPTS {
                    let reason = format!(
                        "gave up after {} attempts; last error: {reason}",
                        draft.attempts
                    );
                    draft.state = DraftState::Failed { reason };
                    pass.failed += 1;
                    "draft.failed"
                } else {
                    let delay = retry_delay(draft.attempts);
                    let due =
                        now + chrono::Duration::from_std(delay).unwrap_or(chrono::Duration::MAX);
                    tracing::info!(draft = %draft.id, %reason, retry_in_s = delay.as_secs(), "Draft not published yet; will retry.");
                    draft.state = DraftState::Approved;
                    draft.next_attempt_at = Some(due);
                    draft.last_error = Some(reason);
                    pass.retried += 1;
                    pass.next_due = Some(pass.next_due.map_or(due, |d| d.min(due)));
                    "draft.retry"
                }
            }
        };
        self.metrics
            .count_draft_published(channel, action.trim_start_matches("draft."));
        let mut tx = self.store.begin().await;
        tx.put_draft(&draft)?;
        tx.audit(&audit(done, &draft, action, "sending"));
        tx.commit().await?;
        Ok(())
    }
}

fn audit(at: DateTime<Utc>, draft: &Draft, action: &str, before: &str) -> AuditEntry {
    AuditEntry {
        at,
        actor: ACTOR.into(),
        action: action.into(),
        subject: draft.id.to_string(),
        before: Some(serde_json::json!({ "state": before })),
        after: Some(serde_json::json!(draft.state)),
    }
}

#[cfg(test)]
mod tests;
