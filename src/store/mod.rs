//! The durable store: the only code that touches sled.
//!
//! One sled tree holds every record under a prefix (`keys`), so a whole
//! pipeline batch (messages, dedup entries, tickets, cursors, counters) is
//! applied atomically. Writers go through [`Tx`], one at a time; readers use
//! the plain getters and never block writers.
//!
//! Durability: a [`Tx::commit`] returns only after sled has written the batch
//! to its log and, with [`StoreOptions::fsync`] (the default), after the log
//! and any new blob files have been `fsync`ed. sled's own flush uses
//! `sync_file_range`, which survives a process crash but not necessarily a
//! power loss; the extra `fsync` closes that gap.

mod audit_index;
mod draft_index;
mod durability;
mod incidents;
mod index_scan;
mod indexes;
mod jobs;
pub mod keys;
mod media_jobs;
mod notes;
mod outbox;
mod read;
mod record;
mod search_index;
mod sessions;
mod stats;
mod ticket_index;
mod tx;

#[cfg(test)]
mod tests;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, RwLock};

pub use audit_index::{AUDIT_PAGE_MAX, AUDIT_SCAN_BUDGET, AuditFilter, AuditPage, AuditRecord};
pub use draft_index::{DRAFT_STATE_NAMES, QueuedDraft};
pub use index_scan::IndexPage;
pub use jobs::{DigestDay, SweepEntry, SweepRecord, Sweepable};
pub use media_jobs::MediaJob;
pub use outbox::{OutboxEntry, OutboxFilter, OutboxId, OutboxState};
pub use read::{MessageFilter, TicketFilter};
pub use search_index::{SearchHit, author_term};
pub use sessions::Session;
pub use stats::{MessageCounts, StateCounts, Stats};
pub use ticket_index::{AssigneeFilter, TICKET_SCAN_BUDGET, TicketIndexFilter, TicketSummary};
pub use tx::{AuditEntry, CommitReport, Tx};

/// How long [`Store::open`] waits for a locked store before the lock counts
/// as another process's. sled lets go of its lock file from a background
/// thread a moment after the last handle is dropped, so a store closed just
/// before in this process (`ingest` run twice, a daemon restarted
/// in-process, a test reopening it) can still read as locked; under load
/// that moment has stretched past 100 ms. A process that exits frees it at once.
pub const LOCK_WAIT: std::time::Duration = std::time::Duration::from_secs(5);

/// The schema this build writes. Bump it and add a migration when a record's
/// layout changes incompatibly.
pub const SCHEMA_VERSION: u32 = 4;

/// A migration from version `n` to `n + 1`, run on open.
type Migration = fn(&sled::Db) -> Result<(), StoreError>;

/// `MIGRATIONS[n - 1]` upgrades a store from version n to n + 1.
const MIGRATIONS: &[Migration] = &[
    // 1 → 2: the review desk's ticket list, review queue and search indexes.
    |db| indexes::build_desk_indexes(db).map(|_| ()),
    // 2 → 3: the audit log in time order across subjects.
    |db| audit_index::build(db).map(|_| ()),
    // 3 → 4: the incident dimension of the ticket list index (`tix/in/`).
    // A store coming from 1 got it in the 1 → 2 step already; building it
    // again costs one scan of the tickets and writes the same keys.
    |db| ticket_index::build_incident_index(db).map(|_| ()),
];

