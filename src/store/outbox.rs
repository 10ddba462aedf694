//! The outbox: mail waiting to be sent, and what became of it; plus the
//! per-sender acknowledgement times behind the hourly cap.
//!
//! An entry is written in the same batch as the decision that produced it
//! (the ticket that an acknowledgement announces), so a crash never loses
//! or doubles the decision. Its state then moves
//! `pending → sending → sent | failed | pending (retry later)`, each step
//! durable before the next; an entry still `sending` when the daemon starts
//! was interrupted mid-send and becomes `uncertain` (never resent by itself).
//!
//! Keys: `outbox/` ‖ uuid → JSON [`OutboxEntry`]; `outstate/` ‖ state ‖ `/`
//! ‖ uuid → empty, for every state but `sent`, so the sender and the API find
//! the few live entries without scanning every mail ever sent;
//! `ackwin/` ‖ sender address → JSON list of acknowledgement times.

use std::collections::BTreeMap;
use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{Store, StoreError, Tx, decode, encode, keys};
use crate::outbound::OutgoingMail;

/// Outbox entry id: a UUIDv7, so entries sort by creation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct OutboxId(pub uuid::Uuid);

impl OutboxId {
    /// A fresh time-ordered id.
    pub fn new() -> OutboxId {
        OutboxId(uuid::Uuid::now_v7())
    }
}

impl Default for OutboxId {
    fn default() -> Self {
        OutboxId::new()
    }
}

impl fmt::Display for OutboxId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// Where an outgoing mail is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum OutboxState {
    /// Waiting for its (next) attempt.
    Pending,
    /// Handed to the SMTP server; the outcome is not recorded yet.
    Sending,
    /// The server accepted it.
    Sent,
    /// The server refused it for good (5xx), or it could not be built.
    Failed {
        /// The server's answer or the build error.
        reason: String,
    },
    /// The send was interrupted (crash, broken connection after the data
    /// went out): it may or may not have arrived. Never resent by itself.
    Uncertain,
}

impl OutboxState {
    /// Every state name, in lifecycle order.
    pub const NAMES: [&'static str; 5] = ["pending", "sending", "sent", "failed", "uncertain"];

    /// The lowercase name.
    pub fn name(&self) -> &'static str {
        match self {
            OutboxState::Pending => "pending",
            OutboxState::Sending => "sending",
            OutboxState::Sent => "sent",
            OutboxState::Failed { .. } => "failed",
            OutboxState::Uncertain => "uncertain",
        }
    }

    /// Whether the state index lists it (every state but the final `sent`).
    fn indexed(&self) -> bool {
        !matches!(self, OutboxState::Sent)
    }
}

/// One outgoing mail and its delivery record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutboxEntry {
    /// Its id.
    pub id: OutboxId,
    /// What to send.
    pub mail: OutgoingMail,
    /// Where it is.
    #[serde(flatten)]
    pub state: OutboxState,
    /// Attempts that reached the point of handing it over.
    pub attempts: u32,
    /// When it was enqueued.
    pub created_at: DateTime<Utc>,
    /// When its state last changed.
    pub updated_at: DateTime<Utc>,
    /// Not to be tried before this (backoff after a temporary failure).
    pub next_attempt_at: DateTime<Utc>,
    /// The last temporary failure, for people.
    pub last_error: Option<String>,
}

impl OutboxEntry {
    /// A new pending entry, due now.
    pub fn pending(mail: OutgoingMail, at: DateTime<Utc>) -> OutboxEntry {
        OutboxEntry {
            id: OutboxId::new(),
            mail,
            state: OutboxState::Pending,
            attempts: 0,
            created_at: at,
            updated_at: at,
            next_attempt_at: at,
            last_error: None,
        }
    }
}

