//! The fsync that sled does not do. sled 0.34's flush writes its log with
//! `sync_file_range` and never syncs blob files (values too big for a log
//! segment) at all; for power-loss durability we fsync the log file, every
//! blob file created since the last commit, and the directories.

use std::fs::File;
use std::path::Path;

use super::{Store, StoreError};

/// What is already durable: the blob files (sled names them by increasing
/// LSN) and the store directory's list of names.
#[derive(Debug, Default)]
pub(super) struct BlobSyncState {
    highest_synced: u64,
    /// The directory's entries when it was last fsynced; a directory fsync
    /// is a journal commit of its own, wasted when no name was added.
    dir_names: Vec<std::ffi::OsString>,
}

impl Store {
    /// Makes everything sled has written so far durable (when configured).
    pub(super) async fn sync_files(&self) -> Result<(), StoreError> {
        if !self.inner.options.fsync {
            return Ok(());
        }
        let store = self.clone();
        tokio::task::spawn_blocking(move || store.sync_files_blocking())
            .await
            .map_err(|e| StoreError::Io(std::io::Error::other(e.to_string())))?
    }

    fn sync_files_blocking(&self) -> Result<(), StoreError> {
        let dir = &self.inner.dir;
        // sync_data: the log's contents and its length, without timestamps.
        File::open(dir.join("db"))?.sync_data()?;
        let mut state = match self.inner.blob_sync.lock() {
            Ok(s) => s,
            Err(poisoned) => poisoned.into_inner(),
        };
        let blobs = dir.join("blobs");
        if blobs.is_dir() {
            let mut highest = state.highest_synced;
            for entry in std::fs::read_dir(&blobs)? {
                let entry = entry?;
                let lsn = entry
                    .file_name()
                    .to_str()
                    .and_then(|n| n.parse::<u64>().ok());
                if let Some(lsn) = lsn.filter(|l| *l > state.highest_synced) {
                    sync_if_present(&entry.path())?;
                    highest = highest.max(lsn);
                }
            }
            if highest > state.highest_synced {
                // New names in the blob directory must be durable too.
                File::open(&blobs)?.sync_all()?;
            }
            state.highest_synced = highest;
        }
        let mut names = std::fs::read_dir(dir)?
            .map(|e| e.map(|e| e.file_name()))
            .collect::<Result<Vec<_>, _>>()?;
        names.sort();
        if names != state.dir_names {
            File::open(dir)?.sync_all()?;
            state.dir_names = names;
        }
        Ok(())
    }
}

fn sync_if_present(path: &Path) -> Result<(), StoreError> {
    match File::open(path) {
        Ok(f) => Ok(f.sync_all()?),
        // sled may have garbage-collected the blob meanwhile.
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(e.into()),
    }
}
