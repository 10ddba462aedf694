//! `omnilisten ingest`: backfill files through the normal pipeline.

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;

use tokio::sync::{mpsc, oneshot};

use crate::app::{open_store, pipeline_options};
use crate::config::Config;
use crate::connectors::files::{FileError, MailFile, historical_envelope};
use crate::connectors::{AckResult, Outcome};
use crate::metrics::Metrics;
use crate::model::ConnectorId;
use crate::pipeline::Pipeline;
use crate::store::StoreError;

/// What a backfill did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct IngestSummary {
    /// Mails read.
    pub read: u64,
    /// Newly stored.
    pub stored: u64,
    /// Already stored before.
    pub duplicates: u64,
    /// Quarantined.
    pub quarantined: u64,
    /// Not made durable (store failure).
    pub not_stored: u64,
}

impl fmt::Display for IngestSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "read {}, stored {}, duplicates {}, quarantined {}, not stored {}",
            self.read, self.stored, self.duplicates, self.quarantined, self.not_stored
        )
    }
}

/// Why a backfill could not run.
#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    /// No connector with that id in `connectors/`.
    #[error("no connector {0:?} in the config's connectors/ directory")]
    UnknownConnector(String),
    /// A file could not be read.
    #[error(transparent)]
    File(#[from] FileError),
    /// The file-reading thread died.
    #[error("the file reader stopped: {0}")]
    Reader(String),
    /// The store could not be opened.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Reads every file and waits until each mail is durable.
pub async fn ingest_files(
    config: &Config,
    connector: &str,
    files: &[PathBuf],
) -> Result<IngestSummary, IngestError> {
    let found = config
        .connectors
        .iter()
        .find(|c| c.id.0 == connector)
        .ok_or_else(|| IngestError::UnknownConnector(connector.to_string()))?;
    let max_bytes = found.kind.max_message_bytes();
    let channel = found.kind.channel();
    let id = ConnectorId(connector.to_string());
    let store = open_store(config).await?;
    let pipeline = Pipeline::spawn(
        store.clone(),
        Arc::new(config.rules.clone()),
        Metrics::new(),
        pipeline_options(config),
    );
    let input = pipeline.sender();
    // Files are read on a blocking thread, one mail at a time; both queues
    // are bounded, so a huge mbox never sits in memory as a whole.
    let (acks_tx, mut acks_rx) = mpsc::channel::<oneshot::Receiver<AckResult>>(4096);
    let files = files.to_vec();
    let reader = tokio::task::spawn_blocking(move || -> Result<u64, IngestError> {
        let mut read = 0;
        for path in &files {
            for item in MailFile::open(path, max_bytes)? {
                let (origin, raw) = item?;
                let mut envelope = historical_envelope(&id, channel, origin, raw);
                let (tx, rx) = oneshot::channel();
                envelope.ack = Some(tx);
                if input.blocking_send(envelope).is_err() || acks_tx.blocking_send(rx).is_err() {
                    return Ok(read);
                }
                read += 1;
            }
        }
        Ok(read)
    });
    let mut summary = IngestSummary::default();
    while let Some(rx) = acks_rx.recv().await {
        match rx.await {
            Ok(Ok(Outcome::Stored(_))) => summary.stored += 1,
            Ok(Ok(Outcome::Duplicate(_))) => summary.duplicates += 1,
            Ok(Ok(Outcome::Quarantined(_))) => summary.quarantined += 1,
            _ => summary.not_stored += 1,
        }
    }
    let read = reader
        .await
        .unwrap_or_else(|e| Err(IngestError::Reader(e.to_string())));
    pipeline.close().await;
    store.flush().await?;
    summary.read = read?;
    Ok(summary)
}
