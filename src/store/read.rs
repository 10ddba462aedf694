//! Read-only queries; they never wait for the writer.

use serde::Deserialize;

use super::{Store, StoreError, decode, keys, record};
use crate::model::{Channel, Draft, Message, MessageId, Quarantined, Ticket, TicketState};

use super::tx::AuditEntry;

/// Which messages to list.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct MessageFilter {
    /// Only this channel.
    pub channel: Option<Channel>,
    /// At most this many, newest first.
    pub limit: Option<usize>,
}

/// Which tickets to list.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct TicketFilter {
    /// Only tickets in this state.
    pub state: Option<TicketState>,
    /// Only tickets in this queue.
    pub queue: Option<String>,
    /// At most this many, newest first.
    pub limit: Option<usize>,
}

const DEFAULT_LIMIT: usize = 100;
const MAX_LIMIT: usize = 1000;

fn clamp(limit: Option<usize>) -> usize {
    limit.unwrap_or(DEFAULT_LIMIT).clamp(1, MAX_LIMIT)
}

impl Store {
    /// A message by id.
    pub fn message(&self, id: MessageId) -> Result<Option<Message>, StoreError> {
        let key = keys::message(id);
        match self.db().get(&key)? {
            Some(bytes) => Ok(Some(record::decode_message(&key, &bytes)?)),
            None => Ok(None),
        }
    }

    /// The id stored for (channel, native id), if that input was seen.
    pub fn find_native(
        &self,
        channel: Channel,
        native_id: &str,
    ) -> Result<Option<MessageId>, StoreError> {
        Ok(self
            .db()
            .get(keys::dedup(channel, native_id))?
            .and_then(|v| keys::trailing_id(&v)))
    }

    /// Raw bytes kept for a message or quarantine entry.
    pub fn raw(&self, id: MessageId) -> Result<Option<Vec<u8>>, StoreError> {
        // Messages carry their pointer in their record; quarantine entries
        // have a `raw/` key of their own.
        let in_record = self
            .db()
            .get(keys::message(id))?
            .and_then(|b| record::split(&b).0.map(<[u8]>::to_vec));
        let pointer = match in_record {
            Some(p) => p,
            None => match self.db().get(keys::raw(id))? {
                Some(p) => p.to_vec(),
                None => return Ok(None),
            },
        };
        let broken = |detail: &str| StoreError::Record {
            key: format!("raw/{id}"),
            detail: detail.to_string(),
        };
        let (pack, offset, len) =
            keys::parse_raw_pointer(&pointer).ok_or_else(|| broken("malformed pointer"))?;
        let bytes = self
            .db()
            .get(keys::raw_pack(pack))?
            .ok_or_else(|| broken("its pack is missing"))?;
        let end = offset
            .checked_add(len)
            .ok_or_else(|| broken("pointer overflows"))?;
        let slice = bytes
            .get(offset..end)
            .ok_or_else(|| broken("pointer beyond its pack"))?;
        Ok(Some(slice.to_vec()))
    }

