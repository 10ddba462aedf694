//! `omnilisten ingest`: backfill files through the normal pipeline.

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;

use tokio::sync::oneshot;

use crate::app::{open_store, pipeline_options};
use crate::config::{Config, ConnectorKind};
use crate::connectors::Outcome;
use crate::connectors::files::{FileError, read_mail_file};
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
    let max_bytes = match &found.kind {
        ConnectorKind::Maildir(m) => m.max_message_bytes,
    };
    let id = ConnectorId(connector.to_string());
    let store = open_store(config).await?;
    let pipeline = Pipeline::spawn(
        store.clone(),
        Arc::new(config.rules.clone()),
        Metrics::new(),
        pipeline_options(config),
    );
    let input = pipeline.sender();
    let mut acks = Vec::new();
    let mut summary = IngestSummary::default();
    for path in files {
        for mut envelope in read_mail_file(&id, path, max_bytes)? {
            let (tx, rx) = oneshot::channel();
            envelope.ack = Some(tx);
            summary.read += 1;
            if input.send(envelope).await.is_err() {
                break;
            }
            acks.push(rx);
        }
    }
    drop(input);
    for rx in acks {
        match rx.await {
            Ok(Ok(Outcome::Stored(_))) => summary.stored += 1,
            Ok(Ok(Outcome::Duplicate(_))) => summary.duplicates += 1,
            Ok(Ok(Outcome::Quarantined(_))) => summary.quarantined += 1,
            _ => summary.not_stored += 1,
        }
    }
    pipeline.close().await;
    store.flush().await?;
    Ok(summary)
}
