//! A write transaction: reads see the transaction's own writes, and
//! everything is applied in one atomic sled batch on commit.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::{Stats, Store, StoreError, decode, encode, keys, record};
use crate::model::{Channel, Draft, DraftId, Message, MessageId, Quarantined, Ticket};

/// One entry of the audit log.
#[derive(Debug, Clone, Serialize, serde::Deserialize, PartialEq)]
pub struct AuditEntry {
    /// When it happened.
    pub at: DateTime<Utc>,
    /// Who did it: a user name, or `system:<component>`.
    pub actor: String,
    /// What was done, e.g. `ticket.opened`.
    pub action: String,
    /// The record it concerns (ticket number, draft id, message id).
    pub subject: String,
    /// State before, if it changed.
    pub before: Option<serde_json::Value>,
    /// State after.
    pub after: Option<serde_json::Value>,
}

/// What a commit cost.
#[derive(Debug, Clone, Copy)]
pub struct CommitReport {
    /// Keys written or removed.
    pub writes: usize,
    /// Time to apply the batch in memory.
    pub apply: Duration,
    /// Time to make it durable (flush and fsync).
    pub sync: Duration,
}

/// A write transaction; holds the store's writer lock until committed or dropped.
pub struct Tx<'a> {
    store: &'a Store,
    _guard: tokio::sync::MutexGuard<'a, ()>,
    overlay: HashMap<Vec<u8>, Option<Vec<u8>>>,
    batch: sled::Batch,
    writes: usize,
    stats: Stats,
    raw_pack: RawPack,
    /// Drafts first written in this transaction: indexed at apply, once their cover is known.
    pub(super) new_drafts: Vec<DraftId>,
    /// A failure inside an infallible write (an index read): fails the commit.
    deferred: Option<StoreError>,
}

/// Packs are closed at this size, so reading one mail's raw bytes never
/// loads more than a few MB (a pack is read whole), while small mail still
/// shares one value per few hundred mails.
const RAW_PACK_BYTES: usize = 4 * 1024 * 1024;

/// Raw inputs of this transaction, written as one value each on commit.
struct RawPack {
    id: uuid::Uuid,
    bytes: Vec<u8>,
}

