//! Media to fetch: pictures and voice that a channel keeps on its side
//! (WeChat sends a `MediaId`, not the bytes). A job is written in the same
//! batch as its message, so a stored image message always gets its download
//! attempted, after a crash too; it is removed in the batch that attaches
//! the file (or records why there is none).
//!
//! Keys: `mediajob/` ‖ message uuid → JSON [`MediaJob`].

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{Store, StoreError, Tx, decode, encode, keys};
use crate::model::MessageId;

/// One file to fetch into a message's attachments.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MediaJob {
    /// The message the file belongs to.
    pub message: MessageId,
    /// The connector whose API serves it.
    pub connector: String,
    /// The channel's id for the file (`MediaId`).
    pub media_id: String,
    /// What the message says it is (`image`, `voice`), for the file's name.
    pub kind: String,
    /// When the message arrived: channels delete media after a few days.
    pub created_at: DateTime<Utc>,
    /// Failed attempts so far.
    #[serde(default)]
    pub attempts: u32,
    /// Not before this time (after a temporary failure).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_attempt_at: Option<DateTime<Utc>>,
}

impl Tx<'_> {
    /// Writes (or rewrites) a job.
    pub fn put_media_job(&mut self, job: &MediaJob) {
        self.put(keys::media_job(job.message.0), encode(job));
    }

    /// Removes a job once its outcome is recorded.
    pub fn remove_media_job(&mut self, message: MessageId) {
        self.remove(keys::media_job(message.0));
    }
}

impl Store {
    /// Every job, oldest message first.
    pub fn media_jobs(&self) -> Result<Vec<MediaJob>, StoreError> {
        let mut out = Vec::new();
        for item in self.db().scan_prefix(keys::MEDIA_JOB) {
            let (key, value) = item?;
            out.push(decode(&key, &value)?);
        }
        Ok(out)
    }
}
