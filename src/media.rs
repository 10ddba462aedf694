//! Fetching files that a channel keeps on its side (WeChat pictures and
//! voice arrive as a `MediaId`) into their message's attachments.
//!
//! Jobs are written by the pipeline in the message's own batch
//! (`store::MediaJob`); this task works them off, oldest first, and removes
//! each in the batch that records its outcome: the file as an attachment,
//! or an attachment entry saying why there is none (over the size cap, or
//! refused by the channel). Temporary failures are retried with backoff
//! until the channel has deleted the file anyway (WeChat keeps temporary
//! media for 3 days).

use std::collections::HashMap;
use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio_util::sync::CancellationToken;

use crate::connectors::wechat::api::{Media, MediaError, WechatApi};
use crate::metrics::Metrics;
use crate::model::Attachment;
use crate::outbound::retry_delay;
use crate::store::{MediaJob, Store, StoreError};

/// How often the job list is looked at; the list is almost always empty
/// and its scan is one short prefix read.
const POLL: Duration = Duration::from_secs(1);
/// After this long the channel has deleted the file: stop trying.
const GIVE_UP_AFTER: chrono::Duration = chrono::Duration::days(3);

/// The media task's state.
pub struct MediaFetcher {
    store: Store,
    apis: HashMap<String, WechatApi>,
    max_bytes: u64,
    metrics: Metrics,
}

/// What became of one job.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fetched {
    /// The file is attached.
    Stored,
    /// An attachment entry records why the file is missing.
    Missing(String),
    /// Tried again later.
    Retry(String),
}

impl MediaFetcher {
    /// A fetcher using each connector's API, keeping files up to `max_bytes`.
    pub fn new(
        store: Store,
        apis: HashMap<String, WechatApi>,
        max_bytes: u64,
        metrics: Metrics,
    ) -> MediaFetcher {
        MediaFetcher {
            store,
            apis,
            max_bytes,
            metrics,
        }
    }

    /// Runs until `shutdown`; a download in progress is abandoned (its job stays).
    pub async fn run(self, shutdown: CancellationToken) {
        loop {
            tokio::select! {
                _ = shutdown.cancelled() => break,
                result = self.pass(Utc::now()) => {
                    if let Err(e) = result {
                        tracing::error!(error = %e, "Media pass failed.");
                    }
                }
            }
            tokio::select! {
                _ = shutdown.cancelled() => break,
                _ = tokio::time::sleep(POLL) => {}
            }
        }
    }

    /// Works off every job due at `now`; returns what became of each.
    pub async fn pass(&self, now: DateTime<Utc>) -> Result<Vec<Fetched>, StoreError> {
        let mut done = Vec::new();
        for job in self.store.media_jobs()? {
            if job.next_attempt_at.is_some_and(|due| due > now) {
                continue;
            }
            done.push(self.work(job, now).await?);
        }
        Ok(done)
    }

    async fn work(&self, job: MediaJob, now: DateTime<Utc>) -> Result<Fetched, StoreError> {
        let outcome = match self.apis.get(&job.connector) {
            None => Err(format!(
                "connector {} has no API access (app_secret not configured)",
                job.connector
            )),
            Some(api) => match api.download_media(&job.media_id, self.max_bytes).await {
                Ok(Media::File {
                    name,
                    mime_type,
                    bytes,
                }) => Ok((name, mime_type, bytes)),
                Ok(Media::VideoUrl(_)) => {
                    Err("WeChat offers a video link, not a file: not downloaded".to_string())
                }
                Err(MediaError::TooLarge { limit }) => Err(format!(
                    "the file is larger than the {limit}-byte attachment limit"
                )),
                Err(e @ (MediaError::Permanent { .. } | MediaError::Auth { .. })) => {
                    Err(e.to_string())
                }
                Err(e @ MediaError::Transient { .. }) => {
                    return self.retry(job, now, e.to_string()).await;
                }
            },
        };
        let mut tx = self.store.begin().await;
        let Some(mut message) = tx.message(job.message)? else {
            // The message is gone (never happens today): nothing to attach to.
            tx.remove_media_job(job.message);
            tx.commit().await?;
            return Ok(Fetched::Missing("message not found".into()));
        };
        let fetched = match outcome {
            Ok((name, mime_type, bytes)) => {
                let hash = blake3::hash(&bytes).to_hex().to_string();
                tx.put_attachment(&hash, &bytes);
                message.attachments.push(Attachment {
                    name: Some(name),
                    mime_type,
                    size: bytes.len() as u64,
                    content_hash: hash,
                    stored: true,
                    missing: None,
                    url: None,
                });
                self.metrics.count_media_download("stored");
                Fetched::Stored
            }
            Err(reason) => {
                tracing::warn!(message = %job.message, connector = %job.connector, %reason, "WeChat media not kept.");
                message.attachments.push(missing(&job, &reason));
                self.metrics.count_media_download("missing");
                Fetched::Missing(reason)
            }
        };
        tx.update_message(&message)?;
        tx.remove_media_job(job.message);
        tx.commit().await?;
        Ok(fetched)
    }

    async fn retry(
        &self,
        mut job: MediaJob,
        now: DateTime<Utc>,
        reason: String,
    ) -> Result<Fetched, StoreError> {
        job.attempts = job.attempts.saturating_add(1);
        if now - job.created_at > GIVE_UP_AFTER {
            let reason = format!("gave up after {} attempts: {reason}", job.attempts);
            job.next_attempt_at = None;
            // Recorded like a refusal: the attachment says why it is missing.
            let mut tx = self.store.begin().await;
            if let Some(mut message) = tx.message(job.message)? {
                message.attachments.push(missing(&job, &reason));
                tx.update_message(&message)?;
            }
            tx.remove_media_job(job.message);
            tx.commit().await?;
            self.metrics.count_media_download("missing");
            return Ok(Fetched::Missing(reason));
        }
        let delay = retry_delay(job.attempts);
        job.next_attempt_at =
            Some(now + chrono::Duration::from_std(delay).unwrap_or(chrono::Duration::MAX));
        tracing::info!(message = %job.message, %reason, retry_in_s = delay.as_secs(), "WeChat media not fetched yet; will retry.");
        let mut tx = self.store.begin().await;
        tx.put_media_job(&job);
        tx.commit().await?;
        self.metrics.count_media_download("retry");
        Ok(Fetched::Retry(reason))
    }
}

/// The attachment entry of a file that is not kept, saying why.
fn missing(job: &MediaJob, reason: &str) -> Attachment {
    let family = if job.kind == "voice" {
        "audio"
    } else {
        "image"
    };
    Attachment {
        name: Some(format!("{}.{}", job.media_id, job.kind)),
        mime_type: format!("{family}/*"),
        size: 0,
        content_hash: String::new(),
        stored: false,
        missing: Some(reason.to_string()),
        url: None,
    }
}
