//! `kind = "imap"`: the support mailbox on an IMAP server.
//!
//! The position of each folder is (UIDVALIDITY, highest UID stored), kept
//! in the store as the checkpoint of every envelope, so it moves only with
//! durable mail. Nothing on the server is trusted as state: not `\Seen`
//! (people read the mailbox too), not unsolicited EXISTS (async-imap drops
//! them when its channel is full). Every check is `UID FETCH position+1:*`.
//!
//! ```text
//! connect ──► sync every folder ──► IDLE on the first folder, or sleep
//!    ▲               ▲                          │
//!    │               └──── change or timeout ◄──┤
//!    └── backoff ◄── any error        shutdown ─┴─► LOGOUT
//! ```
//!
//! Files: `session` (connect, TLS, login), `commands` (each IMAP command
//! under its deadline), `folder` and `fetch` (one folder's sync), `position`
//! (the stored cursor), `retry` (what a folder owes after a failure).

mod backoff;
mod commands;
mod error;
mod fetch;
mod folder;
mod position;
mod retry;
mod session;
mod transport;
mod utf7;

use std::time::Duration;

pub use error::ImapError;

use backoff::Backoff;
use commands::{Connection, Wake};
use folder::FolderSync;
use retry::Failures;
use utf7::encode_folder;

use super::{ConnectorState, SourceContext, SourceError};
use crate::config::ImapConfig;

/// The longest IDLE before it is re-issued: RFC 2177 servers may drop an
/// IDLE after 30 minutes.
const IDLE_REISSUE: Duration = Duration::from_secs(25 * 60);

/// Reconnect delays: from half a second, doubling, up to five minutes.
const BACKOFF_MIN: Duration = Duration::from_millis(500);
const BACKOFF_MAX: Duration = Duration::from_secs(300);

/// A running IMAP source.
pub struct ImapSource {
    config: ImapConfig,
    failures: Failures,
}

impl ImapSource {
    /// Builds the source from its validated config.
    pub fn new(config: ImapConfig) -> ImapSource {
        ImapSource {
            config,
            failures: Failures::default(),
        }
    }

    /// Reads the mailbox until shutdown, reconnecting after any failure.
    pub async fn run(mut self, ctx: SourceContext) -> Result<(), SourceError> {
        let mut backoff = Backoff::new(BACKOFF_MIN, BACKOFF_MAX);
        while !ctx.shutdown.is_cancelled() {
            let error = match self.session(&ctx, &mut backoff).await {
                Ok(()) => break,
                Err(_) if ctx.shutdown.is_cancelled() => break,
                Err(e) => e,
            };
            let state = if error.is_auth() {
                ConnectorState::AuthFailed
            } else {
                ConnectorState::BackingOff
            };
            ctx.status
                .set_state(&ctx.id, state, Some(error.to_string()));
            let delay = backoff.next_delay();
            tracing::warn!(connector = %ctx.id, host = %self.config.host, error = %error, retry_in_ms = delay.as_millis() as u64, "IMAP session failed; reconnecting.");
            tokio::select! {
                () = ctx.shutdown.cancelled() => break,
                () = tokio::time::sleep(delay) => {}
            }
        }
        ctx.status.set_state(&ctx.id, ConnectorState::Stopped, None);
        Ok(())
    }

    /// One connection: sync, wait for news, sync again, until shutdown.
    async fn session(
        &mut self,
        ctx: &SourceContext,
        backoff: &mut Backoff,
    ) -> Result<(), ImapError> {
        let mut conn = session::connect(&self.config).await?;
        let caps = conn.capabilities();
        tracing::info!(connector = %ctx.id, host = %self.config.host, user = %self.config.username, idle = caps.idle, r#move = caps.moves, uidplus = caps.uidplus, "IMAP session open.");
        loop {
            ctx.status.set_state(&ctx.id, ConnectorState::Running, None);
            let problems = match self.sync_all(&mut conn, ctx).await {
                // Shutdown mid-fetch: the answer was read to its end and what
                // was sent has been awaited, so LOGOUT is still in step.
                Err(ImapError::Interrupted) => break,
                other => other?,
            };
            backoff.reset();
            ctx.status.record_success(&ctx.id, 0);
            ctx.status
                .set_state(&ctx.id, ConnectorState::Idle, problems);
            if ctx.shutdown.is_cancelled() {
                break;
            }
            let wake;
            (conn, wake) = self.wait(conn, ctx).await?;
            if wake == Wake::Shutdown || ctx.shutdown.is_cancelled() {
                break;
            }
        }
        conn.logout().await;
        Ok(())
    }

    /// Reads every folder. A folder the server refuses (missing, no
    /// permission) does not stop the others; its problem is returned for
    /// `/healthz`.
    async fn sync_all(
        &mut self,
        conn: &mut Connection,
        ctx: &SourceContext,
    ) -> Result<Option<String>, ImapError> {
        let mut problems = Vec::new();
        for folder in &self.config.folders {
            let mut sync = FolderSync {
                config: &self.config,
                ctx,
                folder,
                failures: &mut self.failures,
            };
            match sync.run(conn).await {
                Ok(n) if n > 0 => {
                    tracing::debug!(connector = %ctx.id, folder = %folder, mails = n, "Folder read.")
                }
                Ok(_) => {}
                Err(e @ ImapError::Folder { .. }) => {
                    tracing::warn!(connector = %ctx.id, error = %e, "Folder skipped.");
                    problems.push(e.to_string());
                }
                Err(e) => return Err(e),
            }
            if ctx.shutdown.is_cancelled() {
                break;
            }
        }
        Ok((!problems.is_empty()).then(|| problems.join("; ")))
    }

    /// Waits for news: IDLE on the first folder when the server offers it,
    /// at most `poll_interval` (the safety net); otherwise a plain sleep.
    async fn wait(
        &self,
        mut conn: Connection,
        ctx: &SourceContext,
    ) -> Result<(Connection, Wake), ImapError> {
        let poll = self.config.poll_interval;
        if let (true, Some(first)) = (conn.capabilities().idle, self.config.folders.first()) {
            let wire = encode_folder(first);
            let selected = conn.selected() == Some(wire.as_str())
                || conn
                    .select(first, &wire)
                    .await
                    .map(|_| true)
                    .or_else(skip_folder)?;
            if selected {
                return conn.idle(poll.min(IDLE_REISSUE), &ctx.shutdown).await;
            }
        }
        let wake = tokio::select! {
            () = ctx.shutdown.cancelled() => Wake::Shutdown,
            () = tokio::time::sleep(poll) => Wake::Timeout,
        };
        Ok((conn, wake))
    }
}

/// A folder that cannot be selected is polled instead of watched.
fn skip_folder(e: ImapError) -> Result<bool, ImapError> {
    match e {
        ImapError::Folder { .. } => Ok(false),
        other => Err(other),
    }
}
