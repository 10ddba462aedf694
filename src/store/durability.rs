//! The fsync that sled does not do. sled 0.34's flush writes its log with
//! `sync_file_range` and never syncs blob files (values too big for a log
//! segment) at all; for power-loss durability we fsync the log file, every
//! blob file created since the last commit, and the directories.

use std::fs::File;
use std::path::Path;

use super::{Store, StoreError};

/// Which blob files are already synced: sled names them by increasing LSN.
#[derive(Debug, Default)]
pub(super) struct BlobSyncState {
    highest_synced: u64,
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
        File::open(dir.join("db"))?.sync_all()?;
        let blobs = dir.join("blobs");
        if blobs.is_dir() {
            let mut state = match self.inner.blob_sync.lock() {
                Ok(s) => s,
                Err(poisoned) => poisoned.into_inner(),
            };
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
            File::open(&blobs)?.sync_all()?;
            state.highest_synced = highest;
        }
        File::open(dir)?.sync_all()?;
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