impl<'a> Tx<'a> {
    pub(super) fn new(store: &'a Store, guard: tokio::sync::MutexGuard<'a, ()>) -> Tx<'a> {
        Tx {
            stats: store.stats(),
            store,
            _guard: guard,
            overlay: HashMap::new(),
            batch: sled::Batch::default(),
            writes: 0,
            raw_pack: RawPack {
                id: uuid::Uuid::now_v7(),
                bytes: Vec::new(),
            },
            new_drafts: Vec::new(),
            deferred: None,
        }
    }

    /// Reads a key, seeing this transaction's writes first.
    pub fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>, StoreError> {
        if let Some(v) = self.overlay.get(key) {
            return Ok(v.clone());
        }
        Ok(self.store.db().get(key)?.map(|v| v.to_vec()))
    }

    pub(super) fn put(&mut self, key: Vec<u8>, value: Vec<u8>) {
        self.batch.insert(key.as_slice(), value.as_slice());
        self.overlay.insert(key, Some(value));
        self.writes += 1;
    }

    /// Removes a key; later reads in this transaction see it gone.
    pub(super) fn remove(&mut self, key: Vec<u8>) {
        self.batch.remove(key.as_slice());
        self.overlay.insert(key, None);
        self.writes += 1;
    }

    /// Records a failure of a write that cannot return one; the commit fails with it.
    pub(super) fn defer_error(&mut self, error: StoreError) {
        self.deferred.get_or_insert(error);
    }

    /// This transaction's writes under `prefix` (removals left out).
    pub(super) fn written_with_prefix<'s>(
        &'s self,
        prefix: &'s [u8],
    ) -> impl Iterator<Item = (&'s [u8], &'s [u8])> + 's {
        self.overlay.iter().filter_map(move |(key, value)| {
            let value = value.as_deref()?;
            key.starts_with(prefix).then_some((key.as_slice(), value))
        })
    }

    /// A write this transaction never reads back (raw bytes, attachment
    /// content, listing and audit entries): it skips the read overlay, so
    /// big values are not copied twice.
    pub(super) fn put_blind(&mut self, key: Vec<u8>, value: Vec<u8>) {
        self.batch.insert(key, value);
        self.writes += 1;
    }

    pub(super) fn get_json<T: serde::de::DeserializeOwned>(
        &self,
        key: &[u8],
    ) -> Result<Option<T>, StoreError> {
        match self.get(key)? {
            Some(bytes) => Ok(Some(decode(key, &bytes)?)),
            None => Ok(None),
        }
    }

    /// Counters as they will be after this transaction.
    pub fn stats_mut(&mut self) -> &mut Stats {
        &mut self.stats
    }

    /// The stored message for (channel, native id), if any.
    pub fn find_native(
        &self,
        channel: Channel,
        native_id: &str,
    ) -> Result<Option<MessageId>, StoreError> {
        Ok(self
            .get(&keys::dedup(channel, native_id))?
            .and_then(|v| keys::trailing_id(&v)))
    }

    /// Records (channel, native id) as seen, pointing at `id`.
    pub fn mark_native(&mut self, channel: Channel, native_id: &str, id: MessageId) {
        self.put(keys::dedup(channel, native_id), id.0.as_bytes().to_vec());
    }

    /// A message by id.
    pub fn message(&self, id: MessageId) -> Result<Option<Message>, StoreError> {
        let key = keys::message(id);
        match self.get(&key)? {
            Some(bytes) => Ok(Some(record::decode_message(&key, &bytes)?)),
            None => Ok(None),
        }
    }

    /// Stores a new message with its dedup entry, listing entry and raw bytes.
    pub fn insert_message(&mut self, message: &Message, raw: Option<&[u8]>) {
        self.put(
            keys::dedup(message.channel, &message.native_id),
            message.id.0.as_bytes().to_vec(),
        );
        self.put_blind(keys::channel_entry(message.channel, message.id), Vec::new());
        self.index_new_message(message);
        let pointer = raw.and_then(|raw| self.pack_raw(message.id, raw));
        self.put(
            keys::message(message.id),
            record::encode_message(message, pointer.as_deref()),
        );
        self.stats.add_message(message.channel);
    }

    /// Appends raw bytes to this transaction's pack; returns the pointer.
    fn pack_raw(&mut self, id: MessageId, raw: &[u8]) -> Option<Vec<u8>> {
        if !self.raw_pack.bytes.is_empty() && self.raw_pack.bytes.len() + raw.len() > RAW_PACK_BYTES
        {
            self.close_raw_pack();
        }
        // Inputs are capped far below 4 GiB (max_message_bytes), and a
        // commit holds at most batch_max of them; refuse rather than wrap.
        let (Ok(offset), Ok(len)) = (
            u32::try_from(self.raw_pack.bytes.len()),
            u32::try_from(raw.len()),
        ) else {
            tracing::error!(%id, "Raw pack over 4 GiB; raw bytes not kept.");
            return None;
        };
        self.raw_pack.bytes.extend_from_slice(raw);
        Some(keys::raw_pointer(self.raw_pack.id, offset, len))
    }

    /// Puts the current pack into the batch and starts a new one.
    fn close_raw_pack(&mut self) {
        if self.raw_pack.bytes.is_empty() {
            return;
        }
        let pack = std::mem::take(&mut self.raw_pack.bytes);
        self.batch.insert(keys::raw_pack(self.raw_pack.id), pack);
        self.raw_pack.id = uuid::Uuid::now_v7();
    }

    /// Rewrites an existing message record, keeping its raw pointer.
    pub fn update_message(&mut self, message: &Message) -> Result<(), StoreError> {
        let key = keys::message(message.id);
        let old = self.get(&key)?;
        self.reindex_message(old.as_deref(), message)?;
        let pointer = old.as_deref().and_then(|b| record::split(b).0);
        let value = record::encode_message(message, pointer);
        self.put(key, value);
        Ok(())
    }

    /// Keeps attachment content under its hash (content-addressed, so equal files are stored once).
    pub fn put_attachment(&mut self, hash: &str, content: &[u8]) {
        self.put_blind(keys::attachment(hash), content.to_vec());
    }

    /// Keeps an input that could not be parsed, with its raw bytes.
    pub fn quarantine(&mut self, entry: &Quarantined, raw: &[u8]) {
        self.put_blind(keys::quarantine(entry.id), encode(entry));
        if let Some(pointer) = self.pack_raw(entry.id, raw) {
            self.put_blind(keys::raw(entry.id), pointer);
        }
        self.stats.quarantined += 1;
    }

    /// A ticket by number.
    pub fn ticket(&self, number: &str) -> Result<Option<Ticket>, StoreError> {
        self.get_json(&keys::ticket(number))
    }

    /// Writes a ticket (new or changed) and moves its list index entries.
    pub fn put_ticket(&mut self, ticket: &Ticket) {
        self.index_ticket(ticket);
        self.put(keys::ticket(&ticket.number.0), encode(ticket));
    }

    /// Allocates the next ticket sequence number of a day; starts at 1.
    pub fn next_ticket_seq(&mut self, day: &str) -> Result<u64, StoreError> {
        let key = keys::ticket_seq(day);
        let current = match self.get(&key)? {
            Some(v) => {
                let bytes: [u8; 8] = v.as_slice().try_into().map_err(|_| StoreError::Record {
                    key: String::from_utf8_lossy(&key).into_owned(),
                    detail: "ticket counter is not 8 bytes".into(),
                })?;
                u64::from_be_bytes(bytes)
            }
            None => 0,
        };
        let next = current + 1;
        self.put(key, next.to_be_bytes().to_vec());
        Ok(next)
    }

    /// A draft by id.
    pub fn draft(&self, id: DraftId) -> Result<Option<Draft>, StoreError> {
        self.get_json(&keys::draft(id.0))
    }

    /// Writes a draft; counts it when new, moves its state count and its
    /// state index entry when changed.
    pub fn put_draft(&mut self, draft: &Draft) -> Result<(), StoreError> {
        let before = self.draft(draft.id)?;
        match &before {
            Some(old) => self.stats.move_draft(old.state.name(), draft.state.name()),
            None => self.stats.add_draft(draft.state.name()),
        }
        if let Some(old) = &before
            && old.state.name() != draft.state.name()
            && old.state.indexed()
        {
            self.remove(keys::draft_state(old.state.name(), draft.id.0));
        }
        if draft.state.indexed() {
            self.put(
                keys::draft_state(draft.state.name(), draft.id.0),
                Vec::new(),
            );
        }
        self.index_draft(before.as_ref(), draft)?;
        self.put(keys::draft(draft.id.0), encode(draft));
        Ok(())
    }

    /// Reads a source cursor.
    pub fn cursor(&self, connector: &str, name: &str) -> Result<Option<Vec<u8>>, StoreError> {
        self.get(&keys::cursor(connector, name))
    }

    /// Sets a source cursor in the same batch as the messages it covers.
    pub fn set_cursor(&mut self, connector: &str, name: &str, value: &[u8]) {
        self.put(keys::cursor(connector, name), value.to_vec());
    }

    /// The ticket a chat customer's conversation is in, if any.
    pub fn conversation_ticket(
        &self,
        channel: Channel,
        connector: &str,
        author: &str,
    ) -> Result<Option<String>, StoreError> {
        Ok(self
            .get(&keys::conversation(channel, connector, author))?
            .map(|v| String::from_utf8_lossy(&v).into_owned()))
    }

    /// Records the ticket a chat customer's next messages join.
    pub fn set_conversation_ticket(
        &mut self,
        channel: Channel,
        connector: &str,
        author: &str,
        number: &str,
    ) {
        self.put(
            keys::conversation(channel, connector, author),
            number.as_bytes().to_vec(),
        );
    }

    /// Appends to the audit log: the entry under its subject, and its
    /// line in the time-ordered log under the same uuid (one more small key
    /// per entry, so the admin's recent changes never scan every subject).
    pub fn audit(&mut self, entry: &AuditEntry) {
        let id = uuid::Uuid::now_v7();
        let (key, value) = super::audit_index::log_entry(id, entry);
        self.put_blind(key, value);
        self.put_blind(keys::audit(&entry.subject, id), encode(entry));
    }

    /// Keys written so far.
    pub fn writes(&self) -> usize {
        self.writes
    }

    /// Applies the batch atomically and returns once it is durable.
    pub async fn commit(self) -> Result<CommitReport, StoreError> {
        let store = self.store;
        let writes = self.writes;
        let apply = self.apply()?;
        let sync = store.sync().await?;
        Ok(CommitReport {
            writes,
            apply,
            sync,
        })
    }

    /// Applies the batch atomically and releases the writer lock, without
    /// waiting for durability: the caller must `Store::sync` before it
    /// acknowledges anything in it. This lets the next batch be built while
    /// the previous one is being flushed (pipelined group commit).
    pub fn apply(mut self) -> Result<Duration, StoreError> {
        let started = Instant::now();
        if let Some(error) = self.deferred.take() {
            return Err(error);
        }
        self.finish_draft_index()?;
        let stats_bytes = encode(&self.stats);
        self.batch.insert(keys::STATS, stats_bytes);
        self.close_raw_pack();
        let batch = std::mem::take(&mut self.batch);
        if let Err(e) = self.store.db().apply_batch(batch) {
            self.store.mark_unhealthy();
            return Err(e.into());
        }
        // The batch is visible to readers now; the counters must match it.
        self.store.set_stats(std::mem::take(&mut self.stats));
        Ok(started.elapsed())
    }
}

impl Store {
    /// Makes everything applied so far durable: sled's flush, then (when
    /// configured) fsync. One call covers every batch applied before it.
    pub async fn sync(&self) -> Result<Duration, StoreError> {
        let started = Instant::now();
        let synced = async {
            self.db().flush_async().await?;
            self.sync_files().await
        }
        .await;
        if let Err(e) = synced {
            self.mark_unhealthy();
            return Err(e);
        }
        self.inner
            .healthy
            .store(true, std::sync::atomic::Ordering::Relaxed);
        Ok(started.elapsed())
    }

    fn set_stats(&self, stats: Stats) {
        match self.inner.stats.write() {
            Ok(mut s) => *s = stats,
            Err(poisoned) => *poisoned.into_inner() = stats,
        }
    }

    fn mark_unhealthy(&self) {
        self.inner
            .healthy
            .store(false, std::sync::atomic::Ordering::Relaxed);
    }
}
