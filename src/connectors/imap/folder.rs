//! Reading one folder: from the stored position to its newest mail, in
//! `UID FETCH` batches of `fetch_batch` UIDs (fetched in `fetch.rs`). Every
//! mail becomes an envelope whose checkpoint is its own UID, so the position
//! is committed with the mail. A batch's envelopes are sent without waiting;
//! their acks are awaited while the next batch is fetched, and only then
//! does the after-action (`\Seen`, move) touch the server.

use std::collections::VecDeque;

use tokio::sync::oneshot;

use super::commands::{Connection, Selected};
use super::error::ImapError;
use super::position::{Position, cursor_name, uid_set};
use super::retry::Failures;
use super::utf7::encode_folder;
use crate::config::{ImapAfter, ImapConfig, ImapStart};
use crate::connectors::{AckResult, Outcome, SourceContext};

/// One folder being read during one sync.
pub struct FolderSync<'a> {
    /// The connector's settings.
    pub config: &'a ImapConfig,
    /// The source's context.
    pub ctx: &'a SourceContext,
    /// The folder as configured.
    pub folder: &'a str,
    /// Mail the pipeline failed on, remembered across syncs.
    pub failures: &'a mut Failures,
}

/// A sent mail whose ack is awaited.
pub(super) struct Pending {
    pub(super) uid: u32,
    pub(super) ack: oneshot::Receiver<AckResult>,
}

