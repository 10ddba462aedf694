//! The commands the source sends on a logged-in connection, each under the
//! deadline (`command_timeout`): for a streamed answer the deadline applies
//! to every response line, so a long fetch is fine as long as data flows.

use std::time::Duration;

use async_imap::extensions::idle::IdleResponse;
use async_imap::types::Fetch;
use chrono::NaiveDate;
use futures_util::{Stream, TryStreamExt};
use tokio_util::sync::CancellationToken;

use super::error::{ImapError, protocol, server_text};
use super::session::{Session, timed};

/// The most a polite goodbye (IDLE's DONE, LOGOUT) may take on shutdown,
/// which must finish within the daemon's 9-second deadline.
const GOODBYE: Duration = Duration::from_secs(2);

/// What the server offers that changes how the source works.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Capabilities {
    /// IDLE (RFC 2177): new mail is pushed instead of polled.
    pub idle: bool,
    /// MOVE (RFC 6851).
    pub moves: bool,
    /// UIDPLUS (RFC 4315): `UID EXPUNGE` removes only our mail.
    pub uidplus: bool,
}

impl Capabilities {
    /// Reads the capabilities that matter from the server's list.
    pub fn of(list: &async_imap::types::Capabilities) -> Capabilities {
        Capabilities {
            idle: list.has_str("IDLE"),
            moves: list.has_str("MOVE"),
            uidplus: list.has_str("UIDPLUS"),
        }
    }
}

/// A selected folder's identity and size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Selected {
    /// UIDVALIDITY.
    pub validity: u32,
    /// The highest UID in the folder now (UIDNEXT − 1); 0 when empty.
    pub newest: u32,
}

/// Why an IDLE ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wake {
    /// The server reported a change.
    Changed,
    /// The wait ran out; check anyway (the safety net).
    Timeout,
    /// The daemon is stopping.
    Shutdown,
}

/// A logged-in connection.
pub struct Connection {
    session: Session,
    caps: Capabilities,
    limit: Duration,
    selected: Option<String>,
}

/// The answers of one `UID FETCH`, read one by one under the deadline.
pub struct Fetches<S> {
    inner: S,
    limit: Duration,
}

impl<S: Stream<Item = async_imap::error::Result<Fetch>> + Unpin> Fetches<S> {
    /// The next message, `None` after the last.
    pub async fn next(&mut self) -> Result<Option<Fetch>, ImapError> {
        timed(self.limit, "UID FETCH", self.inner.try_next()).await
    }
}

impl Connection {
    /// Wraps a session that has just logged in.
    pub fn new(session: Session, caps: Capabilities, limit: Duration) -> Connection {
        Connection {
            session,
            caps,
            limit,
            selected: None,
        }
    }

    /// What the server offers.
    pub fn capabilities(&self) -> Capabilities {
        self.caps
    }

    /// The folder selected last (wire name).
    pub fn selected(&self) -> Option<&str> {
        self.selected.as_deref()
    }

    /// Selects a folder (`wire` is the encoded name). A refusal (missing
    /// folder, no permission) is a folder problem, not a broken connection.
    pub async fn select(&mut self, folder: &str, wire: &str) -> Result<Selected, ImapError> {
        self.selected = None;
        let mailbox = match timed(self.limit, "SELECT", self.session.select(wire)).await {
            Ok(mailbox) => mailbox,
            Err(ImapError::Protocol {
                source: async_imap::error::Error::No(text),
                ..
            }) => {
                return Err(ImapError::Folder {
                    folder: folder.to_string(),
                    detail: server_text(&text),
                });
            }
            Err(e) => return Err(e),
        };
        self.selected = Some(wire.to_string());
        let validity = mailbox
            .uid_validity
            .ok_or(ImapError::Unsupported("reports no UIDVALIDITY"))?;
        let newest = match mailbox.uid_next {
            Some(next) => next.saturating_sub(1),
            // UIDNEXT is optional in RFC 3501; ask for the last UID instead.
            None if mailbox.exists == 0 => 0,
            None => self.uids_and_sizes("*").await?.last().map_or(0, |m| m.0),
        };
        Ok(Selected { validity, newest })
    }

    /// UIDs and RFC822.SIZEs of the mail from `from` on, ascending.
    pub async fn sizes_from(&mut self, from: u32) -> Result<Vec<(u32, u32)>, ImapError> {
        let mut list = self.uids_and_sizes(&format!("{from}:*")).await?;
        // `n:*` also names the last message when n is past it.
        list.retain(|(uid, _)| *uid >= from);
        Ok(list)
    }