/// Errors at the store's edge.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// Another process (a running daemon) holds the store.
    #[error("the store at {path} is in use by another omnilisten process (stop the daemon first)")]
    Locked {
        /// Store directory.
        path: PathBuf,
    },
    /// sled found damaged files.
    #[error(
        "the store at {path} is corrupt: {detail}; move the directory aside and re-ingest from the sources"
    )]
    Corrupt {
        /// Store directory.
        path: PathBuf,
        /// sled's description.
        detail: String,
    },
    /// The store was written by a newer build.
    #[error("the store has schema version {found}, newer than this build's {supported}")]
    TooNew {
        /// Version on disk.
        found: u32,
        /// Version this build knows.
        supported: u32,
    },
    /// Any other sled failure.
    #[error("store error: {0}")]
    Sled(#[from] sled::Error),
    /// File system failure while syncing.
    #[error("store I/O error: {0}")]
    Io(#[from] std::io::Error),
    /// A record could not be (de)serialized; the store holds something this build cannot read.
    #[error("store record {key} is unreadable: {detail}")]
    Record {
        /// Printable key.
        key: String,
        /// serde's description.
        detail: String,
    },
}

/// How the store is opened.
#[derive(Debug, Clone)]
pub struct StoreOptions {
    /// sled page cache in bytes; bounds the store's memory.
    pub cache_capacity: u64,
    /// `fsync` the log after every commit (power-loss safe), or rely on sled's flush alone.
    pub fsync: bool,
}

impl Default for StoreOptions {
    fn default() -> Self {
        StoreOptions {
            cache_capacity: 64 * 1024 * 1024,
            fsync: true,
        }
    }
}

/// Handle to the store; cheap to clone.
#[derive(Clone)]
pub struct Store {
    inner: Arc<Inner>,
}

struct Inner {
    db: sled::Db,
    dir: PathBuf,
    options: StoreOptions,
    /// One writer at a time: a `Tx` holds this for its whole life.
    write_lock: tokio::sync::Mutex<()>,
    /// Counters as of the last applied batch.
    stats: RwLock<Stats>,
    blob_sync: std::sync::Mutex<durability::BlobSyncState>,
    healthy: AtomicBool,
}

impl Store {
    /// Opens (or creates) the store in `dir`, running schema migrations;
    /// blocks up to [`LOCK_WAIT`] while the store's lock is being let go of.
    pub fn open(dir: &Path, options: StoreOptions) -> Result<Store, StoreError> {
        std::fs::create_dir_all(dir)?;
        let deadline = std::time::Instant::now() + LOCK_WAIT;
        let db = loop {
            let opened = sled::Config::new()
                .path(dir)
                .cache_capacity(options.cache_capacity)
                .open()
                .map_err(|e| classify_open_error(dir, e));
            match opened {
                Err(StoreError::Locked { .. }) if std::time::Instant::now() < deadline => {
                    std::thread::sleep(std::time::Duration::from_millis(50));
                }
                other => break other?,
            }
        };
        migrate(&db)?;
        let stats = match db.get(keys::STATS)? {
            Some(bytes) => decode(keys::STATS, &bytes)?,
            None => Stats::empty(),
        };
        Ok(Store {
            inner: Arc::new(Inner {
                db,
                dir: dir.to_path_buf(),
                options,
                write_lock: tokio::sync::Mutex::new(()),
                stats: RwLock::new(stats),
                blob_sync: std::sync::Mutex::new(durability::BlobSyncState::default()),
                healthy: AtomicBool::new(true),
            }),
        })
    }

    /// Starts a write transaction; waits for the previous one to finish.
    pub async fn begin(&self) -> Tx<'_> {
        let guard = self.inner.write_lock.lock().await;
        Tx::new(self, guard)
    }

    /// Counters as of the last commit.
    pub fn stats(&self) -> Stats {
        match self.inner.stats.read() {
            Ok(s) => s.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// False after a failed commit or flush: `/healthz` reports 503.
    pub fn is_healthy(&self) -> bool {
        self.inner.healthy.load(Ordering::Relaxed)
    }

    /// Bytes the store occupies on disk.
    pub fn size_on_disk(&self) -> Result<u64, StoreError> {
        Ok(self.inner.db.size_on_disk()?)
    }

    /// Directory of the store.
    pub fn dir(&self) -> &Path {
        &self.inner.dir
    }

    /// Flushes and syncs everything; called on shutdown.
    pub async fn flush(&self) -> Result<(), StoreError> {
        let _guard = self.inner.write_lock.lock().await;
        self.sync().await.map(|_| ())
    }

    fn db(&self) -> &sled::Db {
        &self.inner.db
    }
}

fn classify_open_error(dir: &Path, err: sled::Error) -> StoreError {
    match err {
        sled::Error::Io(ref io) if io.kind() == std::io::ErrorKind::WouldBlock => {
            StoreError::Locked {
                path: dir.to_path_buf(),
            }
        }
        sled::Error::Io(ref io) if io.to_string().contains("lock") => StoreError::Locked {
            path: dir.to_path_buf(),
        },
        sled::Error::Corruption { .. } => StoreError::Corrupt {
            path: dir.to_path_buf(),
            detail: err.to_string(),
        },
        other => StoreError::Sled(other),
    }
}

fn migrate(db: &sled::Db) -> Result<(), StoreError> {
    let found = match db.get(keys::SCHEMA)? {
        Some(v) => {
            let bytes: [u8; 4] = v.as_ref().try_into().map_err(|_| StoreError::Record {
                key: "meta/schema".into(),
                detail: format!("expected 4 bytes, found {}", v.len()),
            })?;
            u32::from_be_bytes(bytes)
        }
        // A fresh store starts at the current version; nothing to migrate.
        None => SCHEMA_VERSION,
    };
    if found > SCHEMA_VERSION {
        return Err(StoreError::TooNew {
            found,
            supported: SCHEMA_VERSION,
        });
    }
    for version in found..SCHEMA_VERSION {
        let step = (version as usize)
            .checked_sub(1)
            .and_then(|i| MIGRATIONS.get(i))
            .ok_or_else(|| StoreError::Record {
                key: "meta/schema".into(),
                detail: format!("no migration from version {version}"),
            })?;
        step(db)?;
        db.insert(keys::SCHEMA, &(version + 1).to_be_bytes())?;
    }
    db.insert(keys::SCHEMA, &SCHEMA_VERSION.to_be_bytes())?;
    db.flush()?;
    Ok(())
}

fn decode<T: serde::de::DeserializeOwned>(key: &[u8], bytes: &[u8]) -> Result<T, StoreError> {
    serde_json::from_slice(bytes).map_err(|e| StoreError::Record {
        key: String::from_utf8_lossy(key).into_owned(),
        detail: e.to_string(),
    })
}

fn encode<T: serde::Serialize>(value: &T) -> Vec<u8> {
    // Our own model types always serialize: they hold only strings, numbers
    // and maps with string keys.
    serde_json::to_vec(value).unwrap_or_default()
}

/// Opens the store in `dir` again right after a handle was dropped
/// (`Store::open` waits for sled to let go of its lock).
#[cfg(test)]
pub(crate) fn reopen_for_test(dir: &Path, options: StoreOptions) -> Store {
    Store::open(dir, options).expect("reopen")
}