impl FolderSync<'_> {
    /// Reads everything new. Returns how many mails were made durable.
    pub async fn run(&mut self, conn: &mut Connection) -> Result<u64, ImapError> {
        let selected = conn
            .select(self.folder, &encode_folder(self.folder))
            .await?;
        let position = self.position(conn, selected).await?;
        let owed = self
            .failures
            .take_owed_after(self.folder, position.validity);
        if let Err(e) = self.after(conn, &owed).await {
            self.failures
                .owe_after(self.folder, position.validity, owed);
            return Err(e);
        }
        let list = conn.sizes_from(position.uid.saturating_add(1)).await?;
        let waiting = list.len() as u64;
        self.ctx.status.set_lag(&self.ctx.id, self.folder, waiting);
        let mut inflight: VecDeque<Vec<Pending>> = VecDeque::new();
        let mut durable = 0;
        let batch = self.config.fetch_batch.max(1) as usize;
        let fetched: Result<(), ImapError> = async {
            for chunk in list.chunks(batch) {
                let mut sent = Vec::with_capacity(chunk.len());
                let result = self.send_chunk(conn, position, chunk, &mut sent).await;
                inflight.push_back(sent);
                result?;
                // The previous batch was stored while this one was fetched.
                if inflight.len() > 1
                    && let Some(done) = inflight.pop_front()
                {
                    durable += self.settle(conn, done, position.validity, true).await?;
                }
            }
            Ok(())
        }
        .await;
        // Whatever happened, what was sent is awaited before anything else,
        // so the position is known. On shutdown the connection is still in
        // step (the fetch was read to its end); after an error it is not,
        // and the after-actions wait for the next session.
        let act = matches!(fetched, Ok(()) | Err(ImapError::Interrupted));
        let mut settled = Ok(());
        while let Some(done) = inflight.pop_front() {
            let act = act && settled.is_ok();
            match self.settle(conn, done, position.validity, act).await {
                Ok(n) => durable += n,
                Err(e) => settled = settled.and(Err(e)),
            }
        }
        self.ctx
            .status
            .set_lag(&self.ctx.id, self.folder, waiting.saturating_sub(durable));
        fetched.and(settled).map(|()| durable)
    }

    /// The position to read from: stored, or set now on first contact or
    /// after a UIDVALIDITY change; moved back to a mail that failed.
    async fn position(
        &mut self,
        conn: &mut Connection,
        selected: Selected,
    ) -> Result<Position, ImapError> {
        let name = cursor_name(self.folder);
        let stored = self.ctx.store.cursor(&self.ctx.id.0, &name)?;
        let position = match stored.as_deref().and_then(Position::decode) {
            Some(p) if p.validity == selected.validity => p,
            Some(old) => {
                // The server renumbered the folder: read all of it again.
                // Dedup (Message-ID, content hash) drops what is stored; the
                // re-read is historical, so it acknowledges nobody twice.
                tracing::warn!(connector = %self.ctx.id, folder = self.folder, old = old.validity, new = selected.validity, "UIDVALIDITY changed; reading the folder again.");
                let fresh = Position {
                    validity: selected.validity,
                    uid: 0,
                    historical_until: selected.newest,
                };
                self.save(fresh).await?
            }
            None => {
                let first = self.first_position(conn, selected).await?;
                tracing::info!(connector = %self.ctx.id, folder = self.folder, from_uid = first.uid + 1, historical_until = first.historical_until, "First contact with the folder.");
                self.save(first).await?
            }
        };
        Ok(self.failures.rewind(self.folder, position))
    }

    async fn first_position(
        &self,
        conn: &mut Connection,
        selected: Selected,
    ) -> Result<Position, ImapError> {
        let Selected { validity, newest } = selected;
        let (uid, historical_until) = match self.config.start {
            ImapStart::New => (newest, 0),
            ImapStart::All => (0, newest),
            ImapStart::Since(day) => match conn.first_since(day).await? {
                Some(first) => (first.saturating_sub(1), newest),
                None => (newest, 0),
            },
        };
        Ok(Position {
            validity,
            uid,
            historical_until,
        })
    }

    /// Stores a position no envelope carries (nothing to read yet, or the
    /// folder renumbered), so a restart does not decide again. The only
    /// write outside the pipeline; no envelope of this folder is in flight.
    async fn save(&self, position: Position) -> Result<Position, ImapError> {
        let mut tx = self.ctx.store.begin().await;
        tx.set_cursor(
            &self.ctx.id.0,
            &cursor_name(self.folder),
            &position.encode(),
        );
        tx.commit().await?;
        Ok(position)
    }

    /// Awaits a batch's acks, then applies the after-action to what was
    /// stored (quarantined mail stays where it is, for people to look at).
    async fn settle(
        &mut self,
        conn: &mut Connection,
        batch: Vec<Pending>,
        validity: u32,
        act: bool,
    ) -> Result<u64, ImapError> {
        let mut done = Vec::with_capacity(batch.len());
        let mut durable = 0;
        let mut failed = None;
        for Pending { uid, ack } in batch {
            let outcome = match ack.await {
                Ok(Ok(outcome)) => outcome,
                Ok(Err(e)) => {
                    failed.get_or_insert((uid, e.to_string()));
                    continue;
                }
                Err(_) => {
                    failed.get_or_insert((uid, "the pipeline dropped it".to_string()));
                    continue;
                }
            };
            durable += 1;
            self.failures.succeeded(self.folder, uid);
            if matches!(outcome, Outcome::Stored(_) | Outcome::Duplicate(_)) {
                done.push(uid);
            }
        }
        self.ctx.status.record_success(&self.ctx.id, durable);
        if act {
            self.after(conn, &done).await?;
        } else if self.config.after != ImapAfter::Keep && !done.is_empty() {
            self.failures.owe_after(self.folder, validity, done);
        }
        match failed {
            Some((uid, reason)) => {
                self.failures.failed(self.folder, validity, uid, &reason);
                Err(ImapError::NotStored(reason))
            }
            None => Ok(durable),
        }
    }

    async fn after(&self, conn: &mut Connection, uids: &[u32]) -> Result<(), ImapError> {
        if uids.is_empty() {
            return Ok(());
        }
        let set = uid_set(uids);
        let result = match &self.config.after {
            ImapAfter::Keep => return Ok(()),
            ImapAfter::Seen => conn.add_flag(&set, "\\Seen").await,
            ImapAfter::Move(target) => conn.move_to(&set, &encode_folder(target)).await,
        };
        match result {
            // The mail is stored and the position passed it: a refused
            // after-action leaves it on the server, never reads it twice.
            Err(e) if e.is_refusal() => {
                tracing::warn!(connector = %self.ctx.id, folder = self.folder, error = %e, "After-action refused; the mail stays where it is.");
                Ok(())
            }
            other => other,
        }
    }
}