    /// Attachment content by hash, if it was kept.
    pub fn attachment(&self, hash: &str) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(self.db().get(keys::attachment(hash))?.map(|v| v.to_vec()))
    }

    /// Messages, newest first.
    pub fn messages(&self, filter: &MessageFilter) -> Result<Vec<Message>, StoreError> {
        let limit = clamp(filter.limit);
        let mut out = Vec::new();
        match filter.channel {
            Some(channel) => {
                for item in self.db().scan_prefix(keys::channel_prefix(channel)).rev() {
                    let (key, _) = item?;
                    if let Some(m) = keys::trailing_id(&key).map(|id| self.message(id)) {
                        out.extend(m?);
                    }
                    if out.len() >= limit {
                        break;
                    }
                }
            }
            None => {
                for item in self.db().scan_prefix(keys::MSG).rev().take(limit) {
                    let (key, value) = item?;
                    out.push(record::decode_message(&key, &value)?);
                }
            }
        }
        Ok(out)
    }

    /// A ticket by number.
    pub fn ticket(&self, number: &str) -> Result<Option<Ticket>, StoreError> {
        let key = keys::ticket(number);
        match self.db().get(&key)? {
            Some(bytes) => Ok(Some(decode(&key, &bytes)?)),
            None => Ok(None),
        }
    }

    /// Tickets, newest number first.
    pub fn tickets(&self, filter: &TicketFilter) -> Result<Vec<Ticket>, StoreError> {
        let limit = clamp(filter.limit);
        let mut out = Vec::new();
        for item in self.db().scan_prefix(keys::TICKET).rev() {
            let (key, value) = item?;
            let ticket: Ticket = decode(&key, &value)?;
            let state_ok = filter.state.is_none_or(|s| s == ticket.state);
            let queue_ok = filter.queue.as_ref().is_none_or(|q| *q == ticket.queue);
            if state_ok && queue_ok {
                out.push(ticket);
                if out.len() >= limit {
                    break;
                }
            }
        }
        Ok(out)
    }

    /// Drafts, newest first.
    pub fn drafts(&self, limit: Option<usize>) -> Result<Vec<Draft>, StoreError> {
        let mut out = Vec::new();
        for item in self.db().scan_prefix(keys::DRAFT).rev().take(clamp(limit)) {
            let (key, value) = item?;
            out.push(decode(&key, &value)?);
        }
        Ok(out)
    }

    /// The drafts in `state` (an indexed state), oldest first.
    pub fn drafts_in_state(&self, state: &str) -> Result<Vec<Draft>, StoreError> {
        let mut out = Vec::new();
        for item in self.db().scan_prefix(keys::draft_state_prefix(state)) {
            let (key, _) = item?;
            let Some(id) = keys::trailing_id(&key) else {
                continue;
            };
            if let Some(value) = self.db().get(keys::draft(id.0))? {
                out.push(decode(&key, &value)?);
            }
        }
        Ok(out)
    }

    /// Quarantined inputs, newest first.
    pub fn quarantined(&self, limit: Option<usize>) -> Result<Vec<Quarantined>, StoreError> {
        let mut out = Vec::new();
        for item in self
            .db()
            .scan_prefix(keys::QUARANTINE)
            .rev()
            .take(clamp(limit))
        {
            let (key, value) = item?;
            out.push(decode(&key, &value)?);
        }
        Ok(out)
    }

    /// Audit entries whose subject is `subject`, oldest first.
    pub fn audit_for(&self, subject: &str) -> Result<Vec<AuditEntry>, StoreError> {
        let mut out = Vec::new();
        for item in self.db().scan_prefix(keys::audit_prefix(subject)) {
            let (key, value) = item?;
            out.push(decode(&key, &value)?);
        }
        Ok(out)
    }

    /// A source cursor.
    pub fn cursor(&self, connector: &str, name: &str) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(self
            .db()
            .get(keys::cursor(connector, name))?
            .map(|v| v.to_vec()))
    }

    /// Counts every message record by scanning; used by tests and `check` to
    /// verify that the counters agree with the records.
    pub fn count_messages(&self) -> Result<u64, StoreError> {
        let mut n = 0;
        for item in self.db().scan_prefix(keys::MSG) {
            item?;
            n += 1;
        }
        Ok(n)
    }
}

impl Store {
    /// The newest `limit` messages, newest first, handed to `f` one by one
    /// without collecting them (used to rebuild in-memory indexes on start).
    pub fn for_each_recent_message(
        &self,
        limit: usize,
        mut f: impl FnMut(Message),
    ) -> Result<(), StoreError> {
        for item in self.db().scan_prefix(keys::MSG).rev().take(limit) {
            let (key, value) = item?;
            f(record::decode_message(&key, &value)?);
        }
        Ok(())
    }
}

impl Store {
    /// Counts ticket records by scanning (checks the counters in tests).
    pub fn count_tickets(&self) -> Result<u64, StoreError> {
        let mut n = 0;
        for item in self.db().scan_prefix(keys::TICKET) {
            item?;
            n += 1;
        }
        Ok(n)
    }
}
