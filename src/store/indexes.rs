//! Building the desk's indexes for a store written before they existed
//! (schema 1 → 2): the ticket list (with its incident dimension), the
//! review queue and the searches. `Store::rebuild_desk_indexes` also
//! rebuilds the time-ordered audit log (`audit_index.rs`).
//!
//! The migration first removes whatever index entries are there, then
//! writes them from the records, in batches of [`BATCH_KEYS`]; the schema
//! version moves on only after it finished, so a crash midway simply runs
//! it again on the next open.

use super::{StoreError, audit_index, draft_index, keys, search_index, ticket_index};

/// Keys per sled batch while building.
const BATCH_KEYS: usize = 10_000;

/// Every prefix the desk's indexes live under.
const INDEX_PREFIXES: [&[u8]; 7] = [
    keys::TICKET_INDEX,
    keys::DRAFT_QUEUE,
    keys::DRAFT_GROUP,
    keys::DRAFT_COVERS,
    keys::SEARCH_ORDER,
    keys::SEARCH_AUTHOR,
    keys::OUTBOX_TICKET,
];

/// Collects writes and applies them in bounded batches.
#[derive(Default)]
pub(super) struct BatchSink {
    batch: sled::Batch,
    pending: usize,
    /// Keys written so far.
    pub(super) written: usize,
}

impl BatchSink {
    /// A sink over a clean slate: every key under `prefixes` removed (and
    /// applied), nothing counted as written yet. Builders start here, so a
    /// build run again after a crash midway gives the same index.
    pub(super) fn cleared(db: &sled::Db, prefixes: &[&[u8]]) -> Result<BatchSink, StoreError> {
        let mut sink = BatchSink::default();
        for prefix in prefixes {
            for key in db.scan_prefix(prefix).keys() {
                sink.remove(db, key?)?;
            }
        }
        sink.flush(db)?;
        sink.written = 0;
        Ok(sink)
    }

    /// Adds a write, applying the batch when it is full.
    pub(super) fn put(
        &mut self,
        db: &sled::Db,
        key: Vec<u8>,
        value: Vec<u8>,
    ) -> Result<(), StoreError> {
        self.batch.insert(key, value);
        self.pending += 1;
        self.written += 1;
        if self.pending >= BATCH_KEYS {
            self.flush(db)?;
        }
        Ok(())
    }

    /// Adds a removal, applying the batch when it is full.
    pub(super) fn remove(&mut self, db: &sled::Db, key: sled::IVec) -> Result<(), StoreError> {
        self.batch.remove(key);
        self.pending += 1;
        if self.pending >= BATCH_KEYS {
            self.flush(db)?;
        }
        Ok(())
    }

    /// Applies what is pending.
    pub(super) fn flush(&mut self, db: &sled::Db) -> Result<(), StoreError> {
        if self.pending > 0 {
            db.apply_batch(std::mem::take(&mut self.batch))?;
            self.pending = 0;
        }
        Ok(())
    }
}

impl super::Store {
    /// Rebuilds the desk's indexes and the time-ordered audit log from the
    /// records, holding the writer lock so no batch lands halfway; returns
    /// the keys written. For operators (an index suspected wrong) and the
    /// benchmark.
    pub async fn rebuild_desk_indexes(&self) -> Result<usize, StoreError> {
        let _writer = self.inner.write_lock.lock().await;
        let desk = build_desk_indexes(self.db())?;
        // Not part of `build_desk_indexes`: the 1 → 2 migration must not
        // build the log that the 2 → 3 step builds right after it.
        let log = audit_index::build(self.db())?;
        self.sync().await?;
        Ok(desk + log)
    }
}

/// Schema 1 → 2: builds the desk's indexes from the records.
pub(super) fn build_desk_indexes(db: &sled::Db) -> Result<usize, StoreError> {
    let started = std::time::Instant::now();
    let mut sink = BatchSink::cleared(db, &INDEX_PREFIXES)?;
    ticket_index::rebuild(db, &mut sink)?;
    draft_index::rebuild(db, &mut sink)?;
    search_index::rebuild(db, &mut sink)?;
    sink.flush(db)?;
    tracing::info!(
        keys = sink.written,
        seconds = started.elapsed().as_secs_f64(),
        "Built the desk's indexes."
    );
    Ok(sink.written)
}

#[cfg(test)]
mod tests;