impl Tx<'_> {
    /// An outbox entry, as this transaction sees it.
    pub fn outbox_entry(&self, id: OutboxId) -> Result<Option<OutboxEntry>, StoreError> {
        self.get_json(&keys::outbox(id.0))
    }

    /// Writes an outbox entry (new or changed) and keeps the state index in step.
    pub fn put_outbox(&mut self, entry: &OutboxEntry) -> Result<(), StoreError> {
        let old = self.outbox_entry(entry.id)?;
        if old.is_none() {
            self.index_outbox(entry);
        }
        if let Some(old) = old
            && old.state.name() != entry.state.name()
            && old.state.indexed()
        {
            self.remove(keys::outbox_state(old.state.name(), entry.id.0));
        }
        if entry.state.indexed() {
            self.put(
                keys::outbox_state(entry.state.name(), entry.id.0),
                Vec::new(),
            );
        }
        self.put(keys::outbox(entry.id.0), encode(entry));
        Ok(())
    }

    /// When `sender` (a lowercase address) was last acknowledged, oldest first.
    pub fn ack_times(&self, sender: &str) -> Result<Vec<DateTime<Utc>>, StoreError> {
        Ok(self
            .get_json(&keys::ack_window(sender))?
            .unwrap_or_default())
    }

    /// Replaces `sender`'s acknowledgement times; an empty list removes the key.
    pub fn set_ack_times(&mut self, sender: &str, times: &[DateTime<Utc>]) {
        let key = keys::ack_window(sender);
        if times.is_empty() {
            self.remove(key);
        } else {
            self.put(key, encode(&times));
        }
    }
}

/// Which outbox entries to list.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct OutboxFilter {
    /// Only entries in this state (`pending`, `sending`, `sent`, `failed`, `uncertain`).
    pub state: Option<String>,
    /// At most this many, newest first (1–1000, default 100).
    pub limit: Option<usize>,
}

impl Store {
    /// Outbox entries, newest first.
    pub fn outbox(&self, filter: &OutboxFilter) -> Result<Vec<OutboxEntry>, StoreError> {
        let limit = filter.limit.unwrap_or(100).clamp(1, 1000);
        match filter.state.as_deref() {
            Some(state) if state != "sent" => {
                let mut list = self.outbox_in_state(state)?;
                list.reverse();
                list.truncate(limit);
                Ok(list)
            }
            state => {
                let mut out = Vec::new();
                for item in self.db().scan_prefix(keys::OUTBOX).rev() {
                    let (key, value) = item?;
                    let entry: OutboxEntry = decode(&key, &value)?;
                    if state.is_none_or(|s| s == entry.state.name()) {
                        out.push(entry);
                        if out.len() >= limit {
                            break;
                        }
                    }
                }
                Ok(out)
            }
        }
    }

    /// Every entry in `state` (not `sent`: that one is not indexed), oldest first.
    pub fn outbox_in_state(&self, state: &str) -> Result<Vec<OutboxEntry>, StoreError> {
        let mut out = Vec::new();
        for item in self.db().scan_prefix(keys::outbox_state_prefix(state)) {
            let (key, _) = item?;
            let Some(id) = keys::trailing_id(&key) else {
                continue;
            };
            let record_key = keys::outbox(id.0);
            if let Some(bytes) = self.db().get(&record_key)? {
                out.push(decode(&record_key, &bytes)?);
            }
        }
        Ok(out)
    }

    /// How many entries are in each state but `sent`.
    pub fn outbox_counts(&self) -> Result<BTreeMap<&'static str, u64>, StoreError> {
        let mut counts = BTreeMap::new();
        for state in OutboxState::NAMES.into_iter().filter(|s| *s != "sent") {
            let mut n = 0;
            for item in self.db().scan_prefix(keys::outbox_state_prefix(state)) {
                item?;
                n += 1;
            }
            counts.insert(state, n);
        }
        Ok(counts)
    }

    /// Senders whose every recorded acknowledgement is older than `before`:
    /// their windows are empty and can go.
    pub fn stale_ack_windows(&self, before: DateTime<Utc>) -> Result<Vec<String>, StoreError> {
        let mut stale = Vec::new();
        for item in self.db().scan_prefix(keys::ACK_WINDOW) {
            let (key, value) = item?;
            let times: Vec<DateTime<Utc>> = decode(&key, &value)?;
            if times.iter().all(|t| *t < before)
                && let Some(sender) = key.get(keys::ACK_WINDOW.len()..)
            {
                stale.push(String::from_utf8_lossy(sender).into_owned());
            }
        }
        Ok(stale)
    }
}

#[cfg(test)]
mod tests;