    async fn uids_and_sizes(&mut self, set: &str) -> Result<Vec<(u32, u32)>, ImapError> {
        let stream = timed(
            self.limit,
            "UID FETCH",
            self.session.uid_fetch(set, "(UID RFC822.SIZE)"),
        )
        .await?;
        let mut fetches = Fetches {
            inner: stream,
            limit: self.limit,
        };
        let mut list = Vec::new();
        while let Some(fetch) = fetches.next().await? {
            if let Some(uid) = fetch.uid {
                // An unknown size counts as oversized: never download a body
                // whose size the server would not tell.
                list.push((uid, fetch.size.unwrap_or(u32::MAX)));
            }
        }
        list.sort_unstable();
        list.dedup_by_key(|m| m.0);
        Ok(list)
    }

    /// The lowest UID received on or after `day`, if any.
    pub async fn first_since(&mut self, day: NaiveDate) -> Result<Option<u32>, ImapError> {
        let query = format!("SINCE {}", day.format("%-d-%b-%Y"));
        let uids = timed(self.limit, "UID SEARCH", self.session.uid_search(query)).await?;
        Ok(uids.into_iter().min())
    }

    /// Starts `UID FETCH set query`; read the answers from the result.
    pub async fn fetch(
        &mut self,
        set: &str,
        query: &str,
    ) -> Result<Fetches<impl Stream<Item = async_imap::error::Result<Fetch>> + Unpin + '_>, ImapError>
    {
        let inner = timed(self.limit, "UID FETCH", self.session.uid_fetch(set, query)).await?;
        Ok(Fetches {
            inner,
            limit: self.limit,
        })
    }

    /// Adds a flag to the mail in `set` without asking for the new flags back.
    pub async fn add_flag(&mut self, set: &str, flag: &str) -> Result<(), ImapError> {
        let query = format!("+FLAGS.SILENT ({flag})");
        let mut answers =
            timed(self.limit, "UID STORE", self.session.uid_store(set, query)).await?;
        while timed(self.limit, "UID STORE", answers.try_next())
            .await?
            .is_some()
        {}
        Ok(())
    }

    /// Moves the mail in `set` to `target` (wire name), creating it when the
    /// server says it is missing. MOVE when offered; else COPY, `\Deleted`
    /// and, with UIDPLUS, `UID EXPUNGE` of exactly these UIDs. Without
    /// UIDPLUS the mail stays marked `\Deleted`: a plain EXPUNGE would also
    /// remove what other clients marked.
    pub async fn move_to(&mut self, set: &str, target: &str) -> Result<(), ImapError> {
        match self.move_or_copy(set, target).await {
            Err(e) if e.is_refusal() => {
                // Usually `NO [TRYCREATE]`. If CREATE fails too, the retry says why.
                let _ = timed(self.limit, "CREATE", self.session.create(target)).await;
                self.move_or_copy(set, target).await?;
            }
            other => other?,
        }
        if self.caps.moves {
            return Ok(());
        }
        self.add_flag(set, "\\Deleted").await?;
        if self.caps.uidplus {
            let gone = timed(self.limit, "UID EXPUNGE", self.session.uid_expunge(set)).await?;
            let mut gone = std::pin::pin!(gone);
            while timed(self.limit, "UID EXPUNGE", gone.try_next())
                .await?
                .is_some()
            {}
        }
        Ok(())
    }

    async fn move_or_copy(&mut self, set: &str, target: &str) -> Result<(), ImapError> {
        if self.caps.moves {
            timed(self.limit, "UID MOVE", self.session.uid_mv(set, target)).await
        } else {
            timed(self.limit, "UID COPY", self.session.uid_copy(set, target)).await
        }
    }

    /// IDLEs on the selected folder until the server reports a change, `wait`
    /// passes or shutdown; then ends the IDLE and hands the connection back.
    pub async fn idle(
        self,
        wait: Duration,
        shutdown: &CancellationToken,
    ) -> Result<(Connection, Wake), ImapError> {
        let Connection {
            session,
            caps,
            limit,
            selected,
        } = self;
        let mut handle = session.idle();
        timed(limit, "IDLE", handle.init()).await?;
        let wake = {
            let (response, stop) = handle.wait_with_timeout(wait);
            let wake = tokio::select! {
                r = response => match r {
                    Ok(IdleResponse::NewData(_)) => Ok(Wake::Changed),
                    Ok(IdleResponse::Timeout | IdleResponse::ManualInterrupt) => Ok(Wake::Timeout),
                    Err(e) => Err(protocol("IDLE")(e)),
                },
                () = tokio::time::sleep(wait) => Ok(Wake::Timeout),
                () = shutdown.cancelled() => Ok(Wake::Shutdown),
            };
            // Held until here: dropping the StopSource ends the wait at once.
            drop(stop);
            wake?
        };
        let done_limit = if wake == Wake::Shutdown {
            limit.min(GOODBYE)
        } else {
            limit
        };
        let session = timed(done_limit, "DONE", handle.done()).await?;
        let connection = Connection {
            session,
            caps,
            limit,
            selected,
        };
        Ok((connection, wake))
    }

    /// Says goodbye; errors do not matter any more.
    pub async fn logout(mut self) {
        let _ = timed(self.limit.min(GOODBYE), "LOGOUT", self.session.logout()).await;
    }
}
